/* ag_live — a run's live output, as the supervisor sends it ahead of the
 * record on the record's channel when the request says "live": true
 * (sandbox/run/sb_live.h): one line per message,
 *
 *   {"live":{"lines":[["stdout","text"]...],"partial":[["stderr","text"]...],"skipped":N}}
 *
 * "lines" ended since the last message (the latest few), "partial" the
 * unfinished line of a stream as it stands (a progress bar), "skipped" the
 * lines left out. The readers here take those lines off the channel and give
 * each message to a sink; what is left is the record, unchanged. */
#ifndef AG_LIVE_H
#define AG_LIVE_H

#include <cjson/cJSON.h>
#include <stddef.h>

#include "sr_buf.h"

#define AG_LIVE_PREFIX "{\"live\":"
#define AG_LIVE_LINE_MAX 16384   /* a live line longer than this is not one (the supervisor's are <= 8 KiB) */

/* Where a run's live messages go: fn(ctx, the "live" object), on the thread
 * that reads the run. fn NULL: nowhere (and the request does not ask). */
struct ag_live_sink {
    void (*fn)(void *ctx, const cJSON *live);
    void *ctx;
};

/* If line p[0..n) (no newline) is a live message, give it to sink and
 * return 1; else 0 (it is the record). */
int ag_live_take(const struct ag_live_sink *sink, const char *p, size_t n);
/* Read fd into b (capped as sr_read_all) until EOF, or with line set until
 * b holds a whole line that is not a live message; the live lines that come
 * first go to sink and not into b. Returns 0, -1 on read error (errno), 1
 * when b's cap was hit. */
int ag_live_read(int fd, struct sr_buf *b, const struct ag_live_sink *sink, int line);
/* A copy of request with "live": true when sink has a fn (caller deletes),
 * else NULL: send request itself. */
cJSON *ag_live_request(const cJSON *request, const struct ag_live_sink *sink);

#endif
