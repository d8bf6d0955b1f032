"""Attack: make the supervisor, which copies /out to the host (--out DIR) after
the run, write or read somewhere else: symlinks (to the host canary, whose
host path we are given, to /etc/passwd, to a directory), a FIFO (would hang a
reader), hard links, device nodes, a UNIX socket, names with '..', control
characters and invalid UTF-8, a 255-byte name, and nesting deeper than the
path cap. The runner also plants, in DIR, a symlink to the host canary where
we write a file of the same name, and a symlinked directory.
Reference: CVE-2018-15664 (docker cp symlink-exchange), CVE-2019-14271 (docker
cp), CVE-2021-30465 (runc symlink mount race), zip-slip (snyk 2018).
Outcome: regular files are copied; every other entry is skipped and reported
in skippedFiles, never followed; device nodes cannot even be created; the host
canary and the files outside DIR are unchanged.
"""
# run: - => checks
# hook: outdir
import errno
import os
import socket
import sys

sys.path.insert(0, "/work")
from _probe import check, done, errno_of  # noqa: E402

canary = sys.argv[1] if len(sys.argv) > 1 else "/nonexistent"
os.chdir("/out")
open("plain.txt", "w").write("plain\n")
os.symlink(canary, "to_canary")
os.symlink("/etc/passwd", "to_passwd")
os.symlink("/etc", "to_etc_dir")
os.mkfifo("fifo")
open("orig", "w").write("orig\n")
os.link("orig", "hardlink")
check("a character device cannot be created",
      errno_of(os.mknod, "dev_null", 0o666 | 0o020000, os.makedev(1, 3)) == "EPERM",
      errno_of(os.mknod, "dev_null2", 0o666 | 0o020000, os.makedev(1, 3)))
check("a block device cannot be created",
      errno_of(os.mknod, "dev_blk", 0o666 | 0o060000, os.makedev(254, 0)) == "EPERM")
s = socket.socket(socket.AF_UNIX)
s.bind("/out/sock")
open("..dots..", "w").write("dots\n")
open("a\nb", "w").write("newline\n")
open(b"bad\xff\xfeutf8", "w").write("bad\n")
open("L" * 255, "w").write("long\n")
d = "/out"
for i in range(40):                              # 40 * 41 bytes > the 1024-byte path cap
    d = os.path.join(d, "D" * 40)
    os.mkdir(d)
open(os.path.join(d, "deep.txt"), "w").write("deep\n")
open("written_over_link", "w").write("from the jail\n")   # DIR holds a symlink of this name
os.mkdir("linked_dir")
open("linked_dir/inner.txt", "w").write("inner\n")       # DIR holds linked_dir -> host dir
done()
