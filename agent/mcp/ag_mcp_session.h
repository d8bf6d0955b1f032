/* ag_mcp_session — the MCP server's sessions: a registry of ag_session
 * interpreters by unguessable id, with an idle timeout and a maximum count,
 * and the session file tools (write/read/list/remove), which run as small
 * generated Python snippets inside the session so every path is resolved by
 * the jail's own view of /tmp and /out. */
#ifndef AG_MCP_SESSION_H
#define AG_MCP_SESSION_H

#include <cjson/cJSON.h>
#include <stddef.h>

#include "ag_mcp_tools.h"

#define AG_MCP_FILES_MAX (8u << 20)    /* bytes per write_files/read_files call */
/* One file moved whole between the host and a session (upload_artifact,
 * a session's dataset): it travels base64-encoded, out in one 32 MiB stdout
 * block and in on one 24 MiB request line, so these are what fit. */
#define AG_MCP_SESSION_GET_MAX ((24u << 20) - (64u << 10))   /* base64 + JSON within 32 MiB */
#define AG_MCP_SESSION_PUT_MAX (16u << 20)

struct ag_mcp_sess;

/* At most max sessions at once (default 8). */
void ag_mcp_sessions_init(int max);
/* Stop sessions idle past their timeout, or whose interpreter died. */
void ag_mcp_sessions_reap(void);
/* Stop every session (at shutdown, once no call runs). */
void ag_mcp_sessions_stop_all(void);

/* Take a reference to session id for one call; NULL with err set (an
 * agent-readable reason) if there is no such session. */
struct ag_mcp_sess *ag_mcp_session_acquire(const char *id, char *err, size_t errlen);
void ag_mcp_session_release(struct ag_mcp_sess *e);
/* Run code in the session for call c (cancellable through c). 0 with *record
 * (caller deletes), or -1 with err set. */
int ag_mcp_session_exec(struct ag_mcp_sess *e, struct ag_mcp_call *c, const char *code, double timeout,
                        cJSON **record, char *err, size_t errlen);
/* The PNG files of record's /out listing that this session has not shown
 * yet (new, or changed since the last call), read from the session as MCP
 * image contents: at most max, each at most cap bytes. An array, or NULL
 * when there is none (or they could not be read: the call's result stands
 * without them). */
cJSON *ag_mcp_session_new_images(struct ag_mcp_sess *e, struct ag_mcp_call *c, const cJSON *record, int max,
                                 size_t cap);
/* Copy a session file (path under /tmp or /out) to the new host file dest. */
int ag_mcp_session_get_file(struct ag_mcp_sess *e, struct ag_mcp_call *c, const char *path, const char *dest,
                            char *err, size_t errlen);
/* Write n bytes into the session at path. */
int ag_mcp_session_put_file(struct ag_mcp_sess *e, struct ag_mcp_call *c, const char *path,
                            const void *data, size_t n, char *err, size_t errlen);
/* Agent-side check of a session path: non-empty, no "..", absolute only
 * under /tmp or /out (relative means under /tmp). 0, or -1 with err set. */
int ag_mcp_session_path_ok(const char *path, char *err, size_t errlen);

#endif
