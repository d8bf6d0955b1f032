/* Unit tests: a request's "env" (sb_request_parse under common/sr_env's rule),
 * and a NUL in any of its strings (common/sr_json_nul). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sb_request.h"
#include "sr_json_nul.h"
#include "tap.h"

/* Parse text; 0 or -1, with r's env left in *r (freed by the caller) and the
 * error in err. */
static int parse(const char *text, struct sb_request *r, char *err, size_t errlen)
{
    sb_request_defaults(r);
    err[0] = '\0';
    return sb_request_parse(text, strlen(text), r, err, errlen);
}

static int refused(const char *text, const char *why)
{
    struct sb_request r;
    char err[512];
    int rc = parse(text, &r, err, sizeof err);

    sb_request_free(&r);
    if (rc == 0 || !strstr(err, why))
        printf("#   %.200s -> %d '%s'\n", text, rc, err);
    return rc < 0 && strstr(err, why) != NULL;
}

int main(void)
{
    struct sb_request r;
    static char big[100000];
    char err[512];
    int rc;
    static const struct { const char *text, *why, *what; } bad[] = {
        {"{\"env\": [\"A=1\"]}", "must be an object", "env must be an object"},
        {"{\"env\": {\"A\": 1}}", "must be a string", "a value must be a string"},
        {"{\"env\": {\"A\": \"1\", \"A\": \"2\"}}", "given twice", "a name given twice is refused"},
        {"{\"env\": {\"PATH\": \"/tmp\"}}", "PATH", "PATH is refused"},
        {"{\"env\": {\"LC_TIME\": \"C\"}}", "LC_*", "LC_* is refused"},
        {"{\"env\": {\"PYTHONSTARTUP\": \"x\"}}", "PYTHON*", "PYTHON* is refused"},
        {"{\"env\": {\"LD_AUDIT\": \"x\"}}", "LD_*", "LD_* is refused"},
        {"{\"env\": {\"NUMEXPR_MAX_THREADS\": \"8\"}}", "NUMEXPR_*", "a thread count is refused"},
        {"{\"env\": {\"NPY_DISABLE_CPU_FEATURES\": \"AVX2\"}}", "NPY_*", "numpy's import-time NPY_* is refused"},
        {"{\"env\": {\"9A\": \"x\"}}", "[A-Za-z_]", "a name starting with a digit is refused"},
        {"{\"env\": {\"A.B\": \"x\"}}", "[A-Za-z_]", "a name with a dot is refused"},
        {"{\"env\": {\"\": \"x\"}}", "[A-Za-z_]", "an empty name is refused"},
        {"{\"env\": {\"A\": \"\xff\"}}", "not UTF-8", "a value that is not UTF-8 is refused"},
        /* cJSON ends a string at its NUL: the code would run cut short, unsaid */
        {"{\"code\": \"print(1)\\u0000print(2)\"}", "request: 'code' contains a NUL byte at offset 8",
         "code with \\u0000 is refused, saying where"},
        {"{\"code\": \"\\u00e9\\ud83d\\ude00\\u0000\"}", "'code' contains a NUL byte at offset 2",
         "the offset counts characters, as Python indexes a str (a surrogate pair is one)"},
        {"{\"code\": \"1\", \"args\": [\"a\", \"b\\u0000\"]}", "'args' contains a NUL byte at offset 1",
         "an argument with a NUL is refused, named by its array"},
        {"{\"code\": \"1\", \"env\": {\"A\": \"x\\u0000y\"}}", "'A' contains a NUL byte at offset 1",
         "an environment value with a NUL is refused"},
        {"{\"code\": \"1\", \"inputs\": [{\"path\": \"/etc/passwd\\u0000.csv\", \"name\": \"a\"}]}",
         "'path' contains a NUL byte at offset 11", "an input path with a NUL is refused (not cut to /etc/passwd)"},
        {"{\"co\\u0000de\": \"1\"}", "a member name contains a NUL byte", "a member name with a NUL is refused"},
        /* cJSON reads a \u without four hex digits as U+0000, and cuts there */
        {"{\"code\": \"1\", \"inputs\": [{\"path\": \"/etc/passwd\\u.csv\", \"name\": \"a\"}]}",
         "'path' contains an invalid \\u escape (not four hex digits; read as a NUL byte) at offset 11",
         "an input path with a bare \\u is refused (not cut to /etc/passwd)"},
        {"{\"code\": \"print(1)\\uzzzzprint(2)\"}", "'code' contains an invalid \\u escape",
         "code with \\uzzzz is refused (not cut to print(1))"},
        {"{\"code\": \"ab\\u00\\\"x\"}", "'code' contains an invalid \\u escape",
         "a \\u with two hex digits and a quote is refused"},
    };

    rc = parse("{\"code\": \"1\", \"env\": {\"FOO\": \"bar\", \"SP\": \"a b=c\", \"E\": \"\"}}", &r, err, sizeof err);
    ok(rc == 0 && r.nenv == 3 && strcmp(r.env[0], "FOO=bar") == 0 && strcmp(r.env[1], "SP=a b=c") == 0 &&
       strcmp(r.env[2], "E=") == 0 && r.env[3] == NULL, "env becomes NAME=VALUE strings in the request's order");
    sb_request_free(&r);
    rc = parse("{\"env\": {\"A\": \"1\"}, \"env\": {\"B\": \"2\"}}", &r, err, sizeof err);
    ok(rc == 0 && r.nenv == 1 && strcmp(r.env[0], "B=2") == 0, "a repeated 'env' key replaces the earlier one");
    sb_request_free(&r);


    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++)
        ok(refused(bad[i].text, bad[i].why), "%s", bad[i].what);
    rc = parse("{\"code\": \"print('\\\\u0000')\"}", &r, err, sizeof err);
    ok(rc == 0 && strcmp(r.code, "print('\\u0000')") == 0, "an escaped backslash before u0000 is no NUL: the code "
       "keeps its Python escape");
    sb_request_free(&r);
    sb_request_defaults(&r);
    rc = sb_request_parse("{\"code\": \"ab\0cd\"}", sizeof "{\"code\": \"ab\0cd\"}" - 1, &r, err, sizeof err);
    ok(rc < 0 && strstr(err, "'code' contains a NUL byte at offset 2"), "a raw NUL byte in a string is refused: %s",
       err);
    sb_request_free(&r);

    {
        /* a long member name is quoted cut to whole UTF-8 characters: the
         * message goes into JSON records */
        char text[256], want[256], msg[256];
        size_t n = 0;
        n += (size_t)snprintf(text + n, sizeof text - n, "{\"");
        for (int i = 0; i < 40; i++)
            n += (size_t)snprintf(text + n, sizeof text - n, "\xc3\xa9");
        snprintf(text + n, sizeof text - n, "\": \"x\\u0000\"}");
        n = (size_t)snprintf(want, sizeof want, "'");
        for (int i = 0; i < 31; i++)
            n += (size_t)snprintf(want + n, sizeof want - n, "\xc3\xa9");
        snprintf(want + n, sizeof want - n, "' contains a NUL byte at offset 1");
        ok(sr_json_nul(text, strlen(text), msg, sizeof msg) == 1 && strcmp(msg, want) == 0,
           "a long member name is quoted cut at a character's boundary (31 of its 40 two-byte characters)");
    }

    memcpy(big, "{\"env\": {\"A\": \"", 15);
    memset(big + 15, 'x', 32769);
    snprintf(big + 15 + 32769, sizeof big - 15 - 32769, "\"}}");
    ok(refused(big, "over 32768"), "a value over 32 KiB is refused");
    {
        size_t n = (size_t)snprintf(big, sizeof big, "{\"env\": {");
        for (int i = 0; i < 65; i++)
            n += (size_t)snprintf(big + n, sizeof big - n, "%s\"V%d\": \"x\"", i ? ", " : "", i);
        snprintf(big + n, sizeof big - n, "}}");
        ok(refused(big, "more than 64"), "65 variables are refused");
    }
    {
        size_t n = (size_t)snprintf(big, sizeof big, "{\"env\": {");
        for (int i = 0; i < 3; i++) {
            n += (size_t)snprintf(big + n, sizeof big - n, "%s\"V%d\": \"", i ? ", " : "", i);
            memset(big + n, 'y', 30000);
            n += 30000;
            n += (size_t)snprintf(big + n, sizeof big - n, "\"");
        }
        snprintf(big + n, sizeof big - n, "}}");
        ok(refused(big, "over 65536 bytes together"), "more than 64 KiB together is refused");
    }
    return tap_done();
}
