/* ag_observe — the service's health and metrics routes:
 *
 *   GET /ping      on the main listener, unauthenticated: AgentCore Runtime's
 *                  health check, {"status": "Healthy" | "HealthyBusy",
 *                  "time_of_last_update": UNIX_SECONDS}; while the service
 *                  drains (serve --drain), 503 {"status": "Draining"}, so
 *                  that a readiness probe takes the pod out of the Service
 *   GET /metrics   on the --metrics listener: the Prometheus text format
 *                  (ag_metrics_render) */
#ifndef AG_OBSERVE_H
#define AG_OBSERVE_H

#include "ag_http.h"

/* The service started now (the first time_of_last_update, the start gauge). */
void ag_observe_init(void);
/* The service drains from now on (ag_service, on SIGTERM with --drain). */
void ag_observe_drain(void);
/* Whether it drains: no new session starts here. */
int ag_observe_draining(void);
/* Route handlers for "/ping" and "/metrics" (ctx unused). */
void ag_observe_ping(const struct ag_http_req *req, struct ag_http_resp *resp, void *ctx);
void ag_observe_metrics(const struct ag_http_req *req, struct ag_http_resp *resp, void *ctx);

/* With addr (--metrics), serve /metrics on it with base's limits: 0 with
 * *out (NULL without addr), or -1 with err set. Stop it with ag_http_stop. */
int ag_observe_start_metrics(const char *addr, const struct ag_http_opts *base, struct ag_http **out, char *err,
                             size_t errlen);

#endif
