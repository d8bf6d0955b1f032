/* sb_outcome — everything the supervisor learned about one run; sb_record
 * turns it into the result record. */
#ifndef SB_OUTCOME_H
#define SB_OUTCOME_H

#include <cjson/cJSON.h>
#include <stddef.h>

#include "sr_status.h"

struct sb_outcome {
    enum sr_status status;
    int exit_code;              /* -1 when it ended by a signal or never ran */
    int signal;                 /* 0 if none */
    char *stdout_text;          /* blocks removed; raw bytes */
    size_t stdout_len;
    char *stderr_text;
    size_t stderr_len;
    int stdout_truncated, stderr_truncated;
    double execution_time, setup_time, cpu_time;
    long max_rss_kb;
    cJSON *blocks;              /* owned */
    cJSON *results;             /* owned: display items of a code cell (or a shown figure) */
    cJSON *files, *skipped;     /* owned */
    size_t blocks_dropped, skipped_dropped, results_dropped;   /* entries past a list's cap, only counted */
    cJSON *error;               /* owned: {"type","message","traceback"[,"hint"]} or NULL */
    int violation_nr;           /* -1 if none */
    char violation_name[64];
    char message[1024];         /* why: the cause of a limit, or what failed */
    cJSON *weakened;            /* owned: array of strings, isolation knowingly given up */
    const char *memory_enforcement;   /* "cgroup2", "cgroup1", "rlimit" */
    unsigned long memory_uncounted_mb;  /* rlimit: MiB of /tmp and /out tmpfs the limit does not see */
};

void sb_outcome_init(struct sb_outcome *o);
void sb_outcome_free(struct sb_outcome *o);

#endif
