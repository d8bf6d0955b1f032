#!/bin/bash
# tests/ds/time_vs_r.sh — R's four fits and our forecast.py on the same
# series, back to back, so that both see the same machine load (the
# committed R seconds were measured at another time). Needs R with the
# forecast package (Debian: r-base-core r-cran-forecast); not in make test.
#   tests/ds/time_vs_r.sh [SERIES:H ...]
# Prints per series: R's seconds (auto.arima + ets + thetaf + snaive, fit
# and forecast, inside R as r_reference.R times them), our process's wall
# seconds, run_forecast's seconds and its timings.
set -euo pipefail
cd "$(dirname "$0")/../.."
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
[ $# -gt 0 ] || set -- AirPassengers:12 co2:12 ldeaths:12 UKgas:8 austres:8 lynx:10 Nile:10 LakeHuron:10
for s in "$@"; do
  n=${s%:*}; h=${s#*:}
  f=$([ "$h" = 12 ] && echo 12 || { [ "$h" = 8 ] && echo 4 || echo 1; })
  r=$(Rscript -e "suppressPackageStartupMessages(library(forecast))
    x <- ts(read.csv('tests/ds/rdata/$n.csv')\$value, frequency = $f)
    tr <- subset(x, end = length(x) - $h)
    t0 <- proc.time()[['elapsed']]
    invisible(list(forecast(auto.arima(tr), h = $h), forecast(ets(tr), h = $h),
                   thetaf(tr, h = $h), snaive(tr, h = $h)))
    cat(proc.time()[['elapsed']] - t0)")
  t0=$(date +%s.%N)
  json=$(SANDBOXRUN_OUT="$out" PYTHONPATH=scripts /usr/bin/python3 scripts/forecast.py \
         "tests/ds/rdata/$n.csv" --horizon "$h" | grep -A1 '^===JSON_START===' | tail -1)
  t1=$(date +%s.%N)
  printf '%s R %.2f ours %.2f %s\n' "$n" "$r" "$(echo "$t1 - $t0" | bc)" "$(echo "$json" |
    /usr/bin/python3 -c 'import json, sys; d = json.load(sys.stdin)["forecast"]; print(d["seconds"], d["timings"])')"
done
