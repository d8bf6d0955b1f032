/* sb_zygote.c — pre-imported interpreter that clones jailed workers on demand. */
#include "sb_zygote.h"

#include <cjson/cJSON.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "sb_chan.h"
#include "sb_frame.h"
#include "sb_image.h"
#include "sb_phase.h"
#include "sb_policy.h"
#include "sb_python.h"
#include "sb_seccomp.h"
#include "sr_io.h"
#include "sr_log.h"
#include "sr_paths.h"

#define ZYGOTE_FD 3
#define SPAWN_FDS (SB_FD_CTL + 1)   /* stdin, stdout, stderr, report, chan, ctl */
#define START_DEADLINE_MS 120000
/* once a dropped zygote is gone, its workers answer within microseconds;
 * a starved machine may take seconds */
#define LATE_ANSWER_MS 10000
#define CLONE_NS (CLONE_NEWUSER | CLONE_NEWPID | CLONE_NEWNS | CLONE_NEWNET | CLONE_NEWIPC | CLONE_NEWUTS)

int sb_zygote_preload_ok(const char *list)
{
    for (const char *p = list; *p; p++)
        if (!(*p == ',' || *p == '.' || *p == '_' || (*p >= '0' && *p <= '9') ||
              (*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z')))
            return 0;
    return 1;
}

/* ---- in the worker: one request, then gone ------------------------------------- */

/* argv for the script from the request: [filename, args...] */
static int request_argv(const cJSON *req, char **argv, int max)
{
    const cJSON *file = cJSON_GetObjectItemCaseSensitive(req, "filename"), *a;
    int n = 0;

    argv[n++] = cJSON_IsString(file) ? file->valuestring : "script.py";
    cJSON_ArrayForEach(a, cJSON_GetObjectItemCaseSensitive(req, "args")) {
        if (n < max - 1 && cJSON_IsString(a))
            argv[n++] = a->valuestring;
    }
    argv[n] = NULL;
    return n;
}

/* The request's "env" object as "NAME=VALUE" strings in env (NULL-terminated;
 * the daemon validated them). Free with free_env. */
static void request_env(const cJSON *req, char **env, size_t max)
{
    const cJSON *e;
    size_t n = 0;

    cJSON_ArrayForEach(e, cJSON_GetObjectItemCaseSensitive(req, "env")) {
        if (n + 1 < max && cJSON_IsString(e) && asprintf(&env[n], "%s=%s", e->string, e->valuestring) >= 0)
            n++;
    }
    env[n] = NULL;
}

/* The request's own variables (NULL-ended env) on top of the jail's
 * environment, which the warm-up set: nothing to do without any. 0 or -1. */
static int add_env(char *const *env)
{
    return env[0] ? sb_python_environ(env) : 0;
}

static void free_env(char **env)
{
    for (; *env; env++)
        free(*env);
}

/* CPU seconds of this process and the children it waited for. */
static double cpu_now(long *max_rss)
{
    struct rusage self, kids;

    getrusage(RUSAGE_SELF, &self);
    getrusage(RUSAGE_CHILDREN, &kids);
    if (max_rss)
        *max_rss = self.ru_maxrss > kids.ru_maxrss ? self.ru_maxrss : kids.ru_maxrss;
    return (double)(self.ru_utime.tv_sec + self.ru_stime.tv_sec + kids.ru_utime.tv_sec + kids.ru_stime.tv_sec) +
           (double)(self.ru_utime.tv_usec + self.ru_stime.tv_usec + kids.ru_utime.tv_usec + kids.ru_stime.tv_usec) / 1e6;
}

/* The request's CPU time (not the warm-up's) and peak RSS, so the daemon can
 * answer before it reaps the worker. */
static void add_usage(cJSON *done, double cpu_start)
{
    long rss;
    double cpu = cpu_now(&rss) - cpu_start;

    cJSON_AddNumberToObject(done, "cpu", cpu);
    cJSON_AddNumberToObject(done, "maxRssKb", (double)rss);
}

/* Whether this process is the only one of the run besides init, with a
 * single thread: then, once it exits, nothing can write to /out any more. */
static int alone(void)
{
    DIR *d = opendir("/proc");
    struct dirent *de;
    int pids = 0, threads = 0;
    char line[128];
    FILE *f;

    if (!d)
        return 0;
    while ((de = readdir(d)))
        pids += de->d_name[0] >= '1' && de->d_name[0] <= '9';
    closedir(d);
    f = fopen("/proc/self/status", "re");
    while (f && fgets(line, sizeof line, f))
        if (strncmp(line, "Threads:", 8) == 0)
            threads = (int)strtol(line + 8, NULL, 10);
    if (f)
        fclose(f);
    return pids == 2 && threads == 1;
}

static sb_zygote_session_fn session_runner;   /* what a worker asked for a session becomes */

/* The script process of a warm worker: wait for the one request, run it
 * (or become the session it asks for). */
static int warm_runner(struct sb_jail *j)
{
    struct sr_buf b;
    cJSON *req, *done;
    char *argv[SB_MAX_ARGS + 2], *env[SR_ENV_MAX_VARS + 1], *error = NULL, *out;
    const cJSON *code;
    int argc, status = 2;
    double cpu_start;

    (void)j;
    /* os.environ is the zygote's: the jail's now, as sb_python_init sets it
     * in a cold run, so the warm-up sees it; a request's own variables are
     * added when it comes */
    if (sb_python_environ(NULL) < 0 || sb_python_warm_up() < 0)
        return 120;
    sb_phase("s.warmed");
    sr_buf_init(&b, SB_REQUEST_MAX);
    if (sb_frame_read(SB_FD_CTL, &b, SB_REQUEST_MAX) <= 0)
        return 121;   /* the daemon went away before using us */
    sb_phase("s.request");
    cpu_start = cpu_now(NULL);
    req = cJSON_ParseWithLength(b.data, b.len);
    sr_buf_reset(&b);
    code = cJSON_GetObjectItemCaseSensitive(req, "code");
    argc = request_argv(req, argv, SB_MAX_ARGS + 2);
    request_env(req, env, SR_ENV_MAX_VARS + 1);
    if (cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(req, "session"))) {
        /* argv and the environment as a cold session's sb_python_init sets them */
        status = sb_python_set_argv(argc, argv) == 0 && add_env(env) == 0 ? session_runner() : 120;
        free_env(env);
        cJSON_Delete(req);
        return status;
    }
    if (cJSON_IsString(code) && sb_python_set_argv(argc, argv) == 0 && add_env(env) == 0 &&
        (sb_phase("s.argv+environ"), 1))
        status = sb_python_exec(code->valuestring, argv[0],
                                cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(req, "display")), &error);
    sb_phase("s.ran");
    sb_python_atexit();
    sb_python_flush();
    done = cJSON_CreateObject();
    cJSON_AddNumberToObject(done, "status", status);
    add_usage(done, cpu_start);
    cJSON_AddBoolToObject(done, "alone", alone());
    sb_phase("s.reported");
    if (*sb_phase_buffered())
        cJSON_AddStringToObject(done, "phases", sb_phase_buffered());
    if (error)
        cJSON_AddItemToObject(done, "error", cJSON_Parse(error));
    out = cJSON_PrintUnformatted(done);
    if (out)
        (void)sb_frame_write(SB_FD_REPORT, out);
    free(out);
    free(error);
    free_env(env);
    cJSON_Delete(done);
    cJSON_Delete(req);
    return status;
}

/* ---- the zygote process -------------------------------------------------------- */

static unsigned long get_ulong(const cJSON *o, const char *key)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, key);

    return cJSON_IsNumber(v) && v->valuedouble >= 0 ? (unsigned long)v->valuedouble : 0;
}

/* Fill j from a spawn request (strings point into cfg, fds are the received ones). */
static int init_fd = -1;   /* sandboxrun-init, opened once */

static int fill_from_request(struct sb_jail *j, const cJSON *cfg, const int *fds, const char *scripts)
{
    const cJSON *in;
    size_t n = 0;

    sb_userns_given_ids(&j->ids, get_ulong(cfg, "hostUid"));   /* the daemon holds its claim */
    j->mounts.tmp_mb = get_ulong(cfg, "tmpMb");
    j->mounts.out_mb = get_ulong(cfg, "outMb");
    j->mounts.max_inodes = get_ulong(cfg, "maxInodes");
    j->mounts.scripts_dir = scripts;
    j->fds.threads = get_ulong(cfg, "threads");
    j->limits.cpu_s = get_ulong(cfg, "cpu");
    j->limits.data_mb = get_ulong(cfg, "dataMb");
    j->limits.nproc = get_ulong(cfg, "nproc");
    j->limits.fsize_mb = get_ulong(cfg, "fsizeMb");
    j->limits.nofile = 1024;
    j->cgroupns = 1;
    cJSON_ArrayForEach(in, cJSON_GetObjectItemCaseSensitive(cfg, "inputs")) {
        const cJSON *p = cJSON_GetObjectItemCaseSensitive(in, "path");
        const cJSON *nm = cJSON_GetObjectItemCaseSensitive(in, "name");
        if (n == SB_MAX_INPUTS || !cJSON_IsString(p) || !cJSON_IsString(nm))
            return -1;
        j->mounts.inputs[n].path = p->valuestring;
        j->mounts.inputs[n].name = nm->valuestring;
        j->mounts.inputs[n++].fd = -1;
    }
    j->mounts.ninputs = n;
    for (int i = 0; i < SPAWN_FDS; i++)
        j->fds.fd[i] = fds[i];
    j->fds.fd[SB_FD_OUTDIR] = -1;
    j->fds.fd[SB_FD_INIT] = init_fd;
    j->runner = warm_runner;
    return 0;
}

/* In a fresh worker: answer its spawn on the zygote's channel (the kernel
 * adds our pid). A transient shortage is waited out: an answer lost would
 * leave this worker unknown and the zygote dropped. 0 or -1. */
static int answer_spawn(int in_cgroup)
{
    struct timespec ms = {0, 1000 * 1000};
    int rc;

    for (int i = 0; (rc = sb_chan_send(ZYGOTE_FD, SB_MSG_PID, &in_cgroup, sizeof in_cgroup, NULL, 0)) < 0 &&
                    (errno == ENOBUFS || errno == ENOMEM || errno == EAGAIN) && i < 100; i++)
        nanosleep(&ms, NULL);
    return rc;
}

/* One spawn request: clone the worker as the daemon's child (into the run's
 * cgroup when its directory came as a 7th fd). The worker itself answers,
 * first thing: the kernel gives the daemon its pid with the message, so a
 * zygote killed right after the clone cannot leave a worker nobody knows;
 * the zygote names it too, so a worker killed before it answers (by the
 * OOM killer, say) is reaped, not left a zombie. */
static void serve_spawn(const char *payload, size_t len, int *fds, int nfds, const struct sb_bpf *filter,
                        const char *scripts)
{
    cJSON *cfg = cJSON_ParseWithLength(payload, len);
    struct sb_jail j;
    int in_cgroup = 0;
    int cg_fd = nfds == SPAWN_FDS + 1 ? fds[SPAWN_FDS] : -1;
    pid_t pid = -1;

    memset(&j, 0, sizeof j);
    j.filter = filter;
    if ((nfds == SPAWN_FDS || cg_fd >= 0) && cfg && fill_from_request(&j, cfg, fds, scripts) == 0) {
        sb_phase("zy.request");
        sb_python_before_fork();
        pid = sb_jail_clone(CLONE_PARENT | CLONE_NS, &j.ids, cg_fd, &in_cgroup);
        if (pid == 0) {
            if (answer_spawn(in_cgroup) < 0)
                _exit(127);   /* the daemon hung up: it waits for no worker */
            close(ZYGOTE_FD);
            sb_python_after_fork(1);
            if (cg_fd >= 0)
                close(cg_fd);
            sb_jail_init_main(&j);
        }
        sb_python_after_fork(0);
        sb_phase("zy.cloned");
        /* the daemon waits for this too: by it, a worker that dies before
         * its own answer is reaped (a failed send: the daemon is gone) */
        if (pid > 0)
            (void)sb_chan_send(ZYGOTE_FD, SB_MSG_CLONED, &pid, sizeof pid, NULL, 0);
    }
    for (int i = 0; i < nfds; i++)
        close(fds[i]);
    if (pid < 0)
        sb_chan_send(ZYGOTE_FD, SB_MSG_ERROR, strerror(errno), strlen(strerror(errno)), NULL, 0);
    cJSON_Delete(cfg);
}

/* Compile the policy once; every worker installs the same program. */
static int zygote_filter(const char *policy, struct sb_bpf *b)
{
    return sb_seccomp_compile_file(policy, seccomp_api_get() >= 5, b);
}

/* The zygote's options, the first message on its channel rather than its
 * command line: every worker's /proc/self/cmdline is the zygote's, and it
 * then names no host path (the policy, the scripts, the warm-up file). */
static cJSON *read_options(const char **preload, const char **policy, const char **scripts, const char **warmup)
{
    char buf[SB_CHAN_MAX_PAYLOAD + 1];
    int type;
    ssize_t n = sb_chan_recv(ZYGOTE_FD, &type, buf, SB_CHAN_MAX_PAYLOAD, NULL, NULL);
    cJSON *o = n > 0 && type == SB_MSG_CONFIG ? cJSON_ParseWithLength(buf, (size_t)n) : NULL;
    const char **dst[] = {preload, policy, scripts, warmup};
    static const char *const keys[] = {"preload", "policy", "scripts", "warmup"};

    for (size_t i = 0; o && i < sizeof keys / sizeof *keys; i++) {
        const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, keys[i]);
        if (cJSON_IsString(v))
            *dst[i] = v->valuestring;
    }
    return o;
}

/* Back the zygote's anonymous memory (the imported heap) with huge pages
 * where the kernel can (MADV_COLLAPSE, Linux 6.1): each clone then copies
 * one page-table entry per 2 MiB instead of 512, and a worker's exit frees
 * as few. A worker's first write to a shared huge page splits only its own
 * mapping. Best effort: an older kernel or a failed collapse changes
 * nothing but the speed. */
#ifndef MADV_COLLAPSE
#define MADV_COLLAPSE 25   /* <linux/mman.h> of 6.1; glibc 2.36 lacks it */
#endif
static void collapse_heap(void)
{
    const uintptr_t huge = 2UL << 20;
    char line[512], perms[8], path[256];
    uintptr_t lo, hi;
    FILE *f = fopen("/proc/self/maps", "re");

    while (f && fgets(line, sizeof line, f)) {
        path[0] = '\0';
        if (sscanf(line, "%lx-%lx %7s %*s %*s %*s %255s", &lo, &hi, perms, path) < 3 || perms[0] != 'r' ||
            perms[1] != 'w' || perms[3] != 'p' || (path[0] && strcmp(path, "[heap]") != 0))
            continue;
        lo = (lo + huge - 1) & ~(huge - 1);
        hi &= ~(huge - 1);
        if (hi > lo)
            madvise((void *)lo, hi - lo, MADV_COLLAPSE);
    }
    if (f)
        fclose(f);
}

/* The imported memory into a read-only file mapped privately (sb_image.h):
 * a clone then copies none of it. Where that fails, huge pages at least. */
static void freeze_image(void)
{
    struct sb_image_stats st;

    if (sb_image_freeze(&st) < 0) {
        SR_PLOG("zygote: moving the imported memory into a read-only file (%zu mappings moved)", st.mappings);
        collapse_heap();
    } else if (st.kind == SB_IMAGE_MEMFD) {
        SR_WARN("zygote: the image is a sealed memfd, huge pages only as shmem_enabled allows: "
                "no tmpfs of its own (%s)", strerror(st.tmpfs_errno));
    }
}

int sb_zygote_main(int argc, char **argv, sb_zygote_session_fn session)
{
    const char *preload = SB_ZYGOTE_DEFAULT_PRELOAD, *policy = NULL, *scripts = NULL, *warmup = NULL;
    char *pyargv[] = {"<warm>", NULL};
    struct sb_pyjob job = {.argc = 1, .argv = pyargv, .extra_path = SB_PY_SCRIPTS_MOUNT, .filename = "<warm>"};
    char buf[SB_CHAN_MAX_PAYLOAD + 1];
    struct sb_bpf filter;
    cJSON *options = read_options(&preload, &policy, &scripts, &warmup);   /* held for the zygote's life */

    (void)argc, (void)argv;
    if (!options)
        return SR_LOG("zygote: no options on fd %d", ZYGOTE_FD), 2;
    prctl(PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0);
    /* what the preloads or the warm-up may exec never holds the spawn channel
     * (a clone keeps it: the worker answers on it, then closes it) */
    if (fcntl(ZYGOTE_FD, F_SETFD, FD_CLOEXEC) < 0)
        return SR_PLOG("zygote: fcntl(%d, FD_CLOEXEC)", ZYGOTE_FD), 2;
    session_runner = session;
    if (!policy || !sb_zygote_preload_ok(preload) || zygote_filter(policy, &filter) < 0 ||
        (init_fd = sb_jail_open_init()) < 0)
        return 2;
    if (sb_python_init(&job) < 0 || sb_python_preload(preload, scripts, warmup) < 0)
        return 3;
    freeze_image();
    if (sb_chan_send(ZYGOTE_FD, SB_MSG_READY, NULL, 0, NULL, 0) < 0)
        return 4;
    for (;;) {
        int type, fds[SB_CHAN_MAX_FDS], nfds = SB_CHAN_MAX_FDS;
        ssize_t n = sb_chan_recv(ZYGOTE_FD, &type, buf, SB_CHAN_MAX_PAYLOAD, fds, &nfds);
        if (n < 0 && errno == EMSGSIZE)
            continue;
        if (n < 0 || type == 0)
            return 0;   /* the daemon is gone */
        if (type == SB_MSG_SPAWN)
            serve_spawn(buf, (size_t)n, fds, nfds, &filter, scripts);
        else
            for (int i = 0; i < nfds; i++)
                close(fds[i]);
    }
}

/* ---- the daemon's side ---------------------------------------------------------- */

/* The preload imports load the OpenMP and BLAS runtimes here, once, and
 * they size their thread pools from the environment at load: so the zygote
 * starts with the thread counts of a default run (--threads 1), as the jail's
 * environment gives a cold run. A run with another --threads gets that count
 * in its environment, which only runtimes it loads itself still read. */
static char *const zygote_env[] = {"PATH=/usr/bin:/bin", "LANG=C.UTF-8", "OPENBLAS_NUM_THREADS=1",
                                   "OMP_NUM_THREADS=1", "MKL_NUM_THREADS=1", "NUMEXPR_NUM_THREADS=1", NULL};

/* Whether pid is a child of this process (a worker, by CLONE_PARENT, not
 * yet reaped: its parent cannot change, nor its pid be reused, until we
 * wait for it). Anything else that answers is not killed or waited for. */
static int our_child(pid_t pid)
{
    char path[64], stat[512], *close_paren;
    int ppid = -1;
    ssize_t n;
    int fd;

    snprintf(path, sizeof path, "/proc/%d/stat", (int)pid);
    if ((fd = open(path, O_RDONLY | O_CLOEXEC)) < 0)
        return 0;
    n = read(fd, stat, sizeof stat - 1);
    close(fd);
    if (n <= 0)
        return 0;
    stat[n] = '\0';
    close_paren = strrchr(stat, ')');   /* the name may hold spaces and parentheses */
    if (!close_paren || sscanf(close_paren + 1, " %*c %d", &ppid) != 1)
        return 0;
    return ppid == getpid();
}

/* Wait for one message of the zygote (ms deadline); returns its type or -1. */
static int wait_msg(struct sb_zygote *z, int ms, int stop_fd, void *buf, size_t cap, ssize_t *len, pid_t *sender)
{
    struct pollfd pf[2] = {{.fd = z->sock, .events = POLLIN}, {.fd = stop_fd, .events = POLLIN}};   /* < 0: none */
    int type, rc;

    while ((rc = poll(pf, 2, ms)) < 0 && errno == EINTR)
        ;
    if (rc <= 0) {
        errno = rc == 0 ? ETIMEDOUT : errno;
        return -1;
    }
    if (!(pf[0].revents & (POLLIN | POLLHUP | POLLERR))) {
        errno = ECANCELED;   /* stop_fd */
        return -1;
    }
    *len = sb_chan_recv_from(z->sock, &type, buf, cap, NULL, NULL, sender);
    if (*len < 0 || type == 0) {
        errno = EPIPE;
        return -1;
    }
    return type;
}

/* The zygote's options as its first message (see read_options). */
static int send_options(int sock, const struct sb_zygote_cfg *cfg)
{
    cJSON *o = cJSON_CreateObject();
    char *text;
    int rc;

    cJSON_AddStringToObject(o, "preload", cfg->preload);
    cJSON_AddStringToObject(o, "policy", cfg->policy);
    if (cfg->scripts)
        cJSON_AddStringToObject(o, "scripts", cfg->scripts);
    if (cfg->warmup)
        cJSON_AddStringToObject(o, "warmup", cfg->warmup);
    text = cJSON_PrintUnformatted(o);
    cJSON_Delete(o);
    rc = text ? sb_chan_send(sock, SB_MSG_CONFIG, text, strlen(text), NULL, 0) : (errno = ENOMEM, -1);
    free(text);
    return rc;
}

int sb_zygote_start(struct sb_zygote *z, const struct sb_zygote_cfg *cfg)
{
    char self[4096], buf[256];
    const char *dir = sr_paths_exe_dir();
    int sv[2];
    ssize_t n;

    /* field by field, never a memset: z->lock is read without the lock by
     * concurrent spawners, and must never be seen NULL */
    z->sock = -1;
    z->late = -1;
    z->late_worker = 0;
    z->late_taken = 0;
    z->pid = -1;
    z->started = 0;
    z->spawned = 0;
    z->spawn_ms = cfg->spawn_ms > 0 ? cfg->spawn_ms : SB_ZYGOTE_SPAWN_MS;
    snprintf(self, sizeof self, "%s/sandboxrun-supervisor", dir ? dir : ".");
    if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv) < 0)
        return SR_PLOG("socketpair(zygote)"), -1;
    /* each message names its sender: a worker's answer is its pid */
    if (setsockopt(sv[0], SOL_SOCKET, SO_PASSCRED, &(int){1}, sizeof(int)) < 0) {
        SR_PLOG("setsockopt(zygote, SO_PASSCRED)");
        close(sv[0]);
        close(sv[1]);
        return -1;
    }
    z->pid = fork();
    if (z->pid == 0) {
        char *argv[] = {"sandboxrun-supervisor", "zygote", NULL};
        sigset_t none;
        sigemptyset(&none);
        sigprocmask(SIG_SETMASK, &none, NULL);
#ifdef SB_PHASES
        if (dup2(sv[1], ZYGOTE_FD) < 0 || close_range(ZYGOTE_FD + 1, SB_PHASE_FD - 1, 0) < 0 ||
            close_range(SB_PHASE_FD + 1, ~0U, 0) < 0)
            _exit(127);
#else
        if (dup2(sv[1], ZYGOTE_FD) < 0 || close_range(ZYGOTE_FD + 1, ~0U, 0) < 0)
            _exit(127);
#endif
        execve(self, argv, zygote_env);
        _exit(127);
    }
    close(sv[1]);
    z->sock = sv[0];
    if (z->pid < 0)
        return SR_PLOG("fork(zygote)"), sb_zygote_stop(z), -1;
    if (send_options(z->sock, cfg) < 0) {
        SR_PLOG("send the zygote its options");
        sb_zygote_stop(z);
        return -1;
    }
    if (wait_msg(z, START_DEADLINE_MS, cfg->stop_fd, buf, sizeof buf - 1, &n, NULL) != SB_MSG_READY) {
        int why = errno;
        if (why == ECANCELED) {
            SR_LOG("the zygote's start was given up: stopping");
            kill(z->pid, SIGKILL);   /* still importing: it reads no EOF, and has cloned nothing */
        } else {
            SR_LOG("the zygote did not start (preload %s)", cfg->preload);
        }
        sb_zygote_stop(z);
        errno = why;
        return -1;
    }
    z->started = sr_now();
    return 0;
}

static cJSON *spawn_config(const struct sb_jail *j, const struct sb_request *req)
{
    cJSON *c = cJSON_CreateObject(), *arr = cJSON_AddArrayToObject(c, "inputs");

    cJSON_AddNumberToObject(c, "tmpMb", (double)j->mounts.tmp_mb);
    cJSON_AddNumberToObject(c, "outMb", (double)j->mounts.out_mb);
    cJSON_AddNumberToObject(c, "maxInodes", (double)j->mounts.max_inodes);
    cJSON_AddNumberToObject(c, "threads", (double)j->fds.threads);
    cJSON_AddNumberToObject(c, "cpu", (double)j->limits.cpu_s);
    cJSON_AddNumberToObject(c, "dataMb", (double)j->limits.data_mb);
    cJSON_AddNumberToObject(c, "nproc", (double)j->limits.nproc);
    cJSON_AddNumberToObject(c, "fsizeMb", (double)j->limits.fsize_mb);
    cJSON_AddNumberToObject(c, "hostUid", (double)j->ids.host_uid);
    for (size_t i = 0; i < req->ninputs; i++) {
        cJSON *in = cJSON_CreateObject();
        cJSON_AddStringToObject(in, "path", req->inputs[i].path);
        cJSON_AddStringToObject(in, "name", req->inputs[i].name);
        cJSON_AddItemToArray(arr, in);
    }
    return c;
}

/* What a spawn's wait has collected: the worker's own answer and the
 * zygote's word that it cloned one. */
struct spawn_wait {
    pid_t worker;      /* from the worker's 'P' (the kernel's credentials), or 0 */
    int in_cgroup;     /* the 'P' payload: born in its cgroup */
    pid_t cloned;      /* from the zygote's 'N', or 0 */
    int pidfd;         /* the cloned worker's, while its 'P' is awaited, or -1 */
    int dead;          /* the cloned worker ended before its 'P' came */
    pid_t sender;      /* of the last message, for the log */
};

/* A pidfd for pid if it is our child (unreaped, so its pid cannot be
 * reused meanwhile), or -1: then only the spawn's deadline ends the wait. */
static int child_pidfd(pid_t pid)
{
    return pid > 0 && our_child(pid) ? (int)syscall(SYS_pidfd_open, pid, 0) : -1;
}

/* Wait for a spawn's two answers, the worker's 'P' and the zygote's 'N'
 * (either first), within z->spawn_ms. Returns SB_MSG_PID once both came;
 * 0 when the cloned worker ended without answering; else the last
 * message's type (SB_MSG_ERROR: the zygote could not clone; another: an
 * answer we cannot take), or -1 (errno: ETIMEDOUT, EPIPE). */
static int await_spawn(struct sb_zygote *z, struct spawn_wait *sw, char *buf, size_t cap, ssize_t *n)
{
    double deadline = sr_now() + z->spawn_ms / 1000.0;
    int type, ms;

    for (;;) {
        ms = sw->dead ? 0 : (int)((deadline - sr_now()) * 1000);
        type = wait_msg(z, ms > 0 ? ms : 0, sw->dead ? -1 : sw->pidfd, buf, cap, n, &sw->sender);
        if (type < 0 && errno == ECANCELED) {
            sw->dead = 1;   /* its pidfd: an answer it sent before it ended is queued by now */
            continue;
        }
        if (type < 0)
            return sw->dead && errno == ETIMEDOUT ? 0 : -1;
        if (type == SB_MSG_PID && *n == sizeof sw->in_cgroup && !sw->worker && sw->sender > 0 &&
            sw->sender != z->pid && our_child(sw->sender)) {
            memcpy(&sw->in_cgroup, buf, sizeof sw->in_cgroup);
            sw->worker = sw->sender;
        } else if (type == SB_MSG_CLONED && *n == sizeof sw->cloned && !sw->cloned && sw->sender == z->pid) {
            memcpy(&sw->cloned, buf, sizeof sw->cloned);
            if (!sw->worker)
                sw->pidfd = child_pidfd(sw->cloned);
        } else {
            return type;
        }
        if (sw->worker && sw->cloned)
            return sw->worker == sw->cloned ? SB_MSG_PID : SB_MSG_CLONED;
    }
}

/* The worker the zygote cloned for a spawn ended before it answered
 * (killed by the OOM killer or a signal): reap it, our child, which nobody
 * else knows, and say how it ended. It has ended (its pidfd said so): the
 * wait does not block. */
static void reap_unanswered(const struct spawn_wait *sw)
{
    int st = 0;
    pid_t rc;

    while ((rc = waitpid(sw->cloned, &st, __WALL | WNOHANG)) < 0 && errno == EINTR)
        ;
    if (rc != sw->cloned)
        SR_LOG("the worker %d ended before it answered its spawn, and could not be reaped", (int)sw->cloned);
    else if (WIFSIGNALED(st))
        SR_LOG("the worker was killed by signal %d (%s) before it answered its spawn (out of memory?)",
               WTERMSIG(st), strsignal(WTERMSIG(st)));
    else
        SR_LOG("the worker exited with status %d before it answered its spawn", WEXITSTATUS(st));
}

/* No answer in time, or none we can take: a later answer must not reach
 * the next spawner. Hang up while still holding the lock, so the zygote
 * exits and is restarted; only half: the worker a late answer names is
 * our child, and sb_zygote_stop reaps it (or the one it named). */
static void drop_zygote(struct sb_zygote *z, int type, ssize_t n, const struct spawn_wait *sw)
{
    if (type < 0 && errno == ETIMEDOUT)
        SR_LOG("the zygote did not answer a spawn within %d ms; dropping it", z->spawn_ms);
    else if (type > 0)
        SR_LOG("the answer to a spawn was not a worker's (type %d, %zd bytes, from pid %d); dropping the "
               "zygote", type, n, (int)sw->sender);
    shutdown(z->sock, SHUT_WR);
    z->late = z->sock;
    z->sock = -1;
    z->late_worker = sw->cloned != sw->worker ? sw->cloned : 0;   /* named, not answered: reap it too */
    z->late_taken = sw->worker;   /* answered, so handed out: its own 'N' may still come */
}

pid_t sb_zygote_spawn(struct sb_zygote *z, const struct sb_jail *j, const struct sb_request *req, int cgroup_fd,
                      int *in_cgroup)
{
    cJSON *cfg = spawn_config(j, req);
    char *text = cJSON_PrintUnformatted(cfg), buf[512];
    int fds[SPAWN_FDS + 1];
    struct spawn_wait sw = {.pidfd = -1};
    pid_t pid = -1;
    ssize_t n = 0;
    int type = -1;

    memcpy(fds, j->fds.fd, sizeof(int) * SPAWN_FDS);
    fds[SPAWN_FDS] = cgroup_fd;
    *in_cgroup = 0;
    if (z->lock)
        pthread_mutex_lock(z->lock);

    cJSON_Delete(cfg);
    if (text && strlen(text) > SB_CHAN_MAX_PAYLOAD) {
        /* not the zygote's fault: it must not be taken for dead and restarted */
        SR_LOG("the inputs' paths and names are too long together for a warm worker (a configuration of %zu "
               "bytes, over the zygote's %d); run without --server", strlen(text), SB_CHAN_MAX_PAYLOAD);
        errno = EMSGSIZE;
    } else if (text && z->sock >= 0 &&
               sb_chan_send(z->sock, SB_MSG_SPAWN, text, strlen(text), fds, SPAWN_FDS + (cgroup_fd >= 0)) == 0) {
        type = await_spawn(z, &sw, buf, sizeof buf - 1, &n);
        if (sw.worker) {
            pid = sw.worker;   /* it answered: ours, whatever the zygote did after the clone */
            *in_cgroup = sw.in_cgroup;
            z->spawned++;
        }
        if (type == 0)
            reap_unanswered(&sw), errno = ESRCH;
        else if (type != SB_MSG_ERROR && !(type == SB_MSG_PID && sw.worker))   /* a 'P' we could not take, too */
            drop_zygote(z, type, n, &sw), errno = EPIPE;
    } else {
        errno = text ? EPIPE : ENOMEM;
    }
    if (z->lock)
        pthread_mutex_unlock(z->lock);
    free(text);
    sr_closep(&sw.pidfd);
    if (type == SB_MSG_ERROR && pid < 0)
        buf[n] = '\0', SR_LOG("the zygote could not spawn a worker: %s", buf), errno = EAGAIN;
    return pid;
}

/* Kill and reap worker, our child, unless done already (its pid is in
 * seen[0..*n)): a late worker may be named twice, by itself and by the
 * zygote. */
static void reap_once(pid_t worker, pid_t *seen, int *n, int cap)
{
    for (int i = 0; i < *n; i++)
        if (seen[i] == worker)
            return;
    if (worker <= 0 || !our_child(worker))
        return;
    kill(worker, SIGKILL);
    while (waitpid(worker, NULL, __WALL) < 0 && errno == EINTR)
        ;
    SR_LOG("reaped worker %d, which the dropped zygote cloned after the deadline", (int)worker);
    if (*n < cap)
        seen[(*n)++] = worker;
}

/* After the zygote has exited: kill and reap each worker named on the
 * half-closed channel (cloned after the deadline, so nobody waits for it):
 * by its own answer, or by the zygote's 'N' (one that died before it
 * answered), and the one the zygote had named but that had not answered at
 * the deadline; never the one that answered that spawn and was handed out,
 * whose 'N' may come after the deadline too. Each worker answers for
 * itself, first thing, so one cloned just before the zygote was killed
 * answers too; EOF comes once the last has. */
static void reap_late(struct sb_zygote *z)
{
    struct pollfd pf = {.fd = z->late, .events = POLLIN};
    pid_t worker, seen[16], named;
    int type, nseen = 0;
    char buf[64];
    ssize_t n;

    if (z->late < 0)
        return;
    if (z->late_taken > 0)
        seen[nseen++] = z->late_taken;   /* handed out: running a request, not late */
    reap_once(z->late_worker, seen, &nseen, 16);
    z->late_worker = 0;
    z->late_taken = 0;
    for (;;) {
        int rc = poll(&pf, 1, LATE_ANSWER_MS);
        if (rc < 0 && errno == EINTR)
            continue;
        if (rc <= 0) {
            SR_LOG("a worker of the dropped zygote did not answer within %d ms", LATE_ANSWER_MS);
            break;
        }
        n = sb_chan_recv_from(z->late, &type, buf, sizeof buf, NULL, NULL, &worker);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0 && type == 0)
            break;
        if (type == SB_MSG_PID && worker > 0 && worker != z->pid)
            reap_once(worker, seen, &nseen, 16);
        else if (type == SB_MSG_CLONED && n == sizeof named && worker == z->pid)
            memcpy(&named, buf, sizeof named), reap_once(named, seen, &nseen, 16);
    }
    sr_closep(&z->late);
}

void sb_zygote_stop(struct sb_zygote *z)
{
    sr_closep(&z->sock);   /* EOF: the zygote exits */
    if (z->pid > 0) {
        struct timespec pause = {0, 10 * 1000 * 1000};
        int i;
        for (i = 0; i < 200 && waitpid(z->pid, NULL, WNOHANG) == 0; i++)
            nanosleep(&pause, NULL);
        if (i == 200) {
            kill(z->pid, SIGKILL);
            waitpid(z->pid, NULL, 0);
        }
    }
    reap_late(z);
    z->pid = -1;
}
