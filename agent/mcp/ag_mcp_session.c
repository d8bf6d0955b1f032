/* ag_mcp_session.c — session registry and session file tools. */
#include "ag_mcp_session.h"

#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "ag_mcp_inline.h"
#include "ag_mcp_policy.h"
#include "ag_mcp_result.h"
#include "ag_mcp_rpc.h"
#include "ag_audit.h"
#include "ag_metrics.h"
#include "ag_mcp_store.h"
#include "ag_sid.h"
#include "ag_server.h"
#include "ag_session.h"
#include "sr_buf.h"
#include "sr_io.h"
#include "sr_log.h"

#define DEFAULT_IDLE 900.0
#define DEFAULT_MEMORY_MB 2048

struct ag_mcp_sess {
    struct ag_mcp_sess *next;
    char id[AG_SID_MAX];
    char tenant[64];       /* the owner ("" for the local user) */
    struct ag_session *s;
    double last_used, idle, expires;   /* expires: monotonic end of its time-to-live, or 0 */
    long memory_mb;
    int refs, gone;        /* gone: out of the registry; stopped when refs reaches 0 */
    cJSON *seen_out;       /* {path: sha256} of the /out files already shown (under lock) */
    const char *protocol;  /* audit: how its starter reached us, and the start's correlation id */
    char correlation[AG_AUDIT_CORR_MAX];
};

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static struct ag_mcp_sess *sessions;
static int count, max_sessions = 8;
static int closed;         /* stop_all ran: no session starts any more (under lock) */

/* Whether a session owned by owner belongs to tenant (NULL is the local user). */
static int owned_by(const struct ag_mcp_sess *e, const char *tenant)
{
    return strcmp(e->tenant, tenant ? tenant : "") == 0;
}

/* Tenant's session id in the registry (lock held), or NULL. */
static struct ag_mcp_sess *lookup(const char *id, const char *tenant)
{
    struct ag_mcp_sess *e;

    if (!ag_sid_mine(id))   /* another pod's: unknown here, as one that never was */
        return NULL;
    for (e = sessions; e && !(strcmp(e->id, id) == 0 && owned_by(e, tenant)); e = e->next)
        ;
    return e;
}

static double now(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

/* A session event ("start", "stop", "expire", "shutdown"), noted under the
 * lock and written after it: an audit line waits for the disk, the
 * registry must not. */
struct sess_note {
    const char *event, *detail, *protocol;
    char id[AG_SID_MAX], tenant[64], correlation[AG_AUDIT_CORR_MAX];
};

static void note(struct sess_note *n, const struct ag_mcp_sess *e, const char *event, const char *detail)
{
    n->event = event;
    n->detail = detail;
    n->protocol = e->protocol;
    snprintf(n->id, sizeof n->id, "%s", e->id);
    snprintf(n->tenant, sizeof n->tenant, "%s", e->tenant);
    snprintf(n->correlation, sizeof n->correlation, "%s", e->correlation);
}

/* The event's audit line and metric. */
static void write_note(const struct sess_note *n)
{
    ag_metrics_session(n->event);
    ag_audit_session(n->event, n->protocol, n->tenant[0] ? n->tenant : NULL, n->id, n->correlation, "ok", n->detail);
}

int ag_mcp_sessions_active(void)
{
    int n;

    pthread_mutex_lock(&lock);
    n = count;
    pthread_mutex_unlock(&lock);
    return n;
}

int ag_mcp_sessions_max(void)
{
    return max_sessions;
}

void ag_mcp_sessions_init(int max)
{
    if (max > 0)
        max_sessions = max;
}

static void destroy(struct ag_mcp_sess *e)
{
    SR_INFO("mcp: session %.8s… stopped", e->id);
    ag_session_stop(&e->s);
    cJSON_Delete(e->seen_out);
    free(e);
}

/* Take e out of the registry (lock held); returns e if it can be destroyed
 * now. One still in use (stopped, or past its time-to-live, during a call)
 * is ended at once, so its call returns and its jail goes now, not when the
 * call would have finished; it is freed when the last call lets go. */
static struct ag_mcp_sess *unregister(struct ag_mcp_sess *e)
{
    for (struct ag_mcp_sess **p = &sessions; *p; p = &(*p)->next)
        if (*p == e) {
            *p = e->next;
            break;
        }
    count--;
    e->gone = 1;
    if (e->refs)
        ag_session_end(e->s);
    return e->refs == 0 ? e : NULL;
}

void ag_mcp_sessions_reap(void)
{
    struct ag_mcp_sess *dead[64];
    struct sess_note notes[64];
    int n = 0, nn = 0;
    double t = now();

    pthread_mutex_lock(&lock);
    for (struct ag_mcp_sess *e = sessions, *next; e && nn < 64; e = next) {
        next = e->next;
        if (e->expires && t >= e->expires && e->refs > 0) {
            note(&notes[nn++], e, "expire", "its time-to-live ended during a call");
            unregister(e);         /* in use: gone for everyone now, stopped when the call returns */
        } else if (e->refs == 0 && ((e->idle && t - e->last_used > e->idle) || !ag_session_alive(e->s) ||
                                    (e->expires && t >= e->expires))) {
            note(&notes[nn++], e, "expire", !ag_session_alive(e->s) ? "its interpreter died"
                                            : e->expires && t >= e->expires ? "its time-to-live ended" : "idle");
            dead[n++] = unregister(e);
        }
    }
    pthread_mutex_unlock(&lock);
    for (int i = 0; i < nn; i++)
        write_note(&notes[i]);
    for (int i = 0; i < n; i++)
        destroy(dead[i]);
}

void ag_mcp_sessions_stop_all(void)
{
    pthread_mutex_lock(&lock);
    closed = 1;
    pthread_mutex_unlock(&lock);
    for (;;) {
        struct ag_mcp_sess *e;
        struct sess_note n = {0};
        pthread_mutex_lock(&lock);
        if (sessions)
            note(&n, sessions, "shutdown", NULL);
        e = sessions ? unregister(sessions) : NULL;
        pthread_mutex_unlock(&lock);
        if (n.event)
            write_note(&n);
        if (!e && !sessions)
            return;
        if (e)
            destroy(e);
    }
}

struct ag_mcp_sess *ag_mcp_session_acquire(const char *id, const char *tenant, char *err, size_t errlen)
{
    struct ag_mcp_sess *e;

    pthread_mutex_lock(&lock);
    e = lookup(id, tenant);
    if (e)
        e->refs++;
    pthread_mutex_unlock(&lock);
    if (!e)
        snprintf(err, errlen, "no session '%.40s': it was stopped, expired after being idle, or never "
                 "started. Call start_session for a new one (its state starts empty).", id);
    return e;
}

void ag_mcp_session_release(struct ag_mcp_sess *e)
{
    int last;

    pthread_mutex_lock(&lock);
    last = --e->refs == 0 && e->gone;
    e->last_used = now();
    pthread_mutex_unlock(&lock);
    if (last)
        destroy(e);
}

int ag_mcp_session_run(struct ag_mcp_sess *e, struct ag_mcp_call *c, cJSON *req, double timeout, cJSON **record,
                       char *err, size_t errlen)
{
    *record = NULL;
    cJSON_AddNumberToObject(req, "timeout", timeout);
    if (c && c->display)
        cJSON_AddBoolToObject(req, "display", 1);
    return ag_session_exec(e->s, req, c ? &c->scancel : NULL, record, err, errlen);
}

cJSON *ag_mcp_session_code(const char *code)
{
    cJSON *req = cJSON_CreateObject();

    cJSON_AddStringToObject(req, "code", code);
    cJSON_AddStringToObject(req, "filename", "cell.py");
    return req;
}

/* ---- start / stop ---- */

/* A session being started: it holds its tenant's slot until it is in the
 * registry (or has failed), so concurrent starts cannot pass the cap. */
struct opening {
    struct opening *next;
    const char *tenant;
};
static struct opening *openings;

/* Make room in the registry for one more session of tenant, held by o
 * (lock not held). */
static int reserve_slot(const char *tenant, int tenant_max, struct opening *o)
{
    int ok, mine = 0;

    ag_mcp_sessions_reap();
    pthread_mutex_lock(&lock);
    for (struct ag_mcp_sess *e = sessions; e; e = e->next)
        mine += owned_by(e, tenant);
    for (struct opening *p = openings; p; p = p->next)
        mine += strcmp(p->tenant, tenant ? tenant : "") == 0;
    ok = count < max_sessions && (tenant_max <= 0 || mine < tenant_max);
    if (ok) {
        count++;
        o->tenant = tenant ? tenant : "";
        o->next = openings;
        openings = o;
    }
    pthread_mutex_unlock(&lock);
    return ok ? 0 : -1;
}

/* o's start is over (lock held). */
static void opened(struct opening *o)
{
    for (struct opening **p = &openings; *p; p = &(*p)->next)
        if (*p == o) {
            *p = o->next;
            break;
        }
}

static void release_slot(struct opening *o)
{
    pthread_mutex_lock(&lock);
    opened(o);
    count--;
    pthread_mutex_unlock(&lock);
}

enum ag_mcp_open_res ag_mcp_session_open(const struct ag_mcp_sess_spec *spec, struct ag_mcp_call *c,
                                         char *id, size_t idlen, char *err, size_t errlen)
{
    struct ag_mcp_sess *e;
    struct sess_note started;
    struct opening o;
    cJSON *opts;
    int rc;

    if (reserve_slot(spec->tenant, spec->tenant_max, &o) < 0)
        return AG_MCP_OPEN_FULL;
    e = calloc(1, sizeof *e);
    if (!e || ag_sid_mint(e->id, sizeof e->id, 16) < 0) {
        free(e);
        release_slot(&o);
        return snprintf(err, errlen, "out of memory or randomness"), AG_MCP_OPEN_FAILED;
    }
    snprintf(e->tenant, sizeof e->tenant, "%s", spec->tenant ? spec->tenant : "");
    e->idle = spec->idle;
    e->memory_mb = spec->memory_mb > 0 ? spec->memory_mb : DEFAULT_MEMORY_MB;
    opts = cJSON_CreateObject();
    cJSON_AddNumberToObject(opts, "memoryMb", (double)e->memory_mb);
    if (spec->pids)
        cJSON_AddNumberToObject(opts, "pids", (double)spec->pids);
    if (spec->tmp_mb)
        cJSON_AddNumberToObject(opts, "tmpMb", (double)spec->tmp_mb);
    if (spec->out_mb)
        cJSON_AddNumberToObject(opts, "outMb", (double)spec->out_mb);
    /* the supervisor's own idle end backs ours up; a session without one lives as long as its TTL */
    cJSON_AddNumberToObject(opts, "idleTimeout", e->idle ? e->idle : spec->ttl ? spec->ttl + 60 : DEFAULT_IDLE);
    if (spec->policy)
        cJSON_AddStringToObject(opts, "policy", spec->policy);
    rc = ag_session_start(spec->cold ? NULL : spec->daemon ? spec->daemon : ag_server_socket(NULL), opts, &e->s,
                          err, errlen);
    cJSON_Delete(opts);
    if (rc < 0) {
        free(e);
        release_slot(&o);
        return AG_MCP_OPEN_FAILED;
    }
    if (ag_mcp_call_commit(c) < 0) {   /* cancelled: no one will learn its id, so no one could stop it */
        destroy(e);
        release_slot(&o);
        return AG_MCP_OPEN_CANCELLED;
    }
    e->last_used = now();
    e->expires = spec->ttl > 0 ? e->last_used + spec->ttl : 0;
    snprintf(id, idlen, "%s", e->id);
    e->protocol = c->protocol;
    snprintf(e->correlation, sizeof e->correlation, "%s", c->correlation);
    pthread_mutex_lock(&lock);
    if (closed) {   /* the service began to stop (or drain) while this jail started */
        pthread_mutex_unlock(&lock);
        destroy(e);
        release_slot(&o);
        return snprintf(err, errlen, "the server is shutting down"), AG_MCP_OPEN_FAILED;
    }
    pthread_mutex_unlock(&lock);
    note(&started, e, "start", NULL);
    write_note(&started);   /* before the session is in the registry: its start comes before any use */
    pthread_mutex_lock(&lock);
    opened(&o);
    e->next = sessions;
    sessions = e;
    pthread_mutex_unlock(&lock);
    return AG_MCP_OPEN_OK;
}

int ag_mcp_session_running(const char *id, const char *tenant)
{
    int found;

    pthread_mutex_lock(&lock);
    found = lookup(id, tenant) != NULL;
    pthread_mutex_unlock(&lock);
    return found;
}

int ag_mcp_session_close(const char *id, const char *tenant)
{
    struct ag_mcp_sess *e, *now_dead = NULL;
    struct sess_note n = {0};

    pthread_mutex_lock(&lock);
    if ((e = lookup(id, tenant))) {
        note(&n, e, "stop", NULL);
        now_dead = unregister(e);
    }
    pthread_mutex_unlock(&lock);
    if (n.event)
        write_note(&n);
    if (now_dead)
        destroy(now_dead);
    return e ? 0 : -1;
}

cJSON *ag_mcp_start_session(struct ag_mcp_call *c, int *rpc_code, char *err, size_t errlen)
{
    const cJSON *t = cJSON_GetObjectItemCaseSensitive(c->args, "timeout");
    const cJSON *m = cJSON_GetObjectItemCaseSensitive(c->args, "memory");
    struct ag_mcp_sess_spec spec = {
        .tenant = c->tenant,
        .idle = ag_mcp_policy_idle(c->tenant, cJSON_IsNumber(t) ? t->valuedouble : DEFAULT_IDLE),
        .memory_mb = ag_mcp_policy_memory(c->tenant, cJSON_IsNumber(m) ? (long)m->valuedouble : DEFAULT_MEMORY_MB),
        .tenant_max = ag_mcp_policy_tenant_sessions(c->tenant)};
    char id[AG_SID_MAX], why[512];
    cJSON *out;

    switch (ag_mcp_session_open(&spec, c, id, sizeof id, why, sizeof why)) {
    case AG_MCP_OPEN_FULL:
        if (spec.tenant_max > 0)
            return ag_mcp_result_error("Too many sessions (at most %d in all, %d for this tenant). Stop one with "
                                       "stop_session first.", max_sessions, spec.tenant_max);
        return ag_mcp_result_error("Too many sessions (at most %d). Stop one with stop_session first.", max_sessions);
    case AG_MCP_OPEN_CANCELLED:
        return ag_mcp_result_error("Cancelled; the session was stopped.");
    case AG_MCP_OPEN_FAILED:
        return ag_mcp_result_error("Could not start a session: %s", why);
    case AG_MCP_OPEN_OK:
        break;
    }
    out = cJSON_CreateObject();
    cJSON_AddStringToObject(out, "sessionId", id);
    cJSON_AddNumberToObject(out, "idleTimeout", spec.idle);
    cJSON_AddNumberToObject(out, "memoryMb", (double)spec.memory_mb);
    snprintf(why, sizeof why, "Session %s started (stopped after %.0f idle seconds). Pass it as sessionId.",
             id, spec.idle);
    return ag_mcp_result_ok(out, why);
}

cJSON *ag_mcp_stop_session(struct ag_mcp_call *c, int *rpc_code, char *err, size_t errlen)
{
    const char *id = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(c->args, "sessionId"));
    cJSON *out;

    if (ag_mcp_session_close(id, c->tenant) < 0)
        return ag_mcp_result_error("No session '%.40s' (already stopped or expired).", id);
    out = cJSON_CreateObject();
    cJSON_AddStringToObject(out, "sessionId", id);
    cJSON_AddBoolToObject(out, "stopped", 1);
    return ag_mcp_result_ok(out, "Session stopped; its variables and files are gone.");
}

/* ---- file tools ---- */

int ag_mcp_session_path_ok(const char *path, char *err, size_t errlen)
{
    size_t n = strlen(path);
    const char *p = path;

    if (n == 0 || n > 1024)
        return snprintf(err, errlen, "a path must be 1 to 1024 characters"), -1;
    for (; (p = strstr(p, "..")); p += 2)
        if ((p == path || p[-1] == '/') && (p[2] == '\0' || p[2] == '/'))
            return snprintf(err, errlen, "path '%.200s' contains '..'", path), -1;
    if (path[0] == '/' && strcmp(path, "/tmp") != 0 && strcmp(path, "/out") != 0 &&
        strncmp(path, "/tmp/", 5) != 0 && strncmp(path, "/out/", 5) != 0)
        return snprintf(err, errlen, "path '%.200s' is outside /tmp and /out (relative paths are under /tmp)", path), -1;
    return 0;
}

/* Run one file operation (op, taken) in the session as its call helper
 * (scripts/sandboxrun_session.py, which resolves each path with the jail's
 * own view, refuses anything outside /tmp and /out and caps sizes); its
 * answer, or NULL with err set. */
static cJSON *files_op(struct ag_mcp_sess *e, struct ag_mcp_call *c, cJSON *op, char *err, size_t errlen)
{
    cJSON *req = cJSON_CreateObject(), *rec = NULL, *answer = NULL;

    cJSON_AddItemToObject(req, "call", op);
    if (ag_mcp_session_run(e, c, req, 120, &rec, err, errlen) == 0 &&
        !(answer = ag_mcp_session_answer(rec, "call")))
        snprintf(err, errlen, "the session did not answer (%s): %.300s",
                 cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(rec, "status")) ?: "?",
                 cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(rec, "stderr")) ?: "");
    cJSON_Delete(req);
    cJSON_Delete(rec);
    return answer;
}

cJSON *ag_mcp_session_answer(cJSON *record, const char *key)
{
    cJSON *answers = cJSON_GetObjectItemCaseSensitive(record, "answers");
    cJSON *a = cJSON_DetachItemFromObjectCaseSensitive(answers, key);

    if (answers && !answers->child)
        cJSON_DeleteItemFromObjectCaseSensitive(record, "answers");
    if (a && !cJSON_IsObject(a))
        cJSON_Delete(a), a = NULL;
    return a;
}

/* Check every path of args[key] (an array of strings, or of objects' "path"). */
static int paths_ok(const cJSON *arr, int objects, char *err, size_t errlen)
{
    const cJSON *it;

    cJSON_ArrayForEach(it, arr) {
        const char *p = cJSON_GetStringValue(objects ? cJSON_GetObjectItemCaseSensitive(it, "path") : it);
        if (!p || ag_mcp_session_path_ok(p, err, errlen) < 0)
            return -1;
    }
    return 0;
}

/* Bytes the write_files contents decode to, at most. */
static size_t write_size(const cJSON *files)
{
    const cJSON *f;
    size_t total = 0;

    cJSON_ArrayForEach(f, files) {
        const char *content = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(f, "content")) ?: "";
        const char *enc = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(f, "encoding"));
        total += enc && strcmp(enc, "base64") == 0 ? strlen(content) / 4 * 3 : strlen(content);
    }
    return total;
}

/* Shared body of the four file tools; cap: the bytes a read may return in all. */
static cJSON *file_tool(struct ag_mcp_call *c, const char *op, size_t cap, int *rpc_code, char *err, size_t errlen)
{
    const char *id = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(c->args, "sessionId"));
    const cJSON *files = cJSON_GetObjectItemCaseSensitive(c->args, "files");
    const cJSON *paths = cJSON_GetObjectItemCaseSensitive(c->args, "paths");
    const cJSON *dir = cJSON_GetObjectItemCaseSensitive(c->args, "path");
    struct ag_mcp_sess *e;
    cJSON *req, *answer;
    char why[600];

    if (paths_ok(files, 1, err, errlen) < 0 || paths_ok(paths, 0, err, errlen) < 0 ||
        (dir && ag_mcp_session_path_ok(dir->valuestring, err, errlen) < 0))
        return *rpc_code = AG_RPC_INVALID_PARAMS, NULL;
    if (files && write_size(files) > AG_MCP_FILES_MAX)
        return ag_mcp_result_error("Too much data: at most %u bytes per write_files call; split it.", AG_MCP_FILES_MAX);
    if (!id)   /* optional in read_files' schema, for resource links */
        return ag_mcp_result_error("A sessionId is needed for session paths (only sandboxrun:// links need none).");
    if (!(e = ag_mcp_session_acquire(id, c->tenant, why, sizeof why)))
        return ag_mcp_result_error("%s", why);
    req = cJSON_Duplicate(c->args, 1);
    cJSON_DeleteItemFromObjectCaseSensitive(req, "sessionId");
    cJSON_DeleteItemFromObjectCaseSensitive(req, "timeout");
    cJSON_AddStringToObject(req, "op", op);
    cJSON_AddNumberToObject(req, "cap", (double)cap);
    c->timeout = 120;
    answer = files_op(e, c, req, why, sizeof why);
    ag_mcp_session_release(e);
    if (!answer)
        return ag_mcp_result_error("The %s operation failed: %s", op, why);
    if (cJSON_IsString(cJSON_GetObjectItemCaseSensitive(answer, "error"))) {
        snprintf(why, sizeof why, "%s", cJSON_GetObjectItemCaseSensitive(answer, "error")->valuestring);
        cJSON_Delete(answer);
        return ag_mcp_result_error("Cannot list that directory: %s", why);
    }
    return ag_mcp_result_ok(answer, strcmp(op, "read") == 0 ? "Contents are in structuredContent.files." : "Done; "
                            "per-file results (with any error) are in structuredContent.");
}

/* The text of a file-tool result: the JSON itself, so agents without
 * structuredContent support see it too. */
static cJSON *with_json_text(cJSON *r)
{
    cJSON *s = cJSON_GetObjectItemCaseSensitive(r, "structuredContent");
    cJSON *t = cJSON_GetArrayItem(cJSON_GetObjectItemCaseSensitive(r, "content"), 0);
    char *json = s ? cJSON_PrintUnformatted(s) : NULL;

    if (json && t)
        cJSON_ReplaceItemInObjectCaseSensitive(t, "text", cJSON_CreateString(json));
    free(json);
    return r;
}

cJSON *ag_mcp_write_files(struct ag_mcp_call *c, int *rpc_code, char *err, size_t errlen)
{
    cJSON *r = file_tool(c, "write", AG_MCP_FILES_MAX, rpc_code, err, errlen);
    return r ? with_json_text(r) : NULL;
}

/* ---- read_files of resource links (sandboxrun://out-N/NAME) ---- */

static int is_link(const char *path)
{
    return path && strncmp(path, AG_MCP_LINK_SCHEME, sizeof AG_MCP_LINK_SCHEME - 1) == 0;
}

static int has_link(const cJSON *paths)
{
    const cJSON *p;

    cJSON_ArrayForEach(p, paths)
        if (is_link(cJSON_GetStringValue(p)))
            return 1;
    return 0;
}

/* The bytes a resources/read answer carries (text or blob); caller frees. */
static char *contents_bytes(const cJSON *answer, size_t *n)
{
    const cJSON *c = cJSON_GetArrayItem(cJSON_GetObjectItemCaseSensitive(answer, "contents"), 0);
    const char *text = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(c, "text"));
    const char *blob = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(c, "blob"));

    if (text)
        return *n = strlen(text), sr_xstrdup(text);
    return blob ? (char *)ag_mcp_unbase64(blob, n) : NULL;
}

/* One read_files entry for a resource link, under the rules the session
 * helper (scripts/sandboxrun_session.py) applies to a session file
 * (encoding auto/utf-8/base64, the call's byte budget *left). The output
 * store is read here and only here. */
static cJSON *read_link(struct ag_mcp_call *c, const char *uri, const char *enc, size_t *left)
{
    cJSON *f = cJSON_CreateObject(), *answer;
    char why[600] = "out of memory", *data = NULL, *text = NULL;
    size_t n = 0;

    cJSON_AddStringToObject(f, "path", uri);
    if ((answer = ag_mcp_inline_read(uri, c->tenant, why, sizeof why)))
        data = contents_bytes(answer, &n);
    cJSON_Delete(answer);
    if (!data || n > *left) {
        if (data)
            snprintf(why, sizeof why, "too large: at most %u bytes in all per call", AG_MCP_FILES_MAX);
        cJSON_AddStringToObject(f, "error", why);
    } else if (!(enc && strcmp(enc, "base64") == 0) && (text = ag_mcp_utf8_exact(data, n))) {
        cJSON_AddNumberToObject(f, "size", (double)n);
        cJSON_AddStringToObject(f, "encoding", "utf-8");
        cJSON_AddStringToObject(f, "content", text);
        *left -= n;
    } else if (enc && strcmp(enc, "utf-8") == 0) {
        cJSON_AddStringToObject(f, "error", "not valid UTF-8; read it with encoding base64");
    } else if (!(text = ag_mcp_base64(data, n))) {
        cJSON_AddStringToObject(f, "error", "out of memory");
    } else {
        cJSON_AddNumberToObject(f, "size", (double)n);
        cJSON_AddStringToObject(f, "encoding", "base64");
        cJSON_AddStringToObject(f, "content", text);
        *left -= n;
    }
    free(text);
    free(data);
    return f;
}

/* Put the session's answers (got, in order) where files holds nulls. */
static void fill_in(cJSON *files, const cJSON *got)
{
    for (cJSON *f = files->child, *next; f && got; f = next) {
        next = f->next;
        if (cJSON_IsNull(f)) {
            cJSON_ReplaceItemViaPointer(files, f, cJSON_Duplicate(got, 1));
            got = got->next;
        }
    }
}

/* read_files with resource links among its paths: the links are read from
 * the output store (no session needed), the other paths from the session,
 * in one answer in the order asked, under one byte budget. */
static cJSON *read_with_links(struct ag_mcp_call *c, int *rpc_code, char *err, size_t errlen)
{
    const cJSON *paths = cJSON_GetObjectItemCaseSensitive(c->args, "paths"), *p;
    const char *enc = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(c->args, "encoding"));
    const cJSON *saved;
    cJSON *files = cJSON_CreateArray(), *rest = cJSON_CreateArray(), *args, *r, *out;
    size_t left = AG_MCP_FILES_MAX;

    cJSON_ArrayForEach(p, paths) {
        if (is_link(p->valuestring)) {
            cJSON_AddItemToArray(files, read_link(c, p->valuestring, enc, &left));
        } else {
            cJSON_AddItemToArray(files, cJSON_CreateNull());
            cJSON_AddItemToArray(rest, cJSON_CreateString(p->valuestring));
        }
    }
    if (cJSON_GetArraySize(rest) == 0) {
        cJSON_Delete(rest);
    } else {
        args = cJSON_Duplicate(c->args, 1);
        cJSON_ReplaceItemInObjectCaseSensitive(args, "paths", rest);
        saved = c->args;
        c->args = args;
        r = file_tool(c, "read", left, rpc_code, err, errlen);
        c->args = saved;
        cJSON_Delete(args);
        if (!r || cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(r, "isError")))
            return cJSON_Delete(files), r;
        fill_in(files, cJSON_GetArrayItem(cJSON_GetObjectItemCaseSensitive(
                           cJSON_GetObjectItemCaseSensitive(r, "structuredContent"), "files"), 0));
        cJSON_Delete(r);
    }
    out = cJSON_CreateObject();
    cJSON_AddItemToObject(out, "files", files);
    return ag_mcp_result_ok(out, "Contents are in structuredContent.files.");
}

cJSON *ag_mcp_file_op(struct ag_mcp_call *c, int *rpc_code, char *err, size_t errlen)
{
    const char *op = c->tool->arg;
    cJSON *r = strcmp(op, "read") == 0 && has_link(cJSON_GetObjectItemCaseSensitive(c->args, "paths"))
                   ? read_with_links(c, rpc_code, err, errlen)
                   : file_tool(c, op, AG_MCP_FILES_MAX, rpc_code, err, errlen);
    return r ? with_json_text(r) : NULL;
}

/* ---- helpers for the other tools ---- */

cJSON *ag_mcp_session_images_helper(struct ag_mcp_sess *e, int max, size_t cap)
{
    cJSON *h = cJSON_CreateObject();

    cJSON_AddStringToObject(h, "op", "images");
    pthread_mutex_lock(&lock);
    cJSON_AddItemToObject(h, "seen", e->seen_out ? cJSON_Duplicate(e->seen_out, 1) : cJSON_CreateObject());
    pthread_mutex_unlock(&lock);
    cJSON_AddNumberToObject(h, "max", max);
    cJSON_AddNumberToObject(h, "cap", (double)cap);
    return h;
}

/* Remember that path (with its sha256) was shown. */
static void mark_seen(struct ag_mcp_sess *e, const char *path, const char *sha)
{
    pthread_mutex_lock(&lock);
    if (!e->seen_out)
        e->seen_out = cJSON_CreateObject();
    cJSON_DeleteItemFromObjectCaseSensitive(e->seen_out, path);
    cJSON_AddStringToObject(e->seen_out, path, sha);
    pthread_mutex_unlock(&lock);
}

cJSON *ag_mcp_session_images(struct ag_mcp_sess *e, cJSON *answer, int max)
{
    const cJSON *f;
    cJSON *images = NULL;

    cJSON_ArrayForEach(f, cJSON_GetObjectItemCaseSensitive(answer, "files")) {
        const char *b64 = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(f, "content"));
        const char *p = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(f, "path"));
        const char *sha = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(f, "sha256"));
        if (!b64 || !p || !sha || strlen(sha) != 64 || strncmp(p, "/out/", 5) != 0 || cJSON_GetArraySize(images) >= max)
            continue;
        if (!images)
            images = cJSON_CreateArray();
        cJSON_AddItemToArray(images, ag_mcp_image_png(b64));
        mark_seen(e, p, sha);   /* only what was sent: one not read is tried again next call */
    }
    cJSON_Delete(answer);
    return images;
}

int ag_mcp_session_get_file(struct ag_mcp_sess *e, struct ag_mcp_call *c, const char *path, const char *dest,
                            char *err, size_t errlen)
{
    cJSON *req = cJSON_CreateObject(), *answer, *f;
    const char *b64, *ferr;
    unsigned char *data;
    size_t n;
    int rc;

    if (ag_mcp_session_path_ok(path, err, errlen) < 0)
        return cJSON_Delete(req), -1;
    cJSON_AddStringToObject(req, "op", "read");
    cJSON_AddItemToObject(req, "paths", cJSON_CreateStringArray(&path, 1));
    cJSON_AddStringToObject(req, "encoding", "base64");
    cJSON_AddNumberToObject(req, "cap", AG_MCP_SESSION_GET_MAX);
    if (!(answer = files_op(e, c, req, err, errlen)))
        return -1;
    f = cJSON_GetArrayItem(cJSON_GetObjectItemCaseSensitive(answer, "files"), 0);
    b64 = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(f, "content"));
    ferr = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(f, "error"));
    if (!b64 || !(data = ag_mcp_unbase64(b64, &n))) {
        snprintf(err, errlen, "cannot read %s from the session: %s", path, ferr ? ferr : "no content");
        cJSON_Delete(answer);
        return -1;
    }
    cJSON_Delete(answer);
    rc = ag_mcp_store_write(dest, data, n, err, errlen);
    free(data);
    return rc;
}

int ag_mcp_session_put_file(struct ag_mcp_sess *e, struct ag_mcp_call *c, const char *path,
                            const void *data, size_t n, char *err, size_t errlen)
{
    char *b64;
    cJSON *req, *f, *answer;
    const char *ferr;

    if (n > AG_MCP_SESSION_PUT_MAX)
        return snprintf(err, errlen, "%s: %zu bytes; a file put into a session is at most %u MiB", path, n,
                        AG_MCP_SESSION_PUT_MAX >> 20), -1;
    b64 = ag_mcp_base64(data, n);
    req = cJSON_CreateObject();
    if (!b64)
        return cJSON_Delete(req), snprintf(err, errlen, "out of memory"), -1;
    cJSON_AddStringToObject(req, "op", "write");
    f = cJSON_CreateObject();
    cJSON_AddStringToObject(f, "path", path);
    cJSON_AddStringToObject(f, "content", b64);
    cJSON_AddStringToObject(f, "encoding", "base64");
    cJSON_AddItemToArray(cJSON_AddArrayToObject(req, "files"), f);
    free(b64);
    if (!(answer = files_op(e, c, req, err, errlen)))
        return -1;
    ferr = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(
        cJSON_GetArrayItem(cJSON_GetObjectItemCaseSensitive(answer, "files"), 0), "error"));
    if (ferr)
        snprintf(err, errlen, "cannot write %s in the session: %s", path, ferr);
    cJSON_Delete(answer);
    return ferr ? -1 : 0;
}
