/* libFuzzer harness: the result-record writer (sandbox/run/sb_record.h).
 *
 * The input is cut by 0xff 0x00 separators into: status/signal/exit bytes,
 * stdout, stderr, the error report (parsed as JSON, as the supervisor does
 * with the report pipe), and a stdout stream for the block extractor. The
 * record must always print, re-parse, and be valid UTF-8, whatever bytes the
 * script wrote. */
#include <assert.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "sb_blocks.h"
#include "sb_record.h"
#include "sr_utf8.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Next field up to the separator "\xff\x00" (or the end). */
static const uint8_t *field(const uint8_t **p, const uint8_t *end, size_t *len)
{
    const uint8_t *s = *p, *q = s;

    while (q + 1 < end && !(q[0] == 0xff && q[1] == 0x00))
        q++;
    if (q + 1 >= end)
        q = end;
    *len = (size_t)(q - s);
    *p = q < end ? q + 2 : end;
    return s;
}

static int valid_utf8(const char *s)
{
    char *c = sr_utf8_sanitize(s, strlen(s));
    int same = c && strcmp(c, s) == 0;

    free(c);
    return same;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const uint8_t *p = data, *end = data + size, *f;
    struct sb_outcome o;
    struct sb_blocks b;
    size_t n;
    cJSON *rec, *back;
    char *text;

    if (size < 3)
        return 0;
    sb_outcome_init(&o);
    o.status = (enum sr_status)(data[0] % 8);
    o.signal = data[1] % 70;
    o.exit_code = (int)data[2] - 1;
    o.violation_nr = data[2] & 1 ? -1 : data[2];
    p += 3;
    f = field(&p, end, &n);
    o.stdout_text = malloc(n + 1);
    memcpy(o.stdout_text, f, n);
    o.stdout_len = n;
    f = field(&p, end, &n);
    o.stderr_text = malloc(n + 1);
    memcpy(o.stderr_text, f, n);
    o.stderr_len = n;
    f = field(&p, end, &n);
    o.error = cJSON_ParseWithLength((const char *)f, n);
    f = field(&p, end, &n);
    memcpy(o.message, f, n < sizeof o.message - 1 ? n : sizeof o.message - 1);
    f = field(&p, end, &n);
    sb_blocks_init(&b, 4096, 4096);
    sb_blocks_feed(&b, (const char *)f, n);
    sb_blocks_finish(&b);
    cJSON_Delete(o.blocks);
    o.blocks = b.list;
    b.list = NULL;
    sb_blocks_free(&b);

    rec = sb_record_build(&o);
    assert(rec);
    text = cJSON_PrintUnformatted(rec);
    assert(text);
    assert(valid_utf8(text));
    back = cJSON_Parse(text);
    assert(back && cJSON_IsString(cJSON_GetObjectItemCaseSensitive(back, "status")));
    cJSON_Delete(back);
    free(text);
    cJSON_Delete(rec);
    sb_outcome_free(&o);
    return 0;
}
