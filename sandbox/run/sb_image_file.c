/* sb_image_file.c — the image's file: a read-only huge-page tmpfs, or a sealed memfd (sb_image_file.h). */
#include "sb_image_file.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include "sb_chan.h"
#include "sr_io.h"

#define HELPER_MS 5000   /* each answer of the helper within this, or the tmpfs is given up */

/* The helper's reply to a step: SB_MSG_READY and maybe an fd, or SB_MSG_ERROR and an errno. */
static void reply(int sock, int err, int fd)
{
    if (err)
        sb_chan_send(sock, SB_MSG_ERROR, &err, sizeof err, NULL, 0);
    else
        sb_chan_send(sock, SB_MSG_READY, NULL, 0, fd >= 0 ? &fd : NULL, fd >= 0 ? 1 : 0);
}

/* Into a user and mount namespace of our own, where we are root over both:
 * the zygote's ids map to ours, so the files it makes there are its. */
static int own_namespaces(uid_t uid, gid_t gid)
{
    char map[64];

    if (unshare(CLONE_NEWUSER | CLONE_NEWNS) < 0 || sr_write_file("/proc/self/setgroups", 0, "deny") < 0)
        return -1;
    snprintf(map, sizeof map, "0 %u 1\n", (unsigned)uid);
    if (sr_write_file("/proc/self/uid_map", 0, map) < 0)
        return -1;
    snprintf(map, sizeof map, "0 %u 1\n", (unsigned)gid);
    return sr_write_file("/proc/self/gid_map", 0, map);
}

/* A detached tmpfs that backs its files with huge pages; its mount fd, or -1. */
static int huge_tmpfs(void)
{
    SR_AUTOCLOSE int fs = fsopen("tmpfs", FSOPEN_CLOEXEC);   /* sr_closep keeps errno */

    if (fs >= 0 && fsconfig(fs, FSCONFIG_SET_STRING, "huge", "always", 0) == 0 &&
        fsconfig(fs, FSCONFIG_SET_STRING, "mode", "0700", 0) == 0 &&
        fsconfig(fs, FSCONFIG_SET_STRING, "nr_inodes", "8", 0) == 0 &&
        fsconfig(fs, FSCONFIG_CMD_CREATE, NULL, NULL, 0) == 0)
        return fsmount(fs, FSMOUNT_CLOEXEC, MOUNT_ATTR_NOSUID | MOUNT_ATTR_NODEV);
    return -1;
}

/* The whole file system behind mnt read-only (a reconfiguration, which
 * needs CAP_SYS_ADMIN over our mount namespace: hence the helper). */
static int read_only(int mnt)
{
    SR_AUTOCLOSE int fs = fspick(mnt, "", FSPICK_EMPTY_PATH | FSPICK_CLOEXEC);

    return fs >= 0 && fsconfig(fs, FSCONFIG_SET_FLAG, "ro", NULL, 0) == 0 &&
                   fsconfig(fs, FSCONFIG_CMD_RECONFIGURE, NULL, NULL, 0) == 0
               ? 0
               : -1;
}

/* The helper: make the tmpfs and send its mount; on the zygote's word (or
 * its hang-up) make it read-only, answer, and exit. Never returns. */
static void helper_main(int sock, uid_t uid, gid_t gid)
{
    int mnt = -1, type = 0;
    char byte;

    prctl(PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0);
    if (own_namespaces(uid, gid) < 0 || (mnt = huge_tmpfs()) < 0) {
        reply(sock, errno ? errno : EIO, -1);
        _exit(1);
    }
    reply(sock, 0, mnt);
    (void)sb_chan_recv(sock, &type, &byte, sizeof byte, NULL, NULL);
    if (type == SB_MSG_GO)
        reply(sock, read_only(mnt) < 0 ? errno : 0, -1);
    _exit(0);
}

/* Wait for the helper's answer (and its fd, if fd): 0, or -1 with errno. */
static int helper_answer(const struct sb_image_file *f, int *fd)
{
    struct pollfd pf = {.fd = f->helper_sock, .events = POLLIN};
    int type = 0, err = EIO, nfds = fd ? 1 : 0, rc;
    ssize_t n;

    while ((rc = poll(&pf, 1, HELPER_MS)) < 0 && errno == EINTR)
        ;
    if (rc <= 0)
        return errno = rc == 0 ? ETIMEDOUT : errno, -1;
    n = sb_chan_recv(f->helper_sock, &type, &err, sizeof err, fd, &nfds);
    if (n >= 0 && type == SB_MSG_READY && (!fd || nfds == 1))
        return 0;
    if (fd && nfds == 1)
        close(*fd);
    return errno = type == SB_MSG_ERROR && n == sizeof err ? err : EPROTO, -1;
}

/* End the helper (asked or not) and reap it. */
static void helper_end(struct sb_image_file *f)
{
    if (f->helper_sock >= 0)
        close(f->helper_sock);
    if (f->helper > 0) {
        kill(f->helper, SIGKILL);
        while (waitpid(f->helper, NULL, 0) < 0 && errno == EINTR)
            ;
    }
    f->helper_sock = -1;
    f->helper = -1;
}

/* The tmpfs file, opened for writing and for reading: 0, or -1 (errno). */
static int open_tmpfs(struct sb_image_file *f)
{
    int sv[2], mnt = -1, err;

    if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv) < 0)
        return -1;
    f->helper = _Fork();
    if (f->helper == 0) {
        close(sv[0]);
        helper_main(sv[1], geteuid(), getegid());
    }
    close(sv[1]);
    f->helper_sock = sv[0];
    if (f->helper < 0 || helper_answer(f, &mnt) < 0)
        return -1;
    f->wfd = openat(mnt, SB_IMAGE_NAME, O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, 0400);
    f->rfd = f->wfd >= 0 ? openat(mnt, SB_IMAGE_NAME, O_RDONLY | O_CLOEXEC) : -1;
    err = errno;
    close(mnt);
    errno = err;
    return f->rfd >= 0 ? 0 : -1;
}

int sb_image_file_open(struct sb_image_file *f)
{
    *f = (struct sb_image_file){.kind = SB_IMAGE_TMPFS, .wfd = -1, .rfd = -1, .helper_sock = -1, .helper = -1};
    if (open_tmpfs(f) == 0)
        return 0;
    f->why = errno;
    if (f->wfd >= 0)
        close(f->wfd);
    if (f->rfd >= 0)
        close(f->rfd);
    helper_end(f);
    f->kind = SB_IMAGE_MEMFD;
    f->wfd = f->rfd = memfd_create(SB_IMAGE_NAME, MFD_CLOEXEC | MFD_ALLOW_SEALING);
    return f->wfd >= 0 ? 0 : -1;
}

int sb_image_file_seal(struct sb_image_file *f)
{
    int rc = -1, err = 0;

    if (f->kind == SB_IMAGE_MEMFD) {
        rc = fcntl(f->wfd, F_ADD_SEALS, F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_WRITE | F_SEAL_SEAL);
    } else {
        close(f->wfd);   /* a writer left would keep the file system writable */
        rc = sb_chan_send(f->helper_sock, SB_MSG_GO, NULL, 0, NULL, 0) < 0 ? -1 : helper_answer(f, NULL);
    }
    err = rc < 0 ? errno : 0;
    close(f->rfd);   /* a memfd's rfd is its wfd */
    helper_end(f);
    f->wfd = f->rfd = -1;
    errno = err;
    return rc;
}
