/* sb_blocks — extract delimited JSON/HTML blocks from stdout while it streams.
 *
 * A marker counts only as a whole line (a trailing \r is allowed); markers may
 * be split across reads. Text outside blocks is kept up to max_text bytes. A
 * block is kept up to max_block bytes; an oversized, malformed or unterminated
 * block becomes an entry {"type":"error","blockType":..,"message":..}.
 * ===DISPLAY_START=== blocks hold one display item (a JSON object) each and
 * go to the results list instead, under the same caps. Memory
 * is bounded whatever the input: no line is ever buffered whole. */
#ifndef SB_BLOCKS_H
#define SB_BLOCKS_H

#include <cjson/cJSON.h>
#include <stddef.h>

#include "sr_buf.h"

#define SB_MARKER_MAX 32
#define SB_MAX_BLOCKS 1000

struct sb_blocks {
    struct sr_buf text;          /* stdout with the blocks removed */
    int text_truncated;          /* text hit max_text */
    cJSON *list;                 /* the "blocks" array */
    cJSON *results;              /* the "results" array: display items, in order */
    int echo_fd;                 /* -1, or where the text outside blocks is copied as it is decided
                                  * (the terminal of a plain run); blocks are summarized there */
    size_t total_block_bytes;    /* across all blocks as JSON (escaped), capped at 4 * max_block */
    /* parser state */
    int state;                   /* 0 outside a block, else the block kind */
    char line[SB_MARKER_MAX + 1];
    size_t line_len;
    size_t line_echoed;          /* bytes of line already copied to echo_fd */
    int line_long;               /* the current line is too long to be a marker */
    struct sr_buf block;
    int block_overflow;
    size_t max_block;
};

void sb_blocks_init(struct sb_blocks *b, size_t max_text, size_t max_block);
/* Feed a chunk of stdout. */
void sb_blocks_feed(struct sb_blocks *b, const char *p, size_t n);
/* End of stream: flush the last partial line, report an unterminated block. */
void sb_blocks_finish(struct sb_blocks *b);
/* Free everything; the caller may first take b->list and b->results (set them to NULL). */
void sb_blocks_free(struct sb_blocks *b);

#endif
