/* sb_fds.c — session, descriptor table and environment of the worker. */
#include "sb_fds.h"

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "sb_phase.h"
#include "sr_log.h"

#define PARK_FD 64   /* descriptors are parked above this while being renumbered */

/* The environment the script sees; nothing of the caller's leaks in. The
 * request's own variables (--env) are added by the runner when it runs the
 * request (sb_python_environ), under common/sr_env.h's rule, which refuses
 * every name set here. */
static const char *const fixed_env[][2] = {
    {"PATH", "/usr/local/bin:/usr/bin:/bin"},
    {"HOME", "/tmp"},
    {"TMPDIR", "/tmp"},
    {"LANG", "C.UTF-8"},
    {"LC_ALL", "C.UTF-8"},
    {"TZ", "UTC"},
    {"USER", "sandbox"},
    {"LOGNAME", "sandbox"},
    {"MPLBACKEND", "Agg"},
    {"MPLCONFIGDIR", "/tmp"},
    {"SANDBOXRUN_OUT", "/out"},
    {"PYTHONDONTWRITEBYTECODE", "1"},
};
static const char *const thread_vars[] = {
    "OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS", "NUMEXPR_NUM_THREADS",
};

static int reset_env(unsigned long threads)
{
    char n[24];

    if (clearenv() != 0)
        return SR_LOG("clearenv failed"), -1;
    for (size_t i = 0; i < sizeof fixed_env / sizeof *fixed_env; i++)
        if (setenv(fixed_env[i][0], fixed_env[i][1], 1) < 0)
            return SR_PLOG("setenv(%s)", fixed_env[i][0]), -1;
    snprintf(n, sizeof n, "%lu", threads ? threads : 1);
    for (size_t i = 0; i < sizeof thread_vars / sizeof *thread_vars; i++)
        if (setenv(thread_vars[i], n, 1) < 0)
            return SR_PLOG("setenv(%s)", thread_vars[i]), -1;
    return 0;
}

/* Renumber fds[i] to i for every i, whatever overlaps there are. */
static int renumber(const int *fds, int n)
{
    int parked[SB_FD_COUNT];

    for (int i = 0; i < n; i++) {
        parked[i] = fcntl(fds[i], F_DUPFD_CLOEXEC, PARK_FD);
        if (parked[i] < 0)
            return SR_PLOG("fcntl(%d, F_DUPFD)", fds[i]), -1;
    }
    for (int i = 0; i < n; i++) {
        if (dup2(parked[i], i) < 0)
            return SR_PLOG("dup2(%d, %d)", parked[i], i), -1;
    }
    return 0;
}

int sb_fds_setup(const struct sb_fds_cfg *cfg)
{
    if (setsid() < 0)
        return SR_PLOG("setsid"), -1;
    if (renumber(cfg->fd, SB_FD_COUNT) < 0)
        return -1;
#ifdef SB_PHASES
    /* the profiling build's log stays open: never in a normal build */
    if (close_range(SB_FD_COUNT, SB_PHASE_FD - 1, 0) < 0 || close_range(SB_PHASE_FD + 1, ~0U, 0) < 0)
        return SR_PLOG("close_range(%d, ~0)", SB_FD_COUNT), -1;
#else
    if (close_range(SB_FD_COUNT, ~0U, 0) < 0)
        return SR_PLOG("close_range(%d, ~0)", SB_FD_COUNT), -1;
#endif
    return reset_env(cfg->threads);
}
