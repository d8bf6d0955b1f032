"""pipeline.py DATA.csv [--time-col C] [--value-col C] [--freq F] [--features a,b]
                        [--horizon H] [--boosting] [--trials N] [--time-budget S]

All seven steps: EDA, feature recommendations, feature building, tuning,
training, hold-out comparison with the final forecast, and the report.
Writes features.csv, forecast.csv, metrics.csv, holdout.csv,
decomposition.csv, report.html and results.json; emits one JSON block with
everything (the content of results.json) and then the report as an HTML
block.
"""

import time

from sandboxrun_io import emit_html, emit_json
from tsa import cli, steps

FILES = ["features.csv", "forecast.csv", "metrics.csv", "holdout.csv", "decomposition.csv",
         "report.html", "results.json"]


def main():
    t0 = time.monotonic()
    args = cli.parse_args(cli.make_parser(__doc__.splitlines()[3], forecast=True))
    series, info = steps.load(args)
    eda, frame = steps.analyse(series, info)
    rec = steps.recommend(args, series, info, eda)
    built = steps.build(series, rec)
    fc, holdout, future = steps.forecast(args, series, info, eda, rec)
    page = steps.report(series, info, eda, frame, rec, fc, holdout, future)
    results = {"tool": "pipeline", "data": info, "eda": eda, "features": dict(rec, built=built),
               "forecast": fc, "files": FILES, "seconds": round(time.monotonic() - t0, 2)}
    steps.write_json("results.json", results)
    emit_json(results)
    emit_html(page)


if __name__ == "__main__":
    cli.run(main)
