/* ag_cmd_s3 — the S3 side of the CLI: `sandboxrun upload` and
 * `sandboxrun presign`, plus the two calls the rest of the orchestrator
 * uses to move files between S3 and the local disk.
 *
 * Credentials come from ag_creds (environment / AWS profile files); this
 * process holds them, the jail never does. Exit codes: 0 ok, 2 usage or bad
 * input (including missing credentials), 9 S3 or network failure. */
#ifndef AG_CMD_S3_H
#define AG_CMD_S3_H

#include <stddef.h>

#include "ag_s3.h"

#define AG_CMD_S3_EXIT_OK 0
#define AG_CMD_S3_EXIT_USAGE 2
#define AG_CMD_S3_EXIT_S3 9
#define AG_CMD_S3_DEFAULT_EXPIRES 3600L

/* sandboxrun upload FILE s3://bucket/key [--content-type T] [--expires SECONDS]
 * Uploads FILE (multipart when large) and prints a presigned GET URL on
 * stdout. argv[0] is the command name. Returns a process exit code. */
int ag_cmd_upload(int argc, char **argv);

/* sandboxrun presign s3://bucket/key [--expires SECONDS] [--at 2013-05-24T00:00:00Z]
 * Prints a presigned GET URL; no network. Returns a process exit code. */
int ag_cmd_presign(int argc, char **argv);

/* Download the object named by uri ("s3://bucket/key") to dest_path (for
 * `--input s3://...`), which must not exist yet. dest_path appears only once
 * the download is complete. On failure err holds a one-line reason. */
enum ag_s3_err ag_cmd_s3_fetch(const char *uri, const char *dest_path, char *err, size_t errlen);

/* Upload the local file path to uri and write a presigned GET URL valid for
 * expires seconds (1..604800) into url (for `--upload` and the MCP
 * upload_artifact tool). content_type may be NULL: guessed from the key's
 * (else the file's) extension. On failure err holds a one-line reason. */
enum ag_s3_err ag_cmd_s3_publish(const char *path, const char *uri, const char *content_type,
                                 long expires, char *url, size_t url_size, char *err,
                                 size_t errlen);

/* The exit code (0, 2 or 9) for an ag_s3 result. Inline: the main binary
 * uses it without loading the S3 client (agent/run/ag_transfer.h). */
static inline int ag_cmd_s3_exit_code(enum ag_s3_err e)
{
    switch (e) {
    case AG_S3_OK:
        return AG_CMD_S3_EXIT_OK;
    case AG_S3_EINVAL:
    case AG_S3_ECREDS:
    case AG_S3_ELOCAL:
        return AG_CMD_S3_EXIT_USAGE;
    default:
        return AG_CMD_S3_EXIT_S3;
    }
}

#endif
