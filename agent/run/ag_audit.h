/* ag_audit — the audit log: one JSON line per execution and per session
 * event, appended to the file of --audit (or $SANDBOXRUN_AUDIT), written
 * alike by the CLI, the stdio MCP server and the network service.
 *
 * A line says who (tenant, protocol, correlation id), what (tool, the
 * code's sha256 and size, the inputs by name and sha256) and with what
 * outcome (status, exit code, violation, durations, output sizes, uploads).
 * It never holds the code unless --audit-code, never the script's output,
 * and never a secret: no key, token, Authorization header, S3 credential
 * or presigned URL's query (README "Audit log" lists the fields).
 *
 * The file is opened O_APPEND (created 0600; a symlink, a non-regular file
 * or one others may read is refused), each line goes out in one write(2),
 * and each is fdatasync'ed before the call that made it returns. Thread-safe. */
#ifndef AG_AUDIT_H
#define AG_AUDIT_H

#include <cjson/cJSON.h>
#include <stddef.h>

#define AG_AUDIT_CORR_MAX 80    /* a correlation id with its NUL */
#define AG_AUDIT_ENV "SANDBOXRUN_AUDIT"
#define AG_AUDIT_HEADER "X-Correlation-Id"   /* the response header that returns the id to an HTTP caller */

/* Open path (or, when path is NULL, $SANDBOXRUN_AUDIT; neither: the log is
 * off) for the rest of the process. with_code: lines carry the code itself.
 * 0, or -1 with err set to a sentence naming the file and what is wrong. */
int ag_audit_open(const char *path, int with_code, char *err, size_t errlen);
/* Whether a log is open (lines are only built then). */
int ag_audit_enabled(void);
/* Whether lines carry the code itself (--audit-code). */
int ag_audit_with_code(void);
void ag_audit_close(void);

/* The correlation id of a request: the trace-id of a valid W3C traceparent
 * header, else the Root of a valid X-Amzn-Trace-Id header, else a new
 * random one (32 hex digits). Either header may be NULL. Into out. */
void ag_audit_correlation(const char *traceparent, const char *amzn_trace_id, char out[AG_AUDIT_CORR_MAX]);

/* ---- building a line ---- */

/* A new line: time, kind ("exec" or "session"), protocol, tenant (NULL: the
 * local user, whose name is given instead), correlation id. NULL if the log
 * is off. */
cJSON *ag_audit_begin(const char *kind, const char *protocol, const char *tenant, const char *correlation);
/* The code's sha256 and size (and the code with --audit-code). */
void ag_audit_add_code(cJSON *line, const char *code, size_t len);
/* inputs[] entry {name, sha256, size} of the file at path (a directory: its
 * type, no hash; unreadable: the error). */
void ag_audit_add_input_file(cJSON *line, const char *name, const char *path);
/* inputs[] entry {name, sha256, size} of n bytes. */
void ag_audit_add_input_bytes(cJSON *line, const char *name, const void *data, size_t n);
/* The outcome from a result record: status, exitCode, signal, violation,
 * execution and cpu time, stdout/stderr/files sizes, and the object
 * locations (without their presigned query) of its "upload". */
void ag_audit_add_record(cJSON *line, const cJSON *record);
/* uploads[] entry: an object written to S3 (its s3:// URI, no URL query). */
void ag_audit_add_upload(cJSON *line, const char *s3_uri, double size);
/* Write the line (and free it; *line becomes NULL). */
void ag_audit_emit(cJSON **line);

/* One session event line: event "start", "stop", "expire" or "shutdown";
 * status "ok" or why it failed (then sid may be NULL). */
void ag_audit_session(const char *event, const char *protocol, const char *tenant, const char *sid,
                      const char *correlation, const char *status, const char *detail);

#endif
