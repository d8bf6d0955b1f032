/* ag_creds — S3 credentials and settings, found the way the AWS tools find them.
 *
 * Credentials: AWS_ACCESS_KEY_ID + AWS_SECRET_ACCESS_KEY (+ AWS_SESSION_TOKEN)
 * first; otherwise the profile AWS_PROFILE (default "default") in the shared
 * credentials file (AWS_SHARED_CREDENTIALS_FILE or ~/.aws/credentials), then
 * in the config file (AWS_CONFIG_FILE or ~/.aws/config, "[profile NAME]"
 * sections, "[default]").
 * Region: AWS_REGION, AWS_DEFAULT_REGION, the profile's "region", us-east-1.
 * Endpoint: AWS_ENDPOINT_URL_S3, AWS_ENDPOINT_URL, the profile's
 * "endpoint_url"; none means AWS itself.
 *
 * The secret is never printed or logged by this module or its callers; it is
 * wiped from memory when the struct is freed. */
#ifndef AG_CREDS_H
#define AG_CREDS_H

#include <stddef.h>

enum ag_creds_err {
    AG_CREDS_OK = 0,
    AG_CREDS_ENONE,    /* no credentials anywhere */
    AG_CREDS_EPARTIAL, /* an access key without a secret or the reverse */
    AG_CREDS_EPROFILE, /* AWS_PROFILE names a profile that no file has */
    AG_CREDS_EFILE,    /* a credentials/config file exists but cannot be read */
    AG_CREDS_ENOMEM,
};

struct ag_creds {
    char *access_key;
    char *secret_key;    /* secret: never print; wiped by ag_creds_free() */
    char *session_token; /* NULL when there is none; also wiped */
    char *region;        /* never NULL */
    char *endpoint;      /* NULL for AWS, else e.g. "http://127.0.0.1:9000" */
    char *profile;       /* the profile consulted, never NULL */
    const char *source;  /* where the keys came from, for messages (static string) */
};

/* Find credentials and settings as described above. On success *out is a
 * new struct the caller frees with ag_creds_free(). On failure *out is NULL
 * and err (if given) holds a one-line reason that never contains a secret. */
enum ag_creds_err ag_creds_load(struct ag_creds **out, char *err, size_t errlen);

/* Wipe the secret and session token, free everything, set *c to NULL. */
void ag_creds_free(struct ag_creds **c);

const char *ag_creds_strerror(enum ag_creds_err e);

#endif
