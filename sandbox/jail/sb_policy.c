/* sb_policy.c — parser for the commented seccomp policy text (see sb_policy.h). */
#include "sb_policy.h"
#include "sr_caps.h"
#include "sr_log.h"

#include <errno.h>
#include <seccomp.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "sr_buf.h"
#include "sr_io.h"

#define MAX_LINE 4096

struct named { const char *name; uint64_t value; };

/* Constants a policy may name instead of writing a number. */
static const struct named constants[] = {
    {"TIOCSTI", 0x5412},        {"TIOCLINUX", 0x541C},       {"TIOCSETD", 0x5423},
    {"TIOCCONS", 0x541D},       {"TCGETS", 0x5401},          {"TIOCGPGRP", 0x540F},
    {"TIOCGWINSZ", 0x5413},     {"FIONREAD", 0x541B},        {"FIONBIO", 0x5421},
    {"FIONCLEX", 0x5450},       {"FIOCLEX", 0x5451},
    {"CLONE_NEWNS", 0x00020000}, {"CLONE_NEWCGROUP", 0x02000000},
    {"CLONE_NEWUTS", 0x04000000}, {"CLONE_NEWIPC", 0x08000000},
    {"CLONE_NEWUSER", 0x10000000}, {"CLONE_NEWPID", 0x20000000},
    {"CLONE_NEWNET", 0x40000000}, {"CLONE_NEWTIME", 0x00000080},
    {"CLONE_NS_FLAGS", 0x7E020080},
    {"AF_UNIX", 1}, {"AF_INET", 2}, {"AF_INET6", 10}, {"AF_NETLINK", 16},
    {"AF_PACKET", 17}, {"AF_VSOCK", 40},
};

static const struct named errnos[] = {
    {"EPERM", EPERM}, {"ENOSYS", ENOSYS}, {"EACCES", EACCES}, {"EINVAL", EINVAL},
    {"ENOENT", ENOENT}, {"EAFNOSUPPORT", EAFNOSUPPORT}, {"ENOTTY", ENOTTY},
    {"EOPNOTSUPP", EOPNOTSUPP},
};

struct parser {
    const char *name;
    unsigned line;
    char *err;
    size_t errlen;
    struct sb_policy *pol;
    int have_default;
};

__attribute__((format(printf, 2, 3)))
static int perr(struct parser *p, const char *fmt, ...)
{
    va_list ap;
    int n = snprintf(p->err, p->errlen, "%s:%u: ", p->name, p->line);

    va_start(ap, fmt);
    if (n >= 0 && (size_t)n < p->errlen)
        sr_verrf(p->err + n, p->errlen - (size_t)n, fmt, ap);
    va_end(ap);
    return -1;
}

static int lookup(const struct named *t, size_t n, const char *name, uint64_t *out)
{
    for (size_t i = 0; i < n; i++) {
        if (strcmp(t[i].name, name) == 0) {
            *out = t[i].value;
            return 0;
        }
    }
    return -1;
}

/* A value is a decimal/hex number or a named constant. */
static int parse_value(struct parser *p, const char *tok, uint64_t *out)
{
    char *end;

    if (tok[0] >= '0' && tok[0] <= '9') {
        errno = 0;
        *out = strtoull(tok, &end, 0);
        if (errno || *end)
            return perr(p, "bad number '%s'", tok);
        return 0;
    }
    if (lookup(constants, sizeof constants / sizeof *constants, tok, out) < 0)
        return perr(p, "unknown constant '%s'", tok);
    return 0;
}

static int parse_errno(struct parser *p, const char *tok, int *out)
{
    uint64_t v;

    if (lookup(errnos, sizeof errnos / sizeof *errnos, tok, &v) < 0)
        return perr(p, "unknown errno '%s' (use one of EPERM ENOSYS EACCES EINVAL ENOENT "
                       "EAFNOSUPPORT ENOTTY EOPNOTSUPP)", tok);
    *out = (int)v;
    return 0;
}

static const struct { const char *s; enum sb_cmp op; } cmp_ops[] = {
    {"==", SB_CMP_EQ}, {"!=", SB_CMP_NE}, {"<", SB_CMP_LT},
    {"<=", SB_CMP_LE}, {">", SB_CMP_GT}, {">=", SB_CMP_GE},
};

/* Parse "argN OP VALUE" or "argN & MASK == VALUE" from toks; returns tokens used. */
static int parse_cond(struct parser *p, char **toks, int n, struct sb_cond *c)
{
    unsigned long arg;
    int i;

    if (n < 3 || strncmp(toks[0], "arg", 3) != 0 || sr_parse_ulong(toks[0] + 3, 0, 5, &arg) < 0)
        return perr(p, "expected 'argN OP VALUE' (N in 0..5) after 'if'/'and'");
    c->arg = (unsigned)arg;
    if (strcmp(toks[1], "&") == 0) {
        if (n < 5 || strcmp(toks[3], "==") != 0)
            return perr(p, "a mask condition reads 'argN & MASK == VALUE'");
        c->op = SB_CMP_MASKED_EQ;
        if (parse_value(p, toks[2], &c->mask) < 0 || parse_value(p, toks[4], &c->value) < 0)
            return -1;
        return 5;
    }
    for (i = 0; i < (int)(sizeof cmp_ops / sizeof *cmp_ops); i++) {
        if (strcmp(toks[1], cmp_ops[i].s) == 0) {
            c->op = cmp_ops[i].op;
            return parse_value(p, toks[2], &c->value) < 0 ? -1 : 3;
        }
    }
    return perr(p, "unknown comparison '%s'", toks[1]);
}

/* Parse the conditions after "if"; fills rule conds. */
static int parse_conds(struct parser *p, char **toks, int n, struct sb_rule *r)
{
    int i = 0;

    while (i < n) {
        int used;
        if (r->ncond == SB_POLICY_MAX_CONDS)
            return perr(p, "more than %d conditions", SB_POLICY_MAX_CONDS);
        used = parse_cond(p, toks + i, n - i, &r->cond[r->ncond]);
        if (used < 0)
            return -1;
        r->ncond++;
        i += used;
        if (i < n) {
            if (strcmp(toks[i], "and") != 0)
                return perr(p, "expected 'and' between conditions, got '%s'", toks[i]);
            if (++i == n)
                return perr(p, "'and' with no condition after it");
        }
    }
    return 0;
}

static int add_rule(struct parser *p, const struct sb_rule *tmpl, const char *sys)
{
    struct sb_rule *r;
    int nr = seccomp_syscall_resolve_name(sys);

    if (nr == __NR_SCMP_ERROR)
        return perr(p, "unknown syscall '%s'", sys);
    /* libseccomp's negative pseudo numbers (send, socketcall, ...) name calls
     * this architecture does not have: a rule on one would silently do nothing */
    if (nr < 0)
        return perr(p, "'%s' is not a system call on this architecture", sys);
    if (p->pol->nrules == SB_POLICY_MAX_RULES)
        return perr(p, "more than %d rules", SB_POLICY_MAX_RULES);
    r = &p->pol->rules[p->pol->nrules++];
    *r = *tmpl;
    r->nr = nr;
    r->line = p->line;
    return 0;
}

/* Split a line (comment already cut) into whitespace-separated tokens, in place. */
static int tokenize(char *s, char **toks, int max)
{
    int n = 0;

    for (;;) {
        while (*s == ' ' || *s == '\t' || *s == '\r')
            *s++ = '\0';
        if (!*s)
            return n;
        if (n == max)
            return -1;
        toks[n++] = s;
        while (*s && *s != ' ' && *s != '\t' && *s != '\r')
            s++;
    }
}

static int parse_action(struct parser *p, char **toks, int n, struct sb_rule *r, int *used)
{
    static const struct { const char *s; enum sb_action a; } acts[] = {
        {"allow", SB_ACT_ALLOW}, {"kill", SB_ACT_KILL}, {"log", SB_ACT_LOG}, {"errno", SB_ACT_ERRNO},
    };

    for (size_t i = 0; i < sizeof acts / sizeof *acts; i++) {
        if (strcmp(toks[0], acts[i].s) != 0)
            continue;
        r->action = acts[i].a;
        *used = 1;
        if (r->action == SB_ACT_ERRNO) {
            if (n < 2)
                return perr(p, "'errno' needs an errno name");
            *used = 2;
            return parse_errno(p, toks[1], &r->err);
        }
        return 0;
    }
    return perr(p, "unknown action '%s' (allow, errno NAME, kill, log, default)", toks[0]);
}

static int parse_line(struct parser *p, char *line)
{
    char *toks[256];
    char *hash = strchr(line, '#');
    struct sb_rule r = {0};
    int n, i, used, ifpos;

    if (hash)
        *hash = '\0';
    n = tokenize(line, toks, 256);
    if (n < 0)
        return perr(p, "too many words on one line");
    if (n == 0)
        return 0;
    if (strcmp(toks[0], "default") == 0) {
        if (n != 3 || strcmp(toks[1], "errno") != 0)
            return perr(p, "the default reads 'default errno NAME'");
        if (p->have_default)
            return perr(p, "a second 'default' line");
        p->have_default = 1;
        return parse_errno(p, toks[2], &p->pol->default_errno);
    }
    if (parse_action(p, toks, n, &r, &used) < 0)
        return -1;
    for (ifpos = used; ifpos < n && strcmp(toks[ifpos], "if") != 0; ifpos++)
        ;
    if (ifpos == used)
        return perr(p, "no syscall named after the action");
    if (ifpos < n && parse_conds(p, toks + ifpos + 1, n - ifpos - 1, &r) < 0)
        return -1;
    if (ifpos < n && ifpos + 1 == n)
        return perr(p, "'if' with no condition after it");
    for (i = used; i < ifpos; i++)
        if (add_rule(p, &r, toks[i]) < 0)
            return -1;
    return 0;
}

/* libseccomp lets an unconditional rule silently override conditional rules
 * of the same syscall; refuse such a policy instead of shipping the gap. */
static int check_mixed(struct parser *p)
{
    struct sb_policy *pol = p->pol;

    for (size_t i = 0; i < pol->nrules; i++) {
        if (pol->rules[i].ncond)
            continue;
        for (size_t k = 0; k < pol->nrules; k++) {
            if (pol->rules[k].nr == pol->rules[i].nr && pol->rules[k].ncond) {
                p->line = pol->rules[k].line;
                return perr(p, "syscall %d also has an unconditional rule at line %u, which would "
                               "override this conditional one", pol->rules[i].nr, pol->rules[i].line);
            }
        }
    }
    return 0;
}

int sb_policy_parse(const char *text, const char *name, struct sb_policy *pol,
                    char *err, size_t errlen)
{
    struct parser p = {.name = name, .err = err, .errlen = errlen, .pol = pol};
    const char *s = text;

    memset(pol, 0, sizeof *pol);
    pol->rules = calloc(SB_POLICY_MAX_RULES, sizeof *pol->rules);
    if (!pol->rules) {
        snprintf(err, errlen, "%s: out of memory", name);
        return -1;
    }
    while (*s) {
        const char *nl = strchr(s, '\n');
        size_t len = nl ? (size_t)(nl - s) : strlen(s);
        char line[MAX_LINE];

        p.line++;
        if (len >= sizeof line) {
            perr(&p, "line longer than %d bytes", MAX_LINE - 1);
            goto fail;
        }
        memcpy(line, s, len);
        line[len] = '\0';
        if (memchr(s, '\0', len) || parse_line(&p, line) < 0)
            goto fail;
        s += len + (nl ? 1 : 0);
    }
    if (check_mixed(&p) < 0)
        goto fail;
    if (!p.have_default) {
        snprintf(err, errlen, "%s: no 'default errno NAME' line", name);
        goto fail;
    }
    return 0;
fail:
    sb_policy_free(pol);
    return -1;
}

int sb_policy_load(const char *path, struct sb_policy *pol, char *err, size_t errlen)
{
    struct sr_buf b;
    int rc = sr_read_file(path, SB_POLICY_FILE_MAX, &b);

    if (rc != 0) {
        snprintf(err, errlen, "%s: %s", path, rc > 0 ? "larger than 1 MiB" : strerror(errno));
        sr_buf_reset(&b);
        return -1;
    }
    if (b.data && strlen(b.data) != b.len) {
        snprintf(err, errlen, "%s: contains a NUL byte", path);
        sr_buf_reset(&b);
        return -1;
    }
    rc = sb_policy_parse(b.data ? b.data : "", path, pol, err, errlen);
    sr_buf_reset(&b);
    return rc;
}

void sb_policy_free(struct sb_policy *pol)
{
    free(pol->rules);
    pol->rules = NULL;
    pol->nrules = 0;
}
