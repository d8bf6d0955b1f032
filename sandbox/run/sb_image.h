/* sb_image — the zygote's imported memory as a read-only file, mapped privately.
 *
 * After its imports the zygote holds ~140 MiB of private memory written by
 * the imports (the heap, pymalloc's arenas, the libraries' data) in ~700
 * mappings. A clone copies a page-table entry for every resident page of
 * that memory and the worker's exit tears them all down again: most of a
 * warm run's CPU, though a small script touches a few hundred of those pages.
 *
 * sb_image_freeze copies that memory, page for page, into a file of its own
 * (sb_image_file.h: on a huge-page tmpfs mounted nowhere, or a memfd), makes
 * it read-only for good (no write, grow or shrink, ever: a read-only file
 * system, or seals) and maps it back at the same addresses,
 * MAP_PRIVATE, with the same protections. The contents and the semantics of
 * every address stay as they were (a write still makes a private copy: the
 * zygote's, or a worker's, never the file's); what changes is that a
 * private file mapping nobody has written is not copied at fork: a worker
 * maps the pages it reads on demand (shared, read-only, from the page
 * cache) and copies those it writes, and its exit frees only those.
 *
 * Two things differ from anonymous memory, neither used by the preloaded
 * stack: MADV_DONTNEED on a moved page drops the process's copy and reads
 * the image's bytes again, not zeroes (glibc's malloc assumes neither), and
 * MADV_FREE fails with EINVAL. A mapping grown by mremap reads on into the
 * file (see IMAGE_SLACK in sb_image.c). /proc/PID/maps names the moved
 * mappings /sandboxrun-image (tmpfs) or /memfd:sandboxrun-image (deleted). */
#ifndef SB_IMAGE_H
#define SB_IMAGE_H

#include <stddef.h>

#include "sb_image_file.h"

struct sb_image_stats {
    size_t mappings;          /* mappings moved into the file */
    size_t bytes;             /* their resident bytes, now the file's */
    enum sb_image_kind kind;  /* the file: a huge-page tmpfs, or a memfd */
    int tmpfs_errno;          /* a memfd: why not the tmpfs */
};

/* Move this process's written private memory into a read-only file mapped at
 * the same addresses (see above). Single-threaded callers only, with no
 * other thread or signal handler writing memory meanwhile. Skips the stack,
 * executable mappings and any mapping the kernel treats specially (locked,
 * don't-fork, wipe-on-fork, huge-TLB, shared, special). Returns 0 (stats
 * filled if not NULL), or -1 with errno: then every mapping it did not get
 * to is as it was and those it did are moved (and sealed), equally valid.
 * Allocates nothing on the heap while it works. */
int sb_image_freeze(struct sb_image_stats *stats);

#endif
