#!/usr/bin/python3
"""tests/ds/compare_r.py — sandboxrun's forecasts against R's forecast package.

    tests/ds/compare_r.py [--jail] [--only NAME,...] [--extra-args "..."]

For every series in tests/ds/rdata/r_results.csv (written by
tests/ds/r_reference.R where R is installed; committed, so R is not needed
here) it runs scripts/forecast.py on tests/ds/rdata/<series>.csv with the
same hold-out (--horizon H) at default settings, unjailed with
/usr/bin/python3 or, with --jail, as users do through
`build/sandboxrun forecast DATA.csv --json`. It writes
tests/ds/rdata/sandboxrun_results.csv (hold-out MASE of each of our models,
the CV-chosen model and its hold-out MASE, seconds) and prints the markdown
table of scripts/README.md with the medians and the win/loss counts.
Not part of make test (about 5 minutes); tests/ds/run re-checks a few rows.
"""

import argparse
import csv
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
RDATA = ROOT / "tests" / "ds" / "rdata"
OURS = ["seasonal_naive", "ets", "sarima", "theta", "combination", "gbm"]
R_METHODS = ["auto.arima", "ets", "thetaf", "snaive"]


def r_results():
    """{series: {"h", "frequency", method: {mase, seconds, form}}} from r_results.csv."""
    out = {}
    with open(RDATA / "r_results.csv", newline="") as f:
        for row in csv.DictReader(f):
            s = out.setdefault(row["series"], {"h": int(row["h"]), "frequency": float(row["frequency"])})
            s[row["method"]] = {"mase": float(row["mase"]), "seconds": float(row["seconds"]),
                                "form": row["form"]}
    return out


def run_ours(name, h, jail=False, extra=()):
    """Run forecast.py on one series; returns (forecast dict, seconds)."""
    data = RDATA / ("%s.csv" % name)
    args = ["--horizon", str(h), *extra]
    t0 = time.monotonic()
    with tempfile.TemporaryDirectory(prefix="sandboxrun-cmp-") as out:
        if jail:
            cmd = [str(ROOT / "build" / "sandboxrun"), "forecast", str(data), "--json", *args]
            p = subprocess.run(cmd, capture_output=True, text=True, timeout=900)
            value = jail_value(p.stdout)
        else:
            env = dict(os.environ, SANDBOXRUN_OUT=out, PYTHONPATH=str(ROOT / "scripts"))
            cmd = ["/usr/bin/python3", str(ROOT / "scripts" / "forecast.py"), str(data), *args]
            p = subprocess.run(cmd, capture_output=True, text=True, timeout=900, env=env)
            value = first_json(p.stdout)
    secs = time.monotonic() - t0
    if value is None or "forecast" not in value:
        raise RuntimeError("%s: forecast failed (rc %d): %s" % (name, p.returncode, p.stderr[-2000:]))
    return value["forecast"], secs


def first_json(stdout):
    """The first JSON block of a script's stdout (===JSON_START=== framing)."""
    lines = stdout.splitlines()
    for i, line in enumerate(lines):
        if line.strip() == "===JSON_START===" and i + 1 < len(lines):
            return json.loads(lines[i + 1])
    return None


def jail_value(stdout):
    """The forecast block from `sandboxrun forecast --json` output."""
    rec = json.loads(stdout)
    for block in rec.get("blocks", rec.get("outputs", [])):
        v = block.get("value", block.get("json"))
        if isinstance(v, dict) and v.get("tool") == "forecast":
            return v
    return None


def comparable(rows):
    """Rows where forecast.py held out the same H points as R did."""
    return [r for r in rows if int(r["our_h"]) == int(r["h"])]


def median(xs):
    xs = sorted(x for x in xs if x is not None)
    n = len(xs)
    return None if not n else (xs[n // 2] if n % 2 else (xs[n // 2 - 1] + xs[n // 2]) / 2)


def fmt(x):
    return "—" if x is None else "%.3f" % x


def table(rows):
    """Markdown table and summary lines."""
    head = ("| series | H | auto.arima | ets | thetaf | snaive | SARIMA | ETS | Theta | comb. "
            "| chosen (by CV) | chosen MASE | R s | our s |")
    lines = [head, "|" + "---|" * 14]
    for r in rows:
        if r["our_h"] != r["h"]:
            lines.append("| %s | %d | %s | %s | %s | %s | *not comparable: the series is short, "
                         "forecast.py held out %d points* | | | | | | %.1f | %.1f |" % (
                             r["series"], r["h"], *(fmt(r["r_" + m]) for m in R_METHODS),
                             r["our_h"], r["r_seconds"], r["seconds"]))
            continue
        lines.append("| %s | %d | %s | %s | %s | %s | %s | %s | %s | %s | %s | %s | %.1f | %.1f |" % (
            r["series"], r["h"], *(fmt(r["r_" + m]) for m in R_METHODS),
            fmt(r["sarima"]), fmt(r["ets"]), fmt(r["theta"]), fmt(r["combination"]),
            r["chosen"], fmt(r["chosen_mase"]), r["r_seconds"], r["seconds"]))
    rows = comparable(rows)
    med = {k: median([r[k] for r in rows]) for k in
           ["r_" + m for m in R_METHODS] + OURS + ["chosen_mase"]}
    lines.append("| **median** | | %s | %s | %s | %s | %s | %s | %s | %s | | %s | | |" % (
        *(fmt(med["r_" + m]) for m in R_METHODS), fmt(med["sarima"]), fmt(med["ets"]),
        fmt(med["theta"]), fmt(med["combination"]), fmt(med["chosen_mase"])))
    summary = []
    for ours, theirs in (("sarima", "auto.arima"), ("ets", "ets"), ("theta", "thetaf")):
        w = sum(1 for r in rows if r[ours] is not None and r[ours] < r["r_" + theirs] - 1e-3)
        lo = sum(1 for r in rows if r[ours] is None or r[ours] > r["r_" + theirs] + 1e-3)
        summary.append("our %s vs R's %s: %d wins, %d losses, %d ties (within 0.001)"
                       % (ours, theirs, w, lo, len(rows) - w - lo))
    best_r = min(med["r_" + m] for m in R_METHODS)
    summary.append("median MASE of the CV-chosen model %.3f; best single R method %.3f "
                   "(medians and counts over the %d series with the same hold-out)"
                   % (med["chosen_mase"], best_r, len(rows)))
    summary.append("total seconds: R (auto.arima + ets + thetaf + snaive, fits only) %.1f; "
                   "sandboxrun forecast.py %.1f per process (of which %.1f inside run_forecast: "
                   "EDA of the training part, SARIMA/ETS choice, 3-origin cross-validation of "
                   "the models, hold-out, final refit), %.1f without a boosting study "
                   "(--boosting)" % (sum(r["r_seconds"] for r in rows), sum(r["seconds"] for r in rows),
                                       sum(r["in_seconds"] for r in rows),
                                       sum(r["stat_seconds"] for r in rows)))
    return lines, summary


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--jail", action="store_true", help="run through build/sandboxrun forecast")
    ap.add_argument("--only", help="comma-separated series names")
    ap.add_argument("--extra-args", default="", help="more forecast.py arguments")
    ap.add_argument("--out", default=str(RDATA / "sandboxrun_results.csv"))
    a = ap.parse_args()
    ref = r_results()
    names = a.only.split(",") if a.only else list(ref)
    rows = []
    for name in names:
        r = ref[name]
        fc, secs = run_ours(name, r["h"], a.jail, a.extra_args.split())
        ours = {m["name"]: (m["holdout"] or {}).get("mase") for m in fc["models"]}
        forms = {m["name"]: (m["params"] or {}).get("form") for m in fc["models"]}
        row = {"series": name, "h": r["h"], **{"r_" + m: r[m]["mase"] for m in R_METHODS},
               "r_seconds": sum(r[m]["seconds"] for m in R_METHODS),
               **{m: ours.get(m) for m in OURS},
               "chosen": fc["best_model"], "chosen_mase": ours.get(fc["best_model"]),
               "our_h": fc["horizon"], "in_seconds": fc["seconds"],
               "stat_seconds": fc["seconds"] - fc["timings"]["gbm_tuning"],
               "seconds": secs, "sarima_form": forms.get("sarima"), "ets_form": forms.get("ets"),
               "r_arima_form": r["auto.arima"]["form"], "r_ets_form": r["ets"]["form"]}
        rows.append(row)
        print("# %s done in %.1fs: chosen %s %.3f" % (name, secs, row["chosen"], row["chosen_mase"] or -1),
              file=sys.stderr, flush=True)
    with open(a.out, "w", newline="") as f:
        w = csv.DictWriter(f, fieldnames=list(rows[0]))
        w.writeheader()
        for row in rows:
            w.writerow({k: ("%.6g" % v if isinstance(v, float) else v) for k, v in row.items()})
    lines, summary = table(rows)
    print("\n".join(lines))
    print()
    print("\n".join("* " + s for s in summary))


if __name__ == "__main__":
    main()
