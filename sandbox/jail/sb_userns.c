/* sb_userns.c — uid/gid maps for the worker's user namespace. */
#include "sb_userns.h"

#include <fcntl.h>
#include <grp.h>
#include <stdio.h>
#include <string.h>
#include <sys/prctl.h>
#include <unistd.h>

#include "sr_io.h"
#include "sr_log.h"

#define NOBODY_ID 65534

void sb_userns_pick_ids(struct sb_ids *ids)
{
    ids->privileged = geteuid() == 0;
    ids->host_uid = ids->privileged ? NOBODY_ID : geteuid();
    ids->host_gid = ids->privileged ? NOBODY_ID : getegid();
}

static int write_proc(pid_t pid, const char *file, const char *text)
{
    char path[64];

    snprintf(path, sizeof path, "/proc/%d/%s", (int)pid, file);
    if (sr_write_file(path, 0, text) < 0)
        return SR_PLOG("write %s", path), -1;
    return 0;
}

int sb_userns_write_maps(pid_t pid, const struct sb_ids *ids)
{
    char map[64];

    /* an unprivileged writer must give up setgroups before mapping gids */
    if (!ids->privileged && write_proc(pid, "setgroups", "deny") < 0)
        return -1;
    snprintf(map, sizeof map, "%d %d 1\n", SB_INNER_UID, (int)ids->host_uid);
    if (write_proc(pid, "uid_map", map) < 0)
        return -1;
    snprintf(map, sizeof map, "%d %d 1\n", SB_INNER_GID, (int)ids->host_gid);
    return write_proc(pid, "gid_map", map);
}

int sb_userns_become(const struct sb_ids *ids)
{
    if (prctl(PR_SET_KEEPCAPS, 1, 0, 0, 0) < 0) {
        SR_PLOG("prctl(PR_SET_KEEPCAPS)");
        return -1;
    }
    if (setresgid(SB_INNER_GID, SB_INNER_GID, SB_INNER_GID) < 0) {
        SR_PLOG("setresgid(%d)", SB_INNER_GID);
        return -1;
    }
    /* root's supplementary groups would still open group-readable host files */
    if (ids->privileged && setgroups(0, NULL) < 0) {
        SR_PLOG("setgroups(0)");
        return -1;
    }
    if (setresuid(SB_INNER_UID, SB_INNER_UID, SB_INNER_UID) < 0) {
        SR_PLOG("setresuid(%d)", SB_INNER_UID);
        return -1;
    }
    return 0;
}
