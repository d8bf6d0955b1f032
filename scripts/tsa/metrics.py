"""Point-forecast accuracy measures. Each returns a float, or None where it
is undefined (MAPE with a zero actual, MASE with a zero scale)."""

import numpy as np


def mae(actual, forecast):
    return float(np.mean(np.abs(np.asarray(actual) - np.asarray(forecast))))


def rmse(actual, forecast):
    return float(np.sqrt(np.mean((np.asarray(actual) - np.asarray(forecast)) ** 2)))


def mape(actual, forecast):
    """Mean absolute percentage error, in percent; None if an actual is 0."""
    a, f = np.asarray(actual, float), np.asarray(forecast, float)
    if np.any(a == 0):
        return None
    return float(100 * np.mean(np.abs((a - f) / a)))


def smape(actual, forecast):
    """Symmetric MAPE in percent (0..200); a pair of zeros counts as 0."""
    a, f = np.asarray(actual, float), np.asarray(forecast, float)
    den = np.abs(a) + np.abs(f)
    ratio = np.where(den == 0, 0.0, 2 * np.abs(f - a) / np.where(den == 0, 1, den))
    return float(100 * np.mean(ratio))


def mase_scale(train, period):
    """In-sample MAE of the seasonal-naive forecast (naive if the period is
    1 or longer than the training data allows)."""
    y = np.asarray(train, float)
    m = period if 2 <= period < len(y) else 1
    return float(np.mean(np.abs(y[m:] - y[:-m])))


def all_metrics(actual, forecast, scale):
    """Every measure for one model's hold-out forecast."""
    m = mae(actual, forecast)
    return {"mae": m, "rmse": rmse(actual, forecast), "mape": mape(actual, forecast),
            "smape": smape(actual, forecast), "mase": m / scale if scale > 0 else None}
