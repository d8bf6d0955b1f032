/* sb_record.c — outcome -> result record (field names as the cloud interpreters use). */
#include "sb_record.h"

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sr_utf8.h"

void sb_outcome_init(struct sb_outcome *o)
{
    memset(o, 0, sizeof *o);
    o->status = SR_INTERNAL_ERROR;
    o->exit_code = -1;
    o->violation_nr = -1;
    o->blocks = cJSON_CreateArray();
    o->results = cJSON_CreateArray();
    o->files = cJSON_CreateArray();
    o->skipped = cJSON_CreateArray();
    o->weakened = cJSON_CreateArray();
    o->memory_enforcement = "rlimit";
}

void sb_outcome_free(struct sb_outcome *o)
{
    free(o->stdout_text);
    free(o->stderr_text);
    cJSON_Delete(o->blocks);
    cJSON_Delete(o->results);
    cJSON_Delete(o->files);
    cJSON_Delete(o->skipped);
    cJSON_Delete(o->error);
    cJSON_Delete(o->weakened);
    memset(o, 0, sizeof *o);
}

static void add_text(cJSON *rec, const char *key, const char *p, size_t n)
{
    char *clean = sr_utf8_sanitize(p ? p : "", p ? n : 0);

    cJSON_AddStringToObject(rec, key, clean ? clean : "");
    free(clean);
}

/* A copy of s with invalid UTF-8 replaced, or NULL if s is already clean. */
static char *clean_copy(const char *s)
{
    char *c = sr_utf8_sanitize(s, strlen(s));

    if (c && strcmp(c, s) == 0) {
        free(c);
        return NULL;
    }
    return c;
}

/* Make every key and string in the tree valid UTF-8: blocks and the error
 * report come from the script, and cJSON passes bytes (and lone surrogates
 * written as \udc00) straight through, which would make the record itself
 * invalid JSON text for strict readers. */
static void clean_tree(cJSON *item)
{
    char *c;

    for (; item; item = item->next) {
        if (item->string && !(item->type & cJSON_StringIsConst) && (c = clean_copy(item->string))) {
            cJSON_free(item->string);
            item->string = c;
        }
        if (cJSON_IsString(item) && item->valuestring && (c = clean_copy(item->valuestring))) {
            cJSON_free(item->valuestring);
            item->valuestring = c;
        }
        clean_tree(item->child);
    }
}

static void add_copy(cJSON *rec, const char *key, const cJSON *v)
{
    cJSON *copy = v ? cJSON_Duplicate(v, 1) : cJSON_CreateArray();

    if (copy)
        clean_tree(copy);   /* a fresh copy has no siblings */
    cJSON_AddItemToObject(rec, key, copy);
}

/* Round to microseconds so records compare cleanly. */
static double secs(double s)
{
    return (double)(long long)(s * 1e6 + 0.5) / 1e6;
}

cJSON *sb_record_build(const struct sb_outcome *o)
{
    cJSON *rec = cJSON_CreateObject();

    if (!rec)
        return NULL;
    cJSON_AddStringToObject(rec, "status", sr_status_name(o->status));
    if (o->exit_code >= 0)
        cJSON_AddNumberToObject(rec, "exitCode", o->exit_code);
    else
        cJSON_AddNullToObject(rec, "exitCode");
    if (o->signal > 0) {
        const char *abbrev = sigabbrev_np(o->signal);
        char name[32] = "SIG";
        strncat(name, abbrev ? abbrev : "?", sizeof name - 4);
        cJSON_AddStringToObject(rec, "signal", name);
    } else {
        cJSON_AddNullToObject(rec, "signal");
    }
    add_text(rec, "stdout", o->stdout_text, o->stdout_len);
    add_text(rec, "stderr", o->stderr_text, o->stderr_len);
    cJSON_AddBoolToObject(rec, "stdoutTruncated", o->stdout_truncated);
    cJSON_AddBoolToObject(rec, "stderrTruncated", o->stderr_truncated);
    cJSON_AddNumberToObject(rec, "executionTime", secs(o->execution_time));
    cJSON_AddNumberToObject(rec, "setupTime", secs(o->setup_time));
    cJSON_AddNumberToObject(rec, "cpuTime", secs(o->cpu_time));
    cJSON_AddNumberToObject(rec, "maxRssKb", (double)o->max_rss_kb);
    add_copy(rec, "blocks", o->blocks);
    if (o->blocks_dropped)
        cJSON_AddNumberToObject(rec, "blocksDropped", (double)o->blocks_dropped);
    add_copy(rec, "results", o->results);
    if (o->results_dropped)
        cJSON_AddNumberToObject(rec, "resultsDropped", (double)o->results_dropped);
    add_copy(rec, "files", o->files);
    if (cJSON_GetArraySize(o->skipped) > 0)
        add_copy(rec, "skippedFiles", o->skipped);
    if (o->skipped_dropped)
        cJSON_AddNumberToObject(rec, "skippedFilesDropped", (double)o->skipped_dropped);
    if (o->status == SR_POLICY_VIOLATION) {
        cJSON *v = cJSON_AddObjectToObject(rec, "violation");
        cJSON_AddStringToObject(v, "syscall", o->violation_name[0] ? o->violation_name : "unknown");
        if (o->violation_nr >= 0)
            cJSON_AddNumberToObject(v, "number", o->violation_nr);
        else
            cJSON_AddNullToObject(v, "number");
    }
    if (o->error)
        add_copy(rec, "error", o->error);
    if (o->message[0])
        add_text(rec, "message", o->message, strlen(o->message));
    cJSON_AddStringToObject(rec, "memoryEnforcement", o->memory_enforcement);
    if (o->memory_uncounted_mb)
        cJSON_AddNumberToObject(rec, "memoryUncountedMb", (double)o->memory_uncounted_mb);
    if (cJSON_GetArraySize(o->weakened) > 0)
        add_copy(rec, "weakened", o->weakened);
    return rec;
}

cJSON *sb_record_internal_error(const char *message)
{
    struct sb_outcome o;
    cJSON *rec;

    sb_outcome_init(&o);
    snprintf(o.message, sizeof o.message, "%s", message);
    rec = sb_record_build(&o);
    sb_outcome_free(&o);
    return rec;
}
