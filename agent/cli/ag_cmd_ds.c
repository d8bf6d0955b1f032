/* ag_cmd_ds.c — eda / features / forecast / report / pipeline. */
#include "ag_cmd_ds.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ag_cli.h"
#include "ag_cmd_run.h"
#include "sr_io.h"
#include "sr_paths.h"
#include "sr_status.h"

#define DS_DEFAULT_TIMEOUT 300.0

/* Options each script understands, forwarded verbatim. */
static const struct ag_extra_opt series_opts[] = {
    {"--time-col", 1}, {"--value-col", 1}, {"--freq", 1}, {NULL, 0},
};
static const struct ag_extra_opt feature_opts[] = {
    {"--time-col", 1}, {"--value-col", 1}, {"--freq", 1}, {"--features", 1}, {NULL, 0},
};
static const struct ag_extra_opt model_opts[] = {
    {"--time-col", 1}, {"--value-col", 1}, {"--freq", 1}, {"--features", 1},
    {"--horizon", 1}, {"--trials", 1}, {"--time-budget", 1}, {NULL, 0},
};

static void usage(const char *cmd, const struct ag_extra_opt *extra)
{
    printf("usage: sandboxrun %s DATA.csv [OPTIONS]\n"
           "DATA may be a local CSV, an archive holding it, or s3://bucket/key.csv.\n"
           "Runs scripts/%s.py in the jail; the analysis is in the record's blocks and /out\n"
           "(see scripts/README.md for the JSON shapes). Default --timeout %.0f.\n\n  script options:",
           cmd, cmd, DS_DEFAULT_TIMEOUT);
    for (; extra->name; extra++)
        printf(" %s%s", extra->name, extra->has_arg ? " V" : "");
    printf("\n\n");
    ag_cli_help();
}

/* Read scripts/<cmd>.py from the installation. */
static char *load_script(const char *cmd)
{
    char rel[64];
    char *path, *code;
    struct sr_buf b;

    snprintf(rel, sizeof rel, "scripts/%s.py", cmd);
    path = sr_paths_find(rel);
    if (!path || sr_read_file(path, 1 << 20, &b) != 0) {
        fprintf(stderr, "sandboxrun: cannot read %s (is sandboxrun installed completely?)\n", path ? path : rel);
        free(path);
        return NULL;
    }
    free(path);
    code = sr_buf_steal(&b, NULL);
    return code;
}

/* Tuning gets the share of the timeout the script may spend searching. */
static void add_time_budget(const struct ag_run_opts *o, char **args, int *n, char *buf, size_t len)
{
    for (int i = 0; i < o->nextra; i++)
        if (strcmp(o->extra[i], "--time-budget") == 0)
            return;
    snprintf(buf, len, "%.0f", (o->timeout > 0 ? o->timeout : DS_DEFAULT_TIMEOUT) * 0.4);
    args[(*n)++] = "--time-budget";
    args[(*n)++] = buf;
}

static int run_ds(int argc, char **argv, const struct ag_extra_opt *extra, int tuned)
{
    const char *cmd = argv[0], *data, *slash;
    char *args[AG_MAX_EXTRA + 4], dataset[512], budget[32], file[64], *code;
    struct ag_run_ctx ctx;
    struct ag_run_opts o;
    int n = 0;
    cJSON *req;

    if (ag_cli_parse(argc, argv, extra, &o) < 0)
        return SR_EXIT_USAGE;
    if (o.help)
        return usage(cmd, extra), 0;
    if (o.npositional != 1 || o.code)
        return fprintf(stderr, "sandboxrun %s: give exactly one dataset (see --help)\n", cmd), SR_EXIT_USAGE;
    if (!(code = load_script(cmd)))
        return sr_status_exit_code(SR_INTERNAL_ERROR);
    if (o.ninputs == AG_MAX_INPUTS)
        return free(code), fprintf(stderr, "sandboxrun %s: too many inputs\n", cmd), SR_EXIT_USAGE;
    o.inputs[o.ninputs++] = o.positional[0];   /* the dataset is an input like any other */
    if (o.timeout <= 0)
        o.timeout = DS_DEFAULT_TIMEOUT;
    if (ag_run_prepare(&o, &ctx) < 0) {
        free(code);
        ag_run_and_report(&o, NULL, &ctx);
        return SR_EXIT_USAGE;
    }
    data = o.inputs[o.ninputs - 1];
    slash = strrchr(data, '/');
    snprintf(dataset, sizeof dataset, "/work/%s", slash ? slash + 1 : data);
    args[n++] = dataset;
    for (int i = 0; i < o.nextra; i++)
        args[n++] = o.extra[i];
    if (tuned)
        add_time_budget(&o, args, &n, budget, sizeof budget);
    snprintf(file, sizeof file, "%s.py", cmd);
    req = ag_cli_request(&o, code, file, args, n);
    free(code);
    return ag_run_and_report(&o, req, &ctx);
}

int ag_cmd_eda(int argc, char **argv) { return run_ds(argc, argv, series_opts, 0); }
int ag_cmd_features(int argc, char **argv) { return run_ds(argc, argv, feature_opts, 0); }
int ag_cmd_forecast(int argc, char **argv) { return run_ds(argc, argv, model_opts, 1); }
int ag_cmd_report(int argc, char **argv) { return run_ds(argc, argv, model_opts, 1); }
int ag_cmd_pipeline(int argc, char **argv) { return run_ds(argc, argv, model_opts, 1); }

/* check --libraries [--json]: scripts/libraries.py in the jail, so the answer
 * is what a script there can import (not what the host has). */
int ag_cmd_libraries(int argc, char **argv)
{
    char *cmd[] = {"check"}, *args[1] = {"--json"};
    struct ag_run_ctx ctx;
    struct ag_run_opts o;
    int json = 0;
    char *code;
    cJSON *req;

    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--json") == 0)
            json = 1;
        else if (strcmp(argv[i], "--libraries") != 0)
            return fprintf(stderr, "sandboxrun check --libraries: unknown option '%s'\n", argv[i]), SR_EXIT_USAGE;
    }
    if (ag_cli_parse(1, cmd, NULL, &o) < 0 || !(code = load_script("libraries")))
        return sr_status_exit_code(SR_INTERNAL_ERROR);
    if (ag_run_prepare(&o, &ctx) < 0) {
        free(code);
        ag_run_and_report(&o, NULL, &ctx);
        return SR_EXIT_USAGE;
    }
    req = ag_cli_request(&o, code, "libraries.py", args, json);
    free(code);
    return ag_run_and_report(&o, req, &ctx);
}
