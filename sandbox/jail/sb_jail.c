/* sb_jail.c — jail entry as a checklist, then init: fork the script, reap, report. */
#include "sb_jail.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/sched.h>
#include <pthread.h>
#include <sched.h>
#include <stdint.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/rseq.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#if defined(__SANITIZE_ADDRESS__)
#include <sanitizer/common_interface_defs.h>
/* the sanitizer build: AddressSanitizer must know the script's process runs
 * on a stack of its own (as a fiber switch), or it misreads every frame */
#define STACK_SWITCH_BEGIN(bottom, size) __sanitizer_start_switch_fiber(NULL, (bottom), (size))
#define STACK_SWITCH_END() __sanitizer_finish_switch_fiber(NULL, NULL, NULL)
#else
#define STACK_SWITCH_BEGIN(bottom, size) ((void)0)
#define STACK_SWITCH_END() ((void)0)
#endif

#include "sb_caps.h"
#include "sb_limits.h"
#include "sb_chan.h"
#include "sb_phase.h"
#include "sb_seccomp.h"
#include "sr_log.h"
#include "sr_paths.h"

enum { EXIT_SETUP_FAILED = 125 };

static int chan_fd = -1;   /* where the supervisor channel is right now */

/* Set-up errors go to the supervisor, which puts them in the record. */
static void send_log(const char *line, size_t len)
{
    if (chan_fd < 0 || sb_chan_send(chan_fd, SB_MSG_ERROR, line, len > SB_CHAN_MAX_PAYLOAD ? SB_CHAN_MAX_PAYLOAD : len, NULL, 0) < 0)
        (void)!write(2, line, len);
}

/* Step 1 (after clone made the namespaces): the inner identity, a cgroup
 * namespace rooted at the run's cgroup, our own host name. */
static int enter_namespaces(struct sb_jail *j)
{
    if (sb_mounts_open_sources(&j->mounts) < 0 || sb_userns_become(&j->ids) < 0)
        return -1;
    if (j->mounts.weak[0])
        (void)sb_chan_send(chan_fd, SB_MSG_WEAK, j->mounts.weak, strlen(j->mounts.weak), NULL, 0);
    sb_phase("w.userns");
    /* changing credentials cleared the parent-death signal: set it again, so
     * a supervisor killed outright takes the whole run with it */
    if (prctl(PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0) < 0)
        return SR_PLOG("prctl(PR_SET_PDEATHSIG)"), -1;
    if (j->cgroupns && unshare(CLONE_NEWCGROUP) < 0)
        return SR_PLOG("unshare(CLONE_NEWCGROUP)"), -1;
    sb_phase("w.cgroupns");
    if (sb_limits_userns_quotas() < 0)   /* before /proc is read-only and the capabilities go */
        return -1;
    if (sethostname("sandbox", 7) < 0)
        return SR_PLOG("sethostname"), -1;
    sb_phase("w.quotas+uts");
    return 0;
}

int sb_jail_enter(struct sb_jail *j, int *notify_fd)
{
    int out_fd;

    if (enter_namespaces(j) < 0)                       /* 1. user/pid/mnt/net/ipc/uts/cgroup */
        return -1;
    if (sb_mounts_setup(&j->mounts, &out_fd) < 0)       /* 2. fresh read-only root, pivot_root */
        return -1;
    sb_phase("w.mounts");
    j->fds.fd[SB_FD_OUTDIR] = out_fd;
    if (sb_fds_setup(&j->fds) < 0)                      /* 3. setsid, fds, environment */
        return -1;
    sb_phase("w.fds");
    chan_fd = SB_FD_CHAN;
    if (sb_limits_apply(&j->limits) < 0)                /* 4. rlimits (cgroup set by the supervisor) */
        return -1;
    sb_phase("w.limits");
    if (sb_caps_drop() < 0)                             /* 5. no capabilities, no_new_privs */
        return -1;
    sb_phase("w.caps");
    return sb_seccomp_install(j->filter, notify_fd);    /* 6. the seccomp filter, last */
}

/* Wait for the supervisor's go: the uid/gid maps and the cgroup are ready. */
static int wait_go(void)
{
    char buf[16];
    int type;

    if (sb_chan_recv(chan_fd, &type, buf, sizeof buf, NULL, NULL) < 0 || type != SB_MSG_GO)
        return -1;
    return 0;
}

/* 7. The process that runs the script. */
__attribute__((noreturn)) static void run_script(struct sb_jail *j)
{
    sr_log_set_hook(NULL);
    close(SB_FD_CHAN);
    prctl(PR_SET_DUMPABLE, 1, 0, 0, 0);   /* its own /proc entries stay its own */
    if (chdir("/tmp") < 0)
        _exit(EXIT_SETUP_FAILED);
    j->job.report_fd = SB_FD_REPORT;
    if (!j->runner)
        close(SB_FD_CTL);
    _exit(j->runner ? j->runner(j) : sb_python_run(&j->job));
}

/* the script process's main stack, the size of a default main thread's; a
 * grows-down mapping is counted as stack, as a forked process's main stack
 * is, not against RLIMIT_DATA (the memory limit without a cgroup) */
#define SCRIPT_STACK (8u << 20)

struct script_start {
    struct sb_jail *j;
    int hs_read, hs_write;
};

/* Where glibc keeps, in a thread's descriptor (pthread_self()), the
 * thread's id and its robust-futex list head: a CLONE_VM clone (unlike
 * fork) leaves the parent's id there and registers no list, so the
 * script's process sets both as fork would. Found once per process that
 * starts jails (sb_jail_open_init), by looking for the known values; -1
 * if not found (then pthread_kill of the main thread fails in the script,
 * as it did not need to). */
static long tid_off = -1, robust_off = -1;
static size_t robust_len;

static void find_thread_fields(void)
{
    char *self = (char *)pthread_self();
    pid_t tid = (pid_t)syscall(SYS_gettid);
    void *head = NULL;
    long found = -1;
    int n = 0;

    for (long off = 0; off + (long)sizeof tid <= 2048; off += (long)sizeof tid)
        if (memcmp(self + off, &tid, sizeof tid) == 0)
            found = off, n++;
    tid_off = n == 1 ? found : -1;
    if (syscall(SYS_get_robust_list, 0, &head, &robust_len) == 0 && head && (char *)head >= self &&
        (char *)head < self + 4096)
        robust_off = (char *)head - self;
}

/* What fork does for the new process's main thread (see find_thread_fields). */
static void fix_thread_fields(void)
{
    char *self = (char *)pthread_self();
    pid_t tid = (pid_t)syscall(SYS_gettid);

    if (tid_off >= 0)
        memcpy(self + tid_off, &tid, sizeof tid);
    if (robust_off >= 0)
        (void)syscall(SYS_set_robust_list, self + robust_off, robust_len);
}

/* The script's process, on its own stack, sharing init's memory until init
 * has exec'd sandboxrun-init: it waits for that init's byte (sent once the
 * new init is undumpable; EOF if it died), and from then on the memory is
 * its alone, as after a fork that copied nothing. */
static int script_main(void *arg)
{
    struct script_start *st = arg;
    sigset_t none;
    char c;

    ssize_t n;

    STACK_SWITCH_END();
    close(st->hs_write);
    while ((n = read(st->hs_read, &c, 1)) < 0 && errno == EINTR)
        ;
    if (n != 1)
        _exit(EXIT_SETUP_FAILED);
    close(st->hs_read);
    sb_phase("s.alone");
    fix_thread_fields();
    close(SB_FD_INIT);
    sigemptyset(&none);
    sigprocmask(SIG_SETMASK, &none, NULL);
    /* glibc's restartable-sequence area: the kernel does not carry a
     * registration over a CLONE_VM clone, and init's ended with its exec */
    if (__rseq_size)
        (void)syscall(SYS_rseq, (char *)__builtin_thread_pointer() + __rseq_offset, __rseq_size, 0, RSEQ_SIG);
    sb_python_before_fork();   /* what a fork does for a warm worker's interpreter */
    sb_python_after_fork(1);
    sb_phase("s.forked");
    sb_phase_buffer();   /* the profiling log is the host's: the script does not write it */
    run_script(st->j);
}

/* 7. The script's process, and init becomes sandboxrun-init. One copy of the
 * image per run (the clone from the zygote), not two: the script's process
 * takes this process's memory (CLONE_VM), and this process drops its hold
 * on it by exec'ing the small init (fd SB_FD_INIT, opened before the jail
 * was entered). Until the exec, this process touches nothing the script's
 * process uses: it runs no Python and returns from no frame. SIGUSR1 (an
 * interrupt) stays blocked across the exec until the new init handles it. */
__attribute__((noreturn)) static void hand_off(struct sb_jail *j, void *stack)
{
    static struct script_start st;
    char pid_arg[16], hs_arg[16], *argv[] = {"sandboxrun-init", pid_arg, hs_arg, NULL}, *envp[] = {NULL};
    int hs[2];
    sigset_t usr1;
    pid_t script;

    sigemptyset(&usr1);
    sigaddset(&usr1, SIGUSR1);
    if (pipe2(hs, O_CLOEXEC) < 0 || fcntl(hs[1], F_SETFD, 0) < 0 || sigprocmask(SIG_BLOCK, &usr1, NULL) < 0) {
        SR_PLOG("the script's process (handshake pipe)");
        _exit(EXIT_SETUP_FAILED);
    }
    st = (struct script_start){.j = j, .hs_read = hs[0], .hs_write = hs[1]};
    script = clone(script_main, (char *)stack + SCRIPT_STACK, CLONE_VM | SIGCHLD, &st);
    if (script < 0) {
        SR_PLOG("clone(the script's process)");
        _exit(EXIT_SETUP_FAILED);
    }
    sb_phase("w.forked");
    snprintf(pid_arg, sizeof pid_arg, "%d", (int)script);
    snprintf(hs_arg, sizeof hs_arg, "%d", hs[1]);
    syscall(SYS_execveat, SB_FD_INIT, "", argv, envp, AT_EMPTY_PATH);
    _exit(EXIT_SETUP_FAILED);   /* the script's process sees EOF on the handshake and exits */
}

/* The script process's stack, mapped before the jail's rlimits (and, in the
 * sanitizer build, announced to AddressSanitizer, which allocates for it). */
static void *script_stack(void)
{
    void *stack = mmap(NULL, SCRIPT_STACK, PROT_READ | PROT_WRITE,
                       MAP_PRIVATE | MAP_ANONYMOUS | MAP_STACK | MAP_GROWSDOWN | MAP_NORESERVE, -1, 0);

    if (stack == MAP_FAILED) {
        SR_PLOG("mmap(the script's stack)");
        return NULL;
    }
    STACK_SWITCH_BEGIN(stack, SCRIPT_STACK);
    return stack;
}

int sb_jail_open_init(void)
{
    char path[4096];
    const char *dir = sr_paths_exe_dir();
    int fd;

    find_thread_fields();
    snprintf(path, sizeof path, "%s/sandboxrun-init", dir ? dir : ".");
    fd = open(path, O_PATH | O_CLOEXEC);
    if (fd < 0)
        SR_PLOG("open(%s) (it is built and installed beside sandboxrun-supervisor)", path);
    return fd;
}

pid_t sb_jail_clone(unsigned long flags, const struct sb_ids *ids, int cgroup_fd, int *in_cgroup)
{
    struct clone_args a = {.flags = flags | CLONE_INTO_CGROUP, .exit_signal = SIGCHLD,
                           .cgroup = (uint64_t)cgroup_fd};
    pid_t pid = -1;
    int err;

    *in_cgroup = 0;
    if (sb_userns_creator_enter(ids) < 0)
        return -1;
    if (cgroup_fd >= 0) {
        pid = (pid_t)syscall(SYS_clone3, &a, sizeof a);
        if (pid >= 0)
            *in_cgroup = 1;
        /* else whatever the reason, the old way: a namespace error recurs
         * there, and a cgroup one is reported by sb_cgroup_add */
    }
    if (pid < 0)
        pid = (pid_t)syscall(SYS_clone, flags | SIGCHLD, NULL, NULL, NULL, 0);
    if (pid == 0)
        return 0;   /* the child: its credentials are the new namespace's now */
    err = errno;
    sb_userns_creator_leave(ids);
    errno = err;
    return pid;
}

void sb_jail_init_main(struct sb_jail *j)
{
    sigset_t none;
    int fds[2], notify_fd = -1, n = 1;
    void *stack;

    sigemptyset(&none);
    sigprocmask(SIG_SETMASK, &none, NULL);
    signal(SIGPIPE, SIG_DFL);
    prctl(PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0);
    chan_fd = j->fds.fd[SB_FD_CHAN];
    sr_log_to_record(NULL, 0, 0);   /* the supervisor's record is not ours: errors go on the channel */
    sr_log_set_hook(send_log);
    sb_phase("w.start");
    if (wait_go() < 0)
        _exit(EXIT_SETUP_FAILED);
    sb_phase("w.go");
    if (!(stack = script_stack()) || sb_jail_enter(j, &notify_fd) < 0)
        _exit(EXIT_SETUP_FAILED);
    sb_phase("w.seccomp");
    /* init stays out of reach of the script: no ptrace-mode access to it */
    prctl(PR_SET_DUMPABLE, 0, 0, 0, 0);
    fds[0] = SB_FD_OUTDIR;
    if (notify_fd >= 0)
        fds[n++] = notify_fd;
    if (sb_chan_send(SB_FD_CHAN, SB_MSG_READY, NULL, 0, fds, n) < 0)
        _exit(EXIT_SETUP_FAILED);
    sb_phase("w.ready");
    close(SB_FD_OUTDIR);
    if (notify_fd >= 0)
        close(notify_fd);
    hand_off(j, stack);
}
