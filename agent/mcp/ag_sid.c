/* ag_sid.c — session ids, and the pod TAG in them; see ag_sid.h. */
#include "ag_sid.h"

#include <stdio.h>
#include <string.h>
#include <sys/random.h>

static const char b32[] = "abcdefghijklmnopqrstuvwxyz234567";
static char tag[AG_SID_TAG_MAX + 1];   /* "" without a pod name */

int ag_sid_set_pod(const char *name, char *err, size_t errlen)
{
    size_t n = name ? strlen(name) : 0, t = 0;

    tag[0] = '\0';
    if (!name)
        return 0;
    if (n == 0 || n > 63 || strspn(name, "abcdefghijklmnopqrstuvwxyz0123456789-") != n || name[0] == '-' ||
        name[n - 1] == '-')
        return snprintf(err, errlen, "'%.80s' is not a pod name (a DNS label: a-z, 0-9 and inner dashes, at most "
                        "63)", name), -1;
    for (size_t i = 0; i < n && t <= AG_SID_TAG_MAX; i++)
        if (name[i] != '-')
            t++;
    if (t > AG_SID_TAG_MAX)
        return snprintf(err, errlen, "'%.80s' has more than %d characters besides its dashes: session ids hold at "
                        "most 40", name, AG_SID_TAG_MAX), -1;
    t = 0;
    for (size_t i = 0; i < n; i++)
        if (name[i] != '-')
            tag[t++] = name[i];
    tag[t] = '\0';
    return 0;
}

const char *ag_sid_tag(void)
{
    return tag[0] ? tag : NULL;
}

int ag_sid_mint(char *out, size_t outlen, size_t hex_bytes)
{
    unsigned char r[32];
    size_t t = strlen(tag), need = t ? t + AG_SID_RANDOM : 2 * hex_bytes;

    if (outlen <= need || hex_bytes > sizeof r || getrandom(r, sizeof r, 0) != (ssize_t)sizeof r)
        return -1;
    if (!t) {
        for (size_t i = 0; i < hex_bytes; i++)
            snprintf(out + 2 * i, 3, "%02x", r[i]);
        return 0;
    }
    memcpy(out, tag, t);
    for (size_t i = 0; i < AG_SID_RANDOM; i++) {   /* 5 bits each from the bit string r */
        size_t bit = 5 * i;
        unsigned v = ((unsigned)r[bit / 8] << 8 | r[bit / 8 + 1]) >> (11 - bit % 8);
        out[t + i] = b32[v & 31];
    }
    out[need] = '\0';
    return 0;
}

int ag_sid_tag_of(const char *id, char *out, size_t outlen)
{
    size_t n = id ? strlen(id) : 0, t = n > AG_SID_RANDOM ? n - AG_SID_RANDOM : 0;

    if (t < 1 || t > AG_SID_TAG_MAX || t >= outlen || strspn(id + t, b32) != AG_SID_RANDOM ||
        strspn(id, "abcdefghijklmnopqrstuvwxyz0123456789") < t)
        return -1;
    memcpy(out, id, t);
    out[t] = '\0';
    return 0;
}

int ag_sid_mine(const char *id)
{
    char t[AG_SID_TAG_MAX + 1];

    return !tag[0] || (ag_sid_tag_of(id, t, sizeof t) == 0 && strcmp(t, tag) == 0);
}
