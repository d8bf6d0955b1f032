/* Unit tests: sandbox/run/sb_image, the zygote's memory moved into a sealed file. */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <seccomp.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/statvfs.h>
#include <sys/wait.h>
#include <unistd.h>

#include "sb_image.h"
#include "tap.h"

#define MIB (1UL << 20)

static size_t page;

/* A fresh anonymous mapping of n bytes, prot, or NULL. */
static char *anon(size_t n)
{
    char *p = mmap(NULL, n, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

    return p == MAP_FAILED ? NULL : p;
}

static void fill(char *p, size_t n, unsigned seed)
{
    for (size_t i = 0; i < n; i++)
        p[i] = (char)(seed + i * 7 + i / 4096);
}

static int same(const char *p, size_t n, unsigned seed)
{
    for (size_t i = 0; i < n; i++)
        if (p[i] != (char)(seed + i * 7 + i / 4096))
            return 0;
    return 1;
}

/* The path of the mapping that holds addr, from /proc/self/maps ("" when
 * anonymous), into out. */
static void mapping_of(const void *addr, char *out, size_t cap)
{
    char line[512], path[256];
    uintptr_t lo, hi, a = (uintptr_t)addr;
    FILE *f = fopen("/proc/self/maps", "re");

    out[0] = '\0';
    while (f && fgets(line, sizeof line, f)) {
        path[0] = '\0';
        if (sscanf(line, "%lx-%lx %*s %*s %*s %*s %255[^\n]", &lo, &hi, path) >= 2 && a >= lo && a < hi) {
            snprintf(out, cap, "%s", path);
            break;
        }
    }
    if (f)
        fclose(f);
}

static int in_image(const void *addr)
{
    char path[256];

    mapping_of(addr, path, sizeof path);
    return strstr(path, SB_IMAGE_NAME) != NULL;
}

/* The smaps field (e.g. "ShmemPmdMapped:") of the mapping that holds addr, in KiB, or -1. */
static long smaps_kb(const void *addr, const char *field)
{
    char line[512];
    uintptr_t lo, hi, a = (uintptr_t)addr;
    int in = 0;
    long kb = -1;
    FILE *f = fopen("/proc/self/smaps", "re");

    while (f && kb < 0 && fgets(line, sizeof line, f)) {
        if (sscanf(line, "%lx-%lx ", &lo, &hi) == 2 && strchr(line, '-') < strchr(line, ' '))
            in = a >= lo && a < hi;
        else if (in && strncmp(line, field, strlen(field)) == 0)
            kb = strtol(line + strlen(field), NULL, 10);
    }
    if (f)
        fclose(f);
    return kb;
}

/* /proc/self/map_files/ name of the mapping that holds addr, into out. */
static void map_files_of(const void *addr, char *out, size_t cap)
{
    char line[512];
    uintptr_t lo, hi, a = (uintptr_t)addr;
    FILE *f = fopen("/proc/self/maps", "re");

    out[0] = '\0';
    while (f && fgets(line, sizeof line, f))
        if (sscanf(line, "%lx-%lx", &lo, &hi) == 2 && a >= lo && a < hi) {
            snprintf(out, cap, "/proc/self/map_files/%lx-%lx", lo, hi);
            break;
        }
    if (f)
        fclose(f);
}

/* Root can open the image through map_files: the file is there read-only,
 * its whole file system is, and no open for writing succeeds (EROFS). */
static void read_only_file(const void *addr)
{
    char path[128], fdpath[64];
    struct statvfs sv;
    int fd, wfd, err = 0;

    map_files_of(addr, path, sizeof path);
    fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        ok(1, "# SKIP map_files needs CAP_SYS_ADMIN (%s)", strerror(errno));
        return;
    }
    snprintf(fdpath, sizeof fdpath, "/proc/self/fd/%d", fd);
    wfd = open(fdpath, O_RDWR | O_CLOEXEC);
    err = wfd < 0 ? errno : 0;
    if (wfd >= 0)
        close(wfd);
    ok(fstatvfs(fd, &sv) == 0 && (sv.f_flag & ST_RDONLY) && err == EROFS,
       "the image's file system is read-only: even root cannot open the file for writing (%s)",
       err ? strerror(err) : "opened");
    close(fd);
}

/* A temporary file of n bytes of pattern seed, mapped privately; *fd kept. */
static char *file_map(size_t n, unsigned seed, int *fd)
{
    char tmpl[] = "/tmp/sb_image_XXXXXX", *buf = malloc(n), *p;

    *fd = mkstemp(tmpl);
    if (*fd < 0 || !buf)
        return free(buf), NULL;
    unlink(tmpl);
    fill(buf, n, seed);
    if (write(*fd, buf, n) != (ssize_t)n)
        return free(buf), NULL;
    free(buf);
    p = mmap(NULL, n, PROT_READ | PROT_WRITE, MAP_PRIVATE, *fd, 0);
    return p == MAP_FAILED ? NULL : p;
}

/* In a child whose seccomp filter refuses process_vm_readv and fsopen (as
 * a container's profile may): the freeze copies without the one, and into a
 * sealed memfd without the other. */
static void refused_copy(void)
{
    int status = -1;
    pid_t pid = fork();

    if (pid == 0) {
        scmp_filter_ctx ctx = seccomp_init(SCMP_ACT_ALLOW);
        struct sb_image_stats st;
        char *p = anon(2 * MIB), path[256], mf[128];
        int fd, seals = 0;
        if (!ctx || !p || seccomp_rule_add(ctx, SCMP_ACT_ERRNO(EPERM), SCMP_SYS(process_vm_readv), 0) < 0 ||
            seccomp_rule_add(ctx, SCMP_ACT_ERRNO(EPERM), SCMP_SYS(fsopen), 0) < 0 ||
            prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0 || seccomp_load(ctx) < 0)
            _exit(2);
        fill(p, 2 * MIB, 9);
        if (sb_image_freeze(&st) < 0 || !in_image(p) || !same(p, 2 * MIB, 9))
            _exit(3);
        mapping_of(p, path, sizeof path);
        map_files_of(p, mf, sizeof mf);
        if ((fd = open(mf, O_RDONLY | O_CLOEXEC)) >= 0)   /* root only */
            seals = fcntl(fd, F_GET_SEALS);
        _exit(st.kind != SB_IMAGE_MEMFD || st.tmpfs_errno != EPERM || !strstr(path, "/memfd:") ? 4
              : fd >= 0 && seals != (F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_WRITE | F_SEAL_SEAL) ? 5 : 0);
    }
    ok(pid > 0 && waitpid(pid, &status, 0) == pid && WIFEXITED(status) && WEXITSTATUS(status) == 0,
       "where seccomp refuses process_vm_readv and fsopen, the freeze copies without the one into a sealed "
       "memfd, every byte (status %#x)", status);
}

int main(void)
{
    struct sb_image_stats st;
    char *a, *g, *sparse, *ro, *wipe, *f_all, *f_part, *small, *big, *grown;
    int fd_all, fd_part, status;
    char file_byte;
    pid_t pid;

    /* valgrind keeps its own memory in this address space, and moving a
     * process's memory is moving valgrind's too */
    if (getenv("LD_PRELOAD") && strstr(getenv("LD_PRELOAD"), "vgpreload"))
        return printf("1..0 # SKIP valgrind's own mappings are in the address space sb_image moves\n"), 0;
    page = (size_t)sysconf(_SC_PAGESIZE);
    a = anon(4 * MIB);
    g = anon(2 * MIB);
    sparse = anon(8 * MIB);
    ro = anon(MIB);
    wipe = anon(MIB);
    f_all = file_map(16 * page, 11, &fd_all);
    f_part = file_map(16 * page, 13, &fd_part);
    small = malloc(1000);
    big = malloc(3 * MIB);   /* glibc: a mapping of its own */
    if (!a || !g || !sparse || !ro || !wipe || !f_all || !f_part || !small || !big)
        return printf("Bail out! setup\n"), 1;
    fill(a, 4 * MIB, 1);
    fill(g, 2 * MIB, 6);
    sparse[0] = 5, sparse[5 * MIB] = 6;
    fill(ro, MIB, 2);
    mprotect(ro, MIB, PROT_READ);
    fill(wipe, MIB, 3);
    madvise(wipe, MIB, MADV_WIPEONFORK);
    f_all[0] = 'w';                                   /* one copied page; the others read, so resident */
    for (size_t i = page; i < 16 * page; i += page)
        (void)*(volatile char *)(f_all + i);
    f_part[0] = 'w';                                  /* one copied page; the rest never touched */
    fill(small, 1000, 4);
    fill(big, 3 * MIB, 5);

    ok(sb_image_freeze(&st) == 0 && st.mappings >= 5 && st.bytes >= 8 * MIB,
       "freeze: %zu mappings, %zu KiB moved", st.mappings, st.bytes >> 10);
    ok(st.kind == SB_IMAGE_TMPFS, "the image is on a huge-page tmpfs of its own (%s)",
       st.kind == SB_IMAGE_TMPFS ? "yes" : strerror(st.tmpfs_errno));
    {   /* a 2 MiB-aligned stretch of a: one huge page, mapped by one entry */
        char *huge = (char *)(((uintptr_t)a + 2 * MIB - 1) & ~(2 * MIB - 1));
        (void)*(volatile char *)huge;
        ok(smaps_kb(huge, "ShmemPmdMapped:") >= 2048, "a read of the image maps a whole 2 MiB page (%ld KiB)",
           smaps_kb(huge, "ShmemPmdMapped:"));
    }
    read_only_file(a);
#ifdef __SANITIZE_ADDRESS__   /* ASan's allocator reserves its regions MAP_NORESERVE, which stay */
    ok(in_image(a) && in_image(sparse) && in_image(ro), "anonymous mappings and the read-only one are in the image");
#else
    ok(in_image(a) && in_image(sparse) && in_image(ro) && in_image(big) && in_image(small),
       "anonymous mappings, the read-only one and the heap are in the image");
#endif
    ok(in_image(f_all) && !in_image(f_part) && !in_image(wipe),
       "a fully resident private file mapping moves; a partly resident one and a wipe-on-fork one stay");
    ok(same(a, 4 * MIB, 1) && same(ro, MIB, 2) && same(wipe, MIB, 3) && same(small, 1000, 4) && same(big, 3 * MIB, 5),
       "every byte is what it was");
    ok(sparse[0] == 5 && sparse[5 * MIB] == 6 && sparse[MIB] == 0 && sparse[8 * MIB - 1] == 0,
       "a sparse mapping: its written pages kept, its untouched ones zero");
    ok(f_all[0] == 'w' && f_all[page] == (char)(11 + page * 7 + 1) && f_part[0] == 'w' &&
           f_part[5 * page] == (char)(13 + 5 * page * 7 + 5),
       "file mappings: the copied page and the file's pages as before");
    a[0] = 'p';
    memset(big, 'q', 3 * MIB);
    ok(a[0] == 'p' && big[MIB] == 'q', "the moved memory is writable where it was");
    ok(pread(fd_all, &file_byte, 1, 0) == 1 && file_byte == (char)11, "a write to a moved file mapping is not the file's");

    pid = fork();
    if (pid == 0) {
        int bad = wipe[0] != 0 || wipe[MIB - 1] != 0;   /* wipe-on-fork still wipes */
        a[1] = 'c';
        memset(sparse, 'c', 8 * MIB);
        _exit(bad ? 3 : a[0] == 'p' ? 0 : 4);
    }
    ok(pid > 0 && waitpid(pid, &status, 0) == pid && WIFEXITED(status) && WEXITSTATUS(status) == 0,
       "a child sees the parent's writes and zeroes in the wipe-on-fork mapping (status %#x)", status);
    ok(a[1] == (char)(1 + 7) && sparse[MIB] == 0 && sparse[0] == 5, "a child's writes are its own");

    /* realloc of a large block grows its mapping with mremap (here one of
     * our own, not malloc's, whose bookkeeping a sanitizer keeps): past the
     * image it reads the file's hole, where past the file's end it would fault */
    grown = mremap(g, 2 * MIB, 64 * MIB, MREMAP_MAYMOVE);
    pid = grown == MAP_FAILED ? -1 : fork();
    if (pid == 0)
        _exit(grown[64 * MIB - 1] == 0 ? 0 : 5);   /* a fault would be SIGBUS */
    ok(pid > 0 && waitpid(pid, &status, 0) == pid && WIFEXITED(status),
       "a moved mapping grown by mremap reads to its new end without a fault (status %#x)", status);

    ok(sb_image_freeze(&st) == 0, "a second freeze works (what the first moved, it moves again)");
    ok(same(ro, MIB, 2) && a[0] == 'p', "and keeps every byte");
    free(small);
    free(big);
    refused_copy();
    return tap_done();
}
