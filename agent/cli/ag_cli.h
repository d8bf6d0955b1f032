/* ag_cli — the options shared by every command that runs code in the jail
 * (run, eda, features, forecast, report, pipeline), parsed from one table. */
#ifndef AG_CLI_H
#define AG_CLI_H

#include <cjson/cJSON.h>
#include <stddef.h>

#define AG_MAX_INPUTS 64
#define AG_MAX_EXTRA 64

struct ag_run_opts {
    int json, allow_weaker, help, display;
    const char *inputs[AG_MAX_INPUTS];
    size_t ninputs;
    const char *out_dir, *policy, *code;
    const char *upload, *out_archive;  /* orchestrator-side handling of /out */
    const char *server;                /* a warm daemon's socket (else $SANDBOXRUN_SOCKET) */
    long expires;
    double timeout;                     /* 0 = default */
    unsigned long cpu, memory, pids, max_output, tmp_mb, out_mb, threads;
    char *positional[AG_MAX_EXTRA];     /* script (or dataset) and its arguments */
    int npositional;
    char *extra[AG_MAX_EXTRA];          /* command-specific options, passed on verbatim */
    int nextra;
};

/* A command-specific option, forwarded to the in-jail script as "--name value". */
struct ag_extra_opt {
    const char *name;
    int has_arg;
};

/* Parse argv (argv[0] is the command). Options in extras are collected into
 * opts->extra. Everything after "--" is positional. Returns 0, or -1 after
 * printing a usage error. */
int ag_cli_parse(int argc, char **argv, const struct ag_extra_opt *extras, struct ag_run_opts *opts);
/* Print the shared options' help to stdout. */
void ag_cli_help(void);
/* Build the request JSON for a script (code already read) from the options.
 * Returns NULL with a message printed on a bad input path. */
cJSON *ag_cli_request(const struct ag_run_opts *o, const char *code, const char *filename,
                      char *const *args, int nargs);

#endif
