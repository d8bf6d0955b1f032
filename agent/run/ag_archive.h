/* ag_archive — unpack untrusted tar / tar.gz / zip inputs safely, and pack a
 * directory of results into a tar.gz.
 *
 * Unpacking never lets an entry escape the destination or surprise the jail:
 * absolute paths, '..' components, symlinks, hard links, device nodes, FIFOs
 * and sockets are refused (the whole unpack fails and the destination is
 * removed); entry count, total size, per-entry size and compression ratio are
 * capped against archive bombs. Files are written with openat(O_NOFOLLOW |
 * O_EXCL) under a directory this call creates, mode 0644 / dirs 0755. */
#ifndef AG_ARCHIVE_H
#define AG_ARCHIVE_H

#include <stddef.h>
#include <stdint.h>

enum ag_archive_err {
    AG_ARCHIVE_OK = 0,
    AG_ARCHIVE_EOPEN,   /* the archive or directory cannot be opened */
    AG_ARCHIVE_EFORMAT, /* not a tar / tar.gz / zip, or corrupt */
    AG_ARCHIVE_EUNSAFE, /* an entry with a refused path or type */
    AG_ARCHIVE_ELIMIT,  /* a cap was hit (entries, size, ratio) */
    AG_ARCHIVE_EWRITE,  /* the destination cannot be created or written */
    AG_ARCHIVE_ENOMEM,
};

struct ag_archive_limits {
    uint64_t max_entries;     /* default 10000 */
    uint64_t max_total_bytes; /* sum of entry sizes, default 4 GiB */
    uint64_t max_entry_bytes; /* one entry, default 4 GiB */
    uint64_t max_ratio;       /* unpacked bytes / archive bytes, default 100 */
    uint64_t ratio_floor;     /* the ratio applies above this many unpacked bytes, default 16 MiB */
};

void ag_archive_limits_default(struct ag_archive_limits *l);

/* Unpack the archive at path into dest_dir, which must not exist yet (it is
 * created, and removed again on any failure). lim may be NULL (defaults).
 * On failure err names the offending entry where there is one. */
enum ag_archive_err ag_archive_unpack(const char *path, const char *dest_dir,
                                      const struct ag_archive_limits *lim, char *err,
                                      size_t errlen);

/* Pack the regular files under dir (recursively; symlinks are neither
 * followed nor stored, other special files skipped) into a gzip-compressed
 * tar at out_path, names relative to dir, in sorted order. lim (NULL =
 * defaults) caps the entry count and total size. */
enum ag_archive_err ag_archive_pack_dir(const char *dir, const char *out_path,
                                        const struct ag_archive_limits *lim, char *err,
                                        size_t errlen);

#endif
