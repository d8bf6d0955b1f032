/* ag_pool — the warm daemons behind `sandboxrun serve --http`.
 *
 * By default the service starts a warm daemon ("sandboxrun-supervisor
 * serve", fork+exec with the clean environment, its sockets in a 0700
 * directory of its own) with AG_POOL_DEFAULT ready workers: pre-imported,
 * pre-jailed, each used for one run or one session and then destroyed.
 * Every stateless call and every session whose interpreter runs the default
 * policy and preloads starts there. An interpreter with a seccomp policy or
 * preloads of its own gets a daemon of its own (its own zygote, filter and
 * pool), so a session of interpreter A never lands on a worker prepared for
 * B. --pool 0: no daemon, every session a cold jail. The service holds the
 * --auth keys; the daemons are the sandbox side and never see them. */
#ifndef AG_POOL_H
#define AG_POOL_H

#include <limits.h>

#include "ag_agentcore.h"

#define AG_POOL_DEFAULT 2        /* ready workers of the service's daemon without --pool */
#define AG_POOL_UNSET ULONG_MAX  /* no --pool: AG_POOL_DEFAULT, or the daemon $SANDBOXRUN_SOCKET names */

struct ag_pool_opts {
    unsigned long size;          /* --pool (AG_POOL_UNSET: not given) */
    unsigned long execs, sessions;   /* the service's caps, which size each daemon's */
    long memory_mb;              /* the service's session memory: the pooled workers' */
    struct ag_agentcore_interp *interps;   /* their daemon, cold set here */
    int ninterps;
};

/* Start the daemons (and name the service's in $SANDBOXRUN_SOCKET, before
 * any thread starts). 0, or -1 after saying why on stderr (the ones that
 * started are stopped again). */
int ag_pool_start(const struct ag_pool_opts *o);
/* Start again a daemon that died (from a loop that ticks). */
void ag_pool_check(void);
/* Stop every daemon (their sessions end with them). */
void ag_pool_stop(void);
/* The pools' gauges and counters, as Prometheus families (ag_metrics_gauges.more). */
struct sr_buf;
void ag_pool_metrics(struct sr_buf *b);

#endif
