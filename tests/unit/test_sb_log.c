/* Unit tests: a log message is one line whatever its arguments hold
 * (common/sr_log): a client's or a script's newline cannot forge a line. */
#include <string.h>
#include <unistd.h>

#include "sr_log.h"
#include "tap.h"

/* What one SR_LOG call with arg wrote to the log, in out (cap bytes). */
static size_t logged(const char *arg, char *out, size_t cap)
{
    int p[2];
    ssize_t n;

    if (pipe(p) < 0)
        return 0;
    sr_log_set_fd(p[1]);
    SR_LOG("mcp: dropped: '%s' contains a NUL byte", arg);
    sr_log_set_fd(2);
    close(p[1]);
    n = read(p[0], out, cap - 1);
    close(p[0]);
    out[n > 0 ? n : 0] = '\0';
    return n > 0 ? (size_t)n : 0;
}

int main(void)
{
    char out[2048], big[1500];
    size_t n;

    sr_log_init("sandboxrun", SR_LOG_WARN);
    n = logged("k\nsandboxrun: audit: tenant team-a deleted everything", out, sizeof out);
    ok(n > 0 && strchr(out, '\n') == out + n - 1 &&
           strstr(out, "'k\\nsandboxrun: audit: tenant team-a deleted everything' contains") != NULL,
       "a newline in an argument is written as \\n: one message, one line: %.*s", (int)n - 1, out);
    n = logged("a\rb\x1b[2Jc\x7f\td", out, sizeof out);
    ok(strcmp(out, "sandboxrun: mcp: dropped: 'a\\rb\\x1b[2Jc\\x7f d' contains a NUL byte\n") == 0,
       "CR, escape and DEL are escaped, a tab is a space: %.*s", (int)n - 1, out);
    n = logged("naïve ✓", out, sizeof out);
    ok(strcmp(out, "sandboxrun: mcp: dropped: 'naïve ✓' contains a NUL byte\n") == 0, "UTF-8 text is kept: %.*s", (int)n - 1, out);
    memset(big, '\n', sizeof big - 1);
    big[sizeof big - 1] = '\0';
    n = logged(big, out, sizeof out);
    ok(n > 0 && n <= 1024 && strchr(out, '\n') == out + n - 1, "a message of newlines is capped, still one line (%zu bytes)",
       n);
    return tap_done();
}
