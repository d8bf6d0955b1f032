/* ag_cmd_s3.c — `upload` and `presign`, see ag_cmd_s3.h.
 *
 * Options are described by one table; the parser walks it, so adding an
 * option is one line plus a field. */
#include "ag_cmd_s3.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "ag_creds.h"
#include "ag_sigv4.h"

#define URL_MAX 16384

enum { CMD_UPLOAD = 1, CMD_PRESIGN = 2 };

struct cmd_args {
    const char *pos[2];
    int npos;
    const char *content_type;
    long expires;
    time_t at;
};

typedef int (*opt_fn)(struct cmd_args *a, const char *value);

static int opt_content_type(struct cmd_args *a, const char *v)
{
    if (!*v || strlen(v) > 255 || strpbrk(v, "\r\n")) {
        fprintf(stderr, "sandboxrun: --content-type: not a valid media type\n");
        return -1;
    }
    a->content_type = v;
    return 0;
}

static int opt_expires(struct cmd_args *a, const char *v)
{
    char *end;
    long n = strtol(v, &end, 10);
    if (!*v || *end || n < 1 || n > AG_SIGV4_EXPIRES_MAX) {
        fprintf(stderr, "sandboxrun: --expires %s: must be a number of seconds from 1 to %ld (7 days)\n",
                v, AG_SIGV4_EXPIRES_MAX);
        return -1;
    }
    a->expires = n;
    return 0;
}

/* "2013-05-24T00:00:00Z", UTC only: signing times are UTC. */
static int opt_at(struct cmd_args *a, const char *v)
{
    struct tm tm = {0};
    char z = 0, extra = 0;
    int n = sscanf(v, "%4d-%2d-%2dT%2d:%2d:%2d%c%c", &tm.tm_year, &tm.tm_mon, &tm.tm_mday,
                   &tm.tm_hour, &tm.tm_min, &tm.tm_sec, &z, &extra);
    if (n != 7 || z != 'Z' || strlen(v) != 20 || tm.tm_year < 1970 || tm.tm_mon < 1 ||
        tm.tm_mon > 12 || tm.tm_mday < 1 || tm.tm_mday > 31 || tm.tm_hour > 23 ||
        tm.tm_min > 59 || tm.tm_sec > 60) {
        fprintf(stderr, "sandboxrun: --at %s: expected a UTC time like 2013-05-24T00:00:00Z\n", v);
        return -1;
    }
    tm.tm_year -= 1900;
    tm.tm_mon -= 1;
    a->at = timegm(&tm);
    return 0;
}

static const struct opt_spec {
    const char *name;
    unsigned cmds; /* which commands take it */
    opt_fn set;
} opts[] = {
    {"--content-type", CMD_UPLOAD, opt_content_type},
    {"--expires", CMD_UPLOAD | CMD_PRESIGN, opt_expires},
    {"--at", CMD_PRESIGN, opt_at},
};

static const struct opt_spec *find_opt(const char *arg, size_t len, unsigned cmd)
{
    for (size_t i = 0; i < sizeof opts / sizeof opts[0]; i++)
        if ((opts[i].cmds & cmd) && strlen(opts[i].name) == len &&
            strncmp(opts[i].name, arg, len) == 0)
            return &opts[i];
    return NULL;
}

/* Returns 0, 1 for --help, -1 on a usage error (already reported). */
static int parse_args(int argc, char **argv, unsigned cmd, int npos, struct cmd_args *a)
{
    int only_pos = 0;
    for (int i = 1; i < argc; i++) {
        const char *arg = argv[i];
        const char *eq;
        const char *val;
        const struct opt_spec *o;
        if (!only_pos && (strcmp(arg, "--help") == 0 || strcmp(arg, "-h") == 0))
            return 1;
        if (!only_pos && strcmp(arg, "--") == 0) {
            only_pos = 1;
            continue;
        }
        if (only_pos || arg[0] != '-' || arg[1] == '\0') {
            if (a->npos >= npos) {
                fprintf(stderr, "sandboxrun %s: unexpected argument '%s'\n", argv[0], arg);
                return -1;
            }
            a->pos[a->npos++] = arg;
            continue;
        }
        eq = strchr(arg, '=');
        o = find_opt(arg, eq ? (size_t)(eq - arg) : strlen(arg), cmd);
        if (!o) {
            fprintf(stderr, "sandboxrun %s: unknown option '%s'\n", argv[0], arg);
            return -1;
        }
        val = eq ? eq + 1 : (i + 1 < argc ? argv[++i] : NULL);
        if (!val) {
            fprintf(stderr, "sandboxrun %s: %s needs a value\n", argv[0], o->name);
            return -1;
        }
        if (o->set(a, val) != 0)
            return -1;
    }
    if (a->npos != npos) {
        fprintf(stderr, "sandboxrun %s: missing argument (see --help)\n", argv[0]);
        return -1;
    }
    return 0;
}

/* Media type from the extension of name; NULL if unknown. */
static const char *type_of(const char *name)
{
    static const struct {
        const char *ext, *type;
    } types[] = {
        {".html", "text/html; charset=utf-8"}, {".htm", "text/html; charset=utf-8"},
        {".json", "application/json"},         {".csv", "text/csv; charset=utf-8"},
        {".txt", "text/plain; charset=utf-8"}, {".md", "text/markdown; charset=utf-8"},
        {".png", "image/png"},                 {".jpg", "image/jpeg"},
        {".jpeg", "image/jpeg"},               {".svg", "image/svg+xml"},
        {".pdf", "application/pdf"},           {".parquet", "application/vnd.apache.parquet"},
        {".zip", "application/zip"},           {".gz", "application/gzip"},
        {".tgz", "application/gzip"},          {".tar", "application/x-tar"},
    };
    const char *dot = strrchr(name, '.');
    if (dot && !strchr(dot, '/'))
        for (size_t i = 0; i < sizeof types / sizeof types[0]; i++)
            if (strcasecmp(dot, types[i].ext) == 0)
                return types[i].type;
    return NULL;
}

/* The object key decides how a browser shows the link; the local name is
 * the fallback. */
static const char *guess_content_type(const char *key, const char *path)
{
    const char *t = type_of(key);
    if (!t)
        t = type_of(path);
    return t ? t : "application/octet-stream";
}

/* Credentials + client for one command; err gets the reason on failure. */
static enum ag_s3_err open_client(struct ag_creds **creds, struct ag_s3_client **c, time_t at,
                                  char *err, size_t errlen)
{
    struct ag_s3_opts o;
    enum ag_s3_err e;
    if (ag_creds_load(creds, err, errlen) != AG_CREDS_OK)
        return AG_S3_ECREDS;
    ag_s3_opts_default(&o);
    o.at = at;
    e = ag_s3_client_new(c, *creds, &o);
    if (e == AG_S3_EINVAL)
        snprintf(err, errlen, "bad S3 endpoint '%s': expected http[s]://host[:port]",
                 (*creds)->endpoint ? (*creds)->endpoint : "");
    else if (e)
        snprintf(err, errlen, "%s", ag_s3_strerror(e));
    if (e)
        ag_creds_free(creds);
    return e;
}

static enum ag_s3_err bad_uri(const char *uri, char *err, size_t errlen)
{
    snprintf(err, errlen, "'%s' is not an S3 URI like s3://bucket/key (bucket 3-63 chars, key 1-%d bytes "
             "with no empty, '.' or '..' segment)", uri, AG_S3_KEY_MAX);
    return AG_S3_EINVAL;
}

static void report(struct ag_s3_client *c, enum ag_s3_err e, char *err, size_t errlen)
{
    const char *m = ag_s3_errmsg(c);
    snprintf(err, errlen, "%s", m && *m ? m : ag_s3_strerror(e));
}

enum ag_s3_err ag_cmd_s3_fetch(const char *uri, const char *dest_path, char *err, size_t errlen)
{
    char bucket[AG_S3_BUCKET_MAX + 1], key[AG_S3_KEY_MAX + 1];
    struct ag_creds *creds = NULL;
    struct ag_s3_client *c = NULL;
    enum ag_s3_err e;
    if (ag_s3_parse_uri(uri, bucket, sizeof bucket, key, sizeof key) != AG_S3_OK)
        return bad_uri(uri, err, errlen);
    e = open_client(&creds, &c, 0, err, errlen);
    if (e)
        return e;
    if ((e = ag_s3_get_file(c, bucket, key, dest_path)))
        report(c, e, err, errlen);
    ag_s3_client_free(&c);
    ag_creds_free(&creds);
    return e;
}

enum ag_s3_err ag_cmd_s3_publish(const char *path, const char *uri, const char *content_type,
                                 long expires, char *url, size_t url_size, char *err,
                                 size_t errlen)
{
    char bucket[AG_S3_BUCKET_MAX + 1], key[AG_S3_KEY_MAX + 1];
    struct ag_creds *creds = NULL;
    struct ag_s3_client *c = NULL;
    enum ag_s3_err e;
    if (ag_s3_parse_uri(uri, bucket, sizeof bucket, key, sizeof key) != AG_S3_OK)
        return bad_uri(uri, err, errlen);
    if (expires < 1 || expires > AG_SIGV4_EXPIRES_MAX) {
        snprintf(err, errlen, "%s", ag_sigv4_strerror(AG_SIGV4_EEXPIRES));
        return AG_S3_EINVAL;
    }
    e = open_client(&creds, &c, 0, err, errlen);
    if (e)
        return e;
    e = ag_s3_put_file(c, bucket, key, path, content_type ? content_type : guess_content_type(key, path));
    if (e == AG_S3_OK)
        e = ag_s3_presign_get(c, bucket, key, expires, url, url_size);
    if (e)
        report(c, e, err, errlen);
    ag_s3_client_free(&c);
    ag_creds_free(&creds);
    return e;
}

static int usage(const char *cmd, int rc)
{
    FILE *f = rc ? stderr : stdout;
    if (strcmp(cmd, "upload") == 0)
        fprintf(f, "usage: sandboxrun upload FILE s3://bucket/key [--content-type T] [--expires SECONDS]\n"
                   "  uploads FILE and prints a presigned GET URL (default expiry %ld s, max 604800)\n",
                AG_CMD_S3_DEFAULT_EXPIRES);
    else
        fprintf(f, "usage: sandboxrun presign s3://bucket/key [--expires SECONDS] [--at 2013-05-24T00:00:00Z]\n"
                   "  prints a presigned GET URL (default expiry %ld s, max 604800)\n",
                AG_CMD_S3_DEFAULT_EXPIRES);
    return rc;
}

int ag_cmd_upload(int argc, char **argv)
{
    struct cmd_args a = {.expires = AG_CMD_S3_DEFAULT_EXPIRES};
    char err[1200], *url = malloc(URL_MAX);
    int rc = parse_args(argc, argv, CMD_UPLOAD, 2, &a);
    enum ag_s3_err e;
    if (rc != 0 || !url) {
        free(url);
        return usage("upload", rc > 0 ? AG_CMD_S3_EXIT_OK : AG_CMD_S3_EXIT_USAGE);
    }
    e = ag_cmd_s3_publish(a.pos[0], a.pos[1], a.content_type, a.expires, url,
                          URL_MAX, err, sizeof err);
    if (e == AG_S3_OK)
        printf("%s\n", url);
    else
        fprintf(stderr, "sandboxrun upload: %s\n", err);
    free(url);
    return ag_cmd_s3_exit_code(e);
}

int ag_cmd_presign(int argc, char **argv)
{
    struct cmd_args a = {.expires = AG_CMD_S3_DEFAULT_EXPIRES};
    char bucket[AG_S3_BUCKET_MAX + 1], key[AG_S3_KEY_MAX + 1], err[1200], *url = malloc(URL_MAX);
    struct ag_creds *creds = NULL;
    struct ag_s3_client *c = NULL;
    int rc = parse_args(argc, argv, CMD_PRESIGN, 1, &a);
    enum ag_s3_err e;
    if (rc != 0 || !url) {
        free(url);
        return usage("presign", rc > 0 ? AG_CMD_S3_EXIT_OK : AG_CMD_S3_EXIT_USAGE);
    }
    e = ag_s3_parse_uri(a.pos[0], bucket, sizeof bucket, key, sizeof key);
    if (e)
        bad_uri(a.pos[0], err, sizeof err);
    else if (!(e = open_client(&creds, &c, a.at, err, sizeof err)) &&
             (e = ag_s3_presign_get(c, bucket, key, a.expires, url, URL_MAX)))
        report(c, e, err, sizeof err);
    if (e == AG_S3_OK)
        printf("%s\n", url);
    else
        fprintf(stderr, "sandboxrun presign: %s\n", err);
    ag_s3_client_free(&c);
    ag_creds_free(&creds);
    free(url);
    return ag_cmd_s3_exit_code(e);
}
