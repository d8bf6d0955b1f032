/* ag_runner.c — fork+exec the supervisor with a clean environment. */
#include "ag_runner.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include "sr_io.h"
#include "sr_signal.h"
#include "sr_log.h"
#include "sr_paths.h"

#ifndef SR_LIBEXECDIR
#define SR_LIBEXECDIR "/usr/local/libexec/sandboxrun"
#endif

/* The supervisor's whole environment. */
static char *const clean_env[] = {"PATH=/usr/bin:/bin", "LANG=C.UTF-8", NULL};

const char *ag_runner_supervisor_path(void)
{
    static char *path;

    if (!path)
        path = sr_paths_find_exe("sandboxrun-supervisor", SR_LIBEXECDIR);
    if (!path)
        SR_LOG("cannot find sandboxrun-supervisor next to sandboxrun or in %s", SR_LIBEXECDIR);
    return path;
}

int ag_runner_exec_tool(char *const argv[])
{
    const char *sup = ag_runner_supervisor_path();

    if (!sup)
        return -1;
    if (close_range(3, ~0U, 0) < 0)
        return SR_PLOG("close_range"), -1;
    execve(sup, argv, clean_env);
    SR_PLOG("execve(%s)", sup);
    return -1;
}

/* In the child: fds 0..4 in place, nothing else open, then exec. */
__attribute__((noreturn)) static void child(const char *sup, const char *mode, int req_r, int rec_w,
                                           int passthrough, pid_t parent)
{
    int null = open("/dev/null", O_RDWR | O_CLOEXEC);
    char *argv[] = {"sandboxrun-supervisor", (char *)mode, NULL};
    sigset_t none;

    /* with every signal still blocked: each caught signal gets its default
     * action back, so a TERM sent to the new pid before execve (a cancel that
     * races the spawn) kills it instead of running the parent's handler;
     * ignored ones stay ignored (nohup) */
    sr_signals_default(1, 0);
    /* the supervisor ends with us: a run never outlives its orchestrator.
     * TERM, not KILL: on TERM the supervisor kills the jail before it exits
     * (a KILLed supervisor can leave the jail's processes running). If we
     * were orphaned before the prctl, no death signal would ever come. */
    prctl(PR_SET_PDEATHSIG, SIGTERM, 0, 0, 0);
    if (getppid() != parent)
        _exit(127);
    if (null < 0 || dup2(null, 0) < 0 || (!passthrough && (dup2(null, 1) < 0 || dup2(null, 2) < 0)))
        _exit(127);
    /* park both above 4 first so neither dup2 clobbers the other; dup2 leaves
     * the copies without close-on-exec */
    req_r = fcntl(req_r, F_DUPFD_CLOEXEC, 10);
    rec_w = fcntl(rec_w, F_DUPFD_CLOEXEC, 10);
    if (req_r < 0 || rec_w < 0 || dup2(req_r, 3) < 0 || dup2(rec_w, 4) < 0 || close_range(5, ~0U, 0) < 0)
        _exit(127);
    signal(SIGPIPE, SIG_DFL);
    /* the caller's mask must not reach the supervisor; a TERM that came
     * while everything was blocked is delivered here, with its default action */
    sigemptyset(&none);
    sigprocmask(SIG_SETMASK, &none, NULL);
    execve(sup, argv, clean_env);
    _exit(127);
}

static int read_record(int fd, const struct ag_live_sink *live, cJSON **record, char *err, size_t errlen)
{
    struct sr_buf b;
    int rc;

    sr_buf_init(&b, AG_RECORD_MAX);
    rc = ag_live_read(fd, &b, live, 0);
    if (rc == 0)
        *record = b.len ? cJSON_ParseWithLength(b.data, b.len) : NULL;
    sr_buf_reset(&b);
    if (rc != 0 || !cJSON_IsObject(*record)) {
        snprintf(err, errlen, "the supervisor returned %s", rc > 0 ? "an oversized record"
                 : rc < 0 ? "an unreadable record" : "no record");
        cJSON_Delete(*record);
        *record = NULL;
        return -1;
    }
    return 0;
}

static volatile sig_atomic_t running_pid;

/* Ctrl-C or a TERM to us ends the run the supervisor's way: it still writes a record. */
static void forward_signal(int sig)
{
    if (running_pid > 0)
        kill((pid_t)running_pid, sig);
}

static void forward_signals(int on)
{
    struct sigaction sa = {.sa_handler = on ? forward_signal : SIG_DFL};
    int sigs[] = {SIGINT, SIGTERM, SIGHUP};

    sigemptyset(&sa.sa_mask);
    for (size_t i = 0; i < sizeof sigs / sizeof *sigs; i++)
        sigaction(sigs[i], &sa, NULL);
}

/* Write the request, read the record, reap the supervisor. */
static int talk(pid_t pid, int req_w, int rec_r, const char *text, const struct ag_live_sink *live, cJSON **record,
                char *err, size_t errlen)
{
    int st, rc;

    (void)sr_write_all(req_w, text, strlen(text));   /* a failure shows as no record */
    close(req_w);
    rc = read_record(rec_r, live, record, err, errlen);
    close(rec_r);
    while (waitpid(pid, &st, 0) < 0 && errno == EINTR)
        ;
    return rc;
}

/* Start the supervisor on a fresh pair of pipes: returns its pid (> 0) with
 * *req_w and *rec_r open, or -1 with err set. */
static pid_t spawn_mode(const char *sup, const char *mode, int passthrough, int *req_w, int *rec_r,
                        char *err, size_t errlen)
{
    int req[2] = {-1, -1}, rec[2] = {-1, -1};
    sigset_t all, old;
    pid_t pid, self = getpid();

    if (pipe2(req, O_CLOEXEC) < 0 || pipe2(rec, O_CLOEXEC) < 0) {
        snprintf(err, errlen, "cannot prepare the run: %s", strerror(errno));
        sr_closep(&req[0]), sr_closep(&req[1]), sr_closep(&rec[0]);
        return -1;
    }
    fflush(NULL);
    /* no handler of ours may run in the child between fork and execve */
    sigfillset(&all);
    pthread_sigmask(SIG_SETMASK, &all, &old);
    pid = fork();
    if (pid == 0)
        child(sup, mode, req[0], rec[1], passthrough, self);
    pthread_sigmask(SIG_SETMASK, &old, NULL);
    sr_closep(&req[0]);
    sr_closep(&rec[1]);
    if (pid < 0) {
        snprintf(err, errlen, "fork: %s", strerror(errno));
        sr_closep(&req[1]), sr_closep(&rec[0]);
        return -1;
    }
    *req_w = req[1];
    *rec_r = rec[0];
    return pid;
}

static pid_t spawn(const char *sup, int passthrough, int *req_w, int *rec_r, char *err, size_t errlen)
{
    return spawn_mode(sup, "run", passthrough, req_w, rec_r, err, errlen);
}

pid_t ag_runner_spawn(const char *mode, int *req_w, int *rec_r, char *err, size_t errlen)
{
    const char *sup = ag_runner_supervisor_path();

    if (!sup)
        return snprintf(err, errlen, "sandboxrun-supervisor not found"), -1;
    return spawn_mode(sup, mode, 0, req_w, rec_r, err, errlen);
}

/* The supervisor's path and the request's text (caller frees), asking for
 * live output when live has a sink; or NULL. */
static char *prepare(const cJSON *request, const struct ag_live_sink *live, const char **sup, cJSON **record,
                     char *err, size_t errlen)
{
    cJSON *asking = ag_live_request(request, live);
    char *text;

    *record = NULL;
    *sup = ag_runner_supervisor_path();
    if (!*sup)
        return cJSON_Delete(asking), snprintf(err, errlen, "sandboxrun-supervisor not found"), NULL;
    if (!(text = cJSON_PrintUnformatted(asking ? asking : request)))
        snprintf(err, errlen, "cannot prepare the run: out of memory");
    cJSON_Delete(asking);
    return text;
}

/* Start the supervisor for a run: for a job under its lock (a cancel that
 * came first stops it here: 0), else with our signals forwarded to it. */
static pid_t begin(struct ag_runner_job *job, const char *sup, int passthrough, int *req_w, int *rec_r,
                   char *err, size_t errlen)
{
    pid_t pid;

    if (!job) {
        if ((pid = spawn(sup, passthrough, req_w, rec_r, err, errlen)) > 0) {
            running_pid = pid;
            forward_signals(1);
            signal(SIGPIPE, SIG_IGN);
        }
        return pid;
    }
    pthread_mutex_lock(&job->lock);
    pid = job->cancelled ? 0 : spawn(sup, passthrough, req_w, rec_r, err, errlen);
    job->pid = pid > 0 ? pid : 0;
    pthread_mutex_unlock(&job->lock);
    if (pid == 0)
        snprintf(err, errlen, "cancelled before it started");
    return pid;
}

/* The supervisor is reaped: forget its pid. */
static void end(struct ag_runner_job *job)
{
    if (!job) {
        forward_signals(0);
        running_pid = 0;
        return;
    }
    pthread_mutex_lock(&job->lock);
    job->pid = 0;
    pthread_mutex_unlock(&job->lock);
}

int ag_runner_exec(const cJSON *request, int passthrough, struct ag_runner_job *job, cJSON **record,
                   char *err, size_t errlen)
{
    struct ag_live_sink *live = job ? &job->live : NULL;
    const char *sup;
    int req_w, rec_r, rc;
    char *text = prepare(request, live, &sup, record, err, errlen);
    pid_t pid;

    if (!text)
        return -1;
    if ((pid = begin(job, sup, passthrough, &req_w, &rec_r, err, errlen)) <= 0)
        return free(text), -1;
    rc = talk(pid, req_w, rec_r, text, live, record, err, errlen);
    free(text);
    end(job);
    return rc;
}

/* The pid is cleared under the lock only after waitpid, so it cannot have
 * been reused by another process while we hold the lock. */
void ag_runner_cancel(struct ag_runner_job *job)
{
    pthread_mutex_lock(&job->lock);
    job->cancelled = 1;
    if (job->pid > 0)
        kill(job->pid, SIGTERM);
    if (job->sock >= 0)   /* the daemon sees the hang-up and kills the worker */
        shutdown(job->sock, SHUT_RDWR);
    pthread_mutex_unlock(&job->lock);
}
