/* sb_record — the result record of ARCHITECTURE.md, as JSON. */
#ifndef SB_RECORD_H
#define SB_RECORD_H

#include "sb_outcome.h"

/* Build the record; takes ownership of nothing (copies). NULL on OOM. */
cJSON *sb_record_build(const struct sb_outcome *o);
/* An internal_error record with just a message (for failures before a run). */
cJSON *sb_record_internal_error(const char *message);

#endif
