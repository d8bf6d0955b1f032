"""Attack: make the record huge through its lists. Thousands of entries in
/out that are skipped (FIFOs with 250-byte names, nested up to the path cap)
made a 67 MB record and a 66 MB JSON-RPC answer; 1500 blocks past the
1000-block cap were dropped without a word.
Reference: CWE-400 amplification through metadata; curl's capped lists.
Outcome: skippedFiles holds at most 1000 entries, each path at most 160
bytes (cut on a character boundary, ending in an ellipsis), and
skippedFilesDropped counts the rest; blocks past the cap are counted in
blocksDropped; the record stays under 1 MiB.
"""
# run: skipped => checks
# run: blocks => checks
# options: --timeout 120
# hook: record
import os
import sys

sys.path.insert(0, "/work")
from _probe import check, done, variant  # noqa: E402

v = variant()
if v == "skipped":
    made = 0
    d = "/out"
    for level in range(3):
        d = os.path.join(d, ("é" * 100 + "d%d" % level)[:125])   # 200+ bytes of UTF-8 each
        os.mkdir(d)
        for i in range(1500):
            os.mkfifo(os.path.join(d, ("f%05d" % i) + "ü" * 120))
            made += 1
    check("made %d FIFOs with long names" % made, made == 4500, made)
    done(made=made)
if v == "blocks":
    check("about to write 1501 more blocks", True)
    done()
    w = sys.stdout
    for i in range(1500):
        w.write("===JSON_START===\n%d\n===JSON_END===\n" % i)
    w.write("===JSON_START===\n[\"last\"]\n===JSON_END===\n")
    w.flush()
