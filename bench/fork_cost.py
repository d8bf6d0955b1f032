"""What a fork from a warm parent costs a script, without any jail.

    /usr/bin/python3 bench/fork_cost.py [--warmup FILE] SCRIPT.py

Imports the warm daemon's default preload list (and runs the warm-up FILE,
as the zygote does), freezes the collector like the zygote, then runs
SCRIPT twice in this process and twice in a forked child. Prints wall time
and minor page faults per run: the child's extra faults on its first run
are copy-on-write copies of the parent's heap, the cost every warm worker
pays on top of the jail. Uses CO2_CSV and SANDBOXRUN_OUT like the bench.
"""

import contextlib
import gc
import importlib
import io
import os
import resource
import runpy
import sys
import time
import warnings

PRELOAD = "numpy,pandas,scipy.stats,statsmodels.api,statsmodels.tsa.api,sklearn,plotly.graph_objects,plotly.io"
ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def run(script, tag):
    f0 = resource.getrusage(resource.RUSAGE_SELF).ru_minflt
    t0 = time.perf_counter()
    with contextlib.redirect_stdout(io.StringIO()), warnings.catch_warnings():
        warnings.simplefilter("ignore")
        runpy.run_path(script, run_name="__main__")
    dt = time.perf_counter() - t0
    print("%-14s %7.1f ms  %6d minor faults" % (tag, dt * 1000, resource.getrusage(resource.RUSAGE_SELF).ru_minflt - f0),
          flush=True)


def main():
    args = sys.argv[1:]
    warmup = None
    if args[:1] == ["--warmup"]:
        warmup, args = args[1], args[2:]
    if len(args) != 1:
        sys.exit(__doc__)
    script = args[0]
    os.environ.setdefault("CO2_CSV", "/usr/lib/python3/dist-packages/statsmodels/datasets/co2/co2.csv")
    os.environ.setdefault("SANDBOXRUN_OUT", "/tmp/sandboxrun-fork-cost")
    os.makedirs(os.environ["SANDBOXRUN_OUT"], exist_ok=True)
    sys.path.insert(0, os.path.join(ROOT, "scripts"))
    for name in PRELOAD.split(","):
        importlib.import_module(name)
    if warmup:
        runpy.run_path(warmup, run_name="__sandboxrun_warmup__")
    gc.collect()
    gc.freeze()
    pid = os.fork()
    if pid == 0:
        run(script, "child, 1st")
        run(script, "child, 2nd")
        os._exit(0)
    os.waitpid(pid, 0)
    run(script, "parent, 1st")
    run(script, "parent, 2nd")


if __name__ == "__main__":
    main()
