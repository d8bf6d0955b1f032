/* Unit tests: streaming extraction of ===JSON_START=== / ===HTML_START=== / ===DISPLAY_START=== blocks. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "sb_blocks.h"
#include "tap.h"

/* Feed text in chunks of size step (1 = byte by byte). */
static void feed(struct sb_blocks *b, const char *text, size_t step)
{
    size_t n = strlen(text);

    for (size_t i = 0; i < n; i += step)
        sb_blocks_feed(b, text + i, n - i < step ? n - i : step);
    sb_blocks_finish(b);
}

static const char *type_of(struct sb_blocks *b, int i)
{
    cJSON *t = cJSON_GetObjectItem(cJSON_GetArrayItem(b->list, i), "type");
    return cJSON_IsString(t) ? t->valuestring : "";
}

int main(void)
{
    static const char doc[] = "before\n===JSON_START===\n{\"adf\": {\"p\": 0.5}}\n===JSON_END===\n"
                              "middle\n===HTML_START===\r\n<p>hi</p>\n===HTML_END===\nafter\n";
    struct sb_blocks b;

    for (size_t step = 1; step <= 7; step += 3) {
        sb_blocks_init(&b, 1 << 20, 1 << 20);
        feed(&b, doc, step);
        ok(strcmp(b.text.data, "before\nmiddle\nafter\n") == 0, "text without blocks, chunks of %zu", step);
        ok(cJSON_GetArraySize(b.list) == 2 && strcmp(type_of(&b, 0), "json") == 0 &&
           strcmp(type_of(&b, 1), "html") == 0, "one json and one html block, chunks of %zu", step);
        ok(cJSON_GetObjectItem(cJSON_GetObjectItem(cJSON_GetObjectItem(cJSON_GetArrayItem(b.list, 0), "value"),
           "adf"), "p")->valuedouble == 0.5, "json value parsed");
        ok(strcmp(cJSON_GetObjectItem(cJSON_GetArrayItem(b.list, 1), "value")->valuestring, "<p>hi</p>") == 0,
           "html value kept, marker with CRLF accepted");
        sb_blocks_free(&b);
    }

    sb_blocks_init(&b, 1 << 20, 1 << 20);
    feed(&b, "===JSON_START===\n{not json}\n===JSON_END===\nx===JSON_START===\n", 5);
    ok(strcmp(type_of(&b, 0), "error") == 0, "malformed JSON is an error entry");
    ok(strcmp(b.text.data, "x===JSON_START===\n") == 0, "a marker inside a line is plain text");
    sb_blocks_free(&b);

    sb_blocks_init(&b, 1 << 20, 1 << 20);
    feed(&b, "a\n===JSON_START===\n{\"x\": 1}\n", 3);
    ok(cJSON_GetArraySize(b.list) == 1 && strcmp(type_of(&b, 0), "error") == 0 &&
       strstr(cJSON_GetObjectItem(cJSON_GetArrayItem(b.list, 0), "message")->valuestring, "unterminated"),
       "unterminated block reported");
    sb_blocks_free(&b);

    sb_blocks_init(&b, 1 << 20, 64);
    feed(&b, "===HTML_START===\n0123456789012345678901234567890123456789012345678901234567890123456789\n"
             "===HTML_END===\nok\n", 4);
    ok(strcmp(type_of(&b, 0), "error") == 0 && strcmp(b.text.data, "ok\n") == 0, "oversized block capped and reported");
    sb_blocks_free(&b);

    sb_blocks_init(&b, 10, 1 << 20);
    feed(&b, "0123456789abcdef\n", 2);
    ok(b.text_truncated && b.text.len == 10, "text capped and flagged");
    sb_blocks_free(&b);

    /* the cap counts a block as the record carries it: control characters
     * escaped six times over may not inflate it past 4 * max_block */
    sb_blocks_init(&b, 1 << 20, 1 << 10);
    {
        char doc2[4096] = "===HTML_START===\n";
        size_t at = strlen(doc2);
        memset(doc2 + at, '\x01', 1000);
        strcpy(doc2 + at + 1000, "\n===HTML_END===\n===HTML_START===\nok\n===HTML_END===\n");
        feed(&b, doc2, 64);
    }
    {
        char *list = cJSON_PrintUnformatted(b.list);
        ok(cJSON_GetArraySize(b.list) == 2 && strcmp(type_of(&b, 0), "error") == 0 && list &&
           strstr(list, "as JSON") && strcmp(type_of(&b, 1), "html") == 0,
           "1000 control characters (6000 bytes as JSON) overflow a 4 KiB block budget; the next block still fits");
        free(list);
    }
    sb_blocks_free(&b);

    /* a 10 MB line is streamed, never buffered whole */
    sb_blocks_init(&b, 1 << 10, 1 << 10);
    {
        char *big = malloc(10u << 20);
        memset(big, 'A', 10u << 20);
        for (int i = 0; i < 10; i++)
            sb_blocks_feed(&b, big + (size_t)i * (1u << 20), 1u << 20);
        sb_blocks_finish(&b);
        free(big);
    }
    ok(b.text_truncated && b.text.len == 1024, "a huge line stays within the cap");
    sb_blocks_free(&b);

    sb_blocks_init(&b, 1 << 20, 1 << 20);
    feed(&b, "===JSON_START===\n[1]\n===JSON_END===", 1);
    ok(cJSON_GetArraySize(b.list) == 1 && strcmp(type_of(&b, 0), "json") == 0, "end marker without final newline");
    sb_blocks_free(&b);

    /* the pre-scan: depth and an upper bound of the values, strings skipped */
    {
        size_t values = 0;
        static const char doc3[] = "{\"a\": [1, 2, {\"b\": \"[[,,\\\"]]\"}], \"c\": []}";
        int depth = sb_json_shape(doc3, strlen(doc3), &values);
        ok(depth == 3 && values >= 7 && values <= 8, "shape: depth 3, 7 values (bound %zu), brackets in strings skipped",
           values);
    }
    sb_blocks_init(&b, 1 << 20, 1 << 20);
    {
        char doc4[512] = "===JSON_START===\n";
        size_t at = strlen(doc4);
        memset(doc4 + at, '[', 65);
        memset(doc4 + at + 65, ']', 65);
        strcpy(doc4 + at + 130, "\n===JSON_END===\n");
        feed(&b, doc4, 7);
    }
    ok(strcmp(type_of(&b, 0), "error") == 0 &&
       strstr(cJSON_GetObjectItem(cJSON_GetArrayItem(b.list, 0), "message")->valuestring, "deeper than 64"),
       "a block 65 levels deep is an error entry");
    sb_blocks_free(&b);
    /* 4 KiB of budget: 2000 zeros are 4 KiB of text but 2000 values */
    sb_blocks_init(&b, 1 << 20, 1 << 10);
    {
        char doc5[8192] = "===JSON_START===\n[";
        size_t at = strlen(doc5);
        for (int i = 0; i < 300; i++, at += 2)
            memcpy(doc5 + at, "0,", 2);
        strcpy(doc5 + at, "0]\n===JSON_END===\n===JSON_START===\n[0,0]\n===JSON_END===\n");
        feed(&b, doc5, 100);
    }
    ok(cJSON_GetArraySize(b.list) == 2 && strcmp(type_of(&b, 0), "error") == 0 &&
       strstr(cJSON_GetObjectItem(cJSON_GetArrayItem(b.list, 0), "message")->valuestring, "parse tree") &&
       strcmp(type_of(&b, 1), "json") == 0,
       "301 values (600 bytes of text) overflow a 4 KiB budget at 128 bytes each; a small block still fits");
    sb_blocks_free(&b);
    /* display items go to results, in order; a non-object is an error block */
    for (size_t step = 1; step <= 8; step += 7) {
        sb_blocks_init(&b, 1 << 20, 1 << 20);
        feed(&b, "a\n===DISPLAY_START===\n{\"type\":\"text\",\"text\":\"1\"}\n===DISPLAY_END===\nb\n"
                 "===DISPLAY_START===\n[2]\n===DISPLAY_END===\n===DISPLAY_START===\n{\"n\":3}\n===DISPLAY_END===\n", step);
        ok(strcmp(b.text.data, "a\nb\n") == 0 && cJSON_GetArraySize(b.results) == 2 &&
           cJSON_GetObjectItem(cJSON_GetArrayItem(b.results, 1), "n")->valuedouble == 3 &&
           cJSON_GetArraySize(b.list) == 1 && strcmp(type_of(&b, 0), "error") == 0,
           "display items to results in order, a non-object refused, chunks of %zu", step);
        sb_blocks_free(&b);
    }

    /* past SB_MAX_RESULTS display items are only counted; other blocks go on */
    {
        static const char item[] = "===DISPLAY_START===\n{\"type\":\"text\",\"text\":\"x\"}\n===DISPLAY_END===\n";
        sb_blocks_init(&b, 1 << 20, 8 << 20);
        for (int i = 0; i < SB_MAX_RESULTS + 5; i++)
            feed(&b, item, sizeof item - 1);
        feed(&b, "===JSON_START===\n{\"after\": 1}\n===JSON_END===\nend\n", 64);
        ok(cJSON_GetArraySize(b.results) == SB_MAX_RESULTS && b.results_dropped == 5 &&
           cJSON_GetArraySize(b.list) == 1 && strcmp(type_of(&b, 0), "json") == 0 && strcmp(b.text.data, "end\n") == 0,
           "%d display items kept, 5 more counted, a later JSON block still listed", SB_MAX_RESULTS);
        sb_blocks_free(&b);
    }

    /* the echo (a plain run's terminal): text as it comes, JSON blocks as
     * printed, HTML and display blocks as one line each */
    {
        int p[2];
        char got[512] = "";
        ssize_t n;
        ok(pipe(p) == 0, "pipe");
        sb_blocks_init(&b, 1 << 20, 1 << 20);
        b.echo_fd = p[1];
        sb_blocks_feed(&b, "pro", 3);
        sb_blocks_feed(&b, "mpt", 3);
        n = read(p[0], got, sizeof got - 1);
        ok(n == 6 && memcmp(got, "prompt", 6) == 0, "a partial line that is no marker is echoed at once");
        sb_blocks_feed(&b, "\n===", 4);
        feed(&b, "HTML_START===\n<p>big</p>\n===HTML_END===\n===JSON_START===\n[1]\n===JSON_END===\nend", 5);
        close(p[1]);
        n = read(p[0], got, sizeof got - 1);
        got[n > 0 ? n : 0] = '\0';
        ok(strcmp(got, "\n[html block, 11 bytes: in the record's blocks (--json), not printed]\n"
                       "===JSON_START===\n[1]\n===JSON_END===\nend") == 0, "echo: text, a JSON block as printed, an HTML block as one line");
        close(p[0]);
        sb_blocks_free(&b);
    }
    return tap_done();
}
