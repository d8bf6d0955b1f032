/* sb_supervisor.c — a one-shot run: a fresh worker runs the code once. */
#include "sb_supervisor.h"

#include "sb_worker.h"

int sb_supervise(const struct sb_request *req, int live_fd, struct sb_outcome *o)
{
    struct sb_worker w;
    struct sb_exec x;

    if (sb_worker_start(&w, req, NULL, 0, o) < 0) {
        sb_worker_finish(&w);
        return 0;
    }
    sb_exec_init(&x, req, req->timeout_s, 0);
    x.live.fd = req->live ? live_fd : -1;
    sb_worker_watch(&w, &x);
    sb_worker_reap(&w, o);
    sb_worker_outcome(&w, &x, -1, NULL, o);
    sb_exec_free(&x);
    sb_worker_finish(&w);
    return 0;
}
