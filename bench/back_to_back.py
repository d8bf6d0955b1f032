"""One client asking a warm daemon without pause: latency per request.

    /usr/bin/python3 bench/back_to_back.py [-n 300] [--rounds 3] [--pool 4] NAME=BIN [NAME=BIN ...]

For each round and each build (the order turns every round, so load from
elsewhere falls on all alike) starts `BIN serve --pool N`, lets the pool
fill, sends n print(1) requests back to back over the socket (connect, one
request line, read the record line) and prints p50/p95/p99/max in ms and
the rate. Faster than the daemon can make workers, so the pool runs dry:
this is what "back to back" in bench/results.md measures, without the rest
of the bench. BIN is a tree's build/sandboxrun.
"""

import argparse
import os
import subprocess
import sys
import tempfile
import time

import warm_client



def request(sock):
    """One print(1) request -> record (bench/warm_client.py); ms."""
    return warm_client.request(sock) * 1000


def one_run(binary, n, pool):
    """(sorted latencies, seconds) of n back-to-back requests to a fresh daemon."""
    tmp = tempfile.mkdtemp(prefix="b2b.")
    sock = os.path.join(tmp, "s")
    d = subprocess.Popen([binary, "serve", "--socket", sock, "--pool", str(pool), "--max-concurrent", "4"],
                         stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        deadline = time.time() + 120
        while not os.path.exists(sock):
            if d.poll() is not None or time.time() > deadline:
                raise SystemExit("%s serve did not start" % binary)
            time.sleep(0.05)
        for _ in range(3):
            request(sock)
        time.sleep(2)   # the pool fills
        t0 = time.perf_counter()
        lat = sorted(request(sock) for _ in range(n))
        return lat, time.perf_counter() - t0
    finally:
        d.terminate()
        d.wait()
        subprocess.run(["rm", "-rf", tmp])


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("-n", type=int, default=300)
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--pool", type=int, default=4)
    ap.add_argument("builds", nargs="+", help="NAME=path/to/build/sandboxrun")
    a = ap.parse_args()
    builds = [b.split("=", 1) for b in a.builds]
    if any(len(b) != 2 for b in builds):
        ap.error("each build is NAME=BIN")
    print("| round | build | p50 ms | p95 ms | p99 ms | max ms | per s |\n|---:|---|---:|---:|---:|---:|---:|")
    for r in range(a.rounds):
        for name, binary in builds if r % 2 == 0 else builds[::-1]:
            lat, secs = one_run(binary, a.n, a.pool)
            q = lambda p: lat[min(len(lat) - 1, int(p * len(lat)))]   # noqa: E731
            print("| %d | %s | %.1f | %.1f | %.1f | %.1f | %.1f |" % (r + 1, name, q(0.5), q(0.95), q(0.99), lat[-1],
                                                                    len(lat) / secs), flush=True)


if __name__ == "__main__":
    sys.exit(main())
