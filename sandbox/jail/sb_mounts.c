/* sb_mounts.c — fresh tmpfs root, read-only binds, pivot_root. */
#include "sb_mounts.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "sb_userns.h"
#include "sr_io.h"
#include "sb_phase.h"
#include "sr_log.h"

#define NEWROOT "/tmp"   /* mount point in our private mount namespace only */

/* host /etc files the libraries read; missing ones are skipped */
static const char *const etc_files[] = {
    "ld.so.cache", "nsswitch.conf", "mime.types", "os-release", "debian_version", "matplotlibrc",
};
static const char *const etc_dirs[] = {"alternatives", "python3", "python3.11", "fonts"};
static const char *const dev_nodes[] = {"null", "zero", "full", "random", "urandom"};
static const struct { const char *path, *target; } root_links[] = {
    {"bin", "usr/bin"}, {"sbin", "usr/sbin"}, {"lib", "usr/lib"}, {"lib64", "usr/lib64"},
    {"dev/fd", "/proc/self/fd"}, {"dev/stdin", "/proc/self/fd/0"},
    {"dev/stdout", "/proc/self/fd/1"}, {"dev/stderr", "/proc/self/fd/2"},
    {"dev/shm", "/tmp"},   /* POSIX semaphores (multiprocessing) live in the capped /tmp */
};

static int xmount(const char *src, const char *dst, const char *type, unsigned long flags,
                  const char *data)
{
    if (mount(src, dst, type, flags, data) < 0) {
        SR_PLOG("mount('%s', '%s', %s, 0x%lx)", src ? src : "none", dst, type ? type : "-", flags);
        return -1;
    }
    return 0;
}

/* Set attributes on a mount and everything below it. */
static int setattr_rec(const char *path, unsigned long long set)
{
    struct mount_attr a = {.attr_set = set};

    if (mount_setattr(AT_FDCWD, path, AT_RECURSIVE | AT_SYMLINK_NOFOLLOW, &a, sizeof a) < 0) {
        SR_PLOG("mount_setattr('%s', AT_RECURSIVE, 0x%llx)", path, set);
        return -1;
    }
    return 0;
}

static int xmkdir(const char *path, mode_t mode)
{
    if (mkdir(path, mode) < 0 && errno != EEXIST) {
        SR_PLOG("mkdir('%s')", path);
        return -1;
    }
    return 0;
}

static int touch(const char *path)
{
    int fd = open(path, O_WRONLY | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0444);

    if (fd < 0) {
        SR_PLOG("create mount point '%s'", path);
        return -1;
    }
    close(fd);
    return 0;
}

static int write_file(const char *path, const char *text)
{
    if (sr_write_file(path, O_CREAT | O_EXCL, text) < 0)
        return SR_PLOG("write '%s'", path), -1;
    return 0;
}

/* Attach a clone of the tree behind fd (file or directory) at dst, read-only. */
static int bind_fd(int fd, const char *dst, unsigned long long extra)
{
    struct stat st;
    int tree;

    if (fstat(fd, &st) < 0) {
        SR_PLOG("fstat(input fd %d)", fd);
        return -1;
    }
    if ((S_ISDIR(st.st_mode) ? xmkdir(dst, 0755) : touch(dst)) < 0)
        return -1;
    tree = open_tree(fd, "", OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC | AT_EMPTY_PATH | AT_RECURSIVE);
    if (tree < 0) {
        SR_PLOG("open_tree(for '%s')", dst);
        return -1;
    }
    if (move_mount(tree, "", AT_FDCWD, dst, MOVE_MOUNT_F_EMPTY_PATH) < 0) {
        SR_PLOG("move_mount(to '%s')", dst);
        close(tree);
        return -1;
    }
    close(tree);
    return setattr_rec(dst, MOUNT_ATTR_RDONLY | MOUNT_ATTR_NOSUID | MOUNT_ATTR_NODEV | extra);
}

/* Bind a host path read-only at dst if it exists on the host. */
static int bind_host(const char *src, const char *dst, unsigned long long extra)
{
    int fd = open(src, O_PATH | O_CLOEXEC), rc;

    if (fd < 0)
        return errno == ENOENT ? 0 : (SR_PLOG("open('%s', O_PATH)", src), -1);
    rc = bind_fd(fd, dst, extra);
    close(fd);
    return rc;
}

/* /proc files that tell a script about the host and that no script needs:
 * /dev/null goes over each, as container runtimes mask them. */
static const char *const masked[] = {
    NEWROOT "/proc/cmdline",                     /* the host kernel's command line */
    NEWROOT "/proc/sys/kernel/random/boot_id",   /* identifies the host's boot across runs */
    NEWROOT "/proc/config.gz",                   /* the host kernel's configuration */
};

static int mask_proc(void)
{
    for (size_t i = 0; i < sizeof masked / sizeof masked[0]; i++) {
        int tree;

        if (access(masked[i], F_OK) < 0)
            continue;   /* not on this kernel */
        tree = open_tree(AT_FDCWD, "/dev/null", OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC);
        if (tree < 0)
            return SR_PLOG("open_tree('/dev/null')"), -1;
        if (move_mount(tree, "", AT_FDCWD, masked[i], MOVE_MOUNT_F_EMPTY_PATH) < 0) {
            SR_PLOG("move_mount(/dev/null over '%s')", masked[i]);
            close(tree);
            return -1;
        }
        close(tree);
    }
    return 0;
}

static int setup_etc(void)
{
    char src[256], dst[256], link[256];
    ssize_t n;
    size_t i;

    if (xmkdir(NEWROOT "/etc", 0755) < 0)
        return -1;
    for (i = 0; i < sizeof etc_files / sizeof *etc_files; i++) {
        snprintf(src, sizeof src, "/etc/%s", etc_files[i]);
        snprintf(dst, sizeof dst, NEWROOT "/etc/%s", etc_files[i]);
        if (bind_host(src, dst, MOUNT_ATTR_NOEXEC) < 0)
            return -1;
    }
    for (i = 0; i < sizeof etc_dirs / sizeof *etc_dirs; i++) {
        snprintf(src, sizeof src, "/etc/%s", etc_dirs[i]);
        snprintf(dst, sizeof dst, NEWROOT "/etc/%s", etc_dirs[i]);
        if (bind_host(src, dst, MOUNT_ATTR_NOEXEC) < 0)
            return -1;
    }
    /* the time zone: keep the host's symlink into /usr/share/zoneinfo */
    n = readlink("/etc/localtime", link, sizeof link - 1);
    if (n > 0) {
        link[n] = '\0';
        if (symlink(link, NEWROOT "/etc/localtime") < 0)
            return SR_PLOG("symlink(/etc/localtime)"), -1;
    }
    return write_file(NEWROOT "/etc/passwd",
                      "root:x:0:0:root:/nonexistent:/usr/sbin/nologin\n"
                      "sandbox:x:1000:1000:sandboxrun:/tmp:/bin/sh\n"
                      "nobody:x:65534:65534:nobody:/nonexistent:/usr/sbin/nologin\n") ||
           write_file(NEWROOT "/etc/group", "root:x:0:\nsandbox:x:1000:\nnogroup:x:65534:\n") ||
           write_file(NEWROOT "/etc/hosts", "127.0.0.1 localhost sandbox\n::1 localhost\n")
               ? -1 : 0;
}

static int setup_dev(void)
{
    char src[64], dst[64];

    if (xmkdir(NEWROOT "/dev", 0755) < 0)
        return -1;
    for (size_t i = 0; i < sizeof dev_nodes / sizeof *dev_nodes; i++) {
        snprintf(src, sizeof src, "/dev/%s", dev_nodes[i]);
        snprintf(dst, sizeof dst, NEWROOT "/dev/%s", dev_nodes[i]);
        if (touch(dst) < 0 || xmount(src, dst, NULL, MS_BIND, NULL) < 0)
            return -1;
        /* read-only: writing to a device node still works, but utime/chmod
         * on it would change the host's inode */
        if (setattr_rec(dst, MOUNT_ATTR_RDONLY | MOUNT_ATTR_NOSUID | MOUNT_ATTR_NOEXEC) < 0)
            return -1;
    }
    return 0;
}

static int setup_links(void)
{
    char path[128];

    for (size_t i = 0; i < sizeof root_links / sizeof *root_links; i++) {
        snprintf(path, sizeof path, NEWROOT "/%s", root_links[i].path);
        if (symlink(root_links[i].target, path) < 0) {
            SR_PLOG("symlink('%s')", path);
            return -1;
        }
    }
    return 0;
}

/* A writable, size- and inode-capped tmpfs that can never hold an executable. */
static int mount_scratch(const char *dst, unsigned long mb, unsigned long inodes, const char *mode)
{
    char opts[128];

    snprintf(opts, sizeof opts, "size=%lum,nr_inodes=%lu,mode=%s", mb, inodes, mode);
    if (xmkdir(dst, 0755) < 0)
        return -1;
    return xmount("tmpfs", dst, "tmpfs", MS_NOSUID | MS_NODEV | MS_NOEXEC, opts);
}

static int setup_work(const struct sb_mount_cfg *cfg)
{
    char dst[512];

    if (xmkdir(NEWROOT "/work", 0755) < 0)
        return -1;
    for (size_t i = 0; i < cfg->ninputs; i++) {
        snprintf(dst, sizeof dst, NEWROOT "/work/%s", cfg->inputs[i].name);
        if (bind_fd(cfg->inputs[i].fd, dst, MOUNT_ATTR_NOEXEC) < 0)
            return -1;
    }
    if (cfg->scripts_fd >= 0 && bind_fd(cfg->scripts_fd, NEWROOT "/sandboxrun", MOUNT_ATTR_NOEXEC) < 0)
        return -1;
    return 0;
}

static int pivot(void)
{
    if (chdir(NEWROOT) < 0)
        return SR_PLOG("chdir(new root)"), -1;
    if (syscall(SYS_pivot_root, ".", ".") < 0)
        return SR_PLOG("pivot_root('.', '.')"), -1;
    if (umount2(".", MNT_DETACH) < 0)
        return SR_PLOG("umount2(old root, MNT_DETACH)"), -1;
    if (chdir("/") < 0)
        return SR_PLOG("chdir('/')"), -1;
    return 0;
}

int sb_mounts_open_sources(struct sb_mount_cfg *cfg)
{
    for (size_t i = 0; i < cfg->ninputs; i++) {
        cfg->inputs[i].fd = open(cfg->inputs[i].path, O_PATH | O_CLOEXEC);
        if (cfg->inputs[i].fd < 0)
            return SR_PLOG("open input '%s'", cfg->inputs[i].path), -1;
    }
    cfg->scripts_fd = -1;
    if (cfg->scripts_dir) {
        cfg->scripts_fd = open(cfg->scripts_dir, O_PATH | O_DIRECTORY | O_CLOEXEC);
        if (cfg->scripts_fd < 0)
            return SR_PLOG("open scripts directory '%s'", cfg->scripts_dir), -1;
    }
    return 0;
}

int sb_mounts_setup(const struct sb_mount_cfg *cfg, int *out_fd)
{
    *out_fd = -1;
    /* nothing we mount may propagate back to the host */
    if (xmount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) < 0 ||
        xmount("tmpfs", NEWROOT, "tmpfs", MS_NOSUID | MS_NODEV, "size=4m,nr_inodes=4096,mode=0755") < 0)
        return -1;
    sb_phase("m.private+root");
    if (xmkdir(NEWROOT "/usr", 0755) < 0 || bind_host("/usr", NEWROOT "/usr", 0) < 0)
        return -1;
    sb_phase("m.usr");
    if (setup_etc() < 0 || (sb_phase("m.etc"), 0) || setup_dev() < 0 || (sb_phase("m.dev"), 0) ||
        setup_work(cfg) < 0)
        return -1;
    sb_phase("m.work");
    if (xmkdir(NEWROOT "/proc", 0555) < 0 ||
        xmount("proc", NEWROOT "/proc", "proc", MS_NOSUID | MS_NODEV | MS_NOEXEC, NULL) < 0 || mask_proc() < 0 ||
        setattr_rec(NEWROOT "/proc", MOUNT_ATTR_RDONLY) < 0)
        return -1;
    sb_phase("m.proc");
    if (mount_scratch(NEWROOT "/tmp", cfg->tmp_mb, cfg->max_inodes, "1777") < 0 ||
        mount_scratch(NEWROOT "/out", cfg->out_mb, cfg->max_inodes, "0755") < 0)
        return -1;
    if (setup_links() < 0)
        return -1;
    sb_phase("m.tmp+out+links");
    *out_fd = open(NEWROOT "/out", O_PATH | O_DIRECTORY | O_CLOEXEC);
    if (*out_fd < 0)
        return SR_PLOG("open(/out, O_PATH)"), -1;
    if (pivot() < 0)
        return -1;
    sb_phase("m.pivot");
    /* finally the root itself (and /etc, /dev's directory, /work's) goes read-only */
    return xmount(NULL, "/", NULL, MS_REMOUNT | MS_BIND | MS_RDONLY | MS_NOSUID | MS_NODEV, NULL);
}
