/* Unit tests: sandbox/python/sb_python, a cancel pending as a run starts. */
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "sb_python.h"
#include "tap.h"

/* The code every check runs: it leaves a mark, and checks that the display
 * helper (whose start step runs Python before the code) is in use. */
static char code[PATH_MAX + 128], mark[64];

static int ran(void)
{
    int yes = access(mark, F_OK) == 0;

    unlink(mark);
    return yes;
}

/* Run the code as a cell or a script with an interrupt pending (as a
 * cancel that comes between the request and the code leaves it): it must
 * not run, and the run ends in KeyboardInterrupt. */
static void interrupted(int cell)
{
    char *error = NULL;
    int status;

    sb_python_interrupt();
    status = sb_python_exec(code, "<cell>", cell, &error);
    ok(status != 0 && !ran() && error && strstr(error, "KeyboardInterrupt"),
       "%s: an interrupt pending as it starts stops it before its code (status %d, %s)", cell ? "a cell" : "a script",
       status, error ? error : "no error");
    free(error);
}

int main(void)
{
    char scripts[PATH_MAX], *argv[] = {"<cell>", NULL}, *error = NULL;
    struct sb_pyjob job = {.argc = 1, .argv = argv, .filename = "<cell>"};
    int status;

    if (getenv("LD_PRELOAD") && strstr(getenv("LD_PRELOAD"), "vgpreload"))
        return printf("1..0 # SKIP CPython's allocator needs valgrind suppressions this test does not carry\n"), 0;
    if (!realpath("scripts", scripts))
        return printf("Bail out! run from the source tree (scripts/ not found)\n"), 1;
    snprintf(mark, sizeof mark, "/tmp/sb_python_mark.%d", (int)getpid());
    snprintf(code, sizeof code, "import sys\nassert 'sandboxrun_display' in sys.modules\nopen(%s%s%s, 'w').close()\n",
             "'", mark, "'");
    job.extra_path = scripts;
    if (sb_python_init(&job) < 0)
        return printf("Bail out! sb_python_init\n"), 1;
    status = sb_python_exec(code, "<cell>", 1, &error);
    ok(status == 0 && ran(), "a cell runs, with the display helper (status %d, %s)", status, error ? error : "");
    free(error);
    interrupted(1);
    interrupted(0);
    error = NULL;
    status = sb_python_exec(code, "<cell>", 1, &error);
    ok(status == 0 && ran(), "and the next cell runs: the interrupt went with the run it stopped (status %d)", status);
    free(error);
    /* _exit, as every process that runs the interpreter ends (sb_jail.c):
     * at exit() LSan would list CPython's own arenas and interned objects */
    status = tap_done();
    fflush(stdout);
    _exit(status);
}
