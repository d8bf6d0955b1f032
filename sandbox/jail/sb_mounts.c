/* sb_mounts.c — fresh tmpfs root, read-only binds, pivot_root. */
#include "sb_mounts.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
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
    SR_AUTOCLOSE int fd = open(path, O_WRONLY | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0444);

    if (fd < 0) {
        SR_PLOG("create mount point '%s'", path);
        return -1;
    }
    return 0;
}

static int write_file(const char *path, const char *text)
{
    if (sr_write_file(path, O_CREAT | O_EXCL, text) < 0)
        return SR_PLOG("write '%s'", path), -1;
    return 0;
}

/* Attach the detached mount tree at dst (a directory, or a file when
 * is_dir is 0), read-only, recursively. */
static int attach(int tree, int is_dir, const char *dst, unsigned long long extra)
{
    if ((is_dir ? xmkdir(dst, 0755) : touch(dst)) < 0)
        return -1;
    if (move_mount(tree, "", AT_FDCWD, dst, MOVE_MOUNT_F_EMPTY_PATH) < 0) {
        SR_PLOG("move_mount(to '%s')", dst);
        return -1;
    }
    return setattr_rec(dst, MOUNT_ATTR_RDONLY | MOUNT_ATTR_NOSUID | MOUNT_ATTR_NODEV | extra);
}

/* Attach a clone of the tree behind fd (file or directory) at dst, read-only. */
static int bind_fd(int fd, const char *dst, unsigned long long extra)
{
    struct stat st;
    SR_AUTOCLOSE int tree = -1;

    if (fstat(fd, &st) < 0) {
        SR_PLOG("fstat(input fd %d)", fd);
        return -1;
    }
    tree = open_tree(fd, "", OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC | AT_EMPTY_PATH | AT_RECURSIVE);
    if (tree < 0) {
        SR_PLOG("open_tree(for '%s')", dst);
        return -1;
    }
    return attach(tree, S_ISDIR(st.st_mode), dst, extra);
}

/* Bind a host path read-only at dst if it exists on the host. */
static int bind_host(const char *src, const char *dst, unsigned long long extra)
{
    SR_AUTOCLOSE int fd = open(src, O_PATH | O_CLOEXEC);

    if (fd < 0)
        return errno == ENOENT ? 0 : (SR_PLOG("open('%s', O_PATH)", src), -1);
    return bind_fd(fd, dst, extra);
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
        SR_AUTOCLOSE int tree = -1;

        if (access(masked[i], F_OK) < 0)
            continue;   /* not on this kernel */
        tree = open_tree(AT_FDCWD, "/dev/null", OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC);
        if (tree < 0)
            return SR_PLOG("open_tree('/dev/null')"), -1;
        if (move_mount(tree, "", AT_FDCWD, masked[i], MOVE_MOUNT_F_EMPTY_PATH) < 0)
            return SR_PLOG("move_mount(/dev/null over '%s')", masked[i]), -1;
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

/* Whether st (seen through an overlay, which gives its own st_dev) is the
 * regular file behind fd: the inode number is unique on its file system
 * while fd holds the file, and the change time says it is not a namesake
 * on another one. */
static int same_file(int fd, const struct stat *st)
{
    struct stat want;

    return fstat(fd, &want) == 0 && S_ISREG(st->st_mode) && want.st_ino == st->st_ino &&
           want.st_size == st->st_size && want.st_ctim.tv_sec == st->st_ctim.tv_sec &&
           want.st_ctim.tv_nsec == st->st_ctim.tv_nsec;
}

/* Mount one input (or the scripts) at dst: its overlay (a file: the file
 * cloned from its parent's), or as it is. */
static int mount_input(const struct sb_mount_input *in, const char *dst)
{
    if (in->tree < 0)
        return bind_fd(in->fd, dst, MOUNT_ATTR_NOEXEC);
    return attach(in->tree, !in->leaf[0], dst, MOUNT_ATTR_NOEXEC);
}

static int setup_work(const struct sb_mount_cfg *cfg)
{
    char dst[512];

    if (xmkdir(NEWROOT "/work", 0755) < 0)
        return -1;
    for (size_t i = 0; i < cfg->ninputs; i++) {
        snprintf(dst, sizeof dst, NEWROOT "/work/%s", cfg->inputs[i].name);
        if (mount_input(&cfg->inputs[i], dst) < 0)
            return -1;
    }
    if (cfg->scripts_dir && mount_input(&cfg->scripts, NEWROOT "/sandboxrun") < 0)
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

/* An empty, read-only, detached tmpfs: the second lower layer of every
 * input's overlay (overlayfs without an upper layer takes two). */
static int empty_layer(void)
{
    SR_AUTOCLOSE int fs = fsopen("tmpfs", FSOPEN_CLOEXEC);
    int mnt = -1;

    if (fs >= 0 && fsconfig(fs, FSCONFIG_SET_STRING, "size", "4k", 0) == 0 &&
        fsconfig(fs, FSCONFIG_CMD_CREATE, NULL, NULL, 0) == 0)
        mnt = fsmount(fs, FSMOUNT_CLOEXEC, MOUNT_ATTR_RDONLY | MOUNT_ATTR_NOSUID | MOUNT_ATTR_NODEV);
    if (mnt < 0)
        SR_PLOG("fsmount(tmpfs, the empty layer)");
    return mnt;
}

/* A detached read-only overlay of the directory behind dir_fd. Its lower
 * layers are named /proc/self/fd/N, which is all that mountinfo then says
 * of them, and its root shows as "/". -1 with errno if overlayfs refuses. */
static int overlay_of(int dir_fd, int empty_fd)
{
    char lower[64];
    SR_AUTOCLOSE int fs = fsopen("overlay", FSOPEN_CLOEXEC);   /* sr_closep keeps errno */
    int mnt = -1;

    snprintf(lower, sizeof lower, "/proc/self/fd/%d:/proc/self/fd/%d", dir_fd, empty_fd);
    if (fs >= 0 && fsconfig(fs, FSCONFIG_SET_STRING, "lowerdir", lower, 0) == 0 &&
        fsconfig(fs, FSCONFIG_CMD_CREATE, NULL, NULL, 0) == 0)
        mnt = fsmount(fs, FSMOUNT_CLOEXEC, MOUNT_ATTR_RDONLY | MOUNT_ATTR_NOSUID | MOUNT_ATTR_NODEV |
                      MOUNT_ATTR_NOEXEC);
    return mnt;
}

/* The directory that holds the file behind fd (by its path now: clone_leaf
 * checks it is still that file), and the file's name in it. -1 if none. */
static int parent_of(int fd, char *leaf, size_t cap)
{
    char link[32], path[4096], *slash;
    ssize_t n;

    snprintf(link, sizeof link, "/proc/self/fd/%d", fd);
    n = readlink(link, path, sizeof path - 1);
    if (n <= 0 || (size_t)n >= sizeof path - 1 || path[0] != '/')
        return errno = ENOENT, -1;
    path[n] = '\0';
    slash = strrchr(path, '/');
    if (!slash[1] || strlen(slash + 1) >= cap)
        return errno = ENAMETOOLONG, -1;
    snprintf(leaf, cap, "%s", slash + 1);
    if (slash == path)
        slash++;
    *slash = '\0';
    return open(path, O_PATH | O_DIRECTORY | O_CLOEXEC);
}

/* The file leaf of the overlay of its parent directory (overlay), cloned
 * on its own: the overlay is attached at NEWROOT meanwhile (in our private
 * mount namespace, before the new root is built there), and the walk is
 * made with the caller's file access, as the open was. Checked to be the
 * very file opened as fd (the parent was found by its path). The clone,
 * or -1 (errno). */
static int clone_leaf(int overlay, int fd, const char *leaf)
{
    char path[sizeof NEWROOT + NAME_MAX + 2];
    struct stat got;
    int tree, err;

    if (move_mount(overlay, "", AT_FDCWD, NEWROOT, MOVE_MOUNT_F_EMPTY_PATH) < 0)
        return -1;
    snprintf(path, sizeof path, NEWROOT "/%s", leaf);
    tree = open_tree(AT_FDCWD, path, OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC | AT_SYMLINK_NOFOLLOW);
    err = errno;
    if (umount2(NEWROOT, MNT_DETACH) < 0) {
        SR_PLOG("umount2('%s', MNT_DETACH)", NEWROOT);
        return tree >= 0 ? close(tree), -1 : -1;
    }
    if (tree >= 0 && (fstat(tree, &got) < 0 || !same_file(fd, &got))) {
        close(tree);
        tree = -1, err = ESTALE;   /* not the file we opened (gone, or another under its name) */
    }
    errno = err;
    return tree;
}

/* in->tree: an overlay of in (a directory) or of its parent (a file, then
 * in->leaf); left -1 with a note in weak where overlayfs refuses it. */
static void overlay_input(struct sb_mount_input *in, int empty_fd, char *weak, size_t weaklen)
{
    struct stat st;
    SR_AUTOCLOSE int dir = -1;
    SR_AUTOCLOSE int overlay = -1;

    in->tree = -1;
    in->leaf[0] = '\0';
    if (fstat(in->fd, &st) < 0)
        return;   /* bind_fd says why */
    if (S_ISDIR(st.st_mode)) {
        in->tree = overlay_of(in->fd, empty_fd);
    } else if ((dir = parent_of(in->fd, in->leaf, sizeof in->leaf)) >= 0 &&
               (overlay = overlay_of(dir, empty_fd)) >= 0) {
        in->tree = clone_leaf(overlay, in->fd, in->leaf);
    }
    if (in->tree < 0) {
        in->leaf[0] = '\0';
        if (!weak[0])
            snprintf(weak, weaklen, "input %s is bound as it is, so its host path shows in /proc/self/mountinfo "
                     "(no overlay: %s)", in->name, strerror(errno));
    }
}

int sb_mounts_open_sources(struct sb_mount_cfg *cfg)
{
    SR_AUTOCLOSE int empty = -1;

    for (size_t i = 0; i < cfg->ninputs; i++) {
        cfg->inputs[i].fd = open(cfg->inputs[i].path, O_PATH | O_CLOEXEC);
        if (cfg->inputs[i].fd < 0)
            return SR_PLOG("open input '%s'", cfg->inputs[i].path), -1;
    }
    cfg->scripts = (struct sb_mount_input){.path = cfg->scripts_dir, .name = "/sandboxrun", .fd = -1, .tree = -1};
    if (cfg->scripts_dir) {
        cfg->scripts.fd = open(cfg->scripts_dir, O_PATH | O_DIRECTORY | O_CLOEXEC);
        if (cfg->scripts.fd < 0)
            return SR_PLOG("open scripts directory '%s'", cfg->scripts_dir), -1;
    }
    cfg->weak[0] = '\0';
    if (!cfg->ninputs && !cfg->scripts_dir)
        return 0;
    /* nothing we mount (clone_leaf's stage) may propagate back to the host */
    if (xmount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) < 0 || (empty = empty_layer()) < 0)
        return -1;
    for (size_t i = 0; i < cfg->ninputs; i++)
        overlay_input(&cfg->inputs[i], empty, cfg->weak, sizeof cfg->weak);
    if (cfg->scripts_dir)
        overlay_input(&cfg->scripts, empty, cfg->weak, sizeof cfg->weak);
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
