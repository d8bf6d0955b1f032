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

static int make_staging(struct ag_staging *st)
{
    if (st->dir[0])
        return 0;
    snprintf(st->dir, sizeof st->dir, "%s", "/tmp/sandboxrun-in-XXXXXX");
    if (!mkdtemp(st->dir)) {
        fprintf(stderr, "sandboxrun: cannot create a staging directory: %s\n", strerror(errno));
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

/* Download an s3:// object into the staging directory. */
static char *fetch(const char *uri, struct ag_staging *st)
{
    char err[512], *dest;
    size_t n;

    if (make_staging(st) < 0)
        return NULL;
    n = strlen(st->dir) + strlen(base_name(uri)) + 2;
    dest = malloc(n);
    if (!dest)
        return NULL;
    snprintf(dest, n, "%s/%s", st->dir, base_name(uri));
    if (strcmp(base_name(uri), uri + 5) == 0 || ag_cmd_s3_fetch(uri, dest, err, sizeof err) != AG_S3_OK) {
        fprintf(stderr, "sandboxrun: input %s: %s\n", uri,
                strcmp(base_name(uri), uri + 5) == 0 ? "names a bucket, not an object" : err);
        free(dest);
        return NULL;
    }
    return keep(st, dest);
}

/* Unpack an archive into staging/<name without extension>/. */
static char *unpack(const char *path, struct ag_staging *st)
{
    struct ag_archive_limits lim;
    const char *name = base_name(path);
    size_t stem = strlen(name) - (size_t)ag_inputs_is_archive(name), n;
    char err[512], *dest;

    if (make_staging(st) < 0)
        return NULL;
    n = strlen(st->dir) + stem + 2;
    dest = malloc(n);
    if (!dest)
        return NULL;
    snprintf(dest, n, "%s/%.*s", st->dir, (int)stem, name);
    ag_archive_limits_default(&lim);
    if (ag_archive_unpack(path, dest, &lim, err, sizeof err) != AG_ARCHIVE_OK) {
        fprintf(stderr, "sandboxrun: input %s: %s\n", path, err);
        free(dest);
        return NULL;
    }
    return keep(st, dest);
}

int ag_inputs_stage_one(const char *input, struct ag_staging *st, const char **out)
{
    const char *local = input;
    char *p;

    if (strncmp(input, "s3://", 5) == 0) {
        if (!(p = fetch(input, st)))
            return -1;
        local = p;
    }
    if (ag_inputs_is_archive(local)) {
        if (!(p = unpack(local, st)))
            return -1;
        local = p;
    }
    *out = local;
    return 0;
}

int ag_inputs_stage(struct ag_run_opts *opts, struct ag_staging *st)
{
    for (size_t i = 0; i < opts->ninputs; i++)
        if (ag_inputs_stage_one(opts->inputs[i], st, &opts->inputs[i]) < 0)
            return -1;
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
