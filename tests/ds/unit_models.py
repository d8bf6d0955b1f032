"""Unit checks of the forecasting models (scripts/tsa), on simulated series
whose right answer is known. Imported by tests/ds/run; each check takes the
suite's Tap object."""

import sys
from pathlib import Path

import numpy as np
import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "scripts"))
from tsa import arima, models  # noqa: E402


def _series(values, freq="MS"):
    return pd.Series(np.asarray(values, float),
                     index=pd.date_range("2000-01-01", periods=len(values), freq=freq))


def simulate_sarima(n, seed, phi=(), theta=(), sphi=(), stheta=(), d=0, big_d=0, m=12,
                    mu=0.0, burn=200):
    """An ARIMA(p,d,q)(P,D,Q)[m] path: ARMA on the differences, integrated."""
    from scipy.signal import lfilter
    rng = np.random.default_rng(seed)
    spec = {"p": len(phi), "q": len(theta), "P": len(sphi), "Q": len(stheta)}
    ar, ma = arima._polys(spec, np.r_[phi, theta, sphi, stheta], m)
    e = rng.normal(0, 1, n + burn)
    w = lfilter(ma, ar, e)[burn:] + mu
    delta = arima.diff_poly(d, big_d, m)
    y = list(np.zeros(len(delta) - 1) + 100.0)
    for v in w:
        y.append(v - sum(delta[i] * y[-i] for i in range(1, len(delta))))
    return np.asarray(y[len(delta) - 1:])


def drift_check(T):
    """Random walk with drift 1: the forecast gains the same amount every
    step (a trend in the differences would make the steps grow)."""
    rng = np.random.default_rng(3)
    y = _series(np.cumsum(1.0 + rng.normal(0, 1, 200)), "D")
    params = {"p": 0, "d": 1, "q": 0, "P": 0, "D": 0, "Q": 0, "constant": True, "period": 1}
    fc = models.fit_sarima(y, 30, params)
    steps = np.diff(np.r_[y.values[-1], fc.mean])
    T.ok(np.ptp(steps) < 1e-9 and abs(steps[0] - 1.0) < 0.2,
         "drift: %s on a random walk with drift 1: forecast steps %.4f..%.4f over 30 steps "
         "(constant, a trend in the differences would make them grow)"
         % (arima.form_name(params, 1), steps[0], steps[-1]),
         "params %s, steps %s" % (params, steps))


def search_check(T):
    """The stepwise AICc search recovers known orders on simulated series."""
    cases = [
        ("ARIMA(0,1,1)(0,1,1)[12]", dict(theta=(-0.5,), stheta=(-0.6,), d=1, big_d=1, m=12), 12, 1, 1, 240),
        ("ARIMA(2,0,0) with non-zero mean", dict(phi=(0.75, -0.5), m=1, mu=5.0), 1, 0, 0, 300),
        ("ARIMA(1,0,0)(1,1,0)[4]", dict(phi=(0.7,), sphi=(-0.5,), big_d=1, m=4), 4, 0, 1, 200),
    ]
    for want, kw, m, d, big_d, n in cases:
        hits = []
        for seed in (1, 2, 3):
            y = simulate_sarima(n, seed, **kw)
            fit, _ = arima.stepwise_search(y, m, d, big_d)
            got = arima.form_name(fit.spec, m) if fit else None
            if want.endswith("[4]") or want.endswith("[12]"):
                got = got.replace(" with drift", "") if got else got
            hits.append(got)
        T.ok(sum(g == want for g in hits) >= 2,
             "AICc stepwise search recovers %s on at least 2 of 3 simulated series (got %s)"
             % (want, ", ".join(map(str, hits))))


def multiplicative_ets_check(T):
    """A season that grows with the level: ETS picks a multiplicative season
    and beats the best additive-season form on the hold-out."""
    rng = np.random.default_rng(5)
    t = np.arange(156)
    y = (20 + 0.8 * t) * (1 + 0.35 * np.sin(2 * np.pi * t / 12)) * np.exp(rng.normal(0, 0.03, len(t)))
    s = _series(y)
    train, test = s.iloc[:-12], s.values[-12:]
    fc = models.fit_ets(train, 12, 12)
    add = min((models.fit_ets(train, 12, 12, f) for f in models.ets_candidates(train, 12)
               if f[3] == "add"), key=lambda f: f.params["aicc"])
    mae_mul = np.mean(np.abs(test - fc.mean))
    mae_add = np.mean(np.abs(test - add.mean))
    T.ok(fc.params["ets"][3] == "mul" and mae_mul < mae_add,
         "ETS on a series whose season grows with the level picks %s (hold-out MAE %.2f; best "
         "additive season %s: %.2f)" % (fc.params["form"], mae_mul, add.params["form"], mae_add))


def coverage_check(T):
    """80 % and 95 % intervals cover about 80 % and 95 % of future values
    of simulated series (SARIMA on AR(1) paths, seasonal naive on random walks)."""
    h, reps = 12, 200
    hit = {"sarima": {0.8: [], 0.95: []}, "seasonal_naive": {0.8: [], 0.95: []}}
    spec = {"p": 1, "d": 0, "q": 0, "P": 0, "D": 0, "Q": 0, "constant": True, "period": 1}
    for seed in range(reps):
        y = simulate_sarima(120 + h, 1000 + seed, phi=(0.7,), m=1, mu=3.0)
        train, test = _series(y[:-h]), y[-h:]
        rw = _series(np.cumsum(np.random.default_rng(5000 + seed).normal(0, 1, 120 + h)))
        for name, fc, actual in (("sarima", models.fit_sarima(train, h, spec), test),
                                 ("seasonal_naive", models.fit_seasonal_naive(rw.iloc[:-h], h, 1),
                                  rw.values[-h:])):
            for lev in (0.8, 0.95):
                lo, hi = fc.bands[lev]
                hit[name][lev].extend((actual >= lo) & (actual <= hi))
    for name, by in hit.items():
        c80, c95 = np.mean(by[0.8]), np.mean(by[0.95])
        T.ok(0.75 <= c80 <= 0.85 and 0.92 <= c95 <= 0.98,
             "%s intervals on %d simulated paths x %d steps cover %.1f%% (80%% level) and %.1f%% "
             "(95%% level)" % (name, reps, h, 100 * c80, 100 * c95))


def run_all(T):
    for check in (drift_check, search_check, multiplicative_ets_check, coverage_check):
        try:
            check(T)
        except Exception:  # a crashing check is a failed check
            import traceback
            T.ok(False, "%s raised" % check.__name__, traceback.format_exc())
