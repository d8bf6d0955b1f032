/* ag_cli.c — table-driven parsing of the run options, and the request they make. */
#include "ag_cli.h"

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "sr_io.h"

enum kind { K_FLAG, K_STR, K_ULONG, K_LONG, K_SECONDS, K_INPUT };

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
    {"--input", K_INPUT, 0, 0, 0, "PATH", "file or directory mounted read-only at /work/NAME (repeatable)"},
    {"--out", K_STR, OFF(out_dir), 0, 0, "DIR", "copy the files the script wrote to /out into DIR"},
    {"--out-archive", K_STR, OFF(out_archive), 0, 0, "FILE", "also pack /out into FILE (tar.gz)"},
    {"--upload", K_STR, OFF(upload), 0, 0, "s3://B/PREFIX/", "upload /out's bundle, results.json and report.html; print a presigned link"},
    {"--expires", K_LONG, OFF(expires), 1, 604800, "SECONDS", "how long presigned links work (default 3600)"},
    {"--timeout", K_SECONDS, OFF(timeout), 0, 0, "SECONDS", "wall-clock limit (default 60)"},
    {"--cpu", K_ULONG, OFF(cpu), 1, 86400, "SECONDS", "CPU-time limit per process (default none)"},
    {"--memory", K_ULONG, OFF(memory), 16, 1u << 20, "MB", "memory limit (default 2048)"},
    {"--pids", K_ULONG, OFF(pids), 1, 100000, "N", "process and thread limit (default 256)"},
    {"--max-output", K_ULONG, OFF(max_output), 1024, 1ul << 30, "BYTES", "stdout and stderr cap each (default 4 MiB)"},
    {"--tmp-size", K_ULONG, OFF(tmp_mb), 1, 1u << 20, "MB", "size of /tmp (default 512)"},
    {"--out-size", K_ULONG, OFF(out_mb), 1, 1u << 20, "MB", "size of /out (default 512)"},
    {"--threads", K_ULONG, OFF(threads), 1, 256, "N", "OpenBLAS/OpenMP threads (default 1)"},
    {"--server", K_STR, OFF(server), 0, 0, "SOCKET", "run on a warm daemon (sandboxrun serve); default $SANDBOXRUN_SOCKET"},
    {"--policy", K_STR, OFF(policy), 0, 0, "FILE", "seccomp policy (default policies/default.policy)"},
    {"--allow-weaker", K_FLAG, OFF(allow_weaker), 0, 0, NULL, "run even if the kernel lacks a feature; the record says what was weakened"},
    {"-c", K_STR, OFF(code), 0, 0, "CODE", "run CODE instead of a script file"},
    {"--help", K_FLAG, OFF(help), 0, 0, NULL, "this help"},
};

void ag_cli_help(void)
{
    for (size_t i = 0; i < sizeof table / sizeof *table; i++) {
        char left[48];
        snprintf(left, sizeof left, "%s%s%s", table[i].name, table[i].arg ? " " : "", table[i].arg ? table[i].arg : "");
        printf("  %-30s %s\n", left, table[i].help);
    }
}

static int set_value(struct ag_run_opts *o, size_t i, const char *val, const char *cmd)
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
            return fprintf(stderr, "sandboxrun %s: more than %d --input\n", cmd, AG_MAX_INPUTS), -1;
        o->inputs[o->ninputs++] = val;
        return 0;
    case K_ULONG:
        if (sr_parse_ulong(val, table[i].min, table[i].max, &v) < 0)
            return fprintf(stderr, "sandboxrun %s: %s wants a whole number from %lu to %lu, not '%s'\n",
                           cmd, table[i].name, table[i].min, table[i].max, val), -1;
        *(unsigned long *)(base + table[i].off) = v;
        return 0;
    case K_LONG:
        if (sr_parse_ulong(val, table[i].min, table[i].max, &v) < 0)
            return fprintf(stderr, "sandboxrun %s: %s wants a whole number from %lu to %lu, not '%s'\n",
                           cmd, table[i].name, table[i].min, table[i].max, val), -1;
        *(long *)(base + table[i].off) = (long)v;
        return 0;
    case K_SECONDS:
        errno = 0;
        o->timeout = strtod(val, &end);
        if (errno || *end || !(o->timeout >= 0.01 && o->timeout <= 86400))
            return fprintf(stderr, "sandboxrun %s: %s wants seconds from 0.01 to 86400, not '%s'\n",
                           cmd, table[i].name, val), -1;
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
            return fprintf(stderr, "sandboxrun %s: too many options\n", argv[0]), -1;
        o->extra[o->nextra++] = argv[*i];
        if (e->has_arg) {
            if (*i + 1 >= argc)
                return fprintf(stderr, "sandboxrun %s: %s needs a value\n", argv[0], e->name), -1;
            o->extra[o->nextra++] = argv[++*i];
        }
        return 1;
    }
    return 0;
}

int ag_cli_parse(int argc, char **argv, const struct ag_extra_opt *extras, struct ag_run_opts *o)
{
    int i, rc;

    memset(o, 0, sizeof *o);
    for (i = 1; i < argc; i++) {
        const char *a = argv[i];
        size_t t;
        if (strcmp(a, "--") == 0) {
            i++;
            break;
        }
        if (a[0] != '-' || strcmp(a, "-") == 0) {
            if (o->npositional == AG_MAX_EXTRA)
                return fprintf(stderr, "sandboxrun %s: too many arguments\n", argv[0]), -1;
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
            return fprintf(stderr, "sandboxrun %s: unknown option '%s' (see --help)\n", argv[0], a), -1;
        if (table[t].kind != K_FLAG && i + 1 >= argc)
            return fprintf(stderr, "sandboxrun %s: %s needs a value\n", argv[0], a), -1;
        if (set_value(o, t, table[t].kind == K_FLAG ? NULL : argv[++i], argv[0]) < 0)
            return -1;
    }
    for (; i < argc; i++) {
        if (o->npositional == AG_MAX_EXTRA)
            return fprintf(stderr, "sandboxrun %s: too many arguments\n", argv[0]), -1;
        o->positional[o->npositional++] = argv[i];
    }
    return 0;
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

static int add_inputs(cJSON *req, const struct ag_run_opts *o)
{
    cJSON *arr = cJSON_AddArrayToObject(req, "inputs");

    for (size_t i = 0; i < o->ninputs; i++) {
        char *real = realpath(o->inputs[i], NULL), *slash;
        cJSON *in;
        if (!real)
            return fprintf(stderr, "sandboxrun: input %s: %s\n", o->inputs[i], strerror(errno)), -1;
        slash = strrchr(real, '/');
        in = cJSON_CreateObject();
        cJSON_AddStringToObject(in, "path", real);
        cJSON_AddStringToObject(in, "name", slash && slash[1] ? slash + 1 : "input");
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

cJSON *ag_cli_request(const struct ag_run_opts *o, const char *code, const char *filename,
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
            fprintf(stderr, "sandboxrun: policy %s: %s\n", o->policy, strerror(errno));
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
    if (o->display)
        cJSON_AddBoolToObject(req, "display", 1);
    return req;
}
