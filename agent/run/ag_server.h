/* ag_server — client of a running "sandboxrun serve" daemon (warm workers).
 * One request per connection: the request JSON and a newline out, one result
 * record and a newline back (the protocol of sandbox/modes/sb_server.h). */
#ifndef AG_SERVER_H
#define AG_SERVER_H

#include <cjson/cJSON.h>
#include <stddef.h>
#include <sys/types.h>

/* Run request on the daemon at socket_path. 0 with *record (caller deletes),
 * or -1 with err set (no daemon there, or it broke off). */
int ag_server_exec(const char *socket_path, const cJSON *request, cJSON **record, char *err, size_t errlen);
struct ag_runner_job;
/* The same, cancellable from another thread with ag_runner_cancel(job): the
 * connection is shut down, and the daemon kills the run's worker. */
int ag_server_exec_job(const char *socket_path, const cJSON *request, struct ag_runner_job *job,
                       cJSON **record, char *err, size_t errlen);
/* A connection to the daemon at path (close-on-exec), or -1 with err set. */
int ag_server_connect(const char *path, char *err, size_t errlen);
/* The socket named by --server, else $SANDBOXRUN_SOCKET, else NULL (cold run). */
const char *ag_server_socket(const char *opt);
/* A private warm daemon of this process (serve --http --pool N): a
 * "sandboxrun-supervisor serve" started by fork+exec with the clean
 * environment, its socket in a 0700 directory of its own. */
#define AG_DAEMON_MAX_ARGS 32
struct ag_daemon {
    pid_t pid;
    char dir[256], sock[300];
    char stats[300];           /* its --stats-socket, in the same directory */
    char *args[AG_DAEMON_MAX_ARGS];   /* its options, kept for a restart */
};
/* Start it with options args (NULL-terminated, copied; "--socket" is
 * added) and wait until it listens. 0, or -1 with err set. */
int ag_server_daemon_start(struct ag_daemon *d, char *const args[], char *err, size_t errlen);
/* If it died, say so and start it again (from a loop that ticks). */
void ag_server_daemon_check(struct ag_daemon *d);
/* SIGTERM, wait, remove its directory. */
void ag_server_daemon_stop(struct ag_daemon *d);
/* The pool's gauges of the daemon whose --stats-socket is stats_path
 * (sb_server.c's stats line; caller deletes), or NULL when it does not
 * answer within a second. */
cJSON *ag_server_stats(const char *stats_path);
/* sandboxrun serve --socket PATH [...]: exec the daemon (clean environment). */
int ag_cmd_serve(int argc, char **argv);

#endif
