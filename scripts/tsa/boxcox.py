"""Box-Cox transforms for ETS and SARIMA, chosen on the training part.

λ is Guerrero's (1993), as R's ``BoxCox.lambda(x)`` by default: cut the
series into consecutive whole seasons (pairs of points without a season),
and take the λ in [-1, 2] that makes the ratio sd / mean^(1-λ) of the
subseries most nearly constant (smallest coefficient of variation). Whether
to use it is decided per model by AICc on the data's own scale: the
transformed model's log-likelihood plus the log-Jacobian (λ-1)·Σ log y of
the observations its likelihood covers, with λ counted as one more
parameter. Point forecasts are transformed back without bias adjustment
(the median, as R's default ``biasadj = FALSE``); interval bounds are
transformed back as they are (the transform is monotone).
"""

import numpy as np
from scipy.optimize import minimize_scalar

LOWER, UPPER = -1.0, 2.0
NEAR_ONE = 0.1            # |λ - 1| below this: the transform is all but a shift; not tried
LAMBDA_PENALTY = 2.0      # AICc cost of estimating λ


def guerrero_cv(lam, y, period):
    """Coefficient of variation of sd/mean^(1-λ) over the subseries."""
    size = max(2, int(round(period)))
    n_sub = len(y) // size
    mat = np.asarray(y[len(y) - n_sub * size:], float).reshape(n_sub, size)
    rat = mat.std(axis=1, ddof=1) / mat.mean(axis=1) ** (1 - lam)
    return float(np.std(rat, ddof=1) / np.mean(rat))


def guerrero_lambda(y, period):
    """Guerrero's λ for y (positive) with season period (1: none)."""
    res = minimize_scalar(guerrero_cv, bounds=(LOWER, UPPER), args=(np.asarray(y, float), period),
                          method="bounded", options={"xatol": 1e-4})
    return float(res.x)


def choose_lambda(y, period):
    """Guerrero's λ if y is positive, long enough for 4 subseries, and λ
    is not within NEAR_ONE of 1; else None (no transform to try)."""
    y = np.asarray(y, float)
    if len(y) < 4 * max(2, period) or not np.all(y > 0) or not np.all(np.isfinite(y)):
        return None
    lam = guerrero_lambda(y, period)
    return None if abs(lam - 1) < NEAR_ONE else round(lam, 4)


def transform(y, lam):
    """(y^λ - 1)/λ, log y for λ = 0."""
    y = np.asarray(y, float)
    return np.log(y) if lam == 0 else (np.power(y, lam) - 1) / lam


def inverse(z, lam):
    """The inverse transform; values beyond the transform's range (λz + 1
    <= 0) go to the range's edge."""
    z = np.asarray(z, float)
    if lam == 0:
        return np.exp(z)
    base = np.maximum(lam * z + 1, 1e-12)
    return np.power(base, 1 / lam)


def aicc_on_data_scale(aicc_z, y_used, lam):
    """AICc of the model of transform(y) rewritten as a model of y: minus
    twice the log-Jacobian of the observations y_used, plus λ's cost."""
    return float(aicc_z - 2 * (lam - 1) * np.sum(np.log(np.asarray(y_used, float))) + LAMBDA_PENALTY)
