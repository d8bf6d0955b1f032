/* ag_runner — hand one request to a fresh supervisor process and get its record.
 *
 * The supervisor is started with fork+exec and a fixed, clean environment:
 * whatever credentials this process holds (S3 keys in the environment or in
 * memory) never reach the side that runs Python. */
#ifndef AG_RUNNER_H
#define AG_RUNNER_H

#include <cjson/cJSON.h>
#include <pthread.h>
#include <stddef.h>
#include <sys/types.h>

#include "ag_live.h"
#include "sr_caps.h"

/* A run that another thread can cancel (the MCP server runs several at once).
 * Initialize with AG_RUNNER_JOB_INIT; one job per run; not reusable. */
struct ag_runner_job {
    pthread_mutex_t lock;
    pid_t pid;          /* supervisor pid while it runs (not yet reaped), else 0 */
    int cancelled;
    int sock;           /* a warm daemon's connection while it runs, else -1 (ag_server) */
    struct ag_live_sink live;   /* where the run's live output goes (set before the run), or none */
};
#define AG_RUNNER_JOB_INIT {PTHREAD_MUTEX_INITIALIZER, 0, 0, -1, {NULL, NULL}}

/* Run request (see sandbox/run/sb_request.h). With passthrough the script's
 * stdout/stderr stream to ours; otherwise they only land in the record.
 * Returns 0 with *record set (caller deletes), or -1 with err set.
 * Without a job (the command line), our SIGINT/TERM/HUP go on to the
 * supervisor while it runs. With one, the process's signal dispositions are
 * left alone (safe from any thread) and ag_runner_cancel(job) from another
 * thread ends the run early: the supervisor gets SIGTERM, kills the jail
 * and still returns a record (status "killed"). With job->live set, the
 * request asks for the run's live output, which goes there while it runs
 * (ag_live.h); the record is the same either way. */
int ag_runner_exec(const cJSON *request, int passthrough, struct ag_runner_job *job, cJSON **record,
                   char *err, size_t errlen);
/* Ask the run to stop (idempotent; before the run starts, it stops it at once). */
void ag_runner_cancel(struct ag_runner_job *job);
/* Start "sandboxrun-supervisor MODE" (clean environment, stdout and stderr to
 * /dev/null) with a pipe to its fd 3 (*req_w) and from its fd 4 (*rec_r).
 * Returns its pid, or -1 with err set. The caller reaps it. */
pid_t ag_runner_spawn(const char *mode, int *req_w, int *rec_r, char *err, size_t errlen);
/* exec the supervisor with argv (e.g. {"check", "--json", NULL}) in place of
 * this process, with the clean environment. Returns only on failure. */
int ag_runner_exec_tool(char *const argv[]);
/* Path of the supervisor binary (static), or NULL with a message logged. */
const char *ag_runner_supervisor_path(void);

#endif
