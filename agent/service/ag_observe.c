/* ag_observe.c — /ping and /metrics. */
#include "ag_observe.h"

#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "ag_mcp_session.h"
#include "ag_metrics.h"
#include "ag_pool.h"

static double started;
static atomic_int last_busy;          /* the status /ping last reported */
static atomic_long last_change;       /* when it changed (Unix seconds) */
static atomic_int draining;

void ag_observe_init(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_REALTIME, &ts);
    started = (double)ts.tv_sec + ts.tv_nsec / 1e9;
    atomic_store(&last_change, (long)ts.tv_sec);
}

void ag_observe_drain(void)
{
    atomic_store(&draining, 1);
}

int ag_observe_draining(void)
{
    return atomic_load(&draining);
}

/* Only GET (and HEAD) of exactly path; 0, or -1 after answering. */
static int only_get(const struct ag_http_req *req, struct ag_http_resp *resp, const char *path)
{
    static const char nf[] = "{\"message\":\"no such path\"}", na[] = "{\"message\":\"GET only\"}";

    if (strcmp(req->path, path) != 0)
        return ag_http_respond(resp, 404, "application/json", strdup(nf), sizeof nf - 1), -1;
    if (strcmp(req->method, "GET") != 0 && strcmp(req->method, "HEAD") != 0) {
        ag_http_respond(resp, 405, "application/json", strdup(na), sizeof na - 1);
        ag_http_add_header(resp, "Allow", "GET, HEAD");
        return -1;
    }
    return 0;
}

void ag_observe_ping(const struct ag_http_req *req, struct ag_http_resp *resp, void *ctx)
{
    int busy = ag_metrics_inflight_now() > 0;
    char body[96];
    int n;

    (void)ctx;
    if (only_get(req, resp, "/ping") < 0)
        return;
    if (ag_observe_draining()) {
        n = snprintf(body, sizeof body, "{\"status\":\"Draining\",\"time_of_last_update\":%ld}", (long)time(NULL));
        return ag_http_respond(resp, 503, "application/json", strdup(body), (size_t)n);
    }
    /* AgentCore judges progress by an advancing timestamp: it moves when the status does */
    if (atomic_exchange(&last_busy, busy) != busy)
        atomic_store(&last_change, (long)time(NULL));
    n = snprintf(body, sizeof body, "{\"status\":\"%s\",\"time_of_last_update\":%ld}",
                 busy ? "HealthyBusy" : "Healthy", atomic_load(&last_change));
    ag_http_respond(resp, 200, "application/json", strdup(body), (size_t)n);
}

void ag_observe_metrics(const struct ag_http_req *req, struct ag_http_resp *resp, void *ctx)
{
    struct ag_metrics_gauges g = {.sessions = ag_mcp_sessions_active(), .sessions_max = ag_mcp_sessions_max(),
                                  .started = started, .more = ag_pool_metrics};
    size_t len = 0;
    char *text;

    (void)ctx;
    if (only_get(req, resp, "/metrics") < 0)
        return;
    if (!(text = ag_metrics_render(&g, &len)))
        return ag_http_respond(resp, 500, "text/plain", strdup("out of memory\n"), 14);
    ag_http_respond(resp, 200, "text/plain; version=0.0.4; charset=utf-8", text, len);
}

int ag_observe_start_metrics(const char *addr, const struct ag_http_opts *base, struct ag_http **out, char *err,
                             size_t errlen)
{
    static const struct ag_http_route routes[] = {{"/metrics", ag_observe_metrics, NULL, NULL}};
    struct ag_http_opts o = *base;
    int loopback, fd;

    *out = NULL;
    if (!addr)
        return 0;
    if ((fd = ag_http_listen(addr, &loopback, err, errlen)) < 0)
        return -1;
    o.listen = addr;
    o.max_body = 4096;   /* a scrape has no body */
    return ag_http_start(fd, &o, routes, 1, out, err, errlen);
}
