/* ag_runner — hand one request to a fresh supervisor process and get its record.
 *
 * The supervisor is started with fork+exec and a fixed, clean environment:
 * whatever credentials this process holds (S3 keys in the environment or in
 * memory) never reach the side that runs Python. */
#ifndef AG_RUNNER_H
#define AG_RUNNER_H

#include <cjson/cJSON.h>
#include <stddef.h>

#define AG_RECORD_MAX (512u << 20)

/* Run request (see sandbox/sb_request.h). With passthrough the script's
 * stdout/stderr stream to ours; otherwise they only land in the record.
 * Returns 0 with *record set (caller deletes), or -1 with err set. */
int ag_runner_exec(const cJSON *request, int passthrough, cJSON **record, char *err, size_t errlen);
/* exec the supervisor with argv (e.g. {"check", "--json", NULL}) in place of
 * this process, with the clean environment. Returns only on failure. */
int ag_runner_exec_tool(char *const argv[]);
/* Path of the supervisor binary (static), or NULL with a message logged. */
const char *ag_runner_supervisor_path(void);

#endif
