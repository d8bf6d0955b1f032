"""Attack: two runs started at the same time reach each other: see the other's
processes, signal them, read its /tmp, connect to its abstract UNIX socket
(abstract names are per network namespace), attach its SysV shm or message
queue (per IPC namespace).
Reference: CVE-2020-15257 (containerd-shim abstract socket reachable from
containers sharing the host network namespace); ipc_namespaces(7).
Outcome: run "a" sets everything up, renames itself to a marker the runner
waits for, and waits; run "b", started then and over before "a" ends (the
runner checks both), finds nothing: only its own pids, no /tmp file, ECONNREFUSED on the
abstract name, ENOENT for the IPC keys, and kill(-1) reaches only its own
processes; "a" reports no connection, no signal and an unchanged segment.
"""
# run: a => checks
# run: b => checks
# options: --timeout 30
# hook: pair
# serial
import ctypes
import os
import signal
import socket
import sys
import time

sys.path.insert(0, "/work")
from _probe import check, done, ename, raw, variant  # noqa: E402

KEY = 0x5BC0DE16
NAME = b"\0sbx-cross-run"
v = variant()
libc = ctypes.CDLL(None, use_errno=True)
libc.shmat.restype = ctypes.c_void_p
if v == "a":
    got = []
    for s in (signal.SIGUSR1, signal.SIGTERM, signal.SIGHUP, signal.SIGINT):
        signal.signal(s, lambda n, f: got.append(n))
    open("/tmp/sbx-secret-of-a", "w").write("a's data")
    srv = socket.socket(socket.AF_UNIX)
    srv.bind(NAME)
    srv.listen(5)
    srv.settimeout(0.2)
    sid = raw("shmget", KEY, 4096, 0o1666)
    addr = libc.shmat(sid, None, 0)
    ctypes.memset(addr, 0x41, 4096)
    print("a ready", flush=True)
    if len(sys.argv) > 3:                          # tell the runner: start b now
        libc.prctl(15, ctypes.c_char_p(sys.argv[3][:15].encode()), 0, 0, 0)   # PR_SET_NAME
    conns = 0
    end = time.time() + float(sys.argv[2] if len(sys.argv) > 2 else 6)
    while time.time() < end:
        try:
            srv.accept()
            conns += 1
        except OSError:
            pass
    check("nobody connected to a's abstract socket", conns == 0, conns)
    check("no signal reached a", got == [], got)
    check("a's shm segment is unchanged", ctypes.string_at(addr, 4096) == b"A" * 4096)
    check("a's /tmp file is still there", open("/tmp/sbx-secret-of-a").read() == "a's data")
    done()
else:
    pids = sorted(int(p) for p in os.listdir("/proc") if p.isdigit())
    check("b sees only its own processes", pids == [1, 2], pids)
    check("b's /tmp does not hold a's file", not os.path.exists("/tmp/sbx-secret-of-a"), os.listdir("/tmp"))
    c = socket.socket(socket.AF_UNIX)
    try:
        c.connect(NAME)
        res = "connected"
    except OSError as e:
        res = e.errno
    check("a's abstract socket is not reachable", res == 111, res)
    r = raw("shmget", KEY, 0, 0)
    check("a's shm key is unknown here", r == -2, ename(r))
    r = raw(68, KEY, 0)                           # msgget
    check("no message queue either", r == -2, ename(r))
    signal.signal(signal.SIGUSR1, signal.SIG_IGN)
    r = raw(62, -1, signal.SIGUSR1)               # kill(-1): everyone we may signal
    check("kill(-1) finds no one to signal outside b (ESRCH: init is exempt)", r in (0, -3), ename(r))
    alive = [p for p in range(3, 4096) if raw(62, p, 0) == 0]
    check("no other pid answers signal 0", alive == [], alive)
    done()
