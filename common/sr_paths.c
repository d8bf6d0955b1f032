/* sr_paths.c — locate policies, scripts and the supervisor binary. */
#include "sr_paths.h"

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#ifndef SR_DATADIR
#define SR_DATADIR "/usr/local/share/sandboxrun"
#endif

const char *sr_paths_exe_dir(void)
{
    static char dir[PATH_MAX];
    ssize_t n;
    char *slash;

    if (dir[0])
        return dir;
    n = readlink("/proc/self/exe", dir, sizeof dir - 1);
    if (n <= 0)
        return NULL;
    dir[n] = '\0';
    slash = strrchr(dir, '/');
    if (!slash)
        return dir[0] = '\0', NULL;
    *slash = '\0';
    return dir;
}

static char *first_existing(const char *const *cands, size_t n, int mode)
{
    char *real;

    for (size_t i = 0; i < n; i++) {
        if (cands[i] && access(cands[i], mode) == 0) {
            real = realpath(cands[i], NULL);
            if (real)
                return real;
        }
    }
    return NULL;
}

char *sr_paths_find(const char *rel)
{
    const char *exe = sr_paths_exe_dir();
    char a[PATH_MAX], b[PATH_MAX], c[PATH_MAX], d[PATH_MAX];
    const char *cands[4] = {NULL, NULL, NULL, d};

    if (exe) {
        snprintf(a, sizeof a, "%s/../%s", exe, rel);      /* build/ */
        snprintf(b, sizeof b, "%s/../../%s", exe, rel);   /* build/asan/ and build/tests/ */
        snprintf(c, sizeof c, "%s/%s", exe, rel);
        cands[0] = a;
        cands[1] = b;
        cands[2] = c;
    }
    snprintf(d, sizeof d, "%s/%s", SR_DATADIR, rel);
    return first_existing(cands, 4, R_OK);
}

char *sr_paths_find_exe(const char *name, const char *libexecdir)
{
    const char *exe = sr_paths_exe_dir();
    char a[PATH_MAX], b[PATH_MAX], c[PATH_MAX];
    const char *cands[3] = {NULL, NULL, c};

    if (exe) {
        snprintf(a, sizeof a, "%s/%s", exe, name);
        snprintf(b, sizeof b, "%s/../%s", exe, name);   /* build/tests/ -> build/ */
        cands[0] = a;
        cands[1] = b;
    }
    snprintf(c, sizeof c, "%s/%s", libexecdir, name);
    return first_existing(cands, 3, X_OK);
}
