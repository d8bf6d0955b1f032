/* s3_tool — test-only driver for the S3 side of the orchestrator, until
 * `sandboxrun upload/presign` are wired into the CLI.
 *
 *   s3_tool upload FILE s3://b/k [--content-type T] [--expires N]  (= sandboxrun upload)
 *   s3_tool presign s3://b/k [--expires N] [--at T]                 (= sandboxrun presign)
 *   s3_tool get s3://b/k DEST                                       (ag_cmd_s3_fetch)
 *   s3_tool head s3://b/k             prints "SIZE ETAG CONTENT-TYPE"
 *   s3_tool unpack ARCHIVE DIR / pack DIR OUT.tar.gz                (ag_archive)
 * Exit codes are the CLI's: 0 ok, 2 bad input, 9 S3/network failure. */
#include <stdio.h>
#include <string.h>

#include "ag_archive.h"
#include "ag_cmd_s3.h"
#include "ag_creds.h"
#include "ag_s3.h"

static int cmd_get(int argc, char **argv)
{
    char err[1200];
    enum ag_s3_err e;
    if (argc != 3) {
        fprintf(stderr, "usage: s3_tool get s3://bucket/key DEST\n");
        return 2;
    }
    e = ag_cmd_s3_fetch(argv[1], argv[2], err, sizeof err);
    if (e)
        fprintf(stderr, "s3_tool get: %s\n", err);
    return ag_cmd_s3_exit_code(e);
}

static int cmd_head(int argc, char **argv)
{
    char bucket[AG_S3_BUCKET_MAX + 1], key[AG_S3_KEY_MAX + 1], err[512];
    struct ag_creds *creds = NULL;
    struct ag_s3_client *c = NULL;
    struct ag_s3_object_info info;
    enum ag_s3_err e;
    if (argc != 2 || ag_s3_parse_uri(argv[1], bucket, sizeof bucket, key, sizeof key)) {
        fprintf(stderr, "usage: s3_tool head s3://bucket/key\n");
        return 2;
    }
    if (ag_creds_load(&creds, err, sizeof err) != AG_CREDS_OK) {
        fprintf(stderr, "s3_tool head: %s\n", err);
        return 2;
    }
    e = ag_s3_client_new(&c, creds, NULL);
    if (!e && !(e = ag_s3_head(c, bucket, key, &info)))
        printf("%llu %s %s\n", (unsigned long long)info.size, info.etag, info.content_type);
    else
        fprintf(stderr, "s3_tool head: %s\n", c ? ag_s3_errmsg(c) : ag_s3_strerror(e));
    ag_s3_client_free(&c);
    ag_creds_free(&creds);
    return ag_cmd_s3_exit_code(e);
}

static int cmd_archive(int argc, char **argv)
{
    char err[1024];
    enum ag_archive_err e;
    if (argc != 3) {
        fprintf(stderr, "usage: s3_tool unpack ARCHIVE DIR | pack DIR OUT\n");
        return 2;
    }
    e = strcmp(argv[0], "unpack") == 0
            ? ag_archive_unpack(argv[1], argv[2], NULL, err, sizeof err)
            : ag_archive_pack_dir(argv[1], argv[2], NULL, err, sizeof err);
    if (e)
        fprintf(stderr, "s3_tool %s: %s\n", argv[0], err);
    return e ? 2 : 0;
}

int main(int argc, char **argv)
{
    static const struct {
        const char *name;
        int (*fn)(int, char **);
    } cmds[] = {{"upload", ag_cmd_upload}, {"presign", ag_cmd_presign}, {"get", cmd_get},
                {"head", cmd_head},        {"unpack", cmd_archive},     {"pack", cmd_archive}};
    for (size_t i = 0; argc > 1 && i < sizeof cmds / sizeof cmds[0]; i++)
        if (strcmp(argv[1], cmds[i].name) == 0)
            return cmds[i].fn(argc - 1, argv + 1);
    fprintf(stderr, "usage: s3_tool upload|presign|get|head|unpack|pack ...\n");
    return 2;
}
