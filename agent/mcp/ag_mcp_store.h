/* ag_mcp_store — the MCP server's files on the host: one private temporary
 * root (removed at exit) holding each call's output directory (the jail's
 * /out, copied back), kept for upload_artifact under an id like "out-7",
 * and scratch directories for inputs. The newest AG_MCP_KEEP_OUTPUTS
 * outputs are kept, each for the retention time at most; older ones are
 * removed. Each output belongs to the tenant whose call made it. Thread-safe. */
#ifndef AG_MCP_STORE_H
#define AG_MCP_STORE_H

#include <stddef.h>

#define AG_MCP_KEEP_OUTPUTS 64
#define AG_MCP_RETAIN_S 3600.0   /* how long an output (and the links into it) stays readable */

/* Keep each output this many seconds at most (mcp --retain). */
void ag_mcp_store_set_retention(double seconds);

/* Create the root under $TMPDIR (or /tmp), mode 0700. 0, or -1 logged. */
int ag_mcp_store_init(void);
/* Remove the root and everything in it. */
void ag_mcp_store_cleanup(void);
/* A new empty output directory of tenant (NULL: the local user): its id and
 * path. 0, or -1 with err set. */
int ag_mcp_store_new_output(const char *tenant, char *id, size_t idlen, char *dir, size_t dirlen,
                            char *err, size_t errlen);
/* A new empty scratch directory (remove it with ag_mcp_store_remove). */
int ag_mcp_store_new_scratch(char *dir, size_t dirlen, char *err, size_t errlen);
/* Remove a directory tree made by this module. */
void ag_mcp_store_remove(const char *dir);
/* The real path of file rel inside tenant's output id, refusing paths that
 * leave it (.., symlinks out) and anything but regular files. Another
 * tenant's output is "unknown", in the same words. 0, or -1 with err set. */
int ag_mcp_store_output_file(const char *tenant, const char *id, const char *rel, char *path, size_t pathlen,
                             char *err, size_t errlen);
/* Write n bytes to a new file path, mode 0644 so the jail's unprivileged user can read
 * it when mounted (the root directory, 0700, keeps other host users out). 0, or -1 with err set. */
int ag_mcp_store_write(const char *path, const void *data, size_t n, char *err, size_t errlen);

#endif
