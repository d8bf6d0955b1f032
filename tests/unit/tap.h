/* tap.h — a minimal TAP producer for the C unit tests.
 * ok(cond, fmt, ...) prints "ok N - ..." or "not ok N - ..."; tap_done()
 * prints the plan and returns the exit status (1 if anything failed). */
#ifndef SR_TAP_H
#define SR_TAP_H
#include <stdio.h>

static int tap_n, tap_failed;

#define ok(cond, ...)                                                      \
    do {                                                                   \
        int ok_c_ = !!(cond);                                              \
        printf("%sok %d - ", ok_c_ ? "" : "not ", ++tap_n);                \
        printf(__VA_ARGS__);                                               \
        printf("\n");                                                      \
        if (!ok_c_) {                                                      \
            tap_failed++;                                                  \
            printf("#   at %s:%d: %s\n", __FILE__, __LINE__, #cond);       \
        }                                                                  \
    } while (0)

static inline int tap_done(void)
{
    printf("1..%d\n", tap_n);
    return tap_failed ? 1 : 0;
}
#endif
