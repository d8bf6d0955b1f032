"""One-line hints for the usual mistakes of code run by sandboxrun.

The embedded interpreter (sandbox/python/sb_python.c) calls ``hint(exc)``
for an exception that ended a script or a cell; a hint is added to the
exception as a note (so the traceback shows it) and to the record's error
as ``hint``. Only facts of the jail are said: inputs are under /work, there
is no network, pip cannot install anything.
"""

import errno
import os

NO_NETWORK = ("the sandbox has no network: pass data in as files (they appear read-only under /work) "
              "instead of downloading it")
NETWORK_ERRORS = {"gaierror", "URLError", "ConnectionError", "NewConnectionError", "MaxRetryError",
                  "ConnectTimeout", "SSLError", "ConnectionRefusedError", "HTTPError"}
NETWORK_ERRNOS = {errno.EAFNOSUPPORT, errno.ENETUNREACH, errno.EHOSTUNREACH, errno.ECONNREFUSED}


def _chain(exc):
    seen = set()
    while exc is not None and id(exc) not in seen:
        seen.add(id(exc))
        yield exc
        exc = exc.__cause__ or exc.__context__


def _missing_input(exc):
    """A relative path not found here that exists under /work."""
    name = getattr(exc, "filename", None)
    if not isinstance(exc, FileNotFoundError) or not isinstance(name, str) or name.startswith("/"):
        return None
    for candidate in (os.path.join("/work", name), os.path.join("/work", os.path.basename(name))):
        if os.path.exists(candidate):
            return "inputs are under /work: did you mean %s?" % candidate
    return None


def hint(exc):
    """The hint for exc (a string), or None."""
    for e in _chain(exc):
        text = _missing_input(e)
        if text:
            return text
        if type(e).__name__ in NETWORK_ERRORS or (isinstance(e, OSError) and e.errno in NETWORK_ERRNOS):
            return NO_NETWORK
        if isinstance(e, ModuleNotFoundError) and e.name:
            return ("module %r is not installed, and pip install cannot work in the jail (no network); "
                    "`sandboxrun check --libraries` lists what is" % e.name.split(".")[0])
    return None


def annotate(exc):
    """Add the hint (if any) to exc as a note; return it."""
    text = hint(exc)
    if text and hasattr(exc, "add_note"):
        exc.add_note("sandboxrun: " + text)
    return text
