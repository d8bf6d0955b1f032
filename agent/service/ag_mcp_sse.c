/* ag_mcp_sse.c — one POST's messages, queued by the server, read by the
 * HTTP front; see ag_mcp_sse.h. */
#include "ag_mcp_sse.h"

#include <poll.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "ag_audit.h"
#include "sr_buf.h"
#include "sr_caps.h"
#include "sr_log.h"

#define EVENT_HEAD "event: message\ndata: "

struct msg {
    struct msg *next;
    char *text;
    size_t len;
};

struct ag_mcp_sse {
    struct ag_mcp_out out;
    pthread_mutex_t lock;
    pthread_cond_t cond;
    int refs;
    struct msg *head, *tail;
    size_t queued;                 /* bytes of the messages waiting */
    int nsent;                     /* messages delivered so far */
    int answered;                  /* the answer is queued (or will never come): the stream ends after it */
    int gone;                      /* the client hung up: later messages are dropped */
    int fd;
    unsigned keepalive;
    struct sr_buf event;           /* the event being read out */
    size_t event_off;
    struct ag_mcp_client cancel;   /* cancel_on_hangup's client */
    int cancel_set;
    struct { void (*fn)(void *); void *arg; } on_end[AG_MCP_SSE_HOOKS];
    int nend, ended;               /* the on_end hooks have run */
    char correlation[AG_AUDIT_CORR_MAX];
};

static atomic_int stopping;

static double now(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

/* The call is over: run the on_end hooks, once. */
static void end_call(struct ag_mcp_sse *s)
{
    int run;

    pthread_mutex_lock(&s->lock);
    run = !s->ended;
    s->ended = 1;
    pthread_mutex_unlock(&s->lock);
    for (int i = 0; run && i < s->nend; i++)
        s->on_end[i].fn(s->on_end[i].arg);
}

static void sse_free(struct ag_mcp_sse *s)
{
    end_call(s);                  /* a call the server never took (answered at once) */
    for (struct msg *m = s->head, *n; m; m = n) {
        n = m->next;
        free(m->text);
        free(m);
    }
    sr_buf_reset(&s->event);
    pthread_mutex_destroy(&s->lock);
    pthread_cond_destroy(&s->cond);
    free(s);
}

/* Drop one reference; the last frees s. */
static void unref(struct ag_mcp_sse *s)
{
    int left;

    pthread_mutex_lock(&s->lock);
    left = --s->refs;
    pthread_mutex_unlock(&s->lock);
    if (left == 0)
        sse_free(s);
}

static void hold(struct ag_mcp_out *o)
{
    struct ag_mcp_sse *s = (struct ag_mcp_sse *)o;

    pthread_mutex_lock(&s->lock);
    s->refs++;
    pthread_mutex_unlock(&s->lock);
}

/* The server lets go: the call is over. Unanswered (cancelled), the stream
 * ends after what is queued instead of waiting for an answer that never comes. */
static void drop(struct ag_mcp_out *o, int answered)
{
    struct ag_mcp_sse *s = (struct ag_mcp_sse *)o;

    if (!answered) {
        pthread_mutex_lock(&s->lock);
        s->answered = 1;
        pthread_cond_broadcast(&s->cond);
        pthread_mutex_unlock(&s->lock);
    }
    end_call(s);
    unref(s);
}

/* Queue one message; after the answer, or with the client gone, drop it. */
static int deliver(struct ag_mcp_out *o, char *text, size_t len, int final)
{
    struct ag_mcp_sse *s = (struct ag_mcp_sse *)o;
    struct msg *m = calloc(1, sizeof *m);
    int rc = 0;

    pthread_mutex_lock(&s->lock);
    if (!m || s->gone || s->answered || (!final && s->queued + len > AG_MCP_SSE_QUEUE_MAX)) {
        rc = s->gone || !m ? -1 : 0;   /* a notification past the cap is dropped; the answer never is */
        if (final && !m)
            SR_LOG("mcp-http: out of memory for an answer; its stream ends without it");
        s->answered |= final;          /* nothing more is coming either way */
        pthread_cond_broadcast(&s->cond);
        free(m);
        free(text);
    } else {
        m->text = text;
        m->len = len;
        if (s->tail)
            s->tail->next = m;
        else
            s->head = m;
        s->tail = m;
        s->queued += len;
        s->nsent++;
        s->answered |= final;
        pthread_cond_broadcast(&s->cond);
    }
    pthread_mutex_unlock(&s->lock);
    return rc;
}

struct ag_mcp_sse *ag_mcp_sse_new(int fd, unsigned keepalive)
{
    struct ag_mcp_sse *s = calloc(1, sizeof *s);

    if (!s)
        return SR_LOG("mcp-http: out of memory"), NULL;
    s->out.deliver = deliver;
    s->out.hold = hold;
    s->out.drop = drop;
    pthread_mutex_init(&s->lock, NULL);
    pthread_cond_init(&s->cond, NULL);
    s->refs = 1;
    s->fd = fd;
    s->keepalive = keepalive ? keepalive : 15;
    sr_buf_init(&s->event, AG_MCP_SSE_EVENT_MAX);
    return s;
}

struct ag_mcp_out *ag_mcp_sse_out(struct ag_mcp_sse *s)
{
    return &s->out;
}

int ag_mcp_sse_take_answer(struct ag_mcp_sse *s, char **text, size_t *len)
{
    int alone;

    pthread_mutex_lock(&s->lock);
    alone = s->answered && s->nsent == 1;
    if (alone) {
        *text = s->head->text;
        *len = s->head->len;
        free(s->head);
        s->head = s->tail = NULL;
        s->queued = 0;
    }
    pthread_mutex_unlock(&s->lock);
    return alone;
}

void ag_mcp_sse_cancel_on_hangup(struct ag_mcp_sse *s, const struct ag_mcp_client *c)
{
    s->cancel = *c;
    s->cancel_set = 1;
}

int ag_mcp_sse_on_end(struct ag_mcp_sse *s, void (*fn)(void *), void *arg)
{
    if (s->nend == AG_MCP_SSE_HOOKS)
        return -1;
    s->on_end[s->nend].fn = fn;
    s->on_end[s->nend++].arg = arg;
    return 0;
}

void ag_mcp_sse_release(struct ag_mcp_sse *s)
{
    unref(s);
}

void ag_mcp_sse_set_correlation(struct ag_mcp_sse *s, const char *id)
{
    snprintf(s->correlation, sizeof s->correlation, "%s", id);
    s->out.correlation = s->correlation;
}

void ag_mcp_sse_shutdown(void)
{
    atomic_store(&stopping, 1);
}

/* Whether the client on fd has hung up (its socket is MHD's: poll only). */
static int hung_up(int fd)
{
    struct pollfd p = {.fd = fd, .events = POLLRDHUP};

    return fd >= 0 && poll(&p, 1, 0) == 1 && (p.revents & (POLLRDHUP | POLLHUP | POLLERR));
}

/* The next event into s->event (lock held): 1, 0 at the end, -1 to abort
 * (-2: the client hung up; its calls are the caller's to cancel, outside
 * the lock: the server sends under its own lock, then takes this one). */
static int next_event(struct ag_mcp_sse *s)
{
    double quiet_since = now();
    struct msg *m;

    while (!s->head) {
        struct timespec ts;
        if (s->answered)
            return 0;                 /* the answer went out: the stream is complete */
        if (atomic_load(&stopping))
            return -1;
        if (hung_up(s->fd)) {
            s->gone = 1;
            return -2;
        }
        if (now() - quiet_since >= s->keepalive) {
            /* the event buffer is empty between events: a comment always fits */
            return sr_buf_puts(&s->event, ": keep-alive\n\n") == SR_BUF_OK ? 1 : -1;
        }
        clock_gettime(CLOCK_REALTIME, &ts);
        ts.tv_sec += 1;
        pthread_cond_timedwait(&s->cond, &s->lock, &ts);
    }
    m = s->head;
    s->head = m->next;
    if (!s->head)
        s->tail = NULL;
    s->queued -= m->len;
    /* cJSON prints no raw newline, so the message is one data line */
    if (sr_buf_puts(&s->event, EVENT_HEAD) != SR_BUF_OK || sr_buf_append(&s->event, m->text, m->len) != SR_BUF_OK ||
        sr_buf_puts(&s->event, "\n\n") != SR_BUF_OK) {
        SR_LOG("mcp-http: an event of %zu bytes does not fit the stream's buffer", m->len);
        free(m->text);
        free(m);
        return -1;
    }
    free(m->text);
    free(m);
    return 1;
}

/* ag_http_read_fn over the queue. */
static long sse_read(void *ctx, char *buf, size_t max)
{
    struct ag_mcp_sse *s = ctx;
    size_t n;
    int rc;

    pthread_mutex_lock(&s->lock);
    if (s->event_off == s->event.len) {
        sr_buf_reset(&s->event);
        s->event_off = 0;
        if ((rc = next_event(s)) <= 0) {
            pthread_mutex_unlock(&s->lock);
            if (rc == -2 && s->cancel_set)
                ag_mcp_cancel_client(&s->cancel);
            return rc == 0 ? AG_HTTP_STREAM_END : AG_HTTP_STREAM_ABORT;
        }
    }
    n = s->event.len - s->event_off < max ? s->event.len - s->event_off : max;
    memcpy(buf, s->event.data + s->event_off, n);
    s->event_off += n;
    pthread_mutex_unlock(&s->lock);
    return (long)n;
}

static void sse_done(void *ctx)
{
    struct ag_mcp_sse *s = ctx;
    int cut;

    pthread_mutex_lock(&s->lock);
    cut = !s->answered;
    s->gone |= cut;               /* cut before the answer: drop what still comes */
    pthread_mutex_unlock(&s->lock);
    if (cut && s->cancel_set)
        ag_mcp_cancel_client(&s->cancel);
    unref(s);
}

void ag_mcp_sse_respond(struct ag_mcp_sse *s, struct ag_http_resp *resp)
{
    ag_http_stream(resp, 200, "text/event-stream", sse_read, sse_done, s);
    ag_http_add_header(resp, "Cache-Control", "no-cache, no-transform");
    ag_http_add_header(resp, "X-Accel-Buffering", "no");    /* nginx: pass events on as they come */
}
