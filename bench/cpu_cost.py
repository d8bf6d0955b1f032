#!/usr/bin/python3
"""CPU per warm print(1) execution, several builds side by side.

    /usr/bin/python3 bench/cpu_cost.py N name=BUILD_DIR [name=BUILD_DIR ...]

Starts each build's daemon (pool 2), then, interleaved in blocks of 10
paced requests, reads the CPU the daemon's tree used per execution: the
daemon's own and its reaped children's (every worker is the daemon's child,
its script process init's) plus the zygote's (the clone). Plain python3 and
bwrap + python3 print(1), started by this process, are timed the same way
(children's CPU; bwrap's sandboxed pid 1 is not waited for by bwrap, so its
figure undercounts). Kernel threads' work (namespace teardown) is in none of
them. CPU, unlike wall time, hardly moves with other load on the machine.
"""
import os, subprocess, sys, time, statistics
from warm_client import request
N = int(sys.argv[1]); builds = [a.split("=", 1) for a in sys.argv[2:]]
HZ = os.sysconf("SC_CLK_TCK")
def tree_cpu(pid):
    f = open("/proc/%d/stat" % pid).read().rsplit(")", 1)[1].split()
    return sum(int(x) for x in f[11:15]) / HZ   # utime stime cutime cstime
def zygote(dpid):
    for p in os.listdir("/proc"):
        if p.isdigit():
            try:
                st = open("/proc/%s/stat" % p).read().rsplit(")", 1)[1].split()
                if int(st[1]) == dpid and b"zygote" in open("/proc/%s/cmdline" % p, "rb").read():
                    return int(p)
            except OSError:
                pass
P1 = os.path.join(os.path.dirname(os.path.abspath(__file__)), "scripts", "print1.py")
BW = ["bwrap", "--unshare-all", "--unshare-user", "--uid", "65534", "--gid", "65534", "--die-with-parent", "--new-session",
      "--ro-bind", "/usr", "/usr", "--symlink", "usr/bin", "/bin", "--symlink", "usr/lib", "/lib", "--symlink", "usr/lib64", "/lib64",
      "--proc", "/proc", "--dev", "/dev", "--tmpfs", "/tmp", "--ro-bind", P1, "/p.py", "--cap-drop", "ALL", "/usr/bin/python3", "/p.py"]
peers = {"python3": ["/usr/bin/python3", P1], "bwrap+python3": BW}
ds = {}
try:
    for name, B in builds:
        sock = "/tmp/sandboxrun-cpu.%s.%d" % (name, os.getpid())
        d = subprocess.Popen([B + "/sandboxrun", "serve", "--socket", sock, "--pool", "2"], stderr=subprocess.DEVNULL)
        while not os.path.exists(sock): time.sleep(0.05)
        for _ in range(3): request(sock)
        ds[name] = (d, sock)
    time.sleep(3)
    cpu = {}
    for blk in range(N // 10):
        for name, (d, sock) in ds.items():
            dp = d.pid
            if b"supervisor" not in open("/proc/%d/cmdline" % dp, "rb").read():
                dp = [int(p) for p in os.listdir("/proc") if p.isdigit() and open("/proc/%s/stat" % p).read().rsplit(")", 1)[1].split()[1] == str(d.pid)][0]
            z = zygote(dp)
            c0 = tree_cpu(dp) + tree_cpu(z)
            for _ in range(10):
                request(sock); time.sleep(0.12)   # paced: the refill happens between requests, and is counted
            time.sleep(0.5)
            cpu.setdefault(name, []).append((tree_cpu(dp) + tree_cpu(z) - c0) / 10)
        for name, cmd in peers.items():
            t0 = os.times()
            for _ in range(10):
                subprocess.run(cmd, stdout=subprocess.DEVNULL, check=True)
            t1 = os.times()
            cpu.setdefault(name, []).append((t1.children_user + t1.children_system - t0.children_user - t0.children_system) / 10)
    print("load %.2f; CPU ms per print(1) execution, median of %d blocks of 10 (interleaved)" % (os.getloadavg()[0], N // 10))
    for name, v in cpu.items():
        print("  %-14s %6.1f ms  (blocks: %s)" % (name, 1000 * statistics.median(v), " ".join("%.0f" % (1000 * x) for x in v)))
finally:
    for d, s in ds.values():
        d.terminate(); d.wait()
