"""The forecasting models. Each ``fit_*`` function fits on a training
series (levels, regular index) and returns a Forecast for the next h steps.

* seasonal naive — the value one season earlier (naive without a season);
* ETS — statsmodels' ETSModel (additive Holt-Winters state space form),
  the trend and season chosen by AICc, with model prediction intervals;
* SARIMA — statsmodels' SARIMAX with tuned orders; seasons longer than
  MAX_SARIMA_SEASON use Fourier terms as regressors instead (a seasonal
  ARIMA of period 52 or 365 is impractically slow and unstable), one set
  per significant calendar period (e.g. day and week for hourly data);
* gradient boosting — sklearn's HistGradientBoostingRegressor on the
  engineered features, forecasting recursively: each predicted step is fed
  back as history for the next, so no future value is ever used.
"""

import time

import numpy as np
import pandas as pd
from sklearn.ensemble import HistGradientBoostingRegressor
from statsmodels.tsa.exponential_smoothing.ets import ETSModel
from statsmodels.tsa.statespace.sarimax import SARIMAX

from .eda import transform_name
from .features import build_features, feature_row, make_target

ALPHA = 0.05              # 95% prediction intervals
MAX_SARIMA_SEASON = 24
SEED = 0


class Forecast:
    """Point forecasts and, when the model provides them, interval bounds."""

    def __init__(self, mean, lower=None, upper=None, params=None, note=None):
        self.mean = np.asarray(mean, float)
        self.lower = None if lower is None else np.asarray(lower, float)
        self.upper = None if upper is None else np.asarray(upper, float)
        self.params = params or {}
        self.note = note


def future_index(index, h):
    """The h timestamps after the end of index, at its frequency."""
    return pd.date_range(index[-1], periods=h + 1, freq=index.freq)[1:]


# ---------------------------------------------------------------- seasonal naive

def fit_seasonal_naive(y, h, period):
    """Repeat the last season (or the last value)."""
    m = period if 2 <= period <= len(y) else 1
    last = y.values[-m:]
    mean = np.array([last[i % m] for i in range(h)])
    return Forecast(mean, params={"period": m})


# ---------------------------------------------------------------- ETS

def fit_ets(y, h, period):
    """Fit additive ETS variants (with/without damped trend, with/without
    season) and keep the one with the lowest AICc."""
    seasons = [None, "add"] if 2 <= period <= len(y) // 2 else [None]
    best = None
    for trend in (None, "add"):
        for seasonal in seasons:
            init = "estimated" if (seasonal is None or period <= MAX_SARIMA_SEASON) else "heuristic"
            if init == "heuristic" and len(y) < 10 + 2 * (period // 2):
                continue
            try:
                model = ETSModel(y.astype(float), error="add", trend=trend,
                                 damped_trend=trend is not None, seasonal=seasonal,
                                 seasonal_periods=period if seasonal else None,
                                 initialization_method=init)
                res = model.fit(disp=False, maxiter=200)
            except (ValueError, np.linalg.LinAlgError):
                continue
            if not np.isfinite(res.aicc):
                continue
            if best is None or res.aicc < best[0]:
                best = (res.aicc, res, trend, seasonal)
    if best is None:
        raise RuntimeError("no ETS variant could be fitted")
    _, res, trend, seasonal = best
    n = len(y)
    pred = res.get_prediction(start=n, end=n + h - 1)
    frame = pred.summary_frame(alpha=ALPHA)
    name = "ETS(A,%s,%s)" % ("Ad" if trend else "N", "A" if seasonal else "N")
    return Forecast(frame["mean"].values, frame["pi_lower"].values, frame["pi_upper"].values,
                    params={"form": name, "damped_trend": trend is not None,
                            "seasonal_periods": period if seasonal else None,
                            "aicc": float(res.aicc)})


# ---------------------------------------------------------------- SARIMA

def fourier_terms(start, n, periods, k):
    """sin/cos pairs of harmonics 1..k (at most period/2) of each period, at
    positions start..start+n-1."""
    t = np.arange(start, start + n, dtype=float)
    cols = {}
    for period in periods:
        for j in range(1, min(k, period // 2) + 1):
            cols["sin%d_%d" % (period, j)] = np.sin(2 * np.pi * j * t / period)
            cols["cos%d_%d" % (period, j)] = np.cos(2 * np.pi * j * t / period)
    return pd.DataFrame(cols)


def sarima_spec(params, period):
    """Model arguments for SARIMAX from tuned params {p, d, q, P, D, Q, K,
    drift, fourier_periods}: (order, seasonal_order, Fourier periods, K, trend)."""
    order = (params["p"], params["d"], params["q"])
    seasonal = (0, 0, 0, 0)
    fourier_k, periods = 0, []
    if 2 <= period <= MAX_SARIMA_SEASON:
        seasonal = (params.get("P", 0), params.get("D", 0), params.get("Q", 0), period)
    elif period > MAX_SARIMA_SEASON:
        fourier_k = params.get("K", 0)
        periods = params.get("fourier_periods") or [period]
    diffs = order[1] + seasonal[1]
    trend = "c" if diffs == 0 else ("t" if diffs == 1 and params.get("drift") else None)
    return order, seasonal, periods, fourier_k, trend


def fit_sarima(y, h, period, params, maxiter=50, intervals=True):
    """Fit SARIMAX with the given orders and forecast h steps."""
    order, seasonal, periods, k, trend = sarima_spec(params, period)
    exog = fourier_terms(0, len(y), periods, k).values if k else None
    fexog = fourier_terms(len(y), h, periods, k).values if k else None
    model = SARIMAX(y.values.astype(float), exog=exog, order=order, seasonal_order=seasonal,
                    trend=trend, enforce_stationarity=False, enforce_invertibility=False)
    res = model.fit(disp=False, maxiter=maxiter)
    fc = res.get_forecast(h, exog=fexog)
    mean = fc.predicted_mean
    if not np.all(np.isfinite(mean)):
        raise RuntimeError("SARIMA forecast is not finite")
    lo = hi = None
    if intervals:
        ci = fc.conf_int(alpha=ALPHA)
        lo, hi = ci[:, 0], ci[:, 1]
    form = "SARIMA%s%s" % (order, seasonal[:3] if seasonal[3] else "")
    if seasonal[3]:
        form += "[%d]" % seasonal[3]
    if k:
        form += " + Fourier terms, %d harmonics of period %s" % (k, " and ".join(map(str, periods)))
    return Forecast(mean, lo, hi, params=dict(params, form=form, trend=trend, aic=float(res.aic)))


# ---------------------------------------------------------------- gradient boosting

def fit_gbm(y, h, spec, params):
    """Fit HistGradientBoostingRegressor on the features of y and forecast
    h steps recursively."""
    frame, _ = build_features(y, spec)
    if len(frame) < 10:
        raise RuntimeError("only %d rows with complete features; need 10" % len(frame))
    model = HistGradientBoostingRegressor(random_state=SEED, **params)
    model.fit(frame[spec.names].values, frame["target"].values)
    mean = recursive_forecast(model, y, h, spec)
    return Forecast(mean, params=dict(params, features=spec.names,
                                      target=transform_name(spec.d, spec.big_d, spec.period),
                                      training_rows=int(len(frame))))


def recursive_forecast(model, y, h, spec):
    """Predict the target one step at a time, feeding each prediction back
    as history, then undo the differencing."""
    y_hist = list(y.values.astype(float))
    z_hist = list(make_target(y, spec).values[spec.lost_rows():])
    out = []
    for ts in future_index(y.index, h):
        z = float(model.predict(np.asarray([feature_row(np.asarray(z_hist), ts, spec)]))[0])
        z_hist.append(z)
        y_new = undifference(np.asarray(y_hist), z, spec)
        y_hist.append(y_new)
        out.append(y_new)
    return np.asarray(out)


def undifference(y_hist, z, spec):
    """The next level whose differencing (as in spec) equals z, given the
    levels so far."""
    w = y_hist[spec.period:] - y_hist[:-spec.period] if spec.big_d else y_hist
    new = z
    for j in reversed(range(spec.d)):      # undo the first differences of w
        new = np.diff(w[-(j + 1):], n=j)[-1] + new
    return new + (y_hist[-spec.period] if spec.big_d else 0.0)


def timed(fn, *args, **kwargs):
    """Call fn and return (result, seconds)."""
    t0 = time.monotonic()
    res = fn(*args, **kwargs)
    return res, time.monotonic() - t0
