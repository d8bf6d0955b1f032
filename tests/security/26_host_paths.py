"""Attack: learn the host's paths from the mount table. A bind mount's root
(field 4 of /proc/self/mountinfo) is its path in the source file system, so
an input directory named after a client (/srv/clients/<client>/q3) showed
that name inside the jail under any /work name, and the install's scripts
directory showed where sandboxrun lives; /proc/self/mounts and
/proc/self/mountstats show the same mounts with their sources.
Reference: moby/moby#4936-style "container sees host bind paths in
/proc/self/mountinfo"; gVisor hides them, runc does not.
Outcome: every input and /sandboxrun is an overlay of its own whose root is
"/" (a file input: "/its-file-name") and whose lower layers are named
/proc/self/fd/N; the client's directory name and the host's temporary and
install paths appear in none of the three files (host checks).
"""
# run: - => checks
# hook: hostpaths
import os
import sys

sys.path.insert(0, "/work")
from _probe import check, done  # noqa: E402

texts = {}
for path in ("/proc/self/mountinfo", "/proc/self/mounts", "/proc/self/mountstats"):
    try:
        texts[path] = open(path).read()
    except OSError as e:
        texts[path] = "unreadable: %s" % e
roots = {}
for line in texts["/proc/self/mountinfo"].splitlines():
    f = line.split()
    if len(f) > 4 and (f[4].startswith("/work/") or f[4] == "/sandboxrun"):
        roots[f[4]] = f[3]
check("the inputs and /sandboxrun are mounted (%d)" % len(roots),
      len(roots) >= 4 and "/sandboxrun" in roots and "/work/client" in roots, roots)
for point, root in sorted(roots.items()):
    check("%s's root names no host directory" % point, root.count("/") == 1, root)
check("the input directory's files are there", sorted(os.listdir("/work/client")) == ["q3.csv"],
      os.listdir("/work/client"))
check("the renamed file input reads", open("/work/sales.csv").read() == "a,b\n1,2\n")
done(texts=texts)
