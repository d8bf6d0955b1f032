/* sr_utf8 — make arbitrary bytes safe to put in a JSON string. */
#ifndef SR_UTF8_H
#define SR_UTF8_H

#include <stddef.h>

/* Return a NUL-terminated copy of p[0..n) in which every invalid UTF-8
 * sequence and every NUL byte is replaced by U+FFFD. Caller frees; NULL on OOM. */
char *sr_utf8_sanitize(const char *p, size_t n);
/* Write p[0..n) as one printable line into out (cap bytes, cap >= 4,
 * NUL-terminated) for a progress message: invalid UTF-8, NUL and the
 * control characters (C0 but tab, DEL, C1) become U+FFFD, a tab a space,
 * and ANSI CSI sequences (ESC [ ... final byte: colours, cursor moves) are
 * removed. What does not fit is cut at a character boundary and *cut set.
 * Returns the bytes written (without the NUL). */
size_t sr_utf8_printable(const char *p, size_t n, char *out, size_t cap, int *cut);

#endif
