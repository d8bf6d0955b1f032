/* sb_blocks — extract delimited JSON/HTML blocks from stdout while it streams.
 *
 * A marker counts only as a whole line (a trailing \r is allowed); markers may
 * be split across reads. Text outside blocks is kept up to max_text bytes. A
 * block is kept up to max_block bytes; an oversized, malformed or unterminated
 * block becomes an entry {"type":"error","blockType":..,"message":..}.
 * ===DISPLAY_START=== blocks hold one display item (a JSON object) each and
 * go to the results list instead, under the same caps and SB_MAX_RESULTS. Memory
 * is bounded whatever the input: no line is ever buffered whole. */
#ifndef SB_BLOCKS_H
#define SB_BLOCKS_H

#include <cjson/cJSON.h>

struct sr_tty_filter;
#include <stddef.h>

#include "sr_buf.h"

#define SB_MARKER_MAX 32
#define SB_MAX_BLOCKS 1000
/* Display items a record lists at most; later ones are only counted (the
 * record's resultsDropped), not parsed, not echoed. */
#define SB_MAX_RESULTS 1000
/* A JSON block nests at most this deep (arrays and objects): the record adds
 * 3 levels and the MCP answer 3 more, far below cJSON's 1000 and Python's
 * recursion limit of 1000. */
#define SB_JSON_MAX_DEPTH 64
/* What one JSON value costs to hold as a cJSON tree on top of its text (a
 * 64-byte node in an 80-byte malloc chunk, its key or string in another, 113
 * bytes measured for an empty string); blocks are
 * budgeted by text + SB_NODE_COST per value, so tiny values cannot turn a
 * block into a tree fifty times its size. */
#define SB_NODE_COST 128

struct sb_blocks {
    struct sr_buf text;          /* stdout with the blocks removed */
    int text_truncated;          /* text hit max_text */
    cJSON *list;                 /* the "blocks" array */
    cJSON *results;              /* the "results" array: display items, in order */
    int echo_fd;                 /* -1, or where the text outside blocks is copied as it is decided
                                  * (the terminal of a plain run); blocks are summarized there */
    struct sr_tty_filter *echo_tty;  /* NULL, or the filter that shows control sequences as text */
    void (*echo_fn)(void *ctx, const char *p, size_t n);  /* NULL, or also given what echo_fd gets
                                  * (the run's live output, sb_live.h) */
    void *echo_ctx;
    size_t total_block_bytes;    /* across all blocks: JSON text + SB_NODE_COST per value, capped at 4 * max_block */
    size_t dropped;              /* blocks and error entries past SB_MAX_BLOCKS + 1, not listed */
    size_t results_dropped;      /* display items past SB_MAX_RESULTS, not listed */
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
/* How deep the arrays and objects of JSON text p[0..n) nest, and (in *values)
 * an upper bound of how many values it holds, without building anything:
 * strings are skipped, the rest counted. Not a validator (cJSON is, after). */
int sb_json_shape(const char *p, size_t n, size_t *values);
/* Free everything; the caller may first take b->list and b->results (set them to NULL). */
void sb_blocks_free(struct sb_blocks *b);

#endif
