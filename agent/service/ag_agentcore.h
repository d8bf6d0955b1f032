/* ag_agentcore — the AWS Bedrock AgentCore Code Interpreter data plane
 * (restJson1) on the service's HTTP front:
 *
 *   PUT  /code-interpreters/{id}/sessions/start   StartCodeInterpreterSession
 *   PUT  /code-interpreters/{id}/sessions/stop    StopCodeInterpreterSession (?sessionId=)
 *   GET  /code-interpreters/{id}/sessions/get     GetCodeInterpreterSession (?sessionId=)
 *   POST /code-interpreters/{id}/sessions/list    ListCodeInterpreterSessions
 *   POST /code-interpreters/{id}/tools/invoke     InvokeCodeInterpreter (event stream)
 *
 * Every request is SigV4-verified against the --auth keys; the key's tenant
 * owns the sessions it starts. Sessions are the MCP server's sessions
 * (ag_mcp_session) and tools are the MCP tools (ag_mcp_tool_call), so both
 * protocols have one implementation. Errors before the stream are an HTTP
 * status, X-Amzn-ErrorType and {"message"} as AWS sends them. */
#ifndef AG_AGENTCORE_H
#define AG_AGENTCORE_H

#include <cjson/cJSON.h>

#include "ag_auth.h"
#include "ag_http.h"

#define AG_AGENTCORE_DEFAULT_ID "aws.codeinterpreter.v1"
#define AG_AGENTCORE_MAX_INTERPRETERS 16

/* A codeInterpreterIdentifier and the configuration it selects: its
 * sessions' limits (0: the service's), seccomp policy and preloads, and
 * where its sessions' workers come from (ag_pool). */
struct ag_agentcore_interp {
    char name[101];
    long memory_mb;               /* the session's memory */
    unsigned long pids, tmp_mb, out_mb;   /* its processes, its /tmp and /out sizes */
    double timeout;               /* seconds one tool call may run, at most the service's --exec-timeout */
    char *policy;                 /* its seccomp policy file (a real path), or NULL: the default */
    char *preload;                /* the modules its warm workers import ahead, comma-separated, or NULL */
    unsigned long pool;           /* ready workers of its own daemon (with a policy or preloads; 0: 1) */
    const char *daemon;           /* its own warm daemon's socket, or NULL: the service's */
    int cold;                     /* no daemon runs its policy: every session a cold jail */
};

struct ag_agentcore_opts {
    const struct ag_auth *auth;   /* NULL: requests are not signed (unix socket only), tenant "local" */
    const char *region;           /* of the credential scope */
    double exec_timeout;          /* seconds one tool call may run */
    int tenant_sessions;          /* sessions per tenant at once */
    struct ag_agentcore_interp interps[AG_AGENTCORE_MAX_INTERPRETERS];
    int ninterps;                 /* the default one is always there */
};

/* Take the options (kept by reference). */
void ag_agentcore_init(const struct ag_agentcore_opts *o);
/* The route handler for "/code-interpreters/". */
void ag_agentcore_handle(const struct ag_http_req *req, struct ag_http_resp *resp, void *ctx);
/* The route's admission check (ag_http_route.admit): a request whose
 * signature header cannot be good (missing, malformed, out of scope or of
 * the clock window, an unknown key) is refused before its body is read. */
void ag_agentcore_admit(const struct ag_http_req *req, struct ag_http_resp *resp, void *ctx);
/* Cancel every tool call in progress (at shutdown). */
void ag_agentcore_cancel_all(void);

/* ---- shared between the routes and the tools (ag_agentcore_tools.c) ---- */

/* An AWS error: status, X-Amzn-ErrorType type, {"message": ...}. */
void ag_agentcore_error(struct ag_http_resp *resp, int status, const char *type, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
/* A ValidationException naming the offending field. */
void ag_agentcore_invalid(struct ag_http_resp *resp, const char *field, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
/* Run AgentCore tool name with arguments in tenant's session sid and put
 * the event-stream answer (or an error) into resp. fd is the client's
 * socket: if the client goes away, the call is cancelled. corr is the
 * request's correlation id (ag_audit_correlation), for the audit log. */
void ag_agentcore_invoke(struct ag_http_resp *resp, const char *tenant, const char *sid, const char *name,
                         const cJSON *arguments, double timeout, int fd, const char *corr);

#endif
