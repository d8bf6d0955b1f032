/* sr_log — one place where errors are printed, with the call and errno.
 *
 * Errors are logged once, where they happen; callers just return failure.
 *   SR_PLOG("mount('%s', MS_BIND)", src);   -> "sandboxrun: mount('/x', MS_BIND): No such file"
 *   SR_LOG("bad policy line %d", n);
 */
#ifndef SR_LOG_H
#define SR_LOG_H

#include <errno.h>
#include <stdarg.h>
#include <stddef.h>

enum sr_log_level { SR_LOG_DEBUG, SR_LOG_INFO, SR_LOG_WARN, SR_LOG_ERROR };

/* Set the name printed before every message and the lowest level shown. */
void sr_log_init(const char *prog, enum sr_log_level min);
/* The name and lowest level set by sr_log_init (for a loaded module's own copy). */
void sr_log_current(const char **prog, enum sr_log_level *min);
/* Send messages to fd (default 2). */
void sr_log_set_fd(int fd);
/* Hand every formatted line (no newline) to hook instead of writing it; NULL
 * restores the fd. The jail uses this to send set-up errors to the supervisor. */
void sr_log_set_hook(void (*hook)(const char *line, size_t len));
/* While buf is set, the first error (SR_LOG/SR_PLOG) that finds buf empty
 * goes into buf[len] (without the program's name): the supervisor points it
 * at the record's message while it sets a run up, so the reason a run could
 * not start reaches whoever asked. With also_log it is written as well (a
 * daemon's log is its operator's); without, only the record has it (a
 * one-shot run, whose caller prints the record's message). Later errors,
 * and every error with buf NULL or a hook set, go out as usual. Per thread. */
void sr_log_to_record(char *buf, size_t len, int also_log);
void sr_log_msg(enum sr_log_level lvl, int errnum, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* Format a message into the caller's error buffer err[errlen] (nothing when
 * err is NULL or errlen 0): the one helper for functions that report an
 * error to their caller instead of logging it. */
void sr_errf(char *err, size_t errlen, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
void sr_verrf(char *err, size_t errlen, const char *fmt, va_list ap) __attribute__((format(printf, 3, 0)));

#define SR_LOG(...)   sr_log_msg(SR_LOG_ERROR, 0, __VA_ARGS__)
#define SR_WARN(...)  sr_log_msg(SR_LOG_WARN, 0, __VA_ARGS__)
#define SR_INFO(...)  sr_log_msg(SR_LOG_INFO, 0, __VA_ARGS__)
#define SR_DEBUG(...) sr_log_msg(SR_LOG_DEBUG, 0, __VA_ARGS__)
#define SR_PLOG(...)  sr_log_msg(SR_LOG_ERROR, errno, __VA_ARGS__)

#endif
