/* Unit tests: live output (sb_live) and the printable form of a line
 * (sr_utf8_printable): what a message holds, and that a reader who never
 * reads costs the run nothing but dropped messages. */
#include <cjson/cJSON.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "sb_live.h"
#include "sr_io.h"
#include "sr_utf8.h"
#include "tap.h"

/* The messages waiting in the pipe, as one array (each line parsed). */
static cJSON *messages(int fd)
{
    char buf[65536];
    ssize_t n = read(fd, buf, sizeof buf - 1);
    cJSON *all = cJSON_CreateArray();

    buf[n > 0 ? n : 0] = '\0';
    for (char *line = strtok(buf, "\n"); line; line = strtok(NULL, "\n"))
        cJSON_AddItemToArray(all, cJSON_Parse(line));
    return all;
}

static const char *text_of(const cJSON *msg, const char *list, int i)
{
    const cJSON *pair = cJSON_GetArrayItem(cJSON_GetObjectItem(cJSON_GetObjectItem(msg, "live"), list), i);

    return cJSON_GetStringValue(cJSON_GetArrayItem(pair, 1));
}

static void test_printable(void)
{
    char out[64];
    int cut;
    size_t n = sr_utf8_printable("a\tb\x1b[31mred\x1b[0m\x07\xff\xc2\x85\xc3\xa9", 21, out, sizeof out, &cut);

    ok(strcmp(out, "a bred\xEF\xBF\xBD\xEF\xBF\xBD\xEF\xBF\xBD\xc3\xa9") == 0 && n == strlen(out) && !cut,
       "printable: tab a space, CSI removed, BEL, a stray byte and C1 U+0085 become U+FFFD, é kept");
    n = sr_utf8_printable("\xc3\xa9\xc3\xa9\xc3\xa9", 6, out, 6, &cut);
    ok(n == 4 && cut && strcmp(out, "\xc3\xa9\xc3\xa9") == 0, "printable: cut at a character boundary, and says so");
}

static void test_lines(int r, int w)
{
    struct sb_live l;
    cJSON *m;

    sb_live_init(&l);
    l.fd = w;
    sb_live_feed(&l, SB_LIVE_STDOUT, "one\ntwo\n\npart", 13);
    sb_live_feed(&l, SB_LIVE_STDERR, "\r 10%|#\r 20%|##", 15);
    l.next = 0;
    sb_live_tick(&l);
    m = messages(r);
    ok(cJSON_GetArraySize(m) == 1 && strcmp(text_of(cJSON_GetArrayItem(m, 0), "lines", 0), "one") == 0 &&
       strcmp(text_of(cJSON_GetArrayItem(m, 0), "lines", 1), "two") == 0 &&
       !text_of(cJSON_GetArrayItem(m, 0), "lines", 2) &&
       strcmp(text_of(cJSON_GetArrayItem(m, 0), "partial", 0), "part") == 0 &&
       strcmp(text_of(cJSON_GetArrayItem(m, 0), "partial", 1), " 20%|##") == 0,
       "a message: the ended lines (no blank one), each stream's unfinished line, a \\r keeps the latest state");
    cJSON_Delete(m);
    sb_live_tick(&l);
    ok(sb_live_wait_ms(&l, 1000) == 1000, "nothing new: no message due");

    for (int i = 0; i < 1000000; i++)
        sb_live_feed(&l, SB_LIVE_STDOUT, "x\n", 2);
    sb_live_feed(&l, SB_LIVE_STDOUT, "y", 1);
    for (int i = 0; i < 5000; i++)
        sb_live_feed(&l, SB_LIVE_STDOUT, "yyyyyyyyyy", 10);
    sb_live_tick(&l);
    m = messages(r);
    ok(cJSON_GetArraySize(m) == 0, "the next message waits SB_LIVE_INTERVAL");
    cJSON_Delete(m);
    l.next = 0;
    sb_live_tick(&l);
    m = messages(r);
    {
        const cJSON *live = cJSON_GetObjectItem(cJSON_GetArrayItem(m, 0), "live");
        const char *p = text_of(cJSON_GetArrayItem(m, 0), "partial", 0);
        ok(cJSON_GetArraySize(m) == 1 && cJSON_GetArraySize(cJSON_GetObjectItem(live, "lines")) == SB_LIVE_LINES &&
           cJSON_GetObjectItem(live, "skipped")->valuedouble == 1000000 - SB_LIVE_LINES &&
           p && strlen(p) == SB_LIVE_LINE_MAX + 3 && strcmp(p + SB_LIVE_LINE_MAX, "\xE2\x80\xA6") == 0,
           "10^6 lines and a 50 kB line: one message, the latest %d lines, the rest counted, the long line cut with …",
           SB_LIVE_LINES);
    }
    cJSON_Delete(m);
    sb_live_finish(&l);
}

/* A reader that never reads: the pipe fills, and feeding and ticking go on
 * without blocking; the message half-written is finished before the record. */
static void test_full_pipe(int r, int w)
{
    struct sb_live l;
    char junk[4096] = {0};
    int filled = 0, fl = fcntl(w, F_GETFL);

    fcntl(w, F_SETFL, fl | O_NONBLOCK);
    while (write(w, junk, sizeof junk) > 0)
        filled++;
    fcntl(w, F_SETFL, fl);
    sb_live_init(&l);
    l.fd = w;
    for (int i = 0; i < 100; i++) {
        sb_live_feed(&l, SB_LIVE_STDERR, "line\n", 5);
        l.next = 0;
        sb_live_tick(&l);   /* would block here if it wrote to a full pipe */
    }
    ok(filled > 0 && l.msg_len == 0, "a full channel: no message is begun, the run goes on");
    for (int i = 0; i < filled; i++)
        (void)!read(r, junk, sizeof junk);
    l.next = 0;
    sb_live_tick(&l);
    sb_live_finish(&l);
    {
        cJSON *m = messages(r);
        ok(cJSON_GetArraySize(m) == 1 && strcmp(text_of(cJSON_GetArrayItem(m, 0), "lines", 7), "line") == 0,
           "room again: the lines kept meanwhile go out in one message");
        cJSON_Delete(m);
    }
}

int main(void)
{
    int p[2];

    test_printable();
    if (pipe(p) < 0)
        return perror("pipe"), 1;
    fcntl(p[0], F_SETFL, O_NONBLOCK);
    test_lines(p[0], p[1]);
    test_full_pipe(p[0], p[1]);
    return tap_done();
}
