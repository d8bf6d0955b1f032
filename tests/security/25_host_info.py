"""Attack: learn about the host from /proc. /proc/cmdline (the host kernel's
command line: root device, security options), /proc/sys/kernel/random/boot_id
(one value per host boot: lets runs tell they share a host, and when it
rebooted) and /proc/config.gz (the kernel's configuration: which bugs are
reachable) were readable in the jail.
Reference: the masked paths of runc/the OCI runtime spec (linux.maskedPaths:
/proc/kcore, /proc/keys, /proc/timer_list, ...), moby's default list.
Outcome: each of them reads as empty (/dev/null is mounted over it); what is
still visible (mountinfo's host paths, /proc/version) is listed in
SECURITY.md.
"""
# run: - => checks
import sys

sys.path.insert(0, "/work")
from _probe import check, done  # noqa: E402

for path in ("/proc/cmdline", "/proc/sys/kernel/random/boot_id", "/proc/config.gz"):
    try:
        data = open(path, "rb").read()
    except OSError as e:
        data = b""
        why = str(e)
    else:
        why = repr(data[:80])
    check("%s tells nothing" % path, data == b"", why)
done()
