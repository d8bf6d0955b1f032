/* sb_phase.c — per-phase timestamps (only with -DSB_PHASES). */
#include "sb_phase.h"

#ifdef SB_PHASES
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#define PHASE_BUF_MAX 4096

static char buffered[PHASE_BUF_MAX];
static size_t buffered_len;
static int buffering;

void sb_phase(const char *name)
{
    struct timespec ts;
    struct rusage ru;
    char line[128];
    int n;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    getrusage(RUSAGE_THREAD, &ru);
    n = snprintf(line, sizeof line, "%d %s %lld %ld\n", (int)syscall(SYS_gettid), name,
                 (long long)ts.tv_sec * 1000000000LL + ts.tv_nsec, ru.ru_minflt);
    if (n <= 0 || (size_t)n >= sizeof line)
        return;
    if (!buffering) {
        (void)!write(SB_PHASE_FD, line, (size_t)n);
    } else if (buffered_len + (size_t)n < sizeof buffered) {
        memcpy(buffered + buffered_len, line, (size_t)n + 1);
        buffered_len += (size_t)n;
    }
}

void sb_phase_buffer(void)
{
    close(SB_PHASE_FD);
    buffering = 1;
}

const char *sb_phase_buffered(void)
{
    return buffered;
}

void sb_phase_append(const char *lines)
{
    size_t n = lines ? strnlen(lines, PHASE_BUF_MAX) : 0;

    while (n > 0 && lines[n - 1] != '\n')
        n--;   /* whole lines only */
    if (n > 0)
        (void)!write(SB_PHASE_FD, lines, n);
}

void sb_phase_open(const char *path)
{
    int fd = path ? open(path, O_WRONLY | O_CREAT | O_APPEND, 0600) : -1;

    if (fd >= 0 && fd != SB_PHASE_FD) {
        dup2(fd, SB_PHASE_FD);
        close(fd);
    }
}
#else
typedef int sb_phase_unused;   /* ISO C wants a translation unit to declare something */
#endif
