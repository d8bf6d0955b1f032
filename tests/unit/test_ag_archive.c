/* test_ag_archive.c — unpacking refuses every evil archive we can build with
 * libarchive's own writer, and packing stores only regular files. */
#include <archive.h>
#include <archive_entry.h>
#include <fcntl.h>
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <time.h>
#include <unistd.h>

#include "ag_archive.h"
#include "tap.h"

enum kind { REG, DIR_, SYMLINK, HARDLINK, CHR, FIFO };

struct ent {
    const char *name;
    enum kind kind;
    const char *data;  /* REG: contents; SYMLINK/HARDLINK: target */
    long long zeros;   /* REG: this many zero bytes instead of data */
};

static char tmp[64];

static char *path_in(const char *name)
{
    static char p[8][256];
    static int i;
    i = (i + 1) % 8;
    snprintf(p[i], sizeof p[i], "%s/%s", tmp, name);
    return p[i];
}

static void add(struct archive *a, const struct ent *e)
{
    static const mode_t types[] = {AE_IFREG, AE_IFDIR, AE_IFLNK, AE_IFREG, AE_IFCHR, AE_IFIFO};
    struct archive_entry *ae = archive_entry_new();
    long long size = e->kind == REG ? (e->zeros ? e->zeros : (long long)strlen(e->data)) : 0;
    archive_entry_set_pathname(ae, e->name);
    archive_entry_set_filetype(ae, types[e->kind]);
    archive_entry_set_perm(ae, 0644);
    archive_entry_set_size(ae, size);
    if (e->kind == SYMLINK)
        archive_entry_set_symlink(ae, e->data);
    if (e->kind == HARDLINK)
        archive_entry_set_hardlink(ae, e->data);
    if (e->kind == CHR)
        archive_entry_set_rdev(ae, makedev(1, 3));
    archive_write_header(a, ae);
    if (e->kind == REG && e->zeros) {
        static char z[1 << 16];
        for (long long left = size; left > 0; left -= (long long)sizeof z)
            archive_write_data(a, z, left < (long long)sizeof z ? (size_t)left : sizeof z);
    } else if (e->kind == REG) {
        archive_write_data(a, e->data, strlen(e->data));
    }
    archive_entry_free(ae);
}

/* Write entries into tmp/name as tar.gz (zip when zip is set). */
static const char *build(const char *name, int zip, const struct ent *ents, size_t n)
{
    struct archive *a = archive_write_new();
    if (zip) {
        archive_write_set_format_zip(a);
    } else {
        archive_write_add_filter_gzip(a);
        archive_write_set_format_pax_restricted(a);
    }
    archive_write_open_filename(a, path_in(name));
    for (size_t i = 0; i < n; i++)
        add(a, &ents[i]);
    archive_write_close(a);
    archive_write_free(a);
    return path_in(name);
}

static int exists(const char *p)
{
    struct stat st;
    return lstat(p, &st) == 0;
}

static int file_is(const char *p, const char *want)
{
    char buf[256] = {0};
    int fd = open(p, O_RDONLY);
    ssize_t n;
    if (fd < 0)
        return 0;
    n = read(fd, buf, sizeof buf - 1);
    close(fd);
    return n == (ssize_t)strlen(want) && memcmp(buf, want, (size_t)n) == 0;
}

static void expect_refused(const char *what, const struct ent *ents, size_t n, int zip,
                           enum ag_archive_err want, const char *in_msg)
{
    char err[512] = "";
    const char *arc = build("evil.arc", zip, ents, n);
    const char *dest = path_in("evil.out");
    enum ag_archive_err e = ag_archive_unpack(arc, dest, NULL, err, sizeof err);
    ok(e == want && strstr(err, in_msg) != NULL, "%s is refused (code %d, want %d): %s", what, (int)e, (int)want,
       err);
    ok(!exists(dest), "... and the destination is removed");
}

#define N(a) (sizeof a / sizeof a[0])   /* a: an array name */

static void test_good(void)
{
    char err[512] = "";
    const struct ent good[] = {{"./top.txt", REG, "top", 0}, {"d/", DIR_, NULL, 0},
                               {"d/e/f.csv", REG, "a,b\n1,2\n", 0}, {"empty", REG, "", 0}};
    for (int zip = 0; zip <= 1; zip++) {
        const char *dest = path_in(zip ? "good.zip.out" : "good.tgz.out");
        enum ag_archive_err e = ag_archive_unpack(build("good.arc", zip, good, N(good)), dest,
                                                  NULL, err, sizeof err);
        ok(e == AG_ARCHIVE_OK, "a plain %s unpacks (%s)", zip ? "zip" : "tar.gz", err);
        ok(file_is(path_in(zip ? "good.zip.out/top.txt" : "good.tgz.out/top.txt"), "top") &&
               file_is(path_in(zip ? "good.zip.out/d/e/f.csv" : "good.tgz.out/d/e/f.csv"),
                       "a,b\n1,2\n") &&
               file_is(path_in(zip ? "good.zip.out/empty" : "good.tgz.out/empty"), ""),
           "... with every file in place and intact");
    }
    ok(ag_archive_unpack(build("good.arc", 0, good, N(good)), path_in("good.tgz.out"), NULL,
                         err, sizeof err) == AG_ARCHIVE_EWRITE,
       "an existing destination is refused: %s", err);
}

static void test_evil(void)
{
    const struct ent dotdot[] = {{"ok.txt", REG, "x", 0}, {"../escaped", REG, "x", 0}};
    const struct ent deep[] = {{"a/b/../../../x", REG, "x", 0}};
    const struct ent abs[] = {{"/tmp/sandboxrun-abs-test", REG, "x", 0}};
    const struct ent sym[] = {{"link", SYMLINK, "/etc/passwd", 0}};
    const struct ent symzip[] = {{"zlink", SYMLINK, "../../etc", 0}};
    const struct ent hard[] = {{"a", REG, "x", 0}, {"h", HARDLINK, "/etc/shadow", 0}};
    const struct ent dev[] = {{"null", CHR, NULL, 0}};
    const struct ent fifo[] = {{"pipe", FIFO, NULL, 0}};
    const struct ent dup[] = {{"same", REG, "first", 0}, {"same", REG, "second", 0}};
    char err[512];
    const char *junk;
    FILE *f;
    expect_refused("'../escaped'", dotdot, N(dotdot), 0, AG_ARCHIVE_EUNSAFE, "'../escaped'");
    ok(!exists(path_in("escaped")), "... and nothing was written outside");
    expect_refused("a nested '..'", deep, N(deep), 1, AG_ARCHIVE_EUNSAFE, "a/b/../../../x");
    expect_refused("an absolute path", abs, N(abs), 0, AG_ARCHIVE_EUNSAFE, "absolute");
    ok(!exists("/tmp/sandboxrun-abs-test"), "... and /tmp was not touched");
    expect_refused("a symlink", sym, N(sym), 0, AG_ARCHIVE_EUNSAFE, "'link' is a symbolic link");
    expect_refused("a symlink in a zip", symzip, N(symzip), 1, AG_ARCHIVE_EUNSAFE, "'zlink'");
    expect_refused("a hard link", hard, N(hard), 0, AG_ARCHIVE_EUNSAFE, "'h' is a hard link");
    expect_refused("a device node", dev, N(dev), 0, AG_ARCHIVE_EUNSAFE, "'null' is a device");
    expect_refused("a FIFO", fifo, N(fifo), 0, AG_ARCHIVE_EUNSAFE, "'pipe'");
    expect_refused("a duplicate entry", dup, N(dup), 0, AG_ARCHIVE_EUNSAFE, "duplicate");

    junk = path_in("junk.tgz");
    f = fopen(junk, "w");
    fputs("this is not an archive at all, just text\n", f);
    fclose(f);
    ok(ag_archive_unpack(junk, path_in("junk.out"), NULL, err, sizeof err) == AG_ARCHIVE_EFORMAT,
       "a non-archive is a format error: %s", err);
}

static void test_bombs(void)
{
    static struct ent many[10001];
    static char names[10001][16];
    const struct ent bomb[] = {{"zeros.bin", REG, NULL, 1LL << 30}};
    char err[512];
    struct ag_archive_limits lim;
    const struct ent big[] = {{"big", REG, NULL, 2000}};
    const struct ent tot[] = {{"a", REG, NULL, 2000}, {"b", REG, NULL, 2000}};
    time_t t0;
    enum ag_archive_err e;
    const char *arc;
    struct stat st;
    for (size_t i = 0; i < N(many); i++) {
        snprintf(names[i], sizeof names[i], "f%05zu", i);
        many[i] = (struct ent){names[i], REG, "", 0};
    }
    expect_refused("10001 entries", many, N(many), 0, AG_ARCHIVE_ELIMIT, "more than 10000 entries");

    t0 = time(NULL);
    arc = build("bomb.tgz", 0, bomb, 1);
    stat(arc, &st);
    ok(st.st_size < (4 << 20), "1 GiB of zeros compresses to %lld bytes", (long long)st.st_size);
    e = ag_archive_unpack(arc, path_in("bomb.out"), NULL, err, sizeof err);
    ok(e == AG_ARCHIVE_ELIMIT && strstr(err, "ratio") && strstr(err, "zeros.bin"),
       "the 1 GiB bomb is stopped by the ratio cap: %s", err);
    ok(!exists(path_in("bomb.out")), "... and its partial output removed (%lds)",
       (long)(time(NULL) - t0));
    unlink(arc);

    ag_archive_limits_default(&lim);
    lim.max_entry_bytes = 1000;
    e = ag_archive_unpack(build("big.tgz", 0, big, 1), path_in("big.out"), &lim, err, sizeof err);
    ok(e == AG_ARCHIVE_ELIMIT && strstr(err, "'big'"), "per-entry size cap: %s", err);
    ag_archive_limits_default(&lim);
    lim.max_total_bytes = 3000;
    e = ag_archive_unpack(build("tot.zip", 1, tot, 2), path_in("tot.out"), &lim, err, sizeof err);
    ok(e == AG_ARCHIVE_ELIMIT && strstr(err, "more than 3000 bytes"), "total size cap: %s", err);
    ok(!exists(path_in("tot.out")), "... and the destination is removed");
}

static void write_file(const char *p, const char *text)
{
    FILE *f = fopen(p, "w");
    if (f) {
        fputs(text, f);
        fclose(f);
    }
}

static void test_pack(void)
{
    char err[512] = "";
    int made;
    const char *out;
    struct archive *a;
    enum ag_archive_err e;
    struct archive_entry *ae;
    char names[256] = "";
    size_t len;
    mkdir(path_in("src"), 0755);
    mkdir(path_in("src/sub"), 0755);
    write_file(path_in("src/b.txt"), "bee");
    write_file(path_in("src/a.json"), "{\"a\":1}");
    write_file(path_in("src/sub/c.csv"), "c\n");
    made = symlink("/etc/passwd", path_in("src/passwd-link")) == 0 &&
           symlink("/etc", path_in("src/etc-link")) == 0 &&
           mkfifo(path_in("src/fifo"), 0644) == 0;
    ok(made, "set up a tree with symlinks and a FIFO");
    out = path_in("src/out.tar.gz"); /* inside the tree: must not pack itself */
    e = ag_archive_pack_dir(path_in("src"), out, NULL, err, sizeof err);
    ok(e == AG_ARCHIVE_OK, "pack a directory (%s)", err);

    a = archive_read_new();
    len = 0;
    archive_read_support_filter_gzip(a);
    archive_read_support_format_tar(a);
    archive_read_open_filename(a, out, 10240);
    while (archive_read_next_header(a, &ae) == ARCHIVE_OK) {
        len += (size_t)snprintf(names + len, sizeof names - len, "%s%s",
                                archive_entry_pathname(ae),
                                archive_entry_filetype(ae) == AE_IFREG ? ";" : "?;");
        if (len >= sizeof names)
            break;
    }
    archive_read_free(a);
    ok(strcmp(names, "a.json;b.txt;sub/c.csv;") == 0,
       "only regular files, sorted, relative, no links/FIFO/itself: %s", names);

    e = ag_archive_unpack(out, path_in("roundtrip"), NULL, err, sizeof err);
    ok(e == AG_ARCHIVE_OK && file_is(path_in("roundtrip/b.txt"), "bee") &&
           file_is(path_in("roundtrip/sub/c.csv"), "c\n"),
       "the packed tar.gz unpacks to the same files (%s)", err);
    ok(ag_archive_pack_dir(path_in("nope"), path_in("x.tgz"), NULL, err, sizeof err) ==
           AG_ARCHIVE_EOPEN, "packing a missing directory fails: %s", err);
}

static int rm_one(const char *p, const struct stat *st, int flag, struct FTW *ftw)
{
    (void)st;
    (void)ftw;
    return flag == FTW_DP ? rmdir(p) : unlink(p);
}

int main(void)
{
    snprintf(tmp, sizeof tmp, "/tmp/test_ag_archive.XXXXXX");
    if (!mkdtemp(tmp)) {
        printf("Bail out! mkdtemp\n");
        return 1;
    }
    test_good();
    test_evil();
    test_bombs();
    test_pack();
    nftw(tmp, rm_one, 16, FTW_DEPTH | FTW_PHYS);
    return tap_done();
}
