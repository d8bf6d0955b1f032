"""The seven steps as calls the entry scripts share: each takes the parsed
command line and the results of the steps before it, writes its files into
the output directory and returns its JSON-ready part."""

import json

from sandboxrun_io import _clean, out_path

from . import eda as eda_mod
from . import features as feat_mod
from . import forecast as fc_mod
from . import report as report_mod
from .load import load_series


def load(args):
    """Step 0: the clean series and what was fixed."""
    return load_series(args.data, time_col=args.time_col, value_col=args.value_col,
                       freq=args.freq)


def analyse(series, info):
    """Step 1: EDA. Writes decomposition.csv (time, value, trend, seasonal, resid)."""
    result, frame = eda_mod.run_eda(series, info["frequency"]["alias"])
    frame.rename_axis("time").to_csv(out_path("decomposition.csv"))
    return result, frame


def basis(eda):
    """The few EDA facts the later steps rest on (for their JSON output)."""
    return {"reading": eda["stationarity"]["reading"], "period": eda["seasonality"]["period"],
            "d": eda["differencing"]["d"], "D": eda["differencing"]["D"],
            "trend_strength": eda["decomposition"]["trend_strength"],
            "seasonal_strength": eda["decomposition"]["seasonal_strength"]}


def recommend(args, series, info, eda):
    """Step 2: the recommended features, or the --features list."""
    rec = feat_mod.recommend(eda, info["frequency"]["alias"], len(series))
    if getattr(args, "features", None):
        rec = dict(feat_mod.parse_requested(args.features, rec["target"]), recommended=rec["features"])
    return rec


def build(series, rec):
    """Step 3: features.csv, and how many rows were dropped and why."""
    spec = feat_mod.FeatureSpec.from_recommendation(rec)
    frame, dropped = feat_mod.build_features(series, spec)
    frame.to_csv(out_path("features.csv"), index=False)
    return {"file": "features.csv", "columns": list(frame.columns), "rows": int(len(frame)),
            "dropped": dropped,
            "leakage_guard": "lags shift by k >= 1; rolling windows shift by 1 before rolling; "
                             "calendar features use only the row's own timestamp"}


def forecast(args, series, info, eda, rec):
    """Steps 4-6: tuning, training, hold-out comparison, final forecast.
    Writes forecast.csv, metrics.csv and holdout.csv."""
    result, holdout, future, metrics = fc_mod.run_forecast(
        series, eda, rec, info["frequency"]["alias"], features=getattr(args, "features", None),
        horizon=args.horizon, trials=args.trials, time_budget=args.time_budget,
        boxcox=getattr(args, "boxcox", "off") == "auto", boosting=getattr(args, "boosting", False))
    future.to_csv(out_path("forecast.csv"), index=False)
    metrics.to_csv(out_path("metrics.csv"), index=False)
    holdout.to_csv(out_path("holdout.csv"), index=False)
    return result, holdout, future


def report(series, info, eda, frame, rec, fc, holdout, future):
    """Step 7: report.html; returns the HTML."""
    page = report_mod.build_report(series, info, eda, frame, rec, fc, holdout, future)
    with open(out_path("report.html"), "w", encoding="utf-8") as f:
        f.write(page)
    return page


def write_json(name, obj):
    """Write obj as JSON (NaN -> null) into the output directory."""
    with open(out_path(name), "w", encoding="utf-8") as f:
        json.dump(_clean(obj), f, allow_nan=False, indent=1)
