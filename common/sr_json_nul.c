/* sr_json_nul.c — find a NUL character in the strings of JSON text. */
#include "sr_json_nul.h"

#include <stdio.h>
#include <string.h>

#define DEPTH 64     /* containers whose member names are tracked; deeper ones share the last */
#define NAME_MAX_ 64 /* a member name is kept this long at most (for the message) */

static int hex4(const char *p, const char *end, unsigned *v)
{
    *v = 0;
    for (int k = 0; k < 4; k++, p++) {
        if (p >= end)
            return -1;
        *v <<= 4;
        if (*p >= '0' && *p <= '9')
            *v |= (unsigned)(*p - '0');
        else if ((*p | 0x20) >= 'a' && (*p | 0x20) <= 'f')
            *v |= (unsigned)((*p | 0x20) - 'a' + 10);
        else
            return -1;
    }
    return 0;
}

/* Cut a copied name of n bytes, capped, back to a whole UTF-8 character:
 * the message that quotes it goes into JSON records and HTTP bodies. */
static size_t whole_chars(const char *name, size_t n)
{
    size_t lead = n;

    while (lead > 0 && n - lead < 4 && ((unsigned char)name[lead - 1] & 0xC0) == 0x80)
        lead--;
    if (lead > 0) {
        unsigned char c = (unsigned char)name[lead - 1];
        size_t want = c >= 0xF0 ? 4 : c >= 0xE0 ? 3 : c >= 0xC0 ? 2 : 1;
        if (lead - 1 + want > n)
            return lead - 1;   /* its lead byte came, not all of it */
    }
    return n;
}

/* The string whose opening quote is at *p: moves *p past its closing quote
 * (or to end), copies its first bytes (escapes but \uXXXX as the escaped
 * character) into name, and returns the code point offset of its first NUL,
 * or -1. A \u not followed by four hex digits counts as a NUL (*bad set):
 * cJSON reads it as U+0000, and the string would end there unsaid. */
static long scan_string(const char **p, const char *end, char *name, int *bad)
{
    const char *s = *p + 1;
    long chars = 0, nul = -1;
    size_t n = 0;
    unsigned u;
    int after_high = 0, cut = 0;

    for (; s < end && *s != '"'; s++) {
        int low = 0;
        char c = *s;
        if (c == '\\' && s + 1 < end) {
            c = *++s;
            if (c == 'u' && hex4(s + 1, end, &u) == 0) {
                s += 4;
                low = u >= 0xDC00 && u <= 0xDFFF && after_high;   /* the pair is one character */
                after_high = u >= 0xD800 && u <= 0xDBFF;
                if (u == 0 && nul < 0)
                    nul = chars;
                chars += !low;
                continue;
            }
            if (c == 'u' && nul < 0)
                nul = chars, *bad = 1;
        } else if (c == '\0' && nul < 0) {
            nul = chars;
        }
        after_high = 0;
        chars += ((unsigned char)c & 0xC0) != 0x80;
        if (n < NAME_MAX_ - 1)
            name[n++] = c;
        else
            cut = 1;
    }
    name[cut ? whole_chars(name, n) : n] = '\0';
    *p = s < end ? s + 1 : end;
    return nul;
}

/* Say who holds the NUL found at code point offset nul: the member the
 * innermost object gives the string (an array's strings: the array's). */
static void name_it(char (*name)[NAME_MAX_], const char *obj, int top, int is_name, long nul, int bad, char *msg,
                    size_t cap)
{
    const char *what = bad ? "an invalid \\u escape (not four hex digits; read as a NUL byte)" : "a NUL byte";
    int d = top;

    while (d > 0 && !obj[d])
        d--;
    if (is_name)
        snprintf(msg, cap, "a member name contains %s at offset %ld", what, nul);
    else if (d > 0)
        snprintf(msg, cap, "'%s' contains %s at offset %ld", name[d], what, nul);
    else
        snprintf(msg, cap, "the text contains %s at offset %ld", what, nul);
}

int sr_json_nul(const char *text, size_t len, char *msg, size_t cap)
{
    char name[DEPTH][NAME_MAX_], obj[DEPTH], value[NAME_MAX_];   /* per depth: member name, an object? */
    const char *p = text, *end = text + len;
    int depth = 0, want_name = 0, bad = 0;
    long nul;

    name[0][0] = '\0';
    obj[0] = 0;
    while (p < end) {
        int top = depth < DEPTH ? depth : DEPTH - 1;
        switch (*p) {
        case '{':
        case '[':
            if (++depth < DEPTH) {
                obj[depth] = *p == '{';
                name[depth][0] = '\0';
            }
            want_name = *p++ == '{';
            break;
        case '}':
        case ']':
            depth -= depth > 0;
            want_name = 0;
            p++;
            break;
        case ',':
            want_name = obj[top];
            p++;
            break;
        case '"':
            if ((nul = scan_string(&p, end, want_name ? name[top] : value, &bad)) >= 0) {
                name_it(name, obj, top, want_name, nul, bad, msg, cap);
                return 1;
            }
            want_name = 0;
            break;
        default:
            p++;
        }
    }
    return 0;
}
