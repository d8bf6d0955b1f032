/* ag_mcp_server — the MCP protocol, once for every transport: both eras
 * (the initialize handshake of 2025-11-25/2025-06-18, and the stateless
 * 2026-07-28 revision with server/discover and a _meta envelope on every
 * request), tools/list, resources, and tools/call run on a bounded pool of
 * threads with progress notifications and cancellation.
 *
 * A transport hands in each message of a client (ag_mcp_handle) with the
 * out its answer and notifications go to: stdio (ag_mcp_stdio.h) has one
 * client and one out; MCP over HTTP (agent/service/ag_mcp_http.c) has a
 * client per MCP-Session-Id and an out per POST. */
#ifndef AG_MCP_SERVER_H
#define AG_MCP_SERVER_H

#include <cjson/cJSON.h>
#include <stddef.h>

#include "ag_mcp_rpc.h"

#define AG_MCP_MAX_WORKERS 32
#define AG_MCP_MODERN_VERSION "2026-07-28"
#define AG_MCP_KEY_VERSION "io.modelcontextprotocol/protocolVersion"
#define AG_MCP_TENANT_MAX 63

struct ag_mcp_opts {
    int workers;        /* tool calls run at once (default 4) */
    int max_queue;      /* calls waiting beyond those; more are refused (default 64) */
    size_t max_line;    /* longest message accepted (default AG_MCP_LINE_MAX) */
};

/* One MCP client: the stdio connection, or one MCP-Session-Id over HTTP.
 * Its calls are matched for cancellation by (client, request id), so two
 * clients may use the same ids. */
struct ag_mcp_client {
    unsigned long long serial;          /* unique for the process's life */
    char tenant[AG_MCP_TENANT_MAX + 1]; /* who owns what its calls make; "" with local set */
    int local;                          /* the local user (stdio): tenant NULL for the tools */
    const char *protocol;               /* "mcp-stdio", "mcp-http" (static) */
    int log_level;                      /* logging/setLevel's (legacy era); -1 none */
};

/* Make c a new client: tenant NULL is the local user. */
void ag_mcp_client_init(struct ag_mcp_client *c, const char *tenant, const char *protocol);

/* Start the pool and the ticker (progress, idle sessions). 0, or -1 logged. */
int ag_mcp_server_start(const struct ag_mcp_opts *o);
/* Cancel every call (they end soon; none is answered) and queue no more. */
void ag_mcp_server_cancel_all(void);
/* Cancel every call, wait for the pool, stop the sessions and the store. */
void ag_mcp_server_stop(void);

/* Handle one message (taken) from client c: a request is answered on out,
 * now or (tools/call) later from the pool, which holds out meanwhile; a
 * notification or a response is acted on and gets nothing. An invalid
 * message is answered with its JSON-RPC error. */
void ag_mcp_handle(struct ag_mcp_client *c, struct ag_mcp_out *out, cJSON *msg);
/* Handle text (len bytes) that should be one message: a parse error is
 * answered on out. */
void ag_mcp_handle_text(struct ag_mcp_client *c, struct ag_mcp_out *out, const char *text, size_t len);
/* Cancel every call of client c that is not being answered yet (its MCP
 * session ended). */
void ag_mcp_cancel_client(const struct ag_mcp_client *c);
/* Whether msg is a request of the stateless 2026-07-28 revision (its
 * params carry the _meta envelope's protocol version). */
int ag_mcp_is_modern(const cJSON *msg);

#endif
