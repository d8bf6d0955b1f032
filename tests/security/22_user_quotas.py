"""Attack: exhaust the per-user kernel quotas (ucounts) that a run charges to
the user who created its user namespace: host root when run as root, the
caller otherwise. Take every inotify instance (the host allows 128 per user)
and queue real-time signals up to RLIMIT_SIGPENDING, then hold them; the
host's own inotify_init1 fails ("Too many open files") and its sigqueue
fails (EAGAIN) for that user and every other run of it.
Reference: CVE-2021-... class "ucounts exhaustion from a user namespace"
(kernel commit 21d1c5e386bc "Reimplement RLIMIT_NPROC on top of ucounts"
and its siblings); systemd's inotify starvation reports.
Outcome: the run gets at most 8 inotify instances (the namespace's
max_inotify_instances) and 256 queued signals (RLIMIT_SIGPENDING), and a
probe on the host, as the same user, never fails while the run holds them.
"""
# run: - => checks
# options: --timeout 30
# hook: quota
# serial
import ctypes
import signal
import sys
import threading
import time

sys.path.insert(0, "/work")
from _probe import check, done  # noqa: E402

libc = ctypes.CDLL(None, use_errno=True)
fds = []
while len(fds) < 1000:
    fd = libc.inotify_init1(0)
    if fd < 0:
        break
    fds.append(fd)
sig = signal.SIGRTMIN + 1
signal.pthread_sigmask(signal.SIG_BLOCK, {sig})
queued = 0
try:
    while queued < 200000:
        signal.pthread_kill(threading.get_ident(), sig)
        queued += 1
except OSError:
    pass
check("at most 8 inotify instances (%d)" % len(fds), len(fds) <= 8, len(fds))
check("at most 256 queued signals (%d)" % queued, queued <= 256, queued)
time.sleep(3)   # hold them while the host probes
done(inotify=len(fds), queued=queued)
