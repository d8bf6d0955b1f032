/* ag_mcp_live.c — a call's latest output lines, capped, for progress messages. */
#include "ag_mcp_live.h"

#include <stdio.h>
#include <string.h>

#include "sr_utf8.h"

static const char *const stream_names[] = {"stdout", "stderr"};

void ag_mcp_live_init(struct ag_mcp_live *l)
{
    memset(l, 0, sizeof *l);
    pthread_mutex_init(&l->lock, NULL);
}

/* Fill ln from a ["stdout"|"stderr", text] pair; 0, or -1 if it is not one.
 * The supervisor made the text printable already; it is checked and cut
 * again here, so no message can carry more than this side allows. */
static int parse_line(const cJSON *pair, struct ag_mcp_live_line *ln)
{
    const char *stream = cJSON_GetStringValue(cJSON_GetArrayItem(pair, 0));
    const char *text = cJSON_GetStringValue(cJSON_GetArrayItem(pair, 1));
    int cut;
    size_t n;

    if (!stream || !text || (strcmp(stream, "stdout") != 0 && strcmp(stream, "stderr") != 0))
        return -1;
    ln->stream = strcmp(stream, "stderr") == 0;
    n = sr_utf8_printable(text, strlen(text), ln->text, AG_MCP_LIVE_LINE_MAX + 1, &cut);
    if (cut)
        memcpy(ln->text + n, "\xE2\x80\xA6", 4);   /* "…" */
    return 0;
}

/* An ended line into the ring (lock held): the oldest goes when it is full. */
static void push(struct ag_mcp_live *l, const struct ag_mcp_live_line *ln)
{
    if (l->n == AG_MCP_LIVE_LINES) {
        l->head = (l->head + 1) % AG_MCP_LIVE_LINES;
        l->n--;
        l->skipped++;
    }
    l->lines[(l->head + l->n++) % AG_MCP_LIVE_LINES] = *ln;
    l->partial[ln->stream].text[0] = '\0';   /* the line it was is complete now */
}

void ag_mcp_live_put(void *ctx, const cJSON *live)
{
    struct ag_mcp_live *l = ctx;
    const cJSON *pair, *skipped = cJSON_GetObjectItemCaseSensitive(live, "skipped");
    struct ag_mcp_live_line ln;

    pthread_mutex_lock(&l->lock);
    if (cJSON_IsNumber(skipped) && skipped->valuedouble >= 1 && skipped->valuedouble < 1e15) {
        l->skipped += (unsigned long long)skipped->valuedouble;
        l->fresh = 1;
    }
    cJSON_ArrayForEach(pair, cJSON_GetObjectItemCaseSensitive(live, "lines"))
        if (parse_line(pair, &ln) == 0)
            push(l, &ln), l->fresh = 1;
    cJSON_ArrayForEach(pair, cJSON_GetObjectItemCaseSensitive(live, "partial"))
        if (parse_line(pair, &ln) == 0 && ln.text[0])
            l->partial[ln.stream] = ln, l->fresh = 1;
    pthread_mutex_unlock(&l->lock);
}

int ag_mcp_live_fresh(struct ag_mcp_live *l)
{
    int f;

    pthread_mutex_lock(&l->lock);
    f = l->fresh;
    pthread_mutex_unlock(&l->lock);
    return f;
}

/* Append "\n[stream] text" to msg if it fits whole. */
static void add(char *msg, size_t cap, const struct ag_mcp_live_line *ln)
{
    size_t len = strlen(msg);

    if (len + strlen(ln->text) + 12 < cap)
        snprintf(msg + len, cap - len, "\n[%s] %s", stream_names[ln->stream], ln->text);
}

void ag_mcp_live_take(struct ag_mcp_live *l, char *msg, size_t cap)
{
    size_t len = strlen(msg);

    pthread_mutex_lock(&l->lock);
    if (l->skipped)
        snprintf(msg + len, cap - len, "\n[%llu earlier line%s not shown]", l->skipped, l->skipped == 1 ? "" : "s");
    for (unsigned i = 0; i < l->n; i++)
        add(msg, cap, &l->lines[(l->head + i) % AG_MCP_LIVE_LINES]);
    for (int s = 0; s < 2; s++)
        if (l->partial[s].text[0])
            add(msg, cap, &l->partial[s]);
    l->n = l->head = 0;
    l->skipped = 0;
    l->partial[0].text[0] = l->partial[1].text[0] = '\0';
    l->fresh = 0;
    pthread_mutex_unlock(&l->lock);
}
