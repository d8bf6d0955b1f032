/* sb_supervisor.c — one run: clone, hand-shake, watch, collect, classify. */
#include "sb_supervisor.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/signalfd.h>
#include <sys/stat.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "sb_blocks.h"
#include "sb_cgroup.h"
#include "sb_chan.h"
#include "sb_jail.h"
#include "sb_outfiles.h"
#include "sb_policy.h"
#include "sb_seccomp.h"
#include "sr_io.h"
#include "sr_log.h"

#define SETUP_DEADLINE_S 30.0
#define KILL_GRACE_S 5.0
#define REPORT_CAP (512 * 1024)
#define CLONE_NS (CLONE_NEWUSER | CLONE_NEWPID | CLONE_NEWNS | CLONE_NEWNET | CLONE_NEWIPC | CLONE_NEWUTS)

enum { P_CHAN, P_OUT, P_ERR, P_REP, P_NOTIFY, P_SIG, P_COUNT };

struct run {
    const struct sb_request *req;
    struct sb_outcome *o;
    pid_t init;
    int fd[P_COUNT];            /* supervisor's ends; -1 when closed */
    int out_dir_fd;
    struct sb_blocks blocks;
    struct sr_buf err, rep;
    int got_ready, got_exit, script_status;
    int killed, timed_out, output_limit, interrupted;
    double t0, t_ready, t_end;
    struct sb_cgroup cg;
    char setup_err[1024];
};

static double now(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void closefd(int *fd)
{
    sr_closep(fd);
}

static void kill_run(struct run *r)
{
    if (!r->killed && r->init > 0)
        kill(r->init, SIGKILL);   /* pid 1 of the namespace: the kernel kills the rest */
    r->killed = 1;
}

/* ---- set-up -------------------------------------------------------------- */

static scmp_filter_ctx build_filter(const struct sb_request *req, int notify, struct sb_outcome *o)
{
    struct sb_policy pol;
    scmp_filter_ctx ctx;
    char err[512] = "";

    if (!req->policy) {
        snprintf(o->message, sizeof o->message, "no seccomp policy found (policies/default.policy)");
        return NULL;
    }
    if (sb_policy_load(req->policy, &pol, err, sizeof err) < 0) {
        snprintf(o->message, sizeof o->message, "%s", err);
        return NULL;
    }
    ctx = sb_seccomp_build(&pol, notify, err, sizeof err);
    sb_policy_free(&pol);
    if (!ctx)
        snprintf(o->message, sizeof o->message, "%s", err);
    return ctx;
}

/* Check every input exists now, for a clear error before any jail is built;
 * the worker opens them itself inside its mount namespace. */
static int check_inputs(const struct sb_request *req, struct sb_jail *j, struct sb_outcome *o)
{
    struct stat st;

    for (size_t i = 0; i < req->ninputs; i++) {
        if (stat(req->inputs[i].path, &st) < 0) {
            snprintf(o->message, sizeof o->message, "input %s: %s", req->inputs[i].path, strerror(errno));
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
    sb_userns_pick_ids(&j->ids);
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
    j->job.code = req->code;
    j->job.filename = req->filename;
    j->job.argc = req->argc;
    j->job.argv = (char **)req->argv;
    j->job.extra_path = req->scripts_dir ? "/sandboxrun" : NULL;
}

/* The worker's pipe ends (stdin, stdout, stderr, report, chan) and ours. */
static int make_pipes(struct run *r, struct sb_jail *j)
{
    int p[2];

    j->fds.fd[SB_FD_STDIN] = open("/dev/null", O_RDONLY | O_CLOEXEC);
    j->fds.fd[SB_FD_CTL] = open("/dev/null", O_RDONLY | O_CLOEXEC);
    if (j->fds.fd[SB_FD_STDIN] < 0 || j->fds.fd[SB_FD_CTL] < 0)
        return SR_PLOG("open(/dev/null)"), -1;
    for (int i = SB_FD_STDOUT; i <= SB_FD_REPORT; i++) {
        if (pipe2(p, O_CLOEXEC) < 0)
            return SR_PLOG("pipe2"), -1;
        j->fds.fd[i] = p[1];
        r->fd[i == SB_FD_STDOUT ? P_OUT : i == SB_FD_STDERR ? P_ERR : P_REP] = p[0];
    }
    if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, p) < 0)
        return SR_PLOG("socketpair"), -1;
    r->fd[P_CHAN] = p[0];
    j->fds.fd[SB_FD_CHAN] = p[1];
    return 0;
}

static void close_worker_ends(struct sb_jail *j)
{
    for (int i = 0; i < SB_FD_OUTDIR; i++)
        closefd(&j->fds.fd[i]);
}

/* clone(2) into the new namespaces; the child never returns. */
static pid_t spawn(struct sb_jail *j)
{
    pid_t pid = (pid_t)syscall(SYS_clone, CLONE_NS | SIGCHLD, NULL, NULL, NULL, 0);

    if (pid == 0)
        sb_jail_init_main(j);
    return pid;
}

/* ---- the watch loop -------------------------------------------------------- */

static void on_chan(struct run *r)
{
    char buf[SB_CHAN_MAX_PAYLOAD + 1];
    int type, fds[SB_CHAN_MAX_FDS], nfds = SB_CHAN_MAX_FDS;
    ssize_t n = sb_chan_recv(r->fd[P_CHAN], &type, buf, SB_CHAN_MAX_PAYLOAD, fds, &nfds);

    if (n < 0 || type == 0) {
        closefd(&r->fd[P_CHAN]);
        return;
    }
    buf[n] = '\0';
    if (type == SB_MSG_ERROR && !r->setup_err[0]) {
        snprintf(r->setup_err, sizeof r->setup_err, "%s", buf);
    } else if (type == SB_MSG_READY && !r->got_ready && nfds >= 1) {
        r->got_ready = 1;
        r->t_ready = now();
        r->out_dir_fd = fds[0];
        if (nfds >= 2)
            r->fd[P_NOTIFY] = fds[1];
        return;
    } else if (type == SB_MSG_EXIT && r->got_ready && n == sizeof(int)) {
        memcpy(&r->script_status, buf, sizeof(int));
        r->got_exit = 1;
        r->t_end = now();
    }
    for (int i = 0; i < nfds; i++)
        close(fds[i]);
}

static void on_stdout(struct run *r, const char *buf, size_t n)
{
    if (r->req->passthrough)
        (void)sr_write_all(1, buf, n);
    sb_blocks_feed(&r->blocks, buf, n);
    if (r->blocks.text_truncated && !r->output_limit) {
        r->output_limit = 1;
        kill_run(r);
    }
}

static void on_stderr(struct run *r, const char *buf, size_t n)
{
    if (r->req->passthrough)
        (void)sr_write_all(2, buf, n);
    if (sr_buf_append(&r->err, buf, n) != SR_BUF_OK && !r->output_limit) {
        r->output_limit = 1;
        r->o->stderr_truncated = 1;
        kill_run(r);
    }
}

static void on_pipe(struct run *r, int which)
{
    char buf[65536];
    ssize_t n = read(r->fd[which], buf, sizeof buf);

    if (n < 0 && (errno == EINTR || errno == EAGAIN))
        return;
    if (n <= 0) {
        closefd(&r->fd[which]);
        return;
    }
    if (which == P_OUT)
        on_stdout(r, buf, (size_t)n);
    else if (which == P_ERR)
        on_stderr(r, buf, (size_t)n);
    else
        (void)sr_buf_append(&r->rep, buf, (size_t)n);
}

/* A "kill" rule fired: name the syscall, then end the whole run. */
static void on_notify(struct run *r)
{
    struct seccomp_notif *req = NULL;
    struct seccomp_notif_resp *resp = NULL;

    if (seccomp_notify_alloc(&req, &resp) == 0 && seccomp_notify_receive(r->fd[P_NOTIFY], req) == 0) {
        if (r->o->violation_nr < 0) {
            r->o->violation_nr = req->data.nr;
            snprintf(r->o->violation_name, sizeof r->o->violation_name, "%s",
                     sb_seccomp_syscall_name(req->data.nr));
        }
        kill_run(r);
    } else {
        closefd(&r->fd[P_NOTIFY]);   /* listener gone: every filtered process exited */
    }
    seccomp_notify_free(req, resp);
}

static void on_signal(struct run *r)
{
    struct signalfd_siginfo si;

    if (read(r->fd[P_SIG], &si, sizeof si) == (ssize_t)sizeof si) {
        r->interrupted = 1;
        snprintf(r->o->message, sizeof r->o->message, "interrupted by %s", sigabbrev_np((int)si.ssi_signo));
        kill_run(r);
    }
}

/* Milliseconds until the next deadline (setup, run, or kill grace). */
static int poll_timeout(struct run *r, double *kill_at)
{
    double t = now(), deadline;

    if (r->killed) {
        if (*kill_at == 0)
            *kill_at = t;
        deadline = *kill_at + KILL_GRACE_S;
    } else {
        deadline = r->got_ready ? r->t_ready + r->req->timeout_s : r->t0 + SETUP_DEADLINE_S;
    }
    if (t >= deadline)
        return 0;
    return (int)((deadline - t) * 1000) + 1;
}

static void on_deadline(struct run *r, double kill_at)
{
    if (r->killed && kill_at && now() >= kill_at + KILL_GRACE_S) {
        SR_WARN("worker did not go away %.0f s after SIGKILL", KILL_GRACE_S);
        for (int i = 0; i < P_COUNT; i++)
            if (i != P_SIG)
                closefd(&r->fd[i]);
        return;
    }
    if (!r->got_ready)
        snprintf(r->setup_err, sizeof r->setup_err, "the jail was not ready after %.0f s", SETUP_DEADLINE_S);
    else
        r->timed_out = 1;
    kill_run(r);
}

static void watch(struct run *r)
{
    double kill_at = 0;

    while (r->fd[P_CHAN] >= 0 || r->fd[P_OUT] >= 0 || r->fd[P_ERR] >= 0) {
        struct pollfd pf[P_COUNT];
        int timeout = poll_timeout(r, &kill_at), rc;

        for (int i = 0; i < P_COUNT; i++)
            pf[i] = (struct pollfd){.fd = r->fd[i], .events = POLLIN};
        rc = poll(pf, P_COUNT, timeout);
        if (rc < 0 && errno != EINTR) {
            SR_PLOG("poll");
            kill_run(r);
            break;
        }
        if (rc == 0) {
            on_deadline(r, kill_at);
            continue;
        }
        for (int i = 0; rc > 0 && i < P_COUNT; i++) {
            if (!(pf[i].revents & (POLLIN | POLLHUP | POLLERR | POLLNVAL)))
                continue;
            if (i == P_CHAN)
                on_chan(r);
            else if (i == P_NOTIFY)
                on_notify(r);
            else if (i == P_SIG)
                on_signal(r);
            else
                on_pipe(r, i);
        }
    }
    if (!r->t_end)
        r->t_end = now();
    /* the report pipe may hold the exception of a script that just ended */
    while (r->fd[P_REP] >= 0)
        on_pipe(r, P_REP);
}

/* ---- classification ---------------------------------------------------------- */

static void take_report(struct run *r)
{
    cJSON *rep = r->rep.len ? cJSON_ParseWithLength(r->rep.data, r->rep.len) : NULL;
    cJSON *mem = cJSON_GetObjectItemCaseSensitive(rep, "memoryError");

    if (!cJSON_IsObject(rep)) {
        cJSON_Delete(rep);
        return;
    }
    if (cJSON_IsTrue(mem))
        r->o->status = SR_MEMORY_LIMIT;
    cJSON_DeleteItemFromObjectCaseSensitive(rep, "memoryError");
    r->o->error = rep;
}

static void classify_exit(struct run *r, int oom, int pids_hit)
{
    struct sb_outcome *o = r->o;
    int st = r->script_status;

    if (WIFSIGNALED(st)) {
        o->signal = WTERMSIG(st);
        if (o->signal == SIGSYS) {
            o->status = SR_POLICY_VIOLATION;
            snprintf(o->violation_name, sizeof o->violation_name, "non-native ABI (i386 or x32)");
            return;
        }
        if (o->signal == SIGXCPU || (r->req->cpu_s && o->cpu_time >= (double)r->req->cpu_s)) {
            o->status = SR_TIMEOUT;
            snprintf(o->message, sizeof o->message, "CPU time limit of %lu s reached", r->req->cpu_s);
            return;
        }
        o->status = oom ? SR_MEMORY_LIMIT : SR_KILLED;
        if (oom)
            snprintf(o->message, sizeof o->message, "killed by the memory limit (%lu MiB)", r->req->memory_mb);
        return;
    }
    o->exit_code = WEXITSTATUS(st);
    o->status = o->exit_code == 0 ? SR_OK : SR_ERROR;
    take_report(r);
    if (o->status == SR_MEMORY_LIMIT)
        snprintf(o->message, sizeof o->message, "MemoryError under the memory limit (%lu MiB)", r->req->memory_mb);
    else if (oom && o->status == SR_ERROR)
        o->status = SR_MEMORY_LIMIT;
    else if (pids_hit && o->status == SR_ERROR)
        snprintf(o->message, sizeof o->message, "the process limit (%lu) was reached", r->req->pids);
}

static void classify(struct run *r, int oom, int pids_hit)
{
    struct sb_outcome *o = r->o;

    if (!r->got_ready) {
        o->status = SR_INTERNAL_ERROR;
        snprintf(o->message, sizeof o->message, "jail set-up failed: %s",
                 r->setup_err[0] ? r->setup_err : "the worker exited during set-up");
    } else if (o->violation_nr >= 0) {
        o->status = SR_POLICY_VIOLATION;
        snprintf(o->message, sizeof o->message, "forbidden system call %s; the worker was killed", o->violation_name);
    } else if (r->timed_out) {
        o->status = SR_TIMEOUT;
        snprintf(o->message, sizeof o->message, "wall-clock limit of %g s reached", r->req->timeout_s);
    } else if (r->output_limit) {
        o->status = SR_OUTPUT_LIMIT;
        snprintf(o->message, sizeof o->message, "output passed the %lu-byte limit; the run was stopped", r->req->max_output);
    } else if (r->interrupted) {
        o->status = SR_KILLED;
    } else if (!r->got_exit) {
        o->status = oom ? SR_MEMORY_LIMIT : SR_KILLED;
        snprintf(o->message, sizeof o->message, "the worker's init ended unexpectedly");
    } else {
        classify_exit(r, oom, pids_hit);
    }
    if (o->status == SR_POLICY_VIOLATION && o->violation_nr < 0 && WIFSIGNALED(r->script_status))
        snprintf(o->message, sizeof o->message, "a syscall from a foreign ABI (SIGSYS); the worker was killed");
}

/* ---- after the run --------------------------------------------------------------- */

static void reap_init(struct run *r)
{
    struct rusage ru;
    int st;

    if (r->init <= 0)
        return;
    while (wait4(r->init, &st, __WALL, &ru) < 0) {
        if (errno != EINTR) {
            SR_PLOG("wait4(worker)");
            return;
        }
    }
    r->o->cpu_time = (double)ru.ru_utime.tv_sec + (double)ru.ru_utime.tv_usec / 1e6 +
                     (double)ru.ru_stime.tv_sec + (double)ru.ru_stime.tv_usec / 1e6;
    r->o->max_rss_kb = ru.ru_maxrss;
}

static void collect_files(struct run *r)
{
    struct sb_outfiles_cfg cfg = {
        .max_files = r->req->max_out_files,
        .max_bytes = (unsigned long long)r->req->out_mb << 20,
        .max_depth = 8,
        .copy_to = r->req->out_dir,
    };
    char err[512] = "";

    if (r->out_dir_fd < 0)
        return;
    if (sb_outfiles_collect(r->out_dir_fd, &cfg, r->o->files, r->o->skipped, err, sizeof err) < 0)
        snprintf(r->o->message, sizeof r->o->message, "%s", err);
}

static void finish_outputs(struct run *r)
{
    sb_blocks_finish(&r->blocks);
    r->o->stdout_truncated = r->blocks.text_truncated;
    r->o->stdout_text = sr_buf_steal(&r->blocks.text, &r->o->stdout_len);
    r->o->stderr_text = sr_buf_steal(&r->err, &r->o->stderr_len);
    cJSON_Delete(r->o->blocks);
    r->o->blocks = r->blocks.list;
    r->blocks.list = NULL;
}

static int block_signals(struct run *r)
{
    sigset_t set;

    sigemptyset(&set);
    sigaddset(&set, SIGINT);
    sigaddset(&set, SIGTERM);
    sigaddset(&set, SIGHUP);
    if (sigprocmask(SIG_BLOCK, &set, NULL) < 0)
        return SR_PLOG("sigprocmask"), -1;
    r->fd[P_SIG] = signalfd(-1, &set, SFD_CLOEXEC | SFD_NONBLOCK);
    return r->fd[P_SIG] < 0 ? (SR_PLOG("signalfd"), -1) : 0;
}

static int start(struct run *r, struct sb_jail *j)
{
    int cg = sb_cgroup_create(&r->cg, r->req->memory_mb, r->req->pids);

    if (cg < 0) {
        snprintf(r->o->message, sizeof r->o->message, "could not create the run's cgroup");
        return -1;
    }
    r->o->memory_enforcement = sb_cgroup_kind_name(r->cg.kind);
    fill_jail(r->req, j, cg == 0);
    if (check_inputs(r->req, j, r->o) < 0 || make_pipes(r, j) < 0 || block_signals(r) < 0)
        return -1;
    r->t0 = now();
    r->init = spawn(j);
    if (r->init < 0) {
        snprintf(r->o->message, sizeof r->o->message, "cannot create the jail's namespaces "
                 "(clone(user, pid, mount, net, ipc, uts): %s); user namespaces may be disabled "
                 "(sysctl user.max_user_namespaces, kernel.unprivileged_userns_clone); sandboxrun does not "
                 "run without them", strerror(errno));
        return -1;
    }
    close_worker_ends(j);
    if (sb_userns_write_maps(r->init, &j->ids) < 0 || sb_cgroup_add(&r->cg, r->init) < 0 ||
        sb_chan_send(r->fd[P_CHAN], SB_MSG_GO, NULL, 0, NULL, 0) < 0) {
        snprintf(r->setup_err, sizeof r->setup_err, "could not map ids or place the worker in its cgroup");
        kill_run(r);
    }
    return 0;
}

int sb_supervise(const struct sb_request *req, struct sb_outcome *o)
{
    struct run r = {.req = req, .o = o, .init = -1, .out_dir_fd = -1};
    struct sb_jail j = {0};
    int oom = 0, pids_hit = 0, started, notify = seccomp_api_get() >= 5;
    unsigned long peak_kb = 0;

    if (!notify && !req->allow_weaker) {
        snprintf(o->message, sizeof o->message, "the kernel lacks seccomp user notification (Linux >= 5.0), "
                 "so a forbidden syscall could not be named; pass --allow-weaker to run anyway");
        return 0;
    }
    for (int i = 0; i < P_COUNT; i++)
        r.fd[i] = -1;
    for (int i = 0; i < SB_FD_COUNT; i++)
        j.fds.fd[i] = -1;
    sb_blocks_init(&r.blocks, req->max_output, req->max_block);
    sr_buf_init(&r.err, req->max_output);
    sr_buf_init(&r.rep, REPORT_CAP);
    if (!notify)
        cJSON_AddItemToArray(o->weakened, cJSON_CreateString("seccomp kills are not reported by syscall name"));
    j.filter = build_filter(req, notify, o);
    started = j.filter && start(&r, &j) == 0;
    if (started) {
        watch(&r);
        kill_run(&r);   /* whatever is left of the run goes now */
    }
    reap_init(&r);
    sb_cgroup_stats(&r.cg, &oom, &peak_kb, &pids_hit);
    sb_cgroup_destroy(&r.cg);
    if (started) {
        o->setup_time = r.t_ready ? r.t_ready - r.t0 : r.t_end - r.t0;
        o->execution_time = r.t_ready ? r.t_end - r.t_ready : 0;
        finish_outputs(&r);
        collect_files(&r);
        classify(&r, oom, pids_hit);
    }
    for (int i = 0; i < P_COUNT; i++)
        closefd(&r.fd[i]);
    closefd(&r.out_dir_fd);
    close_worker_ends(&j);
    if (j.filter)
        seccomp_release(j.filter);
    sb_blocks_free(&r.blocks);
    sr_buf_reset(&r.err);
    sr_buf_reset(&r.rep);
    return 0;
}
