#!/usr/bin/python3
"""Bursts against a warm daemon: how big a pool a burst needs.

    /usr/bin/python3 bench/pool_burst.py POOL BURST GAP_S ROUNDS

Starts build/sandboxrun serve --pool POOL, waits for the pool to fill, then
ROUNDS times sends BURST print(1) requests back to back and pauses GAP_S
seconds (the refill's time); prints request->record p50/p95/p99.
"""
import os
import statistics
import subprocess
import sys
import time

from warm_client import request

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
pool, burst, gap, rounds = sys.argv[1], int(sys.argv[2]), float(sys.argv[3]), int(sys.argv[4])
sock = "/tmp/sandboxrun-burst.%d" % os.getpid()
d = subprocess.Popen([os.path.join(ROOT, "build", "sandboxrun"), "serve", "--socket", sock, "--pool", pool], stderr=subprocess.DEVNULL)
try:
    while not os.path.exists(sock): time.sleep(0.05)
    time.sleep(gap + 3)
    lat = []
    for r in range(rounds):
        for _ in range(burst):
            lat.append(request(sock))
        time.sleep(gap)
    lat.sort(); n = len(lat)
    print("load %.2f; pool %s, %d bursts of %d back-to-back requests, %.1f s apart: p50 %.1f p95 %.1f p99 %.1f ms" % (
        os.getloadavg()[0], pool, rounds, burst, gap, 1000*statistics.median(lat), 1000*lat[int(.95*(n-1))], 1000*lat[int(.99*(n-1))]))
finally:
    d.terminate(); d.wait()
