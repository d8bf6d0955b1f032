/* Unit tests: common/sr_buf, the one capped buffer (growable and fixed). */
#include <stdlib.h>
#include <string.h>

#include "sr_buf.h"
#include "tap.h"

static void growable(void)
{
    struct sr_buf b;
    size_t n = 0;
    char *p;

    sr_buf_init(&b, 10);
    ok(sr_buf_puts(&b, "hello") == SR_BUF_OK && b.len == 5 && strcmp(b.data, "hello") == 0 && !sr_buf_failed(&b),
       "growable: an append under the cap is whole");
    ok(sr_buf_puts(&b, " world") == SR_BUF_CAP && b.len == 10 && strcmp(b.data, "hello worl") == 0,
       "growable: at the cap, as much as fits, and SR_BUF_CAP");
    ok(sr_buf_puts(&b, "") == SR_BUF_OK && sr_buf_failed(&b), "growable: the failure is sticky");
    p = sr_buf_steal(&b, &n);
    ok(p && n == 10 && strcmp(p, "hello worl") == 0 && b.data == NULL && b.len == 0 && !sr_buf_failed(&b),
       "growable: steal hands over the data and resets, failure included");
    free(p);
    for (int i = 0; i < 3; i++)
        sr_buf_append(&b, "abc", 3);
    ok(b.len == 9 && b.alloc >= 10 && b.data[9] == '\0', "growable: repeated appends keep the NUL");
    sr_buf_reset(&b);
    ok(b.data == NULL && b.len == 0 && b.max == 10, "growable: reset frees and keeps the cap");
}

static void fixed(void)
{
    char store[8];
    struct sr_buf b;
    size_t n = 0;
    char *p;

    memset(store, 'x', sizeof store);
    sr_buf_init_fixed(&b, store, sizeof store);
    ok(b.data == store && store[0] == '\0' && b.max == 7, "fixed: empty at once, cap is size - 1");
    ok(sr_buf_puts(&b, "abcdefghij") == SR_BUF_CAP && b.len == 7 && strcmp(store, "abcdefg") == 0 &&
       sr_buf_failed(&b), "fixed: never past its storage, NUL kept, failure recorded");
    p = sr_buf_steal(&b, &n);
    ok(p && p != store && n == 7 && strcmp(p, "abcdefg") == 0 && b.data == store && b.len == 0 && store[0] == '\0',
       "fixed: steal hands over a copy and keeps the storage");
    free(p);
    sr_buf_puts(&b, "ab");
    sr_buf_reset(&b);
    ok(b.data == store && b.len == 0 && store[0] == '\0' && !sr_buf_failed(&b),
       "fixed: reset empties the storage and never frees it");
}

/* Text cut at its cap says so; text within it is handed over as it is. */
static void cut(void)
{
    struct sr_buf b;
    size_t n = 0;
    char *p;

    sr_buf_init(&b, 8);
    sr_buf_puts(&b, "short");
    p = sr_buf_steal_cut(&b, " [cut]", &n);
    ok(p && n == 5 && strcmp(p, "short") == 0, "cut: text within the cap comes back without the note");
    free(p);
    sr_buf_puts(&b, "far too long");
    p = sr_buf_steal_cut(&b, " [cut]", &n);
    ok(p && n == 14 && strcmp(p, "far too  [cut]") == 0 && b.max == 8 && !sr_buf_failed(&b) && !b.data,
       "cut: a cut text ends with the note, past the cap, and the buffer is reset with its cap");
    free(p);
}

int main(void)
{
    growable();
    fixed();
    cut();
    return tap_done();
}
