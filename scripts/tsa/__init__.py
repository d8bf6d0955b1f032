"""tsa — time-series analysis tools run inside the sandboxrun jail.

One concern per module, in the order the pipeline uses them:

* ``errors``   — InputError, the one exception that means "unusable input"
* ``cli``      — shared command-line options and the error-to-JSON wrapper
* ``load``     — read a raw CSV, pick the columns, parse, clean, regularise
* ``eda``      — statistics, unit-root tests, seasonality, STL, ACF/PACF, outliers
* ``features`` — feature recommendations and leakage-free feature building
* ``metrics``  — MAE, RMSE, MAPE, sMAPE, MASE
* ``arima``    — seasonal ARIMA: stepwise AICc search (Hyndman-Khandakar), exact or CSS fit, forecasts
* ``boxcox``   — Guerrero's Box-Cox λ, the transform, AICc on the data's scale
* ``models``   — seasonal naive, ETS, SARIMA, Theta, combination, gradient boosting (direct)
* ``tuning``   — optuna TPE search for the boosting hyperparameters
* ``forecast`` — choice by rolling-origin CV on the training part, one hold-out
  score, refit of the chosen model, future forecast
* ``report``   — the self-contained interactive HTML report
"""
