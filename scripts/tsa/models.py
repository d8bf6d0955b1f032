"""The forecasting models. Each ``fit_*`` function fits on a training
series (levels, regular index) and returns a Forecast for the next h steps
with 80 % and 95 % prediction intervals where the model has them.

* seasonal naive — the value one season earlier (naive without a season),
  intervals as R's snaive: σ·sqrt(⌊(h−1)/m⌋ + 1) with σ the in-sample RMS
  seasonal difference;
* ETS — statsmodels' ETSModel over the family R's ets searches (additive or
  multiplicative error; no, additive or damped trend; no, additive or
  multiplicative season; multiplicative parts only for positive data, no
  additive error with multiplicative season), chosen by AICc;
* SARIMA — tsa.arima: stepwise AICc search (Hyndman-Khandakar); seasons
  longer than MAX_SARIMA_SEASON use Fourier terms as regressors, one set per
  significant calendar period, with the number of harmonics chosen by AICc;
* Theta — statsmodels' ThetaModel (SES with drift of half the trend slope,
  deseasonalised by a classical decomposition when the ACF test says so), as
  R's thetaf;
* combination — the mean of the ETS, SARIMA and Theta forecasts (and of
  their interval bounds);
* gradient boosting — sklearn's HistGradientBoostingRegressor on the
  engineered features, forecasting recursively: each predicted step is fed
  back as history for the next, so no future value is ever used.
"""

import time
import warnings

import numpy as np
import pandas as pd
from scipy.stats import norm
from sklearn.ensemble import HistGradientBoostingRegressor
from statsmodels.tsa.exponential_smoothing.ets import ETSModel
from statsmodels.tsa.forecasting.theta import ThetaModel

from . import arima
from .eda import transform_name
from .features import build_features, feature_row, make_target

ALPHA = 0.05              # the reported interval is 95 %
LEVELS = (0.8, 0.95)
MAX_SARIMA_SEASON = 24
MAX_FOURIER_K = 6
SEED = 0


class Forecast:
    """Point forecasts and, when the model provides them, interval bounds
    per level ({0.8: (lower, upper), 0.95: (lower, upper)})."""

    def __init__(self, mean, bands=None, params=None, note=None):
        self.mean = np.asarray(mean, float)
        self.bands = {lev: (np.asarray(lo, float), np.asarray(hi, float))
                      for lev, (lo, hi) in (bands or {}).items()}
        self.params = params or {}
        self.note = note

    @property
    def lower(self):
        return self.bands[0.95][0] if 0.95 in self.bands else None

    @property
    def upper(self):
        return self.bands[0.95][1] if 0.95 in self.bands else None


def normal_bands(mean, sd):
    """{level: (mean - z·sd, mean + z·sd)} for LEVELS."""
    return {lev: (mean - norm.ppf(0.5 + lev / 2) * sd, mean + norm.ppf(0.5 + lev / 2) * sd)
            for lev in LEVELS}


def future_index(index, h):
    """The h timestamps after the end of index, at its frequency."""
    return pd.date_range(index[-1], periods=h + 1, freq=index.freq)[1:]


# ---------------------------------------------------------------- seasonal naive

def fit_seasonal_naive(y, h, period):
    """Repeat the last season (or the last value)."""
    m = period if 2 <= period <= len(y) else 1
    v = y.values.astype(float)
    last = v[-m:]
    mean = np.array([last[i % m] for i in range(h)])
    sigma = float(np.sqrt(np.mean((v[m:] - v[:-m]) ** 2))) if len(v) > m else 0.0
    sd = sigma * np.sqrt(np.arange(h) // m + 1)
    return Forecast(mean, normal_bands(mean, sd), params={"period": m})


# ---------------------------------------------------------------- ETS

def ets_candidates(y, period):
    """The (error, trend, damped, seasonal) forms R's ets tries by default."""
    positive = bool(np.all(y.values > 0))
    seasonal_ok = 2 <= period <= len(y) // 2
    long_season = period > MAX_SARIMA_SEASON
    errors = ["add", "mul"] if positive and not long_season else ["add"]
    seasons = [None] + (["add"] if seasonal_ok else []) + \
              (["mul"] if seasonal_ok and positive and not long_season else [])
    out = []
    for error in errors:
        for trend, damped in ((None, False), ("add", False), ("add", True)):
            for seasonal in seasons:
                if error == "add" and seasonal == "mul":
                    continue
                out.append((error, trend, damped, seasonal))
    return out


def ets_name(form):
    error, trend, damped, seasonal = form
    letter = {None: "N", "add": "A", "mul": "M"}
    return "ETS(%s,%s,%s)" % (letter[error], "Ad" if damped else letter[trend], letter[seasonal])


def _fit_ets_form(y, period, form):
    error, trend, damped, seasonal = form
    init = "estimated" if (seasonal is None or period <= MAX_SARIMA_SEASON) else "heuristic"
    if init == "heuristic" and len(y) < 10 + 2 * (period // 2):
        return None
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        model = ETSModel(y.astype(float), error=error, trend=trend, damped_trend=damped,
                         seasonal=seasonal, seasonal_periods=period if seasonal else None,
                         initialization_method=init)
        try:
            res = model.fit(disp=False, maxiter=200)
        except (ValueError, np.linalg.LinAlgError):
            return None
    if not np.isfinite(res.aicc):
        return None
    if "mul" in (error, seasonal):
        # a multiplicative model is only defined while its level stays
        # positive; an optimiser can wander to a negative level, where the
        # likelihood is meaningless and the forecasts explode
        fitted = np.asarray(res.fittedvalues, float)
        if np.any(fitted <= 0) or np.any(np.asarray(res.level, float) <= 0):
            return None
    return res


def fit_ets(y, h, period, form=None):
    """Fit ETS: the given form (error, trend, damped, seasonal), or every
    candidate form and keep the lowest AICc."""
    best = None
    for f in ([tuple(form)] if form else ets_candidates(y, period)):
        res = _fit_ets_form(y, period, f)
        if res is not None and (best is None or res.aicc < best[0].aicc):
            best = (res, f)
    if best is None:
        raise RuntimeError("no ETS variant could be fitted")
    res, f = best
    n = len(y)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        pred = res.get_prediction(start=n, end=n + h - 1, random_state=SEED)
        bands = {}
        for lev in LEVELS:
            frame = pred.summary_frame(alpha=1 - lev)
            bands[lev] = (frame["pi_lower"].values, frame["pi_upper"].values)
    mean = np.asarray(pred.predicted_mean, float)
    if not np.all(np.isfinite(mean)):
        raise RuntimeError("ETS forecast is not finite")
    return Forecast(mean, bands, params={"form": ets_name(f), "ets": list(f),
                                         "seasonal_periods": period if f[3] else None,
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


def search_sarima(y, period, d, big_d, fourier_periods, deadline=None):
    """Choose the SARIMA model on y by AICc. Short seasons: the stepwise
    seasonal search. Long seasons: Fourier regressors (K harmonics per
    period, K = 1..MAX_FOURIER_K by AICc, each with a stepwise search of the
    non-seasonal ARMA errors). Returns (params, search report)."""
    v = y.values.astype(float)
    if period <= MAX_SARIMA_SEASON:
        fit, rep = arima.stepwise_search(v, period, d, big_d if period >= 2 else 0,
                                         deadline=deadline)
        if fit is None:
            raise RuntimeError("no SARIMA model could be fitted")
        return dict(fit.spec, period=period if period >= 2 else 1), rep
    best, reports = None, []
    for k in range(1, MAX_FOURIER_K + 1):
        exog = fourier_terms(0, len(v), fourier_periods, k).values
        fit, rep = arima.stepwise_search(v, 1, d, 0, exog=exog, deadline=deadline)
        reports.append(dict(rep, K=k))
        if fit is not None and (best is None or fit.aicc < best[0].aicc):
            best = (fit, k)
        if deadline is not None and time.monotonic() >= deadline:
            break
    if best is None:
        raise RuntimeError("no SARIMA model could be fitted")
    fit, k = best
    rep = {"criterion": reports[0]["criterion"], "search": "K = 1..%d harmonics by AICc, "
           "stepwise ARMA errors for each" % len(reports),
           "models_tried": sum(r["models_tried"] for r in reports), "aicc": fit.aicc,
           "stopped_by": reports[-1]["stopped_by"],
           "seconds": round(sum(r["seconds"] for r in reports), 3)}
    return dict(fit.spec, period=1, K=k, fourier_periods=list(fourier_periods)), rep


def fit_sarima(y, h, params):
    """Fit the SARIMA model params (from search_sarima) on y by conditional
    sum of squares and forecast h steps."""
    spec = {k: params[k] for k in ("p", "d", "q", "P", "D", "Q", "constant")}
    m, k = params["period"], params.get("K", 0)
    periods = params.get("fourier_periods") or []
    exog = fourier_terms(0, len(y), periods, k).values if k else None
    fexog = fourier_terms(len(y), h, periods, k).values if k else None
    fit = arima.fit_css(y.values.astype(float), spec, m, exog)
    if fit is None:
        raise RuntimeError("SARIMA %s could not be fitted" % arima.form_name(spec, m))
    mean, bands = fit.forecast(h, fexog, LEVELS)
    if not np.all(np.isfinite(mean)):
        raise RuntimeError("SARIMA forecast is not finite")
    form = arima.form_name(spec, m)
    if k:
        form += " + Fourier terms, %d harmonics of period %s" % (k, " and ".join(map(str, periods)))
    return Forecast(mean, bands, params=dict(params, form=form, aicc=fit.aicc,
                                             sigma2=fit.sigma2))


# ---------------------------------------------------------------- Theta

def fit_theta(y, h, period):
    """statsmodels' ThetaModel (multiplicative deseasonalising for positive
    data when the 90 % ACF test finds a season)."""
    seasonal = 2 <= period <= len(y) // 2
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        model = ThetaModel(y.values.astype(float), period=period if seasonal else 1,
                           deseasonalize=seasonal, use_test=seasonal)
        res = model.fit()
        mean = np.asarray(res.forecast(h), float)
        bands = {}
        for lev in LEVELS:
            pi = np.asarray(res.prediction_intervals(h, alpha=1 - lev), float)
            bands[lev] = (pi[:, 0], pi[:, 1])
    if not np.all(np.isfinite(mean)):
        raise RuntimeError("Theta forecast is not finite")
    return Forecast(mean, bands, params={"form": "Theta (theta = 2)",
                                         "deseasonalized": bool(model.deseasonalize),
                                         "alpha": float(res.params["alpha"]),
                                         "b0": float(res.params["b0"])})


# ---------------------------------------------------------------- combination

def combine(parts):
    """Mean of the members' forecasts and of their interval bounds."""
    mean = np.mean([p.mean for p in parts], axis=0)
    bands = {lev: (np.mean([p.bands[lev][0] for p in parts], axis=0),
                   np.mean([p.bands[lev][1] for p in parts], axis=0)) for lev in LEVELS
             if all(lev in p.bands for p in parts)}
    return Forecast(mean, bands, params={"form": "mean of " + ", ".join(
        p.params.get("form", "?") for p in parts)})


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
