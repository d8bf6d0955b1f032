"""Attack: build new namespaces or reshape the mounts the jail made: a user
namespace gives full capabilities over fresh namespaces and exposes code paths
(filesystem contexts, netfilter, cgroup release_agent) that normally need
root; clone3's flags live in memory the filter cannot read.
Reference: CVE-2022-0185 (fsconfig overflow from an unprivileged user ns),
CVE-2022-0492 (cgroup v1 release_agent after unshare), CVE-2023-0386
(overlayfs in a user ns); moby/moby#42681 (clone3 cannot be filtered by flags,
so it must answer ENOSYS, not EPERM, for glibc to fall back to clone).
Outcome: clone3 fails with ENOSYS and threads and fork still work; every other
call kills the worker with the syscall named.
"""
# run: clone3 => checks
# run: unshare => violation unshare
# run: clone_newuser => violation clone
# run: clone_newns => violation clone
# run: setns => violation setns
# run: mount => violation mount
# run: fsopen => violation fsopen
# run: open_tree => violation open_tree
# run: move_mount => violation move_mount
# run: pivot_root => violation pivot_root
# run: chroot => violation chroot
import os
import sys
import threading

sys.path.insert(0, "/work")
from _probe import check, done, ename, must_kill, raw, variant  # noqa: E402

CLONE_NEWUSER, CLONE_NEWNS = 0x10000000, 0x00020000
v = variant()
if v == "unshare":
    must_kill("unshare", CLONE_NEWUSER | 0x80000000)   # bit 31 is invalid: EINVAL if not blocked
if v == "clone_newuser":
    must_kill("clone", CLONE_NEWUSER | 17, 1, 0, 0, 0)  # stack 1: EINVAL/EFAULT if not blocked
if v == "clone_newns":
    must_kill("clone", CLONE_NEWNS | 17, 1, 0, 0, 0)
if v == "setns":
    must_kill("setns", 99, 0)
if v == "mount":
    must_kill("mount", 0, 0, 0, 0, 0)
if v == "fsopen":
    must_kill("fsopen", 0, 0)
if v == "open_tree":
    must_kill("open_tree", 99, 0, 0)
if v == "move_mount":
    must_kill("move_mount", 99, 0, 99, 0, 0)
if v == "pivot_root":
    must_kill("pivot_root", 0, 0)
if v == "chroot":
    must_kill("chroot", 0)

r = raw("clone3", 0, 0)                           # NULL args: EFAULT if not blocked
check("clone3 answers ENOSYS", r == -38, ename(r))
out = []
th = [threading.Thread(target=out.append, args=(i,)) for i in range(8)]
[t.start() for t in th]
[t.join() for t in th]
check("threads still start", sorted(out) == list(range(8)), out)
pid = os.fork()
if pid == 0:
    os._exit(7)
_, st = os.waitpid(pid, 0)
check("os.fork still works", os.waitstatus_to_exitcode(st) == 7, st)
import subprocess  # noqa: E402
p = subprocess.run(["/bin/echo", "hi"], capture_output=True)
check("subprocess (fork+exec of /usr/bin) still works", p.stdout == b"hi\n", p)
done()
