/* ag_mcp_http.c — the /mcp endpoint: who calls (bearer token, Origin), the
 * MCP sessions, and each POST handed to the MCP server with an ag_mcp_sse
 * stream for its answer; see ag_mcp_http.h. */
#include "ag_mcp_http.h"

#include <openssl/crypto.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "ag_audit.h"
#include "ag_mcp_result.h"
#include "ag_metrics.h"
#include "ag_mcp_server.h"
#include "ag_mcp_sse.h"
#include "ag_sid.h"
#include "ag_tenants.h"
#include "sr_json_nul.h"
#include "sr_log.h"

#define LOCAL_TENANT "local"
#define SID_BYTES 32                     /* random bytes of an id without a pod name */
#define ERR_HEADER_MISMATCH (-32020)     /* 2026-07-28: a header missing, or not what the body says */
#define ERR_SESSION (-32001)             /* as the SDKs answer for an unknown session */
#define CORS_HEADERS "Authorization, Content-Type, Accept, MCP-Session-Id, MCP-Protocol-Version, Mcp-Method, " \
                     "Mcp-Name, Last-Event-ID, traceparent"

static const char *const header_versions[] = {"2025-11-25", "2025-06-18", "2025-03-26", AG_MCP_MODERN_VERSION};

/* One MCP session: a client of the MCP server, owned by a tenant. */
struct msess {
    struct msess *next;
    char id[AG_SID_MAX];
    struct ag_mcp_client client;
    double last_used;
    int refs;                            /* the registry's and each request's */
    int ended;                           /* deleted or expired: out of the registry */
};

static const struct ag_mcp_http_opts *O;
static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static struct msess *sessions;
static int nsessions;
static atomic_int stopping;

static double now(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

void ag_mcp_http_init(const struct ag_mcp_http_opts *o)
{
    O = o;
}

/* ---- answers ---- */

static void respond_text(struct ag_http_resp *resp, int status, const char *type, const char *text)
{
    ag_http_respond(resp, status, type, strdup(text), strlen(text));
}

/* resp: status and the JSON-RPC error {code, message} for request id (NULL: null). */
static void rpc_error(struct ag_http_resp *resp, int status, const cJSON *id, int code, const char *msg)
{
    cJSON *m = cJSON_CreateObject(), *e;
    char *text;

    cJSON_AddStringToObject(m, "jsonrpc", "2.0");
    e = cJSON_AddObjectToObject(m, "error");
    cJSON_AddNumberToObject(e, "code", code);
    cJSON_AddStringToObject(e, "message", msg);
    cJSON_AddItemToObject(m, "id", id ? ag_mcp_id_dup(id) : cJSON_CreateNull());
    text = cJSON_PrintUnformatted(m);
    cJSON_Delete(m);
    ag_http_respond(resp, status, "application/json", text, text ? strlen(text) : 0);
}

/* An HTTP error carrying a JSON-RPC error body (id null), as the SDKs send. */
static void rpc_refuse(struct ag_http_resp *resp, int status, int code, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
static void rpc_refuse(struct ag_http_resp *resp, int status, int code, const char *fmt, ...)
{
    char msg[512];
    va_list ap;

    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    rpc_error(resp, status, NULL, code, msg);
    SR_INFO("mcp-http: %d: %s", status, msg);
}

/* The base URL clients reach us at: --public-url, or http://HOST from a
 * Host header of plain host characters (anything else: localhost). */
static void base_url(const struct ag_http_req *req, char *out, size_t n)
{
    const char *host = ag_http_header(req, "Host");

    if (O->public_url) {
        size_t len;
        snprintf(out, n, "%s", O->public_url);
        len = strlen(out);
        if (len && out[len - 1] == '/')
            out[len - 1] = '\0';
        return;
    }
    if (!host || !*host || strlen(host) > 255 ||
        strspn(host, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789.-:[]") != strlen(host))
        host = "localhost";
    snprintf(out, n, "http://%s", host);
}

/* ---- who calls ---- */

/* Whether req's Origin (if any) is one of --allow-origin's. */
static int origin_ok(const struct ag_http_req *req)
{
    const char *origin = ag_http_header(req, "Origin");

    if (!origin)
        return 1;        /* not a browser: DNS rebinding needs one */
    for (int i = 0; i < O->norigins; i++)
        if (strcasecmp(origin, O->origins[i]) == 0)
            return 1;
    return 0;
}

/* The caller's tenant, or NULL after answering 401/403. */
static const char *authenticate(const struct ag_http_req *req, struct ag_http_resp *resp)
{
    const char *h = ag_http_header(req, "Authorization"), *tenant;
    char base[300], www[AG_HTTP_RESP_VALUE_MAX];

    if (!origin_ok(req)) {
        rpc_refuse(resp, 403, AG_RPC_INVALID_REQUEST, "Forbidden: Origin %.100s is not allowed (serve --allow-origin)",
                   ag_http_header(req, "Origin"));
        return NULL;
    }
    if (!O->auth)
        return LOCAL_TENANT;
    if (h && strncasecmp(h, "Bearer ", 7) == 0 && (tenant = ag_auth_bearer(O->auth, h + 7)))
        return tenant;
    base_url(req, base, sizeof base);
    snprintf(www, sizeof www, "Bearer resource_metadata=\"%.160s/.well-known/oauth-protected-resource/mcp\"%s",
             base, h ? ", error=\"invalid_token\"" : "");
    ag_metrics_auth_failure("bearer");
    rpc_refuse(resp, 401, AG_RPC_INVALID_REQUEST, "Unauthorized: %s",
               h ? "the bearer token is not valid here" : "an Authorization: Bearer token is required");
    ag_http_add_header(resp, "WWW-Authenticate", www);
    return NULL;
}

/* For a request from an allowed Origin, the CORS headers a browser needs
 * to read the answer (and the session id and the auth challenge in it). */
static void add_cors(const struct ag_http_req *req, struct ag_http_resp *resp)
{
    const char *origin = ag_http_header(req, "Origin");

    if (!origin || !origin_ok(req))
        return;
    ag_http_add_header(resp, "Access-Control-Allow-Origin", origin);
    ag_http_add_header(resp, "Access-Control-Expose-Headers", "MCP-Session-Id, WWW-Authenticate");
    ag_http_add_header(resp, "Vary", "Origin");
}

/* A CORS preflight: what an allowed Origin may send (it carries no token). */
static void preflight(const struct ag_http_req *req, struct ag_http_resp *resp)
{
    if (!ag_http_header(req, "Origin") || !origin_ok(req))
        return rpc_refuse(resp, 403, AG_RPC_INVALID_REQUEST, "Forbidden: Origin not allowed (serve --allow-origin)");
    ag_http_respond(resp, 204, NULL, NULL, 0);
    add_cors(req, resp);
    ag_http_add_header(resp, "Access-Control-Allow-Methods", "POST, GET, DELETE");
    ag_http_add_header(resp, "Access-Control-Allow-Headers", CORS_HEADERS);
    ag_http_add_header(resp, "Access-Control-Max-Age", "600");
}

void ag_mcp_http_admit(const struct ag_http_req *req, struct ag_http_resp *resp, void *ctx)
{
    (void)ctx;
    if (strcmp(req->method, "OPTIONS") == 0)
        return preflight(req, resp);
    if (!authenticate(req, resp))  /* a refusal answers now; the body is never kept */
        add_cors(req, resp);
}

/* ---- sessions ---- */

static void unref_locked(struct msess *m)
{
    if (--m->refs == 0)
        free(m);
}

static void release(struct msess *m)
{
    pthread_mutex_lock(&lock);
    unref_locked(m);
    pthread_mutex_unlock(&lock);
}

/* ag_mcp_sse_on_end hook: a call of session arg is over; its idle time
 * starts now. */
static void call_ended(void *arg)
{
    struct msess *m = arg;

    pthread_mutex_lock(&lock);
    m->last_used = now();
    unref_locked(m);
    pthread_mutex_unlock(&lock);
}

/* ag_mcp_sse_on_end hook: give back the tenant's execution slot. */
static void slot_ended(void *tenant)
{
    ag_tenants_exec_end(tenant);
}

/* Take m out of the registry (lock held); its calls are cancelled by the caller. */
static void end_locked(struct msess *m)
{
    for (struct msess **p = &sessions; *p; p = &(*p)->next)
        if (*p == m) {
            *p = m->next;
            break;
        }
    m->ended = 1;
    nsessions--;
}

/* tenant's session id (a reference), or NULL. */
static struct msess *acquire(const char *id, const char *tenant)
{
    struct msess *found = NULL;
    size_t n = strlen(id);

    if (n >= AG_SID_MAX || !ag_sid_mine(id))   /* another pod's: unknown here, never forwarded */
        return NULL;
    pthread_mutex_lock(&lock);
    for (struct msess *m = sessions; m && !found; m = m->next)
        if (strlen(m->id) == n && CRYPTO_memcmp(m->id, id, n) == 0 && strcmp(m->client.tenant, tenant) == 0 &&
            (m->refs > 1 || now() - m->last_used <= O->idle))   /* a call running keeps it fresh */
            found = m;
    if (found) {
        found->refs++;
        found->last_used = now();
    }
    pthread_mutex_unlock(&lock);
    return found;
}

/* A new session of tenant (a reference, and the registry's), or NULL with why. */
static struct msess *open_session(const char *tenant, const char **why)
{
    struct msess *m;
    int mine = 0;

    ag_mcp_http_reap();
    if (!(m = calloc(1, sizeof *m)) || ag_sid_mint(m->id, sizeof m->id, SID_BYTES) < 0) {
        free(m);
        return *why = "cannot make a session id", NULL;
    }
    ag_mcp_client_init(&m->client, tenant, "mcp-http");
    m->last_used = now();
    m->refs = 2;
    pthread_mutex_lock(&lock);
    for (struct msess *e = sessions; e; e = e->next)
        mine += strcmp(e->client.tenant, tenant) == 0;
    if (nsessions >= O->max_sessions || mine >= O->tenant_sessions) {
        pthread_mutex_unlock(&lock);
        free(m);
        return *why = nsessions >= O->max_sessions ? "too many MCP sessions on this server"
                                                   : "too many MCP sessions for this tenant", NULL;
    }
    m->next = sessions;
    sessions = m;
    nsessions++;
    pthread_mutex_unlock(&lock);
    return m;
}

/* End m (a reference the caller holds): out of the registry, calls cancelled. */
static void end_session(struct msess *m)
{
    pthread_mutex_lock(&lock);
    if (!m->ended) {
        end_locked(m);
        unref_locked(m);          /* the registry's */
    }
    pthread_mutex_unlock(&lock);
    ag_mcp_cancel_client(&m->client);
}

void ag_mcp_http_reap(void)
{
    struct msess *gone[64];
    size_t n = 0;

    pthread_mutex_lock(&lock);
    for (struct msess *m = sessions, *next; m && n < sizeof gone / sizeof *gone; m = next) {
        next = m->next;
        if (m->refs == 1 && now() - m->last_used > O->idle) {   /* only the registry holds it */
            end_locked(m);
            gone[n++] = m;        /* the registry's reference, now ours */
        }
    }
    pthread_mutex_unlock(&lock);
    for (size_t i = 0; i < n; i++) {
        SR_INFO("mcp-http: session of %s expired after %.0f s unused", gone[i]->client.tenant, O->idle);
        ag_mcp_cancel_client(&gone[i]->client);
        release(gone[i]);
    }
}

void ag_mcp_http_drain(void)
{
    atomic_store(&stopping, 1);
    for (;;) {
        struct msess *m;
        pthread_mutex_lock(&lock);
        if ((m = sessions))
            end_locked(m);        /* the registry's reference, now ours */
        pthread_mutex_unlock(&lock);
        if (!m)
            return;
        ag_mcp_cancel_client(&m->client);
        release(m);
    }
}

void ag_mcp_http_shutdown(void)
{
    atomic_store(&stopping, 1);
    ag_mcp_sse_shutdown();
}

/* ---- POST ---- */

static int version_known(const char *v)
{
    for (size_t i = 0; i < sizeof header_versions / sizeof *header_versions; i++)
        if (strcmp(v, header_versions[i]) == 0)
            return 1;
    return 0;
}

/* Whether the Accept header takes both JSON and an event stream. */
static int accepts_both(const char *accept)
{
    return accept && (strstr(accept, "*/*") ||
                      (strstr(accept, "application/json") && strstr(accept, "text/event-stream")));
}

/* Whether header value v (plain, or "=?base64?...?=") is the string want. */
static int header_says(const char *v, const char *want)
{
    size_t n = strlen(v), len;
    unsigned char *dec;
    int same;
    char *b64;

    if (n < 13 || strncmp(v, "=?base64?", 9) != 0 || strcmp(v + n - 2, "?=") != 0)
        return strcmp(v, want) == 0;
    b64 = strndup(v + 9, n - 11);
    dec = b64 ? ag_mcp_unbase64(b64, &len) : NULL;
    same = dec && len == strlen(want) && memcmp(dec, want, len) == 0;
    free(b64);
    free(dec);
    return same;
}

/* The 2026-07-28 headers: MCP-Protocol-Version on every POST, Mcp-Method on
 * every request, Mcp-Name on those that name something, each what the body
 * says. 0, or -1 after answering 400. */
static int headers_match(const struct ag_http_req *req, struct ag_http_resp *resp, const cJSON *msg)
{
    const char *ver = ag_http_header(req, "MCP-Protocol-Version"), *meth = ag_http_header(req, "Mcp-Method");
    const char *name = ag_http_header(req, "Mcp-Name");
    const cJSON *params = cJSON_GetObjectItemCaseSensitive(msg, "params");
    const char *method = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(msg, "method")) ?: "";
    const char *want = NULL;
    int request = cJSON_HasObjectItem(msg, "id");

    if (strcmp(method, "tools/call") == 0 || strcmp(method, "prompts/get") == 0)
        want = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(params, "name"));
    else if (strcmp(method, "resources/read") == 0)
        want = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(params, "uri"));
    if (!ver || strcmp(ver, AG_MCP_MODERN_VERSION) != 0)
        return rpc_refuse(resp, 400, ERR_HEADER_MISMATCH, "HeaderMismatch: the body's _meta says "
                          AG_MCP_MODERN_VERSION ", MCP-Protocol-Version says %.40s", ver ? ver : "nothing"), -1;
    if ((request && !meth) || (meth && strcmp(meth, method) != 0))
        return rpc_refuse(resp, 400, ERR_HEADER_MISMATCH, "HeaderMismatch: the body's method is %.64s, Mcp-Method "
                          "says %.64s", method, meth ? meth : "nothing"), -1;
    if (request && want && (!name || !header_says(name, want)))
        return rpc_refuse(resp, 400, ERR_HEADER_MISMATCH, "HeaderMismatch: the body names %.64s, Mcp-Name says "
                          "%.64s", want, name ? name : "nothing"), -1;
    return 0;
}

/* The checks of a POST before its message: 0, or -1 after answering. */
static int post_ok(const struct ag_http_req *req, struct ag_http_resp *resp)
{
    const char *ct = ag_http_header(req, "Content-Type"), *ver = ag_http_header(req, "MCP-Protocol-Version");

    if (!ct || strncasecmp(ct, "application/json", 16) != 0)
        return rpc_refuse(resp, 415, AG_RPC_INVALID_REQUEST, "Unsupported Media Type: Content-Type must be "
                          "application/json"), -1;
    if (!accepts_both(ag_http_header(req, "Accept")))
        return rpc_refuse(resp, 406, AG_RPC_INVALID_REQUEST, "Not Acceptable: Accept must list both "
                          "application/json and text/event-stream"), -1;
    if (ver && !version_known(ver))
        return rpc_refuse(resp, 400, AG_RPC_UNSUPPORTED_VERSION, "Unsupported protocol version: %.40s (supported: "
                          "2025-11-25, 2025-06-18, 2025-03-26, " AG_MCP_MODERN_VERSION ")", ver), -1;
    return 0;
}

/* The JSON-RPC error code of a message's text, or 0. */
static int error_code(const char *text, size_t len)
{
    cJSON *m = cJSON_ParseWithLength(text, len);
    const cJSON *c = cJSON_GetObjectItemCaseSensitive(cJSON_GetObjectItemCaseSensitive(m, "error"), "code");
    int code = cJSON_IsNumber(c) ? c->valueint : 0;

    cJSON_Delete(m);
    return code;
}

/* The HTTP status of an answer sent as JSON: 200, but the 2026-07-28
 * revision puts an unsupported version in a 400 and an unknown method in a
 * 404, so that a client learns which revision it speaks to. */
static int status_of(const char *text, size_t len, int modern)
{
    int code = modern ? error_code(text, len) : 0;

    return code == AG_RPC_UNSUPPORTED_VERSION ? 400 : code == AG_RPC_METHOD_NOT_FOUND ? 404 : 200;
}

/* Answer with what the server sent on s for msg: the answer as JSON if it
 * came alone and at once, else the event stream; for a notification or a
 * response 202, or 400 with the error it drew. 1 if the answer is a
 * success (initialize keeps its session then), else 0. */
static int answer_from(struct ag_mcp_sse *s, struct ag_http_resp *resp, int is_request, int modern)
{
    char *text;
    size_t len;
    int code = 0;

    if (ag_mcp_sse_take_answer(s, &text, &len)) {
        ag_mcp_sse_release(s);
        code = error_code(text, len);
        ag_http_respond(resp, is_request ? status_of(text, len, modern) : 400, "application/json", text, len);
        return code == 0;
    }
    if (!is_request) {
        ag_mcp_sse_release(s);
        ag_http_respond(resp, 202, NULL, NULL, 0);
        return 1;
    }
    ag_mcp_sse_respond(s, resp);
    return 1;
}

/* initialize without a session: a new one, kept if the server accepts. */
static void post_initialize(struct ag_http_resp *resp, const char *tenant, cJSON *msg, struct ag_mcp_sse *s)
{
    const char *why;
    struct msess *m = open_session(tenant, &why);

    if (!m) {
        cJSON_Delete(msg);
        ag_mcp_sse_release(s);
        return rpc_refuse(resp, 429, AG_RPC_SERVER_BUSY, "%s; end one (DELETE /mcp) or retry later", why);
    }
    ag_mcp_handle(&m->client, ag_mcp_sse_out(s), msg);
    if (answer_from(s, resp, 1, 0) && !resp->stream_read) {
        ag_http_add_header(resp, "MCP-Session-Id", m->id);
        SR_INFO("mcp-http: session for %s opened", tenant);
    } else {
        end_session(m);
    }
    release(m);
}

/* A tools/call needs one of the tenant's execution slots, held by s until
 * the call is over. 0, or -1 after answering. */
static int take_slot(struct ag_http_resp *resp, const char *tenant, const cJSON *msg, struct ag_mcp_sse *s)
{
    const char *method = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(msg, "method"));

    if (!method || strcmp(method, "tools/call") != 0 || !cJSON_GetObjectItemCaseSensitive(msg, "id"))
        return 0;
    if (ag_tenants_exec_begin(tenant) < 0) {
        ag_metrics_busy("-32000");
        rpc_error(resp, 200, cJSON_GetObjectItemCaseSensitive(msg, "id"), AG_RPC_SERVER_BUSY,
                  "server busy: too many tool calls at once for this tenant or this server; retry later");
        return -1;
    }
    ag_mcp_sse_on_end(s, slot_ended, (void *)tenant);   /* tenant: the auth file's, or static */
    return 0;
}

/* A 2026-07-28 message: a client of its own, and a dropped stream cancels the call. */
static void post_modern(const struct ag_http_req *req, struct ag_http_resp *resp, const char *tenant, cJSON *msg,
                        struct ag_mcp_sse *s, int is_request)
{
    struct ag_mcp_client c;

    if (headers_match(req, resp, msg) < 0 || take_slot(resp, tenant, msg, s) < 0) {
        cJSON_Delete(msg);
        return ag_mcp_sse_release(s);
    }
    ag_mcp_client_init(&c, tenant, "mcp-http");
    ag_mcp_sse_cancel_on_hangup(s, &c);
    ag_mcp_handle(&c, ag_mcp_sse_out(s), msg);
    answer_from(s, resp, is_request, 1);
}

/* A message in tenant's MCP session m (a reference, which goes with the call). */
static void post_in_session(struct ag_http_resp *resp, const char *tenant, cJSON *msg, struct ag_mcp_sse *s,
                            struct msess *m, int is_request)
{
    int ended;

    if (take_slot(resp, tenant, msg, s) < 0) {
        release(m);
        cJSON_Delete(msg);
        return ag_mcp_sse_release(s);
    }
    ag_mcp_sse_on_end(s, call_ended, m);      /* a call running keeps its session */
    ag_mcp_handle(&m->client, ag_mcp_sse_out(s), msg);
    pthread_mutex_lock(&lock);
    ended = m->ended;
    pthread_mutex_unlock(&lock);
    if (ended)                                /* a DELETE raced this call in: it ends too */
        ag_mcp_cancel_client(&m->client);
    answer_from(s, resp, is_request, 0);
}

static void post(const struct ag_http_req *req, struct ag_http_resp *resp, const char *tenant)
{
    const char *sid = ag_http_header(req, "MCP-Session-Id"), *ver = ag_http_header(req, "MCP-Protocol-Version");
    char corr[AG_AUDIT_CORR_MAX], why[160];
    cJSON *msg, *method;
    struct ag_mcp_sse *s;
    struct msess *m;
    int is_request;

    if (post_ok(req, resp) < 0)
        return;
    if (!(msg = ag_mcp_parse_message(req->body, req->body_len)))
        return rpc_refuse(resp, 400, AG_RPC_PARSE_ERROR, "Parse error: the body is not one JSON value");
    if (!cJSON_IsObject(msg)) {
        cJSON_Delete(msg);
        return rpc_refuse(resp, 400, AG_RPC_INVALID_REQUEST, "Invalid Request: one JSON-RPC message per POST "
                          "(batches are not supported)");
    }
    if (sr_json_nul(req->body, req->body_len, why, sizeof why)) {   /* cJSON ends the string there, unsaid */
        char err[200];
        const cJSON *id = cJSON_GetObjectItemCaseSensitive(msg, "id");
        snprintf(err, sizeof err, "Invalid params: %s", why);
        if (cJSON_IsString(cJSON_GetObjectItemCaseSensitive(msg, "method")) && id)
            rpc_error(resp, 200, ag_mcp_id_ok(id) ? id : NULL, AG_RPC_INVALID_PARAMS, err);   /* as bad arguments */
        else   /* a notification or response not accepted: an HTTP error, no JSON-RPC answer to it */
            rpc_refuse(resp, 400, AG_RPC_INVALID_PARAMS, "%s", err);
        return cJSON_Delete(msg);
    }
    method = cJSON_GetObjectItemCaseSensitive(msg, "method");
    is_request = cJSON_IsString(method) && cJSON_HasObjectItem(msg, "id");
    if (!ag_mcp_is_modern(msg) && ver && strcmp(ver, AG_MCP_MODERN_VERSION) == 0) {
        cJSON_Delete(msg);
        return rpc_refuse(resp, 400, ERR_HEADER_MISMATCH, "HeaderMismatch: MCP-Protocol-Version "
                          AG_MCP_MODERN_VERSION ", but the body has no _meta envelope of that revision");
    }
    if (!(s = ag_mcp_sse_new(req->fd, O->keepalive))) {
        cJSON_Delete(msg);
        return rpc_refuse(resp, 500, AG_RPC_INTERNAL_ERROR, "out of memory");
    }
    ag_audit_correlation(ag_http_header(req, "traceparent"), ag_http_header(req, "X-Amzn-Trace-Id"), corr);
    ag_mcp_sse_set_correlation(s, corr);
    ag_http_add_header(resp, AG_AUDIT_HEADER, corr);    /* the caller can find its calls in the audit log */
    if (ag_mcp_is_modern(msg))
        return post_modern(req, resp, tenant, msg, s, is_request);
    if (!sid && is_request && strcmp(method->valuestring, "initialize") == 0)
        return post_initialize(resp, tenant, msg, s);
    if (!sid || !(m = acquire(sid, tenant))) {
        cJSON_Delete(msg);
        ag_mcp_sse_release(s);
        if (!sid)
            return rpc_refuse(resp, 400, AG_RPC_INVALID_REQUEST, "Bad Request: MCP-Session-Id header is required "
                              "(initialize first)");
        return rpc_refuse(resp, 404, ERR_SESSION, "Session not found (ended, expired, or never was): "
                          "initialize a new one");
    }
    if (is_request && strcmp(method->valuestring, "initialize") == 0) {
        release(m);
        cJSON_Delete(msg);
        ag_mcp_sse_release(s);
        return rpc_refuse(resp, 400, AG_RPC_INVALID_REQUEST, "Invalid Request: this session is already initialized");
    }
    post_in_session(resp, tenant, msg, s, m, is_request);
}

/* DELETE: end the session named. */
static void delete_session(const struct ag_http_req *req, struct ag_http_resp *resp, const char *tenant)
{
    const char *sid = ag_http_header(req, "MCP-Session-Id");
    struct msess *m;

    if (!sid)
        return rpc_refuse(resp, 400, AG_RPC_INVALID_REQUEST, "Bad Request: MCP-Session-Id header is required");
    if (!(m = acquire(sid, tenant)))
        return rpc_refuse(resp, 404, ERR_SESSION, "Session not found");
    end_session(m);
    release(m);
    SR_INFO("mcp-http: session of %s ended by the client", tenant);
    ag_http_respond(resp, 200, NULL, NULL, 0);
}

/* The request to /mcp once it is in. */
static void handle(const struct ag_http_req *req, struct ag_http_resp *resp)
{
    const char *tenant;

    if (strcmp(req->path, "/mcp") != 0 && strcmp(req->path, "/mcp/") != 0)
        return rpc_refuse(resp, 404, AG_RPC_METHOD_NOT_FOUND, "Not Found: the MCP endpoint is /mcp");
    if (strcmp(req->method, "OPTIONS") == 0)
        return preflight(req, resp);
    if (!(tenant = authenticate(req, resp)))
        return;
    if (atomic_load(&stopping)) {
        if (ag_http_header(req, "MCP-Session-Id"))   /* its session ended with the drain */
            return rpc_refuse(resp, 404, ERR_SESSION, "Session not found: this server is shutting down and ended "
                              "it; initialize a new one");
        rpc_refuse(resp, 503, AG_RPC_SERVER_BUSY, "the server is shutting down");
        ag_http_add_header(resp, "Connection", "close");
        return;
    }
    if (strcmp(req->method, "POST") == 0)
        return post(req, resp, tenant);
    if (strcmp(req->method, "DELETE") == 0)
        return delete_session(req, resp, tenant);
    /* GET would open a stream for messages the server sends unasked: it sends none */
    rpc_refuse(resp, 405, AG_RPC_INVALID_REQUEST, "Method Not Allowed: POST a message, or DELETE the session");
    ag_http_add_header(resp, "Allow", "POST, DELETE");
}

void ag_mcp_http_handle(const struct ag_http_req *req, struct ag_http_resp *resp, void *ctx)
{
    (void)ctx;
    handle(req, resp);
    if (strcmp(req->method, "OPTIONS") != 0)
        add_cors(req, resp);
}

/* ---- RFC 9728 ---- */

void ag_mcp_http_metadata(const struct ag_http_req *req, struct ag_http_resp *resp, void *ctx)
{
    char base[300], res[340], *text;
    cJSON *m;

    (void)ctx;
    if (strcmp(req->path, "/.well-known/oauth-protected-resource") != 0 &&
        strcmp(req->path, "/.well-known/oauth-protected-resource/mcp") != 0)
        return respond_text(resp, 404, "application/json", "{\"message\":\"no such metadata\"}");
    if (strcmp(req->method, "GET") != 0 && strcmp(req->method, "HEAD") != 0) {
        respond_text(resp, 405, "application/json", "{\"message\":\"GET only\"}");
        ag_http_add_header(resp, "Allow", "GET");
        return;
    }
    base_url(req, base, sizeof base);
    snprintf(res, sizeof res, "%s/mcp", base);
    m = cJSON_CreateObject();
    cJSON_AddStringToObject(m, "resource", res);
    if (O->nauth_servers)
        cJSON_AddItemToObject(m, "authorization_servers", cJSON_CreateStringArray(O->auth_servers, O->nauth_servers));
    cJSON_AddItemToObject(m, "bearer_methods_supported", cJSON_CreateStringArray((const char *[]){"header"}, 1));
    cJSON_AddStringToObject(m, "resource_name", "sandboxrun code interpreter");
    text = cJSON_PrintUnformatted(m);
    cJSON_Delete(m);
    ag_http_respond(resp, 200, "application/json", text, text ? strlen(text) : 0);
    ag_http_add_header(resp, "Cache-Control", "max-age=3600");
}
