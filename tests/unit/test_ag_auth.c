/* test_ag_auth.c — SigV4 verification of AgentCore requests against
 * signatures made by botocore (python3-botocore, SigV4Auth for service
 * bedrock-agentcore, region us-east-1, 2026-12-01T10:59:02Z), then the
 * refusals: wrong secret, unknown key, skewed clock, tampered body/query,
 * tokens; and the auth file's permission rule. Also the event-stream
 * encoder's frame against an independent reading of the format. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "ag_auth.h"
#include "ag_eventstream.h"
#include "tap.h"

#define AT 1796122742   /* 2026-12-01T10:59:02Z */
#define DATE "20261201T105902Z"
#define SCOPE "/20261201/us-east-1/bedrock-agentcore/aws4_request, SignedHeaders=content-type;host;x-amz-date, Signature="
#define POST_BODY "{\"name\":\"executeCode\",\"arguments\":{\"code\":\"print(1)\"}}"

static char dir[] = "/tmp/test_ag_auth.XXXXXX";

static struct ag_auth *load(const char *json, mode_t mode, char *err, size_t errlen)
{
    char path[128];
    struct ag_auth *a = NULL;
    FILE *f;

    snprintf(path, sizeof path, "%s/auth.json", dir);
    unlink(path);
    f = fopen(path, "w");
    fputs(json, f);
    fclose(f);
    chmod(path, mode);
    ag_auth_load(path, &a, err, errlen);
    return a;
}

static enum ag_auth_res check(struct ag_auth *a, const char *method, const char *path, const char *qname,
                              const char *qvalue, const char *body, const char *authz, const char *token,
                              time_t now, const char **tenant)
{
    struct ag_sigv4_pair q[] = {{qname, qvalue}};
    struct ag_sigv4_pair h[] = {{"Host", "127.0.0.1:8080"}, {"Content-Type", "application/json"},
                                {"X-Amz-Date", DATE}, {"Authorization", authz}, {"X-Amz-Security-Token", token}};
    struct ag_auth_request r = {.method = method, .path = path, .query = q, .nquery = qname ? 1 : 0,
                                .headers = h, .nheaders = token ? 5 : 4, .body = body,
                                .body_len = strlen(body), .now = now};
    char err[300];

    return ag_auth_verify(a, &r, "us-east-1", tenant, err, sizeof err);
}

static void test_botocore(struct ag_auth *a)
{
    const char *tenant = NULL;
    const char *post = "AWS4-HMAC-SHA256 Credential=AKIDTEAMA" SCOPE
                       "4c271fe9e425db34b799ee6d5a6678935ffbe589148e364f6b1ee216daf8ed0a";
    const char *get = "AWS4-HMAC-SHA256 Credential=AKIDTEAMA" SCOPE
                      "7cae9530caa08f446078352e22c3de48d7767a5b38202b80e71f94a1fa35b9c4";
    const char *label = "AWS4-HMAC-SHA256 Credential=AKIDTEAMA" SCOPE
                        "1a4929ba6b65793754c36be2a96fbdeae5b4a652e22ea8df04b35c0c5a855c49";
    const char *inv = "/code-interpreters/aws.codeinterpreter.v1/tools/invoke";

    ok(check(a, "POST", inv, NULL, NULL, POST_BODY, post, NULL, AT, &tenant) == AG_AUTH_OK &&
       tenant && strcmp(tenant, "team-a") == 0, "botocore-signed POST with a body verifies, tenant team-a");
    ok(check(a, "GET", "/code-interpreters/aws.codeinterpreter.v1/sessions/get", "sessionId", "ab/c d", "", get,
             NULL, AT, &tenant) == AG_AUTH_OK, "GET with an encoded query value verifies");
    ok(check(a, "PUT", "/code-interpreters/my%20interp%2Bx/sessions/start", NULL, NULL, "{}", label, NULL, AT,
             &tenant) == AG_AUTH_OK, "a percent-encoded label is encoded twice, as the SDKs sign it");
    ok(check(a, "POST", inv, NULL, NULL, POST_BODY, post, NULL, AT + 300, &tenant) == AG_AUTH_OK,
       "5 minutes of clock skew are accepted");
    ok(check(a, "POST", inv, NULL, NULL, POST_BODY, post, NULL, AT + 301, &tenant) == AG_AUTH_SKEWED,
       "more than 5 minutes late: skewed");
    ok(check(a, "POST", inv, NULL, NULL, POST_BODY, post, NULL, AT - 301, &tenant) == AG_AUTH_SKEWED,
       "more than 5 minutes early: skewed");
    ok(check(a, "POST", inv, NULL, NULL, "{\"name\":\"executeCode\"}", post, NULL, AT, &tenant) ==
       AG_AUTH_BAD_SIGNATURE && tenant == NULL, "another body: bad signature, no tenant");
    ok(check(a, "GET", "/code-interpreters/aws.codeinterpreter.v1/sessions/get", "sessionId", "other", "", get,
             NULL, AT, &tenant) == AG_AUTH_BAD_SIGNATURE, "another query value: bad signature");
    ok(check(a, "PUT", inv, NULL, NULL, POST_BODY, post, NULL, AT, &tenant) == AG_AUTH_BAD_SIGNATURE,
       "another method: bad signature");
}

static void test_refusals(void)
{
    char err[300];
    const char *tenant;
    const char *post = "AWS4-HMAC-SHA256 Credential=AKIDTEAMA" SCOPE
                       "4c271fe9e425db34b799ee6d5a6678935ffbe589148e364f6b1ee216daf8ed0a";
    const char *inv = "/code-interpreters/aws.codeinterpreter.v1/tools/invoke";
    struct ag_auth *wrong = load("{\"keys\":[{\"accessKeyId\":\"AKIDTEAMA\",\"secretAccessKey\":\"secretA/abc+deg\","
                                 "\"tenant\":\"team-a\"}]}", 0600, err, sizeof err);
    struct ag_auth *other = load("{\"keys\":[{\"accessKeyId\":\"AKIDOTHER\",\"secretAccessKey\":\"secretA/abc+def\","
                                 "\"tenant\":\"team-a\"}]}", 0600, err, sizeof err);

    ok(wrong && check(wrong, "POST", inv, NULL, NULL, POST_BODY, post, NULL, AT, &tenant) == AG_AUTH_BAD_SIGNATURE,
       "wrong secret: bad signature");
    ok(other && check(other, "POST", inv, NULL, NULL, POST_BODY, post, NULL, AT, &tenant) == AG_AUTH_UNKNOWN_KEY,
       "unknown access key");
    ok(check(other, "POST", inv, NULL, NULL, POST_BODY, "", NULL, AT, &tenant) == AG_AUTH_MALFORMED,
       "an empty Authorization header is malformed");
    ok(check(other, "POST", inv, NULL, NULL, POST_BODY,
             "AWS4-HMAC-SHA256 Credential=AKIDTEAMA/20261201/us-east-1/s3/aws4_request, SignedHeaders=host;x-amz-date, "
             "Signature=4c271fe9e425db34b799ee6d5a6678935ffbe589148e364f6b1ee216daf8ed0a", NULL, AT, &tenant) ==
       AG_AUTH_MALFORMED, "a signature scoped to another service is refused");
    ok(check(other, "POST", inv, NULL, NULL, POST_BODY,
             "AWS4-HMAC-SHA256 Credential=AKIDTEAMA/20261201/us-east-1/bedrock-agentcore/aws4_request, "
             "SignedHeaders=content-type;x-amz-date, Signature=4c271fe9e425db34b799ee6d5a6678935ffbe589148e364f6b1ee216daf8ed0a",
             NULL, AT, &tenant) == AG_AUTH_MALFORMED, "host must be signed");
    ag_auth_free(&wrong);
    ag_auth_free(&other);
}

static void test_tokens(void)
{
    char err[300];
    const char *tenant;
    const char *authz = "AWS4-HMAC-SHA256 Credential=AKIDTOK/20261201/us-east-1/bedrock-agentcore/aws4_request, "
                        "SignedHeaders=content-type;host;x-amz-date;x-amz-security-token, "
                        "Signature=8ea25355dc7e724a27a07889cd3909b822ecc2a922a8a7503d7b52e82d66cdc5";
    const char *stop = "/code-interpreters/aws.codeinterpreter.v1/sessions/stop";
    struct ag_auth *t = load("{\"keys\":[{\"accessKeyId\":\"AKIDTOK\",\"secretAccessKey\":\"secretT\",\"tenant\":\"t\","
                             "\"sessionToken\":\"tok/en+1==\"}],\"tokens\":[{\"token\":\"0123456789abcdefXYZ\","
                             "\"tenant\":\"m\"}]}", 0600, err, sizeof err);
    struct ag_auth *nt = load("{\"keys\":[{\"accessKeyId\":\"AKIDTOK\",\"secretAccessKey\":\"secretT\",\"tenant\":\"t\"}]}",
                              0600, err, sizeof err);

    ok(t && check(t, "PUT", stop, "sessionId", "s1", "", authz, "tok/en+1==", AT, &tenant) == AG_AUTH_OK,
       "x-amz-security-token accepted when the file lists it");
    ok(check(t, "PUT", stop, "sessionId", "s1", "", authz, "tok/en+1=X", AT, &tenant) == AG_AUTH_BAD_TOKEN,
       "another token is refused");
    ok(nt && check(nt, "PUT", stop, "sessionId", "s1", "", authz, "tok/en+1==", AT, &tenant) == AG_AUTH_BAD_TOKEN,
       "a token for a key that has none is refused");
    ok(ag_auth_bearer(t, "0123456789abcdefXYZ") && strcmp(ag_auth_bearer(t, "0123456789abcdefXYZ"), "m") == 0 &&
       !ag_auth_bearer(t, "0123456789abcdefXYy"), "bearer tokens map to their tenant");
    ag_auth_free(&t);
    ag_auth_free(&nt);
}

static void test_file(void)
{
    char err[300] = "";
    struct ag_auth *a = load("{\"keys\":[{\"accessKeyId\":\"A\",\"secretAccessKey\":\"s\",\"tenant\":\"x\"}]}", 0644,
                             err, sizeof err);

    ok(!a && strstr(err, "0600"), "a keys file others can read is refused (%s)", err);
    a = load("{\"keys\":[{\"accessKeyId\":\"A\",\"secretAccessKey\":\"s\"}]}", 0600, err, sizeof err);
    ok(!a && strstr(err, "tenant"), "a key without a tenant is refused (%s)", err);
    a = load("[1,2]", 0600, err, sizeof err);
    ok(!a, "a file that is not an object is refused (%s)", err);
}

static uint32_t be32(const unsigned char *p)
{
    return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static void test_eventstream(void)
{
    struct sr_buf b;
    const char *json = "{\"content\":[]}";
    const unsigned char *m;
    char *big;

    sr_buf_init(&b, 1u << 20);
    ok(ag_eventstream_event(&b, "result", json, strlen(json)) == AG_ES_OK, "encode a result event");
    m = (const unsigned char *)b.data;
    ok(be32(m) == b.len, "total length is the frame's (%zu)", b.len);
    /* CRC32 of "123456789" is 0xCBF43926 (the check value of IEEE 802.3) */
    ok(ag_eventstream_crc32(0, "123456789", 9) == 0xCBF43926u, "crc32 check value");
    ok(be32(m + 8) == ag_eventstream_crc32(0, m, 8), "prelude CRC");
    ok(be32(m + b.len - 4) == ag_eventstream_crc32(0, m, b.len - 4), "message CRC");
    ok(m[12] == 13 && memcmp(m + 13, ":message-type", 13) == 0 && m[26] == 7, "first header :message-type, a string");
    ok(memcmp(m + b.len - 4 - strlen(json), json, strlen(json)) == 0, "payload last");
    sr_buf_reset(&b);
    big = malloc(AG_EVENTSTREAM_PAYLOAD_MAX + 1);
    sr_buf_init(&b, 64u << 20);
    ok(big && ag_eventstream_event(&b, "result", big, AG_EVENTSTREAM_PAYLOAD_MAX + 1) == AG_ES_TOO_LARGE && b.len == 0,
       "a payload over 24 MiB is refused, nothing written");
    free(big);
    sr_buf_reset(&b);
}

int main(void)
{
    char err[300];
    struct ag_auth *a;
    char path[128];

    if (!mkdtemp(dir))
        return 1;
    a = load("{\"keys\":[{\"accessKeyId\":\"AKIDTEAMA\",\"secretAccessKey\":\"secretA/abc+def\",\"tenant\":\"team-a\"}]}",
             0600, err, sizeof err);
    ok(a != NULL, "load a 0600 keys file (%s)", a ? "ok" : err);
    test_botocore(a);
    ag_auth_free(&a);
    test_refusals();
    test_tokens();
    test_file();
    test_eventstream();
    snprintf(path, sizeof path, "%s/auth.json", dir);
    unlink(path);
    rmdir(dir);
    return tap_done();
}
