"""bench copy of examples/co2_analysis.py: the same analysis, with one path shim.

Jailed runs (sandboxrun warm/cold, bwrap) see the CSV at /work/co2.csv; the
unjailed python3 and firejail runs point CO2_CSV at the same file on the host.
bench.py checks that this file still equals the example apart from the shim.
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
