"""Attack: take over a session's control channel. The script shares its
process with the session runner, which reads the supervisor's requests from
fd 5 and writes each answer (a length-prefixed done-frame) to fd 3. It
reopens fd 5 through /proc/self/fd for writing (a pipe allows that, even as
nobody) and smuggles a request in, and writes a fake answer to fd 3 first;
the answers after it then belong to other requests: read_files returned
write_files' answer, or the smuggled content.
Run as a session cell through `sandboxrun mcp` (hook: session): the runner
calls write_files and read_files after it and checks their answers.
Reference: runc CVE-2019-5736 (reopening /proc/self/exe through /proc),
CVE-2024-21626 (a leaked fd reached through /proc/self/fd); request/response
desynchronisation (HTTP request smuggling, CWE-444).
Outcome: fd 5 cannot be reopened (a socket: ENXIO) nor written (EPIPE);
answers carry the request's number and a foreign one is dropped and counted
(answersDropped); write_files and read_files get their own answers.
"""
# run: - => checks
# hook: session
import errno
import json
import os
import struct

checks = {}


def check(name, cond, detail=""):
    checks[name] = {"ok": bool(cond), "detail": str(detail)[:300]}


def frame(obj):
    b = json.dumps(obj).encode()
    return struct.pack("=I", len(b)) + b


def attempt(f):
    try:
        f()
        return "ok"
    except OSError as e:
        return errno.errorcode.get(e.errno, str(e.errno))


smuggled = frame({"code": "print('===JSON_START===\\n{\"files\": [{\"path\": \"a.txt\", \"content\": \"SMUGGLED\"}]}"
                          "\\n===JSON_END===')", "seq": 0})


def reopen():
    fd = os.open("/proc/self/fd/5", os.O_WRONLY)
    os.write(fd, smuggled)


r = attempt(reopen)
check("the control channel cannot be reopened for writing through /proc/self/fd", r != "ok", r)
r = attempt(lambda: os.write(5, smuggled))
check("nor written to through its own fd", r != "ok", r)
os.write(3, frame({"seq": 777777, "status": 0, "cpu": 0, "maxRssKb": 1}))   # a fake answer, first
print("===JSON_START===\n" + json.dumps({"checks": checks}) + "\n===JSON_END===", flush=True)
