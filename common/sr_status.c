/* sr_status.c — status names and exit codes, one table. */
#include "sr_status.h"

#include <string.h>

static const struct { const char *name; int exit_code; } table[SR_STATUS_COUNT] = {
    [SR_OK] = {"ok", 0},
    [SR_ERROR] = {"error", 1},
    [SR_TIMEOUT] = {"timeout", 3},
    [SR_MEMORY_LIMIT] = {"memory_limit", 4},
    [SR_OUTPUT_LIMIT] = {"output_limit", 5},
    [SR_POLICY_VIOLATION] = {"policy_violation", 6},
    [SR_KILLED] = {"killed", 7},
    [SR_INTERNAL_ERROR] = {"internal_error", 8},
    [SR_USAGE_ERROR] = {"usage_error", 2},
    [SR_S3_ERROR] = {"s3_error", 9},
};

const char *sr_status_name(enum sr_status s)
{
    return s < SR_STATUS_COUNT ? table[s].name : "internal_error";
}

int sr_status_exit_code(enum sr_status s)
{
    return s < SR_STATUS_COUNT ? table[s].exit_code : 8;
}

enum sr_status sr_status_from_name(const char *name)
{
    for (int i = 0; name && i < SR_STATUS_COUNT; i++)
        if (strcmp(table[i].name, name) == 0)
            return (enum sr_status)i;
    return SR_INTERNAL_ERROR;
}
