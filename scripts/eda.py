"""eda.py DATA.csv [--time-col C] [--value-col C] [--freq F]

Step 1: load and clean the series, then summary statistics, ADF/KPSS and
their reading, the seasonal period, STL with trend/seasonal strength,
ACF/PACF and outliers. Emits one JSON block {"tool": "eda", "data", "eda",
"files"}; writes decomposition.csv. See scripts/README.md for the shapes.
"""

from sandboxrun_io import emit_json
from tsa import cli, steps


def main():
    args = cli.parse_args(cli.make_parser(__doc__.splitlines()[2]))
    series, info = steps.load(args)
    result, _ = steps.analyse(series, info)
    emit_json({"tool": "eda", "data": info, "eda": result, "files": ["decomposition.csv"]})


if __name__ == "__main__":
    cli.run(main)
