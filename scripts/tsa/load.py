"""Read a raw time-series CSV and turn it into one clean, regular series.

``load_series`` does, in order: read the file as text (refusing binary or
empty files), choose the time and value columns, parse timestamps and
numbers, sort, merge duplicate timestamps, infer the frequency, put the
series on a regular grid, aggregate very long series to a coarser
frequency, and fill gaps by interpolation. Everything it had to fix is
counted in ``info["fixes"]`` and explained in ``info["notes"]``.
"""

import csv
import os
import re

import numpy as np
import pandas as pd
from pandas.tseries.frequencies import to_offset

from .errors import InputError

MIN_POINTS = 10          # fewer points than this cannot support any test or model
MAX_POINTS = 20000       # longer series are aggregated to a coarser frequency
TIME_NAME_HINTS = ("date", "time", "timestamp", "datetime", "ds", "year", "period",
                   "month", "day", "week", "quarter")

_THOUSANDS = re.compile(r"^[+-]?\d{1,3}(,\d{3})+(\.\d+)?$")
_YEAR = re.compile(r"^\d{4}$")
_YYYYMMDD = re.compile(r"^\d{8}$")
_QUARTER = re.compile(r"^\d{4}[- ]?Q[1-4]$", re.IGNORECASE)
_NUMBER = re.compile(r"^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$")

# Coarser frequencies a long series may be aggregated to, finest first.
AGGREGATION_LADDER = ["T", "H", "D", "W-SUN", "MS", "QS-JAN", "AS-JAN"]

FREQ_WORDS = {"S": "secondly", "T": "minutely", "H": "hourly", "D": "daily",
              "B": "business-daily", "W": "weekly", "M": "monthly", "MS": "monthly",
              "Q": "quarterly", "QS": "quarterly", "A": "yearly", "AS": "yearly",
              "Y": "yearly", "YS": "yearly"}


# ---------------------------------------------------------------- reading

def read_table(path):
    """Read the CSV as strings. Refuses missing, empty, binary and
    header-only files with an InputError."""
    if not os.path.isfile(path):
        raise InputError("file_not_found", "no such file: %s" % path)
    if os.path.getsize(path) == 0:
        raise InputError("empty_file", "%s is empty" % os.path.basename(path))
    with open(path, "rb") as f:
        head = f.read(65536)
    if b"\x00" in head or _looks_binary(head):
        raise InputError("not_csv", "%s is not a text CSV file (binary content)"
                         % os.path.basename(path))
    text = head.decode("utf-8", errors="replace")
    if not text.strip():
        raise InputError("empty_file", "%s contains only blank lines" % os.path.basename(path))
    sep = _sniff_delimiter(text)
    try:
        df = pd.read_csv(path, sep=sep, dtype=str, skipinitialspace=True,
                         encoding_errors="replace", on_bad_lines="skip")
    except (pd.errors.ParserError, pd.errors.EmptyDataError, UnicodeDecodeError) as e:
        raise InputError("bad_csv", "cannot parse %s as CSV: %s"
                         % (os.path.basename(path), str(e).strip().splitlines()[0]))
    df.columns = [str(c).strip() for c in df.columns]
    if len(df) == 0:
        raise InputError("empty_file", "%s has a header but no data rows"
                         % os.path.basename(path))
    return df


def _looks_binary(head):
    """True if more than 5% of the first bytes are control characters other
    than tab, CR and LF (text encodings never produce those)."""
    if not head:
        return False
    ctrl = sum(1 for b in head if b < 32 and b not in (9, 10, 13))
    return ctrl / len(head) > 0.05


def _sniff_delimiter(text):
    """Pick the field separator among , ; tab | from the first lines."""
    sample = "\n".join(text.splitlines()[:50])
    try:
        return csv.Sniffer().sniff(sample, delimiters=",;\t|").delimiter
    except csv.Error:
        return ","


# ---------------------------------------------------------------- parsing

def parse_times(values):
    """Parse a column of strings into timestamps.

    Recognises four-digit years (1871), YYYYMMDD integers (19580329),
    quarters (1959Q1) and anything pandas' parser reads. Returns a
    DatetimeIndex-compatible Series (NaT where unparseable), naive UTC if
    the input carried time zones.
    """
    s = values.astype(str).str.strip()
    s = s.where(values.notna())
    present = s.dropna()
    if present.empty:
        return pd.Series(pd.NaT, index=values.index)
    sample = present.iloc[:1000]
    if sample.str.match(_YEAR).all() and sample.astype(int).between(1000, 2262).all():
        return pd.to_datetime(s, format="%Y", errors="coerce")
    if sample.str.match(_YYYYMMDD).all():
        return pd.to_datetime(s, format="%Y%m%d", errors="coerce")
    if sample.str.match(_QUARTER).all():
        q = s.str.replace(r"[- ]", "", regex=True).str.upper()
        out = pd.Series(pd.NaT, index=values.index)
        ok = q.notna() & q.str.match(_QUARTER)
        out[ok] = pd.PeriodIndex(q[ok], freq="Q").to_timestamp()
        return pd.to_datetime(out)
    if sample.str.match(_NUMBER).mean() > 0.5:
        # Plain numbers are values, not dates (the date parser would read
        # "5" as the fifth of this month).
        return pd.Series(pd.NaT, index=values.index)
    parsed = pd.to_datetime(s, errors="coerce", infer_datetime_format=True)
    if parsed.dtype == object:  # mixed time zones
        parsed = pd.to_datetime(s, errors="coerce", utc=True)
    if getattr(parsed.dt, "tz", None) is not None:
        parsed = parsed.dt.tz_convert("UTC").dt.tz_localize(None)
    return parsed


def parse_numbers(values):
    """Parse a column of strings into floats.

    Thousands separators ("1,234.5") are removed. Returns (floats,
    n_thousands, n_non_numeric) where n_non_numeric counts cells that were
    present but are not numbers (they become NaN).
    """
    s = values.astype(str).str.strip().where(values.notna())
    out = pd.to_numeric(s, errors="coerce")
    failed = s.notna() & out.isna()
    n_thousands = 0
    if failed.any():
        cand = s[failed]
        is_th = cand.str.match(_THOUSANDS)
        n_thousands = int(is_th.sum())
        if n_thousands:
            out[cand.index[is_th]] = pd.to_numeric(cand[is_th].str.replace(",", "", regex=False))
    out = out.astype(float).replace([np.inf, -np.inf], np.nan)
    non_numeric = int((s.notna() & out.isna()).sum())
    return out, n_thousands, non_numeric


# ---------------------------------------------------------------- columns

def choose_time_column(df, requested=None):
    """Return (name, parsed timestamps, candidates). The requested column
    must exist; otherwise the column whose sample parses best wins, with a
    date-like name breaking ties."""
    if requested is not None:
        if requested not in df.columns:
            raise InputError("unknown_column", "time column %r not found; columns are: %s"
                             % (requested, ", ".join(df.columns)))
        parsed = parse_times(df[requested])
        if parsed.notna().sum() == 0:
            raise InputError("unparseable_time", "no value of column %r parses as a date or time"
                             % requested)
        return requested, parsed, [requested]
    scored = []
    for col in df.columns:
        sample = df[col].dropna().iloc[:500]
        if sample.empty:
            continue
        rate = parse_times(sample).notna().mean()
        hinted = any(h in col.lower() for h in TIME_NAME_HINTS)
        if rate >= 0.9:
            scored.append((rate + (0.05 if hinted else 0.0), col))
    if not scored:
        raise InputError("no_time_column",
                         "no column of %s holds dates or times; pass --time-col "
                         "(columns: %s)" % ("the file", ", ".join(df.columns)))
    scored.sort(key=lambda t: -t[0])
    col = scored[0][1]
    return col, parse_times(df[col]), [c for _, c in scored]


def choose_value_column(df, time_col, requested=None):
    """Return (name, floats, n_thousands, n_non_numeric, candidates, skipped).
    The requested column must exist and hold numbers; otherwise the most
    complete numeric column other than the time column wins."""
    if requested is not None:
        if requested not in df.columns:
            raise InputError("unknown_column", "value column %r not found; columns are: %s"
                             % (requested, ", ".join(df.columns)))
        if requested == time_col:
            raise InputError("bad_arguments", "the time and value columns are both %r" % requested)
        vals, th, bad = parse_numbers(df[requested])
        if vals.notna().sum() == 0:
            raise InputError("no_numeric_values", "column %r holds no numbers" % requested)
        return requested, vals, th, bad, [requested], []
    parsed, candidates, skipped, row_ids = {}, [], [], []
    for col in df.columns:
        if col == time_col:
            continue
        vals, th, bad = parse_numbers(df[col])
        n_ok = int(vals.notna().sum())
        present = int(df[col].notna().sum())
        if n_ok == 0 or n_ok < 0.5 * present:
            skipped.append({"column": col, "reason": "all values missing" if present == 0
                            else "not numeric"})
        elif _is_row_number(col, vals):
            skipped.append({"column": col, "reason": "a row identifier"})
            row_ids.append((col, (n_ok, vals, th, bad)))
        else:
            candidates.append(col)
            parsed[col] = (n_ok, vals, th, bad)
    if not candidates and row_ids:          # nothing else to analyse: take it after all
        col, p = row_ids[0]
        skipped = [s for s in skipped if s["column"] != col]
        candidates, parsed[col] = [col], p
    if not candidates:
        if len(df.columns) == 1:
            raise InputError("one_column", "the file has a single column (%r); it needs a time "
                             "column and a numeric value column" % df.columns[0])
        why = "; ".join("%s: %s" % (s["column"], s["reason"]) for s in skipped)
        raise InputError("no_value_column", "no numeric value column besides the time column "
                         "%r (%s)" % (time_col, why or "no other column"))
    most = max(p[0] for p in parsed.values())
    col = next(c for c in candidates if parsed[c][0] >= 0.9 * most)   # leftmost nearly-complete
    _, vals, th, bad = parsed[col]
    return col, vals, th, bad, candidates, skipped


def _is_row_number(name, vals):
    """True for an id/index column: so named, or 20+ rows counting 0, 1, 2...
    (or 1, 2, 3...) in file order."""
    if name.lower() in ("id", "index", "idx", "row", "rowid") or name.lower().startswith("unnamed:"):
        return True
    v = vals.dropna()
    return len(v) >= 20 and v.iloc[0] in (0, 1) and bool((v.diff().iloc[1:] == 1).all())


def _combine_year_parts(df, times):
    """If the time column holds bare years and a 'quarter' or 'month'
    column holds 1-4 or 1-12, combine them into quarter or month starts.
    Returns (times, name of the column used or None)."""
    ok = times.dropna()
    if ok.empty or not ((ok.dt.month == 1) & (ok.dt.day == 1)).all() or ok.dt.year.duplicated().sum() == 0:
        return times, None
    for col in df.columns:
        name = col.lower()
        if name not in ("quarter", "qtr", "month"):
            continue
        part = pd.to_numeric(df[col], errors="coerce")
        top = 4 if name != "month" else 12
        if part.notna().all() and part.between(1, top).all() and (part % 1 == 0).all():
            month = 1 + (part.astype(int) - 1) * (3 if top == 4 else 1)
            built = pd.to_datetime(pd.DataFrame({"year": times.dt.year, "month": month, "day": 1}),
                                   errors="coerce")
            return built, col
    return times, None


# ---------------------------------------------------------------- frequency

def infer_frequency(index):
    """Infer a pandas frequency alias from sorted unique timestamps: pandas'
    own inference when the grid is complete, else the median spacing mapped
    to the calendar unit it matches (gaps do not confuse the median)."""
    if len(index) >= 3:
        f = pd.infer_freq(index)
        if f is not None:
            return _normalise_alias(f)
    if len(index) < 2:
        raise InputError("too_few_points", "need at least %d distinct timestamps" % MIN_POINTS)
    step = pd.Series(index[1:] - index[:-1]).median()
    days = step / pd.Timedelta(days=1)
    starts = bool((index.day == 1).all())
    month_abbr = index[0].strftime("%b").upper()
    if days >= 360:
        return ("AS-" if starts else "A-") + month_abbr
    if 80 <= days <= 95:
        return ("QS-" if starts else "Q-") + month_abbr
    if 27 <= days <= 32:
        return "MS" if starts else "M"
    if days == 7:
        return "W-" + index[0].strftime("%a").upper()
    if days == 1:
        weekend = (index.dayofweek >= 5).any()
        return "D" if weekend or len(index) < 10 else "B"
    if days > 1:
        return "%dD" % round(days)
    secs = int(round(step / pd.Timedelta(seconds=1)))
    if secs <= 0:
        raise InputError("bad_timestamps", "timestamps are not increasing")
    for unit, alias in ((3600, "H"), (60, "T"), (1, "S")):
        if secs % unit == 0:
            k = secs // unit
            return alias if k == 1 else "%d%s" % (k, alias)
    return "S"


def _normalise_alias(alias):
    """pandas may infer 'A-DEC' for year-start data written as years; keep
    what it says but strip a leading '1'."""
    return alias[1:] if alias.startswith("1") and not alias[1:2].isdigit() else alias


def check_frequency(alias):
    """Return the offset for a user-given alias, or raise InputError."""
    try:
        return to_offset(alias)
    except (ValueError, TypeError):
        raise InputError("bad_freq", "unknown frequency %r (use a pandas alias such as "
                         "D, W-SUN, MS, QS, H)" % alias)


def freq_words(alias):
    """A word for a frequency alias: 'MS' -> 'monthly', '15T' -> '15-minutely'."""
    m = re.match(r"^(\d*)([A-Z]+)", alias.upper())
    if not m:
        return alias
    mult, base = m.group(1), m.group(2)
    word = FREQ_WORDS.get(base, alias)
    return "%s-%s" % (mult, word) if mult and mult != "1" else word


def step_seconds(alias):
    """Nominal length of one step of the frequency, in seconds."""
    idx = pd.date_range("2001-01-01", periods=3, freq=alias)
    return (idx[1] - idx[0]).total_seconds()


# ---------------------------------------------------------------- the series

def load_series(path, time_col=None, value_col=None, freq=None, max_points=MAX_POINTS):
    """Load, clean and regularise one series from a CSV.

    Returns (series, info): a float Series on a regular DatetimeIndex with
    its ``freq`` set and no missing values, and a JSON-ready dict that says
    which columns and frequency were used and what was fixed.
    """
    df = read_table(path)
    fixes = {"unparseable_timestamps": 0, "unsorted_rows": 0, "duplicate_timestamps": 0,
             "missing_values": 0, "non_numeric_cells": 0, "thousands_separators": 0,
             "gaps": 0, "off_grid_points": 0, "trimmed_edges": 0, "interpolated": 0}
    notes = []
    df, cols = _pick_columns(df, time_col, value_col, fixes, notes)
    raw = _clean_rows(cols, fixes, notes)
    series, grid = _put_on_grid(raw, freq, max_points, fixes, notes)
    series = _fill_and_check(series, cols["value"], fixes, notes)
    info = {
        "file": os.path.basename(path),
        "rows_read": int(len(df)),
        "columns": list(df.columns),
        "time_column": cols["time"],
        "value_column": cols["value"],
        "candidates": {"time": cols["time_candidates"], "value": cols["value_candidates"]},
        "frequency": {"alias": grid["alias"], "source": grid["source"], "description": freq_words(grid["alias"])},
        "start": series.index[0].isoformat(),
        "end": series.index[-1].isoformat(),
        "n_points": int(len(series)),
        "aggregation": grid["aggregation"],
        "fixes": fixes,
        "notes": notes,
    }
    series.name = cols["value"]
    return series, info


def _pick_columns(df, time_col, value_col, fixes, notes):
    """Choose the time and value columns (building dates from year parts if
    need be). Returns the table (without a consumed part column) and a dict
    of the columns' names, parsed times, numeric values and candidates."""
    if len(df.columns) < 2 and time_col is None and value_col is None:
        raise InputError("one_column", "the file has a single column (%r); it needs a time "
                         "column and a numeric value column" % df.columns[0])
    tcol, times, tcands = choose_time_column(df, time_col)
    times, part_col = _combine_year_parts(df, times)
    if part_col:
        notes.append("dates built from %r and %r" % (tcol, part_col))
        df = df.drop(columns=[part_col])
    vcol, values, n_th, n_bad, vcands, skipped = choose_value_column(df, tcol, value_col)
    if len(vcands) > 1:
        notes.append("several numeric columns (%s); analysed %r, the leftmost nearly complete "
                     "one — choose another with --value-col" % (", ".join(vcands), vcol))
    for s in skipped:
        notes.append("column %r skipped: %s" % (s["column"], s["reason"]))
    fixes["thousands_separators"] = n_th
    fixes["non_numeric_cells"] = n_bad
    if n_th:
        notes.append("%d numbers written with thousands separators were read as numbers" % n_th)
    if n_bad:
        notes.append("%d non-numeric cells in %r treated as missing" % (n_bad, vcol))
    return df, {"time": tcol, "value": vcol, "times": times, "values": values,
                "time_candidates": tcands, "value_candidates": vcands}


def _clean_rows(cols, fixes, notes):
    """Drop rows without a timestamp, sort, and average duplicate
    timestamps. Returns the values indexed by time (NaN where missing)."""
    frame = pd.DataFrame({"t": cols["times"].values, "y": cols["values"].values})
    bad_t = int(frame["t"].isna().sum())
    if bad_t:
        fixes["unparseable_timestamps"] = bad_t
        notes.append("%d rows with an unparseable timestamp dropped" % bad_t)
        frame = frame[frame["t"].notna()]
    if frame.empty:
        raise InputError("unparseable_time", "no timestamp in column %r could be parsed" % cols["time"])
    fixes["missing_values"] = int(frame["y"].isna().sum()) - fixes["non_numeric_cells"]
    if fixes["missing_values"]:
        notes.append("%d missing values" % fixes["missing_values"])
    if not frame["t"].is_monotonic_increasing:
        fixes["unsorted_rows"] = int((frame["t"].diff() < pd.Timedelta(0)).sum())
        frame = frame.sort_values("t", kind="mergesort")
        notes.append("rows were not in time order; sorted")
    dup = int(frame["t"].duplicated().sum())
    if dup:
        fixes["duplicate_timestamps"] = dup
        notes.append("%d duplicate timestamps; their values were averaged" % dup)
    raw = frame.groupby("t", sort=True)["y"].mean()
    if raw.notna().sum() < MIN_POINTS:
        raise InputError("too_few_points", "need at least %d timestamped numeric values, found %d"
                         % (MIN_POINTS, int(raw.notna().sum())))
    return raw


def _put_on_grid(raw, freq, max_points, fixes, notes):
    """Put the series on the grid of the given or inferred frequency, and
    aggregate it when it has more than max_points points. Returns the
    series and a dict of the final alias, its source and the aggregation."""
    if freq is not None:
        check_frequency(freq)
        alias, source = freq, "given"
    else:
        alias, source = infer_frequency(raw.index), "inferred"
    series, counts = _regularise(raw, alias)
    fixes["off_grid_points"] = counts["off_grid"]
    if counts["off_grid"]:
        notes.append("%d observations fell into an already-occupied %s slot and were averaged"
                     % (counts["off_grid"], freq_words(alias)))
    fixes["gaps"] = counts["gaps"]
    if counts["gaps"]:
        notes.append("%d missing %s timestamps (gaps) in the grid" % (counts["gaps"], freq_words(alias)))
    aggregation = None
    if len(series) > max_points:
        series, aggregation = _aggregate(series, alias, max_points)
        notes.append("series of %d %s points aggregated to %d %s means (%s) so the tests and "
                     "models run in time" % (aggregation["from_points"], freq_words(alias),
                                              len(series), freq_words(aggregation["to_freq"]),
                                              aggregation["method"]))
        alias = aggregation["to_freq"]
    return series, {"alias": alias, "source": source, "aggregation": aggregation}


def _fill_and_check(series, vcol, fixes, notes):
    """Trim empty edges, interpolate the inner gaps, and refuse a series
    too short or constant to analyse."""
    series, trimmed, filled = _fill(series)
    fixes["trimmed_edges"], fixes["interpolated"] = trimmed, filled
    if trimmed:
        notes.append("%d empty slots at the start or end dropped" % trimmed)
    if filled:
        notes.append("%d missing values and gaps filled by linear interpolation" % filled)
    if len(series) < MIN_POINTS:
        raise InputError("too_few_points", "need at least %d points after cleaning, got %d"
                         % (MIN_POINTS, len(series)))
    if float(series.std()) == 0.0:
        raise InputError("constant_series", "column %r is constant (%g); nothing to analyse"
                         % (vcol, float(series.iloc[0])))
    return series


def _regularise(raw, alias):
    """Put the series on the grid of ``alias`` (mean of the values in each
    slot). Returns the series and counts of extra points per slot and of
    empty slots."""
    grouped = raw.resample(alias)
    n_per_slot = grouped.count()
    n_rows = raw.resample(alias).size()
    series = grouped.mean()
    off_grid = int((n_rows - 1).clip(lower=0).sum())
    gaps = int((n_rows == 0).sum())
    del n_per_slot
    return series.astype(float), {"off_grid": off_grid, "gaps": gaps}


def _aggregate(series, alias, max_points):
    """Aggregate to the finest coarser frequency that fits in max_points;
    if none does, keep the most recent max_points points."""
    step = step_seconds(alias)
    for target in AGGREGATION_LADDER:
        if step_seconds(target) <= step:
            continue
        agg = series.resample(target).mean()
        if len(agg) <= max_points and len(agg) >= MIN_POINTS:
            return agg, {"from_freq": alias, "to_freq": target, "from_points": int(len(series)),
                         "method": "mean per %s" % freq_words(target)}
    tail = series.iloc[-max_points:]
    return tail, {"from_freq": alias, "to_freq": alias, "from_points": int(len(series)),
                  "method": "kept the most recent %d points" % max_points}


def _fill(series):
    """Drop empty slots at both ends and interpolate the interior ones.
    Returns (series, n_trimmed, n_filled)."""
    valid = series.notna()
    if not valid.any():
        raise InputError("no_numeric_values", "the value column holds no numbers")
    first, last = valid.idxmax(), valid[::-1].idxmax()
    trimmed = int(len(series) - len(series.loc[first:last]))
    series = series.loc[first:last]
    n_missing = int(series.isna().sum())
    if n_missing:
        series = series.interpolate(method="linear", limit_direction="both")
    freq = series.index.freq
    series = series.copy()
    series.index.freq = freq
    return series, trimmed, n_missing
