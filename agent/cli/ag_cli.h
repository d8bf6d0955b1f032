/* ag_cli — the options shared by every command that runs code in the jail
 * (run, eda, features, forecast, report, pipeline), parsed from one table. */
#ifndef AG_CLI_H
#define AG_CLI_H

#include <cjson/cJSON.h>
#include <stddef.h>

#include "sr_env.h"

#define AG_MAX_INPUTS 64
#define AG_MAX_EXTRA 64
#define AG_RUN_DEFAULT_TIMEOUT 60.0   /* sb_request's default, for the help */

struct ag_run_opts {
    int json, allow_weaker, help, raw, display;
    const char *inputs[AG_MAX_INPUTS];
    const char *input_names[AG_MAX_INPUTS];   /* from --input NAME=PATH, else NULL */
    size_t ninputs;
    const char *env[SR_ENV_MAX_VARS];   /* --env NAME=VALUE, checked (sr_env) */
    size_t nenv;
    struct sr_env_tally env_tally;
    const char *out_dir, *policy, *code;
    const char *upload, *out_archive;  /* orchestrator-side handling of /out */
    const char *server;                /* a warm daemon's socket (else $SANDBOXRUN_SOCKET) */
    const char *audit;                 /* --audit FILE (else $SANDBOXRUN_AUDIT) */
    int audit_code;                    /* --audit-code: the log holds the code itself */
    const char *command;               /* argv[0]: run, eda, ... (the audit line's tool) */
    long expires;
    double timeout;                     /* 0 = default */
    unsigned long cpu, memory, pids, max_output, tmp_mb, out_mb, threads;
    char *positional[AG_MAX_EXTRA];     /* script (or dataset) and its arguments */
    int npositional;
    char *extra[AG_MAX_EXTRA];          /* command-specific options, passed on verbatim */
    int nextra;
    char error[512];                    /* why the command was refused (for the --json record) */
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
/* Refuse the command: print "sandboxrun CMD: MESSAGE" on stderr and keep the
 * message in o->error for the record. Returns -1. */
int ag_cli_fail(struct ag_run_opts *o, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* 0 if name is a shared flag, 1 if it takes a value, -1 if it is not one. */
int ag_cli_option_arity(const char *name);
/* Print the shared options' help to stdout: --timeout with the command's
 * default, -c only where a command runs code. */
void ag_cli_help(double default_timeout, int with_code);
/* Build the request JSON for a script (code already read) from the options.
 * Returns NULL after ag_cli_fail on a bad input path or two inputs of one name. */
cJSON *ag_cli_request(struct ag_run_opts *o, const char *code, const char *filename,
                      char *const *args, int nargs);

#endif
