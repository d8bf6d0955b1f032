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
import re
import shutil
import signal
import socket
import subprocess
import struct
import sys
import threading
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


def client(port, *args, timeout=600, tag=None):
    """tests/containers/client.mjs (the AWS SDK's AgentCore client): its JSON lines and the process.
    tag: the pod TAG the session ids must carry (SANDBOXRUN_POD_TAG), or None for plain hex ones."""
    env = dict(os.environ, SANDBOXRUN_POD_TAG=tag) if tag else None
    p = subprocess.run(["node", os.path.join(HERE, "client.mjs"), str(port)] + [str(a) for a in args],
                       capture_output=True, text=True, timeout=timeout, cwd=os.path.join(ROOT, "tests"), env=env)
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


def pod_ip(container):
    """The podman network address of container's pod (its infra container's)."""
    pod = podman("inspect", "--format", "{{.Pod}}", container).stdout.strip()
    infra = podman("pod", "inspect", "--format", "{{.InfraContainerID}}", pod).stdout.strip()
    return podman("inspect", "--format", "{{range .NetworkSettings.Networks}}{{.IPAddress}}{{end}}",
                  infra).stdout.strip()


class FakeDNS:
    """A stand-in for cluster DNS on 127.0.0.1 (UDP, test-only): A records
    for the names it is given, NXDOMAIN for any other; every question asked
    is kept in .asked."""

    def __init__(self, names):
        self.names, self.asked = names, []
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self.sock.bind(("127.0.0.1", 0))
        self.sock.settimeout(0.2)
        self.port = self.sock.getsockname()[1]
        self.running = True
        self.thread = threading.Thread(target=self.serve, daemon=True)
        self.thread.start()

    def answer(self, q):
        """The reply to query q (bytes), or None for a malformed one."""
        if len(q) < 17:
            return None
        labels, i = [], 12
        while i < len(q) and q[i]:
            labels.append(q[i + 1:i + 1 + q[i]].decode("ascii", "replace"))
            i += 1 + q[i]
        qtype = struct.unpack("!H", q[i + 1:i + 3])[0] if i + 3 <= len(q) else 0
        name = ".".join(labels).lower()
        self.asked.append(name)
        ips = self.names.get(name, []) if qtype == 1 else []
        known = name in self.names
        head = q[:2] + struct.pack("!HHHHH", 0x8180 if known else 0x8183, 1, len(ips), 0, 0)
        rr = b"".join(struct.pack("!HHHIH", 0xC00C, 1, 1, 5, 4) + socket.inet_aton(ip) for ip in ips)
        return head + q[12:i + 5] + rr

    def serve(self):
        while self.running:
            try:
                q, addr = self.sock.recvfrom(512)
            except OSError:
                continue
            r = self.answer(q)
            if r:
                self.sock.sendto(r, addr)

    def stop(self):
        self.running = False
        self.thread.join(2)
        self.sock.close()


class Stack:
    """What one run started: containers, kube plays, nginx; cleanup() stops all."""

    def __init__(self, tmp, tag):
        self.tmp, self.tag = tmp, tag
        self.containers, self.plays, self.procs = [], [], []
        self.nginxes = {}         # prefix: its nginx process
        self.dnses = []
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

    def play(self, name, docs, port, pod="sandboxrun-0"):
        """podman kube play of the StatefulSet, Service and Secret of docs
        (containers/k8s rendered), as one pod named TAG-name on
        127.0.0.1:port that serves as the StatefulSet's pod `pod`. What
        podman 4.3 does not do as a cluster does is done here, and only
        that (containers/README.md):
          * a StatefulSet is not played: the copy is a Deployment of one
            pod, and the pod's name, which the downward API would give as
            SANDBOXRUN_POD_ID, is given as a value (pod);
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

            elif kind == "StatefulSet":
                d["kind"] = "Deployment"
                d["metadata"]["name"] = full
                d["spec"]["replicas"] = 1
                for k in ("serviceName", "podManagementPolicy", "updateStrategy"):
                    d["spec"].pop(k, None)
                t = d["spec"]["template"]
                spec = t["spec"]
                for c in spec["containers"]:
                    for e in c.get("env", []):
                        if e["name"] == "SANDBOXRUN_POD_ID":
                            e.pop("valueFrom")
                            e["value"] = pod
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
            elif kind == "Service" and d["metadata"]["name"] == "sandboxrun":
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

    def nginx(self, pods):
        """Debian's nginx as nobody in the foreground with its own prefix,
        containers/nginx.conf in front of pods [(pod name, port on
        127.0.0.1)]. (port, prefix)."""
        prefix = os.path.join(self.tmp, "nginx")
        os.makedirs(prefix, exist_ok=True)
        shutil.copy(os.path.join(CT, "nginx.conf"), os.path.join(prefix, "nginx.conf"))
        listen = free_port()
        self.upstreams(prefix, [port for _, port in pods])
        with open(os.path.join(prefix, "listen.conf"), "w") as f:
            f.write("listen 127.0.0.1:%d;\n" % listen)
        # the known pods: TAG (the name without dashes, agent/mcp/ag_sid.h) -> its upstream
        with open(os.path.join(prefix, "pods.conf"), "w") as f:
            f.writelines("%s pod_%s;\n" % (n.replace("-", ""), n.replace("-", "")) for n, _ in pods)
        with open(os.path.join(prefix, "pod-upstreams.conf"), "w") as f:
            f.writelines("upstream pod_%s { server 127.0.0.1:%d max_fails=0; keepalive 8; }\n" % (
                n.replace("-", ""), port) for n, port in pods)
        return listen, self.start_nginx(prefix, "nginx.conf")

    def router(self, configmap, names):
        """containers/k8s/router.yaml's ConfigMap, rendered as the nginx
        image's entry point renders it (envsubst of its four variables),
        run by Debian's nginx as nobody, with a stand-in for cluster DNS
        that answers names {name: [IPv4...]} (and nothing else). (port,
        prefix, dns)."""
        prefix = os.path.join(self.tmp, "router")
        os.makedirs(prefix, exist_ok=True)
        dns = FakeDNS(names)
        self.dnses.append(dns)
        listen = free_port()
        env = {"NAMESPACE": "test", "CLUSTER_DOMAIN": "cluster.local", "RESOLVER": "127.0.0.1:%d" % dns.port,
               "ROUTER_LISTEN": "127.0.0.1:%d" % listen}
        text = configmap["data"]["sandboxrun.conf.template"]
        text = re.sub(r"\$\{([A-Z_]+)\}", lambda m: env[m.group(1)], text)
        with open(os.path.join(prefix, "sandboxrun.conf"), "w") as f:
            f.write(text)
        # what the image's own nginx.conf holds around conf.d/*.conf
        with open(os.path.join(prefix, "nginx.conf"), "w") as f:
            f.write("worker_processes 1;\npid nginx.pid;\nerror_log stderr warn;\nevents { worker_connections 512; }\n"
                    "http {\n    client_body_temp_path body;\n    proxy_temp_path proxy;\n    fastcgi_temp_path fastcgi;\n"
                    "    uwsgi_temp_path uwsgi;\n    scgi_temp_path scgi;\n    include sandboxrun.conf;\n}\n")
        return listen, self.start_nginx(prefix, "nginx.conf"), dns

    def start_nginx(self, prefix, conf):
        """Debian's nginx as nobody, prefix/conf, its output in prefix/stderr.log; prefix."""
        for d, _, files in os.walk(prefix):
            os.chown(d, 65534, 65534)
            for n in files:
                os.chown(os.path.join(d, n), 65534, 65534)
        os.chmod(self.tmp, 0o755)
        open(os.path.join(prefix, "stderr.log"), "w").close()
        # appended to: the router's access_log /dev/stdout opens it again, with its own offset
        log = open(os.path.join(prefix, "stderr.log"), "a")
        os.chown(log.name, 65534, 65534)   # the router's access_log /dev/stdout reopens it as nobody
        p = subprocess.Popen(["setpriv", "--reuid=nobody", "--regid=nogroup", "--clear-groups",
                              "/usr/sbin/nginx", "-p", prefix + "/", "-c", os.path.join(prefix, conf), "-e", "stderr",
                              "-g", "daemon off;"], stdout=log, stderr=log)
        self.procs.append(p)
        self.nginxes[prefix] = p
        return prefix

    @staticmethod
    def upstreams(prefix, ports):
        with open(os.path.join(prefix, "upstreams.conf"), "w") as f:
            f.writelines("server 127.0.0.1:%d max_fails=1 fail_timeout=30s;\n" % p for p in ports)
        os.chown(os.path.join(prefix, "upstreams.conf"), 65534, 65534)

    def reroute(self, prefix, ports):
        """What an ingress does when a pod leaves the Service's endpoints:
        new sessions go to ports alone (each pod's own route stays, as a
        headless Service publishes a pod that is not ready); nginx reloads
        (SIGHUP) and its old workers finish. True once the new workers serve."""
        self.upstreams(prefix, ports)
        nginx = self.nginxes[prefix]
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
        for d in self.dnses:
            d.stop()
        self.procs, self.plays, self.containers, self.dnses = [], [], [], []
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
