"""report.py DATA.csv [--time-col C] [--value-col C] [--freq F] [--features a,b]
                      [--horizon H] [--boosting] [--trials N] [--time-budget S]

Step 7 (running 1-6 first): the self-contained interactive report.html,
also printed as an HTML block. Emits {"tool": "report", "data",
"best_model", "files"} before the HTML block.
"""

from sandboxrun_io import emit_html, emit_json
from tsa import cli, steps


def main():
    args = cli.parse_args(cli.make_parser(__doc__.splitlines()[3], forecast=True))
    series, info = steps.load(args)
    eda, frame = steps.analyse(series, info)
    rec = steps.recommend(args, series, info, eda)
    fc, holdout, future = steps.forecast(args, series, info, eda, rec)
    page = steps.report(series, info, eda, frame, rec, fc, holdout, future)
    emit_json({"tool": "report", "data": info, "best_model": fc["best_model"],
               "files": ["report.html", "forecast.csv", "metrics.csv", "holdout.csv",
                         "decomposition.csv"]})
    emit_html(page)


if __name__ == "__main__":
    cli.run(main)
