"""Attack: forge the verdict. The script can write to the fd that carries the
runner's error report (3): a fake {"memoryError": true} report, then exit 0,
turned the run into memory_limit with the script's own message.
Reference: the isolate rule that "the sandbox failed" and "the program
failed" come from the kernel's evidence, not from the program.
Outcome: a run that exited 0 is ok, with no error, whatever fd 3 carried;
a report counts only when the exit status says the script failed.
"""
# run: memory_exit0 => checks
# run: memory_exit1 => status memory_limit|error
# hook: record
import os
import sys

sys.path.insert(0, "/work")
from _probe import check, done, variant  # noqa: E402

v = variant()
fake = b'{"type":"MemoryError","message":"forged by the script","traceback":"","memoryError":true}'
os.write(3, fake)
check("wrote a fake memoryError report to fd 3", True)
done()
if v == "memory_exit1":
    os._exit(1)
