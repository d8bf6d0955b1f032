/* sr_io — small I/O helpers that handle EINTR and short transfers. */
#ifndef SR_IO_H
#define SR_IO_H

#include <stddef.h>
#include <sys/types.h>

#include "sr_buf.h"

/* Write all n bytes; 0 on success, -1 with errno set. */
int sr_write_all(int fd, const void *p, size_t n);
/* Open path for writing (O_WRONLY | O_CLOEXEC | flags, mode 0444 if
 * created) and write text whole; 0, or -1 with errno set (nothing logged). */
int sr_write_file(const char *path, int flags, const char *text);
/* Read exactly n bytes; returns bytes read (< n only at EOF), -1 on error. */
ssize_t sr_read_full(int fd, void *p, size_t n);
/* Read fd to EOF into b (capped by b's max). Returns 0, -1 on read error
 * (errno set) or 1 when the cap was hit. */
int sr_read_all(int fd, struct sr_buf *b);
/* Append n bytes just read to b, as the readers here report it: 0, 1 when
 * the cap was hit, -1 with errno ENOMEM. */
int sr_buf_append_read(struct sr_buf *b, const void *p, size_t n);
/* Read from fd into b until a newline has arrived (or EOF), capped as
 * sr_read_all; for peers that answer one line and may keep the connection
 * open a while after it. Bytes after the newline in the same read are kept. */
int sr_read_line(int fd, struct sr_buf *b);
/* Read a whole file (capped at max bytes) into b; 0, -1 (errno), 1 (cap hit). */
int sr_read_file(const char *path, size_t max, struct sr_buf *b);
/* Parse a decimal unsigned number; 0 on success, -1 if not a clean number
 * within [min, max]. Used instead of atoi. */
int sr_parse_ulong(const char *s, unsigned long min, unsigned long max, unsigned long *out);
/* Seconds on the monotonic clock (for deadlines and durations). */
double sr_now(void);
/* A poll(2) timeout in ms for a deadline on sr_now()'s clock: 0 once it has
 * passed (never negative, which would wait forever), rounded up otherwise,
 * at most ~23 days. */
int sr_poll_ms(double deadline);
/* Duplicate a string, aborting the process on OOM (startup-time config only). */
char *sr_xstrdup(const char *s);

/* Close *fd if open and set it to -1; for __attribute__((cleanup)). */
void sr_closep(int *fd);
#define SR_AUTOCLOSE __attribute__((cleanup(sr_closep)))

#endif
