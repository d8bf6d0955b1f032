/* ag_cmd_run.c — run a script file (or -c CODE) jailed and report the outcome. */
#include "ag_cmd_run.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ag_runner.h"
#include "sr_io.h"
#include "sr_status.h"

#define MAX_SCRIPT (8u << 20)

static void usage(void)
{
    printf("usage: sandboxrun [run] [OPTIONS] SCRIPT.py [-- ARGS...]\n"
           "       sandboxrun [run] [OPTIONS] -c CODE [-- ARGS...]\n"
           "Runs the script in a fresh jail (embedded CPython with numpy, pandas, scipy,\n"
           "statsmodels, scikit-learn, plotly). SCRIPT may be - for standard input.\n\n");
    ag_cli_help();
}

/* Read the script (capped); returns a NUL-free string or NULL after a message. */
static char *read_script(const char *path)
{
    struct sr_buf b;
    int rc;

    if (strcmp(path, "-") == 0) {
        sr_buf_init(&b, MAX_SCRIPT);
        rc = sr_read_all(0, &b);
    } else {
        rc = sr_read_file(path, MAX_SCRIPT, &b);
    }
    if (rc != 0) {
        fprintf(stderr, "sandboxrun: %s: %s\n", path, rc > 0 ? "larger than 8 MiB" : strerror(errno));
        sr_buf_reset(&b);
        return NULL;
    }
    if (b.data && memchr(b.data, '\0', b.len)) {
        fprintf(stderr, "sandboxrun: %s: contains NUL bytes; not a Python source file\n", path);
        sr_buf_reset(&b);
        return NULL;
    }
    return sr_buf_steal(&b, NULL);
}

static void summarize(const cJSON *rec, enum sr_status st)
{
    const cJSON *msg = cJSON_GetObjectItemCaseSensitive(rec, "message");
    const cJSON *files = cJSON_GetObjectItemCaseSensitive(rec, "files");
    const cJSON *skipped = cJSON_GetObjectItemCaseSensitive(rec, "skippedFiles");

    if (st != SR_OK && st != SR_ERROR)
        fprintf(stderr, "sandboxrun: %s%s%s\n", sr_status_name(st), cJSON_IsString(msg) ? ": " : "",
                cJSON_IsString(msg) ? msg->valuestring : "");
    else if (cJSON_IsString(msg))
        fprintf(stderr, "sandboxrun: %s\n", msg->valuestring);
    if (cJSON_GetArraySize(skipped) > 0)
        fprintf(stderr, "sandboxrun: %d entries in /out were skipped (see --json)\n", cJSON_GetArraySize(skipped));
    (void)files;
}

int ag_run_and_report(const struct ag_run_opts *o, cJSON *req)
{
    cJSON *rec = NULL, *status;
    char err[512];
    enum sr_status st;
    int rc = ag_runner_exec(req, !o->json, &rec, err, sizeof err);

    cJSON_Delete(req);
    if (rc < 0) {
        fprintf(stderr, "sandboxrun: %s\n", err);
        return sr_status_exit_code(SR_INTERNAL_ERROR);
    }
    status = cJSON_GetObjectItemCaseSensitive(rec, "status");
    st = sr_status_from_name(cJSON_IsString(status) ? status->valuestring : NULL);
    if (o->json) {
        char *text = cJSON_Print(rec);
        if (text)
            printf("%s\n", text);
        free(text);
    } else {
        summarize(rec, st);
    }
    if (o->out_dir && !o->json)
        fprintf(stderr, "sandboxrun: output files are in %s\n", o->out_dir);
    cJSON_Delete(rec);
    return sr_status_exit_code(st);
}

int ag_cmd_run(int argc, char **argv)
{
    struct ag_run_opts o;
    const char *name;
    char *code, *slash;
    cJSON *req;
    int first_arg;

    if (ag_cli_parse(argc, argv, NULL, &o) < 0)
        return SR_EXIT_USAGE;
    if (o.help)
        return usage(), 0;
    if (!o.code && o.npositional == 0)
        return fprintf(stderr, "sandboxrun: no script given (see sandboxrun --help)\n"), SR_EXIT_USAGE;
    code = o.code ? sr_xstrdup(o.code) : read_script(o.positional[0]);
    if (!code)
        return SR_EXIT_USAGE;
    first_arg = o.code ? 0 : 1;
    name = o.code ? "<string>" : o.positional[0];
    slash = strrchr(name, '/');
    req = ag_cli_request(&o, code, strcmp(name, "-") == 0 ? "<stdin>" : slash ? slash + 1 : name,
                         o.positional + first_arg, o.npositional - first_arg);
    free(code);
    if (!req)
        return SR_EXIT_USAGE;
    return ag_run_and_report(&o, req);
}
