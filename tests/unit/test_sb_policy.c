/* Unit tests: the seccomp policy parser and compiler. */
#include <errno.h>
#include <seccomp.h>
#include <string.h>

#include "sb_policy.h"
#include "sb_seccomp.h"
#include "tap.h"

static int parse(const char *text, char *err)
{
    struct sb_policy p;
    int rc = sb_policy_parse(text, "t.policy", &p, err, 256);

    if (rc == 0)
        sb_policy_free(&p);
    return rc;
}

static void expect_error(const char *text, const char *needle)
{
    char err[256] = "";

    ok(parse(text, err) < 0 && strstr(err, needle), "rejects: %s (got \"%s\")", needle, err);
}

int main(void)
{
    struct sb_policy p;
    char err[256] = "";

    ok(sb_policy_parse("default errno EPERM\nallow read write # why\n\n# comment only\n"
                       "kill ptrace\nerrno ENOSYS clone3\n", "t", &p, err, sizeof err) == 0,
       "parses a small policy (%s)", err);
    ok(p.nrules == 4 && p.default_errno == EPERM, "four rules, default EPERM");
    ok(p.rules[0].nr == SCMP_SYS(read) && p.rules[0].action == SB_ACT_ALLOW, "allow read");
    ok(p.rules[2].action == SB_ACT_KILL && p.rules[2].line == 5, "kill ptrace on line 5");
    ok(p.rules[3].action == SB_ACT_ERRNO && p.rules[3].err == ENOSYS, "errno ENOSYS clone3");
    sb_policy_free(&p);

    ok(sb_policy_parse("default errno EPERM\nkill ioctl if arg1 & 0xffffffff == TIOCSTI\n"
                       "allow clone if arg0 & CLONE_NS_FLAGS == 0 and arg1 == 0\n", "t", &p, err, sizeof err) == 0,
       "parses conditions (%s)", err);
    ok(p.rules[0].ncond == 1 && p.rules[0].cond[0].arg == 1 && p.rules[0].cond[0].op == SB_CMP_MASKED_EQ &&
       p.rules[0].cond[0].mask == 0xffffffff && p.rules[0].cond[0].value == 0x5412,
       "masked condition with a named constant");
    ok(p.rules[1].ncond == 2 && p.rules[1].cond[1].op == SB_CMP_EQ, "two conditions joined by and");
    sb_policy_free(&p);

    expect_error("allow read\n", "no 'default");
    expect_error("default errno EPERM\nallow nosuchcall\n", "t.policy:2: unknown syscall 'nosuchcall'");
    expect_error("default errno EPERM\npermit read\n", "t.policy:2: unknown action 'permit'");
    expect_error("default errno EPERM\nerrno EWHAT read\n", "unknown errno 'EWHAT'");
    expect_error("default errno EPERM\nallow read if arg9 == 1\n", "argN OP VALUE");
    expect_error("default errno EPERM\nallow read if arg0 == NOPE\n", "unknown constant 'NOPE'");
    expect_error("default errno EPERM\nallow read if arg0 == 0x\n", "bad number");
    expect_error("default errno EPERM\nallow read if\n", "no condition");
    expect_error("default errno EPERM\nallow read if arg0 == 1 or arg1 == 2\n", "expected 'and'");
    expect_error("default errno EPERM\nallow\n", "no syscall");
    expect_error("default errno EPERM\ndefault errno EPERM\n", "second 'default'");
    expect_error("default errno EPERM\nallow ioctl\nkill ioctl if arg1 == 1\n",
                 "t.policy:3: syscall 16 also has an unconditional rule at line 2");

    /* the shipped policy parses and compiles, with and without the listener */
    ok(sb_policy_load("policies/default.policy", &p, err, sizeof err) == 0, "default.policy parses (%s)", err);
    {
        scmp_filter_ctx a = sb_seccomp_build(&p, 1, err, sizeof err);
        scmp_filter_ctx b = sb_seccomp_build(&p, 0, err, sizeof err);
        ok(a && b, "default.policy compiles in both kill modes (%s)", err);
        if (a)
            seccomp_release(a);
        if (b)
            seccomp_release(b);
    }
    sb_policy_free(&p);
    ok(sb_policy_load("/nonexistent.policy", &p, err, sizeof err) < 0 && strstr(err, "No such file"),
       "a missing file is a clear error (%s)", err);
    return tap_done();
}
