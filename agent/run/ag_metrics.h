/* ag_metrics — the service's counters and gauges, and their Prometheus
 * text exposition (format 0.0.4). Counted where things happen (the tool
 * path all protocols share, the auth checks, the caps), served by the
 * service on its --metrics listener (agent/service/ag_observe.c). Every
 * update is one atomic operation: safe from any thread, no lock. */
#ifndef AG_METRICS_H
#define AG_METRICS_H

#include <stddef.h>

/* One finished execution (a tool call, whatever its outcome): by protocol
 * ("cli", "socket", "mcp-stdio", "mcp-http", "agentcore") and status (the
 * record's status, "tool_error", or "refused"), and its wall time. */
void ag_metrics_exec(const char *protocol, const char *status, double seconds);
/* Executions running now (+1 at the start, -1 at the end). */
void ag_metrics_inflight(int delta);
int ag_metrics_inflight_now(void);
/* Waiting for a worker thread (+1 queued, -1 taken). */
void ag_metrics_queued(int delta);
/* A refusal for being busy: code "429" (executions cap), "402" (sessions
 * cap), "-32000" (MCP server busy). */
void ag_metrics_busy(const char *code);
/* A request refused for its credentials: scheme "sigv4" or "bearer". */
void ag_metrics_auth_failure(const char *scheme);
/* A session event: "start", "stop", "expire", "shutdown". */
void ag_metrics_session(const char *event);

/* What only the caller knows, at the time of the scrape. */
struct sr_buf;
struct ag_metrics_gauges {
    int sessions, sessions_max;
    double started;      /* epoch seconds the service started */
    void (*more)(struct sr_buf *b);   /* appends families of its own (the pool's), or NULL */
};
/* The exposition text (caller frees), or NULL when out of memory. */
char *ag_metrics_render(const struct ag_metrics_gauges *g, size_t *len);

/* For a family rendered elsewhere: its HELP and TYPE lines; one sample
 * (labels without braces, or NULL). */
void ag_metrics_head(struct sr_buf *b, const char *name, const char *type, const char *help);
void ag_metrics_sample(struct sr_buf *b, const char *name, const char *labels, double v);

#endif
