#!/bin/sh
# install-deps.sh build|test|bench — make sure the Debian packages sandboxrun
# needs to build, to test or to benchmark are present. As root, apt-get
# installs what is missing; otherwise print the exact apt-get line and fail.
# Nothing is fetched from anywhere but Debian (and the pinned npm test tools).
# install-deps.sh runtime — print (only) what an installed sandboxrun needs
# to run: the shared libraries of its binaries and the jail's Python stack
# (containers/build-image.sh puts these into the image's Debian root).
set -eu

BUILD_PKGS="build-essential pkg-config libseccomp-dev libcap-dev libcjson-dev
  libcurl4-openssl-dev libarchive-dev libssl-dev python3-dev libmicrohttpd-dev zlib1g-dev"
# the jail's libraries: AgentCore's pre-installed data-science list as far as
# Debian 12 packages it (bokeh and pyarrow it does not; python3-torch is
# optional, not installed here); scripts/libraries.py names the same set
PY_PKGS="python3 python3-numpy python3-pandas python3-scipy python3-statsmodels
  python3-sklearn python3-plotly python3-optuna python3-matplotlib python3-seaborn
  python3-openpyxl python3-xlrd python3-xlsxwriter python3-sympy python3-numba
  python3-numexpr python3-patsy python3-joblib python3-threadpoolctl python3-skimage
  python3-xgboost python3-networkx python3-tabulate python3-tqdm python3-pil
  python3-bs4 python3-lxml"
# the libraries the four binaries link (Makefile *_PKGS), as Debian 12 names them
RUNTIME_LIBS="libseccomp2 libcap2 libpython3.11 libcjson1 libssl3 libcurl4
  libarchive13 libmicrohttpd12 zlib1g ca-certificates"
# containers/ and tests/containers: podman with runc (Debian 12's crun refuses a
# hybrid cgroup layout), buildah, debootstrap for the image's root, nginx for
# the two-pod route, python3-yaml to read the manifests, kubectl (below) to
# render them client-side; catatonit is the pause process of `kube play`;
# pyflakes3 lints the in-jail helper modules (tests/style)
TEST_PKGS="util-linux procps valgrind clang libclang-rt-14-dev python3-botocore
  curl bubblewrap firejail hyperfine chromium
  podman buildah runc catatonit debootstrap uidmap slirp4netns containernetworking-plugins nginx-light
  python3-yaml pyflakes3"
# make bench: the test packages, runsc (bench.py's gVisor row), and the Jupyter
# kernel and client bench/session_jupyter.py runs sessions beside; never make test's
BENCH_PKGS="$TEST_PKGS runsc python3-ipykernel python3-jupyter-client"

if [ "${1:-}" = runtime ]; then
    echo $RUNTIME_LIBS $PY_PKGS
    exit 0
fi

mode="${1:-build}"
want="$BUILD_PKGS $PY_PKGS"
[ "$mode" = test ] && want="$want $TEST_PKGS"
[ "$mode" = bench ] && want="$want $BENCH_PKGS"
# the test tools below (npm, kubectl) are the benchmark's too
case "$mode" in test|bench) tools=yes ;; *) tools="" ;; esac

missing=""
for p in $want; do
    # a package may be "installed" only as config files; demand ii
    if ! dpkg-query -W -f='${db:Status-Abbrev}' "$p" 2>/dev/null | grep -q '^ii'; then
        missing="$missing $p"
    fi
done
# node may come from Debian or from another packaging of it; only the command matters
if [ -n "$tools" ] && ! command -v npm >/dev/null 2>&1; then
    missing="$missing nodejs npm"
fi
# kubectl likewise (Debian's kubernetes-client, or a kubectl package that owns the same path)
if [ -n "$tools" ] && ! command -v kubectl >/dev/null 2>&1; then
    missing="$missing kubernetes-client"
fi
npm_tools() {
    # test-only npm tools, pinned by tests/package-lock.json
    [ -n "$tools" ] || return 0
    tests_dir="$(dirname "$0")/../tests"
    if [ ! -d "$tests_dir/node_modules/@modelcontextprotocol/sdk" ] ||
       [ "$tests_dir/package-lock.json" -nt "$tests_dir/node_modules/.package-lock.json" ]; then
        echo "installing test tools from tests/package-lock.json (npm ci)" >&2
        (cd "$tests_dir" && npm ci --no-audit --no-fund --loglevel=error >/dev/null)
    fi
}
if [ -z "$missing" ]; then npm_tools; exit 0; fi

if [ "$(id -u)" -ne 0 ]; then
    echo "sandboxrun needs these Debian packages; as root run:" >&2
    echo "  apt-get update && apt-get install -y$missing" >&2
    exit 1
fi
echo "installing:$missing" >&2
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
# shellcheck disable=SC2086
apt-get install -y -qq --no-install-recommends $missing >/dev/null
npm_tools
