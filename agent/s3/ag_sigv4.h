/* ag_sigv4 — AWS Signature Version 4 for S3 (signing) and for services that
 * verify what they receive (bedrock-agentcore), on OpenSSL libcrypto.
 *
 * Pure functions: no I/O, no clock unless the caller passes at == 0, every
 * output lands in a caller buffer whose size is checked. Inputs are raw
 * (unencoded) paths and query values; the signer applies S3's URI encoding
 * (RFC 3986 unreserved characters kept, '/' kept in the path, everything else
 * %XX of its UTF-8 bytes) so that what is signed and what is sent agree.
 *
 *   header signing: ag_sigv4_sign()    -> Authorization + X-Amz-Date values
 *   presigned GET:  ag_sigv4_presign() -> a complete URL
 */
#ifndef AG_SIGV4_H
#define AG_SIGV4_H

#include <stddef.h>
#include <time.h>

#define AG_SIGV4_UNSIGNED_PAYLOAD "UNSIGNED-PAYLOAD"
#define AG_SIGV4_EXPIRES_MAX 604800L /* seven days, S3's limit */
#define AG_SIGV4_PATH_MAX 4096      /* raw path bytes (S3 keys are <= 1024) */
#define AG_SIGV4_MAX_PARAMS 32
#define AG_SIGV4_MAX_HEADERS 16

enum ag_sigv4_err {
    AG_SIGV4_OK = 0,
    AG_SIGV4_EINVAL,   /* a missing or malformed input (CR/LF in a header, empty key...) */
    AG_SIGV4_ETOOLONG, /* an input or the result does not fit its cap */
    AG_SIGV4_EEXPIRES, /* X-Amz-Expires outside 1..604800 */
    AG_SIGV4_ECRYPTO,  /* libcrypto failed */
};

/* Who signs, where. region and service are part of the credential scope
 * (service is "s3" here). session_token may be NULL. */
struct ag_sigv4_key {
    const char *access_key;
    const char *secret_key;
    const char *session_token;
    const char *region;
    const char *service;
};

struct ag_sigv4_pair {
    const char *name;
    const char *value; /* NULL or "" both mean an empty value ("?lifecycle") */
};

/* One request to sign. host is exactly the Host header sent (with ":port"
 * when it is not the scheme's default). path is raw and starts with '/'.
 * headers are extra headers to sign (Range, Content-Type, ...); host,
 * x-amz-date, x-amz-content-sha256 and x-amz-security-token are added by
 * the signer. payload_hash is the hex SHA-256 of the body or
 * AG_SIGV4_UNSIGNED_PAYLOAD (NULL means unsigned). at == 0 means now. */
struct ag_sigv4_request {
    const char *method;
    const char *host;
    const char *path;
    const struct ag_sigv4_pair *query;
    size_t nquery;
    const struct ag_sigv4_pair *headers;
    size_t nheaders;
    const char *payload_hash;
    time_t at;
};

/* What the caller must send with a header-signed request. target is the
 * encoded path plus "?query" (the request line), the rest are header values. */
struct ag_sigv4_signed {
    char amz_date[17];        /* X-Amz-Date: 20130524T000000Z */
    char payload_hash[65];    /* X-Amz-Content-Sha256 */
    char signature[65];
    char authorization[1024]; /* Authorization */
    char target[3 * AG_SIGV4_PATH_MAX + 2048];
};

/* Sign req with key into *out. Returns AG_SIGV4_OK or an error; *out is
 * only meaningful on success. */
enum ag_sigv4_err ag_sigv4_sign(const struct ag_sigv4_key *key,
                                const struct ag_sigv4_request *req,
                                struct ag_sigv4_signed *out);

/* Build a presigned URL "scheme://host/path?X-Amz-...&X-Amz-Signature=..."
 * for req (method is normally GET; req->headers are signed too and then
 * must be sent by whoever uses the URL). The payload is UNSIGNED-PAYLOAD.
 * expires must be 1..AG_SIGV4_EXPIRES_MAX (AG_SIGV4_EEXPIRES otherwise). */
enum ag_sigv4_err ag_sigv4_presign(const struct ag_sigv4_key *key,
                                   const struct ag_sigv4_request *req,
                                   const char *scheme, long expires,
                                   char *url, size_t url_size);

/* ---- the verifier's side (a service checking a request it received) ----
 * The same canonical request, string to sign and signing key as the signer
 * uses, built from the pieces of a received request. */

/* A canonical request. uri and query are already canonical (from
 * ag_sigv4_service_uri and ag_sigv4_canonical_query); headers are the
 * signed ones with their values as received (names in any case; values
 * are trimmed here). amz_date is the request's X-Amz-Date. */
struct ag_sigv4_canon {
    const char *method;
    const char *uri;
    const char *query;
    const struct ag_sigv4_pair *headers;
    size_t nheaders;
    const char *payload_hash;
    const char *amz_date;
};

/* The hex signature key would give c. */
enum ag_sigv4_err ag_sigv4_signature(const struct ag_sigv4_key *key,
                                     const struct ag_sigv4_canon *c, char signature[65]);
/* The canonical query string of n decoded pairs: each name and value
 * encoded, sorted by name then value, joined with '&'. */
enum ag_sigv4_err ag_sigv4_canonical_query(const struct ag_sigv4_pair *query, size_t n,
                                           char *out, size_t out_size);
/* The canonical URI of a service other than S3 from the path as it was
 * sent (still percent-encoded): empty and "." segments dropped, ".."
 * resolved, then encoded once more ('/' kept), as the AWS SDKs sign it. */
enum ag_sigv4_err ag_sigv4_service_uri(const char *path, char *out, size_t out_size);

/* S3 URI encoding of s into out (NUL-terminated): unreserved characters
 * A-Z a-z 0-9 - _ . ~ stay, '/' stays if keep_slash, every other byte is
 * %XX (upper-case hex). Returns AG_SIGV4_ETOOLONG if out is too small. */
enum ag_sigv4_err ag_sigv4_uri_encode(const char *s, int keep_slash, char *out,
                                      size_t out_size);

/* Hex SHA-256 of n bytes at p into hex[65]. */
enum ag_sigv4_err ag_sigv4_sha256_hex(const void *p, size_t n, char hex[65]);

/* Human-readable text for an error code (static, never NULL). */
const char *ag_sigv4_strerror(enum ag_sigv4_err err);

#endif
