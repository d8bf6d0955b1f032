"""Attack: share per-user kernel quotas with other runs. A run's user
namespace was created by the supervisor's user, host root in root mode, so
every run's inotify instances, queued signals and namespaces were charged
to root (128 instances for the whole host): runs at once could take all of
it from each other and from the host's own root processes (attack 22 caps
one run at 8; N runs still held 8*N of root's).
Reference: user_namespaces(7) "the user ID of the process that created the
namespace" owns its ucounts (kernel/ucount.c inc_ucount walks to ns->owner);
podman/systemd-nspawn give each container a uid range of its own.
Outcome (root mode): the namespace is created by a uid claimed for the run
(0x70000000.., one per concurrent run), which owns it (NS_GET_OWNER_UID,
read from the host) and is its mapped uid; a concurrent run holding its own
8 instances gets another uid, and both get their 8. As an unprivileged
caller there is one uid to charge: the owner is the caller, as before.
"""
# run: - => checks
# options: --timeout 30
# hook: runuid
# serial
import ctypes
import sys
import time

sys.path.insert(0, "/work")
from _probe import check, done  # noqa: E402

libc = ctypes.CDLL(None, use_errno=True)
fds = [fd for fd in (libc.inotify_init1(0) for _ in range(8)) if fd >= 0]
host_uid = int(open("/proc/self/uid_map").read().split()[1])
check("the run got its 8 inotify instances (%d)" % len(fds), len(fds) == 8, len(fds))
if len(sys.argv) > 2:                                  # tell the runner we hold them
    libc.prctl(15, ctypes.c_char_p(sys.argv[2][:15].encode()), 0, 0, 0)   # PR_SET_NAME
time.sleep(4)
done(host_uid=host_uid, inotify=len(fds))
