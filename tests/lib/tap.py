"""Tiny TAP producer and a runner for the real sandboxrun binary (test-only)."""

import json
import os
import subprocess
import sys
import threading
import time

ROOT = os.environ.get("SANDBOXRUN_ROOT") or os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
BIN = os.path.join(ROOT, "build", "sandboxrun")


def must_work():
    """True when the run demands that nothing skips for a missing tool (CI)."""
    return os.environ.get("SANDBOXRUN_MUST_WORK") == "1"


class Tap:
    """Numbered ok/not ok lines; done() prints the plan and exits 1 on failure."""

    def __init__(self):
        self.n = 0
        self.failed = 0
        # SANDBOXRUN_TEST_TIMES=1: each check is followed by "# +S s" since the last
        self.times = os.environ.get("SANDBOXRUN_TEST_TIMES") == "1"
        self.last = time.monotonic()
        self._held = threading.local()   # a parallel() call's checks, printed once all are done

    def ok(self, cond, what, detail=""):
        held = getattr(self._held, "checks", None)
        if held is not None:
            held.append((self.ok, (cond, what, detail)))
            return cond
        self.n += 1
        print("%sok %d - %s" % ("" if cond else "not ", self.n, what), flush=True)
        if not cond:
            self.failed += 1
            for line in str(detail).splitlines()[:30]:
                print("#   " + line)
        self._time()
        return cond

    def skip(self, what, why, kernel_limit=False):
        """A check that cannot run here. Under SANDBOXRUN_MUST_WORK=1 (CI) a
        skip for a missing tool is a failure; kernel_limit marks one the
        machine itself rules out (a limit of the kernel or of running
        unprivileged), which stays a skip."""
        held = getattr(self._held, "checks", None)
        if held is not None:
            held.append((self.skip, (what, why, kernel_limit)))
            return
        if must_work() and not kernel_limit:
            self.ok(False, "%s (SANDBOXRUN_MUST_WORK is set, would skip: %s)" % (what, why))
            return
        self.n += 1
        print("ok %d - %s # SKIP %s" % (self.n, what, why), flush=True)
        self._time()

    def _time(self):
        if self.times:
            now = time.monotonic()
            print("# +%.2f s" % (now - self.last), flush=True)
            self.last = now

    def diag(self, text):
        held = getattr(self._held, "checks", None)
        if held is not None:
            held.append((self.diag, (text,)))
            return
        for line in str(text).splitlines():
            print("# " + line)

    def guard(self, fn, *args):
        """Call fn(*args); an exception it raises is one failure, with its
        traceback, and the suite goes on."""
        try:
            return fn(*args)
        except Exception:   # noqa: BLE001 - any crash of a check is a failed check
            import traceback
            self.ok(False, "%s raised" % fn.__name__, traceback.format_exc())
            return None

    def parallel(self, *calls):
        """Run calls [(fn, arg, ...)] at once, each in a thread of its own
        (groups that mostly wait: on a sleep, a timeout, a server); then
        print their checks in the order of calls, as one after another
        would have. A call that raises is one failure (guard)."""
        def one(call, out):
            self._held.checks = out
            try:
                self.guard(*call)
            finally:
                self._held.checks = None
        outs = [[] for _ in calls]
        threads = [threading.Thread(target=one, args=(c, o)) for c, o in zip(calls, outs)]
        for th in threads:
            th.start()
        for th in threads:
            th.join()
        for out in outs:
            for fn, args in out:
                fn(*args)

    def done(self):
        print("1..%d" % self.n)
        sys.exit(1 if self.failed else 0)


def as_user_prefix(user):
    """Command prefix that runs as user (None for the current one)."""
    if not user:
        return []
    return ["setpriv", "--reuid=" + user, "--regid=" + ("nogroup" if user == "nobody" else user),
            "--clear-groups"]


def run(args, user=None, stdin=None, timeout=120, cwd=None, env=None):
    """Run sandboxrun with args; return (exit code, stdout, stderr)."""
    p = subprocess.run(as_user_prefix(user) + [BIN] + args, input=stdin, capture_output=True,
                       timeout=timeout, cwd=cwd, env=env)
    return p.returncode, p.stdout.decode("utf-8", "replace"), p.stderr.decode("utf-8", "replace")


def run_json(code, args=(), user=None, timeout=120, cwd=None):
    """Run code with --json; return (exit code, record or None, stderr)."""
    rc, out, err = run(["--json"] + list(args) + ["-c", code], user=user, timeout=timeout, cwd=cwd)
    try:
        rec = json.loads(out)
    except ValueError:
        rec = None
    return rc, rec, err


def host_pids():
    """Every pid on the host now."""
    return {int(p) for p in os.listdir("/proc") if p.isdigit()}


def parent(pid):
    try:
        return int(open("/proc/%d/stat" % pid).read().rsplit(")", 1)[1].split()[1])
    except (OSError, ValueError, IndexError):
        return 0


def mine(pid, root=None):
    """Whether pid descends from root (this process by default). With
    PR_SET_CHILD_SUBREAPER set (become_subreaper), whatever our children
    leave behind is reparented to us, not to pid 1: "ours" is then exactly
    our process tree, whatever else runs on the machine."""
    root = root or os.getpid()
    a, seen = parent(pid), 0
    while a > 1 and seen < 64:
        if a == root:
            return True
        a, seen = parent(a), seen + 1
    return False


def become_subreaper():
    """Orphans of our children (a daemon's workers, once it is gone) become
    ours, so that mine() sees them."""
    import ctypes
    ctypes.CDLL(None, use_errno=True).prctl(36, 1, 0, 0, 0)   # PR_SET_CHILD_SUBREAPER


def not_ours(pids, host_before):
    """The pids that descend from a host process which existed before the
    run and is not this runner (another engineer's daemon or test on a shared
    machine); a leftover of our run descends from our sandboxrun, or was
    reparented to pid 1."""
    mine, res = os.getpid(), set()
    for p in pids:
        a, seen = parent(p), 0
        while a > 1 and seen < 64:
            if a in host_before and a != mine:
                res.add(p)
                break
            a, seen = parent(a), seen + 1
    return res
