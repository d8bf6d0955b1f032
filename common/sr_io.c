/* sr_io.c — EINTR-safe, short-transfer-safe read and write helpers. */
#include "sr_io.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

int sr_write_all(int fd, const void *p, size_t n)
{
    const char *c = p;

    while (n) {
        ssize_t w = write(fd, c, n);
        if (w < 0) {
            if (errno == EINTR)
                continue;
            return -1;
        }
        c += w;
        n -= (size_t)w;
    }
    return 0;
}

int sr_write_file(const char *path, int flags, const char *text)
{
    int fd = open(path, O_WRONLY | O_CLOEXEC | flags, 0444), rc, saved;

    if (fd < 0)
        return -1;
    rc = sr_write_all(fd, text, strlen(text));
    saved = errno;
    close(fd);
    errno = saved;
    return rc;
}

ssize_t sr_read_full(int fd, void *p, size_t n)
{
    size_t got = 0;

    while (got < n) {
        ssize_t r = read(fd, (char *)p + got, n - got);
        if (r < 0) {
            if (errno == EINTR)
                continue;
            return -1;
        }
        if (r == 0)
            break;
        got += (size_t)r;
    }
    return (ssize_t)got;
}

int sr_buf_append_read(struct sr_buf *b, const void *p, size_t n)
{
    switch (sr_buf_append(b, p, n)) {
    case SR_BUF_OK:
        return 0;
    case SR_BUF_CAP:
        return 1;
    default:
        errno = ENOMEM;
        return -1;
    }
}

/* Read into b until EOF or, with line set, until a read brought a newline. */
static int read_into(int fd, struct sr_buf *b, int line)
{
    char chunk[65536];
    int rc;

    for (;;) {
        ssize_t r = read(fd, chunk, sizeof chunk);
        if (r < 0) {
            if (errno == EINTR)
                continue;
            return -1;
        }
        if (r == 0)
            return 0;
        if ((rc = sr_buf_append_read(b, chunk, (size_t)r)) != 0)
            return rc;
        if (line && memchr(chunk, '\n', (size_t)r))
            return 0;
    }
}

int sr_read_all(int fd, struct sr_buf *b)
{
    return read_into(fd, b, 0);
}

int sr_read_line(int fd, struct sr_buf *b)
{
    return read_into(fd, b, 1);
}

int sr_read_file(const char *path, size_t max, struct sr_buf *b)
{
    int fd, rc, saved;

    sr_buf_init(b, max);
    fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
    if (fd < 0)
        return -1;
    rc = sr_read_all(fd, b);
    saved = errno;
    close(fd);
    errno = saved;
    return rc;
}

int sr_parse_ulong(const char *s, unsigned long min, unsigned long max, unsigned long *out)
{
    char *end;
    unsigned long v;

    if (!s || !*s || *s == '-' || *s == '+' || *s == ' ')
        return -1;
    errno = 0;
    v = strtoul(s, &end, 10);
    if (errno || *end || v < min || v > max)
        return -1;
    *out = v;
    return 0;
}

double sr_now(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

int sr_poll_ms(double deadline)
{
    double left = deadline - sr_now();

    if (left <= 0)
        return 0;
    return left > 2e6 ? 2000000000 : (int)(left * 1000) + 1;   /* ~23 days at most: no int overflow */
}

char *sr_xstrdup(const char *s)
{
    char *p = strdup(s);

    if (!p)
        abort();
    return p;
}

void sr_closep(int *fd)
{
    if (*fd >= 0) {
        int saved = errno;
        close(*fd);
        errno = saved;
        *fd = -1;
    }
}
