/* ag_server — client of a running "sandboxrun serve" daemon (warm workers).
 * One request per connection: the request JSON and a newline out, one result
 * record and a newline back (the protocol of sandbox/modes/sb_server.h). */
#ifndef AG_SERVER_H
#define AG_SERVER_H

#include <cjson/cJSON.h>
#include <stddef.h>

/* Run request on the daemon at socket_path. 0 with *record (caller deletes),
 * or -1 with err set (no daemon there, or it broke off). */
int ag_server_exec(const char *socket_path, const cJSON *request, cJSON **record, char *err, size_t errlen);
struct ag_runner_job;
/* The same, cancellable from another thread with ag_runner_cancel(job): the
 * connection is shut down, and the daemon kills the run's worker. */
int ag_server_exec_job(const char *socket_path, const cJSON *request, struct ag_runner_job *job,
                       cJSON **record, char *err, size_t errlen);
/* The socket named by --server, else $SANDBOXRUN_SOCKET, else NULL (cold run). */
const char *ag_server_socket(const char *opt);
/* sandboxrun serve --socket PATH [...]: exec the daemon (clean environment). */
int ag_cmd_serve(int argc, char **argv);

#endif
