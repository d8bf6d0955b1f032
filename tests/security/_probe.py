"""Shared helpers for the escape catalogue, mounted into the jail at /work/_probe.py.

Not an attack itself. Gives raw syscalls through ctypes (with deliberately bad
arguments, so that "not blocked" shows as EBADF/EFAULT/EINVAL from the kernel
and "blocked" as the filter's own answer), a table of checks, and the one JSON
block the runner reads back.
"""

import ctypes
import errno
import json
import os
import sys

libc = ctypes.CDLL(None, use_errno=True)
libc.syscall.restype = ctypes.c_long

NR = {
    "ioctl": 16, "getpid": 39, "socket": 41, "connect": 42, "clone": 56, "ptrace": 101,
    "personality": 135, "pivot_root": 155, "chroot": 161, "acct": 163, "mount": 165,
    "swapon": 167, "reboot": 169, "init_module": 175, "kexec_load": 246, "add_key": 248,
    "request_key": 249, "keyctl": 250, "unshare": 272, "perf_event_open": 298, "setns": 308,
    "process_vm_readv": 310, "process_vm_writev": 311, "kcmp": 312, "bpf": 321,
    "userfaultfd": 323, "io_uring_setup": 425, "io_uring_enter": 426, "io_uring_register": 427,
    "open_tree": 428, "move_mount": 429, "fsopen": 430, "clone3": 435, "pidfd_open": 434,
    "pidfd_getfd": 438, "shmget": 29, "shmat": 30,
}

checks = {}


def raw(nr, *args):
    """syscall(nr, *args): the result, or -errno."""
    nr = NR.get(nr, nr)
    a = [ctypes.c_long(x) if isinstance(x, int) else x for x in args]
    r = libc.syscall(ctypes.c_long(nr), *a)
    return r if r >= 0 else -ctypes.get_errno()


def ename(r):
    """-errno -> 'EPERM'; a non-negative result -> 'returned N'."""
    if isinstance(r, int) and r < 0:
        return errno.errorcode.get(-r, str(-r))
    return "returned %r" % (r,)


def check(name, cond, detail=""):
    checks[name] = {"ok": bool(cond), "detail": str(detail)[:500]}
    return cond


def errno_of(f, *a, **kw):
    """Call f; its OSError's errno name, or 'ok'."""
    try:
        f(*a, **kw)
        return "ok"
    except OSError as e:
        return errno.errorcode.get(e.errno, str(e.errno))


def must_kill(nr, *args):
    """Make a call the policy must answer by killing the whole worker. If we
    are still alive afterwards, say so on stdout (the record shows status ok)."""
    r = raw(nr, *args)
    print("NOT BLOCKED: %s -> %s" % (nr, ename(r)), flush=True)
    sys.exit(0)


def variant():
    return sys.argv[1] if len(sys.argv) > 1 else ""


def done(**extra):
    """Emit the checks as the run's one JSON block."""
    sys.stdout.flush()
    print("===JSON_START===\n" + json.dumps({"checks": checks, **extra}) + "\n===JSON_END===", flush=True)
