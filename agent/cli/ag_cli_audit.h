/* ag_cli_audit — the audit line of a CLI run (`sandboxrun run`, the
 * analysis commands): protocol "cli", or "socket" for a run on a warm
 * daemon (--server, $SANDBOXRUN_SOCKET). */
#ifndef AG_CLI_AUDIT_H
#define AG_CLI_AUDIT_H

#include <cjson/cJSON.h>

#include "ag_cli.h"

struct ag_cli_audit {
    cJSON *line;      /* NULL: the log is off */
    double t0;
};

/* Start the line for request req (code and inputs are hashed now, while
 * the request still holds them). */
void ag_cli_audit_begin(struct ag_cli_audit *a, const struct ag_run_opts *o, const cJSON *req, int socket);
/* Finish it with the record (after any upload), or with the error of a run
 * that gave none, and write it. */
void ag_cli_audit_end(struct ag_cli_audit *a, const cJSON *record, const char *error);

#endif
