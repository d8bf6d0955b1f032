/* ag_mcp_tools — the MCP tool registry: names, titles, descriptions, input
 * and output JSON Schemas, annotations, argument validation, and the
 * per-call state a handler runs with (and another thread cancels). */
#ifndef AG_MCP_TOOLS_H
#define AG_MCP_TOOLS_H

#include <cjson/cJSON.h>
#include <pthread.h>
#include <stddef.h>

#include "ag_audit.h"
#include "ag_mcp_live.h"
#include "ag_runner.h"
#include "ag_session.h"

/* One tools/call in progress. The handler owns nothing in it but reads args;
 * the server creates it, may cancel it from another thread, and frees it. */
struct ag_mcp_call {
    const cJSON *args;              /* validated against the tool's inputSchema */
    const char *tenant;             /* who calls (owns the sessions it starts); NULL: the local user */
    pthread_mutex_t lock;
    int cancelled;
    int committed;                  /* will be answered: too late to cancel */
    struct ag_runner_job job;       /* the one-shot run, if any */
    struct ag_session_cancel scancel; /* the session execution, if any */
    double timeout;                 /* seconds the current run may take (progress total) */
    struct ag_mcp_live live;        /* what the run printed lately (ag_mcp_live_attach asks for it) */
    int display;                    /* run the code as a notebook cell (execute_code) */
    /* for the audit log and the metrics (ag_mcp_audit.c): */
    const char *protocol;           /* how the caller reached us: "mcp-stdio", "mcp-http", "agentcore" (static) */
    char correlation[AG_AUDIT_CORR_MAX];  /* the caller's (ag_audit_correlation); "": one is made up */
    const char *alias;              /* the caller's name for the tool (AgentCore's "executeCode"), or NULL */
    cJSON *audit;                   /* the line being built while the tool runs (NULL: the log is off) */
    const struct ag_mcp_tool *tool; /* the tool being run (ag_mcp_tool_run sets it): its name and arg */
};

/* A handler returns a CallToolResult ({content, structuredContent, isError}),
 * or NULL with *rpc_code (e.g. AG_RPC_INVALID_PARAMS) and err set. */
typedef cJSON *(*ag_mcp_tool_fn)(struct ag_mcp_call *c, int *rpc_code, char *err, size_t errlen);

struct ag_mcp_tool {
    const char *name, *title, *description;
    const char *input_schema, *output_schema;   /* JSON text */
    int read_only, destructive, idempotent, open_world;
    ag_mcp_tool_fn fn;
    int internal;   /* not an MCP tool: only ag_mcp_tool_call (the AgentCore API) reaches it */
    const char *arg;   /* what fn serves, for a handler shared by tools: a script, a file operation */
};

/* Parse every schema once (0, or -1 after logging which one is broken). */
int ag_mcp_tools_init(void);
/* The MCP tool called name, or NULL (an internal one too). */
const struct ag_mcp_tool *ag_mcp_tool_find(const char *name);
/* A new array of Tool objects for tools/list. */
cJSON *ag_mcp_tools_list(void);
/* Check args against the tool's inputSchema. 0, or -1 with a message naming
 * the offending argument in err. */
int ag_mcp_tool_validate(const struct ag_mcp_tool *t, const cJSON *args, char *err, size_t errlen);

void ag_mcp_call_init(struct ag_mcp_call *c, const cJSON *args);
/* Have c's runs send their output as it comes into c->live (for progress
 * notifications: only a call whose caller sent a progressToken). */
void ag_mcp_call_want_live(struct ag_mcp_call *c);
/* Run tool name on call c (made with ag_mcp_call_init; set c->tenant) as
 * tools/call does, whatever the transport: the arguments are validated
 * first. A CallToolResult, or NULL with *rpc_code and err set (unknown
 * tool, invalid arguments, or the tool's own refusal). */
cJSON *ag_mcp_tool_call(struct ag_mcp_call *c, const char *name, int *rpc_code, char *err, size_t errlen);
/* Run tool t (its arguments already validated) on call c, then write the
 * call's one audit line and count it in the metrics: every transport runs
 * tools through here (ag_mcp_tool_call, the stdio server). As t->fn. */
cJSON *ag_mcp_tool_run(struct ag_mcp_call *c, const struct ag_mcp_tool *t, int *rpc_code, char *err, size_t errlen);
/* What a run mounted or wrote for call c, for its audit line: the file at
 * path (data NULL) or n bytes of data, under name. No-op with the log off. */
void ag_mcp_call_note_input(struct ag_mcp_call *c, const char *name, const char *path, const void *data, size_t n);
/* Stop whatever the call is running (idempotent; safe from any thread).
 * Does nothing once the call is committed. */
void ag_mcp_call_cancel(struct ag_mcp_call *c);
/* Whether the call was cancelled. */
int ag_mcp_call_cancelled(struct ag_mcp_call *c);
/* Commit the call to being answered, so a later cancellation is ignored.
 * 0 (also when already committed), or -1 if it was cancelled first: then
 * no answer is sent, and whatever the handler made for the client (a
 * session) must be undone, for no one will ever learn of it. */
int ag_mcp_call_commit(struct ag_mcp_call *c);

/* ---- handlers (ag_mcp_run.c, ag_mcp_session.c) ---- */
cJSON *ag_mcp_execute_code(struct ag_mcp_call *c, int *rpc_code, char *err, size_t errlen);
cJSON *ag_mcp_execute_command(struct ag_mcp_call *c, int *rpc_code, char *err, size_t errlen);
/* Internal (AgentCore): in session sessionId, run "code" as execute_code
 * does with the "before" helper ahead of it, or run the "call" helper alone
 * (scripts/sandboxrun_session.py) and answer with its answer as
 * structuredContent. */
cJSON *ag_mcp_session_call(struct ag_mcp_call *c, int *rpc_code, char *err, size_t errlen);
/* The analysis tools: scripts/<tool->arg> on the call's dataset, one shot. */
cJSON *ag_mcp_analysis(struct ag_mcp_call *c, int *rpc_code, char *err, size_t errlen);
cJSON *ag_mcp_upload_artifact(struct ag_mcp_call *c, int *rpc_code, char *err, size_t errlen);
cJSON *ag_mcp_start_session(struct ag_mcp_call *c, int *rpc_code, char *err, size_t errlen);
cJSON *ag_mcp_stop_session(struct ag_mcp_call *c, int *rpc_code, char *err, size_t errlen);
cJSON *ag_mcp_write_files(struct ag_mcp_call *c, int *rpc_code, char *err, size_t errlen);
/* read_files, list_files, remove_files: the session's files, operation tool->arg. */
cJSON *ag_mcp_file_op(struct ag_mcp_call *c, int *rpc_code, char *err, size_t errlen);

#endif
