"""Command-line options shared by the entry scripts, and the wrapper that
turns unusable input into a JSON error block and exit status 2."""

import argparse
import os
import sys
import warnings

# One thread per library, as in the jail: OpenMP spinning in sklearn's
# boosting slows everything down badly when two processes share two cores.
# Set before numpy/sklearn are first imported (entry scripts import cli first).
for _var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_var, "1")

from sandboxrun_io import emit_json

from .errors import InputError

EXIT_INPUT_ERROR = 2


class _Parser(argparse.ArgumentParser):
    """argparse that reports bad options as InputError instead of exiting."""

    def error(self, message):
        raise InputError("bad_arguments", message)


def make_parser(description, forecast=False, features=False):
    """Build the parser for one entry script.

    Every script takes the dataset and the column/frequency overrides;
    ``features`` adds --features, ``forecast`` adds --horizon, --trials
    and --time-budget.
    """
    p = _Parser(description=description)
    p.add_argument("data", help="CSV file with a time column and a value column")
    p.add_argument("--time-col", help="name of the time column (default: detected)")
    p.add_argument("--value-col", help="name of the value column (default: detected)")
    p.add_argument("--freq", help="pandas frequency alias, e.g. D, W-SUN, MS, QS, H "
                                  "(default: inferred from the timestamps)")
    if features or forecast:
        p.add_argument("--features", help="comma-separated feature names to build instead "
                                          "of the recommended ones, e.g. lag_1,lag_12,"
                                          "roll_mean_12,month")
    if forecast:
        p.add_argument("--horizon", type=int, help="hold-out and forecast length "
                                                   "(default: from the seasonal period)")
        p.add_argument("--boosting", action="store_true",
                       help="also tune and cross-validate gradient boosting on the "
                            "engineered features (off by default: it takes about a "
                            "quarter of the forecast's time and is rarely chosen)")
        p.add_argument("--trials", type=int, default=10,
                       help="optuna trials for the boosting study (default 10)")
        p.add_argument("--time-budget", type=float, default=60.0,
                       help="seconds allowed for tuning in total (default 60)")
        p.add_argument("--boxcox", choices=("off", "auto"), default="off",
                       help="auto: ETS and SARIMA also try a Box-Cox transform with "
                            "Guerrero's lambda of the training part, kept where "
                            "cross-validation says it helps (as R's lambda=\"auto\"); "
                            "off (default, as R's lambda=NULL): none")
    return p


def parse_args(parser, argv=None):
    """Parse argv and check the numeric options are in range."""
    args = parser.parse_args(argv)
    for name in ("horizon", "trials"):
        v = getattr(args, name, None)
        if v is not None and v < 1:
            raise InputError("bad_arguments", "--%s must be at least 1" % name.replace("_", "-"))
    tb = getattr(args, "time_budget", None)
    if tb is not None and not tb > 0:
        raise InputError("bad_arguments", "--time-budget must be positive")
    return args


def quiet_libraries():
    """Silence the convergence chatter of statsmodels: it is
    noise in the captured stderr, and fit problems are reported in JSON."""
    try:  # statsmodels sets "always" filters for its warnings on import
        import statsmodels.tools.sm_exceptions  # noqa: F401
    except ImportError:  # pragma: no cover
        pass
    warnings.simplefilter("ignore")
    os.environ.setdefault("PYTHONWARNINGS", "ignore")
    # optuna (half a second to import) is quietened where it is used: tuning._study


def run(main):
    """Run main(); on InputError emit {"error": ...}, print the message on
    stderr and exit 2 without a traceback."""
    quiet_libraries()
    try:
        main()
    except InputError as e:
        emit_json(e.as_dict())
        sys.stderr.write("error: %s\n" % e.message)
        raise SystemExit(EXIT_INPUT_ERROR)
