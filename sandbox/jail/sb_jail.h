/* sb_jail — the worker's side: enter the jail, run the script, report.
 *
 * The supervisor clones this process into new user, pid, mount, net, ipc and
 * uts namespaces. It becomes pid 1 of its pid namespace ("init"): it enters the
 * jail in the order of ARCHITECTURE.md, hands its memory to the process that
 * runs the script and execs sandboxrun-init (sandbox/init/sb_init.c), which
 * reaps and reports the script's wait status. When init exits the kernel
 * kills everything left in the namespace. */
#ifndef SB_JAIL_H
#define SB_JAIL_H

#include "sb_seccomp.h"

#include "sb_fds.h"
#include "sb_limits.h"
#include "sb_mounts.h"
#include "sb_python.h"
#include "sb_userns.h"

struct sb_jail {
    struct sb_ids ids;
    struct sb_mount_cfg mounts;
    struct sb_fds_cfg fds;
    struct sb_limits_cfg limits;
    const struct sb_bpf *filter;   /* compiled once by the supervisor or the zygote */
    int cgroupns;              /* 0 only when weakened on purpose */
    struct sb_pyjob job;
    /* what the script's process does once the jail is entered: by default
     * sb_python_run(&job); a session runner reads requests from SB_FD_CTL */
    int (*runner)(struct sb_jail *j);
};

/* Jail entry, one call per step, in order. 0, or -1 after the failing step
 * logged why (the log goes to the supervisor). */
int sb_jail_enter(struct sb_jail *j, int *notify_fd);
/* clone the worker with flags (namespaces, CLONE_PARENT; SIGCHLD is added),
 * its user namespace created by ids' run uid (sb_userns_creator_enter):
 * straight into the cgroup behind cgroup_fd when there is one (clone3 with
 * CLONE_INTO_CGROUP: born inside it, so it never runs outside its limits
 * and is never moved; moving a process with a large address space takes the
 * cgroup's write lock, an RCU grace period, ~12 ms here). *in_cgroup says
 * whether that was done; if not (no fd, or an older kernel), the caller
 * moves it with sb_cgroup_add. Returns as fork does. */
pid_t sb_jail_clone(unsigned long flags, const struct sb_ids *ids, int cgroup_fd, int *in_cgroup);
/* Open sandboxrun-init (beside our binary) O_PATH, close-on-exec, for
 * fds.fd[SB_FD_INIT]; -1 after logging. */
int sb_jail_open_init(void);
/* The body of the cloned child. Never returns. */
__attribute__((noreturn)) void sb_jail_init_main(struct sb_jail *j);

#endif
