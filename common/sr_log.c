/* sr_log.c — error and diagnostic messages on stderr (or a chosen fd). */
#include "sr_log.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

static const char *log_prog = "sandboxrun";
static enum sr_log_level log_min = SR_LOG_WARN;
static int log_fd = 2;
static void (*log_hook)(const char *, size_t);
/* per thread: the daemon sets workers up on several threads at once, and
 * each run's errors must reach its own record */
static _Thread_local char *log_record;
static _Thread_local size_t log_record_len;
static _Thread_local int log_record_too;

void sr_log_init(const char *prog, enum sr_log_level min)
{
    log_prog = prog;
    log_min = min;
}

void sr_log_current(const char **prog, enum sr_log_level *min)
{
    *prog = log_prog;
    *min = log_min;
}

void sr_log_set_fd(int fd)
{
    log_fd = fd;
}

void sr_log_set_hook(void (*hook)(const char *line, size_t len))
{
    log_hook = hook;
}

void sr_log_to_record(char *buf, size_t len, int also_log)
{
    log_record = len ? buf : NULL;
    log_record_len = len;
    log_record_too = also_log;
}

/* Escape line[from..*n) in place, capped at cap bytes: a control byte (a
 * newline or CR from a client's or a script's text, say) becomes \n, \r or
 * \xNN, so one message is always one line and none can forge another. */
static void one_line(char *line, int from, int *n, size_t cap)
{
    char out[1024];
    size_t o = 0;

    for (int i = from; i < *n && o + 4 < sizeof out; i++) {
        unsigned char c = (unsigned char)line[i];
        if (c >= 0x20 && c != 0x7f)
            out[o++] = (char)c;
        else if (c == '\t')
            out[o++] = ' ';
        else
            o += (size_t)snprintf(out + o, sizeof out - o, c == '\n' ? "\\n" : c == '\r' ? "\\r" : "\\x%02x", c);
    }
    if ((size_t)from + o > cap)
        o = cap - (size_t)from;
    memcpy(line + from, out, o);
    *n = from + (int)o;
}

/* Format one message into a fixed buffer and write it with a single write(2)
 * so lines from concurrent processes do not interleave. */
void sr_log_msg(enum sr_log_level lvl, int errnum, const char *fmt, ...)
{
    static const char *names[] = {"debug: ", "", "warning: ", ""};
    char line[1024];
    va_list ap;
    int n;

    if (lvl < log_min)
        return;
    n = snprintf(line, sizeof line, "%s: %s", log_prog, names[lvl]);
    va_start(ap, fmt);
    if (n >= 0 && (size_t)n < sizeof line)
        n += vsnprintf(line + n, sizeof line - (size_t)n, fmt, ap);
    va_end(ap);
    if (n >= 0 && errnum && (size_t)n < sizeof line)
        n += snprintf(line + n, sizeof line - (size_t)n, ": %s", strerror(errnum));
    if (n < 0)
        return;
    if ((size_t)n >= sizeof line - 1)
        n = (int)sizeof line - 2;
    one_line(line, (int)strlen(log_prog) + 2, &n, sizeof line - 2);
    if (!log_hook && log_record && !log_record[0] && lvl == SR_LOG_ERROR) {
        size_t skip = strlen(log_prog) + 2;   /* "prog: " */

        if (skip > (size_t)n)
            skip = (size_t)n;
        snprintf(log_record, log_record_len, "%.*s", n - (int)skip, line + skip);
        if (!log_record_too)
            return;
    }
    if (log_hook) {
        log_hook(line, (size_t)n);
        return;
    }
    line[n++] = '\n';
    (void)!write(log_fd, line, (size_t)n);
}

void sr_verrf(char *err, size_t errlen, const char *fmt, va_list ap)
{
    if (err && errlen)
        vsnprintf(err, errlen, fmt, ap);
}

void sr_errf(char *err, size_t errlen, const char *fmt, ...)
{
    va_list ap;

    va_start(ap, fmt);
    sr_verrf(err, errlen, fmt, ap);
    va_end(ap);
}
