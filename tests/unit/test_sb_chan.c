/* Unit tests: sandbox/jail/sb_chan, the typed messages between the daemon,
 * its zygote, the workers and their init — fds passed whole or closed, and
 * the sender's pid from the kernel (a zygote's worker answers with it). */
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "sb_chan.h"
#include "tap.h"

static int pair(int passcred, int sv[2])
{
    if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv) < 0)
        return -1;
    return passcred ? setsockopt(sv[0], SOL_SOCKET, SO_PASSCRED, &(int){1}, sizeof(int)) : 0;
}

/* How many fds this process has open. */
static int open_fds(void)
{
    int n = 0;
    for (int fd = 0; fd < 1024; fd++)
        n += fcntl(fd, F_GETFD) >= 0;
    return n;
}

/* Whether fd is open, and close-on-exec. */
static int open_cloexec(int fd)
{
    int fl = fcntl(fd, F_GETFD);
    return fl >= 0 && (fl & FD_CLOEXEC);
}

static void fds_whole_or_closed(void)
{
    int sv[2], p[2], got[2] = {-1, -1}, n = 2, type, before;
    char buf[16];
    ssize_t len;

    if (pair(0, sv) < 0 || pipe(p) < 0) {
        ok(0, "socketpair and pipe: %s", strerror(errno));
        return;
    }
    ok(sb_chan_send(sv[1], SB_MSG_SPAWN, "abc", 3, p, 2) == 0, "a message with two fds is sent");
    len = sb_chan_recv(sv[0], &type, buf, sizeof buf, got, &n);
    ok(len == 3 && type == SB_MSG_SPAWN && memcmp(buf, "abc", 3) == 0 && n == 2 && open_cloexec(got[0]) &&
       open_cloexec(got[1]), "it arrives with its type, payload and both fds, close-on-exec");
    close(got[0]);
    close(got[1]);
    n = 1;
    got[1] = -1;
    sb_chan_send(sv[1], SB_MSG_SPAWN, NULL, 0, p, 2);
    before = open_fds();
    len = sb_chan_recv(sv[0], &type, buf, sizeof buf, got, &n);
    ok(len == 0 && type == SB_MSG_SPAWN && n == 1 && open_cloexec(got[0]) && open_fds() == before + 1,
       "a receiver with room for one fd keeps the first (the other is closed)");
    close(got[0]);
    ok(sb_chan_send(sv[1], SB_MSG_ERROR, buf, SB_CHAN_MAX_PAYLOAD + 1, NULL, 0) < 0 && errno == EMSGSIZE,
       "a payload over the cap is refused with EMSGSIZE, nothing sent");
    sb_chan_send(sv[1], SB_MSG_ERROR, "0123456789abcdefXYZ", 19, NULL, 0);
    len = sb_chan_recv(sv[0], &type, buf, sizeof buf, NULL, NULL);
    ok(len == (ssize_t)sizeof buf && memcmp(buf, "0123456789abcdef", 16) == 0,
       "a payload over the receiver's room is cut at its room");
    close(sv[1]);
    len = sb_chan_recv(sv[0], &type, buf, sizeof buf, NULL, NULL);
    ok(len == 0 && type == 0, "EOF: 0 bytes, type 0");
    close(sv[0]);
    close(p[0]);
    close(p[1]);
}

/* A child sends one message; the pid the receiver reads with it. */
static pid_t sender_of_child(int passcred, unsigned long ns_flags, pid_t *child)
{
    int sv[2], type;
    char buf[8];
    pid_t from = -1;

    *child = -1;
    if (pair(passcred, sv) < 0)
        return -1;
    *child = (pid_t)syscall(SYS_clone, ns_flags | SIGCHLD, NULL, NULL, NULL, 0);
    if (*child == 0) {
        int one = getpid() == 1;
        _exit(sb_chan_send(sv[1], SB_MSG_PID, &one, sizeof one, NULL, 0) == 0 ? 0 : 1);
    }
    close(sv[1]);
    if (*child > 0 && sb_chan_recv_from(sv[0], &type, buf, sizeof buf, NULL, NULL, &from) != sizeof(int))
        from = -1;
    if (*child > 0 && ns_flags && from > 0) {
        int one;
        memcpy(&one, buf, sizeof one);
        if (!one)
            from = -2;   /* the child was not pid 1 of a namespace of its own */
    }
    close(sv[0]);
    if (*child > 0)
        waitpid(*child, NULL, 0);
    return from;
}

static void sender_pid(void)
{
    pid_t child, from;

    from = sender_of_child(1, 0, &child);
    ok(child > 0 && from == child, "with SO_PASSCRED, the receiver reads the sender's pid (%d, forked %d)",
       (int)from, (int)child);
    from = sender_of_child(0, 0, &child);
    ok(child > 0 && from == 0, "without it, the pid is 0: none is made up (%d)", (int)from);
    from = sender_of_child(1, CLONE_NEWUSER | CLONE_NEWPID, &child);
    if (child < 0)
        ok(1, "# SKIP no user namespaces here (%s)", strerror(errno));
    else
        ok(from == child, "a sender that is pid 1 of its own namespace is named by its pid here (%d, cloned %d)",
           (int)from, (int)child);
}

int main(void)
{
    fds_whole_or_closed();
    sender_pid();
    return tap_done();
}
