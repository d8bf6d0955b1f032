"""Hold-out comparison of the models and the final forecast.

``run_forecast`` splits off the last h points, tunes SARIMA and gradient
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
from .features import FeatureSpec
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


def run_forecast(series, eda, rec, horizon=None, trials=30, time_budget=60.0):
    """Compare the models on a hold-out and forecast the future.

    Returns (result dict, holdout frame, future frame, metrics frame).
    """
    t_start = time.monotonic()
    period = eda["seasonality"]["period"]
    d, big_d = eda["differencing"]["d"], eda["differencing"]["D"]
    if period < 2 or period > models.MAX_SARIMA_SEASON:
        d, big_d = eda["differencing"]["d_nonseasonal"], 0
    spec = FeatureSpec.from_recommendation(rec)
    h, h_note = plan_horizon(len(series), period, spec, horizon)
    notes = [h_note] if h_note else []
    train, test = series.iloc[:-h], series.iloc[-h:]
    stat_train = train.iloc[-STAT_WINDOW:]
    if len(stat_train) < len(train):
        notes.append("SARIMA and ETS are fitted on the most recent %d of %d training points "
                     "to keep fitting time bounded" % (len(stat_train), len(train)))
    if period > models.MAX_SARIMA_SEASON:
        notes.append("season of %d steps is too long for a seasonal ARIMA; SARIMA uses "
                     "Fourier terms for the seasons instead" % period)

    deadline = t_start + time_budget
    sarima_deadline = t_start + 0.6 * time_budget
    fourier_periods = sorted({c["lag"] for c in eda["seasonality"]["checked"]
                              if c["significant"]} | {period}) if period > 1 else []
    sarima_params, sarima_tuning = tuning.tune_sarima(stat_train, h, period, d, big_d,
                                                      fourier_periods, trials, sarima_deadline)
    gbm_params, gbm_tuning = tuning.tune_gbm(train, h, spec, trials, deadline)

    fitters = _fitters(period, spec, sarima_params, gbm_params)
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
    future, interval = _final_forecast(best["name"], fitters, series, h, holdout)
    result = {
        "horizon": h, "period": period, "interval_level": 1 - models.ALPHA,
        "split": {"train_start": train.index[0].isoformat(), "train_end": train.index[-1].isoformat(),
                  "test_start": test.index[0].isoformat(), "test_end": test.index[-1].isoformat(),
                  "n_train": len(train), "n_test": h, "validation": "last %d training points" % h},
        "mase_scale": scale,
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
