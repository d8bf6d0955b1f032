/* ag_s3.c — see ag_s3.h.
 *
 * One request = sign (ag_sigv4) + one curl transfer, wrapped in a retry loop
 * (request()). Bodies come from a file range or a small memory buffer and go
 * to a file or a capped memory buffer; nothing large is ever held in memory. */
#include "ag_s3.h"
#include "sr_caps.h"
#include "sr_log.h"
#include "sr_buf.h"

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <unistd.h>

#include <curl/curl.h>
#include <openssl/evp.h>

#include "ag_sigv4.h"

#define ERRMSG_MAX 1024
#define MAX_PARTS 10000
#define EMPTY_SHA256 "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
#define MIB (1ULL << 20)

struct ag_s3_client {
    const struct ag_creds *creds;
    struct ag_s3_opts opts;
    CURL *curl;
    char scheme[8];
    char endpoint_host[256]; /* host[:port] of an S3-compatible endpoint, "" for AWS */
    char err[ERRMSG_MAX];
};

/* ---- small helpers */

/* Text of <tag>...</tag> in xml with the five XML entities decoded, or "". */
static void xml_text(const char *xml, const char *tag, char *out, size_t size)
{
    char open[64], close[64];
    const char *s, *e;
    static const struct {
        const char *ent;
        char ch;
    } ents[] = {{"&amp;", '&'}, {"&lt;", '<'}, {"&gt;", '>'}, {"&quot;", '"'}, {"&apos;", '\''}};
    size_t o;
    out[0] = '\0';
    if (!xml)
        return;
    snprintf(open, sizeof open, "<%s>", tag);
    snprintf(close, sizeof close, "</%s>", tag);
    s = strstr(xml, open);
    if (!s || !(e = strstr(s += strlen(open), close)))
        return;
    o = 0;
    while (s < e && o + 1 < size) {
        size_t i, n = sizeof ents / sizeof ents[0];
        for (i = 0; *s == '&' && i < n; i++)
            if (strncmp(s, ents[i].ent, strlen(ents[i].ent)) == 0)
                break;
        if (*s == '&' && i < n) {
            out[o++] = ents[i].ch;
            s += strlen(ents[i].ent);
        } else {
            out[o++] = *s == '\n' || *s == '\r' ? ' ' : *s;
            s++;
        }
    }
    out[o] = '\0';
}

static void sleep_ms(long ms)
{
    struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};
    while (nanosleep(&ts, &ts) != 0 && errno == EINTR)
        ;
}

/* Exponential backoff with "equal jitter": a random wait in [d/2, d],
 * d = base * 2^(attempt-1) capped at max. */
static long backoff_ms(const struct ag_s3_opts *o, int attempt)
{
    long d = o->backoff_base_ms;
    unsigned r;
    for (int i = 1; i < attempt && d < o->backoff_max_ms; i++)
        d *= 2;
    if (d > o->backoff_max_ms)
        d = o->backoff_max_ms;
    r = 0;
    if (getrandom(&r, sizeof r, GRND_NONBLOCK) != sizeof r)
        r = (unsigned)getpid();
    return d / 2 + (d > 1 ? (long)(r % (unsigned long)(d / 2 + 1)) : 0);
}

/* Hex SHA-256 of len bytes of fd from off, read in chunks (never all at once). */
static int hash_range(int fd, off_t off, uint64_t len, char hex[65])
{
    static const char digits[] = "0123456789abcdef";
    unsigned char md[32];
    unsigned int mdlen = 0;
    size_t bufsz = 256 * 1024;
    unsigned char *buf = malloc(bufsz);
    EVP_MD_CTX *ctx = EVP_MD_CTX_new();
    int rc = -1;
    if (!buf || !ctx || EVP_DigestInit_ex(ctx, EVP_sha256(), NULL) != 1)
        goto out;
    while (len > 0) {
        ssize_t n = pread(fd, buf, len < bufsz ? (size_t)len : bufsz, off);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0) {
            if (n == 0)
                errno = EIO; /* the file shrank under us */
            goto out;
        }
        if (EVP_DigestUpdate(ctx, buf, (size_t)n) != 1)
            goto out;
        off += n;
        len -= (uint64_t)n;
    }
    if (EVP_DigestFinal_ex(ctx, md, &mdlen) != 1 || mdlen != 32)
        goto out;
    for (int i = 0; i < 32; i++) {
        hex[2 * i] = digits[md[i] >> 4];
        hex[2 * i + 1] = digits[md[i] & 15];
    }
    hex[64] = '\0';
    rc = 0;
out:
    EVP_MD_CTX_free(ctx);
    free(buf);
    return rc;
}

/* ---- addressing */

static int bucket_ok(const char *b)
{
    size_t n = strlen(b);
    if (n < 3 || n > AG_S3_BUCKET_MAX || !isalnum((unsigned char)b[0]) ||
        !isalnum((unsigned char)b[n - 1]))
        return 0;
    for (size_t i = 0; i < n; i++)
        if (!isalnum((unsigned char)b[i]) && b[i] != '-' && b[i] != '.' && b[i] != '_')
            return 0;
    return 1;
}

/* 1..AG_S3_KEY_MAX bytes, and no empty, "." or ".." segment between the
 * slashes: URL handling removes dot segments (libcurl after we signed,
 * browsers from a presigned link), so "a/../b" would be signed as one key
 * and sent as another, or reach another bucket ("../other/k"). */
static int key_ok(const char *k)
{
    size_t n = strlen(k);
    if (n == 0 || n > AG_S3_KEY_MAX)
        return 0;
    for (const char *seg = k;; seg++) {
        size_t len = strcspn(seg, "/");
        if (len == 0 || (seg[0] == '.' && (len == 1 || (len == 2 && seg[1] == '.'))))
            return 0;
        if (!seg[len])
            return 1;
        seg += len;
    }
}

/* Virtual-hosted style needs a DNS label: lower-case, digits, '-', no dots
 * (dots break the TLS wildcard certificate). */
static int bucket_is_dns_label(const char *b)
{
    for (; *b; b++)
        if (!islower((unsigned char)*b) && !isdigit((unsigned char)*b) && *b != '-')
            return 0;
    return 1;
}

/* Host header and raw path for bucket/key (key may be NULL for the bucket). */
static int address(const struct ag_s3_client *c, const char *bucket, const char *key,
                   char *host, size_t hsz, char *path, size_t psz)
{
    int hn, pn;
    const char *r = c->creds->region;
    int global = strcmp(r, "us-east-1") == 0;
    if (c->endpoint_host[0]) {
        hn = snprintf(host, hsz, "%s", c->endpoint_host);
        pn = snprintf(path, psz, "/%s/%s", bucket, key ? key : "");
    } else if (bucket_is_dns_label(bucket)) {
        hn = snprintf(host, hsz, "%s.s3%s%s.amazonaws.com", bucket, global ? "" : ".",
                      global ? "" : r);
        pn = snprintf(path, psz, "/%s", key ? key : "");
    } else {
        hn = snprintf(host, hsz, "s3%s%s.amazonaws.com", global ? "" : ".", global ? "" : r);
        pn = snprintf(path, psz, "/%s/%s", bucket, key ? key : "");
    }
    return hn > 0 && (size_t)hn < hsz && pn > 0 && (size_t)pn < psz ? 0 : -1;
}

/* Accept "http[s]://host[:port][/]"; anything with a path is refused
 * rather than silently ignored. */
static int parse_endpoint(struct ag_s3_client *c, const char *ep)
{
    const char *rest;
    size_t n;
    if (strncmp(ep, "https://", 8) == 0) {
        snprintf(c->scheme, sizeof c->scheme, "https");
        rest = ep + 8;
    } else if (strncmp(ep, "http://", 7) == 0) {
        snprintf(c->scheme, sizeof c->scheme, "http");
        rest = ep + 7;
    } else {
        return -1;
    }
    n = strcspn(rest, "/?#");
    if (n == 0 || n >= sizeof c->endpoint_host || (rest[n] && strcmp(rest + n, "/") != 0))
        return -1;
    for (size_t i = 0; i < n; i++)
        if (isspace((unsigned char)rest[i]) || rest[i] == '@')
            return -1;
    memcpy(c->endpoint_host, rest, n);
    c->endpoint_host[n] = '\0';
    return 0;
}

/* ---- one request */

struct src {
    int fd; /* file body when >= 0 */
    off_t off;
    uint64_t len, pos;
    const char *mem; /* memory body when fd < 0 */
    int failed;      /* local read error */
};

struct resp {
    CURL *curl;
    int sink_fd; /* 2xx bodies go here when >= 0 */
    uint64_t written;
    int local_err; /* errno of a failed local write */
    struct sr_buf body; /* error and small answers, capped at AG_S3_BODY_MAX */
    char etag[128];
    char content_type[128];
    uint64_t content_length;
    long status;
};

static size_t on_read(char *buf, size_t size, size_t nitems, void *ud)
{
    struct src *s = ud;
    size_t want = size * nitems;
    ssize_t n;
    if (want > s->len - s->pos)
        want = (size_t)(s->len - s->pos);
    if (want == 0)
        return 0;
    if (s->fd < 0) {
        memcpy(buf, s->mem + s->pos, want);
        s->pos += want;
        return want;
    }
    do
        n = pread(s->fd, buf, want, s->off + (off_t)s->pos);
    while (n < 0 && errno == EINTR);
    if (n <= 0) {
        s->failed = n < 0 ? errno : EIO;
        return CURL_READFUNC_ABORT;
    }
    s->pos += (uint64_t)n;
    return (size_t)n;
}

static int on_seek(void *ud, curl_off_t offset, int origin)
{
    struct src *s = ud;
    if (origin != SEEK_SET || offset < 0 || (uint64_t)offset > s->len)
        return CURL_SEEKFUNC_FAIL;
    s->pos = (uint64_t)offset;
    return CURL_SEEKFUNC_OK;
}

static size_t on_write(char *data, size_t size, size_t nmemb, void *ud)
{
    struct resp *r = ud;
    size_t n = size * nmemb;
    long status = 0;
    curl_easy_getinfo(r->curl, CURLINFO_RESPONSE_CODE, &status);
    if (r->sink_fd >= 0 && status >= 200 && status < 300) {
        for (size_t done = 0; done < n;) {
            ssize_t w = write(r->sink_fd, data + done, n - done);
            if (w < 0 && errno == EINTR)
                continue;
            if (w <= 0) {
                r->local_err = w < 0 ? errno : EIO;
                return 0;
            }
            done += (size_t)w;
        }
        r->written += n;
        return n;
    }
    return sr_buf_append(&r->body, data, n) == SR_BUF_OK ? n : 0;
}

static void header_value(const char *line, size_t n, char *out, size_t size)
{
    const char *v = memchr(line, ':', n);
    const char *e;
    size_t len;
    if (!v)
        return;
    v++;
    e = line + n;
    while (v < e && (*v == ' ' || *v == '\t'))
        v++;
    while (e > v && (e[-1] == '\r' || e[-1] == '\n' || e[-1] == ' '))
        e--;
    len = (size_t)(e - v) < size - 1 ? (size_t)(e - v) : size - 1;
    memcpy(out, v, len);
    out[len] = '\0';
}

static size_t on_header(char *line, size_t size, size_t nitems, void *ud)
{
    struct resp *r = ud;
    size_t n = size * nitems;
    char num[32];
    if (n > 5 && strncasecmp(line, "ETag:", 5) == 0)
        header_value(line, n, r->etag, sizeof r->etag);
    else if (n > 13 && strncasecmp(line, "Content-Type:", 13) == 0)
        header_value(line, n, r->content_type, sizeof r->content_type);
    else if (n > 15 && strncasecmp(line, "Content-Length:", 15) == 0) {
        num[0] = '\0';
        header_value(line, n, num, sizeof num);
        r->content_length = strtoull(num, NULL, 10);
    }
    return n;
}

struct req {
    const char *method;
    const char *bucket;
    const char *key;
    const struct ag_sigv4_pair *query;
    size_t nquery;
    const struct ag_sigv4_pair *headers; /* signed and sent */
    size_t nheaders;
    const char *payload_hash;
    struct src *body; /* NULL: no body */
    int sink_fd;      /* -1: keep the body in memory */
};

static struct curl_slist *add_header(struct curl_slist *l, int *bad, const char *name,
                                     const char *value)
{
    char line[8192];
    int n = snprintf(line, sizeof line, "%s: %s", name, value);
    struct curl_slist *nl = n > 0 && (size_t)n < sizeof line ? curl_slist_append(l, line) : NULL;
    if (!nl)
        *bad = 1;
    return nl ? nl : l;
}

static struct curl_slist *build_headers(const struct ag_s3_client *c, const struct req *q,
                                        const char *host, const struct ag_sigv4_signed *s)
{
    int bad = 0;
    struct curl_slist *h = NULL;
    h = add_header(h, &bad, "Host", host);
    h = add_header(h, &bad, "X-Amz-Date", s->amz_date);
    h = add_header(h, &bad, "X-Amz-Content-Sha256", s->payload_hash);
    h = add_header(h, &bad, "Authorization", s->authorization);
    if (c->creds->session_token && *c->creds->session_token)
        h = add_header(h, &bad, "X-Amz-Security-Token", c->creds->session_token);
    for (size_t i = 0; i < q->nheaders; i++)
        h = add_header(h, &bad, q->headers[i].name, q->headers[i].value);
    if (strcmp(q->method, "POST") == 0 && q->nheaders == 0)
        h = add_header(h, &bad, "Content-Type", "application/xml");
    if (bad) {
        curl_slist_free_all(h);
        return NULL;
    }
    return h;
}

static void set_method(CURL *cu, const struct req *q)
{
    if (strcmp(q->method, "HEAD") == 0) {
        curl_easy_setopt(cu, CURLOPT_NOBODY, 1L);
    } else if (strcmp(q->method, "PUT") == 0) {
        curl_easy_setopt(cu, CURLOPT_UPLOAD, 1L);
        curl_easy_setopt(cu, CURLOPT_INFILESIZE_LARGE,
                         (curl_off_t)(q->body ? q->body->len : 0));
    } else if (strcmp(q->method, "POST") == 0) {
        curl_easy_setopt(cu, CURLOPT_POST, 1L);
        curl_easy_setopt(cu, CURLOPT_POSTFIELDSIZE_LARGE,
                         (curl_off_t)(q->body ? q->body->len : 0));
    } else if (strcmp(q->method, "GET") != 0) {
        curl_easy_setopt(cu, CURLOPT_CUSTOMREQUEST, q->method);
    }
    if (q->body) {
        curl_easy_setopt(cu, CURLOPT_READFUNCTION, on_read);
        curl_easy_setopt(cu, CURLOPT_READDATA, q->body);
        curl_easy_setopt(cu, CURLOPT_SEEKFUNCTION, on_seek);
        curl_easy_setopt(cu, CURLOPT_SEEKDATA, q->body);
    }
}

static void set_transport(const struct ag_s3_client *c, CURL *cu, struct resp *r)
{
    curl_easy_setopt(cu, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(cu, CURLOPT_PROTOCOLS_STR, "http,https");
    curl_easy_setopt(cu, CURLOPT_FOLLOWLOCATION, 0L);
    curl_easy_setopt(cu, CURLOPT_USERAGENT, "sandboxrun");
    curl_easy_setopt(cu, CURLOPT_PATH_AS_IS, 1L);   /* send the path we signed, dot segments untouched */
    curl_easy_setopt(cu, CURLOPT_CONNECTTIMEOUT_MS, c->opts.connect_timeout_ms);
    curl_easy_setopt(cu, CURLOPT_TIMEOUT_MS, c->opts.timeout_ms);
    curl_easy_setopt(cu, CURLOPT_LOW_SPEED_LIMIT, 1L);
    curl_easy_setopt(cu, CURLOPT_LOW_SPEED_TIME, c->opts.idle_timeout_s);
    curl_easy_setopt(cu, CURLOPT_TCP_KEEPALIVE, 1L);
    curl_easy_setopt(cu, CURLOPT_WRITEFUNCTION, on_write);
    curl_easy_setopt(cu, CURLOPT_WRITEDATA, r);
    curl_easy_setopt(cu, CURLOPT_HEADERFUNCTION, on_header);
    curl_easy_setopt(cu, CURLOPT_HEADERDATA, r);
}

/* Reset everything an attempt may have left behind. */
static int reset_attempt(const struct req *q, struct resp *r)
{
    sr_buf_reset(&r->body);
    sr_buf_init(&r->body, AG_S3_BODY_MAX);
    r->etag[0] = r->content_type[0] = '\0';
    r->content_length = 0;
    r->written = 0;
    r->local_err = 0;
    r->status = 0;
    if (q->body) {
        q->body->pos = 0;
        q->body->failed = 0;
    }
    if (q->sink_fd >= 0 && (ftruncate(q->sink_fd, 0) != 0 || lseek(q->sink_fd, 0, SEEK_SET) != 0)) {
        r->local_err = errno;
        return -1;
    }
    return 0;
}

/* One signed transfer. Returns the curl code; *sign_err is set when signing failed. */
static CURLcode attempt(struct ag_s3_client *c, const struct req *q, struct resp *r,
                        enum ag_sigv4_err *sign_err)
{
    char host[512], path[AG_S3_KEY_MAX + AG_S3_BUCKET_MAX + 8], *url = NULL;
    struct ag_sigv4_signed *s = calloc(1, sizeof *s);
    struct curl_slist *hl = NULL;
    CURLcode cc = CURLE_OUT_OF_MEMORY;
    struct ag_sigv4_key k;
    struct ag_sigv4_request sr;
    *sign_err = AG_SIGV4_OK;
    if (!s)
        return cc;
    if (address(c, q->bucket, q->key, host, sizeof host, path, sizeof path) != 0) {
        *sign_err = AG_SIGV4_ETOOLONG;
        goto out;
    }
    k = (struct ag_sigv4_key){c->creds->access_key, c->creds->secret_key,
                              c->creds->session_token, c->creds->region, "s3"};
    sr = (struct ag_sigv4_request){q->method, host, path, q->query, q->nquery,
                                   q->headers, q->nheaders, q->payload_hash, 0};
    if ((*sign_err = ag_sigv4_sign(&k, &sr, s)) != AG_SIGV4_OK)
        goto out;
    if (asprintf(&url, "%s://%s%s", c->scheme, host, s->target) < 0) {
        url = NULL;
        goto out;
    }
    if (!(hl = build_headers(c, q, host, s)))
        goto out;
    curl_easy_reset(c->curl);
    set_transport(c, c->curl, r);
    set_method(c->curl, q);
    curl_easy_setopt(c->curl, CURLOPT_URL, url);
    curl_easy_setopt(c->curl, CURLOPT_HTTPHEADER, hl);
    cc = curl_easy_perform(c->curl);
    curl_easy_getinfo(c->curl, CURLINFO_RESPONSE_CODE, &r->status);
out:
    curl_slist_free_all(hl);
    free(url);
    free(s);
    return cc;
}

static int curl_retryable(CURLcode cc)
{
    switch (cc) {
    case CURLE_COULDNT_CONNECT:
    case CURLE_OPERATION_TIMEDOUT:
    case CURLE_SEND_ERROR:
    case CURLE_RECV_ERROR:
    case CURLE_GOT_NOTHING:
    case CURLE_PARTIAL_FILE:
    case CURLE_SSL_CONNECT_ERROR:
        return 1;
    default:
        return 0;
    }
}

/* Turn an HTTP error answer into an error code and message; *retry says
 * whether S3 asks to try again. */
static enum ag_s3_err http_error(struct ag_s3_client *c, const struct req *q,
                                 const struct resp *r, int *retry)
{
    char code[128], msg[600];
    xml_text(r->body.data, "Code", code, sizeof code);
    xml_text(r->body.data, "Message", msg, sizeof msg);
    *retry = r->status >= 500 || r->status == 429 || strcmp(code, "SlowDown") == 0 ||
             strcmp(code, "RequestTimeout") == 0 || strcmp(code, "InternalError") == 0;
    if (!code[0])
        snprintf(code, sizeof code, "HTTP %ld", r->status);
    if (!msg[0])
        snprintf(msg, sizeof msg, "%s",
                 strcmp(q->method, "HEAD") == 0 ? "no error details in a HEAD answer"
                                                : "no error details from the server");
    sr_errf(c->err, sizeof c->err, "%s: %s (HTTP %ld, %s %s/%s)", code, msg, r->status, q->method, q->bucket,
            q->key ? q->key : "");
    if (r->status == 403)
        return AG_S3_EDENIED;
    if (r->status == 404)
        return AG_S3_ENOTFOUND;
    return AG_S3_EHTTP;
}

/* Classify one finished attempt. */
static enum ag_s3_err outcome(struct ag_s3_client *c, const struct req *q, struct resp *r,
                              CURLcode cc, int *retry)
{
    int error_in_200;
    struct resp tmp;
    *retry = 0;
    if (q->body && q->body->failed) {
        sr_errf(c->err, sizeof c->err, "reading the local file failed: %s", strerror(q->body->failed));
        return AG_S3_ELOCAL;
    }
    if (r->local_err) {
        sr_errf(c->err, sizeof c->err, "writing the local file failed: %s", strerror(r->local_err));
        return AG_S3_ELOCAL;
    }
    if (r->body.err == SR_BUF_CAP) {
        sr_errf(c->err, sizeof c->err, "response body larger than %u bytes (%s %s/%s)", AG_S3_BODY_MAX, q->method,
                q->bucket, q->key ? q->key : "");
        return AG_S3_ECAP;
    }
    if (cc != CURLE_OK) {
        *retry = curl_retryable(cc);
        sr_errf(c->err, sizeof c->err, "%s (%s %s/%s)", curl_easy_strerror(cc), q->method, q->bucket,
                q->key ? q->key : "");
        return cc == CURLE_OUT_OF_MEMORY ? AG_S3_ENOMEM : AG_S3_ENET;
    }
    /* CompleteMultipartUpload may answer 200 with an <Error> body */
    error_in_200 = r->status == 200 && r->body.data && strstr(r->body.data, "<Error>");
    if (r->status >= 200 && r->status < 300 && !error_in_200)
        return AG_S3_OK;
    tmp = *r;
    if (error_in_200)
        tmp.status = 500;
    return http_error(c, q, &tmp, retry);
}

/* Run q with retries; on success r holds the last answer (caller frees r->body). */
static enum ag_s3_err request(struct ag_s3_client *c, const struct req *q, struct resp *r)
{
    enum ag_s3_err e = AG_S3_ENET;
    memset(r, 0, sizeof *r);
    r->curl = c->curl;
    r->sink_fd = q->sink_fd;
    for (int n = 1; n <= c->opts.max_attempts; n++) {
        enum ag_sigv4_err se;
        int retry = 0;
        CURLcode cc;
        if (reset_attempt(q, r) != 0) {
            sr_errf(c->err, sizeof c->err, "cannot rewind the local file: %s", strerror(r->local_err));
            return AG_S3_ELOCAL;
        }
        cc = attempt(c, q, r, &se);
        if (se != AG_SIGV4_OK) {
            sr_errf(c->err, sizeof c->err, "cannot sign %s %s/%s: %s", q->method, q->bucket, q->key ? q->key : "",
                    ag_sigv4_strerror(se));
            return AG_S3_ESIGN;
        }
        e = outcome(c, q, r, cc, &retry);
        if (e == AG_S3_OK || !retry)
            break;
        if (n < c->opts.max_attempts)
            sleep_ms(backoff_ms(&c->opts, n));
        else
            snprintf(c->err + strlen(c->err), sizeof c->err - strlen(c->err),
                     " after %d attempts", n);
    }
    if (e != AG_S3_OK)
        sr_buf_reset(&r->body);
    return e;
}

/* ---- operations */

static int open_regular(struct ag_s3_client *c, const char *path, uint64_t *size)
{
    struct stat st;
    int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
    if (fd < 0) {
        sr_errf(c->err, sizeof c->err, "cannot open %s: %s", path, strerror(errno));
        return -1;
    }
    if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
        sr_errf(c->err, sizeof c->err, "%s is not a regular file", path);
        close(fd);
        return -1;
    }
    *size = (uint64_t)st.st_size;
    return fd;
}

static enum ag_s3_err put_single(struct ag_s3_client *c, const char *bucket, const char *key,
                                 int fd, uint64_t size, const char *ctype)
{
    char hash[65];
    struct src body;
    struct ag_sigv4_pair h[] = {{"Content-Type", ctype}};
    struct req q;
    struct resp r;
    enum ag_s3_err e;
    if (hash_range(fd, 0, size, hash) != 0) {
        sr_errf(c->err, sizeof c->err, "reading the local file failed: %s", strerror(errno));
        return AG_S3_ELOCAL;
    }
    body = (struct src){.fd = fd, .len = size};
    q = (struct req){"PUT", bucket, key, NULL, 0, h, 1, hash, &body, -1};
    e = request(c, &q, &r);
    sr_buf_reset(&r.body);
    return e;
}

struct part {
    char etag[128];
};

static enum ag_s3_err mp_initiate(struct ag_s3_client *c, const char *bucket, const char *key,
                                  const char *ctype, char *upload_id, size_t idsz)
{
    struct ag_sigv4_pair qp[] = {{"uploads", ""}};
    struct ag_sigv4_pair h[] = {{"Content-Type", ctype}};
    struct src body = {.fd = -1, .mem = "", .len = 0};
    struct req q = {"POST", bucket, key, qp, 1, h, 1, EMPTY_SHA256, &body, -1};
    struct resp r;
    enum ag_s3_err e = request(c, &q, &r);
    if (e == AG_S3_OK) {
        xml_text(r.body.data, "UploadId", upload_id, idsz);
        if (!upload_id[0] || strlen(upload_id) >= idsz - 1) {
            sr_errf(c->err, sizeof c->err, "CreateMultipartUpload answer has no usable UploadId (%s/%s)", bucket, key);
            e = AG_S3_EHTTP;
        }
    }
    sr_buf_reset(&r.body);
    return e;
}

static enum ag_s3_err mp_part(struct ag_s3_client *c, const char *bucket, const char *key,
                              const char *upload_id, int fd, int num, off_t off, uint64_t len,
                              struct part *p)
{
    char hash[65], nbuf[16];
    struct ag_sigv4_pair qp[] = {{"partNumber", nbuf}, {"uploadId", upload_id}};
    struct src body;
    struct req q;
    struct resp r;
    enum ag_s3_err e;
    if (hash_range(fd, off, len, hash) != 0) {
        sr_errf(c->err, sizeof c->err, "reading the local file failed: %s", strerror(errno));
        return AG_S3_ELOCAL;
    }
    snprintf(nbuf, sizeof nbuf, "%d", num);
    body = (struct src){.fd = fd, .off = off, .len = len};
    q = (struct req){"PUT", bucket, key, qp, 2, NULL, 0, hash, &body, -1};
    e = request(c, &q, &r);
    if (e == AG_S3_OK && !r.etag[0]) {
        sr_errf(c->err, sizeof c->err, "UploadPart %d answer has no ETag (%s/%s)", num, bucket, key);
        e = AG_S3_EHTTP;
    }
    if (e == AG_S3_OK)
        snprintf(p->etag, sizeof p->etag, "%s", r.etag);
    sr_buf_reset(&r.body);
    return e;
}

static enum ag_s3_err mp_complete(struct ag_s3_client *c, const char *bucket, const char *key,
                                  const char *upload_id, const struct part *parts, int n)
{
    struct sr_buf x;
    char line[256], hash[65];
    int bad = 0;
    struct ag_sigv4_pair qp[] = {{"uploadId", upload_id}};
    struct src body;
    struct req q;
    struct resp r;
    enum ag_s3_err e;

    sr_buf_init(&x, (size_t)n * 200 + 256);
    sr_buf_puts(&x, "<CompleteMultipartUpload>");
    for (int i = 0; i < n && !bad; i++) {
        int len = snprintf(line, sizeof line, "<Part><PartNumber>%d</PartNumber><ETag>%s</ETag></Part>",
                           i + 1, parts[i].etag);
        bad = len < 0 || (size_t)len >= sizeof line || sr_buf_append(&x, line, (size_t)len) != SR_BUF_OK;
    }
    sr_buf_puts(&x, "</CompleteMultipartUpload>");
    if (bad || sr_buf_failed(&x) || ag_sigv4_sha256_hex(x.data, x.len, hash) != AG_SIGV4_OK) {
        sr_buf_reset(&x);
        sr_errf(c->err, sizeof c->err, "cannot build the CompleteMultipartUpload request");
        return AG_S3_ENOMEM;
    }
    body = (struct src){.fd = -1, .mem = x.data, .len = x.len};
    q = (struct req){"POST", bucket, key, qp, 1, NULL, 0, hash, &body, -1};
    e = request(c, &q, &r);
    sr_buf_reset(&r.body);
    sr_buf_reset(&x);
    return e;
}

/* Best effort: free the parts S3 stored; the caller's error stays the one reported. */
static void mp_abort(struct ag_s3_client *c, const char *bucket, const char *key,
                     const char *upload_id)
{
    char saved[ERRMSG_MAX];
    int attempts = c->opts.max_attempts;
    enum ag_s3_err e;
    struct ag_sigv4_pair qp[] = {{"uploadId", upload_id}};
    struct req q;
    struct resp r;
    snprintf(saved, sizeof saved, "%s", c->err);
    q = (struct req){"DELETE", bucket, key, qp, 1, NULL, 0, EMPTY_SHA256, NULL, -1};
    c->opts.max_attempts = attempts > 2 ? 2 : attempts;
    e = request(c, &q, &r);
    c->opts.max_attempts = attempts;
    sr_buf_reset(&r.body);
    if (e == AG_S3_OK)
        snprintf(c->err, sizeof c->err, "%.900s (multipart upload aborted)", saved);
    else {
        char why[256];
        snprintf(why, sizeof why, "%s", c->err);
        snprintf(c->err, sizeof c->err, "%.600s (aborting the multipart upload %.64s also failed: %s)",
                 saved, upload_id, why);
    }
}

static enum ag_s3_err put_multipart(struct ag_s3_client *c, const char *bucket, const char *key,
                                    int fd, uint64_t size, const char *ctype)
{
    uint64_t psz = c->opts.part_size;
    int n;
    enum ag_s3_err e;
    char upload_id[1024];
    struct part *parts;
    if ((size + psz - 1) / psz > MAX_PARTS)
        psz = ((size + MAX_PARTS - 1) / MAX_PARTS + MIB - 1) / MIB * MIB;
    n = (int)((size + psz - 1) / psz);
    parts = calloc((size_t)n, sizeof *parts);
    if (!parts)
        return AG_S3_ENOMEM;
    e = mp_initiate(c, bucket, key, ctype, upload_id, sizeof upload_id);
    if (e) {
        free(parts);
        return e;
    }
    for (int i = 0; i < n && e == AG_S3_OK; i++) {
        uint64_t off = (uint64_t)i * psz;
        uint64_t len = size - off < psz ? size - off : psz;
        e = mp_part(c, bucket, key, upload_id, fd, i + 1, (off_t)off, len, &parts[i]);
    }
    if (e == AG_S3_OK)
        e = mp_complete(c, bucket, key, upload_id, parts, n);
    if (e != AG_S3_OK)
        mp_abort(c, bucket, key, upload_id);
    free(parts);
    return e;
}

static enum ag_s3_err check_names(struct ag_s3_client *c, const char *bucket, const char *key)
{
    c->err[0] = '\0';
    if (!bucket || !bucket_ok(bucket)) {
        sr_errf(c->err, sizeof c->err, "invalid bucket name '%s'", bucket ? bucket : "");
        return AG_S3_EINVAL;
    }
    if (!key || !key_ok(key)) {
        sr_errf(c->err, sizeof c->err, "invalid object key (empty, longer than %d bytes, or with an empty, '.' or '..' segment)",
                AG_S3_KEY_MAX);
        return AG_S3_EINVAL;
    }
    return AG_S3_OK;
}

enum ag_s3_err ag_s3_put_file(struct ag_s3_client *c, const char *bucket, const char *key,
                              const char *path, const char *content_type)
{
    uint64_t size;
    enum ag_s3_err e = check_names(c, bucket, key);
    const char *ctype;
    int fd;
    if (e)
        return e;
    ctype = content_type && *content_type ? content_type : "application/octet-stream";
    if (strpbrk(ctype, "\r\n")) {
        sr_errf(c->err, sizeof c->err, "invalid content type");
        return AG_S3_EINVAL;
    }
    fd = open_regular(c, path, &size);
    if (fd < 0)
        return AG_S3_ELOCAL;
    if (size > c->opts.multipart_threshold)
        e = put_multipart(c, bucket, key, fd, size, ctype);
    else
        e = put_single(c, bucket, key, fd, size, ctype);
    close(fd);
    return e;
}

/* Move the finished download tmp to path, which must not exist yet: a
 * download never replaces a file (another input, say). -1 with errno. */
static int place_new(const char *tmp, const char *path)
{
    if (renameat2(AT_FDCWD, tmp, AT_FDCWD, path, RENAME_NOREPLACE) == 0)
        return 0;
    if (errno != EINVAL && errno != ENOSYS && errno != EPERM)
        return -1;
    if (link(tmp, path) != 0)      /* a filesystem or kernel without RENAME_NOREPLACE */
        return -1;
    return unlink(tmp);
}

enum ag_s3_err ag_s3_get_file(struct ag_s3_client *c, const char *bucket, const char *key,
                              const char *path)
{
    enum ag_s3_err e = check_names(c, bucket, key);
    char *tmp;
    int fd;
    struct req q;
    struct resp r;
    if (e)
        return e;
    tmp = NULL;
    if (asprintf(&tmp, "%s.part.XXXXXX", path) < 0)
        return AG_S3_ENOMEM;
    fd = mkostemp(tmp, O_CLOEXEC);
    if (fd < 0) {
        sr_errf(c->err, sizeof c->err, "cannot create a file next to %s: %s", path, strerror(errno));
        free(tmp);
        return AG_S3_ELOCAL;
    }
    q = (struct req){"GET", bucket, key, NULL, 0, NULL, 0, EMPTY_SHA256, NULL, fd};
    e = request(c, &q, &r);
    sr_buf_reset(&r.body);
    if (e == AG_S3_OK && (fchmod(fd, 0644) != 0 || fsync(fd) != 0 || place_new(tmp, path) != 0)) {
        sr_errf(c->err, sizeof c->err, "cannot put the download in place at %s: %s", path, strerror(errno));
        e = AG_S3_ELOCAL;
    }
    close(fd);
    if (e != AG_S3_OK)
        unlink(tmp);
    free(tmp);
    return e;
}

enum ag_s3_err ag_s3_head(struct ag_s3_client *c, const char *bucket, const char *key,
                          struct ag_s3_object_info *info)
{
    enum ag_s3_err e = check_names(c, bucket, key);
    struct req q;
    struct resp r;
    if (e)
        return e;
    q = (struct req){"HEAD", bucket, key, NULL, 0, NULL, 0, EMPTY_SHA256, NULL, -1};
    e = request(c, &q, &r);
    if (e == AG_S3_OK && info) {
        info->size = r.content_length;
        snprintf(info->etag, sizeof info->etag, "%s", r.etag);
        snprintf(info->content_type, sizeof info->content_type, "%s", r.content_type);
    }
    sr_buf_reset(&r.body);
    return e;
}

enum ag_s3_err ag_s3_presign_get(struct ag_s3_client *c, const char *bucket, const char *key,
                                 long expires, char *url, size_t url_size)
{
    char host[512], path[AG_S3_KEY_MAX + AG_S3_BUCKET_MAX + 8];
    enum ag_s3_err e = check_names(c, bucket, key);
    struct ag_sigv4_key k;
    struct ag_sigv4_request r;
    enum ag_sigv4_err se;
    if (e)
        return e;
    if (address(c, bucket, key, host, sizeof host, path, sizeof path) != 0)
        return AG_S3_EINVAL;
    k = (struct ag_sigv4_key){c->creds->access_key, c->creds->secret_key,
                              c->creds->session_token, c->creds->region, "s3"};
    r = (struct ag_sigv4_request){.method = "GET", .host = host, .path = path, .at = c->opts.at};
    se = ag_sigv4_presign(&k, &r, c->scheme, expires, url, url_size);
    if (se == AG_SIGV4_OK)
        return AG_S3_OK;
    sr_errf(c->err, sizeof c->err, "cannot presign %s/%s: %s", bucket, key, ag_sigv4_strerror(se));
    return se == AG_SIGV4_EEXPIRES ? AG_S3_EINVAL : AG_S3_ESIGN;
}

enum ag_s3_err ag_s3_parse_uri(const char *uri, char *bucket, size_t bucket_size, char *key,
                               size_t key_size)
{
    const char *b, *slash;
    if (!uri || strncmp(uri, "s3://", 5) != 0)
        return AG_S3_EINVAL;
    b = uri + 5;
    slash = strchr(b, '/');
    if (!slash || (size_t)(slash - b) >= bucket_size || strlen(slash + 1) >= key_size)
        return AG_S3_EINVAL;
    memcpy(bucket, b, (size_t)(slash - b));
    bucket[slash - b] = '\0';
    snprintf(key, key_size, "%s", slash + 1);
    return bucket_ok(bucket) && key_ok(key) ? AG_S3_OK : AG_S3_EINVAL;
}

/* ---- client */

static pthread_once_t curl_once = PTHREAD_ONCE_INIT;
static CURLcode curl_init_rc = CURLE_FAILED_INIT;
static void init_curl(void) { curl_init_rc = curl_global_init(CURL_GLOBAL_DEFAULT); }

void ag_s3_opts_default(struct ag_s3_opts *o)
{
    *o = (struct ag_s3_opts){
        .connect_timeout_ms = 10000,
        .idle_timeout_s = 60,
        .timeout_ms = 0,
        .max_attempts = 5,
        .backoff_base_ms = 200,
        .backoff_max_ms = 20000,
        .multipart_threshold = 16 * MIB,
        .part_size = 8 * MIB,
        .at = 0,
    };
}

enum ag_s3_err ag_s3_client_new(struct ag_s3_client **out, const struct ag_creds *creds,
                                const struct ag_s3_opts *opts)
{
    struct ag_s3_client *c;
    *out = NULL;
    if (!creds || !creds->access_key || !creds->secret_key || !creds->region)
        return AG_S3_ECREDS;
    c = calloc(1, sizeof *c);
    if (!c)
        return AG_S3_ENOMEM;
    c->creds = creds;
    if (opts)
        c->opts = *opts;
    else
        ag_s3_opts_default(&c->opts);
    if (c->opts.max_attempts < 1)
        c->opts.max_attempts = 1;
    if (c->opts.part_size < AG_S3_MIN_PART)
        c->opts.part_size = AG_S3_MIN_PART;
    if (c->opts.backoff_max_ms < c->opts.backoff_base_ms)
        c->opts.backoff_max_ms = c->opts.backoff_base_ms;
    snprintf(c->scheme, sizeof c->scheme, "https");
    if (creds->endpoint && parse_endpoint(c, creds->endpoint) != 0) {
        free(c);
        return AG_S3_EINVAL;
    }
    pthread_once(&curl_once, init_curl);
    if (curl_init_rc != CURLE_OK || !(c->curl = curl_easy_init())) {
        free(c);
        return AG_S3_ENOMEM;
    }
    *out = c;
    return AG_S3_OK;
}

void ag_s3_client_free(struct ag_s3_client **pc)
{
    if (!pc || !*pc)
        return;
    curl_easy_cleanup((*pc)->curl);
    free(*pc);
    *pc = NULL;
}

const char *ag_s3_errmsg(const struct ag_s3_client *c) { return c ? c->err : ""; }

const char *ag_s3_strerror(enum ag_s3_err e)
{
    static const char *const msg[] = {
        [AG_S3_OK] = "success",
        [AG_S3_EINVAL] = "invalid S3 argument",
        [AG_S3_ECREDS] = "no usable S3 credentials",
        [AG_S3_ELOCAL] = "local file error",
        [AG_S3_ENET] = "network error talking to S3",
        [AG_S3_EDENIED] = "access denied by S3",
        [AG_S3_ENOTFOUND] = "no such S3 bucket or key",
        [AG_S3_EHTTP] = "S3 returned an error",
        [AG_S3_ECAP] = "S3 response too large",
        [AG_S3_ESIGN] = "cannot sign the S3 request",
        [AG_S3_ENOMEM] = "out of memory",
    };
    return (unsigned)e < sizeof msg / sizeof msg[0] && msg[e] ? msg[e] : "unknown S3 error";
}
