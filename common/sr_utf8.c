/* sr_utf8.c — UTF-8 validation with U+FFFD replacement. */
#include "sr_utf8.h"

#include <stdlib.h>
#include <string.h>

/* Length of the valid UTF-8 sequence at s (max n bytes), or 0 if invalid. */
static size_t seq_len(const unsigned char *s, size_t n)
{
    unsigned char c = s[0];
    size_t len;
    unsigned long cp;

    if (c >= 0x01 && c < 0x80)
        return 1;
    if (c >= 0xC2 && c <= 0xDF)
        len = 2, cp = c & 0x1F;
    else if (c >= 0xE0 && c <= 0xEF)
        len = 3, cp = c & 0x0F;
    else if (c >= 0xF0 && c <= 0xF4)
        len = 4, cp = c & 0x07;
    else
        return 0;
    if (len > n)
        return 0;
    for (size_t i = 1; i < len; i++) {
        if ((s[i] & 0xC0) != 0x80)
            return 0;
        cp = (cp << 6) | (s[i] & 0x3F);
    }
    /* overlong forms, surrogates and values past U+10FFFF */
    if ((len == 3 && cp < 0x800) || (len == 4 && (cp < 0x10000 || cp > 0x10FFFF)) ||
        (cp >= 0xD800 && cp <= 0xDFFF))
        return 0;
    return len;
}

char *sr_utf8_sanitize(const char *p, size_t n)
{
    const unsigned char *s = (const unsigned char *)p;
    char *out, *o;

    if (n > ((size_t)-1 - 1) / 3)
        return NULL;
    out = malloc(n * 3 + 1);   /* worst case: every byte becomes EF BF BD */
    if (!out)
        return NULL;
    o = out;
    for (size_t i = 0; i < n;) {
        size_t l = seq_len(s + i, n - i);
        if (l) {
            memcpy(o, s + i, l);
            o += l;
            i += l;
        } else {
            memcpy(o, "\xEF\xBF\xBD", 3);
            o += 3;
            i++;
        }
    }
    *o = '\0';
    return out;
}

/* Length of the CSI sequence at s (ESC [ params intermediates final), or 0. */
static size_t csi_len(const unsigned char *s, size_t n)
{
    size_t i = 2;

    if (n < 2 || s[0] != 0x1B || s[1] != '[')
        return 0;
    while (i < n && s[i] >= 0x20 && s[i] <= 0x3F)
        i++;
    return i < n && s[i] >= 0x40 && s[i] <= 0x7E ? i + 1 : i;   /* cut short: drop what there is */
}

size_t sr_utf8_printable(const char *p, size_t n, char *out, size_t cap, int *cut)
{
    const unsigned char *s = (const unsigned char *)p;
    size_t o = 0;

    *cut = 0;
    for (size_t i = 0; i < n;) {
        size_t l = csi_len(s + i, n - i), w;
        const char *src = (const char *)s + i;
        if (l) {
            i += l;
            continue;
        }
        l = seq_len(s + i, n - i);
        if (l == 1 && s[i] == '\t')
            src = " ";
        else if (!l || (l == 1 && (s[i] < 0x20 || s[i] == 0x7F)) || (l == 2 && s[i] == 0xC2 && s[i + 1] < 0xA0))
            src = "\xEF\xBF\xBD";   /* invalid, or a C0/DEL/C1 control */
        w = src == (const char *)s + i ? l : strlen(src);
        if (o + w >= cap) {
            *cut = 1;
            break;
        }
        memcpy(out + o, src, w);
        o += w;
        i += l ? l : 1;
    }
    out[o] = '\0';
    return o;
}
