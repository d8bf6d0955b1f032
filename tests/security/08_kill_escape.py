"""Attack: outlive the run. A double-forked, setsid() grandchild that ignores
SIGTERM/SIGHUP and keeps writing heartbeats to /out; a child that stops itself
with SIGSTOP (a stopped process ignores everything but SIGKILL/SIGCONT); the
main process ignores SIGTERM/SIGINT/SIGHUP and sleeps. Each renames itself
(comm) to a marker the runner looks for on the host.
Reference: pid_namespaces(7) ("if the init process of a PID namespace
terminates, the kernel terminates all of the processes in the namespace via
SIGKILL"); systemd's KillMode=control-group rationale (daemons that double
fork escape a kill of the main pid).
Outcome: status timeout; after sandboxrun returns no process with the marker
or in the run's pid namespace is alive on the host, and the heartbeat file
(held open by the runner) stops growing.
"""
# run: - => status timeout
# options: --timeout 2
# hook: escape
# serial
import ctypes
import os
import signal
import sys
import time

marker = (sys.argv[2] if len(sys.argv) > 2 else "sbxesc")[:15].encode()
libc = ctypes.CDLL(None)


def name_me():
    libc.prctl(15, ctypes.c_char_p(marker), 0, 0, 0)     # PR_SET_NAME


for s in (signal.SIGTERM, signal.SIGHUP, signal.SIGINT):
    signal.signal(s, signal.SIG_IGN)
name_me()
if os.fork() == 0:
    os.setsid()
    if os.fork() == 0:                           # the grandchild: an orphan in its own session
        name_me()
        n = 0
        while True:
            n += 1
            with open("/out/heartbeat", "a") as f:
                f.write("%d %f\n" % (n, time.time()))
            time.sleep(0.05)
    os._exit(0)
if os.fork() == 0:
    name_me()
    os.kill(os.getpid(), signal.SIGSTOP)
    os._exit(0)
print("started", flush=True)
while True:
    time.sleep(1)
