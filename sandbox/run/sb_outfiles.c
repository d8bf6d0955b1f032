/* sb_outfiles.c — safe collection of /out: list, hash (SHA-256), copy. */
#include "sb_outfiles.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <openssl/evp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "sr_io.h"
#include "sr_log.h"
#include "sr_utf8.h"

#define MAX_NAME 255
#define MAX_REL 1024
#define SKIPPED_NAME_MAX 160   /* bytes of a skipped entry's path the record keeps */

struct walk {
    const struct sb_outfiles_cfg *cfg;
    cJSON *files, *skipped;
    size_t nfiles, nskipped, *dropped;
    unsigned long long bytes;
};

/* Report rel as skipped: at most SB_OUTFILES_MAX_SKIPPED entries (the rest
 * are only counted in *w->dropped), each path cut to SKIPPED_NAME_MAX bytes
 * on a character boundary, ending in U+2026. */
static void skip(struct walk *w, const char *rel, const char *reason)
{
    cJSON *e;
    char *clean;
    size_t n;

    if (w->nskipped >= SB_OUTFILES_MAX_SKIPPED) {
        ++*w->dropped;
        return;
    }
    clean = sr_utf8_sanitize(rel, strlen(rel));
    if (clean && (n = strlen(clean)) > SKIPPED_NAME_MAX) {
        for (n = SKIPPED_NAME_MAX - 3; n && ((unsigned char)clean[n] & 0xc0) == 0x80; n--)
            ;
        memcpy(clean + n, "\xe2\x80\xa6", 4);   /* 4 bytes from n <= strlen(clean) - 4 */
    }
    e = cJSON_CreateObject();
    cJSON_AddStringToObject(e, "path", clean ? clean : "?");
    cJSON_AddStringToObject(e, "reason", reason);
    cJSON_AddItemToArray(w->skipped, e);
    w->nskipped++;
    free(clean);
}

static const char *type_reason(mode_t m)
{
    return S_ISLNK(m) ? "symlink" : S_ISFIFO(m) ? "fifo" : S_ISSOCK(m) ? "socket"
         : S_ISCHR(m) || S_ISBLK(m) ? "device" : "not a regular file";
}

/* Names that are safe to recreate on the host: no control bytes, valid UTF-8,
 * no ".." anywhere (harmless as one component here, but paths travel on to
 * archives, S3 keys and URLs, where it is not). */
static int name_ok(const char *name)
{
    size_t n = strlen(name);
    char *clean;
    int same;

    if (n == 0 || n > MAX_NAME || strcmp(name, ".") == 0 || strstr(name, ".."))
        return 0;
    for (size_t i = 0; i < n; i++)
        if ((unsigned char)name[i] < 0x20 || name[i] == 0x7f)
            return 0;
    clean = sr_utf8_sanitize(name, n);
    same = clean && strcmp(clean, name) == 0;
    free(clean);
    return same;
}

/* Open dst for writing in dirfd, replacing a previous file or symlink there
 * (never writing through it). */
static int create_dst(int dirfd, const char *name)
{
    int fd = openat(dirfd, name, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0644);

    if (fd < 0 && errno == EEXIST && unlinkat(dirfd, name, 0) == 0)
        fd = openat(dirfd, name, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0644);
    return fd;
}

/* Hash (and copy) one regular file; returns 0, or -1 after skip() said why. */
static int take_file(struct walk *w, int dirfd, const char *name, const char *rel, int dst_dir)
{
    SR_AUTOCLOSE int fd = openat(dirfd, name, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_NOCTTY | O_CLOEXEC);
    SR_AUTOCLOSE int out = -1;
    unsigned char md[EVP_MAX_MD_SIZE], buf[65536];
    char hex[2 * EVP_MAX_MD_SIZE + 1];
    unsigned mdlen = 0;
    struct stat st;
    EVP_MD_CTX *ctx;
    ssize_t r = 0;
    unsigned long long got = 0;
    cJSON *e;

    if (fd < 0 || fstat(fd, &st) < 0 || !S_ISREG(st.st_mode))
        return skip(w, rel, "not a regular file"), -1;
    if (st.st_nlink > 1)
        return skip(w, rel, "hard link"), -1;
    if (w->nfiles >= w->cfg->max_files)
        return skip(w, rel, "too many files"), -1;
    if ((unsigned long long)st.st_size > w->cfg->max_bytes - w->bytes)
        return skip(w, rel, "over the size cap"), -1;
    if (dst_dir >= 0 && (out = create_dst(dst_dir, name)) < 0)
        return SR_PLOG("create %s in the output directory", rel), skip(w, rel, "cannot write copy"), -1;
    ctx = EVP_MD_CTX_new();
    if (!ctx || !EVP_DigestInit_ex(ctx, EVP_sha256(), NULL))
        return EVP_MD_CTX_free(ctx), skip(w, rel, "hash failed"), -1;
    /* at most the size fstat gave, which the budget allowed: a process of
     * the run may still be writing (a session, or a warm worker that said it
     * was alone); the record's size and hash are of exactly what was copied */
    while (got < (unsigned long long)st.st_size &&
           (r = sr_read_full(fd, buf, (unsigned long long)st.st_size - got < sizeof buf
                                      ? (size_t)((unsigned long long)st.st_size - got) : sizeof buf)) > 0) {
        EVP_DigestUpdate(ctx, buf, (size_t)r);
        if (out >= 0 && sr_write_all(out, buf, (size_t)r) < 0) {
            r = -1;
            break;
        }
        got += (unsigned long long)r;
    }
    EVP_DigestFinal_ex(ctx, md, &mdlen);
    EVP_MD_CTX_free(ctx);
    if (r < 0)
        return SR_PLOG("copy %s", rel), skip(w, rel, "read or write failed"), -1;
    for (unsigned i = 0; i < mdlen; i++)
        snprintf(hex + 2 * i, 3, "%02x", md[i]);
    e = cJSON_CreateObject();
    cJSON_AddStringToObject(e, "path", rel);
    cJSON_AddNumberToObject(e, "size", (double)got);
    cJSON_AddStringToObject(e, "sha256", hex);
    cJSON_AddItemToArray(w->files, e);
    w->nfiles++;
    w->bytes += got;
    return 0;
}

static void walk_dir(struct walk *w, int dirfd, const char *prefix, unsigned depth, int dst_dir);

static void take_dir(struct walk *w, int dirfd, const char *name, const char *rel, unsigned depth, int dst_dir)
{
    SR_AUTOCLOSE int sub = -1;
    SR_AUTOCLOSE int dsub = -1;

    if (depth >= w->cfg->max_depth)
        return skip(w, rel, "directory too deep");
    sub = openat(dirfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
    if (sub < 0)
        return skip(w, rel, "unreadable directory");
    if (dst_dir >= 0) {
        if (mkdirat(dst_dir, name, 0755) < 0 && errno != EEXIST)
            return SR_PLOG("mkdir %s in the output directory", rel), skip(w, rel, "cannot create directory");
        dsub = openat(dst_dir, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
        if (dsub < 0)
            return skip(w, rel, "output directory entry is not a directory");
    }
    walk_dir(w, sub, rel, depth + 1, dsub);
}

static void walk_dir(struct walk *w, int dirfd, const char *prefix, unsigned depth, int dst_dir)
{
    int dfd = dup(dirfd);
    DIR *d = dfd >= 0 ? fdopendir(dfd) : NULL;
    struct dirent *de;
    char rel[MAX_REL + MAX_NAME + 2];
    struct stat st;

    if (!d) {
        if (dfd >= 0)
            close(dfd);
        return skip(w, prefix[0] ? prefix : ".", "unreadable directory");
    }
    while ((de = readdir(d))) {
        if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
            continue;
        snprintf(rel, sizeof rel, "%s%s%s", prefix, prefix[0] ? "/" : "", de->d_name);
        if (!name_ok(de->d_name) || strlen(rel) > MAX_REL) {
            skip(w, rel, "unsafe or over-long name");
            continue;
        }
        if (fstatat(dirfd, de->d_name, &st, AT_SYMLINK_NOFOLLOW) < 0)
            skip(w, rel, "vanished");
        else if (S_ISDIR(st.st_mode))
            take_dir(w, dirfd, de->d_name, rel, depth, dst_dir);
        else if (S_ISREG(st.st_mode))
            take_file(w, dirfd, de->d_name, rel, dst_dir);
        else
            skip(w, rel, type_reason(st.st_mode));
    }
    closedir(d);
}

int sb_outfiles_collect(int out_fd, const struct sb_outfiles_cfg *cfg, cJSON *files,
                        cJSON *skipped, size_t *dropped, char *err, size_t errlen)
{
    struct walk w = {.cfg = cfg, .files = files, .skipped = skipped, .dropped = dropped};
    SR_AUTOCLOSE int root = openat(out_fd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    SR_AUTOCLOSE int dst = -1;

    if (root < 0) {
        snprintf(err, errlen, "cannot open the run's /out: %s", strerror(errno));
        return -1;
    }
    if (cfg->copy_to) {
        if (mkdir(cfg->copy_to, 0755) < 0 && errno != EEXIST) {
            snprintf(err, errlen, "cannot create output directory %s: %s", cfg->copy_to, strerror(errno));
            return -1;
        }
        dst = open(cfg->copy_to, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (dst < 0) {
            snprintf(err, errlen, "cannot open output directory %s: %s", cfg->copy_to, strerror(errno));
            return -1;
        }
    }
    walk_dir(&w, root, "", 0, dst);
    return 0;
}
