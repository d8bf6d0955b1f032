"""Run one shell command in the jail: the MCP and AgentCore executeCommand.

Run as a script (a one-shot execute_command sends this file as the code and
the command as its one argument), it exits with the command's exit code, so
the code is the result record's ``exitCode``, as for any script. A session
runs it through ``sandboxrun_session`` (op ``command``), whose answer the
session turns into the execution's exit status the same way. The command's
output is the run's own stdout and stderr, untouched: nothing is printed
around it, and nothing it prints can change its exit code.
"""

import subprocess
import sys


def exit_code(returncode):
    """A Popen return code as a shell reports it: 128 + N for signal N."""
    return 128 - returncode if returncode < 0 else returncode


def run(command):
    """Run command with /bin/sh -c, stdin from /dev/null; its exit code."""
    sys.stdout.flush()
    sys.stderr.flush()
    proc = subprocess.run(["/bin/sh", "-c", command], stdin=subprocess.DEVNULL, check=False)
    return exit_code(proc.returncode)


if __name__ == "__main__":
    if len(sys.argv) != 2:
        sys.exit("usage: sandboxrun_command.py COMMAND")
    sys.exit(run(sys.argv[1]))
