"""features.py DATA.csv [--time-col C] [--value-col C] [--freq F] [--features a,b]

Steps 2-3: recommend features from the EDA (each with its reason) and build
them — or the --features list — into features.csv without look-ahead.
Emits one JSON block {"tool": "features", "data", "basis", "features",
"files"}. See scripts/README.md for the shapes.
"""

from sandboxrun_io import emit_json
from tsa import cli, steps


def main():
    args = cli.parse_args(cli.make_parser(__doc__.splitlines()[2], features=True))
    series, info = steps.load(args)
    eda, _ = steps.analyse(series, info)
    rec = steps.recommend(args, series, info, eda)
    built = steps.build(series, rec)
    emit_json({"tool": "features", "data": info, "basis": steps.basis(eda),
               "features": dict(rec, built=built), "files": ["features.csv", "decomposition.csv"]})


if __name__ == "__main__":
    cli.run(main)
