/* test_ag_audit.c — correlation ids from traceparent (W3C Trace Context)
 * and X-Amzn-Trace-Id (AWS X-Ray) headers, good and bad; a line's record
 * fields and what it must leave out (presigned queries, the code); the
 * metrics' exposition under concurrent updates. */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "ag_audit.h"
#include "ag_metrics.h"
#include "tap.h"

static int is_generated(const char *id)
{
    return strlen(id) == 32 && strspn(id, "0123456789abcdef") == 32;
}

static void test_correlation(void)
{
    char id[AG_AUDIT_CORR_MAX], id2[AG_AUDIT_CORR_MAX];
    static const char *const bad_tp[] = {
        "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7",        /* no flags */
        "00-00000000000000000000000000000000-00f067aa0ba902b7-01",     /* all-zero trace-id */
        "00-4BF92F3577B34DA6A3CE929D0E0E4736-00f067aa0ba902b7-01",     /* upper case */
        "ff-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01",     /* version ff */
        "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01-x",   /* version 00 has no more fields */
        "00-4bf92f3577b34da6a3ce929d0e0e4736\"-00f067aa0ba902b-01",
        "", NULL};

    ag_audit_correlation("00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01", NULL, id);
    ok(strcmp(id, "4bf92f3577b34da6a3ce929d0e0e4736") == 0, "traceparent: its trace-id (%s)", id);
    ag_audit_correlation("01-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01-future", NULL, id);
    ok(strcmp(id, "4bf92f3577b34da6a3ce929d0e0e4736") == 0, "a later version's extra fields are allowed");
    for (int i = 0; bad_tp[i]; i++) {
        ag_audit_correlation(bad_tp[i], NULL, id);
        ok(is_generated(id) && strstr(bad_tp[i], id) == NULL, "bad traceparent '%s': a new id (%s)", bad_tp[i], id);
    }
    ag_audit_correlation(NULL, "Root=1-5759e988-bd862e3fe1be46a994272793;Parent=53995c3f42cd8ad8;Sampled=1", id);
    ok(strcmp(id, "1-5759e988-bd862e3fe1be46a994272793") == 0, "X-Amzn-Trace-Id: its Root (%s)", id);
    ag_audit_correlation(NULL, "Self=1-abc;Root=1-5759e988-bd862e3fe1be46a994272793", id);
    ok(strcmp(id, "1-5759e988-bd862e3fe1be46a994272793") == 0, "a Root after another field");
    ag_audit_correlation(NULL, "Root=1-5759e988-bd862e3fe1be46a9942727\"; x", id);
    ok(is_generated(id), "a malformed Root: a new id");
    ag_audit_correlation(NULL, "NotRoot=1-5759e988-bd862e3fe1be46a994272793", id);
    ok(is_generated(id), "a key that only ends in Root: a new id");
    ag_audit_correlation(NULL, "NotRoot=1-5759e988-bd862e3fe1be46a994272793;Root=1-5759e988-bd862e3fe1be46a994272799",
                         id);
    ok(strcmp(id, "1-5759e988-bd862e3fe1be46a994272799") == 0, "the real Root after a look-alike");
    ag_audit_correlation("00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01",
                         "Root=1-5759e988-bd862e3fe1be46a994272793", id);
    ok(strcmp(id, "4bf92f3577b34da6a3ce929d0e0e4736") == 0, "both: traceparent wins");
    ag_audit_correlation(NULL, NULL, id);
    ag_audit_correlation(NULL, NULL, id2);
    ok(is_generated(id) && is_generated(id2) && strcmp(id, id2) != 0, "none: a new random id each time");
}

static char *read_all(const char *path)
{
    FILE *f = fopen(path, "r");
    char *buf = calloc(1, 1 << 16);
    size_t n = f ? fread(buf, 1, (1 << 16) - 1, f) : 0;

    if (f)
        fclose(f);
    buf[n] = '\0';
    return buf;
}

static void test_line(void)
{
    char dir[] = "/tmp/test_ag_audit-XXXXXX", path[128], err[300];
    const char *rec_text = "{\"status\":\"policy_violation\",\"exitCode\":null,\"signal\":31,"
                           "\"violation\":{\"syscall\":\"unshare\",\"number\":272},\"stdout\":\"abc\",\"stderr\":\"\","
                           "\"executionTime\":0.5,\"cpuTime\":0.25,\"files\":[{\"path\":\"a\",\"size\":10},"
                           "{\"path\":\"b\",\"size\":5}],\"upload\":{\"bundle\":\"https://h/b/out.tar.gz?X-Amz-"
                           "Signature=SECRET&X-Amz-Credential=AKID\"}}";
    cJSON *rec = cJSON_Parse(rec_text), *l, *got;
    struct stat st;
    char *text;

    ok(mkdtemp(dir) != NULL, "a scratch directory");
    snprintf(path, sizeof path, "%s/a.log", dir);
    ok(!ag_audit_enabled() && !ag_audit_begin("exec", "cli", NULL, NULL), "no log open: no line is built");
    ok(ag_audit_open(dir, 0, err, sizeof err) < 0 && strstr(err, "is a directory"), "a directory: %s", err);
    ok(ag_audit_open(path, 0, err, sizeof err) == 0 && stat(path, &st) == 0 && (st.st_mode & 0777) == 0600,
       "a new log is 0600");
    l = ag_audit_begin("exec", "mcp-http", "team-a", "4bf92f3577b34da6a3ce929d0e0e4736");
    ag_audit_add_code(l, "print(1)", 8);
    ag_audit_add_input_bytes(l, "x.csv", "a,b\n", 4);
    ag_audit_add_record(l, rec);
    ag_audit_emit(&l);
    ok(l == NULL, "emit frees the line");
    ag_audit_close();
    text = read_all(path);
    got = cJSON_Parse(text);
    ok(got && strchr(text, '\n') == text + strlen(text) - 1, "one JSON line, newline-terminated");
    ok(strcmp(cJSON_GetStringValue(cJSON_GetObjectItem(got, "status")) ?: "", "policy_violation") == 0 &&
       cJSON_GetObjectItem(cJSON_GetObjectItem(got, "violation"), "syscall") &&
       cJSON_GetNumberValue(cJSON_GetObjectItem(cJSON_GetObjectItem(got, "output"), "fileBytes")) == 15 &&
       cJSON_GetNumberValue(cJSON_GetObjectItem(cJSON_GetObjectItem(got, "output"), "stdoutBytes")) == 3,
       "status, violation, output sizes from the record");
    ok(strstr(text, "\"object\":\"https://h/b/out.tar.gz\"") && !strstr(text, "SECRET") && !strstr(text, "AKID") &&
       !strstr(text, "print(1)"), "an upload by its object, without the presigned query; the code only hashed");
    ok(strstr(text, "\"code\":{\"sha256\":\"d287bb7f9d15abdc5b6e98536263815744b6ef21c8f3c839fc434ca70d8efe99\","
                    "\"size\":8}") != NULL, "the code's sha256 and size");
    free(text);
    cJSON_Delete(got);
    chmod(path, 0644);
    ok(ag_audit_open(path, 0, err, sizeof err) < 0 && strstr(err, "chmod 600"), "a log others may read: %s", err);
    unlink(path);
    rmdir(dir);
    cJSON_Delete(rec);
}

static void *hammer(void *arg)
{
    for (int i = 0; i < 20000; i++)
        ag_metrics_exec((const char *)arg, i % 3 ? "ok" : "timeout", (i % 100) / 10.0);
    return NULL;
}

static void test_metrics(void)
{
    pthread_t t[4];
    const char *protos[] = {"agentcore", "mcp-http", "cli", "nonsense"};
    struct ag_metrics_gauges g = {.sessions = 2, .sessions_max = 8, .started = 1700000000};
    size_t len;
    char *text;

    for (int i = 0; i < 4; i++)
        pthread_create(&t[i], NULL, hammer, (void *)protos[i]);
    for (int i = 0; i < 4; i++)
        pthread_join(t[i], NULL);
    text = ag_metrics_render(&g, &len);
    ok(text && len == strlen(text), "the exposition renders");
    ok(strstr(text, "sandboxrun_execution_duration_seconds_count 80000\n") &&
       strstr(text, "sandboxrun_execution_duration_seconds_bucket{le=\"+Inf\"} 80000\n"),
       "80000 updates from 4 threads, none lost (atomics)");
    ok(strstr(text, "sandboxrun_executions_total{protocol=\"unknown\",status=\"ok\"} 13333\n") &&
       strstr(text, "sandboxrun_executions_total{protocol=\"agentcore\",status=\"timeout\"} 6667\n"),
       "by protocol and status; an unknown protocol counts as unknown");
    ok(strstr(text, "sandboxrun_sessions_active 2\n") && strstr(text, "# TYPE sandboxrun_sessions_active gauge\n"),
       "the caller's gauges");
    free(text);
}

int main(void)
{
    test_correlation();
    test_line();
    test_metrics();
    return tap_done();
}
