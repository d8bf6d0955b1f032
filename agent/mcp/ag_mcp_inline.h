/* ag_mcp_inline — the inline budget of a tool result: content blocks
 * (text, images, embedded resources) together stay under a byte budget
 * (AG_MCP_INLINE_BUDGET unless `mcp --inline-budget` says otherwise); an item
 * past it is written to the output store and sent as a resource_link (name,
 * mimeType, size, sha256, uri sandboxrun://out-N/NAME) that resources/read
 * (and read_files, given the uri as a path) answers for as long as the store
 * keeps that output. Shared by every result builder (MCP, AgentCore's
 * executeCode). */
#ifndef AG_MCP_INLINE_H
#define AG_MCP_INLINE_H

#include <cjson/cJSON.h>
#include <limits.h>
#include <stddef.h>

#define AG_MCP_INLINE_BUDGET (256u << 10)
#define AG_MCP_LINK_SCHEME "sandboxrun://"   /* of the links' uri: sandboxrun://out-N/NAME */

struct ag_mcp_inline {
    size_t left;              /* bytes of content still allowed inline */
    char id[64];              /* the store output links point into ("" until needed) */
    char dir[PATH_MAX];
    int links;                /* files written for links so far */
    const char *tenant;       /* whose call the result answers (NULL: the local user) */
};

/* Set the budget of every later result (bytes, > 0). */
void ag_mcp_inline_set_budget(size_t bytes);
/* Start a result's budget for tenant's call; id/dir name an existing store
 * output (a one-shot call's /out copy) or are NULL (one is made when the
 * first link needs it). */
void ag_mcp_inline_init(struct ag_mcp_inline *b, const char *id, const char *dir, const char *tenant);
/* Take n bytes of the budget: 1 if they fit (and are now spent), else 0. */
int ag_mcp_inline_take(struct ag_mcp_inline *b, size_t n);
/* A resource_link content item for data (n bytes) written to the store under
 * a new name ending in ext; NULL with err set if it cannot be stored. */
cJSON *ag_mcp_inline_store(struct ag_mcp_inline *b, const void *data, size_t n, const char *mime, const char *ext,
                           char *err, size_t errlen);
/* An embedded resource content item holding text (within the budget: the
 * caller took it), also written to the store so that its sandboxrun:// URI
 * answers resources/read. NULL with err set if it cannot be stored. */
cJSON *ag_mcp_inline_embed(struct ag_mcp_inline *b, const char *text, const char *mime, const char *ext,
                           char *err, size_t errlen);
/* A resource_link for a file already in the budget's output (rel inside it). */
cJSON *ag_mcp_inline_link_file(struct ag_mcp_inline *b, const char *rel, const char *mime, char *err, size_t errlen);
/* Lowercase hex SHA-256 of n bytes into hex[65]. */
void ag_mcp_sha256_hex(const void *data, size_t n, char hex[65]);
/* A NUL-terminated copy of p[0..n) if it is valid UTF-8 without NUL bytes,
 * else NULL (also on OOM). Caller frees. */
char *ag_mcp_utf8_exact(const char *p, size_t n);
/* resources/read of uri by tenant: the MCP {contents:[...]} result, or NULL
 * with err set. */
cJSON *ag_mcp_inline_read(const char *uri, const char *tenant, char *err, size_t errlen);

#endif
