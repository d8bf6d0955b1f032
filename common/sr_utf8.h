/* sr_utf8 — make arbitrary bytes safe to put in a JSON string. */
#ifndef SR_UTF8_H
#define SR_UTF8_H

#include <stddef.h>

/* Return a NUL-terminated copy of p[0..n) in which every invalid UTF-8
 * sequence and every NUL byte is replaced by U+FFFD. Caller frees; NULL on OOM. */
char *sr_utf8_sanitize(const char *p, size_t n);

#endif
