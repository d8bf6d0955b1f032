/* sb_chan.c — typed messages with descriptors over a SOCK_SEQPACKET pair. */
#include "sb_chan.h"

#include <errno.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

int sb_chan_send(int sock, enum sb_msg type, const void *data, size_t len, const int *fds, int nfds)
{
    char buf[1 + SB_CHAN_MAX_PAYLOAD];
    union { char b[CMSG_SPACE(sizeof(int) * SB_CHAN_MAX_FDS)]; struct cmsghdr align; } ctl;
    struct iovec iov = {.iov_base = buf, .iov_len = 1 + len};
    struct msghdr mh = {.msg_iov = &iov, .msg_iovlen = 1};
    ssize_t w;

    if (len > SB_CHAN_MAX_PAYLOAD || nfds > SB_CHAN_MAX_FDS) {
        errno = EMSGSIZE;
        return -1;
    }
    buf[0] = (char)type;
    if (len)
        memcpy(buf + 1, data, len);
    if (nfds > 0) {
        struct cmsghdr *c;
        memset(&ctl, 0, sizeof ctl);
        mh.msg_control = ctl.b;
        mh.msg_controllen = CMSG_SPACE(sizeof(int) * (size_t)nfds);
        c = CMSG_FIRSTHDR(&mh);
        c->cmsg_level = SOL_SOCKET;
        c->cmsg_type = SCM_RIGHTS;
        c->cmsg_len = CMSG_LEN(sizeof(int) * (size_t)nfds);
        memcpy(CMSG_DATA(c), fds, sizeof(int) * (size_t)nfds);
    }
    do
        w = sendmsg(sock, &mh, MSG_NOSIGNAL);
    while (w < 0 && errno == EINTR);
    return w < 0 ? -1 : 0;
}

/* Take the SCM_RIGHTS fds out of mh: keep up to max, close the rest. */
static int take_fds(struct msghdr *mh, int *fds, int max, int keep)
{
    int n = 0;

    for (struct cmsghdr *c = CMSG_FIRSTHDR(mh); c; c = CMSG_NXTHDR(mh, c)) {
        size_t cnt;
        if (c->cmsg_level != SOL_SOCKET || c->cmsg_type != SCM_RIGHTS)
            continue;
        cnt = (c->cmsg_len - CMSG_LEN(0)) / sizeof(int);
        for (size_t i = 0; i < cnt; i++) {
            int fd;
            memcpy(&fd, CMSG_DATA(c) + i * sizeof(int), sizeof fd);
            if (keep && n < max)
                fds[n++] = fd;
            else
                close(fd);
        }
    }
    return n;
}

/* The sender's pid from an SCM_CREDENTIALS message in mh, or 0. */
static pid_t sender_of(struct msghdr *mh)
{
    struct ucred uc;

    for (struct cmsghdr *c = CMSG_FIRSTHDR(mh); c; c = CMSG_NXTHDR(mh, c)) {
        if (c->cmsg_level == SOL_SOCKET && c->cmsg_type == SCM_CREDENTIALS && c->cmsg_len >= CMSG_LEN(sizeof uc)) {
            memcpy(&uc, CMSG_DATA(c), sizeof uc);
            return uc.pid;
        }
    }
    return 0;
}

ssize_t sb_chan_recv_from(int sock, int *type, void *data, size_t cap, int *fds, int *nfds, pid_t *sender)
{
    char buf[1 + SB_CHAN_MAX_PAYLOAD];
    union {
        char b[CMSG_SPACE(sizeof(int) * SB_CHAN_MAX_FDS) + CMSG_SPACE(sizeof(struct ucred))];
        struct cmsghdr align;
    } ctl;
    struct iovec iov = {.iov_base = buf, .iov_len = sizeof buf};
    struct msghdr mh = {.msg_iov = &iov, .msg_iovlen = 1, .msg_control = ctl.b,
                        .msg_controllen = sizeof ctl.b};
    int max = nfds ? *nfds : 0, bad;
    ssize_t r;

    if (nfds)
        *nfds = 0;
    if (sender)
        *sender = 0;
    *type = 0;
    do
        r = recvmsg(sock, &mh, MSG_CMSG_CLOEXEC);
    while (r < 0 && errno == EINTR);
    if (r <= 0)
        return r;
    bad = (mh.msg_flags & (MSG_TRUNC | MSG_CTRUNC)) != 0;
    max = take_fds(&mh, fds, max, !bad);
    if (nfds)
        *nfds = max;
    if (bad) {
        errno = EMSGSIZE;
        return -1;
    }
    if (sender)
        *sender = sender_of(&mh);
    *type = (unsigned char)buf[0];
    r -= 1;
    if ((size_t)r > cap)
        r = (ssize_t)cap;
    memcpy(data, buf + 1, (size_t)r);
    return r;
}

ssize_t sb_chan_recv(int sock, int *type, void *data, size_t cap, int *fds, int *nfds)
{
    return sb_chan_recv_from(sock, type, data, cap, fds, nfds, NULL);
}
