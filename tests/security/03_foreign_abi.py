"""Attack: reach the kernel through another system-call ABI, where a filter
written for x86_64 numbers does not apply: x32 (number | 0x40000000, same
entry point) and i386 (int $0x80 from a few bytes of machine code placed in
executable memory mapped through mmap).
Reference: CVE-2009-0835 (seccomp bypass with 32-bit calls on x86_64);
libseccomp's SCMP_FLTATR_ACT_BADARCH; the nsjail and Docker profiles refuse
foreign architectures for this reason.
Outcome: the filter's architecture check kills the worker (SIGSYS, kill
process); the record says policy_violation with "non-native ABI". Mapping
executable memory is allowed, so the int $0x80 really runs.
"""
# run: x32_getpid => violation non-native ABI (i386 or x32)
# run: x32_ptrace => violation non-native ABI (i386 or x32)
# run: i386_getpid => violation non-native ABI (i386 or x32)
# run: i386_unshare => violation non-native ABI (i386 or x32)
import ctypes
import mmap
import sys

sys.path.insert(0, "/work")
from _probe import ename, raw, variant  # noqa: E402

X32 = 0x40000000


def int80(nr, ebx=0):
    """mov eax, nr; mov ebx, ebx; int 0x80; ret"""
    code = (b"\x53" + b"\xb8" + nr.to_bytes(4, "little") + b"\xbb" + ebx.to_bytes(4, "little")
            + b"\xcd\x80" + b"\x5b\xc3")
    m = mmap.mmap(-1, mmap.PAGESIZE, prot=mmap.PROT_READ | mmap.PROT_WRITE | mmap.PROT_EXEC)
    m.write(code)
    addr = ctypes.addressof(ctypes.c_char.from_buffer(m))
    return ctypes.CFUNCTYPE(ctypes.c_int)(addr)()


v = variant()
if v == "x32_getpid":
    r = raw(X32 | 39)
elif v == "x32_ptrace":
    r = raw(X32 | 521, 16, 1, 0, 0)               # x32 ptrace is 521
elif v == "i386_getpid":
    r = int80(20)                                 # i386 getpid
elif v == "i386_unshare":
    r = int80(310, 0x10000000)                    # i386 unshare(CLONE_NEWUSER)
else:
    r = "unknown variant"
print("NOT BLOCKED: %s -> %s" % (v, ename(r)))
