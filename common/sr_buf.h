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
    enum sr_buf_res err;   /* the first failure since init or reset: sticky */
    int fixed;             /* data is the caller's storage: never grown or freed */
};

void sr_buf_init(struct sr_buf *b, size_t max);
/* A buffer over the caller's storage of size bytes (cap size - 1); it never
 * allocates, and data is "" at once (size 0: every append fails). */
void sr_buf_init_fixed(struct sr_buf *b, char *storage, size_t size);
/* Append n bytes. On SR_BUF_CAP, as much as fits is appended. */
enum sr_buf_res sr_buf_append(struct sr_buf *b, const void *p, size_t n);
enum sr_buf_res sr_buf_puts(struct sr_buf *b, const char *s);
enum sr_buf_res sr_buf_putc(struct sr_buf *b, char c);
/* Whether any append since init or reset failed (hit the cap or OOM). */
static inline int sr_buf_failed(const struct sr_buf *b) { return b->err != SR_BUF_OK; }
/* Free the data and reset to empty (the cap is kept; a fixed buffer's
 * storage is kept and emptied). */
void sr_buf_reset(struct sr_buf *b);
/* Hand the data to the caller (who frees it) and reset. Never NULL unless
 * OOM. A fixed buffer hands over a copy. */
char *sr_buf_steal(struct sr_buf *b, size_t *len);
/* sr_buf_steal for text a person or an agent reads: when an append was cut
 * at the cap, note follows the kept bytes (past the cap), so the cut shows.
 * The cap is kept. (A fixed buffer's copy comes without the note.) */
char *sr_buf_steal_cut(struct sr_buf *b, const char *note, size_t *len);

#endif
