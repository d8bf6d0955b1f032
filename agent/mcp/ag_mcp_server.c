/* ag_mcp_server.c — MCP lifecycle, method dispatch, and the tool-call pool.
 *
 * The reader (this thread) parses each line and answers the quick methods
 * itself; tools/call goes to a FIFO served by a fixed number of worker
 * threads, so calls run concurrently and may answer out of order. A ticker
 * thread sends progress notifications and reaps idle sessions. Every write to
 * the client goes through ag_mcp_send (one mutex). */
#include "ag_mcp_server.h"

#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "ag_audit.h"
#include "ag_mcp_inline.h"
#include "ag_mcp_rpc.h"
#include "ag_mcp_store.h"
#include "ag_mcp_session.h"
#include "ag_mcp_tools.h"
#include "ag_metrics.h"
#include "sr_log.h"

#define MODERN_VERSION "2026-07-28"
#define KEY_VERSION "io.modelcontextprotocol/protocolVersion"
#define KEY_CAPS "io.modelcontextprotocol/clientCapabilities"
#define KEY_LOGLEVEL "io.modelcontextprotocol/logLevel"
#define KEY_SERVERINFO "io.modelcontextprotocol/serverInfo"
#define SERVER_VERSION "0.1.0"

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
    int modern, log_level;           /* log_level: index into log_levels, or -1 */
    enum req_state state;
    double started, last_progress;
    struct ag_mcp_call call;
};

static struct {
    pthread_mutex_t lock;
    pthread_cond_t cond;
    struct request *qhead, *qtail, *all;
    int nqueued, max_queue, stopping;
    int log_level;                   /* set by logging/setLevel (legacy); -1 none */
    pthread_t workers[AG_MCP_MAX_WORKERS], ticker;
    int nworkers;
} S = {.lock = PTHREAD_MUTEX_INITIALIZER, .cond = PTHREAD_COND_INITIALIZER, .log_level = -1};

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
    cJSON_AddStringToObject(i, "version", SERVER_VERSION);
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
static void reply(const cJSON *id, int modern, cJSON *result)
{
    if (modern) {
        cJSON *meta = cJSON_GetObjectItemCaseSensitive(result, "_meta");
        if (!cJSON_IsObject(meta))
            meta = cJSON_AddObjectToObject(result, "_meta");
        cJSON_AddItemToObject(meta, KEY_SERVERINFO, server_info());
        if (!cJSON_GetObjectItemCaseSensitive(result, "resultType"))
            cJSON_AddStringToObject(result, "resultType", "complete");
    }
    ag_mcp_send_result(id, result);
}

static int level_index(const char *name)
{
    for (int i = 0; i < 8; i++)
        if (name && strcmp(name, log_levels[i]) == 0)
            return i;
    return -1;
}

/* A notifications/message to the client, if it asked for this level. */
static void client_log(int wanted, int level, const char *text)
{
    cJSON *p;

    if (wanted < 0 || level < wanted)
        return;
    p = cJSON_CreateObject();
    cJSON_AddStringToObject(p, "level", log_levels[level]);
    cJSON_AddStringToObject(p, "logger", "sandboxrun");
    cJSON_AddStringToObject(p, "data", text);
    ag_mcp_send_notification("notifications/message", p);
}

/* ---- the era of a request ---- */

/* 1 modern, 0 legacy, -1 after answering an error (bad envelope or version). */
static int classify(const cJSON *id, const cJSON *params, int *log_level)
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
            ag_mcp_send_error(id, AG_RPC_INVALID_PARAMS,
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
            ag_mcp_send_error(id, AG_RPC_UNSUPPORTED_VERSION, msg, data);
        }
        return -1;
    }
    *log_level = lvl ? level_index(lvl->valuestring) : -1;
    return 1;
}

/* ---- quick methods ---- */

static void on_initialize(const cJSON *id, const cJSON *params)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(params, "protocolVersion");
    const char *chosen = legacy_versions[0];
    cJSON *r;

    if (!cJSON_IsString(v)) {
        ag_mcp_send_error(id, AG_RPC_INVALID_PARAMS, "initialize needs params.protocolVersion (a string)", NULL);
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
    ag_mcp_send_result(id, r);
}

static void on_discover(const cJSON *id)
{
    cJSON *r = cJSON_CreateObject();

    cJSON_AddItemToObject(r, "supportedVersions", cJSON_CreateStringArray((const char *[]){MODERN_VERSION}, 1));
    cJSON_AddItemToObject(r, "capabilities", capabilities());
    cJSON_AddStringToObject(r, "instructions", instructions);
    cJSON_AddNumberToObject(r, "ttlMs", 0);
    cJSON_AddStringToObject(r, "cacheScope", "private");
    reply(id, 1, r);
}

static void on_tools_list(const cJSON *id, const cJSON *params, int modern)
{
    cJSON *r;

    if (cJSON_GetObjectItemCaseSensitive(params, "cursor")) {
        ag_mcp_send_error(id, AG_RPC_INVALID_PARAMS, "invalid cursor: tools/list has a single page", NULL);
        return;
    }
    r = cJSON_CreateObject();
    cJSON_AddItemToObject(r, "tools", ag_mcp_tools_list());
    if (modern) {
        cJSON_AddNumberToObject(r, "ttlMs", 300000);   /* the table is fixed for the process's life */
        cJSON_AddStringToObject(r, "cacheScope", "public");
    }
    reply(id, modern, r);
}

static void on_set_level(const cJSON *id, const cJSON *params)
{
    int lvl = level_index(cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(params, "level")));

    if (lvl < 0) {
        ag_mcp_send_error(id, AG_RPC_INVALID_PARAMS, "level must be one of debug, info, notice, warning, "
                          "error, critical, alert, emergency", NULL);
        return;
    }
    pthread_mutex_lock(&S.lock);
    S.log_level = lvl;
    pthread_mutex_unlock(&S.lock);
    ag_mcp_send_result(id, cJSON_CreateObject());
}

/* ---- tool calls ---- */

static void request_free(struct request *r)
{
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

/* Queue a validated call; takes msg. Refuses when the queue is full. */
static void enqueue(cJSON *msg, const cJSON *id, const struct ag_mcp_tool *t, const cJSON *args,
                    const cJSON *params, int modern, int log_level)
{
    struct request *r = calloc(1, sizeof *r);
    const cJSON *meta = cJSON_GetObjectItemCaseSensitive(params, "_meta");
    const cJSON *tok = cJSON_GetObjectItemCaseSensitive(meta, "progressToken");

    if (!r) {
        ag_mcp_send_error(id, AG_RPC_INTERNAL_ERROR, "out of memory", NULL);
        cJSON_Delete(msg);
        return;
    }
    r->msg = msg;
    r->id = id;
    r->tool = t;
    r->modern = modern;
    r->log_level = log_level;
    r->progress_token = ag_mcp_id_ok(tok) ? tok : NULL;
    ag_mcp_call_init(&r->call, args);
    r->call.protocol = "mcp-stdio";   /* audit: a caller's trace in _meta.traceparent names the call */
    ag_audit_correlation(cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(meta, "traceparent")), NULL,
                         r->call.correlation);
    pthread_mutex_lock(&S.lock);
    if (S.nqueued >= S.max_queue || S.stopping) {
        pthread_mutex_unlock(&S.lock);
        ag_metrics_busy("-32000");
        ag_mcp_send_error(id, AG_RPC_SERVER_BUSY, "server busy: too many tool calls waiting; retry later", NULL);
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

static void on_tools_call(cJSON *msg, const cJSON *id, const cJSON *params, int modern, int log_level)
{
    const cJSON *name = cJSON_GetObjectItemCaseSensitive(params, "name");
    cJSON *args = cJSON_GetObjectItemCaseSensitive(params, "arguments");
    const struct ag_mcp_tool *t;
    char err[512];

    if (!cJSON_IsString(name)) {
        ag_mcp_send_error(id, AG_RPC_INVALID_PARAMS, "tools/call needs params.name (a string)", NULL);
        return cJSON_Delete(msg);
    }
    if (!(t = ag_mcp_tool_find(name->valuestring))) {
        snprintf(err, sizeof err, "Unknown tool: %.100s (see tools/list)", name->valuestring);
        ag_mcp_send_error(id, AG_RPC_INVALID_PARAMS, err, NULL);
        return cJSON_Delete(msg);
    }
    if (!args)
        args = cJSON_AddObjectToObject((cJSON *)params, "arguments");
    if (ag_mcp_tool_validate(t, args, err, sizeof err) < 0) {
        char msg2[600];
        snprintf(msg2, sizeof msg2, "Invalid arguments for tool %s: %s", t->name, err);
        ag_mcp_send_error(id, AG_RPC_INVALID_PARAMS, msg2, NULL);
        return cJSON_Delete(msg);
    }
    enqueue(msg, id, t, args, params, modern, log_level);
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
    client_log(r->log_level, 1, line);
    result = ag_mcp_tool_run(&r->call, r->tool, &code, err, sizeof err);
    if (finish(r) < 0) {
        SR_INFO("mcp: %s cancelled; no answer sent, as the protocol asks", r->tool->name);
        cJSON_Delete(result);
        return;
    }
    snprintf(line, sizeof line, "%s finished%s", r->tool->name,
             cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(result, "isError")) ? " with an error" : "");
    client_log(r->log_level, 1, line);
    if (result)
        reply(r->id, r->modern, result);
    else
        ag_mcp_send_error(r->id, code, err[0] ? err : "the tool failed", NULL);
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

/* notifications/cancelled: stop the named call; a queued one never runs. */
static void on_cancelled(const cJSON *params)
{
    const cJSON *rid = cJSON_GetObjectItemCaseSensitive(params, "requestId");

    pthread_mutex_lock(&S.lock);
    for (struct request *r = S.all; rid && r; r = r->anext) {
        if (r->state == FINISHED || !ag_mcp_id_equal(r->id, rid))
            continue;             /* one being answered: too late to cancel */
        SR_INFO("mcp: cancelling %s", r->tool->name);
        ag_mcp_call_cancel(&r->call);     /* a queued one: the worker sees it and skips the answer */
        break;
    }
    pthread_mutex_unlock(&S.lock);
}

/* Progress for each running call whose caller sent a progressToken. */
static void send_progress(void)
{
    double t = now();

    pthread_mutex_lock(&S.lock);
    for (struct request *r = S.all; r; r = r->anext) {
        cJSON *p;
        char msg[96];
        double elapsed = floor((t - r->started) * 10) / 10;
        if (r->state != RUNNING || !r->progress_token || t - r->last_progress < 1.0 || elapsed <= 0)
            continue;
        r->last_progress = t;
        p = cJSON_CreateObject();
        cJSON_AddItemToObject(p, "progressToken", ag_mcp_id_dup(r->progress_token));
        cJSON_AddNumberToObject(p, "progress", elapsed);
        if (r->call.timeout > elapsed)
            cJSON_AddNumberToObject(p, "total", r->call.timeout);
        snprintf(msg, sizeof msg, "%s running for %.0f s", r->tool->name, elapsed);
        cJSON_AddStringToObject(p, "message", msg);
        ag_mcp_send_notification("notifications/progress", p);
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
static void on_resources(const cJSON *id, const cJSON *params, int modern, int read)
{
    char err[600];
    cJSON *r;

    if (!read) {
        r = cJSON_CreateObject();
        cJSON_AddItemToObject(r, "resources", cJSON_CreateArray());
        return reply(id, modern, r);
    }
    r = ag_mcp_inline_read(cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(params, "uri")), err, sizeof err);
    if (r)
        reply(id, modern, r);
    else
        ag_mcp_send_error(id, AG_RPC_RESOURCE_NOT_FOUND, err, NULL);
}

/* ---- dispatch ---- */

/* Handle one request (id set) or notification (id NULL); takes msg. */
static void dispatch(cJSON *msg, const char *method, const cJSON *id, const cJSON *params)
{
    int log_level = -1, level_now, modern = classify(id, params, &log_level);

    if (modern < 0)
        return cJSON_Delete(msg);
    pthread_mutex_lock(&S.lock);
    level_now = S.log_level;
    pthread_mutex_unlock(&S.lock);
    if (!modern)
        log_level = level_now;
    if (!id) {
        if (strcmp(method, "notifications/cancelled") == 0)
            on_cancelled(params);
        return cJSON_Delete(msg);     /* initialized, progress, roots/list_changed...: nothing to do */
    }
    if (strcmp(method, "tools/call") == 0)
        return on_tools_call(msg, id, params, modern, log_level);
    if (strcmp(method, "tools/list") == 0)
        on_tools_list(id, params, modern);
    else if (strcmp(method, "ping") == 0)
        reply(id, modern, cJSON_CreateObject());
    else if (strcmp(method, "resources/read") == 0 || strcmp(method, "resources/list") == 0)
        on_resources(id, params, modern, strcmp(method, "resources/read") == 0);
    else if (strcmp(method, "server/discover") == 0 && modern)
        on_discover(id);
    else if (strcmp(method, "server/discover") == 0)
        ag_mcp_send_error(id, AG_RPC_INVALID_PARAMS, "server/discover needs the _meta envelope of protocol "
                          "revision " MODERN_VERSION " (" KEY_VERSION ", " KEY_CAPS ")", NULL);
    else if (strcmp(method, "initialize") == 0 && !modern)
        on_initialize(id, params);
    else if (strcmp(method, "logging/setLevel") == 0 && !modern)
        on_set_level(id, params);
    else {
        char err[200];
        snprintf(err, sizeof err, "Method not found: %.100s", method);
        ag_mcp_send_error(id, AG_RPC_METHOD_NOT_FOUND, err, NULL);
    }
    cJSON_Delete(msg);
}

/* The line as one JSON value, or NULL if it is not valid JSON or anything
 * but white space follows the value ('{...} garbage', '{...}{...}'). */
static cJSON *parse_line(const char *line, size_t len)
{
    const char *end = NULL;
    cJSON *msg = cJSON_ParseWithLengthOpts(line, len, &end, 0);

    while (msg && end < line + len && (*end == ' ' || *end == '\t' || *end == '\r'))
        end++;                    /* JSON's white space (a line holds no '\n') */
    if (msg && end != line + len) {
        cJSON_Delete(msg);
        return NULL;
    }
    return msg;
}

/* One line from the client: parse, check the JSON-RPC shape, dispatch. */
static void handle_line(const char *line, size_t len)
{
    cJSON *msg = parse_line(line, len), *id, *method, *params;

    if (!msg) {
        ag_mcp_send_error(NULL, AG_RPC_PARSE_ERROR, "Parse error: the line is not valid JSON", NULL);
        return;
    }
    id = cJSON_GetObjectItemCaseSensitive(msg, "id");
    method = cJSON_GetObjectItemCaseSensitive(msg, "method");
    params = cJSON_GetObjectItemCaseSensitive(msg, "params");
    if (cJSON_IsObject(msg) && !method && (cJSON_HasObjectItem(msg, "result") || cJSON_HasObjectItem(msg, "error")))
        return cJSON_Delete(msg);     /* a response: we send no requests, so nothing awaits it */
    if (!cJSON_IsObject(msg) || !cJSON_IsString(method) || (id && !ag_mcp_id_ok(id)) ||
        strcmp(cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(msg, "jsonrpc")) ?: "", "2.0") != 0 ||
        (params && !cJSON_IsObject(params))) {
        ag_mcp_send_error(ag_mcp_id_ok(id) ? id : NULL, AG_RPC_INVALID_REQUEST, cJSON_IsArray(msg)
                          ? "Invalid Request: batches are not supported"
                          : "Invalid Request: expected {\"jsonrpc\":\"2.0\", \"method\": string, "
                            "\"params\"?: object, \"id\"?: string|integer}", NULL);
        return cJSON_Delete(msg);
    }
    if (!params)
        params = cJSON_AddObjectToObject(msg, "params");
    dispatch(msg, method->valuestring, id, params);
}

/* ---- start and stop ---- */

static int sig_pipe[2] = {-1, -1};

static void on_signal(int sig)
{
    (void)sig;
    (void)!write(sig_pipe[1], "x", 1);
}

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

/* Cancel everything, wait for the workers, stop the sessions. */
static void shut_down(void)
{
    pthread_mutex_lock(&S.lock);
    S.stopping = 1;
    for (struct request *r = S.all; r; r = r->anext)
        ag_mcp_call_cancel(&r->call);
    pthread_cond_broadcast(&S.cond);
    pthread_mutex_unlock(&S.lock);
    for (int i = 0; i < S.nworkers; i++)
        pthread_join(S.workers[i], NULL);
    pthread_join(S.ticker, NULL);
    ag_mcp_sessions_stop_all();
    ag_mcp_store_cleanup();
}

static void read_loop(int in_fd, size_t max_line)
{
    struct ag_mcp_reader rd;
    char *line;
    size_t len;
    cJSON *id;

    ag_mcp_reader_init(&rd, in_fd, sig_pipe[0], max_line);
    for (;;) {
        enum ag_mcp_read_res rc = ag_mcp_reader_next(&rd, &line, &len, &id);
        if (rc == AG_MCP_READ_EOF || rc == AG_MCP_READ_ERROR)
            break;
        if (rc == AG_MCP_READ_OVERSIZED) {
            char msg[120];
            snprintf(msg, sizeof msg, "Invalid Request: message longer than %zu bytes; nothing was done", max_line);
            SR_WARN("mcp: refused a message longer than %zu bytes", max_line);
            ag_mcp_send_error(id, AG_RPC_INVALID_REQUEST, msg, NULL);
            cJSON_Delete(id);
        } else if (len > 0) {
            handle_line(line, len);
        }
    }
    ag_mcp_reader_free(&rd);
}

int ag_mcp_serve(int in_fd, int out_fd, const struct ag_mcp_opts *o)
{
    struct sigaction sa = {.sa_handler = on_signal, .sa_flags = SA_RESTART};

    if (ag_mcp_tools_init() < 0 || ag_mcp_store_init() < 0 || pipe2(sig_pipe, O_CLOEXEC) < 0)
        return 1;
    S.max_queue = o->max_queue > 0 ? o->max_queue : 64;
    ag_mcp_out_init(out_fd);
    signal(SIGPIPE, SIG_IGN);
    sigemptyset(&sa.sa_mask);
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);
    sigaction(SIGHUP, &sa, NULL);
    if (start_threads(o->workers > 0 && o->workers <= AG_MCP_MAX_WORKERS ? o->workers : 4) < 0)
        return 1;
    read_loop(in_fd, o->max_line ? o->max_line : AG_MCP_LINE_MAX);
    shut_down();
    return 0;
}
