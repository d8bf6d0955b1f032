/* sb_limits.c — rlimits of the worker. */
#include "sb_limits.h"

#include <errno.h>
#include <stdio.h>
#include <sys/resource.h>

#include "sr_io.h"
#include "sr_log.h"

#define MB (1024UL * 1024UL)
#define SB_LIMITS_SIGPENDING 256   /* signals queued at once, per run */

static int set_limit(int res, const char *name, rlim_t soft, rlim_t hard)
{
    struct rlimit rl = {.rlim_cur = soft, .rlim_max = hard};

    if (setrlimit(res, &rl) < 0) {
        SR_PLOG("setrlimit(%s, %llu)", name, (unsigned long long)soft);
        return -1;
    }
    return 0;
}

int sb_limits_apply(const struct sb_limits_cfg *c)
{
    int rc = 0;

    rc |= set_limit(RLIMIT_CORE, "RLIMIT_CORE", 0, 0);   /* no core files of a jailed process */
    rc |= set_limit(RLIMIT_MEMLOCK, "RLIMIT_MEMLOCK", 64 * 1024, 64 * 1024);
    rc |= set_limit(RLIMIT_MSGQUEUE, "RLIMIT_MSGQUEUE", 0, 0);
    /* queued signals are charged to the namespace creator too: without this a
     * run takes the whole of host root's (or the caller's) quota, and the
     * host's own sigqueue fails with EAGAIN */
    rc |= set_limit(RLIMIT_SIGPENDING, "RLIMIT_SIGPENDING", SB_LIMITS_SIGPENDING, SB_LIMITS_SIGPENDING);
    rc |= set_limit(RLIMIT_NOFILE, "RLIMIT_NOFILE", c->nofile, c->nofile);
    if (c->fsize_mb)
        rc |= set_limit(RLIMIT_FSIZE, "RLIMIT_FSIZE", c->fsize_mb * MB, c->fsize_mb * MB);
    /* SIGXCPU at the soft limit, SIGKILL one second later */
    if (c->cpu_s)
        rc |= set_limit(RLIMIT_CPU, "RLIMIT_CPU", c->cpu_s, c->cpu_s + 1);
    /* Without a cgroup: RLIMIT_DATA misses shared memory (MAP_SHARED|MAP_ANONYMOUS,
     * SysV shm), so the address space is capped too, with 512 MiB of room for
     * the libraries' code and read-only mappings (numpy+sklearn need ~150). */
    if (c->data_mb) {
        rc |= set_limit(RLIMIT_DATA, "RLIMIT_DATA", c->data_mb * MB, c->data_mb * MB);
#if !defined(__SANITIZE_ADDRESS__)   /* ASan's shadow alone is terabytes of address space */
        rc |= set_limit(RLIMIT_AS, "RLIMIT_AS", (c->data_mb + 512) * MB, (c->data_mb + 512) * MB);
#endif
    }
    if (c->nproc)
        rc |= set_limit(RLIMIT_NPROC, "RLIMIT_NPROC", c->nproc, c->nproc);
    return rc ? -1 : 0;
}

/* The user namespace's quotas: a new namespace starts with INT_MAX for each,
 * so only the host-wide count (e.g. 128 inotify instances per user) would
 * stop a run, after it took them all from its creator and every other run. */
static const struct { const char *name; const char *value; } quotas[] = {
    {"max_inotify_instances", "8"},     /* the host's default is 128 per user, for all its runs and itself */
    {"max_inotify_watches", "8192"},
    {"max_fanotify_groups", "0"},       /* fanotify needs CAP_SYS_ADMIN in the initial namespace anyway */
    {"max_fanotify_marks", "0"},
    /* the jail's own namespaces exist already; the script may make none
     * (seccomp kills the calls; this holds even if a call slipped past).
     * Not max_mnt_namespaces: the jail's own open_tree clones count as mount
     * namespaces while it builds the root, after this */
    {"max_user_namespaces", "0"},
    {"max_pid_namespaces", "0"},
    {"max_ipc_namespaces", "0"},
    {"max_net_namespaces", "0"},
    {"max_uts_namespaces", "0"},
    {"max_cgroup_namespaces", "0"},
    {"max_time_namespaces", "0"},
};

int sb_limits_userns_quotas(void)
{
    char path[64];

    for (size_t i = 0; i < sizeof quotas / sizeof quotas[0]; i++) {
        snprintf(path, sizeof path, "/proc/sys/user/%s", quotas[i].name);
        /* ENOENT: an older kernel without this counter */
        if (sr_write_file(path, 0, quotas[i].value) < 0 && errno != ENOENT)
            return SR_PLOG("write %s", path), -1;
    }
    return 0;
}
