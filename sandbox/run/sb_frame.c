/* sb_frame.c — length-prefixed frames on pipes. */
#include "sb_frame.h"

#include <stdint.h>
#include <string.h>

#include "sr_io.h"

int sb_frame_read(int fd, struct sr_buf *b, size_t max)
{
    char chunk[65536];
    uint32_t len;
    ssize_t n = sr_read_full(fd, &len, sizeof len);

    if (n == 0)
        return 0;
    if (n != (ssize_t)sizeof len || len > max)
        return -1;
    sr_buf_reset(b);
    sr_buf_init(b, max);
    if (sr_buf_append(b, "", 0) != SR_BUF_OK)   /* data is never NULL, even for an empty frame */
        return -1;
    while (b->len < len) {
        size_t want = len - b->len < sizeof chunk ? len - b->len : sizeof chunk;
        if (sr_read_full(fd, chunk, want) != (ssize_t)want || sr_buf_append(b, chunk, want) != SR_BUF_OK)
            return -1;
    }
    return 1;
}

int sb_frame_write(int fd, const char *text)
{
    uint32_t len = (uint32_t)strlen(text);

    return sr_write_all(fd, &len, sizeof len) < 0 || sr_write_all(fd, text, len) < 0 ? -1 : 0;
}
