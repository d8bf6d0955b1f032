/* ag_http — the service's HTTP/1.1 front, on libmicrohttpd.
 *
 * One listener (TCP "ADDR:PORT", "[V6]:PORT", "PORT" for 127.0.0.1:PORT, or
 * "unix:PATH", created 0600) and a table of routes by path prefix, so that
 * each protocol (AgentCore's /code-interpreters/, and later /mcp, /ping,
 * /metrics) is one entry. A handler gets the whole request (headers, decoded
 * query, body read up to the cap) on the connection's own thread and fills
 * in one response.
 *
 * Bounded against hostile clients: a body cap (413 past it, announced or
 * not), a header cap (431), a connection cap, an idle timeout per
 * connection, and a deadline for receiving each whole request (a slowloris
 * client is cut off, however slowly it trickles). */
#ifndef AG_HTTP_H
#define AG_HTTP_H

#include <stddef.h>
#include <sys/socket.h>

#include "ag_sigv4.h"

#define AG_HTTP_HEADERS_MAX 64
#define AG_HTTP_QUERY_MAX 32
#define AG_HTTP_RESP_HEADERS 8
#define AG_HTTP_RESP_VALUE_MAX 256      /* bytes of a response header's value, with its NUL */

struct ag_http_opts {
    const char *listen;          /* as above */
    size_t max_body;             /* bytes (default 32 MiB) */
    size_t max_body_total;       /* bytes of all requests' bodies held at once (default 8 x max_body);
                                  * a body that would pass it gets 503 */
    size_t max_header;           /* bytes of the request line and headers (default 32 KiB) */
    unsigned max_connections;    /* at once (default 64); past it the longest idle one is closed */
    unsigned idle_timeout;       /* seconds a connection may be silent (default 30) */
    unsigned request_deadline;   /* seconds to receive one whole request (default 60) */
    const char *tls_cert;        /* PEM certificate chain and key (kept until ag_http_stop), or */
    const char *tls_key;         /* both NULL: plain HTTP */
};

/* TLS 1.2 and 1.3 only, GnuTLS's secure defaults for the rest. */
#define AG_HTTP_TLS_PRIORITIES "SECURE:-VERS-ALL:+VERS-TLS1.3:+VERS-TLS1.2"

/* A request. Pairs use ag_sigv4_pair (a plain name/value pair) so they go
 * to the SigV4 verifier as they are. Valid during the handler call. */
struct ag_http_req {
    const char *method;
    const char *path;            /* as sent: still percent-encoded, without the query */
    struct ag_sigv4_pair query[AG_HTTP_QUERY_MAX];   /* decoded */
    size_t nquery;
    struct ag_sigv4_pair headers[AG_HTTP_HEADERS_MAX];
    size_t nheaders;
    const char *body;            /* NUL-terminated (not counted) */
    size_t body_len;
    int fd;                      /* the client's socket, to notice it hang up (never read it) */
};

/* A streamed body (Server-Sent Events): read is called on the connection's
 * thread, may block, and returns how many bytes it put in buf (> 0),
 * AG_HTTP_STREAM_END once the body is complete, or AG_HTTP_STREAM_ABORT to
 * cut the connection; done is called once when the response is over (sent,
 * cut, or never started). */
#define AG_HTTP_STREAM_END (-1)
#define AG_HTTP_STREAM_ABORT (-2)
typedef long (*ag_http_read_fn)(void *ctx, char *buf, size_t max);
typedef void (*ag_http_done_fn)(void *ctx);

struct ag_http_resp {
    int status;
    const char *content_type;    /* static */
    char *body;                  /* malloc'd; the front frees it */
    size_t len;
    ag_http_read_fn stream_read; /* set by ag_http_stream: the body comes from it instead */
    ag_http_done_fn stream_done;
    void *stream_ctx;
    char hname[AG_HTTP_RESP_HEADERS][64], hvalue[AG_HTTP_RESP_HEADERS][AG_HTTP_RESP_VALUE_MAX];
    size_t nheaders;
};

typedef void (*ag_http_handler)(const struct ag_http_req *req, struct ag_http_resp *resp, void *ctx);

struct ag_http_route {
    const char *prefix;          /* "/code-interpreters/": that path with or without its slash, and
                                  * what is under it; "/mcp": /mcp and what is under /mcp/ */
    ag_http_handler fn;
    void *ctx;
    /* optional: called once the headers are in, before any of the body is
     * read (req->body is empty); if it answers, the body is read but never
     * kept, and that answer is sent — so a request that cannot be authentic
     * costs no memory */
    ag_http_handler admit;
};

struct ag_http;

/* Parse listen into a bound, listening socket (close-on-exec). *loopback
 * tells whether only this machine can reach it (127/8, ::1, a unix
 * socket). The fd, or -1 with err set. */
int ag_http_listen(const char *listen, int *loopback, char *err, size_t errlen);
/* Serve routes[0..n) (kept by reference) on the listening socket fd (taken).
 * 0 with *out, or -1 with err set. */
int ag_http_start(int fd, const struct ag_http_opts *o, const struct ag_http_route *routes, size_t n,
                  struct ag_http **out, char *err, size_t errlen);
/* Stop accepting, wait for every connection's thread, free everything. */
void ag_http_stop(struct ag_http **h);

/* The value of request header name (case-insensitive; the first), or NULL. */
const char *ag_http_header(const struct ag_http_req *req, const char *name);
/* The decoded value of query parameter name, or NULL. */
const char *ag_http_query(const struct ag_http_req *req, const char *name);
/* Set the response: status, a static content type, body (taken). */
void ag_http_respond(struct ag_http_resp *resp, int status, const char *content_type, char *body, size_t len);
/* Set a streamed response (see ag_http_read_fn); done(ctx) is called in any case. */
void ag_http_stream(struct ag_http_resp *resp, int status, const char *content_type, ag_http_read_fn read,
                    ag_http_done_fn done, void *ctx);
/* Add a response header (names and values longer than the slots are refused). */
int ag_http_add_header(struct ag_http_resp *resp, const char *name, const char *value);

#endif
