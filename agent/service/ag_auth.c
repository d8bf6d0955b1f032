/* ag_auth.c — the --auth file and SigV4 verification; see ag_auth.h.
 *
 * The verifier rebuilds the canonical request from what arrived (the path as
 * sent, the decoded query, the headers named by SignedHeaders, the SHA-256 of
 * the body it read) and asks ag_sigv4 — the same code that signs S3 requests
 * — for the signature the claimed key would give, then compares in constant
 * time. */
#include "ag_auth.h"

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cjson/cJSON.h>
#include <openssl/crypto.h>

#include "sr_buf.h"
#include "sr_io.h"

#define ALGORITHM "AWS4-HMAC-SHA256"
#define SIGNED_MAX 24

struct key {
    char *id, *secret, *token, *tenant;
};
struct token {
    char *token, *tenant;
};
/* A tenant's grants: the S3 prefixes its calls may read and write. */
struct grant {
    char *tenant;
    char *s3[AG_AUTH_S3_PREFIXES];
    size_t ns3;
};
struct ag_auth {
    struct key *keys;
    size_t nkeys;
    struct token *tokens;
    size_t ntokens;
    struct grant *grants;
    size_t ngrants;
};

static void wipe(char **s)
{
    if (*s) {
        OPENSSL_cleanse(*s, strlen(*s));
        free(*s);
        *s = NULL;
    }
}

void ag_auth_free(struct ag_auth **pa)
{
    struct ag_auth *a = *pa;

    if (!a)
        return;
    for (size_t i = 0; i < a->nkeys; i++) {
        wipe(&a->keys[i].id);
        wipe(&a->keys[i].secret);
        wipe(&a->keys[i].token);
        wipe(&a->keys[i].tenant);
    }
    for (size_t i = 0; i < a->ntokens; i++) {
        wipe(&a->tokens[i].token);
        wipe(&a->tokens[i].tenant);
    }
    for (size_t i = 0; i < a->ngrants; i++) {
        free(a->grants[i].tenant);
        for (size_t k = 0; k < a->grants[i].ns3; k++)
            free(a->grants[i].s3[k]);
    }
    free(a->keys);
    free(a->tokens);
    free(a->grants);
    free(a);
    *pa = NULL;
}

size_t ag_auth_nkeys(const struct ag_auth *a)
{
    return a ? a->nkeys : 0;
}

size_t ag_auth_ntokens(const struct ag_auth *a)
{
    return a ? a->ntokens : 0;
}

/* A copy of the string member key of o, if it is a string of 1..max
 * printable ASCII characters; NULL otherwise (and when optional, absent). */
static char *field(const cJSON *o, const char *key, size_t max)
{
    const char *v = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(o, key));
    size_t n = v ? strlen(v) : 0;

    if (n == 0 || n > max)
        return NULL;
    for (size_t i = 0; i < n; i++)
        if ((unsigned char)v[i] <= ' ' || (unsigned char)v[i] >= 127)
            return NULL;
    return strdup(v);
}

/* Whether t is a usable tenant name: letters, digits, '-', '_', '.'. */
static int tenant_ok(const char *t)
{
    if (!t)
        return 0;
    for (const char *p = t; *p; p++)
        if (!isalnum((unsigned char)*p) && !strchr("-_.", *p))
            return 0;
    return strlen(t) <= AG_AUTH_TENANT_MAX;
}

static int parse_keys(struct ag_auth *a, const cJSON *arr, char *err, size_t errlen)
{
    const cJSON *k;
    size_t i = 0;

    if (arr && !cJSON_IsArray(arr))
        return snprintf(err, errlen, "\"keys\" must be an array"), -1;
    a->keys = calloc((size_t)cJSON_GetArraySize(arr) + 1, sizeof *a->keys);
    if (!a->keys)
        return snprintf(err, errlen, "out of memory"), -1;
    cJSON_ArrayForEach(k, arr) {
        struct key *e = &a->keys[a->nkeys++];
        e->id = field(k, "accessKeyId", 128);
        e->secret = field(k, "secretAccessKey", 200);
        e->tenant = field(k, "tenant", AG_AUTH_TENANT_MAX);
        e->token = field(k, "sessionToken", 4096);
        if (!e->id || !e->secret || !tenant_ok(e->tenant) || strchr(e->id, '/'))
            return snprintf(err, errlen, "keys[%zu] needs accessKeyId (no '/'), secretAccessKey and tenant "
                            "(letters, digits, '-', '_', '.')", i), -1;
        for (size_t j = 0; j + 1 < a->nkeys; j++)
            if (strcmp(a->keys[j].id, e->id) == 0)
                return snprintf(err, errlen, "keys[%zu]: accessKeyId given twice", i), -1;
        i++;
    }
    return 0;
}

static int parse_tokens(struct ag_auth *a, const cJSON *arr, char *err, size_t errlen)
{
    const cJSON *t;

    if (arr && !cJSON_IsArray(arr))
        return snprintf(err, errlen, "\"tokens\" must be an array"), -1;
    a->tokens = calloc((size_t)cJSON_GetArraySize(arr) + 1, sizeof *a->tokens);
    if (!a->tokens)
        return snprintf(err, errlen, "out of memory"), -1;
    cJSON_ArrayForEach(t, arr) {
        struct token *e = &a->tokens[a->ntokens++];
        e->token = field(t, "token", 4096);
        e->tenant = field(t, "tenant", AG_AUTH_TENANT_MAX);
        if (!e->token || strlen(e->token) < 16 || !tenant_ok(e->tenant))
            return snprintf(err, errlen, "tokens[%zu] needs a token of 16+ characters and a tenant",
                            a->ntokens - 1), -1;
    }
    return 0;
}

/* Whether p is an S3 prefix we grant: s3://BUCKET/ or s3://BUCKET/PATH/,
 * printable, without dot segments. */
static int prefix_ok(const char *p)
{
    size_t n = strlen(p);

    if (n < 7 || n > 1024 || strncmp(p, "s3://", 5) != 0 || p[5] == '/' || p[n - 1] != '/' ||
        strstr(p, "/./") || strstr(p, "/../") || strstr(p + 5, "//"))
        return 0;
    for (size_t i = 0; i < n; i++)
        if ((unsigned char)p[i] <= ' ' || (unsigned char)p[i] >= 127)
            return 0;
    return 1;
}

/* "tenants": {"team-a": {"s3": ["s3://bucket/team-a/", ...]}, ...} */
static int parse_grants(struct ag_auth *a, const cJSON *obj, char *err, size_t errlen)
{
    const cJSON *t, *p;

    if (obj && !cJSON_IsObject(obj))
        return snprintf(err, errlen, "\"tenants\" must be an object of tenant names"), -1;
    if (cJSON_GetArraySize(obj) > AG_AUTH_TENANTS_MAX ||
        !(a->grants = calloc((size_t)cJSON_GetArraySize(obj) + 1, sizeof *a->grants)))
        return snprintf(err, errlen, "\"tenants\": at most %d", AG_AUTH_TENANTS_MAX), -1;
    cJSON_ArrayForEach(t, obj) {
        struct grant *g = &a->grants[a->ngrants++];
        const cJSON *s3 = cJSON_GetObjectItemCaseSensitive(t, "s3");
        if (!tenant_ok(t->string) || !cJSON_IsObject(t) || (s3 && !cJSON_IsArray(s3)) ||
            cJSON_GetArraySize(s3) > AG_AUTH_S3_PREFIXES || !(g->tenant = strdup(t->string)))
            return snprintf(err, errlen, "tenants.%.64s: a tenant name, then {\"s3\": [at most %d prefixes]}",
                            t->string ? t->string : "?", AG_AUTH_S3_PREFIXES), -1;
        cJSON_ArrayForEach(p, s3) {
            if (!cJSON_IsString(p) || !prefix_ok(p->valuestring) || !(g->s3[g->ns3] = strdup(p->valuestring)))
                return snprintf(err, errlen, "tenants.%s.s3: each prefix is s3://BUCKET/ or s3://BUCKET/PATH/ "
                                "(ending in '/')", g->tenant), -1;
            g->ns3++;
        }
    }
    return 0;
}

int ag_auth_s3_allowed(const struct ag_auth *a, const char *tenant, const char *uri)
{
    for (size_t i = 0; a && tenant && i < a->ngrants; i++)
        for (size_t k = 0; strcmp(a->grants[i].tenant, tenant) == 0 && k < a->grants[i].ns3; k++)
            if (strncmp(uri, a->grants[i].s3[k], strlen(a->grants[i].s3[k])) == 0)
                return 1;
    return 0;
}

int ag_auth_read_private(const char *path, struct sr_buf *b, char *err, size_t errlen)
{
    struct stat st;
    int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK), rc;

    sr_buf_init(b, AG_AUTH_FILE_MAX);
    if (fd < 0)
        return snprintf(err, errlen, "cannot open %s: %s", path, strerror(errno)), -1;
    if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode) || st.st_uid != geteuid() || (st.st_mode & 077)) {
        close(fd);
        return snprintf(err, errlen, "%s must be a regular file owned by uid %u with mode 0600 (or stricter)",
                        path, (unsigned)geteuid()), -1;
    }
    rc = sr_read_all(fd, b);
    close(fd);
    if (rc != 0)
        return snprintf(err, errlen, "cannot read %s%s", path, rc > 0 ? ": larger than 1 MiB" : ""), -1;
    return 0;
}

int ag_auth_load(const char *path, struct ag_auth **out, char *err, size_t errlen)
{
    struct ag_auth *a = calloc(1, sizeof *a);
    struct sr_buf b;
    cJSON *j = NULL;
    int rc = -1;

    *out = NULL;
    if (!a)
        return snprintf(err, errlen, "out of memory"), -1;
    if (ag_auth_read_private(path, &b, err, errlen) == 0) {
        j = cJSON_ParseWithLength(b.data ? b.data : "", b.len);
        if (!cJSON_IsObject(j))
            snprintf(err, errlen, "%s is not a JSON object", path);
        else if (parse_keys(a, cJSON_GetObjectItemCaseSensitive(j, "keys"), err, errlen) == 0 &&
                 parse_tokens(a, cJSON_GetObjectItemCaseSensitive(j, "tokens"), err, errlen) == 0 &&
                 parse_grants(a, cJSON_GetObjectItemCaseSensitive(j, "tenants"), err, errlen) == 0)
            rc = 0;
    }
    if (b.data)
        OPENSSL_cleanse(b.data, b.len);
    sr_buf_reset(&b);
    if (j) {   /* the parse tree holds the secrets too */
        char *text = cJSON_PrintUnformatted(j);
        if (text)
            OPENSSL_cleanse(text, strlen(text)), free(text);
        cJSON_Delete(j);
    }
    if (rc < 0)
        ag_auth_free(&a);
    *out = a;
    return rc;
}

/* ---- verification ---- */

/* The value of header name (case-insensitive), its repeats joined by ',' as
 * the canonical form asks, into out; NULL if absent or too long. */
static const char *header(const struct ag_auth_request *r, const char *name, char *out, size_t outlen)
{
    size_t n = 0;
    int found = 0;

    for (size_t i = 0; i < r->nheaders; i++) {
        int w;
        if (strcasecmp(r->headers[i].name, name) != 0)
            continue;
        w = snprintf(out + n, outlen - n, "%s%s", found ? "," : "", r->headers[i].value ? r->headers[i].value : "");
        if (w < 0 || (size_t)w >= outlen - n)
            return NULL;
        n += (size_t)w;
        found = 1;
    }
    return found ? out : NULL;
}

/* Whether the request has header name at all (case-insensitive). */
static int has_header(const struct ag_auth_request *r, const char *name)
{
    for (size_t i = 0; i < r->nheaders; i++)
        if (strcasecmp(r->headers[i].name, name) == 0)
            return 1;
    return 0;
}

struct authz {
    char key[129], date[9], region[65], service[33], terminal[16];
    char names[SIGNED_MAX][64];
    size_t nnames;
    char signature[65];
};

/* "Credential=AKID/DATE/REGION/SERVICE/aws4_request" */
static int parse_credential(struct authz *z, const char *v)
{
    char *parts[5], buf[400], *save = NULL;
    int n = 0;

    if (strlen(v) >= sizeof buf)
        return -1;
    snprintf(buf, sizeof buf, "%s", v);
    for (char *p = strtok_r(buf, "/", &save); p && n < 5; p = strtok_r(NULL, "/", &save))
        parts[n++] = p;
    if (n != 5 || strtok_r(NULL, "/", &save) || strlen(parts[0]) >= sizeof z->key || strlen(parts[1]) != 8 ||
        strlen(parts[2]) >= sizeof z->region || strlen(parts[3]) >= sizeof z->service ||
        strlen(parts[4]) >= sizeof z->terminal)
        return -1;
    snprintf(z->key, sizeof z->key, "%s", parts[0]);
    snprintf(z->date, sizeof z->date, "%s", parts[1]);
    snprintf(z->region, sizeof z->region, "%s", parts[2]);
    snprintf(z->service, sizeof z->service, "%s", parts[3]);
    snprintf(z->terminal, sizeof z->terminal, "%s", parts[4]);
    return 0;
}

/* "host;x-amz-date;..." — lower case, sorted, no repeats, as signers send it. */
static int parse_signed(struct authz *z, const char *v)
{
    const char *p = v;

    while (*p) {
        size_t n = strcspn(p, ";");
        if (n == 0 || n >= sizeof z->names[0] || z->nnames == SIGNED_MAX)
            return -1;
        memcpy(z->names[z->nnames], p, n);
        z->names[z->nnames][n] = '\0';
        for (size_t i = 0; i < n; i++)
            if (isupper((unsigned char)p[i]) || (unsigned char)p[i] <= ' ')
                return -1;
        if (z->nnames && strcmp(z->names[z->nnames - 1], z->names[z->nnames]) >= 0)
            return -1;
        z->nnames++;
        p += n + (p[n] == ';');
    }
    return z->nnames ? 0 : -1;
}

static int is_signed(const struct authz *z, const char *name)
{
    for (size_t i = 0; i < z->nnames; i++)
        if (strcmp(z->names[i], name) == 0)
            return 1;
    return 0;
}

/* "AWS4-HMAC-SHA256 Credential=..., SignedHeaders=..., Signature=..." */
static int parse_authz(struct authz *z, const char *h)
{
    char buf[2048], *save = NULL;
    int have = 0;

    memset(z, 0, sizeof *z);
    if (strncmp(h, ALGORITHM " ", sizeof ALGORITHM) != 0 || strlen(h) >= sizeof buf)
        return -1;
    snprintf(buf, sizeof buf, "%s", h + sizeof ALGORITHM);
    for (char *p = strtok_r(buf, ",", &save); p; p = strtok_r(NULL, ",", &save)) {
        while (*p == ' ')
            p++;
        if (strncmp(p, "Credential=", 11) == 0 && !(have & 1) && parse_credential(z, p + 11) == 0)
            have |= 1;
        else if (strncmp(p, "SignedHeaders=", 14) == 0 && !(have & 2) && parse_signed(z, p + 14) == 0)
            have |= 2;
        else if (strncmp(p, "Signature=", 10) == 0 && !(have & 4) && strlen(p + 10) == 64 &&
                 strspn(p + 10, "0123456789abcdef") == 64)
            have |= 4, snprintf(z->signature, sizeof z->signature, "%s", p + 10);
        else
            return -1;
    }
    return have == 7 ? 0 : -1;
}

/* X-Amz-Date "YYYYMMDDTHHMMSSZ" as a time, or -1. */
static time_t amz_time(const char *s)
{
    struct tm tm = {0};
    const char *end;

    if (strlen(s) != 16 || !(end = strptime(s, "%Y%m%dT%H%M%SZ", &tm)) || *end)
        return -1;
    return timegm(&tm);
}

static const struct key *find_key(const struct ag_auth *a, const char *id)
{
    for (size_t i = 0; a && i < a->nkeys; i++)
        if (strcmp(a->keys[i].id, id) == 0)
            return &a->keys[i];
    return NULL;
}

static int same_secret(const char *a, const char *b)
{
    size_t n = strlen(a);

    return n == strlen(b) && CRYPTO_memcmp(a, b, n) == 0;
}

/* The header-level checks: scope, date window, what must be signed. */
static enum ag_auth_res check_scope(const struct authz *z, const struct ag_auth_request *r, const char *region,
                                    const char *amz_date, char *err, size_t errlen)
{
    time_t t = amz_time(amz_date);

    if (strcmp(z->service, AG_AUTH_SERVICE) != 0 || strcmp(z->region, region) != 0 ||
        strcmp(z->terminal, "aws4_request") != 0)
        return snprintf(err, errlen, "Credential should be scoped to region '%s' and service '%s'", region,
                        AG_AUTH_SERVICE), AG_AUTH_MALFORMED;
    if (t < 0 || strncmp(amz_date, z->date, 8) != 0)
        return snprintf(err, errlen, "X-Amz-Date must be YYYYMMDDTHHMMSSZ and on the Credential's date"),
               AG_AUTH_MALFORMED;
    if (!is_signed(z, "host") || !is_signed(z, "x-amz-date"))
        return snprintf(err, errlen, "SignedHeaders must include host and x-amz-date"), AG_AUTH_MALFORMED;
    /* which session a call acts on is the caller's to say, not a proxy's or
     * a replayer's: sent, it must be signed (the AWS SDKs sign it) */
    if (has_header(r, AG_AUTH_SESSION_HEADER) && !is_signed(z, AG_AUTH_SESSION_HEADER))
        return snprintf(err, errlen, "SignedHeaders must include " AG_AUTH_SESSION_HEADER " when it is sent"),
               AG_AUTH_MALFORMED;
    if (t < r->now - AG_AUTH_SKEW || t > r->now + AG_AUTH_SKEW)
        return snprintf(err, errlen, "Signature expired: %s is more than %d s from the server's time", amz_date,
                        AG_AUTH_SKEW), AG_AUTH_SKEWED;
    return AG_AUTH_OK;
}

/* The session token rule: a key with one needs it sent and signed; a key
 * without one takes no token. */
static enum ag_auth_res check_token(const struct key *k, const struct authz *z, const struct ag_auth_request *r,
                                    char *err, size_t errlen)
{
    char *tok = malloc(8192);
    enum ag_auth_res res = AG_AUTH_OK;
    const char *sent = tok ? header(r, "x-amz-security-token", tok, 8192) : NULL;

    if (!tok)
        res = AG_AUTH_BAD_TOKEN;
    else if (!k->token && sent)
        res = AG_AUTH_BAD_TOKEN;
    else if (k->token && (!sent || !is_signed(z, "x-amz-security-token") || !same_secret(sent, k->token)))
        res = AG_AUTH_BAD_TOKEN;
    if (res)
        snprintf(err, errlen, "The security token included in the request is invalid");
    free(tok);
    return res;
}

/* The signature k gives to r as signed with z. */
static enum ag_sigv4_err expected(const struct key *k, const struct authz *z, const struct ag_auth_request *r,
                                  const char *region, const char *amz_date, char sig[65])
{
    struct ag_sigv4_key key = {.access_key = k->id, .secret_key = k->secret, .region = region,
                               .service = AG_AUTH_SERVICE};
    struct ag_sigv4_pair hs[SIGNED_MAX];
    char *vals = malloc((size_t)SIGNED_MAX * 4096), uri[3 * AG_SIGV4_PATH_MAX + 1], hash[65];
    char *query = malloc(3 * 8192 * AG_SIGV4_MAX_PARAMS);
    enum ag_sigv4_err e = vals && query ? AG_SIGV4_OK : AG_SIGV4_ETOOLONG;

    for (size_t i = 0; !e && i < z->nnames; i++) {
        hs[i].name = z->names[i];
        hs[i].value = header(r, z->names[i], vals + i * 4096, 4096);
        if (!hs[i].value)
            e = AG_SIGV4_EINVAL;   /* a signed header that did not arrive */
    }
    if (!e)
        e = ag_sigv4_service_uri(r->path, uri, sizeof uri);
    if (!e)
        e = ag_sigv4_canonical_query(r->query, r->nquery, query, 3 * 8192 * AG_SIGV4_MAX_PARAMS);
    if (!e)
        e = ag_sigv4_sha256_hex(r->body ? r->body : "", r->body_len, hash);
    if (!e) {
        struct ag_sigv4_canon c = {.method = r->method, .uri = uri, .query = query, .headers = hs,
                                   .nheaders = z->nnames, .payload_hash = hash, .amz_date = amz_date};
        e = ag_sigv4_signature(&key, &c, sig);
    }
    free(vals);
    free(query);
    return e;
}

/* Everything but the signature and the body: the header, its scope and
 * date, the key and its token. The key on AG_AUTH_OK. */
static enum ag_auth_res check_headers(const struct ag_auth *a, const struct ag_auth_request *r, const char *region,
                                      struct authz *z, char date[64], const struct key **key, char *err,
                                      size_t errlen)
{
    char hbuf[2048];
    const char *h = header(r, "authorization", hbuf, sizeof hbuf);
    const char *d = header(r, "x-amz-date", date, 64);
    enum ag_auth_res res;

    if (!h || !d)
        return snprintf(err, errlen, "Missing Authentication Token (a SigV4 Authorization header and "
                        "X-Amz-Date)"), AG_AUTH_MISSING;
    if (parse_authz(z, h) < 0)
        return snprintf(err, errlen, "Authorization header requires Credential, SignedHeaders and Signature "
                        "(AWS4-HMAC-SHA256)"), AG_AUTH_MALFORMED;
    if ((res = check_scope(z, r, region, d, err, errlen)))
        return res;
    if (!(*key = find_key(a, z->key)))
        return snprintf(err, errlen, "The security token included in the request is invalid (unknown access "
                        "key)"), AG_AUTH_UNKNOWN_KEY;
    return check_token(*key, z, r, err, errlen);
}

enum ag_auth_res ag_auth_precheck(const struct ag_auth *a, const struct ag_auth_request *r, const char *region,
                                  char *err, size_t errlen)
{
    struct authz z;
    char date[64];
    const struct key *k;

    return check_headers(a, r, region, &z, date, &k, err, errlen);
}

enum ag_auth_res ag_auth_verify(const struct ag_auth *a, const struct ag_auth_request *r, const char *region,
                                const char **tenant, char *err, size_t errlen)
{
    char date[64], sig[65], sha[128];
    const char *content_sha = header(r, "x-amz-content-sha256", sha, sizeof sha);
    const struct key *k = NULL;
    struct authz z;
    enum ag_auth_res res;

    *tenant = NULL;
    if ((res = check_headers(a, r, region, &z, date, &k, err, errlen)))
        return res;
    if (expected(k, &z, r, region, date, sig) != AG_SIGV4_OK ||
        CRYPTO_memcmp(sig, z.signature, 64) != 0)
        return snprintf(err, errlen, "The request signature we calculated does not match the signature you "
                        "provided"), AG_AUTH_BAD_SIGNATURE;
    if (content_sha) {   /* a signed payload hash must be the body's */
        char body_hash[65];
        ag_sigv4_sha256_hex(r->body ? r->body : "", r->body_len, body_hash);
        if (strcmp(content_sha, body_hash) != 0)
            return snprintf(err, errlen, "x-amz-content-sha256 is not the SHA-256 of the body"),
                   AG_AUTH_BAD_SIGNATURE;
    }
    OPENSSL_cleanse(sig, sizeof sig);
    *tenant = k->tenant;
    return AG_AUTH_OK;
}

const char *ag_auth_bearer(const struct ag_auth *a, const char *tok)
{
    const char *found = NULL;

    for (size_t i = 0; a && tok && i < a->ntokens; i++)   /* every token is compared: no early exit */
        if (same_secret(tok, a->tokens[i].token))
            found = a->tokens[i].tenant;
    return found;
}
