"""Attack: find a writable spot besides /tmp and /out: any mount point of the
jail (the root tmpfs, /usr and its submounts, the /etc file binds, /dev nodes,
/proc, /work inputs) that still takes writes, including metadata writes like
utime/chmod on a bind-mounted file or device node (which would change the
host's inode); and run code from /tmp or /out.
Reference: CVE-2019-16884 / CVE-2023-27561 (runc: a writable /proc path), the
nsjail/bubblewrap practice of MS_RDONLY|MS_REC binds and noexec scratch dirs.
Outcome: every mount in /proc/self/mountinfo except /tmp and /out is mounted
read-only and refuses writes with EROFS; /tmp and /out refuse execve and
PROT_EXEC mappings of their files.
"""
# run: - => checks
import errno
import mmap
import os
import shutil
import subprocess
import sys

sys.path.insert(0, "/work")
from _probe import check, done, errno_of  # noqa: E402

points = []
for line in open("/proc/self/mountinfo"):
    f = line.split()
    points.append((f[4].replace("\\040", " "), f[5].split(",")))
check("mountinfo lists the expected mounts", len(points) >= 10, points)
for mp, opts in points:
    if mp in ("/tmp", "/out"):
        check("%s is writable, noexec, nosuid, nodev" % mp,
              "rw" in opts and "noexec" in opts and "nosuid" in opts and "nodev" in opts, opts)
        continue
    check("%s is mounted ro" % mp, "ro" in opts, opts)
    if os.path.isdir(mp):
        e = errno_of(os.mkdir, os.path.join(mp, "sbx-new-dir"))
        e2 = errno_of(lambda: open(os.path.join(mp, "sbx-new-file"), "w"))
        ok = ("EROFS",) if mp != "/proc" else ("EROFS", "ENOENT")   # procfs has no create at all
        check("%s refuses new entries (EROFS)" % mp, e in ok and e2 in ok, (e, e2))
    else:
        e = errno_of(os.utime, mp)
        check("%s refuses utime (EROFS)" % mp, e in ("EROFS", "EPERM", "EACCES"), e)
        if os.path.isfile(mp):
            e = errno_of(lambda: open(mp, "r+"))
            check("%s refuses opening for write" % mp, e in ("EROFS", "EACCES"), e)
for p in ("/usr/lib/python3/dist-packages", "/etc/alternatives", "/proc/sys/kernel", "/proc/self"):
    e = errno_of(lambda: open(os.path.join(p, "sbx-x"), "w"))
    check("path %s refuses new files" % p, e in ("EROFS", "EACCES", "ENOENT"), e)
e = errno_of(lambda: open("/proc/sys/kernel/core_pattern", "w").write("|/tmp/x"))
check("/proc/sys/kernel/core_pattern cannot be written", e in ("EROFS", "EACCES"), e)
e = errno_of(lambda: open("/proc/self/attr/current", "w").write("x"))
check("/proc/self/attr cannot be written", e in ("EROFS", "EACCES", "EINVAL", "ENOENT"), e)
for d in ("/tmp", "/out"):
    exe = os.path.join(d, "true")
    shutil.copy("/bin/true", exe)
    os.chmod(exe, 0o755)
    e = errno_of(subprocess.run, [exe])
    check("%s refuses execve of a copied binary" % d, e == "EACCES", e)
    with open(os.path.join(d, "s.sh"), "w") as f:
        f.write("#!/bin/sh\necho ran\n")
    os.chmod(os.path.join(d, "s.sh"), 0o755)
    e = errno_of(subprocess.run, [os.path.join(d, "s.sh")])
    check("%s refuses execve of a script" % d, e == "EACCES", e)
    with open(exe, "rb") as f:
        e = errno_of(mmap.mmap, f.fileno(), 0, prot=mmap.PROT_READ | mmap.PROT_EXEC)
    check("%s refuses PROT_EXEC mappings of its files" % d, e == "EPERM", e)
    os.unlink(exe)
    os.unlink(os.path.join(d, "s.sh"))
done()
