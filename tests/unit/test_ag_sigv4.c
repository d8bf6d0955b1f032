/* test_ag_sigv4.c — Signature V4 against the AWS documentation's S3 examples
 * ("Signature Calculations for the Authorization Header" and "Authenticating
 * Requests: Using Query Parameters"), plus encoding and range checks. */
#include <stdio.h>
#include <string.h>

#include "ag_sigv4.h"
#include "tap.h"

#define EMPTY_SHA "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"

static const struct ag_sigv4_key doc_key = {
    .access_key = "AKIAIOSFODNN7EXAMPLE",
    .secret_key = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY",
    .region = "us-east-1",
    .service = "s3",
};
static const time_t doc_time = 1369353600; /* 2013-05-24T00:00:00Z */

static void test_presign_doc(void)
{
    char url[4096];
    struct ag_sigv4_request r = {.method = "GET", .host = "examplebucket.s3.amazonaws.com",
                                 .path = "/test.txt", .at = doc_time};
    enum ag_sigv4_err e = ag_sigv4_presign(&doc_key, &r, "https", 86400, url, sizeof url);
    ok(e == AG_SIGV4_OK, "presign the documentation's GET test.txt (%s)", ag_sigv4_strerror(e));
    ok(strcmp(url, "https://examplebucket.s3.amazonaws.com/test.txt"
                   "?X-Amz-Algorithm=AWS4-HMAC-SHA256"
                   "&X-Amz-Credential=AKIAIOSFODNN7EXAMPLE%2F20130524%2Fus-east-1%2Fs3%2Faws4_request"
                   "&X-Amz-Date=20130524T000000Z&X-Amz-Expires=86400&X-Amz-SignedHeaders=host"
                   "&X-Amz-Signature=aeeed9bbccd4d02ee5c0109b86d86835f995330da4c265957d157751f604d404") == 0,
       "presigned URL equals the documented one: %s", url);
}

static void test_header_doc(void)
{
    struct ag_sigv4_signed s;
    struct ag_sigv4_pair range[] = {{"Range", "bytes=0-9"}};
    struct ag_sigv4_request r = {.method = "GET", .host = "examplebucket.s3.amazonaws.com",
                                 .path = "/test.txt", .headers = range, .nheaders = 1,
                                 .payload_hash = EMPTY_SHA, .at = doc_time};
    char ph[65];
    struct ag_sigv4_pair put_h[] = {{"Date", "Fri, 24 May 2013 00:00:00 GMT"},
                                    {"x-amz-storage-class", "REDUCED_REDUNDANCY"}};
    struct ag_sigv4_pair lc[] = {{"lifecycle", ""}};
    struct ag_sigv4_pair lq[] = {{"prefix", "J"}, {"max-keys", "2"}};
    const char *body;
    struct ag_sigv4_request p;
    struct ag_sigv4_request l;
    struct ag_sigv4_request ls;
    ok(ag_sigv4_sign(&doc_key, &r, &s) == AG_SIGV4_OK, "sign GET with Range");
    ok(strcmp(s.signature, "f0e8bdb87c964420e857bd35b5d6ed310bd44f0170aba48dd91039c6036bdb41") == 0,
       "GET Range signature matches the documentation (%s)", s.signature);
    ok(strcmp(s.authorization,
              "AWS4-HMAC-SHA256 Credential=AKIAIOSFODNN7EXAMPLE/20130524/us-east-1/s3/aws4_request,"
              "SignedHeaders=host;range;x-amz-content-sha256;x-amz-date,"
              "Signature=f0e8bdb87c964420e857bd35b5d6ed310bd44f0170aba48dd91039c6036bdb41") == 0,
       "Authorization header as documented");
    ok(strcmp(s.amz_date, "20130524T000000Z") == 0, "x-amz-date is 20130524T000000Z");

    body = "Welcome to Amazon S3.";
    ag_sigv4_sha256_hex(body, strlen(body), ph);
    ok(strcmp(ph, "44ce7dd67c959e0d3524ffac1771dfbba87d2b6b4b4e99e42034a8b803f8b072") == 0,
       "payload hash of the PUT body");
    p = (struct ag_sigv4_request){.method = "PUT", .host = "examplebucket.s3.amazonaws.com",
                                  .path = "/test$file.text", .headers = put_h, .nheaders = 2,
                                  .payload_hash = ph, .at = doc_time};
    ok(ag_sigv4_sign(&doc_key, &p, &s) == AG_SIGV4_OK &&
           strcmp(s.signature, "98ad721746da40c64f1a55b78f14c238d841ea1380cd77a1b5971af0ece108bd") == 0,
       "PUT test$file.text signature matches the documentation (%s)", s.signature);
    ok(strcmp(s.target, "/test%24file.text") == 0, "'$' is encoded in the path (%s)", s.target);

    l = (struct ag_sigv4_request){.method = "GET", .host = "examplebucket.s3.amazonaws.com",
                                  .path = "/", .query = lc, .nquery = 1,
                                  .payload_hash = EMPTY_SHA, .at = doc_time};
    ok(ag_sigv4_sign(&doc_key, &l, &s) == AG_SIGV4_OK &&
           strcmp(s.signature, "fea454ca298b7da1c68078a5d1bdbfbbe0d65c699e0f91ac7a200a0136783543") == 0,
       "GET ?lifecycle signature matches the documentation (%s)", s.signature);
    ok(strcmp(s.target, "/?lifecycle=") == 0, "empty query value keeps its '=' (%s)", s.target);

    /* given out of order on purpose: the signer sorts */
    ls = (struct ag_sigv4_request){.method = "GET", .host = "examplebucket.s3.amazonaws.com",
                                   .path = "/", .query = lq, .nquery = 2,
                                   .payload_hash = EMPTY_SHA, .at = doc_time};
    ok(ag_sigv4_sign(&doc_key, &ls, &s) == AG_SIGV4_OK &&
           strcmp(s.signature, "34b48302e7b5fa45bde8084f4b7868a86f0a534bc59db6670ed5711ef69dc6f7") == 0,
       "GET ?max-keys=2&prefix=J signature matches the documentation (%s)", s.signature);
    ok(strcmp(s.target, "/?max-keys=2&prefix=J") == 0, "query sorted by name (%s)", s.target);
}

static void test_encoding(void)
{
    static const struct {
        const char *in;
        int keep_slash;
        const char *want;
    } cases[] = {
        {"a b+c$d", 1, "a%20b%2Bc%24d"},
        {"dir/sub dir/x.csv", 1, "dir/sub%20dir/x.csv"},
        {"dir/x", 0, "dir%2Fx"},
        {"unreserved-_.~AZaz09", 0, "unreserved-_.~AZaz09"},
        {"caf\xc3\xa9/\xe2\x82\xac", 1, "caf%C3%A9/%E2%82%AC"},
        {"!*'();:@&=,?#[]%", 0, "%21%2A%27%28%29%3B%3A%40%26%3D%2C%3F%23%5B%5D%25"},
        {"a//b/../c/./", 1, "a//b/../c/./"},
    };
    char tiny[4];
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char out[256];
        ag_sigv4_uri_encode(cases[i].in, cases[i].keep_slash, out, sizeof out);
        ok(strcmp(out, cases[i].want) == 0, "uri encode case %zu -> %s", i, out);
    }
    ok(ag_sigv4_uri_encode("a b", 1, tiny, sizeof tiny) == AG_SIGV4_ETOOLONG,
       "encoding into a too-small buffer is an error, not a truncation");
}

static void test_presign_limits(void)
{
    char url[4096];
    struct ag_sigv4_request r = {.method = "GET", .host = "h", .path = "/k", .at = doc_time};
    static const long bad[] = {0, -1, 604801, 10000000};
    struct ag_sigv4_key tk;
    struct ag_sigv4_pair evil[] = {{"x-amz-meta-a", "v\r\nInjected: 1"}};
    struct ag_sigv4_pair sp[] = {{"X-Amz-Meta-Note", "  two   spaces  "}};
    struct ag_sigv4_signed s;
    struct ag_sigv4_pair sp2[] = {{"x-amz-meta-note", "two spaces"}};
    struct ag_sigv4_signed s2;
    struct ag_sigv4_request h;
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        ok(ag_sigv4_presign(&doc_key, &r, "https", bad[i], url, sizeof url) == AG_SIGV4_EEXPIRES,
           "expires %ld is refused", bad[i]);
    ok(ag_sigv4_presign(&doc_key, &r, "https", 1, url, sizeof url) == AG_SIGV4_OK &&
           ag_sigv4_presign(&doc_key, &r, "https", 604800, url, sizeof url) == AG_SIGV4_OK,
       "expires 1 and 604800 are accepted");
    ok(strstr(ag_sigv4_strerror(AG_SIGV4_EEXPIRES), "604800") != NULL,
       "the expiry error names the range");
    ok(ag_sigv4_presign(&doc_key, &r, "https", 60, url, 40) == AG_SIGV4_ETOOLONG,
       "a URL that does not fit is an error");

    tk = doc_key;
    tk.session_token = "FQoG/token+with=odd chars";
    ok(ag_sigv4_presign(&tk, &r, "https", 60, url, sizeof url) == AG_SIGV4_OK &&
           strstr(url, "&X-Amz-Security-Token=FQoG%2Ftoken%2Bwith%3Dodd%20chars&") != NULL,
       "session token is a signed, fully encoded query parameter: %s", url);

    h = (struct ag_sigv4_request){.method = "PUT", .host = "h", .path = "/k", .headers = evil,
                                  .nheaders = 1, .at = doc_time};
    ok(ag_sigv4_sign(&doc_key, &h, &s) == AG_SIGV4_EINVAL, "CR/LF in a header value is refused");
    h.nheaders = 0;
    h.payload_hash = "nothex";
    ok(ag_sigv4_sign(&doc_key, &h, &s) == AG_SIGV4_EINVAL, "a malformed payload hash is refused");
    h.payload_hash = NULL;
    h.path = "no-leading-slash";
    ok(ag_sigv4_sign(&doc_key, &h, &s) == AG_SIGV4_EINVAL, "a path without '/' is refused");
    h.path = "/k";
    h.headers = sp;
    h.nheaders = 1;
    ag_sigv4_sign(&doc_key, &h, &s);
    h.headers = sp2;
    ag_sigv4_sign(&doc_key, &h, &s2);
    ok(strcmp(s.signature, s2.signature) == 0,
       "header names are case-folded and values trimmed/squeezed before signing");
}

int main(void)
{
    test_presign_doc();
    test_header_doc();
    test_encoding();
    test_presign_limits();
    return tap_done();
}
