/* ag_session.c — talk to a "sandboxrun-supervisor session" process, one JSON
 * line per request and per record. */
#include "ag_session.h"

#include <errno.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "ag_runner.h"
#include "ag_server.h"
#include "sr_buf.h"
#include "sr_io.h"

#define LINE_MAX_BYTES AG_RECORD_MAX

struct ag_session {
    pthread_mutex_t lock;      /* one execution at a time */
    pthread_mutex_t wlock;     /* one line written at a time: a request, or another thread's cancel */
    pid_t pid;                 /* a cold session's supervisor, or -1: a session on the warm daemon */
    int req_w, rec_r;          /* on the daemon, both are its connection */
    int alive;
    unsigned seq;              /* executions sent so far */
    struct sr_buf pending;     /* bytes read past the last line */
};

/* Read one line (capped) from the session; NULL when it ended or misbehaved.
 * Live output lines before it go to live. */
static cJSON *read_line(struct ag_session *s, const struct ag_live_sink *live)
{
    for (;;) {
        char *nl = s->pending.data ? memchr(s->pending.data, '\n', s->pending.len) : NULL;
        char chunk[65536];
        ssize_t n;

        if (nl) {
            size_t len = (size_t)(nl - s->pending.data);
            int is_live = ag_live_take(live, s->pending.data, len);
            cJSON *obj = is_live ? NULL : cJSON_ParseWithLength(s->pending.data, len);
            memmove(s->pending.data, nl + 1, s->pending.len - len - 1);
            s->pending.len -= len + 1;
            if (!is_live)
                return obj;
            continue;
        }
        n = read(s->rec_r, chunk, sizeof chunk);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0 || sr_buf_append(&s->pending, chunk, (size_t)n) != SR_BUF_OK)
            return NULL;
    }
}

/* One line, in one write where it fits a pipe's atomic size (a cancel line
 * does), so that the other side reads it whole. */
static int write_line(struct ag_session *s, const cJSON *obj)
{
    char *text = cJSON_PrintUnformatted(obj);
    size_t n;
    int rc;

    if (!text)
        return -1;
    n = strlen(text);
    text[n] = '\n';   /* the NUL becomes the newline: n + 1 bytes, no longer a string */
    pthread_mutex_lock(&s->wlock);
    rc = sr_write_all(s->req_w, text, n + 1) == 0 ? 0 : -1;
    pthread_mutex_unlock(&s->wlock);
    free(text);
    return rc;
}

/* Where the session comes from: a session on the warm daemon at daemon (a
 * pre-imported, pre-jailed worker: milliseconds), else a fresh
 * "sandboxrun-supervisor session" (a cold jail and interpreter). Fills s's
 * channel; *start is the start request to send (caller deletes). 0, or -1
 * with err set. */
static int open_channel(struct ag_session *s, const char *daemon, const cJSON *opts, cJSON **start, char *err,
                        size_t errlen)
{
    *start = opts ? cJSON_Duplicate(opts, 1) : cJSON_CreateObject();
    if (!*start)
        return snprintf(err, errlen, "out of memory"), -1;
    if (!daemon) {
        s->pid = ag_runner_spawn("session", &s->req_w, &s->rec_r, err, errlen);
        return s->pid < 0 ? -1 : 0;
    }
    s->pid = -1;
    cJSON_AddBoolToObject(*start, "session", 1);
    s->req_w = s->rec_r = ag_server_connect(daemon, err, errlen);
    return s->req_w < 0 ? -1 : 0;
}

int ag_session_start(const char *daemon, const cJSON *opts, struct ag_session **out, char *err, size_t errlen)
{
    struct ag_session *s = calloc(1, sizeof *s);
    cJSON *start = NULL, *ready;
    const cJSON *status, *msg;

    *out = NULL;
    if (!s)
        return snprintf(err, errlen, "out of memory"), -1;
    pthread_mutex_init(&s->lock, NULL);
    pthread_mutex_init(&s->wlock, NULL);
    sr_buf_init(&s->pending, LINE_MAX_BYTES);
    s->req_w = s->rec_r = -1;
    if (open_channel(s, daemon, opts, &start, err, errlen) < 0) {
        cJSON_Delete(start);
        ag_session_stop(&s);
        return -1;
    }
    signal(SIGPIPE, SIG_IGN);   /* a daemon that refuses (busy) may hang up before it reads */
    if (write_line(s, start) < 0 || !(ready = read_line(s, NULL))) {
        snprintf(err, errlen, "the session's %s did not answer", s->pid < 0 ? "daemon" : "supervisor");
        cJSON_Delete(start);
        ag_session_stop(&s);
        return -1;
    }
    cJSON_Delete(start);
    status = cJSON_GetObjectItemCaseSensitive(ready, "status");
    if (!cJSON_IsString(status) || strcmp(status->valuestring, "ready") != 0) {
        msg = cJSON_GetObjectItemCaseSensitive(ready, "message");
        snprintf(err, errlen, "%s", cJSON_IsString(msg) ? msg->valuestring : "the session could not start");
        cJSON_Delete(ready);
        ag_session_stop(&s);
        return -1;
    }
    cJSON_Delete(ready);
    s->alive = 1;
    *out = s;
    return 0;
}

/* Take the next execution number for the token, unless it was cancelled
 * (s->lock held). 0 or -1. */
static int claim(struct ag_session *s, struct ag_session_cancel *cancel, unsigned *seq)
{
    int rc = 0;

    *seq = ++s->seq;
    if (!cancel)
        return 0;
    pthread_mutex_lock(&cancel->lock);
    if (cancel->cancelled) {
        rc = -1;
    } else {
        cancel->s = s;
        cancel->seq = *seq;
    }
    pthread_mutex_unlock(&cancel->lock);
    return rc;
}

static void release(struct ag_session_cancel *cancel)
{
    if (!cancel)
        return;
    pthread_mutex_lock(&cancel->lock);
    cancel->s = NULL;
    pthread_mutex_unlock(&cancel->lock);
}

/* Send the request as execution number seq (asking for live output when
 * live has a sink) and read its record. 0 or -1. */
static int send_and_wait(struct ag_session *s, cJSON *req, unsigned seq, const struct ag_live_sink *live,
                         cJSON **record)
{
    cJSON_DeleteItemFromObjectCaseSensitive(req, "seq");
    cJSON_DeleteItemFromObjectCaseSensitive(req, "live");
    if (!cJSON_AddNumberToObject(req, "seq", seq) || (live && live->fn && !cJSON_AddBoolToObject(req, "live", 1)) ||
        write_line(s, req) < 0)
        return -1;
    *record = read_line(s, live);
    return *record ? 0 : -1;
}

int ag_session_exec(struct ag_session *s, cJSON *req, struct ag_session_cancel *cancel, cJSON **record,
                    char *err, size_t errlen)
{
    unsigned seq;
    int rc = -1;

    *record = NULL;
    pthread_mutex_lock(&s->lock);
    if (!s->alive) {
        snprintf(err, errlen, "the session has ended");
    } else if (claim(s, cancel, &seq) < 0) {
        snprintf(err, errlen, "cancelled before it started");
    } else if (send_and_wait(s, req, seq, cancel ? &cancel->live : NULL, record) < 0) {
        snprintf(err, errlen, "the session's supervisor went away");
        s->alive = 0;
    } else {
        rc = 0;
        if (cJSON_IsFalse(cJSON_GetObjectItemCaseSensitive(*record, "sessionAlive")))
            s->alive = 0;
    }
    release(cancel);
    pthread_mutex_unlock(&s->lock);
    return rc;
}

void ag_session_cancel(struct ag_session_cancel *cancel)
{
    pthread_mutex_lock(&cancel->lock);
    cancel->cancelled = 1;
    /* the supervisor (or the daemon) interrupts execution number seq, if it
     * is still that one's turn (a late cancel for an earlier execution is
     * dropped there; one that comes before its request keeps it from
     * running). A line, not a signal: a session on the daemon has no
     * process of its own. */
    if (cancel->s) {
        cJSON *line = cJSON_CreateObject();
        if (cJSON_AddNumberToObject(line, "cancel", cancel->seq))
            (void)write_line(cancel->s, line);
        cJSON_Delete(line);
    }
    pthread_mutex_unlock(&cancel->lock);
}

pid_t ag_session_pid(const struct ag_session *s)
{
    return s ? s->pid : -1;
}

int ag_session_alive(const struct ag_session *s)
{
    return s && s->alive;
}

/* Wait up to ms for pid; 1 if it was reaped. */
static int reap_within(pid_t pid, int ms)
{
    struct timespec pause = {0, 10 * 1000 * 1000};
    int st;

    for (int waited = 0; waited <= ms; waited += 10) {
        pid_t r = waitpid(pid, &st, WNOHANG);
        if (r == pid || (r < 0 && errno == ECHILD))
            return 1;
        nanosleep(&pause, NULL);
    }
    return 0;
}

void ag_session_end(struct ag_session *s)
{
    if (s && s->pid > 0)
        kill(s->pid, SIGTERM);   /* still our unreaped child: the pid cannot be another's */
    else if (s && s->req_w >= 0)
        shutdown(s->req_w, SHUT_RDWR);   /* the daemon kills the jail when its connection ends */
}

void ag_session_stop(struct ag_session **sp)
{
    struct ag_session *s = *sp;

    if (!s)
        return;
    if (s->rec_r == s->req_w)   /* the daemon's connection */
        s->rec_r = -1;
    sr_closep(&s->req_w);   /* EOF: the supervisor (or the daemon) ends the session and its jail */
    if (s->pid > 0 && !reap_within(s->pid, 3000)) {
        kill(s->pid, SIGTERM);   /* TERM: the supervisor still kills the jail */
        if (!reap_within(s->pid, 3000)) {
            kill(s->pid, SIGKILL);
            waitpid(s->pid, NULL, 0);
        }
    }
    sr_closep(&s->rec_r);
    sr_buf_reset(&s->pending);
    pthread_mutex_destroy(&s->lock);
    pthread_mutex_destroy(&s->wlock);
    free(s);
    *sp = NULL;
}
