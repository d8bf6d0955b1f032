/* sb_image.c — move the zygote's written private memory into a sealed file (sb_image.h). */
#include "sb_image.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <unistd.h>

#include "sb_image_file.h"
#include "sr_log.h"

#define IMAGE_TEXT_MAX (16UL << 20)   /* /proc/self/smaps, read whole */
#define IMAGE_MAX_MAPS 8192
#define IMAGE_SLACK (1ULL << 40)     /* see file_size */
#define PM_CHUNK 512                  /* pagemap entries read at once */
#define PM_PRESENT (1ULL << 63)
#define PM_SWAPPED (1ULL << 62)

struct image_map {
    uintptr_t lo, hi;
    int prot;
    int file;        /* backed by a file: every page must be resident to move */
    size_t anon_kb;  /* smaps' Anonymous: the pages a fork copies */
    int ok;          /* no flag that rules it out */
};

struct image_work {   /* lives in its own mapping, which is never moved */
    char text[IMAGE_TEXT_MAX];
    struct image_map maps[IMAGE_MAX_MAPS];
    size_t n;
    int refused;   /* process_vm_readv refused (seccomp): plain_copy instead */
};

/* VmFlags that rule a mapping out: locked, don't-fork, wipe-on-fork (its
 * zeroes in a worker are the point), huge-TLB, grows-down, userfaultfd,
 * I/O and PFN maps, shared, and no-reserve (a sanitizer's shadow: terabytes
 * of address space, of which the image wants nothing). */
static int flags_ok(const char *v)
{
    static const char *const bad[] = {"lo", "dc", "wf", "ht", "gd", "um", "uw", "io", "pf", "sh", "mm", "sl", "nr"};
    char f[3];

    while (*v) {
        while (*v == ' ')
            v++;
        if (!v[0] || !v[1])
            break;
        f[0] = v[0], f[1] = v[1], f[2] = '\0';
        for (size_t i = 0; i < sizeof bad / sizeof *bad; i++)
            if (strcmp(f, bad[i]) == 0)
                return 0;
        v += 2;
    }
    return 1;
}

/* One smaps header line: "lo-hi perms offset dev inode [path]". */
static int parse_header(const char *line, struct image_map *m)
{
    char perms[8] = "", path[16] = "";
    unsigned long lo, hi, inode;

    if (sscanf(line, "%lx-%lx %7s %*s %*s %lu %15s", &lo, &hi, perms, &inode, path) < 4 || strlen(perms) != 4)
        return -1;
    memset(m, 0, sizeof *m);
    m->lo = lo, m->hi = hi;
    m->prot = (perms[0] == 'r' ? PROT_READ : 0) | (perms[1] == 'w' ? PROT_WRITE : 0) |
              (perms[2] == 'x' ? PROT_EXEC : 0);
    m->file = inode != 0;
    /* private, readable, not executable; anonymous, the brk heap, a named
     * anonymous mapping or a file: never the stack, vdso, vvar, ... */
    m->ok = perms[3] == 'p' && perms[0] == 'r' && perms[2] != 'x' &&
            (path[0] != '[' || strcmp(path, "[heap]") == 0 || strncmp(path, "[anon:", 6) == 0);
    return 0;
}

/* Read and parse /proc/self/smaps into w. */
static int read_maps(struct image_work *w)
{
    size_t len = 0;
    ssize_t r;
    int fd = open("/proc/self/smaps", O_RDONLY | O_CLOEXEC);
    struct image_map *cur = NULL;

    if (fd < 0)
        return -1;
    while ((r = read(fd, w->text + len, IMAGE_TEXT_MAX - 1 - len)) > 0)
        len += (size_t)r;
    close(fd);
    if (r < 0 || len >= IMAGE_TEXT_MAX - 1)
        return errno = r < 0 ? errno : E2BIG, -1;
    w->text[len] = '\0';
    for (char *line = w->text, *nl; *line; line = nl + 1) {
        if (!(nl = strchr(line, '\n')))
            break;
        *nl = '\0';
        if ((*line >= '0' && *line <= '9') || (*line >= 'a' && *line <= 'f')) {
            if (w->n == IMAGE_MAX_MAPS)
                return errno = E2BIG, -1;
            cur = parse_header(line, &w->maps[w->n]) == 0 ? &w->maps[w->n++] : NULL;
        } else if (cur && strncmp(line, "Anonymous:", 10) == 0) {
            cur->anon_kb = strtoul(line + 10, NULL, 10);
        } else if (cur && strncmp(line, "VmFlags:", 8) == 0) {
            cur->ok = cur->ok && flags_ok(line + 8);
        }
    }
    return 0;
}

/* Read the pagemap entries of pages [first, first + k) into ent. */
static int read_pagemap(int pm, uint64_t *ent, size_t first, size_t k)
{
    ssize_t want = (ssize_t)(k * sizeof *ent);

    return pread(pm, ent, (size_t)want, (off_t)(first * sizeof *ent)) == want ? 0 : (errno = EIO, -1);
}

/* Whether m can move: a file-backed mapping only when every page of it is
 * resident (an absent page of a file reads from the file, and one past its
 * end would fault); 1 yes, 0 no, -1 error. */
static int movable(int pm, const struct image_map *m, size_t page)
{
    uint64_t ent[PM_CHUNK];
    size_t pages = (m->hi - m->lo) / page;

    for (size_t i = 0; m->file && i < pages; i += PM_CHUNK) {
        size_t k = pages - i < PM_CHUNK ? pages - i : PM_CHUNK;
        if (read_pagemap(pm, ent, m->lo / page + i, k) < 0)
            return -1;
        for (size_t j = 0; j < k; j++)
            if (!(ent[j] & PM_PRESENT))
                return 0;
    }
    return 1;
}

/* The fallback copy of whole pages: volatile loads, so that it stays a
 * loop a sanitizer does not see (no memcpy call it intercepts). */
__attribute__((no_sanitize_address)) static void plain_copy(char *dst, const char *src, size_t len)
{
    const volatile uint64_t *from = (const volatile uint64_t *)(const void *)src;
    uint64_t *to = (uint64_t *)(void *)dst;

    for (size_t i = 0; i < len / sizeof *to; i++)
        to[i] = from[i];
}

/* Copy len bytes at src to dst, both this process's, by the kernel
 * (process_vm_readv on ourselves): a sanitizer that checks memcpy would
 * object to the heap's poisoned redzones, which are part of the image too.
 * Where a container's seccomp profile refuses the call, plain_copy. */
static int kernel_copy(char *dst, const char *src, size_t len, int *refused)
{
    for (size_t done = 0; done < len && !*refused;) {
        struct iovec to = {dst + done, len - done}, from = {(void *)(src + done), len - done};
        ssize_t r = syscall(SYS_process_vm_readv, getpid(), &to, 1UL, &from, 1UL, 0UL);
        if (r < 0 && (errno == EPERM || errno == ENOSYS) && done == 0)
            *refused = 1;
        else if (r <= 0)
            return errno = r < 0 ? errno : EIO, -1;
        else
            done += (size_t)r;
    }
    if (*refused)
        plain_copy(dst, src, len);
    return 0;
}

/* Copy m's resident pages to dst (the file's shared mapping at m's offset);
 * pages never touched stay holes, which read as the zeroes they were. */
static int copy_map(int pm, char *dst, const struct image_map *m, size_t page, size_t *bytes, int *refused)
{
    uint64_t ent[PM_CHUNK];
    size_t pages = (m->hi - m->lo) / page;

    for (size_t i = 0; i < pages; i += PM_CHUNK) {
        size_t k = pages - i < PM_CHUNK ? pages - i : PM_CHUNK;
        if (read_pagemap(pm, ent, m->lo / page + i, k) < 0)
            return -1;
        for (size_t j = 0, run; j < k; j += run ? run : 1) {
            for (run = 0; j + run < k && (ent[j + run] & (PM_PRESENT | PM_SWAPPED)); run++)
                ;
            if (run && kernel_copy(dst + (i + j) * page, (const char *)m->lo + (i + j) * page, run * page, refused) < 0)
                return -1;
            *bytes += run * page;
        }
    }
    return 0;
}

/* The first offset from cur on that sits where addr does within a 2 MiB
 * page, so that where the kernel backs the file with huge pages a 2 MiB
 * stretch of the mapping can be one page-table entry; the holes cost
 * nothing. A mapping that follows the last one directly keeps a contiguous
 * offset, and merges with it. */
static off_t image_offset(off_t cur, uintptr_t addr)
{
    const uintptr_t huge = 2UL << 20;

    return cur + (off_t)((addr - (uintptr_t)cur) & (huge - 1));
}

/* The file's size: the image and, past it, a hole of up to IMAGE_SLACK
 * (within RLIMIT_FSIZE). A moved mapping that mremap later grows (realloc
 * of a large block does) extends into the file: there it reads other
 * mappings' bytes or zeroes, as indeterminate as realloc promises, where
 * past the file's end it would fault. */
static off_t file_size(off_t total)
{
    struct rlimit fs;
    off_t size = total + (off_t)IMAGE_SLACK;

    if (getrlimit(RLIMIT_FSIZE, &fs) == 0 && fs.rlim_cur != RLIM_INFINITY && (rlim_t)size > fs.rlim_cur)
        size = (off_t)fs.rlim_cur > total ? (off_t)fs.rlim_cur : total;
    return size;
}

/* Move every candidate of w into f, at offsets in address order (so that
 * neighbours with the same protection merge into one mapping). The copy
 * goes through a shared mapping of the file that asks for huge pages (the
 * tmpfs gives them; a memfd where shmem_enabled allows), unmapped before
 * the seal; the moved mappings map f's read-only fd. */
static int move_maps(struct image_work *w, const struct sb_image_file *f, struct sb_image_stats *st)
{
    const size_t page = (size_t)sysconf(_SC_PAGESIZE);
    off_t off = 0, total = 0;
    char *file = MAP_FAILED;
    int pm = open("/proc/self/pagemap", O_RDONLY | O_CLOEXEC), rc = -1;

    for (size_t i = 0; pm >= 0 && i < w->n; i++) {
        struct image_map *m = &w->maps[i];
        int c = m->ok && m->anon_kb ? movable(pm, m, page) : 0;
        if (c < 0)
            goto out;
        m->ok = c;
        if (c)
            total = image_offset(total, m->lo) + (off_t)(m->hi - m->lo);
    }
    if (pm < 0 || ftruncate(f->wfd, file_size(total)) < 0 ||
        (total && (file = mmap(NULL, (size_t)total, PROT_READ | PROT_WRITE, MAP_SHARED, f->wfd, 0)) == MAP_FAILED))
        goto out;
    if (total)
        madvise(file, (size_t)total, MADV_HUGEPAGE);
    for (size_t i = 0; i < w->n; i++) {
        const struct image_map *m = &w->maps[i];
        if (!m->ok)
            continue;
        off = image_offset(off, m->lo);
        if (copy_map(pm, file + off, m, page, &st->bytes, &w->refused) < 0)
            goto out;
        /* between the copy and the map, nothing writes m: no other thread,
         * signals blocked, and this code's state is on the stack and in w */
        if (mmap((void *)m->lo, m->hi - m->lo, m->prot, MAP_PRIVATE | MAP_FIXED, f->rfd, off) == MAP_FAILED)
            goto out;
        madvise((void *)m->lo, m->hi - m->lo, MADV_HUGEPAGE);
        st->mappings++;
        off += (off_t)(m->hi - m->lo);
    }
    rc = 0;
out:
    if (file != MAP_FAILED)
        munmap(file, (size_t)total);
    if (pm >= 0)
        close(pm);
    return rc;
}

/* The number of threads of this process (/proc/self/stat's 20th field), or -1. */
static long threads(void)
{
    char buf[1024], *p;
    int fd = open("/proc/self/stat", O_RDONLY | O_CLOEXEC);
    ssize_t n = fd >= 0 ? read(fd, buf, sizeof buf - 1) : -1;

    if (fd >= 0)
        close(fd);
    if (n <= 0)
        return -1;
    buf[n] = '\0';
    if (!(p = strrchr(buf, ')')))
        return -1;
    for (int field = 2; field < 20 && p; field++)
        p = strchr(p + 1, ' ');
    return p ? strtol(p + 1, NULL, 10) : -1;
}

int sb_image_freeze(struct sb_image_stats *stats)
{
    struct sb_image_stats st = {0, 0, SB_IMAGE_MEMFD, 0};
    struct sb_image_file f;
    struct image_work *w;
    sigset_t all, old;
    int opened, rc = -1, err;

    if (stats)
        *stats = st;
    if (threads() != 1)
        return errno = EBUSY, -1;   /* another thread could write a mapping between its copy and its move */
    w = mmap(NULL, sizeof *w, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
    if (w == MAP_FAILED)
        return -1;
    madvise(w, sizeof *w, MADV_DONTFORK);   /* its own mapping: merges with no neighbour */
    sigfillset(&all);
    sigprocmask(SIG_BLOCK, &all, &old);
    w->n = 0;
    w->refused = 0;
    opened = sb_image_file_open(&f) == 0;
    st.kind = f.kind, st.tmpfs_errno = f.why;
    if (opened && read_maps(w) == 0) {
        for (size_t i = 0; i < w->n; i++)   /* not the work area itself */
            if (w->maps[i].lo < (uintptr_t)w + sizeof *w && w->maps[i].hi > (uintptr_t)w)
                w->maps[i].ok = 0;
        rc = move_maps(w, &f, &st);
    }
    err = errno;
    /* sealed whatever moved, even if not all of it did */
    if (opened && sb_image_file_seal(&f) < 0 && rc == 0)
        rc = -1, err = errno;
    sigprocmask(SIG_SETMASK, &old, NULL);
    munmap(w, sizeof *w);
    if (stats)
        *stats = st;
    errno = err;
    return rc;
}
