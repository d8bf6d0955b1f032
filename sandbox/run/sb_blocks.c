/* sb_blocks.c — streaming extractor for ===JSON_START=== / ===HTML_START=== blocks. */
#include "sb_blocks.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sr_io.h"
#include "sr_tty.h"
#include "sr_utf8.h"

enum { OUTSIDE = 0, IN_JSON = 1, IN_HTML = 2, IN_DISPLAY = 3, LAST_KIND = IN_DISPLAY };

static const struct { const char *start, *end, *type; } kinds[] = {
    [IN_JSON] = {"===JSON_START===", "===JSON_END===", "json"},
    [IN_HTML] = {"===HTML_START===", "===HTML_END===", "html"},
    /* a display item (sandboxrun_display.py): a JSON object for "results" */
    [IN_DISPLAY] = {"===DISPLAY_START===", "===DISPLAY_END===", "display"},
};

void sb_blocks_init(struct sb_blocks *b, size_t max_text, size_t max_block)
{
    memset(b, 0, sizeof *b);
    sr_buf_init(&b->text, max_text);
    sr_buf_init(&b->block, max_block);
    b->max_block = max_block;
    b->list = cJSON_CreateArray();
    b->results = cJSON_CreateArray();
    b->echo_fd = -1;
}

static void add_error(struct sb_blocks *b, int kind, const char *msg, size_t size)
{
    cJSON *e;

    if (cJSON_GetArraySize(b->list) >= SB_MAX_BLOCKS + 1) {
        b->dropped++;
        return;
    }
    e = cJSON_CreateObject();
    cJSON_AddStringToObject(e, "type", "error");
    cJSON_AddStringToObject(e, "blockType", kinds[kind].type);
    cJSON_AddStringToObject(e, "message", msg);
    cJSON_AddNumberToObject(e, "size", (double)size);
    cJSON_AddItemToArray(b->list, e);
}

/* Whether the text is echoed anywhere. */
static int echoing(const struct sb_blocks *b)
{
    return b->echo_fd >= 0 || b->echo_fn;
}

/* Copy p[0..n) to the echo fd, through the terminal filter when there is
 * one, and to echo_fn. */
static void echo(const struct sb_blocks *b, const char *p, size_t n)
{
    if (b->echo_fn)
        b->echo_fn(b->echo_ctx, p, n);
    if (!echoing(b))
        return;
    if (b->echo_tty)
        (void)sr_tty_write(b->echo_fd, b->echo_tty, p, n);
    else
        (void)sr_write_all(b->echo_fd, p, n);
}

/* A short formatted line to the echo fd. */
__attribute__((format(printf, 2, 3))) static void echo_note(const struct sb_blocks *b, const char *fmt, ...)
{
    char line[200];
    va_list ap;
    int n;

    va_start(ap, fmt);
    n = vsnprintf(line, sizeof line, fmt, ap);
    va_end(ap);
    if (n > 0)
        echo(b, line, (size_t)n < sizeof line ? (size_t)n : sizeof line - 1);
}

/* Send bytes to wherever the parser is: the text or the open block. */
static void sink(struct sb_blocks *b, const char *p, size_t n)
{
    if (b->state == OUTSIDE) {
        if (echoing(b)) {
            size_t skip = p == b->line ? (b->line_echoed < n ? b->line_echoed : n) : 0;
            echo(b, p + skip, n - skip);
        }
        if (!b->text_truncated && sr_buf_append(&b->text, p, n) != SR_BUF_OK)
            b->text_truncated = 1;
    } else if (!b->block_overflow && sr_buf_append(&b->block, p, n) != SR_BUF_OK) {
        b->block_overflow = 1;
    }
}

int sb_json_shape(const char *p, size_t n, size_t *values)
{
    int depth = 0, deepest = 0;

    *values = 1;
    for (size_t i = 0; i < n; i++) {
        switch (p[i]) {
        case '"':
            while (++i < n && p[i] != '"')
                i += p[i] == '\\';
            break;
        case '[':
        case '{':
            ++*values;
            if (++depth > deepest)
                deepest = depth;
            break;
        case ']':
        case '}':
            depth--;
            break;
        case ',':
            ++*values;
            break;
        }
    }
    return deepest;
}

/* Room left in the budget of all blocks together. */
static size_t budget_left(const struct sb_blocks *b)
{
    return b->total_block_bytes < 4 * b->max_block ? 4 * b->max_block - b->total_block_bytes : 0;
}

/* The block's value, or NULL with msg. *values: how many values it holds (at
 * most); the text and that count are checked against the budget before a
 * tree is built, so a refused block never costs its tree. */
static cJSON *block_value(struct sb_blocks *b, int kind, size_t *values, char *msg, size_t msglen)
{
    size_t len = b->block.len;
    const char *data = b->block.data ? b->block.data : "";
    const char *end = NULL;
    cJSON *v;
    char *clean;
    int depth;

    if (len && data[len - 1] == '\n')   /* the newline before the end marker */
        len--;
    *values = 1;
    if (kind == IN_JSON || kind == IN_DISPLAY) {
        if ((depth = sb_json_shape(data, len, values)) > SB_JSON_MAX_DEPTH) {
            snprintf(msg, msglen, "JSON nested deeper than %d levels", SB_JSON_MAX_DEPTH);
            return NULL;
        }
        if (len > budget_left(b) || *values > (budget_left(b) - len) / SB_NODE_COST) {
            snprintf(msg, msglen, "blocks together larger than %zu bytes as JSON and parse tree "
                     "(%zu values at %d bytes each)", 4 * b->max_block, *values, SB_NODE_COST);
            return NULL;
        }
        v = cJSON_ParseWithLengthOpts(data, len, &end, 0);
        if (!v || (end && (size_t)(end - data) < len && strspn(end, " \t\r\n") < len - (size_t)(end - data))) {
            snprintf(msg, msglen, "invalid JSON near byte %zu", end ? (size_t)(end - data) : 0);
            cJSON_Delete(v);
            return NULL;
        }
        if (kind == IN_DISPLAY && !cJSON_IsObject(v)) {
            snprintf(msg, msglen, "a display item must be a JSON object");
            cJSON_Delete(v);
            return NULL;
        }
        return v;
    }
    clean = sr_utf8_sanitize(data, len);
    v = clean ? cJSON_CreateString(clean) : NULL;
    free(clean);
    if (!v)
        snprintf(msg, msglen, "out of memory");
    return v;
}

/* The bytes v takes in the record as JSON: what a block really costs the
 * supervisor, the daemon and the client. A control character the script
 * printed takes six (\u0001; a newline or tab two), a number 1e9 ten; 0
 * when out of memory. */
static size_t encoded_size(const cJSON *v)
{
    size_t n = 2;

    if (cJSON_IsString(v)) {
        for (const unsigned char *c = (const unsigned char *)v->valuestring; *c; c++)
            n += *c < 0x20 ? (strchr("\b\f\n\r\t", *c) ? 2 : 6) : (*c == '"' || *c == '\\') ? 2 : 1;
    } else {
        char *text = cJSON_PrintUnformatted(v);
        n = text ? strlen(text) : 0;
        free(text);
    }
    return n;
}

/* What the terminal sees of a closed block: a JSON block as printed (it is
 * small and what the data-science commands show), a display item's plain
 * text as a notebook prints it, anything else (HTML, images) as one line
 * saying where it went (never megabytes of markup or base64). */
static void echo_block(const struct sb_blocks *b, int kind, size_t size, const cJSON *item)
{
    const char *mime = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(item, "mimeType"));
    const char *text = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(item, "text"));
    char note[160];
    int n;

    if (!echoing(b))
        return;
    if (kind == IN_DISPLAY && mime && text && strcmp(mime, "text/plain") == 0) {
        echo(b, text, strlen(text));
        n = snprintf(note, sizeof note, "\n");
    } else if (kind == IN_DISPLAY && mime) {
        n = snprintf(note, sizeof note, "[%.60s, %zu bytes: in the record's results (--json)]\n", mime, size);
    } else if (kind == IN_JSON) {
        n = snprintf(note, sizeof note, "%s\n", kinds[kind].start);
        echo(b, note, (size_t)n);
        echo(b, b->block.data ? b->block.data : "", b->block.len);
        n = snprintf(note, sizeof note, "%s\n", kinds[kind].end);
    } else {
        n = snprintf(note, sizeof note, "[%s block, %zu bytes: in the record's %s (--json), not printed]\n",
                     kinds[kind].type, size, kind == IN_DISPLAY ? "results" : "blocks");
    }
    echo(b, note, (size_t)n);
}

/* A display item past SB_MAX_RESULTS: counted, and said once on the terminal. */
static void drop_result(struct sb_blocks *b)
{
    if (b->results_dropped++ == 0)
        echo_note(b, "[more than %d display items: the rest are not kept (the record's resultsDropped counts them)]\n",
                  SB_MAX_RESULTS);
}

/* The closed block as a blocks entry, a display item or an error entry. */
static void keep_block(struct sb_blocks *b)
{
    char msg[160] = "";
    cJSON *v = NULL, *e;
    int kind = b->state;
    size_t size = b->block.len, cost = 0, values = 1;

    if (b->block_overflow)
        snprintf(msg, sizeof msg, "block larger than %zu bytes", b->max_block);
    else if (b->total_block_bytes + size > 4 * b->max_block)
        snprintf(msg, sizeof msg, "blocks together larger than %zu bytes", 4 * b->max_block);
    else if (cJSON_GetArraySize(b->list) >= SB_MAX_BLOCKS)
        snprintf(msg, sizeof msg, "more than %d blocks", SB_MAX_BLOCKS);
    else
        v = block_value(b, kind, &values, msg, sizeof msg);
    if (v && ((cost = encoded_size(v)) == 0 || cost + values * SB_NODE_COST > budget_left(b))) {
        snprintf(msg, sizeof msg, "blocks together larger than %zu bytes as JSON", 4 * b->max_block);
        cJSON_Delete(v);
        v = NULL;
    }
    echo_block(b, kind, size, v);
    if (v && kind == IN_DISPLAY) {
        b->total_block_bytes += cost + values * SB_NODE_COST;
        cJSON_AddItemToArray(b->results, v);   /* the item itself, in the order shown */
    } else if (v) {
        b->total_block_bytes += cost + values * SB_NODE_COST;
        e = cJSON_CreateObject();
        cJSON_AddStringToObject(e, "type", kinds[kind].type);
        cJSON_AddItemToObject(e, "value", v);
        cJSON_AddItemToArray(b->list, e);
    } else {
        add_error(b, kind, msg, size);
    }
}

static void close_block(struct sb_blocks *b)
{
    if (b->state == IN_DISPLAY && cJSON_GetArraySize(b->results) >= SB_MAX_RESULTS)
        drop_result(b);
    else
        keep_block(b);
    sr_buf_reset(&b->block);
    b->block_overflow = 0;
    b->state = OUTSIDE;
}

/* A whole short line has arrived (without its newline): marker or content? */
static void end_line(struct sb_blocks *b)
{
    size_t n = b->line_len;

    if (n && b->line[n - 1] == '\r')
        n--;
    b->line[n] = '\0';
    if (b->state == OUTSIDE) {
        for (int k = IN_JSON; k <= LAST_KIND; k++) {
            if (strcmp(b->line, kinds[k].start) == 0) {
                b->state = k;
                return;
            }
        }
    } else if (strcmp(b->line, kinds[b->state].end) == 0) {
        close_block(b);
        return;
    }
    sink(b, b->line, b->line_len);
    sink(b, "\n", 1);
}

/* Could the partial line outside a block still become a start marker? */
static int may_be_marker(const struct sb_blocks *b)
{
    for (int k = IN_JSON; k <= LAST_KIND; k++) {
        size_t m = strlen(kinds[k].start);
        if (b->line_len <= m + 1 && strncmp(b->line, kinds[k].start, b->line_len < m ? b->line_len : m) == 0)
            return 1;
    }
    return 0;
}

/* Echo a partial line that cannot be a marker now, not at its newline: a
 * prompt or a progress line printed without one shows while the run goes on. */
static void echo_partial(struct sb_blocks *b)
{
    if (!echoing(b) || b->state != OUTSIDE || b->line_long || b->line_len <= b->line_echoed || may_be_marker(b))
        return;
    echo(b, b->line + b->line_echoed, b->line_len - b->line_echoed);
    b->line_echoed = b->line_len;
}

void sb_blocks_feed(struct sb_blocks *b, const char *p, size_t n)
{
    while (n) {
        const char *nl = memchr(p, '\n', n);
        size_t seg = nl ? (size_t)(nl - p) : n;

        if (!b->line_long && b->line_len + seg <= SB_MARKER_MAX) {
            memcpy(b->line + b->line_len, p, seg);
            b->line_len += seg;
        } else {
            /* too long to be a marker: stream it straight through */
            if (!b->line_long)
                sink(b, b->line, b->line_len);
            sink(b, p, seg);
            b->line_long = 1;
        }
        if (nl) {
            if (b->line_long)
                sink(b, "\n", 1);
            else
                end_line(b);
            b->line_len = 0;
            b->line_long = 0;
            b->line_echoed = 0;
            seg++;
        }
        p += seg;
        n -= seg;
    }
    echo_partial(b);
}

void sb_blocks_finish(struct sb_blocks *b)
{
    if (!b->line_long && b->line_len) {
        /* a last line without newline can still be an end marker */
        size_t n = b->line_len;
        b->line[n] = '\0';
        if (b->state != OUTSIDE && strcmp(b->line, kinds[b->state].end) == 0)
            close_block(b);
        else
            sink(b, b->line, n);
    }
    b->line_len = 0;
    b->line_long = 0;
    b->line_echoed = 0;
    if (b->state != OUTSIDE) {
        char msg[64];
        snprintf(msg, sizeof msg, "unterminated block (no %s line)", kinds[b->state].end);
        if (echoing(b))
            echo_note(b, "[unterminated %s block, %zu bytes: not printed]\n", kinds[b->state].type, b->block.len);
        add_error(b, b->state, msg, b->block.len);
        sr_buf_reset(&b->block);
        b->state = OUTSIDE;
    }
}

void sb_blocks_free(struct sb_blocks *b)
{
    sr_buf_reset(&b->text);
    sr_buf_reset(&b->block);
    cJSON_Delete(b->list);
    b->list = NULL;
    cJSON_Delete(b->results);
    b->results = NULL;
}
