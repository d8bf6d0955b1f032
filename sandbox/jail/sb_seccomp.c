/* sb_seccomp.c — policy → libseccomp filter, load, user-notification fd. */
#include "sb_seccomp.h"

#include <errno.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <unistd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sr_log.h"

static uint32_t rule_action(const struct sb_rule *r, int notify)
{
    switch (r->action) {
    case SB_ACT_ALLOW:
        return SCMP_ACT_ALLOW;
    case SB_ACT_ERRNO:
        return SCMP_ACT_ERRNO((uint32_t)r->err);
    case SB_ACT_LOG:
        return SCMP_ACT_LOG;
    case SB_ACT_KILL:
        break;
    }
    return notify ? SCMP_ACT_NOTIFY : SCMP_ACT_KILL_PROCESS;
}

static const enum scmp_compare cmp_map[] = {
    [SB_CMP_EQ] = SCMP_CMP_EQ, [SB_CMP_NE] = SCMP_CMP_NE, [SB_CMP_LT] = SCMP_CMP_LT,
    [SB_CMP_LE] = SCMP_CMP_LE, [SB_CMP_GT] = SCMP_CMP_GT, [SB_CMP_GE] = SCMP_CMP_GE,
    [SB_CMP_MASKED_EQ] = SCMP_CMP_MASKED_EQ,
};

static int add_rule(scmp_filter_ctx ctx, const struct sb_rule *r, int notify)
{
    struct scmp_arg_cmp cmps[SB_POLICY_MAX_CONDS];

    for (unsigned i = 0; i < r->ncond; i++) {
        const struct sb_cond *c = &r->cond[i];
        cmps[i].arg = c->arg;
        cmps[i].op = cmp_map[c->op];
        cmps[i].datum_a = c->op == SB_CMP_MASKED_EQ ? c->mask : c->value;
        cmps[i].datum_b = c->op == SB_CMP_MASKED_EQ ? c->value : 0;
    }
    return seccomp_rule_add_exact_array(ctx, rule_action(r, notify), r->nr, r->ncond, cmps);
}

scmp_filter_ctx sb_seccomp_build(const struct sb_policy *pol, int notify, char *err, size_t errlen)
{
    scmp_filter_ctx ctx = seccomp_init(SCMP_ACT_ERRNO((uint32_t)pol->default_errno));
    int rc;

    if (errlen)
        err[0] = '\0';   /* read below: a rule's message is kept over the attribute's */
    if (!ctx) {
        snprintf(err, errlen, "seccomp_init failed");
        return NULL;
    }
    /* foreign ABIs (i386 int 0x80, x32) are never a way around the list */
    rc = seccomp_attr_set(ctx, SCMP_FLTATR_ACT_BADARCH, SCMP_ACT_KILL_PROCESS);
    if (rc == 0)
        rc = seccomp_attr_set(ctx, SCMP_FLTATR_CTL_NNP, 1);
    for (size_t i = 0; rc == 0 && i < pol->nrules; i++) {
        /* a rule that repeats the default documents intent; libseccomp refuses it */
        if (rule_action(&pol->rules[i], notify) == SCMP_ACT_ERRNO((uint32_t)pol->default_errno))
            continue;
        rc = add_rule(ctx, &pol->rules[i], notify);
        if (rc < 0)
            snprintf(err, errlen, "policy line %u (%s): libseccomp refused the rule: %s",
                     pol->rules[i].line, sb_seccomp_syscall_name(pol->rules[i].nr), strerror(-rc));
    }
    if (rc < 0) {
        if (!err[0])
            snprintf(err, errlen, "seccomp_attr_set: %s", strerror(-rc));
        seccomp_release(ctx);
        return NULL;
    }
    return ctx;
}

int sb_seccomp_compile(scmp_filter_ctx ctx, int notify, struct sb_bpf *b)
{
    int fd = memfd_create("sandboxrun-bpf", MFD_CLOEXEC), rc;
    off_t size;

    memset(b, 0, sizeof *b);
    if (fd < 0)
        return SR_PLOG("memfd_create"), -1;
    rc = seccomp_export_bpf(ctx, fd);
    size = rc == 0 ? lseek(fd, 0, SEEK_END) : -1;
    if (rc < 0 || size <= 0 || size % (off_t)sizeof(struct sock_filter) ||
        size / (off_t)sizeof(struct sock_filter) > BPF_MAXINSNS) {
        SR_LOG("seccomp_export_bpf: %s", rc < 0 ? strerror(-rc) : "bad program size");
        close(fd);
        return -1;
    }
    b->insns = malloc((size_t)size);
    if (!b->insns || pread(fd, b->insns, (size_t)size, 0) != size) {
        SR_PLOG("read compiled filter");
        free(b->insns);
        b->insns = NULL;
        close(fd);
        return -1;
    }
    close(fd);
    b->len = (unsigned short)(size / (off_t)sizeof(struct sock_filter));
    b->notify = notify;
    return 0;
}

void sb_seccomp_bpf_free(struct sb_bpf *b)
{
    free(b->insns);
    b->insns = NULL;
    b->len = 0;
}

int sb_seccomp_install(const struct sb_bpf *b, int *notify_fd)
{
    struct sock_fprog prog = {.len = b->len, .filter = b->insns};
    long rc = syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER,
                      b->notify ? SECCOMP_FILTER_FLAG_NEW_LISTENER : 0, &prog);

    *notify_fd = -1;
    if (rc < 0) {
        SR_PLOG("seccomp(SECCOMP_SET_MODE_FILTER)");
        return -1;
    }
    if (b->notify)
        *notify_fd = (int)rc;
    return 0;
}

int sb_seccomp_dump(scmp_filter_ctx ctx, int fd)
{
    int rc = seccomp_export_pfc(ctx, fd);

    if (rc < 0) {
        errno = -rc;
        SR_PLOG("seccomp_export_pfc");
        return -1;
    }
    return 0;
}

const char *sb_seccomp_syscall_name(int nr)
{
    static __thread char name[64];   /* the daemon names syscalls from several threads */
    char *s = seccomp_syscall_resolve_num_arch(SCMP_ARCH_NATIVE, nr);

    snprintf(name, sizeof name, "%s", s ? s : "?");
    free(s);
    return name;
}

int sb_seccomp_compile_file(const char *path, int notify, struct sb_bpf *b)
{
    struct sb_policy pol;
    scmp_filter_ctx ctx;
    char err[512];
    int rc;

    if (sb_policy_load(path, &pol, err, sizeof err) < 0)
        return SR_LOG("%s", err), -1;
    ctx = sb_seccomp_build(&pol, notify, err, sizeof err);
    sb_policy_free(&pol);
    if (!ctx)
        return SR_LOG("%s", err), -1;
    rc = sb_seccomp_compile(ctx, notify, b);
    seccomp_release(ctx);
    return rc;
}
