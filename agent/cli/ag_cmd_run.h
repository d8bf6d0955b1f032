/* ag_cmd_run — "sandboxrun [run] SCRIPT.py [-- ARGS]" and the shared tail of
 * every command that runs something in the jail. */
#ifndef AG_CMD_RUN_H
#define AG_CMD_RUN_H

#include <cjson/cJSON.h>

#include "ag_cli.h"
#include "ag_inputs.h"

int ag_cmd_run(int argc, char **argv);
struct ag_run_ctx {
    struct ag_staging staging;
    char tmp_out[64];        /* a private out dir when --upload/--out-archive lack --out */
};

/* Before building the request: stage s3:// and archive inputs, and make an
 * out dir if the outputs must be packed or uploaded. 0 or -1 (printed). */
int ag_run_prepare(struct ag_run_opts *o, struct ag_run_ctx *ctx);
/* Execute req (consumed), pack/upload /out as asked, print the record
 * (--json) or a one-line summary of a non-ok outcome, clean up ctx, and
 * return the CLI exit code for the run's status. */
int ag_run_and_report(const struct ag_run_opts *o, cJSON *req, struct ag_run_ctx *ctx);

#endif
