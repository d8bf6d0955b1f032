"""The forecasting models. Each ``fit_*`` function fits on a training
series (levels, regular index) and returns a Forecast for the next h steps
with 80 % and 95 % prediction intervals where the model has them.

* seasonal naive — the value one season earlier (naive without a season),
  intervals as R's snaive: σ·sqrt(⌊(h−1)/m⌋ + 1) with σ the in-sample RMS
  seasonal difference;
* ETS — statsmodels' ETSModel over the family R's ets searches (additive or
  multiplicative error; no, additive or damped trend; no, additive or
  multiplicative season; multiplicative parts only for positive data, no
  additive error with multiplicative season), and, if asked, the additive
  forms on Box-Cox transformed data (tsa.boxcox: Guerrero's λ), chosen by
  AICc on the data's scale;
* SARIMA — tsa.arima: stepwise AICc search (Hyndman-Khandakar), exact
  likelihood on short series, on the data and, if asked, on its Box-Cox
  transform;
  seasons longer than MAX_SARIMA_SEASON use Fourier terms as regressors,
  one set per significant calendar period, with the number of harmonics of
  each period chosen by AICc;
* Theta — statsmodels' ThetaModel (SES with drift of half the trend slope,
  deseasonalised by a classical decomposition when the ACF test says so), as
  R's thetaf;
* combination — the mean of the ETS, SARIMA and Theta forecasts (and of
  their interval bounds);
* gradient boosting — sklearn's HistGradientBoostingRegressor on the
  engineered features, forecasting directly: one model for every horizon
  1..h (the horizon a feature), trained on rows (origin, horizon) whose
  features use only data up to the origin, so no forecast is fed back and
  no future value is ever used.
"""

import time
import warnings

import numpy as np
import pandas as pd
from scipy.signal import lfilter
from scipy.stats import norm
from statsmodels.tsa.exponential_smoothing.ets import ETSModel
from statsmodels.tsa.forecasting.theta import ThetaModel

from . import arima, parallel
from . import boxcox as boxcox_mod
from .eda import transform_name
from .features import calendar_columns, make_target, origin_columns

ALPHA = 0.05              # the reported interval is 95 %
LEVELS = (0.8, 0.95)
MAX_SARIMA_SEASON = 24
MAX_FOURIER_K = 10
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


def ets_boxcox_candidates(y, period, lam):
    """The additive forms R's ets tries on Box-Cox transformed data
    (additive error, no/additive/damped trend, no/additive season), each
    with λ as its fifth element."""
    seasons = [None] + (["add"] if 2 <= period <= len(y) // 2 else [])
    return [("add", trend, damped, seasonal, lam)
            for trend, damped in ((None, False), ("add", False), ("add", True))
            for seasonal in seasons]


def ets_name(form):
    error, trend, damped, seasonal = form[:4]
    letter = {None: "N", "add": "A", "mul": "M"}
    name = "ETS(%s,%s,%s)" % (letter[error], "Ad" if damped else letter[trend], letter[seasonal])
    lam = form[4] if len(form) > 4 else None
    return name if lam is None else name + " of Box-Cox(λ = %.3g)" % lam


def _ets_model(y, period, form, scale=1.0):
    """The ETSModel of one form on y (Box-Cox transformed if the form has a
    λ) divided by scale, or None if the form cannot be initialised on y."""
    error, trend, damped, seasonal = form[:4]
    lam = form[4] if len(form) > 4 else None
    init = "estimated" if (seasonal is None or period <= MAX_SARIMA_SEASON) else "heuristic"
    if init == "heuristic" and len(y) < 10 + 2 * (period // 2):
        return None
    data = y.astype(float) if lam is None else pd.Series(boxcox_mod.transform(y.values, lam), index=y.index)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return ETSModel(data / scale, error=error, trend=trend, damped_trend=damped,
                        seasonal=seasonal, seasonal_periods=period if seasonal else None,
                        initialization_method=init)


def _ets_scale(model_data):
    """The power of two nearest the data's mean magnitude: ETS is fitted on
    data / scale. ETSModel's L-BFGS-B uses absolute finite-difference steps
    and gradient tolerances, so on data in the thousands an initial level
    of ~3000 next to smoothing parameters of ~1e-4 leaves it stopping at
    points that move with the last bits of the data (1e-13 changes made
    the chosen form and AICc differ between machines); near 1 the
    parameters share a scale. A power of two divides exactly."""
    mag = float(np.mean(np.abs(model_data)))
    return 2.0 ** round(np.log2(mag)) if np.isfinite(mag) and mag > 0 else 1.0


def _states_scaled(names, params, seasonal, factor):
    """params with the initial level, trend and (additive) seasonal states
    multiplied by factor: the same fit on data multiplied by factor."""
    out = np.array(params, float)
    for i, name in enumerate(names):
        if name in ("initial_level", "initial_trend") or \
                (name.startswith("initial_seasonal") and seasonal == "add"):
            out[i] *= factor
    return out


# smoothing (α, β, γ, φ) of the restarts from a first fit's initial states:
# the likelihood has several optima, and which one L-BFGS-B reaches from
# statsmodels' start (0.1, 0.01, 0.01, 0.98) can change with the data's last
# bits; these two (a fast level, and a slow level with a fast season) were
# the pair that, added to it, most often reached the best of six restarts
# on the R table's seasonal series
ETS_RESTARTS = ((0.9, 0.05, 0.01, 0.9), (0.02, 0.001, 0.1, 0.95))
_SMOOTHING = ("smoothing_level", "smoothing_trend", "smoothing_seasonal", "damping_trend")


def _fit_ets_form(y, period, form, start=None):
    """Fit one form; (fitted parameters, AICc on the data's scale) or None.
    From start (the parameters of an earlier fit of it, e.g. on the whole
    training part), one optimisation; otherwise from statsmodels' start,
    then from the best fit's initial states with each ETS_RESTARTS
    smoothing, then once more from the best (a polish), keeping the valid
    fit of lowest AICc. _ets_model(y, period, form).smooth(params) is the
    fit's results; the optimiser runs on the data scaled near 1
    (_ets_scale), the parameters are returned on the data's own scale."""
    model = _ets_model(y, period, form)
    if model is None:
        return None
    scale = _ets_scale(model.endog)
    if scale != 1.0:
        model = _ets_model(y, period, form, scale)
    seasonal, lam = form[3], (form[4] if len(form) > 4 else None)
    names = model.param_names
    if start is not None:
        best = _ets_optimise(model, _states_scaled(names, start, seasonal, 1.0 / scale))
    else:
        best = _ets_optimise(model, None)
        for values in ETS_RESTARTS if best is not None else ():
            trial = np.array(best[0], float)
            for name, v in zip(_SMOOTHING, values):
                if name in names:
                    trial[names.index(name)] = v
            fit = _ets_optimise(model, trial)
            if fit is not None and fit[1] < best[1]:
                best = fit
        fit = _ets_optimise(model, best[0]) if best is not None else None
        if fit is not None and fit[1] < best[1]:
            best = fit
    if best is None:
        return None
    # the log-likelihood of data / scale is that of the data + n·log(scale)
    aicc = best[1] + 2 * model.nobs * np.log(scale)
    if lam is not None:
        aicc = boxcox_mod.aicc_on_data_scale(aicc, y.values, lam)
    return _states_scaled(names, best[0], seasonal, scale), aicc


def _ets_optimise(model, start):
    """One L-BFGS-B run of model from start (None: statsmodels' own);
    (parameters, AICc) or None if it fails or the fit is not valid."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            params = model.fit(disp=False, maxiter=200, start_params=start, return_params=True)
            res = model.smooth(params)
        except (ValueError, np.linalg.LinAlgError):
            return None
    if not np.isfinite(res.aicc):
        return None
    if "mul" in (model.error, model.seasonal):
        # a multiplicative model is only defined while its level stays
        # positive; an optimiser can wander to a negative level, where the
        # likelihood is meaningless and the forecasts explode
        fitted = np.asarray(res.fittedvalues, float)
        if np.any(fitted <= 0) or np.any(np.asarray(res.level, float) <= 0):
            return None
    return np.asarray(params, float), float(res.aicc)


def fit_ets(y, h, period, form=None, start=None, boxcox=True):
    """Fit ETS: the given form (error, trend, damped, seasonal[, λ]),
    optimised from start (the parameters of an earlier fit, e.g. on the
    whole training part: a cross-validation origin refits in a few steps),
    or every candidate form — on y, and (if boxcox) the additive ones on
    Box-Cox(y) when Guerrero's λ for y is worth trying — and keep the lowest AICc on
    the data's scale. The Forecast's ``start`` is its fitted parameters,
    its ``alternative`` the best form of the other kind (Box-Cox or not;
    None if there was none), for a choice by cross-validation."""
    if form:
        forms = [tuple(form)]
        fits = [_fit_ets_form(y, period, forms[0], start)]
        if fits[0] is None and start is not None:
            fits = [_fit_ets_form(y, period, forms[0])]
    else:                         # the family: independent fits, on two CPUs where there are two
        lam = boxcox_mod.choose_lambda(y.values, period) if boxcox else None
        forms = ets_candidates(y, period) + \
            (ets_boxcox_candidates(y, period, lam) if lam is not None else [])
        fits = parallel.pmap(lambda f: _fit_ets_form(y, period, f), forms)
    best = {}                     # kind (Box-Cox or not) -> (parameters, AICc, form)
    for f, fitted in zip(forms, fits):
        kind = len(f) > 4 and f[4] is not None
        if fitted is not None and (kind not in best or fitted[1] < best[kind][1]):
            best[kind] = (fitted[0], fitted[1], f)
    if not best:
        raise RuntimeError("no ETS variant could be fitted")
    params, aicc, f = min(best.values(), key=lambda b: b[1])
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        res = _ets_model(y, period, f).smooth(params)
    other = [b[2] for b in best.values() if b[2] is not f]
    lam = f[4] if len(f) > 4 else None
    back = (lambda v: np.asarray(v, float)) if lam is None else (lambda v: boxcox_mod.inverse(v, lam))
    n = len(y)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        pred = res.get_prediction(start=n, end=n + h - 1, random_state=SEED)
        bands = {}
        for lev in LEVELS:
            frame = pred.summary_frame(alpha=1 - lev)
            bands[lev] = (back(frame["pi_lower"].values), back(frame["pi_upper"].values))
    mean = back(pred.predicted_mean)
    if not np.all(np.isfinite(mean)):
        raise RuntimeError("ETS forecast is not finite")
    fc = Forecast(mean, bands, params={"form": ets_name(f), "ets": list(f),
                                       "seasonal_periods": period if f[3] else None,
                                       "boxcox_lambda": lam, "aicc": aicc})
    fc.start = np.asarray(res.params, float)
    fc.alternative = list(other[0]) if other else None
    return fc


# ---------------------------------------------------------------- SARIMA

def fourier_terms(start, n, periods, k):
    """sin/cos pairs of harmonics 1..K (at most period/2) of each period, at
    positions start..start+n-1; k is one K for every period or a list, one
    K per period."""
    t = np.arange(start, start + n, dtype=float)
    ks = list(k) if isinstance(k, (list, tuple)) else [k] * len(periods)
    cols = {}
    for period, kp in zip(periods, ks):
        for j in range(1, min(kp, period // 2) + 1):
            cols["sin%d_%d" % (period, j)] = np.sin(2 * np.pi * j * t / period)
            cols["cos%d_%d" % (period, j)] = np.cos(2 * np.pi * j * t / period)
    return pd.DataFrame(cols)


def search_sarima(y, period, fourier_d, fourier_periods, deadline=None, boxcox=True):
    """Choose the SARIMA model on y by AICc: on y, and (if boxcox) on
    Box-Cox(y) when Guerrero's λ for y is worth trying (the two compared on the data's
    scale; the other's winner is the report's ``alternative``, for a choice
    by cross-validation). Short seasons: d and D by auto.arima's unit-root
    tests of the (transformed) data (arima.unit_root_orders), before and
    outside any AICc comparison, then the stepwise seasonal search. Long
    seasons: D = 0, d = fourier_d, and Fourier regressors with K harmonics
    per period, each K chosen by AICc (_search_fourier). Every candidate of
    one search is fitted by the same likelihood: exact for short series
    (arima.likelihood_method), CSS otherwise. Returns (params, search
    report, the winner's ArimaFit on y, for sarima_forecast)."""
    v = y.values.astype(float)
    m = period if period <= MAX_SARIMA_SEASON else 1
    lam = boxcox_mod.choose_lambda(v, period) if boxcox else None
    tries = [None] + ([lam] if lam is not None else [])
    best, found = None, {}
    for lt in tries:
        data = v if lt is None else boxcox_mod.transform(v, lt)
        if period <= MAX_SARIMA_SEASON:
            d, big_d, why = arima.unit_root_orders(data, period)
            fit, rep = arima.stepwise_search(data, period, d, big_d, deadline=deadline)
            rep = dict(rep, differencing=why)
            extra = {}
        else:
            fit, rep, extra = _search_fourier(data, fourier_d, fourier_periods, deadline)
            rep = dict(rep, differencing="D = 0 (Fourier terms carry the seasons), d = %d from "
                                         "the EDA's KPSS" % fourier_d, limits=None)
        if fit is None:
            continue
        score = fit.aicc if lt is None else \
            boxcox_mod.aicc_on_data_scale(fit.aicc, v[-fit.n_used:], lt)
        rep = dict(rep, aicc_data_scale=score)
        if best is None or score < best[0]:
            best = (score, fit, rep, extra, lt)
        found[lt] = dict(fit.spec, period=m if m >= 2 else 1, likelihood=fit.method,
                         boxcox_lambda=lt, **extra)
        if deadline is not None and time.monotonic() >= deadline:
            break
    if best is None:
        raise RuntimeError("no SARIMA model could be fitted")
    score, fit, rep, extra, lt = best
    rep = dict(rep, boxcox_lambda_tried=lam, boxcox_lambda=lt, aicc=score,
               alternative=next((p for k, p in found.items() if k != lt), None))
    return found[lt], rep, fit


def _search_fourier(v, d, periods, deadline):
    """Fourier regressors for long seasons with one K per period, chosen by
    AICc one period at a time (the others held at their best so far): K =
    1, 2, ... up to MAX_FOURIER_K (and period/2), stopping after two
    values without improvement; each K with a stepwise search of the
    non-seasonal ARMA errors. Returns (fit, report, {"K", "fourier_periods"})."""
    ks = [1] * len(periods)
    best, reports = None, []

    def attempt(trial):
        exog = fourier_terms(0, len(v), periods, trial).values
        fit, rep = arima.stepwise_search(v, 1, d, 0, exog=exog, deadline=deadline)
        reports.append(dict(rep, K=list(trial)))
        return fit

    best = attempt(ks)
    for i, period in enumerate(periods):
        worse = 0
        for k in range(2, min(MAX_FOURIER_K, period // 2) + 1):
            if deadline is not None and time.monotonic() >= deadline:
                break
            trial = ks[:i] + [k] + ks[i + 1:]
            fit = attempt(trial)
            if fit is not None and (best is None or fit.aicc < best.aicc):
                best, ks, worse = fit, trial, 0
            else:
                worse += 1
                if worse >= 2:
                    break
    rep = {"criterion": reports[0]["criterion"],
           "search": "K per period (%s) by AICc, one period at a time; stepwise ARMA errors "
                     "for each of %d K sets" % (", ".join(map(str, periods)), len(reports)),
           "models_tried": sum(r["models_tried"] for r in reports),
           "aicc": None if best is None else best.aicc, "K": ks, "k_sets": len(reports),
           "stopped_by": reports[-1]["stopped_by"],
           "seconds": round(sum(r["seconds"] for r in reports), 3)}
    return best, rep, {"K": ks, "fourier_periods": list(periods)}


def fit_sarima(y, h, params):
    """Fit the SARIMA model params (from search_sarima: orders, likelihood,
    Box-Cox λ, Fourier K per period) on y and forecast h steps."""
    spec = {k: params[k] for k in ("p", "d", "q", "P", "D", "Q", "constant")}
    m, k = params["period"], params.get("K", 0)
    lam = params.get("boxcox_lambda")
    periods = params.get("fourier_periods") or []
    exog = fourier_terms(0, len(y), periods, k).values if k else None
    v = y.values.astype(float)
    if lam is not None:
        if not np.all(v > 0):
            raise RuntimeError("Box-Cox needs positive data")
        v = boxcox_mod.transform(v, lam)
    fit = arima.fit_arima(v, spec, m, exog, method=params.get("likelihood", "css"))
    if fit is None:
        raise RuntimeError("SARIMA %s could not be fitted" % arima.form_name(spec, m))
    return sarima_forecast(fit, params, h)


def sarima_forecast(fit, params, h):
    """The h-step Forecast of fit, an ArimaFit of params (as fit_sarima
    makes, or search_sarima's winner), back on the data's scale."""
    spec, m, k = fit.spec, params["period"], params.get("K", 0)
    lam = params.get("boxcox_lambda")
    periods = params.get("fourier_periods") or []
    fexog = fourier_terms(len(fit.y), h, periods, k).values if k else None
    mean, bands = fit.forecast(h, fexog, LEVELS)
    if lam is not None:
        mean = boxcox_mod.inverse(mean, lam)
        bands = {lev: (boxcox_mod.inverse(lo, lam), boxcox_mod.inverse(hi, lam))
                 for lev, (lo, hi) in bands.items()}
    if not np.all(np.isfinite(mean)):
        raise RuntimeError("SARIMA forecast is not finite")
    form = arima.form_name(spec, m)
    if k:
        ks = k if isinstance(k, (list, tuple)) else [k] * len(periods)
        form += " + Fourier terms (%s)" % ", ".join(
            "%d harmonics of period %d" % (kp, per) for per, kp in zip(periods, ks))
    if lam is not None:
        form += " of Box-Cox(λ = %.3g)" % lam
    form += ", %s likelihood" % ("exact" if fit.method == "exact" else "CSS")
    return Forecast(mean, bands, params=dict(params, form=form, aicc=fit.aicc,
                                             sigma2=fit.sigma2))


# ---------------------------------------------------------------- Theta

def fit_theta(y, h, period):
    """statsmodels' ThetaModel (multiplicative deseasonalising for positive
    data when the 90 % ACF test finds a season), with R's thetaf intervals:
    mean ± z·σ·sqrt(1 + (k−1)α²) at step k, σ² the variance of the SES
    one-step errors of the (deseasonalised) series (statsmodels' own
    intervals refit an ARIMA(0,1,1) by SARIMAX on the seasonal series for
    σ², 0.1–0.2 s per fit, and use 1 + (α−1)² where the SES variance has α²)."""
    seasonal = 2 <= period <= len(y) // 2
    v = y.values.astype(float)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        model = ThetaModel(v, period=period if seasonal else 1,
                           deseasonalize=seasonal, use_test=seasonal)
        res = model.fit()
        mean = np.asarray(res.forecast(h), float)
    alpha = float(res.params["alpha"])
    season = np.asarray(res._seasonal, float)       # one period of indices, empty if none
    des = v if not len(season) else (
        v / np.resize(season, len(v)) if model.method == "mul" else v - np.resize(season, len(v)))
    sigma = np.sqrt(_ses_variance(des, alpha))
    bands = normal_bands(mean, sigma * np.sqrt(1 + np.arange(h) * alpha ** 2))
    if not np.all(np.isfinite(mean)):
        raise RuntimeError("Theta forecast is not finite")
    return Forecast(mean, bands, params={"form": "Theta (theta = 2)",
                                         "deseasonalized": bool(len(season)),
                                         "alpha": alpha, "b0": float(res.params["b0"])})


def _ses_variance(x, alpha):
    """σ² of simple exponential smoothing with smoothing α, started at the
    first value (as ThetaModel's SES): the sum of squared one-step errors
    over their count less the one estimated parameter."""
    level = lfilter([alpha], [1.0, alpha - 1.0], x[:-1], zi=[(1.0 - alpha) * x[0]])[0]
    e = x[1:] - level
    return float(np.sum(e ** 2) / max(1, len(e) - 1))


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
    """Fit HistGradientBoostingRegressor directly on every horizon 1..h
    (one model, the horizon a feature) and forecast h steps from the end of y.

    A row is an origin t and a horizon k: the lag and rolling features of
    the target up to t, the calendar of t+k, and k; its label is y[t+k]
    minus the naive path of the differencing from t (the level carried
    forward for d = 1, the last season for D = 1, both for both: what
    Δ(B)y = 0 forecasts), so the trees never extrapolate a level. No
    forecast is fed back as history, so errors do not compound over the
    horizon. Origins are thinned evenly (the most recent kept) to at most
    MAX_DIRECT_ROWS rows."""
    from sklearn.ensemble import HistGradientBoostingRegressor   # only when boosting runs
    v = y.values.astype(float)
    n = len(v)
    origin, delta, origins, at, keep = _direct_rows(y, h, spec)
    steps = np.arange(1, h + 1)
    calendar = calendar_columns(y.index.append(future_index(y.index, h)), spec)
    base = naive_paths(v, origins, h, delta)
    x = _direct_design(origin, calendar, spec, origins, at, keep)
    model = HistGradientBoostingRegressor(random_state=SEED, **params)
    model.fit(x, v[at[keep]] - base[keep])
    last = np.array([n - 1])
    xf = _direct_design(origin, calendar, spec, last, last[:, None] + steps[None, :],
                        np.ones((1, h), bool))
    mean = naive_paths(v, last, h, delta)[0] + model.predict(xf)
    return Forecast(mean, params=dict(params, features=spec.names + ["horizon"],
                                      scheme="direct: one model for horizons 1..%d" % h,
                                      target="y[t+k] minus the naive path of %s from t"
                                      % transform_name(spec.d, spec.big_d, spec.period),
                                      training_rows=int(keep.sum())))


MAX_DIRECT_ROWS = 5000


def _direct_rows(y, h, spec):
    """The direct rows fit_gbm trains on: (origin feature columns, the
    differencing polynomial, the origins, their target positions, which
    of them lie inside y); RuntimeError if there are too few."""
    n = len(y)
    origin = origin_columns(make_target(y, spec), spec)
    delta = arima.diff_poly(spec.d, spec.big_d, spec.period)
    ok = np.ones(n, bool)
    for col in origin.values():
        ok &= np.isfinite(col)
    ok[:len(delta) - 1] = False
    cand = np.flatnonzero(ok[:n - 1])
    if not ok[n - 1] or len(cand) == 0:
        raise RuntimeError("the series is too short for the features' history")
    stride = max(1, int(np.ceil(len(cand) * min(h, n) / MAX_DIRECT_ROWS)))
    origins = cand[::-1][::stride][::-1]
    at = origins[:, None] + np.arange(1, h + 1)[None, :]
    keep = at <= n - 1
    if keep.sum() < 10:
        raise RuntimeError("only %d rows with complete features; need 10" % keep.sum())
    return origin, delta, origins, at, keep


def check_gbm_data(y, h, spec):
    """RuntimeError (as fit_gbm would raise) if y is too short for boosting."""
    _direct_rows(y, h, spec)


def _direct_design(origin, calendar, spec, origins, at, keep):
    """Rows (origin, horizon) where keep: spec's features in order (lag and
    rolling at the origin, calendar at the target time), then the horizon."""
    cols = []
    for name in spec.names:
        if name in calendar:
            cols.append(calendar[name][at[keep]])
        else:
            cols.append(np.broadcast_to(origin[name][origins][:, None], at.shape)[keep])
    cols.append((at - origins[:, None])[keep].astype(float))
    return np.column_stack(cols)


def naive_paths(v, origins, h, delta):
    """(len(origins), h): from each origin t, the levels that make the
    differencing polynomial delta zero (Δ(B)y = 0), i.e. the forecast of the
    differencing alone; zeros without differencing."""
    lag = len(delta) - 1
    if lag == 0:
        return np.zeros((len(origins), h))
    hist = v[origins[:, None] + np.arange(-lag + 1, 1)[None, :]]
    out = np.concatenate([hist, np.zeros((len(origins), h))], axis=1)
    for k in range(h):
        t = lag + k
        out[:, t] = -sum(delta[i] * out[:, t - i] for i in range(1, lag + 1))
    return out[:, lag:]


def timed(fn, *args, **kwargs):
    """Call fn and return (result, seconds)."""
    t0 = time.monotonic()
    res = fn(*args, **kwargs)
    return res, time.monotonic() - t0
