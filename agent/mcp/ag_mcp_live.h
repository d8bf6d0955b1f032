/* ag_mcp_live — what a running call printed, for its progress notifications.
 *
 * A call whose request carried a progressToken asks its run for live output
 * (agent/run/ag_live.h); the reading thread puts each message here and the
 * server's ticker takes what came since its last notification. Whatever the
 * run prints, one call holds at most AG_MCP_LIVE_LINES lines and the
 * unfinished line of each stream, each cut at AG_MCP_LIVE_LINE_MAX bytes of
 * printable UTF-8: older lines are only counted. */
#ifndef AG_MCP_LIVE_H
#define AG_MCP_LIVE_H

#include <cjson/cJSON.h>
#include <pthread.h>
#include <stddef.h>

#define AG_MCP_LIVE_LINES 8
#define AG_MCP_LIVE_LINE_MAX 256
#define AG_MCP_LIVE_MSG_MAX 4096   /* a progress message, the "running for" line included */
#define AG_MCP_LIVE_INTERVAL 0.5   /* seconds between notifications that carry output, at least */

struct ag_mcp_live_line {
    int stream;                          /* 0 stdout, 1 stderr */
    char text[AG_MCP_LIVE_LINE_MAX + 4]; /* printable, NUL-terminated; may end in "…" */
};

struct ag_mcp_live {
    pthread_mutex_t lock;
    struct ag_mcp_live_line lines[AG_MCP_LIVE_LINES];   /* ring: ended lines not yet told */
    unsigned n, head;
    unsigned long long skipped;                          /* lines dropped before they were told */
    struct ag_mcp_live_line partial[2];                  /* each stream's unfinished line, "" if none new */
    int fresh;                                           /* something new since the last take */
};

void ag_mcp_live_init(struct ag_mcp_live *l);
/* An ag_live_sink fn: ctx is the struct ag_mcp_live, live one message. */
void ag_mcp_live_put(void *ctx, const cJSON *live);
/* Whether output came since the last take. */
int ag_mcp_live_fresh(struct ag_mcp_live *l);
/* Append what came since the last take to msg (a NUL-terminated string
 * within cap bytes), one "\n[stdout] text" line each, and forget it. */
void ag_mcp_live_take(struct ag_mcp_live *l, char *msg, size_t cap);

#endif
