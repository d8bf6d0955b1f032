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
    static const char *const layouts[] = {
        "/..",                        /* build/ in a source tree */
        "/../..",                     /* build/asan/, build/tests/ */
        "/../share/sandboxrun",       /* PREFIX/bin/ of an installation, wherever it moved */
        "/../../share/sandboxrun",    /* PREFIX/libexec/sandboxrun/ */
    };
    const char *exe = sr_paths_exe_dir();
    char buf[5][PATH_MAX];
    const char *cands[5] = {NULL};

    for (size_t i = 0; exe && i < 4; i++) {
        snprintf(buf[i], sizeof buf[i], "%s%s/%s", exe, layouts[i], rel);
        cands[i] = buf[i];
    }
    snprintf(buf[4], sizeof buf[4], "%s/%s", SR_DATADIR, rel);
    cands[4] = buf[4];
    return first_existing(cands, 5, R_OK);
}

char *sr_paths_find_exe(const char *name, const char *libexecdir)
{
    const char *exe = sr_paths_exe_dir();
    char a[PATH_MAX], b[PATH_MAX], c[PATH_MAX], d[PATH_MAX];
    const char *cands[4] = {NULL, NULL, NULL, d};

    if (exe) {
        snprintf(a, sizeof a, "%s/%s", exe, name);
        snprintf(b, sizeof b, "%s/../%s", exe, name);                     /* build/tests/ -> build/ */
        snprintf(c, sizeof c, "%s/../libexec/sandboxrun/%s", exe, name);  /* PREFIX/bin/ */
        cands[0] = a;
        cands[1] = b;
        cands[2] = c;
    }
    snprintf(d, sizeof d, "%s/%s", libexecdir, name);
    return first_existing(cands, 4, X_OK);
}
