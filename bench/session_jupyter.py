#!/usr/bin/python3
"""bench/session_jupyter.py — sandboxrun's sessions beside Jupyter kernels.

Four kinds of session, interleaved round-robin in one run (the order turns
by one each round, so a drift of the machine's speed lands on all):
  * a sandboxrun session on the warm daemon (`sandboxrun serve --socket S`),
    spoken to on its own connection: `{"session": true}`, then one request
    line per cell and one record line back (README, "Sessions on the
    daemon") — the client keeps the connection, as jupyter_client keeps its
    ZMQ sockets to a kernel;
  * the same session through the AgentCore HTTP API (`serve --http
    unix:PATH` on that daemon; raw unsigned HTTP, bench/session_start.py's
    client, one connection per call);
  * a Jupyter kernel (`python3 -m ipykernel_launcher` by jupyter_client's
    KernelManager, as start_new_kernel does; BlockingKernelClient over ZMQ on
    loopback TCP, the default; with --ipc also the same kernel over ZMQ ipc
    sockets, the bwrap row's transport without bwrap);
  * that kernel inside bwrap (bench.py's bwrap row: every namespace, the
    network too, so ZMQ runs over ipc sockets in a directory bound in).
Each round starts one of each, times from asking for it to the output of
its first `print(1)`, runs `x = 0`, then CELLS times `x = x + 1; print(x)`
on each in turn (the first two are warm-up), checking every output counts
up, and stops them all. p50/p95/min and the ratio to the Jupyter kernel go
to bench/results-jupyter.md.

    /usr/bin/python3 bench/session_jupyter.py [ROUNDS] [--cells N] [--ipc]   (default 40, 12)

Every process it starts is stopped in a finally block, also on SIGTERM.
"""

import argparse
import datetime
import json
import os
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time

import ipykernel
import jupyter_client
import zmq
from jupyter_client.manager import KernelManager

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
from bench import (BIN, JAIL_ENV, PY, bwrap_bpf, bwrap_cmd, command_line, cpu_hogs,  # noqa: E402
                   descendants, machine, md, pct, start_load_sampler, wait_quiet)
from session_start import call, wait_for  # noqa: E402
from warm_client import request  # noqa: E402

ID = "aws.codeinterpreter.v1"
CELL = "x = x + 1\nprint(x)"
WARM_CELLS = 2   # the first cells of each session are not timed
JUPYTER = "Jupyter kernel (ZMQ tcp)"


def log(*a):
    print("[jupyter %s]" % time.strftime("%H:%M:%S"), *a, file=sys.stderr, flush=True)


class Failed(Exception):
    pass


# ---- the four kinds of session; each: start(), run(code) -> stdout, stop() ------


class DaemonSession:
    """A session on the warm daemon's socket, on one connection."""

    def __init__(self, sock):
        self.sock_path = sock
        self.s = None
        self.buf = b""
        self.seq = 0

    def line(self):
        while b"\n" not in self.buf:
            c = self.s.recv(65536)
            if not c:
                raise Failed("the daemon closed the session")
            self.buf += c
        text, self.buf = self.buf.split(b"\n", 1)
        return json.loads(text)

    def start(self):
        self.s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.s.settimeout(60)
        self.s.connect(self.sock_path)
        self.s.sendall(b'{"session": true}\n')
        ready = self.line()
        if ready.get("status") != "ready":
            raise Failed("no session: %s" % ready)

    def run(self, code):
        self.seq += 1
        self.s.sendall((json.dumps({"code": code, "seq": self.seq}) + "\n").encode())
        rec = self.line()
        if rec.get("status") != "ok":
            raise Failed("cell failed: %s" % json.dumps(rec)[:300])
        return rec["stdout"]

    def stop(self):
        if self.s:
            self.s.close()   # the daemon ends the session when its connection ends
            self.s = None


def event_payloads(data):
    """The JSON payloads of an AWS event stream (prelude: total and header
    lengths, CRC; then headers, payload, CRC)."""
    out = []
    while len(data) >= 16:
        total, hlen = int.from_bytes(data[0:4], "big"), int.from_bytes(data[4:8], "big")
        out.append(json.loads(data[12 + hlen:total - 4]))
        data = data[total:]
    return out


class HttpSession:
    """A session through the AgentCore HTTP API on a unix socket."""

    def __init__(self, path):
        self.path = path
        self.sid = None

    def start(self):
        self.sid = json.loads(call(self.path, "PUT", f"/code-interpreters/{ID}/sessions/start", {}))["sessionId"]

    def run(self, code):
        data = call(self.path, "POST", f"/code-interpreters/{ID}/tools/invoke",
                    {"name": "executeCode", "arguments": {"code": code}},
                    {"x-amzn-code-interpreter-session-id": self.sid})
        res = [p for p in event_payloads(data) if "structuredContent" in p]
        if not res or res[-1].get("isError") or res[-1]["structuredContent"].get("exitCode") != 0:
            raise Failed("executeCode failed: %r" % data[-300:])
        return res[-1]["structuredContent"]["stdout"]

    def stop(self):
        if self.sid:
            call(self.path, "PUT", f"/code-interpreters/{ID}/sessions/stop?sessionId={self.sid}")
            self.sid = None


class BwrapKernelManager(KernelManager):
    """The kernel's command line inside bench.py's bwrap jail, with dir (the
    connection file, the ipc sockets, IPython's directory) bound read-write."""

    def format_kernel_cmd(self, extra_arguments=None):
        env = dict(self.jail_env, IPYTHONDIR=self.ipython_dir)
        return bwrap_cmd(["--bind", self.dir, self.dir], env, self.seccomp_fd) + \
            super().format_kernel_cmd(extra_arguments)


class Kernel:
    """A Jupyter kernel by jupyter_client, as start_new_kernel starts one;
    transport tcp or ipc; in bwrap when bpf (the seccomp program) is given."""

    n = 0

    def __init__(self, dir, transport, log_file, bwrap=False, bpf=None):
        self.dir, self.transport, self.log_file, self.bwrap, self.bpf = dir, transport, log_file, bwrap, bpf
        self.km = self.kc = None

    def start(self):
        Kernel.n += 1
        tag = "k%d" % Kernel.n
        ipython_dir = os.path.join(self.dir, "ipython-" + ("bwrap" if self.bwrap else self.transport))
        env = dict(JAIL_ENV, IPYTHONDIR=ipython_dir)
        self.km = (BwrapKernelManager if self.bwrap else KernelManager)(kernel_name="python3")
        self.km.transport = self.transport
        self.km.connection_file = os.path.join(self.dir, tag + ".json")
        if self.transport == "ipc":
            self.km.ip = os.path.join(self.dir, tag)
        kw = {}
        if self.bwrap:
            self.km.dir, self.km.jail_env, self.km.ipython_dir = self.dir, JAIL_ENV, ipython_dir
            self.km.seccomp_fd = None
            if self.bpf:
                fd = os.open(self.bpf, os.O_RDONLY)   # bwrap reads it to EOF: a fresh fd per start
                self.km.seccomp_fd, kw["pass_fds"] = fd, (fd,)
        try:
            self.km.start_kernel(env=env, stdout=self.log_file, stderr=self.log_file, **kw)
        finally:
            if kw:
                os.close(kw["pass_fds"][0])
        self.kc = self.km.client()
        self.kc.start_channels()
        self.kc.wait_for_ready(timeout=60)

    def run(self, code):
        """execute, then wait for both the idle status on iopub and the
        execute_reply on shell; the stdout stream in between is the output."""
        mid = self.kc.execute(code)
        out, idle, reply = "", False, None
        while not idle:
            m = self.kc.get_iopub_msg(timeout=60)
            if m["parent_header"].get("msg_id") != mid:
                continue
            if m["msg_type"] == "stream" and m["content"]["name"] == "stdout":
                out += m["content"]["text"]
            elif m["msg_type"] == "error":
                raise Failed("cell raised: %s" % m["content"].get("ename"))
            elif m["msg_type"] == "status" and m["content"]["execution_state"] == "idle":
                idle = True
        while reply is None:
            r = self.kc.get_shell_msg(timeout=60)
            if r["parent_header"].get("msg_id") == mid:
                reply = r
        if reply["content"].get("status") != "ok":
            raise Failed("execute_reply: %s" % reply["content"].get("status"))
        return out

    def stop(self):
        if self.kc:
            self.kc.stop_channels()
            self.kc = None
        if self.km:
            self.km.shutdown_kernel(now=True)   # kill: the stop is not timed
            self.km = None


# ---- the run -----------------------------------------------------------------------


def systems(tmp, sock, http, bpf, log_file, ipc):
    """name -> a factory of a new session of it, in the table's order; the
    plain kernel over ipc only with ipc."""
    kdir = os.path.join(tmp, "kernels")
    os.makedirs(kdir)
    os.chmod(kdir, 0o777)   # the jailed kernel (uid 65534 in its namespace) makes its sockets here
    f = {
        "sandboxrun session (warm daemon, its socket)": lambda: DaemonSession(sock),
        "sandboxrun session (AgentCore HTTP API, unix socket)": lambda: HttpSession(http),
        JUPYTER: lambda: Kernel(kdir, "tcp", log_file),
        "Jupyter kernel (ZMQ ipc)": lambda: Kernel(kdir, "ipc", log_file),
        "Jupyter kernel in bwrap (ZMQ ipc)": lambda: Kernel(kdir, "ipc", log_file, bwrap=True, bpf=bpf),
    }
    if not ipc:
        del f["Jupyter kernel (ZMQ ipc)"]
    return f


def one_round(r, factories, cells, live, res):
    """Start one session of each (in an order turned by r), then the cells
    on each in turn, then stop them. Appends seconds to res[name]."""
    names = list(factories)
    names = names[r % len(names):] + names[:r % len(names)]
    sessions = {}
    try:
        for name in names:
            t0 = time.perf_counter()
            s = sessions[name] = factories[name]()
            live.append(s)
            s.start()
            out = s.run("print(1)")
            res[name]["start"].append(time.perf_counter() - t0)
            if out != "1\n":
                raise Failed("%s: print(1) gave %r" % (name, out))
        for name in names:
            if sessions[name].run("x = 0") != "":
                raise Failed("%s: x = 0 printed" % name)
        for i in range(1, cells + 1):
            for name in names:
                t0 = time.perf_counter()
                out = sessions[name].run(CELL)
                dt = time.perf_counter() - t0
                if out != "%d\n" % i:
                    raise Failed("%s: cell %d printed %r" % (name, i, out))
                if i > WARM_CELLS:
                    res[name]["cell"].append(dt)
    finally:
        for s in sessions.values():
            stop_quietly(s, live)


def start_services(tmp, log_file, procs):
    """The warm daemon and an HTTP service on it; their socket paths."""
    sock, http = os.path.join(tmp, "daemon.sock"), os.path.join(tmp, "http.sock")
    procs.append(subprocess.Popen([BIN, "serve", "--socket", sock], stdout=log_file, stderr=log_file))
    procs.append(subprocess.Popen([BIN, "serve", "--http", "unix:" + http], stdout=log_file, stderr=log_file,
                                  env=dict(os.environ, SANDBOXRUN_SOCKET=sock)))
    deadline = time.time() + 180
    while not os.path.exists(sock):
        if procs[0].poll() is not None or time.time() > deadline:
            raise Failed("the daemon did not start")
        time.sleep(0.05)
    for _ in range(3):   # the pool fills in the background: wait until requests come back
        request(sock)
    wait_for(http)
    time.sleep(1.0)
    return sock, http


def stop_quietly(s, live):
    """Stop session s and drop it from live; a failure is logged, not raised
    (the next one must still be stopped)."""
    try:
        s.stop()
    except Exception as e:
        log("stopping a session: %r" % e)
    live.remove(s)


def stop_all(live, procs):
    """Every session still open, the services, then anything of ours left."""
    for s in list(live):
        stop_quietly(s, live)
    for p in procs:
        if p.poll() is None:
            p.terminate()
            try:
                p.wait(30)
            except subprocess.TimeoutExpired:
                p.kill()
                p.wait()
    left = descendants(os.getpid())
    for pid in left:
        try:
            os.kill(pid, signal.SIGKILL)
        except OSError:
            pass
    return left


# ---- results-jupyter.md ------------------------------------------------------------


def vs(v, base):
    """v's p50 against the Jupyter kernel's, in words."""
    if v is base:
        return "(the baseline)"
    r = pct(v, 50) / pct(base, 50)
    k = 1 / r if r < 1 else r
    return "%.3f× (%s× %s)" % (r, "%.0f" % k if k >= 10 else "%.2f" % k, "faster" if r < 1 else "slower")


def table(w, title, res, what):
    """One table: p50/p95/min per system, n, and p50 against the Jupyter kernel's."""
    f = lambda v: "%.2f" % (v * 1000) if v < 0.01 else "%.1f" % (v * 1000)   # noqa: E731
    w("## " + title)
    w("")
    w("| | n | p50 ms | p95 ms | min ms | p50 / the Jupyter kernel's |")
    w("|---|---|---|---|---|---|")
    for name, r in res.items():
        v = r[what]
        w("| %s | %d | %s | %s | %s | %s |" % (name, len(v), f(pct(v, 50)), f(pct(v, 95)), f(min(v)),
                                              vs(v, res[JUPYTER][what])))
    w("")


def versions():
    return "ipykernel %s, jupyter_client %s, pyzmq %s (libzmq %s), Debian packages" % (
        ipykernel.__version__, jupyter_client.__version__, zmq.__version__, zmq.zmq_version())


def report(a, res, started, elapsed, loads, hogs, bpf, kernel_cmd):
    L = []
    w = L.append
    m = machine()
    dirty = m["dirty"].splitlines()
    w("# Sessions beside Jupyter kernels")
    w("")
    w("Generated by `%s` (driver `bench/session_jupyter.py`, %d rounds, %d cells per session per round, the "
      "first %d not timed) on %s; the run took %.1f min." % (command_line(), a.rounds, a.cells, WARM_CELLS,
                                                             started.strftime("%Y-%m-%d %H:%M %Z"), elapsed / 60))
    w("")
    w("| machine | |")
    w("|---|---|")
    w("| host, CPUs (nproc), model | %s, %s, %s |" % (os.uname().nodename, m["nproc"], m["model"]))
    w("| memory, kernel, Debian | %s, %s, %s |" % (m["mem"], m["kernel"], m["debian"]))
    w("| python3 (the kernels' and the jail's) | %s, /usr/bin/python3 |" % m["python"])
    w("| Jupyter | %s |" % versions())
    w("| bwrap | %s |" % m["bwrap"])
    w("| sandboxrun | git %s%s; build/sandboxrun built %s |" % (
        m["commit"], (" + uncommitted changes in %d files (measured as built)" % len(dirty)) if dirty else "",
        m["bin_mtime"]))
    w("| 1-min load average | %.2f at the start (after waiting %.0f s for < 1), during the run min %.2f, "
      "median %.2f, max %.2f |" % (a.load0, a.waited, min(loads), statistics.median(loads), max(loads)))
    for label, h in (("before", hogs[0]), ("after", hogs[1])):
        if h:
            w("| other CPU users %s the run | %s |" % (label, "; ".join(
                "%s (%.0f%%)" % (md(c) or "pid %d" % pid, s * 100) for s, pid, c in h)))
    w("")
    table(w, "A cell: `x = x + 1; print(x)` in a live session", res, "cell")
    table(w, "A session's start to its first result (`print(1)`)", res, "start")
    w("How: every round starts one session of each kind (the order turns by one each round), runs "
      "`print(1)`, `x = 0`, then the cells on each in turn, and stops them all (not timed). Every output is "
      "checked: `print(1)` must print `1`, and cell i must print i, so a broken path cannot look fast.")
    w("")
    w("* sandboxrun session (warm daemon): `build/sandboxrun serve --socket S` (the default pool); the driver "
      "connects to S, sends `{\"session\": true}`, reads the `ready` line, then per cell one request line "
      "`{\"code\", \"seq\"}` and one record line back, on the one connection (closing it ends the session). "
      "Its start is a pooled worker, already jailed with the data-science stack imported.")
    w("* sandboxrun session (AgentCore HTTP API): `serve --http unix:PATH` on that daemon "
      "(`SANDBOXRUN_SOCKET`), raw unsigned HTTP (bench/session_start.py's client, a new connection per "
      "call): StartCodeInterpreterSession, then `executeCode` per cell, its event stream's "
      "`structuredContent.stdout` checked.")
    w("* Jupyter kernel: jupyter_client's `KernelManager(kernel_name=\"python3\")` started as "
      "`start_new_kernel` does (`start_kernel`, `start_channels`, `wait_for_ready`), i.e. `%s`, with the "
      "jail's environment (one BLAS thread, ...) and its IPython directory in the run's directory; a cell is "
      "`BlockingKernelClient.execute` then the iopub messages up to the idle status (the stdout stream "
      "collected) and the shell channel's `execute_reply` (status ok). ZMQ over loopback TCP (the default)%s."
      % (kernel_cmd, ", and over ipc sockets in the run's directory (`--ipc`: the bwrap row's transport "
         "without bwrap)" if a.ipc else ""))
    w("* Jupyter kernel in bwrap: the same kernel under bench.py's bwrap row (`bench.bwrap_cmd`: "
      "`--unshare-all --unshare-user --uid/--gid 65534 --die-with-parent --new-session`, ro `/usr` and the "
      "`/etc` files sandboxrun binds, `--proc --dev`, tmpfs `/tmp` and `/out`, `--cap-drop ALL --clearenv` + "
      "the jail's environment, %s) plus a read-write bind of the run's directory. With the network "
      "namespace unshared there is no loopback TCP to the kernel, so it speaks ZMQ over ipc (unix) sockets "
      "in that directory (instead of `--share-net`, which would give the kernel the host's network)."
      % ("`--seccomp` with bench/bwrap_seccomp.c's filter" if bpf else "**without --seccomp** (building the "
         "filter failed)"))
    w("* A Jupyter kernel is stopped with `shutdown_kernel(now=True)` (killed), a sandboxrun session by "
      "closing its connection or StopCodeInterpreterSession.")
    w("")
    return "\n".join(L)


def parse_args():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("rounds", nargs="?", type=int, default=40)
    ap.add_argument("--cells", type=int, default=12, help="cells per session per round (the first 2 untimed)")
    ap.add_argument("--ipc", action="store_true",
                    help="also a plain kernel over ZMQ ipc sockets (the bwrap row's transport without bwrap)")
    ap.add_argument("--wait-quiet", type=float, default=20,
                    help="wait up to this many seconds for the 1-min load average to drop below 1 first")
    ap.add_argument("--out", default=os.path.join(HERE, "results-jupyter.md"))
    a = ap.parse_args()
    if a.cells <= WARM_CELLS or a.rounds < 1:
        ap.error("need at least 1 round and more than %d cells" % WARM_CELLS)
    return a


def main():
    a = parse_args()
    if not os.access(BIN, os.X_OK):
        sys.exit("bench: %s is not built (make -j2)" % BIN)
    started = datetime.datetime.now().astimezone()
    tmp = tempfile.mkdtemp(prefix="sandboxrun-jupyter-")
    os.chmod(tmp, 0o755)
    log_file = open(os.path.join(tmp, "log"), "w")
    procs, live, loads = [], [], []
    stop_load = threading.Event()

    def on_term(sig, frm):
        raise KeyboardInterrupt
    signal.signal(signal.SIGTERM, on_term)
    try:
        a.waited = wait_quiet(a.wait_quiet)
        a.load0 = os.getloadavg()[0]
        start_load_sampler(stop_load, loads, {})
        hogs = [cpu_hogs(os.getpid())]
        t_start = time.time()
        bpf = None
        try:
            bpf = bwrap_bpf(tmp)
        except (OSError, subprocess.CalledProcessError) as e:
            log("bwrap runs without --seccomp: building the filter failed (%s)" % e)
        sock, http = start_services(tmp, log_file, procs)
        factories = systems(tmp, sock, http, bpf, log_file, a.ipc)
        res = {name: {"start": [], "cell": []} for name in factories}
        one_round(0, factories, a.cells, live, {name: {"start": [], "cell": []} for name in factories})   # not timed
        for r in range(a.rounds):
            one_round(r, factories, a.cells, live, res)
            if r % 10 == 9:
                log("round %d of %d" % (r + 1, a.rounds))
        loads.append(os.getloadavg()[0])
        hogs.append(cpu_hogs(os.getpid()))
        elapsed = time.time() - t_start
    except Failed:
        log_file.flush()
        with open(log_file.name) as f:
            log("the services' and kernels' log:\n" + f.read()[-3000:])
        raise
    finally:
        stop_load.set()
        left = stop_all(live, procs)
        if left:
            log("killed %d processes left behind: %s" % (len(left), left))
        log_file.close()
        shutil.rmtree(tmp, ignore_errors=True)
    argv = KernelManager(kernel_name="python3").kernel_spec.argv
    kernel_cmd = " ".join([PY if argv[0].startswith("python") else argv[0]] + argv[1:])
    text = report(a, res, started, elapsed, loads, hogs, bpf, kernel_cmd)
    with open(a.out, "w") as f:
        f.write(text)
    print(text)


if __name__ == "__main__":
    main()
