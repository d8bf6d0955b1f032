/* sb_session — "sandboxrun-supervisor session": one long-lived jailed
 * interpreter whose globals, imports and files persist across executions.
 *
 * Protocol (one JSON object per line): fd 3 carries requests, fd 4 results.
 *   first line in:  the session's limits and inputs (a run request without code,
 *                   plus "idleTimeout")
 *   first line out: {"status":"ready","setupTime":s} or an internal_error record
 *   then, per line in {"code","filename"?,"timeout"?}: one result record out,
 *   with "sessionAlive": false once the worker has died (the session is over).
 * EOF on fd 3, the idle timeout or SIGTERM ends the session and every process
 * of it; SIGUSR2 interrupts the execution in progress (KeyboardInterrupt). */
#ifndef SB_SESSION_H
#define SB_SESSION_H

#define SB_SESSION_LINE_MAX (24u << 20)

/* Run a session until its end; returns the process exit status. */
int sb_session_main(void);

#endif
