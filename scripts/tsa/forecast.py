"""Hold-out comparison of the models and the final forecast.

``run_forecast`` splits off the last h points, re-runs the EDA on the rest
(so the hold-out does not shape the models it scores), tunes SARIMA and gradient
boosting on the rest (see tuning), fits every model on the training part,
scores the hold-out with every metric, refits the best by MASE on all the
data and forecasts h steps ahead with a 95% interval: the model's own for
SARIMA and ETS, empirical quantiles of the hold-out errors otherwise.
"""

import math
import time

import numpy as np
import pandas as pd

from . import models, tuning
from .errors import InputError
from .eda import run_eda
from .features import FeatureSpec, parse_requested, recommend
from .metrics import all_metrics, mase_scale

STAT_WINDOW = 1000     # SARIMA and ETS fit on at most the most recent points
MODEL_ORDER = ["seasonal_naive", "ets", "sarima", "gbm"]


def default_horizon(period):
    """One season for seasons of 12 or more, whole seasons covering about 12
    steps for shorter ones, 12 without a season."""
    if period >= 12:
        return int(period)
    if period >= 2:
        return int(period * max(1, round(12 / period)))
    return 12


def plan_horizon(n, period, spec, requested):
    """Choose h so the training part still leaves a validation tail of h and
    enough history to fit. Returns (h, note or None)."""
    h = requested or default_horizon(period)
    min_fit = max(10 + spec.history_needed() + spec.lost_rows(), 2 * period + 2 if period >= 2 else 10)
    if n >= 2 * h + min_fit:
        return h, None
    fit_h = (n - min_fit) // 2
    if fit_h < 1:
        raise InputError("too_few_points", "%d points are too few to hold out a forecast "
                         "horizon and still fit the models (need at least %d)" % (n, min_fit + 2))
    return fit_h, "horizon reduced from %d to %d: the series is short" % (h, fit_h)


def run_forecast(series, eda, rec, alias, features=None, horizon=None, trials=30,
                 time_budget=60.0):
    """Compare the models on a hold-out and forecast the future.

    The hold-out comparison takes nothing from the hold-out: its model
    structure (season, differencing, features) comes from an EDA of the
    training part alone, and tuning sees only the training part. The final
    forecast uses the structure from the EDA of all data (``eda``, ``rec``).
    ``features`` is the --features text, if any.

    Returns (result dict, holdout frame, future frame, metrics frame).
    """
    t_start = time.monotonic()
    h, h_note = plan_horizon(len(series), eda["seasonality"]["period"],
                             FeatureSpec.from_recommendation(rec), horizon)
    notes = [h_note] if h_note else []
    train, test = series.iloc[:-h], series.iloc[-h:]
    train_eda, _ = run_eda(train, alias)
    train_rec = recommend(train_eda, alias, len(train))
    if features:
        train_rec = parse_requested(features, train_rec["target"])
    st = _structure(train_eda, train_rec)
    final = _structure(eda, rec)
    stat_train = train.iloc[-STAT_WINDOW:]
    if len(stat_train) < len(train):
        notes.append("SARIMA and ETS are fitted on the most recent %d of %d training points "
                     "to keep fitting time bounded" % (len(stat_train), len(train)))
    if final["period"] > models.MAX_SARIMA_SEASON:
        notes.append("season of %d steps is too long for a seasonal ARIMA; SARIMA uses "
                     "Fourier terms for the seasons instead" % final["period"])

    deadline = t_start + time_budget
    sarima_deadline = t_start + 0.6 * time_budget
    sarima_params, sarima_tuning = tuning.tune_sarima(
        stat_train, h, st["period"], st["d"], st["D"], st["fourier_periods"], trials, sarima_deadline)
    gbm_params, gbm_tuning = tuning.tune_gbm(train, h, st["spec"], trials, deadline)

    fitters = _fitters(st["period"], st["spec"], sarima_params, gbm_params)
    period = st["period"]
    scale = mase_scale(train.values, period)
    results, holdout = [], pd.DataFrame({"time": test.index, "actual": test.values})
    for name in MODEL_ORDER:
        data = stat_train if name in ("ets", "sarima") else train
        entry = {"name": name, "metrics": None, "params": None, "fit_seconds": None, "error": None}
        try:
            fc, secs = models.timed(fitters[name], data, h)
            entry.update(metrics=all_metrics(test.values, fc.mean, scale), params=fc.params,
                         fit_seconds=round(secs, 3))
            holdout[name] = fc.mean
        except Exception as e:  # a model that cannot be fitted is reported, not fatal
            entry["error"] = "%s: %s" % (type(e).__name__, e)
        results.append(entry)

    scored = [r for r in results if r["metrics"] and r["metrics"]["mase"] is not None
              and math.isfinite(r["metrics"]["mase"])]
    if not scored:
        raise InputError("no_model", "no model could be fitted to this series")
    best = min(scored, key=lambda r: r["metrics"]["mase"])
    final_sarima = tuning.complete_sarima(sarima_tuning["best_params"], final["period"], final["d"],
                                          final["D"], final["fourier_periods"])
    final_fitters = _fitters(final["period"], final["spec"], final_sarima, gbm_params)
    future, interval = _final_forecast(best["name"], final_fitters, series, h, holdout)
    result = {
        "horizon": h, "period": period, "interval_level": 1 - models.ALPHA,
        "split": {"train_start": train.index[0].isoformat(), "train_end": train.index[-1].isoformat(),
                  "test_start": test.index[0].isoformat(), "test_end": test.index[-1].isoformat(),
                  "n_train": len(train), "n_test": h, "validation": "last %d training points" % h},
        "mase_scale": scale,
        "holdout_basis": dict(_basis(train_eda), target=train_rec["target"]["transform"],
                              features=st["spec"].names),
        "tuning": {"sampler": "optuna TPE (seed %d)" % tuning.SEED, "trials": trials,
                   "time_budget_s": time_budget, "sarima": sarima_tuning, "gbm": gbm_tuning},
        "models": results,
        "best_model": best["name"],
        "interval": interval,
        "forecast": [{"time": t.isoformat(), "forecast": f, "lower": lo, "upper": hi}
                     for t, f, lo, hi in future.itertuples(index=False)],
        "notes": notes,
        "seconds": round(time.monotonic() - t_start, 2),
    }
    metrics = pd.DataFrame([dict(model=r["name"], **(r["metrics"] or {})) for r in results])
    return result, holdout, future, metrics


def _structure(eda, rec):
    """Season, differencing orders for SARIMA, Fourier seasons and the
    feature spec, from one EDA and its recommendation."""
    period = eda["seasonality"]["period"]
    d, big_d = eda["differencing"]["d"], eda["differencing"]["D"]
    if period < 2 or period > models.MAX_SARIMA_SEASON:
        d, big_d = eda["differencing"]["d_nonseasonal"], 0
    fourier = sorted({c["lag"] for c in eda["seasonality"]["checked"] if c["significant"]}
                     | {period}) if period > 1 else []
    return {"period": period, "d": d, "D": big_d, "fourier_periods": fourier,
            "spec": FeatureSpec.from_recommendation(rec)}


def _basis(eda):
    return {"reading": eda["stationarity"]["reading"], "period": eda["seasonality"]["period"],
            "d": eda["differencing"]["d"], "D": eda["differencing"]["D"]}


def _fitters(period, spec, sarima_params, gbm_params):
    """name -> fit(y, h) for every model, tuned parameters bound in."""
    return {
        "seasonal_naive": lambda y, h: models.fit_seasonal_naive(y, h, period),
        "ets": lambda y, h: models.fit_ets(y, h, period),
        "sarima": lambda y, h: models.fit_sarima(y, h, period, sarima_params),
        "gbm": lambda y, h: models.fit_gbm(y, h, spec, gbm_params),
    }


def _final_forecast(name, fitters, series, h, holdout):
    """Refit the chosen model on all data (the recent window for SARIMA/ETS)
    and forecast h steps with its interval."""
    data = series.iloc[-STAT_WINDOW:] if name in ("ets", "sarima") else series
    fc = fitters[name](data, h)
    times = models.future_index(series.index, h)
    if fc.lower is not None:
        interval = {"method": "model", "level": 1 - models.ALPHA}
        lo, hi = fc.lower, fc.upper
    else:
        err = holdout["actual"].values - holdout[name].values
        q_lo, q_hi = np.quantile(err, [models.ALPHA / 2, 1 - models.ALPHA / 2])
        lo, hi = fc.mean + q_lo, fc.mean + q_hi
        interval = {"method": "empirical quantiles of the %d hold-out errors" % len(err),
                    "level": 1 - models.ALPHA}
    future = pd.DataFrame({"time": times, "forecast": fc.mean, "lower": lo, "upper": hi})
    return future, interval
