"""tests/lib/svc.py — start `sandboxrun serve --http` for a test on a free
loopback port, with an --auth file of the test's keys and tokens; and the
warm daemon (`sandboxrun serve --socket`) for a server to use."""

import json
import os
import pwd
import socket
import subprocess
import time

from tap import BIN, as_user_prefix


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    p = s.getsockname()[1]
    s.close()
    return p


def wait_port(port, tries=100):
    """Whether something accepts on 127.0.0.1:port within tries × 0.1 s."""
    for _ in range(tries):
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            return True
        except OSError:
            time.sleep(0.1)
    return False


def wait_serving(port, seconds=120):
    """Whether the service on 127.0.0.1:port answers within seconds. Its
    port accepts connections as soon as it is bound, but it serves them
    only once its warm pool's zygote is ready: a request that gets any
    answer (an HTTP reply, or a TLS listener hanging up on plain text)
    says it serves."""
    end = time.time() + seconds
    while time.time() < end:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1) as c:
                c.sendall(b"GET /ping HTTP/1.0\r\nHost: x\r\n\r\n")
                c.recv(1)
                return True
        except socket.timeout:
            continue
        except OSError:
            time.sleep(0.1)
    return False


def descendants():
    """(pid, comm) of this process's children."""
    me, kids = os.getpid(), []
    for pid in os.listdir("/proc"):
        if not pid.isdigit():
            continue
        try:
            with open(f"/proc/{pid}/stat") as f:
                ppid = int(f.read().rsplit(")", 1)[1].split()[1])
            with open(f"/proc/{pid}/comm") as f:
                comm = f.read().strip()
        except OSError:
            continue
        if ppid == me:
            kids.append((int(pid), comm))
    return kids


class Service:
    """The service on 127.0.0.1:self.port, its log in tmp/serve.log."""

    def __init__(self, tmp, keys, *extra, user=None, env=None):
        self.port = free_port()
        self.auth = os.path.join(tmp, "keys.json")
        with open(self.auth, "w") as f:
            json.dump(keys, f)
        os.chmod(self.auth, 0o600)
        if user:
            os.chown(self.auth, pwd.getpwnam(user).pw_uid, -1)
        self.log = open(os.path.join(tmp, "serve.log"), "w+")
        self.p = subprocess.Popen(as_user_prefix(user) + [BIN, "serve", "--http", f"127.0.0.1:{self.port}",
                                                          "--auth", self.auth, "--verbose"] + list(extra),
                                  stdout=self.log, stderr=self.log, env=env)
        self.up = wait_port(self.port) and wait_serving(self.port)

    def logtext(self):
        self.log.seek(0)
        return self.log.read()

    def stop(self, timeout=30):
        """SIGTERM; the exit status (None if it did not exit in time: killed)."""
        self.p.terminate()
        try:
            return self.p.wait(timeout)
        except subprocess.TimeoutExpired:
            self.p.kill()
            self.p.wait()
            return None


class WarmDaemon:
    """`sandboxrun serve --socket tmp/warm.sock` as user, its pool filled."""

    def __init__(self, tmp, user=None):
        self.sock = os.path.join(tmp, "warm.sock")
        self.log = open(os.path.join(tmp, "warm.log"), "w+")
        self.p = subprocess.Popen(as_user_prefix(user) + [BIN, "serve", "--socket", self.sock],
                                  stdout=self.log, stderr=self.log)
        deadline = time.time() + 120
        while time.time() < deadline and not os.path.exists(self.sock) and self.p.poll() is None:
            time.sleep(0.1)
        time.sleep(1)   # let the pool fill

    def stop(self):
        self.p.terminate()
        try:
            return self.p.wait(30)
        except subprocess.TimeoutExpired:
            self.p.kill()
            return self.p.wait()
