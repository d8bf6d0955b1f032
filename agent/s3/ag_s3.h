/* ag_s3 — a small S3 client on libcurl, signed by ag_sigv4.
 *
 * put (streamed from a file; multipart above a threshold, aborted on
 * failure), get (streamed to a file, moved into place only when complete,
 * never over an existing file), head, presigned GET. Requests are retried
 * with exponential backoff and jitter on 5xx, 429, SlowDown/RequestTimeout
 * and connection errors. Every response body kept in memory is capped.
 * S3's XML <Code>/<Message> are surfaced in ag_s3_errmsg() as
 * "SignatureDoesNotMatch: ...".
 *
 * AWS itself is addressed virtual-hosted style (bucket.s3.REGION.amazonaws.com;
 * path style for bucket names with dots); an S3-compatible endpoint
 * (creds->endpoint) is addressed path style (endpoint/bucket/key). */
#ifndef AG_S3_H
#define AG_S3_H

#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "ag_creds.h"

#define AG_S3_KEY_MAX 1024   /* S3's limit, bytes of UTF-8 */
#define AG_S3_BUCKET_MAX 63
#define AG_S3_MIN_PART (5ULL << 20) /* S3 refuses smaller non-final parts */

enum ag_s3_err {
    AG_S3_OK = 0,
    AG_S3_EINVAL,    /* bad argument: URI, bucket, key, expiry, endpoint */
    AG_S3_ECREDS,    /* no usable credentials */
    AG_S3_ELOCAL,    /* the local file cannot be read or written */
    AG_S3_ENET,      /* connection failed or timed out (after retries) */
    AG_S3_EDENIED,   /* 403: bad signature, unknown key, expired or forbidden */
    AG_S3_ENOTFOUND, /* 404: no such bucket or key */
    AG_S3_EHTTP,     /* any other error answer from the server */
    AG_S3_ECAP,      /* a response body exceeded its cap */
    AG_S3_ESIGN,     /* the request could not be signed */
    AG_S3_ENOMEM,
};

struct ag_s3_opts {
    long connect_timeout_ms;      /* default 10 s */
    long idle_timeout_s;          /* abort a transfer idle this long; default 60 */
    long timeout_ms;              /* whole request; 0 (default) = no limit */
    int max_attempts;             /* tries per request, default 5 */
    long backoff_base_ms;         /* first retry waits ~this; default 200 */
    long backoff_max_ms;          /* cap per wait; default 20 s */
    uint64_t multipart_threshold; /* files larger than this go multipart; default 16 MiB */
    uint64_t part_size;           /* default 8 MiB; grown so parts <= 10000 */
    time_t at;                    /* signing time for presigned URLs; 0 = now */
};

struct ag_s3_object_info {
    uint64_t size;
    char etag[128];
    char content_type[128];
};

struct ag_s3_client;

/* Fill o with the defaults listed above. */
void ag_s3_opts_default(struct ag_s3_opts *o);

/* A client for creds (borrowed: the caller keeps creds alive and frees it
 * after the client). opts may be NULL for the defaults. */
enum ag_s3_err ag_s3_client_new(struct ag_s3_client **out, const struct ag_creds *creds,
                                const struct ag_s3_opts *opts);
void ag_s3_client_free(struct ag_s3_client **c);

/* The detail of the client's last error ("" if none), e.g.
 * "SignatureDoesNotMatch: The request signature ... (HTTP 403, PUT b/k)".
 * Owned by the client, valid until its next call. Never holds a secret. */
const char *ag_s3_errmsg(const struct ag_s3_client *c);

/* Upload the regular file at path to bucket/key. content_type may be NULL
 * (application/octet-stream). Files above the multipart threshold are sent
 * in parts; a failed multipart upload is aborted. */
enum ag_s3_err ag_s3_put_file(struct ag_s3_client *c, const char *bucket, const char *key,
                              const char *path, const char *content_type);

/* Download bucket/key to path, which must not exist (ELOCAL if it does:
 * a download never replaces a file). The data goes to a temporary file next
 * to path that is moved to path only after a complete download, so path
 * never holds a partial object. */
enum ag_s3_err ag_s3_get_file(struct ag_s3_client *c, const char *bucket, const char *key,
                              const char *path);

/* Size, ETag and Content-Type of bucket/key. */
enum ag_s3_err ag_s3_head(struct ag_s3_client *c, const char *bucket, const char *key,
                          struct ag_s3_object_info *info);

/* A presigned GET URL for bucket/key valid for expires seconds (1..604800)
 * from opts.at (or now). No network. */
enum ag_s3_err ag_s3_presign_get(struct ag_s3_client *c, const char *bucket, const char *key,
                                 long expires, char *url, size_t url_size);

/* Split "s3://bucket/key" into bucket and key (key may contain '/'); checks
 * the bucket name, the key length, and that no segment of the key is empty,
 * "." or "..". */
enum ag_s3_err ag_s3_parse_uri(const char *uri, char *bucket, size_t bucket_size, char *key,
                               size_t key_size);

const char *ag_s3_strerror(enum ag_s3_err e);

#endif
