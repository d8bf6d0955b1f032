"""A warm worker's first steps, in the jail, before its request comes.

Every warm worker is a clone of one zygote (sandbox/run/sb_zygote.c), so it
starts with the zygote's random state: ``warm_up`` (called by
``sb_python_warm_up``) gives it fresh seeds of its own, then compiles and
runs a little code, so the copy-on-write faults of doing so are taken now
and not on the request's clock, and sets up the display hooks
(sandboxrun_display.prepare) for the same reason. A worker that cannot
reseed refuses to serve: runs sharing one seed would see each other's
random numbers. One whose display hooks fail serves without them, as a
run whose sandboxrun_display.start fails does.
"""

import os
import random
import sys


def reseed():
    """Seed random (and numpy's global generator, if imported) from the OS.

    numpy's legacy generator gets a whole MT19937 key of OS entropy through
    set_state (the first bit set, as its init_by_array sets it, so the key is
    never all zeros), not numpy.random.seed(), which derives the same kind
    of key through a SeedSequence at 2.5x the cost (0.87 ms -> 0.35 ms, 190
    -> 82 page faults in a fresh fork of the zygote)."""
    random.seed()
    numpy = sys.modules.get("numpy")
    if numpy is not None:
        key = numpy.frombuffer(os.urandom(624 * 4), dtype=numpy.uint32).copy()
        key[0] |= 0x80000000
        numpy.random.set_state(("MT19937", key, 624, 0, 0.0))


def _exercise(n):
    """A few bytecodes of the kinds every script runs."""
    return [str(i) for i in range(n)]


def warm_up():
    """Reseed, compile and run a small piece of code, prepare the display
    hooks. The jail's environment is os.environ's by now."""
    reseed()
    exec(compile("_exercise(3)\n", "<warm>", "exec"), {"_exercise": _exercise})
    try:
        import sandboxrun_display
        sandboxrun_display.prepare()
    except Exception:   # noqa: BLE001 - as a failed start(): no display hooks, the run goes on
        pass
