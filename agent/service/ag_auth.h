/* ag_auth — who may call the service: the --auth file, and the SigV4
 * verification of AgentCore requests against its keys.
 *
 * The file is JSON, a regular file owned by this uid with mode 0600 (or
 * stricter); anything else is refused:
 *   {"keys":   [{"accessKeyId": "…", "secretAccessKey": "…", "tenant": "team-a",
 *                "sessionToken": "…" (optional: then requests must carry it)}],
 *    "tokens": [{"token": "…", "tenant": "team-a"}],
 *    "tenants": {"team-a": {"s3": ["s3://bucket/team-a/"]}}}
 * Keys sign AgentCore requests; tokens are the bearer tokens of MCP over
 * HTTP; "tenants" grants each tenant the S3 prefixes its calls may read and
 * write with the service's credentials (none without). Secrets are wiped
 * from memory when the file is freed. */
#ifndef AG_AUTH_H
#define AG_AUTH_H

#include <stddef.h>
#include <time.h>

#include "ag_sigv4.h"
#include "sr_buf.h"
#include "sr_caps.h"

#define AG_AUTH_SKEW 300            /* seconds a request's X-Amz-Date may be off */
#define AG_AUTH_SERVICE "bedrock-agentcore"
/* a header that must be signed whenever it is sent: which session a call acts on */
#define AG_AUTH_SESSION_HEADER "x-amzn-code-interpreter-session-id"
#define AG_AUTH_TENANT_MAX 63
#define AG_AUTH_TENANTS_MAX 1024       /* entries of "tenants" */
#define AG_AUTH_S3_PREFIXES 16         /* S3 prefixes per tenant */

struct ag_auth;

/* Read path (at most AG_AUTH_FILE_MAX bytes into b, which the caller
 * wipes and resets) if it is a regular file of this uid that no one else
 * may read (mode 0600 or stricter; a symlink is refused). 0, or -1 with err
 * set. For every file that holds a secret: the --auth file, a TLS key. */
int ag_auth_read_private(const char *path, struct sr_buf *b, char *err, size_t errlen);
/* Load path. 0 with *out, or -1 with err set (permissions, JSON, fields). */
int ag_auth_load(const char *path, struct ag_auth **out, char *err, size_t errlen);
void ag_auth_free(struct ag_auth **a);
/* How many keys, and how many bearer tokens, the file holds. */
size_t ag_auth_nkeys(const struct ag_auth *a);
size_t ag_auth_ntokens(const struct ag_auth *a);

/* A request as received. path is as sent (percent-encoded, no query);
 * query holds the decoded pairs; headers every header received. */
struct ag_auth_request {
    const char *method;
    const char *path;
    const struct ag_sigv4_pair *query;
    size_t nquery;
    const struct ag_sigv4_pair *headers;
    size_t nheaders;
    const void *body;
    size_t body_len;
    time_t now;
};

enum ag_auth_res {
    AG_AUTH_OK = 0,
    AG_AUTH_MISSING,        /* no Authorization header / X-Amz-Date */
    AG_AUTH_MALFORMED,      /* not a SigV4 header we understand, wrong scope, unsigned host/date */
    AG_AUTH_UNKNOWN_KEY,
    AG_AUTH_BAD_SIGNATURE,
    AG_AUTH_SKEWED,         /* X-Amz-Date more than AG_AUTH_SKEW from now */
    AG_AUTH_BAD_TOKEN,      /* x-amz-security-token missing, unsigned, or not the key's */
};

/* Verify r's SigV4 signature for service AG_AUTH_SERVICE in region. On
 * AG_AUTH_OK, *tenant points at the key's tenant (valid as long as a).
 * Otherwise err holds a message for the caller (never a secret). */
enum ag_auth_res ag_auth_verify(const struct ag_auth *a, const struct ag_auth_request *r, const char *region,
                                const char **tenant, char *err, size_t errlen);
/* The checks ag_auth_verify makes before the signature, on r's headers
 * alone (r->body unused): whether the request could be good at all, so
 * that a request that cannot be is refused before its body is read. */
enum ag_auth_res ag_auth_precheck(const struct ag_auth *a, const struct ag_auth_request *r, const char *region,
                                  char *err, size_t errlen);
/* Whether tenant was granted an S3 prefix that uri starts with. */
int ag_auth_s3_allowed(const struct ag_auth *a, const char *tenant, const char *uri);
/* The tenant of bearer token tok, or NULL (constant time in the token). */
const char *ag_auth_bearer(const struct ag_auth *a, const char *tok);

#endif
