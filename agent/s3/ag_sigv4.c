/* ag_sigv4.c — AWS Signature Version 4 (S3 flavour), see ag_sigv4.h.
 *
 * The four steps of the AWS documentation, one function each:
 *   canonical request -> string to sign -> signing key -> signature.
 * S3 differs from other services in two ways handled here: the path is
 * encoded once (not twice) and never normalised, and the payload hash is
 * always sent as x-amz-content-sha256. */
#include "ag_sigv4.h"
#include "sr_buf.h"

#include <ctype.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>

#define ALGORITHM "AWS4-HMAC-SHA256"
#define CANON_MAX (3 * AG_SIGV4_PATH_MAX + 16384)
#define VALUE_MAX 4096 /* one query value or header value, raw */

static int is_unreserved(unsigned char c)
{
    return isalnum(c) || c == '-' || c == '_' || c == '.' || c == '~';
}

/* Append s percent-encoded as SigV4 wants (unreserved kept; '/' kept if asked). */
static void put_encoded(struct sr_buf *b, const char *s, int keep_slash)
{
    static const char hex[] = "0123456789ABCDEF";
    for (const unsigned char *q = (const unsigned char *)s; *q; q++) {
        if (is_unreserved(*q) || (keep_slash && *q == '/')) {
            sr_buf_putc(b, (char)*q);
        } else {
            char e[3] = {'%', hex[*q >> 4], hex[*q & 15]};
            sr_buf_append(b, e, 3);
        }
    }
}

/* ---- crypto */

static void to_hex(const unsigned char *d, size_t n, char *hex)
{
    static const char digits[] = "0123456789abcdef";
    for (size_t i = 0; i < n; i++) {
        hex[2 * i] = digits[d[i] >> 4];
        hex[2 * i + 1] = digits[d[i] & 15];
    }
    hex[2 * n] = '\0';
}

enum ag_sigv4_err ag_sigv4_sha256_hex(const void *p, size_t n, char hex[65])
{
    unsigned char md[32];
    unsigned int mdlen = 0;
    if (EVP_Digest(p, n, md, &mdlen, EVP_sha256(), NULL) != 1 || mdlen != 32)
        return AG_SIGV4_ECRYPTO;
    to_hex(md, 32, hex);
    return AG_SIGV4_OK;
}

static int hmac(const void *key, size_t klen, const char *msg, unsigned char out[32])
{
    unsigned int outlen = 0;
    if (!HMAC(EVP_sha256(), key, (int)klen, (const unsigned char *)msg, strlen(msg),
              out, &outlen))
        return -1;
    return outlen == 32 ? 0 : -1;
}

/* kSigning = HMAC(HMAC(HMAC(HMAC("AWS4" + secret, date), region), service), "aws4_request") */
static int signing_key(const struct ag_sigv4_key *key, const char *date, unsigned char out[32])
{
    char k0[256];
    unsigned char k1[32], k2[32], k3[32];
    int rc = -1;
    int n = snprintf(k0, sizeof k0, "AWS4%s", key->secret_key);
    if (n > 0 && (size_t)n < sizeof k0 && hmac(k0, (size_t)n, date, k1) == 0 &&
        hmac(k1, 32, key->region, k2) == 0 && hmac(k2, 32, key->service, k3) == 0 &&
        hmac(k3, 32, "aws4_request", out) == 0)
        rc = 0;
    OPENSSL_cleanse(k0, sizeof k0);
    OPENSSL_cleanse(k1, sizeof k1);
    OPENSSL_cleanse(k2, sizeof k2);
    OPENSSL_cleanse(k3, sizeof k3);
    return rc;
}

/* ---- canonical pieces */

struct enc_pair {
    char name[3 * 128 + 1];
    char value[3 * VALUE_MAX + 1];
};

static int pair_cmp(const void *a, const void *b)
{
    const struct enc_pair *x = a, *y = b;
    int c = strcmp(x->name, y->name);
    return c ? c : strcmp(x->value, y->value);
}

struct hdr {
    char name[64];
    char value[VALUE_MAX];
};

static int hdr_cmp(const void *a, const void *b)
{
    return strcmp(((const struct hdr *)a)->name, ((const struct hdr *)b)->name);
}

/* Lower-case the name, trim the value and squeeze runs of spaces, as the
 * canonical header form demands. CR/LF anywhere is refused (header injection). */
static enum ag_sigv4_err hdr_set(struct hdr *h, const char *name, const char *value)
{
    size_t n = strlen(name);
    size_t o;
    if (n == 0 || n >= sizeof h->name || strlen(value) >= sizeof h->value)
        return n == 0 ? AG_SIGV4_EINVAL : AG_SIGV4_ETOOLONG;
    for (size_t i = 0; i <= n; i++) {
        unsigned char c = (unsigned char)name[i];
        if (i < n && (c <= ' ' || c == ':' || c >= 127))
            return AG_SIGV4_EINVAL;
        h->name[i] = (char)tolower(c);
    }
    if (strpbrk(value, "\r\n"))
        return AG_SIGV4_EINVAL;
    while (*value == ' ' || *value == '\t')
        value++;
    o = 0;
    for (const char *q = value; *q; q++) {
        if ((*q == ' ' || *q == '\t') && o > 0 && h->value[o - 1] == ' ')
            continue;
        h->value[o++] = *q == '\t' ? ' ' : *q;
    }
    while (o > 0 && h->value[o - 1] == ' ')
        o--;
    h->value[o] = '\0';
    return AG_SIGV4_OK;
}

/* All signed headers of req, sorted; the fixed ones plus req->headers. */
struct hdrset {
    struct hdr h[AG_SIGV4_MAX_HEADERS + 4];
    size_t n;
};

static enum ag_sigv4_err hdrset_add(struct hdrset *s, const char *name, const char *value)
{
    enum ag_sigv4_err e;
    if (s->n >= sizeof s->h / sizeof s->h[0])
        return AG_SIGV4_ETOOLONG;
    e = hdr_set(&s->h[s->n], name, value);
    if (e == AG_SIGV4_OK) {
        for (size_t i = 0; i < s->n; i++)
            if (strcmp(s->h[i].name, s->h[s->n].name) == 0)
                return AG_SIGV4_EINVAL; /* duplicate header: ambiguous */
        s->n++;
    }
    return e;
}

/* Encode and sort the query pairs of req plus any extra ones. */
struct pairset {
    struct enc_pair p[AG_SIGV4_MAX_PARAMS + 8];
    size_t n;
};

static enum ag_sigv4_err pairset_add(struct pairset *s, const char *name, const char *value)
{
    struct sr_buf b;
    struct sr_buf v;
    if (s->n >= sizeof s->p / sizeof s->p[0])
        return AG_SIGV4_ETOOLONG;
    if (!name || !*name)
        return AG_SIGV4_EINVAL;
    sr_buf_init_fixed(&b, s->p[s->n].name, sizeof s->p[s->n].name);
    put_encoded(&b, name, 0);
    sr_buf_init_fixed(&v, s->p[s->n].value, sizeof s->p[s->n].value);
    put_encoded(&v, value ? value : "", 0);
    if (sr_buf_failed(&b) || sr_buf_failed(&v))
        return AG_SIGV4_ETOOLONG;
    s->n++;
    return AG_SIGV4_OK;
}

static void put_query(struct sr_buf *b, struct pairset *q)
{
    qsort(q->p, q->n, sizeof q->p[0], pair_cmp);
    for (size_t i = 0; i < q->n; i++) {
        if (i)
            sr_buf_putc(b, '&');
        sr_buf_puts(b, q->p[i].name);
        sr_buf_putc(b, '=');
        sr_buf_puts(b, q->p[i].value);
    }
}

static void put_signed_names(struct sr_buf *b, const struct hdrset *hs)
{
    for (size_t i = 0; i < hs->n; i++) {
        if (i)
            sr_buf_putc(b, ';');
        sr_buf_puts(b, hs->h[i].name);
    }
}

static enum ag_sigv4_err check_request(const struct ag_sigv4_key *key,
                                       const struct ag_sigv4_request *req)
{
    if (!key || !key->access_key || !*key->access_key || !key->secret_key ||
        !*key->secret_key || !key->region || !*key->region || !key->service ||
        !*key->service || !req || !req->method || !*req->method || !req->host ||
        !*req->host || !req->path || req->path[0] != '/')
        return AG_SIGV4_EINVAL;
    if (strpbrk(key->access_key, "/\r\n") || strpbrk(key->region, "/\r\n") ||
        strpbrk(req->host, "/\r\n \t@") || strpbrk(req->method, "\r\n \t"))
        return AG_SIGV4_EINVAL;
    if (strlen(req->path) > AG_SIGV4_PATH_MAX || strlen(key->access_key) > 128 ||
        strlen(key->region) > 64 || strlen(key->service) > 32)
        return AG_SIGV4_ETOOLONG;
    if (req->nquery > AG_SIGV4_MAX_PARAMS || req->nheaders > AG_SIGV4_MAX_HEADERS)
        return AG_SIGV4_ETOOLONG;
    if (key->session_token && strpbrk(key->session_token, "\r\n"))
        return AG_SIGV4_EINVAL;
    return AG_SIGV4_OK;
}

static enum ag_sigv4_err format_time(time_t at, char amz_date[17], char date[9])
{
    struct tm tm;
    if (at == 0)
        at = time(NULL);
    if (!gmtime_r(&at, &tm) || strftime(amz_date, 17, "%Y%m%dT%H%M%SZ", &tm) != 16)
        return AG_SIGV4_EINVAL;
    memcpy(date, amz_date, 8);
    date[8] = '\0';
    return AG_SIGV4_OK;
}

/* S3's canonical URI: the raw path encoded once, '/' kept, never normalised. */
static enum ag_sigv4_err s3_path(const char *raw, char *out, size_t size)
{
    struct sr_buf b;
    sr_buf_init_fixed(&b, out, size);
    put_encoded(&b, raw, 1);
    return sr_buf_failed(&b) ? AG_SIGV4_ETOOLONG : AG_SIGV4_OK;
}

/* The whole algorithm once the canonical query and header set are known:
 * writes the hex signature. */
static enum ag_sigv4_err compute_signature(const struct ag_sigv4_key *key,
                                           const char *method, const char *canon_uri,
                                           const char *canon_query,
                                           const struct hdrset *hs,
                                           const char *payload_hash,
                                           const char *amz_date, const char *date,
                                           char signature[65])
{
    char *canon = malloc(CANON_MAX), sts[512], creq_hash[65];
    struct sr_buf b;
    enum ag_sigv4_err e;
    int n;
    unsigned char ksign[32], sig[32];
    int rc;
    if (!canon)
        return AG_SIGV4_ETOOLONG;
    sr_buf_init_fixed(&b, canon, CANON_MAX);
    sr_buf_puts(&b, method);
    sr_buf_putc(&b, '\n');
    sr_buf_puts(&b, canon_uri);
    sr_buf_putc(&b, '\n');
    sr_buf_puts(&b, canon_query);
    sr_buf_putc(&b, '\n');
    for (size_t i = 0; i < hs->n; i++) {
        sr_buf_puts(&b, hs->h[i].name);
        sr_buf_putc(&b, ':');
        sr_buf_puts(&b, hs->h[i].value);
        sr_buf_putc(&b, '\n');
    }
    sr_buf_putc(&b, '\n');
    put_signed_names(&b, hs);
    sr_buf_putc(&b, '\n');
    sr_buf_puts(&b, payload_hash);
    e = sr_buf_failed(&b) ? AG_SIGV4_ETOOLONG : ag_sigv4_sha256_hex(canon, b.len, creq_hash);
    free(canon);
    if (e)
        return e;

    n = snprintf(sts, sizeof sts, ALGORITHM "\n%s\n%s/%s/%s/aws4_request\n%s", amz_date,
                 date, key->region, key->service, creq_hash);
    if (n < 0 || (size_t)n >= sizeof sts)
        return AG_SIGV4_ETOOLONG;

    rc = signing_key(key, date, ksign) == 0 ? hmac(ksign, 32, sts, sig) : -1;
    OPENSSL_cleanse(ksign, sizeof ksign);
    if (rc != 0)
        return AG_SIGV4_ECRYPTO;
    to_hex(sig, 32, signature);
    return AG_SIGV4_OK;
}

static enum ag_sigv4_err collect_headers(const struct ag_sigv4_key *key,
                                         const struct ag_sigv4_request *req,
                                         int with_amz, const char *amz_date,
                                         const char *payload_hash, struct hdrset *hs)
{
    enum ag_sigv4_err e = hdrset_add(hs, "host", req->host);
    if (!e && with_amz)
        e = hdrset_add(hs, "x-amz-date", amz_date);
    if (!e && with_amz)
        e = hdrset_add(hs, "x-amz-content-sha256", payload_hash);
    if (!e && with_amz && key->session_token && *key->session_token)
        e = hdrset_add(hs, "x-amz-security-token", key->session_token);
    for (size_t i = 0; !e && i < req->nheaders; i++)
        e = hdrset_add(hs, req->headers[i].name,
                       req->headers[i].value ? req->headers[i].value : "");
    if (!e)
        qsort(hs->h, hs->n, sizeof hs->h[0], hdr_cmp);
    return e;
}

static enum ag_sigv4_err collect_query(const struct ag_sigv4_request *req, struct pairset *q)
{
    enum ag_sigv4_err e = AG_SIGV4_OK;
    for (size_t i = 0; !e && i < req->nquery; i++)
        e = pairset_add(q, req->query[i].name, req->query[i].value);
    return e;
}

static int is_hex64(const char *s)
{
    size_t i = 0;
    for (; s[i]; i++)
        if (!isxdigit((unsigned char)s[i]))
            return 0;
    return i == 64;
}

enum ag_sigv4_err ag_sigv4_sign(const struct ag_sigv4_key *key,
                                const struct ag_sigv4_request *req,
                                struct ag_sigv4_signed *out)
{
    char date[9];
    enum ag_sigv4_err e = check_request(key, req);
    const char *ph;
    struct hdrset *hs;
    struct sr_buf b;
    struct sr_buf a;
    struct sr_buf t;
    struct pairset *q;
    char *cq;
    if (e)
        return e;
    ph = req->payload_hash ? req->payload_hash : AG_SIGV4_UNSIGNED_PAYLOAD;
    if (strcmp(ph, AG_SIGV4_UNSIGNED_PAYLOAD) != 0 && !is_hex64(ph))
        return AG_SIGV4_EINVAL;
    if ((e = format_time(req->at, out->amz_date, date)))
        return e;
    snprintf(out->payload_hash, sizeof out->payload_hash, "%s", ph);

    hs = calloc(1, sizeof *hs);
    q = calloc(1, sizeof *q);
    cq = malloc(CANON_MAX);
    if (!hs || !q || !cq) {
        e = AG_SIGV4_ETOOLONG;
        goto done;
    }
    sr_buf_init_fixed(&b, cq, CANON_MAX);
    if ((e = collect_headers(key, req, 1, out->amz_date, ph, hs)) ||
        (e = collect_query(req, q)))
        goto done;
    put_query(&b, q);
    if (sr_buf_failed(&b)) {
        e = AG_SIGV4_ETOOLONG;
        goto done;
    }
    if ((e = s3_path(req->path, out->target, sizeof out->target)) ||
        (e = compute_signature(key, req->method, out->target, cq, hs, ph, out->amz_date, date,
                               out->signature)))
        goto done;

    sr_buf_init_fixed(&a, out->authorization, sizeof out->authorization);
    sr_buf_puts(&a, ALGORITHM " Credential=");
    sr_buf_puts(&a, key->access_key);
    sr_buf_putc(&a, '/');
    sr_buf_puts(&a, date);
    sr_buf_putc(&a, '/');
    sr_buf_puts(&a, key->region);
    sr_buf_putc(&a, '/');
    sr_buf_puts(&a, key->service);
    sr_buf_puts(&a, "/aws4_request,SignedHeaders=");
    put_signed_names(&a, hs);
    sr_buf_puts(&a, ",Signature=");
    sr_buf_puts(&a, out->signature);

    sr_buf_init_fixed(&t, out->target, sizeof out->target);
    put_encoded(&t, req->path, 1);
    if (b.len) {
        sr_buf_putc(&t, '?');
        sr_buf_puts(&t, cq);
    }
    e = sr_buf_failed(&a) || sr_buf_failed(&t) ? AG_SIGV4_ETOOLONG : AG_SIGV4_OK;
done:
    free(hs);
    free(q);
    free(cq);
    return e;
}

enum ag_sigv4_err ag_sigv4_presign(const struct ag_sigv4_key *key,
                                   const struct ag_sigv4_request *req,
                                   const char *scheme, long expires,
                                   char *url, size_t url_size)
{
    char amz_date[17], date[9], cred[256], exp[24], names[512], sig[65];
    char path[3 * AG_SIGV4_PATH_MAX + 1];
    enum ag_sigv4_err e = check_request(key, req);
    struct hdrset *hs;
    struct sr_buf nb;
    struct sr_buf b;
    struct sr_buf u;
    struct pairset *q;
    char *cq;
    if (e)
        return e;
    if (expires < 1 || expires > AG_SIGV4_EXPIRES_MAX)
        return AG_SIGV4_EEXPIRES;
    if (!scheme || (strcmp(scheme, "https") != 0 && strcmp(scheme, "http") != 0))
        return AG_SIGV4_EINVAL;
    if ((e = format_time(req->at, amz_date, date)))
        return e;
    snprintf(cred, sizeof cred, "%s/%s/%s/%s/aws4_request", key->access_key, date,
             key->region, key->service);
    snprintf(exp, sizeof exp, "%ld", expires);

    hs = calloc(1, sizeof *hs);
    q = calloc(1, sizeof *q);
    cq = malloc(CANON_MAX);
    if (!hs || !q || !cq) {
        e = AG_SIGV4_ETOOLONG;
        goto done;
    }
    if ((e = collect_headers(key, req, 0, NULL, NULL, hs)) || (e = collect_query(req, q)))
        goto done;
    sr_buf_init_fixed(&nb, names, sizeof names);
    put_signed_names(&nb, hs);
    if ((e = pairset_add(q, "X-Amz-Algorithm", ALGORITHM)) ||
        (e = pairset_add(q, "X-Amz-Credential", cred)) ||
        (e = pairset_add(q, "X-Amz-Date", amz_date)) ||
        (e = pairset_add(q, "X-Amz-Expires", exp)) ||
        (e = pairset_add(q, "X-Amz-SignedHeaders", names)))
        goto done;
    if (key->session_token && *key->session_token &&
        (e = pairset_add(q, "X-Amz-Security-Token", key->session_token)))
        goto done;
    sr_buf_init_fixed(&b, cq, CANON_MAX);
    put_query(&b, q);
    if (sr_buf_failed(&b) || sr_buf_failed(&nb)) {
        e = AG_SIGV4_ETOOLONG;
        goto done;
    }
    if ((e = s3_path(req->path, path, sizeof path)) ||
        (e = compute_signature(key, req->method, path, cq, hs, AG_SIGV4_UNSIGNED_PAYLOAD, amz_date,
                               date, sig)))
        goto done;
    sr_buf_init_fixed(&u, url, url_size);
    sr_buf_puts(&u, scheme);
    sr_buf_puts(&u, "://");
    sr_buf_puts(&u, req->host);
    put_encoded(&u, req->path, 1);
    sr_buf_putc(&u, '?');
    sr_buf_puts(&u, cq);
    sr_buf_puts(&u, "&X-Amz-Signature=");
    sr_buf_puts(&u, sig);
    e = sr_buf_failed(&u) ? AG_SIGV4_ETOOLONG : AG_SIGV4_OK;
done:
    free(hs);
    free(q);
    free(cq);
    return e;
}

enum ag_sigv4_err ag_sigv4_canonical_query(const struct ag_sigv4_pair *query, size_t n,
                                           char *out, size_t out_size)
{
    struct pairset *q = calloc(1, sizeof *q);
    enum ag_sigv4_err e = q ? AG_SIGV4_OK : AG_SIGV4_ETOOLONG;
    struct sr_buf b;

    if (!e && n > AG_SIGV4_MAX_PARAMS)
        e = AG_SIGV4_ETOOLONG;
    for (size_t i = 0; !e && i < n; i++)
        e = pairset_add(q, query[i].name, query[i].value);
    if (!e) {
        sr_buf_init_fixed(&b, out, out_size);
        put_query(&b, q);
        e = sr_buf_failed(&b) ? AG_SIGV4_ETOOLONG : AG_SIGV4_OK;
    }
    free(q);
    return e;
}

enum ag_sigv4_err ag_sigv4_service_uri(const char *path, char *out, size_t out_size)
{
    const char *seg[256];
    size_t len[256], nseg = 0;
    struct sr_buf b;
    char *joined;
    struct sr_buf j;

    if (!path || path[0] != '/')
        return AG_SIGV4_EINVAL;
    if (strlen(path) > AG_SIGV4_PATH_MAX)
        return AG_SIGV4_ETOOLONG;
    /* drop empty and "." segments, let ".." take the one before (RFC 3986 5.2.4) */
    for (const char *p = path; *p;) {
        const char *end = strchr(p, '/');
        size_t n = end ? (size_t)(end - p) : strlen(p);
        if (n == 2 && p[0] == '.' && p[1] == '.')
            nseg -= nseg > 0;
        else if (n && !(n == 1 && p[0] == '.')) {
            if (nseg == 256)
                return AG_SIGV4_ETOOLONG;
            seg[nseg] = p;
            len[nseg++] = n;
        }
        p += n + (end != NULL);
    }
    joined = malloc(strlen(path) + 2);
    if (!joined)
        return AG_SIGV4_ETOOLONG;
    sr_buf_init_fixed(&j, joined, strlen(path) + 2);
    sr_buf_putc(&j, '/');
    for (size_t i = 0; i < nseg; i++) {
        if (i)
            sr_buf_putc(&j, '/');
        sr_buf_append(&j, seg[i], len[i]);
    }
    if (nseg && path[strlen(path) - 1] == '/')
        sr_buf_putc(&j, '/');
    sr_buf_init_fixed(&b, out, out_size);
    put_encoded(&b, joined, 1);   /* the path as sent is encoded once more */
    free(joined);
    return sr_buf_failed(&b) || sr_buf_failed(&j) ? AG_SIGV4_ETOOLONG : AG_SIGV4_OK;
}

enum ag_sigv4_err ag_sigv4_signature(const struct ag_sigv4_key *key,
                                     const struct ag_sigv4_canon *c, char signature[65])
{
    char date[9];
    enum ag_sigv4_err e = AG_SIGV4_OK;
    struct hdrset *hs;

    if (!key || !key->secret_key || !key->region || !key->service || !c || !c->method ||
        !c->uri || !c->query || !c->payload_hash || !c->amz_date || strlen(c->amz_date) != 16)
        return AG_SIGV4_EINVAL;
    if (c->nheaders > AG_SIGV4_MAX_HEADERS + 4)
        return AG_SIGV4_ETOOLONG;
    if (!(hs = calloc(1, sizeof *hs)))
        return AG_SIGV4_ETOOLONG;
    for (size_t i = 0; !e && i < c->nheaders; i++)
        e = hdrset_add(hs, c->headers[i].name, c->headers[i].value ? c->headers[i].value : "");
    if (!e) {
        qsort(hs->h, hs->n, sizeof hs->h[0], hdr_cmp);
        memcpy(date, c->amz_date, 8);
        date[8] = '\0';
        e = compute_signature(key, c->method, c->uri, c->query, hs, c->payload_hash, c->amz_date,
                              date, signature);
    }
    free(hs);
    return e;
}

enum ag_sigv4_err ag_sigv4_uri_encode(const char *s, int keep_slash, char *out,
                                      size_t out_size)
{
    struct sr_buf b;
    sr_buf_init_fixed(&b, out, out_size);
    put_encoded(&b, s, keep_slash);
    return sr_buf_failed(&b) ? AG_SIGV4_ETOOLONG : AG_SIGV4_OK;
}

const char *ag_sigv4_strerror(enum ag_sigv4_err err)
{
    switch (err) {
    case AG_SIGV4_OK:
        return "success";
    case AG_SIGV4_EINVAL:
        return "invalid signing input (missing field, bad character or malformed hash)";
    case AG_SIGV4_ETOOLONG:
        return "signing input or result too long";
    case AG_SIGV4_EEXPIRES:
        return "expiry must be between 1 and 604800 seconds (7 days)";
    case AG_SIGV4_ECRYPTO:
        return "libcrypto failure while signing";
    }
    return "unknown signing error";
}
