/* sb_worker.c — spawn a jailed worker, watch it, classify what happened. */
#include "sb_worker.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "sb_chan.h"
#include "sb_frame.h"
#include "sb_outfiles.h"
#include "sb_phase.h"
#include "sb_policy.h"
#include "sb_seccomp.h"
#include "sr_cancel.h"
#include "sr_caps.h"
#include "sr_io.h"
#include "sr_log.h"

#define SETUP_DEADLINE_S 30.0
#define KILL_GRACE_S 5.0
#define INTERRUPT_GRACE_S 2.0
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
    struct sb_policy pol;
    scmp_filter_ctx ctx;
    char err[512] = "";
    int rc;

    if (!req->policy) {
        SR_LOG("no seccomp policy found (policies/default.policy)");
        return -1;
    }
    if (sb_policy_load(req->policy, &pol, err, sizeof err) < 0) {
        SR_LOG("%s", err);
        return -1;
    }
    ctx = sb_seccomp_build(&pol, notify, err, sizeof err);
    sb_policy_free(&pol);
    if (!ctx) {
        SR_LOG("%s", err);
        return -1;
    }
    rc = sb_seccomp_compile(ctx, notify, b);
    seccomp_release(ctx);
    if (rc < 0)
        SR_LOG("could not compile the seccomp policy");
    return rc;
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

/* ---- the watch loop ------------------------------------------------------------ */

static void on_chan(struct sb_worker *w, struct sb_exec *x)
{
    char buf[SB_CHAN_MAX_PAYLOAD + 1];
    int type, fds[SB_CHAN_MAX_FDS], nfds = SB_CHAN_MAX_FDS;
    ssize_t n = sb_chan_recv(w->fd[SB_P_CHAN], &type, buf, SB_CHAN_MAX_PAYLOAD, fds, &nfds);

    if (n < 0 || type == 0) {
        sr_closep(&w->fd[SB_P_CHAN]);
        return;
    }
    buf[n] = '\0';
    if (type == SB_MSG_ERROR && !w->setup_err[0]) {
        snprintf(w->setup_err, sizeof w->setup_err, "%s", buf);
    } else if (type == SB_MSG_WEAK && !w->got_ready && !w->weak[0]) {
        snprintf(w->weak, sizeof w->weak, "%s", buf);
    } else if (type == SB_MSG_READY && !w->got_ready && nfds >= 1) {
        w->got_ready = 1;
        w->t_ready = sr_now();
        sb_phase("d.ready");
        w->out_dir_fd = fds[0];
        if (nfds >= 2)
            w->fd[SB_P_NOTIFY] = fds[1];
        if (x && !x->until_done) {   /* a one-shot run's clock starts when the jail is ready */
            x->t_start = w->t_ready;
            x->deadline = w->t_ready + x->timeout_s;
        }
        return;
    } else if (type == SB_MSG_EXIT && w->got_ready && n == sizeof(int)) {
        memcpy(&w->script_status, buf, sizeof(int));
        w->got_exit = 1;
        w->t_exit = sr_now();
        if (x && !x->t_end)
            x->t_end = w->t_exit;
    }
    for (int i = 0; i < nfds; i++)
        close(fds[i]);
}

/* Plain mode: the script's output goes on to our fd 1 or 2, the caller's.
 * On a terminal its control sequences are shown, not obeyed (OSC 52 would
 * set the caller's clipboard), unless the request says raw. */
static void pass_through(const struct sb_worker *w, struct sb_exec *x, int fd, const char *buf, size_t n)
{
    if (!w->req->raw && isatty(fd))
        (void)sr_tty_write(fd, &x->tty[fd - 1], buf, n);
    else
        (void)sr_write_all(fd, buf, n);
}

/* Output went past the cap. A session's execution gets a KeyboardInterrupt,
 * so the interpreter and its state live on (the worker dies only if the
 * code does not stop within the grace, as for a cancel); a one-shot run is
 * killed. What the code prints meanwhile is counted and dropped. */
static void over_output(struct sb_worker *w, struct sb_exec *x)
{
    double t = sr_now();

    if (x->output_limit)
        return;
    x->output_limit = 1;
    if (x->interrupt_first && !x->interrupted_at && sb_worker_interrupt(w, x->seq) == 0) {
        x->interrupted_at = t;
        if (x->deadline > t + INTERRUPT_GRACE_S)
            x->deadline = t + INTERRUPT_GRACE_S;
        return;
    }
    sb_worker_kill(w);
}

static void on_stdout(struct sb_worker *w, struct sb_exec *x, const char *buf, size_t n)
{
    /* text is capped at max_output and kept blocks at 4 * max_block; an
     * oversized block is dropped and the run goes on, but an endless one must
     * not: past another 1 GiB of discarded bytes the run stops */
    unsigned long long cap = (unsigned long long)w->req->max_output + 4ULL * w->req->max_block + (1ULL << 30);

    x->blocks.echo_fd = w->req->passthrough ? 1 : -1;   /* the text, not the blocks, goes through */
    x->blocks.echo_tty = w->req->passthrough && !w->req->raw && isatty(1) ? &x->tty[0] : NULL;
    x->blocks.echo_fn = x->live.fd >= 0 ? sb_live_echo : NULL;
    x->blocks.echo_ctx = &x->live;
    sb_blocks_feed(&x->blocks, buf, n);
    x->stdout_bytes += n;
    if (x->blocks.text_truncated || x->stdout_bytes > cap)
        over_output(w, x);
}

static void on_stderr(struct sb_worker *w, struct sb_exec *x, const char *buf, size_t n)
{
    if (w->req->passthrough)
        pass_through(w, x, 2, buf, n);
    sb_live_feed(&x->live, SB_LIVE_STDERR, buf, n);
    if (sr_buf_append(&x->err, buf, n) != SR_BUF_OK)
        over_output(w, x);
}

/* The "seq" of a done-frame's JSON, or 0. */
static unsigned frame_seq(const char *p, size_t n)
{
    cJSON *f = cJSON_ParseWithLength(p, n);
    const cJSON *seq = cJSON_GetObjectItemCaseSensitive(f, "seq");
    unsigned v = cJSON_IsNumber(seq) && seq->valuedouble >= 1 && seq->valuedouble <= 4294967295.0
                 ? (unsigned)seq->valuedouble : 0;

    cJSON_Delete(f);
    return v;
}

/* A session's done-frame: u32 length + JSON, complete in x->rep, and for
 * this execution. The script can write frames to the report fd itself: one
 * whose "seq" is not this execution's (forged, or an answer left over from
 * an earlier one) is dropped and counted, so later answers stay in step. */
static void check_done(struct sb_exec *x)
{
    uint32_t len;

    while (x->until_done && !x->done && x->rep.len >= 4) {
        memcpy(&len, x->rep.data, 4);
        if (x->rep.len < 4 + (size_t)len)
            return;
        if (!x->seq || frame_seq(x->rep.data + 4, len) == x->seq) {
            x->done = 1;
            x->t_end = sr_now();
            return;
        }
        memmove(x->rep.data, x->rep.data + 4 + len, x->rep.len - 4 - len);
        x->rep.len -= 4 + (size_t)len;
        x->answers_dropped++;
    }
}

/* Read what is there now: -1 at EOF or error (fd closed), 0 if nothing is
 * waiting, 1 after taking data. */
static int on_pipe(struct sb_worker *w, struct sb_exec *x, int which)
{
    char buf[65536];
    ssize_t n = read(w->fd[which], buf, sizeof buf);

    if (n < 0 && (errno == EINTR || errno == EAGAIN))
        return 0;
    if (n <= 0) {
        sr_closep(&w->fd[which]);
        return -1;
    }
    if (which == SB_P_OUT)
        on_stdout(w, x, buf, (size_t)n);
    else if (which == SB_P_ERR)
        on_stderr(w, x, buf, (size_t)n);
    else {
        (void)sr_buf_append(&x->rep, buf, (size_t)n);
        check_done(x);
    }
    return 1;
}

/* A "kill" rule fired: name the syscall, then end the whole worker. */
static void on_notify(struct sb_worker *w, short revents)
{
    struct seccomp_notif *req = NULL;
    struct seccomp_notif_resp *resp = NULL;

    if (!(revents & POLLIN)) {
        sr_closep(&w->fd[SB_P_NOTIFY]);   /* listener gone: every filtered process exited */
        return;
    }
    if (seccomp_notify_alloc(&req, &resp) == 0 && seccomp_notify_receive(w->fd[SB_P_NOTIFY], req) == 0) {
        if (w->violation_nr < 0) {
            w->violation_nr = req->data.nr;
            snprintf(w->violation_name, sizeof w->violation_name, "%s", sb_seccomp_syscall_name(req->data.nr));
        }
        sb_worker_kill(w);
        w->notify_failures = 0;
    } else if ((revents & POLLHUP) || ++w->notify_failures > 3) {
        sr_closep(&w->fd[SB_P_NOTIFY]);   /* gone, or failing for good: do not spin on it */
    }
    /* else most likely the notification was withdrawn (its process was
     * killed between poll and receive): keep listening, or later kill rules
     * would only fail */
    seccomp_notify_free(req, resp);
}

/* The orchestrator cancels execution number seq (not the worker), by a
 * signal or on a daemon session's connection (sb_worker.h). A cancel for an
 * earlier execution came too late and is dropped. */
void sb_worker_cancel(struct sb_worker *w, struct sb_exec *x, unsigned seq)
{
    double t = sr_now();

    if (x->cancelled || x->done || (x->seq && seq != x->seq))
        return;
    x->cancelled = 1;
    if (!x->interrupted_at && sb_worker_interrupt(w, x->seq) == 0) {
        x->interrupted_at = t;
        if (x->deadline > t + INTERRUPT_GRACE_S)
            x->deadline = t + INTERRUPT_GRACE_S;
    }
}

static void on_signal(struct sb_worker *w, struct sb_exec *x)
{
    struct signalfd_siginfo si;

    if (read(w->fd[SB_P_SIG], &si, sizeof si) != (ssize_t)sizeof si)
        return;
    if ((int)si.ssi_signo == SR_CANCEL_SIGNAL) {
        sb_worker_cancel(w, x, (unsigned)si.ssi_int);
        return;
    }
    w->interrupted = (int)si.ssi_signo;
    sb_worker_kill(w);
}

/* Milliseconds until the next deadline (setup, run, or kill grace). */
static int poll_timeout(struct sb_worker *w, struct sb_exec *x)
{
    double t = sr_now(), deadline;

    if (w->killed) {
        if (x->kill_at == 0)
            x->kill_at = t;
        deadline = x->kill_at + KILL_GRACE_S;
    } else {
        deadline = w->got_ready ? x->deadline : w->t0 + SETUP_DEADLINE_S;
    }
    return sr_poll_ms(deadline);
}

static void on_deadline(struct sb_worker *w, struct sb_exec *x)
{
    if (w->killed && x->kill_at && sr_now() >= x->kill_at + KILL_GRACE_S) {
        SR_WARN("worker did not go away %.0f s after SIGKILL", KILL_GRACE_S);
        for (int i = 0; i < SB_P_COUNT; i++)
            if (i != SB_P_SIG)
                sr_closep(&w->fd[i]);
        return;
    }
    if (!w->got_ready) {
        snprintf(w->setup_err, sizeof w->setup_err, "the jail was not ready after %.0f s", SETUP_DEADLINE_S);
        sb_worker_kill(w);
        return;
    }
    if ((x->cancelled || x->output_limit) && x->interrupted_at) {   /* it ignored the KeyboardInterrupt */
        sb_worker_kill(w);
        return;
    }
    x->timed_out = 1;
    /* a session gets 2 s to stop at a KeyboardInterrupt before the worker dies */
    if (x->interrupt_first && !x->interrupted_at && sb_worker_interrupt(w, x->seq) == 0) {
        x->interrupted_at = sr_now();
        x->deadline = x->interrupted_at + INTERRUPT_GRACE_S;
        return;
    }
    sb_worker_kill(w);
}

static int watching(struct sb_worker *w, struct sb_exec *x)
{
    if (x->until_ready)
        return !w->got_ready && !w->killed && w->fd[SB_P_CHAN] >= 0;
    if (x->until_done && w->got_ready)
        return !x->done && (w->fd[SB_P_CHAN] >= 0 || w->fd[SB_P_REP] >= 0);
    return w->fd[SB_P_CHAN] >= 0 || w->fd[SB_P_OUT] >= 0 || w->fd[SB_P_ERR] >= 0;
}

void sb_worker_watch(struct sb_worker *w, struct sb_exec *x)
{
    while (watching(w, x)) {
        struct pollfd pf[SB_P_COUNT + 1];
        int timeout = sb_live_wait_ms(&x->live, poll_timeout(w, x)), rc;

        for (int i = 0; i < SB_P_COUNT; i++)
            pf[i] = (struct pollfd){.fd = w->fd[i], .events = POLLIN};
        /* only a full hang-up counts: the client half-closes after its request */
        pf[SB_P_COUNT] = (struct pollfd){.fd = x->aborted ? -1 : x->abort_fd,
                                         .events = x->on_client ? POLLIN : 0};
        rc = poll(pf, SB_P_COUNT + 1, timeout);
        if (rc < 0 && errno != EINTR) {
            SR_PLOG("poll");
            sb_worker_kill(w);
            break;
        }
        sb_live_tick(&x->live);
        if (rc == 0) {
            if (poll_timeout(w, x) == 0)   /* not just a live message due */
                on_deadline(w, x);
            continue;
        }
        if (x->on_client && (pf[SB_P_COUNT].revents & (POLLIN | POLLHUP | POLLERR))) {
            x->on_client(w, x);
        } else if (pf[SB_P_COUNT].revents & (POLLHUP | POLLERR)) {
            x->aborted = 1;
            sb_worker_kill(w);
        }
        for (int i = 0; rc > 0 && i < SB_P_COUNT; i++) {
            if (!(pf[i].revents & (POLLIN | POLLHUP | POLLERR | POLLNVAL)))
                continue;
            if (i == SB_P_CHAN)
                on_chan(w, x);
            else if (i == SB_P_NOTIFY)
                on_notify(w, pf[i].revents);
            else if (i == SB_P_SIG)
                on_signal(w, x);
            else
                on_pipe(w, x, i);
        }
    }
    if (!x->t_end)
        x->t_end = sr_now();
    /* what the script wrote before it finished is in the pipes now: take it */
    for (int i = SB_P_OUT; i <= SB_P_REP; i++) {
        int fl;
        if (w->fd[i] < 0)
            continue;
        fl = fcntl(w->fd[i], F_GETFL);
        fcntl(w->fd[i], F_SETFL, fl | O_NONBLOCK);
        while (w->fd[i] >= 0 && on_pipe(w, x, i) > 0)
            ;
        if (w->fd[i] >= 0)
            fcntl(w->fd[i], F_SETFL, fl);
    }
    sb_live_finish(&x->live);   /* the record follows on its channel */
}

/* ---- classification ------------------------------------------------------------- */

void sb_worker_setup_failed(const struct sb_worker *w, struct sb_outcome *o)
{
    char cause[sizeof o->message];

    if (o->message[0] && !w->setup_err[0])
        return;   /* the start said why */
    snprintf(cause, sizeof cause, "%s", o->message);
    snprintf(o->message, sizeof o->message, "jail set-up failed: %s%s%s%s",
             w->setup_err[0] ? w->setup_err : "the worker exited during set-up",
             cause[0] ? " (" : "", cause, cause[0] ? ")" : "");
}

/* The script-side error report {"type","message","traceback","memoryError",
 * "hint"}. The script can write to the report's fd itself, so only those
 * three strings and an optional "hint" string are kept (no nesting, no other
 * keys reach the record), and only
 * when the exit status agrees that the script failed: a script that exited 0
 * raised nothing, whatever the fd says. */
static void take_error(cJSON *rep, int code, struct sb_outcome *o)
{
    static const char *const keys[] = {"type", "message", "traceback"};
    cJSON *e;

    if (code != 0 && cJSON_IsObject(rep) && (e = cJSON_CreateObject())) {
        for (size_t i = 0; i < sizeof keys / sizeof keys[0]; i++) {
            const cJSON *v = cJSON_GetObjectItemCaseSensitive(rep, keys[i]);
            cJSON_AddStringToObject(e, keys[i], cJSON_IsString(v) ? v->valuestring : "");
        }
        if (cJSON_IsString(cJSON_GetObjectItemCaseSensitive(rep, "hint")))
            cJSON_AddStringToObject(e, "hint", cJSON_GetObjectItemCaseSensitive(rep, "hint")->valuestring);
        if (cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(rep, "memoryError")))
            o->status = SR_MEMORY_LIMIT;
        cJSON_Delete(o->error);
        o->error = e;
    }
    cJSON_Delete(rep);
}

/* The script ended with exit code `code` (and maybe an error report). */
static void classify_code(struct sb_worker *w, struct sb_outcome *o, int code, int oom, int pids_hit,
                          const char *error)
{
    o->exit_code = code;
    o->status = code == 0 ? SR_OK : SR_ERROR;
    if (error)
        take_error(cJSON_Parse(error), code, o);
    if (o->status == SR_MEMORY_LIMIT)
        snprintf(o->message, sizeof o->message, "MemoryError under the memory limit (%lu MiB)", w->req->memory_mb);
    else if (oom && o->status == SR_ERROR)
        o->status = SR_MEMORY_LIMIT;
    else if (pids_hit && o->status == SR_ERROR)
        snprintf(o->message, sizeof o->message, "the process limit (%lu) was reached", w->req->pids);
}

/* The script's process ended by itself: exit code, signal or error report. */
static void classify_exit(struct sb_worker *w, struct sb_outcome *o, int oom, int pids_hit, const char *error)
{
    int st = w->script_status;

    if (WIFSIGNALED(st)) {
        o->signal = WTERMSIG(st);
        if (o->signal == SIGSYS) {
            o->status = SR_POLICY_VIOLATION;
            snprintf(o->violation_name, sizeof o->violation_name, "non-native ABI (i386 or x32)");
            snprintf(o->message, sizeof o->message, "a syscall from a foreign ABI (SIGSYS); the worker was killed");
            return;
        }
        if (o->signal == SIGXCPU || (w->req->cpu_s && o->cpu_time >= (double)w->req->cpu_s)) {
            o->status = SR_TIMEOUT;
            snprintf(o->message, sizeof o->message, "CPU time limit of %lu s reached", w->req->cpu_s);
            return;
        }
        o->status = oom ? SR_MEMORY_LIMIT : SR_KILLED;
        if (oom)
            snprintf(o->message, sizeof o->message, "killed by the memory limit (%lu MiB)", w->req->memory_mb);
        return;
    }
    classify_code(w, o, WEXITSTATUS(st), oom, pids_hit, error);
}

static void classify(struct sb_worker *w, struct sb_exec *x, struct sb_outcome *o, int code, const char *error)
{
    int oom = 0, pids_hit = 0;
    unsigned long peak;

    sb_cgroup_stats(&w->cg, &oom, &peak, &pids_hit);
    if (!w->got_ready) {
        o->status = SR_INTERNAL_ERROR;
        sb_worker_setup_failed(w, o);
    } else if (w->violation_nr >= 0) {
        o->status = SR_POLICY_VIOLATION;
        o->violation_nr = w->violation_nr;
        snprintf(o->violation_name, sizeof o->violation_name, "%s", w->violation_name);
        snprintf(o->message, sizeof o->message, "forbidden system call %s; the worker was killed", o->violation_name);
    } else if (x->timed_out) {
        o->status = SR_TIMEOUT;
        snprintf(o->message, sizeof o->message, "wall-clock limit of %g s reached", x->timeout_s);
    } else if (x->output_limit) {
        o->status = SR_OUTPUT_LIMIT;
        snprintf(o->message, sizeof o->message, "output passed the %lu-byte limit; %s", w->req->max_output,
                 !x->interrupted_at ? "the run was stopped"
                 : x->done ? "the execution was interrupted, and the session keeps its state"
                           : "the code did not stop at KeyboardInterrupt, so its worker was killed");
    } else if (x->aborted) {
        o->status = SR_KILLED;
        snprintf(o->message, sizeof o->message, "the client went away; the run was stopped");
    } else if (x->cancelled && !x->done) {
        o->status = SR_KILLED;
        snprintf(o->message, sizeof o->message,
                 "cancelled; the code did not stop at KeyboardInterrupt within %.0f s, so its worker was killed",
                 INTERRUPT_GRACE_S);
    } else if (w->interrupted) {
        o->status = SR_KILLED;
        snprintf(o->message, sizeof o->message, "interrupted by %s", sigabbrev_np(w->interrupted));
    } else if (x->done) {
        classify_code(w, o, code, oom, pids_hit, error);
    } else if (!w->got_exit) {
        o->status = oom ? SR_MEMORY_LIMIT : SR_KILLED;
        snprintf(o->message, sizeof o->message, "the worker's init ended unexpectedly");
    } else {
        classify_exit(w, o, oom, pids_hit, error);
    }
}

static void collect_files(struct sb_worker *w, struct sb_outcome *o)
{
    struct sb_outfiles_cfg cfg = {
        .max_files = w->req->max_out_files,
        .max_bytes = (unsigned long long)w->req->out_mb << 20,
        .max_depth = 8,
        .copy_to = w->req->out_dir,
    };
    char err[512] = "";

    if (w->out_dir_fd < 0)
        return;
    if (sb_outfiles_collect(w->out_dir_fd, &cfg, o->files, o->skipped, &o->skipped_dropped, err, sizeof err) < 0)
        snprintf(o->message, sizeof o->message, "%s", err);
}

void sb_worker_outcome(struct sb_worker *w, struct sb_exec *x, int code, const char *error, struct sb_outcome *o)
{
    sb_blocks_finish(&x->blocks);
    if (w->req->passthrough) {
        (void)sr_tty_flush(1, &x->tty[0]);
        (void)sr_tty_flush(2, &x->tty[1]);
    }
    o->stdout_truncated = x->blocks.text_truncated;
    o->stderr_truncated = x->err.len >= x->err.max;
    o->stdout_text = sr_buf_steal(&x->blocks.text, &o->stdout_len);
    o->stderr_text = sr_buf_steal(&x->err, &o->stderr_len);
    cJSON_Delete(o->blocks);
    o->blocks = x->blocks.list;
    o->blocks_dropped = x->blocks.dropped;
    o->results_dropped = x->blocks.results_dropped;
    x->blocks.list = NULL;
    cJSON_Delete(o->results);
    o->results = x->blocks.results;
    x->blocks.results = NULL;
    o->setup_time = w->t_ready ? w->t_ready - w->t0 : 0;
    o->execution_time = x->t_end > x->t_start && x->t_start ? x->t_end - x->t_start : 0;
    o->memory_enforcement = sb_cgroup_kind_name(w->cg.kind);
    if (w->weak[0])
        cJSON_AddItemToArray(o->weakened, cJSON_CreateString(w->weak));
    /* rlimits count no tmpfs pages: the run can hold that much more */
    if (w->cg.kind == SB_CG_NONE)
        o->memory_uncounted_mb = w->req->tmp_mb + w->req->out_mb;
    if (!error && !x->until_done && x->rep.len)
        error = x->rep.data;   /* a one-shot run's report is the raw error JSON */
    collect_files(w, o);
    classify(w, x, o, code, error);
}

/* ---- life cycle ---------------------------------------------------------------- */

void sb_exec_init(struct sb_exec *x, const struct sb_request *req, double timeout_s, int until_done)
{
    memset(x, 0, sizeof *x);
    sb_blocks_init(&x->blocks, req->max_output, req->max_block);
    sr_buf_init(&x->err, req->max_output);
    sr_buf_init(&x->rep, SB_REPORT_MAX);
    x->until_done = until_done;
    x->abort_fd = -1;
    sb_live_init(&x->live);
    x->t_start = sr_now();
    x->timeout_s = timeout_s;
    x->deadline = x->t_start + timeout_s;
}

void sb_exec_free(struct sb_exec *x)
{
    sb_blocks_free(&x->blocks);
    sr_buf_reset(&x->err);
    sr_buf_reset(&x->rep);
}

/* Why the spawn of the worker's init failed (errno), said once. */
static void spawn_failed(const struct sb_zygote *z)
{
    if (z && errno == EMSGSIZE)
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
