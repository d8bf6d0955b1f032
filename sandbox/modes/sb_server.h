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
 * answered at once with a "busy" internal_error. SIGTERM stops accepting,
 * lets in-flight runs finish for the grace period, kills the rest, and leaves
 * no process or cgroup behind. */
#ifndef SB_SERVER_H
#define SB_SERVER_H

/* argv: serve --socket PATH [--pool N] [--max-concurrent N] [--queue N]
 * [--preload LIST] [--grace SECONDS]. Returns an exit status. */
int sb_server_main(int argc, char **argv);

#endif
