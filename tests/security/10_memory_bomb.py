"""Attack: take the host's memory: one huge numpy allocation, a list that grows
forever, anonymous mmap touched page by page, and SysV shared memory segments
left attached/unremoved so that they outlive the run (shm is not freed when
the creator exits).
Reference: CWE-400/CWE-789; the "IPC_RMID never called" leak that makes
systemd's RemoveIPC= and container IPC namespaces necessary.
Outcome: the first three end as memory_limit (cgroup memory.max, or the
RLIMIT_DATA fallback); the shm segments die with the run's IPC namespace: the
host's `ipcs -m` and Shmem in /proc/meminfo are unchanged afterwards.
"""
# run: numpy => status memory_limit
# run: list => status memory_limit
# run: mmap => status memory_limit
# run: mmap_shared => status memory_limit
# run: shm_bomb => status memory_limit
# run: shm => checks
# options: --memory 256 --timeout 30
# hook: shm
# serial
import ctypes
import mmap
import sys

sys.path.insert(0, "/work")
from _probe import check, done, ename, raw, variant  # noqa: E402

v = variant()
if v == "numpy":
    import numpy
    numpy.ones(10**11)
if v == "list":
    x = []
    while True:
        x.append(bytearray(1 << 20))
if v in ("mmap", "mmap_shared"):
    # private anonymous memory, then the shared kind (MAP_SHARED|MAP_ANONYMOUS is
    # shmem: RLIMIT_DATA does not count it). Capped at 3 GiB so a missing limit
    # shows as "NOT BLOCKED" instead of taking the host down.
    flags = mmap.MAP_PRIVATE if v == "mmap" else mmap.MAP_SHARED
    maps = []
    while len(maps) < 48:
        m = mmap.mmap(-1, 64 << 20, flags=flags)
        for off in range(0, 64 << 20, 4096):
            m[off] = 1
        maps.append(m)
    print("NOT BLOCKED: touched %d MiB of %s anonymous memory over a 256 MiB limit"
          % (64 * len(maps), "shared" if flags == mmap.MAP_SHARED else "private"))
    sys.exit(0)
if v == "shm_bomb":                               # SysV shm as a memory bomb, capped at 3 GiB
    libc = ctypes.CDLL(None, use_errno=True)
    libc.shmat.restype = ctypes.c_void_p
    for i in range(48):
        sid = raw("shmget", 0, 64 << 20, 0o1600)  # IPC_PRIVATE
        addr = libc.shmat(sid, None, 0) if sid >= 0 else None
        if not addr or addr == ctypes.c_void_p(-1).value:
            # raise as a library would (numpy raises MemoryError); an OSError
            # with ENOMEM is what the record calls memory_limit
            err = ctypes.get_errno() if addr else 12
            print("shm refused after %d segments: %s" % (i, ename(sid)))
            raise OSError(err, "shmat refused after %d segments" % i)
        ctypes.memset(addr, 0x5A, 64 << 20)
    print("NOT BLOCKED: touched 3 GiB of SysV shm over a 256 MiB limit")
    sys.exit(0)
if v == "shm":
    libc = ctypes.CDLL(None, use_errno=True)
    libc.shmat.restype = ctypes.c_void_p
    made = []
    for i in range(3):                            # 3 x 32 MiB, touched, never IPC_RMID'd
        sid = raw("shmget", 0x5BC0DE00 + i, 32 << 20, 0o1666)   # IPC_CREAT | 0666
        if sid < 0:
            check("shmget %d" % i, False, ename(sid))
            continue
        addr = libc.shmat(sid, None, 0)
        ctypes.memset(addr, 0x5A, 32 << 20)
        made.append(sid)
    check("made three 32 MiB segments inside the jail", len(made) == 3, made)
    done(keys=[hex(0x5BC0DE00 + i) for i in range(3)])
    sys.stdout.flush()
    import os
    os._exit(0)                                   # exit with them still attached
print("unknown variant", v)
