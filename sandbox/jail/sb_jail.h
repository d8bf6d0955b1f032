/* sb_jail — the worker's side: enter the jail, run the script, report.
 *
 * The supervisor clones this process into new user, pid, mount, net, ipc and
 * uts namespaces. It becomes pid 1 of its pid namespace ("init"): it enters the
 * jail in the order of ARCHITECTURE.md, forks the process that runs the
 * script, reaps, and reports the script's wait status. When init exits the
 * kernel kills everything left in the namespace. */
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
/* The body of the cloned child. Never returns. */
__attribute__((noreturn)) void sb_jail_init_main(struct sb_jail *j);

#endif
