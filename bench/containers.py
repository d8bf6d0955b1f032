#!/usr/bin/python3
"""bench/containers.py — `make bench`'s container row: executeCode print(1)
per second through the AWS SDK's AgentCore client against pods of
containers/k8s played by podman (tests/containers/pods.py does the playing):
one pod direct, one pod behind containers/nginx.conf, two pods behind it;
and the memory a session adds to a pod. Writes bench/results-containers.md.
Root only (podman rootful, the image of `make image`, which it builds).

    /usr/bin/python3 bench/containers.py [SECONDS]    (default 20 per row)
"""

import datetime
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), ".."))
sys.path.insert(0, os.path.join(ROOT, "tests", "containers"))
import pods  # noqa: E402

OUT = os.path.join(ROOT, "bench", "results-containers.md")


def rate(port, seconds, conc):
    lines, p = pods.client(port, "bench", seconds, conc, timeout=seconds + 300)
    if p.returncode != 0 or not lines:
        raise RuntimeError("bench client failed: " + p.stderr[-2000:])
    r = lines[0]
    return r["execs"] / r["seconds"], r["failed"]


def mem_mb(name):
    """The container's memory use now (podman stats), MiB."""
    s = pods.podman("stats", "--no-stream", "--no-reset", "--format", "{{.MemUsage}}", name).stdout
    m = re.match(r"\s*([\d.]+)([kMG]i?B)", s)
    if not m:
        raise RuntimeError("podman stats: " + s)
    return float(m.group(1)) * {"kB": 1 / 1024, "MB": 1, "GB": 1024}[m.group(2).replace("i", "")]


def main():
    seconds = int(sys.argv[1]) if len(sys.argv) > 1 else 20
    if os.geteuid() != 0:
        print("bench/containers.py: needs root (podman rootful, make image); skipped", file=sys.stderr)
        return 0
    subprocess.run(["make", "--no-print-directory", "image"], cwd=ROOT, check=True)
    docs = [d for d in pods.yaml.safe_load_all(subprocess.run(
        ["kubectl", "kustomize", os.path.join(pods.CT, "k8s")], capture_output=True, text=True,
        check=True).stdout) if d]
    tmp = tempfile.mkdtemp(prefix="sr-bench-ct-")
    stack = pods.Stack(tmp, "srbench%d" % os.getpid())
    signal.signal(signal.SIGTERM, lambda s, f: sys.exit(143))
    rows = []
    try:
        pa, pb = pods.free_port(), pods.free_port()
        for name, port, pod in (("a", pa, "sandboxrun-0"), ("b", pb, "sandboxrun-1")):
            p, _ = stack.play(name, docs, port, pod=pod)
            if p.returncode != 0 or not pods.wait_port(port):
                raise RuntimeError("kube play %s: %s" % (name, p.stderr[-2000:]))
        ca = stack.pod_container("a")
        # memory: the idle service, then with 10 sessions that imported pandas
        idle = mem_mb(ca)
        lines, _ = pods.client(pa, "start", 10)
        sids = lines[0]["sids"]
        pods.client(pa, "calls", 1, *sids)
        time.sleep(1)
        busy = mem_mb(ca)
        pods.client(pa, "stop", *sids)
        listen, prefix = stack.nginx([("sandboxrun-0", pa), ("sandboxrun-1", pb)])
        pods.wait_port(listen)
        rows.append((1, "direct (the pod's port)", 4) + rate(pa, seconds, 4))
        stack.reroute(prefix, [pa])
        rows.append((1, "nginx", 4) + rate(listen, seconds, 4))
        stack.reroute(prefix, [pa, pb])
        rows.append((2, "nginx", 4) + rate(listen, seconds, 4))
        rows.append((2, "nginx", 8) + rate(listen, seconds, 8))
    finally:
        left = stack.cleanup() + stack.leftovers()
        shutil.rmtree(tmp, ignore_errors=True)
        if left:
            print("bench/containers.py: left behind: %s" % left, file=sys.stderr)
    when = datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
    with open(OUT, "w") as f:
        f.write("# Containers: executeCode print(1) per second, pods of containers/k8s\n\n")
        f.write("`/usr/bin/python3 bench/containers.py %d` (%d s per row, AWS SDK client, one tenant, each session "
                "warmed by one call first; podman %s kube play, runc; %s, %d cores)\n\n" % (
                    seconds, seconds, pods.podman("--version").stdout.split()[-1], when, os.cpu_count()))
        f.write("| pods | route | sessions at once | executions/s | failed |\n|---|---|---|---|---|\n")
        for n, route, conc, r, failed in rows:
            f.write("| %d | %s | %d | %.1f | %d |\n" % (n, route, conc, r, failed))
        f.write("\nMemory of one pod (podman stats, cgroup v1, page cache included): %.0f MiB idle, %.0f MiB with "
                "10 sessions that imported pandas: about %.0f MiB per session.\n" % (idle, busy, (busy - idle) / 10))
    print(open(OUT).read())
    return 0


if __name__ == "__main__":
    sys.exit(main())
