/* ag_transfer — load sandboxrun-transfer.so on first use and forward the S3
 * and archive entry points to it (see ag_transfer.h). */
#include "ag_transfer.h"

#include <dlfcn.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>

#include "sr_log.h"
#include "sr_paths.h"

#ifndef SR_LIBEXECDIR
#define SR_LIBEXECDIR "/usr/local/libexec/sandboxrun"
#endif

static const struct ag_transfer_api *api;
static pthread_once_t once = PTHREAD_ONCE_INIT;

/* Find, open and check the object; leaves api NULL after logging why not. */
static void load(void)
{
    char *path = sr_paths_find_exe(AG_TRANSFER_SO, SR_LIBEXECDIR);
    const struct ag_transfer_api *t;
    const char *prog;
    enum sr_log_level min;
    void *h;

    if (!path) {
        SR_LOG("cannot find %s next to sandboxrun or in %s (S3 and archives need it)", AG_TRANSFER_SO,
               SR_LIBEXECDIR);
        return;
    }
    h = dlopen(path, RTLD_NOW | RTLD_LOCAL);
    if (!h) {
        SR_LOG("dlopen(%s): %s", path, dlerror());
        free(path);
        return;
    }
    t = dlsym(h, AG_TRANSFER_SYMBOL);
    if (!t || t->version != AG_TRANSFER_VERSION) {
        SR_LOG("%s is not from this build of sandboxrun (no %s version %d)", path, AG_TRANSFER_SYMBOL,
               AG_TRANSFER_VERSION);
        free(path);
        return;   /* the handle stays open: unloading code that may have run constructors gains nothing */
    }
    sr_log_current(&prog, &min);
    t->log_init(prog, (int)min);
    free(path);
    api = t;
}

const struct ag_transfer_api *ag_transfer(void)
{
    pthread_once(&once, load);
    return api;
}

/* ---- the entry points the rest of the orchestrator calls, as declared in
 * ag_cmd_s3.h and ag_archive.h ------------------------------------------------ */

int ag_cmd_upload(int argc, char **argv)
{
    const struct ag_transfer_api *t = ag_transfer();
    return t ? t->cmd_upload(argc, argv) : AG_CMD_S3_EXIT_S3;
}

int ag_cmd_presign(int argc, char **argv)
{
    const struct ag_transfer_api *t = ag_transfer();
    return t ? t->cmd_presign(argc, argv) : AG_CMD_S3_EXIT_S3;
}

enum ag_s3_err ag_cmd_s3_fetch(const char *uri, const char *dest_path, char *err, size_t errlen)
{
    const struct ag_transfer_api *t = ag_transfer();
    if (!t)
        return snprintf(err, errlen, "the S3 client (%s) cannot be loaded", AG_TRANSFER_SO), AG_S3_ENET;
    return t->s3_fetch(uri, dest_path, err, errlen);
}

enum ag_s3_err ag_cmd_s3_publish(const char *path, const char *uri, const char *content_type, long expires,
                                 char *url, size_t url_size, char *err, size_t errlen)
{
    const struct ag_transfer_api *t = ag_transfer();
    if (!t)
        return snprintf(err, errlen, "the S3 client (%s) cannot be loaded", AG_TRANSFER_SO), AG_S3_ENET;
    return t->s3_publish(path, uri, content_type, expires, url, url_size, err, errlen);
}

void ag_archive_limits_default(struct ag_archive_limits *l)
{
    const struct ag_transfer_api *t = ag_transfer();
    if (t)
        t->archive_limits_default(l);
    else
        *l = (struct ag_archive_limits){0};   /* every cap 0: nothing unpacks */
}

enum ag_archive_err ag_archive_unpack(const char *path, const char *dest_dir, const struct ag_archive_limits *lim,
                                      char *err, size_t errlen)
{
    const struct ag_transfer_api *t = ag_transfer();
    if (!t)
        return snprintf(err, errlen, "the archive code (%s) cannot be loaded", AG_TRANSFER_SO), AG_ARCHIVE_EOPEN;
    return t->archive_unpack(path, dest_dir, lim, err, errlen);
}

enum ag_archive_err ag_archive_pack_dir(const char *dir, const char *out_path, const struct ag_archive_limits *lim,
                                        char *err, size_t errlen)
{
    const struct ag_transfer_api *t = ag_transfer();
    if (!t)
        return snprintf(err, errlen, "the archive code (%s) cannot be loaded", AG_TRANSFER_SO), AG_ARCHIVE_EOPEN;
    return t->archive_pack_dir(dir, out_path, lim, err, errlen);
}
