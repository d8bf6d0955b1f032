/* ag_metrics.c — fixed label sets, atomic counters, the exposition text. */
#include "ag_metrics.h"

#include <stdatomic.h>
#include <stdio.h>
#include <string.h>

#include "sr_buf.h"
#include "sr_caps.h"
#include "sr_log.h"


static const char *const protocols[] = {"cli", "socket", "mcp-stdio", "mcp-http", "agentcore", "unknown"};
static const char *const statuses[] = {"ok", "error", "timeout", "memory_limit", "output_limit", "policy_violation",
                                       "killed", "internal_error", "usage_error", "tool_error", "refused", "other"};
static const char *const busy_codes[] = {"429", "402", "-32000"};
static const char *const schemes[] = {"sigv4", "bearer"};
static const char *const events[] = {"start", "stop", "expire", "shutdown"};
/* seconds: from a warm run's milliseconds to a long analysis */
static const double buckets[] = {0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300, 600};

#define N(a) (sizeof a / sizeof *a)

static struct {
    atomic_ulong execs[N(protocols)][N(statuses)];
    atomic_ulong hist[N(buckets)];          /* not cumulative: one bucket per observation */
    atomic_ulong hist_count, hist_sum_us;
    atomic_long inflight, queued;
    atomic_ulong busy[N(busy_codes)], auth[N(schemes)], sess[N(events)];
} M;

/* The index of name in list, or the last one (the catch-all) if absent. */
static size_t index_of(const char *const *list, size_t n, const char *name)
{
    for (size_t i = 0; name && i < n; i++)
        if (strcmp(list[i], name) == 0)
            return i;
    return n - 1;
}

/* index of name, or n (not counted) for lists without a catch-all */
static size_t exact_index(const char *const *list, size_t n, const char *name)
{
    size_t i = index_of(list, n, name);

    return name && strcmp(list[i], name) == 0 ? i : n;
}

void ag_metrics_exec(const char *protocol, const char *status, double seconds)
{
    size_t b = 0;

    atomic_fetch_add(&M.execs[index_of(protocols, N(protocols), protocol)][index_of(statuses, N(statuses), status)], 1);
    while (b < N(buckets) && seconds > buckets[b])
        b++;
    if (b < N(buckets))
        atomic_fetch_add(&M.hist[b], 1);
    atomic_fetch_add(&M.hist_count, 1);
    atomic_fetch_add(&M.hist_sum_us, seconds > 0 ? (unsigned long)(seconds * 1e6) : 0);
}

void ag_metrics_inflight(int delta)
{
    atomic_fetch_add(&M.inflight, delta);
}

int ag_metrics_inflight_now(void)
{
    return (int)atomic_load(&M.inflight);
}

void ag_metrics_queued(int delta)
{
    atomic_fetch_add(&M.queued, delta);
}

void ag_metrics_busy(const char *code)
{
    size_t i = exact_index(busy_codes, N(busy_codes), code);

    if (i < N(busy_codes))
        atomic_fetch_add(&M.busy[i], 1);
}

void ag_metrics_auth_failure(const char *scheme)
{
    size_t i = exact_index(schemes, N(schemes), scheme);

    if (i < N(schemes))
        atomic_fetch_add(&M.auth[i], 1);
}

void ag_metrics_session(const char *event)
{
    size_t i = exact_index(events, N(events), event);

    if (i < N(events))
        atomic_fetch_add(&M.sess[i], 1);
}

/* ---- exposition ---- */

void ag_metrics_head(struct sr_buf *b, const char *name, const char *type, const char *help)
{
    char line[512];

    snprintf(line, sizeof line, "# HELP %s %s\n# TYPE %s %s\n", name, help, name, type);
    sr_buf_puts(b, line);
}

void ag_metrics_sample(struct sr_buf *b, const char *name, const char *labels, double v)
{
    char line[512];

    snprintf(line, sizeof line, "%s%s%s%s %.17g\n", name, labels ? "{" : "", labels ? labels : "",
             labels ? "}" : "", v);
    sr_buf_puts(b, line);
}

/* A counter family with one label over values[0..n). */
static void labelled(struct sr_buf *b, const char *name, const char *help, const char *label,
                     const char *const *values, atomic_ulong *c, size_t n)
{
    char l[128];

    ag_metrics_head(b, name, "counter", help);
    for (size_t i = 0; i < n; i++) {
        snprintf(l, sizeof l, "%s=\"%s\"", label, values[i]);
        ag_metrics_sample(b, name, l, (double)atomic_load(&c[i]));
    }
}

static void histogram(struct sr_buf *b)
{
    const char *name = "sandboxrun_execution_duration_seconds";
    unsigned long cum = 0, count = atomic_load(&M.hist_count);
    char l[64], n[96];

    ag_metrics_head(b, name, "histogram", "Wall time of an execution, from the call to its result.");
    snprintf(n, sizeof n, "%s_bucket", name);
    for (size_t i = 0; i < N(buckets); i++) {
        cum += atomic_load(&M.hist[i]);
        snprintf(l, sizeof l, "le=\"%g\"", buckets[i]);
        ag_metrics_sample(b, n, l, (double)cum);
    }
    /* +Inf is the count read once, so a scrape during an update stays monotonic */
    ag_metrics_sample(b, n, "le=\"+Inf\"", (double)(count > cum ? count : cum));
    snprintf(n, sizeof n, "%s_sum", name);
    ag_metrics_sample(b, n, NULL, (double)atomic_load(&M.hist_sum_us) / 1e6);
    snprintf(n, sizeof n, "%s_count", name);
    ag_metrics_sample(b, n, NULL, (double)(count > cum ? count : cum));
}

char *ag_metrics_render(const struct ag_metrics_gauges *g, size_t *len)
{
    struct sr_buf b;
    char l[128];

    sr_buf_init(&b, AG_METRICS_MAX);
    ag_metrics_head(&b, "sandboxrun_executions_total", "counter", "Executions (tool calls and runs) by protocol and status.");
    for (size_t p = 0; p < N(protocols); p++)
        for (size_t s = 0; s < N(statuses); s++) {
            unsigned long v = atomic_load(&M.execs[p][s]);
            if (!v && (strcmp(statuses[s], "ok") != 0))
                continue;   /* zeros of every status x protocol would drown the page; ok is always there */
            snprintf(l, sizeof l, "protocol=\"%s\",status=\"%s\"", protocols[p], statuses[s]);
            ag_metrics_sample(&b, "sandboxrun_executions_total", l, (double)v);
        }
    histogram(&b);
    ag_metrics_head(&b, "sandboxrun_executions_in_flight", "gauge", "Executions running now.");
    ag_metrics_sample(&b, "sandboxrun_executions_in_flight", NULL, (double)atomic_load(&M.inflight));
    ag_metrics_head(&b, "sandboxrun_queue_depth", "gauge", "Requests waiting for a thread now (MCP tool calls for a worker, AgentCore session starts).");
    ag_metrics_sample(&b, "sandboxrun_queue_depth", NULL, (double)atomic_load(&M.queued));
    ag_metrics_head(&b, "sandboxrun_sessions_active", "gauge", "Sessions alive now.");
    ag_metrics_sample(&b, "sandboxrun_sessions_active", NULL, g->sessions);
    ag_metrics_head(&b, "sandboxrun_sessions_max", "gauge", "Sessions allowed at once (--max-sessions).");
    ag_metrics_sample(&b, "sandboxrun_sessions_max", NULL, g->sessions_max);
    labelled(&b, "sandboxrun_session_events_total", "Session starts, stops, expiries and shutdown stops.", "event",
             events, M.sess, N(events));
    labelled(&b, "sandboxrun_busy_refusals_total", "Requests refused for a cap: 429 executions, 402 sessions, "
             "-32000 MCP server busy.", "code", busy_codes, M.busy, N(busy_codes));
    labelled(&b, "sandboxrun_auth_failures_total", "Requests refused for their credentials.", "scheme", schemes,
             M.auth, N(schemes));
    ag_metrics_head(&b, "sandboxrun_start_time_seconds", "gauge", "When the service started (Unix time).");
    ag_metrics_sample(&b, "sandboxrun_start_time_seconds", NULL, g->started);
    if (g->more)
        g->more(&b);
    if (sr_buf_failed(&b))
        SR_WARN("metrics: the page passed %u bytes and was cut", AG_METRICS_MAX);
    return sr_buf_steal_cut(&b, "\n# cut: the page passed its cap\n", len);
}
