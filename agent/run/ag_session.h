/* ag_session — a long-lived jailed interpreter whose variables, imports and
 * files persist across executions (the cloud interpreters' "session").
 *
 * A session is one jailed worker kept by a supervisor: on a warm daemon
 * (the one $SANDBOXRUN_SOCKET names, or another the caller gives), the daemon's (a pre-imported, pre-jailed worker, started in
 * milliseconds); else a supervisor process started with fork+exec and a
 * clean environment ("sandboxrun-supervisor session"). Both speak the same
 * protocol and give the same records (sandbox/modes/sb_session.h).
 * Executions are serialized per session (the call blocks; use one thread per
 * session or queue). Each execution returns a result record of the same shape
 * as a one-shot run; a timeout interrupts the execution (KeyboardInterrupt)
 * and, if it does not stop, ends the session (status "timeout", and
 * ag_session_alive() turns false). */
#ifndef AG_SESSION_H
#define AG_SESSION_H

#include <cjson/cJSON.h>
#include <pthread.h>
#include <stddef.h>
#include <sys/types.h>

#include "ag_live.h"

struct ag_session;

/* A session on the warm daemon whose socket is daemon (ag_server_socket()
 * names the usual one), or, with daemon NULL, a cold one. opts (may be
 * NULL): {"memoryMb": N, "pids": N, "tmpMb": N, "outMb": N, "policy": FILE,
 * "inputs": [{"path","name"}], "idleTimeout": seconds}. The jail is entered
 * before this returns. 0, or -1 with err set. */
int ag_session_start(const char *daemon, const cJSON *opts, struct ag_session **out, char *err, size_t errlen);
/* A cancel token: another thread may call ag_session_cancel() on it at any
 * time, before or during an execution. Initialize with
 * AG_SESSION_CANCEL_INIT; one per call, which may run several executions
 * with it in turn — once cancelled it refuses the rest. */
struct ag_session_cancel {
    pthread_mutex_t lock;
    struct ag_session *s;      /* the session running our execution, while it does */
    unsigned seq;              /* that execution's number in the session */
    int cancelled;
    struct ag_live_sink live;  /* the call's: where its executions' live output goes, or none */
};
#define AG_SESSION_CANCEL_INIT {PTHREAD_MUTEX_INITIALIZER, NULL, 0, 0, {NULL, NULL}}

/* Run req {"code": "...", "filename"?: "cell.py", "timeout"?: seconds} in the
 * session; req gets the execution's number as "seq". 0 with *record
 * (caller deletes), or -1 with err set (the session is then dead, or the
 * token was cancelled before the execution began). Thread-safe: concurrent
 * calls on one session are serialized. cancel may be NULL; with
 * cancel->live set, the execution's live output goes there (ag_live.h). */
int ag_session_exec(struct ag_session *s, cJSON *req, struct ag_session_cancel *cancel, cJSON **record,
                    char *err, size_t errlen);
/* Cancel the token's execution: one that has not begun never runs; one that
 * runs is interrupted (KeyboardInterrupt). Only that execution: a cancel that
 * arrives after it ended touches nothing else. Safe from any thread. */
void ag_session_cancel(struct ag_session_cancel *cancel);
/* The session's supervisor process (for logs and tests); -1 for a session
 * on the warm daemon. */
pid_t ag_session_pid(const struct ag_session *s);
/* Whether the session's worker is still alive. */
int ag_session_alive(const struct ag_session *s);
/* End the session now, while an execution may still use it: its supervisor
 * is told to kill the jail, and the execution ends with "the session's
 * supervisor went away". Frees nothing (ag_session_stop still must be
 * called); safe from any thread. */
void ag_session_end(struct ag_session *s);
/* Stop the session: every process of it is killed, its /tmp and /out are gone. */
void ag_session_stop(struct ag_session **s);

#endif
