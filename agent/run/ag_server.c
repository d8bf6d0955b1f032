/* ag_server.c — talk to the warm daemon over its unix socket. */
#include "ag_server.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "ag_runner.h"
#include "sr_buf.h"
#include "sr_io.h"
#include "sr_log.h"
#include "sr_paths.h"
#include "sr_signal.h"
#include "sr_status.h"

const char *ag_server_socket(const char *opt)
{
    const char *env = getenv("SANDBOXRUN_SOCKET");

    return opt ? opt : env && *env ? env : NULL;
}

int ag_server_connect(const char *path, char *err, size_t errlen)
{
    struct sockaddr_un a = {.sun_family = AF_UNIX};
    int fd;

    if (strlen(path) >= sizeof a.sun_path)
        return snprintf(err, errlen, "socket path too long: %s", path), -1;
    snprintf(a.sun_path, sizeof a.sun_path, "%s", path);
    fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0 || connect(fd, (struct sockaddr *)&a, sizeof a) < 0) {
        snprintf(err, errlen, "no sandboxrun daemon at %s: %s", path, strerror(errno));
        if (fd >= 0)
            close(fd);
        return -1;
    }
    return fd;
}

int ag_server_exec(const char *socket_path, const cJSON *request, cJSON **record, char *err, size_t errlen)
{
    return ag_server_exec_job(socket_path, request, NULL, record, err, errlen);
}

int ag_server_exec_job(const char *socket_path, const cJSON *request, struct ag_runner_job *job,
                       cJSON **record, char *err, size_t errlen)
{
    cJSON *asking = job ? ag_live_request(request, &job->live) : NULL;
    char *text = cJSON_PrintUnformatted(asking ? asking : request);
    struct sr_buf b;
    int fd, rc;

    cJSON_Delete(asking);
    *record = NULL;
    if (!text)
        return snprintf(err, errlen, "out of memory"), -1;
    fd = ag_server_connect(socket_path, err, errlen);
    if (fd < 0) {
        free(text);
        return -1;
    }
    if (job) {
        pthread_mutex_lock(&job->lock);
        job->sock = fd;
        if (job->cancelled)
            shutdown(fd, SHUT_RDWR);
        pthread_mutex_unlock(&job->lock);
    }
    /* a daemon that refuses (busy) answers and hangs up without reading: the
     * write may fail, the answer is still there to read */
    signal(SIGPIPE, SIG_IGN);
    (void)(sr_write_all(fd, text, strlen(text)) == 0 && sr_write_all(fd, "\n", 1) == 0);
    free(text);
    shutdown(fd, SHUT_WR);
    sr_buf_init(&b, AG_RECORD_MAX);
    /* the record is one line; the daemon may tear the worker down before it
     * hangs up, and that is not ours to wait for */
    rc = ag_live_read(fd, &b, job ? &job->live : NULL, 1);
    if (job) {
        pthread_mutex_lock(&job->lock);
        job->sock = -1;
        pthread_mutex_unlock(&job->lock);
    }
    close(fd);
    if (rc == 0 && b.len)
        *record = cJSON_ParseWithLength(b.data, b.len);
    sr_buf_reset(&b);
    if (!cJSON_IsObject(*record)) {
        cJSON_Delete(*record);
        *record = NULL;
        return snprintf(err, errlen, "the daemon at %s broke off without a record", socket_path), -1;
    }
    return 0;
}

/* ---- a private daemon ------------------------------------------------------------ */

/* Fork and exec the daemon (its stderr is ours: its log lines join ours). */
static pid_t spawn_daemon(struct ag_daemon *d)
{
    char *argv[6 + AG_DAEMON_MAX_ARGS] = {"sandboxrun-supervisor", "serve", "--socket", d->sock, "--stats-socket",
                                          d->stats};
    int n = 6, null;
    pid_t parent = getpid(), pid;
    sigset_t none;

    for (int i = 0; i < AG_DAEMON_MAX_ARGS && d->args[i]; i++)   /* d->args[] ends in a NULL within it */
        argv[n++] = d->args[i];
    argv[n] = NULL;
    pid = fork();
    if (pid != 0)
        return pid;
    sr_signals_default(1, 0);
    prctl(PR_SET_PDEATHSIG, SIGTERM, 0, 0, 0);   /* it ends with us, its jails with it */
    if (getppid() != parent)
        _exit(127);
    null = open("/dev/null", O_RDWR);
    if (null < 0 || dup2(null, 0) < 0 || dup2(2, 1) < 0)
        _exit(127);
    sigemptyset(&none);
    sigprocmask(SIG_SETMASK, &none, NULL);
    ag_runner_exec_tool(argv);   /* clean environment, fds 0-2 only */
    _exit(127);
}

/* Wait until the daemon's socket is there (its zygote has imported the
 * preloads), or it died, or 120 s passed. 0 or -1. */
static int wait_listening(struct ag_daemon *d)
{
    struct timespec pause = {0, 50 * 1000 * 1000};
    struct stat st;

    for (int i = 0; i < 2400; i++) {
        if (stat(d->sock, &st) == 0 && S_ISSOCK(st.st_mode))
            return 0;
        if (waitpid(d->pid, NULL, WNOHANG) == d->pid) {
            d->pid = -1;
            return -1;
        }
        nanosleep(&pause, NULL);
    }
    return -1;
}

int ag_server_daemon_start(struct ag_daemon *d, char *const args[], char *err, size_t errlen)
{
    const char *tmp = getenv("TMPDIR");
    int i;

    memset(d, 0, sizeof *d);
    d->pid = -1;
    for (i = 0; args[i] && i < AG_DAEMON_MAX_ARGS - 1; i++)
        d->args[i] = sr_xstrdup(args[i]);
    snprintf(d->dir, sizeof d->dir, "%s/sandboxrun-warm-XXXXXX", tmp && *tmp == '/' && strlen(tmp) < 100 ? tmp
                                                                                                           : "/tmp");
    if (!ag_runner_supervisor_path() || !mkdtemp(d->dir)) {
        snprintf(err, errlen, "cannot make a directory for the warm daemon's socket (%s): %s", d->dir,
                 strerror(errno));
        d->dir[0] = '\0';
        return -1;
    }
    snprintf(d->sock, sizeof d->sock, "%s/warm.sock", d->dir);
    snprintf(d->stats, sizeof d->stats, "%s/stats.sock", d->dir);
    d->pid = spawn_daemon(d);
    if (d->pid < 0 || wait_listening(d) < 0) {
        snprintf(err, errlen, "the warm daemon did not start (its log is above)");
        ag_server_daemon_stop(d);
        return -1;
    }
    return 0;
}

void ag_server_daemon_check(struct ag_daemon *d)
{
    int st;

    if (d->pid <= 0 || waitpid(d->pid, &st, WNOHANG) != d->pid)
        return;
    SR_LOG("serve: the warm daemon (pid %d) %s %d; starting it again", (int)d->pid,
           WIFSIGNALED(st) ? "was killed by signal" : "exited with", WIFSIGNALED(st) ? WTERMSIG(st) : WEXITSTATUS(st));
    unlink(d->sock);
    d->pid = spawn_daemon(d);
    if (d->pid < 0 || wait_listening(d) < 0)
        SR_LOG("serve: the warm daemon did not start again; calls and sessions fail until it does");
}

void ag_server_daemon_stop(struct ag_daemon *d)
{
    if (d->pid > 0) {
        kill(d->pid, SIGTERM);
        while (waitpid(d->pid, NULL, 0) < 0 && errno == EINTR)
            ;
    }
    d->pid = -1;
    if (d->sock[0])
        unlink(d->sock);
    if (d->stats[0])
        unlink(d->stats);
    if (d->dir[0])
        rmdir(d->dir);
    for (int i = 0; d->args[i]; i++)
        free(d->args[i]);
    memset(d->args, 0, sizeof d->args);
}

cJSON *ag_server_stats(const char *stats_path)
{
    char err[300], buf[8192];
    size_t len = 0;
    int fd = ag_server_connect(stats_path, err, sizeof err);
    cJSON *o;

    if (fd < 0)
        return NULL;
    /* the daemon writes one short line and closes; it never reads */
    for (;;) {
        struct pollfd pf = {.fd = fd, .events = POLLIN};
        ssize_t n;
        if (len == sizeof buf - 1 || poll(&pf, 1, 1000) <= 0 || (n = read(fd, buf + len, sizeof buf - 1 - len)) <= 0)
            break;
        len += (size_t)n;
    }
    close(fd);
    buf[len] = '\0';
    o = cJSON_ParseWithLength(buf, len);
    if (!cJSON_IsObject(o)) {
        cJSON_Delete(o);
        return NULL;
    }
    return o;
}

/* `serve --http`: exec sandboxrun-http (found like the supervisor) with the
 * same arguments and environment; it is orchestrator code like this process
 * and may need the same S3 credentials. Returns only on failure. */
static int exec_http_service(int argc, char **argv)
{
    char *path = sr_paths_find_exe("sandboxrun-http", SR_LIBEXECDIR);
    char *args[128];

    if (argc > 120)
        return free(path), fprintf(stderr, "sandboxrun serve: too many arguments\n"), SR_EXIT_USAGE;
    if (!path)
        return fprintf(stderr, "sandboxrun serve: cannot find sandboxrun-http next to sandboxrun or in %s\n",
                       SR_LIBEXECDIR), sr_status_exit_code(SR_INTERNAL_ERROR);
    args[0] = "sandboxrun-http";
    for (int i = 0; i < argc; i++)
        args[i + 1] = argv[i];
    args[argc + 1] = NULL;
    execv(path, args);
    fprintf(stderr, "sandboxrun serve: execv(%s): %s\n", path, strerror(errno));
    free(path);
    return sr_status_exit_code(SR_INTERNAL_ERROR);
}

int ag_cmd_serve(int argc, char **argv)
{
    char *args[40] = {"sandboxrun-supervisor", "serve"};

    for (int i = 1; i < argc; i++)
        if (strcmp(argv[i], "--http") == 0)
            return exec_http_service(argc, argv);   /* the network service (agent/service/) */

    if (argc >= 2 && (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0)) {
        printf("usage: sandboxrun serve --http ADDR:PORT [--auth FILE] ...   (the AgentCore API; --http --help)\n"
               "       sandboxrun serve --socket PATH [--pool N] [--max-concurrent N] [--queue N]\n"
               "                        [--max-sessions N] [--preload MOD,MOD,...] [--warmup FILE|none]\n"
               "                        [--grace SECONDS] [--client-timeout SECONDS] [--zygote-runs N]\n"
               "                        [--zygote-age SECONDS] [--policy FILE] [--memory MB] [--pids N]\n"
               "                        [--tmp MB] [--out MB] [--stats-socket PATH] [--spawn-timeout SECONDS]\n"
               "Runs the supervisor as a daemon with pre-imported, pre-jailed workers, for one-shot runs\n"
               "and for sessions (sandboxrun mcp and serve --http use it with $SANDBOXRUN_SOCKET).\n"
               "Clients: sandboxrun --server PATH ... or SANDBOXRUN_SOCKET=PATH sandboxrun ...\n"
               "Defaults: pool 2, 4 runs at once, 16 queued, 32 sessions, grace 10 s, client timeout 30 s (to send\n"
               "the request, and for each write of the answer to be read), preload numpy, pandas,\n"
               "scipy.stats, statsmodels.api, statsmodels.tsa.api, sklearn, plotly.graph_objects, plotly.io;\n"
               "warm-up: the shipped warmup.py, run once by the zygote after the imports so the\n"
               "libraries' first-use work is not paid per run. A --warmup FILE runs outside the jail\n"
               "with the daemon's privileges, like the preload imports: name only trusted code.\n"
               "A fresh zygote (fresh hash() seed, stack canary, pointer guard, ASLR) replaces the\n"
               "current one after --zygote-runs workers (default 5000) or once it is --zygote-age\n"
               "seconds old and has cloned one (default 1800); 0 turns either off. A zygote that\n"
               "does not answer a spawn within --spawn-timeout seconds (default 10) is restarted.\n"
               "--policy FILE: the seccomp policy of every worker (the zygote's filter; a request that\n"
               "names another is refused). --memory/--pids/--tmp/--out: the pooled workers' limits\n"
               "(default 2048 MB, 256, 512 MB, 512 MB); a request with others gets a worker made for it.\n"
               "--stats-socket PATH: a connection there reads the pool's gauges as one JSON line.\n");
        return 0;
    }
    if (argc > 36)
        return fprintf(stderr, "sandboxrun serve: too many arguments\n"), SR_EXIT_USAGE;
    for (int i = 1; i < argc; i++)
        args[i + 1] = argv[i];
    ag_runner_exec_tool(args);   /* the daemon never sees this process's environment */
    return sr_status_exit_code(SR_INTERNAL_ERROR);
}
