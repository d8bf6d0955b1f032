"""What moving a process into a fresh cgroup costs here, as the daemon does
once per worker on a cgroup v1 host (the write of its pid to cgroup.procs).

    /usr/bin/python3 bench/cgroup_attach.py [-n 20] [--gap 0.05]   (as root)

For each of n rounds: make a cgroup under the memory controller's root
(cgroup v1) or under the cgroup2 root, fork a child that sleeps, time the
write of its pid to the new cgroup's cgroup.procs, then kill the child and
remove the cgroup, and sleep --gap seconds, as pooled workers are made with
pauses between. Prints p50/p90/max in ms, and whether a cgroup2 hierarchy
is mounted with favordynmods.

The write takes the kernel's global threadgroup rwsem for writing, which
waits for an RCU grace period unless favordynmods is on (Linux >= 6.1:
`mount -o remount,favordynmods` of the cgroup2 root): wall time, not CPU.
Nothing is changed but the test cgroups, which are removed.
"""

import argparse
import os
import signal
import statistics
import time

ROOTS = ["/sys/fs/cgroup/memory", "/sys/fs/cgroup/unified", "/sys/fs/cgroup"]


def root():
    """A hierarchy to make the test cgroups in: the v1 memory controller's,
    else the cgroup2 root."""
    for r in ROOTS:
        if os.path.exists(os.path.join(r, "cgroup.procs")) and os.access(r, os.W_OK):
            return r
    raise SystemExit("no writable cgroup hierarchy here (run as root)")


def favordynmods():
    """The cgroup2 mounts and whether each has favordynmods."""
    out = []
    for line in open("/proc/self/mountinfo"):
        f = line.split()
        sep = f.index("-")
        if f[sep + 1] == "cgroup2":
            out.append((f[4], "favordynmods" in f[sep + 3].split(",")))
    return out


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("-n", type=int, default=20)
    ap.add_argument("--gap", type=float, default=0.05)
    a = ap.parse_args()
    base = os.path.join(root(), "sbx-attach-bench-%d" % os.getpid())
    os.mkdir(base)
    ms = []
    try:
        for i in range(a.n):
            d = os.path.join(base, "w%d" % i)
            os.mkdir(d)
            pid = os.fork()
            if pid == 0:
                time.sleep(60)
                os._exit(0)
            t0 = time.perf_counter()
            with open(os.path.join(d, "cgroup.procs"), "w") as f:
                f.write(str(pid))
            ms.append((time.perf_counter() - t0) * 1000)
            os.kill(pid, signal.SIGKILL)
            os.waitpid(pid, 0)
            for _ in range(100):   # the kernel may take a moment to let go of the dead child
                try:
                    os.rmdir(d)
                    break
                except OSError:
                    time.sleep(0.01)
            time.sleep(a.gap)
    finally:
        for e in os.listdir(base) if os.path.isdir(base) else []:
            if os.path.isdir(os.path.join(base, e)):
                os.rmdir(os.path.join(base, e))
        os.rmdir(base)
    ms.sort()
    print("cgroup.procs write under %s, %d rounds, %.0f ms apart: p50 %.2f ms, p90 %.2f ms, max %.2f ms"
          % (root(), a.n, a.gap * 1000, statistics.median(ms), ms[int(0.9 * (len(ms) - 1))], ms[-1]))
    print("cgroup2 mounts (favordynmods): %s" % (favordynmods() or "none"))


if __name__ == "__main__":
    main()
