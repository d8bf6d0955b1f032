/* ag_eventstream.c — encode event-stream messages; see ag_eventstream.h. */
#include "ag_eventstream.h"

#include <string.h>
#include <zlib.h>

#define TYPE_STRING 7

uint32_t ag_eventstream_crc32(uint32_t crc, const void *p, size_t n)
{
    const unsigned char *b = p;

    while (n) {   /* zlib takes a uInt length */
        uInt chunk = n > (1u << 30) ? (1u << 30) : (uInt)n;
        crc = (uint32_t)crc32(crc, b, chunk);
        b += chunk;
        n -= chunk;
    }
    return crc;
}

static void be32(unsigned char *p, uint32_t v)
{
    p[0] = (unsigned char)(v >> 24);
    p[1] = (unsigned char)(v >> 16);
    p[2] = (unsigned char)(v >> 8);
    p[3] = (unsigned char)v;
}

/* Bytes the headers take, or 0 if one is invalid. */
static size_t headers_size(const struct ag_es_header *h, size_t nh)
{
    size_t total = 0;

    for (size_t i = 0; i < nh; i++) {
        size_t nl = strlen(h[i].name), vl = strlen(h[i].value);
        if (nl == 0 || nl > 255 || vl > 32767)
            return 0;
        total += 1 + nl + 1 + 2 + vl;
    }
    return total;
}

enum ag_es_err ag_eventstream_encode(struct sr_buf *out, const struct ag_es_header *h, size_t nh,
                                     const void *payload, size_t n)
{
    size_t hl = headers_size(h, nh), start = out->len;
    unsigned char prelude[AG_EVENTSTREAM_PRELUDE], crc[4];
    uint32_t c;

    if (nh && hl == 0)
        return AG_ES_INVALID;
    if (n > AG_EVENTSTREAM_PAYLOAD_MAX || hl > AG_EVENTSTREAM_HEADERS_MAX)
        return AG_ES_TOO_LARGE;
    be32(prelude, (uint32_t)(AG_EVENTSTREAM_PRELUDE + hl + n + 4));
    be32(prelude + 4, (uint32_t)hl);
    be32(prelude + 8, ag_eventstream_crc32(0, prelude, 8));
    if (sr_buf_append(out, prelude, sizeof prelude) != SR_BUF_OK)
        goto full;
    for (size_t i = 0; i < nh; i++) {
        size_t nl = strlen(h[i].name), vl = strlen(h[i].value);
        unsigned char nlen = (unsigned char)nl, meta[3] = {TYPE_STRING, (unsigned char)(vl >> 8), (unsigned char)vl};
        if (sr_buf_append(out, &nlen, 1) || sr_buf_append(out, h[i].name, nl) ||
            sr_buf_append(out, meta, 3) || sr_buf_append(out, h[i].value, vl))
            goto full;
    }
    if (n && sr_buf_append(out, payload, n) != SR_BUF_OK)
        goto full;
    c = ag_eventstream_crc32(0, out->data + start, out->len - start);
    be32(crc, c);
    if (sr_buf_append(out, crc, 4) != SR_BUF_OK)
        goto full;
    return AG_ES_OK;
full:
    out->len = start;   /* nothing half-written stays */
    if (out->data)
        out->data[start] = '\0';
    return AG_ES_NOMEM;
}

enum ag_es_err ag_eventstream_event(struct sr_buf *out, const char *type, const char *json, size_t n)
{
    const struct ag_es_header h[] = {
        {":message-type", "event"}, {":event-type", type}, {":content-type", "application/json"}};

    return ag_eventstream_encode(out, h, 3, json, n);
}
