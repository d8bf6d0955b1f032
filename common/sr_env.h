/* sr_env — which variables a run may set in its script's environment
 * (`sandboxrun run --env NAME=VALUE`, the request's "env" object, MCP
 * execute_code's env). One rule for the orchestrator, which refuses a bad
 * one as a usage error, and for the supervisor, which validates every
 * request again.
 *
 * A name is [A-Za-z_][A-Za-z0-9_]*. Refused are the names the jail fixes
 * (sb_fds.c: PATH, HOME, TMPDIR, LANG, LC_*, TZ, USER, LOGNAME, MPL*,
 * SANDBOXRUN_*, the thread counts) and names that change how the
 * interpreter, the C library and loader, or a library the warm daemon has
 * already imported behave (PYTHON*, LD_*, GLIBC_TUNABLES, MALLOC_*, NPY_*,
 * NUMPY_*, OPENBLAS_*, ...): set after the process started, they would take
 * effect in a cold run but not in a warm worker, or steal the jail's settings
 * from the programs the script starts. README.md lists them. */
#ifndef SR_ENV_H
#define SR_ENV_H

#include <cjson/cJSON.h>
#include <stddef.h>

#define SR_ENV_MAX_VARS 64
#define SR_ENV_MAX_NAME 128
#define SR_ENV_MAX_VALUE 32768
#define SR_ENV_MAX_TOTAL 65536   /* names and values of all of them together */

/* What a request's variables add up to so far (zero it before the first). */
struct sr_env_tally {
    size_t count, bytes;
};

/* Whether name=value may be set, as the next variable counted in t (which it
 * then counts). 0, or -1 with a message naming the variable in err. Does not
 * see duplicates: the caller refuses a name given twice. */
int sr_env_check(struct sr_env_tally *t, const char *name, const char *value, char *err, size_t errlen);

/* Add pairs[0..n) ("NAME=VALUE") to obj as key: {"NAME": "VALUE", ...}, in
 * their order. */
void sr_env_add_json(cJSON *obj, const char *key, const char *const *pairs, size_t n);
/* Split "NAME=VALUE": NAME into name (cap bytes, cut short if longer), and
 * the value returned (pointing into pair; "" when there is no '='). */
const char *sr_env_split(const char *pair, char *name, size_t cap);

#endif
