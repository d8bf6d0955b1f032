/* ag_mcp_sse — the answer to one MCP POST: an ag_mcp_out the MCP server
 * writes that POST's messages to (its notifications and its answer), read
 * by the HTTP front either as one application/json body (when the answer
 * came at once and alone) or as a text/event-stream of `event: message`
 * events that ends after the answer.
 *
 * Reference-counted: the front holds it until its response is over, the
 * server while the call runs. A call cancelled gets no answer (MCP): its
 * stream then ends after what was sent. A client that hangs up only stops the stream;
 * the call goes on (MCP 2025-11-25), unless the stream was told to cancel
 * it (2026-07-28: a dropped request stream is its cancellation). A silent
 * stream gets an SSE comment every keepalive seconds, so that proxies and
 * the client's idle timers see a live connection. */
#ifndef AG_MCP_SSE_H
#define AG_MCP_SSE_H

#include <stddef.h>

#include "ag_http.h"
#include "ag_mcp_server.h"
#include "sr_caps.h"

#define AG_MCP_SSE_HOOKS 2

struct ag_mcp_sse;

/* A stream for a POST from the client on socket fd (-1: none). NULL on OOM. */
struct ag_mcp_sse *ag_mcp_sse_new(int fd, unsigned keepalive);
/* Where the server sends this POST's messages. */
struct ag_mcp_out *ag_mcp_sse_out(struct ag_mcp_sse *s);
/* If the answer is in and came alone: its text (taken; len bytes) and 1,
 * and the stream is done; else 0. */
int ag_mcp_sse_take_answer(struct ag_mcp_sse *s, char **text, size_t *len);
/* Make resp the event stream; the front's reference goes with it. */
void ag_mcp_sse_respond(struct ag_mcp_sse *s, struct ag_http_resp *resp);
/* Drop the front's reference (when it answered otherwise). */
void ag_mcp_sse_release(struct ag_mcp_sse *s);
/* When the client hangs up before the answer, cancel client c's calls. */
void ag_mcp_sse_cancel_on_hangup(struct ag_mcp_sse *s, const struct ag_mcp_client *c);
/* Run fn(arg) once when the call this stream answers is over: when the
 * server lets go of it (answered or cancelled), or when the stream is freed
 * if the server never took it. At most AG_MCP_SSE_HOOKS; 0 or -1. For what
 * a call holds only while it runs (the tenant's slot, its MCP session). */
int ag_mcp_sse_on_end(struct ag_mcp_sse *s, void (*fn)(void *), void *arg);
/* The caller's correlation id (from its headers), for the calls it makes. */
void ag_mcp_sse_set_correlation(struct ag_mcp_sse *s, const char *id);
/* Every stream ends at its next wake-up, answered or not (at shutdown). */
void ag_mcp_sse_shutdown(void);

#endif
