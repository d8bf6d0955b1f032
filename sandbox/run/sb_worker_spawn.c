/* sb_worker_spawn.c — a worker's life cycle: set it up and clone it into
 * its jail, kill, reap and release it (the watch loop is sb_worker_watch.c,
 * what happened sb_worker_classify.c). */
#include "sb_worker.h"

#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "sb_chan.h"
#include "sb_frame.h"
#include "sb_phase.h"
#include "sb_seccomp.h"
#include "sr_cancel.h"
#include "sr_io.h"
#include "sr_log.h"

#define CLONE_NS (CLONE_NEWUSER | CLONE_NEWPID | CLONE_NEWNS | CLONE_NEWNET | CLONE_NEWIPC | CLONE_NEWUTS)

void sb_worker_kill(struct sb_worker *w)
{
    if (!w->killed && w->init > 0)
        kill(w->init, SIGKILL);   /* pid 1 of the namespace: the kernel kills the rest */
    w->killed = 1;
}

int sb_worker_interrupt(struct sb_worker *w, unsigned seq)
{
    /* init forwards SIGUSR1 to the script's process: as SIGINT, or with the
     * execution's number as SR_CANCEL_SIGNAL (the session runner then
     * interrupts that execution only) */
    union sigval v = {.sival_int = (int)seq};

    return w->init > 0 && !w->killed ? sigqueue(w->init, SIGUSR1, v) : -1;
}
/* ---- set-up ------------------------------------------------------------------ */

/* Parse the policy and compile it to BPF in b. 0, or -1 (logged). */
static int build_filter(const struct sb_request *req, int notify, struct sb_bpf *b)
{
    if (!req->policy) {
        SR_LOG("no seccomp policy found (policies/default.policy)");
        return -1;
    }
    return sb_seccomp_compile_file(req->policy, notify, b);
}

/* Check every input exists now, for a clear error before any jail is built;
 * the worker opens them itself inside its mount namespace. */
static int check_inputs(const struct sb_request *req, struct sb_jail *j)
{
    struct stat st;

    for (size_t i = 0; i < req->ninputs; i++) {
        if (stat(req->inputs[i].path, &st) < 0) {
            SR_PLOG("input %s", req->inputs[i].path);
            return -1;
        }
        j->mounts.inputs[i].path = req->inputs[i].path;
        j->mounts.inputs[i].name = req->inputs[i].name;
        j->mounts.inputs[i].fd = -1;
    }
    j->mounts.ninputs = req->ninputs;
    j->mounts.scripts_dir = req->scripts_dir;
    return 0;
}

static void fill_jail(const struct sb_request *req, struct sb_jail *j, int cgroup_ok)
{
    j->mounts.tmp_mb = req->tmp_mb;
    j->mounts.out_mb = req->out_mb;
    j->mounts.max_inodes = 65536;
    j->fds.threads = req->threads;
    j->limits.cpu_s = req->cpu_s;
    j->limits.nofile = 1024;
    j->limits.fsize_mb = req->tmp_mb > req->out_mb ? req->tmp_mb : req->out_mb;
    /* without a cgroup, memory and process counts fall back to rlimits */
    j->limits.data_mb = cgroup_ok ? 0 : req->memory_mb;
    j->limits.nproc = cgroup_ok ? 0 : req->pids;
    j->cgroupns = 1;
    j->job.code = req->code ? req->code : "";
    j->job.filename = req->filename;
    j->job.argc = req->argc;
    j->job.argv = (char **)req->argv;
    j->job.extra_path = req->scripts_dir ? "/sandboxrun" : NULL;
    j->job.cell = req->display;
    j->job.env = req->nenv ? req->env : NULL;
}

/* The worker's pipe ends (stdin, stdout, stderr, report, chan, ctl) and ours. */
static int make_pipes(struct sb_worker *w, int with_ctl)
{
    struct sb_jail *j = &w->jail;
    int p[2];

    j->fds.fd[SB_FD_STDIN] = open("/dev/null", O_RDONLY | O_CLOEXEC);
    if (j->fds.fd[SB_FD_STDIN] < 0)
        return SR_PLOG("open(/dev/null)"), -1;
    for (int i = SB_FD_STDOUT; i <= SB_FD_REPORT; i++) {
        if (pipe2(p, O_CLOEXEC) < 0)
            return SR_PLOG("pipe2"), -1;
        j->fds.fd[i] = p[1];
        w->fd[i == SB_FD_STDOUT ? SB_P_OUT : i == SB_FD_STDERR ? SB_P_ERR : SB_P_REP] = p[0];
    }
    if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, p) < 0)
        return SR_PLOG("socketpair"), -1;
    w->fd[SB_P_CHAN] = p[0];
    j->fds.fd[SB_FD_CHAN] = p[1];
    if (with_ctl) {
        /* a socket, not a pipe: the script (in the runner's process) cannot
         * reopen it through /proc/self/fd for writing, as it could a pipe's
         * read end; and with our end shut for reading, it cannot write into
         * it either (EPIPE) */
        if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, p) < 0)
            return SR_PLOG("socketpair"), -1;
        j->fds.fd[SB_FD_CTL] = p[0];
        w->ctl = p[1];
        if (shutdown(w->ctl, SHUT_RD) < 0)
            return SR_PLOG("shutdown(ctl)"), -1;
    } else {
        j->fds.fd[SB_FD_CTL] = open("/dev/null", O_RDONLY | O_CLOEXEC);
        if (j->fds.fd[SB_FD_CTL] < 0)
            return SR_PLOG("open(/dev/null)"), -1;
    }
    return 0;
}

static void close_worker_ends(struct sb_jail *j)
{
    for (int i = 0; i < SB_FD_OUTDIR; i++)
        sr_closep(&j->fds.fd[i]);
    sr_closep(&j->fds.fd[SB_FD_INIT]);
}

/* clone into the new namespaces (and the cgroup); the child never returns. */
static pid_t spawn(struct sb_jail *j, int cgroup_fd, int *in_cgroup)
{
    pid_t pid = sb_jail_clone(CLONE_NS, &j->ids, cgroup_fd, in_cgroup);

    if (pid == 0) {
        if (cgroup_fd >= 0)
            close(cgroup_fd);
        sb_jail_init_main(j);
    }
    return pid;
}

static int block_signals(struct sb_worker *w)
{
    sigset_t set;

    sigemptyset(&set);
    sigaddset(&set, SIGINT);
    sigaddset(&set, SIGTERM);
    sigaddset(&set, SIGHUP);
    sigaddset(&set, SR_CANCEL_SIGNAL);
    if (sigprocmask(SIG_BLOCK, &set, NULL) < 0)
        return SR_PLOG("sigprocmask"), -1;
    w->fd[SB_P_SIG] = signalfd(-1, &set, SFD_CLOEXEC | SFD_NONBLOCK);
    return w->fd[SB_P_SIG] < 0 ? (SR_PLOG("signalfd"), -1) : 0;
}
/* ---- life cycle ---------------------------------------------------------------- */

/* Why the spawn of the worker's init failed (errno), said once. */
static void spawn_failed(const struct sb_zygote *z)
{
    if (z && (errno == EMSGSIZE || errno == ESRCH))
        return;   /* sb_zygote_spawn said so */
    if (z)
        SR_PLOG("the zygote could not spawn a worker");
    else
        SR_PLOG("cannot create the jail's namespaces (clone(user, pid, mount, net, ipc, uts)); user namespaces "
                "may be disabled (sysctl user.max_user_namespaces, kernel.unprivileged_userns_clone); "
                "sandboxrun does not run without them");
}

/* The steps of start_common; each failure is logged once, where it happens. */
static int start_steps(struct sb_worker *w, const struct sb_request *req, int (*runner)(struct sb_jail *),
                       int ctl, struct sb_zygote *z, struct sb_outcome *o)
{
    int notify = seccomp_api_get() >= 5, cg, cg_fd, in_cgroup = 0;

    if (!notify && !req->allow_weaker) {
        SR_LOG("the kernel lacks seccomp user notification (Linux >= 5.0), "
               "so a forbidden syscall could not be named; pass --allow-weaker to run anyway");
        return -1;
    }
    if (!notify)
        cJSON_AddItemToArray(o->weakened, cJSON_CreateString("seccomp kills are not reported by syscall name"));
    /* a warm worker gets the filter the zygote compiled from the same policy */
    if (!z) {
        if (build_filter(req, notify, &w->bpf) < 0)
            return -1;
        w->jail.filter = &w->bpf;
    }
    sb_phase("d.start");
    cg = sb_cgroup_create(&w->cg, req->memory_mb, req->pids);
    sb_phase("d.cgroup_created");
    if (cg < 0) {
        SR_LOG("could not create the run's cgroup");
        return -1;
    }
    sb_userns_pick_ids(&w->jail.ids);
    if (w->jail.ids.privileged && w->jail.ids.claim_fd < 0)
        cJSON_AddItemToArray(o->weakened, cJSON_CreateString("no run uid (none free in 0x70000000.., or this user namespace lacks them): "
                             "the run is nobody, and shares nobody's kernel quotas with the other runs"));
    fill_jail(req, &w->jail, cg == 0);
    w->jail.runner = runner;
    if (check_inputs(req, &w->jail) < 0 || make_pipes(w, ctl) < 0 || (!z && block_signals(w) < 0))
        return -1;
    w->t0 = sr_now();
    sb_phase("d.pipes");
    if (!z && (w->jail.fds.fd[SB_FD_INIT] = sb_jail_open_init()) < 0)
        return -1;
    cg_fd = sb_cgroup_dir_fd(&w->cg);
    w->init = z ? sb_zygote_spawn(z, &w->jail, req, cg_fd, &in_cgroup) : spawn(&w->jail, cg_fd, &in_cgroup);
    sr_closep(&cg_fd);
    sb_phase("d.spawned");
    if (w->init < 0) {
        spawn_failed(z);
        return -1;
    }
    close_worker_ends(&w->jail);
    if (sb_userns_write_maps(w->init, &w->jail.ids) < 0 || (sb_phase("d.maps"), 0) ||
        (!in_cgroup && sb_cgroup_add(&w->cg, w->init) < 0) || (sb_phase("d.cgroup_added"), 0) ||
        sb_chan_send(w->fd[SB_P_CHAN], SB_MSG_GO, NULL, 0, NULL, 0) < 0) {
        snprintf(w->setup_err, sizeof w->setup_err, "could not map ids or place the worker in its cgroup");
        sb_worker_kill(w);
    }
    return 0;
}

/* Start a worker. While it is set up, the first error logged becomes the
 * record's message (sr_log_to_record): why a run could not start is said
 * where it happened, and reaches the caller; a warm worker's daemon logs it
 * too. */
static int start_common(struct sb_worker *w, const struct sb_request *req, int (*runner)(struct sb_jail *),
                        int ctl, struct sb_zygote *z, struct sb_outcome *o)
{
    int rc;

    memset(w, 0, sizeof *w);
    w->jail.ids.claim_fd = -1;
    w->req = req;
    w->init = -1;
    w->ctl = w->out_dir_fd = -1;
    w->violation_nr = -1;
    for (int i = 0; i < SB_P_COUNT; i++)
        w->fd[i] = -1;
    for (int i = 0; i < SB_FD_COUNT; i++)
        w->jail.fds.fd[i] = -1;
    sr_log_to_record(o->message, sizeof o->message, z != NULL);
    rc = start_steps(w, req, runner, ctl, z, o);
    sr_log_to_record(NULL, 0, 0);
    return rc;
}

int sb_worker_start(struct sb_worker *w, const struct sb_request *req, int (*runner)(struct sb_jail *),
                    int ctl, struct sb_outcome *o)
{
    return start_common(w, req, runner, ctl, NULL, o);
}

int sb_worker_start_warm(struct sb_worker *w, const struct sb_request *req, struct sb_zygote *z,
                         struct sb_outcome *o)
{
    return start_common(w, req, NULL, 1, z, o);
}

int sb_worker_send(struct sb_worker *w, const char *json)
{
    return w->ctl < 0 ? -1 : sb_frame_write(w->ctl, json);
}

void sb_worker_reap(struct sb_worker *w, struct sb_outcome *o)
{
    struct rusage ru;
    int st;

    sb_worker_kill(w);
    if (w->init <= 0)
        return;
    while (wait4(w->init, &st, __WALL, &ru) < 0) {
        if (errno != EINTR) {
            SR_PLOG("wait4(worker)");
            return;
        }
    }
    if (o) {
        o->cpu_time = (double)ru.ru_utime.tv_sec + (double)ru.ru_utime.tv_usec / 1e6 +
                      (double)ru.ru_stime.tv_sec + (double)ru.ru_stime.tv_usec / 1e6;
        o->max_rss_kb = ru.ru_maxrss;
    }
    w->init = -1;
}

void sb_worker_finish(struct sb_worker *w)
{
    sb_worker_reap(w, NULL);
    sb_phase("d.reaped");
    sb_cgroup_destroy(&w->cg);
    sb_phase("d.cgroup_removed");
    for (int i = 0; i < SB_P_COUNT; i++)
        sr_closep(&w->fd[i]);
    sr_closep(&w->ctl);
    sr_closep(&w->out_dir_fd);
    close_worker_ends(&w->jail);
    sb_seccomp_bpf_free(&w->bpf);
    w->jail.filter = NULL;
    sb_userns_release(&w->jail.ids);   /* every process of the run is gone: its uid is free */
}
