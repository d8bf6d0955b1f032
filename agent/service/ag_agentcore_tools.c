/* ag_agentcore_tools.c — InvokeCodeInterpreter: each AgentCore tool is an
 * MCP tool call (background commands and clearContext: the internal
 * session_call, a helper of scripts/sandboxrun_session.py in the session),
 * and the MCP CallToolResult becomes the one
 * `result` event of the answer's event stream, content block for content
 * block.
 *
 * The call runs on its own thread while the connection's thread watches the
 * client's socket: a client that hangs up cancels the call, so it frees its
 * session and its execution slot at once. */
#include <errno.h>
#include <poll.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/eventfd.h>
#include <sys/random.h>
#include <unistd.h>

#include "ag_agentcore.h"
#include "ag_eventstream.h"
#include "ag_mcp_inline.h"
#include "ag_mcp_result.h"
#include "ag_mcp_tools.h"
#include "ag_metrics.h"
#include "ag_tenants.h"
#include "sr_buf.h"
#include "sr_caps.h"
#include "sr_log.h"


/* One tool call in flight. */
struct flight {
    struct flight *next;
    struct ag_mcp_call call;
    cJSON *args;
    const char *tool;
    cJSON *result;
    int rpc_code;
    char err[600];
    int done_fd;
};

static pthread_mutex_t flights_lock = PTHREAD_MUTEX_INITIALIZER;
static struct flight *flights;

void ag_agentcore_cancel_all(void)
{
    pthread_mutex_lock(&flights_lock);
    for (struct flight *f = flights; f; f = f->next)
        ag_mcp_call_cancel(&f->call);
    pthread_mutex_unlock(&flights_lock);
}

static void *fly(void *arg)
{
    struct flight *f = arg;
    uint64_t one = 1;

    f->result = ag_mcp_tool_call(&f->call, f->tool, &f->rpc_code, f->err, sizeof f->err);
    (void)!write(f->done_fd, &one, sizeof one);
    return NULL;
}

static void flight_link(struct flight *f, int add)
{
    pthread_mutex_lock(&flights_lock);
    if (add) {
        f->next = flights;
        flights = f;
    } else {
        for (struct flight **p = &flights; *p; p = &(*p)->next)
            if (*p == f) {
                *p = f->next;
                break;
            }
    }
    pthread_mutex_unlock(&flights_lock);
}

/* Run MCP tool with args (taken) for tenant, cancelled if the client on fd
 * hangs up; alias (AgentCore's name) and corr go to the audit line. The
 * CallToolResult, or NULL with err set. */
static cJSON *call_watched(const char *tool, const char *alias, const char *corr, cJSON *args, const char *tenant,
                           int fd, char *err, size_t errlen)
{
    struct flight f = {.args = args, .tool = tool};
    pthread_t th;
    cJSON *r;

    ag_mcp_call_init(&f.call, args);
    f.call.tenant = tenant;
    f.call.protocol = "agentcore";
    f.call.alias = alias;
    snprintf(f.call.correlation, sizeof f.call.correlation, "%s", corr);
    if ((f.done_fd = eventfd(0, EFD_CLOEXEC)) < 0 || pthread_create(&th, NULL, fly, &f) != 0) {
        if (f.done_fd >= 0)
            close(f.done_fd);
        cJSON_Delete(args);
        return snprintf(err, errlen, "cannot start the call: %s", strerror(errno)), NULL;
    }
    flight_link(&f, 1);
    for (int gone = 0;;) {
        struct pollfd p[2] = {{f.done_fd, POLLIN, 0}, {gone ? -1 : fd, POLLRDHUP, 0}};
        if (poll(p, 2, -1) < 0 && errno != EINTR)
            break;
        if (p[0].revents)
            break;
        if (!gone && (p[1].revents & (POLLRDHUP | POLLHUP | POLLERR))) {
            SR_INFO("agentcore: the client hung up; cancelling its %s", tool);
            ag_mcp_call_cancel(&f.call);
            gone = 1;
        }
    }
    pthread_join(th, NULL);
    flight_link(&f, 0);
    close(f.done_fd);
    r = f.result;
    if (!r)
        snprintf(err, errlen, "%s", f.err);
    cJSON_Delete(args);
    return r;
}

/* ---- arguments: AgentCore's into the MCP tool's ---- */

static const char *arg_str(const cJSON *o, const char *key)
{
    return cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(o, key));
}

static cJSON *base_args(const char *sid, double timeout)
{
    cJSON *a = cJSON_CreateObject();

    cJSON_AddStringToObject(a, "sessionId", sid);
    if (timeout > 0)
        cJSON_AddNumberToObject(a, "timeout", timeout);
    return a;
}

/* Copy the array member key of in to out (as is); -1 if it is missing or not an array. */
static int copy_array(cJSON *out, const cJSON *in, const char *key, const char *as)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(in, key);

    if (!cJSON_IsArray(v))
        return -1;
    cJSON_AddItemToObject(out, as, cJSON_Duplicate(v, 1));
    return 0;
}

/* writeFiles' content [{path, text | blob}] as write_files' files. */
static int write_files_args(cJSON *out, const cJSON *in)
{
    const cJSON *content = cJSON_GetObjectItemCaseSensitive(in, "content"), *c;
    cJSON *files;

    if (!cJSON_IsArray(content))
        return -1;
    files = cJSON_AddArrayToObject(out, "files");
    cJSON_ArrayForEach(c, content) {
        const char *path = arg_str(c, "path"), *text = arg_str(c, "text"), *blob = arg_str(c, "blob");
        cJSON *f;
        if (!path || (!text == !blob))
            return -1;
        f = cJSON_CreateObject();
        cJSON_AddStringToObject(f, "path", path);
        cJSON_AddStringToObject(f, "content", text ? text : blob);
        cJSON_AddStringToObject(f, "encoding", text ? "utf-8" : "base64");
        cJSON_AddItemToArray(files, f);
    }
    return 0;
}

/* session_call arguments for background command op (start, get, stop):
 * the task helper of scripts/sandboxrun_session.py keeps one process per
 * task in the session, its output in /tmp/.sandboxrun-tasks. */
static cJSON *task_args(const char *sid, const char *op, const char *tid, const char *cmd)
{
    cJSON *a = base_args(sid, 30), *call = cJSON_AddObjectToObject(a, "call");

    cJSON_AddStringToObject(call, "op", "task");
    cJSON_AddStringToObject(call, "task", op);
    cJSON_AddStringToObject(call, "taskId", tid);
    if (cmd)
        cJSON_AddStringToObject(call, "command", cmd);
    cJSON_AddNumberToObject(call, "cap", AG_TASK_OUTPUT_MAX);
    return a;
}

/* ---- results: the MCP CallToolResult into AgentCore's CodeInterpreterResult ---- */

static void add_text(cJSON *content, const char *text)
{
    cJSON *t = cJSON_CreateObject();

    cJSON_AddStringToObject(t, "type", "text");
    cJSON_AddStringToObject(t, "text", text);
    cJSON_AddItemToArray(content, t);
}

/* The inline budget of one result's content blocks (ag_mcp_inline's). */
static size_t inline_budget(void)
{
    struct ag_mcp_inline b;

    ag_mcp_inline_init(&b, NULL, NULL, NULL);   /* counting only: nothing is stored */
    return b.left;
}

/* The bytes content blocks carry inline (text, image data, embedded resources). */
static size_t content_bytes(const cJSON *content)
{
    const cJSON *c, *res;
    size_t n = 0;

    cJSON_ArrayForEach(c, content) {
        res = cJSON_GetObjectItemCaseSensitive(c, "resource");
        n += strlen(arg_str(c, "text") ?: "") + strlen(arg_str(c, "data") ?: "") +
             strlen(arg_str(res, "text") ?: "") + strlen(arg_str(res, "blob") ?: "");
    }
    return n;
}

/* An MCP resource_link (an item past the inline budget, or HTML) as
 * AgentCore's resource_link ContentBlock: uri, name, mimeType, size, and a
 * description that says how to read it and its sha256 (AgentCore's block
 * has no _meta). */
static void link_block(cJSON *b, const cJSON *c)
{
    const cJSON *size = cJSON_GetObjectItemCaseSensitive(c, "size");
    const char *sha = arg_str(cJSON_GetObjectItemCaseSensitive(c, "_meta"), "sha256");
    char what[256];

    cJSON_AddStringToObject(b, "uri", arg_str(c, "uri") ?: "");
    cJSON_AddStringToObject(b, "name", arg_str(c, "name") ?: "");
    if (arg_str(c, "mimeType"))
        cJSON_AddStringToObject(b, "mimeType", arg_str(c, "mimeType"));
    if (cJSON_IsNumber(size))
        cJSON_AddNumberToObject(b, "size", size->valuedouble);
    snprintf(what, sizeof what, "sent by reference (HTML, or past the %zu-byte inline budget): read it with "
             "readFiles, this uri as a path%s%s", inline_budget(), sha ? "; sha256 " : "", sha ? sha : "");
    cJSON_AddStringToObject(b, "description", what);
}

/* One MCP content item as an AgentCore ContentBlock (the same model). */
static cJSON *block(const cJSON *c)
{
    const char *type = arg_str(c, "type") ?: "text";
    cJSON *b = cJSON_CreateObject();
    const cJSON *res = cJSON_GetObjectItemCaseSensitive(c, "resource");

    cJSON_AddStringToObject(b, "type", type);
    if (strcmp(type, "text") == 0) {
        cJSON_AddStringToObject(b, "text", arg_str(c, "text") ?: "");
    } else if (strcmp(type, "image") == 0) {
        cJSON_AddStringToObject(b, "data", arg_str(c, "data") ?: "");
        cJSON_AddStringToObject(b, "mimeType", arg_str(c, "mimeType") ?: "image/png");
    } else if (strcmp(type, "resource") == 0 && res) {
        cJSON *r = cJSON_AddObjectToObject(b, "resource");
        cJSON_AddStringToObject(r, "type", arg_str(res, "blob") ? "blob" : "text");
        cJSON_AddStringToObject(r, "uri", arg_str(res, "uri") ?: "");
        if (arg_str(res, "mimeType"))
            cJSON_AddStringToObject(r, "mimeType", arg_str(res, "mimeType"));
        cJSON_AddStringToObject(r, arg_str(res, "blob") ? "blob" : "text",
                                arg_str(res, "blob") ?: arg_str(res, "text") ?: "");
    } else if (strcmp(type, "resource_link") == 0) {
        link_block(b, c);
    }
    return b;
}

/* stdout as the script printed it: sandboxrun takes JSON blocks out of the
 * stream; agents written for AgentCore look for them in stdout, so they
 * are put back (at the end), with their markers. */
static char *stdout_with_blocks(const cJSON *rec, cJSON *content)
{
    const cJSON *b;
    struct sr_buf out;
    struct ag_mcp_inline budget;
    char note[160];

    ag_mcp_inline_init(&budget, NULL, NULL, NULL);   /* counting only */
    (void)ag_mcp_inline_take(&budget, content_bytes(content));   /* what the MCP result already carries */

    sr_buf_init(&out, AG_AGENTCORE_STDOUT_MAX);
    sr_buf_puts(&out, arg_str(rec, "stdout") ?: "");
    cJSON_ArrayForEach(b, cJSON_GetObjectItemCaseSensitive(rec, "blocks")) {
        const cJSON *v = cJSON_GetObjectItemCaseSensitive(b, "value");
        char *json;
        if (strcmp(arg_str(b, "type") ?: "", "json") != 0 || !v || !(json = cJSON_PrintUnformatted(v)))
            continue;
        if (out.len && out.data[out.len - 1] != '\n')
            sr_buf_puts(&out, "\n");
        sr_buf_puts(&out, "===JSON_START===\n");
        sr_buf_puts(&out, json);
        sr_buf_puts(&out, "\n===JSON_END===\n");
        if (ag_mcp_inline_take(&budget, strlen(json))) {   /* and each as a text block of its own, if it fits */
            add_text(content, json);
        } else {
            snprintf(note, sizeof note, "[a JSON block of %zu bytes, past the inline budget: it is in "
                     "structuredContent.stdout]", strlen(json));
            add_text(content, note);
        }
        free(json);
    }
    return sr_buf_steal_cut(&out, "\n[... cut: stdout with its JSON blocks passed its cap]\n", NULL);
}

/* structuredContent from a result record. */
static cJSON *structured_record(const cJSON *rec, cJSON *content)
{
    cJSON *s = cJSON_CreateObject();
    const cJSON *code = cJSON_GetObjectItemCaseSensitive(rec, "exitCode");
    const cJSON *t = cJSON_GetObjectItemCaseSensitive(rec, "executionTime");
    char *out = stdout_with_blocks(rec, content);

    cJSON_AddStringToObject(s, "stdout", out ? out : "");
    free(out);
    cJSON_AddStringToObject(s, "stderr", arg_str(rec, "stderr") ?: "");
    if (cJSON_IsNumber(code))
        cJSON_AddNumberToObject(s, "exitCode", code->valuedouble);
    cJSON_AddNumberToObject(s, "executionTime", cJSON_IsNumber(t) ? t->valuedouble : 0);
    return s;
}

static const char *base_name(const char *p)
{
    const char *s = strrchr(p, '/');

    return s && s[1] ? s + 1 : p;
}

/* readFiles: one embedded resource per file read (an error as text). */
static int files_read(const cJSON *files, cJSON *content)
{
    const cJSON *f;
    int failed = 0;
    char uri[1200], line[1400];

    cJSON_ArrayForEach(f, files) {
        const char *p = arg_str(f, "path") ?: "", *data = arg_str(f, "content");
        int bin = strcmp(arg_str(f, "encoding") ?: "", "base64") == 0;
        cJSON *b, *r;
        if (!data) {
            snprintf(line, sizeof line, "%s: %s", p, arg_str(f, "error") ?: "not read");
            add_text(content, line);
            failed = 1;
            continue;
        }
        if (strncmp(p, AG_MCP_LINK_SCHEME, sizeof AG_MCP_LINK_SCHEME - 1) == 0)   /* a link: its own uri */
            snprintf(uri, sizeof uri, "%s", p);
        else
            snprintf(uri, sizeof uri, "file://%s%s", p[0] == '/' ? "" : "/tmp/", p);
        b = cJSON_CreateObject(); r = cJSON_AddObjectToObject(b, "resource");
        cJSON_AddStringToObject(b, "type", "resource");
        cJSON_AddStringToObject(r, "type", bin ? "blob" : "text");
        cJSON_AddStringToObject(r, "uri", uri);
        cJSON_AddStringToObject(r, "mimeType", bin ? "application/octet-stream" : "text/plain");
        cJSON_AddStringToObject(r, bin ? "blob" : "text", data);
        cJSON_AddItemToArray(content, b);
    }
    return failed;
}

/* listFiles: one resource link per entry. */
static void files_listed(const cJSON *entries, cJSON *content)
{
    const cJSON *e;
    char uri[1200];

    cJSON_ArrayForEach(e, entries) {
        const char *p = arg_str(e, "path") ?: "";
        const cJSON *size = cJSON_GetObjectItemCaseSensitive(e, "size");
        cJSON *b = cJSON_CreateObject();
        snprintf(uri, sizeof uri, "file://%s", p);
        cJSON_AddStringToObject(b, "type", "resource_link");
        cJSON_AddStringToObject(b, "uri", uri);
        cJSON_AddStringToObject(b, "name", base_name(p));
        cJSON_AddStringToObject(b, "description", arg_str(e, "type") ?: "file");
        if (cJSON_IsNumber(size))
            cJSON_AddNumberToObject(b, "size", size->valuedouble);
        cJSON_AddItemToArray(content, b);
    }
}

/* Whether any per-file answer carries an error. */
static int any_error(const cJSON *files)
{
    const cJSON *f;

    cJSON_ArrayForEach(f, files)
        if (arg_str(f, "error"))
            return 1;
    return 0;
}

/* A task helper's answer as structuredContent {taskId, taskStatus, stdout,
 * stderr, exitCode} and a text in content. */
static cJSON *task_result(const cJSON *answer, cJSON *content, int *is_error)
{
    cJSON *s;
    const char *out;

    if (!cJSON_GetObjectItemCaseSensitive(answer, "taskId") || arg_str(answer, "error")) {
        add_text(content, arg_str(answer, "error") ?: "the session did not answer about the task");
        *is_error = 1;
        return NULL;
    }
    s = cJSON_CreateObject();
    for (const char *const *k = (const char *const[]){"taskId", "taskStatus", "stdout", "stderr", "exitCode", NULL};
         *k; k++) {
        const cJSON *v = cJSON_GetObjectItemCaseSensitive(answer, *k);
        if (v)
            cJSON_AddItemToObject(s, *k, cJSON_Duplicate(v, 1));
    }
    out = arg_str(s, "stdout");
    add_text(content, out && *out ? out : arg_str(s, "taskStatus") ?: "");
    return s;
}

enum kind { K_RECORD, K_TASK, K_READ, K_LIST, K_FILES };

/* The CodeInterpreterResult for MCP result r of a tool of kind k. */
static cJSON *translate(const cJSON *r, enum kind k)
{
    const cJSON *sc = cJSON_GetObjectItemCaseSensitive(r, "structuredContent"), *c;
    int is_error = cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(r, "isError"));
    cJSON *out = cJSON_CreateObject(), *content = cJSON_AddArrayToObject(out, "content"), *s = NULL;

    if (k == K_TASK && !is_error && sc)
        s = task_result(sc, content, &is_error);
    else if (k == K_READ && !is_error && sc)
        is_error = files_read(cJSON_GetObjectItemCaseSensitive(sc, "files"), content);
    else if (k == K_LIST && !is_error && sc)
        files_listed(cJSON_GetObjectItemCaseSensitive(sc, "entries"), content);
    else   /* everything else (and every error): the MCP content, block for block */
        cJSON_ArrayForEach(c, cJSON_GetObjectItemCaseSensitive(r, "content"))
            cJSON_AddItemToArray(content, block(c));
    if (k == K_RECORD && sc)
        s = structured_record(sc, content);
    if (k == K_FILES && sc && any_error(cJSON_GetObjectItemCaseSensitive(sc, "files")))
        is_error = 1;
    if (s)
        cJSON_AddItemToObject(out, "structuredContent", s);
    cJSON_AddBoolToObject(out, "isError", is_error);
    return out;
}

/* ---- the tool table ---- */

struct tool {
    const char *name, *mcp;
    enum kind kind;
};

static const struct tool tools[] = {
    {"executeCode", "execute_code", K_RECORD},
    {"executeCommand", "execute_command", K_RECORD},
    {"readFiles", "read_files", K_READ},
    {"writeFiles", "write_files", K_FILES},
    {"listFiles", "list_files", K_LIST},
    {"removeFiles", "remove_files", K_FILES},
    {"startCommandExecution", "session_call", K_TASK},
    {"getTask", "session_call", K_TASK},
    {"stopTask", "session_call", K_TASK},
};

static void new_task_id(char out[33])
{
    unsigned char r[16] = {0};

    (void)!getrandom(r, sizeof r, 0);
    for (size_t i = 0; i < sizeof r; i++)
        snprintf(out + 2 * i, 3, "%02x", r[i]);
}

/* The MCP arguments for tool t, or NULL after answering a ValidationException;
 * *mcp is the MCP tool to call them with (t's, unless they need another). */
static cJSON *mcp_args(const struct tool *t, const cJSON *in, const char *sid, double timeout,
                       struct ag_http_resp *resp, const char **mcp)
{
    const char *n = t->name, *lang = arg_str(in, "language"), *code = arg_str(in, "code");
    cJSON *a;
    char tid[33];

    if (strcmp(n, "executeCode") == 0) {
        if (lang && strcasecmp(lang, "python") != 0)
            return ag_agentcore_invalid(resp, "language", "Only Python is served here (language \"python\")"), NULL;
        if (!code)
            return ag_agentcore_invalid(resp, "code", "executeCode needs code"), NULL;
        a = base_args(sid, timeout);
        cJSON_AddStringToObject(a, "code", code);
        if (cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(in, "clearContext"))) {
            /* the session's variables go first, in the same trip (scripts/sandboxrun_session.py) */
            cJSON_AddStringToObject(cJSON_AddObjectToObject(a, "before"), "op", "clear");
            *mcp = "session_call";
        }
        return a;
    }
    if (strcmp(n, "executeCommand") == 0 || strcmp(n, "startCommandExecution") == 0) {
        if (!arg_str(in, "command"))
            return ag_agentcore_invalid(resp, "command", "%s needs command", n), NULL;
        if (strcmp(n, "startCommandExecution") == 0)
            return new_task_id(tid), task_args(sid, "start", tid, arg_str(in, "command"));
        a = base_args(sid, timeout);
        cJSON_AddStringToObject(a, "command", arg_str(in, "command"));
        return a;
    }
    if (strcmp(n, "getTask") == 0 || strcmp(n, "stopTask") == 0) {
        const char *id = arg_str(in, "taskId");
        if (!id || strlen(id) != 32 || strspn(id, "0123456789abcdef") != 32)
            return ag_agentcore_invalid(resp, "taskId", "%s needs the taskId startCommandExecution gave", n), NULL;
        return task_args(sid, n[0] == 'g' ? "get" : "stop", id, NULL);
    }
    a = base_args(sid, 0);
    if ((strcmp(n, "readFiles") == 0 || strcmp(n, "removeFiles") == 0) && copy_array(a, in, "paths", "paths") == 0)
        return a;
    if (strcmp(n, "writeFiles") == 0 && write_files_args(a, in) == 0)
        return a;
    if (strcmp(n, "listFiles") == 0) {
        const char *p = arg_str(in, "path") ?: arg_str(in, "directoryPath");
        if (p)
            cJSON_AddStringToObject(a, "path", p);
        return a;
    }
    cJSON_Delete(a);
    ag_agentcore_invalid(resp, "arguments", "%s needs %s", n,
                         strcmp(n, "writeFiles") == 0 ? "content: [{path, text | blob}]" : "paths: [...]");
    return NULL;
}

/* Encode result as the answer's one event; a result too large for one
 * frame first loses its images and resources, then is refused. */
static void send_event(struct ag_http_resp *resp, cJSON *result, const char *sid)
{
    for (int pass = 0; pass < 2; pass++) {
        char *json = cJSON_PrintUnformatted(result);
        size_t n = json ? strlen(json) : 0;
        struct sr_buf b;
        if (json && n <= AG_EVENTSTREAM_PAYLOAD_MAX) {
            sr_buf_init(&b, AG_EVENTSTREAM_PAYLOAD_MAX + AG_EVENTSTREAM_HEADERS_MAX);
            if (ag_eventstream_event(&b, "result", json, n) == AG_ES_OK) {
                size_t len;
                char *frame = sr_buf_steal(&b, &len);
                free(json);
                ag_http_respond(resp, 200, "application/vnd.amazon.eventstream", frame, len);
                ag_http_add_header(resp, "x-amzn-code-interpreter-session-id", sid);
                return;
            }
            sr_buf_reset(&b);
        }
        free(json);
        if (pass == 0) {   /* drop what is bulky, say so */
            cJSON *content = cJSON_GetObjectItemCaseSensitive(result, "content"), *c;
            for (int i = cJSON_GetArraySize(content) - 1; i >= 0; i--) {
                c = cJSON_GetArrayItem(content, i);
                if (strcmp(arg_str(c, "type") ?: "", "text") != 0 && strcmp(arg_str(c, "type") ?: "", "resource_link") != 0)
                    cJSON_DeleteItemFromArray(content, i);   /* links are small, and say where the data is */
            }
            add_text(content, "[images and resources left out: the answer would exceed the 24 MiB event limit]");
        }
    }
    ag_agentcore_error(resp, 400, "ValidationException", "The answer would exceed the 24 MiB an event may carry; "
                       "read fewer or smaller files per call");
}

void ag_agentcore_invoke(struct ag_http_resp *resp, const char *tenant, const char *sid, const char *name,
                         const cJSON *arguments, double timeout, int fd, const char *corr)
{
    const struct tool *t = NULL;
    const char *mcp;
    cJSON *empty = cJSON_CreateObject(), *args, *r, *result;
    char err[600];

    for (size_t i = 0; i < sizeof tools / sizeof *tools; i++)
        if (strcmp(tools[i].name, name) == 0)
            t = &tools[i];
    if (!t) {
        cJSON_Delete(empty);
        return ag_agentcore_invalid(resp, "name", "Unknown tool %.100s: executeCode, executeCommand, readFiles, "
                                    "writeFiles, listFiles, removeFiles, startCommandExecution, getTask, stopTask",
                                    name);
    }
    mcp = t->mcp;
    args = mcp_args(t, arguments ? arguments : empty, sid, timeout, resp, &mcp);
    cJSON_Delete(empty);
    if (!args)
        return;
    if (ag_tenants_exec_begin(tenant) < 0) {
        cJSON_Delete(args);
        ag_metrics_busy("429");
        return ag_agentcore_error(resp, 429, "ThrottlingException", "Too many executions at once; retry shortly");
    }
    r = call_watched(mcp, t->name, corr, args, tenant, fd, err, sizeof err);
    ag_tenants_exec_end(tenant);
    if (!r)
        return ag_agentcore_invalid(resp, "arguments", "%s", err);
    result = translate(r, t->kind);
    cJSON_Delete(r);
    send_event(resp, result, sid);
    cJSON_Delete(result);
}
