/* sb_live — a run's output as it happens, for the orchestrator's progress
 * notifications: best-effort, bounded, never in the way of the run.
 *
 * The watch loop feeds every byte of stdout (the text outside blocks) and
 * stderr. Lines are kept per stream, each cut at SB_LIVE_LINE_MAX bytes; a
 * carriage return starts the line over (a tqdm bar shows its latest state).
 * At most every SB_LIVE_INTERVAL seconds, when something changed, one
 * message goes out on the run's record channel, ahead of the record:
 *
 *   {"live":{"lines":[["stdout","text"]...],"partial":[["stderr","text"]...],"skipped":N}}\n
 *
 * "lines" ended since the last message (the latest SB_LIVE_LINES of them;
 * skipped counts the older ones not sent), "partial" the unfinished line of
 * each stream that changed, as printable UTF-8 (sr_utf8_printable). A message
 * is written only when the channel has room (never blocking the run; a busy
 * reader gets fewer messages); one begun is finished before the record.
 * Memory is fixed: no line, and no output, is ever held whole. */
#ifndef SB_LIVE_H
#define SB_LIVE_H

#include <stddef.h>

#define SB_LIVE_INTERVAL 0.5
#define SB_LIVE_LINES 8
#define SB_LIVE_LINE_MAX 240
#define SB_LIVE_MSG_MAX 8192
#define SB_LIVE_PREFIX "{\"live\":"

enum { SB_LIVE_STDOUT, SB_LIVE_STDERR };

struct sb_live_line {
    unsigned char stream, cut;     /* which stream; more bytes came than were kept */
    unsigned short len;
    char text[SB_LIVE_LINE_MAX];   /* raw bytes, made printable when sent */
};

struct sb_live {
    int fd;                                   /* where messages go; -1: off */
    double next;                              /* no message before this time */
    struct sb_live_line cur[2];               /* the line each stream is writing */
    int changed[2], restart[2];               /* cur changed since sent; a \r came: the next byte starts over */
    struct sb_live_line ended[SB_LIVE_LINES]; /* ring of lines ended since the last message */
    unsigned nended, head;
    unsigned long long skipped;               /* lines ended that the ring could not keep */
    char msg[SB_LIVE_MSG_MAX];                /* the message being written */
    size_t msg_len, msg_off;
};

/* Off (fd -1) until the caller sets fd. */
void sb_live_init(struct sb_live *l);
/* Take n bytes the script wrote to stream (SB_LIVE_STDOUT/STDERR). */
void sb_live_feed(struct sb_live *l, int stream, const char *p, size_t n);
/* For sb_blocks' echo: ctx is the struct sb_live, the bytes are stdout's. */
void sb_live_echo(void *ctx, const char *p, size_t n);
/* ms until a message is due (for poll), capped at ms; ms when none is. */
int sb_live_wait_ms(const struct sb_live *l, int ms);
/* Send a message if one is due and the channel has room. */
void sb_live_tick(struct sb_live *l);
/* End of the run: finish writing a message already begun (the record
 * follows on the same channel); what was not sent is dropped. */
void sb_live_finish(struct sb_live *l);

#endif
