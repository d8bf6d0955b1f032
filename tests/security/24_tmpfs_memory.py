"""Attack: hold memory outside --memory. In the RLIMIT_DATA fallback (no
cgroup memory controller, e.g. run unprivileged), pages of the /tmp and /out
tmpfs are not counted: a run with --memory 256 held 780 MiB. With a cgroup
they are charged to the run and it stops at the limit.
Reference: tmpfs/shmem accounting (memcg charges shmem to the writer; rlimits
do not); CWE-770.
Outcome: either the memory limit stops the run (cgroup), or the record says
how much the limit does not count (memoryUncountedMb = /tmp + /out sizes,
rlimit mode), so the caller can size them.
"""
# run: - => status ok|memory_limit|error|killed
# options: --memory 256 --tmp-size 384 --out-size 64 --timeout 60
# hook: record
# serial
import os

with open("/tmp/fill", "wb") as f:
    chunk = b"x" * (1 << 20)
    for _ in range(320):
        f.write(chunk)
print("wrote 320 MiB to /tmp under --memory 256", flush=True)
