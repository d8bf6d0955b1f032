/* ag_artifacts.c — bundle /out and upload it with presigned links. */
#include "ag_artifacts.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "ag_archive.h"
#include "ag_cmd_s3.h"
#include "sr_io.h"

#define URL_MAX 8192

int ag_artifacts_pack(const char *out_dir, const char *archive)
{
    struct ag_archive_limits lim;
    char err[512];

    ag_archive_limits_default(&lim);
    if (ag_archive_pack_dir(out_dir, archive, &lim, err, sizeof err) != AG_ARCHIVE_OK) {
        fprintf(stderr, "sandboxrun: packing %s into %s: %s\n", out_dir, archive, err);
        return -1;
    }
    return 0;
}

/* Upload path to prefix+name; add the presigned URL to obj under key. */
static int put(const char *path, const char *prefix, const char *name, const char *type,
               long expires, cJSON *obj, const char *key)
{
    char uri[4096], url[URL_MAX], err[512];

    snprintf(uri, sizeof uri, "%s%s%s", prefix, prefix[strlen(prefix) - 1] == '/' ? "" : "/", name);
    if (ag_cmd_s3_publish(path, uri, type, expires, url, sizeof url, err, sizeof err) != AG_S3_OK) {
        fprintf(stderr, "sandboxrun: upload of %s to %s failed: %s\n", name, uri, err);
        return -1;
    }
    cJSON_AddStringToObject(obj, key, url);
    return 0;
}

/* Write the record to a private temp file; returns its path (static) or NULL. */
static const char *record_file(const cJSON *record, char *path, size_t len)
{
    char *text = cJSON_Print(record);
    int fd;

    snprintf(path, len, "/tmp/sandboxrun-results-XXXXXX");
    fd = text ? mkstemp(path) : -1;
    if (fd < 0 || sr_write_all(fd, text, strlen(text)) < 0) {
        fprintf(stderr, "sandboxrun: cannot write results.json: %s\n", strerror(errno));
        if (fd >= 0)
            close(fd), unlink(path);
        free(text);
        return NULL;
    }
    close(fd);
    free(text);
    return path;
}

cJSON *ag_artifacts_upload(const char *out_dir, const cJSON *record, const char *prefix_uri, long expires)
{
    char bundle[64] = "/tmp/sandboxrun-bundle-XXXXXX", results[64], report[4096];
    cJSON *urls = cJSON_CreateObject();
    int fd = mkstemp(bundle), rc = -1;

    if (fd < 0) {
        fprintf(stderr, "sandboxrun: cannot create the bundle: %s\n", strerror(errno));
        cJSON_Delete(urls);
        return NULL;
    }
    close(fd);
    snprintf(report, sizeof report, "%s/report.html", out_dir);
    if (ag_artifacts_pack(out_dir, bundle) == 0 && record_file(record, results, sizeof results)) {
        rc = put(bundle, prefix_uri, "out.tar.gz", "application/gzip", expires, urls, "bundle");
        if (rc == 0)
            rc = put(results, prefix_uri, "results.json", "application/json", expires, urls, "results");
        if (rc == 0 && access(report, R_OK) == 0)
            rc = put(report, prefix_uri, "report.html", "text/html", expires, urls, "report");
        unlink(results);
    }
    unlink(bundle);
    if (rc < 0) {
        cJSON_Delete(urls);
        return NULL;
    }
    return urls;
}
