"""Model choice by rolling-origin cross-validation, one hold-out score,
and the final forecast.

``run_forecast`` splits off the last h points (the hold-out) and never lets
them shape a choice: the EDA is re-run on the training part (season,
differencing, features), the SARIMA orders and the ETS form are chosen by
AICc on the training part, boosting (only with ``boosting``, --boosting)
is tuned on it, and the model is *chosen* by rolling-origin
cross-validation inside it (as forecast::tsCV: origins n_train − k·h for
k = 1..CV_ORIGINS, each model refitted on the data before the origin and
forecasting h ahead; the models on two CPUs, tsa.parallel), by mean MASE; with
``boxcox``, the same CV first decides, for SARIMA and for ETS, between the
best untransformed and the best Box-Cox structure. Then every
model is fitted once on the whole training part and scored on the hold-out
— for information: the choice is already made. The chosen model is refitted
on all data and forecasts h steps with its 80 % and 95 % intervals (the
model's own; for boosting, empirical quantiles of its CV errors).

MASE is scaled, as forecast::accuracy does, by the in-sample MAE of the
seasonal-naive forecast at the data's frequency (12 monthly, 4 quarterly,
1 yearly...), not at the detected period, which is reported beside it.
"""

import math
import time

import numpy as np
import pandas as pd

from . import models, parallel
from .errors import InputError
from .eda import calendar_periods, frequency_period, run_eda
from .features import FeatureSpec, parse_requested, recommend
from .metrics import all_metrics, mase_scale

STAT_WINDOW = 1000     # SARIMA, ETS and Theta fit on at most the most recent points
CV_ORIGINS = 3
MODEL_ORDER = ["seasonal_naive", "ets", "sarima", "theta", "combination", "gbm"]
STAT_MODELS = ("ets", "sarima", "theta", "combination")
COMBINED = ("ets", "sarima", "theta")


def default_horizon(period):
    """One season for seasons of 12 or more, whole seasons covering about 12
    steps for shorter ones, 12 without a season."""
    if period >= 12:
        return int(period)
    if period >= 2:
        return int(period * max(1, round(12 / period)))
    return 12


def min_fit_points(period, spec):
    """The shortest history the models are fitted on."""
    return max(10 + spec.history_needed() + spec.lost_rows(), 2 * period + 2 if period >= 2 else 10)


def plan_horizon(n, period, spec, requested):
    """Choose h so the training part still leaves a validation tail of h and
    enough history to fit. Returns (h, note or None)."""
    h = requested or default_horizon(period)
    min_fit = min_fit_points(period, spec)
    if n >= 2 * h + min_fit:
        return h, None
    fit_h = (n - min_fit) // 2
    if fit_h < 1:
        raise InputError("too_few_points", "%d points are too few to hold out a forecast "
                         "horizon and still fit the models (need at least %d)" % (n, min_fit + 2))
    return fit_h, "horizon reduced from %d to %d: the series is short" % (h, fit_h)


def cv_origins(n_train, h, min_fit, k=CV_ORIGINS):
    """Rolling origins n_train - j*h (j = 1..k) that leave min_fit points to
    fit on; at least the last one."""
    out = [n_train - j * h for j in range(1, k + 1) if n_train - j * h >= min_fit]
    return sorted(out) or [n_train - h]


def run_forecast(series, eda, rec, alias, features=None, horizon=None, trials=30,
                 time_budget=60.0, boxcox=False, boosting=False):
    """Choose a model by cross-validation on the training part, score it
    (and the others) once on the hold-out, forecast the future.

    ``eda``/``rec`` are of all the data (they shape the final boosting
    features); ``features`` is the --features text, if any; ``boxcox``
    lets ETS and SARIMA try a Box-Cox transform (--boxcox auto);
    ``boosting`` adds the tuned gradient-boosting model (--boosting).
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
    st = _structure(train_eda, train_rec, alias)
    final = _structure(eda, rec, alias)
    period = st["period"]
    if len(train) > STAT_WINDOW:
        notes.append("SARIMA, ETS and Theta are fitted on the most recent %d of %d training "
                     "points to keep fitting time bounded" % (STAT_WINDOW, len(train)))
    if period > models.MAX_SARIMA_SEASON:
        notes.append("season of %d steps is too long for a seasonal ARIMA; SARIMA uses "
                     "Fourier terms for the seasons instead" % period)

    # choices on the training part only: SARIMA orders and ETS form by AICc, boosting tuning
    # boosting tuning stops at 60 % of the budget, so that cross-validation,
    # the hold-out and the final refit fit in the rest
    deadline = t_start + 0.6 * time_budget
    stat_train = train.iloc[-STAT_WINDOW:]
    clock = {"eda_of_training": time.monotonic() - t_start}
    t0 = time.monotonic()
    # the SARIMA search's 40 % counts from here, not from before the training
    # EDA (which takes half a minute on 16,000 hourly points); a search is cheap
    choices, selection = _choose_structures(stat_train, st, t0 + 0.4 * time_budget, h, boxcox)
    clock["sarima_ets_choice"] = time.monotonic() - t0
    t0 = time.monotonic()
    origins = cv_origins(len(train), h, min_fit_points(period, st["spec"]))
    mase_m = frequency_period(alias)
    scale = mase_scale(train.values, mase_m)
    boxcox_cv = _choose_boxcox(choices, selection, train, h, origins, scale, period)
    clock["boxcox_choice"] = time.monotonic() - t0
    t0 = time.monotonic()
    gbm_params, gbm_tuning, sampler = None, {"skipped": "not asked for (--boosting)"}, None
    if boosting:
        from . import tuning      # optuna's import alone takes half a second
        # boosting is tuned before the first CV origin, so its CV scores are out of sample
        gbm_params, gbm_tuning = tuning.tune_gbm(train.iloc[:origins[0]], h, st["spec"], trials,
                                                 deadline)
        sampler = "optuna TPE (seed %d)" % tuning.SEED
    else:
        notes.append("gradient boosting was not run (its study takes about a quarter of the "
                     "forecast's time and cross-validation rarely chose it): --boosting adds it")
    # ETS at a CV origin starts from the previous origin's fit (which saw
    # only earlier data), the final refit from the training part's fit
    warm = {}
    fitters = _fitters(period, st["spec"], choices, gbm_params, warm)
    clock["gbm_tuning"] = time.monotonic() - t0
    t0 = time.monotonic()

    cv = _cross_validate(fitters, train, h, origins, scale, warm, boxcox_cv)
    best = _choose(cv)
    clock["cross_validation"] = time.monotonic() - t0
    t0 = time.monotonic()
    if best is None:
        raise InputError("no_model", "no model could be fitted to this series")

    # the hold-out, touched once: every model fitted on the training part
    results, holdout = [], pd.DataFrame({"time": test.index, "actual": test.values})
    # the ETS and SARIMA choices were fitted on exactly these points (the
    # training part's recent window) with this h: their forecasts are the hold-out ones
    fits = _fit_all(fitters, train, h, cached=choices["fitted"])
    for name in _names(fitters):
        fc, secs, err = fits[name]
        entry = {"name": name, "cv": cv[name]["summary"], "holdout": None,
                 "holdout_coverage": None, "params": None, "fit_seconds": None, "error": err}
        if fc is not None:
            entry.update(holdout=all_metrics(test.values, fc.mean, scale),
                         holdout_coverage=_coverage(test.values, fc),
                         params=fc.params, fit_seconds=round(secs, 3))
            holdout[name] = fc.mean
        elif cv[name]["error"] and not err:
            entry["error"] = cv[name]["error"]
        results.append(entry)

    clock["holdout"] = time.monotonic() - t0
    t0 = time.monotonic()
    warm["ets"] = choices["ets_start"]
    final_fitters = _fitters(final["period"] if best == "gbm" else period, final["spec"],
                             choices, gbm_params, warm)
    future, interval = _final_forecast(best, final_fitters, series, h, cv[best]["errors"])
    clock["final_refit"] = time.monotonic() - t0
    result = {
        "horizon": h, "period": period, "interval_level": 1 - models.ALPHA,
        "split": {"train_start": train.index[0].isoformat(), "train_end": train.index[-1].isoformat(),
                  "test_start": test.index[0].isoformat(), "test_end": test.index[-1].isoformat(),
                  "n_train": len(train), "n_test": h,
                  "validation": "rolling-origin cross-validation on the training part: %d "
                                "origins, each forecasting %d ahead" % (len(origins), h)},
        "mase_scale": scale,
        "mase": {"scale": scale, "period": mase_m, "detected_period": st["detected_period"],
                 "basis": "in-sample MAE of the seasonal-naive forecast at the data's "
                          "frequency (lag %d), as forecast::accuracy" % mase_m},
        "holdout_basis": dict(_basis(train_eda), target=train_rec["target"]["transform"],
                              features=st["spec"].names),
        "selection": {"method": "rolling-origin cross-validation on the training part",
                      "criterion": "mean MASE over the origins",
                      "origins": [train.index[o].isoformat() for o in origins],
                      "horizon": h, "chosen": best,
                      "structures": selection,
                      "holdout_used_for_choice": False},
        "tuning": {"sampler": sampler, "trials": trials,
                   "time_budget_s": time_budget, "sarima": selection.get("sarima"),
                   "gbm": gbm_tuning},
        "models": results,
        "best_model": best,
        "interval": interval,
        "forecast": [{"time": t.isoformat(), "forecast": f, "lower": lo, "upper": hi,
                      "lower80": lo8, "upper80": hi8}
                     for t, f, lo, hi, lo8, hi8 in future.itertuples(index=False)],
        "notes": notes,
        "seconds": round(time.monotonic() - t_start, 2),
        "timings": {k: round(v, 3) for k, v in clock.items()},
    }
    metrics = pd.DataFrame([dict(model=r["name"], **(r["holdout"] or {}),
                                 cv_mase=(r["cv"] or {}).get("mase"),
                                 cv_coverage80=(r["cv"] or {}).get("coverage80"),
                                 cv_coverage95=(r["cv"] or {}).get("coverage95"))
                            for r in results])
    return result, holdout, future, metrics


def _choose_structures(y, st, deadline, h, boxcox):
    """SARIMA orders and ETS form, each by AICc on y (the training part).
    Returns ({"sarima": params | None, "ets": form | None, "ets_start":
    its fitted parameters, "fitted": {"ets", "sarima": their h-step Forecasts}}, report)."""
    choices = {"sarima": None, "ets": None, "ets_start": None, "fitted": {},
               "alternatives": {"sarima": None, "ets": None}}
    report = {}
    t0 = time.monotonic()
    try:
        t_search = time.monotonic()
        choices["sarima"], rep, fit = models.search_sarima(y, st["period"], st["d"],
                                                           st["fourier_periods"], deadline, boxcox)
        # the winner was fitted on exactly these points: its forecast is the hold-out one
        choices["fitted"]["sarima"] = (models.sarima_forecast(fit, choices["sarima"], h),
                                       time.monotonic() - t_search, None)
        choices["alternatives"]["sarima"] = rep.pop("alternative")
        report["sarima"] = dict(rep, chosen=models.arima.form_name(choices["sarima"],
                                                                   choices["sarima"]["period"]),
                                params=choices["sarima"])
    except Exception as e:  # reported, and the model drops out
        report["sarima"] = {"error": "%s: %s" % (type(e).__name__, e)}
    t1 = time.monotonic()
    try:
        t_ets = time.monotonic()
        fc = models.fit_ets(y, h, st["period"], boxcox=boxcox)
        choices["ets"], choices["ets_start"] = fc.params["ets"], fc.start
        choices["fitted"]["ets"] = (fc, time.monotonic() - t_ets, None)
        choices["alternatives"]["ets"] = fc.alternative
        report["ets"] = {"criterion": "AICc", "chosen": fc.params["form"],
                         "candidates": len(models.ets_candidates(y, st["period"])),
                         "boxcox_lambda": fc.params["boxcox_lambda"],
                         "seconds": round(time.monotonic() - t1, 3)}
    except Exception as e:
        report["ets"] = {"error": "%s: %s" % (type(e).__name__, e)}
    report["seconds"] = round(time.monotonic() - t0, 3)
    return choices, report


def _choose_boxcox(choices, report, train, h, origins, scale, period):
    """Box-Cox or not, for SARIMA and for ETS, by rolling-origin CV on the
    training part: AICc on the data's scale picks the best model of each
    kind, the mean MASE over the CV origins picks between the two (ties
    and failures keep the untransformed one). Updates choices and report;
    returns {origin: {name: (Forecast, seconds, None)}}, the winners' CV
    fits for _cross_validate to reuse."""
    cache = {o: {} for o in origins}
    for name in ("sarima", "ets"):
        alt = choices["alternatives"].get(name)
        if alt is None or choices[name] is None or name not in report:
            continue
        variants = {"aicc": choices[name], "other": alt}
        scores, fits = {}, {}
        for key, params in variants.items():
            start, mase, per = None, [], {}
            for o in origins:
                y = train.iloc[:o].iloc[-STAT_WINDOW:]
                t0 = time.monotonic()
                try:
                    fc = models.fit_sarima(y, h, params) if name == "sarima" else \
                        models.fit_ets(y, h, period, params, start)
                except Exception:  # a variant that fails at an origin loses
                    mase = None
                    break
                start = getattr(fc, "start", None)
                per[o] = (fc, time.monotonic() - t0, None)
                mase.append(float(np.mean(np.abs(train.values[o:o + h] - fc.mean))) / scale)
            scores[key] = float(np.mean(mase)) if mase else math.inf
            fits[key] = per
        lam = lambda p: p.get("boxcox_lambda") if name == "sarima" else (p[4] if len(p) > 4 else None)
        raw = "aicc" if lam(variants["aicc"]) is None else "other"
        bc = "other" if raw == "aicc" else "aicc"
        win = bc if scores[bc] < scores[raw] else raw
        report[name]["boxcox_choice"] = {
            "method": "rolling-origin CV on the training part, mean MASE",
            "lambda": lam(variants[bc]), "cv_mase_boxcox": scores[bc], "cv_mase_none": scores[raw],
            "chosen": "boxcox" if win == bc else "none"}
        if win == "other":
            choices[name] = alt
            choices["fitted"].pop(name, None)
            if name == "ets":
                choices["ets_start"] = None
            report[name]["chosen"] = models.arima.form_name(alt, alt["period"]) \
                if name == "sarima" else models.ets_name(alt)
            if name == "sarima":
                report[name]["params"] = alt
        for o, fit in fits[win].items():
            cache[o][name] = fit
    return cache


def _fit_all(fitters, y, h, cached=None):
    """name -> (Forecast or None, seconds, error or None); cached holds
    fits already made on these data; the combination reuses its members'
    forecasts."""
    out = dict(cached or {})
    for name in _names(fitters):
        if name != "combination" and name not in out:
            out[name] = _fit_one(fitters, name, y, h)
    out["combination"] = _combination(out)
    return out


def _fit_one(fitters, name, y, h):
    """(Forecast or None, seconds, error or None) of one model on y (its
    recent window for the statistical models)."""
    data = y.iloc[-STAT_WINDOW:] if name in STAT_MODELS else y
    t0 = time.monotonic()
    try:
        return fitters[name](data, h), time.monotonic() - t0, None
    except Exception as e:  # a model that cannot be fitted is reported, not fatal
        return None, time.monotonic() - t0, "%s: %s" % (type(e).__name__, e)


def _combination(fits):
    """The combination's (Forecast or None, seconds, error) from its members' fits."""
    parts = [fits[n][0] for n in COMBINED]
    if all(p is not None for p in parts):
        return models.combine(parts), sum(fits[n][1] for n in COMBINED), None
    return None, 0.0, "a member model could not be fitted"


def _coverage(actual, fc):
    """Share of actuals inside the 80 % and 95 % intervals (None without)."""
    if not fc.bands:
        return None
    a = np.asarray(actual, float)
    return {"coverage80": float(np.mean((a >= fc.bands[0.8][0]) & (a <= fc.bands[0.8][1]))),
            "coverage95": float(np.mean((a >= fc.bands[0.95][0]) & (a <= fc.bands[0.95][1])))}


def _cross_validate(fitters, train, h, origins, scale, warm, cached):
    """Rolling-origin CV: per model its MASE per origin, mean MASE, MAE,
    interval coverage and its raw errors (actual - forecast). Each model
    is fitted at every origin in turn, the models on two CPUs where there
    are two (parallel.pmap); each origin's ETS parameters are the start of
    the next origin's ETS fit, and the last go to warm; cached holds fits
    already made at an origin ({origin: {name: fit}})."""
    names = [n for n in _names(fitters) if n != "combination"]

    def at_every_origin(name):
        out = []
        for o in origins:
            fit = cached.get(o, {}).get(name) or _fit_one(fitters, name, train.iloc[:o], h)
            if name == "ets" and fit[0] is not None:
                warm["ets"] = fit[0].start
            out.append(fit)
        return out

    by_model = dict(zip(names, parallel.pmap(at_every_origin, names)))
    for fit in by_model.get("ets", []):     # the child's warm starts did not reach this process
        if fit[0] is not None:
            warm["ets"] = fit[0].start
    per = {name: {"mase": [], "mae": [], "in80": [], "in95": [], "errors": [], "error": None}
           for name in _names(fitters)}
    for i, o in enumerate(origins):
        fits = {name: by_model[name][i] for name in names}
        fits["combination"] = _combination(fits)
        actual = train.values[o:o + h]
        for name in per:
            fc, _, err = fits[name]
            if fc is None:
                per[name]["error"] = per[name]["error"] or err
                continue
            e = actual - fc.mean
            per[name]["errors"].append(e)
            per[name]["mae"].append(float(np.mean(np.abs(e))))
            per[name]["mase"].append(float(np.mean(np.abs(e))) / scale if scale > 0 else math.nan)
            if fc.bands:
                per[name]["in80"].extend((actual >= fc.bands[0.8][0]) & (actual <= fc.bands[0.8][1]))
                per[name]["in95"].extend((actual >= fc.bands[0.95][0]) & (actual <= fc.bands[0.95][1]))
    if "gbm" in per and per["gbm"]["errors"]:      # boosting's intervals come from these errors: coverage in-sample
        per["gbm"]["in80"] = per["gbm"]["in95"] = []
    for name, p in per.items():
        done = len(p["mase"])
        p["summary"] = None if not done else {
            "mase": float(np.mean(p["mase"])), "mae": float(np.mean(p["mae"])),
            "mase_by_origin": p["mase"], "origins_fitted": done, "origins": len(origins),
            "coverage80": float(np.mean(p["in80"])) if p["in80"] else None,
            "coverage95": float(np.mean(p["in95"])) if p["in95"] else None,
            "error": p["error"]}
    return per


def _names(fitters):
    """The models run, in MODEL_ORDER: those with a fitter, and the combination."""
    return [n for n in MODEL_ORDER if n in fitters or n == "combination"]


def _choose(cv):
    """The model with the lowest mean CV MASE among those fitted at every
    origin (or, if none is, at any)."""
    scored = [(n, c["summary"]) for n, c in cv.items() if c["summary"]
              and math.isfinite(c["summary"]["mase"])]
    full = [x for x in scored if x[1]["origins_fitted"] == x[1]["origins"]] or scored
    if not full:
        return None
    return min(full, key=lambda x: (x[1]["mase"], MODEL_ORDER.index(x[0])))[0]


def _structure(eda, rec, alias):
    """Season, the EDA's differencing orders (SARIMA uses its d with Fourier
    terms; with a short season it runs auto.arima's own tests,
    arima.unit_root_orders), Fourier seasons and the feature spec, from one
    EDA and its recommendation.

    The statistical models (and seasonal naive) take the detected period as
    a season only when the calendar implies it (12 for monthly data...): a
    cycle found in the ACF of yearly data (sunspots' ~11 years, lynx's ~10)
    has no fixed length, and a seasonal model of it repeats a shape the
    series does not keep (Hyndman & Athanasopoulos, 2.3); the boosting
    features still use it."""
    period = eda["seasonality"]["period"]
    if period not in calendar_periods(alias):
        period = 1
    d, big_d = eda["differencing"]["d"], eda["differencing"]["D"]
    if period < 2 or period > models.MAX_SARIMA_SEASON:
        d, big_d = eda["differencing"]["d_nonseasonal"], 0
    fourier = sorted({c["lag"] for c in eda["seasonality"]["checked"] if c["significant"]}
                     | {period}) if period > 1 else []
    return {"period": period, "d": d, "D": big_d, "fourier_periods": fourier,
            "detected_period": eda["seasonality"]["period"],
            "spec": FeatureSpec.from_recommendation(rec)}


def _basis(eda):
    return {"reading": eda["stationarity"]["reading"], "period": eda["seasonality"]["period"],
            "d": eda["differencing"]["d"], "D": eda["differencing"]["D"]}


def _fitters(period, spec, choices, gbm_params, warm):
    """name -> fit(y, h) for every model, the chosen structures bound in
    (boosting only with gbm_params, i.e. when it was asked for); ETS starts
    from warm["ets"] when set."""
    def unavailable(what):
        def fit(y, h):
            raise RuntimeError("no %s model was chosen on the training part" % what)
        return fit

    sarima = choices.get("sarima")
    ets = choices.get("ets")
    out = {
        "seasonal_naive": lambda y, h: models.fit_seasonal_naive(y, h, period),
        "ets": (lambda y, h: models.fit_ets(y, h, period, ets, warm.get("ets"))) if ets else unavailable("ETS"),
        "sarima": (lambda y, h: models.fit_sarima(y, h, sarima)) if sarima else unavailable("SARIMA"),
        "theta": lambda y, h: models.fit_theta(y, h, period),
    }
    if gbm_params is not None:
        out["gbm"] = lambda y, h: models.fit_gbm(y, h, spec, gbm_params)
    return out


def _final_forecast(name, fitters, series, h, cv_errors):
    """Refit the chosen model on all data (the recent window for the
    statistical models) and forecast h steps with 80/95 % intervals."""
    members = COMBINED if name == "combination" else (name,)
    parts = []
    for m in members:
        data = series.iloc[-STAT_WINDOW:] if m in STAT_MODELS else series
        parts.append(fitters[m](data, h))
    fc = models.combine(parts) if name == "combination" else parts[0]
    times = models.future_index(series.index, h)
    if fc.bands:
        interval = {"method": "model", "level": 1 - models.ALPHA, "levels": list(models.LEVELS)}
        bands = fc.bands
    else:
        err = np.concatenate(cv_errors) if cv_errors else np.zeros(1)
        bands = {lev: (fc.mean + np.quantile(err, 0.5 - lev / 2), fc.mean + np.quantile(err, 0.5 + lev / 2))
                 for lev in models.LEVELS}
        interval = {"method": "empirical quantiles of the %d cross-validation errors" % len(err),
                    "level": 1 - models.ALPHA, "levels": list(models.LEVELS)}
    future = pd.DataFrame({"time": times, "forecast": fc.mean,
                           "lower": bands[0.95][0], "upper": bands[0.95][1],
                           "lower80": bands[0.8][0], "upper80": bands[0.8][1]})
    return future, interval
