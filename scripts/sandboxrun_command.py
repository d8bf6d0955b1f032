"""Run one shell command in the jail: the MCP and AgentCore executeCommand.

Run as a script (a one-shot execute_command sends this file as the code and
the command as its one argument), it exits with the command's exit code, so
the code is the result record's ``exitCode``, as for any script. A session
runs it through ``sandboxrun_session`` (op ``command``), whose answer the
session turns into the execution's exit status the same way. The command's
output is the run's own stdout and stderr, untouched: nothing is printed
around it, and nothing it prints can change its exit code.
"""

import os
import signal
import subprocess
import sys
import tempfile

# The kernel refuses a single argument over 128 KiB (MAX_ARG_STRLEN): a
# longer command goes to /bin/sh as a script file instead of "-c COMMAND".
ARG_MAX_ONE = 100 * 1024


def shell_argv(command, script_dir):
    """(argv, script): the argv that runs command with /bin/sh, "-c COMMAND"
    and script None; or, for a command too long for one argument, a new
    file in script_dir holding it (script: its path, for the caller to
    remove once the shell is done)."""
    if len(command.encode("utf-8", "surrogateescape")) <= ARG_MAX_ONE:
        return ["/bin/sh", "-c", command], None
    fd, script = tempfile.mkstemp(prefix=".sandboxrun-command-", suffix=".sh", dir=script_dir)
    with os.fdopen(fd, "w", encoding="utf-8", errors="surrogateescape") as f:
        f.write(command)
    return ["/bin/sh", script], script


def exit_code(returncode):
    """A Popen return code as a shell reports it: 128 + N for signal N."""
    return 128 - returncode if returncode < 0 else returncode


def run(command):
    """Run command with /bin/sh -c, stdin from /dev/null; its exit code.
    Interrupted (a cancel, a session's time limit), the command's whole
    process group is killed, not only the shell, before the interrupt goes on."""
    sys.stdout.flush()
    sys.stderr.flush()
    argv, script = shell_argv(command, None)
    try:
        proc = subprocess.Popen(argv, stdin=subprocess.DEVNULL, start_new_session=True)
        try:
            returncode = proc.wait()
        except BaseException:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()
            raise
    finally:
        if script:
            os.unlink(script)
    return exit_code(returncode)


if __name__ == "__main__":
    if len(sys.argv) != 2:
        sys.exit("usage: sandboxrun_command.py COMMAND")
    sys.exit(run(sys.argv[1]))
