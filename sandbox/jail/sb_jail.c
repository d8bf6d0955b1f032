/* sb_jail.c — jail entry as a checklist, then init: fork the script, reap, report. */
#include "sb_jail.h"

#include <errno.h>
#include <sched.h>
#include <signal.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include "sb_caps.h"
#include "sb_limits.h"
#include "sb_chan.h"
#include "sb_phase.h"
#include "sb_seccomp.h"
#include "sr_cancel.h"
#include "sr_log.h"

enum { EXIT_SETUP_FAILED = 125 };

static int chan_fd = -1;   /* where the supervisor channel is right now */

/* Set-up errors go to the supervisor, which puts them in the record. */
static void send_log(const char *line, size_t len)
{
    if (chan_fd < 0 || sb_chan_send(chan_fd, SB_MSG_ERROR, line, len > SB_CHAN_MAX_PAYLOAD ? SB_CHAN_MAX_PAYLOAD : len, NULL, 0) < 0)
        (void)!write(2, line, len);
}

/* Step 1 (after clone made the namespaces): the inner identity, a cgroup
 * namespace rooted at the run's cgroup, our own host name. */
static int enter_namespaces(struct sb_jail *j)
{
    if (sb_mounts_open_sources(&j->mounts) < 0 || sb_userns_become(&j->ids) < 0)
        return -1;
    sb_phase("w.userns");
    /* changing credentials cleared the parent-death signal: set it again, so
     * a supervisor killed outright takes the whole run with it */
    if (prctl(PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0) < 0)
        return SR_PLOG("prctl(PR_SET_PDEATHSIG)"), -1;
    if (j->cgroupns && unshare(CLONE_NEWCGROUP) < 0)
        return SR_PLOG("unshare(CLONE_NEWCGROUP)"), -1;
    sb_phase("w.cgroupns");
    if (sb_limits_userns_quotas() < 0)   /* before /proc is read-only and the capabilities go */
        return -1;
    if (sethostname("sandbox", 7) < 0)
        return SR_PLOG("sethostname"), -1;
    sb_phase("w.quotas+uts");
    return 0;
}

int sb_jail_enter(struct sb_jail *j, int *notify_fd)
{
    int out_fd;

    if (enter_namespaces(j) < 0)                       /* 1. user/pid/mnt/net/ipc/uts/cgroup */
        return -1;
    if (sb_mounts_setup(&j->mounts, &out_fd) < 0)       /* 2. fresh read-only root, pivot_root */
        return -1;
    sb_phase("w.mounts");
    j->fds.fd[SB_FD_OUTDIR] = out_fd;
    if (sb_fds_setup(&j->fds) < 0)                      /* 3. setsid, fds, environment */
        return -1;
    sb_phase("w.fds");
    chan_fd = SB_FD_CHAN;
    if (sb_limits_apply(&j->limits) < 0)                /* 4. rlimits (cgroup set by the supervisor) */
        return -1;
    sb_phase("w.limits");
    if (sb_caps_drop() < 0)                             /* 5. no capabilities, no_new_privs */
        return -1;
    sb_phase("w.caps");
    return sb_seccomp_install(j->filter, notify_fd);    /* 6. the seccomp filter, last */
}

/* Wait for the supervisor's go: the uid/gid maps and the cgroup are ready. */
static int wait_go(void)
{
    char buf[16];
    int type;

    if (sb_chan_recv(chan_fd, &type, buf, sizeof buf, NULL, NULL) < 0 || type != SB_MSG_GO)
        return -1;
    return 0;
}

/* 7. The process that runs the script. */
__attribute__((noreturn)) static void run_script(struct sb_jail *j)
{
    sr_log_set_hook(NULL);
    close(SB_FD_CHAN);
    prctl(PR_SET_DUMPABLE, 1, 0, 0, 0);   /* its own /proc entries stay its own */
    if (chdir("/tmp") < 0)
        _exit(EXIT_SETUP_FAILED);
    j->job.report_fd = SB_FD_REPORT;
    if (!j->runner)
        close(SB_FD_CTL);
    _exit(j->runner ? j->runner(j) : sb_python_run(&j->job));
}

static volatile pid_t script_pid;

/* The supervisor interrupts an execution (a session's timeout or cancel) by
 * signalling init, which the script cannot be. Init passes it on: with the
 * execution's number as SR_CANCEL_SIGNAL (the session runner interrupts
 * that execution only), without one as SIGINT. */
static void forward_interrupt(int sig, siginfo_t *si, void *uc)
{
    int n = si->si_code == SI_QUEUE ? si->si_value.sival_int : 0;

    (void)sig, (void)uc;
    if (script_pid <= 0)
        return;
    if (n)
        sigqueue(script_pid, SR_CANCEL_SIGNAL, (union sigval){.sival_int = n});
    else
        kill(script_pid, SIGINT);
}

/* Reap everything; when the script's process ends, report its status. */
__attribute__((noreturn)) static void reap(pid_t script)
{
    int st, script_st = 0;
    pid_t p;

    for (;;) {
        p = waitpid(-1, &st, __WALL);
        if (p == script) {
            script_st = st;
            break;
        }
        if (p < 0 && errno != EINTR)
            break;
    }
    sb_phase("w.reaped");
    sb_chan_send(SB_FD_CHAN, SB_MSG_EXIT, &script_st, sizeof script_st, NULL, 0);
    _exit(0);
}

void sb_jail_init_main(struct sb_jail *j)
{
    sigset_t none;
    int fds[2], notify_fd = -1, n = 1;
    pid_t script;

    sigemptyset(&none);
    sigprocmask(SIG_SETMASK, &none, NULL);
    signal(SIGPIPE, SIG_DFL);
    prctl(PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0);
    chan_fd = j->fds.fd[SB_FD_CHAN];
    sr_log_set_hook(send_log);
    sb_phase("w.start");
    if (wait_go() < 0)
        _exit(EXIT_SETUP_FAILED);
    sb_phase("w.go");
    if (sb_jail_enter(j, &notify_fd) < 0)
        _exit(EXIT_SETUP_FAILED);
    sb_phase("w.seccomp");
    /* init stays out of reach of the script: no ptrace-mode access to it */
    prctl(PR_SET_DUMPABLE, 0, 0, 0, 0);
    fds[0] = SB_FD_OUTDIR;
    if (notify_fd >= 0)
        fds[n++] = notify_fd;
    if (sb_chan_send(SB_FD_CHAN, SB_MSG_READY, NULL, 0, fds, n) < 0)
        _exit(EXIT_SETUP_FAILED);
    sb_phase("w.ready");
    close(SB_FD_OUTDIR);
    if (notify_fd >= 0)
        close(notify_fd);
    sb_python_before_fork();   /* a warm worker's inherited interpreter */
    script = fork();
    sb_python_after_fork(script == 0);
    if (script < 0) {
        SR_PLOG("fork(script)");
        _exit(EXIT_SETUP_FAILED);
    }
    if (script == 0) {
        sb_phase("s.forked");
        run_script(j);
    }
    sb_phase("w.forked");
    script_pid = script;
    {
        struct sigaction sa = {.sa_sigaction = forward_interrupt, .sa_flags = SA_SIGINFO};
        sigemptyset(&sa.sa_mask);
        sigaction(SIGUSR1, &sa, NULL);
    }
    close(SB_FD_STDOUT);
    close(SB_FD_STDERR);
    close(SB_FD_REPORT);
    close(SB_FD_CTL);
    reap(script);
}
