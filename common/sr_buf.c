/* sr_buf.c — capped, growable byte buffers. */
#include "sr_buf.h"

#include <stdlib.h>
#include <string.h>

void sr_buf_init(struct sr_buf *b, size_t max)
{
    b->data = NULL;
    b->len = b->alloc = 0;
    b->max = max;
}

/* Make room for len+need+1 bytes, growing geometrically. */
static int buf_reserve(struct sr_buf *b, size_t need)
{
    size_t want = b->len + need + 1, n = b->alloc ? b->alloc : 256;
    char *p;

    if (want <= b->alloc)
        return 0;
    while (n < want)
        n = n > ((size_t)-1) / 2 ? want : n * 2;
    p = realloc(b->data, n);
    if (!p)
        return -1;
    b->data = p;
    b->alloc = n;
    return 0;
}

enum sr_buf_res sr_buf_append(struct sr_buf *b, const void *p, size_t n)
{
    enum sr_buf_res res = SR_BUF_OK;

    if (n > b->max - b->len) {
        n = b->max - b->len;
        res = SR_BUF_CAP;
    }
    if (buf_reserve(b, n) < 0)
        return SR_BUF_NOMEM;
    if (n)
        memcpy(b->data + b->len, p, n);
    b->len += n;
    b->data[b->len] = '\0';
    return res;
}

enum sr_buf_res sr_buf_puts(struct sr_buf *b, const char *s)
{
    return sr_buf_append(b, s, strlen(s));
}

void sr_buf_reset(struct sr_buf *b)
{
    free(b->data);
    b->data = NULL;
    b->len = b->alloc = 0;
}

char *sr_buf_steal(struct sr_buf *b, size_t *len)
{
    char *p;

    if (!b->data && buf_reserve(b, 0) < 0)
        return NULL;
    p = b->data;
    if (len)
        *len = b->len;
    b->data = NULL;
    b->len = b->alloc = 0;
    return p;
}
