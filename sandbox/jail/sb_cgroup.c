/* sb_cgroup.c — per-run cgroups (v2, else v1, else none). */
#include "sb_cgroup.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "sr_buf.h"
#include "sr_caps.h"
#include "sr_io.h"
#include "sr_log.h"

#define MB (1024ULL * 1024ULL)

static const char *const v2_roots[] = {"/sys/fs/cgroup", "/sys/fs/cgroup/unified"};
static const char v1_mem[] = "/sys/fs/cgroup/memory";
static const char v1_pids[] = "/sys/fs/cgroup/pids";

static int write_at(const char *dir, const char *file, const char *val, int quiet_enoent)
{
    char path[PATH_MAX + 64];

    snprintf(path, sizeof path, "%s/%s", dir, file);
    if (sr_write_file(path, 0, val) == 0 || (quiet_enoent && errno == ENOENT))
        return 0;
    return SR_PLOG("write '%s' to %s", val, path), -1;
}

/* Read "key N" from a flat-keyed cgroup file; 0 if absent. */
static unsigned long long read_key(const char *dir, const char *file, const char *key)
{
    char path[PATH_MAX + 64];
    struct sr_buf b;
    unsigned long long v = 0;
    size_t kl = strlen(key);

    snprintf(path, sizeof path, "%s/%s", dir, file);
    if (sr_read_file(path, SB_CGROUP_FILE_MAX, &b) == 0 && b.data) {
        for (char *l = b.data; l && *l; l = strchr(l, '\n') ? strchr(l, '\n') + 1 : NULL) {
            if (!key[0] || (strncmp(l, key, kl) == 0 && l[kl] == ' ')) {
                v = strtoull(key[0] ? l + kl + 1 : l, NULL, 10);
                break;
            }
        }
    }
    sr_buf_reset(&b);
    return v;
}

static int has_word(const char *file, const char *word)
{
    struct sr_buf b;
    int found = 0;

    if (sr_read_file(file, SB_CGROUP_LIST_MAX, &b) == 0 && b.data) {
        for (char *t = b.data; (t = strstr(t, word)); t++) {
            size_t n = strlen(word);
            if ((t == b.data || t[-1] == ' ') && (t[n] == ' ' || t[n] == '\n' || !t[n])) {
                found = 1;
                break;
            }
        }
    }
    sr_buf_reset(&b);
    return found;
}

static int make_dir(const char *parent, const char *name, char *out, size_t outlen)
{
    snprintf(out, outlen, "%s/%s", parent, name);
    if (mkdir(out, 0755) < 0 && errno != EEXIST) {
        SR_PLOG("mkdir(%s)", out);
        return -1;
    }
    return 0;
}

/* Remove run-PID-* cgroups whose supervisor PID is gone (it was killed
 * outright and could not clean up); an empty cgroup's rmdir just works. */
static void sweep_stale(const char *base)
{
    DIR *d = opendir(base);
    struct dirent *de;
    char path[PATH_MAX];

    if (!d)
        return;
    while ((de = readdir(d))) {
        long pid;
        if (strncmp(de->d_name, "run-", 4) != 0 || (pid = strtol(de->d_name + 4, NULL, 10)) <= 1)
            continue;
        if (kill((pid_t)pid, 0) == 0 || errno != ESRCH)
            continue;
        snprintf(path, sizeof path, "%s/%s", base, de->d_name);
        rmdir(path);
    }
    closedir(d);
}

static void run_name(char *name, size_t len)
{
    static unsigned counter;   /* atomically: the daemon creates cgroups from several threads */
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    snprintf(name, len, "run-%d-%u-%ld", (int)getpid(), __atomic_fetch_add(&counter, 1, __ATOMIC_RELAXED),
             (long)ts.tv_nsec);
}

static int create_v2(struct sb_cgroup *cg, const char *root, unsigned long mem_mb, unsigned long pids)
{
    char base[PATH_MAX], name[64], val[32];

    if (write_at(root, "cgroup.subtree_control", "+memory +pids", 0) < 0 ||
        make_dir(root, "sandboxrun", base, sizeof base) < 0 ||
        write_at(base, "cgroup.subtree_control", "+memory +pids", 0) < 0)
        return -1;
    sweep_stale(base);
    run_name(name, sizeof name);
    if (make_dir(base, name, cg->mem, sizeof cg->mem) < 0)
        return -1;
    cg->kind = SB_CG_V2;
    snprintf(val, sizeof val, "%llu", mem_mb * MB);
    if (write_at(cg->mem, "memory.max", val, 0) < 0 || write_at(cg->mem, "memory.swap.max", "0", 1) < 0)
        return -1;
    snprintf(val, sizeof val, "%lu", pids);
    return pids ? write_at(cg->mem, "pids.max", val, 0) : 0;
}

static int create_v1(struct sb_cgroup *cg, unsigned long mem_mb, unsigned long pids)
{
    char base[PATH_MAX], name[64], val[32];

    run_name(name, sizeof name);
    if (make_dir(v1_mem, "sandboxrun", base, sizeof base) < 0)
        return -1;
    sweep_stale(base);
    if (make_dir(base, name, cg->mem, sizeof cg->mem) < 0)
        return -1;
    cg->kind = SB_CG_V1;
    snprintf(val, sizeof val, "%llu", mem_mb * MB);
    if (write_at(cg->mem, "memory.limit_in_bytes", val, 0) < 0 ||
        write_at(cg->mem, "memory.memsw.limit_in_bytes", val, 1) < 0)
        return -1;
    if (!pids || access(v1_pids, W_OK) < 0)
        return 0;
    if (make_dir(v1_pids, "sandboxrun", base, sizeof base) < 0)
        return -1;
    sweep_stale(base);
    if (make_dir(base, name, cg->pids, sizeof cg->pids) < 0)
        return -1;
    snprintf(val, sizeof val, "%lu", pids);
    return write_at(cg->pids, "pids.max", val, 0);
}

int sb_cgroup_create(struct sb_cgroup *cg, unsigned long mem_mb, unsigned long pids)
{
    char ctl[PATH_MAX];
    int rc;

    memset(cg, 0, sizeof *cg);
    for (size_t i = 0; i < sizeof v2_roots / sizeof *v2_roots; i++) {
        snprintf(ctl, sizeof ctl, "%s/cgroup.controllers", v2_roots[i]);
        if (has_word(ctl, "memory") && access(v2_roots[i], W_OK) == 0) {
            rc = create_v2(cg, v2_roots[i], mem_mb, pids);
            if (rc < 0)
                sb_cgroup_destroy(cg);
            return rc;
        }
    }
    snprintf(ctl, sizeof ctl, "%s/memory.limit_in_bytes", v1_mem);
    if (access(ctl, F_OK) == 0 && access(v1_mem, W_OK) == 0) {
        rc = create_v1(cg, mem_mb, pids);
        if (rc < 0)
            sb_cgroup_destroy(cg);
        return rc;
    }
    return 1;
}

int sb_cgroup_dir_fd(const struct sb_cgroup *cg)
{
    int fd;

    if (cg->kind != SB_CG_V2)
        return -1;
    fd = open(cg->mem, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0)
        SR_PLOG("open(%s)", cg->mem);
    return fd;
}

int sb_cgroup_add(const struct sb_cgroup *cg, pid_t pid)
{
    char val[24];

    snprintf(val, sizeof val, "%d", (int)pid);
    if (cg->kind == SB_CG_NONE)
        return 0;
    if (write_at(cg->mem, "cgroup.procs", val, 0) < 0)
        return -1;
    return cg->pids[0] ? write_at(cg->pids, "cgroup.procs", val, 0) : 0;
}

void sb_cgroup_stats(const struct sb_cgroup *cg, int *oom_killed, unsigned long *peak_kb, int *pids_hit)
{
    *oom_killed = 0;
    *peak_kb = 0;
    *pids_hit = 0;
    if (cg->kind == SB_CG_V2) {
        *oom_killed = read_key(cg->mem, "memory.events", "oom_kill") > 0;
        *peak_kb = (unsigned long)(read_key(cg->mem, "memory.peak", "") / 1024);
        *pids_hit = read_key(cg->mem, "pids.events", "max") > 0;
    } else if (cg->kind == SB_CG_V1) {
        *oom_killed = read_key(cg->mem, "memory.oom_control", "oom_kill") > 0;
        *peak_kb = (unsigned long)(read_key(cg->mem, "memory.max_usage_in_bytes", "") / 1024);
        if (cg->pids[0])
            *pids_hit = read_key(cg->pids, "pids.events", "max") > 0;
    }
}

/* SIGKILL every pid listed in dir/cgroup.procs; returns how many were listed. */
static int kill_listed(const char *dir)
{
    char path[PATH_MAX + 32];
    struct sr_buf b;
    int n = 0;

    snprintf(path, sizeof path, "%s/cgroup.procs", dir);
    if (sr_read_file(path, SB_CGROUP_PROCS_MAX, &b) == 0 && b.data) {
        for (char *l = b.data; *l; l = strchr(l, '\n') ? strchr(l, '\n') + 1 : l + strlen(l)) {
            long pid = strtol(l, NULL, 10);
            if (pid > 1 && kill((pid_t)pid, SIGKILL) == 0)
                n++;
        }
    }
    sr_buf_reset(&b);
    return n;
}

/* Remove a cgroup directory, killing stragglers for up to ~1 s. */
static void remove_dir(const char *dir, int v2)
{
    struct timespec pause = {0, 10 * 1000 * 1000};

    if (!dir[0])
        return;
    if (v2)
        write_at(dir, "cgroup.kill", "1", 1);
    for (int i = 0; i < 100; i++) {
        if (rmdir(dir) == 0 || errno == ENOENT)
            return;
        if (errno != EBUSY)
            break;
        kill_listed(dir);
        nanosleep(&pause, NULL);
    }
    SR_PLOG("rmdir(%s)", dir);
}

void sb_cgroup_destroy(struct sb_cgroup *cg)
{
    if (cg->kind == SB_CG_NONE)
        return;
    remove_dir(cg->mem, cg->kind == SB_CG_V2);
    remove_dir(cg->pids, 0);
    cg->kind = SB_CG_NONE;
    cg->mem[0] = cg->pids[0] = '\0';
}

const char *sb_cgroup_kind_name(enum sb_cg_kind kind)
{
    return kind == SB_CG_V2 ? "cgroup2" : kind == SB_CG_V1 ? "cgroup1" : "rlimit";
}
