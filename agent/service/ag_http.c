/* ag_http.c — the libmicrohttpd front; see ag_http.h.
 *
 * libmicrohttpd runs one thread per connection (a handler may block for as
 * long as an execution takes without stalling anyone else), polls with
 * poll(2), and is told not to unescape paths and query values: the SigV4
 * verifier needs the path exactly as sent, and the query is decoded here. */
#include "ag_http.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <microhttpd.h>
#include <netdb.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "sr_buf.h"
#include "sr_log.h"

/* One connection, for the request deadline. */
struct conn {
    struct conn *prev, *next;
    int fd;
    double since;        /* when the request being received began */
    int receiving, cut;
    int in_request;      /* its request's headers came and it is not answered yet */
    int refused;         /* that request was refused before its body: the body is only drained */
};

struct ag_http {
    struct MHD_Daemon *d;
    struct ag_http_opts o;
    const struct ag_http_route *routes;
    size_t nroutes;
    pthread_mutex_t lock;
    struct conn *conns;
    unsigned nconns;
    size_t body_held;   /* bytes of request bodies being received or served, under lock */
    pthread_t watchdog;
    int stopping, watchdog_started;
    pthread_cond_t wake;
};

/* A refused request's body is drained (so the client reads the answer, not
 * a broken pipe) for this long at most; a route with no admission check
 * (GET /ping, the metadata) takes a body this large at most. */
#define REFUSED_DRAIN_S 5.0
#define UNCHECKED_BODY_MAX (64 * 1024)

/* One request being received. */
struct pending {
    struct sr_buf body;
    size_t held;        /* of it, counted in the service's body_held */
    int too_large, busy;
    struct ag_http_resp *refused;   /* the admit check's answer: the body is read and dropped, then this goes */
    char *query_mem[AG_HTTP_QUERY_MAX * 2];
    size_t nquery_mem;
};

static double now(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

/* ---- the listening socket ---- */

static int listen_unix(const char *path, char *err, size_t errlen)
{
    struct sockaddr_un a = {.sun_family = AF_UNIX};
    struct stat st;
    int fd;
    mode_t old;

    if (strlen(path) == 0 || strlen(path) >= sizeof a.sun_path)
        return snprintf(err, errlen, "unix socket path empty or too long: %s", path), -1;
    snprintf(a.sun_path, sizeof a.sun_path, "%s", path);
    if (lstat(path, &st) == 0 && S_ISSOCK(st.st_mode))
        unlink(path);   /* a stale socket of an earlier run; anything else stays and bind fails */
    fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    old = umask(077);
    if (fd < 0 || bind(fd, (struct sockaddr *)&a, sizeof a) < 0 || listen(fd, 128) < 0) {
        umask(old);
        snprintf(err, errlen, "cannot listen on unix:%s: %s", path, strerror(errno));
        if (fd >= 0)
            close(fd);
        return -1;
    }
    umask(old);
    return fd;
}

static int is_loopback(const struct sockaddr *sa)
{
    if (sa->sa_family == AF_INET)
        return (ntohl(((const struct sockaddr_in *)sa)->sin_addr.s_addr) >> 24) == 127;
    if (sa->sa_family == AF_INET6) {
        const struct in6_addr *a6 = &((const struct sockaddr_in6 *)sa)->sin6_addr;
        return IN6_IS_ADDR_LOOPBACK(a6) ||
               (IN6_IS_ADDR_V4MAPPED(a6) && a6->s6_addr[12] == 127);
    }
    return 0;
}

/* "HOST:PORT", "[V6]:PORT" or "PORT" into host and port. */
static int split_host_port(const char *s, char *host, size_t hostlen, char *port, size_t portlen)
{
    const char *colon;

    if (s[0] == '[') {
        const char *close_br = strchr(s, ']');
        if (!close_br || close_br[1] != ':' || (size_t)(close_br - s - 1) >= hostlen)
            return -1;
        snprintf(host, hostlen, "%.*s", (int)(close_br - s - 1), s + 1);
        colon = close_br + 1;
    } else if ((colon = strrchr(s, ':'))) {
        if ((size_t)(colon - s) >= hostlen || colon == s)
            return -1;
        snprintf(host, hostlen, "%.*s", (int)(colon - s), s);
    } else {
        snprintf(host, hostlen, "127.0.0.1");
        colon = s - 1;
    }
    if (!colon[1] || strlen(colon + 1) >= portlen || strspn(colon + 1, "0123456789") != strlen(colon + 1))
        return -1;
    snprintf(port, portlen, "%s", colon + 1);
    return 0;
}

int ag_http_listen(const char *listen_on, int *loopback, char *err, size_t errlen)
{
    struct addrinfo hints = {.ai_socktype = SOCK_STREAM, .ai_flags = AI_PASSIVE}, *ai = NULL;
    char host[256], port[16];
    int fd, one = 1, rc;

    *loopback = 0;
    if (strncmp(listen_on, "unix:", 5) == 0) {
        *loopback = 1;
        return listen_unix(listen_on + 5, err, errlen);
    }
    if (split_host_port(listen_on, host, sizeof host, port, sizeof port) < 0)
        return snprintf(err, errlen, "--http %s: expected ADDR:PORT, [V6ADDR]:PORT, PORT or unix:PATH",
                        listen_on), -1;
    if ((rc = getaddrinfo(host, port, &hints, &ai)) != 0)
        return snprintf(err, errlen, "--http %s: %s", listen_on, gai_strerror(rc)), -1;
    *loopback = is_loopback(ai->ai_addr);
    fd = socket(ai->ai_family, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd >= 0)
        setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    if (fd < 0 || bind(fd, ai->ai_addr, ai->ai_addrlen) < 0 || listen(fd, 128) < 0) {
        snprintf(err, errlen, "cannot listen on %s: %s", listen_on, strerror(errno));
        if (fd >= 0)
            close(fd);
        fd = -1;
    }
    freeaddrinfo(ai);
    return fd;
}

/* ---- the request deadline ---- */

static void *watchdog(void *arg)
{
    struct ag_http *h = arg;
    struct timespec ts;

    pthread_mutex_lock(&h->lock);
    while (!h->stopping) {
        double t = now();
        for (struct conn *c = h->conns; c; c = c->next)
            if (c->receiving && !c->cut &&
                t - c->since > (c->refused && h->o.request_deadline > REFUSED_DRAIN_S ? REFUSED_DRAIN_S
                                                                                      : (double)h->o.request_deadline)) {
                c->cut = 1;   /* its thread sees EOF and closes it; the fd is still MHD's until then */
                shutdown(c->fd, SHUT_RDWR);
            }
        clock_gettime(CLOCK_REALTIME, &ts);
        ts.tv_nsec += 500000000L;
        if (ts.tv_nsec >= 1000000000L)
            ts.tv_sec++, ts.tv_nsec -= 1000000000L;
        pthread_cond_timedwait(&h->wake, &h->lock, &ts);
    }
    pthread_mutex_unlock(&h->lock);
    return NULL;
}

/* One connection too many (newcomer is the newest; h->lock held): the one
 * that has waited longest without a request in flight gives way, so that
 * idle keep-alive connections (or a flood of sockets that never send a
 * byte) cannot lock working clients out; libmicrohttpd's own cap is one
 * above ours, so the newcomer got in. Next, the oldest whose request was
 * refused (unauthenticated: only its body is being drained), so that
 * sockets that announce a body and never send it cannot either. With every
 * other connection busy with an admitted request, the newcomer goes. Its
 * thread sees EOF and closes it. */
static void make_room(struct ag_http *h, struct conn *newcomer)
{
    struct conn *victim = NULL, *refused = NULL;

    for (struct conn *c = h->conns; c; c = c->next) {
        if (c == newcomer || c->cut)
            continue;
        if (!c->in_request && (!victim || c->since < victim->since))
            victim = c;
        else if (c->in_request && c->refused && (!refused || c->since < refused->since))
            refused = c;
    }
    if (!victim)
        victim = refused ? refused : newcomer;
    victim->cut = 1;
    shutdown(victim->fd, SHUT_RDWR);
    SR_DEBUG("http: %u connections: closed %s", h->o.max_connections,
             victim == newcomer ? "the newest (all others busy)" : "the longest idle one");
}

static void on_connection(void *cls, struct MHD_Connection *connection, void **socket_context,
                          enum MHD_ConnectionNotificationCode toe)
{
    struct ag_http *h = cls;
    struct conn *c = *socket_context;

    if (toe == MHD_CONNECTION_NOTIFY_STARTED) {
        const union MHD_ConnectionInfo *ci = MHD_get_connection_info(connection, MHD_CONNECTION_INFO_CONNECTION_FD);
        if (!ci || !(c = calloc(1, sizeof *c)))
            return;
        c->fd = ci->connect_fd;
        c->since = now();
        c->receiving = 1;
        pthread_mutex_lock(&h->lock);
        c->next = h->conns;
        if (h->conns)
            h->conns->prev = c;
        h->conns = c;
        if (++h->nconns > h->o.max_connections)
            make_room(h, c);
        pthread_mutex_unlock(&h->lock);
        *socket_context = c;
    } else if (c) {
        pthread_mutex_lock(&h->lock);
        h->nconns--;
        if (c->prev)
            c->prev->next = c->next;
        else
            h->conns = c->next;
        if (c->next)
            c->next->prev = c->prev;
        pthread_mutex_unlock(&h->lock);
        free(c);
        *socket_context = NULL;
    }
}

/* Our record of connection, or NULL. */
static struct conn *conn_of(struct MHD_Connection *connection)
{
    const union MHD_ConnectionInfo *ci = MHD_get_connection_info(connection, MHD_CONNECTION_INFO_SOCKET_CONTEXT);

    return ci ? ci->socket_context : NULL;
}

/* Mark connection's request as received (0) or the next one as begun (1). */
static void set_receiving(struct ag_http *h, struct MHD_Connection *connection, int receiving)
{
    struct conn *c = conn_of(connection);

    if (!c)
        return;
    pthread_mutex_lock(&h->lock);
    c->receiving = receiving;
    c->since = now();
    pthread_mutex_unlock(&h->lock);
}

/* Mark connection as holding a request (its headers came) or idle again;
 * refused: that request was refused before its body. */
static void set_in_request(struct ag_http *h, struct MHD_Connection *connection, int on, int refused)
{
    struct conn *c = conn_of(connection);

    if (c) {
        pthread_mutex_lock(&h->lock);
        c->in_request = on;
        c->refused = on && refused;
        pthread_mutex_unlock(&h->lock);
    }
}

/* ---- requests ---- */

static size_t no_unescape(void *cls, struct MHD_Connection *c, char *s)
{
    (void)cls, (void)c;
    return strlen(s);
}

static int hexval(char c)
{
    return c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10 : c >= 'A' && c <= 'F' ? c - 'A' + 10 : -1;
}

/* Percent-decode s into a new string ('+' stays '+', as AWS signs it). */
static char *pct_decode(const char *s)
{
    char *out = malloc(strlen(s) + 1), *o = out;

    if (!out)
        return NULL;
    for (; *s; s++) {
        if (*s == '%' && hexval(s[1]) >= 0 && hexval(s[2]) >= 0) {
            *o++ = (char)(hexval(s[1]) * 16 + hexval(s[2]));
            s += 2;
        } else {
            *o++ = *s;
        }
    }
    *o = '\0';
    return out;
}

struct collect {
    struct ag_http_req *req;
    struct pending *p;
    int overflow;
};

static enum MHD_Result add_header(void *cls, enum MHD_ValueKind kind, const char *key, const char *value)
{
    struct collect *c = cls;

    if (c->req->nheaders == AG_HTTP_HEADERS_MAX)
        return c->overflow = 1, MHD_NO;
    c->req->headers[c->req->nheaders].name = key;
    c->req->headers[c->req->nheaders++].value = value ? value : "";
    return MHD_YES;
}

static enum MHD_Result add_query(void *cls, enum MHD_ValueKind kind, const char *key, const char *value)
{
    struct collect *c = cls;
    char *k, *v;

    if (c->req->nquery == AG_HTTP_QUERY_MAX)
        return c->overflow = 1, MHD_NO;
    k = pct_decode(key);
    v = pct_decode(value ? value : "");
    c->p->query_mem[c->p->nquery_mem++] = k;
    c->p->query_mem[c->p->nquery_mem++] = v;
    if (!k || !v)
        return c->overflow = 1, MHD_NO;
    c->req->query[c->req->nquery].name = k;
    c->req->query[c->req->nquery++].value = v;
    return MHD_YES;
}

/* MHD's content reader over a handler's stream. */
static ssize_t stream_reader(void *cls, uint64_t pos, char *buf, size_t max)
{
    struct ag_http_resp *r = cls;
    long n;

    (void)pos;
    n = r->stream_read(r->stream_ctx, buf, max);
    return n > 0 ? (ssize_t)n : n == AG_HTTP_STREAM_END ? MHD_CONTENT_READER_END_OF_STREAM
                                                          : MHD_CONTENT_READER_END_WITH_ERROR;
}

static void stream_free(void *cls)
{
    struct ag_http_resp *r = cls;

    r->stream_done(r->stream_ctx);
    free(r);
}

/* A response reading r's stream; r's stream is handed to it (done called in any case). */
static struct MHD_Response *stream_response(struct ag_http_resp *r)
{
    struct ag_http_resp *keep = malloc(sizeof *keep);
    struct MHD_Response *m;

    if (!keep) {
        r->stream_done(r->stream_ctx);
        return NULL;
    }
    *keep = *r;
    keep->body = NULL;
    m = MHD_create_response_from_callback(MHD_SIZE_UNKNOWN, 16384, stream_reader, keep, stream_free);
    if (!m)
        stream_free(keep);
    return m;
}

static enum MHD_Result send_resp(struct MHD_Connection *connection, struct ag_http_resp *r)
{
    struct MHD_Response *m;
    enum MHD_Result rc;

    if (r->stream_read) {
        free(r->body);
        m = stream_response(r);
    } else {
        if (!r->body) {
            r->body = strdup("");
            r->len = 0;
        }
        m = MHD_create_response_from_buffer_with_free_callback(r->len, r->body, free);
        if (!m)
            free(r->body);
    }
    r->body = NULL;
    if (!m)
        return MHD_NO;
    if (r->content_type)
        MHD_add_response_header(m, "Content-Type", r->content_type);
    for (size_t i = 0; i < r->nheaders; i++)
        MHD_add_response_header(m, r->hname[i], r->hvalue[i]);
    rc = MHD_queue_response(connection, (unsigned)r->status, m);
    MHD_destroy_response(m);
    return rc;
}

/* A plain JSON error from the front itself (before any route): {"message"}
 * with its AWS error type, as a response to send (now, by front_error, or
 * once a refused body is in). */
static struct ag_http_resp *front_refusal(int status, const char *type, const char *message)
{
    struct ag_http_resp *r = calloc(1, sizeof *r);
    char body[512];
    int n = snprintf(body, sizeof body, "{\"message\":\"%s\"}", message);

    if (!r)
        return NULL;
    ag_http_respond(r, status, "application/json", strdup(body), (size_t)n);
    ag_http_add_header(r, "X-Amzn-ErrorType", type);
    ag_http_add_header(r, "Connection", "close");
    return r;
}

/* front_refusal's error, sent now. */
static enum MHD_Result front_error(struct MHD_Connection *connection, int status, const char *type,
                                   const char *message)
{
    struct ag_http_resp *r = front_refusal(status, type, message);
    enum MHD_Result rc;

    if (!r)
        return MHD_NO;
    rc = send_resp(connection, r);
    free(r);
    return rc;
}

static const struct ag_http_route *route_for(const struct ag_http *h, const char *path)
{
    for (size_t i = 0; i < h->nroutes; i++) {
        const char *pre = h->routes[i].prefix;
        size_t n = strlen(pre);
        int dir = n > 1 && pre[n - 1] == '/';   /* "/a/": /a/... and /a; "/a": /a and /a/... only */
        if ((strncmp(path, pre, n) == 0 && (dir || path[n] == '\0' || path[n] == '/')) ||
            (dir && strlen(path) == n - 1 && strncmp(path, pre, n - 1) == 0))
            return &h->routes[i];
    }
    return NULL;
}

/* req's method, path, headers and query from connection (its strings stay
 * MHD's or p's, p's from the last call only); -1 when there are too many. */
static int collect_req(struct MHD_Connection *connection, const char *url, const char *method, struct pending *p,
                       struct ag_http_req *req)
{
    struct collect col = {req, p, 0};

    for (size_t i = 0; i < p->nquery_mem; i++)   /* an earlier collection's (its req is gone) */
        free(p->query_mem[i]);
    p->nquery_mem = 0;
    MHD_get_connection_values(connection, MHD_HEADER_KIND, add_header, &col);
    MHD_get_connection_values(connection, MHD_GET_ARGUMENT_KIND, add_query, &col);
    req->method = method;
    req->path = url;
    req->body = "";
    return col.overflow ? -1 : 0;
}

/* Send resp (set by a handler), or a 500 if it has no answer. */
static enum MHD_Result answer(struct MHD_Connection *connection, struct ag_http_resp *resp)
{
    enum MHD_Result rc;

    if (!resp->status) {
        free(resp->body);
        return front_error(connection, 500, "InternalServerException", "the handler gave no answer");
    }
    rc = send_resp(connection, resp);
    free(resp->body);
    return rc;
}

/* Count n more bytes of p's body in the service's total, or say no (the
 * total would pass max_body_total): 0 or -1. */
static int hold_body(struct ag_http *h, struct pending *p, size_t n)
{
    int rc = -1;

    pthread_mutex_lock(&h->lock);
    if (h->body_held + n <= h->o.max_body_total) {
        h->body_held += n;
        p->held += n;
        rc = 0;
    }
    pthread_mutex_unlock(&h->lock);
    return rc;
}

/* Give back what p's body held of the total, and the body itself. */
static void drop_body(struct ag_http *h, struct pending *p)
{
    pthread_mutex_lock(&h->lock);
    h->body_held -= p->held;
    pthread_mutex_unlock(&h->lock);
    p->held = 0;
    sr_buf_reset(&p->body);
}

/* The headers are in: no route, too many headers, or the route's admission
 * check refuses. That answer goes to p->refused, to be sent once the body
 * is in (drained, never kept, for REFUSED_DRAIN_S at most: answering before
 * it, the client could see a broken pipe, not the error), so a request that
 * cannot be served costs no memory. A route with no admission check takes a
 * small body only. */
static void admit(struct ag_http *h, struct MHD_Connection *connection, const char *url, const char *method,
                  struct pending *p)
{
    const struct ag_http_route *rt = route_for(h, url);
    struct ag_http_req *req = calloc(1, sizeof *req);
    struct ag_http_resp *resp = NULL;

    sr_buf_init(&p->body, rt && rt->admit ? h->o.max_body
                                          : (h->o.max_body < UNCHECKED_BODY_MAX ? h->o.max_body : UNCHECKED_BODY_MAX));
    if (!req)
        return;
    if (!rt)
        resp = front_refusal(404, "UnknownOperationException", "no such operation");
    else if (collect_req(connection, url, method, p, req) < 0)
        resp = front_refusal(400, "ValidationException", "too many headers or query parameters");
    else if (rt->admit && (resp = calloc(1, sizeof *resp)))
        rt->admit(req, resp, rt->ctx);
    free(req);
    if (resp && !resp->status) {   /* admitted */
        free(resp->body);
        free(resp), resp = NULL;
    }
    p->refused = resp;
}

/* The whole request has arrived: run its route. */
static enum MHD_Result dispatch(struct ag_http *h, struct MHD_Connection *connection, const char *url,
                                const char *method, struct pending *p)
{
    const union MHD_ConnectionInfo *ci = MHD_get_connection_info(connection, MHD_CONNECTION_INFO_CONNECTION_FD);
    struct ag_http_req *req = calloc(1, sizeof *req);
    struct ag_http_resp resp = {0};
    const struct ag_http_route *rt = route_for(h, url);

    if (!req)
        return MHD_NO;
    if (collect_req(connection, url, method, p, req) < 0) {
        free(req);
        return front_error(connection, 400, "ValidationException", "too many headers or query parameters");
    }
    if (!rt) {
        free(req);
        return front_error(connection, 404, "UnknownOperationException", "no such operation");
    }
    req->body = p->body.data ? p->body.data : "";
    req->body_len = p->body.len;
    req->fd = ci ? ci->connect_fd : -1;
    rt->fn(req, &resp, rt->ctx);
    free(req);
    return answer(connection, &resp);
}

/* Whether the announced Content-Length is over the cap. */
static int announced_too_large(struct ag_http *h, struct MHD_Connection *connection)
{
    const char *cl = MHD_lookup_connection_value(connection, MHD_HEADER_KIND, "Content-Length");
    char *end;
    unsigned long long n;

    if (!cl)
        return 0;
    errno = 0;
    n = strtoull(cl, &end, 10);
    return errno || *end || n > h->o.max_body;
}

static enum MHD_Result on_request(void *cls, struct MHD_Connection *connection, const char *url,
                                  const char *method, const char *version, const char *upload_data,
                                  size_t *upload_data_size, void **req_cls)
{
    struct ag_http *h = cls;
    struct pending *p = *req_cls;
    char msg[160];

    if (!p) {
        if (!(p = calloc(1, sizeof *p)))
            return MHD_NO;
        *req_cls = p;
        set_in_request(h, connection, 1, 0);
        if (announced_too_large(h, connection)) {
            set_receiving(h, connection, 0);
            snprintf(msg, sizeof msg, "request body over the %zu-byte cap", h->o.max_body);
            return front_error(connection, 413, "ValidationException", msg);
        }
        admit(h, connection, url, method, p);
        if (p->refused)
            set_in_request(h, connection, 1, 1);
        return MHD_YES;
    }
    if (*upload_data_size) {
        if (p->too_large || p->refused || p->busy) {
            /* read and dropped */
        } else if (hold_body(h, p, *upload_data_size) < 0) {
            p->busy = 1;
            drop_body(h, p);
        } else if (sr_buf_append(&p->body, upload_data, *upload_data_size) != SR_BUF_OK) {
            p->too_large = 1;
            drop_body(h, p);
        }
        *upload_data_size = 0;
        return MHD_YES;
    }
    set_receiving(h, connection, 0);
    if (p->busy) {
        SR_LOG("http: a request body refused: the service holds %zu bytes of bodies at once at most "
               "(--max-body-total)", h->o.max_body_total);
        snprintf(msg, sizeof msg, "the service is holding as many request bodies as it may (--max-body-total "
                 "%zu bytes); retry", h->o.max_body_total);
        return front_error(connection, 503, "ServiceUnavailableException", msg);
    }
    if (p->too_large) {
        snprintf(msg, sizeof msg, "request body over the %zu-byte cap", h->o.max_body);
        return front_error(connection, 413, "ValidationException", msg);
    }
    if (p->refused) {
        struct ag_http_resp *r = p->refused;
        enum MHD_Result rc;
        p->refused = NULL;
        rc = answer(connection, r);
        free(r);
        return rc;
    }
    return dispatch(h, connection, url, method, p);
}

static void on_completed(void *cls, struct MHD_Connection *connection, void **req_cls,
                         enum MHD_RequestTerminationCode toe)
{
    struct pending *p = *req_cls;

    set_receiving(cls, connection, 1);
    set_in_request(cls, connection, 0, 0);
    if (!p)
        return;
    drop_body(cls, p);
    if (p->refused)
        free(p->refused->body), free(p->refused);
    for (size_t i = 0; i < p->nquery_mem; i++)
        free(p->query_mem[i]);
    free(p);
    *req_cls = NULL;
}

static void mhd_log(void *cls, const char *fmt, va_list ap)
{
    char line[512];

    vsnprintf(line, sizeof line, fmt, ap);
    line[strcspn(line, "\n")] = '\0';
    SR_DEBUG("http: %s", line);
}

/* Start libmicrohttpd on fd for h, with h->o's caps (and TLS when o has a
 * certificate and key); NULL if it does not start. */
static struct MHD_Daemon *start_daemon(struct ag_http *h, int fd, const struct ag_http_opts *o)
{
    unsigned flags = MHD_USE_THREAD_PER_CONNECTION | MHD_USE_POLL_INTERNAL_THREAD | MHD_USE_ERROR_LOG;
    struct MHD_OptionItem ops[] = {
        {MHD_OPTION_LISTEN_SOCKET, fd, NULL},
        /* the header cap: libmicrohttpd keeps the request line and headers in
         * this per-connection pool and answers 431 when they do not fit */
        {MHD_OPTION_CONNECTION_MEMORY_LIMIT, (intptr_t)(h->o.max_header + 16384), NULL},
        /* one above ours: the newcomer past our cap gets in, and the
         * longest idle connection makes room for it (make_room) */
        {MHD_OPTION_CONNECTION_LIMIT, (intptr_t)h->o.max_connections + 1, NULL},
        {MHD_OPTION_CONNECTION_TIMEOUT, (intptr_t)h->o.idle_timeout, NULL},
        {MHD_OPTION_UNESCAPE_CALLBACK, (intptr_t)no_unescape, NULL},
        {MHD_OPTION_NOTIFY_COMPLETED, (intptr_t)on_completed, h},
        {MHD_OPTION_NOTIFY_CONNECTION, (intptr_t)on_connection, h},
        {MHD_OPTION_EXTERNAL_LOGGER, (intptr_t)mhd_log, NULL},
        {MHD_OPTION_END, 0, NULL},   /* the TLS options go here and after */
        {MHD_OPTION_END, 0, NULL},
        {MHD_OPTION_END, 0, NULL},
        {MHD_OPTION_END, 0, NULL},
    };
    if (o->tls_cert && o->tls_key) {
        size_t i = 8;
        flags |= MHD_USE_TLS;
        ops[i++] = (struct MHD_OptionItem){MHD_OPTION_HTTPS_MEM_CERT, 0, (void *)o->tls_cert};
        ops[i++] = (struct MHD_OptionItem){MHD_OPTION_HTTPS_MEM_KEY, 0, (void *)o->tls_key};
        ops[i++] = (struct MHD_OptionItem){MHD_OPTION_HTTPS_PRIORITIES, 0, (void *)AG_HTTP_TLS_PRIORITIES};
    }
    return MHD_start_daemon(flags, 0, NULL, NULL, on_request, h, MHD_OPTION_ARRAY, ops, MHD_OPTION_END);
}

int ag_http_start(int fd, const struct ag_http_opts *o, const struct ag_http_route *routes, size_t n,
                  struct ag_http **out, char *err, size_t errlen)
{
    struct ag_http *h = calloc(1, sizeof *h);

    *out = NULL;
    if (!h)
        return close(fd), snprintf(err, errlen, "out of memory"), -1;
    h->o = *o;
    h->o.max_body = o->max_body ? o->max_body : 32u << 20;
    h->o.max_body_total = o->max_body_total ? o->max_body_total : 8 * h->o.max_body;
    if (h->o.max_body_total < h->o.max_body)
        h->o.max_body_total = h->o.max_body;   /* one whole body fits, at least */
    h->o.max_header = o->max_header ? o->max_header : 32u << 10;
    h->o.max_connections = o->max_connections ? o->max_connections : 64;
    h->o.idle_timeout = o->idle_timeout ? o->idle_timeout : 30;
    h->o.request_deadline = o->request_deadline ? o->request_deadline : 60;
    h->routes = routes;
    h->nroutes = n;
    pthread_mutex_init(&h->lock, NULL);
    pthread_cond_init(&h->wake, NULL);
    h->d = start_daemon(h, fd, o);
    if (!h->d) {
        close(fd);
        ag_http_stop(&h);
        return snprintf(err, errlen, "libmicrohttpd could not start on the socket%s",
                        o->tls_cert ? " (is the TLS key the certificate's, both PEM?)" : ""), -1;
    }
    if (pthread_create(&h->watchdog, NULL, watchdog, h) == 0)
        h->watchdog_started = 1;
    *out = h;
    return 0;
}

void ag_http_stop(struct ag_http **ph)
{
    struct ag_http *h = *ph;
    int fd = -1;

    if (!h)
        return;
    pthread_mutex_lock(&h->lock);
    h->stopping = 1;
    pthread_cond_broadcast(&h->wake);
    pthread_mutex_unlock(&h->lock);
    if (h->watchdog_started)
        pthread_join(h->watchdog, NULL);
    if (h->d) {
        const union MHD_DaemonInfo *di = MHD_get_daemon_info(h->d, MHD_DAEMON_INFO_LISTEN_FD);
        fd = di ? di->listen_fd : -1;
        MHD_stop_daemon(h->d);    /* joins every connection thread */
        if (fd >= 0)
            close(fd);            /* a socket handed in with LISTEN_SOCKET stays ours to close */
    }
    pthread_mutex_destroy(&h->lock);
    pthread_cond_destroy(&h->wake);
    free(h);
    *ph = NULL;
}

/* ---- helpers for handlers ---- */

const char *ag_http_header(const struct ag_http_req *req, const char *name)
{
    for (size_t i = 0; i < req->nheaders; i++)
        if (strcasecmp(req->headers[i].name, name) == 0)
            return req->headers[i].value;
    return NULL;
}

const char *ag_http_query(const struct ag_http_req *req, const char *name)
{
    for (size_t i = 0; i < req->nquery; i++)
        if (strcmp(req->query[i].name, name) == 0)
            return req->query[i].value;
    return NULL;
}

void ag_http_stream(struct ag_http_resp *resp, int status, const char *content_type, ag_http_read_fn read,
                    ag_http_done_fn done, void *ctx)
{
    free(resp->body);
    resp->body = NULL;
    resp->len = 0;
    resp->status = status;
    resp->content_type = content_type;
    resp->stream_read = read;
    resp->stream_done = done;
    resp->stream_ctx = ctx;
}

void ag_http_respond(struct ag_http_resp *resp, int status, const char *content_type, char *body, size_t len)
{
    free(resp->body);
    resp->status = status;
    resp->content_type = content_type;
    resp->body = body;
    resp->len = body ? len : 0;
}

int ag_http_add_header(struct ag_http_resp *resp, const char *name, const char *value)
{
    if (resp->nheaders == AG_HTTP_RESP_HEADERS || strlen(name) >= sizeof resp->hname[0] ||
        strlen(value) >= sizeof resp->hvalue[0] || strpbrk(value, "\r\n"))
        return -1;
    snprintf(resp->hname[resp->nheaders], sizeof resp->hname[0], "%s", name);
    snprintf(resp->hvalue[resp->nheaders++], sizeof resp->hvalue[0], "%s", value);
    return 0;
}
