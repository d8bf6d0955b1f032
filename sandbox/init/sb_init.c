/* sb_init.c — sandboxrun-init: pid 1 of a run, once the script has its process.
 *
 * The worker's first process enters the jail and then, instead of fork()ing
 * the script's process (a second copy of a warm worker's whole image: page
 * tables of ~145 MB and ~1500 mappings, made and torn down on every run), it
 * clones it sharing its memory and execs this small static program, which
 * leaves that memory to the script alone (sb_jail.c, hand_off). The jail is
 * inherited whole across the exec: namespaces, root, credentials, no
 * capabilities, no_new_privs, rlimits, the seccomp filter.
 *
 *   sandboxrun-init SCRIPT_PID HANDSHAKE_FD
 *
 * Here: become undumpable before anything else (no ptrace-mode access from
 * the script, which is the same user), then let the script's process go
 * (one byte on HANDSHAKE_FD; it waits for it, so it never runs beside a
 * dumpable init), forward the supervisor's interrupts (SIGUSR1) to it, reap
 * everything, and send the script's wait status on the supervisor channel
 * (SB_FD_CHAN). When this process exits the kernel kills the rest. */
#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include "sb_chan.h"
#include "sb_fds.h"
#include "sr_cancel.h"

enum { EXIT_SETUP_FAILED = 125 };

static volatile pid_t script_pid;

/* The supervisor interrupts an execution (a session's timeout or cancel) by
 * signalling init, which the script cannot be. Init passes it on: with the
 * execution's number as SR_CANCEL_SIGNAL (the session runner interrupts
 * that execution only), without one as SIGINT. */
static void forward_interrupt(int sig, siginfo_t *si, void *uc)
{
    int n = si->si_code == SI_QUEUE ? si->si_value.sival_int : 0;

    (void)sig, (void)uc;
    if (n)
        sigqueue(script_pid, SR_CANCEL_SIGNAL, (union sigval){.sival_int = n});
    else
        kill(script_pid, SIGINT);
}

/* A decimal argument in 1..max, or -1. */
static long number(const char *s, long max)
{
    char *end;
    long v;

    errno = 0;
    v = s ? strtol(s, &end, 10) : -1;
    return s && !errno && end != s && !*end && v >= 1 && v <= max ? v : -1;
}

int main(int argc, char **argv)
{
    struct sigaction sa = {.sa_sigaction = forward_interrupt, .sa_flags = SA_SIGINFO | SA_RESTART};
    long script = number(argc == 3 ? argv[1] : NULL, 1L << 22), hs = number(argc == 3 ? argv[2] : NULL, 1 << 20);
    int st, script_st = 0;
    pid_t p;

    /* exec made us dumpable again: undo it first */
    if (prctl(PR_SET_DUMPABLE, 0, 0, 0, 0) < 0 || prctl(PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0) < 0 || script < 0 ||
        hs <= SB_FD_CHAN)
        return EXIT_SETUP_FAILED;   /* the script's process sees its handshake end closed and exits */
    script_pid = (pid_t)script;
    /* an interrupt that came before the script could take one is dropped, as
     * before this init existed (the supervisor escalates if need be):
     * forwarded now, it would reach a script still waiting for the go */
    signal(SIGUSR1, SIG_IGN);
    /* only the channel stays: the pipes must reach EOF when the script ends */
    if (close_range(0, SB_FD_CHAN - 1, 0) < 0 || close_range(SB_FD_CHAN + 1, (unsigned)hs - 1, 0) < 0 ||
        close_range((unsigned)hs + 1, ~0U, 0) < 0)
        return EXIT_SETUP_FAILED;
    if (write((int)hs, "g", 1) != 1)
        return EXIT_SETUP_FAILED;
    close((int)hs);
    sigemptyset(&sa.sa_mask);
    sigaction(SIGUSR1, &sa, NULL);
    sigaddset(&sa.sa_mask, SIGUSR1);   /* blocked across the exec (sb_jail.c): from here on it is handled */
    sigprocmask(SIG_UNBLOCK, &sa.sa_mask, NULL);
    for (;;) {
        p = waitpid(-1, &st, __WALL);
        if (p == script_pid) {
            script_st = st;
            break;
        }
        if (p < 0 && errno != EINTR)
            break;
    }
    sb_chan_send(SB_FD_CHAN, SB_MSG_EXIT, &script_st, sizeof script_st, NULL, 0);
    return 0;
}
