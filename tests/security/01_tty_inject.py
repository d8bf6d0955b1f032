"""Attack: push characters into the caller's terminal input queue (TIOCSTI) or
paste the console selection (TIOCLINUX), so they run as commands in the
invoking shell once the sandbox exits; retried with garbage in the high 32
bits of the request, which an ioctl filter comparing all 64 bits would miss;
and opening /dev/tty directly.
Reference: CVE-2016-7545 (SELinux sandbox TIOCSTI), CVE-2017-5226 (bubblewrap
TIOCSTI), CVE-2019-10063 / CVE-2019-7303 (flatpak, snapd: TIOCSTI filter bypassed by
high bits),
CVE-2023-1523 (snapd TIOCLINUX), jwilk/ttyjack.
Outcome: the ioctls kill the worker (policy_violation ioctl) even with an fd
that is not a tty (fd 99 would give EBADF if the call got through); /dev/tty
does not exist and no descriptor of the worker is a terminal.
"""
# run: tiocsti => violation ioctl
# run: tiocsti_high => violation ioctl
# run: tioclinux => violation ioctl
# run: tioclinux_high => violation ioctl
# run: devtty => checks
import os
import sys

sys.path.insert(0, "/work")
from _probe import check, done, errno_of, must_kill, variant  # noqa: E402

TIOCSTI, TIOCLINUX = 0x5412, 0x541C
v = variant()
if v == "tiocsti":
    must_kill("ioctl", 0, TIOCSTI, 0)            # fd 0 is /dev/null: ENOTTY if not blocked
if v == "tiocsti_high":
    must_kill("ioctl", 99, (0x123 << 32) | TIOCSTI, 0)
if v == "tioclinux":
    must_kill("ioctl", 99, TIOCLINUX, 0)
if v == "tioclinux_high":
    must_kill("ioctl", 99, (0xffffffff << 32) | TIOCLINUX, 0)
check("/dev/tty cannot be opened", errno_of(os.open, "/dev/tty", os.O_RDWR) in ("ENOENT", "ENXIO"),
      errno_of(os.open, "/dev/tty", os.O_RDWR))
check("no descriptor is a terminal", not any(os.isatty(fd) for fd in range(64)),
      [fd for fd in range(64) if os.isatty(fd)])
check("no controlling terminal (/proc/self/stat tty_nr is 0)",
      open("/proc/self/stat").read().rsplit(")", 1)[1].split()[4] == "0")
done()
