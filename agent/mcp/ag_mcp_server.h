/* ag_mcp_server — the MCP protocol over one stdio connection: both eras
 * (the initialize handshake of 2025-11-25/2025-06-18, and the stateless
 * 2026-07-28 revision with server/discover and a _meta envelope on every
 * request), tools/list, and tools/call run on a bounded pool of threads with
 * progress notifications and cancellation. */
#ifndef AG_MCP_SERVER_H
#define AG_MCP_SERVER_H

#include <stddef.h>

#define AG_MCP_MAX_WORKERS 32

struct ag_mcp_opts {
    int workers;        /* tool calls run at once (default 4) */
    int max_queue;      /* calls waiting beyond those; more are refused (default 64) */
    size_t max_line;    /* longest message accepted (default AG_MCP_LINE_MAX) */
};

/* Serve requests from in_fd, answer on out_fd, until in_fd reaches EOF or
 * SIGINT/SIGTERM/SIGHUP arrives; then cancel what runs and return 0 (or 1 if
 * the server could not start). */
int ag_mcp_serve(int in_fd, int out_fd, const struct ag_mcp_opts *o);

#endif
