#!/usr/bin/python3
"""Per-phase times of a warm print(1), from a profiling build.

    make B=build-phases PHASES=1 build-phases/sandboxrun build-phases/sandboxrun-supervisor
    /usr/bin/python3 bench/phases.py [--build build-phases] [-n 60] [--gap 0.25]

Starts that build's daemon (pool 2: the refill then waits until no run executes), sends N print(1) requests over its
socket one at a time, GAP seconds apart (so a ready worker waits for each and
nothing overlaps), then reads the timestamps the build wrote to
/tmp/sandboxrun-phases.log (sandbox/run/sb_phase.h) and prints, for each
phase, the median and p90 of its wall time in ms across the runs, as a
Markdown table. Wall time, not CPU: on a loaded machine a phase includes the
time it waited for a core.
"""
import argparse
import os
import statistics
import subprocess
import tempfile
import time

from warm_client import request

load0 = 0.0
LOG = "/tmp/sandboxrun-phases.log"
HERE = os.path.dirname(os.path.abspath(__file__))

# (label, start event, end event); each end is matched to the latest start
# before it in the log
PAIRS = [
    ("worker preparation (pool refill), all of it", "d.start", "d.ready"),
    ("  cgroup create (mkdir, memory.max, pids.max)", "d.start", "d.cgroup_created"),
    ("  pipes and sockets", "d.cgroup_created", "d.pipes"),
    ("  zygote: clone into user+pid+mnt+net+ipc+uts ns (request to pid)", "d.pipes", "d.spawned"),
    ("    of it the clone(2) call in the zygote", "zy.request", "zy.cloned"),
    ("  uid/gid maps written", "d.spawned", "d.maps"),
    ("  cgroup attach (cgroup.procs)", "d.maps", "d.cgroup_added"),
    ("  go to the worker", "d.cgroup_added", "w.go"),
    ("  user ns: setuid/setgid, sources opened", "w.go", "w.userns"),
    ("  cgroup ns (unshare)", "w.userns", "w.cgroupns"),
    ("  userns quotas + uts (sethostname)", "w.cgroupns", "w.quotas+uts"),
    ("  mounts, all", "w.quotas+uts", "w.mounts"),
    ("    / private + root tmpfs", "w.quotas+uts", "m.private+root"),
    ("    /usr bind, read-only", "m.private+root", "m.usr"),
    ("    /etc files and dirs", "m.usr", "m.etc"),
    ("    /dev nodes", "m.etc", "m.dev"),
    ("    /work, /sandboxrun", "m.dev", "m.work"),
    ("    /proc + masks + read-only", "m.work", "m.proc"),
    ("    /tmp, /out tmpfs, links", "m.proc", "m.tmp+out+links"),
    ("    pivot_root + detach old root", "m.tmp+out+links", "m.pivot"),
    ("    root read-only remount", "m.pivot", "w.mounts"),
    ("  fds: setsid, renumber, close, environment", "w.mounts", "w.fds"),
    ("  rlimits", "w.fds", "w.limits"),
    ("  capabilities dropped, no_new_privs", "w.limits", "w.caps"),
    ("  seccomp load", "w.caps", "w.seccomp"),
    ("  ready sent (out dir fd, notify fd)", "w.seccomp", "w.ready"),
    ("  init forks the script's process (parent side)", "w.ready", "w.forked"),
    ("  script process first runs", "w.ready", "s.forked"),
    ("    init exec'd sandboxrun-init: the memory is the script's", "w.ready", "s.alone"),
    ("    thread fields, signals, rseq, Python's after-fork", "s.alone", "s.forked"),
    ("  Python warm-up in the script process", "s.forked", "s.warmed"),
    ("request: read and parsed to request sent to the worker", "d.request", "d.sent"),
    ("  worker receives the request", "d.sent", "s.request"),
    ("  run print(1), all", "s.request", "s.ran"),
    ("    sys.argv, os.environ", "s.request", "s.argv+environ"),
    ("    compile and run the code", "s.argv+environ", "s.ran"),
    ("      display hooks (sandboxrun_display.start)", "s.argv+environ", "s.display"),
    ("      compile and evaluate", "s.display", "s.evaluated"),
    ("      display end, the exception if any", "s.evaluated", "s.ran"),
    ("  atexit, flush, the outcome (CPU, peak RSS, alone)", "s.ran", "s.reported"),
    ("  outcome sent, the daemon has it", "s.reported", "d.done"),
    ("  outcome, /out, record, reply", "d.done", "d.replied"),
    ("request to reply, all", "d.request", "d.replied"),
    ("teardown: exit, reap (mm, pid/net/mnt ns)", "d.replied", "d.reaped"),
    ("teardown: cgroup remove", "d.reaped", "d.cgroup_removed"),
    ("teardown: fds, free", "d.cgroup_removed", "d.finished"),
]


def parse():
    events = []
    with open(LOG) as f:
        for line in f:
            parts = line.split()
            if len(parts) == 4:
                events.append((int(parts[2]), parts[1], int(parts[0]), int(parts[3])))
    events.sort()
    last, got, faults = {}, {}, {}
    for t, name, tid, flt in events:
        for label, a, b in PAIRS:
            if name == b and a in last:
                got.setdefault(label, []).append((t - last[a][0]) / 1e6)
                if last[a][1] == tid and flt >= last[a][2]:   # the same thread: its faults in between
                    faults.setdefault(label, []).append(flt - last[a][2])
        last[name] = (t, tid, flt)
    return got, faults


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--build", default=os.path.join(os.path.dirname(HERE), "build-phases"))
    ap.add_argument("-n", type=int, default=60)
    ap.add_argument("--gap", type=float, default=0.25)
    ap.add_argument("--out", default="-",
                    help="also write the table to this file (stdout only by default: bench/results-phases.md, "
                         "which bench.py copies into results.md, holds these tables with the reading of them)")
    a = ap.parse_args()
    global load0
    load0 = os.getloadavg()[0]
    if os.path.exists(LOG):
        os.unlink(LOG)
    tmp = tempfile.mkdtemp(prefix="phases.")
    sock = os.path.join(tmp, "s")
    d = subprocess.Popen([os.path.join(a.build, "sandboxrun"), "serve", "--socket", sock, "--pool", "2"],
                         stdout=subprocess.DEVNULL, stderr=open(os.path.join(tmp, "log"), "w"))
    try:
        while not os.path.exists(sock):
            time.sleep(0.05)
        for _ in range(3):
            request(sock, "print(1)")
        time.sleep(1)
        open(LOG, "w").close()   # drop the start-up's lines
        for _ in range(a.n):
            time.sleep(a.gap)
            request(sock, "print(1)")
        time.sleep(a.gap)
    finally:
        d.terminate()
        d.wait()
    got, faults = parse()
    rows = ["| phase | n | p50 ms | p90 ms | page faults p50 |", "|---|---:|---:|---:|---:|"]
    for label, _, _ in PAIRS:
        v = sorted(got.get(label, []))
        f = faults.get(label)
        if v:
            rows.append("| %s | %d | %.3f | %.3f | %s |" % (
                label.replace("  ", "&nbsp;&nbsp;"), len(v), statistics.median(v), v[int(0.9 * (len(v) - 1))],
                "%d" % statistics.median(f) if f and len(f) * 2 >= len(v) else ""))
    head = ("Measured %s UTC with `/usr/bin/python3 bench/phases.py -n %d --gap %g` (a `make B=build-phases "
            "PHASES=1` build, git %s; 1-min load %.2f at the start; wall ms per phase, %d paced requests)."
            % (time.strftime("%Y-%m-%d %H:%M", time.gmtime()), a.n, a.gap, git_rev(), load0, a.n))
    text = head + "\n\n" + "\n".join(rows) + "\n"
    print(text)
    if a.out != "-":
        with open(a.out, "w") as f:
            f.write(text)


def git_rev():
    r = subprocess.run(["git", "-C", HERE, "describe", "--always", "--dirty"], capture_output=True, text=True)
    return r.stdout.strip() or "?"


if __name__ == "__main__":
    main()
