/* sb_limits.c — rlimits of the worker. */
#include "sb_limits.h"

#include <sys/resource.h>

#include "sr_log.h"

#define MB (1024UL * 1024UL)

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
