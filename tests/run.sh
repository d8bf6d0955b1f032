#!/bin/bash
# tests/run.sh [SUITE...] — run every test suite and add up their TAP output.
#
# A suite is a unit-test binary build/tests/test_* or an executable tests/*/run.
# Each prints TAP ("ok N - what", "not ok N - what", "ok N # SKIP why").
# A suite that exits non-zero without reporting a failure counts as one failure.
# The last line is "N passed, N failed, N skipped"; the exit code is 1 on any failure.
set -u
cd "$(dirname "$0")/.."
export SANDBOXRUN_ROOT="$PWD"
log_dir=build/test-logs
mkdir -p "$log_dir"

# half the checks run as nobody: as root, the checkout must be reachable by
# nobody (a clone inside a 0700 directory, e.g. mktemp -d, is not) — say so
# once, clearly, instead of failing every nobody check for a reason it hides
if [ "$(id -u)" = 0 ] && command -v setpriv >/dev/null &&
   ! setpriv --reuid=nobody --regid=nogroup --clear-groups test -r "$PWD/tests/run.sh" 2>/dev/null; then
    # a checkout others cannot reach (a clone in mktemp -d): run from a
    # bind mount of it at a reachable path, in a mount namespace of our own,
    # so nothing is left mounted and no permission is changed
    if [ -z "${SANDBOXRUN_STAGED:-}" ] && command -v unshare >/dev/null; then
        stage=$(mktemp -d /tmp/sandboxrun-tests.XXXXXX) && chmod 755 "$stage" && mkdir "$stage/src" || exit 1
        echo "tests/run.sh: nobody cannot reach $PWD; running from a bind mount of it at $stage/src" >&2
        SANDBOXRUN_STAGED=1 unshare --mount --propagation private sh -c \
            'mount --bind "$1" "$2" && cd "$2" && shift 2 && exec tests/run.sh "$@"' sh "$PWD" "$stage/src" "$@"
        rc=$?
        rmdir "$stage/src" "$stage"
        exit $rc
    fi
    blocked=$PWD
    while [ "$blocked" != / ] && setpriv --reuid=nobody --regid=nogroup --clear-groups test -x "$(dirname "$blocked")" 2>/dev/null; do
        blocked=$(dirname "$blocked")
    done
    echo "tests/run.sh: user nobody cannot reach $PWD ($(dirname "$blocked") is not searchable by others)," \
         "and half the checks run as nobody: clone into a directory others can search, or chmod o+x it" >&2
    echo "0 passed, 1 failed, 0 skipped"
    exit 1
fi

suites=("$@")
if [ ${#suites[@]} -eq 0 ]; then
    for t in build/tests/test_*; do [ -x "$t" ] && suites+=("$t"); done
    for t in tests/*/run; do [ -x "$t" ] && suites+=("$t"); done
fi

pass=0 fail=0 skip=0
for s in "${suites[@]}"; do
    name=${s#tests/}; name=${name%/run}; name=${name#build/}
    log="$log_dir/$(echo "$name" | tr '/' '_').log"
    start=$(date +%s)
    "$s" >"$log" 2>&1
    rc=$?
    p=$(grep -cE '^ok ' "$log" | tr -d ' ')
    sk=$(grep -cE '^ok .*# *SKIP' "$log" | tr -d ' ')
    f=$(grep -cE '^not ok ' "$log" | tr -d ' ')
    p=$((p - sk))
    # the plan ("1..N", first or last line) must match the checks that ran:
    # a suite that stops early without failing must not pass
    plan=$(grep -E '^1\.\.[0-9]+' "$log" | tail -1 | sed -E 's/^1\.\.([0-9]+).*/\1/')
    ran=$(grep -cE '^(not )?ok ' "$log" | tr -d ' ')
    crashed=0
    if [ "$rc" -ne 0 ] && [ "$f" -eq 0 ]; then
        f=1
        echo "not ok - suite $name exited $rc without reporting a failure" >>"$log"
        crashed=1
    elif [ -z "$plan" ] || [ "$plan" -ne "$ran" ]; then
        f=$((f + 1))
        echo "not ok - suite $name planned ${plan:-no} checks and ran $ran" >>"$log"
        crashed=1
    fi
    pass=$((pass + p)); fail=$((fail + f)); skip=$((skip + sk))
    printf '%-28s %4d passed %3d failed %3d skipped  (%ds)\n' "$name" "$p" "$f" "$sk" $(( $(date +%s) - start ))
    if [ "$f" -gt 0 ]; then
        # each failure with the diagnostic lines ("# ...") that follow it: CI keeps only this output
        awk '/^not ok /{n++; show=(n<=20)} /^(ok|not ok) /&&!/^not ok /{show=0} show&&(/^not ok /||/^#/){print "    " substr($0,1,400)}' "$log" | head -200
        # a suite that died (a traceback, a signal) says why in its last lines
        [ "$crashed" -eq 1 ] && head -n -1 "$log" | tail -n 24 | cut -c1-400 | sed 's/^/    | /'
        echo "    (full log: $log)"
    fi
    grep -E '^ok .*# *SKIP' "$log" | head -5 | sed 's/^/    /'
done
echo "$pass passed, $fail failed, $skip skipped"
[ "$fail" -eq 0 ]
