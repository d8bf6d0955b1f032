/* ag_mcp_server.c — MCP lifecycle, method dispatch, and the tool-call pool.
 *
 * The transport's thread hands in each message and gets the quick methods
 * answered at once; tools/call goes to a FIFO served by a fixed number of
 * worker threads, so calls run concurrently and may answer out of order. A
 * ticker thread sends progress notifications and reaps idle sessions. Every
 * message for a client goes to the out it came with. */
#include "ag_mcp_server.h"

#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "ag_audit.h"
#include "ag_mcp_inline.h"
#include "ag_mcp_rpc.h"
#include "ag_mcp_store.h"
#include "ag_mcp_session.h"
#include "ag_mcp_tools.h"
#include "ag_metrics.h"
#include "sr_json_nul.h"
#include "sr_log.h"
#include "sr_version.h"

#define MODERN_VERSION AG_MCP_MODERN_VERSION
#define KEY_VERSION AG_MCP_KEY_VERSION
#define KEY_CAPS "io.modelcontextprotocol/clientCapabilities"
#define KEY_LOGLEVEL "io.modelcontextprotocol/logLevel"
#define KEY_SERVERINFO "io.modelcontextprotocol/serverInfo"

static const char *const legacy_versions[] = {"2025-11-25", "2025-06-18"};
static const char *const log_levels[] = {"debug", "info", "notice", "warning", "error",
                                         "critical", "alert", "emergency"};
static const char instructions[] =
    "sandboxrun runs Python for data analysis in a jail without network. execute_code runs code in a "
    "fresh interpreter, or in a session (start_session) whose variables and files persist. The analysis "
    "tools (run_eda ... run_pipeline) take a time-series CSV by host path, s3:// URI or session path. "
    "upload_artifact publishes an output file to S3 and returns a presigned URL.";

enum req_state { QUEUED, RUNNING, FINISHED };   /* FINISHED: answered, or cancelled; no more progress */

/* One tools/call from arrival to answer. */
struct request {
    struct request *qnext, *anext;   /* FIFO link; all-requests link */
    cJSON *msg;                      /* the whole message; the rest point into it */
    const cJSON *id;
    const struct ag_mcp_tool *tool;
    const cJSON *progress_token;
    struct ag_mcp_out *out;          /* held until the answer */
    unsigned long long client;       /* the client's serial, for notifications/cancelled */
    char tenant[AG_MCP_TENANT_MAX + 1];
    int local;
    int modern, log_level;           /* log_level: index into log_levels, or -1 */
    int answered;                    /* its answer went to out */
    enum req_state state;
    double started, last_progress;
    double progress;                 /* the last progress value sent (MCP: each must be greater) */
    struct ag_mcp_call call;
};

static struct {
    pthread_mutex_t lock;
    pthread_cond_t cond;
    struct request *qhead, *qtail, *all;
    int nqueued, max_queue, stopping;
    unsigned long long serials;      /* clients made so far */
    pthread_t workers[AG_MCP_MAX_WORKERS], ticker;
    int nworkers;
} S = {.lock = PTHREAD_MUTEX_INITIALIZER, .cond = PTHREAD_COND_INITIALIZER};

static double now(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

static cJSON *server_info(void)
{
    cJSON *i = cJSON_CreateObject();

    cJSON_AddStringToObject(i, "name", "sandboxrun");
    cJSON_AddStringToObject(i, "title", "sandboxrun: jailed Python for data analysis");
    cJSON_AddStringToObject(i, "version", SR_VERSION);
    return i;
}

static cJSON *capabilities(void)
{
    cJSON *c = cJSON_CreateObject();

    cJSON_AddItemToObject(c, "tools", cJSON_CreateObject());
    cJSON_AddItemToObject(c, "resources", cJSON_CreateObject());   /* the resource_links of large results */
    cJSON_AddItemToObject(c, "logging", cJSON_CreateObject());
    return c;
}

/* Answer a request; modern-era results carry resultType and our identity. */
static int reply(struct ag_mcp_out *out, const cJSON *id, int modern, cJSON *result)
{
    if (modern) {
        cJSON *meta = cJSON_GetObjectItemCaseSensitive(result, "_meta");
        if (!cJSON_IsObject(meta))
            meta = cJSON_AddObjectToObject(result, "_meta");
        cJSON_AddItemToObject(meta, KEY_SERVERINFO, server_info());
        if (!cJSON_GetObjectItemCaseSensitive(result, "resultType"))
            cJSON_AddStringToObject(result, "resultType", "complete");
    }
    return ag_mcp_send_result(out, id, result);
}

static int level_index(const char *name)
{
    for (int i = 0; i < 8; i++)
        if (name && strcmp(name, log_levels[i]) == 0)
            return i;
    return -1;
}

/* A notifications/message to the client, if it asked for this level. */
static void client_log(struct ag_mcp_out *out, int wanted, int level, const char *text)
{
    cJSON *p;

    if (wanted < 0 || level < wanted)
        return;
    p = cJSON_CreateObject();
    cJSON_AddStringToObject(p, "level", log_levels[level]);
    cJSON_AddStringToObject(p, "logger", "sandboxrun");
    cJSON_AddStringToObject(p, "data", text);
    ag_mcp_send_notification(out, "notifications/message", p);
}

/* ---- the era of a request ---- */

/* 1 modern, 0 legacy, -1 after answering an error (bad envelope or version). */
static int classify(struct ag_mcp_out *out, const cJSON *id, const cJSON *params, int *log_level)
{
    const cJSON *meta = cJSON_GetObjectItemCaseSensitive(params, "_meta");
    const cJSON *ver = cJSON_GetObjectItemCaseSensitive(meta, KEY_VERSION);
    const cJSON *caps = cJSON_GetObjectItemCaseSensitive(meta, KEY_CAPS);
    const cJSON *lvl = cJSON_GetObjectItemCaseSensitive(meta, KEY_LOGLEVEL);
    cJSON *data;

    if (!cJSON_IsObject(meta) || !ver)
        return 0;
    if (!cJSON_IsString(ver) || !cJSON_IsObject(caps) || (lvl && level_index(cJSON_GetStringValue(lvl)) < 0)) {
        if (id)
            ag_mcp_send_error(out, id, AG_RPC_INVALID_PARAMS,
                              "Invalid _meta envelope for protocol revision " MODERN_VERSION ": "
                              KEY_VERSION " must be a string, " KEY_CAPS " an object, " KEY_LOGLEVEL
                              " a log level", NULL);
        return -1;
    }
    if (strcmp(ver->valuestring, MODERN_VERSION) != 0) {
        if (id) {
            char msg[160];
            data = cJSON_CreateObject();
            cJSON_AddItemToObject(data, "supported", cJSON_CreateStringArray((const char *[]){MODERN_VERSION}, 1));
            cJSON_AddStringToObject(data, "requested", ver->valuestring);
            snprintf(msg, sizeof msg, "Unsupported protocol version: %.64s", ver->valuestring);
            ag_mcp_send_error(out, id, AG_RPC_UNSUPPORTED_VERSION, msg, data);
        }
        return -1;
    }
    *log_level = lvl ? level_index(lvl->valuestring) : -1;
    return 1;
}

/* ---- quick methods ---- */

static void on_initialize(struct ag_mcp_out *out, const cJSON *id, const cJSON *params)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(params, "protocolVersion");
    const char *chosen = legacy_versions[0];
    cJSON *r;

    if (!cJSON_IsString(v)) {
        ag_mcp_send_error(out, id, AG_RPC_INVALID_PARAMS, "initialize needs params.protocolVersion (a string)", NULL);
        return;
    }
    for (size_t i = 0; i < sizeof legacy_versions / sizeof *legacy_versions; i++)
        if (strcmp(v->valuestring, legacy_versions[i]) == 0)
            chosen = legacy_versions[i];
    r = cJSON_CreateObject();
    cJSON_AddStringToObject(r, "protocolVersion", chosen);
    cJSON_AddItemToObject(r, "capabilities", capabilities());
    cJSON_AddItemToObject(r, "serverInfo", server_info());
    cJSON_AddStringToObject(r, "instructions", instructions);
    ag_mcp_send_result(out, id, r);
}

static void on_discover(struct ag_mcp_out *out, const cJSON *id)
{
    cJSON *r = cJSON_CreateObject();

    cJSON_AddItemToObject(r, "supportedVersions", cJSON_CreateStringArray((const char *[]){MODERN_VERSION}, 1));
    cJSON_AddItemToObject(r, "capabilities", capabilities());
    cJSON_AddStringToObject(r, "instructions", instructions);
    cJSON_AddNumberToObject(r, "ttlMs", 0);
    cJSON_AddStringToObject(r, "cacheScope", "private");
    reply(out, id, 1, r);
}

static void on_tools_list(struct ag_mcp_out *out, const cJSON *id, const cJSON *params, int modern)
{
    cJSON *r;

    if (cJSON_GetObjectItemCaseSensitive(params, "cursor")) {
        ag_mcp_send_error(out, id, AG_RPC_INVALID_PARAMS, "invalid cursor: tools/list has a single page", NULL);
        return;
    }
    r = cJSON_CreateObject();
    cJSON_AddItemToObject(r, "tools", ag_mcp_tools_list());
    if (modern) {
        cJSON_AddNumberToObject(r, "ttlMs", 300000);   /* the table is fixed for the process's life */
        cJSON_AddStringToObject(r, "cacheScope", "public");
    }
    reply(out, id, modern, r);
}

static void on_set_level(struct ag_mcp_client *c, struct ag_mcp_out *out, const cJSON *id, const cJSON *params)
{
    int lvl = level_index(cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(params, "level")));

    if (lvl < 0) {
        ag_mcp_send_error(out, id, AG_RPC_INVALID_PARAMS, "level must be one of debug, info, notice, warning, "
                          "error, critical, alert, emergency", NULL);
        return;
    }
    pthread_mutex_lock(&S.lock);
    c->log_level = lvl;
    pthread_mutex_unlock(&S.lock);
    ag_mcp_send_result(out, id, cJSON_CreateObject());
}

/* ---- tool calls ---- */

static void request_free(struct request *r)
{
    if (r->out->drop)
        r->out->drop(r->out, r->answered);
    cJSON_Delete(r->msg);
    free(r);
}

/* Unlink r from the all-requests list (lock held). */
static void unlink_all(struct request *r)
{
    for (struct request **p = &S.all; *p; p = &(*p)->anext)
        if (*p == r) {
            *p = r->anext;
            return;
        }
}

/* Queue a validated call of client c; takes msg. Refuses when the queue is full. */
static void enqueue(const struct ag_mcp_client *c, struct ag_mcp_out *out, cJSON *msg, const cJSON *id,
                    const struct ag_mcp_tool *t, const cJSON *args, const cJSON *params, int modern, int log_level)
{
    struct request *r = calloc(1, sizeof *r);
    const cJSON *meta = cJSON_GetObjectItemCaseSensitive(params, "_meta");
    const cJSON *tok = cJSON_GetObjectItemCaseSensitive(meta, "progressToken");
    const char *tp;

    if (!r) {
        ag_mcp_send_error(out, id, AG_RPC_INTERNAL_ERROR, "out of memory", NULL);
        cJSON_Delete(msg);
        return;
    }
    if (out->hold)
        out->hold(out);
    r->out = out;
    r->client = c->serial;
    r->local = c->local;
    snprintf(r->tenant, sizeof r->tenant, "%s", c->tenant);
    r->msg = msg;
    r->id = id;
    r->tool = t;
    r->modern = modern;
    r->log_level = log_level;
    r->progress_token = ag_mcp_id_ok(tok) ? tok : NULL;
    ag_mcp_call_init(&r->call, args);
    if (r->progress_token)
        ag_mcp_call_want_live(&r->call);   /* its output rides on the progress notifications */
    r->call.tenant = r->local ? NULL : r->tenant;
    r->call.protocol = c->protocol;
    /* audit: a caller's trace in _meta.traceparent names the call, else the transport's (HTTP headers) */
    tp = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(meta, "traceparent"));
    if (!tp && out->correlation)
        snprintf(r->call.correlation, sizeof r->call.correlation, "%s", out->correlation);
    else
        ag_audit_correlation(tp, NULL, r->call.correlation);
    pthread_mutex_lock(&S.lock);
    if (S.nqueued >= S.max_queue || S.stopping) {
        pthread_mutex_unlock(&S.lock);
        ag_metrics_busy("-32000");
        r->answered = ag_mcp_send_error(out, id, AG_RPC_SERVER_BUSY, "server busy: too many tool calls waiting; "
                                        "retry later", NULL) == 0;
        request_free(r);
        return;
    }
    if (S.qtail)
        S.qtail->qnext = r;
    else
        S.qhead = r;
    S.qtail = r;
    S.nqueued++;
    ag_metrics_queued(1);
    r->anext = S.all;
    S.all = r;
    pthread_cond_signal(&S.cond);
    pthread_mutex_unlock(&S.lock);
}

static void on_tools_call(const struct ag_mcp_client *c, struct ag_mcp_out *out, cJSON *msg, const cJSON *id,
                          const cJSON *params, int modern, int log_level)
{
    const cJSON *name = cJSON_GetObjectItemCaseSensitive(params, "name");
    cJSON *args = cJSON_GetObjectItemCaseSensitive(params, "arguments");
    const struct ag_mcp_tool *t;
    char err[512];

    if (!cJSON_IsString(name)) {
        ag_mcp_send_error(out, id, AG_RPC_INVALID_PARAMS, "tools/call needs params.name (a string)", NULL);
        return cJSON_Delete(msg);
    }
    if (!(t = ag_mcp_tool_find(name->valuestring))) {
        snprintf(err, sizeof err, "Unknown tool: %.100s (see tools/list)", name->valuestring);
        ag_mcp_send_error(out, id, AG_RPC_INVALID_PARAMS, err, NULL);
        return cJSON_Delete(msg);
    }
    if (!args)
        args = cJSON_AddObjectToObject((cJSON *)params, "arguments");
    if (ag_mcp_tool_validate(t, args, err, sizeof err) < 0) {
        char msg2[600];
        snprintf(msg2, sizeof msg2, "Invalid arguments for tool %s: %s", t->name, err);
        ag_mcp_send_error(out, id, AG_RPC_INVALID_PARAMS, msg2, NULL);
        return cJSON_Delete(msg);
    }
    enqueue(c, out, msg, id, t, args, params, modern, log_level);
}

/* Commit r to its answer: 0, or -1 if it was cancelled first. Either way it
 * is FINISHED, under S.lock: the ticker sends progress while holding S.lock,
 * so every progress notification for r is written before this returns and
 * none after, and none can follow the answer (MCP: progress stops at
 * completion). */
static int finish(struct request *r)
{
    int rc;

    pthread_mutex_lock(&S.lock);
    rc = ag_mcp_call_commit(&r->call);
    r->state = FINISHED;
    pthread_mutex_unlock(&S.lock);
    return rc;
}

/* Run one call on a worker thread and answer it (unless it was cancelled). */
static void run_call(struct request *r)
{
    char err[1024] = "", line[200];
    int code = AG_RPC_INTERNAL_ERROR;
    cJSON *result;

    if (ag_mcp_call_cancelled(&r->call))
        return;                       /* cancelled while it waited in the queue */
    snprintf(line, sizeof line, "%s started", r->tool->name);
    client_log(r->out, r->log_level, 1, line);
    result = ag_mcp_tool_run(&r->call, r->tool, &code, err, sizeof err);
    if (finish(r) < 0) {
        SR_INFO("mcp: %s cancelled; no answer sent, as the protocol asks", r->tool->name);
        cJSON_Delete(result);
        return;
    }
    snprintf(line, sizeof line, "%s finished%s", r->tool->name,
             cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(result, "isError")) ? " with an error" : "");
    client_log(r->out, r->log_level, 1, line);
    if (result)
        r->answered = reply(r->out, r->id, r->modern, result) == 0;
    else
        r->answered = ag_mcp_send_error(r->out, r->id, code, err[0] ? err : "the tool failed", NULL) == 0;
}

static void *worker(void *arg)
{
    (void)arg;
    for (;;) {
        struct request *r;
        pthread_mutex_lock(&S.lock);
        while (!S.qhead && !S.stopping)
            pthread_cond_wait(&S.cond, &S.lock);
        if (!S.qhead) {
            pthread_mutex_unlock(&S.lock);
            return NULL;
        }
        r = S.qhead;
        S.qhead = r->qnext;
        if (!S.qhead)
            S.qtail = NULL;
        S.nqueued--;
        ag_metrics_queued(-1);
        r->state = RUNNING;
        r->started = r->last_progress = now();
        pthread_mutex_unlock(&S.lock);
        run_call(r);
        pthread_mutex_lock(&S.lock);
        unlink_all(r);
        pthread_mutex_unlock(&S.lock);
        request_free(r);
    }
}

/* notifications/cancelled from client c: stop the named call; a queued one never runs. */
static void on_cancelled(const struct ag_mcp_client *c, const cJSON *params)
{
    const cJSON *rid = cJSON_GetObjectItemCaseSensitive(params, "requestId");

    pthread_mutex_lock(&S.lock);
    for (struct request *r = S.all; rid && r; r = r->anext) {
        if (r->state == FINISHED || r->client != c->serial || !ag_mcp_id_equal(r->id, rid))
            continue;             /* one being answered: too late to cancel */
        SR_INFO("mcp: cancelling %s", r->tool->name);
        ag_mcp_call_cancel(&r->call);     /* a queued one: the worker sees it and skips the answer */
        break;
    }
    pthread_mutex_unlock(&S.lock);
}

/* Progress for each running call whose caller sent a progressToken: every
 * second "TOOL running for N s", and, at most every AG_MCP_LIVE_INTERVAL,
 * with the lines the run printed since the last one (ag_mcp_live.h). */
static void send_progress(void)
{
    double t = now();

    pthread_mutex_lock(&S.lock);
    for (struct request *r = S.all; r; r = r->anext) {
        cJSON *p;
        char msg[AG_MCP_LIVE_MSG_MAX];
        double elapsed = floor((t - r->started) * 10) / 10;
        int fresh;
        if (r->state != RUNNING || !r->progress_token || elapsed <= r->progress)
            continue;
        fresh = ag_mcp_live_fresh(&r->call.live);
        if (t - r->last_progress < (fresh ? AG_MCP_LIVE_INTERVAL : 1.0))
            continue;
        r->last_progress = t;
        r->progress = elapsed;
        p = cJSON_CreateObject();
        cJSON_AddItemToObject(p, "progressToken", ag_mcp_id_dup(r->progress_token));
        cJSON_AddNumberToObject(p, "progress", elapsed);
        if (r->call.timeout > elapsed)
            cJSON_AddNumberToObject(p, "total", r->call.timeout);
        snprintf(msg, sizeof msg, "%s running for %.0f s", r->tool->name, elapsed);
        if (fresh)
            ag_mcp_live_take(&r->call.live, msg, sizeof msg);
        cJSON_AddStringToObject(p, "message", msg);
        ag_mcp_send_notification(r->out, "notifications/progress", p);
    }
    pthread_mutex_unlock(&S.lock);
}

static void *ticker(void *arg)
{
    (void)arg;
    for (;;) {
        struct timespec ts = {0, 250 * 1000 * 1000};
        int stop;
        nanosleep(&ts, NULL);
        pthread_mutex_lock(&S.lock);
        stop = S.stopping && !S.all;
        pthread_mutex_unlock(&S.lock);
        if (stop)
            return NULL;
        send_progress();
        ag_mcp_sessions_reap();
    }
}

/* resources/read of a resource_link a result gave (ag_mcp_inline.h);
 * resources/list is empty: links are only for the results that name them. */
static void on_resources(const struct ag_mcp_client *c, struct ag_mcp_out *out, const cJSON *id,
                         const cJSON *params, int modern, int read)
{
    char err[600];
    cJSON *r;

    if (!read) {
        r = cJSON_CreateObject();
        cJSON_AddItemToObject(r, "resources", cJSON_CreateArray());
        reply(out, id, modern, r);
        return;
    }
    r = ag_mcp_inline_read(cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(params, "uri")),
                           c->local ? NULL : c->tenant, err, sizeof err);
    if (r)
        reply(out, id, modern, r);
    else
        ag_mcp_send_error(out, id, AG_RPC_RESOURCE_NOT_FOUND, err, NULL);
}

/* ---- dispatch ---- */

/* Handle one request (id set) or notification (id NULL) of client c; takes msg. */
static void dispatch(struct ag_mcp_client *c, struct ag_mcp_out *out, cJSON *msg, const char *method,
                     const cJSON *id, const cJSON *params)
{
    int log_level = -1, level_now, modern = classify(out, id, params, &log_level);

    if (modern < 0)
        return cJSON_Delete(msg);
    pthread_mutex_lock(&S.lock);
    level_now = c->log_level;
    pthread_mutex_unlock(&S.lock);
    if (!modern)
        log_level = level_now;
    if (!id) {
        if (strcmp(method, "notifications/cancelled") == 0)
            on_cancelled(c, params);
        return cJSON_Delete(msg);     /* initialized, progress, roots/list_changed...: nothing to do */
    }
    if (strcmp(method, "tools/call") == 0)
        return on_tools_call(c, out, msg, id, params, modern, log_level);
    if (strcmp(method, "tools/list") == 0)
        on_tools_list(out, id, params, modern);
    else if (strcmp(method, "ping") == 0)
        reply(out, id, modern, cJSON_CreateObject());
    else if (strcmp(method, "resources/read") == 0 || strcmp(method, "resources/list") == 0)
        on_resources(c, out, id, params, modern, strcmp(method, "resources/read") == 0);
    else if (strcmp(method, "server/discover") == 0 && modern)
        on_discover(out, id);
    else if (strcmp(method, "server/discover") == 0)
        ag_mcp_send_error(out, id, AG_RPC_INVALID_PARAMS, "server/discover needs the _meta envelope of protocol "
                          "revision " MODERN_VERSION " (" KEY_VERSION ", " KEY_CAPS ")", NULL);
    else if (strcmp(method, "initialize") == 0 && !modern)
        on_initialize(out, id, params);
    else if (strcmp(method, "logging/setLevel") == 0 && !modern)
        on_set_level(c, out, id, params);
    else {
        char err[200];
        snprintf(err, sizeof err, "Method not found: %.100s", method);
        ag_mcp_send_error(out, id, AG_RPC_METHOD_NOT_FOUND, err, NULL);
    }
    cJSON_Delete(msg);
}

void ag_mcp_handle(struct ag_mcp_client *c, struct ag_mcp_out *out, cJSON *msg)
{
    cJSON *id = cJSON_GetObjectItemCaseSensitive(msg, "id");
    cJSON *method = cJSON_GetObjectItemCaseSensitive(msg, "method");
    cJSON *params = cJSON_GetObjectItemCaseSensitive(msg, "params");

    if (cJSON_IsObject(msg) && !method && (cJSON_HasObjectItem(msg, "result") || cJSON_HasObjectItem(msg, "error")))
        return cJSON_Delete(msg);     /* a response: we send no requests, so nothing awaits it */
    if (!cJSON_IsObject(msg) || !cJSON_IsString(method) || (id && !ag_mcp_id_ok(id)) ||
        strcmp(cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(msg, "jsonrpc")) ?: "", "2.0") != 0 ||
        (params && !cJSON_IsObject(params))) {
        ag_mcp_send_error(out, ag_mcp_id_ok(id) ? id : NULL, AG_RPC_INVALID_REQUEST, cJSON_IsArray(msg)
                          ? "Invalid Request: batches are not supported"
                          : "Invalid Request: expected {\"jsonrpc\":\"2.0\", \"method\": string, "
                            "\"params\"?: object, \"id\"?: string|integer}", NULL);
        return cJSON_Delete(msg);
    }
    if (!params)
        params = cJSON_AddObjectToObject(msg, "params");
    dispatch(c, out, msg, method->valuestring, id, params);
}

void ag_mcp_handle_text(struct ag_mcp_client *c, struct ag_mcp_out *out, const char *text, size_t len)
{
    cJSON *msg = ag_mcp_parse_message(text, len);
    char why[160], err[200];

    if (!msg) {
        ag_mcp_send_error(out, NULL, AG_RPC_PARSE_ERROR, "Parse error: the message is not valid JSON", NULL);
        return;
    }
    if (sr_json_nul(text, len, why, sizeof why)) {   /* cJSON ends the string there: code would run cut short */
        const cJSON *id = cJSON_GetObjectItemCaseSensitive(msg, "id");
        if (!cJSON_IsString(cJSON_GetObjectItemCaseSensitive(msg, "method")) || !id) {
            SR_LOG("mcp: a notification or response dropped unanswered (JSON-RPC answers neither): %s", why);
            return cJSON_Delete(msg);
        }
        snprintf(err, sizeof err, "Invalid params: %s", why);
        ag_mcp_send_error(out, ag_mcp_id_ok(id) ? id : NULL, AG_RPC_INVALID_PARAMS, err, NULL);
        return cJSON_Delete(msg);
    }
    ag_mcp_handle(c, out, msg);
}

int ag_mcp_is_modern(const cJSON *msg)
{
    const cJSON *meta = cJSON_GetObjectItemCaseSensitive(cJSON_GetObjectItemCaseSensitive(msg, "params"), "_meta");

    return cJSON_GetObjectItemCaseSensitive(meta, KEY_VERSION) != NULL;
}

void ag_mcp_client_init(struct ag_mcp_client *c, const char *tenant, const char *protocol)
{
    memset(c, 0, sizeof *c);
    pthread_mutex_lock(&S.lock);
    c->serial = ++S.serials;
    pthread_mutex_unlock(&S.lock);
    c->local = tenant == NULL;
    snprintf(c->tenant, sizeof c->tenant, "%s", tenant ? tenant : "");
    c->protocol = protocol;
    c->log_level = -1;
}

void ag_mcp_cancel_client(const struct ag_mcp_client *c)
{
    pthread_mutex_lock(&S.lock);
    for (struct request *r = S.all; r; r = r->anext)
        if (r->state != FINISHED && r->client == c->serial)
            ag_mcp_call_cancel(&r->call);
    pthread_mutex_unlock(&S.lock);
}

/* ---- start and stop ---- */

static int start_threads(int nworkers)
{
    S.nworkers = 0;
    for (int i = 0; i < nworkers; i++) {
        if (pthread_create(&S.workers[i], NULL, worker, NULL) != 0)
            break;
        S.nworkers++;
    }
    if (S.nworkers == 0 || pthread_create(&S.ticker, NULL, ticker, NULL) != 0)
        return SR_LOG("mcp: cannot start threads"), -1;
    return 0;
}

int ag_mcp_server_start(const struct ag_mcp_opts *o)
{
    if (ag_mcp_tools_init() < 0 || ag_mcp_store_init() < 0)
        return -1;
    S.max_queue = o->max_queue > 0 ? o->max_queue : 64;
    S.stopping = 0;
    return start_threads(o->workers > 0 && o->workers <= AG_MCP_MAX_WORKERS ? o->workers : 4);
}

void ag_mcp_server_cancel_all(void)
{
    pthread_mutex_lock(&S.lock);
    S.stopping = 1;
    for (struct request *r = S.all; r; r = r->anext)
        ag_mcp_call_cancel(&r->call);
    pthread_cond_broadcast(&S.cond);
    pthread_mutex_unlock(&S.lock);
}

void ag_mcp_server_stop(void)
{
    ag_mcp_server_cancel_all();
    for (int i = 0; i < S.nworkers; i++)
        pthread_join(S.workers[i], NULL);
    pthread_join(S.ticker, NULL);
    ag_mcp_sessions_stop_all();
    ag_mcp_store_cleanup();
}
