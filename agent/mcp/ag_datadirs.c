/* ag_datadirs.c — the allow-list of host data directories (see the header). */
#include "ag_datadirs.h"

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

static char *dirs[AG_DATADIRS_MAX];
static int ndirs;

/* Whether a resolved path is a kernel interface (/proc, /sys, /dev) or the
 * whole filesystem: never data. /proc/self/environ would be the server's
 * own environment, credentials included. */
static int system_path(const char *real)
{
    static const char *const sys_roots[] = {"/proc", "/sys", "/dev"};

    if (strcmp(real, "/") == 0)
        return 1;
    for (size_t i = 0; i < sizeof sys_roots / sizeof *sys_roots; i++) {
        size_t n = strlen(sys_roots[i]);
        if (strncmp(real, sys_roots[i], n) == 0 && (real[n] == '\0' || real[n] == '/'))
            return 1;
    }
    return 0;
}

int ag_datadirs_add(const char *dir, char *err, size_t errlen)
{
    struct stat st;
    char *real;

    if (ndirs >= AG_DATADIRS_MAX)
        return snprintf(err, errlen, "at most %d --data directories", AG_DATADIRS_MAX), -1;
    if (!(real = realpath(dir, NULL)) || stat(real, &st) < 0 || !S_ISDIR(st.st_mode) || system_path(real)) {
        snprintf(err, errlen, "--data %.200s: %s", dir,
                 !real ? strerror(errno) : !S_ISDIR(st.st_mode) ? "not a directory"
                                                              : "/, /proc, /sys and /dev cannot be data directories");
        free(real);
        return -1;
    }
    dirs[ndirs++] = real;
    return 0;
}

void ag_datadirs_clear(void)
{
    while (ndirs > 0)
        free(dirs[--ndirs]);
}

/* The part of real below root ("" for root itself), or NULL if outside. */
static const char *below(const char *real, const char *root)
{
    size_t n = strlen(root);

    if (strncmp(real, root, n) != 0 || (real[n] != '\0' && real[n] != '/'))
        return NULL;
    return real[n] == '/' ? real + n + 1 : real + n;
}

/* Whether a relative path has a component starting with '.'. */
static int has_hidden(const char *rel)
{
    for (const char *p = rel; *p; p = strchr(p, '/') ? strchr(p, '/') + 1 : p + strlen(p))
        if (*p == '.')
            return 1;
    return 0;
}

/* The part of real below any allowed directory, or NULL. */
static const char *inside(const char *real)
{
    const char *rel = NULL;

    for (int i = 0; i < ndirs && !rel; i++)
        rel = below(real, dirs[i]);
    return rel;
}

/* The answer for a path that does not resolve. Only its directory is
 * resolved: a name missing directly inside a data directory is told as
 * missing; anything else (a missing directory, a dangling link, a path
 * that only reads as if it were inside, "/DATA/../../root/x") gets the one
 * answer for outside, so no file outside can be probed for. */
static void unresolved(const char *path, char *err, size_t errlen)
{
    const char *slash = strrchr(path, '/'), *name = slash ? slash + 1 : "", *rel = NULL;
    char dir[PATH_MAX], joined[PATH_MAX + 256], *rdir = NULL;
    struct stat st;

    if (slash && (size_t)(slash - path) < sizeof dir && *name && strcmp(name, ".") != 0 &&
        strcmp(name, "..") != 0) {
        snprintf(dir, sizeof dir, "%.*s", slash == path ? 1 : (int)(slash - path), path);
        if ((rdir = realpath(dir, NULL)) && !system_path(rdir)) {
            snprintf(joined, sizeof joined, "%s/%s", rdir, name);
            rel = inside(joined);
        }
        free(rdir);
    }
    if (rel && has_hidden(rel))
        snprintf(err, errlen, "%.200s is hidden (a name below the data directory starts with '.')", path);
    else if (rel && lstat(joined, &st) < 0 && errno == ENOENT)
        snprintf(err, errlen, "cannot use %.200s: %s", path, strerror(ENOENT));
    else
        snprintf(err, errlen, "%.200s is outside the server's --data directories", path);
}

int ag_datadirs_check(const char *path, char *real, size_t reallen, char *err, size_t errlen)
{
    char *r;
    const char *rel;
    struct stat st;

    if (ndirs == 0)
        return snprintf(err, errlen, "host paths are not allowed: this server was started without --data DIR "
                        "(pass the CSV inline, as an s3:// URI, or ask the operator to allow a directory)"), -1;
    /* one answer for everything outside, so the agent cannot probe the host */
    if (!(r = realpath(path, NULL)))
        return unresolved(path, err, errlen), -1;
    rel = inside(r);
    if (!rel || has_hidden(rel) || system_path(r)) {
        snprintf(err, errlen, "%.200s is %s", path, rel && has_hidden(rel)
                 ? "hidden (a name below the data directory starts with '.')"
                 : "outside the server's --data directories");
        free(r);
        return -1;
    }
    /* files only: a directory would be mounted whole, hidden entries and all */
    if (stat(r, &st) < 0 || !S_ISREG(st.st_mode)) {
        snprintf(err, errlen, "cannot use %.200s: not a regular file (name the files one by one)", path);
        free(r);
        return -1;
    }
    if ((size_t)snprintf(real, reallen, "%s", r) >= reallen) {
        snprintf(err, errlen, "cannot use %.200s: the path is too long", path);
        free(r);
        return -1;
    }
    free(r);
    return 0;
}
