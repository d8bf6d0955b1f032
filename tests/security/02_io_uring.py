"""Attack: io_uring. Its submissions are executed by the kernel without passing
the seccomp filter (an openat or connect sent through a ring is never checked),
and it has been a steady source of privilege escalations.
Reference: CVE-2022-29582, CVE-2023-2598, CVE-2024-0582 (io_uring LPEs); Google
disabled io_uring in ChromeOS, Android apps and production (security blog,
June 2023).
Outcome: each of the three calls kills the worker (policy_violation), before
the kernel even looks at the (bad) arguments.
"""
# run: setup => violation io_uring_setup
# run: enter => violation io_uring_enter
# run: register => violation io_uring_register
import sys

sys.path.insert(0, "/work")
from _probe import must_kill, variant  # noqa: E402

v = variant()
if v == "setup":
    must_kill("io_uring_setup", 8, 0)            # params NULL: EFAULT if not blocked
if v == "enter":
    must_kill("io_uring_enter", 99, 1, 0, 0, 0, 0)   # fd 99: EBADF if not blocked
if v == "register":
    must_kill("io_uring_register", 99, 0, 0, 0)
print("unknown variant", v)
