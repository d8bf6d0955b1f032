"""tests/containers/pods.py — podman, `podman kube play` and nginx, as
tests/containers/run and bench/containers.py drive them (test-only).

Everything started here is recorded in a Stack and undone by its
cleanup(), which the callers run on every exit path. Podman always reads
containers/containers.conf (CONTAINERS_CONF), never the host's own
configuration beyond its defaults."""

import base64
import copy
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import time

import yaml

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "lib"))
from svc import free_port  # noqa: E402,F401  (the callers use pods.free_port)
ROOT = os.environ.get("SANDBOXRUN_ROOT") or os.path.abspath(os.path.join(HERE, "..", ".."))
CT = os.path.join(ROOT, "containers")
IMAGE = "localhost/sandboxrun:latest"
ENV = dict(os.environ, CONTAINERS_CONF=os.path.join(CT, "containers.conf"))
KEYS = {"keys": [{"accessKeyId": "AKIDTEAMA", "secretAccessKey": "secretA-0123456789", "tenant": "team-a"}],
        "tokens": [{"token": "tokA-0123456789abcdef0123456789", "tenant": "team-a"}]}
# the least the jail needs (containers/README.md): no capabilities, no new
# privileges, our seccomp profile, an unmasked /proc, a read-only root
PRIVS = ["--cap-drop", "all", "--security-opt", "no-new-privileges",
         "--security-opt", "seccomp=" + os.path.join(CT, "seccomp.json"),
         "--security-opt", "systempaths=unconfined"]
WRITABLE = ["--read-only", "--tmpfs", "/tmp",
            "--mount", "type=tmpfs,destination=/run/sandboxrun,tmpfs-mode=0700,U=true"]


def podman(*args, timeout=180, hooks=None):
    pre = ["--hooks-dir", hooks] if hooks else []
    return subprocess.run(["podman"] + pre + list(args), env=ENV, capture_output=True, text=True, timeout=timeout)


def wait_port(port, seconds=30):
    """True once 127.0.0.1:port accepts and answers HTTP (any status)."""
    end = time.time() + seconds
    while time.time() < end:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=2) as s:
                s.sendall(b"GET /ping HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
                if s.recv(16).startswith(b"HTTP/1."):
                    return True
        except OSError:
            pass
        time.sleep(0.2)
    return False


def ping(port):
    """GET /ping on 127.0.0.1:port: (status, JSON body or {})."""
    import http.client
    try:
        c = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
        c.request("GET", "/ping")
        r = c.getresponse()
        data = r.read()
        c.close()
        return r.status, json.loads(data or b"{}")
    except (OSError, ValueError):
        return 0, {}


def client(port, *args, timeout=600):
    """tests/containers/client.mjs (the AWS SDK's AgentCore client): its JSON lines and the process."""
    p = subprocess.run(["node", os.path.join(HERE, "client.mjs"), str(port)] + [str(a) for a in args],
                       capture_output=True, text=True, timeout=timeout, cwd=os.path.join(ROOT, "tests"))
    out = []
    for line in p.stdout.splitlines():
        try:
            out.append(json.loads(line))
        except ValueError:
            pass
    return out, p


def kids(pid):
    """The pids whose parent is pid."""
    out = []
    for p in os.listdir("/proc"):
        if p.isdigit():
            try:
                with open("/proc/%s/stat" % p) as f:
                    if int(f.read().rsplit(")", 1)[1].split()[1]) == pid:
                        out.append(int(p))
            except (OSError, ValueError, IndexError):
                pass
    return out


class Stack:
    """What one run started: containers, kube plays, nginx; cleanup() stops all."""

    def __init__(self, tmp, tag):
        self.tmp, self.tag = tmp, tag
        self.containers, self.plays, self.procs = [], [], []
        self.ids = set()          # container ids seen: their mounts and processes must go
        self.hooks = os.path.join(tmp, "hooks")
        os.makedirs(self.hooks, exist_ok=True)
        # containers/procmount-hook, for our plays only (--hooks-dir; see that file)
        with open(os.path.join(self.hooks, "procmount.json"), "w") as f:
            json.dump({"version": "1.0.0", "hook": {"path": os.path.join(CT, "procmount-hook")},
                       "when": {"always": True}, "stages": ["precreate"]}, f)
        self.seccomp_root = os.path.join(tmp, "seccomp")
        os.makedirs(self.seccomp_root, exist_ok=True)
        shutil.copy(os.path.join(CT, "seccomp.json"), os.path.join(self.seccomp_root, "sandboxrun.json"))

    def auth_file(self):
        """The keys file for a container: owned by the image's uid, 0400."""
        path = os.path.join(self.tmp, "auth.json")
        with open(path, "w") as f:
            json.dump(KEYS, f)
        os.chown(path, 10001, 10001)
        os.chmod(path, 0o400)
        return path

    def run(self, name, *args, detach=True, privs=None, extra=(), entrypoint=None, timeout=180):
        """podman run IMAGE; detached ones are recorded for cleanup."""
        full = self.tag + "-" + name
        cmd = ["run", "--name", full, "--label", "io.sandboxrun.test=" + self.tag]
        cmd += ["-d"] if detach else ["--rm"]
        cmd += list(PRIVS if privs is None else privs) + WRITABLE + list(extra)
        if entrypoint:
            cmd += ["--entrypoint", entrypoint]
        if detach:
            self.containers.append(full)
        return full, podman(*(cmd + [IMAGE] + list(args)), timeout=timeout)

    def play(self, name, docs, port):
        """podman kube play of the Deployment, Service and Secret of docs
        (containers/k8s rendered), as one pod named TAG-name on
        127.0.0.1:port. What podman 4.3 does not do as a cluster does is
        done here, and only that (containers/README.md):
          * a Secret volume gets stringData not at all and data still
            base64-encoded (podman 4.3): the Secret is played, but the auth
            file reaches the pod as a hostPath directory at the same path;
          * containerPort is published on 0.0.0.0 by default: the copy says
            hostIP 127.0.0.1 and hostPort (a Service's address, here);
          * emptyDir is a named volume shared by name: each pod names its own;
          * procMount Unmasked is ignored: this play gets the hook (and
            only a play whose manifest asks for Unmasked);
          * hostUsers false needs /etc/subuid entries: left out (a user
            namespaced container is checked with podman run --uidmap).
        Returns (the kube play process, the translated YAML's path)."""
        full = self.tag + "-" + name
        out, secret, unmask = [], full + "-auth", False
        authdir = os.path.join(self.tmp, full + "-auth")
        os.makedirs(authdir, exist_ok=True)
        shutil.copy(self.auth_file(), os.path.join(authdir, "auth.json"))
        os.chown(os.path.join(authdir, "auth.json"), 10001, 10001)
        for d in copy.deepcopy(docs):
            kind = d["kind"]
            if kind == "Secret":
                d["metadata"]["name"] = secret
                d.pop("stringData", None)
                d["data"] = {"auth.json": base64.b64encode(json.dumps(KEYS).encode()).decode()}

            elif kind == "Deployment":
                d["metadata"]["name"] = full
                d["spec"]["replicas"] = 1
                t = d["spec"]["template"]
                spec = t["spec"]
                spec.pop("hostUsers", None)
                for c in spec["containers"]:
                    unmask = unmask or c.get("securityContext", {}).get("procMount") == "Unmasked"
                    for p in c.get("ports", []):
                        p["hostIP"], p["hostPort"] = "127.0.0.1", port
                    for m in c.get("volumeMounts", []):
                        m["name"] = full + "-" + m["name"]
                for v in spec["volumes"]:
                    v["name"] = full + "-" + v["name"]
                    if "secret" in v:
                        v.pop("secret")
                        v["hostPath"] = {"path": authdir, "type": "Directory"}
            elif kind == "Service":
                d["metadata"]["name"] = full
            else:
                continue
            out.append(d)
        path = os.path.join(self.tmp, full + ".yaml")
        with open(path, "w") as f:
            yaml.safe_dump_all(out, f)
        self.plays.append(path)
        p = podman("kube", "play", "--network", "podman", "--seccomp-profile-root", self.seccomp_root, path,
                   hooks=self.hooks if unmask else None)
        return p, path

    def pod_container(self, name):
        """The service container's name in pod TAG-name (kube play names it POD-CONTAINER)."""
        p = podman("ps", "-a", "--filter", "pod=" + self.tag + "-" + name + "-pod-0", "--format", "{{.Names}}")
        names = [n for n in p.stdout.split() if not n.endswith("-infra")]
        return names[0] if names else None

    def nginx(self, ports):
        """Debian's nginx as nobody in the foreground with its own prefix,
        containers/nginx.conf in front of 127.0.0.1:ports. (port, prefix)."""
        prefix = os.path.join(self.tmp, "nginx")
        os.makedirs(prefix, exist_ok=True)
        shutil.copy(os.path.join(CT, "nginx.conf"), os.path.join(prefix, "nginx.conf"))
        listen = free_port()
        self.upstreams(prefix, ports)
        with open(os.path.join(prefix, "listen.conf"), "w") as f:
            f.write("listen 127.0.0.1:%d;\n" % listen)
        for d, _, files in os.walk(prefix):
            os.chown(d, 65534, 65534)
            for n in files:
                os.chown(os.path.join(d, n), 65534, 65534)
        os.chmod(self.tmp, 0o755)
        log = open(os.path.join(prefix, "stderr.log"), "w")
        p = subprocess.Popen(["setpriv", "--reuid=nobody", "--regid=nogroup", "--clear-groups",
                              "/usr/sbin/nginx", "-p", prefix + "/", "-c", prefix + "/nginx.conf", "-e", "stderr",
                              "-g", "daemon off;"], stdout=log, stderr=log)
        self.procs.append(p)
        return listen, prefix

    @staticmethod
    def upstreams(prefix, ports):
        with open(os.path.join(prefix, "upstreams.conf"), "w") as f:
            f.writelines("server 127.0.0.1:%d max_fails=1 fail_timeout=30s;\n" % p for p in ports)
        os.chown(os.path.join(prefix, "upstreams.conf"), 65534, 65534)

    def reroute(self, prefix, ports):
        """What an ingress does when a pod leaves the Service's endpoints:
        the upstreams are now ports; nginx reloads (SIGHUP) and its old
        workers finish. True once the new workers serve."""
        self.upstreams(prefix, ports)
        nginx = self.procs[-1]
        before = set(kids(nginx.pid))
        nginx.send_signal(signal.SIGHUP)
        end = time.time() + 10
        while time.time() < end:
            now = set(kids(nginx.pid))
            if now and not now & before:
                return True
            time.sleep(0.1)
        return False

    def cleanup(self):
        """Stop and remove all of it; what failed to go is returned."""
        left = []
        for p in self.procs:
            if p.poll() is None:
                p.terminate()
                try:
                    p.wait(10)
                except subprocess.TimeoutExpired:
                    p.kill()
                    p.wait()
        for path in reversed(self.plays):
            r = podman("kube", "down", path, timeout=120)
            if r.returncode != 0 and "no such" not in r.stderr:
                left.append("kube down %s: %s" % (path, r.stderr.strip()[-300:]))
            name = os.path.basename(path)[:-5]
            for v in ("auth", "run", "tmp"):
                podman("volume", "rm", "-f", name + "-" + v)
            podman("secret", "rm", name + "-auth")
        for c in self.containers:
            podman("rm", "-f", "-t", "5", c)
        # whatever a failed play or kube down left under our names
        for kind, fmt in (("pod", "{{.Name}}"), ("volume", "{{.Name}}"), ("secret", "{{.Name}}")):
            for n in podman(kind, "ls" if kind != "pod" else "ps", "--format", fmt).stdout.split():
                if n.startswith(self.tag):
                    podman(kind, "rm", "-f", n) if kind != "secret" else podman(kind, "rm", n)
        self.procs, self.plays, self.containers = [], [], []
        return left

    def remember(self, name):
        """Note container name's id (and its pod's infra id) for leftovers()."""
        p = podman("inspect", "--format", "{{.Id}} {{.GraphDriver.Data.MergedDir}} {{.Pod}}", name)
        ids = p.stdout.split()
        self.ids.update(ids[:2])      # the id, and the overlay's merged root (a path)
        if len(ids) > 2:
            q = podman("pod", "inspect", "--format", "{{.InfraContainerID}}", ids[2])
            self.ids.update(q.stdout.split())

    def leftovers(self):
        """Containers, pods, volumes, secrets, processes and mounts of this run still there."""
        found = []
        for what in (["ps", "-a", "--format", "{{.Names}}"], ["pod", "ps", "--format", "{{.Name}}"],
                     ["volume", "ls", "--format", "{{.Name}}"], ["secret", "ls", "--format", "{{.Name}}"]):
            found += ["%s %s" % (what[0], n) for n in podman(*what).stdout.split() if n.startswith(self.tag)]
        for pid in os.listdir("/proc"):
            if not pid.isdigit():
                continue
            try:
                with open("/proc/%s/cmdline" % pid, "rb") as f:
                    cmd = f.read().replace(b"\0", b" ").decode("utf-8", "replace")
            except OSError:
                continue
            if self.tag in cmd or (self.tmp in cmd and "nginx" in cmd) or any(i in cmd for i in self.ids):
                found.append("process %s: %s" % (pid, cmd[:200]))
        with open("/proc/self/mountinfo") as f:
            found += ["mount " + line.split()[4] for line in f
                      if self.tag in line or any(i in line for i in self.ids)]
        return found
