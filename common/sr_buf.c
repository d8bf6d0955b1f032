/* sr_buf.c — capped, growable byte buffers. */
#include "sr_buf.h"

#include <stdlib.h>
#include <string.h>

void sr_buf_init(struct sr_buf *b, size_t max)
{
    b->data = NULL;
    b->len = b->alloc = 0;
    b->max = max;
    b->err = SR_BUF_OK;
    b->fixed = 0;
}

void sr_buf_init_fixed(struct sr_buf *b, char *storage, size_t size)
{
    b->data = storage;
    b->len = 0;
    b->alloc = size;
    b->max = size ? size - 1 : 0;
    b->err = size ? SR_BUF_OK : SR_BUF_CAP;   /* no room even for the NUL */
    b->fixed = 1;
    if (size)
        storage[0] = '\0';
}

/* Make room for len+need+1 bytes, growing geometrically. */
static int buf_reserve(struct sr_buf *b, size_t need)
{
    size_t want = b->len + need + 1, n = b->alloc ? b->alloc : 256;
    char *p;

    if (want <= b->alloc)
        return 0;
    if (b->fixed)
        return -1;
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

    if (b->fixed && b->alloc == 0)
        return b->err = SR_BUF_CAP;
    if (n > b->max - b->len) {
        n = b->max - b->len;
        res = SR_BUF_CAP;
    }
    if (buf_reserve(b, n) < 0)
        res = SR_BUF_NOMEM;
    else {
        if (n)
            memcpy(b->data + b->len, p, n);
        b->len += n;
        b->data[b->len] = '\0';
    }
    if (res != SR_BUF_OK && b->err == SR_BUF_OK)
        b->err = res;
    return res;
}

enum sr_buf_res sr_buf_puts(struct sr_buf *b, const char *s)
{
    return sr_buf_append(b, s, strlen(s));
}

enum sr_buf_res sr_buf_putc(struct sr_buf *b, char c)
{
    return sr_buf_append(b, &c, 1);
}

void sr_buf_reset(struct sr_buf *b)
{
    b->err = SR_BUF_OK;
    b->len = 0;
    if (b->fixed) {
        if (b->alloc)
            b->data[0] = '\0';
        else
            b->err = SR_BUF_CAP;
        return;
    }
    free(b->data);
    b->data = NULL;
    b->alloc = 0;
}

char *sr_buf_steal_cut(struct sr_buf *b, const char *note, size_t *len)
{
    size_t max = b->max;
    char *p;

    if (sr_buf_failed(b) && !b->fixed) {
        b->max = b->len + strlen(note);   /* the note's room, past the cap */
        b->err = SR_BUF_OK;
        (void)sr_buf_puts(b, note);   /* an OOM here leaves the kept bytes */
    }
    p = sr_buf_steal(b, len);
    b->max = max;
    return p;
}

char *sr_buf_steal(struct sr_buf *b, size_t *len)
{
    char *p;

    if (b->fixed) {
        p = malloc(b->len + 1);
        if (p) {
            memcpy(p, b->data, b->len);
            p[b->len] = '\0';
            if (len)
                *len = b->len;
        }
        sr_buf_reset(b);
        return p;
    }
    if (!b->data && buf_reserve(b, 0) < 0)
        return NULL;
    p = b->data;
    if (len)
        *len = b->len;
    b->data = NULL;
    b->len = b->alloc = 0;
    b->err = SR_BUF_OK;
    return p;
}
