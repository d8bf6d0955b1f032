/* ag_session — a long-lived jailed interpreter whose variables, imports and
 * files persist across executions (the cloud interpreters' "session").
 *
 * A session is a supervisor process started with fork+exec and a clean
 * environment ("sandboxrun-supervisor session"); it keeps one jailed worker.
 * Executions are serialized per session (the call blocks; use one thread per
 * session or queue). Each execution returns a result record of the same shape
 * as a one-shot run; a timeout interrupts the execution (KeyboardInterrupt)
 * and, if it does not stop, ends the session (status "timeout", and
 * ag_session_alive() turns false). */
#ifndef AG_SESSION_H
#define AG_SESSION_H

#include <cjson/cJSON.h>
#include <stddef.h>

struct ag_session;

/* opts (may be NULL): {"memoryMb": N, "pids": N, "tmpMb": N, "outMb": N,
 * "inputs": [{"path","name"}], "idleTimeout": seconds}. The jail is entered
 * before this returns. 0, or -1 with err set. */
int ag_session_start(const cJSON *opts, struct ag_session **out, char *err, size_t errlen);
/* Run req {"code": "...", "filename"?: "cell.py", "timeout"?: seconds} in the
 * session. 0 with *record (caller deletes), or -1 with err set (the session
 * is then dead). Thread-safe: concurrent calls on one session are serialized. */
int ag_session_exec(struct ag_session *s, const cJSON *req, cJSON **record, char *err, size_t errlen);
/* Interrupt the execution in progress, if any (safe from another thread). */
void ag_session_interrupt(struct ag_session *s);
/* Whether the session's worker is still alive. */
int ag_session_alive(const struct ag_session *s);
/* Stop the session: every process of it is killed, its /tmp and /out are gone. */
void ag_session_stop(struct ag_session **s);

#endif
