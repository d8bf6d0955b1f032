/* ag_archive.c — see ag_archive.h.
 *
 * libarchive only parses; every file system operation is ours, relative to a
 * directory fd, so the safety argument is in this file: check_entry() decides
 * what may exist, open_parent() walks without following links, and
 * copy_data() counts every byte against the caps. */
#include "ag_archive.h"
#include "sr_io.h"
#include "sr_log.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <inttypes.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <archive.h>
#include <archive_entry.h>

#define GIB (1ULL << 30)
#define MIB (1ULL << 20)
#define MAX_DEPTH 64
#define BUF_SIZE (64 * 1024)

void ag_archive_limits_default(struct ag_archive_limits *l)
{
    *l = (struct ag_archive_limits){
        .max_entries = 10000,
        .max_total_bytes = 4 * GIB,
        .max_entry_bytes = 4 * GIB,
        .max_ratio = 100,
        .ratio_floor = 16 * MIB,
    };
}

/* Fill the caller's error buffer and give e back. */
#define fail(err, errlen, e, ...) (sr_errf((err), (errlen), __VA_ARGS__), (e))

/* ---- unpack */

struct unpack {
    struct archive *a;
    int dirfd;
    uint64_t archive_size, entries, total;
    struct ag_archive_limits lim;
    char *err;
    size_t errlen;
};

/* What may be unpacked: regular files and directories with relative names
 * free of '..'. */
static enum ag_archive_err check_entry(struct unpack *u, struct archive_entry *e,
                                       const char *name)
{
    mode_t type = archive_entry_filetype(e);
    if (!name || !*name)
        return fail(u->err, u->errlen, AG_ARCHIVE_EUNSAFE, "entry #%" PRIu64 " has no usable name",
                    u->entries);
    if (archive_entry_hardlink(e))
        return fail(u->err, u->errlen, AG_ARCHIVE_EUNSAFE, "entry '%s' is a hard link (refused)", name);
    if (type == AE_IFLNK || archive_entry_symlink(e))
        return fail(u->err, u->errlen, AG_ARCHIVE_EUNSAFE, "entry '%s' is a symbolic link (refused)", name);
    if (type != AE_IFREG && type != AE_IFDIR)
        return fail(u->err, u->errlen, AG_ARCHIVE_EUNSAFE,
                    "entry '%s' is a device node, FIFO or socket (refused)", name);
    if (name[0] == '/')
        return fail(u->err, u->errlen, AG_ARCHIVE_EUNSAFE, "entry '%s' has an absolute path (refused)", name);
    for (const char *p = name; *p;) {
        size_t n = strcspn(p, "/");
        if (n == 2 && p[0] == '.' && p[1] == '.')
            return fail(u->err, u->errlen, AG_ARCHIVE_EUNSAFE, "entry '%s' contains '..' (refused)", name);
        p += n;
        while (*p == '/')
            p++;
    }
    if (archive_entry_size_is_set(e) && archive_entry_size(e) > 0 &&
        (uint64_t)archive_entry_size(e) > u->lim.max_entry_bytes)
        return fail(u->err, u->errlen, AG_ARCHIVE_ELIMIT,
                    "entry '%s' is %" PRId64 " bytes, over the %" PRIu64 "-byte limit", name,
                    (int64_t)archive_entry_size(e), u->lim.max_entry_bytes);
    return AG_ARCHIVE_OK;
}

/* Open (creating as needed) the directory that will hold the last component
 * of name; *last points into name at that component ("" for "dir/"). Every
 * step is openat(O_NOFOLLOW) from the previous one, so nothing in the tree
 * can redirect us outside it. Returns an fd or -1. */
static int open_parent(struct unpack *u, const char *name, char *comp, const char **last)
{
    int fd = dup(u->dirfd), depth = 0;
    const char *p = name;
    while (fd >= 0) {
        size_t n;
        int next;
        while (*p == '/')
            p++;
        n = strcspn(p, "/");
        if (p[n] == '\0' || p[n + strspn(p + n, "/")] == '\0') {
            *last = p;
            return fd;
        }
        if (n > NAME_MAX || ++depth > MAX_DEPTH) {
            close(fd);
            errno = ENAMETOOLONG;
            return -1;
        }
        memcpy(comp, p, n);
        comp[n] = '\0';
        p += n;
        if (strcmp(comp, ".") == 0)
            continue;
        if (mkdirat(fd, comp, 0755) != 0 && errno != EEXIST) {
            close(fd);
            return -1;
        }
        next = openat(fd, comp, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
        close(fd);
        fd = next;
    }
    return -1;
}

/* Copy the entry's data into fd, enforcing the size and ratio caps. */
static enum ag_archive_err copy_data(struct unpack *u, int fd, const char *name)
{
    const void *buf;
    size_t size;
    la_int64_t off;
    uint64_t entry = 0;
    int r;
    while ((r = archive_read_data_block(u->a, &buf, &size, &off)) == ARCHIVE_OK) {
        entry += size;
        u->total += size;
        if (off < 0 || entry > u->lim.max_entry_bytes ||
            (uint64_t)off + size > u->lim.max_entry_bytes)
            return fail(u->err, u->errlen, AG_ARCHIVE_ELIMIT,
                        "entry '%s' unpacks to more than %" PRIu64 " bytes", name,
                        u->lim.max_entry_bytes);
        if (u->total > u->lim.max_total_bytes)
            return fail(u->err, u->errlen, AG_ARCHIVE_ELIMIT,
                        "archive unpacks to more than %" PRIu64 " bytes (at entry '%s')",
                        u->lim.max_total_bytes, name);
        if (u->total > u->lim.ratio_floor && u->total / u->lim.max_ratio > u->archive_size)
            return fail(u->err, u->errlen, AG_ARCHIVE_ELIMIT,
                        "compression ratio over %" PRIu64 ":1 (archive bomb?) at entry '%s'",
                        u->lim.max_ratio, name);
        for (size_t done = 0; done < size;) {
            ssize_t w = pwrite(fd, (const char *)buf + done, size - done, off + (off_t)done);
            if (w < 0 && errno == EINTR)
                continue;
            if (w <= 0)
                return fail(u->err, u->errlen, AG_ARCHIVE_EWRITE, "writing '%s': %s", name,
                            strerror(w < 0 ? errno : EIO));
            done += (size_t)w;
        }
    }
    if (r != ARCHIVE_EOF)
        return fail(u->err, u->errlen, AG_ARCHIVE_EFORMAT, "reading entry '%s': %s", name,
                    archive_error_string(u->a) ? archive_error_string(u->a) : "corrupt data");
    return AG_ARCHIVE_OK;
}

static enum ag_archive_err extract_entry(struct unpack *u, struct archive_entry *e,
                                         const char *name)
{
    char comp[NAME_MAX + 1];
    const char *last;
    SR_AUTOCLOSE int dfd = open_parent(u, name, comp, &last);
    size_t n;
    enum ag_archive_err rc;
    if (dfd < 0)
        return fail(u->err, u->errlen, AG_ARCHIVE_EWRITE, "creating the directories of '%s': %s",
                    name, strerror(errno));
    n = strcspn(last, "/");
    rc = AG_ARCHIVE_OK;
    memcpy(comp, last, n < NAME_MAX ? n : NAME_MAX);
    comp[n < NAME_MAX ? n : NAME_MAX] = '\0';
    if (n > NAME_MAX) {
        rc = fail(u->err, u->errlen, AG_ARCHIVE_EWRITE, "entry '%s': name too long", name);
    } else if (archive_entry_filetype(e) == AE_IFDIR) {
        struct stat st;
        if (n && strcmp(comp, ".") != 0 && mkdirat(dfd, comp, 0755) != 0 &&
            !(errno == EEXIST && fstatat(dfd, comp, &st, AT_SYMLINK_NOFOLLOW) == 0 &&
              S_ISDIR(st.st_mode)))
            rc = fail(u->err, u->errlen, AG_ARCHIVE_EWRITE, "creating directory '%s': %s", name,
                      strerror(errno));
    } else if (n == 0 || strcmp(comp, ".") == 0) {
        rc = fail(u->err, u->errlen, AG_ARCHIVE_EUNSAFE, "file entry '%s' names a directory", name);
    } else {
        SR_AUTOCLOSE int fd = openat(dfd, comp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0644);
        if (fd < 0)
            rc = fail(u->err, u->errlen, errno == EEXIST ? AG_ARCHIVE_EUNSAFE : AG_ARCHIVE_EWRITE,
                      "creating '%s': %s", name,
                      errno == EEXIST ? "duplicate entry (refused)" : strerror(errno));
        else
            rc = copy_data(u, fd, name);
    }
    return rc;
}

static int rm_one(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
    (void)st;
    (void)ftw;
    if (flag == FTW_DP)
        rmdir(path);
    else
        unlink(path);
    return 0;
}

static enum ag_archive_err unpack_all(struct unpack *u)
{
    struct archive_entry *e;
    int r;
    while ((r = archive_read_next_header(u->a, &e)) == ARCHIVE_OK || r == ARCHIVE_WARN) {
        const char *name = archive_entry_pathname(e);
        enum ag_archive_err rc;
        if (++u->entries > u->lim.max_entries)
            return fail(u->err, u->errlen, AG_ARCHIVE_ELIMIT,
                        "more than %" PRIu64 " entries (at '%s')", u->lim.max_entries,
                        name ? name : "?");
        rc = check_entry(u, e, name);
        if (!rc)
            rc = extract_entry(u, e, name);
        if (rc)
            return rc;
    }
    if (r != ARCHIVE_EOF)
        return fail(u->err, u->errlen, AG_ARCHIVE_EFORMAT, "not a readable tar, tar.gz or zip: %s",
                    archive_error_string(u->a) ? archive_error_string(u->a) : "unknown format");
    return AG_ARCHIVE_OK;
}

enum ag_archive_err ag_archive_unpack(const char *path, const char *dest_dir,
                                      const struct ag_archive_limits *lim, char *err,
                                      size_t errlen)
{
    struct unpack u = {.dirfd = -1, .err = err, .errlen = errlen};
    struct stat st;
    enum ag_archive_err rc;
    SR_AUTOCLOSE int fd = -1;
    SR_AUTOCLOSE int dirfd = -1;   /* u.dirfd */
    if (lim)
        u.lim = *lim;
    else
        ag_archive_limits_default(&u.lim);
    if (u.lim.max_ratio == 0)
        u.lim.max_ratio = 1;
    fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
    if (fd < 0 || fstat(fd, &st) != 0 || !S_ISREG(st.st_mode))
        return fail(err, errlen, AG_ARCHIVE_EOPEN, "cannot open archive %s: %s", path,
                    fd < 0 ? strerror(errno) : "not a regular file");
    u.archive_size = st.st_size > 0 ? (uint64_t)st.st_size : 1;
    if (mkdir(dest_dir, 0755) != 0)
        return fail(err, errlen, AG_ARCHIVE_EWRITE, "cannot create %s: %s", dest_dir, strerror(errno));
    u.dirfd = dirfd = open(dest_dir, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
    if (u.dirfd < 0 || !(u.a = archive_read_new())) {
        rc = fail(err, errlen, AG_ARCHIVE_ENOMEM, "cannot start unpacking: %s", strerror(errno));
    } else {
        archive_read_support_filter_gzip(u.a);
        archive_read_support_format_tar(u.a);
        archive_read_support_format_zip(u.a);
        if (archive_read_open_fd(u.a, fd, BUF_SIZE) != ARCHIVE_OK)
            rc = fail(err, errlen, AG_ARCHIVE_EFORMAT, "not a readable tar, tar.gz or zip: %s",
                      archive_error_string(u.a) ? archive_error_string(u.a) : "unknown format");
        else
            rc = unpack_all(&u);
    }
    if (u.a)
        archive_read_free(u.a);
    if (rc != AG_ARCHIVE_OK)
        nftw(dest_dir, rm_one, 16, FTW_DEPTH | FTW_PHYS);
    return rc;
}

/* ---- pack */

struct pack {
    struct archive *a;
    struct archive_entry *e;
    uint64_t entries, total;
    struct ag_archive_limits lim;
    dev_t out_dev;
    ino_t out_ino;
    char *buf;
    char *err;
    size_t errlen;
};

static int cmp_names(const void *x, const void *y)
{
    return strcmp(*(char *const *)x, *(char *const *)y);
}

/* Sorted names of the directory fd (without . and ..); NULL on error. */
static char **list_dir(int fd, size_t *n)
{
    int dfd = dup(fd);
    DIR *d = dfd >= 0 ? fdopendir(dfd) : NULL;
    char **names = NULL;
    size_t cap = 0;
    struct dirent *de;
    *n = 0;
    if (!d) {
        if (dfd >= 0)
            close(dfd);
        return NULL;
    }
    while ((de = readdir(d))) {
        if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
            continue;
        if (*n + 1 >= cap) {
            char **nn;
            cap = cap ? cap * 2 : 32;
            nn = realloc(names, cap * sizeof *names);
            if (!nn)
                break;
            names = nn;
        }
        if (!(names[(*n)++] = strdup(de->d_name)))
            break;
    }
    closedir(d);
    if (!names)
        names = calloc(1, sizeof *names);
    else
        qsort(names, *n, sizeof *names, cmp_names);
    return names;
}

static void free_names(char **names, size_t n)
{
    for (size_t i = 0; i < n; i++)
        free(names[i]);
    free(names);
}

static enum ag_archive_err pack_file(struct pack *p, int dirfd, const char *name, const char *rel)
{
    SR_AUTOCLOSE int fd = openat(dirfd, name, O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NOCTTY);
    struct stat st;
    if (fd < 0 || fstat(fd, &st) != 0 || !S_ISREG(st.st_mode))
        return fail(p->err, p->errlen, AG_ARCHIVE_EOPEN, "cannot read '%s': %s", rel,
                    fd < 0 ? strerror(errno) : "no longer a regular file");
    if (++p->entries > p->lim.max_entries ||
        (p->total += (uint64_t)st.st_size) > p->lim.max_total_bytes)
        return fail(p->err, p->errlen, AG_ARCHIVE_ELIMIT,
                    "more than %" PRIu64 " files or %" PRIu64 " bytes (at '%s')",
                    p->lim.max_entries, p->lim.max_total_bytes, rel);
    archive_entry_clear(p->e);
    archive_entry_set_pathname(p->e, rel);
    archive_entry_set_filetype(p->e, AE_IFREG);
    archive_entry_set_perm(p->e, 0644);
    archive_entry_set_size(p->e, st.st_size);
    archive_entry_set_mtime(p->e, st.st_mtim.tv_sec, 0);
    if (archive_write_header(p->a, p->e) != ARCHIVE_OK)
        return fail(p->err, p->errlen, AG_ARCHIVE_EWRITE, "adding '%s': %s", rel,
                    archive_error_string(p->a));
    for (off_t left = st.st_size; left > 0;) {
        ssize_t r = read(fd, p->buf, left < BUF_SIZE ? (size_t)left : BUF_SIZE);
        if (r < 0 && errno == EINTR)
            continue;
        if (r <= 0 || archive_write_data(p->a, p->buf, (size_t)r) != r)
            return fail(p->err, p->errlen, r <= 0 ? AG_ARCHIVE_EOPEN : AG_ARCHIVE_EWRITE,
                        "copying '%s': %s", rel,
                        r < 0 ? strerror(errno) : r == 0 ? "file shrank while packing"
                                                         : archive_error_string(p->a));
        left -= r;
    }
    return AG_ARCHIVE_OK;
}

static enum ag_archive_err pack_tree(struct pack *p, int dirfd, const char *prefix, int depth)
{
    size_t n;
    char **names = list_dir(dirfd, &n);
    enum ag_archive_err rc = AG_ARCHIVE_OK;
    if (!names)
        return fail(p->err, p->errlen, AG_ARCHIVE_EOPEN, "cannot list '%s': %s",
                    *prefix ? prefix : ".", strerror(errno));
    for (size_t i = 0; i < n && rc == AG_ARCHIVE_OK; i++) {
        char rel[PATH_MAX];
        struct stat st;
        int len = snprintf(rel, sizeof rel, "%s%s", prefix, names[i]);
        if (len < 0 || len >= (int)sizeof rel - 1 ||
            fstatat(dirfd, names[i], &st, AT_SYMLINK_NOFOLLOW) != 0)
            continue;
        if (S_ISREG(st.st_mode) && !(st.st_dev == p->out_dev && st.st_ino == p->out_ino)) {
            rc = pack_file(p, dirfd, names[i], rel);
        } else if (S_ISDIR(st.st_mode) && depth < MAX_DEPTH) {
            SR_AUTOCLOSE int sub = openat(dirfd, names[i], O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
            if (sub < 0)
                continue;
            rel[len] = '/';
            rel[len + 1] = '\0';
            rc = pack_tree(p, sub, rel, depth + 1);
        }
    }
    free_names(names, n);
    return rc;
}

enum ag_archive_err ag_archive_pack_dir(const char *dir, const char *out_path,
                                        const struct ag_archive_limits *lim, char *err,
                                        size_t errlen)
{
    struct pack p = {.err = err, .errlen = errlen};
    struct stat st;
    enum ag_archive_err rc;
    SR_AUTOCLOSE int dfd = -1;
    SR_AUTOCLOSE int ofd = -1;
    if (lim)
        p.lim = *lim;
    else
        ag_archive_limits_default(&p.lim);
    dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (dfd < 0)
        return fail(err, errlen, AG_ARCHIVE_EOPEN, "cannot open directory %s: %s", dir,
                    strerror(errno));
    ofd = open(out_path, O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW | O_CLOEXEC, 0644);
    if (ofd < 0 || fstat(ofd, &st) != 0) {
        rc = fail(err, errlen, AG_ARCHIVE_EWRITE, "cannot create %s: %s", out_path, strerror(errno));
        goto out;
    }
    p.out_dev = st.st_dev;
    p.out_ino = st.st_ino;
    p.a = archive_write_new();
    p.e = archive_entry_new();
    p.buf = malloc(BUF_SIZE);
    if (!p.a || !p.e || !p.buf || archive_write_add_filter_gzip(p.a) != ARCHIVE_OK ||
        archive_write_set_format_pax_restricted(p.a) != ARCHIVE_OK ||
        archive_write_open_fd(p.a, ofd) != ARCHIVE_OK) {
        rc = fail(err, errlen, AG_ARCHIVE_ENOMEM, "cannot start the tar.gz writer");
        goto out;
    }
    rc = pack_tree(&p, dfd, "", 0);
    if (archive_write_close(p.a) != ARCHIVE_OK && rc == AG_ARCHIVE_OK)
        rc = fail(err, errlen, AG_ARCHIVE_EWRITE, "finishing %s: %s", out_path,
                  archive_error_string(p.a));
out:
    if (p.a)
        archive_write_free(p.a);
    if (p.e)
        archive_entry_free(p.e);
    free(p.buf);
    if (rc != AG_ARCHIVE_OK && ofd >= 0)
        unlink(out_path);
    return rc;
}
