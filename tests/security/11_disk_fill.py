"""Attack: fill the disk through the writable places, /tmp and /out: one big
file, as many small files as possible (inodes), and a sparse file whose
apparent size is huge (1 TiB), then writing far into it.
Reference: CWE-400; nsjail/bubblewrap users put writable dirs on size-limited
tmpfs for this; RLIMIT_FSIZE (setrlimit(2)).
Outcome: writes stop with ENOSPC (tmpfs size=, nr_inodes=) or EFBIG
(RLIMIT_FSIZE) at the caps (--tmp-size/--out-size 16 MiB, 65536 inodes); the
run itself ends normally; the host's disk free space is unchanged.
"""
# run: big => checks
# run: small => checks
# run: sparse => checks
# options: --tmp-size 16 --out-size 16 --timeout 60
# hook: disk
import errno
import os
import sys

sys.path.insert(0, "/work")
from _probe import check, done, variant  # noqa: E402

MiB = 1 << 20
v = variant()


def fill_one(path):
    n, err = 0, None
    try:
        with open(path, "wb", buffering=0) as f:
            while n < 4096 * MiB:
                n += f.write(b"x" * MiB)
    except OSError as e:
        err = errno.errorcode.get(e.errno)
    return n, err


def many(dirname, limit):
    n, err = 0, None
    try:
        while n < limit:
            with open(os.path.join(dirname, "f%07d" % n), "wb") as f:
                f.write(b"y")
            n += 1
    except OSError as e:
        err = errno.errorcode.get(e.errno)
    return n, err


if v == "big":
    for d in ("/tmp", "/out"):
        n, err = fill_one(d + "/big")
        check("one big file in %s stops at the 16 MiB cap" % d, n <= 16 * MiB and err in ("ENOSPC", "EFBIG"),
              (n, err))
        os.unlink(d + "/big")
if v == "small":
    for d in ("/tmp", "/out"):
        os.mkdir(d + "/many")
        n, err = many(d + "/many", 1000000)
        check("a million small files in %s stop at the inode or size cap" % d, n <= 65536 and err == "ENOSPC",
              (n, err))
        for i in range(n):
            os.unlink(os.path.join(d + "/many", "f%07d" % i))
if v == "sparse":
    for d in ("/tmp", "/out"):
        fd = os.open(d + "/sparse", os.O_RDWR | os.O_CREAT, 0o600)
        try:
            os.ftruncate(fd, 1 << 40)
            res = "ok"
        except OSError as e:
            res = errno.errorcode.get(e.errno)
        check("a 1 TiB sparse file in %s is refused (RLIMIT_FSIZE)" % d, res == "EFBIG", res)
        wrote = 0
        try:
            os.pwrite(fd, b"z" * MiB, 15 * MiB)   # inside the cap: fine
            for off in range(0, 64 * MiB, MiB):   # filling it for real stops at the cap
                wrote += os.pwrite(fd, b"z" * MiB, off)
            res = "ok"
        except OSError as e:
            res = errno.errorcode.get(e.errno)
        check("filling the sparse file in %s stops at the cap" % d, res in ("ENOSPC", "EFBIG") and wrote <= 16 * MiB,
              (res, wrote))
        os.close(fd)
        os.unlink(d + "/sparse")
st = os.statvfs("/tmp")
check("/tmp is the 16 MiB tmpfs", st.f_blocks * st.f_frsize <= 16 * MiB, st)
done()
