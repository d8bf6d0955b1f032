/* ag_mcp_run.c — the tools that run code: execute_code, execute_command,
 * the analysis tools (run_eda ... run_pipeline), and upload_artifact.
 *
 * One-shot runs go to a fresh supervisor (ag_runner_exec with a job, cancellable),
 * or to the warm daemon named by $SANDBOXRUN_SOCKET (ag_server_exec_job);
 * runs with sessionId go to the session. Inputs (host paths, s3:// objects,
 * session files, inline content) are fetched here, on the orchestrator side,
 * and mounted read-only; the jail never downloads or uploads anything. */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "ag_cmd_s3.h"
#include "ag_datadirs.h"
#include "ag_mcp_policy.h"
#include "ag_mcp_result.h"
#include "ag_server.h"
#include "ag_mcp_rpc.h"
#include "ag_mcp_session.h"
#include "ag_mcp_store.h"
#include "ag_mcp_tools.h"
#include "sr_env.h"
#include "sr_io.h"
#include "sr_log.h"
#include "sr_paths.h"

#define DEFAULT_TIMEOUT 60.0
#define ANALYSIS_TIMEOUT 600.0

/* Everything one run needs on the host side; freed by job_free. */
struct job {
    cJSON *inputs;                 /* [{"path","name"}] */
    char scratch[PATH_MAX];        /* inputs we made (inline files, downloads) */
    unsigned ndownloads;           /* s3:// objects fetched so far: scratch/.s3-N/ */
    char out_id[64], out_dir[PATH_MAX];
    struct ag_mcp_sess *sess;
    const char *tenant;            /* whose call (ag_mcp_policy); NULL the local user */
};

static void job_free(struct job *j)
{
    cJSON_Delete(j->inputs);
    if (j->scratch[0])
        ag_mcp_store_remove(j->scratch);
    if (j->sess)
        ag_mcp_session_release(j->sess);
}

static const char *arg_str(const cJSON *args, const char *key)
{
    return cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(args, key));
}

static double arg_num(const cJSON *args, const char *key, double dflt)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(args, key);

    return cJSON_IsNumber(v) ? v->valuedouble : dflt;
}

/* A file name for /work: one path component, nothing odd. */
static int plain_name(const char *name)
{
    return name[0] && name[0] != '.' && !strchr(name, '/') && strlen(name) < 256;
}

static const char *base_name(const char *p)
{
    const char *s = strrchr(p, '/');

    return s && s[1] ? s + 1 : p;
}

static int ensure_scratch(struct job *j, char *err, size_t errlen)
{
    return j->scratch[0] ? 0 : ag_mcp_store_new_scratch(j->scratch, sizeof j->scratch, err, errlen);
}

static void add_input(struct job *j, const char *path, const char *name)
{
    cJSON *in = cJSON_CreateObject();

    if (!j->inputs)
        j->inputs = cJSON_CreateArray();
    cJSON_AddStringToObject(in, "path", path);
    cJSON_AddStringToObject(in, "name", name);
    cJSON_AddItemToArray(j->inputs, in);
}

/* Whether /work/NAME is already taken by an input. */
static int name_taken(const struct job *j, const char *name)
{
    const cJSON *in;

    cJSON_ArrayForEach(in, j->inputs)
        if (strcmp(arg_str(in, "name") ?: "", name) == 0)
            return 1;
    return 0;
}

/* A new empty directory in scratch for one download (.s3-N): objects with
 * the same base name (s3://a/d.csv, s3://b/d.csv) or an inline file of that
 * name must never land on each other's path. */
static int download_dir(struct job *j, char *dir, size_t dirlen, char *err, size_t errlen)
{
    if (ensure_scratch(j, err, errlen) < 0)
        return -1;
    /* a leading dot: plain_name refuses it, so no inline file can take it */
    snprintf(dir, dirlen, "%s/.s3-%u", j->scratch, j->ndownloads++);
    if (mkdir(dir, 0700) < 0)
        return snprintf(err, errlen, "cannot create a download directory: %s", strerror(errno)), -1;
    return 0;
}

/* Resolve a dataset/source: s3:// is downloaded into scratch, a host path
 * must be a regular file inside a --data directory (ag_datadirs). The local
 * path goes to out. */
static int fetch_source(struct job *j, const char *src, char *out, size_t outlen, char *err, size_t errlen)
{
    char dir[PATH_MAX];

    if (strncmp(src, "s3://", 5) == 0) {
        const char *name = base_name(src + 5);
        if (!plain_name(name) || strchr(src + 5, '/') == NULL)
            return snprintf(err, errlen, "%.200s does not name an object (s3://bucket/key)", src), -1;
        if (ag_mcp_policy_s3(j->tenant, src, err, errlen) < 0)
            return -1;
        if (download_dir(j, dir, sizeof dir, err, errlen) < 0)
            return -1;
        snprintf(out, outlen, "%s/%s", dir, name);
        if (ag_cmd_s3_fetch(src, out, err, errlen) != AG_S3_OK)
            return -1;
        return 0;
    }
    if (src[0] != '/')
        return snprintf(err, errlen, "'%.200s' must be an absolute host path or an s3:// URI (or pass sessionId "
                        "for a session path)", src), -1;
    return ag_datadirs_check(src, out, outlen, err, errlen);   /* only inside the operator's --data dirs */
}

/* The bytes of an inline file ({content, encoding}); caller frees. */
static unsigned char *inline_bytes(const cJSON *f, size_t *n)
{
    const char *content = arg_str(f, "content") ?: "", *enc = arg_str(f, "encoding");

    if (enc && strcmp(enc, "base64") == 0)
        return ag_mcp_unbase64(content, n);
    *n = strlen(content);
    return (unsigned char *)sr_xstrdup(content);
}

/* A files[] entry is {source} or {name, content}: 1 with a source fetched
 * to path, 0 for content, -1 with err set. */
static int entry_source(struct job *j, const cJSON *f, char *path, size_t pathlen, char *err, size_t errlen)
{
    const char *src = arg_str(f, "source");

    if (!src == !arg_str(f, "content"))
        return snprintf(err, errlen, "each file needs either source, or name and content"), -1;
    if (!src)
        return 0;
    return fetch_source(j, src, path, pathlen, err, errlen) < 0 ? -1 : 1;
}

/* One-shot: each files[] entry becomes a read-only /work/NAME input. */
static int files_as_inputs(struct job *j, const cJSON *files, char *err, size_t errlen)
{
    const cJSON *f;
    char path[PATH_MAX * 2];

    cJSON_ArrayForEach(f, files) {
        const char *name = arg_str(f, "name");
        unsigned char *data;
        size_t n;
        int fetched = entry_source(j, f, path, sizeof path, err, errlen);
        if (fetched < 0)
            return -1;
        if (fetched) {
            name = name ? name : base_name(path);
        } else {
            if (!name || !plain_name(name) || ensure_scratch(j, err, errlen) < 0)
                return name && plain_name(name) ? -1 : (snprintf(err, errlen, "file name '%.100s' must be one plain "
                                                                 "path component", name ? name : ""), -1);
            if (!(data = inline_bytes(f, &n)))
                return snprintf(err, errlen, "the content of %s is not valid base64", name), -1;
            snprintf(path, sizeof path, "%s/%s", j->scratch, name);
            n = ag_mcp_store_write(path, data, n, err, errlen);
            free(data);
            if (n != 0)
                return -1;
        }
        if (!plain_name(name) || name_taken(j, name))
            return snprintf(err, errlen, "file name '%.100s' is not a plain name, or is given twice", name), -1;
        add_input(j, path, name);
    }
    return 0;
}

/* The bytes of one files[] entry of a session call, and its name; caller
 * frees *data. 0, or -1 with err set. */
static int session_file(struct job *j, const cJSON *f, const char **name, unsigned char **data, size_t *n,
                        char *err, size_t errlen)
{
    const char *src = arg_str(f, "source");
    char path[PATH_MAX * 2];
    struct sr_buf b = {0};
    int rc;

    *name = arg_str(f, "name");
    *data = NULL;
    if ((rc = entry_source(j, f, path, sizeof path, err, errlen)) < 0)
        return -1;
    if (rc) {
        if ((rc = sr_read_file(path, AG_MCP_FILES_MAX, &b)) != 0) {
            snprintf(err, errlen, "%s: %s", src, rc > 0 ? "larger than 8 MiB" : strerror(errno));
            return sr_buf_reset(&b), -1;
        }
        *name = *name ? *name : base_name(path);
        *data = (unsigned char *)sr_buf_steal(&b, n);
    } else if (!(*data = inline_bytes(f, n))) {
        return snprintf(err, errlen, "the content of %s is not valid base64", *name ? *name : "a file"), -1;
    }
    if (!*name || !plain_name(*name)) {
        free(*data);
        return snprintf(err, errlen, "file name '%.100s' must be one plain path component", *name ? *name : ""), -1;
    }
    return 0;
}

/* Session: each files[] entry goes to /tmp/NAME in the session, as the
 * "before" helper of req (written in the same trip as the code), or, past
 * the line's budget, by a write of its own now. */
static int files_into_session(struct job *j, struct ag_mcp_call *c, const cJSON *files, cJSON *req, char *err,
                              size_t errlen)
{
    size_t used = strlen(arg_str(req, "code") ?: "");
    const cJSON *f;
    cJSON *list = NULL;
    char dest[320];

    cJSON_ArrayForEach(f, files) {
        const char *name;
        unsigned char *data;
        size_t n;
        int rc = 0;
        if (session_file(j, f, &name, &data, &n, err, errlen) < 0)
            return -1;
        snprintf(dest, sizeof dest, "/tmp/%s", name);
        ag_mcp_call_note_input(c, dest, NULL, data ? data : (unsigned char *)"", n);
        if (n > AG_MCP_SESSION_PUT_MAX) {
            rc = -1;
            snprintf(err, errlen, "cannot write %s in the session: %s: %zu bytes; a file put into a session is at most "
                     "%u MiB", dest, dest, n, AG_MCP_SESSION_PUT_MAX >> 20);
        } else if (used + n / 3 * 4 + 4 + 512 <= AG_MCP_SESSION_LINE_BUDGET) {
            char *b64 = ag_mcp_base64(data ? data : (unsigned char *)"", n);
            if (b64) {
                cJSON *one = cJSON_CreateObject();
                used += n / 3 * 4 + 4 + 512;
                if (!list)
                    list = cJSON_CreateArray();
                cJSON_AddStringToObject(one, "path", dest);
                cJSON_AddStringToObject(one, "content", b64);
                cJSON_AddStringToObject(one, "encoding", "base64");
                cJSON_AddItemToArray(list, one);
                free(b64);
            } else {
                rc = -1;
                snprintf(err, errlen, "cannot write %s in the session: out of memory", dest);
            }
        } else {
            rc = ag_mcp_session_put_file(j->sess, c, dest, data ? data : (unsigned char *)"", n, err, errlen);
        }
        free(data);
        if (rc < 0)
            return cJSON_Delete(list), -1;
    }
    if (list) {
        cJSON *before = cJSON_AddObjectToObject(req, "before");
        cJSON_AddStringToObject(before, "op", "write");
        cJSON_AddBoolToObject(before, "strict", 1);
        cJSON_AddItemToObject(before, "files", list);
    }
    return 0;
}

/* Why the "before" helper's writes (answer, taken) failed, into err: -1,
 * or 0 if they did not. No answer when one was asked for is a failure. */
static int files_written(cJSON *answer, int asked, char *err, size_t errlen)
{
    const cJSON *f;
    int rc = asked && !answer ? -1 : 0;

    if (rc < 0)
        snprintf(err, errlen, "the session did not answer");
    cJSON_ArrayForEach(f, cJSON_GetObjectItemCaseSensitive(answer, "files"))
        if (rc == 0 && arg_str(f, "error")) {
            snprintf(err, errlen, "cannot write %s in the session: %s", arg_str(f, "path") ?: "?", arg_str(f, "error"));
            rc = -1;
        }
    cJSON_Delete(answer);
    return rc;
}

/* Run a request one-shot for call c; the record, never NULL. */
static cJSON *run_oneshot(struct ag_mcp_call *c, struct job *j, cJSON *req)
{
    cJSON *rec = NULL;
    const cJSON *in;
    char err[512];

    cJSON_ArrayForEach(in, j->inputs)   /* the files as mounted: what the run read */
        ag_mcp_call_note_input(c, arg_str(in, "name"), arg_str(in, "path"), NULL, 0);
    cJSON_AddItemToObject(req, "inputs", j->inputs ? j->inputs : cJSON_CreateArray());
    j->inputs = NULL;
    cJSON_AddStringToObject(req, "outDir", j->out_dir);
    cJSON_AddNumberToObject(req, "timeout", c->timeout);
    cJSON_AddBoolToObject(req, "passthrough", 0);
    /* a warm daemon named by $SANDBOXRUN_SOCKET serves it in milliseconds */
    if ((ag_server_socket(NULL) ? ag_server_exec_job(ag_server_socket(NULL), req, &c->job, &rec, err, sizeof err)
                                : ag_runner_exec(req, 0, &c->job, &rec, err, sizeof err)) < 0)
        rec = ag_mcp_record_internal(err);
    cJSON_Delete(req);
    return rec;
}

/* Run req (taken; "code" or a "call") in the job's session, the call's
 * files written before it and the /out images it made collected after it,
 * all in one trip into the jail. The CallToolResult. */
static cJSON *run_in_session(struct ag_mcp_call *c, struct job *j, cJSON *req, const char *sid)
{
    const cJSON *files = cJSON_GetObjectItemCaseSensitive(c->args, "files");
    cJSON *rec = NULL, *images, *result;
    char why[600];
    int asked;

    if (files_into_session(j, c, files, req, why, sizeof why) < 0) {
        cJSON_Delete(req);
        return ag_mcp_result_error("Could not provide the files: %s", why);
    }
    asked = cJSON_GetObjectItemCaseSensitive(req, "before") != NULL;
    /* PNGs the call wrote or changed in the session's /out come back as images */
    cJSON_AddItemToObject(req, "after", ag_mcp_session_images_helper(j->sess, AG_MCP_IMAGES_MAX, AG_MCP_IMAGE_MAX));
    if (ag_mcp_session_run(j->sess, c, req, c->timeout, &rec, why, sizeof why) < 0) {
        cJSON_Delete(req);
        return ag_mcp_result_record(ag_mcp_record_internal(why), NULL, NULL, sid, c->tenant);
    }
    cJSON_Delete(req);
    if (files_written(ag_mcp_session_answer(rec, "before"), asked, why, sizeof why) < 0) {
        cJSON_Delete(rec);
        return ag_mcp_result_error("Could not provide the files: %s", why);
    }
    images = ag_mcp_session_images(j->sess, ag_mcp_session_answer(rec, "after"), AG_MCP_IMAGES_MAX);
    cJSON_DeleteItemFromObjectCaseSensitive(rec, "answers");
    result = ag_mcp_result_record(rec, NULL, NULL, sid, c->tenant);
    ag_mcp_result_add_images(result, images, c->tenant);
    return result;
}

/* The call's "env" object, under the rule the CLI's --env follows
 * (common/sr_env.h). A session's environment is the one it started with:
 * env with sessionId is refused. 0, or -1 with err. */
static int env_ok(const cJSON *env, const char *sid, char *err, size_t errlen)
{
    struct sr_env_tally tally = {0, 0};
    const cJSON *e;
    char why[300];

    if (!env)
        return 0;
    if (sid)
        return snprintf(err, errlen, "invalid arguments for execute_code: env is for a call without sessionId "
                        "(a session keeps the environment it started with)"), -1;
    cJSON_ArrayForEach(e, env) {
        if (!cJSON_IsString(e))
            return snprintf(err, errlen, "invalid arguments for execute_code: env.%.64s must be a string", e->string), -1;
        if (sr_env_check(&tally, e->string, e->valuestring, why, sizeof why) < 0)
            return snprintf(err, errlen, "invalid arguments for execute_code: env: %s", why), -1;
        if (cJSON_GetObjectItemCaseSensitive(env, e->string) != e)
            return snprintf(err, errlen, "invalid arguments for execute_code: env.%s is given twice", e->string), -1;
    }
    return 0;
}

/* What one execute_code or execute_command call runs: code, with args
 * (one-shot); in a session, call (a helper) if there is one, else code. */
struct exec_what {
    const char *code;
    const cJSON *args;
    const cJSON *call;
    const cJSON *before;   /* a helper ahead of it (session only; not with files) */
};

/* Shared body of execute_code and execute_command. */
static cJSON *execute(struct ag_mcp_call *c, const struct exec_what *w, int *rpc_code, char *err, size_t errlen)
{
    const char *sid = arg_str(c->args, "sessionId");
    const cJSON *files = cJSON_GetObjectItemCaseSensitive(c->args, "files");
    const cJSON *env = cJSON_GetObjectItemCaseSensitive(c->args, "env");
    struct job j = {.tenant = c->tenant};
    cJSON *rec, *req, *result;
    char why[600];

    if (env_ok(env, sid, err, errlen) < 0) {
        *rpc_code = AG_RPC_INVALID_PARAMS;   /* as for the schema's checks */
        return NULL;
    }
    c->timeout = ag_mcp_policy_timeout(c->tenant, arg_num(c->args, "timeout", DEFAULT_TIMEOUT));
    if (sid) {
        if (!(j.sess = ag_mcp_session_acquire(sid, c->tenant, why, sizeof why)))
            return ag_mcp_result_error("%s", why);
        if (w->call) {
            req = cJSON_CreateObject();
            cJSON_AddItemToObject(req, "call", cJSON_Duplicate(w->call, 1));
        } else {
            req = ag_mcp_session_code(w->code);
        }
        if (w->before)
            cJSON_AddItemToObject(req, "before", cJSON_Duplicate(w->before, 1));
        result = run_in_session(c, &j, req, sid);
        job_free(&j);
        return result;
    }
    if (files_as_inputs(&j, files, why, sizeof why) < 0 ||
        ag_mcp_store_new_output(c->tenant, j.out_id, sizeof j.out_id, j.out_dir, sizeof j.out_dir, why, sizeof why) < 0) {
        job_free(&j);
        return ag_mcp_result_error("Could not provide the files: %s", why);
    }
    req = cJSON_CreateObject();
    cJSON_AddStringToObject(req, "code", w->code);
    cJSON_AddStringToObject(req, "filename", "cell.py");
    if (w->args)
        cJSON_AddItemToObject(req, "args", cJSON_Duplicate(w->args, 1));
    if (c->display)
        cJSON_AddBoolToObject(req, "display", 1);
    if (env)
        cJSON_AddItemToObject(req, "env", cJSON_Duplicate(env, 1));
    rec = run_oneshot(c, &j, req);
    job_free(&j);
    return ag_mcp_result_record(rec, j.out_dir, j.out_id, NULL, c->tenant);
}

cJSON *ag_mcp_execute_code(struct ag_mcp_call *c, int *rpc_code, char *err, size_t errlen)
{
    struct exec_what w = {.code = arg_str(c->args, "code")};

    c->display = 1;   /* the last value, display() and figures come back as results */
    return execute(c, &w, rpc_code, err, errlen);
}

/* The text of scripts/NAME (the installation's or the build tree's) into
 * code; 0, or -1 after a result error went to *error. */
static int read_script(const char *name, struct sr_buf *code, cJSON **error)
{
    char rel[64], *path;
    int rc;

    snprintf(rel, sizeof rel, "scripts/%s", name);
    if (!(path = sr_paths_find(rel)))
        return *error = ag_mcp_result_error("sandboxrun is installed without %s", rel), -1;
    rc = sr_read_file(path, AG_DS_SCRIPT_MAX, code);
    free(path);
    if (rc != 0) {
        sr_buf_reset(code);
        return *error = ag_mcp_result_error("cannot read %s", rel), -1;
    }
    return 0;
}

/* A shell command: one-shot, scripts/sandboxrun_command.py runs it and
 * exits with its exit code; in a session, the command helper answers with
 * it (scripts/sandboxrun_session.py). Either way the code is the record's
 * exitCode, as the interpreter's own exit status: nothing the command
 * prints can change it. */
cJSON *ag_mcp_execute_command(struct ag_mcp_call *c, int *rpc_code, char *err, size_t errlen)
{
    const char *cmd = arg_str(c->args, "command");
    cJSON *call = cJSON_CreateObject(), *args = cJSON_CreateArray(), *r = NULL;
    struct sr_buf code = {0};
    struct exec_what w = {.args = args, .call = call};

    cJSON_AddStringToObject(call, "op", "command");
    cJSON_AddStringToObject(call, "command", cmd);
    cJSON_AddItemToArray(args, cJSON_CreateString(cmd));
    if (arg_str(c->args, "sessionId") || read_script("sandboxrun_command.py", &code, &r) == 0) {
        w.code = code.data ? code.data : "";
        if (!arg_str(c->args, "sessionId"))
            w.call = NULL;
        r = execute(c, &w, rpc_code, err, errlen);
    }
    sr_buf_reset(&code);
    cJSON_Delete(call);
    cJSON_Delete(args);
    return r;
}

cJSON *ag_mcp_session_call(struct ag_mcp_call *c, int *rpc_code, char *err, size_t errlen)
{
    const cJSON *call = cJSON_GetObjectItemCaseSensitive(c->args, "call");
    struct exec_what w = {.code = arg_str(c->args, "code"),
                          .before = cJSON_GetObjectItemCaseSensitive(c->args, "before")};
    struct ag_mcp_sess *e;
    cJSON *req, *rec = NULL, *answer;
    char why[600];

    if (!w.code == !call || (w.before && !w.code)) {
        snprintf(err, errlen, "session_call needs code (and perhaps before), or call");
        return *rpc_code = AG_RPC_INVALID_PARAMS, NULL;
    }
    if (w.code) {
        c->display = 1;   /* as execute_code */
        return execute(c, &w, rpc_code, err, errlen);
    }
    c->timeout = ag_mcp_policy_timeout(c->tenant, arg_num(c->args, "timeout", DEFAULT_TIMEOUT));
    if (!(e = ag_mcp_session_acquire(arg_str(c->args, "sessionId"), c->tenant, why, sizeof why)))
        return ag_mcp_result_error("%s", why);
    req = cJSON_CreateObject();
    cJSON_AddItemToObject(req, "call", cJSON_Duplicate(call, 1));
    answer = ag_mcp_session_run(e, c, req, c->timeout, &rec, why, sizeof why) == 0 ? ag_mcp_session_answer(rec, "call")
                                                                                 : NULL;
    ag_mcp_session_release(e);
    cJSON_Delete(req);
    if (!answer && rec)
        snprintf(why, sizeof why, "the session did not answer (%s): %.300s", arg_str(rec, "status") ?: "?",
                 arg_str(rec, "stderr") ?: "");
    cJSON_Delete(rec);
    return answer ? ag_mcp_result_ok(answer, "Done; the answer is in structuredContent.")
                  : ag_mcp_result_error("%s", why);
}

/* ---- analysis tools ---- */

/* The dataset as a local file mounted at /work/NAME; NAME goes to name. */
static int dataset_input(struct ag_mcp_call *c, struct job *j, char *name, size_t namelen, char *err, size_t errlen)
{
    const char *ds = arg_str(c->args, "dataset"), *sid = arg_str(c->args, "sessionId");
    char path[PATH_MAX * 2];

    if (sid) {
        if (!plain_name(base_name(ds)) || ag_mcp_session_path_ok(ds, err, errlen) < 0)
            return ag_mcp_session_path_ok(ds, err, errlen) < 0 ? -1
                   : (snprintf(err, errlen, "'%.200s' does not name a file", ds), -1);
        if (!(j->sess = ag_mcp_session_acquire(sid, c->tenant, err, errlen)) || ensure_scratch(j, err, errlen) < 0)
            return -1;
        snprintf(path, sizeof path, "%s/%s", j->scratch, base_name(ds));
        if (ag_mcp_session_get_file(j->sess, c, ds, path, err, errlen) < 0)
            return -1;
    } else if (fetch_source(j, ds, path, sizeof path, err, errlen) < 0) {
        return -1;
    }
    snprintf(name, namelen, "%s", base_name(path));
    add_input(j, path, name);
    return 0;
}

static void add_arg(cJSON *args, const char *flag, const char *value)
{
    cJSON_AddItemToArray(args, cJSON_CreateString(flag));
    cJSON_AddItemToArray(args, cJSON_CreateString(value));
}

/* The script's command line from the tool's arguments. */
static cJSON *script_args(const cJSON *a, const char *name)
{
    static const struct { const char *key, *flag; } str_opts[] = {
        {"timeCol", "--time-col"}, {"valueCol", "--value-col"}, {"freq", "--freq"}};
    static const struct { const char *key, *flag; } num_opts[] = {
        {"horizon", "--horizon"}, {"trials", "--trials"}, {"timeBudget", "--time-budget"}};
    cJSON *args = cJSON_CreateArray(), *f;
    char buf[4096] = "", path[320];
    size_t n = 0;

    snprintf(path, sizeof path, "/work/%s", name);
    cJSON_AddItemToArray(args, cJSON_CreateString(path));
    for (size_t i = 0; i < 3; i++)
        if (arg_str(a, str_opts[i].key))
            add_arg(args, str_opts[i].flag, arg_str(a, str_opts[i].key));
    for (size_t i = 0; i < 3; i++) {
        const cJSON *v = cJSON_GetObjectItemCaseSensitive(a, num_opts[i].key);
        char num[32];
        if (!cJSON_IsNumber(v))
            continue;
        snprintf(num, sizeof num, "%.15g", v->valuedouble);   /* 1234567, not 1.23457e+06 */
        add_arg(args, num_opts[i].flag, num);
    }
    if (cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(a, "boosting")))
        cJSON_AddItemToArray(args, cJSON_CreateString("--boosting"));
    cJSON_ArrayForEach(f, cJSON_GetObjectItemCaseSensitive(a, "features"))
        n += (size_t)snprintf(buf + n, n < sizeof buf ? sizeof buf - n : 0, "%s%s", n ? "," : "", f->valuestring);
    if (n && n < sizeof buf)
        add_arg(args, "--features", buf);
    return args;
}

/* Run scripts/SCRIPT.py on the dataset in a fresh jail. */
static cJSON *analysis(struct ag_mcp_call *c, const char *tool, const char *script)
{
    char name[300], why[600];
    struct sr_buf code;
    struct job j = {.tenant = c->tenant};
    cJSON *req, *rec, *error;

    c->timeout = ag_mcp_policy_timeout(c->tenant, arg_num(c->args, "timeout", ANALYSIS_TIMEOUT));
    if (read_script(script, &code, &error) < 0)
        return error;
    if (dataset_input(c, &j, name, sizeof name, why, sizeof why) < 0 ||
        ag_mcp_store_new_output(c->tenant, j.out_id, sizeof j.out_id, j.out_dir, sizeof j.out_dir, why, sizeof why) < 0) {
        sr_buf_reset(&code);
        job_free(&j);
        return ag_mcp_result_error("Cannot use the dataset: %s", why);
    }
    req = cJSON_CreateObject();
    cJSON_AddStringToObject(req, "code", code.data ? code.data : "");
    cJSON_AddStringToObject(req, "filename", script);
    cJSON_AddItemToObject(req, "args", script_args(c->args, name));
    sr_buf_reset(&code);
    rec = run_oneshot(c, &j, req);
    job_free(&j);
    return ag_mcp_result_analysis(tool, rec, j.out_dir, j.out_id, c->tenant);
}

cJSON *ag_mcp_analysis(struct ag_mcp_call *c, int *rpc_code, char *err, size_t errlen)
{
    (void)rpc_code, (void)err, (void)errlen;
    return analysis(c, c->tool->name, c->tool->arg);
}

/* ---- upload ---- */

cJSON *ag_mcp_upload_artifact(struct ag_mcp_call *c, int *rpc_code, char *err, size_t errlen)
{
    const char *rel = arg_str(c->args, "path"), *oid = arg_str(c->args, "outputId");
    const char *sid = arg_str(c->args, "sessionId"), *uri = arg_str(c->args, "s3Uri");
    long expires = (long)arg_num(c->args, "expires", AG_CMD_S3_DEFAULT_EXPIRES);
    char file[PATH_MAX], url[8192], why[600];
    struct job j = {.tenant = c->tenant};
    struct stat st;
    cJSON *out;

    if (!oid == !sid || strncmp(uri, "s3://", 5) != 0) {
        snprintf(err, errlen, "upload_artifact needs exactly one of outputId and sessionId, and an s3:// URI");
        return *rpc_code = AG_RPC_INVALID_PARAMS, NULL;
    }
    if (ag_mcp_policy_s3(c->tenant, uri, why, sizeof why) < 0 ||
        (oid && ag_mcp_store_output_file(c->tenant, oid, rel, file, sizeof file, why, sizeof why) < 0))
        return ag_mcp_result_error("%s", why);
    if (sid) {
        if (!(j.sess = ag_mcp_session_acquire(sid, c->tenant, why, sizeof why)) || ensure_scratch(&j, why, sizeof why) < 0) {
            job_free(&j);
            return ag_mcp_result_error("%s", why);
        }
        snprintf(file, sizeof file, "%s/%.200s", j.scratch, plain_name(base_name(rel)) ? base_name(rel) : "artifact");
        if (ag_mcp_session_get_file(j.sess, c, rel, file, why, sizeof why) < 0) {
            job_free(&j);
            return ag_mcp_result_error("%s", why);
        }
    }
    if (ag_cmd_s3_publish(file, uri, arg_str(c->args, "contentType"), expires, url, sizeof url, why,
                          sizeof why) != AG_S3_OK) {
        job_free(&j);
        return ag_mcp_result_error("Upload to %.300s failed: %s", uri, why);
    }
    out = cJSON_CreateObject();
    cJSON_AddStringToObject(out, "url", url);
    cJSON_AddStringToObject(out, "s3Uri", uri);
    cJSON_AddNumberToObject(out, "size", stat(file, &st) == 0 ? (double)st.st_size : 0);
    cJSON_AddNumberToObject(out, "expiresIn", (double)expires);
    job_free(&j);
    return ag_mcp_result_ok(out, url);
}
