/* ag_mcp_rpc.c — JSON-RPC messages, the stdio out, and line framing. */
#include "ag_mcp_rpc.h"

#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <poll.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "sr_io.h"
#include "sr_log.h"

void ag_mcp_reader_init(struct ag_mcp_reader *r, int fd, int wake_fd, size_t max)
{
    memset(r, 0, sizeof *r);
    r->fd = fd;
    r->wake_fd = wake_fd;
    r->max = max;
    sr_buf_init(&r->line, max);
}

void ag_mcp_reader_free(struct ag_mcp_reader *r)
{
    sr_buf_reset(&r->line);
}

/* Remember the last bytes of an oversized line (where clients put "id"). */
static void keep_tail(struct ag_mcp_reader *r, const char *p, size_t n)
{
    size_t cap = sizeof r->tail;

    if (n >= cap) {
        memcpy(r->tail, p + n - cap, cap);
        r->tail_len = cap;
        return;
    }
    if (r->tail_len + n > cap) {
        size_t drop = r->tail_len + n - cap;
        memmove(r->tail, r->tail + drop, r->tail_len - drop);
        r->tail_len -= drop;
    }
    memcpy(r->tail + r->tail_len, p, n);
    r->tail_len += n;
}

int ag_mcp_id_ok(const cJSON *id)
{
    return cJSON_IsString(id) || (cJSON_IsNumber(id) && fabs(id->valuedouble) <= AG_MCP_ID_MAX &&
                                  id->valuedouble == trunc(id->valuedouble));
}

cJSON *ag_mcp_id_dup(const cJSON *id)
{
    char num[32];

    if (!cJSON_IsNumber(id))
        return cJSON_Duplicate(id, 1);
    snprintf(num, sizeof num, "%.0f", id->valuedouble);   /* exact: |id| < 2^53 */
    return cJSON_CreateRaw(num);
}

int ag_mcp_id_equal(const cJSON *a, const cJSON *b)
{
    if (cJSON_IsNumber(a) && cJSON_IsNumber(b))
        return a->valuedouble == b->valuedouble;
    return cJSON_IsString(a) && cJSON_IsString(b) && strcmp(a->valuestring, b->valuestring) == 0;
}

/* A JSON-RPC id (integer or short plain string) starting at p, or NULL. */
static cJSON *id_at(const char *p, const char *end)
{
    char buf[80];
    size_t n = 0;

    while (p < end && isspace((unsigned char)*p))
        p++;
    if (p < end && *p == '"') {
        for (p++; p < end && *p != '"' && *p != '\\' && n < sizeof buf - 1; p++)
            buf[n++] = *p;
        buf[n] = '\0';
        return p < end && *p == '"' ? cJSON_CreateString(buf) : NULL;
    }
    while (p < end && (isdigit((unsigned char)*p) || (*p == '-' && n == 0)) && n < 18)
        buf[n++] = *p++;
    buf[n] = '\0';
    if (!n || strcmp(buf, "-") == 0 || fabs(strtod(buf, NULL)) > AG_MCP_ID_MAX)
        return NULL;
    return cJSON_CreateNumber(strtod(buf, NULL));
}

/* Find the top-level "id" of a line we could not keep: clients put it first
 * ({"jsonrpc":"2.0","id":7,...}) or last (...,"id":7}). Heuristic by nature;
 * an id found only helps the client match the error to its request. */
static cJSON *guess_id(const char *head, size_t head_len, const char *tail, size_t tail_len)
{
    static const char *const prefixes[] = {"{\"jsonrpc\":\"2.0\",\"id\":", "{\"id\":"};
    const char *end = tail + tail_len, *p;

    for (size_t i = 0; i < 2; i++)
        if (head_len > strlen(prefixes[i]) && memcmp(head, prefixes[i], strlen(prefixes[i])) == 0)
            return id_at(head + strlen(prefixes[i]), head + head_len);
    while (end > tail && isspace((unsigned char)end[-1]))
        end--;
    if (end == tail || end[-1] != '}')
        return NULL;
    end--;
    for (p = end; p > tail + 5; p--)            /* last "id": before the closing brace */
        if (memcmp(p - 5, "\"id\":", 5) == 0) {
            const char *v = p, *q = v;
            if (*q == '"')
                for (q++; q < end && *q != '"'; q++)
                    ;
            else
                while (q < end && (isdigit((unsigned char)*q) || *q == '-'))
                    q++;
            if (q < end && *q == '"')
                q++;
            while (q < end && isspace((unsigned char)*q))
                q++;
            return q == end ? id_at(v, end) : NULL;
        }
    return NULL;
}

/* Refill the chunk; 1 with data, 0 at EOF (or on a wake-up), -1 on error. */
static int refill(struct ag_mcp_reader *r)
{
    struct pollfd p[2] = {{.fd = r->fd, .events = POLLIN}, {.fd = r->wake_fd, .events = POLLIN}};
    ssize_t n;

    while (poll(p, r->wake_fd >= 0 ? 2 : 1, -1) < 0)
        if (errno != EINTR)
            return -1;
    if (r->wake_fd >= 0 && (p[1].revents & POLLIN))
        return 0;
    do
        n = read(r->fd, r->chunk, sizeof r->chunk);
    while (n < 0 && errno == EINTR);
    if (n <= 0)
        return (int)n;
    r->pos = 0;
    r->len = (size_t)n;
    return 1;
}

/* Finish a line: strip a CR; report oversized lines with their guessed id. */
static enum ag_mcp_read_res finish(struct ag_mcp_reader *r, char **line, size_t *len, cJSON **id)
{
    if (r->discarding) {
        *id = guess_id(r->line.data, r->line.len < 256 ? r->line.len : 256, r->tail, r->tail_len);
        r->discarding = 0;
        r->tail_len = 0;
        r->line.len = 0;
        return AG_MCP_READ_OVERSIZED;
    }
    if (r->line.len && r->line.data[r->line.len - 1] == '\r')
        r->line.data[--r->line.len] = '\0';
    *line = r->line.data ? r->line.data : (char *)"";
    *len = r->line.len;
    return AG_MCP_READ_LINE;
}

enum ag_mcp_read_res ag_mcp_reader_next(struct ag_mcp_reader *r, char **line, size_t *len,
                                        cJSON **oversized_id)
{
    *oversized_id = NULL;
    r->line.len = 0;
    if (r->line.data)
        r->line.data[0] = '\0';
    for (;;) {
        char *nl;
        size_t n;
        if (r->pos == r->len) {
            int rc = refill(r);
            if (rc <= 0)
                return rc == 0 ? AG_MCP_READ_EOF : AG_MCP_READ_ERROR;
        }
        nl = memchr(r->chunk + r->pos, '\n', r->len - r->pos);
        n = nl ? (size_t)(nl - (r->chunk + r->pos)) : r->len - r->pos;
        if (r->discarding)
            keep_tail(r, r->chunk + r->pos, n);
        else if (sr_buf_append(&r->line, r->chunk + r->pos, n) != SR_BUF_OK) {
            r->discarding = 1;     /* keep the head we have; drop the rest up to '\n' */
            keep_tail(r, r->chunk + r->pos, n);
        }
        r->pos += n + (nl ? 1 : 0);
        if (nl)
            return finish(r, line, len, oversized_id);
    }
}

/* ---- output ---- */

struct fd_out {
    struct ag_mcp_out out;
    pthread_mutex_t lock;
    int fd, dead;
};

static int fd_deliver(struct ag_mcp_out *o, char *text, size_t len, int final)
{
    struct fd_out *f = (struct fd_out *)o;
    int rc = -1;

    (void)final;
    text[len] = '\n';          /* the spare byte */
    pthread_mutex_lock(&f->lock);
    if (!f->dead) {
        rc = sr_write_all(f->fd, text, len + 1);
        if (rc < 0) {
            f->dead = 1;
            SR_PLOG("mcp: write to the client");
        }
    }
    pthread_mutex_unlock(&f->lock);
    free(text);
    return rc;
}

struct ag_mcp_out *ag_mcp_fd_out(int fd)
{
    static struct fd_out f = {.out = {.deliver = fd_deliver}, .lock = PTHREAD_MUTEX_INITIALIZER};

    f.fd = fd;
    return &f.out;
}

int ag_mcp_send(struct ag_mcp_out *o, const cJSON *msg, int final)
{
    char *text = cJSON_PrintUnformatted(msg);

    if (!text)
        return SR_LOG("mcp: cannot serialize a message (out of memory)"), -1;
    return o->deliver(o, text, strlen(text), final);   /* the NUL is the spare byte */
}

static cJSON *envelope(const cJSON *id)
{
    cJSON *m = cJSON_CreateObject();

    cJSON_AddStringToObject(m, "jsonrpc", "2.0");
    cJSON_AddItemToObject(m, "id", id ? ag_mcp_id_dup(id) : cJSON_CreateNull());
    return m;
}

int ag_mcp_send_result(struct ag_mcp_out *o, const cJSON *id, cJSON *result)
{
    cJSON *m = envelope(id);
    int rc;

    cJSON_AddItemToObject(m, "result", result ? result : cJSON_CreateObject());
    rc = ag_mcp_send(o, m, 1);
    cJSON_Delete(m);
    return rc;
}

int ag_mcp_send_error(struct ag_mcp_out *o, const cJSON *id, int code, const char *message, cJSON *data)
{
    cJSON *m = envelope(id), *e = cJSON_AddObjectToObject(m, "error");
    int rc;

    cJSON_AddNumberToObject(e, "code", code);
    cJSON_AddStringToObject(e, "message", message);
    if (data)
        cJSON_AddItemToObject(e, "data", data);
    rc = ag_mcp_send(o, m, 1);
    cJSON_Delete(m);
    return rc;
}

int ag_mcp_send_notification(struct ag_mcp_out *o, const char *method, cJSON *params)
{
    cJSON *m = cJSON_CreateObject();
    int rc;

    cJSON_AddStringToObject(m, "jsonrpc", "2.0");
    cJSON_AddStringToObject(m, "method", method);
    if (params)
        cJSON_AddItemToObject(m, "params", params);
    rc = ag_mcp_send(o, m, 0);
    cJSON_Delete(m);
    return rc;
}

cJSON *ag_mcp_parse_message(const char *text, size_t len)
{
    const char *end = NULL;
    cJSON *msg = cJSON_ParseWithLengthOpts(text, len, &end, 0);

    while (msg && end < text + len && (*end == ' ' || *end == '\t' || *end == '\r' || *end == '\n'))
        end++;                    /* JSON's white space */
    if (msg && end != text + len) {
        cJSON_Delete(msg);
        return NULL;
    }
    return msg;
}
