/* sb_userns — who the worker is, inside and outside its user namespace.
 *
 * The worker is always an unprivileged uid inside (1000, "sandbox"). Run by an
 * ordinary user it maps to that user. Run by root it maps to a uid of its
 * own, claimed for the run from SB_RUN_UID_BASE.. (owning nothing on the
 * host, so even a namespace escape lands with no privilege), and that uid,
 * not root, creates the run's user namespace: the per-user kernel quotas
 * (ucounts: inotify instances, queued signals, namespaces) the run uses are
 * then charged to it, so no run takes them from root or from another run. */
#ifndef SB_USERNS_H
#define SB_USERNS_H

#include <sys/types.h>

#define SB_INNER_UID 1000
#define SB_INNER_GID 1000

/* the run uids (root mode): a range systemd leaves unused (UIDS-GIDS.md,
 * 0x70000000..0x7FFDFFFF), one per concurrent run on the host */
#define SB_RUN_UID_BASE 0x70000000u
#define SB_RUN_UID_COUNT 65536u

struct sb_ids {
    uid_t host_uid;
    gid_t host_gid;
    int privileged;      /* the supervisor is root: may drop supplementary groups */
    int claim_fd;        /* holds host_uid for this run (root mode), or -1 */
};

/* Pick the host ids the worker will map to, from the supervisor's own; as
 * root, claim a run uid no other run on the host holds (an abstract socket
 * named after it, bound while the run lasts: released when claim_fd is
 * closed, or the holder dies). Where our user namespace lacks the range
 * (root in a container), or no uid of it is free, nobody, as before: then
 * claim_fd is -1 and host_uid 65534. */
void sb_userns_pick_ids(struct sb_ids *ids);
/* The ids for a uid another process claimed (the daemon, for a zygote's
 * worker): as root only a run uid is taken, anything else is nobody. */
void sb_userns_given_ids(struct sb_ids *ids, unsigned long host_uid);
/* Release the run uid (after every process of the run is gone). */
void sb_userns_release(struct sb_ids *ids);
/* Around clone(CLONE_NEWUSER) in the calling thread only: become the run
 * uid as effective uid (keeping the capabilities, so a clone into a cgroup
 * still works, and root's file-system uid, so the worker opens its sources
 * as before), so that it owns the namespace; then back, with the thread's
 * parent-death signal and the dumpable flag, which the change resets, put
 * back. No-ops unless privileged. 0 or -1 (logged). */
int sb_userns_creator_enter(const struct sb_ids *ids);
void sb_userns_creator_leave(const struct sb_ids *ids);
/* Parent side: write setgroups/uid_map/gid_map of the child pid. 0 or -1 (logged). */
int sb_userns_write_maps(pid_t pid, const struct sb_ids *ids);
/* Child side, after the maps exist: become SB_INNER_UID/GID and drop
 * supplementary groups where the kernel lets us. Keeps capabilities for the
 * rest of the jail set-up. 0 or -1 (logged). */
int sb_userns_become(const struct sb_ids *ids);

#endif
