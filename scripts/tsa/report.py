"""The self-contained interactive HTML report.

One file, no network: plotly.js is inlined once in the head and every
chart is a plotly div. Sections: data and fixes, the series, the
decomposition, ACF/PACF, the unit-root tests, the recommended features,
every model's hold-out forecast against the actuals, the future forecast
with its interval band, and the metrics table.
"""

import html

import plotly.graph_objects as go
from plotly.offline import get_plotlyjs
from plotly.subplots import make_subplots

COLORS = {"actual": "#222222", "seasonal_naive": "#7f7f7f", "ets": "#1f77b4",
          "sarima": "#d62728", "theta": "#9467bd", "combination": "#ff7f0e", "gbm": "#2ca02c"}
LABELS = {"seasonal_naive": "Seasonal naive", "ets": "ETS", "sarima": "SARIMA", "theta": "Theta",
          "combination": "Combination (ETS, SARIMA, Theta)", "gbm": "Gradient boosting"}
CSS = """
body{font-family:system-ui,-apple-system,Segoe UI,Roboto,sans-serif;margin:2rem auto;
max-width:1100px;color:#222;padding:0 1rem}
h1{font-size:1.6rem}h2{font-size:1.2rem;margin-top:2.2rem;border-bottom:1px solid #ddd}
table{border-collapse:collapse;margin:.6rem 0;font-size:.9rem}
th,td{border:1px solid #ddd;padding:.3rem .6rem;text-align:left}
th{background:#f4f4f4}td.num{text-align:right;font-variant-numeric:tabular-nums}
.best{background:#eaf6ea;font-weight:600}.note{color:#555;font-size:.9rem}
.chart{min-height:420px}
"""


def _fmt(v, digits=4):
    """A number for a table cell; '—' for missing."""
    if v is None:
        return "—"
    if isinstance(v, bool):
        return "yes" if v else "no"
    if isinstance(v, float):
        return "%.*g" % (digits, v)
    return html.escape(str(v))


def _table(headers, rows, highlight=None):
    """An HTML table; numbers right-aligned; row index ``highlight`` marked."""
    out = ["<table><tr>%s</tr>" % "".join("<th>%s</th>" % html.escape(h) for h in headers)]
    for i, row in enumerate(rows):
        cells = "".join('<td class="num">%s</td>' % _fmt(c) if isinstance(c, (int, float))
                        and not isinstance(c, bool) else "<td>%s</td>" % _fmt(c) for c in row)
        out.append('<tr%s>%s</tr>' % (' class="best"' if i == highlight else "", cells))
    out.append("</table>")
    return "\n".join(out)


def _div(fig, div_id):
    """A plotly figure as a div that uses the page's inlined plotly.js."""
    fig.update_layout(template="plotly_white", margin=dict(l=60, r=20, t=50, b=40))
    return ('<div class="chart" id="%s">%s</div>'
            % (div_id, fig.to_html(full_html=False, include_plotlyjs=False,
                                   config={"responsive": True, "displaylogo": False})))


# ---------------------------------------------------------------- charts

def series_chart(series, outliers):
    fig = go.Figure(go.Scatter(x=series.index, y=series.values, mode="lines", name=series.name,
                               line=dict(color=COLORS["actual"], width=1)))
    if outliers["points"]:
        fig.add_trace(go.Scatter(x=[p["time"] for p in outliers["points"]],
                                 y=[p["value"] for p in outliers["points"]], mode="markers",
                                 name="outliers", marker=dict(color="#ff7f0e", size=7)))
    fig.update_layout(title="Series (cleaned)", height=380)
    return fig


def decomposition_chart(frame, details):
    names = ["value", "trend", "seasonal", "resid"]
    fig = make_subplots(rows=4, cols=1, shared_xaxes=True, vertical_spacing=0.04,
                        subplot_titles=["observed", "trend", "seasonal", "remainder"])
    for i, name in enumerate(names, start=1):
        fig.add_trace(go.Scatter(x=frame.index, y=frame[name].values, mode="lines", name=name,
                                 line=dict(width=1)), row=i, col=1)
    title = "%s decomposition" % details["method"]
    if details.get("period"):
        title += " (period %d)" % details["period"]
    fig.update_layout(title=title, height=720, showlegend=False)
    return fig


def acf_chart(ac):
    lags = list(range(ac["nlags"] + 1))
    fig = make_subplots(rows=1, cols=2, subplot_titles=["ACF", "PACF"])
    fig.add_trace(go.Bar(x=lags, y=ac["acf"], name="ACF", marker_color="#1f77b4"), row=1, col=1)
    fig.add_trace(go.Scatter(x=lags, y=ac["acf_band"], mode="lines", name="95% band",
                             line=dict(color="#aaa", dash="dash")), row=1, col=1)
    fig.add_trace(go.Scatter(x=lags, y=[-v for v in ac["acf_band"]], mode="lines",
                             showlegend=False, line=dict(color="#aaa", dash="dash")), row=1, col=1)
    fig.add_trace(go.Bar(x=lags, y=ac["pacf"], name="PACF", marker_color="#2ca02c"), row=1, col=2)
    for sign in (1, -1):
        fig.add_hline(y=sign * ac["pacf_bound"], line=dict(color="#aaa", dash="dash"), row=1, col=2)
    fig.update_layout(title="Autocorrelation of the series (transform: %s)" % ac["transform"],
                      height=380, showlegend=False)
    return fig


def holdout_chart(series, holdout, fc):
    h = fc["horizon"]
    tail = series.iloc[-(h + max(3 * h, 60)):-h]
    fig = go.Figure(go.Scatter(x=tail.index, y=tail.values, mode="lines", name="training",
                               line=dict(color="#999", width=1)))
    fig.add_trace(go.Scatter(x=holdout["time"], y=holdout["actual"], mode="lines+markers",
                             name="actual", line=dict(color=COLORS["actual"], width=2)))
    for name in LABELS:
        if name in holdout:
            fig.add_trace(go.Scatter(x=holdout["time"], y=holdout[name], mode="lines",
                                     name=LABELS[name], line=dict(color=COLORS[name])))
    fig.update_layout(title="Hold-out: last %d points, every model against the actuals" % h,
                      height=420)
    return fig


def future_chart(series, future, fc):
    h = fc["horizon"]
    tail = series.iloc[-max(4 * h, 80):]
    label = LABELS.get(fc["best_model"], fc["best_model"])
    fig = go.Figure(go.Scatter(x=tail.index, y=tail.values, mode="lines", name="history",
                               line=dict(color=COLORS["actual"], width=1)))
    fig.add_trace(go.Scatter(x=future["time"], y=future["upper"], mode="lines",
                             line=dict(width=0), showlegend=False, hoverinfo="skip"))
    fig.add_trace(go.Scatter(x=future["time"], y=future["lower"], mode="lines", fill="tonexty",
                             fillcolor="rgba(214,39,40,0.18)", line=dict(width=0),
                             name="%d%% interval" % round(100 * fc["interval"]["level"])))
    fig.add_trace(go.Scatter(x=future["time"], y=future["forecast"], mode="lines",
                             name="forecast (%s)" % label,
                             line=dict(color=COLORS.get(fc["best_model"], "#d62728"), width=2)))
    fig.update_layout(title="Forecast: next %d steps with %s, refitted on all data" % (h, label),
                      height=420)
    return fig


# ---------------------------------------------------------------- tables

def tests_table(st):
    rows = []
    for key, label in (("adf", "ADF (constant)"), ("adf_trend", "ADF (trend)"),
                       ("kpss", "KPSS (level)"), ("kpss_trend", "KPSS (trend)")):
        t = st[key]
        lag = t.get("used_lag", t.get("lags"))
        rows.append([label, t["h0"], t["statistic"], t["p_value"], lag, t["critical_values"]["5%"],
                     "rejects H0" if t["rejects_h0"] else "does not reject"])
    return _table(["test", "H0", "statistic", "p-value", "lags", "5% critical", "at 5%"], rows)


def metrics_table(fc):
    rows, best = [], None
    for i, m in enumerate(fc["models"]):
        if m["name"] == fc["best_model"]:
            best = i
        met, cv = m["holdout"] or {}, m["cv"] or {}
        rows.append([LABELS.get(m["name"], m["name"]), (m["params"] or {}).get("form", "") or "",
                     cv.get("mase"), cv.get("coverage80"), cv.get("coverage95"),
                     met.get("mae"), met.get("rmse"), met.get("mape"), met.get("smape"),
                     met.get("mase"), m["error"] or ""])
    return _table(["model", "form", "CV MASE", "CV 80% coverage", "CV 95% coverage",
                   "hold-out MAE", "hold-out RMSE", "hold-out MAPE %", "hold-out sMAPE %",
                   "hold-out MASE", "error"], rows, highlight=best)


# ---------------------------------------------------------------- page

def build_report(series, info, eda, frame, rec, fc, holdout, future):
    """Return the complete report as one HTML string."""
    esc = html.escape
    st, ds, season = eda["stationarity"], eda["decomposition"], eda["seasonality"]
    parts = ["<!DOCTYPE html><html lang='en'><head><meta charset='utf-8'>",
             "<title>Time-series report: %s</title>" % esc(info["file"]),
             "<style>%s</style>" % CSS,
             "<script type='text/javascript'>%s</script></head><body>" % get_plotlyjs(),
             "<h1>Time-series report: %s</h1>" % esc(info["file"]),
             "<p>Column <b>%s</b> against <b>%s</b>, %s (%s, %s), %d points from %s to %s.</p>"
             % (esc(info["value_column"]), esc(info["time_column"]),
                esc(info["frequency"]["description"]), esc(info["frequency"]["alias"]),
                esc(info["frequency"]["source"]), info["n_points"], esc(info["start"]),
                esc(info["end"]))]
    if info["notes"]:
        parts.append("<h2>What was fixed</h2><ul>%s</ul>"
                     % "".join("<li>%s</li>" % esc(n) for n in info["notes"]))
    parts += ["<h2>Series</h2>", _div(series_chart(series, eda["outliers"]), "chart-series"),
              "<p class='note'>%d outliers (modified z-score of the remainder above %.1f).</p>"
              % (eda["outliers"]["count"], eda["outliers"]["threshold"])]
    parts += ["<h2>Decomposition</h2>",
              "<p>Seasonal period <b>%d</b> (%s). Trend strength F<sub>T</sub> = %.3f, seasonal "
              "strength F<sub>S</sub> = %.3f.</p>" % (season["period"], esc(season["source"]),
                                                     ds["trend_strength"], ds["seasonal_strength"]),
              _div(decomposition_chart(frame, ds), "chart-decomposition")]
    parts += ["<h2>Stationarity</h2>", tests_table(st),
              "<p>Reading: <b>%s</b> — %s. Differencing: %s (D=%d, d=%d).</p>"
              % (esc(st["reading"]), esc(st["explanation"]),
                 esc(eda["differencing"]["transform"]), eda["differencing"]["D"],
                 eda["differencing"]["d"])]
    parts += ["<h2>Autocorrelation</h2>", _div(acf_chart(eda["autocorrelation"]), "chart-acf"),
              "<p class='note'>Significant ACF lags: %s; significant PACF lags: %s.</p>"
              % (esc(str(eda["autocorrelation"]["significant_acf_lags"][:30])),
                 esc(str(eda["autocorrelation"]["significant_pacf_lags"][:30])))]
    parts += ["<h2>Recommended features</h2>",
              "<p>Target: <b>%s</b> — %s.</p>" % (esc(rec["target"]["transform"]),
                                                 esc(rec["target"]["reason"])),
              _table(["feature", "kind", "reason"],
                     [[r["name"], r["kind"], r["reason"]] for r in rec["features"]])]
    parts += ["<h2>Hold-out comparison</h2>", _div(holdout_chart(series, holdout, fc), "chart-holdout"),
              metrics_table(fc),
              "<p class='note'>The model is chosen by rolling-origin cross-validation on the "
              "training part (CV columns, %s); the hold-out columns score each model once, "
              "after the choice. MASE is scaled by the in-sample MAE of the seasonal-naive "
              "forecast at the data's frequency (lag %d; detected period %d): %.4g. "
              "Chosen: <b>%s</b>.</p>"
              % (esc(fc["split"]["validation"]), fc["mase"]["period"], fc["mase"]["detected_period"],
                 fc["mase"]["scale"], esc(LABELS.get(fc["best_model"], fc["best_model"])))]
    parts += ["<h2>Forecast</h2>", _div(future_chart(series, future, fc), "chart-forecast"),
              "<p class='note'>Interval: %s.</p>" % esc(fc["interval"]["method"])]
    if fc["notes"]:
        parts.append("<ul class='note'>%s</ul>" % "".join("<li>%s</li>" % esc(n) for n in fc["notes"]))
    parts.append("</body></html>")
    return "\n".join(parts)
