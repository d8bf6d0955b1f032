/* sb_mounts — the worker's fresh root.
 *
 *   /            tmpfs, read-only once built
 *   /usr         host /usr, read-only, recursively   (/bin /lib /lib64 /sbin: symlinks into it)
 *   /etc         generated passwd, group, hosts; read-only binds of the few files
 *                the libraries read (ld.so.cache, alternatives, localtime, ...)
 *   /proc        a new procfs for the new pid namespace, read-only
 *   /dev         null zero full random urandom (binds), fd/std* symlinks, shm -> /tmp
 *   /work        the inputs, read-only, each through an overlay of its own
 *   /sandboxrun  the in-jail helper scripts, read-only, the same way
 *   /tmp, /out   size-capped tmpfs, nosuid,nodev,noexec
 * Then pivot_root into it and detach the old root. */
#ifndef SB_MOUNTS_H
#define SB_MOUNTS_H

#include <stddef.h>

#define SB_MAX_INPUTS 64

struct sb_mount_input {
    const char *path;    /* host file or directory */
    const char *name;    /* its name under /work */
    int fd;              /* O_PATH fd, opened by sb_mounts_open_sources */
    int tree;            /* a detached read-only overlay of the directory (or of a
                            file's parent), or -1: then fd is bound as it is */
    char leaf[256];      /* a file's name in tree's root; "" for a directory */
};

struct sb_mount_cfg {
    struct sb_mount_input inputs[SB_MAX_INPUTS];
    size_t ninputs;
    const char *scripts_dir; /* the in-jail helper scripts, or NULL */
    struct sb_mount_input scripts;
    char weak[256];          /* set when a host path had to be bound as it is */
    unsigned long tmp_mb;    /* size caps of the writable tmpfs mounts */
    unsigned long out_mb;
    unsigned long max_inodes;
};

/* Open the inputs and the scripts directory (O_PATH) in the worker's new
 * mount namespace, with the caller's file access, before the worker changes
 * identity: a tree can only be cloned from the namespace it lives in. Each
 * becomes a detached overlay (lower layers /proc/self/fd/N and an empty
 * tmpfs), so that /proc/self/mountinfo shows "/" (a file: "/its-name") as
 * its root and no host path; where overlayfs refuses one, it is bound as it
 * is and cfg->weak says so. */
int sb_mounts_open_sources(struct sb_mount_cfg *cfg);
/* Build the root and pivot into it. On success *out_fd is an O_PATH fd of the
 * /out tmpfs, which the supervisor keeps to collect files after the run.
 * 0, or -1 after logging the failed call. */
int sb_mounts_setup(const struct sb_mount_cfg *cfg, int *out_fd);

#endif
