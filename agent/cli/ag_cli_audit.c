/* ag_cli_audit.c — a CLI run's audit line. */
#include "ag_cli_audit.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "ag_audit.h"

static double mono(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

void ag_cli_audit_begin(struct ag_cli_audit *a, const struct ag_run_opts *o, const cJSON *req, int socket)
{
    const char *code = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(req, "code"));
    const cJSON *in;
    char corr[AG_AUDIT_CORR_MAX];

    a->t0 = mono();
    /* a caller that traces (a CI job, a pipeline) names the run with TRACEPARENT */
    ag_audit_correlation(getenv("TRACEPARENT"), NULL, corr);
    if (!(a->line = ag_audit_begin("exec", socket ? "socket" : "cli", NULL, corr)))
        return;
    cJSON_AddStringToObject(a->line, "tool", o->command ? o->command : "run");
    cJSON_AddNullToObject(a->line, "sessionId");
    if (code)
        ag_audit_add_code(a->line, code, strlen(code));
    cJSON_AddArrayToObject(a->line, "inputs");
    cJSON_ArrayForEach(in, cJSON_GetObjectItemCaseSensitive(req, "inputs"))
        ag_audit_add_input_file(a->line, cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(in, "name")),
                                cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(in, "path")) ?: "");
}

void ag_cli_audit_end(struct ag_cli_audit *a, const cJSON *record, const char *error)
{
    cJSON *d;

    if (!a->line)
        return;
    if (record) {
        ag_audit_add_record(a->line, record);
    } else {
        cJSON_AddStringToObject(a->line, "status", "internal_error");
        cJSON_AddStringToObject(a->line, "error", error ? error : "no record");
    }
    if (!cJSON_GetObjectItemCaseSensitive(a->line, "uploads"))
        cJSON_AddArrayToObject(a->line, "uploads");
    d = cJSON_GetObjectItemCaseSensitive(a->line, "durations") ?: cJSON_AddObjectToObject(a->line, "durations");
    cJSON_AddNumberToObject(d, "wall", mono() - a->t0);
    ag_audit_emit(&a->line);
}
