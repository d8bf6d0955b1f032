"""A short analysis of the Mauna Loa CO2 series that statsmodels ships.

Run by `make demo` inside the jail: the CSV is mounted read-only at
/work/co2.csv, results come back as a JSON block and files in /out. The
benchmark also runs it unjailed, with CO2_CSV naming the file on the host.
"""

import os

import pandas as pd
import plotly.graph_objects as go
from statsmodels.tsa.seasonal import STL
from statsmodels.tsa.stattools import adfuller, kpss

from sandboxrun_io import emit_json, out_path

raw = pd.read_csv(os.environ.get("CO2_CSV", "/work/co2.csv"), parse_dates=["date"], index_col="date")
series = raw["co2"].resample("MS").mean().interpolate()

adf_stat, adf_p, *_ = adfuller(series, autolag="AIC")
kpss_stat, kpss_p, *_ = kpss(series, regression="c", nlags="auto")
stl = STL(series, period=12).fit()
trend_strength = max(0.0, 1 - stl.resid.var() / (stl.trend + stl.resid).var())
seasonal_strength = max(0.0, 1 - stl.resid.var() / (stl.seasonal + stl.resid).var())

fig = go.Figure()
fig.add_scatter(x=series.index, y=series, name="CO2 (ppm)")
fig.add_scatter(x=stl.trend.index, y=stl.trend, name="STL trend")
fig.update_layout(title="Mauna Loa CO2, monthly means")
fig.write_html(out_path("co2.html"), include_plotlyjs=True)
pd.DataFrame({"co2": series, "trend": stl.trend, "seasonal": stl.seasonal, "resid": stl.resid}).to_csv(
    out_path("co2_decomposition.csv"))

print("monthly points:", len(series), "from", series.index[0].date(), "to", series.index[-1].date())
emit_json({
    "points": len(series),
    "adf": {"statistic": adf_stat, "p_value": adf_p},
    "kpss": {"statistic": kpss_stat, "p_value": kpss_p},
    "reading": "non-stationary (unit root not rejected, stationarity rejected)" if adf_p > 0.05 and kpss_p < 0.05
               else "see the tests",
    "trend_strength": round(trend_strength, 4),
    "seasonal_strength": round(seasonal_strength, 4),
})
