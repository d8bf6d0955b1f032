/* sb_cgroup — a cgroup per run for memory and process-count limits.
 *
 * cgroup v2 where its memory controller is available, else the v1 memory and
 * pids hierarchies, else nothing (the caller falls back to rlimits). Created
 * and filled by the supervisor before the worker starts; destroyed with
 * everything in it after the run. */
#ifndef SB_CGROUP_H
#define SB_CGROUP_H

#include <limits.h>
#include <sys/types.h>

enum sb_cg_kind { SB_CG_NONE, SB_CG_V1, SB_CG_V2 };

struct sb_cgroup {
    enum sb_cg_kind kind;
    char mem[PATH_MAX];    /* v2: the run's cgroup; v1: its memory cgroup */
    char pids[PATH_MAX];   /* v1: its pids cgroup ("" if none) */
};

/* Create the run's cgroup with the limits. Returns 0 when created, 1 when no
 * usable controller exists here (kind = SB_CG_NONE; use rlimits), -1 on a real
 * failure (logged). */
int sb_cgroup_create(struct sb_cgroup *cg, unsigned long mem_mb, unsigned long pids);
/* The run's cgroup v2 directory, opened for clone3(CLONE_INTO_CGROUP)
 * (close-on-exec; the caller closes it); -1 for cgroup v1 or none, or after
 * logging a failure. */
int sb_cgroup_dir_fd(const struct sb_cgroup *cg);
/* Move pid into the run's cgroup. */
int sb_cgroup_add(const struct sb_cgroup *cg, pid_t pid);
/* After the run: did the memory controller kill anything, peak usage in KiB,
 * and whether the pids limit was hit. */
void sb_cgroup_stats(const struct sb_cgroup *cg, int *oom_killed, unsigned long *peak_kb,
                     int *pids_hit);
/* Kill whatever is left in the cgroup and remove it. */
void sb_cgroup_destroy(struct sb_cgroup *cg);
/* "cgroup2", "cgroup1" or "rlimit". */
const char *sb_cgroup_kind_name(enum sb_cg_kind kind);

#endif
