#!/usr/bin/python3
"""bench/record_cost.py — what the worst records cost the host (issue 16).

Runs `build/sandboxrun --json` on scripts that print the costliest blocks the
budget lets through (and one it must refuse), and prints the peak RSS
(VmHWM, polled every 20 ms) of the supervisor and of sandboxrun itself, the
exit code and the record's size. Neither process runs in the run's cgroup,
so this is memory outside every limit. SECURITY.md quotes these numbers.

    /usr/bin/python3 bench/record_cost.py [CASE...]    # default: all cases
"""
import os
import subprocess
import sys
import tempfile
import threading
import time

HERE = os.path.dirname(os.path.abspath(__file__))
BIN = os.path.join(HERE, "..", "build", "sandboxrun")
MIB32 = 32 << 20

SCRIPT = r'''
import sys
w, kind, cap = sys.stdout.buffer, sys.argv[1], 32 << 20
def block(body):
    w.write(b"===JSON_START===\n" + body + b"\n===JSON_END===\n")
if kind == "nodes":      # one block of 16 million zeros: must be refused before a tree exists
    block(b"[" + b"0," * (cap // 2 - 16) + b"0]")
elif kind == "zeros":    # blocks of zeros as large as the budget lets through
    for _ in range(4):
        block(b"[" + b"0," * (cap // 130 - 1000) + b"0]")
elif kind == "objects":  # objects with short keys
    for _ in range(4):
        block(b"{" + b",".join(b'"%x":0' % i for i in range(cap // 136 - 1000)) + b"}")
elif kind == "strings":  # arrays of empty strings
    for _ in range(4):
        block(b"[" + b'"",' * (cap // 132 - 1000) + b'""]')
elif kind == "bytes":    # four strings of nearly 32 MiB: the byte cap itself
    for _ in range(4):
        block(b'"' + b"S" * (cap - 200) + b'"')
w.flush()
'''
CASES = ["nodes", "zeros", "objects", "strings", "bytes"]


def hwm(pid):
    try:
        for line in open("/proc/%s/status" % pid):
            if line.startswith("VmHWM:"):
                return int(line.split()[1])
    except OSError:
        pass
    return 0


def measure(case, script):
    out = tempfile.TemporaryFile()
    p = subprocess.Popen([BIN, "--json", "--timeout", "300", script, "--", case], stdout=out,
                         stderr=subprocess.DEVNULL)
    peak = {"supervisor": 0, "sandboxrun": 0}

    def poll():
        while p.poll() is None:
            peak["sandboxrun"] = max(peak["sandboxrun"], hwm(p.pid))
            try:
                kids = open("/proc/%d/task/%d/children" % (p.pid, p.pid)).read().split()
            except OSError:
                kids = []
            for k in kids:
                peak["supervisor"] = max(peak["supervisor"], hwm(k))
            time.sleep(0.02)
    th = threading.Thread(target=poll)
    th.start()
    p.wait()
    th.join()
    size = out.seek(0, 2)
    return p.returncode, peak, size


def main():
    cases = sys.argv[1:] or CASES
    with tempfile.NamedTemporaryFile("w", suffix=".py", delete=False) as f:
        f.write(SCRIPT)
    os.chmod(f.name, 0o644)
    try:
        print("| case | exit | supervisor peak RSS | sandboxrun peak RSS | record bytes |")
        print("|---|---|---|---|---|")
        for c in cases:
            rc, peak, size = measure(c, f.name)
            print("| %s | %d | %d MiB | %d MiB | %d |" % (c, rc, peak["supervisor"] >> 10, peak["sandboxrun"] >> 10,
                                                        size), flush=True)
    finally:
        os.unlink(f.name)


if __name__ == "__main__":
    main()
