/* ag_mcp_result.c — turn result records into MCP tool results. */
#include "ag_mcp_result.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "ag_crypto.h"
#include "ag_mcp_inline.h"
#include "sr_buf.h"
#include "sr_caps.h"
#include "sr_io.h"
#include "sr_log.h"


char *ag_mcp_base64(const void *data, size_t n)
{
    char *out;

    if (n > (1u << 30) || !(out = malloc(4 * ((n + 2) / 3) + 1)))
        return NULL;
    if (ag_base64_encode(out, data, n) < 0) {
        free(out);
        return NULL;
    }
    return out;
}

unsigned char *ag_mcp_unbase64(const char *text, size_t *n)
{
    size_t len = strlen(text), pad = 0;
    unsigned char *out;
    int got;

    if (len % 4 || len > (1u << 30) || strspn(text, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/=") != len)
        return NULL;
    if (len && text[len - 1] == '=')
        pad = 1 + (len > 1 && text[len - 2] == '=');
    if (!(out = malloc(len / 4 * 3 + 1)))
        return NULL;
    got = ag_base64_decode(out, text, len);
    if (got < 0 || (size_t)got < pad) {
        free(out);
        return NULL;
    }
    *n = (size_t)got - pad;
    return out;
}

static cJSON *result_new(cJSON *structured, int is_error)
{
    cJSON *r = cJSON_CreateObject();

    cJSON_AddItemToObject(r, "content", cJSON_CreateArray());
    if (structured)
        cJSON_AddItemToObject(r, "structuredContent", structured);
    cJSON_AddBoolToObject(r, "isError", is_error);
    return r;
}

static void add_text(cJSON *r, const char *text)
{
    cJSON *c = cJSON_CreateObject();

    cJSON_AddStringToObject(c, "type", "text");
    cJSON_AddStringToObject(c, "text", text);
    cJSON_AddItemToArray(cJSON_GetObjectItemCaseSensitive(r, "content"), c);
}

cJSON *ag_mcp_result_ok(cJSON *structured, const char *text)
{
    cJSON *r = result_new(structured, 0);

    add_text(r, text);
    return r;
}

cJSON *ag_mcp_result_error(const char *fmt, ...)
{
    cJSON *r = result_new(NULL, 1);
    char text[2048];
    va_list ap;

    va_start(ap, fmt);
    vsnprintf(text, sizeof text, fmt, ap);
    va_end(ap);
    add_text(r, text);
    return r;
}

cJSON *ag_mcp_record_internal(const char *message)
{
    cJSON *rec = cJSON_CreateObject();

    cJSON_AddStringToObject(rec, "status", "internal_error");
    cJSON_AddNullToObject(rec, "exitCode");
    cJSON_AddNullToObject(rec, "signal");
    cJSON_AddStringToObject(rec, "stdout", "");
    cJSON_AddStringToObject(rec, "stderr", "");
    cJSON_AddItemToObject(rec, "blocks", cJSON_CreateArray());
    cJSON_AddItemToObject(rec, "files", cJSON_CreateArray());
    cJSON_AddStringToObject(rec, "message", message);
    return rec;
}

static const char *str(const cJSON *o, const char *key)
{
    return cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(o, key));
}

/* What went wrong and what to do about it, by status. */
static void explain(struct sr_buf *b, const cJSON *rec, const char *status)
{
    const cJSON *e = cJSON_GetObjectItemCaseSensitive(rec, "error");
    const cJSON *code = cJSON_GetObjectItemCaseSensitive(rec, "exitCode");
    const char *msg = str(rec, "message");
    char line[1024];

    if (strcmp(status, "error") == 0 && cJSON_IsObject(e))
        snprintf(line, sizeof line, "The code raised %s: %s\nFix the code and call again.\n%s\n",
                 str(e, "type") ?: "an exception", str(e, "message") ?: "", str(e, "traceback") ?: "");
    else if (strcmp(status, "error") == 0)
        snprintf(line, sizeof line, "The program exited with code %d; see stderr below.\n",
                 cJSON_IsNumber(code) ? code->valueint : -1);
    else if (strcmp(status, "timeout") == 0)
        snprintf(line, sizeof line, "Stopped at the time limit. Make the code faster (work on a sample), or pass "
                 "a larger timeout (up to 3600 s).\n");
    else if (strcmp(status, "memory_limit") == 0)
        snprintf(line, sizeof line, "Ran out of memory. Load fewer rows or columns (usecols, dtype, chunksize), "
                 "or start a session with more memory.\n");
    else if (strcmp(status, "output_limit") == 0)
        snprintf(line, sizeof line, "Printed more than the output cap. Print less (head(), describe()) or write "
                 "large results to /out.\n");
    else if (strcmp(status, "policy_violation") == 0)
        snprintf(line, sizeof line, "Made a system call the jail forbids (no network, no ptrace, no mounts); "
                 "the run was killed. Do it without that call.\n");
    else if (strcmp(status, "killed") == 0)
        snprintf(line, sizeof line, "The run was stopped%s%s.\n", msg ? ": " : "", msg ? msg : "");
    else
        snprintf(line, sizeof line, "sandboxrun itself failed%s%s. Retry; if it persists, the server's "
                 "stderr says why.\n", msg ? ": " : "", msg ? msg : "");
    sr_buf_puts(b, line);
}

/* One stream into the text, capped. */
static void add_stream(struct sr_buf *b, const cJSON *rec, const char *key)
{
    const char *s = str(rec, key);
    size_t n = s ? strlen(s) : 0;

    if (!n)
        return;
    sr_buf_puts(b, strcmp(key, "stdout") == 0 ? "--- stdout ---\n" : "--- stderr ---\n");
    sr_buf_append(b, s, n > AG_MCP_TEXT_MAX ? AG_MCP_TEXT_MAX : n);
    if (n > AG_MCP_TEXT_MAX)
        sr_buf_puts(b, "\n[... cut here; structuredContent has the whole stream]");
    sr_buf_puts(b, "\n");
}

/* The text an agent reads for a record. Caller frees. */
static char *record_text(const cJSON *rec, const char *output_id)
{
    const char *status = str(rec, "status") ?: "internal_error";
    const cJSON *t = cJSON_GetObjectItemCaseSensitive(rec, "executionTime"), *f;
    struct sr_buf b;
    char line[512];

    sr_buf_init(&b, AG_MCP_RECORD_TEXT_MAX);
    snprintf(line, sizeof line, "status: %s (%.2f s)\n", status, cJSON_IsNumber(t) ? t->valuedouble : 0.0);
    sr_buf_puts(&b, line);
    if (strcmp(status, "ok") != 0)
        explain(&b, rec, status);
    add_stream(&b, rec, "stdout");
    add_stream(&b, rec, "stderr");
    cJSON_ArrayForEach(f, cJSON_GetObjectItemCaseSensitive(rec, "files")) {
        snprintf(line, sizeof line, "file /out/%s (%.0f bytes)%s%s\n", str(f, "path") ?: "?",
                 cJSON_GetNumberValue(cJSON_GetObjectItemCaseSensitive(f, "size")),
                 output_id ? "; outputId " : "", output_id ? output_id : "");
        sr_buf_puts(&b, line);
    }
    if (cJSON_IsNumber(t = cJSON_GetObjectItemCaseSensitive(rec, "resultsDropped"))) {
        snprintf(line, sizeof line, "%.0f more display items were not kept (resultsDropped): the results list "
                 "is capped; display fewer objects\n", t->valuedouble);
        sr_buf_puts(&b, line);
    }
    return sr_buf_steal_cut(&b, "\n[... cut: the text passed its cap; structuredContent has the whole record]\n",
                            NULL);
}

static cJSON *content_of(cJSON *r)
{
    return cJSON_GetObjectItemCaseSensitive(r, "content");
}

static void add_resource(cJSON *r, const char *uri, const char *mime, const char *text)
{
    cJSON *c = cJSON_CreateObject(), *res = cJSON_AddObjectToObject(c, "resource");

    cJSON_AddStringToObject(c, "type", "resource");
    cJSON_AddStringToObject(res, "uri", uri);
    cJSON_AddStringToObject(res, "mimeType", mime);
    cJSON_AddStringToObject(res, "text", text);
    cJSON_AddItemToArray(content_of(r), c);
}

/* text as an embedded resource whose URI resources/read answers (when the
 * store cannot keep a copy, the text still goes, under a URI that says so). */
static void add_embedded(cJSON *r, struct ag_mcp_inline *b, const char *mime, const char *ext, const char *text)
{
    char err[512];
    cJSON *c = ag_mcp_inline_embed(b, text, mime, ext, err, sizeof err);

    if (!c) {
        SR_WARN("mcp: a result's %s is embedded but not kept: %s", mime, err);
        return add_resource(r, "sandboxrun://unstored", mime, text);
    }
    cJSON_AddItemToArray(content_of(r), c);
}

/* The text an agent reads first, within the budget (cut with a note past it). */
static void add_budgeted_text(cJSON *r, struct ag_mcp_inline *b, const char *text)
{
    static const char note[] = "\n[... cut at the inline budget; structuredContent has the whole record]";
    size_t n = strlen(text), keep = b->left > 1024 ? b->left - 1024 : 0;
    struct sr_buf cut;

    if (n <= keep) {
        add_text(r, text);
        (void)ag_mcp_inline_take(b, n);
        return;
    }
    sr_buf_init(&cut, keep + sizeof note);
    if (sr_buf_append(&cut, text, keep) == SR_BUF_OK && sr_buf_append(&cut, note, sizeof note) == SR_BUF_OK)
        add_text(r, cut.data);   /* the note went with its NUL */
    else
        add_text(r, note);   /* out of memory: the note alone */
    (void)ag_mcp_inline_take(b, keep + sizeof note);
    sr_buf_reset(&cut);
}

/* Put a link (or, when even that failed, a note) into the content, and make
 * the structured item (or block) carry the reference instead of its payload. */
static void add_link(cJSON *r, cJSON *link, const char *err, cJSON *item, const char *payload)
{
    char note[700];

    if (!link) {
        snprintf(note, sizeof note, "[an item past the inline budget could not be stored: %s]", err);
        add_text(r, note);
        return;
    }
    if (item) {
        cJSON_DeleteItemFromObjectCaseSensitive(item, payload);
        cJSON_AddStringToObject(item, "uri", cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(link, "uri")));
        cJSON_AddNumberToObject(item, "size", cJSON_GetNumberValue(cJSON_GetObjectItemCaseSensitive(link, "size")));
        cJSON_AddStringToObject(item, "sha256", cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(
                                                    cJSON_GetObjectItemCaseSensitive(link, "_meta"), "sha256")));
    }
    cJSON_AddItemToArray(content_of(r), link);
}

/* One display item of the record's results as content: PNG as an image,
 * plain text and markdown as text, SVG and JSON as embedded resources, when
 * they fit the budget; HTML, and whatever does not fit, by reference. */
static void add_result_item(cJSON *r, struct ag_mcp_inline *b, cJSON *item)
{
    const char *mime = str(item, "mimeType") ?: "", *text = str(item, "text"), *data = str(item, "data");
    cJSON *json = cJSON_GetObjectItemCaseSensitive(item, "json");
    char err[512] = "", *js = NULL;
    int html = strcmp(mime, "text/html") == 0;
    cJSON *link = NULL;

    if (strcmp(mime, "image/png") == 0 && data) {
        size_t n;
        unsigned char *png;
        if (ag_mcp_inline_take(b, strlen(data)))
            return (void)cJSON_AddItemToArray(content_of(r), ag_mcp_image_png(data));
        n = 0;
        png = ag_mcp_unbase64(data, &n);
        link = png ? ag_mcp_inline_store(b, png, n, mime, "png", err, sizeof err) : NULL;
        if (!png)
            snprintf(err, sizeof err, "the PNG is not base64");
        free(png);
        return add_link(r, link, err, item, "data");
    }
    if (json && !text)
        text = js = cJSON_PrintUnformatted(json);
    if (!text)
        return free(js);
    if (!html && ag_mcp_inline_take(b, strlen(text))) {
        if (strcmp(mime, "text/plain") == 0 || strcmp(mime, "text/markdown") == 0)
            add_text(r, text);
        else
            add_embedded(r, b, mime, json ? "json" : strcmp(mime, "image/svg+xml") == 0 ? "svg" : "txt", text);
        return free(js);
    }
    link = ag_mcp_inline_store(b, text, strlen(text), mime,
                               html ? "html" : json ? "json" : strcmp(mime, "image/svg+xml") == 0 ? "svg"
                                   : strcmp(mime, "text/markdown") == 0 ? "md" : "txt", err, sizeof err);
    add_link(r, link, err, item, js ? "json" : "text");
    free(js);
}

static void add_results(cJSON *r, struct ag_mcp_inline *b, cJSON *rec)
{
    cJSON *item;

    cJSON_ArrayForEach(item, cJSON_GetObjectItemCaseSensitive(rec, "results"))
        add_result_item(r, b, item);
}

/* HTML blocks as embedded resources, or by reference past the budget;
 * returns how many. */
static int add_html_blocks(cJSON *r, cJSON *rec, struct ag_mcp_inline *b)
{
    cJSON *blk, *link;
    int n = 0;
    char err[512];

    cJSON_ArrayForEach(blk, cJSON_GetObjectItemCaseSensitive(rec, "blocks")) {
        const char *type = str(blk, "type"), *v = str(blk, "value");
        if (!type || strcmp(type, "html") != 0 || !v)
            continue;
        ++n;
        if (ag_mcp_inline_take(b, strlen(v))) {
            add_embedded(r, b, "text/html", "html", v);
            continue;
        }
        link = ag_mcp_inline_store(b, v, strlen(v), "text/html", "html", err, sizeof err);
        add_link(r, link, err, blk, "value");
    }
    return n;
}

cJSON *ag_mcp_image_png(const char *b64)
{
    cJSON *c = cJSON_CreateObject();

    cJSON_AddStringToObject(c, "type", "image");
    cJSON_AddStringToObject(c, "data", b64);
    cJSON_AddStringToObject(c, "mimeType", "image/png");
    return c;
}

/* Bytes the content blocks of a result carry (text, data, embedded text). */
static size_t content_size(cJSON *result)
{
    const cJSON *c;
    size_t n = 0;

    cJSON_ArrayForEach(c, content_of(result)) {
        const char *t = str(c, "text") ?: str(c, "data") ?: str(cJSON_GetObjectItemCaseSensitive(c, "resource"), "text");
        n += t ? strlen(t) : 0;
    }
    return n;
}

void ag_mcp_result_add_images(cJSON *result, cJSON *images, const char *tenant)
{
    cJSON *content = content_of(result), *it;
    size_t used = content_size(result);
    struct ag_mcp_inline b;
    char err[512];

    ag_mcp_inline_init(&b, NULL, NULL, tenant);   /* a link's copy goes to a new store output */
    b.left = b.left > used ? b.left - used : 0;
    while (images && (it = cJSON_DetachItemFromArray(images, 0))) {
        const char *d = str(it, "data");
        size_t n = 0;
        unsigned char *png;
        if (ag_mcp_inline_take(&b, d ? strlen(d) : 0)) {
            cJSON_AddItemToArray(content, it);
            continue;
        }
        png = d ? ag_mcp_unbase64(d, &n) : NULL;
        add_link(result, png ? ag_mcp_inline_store(&b, png, n, "image/png", "png", err, sizeof err) : NULL,
                 png ? err : "not base64", NULL, NULL);
        free(png);
        cJSON_Delete(it);
    }
    cJSON_Delete(images);
}

/* PNG and (when no HTML block came) HTML files from /out, inline within the
 * budget, else by reference. */
static void add_out_files(cJSON *r, const cJSON *rec, const char *out_dir, struct ag_mcp_inline *b, int html_done)
{
    const cJSON *f;
    int images = 0;

    cJSON_ArrayForEach(f, cJSON_GetObjectItemCaseSensitive(rec, "files")) {
        const char *p = str(f, "path"), *dot = p ? strrchr(p, '.') : NULL;
        int png = dot && strcasecmp(dot, ".png") == 0, html = dot && strcasecmp(dot, ".html") == 0;
        double size = cJSON_GetNumberValue(cJSON_GetObjectItemCaseSensitive(f, "size"));
        char path[4096], uri[4200], err[512];
        struct sr_buf data;
        if (!p || strstr(p, "..") || (!png && !(html && !html_done)) || (png && images >= AG_MCP_IMAGES_MAX))
            continue;
        /* base64 is 4/3 of the PNG; HTML goes as it is */
        if (size > (png ? AG_MCP_IMAGE_MAX : AG_MCP_HTML_FILE_MAX) || !ag_mcp_inline_take(b, (size_t)(png ? size * 4 / 3 + 4 : size))) {
            add_link(r, ag_mcp_inline_link_file(b, p, png ? "image/png" : "text/html", err, sizeof err), err, NULL, NULL);
            continue;
        }
        snprintf(path, sizeof path, "%s/%s", out_dir, p);
        if (sr_read_file(path, png ? AG_MCP_IMAGE_MAX : AG_MCP_HTML_FILE_MAX, &data) != 0) {
            sr_buf_reset(&data);
            continue;
        }
        if (png) {
            char *b64 = ag_mcp_base64(data.data, data.len);
            if (b64) {   /* out of memory: the image is left out, not sent empty */
                cJSON_AddItemToArray(content_of(r), ag_mcp_image_png(b64));
                images++;
            }
            free(b64);
        } else if (data.data && !memchr(data.data, '\0', data.len)) {
            snprintf(uri, sizeof uri, "sandboxrun://%s/%s", b->id[0] ? b->id : "session", p);
            add_resource(r, uri, "text/html", data.data);
        }
        sr_buf_reset(&data);
    }
}

cJSON *ag_mcp_result_record(cJSON *record, const char *out_dir, const char *output_id, const char *session_id,
                            const char *tenant)
{
    const char *status = str(record, "status");
    int ok = status && strcmp(status, "ok") == 0, html;
    char *text = record_text(record, output_id);
    struct ag_mcp_inline b;
    cJSON *r;

    if (output_id)
        cJSON_AddStringToObject(record, "outputId", output_id);
    if (session_id)
        cJSON_AddStringToObject(record, "sessionId", session_id);
    ag_mcp_inline_init(&b, output_id, out_dir, tenant);
    r = result_new(record, !ok);
    add_budgeted_text(r, &b, text ? text : "status: unknown");
    free(text);
    add_results(r, &b, record);
    html = add_html_blocks(r, record, &b);
    if (out_dir)
        add_out_files(r, record, out_dir, &b, html > 0);
    return r;
}

/* The script's JSON result: the first JSON block that is an object. */
static const cJSON *first_json(const cJSON *rec)
{
    const cJSON *b;

    cJSON_ArrayForEach(b, cJSON_GetObjectItemCaseSensitive(rec, "blocks")) {
        const char *type = str(b, "type");
        const cJSON *v = cJSON_GetObjectItemCaseSensitive(b, "value");
        if (type && strcmp(type, "json") == 0 && cJSON_IsObject(v))
            return v;
    }
    return NULL;
}

/* Replace HTML block values in rec by their size (they travel as resources). */
static void shrink_html(cJSON *rec)
{
    cJSON *b;

    cJSON_ArrayForEach(b, cJSON_GetObjectItemCaseSensitive(rec, "blocks")) {
        const char *type = str(b, "type"), *v = str(b, "value");
        if (type && strcmp(type, "html") == 0 && v) {
            double n = (double)strlen(v);
            cJSON_DeleteItemFromObjectCaseSensitive(b, "value");
            cJSON_AddNumberToObject(b, "size", n);
            cJSON_AddStringToObject(b, "note", "sent as an embedded text/html resource");
        }
    }
}

cJSON *ag_mcp_result_analysis(const char *tool, cJSON *record, const char *out_dir, const char *output_id,
                              const char *tenant)
{
    const char *status = str(record, "status") ?: "internal_error";
    const cJSON *res = first_json(record), *err = cJSON_GetObjectItemCaseSensitive(res, "error");
    int ok = strcmp(status, "ok") == 0 && res && !err;
    cJSON *s = cJSON_CreateObject(), *r;
    char *json = res ? cJSON_PrintUnformatted(res) : NULL, *text;
    struct sr_buf b;
    struct ag_mcp_inline budget;
    char line[1024];

    cJSON_AddStringToObject(s, "status", status);
    cJSON_AddItemToObject(s, "result", res ? cJSON_Duplicate(res, 1) : cJSON_CreateNull());
    cJSON_AddItemToObject(s, "error", cJSON_IsObject(err) ? cJSON_Duplicate(err, 1) : cJSON_CreateNull());
    cJSON_AddStringToObject(s, "outputId", output_id);
    cJSON_AddItemToObject(s, "files", cJSON_Duplicate(cJSON_GetObjectItemCaseSensitive(record, "files"), 1)
                                          ?: cJSON_CreateArray());
    sr_buf_init(&b, AG_MCP_RESULT_TEXT_MAX);
    if (cJSON_IsObject(err)) {
        snprintf(line, sizeof line, "%s refused the input (%s): %s\nFix the arguments (dataset, timeCol, "
                 "valueCol, freq, features) and call again.\n", tool, str(err, "code") ?: "error",
                 str(err, "message") ?: "");
        sr_buf_puts(&b, line);
    } else if (!ok) {
        text = record_text(record, output_id);
        sr_buf_puts(&b, text ? text : "");
        free(text);
    } else {
        snprintf(line, sizeof line, "%s: ok; files are in outputId %s (see upload_artifact). Result:\n", tool, output_id);
        sr_buf_puts(&b, line);
        sr_buf_puts(&b, json ? json : "null");
    }
    free(json);
    text = sr_buf_steal_cut(&b, "\n[... cut: the text passed its cap; structuredContent has the whole result]", NULL);
    r = result_new(s, !ok);
    ag_mcp_inline_init(&budget, output_id, out_dir, tenant);
    add_budgeted_text(r, &budget, text ? text : "");
    free(text);
    add_html_blocks(r, record, &budget);
    shrink_html(record);
    cJSON_AddItemToObject(s, "record", record);
    (void)out_dir;
    return r;
}
