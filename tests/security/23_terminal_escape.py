"""Attack: drive the caller's terminal. In plain mode (no --json) the
script's stdout and stderr reach the terminal of whoever ran sandboxrun:
OSC 52 sets the clipboard (a command to paste later), OSC 0 the window
title, OSC 8 hides a link behind text, CSI 2J clears the screen, and the
C1 CSI U+009B does the same as ESC [ on many terminals.
Reference: CVE-2003-0063 (xterm title reporting), CVE-2021-27135 (xterm),
"terminal escape injection" in CI logs and kubectl logs (CVE-2021-25743).
Outcome: on a terminal every control byte is shown as text (^[, ^G, M-^[)
the way `cat -v` shows it, on stdout and stderr; newlines, tabs and \\r pass;
--raw keeps them for those who want them (the second run).
"""
# run: plain => checks
# run: raw => checks
# hook: tty
import sys

sys.path.insert(0, "/work")
from _probe import check, done  # noqa: E402

evil = ("clip\x1b]52;c;cm0gLXJmIH4K\x07 title\x1b]0;pwned\x07 link\x1b]8;;http://evil/\x1b\\here\x1b]8;;\x1b\\ "
        "clear\x1b[2J c1\u009b31m bell\x07 del\x7f end")
print(evil, flush=True)
sys.stderr.write(evil + "\n")
sys.stderr.flush()
check("printed the sequences to stdout and stderr", True)
done()
