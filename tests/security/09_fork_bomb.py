"""Attack: exhaust the host's process table or scheduler: a fork bomb
(every process forks forever and ignores errors) and a thread bomb.
Reference: the classic ":(){ :|:& };:"; CWE-400; Docker's --pids-limit and
systemd TasksMax exist for this.
Outcome: the pids limit (cgroup pids.max, --pids) stops the growth; the run
ends as error (the script gives up) or killed/timeout, with the limit named in
the record; while it runs, the host still starts a process in well under a
second, and afterwards no process of the run is left.
"""
# run: fork => status error|killed|timeout
# run: thread => status error|killed|timeout
# options: --pids 64 --timeout 8
# hook: bomb
# serial
import os
import sys
import threading
import time

v = sys.argv[1] if len(sys.argv) > 1 else "fork"
deadline = time.time() + 4
if v == "fork":
    failures = 0
    while time.time() < deadline:
        try:
            os.fork()
        except OSError:
            failures += 1
    # everyone that is left stops here; the original reports the failure
    raise SystemExit("fork bomb: %d forks refused" % failures)
ts = []
try:
    while time.time() < deadline:
        t = threading.Thread(target=time.sleep, args=(60,), daemon=True)
        t.start()
        ts.append(t)
except RuntimeError as e:
    raise SystemExit("thread bomb stopped after %d threads: %s" % (len(ts), e))
raise SystemExit("thread bomb was never stopped: %d threads" % len(ts))
