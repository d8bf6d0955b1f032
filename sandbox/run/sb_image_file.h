/* sb_image_file — the file that holds the zygote's image (sb_image.h).
 *
 * First choice: a file on a tmpfs of the zygote's own, mounted with
 * huge=always, so that the kernel backs the image with 2 MiB pages whatever
 * the node's shmem_enabled says (that setting governs memfds, not a tmpfs
 * with its own huge= option). A worker's read fault then maps up to 2 MiB
 * with one page-table entry instead of 16 small pages at a time, and its
 * exit frees as few: ~15 % of a warm run's CPU. The tmpfs is made by a
 * short-lived helper process in a user and mount namespace of its own (so
 * an unprivileged daemon gets it too), is mounted nowhere (fsmount's
 * detached mount: no path reaches it), and once written the helper makes
 * the whole file system read-only: no fd anybody could obtain writes,
 * grows or shrinks the file, as the seals do for a memfd. The image maps
 * it from a read-only fd. (Not noexec: a moved page may be made executable
 * as the anonymous page it was could, and as a memfd's can.)
 *
 * Fallback, where the kernel or a container's seccomp profile refuses any
 * of that (fsopen needs CAP_SYS_ADMIN over one's mount namespace, which an
 * unprivileged user namespace gives): a memfd, sealed against writes,
 * growth and shrinking; huge pages then only where shmem_enabled allows. */
#ifndef SB_IMAGE_FILE_H
#define SB_IMAGE_FILE_H

#include <sys/types.h>

/* the name the image's mappings have in /proc/PID/maps: "/sandboxrun-image"
 * (tmpfs) or "/memfd:sandboxrun-image (deleted)" */
#define SB_IMAGE_NAME "sandboxrun-image"

enum sb_image_kind { SB_IMAGE_MEMFD, SB_IMAGE_TMPFS };

struct sb_image_file {
    enum sb_image_kind kind;
    int wfd;      /* written: ftruncate, and the shared mapping the copy goes through */
    int rfd;      /* mapped privately: a read-only fd (tmpfs), or wfd itself (memfd) */
    int helper_sock;  /* tmpfs: the channel to the helper, until the seal; else -1 */
    pid_t helper;     /* tmpfs: the helper that holds the mount's file system context */
    int why;          /* tmpfs refused: the errno of the step that failed, for the log */
};

/* Open the image's file: tmpfs if it can, else a memfd (f->why says why
 * not tmpfs). Forks the helper without running fork handlers (_Fork): the
 * caller is the single-threaded zygote with its signals blocked. Allocates
 * nothing on the heap. 0, or -1 (errno) when not even a memfd could be made. */
int sb_image_file_open(struct sb_image_file *f);
/* Seal the file and close every fd of it (its mappings keep it): the caller
 * has unmapped its shared mapping first. tmpfs: the helper makes the file
 * system read-only and exits; memfd: F_SEAL_WRITE|GROW|SHRINK|SEAL. Also
 * ends a helper after a failure. 0, or -1 (errno): not sealed. */
int sb_image_file_seal(struct sb_image_file *f);

#endif
