"""Independent pieces of model work on two CPUs.

``pmap(fn, items)`` is ``[fn(x) for x in items]``, with every other item
computed in a forked child process when this process may run on two or
more CPUs (its affinity mask; the jail's cgroup and the operator's
``taskset`` set it). The child is a copy-on-write fork: it sees the same
data and modules, runs its share, sends the results back pickled through
a pipe and leaves with ``os._exit`` (no atexit handler, no flush of the
parent's buffered output). The results are those of the serial loop, in
order; if the fork fails, the work runs serially. fn and its results must
be picklable only as far as the results go (fn itself is inherited).
"""

import os
import pickle

MAX_WORKERS = 2


def workers():
    """How many processes pmap uses: the CPUs this process may run on, at
    most MAX_WORKERS."""
    try:
        return max(1, min(MAX_WORKERS, len(os.sched_getaffinity(0))))
    except (AttributeError, OSError):  # pragma: no cover - not Linux
        return 1


def pmap(fn, items):
    """[fn(x) for x in items]; the odd-numbered items in a child process
    when there are two CPUs. An exception in either half is raised here
    (the child's as RuntimeError with its text), after the child is reaped."""
    items = list(items)
    if workers() < 2 or len(items) < 2:
        return [fn(x) for x in items]
    mine, theirs = items[0::2], items[1::2]
    r, w = os.pipe()
    try:
        pid = os.fork()
    except OSError:
        os.close(r)
        os.close(w)
        return [fn(x) for x in items]
    if pid == 0:                                    # the child: its half, then exit
        os.close(r)
        try:
            payload = pickle.dumps(("ok", [fn(x) for x in theirs]), pickle.HIGHEST_PROTOCOL)
        except BaseException as e:  # noqa: B902 - reported to the parent, which raises
            payload = pickle.dumps(("error", "%s: %s" % (type(e).__name__, e)))
        _write_all(w, payload)
        os._exit(0)
    os.close(w)
    try:
        first = [fn(x) for x in mine]
    finally:
        data = _read_all(r)
        os.close(r)
        os.waitpid(pid, 0)
    status, second = pickle.loads(data) if data else ("error", "the worker process died")
    if status != "ok":
        raise RuntimeError("parallel worker: %s" % second)
    out = []
    for i in range(len(items)):
        out.append(first[i // 2] if i % 2 == 0 else second[i // 2])
    return out


def _write_all(fd, data):
    view = memoryview(data)
    while view:
        view = view[os.write(fd, view):]
    os.close(fd)


def _read_all(fd):
    chunks = []
    while True:
        b = os.read(fd, 1 << 16)
        if not b:
            return b"".join(chunks)
        chunks.append(b)
