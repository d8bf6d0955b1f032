#!/usr/bin/python3
"""tests/ds/time_vs_r.py — R's fits and our forecast on the same series,
back to back, so that both see the same machine load (the committed R
seconds were measured at another time). Needs R with the forecast package
(Debian: r-base-core r-cran-forecast) and a built checkout (make); run as
root (it starts `sandboxrun serve`). Not in make test.

    tests/ds/time_vs_r.py [--before REV] [SERIES:H ...]

Per series, R is timed once and each version of ours (this checkout, and
with --before the scripts/ of git revision REV run by this checkout's
binaries, interleaved series by series) three ways:

* warm, what a user of the forecast tool pays: `sandboxrun --server S
  forecast DATA.csv --horizon H --json` against a `sandboxrun serve` of
  that version (pool 1), i.e. in the jail on a worker cloned from the
  zygote, numpy/pandas/statsmodels/sklearn already imported; the client's
  wall clock. R's counterpart is its fits inside a session that has
  loaded the forecast package (auto.arima + ets + thetaf + snaive, fit and
  forecast, as r_reference.R times them);
* cold: `python3 scripts/forecast.py` as a new process (interpreter start,
  every import, load, EDA, files). R's counterpart is the whole `Rscript`
  process (R's start and library(forecast) included);
* run_forecast's own seconds (the model work, inside the process).

Prints one line per series and version, then a table of the totals and
the ratios to R (warm against R's fits, cold against Rscript).
"""

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
RDATA = ROOT / "tests" / "ds" / "rdata"
DEFAULT = ["AirPassengers:12", "co2:12", "ldeaths:12", "UKgas:8", "austres:8", "lynx:10",
           "Nile:10", "LakeHuron:10"]
R_CODE = """suppressPackageStartupMessages(library(forecast))
x <- ts(read.csv('%s')$value, frequency = %d)
tr <- subset(x, end = length(x) - %d)
t0 <- proc.time()[['elapsed']]
invisible(list(forecast(auto.arima(tr), h = %d), forecast(ets(tr), h = %d),
               thetaf(tr, h = %d), snaive(tr, h = %d)))
cat(proc.time()[['elapsed']] - t0)"""


def frequency(h):
    """The series' frequency from its hold-out length (12, 8 -> 4, 10 -> 1)."""
    return {12: 12, 8: 4}.get(h, 1)


def time_r(data, h):
    """(R's fit seconds, the Rscript process's seconds)."""
    t0 = time.monotonic()
    code = R_CODE % (data, frequency(h), h, h, h, h, h)
    out = subprocess.run(["Rscript", "-e", code], capture_output=True, text=True, check=True)
    return float(out.stdout.strip().split()[-1]), time.monotonic() - t0


class Version:
    """One version of the scripts: its directory (scripts/, policies/,
    build/) and its warm daemon."""

    def __init__(self, name, home, tmp):
        self.name, self.home = name, Path(home)
        self.sock = Path(tmp) / ("%s.sock" % name)
        self.log = open(Path(tmp) / ("%s.log" % name), "w")
        self.daemon = subprocess.Popen([str(self.home / "build" / "sandboxrun"), "serve",
                                        "--socket", str(self.sock), "--pool", "1"],
                                       stdout=self.log, stderr=subprocess.STDOUT)

    def wait_ready(self):
        for _ in range(600):
            if self.sock.exists() and self.warm_ok():
                return
            time.sleep(0.1)
        raise RuntimeError("the %s daemon did not come up (see %s)" % (self.name, self.log.name))

    def warm_ok(self):
        p = subprocess.run([str(self.home / "build" / "sandboxrun"), "--server", str(self.sock),
                            "--json", "-c", "print(1)"], capture_output=True, text=True)
        return p.returncode == 0

    def warm(self, data, h):
        """(client seconds, the record's run_forecast dict) of a warm run."""
        t0 = time.monotonic()
        p = subprocess.run([str(self.home / "build" / "sandboxrun"), "--server", str(self.sock),
                            "forecast", str(data), "--horizon", str(h), "--json"],
                           capture_output=True, text=True)
        secs = time.monotonic() - t0
        rec = json.loads(p.stdout)
        for block in rec.get("blocks", []):
            v = block.get("value")
            if isinstance(v, dict) and v.get("tool") == "forecast":
                return secs, v["forecast"]
        raise RuntimeError("%s warm forecast of %s failed: %s" % (self.name, data, p.stdout[-2000:]))

    def cold(self, data, h, out):
        """(process seconds, CPU seconds, run_forecast dict) of a cold run."""
        env = dict(os.environ, SANDBOXRUN_OUT=out, PYTHONPATH=str(self.home / "scripts"))
        t0 = time.monotonic()
        before = os.times()
        p = subprocess.run(["/usr/bin/python3", str(self.home / "scripts" / "forecast.py"), str(data),
                            "--horizon", str(h)], capture_output=True, text=True, env=env)
        after = os.times()
        secs = time.monotonic() - t0
        cpu = (after.children_user - before.children_user) + (after.children_system - before.children_system)
        lines = p.stdout.splitlines()
        for i, line in enumerate(lines[:-1]):
            if line.strip() == "===JSON_START===":
                return secs, cpu, json.loads(lines[i + 1])["forecast"]
        raise RuntimeError("%s cold forecast of %s failed: %s" % (self.name, data, p.stderr[-2000:]))

    def stop(self):
        self.daemon.terminate()
        try:
            self.daemon.wait(20)
        except subprocess.TimeoutExpired:
            self.daemon.kill()
        self.log.close()


def checkout_of(rev, tmp):
    """scripts/ and policies/ of git revision rev beside a copy of this
    checkout's binaries (they find both relative to themselves)."""
    home = Path(tmp) / "before"
    (home / "build").mkdir(parents=True)
    arch = subprocess.run(["git", "-C", str(ROOT), "archive", rev, "scripts", "policies"],
                          capture_output=True, check=True).stdout
    subprocess.run(["tar", "-x", "-C", str(home)], input=arch, check=True)
    for f in (ROOT / "build").glob("sandboxrun*"):
        if f.is_file():
            shutil.copy2(f, home / "build" / f.name)
    return home


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--before", help="git revision whose scripts/ to time beside this checkout's")
    ap.add_argument("series", nargs="*", default=DEFAULT, help="NAME:H (default: 8 series)")
    a = ap.parse_args()
    tmp = tempfile.mkdtemp(prefix="sandboxrun-time-")
    versions = []
    try:
        if a.before:
            versions.append(Version("before", checkout_of(a.before, tmp), tmp))
        versions.append(Version("after" if a.before else "ours", ROOT, tmp))
        for v in versions:
            v.wait_ready()
        rows = []
        for s in a.series:
            name, h = s.rsplit(":", 1)
            h = int(h)
            data = RDATA / ("%s.csv" % name)
            r_fit, r_proc = time_r(data, h)
            for v in versions:
                out = tempfile.mkdtemp(dir=tmp)
                warm, wfc = v.warm(data, h)
                cold, cpu, cfc = v.cold(data, h, out)
                row = {"series": name, "version": v.name, "r_fit": r_fit, "r_proc": r_proc,
                       "warm": warm, "warm_inner": wfc["seconds"], "cold": cold, "cpu": cpu,
                       "inner": cfc["seconds"], "chosen": cfc["best_model"]}
                rows.append(row)
                print("%-14s %-6s R fits %5.2f Rscript %5.2f | warm %5.2f (run_forecast %5.2f) "
                      "cold %5.2f (CPU %5.2f, run_forecast %5.2f) chosen %s | %s" % (
                          name, v.name, r_fit, r_proc, warm, wfc["seconds"], cold, cpu,
                          cfc["seconds"], cfc["best_model"],
                          " ".join("%s=%.2f" % kv for kv in cfc["timings"].items())), flush=True)
        summary(rows, [v.name for v in versions])
    finally:
        for v in versions:
            v.stop()
        shutil.rmtree(tmp, ignore_errors=True)


def summary(rows, names):
    """Totals per version and the ratios to R, as a markdown table."""
    first = [r for r in rows if r["version"] == names[0]]
    r_fit, r_proc = sum(r["r_fit"] for r in first), sum(r["r_proc"] for r in first)
    print()
    print("%d series; R: fits %.1f s (in a session with forecast loaded), Rscript processes %.1f s"
          % (len(first), r_fit, r_proc))
    print()
    print("| version | warm tool run (s) | / R fits | cold process (s) | / Rscript | CPU (s) "
          "| run_forecast (s) | / R fits |")
    print("|---|---|---|---|---|---|---|---|")
    for n in names:
        mine = [r for r in rows if r["version"] == n]
        t = {k: sum(r[k] for r in mine) for k in ("warm", "cold", "cpu", "inner")}
        print("| %s | %.1f | %.2f | %.1f | %.2f | %.1f | %.1f | %.2f |" % (
            n, t["warm"], t["warm"] / r_fit, t["cold"], t["cold"] / r_proc, t["cpu"],
            t["inner"], t["inner"] / r_fit))


if __name__ == "__main__":
    sys.exit(main())
