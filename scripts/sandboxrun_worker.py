"""A warm worker's first steps, in the jail, before its request comes.

Every warm worker is a clone of one zygote (sandbox/run/sb_zygote.c), so it
starts with the zygote's random state: ``warm_up`` (called by
``sb_python_warm_up``) gives it fresh seeds of its own, then compiles and
runs a little code, so the copy-on-write faults of doing so are taken now
and not on the request's clock. A worker that cannot run this refuses to
serve: runs sharing one seed would see each other's random numbers.
"""

import random
import sys


def reseed():
    """Seed random (and numpy's global generator, if imported) from the OS."""
    random.seed()
    numpy = sys.modules.get("numpy")
    if numpy is not None:
        numpy.random.seed()


def _exercise(n):
    """A few bytecodes of the kinds every script runs."""
    return [str(i) for i in range(n)]


def warm_up():
    """Reseed, then compile and run a small piece of code."""
    reseed()
    exec(compile("_exercise(3)\n", "<warm>", "exec"), {"_exercise": _exercise})
