/* ag_mcp_inline.c — inline budget and resource links of tool results. */
#include "ag_mcp_inline.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>

#include "ag_crypto.h"
#include "ag_mcp_result.h"
#include "ag_mcp_store.h"
#include "sr_buf.h"
#include "sr_caps.h"
#include "sr_io.h"
#include "sr_utf8.h"

#define LINK_DIR ".sandboxrun-results"

static size_t budget = AG_MCP_INLINE_BUDGET;

void ag_mcp_inline_set_budget(size_t bytes)
{
    budget = bytes;
}

void ag_mcp_inline_init(struct ag_mcp_inline *b, const char *id, const char *dir, const char *tenant)
{
    memset(b, 0, sizeof *b);
    b->left = budget;
    b->tenant = tenant;
    if (id && dir) {
        snprintf(b->id, sizeof b->id, "%s", id);
        snprintf(b->dir, sizeof b->dir, "%s", dir);
    }
}

int ag_mcp_inline_take(struct ag_mcp_inline *b, size_t n)
{
    if (n > b->left)
        return 0;
    b->left -= n;
    return 1;
}

void ag_mcp_sha256_hex(const void *data, size_t n, char hex[65])
{
    ag_sha256_hex(data, n, hex);   /* "" if it cannot be */
}

static cJSON *link_item(const struct ag_mcp_inline *b, const char *rel, const char *mime, size_t n, const char *sha)
{
    cJSON *c = cJSON_CreateObject(), *meta;
    char uri[PATH_MAX + 96];

    snprintf(uri, sizeof uri, AG_MCP_LINK_SCHEME "%s/%s", b->id, rel);
    cJSON_AddStringToObject(c, "type", "resource_link");
    cJSON_AddStringToObject(c, "uri", uri);
    cJSON_AddStringToObject(c, "name", strrchr(rel, '/') ? strrchr(rel, '/') + 1 : rel);
    cJSON_AddStringToObject(c, "mimeType", mime);
    cJSON_AddNumberToObject(c, "size", (double)n);
    cJSON_AddStringToObject(c, "description", "sent by reference (HTML, or past the inline budget): fetch it with resources/read, or read_files with this uri as a path");
    meta = cJSON_AddObjectToObject(c, "_meta");
    cJSON_AddStringToObject(meta, "sha256", sha);
    return c;
}

/* Write n bytes to a new file of the budget's output (made when needed),
 * its name there into rel. 0, or -1 with err set. */
static int save(struct ag_mcp_inline *b, const void *data, size_t n, const char *ext, char *rel, size_t rellen,
                char *err, size_t errlen)
{
    char path[PATH_MAX + 128], dir[PATH_MAX + 32];

    if (!b->id[0] && ag_mcp_store_new_output(b->tenant, b->id, sizeof b->id, b->dir, sizeof b->dir, err, errlen) < 0)
        return b->id[0] = '\0', -1;
    snprintf(dir, sizeof dir, "%s/" LINK_DIR, b->dir);
    if (mkdir(dir, 0700) < 0 && errno != EEXIST)
        return snprintf(err, errlen, "cannot create %s: %s", dir, strerror(errno)), -1;
    snprintf(rel, rellen, LINK_DIR "/result-%d.%s", ++b->links, ext);
    snprintf(path, sizeof path, "%s/%s", b->dir, rel);
    return ag_mcp_store_write(path, data, n, err, errlen);
}

cJSON *ag_mcp_inline_store(struct ag_mcp_inline *b, const void *data, size_t n, const char *mime, const char *ext,
                           char *err, size_t errlen)
{
    char rel[96], sha[65];

    if (save(b, data, n, ext, rel, sizeof rel, err, errlen) < 0)
        return NULL;
    ag_mcp_sha256_hex(data, n, sha);
    return link_item(b, rel, mime, n, sha);
}

cJSON *ag_mcp_inline_embed(struct ag_mcp_inline *b, const char *text, const char *mime, const char *ext,
                           char *err, size_t errlen)
{
    char rel[96], uri[200];
    cJSON *c, *res;

    if (save(b, text, strlen(text), ext, rel, sizeof rel, err, errlen) < 0)
        return NULL;
    snprintf(uri, sizeof uri, "sandboxrun://%s/%s", b->id, rel);
    c = cJSON_CreateObject();
    cJSON_AddStringToObject(c, "type", "resource");
    res = cJSON_AddObjectToObject(c, "resource");
    cJSON_AddStringToObject(res, "uri", uri);
    cJSON_AddStringToObject(res, "mimeType", mime);
    cJSON_AddStringToObject(res, "text", text);
    return c;
}

cJSON *ag_mcp_inline_link_file(struct ag_mcp_inline *b, const char *rel, const char *mime, char *err, size_t errlen)
{
    char path[PATH_MAX], sha[65];
    struct sr_buf data;
    cJSON *c;

    if (ag_mcp_store_output_file(b->tenant, b->id, rel, path, sizeof path, err, errlen) < 0)
        return NULL;
    if (sr_read_file(path, AG_MCP_READ_MAX, &data) != 0) {
        sr_buf_reset(&data);
        return snprintf(err, errlen, "%s: unreadable or larger than %u bytes", rel, AG_MCP_READ_MAX), NULL;
    }
    ag_mcp_sha256_hex(data.data ? data.data : "", data.len, sha);
    c = link_item(b, rel, mime, data.len, sha);
    sr_buf_reset(&data);
    return c;
}

char *ag_mcp_utf8_exact(const char *p, size_t n)
{
    char *text = sr_utf8_sanitize(p ? p : "", n);

    if (text && (strlen(text) != n || memcmp(text, p ? p : "", n) != 0)) {
        free(text);
        return NULL;
    }
    return text;
}

/* The MIME type a stored name stands for. */
static const char *mime_of(const char *name)
{
    static const struct { const char *ext, *mime; } types[] = {
        {".png", "image/png"}, {".svg", "image/svg+xml"}, {".html", "text/html"}, {".htm", "text/html"},
        {".json", "application/json"}, {".csv", "text/csv"}, {".txt", "text/plain"}, {".md", "text/markdown"},
    };
    const char *dot = strrchr(name, '.');

    for (size_t i = 0; dot && i < sizeof types / sizeof *types; i++)
        if (strcasecmp(dot, types[i].ext) == 0)
            return types[i].mime;
    return "application/octet-stream";
}

cJSON *ag_mcp_inline_read(const char *uri, const char *tenant, char *err, size_t errlen)
{
    const char *p = uri && strncmp(uri, "sandboxrun://", 13) == 0 ? uri + 13 : NULL, *slash = p ? strchr(p, '/') : NULL;
    char id[64], path[PATH_MAX];
    const char *mime;
    struct sr_buf data;
    cJSON *r, *c;
    char *text;

    if (!slash || slash == p || (size_t)(slash - p) >= sizeof id || !slash[1])
        return snprintf(err, errlen, "resources/read: not a sandboxrun:// link: %.200s", uri ? uri : "(none)"), NULL;
    memcpy(id, p, (size_t)(slash - p));
    id[slash - p] = '\0';
    if (ag_mcp_store_output_file(tenant, id, slash + 1, path, sizeof path, err, errlen) < 0)
        return NULL;
    if (sr_read_file(path, AG_MCP_READ_MAX, &data) != 0) {
        sr_buf_reset(&data);
        return snprintf(err, errlen, "%.200s: unreadable or larger than %u bytes", uri, AG_MCP_READ_MAX), NULL;
    }
    mime = mime_of(slash + 1);
    r = cJSON_CreateObject();
    c = cJSON_CreateObject();
    cJSON_AddItemToArray(cJSON_AddArrayToObject(r, "contents"), c);
    cJSON_AddStringToObject(c, "uri", uri);
    cJSON_AddStringToObject(c, "mimeType", mime);
    if (strncmp(mime, "image/png", 9) != 0 && strcmp(mime, "application/octet-stream") != 0 &&
        (text = ag_mcp_utf8_exact(data.data, data.len))) {
        cJSON_AddStringToObject(c, "text", text);   /* only text that is the file's bytes exactly */
        free(text);
    } else {
        text = ag_mcp_base64(data.data ? data.data : "", data.len);
        cJSON_AddStringToObject(c, "blob", text ? text : "");
        free(text);
    }
    sr_buf_reset(&data);
    return r;
}
