"""Attack: find a host secret. The runner puts a canary (random, shaped
SBXCANARY<24 hex>Z) in sandboxrun's environment (as a plain variable and as
AWS_SECRET_ACCESS_KEY), in the invoking shell's environment, and in a file
next to this script on the host. We look for that shape in os.environ, every
/proc/*/environ and cmdline, every readable regular file outside /usr and
/proc, and in all of our own memory (/proc/self/maps + /proc/self/mem), which
holds whatever the supervisor had when it forked the worker.
Reference: ARCHITECTURE.md ("no secret is in its address space, environment,
files or fds"); OWASP Top 10 for LLM applications, "sensitive information
disclosure" (an agent's code reading the orchestrator's credentials).
Outcome: none found (the runner checks the list we return, and the record).
/usr is skipped on purpose: it is the host's read-only /usr, and the canary is
made fresh for this run in a temporary directory outside /usr.
"""
# run: - => checks
# hook: canary
import os
import re
import sys

sys.path.insert(0, "/work")
from _probe import check, done  # noqa: E402

PAT = re.compile(rb"SBXCANARY[0-9a-f]{24}Z")
found = {}


def scan(where, data):
    for m in PAT.findall(data):
        found.setdefault(m.decode(), []).append(where)


for k, v in os.environ.items():
    scan("environ:" + k, (k + "=" + v).encode())
for pid in [p for p in os.listdir("/proc") if p.isdigit()]:
    for f in ("environ", "cmdline"):
        try:
            scan("/proc/%s/%s" % (pid, f), open("/proc/%s/%s" % (pid, f), "rb").read())
        except OSError:
            pass
nfiles = 0
for top, dirs, files in os.walk("/"):
    if top in ("/proc", "/usr") or top.startswith(("/proc/", "/usr/")):
        dirs[:] = []
        continue
    for f in files:
        p = os.path.join(top, f)
        try:
            if not os.path.isfile(p) or os.path.islink(p):
                continue
            with open(p, "rb") as fh:
                scan(p, fh.read(64 << 20))
                nfiles += 1
        except OSError:
            pass
mem_bytes = 0
with open("/proc/self/maps") as maps, open("/proc/self/mem", "rb", buffering=0) as mem:
    for line in maps:
        parts = line.split()
        lo, hi = (int(x, 16) for x in parts[0].split("-"))
        if parts[1][0] != "r" or (len(parts) > 5 and parts[5] in ("[vvar]", "[vsyscall]", "[vvar_vclock]")):
            continue
        for off in range(lo, hi, 1 << 24):
            try:
                mem.seek(off)
                chunk = mem.read(min(1 << 24, hi - off))
            except OSError:
                break
            mem_bytes += len(chunk)
            scan("memory %s %s" % (parts[0], parts[5] if len(parts) > 5 else ""), chunk)
check("the memory scan covered the interpreter", mem_bytes > 8 << 20, mem_bytes)
check("the file scan read files", nfiles > 5, nfiles)
done(found=found, mem_bytes=mem_bytes, files=nfiles)
