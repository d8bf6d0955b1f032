"""forecast.py DATA.csv [--time-col C] [--value-col C] [--freq F] [--features a,b]
                        [--horizon H] [--boosting] [--trials N] [--time-budget S] [--boxcox off|auto]

Steps 4-6: on the training part (all but the last H points) choose the
SARIMA orders and the ETS form by AICc (and, with --boosting, tune gradient
boosting by optuna TPE), choose among seasonal naive, ETS, SARIMA, Theta,
their combination (and boosting) by rolling-origin cross-validation, score
every model once on the last H points, refit the chosen one on all data and
forecast H steps with 80 % and 95 % intervals.
Emits {"tool": "forecast", "data", "basis", "features", "forecast",
"files"}; writes forecast.csv, metrics.csv, holdout.csv.
"""

from sandboxrun_io import emit_json
from tsa import cli, steps


def main():
    args = cli.parse_args(cli.make_parser(__doc__.splitlines()[3], forecast=True))
    series, info = steps.load(args)
    eda, _ = steps.analyse(series, info)
    rec = steps.recommend(args, series, info, eda)
    fc, _, _ = steps.forecast(args, series, info, eda, rec)
    emit_json({"tool": "forecast", "data": info, "basis": steps.basis(eda), "features": rec,
               "forecast": fc,
               "files": ["forecast.csv", "metrics.csv", "holdout.csv", "decomposition.csv"]})


if __name__ == "__main__":
    cli.run(main)
