/* ag_cmd_ds.c — eda / features / forecast / report / pipeline. */
#include "ag_cmd_ds.h"

#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>

#include "ag_cli.h"
#include "ag_cmd_run.h"
#include "sr_caps.h"
#include "sr_io.h"
#include "sr_paths.h"
#include "sr_status.h"

#define DS_DEFAULT_TIMEOUT 300.0

/* Options each script understands, forwarded verbatim. */
/* --file NAME picks the CSV inside an archive; the CLI uses it, the script
 * never sees it. */
static const struct ag_extra_opt series_opts[] = {
    {"--file", 1}, {"--time-col", 1}, {"--value-col", 1}, {"--freq", 1}, {NULL, 0},
};
static const struct ag_extra_opt feature_opts[] = {
    {"--file", 1}, {"--time-col", 1}, {"--value-col", 1}, {"--freq", 1}, {"--features", 1}, {NULL, 0},
};
static const struct ag_extra_opt model_opts[] = {
    {"--file", 1}, {"--time-col", 1}, {"--value-col", 1}, {"--freq", 1}, {"--features", 1},
    {"--horizon", 1}, {"--trials", 1}, {"--time-budget", 1}, {"--boosting", 0}, {NULL, 0},
};

static void usage(const char *cmd, const struct ag_extra_opt *extra)
{
    printf("usage: sandboxrun %s DATA.csv [OPTIONS]\n"
           "DATA may be a local CSV, an archive or directory holding it (the one .csv in it,\n"
           "or the one --file NAME names), or s3://bucket/key.csv.\n"
           "Runs scripts/%s.py in the jail; the analysis is in the record's blocks and /out\n"
           "(see scripts/README.md for the JSON shapes).%s\n\n"
           "  script options:", cmd, cmd, extra == model_opts ? " Tuning gets 40%% of --timeout." : "");
    for (; extra->name; extra++)
        printf(" %s%s", extra->name, extra->has_arg ? " V" : "");
    printf("\n\n");
    ag_cli_help(DS_DEFAULT_TIMEOUT, 0);
}

/* Read scripts/<cmd>.py from the installation. */
static char *load_script(struct ag_run_opts *o, const char *cmd)
{
    char rel[64];
    char *path, *code;
    struct sr_buf b;

    snprintf(rel, sizeof rel, "scripts/%s.py", cmd);
    path = sr_paths_find(rel);
    if (!path || sr_read_file(path, AG_DS_SCRIPT_MAX, &b) != 0) {
        ag_cli_fail(o, "cannot read %s (is sandboxrun installed completely?)", path ? path : rel);
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

/* Take "--file NAME" out of the options forwarded to the script. */
static const char *take_file_opt(struct ag_run_opts *o)
{
    const char *file = NULL;
    int k = 0;

    for (int i = 0; i < o->nextra; i++) {
        if (strcmp(o->extra[i], "--file") == 0 && i + 1 < o->nextra)
            file = o->extra[++i];
        else
            o->extra[k++] = o->extra[i];
    }
    o->nextra = k;
    return file;
}

static struct {
    size_t root;          /* length of the directory's path, to make names relative */
    int n;
    char first[256], names[400];
} found;

static int note_csv(const char *path, const struct stat *sb, int flag, struct FTW *ftw)
{
    size_t len = strlen(path);

    (void)ftw;
    if (flag != FTW_F || !S_ISREG(sb->st_mode) || len < 4 || strcasecmp(path + len - 4, ".csv") != 0)
        return 0;
    if (found.n++ == 0)
        snprintf(found.first, sizeof found.first, "%s", path + found.root + 1);
    if (found.n <= 4)
        snprintf(found.names + strlen(found.names), sizeof found.names - strlen(found.names), "%s%s",
                 found.n > 1 ? ", " : "", found.n < 4 ? path + found.root + 1 : "...");
    return 0;
}

/* The CSV to analyse when the dataset is a directory (an unpacked archive):
 * the one --file names, else the only *.csv in it. Sets rel ("" when the
 * dataset is a file); 0, or -1 after ag_cli_fail. */
static int pick_csv(struct ag_run_opts *o, const char *data, const char *file, char *rel, size_t len)
{
    struct stat st;
    char path[4096];

    rel[0] = '\0';
    if (stat(data, &st) < 0 || !S_ISDIR(st.st_mode))
        return file ? ag_cli_fail(o, "--file %s: the dataset is not an archive or directory", file) : 0;
    if (file) {
        snprintf(path, sizeof path, "%s/%s", data, file);
        if (file[0] == '/' || strstr(file, "..") || stat(path, &st) < 0 || !S_ISREG(st.st_mode))
            return ag_cli_fail(o, "--file %s: no such file in %s", file, o->positional[0]);
        return snprintf(rel, len, "/%s", file), 0;
    }
    memset(&found, 0, sizeof found);
    found.root = strlen(data);
    if (nftw(data, note_csv, 16, FTW_PHYS) < 0)
        return ag_cli_fail(o, "%s: cannot list the unpacked files", o->positional[0]);
    if (found.n == 0)
        return ag_cli_fail(o, "%s holds no .csv file", o->positional[0]);
    if (found.n > 1)
        return ag_cli_fail(o, "%s holds %d .csv files (%s); name one with --file NAME", o->positional[0],
                           found.n, found.names);
    return snprintf(rel, len, "/%s", found.first), 0;
}

/* The dataset's path in the jail: /work/ and the name its input got. */
static void dataset_path(const cJSON *req, const char *rel, char *buf, size_t len)
{
    const cJSON *ins = cJSON_GetObjectItemCaseSensitive(req, "inputs");
    const cJSON *name = cJSON_GetObjectItemCaseSensitive(cJSON_GetArrayItem(ins, cJSON_GetArraySize(ins) - 1), "name");

    snprintf(buf, len, "/work/%s%s", cJSON_IsString(name) ? name->valuestring : "", rel);
}

static int run_ds(int argc, char **argv, const struct ag_extra_opt *extra, int tuned)
{
    const char *cmd = argv[0];
    char *args[AG_MAX_EXTRA + 4], dataset[4600], rel[4096], budget[32], file[64], *code;
    const char *pick;
    struct ag_run_ctx ctx;
    struct ag_run_opts o;
    int n = 0, st;
    cJSON *req, *arr;

    if (ag_cli_parse(argc, argv, extra, &o) < 0)
        return ag_run_refuse(&o, SR_USAGE_ERROR, o.error, NULL);
    if (o.help)
        return usage(cmd, extra), 0;
    if (o.npositional != 1 || o.code) {
        ag_cli_fail(&o, "%s: give exactly one dataset (see --help)", cmd);
        return ag_run_refuse(&o, SR_USAGE_ERROR, o.error, NULL);
    }
    if (o.ninputs == AG_MAX_INPUTS) {
        ag_cli_fail(&o, "%s: too many inputs", cmd);
        return ag_run_refuse(&o, SR_USAGE_ERROR, o.error, NULL);
    }
    if (!(code = load_script(&o, cmd)))
        return ag_run_refuse(&o, SR_INTERNAL_ERROR, o.error, NULL);
    o.inputs[o.ninputs++] = o.positional[0];   /* the dataset is an input like any other */
    if (o.timeout <= 0)
        o.timeout = DS_DEFAULT_TIMEOUT;
    pick = take_file_opt(&o);
    if ((st = ag_run_prepare(&o, &ctx)) != 0 ||
        (st = pick_csv(&o, o.inputs[o.ninputs - 1], pick, rel, sizeof rel) < 0 ? SR_USAGE_ERROR : 0) != 0) {
        free(code);
        return ag_run_refuse(&o, (enum sr_status)st, o.error, &ctx);
    }
    ctx.input_errors = 1;
    snprintf(file, sizeof file, "%s.py", cmd);
    req = ag_cli_request(&o, code, file, NULL, 0);
    free(code);
    if (!req)
        return ag_run_refuse(&o, SR_USAGE_ERROR, o.error, &ctx);
    dataset_path(req, rel, dataset, sizeof dataset);
    args[n++] = dataset;
    for (int i = 0; i < o.nextra; i++)
        args[n++] = o.extra[i];
    if (tuned)
        add_time_budget(&o, args, &n, budget, sizeof budget);
    arr = cJSON_CreateArray();
    for (int i = 0; i < n; i++)
        cJSON_AddItemToArray(arr, cJSON_CreateString(args[i]));
    cJSON_ReplaceItemInObject(req, "args", arr);
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
    if (ag_cli_parse(1, cmd, NULL, &o) < 0 || !(code = load_script(&o, "libraries")))
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
