"""Attack: read or steer another process of the run (or the jail's init, which
holds the supervisor channel): ptrace a sibling, process_vm_readv/writev,
kcmp, pidfd_getfd to steal a descriptor, and writing memory through
/proc/PID/mem (which ignores page protections).
Reference: CVE-2019-13272 (PTRACE_TRACEME), CVE-2016-5195 (Dirty COW through
/proc/self/mem), CVE-2022-0185 exploit chains use process_vm_*; pidfd_getfd
needs the same ptrace access (man 2 pidfd_getfd).
Outcome: the five calls kill the worker, naming the call; /proc/1/mem cannot
be opened (init is not dumpable), /proc/self/mem and a sibling's mem cannot be
opened for writing (/proc is mounted read-only: EROFS).
"""
# run: ptrace => violation ptrace
# run: process_vm_readv => violation process_vm_readv
# run: process_vm_writev => violation process_vm_writev
# run: kcmp => violation kcmp
# run: pidfd_getfd => violation pidfd_getfd
# run: procmem => checks
import os
import sys
import time

sys.path.insert(0, "/work")
from _probe import check, done, errno_of, must_kill, raw, variant  # noqa: E402

sib = os.fork()
if sib == 0:
    time.sleep(30)
    os._exit(0)
v = variant()
if v == "ptrace":
    must_kill("ptrace", 16, sib, 0, 0)           # PTRACE_ATTACH the sibling
if v == "process_vm_readv":
    must_kill("process_vm_readv", sib, 0, 1, 0, 1, 0)   # NULL iovecs: EFAULT if not blocked
if v == "process_vm_writev":
    must_kill("process_vm_writev", sib, 0, 1, 0, 1, 0)
if v == "kcmp":
    must_kill("kcmp", os.getpid(), sib, 0, 0, 0)
if v == "pidfd_getfd":
    pfd = raw("pidfd_open", sib, 0)
    must_kill("pidfd_getfd", pfd if pfd >= 0 else 99, 1, 0)

check("/proc/1/mem (init) cannot be opened", errno_of(os.open, "/proc/1/mem", os.O_RDONLY) == "EACCES",
      errno_of(os.open, "/proc/1/mem", os.O_RDONLY))
check("/proc/1/mem cannot be opened for writing", errno_of(os.open, "/proc/1/mem", os.O_RDWR) in ("EACCES", "EROFS"),
      errno_of(os.open, "/proc/1/mem", os.O_RDWR))
check("/proc/self/mem cannot be opened for writing", errno_of(os.open, "/proc/self/mem", os.O_RDWR) == "EROFS",
      errno_of(os.open, "/proc/self/mem", os.O_RDWR))
check("/proc/self/mem write-only is refused too", errno_of(os.open, "/proc/self/mem", os.O_WRONLY) == "EROFS",
      errno_of(os.open, "/proc/self/mem", os.O_WRONLY))
check("a sibling's /proc/PID/mem cannot be opened for writing",
      errno_of(os.open, "/proc/%d/mem" % sib, os.O_RDWR) in ("EROFS", "EACCES"),
      errno_of(os.open, "/proc/%d/mem" % sib, os.O_RDWR))
os.kill(sib, 9)
done()
