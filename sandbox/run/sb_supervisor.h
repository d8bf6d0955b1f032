/* sb_supervisor — run one request in a fresh jailed worker and describe what happened.
 *
 * Clones the worker into its namespaces, writes its uid/gid maps, puts it in
 * the run's cgroup, then streams its stdout/stderr (extracting blocks), watches
 * the seccomp listener, the wall clock and our own signals, and collects /out
 * after every process of the run is gone. The script cannot crash or hang it:
 * every buffer is capped and every wait has a deadline. */
#ifndef SB_SUPERVISOR_H
#define SB_SUPERVISOR_H

#include "sb_outcome.h"
#include "sb_request.h"

/* Run req; fill o (initialized by the caller with sb_outcome_init). With
 * req->live, live output messages go to live_fd (the record's channel) while
 * it runs. Returns 0 when a record can be written (whatever the status), -1
 * never: internal failures become status internal_error with a message. */
int sb_supervise(const struct sb_request *req, int live_fd, struct sb_outcome *o);

#endif
