/* sr_env.c — the rule for the variables a run sets for its script. */
#include "sr_env.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sr_utf8.h"

/* Set by the jail (sb_fds.c), whole names. */
static const char *const fixed[] = {
    "PATH", "HOME", "TMPDIR", "LANG", "LANGUAGE", "TZ", "TZDIR", "USER", "LOGNAME",
    /* the C library and the loader read these (in the programs the script starts) */
    "GLIBC_TUNABLES", "GCONV_PATH", "LOCPATH", "NLSPATH", "HOSTALIASES", "RES_OPTIONS", "LOCALDOMAIN",
};

/* Prefixes: the interpreter, the loader and libc, and the libraries the warm
 * daemon imports before a request (what they read at import time would apply
 * cold but not warm), with the jail's own and its thread counts. */
static const char *const prefixes[] = {
    "LC_", "SANDBOXRUN_", "MPL", "PYTHON", "LD_", "MALLOC_",
    "OMP_", "KMP_", "GOMP_", "OPENBLAS_", "GOTO", "MKL_", "BLIS_", "NUMEXPR_", "VECLIB_",
    "NPY_", "NUMPY_", "SKLEARN_", "JOBLIB_", "LOKY_",
};

static int name_ok(const char *n)
{
    if (!((*n >= 'A' && *n <= 'Z') || (*n >= 'a' && *n <= 'z') || *n == '_'))
        return 0;
    for (; *n; n++)
        if (!((*n >= 'A' && *n <= 'Z') || (*n >= 'a' && *n <= 'z') || (*n >= '0' && *n <= '9') || *n == '_'))
            return 0;
    return 1;
}

/* The fixed name or prefix that reserves name, or NULL. */
static const char *reserved(const char *name)
{
    for (size_t i = 0; i < sizeof fixed / sizeof *fixed; i++)
        if (strcmp(name, fixed[i]) == 0)
            return fixed[i];
    for (size_t i = 0; i < sizeof prefixes / sizeof *prefixes; i++)
        if (strncmp(name, prefixes[i], strlen(prefixes[i])) == 0)
            return prefixes[i];
    return NULL;
}

/* Whether p[0..n) is valid UTF-8 (the request is JSON text). */
static int utf8_ok(const char *p, size_t n)
{
    char *clean = sr_utf8_sanitize(p, n);
    int same = clean && strcmp(clean, p) == 0;

    free(clean);
    return same;
}

int sr_env_check(struct sr_env_tally *t, const char *name, const char *value, char *err, size_t errlen)
{
    size_t nlen = strlen(name), vlen = strlen(value);
    const char *r;

    if (t->count >= SR_ENV_MAX_VARS)
        return snprintf(err, errlen, "more than %d environment variables", SR_ENV_MAX_VARS), -1;
    if (!name_ok(name) || nlen > SR_ENV_MAX_NAME)
        return snprintf(err, errlen, "environment variable name '%.*s' is not [A-Za-z_][A-Za-z0-9_]* of at most "
                        "%d characters", 64, name, SR_ENV_MAX_NAME), -1;
    if ((r = reserved(name)))
        return snprintf(err, errlen, "environment variable %s cannot be set: %s%s is fixed by the jail or changes "
                        "how the interpreter, the loader or a preloaded library behaves (README: --env)",
                        name, r, strcmp(r, name) ? "*" : ""), -1;
    if (vlen > SR_ENV_MAX_VALUE)
        return snprintf(err, errlen, "environment variable %s: value of %zu bytes, over %d", name, vlen,
                        SR_ENV_MAX_VALUE), -1;
    if (!utf8_ok(value, vlen))
        return snprintf(err, errlen, "environment variable %s: the value is not UTF-8 text", name), -1;
    if (t->bytes + nlen + vlen + 2 > SR_ENV_MAX_TOTAL)
        return snprintf(err, errlen, "environment variables: over %d bytes together", SR_ENV_MAX_TOTAL), -1;
    t->count++;
    t->bytes += nlen + vlen + 2;
    return 0;
}

const char *sr_env_split(const char *pair, char *name, size_t cap)
{
    const char *eq = strchr(pair, '=');
    size_t n = eq ? (size_t)(eq - pair) : strlen(pair);

    snprintf(name, cap, "%.*s", (int)(n < cap ? n : cap - 1), pair);
    return eq ? eq + 1 : "";
}

void sr_env_add_json(cJSON *obj, const char *key, const char *const *pairs, size_t n)
{
    cJSON *env = cJSON_AddObjectToObject(obj, key);
    char name[SR_ENV_MAX_NAME + 1];

    for (size_t i = 0; env && i < n; i++) {
        const char *value = sr_env_split(pairs[i], name, sizeof name);
        cJSON_AddStringToObject(env, name, value);
    }
}
