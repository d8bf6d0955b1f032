"""Attack: overwrite the binary that runs us (the supervisor, a host file) through
/proc/self/exe, directly or by reopening an O_PATH descriptor through
/proc/self/fd/N; find an inherited descriptor or working directory that points
outside the jail.
Reference: CVE-2019-5736 (runc /proc/self/exe overwrite), CVE-2024-21626 (runc
"Leaky Vessels": a leaked fd as the working directory), CVE-2016-9962 (runc fd
leak into the container).
Outcome: every open of the executable for writing fails; /proc/self/fd holds
only stdin (/dev/null), stdout, stderr and the report pipe (and the descriptor
of the listing itself); cwd and root are inside the jail.
"""
# run: - => checks
import os
import sys

sys.path.insert(0, "/work")
from _probe import check, done, errno_of  # noqa: E402

fds = sorted(int(f) for f in os.listdir("/proc/self/fd"))
targets = {}
for fd in fds:
    try:
        targets[fd] = os.readlink("/proc/self/fd/%d" % fd)
    except OSError:
        pass                                      # the listing's own, already closed
check("/proc/self/fd lists only 0-3 (+ the listing's own)", fds[:4] == [0, 1, 2, 3] and len(fds) <= 5, (fds, targets))
check("stdin is /dev/null and 1-3 are pipes",
      targets.get(0) == "/dev/null" and all(targets.get(i, "").startswith("pipe:") for i in (1, 2, 3)), targets)
for flags, label in ((os.O_WRONLY, "O_WRONLY"), (os.O_RDWR, "O_RDWR"), (os.O_WRONLY | os.O_TRUNC, "O_TRUNC")):
    e = errno_of(os.open, "/proc/self/exe", flags)
    check("/proc/self/exe refuses %s" % label, e in ("ETXTBSY", "EACCES", "EROFS", "EPERM"), e)
pfd = os.open("/proc/self/exe", os.O_PATH)
e = errno_of(os.open, "/proc/self/fd/%d" % pfd, os.O_WRONLY)
check("O_PATH fd to the exe cannot be reopened for writing via /proc/self/fd/N",
      e in ("ETXTBSY", "EACCES", "EROFS", "EPERM"), e)
e = errno_of(os.open, "/proc/1/exe", os.O_WRONLY)
check("init's exe cannot be opened", e in ("EACCES", "ETXTBSY", "EROFS", "EPERM"), e)
check("/proc/self/cwd is inside the jail", os.readlink("/proc/self/cwd") == "/tmp", os.readlink("/proc/self/cwd"))
check("/proc/self/root is the jail's root", os.readlink("/proc/self/root") == "/", os.readlink("/proc/self/root"))
check("init's cwd and root are not reachable",
      errno_of(os.readlink, "/proc/1/cwd") == "EACCES" and errno_of(os.listdir, "/proc/1/root") == "EACCES",
      (errno_of(os.readlink, "/proc/1/cwd"), errno_of(os.listdir, "/proc/1/root")))
check("init's fds are not reachable", errno_of(os.listdir, "/proc/1/fd") == "EACCES", errno_of(os.listdir, "/proc/1/fd"))
check("no path outside the jail via .. from cwd", sorted(os.listdir("/tmp/../..")) == sorted(os.listdir("/")))
done()
