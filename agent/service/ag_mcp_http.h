/* ag_mcp_http — MCP over Streamable HTTP (spec revision 2025-11-25, and
 * the stateless 2026-07-28 one) on the service's listener, served by the
 * same MCP server as stdio (ag_mcp_server.h):
 *
 *   POST   /mcp   one JSON-RPC message: a request is answered with
 *                 application/json (quick methods) or a text/event-stream of
 *                 its progress and its answer (tools/call); a notification or
 *                 a response gets 202
 *   GET    /mcp   405: the server sends nothing unasked
 *   DELETE /mcp   ends the MCP session (its running calls are cancelled)
 *   GET    /.well-known/oauth-protected-resource[/mcp]   RFC 9728 metadata
 *
 * An MCP-Session-Id (ag_sid: 32 random bytes in hex, or the pod's TAG and
 * 130 random bits) is issued at initialize and
 * required afterwards (missing 400, unknown, expired or another tenant's
 * 404); a 2026-07-28 request needs none. Callers present `Authorization:
 * Bearer TOKEN` from the --auth file's tokens (401 otherwise, with
 * WWW-Authenticate naming the metadata); a request with an Origin that is
 * not allowed gets 403. The token's tenant owns the jailed sessions and
 * outputs its calls make, as with the AgentCore API. */
#ifndef AG_MCP_HTTP_H
#define AG_MCP_HTTP_H

#include "ag_auth.h"
#include "ag_http.h"

#define AG_MCP_HTTP_ORIGINS_MAX 16

struct ag_mcp_http_opts {
    const struct ag_auth *auth;          /* NULL: no tokens (unix socket only), tenant "local" */
    const char *public_url;              /* how clients reach us (the metadata's resource), or NULL: from Host */
    const char *origins[AG_MCP_HTTP_ORIGINS_MAX];   /* Origin values allowed */
    int norigins;
    const char *auth_servers[4];         /* authorization_servers of the metadata */
    int nauth_servers;
    int max_sessions, tenant_sessions;   /* MCP sessions at once, in all and per tenant */
    double idle;                         /* seconds an MCP session may go unused */
    unsigned keepalive;                  /* seconds between SSE comments on a silent stream */
};

/* Take the options (kept by reference). */
void ag_mcp_http_init(const struct ag_mcp_http_opts *o);
/* The route handlers for "/mcp" and "/.well-known/oauth-protected-resource". */
void ag_mcp_http_handle(const struct ag_http_req *req, struct ag_http_resp *resp, void *ctx);
void ag_mcp_http_admit(const struct ag_http_req *req, struct ag_http_resp *resp, void *ctx);
void ag_mcp_http_metadata(const struct ag_http_req *req, struct ag_http_resp *resp, void *ctx);
/* End MCP sessions unused for longer than the idle time. */
void ag_mcp_http_reap(void);
/* End every MCP session: from now on a request naming one gets 404 (as
 * for a session that ended) and any other 503, so a router tries another
 * server (on SIGTERM, serve --drain). */
void ag_mcp_http_drain(void);
/* Refuse new requests and end every open stream (at shutdown). */
void ag_mcp_http_shutdown(void);

#endif
