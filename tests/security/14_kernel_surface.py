"""Attack: reach large or host-wide kernel interfaces: userfaultfd (stalls the
kernel mid-copy, an exploit staple), perf_event_open, bpf, the key
retention service (keyctl/add_key/request_key: keys are not namespaced),
kexec_load, init_module, acct, swapon, reboot; sockets outside AF_UNIX
(AF_VSOCK to the hypervisor, AF_NETLINK, AF_INET/AF_INET6 to a listener the
runner starts on the host's 127.0.0.1, AF_PACKET); personality() with odd
flags (READ_IMPLIES_EXEC makes every mapping executable, ADDR_NO_RANDOMIZE
turns off ASLR for children).
Reference: CVE-2016-0728 (keyring refcount), CVE-2021-3490 / CVE-2022-23222
(bpf verifier), CVE-2013-2094 / CVE-2023-6931 (perf_event), userfaultfd as the race-widener
of many exploits (hence vm.unprivileged_userfaultfd), CVE-2021-26708 (AF_VSOCK);
Docker's default profile blocks the same set.
Outcome: each listed call kills the worker with its name; the sockets fail
with the filter's errno (EAFNOSUPPORT for inet, EPERM otherwise) and nothing
arrives at the host listener; personality with odd flags fails with EPERM.
"""
# run: userfaultfd => violation userfaultfd
# run: perf_event_open => violation perf_event_open
# run: bpf => violation bpf
# run: keyctl => violation keyctl
# run: add_key => violation add_key
# run: request_key => violation request_key
# run: kexec_load => violation kexec_load
# run: init_module => violation init_module
# run: acct => violation acct
# run: swapon => violation swapon
# run: reboot => violation reboot
# run: errno => checks
# hook: listener
import ctypes
import socket
import struct
import sys

sys.path.insert(0, "/work")
from _probe import check, done, ename, must_kill, raw, variant  # noqa: E402

v = variant()
kills = {
    "userfaultfd": (0xffff,), "perf_event_open": (0, 0, -1, -1, 0), "bpf": (0xffff, 0, 0),
    "keyctl": (0xffff, 0, 0, 0, 0), "add_key": (0, 0, 0, 0, 0), "request_key": (0, 0, 0, 0),
    "kexec_load": (0, 0, 0, 0), "init_module": (0, 0, 0), "acct": (0,), "swapon": (0, 0),
    "reboot": (0, 0, 0, 0),                       # bad magic: EINVAL if it got through
}
if v in kills:
    must_kill(v, *kills[v])
port = int(sys.argv[2]) if len(sys.argv) > 2 else 9
for fam, name, want in ((40, "AF_VSOCK", -1), (16, "AF_NETLINK", -1), (17, "AF_PACKET", -1),
                        (2, "AF_INET", -97), (10, "AF_INET6", -97)):
    r = raw("socket", fam, 1 if fam != 16 else 3, 0x7fff)   # a bogus protocol: EPROTONOSUPPORT if let through
    check("socket(%s) is refused by the filter (%s)" % (name, ename(want)), r == want, ename(r))
r = raw("socket", 2, 1 | 0o2000000, 0)            # SOCK_STREAM|SOCK_CLOEXEC, proper protocol
check("socket(AF_INET, SOCK_STREAM) refused even with good arguments", r == -97, ename(r))
try:
    c = socket.create_connection(("127.0.0.1", port), timeout=2)
    c.sendall(b"ESCAPED")
    res = "connected"
except OSError as e:
    res = e.errno
check("connect to the host listener on 127.0.0.1:%d fails" % port, res != "connected", res)
sa = struct.pack("=HH4s8x", 2, socket.htons(port), socket.inet_aton("127.0.0.1"))
r = raw("connect", 3, ctypes.c_char_p(sa), len(sa))   # fd 3 is the report pipe: ENOTSOCK
check("raw connect on a non-socket gets the kernel's ENOTSOCK (connect itself is allowed for AF_UNIX)",
      r == -88, ename(r))
for flags, name in ((0x0400000, "READ_IMPLIES_EXEC"), (0x0040000, "ADDR_NO_RANDOMIZE"),
                    (0x0008 | 0x0400000, "PER_LINUX32|READ_IMPLIES_EXEC"), (0x0200000, "ADDR_COMPAT_LAYOUT")):
    r = raw("personality", flags)
    check("personality(%s) fails with EPERM" % name, r == -1, ename(r))
r = raw("personality", 0xffffffff)
check("personality query still works and shows PER_LINUX", r == 0, r)
done()
