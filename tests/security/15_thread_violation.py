"""Attack: make the forbidden call from a secondary thread, hoping only that
thread dies (SECCOMP_RET_KILL_THREAD semantics) while the rest of the process
carries on unnoticed.
Reference: seccomp(2) on SECCOMP_RET_KILL_THREAD vs SECCOMP_RET_KILL_PROCESS
(Linux 4.14 added the latter because killing one thread leaves the process in
an inconsistent state).
Outcome: the whole worker is killed, the record says policy_violation with the
syscall, and the main thread's later output never appears.
"""
# run: bpf => violation bpf
# run: ptrace => violation ptrace
import sys
import threading
import time

sys.path.insert(0, "/work")
from _probe import raw, variant  # noqa: E402

v = variant()
args = {"bpf": (0xffff, 0, 0), "ptrace": (16, 1, 0, 0)}[v]
t = threading.Thread(target=lambda: print("thread survived:", raw(v, *args), flush=True))
t.start()
t.join()
time.sleep(1)
print("MAIN THREAD STILL RUNNING", flush=True)
