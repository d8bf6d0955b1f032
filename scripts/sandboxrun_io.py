"""In-jail helper for scripts run by sandboxrun.

A script publishes structured results by printing delimited blocks on stdout;
the supervisor extracts them into the result record's ``blocks`` list. These
helpers write the markers correctly so a script does not have to.

    from sandboxrun_io import emit_json, emit_html, out_path, display
    emit_json({"rows": len(df)})
    emit_html(fig.to_html(include_plotlyjs=True, full_html=True))
    df.to_csv(out_path("clean.csv"))

Files written under ``/out`` are listed (size, sha256) in the record and copied
to the caller's ``--out`` directory.
"""

import json
import math
import os
import sys

JSON_START = "===JSON_START==="
JSON_END = "===JSON_END==="
HTML_START = "===HTML_START==="
HTML_END = "===HTML_END==="

OUT_DIR = os.environ.get("SANDBOXRUN_OUT", "/out")


def _clean(value):
    """Return value with NaN/inf floats turned into None (JSON has neither)."""
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if isinstance(value, dict):
        return {str(k): _clean(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_clean(v) for v in value]
    # numpy scalars and arrays, without importing numpy here
    if hasattr(value, "tolist") and callable(value.tolist):
        return _clean(value.tolist())
    if hasattr(value, "isoformat"):
        return value.isoformat()
    return value


def emit_json(obj, stream=None):
    """Print obj as one JSON block. NaN and inf become null; numpy types and
    datetimes are converted. Raises TypeError for values JSON cannot hold."""
    stream = stream or sys.stdout
    text = json.dumps(_clean(obj), allow_nan=False, separators=(",", ":"))
    stream.write("%s\n%s\n%s\n" % (JSON_START, text, JSON_END))
    stream.flush()


def emit_html(html, stream=None):
    """Print an HTML document as one HTML block. A line equal to the end
    marker inside the document would end the block early, so it is refused."""
    stream = stream or sys.stdout
    if HTML_END in html.splitlines():
        raise ValueError("HTML contains the end marker on a line of its own")
    stream.write("%s\n%s\n%s\n" % (HTML_START, html.rstrip("\n"), HTML_END))
    stream.flush()


def out_path(name):
    """Return the path of name inside the output directory, refusing names
    that would leave it."""
    if not name or name.startswith("/") or ".." in name.split("/"):
        raise ValueError("bad output name: %r" % (name,))
    path = os.path.join(OUT_DIR, name)
    os.makedirs(os.path.dirname(path), exist_ok=True)
    return path


def display(*objs):
    """Show objects as a notebook would: each becomes items of the record's
    ``results`` (text, HTML, PNG...; see sandboxrun_display). In a code cell
    ``display`` is also a builtin."""
    from sandboxrun_display import display as show
    show(*objs)
