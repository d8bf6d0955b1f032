/* sb_outfiles — list (and copy out) what the script left in /out.
 *
 * Works on the /out tmpfs through the descriptor the jail handed over, after
 * every process of the run is gone. Regular files only, each opened with
 * O_NOFOLLOW; symlinks, FIFOs, sockets, devices, hard links, over-long or odd
 * names are skipped and reported, never followed. Count and size are capped;
 * a file still growing is copied up to its size when opened. */
#ifndef SB_OUTFILES_H
#define SB_OUTFILES_H

#include <cjson/cJSON.h>
#include <stddef.h>

struct sb_outfiles_cfg {
    size_t max_files;
    unsigned long long max_bytes;   /* total copied */
    unsigned max_depth;
    const char *copy_to;            /* host directory, or NULL to only list */
};

#define SB_OUTFILES_MAX_SKIPPED 1000   /* skipped entries listed; the rest only counted */

/* Walk the tree behind out_fd. Appends {"path","size","sha256"} to files and
 * {"path","reason"} to skipped (adding to *dropped for each entry past
 * SB_OUTFILES_MAX_SKIPPED). Returns 0, or -1 with err set when the copy
 * destination itself is unusable. */
int sb_outfiles_collect(int out_fd, const struct sb_outfiles_cfg *cfg, cJSON *files,
                        cJSON *skipped, size_t *dropped, char *err, size_t errlen);

#endif
