#!/bin/sh
# make demo: run a short analysis of statsmodels' co2 data in the jail and
# show the result record and where the output files went.
set -eu
cd "$(dirname "$0")/.."
data=/usr/lib/python3/dist-packages/statsmodels/datasets/co2/co2.csv
out=${DEMO_OUT:-$PWD/demo-out}
if [ ! -r "$data" ]; then
    echo "demo: $data is missing (Debian package python3-statsmodels)" >&2
    exit 1
fi
rm -rf "$out"
echo "== sandboxrun check" >&2
build/sandboxrun check
echo "== sandboxrun run --json --input $data --out $out examples/co2_analysis.py" >&2
set +e
build/sandboxrun run --json --input "$data" --out "$out" --timeout 120 examples/co2_analysis.py
rc=$?
set -e
echo "== exit code $rc; output files in $out:" >&2
ls -l "$out" >&2
exit $rc
