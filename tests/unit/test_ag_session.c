/* Unit tests: sessions through the agent API, against the real supervisor and jail. */
#include <pthread.h>
#include <string.h>
#include <unistd.h>

#include "ag_session.h"
#include "tap.h"

static cJSON *exec(struct ag_session *s, const char *code, double timeout)
{
    cJSON *req = cJSON_CreateObject(), *rec = NULL;
    char err[256];

    cJSON_AddStringToObject(req, "code", code);
    if (timeout > 0)
        cJSON_AddNumberToObject(req, "timeout", timeout);
    if (ag_session_exec(s, req, &rec, err, sizeof err) < 0)
        printf("# exec failed: %s\n", err);
    cJSON_Delete(req);
    return rec;
}

static const char *str(const cJSON *rec, const char *key)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(rec, key);
    return cJSON_IsString(v) ? v->valuestring : "";
}

static void *interrupt_later(void *arg)
{
    usleep(500 * 1000);
    ag_session_interrupt(arg);
    return NULL;
}

int main(void)
{
    struct ag_session *s = NULL, *other = NULL;
    char err[256] = "";
    pthread_t th;
    cJSON *rec;

    ok(ag_session_start(NULL, &s, err, sizeof err) == 0 && ag_session_alive(s), "a session starts (%s)", err);
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

    ok(ag_session_start(NULL, &other, err, sizeof err) == 0, "a second session starts");
    rec = other ? exec(other, "import os\nprint('x' in globals(), os.path.exists('/tmp/kept'))", 0) : NULL;
    ok(rec && strcmp(str(rec, "stdout"), "False False\n") == 0, "a session cannot see another's state (%s)",
       str(rec, "stdout"));
    cJSON_Delete(rec);
    ag_session_stop(&other);

    pthread_create(&th, NULL, interrupt_later, s);
    rec = exec(s, "import time\ntime.sleep(30)", 0);
    pthread_join(th, NULL);
    ok(rec && strcmp(str(rec, "status"), "error") == 0 && strstr(str(rec, "stderr"), "KeyboardInterrupt"),
       "an interrupt stops the execution with KeyboardInterrupt (%s)", str(rec, "status"));
    cJSON_Delete(rec);
    rec = exec(s, "import time\ntime.sleep(30)", 0.5);
    ok(rec && strcmp(str(rec, "status"), "timeout") == 0, "a per-execution timeout (%s)", str(rec, "status"));
    cJSON_Delete(rec);
    rec = exec(s, "print(x)", 0);
    ok(rec && strcmp(str(rec, "stdout"), "42\n") == 0 && ag_session_alive(s), "the session survives both");
    cJSON_Delete(rec);
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
