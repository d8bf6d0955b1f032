/* Unit tests: the result record and the UTF-8 sanitizer. */
#include <stdlib.h>
#include <string.h>
#include <signal.h>
#include <stdio.h>

#include "sb_record.h"
#include "sr_status.h"
#include "sr_utf8.h"
#include "tap.h"

int main(void)
{
    static const char *keys[] = {"status", "exitCode", "signal", "stdout", "stderr", "stdoutTruncated",
                                 "stderrTruncated", "executionTime", "cpuTime", "maxRssKb", "blocks", "files"};
    struct sb_outcome o;
    cJSON *rec;
    char *s;

    s = sr_utf8_sanitize("a\0b\xff\xc3\xa9\xed\xa0\x80", 9);
    ok(strcmp(s, "a\xEF\xBF\xBD" "b\xEF\xBF\xBD\xc3\xa9\xEF\xBF\xBD\xEF\xBF\xBD\xEF\xBF\xBD") == 0,
       "NUL, a stray byte and a surrogate become U+FFFD; valid UTF-8 kept");
    free(s);

    sb_outcome_init(&o);
    o.status = SR_OK;
    o.exit_code = 0;
    o.stdout_text = strdup("out\xff");
    o.stdout_len = 4;
    rec = sb_record_build(&o);
    for (size_t i = 0; i < sizeof keys / sizeof *keys; i++)
        ok(cJSON_GetObjectItem(rec, keys[i]) != NULL, "record has %s", keys[i]);
    ok(strcmp(cJSON_GetObjectItem(rec, "stdout")->valuestring, "out\xEF\xBF\xBD") == 0, "stdout sanitized");
    ok(!cJSON_GetObjectItem(rec, "violation") && !cJSON_GetObjectItem(rec, "error"), "no violation, no error when ok");
    cJSON_Delete(rec);

    o.status = SR_POLICY_VIOLATION;
    o.exit_code = -1;
    o.signal = SIGKILL;
    o.violation_nr = 101;
    snprintf(o.violation_name, sizeof o.violation_name, "ptrace");
    rec = sb_record_build(&o);
    ok(strcmp(cJSON_GetObjectItem(cJSON_GetObjectItem(rec, "violation"), "syscall")->valuestring, "ptrace") == 0 &&
       cJSON_GetObjectItem(cJSON_GetObjectItem(rec, "violation"), "number")->valueint == 101, "violation named");
    ok(cJSON_IsNull(cJSON_GetObjectItem(rec, "exitCode")) &&
       strcmp(cJSON_GetObjectItem(rec, "signal")->valuestring, "SIGKILL") == 0, "signal by name, exitCode null");
    cJSON_Delete(rec);
    sb_outcome_free(&o);

    for (int st = 0; st < SR_STATUS_COUNT; st++)
        for (int k = 0; k < st; k++)
            if (sr_status_exit_code((enum sr_status)st) == sr_status_exit_code((enum sr_status)k))
                ok(0, "exit codes of %s and %s differ", sr_status_name(st), sr_status_name(k));
    ok(sr_status_exit_code(SR_OK) == 0 && sr_status_exit_code(SR_ERROR) == 1, "ok is 0, error is 1");
    ok(sr_status_from_name("memory_limit") == SR_MEMORY_LIMIT, "status names round-trip");
    return tap_done();
}
