"""Exploratory analysis of one clean, regular series.

``run_eda`` returns a JSON-ready dict and the decomposition as a frame.
It runs, in order: summary statistics; ADF and KPSS (level and trend) and
their joint reading; the differencing orders (seasonal D from the seasonal
strength, then d by KPSS, as auto.arima does); the seasonal period from the
frequency and the ACF; STL (or LOWESS when there is no season) with
Hyndman's trend and seasonal strength; ACF/PACF of the differenced series
with the significant lags; outliers in the remainder.
"""

import numpy as np
import pandas as pd
from statsmodels.nonparametric.smoothers_lowess import lowess
from statsmodels.tsa.seasonal import STL
from statsmodels.tsa.stattools import acf, adfuller, kpss, pacf

from .load import step_seconds

ALPHA = 0.05
SEASONAL_STRENGTH_FOR_D = 0.64   # Wang, Smith & Hyndman (2006); feasts' unitroot_nsdiffs
OUTLIER_Z = 3.5                  # Iglewicz & Hoaglin modified z-score
LOWESS_FRAC = 0.2


# ---------------------------------------------------------------- statistics

def summary_stats(series):
    """Count, moments and quantiles of the values."""
    d = series.describe()
    return {"count": int(d["count"]), "mean": float(d["mean"]), "std": float(d["std"]),
            "min": float(d["min"]), "q25": float(d["25%"]), "median": float(d["50%"]),
            "q75": float(d["75%"]), "max": float(d["max"]),
            "skewness": float(series.skew()), "excess_kurtosis": float(series.kurt()),
            "cv": float(d["std"] / d["mean"]) if d["mean"] != 0 else None}


# ---------------------------------------------------------------- unit roots

def _failed_test(kind, regression, err):
    """The shape of a test that could not be computed (e.g. an exactly
    linear series leaves KPSS nothing to estimate)."""
    return {"statistic": None, "p_value": None, "regression": regression, "rejects_h0": False,
            "critical_values": {"5%": None}, "error": "%s: %s" % (type(err).__name__, err),
            "h0": {"adf": "unit root", "kpss": "level stationary" if regression == "c"
                   else "trend stationary"}[kind]}


def adf_test(x, regression="c"):
    """Augmented Dickey-Fuller, lag chosen by AIC. H0: a unit root."""
    try:
        stat, p, lag, nobs, crit, _ = adfuller(x, regression=regression, autolag="AIC")
    except (ValueError, np.linalg.LinAlgError) as e:
        return _failed_test("adf", regression, e)
    return {"statistic": float(stat), "p_value": float(p), "used_lag": int(lag),
            "n_obs": int(nobs), "regression": regression,
            "critical_values": {k: float(v) for k, v in crit.items()},
            "rejects_h0": bool(p < ALPHA), "h0": "unit root"}


def kpss_test(x, regression="c"):
    """KPSS with the automatic bandwidth. H0: level (``c``) or trend
    (``ct``) stationarity. statsmodels bounds p to [0.01, 0.1]."""
    try:
        stat, p, lags, crit = kpss(x, regression=regression, nlags="auto")
    except (ValueError, np.linalg.LinAlgError, ZeroDivisionError) as e:
        return _failed_test("kpss", regression, e)
    return {"statistic": float(stat), "p_value": float(p), "lags": int(lags),
            "regression": regression, "p_value_bounded": bool(p <= 0.01 or p >= 0.1),
            "critical_values": {k: float(v) for k, v in crit.items()},
            "rejects_h0": bool(p < ALPHA),
            "h0": "level stationary" if regression == "c" else "trend stationary"}


def stationarity(series):
    """Run ADF and KPSS around a constant and around a trend and read them
    together:

    * stationary — ADF rejects a unit root, KPSS does not reject level
      stationarity;
    * trend-stationary — KPSS rejects level but not trend stationarity and
      the ADF with a trend rejects a unit root;
    * difference-stationary — ADF does not reject a unit root and KPSS
      rejects (level) stationarity;
    * inconclusive — any other combination (the tests disagree or lack power).
    """
    x = series.values.astype(float)
    adf_c, kpss_c = adf_test(x, "c"), kpss_test(x, "c")
    adf_ct, kpss_ct = adf_test(x, "ct"), kpss_test(x, "ct")
    if adf_c["rejects_h0"] and not kpss_c["rejects_h0"]:
        reading = "stationary"
        why = "ADF rejects a unit root and KPSS does not reject level stationarity"
    elif kpss_c["rejects_h0"] and not kpss_ct["rejects_h0"] and adf_ct["rejects_h0"]:
        reading = "trend-stationary"
        why = ("KPSS rejects level but not trend stationarity and ADF with a trend rejects "
               "a unit root: stationary around a deterministic trend")
    elif not adf_c["rejects_h0"] and kpss_c["rejects_h0"]:
        reading = "difference-stationary"
        why = "ADF does not reject a unit root and KPSS rejects stationarity: difference it"
    else:
        reading = "inconclusive"
        why = ("ADF %s a unit root and KPSS %s level stationarity; the tests disagree"
               % ("rejects" if adf_c["rejects_h0"] else "does not reject",
                  "rejects" if kpss_c["rejects_h0"] else "does not reject"))
    return {"alpha": ALPHA, "adf": adf_c, "kpss": kpss_c, "adf_trend": adf_ct,
            "kpss_trend": kpss_ct, "reading": reading, "explanation": why}


def differencing_order(series, reading, max_d=2):
    """Number of first differences: 0 when (trend-)stationary, else the
    smallest d whose differenced series KPSS no longer rejects."""
    if reading in ("stationary", "trend-stationary"):
        return 0, "the series is %s" % reading
    return kpss_ndiffs(series.values.astype(float), max_d, start=1)


def kpss_ndiffs(x, max_d=2, start=0):
    """Smallest d >= start after which KPSS (level) no longer rejects."""
    x = np.diff(x, n=start) if start else x
    for d in range(start, max_d + 1):
        if d > start:
            x = np.diff(x)
        if len(x) < 10 or not kpss_test(x, "c")["rejects_h0"]:
            if d == 0:
                return 0, "KPSS does not reject stationarity"
            return d, "KPSS does not reject stationarity after %d difference%s" % (d, "s" * (d > 1))
    return max_d, "still non-stationary after %d differences; capped" % max_d


def difference(series, d, big_d=0, period=1):
    """Seasonal difference (lag ``period``) if big_d, then d first
    differences. Keeps the index; the first values become NaN."""
    z = series.astype(float)
    if big_d:
        z = z - z.shift(period)
    for _ in range(d):
        z = z.diff()
    return z


def transform_name(d, big_d, period):
    """Human name of a differencing: 'seasonal diff(12) + diff(1)'."""
    parts = (["seasonal diff(%d)" % period] if big_d else []) + (["diff(%d)" % d] if d else [])
    return " + ".join(parts) or "none"


# ---------------------------------------------------------------- seasonality

def calendar_periods(alias):
    """Seasonal periods the frequency suggests: a day and a week for
    sub-daily data, a week and a year for daily data, 52 for weekly, 12 for
    monthly, 4 for quarterly, none for yearly."""
    base = "".join(c for c in alias.upper().split("-")[0] if c.isalpha())   # "QS-OCT" -> "QS"
    if base in ("W",) or alias.upper().startswith("W"):
        return [52]
    if base in ("M", "MS", "BM", "BMS", "SM", "SMS"):
        return [12]
    if base in ("Q", "QS", "BQ", "BQS"):
        return [4]
    if base in ("A", "AS", "Y", "YS", "BA", "BAS"):
        return []
    if base in ("B", "C"):
        return [5]
    step = step_seconds(alias)
    out = []
    for cycle in (3600.0, 86400.0, 7 * 86400.0, 365 * 86400.0):
        k = cycle / step
        if k >= 2 and abs(k - round(k)) < 1e-9 and round(k) <= 1000:
            out.append(int(round(k)))
    return out[-2:] if step < 86400 else out[:2]


def frequency_period(alias):
    """The season the frequency itself implies, as R's ``frequency(x)`` of a
    ts: 12 monthly, 4 quarterly, 52 weekly, 7 daily, 5 business-daily, 24
    hourly (48 half-hourly, 60 minutely), 1 yearly. MASE is scaled with it."""
    cands = calendar_periods(alias)
    return cands[0] if cands else 1


def seasonal_period(series, alias, d):
    """Choose the seasonal period.

    Calendar candidates are kept if the ACF of the (differenced or
    detrended) series is significantly positive at that lag; the strongest
    wins. Without a calendar candidate (yearly data) the first significant
    ACF peak after the ACF turns negative is taken as a cycle length.
    Returns (period, details); period 1 means no seasonality.
    """
    x = _stationary_view(series, d)
    n = len(x)
    bound = 1.96 / np.sqrt(n)
    cands = [m for m in calendar_periods(alias) if n >= 2 * m + 2]
    details = {"calendar_candidates": calendar_periods(alias), "checked": [],
               "significance_bound": float(bound)}
    if cands:
        r = acf(x, nlags=max(cands), fft=True)
        for m in cands:
            details["checked"].append({"lag": m, "acf": float(r[m]),
                                       "significant": bool(r[m] > bound)})
        sig = [c for c in details["checked"] if c["significant"]]
        if sig:
            best = max(sig, key=lambda c: c["acf"])
            details["source"] = "frequency and ACF"
            return best["lag"], details
        details["source"] = "none: no calendar period has a significant ACF"
        return 1, details
    r, ci = acf(x, nlags=max(2, n // 3), alpha=ALPHA, fft=True)
    band = ci[:, 1] - r
    below = np.where(r < 0)[0]
    if len(below):
        for k in range(int(below[0]) + 1, len(r) - 1):
            if r[k] > r[k - 1] and r[k] >= r[k + 1] and r[k] > band[k] and k >= 2:
                details["checked"].append({"lag": int(k), "acf": float(r[k]), "significant": True})
                details["source"] = "ACF peak (cycle)"
                return int(k), details
    details["source"] = "none: no significant ACF peak"
    return 1, details


def _stationary_view(series, d):
    """The series with d differences, or minus its linear trend if d is 0."""
    x = series.values.astype(float)
    if d > 0:
        return np.diff(x, n=d)
    t = np.arange(len(x))
    return x - np.polyval(np.polyfit(t, x, 1), t)


# ---------------------------------------------------------------- decomposition

def decompose(series, period):
    """STL (robust) when there is a season that fits twice in the data,
    else a LOWESS trend. Returns (frame with value/trend/seasonal/resid,
    JSON-ready details with Hyndman's strengths)."""
    if period >= 2 and len(series) >= 2 * period + 1:
        res = STL(series, period=period, robust=True).fit()
        trend, seasonal, resid = res.trend, res.seasonal, res.resid
        method = "STL"
    else:
        x = np.arange(len(series), dtype=float)
        trend = pd.Series(lowess(series.values, x, frac=LOWESS_FRAC, return_sorted=False),
                          index=series.index)
        seasonal = pd.Series(0.0, index=series.index)
        resid = series - trend
        method = "LOWESS"
    frame = pd.DataFrame({"value": series, "trend": trend, "seasonal": seasonal, "resid": resid})
    details = {"method": method, "period": int(period) if method == "STL" else None,
               "robust": method == "STL",
               "trend_strength": _strength(resid, trend),
               "seasonal_strength": _strength(resid, seasonal) if method == "STL" else 0.0}
    if method == "LOWESS":
        details["lowess_frac"] = LOWESS_FRAC
    return frame, details


def _strength(resid, component):
    """Hyndman's strength: max(0, 1 - Var(R) / Var(component + R))."""
    denom = float(np.var(component + resid))
    if denom == 0:
        return 0.0
    return float(max(0.0, 1.0 - np.var(resid) / denom))


# ---------------------------------------------------------------- autocorrelation

def autocorrelation(series, d, big_d, period):
    """ACF (Bartlett bands) and PACF (±1.96/√n) of the differenced series
    (see ``difference``), up to max(24, 2·period + 1) lags, with the
    significant lags."""
    x = difference(series, d, big_d, period).dropna().values
    n = len(x)
    nlags = int(min(max(24, 2 * period + 1), n // 2 - 1))
    r, ci = acf(x, nlags=nlags, alpha=ALPHA, fft=True)
    half = ci[:, 1] - r
    p = pacf(x, nlags=nlags, method="ywadjusted")
    bound = 1.96 / np.sqrt(n)
    return {"transform": transform_name(d, big_d, period), "d": d, "D": big_d,
            "nlags": nlags, "n": n,
            "acf": [float(v) for v in r], "acf_band": [float(v) for v in half],
            "pacf": [float(v) for v in p], "pacf_bound": float(bound),
            "significant_acf_lags": [k for k in range(1, nlags + 1) if abs(r[k]) > half[k]],
            "significant_pacf_lags": [k for k in range(1, nlags + 1) if abs(p[k]) > bound]}


# ---------------------------------------------------------------- outliers

def outliers(frame, limit=50):
    """Points whose remainder has a modified z-score above 3.5 (median and
    MAD, so the outliers do not hide themselves)."""
    r = frame["resid"]
    med = r.median()
    mad = (r - med).abs().median()
    if mad == 0:
        return {"method": "modified z-score of the remainder", "threshold": OUTLIER_Z,
                "count": 0, "points": []}
    z = 0.6745 * (r - med) / mad
    hit = z[z.abs() > OUTLIER_Z].abs().sort_values(ascending=False)
    pts = [{"time": t.isoformat(), "value": float(frame.at[t, "value"]), "z": float(z[t])}
           for t in hit.index[:limit]]
    return {"method": "modified z-score of the remainder", "threshold": OUTLIER_Z,
            "count": int(len(hit)), "points": pts}


# ---------------------------------------------------------------- all of it

def run_eda(series, alias):
    """Run every step on ``series`` (regular, no NaN) of frequency
    ``alias``. Returns (result dict, decomposition frame)."""
    tests = stationarity(series)
    d0, d0_reason = differencing_order(series, tests["reading"])
    period, season = seasonal_period(series, alias, d0)
    frame, decomp = decompose(series, period)
    big_d = int(period >= 2 and decomp["seasonal_strength"] >= SEASONAL_STRENGTH_FOR_D
                and len(series) >= 3 * period + 10)
    if big_d:
        d, d_reason = kpss_ndiffs(difference(series, 0, 1, period).dropna().values)
        d_reason += " (after the seasonal difference)"
        big_d_reason = "seasonal strength %.2f >= %.2f" % (decomp["seasonal_strength"],
                                                           SEASONAL_STRENGTH_FOR_D)
    else:
        d, d_reason = d0, d0_reason
        big_d_reason = ("seasonal strength %.2f < %.2f" % (decomp["seasonal_strength"],
                                                           SEASONAL_STRENGTH_FOR_D)
                        if period >= 2 else "no seasonal period")
    result = {
        "summary": summary_stats(series),
        "stationarity": tests,
        "differencing": {"D": big_d, "D_reason": big_d_reason, "d": d, "d_reason": d_reason,
                         "d_nonseasonal": d0, "d_nonseasonal_reason": d0_reason,
                         "transform": transform_name(d, big_d, period)},
        "seasonality": dict(period=int(period), **season),
        "decomposition": decomp,
        "autocorrelation": autocorrelation(series, d, big_d, period),
        "outliers": outliers(frame),
    }
    return result, frame
