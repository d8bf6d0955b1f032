/* Unit tests: sessions through the agent API, against the real supervisor and jail. */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <signal.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "ag_server.h"
#include "ag_session.h"
#include "sr_cancel.h"
#include "tap.h"

static char last_err[256];

/* Run code with an optional cancel token; the record or NULL (last_err says why). */
static cJSON *exec_with(struct ag_session *s, const char *code, double timeout, struct ag_session_cancel *cancel)
{
    cJSON *req = cJSON_CreateObject(), *rec = NULL;

    last_err[0] = '\0';
    cJSON_AddStringToObject(req, "code", code);
    if (timeout > 0)
        cJSON_AddNumberToObject(req, "timeout", timeout);
    if (ag_session_exec(s, req, cancel, &rec, last_err, sizeof last_err) < 0)
        printf("# exec failed: %s\n", last_err);
    cJSON_Delete(req);
    return rec;
}

static cJSON *exec(struct ag_session *s, const char *code, double timeout)
{
    return exec_with(s, code, timeout, NULL);
}

static const char *str(const cJSON *rec, const char *key)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(rec, key);
    return cJSON_IsString(v) ? v->valuestring : "";
}

static void *cancel_later(void *arg)
{
    usleep(500 * 1000);
    ag_session_cancel(arg);
    return NULL;
}

/* The first child of pid (the session's init), or -1. */
static pid_t first_child(pid_t pid)
{
    char path[64], buf[64] = "";
    FILE *f;
    long child = -1;

    snprintf(path, sizeof path, "/proc/%d/task/%d/children", (int)pid, (int)pid);
    if ((f = fopen(path, "r"))) {
        if (fgets(buf, sizeof buf, f))
            child = strtol(buf, NULL, 10);
        fclose(f);
    }
    return child > 0 ? (pid_t)child : -1;
}

/* Whether a TERM to an idle session's supervisor ends it within 3 s. */
static int idle_term_ends(void)
{
    struct ag_session *idle = NULL;
    char err[256];
    pid_t pid;
    int gone = 0;

    if (ag_session_start(ag_server_socket(NULL), NULL, &idle, err, sizeof err) < 0)
        return 0;
    pid = ag_session_pid(idle);
    kill(pid, SIGTERM);
    for (int i = 0; i < 300 && !gone; i++) {
        gone = waitpid(pid, NULL, WNOHANG) == pid;
        usleep(10 * 1000);
    }
    ag_session_stop(&idle);
    return gone;
}

int main(void)
{
    struct ag_session *s = NULL, *other = NULL;
    char err[256] = "";
    pthread_t th;
    struct ag_session_cancel during = AG_SESSION_CANCEL_INIT, before = AG_SESSION_CANCEL_INIT;
    pid_t init;
    struct ag_session_cancel after = AG_SESSION_CANCEL_INIT;
    cJSON *rec;

    /* as a server started in the background by a shell ("sandboxrun mcp &")
     * is: SIGINT and SIGQUIT ignored, which the jail must not pass on */
    signal(SIGINT, SIG_IGN);
    signal(SIGQUIT, SIG_IGN);
    ok(ag_session_start(ag_server_socket(NULL), NULL, &s, err, sizeof err) == 0 && ag_session_alive(s), "a session starts (%s)", err);
    if (!s)
        return tap_done();
    rec = exec(s, "import pandas as pd\ndf = pd.DataFrame({'a': [1, 2, 3]})\nx = 41", 0);
    ok(rec && strcmp(str(rec, "status"), "ok") == 0 && cJSON_GetObjectItem(rec, "cpuTime")->valuedouble > 0.05,
       "first execution ok; importing pandas shows as CPU time");
    cJSON_Delete(rec);
    rec = exec(s, "x += 1\nprint(x, int(df.a.sum()))", 0);
    ok(rec && strcmp(str(rec, "stdout"), "42 6\n") == 0, "variables and imports persist (%s)", str(rec, "stdout"));
    ok(rec && cJSON_GetObjectItem(rec, "maxRssKb")->valuedouble > 10000 && cJSON_GetObjectItem(rec, "cpuTime")->valuedouble >= 0,
       "a session's record carries its CPU time and peak RSS");
    cJSON_Delete(rec);
    rec = exec(s, "open('/tmp/kept', 'w').write('kept')", 0);
    cJSON_Delete(rec);
    rec = exec(s, "print(open('/tmp/kept').read())", 0);
    ok(rec && strcmp(str(rec, "stdout"), "kept\n") == 0, "files persist");
    cJSON_Delete(rec);

    ok(ag_session_start(ag_server_socket(NULL), NULL, &other, err, sizeof err) == 0, "a second session starts");
    rec = other ? exec(other, "import os\nprint('x' in globals(), os.path.exists('/tmp/kept'))", 0) : NULL;
    ok(rec && strcmp(str(rec, "stdout"), "False False\n") == 0, "a session cannot see another's state (%s)",
       str(rec, "stdout"));
    cJSON_Delete(rec);
    ag_session_stop(&other);

    pthread_create(&th, NULL, cancel_later, &during);
    rec = exec_with(s, "import time\ntime.sleep(30)", 0, &during);
    pthread_join(th, NULL);
    ok(rec && strcmp(str(rec, "status"), "error") == 0 && strstr(str(rec, "stderr"), "KeyboardInterrupt"),
       "a cancel stops the execution with KeyboardInterrupt (%s)", str(rec, "status"));
    if (rec && strcmp(str(rec, "status"), "error") != 0) {
        char *text = cJSON_PrintUnformatted(rec);
        printf("# record: %.1500s\n", text ? text : "?");
        free(text);
    }
    cJSON_Delete(rec);
    ag_session_cancel(&before);
    rec = exec_with(s, "x = 1000", 0, &before);
    ok(!rec && strstr(last_err, "cancelled") && ag_session_alive(s), "a cancel before the execution: it never runs");
    rec = exec_with(s, "print('ran')", 0, &after);
    ok(rec && strcmp(str(rec, "stdout"), "ran\n") == 0, "an execution with a token runs normally");
    cJSON_Delete(rec);
    ag_session_cancel(&after);   /* too late: touches nothing */
    /* a cancel signal that was already on its way for that execution (the
     * race the number exists for): the next one must not be interrupted */
    sigqueue(ag_session_pid(s), SR_CANCEL_SIGNAL, (union sigval){.sival_int = (int)after.seq});
    usleep(100 * 1000);
    rec = exec(s, "import time\ntime.sleep(0.5)\nprint('not interrupted')", 0);
    ok(rec && strcmp(str(rec, "stdout"), "not interrupted\n") == 0,
       "a late cancel for an earlier execution leaves the next alone (%s)", str(rec, "status"));
    cJSON_Delete(rec);
    /* the same race one step further: the interrupt for that execution
     * reaches init (and so the script's process) after it ended */
    init = first_child(ag_session_pid(s));
    ok(init > 0 && sigqueue(init, SIGUSR1, (union sigval){.sival_int = (int)after.seq}) == 0,
       "a late numbered interrupt is sent to the session's init (pid %d)", (int)init);
    usleep(100 * 1000);
    rec = exec(s, "import time\ntime.sleep(0.3)\nprint('still not interrupted')", 0);
    ok(rec && strcmp(str(rec, "stdout"), "still not interrupted\n") == 0,
       "the script's process drops an interrupt meant for an execution that ended (%s)", str(rec, "status"));
    cJSON_Delete(rec);
    /* a cancel that overtakes its own request (sent before the supervisor read it) */
    sigqueue(ag_session_pid(s), SR_CANCEL_SIGNAL, (union sigval){.sival_int = (int)after.seq + 3});
    usleep(100 * 1000);
    rec = exec(s, "x = 1000", 0);
    ok(rec && strcmp(str(rec, "status"), "error") == 0 && strstr(str(rec, "message"), "cancelled before it started"),
       "a cancel that arrives before its request: the execution never runs (%s)", str(rec, "message"));
    cJSON_Delete(rec);
    rec = exec(s, "import time\ntime.sleep(30)", 0.5);
    ok(rec && strcmp(str(rec, "status"), "timeout") == 0, "a per-execution timeout (%s)", str(rec, "status"));
    cJSON_Delete(rec);
    rec = exec(s, "print(x)", 0);
    ok(rec && strcmp(str(rec, "stdout"), "42\n") == 0 && ag_session_alive(s), "the session survives both");
    cJSON_Delete(rec);
    ok(idle_term_ends(), "SIGTERM ends an idle session at once");
    rec = exec(s, "import os\nos._exit(5)", 0);
    ok(rec && cJSON_IsFalse(cJSON_GetObjectItem(rec, "sessionAlive")) && !ag_session_alive(s),
       "a dead interpreter ends the session");
    cJSON_Delete(rec);
    rec = exec(s, "print(1)", 0);
    ok(!rec, "an ended session refuses further code");
    ag_session_stop(&s);
    ok(s == NULL, "stop clears the handle");
    return tap_done();
}
