"""The libraries installed for scripts in the jail, and whether each imports.

Run by ``sandboxrun check --libraries`` inside the jail: for every library of
AgentCore's pre-installed data-science and visualisation list that Debian 12
packages, it imports the module and reports its version (or the error) as a
table on stdout (``--json``: one JSON object instead). Libraries Debian 12 does not package
are listed with the reason, so an agent's author sees the whole list.

The Debian package names here are the ones tools/install-deps.sh installs.
"""

import importlib
import json
import sys
import time

# (import name, Debian package, what it is for an agent)
LIBRARIES = [
    ("pandas", "python3-pandas", "data frames"),
    ("numpy", "python3-numpy", "arrays"),
    ("matplotlib", "python3-matplotlib", "static charts (Agg backend)"),
    ("seaborn", "python3-seaborn", "statistical charts"),
    ("plotly", "python3-plotly", "interactive charts"),
    ("scipy", "python3-scipy", "scientific computing"),
    ("statsmodels", "python3-statsmodels", "statistical models, time series"),
    ("sympy", "python3-sympy", "symbolic maths"),
    ("numba", "python3-numba", "JIT-compiled numeric loops"),
    ("numexpr", "python3-numexpr", "fast array expressions"),
    ("patsy", "python3-patsy", "model formulas"),
    ("joblib", "python3-joblib", "parallel loops, caching"),
    ("threadpoolctl", "python3-threadpoolctl", "BLAS thread pools"),
    ("sklearn", "python3-sklearn", "machine learning (scikit-learn)"),
    ("skimage", "python3-skimage", "image processing (scikit-image)"),
    ("xgboost", "python3-xgboost", "gradient boosting"),
    ("networkx", "python3-networkx", "graphs"),
    ("openpyxl", "python3-openpyxl", "Excel .xlsx read/write"),
    ("xlrd", "python3-xlrd", "legacy Excel .xls read"),
    ("xlsxwriter", "python3-xlsxwriter", "Excel .xlsx write"),
    ("tabulate", "python3-tabulate", "text tables"),
    ("tqdm", "python3-tqdm", "progress bars"),
    ("PIL", "python3-pil", "images (Pillow)"),
    ("bs4", "python3-bs4", "HTML parsing (BeautifulSoup)"),
    ("lxml", "python3-lxml", "XML/HTML parsing"),
    ("optuna", "python3-optuna", "hyper-parameter search"),
]

# On AgentCore's list but not packaged by Debian 12: never installed here.
NOT_PACKAGED = [
    ("bokeh", "not packaged by Debian 12"),
    ("pyarrow", "not packaged by Debian 12 (pandas reads Parquet only with it)"),
]

# Packaged, but large and off the preload list: installed only if the operator
# adds python3-torch; reported when present.
OPTIONAL = [("torch", "python3-torch", "deep learning (optional, not preloaded)")]


def probe(name):
    """Import name; return (version or None, error or None, seconds)."""
    t0 = time.perf_counter()
    try:
        mod = importlib.import_module(name)
    except Exception as e:  # noqa: BLE001 - any import failure is the answer
        return None, "%s: %s" % (type(e).__name__, e), time.perf_counter() - t0
    version = getattr(mod, "__version__", None) or getattr(mod, "VERSION", None)
    return str(version) if version is not None else "?", None, time.perf_counter() - t0


def main():
    rows = []
    for name, package, what in LIBRARIES:
        version, error, secs = probe(name)
        rows.append({"module": name, "package": package, "purpose": what, "version": version,
                     "imports": error is None, "error": error, "importSeconds": round(secs, 3)})
    for name, package, what in OPTIONAL:
        version, error, secs = probe(name)
        rows.append({"module": name, "package": package, "purpose": what, "version": version,
                     "imports": error is None, "optional": True,
                     "error": error and "not installed (optional: apt-get install %s)" % package})
    for name, why in NOT_PACKAGED:
        rows.append({"module": name, "package": None, "purpose": why, "version": None,
                     "imports": False, "error": why})
    missing = [r["module"] for r in rows if not r["imports"] and r["package"] and not r.get("optional")]
    if "--json" in sys.argv[1:]:
        print(json.dumps({"python": sys.version.split()[0], "libraries": rows, "missing": missing}))
        return 1 if missing else 0
    for r in rows:
        state = r["version"] if r["imports"] else "-"
        print("%-14s %-14s %-22s %s" % (r["module"], state, r["package"] or "-",
                                        "imports" if r["imports"] else r["error"]))
    print("pip install cannot work in the jail (no network): add the Debian python3-* package on the host.")
    if missing:
        print("missing: %s (run tools/install-deps.sh as root)" % ", ".join(missing))
    return 1 if missing else 0


if __name__ == "__main__":
    sys.exit(main())
