/* ag_inputs.c — stage s3:// and archive inputs into a private temp directory. */
#include "ag_inputs.h"

#include <errno.h>
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "ag_archive.h"
#include "ag_cmd_s3.h"
#include "sr_io.h"

static const char *const archive_ext[] = {".tar.gz", ".tgz", ".tar", ".zip"};

int ag_inputs_is_archive(const char *name)
{
    size_t n = strlen(name);

    for (size_t i = 0; i < sizeof archive_ext / sizeof *archive_ext; i++) {
        size_t e = strlen(archive_ext[i]);
        if (n > e && strcmp(name + n - e, archive_ext[i]) == 0)
            return (int)e;
    }
    return 0;
}

static int make_staging(struct ag_staging *st, char *err, size_t errlen)
{
    if (st->dir[0])
        return 0;
    snprintf(st->dir, sizeof st->dir, "%s", "/tmp/sandboxrun-in-XXXXXX");
    if (!mkdtemp(st->dir)) {
        snprintf(err, errlen, "cannot create a staging directory: %s", strerror(errno));
        st->dir[0] = '\0';
        return -1;
    }
    /* run as root, the worker reads inputs as nobody */
    return chmod(st->dir, 0755);
}

static const char *base_name(const char *p)
{
    const char *s = strrchr(p, '/');

    return s && s[1] ? s + 1 : p;
}

static char *keep(struct ag_staging *st, char *path)
{
    for (int i = 0; i < AG_MAX_INPUTS + 1; i++) {
        if (!st->paths[i]) {
            st->paths[i] = path;
            return path;
        }
    }
    free(path);
    return NULL;
}

/* Download an s3:// object into the staging directory: 0, AG_INPUTS_BAD
 * or AG_INPUTS_S3 with err set. */
static int fetch(const char *uri, struct ag_staging *st, char **out, char *err, size_t errlen)
{
    enum ag_s3_err e;
    char *dest;
    size_t n;

    if (strcmp(base_name(uri), uri + 5) == 0)
        return snprintf(err, errlen, "input %s: names a bucket, not an object", uri), AG_INPUTS_BAD;
    if (make_staging(st, err, errlen) < 0)
        return AG_INPUTS_BAD;
    n = strlen(st->dir) + strlen(base_name(uri)) + 2;
    if (!(dest = malloc(n)))
        return snprintf(err, errlen, "out of memory"), AG_INPUTS_BAD;
    snprintf(dest, n, "%s/%s", st->dir, base_name(uri));
    if ((e = ag_cmd_s3_fetch(uri, dest, err, errlen)) != AG_S3_OK) {
        free(dest);   /* bad URI or credentials: as the s3 commands exit */
        return ag_cmd_s3_exit_code(e) == AG_CMD_S3_EXIT_S3 ? AG_INPUTS_S3 : AG_INPUTS_BAD;
    }
    return (*out = keep(st, dest)) ? 0 : AG_INPUTS_BAD;
}

/* Unpack an archive into staging/<name without extension>/. */
static char *unpack(const char *path, struct ag_staging *st, char *err, size_t errlen)
{
    struct ag_archive_limits lim;
    const char *name = base_name(path);
    size_t stem = strlen(name) - (size_t)ag_inputs_is_archive(name), n;
    char *dest;

    if (make_staging(st, err, errlen) < 0)
        return NULL;
    n = strlen(st->dir) + stem + 2;
    if (!(dest = malloc(n)))
        return snprintf(err, errlen, "out of memory"), NULL;
    snprintf(dest, n, "%s/%.*s", st->dir, (int)stem, name);
    ag_archive_limits_default(&lim);
    if (ag_archive_unpack(path, dest, &lim, err, errlen) != AG_ARCHIVE_OK) {
        free(dest);
        return NULL;
    }
    return keep(st, dest);
}

int ag_inputs_stage_one(const char *input, struct ag_staging *st, const char **out, char *err, size_t errlen)
{
    const char *local = input;
    char *p;
    int rc;

    if (strncmp(input, "s3://", 5) == 0) {
        if ((rc = fetch(input, st, &p, err, errlen)) != 0)
            return rc;
        local = p;
    }
    if (ag_inputs_is_archive(local)) {
        char why[400] = "";
        if (!(p = unpack(local, st, why, sizeof why)))
            return snprintf(err, errlen, "input %s: %s", input, why), AG_INPUTS_BAD;
        local = p;
    }
    *out = local;
    return 0;
}

int ag_inputs_stage(struct ag_run_opts *opts, struct ag_staging *st)
{
    char err[512];
    int rc;

    for (size_t i = 0; i < opts->ninputs; i++) {
        err[0] = '\0';
        if ((rc = ag_inputs_stage_one(opts->inputs[i], st, &opts->inputs[i], err, sizeof err)) != 0) {
            if (strncmp(opts->inputs[i], "s3://", 5) == 0 && strncmp(err, "input ", 6) != 0)
                ag_cli_fail(opts, "input %s: %s", opts->inputs[i], err);
            else
                ag_cli_fail(opts, "%s", err);
            return rc;
        }
    }
    return 0;
}

static int remove_entry(const char *path, const struct stat *sb, int flag, struct FTW *ftw)
{
    (void)sb, (void)flag, (void)ftw;
    return remove(path) < 0 && errno != ENOENT ? -1 : 0;
}

void ag_inputs_cleanup(struct ag_staging *st)
{
    for (int i = 0; i < AG_MAX_INPUTS + 1; i++) {
        free(st->paths[i]);
        st->paths[i] = NULL;
    }
    if (st->dir[0])
        nftw(st->dir, remove_entry, 16, FTW_DEPTH | FTW_PHYS);
    st->dir[0] = '\0';
}
