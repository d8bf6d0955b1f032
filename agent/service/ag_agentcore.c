/* ag_agentcore.c — the AgentCore routes: authentication, the session
 * operations and their records, and the errors; InvokeCodeInterpreter's
 * tools are in ag_agentcore_tools.c. */
#include "ag_agentcore.h"

#include <math.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/random.h>
#include <time.h>

#include "ag_audit.h"
#include "ag_metrics.h"
#include "ag_observe.h"
#include "ag_mcp_session.h"
#include "ag_mcp_tools.h"
#include "ag_sid.h"
#include "sr_json_nul.h"
#include "sr_log.h"

#define PREFIX "/code-interpreters/"
#define TTL_DEFAULT 900
#define TTL_MAX 28800
#define RECORDS_MAX 4096           /* session records kept (terminated ones are dropped first) */
#define LOCAL_TENANT "local"

/* What the API tells about a session; the session itself is in ag_mcp_session. */
struct record {
    struct record *next;
    char id[AG_SID_MAX], tenant[64], interp[101], name[101], token[257];
    double created, updated;       /* epoch seconds */
    int ttl;
    int terminated, starting;
};

static const struct ag_agentcore_opts *O;
static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static struct record *records;     /* newest first */
static int nrecords;

void ag_agentcore_init(const struct ag_agentcore_opts *o)
{
    O = o;
}

static double wall(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_REALTIME, &ts);
    return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

/* ISO-8601 with milliseconds, as the SDKs parse date-time members. */
static void iso8601(double t, char out[32])
{
    time_t s = (time_t)t;
    struct tm tm;
    char base[24];

    gmtime_r(&s, &tm);
    strftime(base, sizeof base, "%Y-%m-%dT%H:%M:%S", &tm);
    snprintf(out, 32, "%s.%03dZ", base, (int)((t - (double)s) * 1000) % 1000);
}

/* ---- errors ---- */

static void respond_json(struct ag_http_resp *resp, int status, cJSON *body)
{
    char *text = cJSON_PrintUnformatted(body);

    cJSON_Delete(body);
    ag_http_respond(resp, status, "application/json", text, text ? strlen(text) : 0);
}

static void error_v(struct ag_http_resp *resp, int status, const char *type, cJSON *extra, const char *fmt,
                    va_list ap)
{
    cJSON *body = extra ? extra : cJSON_CreateObject();
    char msg[1024];

    vsnprintf(msg, sizeof msg, fmt, ap);
    cJSON_AddStringToObject(body, "message", msg);
    respond_json(resp, status, body);
    ag_http_add_header(resp, "X-Amzn-ErrorType", type);
}

void ag_agentcore_error(struct ag_http_resp *resp, int status, const char *type, const char *fmt, ...)
{
    va_list ap;

    va_start(ap, fmt);
    error_v(resp, status, type, NULL, fmt, ap);
    va_end(ap);
}

void ag_agentcore_invalid(struct ag_http_resp *resp, const char *field, const char *fmt, ...)
{
    cJSON *extra = cJSON_CreateObject(), *list = cJSON_AddArrayToObject(extra, "fieldList"), *f;
    char msg[1024];
    va_list ap;

    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    cJSON_AddStringToObject(extra, "reason", "fieldValidationFailed");
    f = cJSON_CreateObject();
    cJSON_AddStringToObject(f, "name", field);
    cJSON_AddStringToObject(f, "message", msg);
    cJSON_AddItemToArray(list, f);
    cJSON_AddStringToObject(extra, "message", msg);
    respond_json(resp, 400, extra);
    ag_http_add_header(resp, "X-Amzn-ErrorType", "ValidationException");
}

static void not_found(struct ag_http_resp *resp, const char *sid)
{
    /* the same words for a session of another tenant as for one that never was */
    ag_agentcore_error(resp, 404, "ResourceNotFoundException", "Session not found: %.64s", sid ? sid : "");
}

/* ---- who calls ---- */

/* The x-amzn-RequestId header every answer carries. */
static void add_request_id(struct ag_http_resp *resp)
{
    char rid[40];
    unsigned char rnd[16];

    if (getrandom(rnd, sizeof rnd, GRND_NONBLOCK) == sizeof rnd) {
        for (size_t i = 0; i < sizeof rnd; i++)
            snprintf(rid + 2 * i, 3, "%02x", rnd[i]);
    } else {
        snprintf(rid, sizeof rid, "0");
    }
    ag_http_add_header(resp, "x-amzn-RequestId", rid);
}

/* Answer 403 for auth result res (not AG_AUTH_OK) with reason why. */
static void refuse(const struct ag_http_req *req, struct ag_http_resp *resp, enum ag_auth_res res, const char *why)
{
    SR_INFO("agentcore: refused %s %.200s: %s", req->method, req->path, why);
    ag_metrics_auth_failure("sigv4");
    /* the type AWS answers with: InvalidSignatureException for a clock off by
     * more than 5 minutes lets the SDKs correct their clock from our Date header */
    ag_agentcore_error(resp, 403, res == AG_AUTH_SKEWED ? "InvalidSignatureException"
                                  : res == AG_AUTH_BAD_SIGNATURE ? "InvalidSignatureException"
                                  : res == AG_AUTH_UNKNOWN_KEY || res == AG_AUTH_BAD_TOKEN ? "UnrecognizedClientException"
                                  : res == AG_AUTH_MISSING ? "MissingAuthenticationTokenException"
                                  : "AccessDeniedException", "%s", why);
}

static struct ag_auth_request auth_request(const struct ag_http_req *req)
{
    return (struct ag_auth_request){.method = req->method, .path = req->path, .query = req->query,
                                    .nquery = req->nquery, .headers = req->headers, .nheaders = req->nheaders,
                                    .body = req->body, .body_len = req->body_len, .now = time(NULL)};
}

/* The caller's tenant, or NULL after answering 403. */
static const char *authenticate(const struct ag_http_req *req, struct ag_http_resp *resp)
{
    struct ag_auth_request r = auth_request(req);
    const char *tenant = NULL;
    char why[300];
    enum ag_auth_res res;

    if (!O->auth)
        return LOCAL_TENANT;
    res = ag_auth_verify(O->auth, &r, O->region, &tenant, why, sizeof why);
    if (res == AG_AUTH_OK)
        return tenant;
    refuse(req, resp, res, why);
    return NULL;
}

void ag_agentcore_admit(const struct ag_http_req *req, struct ag_http_resp *resp, void *ctx)
{
    struct ag_auth_request r = auth_request(req);
    char why[300];
    enum ag_auth_res res;

    (void)ctx;
    if (O->auth && (res = ag_auth_precheck(O->auth, &r, O->region, why, sizeof why)) != AG_AUTH_OK) {
        refuse(req, resp, res, why);
        add_request_id(resp);
    }
}

/* ---- records ---- */

/* Bring r's status up to date: TERMINATED once its session is gone (lock held). */
static void refresh(struct record *r)
{
    if (!r->terminated && !r->starting && !ag_mcp_session_running(r->id, r->tenant)) {
        double end = r->created + r->ttl, t = wall();
        r->terminated = 1;
        r->updated = end < t ? end : t;
    }
}

/* tenant's record of sid under interp (lock held), its status brought up to date. */
static struct record *find(const char *tenant, const char *interp, const char *sid)
{
    struct record *r;

    for (r = records; r; r = r->next)
        if (strcmp(r->id, sid) == 0 && strcmp(r->tenant, tenant) == 0 && strcmp(r->interp, interp) == 0)
            break;
    if (r)
        refresh(r);
    return r;
}

/* Drop the oldest terminated records past the cap (lock held). Statuses
 * are refreshed first: a session that expired unseen is terminated too,
 * or records of sessions no one asked about again would pile up forever. */
static void trim(void)
{
    if (nrecords > RECORDS_MAX)
        for (struct record *r = records; r; r = r->next)
            refresh(r);
    while (nrecords > RECORDS_MAX) {
        struct record **victim = NULL;
        struct record *r;
        for (struct record **p = &records; *p; p = &(*p)->next)
            if ((*p)->terminated)
                victim = p;
        if (!victim)
            return;
        r = *victim;
        *victim = r->next;
        free(r);
        nrecords--;
    }
}

static const struct ag_agentcore_interp *interp_for(const char *id)
{
    static const struct ag_agentcore_interp dflt = {.name = AG_AGENTCORE_DEFAULT_ID};

    for (int i = 0; i < O->ninterps; i++)
        if (strcmp(O->interps[i].name, id) == 0)
            return &O->interps[i];
    return strcmp(id, AG_AGENTCORE_DEFAULT_ID) == 0 ? &dflt : NULL;
}

static cJSON *parse_body(const struct ag_http_req *req, struct ag_http_resp *resp)
{
    cJSON *j = req->body_len ? cJSON_ParseWithLength(req->body, req->body_len) : cJSON_CreateObject();
    char why[160];

    if (!cJSON_IsObject(j)) {
        cJSON_Delete(j);
        ag_agentcore_error(resp, 400, "SerializationException", "the request body is not a JSON object");
        return NULL;
    }
    if (sr_json_nul(req->body, req->body_len, why, sizeof why)) {   /* cJSON ends the string there, unsaid */
        cJSON_Delete(j);
        ag_agentcore_error(resp, 400, "ValidationException", "%s", why);
        return NULL;
    }
    return j;
}

/* ---- session starts on long-lived threads ----
 * A session's supervisor dies with the thread that forked it (its parent
 * death signal follows the thread), and a connection's thread ends with
 * the connection: so sessions are started by a few threads that live as
 * long as the service. */

#define STARTERS 4

struct start_job {
    struct start_job *next;
    const struct ag_mcp_sess_spec *spec;
    struct ag_mcp_call *call;
    char *id, *why;
    size_t idlen, whylen;
    enum ag_mcp_open_res res;
    int done;
};

static pthread_mutex_t start_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t start_cond = PTHREAD_COND_INITIALIZER, start_done = PTHREAD_COND_INITIALIZER;
static struct start_job *start_head;
static pthread_once_t starters_once = PTHREAD_ONCE_INIT;

static void *starter(void *arg)
{
    (void)arg;
    for (;;) {
        struct start_job *j;
        pthread_mutex_lock(&start_lock);
        while (!start_head)
            pthread_cond_wait(&start_cond, &start_lock);
        j = start_head;
        start_head = j->next;
        pthread_mutex_unlock(&start_lock);
        ag_metrics_queued(-1);
        j->res = ag_mcp_session_open(j->spec, j->call, j->id, j->idlen, j->why, j->whylen);
        pthread_mutex_lock(&start_lock);
        j->done = 1;
        pthread_cond_broadcast(&start_done);
        pthread_mutex_unlock(&start_lock);
    }
    return NULL;
}

static void starters_init(void)
{
    for (int i = 0; i < STARTERS; i++) {
        pthread_t t;
        if (pthread_create(&t, NULL, starter, NULL) == 0)
            pthread_detach(t);
    }
}

/* ag_mcp_session_open on a starter thread; waits for it. */
static enum ag_mcp_open_res open_session(const struct ag_mcp_sess_spec *spec, struct ag_mcp_call *call, char *id,
                                         size_t idlen, char *why, size_t whylen)
{
    struct start_job j = {.spec = spec, .call = call, .id = id, .idlen = idlen, .why = why, .whylen = whylen};
    struct start_job **tail;

    pthread_once(&starters_once, starters_init);
    pthread_mutex_lock(&start_lock);
    tail = &start_head;
    while (*tail)
        tail = &(*tail)->next;
    *tail = &j;
    ag_metrics_queued(1);
    pthread_cond_signal(&start_cond);
    while (!j.done)
        pthread_cond_wait(&start_done, &start_lock);
    pthread_mutex_unlock(&start_lock);
    return j.res;
}

/* ---- StartCodeInterpreterSession ---- */

#define AG_MCP_OPEN_DRAINING (AG_MCP_OPEN_FAILED + 1)   /* ours: started, but the service drains */

/* A start on a draining pod: 503 before any work, so a router may try
 * another pod (containers/nginx.conf), and a client's SDK retries it. */
static void refuse_draining(struct ag_http_resp *resp)
{
    ag_agentcore_error(resp, 503, "ServiceUnavailableException", "This server is draining (shutting down): start "
                       "the session again, another server takes it");
}

static cJSON *start_answer(const struct record *r)
{
    cJSON *o = cJSON_CreateObject();
    char t[32];

    iso8601(r->created, t);
    cJSON_AddStringToObject(o, "codeInterpreterIdentifier", r->interp);
    cJSON_AddStringToObject(o, "sessionId", r->id);
    cJSON_AddStringToObject(o, "createdAt", t);
    return o;
}

/* Validate Start's body into name, ttl and token; 0, or -1 after answering. */
static int start_args(const cJSON *body, struct ag_http_resp *resp, const char **name, int *ttl, const char **token)
{
    const cJSON *t = cJSON_GetObjectItemCaseSensitive(body, "sessionTimeoutSeconds");
    const cJSON *n = cJSON_GetObjectItemCaseSensitive(body, "name");
    const cJSON *k = cJSON_GetObjectItemCaseSensitive(body, "clientToken");

    if (n && (!cJSON_IsString(n) || !*n->valuestring || strlen(n->valuestring) > 100))
        return ag_agentcore_invalid(resp, "name", "name must be a string of 1 to 100 characters"), -1;
    if (t && (!cJSON_IsNumber(t) || t->valuedouble != floor(t->valuedouble) || t->valuedouble < 1 ||
              t->valuedouble > TTL_MAX))
        return ag_agentcore_invalid(resp, "sessionTimeoutSeconds", "sessionTimeoutSeconds must be an integer "
                                    "from 1 to %d", TTL_MAX), -1;
    if (k && (!cJSON_IsString(k) || !*k->valuestring || strlen(k->valuestring) > 256))
        return ag_agentcore_invalid(resp, "clientToken", "clientToken must be a string of 1 to 256 characters"), -1;
    *name = n ? n->valuestring : "";
    *ttl = t ? (int)t->valuedouble : TTL_DEFAULT;
    *token = k ? k->valuestring : "";
    return 0;
}

/* An earlier start with the same clientToken: answered from its record.
 * 1 if answered, 0 if there is none (lock held). */
static int replay(const char *tenant, const char *interp, const char *token, const char *name, int ttl,
                  struct ag_http_resp *resp)
{
    for (struct record *r = records; *token && r; r = r->next) {
        if (strcmp(r->tenant, tenant) != 0 || strcmp(r->token, token) != 0)
            continue;
        if (r->starting)
            ag_agentcore_error(resp, 409, "ConflictException", "A session with this clientToken is starting");
        else if (strcmp(r->interp, interp) != 0 || strcmp(r->name, name) != 0 || r->ttl != ttl)
            ag_agentcore_error(resp, 409, "ConflictException", "This clientToken was used with other parameters");
        else
            respond_json(resp, 200, start_answer(r));
        return 1;
    }
    return 0;
}

static void op_start(const struct ag_http_req *req, struct ag_http_resp *resp, const char *tenant,
                     const struct ag_agentcore_interp *in, const char *corr)
{
    cJSON *body = parse_body(req, resp);
    struct ag_mcp_sess_spec spec = {.tenant = tenant, .memory_mb = in->memory_mb, .pids = in->pids,
                                    .tmp_mb = in->tmp_mb, .out_mb = in->out_mb, .tenant_max = O->tenant_sessions,
                                    .policy = in->policy, .daemon = in->daemon, .cold = in->cold};
    struct ag_mcp_call call;
    struct record *r;
    const char *name, *token;
    char why[512];
    int ttl;
    int res;

    if (!body || start_args(body, resp, &name, &ttl, &token) < 0)
        return cJSON_Delete(body);
    if (ag_observe_draining())
        return cJSON_Delete(body), refuse_draining(resp);
    pthread_mutex_lock(&lock);
    if (replay(tenant, in->name, token, name, ttl, resp) || !(r = calloc(1, sizeof *r))) {
        pthread_mutex_unlock(&lock);
        if (!resp->status)
            ag_agentcore_error(resp, 500, "InternalServerException", "out of memory");
        return cJSON_Delete(body);
    }
    snprintf(r->tenant, sizeof r->tenant, "%s", tenant);
    snprintf(r->interp, sizeof r->interp, "%s", in->name);
    snprintf(r->name, sizeof r->name, "%s", name);
    snprintf(r->token, sizeof r->token, "%s", token);
    r->ttl = ttl;
    r->starting = 1;   /* holds the token while the jail starts, outside the lock */
    r->next = records;
    records = r;
    nrecords++;
    pthread_mutex_unlock(&lock);
    cJSON_Delete(body);

    spec.ttl = ttl;
    ag_mcp_call_init(&call, NULL);
    call.tenant = tenant;
    call.protocol = "agentcore";
    snprintf(call.correlation, sizeof call.correlation, "%s", corr);
    res = (int)open_session(&spec, &call, r->id, sizeof r->id, why, sizeof why);
    if (ag_observe_draining()) {   /* the drain began while its jail started */
        if (res == AG_MCP_OPEN_OK)
            ag_mcp_session_close(r->id, tenant);
        snprintf(why, sizeof why, "the service began to drain");
        res = AG_MCP_OPEN_DRAINING;
    }
    pthread_mutex_lock(&lock);
    r->starting = 0;
    r->created = r->updated = wall();
    if (res == AG_MCP_OPEN_OK) {
        respond_json(resp, 200, start_answer(r));
        SR_INFO("agentcore: tenant %s started session %.8s… (ttl %d s)", tenant, r->id, ttl);
    } else {
        for (struct record **p = &records; *p; p = &(*p)->next)
            if (*p == r) {
                *p = r->next;
                break;
            }
        nrecords--;
        free(r);
        if (res == AG_MCP_OPEN_FULL)
            ag_metrics_busy("402");
        ag_audit_session("start", "agentcore", tenant, NULL, corr, res == AG_MCP_OPEN_FULL ? "refused" : "error",
                         res == AG_MCP_OPEN_FULL ? "the tenant's or the service's session cap" : why);
        if (res == AG_MCP_OPEN_DRAINING)
            refuse_draining(resp);
        else if (res == AG_MCP_OPEN_FULL)
            ag_agentcore_error(resp, 402, "ServiceQuotaExceededException", "Too many sessions: stop one first "
                               "(at most %d per tenant)", O->tenant_sessions);
        else
            ag_agentcore_error(resp, 500, "InternalServerException", "Could not start a session: %s", why);
    }
    trim();
    pthread_mutex_unlock(&lock);
}

/* ---- Stop / Get / List ---- */

static void op_stop(const struct ag_http_req *req, struct ag_http_resp *resp, const char *tenant, const char *interp,
                    const char *corr)
{
    const char *sid = ag_http_query(req, "sessionId");
    struct record *r;
    char t[32], id[AG_SID_MAX];
    cJSON *o;

    if (!sid || !*sid)
        return ag_agentcore_invalid(resp, "sessionId", "sessionId is required");
    pthread_mutex_lock(&lock);
    if (!(r = find(tenant, interp, sid)) || r->starting) {
        pthread_mutex_unlock(&lock);
        return not_found(resp, sid);
    }
    snprintf(id, sizeof id, "%s", r->id);
    pthread_mutex_unlock(&lock);
    ag_mcp_session_close(id, tenant);   /* an already terminated one stays so: stopping is idempotent */
    pthread_mutex_lock(&lock);
    if ((r = find(tenant, interp, id))) {
        iso8601(r->updated, t);
        o = cJSON_CreateObject();
        cJSON_AddStringToObject(o, "codeInterpreterIdentifier", interp);
        cJSON_AddStringToObject(o, "sessionId", id);
        cJSON_AddStringToObject(o, "lastUpdatedAt", t);
        respond_json(resp, 200, o);
    }
    pthread_mutex_unlock(&lock);
    if (!resp->status)
        not_found(resp, sid);
}

static cJSON *summary(const struct record *r, int full)
{
    cJSON *o = cJSON_CreateObject();
    char c[32], u[32];

    iso8601(r->created, c);
    iso8601(r->updated, u);
    cJSON_AddStringToObject(o, "codeInterpreterIdentifier", r->interp);
    cJSON_AddStringToObject(o, "sessionId", r->id);
    cJSON_AddStringToObject(o, "name", r->name);
    cJSON_AddStringToObject(o, "status", r->terminated ? "TERMINATED" : "READY");
    cJSON_AddStringToObject(o, "createdAt", c);
    if (full)
        cJSON_AddNumberToObject(o, "sessionTimeoutSeconds", r->ttl);
    else
        cJSON_AddStringToObject(o, "lastUpdatedAt", u);
    return o;
}

static void op_get(const struct ag_http_req *req, struct ag_http_resp *resp, const char *tenant, const char *interp,
                   const char *corr)
{
    const char *sid = ag_http_query(req, "sessionId");
    struct record *r;

    if (!sid || !*sid)
        return ag_agentcore_invalid(resp, "sessionId", "sessionId is required");
    pthread_mutex_lock(&lock);
    if ((r = find(tenant, interp, sid)) && !r->starting)
        respond_json(resp, 200, summary(r, 1));
    pthread_mutex_unlock(&lock);
    if (!resp->status)
        not_found(resp, sid);
}

/* The list's filters from its body; 0, or -1 after answering. */
static int list_args(const cJSON *body, struct ag_http_resp *resp, int *max, const char **next, const char **status)
{
    const cJSON *m = cJSON_GetObjectItemCaseSensitive(body, "maxResults");
    const cJSON *s = cJSON_GetObjectItemCaseSensitive(body, "status");
    const cJSON *n = cJSON_GetObjectItemCaseSensitive(body, "nextToken");

    if (m && (!cJSON_IsNumber(m) || m->valuedouble != floor(m->valuedouble) || m->valuedouble < 1 ||
              m->valuedouble > 100))
        return ag_agentcore_invalid(resp, "maxResults", "maxResults must be an integer from 1 to 100"), -1;
    if (s && (!cJSON_IsString(s) || (strcmp(s->valuestring, "READY") != 0 &&
                                     strcmp(s->valuestring, "TERMINATED") != 0)))
        return ag_agentcore_invalid(resp, "status", "status must be READY or TERMINATED"), -1;
    if (n && !cJSON_IsString(n))
        return ag_agentcore_invalid(resp, "nextToken", "nextToken must be a string"), -1;
    *max = m ? (int)m->valuedouble : 10;
    *status = s ? s->valuestring : NULL;
    *next = n ? n->valuestring : NULL;
    return 0;
}

static void op_list(const struct ag_http_req *req, struct ag_http_resp *resp, const char *tenant, const char *interp,
                    const char *corr)
{
    cJSON *body = parse_body(req, resp), *out, *items;
    const char *next, *status;
    struct record *r, *last = NULL;
    int max, n = 0, skipping;

    if (!body || list_args(body, resp, &max, &next, &status) < 0)
        return cJSON_Delete(body);
    out = cJSON_CreateObject();
    items = cJSON_AddArrayToObject(out, "items");
    pthread_mutex_lock(&lock);
    skipping = next != NULL;   /* the token is the id of the last session of the page before */
    for (r = records; r; r = r->next) {
        if (strcmp(r->tenant, tenant) != 0 || strcmp(r->interp, interp) != 0 || r->starting)
            continue;
        refresh(r);
        if (skipping) {
            skipping = strcmp(r->id, next) != 0;
            continue;
        }
        if (status && strcmp(status, r->terminated ? "TERMINATED" : "READY") != 0)
            continue;
        if (n == max)
            break;
        cJSON_AddItemToArray(items, summary(r, 0));
        last = r;
        n++;
    }
    if (r && last)
        cJSON_AddStringToObject(out, "nextToken", last->id);
    pthread_mutex_unlock(&lock);
    cJSON_Delete(body);
    if (skipping) {
        cJSON_Delete(out);
        return ag_agentcore_invalid(resp, "nextToken", "nextToken is not one this service gave");
    }
    respond_json(resp, 200, out);
}

/* ---- InvokeCodeInterpreter ---- */

static void op_invoke(const struct ag_http_req *req, struct ag_http_resp *resp, const char *tenant,
                      const char *interp, const char *corr)
{
    const char *sid = ag_http_header(req, "x-amzn-code-interpreter-session-id");
    const struct ag_agentcore_interp *in;
    double timeout;
    cJSON *body;
    const cJSON *name, *args;
    struct record *r;
    int ok;

    if (!(body = parse_body(req, resp)))
        return;
    name = cJSON_GetObjectItemCaseSensitive(body, "name");
    args = cJSON_GetObjectItemCaseSensitive(body, "arguments");
    if (!cJSON_IsString(name))
        ag_agentcore_invalid(resp, "name", "name (the tool) is required");
    else if (args && !cJSON_IsObject(args))
        ag_agentcore_invalid(resp, "arguments", "arguments must be an object");
    else if (!sid || !*sid)
        ag_agentcore_invalid(resp, "sessionId", "x-amzn-code-interpreter-session-id is required: start a session "
                             "with StartCodeInterpreterSession first");
    if (resp->status)
        return cJSON_Delete(body);
    pthread_mutex_lock(&lock);
    ok = (r = find(tenant, interp, sid)) && !r->terminated && !r->starting;
    pthread_mutex_unlock(&lock);
    if (!ok) {
        cJSON_Delete(body);
        return not_found(resp, sid);
    }
    in = interp_for(interp);
    timeout = in && in->timeout > 0 && in->timeout < O->exec_timeout ? in->timeout : O->exec_timeout;
    ag_agentcore_invoke(resp, tenant, sid, name->valuestring, args, timeout, req->fd, corr);
    cJSON_Delete(body);
}

/* ---- routing ---- */

struct op {
    const char *method, *suffix;
    void (*fn)(const struct ag_http_req *, struct ag_http_resp *, const char *tenant, const char *interp,
               const char *corr);
};

static void op_start_by_id(const struct ag_http_req *req, struct ag_http_resp *resp, const char *tenant,
                           const char *interp, const char *corr)
{
    op_start(req, resp, tenant, interp_for(interp), corr);
}

static const struct op ops[] = {
    {"PUT", "/sessions/start", op_start_by_id},
    {"PUT", "/sessions/stop", op_stop},
    {"GET", "/sessions/get", op_get},
    {"POST", "/sessions/list", op_list},
    {"POST", "/tools/invoke", op_invoke},
};

/* Decode the {codeInterpreterIdentifier} label (percent-encoded). */
static int label(const char *s, size_t n, char *out, size_t outlen)
{
    size_t o = 0;

    for (size_t i = 0; i < n; i++) {
        unsigned v;
        if (o + 1 >= outlen)
            return -1;
        if (s[i] == '%' && i + 2 < n + 0 && sscanf(s + i + 1, "%2x", &v) == 1) {
            out[o++] = (char)v;
            i += 2;
        } else {
            out[o++] = s[i];
        }
    }
    out[o] = '\0';
    return o ? 0 : -1;
}

void ag_agentcore_handle(const struct ag_http_req *req, struct ag_http_resp *resp, void *ctx)
{
    /* the front routes "/code-interpreters" here too: nothing follows it then */
    const char *rest = strlen(req->path) >= strlen(PREFIX) ? req->path + strlen(PREFIX) : "";
    const char *slash = strchr(rest, '/');
    const struct op *op = NULL;
    const char *tenant;
    char interp[128], corr[AG_AUDIT_CORR_MAX];

    (void)ctx;
    /* the caller's trace names this request in the audit log, and the answer carries it back */
    ag_audit_correlation(ag_http_header(req, "traceparent"), ag_http_header(req, "x-amzn-trace-id"), corr);
    for (size_t i = 0; slash && i < sizeof ops / sizeof *ops; i++)
        if (strcmp(slash, ops[i].suffix) == 0 && strcmp(req->method, ops[i].method) == 0)
            op = &ops[i];
    if (!op || label(rest, (size_t)(slash - rest), interp, sizeof interp) < 0) {
        ag_agentcore_error(resp, 404, "UnknownOperationException", "No such operation: %.10s %.200s",
                           req->method, req->path);
    } else if ((tenant = authenticate(req, resp))) {
        if (!interp_for(interp))
            ag_agentcore_error(resp, 404, "ResourceNotFoundException", "No code interpreter '%.100s' (this service "
                               "serves %s and the ones it was configured with)", interp, AG_AGENTCORE_DEFAULT_ID);
        else
            op->fn(req, resp, tenant, interp, corr);
    }
    add_request_id(resp);
    ag_http_add_header(resp, AG_AUDIT_HEADER, corr);
}
