"""Feature recommendations from the EDA, and leakage-free feature building.

Features are computed on the *target*: the series differenced as the EDA
says (seasonally if the season is strong, then ``d`` times) — trees cannot
extrapolate a trend or keep a season, so the boosting model predicts the
series' departure from the naive path of that differencing (models.fit_gbm).
Every feature of row t
uses only values up to t-1 — lags shift, and rolling windows shift by one
before they roll — plus the calendar of t itself, which is known in advance.

Feature names: ``lag_K``, ``roll_mean_W``, ``roll_std_W`` and the calendar
names in CALENDAR.
"""

import re

import numpy as np
import pandas as pd

from .eda import difference, transform_name
from .errors import InputError
from .load import step_seconds

CALENDAR = {
    "minute": lambda idx: idx.minute,
    "hour": lambda idx: idx.hour,
    "dayofweek": lambda idx: idx.dayofweek,
    "dayofmonth": lambda idx: idx.day,
    "dayofyear": lambda idx: idx.dayofyear,
    "weekofyear": lambda idx: idx.isocalendar().week.astype(int).values,
    "month": lambda idx: idx.month,
    "quarter": lambda idx: idx.quarter,
}
_NAME = re.compile(r"^(lag|roll_mean|roll_std)_(\d+)$")
MAX_SHORT_LAGS = 5


# ---------------------------------------------------------------- recommending

def recommend(eda, alias, n_points):
    """Derive the feature set from the EDA result. Returns a dict with the
    target transform and a list of {"name", "kind", "reason"}."""
    d, big_d = eda["differencing"]["d"], eda["differencing"]["D"]
    reading = eda["stationarity"]["reading"]
    period = eda["seasonality"]["period"]
    ac = eda["autocorrelation"]
    target_d = d
    t_reason = eda["differencing"]["d_reason"]
    if big_d:
        t_reason = eda["differencing"]["D_reason"] + "; " + t_reason
    if d == 0 and big_d == 0 and reading == "trend-stationary":
        target_d = 1
        t_reason = "trend-stationary: trees cannot extrapolate a trend, so model first differences"
    recs = []
    horizon_cap = period - 1 if period >= 2 else 12
    pacf_lags = [k for k in ac["significant_pacf_lags"] if k <= horizon_cap]
    acf_lags = [k for k in ac["significant_acf_lags"] if k <= horizon_cap]
    if pacf_lags:
        for k in pacf_lags[:MAX_SHORT_LAGS]:
            recs.append(_rec("lag_%d" % k, "lag", "PACF of the %s series is significant at lag %d"
                             % (ac["transform"], k)))
    elif acf_lags:
        for k in acf_lags[:MAX_SHORT_LAGS]:
            recs.append(_rec("lag_%d" % k, "lag", "ACF of the %s series is significant at lag %d"
                             % (ac["transform"], k)))
    else:
        recs.append(_rec("lag_1", "lag", "no significant short lag; the last value carries "
                         "the persistence"))
    if period >= 2:
        recs.append(_rec("lag_%d" % period, "seasonal_lag",
                         "seasonal period %d (%s)" % (period, eda["seasonality"]["source"])))
        if n_points >= 8 * period and eda["decomposition"]["seasonal_strength"] >= 0.64:
            recs.append(_rec("lag_%d" % (2 * period), "seasonal_lag",
                             "strong season (F_S %.2f): the same point two seasons back"
                             % eda["decomposition"]["seasonal_strength"]))
        window = period
        why = "one seasonal period (%d)" % period
    else:
        window = max(3, max(int(r["name"].split("_")[1]) for r in recs))
        why = "no season; spans the longest short lag (%d)" % window
    recs.append(_rec("roll_mean_%d" % window, "rolling", "mean over the past %s: local level"
                     % why))
    recs.append(_rec("roll_std_%d" % window, "rolling", "std over the past %s: local volatility"
                     % why))
    for name, reason in calendar_for(alias, period):
        recs.append(_rec(name, "calendar", reason))
    return {"target": _target(target_d, big_d, period, t_reason), "features": recs}


def _target(d, big_d, period, reason):
    return {"transform": transform_name(d, big_d, period), "d": int(d), "D": int(big_d),
            "period": int(period), "reason": reason}


def _rec(name, kind, reason):
    return {"name": name, "kind": kind, "reason": reason}


def calendar_for(alias, period):
    """Calendar features that match the detected period at this frequency."""
    step = step_seconds(alias)
    day = 86400.0
    pairs = []
    if period < 2:
        return pairs
    if step < day and abs(period * step - day) < 1:
        pairs.append(("hour", "period %d steps is one day" % period))
        if step < 3600:
            pairs.append(("minute", "sub-hourly data within the daily cycle"))
    elif step < day and abs(period * step - 7 * day) < 1:
        pairs += [("hour", "weekly cycle of sub-daily data"), ("dayofweek", "weekly cycle")]
    elif abs(step - day) < 1 and period == 7:
        pairs.append(("dayofweek", "daily data with a weekly period"))
    elif abs(step - day) < 1 and period == 365:
        pairs.append(("dayofyear", "daily data with a yearly period"))
    elif alias.upper().startswith("B") and period == 5:
        pairs.append(("dayofweek", "business days with a weekly period"))
    elif alias.upper().startswith("W") and period == 52:
        pairs.append(("weekofyear", "weekly data with a yearly period"))
    elif 27 * day <= step <= 32 * day and period == 12:
        pairs.append(("month", "monthly data with a yearly period"))
    elif 80 * day <= step <= 95 * day and period == 4:
        pairs.append(("quarter", "quarterly data with a yearly period"))
    return pairs


def parse_requested(text, target):
    """Turn --features "lag_1,roll_mean_12,month" into a recommendation dict,
    refusing unknown names."""
    names = [t.strip() for t in text.split(",") if t.strip()]
    if not names:
        raise InputError("bad_arguments", "--features is empty")
    recs = []
    for name in names:
        m = _NAME.match(name)
        if m and int(m.group(2)) >= 1 and not (m.group(1) == "roll_std" and int(m.group(2)) < 2):
            recs.append(_rec(name, "lag" if m.group(1) == "lag" else "rolling", "requested"))
        elif name in CALENDAR:
            recs.append(_rec(name, "calendar", "requested"))
        else:
            raise InputError("unknown_feature",
                             "unknown feature %r; use lag_K, roll_mean_W, roll_std_W (W >= 2) "
                             "or one of %s" % (name, ", ".join(CALENDAR)))
    return {"target": dict(target, reason=target["reason"] + " (target as recommended)"),
            "features": recs}


# ---------------------------------------------------------------- building

class FeatureSpec:
    """The parsed feature list: lags, rolling windows, calendar names, and
    the differencing order of the target."""

    def __init__(self, names, d, big_d=0, period=1):
        self.names = list(names)
        self.d, self.big_d, self.period = int(d), int(big_d), int(period)
        self.lags, self.means, self.stds, self.calendar = [], [], [], []
        for name in self.names:
            m = _NAME.match(name)
            if m is None:
                self.calendar.append(name)
            elif m.group(1) == "lag":
                self.lags.append(int(m.group(2)))
            elif m.group(1) == "roll_mean":
                self.means.append(int(m.group(2)))
            else:
                self.stds.append(int(m.group(2)))

    @classmethod
    def from_recommendation(cls, rec):
        t = rec["target"]
        return cls([r["name"] for r in rec["features"]], t["d"], t["D"], t["period"])

    def history_needed(self):
        """Past target values one row needs (the widest lag or window)."""
        return max(self.lags + self.means + self.stds + [1])

    def lost_rows(self):
        """Leading rows the differencing itself leaves undefined."""
        return self.d + (self.period if self.big_d else 0)


def make_target(y, spec):
    """The target: y differenced as spec says (same index, leading NaNs)."""
    return difference(y, spec.d, spec.big_d, spec.period)


def build_features(y, spec):
    """Build the feature table for series y (levels).

    Returns (frame, dropped): frame has columns time, value, target and the
    features, for the rows where every feature is defined; dropped says how
    many leading rows were removed and why. Row t uses target values up to
    t-1 only.
    """
    z = make_target(y, spec)
    cols = {}
    for name in spec.names:
        m = _NAME.match(name)
        if m is None:
            cols[name] = np.asarray(CALENDAR[name](y.index), dtype=float)
            continue
        k = int(m.group(2))
        past = z.shift(1)                    # only values strictly before t
        if m.group(1) == "lag":
            cols[name] = z.shift(k).values
        elif m.group(1) == "roll_mean":
            cols[name] = past.rolling(k, min_periods=k).mean().values
        else:
            cols[name] = past.rolling(k, min_periods=k).std().values
    frame = pd.DataFrame({"time": y.index, "value": y.values, "target": z.values, **cols})
    keep = frame.notna().all(axis=1)
    n_drop = int((~keep).sum())
    need = spec.history_needed()
    dropped = {"count": n_drop,
               "reason": ("the first %d rows lack history: the target (%s) is undefined for "
                          "the first %d and the widest lag/window needs %d earlier target "
                          "values" % (n_drop, transform_name(spec.d, spec.big_d, spec.period),
                                      spec.lost_rows(), need)) if n_drop else "none",
               "first_kept": frame["time"][keep].iloc[0].isoformat() if keep.any() else None}
    return frame[keep].reset_index(drop=True), dropped


def origin_columns(z, spec):
    """For every time t, the lag and rolling features an origin at t sees
    (target values up to t itself: lag_K = z[t+1-K], windows end at t) —
    the row build_features would give time t+1. {name: array}."""
    cols = {}
    for name in spec.names:
        m = _NAME.match(name)
        if m is None:
            continue
        k = int(m.group(2))
        if m.group(1) == "lag":
            cols[name] = z.shift(k - 1).values
        elif m.group(1) == "roll_mean":
            cols[name] = z.rolling(k, min_periods=k).mean().values
        else:
            cols[name] = z.rolling(k, min_periods=k).std().values
    return cols


def calendar_columns(index, spec):
    """{calendar name: float array over index} for spec's calendar features."""
    return {name: np.asarray(CALENDAR[name](index), dtype=float) for name in spec.calendar}
