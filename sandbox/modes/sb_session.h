/* sb_session — "sandboxrun-supervisor session": one long-lived jailed
 * interpreter whose globals, imports and files persist across executions.
 *
 * Protocol (one JSON object per line): fd 3 carries requests, fd 4 results.
 *   first line in:  the session's limits and inputs (a run request without code,
 *                   plus "idleTimeout")
 *   first line out: {"status":"ready","setupTime":s} or an internal_error record
 *   then, per line in {"code","filename"?,"timeout"?,"seq"?,"live"?,"display"?,
 *   "before"?,"after"?} or {"call",...}: one result record out, with
 *   "sessionAlive": false once the worker has died (the session is over);
 *   with "live": true, the execution's live output lines come before it
 *   (sandbox/run/sb_live.h).
 * Helpers: "before", "after" and "call" are requests {"op", ...} of
 * scripts/sandboxrun_session.py, run in the session's interpreter through
 * the C API (sb_python_helper): "before" ahead of the code (one that raises
 * or answers {"failed": true} keeps the code from running: status 1),
 * "after" behind it whatever the code did (unless it was interrupted by a
 * cancel or the timeout), "call" instead of code (an int
 * answer, a command's exit code, is the execution's exit status). Their
 * answers travel in the done-frame, not on stdout, and the record carries
 * them as "answers": {"before"?, "call"?, "after"?}. So one line does what
 * a tool call needs: the files written, the code, the new images read.
 * EOF on fd 3 (also during an execution), the idle timeout, SIGTERM, SIGINT
 * or SIGHUP (also between executions) ends the session and every process of
 * it. SR_CANCEL_SIGNAL with value seq (sr_cancel.h), or a line
 * {"cancel": seq} on fd 3 at any time (while a call runs, fd 3 is read for
 * cancels until a request line comes: the requests after it, and their
 * cancels, wait for their turn), cancels execution seq: a
 * KeyboardInterrupt, the worker killed if the code does not stop within 2 s;
 * an execution cancelled before its request arrives never runs; a cancel for
 * an earlier execution is dropped. Without "seq", any cancel applies to the
 * running execution. */
#ifndef SB_SESSION_H
#define SB_SESSION_H

#include "sr_caps.h"

struct sb_request;
struct sb_worker;

/* Run a session until its end; returns the process exit status. */
int sb_session_main(void);
/* The warm daemon's session (sb_server.h): w is a warm worker already told
 * it is a session's (sb_zygote_session_fn) with req's limits. Says "ready"
 * on fd, then serves the protocol above on fd (requests and {"cancel": seq}
 * lines in, records out) until fd ends, the idle timeout, or stop_fd turns
 * readable. The caller finishes w. */
void sb_session_serve(struct sb_worker *w, const struct sb_request *req, int fd, int stop_fd);
/* A warm worker's script process as a session (sb_zygote_session_fn). */
int sb_session_warm_runner(void);

#endif
