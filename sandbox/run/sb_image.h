/* sb_image — the zygote's imported memory as a sealed file, mapped privately.
 *
 * After its imports the zygote holds ~140 MiB of private memory written by
 * the imports (the heap, pymalloc's arenas, the libraries' data) in ~700
 * mappings. A clone copies a page-table entry for every resident page of
 * that memory and the worker's exit tears them all down again: most of a
 * warm run's CPU, though a small script touches a few hundred of those pages.
 *
 * sb_image_freeze copies that memory, page for page, into a memfd, seals it
 * (no write, grow or shrink, ever) and maps it back at the same addresses,
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
 * mappings /memfd:sandboxrun-image. */
#ifndef SB_IMAGE_H
#define SB_IMAGE_H

#include <stddef.h>

struct sb_image_stats {
    size_t mappings;   /* mappings moved into the file */
    size_t bytes;      /* their resident bytes, now the file's */
};

/* Move this process's written private memory into a sealed memfd mapped at
 * the same addresses (see above). Single-threaded callers only, with no
 * other thread or signal handler writing memory meanwhile. Skips the stack,
 * executable mappings and any mapping the kernel treats specially (locked,
 * don't-fork, wipe-on-fork, huge-TLB, shared, special). Returns 0 (stats
 * filled if not NULL), or -1 with errno: then every mapping it did not get
 * to is as it was and those it did are moved (and sealed), equally valid.
 * Allocates nothing on the heap while it works. */
int sb_image_freeze(struct sb_image_stats *stats);

#endif
