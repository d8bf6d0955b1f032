/* ag_mcp_audit.c — every tool call, whatever the transport, through one
 * function that runs it and then writes its audit line and counts it:
 * the stdio server, MCP over HTTP and the AgentCore API (ag_mcp_tool_call)
 * all get here, so each call has exactly one line.
 *
 * start_session and stop_session are session events: the session registry
 * writes their line when the session starts or stops (as for AgentCore's
 * Start/Stop and for an expiry); here only their refusals are written. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "ag_audit.h"
#include "ag_mcp_result.h"
#include "ag_mcp_tools.h"
#include "ag_metrics.h"

static double mono(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

static const char *arg_str(const cJSON *o, const char *key)
{
    return cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(o, key));
}

void ag_mcp_call_note_input(struct ag_mcp_call *c, const char *name, const char *path, const void *data, size_t n)
{
    if (!c->audit)
        return;
    if (data || !path)
        ag_audit_add_input_bytes(c->audit, name, data ? data : "", data ? n : 0);
    else
        ag_audit_add_input_file(c->audit, name, path);
}

/* The result record inside a CallToolResult's structuredContent, or NULL
 * for tools that run nothing (the file tools, upload_artifact). */
static const cJSON *record_of(const cJSON *result)
{
    const cJSON *sc = cJSON_GetObjectItemCaseSensitive(result, "structuredContent");
    const cJSON *rec = cJSON_GetObjectItemCaseSensitive(sc, "record");

    if (cJSON_IsObject(rec))
        return rec;
    return cJSON_GetObjectItemCaseSensitive(sc, "exitCode") ? sc : NULL;
}

/* The call's status for the line and the metrics. */
static const char *status_of(const cJSON *result)
{
    const char *st = arg_str(record_of(result), "status");

    if (!result)
        return "refused";
    if (st)
        return st;
    return cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(result, "isError")) ? "tool_error" : "ok";
}

/* The first text of a result (an error's message), capped. */
static void first_text(const cJSON *result, char *out, size_t outlen)
{
    const cJSON *c = cJSON_GetArrayItem(cJSON_GetObjectItemCaseSensitive(result, "content"), 0);

    snprintf(out, outlen, "%.300s", arg_str(c, "text") ?: "");
}

/* write_files: what it writes into the session is the call's input. */
static void note_written(struct ag_mcp_call *c)
{
    const cJSON *f;

    cJSON_ArrayForEach(f, cJSON_GetObjectItemCaseSensitive(c->args, "files")) {
        const char *content = arg_str(f, "content") ?: "";
        size_t n = strlen(content);
        unsigned char *bin = NULL;
        if (strcmp(arg_str(f, "encoding") ?: "", "base64") == 0)
            bin = ag_mcp_unbase64(content, &n);
        ag_mcp_call_note_input(c, arg_str(f, "path"), NULL, bin ? (const void *)bin : content, n);
        free(bin);
    }
}

/* Fill in and write c's line for tool t's result r (or the error err). */
static void finish_line(struct ag_mcp_call *c, const struct ag_mcp_tool *t, const cJSON *r, const char *err,
                        double wall)
{
    const cJSON *sc = cJSON_GetObjectItemCaseSensitive(r, "structuredContent"), *rec = record_of(r);
    const char *code = arg_str(c->args, "code") ?: arg_str(c->args, "command");
    const char *sid = arg_str(c->args, "sessionId") ?: arg_str(sc, "sessionId");
    cJSON *l = c->audit, *d;
    char text[320];

    c->audit = NULL;
    cJSON_AddStringToObject(l, "tool", t->name);
    if (c->alias)
        cJSON_AddStringToObject(l, "operation", c->alias);
    if (sid)
        cJSON_AddStringToObject(l, "sessionId", sid);
    else
        cJSON_AddNullToObject(l, "sessionId");
    if (code)
        ag_audit_add_code(l, code, strlen(code));
    if (strcmp(t->name, "write_files") == 0) {
        c->audit = l;
        note_written(c);
        c->audit = NULL;
    }
    if (strcmp(t->name, "upload_artifact") == 0 && r && !cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(r, "isError")))
        ag_audit_add_upload(l, arg_str(sc, "s3Uri"), cJSON_GetNumberValue(cJSON_GetObjectItemCaseSensitive(sc, "size")));
    if (rec)
        ag_audit_add_record(l, rec);
    else
        cJSON_AddStringToObject(l, "status", status_of(r));
    if (!r)
        cJSON_AddStringToObject(l, "error", err && *err ? err : "the tool failed");
    else if (cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(r, "isError")) && !rec)
        first_text(r, text, sizeof text), cJSON_AddStringToObject(l, "error", text);
    if (!cJSON_GetObjectItemCaseSensitive(l, "inputs"))
        cJSON_AddArrayToObject(l, "inputs");
    if (!cJSON_GetObjectItemCaseSensitive(l, "uploads"))
        cJSON_AddArrayToObject(l, "uploads");
    d = cJSON_GetObjectItemCaseSensitive(l, "durations") ?: cJSON_AddObjectToObject(l, "durations");
    cJSON_AddNumberToObject(d, "wall", wall);
    ag_audit_emit(&l);
}

cJSON *ag_mcp_tool_run(struct ag_mcp_call *c, const struct ag_mcp_tool *t, int *rpc_code, char *err, size_t errlen)
{
    int session_op = strcmp(t->name, "start_session") == 0 || strcmp(t->name, "stop_session") == 0;
    double t0 = mono();
    cJSON *r;

    if (!c->correlation[0])   /* one id for the line and whatever session event the call makes */
        ag_audit_correlation(NULL, NULL, c->correlation);
    c->audit = session_op ? NULL : ag_audit_begin("exec", c->protocol, c->tenant, c->correlation);
    ag_metrics_inflight(1);
    c->tool = t;
    r = t->fn(c, rpc_code, err, errlen);
    ag_metrics_inflight(-1);
    if (session_op) {
        char why[320];
        int failed = !r || cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(r, "isError"));
        if (failed && r)
            first_text(r, why, sizeof why);
        if (failed)   /* a session that started or stopped wrote its own line */
            ag_audit_session(strcmp(t->name, "start_session") == 0 ? "start" : "stop", c->protocol, c->tenant,
                             arg_str(c->args, "sessionId"), c->correlation, "error", r ? why : err);
        return r;
    }
    ag_metrics_exec(c->protocol, status_of(r), mono() - t0);
    if (c->audit)
        finish_line(c, t, r, err, mono() - t0);
    return r;
}
