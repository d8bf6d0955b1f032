"""Seasonal ARIMA: stepwise AICc order search (Hyndman & Khandakar 2008,
as R's auto.arima), exact-likelihood or conditional-sum-of-squares
fitting, forecasts and prediction intervals — all numpy/scipy, so a search
of dozens of models takes a second where statsmodels' SARIMAX, whose fit
takes 1–9 s per model on a 60-point monthly series, takes minutes.

The differencing orders are auto.arima's, decided before any AICc is
compared (AICc of different differencings are not comparable: they are
likelihoods of different data): D = 1 when the seasonal strength of
mstl's decomposition exceeds 0.64 (nsdiffs), then d = the number of
differences after which KPSS with ndiffs' bandwidth stops rejecting at 5 %
(ndiffs) — unit_root_orders. With d and D fixed, the search is
auto.arima's stepwise one (stepwise_search): p, q <= min(5, n/3), P, Q <=
min(2, n/3/m), p, q < m with a seasonal part, the starts (2,2)(1,1),
(0,0)(0,0), (1,0)(1,0), (0,1)(0,1) and (0,0)(0,0) without constant, then
the first neighbour in auto.arima's order (P, Q, then p, q, by ±1 and in
pairs, then the constant on/off) that lowers AICc, until none does.
Models whose AR or MA roots are within 1.01 of the unit circle are
rejected. AICc counts σ² as a parameter: -2 log L + 2(k+1) +
2(k+1)(k+2)/(n-k-2), k the coefficients with the constant, n the
differenced series' length.

Fitting, as auto.arima: by exact Gaussian likelihood for series of at
most 150 points with seasons of at most 12 (the search and every later
fit), by conditional sum of squares otherwise (auto.arima's
``approximation=TRUE``). Exact: the differenced series w minus its mean
(and regressors) has the ARMA's Toeplitz covariance σ²R (autocovariances
solved exactly from the AR and MA polynomials); with L = chol(R) and
u = L⁻¹z (computed through Ansley's banded transform, _exact_terms),
-2 log L = n log(2πσ̂²) + n + log|R| with σ̂² = u'u/n, minimised
by Levenberg-Marquardt on u·|R|^(1/2n), the coefficients kept stationary
and invertible through partial autocorrelations, started from the CSS
estimates; forecasts are the exact best linear predictor given every
observation. CSS: w minus its mean (and regressors) is filtered through
AR(B)/MA(B) with zero pre-sample values, the first residuals are dropped
(as many as the longest AR lag the search allows, the same for every
candidate), and AICc = n*·log σ² + 2k + 2k(k+1)/(n*−k−1) with n* the
residuals kept, k = the coefficients + σ².

The constant: with d + D = 0 it is the mean; with d + D = 1 it is the
drift, the mean of the differences, so the level gains the same amount
every step; with d + D >= 2 there is none, as in auto.arima.
"""

import functools
import time
import warnings

import numpy as np
from scipy.linalg import (cho_solve, cholesky, cholesky_banded, solve_banded, solve_triangular,
                          toeplitz)
from scipy.optimize import least_squares
from scipy.signal import lfilter, lfiltic
from statsmodels.tsa.seasonal import STL
from statsmodels.tsa.statespace.tools import (constrain_stationary_univariate,
                                              unconstrain_stationary_univariate)
from statsmodels.tsa.stattools import kpss

MAX_P, MAX_Q, MAX_SP, MAX_SQ = 5, 5, 2, 2
ROOT_MARGIN = 1.01
EXACT_MAX_N = 150


# ---------------------------------------------------------------- polynomials

def _seasonal(coefs, m):
    """1 + c1 B^m + c2 B^2m ... as a coefficient array."""
    out = np.zeros(len(coefs) * m + 1)
    out[0] = 1.0
    for i, c in enumerate(coefs):
        out[(i + 1) * m] = c
    return out


def _polys(spec, x, m):
    """AR(B) (lfilter denominator convention: 1 - phi B ...) and MA(B)."""
    p, q, sp, sq = spec["p"], spec["q"], spec["P"], spec["Q"]
    phi, theta = x[:p], x[p:p + q]
    sphi, stheta = x[p + q:p + q + sp], x[p + q + sp:p + q + sp + sq]
    ar = np.concatenate(([1.0], -phi))
    ma = np.concatenate(([1.0], theta))
    if sp:
        ar = np.convolve(ar, _seasonal(-sphi, m))
    if sq:
        ma = np.convolve(ma, _seasonal(stheta, m))
    return ar, ma


def _roots_ok(coefs):
    """True if 1 + c1 z + ... has every root outside ROOT_MARGIN."""
    c = np.trim_zeros(np.r_[1.0, coefs], "b")
    if len(c) <= 1:
        return True
    return bool(np.all(np.abs(np.roots(c[::-1])) > ROOT_MARGIN))


def diff_poly(d, big_d, m):
    """(1 - B)^d (1 - B^m)^D."""
    out = np.array([1.0])
    for _ in range(d):
        out = np.convolve(out, [1.0, -1.0])
    for _ in range(big_d):
        out = np.convolve(out, _seasonal([-1.0], m))
    return out


def difference(y, d, big_d, m):
    """Apply (1 - B)^d (1 - B^m)^D to y (drops the first d + D·m values)."""
    delta = diff_poly(d, big_d, m)
    return np.convolve(y, delta, mode="valid") if len(delta) > 1 else np.asarray(y, float)


# ---------------------------------------------------------------- fitting

class ArimaFit:
    """A fitted model: spec {p, d, q, P, D, Q, constant}, period m, the
    coefficients, σ², AICc, and what forecasting needs (levels, residuals)."""

    def __init__(self, spec, m, x, sigma2, aicc, y, exog, resid, method="css", n_used=None):
        self.spec, self.m, self.x, self.sigma2, self.aicc = spec, m, x, sigma2, aicc
        self.y, self.exog, self.resid = y, exog, resid
        self.method = method
        self.n_used = len(resid) if n_used is None else n_used   # observations in the likelihood

    @property
    def n_coef(self):
        s = self.spec
        return s["p"] + s["q"] + s["P"] + s["Q"]

    def forecast(self, h, exog_future=None, levels=(0.8, 0.95)):
        """(mean, {level: (lower, upper)}) for the next h steps."""
        return forecast(self, h, exog_future, levels)


def common_condition(n_w, m):
    """Residuals dropped before the sum of squares: the longest AR lag the
    search allows (p + P·m at their maxima), at most a third of the
    differenced series, and the same for every candidate, so that AICc
    compares fits on the same observations and no model escapes the
    zero-start transient by having a longer AR lag."""
    return min(MAX_P + (MAX_SP * m if m >= 2 else 0), n_w // 3)


def _n_params(spec, n_exog):
    return spec["p"] + spec["q"] + spec["P"] + spec["Q"] + int(spec["constant"]) + n_exog


def likelihood_method(n, m):
    """'exact' for series of at most EXACT_MAX_N points whose season is at
    most 12 (auto.arima's rule for searching without approximation: there the
    CSS start-up loss, up to 29 residuals, is a large share of the data),
    'css' for longer series or seasons."""
    return "exact" if n <= EXACT_MAX_N and m <= 12 else "css"


def arma_acov(ar, ma, nlags):
    """Autocovariances γ(0..nlags-1) of ar(B) z = ma(B) e with Var e = 1 (ar
    in lfilter's convention, ar[0] = 1): the first p + 1 from the linear
    equations Σ_i ar_i γ(k-i) = Σ_{j>=k} ma_j ψ_{j-k}, k = 0..p, the rest by
    the same recursion. Exact for a stationary model. (Called for every
    likelihood evaluation: the index arrays are cached per p, and the
    recursion starts from its state computed directly, not by lfiltic.)"""
    ar, ma = np.asarray(ar, float), np.asarray(ma, float)
    p, q = len(ar) - 1, len(ma) - 1
    imp = np.zeros(q + 1)
    imp[0] = 1.0
    psi = lfilter(ma, ar, imp)
    c = np.correlate(ma, psi, "full")[q:]           # c_k = Σ_{j>=k} ma_j ψ_{j-k}
    nl = max(nlags, p + 1, q + 1)
    g = np.zeros(nl)
    if p == 0:
        g[:q + 1] = np.correlate(ma, ma, "full")[q:]
        return g[:nlags]
    lin, ari, zi_ar, zi_g, zi_on = _acov_index(p)
    a = np.bincount(lin, weights=ar[ari], minlength=(p + 1) ** 2).reshape(p + 1, p + 1)
    rhs = np.zeros(p + 1)
    rhs[:min(p, q) + 1] = c[:min(p, q) + 1]
    g[:p + 1] = np.linalg.solve(a, rhs)
    if nl > p + 1:
        x = np.zeros(nl - p - 1)
        x[:max(0, q - p)] = c[p + 1:q + 1]
        zi = -np.sum(ar[zi_ar] * g[zi_g] * zi_on, axis=1)   # lfiltic([1], ar, g[p::-1])
        g[p + 1:] = lfilter([1.0], ar, x, zi=zi)[0]
    return g[:nlags]


@functools.lru_cache(maxsize=64)
def _band_index(k, p, n):
    """For _exact_terms: the lags |j-i| (j = 0..k, i = 0..p), and the 0/1
    masks of band[j, t]'s three regions (t + j < k; t < k <= t + j;
    k <= t < n - j)."""
    j = np.arange(k + 1)[:, None]
    t = np.arange(n)[None, :]
    lags = np.abs(j - np.arange(p + 1)[None, :])
    return (lags, (t + j < k).astype(float), ((t < k) & (t + j >= k)).astype(float),
            ((t >= k) & (t < n - j)).astype(float))


@functools.lru_cache(maxsize=64)
def _acov_index(p):
    """Index arrays of arma_acov for AR order p: where each ar_i goes in the
    (p+1)² system (a[k, |k-i|] += ar_i), and the terms of the recursion's
    initial state zi_m = -Σ_{i>m} ar_i γ(p+m+1-i)."""
    idx = np.arange(p + 1)
    k, i = np.meshgrid(idx, idx, indexing="ij")
    m, j = np.meshgrid(np.arange(p), np.arange(1, p + 1), indexing="ij")
    return ((k * (p + 1) + np.abs(k - i)).ravel(), i.ravel(), j, np.clip(p + m + 1 - j, 0, p),
            (j > m).astype(float))


def _exact_terms(z, ar, ma):
    """(whitened innovations L⁻¹z, log|R|) of z under the ARMA correlation
    matrix R (unit innovation variance), L = chol(R).

    Ansley's (1979) transformation: x = z for the first k = max(p, q)
    points and x_t = AR(B) z_t after them is z times a unit lower
    triangular matrix A, so Cov(x) = A R A' has bandwidth k, its Cholesky
    factor is A L (hence the same determinant and the same L⁻¹z), and the
    banded factorisation costs O(n k²) instead of the O(n³) of R's — a
    twentieth of the time on a 100-point quarterly series. A band as wide
    as a third of the series gains nothing: then R is factorised whole."""
    n, p, q = len(z), len(ar) - 1, len(ma) - 1
    k = max(p, q)
    if k == 0:
        return np.asarray(z, float), 0.0
    if 3 * k >= n:
        low = cholesky(toeplitz(arma_acov(ar, ma, n)), lower=True, check_finite=False)
        u = solve_triangular(low, z, lower=True, check_finite=False)
        return u, 2.0 * float(np.sum(np.log(np.diag(low))))
    g = arma_acov(ar, ma, 2 * k + 1)
    ma_acov = np.zeros(k + 1)
    ma_acov[:q + 1] = np.correlate(ma, ma, "full")[q:]
    lags, head, cross, tail = _band_index(k, p, n)
    # band[j, t] = Cov(x_{t+j}, x_t), LAPACK's lower storage: γ(j) while both
    # are among the first k points, Σ_i ar_i γ(|j-i|) while only x_{t+j} is
    # filtered, the MA's autocovariance once both are
    band = head * g[:k + 1, None] + cross * (g[lags] @ ar)[:, None] + tail * ma_acov[:, None]
    x = np.array(z, float)
    x[k:] = np.convolve(z, ar)[k:n]
    low = cholesky_banded(band, lower=True, check_finite=False)
    u = solve_banded((k, 0), low, x, check_finite=False)
    return u, 2.0 * float(np.sum(np.log(low[0])))


def _blocks(spec):
    """(start, length, sign) of the p, q, P, Q coefficient blocks; sign -1
    for MA blocks (MA(B) = 1 + θB..., stationary-form 1 - cB...)."""
    out, at = [], 0
    for key, sign in (("p", 1), ("q", -1), ("P", 1), ("Q", -1)):
        out.append((at, spec[key], sign))
        at += spec[key]
    return out


def _constrain(spec, u):
    """Unconstrained reals -> coefficients whose AR parts are stationary and
    MA parts invertible (partial autocorrelations, Monahan 1984)."""
    x = np.array(u, float)
    for at, n, sign in _blocks(spec):
        if n:
            x[at:at + n] = sign * constrain_stationary_univariate(np.asarray(u[at:at + n], float))
    return x


def _unconstrain(spec, coefs):
    """The inverse of _constrain; zeros where coefs are outside the region."""
    x = np.array(coefs, float)
    for at, n, sign in _blocks(spec):
        if n:
            try:
                with np.errstate(all="ignore"):
                    v = unconstrain_stationary_univariate(sign * np.asarray(coefs[at:at + n], float))
            except (ValueError, ZeroDivisionError, np.linalg.LinAlgError):
                v = np.zeros(n)
            x[at:at + n] = v if np.all(np.isfinite(v)) and np.max(np.abs(v)) < 50 else 0.0
    return x


def fit_css(y, spec, m, exog=None, x0=None):
    """Fit one model by conditional sum of squares; None if it fails or is
    not stationary and invertible."""
    return fit_arima(y, spec, m, exog, x0, method="css")


def fit_arima(y, spec, m, exog=None, x0=None, method="css"):
    """Fit one model by conditional sum of squares (method 'css') or exact
    Gaussian likelihood ('exact': the differenced series' full ARMA
    covariance, concentrated in σ², started from the CSS estimates); None if
    it fails or is not stationary and invertible."""
    y = np.asarray(y, float)
    m = m if m >= 2 else 1
    if method == "exact":
        start = fit_arima(y, spec, m, exog, x0, method="css")
        return _fit_exact(y, spec, m, exog, start)
    w = difference(y, spec["d"], spec["D"], m)
    xw = None if exog is None else np.column_stack(
        [difference(col, spec["d"], spec["D"], m) for col in np.asarray(exog, float).T])
    n_coef = spec["p"] + spec["q"] + spec["P"] + spec["Q"]
    n_ex = 0 if xw is None else xw.shape[1]
    cond = common_condition(len(w), m)
    n_used = len(w) - cond
    k = _n_params(spec, n_ex)
    if n_used < k + 3:
        return None
    scale = float(np.std(w)) or 1.0

    def unpack(x):
        return _unpack(spec, x, scale, x[:n_coef])

    def resid(x):
        coefs, mu, beta = unpack(x)
        ar, ma = _polys(spec, coefs, m)
        z = w - mu - (xw @ beta if n_ex else 0.0)
        return lfilter(ar, ma, z)[cond:] / scale

    start = _start(spec, w, xw, scale, x0)
    try:
        with np.errstate(all="ignore"):
            sol = least_squares(resid, start, method="lm", max_nfev=200 * (len(start) + 1)) \
                if len(start) and n_used > len(start) else None
    except (ValueError, np.linalg.LinAlgError):
        return None
    x = sol.x if sol is not None else start
    coefs, mu, beta = unpack(x)
    if not _coefs_ok(spec, coefs):
        return None
    e = resid(x) * scale
    if not np.all(np.isfinite(e)):
        return None
    sigma2 = float(np.mean(e ** 2))
    if sigma2 <= 0:
        return None
    nstar = n_used
    aicc = nstar * np.log(sigma2) + 2 * (k + 1)
    aicc += 2 * (k + 1) * (k + 2) / (nstar - k - 2) if nstar - k - 2 > 0 else np.inf
    full_e = np.r_[np.zeros(cond), e]
    params = np.r_[coefs, [mu] if spec["constant"] else [], beta]
    return ArimaFit(dict(spec), m, params, sigma2, float(aicc), y, exog, full_e,
                    method="css", n_used=nstar)


def _unpack(spec, x, scale, coefs):
    """(coefficients, mean or drift, regression coefficients) of the scaled
    parameter vector x, the ARMA coefficients given."""
    n_coef = spec["p"] + spec["q"] + spec["P"] + spec["Q"]
    mu = x[n_coef] * scale if spec["constant"] else 0.0
    return coefs, mu, x[n_coef + int(spec["constant"]):] * scale


def _start(spec, w, xw, scale, x0):
    """Starting values (scaled): zeros, the mean, regression coefficients
    by least squares, or x0."""
    n_coef = spec["p"] + spec["q"] + spec["P"] + spec["Q"]
    n_ex = 0 if xw is None else xw.shape[1]
    start = np.zeros(n_coef + int(spec["constant"]) + n_ex)
    if spec["constant"]:
        start[n_coef] = np.mean(w) / scale
    if n_ex:
        beta0 = np.linalg.lstsq(xw, w - np.mean(w) * spec["constant"], rcond=None)[0]
        start[n_coef + int(spec["constant"]):] = beta0 / scale
    if x0 is not None and len(x0) == len(start):
        start = np.asarray(x0, float).copy()
        start[n_coef:] /= scale
    return start


def _fit_exact(y, spec, m, exog, css):
    """Exact-likelihood fit, started from the CSS fit css (or zeros)."""
    w = difference(y, spec["d"], spec["D"], m)
    xw = None if exog is None else np.column_stack(
        [difference(col, spec["d"], spec["D"], m) for col in np.asarray(exog, float).T])
    n_coef = spec["p"] + spec["q"] + spec["P"] + spec["Q"]
    n_ex = 0 if xw is None else xw.shape[1]
    n = len(w)
    k = _n_params(spec, n_ex)
    if n < k + 3:
        return None
    scale = float(np.std(w)) or 1.0
    start = _start(spec, w, xw, scale, css.x if css is not None else None)
    start[:n_coef] = _unconstrain(spec, start[:n_coef])

    def unpack(x):
        return _unpack(spec, x, scale, _constrain(spec, x[:n_coef]))

    def terms(x):
        coefs, mu, beta = unpack(x)
        ar, ma = _polys(spec, coefs, m)
        return _exact_terms((w - mu - (xw @ beta if n_ex else 0.0)) / scale, ar, ma)

    def resid(x):
        try:
            u, logdet = terms(x)
        except (ValueError, np.linalg.LinAlgError):
            return np.full(n, 1e6)
        return u * np.exp(logdet / (2 * n))

    try:
        with np.errstate(all="ignore"):
            sol = least_squares(resid, start, method="lm", max_nfev=100 * (len(start) + 1)) \
                if len(start) else None
        x = sol.x if sol is not None else start
        u, logdet = terms(x)
    except (ValueError, np.linalg.LinAlgError):
        return None
    coefs, mu, beta = unpack(x)
    if not _coefs_ok(spec, coefs) or not np.all(np.isfinite(u)):
        return None
    sigma2 = float(np.mean(u ** 2)) * scale ** 2
    if sigma2 <= 0:
        return None
    loglik = -0.5 * n * (np.log(2 * np.pi * sigma2) + 1) - 0.5 * logdet
    aicc = -2 * loglik + 2 * (k + 1)
    aicc += 2 * (k + 1) * (k + 2) / (n - k - 2) if n - k - 2 > 0 else np.inf
    params = np.r_[coefs, [mu] if spec["constant"] else [], beta]
    return ArimaFit(dict(spec), m, params, sigma2, float(aicc), y, exog, u * scale,
                    method="exact", n_used=n)


def _coefs_ok(spec, coefs):
    p, q, sp, sq = spec["p"], spec["q"], spec["P"], spec["Q"]
    parts = [(-coefs[:p]), coefs[p:p + q], -coefs[p + q:p + q + sp], coefs[p + q + sp:]]
    return np.all(np.isfinite(coefs)) and all(_roots_ok(c) for c in parts)


# ---------------------------------------------------------------- forecasting

def forecast(fit, h, exog_future=None, levels=(0.8, 0.95)):
    """Point forecasts on the differences — the ARMA recursion with future
    shocks zero for a CSS fit, the exact best linear predictor given every
    observation for an exact fit — integrated back to levels; intervals from the ψ weights
    of MA(B) / (AR(B)·Δ(B)): sd_h = σ·sqrt(Σ_{j<h} ψ_j²)."""
    from scipy.stats import norm
    s, m = fit.spec, fit.m
    n_coef = fit.n_coef
    coefs = fit.x[:n_coef]
    mu = fit.x[n_coef] if s["constant"] else 0.0
    beta = fit.x[n_coef + int(s["constant"]):]
    ar, ma = _polys(s, coefs, m)
    delta = diff_poly(s["d"], s["D"], m)
    w = difference(fit.y, s["d"], s["D"], m)
    reg_w = np.zeros(len(w) + h)
    if len(beta):
        x_all = np.vstack([np.asarray(fit.exog, float), np.asarray(exog_future, float)])
        xw = np.column_stack([difference(c, s["d"], s["D"], m) for c in x_all.T])
        reg_w = xw @ beta
    n = len(w)
    z_obs = w - mu - reg_w[:n]
    zf = _exact_predict(z_obs, ar, ma, h) if fit.method == "exact" else \
        _css_predict(z_obs, fit.resid, ar, ma, h)
    wf = zf + mu + reg_w[n:]
    yl = list(fit.y)
    for t in range(h):
        yl.append(wf[t] - sum(delta[i] * yl[-i] for i in range(1, len(delta))))
    mean = np.asarray(yl[len(fit.y):])
    impulse = np.zeros(h)
    impulse[0] = 1.0
    psi = lfilter(ma, np.convolve(ar, delta), impulse)
    sd = np.sqrt(fit.sigma2 * np.cumsum(psi ** 2))
    bands = {}
    for lev in levels:
        zq = norm.ppf(0.5 + lev / 2)
        bands[lev] = (mean - zq * sd, mean + zq * sd)
    return mean, bands


def _css_predict(z_obs, resid, ar, ma, h):
    """h steps of the ARMA recursion from the CSS residuals (future shocks 0)."""
    n = len(z_obs)
    z = np.r_[z_obs, np.zeros(h)]
    e = np.r_[resid, np.zeros(h)]
    for t in range(n, n + h):
        acc = 0.0
        for i in range(1, len(ar)):
            if ar[i] and t - i >= 0:
                acc -= ar[i] * z[t - i]
        for j in range(1, len(ma)):
            if ma[j] and t - j >= 0:
                acc += ma[j] * e[t - j]
        z[t] = acc
    return z[n:]


def _exact_predict(z_obs, ar, ma, h):
    """E[z_{n..n+h-1} | z_0..z_{n-1}] for the stationary ARMA: Γ_fo R⁻¹ z."""
    n = len(z_obs)
    g = arma_acov(ar, ma, n + h)
    low = cholesky(toeplitz(g[:n]), lower=True, check_finite=False)
    alpha = cho_solve((low, True), z_obs, check_finite=False)
    lags = n + np.arange(h)[:, None] - np.arange(n)[None, :]
    return g[lags] @ alpha


# ---------------------------------------------------------------- differencing

KPSS_CRIT_5PCT = 0.463     # urca's level-KPSS critical value at 5 % (0.347 at 10 %, 0.574 at 2.5 %)
SEASONAL_STRENGTH_FOR_D = 0.64
STL_SEASON_WINDOW = 11     # mstl's s.window for one season (7 + 4·1)


def _kpss_level(x):
    """urca's ur.kpss(type = "mu") statistic with ndiffs' bandwidth,
    trunc(3·sqrt(n)/13) Bartlett lags."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return float(kpss(x, regression="c", nlags=int(3 * np.sqrt(len(x)) / 13))[0])


def ndiffs(x, max_d=2):
    """forecast::ndiffs: the number of first differences after which the
    level KPSS test (ndiffs' bandwidth) no longer rejects at 5 %
    (urca's interpolated p-value < 0.05, i.e. statistic > 0.463)."""
    x = np.asarray(x, float)
    d = 0
    while d < max_d and len(x) > 2 and np.ptp(x) > 0 and _kpss_level(x) > KPSS_CRIT_5PCT:
        d += 1
        x = np.diff(x)
    return d


def _next_odd(v):
    v = int(np.ceil(v))
    return v if v % 2 else v + 1


def seasonal_strength(x, m):
    """forecast's seas.heuristic: 1 - Var(R)/Var(S + R) of mstl's
    decomposition of one season (stats::stl with s.window 11, degree-0
    seasonal smoother, its default trend and low-pass windows and jumps,
    not robust), clipped to [0, 1]."""
    sw = STL_SEASON_WINDOW
    tw = _next_odd(1.5 * m / (1 - 1.5 / sw))
    lw = _next_odd(m)
    res = STL(np.asarray(x, float), period=m, seasonal=sw, trend=tw, low_pass=lw,
              seasonal_deg=0, trend_deg=1, low_pass_deg=1, robust=False,
              seasonal_jump=int(np.ceil(sw / 10)), trend_jump=int(np.ceil(tw / 10)),
              low_pass_jump=int(np.ceil(lw / 10))).fit()
    r, s = np.asarray(res.resid), np.asarray(res.seasonal)
    den = float(np.var(r + s))
    return float(min(1.0, max(0.0, 1.0 - np.var(r) / den))) if den > 0 else 0.0


def unit_root_orders(y, m):
    """auto.arima's differencing, decided before any AICc is compared: D = 1
    when the seasonal strength exceeds 0.64 (nsdiffs' "seas" test; none for
    m < 2 or series of at most 2m points), then d = ndiffs of the
    seasonally differenced series. Returns (d, D, reason)."""
    y = np.asarray(y, float)
    big_d, why = 0, "no season"
    if m >= 2 and len(y) > 2 * m:
        fs = seasonal_strength(y, m)
        big_d = int(fs > SEASONAL_STRENGTH_FOR_D)
        why = "seasonal strength %.3f %s %.2f" % (fs, ">" if big_d else "<=", SEASONAL_STRENGTH_FOR_D)
    elif m >= 2:
        why = "at most two seasons of data"
    d = ndiffs(difference(y, 0, big_d, m))
    return d, big_d, "D = %d (%s), then d = %d by KPSS at 5 %% (lag trunc(3·sqrt(n)/13)), as " \
                     "auto.arima's nsdiffs and ndiffs" % (big_d, why, d)


# ---------------------------------------------------------------- search

def order_limits(n, m):
    """auto.arima's bounds for a series of n points and season m: p, q <=
    min(5, n/3), P, Q <= min(2, n/3/m), and p, q < m when the seasonal
    part may be used; no bound on p + q + P + Q in the stepwise search."""
    lim = {"p": min(MAX_P, n // 3), "q": min(MAX_Q, n // 3), "P": 0, "Q": 0}
    if m >= 2:
        lim["P"], lim["Q"] = min(MAX_SP, n // 3 // m), min(MAX_SQ, n // 3 // m)
        if lim["P"]:
            lim["p"] = min(lim["p"], m - 1)
        if lim["Q"]:
            lim["q"] = min(lim["q"], m - 1)
    return lim


# auto.arima's neighbours, in the order it tries them (the first that
# improves AICc is taken): seasonal orders, then non-seasonal ones
MOVES = [(0, 0, -1, 0), (0, 0, 0, -1), (0, 0, 1, 0), (0, 0, 0, 1), (0, 0, -1, -1),
         (0, 0, -1, 1), (0, 0, 1, -1), (0, 0, 1, 1), (-1, 0, 0, 0), (0, -1, 0, 0),
         (1, 0, 0, 0), (0, 1, 0, 0), (-1, -1, 0, 0), (-1, 1, 0, 0), (1, -1, 0, 0), (1, 1, 0, 0)]


def _within(s, lim):
    return all(0 <= s[k] <= lim[k] for k in ("p", "q", "P", "Q"))


def _key(s):
    return (s["p"], s["q"], s["P"], s["Q"], s["constant"])


def stepwise_search(y, period, d, big_d, exog=None, deadline=None, max_models=94,
                    likelihood=None):
    """Hyndman-Khandakar stepwise AICc search with d and D fixed, as
    auto.arima runs it: the orders bounded by order_limits, the starts
    (2,2)(1,1), (0,0)(0,0), (1,0)(1,0), (0,1)(0,1) and (0,0)(0,0) without
    constant, then from the best model the first neighbour in MOVES (then
    the constant on/off) that lowers AICc, until none does; every candidate
    fitted by the same likelihood (likelihood_method's choice for y and
    period unless given). A constant (mean or drift) only when d + D <= 1.

    Returns (best ArimaFit or None, report {criterion, search,
    models_tried, aicc, stopped_by, seconds})."""
    t0 = time.monotonic()
    seasonal = period >= 2
    big_d = big_d if seasonal else 0
    const = d + big_d <= 1
    lim = order_limits(len(y), period if seasonal else 1)
    first = dict(d=d, D=big_d, constant=const, p=min(2, lim["p"]), q=min(2, lim["q"]),
                 P=min(1, lim["P"]), Q=min(1, lim["Q"]))
    if len(y) < 10:
        first.update(p=min(1, lim["p"]), q=min(1, lim["q"]), P=0, Q=0)
    cands = [first, dict(first, p=0, q=0, P=0, Q=0)]
    if lim["p"] or lim["P"]:
        cands.append(dict(first, p=int(lim["p"] > 0), q=0, P=int(lim["P"] > 0), Q=0))
    if lim["q"] or lim["Q"]:
        cands.append(dict(first, p=0, q=int(lim["q"] > 0), P=0, Q=int(lim["Q"] > 0)))
    if const:
        cands.append(dict(first, p=0, q=0, P=0, Q=0, constant=False))
    method = likelihood_method(len(y), period) if likelihood is None else likelihood
    tried, best = {}, None
    state = {"stopped": "converged"}

    def out_of_time():
        if deadline is not None and time.monotonic() >= deadline:
            state["stopped"] = "deadline"
            return True
        if len(tried) >= max_models:
            state["stopped"] = "max_models"
            return True
        return False

    def consider(c):
        """Fit c unless tried; True if it became the best."""
        nonlocal best
        if _key(c) in tried or not _within(c, lim):
            return False
        fit = fit_arima(y, c, period, exog, method=method)
        tried[_key(c)] = fit.aicc if fit else None
        if fit is not None and (best is None or fit.aicc < best.aicc):
            best = fit
            return True
        return False

    for c in cands:
        if best is not None and out_of_time():
            break
        consider(c)
    moved = best is not None
    while moved and not out_of_time():
        moved = False
        s = best.spec
        for dp, dq, dsp, dsq in MOVES:
            if out_of_time():
                break
            if consider(dict(s, p=s["p"] + dp, q=s["q"] + dq, P=s["P"] + dsp, Q=s["Q"] + dsq)):
                moved = True
                break
        if not moved and const and not out_of_time():
            moved = consider(dict(s, constant=not s["constant"]))
    report = {"criterion": "AICc (%s)" % ("exact likelihood" if method == "exact"
                                         else "conditional sum of squares"),
              "search": "stepwise (Hyndman-Khandakar, auto.arima's order of moves)",
              "limits": lim, "models_tried": len(tried),
              "aicc": None if best is None else best.aicc, "stopped_by": state["stopped"],
              "seconds": round(time.monotonic() - t0, 3)}
    return best, report


def form_name(spec, period):
    """'ARIMA(0,1,1)(0,1,1)[12] with drift' in auto.arima's wording."""
    s = "ARIMA(%d,%d,%d)" % (spec["p"], spec["d"], spec["q"])
    if period >= 2 and (spec["P"] or spec["D"] or spec["Q"]):
        s += "(%d,%d,%d)[%d]" % (spec["P"], spec["D"], spec["Q"], period)
    if spec["constant"]:
        s += " with drift" if spec["d"] + spec["D"] == 1 else " with non-zero mean"
    return s
