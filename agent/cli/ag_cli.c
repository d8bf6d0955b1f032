/* ag_cli.c — table-driven parsing of the run options, and the request they make. */
#include "ag_cli.h"

#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "sr_io.h"

enum kind { K_FLAG, K_STR, K_ULONG, K_LONG, K_SECONDS, K_INPUT, K_ENV };

#define OFF(f) offsetof(struct ag_run_opts, f)

static const struct {
    const char *name;
    enum kind kind;
    size_t off;
    unsigned long min, max;
    const char *arg, *help;
} table[] = {
    {"--json", K_FLAG, OFF(json), 0, 0, NULL, "print the result record (JSON) instead of the script's output"},
    {"--display", K_FLAG, OFF(display), 0, 0, NULL, "run it as a notebook cell: the last value, display() and figures become the record's results"},
    {"--input", K_INPUT, 0, 0, 0, "[NAME=]PATH", "file or directory mounted read-only at /work/NAME (repeatable; NAME defaults to its base name)"},
    {"--env", K_ENV, 0, 0, 0, "NAME=VALUE", "set NAME in the script's environment (repeatable; not PATH, HOME, LC_*, PYTHON*, LD_*, the thread counts ...: README)"},
    {"--out", K_STR, OFF(out_dir), 0, 0, "DIR", "copy the files the script wrote to /out into DIR"},
    {"--out-archive", K_STR, OFF(out_archive), 0, 0, "FILE", "also pack /out into FILE (tar.gz)"},
    {"--upload", K_STR, OFF(upload), 0, 0, "s3://B/PREFIX/", "upload /out's bundle, results.json and report.html; print a presigned link"},
    {"--expires", K_LONG, OFF(expires), 1, 604800, "SECONDS", "how long presigned links work (default 3600)"},
    {"--timeout", K_SECONDS, OFF(timeout), 0, 0, "SECONDS", NULL},   /* help: ag_cli_help's default */
    {"--cpu", K_ULONG, OFF(cpu), 1, 86400, "SECONDS", "CPU-time limit per process (default none)"},
    {"--memory", K_ULONG, OFF(memory), 16, 1u << 20, "MB", "memory limit (default 2048)"},
    {"--pids", K_ULONG, OFF(pids), 1, 100000, "N", "process and thread limit (default 256)"},
    {"--max-output", K_ULONG, OFF(max_output), 1024, 1ul << 30, "BYTES", "stdout and stderr cap each (default 4 MiB)"},
    {"--tmp-size", K_ULONG, OFF(tmp_mb), 1, 1u << 20, "MB", "size of /tmp (default 512)"},
    {"--out-size", K_ULONG, OFF(out_mb), 1, 1u << 20, "MB", "size of /out (default 512)"},
    {"--threads", K_ULONG, OFF(threads), 1, 256, "N", "OpenBLAS/OpenMP threads (default 1)"},
    {"--server", K_STR, OFF(server), 0, 0, "SOCKET", "run on a warm daemon (sandboxrun serve); default $SANDBOXRUN_SOCKET"},
    {"--audit", K_STR, OFF(audit), 0, 0, "FILE", "append a JSON line about the run to FILE (0600; default $SANDBOXRUN_AUDIT)"},
    {"--audit-code", K_FLAG, OFF(audit_code), 0, 0, NULL, "the audit line holds the code itself, not only its sha256"},
    {"--policy", K_STR, OFF(policy), 0, 0, "FILE", "seccomp policy (default policies/default.policy)"},
    {"--raw", K_FLAG, OFF(raw), 0, 0, NULL, "keep terminal control sequences in the script's output (else shown as ^[ on a terminal)"},
    {"--allow-weaker", K_FLAG, OFF(allow_weaker), 0, 0, NULL, "run even if the kernel lacks a feature; the record says what was weakened"},
    {"-c", K_STR, OFF(code), 0, 0, "CODE", "run CODE instead of a script file"},
    {"--help", K_FLAG, OFF(help), 0, 0, NULL, "this help"},
};

int ag_cli_fail(struct ag_run_opts *o, const char *fmt, ...)
{
    va_list ap;

    va_start(ap, fmt);
    vsnprintf(o->error, sizeof o->error, fmt, ap);
    va_end(ap);
    fprintf(stderr, "sandboxrun: %s\n", o->error);
    return -1;
}

/* "NAME=PATH" names the input when NAME is a plain file name (no '/');
 * "./a=b.csv" stays a path. Splits val in place. */
static void split_name(char *val, const char **name, const char **path)
{
    char *eq = strchr(val, '=');

    *name = NULL;
    *path = val;
    if (eq && eq > val && eq[1] && !memchr(val, '/', (size_t)(eq - val))) {
        *eq = '\0';
        *name = val;
        *path = eq + 1;
    }
}

int ag_cli_option_arity(const char *name)
{
    for (size_t i = 0; i < sizeof table / sizeof *table; i++)
        if (strcmp(name, table[i].name) == 0)
            return table[i].kind == K_FLAG ? 0 : 1;
    return -1;
}

void ag_cli_help(double default_timeout, int with_code)
{
    for (size_t i = 0; i < sizeof table / sizeof *table; i++) {
        char left[48], help[160];
        if (!with_code && strcmp(table[i].name, "-c") == 0)
            continue;
        snprintf(left, sizeof left, "%s%s%s", table[i].name, table[i].arg ? " " : "", table[i].arg ? table[i].arg : "");
        if (table[i].kind == K_SECONDS)
            snprintf(help, sizeof help, "wall-clock limit (default %.0f)", default_timeout);
        else
            snprintf(help, sizeof help, "%s", table[i].help);
        printf("  %-30s %s\n", left, help);
    }
}

/* --env NAME=VALUE: the value is given, never taken from our own environment
 * (which must not reach the script); the name is checked by sr_env's rule
 * and may come once. */
static int add_env(struct ag_run_opts *o, const char *val, const char *cmd)
{
    const char *eq = strchr(val, '='), *value;
    char name[SR_ENV_MAX_NAME + 2], err[300];   /* one past the longest name: still refused */

    if (!eq || eq == val)
        return ag_cli_fail(o, "%s: --env wants NAME=VALUE, not '%.100s' (a value is never taken from "
                           "sandboxrun's own environment)", cmd, val);
    value = sr_env_split(val, name, sizeof name);
    if (sr_env_check(&o->env_tally, name, value, err, sizeof err) < 0)
        return ag_cli_fail(o, "%s: --env: %s", cmd, err);
    for (size_t i = 0; i < o->nenv; i++)
        if (strncmp(o->env[i], val, (size_t)(eq - val) + 1) == 0)
            return ag_cli_fail(o, "%s: --env %s is given twice", cmd, name);
    o->env[o->nenv++] = val;
    return 0;
}

static int set_value(struct ag_run_opts *o, size_t i, char *val, const char *cmd)
{
    char *base = (char *)o;
    unsigned long v;
    char *end;

    switch (table[i].kind) {
    case K_FLAG:
        *(int *)(base + table[i].off) = 1;
        return 0;
    case K_STR:
        *(const char **)(base + table[i].off) = val;
        return 0;
    case K_INPUT:
        if (o->ninputs == AG_MAX_INPUTS)
            return ag_cli_fail(o, "%s: more than %d --input", cmd, AG_MAX_INPUTS);
        split_name(val, &o->input_names[o->ninputs], &o->inputs[o->ninputs]);
        if (o->input_names[o->ninputs] && (strcmp(val, ".") == 0 || strcmp(val, "..") == 0 || strlen(val) > 255))
            return ag_cli_fail(o, "%s: --input %s=...: not a usable name under /work", cmd, val);
        o->ninputs++;
        return 0;
    case K_ENV:
        return add_env(o, val, cmd);
    case K_ULONG:
        if (sr_parse_ulong(val, table[i].min, table[i].max, &v) < 0)
            return ag_cli_fail(o, "%s: %s wants a whole number from %lu to %lu, not '%s'",
                               cmd, table[i].name, table[i].min, table[i].max, val);
        *(unsigned long *)(base + table[i].off) = v;
        return 0;
    case K_LONG:
        if (sr_parse_ulong(val, table[i].min, table[i].max, &v) < 0)
            return ag_cli_fail(o, "%s: %s wants a whole number from %lu to %lu, not '%s'",
                               cmd, table[i].name, table[i].min, table[i].max, val);
        *(long *)(base + table[i].off) = (long)v;
        return 0;
    case K_SECONDS:
        errno = 0;
        o->timeout = strtod(val, &end);
        if (errno || *end || !(o->timeout >= 0.01 && o->timeout <= 86400))
            return ag_cli_fail(o, "%s: %s wants seconds from 0.01 to 86400, not '%s'",
                               cmd, table[i].name, val);
        return 0;
    }
    return -1;
}

/* Try argv[*i] as a command-specific option; 1 if it was one, -1 on error. */
static int take_extra(int argc, char **argv, int *i, const struct ag_extra_opt *extras, struct ag_run_opts *o)
{
    for (const struct ag_extra_opt *e = extras; e && e->name; e++) {
        if (strcmp(argv[*i], e->name) != 0)
            continue;
        if (o->nextra + 2 > AG_MAX_EXTRA)
            return ag_cli_fail(o, "%s: too many options", argv[0]);
        o->extra[o->nextra++] = argv[*i];
        if (e->has_arg) {
            if (*i + 1 >= argc)
                return ag_cli_fail(o, "%s: %s needs a value", argv[0], e->name);
            o->extra[o->nextra++] = argv[++*i];
        }
        return 1;
    }
    return 0;
}

static int parse(int argc, char **argv, const struct ag_extra_opt *extras, struct ag_run_opts *o)
{
    int i, rc;

    for (i = 1; i < argc; i++) {
        const char *a = argv[i];
        size_t t;
        if (strcmp(a, "--") == 0) {
            i++;
            break;
        }
        if (a[0] != '-' || strcmp(a, "-") == 0) {
            if (o->npositional == AG_MAX_EXTRA)
                return ag_cli_fail(o, "%s: too many arguments", argv[0]);
            o->positional[o->npositional++] = argv[i];
            continue;
        }
        if ((rc = take_extra(argc, argv, &i, extras, o)) != 0) {
            if (rc < 0)
                return -1;
            continue;
        }
        for (t = 0; t < sizeof table / sizeof *table && strcmp(a, table[t].name) != 0; t++)
            ;
        if (t == sizeof table / sizeof *table)
            return ag_cli_fail(o, "%s: unknown option '%s' (see --help)", argv[0], a);
        if (table[t].kind != K_FLAG && i + 1 >= argc)
            return ag_cli_fail(o, "%s: %s needs a value", argv[0], a);
        if (set_value(o, t, table[t].kind == K_FLAG ? NULL : argv[++i], argv[0]) < 0)
            return -1;
    }
    for (; i < argc; i++) {
        if (o->npositional == AG_MAX_EXTRA)
            return ag_cli_fail(o, "%s: too many arguments", argv[0]);
        o->positional[o->npositional++] = argv[i];
    }
    return 0;
}

int ag_cli_parse(int argc, char **argv, const struct ag_extra_opt *extras, struct ag_run_opts *o)
{
    memset(o, 0, sizeof *o);
    o->command = argv[0];
    if (parse(argc, argv, extras, o) == 0)
        return 0;
    /* the refusal is a record too if --json was asked for anywhere */
    for (int i = 1; i < argc && strcmp(argv[i], "--") != 0; i++)
        if (strcmp(argv[i], "--json") == 0)
            o->json = 1;
    return -1;
}

/* Absolute path of p without requiring it to exist (for --out). */
static char *absolute(const char *p)
{
    char cwd[PATH_MAX], *out;
    size_t n;

    if (p[0] == '/')
        return sr_xstrdup(p);
    if (!getcwd(cwd, sizeof cwd))
        return NULL;
    n = strlen(cwd) + strlen(p) + 2;
    out = malloc(n);
    if (out)
        snprintf(out, n, "%s/%s", cwd, p);
    return out;
}

/* The name under /work: NAME= if given, else the resolved path's base name. */
static const char *input_name(const struct ag_run_opts *o, size_t i, const char *real)
{
    const char *slash = strrchr(real, '/');

    return o->input_names[i] ? o->input_names[i] : slash && slash[1] ? slash + 1 : "input";
}

static int add_inputs(cJSON *req, struct ag_run_opts *o)
{
    cJSON *arr = cJSON_AddArrayToObject(req, "inputs"), *prev;

    for (size_t i = 0; i < o->ninputs; i++) {
        char *real = realpath(o->inputs[i], NULL);
        const char *name;
        cJSON *in;
        if (!real)
            return ag_cli_fail(o, "input %s: %s", o->inputs[i], strerror(errno));
        name = input_name(o, i, real);
        cJSON_ArrayForEach(prev, arr)
            if (strcmp(cJSON_GetObjectItemCaseSensitive(prev, "name")->valuestring, name) == 0) {
                ag_cli_fail(o, "two inputs would be /work/%s; name one with --input NAME=PATH", name);
                free(real);
                return -1;
            }
        in = cJSON_CreateObject();
        cJSON_AddStringToObject(in, "path", real);
        cJSON_AddStringToObject(in, "name", name);
        cJSON_AddItemToArray(arr, in);
        free(real);
    }
    return 0;
}

static void add_ulong(cJSON *req, const char *key, unsigned long v)
{
    if (v)
        cJSON_AddNumberToObject(req, key, (double)v);
}

cJSON *ag_cli_request(struct ag_run_opts *o, const char *code, const char *filename,
                      char *const *args, int nargs)
{
    cJSON *req = cJSON_CreateObject(), *arr;
    char *out;

    cJSON_AddStringToObject(req, "code", code);
    cJSON_AddStringToObject(req, "filename", filename);
    arr = cJSON_AddArrayToObject(req, "args");
    for (int i = 0; i < nargs; i++)
        cJSON_AddItemToArray(arr, cJSON_CreateString(args[i]));
    if (add_inputs(req, o) < 0) {
        cJSON_Delete(req);
        return NULL;
    }
    if (o->out_dir) {
        out = absolute(o->out_dir);
        cJSON_AddStringToObject(req, "outDir", out ? out : o->out_dir);
        free(out);
    }
    if (o->policy) {
        out = realpath(o->policy, NULL);
        if (!out) {
            ag_cli_fail(o, "policy %s: %s", o->policy, strerror(errno));
            cJSON_Delete(req);
            return NULL;
        }
        cJSON_AddStringToObject(req, "policy", out);
        free(out);
    }
    if (o->timeout > 0)
        cJSON_AddNumberToObject(req, "timeout", o->timeout);
    add_ulong(req, "cpu", o->cpu);
    add_ulong(req, "memoryMb", o->memory);
    add_ulong(req, "pids", o->pids);
    add_ulong(req, "maxOutput", o->max_output);
    add_ulong(req, "tmpMb", o->tmp_mb);
    add_ulong(req, "outMb", o->out_mb);
    add_ulong(req, "threads", o->threads);
    cJSON_AddBoolToObject(req, "allowWeaker", o->allow_weaker);
    cJSON_AddBoolToObject(req, "passthrough", !o->json);
    cJSON_AddBoolToObject(req, "raw", o->raw);
    if (o->display)
        cJSON_AddBoolToObject(req, "display", 1);
    if (o->nenv)
        sr_env_add_json(req, "env", o->env, o->nenv);
    return req;
}
