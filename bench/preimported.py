"""Unjailed reference for the EDA overhead check: a plain python3 process that
imports the warm zygote's preload list first, then runs SCRIPT with runpy and
times only the script part.

    /usr/bin/python3 bench/preimported.py [--warmup FILE] MOD,MOD,... SCRIPT.py

With --warmup, FILE (the zygote's scripts/warmup.py) runs after the imports,
as the warm daemon's zygote does: the like-for-like reference for the jail.

The script's own output goes to stdout as usual; the script-part seconds are
the last line of stderr: BENCH_SCRIPT_SECONDS=0.123456
"""

import importlib
import runpy
import sys
import time


def main():
    args = sys.argv[1:]
    warmup = None
    if args[:1] == ["--warmup"]:
        warmup, args = args[1], args[2:]
    mods, script = args[0], args[1]
    for name in filter(None, mods.split(",")):
        importlib.import_module(name)
    if warmup:
        runpy.run_path(warmup, run_name="__sandboxrun_warmup__")
    sys.argv = [script]
    t0 = time.perf_counter()
    try:
        runpy.run_path(script, run_name="__main__")
    finally:
        dt = time.perf_counter() - t0
        sys.stdout.flush()
        sys.stderr.write("\nBENCH_SCRIPT_SECONDS=%.6f\n" % dt)
        sys.stderr.flush()


if __name__ == "__main__":
    main()
