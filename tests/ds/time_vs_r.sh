#!/bin/bash
# tests/ds/time_vs_r.sh — R's four fits and our forecast.py on the same
# series, back to back, so that both see the same machine load (the
# committed R seconds were measured at another time). Needs R with the
# forecast package (Debian: r-base-core r-cran-forecast); not in make test.
#   tests/ds/time_vs_r.sh [SERIES:H ...]
# Prints per series: R's seconds (auto.arima + ets + thetaf + snaive, fit
# and forecast, inside R as r_reference.R times them) and the whole Rscript
# process's, our process's wall and CPU seconds, run_forecast's seconds and
# its timings; then the totals and the ratios (ours / R's), in one run.
set -euo pipefail
cd "$(dirname "$0")/../.."
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
[ $# -gt 0 ] || set -- AirPassengers:12 co2:12 ldeaths:12 UKgas:8 austres:8 lynx:10 Nile:10 LakeHuron:10
now() { date +%s.%N; }
for s in "$@"; do
  n=${s%:*}; h=${s#*:}
  f=$([ "$h" = 12 ] && echo 12 || { [ "$h" = 8 ] && echo 4 || echo 1; })
  t0=$(now)
  r=$(Rscript -e "suppressPackageStartupMessages(library(forecast))
    x <- ts(read.csv('tests/ds/rdata/$n.csv')\$value, frequency = $f)
    tr <- subset(x, end = length(x) - $h)
    t0 <- proc.time()[['elapsed']]
    invisible(list(forecast(auto.arima(tr), h = $h), forecast(ets(tr), h = $h),
                   thetaf(tr, h = $h), snaive(tr, h = $h)))
    cat(proc.time()[['elapsed']] - t0)")
  t1=$(now)
  json=$(SANDBOXRUN_OUT="$out" PYTHONPATH=scripts /usr/bin/time -f '%U %S' -o "$out/cpu" \
         /usr/bin/python3 scripts/forecast.py "tests/ds/rdata/$n.csv" --horizon "$h" |
         grep -A1 '^===JSON_START===' | tail -1)
  t2=$(now)
  echo "$json" | ROWS="$out/rows" /usr/bin/python3 -c '
import json, os, sys
n, r, rproc, wall, cpu = sys.argv[1], float(sys.argv[2]), float(sys.argv[3]), float(sys.argv[4]), sys.argv[5:]
d = json.load(sys.stdin)["forecast"]
row = {"r": r, "rproc": rproc, "wall": wall, "cpu": sum(map(float, cpu)), "inner": d["seconds"]}
with open(os.environ["ROWS"], "a") as f:
    f.write(json.dumps(row) + "\n")
print("%s R %.2f (Rscript %.2f) ours %.2f (CPU %.2f) run_forecast %.2f %s" % (
    n, r, rproc, wall, row["cpu"], d["seconds"],
    " ".join("%s=%.2f" % kv for kv in d["timings"].items())))' \
      "$n" "$r" "$(echo "$t1 - $t0" | bc)" "$(echo "$t2 - $t1" | bc)" $(cat "$out/cpu")
done
/usr/bin/python3 -c '
import json, sys
rows = [json.loads(line) for line in open(sys.argv[1])]
t = {k: sum(r[k] for r in rows) for k in rows[0]}
print("total: R %.1f s (Rscript processes %.1f s); ours %.1f s wall, %.1f s CPU, run_forecast %.1f s" % (
    t["r"], t["rproc"], t["wall"], t["cpu"], t["inner"]))
print("ours/R: %.2f (process wall / R fits), %.2f (run_forecast / R fits), %.2f (process / Rscript process)" % (
    t["wall"] / t["r"], t["inner"] / t["r"], t["wall"] / t["rproc"]))' "$out/rows"
