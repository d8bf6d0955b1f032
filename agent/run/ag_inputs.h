/* ag_inputs — turn what the user named as inputs into local paths the
 * supervisor can mount: s3:// objects are downloaded (the orchestrator holds
 * the credentials, the jail never does) and archives (.tar, .tar.gz, .tgz,
 * .zip) are unpacked safely into a directory. Everything staged lives in one
 * private temporary directory removed by ag_inputs_cleanup. */
#ifndef AG_INPUTS_H
#define AG_INPUTS_H

#include <stddef.h>

#include "ag_cli.h"

struct ag_staging {
    char dir[64];                       /* "" until something was staged */
    char *paths[AG_MAX_INPUTS + 1];     /* owned replacements for opts->inputs */
};

enum { AG_INPUTS_BAD = -1, AG_INPUTS_S3 = -2 };   /* a bad input; an S3 transfer failed */

/* Rewrite opts->inputs in place to local paths, staging what needs it.
 * 0, or AG_INPUTS_BAD / AG_INPUTS_S3 after ag_cli_fail said which input
 * failed and why. */
int ag_inputs_stage(struct ag_run_opts *opts, struct ag_staging *st);
/* Stage one input; *out points into st (do not free). 0, or AG_INPUTS_BAD /
 * AG_INPUTS_S3 with err set. */
int ag_inputs_stage_one(const char *input, struct ag_staging *st, const char **out, char *err, size_t errlen);
/* Remove the staging directory and free the paths. */
void ag_inputs_cleanup(struct ag_staging *st);
/* Whether name looks like an archive we unpack. */
int ag_inputs_is_archive(const char *name);

#endif
