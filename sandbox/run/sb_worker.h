/* sb_worker — one jailed worker as the supervisor sees it, and the loop that
 * watches it run code.
 *
 * sb_worker_start clones the worker into its namespaces (sb_jail), writes its
 * id maps, puts it in the run's cgroup and waits for the jail to be ready.
 * sb_worker_watch then streams stdout/stderr (extracting blocks), names
 * forbidden syscalls from the seccomp listener, enforces the wall clock and
 * the output caps, and reacts to our own signals. A one-shot run watches until
 * every pipe closes; a session watches until the execution's done-frame.
 * Every buffer is capped and every wait has a deadline: the script cannot
 * crash or hang the supervisor. sb_worker_outcome then says what happened.
 * In three files: sb_worker_spawn.c (start, kill, reap, finish),
 * sb_worker_watch.c (the execution's state and the watch loop) and
 * sb_worker_classify.c (the outcome). */
#ifndef SB_WORKER_H
#define SB_WORKER_H

#include "sb_blocks.h"
#include "sr_tty.h"
#include "sb_cgroup.h"
#include "sb_jail.h"
#include "sb_live.h"
#include "sb_outcome.h"
#include "sb_request.h"
#include "sb_zygote.h"
#include "sr_buf.h"

/* Seconds a session's code gets to stop at a KeyboardInterrupt (a cancel,
 * the output cap, a timeout) before its worker is killed. */
#define SB_INTERRUPT_GRACE_S 2.0

enum { SB_P_CHAN, SB_P_OUT, SB_P_ERR, SB_P_REP, SB_P_NOTIFY, SB_P_SIG, SB_P_COUNT };

struct sb_worker {
    const struct sb_request *req;      /* limits and inputs of the worker */
    pid_t init;                        /* pid 1 of the run, our child */
    int fd[SB_P_COUNT];                /* our ends; -1 when closed */
    int ctl;                           /* write end of the control pipe (sessions), or -1 */
    int out_dir_fd;                    /* the run's /out tmpfs, from the jail */
    struct sb_cgroup cg;
    int got_ready, got_exit, script_status, killed, interrupted;
    int violation_nr;
    int notify_failures;         /* kill-rule notifications that could not be received, in a row */
    char violation_name[64];
    double t0, t_ready, t_exit;
    char setup_err[1024];
    char weak[256];                    /* what the jail's set-up had to weaken (the record's "weakened") */
    struct sb_jail jail;
    struct sb_bpf bpf;                 /* the compiled filter (cold workers) */
};

/* Per-execution state: what one piece of code printed and how it ended. */
struct sb_exec {
    struct sb_blocks blocks;
    struct sr_buf err, rep;
    int timed_out, output_limit, done;
    unsigned long long stdout_bytes;   /* everything read from stdout, blocks included */
    double t_start, t_end, deadline, kill_at, interrupted_at, timeout_s;
    int until_done;                    /* session: stop at the done-frame */
    int until_ready;                   /* session start: stop once the jail is ready */
    int interrupt_first;               /* session: on timeout try a KeyboardInterrupt first */
    int abort_fd;                      /* a client connection whose hang-up ends the run, or -1 */
    /* with on_client, abort_fd is also read while the code runs: on_client
     * is called when it is readable or hung up (a daemon session's
     * connection, which carries cancels) */
    void (*on_client)(struct sb_worker *w, struct sb_exec *x);
    void *client;                      /* on_client's state */
    int aborted;
    unsigned seq;                      /* session: the execution's number (0: any cancel applies) */
    unsigned answers_dropped;          /* session: done-frames whose "seq" was not seq, dropped */
    int cancelled;                     /* the orchestrator cancelled it (SR_CANCEL_SIGNAL) */
    struct sr_tty_filter tty[2];       /* passthrough to a terminal: stdout's and stderr's filter */
    struct sb_live live;               /* the output as it comes (off until the caller sets live.fd) */
};

/* Spawn and jail a worker for req (runner NULL = run req->code once). With
 * ctl, the script's process gets a control pipe (sessions). -1 when the
 * worker could not be started; the first error logged meanwhile is then
 * o->message (sr_log_to_record). */
int sb_worker_start(struct sb_worker *w, const struct sb_request *req, int (*runner)(struct sb_jail *),
                    int ctl, struct sb_outcome *o);
/* The same for a warm worker, cloned by the zygote from a pre-imported
 * interpreter: it has a control pipe and waits for one request. Signals are
 * left to the caller (the daemon handles them in one place). */
int sb_worker_start_warm(struct sb_worker *w, const struct sb_request *req, struct sb_zygote *z,
                         struct sb_outcome *o);
/* Send a request frame (u32 length + JSON) on the worker's control pipe. */
int sb_worker_send(struct sb_worker *w, const char *json);
void sb_exec_init(struct sb_exec *x, const struct sb_request *req, double timeout_s, int until_done);
void sb_exec_free(struct sb_exec *x);
/* Watch until the execution ends (see above). With x->live.fd set, live
 * output messages go there while it runs, the last one complete on return. */
void sb_worker_watch(struct sb_worker *w, struct sb_exec *x);
/* Kill every process of the worker (idempotent). */
void sb_worker_kill(struct sb_worker *w);
/* Interrupt the script through init: execution seq of a session (0: a
 * plain SIGINT, whatever runs). 0 or -1. */
int sb_worker_interrupt(struct sb_worker *w, unsigned seq);
/* Cancel execution seq of a session (0: whatever runs) while it is watched:
 * a KeyboardInterrupt, and the worker killed if the code does not stop
 * within the grace. A cancel for another execution is dropped. */
void sb_worker_cancel(struct sb_worker *w, struct sb_exec *x, unsigned seq);
/* Put one execution's output, files, status and message into o. status_code
 * and error come from a session's done-frame (pass -1/NULL for a one-shot run,
 * whose status comes from the wait status). */
void sb_worker_outcome(struct sb_worker *w, struct sb_exec *x, int status_code, const char *error,
                       struct sb_outcome *o);
/* The worker never became ready: say why in o->message (kept when the start
 * already said; else the jail's own set-up error, with what the start logged). */
void sb_worker_setup_failed(const struct sb_worker *w, struct sb_outcome *o);
/* Kill and reap init; its rusage (every process of the worker) goes into o
 * when o is not NULL. */
void sb_worker_reap(struct sb_worker *w, struct sb_outcome *o);
/* Reap if needed, remove the cgroup, close everything. */
void sb_worker_finish(struct sb_worker *w);

#endif
