/* ag_cmd_run — "sandboxrun [run] SCRIPT.py [-- ARGS]" and the shared tail of
 * every command that runs something in the jail. */
#ifndef AG_CMD_RUN_H
#define AG_CMD_RUN_H

#include <cjson/cJSON.h>

#include "ag_cli.h"
#include "sr_status.h"
#include "ag_inputs.h"

int ag_cmd_run(int argc, char **argv);
struct ag_run_ctx {
    struct ag_staging staging;
    char tmp_out[64];        /* a private out dir when --upload/--out-archive lack --out */
    int input_errors;        /* the script refuses bad input with exit status 2 and an
                              * {"error": {"code", "message"}} block (scripts/tsa/cli.py) */
};

/* Before building the request: stage s3:// and archive inputs, and make an
 * out dir if the outputs must be packed or uploaded. 0, or the status to
 * refuse with (SR_USAGE_ERROR, SR_S3_ERROR, ...) after ag_cli_fail. */
int ag_run_prepare(struct ag_run_opts *o, struct ag_run_ctx *ctx);
/* Execute req (consumed), pack/upload /out as asked, print the record
 * (--json) or a one-line summary of a non-ok outcome, clean up ctx, and
 * return the CLI exit code for the run's status. */
int ag_run_and_report(const struct ag_run_opts *o, cJSON *req, struct ag_run_ctx *ctx);
/* Nothing ran: with --json print a record of status st whose message is why
 * (the message itself is already on stderr), clean up ctx (may be NULL) and
 * return st's exit code. */
int ag_run_refuse(const struct ag_run_opts *o, enum sr_status st, const char *why, struct ag_run_ctx *ctx);

#endif
