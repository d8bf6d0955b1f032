"""Unjailed reference for the EDA overhead check: a plain python3 process that
imports the warm zygote's preload list first, then runs SCRIPT with runpy and
times only the script part.

    /usr/bin/python3 bench/preimported.py MOD,MOD,... SCRIPT.py

The script's own output goes to stdout as usual; the script-part seconds are
the last line of stderr: BENCH_SCRIPT_SECONDS=0.123456
"""

import importlib
import runpy
import sys
import time


def main():
    mods, script = sys.argv[1], sys.argv[2]
    for name in filter(None, mods.split(",")):
        importlib.import_module(name)
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
