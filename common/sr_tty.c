/* sr_tty.c — control sequences shown as text (cat -v style). */
#include "sr_tty.h"

#include "sr_io.h"

/* Append the visible form of one byte b (after the filter's state) to out;
 * returns the bytes added (at most 4). */
static size_t visible(struct sr_tty_filter *f, unsigned char b, unsigned char *out)
{
    size_t n = 0;

    if (f->c2) {
        f->c2 = 0;
        if (b >= 0x80 && b <= 0x9f) {
            out[0] = 'M', out[1] = '-', out[2] = '^', out[3] = (unsigned char)(b - 0x80 + 0x40);
            return 4;
        }
        out[n++] = 0xc2;
        if (b >= 0xa0 && b <= 0xbf)
            return out[n++] = b, n;
    }
    if (f->need && b >= 0x80 && b <= 0xbf) {
        f->need--;
        return out[n++] = b, n;
    }
    f->need = 0;
    if (b == 0xc2) {
        f->c2 = 1;
        return n;
    }
    f->need = b >= 0xc3 && b <= 0xdf ? 1 : b >= 0xe0 && b <= 0xef ? 2 : b >= 0xf0 && b <= 0xf4 ? 3 : 0;
    if ((b < 0x20 && b != '\n' && b != '\t' && b != '\r') || b == 0x7f) {
        out[n++] = '^';
        out[n++] = b == 0x7f ? '?' : (unsigned char)(b + 0x40);
    } else if (b >= 0x80 && b <= 0x9f) {   /* a lone 8-bit C1 control */
        out[n++] = 'M', out[n++] = '-', out[n++] = '^', out[n++] = (unsigned char)(b - 0x80 + 0x40);
    } else {
        out[n++] = b;
    }
    return n;
}

int sr_tty_write(int fd, struct sr_tty_filter *f, const char *p, size_t n)
{
    unsigned char buf[4096 + 8];
    size_t len = 0;

    for (size_t i = 0; i < n; i++) {
        len += visible(f, (unsigned char)p[i], buf + len);
        if (len >= 4096) {
            if (sr_write_all(fd, buf, len) < 0)
                return -1;
            len = 0;
        }
    }
    return len ? sr_write_all(fd, buf, len) : 0;
}

int sr_tty_flush(int fd, struct sr_tty_filter *f)
{
    int held = f->c2;

    f->c2 = f->need = 0;
    return held ? sr_write_all(fd, "\xc2", 1) : 0;
}
