/* sr_tty — make a script's output safe to show on a terminal.
 *
 * What a jailed script prints may carry terminal control sequences: OSC 52
 * (set the clipboard), OSC 0 (the title), OSC 8 (links), CSI 2J, or a C1
 * CSI as UTF-8 (U+009B). Shown on the caller's terminal they act, so they
 * are written the way `cat -v` writes them: ESC as ^[, other control bytes
 * as ^X, DEL as ^?, C1 controls as M-^X. Newline, tab and carriage return
 * (progress bars) pass. Streams may be cut anywhere: the filter keeps its
 * state across chunks. */
#ifndef SR_TTY_H
#define SR_TTY_H

#include <stddef.h>

struct sr_tty_filter {
    int c2;      /* a 0xC2 byte is held back: with 0x80..0x9F it is a C1 control */
    int need;    /* continuation bytes still expected of a UTF-8 sequence */
};

/* Write p[0..n) to fd with control sequences neutralized. 0, or -1 (errno). */
int sr_tty_write(int fd, struct sr_tty_filter *f, const char *p, size_t n);
/* End of the stream: write what is held back. 0 or -1. */
int sr_tty_flush(int fd, struct sr_tty_filter *f);

#endif
