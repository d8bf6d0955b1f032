#!/usr/bin/python3
"""bench/session_call.py — what one execute_code call into a session costs.

`sandboxrun mcp` over stdio (raw JSON-RPC lines, no SDK in the figure),
one session, then ROUNDS calls of execute_code with sessionId, each with
FILES inline files and code that reads them and writes one changed PNG
to /out (so each call also brings back a new image). Before the session
call went into the jail once, a call made 1 + FILES + 1 trips (each file
written, the code, the new images); now it makes one. Prints p50/p90 of
the call's wall time, in ms.

    /usr/bin/python3 bench/session_call.py [ROUNDS [FILES]]   (default 40, 2)
    SANDBOXRUN=/path/to/sandboxrun ...                         (another build)
"""

import base64
import json
import os
import statistics
import subprocess
import sys
import time

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), ".."))
BIN = os.environ.get("SANDBOXRUN", os.path.join(ROOT, "build", "sandboxrun"))
PNG = base64.b64decode("iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg==")


class Server:
    """sandboxrun mcp on pipes; one request at a time."""

    def __init__(self):
        self.p = subprocess.Popen([BIN, "mcp"], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                  stderr=subprocess.DEVNULL, text=True)
        self.n = 0
        self.call("initialize", {"protocolVersion": "2025-11-25", "capabilities": {},
                                 "clientInfo": {"name": "bench", "version": "1"}})
        self.p.stdin.write(json.dumps({"jsonrpc": "2.0", "method": "notifications/initialized"}) + "\n")

    def call(self, method, params):
        self.n += 1
        self.p.stdin.write(json.dumps({"jsonrpc": "2.0", "id": self.n, "method": method, "params": params}) + "\n")
        self.p.stdin.flush()
        while True:
            msg = json.loads(self.p.stdout.readline())
            if msg.get("id") == self.n:
                if "error" in msg:
                    raise RuntimeError(msg["error"])
                return msg["result"]

    def tool(self, name, args):
        return self.call("tools/call", {"name": name, "arguments": args})

    def close(self):
        self.p.stdin.close()
        self.p.wait(30)


def main():
    rounds = int(sys.argv[1]) if len(sys.argv) > 1 else 40
    nfiles = int(sys.argv[2]) if len(sys.argv) > 2 else 2
    s = Server()
    sid = s.tool("start_session", {})["structuredContent"]["sessionId"]
    times = []
    for i in range(rounds + 3):
        files = [{"name": "f%d.txt" % k, "content": "round %d file %d\n" % (i, k)} for k in range(nfiles)]
        code = ("import base64\n"
                "text = ''.join(open('/tmp/f%%d.txt' %% k).read() for k in range(%d))\n"
                "open('/out/p.png', 'wb').write(base64.b64decode(%r) + b'%d')\n"
                "print(len(text))\n" % (nfiles, base64.b64encode(PNG).decode(), i))
        t0 = time.perf_counter()
        r = s.tool("execute_code", {"sessionId": sid, "code": code, "files": files})
        dt = (time.perf_counter() - t0) * 1000
        images = [c for c in r["content"] if c.get("type") == "image"]
        if r.get("isError") or r["structuredContent"]["status"] != "ok" or len(images) != 1:
            raise SystemExit("bench: a call failed: %s" % json.dumps(r)[:600])
        if i >= 3:   # the first calls warm the session up
            times.append(dt)
    s.tool("stop_session", {"sessionId": sid})
    s.close()
    times.sort()
    print("session execute_code with %d files and one new image, %d calls: p50 %.1f ms, p90 %.1f ms (%s)"
          % (nfiles, rounds, statistics.median(times), times[int(len(times) * 0.9) - 1], BIN))


if __name__ == "__main__":
    main()
