/* sb_userns — who the worker is, inside and outside its user namespace.
 *
 * The worker is always an unprivileged uid inside (1000, "sandbox"). Run by an
 * ordinary user it maps to that user; run by root it maps to nobody (65534),
 * so even a namespace escape lands with no privilege. */
#ifndef SB_USERNS_H
#define SB_USERNS_H

#include <sys/types.h>

#define SB_INNER_UID 1000
#define SB_INNER_GID 1000

struct sb_ids {
    uid_t host_uid;
    gid_t host_gid;
    int privileged;      /* the supervisor is root: may drop supplementary groups */
};

/* Pick the host ids the worker will map to, from the supervisor's own. */
void sb_userns_pick_ids(struct sb_ids *ids);
/* Parent side: write setgroups/uid_map/gid_map of the child pid. 0 or -1 (logged). */
int sb_userns_write_maps(pid_t pid, const struct sb_ids *ids);
/* Child side, after the maps exist: become SB_INNER_UID/GID and drop
 * supplementary groups where the kernel lets us. Keeps capabilities for the
 * rest of the jail set-up. 0 or -1 (logged). */
int sb_userns_become(const struct sb_ids *ids);

#endif
