/* ag_transfer — the S3 client and the archive code, loaded on first use.
 *
 * libcurl and libarchive bring some forty shared libraries (TLS, HTTP/2,
 * Kerberos, LDAP, compressors); binding them costs every `sandboxrun` start
 * about 6 ms, most of its start-up. So they live in sandboxrun-transfer.so
 * (agent/transfer/ and agent/s3/), next to the binary or in LIBEXECDIR,
 * found and trusted like sandboxrun-supervisor. The main binary keeps the
 * prototypes of ag_cmd_s3.h and ag_archive.h: each call below loads the
 * object (once, RTLD_NOW, full RELRO) and forwards to it, so callers do not
 * change. If it cannot be loaded, the call fails with its module's error
 * and says why once on stderr. */
#ifndef AG_TRANSFER_H
#define AG_TRANSFER_H

#include "ag_archive.h"
#include "ag_cmd_s3.h"

#define AG_TRANSFER_SO "sandboxrun-transfer.so"
#define AG_TRANSFER_VERSION 1

/* What the object exports, under the one name AG_TRANSFER_SYMBOL. */
struct ag_transfer_api {
    int version;   /* AG_TRANSFER_VERSION: a stale object from another build is refused */
    void (*log_init)(const char *prog, int min_level);
    int (*cmd_upload)(int argc, char **argv);
    int (*cmd_presign)(int argc, char **argv);
    enum ag_s3_err (*s3_fetch)(const char *uri, const char *dest_path, char *err, size_t errlen);
    enum ag_s3_err (*s3_publish)(const char *path, const char *uri, const char *content_type,
                                 long expires, char *url, size_t url_size, char *err, size_t errlen);
    void (*archive_limits_default)(struct ag_archive_limits *l);
    enum ag_archive_err (*archive_unpack)(const char *path, const char *dest_dir,
                                          const struct ag_archive_limits *lim, char *err, size_t errlen);
    enum ag_archive_err (*archive_pack_dir)(const char *dir, const char *out_path,
                                            const struct ag_archive_limits *lim, char *err, size_t errlen);
};
#define AG_TRANSFER_SYMBOL "ag_transfer_api"

/* The loaded table, or NULL after logging why it cannot be had. */
const struct ag_transfer_api *ag_transfer(void);

#endif
