/* sb_live.c — coalesce a run's output lines into a few small messages. */
#include "sb_live.h"

#include <cjson/cJSON.h>
#include <errno.h>
#include <limits.h>
#include <poll.h>
#include <string.h>
#include <unistd.h>

#include "sr_io.h"
#include "sr_utf8.h"

#define RETRY_S 0.05   /* a full channel: look again this much later */
#define SETTLE_S 0.05  /* output after a quiet spell waits this long (print() writes in pieces) */

static const char *const stream_names[] = {"stdout", "stderr"};

void sb_live_init(struct sb_live *l)
{
    memset(l, 0, sizeof *l);
    l->fd = -1;
    l->cur[SB_LIVE_STDERR].stream = SB_LIVE_STDERR;
}

/* The line of stream ended: into the ring (the oldest goes when it is full). */
static void end_line(struct sb_live *l, int stream)
{
    struct sb_live_line *c = &l->cur[stream];

    l->restart[stream] = 0;   /* "\r\n" ends the line it had */
    l->changed[stream] = 0;
    if (c->len == 0 && !c->cut)
        return;               /* blank lines carry nothing to show */
    if (l->nended == SB_LIVE_LINES) {
        l->head = (l->head + 1) % SB_LIVE_LINES;
        l->nended--;
        l->skipped++;
    }
    l->ended[(l->head + l->nended++) % SB_LIVE_LINES] = *c;
    c->len = 0;
    c->cut = 0;
}

static int due(const struct sb_live *l)
{
    return l->nended || l->skipped || l->changed[0] || l->changed[1];
}

void sb_live_feed(struct sb_live *l, int stream, const char *p, size_t n)
{
    struct sb_live_line *c = &l->cur[stream];

    if (l->fd < 0)
        return;
    if (!due(l) && l->next < sr_now() + SETTLE_S)
        l->next = sr_now() + SETTLE_S;
    for (size_t i = 0; i < n; i++) {
        if (p[i] == '\n') {
            end_line(l, stream);
            continue;
        }
        if (p[i] == '\r') {
            l->restart[stream] = 1;
            continue;
        }
        if (l->restart[stream]) {   /* a progress bar redraws its line: keep the latest */
            c->len = 0;
            c->cut = 0;
            l->restart[stream] = 0;
        }
        if (c->len < SB_LIVE_LINE_MAX)
            c->text[c->len++] = p[i];
        else
            c->cut = 1;
        l->changed[stream] = 1;
    }
}

void sb_live_echo(void *ctx, const char *p, size_t n)
{
    sb_live_feed(ctx, SB_LIVE_STDOUT, p, n);
}

int sb_live_wait_ms(const struct sb_live *l, int ms)
{
    int w;

    if (l->fd < 0 || (!due(l) && l->msg_off >= l->msg_len))
        return ms;
    w = l->msg_off < l->msg_len ? (int)(RETRY_S * 1000) : sr_poll_ms(l->next);
    return ms < 0 || w < ms ? w : ms;
}

static void add_line(cJSON *lines, const struct sb_live_line *ln)
{
    char text[SB_LIVE_LINE_MAX * 3 + 8];
    int cut;
    size_t n = sr_utf8_printable(ln->text, ln->len, text, sizeof text - 3, &cut);
    cJSON *pair = cJSON_CreateArray();

    if (ln->cut || cut)
        memcpy(text + n, "\xE2\x80\xA6", 4);   /* "…": there was more */
    cJSON_AddItemToArray(pair, cJSON_CreateString(stream_names[ln->stream]));
    cJSON_AddItemToArray(pair, cJSON_CreateString(text));
    cJSON_AddItemToArray(lines, pair);
}

/* The message of what changed since the last one, into l->msg; resets the
 * ring. A message too big for the buffer drops its oldest lines. */
static void build(struct sb_live *l)
{
    for (unsigned first = 0;; first++) {
        cJSON *root = cJSON_CreateObject(), *live = cJSON_AddObjectToObject(root, "live");
        cJSON *lines = cJSON_AddArrayToObject(live, "lines"), *partial = cJSON_AddArrayToObject(live, "partial");
        int fits;
        for (unsigned i = first; i < l->nended; i++)
            add_line(lines, &l->ended[(l->head + i) % SB_LIVE_LINES]);
        for (int s = 0; s < 2; s++)
            if (l->changed[s])
                add_line(partial, &l->cur[s]);
        cJSON_AddNumberToObject(live, "skipped", (double)(l->skipped + first));
        fits = cJSON_PrintPreallocated(root, l->msg, SB_LIVE_MSG_MAX - 1, 0);
        cJSON_Delete(root);
        if (fits || first >= l->nended) {
            l->msg_len = fits ? strlen(l->msg) : 0;
            if (fits)
                l->msg[l->msg_len++] = '\n';
            break;
        }
    }
    l->msg_off = 0;
    l->nended = l->head = 0;
    l->skipped = 0;
    l->changed[0] = l->changed[1] = 0;
}

/* Whether fd can take a write now without blocking. */
static int room(int fd)
{
    struct pollfd pf = {.fd = fd, .events = POLLOUT};

    return poll(&pf, 1, 0) == 1 && (pf.revents & POLLOUT);
}

/* Write what fits of the message now: at most PIPE_BUF bytes at a time, each
 * after poll said there is room, so no write blocks. A reader gone turns
 * the stream off. */
static void push(struct sb_live *l)
{
    while (l->msg_off < l->msg_len && room(l->fd)) {
        size_t n = l->msg_len - l->msg_off;
        ssize_t w = write(l->fd, l->msg + l->msg_off, n < PIPE_BUF ? n : PIPE_BUF);
        if (w < 0 && (errno == EINTR || errno == EAGAIN))
            continue;
        if (w <= 0) {
            l->fd = -1;
            return;
        }
        l->msg_off += (size_t)w;
    }
}

void sb_live_tick(struct sb_live *l)
{
    double t;

    if (l->fd < 0)
        return;
    if (l->msg_off < l->msg_len) {
        push(l);
        return;
    }
    if (!due(l) || (t = sr_now()) < l->next)
        return;
    if (!room(l->fd)) {
        l->next = t + RETRY_S;   /* the reader is behind: keep coalescing */
        return;
    }
    build(l);
    l->next = t + SB_LIVE_INTERVAL;
    push(l);
}

void sb_live_finish(struct sb_live *l)
{
    if (l->fd >= 0 && l->msg_off < l->msg_len)
        (void)sr_write_all(l->fd, l->msg + l->msg_off, l->msg_len - l->msg_off);
    l->msg_len = l->msg_off = 0;
    l->fd = -1;
}
