/* ag_live.c — take the live messages off a run's record channel. */
#include "ag_live.h"

#include <errno.h>
#include <string.h>
#include <unistd.h>

#include "sr_io.h"

int ag_live_take(const struct ag_live_sink *sink, const char *p, size_t n)
{
    cJSON *msg;

    if (n < sizeof AG_LIVE_PREFIX - 1 || memcmp(p, AG_LIVE_PREFIX, sizeof AG_LIVE_PREFIX - 1) != 0)
        return 0;
    if (sink && sink->fn && (msg = cJSON_ParseWithLength(p, n))) {
        const cJSON *live = cJSON_GetObjectItemCaseSensitive(msg, "live");
        if (cJSON_IsObject(live))
            sink->fn(sink->ctx, live);
        cJSON_Delete(msg);
    }
    return 1;
}

/* Take the complete live lines at the head of b; 1 once the head is the
 * record (no live line can start there: it is not one, or it is too long). */
static int drain(const struct ag_live_sink *sink, struct sr_buf *b)
{
    const size_t plen = sizeof AG_LIVE_PREFIX - 1;

    while (b->len) {
        size_t look = b->len < AG_LIVE_LINE_MAX ? b->len : AG_LIVE_LINE_MAX;
        char *nl;
        if (memcmp(b->data, AG_LIVE_PREFIX, b->len < plen ? b->len : plen) != 0)
            return 1;
        if (!(nl = memchr(b->data, '\n', look)))
            return b->len >= AG_LIVE_LINE_MAX;
        if (!ag_live_take(sink, b->data, (size_t)(nl - b->data)))
            return 1;
        b->len -= (size_t)(nl - b->data) + 1;
        memmove(b->data, nl + 1, b->len);
    }
    return 0;
}

int ag_live_read(int fd, struct sr_buf *b, const struct ag_live_sink *sink, int line)
{
    char chunk[65536];
    size_t scanned = 0;   /* bytes of the record searched for its newline */
    int record = 0, rc;

    for (;;) {
        ssize_t r;
        if (!record)
            record = drain(sink, b);
        if (record && line) {
            if (memchr(b->data + scanned, '\n', b->len - scanned))
                return 0;
            scanned = b->len;
        }
        r = read(fd, chunk, sizeof chunk);
        if (r < 0 && errno == EINTR)
            continue;
        if (r <= 0)
            return r < 0 ? -1 : 0;
        if ((rc = sr_buf_append_read(b, chunk, (size_t)r)) != 0)
            return rc;
    }
}

cJSON *ag_live_request(const cJSON *request, const struct ag_live_sink *sink)
{
    cJSON *copy;

    if (!sink || !sink->fn || !(copy = cJSON_Duplicate(request, 1)))
        return NULL;
    cJSON_DeleteItemFromObjectCaseSensitive(copy, "live");
    cJSON_AddBoolToObject(copy, "live", 1);
    return copy;
}
