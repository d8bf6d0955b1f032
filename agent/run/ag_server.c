/* ag_server.c — talk to the warm daemon over its unix socket. */
#include "ag_server.h"

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "ag_runner.h"
#include "sr_buf.h"
#include "sr_io.h"
#include "sr_paths.h"
#include "sr_status.h"

const char *ag_server_socket(const char *opt)
{
    const char *env = getenv("SANDBOXRUN_SOCKET");

    return opt ? opt : env && *env ? env : NULL;
}

static int connect_to(const char *path, char *err, size_t errlen)
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
    char *text = cJSON_PrintUnformatted(request);
    struct sr_buf b;
    int fd, rc;

    *record = NULL;
    if (!text)
        return snprintf(err, errlen, "out of memory"), -1;
    fd = connect_to(socket_path, err, errlen);
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
    rc = sr_read_line(fd, &b);
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
               "                        [--preload MOD,MOD,...] [--warmup FILE|none] [--grace SECONDS]\n"
               "                        [--client-timeout SECONDS] [--zygote-runs N] [--zygote-age SECONDS]\n"
               "Runs the supervisor as a daemon with pre-imported, pre-jailed workers.\n"
               "Clients: sandboxrun --server PATH ... or SANDBOXRUN_SOCKET=PATH sandboxrun ...\n"
               "Defaults: pool 2, 4 runs at once, 16 queued, grace 10 s, client timeout 30 s (to send\n"
               "the request, and for each write of the answer to be read), preload numpy, pandas,\n"
               "scipy.stats, statsmodels.api, statsmodels.tsa.api, sklearn, plotly.graph_objects, plotly.io;\n"
               "warm-up: the shipped warmup.py, run once by the zygote after the imports so the\n"
               "libraries' first-use work is not paid per run. A --warmup FILE runs outside the jail\n"
               "with the daemon's privileges, like the preload imports: name only trusted code.\n"
               "A fresh zygote (fresh hash() seed, stack canary, pointer guard, ASLR) replaces the\n"
               "current one after --zygote-runs workers (default 5000) or once it is --zygote-age\n"
               "seconds old and has cloned one (default 1800); 0 turns either off.\n");
        return 0;
    }
    if (argc > 36)
        return fprintf(stderr, "sandboxrun serve: too many arguments\n"), SR_EXIT_USAGE;
    for (int i = 1; i < argc; i++)
        args[i + 1] = argv[i];
    ag_runner_exec_tool(args);   /* the daemon never sees this process's environment */
    return sr_status_exit_code(SR_INTERNAL_ERROR);
}
