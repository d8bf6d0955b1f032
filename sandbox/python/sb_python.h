/* sb_python — run a script in this (already jailed) process through the
 * CPython C API. Not an exec of python3: the interpreter lives in our image. */
#ifndef SB_PYTHON_H
#define SB_PYTHON_H

#include <stddef.h>

struct sb_pyjob {
    const char *code;         /* NUL-terminated source */
    const char *filename;     /* shown in tracebacks (the script's base name) */
    int argc;                 /* sys.argv */
    char **argv;
    const char *extra_path;   /* prepended to sys.path (the helper scripts), or NULL */
    int report_fd;            /* an uncaught exception is written here as JSON */
    int cell;                 /* a code cell: show the last value, display(), figures */
    char *const *env;         /* "NAME=VALUE" added to the environment (the request's), or NULL */
};

/* Initialize CPython for job (argv, sys.path, linecache of job->code if any,
 * the environment as sb_python_environ(job->env) makes it). 0, or -1 after
 * logging. */
int sb_python_init(const struct sb_pyjob *job);
/* Run code in __main__'s globals (they persist between calls). Returns 0,
 * SystemExit's code, or 1 after printing the traceback to sys.stderr and
 * setting *error to a new JSON string {"type","message","traceback",
 * "memoryError"} (caller frees). A cell (cell != 0) runs as in a notebook:
 * its last expression's value, display() calls and open figures become
 * display blocks on stdout (scripts/sandboxrun_display.py); a script only
 * has plt.show() and fig.show() captured. */
int sb_python_exec(const char *code, const char *filename, int cell, char **error);
/* Import each module of a comma-separated list (the warm preload), the
 * helper modules every warm run imports from scripts_dir (if not NULL; see
 * sb_python_import_scripts), run the warm-up file if one is named (trusted
 * code; its failure is only logged), then freeze the heap out of the
 * collector's reach. 0, or -1 after logging the first import that failed. */
int sb_python_preload(const char *modules, const char *scripts_dir, const char *warmup);
/* Print the pending exception's traceback to sys.stderr and clear it: for
 * the zygote, where PyErr_Print would exit on SystemExit and leave sys.last_*
 * for every worker to see. */
void sb_python_show_error(void);
/* where the jail mounts the scripts directory */
#define SB_PY_SCRIPTS_MOUNT "/sandboxrun"
/* Import the helper modules every warm run uses (scripts/sandboxrun_worker.py,
 * sandboxrun_display.py) from dir, the host's scripts directory, under the
 * names they have in the jail (SB_PY_SCRIPTS_MOUNT/NAME.py: __file__,
 * __spec__.origin, co_filename), so that a worker neither imports them again
 * (~15 % of a warm run's CPU) nor learns where the install is. One that
 * fails is logged and left to each worker's own import. */
void sb_python_import_scripts(const char *dir);
/* Call around a C-level fork so Python's locks and at-fork hooks (random's
 * reseeding among them) stay right: before, then after in parent or child. */
void sb_python_before_fork(void);
void sb_python_after_fork(int child);
/* Make an inherited, pre-imported interpreter this worker's own, before any
 * request: the import system's view of /sandboxrun, then
 * scripts/sandboxrun_worker.py's warm_up (fresh random seeds, numpy's too,
 * and the copy-on-write faults of compiling and running code taken now
 * rather than on the request's clock). 0, or -1 after logging: a worker
 * that could not reseed must not serve. */
int sb_python_warm_up(void);
/* Run one session helper request (JSON text) through
 * scripts/sandboxrun_session.py's run_json. Returns 0 with *answer set to
 * its JSON answer (caller frees; NULL if it gave none), the exit status a
 * helper that answers with an int gives (a command's), or as
 * sb_python_exec does for an exception (status 1, *error set). */
int sb_python_helper(const char *json, char **answer, char **error);
/* As if SIGINT arrived: Python runs its SIGINT handler (KeyboardInterrupt
 * by default) at its next check. Async-signal-safe (PyErr_SetInterrupt). */
void sb_python_interrupt(void);
/* Add env ("NAME=VALUE" strings, NULL-terminated, or NULL) to the
 * environment and make os.environ the C environment, in the C environment's
 * order: a warm worker's pre-imported interpreter still holds the zygote's
 * os.environ, a cold one the jail's. Both end with the same os.environ and
 * C environment. 0, or -1 after logging. */
int sb_python_environ(char *const *env);
/* Set sys.argv for the request. */
int sb_python_set_argv(int argc, char **argv);
/* Run the atexit callbacks, as the python3 command does at exit (without
 * the slow finalization of a warm, pre-imported interpreter). */
void sb_python_atexit(void);
/* Flush sys.stdout/sys.stderr without finalizing (for a fast _exit); 0 or -1. */
int sb_python_flush(void);
/* Initialize CPython, run the job, finalize. Returns the exit status the
 * process should end with: 0, SystemExit's code, or 1 for an exception (whose
 * type, message and traceback went to report_fd as one JSON object). */
int sb_python_run(const struct sb_pyjob *job);

#endif
