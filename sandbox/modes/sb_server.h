/* sb_server — "sandboxrun serve": the supervisor as a daemon with warm workers.
 *
 * Listens on a unix socket created owner-only (0600; peers of another uid are
 * refused). Protocol: a client connects, sends one request — the same JSON a
 * one-shot run takes (sandbox/run/sb_request.h), at most 16 MiB — terminated by a
 * newline, and reads back one result record terminated by a newline; a
 * request with "live": true gets the run's live output lines before it
 * (sandbox/run/sb_live.h).
 *
 * A request with the pool's limits and no inputs takes a worker that already
 * entered the jail (pre-imported by the zygote, waiting on its control pipe);
 * any other request gets a worker cloned from the zygote on demand (still
 * pre-imported, jailed with its own inputs and limits). A worker runs exactly
 * one request and is destroyed; a refill thread keeps the pool full. Up to
 * max_concurrent requests run at once, up to queue more wait, the rest are
 * answered at once with a "busy" internal_error.
 *
 * A request with "session": true (and no "code") starts a session on its
 * connection instead: a warm worker, pooled if its limits fit, becomes one
 * long-lived interpreter (sb_zygote_session_fn), and the connection carries
 * the protocol of a cold session (sb_session.h) from the "ready" line on:
 * request lines in, record lines out, {"cancel": seq} lines at any time. The
 * client sends nothing after the start request until "ready" comes. Up to
 * max_sessions live at once, each on its own thread (not an executor); the
 * session ends when the connection does, at its idle timeout, or when the
 * daemon stops.
 *
 * SIGTERM stops accepting, ends idle sessions, lets in-flight runs and
 * session executions finish for the grace period, kills the rest, and leaves
 * no process or cgroup behind. */
#ifndef SB_SERVER_H
#define SB_SERVER_H

/* argv: serve --socket PATH [--pool N] [--max-concurrent N] [--queue N]
 * [--max-sessions N] [--preload LIST] [--grace SECONDS]. Returns an exit
 * status. */
int sb_server_main(int argc, char **argv);

#endif
