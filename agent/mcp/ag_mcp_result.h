/* ag_mcp_result — CallToolResult objects: the text an agent reads, HTML as
 * embedded text/html resources, PNG files from /out as images, and the
 * structuredContent the tool's outputSchema describes. */
#ifndef AG_MCP_RESULT_H
#define AG_MCP_RESULT_H

#include <cjson/cJSON.h>
#include <stddef.h>

#include "sr_caps.h"

#define AG_MCP_IMAGES_MAX 8             /* images per result */

/* The result of a code execution; takes record. structuredContent is the
 * record plus outputId/sessionId (either may be NULL); isError unless the
 * status is ok. out_dir (or NULL) is where the run's /out files are. What
 * goes by link is stored for tenant (NULL: the local user). */
cJSON *ag_mcp_result_record(cJSON *record, const char *out_dir, const char *output_id,
                            const char *session_id, const char *tenant);
/* Append image contents (an array, taken; may be NULL) to tenant's result. */
void ag_mcp_result_add_images(cJSON *result, cJSON *images, const char *tenant);
/* An MCP image content item for PNG data given as base64 text. */
cJSON *ag_mcp_image_png(const char *b64);
/* The result of an analysis script run (run_eda ...); takes record. */
cJSON *ag_mcp_result_analysis(const char *tool, cJSON *record, const char *out_dir, const char *output_id,
                              const char *tenant);
/* A successful result: structured (taken) and a text for the agent. */
cJSON *ag_mcp_result_ok(cJSON *structured, const char *text);
/* A failed result (isError) with a message an agent can act on. */
cJSON *ag_mcp_result_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* A record for a run that never produced one (status internal_error). */
cJSON *ag_mcp_record_internal(const char *message);
/* Base64 of n bytes (caller frees), or NULL on OOM. */
char *ag_mcp_base64(const void *data, size_t n);
/* Decode base64 text; returns a new buffer (caller frees) with *n bytes, or
 * NULL if the text is not base64. */
unsigned char *ag_mcp_unbase64(const char *text, size_t *n);

#endif
