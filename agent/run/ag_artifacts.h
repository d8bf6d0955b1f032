/* ag_artifacts — what happens to a run's outputs on the orchestrator side:
 * pack /out into a tar.gz bundle, and the two-phase upload (the sandbox wrote
 * files; this process, which alone holds credentials, uploads them and hands
 * back presigned links). */
#ifndef AG_ARTIFACTS_H
#define AG_ARTIFACTS_H

#include <cjson/cJSON.h>

/* Pack the regular files of out_dir into archive (tar.gz). 0 or -1 (printed). */
int ag_artifacts_pack(const char *out_dir, const char *archive);
/* Upload out_dir's bundle (out.tar.gz), report.html if present and the record
 * (results.json) under prefix_uri ("s3://bucket/prefix/"). Returns an object
 * {"report": url?, "bundle": url, "results": url}, or NULL after printing why. */
cJSON *ag_artifacts_upload(const char *out_dir, const cJSON *record, const char *prefix_uri, long expires);

#endif
