/* libFuzzer harness: the stdout block extractor (sandbox/run/sb_blocks.h).
 *
 * Input: byte 0 picks the chunk size (a marker may be split across reads),
 * byte 1 the caps; the rest is the stdout stream. Checks the invariants the
 * supervisor relies on: the text stays within its cap, the block list stays
 * bounded, every entry has a type, and memory is released. */
#include <assert.h>
#include <stdint.h>
#include <string.h>

#include "sb_blocks.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct sb_blocks b;
    size_t step, max_text, max_block;
    int n;

    if (size < 2)
        return 0;
    step = 1 + data[0] % 64;
    max_text = 16 + (size_t)(data[1] & 0x0f) * 64;
    max_block = 8 + (size_t)(data[1] >> 4) * 32;
    data += 2;
    size -= 2;
    sb_blocks_init(&b, max_text, max_block);
    for (size_t i = 0; i < size; i += step)
        sb_blocks_feed(&b, (const char *)data + i, size - i < step ? size - i : step);
    sb_blocks_finish(&b);
    assert(b.text.len <= max_text);
    assert(b.state == 0 && b.block.len == 0);
    n = cJSON_GetArraySize(b.list);
    assert(n <= SB_MAX_BLOCKS + 1);
    for (int i = 0; i < n; i++) {
        cJSON *t = cJSON_GetObjectItemCaseSensitive(cJSON_GetArrayItem(b.list, i), "type");
        assert(cJSON_IsString(t));
    }
    sb_blocks_free(&b);
    return 0;
}
