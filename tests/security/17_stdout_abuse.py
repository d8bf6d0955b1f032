"""Attack: confuse the supervisor's stdout protocol: fake ===JSON_START===
markers inside data (mid-line, with trailing spaces, inside an open block, as
an HTML block's content), markers split across writes, an unterminated block,
a 1 GiB line without a newline, invalid UTF-8 and NUL bytes; aim: crash, hang
or balloon the supervisor, or forge a block.
Reference: log/record injection (CWE-117); "terminal/escape sequence
injection in CI logs" class; curl's capped dynbuf rule in STYLE.md.
Outcome: a clean record with the right flags (output_limit + stdoutTruncated
for the 1 GiB line, an error entry for the unterminated block, U+FFFD for bad
bytes), and the supervisor's max RSS stays small (the runner measures it).
"""
# run: fake => checks
# run: unterminated => checks
# run: hugeline => status output_limit
# run: hugeblock => checks
# run: binary => checks
# options: --timeout 60
# hook: stdout
import os
import sys
import time

sys.path.insert(0, "/work")
from _probe import check, done, variant  # noqa: E402

v = variant()
w = sys.stdout.buffer
if v == "fake":
    w.write(b"text ===JSON_START===\n===JSON_START=== \n")            # mid-line, trailing space
    w.write(b"===JSON_START===\n{\"a\": \"===JSON_END=== inside\",\n")  # a real block...
    w.write(b"\"b\": \"===JSON_START===\"}\n===JSON_END===\n")         # ...with markers in strings
    w.write(b"===HTML_START===\n===JSON_START===\n{\"forged\":1}\n===JSON_END===\n===HTML_END===\n")
    w.flush()
    for piece in (b"===JSO", b"N_STA", b"RT===\n[1,", b"2]\n===JSON", b"_END===\n"):   # split across writes
        w.write(piece)
        w.flush()
        time.sleep(0.05)
    w.write(b"===JSON_START===\n{bad json\n===JSON_END===\ntail\n")
    w.flush()
    check("wrote the fakes", True)
    done()
if v == "unterminated":
    check("about to leave a block open", True)
    done()
    w.write(b"===JSON_START===\n{\"never\": \"closed\"}\n")
    w.flush()
    os._exit(0)
if v == "hugeline":
    chunk = b"A" * (1 << 20)
    for _ in range(1024):                                           # 1 GiB, no newline
        w.write(chunk)
    w.flush()
if v == "hugeblock":
    w.write(b"===JSON_START===\n\"")
    chunk = b"B" * (1 << 20)
    for _ in range(256):                                            # 256 MiB inside one block
        w.write(chunk)
    w.write(b"\"\n===JSON_END===\nafter\n")
    w.flush()
    check("wrote the huge block", True)
    done()
if v == "binary":
    w.write(b"nul\x00here \xff\xfe\xc0\xaf bad utf8 \xed\xa0\x80 surrogate\n")
    w.write(b"===JSON_START===\n{\"k\": \"\xff\"}\n===JSON_END===\n")
    w.flush()
    sys.stderr.buffer.write(b"err \x00\xff\n")
    sys.stderr.flush()
    check("wrote the bytes", True)
    done()
