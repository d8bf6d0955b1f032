/* libFuzzer harness: the AgentCore request router and the event-stream
 * encoder (agent/service/).
 *
 * The input is a request in a loose text form: "METHOD PATH[?QUERY]\n",
 * header lines "Name: value\n", an empty line, then the body. It goes
 * (a) through the SigV4 verifier against a fixed key, and (b) through the
 * router as an unsigned local request (no --auth), except Start, which would
 * start a real jail: every answer must be a well-formed HTTP status with a
 * JSON body, or an event stream. Then the body is encoded as an event and
 * read back by an independent decoder here: lengths, both CRCs, headers and
 * payload must match. */
#include <assert.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>

#include <cjson/cJSON.h>

#include "ag_agentcore.h"
#include "ag_auth.h"
#include "ag_eventstream.h"
#include "ag_http.h"
#include "ag_mcp_session.h"
#include "ag_mcp_tools.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static struct ag_auth *auth;
static struct ag_agentcore_opts opts = {.region = "us-east-1", .exec_timeout = 5, .tenant_sessions = 2};

static void init(void)
{
    char path[] = "/tmp/fuzz_agentcore.XXXXXX";
    int fd = mkstemp(path);
    const char *keys = "{\"keys\":[{\"accessKeyId\":\"AKID\",\"secretAccessKey\":\"s3cr3t\",\"tenant\":\"t\"}]}";
    char err[300];

    assert(fd >= 0 && write(fd, keys, strlen(keys)) == (ssize_t)strlen(keys));
    fchmod(fd, 0600);
    close(fd);
    assert(ag_auth_load(path, &auth, err, sizeof err) == 0);
    unlink(path);
    ag_mcp_tools_init();
    ag_mcp_sessions_init(2);
    ag_agentcore_init(&opts);   /* auth NULL: the router's own checks, as tenant "local" */
}

static uint32_t be32(const unsigned char *p)
{
    return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

/* The independent decoder: one frame, everything checked. */
static void decode_check(const unsigned char *m, size_t len, const char *type, const void *payload, size_t n)
{
    uint32_t total, hl;
    size_t i;
    int seen_type = 0;

    assert(len >= 16);
    total = be32(m);
    hl = be32(m + 4);
    assert(total == len && hl + 16 <= total);
    assert(be32(m + 8) == (uint32_t)crc32(0, m, 8));
    assert(be32(m + len - 4) == (uint32_t)crc32(0, m, (uInt)(len - 4)));
    for (i = 12; i < 12 + hl;) {
        size_t nl = m[i], vl;
        assert(i + 1 + nl + 3 <= 12 + hl && m[i + 1 + nl] == 7);
        vl = (size_t)m[i + 2 + nl] << 8 | m[i + 3 + nl];
        assert(i + 4 + nl + vl <= 12 + hl);
        if (nl == 11 && memcmp(m + i + 1, ":event-type", 11) == 0)
            seen_type = vl == strlen(type) && memcmp(m + i + 4 + nl, type, vl) == 0;
        i += 4 + nl + vl;
    }
    assert(i == 12 + hl && seen_type);
    assert(total - hl - 16 == n && memcmp(m + 12 + hl, payload, n) == 0);
}

static int hexv(char c)
{
    return c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10 : c >= 'A' && c <= 'F' ? c - 'A' + 10 : -1;
}

static void decode_in_place(char *s)
{
    char *o = s;

    for (; *s; s++)
        if (*s == '%' && hexv(s[1]) >= 0 && hexv(s[2]) >= 0)
            *o++ = (char)(hexv(s[1]) * 16 + hexv(s[2])), s += 2;
        else
            *o++ = *s;
    *o = '\0';
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static int ready;
    struct ag_http_req *req = calloc(1, sizeof *req);
    struct ag_http_resp resp = {0};
    char *text = malloc(size + 1), *line, *save = NULL, *body, *q, *sp;
    const char *tenant;
    char err[300];

    if (!ready)
        init(), ready = 1;
    memcpy(text, data, size);
    text[size] = '\0';
    body = strstr(text, "\n\n");
    if (body)
        *body = '\0', body += 2;
    line = strtok_r(text, "\n", &save);
    if (line && (sp = strchr(line, ' '))) {
        enum ag_auth_res pre;
        struct ag_auth_request ar;
        enum ag_auth_res res;
        *sp = '\0';
        req->method = line;
        req->path = sp + 1;
        if ((q = strchr(sp + 1, '?'))) {
            *q++ = '\0';
            for (char *kv = strtok_r(q, "&", &q); kv && req->nquery < AG_HTTP_QUERY_MAX; kv = strtok_r(NULL, "&", &q)) {
                char *eq = strchr(kv, '=');
                if (eq)
                    *eq++ = '\0';
                decode_in_place(kv);
                if (eq)
                    decode_in_place(eq);
                req->query[req->nquery].name = kv;
                req->query[req->nquery++].value = eq ? eq : "";
            }
        }
        for (char *h = strtok_r(NULL, "\n", &save); h && req->nheaders < AG_HTTP_HEADERS_MAX;
             h = strtok_r(NULL, "\n", &save)) {
            char *colon = strchr(h, ':');
            if (!colon)
                continue;
            *colon = '\0';
            req->headers[req->nheaders].name = h;
            req->headers[req->nheaders++].value = colon + 1 + (colon[1] == ' ');
        }
        req->body = body ? body : "";
        req->body_len = body ? strlen(body) : 0;
        req->fd = -1;
        ar = (struct ag_auth_request){.method = req->method, .path = req->path, .query = req->query,
                                      .nquery = req->nquery, .headers = req->headers, .nheaders = req->nheaders,
                                      .body = req->body, .body_len = req->body_len, .now = 1796122742};
        res = ag_auth_verify(auth, &ar, "us-east-1", &tenant, err, sizeof err);
        assert(res == AG_AUTH_OK ? tenant != NULL : tenant == NULL);
        /* the check before the body refuses only what the full check would, with its verdict */
        pre = ag_auth_precheck(auth, &ar, "us-east-1", err, sizeof err);
        assert(pre == AG_AUTH_OK || pre == res);
        if (strncmp(req->path, "/code-interpreters", 18) == 0 && !strstr(req->path, "/sessions/start")) {
            ag_agentcore_handle(req, &resp, NULL);
            assert(resp.status >= 200 && resp.status < 600);
            if (resp.status != 200) {
                cJSON *j = cJSON_ParseWithLength(resp.body, resp.len);
                assert(cJSON_IsObject(j) && cJSON_IsString(cJSON_GetObjectItemCaseSensitive(j, "message")));
                cJSON_Delete(j);
            }
            free(resp.body);
        }
    }
    /* the encoder round trip, on the body bytes (or the whole input) */
    {
        struct sr_buf b;
        const void *payload = body ? (const void *)body : (const void *)data;
        size_t n = body ? strlen(body) : size;
        const char *type = size && data[0] & 1 ? "result" : "validationException";
        sr_buf_init(&b, 1u << 24);
        assert(ag_eventstream_event(&b, type, payload, n) == AG_ES_OK);
        decode_check((const unsigned char *)b.data, b.len, type, payload, n);
        sr_buf_reset(&b);
    }
    free(text);
    free(req);
    return 0;
}
