"""Unit checks of the forecasting models (scripts/tsa), on simulated series
whose right answer is known. Imported by tests/ds/run; each check takes the
suite's Tap object."""

import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "scripts"))
from tsa import arima, boxcox, models, parallel  # noqa: E402
from tsa.features import FeatureSpec, build_features  # noqa: E402

RDATA = Path(__file__).resolve().parent / "rdata"


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


def exact_likelihood_check(T):
    """On a short seasonal series the search fits by exact likelihood; the
    log-likelihood equals statsmodels' Kalman filter at the same parameters
    and the forecast of the differences equals the filter's."""
    import warnings
    from statsmodels.tsa.statespace.sarimax import SARIMAX
    y = simulate_sarima(84, 7, theta=(-0.4,), stheta=(-0.5,), d=1, big_d=1, m=12)
    fit, rep = arima.stepwise_search(y, 12, 1, 1)
    spec = dict(p=0, d=1, q=1, P=0, D=1, Q=1, constant=False)
    ex = arima.fit_arima(y, spec, 12, method="exact")
    w = arima.difference(y, 1, 1, 12)
    k = 3
    ours = -(ex.aicc - 2 * k - 2 * k * (k + 1) / (len(w) - k - 1)) / 2
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        model = SARIMAX(w, order=(0, 0, 1), seasonal_order=(0, 0, 1, 12))
        params = np.r_[ex.x, ex.sigma2]
        theirs = model.loglike(params)
        want = model.filter(params).forecast(6)
    got = arima._exact_predict(w, *arima._polys(spec, ex.x, 12), 6)
    T.ok(fit is not None and fit.method == "exact" and "exact" in rep["criterion"]
         and abs(ours - theirs) < 1e-6 * abs(theirs) and np.allclose(got, want, atol=1e-8),
         "exact likelihood on a 84-point monthly series: the search uses it (%s), log-likelihood "
         "%.4f = statsmodels' Kalman filter %.4f, same forecasts of the differences"
         % (rep["criterion"], ours, theirs), "got %s want %s" % (got, want))
    long = simulate_sarima(300, 8, theta=(-0.4,), stheta=(-0.5,), d=1, big_d=1, m=12)
    T.ok(arima.likelihood_method(len(long), 12) == "css" and arima.likelihood_method(150, 12)
         == "exact" and arima.likelihood_method(100, 24) == "css",
         "CSS beyond 150 points or seasons above 12, as auto.arima's approximation rule")


def boxcox_check(T):
    """Guerrero's λ equals R's BoxCox.lambda on the training part of every
    R reference series with positive values (tests/ds/rdata/r_lambda.csv;
    sunspot.year has zeros, where no transform is tried); the SARIMA search
    takes a log-like transform on a series whose noise grows with its
    level, and keeps the data's scale on non-positive data."""
    ref = pd.read_csv(RDATA / "r_lambda.csv")
    diffs = []
    for row in ref.to_dict("records"):
        y = pd.read_csv(RDATA / ("%s.csv" % row["series"]))["value"].values[:-row["h"]]
        if np.any(y <= 0):
            continue
        diffs.append(abs(boxcox.guerrero_lambda(y, int(row["frequency"])) - row["lambda"]))
    T.ok(len(diffs) >= 15 and max(diffs) < 1e-4,
         "Guerrero's Box-Cox λ equals R's BoxCox.lambda on the training parts of %d series "
         "(largest difference %.1g)" % (len(diffs), max(diffs)))
    rng = np.random.default_rng(11)
    y = np.exp(3 + np.cumsum(0.03 + rng.normal(0, 0.05, 120)))
    params, rep, _ = models.search_sarima(_series(y), 1, 1, [])
    neg = models.search_sarima(_series(y - y.mean()), 1, 1, [])[0]
    z = np.log(y)
    back = boxcox.inverse(boxcox.transform(y, 0.3), 0.3)
    T.ok(params["boxcox_lambda"] is not None and abs(params["boxcox_lambda"]) < 0.35
         and neg["boxcox_lambda"] is None and np.allclose(boxcox.transform(y, 0), z)
         and np.allclose(back, y),
         "SARIMA on a series whose noise grows with its level takes Box-Cox λ = %s by AICc on the "
         "data's scale (tried %s); none on non-positive data; the inverse undoes the transform"
         % (params["boxcox_lambda"], rep["boxcox_lambda_tried"]))


def boxcox_cv_check(T):
    """With boxcox on, the structures come in both kinds and the CV MASE on
    the training part decides between them (and says so); off, nothing is
    transformed."""
    from tsa import forecast as fc_mod
    rng = np.random.default_rng(12)
    y = _series(np.exp(3 + np.cumsum(0.03 + rng.normal(0, 0.05, 80))))
    st = {"period": 1, "d": 1, "D": 0, "fourier_periods": []}
    h = 8
    origins = fc_mod.cv_origins(len(y), h, 30)
    scale = float(np.mean(np.abs(np.diff(y.values))))
    ok = True
    said = []
    choices, report = fc_mod._choose_structures(y, st, None, h, True)
    fc_mod._choose_boxcox(choices, report, y, h, origins, scale, 1)
    for name in ("sarima", "ets"):
        c = report[name].get("boxcox_choice")
        lam = choices[name].get("boxcox_lambda") if name == "sarima" else \
            (choices[name][4] if len(choices[name]) > 4 else None)
        ok = ok and c is not None and c["chosen"] == (
            "boxcox" if c["cv_mase_boxcox"] < c["cv_mase_none"] else "none") \
            and (lam is not None) == (c["chosen"] == "boxcox")
        said.append("%s %s (CV MASE %.3f with, %.3f without)" % (
            name, c and c["chosen"], c and c["cv_mase_boxcox"], c and c["cv_mase_none"]))
    off, _ = fc_mod._choose_structures(y, st, None, h, False)
    T.ok(ok and off["alternatives"] == {"sarima": None, "ets": None}
         and off["sarima"]["boxcox_lambda"] is None and len(off["ets"]) == 4,
         "Box-Cox by cross-validation on the training part: %s; with --boxcox off no "
         "transform is tried" % "; ".join(said))


def fourier_k_check(T):
    """Two long seasons get a K each: 3 harmonics of a daily season of
    hourly data, 1 of the weekly one."""
    rng = np.random.default_rng(1)
    t = np.arange(1008)
    y = (50 + 3 * np.sin(2 * np.pi * t / 24) + 2 * np.cos(4 * np.pi * t / 24)
         + 1.5 * np.sin(6 * np.pi * t / 24) + 4 * np.sin(2 * np.pi * t / 168) + rng.normal(0, 1, len(t)))
    fit, rep, extra = models._search_fourier(y, 0, [24, 168], None)
    k = extra["K"]
    T.ok(isinstance(k, list) and k[0] == 3 and k[1] <= 2,
         "Fourier terms per season: K = %s for periods 24 and 168 by AICc (truth 3 and 1), %d "
         "K sets tried" % (k, rep["k_sets"]))


def direct_gbm_check(T):
    """Boosting's direct rows: an origin t and horizon k have the features
    build_features gives t+1 (history up to t) but the calendar of t+k, the
    horizon, and the label y[t+k] minus the differencing's naive path; the
    forecast feeds nothing back."""
    rng = np.random.default_rng(2)
    t = np.arange(120)
    y = _series(100 + 0.5 * t + 5 * np.sin(2 * np.pi * t / 12) + np.cumsum(rng.normal(0, 1, len(t))))
    spec = FeatureSpec(["lag_1", "lag_12", "roll_mean_12", "month"], 1, 1, 12)
    frame, _ = build_features(y, spec)
    z = models.make_target(y, spec)
    origin = models.origin_columns(z, spec)
    calendar = models.calendar_columns(y.index, spec)
    origins = np.array([60, 80])
    at = origins[:, None] + np.arange(1, 7)[None, :]
    keep = np.ones(at.shape, bool)
    x = models._direct_design(origin, calendar, spec, origins, at, keep)
    row = frame.set_index("time").loc[y.index[61]]
    first = x[0]
    delta = arima.diff_poly(1, 1, 12)
    paths = models.naive_paths(y.values, origins, 6, delta)
    v = y.values
    want = np.array([v[60 + k - 12] + v[60] - v[48] for k in range(1, 7)])
    fc = models.fit_gbm(y, 6, spec, {"max_iter": 30})
    T.ok(np.allclose(first[:3], row[["lag_1", "lag_12", "roll_mean_12"]].values.astype(float))
         and x[3, 3] == y.index[64].month and x[3, 4] == 4 and np.allclose(paths[0], want)
         and fc.params["scheme"].startswith("direct") and len(fc.mean) == 6,
         "boosting forecasts directly: origin rows carry the features of the next step (history "
         "up to the origin), the target time's calendar and the horizon; labels are relative to "
         "the seasonal-and-first-difference naive path")


def _r_reference():
    """[(series, frequency, h, R's auto.arima form as "ARIMA(p,d,q)(P,D,Q)[m] ...")]."""
    ref = pd.read_csv(RDATA / "r_results.csv")
    ref = ref[ref["method"] == "auto.arima"]
    out = []
    for row in ref.to_dict("records"):
        nums = row["form"].replace("ARIMA(", "").replace(")(", " ").replace(")", " ").split()
        form = "ARIMA(%s,%s,%s)" % tuple(nums[:3])
        if "[" in row["form"]:
            form += "(%s,%s,%s)%s" % (nums[3], nums[4], nums[5], nums[6])
        for tail in (" with drift", " with non-zero mean"):
            if row["form"].endswith(tail):
                form += tail
        out.append((row["series"], int(row["frequency"]), int(row["h"]), form))
    return out


# R's stepwise search on LakeHuron: after its no-constant start (0,1,0) wins,
# auto.arima keeps its move state on the drift models (a quirk of its code:
# the constant flag is not reset) and stops at ARIMA(0,1,0), AICc 197.1; we
# move from the best model and reach ARIMA(1,1,2), AICc 189.8 (R's own fit
# of it: 189.77), which forecasts better (MASE 1.93 against 2.20).
R_SEARCH_EXCEPTIONS = {"LakeHuron": "ARIMA(1,1,2)"}


def auto_arima_check(T):
    """auto.arima's differencing on all 18 R series (D by the seasonal
    strength, d by KPSS, before any AICc), and its stepwise search: on every
    series short enough for the exact likelihood (auto.arima's own rule) our
    search returns R's model, and the hold-out forecast from the search's
    fit equals a refit of the chosen model."""
    wrong_d, wrong_form, same_fc, n_exact = [], [], True, 0
    for name, m, h, want in _r_reference():
        y = pd.read_csv(RDATA / ("%s.csv" % name))["value"].values[:-h].astype(float)
        d, big_d, _ = arima.unit_root_orders(y, m)
        want_d = want.split(")")[0].split(",")[1]
        want_big_d = want.split(")(")[1].split(",")[1] if ")(" in want else "0"
        if (str(d), str(big_d)) != (want_d, want_big_d):
            wrong_d.append("%s: d=%d D=%d, R d=%s D=%s" % (name, d, big_d, want_d, want_big_d))
        if arima.likelihood_method(len(y), m) != "exact":
            continue
        n_exact += 1
        s = _series(y, "MS")
        params, _, fit = models.search_sarima(s, m, d, [], boxcox=False)
        got = arima.form_name(params, m)
        expect = R_SEARCH_EXCEPTIONS.get(name, want)
        if got != expect:
            wrong_form.append("%s: %s, R %s" % (name, got, want))
        cached = models.sarima_forecast(fit, params, h).mean
        same_fc = same_fc and np.allclose(cached, models.fit_sarima(s, h, params).mean, rtol=1e-12)
    T.ok(not wrong_d, "auto.arima's differencing (nsdiffs' seasonal strength > 0.64, then ndiffs' "
         "KPSS) gives R's d and D on all 18 reference series", "; ".join(wrong_d))
    T.ok(n_exact >= 10 and not wrong_form and same_fc,
         "the stepwise search returns auto.arima's model on all %d exact-likelihood reference series "
         "(LakeHuron: %s, see R_SEARCH_EXCEPTIONS); the hold-out forecast from the search's fit "
         "equals a refit" % (n_exact, R_SEARCH_EXCEPTIONS["LakeHuron"]),
         "; ".join(wrong_form) + ("" if same_fc else "; cached forecast differs from a refit"))


def theta_interval_check(T):
    """Theta's 80/95 % intervals are R's thetaf's: on every reference series
    (tests/ds/rdata/r_theta.csv, written by r_reference.R) the half-widths
    agree to 2 % at every step (0.3 % at the first: the rest is the SES α,
    which statsmodels and R's ses estimate slightly differently, most on
    nottem), the point forecasts to 3 % of the 95 % interval's width.
    statsmodels' own intervals were 3.2 times R's on AirPassengers."""
    ref = pd.read_csv(RDATA / "r_theta.csv")
    freq = {n: (m, h) for n, m, h, _ in _r_reference()}
    half, mean = 0.0, 0.0
    for name, rows in ref.groupby("series"):
        m, h = freq[name]
        y = pd.read_csv(RDATA / ("%s.csv" % name))["value"].values[:-h].astype(float)
        fc = models.fit_theta(_series(y), h, m)
        for lev, col in ((0.8, "upper80"), (0.95, "upper95")):
            want = rows[col].values - rows["mean"].values
            half = max(half, float(np.max(np.abs(fc.bands[lev][1] - fc.mean - want) / want)))
        width = rows["upper95"].values - rows["lower95"].values
        mean = max(mean, float(np.max(np.abs(fc.mean - rows["mean"].values) / width)))
    T.ok(half < 0.02 and mean < 0.03,
         "Theta's 80/95 %% intervals are R's thetaf's on %d series (half-widths within %.2g; point "
         "forecasts within %.2g of the 95 %% width)" % (ref["series"].nunique(), half, mean))


def tuning_skip_check(T):
    """A series too short for boosting's validation split is not searched:
    no trial runs, the defaults are kept and the report says why."""
    from tsa import tuning
    y = _series(np.arange(20.0) + np.sin(np.arange(20)))
    spec = FeatureSpec(names=["lag_1", "lag_12"], d=1, big_d=0, period=12)
    params, rep = tuning.tune_gbm(y, 12, spec, 10, time.monotonic() + 30)
    T.ok(params == tuning.GBM_DEFAULT and rep["n_trials"] == 0 and rep["stopped_by"] == "too_short"
         and "too short" in rep["note"],
         "boosting study on a 20-point series with lag 12 and h = 12: skipped (%s), defaults kept"
         % rep["note"], rep)


def pmap_check(T):
    """parallel.pmap is the serial loop: same results in the same order,
    every other item computed in another process when there are two CPUs,
    and an exception in either half raised in the caller."""
    import os
    from tsa import parallel
    items = list(range(7))
    got = parallel.pmap(lambda x: (x * x, os.getpid()), items)
    pids = {pid for _, pid in got}
    two = parallel.workers() >= 2
    T.ok([v for v, _ in got] == [x * x for x in items]
         and (len(pids) == 2 if two else pids == {os.getpid()})
         and all(pid == os.getpid() for _, pid in got[0::2]),
         "pmap: results in order, %s" % ("the odd items from a second process" if two
                                         else "one CPU here, so serially"))
    errors = []
    for bad in (2, 3):                        # one in this process's half, one in the child's
        def fn(x, bad=bad):
            if x == bad:
                raise ValueError("item %d" % x)
            return x
        try:
            parallel.pmap(fn, items)
        except (ValueError, RuntimeError) as e:
            errors.append(str(e))
    T.ok(len(errors) == 2 and all("item" in e for e in errors),
         "pmap: an exception in either half reaches the caller (%s)" % "; ".join(errors))


def parallel_same_check(T):
    """The ETS family fitted on two CPUs (parallel.pmap) gives the serial
    choice to the last digit: form, AICc, parameters and forecasts."""
    from tsa import parallel
    y = _series(pd.read_csv(RDATA / "ldeaths.csv")["value"].values[:-12])
    fits, saved = {}, parallel.workers
    try:
        for w in (1, 2):
            parallel.workers = (lambda w=w: w)
            fits[w] = models.fit_ets(y, 12, 12, boxcox=False)
    finally:
        parallel.workers = saved
    a, b = fits[1], fits[2]
    T.ok(a.params == b.params and np.array_equal(a.mean, b.mean) and np.array_equal(a.start, b.start)
         and all(np.array_equal(a.bands[lev][i], b.bands[lev][i]) for lev in a.bands for i in (0, 1)),
         "ETS family on ldeaths: %s, AICc %.2f, the same on one CPU and on two"
         % (a.params["form"], a.params["aicc"]))


def banded_likelihood_check(T):
    """The exact likelihood's banded factorisation (Ansley's transform)
    gives the innovations and log-determinant of the dense Cholesky factor
    of the ARMA covariance, on random stationary seasonal models."""
    from scipy.linalg import cholesky, solve_triangular, toeplitz
    rng = np.random.default_rng(7)
    worst, banded = 0.0, 0
    for _ in range(200):
        m = int(rng.choice([1, 4, 12]))
        spec = {"p": int(rng.integers(0, 4)), "q": int(rng.integers(0, 4)),
                "P": int(rng.integers(0, 3)) if m > 1 else 0, "Q": int(rng.integers(0, 3)) if m > 1 else 0}
        coefs = arima._constrain(spec, rng.normal(0, 1, spec["p"] + spec["q"] + spec["P"] + spec["Q"]))
        ar, ma = arima._polys(spec, coefs, m)
        z = rng.normal(size=int(rng.integers(30, 150)))
        u, logdet = arima._exact_terms(z, ar, ma)
        low = cholesky(toeplitz(arima.arma_acov(ar, ma, len(z))), lower=True)
        want = solve_triangular(low, z, lower=True)
        worst = max(worst, float(np.max(np.abs(u - want))),
                    abs(logdet - 2 * float(np.sum(np.log(np.diag(low))))))
        banded += 3 * max(len(ar), len(ma)) - 3 < len(z)
    T.ok(worst < 1e-7 and banded > 100,
         "exact likelihood: the banded factorisation equals the dense Cholesky on 200 random "
         "models (%d of them banded; largest difference %.2g)" % (banded, worst))


def ets_perturbation_check(T):
    """The per-form ETS fit does not hang on the data's last bits: on the
    training parts of three seasonal R series, under 1e-13 relative
    perturbations (numpy's SIMD paths differ by a few ULPs between CPUs),
    every candidate form's AICc stays within 1e-3 relative, and the lowest
    AICc form of each kind (Box-Cox or not) stays the same; the parameters
    returned on the data's scale give that AICc again."""
    cases = [("ldeaths", 12, 12, "MS"), ("USAccDeaths", 12, 12, "MS"), ("UKgas", 8, 4, "QS")]
    worst, changed, detail, replay = 0.0, [], [], 0.0
    for name, h, period, freq in cases:
        v = pd.read_csv(RDATA / ("%s.csv" % name)).iloc[:-h, 1].values.astype(float)
        rng = np.random.default_rng(1)
        runs = []
        for k in range(3):
            y = pd.Series(v * (1 + (rng.normal(0, 1e-13, len(v)) if k else 0.0)),
                          index=pd.date_range("1960-01-01", periods=len(v), freq=freq))
            lam = boxcox.choose_lambda(y.values, period)
            forms = models.ets_candidates(y, period) + \
                (models.ets_boxcox_candidates(y, period, lam) if lam is not None else [])
            fits = parallel.pmap(lambda f: models._fit_ets_form(y, period, f), forms)
            runs.append([(models.ets_name(f[:4]) + (" Box-Cox" if len(f) > 4 else ""),
                          None if r is None else r[1]) for f, r in zip(forms, fits)])
            if k == 0:                       # the returned parameters replay the AICc
                for f, r in zip(forms, fits):
                    if r is not None:
                        res = models._ets_model(y, period, f).smooth(r[0])
                        a = float(res.aicc) if len(f) == 4 else \
                            boxcox.aicc_on_data_scale(res.aicc, y.values, f[4])
                        replay = max(replay, abs(a - r[1]) / abs(r[1]))
        for i, (form, _) in enumerate(runs[0]):
            got = [run[i][1] for run in runs]
            ok = [a for a in got if a is not None]
            spread = (max(ok) - min(ok)) / abs(min(ok)) if ok else 0.0
            if len(ok) != len(got):
                spread = np.inf
            if spread > 1e-3:
                detail.append("%s %s: %s" % (name, form, [None if a is None else round(a, 2) for a in got]))
            worst = max(worst, spread)
        for kind in (False, True):
            best = {min((f for f, a in run if a is not None and f.endswith("Box-Cox") == kind),
                        key=dict(run).get, default=None) for run in runs}
            if len(best) > 1:
                changed.append("%s%s: %s" % (name, " Box-Cox" if kind else "", sorted(best)))
    T.ok(worst <= 1e-3 and not changed and replay < 1e-9,
         "ETS per-form fits are stable: on ldeaths, USAccDeaths and UKgas under 1e-13 perturbations "
         "every form's AICc within %.2g relative (allowed 1e-3), the best form of each kind unchanged, "
         "returned parameters replay the AICc (%.2g)" % (worst, replay),
         "\n".join(changed + detail))


def run_all(T):
    for check in (drift_check, search_check, multiplicative_ets_check, coverage_check,
                  exact_likelihood_check, boxcox_check, boxcox_cv_check, fourier_k_check, direct_gbm_check,
                  auto_arima_check, theta_interval_check, tuning_skip_check, pmap_check,
                  parallel_same_check, banded_likelihood_check, ets_perturbation_check):
        try:
            check(T)
        except Exception:  # a crashing check is a failed check
            import traceback
            T.ok(False, "%s raised" % check.__name__, traceback.format_exc())
