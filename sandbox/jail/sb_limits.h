/* sb_limits — resource limits set inside the jail (rlimits).
 * Memory and process counts are enforced by cgroups where the supervisor could
 * create one (sb_cgroup); the rlimit fallbacks are applied here otherwise. */
#ifndef SB_LIMITS_H
#define SB_LIMITS_H

struct sb_limits_cfg {
    unsigned long cpu_s;         /* RLIMIT_CPU per process, 0 = none */
    unsigned long data_mb;       /* RLIMIT_DATA fallback for memory, 0 = none */
    unsigned long nproc;         /* RLIMIT_NPROC fallback for pids, 0 = none */
    unsigned long fsize_mb;      /* largest file that can be written */
    unsigned long nofile;        /* open files */
};

/* Apply the limits to the calling process (inherited by its children). */
int sb_limits_apply(const struct sb_limits_cfg *cfg);
/* Cap what the run may charge to the per-user kernel counters (ucounts) of
 * the user who created its user namespace (host root, or the caller): the
 * namespace's own /proc/sys/user/max_* limits, written from inside it while
 * it still has CAP_SYS_RESOURCE there. 0, or -1 after logging. */
int sb_limits_userns_quotas(void);

#endif
