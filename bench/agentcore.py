#!/usr/bin/python3
"""bench/agentcore.py — `make bench`'s AgentCore row: executeCode print(1)
in one session through the AWS SDK client over HTTP (SigV4-signed) against
the same call through the service's unix socket (`--http unix:PATH`,
unsigned, raw HTTP, no SDK), p50/p95 side by side; the difference is what
TCP, the SDK and signing/verifying cost. Writes bench/results-agentcore.md.

    /usr/bin/python3 bench/agentcore.py [N]      (default 200 calls each)
"""

import json
import os
import socket
import subprocess
import sys
import tempfile
import time

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), ".."))
BIN = os.path.join(ROOT, "build", "sandboxrun")


def pct(v, p):
    v = sorted(v)
    return v[min(len(v) - 1, int(round(p / 100 * (len(v) - 1))))]


def wait_for(what):
    for _ in range(100):
        try:
            (socket.create_connection(what, timeout=1) if isinstance(what, tuple) else
             socket.socket(socket.AF_UNIX).connect(what))
            return
        except OSError:
            time.sleep(0.1)


def main():
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 200
    with tempfile.TemporaryDirectory() as tmp:
        keys = os.path.join(tmp, "keys.json")
        with open(keys, "w") as f:
            json.dump({"keys": [{"accessKeyId": "AKIDBENCH", "secretAccessKey": "bench-secret-0123456789",
                                 "tenant": "bench"}]}, f)
        os.chmod(keys, 0o600)
        s = socket.socket()
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
        s.close()
        path = os.path.join(tmp, "svc.sock")
        procs = [subprocess.Popen([BIN, "serve", "--http", f"127.0.0.1:{port}", "--auth", keys]),
                 subprocess.Popen([BIN, "serve", "--http", "unix:" + path])]
        try:
            wait_for(("127.0.0.1", port))
            wait_for(path)
            out = subprocess.run(["node", os.path.join(ROOT, "bench", "agentcore_client.mjs"), str(port), path,
                                  str(n)], capture_output=True, text=True, timeout=1800, check=True).stdout
        finally:
            for p in procs:
                p.terminate()
                p.wait(30)
    r = json.loads(out.strip().splitlines()[-1])
    rows = [("AWS SDK client, HTTP over TCP, SigV4-signed", r["sdk"]),
            ("raw HTTP over the unix socket, unsigned", r["unix"])]
    over50 = pct(r["sdk"], 50) - pct(r["unix"], 50)
    over95 = pct(r["sdk"], 95) - pct(r["unix"], 95)
    lines = ["# AgentCore API: executeCode print(1) in a session", "",
             f"`/usr/bin/python3 bench/agentcore.py {n}` ({n} calls each after 5 warm-up calls, one session each, "
             f"{time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}, {os.cpu_count()} cores)", "",
             "| path | p50 ms | p95 ms |", "|---|---|---|"]
    lines += [f"| {name} | {pct(v, 50):.2f} | {pct(v, 95):.2f} |" for name, v in rows]
    lines += ["", f"The SDK over TCP with signing costs {over50:.2f} ms at p50 and {over95:.2f} ms at p95 over the "
              "raw unix-socket call (SDK serialization and event-stream parsing, TCP, SigV4 signing in the client "
              "and verification in the service); the execution itself is the rest of either number.", ""]
    text = "\n".join(lines)
    with open(os.path.join(ROOT, "bench", "results-agentcore.md"), "w") as f:
        f.write(text)
    print(text)


main()
