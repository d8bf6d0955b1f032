/* ag_cmd_run — "sandboxrun [run] SCRIPT.py [-- ARGS]" and the shared tail of
 * every command that runs something in the jail. */
#ifndef AG_CMD_RUN_H
#define AG_CMD_RUN_H

#include <cjson/cJSON.h>

#include "ag_cli.h"

int ag_cmd_run(int argc, char **argv);
/* Execute req (consumed), print the record (--json) or a one-line summary of
 * a non-ok outcome, and return the CLI exit code for its status. */
int ag_run_and_report(const struct ag_run_opts *o, cJSON *req);

#endif
