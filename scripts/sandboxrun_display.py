"""Notebook-style display for code run by sandboxrun.

The supervisor runs a *code cell* (MCP ``execute_code``, a session call,
``sandboxrun run --display``) the way Jupyter does: the value of the last
expression is shown, ``display(obj)`` is a builtin, every matplotlib figure
still open at the end is shown as PNG and closed, ``plt.show()`` and plotly's
``fig.show()`` show their figures. A *script* (``sandboxrun script.py``)
keeps plain Python behaviour except that ``plt.show()`` and ``fig.show()``
are captured too: a script that shows a chart expects it to go somewhere.

Each shown item travels to the supervisor as one delimited stdout block
(``===DISPLAY_START===`` JSON ``===DISPLAY_END===``) and becomes an entry of
the record's ``results`` list::

    {"type": "text",  "mimeType": "text/plain", "text": "42", "isMainResult": true, "display": 3}
    {"type": "html",  "mimeType": "text/html", "text": "<table>…"}
    {"type": "image", "mimeType": "image/png", "data": "<base64>", "width": 640, "height": 480}
    {"type": "svg",   "mimeType": "image/svg+xml", "text": "<svg…"}
    {"type": "json",  "mimeType": "application/json", "json": {…}}
    {"type": "markdown", "mimeType": "text/markdown", "text": "…"}
    {"type": "plotly", "mimeType": "application/vnd.plotly.v1+json", "json": {"data": …, "layout": …}}

Items of one shown object share the number ``display``; ``isMainResult`` marks
the last expression's value. The C side (sandbox/python/sb_python.c) calls
``start``, ``split_cell``, ``show_result`` and ``end_cell``, the zygote
``hook`` and sandboxrun_worker ``prepare``; nothing else here is an
interface.
"""

import ast
import base64
import builtins
import json
import os
import struct
import sys

START = "===DISPLAY_START==="
END = "===DISPLAY_END==="

# like pandas' own display options in a notebook
MAX_ROWS, MIN_ROWS, MAX_COLUMNS = 60, 10, 20
TEXT_MAX = 64 * 1024            # a repr past this is cut (the whole value is the script's to save)
FIGURE_FORMATS = ("png",)       # set_figure_formats("png", "svg") adds SVG

_state = {"cell": False, "count": 0, "hooked": False, "prepared": False}


def _emit(item):
    """Write one item as a display block on the process's real stdout (a
    script's redirect_stdout must not swallow it)."""
    out = sys.__stdout__
    if out is None:
        return
    text = json.dumps(item, allow_nan=False, separators=(",", ":"), default=str)
    sys.stdout.flush()
    out.write("%s\n%s\n%s\n" % (START, text, END))
    out.flush()


def _cut(text):
    if len(text) > TEXT_MAX:
        return text[:TEXT_MAX] + "\n[... %d more characters]" % (len(text) - TEXT_MAX)
    return text


def _png_size(data):
    """(width, height) from a PNG's IHDR, or (None, None)."""
    if data[:8] == b"\x89PNG\r\n\x1a\n" and data[12:16] == b"IHDR":
        return struct.unpack(">II", data[16:24])
    return None, None


def _png_item(data):
    w, h = _png_size(data)
    item = {"type": "image", "mimeType": "image/png", "data": base64.b64encode(data).decode("ascii")}
    if w:
        item.update(width=w, height=h)
    return item


def _call(obj, name):
    """obj.name() if it exists and works, else None (a broken _repr_x_
    must not break the cell; Jupyter ignores it too)."""
    fn = getattr(type(obj), name, None)
    if fn is None:
        return None
    try:
        value = getattr(obj, name)()
    except Exception:  # noqa: BLE001 - a failing formatter just shows fewer formats
        return None
    return value[0] if isinstance(value, tuple) else value


def _pandas_context():
    pd = sys.modules.get("pandas")
    if pd is None:
        return None
    return pd.option_context("display.max_rows", MAX_ROWS, "display.min_rows", MIN_ROWS,
                             "display.max_columns", MAX_COLUMNS, "display.notebook_repr_html", True)


def _figure_items(fig):
    """A matplotlib figure as PNG (and SVG when asked), at its own size."""
    import io
    items = []
    for fmt in FIGURE_FORMATS:
        buf = io.BytesIO()
        fig.savefig(buf, format=fmt)
        if fmt == "png":
            items.append(_png_item(buf.getvalue()))
        else:
            items.append({"type": "svg", "mimeType": "image/svg+xml", "text": buf.getvalue().decode("utf-8")})
    return items


def _plotly_items(fig_dict):
    """A plotly figure as its JSON spec and as self-contained HTML."""
    import plotly.io as pio
    spec = json.loads(pio.to_json(fig_dict, validate=False))
    html = pio.to_html(fig_dict, include_plotlyjs=True, full_html=True, validate=False)
    return [{"type": "plotly", "mimeType": "application/vnd.plotly.v1+json", "json": spec},
            {"type": "html", "mimeType": "text/html", "text": html}]


def bundle(obj):
    """The items that show obj, richest formats first, text/plain last."""
    mpl_figure = sys.modules.get("matplotlib.figure")
    if mpl_figure is not None and isinstance(obj, mpl_figure.Figure):
        return _figure_items(obj) + [{"type": "text", "mimeType": "text/plain", "text": _cut(repr(obj))}]
    go = sys.modules.get("plotly.basedatatypes")
    if go is not None and isinstance(obj, go.BaseFigure):
        return _plotly_items(obj.to_dict())
    items = []
    ctx = _pandas_context()
    if ctx is not None:
        ctx.__enter__()
    try:
        png = _call(obj, "_repr_png_")
        if isinstance(png, bytes):
            items.append(_png_item(png))
        for name, kind, mime in (("_repr_svg_", "svg", "image/svg+xml"), ("_repr_html_", "html", "text/html"),
                                 ("_repr_markdown_", "markdown", "text/markdown")):
            value = _call(obj, name)
            if isinstance(value, str):
                items.append({"type": kind, "mimeType": mime, "text": value})
        value = _call(obj, "_repr_json_")
        if value is not None:
            try:
                json.dumps(value, allow_nan=False)
                items.append({"type": "json", "mimeType": "application/json", "json": value})
            except (TypeError, ValueError):
                pass
        try:
            text = repr(obj)
        except Exception as e:  # noqa: BLE001 - the repr itself may raise
            text = "<repr failed: %s: %s>" % (type(e).__name__, e)
        items.append({"type": "text", "mimeType": "text/plain", "text": _cut(text)})
    finally:
        if ctx is not None:
            ctx.__exit__(None, None, None)
    return items


def _show(items, main=False):
    _state["count"] += 1
    for item in items:
        item["display"] = _state["count"]
        if main:
            item["isMainResult"] = True
        _emit(item)


def display(*objs):
    """Show each object as a notebook would (any number of times)."""
    for obj in objs:
        _show(bundle(obj))


def set_figure_formats(*formats):
    """Choose how matplotlib figures are shown: "png" and/or "svg"."""
    global FIGURE_FORMATS
    bad = [f for f in formats if f not in ("png", "svg")]
    if bad or not formats:
        raise ValueError("figure formats are 'png' and 'svg', not %r" % (formats,))
    FIGURE_FORMATS = tuple(formats)


# ---- matplotlib and plotly: hooked when imported, or now if already imported

def _show_open_figures():
    """Every open pyplot figure as a display item, then closed."""
    plt = sys.modules.get("matplotlib.pyplot")
    if plt is None:
        return
    for num in plt.get_fignums():
        fig = plt.figure(num)
        try:
            _show(_figure_items(fig))
        finally:
            plt.close(fig)


def _plt_show(*args, **kwargs):
    _show_open_figures()


def _hook_pyplot(plt):
    plt.show = _plt_show
    # Figure.show() on Agg only warns "cannot show the figure": show it instead
    plt.Figure.show = lambda self, *a, **k: _show(_figure_items(self))


def _plotly_show(fig, renderer=None, validate=True, **kwargs):
    """fig.show() and plotly.io.show(): the figure as display items."""
    _show(_plotly_items(fig.to_dict() if hasattr(fig, "to_dict") else fig))


def _hook_plotly(pio):
    # fig.show() looks plotly.io.show up at each call. Replacing it imports
    # nothing: registering a renderer would pull in plotly modules that
    # change warnings.formatwarning, before the code runs in a warm worker
    # (plotly.io is preloaded there) but only at the script's own import in
    # a cold run, and warm and cold runs would warn differently.
    pio.show = _plotly_show


_HOOKS = {"matplotlib.pyplot": _hook_pyplot, "plotly.io": _hook_plotly}


class _ImportHook:
    """A meta-path finder that only wraps the loaders of the modules in
    _HOOKS, to patch them right after they are first imported."""

    def find_spec(self, name, path=None, target=None):
        if name not in _HOOKS:
            return None
        for finder in sys.meta_path:
            if finder is self or not hasattr(finder, "find_spec"):
                continue
            spec = finder.find_spec(name, path, target)
            if spec is not None and spec.loader is not None:
                loader = spec.loader
                original = loader.exec_module

                def exec_module(module, original=original):
                    original(module)
                    _HOOKS[name](module)
                loader.exec_module = exec_module
                return spec
        return None


def _seed_font_cache():
    """Copy the font list `make` built (scripts/.mplcache) into MPLCONFIGDIR,
    a fresh /tmp in every run, so matplotlib does not rebuild it (about
    0.4 s) at its first import. A warm worker's matplotlib was imported with
    the same list (scripts/warmup.py); the copy is made there too, so that
    warm and cold runs see the same /tmp. Copied by sendfile: no 33 kB
    buffer in the worker's heap."""
    src, dst = os.path.join(os.path.dirname(__file__), ".mplcache"), os.environ.get("MPLCONFIGDIR")
    if not dst or not os.path.isdir(src):
        return
    for name in os.listdir(src):
        if not name.startswith("fontlist-"):
            continue
        fi = fo = -1
        try:
            fi = os.open(os.path.join(src, name), os.O_RDONLY | os.O_CLOEXEC)
            fo = os.open(os.path.join(dst, name), os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_CLOEXEC, 0o666)
            left = os.fstat(fi).st_size
            while left > 0:
                n = os.sendfile(fo, fi, None, left)
                if n == 0:
                    break
                left -= n
        except OSError:
            pass   # there already, or matplotlib then builds it, as without the copy
        finally:
            for fd in (fi, fo):
                if fd >= 0:
                    os.close(fd)


def _fresh_matplotlib_dirs():
    """matplotlib, if imported, forgets the config and cache directories its
    import computed (the zygote's own MPLCONFIGDIR, scripts/warmup.py): they
    are computed again at their next use, in the jail."""
    mpl = sys.modules.get("matplotlib")
    if mpl is None:
        return
    for name, fmt in (("get_configdir", "CONFIGDIR=%s"), ("get_cachedir", "CACHEDIR=%s")):
        setattr(mpl, name, mpl._logged_cached(fmt, getattr(mpl, name).__wrapped__))


def _rebase_matplotlib():
    """In a warm worker, matplotlib was imported by the zygote outside the
    jail: the user style path its import computed from MPLCONFIGDIR is
    computed again here, from the jail's, as a cold run's first import
    computes it. A cold run has not imported matplotlib yet: nothing to do."""
    mpl, core = sys.modules.get("matplotlib"), sys.modules.get("matplotlib.style.core")
    if mpl is not None and core is not None:
        core.USER_LIBRARY_PATHS[:] = [os.path.join(mpl.get_configdir(), "stylelib")]


def hook():
    """Once per process, in the jail or not: hook matplotlib and plotly (now
    if imported, else on import), and make matplotlib forget its directories.
    The zygote calls it after its imports (sb_python_preload), so that no
    warm worker does it again; prepare() calls it otherwise, or again if it
    raised."""
    if _state["hooked"]:
        return
    _fresh_matplotlib_dirs()
    for name, patch in _HOOKS.items():
        if name in sys.modules:
            patch(sys.modules[name])
    sys.meta_path.insert(0, _ImportHook())
    _state["hooked"] = True   # last: a hook() that raised is tried again (each step can be repeated)


def prepare():
    """Once per process, in the jail and with its environment: hook(), seed
    the font cache, rebase matplotlib. A warm worker calls it before its
    request comes (sandboxrun_worker.warm_up), so the work is not on the
    request's clock; start() calls it otherwise."""
    if _state["prepared"]:
        return
    _state["prepared"] = True
    hook()
    _seed_font_cache()
    _rebase_matplotlib()


def start(cell):
    """Before user code runs: prepare() if not done, and for a cell make
    display() a builtin."""
    _state["cell"] = bool(cell)
    prepare()
    if cell:
        builtins.display = display


def split_cell(code, filename):
    """(body, last) code objects for a cell whose last statement is an
    expression to show, else None (the caller then runs the code whole, and
    a syntax error is reported the usual way). A trailing ";" hides the value,
    as in Jupyter."""
    try:
        tree = ast.parse(code, filename, "exec")
    except (SyntaxError, ValueError):
        return None
    if not tree.body or not isinstance(tree.body[-1], ast.Expr):
        return None
    last = tree.body[-1]
    lines = code.splitlines()
    tail = lines[last.end_lineno - 1][last.end_col_offset:] if last.end_lineno <= len(lines) else ""
    if tail.split("#", 1)[0].strip().startswith(";"):
        return None
    body = ast.Module(body=tree.body[:-1], type_ignores=[])
    return (compile(body, filename, "exec", dont_inherit=True),
            compile(ast.Expression(body=last.value), filename, "eval", dont_inherit=True))


def show_result(value):
    """The last expression's value, as the cell's main result."""
    if value is None:
        return
    _show(bundle(value), main=True)


def end_cell():
    """After a cell: its open figures. After a script: nothing."""
    if _state["cell"]:
        _show_open_figures()
