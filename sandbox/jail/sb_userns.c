/* sb_userns.c — uid/gid maps for the worker's user namespace. */
#include "sb_userns.h"

#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <signal.h>
#include <linux/securebits.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/random.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/un.h>
#include <unistd.h>

#include "sr_io.h"
#include "sr_log.h"

#define NOBODY_ID 65534

/* Bind the abstract socket that stands for uid: the fd, or -1 (errno
 * EADDRINUSE: another run holds it). */
static int claim(uid_t uid)
{
    struct sockaddr_un a = {.sun_family = AF_UNIX};
    int fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0), n, err;

    if (fd < 0)
        return -1;
    n = snprintf(a.sun_path + 1, sizeof a.sun_path - 1, "sandboxrun-run-uid-%u", (unsigned)uid);
    if (bind(fd, (struct sockaddr *)&a, (socklen_t)(offsetof(struct sockaddr_un, sun_path) + 1 + (size_t)n)) < 0) {
        err = errno;
        close(fd);
        errno = err;
        return -1;
    }
    return fd;
}

/* Whether the whole run uid range exists in our own user namespace (not
 * so for root in a container whose namespace maps only 65536 uids). */
static int run_uids_mapped(void)
{
    unsigned long in, out, count;
    int ok = 0;
    FILE *f = fopen("/proc/self/uid_map", "re");

    while (f && !ok && fscanf(f, "%lu %lu %lu", &in, &out, &count) == 3)
        ok = in <= SB_RUN_UID_BASE && SB_RUN_UID_BASE + (unsigned long)SB_RUN_UID_COUNT <= in + count;
    if (f)
        fclose(f);
    return ok;
}

void sb_userns_pick_ids(struct sb_ids *ids)
{
    unsigned start = 0;

    ids->privileged = geteuid() == 0;
    ids->host_uid = ids->privileged ? NOBODY_ID : geteuid();
    ids->host_gid = ids->privileged ? NOBODY_ID : getegid();
    ids->claim_fd = -1;
    if (!ids->privileged || !run_uids_mapped())
        return;   /* as root without the range: nobody, shared by the runs, as the record says */
    (void)!getrandom(&start, sizeof start, 0);
    for (unsigned i = 0; i < SB_RUN_UID_COUNT; i++) {
        uid_t uid = SB_RUN_UID_BASE + (start + i) % SB_RUN_UID_COUNT;
        if ((ids->claim_fd = claim(uid)) >= 0) {
            ids->host_uid = uid;
            return;
        }
        if (errno != EADDRINUSE)
            break;
    }
    /* every name taken (by runs, or squatted by another local user): the
     * run is nobody, as before the run uids, and the record says so */
    SR_PLOG("claim a run uid in %u..%u", SB_RUN_UID_BASE, SB_RUN_UID_BASE + SB_RUN_UID_COUNT - 1);
}

void sb_userns_given_ids(struct sb_ids *ids, unsigned long host_uid)
{
    int run_uid = host_uid >= SB_RUN_UID_BASE && host_uid < SB_RUN_UID_BASE + SB_RUN_UID_COUNT;

    ids->privileged = geteuid() == 0;
    ids->host_uid = !ids->privileged ? geteuid() : run_uid ? (uid_t)host_uid : NOBODY_ID;
    ids->host_gid = ids->privileged ? NOBODY_ID : getegid();
    ids->claim_fd = -1;
}

void sb_userns_release(struct sb_ids *ids)
{
    if (ids->claim_fd >= 0)
        close(ids->claim_fd);
    ids->claim_fd = -1;
}

/* What a change of effective uid resets in the calling thread, which
 * creator_leave puts back: its parent-death signal and the process's
 * dumpable flag; and the parent it had, to tell whether it died meanwhile. */
static __thread int saved_pdeath, saved_dumpable;
static __thread pid_t saved_ppid;

/* raw calls: glibc's wrappers would change every thread of the process */
int sb_userns_creator_enter(const struct sb_ids *ids)
{
    long bits;

    if (!ids->privileged || ids->host_uid == NOBODY_ID)
        return 0;
    saved_pdeath = 0;
    (void)prctl(PR_GET_PDEATHSIG, &saved_pdeath);
    saved_dumpable = prctl(PR_GET_DUMPABLE, 0, 0, 0, 0);
    saved_ppid = getppid();
    bits = syscall(SYS_prctl, PR_GET_SECUREBITS, 0, 0, 0, 0);
    if (bits < 0 || syscall(SYS_prctl, PR_SET_SECUREBITS, bits | SECBIT_NO_SETUID_FIXUP, 0, 0, 0) < 0)
        return SR_PLOG("prctl(PR_SET_SECUREBITS, NO_SETUID_FIXUP)"), -1;
    if (syscall(SYS_setresuid, -1, ids->host_uid, -1) < 0) {
        SR_PLOG("setresuid(-1, %u, -1)", (unsigned)ids->host_uid);
        (void)syscall(SYS_prctl, PR_SET_SECUREBITS, bits, 0, 0, 0);
        return -1;
    }
    /* file access stays root's (as an owner, without capabilities in the
     * new namespace): the worker opens its inputs and scripts before it
     * becomes the run uid, as it did when root created the namespace */
    (void)syscall(SYS_setfsuid, 0);
    return 0;
}

void sb_userns_creator_leave(const struct sb_ids *ids)
{
    long bits;

    if (!ids->privileged || ids->host_uid == NOBODY_ID)
        return;
    if (syscall(SYS_setresuid, -1, 0, -1) < 0)
        SR_PLOG("setresuid(-1, 0, -1)");
    bits = syscall(SYS_prctl, PR_GET_SECUREBITS, 0, 0, 0, 0);
    if (bits >= 0)
        (void)syscall(SYS_prctl, PR_SET_SECUREBITS, bits & ~(long)SECBIT_NO_SETUID_FIXUP, 0, 0, 0);
    if (saved_dumpable >= 0)
        (void)prctl(PR_SET_DUMPABLE, saved_dumpable, 0, 0, 0);
    if (saved_pdeath) {
        (void)prctl(PR_SET_PDEATHSIG, saved_pdeath, 0, 0, 0);
        if (getppid() != saved_ppid)
            raise(saved_pdeath);   /* the parent died while the signal was unset */
    }
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
