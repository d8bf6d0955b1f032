/* libFuzzer harness: the seccomp policy parser (sandbox/jail/sb_policy.h), and
 * the libseccomp filter built from whatever it accepts.
 *
 * Checks: no crash or leak on any text; an accepted policy is within the
 * documented limits (rules, conditions, argument numbers, errnos); a rejected
 * one says "name:line: ..." and leaves nothing allocated. */
#include <assert.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "sb_policy.h"
#include "sb_seccomp.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct sb_policy pol;
    char err[512] = "";
    char *text = malloc(size + 1);

    if (!text)
        return 0;
    memcpy(text, data, size);
    text[size] = '\0';
    if (sb_policy_parse(text, "fuzz.policy", &pol, err, sizeof err) == 0) {
        assert(pol.nrules <= SB_POLICY_MAX_RULES);
        assert(pol.default_errno > 0 && pol.default_errno < 4096);
        for (size_t i = 0; i < pol.nrules; i++) {
            const struct sb_rule *r = &pol.rules[i];
            assert(r->ncond <= SB_POLICY_MAX_CONDS && r->nr >= 0);
            for (unsigned c = 0; c < r->ncond; c++)
                assert(r->cond[c].arg <= 5 && r->cond[c].op <= SB_CMP_MASKED_EQ);
        }
        /* build (never load) the filter: libseccomp must accept or refuse cleanly */
        if (size < 4096) {
            scmp_filter_ctx ctx = sb_seccomp_build(&pol, 0, err, sizeof err);
            if (ctx)
                seccomp_release(ctx);
        }
        sb_policy_free(&pol);
    } else {
        assert(strncmp(err, "fuzz.policy", 11) == 0);
        assert(pol.rules == NULL);
    }
    free(text);
    return 0;
}
