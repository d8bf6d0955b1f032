"""Attack: make the record cost the host's memory outside every limit. One
JSON block just under the 32 MiB cap made of tiny values (16 million zeros)
is 16 million parse-tree nodes: 2.67 GB in the supervisor and 1.37 GB in the
orchestrator, neither of which runs in the run's cgroup, while the jailed
worker used 10 MB. Also blocks nested just under cJSON's depth limit (the
record that wraps them is then too deep for the orchestrator, and Python's
json), and an error report of the same depth written to the report fd.
Reference: "billion laughs"-style amplification (CWE-776, CWE-409); cJSON's
CJSON_NESTING_LIMIT; Python json's recursion limit.
Outcome: the block is refused before a tree is built (blocks are budgeted by
text and values, 128 bytes each), the supervisor stays under 256 MiB and
sandboxrun under 128 MiB; blocks deeper than 64 levels are error entries; the
record is valid JSON for Python; a forged error report keeps only its strings.
"""
# run: nodes => checks
# run: deep => checks
# run: deep_report => status error
# options: --timeout 120
# hook: record
import os
import sys

sys.path.insert(0, "/work")
from _probe import check, done, variant  # noqa: E402

v = variant()
w = sys.stdout.buffer
if v == "nodes":
    n = (32 << 20) // 2 - 16
    w.write(b"===JSON_START===\n[" + b"0," * n + b"0]\n===JSON_END===\n")
    w.flush()
    check("wrote 16 million values in one block", True)
    done()
if v == "deep":
    for d in (64, 65, 900, 998):
        w.write(b"===JSON_START===\n" + b"[" * d + b"]" * d + b"\n===JSON_END===\n")
    w.write(b"===JSON_START===\n" + b'{"a":' * 999 + b"1" + b"}" * 999 + b"\n===JSON_END===\n")
    w.flush()
    check("wrote blocks 64, 65, 900, 998 and 999 deep", True)
    done()
if v == "deep_report":
    rep = b'{"type":"Forged","message":"m","traceback":"t","x":' + b"[" * 990 + b"]" * 990 + b"}"
    os.write(3, rep)
    os._exit(1)
