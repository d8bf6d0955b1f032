/* sr_buf — a byte buffer with a cap fixed at creation.
 *
 * Every buffer that input can grow has a cap; hitting it is a distinct result
 * (SR_BUF_CAP), never a silent truncation or an unbounded allocation. The
 * data is always NUL-terminated for convenience (the NUL is not counted). */
#ifndef SR_BUF_H
#define SR_BUF_H

#include <stddef.h>

enum sr_buf_res { SR_BUF_OK = 0, SR_BUF_CAP, SR_BUF_NOMEM };

struct sr_buf {
    char *data;
    size_t len;
    size_t alloc;
    size_t max;
};

void sr_buf_init(struct sr_buf *b, size_t max);
/* Append n bytes. On SR_BUF_CAP, as much as fits is appended. */
enum sr_buf_res sr_buf_append(struct sr_buf *b, const void *p, size_t n);
enum sr_buf_res sr_buf_puts(struct sr_buf *b, const char *s);
/* Free the data and reset to empty (the cap is kept). */
void sr_buf_reset(struct sr_buf *b);
/* Hand the data to the caller (who frees it) and reset. Never NULL unless OOM. */
char *sr_buf_steal(struct sr_buf *b, size_t *len);

#endif
