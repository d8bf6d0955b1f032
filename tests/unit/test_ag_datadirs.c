/* Unit tests: the allow-list of host data directories (ag_datadirs). */
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "ag_datadirs.h"
#include "tap.h"

static char base[64];

static int remove_one(const char *path, const struct stat *st, int type, struct FTW *ftw)
{
    (void)st, (void)type, (void)ftw;
    return remove(path);
}

/* Create base/rel as a file with some content. */
static void file(const char *rel)
{
    char p[256];
    FILE *f;

    snprintf(p, sizeof p, "%s/%s", base, rel);
    f = fopen(p, "w");
    if (f) {
        fputs("x\n", f);
        fclose(f);
    }
}

static void dir(const char *rel)
{
    char p[256];

    snprintf(p, sizeof p, "%s/%s", base, rel);
    mkdir(p, 0700);
}

/* Whether base/rel passes the check (err says why not). */
static int allowed(const char *rel, char *err, size_t errlen)
{
    char p[256], real[4096];

    snprintf(p, sizeof p, "%s/%s", base, rel);
    return ag_datadirs_check(p, real, sizeof real, err, errlen) == 0;
}

int main(void)
{
    char err[512] = "", p[256], link_to[256];

    snprintf(base, sizeof base, "/tmp/sbx-datadirs-XXXXXX");
    if (!mkdtemp(base))
        return 1;
    dir("data");
    dir("data2");
    dir("data/sub");
    dir("data/.git");
    file("data/a.csv");
    file("data/sub/b.csv");
    file("data/.env");
    file("data/.git/config");
    file("data2/c.csv");
    file("secret");
    snprintf(p, sizeof p, "%s/data/out", base);
    snprintf(link_to, sizeof link_to, "%s/secret", base);
    ok(symlink(link_to, p) == 0, "set-up: a symlink out of the data directory");
    snprintf(p, sizeof p, "%s/data/dangling", base);
    snprintf(link_to, sizeof link_to, "%s/no-such-secret", base);
    ok(symlink(link_to, p) == 0, "set-up: a dangling symlink out of the data directory");

    ok(!allowed("data/a.csv", err, sizeof err) && strstr(err, "--data"),
       "no directory allowed: every host path is refused, and the error names --data (%s)", err);
    snprintf(p, sizeof p, "%s/data", base);
    ok(ag_datadirs_add(p, err, sizeof err) == 0, "a directory is allowed");
    ok(allowed("data/a.csv", err, sizeof err), "a file inside it passes (%s)", err);
    ok(allowed("data/sub/b.csv", err, sizeof err), "a file deeper inside passes");
    ok(!allowed("data", err, sizeof err) && strstr(err, "regular file"),
       "the directory itself is refused: it would be mounted with its hidden entries (%s)", err);
    ok(!allowed("data/sub", err, sizeof err), "so is a subdirectory");
    ok(!allowed("data2/c.csv", err, sizeof err) && strstr(err, "outside"),
       "a sibling that shares the prefix (data2) is outside (%s)", err);
    ok(!allowed("secret", err, sizeof err), "a file next to it is outside");
    ok(!allowed("data/../secret", err, sizeof err), "'..' out of it is outside");
    ok(!allowed("data/out", err, sizeof err), "a symlink inside pointing out is outside");
    ok(!allowed("data/.env", err, sizeof err) && strstr(err, "hidden"), "a hidden file is refused (%s)", err);
    ok(!allowed("data/.git/config", err, sizeof err), "a file in a hidden directory is refused");
    ok(!allowed("data/missing.csv", err, sizeof err) && strstr(err, "No such file"),
       "a missing file inside says so (%s)", err);
    ok(ag_datadirs_check("/nonexistent/x", p, sizeof p, err, sizeof err) < 0 && strstr(err, "outside"),
       "a missing file outside gets the same answer as an existing one (no probing) (%s)", err);
    ok(!allowed("data/../secret", err, sizeof err) && strstr(err, "outside") &&
       !allowed("data/../no-such-file", err, sizeof err) && strstr(err, "outside") && !strstr(err, "No such"),
       "'..' out of it: a missing file gets the same answer as an existing one, though the path starts with "
       "the data directory (%s)", err);
    ok(!allowed("data/sub/../../../../../../../../etc/no-such-file", err, sizeof err) && strstr(err, "outside"),
       "so does a missing file far outside reached by many '..' (%s)", err);
    ok(!allowed("data/no-such-dir/x.csv", err, sizeof err) && strstr(err, "outside"),
       "a missing directory inside is not told apart from outside (%s)", err);
    ok(!allowed("data/dangling", err, sizeof err) && strstr(err, "outside"),
       "a dangling symlink inside (its target outside is missing) is outside, like one whose target exists (%s)",
       err);
    ok(!allowed("data/.no-such-file", err, sizeof err) && strstr(err, "hidden") &&
       !allowed("data/.git/no-such-file", err, sizeof err) && strstr(err, "hidden"),
       "a missing hidden name gets the answer of an existing one (%s)", err);
    ok(!allowed("data/sub/../missing.csv", err, sizeof err) && strstr(err, "No such file"),
       "a missing file whose directory resolves inside says so (%s)", err);
    ok(ag_datadirs_add("/", err, sizeof err) < 0 && ag_datadirs_add("/proc", err, sizeof err) < 0 &&
       ag_datadirs_add("/dev", err, sizeof err) < 0, "/, /proc and /dev cannot be data directories (%s)", err);
    ok(ag_datadirs_check("/dev/null", p, sizeof p, err, sizeof err) < 0, "a device is refused");
    ok(ag_datadirs_add("/nonexistent-dir", err, sizeof err) < 0 && strstr(err, "nonexistent-dir"),
       "a missing --data directory is an error naming it (%s)", err);
    snprintf(p, sizeof p, "%s/data/a.csv", base);
    ok(ag_datadirs_add(p, err, sizeof err) < 0 && strstr(err, "not a directory"), "a file as --data is an error");
    ag_datadirs_clear();
    ok(!allowed("data/a.csv", err, sizeof err), "clear forgets every directory");

    if (nftw(base, remove_one, 16, FTW_DEPTH | FTW_PHYS) != 0)
        printf("# could not remove %s\n", base);
    return tap_done();
}
