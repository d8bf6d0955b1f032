#!/usr/bin/python3
"""Warm print(1) under load: throughput and latency, several daemons side by side.

    /usr/bin/python3 bench/pool_load.py POOL WINDOW_S ROUNDS name=BUILD_DIR[:POOL[:SHMEM]] ...

Starts one daemon per name (its build, its --pool, default POOL), then for
ROUNDS rounds and 1, 2 and 4 clients sends print(1) back to back for
WINDOW_S seconds to each daemon in turn (the order reverses every round),
and prints each one's completions per second and request->record
p50/p95/p99, and the machine's CPU per run (/proc/stat: every process and
kernel thread, this driver's clients included). Use it to size --pool: the
same build at several pools.
SHMEM (root only): /sys/kernel/mm/transparent_hugepage/shmem_enabled while
that daemon's zygote starts and builds its image (e.g. never, advise), so one
run compares the same build with and without huge pages for the image; the
setting is restored once all daemons are up.
"""
import os, subprocess, sys, time, statistics
import threading
from warm_client import request
pool, W, R = sys.argv[1], float(sys.argv[2]), int(sys.argv[3])
builds = [a.split("=", 1) for a in sys.argv[4:]]
ds, socks = [], {}
def busy():
    """The machine's busy CPU seconds so far (/proc/stat: every process and
    kernel thread, so a run's namespace teardown counts too; not the time
    the hypervisor stole)."""
    v = [int(x) for x in open("/proc/stat").readline().split()[1:]]
    return (v[0] + v[1] + v[2] + v[5] + v[6]) / os.sysconf("SC_CLK_TCK")
def window(sock, clients):
    lat, end = [], time.perf_counter() + W
    t0 = time.perf_counter()
    def cl():
        while time.perf_counter() < end:
            lat.append(request(sock))
    th = [threading.Thread(target=cl) for _ in range(clients)]
    [t.start() for t in th]; [t.join() for t in th]
    return lat, time.perf_counter() - t0
SHMEM = "/sys/kernel/mm/transparent_hugepage/shmem_enabled"
shmem0 = open(SHMEM).read().split("[")[1].split("]")[0] if os.path.exists(SHMEM) else None
shmem_set = False   # restored in finally, whatever happens
try:
    for name, B in builds:
        sock = "/tmp/sandboxrun-pool.%s.%d" % (name, os.getpid())
        B, _, P = B.partition(":")
        P, _, huge = P.partition(":")
        if huge:
            open(SHMEM, "w").write(huge)
            shmem_set = True
        ds.append(subprocess.Popen([B + "/sandboxrun", "serve", "--socket", sock, "--pool", P or pool, "--max-concurrent", "4"],
                                   stderr=subprocess.DEVNULL))
        socks[name] = sock
        while not os.path.exists(sock): time.sleep(0.05)   # the zygote's image is built
        for _ in range(3): request(sock)
    if shmem_set:
        open(SHMEM, "w").write(shmem0)
        shmem_set = False
    time.sleep(3)
    got = {}
    for r in range(R):
        for c in (1, 2, 4):
            order = list(socks) if r % 2 == 0 else list(socks)[::-1]
            for name in order:
                b0 = busy()
                lat, el = window(socks[name], c)
                g = got.setdefault((name, c), [[], 0.0, 0.0]); g[0] += lat; g[1] += el; g[2] += busy() - b0
                time.sleep(0.5)
    print("load %.2f; pool %s, %d rounds of %.1f s windows" % (os.getloadavg()[0], pool, R, W))
    for c in (1, 2, 4):
        for name in socks:
            lat, el, cpu = got[(name, c)]; lat.sort()
            print("%-6s clients %d: %6.1f/s  p50 %6.1f  p95 %6.1f  p99 %6.1f ms  (n %d)  CPU %.1f ms/run" % (
                  name, c, len(lat)/el, 1000*statistics.median(lat), 1000*lat[int(.95*(len(lat)-1))],
                  1000*lat[int(.99*(len(lat)-1))], len(lat), 1000*cpu/len(lat)))
finally:
    if shmem_set:
        open(SHMEM, "w").write(shmem0)
    for d in ds: d.terminate()
    for d in ds: d.wait()
