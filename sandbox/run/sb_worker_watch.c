/* sb_worker_watch.c — one execution's state, and the loop that watches a
 * jailed worker run it: its pipes, channel, seccomp listener, deadlines and
 * our signals. */
#include "sb_worker.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/signalfd.h>
#include <unistd.h>

#include "sb_chan.h"
#include "sb_phase.h"
#include "sb_seccomp.h"
#include "sr_cancel.h"
#include "sr_caps.h"
#include "sr_io.h"
#include "sr_log.h"

#define SETUP_DEADLINE_S 30.0
#define KILL_GRACE_S 5.0

void sb_exec_init(struct sb_exec *x, const struct sb_request *req, double timeout_s, int until_done)
{
    memset(x, 0, sizeof *x);
    sb_blocks_init(&x->blocks, req->max_output, req->max_block);
    sr_buf_init(&x->err, req->max_output);
    sr_buf_init(&x->rep, until_done ? SB_SESSION_REPORT_MAX : SB_REPORT_MAX);
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
        if (x->deadline > t + SB_INTERRUPT_GRACE_S)
            x->deadline = t + SB_INTERRUPT_GRACE_S;
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

/* Read what is there now, max bytes at most: -1 at EOF or error (fd
 * closed), 0 if nothing is waiting, else the bytes taken (stdout, stderr or
 * the report). */
static ssize_t on_pipe(struct sb_worker *w, struct sb_exec *x, int which, size_t max)
{
    char buf[65536];
    ssize_t n = read(w->fd[which], buf, max < sizeof buf ? max : sizeof buf);

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
    return n;
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
        if (x->deadline > t + SB_INTERRUPT_GRACE_S)
            x->deadline = t + SB_INTERRUPT_GRACE_S;
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
        x->deadline = x->interrupted_at + SB_INTERRUPT_GRACE_S;
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
        /* every pass, not only on a quiet poll: a pipe that never runs dry
         * (children writing without end) must not outlive the deadline */
        if (poll_timeout(w, x) == 0) {
            on_deadline(w, x);
            continue;
        }
        if (rc == 0)
            continue;   /* a live message was due */
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
                on_pipe(w, x, i, SIZE_MAX);
        }
    }
    if (!x->t_end)
        x->t_end = sr_now();
    /* what the script wrote before it finished is in the pipes now: take
     * that much and no more (a session's worker lives on, and what its
     * children write meanwhile must not keep this thread reading) */
    for (int i = SB_P_OUT; i <= SB_P_REP; i++) {
        int fl, avail = 0;
        size_t left;
        ssize_t n;
        if (w->fd[i] < 0)
            continue;
        fl = fcntl(w->fd[i], F_GETFL);
        fcntl(w->fd[i], F_SETFL, fl | O_NONBLOCK);
        if (ioctl(w->fd[i], FIONREAD, &avail) < 0)
            avail = 0;
        left = (size_t)avail;
        while (left > 0 && (n = on_pipe(w, x, i, left)) > 0)
            left -= (size_t)n;
        if (w->fd[i] >= 0)
            fcntl(w->fd[i], F_SETFL, fl);
    }
    sb_live_finish(&x->live);   /* the record follows on its channel */
}
