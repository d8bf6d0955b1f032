"""The in-jail half of a session's tools (MCP and AgentCore).

The session's supervisor calls ``run_json`` through the C API for a request's
``before``, ``call`` and ``after`` helpers (sandbox/modes/sb_session.h): one
JSON object in, one JSON answer out, which travels back in the execution's
done-frame (the report channel, not stdout) and lands in the result record's
``answers``. Paths are resolved here, with the jail's own view of the file
system: only /tmp and /out are reachable, relative paths are under /tmp.

Ops (the object's ``op``):

* ``write`` {files: [{path, content, encoding}], strict?}: write each file;
  with ``strict`` the first failure stops the rest and answers ``failed``
  (a ``before`` helper that fails keeps the code from running);
* ``read`` {paths, encoding: auto|utf-8|base64, cap}: read files, at most
  ``cap`` bytes in all;
* ``remove`` {paths, recursive?}; ``list`` {path?, recursive?};
* ``images`` {seen: {path: sha256}, max, cap}: the PNG files under /out not
  shown yet (new, or changed), at most ``max``, each at most ``cap`` bytes;
* ``command`` {command}: run a shell command; the answer is its exit code,
  which becomes the execution's exit status;
* ``task`` {task: start|get|stop, taskId, command?, cap}: background commands;
* ``clear``: forget the session's variables (AgentCore's clearContext).
"""

import base64
import hashlib
import json
import os
import shutil
import signal
import stat
import subprocess
import sys

import sandboxrun_command

TMP, OUT = "/tmp", "/out"   # the jail's; tests/helpers points them elsewhere
DEFAULT_CAP = 8 << 20
LIST_MAX = 1000
TASK_DIR = ".sandboxrun-tasks"   # under TMP


def _roots():
    """The two directories a path may reach."""
    return (TMP, OUT)


def _inside(real):
    """Whether a resolved path is one of the roots or under one."""
    return any(real == r or real.startswith(r + "/") for r in _roots())


def _absolute(path):
    """path made absolute (relative paths are under /tmp) and normalized."""
    return os.path.normpath(path if path.startswith("/") else os.path.join(TMP, path))


def _follow(path):
    """path resolved through every link; it must stay under /tmp or /out."""
    real = os.path.realpath(_absolute(path))
    if not _inside(real):
        raise PermissionError("resolves outside /tmp and /out")
    return real


def _no_follow(path):
    """path with its directory resolved and its last part kept as it is."""
    a = _absolute(path)
    real = os.path.join(os.path.realpath(os.path.dirname(a)), os.path.basename(a))
    if not _inside(real) or real in _roots():
        raise PermissionError("not a file under /tmp or /out")
    return real


def _failure(exc):
    """The text an answer gives for an exception."""
    return "%s: %s" % (type(exc).__name__, exc)


def _write_one(f):
    """Write one {path, content, encoding} file, never through a final link."""
    real = _no_follow(f["path"])
    if f.get("encoding") == "base64":
        data = base64.b64decode(f["content"])
    else:
        data = f["content"].encode("utf-8")
    os.makedirs(os.path.dirname(real), exist_ok=True)
    real = _no_follow(f["path"])   # again: the directories may have changed meanwhile
    fd = os.open(real, os.O_WRONLY | os.O_CREAT | os.O_TRUNC | os.O_NOFOLLOW, 0o644)
    with os.fdopen(fd, "wb") as fh:
        fh.write(data)
    return {"path": f["path"], "size": len(data)}


def write(req):
    """The write op: per-file answers; strict stops at the first failure."""
    out = []
    for f in req["files"]:
        try:
            out.append(_write_one(f))
        except Exception as e:
            out.append({"path": f.get("path"), "error": _failure(e)})
            if req.get("strict"):
                return {"files": out, "failed": True}
    return {"files": out}


def _decode(data, encoding):
    """data as text for the read op's encoding, or None for base64."""
    if encoding == "base64":
        return None
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        if encoding == "utf-8":
            raise ValueError("not valid UTF-8; read it with encoding base64") from None
        return None
    return None if encoding == "auto" and "\x00" in text else text


def _read_bytes(path, budget):
    """The bytes of the regular file at path (links followed inside the roots)."""
    fd = os.open(_follow(path), os.O_RDONLY | os.O_NONBLOCK)
    with os.fdopen(fd, "rb") as fh:
        if not stat.S_ISREG(os.fstat(fd).st_mode):
            raise IsADirectoryError("not a regular file")
        return fh.read(budget + 1)


def read(req):
    """The read op: each path's content, under one byte budget for the call."""
    cap = req.get("cap", DEFAULT_CAP)
    encoding = req.get("encoding") or "auto"
    left = cap
    out = []
    for p in req["paths"]:
        try:
            data = _read_bytes(p, left)
            if len(data) > left:
                raise ValueError("too large: at most %d bytes in all per call" % cap)
            left -= len(data)
            text = _decode(data, encoding)
            if text is None:
                out.append({"path": p, "size": len(data), "encoding": "base64",
                            "content": base64.b64encode(data).decode()})
            else:
                out.append({"path": p, "size": len(data), "encoding": "utf-8", "content": text})
        except Exception as e:
            out.append({"path": p, "error": _failure(e)})
    return {"files": out}


def _remove_one(path, recursive):
    """Remove a file, or a directory tree when recursive."""
    real = _no_follow(path)
    if stat.S_ISDIR(os.lstat(real).st_mode):
        if not recursive:
            raise IsADirectoryError("a directory; pass recursive: true")
        shutil.rmtree(real)
    else:
        os.unlink(real)
    return {"path": path, "removed": True}


def remove(req):
    """The remove op: per-path answers."""
    out = []
    for p in req["paths"]:
        try:
            out.append(_remove_one(p, req.get("recursive")))
        except Exception as e:
            out.append({"path": p, "error": _failure(e)})
    return {"files": out}


def _kind(mode):
    """A listing entry's type."""
    if stat.S_ISDIR(mode):
        return "dir"
    if stat.S_ISREG(mode):
        return "file"
    return "symlink" if stat.S_ISLNK(mode) else "other"


def _names(base, recursive):
    """The paths a listing shows, in order: sorted, directories first per level."""
    if not recursive:
        for n in sorted(os.listdir(base)):
            yield os.path.join(base, n)
        return
    for d, dirs, files in os.walk(base):
        for n in sorted(dirs) + sorted(files):
            yield os.path.join(d, n)


def listing(req):
    """The list op: at most LIST_MAX entries, and whether more were left out."""
    try:
        out = []
        for path in _names(_follow(req.get("path") or TMP), req.get("recursive")):
            if len(out) == LIST_MAX:
                return {"entries": out, "truncated": True}
            st = os.lstat(path)
            out.append({"path": path, "type": _kind(st.st_mode), "size": st.st_size})
        return {"entries": out, "truncated": False}
    except Exception as e:
        return {"error": _failure(e)}


def _pngs(top):
    """Regular .png files under top (no links followed), sorted."""
    for d, dirs, files in os.walk(top):
        dirs.sort()
        for n in sorted(files):
            path = os.path.join(d, n)
            try:
                regular = stat.S_ISREG(os.lstat(path).st_mode)
            except OSError:   # gone meanwhile
                continue
            if n.lower().endswith(".png") and regular:
                yield path


def images(req):
    """The images op: PNGs under /out whose sha256 is not the one seen."""
    seen, cap, most = req.get("seen") or {}, req.get("cap", DEFAULT_CAP), req.get("max", 0)
    out = []
    for path in _pngs(OUT):
        if len(out) >= most:
            break
        try:
            data = _read_bytes(path, cap)
        except OSError:
            continue
        sha = hashlib.sha256(data).hexdigest()
        if len(data) <= cap and seen.get(path) != sha:
            out.append({"path": path, "sha256": sha, "content": base64.b64encode(data).decode()})
    return {"files": out}


def _tail(path, cap):
    """The first cap bytes of a task's output file, as text."""
    try:
        with open(path, "rb") as f:
            return f.read(cap).decode("utf-8", "replace")
    except OSError:
        return ""


def _task_state(t):
    """(taskStatus, return code or None) of a task."""
    rc = t["p"].poll()
    if t["status"] == "canceled":
        return "canceled", rc
    if rc is None:
        return "working", None
    return ("completed" if rc == 0 else "failed"), rc


def _stop(t):
    """Stop a task's process group: TERM, then KILL after 2 s."""
    if t["p"].poll() is not None:
        return
    try:
        os.killpg(t["p"].pid, signal.SIGTERM)
        t["p"].wait(2)
    except subprocess.TimeoutExpired:
        os.killpg(t["p"].pid, signal.SIGKILL)
        t["p"].wait()
    except ProcessLookupError:
        pass
    t["status"] = "canceled"


def task(req):
    """The task op: start, get or stop a background command of the session.

    Tasks are kept in sys (clearing the session's variables leaves them),
    their output in /tmp/.sandboxrun-tasks/ID.out and .err."""
    tasks = sys.__dict__.setdefault("_sandboxrun_tasks", {})
    tid, cap = req["taskId"], req.get("cap", 1 << 20)
    base = os.path.join(TMP, TASK_DIR, tid)
    if req["task"] == "start":
        os.makedirs(os.path.dirname(base), exist_ok=True)
        with open(base + ".out", "wb") as o, open(base + ".err", "wb") as e:
            argv, _ = sandboxrun_command.shell_argv(req.get("command", ""), os.path.dirname(base))
            p = subprocess.Popen(argv, stdin=subprocess.DEVNULL,
                                 stdout=o, stderr=e, start_new_session=True)
        tasks[tid] = {"p": p, "status": "working"}
    t = tasks.get(tid)
    if t is None:
        return {"taskId": tid, "error": "no task " + tid + " in this session"}
    if req["task"] == "stop":
        _stop(t)
    status, rc = _task_state(t)
    out = {"taskId": tid, "taskStatus": status, "stdout": _tail(base + ".out", cap),
           "stderr": _tail(base + ".err", cap)}
    if rc is not None:
        out["exitCode"] = sandboxrun_command.exit_code(rc)
    return out


def clear(req):
    """The clear op: drop the session's variables (names without a leading __)."""
    g = sys.modules["__main__"].__dict__
    for name in [n for n in g if not n.startswith("__")]:
        del g[name]
    return {"cleared": True}


def command(req):
    """The command op: the exit code of the shell command."""
    return sandboxrun_command.run(req["command"])


OPS = {"write": write, "read": read, "remove": remove, "list": listing, "images": images,
       "task": task, "clear": clear, "command": command}


def run(req):
    """One helper request: its answer (a dict), or an int exit status."""
    op = OPS.get(req.get("op"))
    if op is None:
        raise ValueError("unknown session helper op %r" % req.get("op"))
    return op(req)


def run_json(text):
    """run() for the C side: JSON text in; JSON text, or an int, out."""
    answer = run(json.loads(text))
    return answer if isinstance(answer, int) else json.dumps(answer, ensure_ascii=False)
