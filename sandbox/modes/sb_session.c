/* sb_session.c — a persistent interpreter in one jailed worker. */
#include "sb_session.h"

#include <cjson/cJSON.h>
#include <errno.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/resource.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "sb_frame.h"
#include "sb_python.h"
#include "sb_record.h"
#include "sb_worker.h"
#include "sr_cancel.h"
#include "sr_io.h"
#include "sr_json_nul.h"
#include "sr_log.h"

enum { IN_FD = 3, OUT_FD = 4 };

/* ---- inside the jail: the script's process ------------------------------------- */

/* CPU seconds of this process and its waited-for children; peak RSS in KiB. */
static double cpu_seconds(long *max_rss)
{
    struct rusage self, kids;

    getrusage(RUSAGE_SELF, &self);
    getrusage(RUSAGE_CHILDREN, &kids);
    *max_rss = self.ru_maxrss > kids.ru_maxrss ? self.ru_maxrss : kids.ru_maxrss;
    return (double)(self.ru_utime.tv_sec + self.ru_stime.tv_sec + kids.ru_utime.tv_sec + kids.ru_stime.tv_sec) +
           (double)(self.ru_utime.tv_usec + self.ru_stime.tv_usec + kids.ru_utime.tv_usec + kids.ru_stime.tv_usec) / 1e6;
}

static volatile unsigned running_seq;   /* the execution running now; 0 between executions */
static volatile unsigned early_seq;     /* the newest cancel for an execution not started yet */

/* A cancel forwarded by init, with its execution's number: it interrupts
 * that execution only (a KeyboardInterrupt through Python's own SIGINT
 * handling, sb_python_interrupt); one that arrives after its execution
 * ended is dropped, one that arrives before it starts is kept for it.
 * Async-signal-safe. */
static void on_cancel_signal(int sig, siginfo_t *si, void *uc)
{
    unsigned n = si->si_code == SI_QUEUE ? (unsigned)si->si_value.sival_int : 0;

    (void)sig, (void)uc;
    if (n && n == running_seq)
        sb_python_interrupt();
    else if (n > running_seq && n > early_seq)
        early_seq = n;
}

static unsigned request_seq(const cJSON *req)
{
    const cJSON *seq = cJSON_GetObjectItemCaseSensitive(req, "seq");

    return cJSON_IsNumber(seq) && seq->valuedouble >= 1 && seq->valuedouble <= UINT_MAX ? (unsigned)seq->valuedouble
                                                                                          : 0;
}

/* Run the helper request key of req, if there is one (sb_python_helper);
 * its answer goes to answers[key]. Its status, or 0 when there is none. */
static int helper(const cJSON *req, const char *key, cJSON *answers, char **error)
{
    const cJSON *h = cJSON_GetObjectItemCaseSensitive(req, key);
    char *json, *answer = NULL;
    int status;

    if (!cJSON_IsObject(h) || !(json = cJSON_PrintUnformatted(h)))
        return 0;
    status = sb_python_helper(json, &answer, error);
    if (answer)
        cJSON_AddItemToObject(answers, key, cJSON_Parse(answer));
    free(answer);
    free(json);
    return status;
}

/* Whether error (the code's, or NULL) is a KeyboardInterrupt: a cancel or
 * the timeout, after which the supervisor waits only a short grace. */
static int interrupted(const char *error)
{
    cJSON *e = error ? cJSON_Parse(error) : NULL;
    const char *type = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(e, "type"));
    int yes = type && strcmp(type, "KeyboardInterrupt") == 0;

    cJSON_Delete(e);
    return yes;
}

/* The execution itself: the before helper, then the code (or the call
 * helper), then the after helper. A before helper that fails (raises, or
 * answers {"failed": true}) keeps the code from running; the after helper
 * runs whatever the code did, unless it was interrupted (cancelled, or out
 * of time: then nothing more runs). */
static int run_execution(const cJSON *req, cJSON *answers, char **error)
{
    const cJSON *code = cJSON_GetObjectItemCaseSensitive(req, "code");
    const cJSON *file = cJSON_GetObjectItemCaseSensitive(req, "filename");
    int status = helper(req, "before", answers, error);

    if (status != 0 || cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(
                           cJSON_GetObjectItemCaseSensitive(answers, "before"), "failed")))
        return status ? status : 1;
    if (cJSON_IsString(code))
        status = sb_python_exec(code->valuestring, cJSON_IsString(file) ? file->valuestring : "<cell>",
                                cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(req, "display")), error);
    else if (cJSON_IsObject(cJSON_GetObjectItemCaseSensitive(req, "call")))
        status = helper(req, "call", answers, error);
    else
        status = 2;
    if (cJSON_IsObject(cJSON_GetObjectItemCaseSensitive(req, "after")) && !interrupted(*error)) {
        char *after_error = NULL;   /* the code's error is the one the record tells */
        (void)helper(req, "after", answers, &after_error);
        free(after_error);
    }
    return status;
}

/* One execution: run it, flush, send {"status","error","cpu","maxRssKb",
 * "answers"?} as the done-frame. */
static void execute(const char *text, size_t len)
{
    cJSON *req = cJSON_ParseWithLength(text, len), *done = cJSON_CreateObject(), *answers = cJSON_CreateObject();
    char *error = NULL, *out;
    int status;
    long rss;
    double cpu0 = cpu_seconds(&rss);
    unsigned n = request_seq(req);

    running_seq = n;
    if (n && early_seq == n)
        sb_python_interrupt();
    status = run_execution(req, answers, &error);
    running_seq = 0;
    sb_python_flush();
    cJSON_AddNumberToObject(done, "seq", n);   /* the supervisor takes only the answer to its request */
    cJSON_AddNumberToObject(done, "status", status);
    if (error)
        cJSON_AddItemToObject(done, "error", cJSON_Parse(error));
    cJSON_AddNumberToObject(done, "cpu", cpu_seconds(&rss) - cpu0);
    cJSON_AddNumberToObject(done, "maxRssKb", (double)rss);
    if (answers->child)
        cJSON_AddItemToObject(done, "answers", answers);
    else
        cJSON_Delete(answers);
    out = cJSON_PrintUnformatted(done);
    if (!out || sb_frame_write(SB_FD_REPORT, out) < 0)
        _exit(121);   /* the supervisor is gone or we are out of memory */
    free(out);
    free(error);
    cJSON_Delete(done);
    cJSON_Delete(req);
}

/* Serve the session's execution frames until the control channel closes. */
static int serve_frames(void)
{
    struct sr_buf b;
    int rc;
    /* no SA_RESTART: a cell blocked in a restartable call (waitpid under
     * subprocess.run, a read) must see EINTR, so that Python checks its
     * signals and raises the KeyboardInterrupt; else a cancelled or timed-out
     * shell command ran into the kill, and took the session with it */
    struct sigaction sa = {.sa_sigaction = on_cancel_signal, .sa_flags = SA_SIGINFO};

    sr_buf_init(&b, SB_SESSION_LINE_MAX);
    sigemptyset(&sa.sa_mask);
    sigaction(SR_CANCEL_SIGNAL, &sa, NULL);
    while ((rc = sb_frame_read(SB_FD_CTL, &b, SB_SESSION_LINE_MAX)) > 0)
        execute(b.data, b.len);
    sr_buf_reset(&b);
    sb_python_flush();
    return rc < 0 ? 121 : 0;
}

/* The runner of a cold session's script process: init once, then serve frames. */
static int session_runner(struct sb_jail *j)
{
    return sb_python_init(&j->job) < 0 ? 120 : serve_frames();
}

int sb_session_warm_runner(void)
{
    return serve_frames();
}

/* ---- the supervisor's side ------------------------------------------------------ */

struct line_reader {
    struct sr_buf pending;
    int in_fd, out_fd;        /* requests and cancels in, records out */
    int sig_fd;               /* the worker's signalfd (cold), watched between executions too, or -1 */
    int stop_fd;              /* readable when the session must end (the daemon stops), or -1 */
    unsigned cancel_seq;      /* the newest execution cancelled before its request was read */
    size_t partial;           /* bytes at the end of pending after its last newline */
    int skipping;             /* dropping the rest of a line over the cap, up to its newline */
    int eof;                  /* in_fd ended (seen while an execution ran) */
};

static void reader_init(struct line_reader *lr, int in_fd, int out_fd, int stop_fd)
{
    /* room for one line at the cap and the read that completes it */
    sr_buf_init(&lr->pending, SB_SESSION_LINE_MAX + 2 * 65536);
    lr->in_fd = in_fd;
    lr->out_fd = out_fd;
    lr->sig_fd = -1;
    lr->stop_fd = stop_fd;
    lr->cancel_seq = 0;
    lr->partial = 0;
    lr->skipping = 0;
    lr->eof = 0;
}

/* Add n bytes read to the pending lines. A line over SB_SESSION_LINE_MAX is
 * dropped whole, to its newline, so the lines after it stay in step. Returns
 * 1 when an oversized line ended in this data (the caller answers it once). */
static int take(struct line_reader *lr, const char *p, size_t n)
{
    int over = 0;

    while (n) {
        const char *nl = memchr(p, '\n', n);
        size_t len = nl ? (size_t)(nl - p) + 1 : n;

        if (!lr->skipping && (lr->partial + len - (nl ? 1 : 0) > SB_SESSION_LINE_MAX ||
                              sr_buf_append(&lr->pending, p, len) != SR_BUF_OK)) {
            lr->pending.len -= lr->partial;   /* drop the line so far, and the rest of it as it comes */
            lr->partial = 0;
            lr->skipping = 1;
        } else if (!lr->skipping) {
            lr->partial = nl ? 0 : lr->partial + len;
        }
        if (lr->skipping && nl)
            lr->skipping = 0, over = 1;
        p += len;
        n -= len;
    }
    return over;
}

/* A signal between executions: 1 if it ends the session. A cancel names an
 * execution whose request is still on its way (kept for run_one) or one that
 * already ended (dropped). */
static int on_idle_signal(struct line_reader *lr)
{
    struct signalfd_siginfo si;

    if (read(lr->sig_fd, &si, sizeof si) != (ssize_t)sizeof si)
        return 0;
    if ((int)si.ssi_signo != SR_CANCEL_SIGNAL)
        return 1;
    if ((unsigned)si.ssi_int > lr->cancel_seq)
        lr->cancel_seq = (unsigned)si.ssi_int;
    return 0;
}

#define CANCEL_LINE_MAX 64   /* bytes: a cancel line is shorter */

/* A cancel line {"cancel": seq} (how the orchestrator cancels a session it
 * cannot signal: one in the warm daemon): its number, or 0 if line is a
 * request. */
static unsigned cancel_line(const char *line, size_t len)
{
    cJSON *o = len < CANCEL_LINE_MAX ? cJSON_ParseWithLength(line, len) : NULL;
    const cJSON *n = cJSON_GetObjectItemCaseSensitive(o, "cancel");
    unsigned seq = cJSON_IsNumber(n) && n->valuedouble >= 1 && n->valuedouble <= UINT_MAX ? (unsigned)n->valuedouble
                                                                                          : 0;

    cJSON_Delete(o);
    return seq;
}

/* The first complete line in pending, taken out (without its newline) into
 * *line (caller frees); 0 if there is none yet. */
static int pop_line(struct line_reader *lr, char **line)
{
    /* only the complete lines before the partial one can hold a newline */
    char *nl = lr->pending.len > lr->partial ? memchr(lr->pending.data, '\n', lr->pending.len) : NULL;
    size_t len;

    if (!nl)
        return 0;
    len = (size_t)(nl - lr->pending.data);
    *line = strndup(lr->pending.data, len);
    memmove(lr->pending.data, nl + 1, lr->pending.len - len - 1);
    lr->pending.len -= len + 1;
    return 1;
}

/* Next line from fd (without its newline) into *line (caller frees). Returns
 * 1, 0 at EOF, -1 for a line over the cap (skipped whole, answered once), -2
 * on idle timeout, -3 when a signal (TERM, INT, HUP) ends the session. */
static int next_line(struct line_reader *lr, double idle_s, char **line)
{
    double deadline = sr_now() + idle_s;

    for (;;) {
        char chunk[65536];
        struct pollfd pf[3] = {{.fd = lr->in_fd, .events = POLLIN}, {.fd = lr->sig_fd, .events = POLLIN},
                               {.fd = lr->stop_fd, .events = POLLIN}};
        ssize_t n;
        int rc;

        if (pop_line(lr, line))
            return *line ? 1 : -1;
        if (lr->eof)
            return 0;
        rc = poll(pf, 3, sr_poll_ms(deadline));
        if (rc == 0 || sr_now() >= deadline)
            return -2;
        if (rc < 0 && errno == EINTR)
            continue;
        if (pf[2].revents)
            return -3;
        if (pf[1].revents & POLLIN) {
            if (on_idle_signal(lr))
                return -3;
            continue;
        }
        n = read(lr->in_fd, chunk, sizeof chunk);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            return 0;
        if (take(lr, chunk, (size_t)n))
            return -1;
    }
}

static void put_line(struct line_reader *lr, cJSON *obj)
{
    char *text = cJSON_PrintUnformatted(obj);

    if (!text || sr_write_all(lr->out_fd, text, strlen(text)) < 0 || sr_write_all(lr->out_fd, "\n", 1) < 0)
        SR_PLOG("write session record");
    free(text);
    cJSON_Delete(obj);
}

static int worker_alive(const struct sb_worker *w)
{
    return !w->killed && !w->got_exit && w->fd[SB_P_CHAN] >= 0;
}

/* The record of an execution cancelled before its request was read: it never ran. */
static cJSON *never_ran(struct sb_outcome *o)
{
    o->status = SR_ERROR;
    o->error = cJSON_CreateObject();
    cJSON_AddStringToObject(o->error, "type", "KeyboardInterrupt");
    cJSON_AddStringToObject(o->error, "message", "cancelled before it started; the code did not run");
    snprintf(o->message, sizeof o->message, "cancelled before it started");
    return sb_record_build(o);
}

/* The cancel lines at the head of what the channel has given so far: they
 * act now (on x, or kept for a later execution). Also called as x starts:
 * its own cancel may have come in the same read as its request, and sits
 * in the buffer, where no poll of the channel would find it. */
static void take_cancels(struct sb_worker *w, struct sb_exec *x)
{
    struct line_reader *lr = x->client;
    char *line;

    for (;;) {
        char *nl = lr->pending.len > lr->partial ? memchr(lr->pending.data, '\n', lr->pending.len) : NULL;
        unsigned seq = nl ? cancel_line(lr->pending.data, (size_t)(nl - lr->pending.data)) : 0;
        if (!seq || !pop_line(lr, &line))
            break;
        free(line);
        if (seq == x->seq)
            sb_worker_cancel(w, x, seq);
        else if (seq > x->seq && seq > lr->cancel_seq)
            lr->cancel_seq = seq;
    }
    /* a request waits (a line that is not a cancel, or one too long to be
     * one): read no further, watch for a hang-up only. A short partial line
     * may be a cancel whose newline is still on its way. */
    if (lr->pending.len > lr->partial || lr->partial >= CANCEL_LINE_MAX || lr->skipping)
        x->on_client = NULL;
}

/* While an execution runs: the orchestrator's channel is readable. Take
 * what came; cancel lines act now (on this execution, or kept for a later
 * one). Once anything else arrives (the next request, pipelined), reading
 * stops until the execution is over, so that next_line takes that line and
 * the ones after it in their order (an oversized one gets its one answer
 * there); only a hang-up is watched for meanwhile. The end of the channel
 * ends the session, so the execution is stopped. */
static void on_client(struct sb_worker *w, struct sb_exec *x)
{
    struct line_reader *lr = x->client;
    char chunk[4096];
    ssize_t n = recv(lr->in_fd, chunk, sizeof chunk, MSG_DONTWAIT);

    if (n < 0 && errno == ENOTSOCK)   /* a cold session's pipe */
        n = read(lr->in_fd, chunk, sizeof chunk);
    if (n == 0 || (n < 0 && errno != EAGAIN && errno != EINTR)) {
        lr->eof = 1;
        x->aborted = 1;
        sb_worker_kill(w);
        return;
    }
    if (n > 0 && take(lr, chunk, (size_t)n))
        SR_LOG("session: a request line over the size cap ended while a call ran; dropped unanswered");
    take_cancels(w, x);
}

/* Run one request line in the session and write its record. */
static void run_one(struct sb_worker *w, struct line_reader *lr, const char *line)
{
    cJSON *req = cJSON_Parse(line), *rec, *done = NULL, *st;
    const cJSON *code = cJSON_GetObjectItemCaseSensitive(req, "code");
    const cJSON *call = cJSON_GetObjectItemCaseSensitive(req, "call");
    const cJSON *tmo = cJSON_GetObjectItemCaseSensitive(req, "timeout");
    int runnable = cJSON_IsString(code) != cJSON_IsObject(call);   /* exactly one of them */
    double timeout = cJSON_IsNumber(tmo) && tmo->valuedouble > 0 ? tmo->valuedouble : w->req->timeout_s;
    unsigned n = request_seq(req);
    struct sb_outcome o;
    struct sb_exec x;
    char *frame = NULL, why[160];

    sb_outcome_init(&o);
    if (n && n == lr->cancel_seq) {
        rec = never_ran(&o);
    } else if (sr_json_nul(line, strlen(line), why, sizeof why)) {   /* cJSON ends the string there, unsaid */
        snprintf(o.message, sizeof o.message, "request: %s", why);
        o.status = SR_INTERNAL_ERROR;
        rec = sb_record_build(&o);
    } else if (!runnable || !(frame = cJSON_PrintUnformatted(req)) || sb_frame_write(w->ctl, frame) < 0) {
        snprintf(o.message, sizeof o.message, "%s", runnable ? "the session's worker is gone"
                                                              : "request: no 'code' string (or else a 'call' object)");
        o.status = SR_INTERNAL_ERROR;
        rec = sb_record_build(&o);
    } else {
        sb_exec_init(&x, w->req, timeout, 1);
        x.interrupt_first = 1;
        x.seq = n;
        x.live.fd = cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(req, "live")) ? lr->out_fd : -1;
        x.abort_fd = lr->in_fd;
        x.on_client = on_client;
        x.client = lr;
        take_cancels(w, &x);
        sb_worker_watch(w, &x);
        if (x.done) {
            char *err;
            const cJSON *cpu;
            const cJSON *rss;
            done = cJSON_ParseWithLength(x.rep.data + 4, x.rep.len - 4);
            st = cJSON_GetObjectItemCaseSensitive(done, "status");
            err = cJSON_PrintUnformatted(cJSON_GetObjectItemCaseSensitive(done, "error"));
            cpu = cJSON_GetObjectItemCaseSensitive(done, "cpu");
            rss = cJSON_GetObjectItemCaseSensitive(done, "maxRssKb");
            o.cpu_time = cJSON_IsNumber(cpu) ? cpu->valuedouble : 0;
            o.max_rss_kb = cJSON_IsNumber(rss) ? (long)rss->valuedouble : 0;
            sb_worker_outcome(w, &x, cJSON_IsNumber(st) ? st->valueint : 1, err, &o);
            free(err);
        } else {
            sb_worker_outcome(w, &x, -1, NULL, &o);
        }
        rec = sb_record_build(&o);
        if (cJSON_IsObject(cJSON_GetObjectItemCaseSensitive(done, "answers")))   /* the helpers' */
            cJSON_AddItemToObject(rec, "answers", cJSON_DetachItemFromObjectCaseSensitive(done, "answers"));
        if (x.answers_dropped)   /* the script wrote answers of its own to the report fd */
            cJSON_AddNumberToObject(rec, "answersDropped", x.answers_dropped);
        sb_exec_free(&x);
    }
    cJSON_AddBoolToObject(rec, "sessionAlive", worker_alive(w));
    put_line(lr, rec);
    free(frame);
    cJSON_Delete(done);
    cJSON_Delete(req);
    sb_outcome_free(&o);
}

static void say_ready(struct line_reader *lr, const struct sb_worker *w)
{
    cJSON *rec = cJSON_CreateObject();

    cJSON_AddStringToObject(rec, "status", "ready");
    cJSON_AddNumberToObject(rec, "setupTime", w->t_ready - w->t0);
    cJSON_AddStringToObject(rec, "memoryEnforcement", sb_cgroup_kind_name(w->cg.kind));
    put_line(lr, rec);
}

/* Start a cold worker; on failure say why. 0 or -1. */
static int start(struct line_reader *lr, struct sb_worker *w, const struct sb_request *req)
{
    struct sb_outcome o;
    struct sb_exec x;
    cJSON *rec;

    sb_outcome_init(&o);
    if (sb_worker_start(w, req, session_runner, 1, &o) == 0) {
        sb_exec_init(&x, req, 30, 0);
        x.until_ready = 1;
        sb_worker_watch(w, &x);
        sb_exec_free(&x);
    }
    if (w->got_ready && worker_alive(w)) {
        sb_outcome_free(&o);
        return 0;
    }
    sb_worker_setup_failed(w, &o);
    rec = sb_record_internal_error(o.message);
    cJSON_AddBoolToObject(rec, "sessionAlive", 0);
    put_line(lr, rec);
    sb_outcome_free(&o);
    return -1;
}

/* Say "ready", then run each request as it comes until the session ends. */
static void serve(struct line_reader *lr, struct sb_worker *w, const struct sb_request *req)
{
    char *line = NULL;
    int rc;

    say_ready(lr, w);
    while (worker_alive(w) && ((rc = next_line(lr, req->idle_timeout_s, &line)) > 0 || rc == -1)) {
        unsigned seq = rc == 1 ? cancel_line(line, strlen(line)) : 0;
        if (seq) {
            if (seq > lr->cancel_seq)
                lr->cancel_seq = seq;
        } else if (rc == 1) {
            run_one(w, lr, line);
        } else {
            put_line(lr, sb_record_internal_error("request line over the size cap; ignored"));
        }
        free(line);
        line = NULL;
    }
}

void sb_session_serve(struct sb_worker *w, const struct sb_request *req, int fd, int stop_fd)
{
    struct line_reader lr;

    reader_init(&lr, fd, fd, stop_fd);
    serve(&lr, w, req);
    sr_buf_reset(&lr.pending);
}

int sb_session_main(void)
{
    struct line_reader lr;
    struct sb_request req;
    struct sb_worker w;
    char err[512], *line = NULL;
    int rc;

    reader_init(&lr, IN_FD, OUT_FD, -1);
    sb_request_defaults(&req);
    rc = next_line(&lr, 60, &line);
    if (rc != 1 || sb_request_parse(line, strlen(line), &req, err, sizeof err) < 0) {
        if (rc != 1)
            snprintf(err, sizeof err, "session: no start request");
        put_line(&lr, sb_record_internal_error(err));
        free(line);
        sb_request_free(&req);
        return 1;
    }
    free(line);
    if (start(&lr, &w, &req) == 0) {
        lr.sig_fd = w.fd[SB_P_SIG];
        serve(&lr, &w, &req);
    }
    sb_worker_finish(&w);
    sr_buf_reset(&lr.pending);
    sb_request_free(&req);
    return 0;
}
