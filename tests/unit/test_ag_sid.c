/* Unit tests: session ids and the pod TAG in them (ag_sid). */
#include <regex.h>
#include <stdio.h>
#include <string.h>

#include "ag_sid.h"
#include "tap.h"

/* Whether s matches the extended regular expression re, whole. */
static int matches(const char *re, const char *s)
{
    regex_t r;
    int m;

    if (regcomp(&r, re, REG_EXTENDED | REG_NOSUB) != 0)
        return 0;
    m = regexec(&r, s, 0, NULL, 0) == 0;
    regfree(&r);
    return m;
}

int main(void)
{
    char id[AG_SID_MAX], id2[AG_SID_MAX], tag[AG_SID_TAG_MAX + 1], err[256];
    int distinct = 1, spread[32] = {0}, all = 1;
    const char *bad[] = {"", "-a", "a-", "Pod-0", "pod_0", "pod.0", "pod 0", "p\xc3\xa9", "abcdefghijklmno",
                         "a-very-long-statefulset-0", "a\n"};
    int lo, hi;
    const char *odd[] = {"", "abcdefghijklmnopqrstuvwxyz", "0123456789abcdef0123456789abcdef",
                         "sandboxrun12abcdefghijklmnopqrstuvwxy1", "sandboxrun12ABCDEFGHIJKLMNOPQRSTUVWXYZ",
                         "sandbox-run12abcdefghijklmnopqrstuvwxyz", "abcdefghijklmnoabcdefghijklmnopqrstuvwxyz",
                         "../../x/abcdefghijklmnopqrstuvwxyz", "sandboxrun12abcdefghijklmnopqrstuvwxyz\n"};

    /* without a pod name: plain hex, as before */
    ok(ag_sid_set_pod(NULL, err, sizeof err) == 0 && ag_sid_tag() == NULL, "no pod name: no tag");
    ok(ag_sid_mint(id, sizeof id, 16) == 0 && matches("^[0-9a-f]{32}$", id), "no pod name: 32 hex digits (%s)", id);
    ok(ag_sid_mint(id, sizeof id, 32) == 0 && matches("^[0-9a-f]{64}$", id), "no pod name: 64 hex digits for MCP");
    ok(ag_sid_mine(id) && ag_sid_mine("sandboxrun1abcdefghijklmnopqrstuvwxyz"), "no pod name: every id may be ours");
    ok(ag_sid_mint(id, 32, 16) < 0, "a buffer too small for the id is refused");

    /* pod names */
    ok(ag_sid_set_pod("sandboxrun-0", err, sizeof err) == 0 && strcmp(ag_sid_tag(), "sandboxrun0") == 0,
       "sandboxrun-0: tag sandboxrun0");
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
        err[0] = '\0';
        ok(ag_sid_set_pod(bad[i], err, sizeof err) < 0 && *err && ag_sid_tag() == NULL,
           "pod name '%s' refused: %s", strchr(bad[i], '\n') ? "a NL" : bad[i], strchr(bad[i], '\n') ? "yes" : err);
    }
    ok(ag_sid_set_pod("a-b-c-d-e-f-g-h-i-j-k-l-m-n", err, sizeof err) == 0 &&
       strcmp(ag_sid_tag(), "abcdefghijklmn") == 0, "14 characters besides dashes are the most");

    /* with one: TAG + 26 base32, what AgentCore's pattern and MCP accept */
    ag_sid_set_pod("sandboxrun-12", err, sizeof err);
    for (int i = 0; i < 2000; i++) {
        ag_sid_mint(id, sizeof id, 16);
        ag_sid_mint(id2, sizeof id2, 32);
        all = all && matches("^sandboxrun12[a-z2-7]{26}$", id) && matches("^[0-9a-zA-Z]{1,40}$", id) &&
              matches("^sandboxrun12[a-z2-7]{26}$", id2) && ag_sid_mine(id) &&
              ag_sid_tag_of(id, tag, sizeof tag) == 0 && strcmp(tag, "sandboxrun12") == 0;
        distinct = distinct && strcmp(id, id2) != 0;
        for (int k = 12; k < 38; k++)
            spread[strchr("abcdefghijklmnopqrstuvwxyz234567", id[k]) - "abcdefghijklmnopqrstuvwxyz234567"]++;
    }
    ok(all, "2000 ids: sandboxrun12 + 26 of [a-z2-7], at most 40 of [0-9a-zA-Z], ours, tag parsed back (%s)", id);
    ok(distinct, "no two ids alike");
    lo = spread[0];
    hi = spread[0];
    for (int k = 1; k < 32; k++)
        lo = spread[k] < lo ? spread[k] : lo, hi = spread[k] > hi ? spread[k] : hi;
    /* 52000 characters over 32 letters: 1625 each; 5 sigma is about 200 */
    ok(lo > 1400 && hi < 1850, "every base32 letter about as often (%d..%d of 52000): all 130 bits used", lo, hi);

    /* parsing, and ids that are not ours */
    ok(ag_sid_tag_of("sandboxrun0abcdefghijklmnopqrstuvwxyz", tag, sizeof tag) == 0 &&
       strcmp(tag, "sandboxrun0") == 0, "another pod's id parses to its tag");
    ok(!ag_sid_mine("sandboxrun0abcdefghijklmnopqrstuvwxyz"), "another pod's id is not ours");
    ok(!ag_sid_mine("sandboxrun1abcdefghijklmnopqrstuvwxyz"), "nor one whose tag is a prefix of ours");
    for (size_t i = 0; i < sizeof odd / sizeof *odd; i++)
        ok(!ag_sid_mine(odd[i]) && (i == 0 || i == 1 || ag_sid_tag_of(odd[i], tag, sizeof tag) < 0 ||
                                    strcmp(tag, "sandboxrun12") != 0),
           "not ours: '%.38s'", odd[i][0] ? odd[i] : "(empty)");
    ok(ag_sid_tag_of("sandboxrun0abcdefghijklmnopqrstuvwxyz", tag, 5) < 0, "a tag buffer too small is refused");
    return tap_done();
}
