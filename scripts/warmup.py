"""Warm-up for the zygote of `sandboxrun serve` (sandboxrun-supervisor zygote).

Run once, after the preload imports and before the zygote freezes its heap
and starts forking workers. It exercises the common paths of a data-science
script on a small synthetic series, so that what those libraries load or
build on first use — plotly's trace and layout validators, its templates
and HTML writer, PIL through plotly's image helpers, pandas' CSV and
resampling machinery, statsmodels' tests, decomposition, ETS and Theta
models (what forecast.py fits; its ARIMA is tsa.arima's own numpy code) —
is done once in the zygote instead of in every worker (about 200 ms of a
first EDA run on the 2-core benchmark machine).

Rules: our own code only (never user code); in memory only (no file is
written, nothing is fetched); it runs in a namespace of its own that is
thrown away, with warnings silenced (so no warning registry remembers a
warning the user's code should see), and leaves no state a script could
observe except warm caches. `serve --warmup none` turns it off.

Some modules change interpreter-wide state when first imported: plotly's
first figure imports plotly.tools, which replaces warnings.formatwarning
and adds warning filters; PIL.Image registers an exit function. In a cold
run that happens when the script first makes a figure, so here it must not
happen for good: every module whose import (its own or a nested one) made
such a change during the warm-up is dropped from sys.modules again, and the
state is put back, so that the worker imports it afresh at the same point
a cold run would. What is left (validators, templates, compiled code) is
cache only. tests/warm compares warm and cold records of scripts that warn
before and after their first figure.

matplotlib.pyplot is imported here too (about 0.5 s of every first import),
with a private config directory that holds the prebuilt font list: see
_import_matplotlib. Its import registers two exit functions that only free
memory (Gcf.destroy_all, PIL's clear_cache); they stay, so a warm worker
runs them at exit even if its script never imports matplotlib.
"""

import atexit
import io
import os
import shutil
import sys
import tempfile
import warnings

# Imported here, not under catch_warnings() below: a warnings filter a module
# installs when first imported must stay, as it would in a cold run.
import numpy as np
import pandas as pd
import plotly.graph_objects as go
import plotly.io as pio
from plotly.subplots import make_subplots
from scipy import stats
from sklearn.linear_model import LinearRegression
from statsmodels.tsa.exponential_smoothing.ets import ETSModel
from statsmodels.tsa.forecasting.theta import ThetaModel
from statsmodels.tsa.seasonal import STL, seasonal_decompose
from statsmodels.tsa.stattools import acf, adfuller, kpss, pacf

# The jail's values (sandbox/jail/sb_fds.c): matplotlib reads MPLBACKEND at
# import. MPLCONFIGDIR is the jail's /tmp, which does not exist here.
MPL_ENV = {"MPLBACKEND": "Agg"}


def _import_matplotlib():
    """Import matplotlib.pyplot and its Agg backend as a cold run's first
    import in the jail does: with the jail's MPLBACKEND, and an MPLCONFIGDIR
    (here a private directory, removed afterwards, also the working
    directory so no matplotlibrc of the daemon's is read) that holds the
    font list `make` built (scripts/.mplcache), the one sandboxrun_display
    copies into a cold run's MPLCONFIGDIR. Drawing nothing: a font opened
    here would be an fd the worker closes. The config and cache paths
    matplotlib remembers are computed again in the worker, from the jail's
    MPLCONFIGDIR (sandboxrun_display._rebase_matplotlib)."""
    here = os.path.dirname(os.path.abspath(_import_matplotlib.__code__.co_filename))
    cache = os.path.join(here, ".mplcache")
    saved = {k: os.environ.get(k) for k in ("MPLCONFIGDIR", *MPL_ENV)}
    try:
        cwd, tmp = os.getcwd(), tempfile.mkdtemp(prefix="sandboxrun-mpl-")
    except OSError as e:   # the rest of the warm-up still runs; workers import matplotlib themselves
        print("warm-up: matplotlib is not preloaded: %s" % e, file=sys.stderr)
        return
    try:
        for name in os.listdir(cache) if os.path.isdir(cache) else ():
            if name.startswith("fontlist-"):
                shutil.copyfile(os.path.join(cache, name), os.path.join(tmp, name))
        os.environ.update(MPL_ENV, MPLCONFIGDIR=tmp)
        os.chdir(tmp)
        import matplotlib.pyplot  # noqa: F401
        import matplotlib.backends.backend_agg  # noqa: F401
    finally:
        os.chdir(cwd)
        for k, v in saved.items():
            if v is None:
                os.environ.pop(k, None)
            else:
                os.environ[k] = v
        shutil.rmtree(tmp, ignore_errors=True)


_import_matplotlib()


def _pandas_and_stats():
    rng = np.random.default_rng(0)
    idx = pd.date_range("2020-01-01", periods=96, freq="MS")
    y = 10 + np.arange(96) * 0.1 + np.sin(np.arange(96) * np.pi / 6) + rng.normal(0, 0.1, 96)
    text = pd.DataFrame({"date": idx, "value": y, "group": ["a", "b"] * 48}).to_csv(index=False)
    df = pd.read_csv(io.StringIO(text), parse_dates=["date"], index_col="date")
    s = df["value"].resample("MS").mean().interpolate()
    df.groupby("group")["value"].agg(["mean", "std", "count"])
    s.rolling(12).mean().diff().describe()
    s.to_frame().to_csv(io.StringIO())
    adfuller(s, autolag="AIC")
    kpss(s, regression="c", nlags="auto")
    acf(s, nlags=24)
    pacf(s, nlags=24)
    STL(s, period=12).fit()
    seasonal_decompose(s, period=12)
    ets = ETSModel(s, error="mul", trend="add", seasonal="mul", seasonal_periods=12).fit(disp=False, maxiter=20)
    ets.get_prediction(start=len(s), end=len(s) + 11, random_state=0).summary_frame(alpha=0.2)
    ThetaModel(s.values, period=12).fit().forecast(12)
    stats.normaltest(s.values)
    return s


def _sklearn(s):
    x = np.arange(len(s)).reshape(-1, 1)
    LinearRegression().fit(x, s.values).predict(x)


def _plotly(s):
    fig = make_subplots(rows=2, cols=1, shared_xaxes=True, subplot_titles=("series", "bars"))
    fig.add_trace(go.Scatter(x=s.index, y=s.values, mode="lines", name="y"), row=1, col=1)
    fig.add_trace(go.Bar(x=s.index, y=s.diff().values, name="dy"), row=2, col=1)
    fig.update_layout(title="warm-up", template="plotly_white", height=400)
    fig.add_hline(y=float(s.mean()))
    pio.to_html(fig, include_plotlyjs=True, full_html=True)
    fig.to_json()


def _state():
    """The interpreter-wide state a first import may change."""
    return (list(warnings.filters), warnings.formatwarning, warnings.showwarning, sys.excepthook,
            sys.displayhook, sys.unraisablehook, sys.breakpointhook, atexit._ncallbacks())


def _put_back(state):
    filters, warnings.formatwarning, warnings.showwarning, sys.excepthook, sys.displayhook, \
        sys.unraisablehook, sys.breakpointhook, _ = state
    warnings.filters[:] = filters
    warnings._filters_mutated()


class _Loader:
    """Runs one module's first import and notes whether it changed _state()."""

    def __init__(self, real, ledger):
        self._real, self._ledger = real, ledger

    def __getattr__(self, name):            # resource readers and the like
        return getattr(self._real, name)

    def create_module(self, spec):
        return self._real.create_module(spec)

    def exec_module(self, module):
        before = _state()
        try:
            self._real.exec_module(module)
        finally:
            module.__loader__ = module.__spec__.loader = self._real
            if _state() != before:
                self._ledger.changed.append(module.__name__)


class _Ledger:
    """A meta path finder that wraps the loader of every module first
    imported while it is installed; it never finds anything itself."""

    def __init__(self):
        self.changed = []

    def find_spec(self, name, path, target=None):
        for finder in sys.meta_path:
            find = getattr(finder, "find_spec", None)
            if finder is self or find is None:
                continue
            spec = find(name, path, target)
            if spec is not None:
                if spec.loader is not None and hasattr(spec.loader, "exec_module"):
                    spec.loader = _Loader(spec.loader, self)
                return spec
        return None


def _forget(names):
    """Drop these modules, and every submodule of a package among them, so
    the next import runs them again. A fresh package beside submodules of
    its old self is no state a cold run has: with IPython installed,
    plotly.tools' import of IPython.core.display then failed unsaid."""
    names = set(names)
    names |= {m for m in sys.modules if any(m.startswith(n + ".") for n in names)}
    for name in sorted(names):
        module = sys.modules.pop(name, None)
        parent, _, child = name.rpartition(".")
        if module is not None and parent in sys.modules and getattr(sys.modules[parent], child, None) is module:
            delattr(sys.modules[parent], child)


def main():
    state, ledger, registered = _state(), _Ledger(), []
    register = atexit.register

    def noting(func, *args, **kwargs):
        registered.append(func)
        return register(func, *args, **kwargs)
    sys.meta_path.insert(0, ledger)
    atexit.register = noting
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            s = _pandas_and_stats()
            _sklearn(s)
            _plotly(s)
    finally:
        sys.meta_path.remove(ledger)
        atexit.register = register
    _forget(ledger.changed)
    for func in registered:
        atexit.unregister(func)
    _put_back(state)
    # unregistering frees a slot but leaves atexit's count as it was
    now = _state()
    if now[:-1] != state[:-1] or now[-1] != state[-1] + len(registered):
        print("warm-up: changed interpreter state that could not be put back", file=sys.stderr)


main()
