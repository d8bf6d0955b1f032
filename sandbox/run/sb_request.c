/* sb_request.c — parse and validate an execution request (table-driven). */
#include "sb_request.h"

#include <cjson/cJSON.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sr_io.h"
#include "sr_json_nul.h"
#include "sr_paths.h"

#define FIELD(f) offsetof(struct sb_request, f)

/* numeric fields: name, offset, min, max */
static const struct { const char *key; size_t off; unsigned long min, max; } ulong_fields[] = {
    {"cpu", FIELD(cpu_s), 0, 86400},
    {"memoryMb", FIELD(memory_mb), 16, 1u << 20},
    {"pids", FIELD(pids), 1, 100000},
    {"maxOutput", FIELD(max_output), 1024, 1ul << 30},
    {"maxBlock", FIELD(max_block), 1024, 1ul << 30},
    {"tmpMb", FIELD(tmp_mb), 1, 1u << 20},
    {"outMb", FIELD(out_mb), 1, 1u << 20},
    {"threads", FIELD(threads), 1, 256},
    {"maxOutFiles", FIELD(max_out_files), 0, 1000000},
};
static const struct { const char *key; size_t off; } str_fields[] = {
    {"code", FIELD(code)}, {"filename", FIELD(filename)}, {"outDir", FIELD(out_dir)},
    {"policy", FIELD(policy)}, {"scriptsDir", FIELD(scripts_dir)},
};
static const struct { const char *key; size_t off; } bool_fields[] = {
    {"allowWeaker", FIELD(allow_weaker)}, {"passthrough", FIELD(passthrough)},
    {"raw", FIELD(raw)},
    {"display", FIELD(display)},   /* a code cell: notebook-style results (sandboxrun_display.py) */
    {"live", FIELD(live)},         /* the output as it comes, for progress notifications (sb_live.h) */
    {"session", FIELD(session)},   /* the warm daemon: start a session on this connection (sb_server.h) */
};

void sb_request_defaults(struct sb_request *r)
{
    memset(r, 0, sizeof *r);
    r->timeout_s = 60;
    r->idle_timeout_s = 900;
    r->memory_mb = 2048;
    r->pids = 256;
    r->max_output = 4u << 20;
    r->max_block = 32u << 20;
    r->tmp_mb = 512;
    r->out_mb = 512;
    r->threads = 1;
    r->max_out_files = 1000;
    r->policy = sr_paths_find("policies/default.policy");
    r->scripts_dir = sr_paths_find("scripts");
}

static int set_string(char **dst, const cJSON *v, const char *key, char *err, size_t errlen)
{
    if (cJSON_IsNull(v)) {
        free(*dst);
        *dst = NULL;
        return 0;
    }
    if (!cJSON_IsString(v)) {
        snprintf(err, errlen, "request: '%s' must be a string", key);
        return -1;
    }
    free(*dst);
    *dst = sr_xstrdup(v->valuestring);
    return 0;
}

static int parse_args(struct sb_request *r, const cJSON *v, char *err, size_t errlen)
{
    const cJSON *a;
    int n = 1;

    if (!cJSON_IsArray(v) || cJSON_GetArraySize(v) > SB_MAX_ARGS) {
        snprintf(err, errlen, "request: 'args' must be an array of at most %d strings", SB_MAX_ARGS);
        return -1;
    }
    for (; r->argc > 1; r->argc--)   /* a repeated 'args' key replaces the earlier list */
        free(r->argv[r->argc - 1]);
    cJSON_ArrayForEach(a, v) {
        if (!cJSON_IsString(a)) {
            snprintf(err, errlen, "request: 'args' must hold strings");
            return -1;
        }
        r->argv[n++] = sr_xstrdup(a->valuestring);
    }
    r->argc = n;
    return 0;
}

/* An input name becomes /work/NAME: one path component, nothing odd. */
static int name_ok(const char *n)
{
    return n[0] && strlen(n) <= 255 && !strchr(n, '/') && strcmp(n, ".") && strcmp(n, "..");
}

static int parse_inputs(struct sb_request *r, const cJSON *v, char *err, size_t errlen)
{
    const cJSON *in;

    /* a repeated 'inputs' key adds to the inputs already parsed */
    if (!cJSON_IsArray(v) || (size_t)cJSON_GetArraySize(v) > SB_MAX_INPUTS - r->ninputs) {
        snprintf(err, errlen, "request: 'inputs' must be an array of at most %d objects", SB_MAX_INPUTS);
        return -1;
    }
    cJSON_ArrayForEach(in, v) {
        const cJSON *p = cJSON_GetObjectItemCaseSensitive(in, "path");
        const cJSON *n = cJSON_GetObjectItemCaseSensitive(in, "name");
        if (!cJSON_IsString(p) || !cJSON_IsString(n) || !name_ok(n->valuestring)) {
            snprintf(err, errlen, "request: each input needs a 'path' and a plain file 'name'");
            return -1;
        }
        for (size_t i = 0; i < r->ninputs; i++) {
            if (strcmp(r->inputs[i].name, n->valuestring) == 0) {
                snprintf(err, errlen, "two inputs named '%s' under /work", n->valuestring);
                return -1;
            }
        }
        r->inputs[r->ninputs].path = sr_xstrdup(p->valuestring);
        r->inputs[r->ninputs++].name = sr_xstrdup(n->valuestring);
    }
    return 0;
}

/* "env": {"NAME": "VALUE", ...}; a repeated 'env' key replaces the earlier one. */
static int parse_env(struct sb_request *r, const cJSON *v, char *err, size_t errlen)
{
    struct sr_env_tally tally = {0, 0};
    const cJSON *e;

    if (!cJSON_IsObject(v)) {
        snprintf(err, errlen, "request: 'env' must be an object of strings");
        return -1;
    }
    for (; r->nenv; r->nenv--) {
        free(r->env[r->nenv - 1]);
        r->env[r->nenv - 1] = NULL;
    }
    cJSON_ArrayForEach(e, v) {
        size_t n;
        if (!cJSON_IsString(e)) {
            snprintf(err, errlen, "request: env %.64s must be a string", e->string);
            return -1;
        }
        if (sr_env_check(&tally, e->string, e->valuestring, err, errlen) < 0)
            return -1;
        n = strlen(e->string);
        for (size_t i = 0; i < r->nenv; i++) {
            if (strncmp(r->env[i], e->string, n) == 0 && r->env[i][n] == '=') {
                snprintf(err, errlen, "request: env %s is given twice", e->string);
                return -1;
            }
        }
        if (asprintf(&r->env[r->nenv], "%s=%s", e->string, e->valuestring) < 0)
            abort();   /* as sr_xstrdup: a request is small */
        r->nenv++;
    }
    return 0;
}

/* Returns 1 if key was a table field (parsed or failed via *rc), else 0. */
static int parse_table_field(struct sb_request *r, const cJSON *v, int *rc, char *err, size_t errlen)
{
    char *base = (char *)r;

    for (size_t i = 0; i < sizeof ulong_fields / sizeof *ulong_fields; i++) {
        if (strcmp(v->string, ulong_fields[i].key) != 0)
            continue;
        if (!cJSON_IsNumber(v) || v->valuedouble < (double)ulong_fields[i].min ||
            v->valuedouble > (double)ulong_fields[i].max || v->valuedouble != (double)(unsigned long)v->valuedouble) {
            snprintf(err, errlen, "request: '%s' must be a whole number from %lu to %lu", v->string,
                     ulong_fields[i].min, ulong_fields[i].max);
            *rc = -1;
        } else {
            *(unsigned long *)(base + ulong_fields[i].off) = (unsigned long)v->valuedouble;
        }
        return 1;
    }
    for (size_t i = 0; i < sizeof str_fields / sizeof *str_fields; i++) {
        if (strcmp(v->string, str_fields[i].key) == 0) {
            *rc = set_string((char **)(base + str_fields[i].off), v, v->string, err, errlen);
            return 1;
        }
    }
    for (size_t i = 0; i < sizeof bool_fields / sizeof *bool_fields; i++) {
        if (strcmp(v->string, bool_fields[i].key) == 0) {
            if (!cJSON_IsBool(v)) {
                snprintf(err, errlen, "request: '%s' must be true or false", v->string);
                *rc = -1;
            }
            *(int *)(base + bool_fields[i].off) = cJSON_IsTrue(v);
            return 1;
        }
    }
    return 0;
}

static int parse_field(struct sb_request *r, const cJSON *v, char *err, size_t errlen)
{
    int rc = 0;

    if (parse_table_field(r, v, &rc, err, errlen))
        return rc;
    if (strcmp(v->string, "args") == 0)
        return parse_args(r, v, err, errlen);
    if (strcmp(v->string, "inputs") == 0)
        return parse_inputs(r, v, err, errlen);
    if (strcmp(v->string, "env") == 0)
        return parse_env(r, v, err, errlen);
    if (strcmp(v->string, "idleTimeout") == 0) {
        if (!cJSON_IsNumber(v) || !(v->valuedouble >= 1 && v->valuedouble <= 86400)) {
            snprintf(err, errlen, "request: 'idleTimeout' must be seconds from 1 to 86400");
            return -1;
        }
        r->idle_timeout_s = v->valuedouble;
        return 0;
    }
    if (strcmp(v->string, "timeout") == 0) {
        if (!cJSON_IsNumber(v) || !(v->valuedouble >= 0.01 && v->valuedouble <= 86400)) {
            snprintf(err, errlen, "request: 'timeout' must be seconds from 0.01 to 86400");
            return -1;
        }
        r->timeout_s = v->valuedouble;
        return 0;
    }
    snprintf(err, errlen, "request: unknown field '%s'", v->string);
    return -1;
}

int sb_request_parse(const char *text, size_t len, struct sb_request *r, char *err, size_t errlen)
{
    cJSON *root, *v;
    char nul[160];
    int rc = 0;

    if (sr_json_nul(text, len, nul, sizeof nul)) {   /* cJSON would end the string there, unsaid */
        snprintf(err, errlen, "request: %s", nul);
        return -1;
    }
    root = cJSON_ParseWithLength(text, len);
    if (!cJSON_IsObject(root)) {
        snprintf(err, errlen, "request: not a JSON object");
        cJSON_Delete(root);
        return -1;
    }
    cJSON_ArrayForEach(v, root) {
        if ((rc = parse_field(r, v, err, errlen)) < 0)
            break;
    }
    cJSON_Delete(root);
    if (!r->filename)
        r->filename = sr_xstrdup("script.py");
    r->argv[0] = r->filename;
    if (r->argc == 0)
        r->argc = 1;
    return rc;
}

void sb_request_free(struct sb_request *r)
{
    for (int i = 1; i < r->argc; i++)
        free(r->argv[i]);
    for (size_t i = 0; i < r->ninputs; i++) {
        free(r->inputs[i].path);
        free(r->inputs[i].name);
    }
    for (size_t i = 0; i < r->nenv; i++)
        free(r->env[i]);
    free(r->code);
    free(r->filename);
    free(r->out_dir);
    free(r->policy);
    free(r->scripts_dir);
    memset(r, 0, sizeof *r);
}
