/* sb_policy — seccomp policies as commented text, parsed and validated.
 *
 * One rule per line:   ACTION SYSCALL... [if COND [and COND]...]   # why
 *   ACTION   allow | errno NAME | kill | log
 *   COND     argN OP VALUE  or  argN & MASK == VALUE   (OP: == != < <= > >=)
 *   VALUE    a number (decimal or 0x hex) or a known constant (TIOCSTI, CLONE_NEWUSER, ...)
 * plus one "default errno NAME" line. "kill" stops the whole worker and the
 * result record names the syscall. Errors name the file and line. */
#ifndef SB_POLICY_H
#define SB_POLICY_H

#include <stddef.h>
#include <stdint.h>

#define SB_POLICY_MAX_RULES 1024
#define SB_POLICY_MAX_CONDS 6

enum sb_action { SB_ACT_ALLOW, SB_ACT_ERRNO, SB_ACT_KILL, SB_ACT_LOG };
enum sb_cmp { SB_CMP_EQ, SB_CMP_NE, SB_CMP_LT, SB_CMP_LE, SB_CMP_GT, SB_CMP_GE, SB_CMP_MASKED_EQ };

struct sb_cond {
    unsigned arg;        /* 0..5 */
    enum sb_cmp op;
    uint64_t mask;       /* SB_CMP_MASKED_EQ only */
    uint64_t value;
};

struct sb_rule {
    enum sb_action action;
    int err;             /* SB_ACT_ERRNO */
    int nr;              /* native syscall number */
    unsigned ncond;
    struct sb_cond cond[SB_POLICY_MAX_CONDS];
    unsigned line;
};

struct sb_policy {
    int default_errno;   /* anything not listed fails with this errno */
    size_t nrules;
    struct sb_rule *rules;
};

/* Parse policy text (name is used in messages). Returns 0, or -1 after writing
 * "name:line: what is wrong" into err. The caller frees with sb_policy_free. */
int sb_policy_parse(const char *text, const char *name, struct sb_policy *pol,
                    char *err, size_t errlen);
/* Read and parse a policy file (capped at 1 MiB). */
int sb_policy_load(const char *path, struct sb_policy *pol, char *err, size_t errlen);
void sb_policy_free(struct sb_policy *pol);

#endif
