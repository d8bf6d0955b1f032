/* ag_cmd_run.c — run a script file (or -c CODE) jailed and report the outcome. */
#include "ag_cmd_run.h"

#include <errno.h>
#include <ftw.h>
#include <sys/stat.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "ag_artifacts.h"
#include "ag_audit.h"
#include "ag_cli_audit.h"
#include "ag_cmd_s3.h"
#include "ag_runner.h"
#include "ag_server.h"
#include "sr_caps.h"
#include "sr_io.h"
#include "sr_status.h"
#include "sr_tty.h"


static void usage(void)
{
    printf("usage: sandboxrun [run] [OPTIONS] SCRIPT.py [-- ARGS...]\n"
           "       sandboxrun [run] [OPTIONS] -c CODE [-- ARGS...]\n"
           "Runs the script in a fresh jail (embedded CPython with numpy, pandas, scipy,\n"
           "statsmodels, scikit-learn, plotly). SCRIPT may be - for standard input.\n\n");
    ag_cli_help(AG_RUN_DEFAULT_TIMEOUT, 1);
}

/* Read the script (capped); returns a NUL-free string or NULL after ag_cli_fail. */
static char *read_script(struct ag_run_opts *o, const char *path)
{
    struct sr_buf b;
    const char *nul;
    int rc, line = 1;

    if (strcmp(path, "-") == 0) {
        sr_buf_init(&b, AG_SCRIPT_MAX);
        rc = sr_read_all(0, &b);
    } else {
        rc = sr_read_file(path, AG_SCRIPT_MAX, &b);
    }
    if (rc != 0) {
        ag_cli_fail(o, "%s: %s", path, rc > 0 ? "larger than 8 MiB" : strerror(errno));
        sr_buf_reset(&b);
        return NULL;
    }
    if (b.data && (nul = memchr(b.data, '\0', b.len))) {   /* as CPython: source code cannot contain null bytes */
        for (const char *p = b.data; (p = memchr(p, '\n', (size_t)(nul - p))); p++)
            line++;
        ag_cli_fail(o, "%s: line %d contains a NUL byte (at byte offset %zu); not a Python source file", path, line,
                    (size_t)(nul - b.data));
        sr_buf_reset(&b);
        return NULL;
    }
    return sr_buf_steal(&b, NULL);
}

/* Print the script's text on f: on a terminal with its control sequences
 * shown, not obeyed (sr_tty), unless raw. */
static void show(FILE *f, const char *a, const char *text, const char *z, int raw)
{
    struct sr_tty_filter tf = {0, 0};

    fputs(a, f);
    if (raw || !isatty(fileno(f))) {
        fputs(text, f);
    } else {
        fflush(f);
        (void)sr_tty_write(fileno(f), &tf, text, strlen(text));
        (void)sr_tty_flush(fileno(f), &tf);
    }
    fputs(z, f);
}

/* A daemon run cannot stream: print what the script printed once the record
 * is back, as a cold run's terminal shows it: JSON blocks as printed, a
 * display item's plain text, one line for HTML and images. (The text and
 * the blocks come back separated, so they print text first.) */
static void replay_output(const cJSON *rec, int raw)
{
    const cJSON *out = cJSON_GetObjectItemCaseSensitive(rec, "stdout");
    const cJSON *err = cJSON_GetObjectItemCaseSensitive(rec, "stderr");
    const cJSON *b;

    if (cJSON_IsString(out))
        show(stdout, "", out->valuestring, "", raw);
    cJSON_ArrayForEach(b, cJSON_GetObjectItemCaseSensitive(rec, "blocks")) {
        const cJSON *type = cJSON_GetObjectItemCaseSensitive(b, "type"), *v = cJSON_GetObjectItemCaseSensitive(b, "value");
        char *json = cJSON_IsString(type) && strcmp(type->valuestring, "json") == 0 ? cJSON_PrintUnformatted(v) : NULL;
        if (json)
            show(stdout, "===JSON_START===\n", json, "\n===JSON_END===\n", raw);
        else if (cJSON_IsString(type) && strcmp(type->valuestring, "html") == 0 && cJSON_IsString(v))
            printf("[html block, %zu bytes: in the record's blocks (--json), not printed]\n", strlen(v->valuestring));
        free(json);
    }
    cJSON_ArrayForEach(b, cJSON_GetObjectItemCaseSensitive(rec, "results")) {
        const char *mime = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(b, "mimeType"));
        const char *text = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(b, "text"));
        if (mime && text && strcmp(mime, "text/plain") == 0)
            show(stdout, "", text, "\n", raw);
        else if (mime)
            printf("[%.60s: in the record's results (--json)]\n", mime);
    }
    b = cJSON_GetObjectItemCaseSensitive(rec, "resultsDropped");
    if (cJSON_IsNumber(b))
        printf("[%.0f more display items were not kept (the record's resultsDropped)]\n", b->valuedouble);
    fflush(stdout);
    if (cJSON_IsString(err))
        show(stderr, "", err->valuestring, "", raw);
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

/* The short summary a plain run ends with: which files the script wrote to
 * /out, and where they are now, or that they were not kept. */
static void list_files(const cJSON *rec, const char *out_dir, int uploaded)
{
    const cJSON *files = cJSON_GetObjectItemCaseSensitive(rec, "files"), *f;
    int n = cJSON_GetArraySize(files), i = 0;

    if (n == 0)
        return;
    fprintf(stderr, "sandboxrun: %d file%s written to /out:", n, n == 1 ? "" : "s");
    cJSON_ArrayForEach(f, files) {
        if (i++ == 8) {
            fprintf(stderr, " ...");
            break;
        }
        fprintf(stderr, " %s (%.0f bytes)", cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(f, "path")) ?: "?",
                cJSON_GetNumberValue(cJSON_GetObjectItemCaseSensitive(f, "size")));
    }
    if (out_dir)
        fprintf(stderr, "\nsandboxrun: output files are in %s\n", out_dir);
    else if (uploaded)
        fprintf(stderr, "\n");
    else
        fprintf(stderr, "\nsandboxrun: they were not kept: pass --out DIR to keep them\n");
}

int ag_run_prepare(struct ag_run_opts *o, struct ag_run_ctx *ctx)
{
    int rc;

    char err[600];

    memset(ctx, 0, sizeof *ctx);
    if (ag_audit_open(o->audit, o->audit_code, err, sizeof err) < 0)
        return ag_cli_fail(o, "%s", err), SR_USAGE_ERROR;
    if ((rc = ag_inputs_stage(o, &ctx->staging)) != 0)
        return rc == AG_INPUTS_S3 ? SR_S3_ERROR : SR_USAGE_ERROR;
    if ((o->upload || o->out_archive) && !o->out_dir) {
        snprintf(ctx->tmp_out, sizeof ctx->tmp_out, "/tmp/sandboxrun-out-XXXXXX");
        if (!mkdtemp(ctx->tmp_out)) {
            ag_cli_fail(o, "cannot create a temporary out dir: %s", strerror(errno));
            ctx->tmp_out[0] = '\0';
            return SR_INTERNAL_ERROR;
        }
        o->out_dir = ctx->tmp_out;
    }
    if (o->upload && strncmp(o->upload, "s3://", 5) != 0)
        return ag_cli_fail(o, "--upload wants s3://bucket/prefix/, not '%s'", o->upload), SR_USAGE_ERROR;
    return 0;
}

static int remove_entry(const char *path, const struct stat *sb, int flag, struct FTW *ftw)
{
    (void)sb, (void)flag, (void)ftw;
    return remove(path) < 0 && errno != ENOENT ? -1 : 0;
}

static void cleanup(struct ag_run_ctx *ctx)
{
    ag_inputs_cleanup(&ctx->staging);
    if (ctx->tmp_out[0])
        nftw(ctx->tmp_out, remove_entry, 16, FTW_DEPTH | FTW_PHYS);
    ctx->tmp_out[0] = '\0';
}

int ag_run_refuse(const struct ag_run_opts *o, enum sr_status st, const char *why, struct ag_run_ctx *ctx)
{
    cJSON *rec = o->json ? cJSON_CreateObject() : NULL;
    char *text;

    if (rec) {
        cJSON_AddStringToObject(rec, "status", sr_status_name(st));
        cJSON_AddNullToObject(rec, "exitCode");
        cJSON_AddNullToObject(rec, "signal");
        cJSON_AddStringToObject(rec, "stdout", "");
        cJSON_AddStringToObject(rec, "stderr", "");
        cJSON_AddFalseToObject(rec, "stdoutTruncated");
        cJSON_AddFalseToObject(rec, "stderrTruncated");
        cJSON_AddArrayToObject(rec, "blocks");
        cJSON_AddArrayToObject(rec, "files");
        cJSON_AddStringToObject(rec, "message", why && why[0] ? why : "refused (see stderr)");
        if ((text = cJSON_Print(rec)))
            printf("%s\n", text);
        free(text);
        cJSON_Delete(rec);
    }
    if (ctx)
        cleanup(ctx);
    return sr_status_exit_code(st);
}

/* --out-archive and --upload, once the run produced its files. 0 or -1. */
static int handle_outputs(const struct ag_run_opts *o, cJSON *rec)
{
    cJSON *urls, *report;

    if (o->out_archive && ag_artifacts_pack(o->out_dir, o->out_archive) < 0)
        return -1;
    if (!o->upload)
        return 0;
    urls = ag_artifacts_upload(o->out_dir, rec, o->upload, o->expires ? o->expires : AG_CMD_S3_DEFAULT_EXPIRES);
    if (!urls)
        return -1;
    report = cJSON_GetObjectItemCaseSensitive(urls, "report");
    if (!o->json)
        printf("%s\n", cJSON_GetObjectItemCaseSensitive(urls, report ? "report" : "bundle")->valuestring);
    cJSON_AddItemToObject(rec, "upload", urls);
    return 0;
}

/* A data-science script that refused its input (exit status 2 and an error
 * block) did not run the analysis: the record says usage_error, its error
 * names the code, and the CLI exits 2 as for any other bad input. */
static enum sr_status input_refused(cJSON *rec, enum sr_status st)
{
    const cJSON *code = cJSON_GetObjectItemCaseSensitive(rec, "exitCode");
    const cJSON *blocks = cJSON_GetObjectItemCaseSensitive(rec, "blocks");
    const cJSON *last = cJSON_GetArrayItem(blocks, cJSON_GetArraySize(blocks) - 1);
    const cJSON *e = cJSON_GetObjectItemCaseSensitive(cJSON_GetObjectItemCaseSensitive(last, "value"), "error");
    const cJSON *ecode = cJSON_GetObjectItemCaseSensitive(e, "code"), *msg = cJSON_GetObjectItemCaseSensitive(e, "message");
    cJSON *err;

    if (st != SR_ERROR || !cJSON_IsNumber(code) || code->valueint != 2 || !cJSON_IsString(ecode) ||
        !cJSON_IsString(msg) || cJSON_GetObjectItemCaseSensitive(rec, "error"))
        return st;
    err = cJSON_CreateObject();
    cJSON_AddStringToObject(err, "type", "InputError");
    cJSON_AddStringToObject(err, "code", ecode->valuestring);
    cJSON_AddStringToObject(err, "message", msg->valuestring);
    cJSON_AddItemToObject(rec, "error", err);
    cJSON_ReplaceItemInObject(rec, "status", cJSON_CreateString(sr_status_name(SR_USAGE_ERROR)));
    return SR_USAGE_ERROR;
}

int ag_run_and_report(const struct ag_run_opts *o, cJSON *req, struct ag_run_ctx *ctx)
{
    cJSON *rec = NULL, *status;
    char err[512] = "the run was not prepared";
    const char *server = ag_server_socket(o->server);
    struct ag_cli_audit audit;
    enum sr_status st;
    int rc;

    if (server && req)
        cJSON_ReplaceItemInObject(req, "passthrough", cJSON_CreateBool(0));
    ag_cli_audit_begin(&audit, o, req, server != NULL);
    rc = !req ? -1 : server ? ag_server_exec(server, req, &rec, err, sizeof err)
                            : ag_runner_exec(req, !o->json, NULL, &rec, err, sizeof err);
    if (rc == 0 && server && !o->json)
        replay_output(rec, o->raw);

    cJSON_Delete(req);
    if (rc < 0) {
        fprintf(stderr, "sandboxrun: %s\n", err);
        ag_cli_audit_end(&audit, NULL, err);
        return ag_run_refuse(o, SR_INTERNAL_ERROR, err, ctx);
    }
    status = cJSON_GetObjectItemCaseSensitive(rec, "status");
    st = sr_status_from_name(cJSON_IsString(status) ? status->valuestring : NULL);
    if (ctx->input_errors)
        st = input_refused(rec, st);
    if (handle_outputs(o, rec) < 0)
        rc = -1;
    ag_cli_audit_end(&audit, rec, NULL);
    if (o->json) {
        char *text = cJSON_Print(rec);
        if (text)
            printf("%s\n", text);
        free(text);
    } else {
        summarize(rec, st);
    }
    if (!o->json)
        list_files(rec, o->out_dir && !ctx->tmp_out[0] ? o->out_dir : NULL, ctx->tmp_out[0] != 0);
    cJSON_Delete(rec);
    cleanup(ctx);
    /* the run's own outcome wins; a failed upload of an ok run is exit 9 */
    return st == SR_OK && rc < 0 ? AG_CMD_S3_EXIT_S3 : sr_status_exit_code(st);
}

int ag_cmd_run(int argc, char **argv)
{
    struct ag_run_ctx ctx;
    struct ag_run_opts o;
    const char *name;
    char *code, *slash;
    cJSON *req;
    int first_arg, st;

    if (ag_cli_parse(argc, argv, NULL, &o) < 0)
        return ag_run_refuse(&o, SR_USAGE_ERROR, o.error, NULL);
    if (o.help)
        return usage(), 0;
    if (!o.code && o.npositional == 0) {
        ag_cli_fail(&o, "no script given (see sandboxrun --help)");
        return ag_run_refuse(&o, SR_USAGE_ERROR, o.error, NULL);
    }
    code = o.code ? sr_xstrdup(o.code) : read_script(&o, o.positional[0]);
    if (!code)
        return ag_run_refuse(&o, SR_USAGE_ERROR, o.error, NULL);
    if ((st = ag_run_prepare(&o, &ctx)) != 0) {
        free(code);
        return ag_run_refuse(&o, (enum sr_status)st, o.error, &ctx);
    }
    first_arg = o.code ? 0 : 1;
    name = o.code ? "<string>" : o.positional[0];
    slash = strrchr(name, '/');
    req = ag_cli_request(&o, code, strcmp(name, "-") == 0 ? "<stdin>" : slash ? slash + 1 : name,
                         o.positional + first_arg, o.npositional - first_arg);
    free(code);
    if (!req)
        return ag_run_refuse(&o, SR_USAGE_ERROR, o.error, &ctx);
    return ag_run_and_report(&o, req, &ctx);
}
