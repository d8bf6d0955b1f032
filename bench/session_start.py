#!/usr/bin/python3
"""bench/session_start.py — what a session start costs, cold against warm.

Two services side by side, each on a unix socket (`serve --http unix:PATH`,
unsigned raw HTTP, so no SDK or signing is in the figure): one with `--pool
0` starts every session as a fresh `sandboxrun-supervisor session` (a cold
jail and CPython), the other with the default pool takes a pre-imported,
pre-jailed worker from its warm daemon. Two more, on TCP with a keys file,
serve the AWS SDK client (bench/agentcore_client.mjs): each round also times
executeCode `print(1)` through it, 10 calls in a fresh session of each. Rounds alternate cold, warm, cold, warm ... so a drift of the
machine's speed lands on both. Each round times
  * StartCodeInterpreterSession alone (until its answer),
  * the session's first executeCode, `print(1)` (a cold session's
    interpreter starts there), and
  * then `import pandas; print(1)` (a cold interpreter imports pandas there,
    a warm one has it), and the rest of the warm daemon's preloads,
then stops the session. p50/p95 of each go to bench/results-sessions.md.

    /usr/bin/python3 bench/session_start.py [ROUNDS]      (default 40)
"""

import http.client
import json
import os
import platform
import socket
import subprocess
import sys
import tempfile
import time

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), ".."))
sys.path.insert(0, os.path.join(ROOT, "tests", "lib"))
from svc import free_port  # noqa: E402
BIN = os.path.join(ROOT, "build", "sandboxrun")
ID = "aws.codeinterpreter.v1"


class Unix(http.client.HTTPConnection):
    def __init__(self, path):
        super().__init__("localhost", timeout=300)
        self.path = path

    def connect(self):
        self.sock = socket.socket(socket.AF_UNIX)
        self.sock.settimeout(300)
        self.sock.connect(self.path)


def call(path, method, url, body=None, headers=None):
    c = Unix(path)
    c.request(method, url, body=None if body is None else json.dumps(body), headers=headers or {})
    r = c.getresponse()
    data = r.read()
    c.close()
    if r.status != 200:
        raise RuntimeError("%s %s: %d %s" % (method, url, r.status, data[:300]))
    return data


CALLS = ("print(1)", "import pandas\nprint(1)",
         "import scipy.stats, statsmodels.api, statsmodels.tsa.api, sklearn, plotly.graph_objects\nprint(1)")


def one_round(path):
    """Seconds of one session's start, then of each of CALLS in it."""
    t = [time.perf_counter()]
    sid = json.loads(call(path, "PUT", f"/code-interpreters/{ID}/sessions/start", {}))["sessionId"]
    t.append(time.perf_counter())
    for code in CALLS:
        out = call(path, "POST", f"/code-interpreters/{ID}/tools/invoke",
                   {"name": "executeCode", "arguments": {"code": code}}, {"x-amzn-code-interpreter-session-id": sid})
        t.append(time.perf_counter())
        if b'"stdout":"1\\n"' not in out:
            raise RuntimeError("a call failed: %s" % out[-300:])
    call(path, "PUT", f"/code-interpreters/{ID}/sessions/stop?sessionId={sid}")
    return [b - a for a, b in zip(t, t[1:])]


def pct(v, p):
    v = sorted(v)
    return v[min(len(v) - 1, int(round(p / 100 * (len(v) - 1))))]


def wait_for(path, seconds=180):
    end = time.time() + seconds
    while time.time() < end:
        try:
            call(path, "GET", "/ping")
            return
        except (OSError, RuntimeError):
            time.sleep(0.1)
    raise RuntimeError("no service at " + path)


ROWS = (("StartCodeInterpreterSession", lambda r: r[0]),
        ("its first executeCode, `print(1)`", lambda r: r[1]),
        ("then `import pandas; print(1)`", lambda r: r[2]),
        ("then the rest of the preloads (scipy.stats, statsmodels, sklearn, plotly)", lambda r: r[3]),
        ("start to the first result", lambda r: r[0] + r[1]),
        ("start to pandas' first result", lambda r: r[0] + r[1] + r[2]),
        ("start to the whole stack imported", sum))


def table(res, rounds):
    ms = lambda v: "%.1f" % (v * 1000)   # noqa: E731
    rows = []
    for what, pick in ROWS:
        cells = [(pct([pick(r) for r in res[n]], 50), pct([pick(r) for r in res[n]], 95)) for n in ("cold", "warm")]
        rows.append("| %s | %s | %s | %s | %s | x%.0f |" % (what, ms(cells[0][0]), ms(cells[0][1]), ms(cells[1][0]),
                                                          ms(cells[1][1]), cells[0][0] / cells[1][0]))
    cpu = open("/proc/cpuinfo").read().count("processor\t:")
    return ("# Session start, cold and warm\n\n"
            "`/usr/bin/python3 bench/session_start.py %d` on %s, %d cores, kernel %s (%s UTC); the machine was "
            "shared with other work (load average %s at the end). %d rounds, alternating cold and warm; "
            "milliseconds.\n\n"
            "| | cold p50 | cold p95 | warm p50 | warm p95 | cold/warm (p50) |\n|---|---|---|---|---|---|\n"
            % (rounds, platform.node(), cpu, platform.release(), time.strftime("%Y-%m-%d %H:%M", time.gmtime()),
               open("/proc/loadavg").read().split()[0], rounds) + "\n".join(rows) + "\n\n"
            "cold: `serve --http unix:PATH --pool 0` (every session a fresh `sandboxrun-supervisor session`); warm: the same "
            "with the default pool (2; the session is a pooled worker of the service's warm daemon, already jailed with "
            "the data-science stack imported). A cold session answers its start once its jail is set up; its "
            "interpreter starts in its first call, and its first `import pandas` is paid in the call that makes "
            "it. A warm session has both done before it is asked for.\n")


def sdk_print(port):
    """10 executeCode print(1) in a fresh session through the AWS SDK client
    (bench/agentcore_client.mjs, after 5 unmeasured): seconds each."""
    for _ in range(600):   # the warm service listens once its zygote is ready
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            break
        except OSError:
            time.sleep(0.2)
    out = subprocess.run(["node", os.path.join(ROOT, "bench", "agentcore_client.mjs"), str(port), "-", "10"],
                         capture_output=True, text=True, timeout=600, check=True).stdout
    return [ms / 1000 for ms in json.loads(out)["sdk"]]


def sdk_table(sdk):
    ms = lambda v: "%.1f" % (v * 1000)   # noqa: E731
    return ("\n| through the AWS SDK client (SigV4, TCP) | `--pool 0` p50 | p95 | default pool p50 | p95 |\n"
            "|---|---|---|---|---|\n| executeCode `print(1)` (%d calls each, 10 per session after 5) | %s | %s | %s | %s |\n"
            % (len(sdk["warm"]), ms(pct(sdk["cold"], 50)), ms(pct(sdk["cold"], 95)), ms(pct(sdk["warm"], 50)),
               ms(pct(sdk["warm"], 95))))


def main():
    rounds = int(sys.argv[1]) if len(sys.argv) > 1 else 40
    with tempfile.TemporaryDirectory() as tmp:
        cold, warm = os.path.join(tmp, "cold.sock"), os.path.join(tmp, "warm.sock")
        log = open(os.path.join(tmp, "log"), "w")
        keys = os.path.join(tmp, "keys.json")
        with open(keys, "w") as f:
            json.dump({"keys": [{"accessKeyId": "AKIDBENCH", "secretAccessKey": "bench-secret-0123456789",
                                 "tenant": "bench"}]}, f)
        os.chmod(keys, 0o600)
        ports = {"cold": free_port(), "warm": free_port()}
        procs = [subprocess.Popen([BIN, "serve", "--http", "unix:" + cold, "--pool", "0"], stderr=log),
                 subprocess.Popen([BIN, "serve", "--http", "unix:" + warm], stderr=log),
                 subprocess.Popen([BIN, "serve", "--http", "127.0.0.1:%d" % ports["cold"], "--auth", keys,
                                   "--pool", "0"], stderr=log),
                 subprocess.Popen([BIN, "serve", "--http", "127.0.0.1:%d" % ports["warm"], "--auth", keys],
                                  stderr=log)]
        try:
            wait_for(cold)
            wait_for(warm)
            for path in (cold, warm):   # one unmeasured round each: page cache, first imports
                one_round(path)
            for name in ports:
                sdk_print(ports[name])
            res = {"cold": [], "warm": []}
            sdk = {"cold": [], "warm": []}
            for _ in range(rounds):
                for name, path in (("cold", cold), ("warm", warm)):
                    res[name].append(one_round(path))
                    time.sleep(0.2)   # let the pool refill, as between an agent's sessions
                for name in ("cold", "warm"):
                    sdk[name] += sdk_print(ports[name])
                    time.sleep(0.2)
        finally:
            for p in procs:
                p.terminate()
                p.wait(60)
    text = table(res, rounds) + sdk_table(sdk)
    with open(os.path.join(ROOT, "bench", "results-sessions.md"), "w") as f:
        f.write(text)
    print(text)


if __name__ == "__main__":
    main()
