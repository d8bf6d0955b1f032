/* ag_mcp_session — the sessions of the MCP server and of the AgentCore API
 * (one model): a registry of ag_session interpreters by unguessable id, each
 * owned by a tenant (another tenant cannot find it), with an idle timeout, a
 * time-to-live from its start, a maximum count in all and per tenant,
 * and the session file tools (write/read/list/remove), which run inside the
 * session as helpers of scripts/sandboxrun_session.py, so every path is
 * resolved by the jail's own view of /tmp and /out. */
#ifndef AG_MCP_SESSION_H
#define AG_MCP_SESSION_H

#include <cjson/cJSON.h>
#include <stddef.h>

#include "ag_mcp_tools.h"

#include "sr_caps.h"   /* AG_MCP_FILES_MAX, AG_MCP_SESSION_GET_MAX, AG_MCP_SESSION_PUT_MAX */

struct ag_mcp_sess;

/* At most max sessions at once (default 8). */
void ag_mcp_sessions_init(int max);
/* Sessions alive now, and the most there may be (for the metrics). */
int ag_mcp_sessions_active(void);
int ag_mcp_sessions_max(void);
/* Stop sessions idle past their timeout, or whose interpreter died. */
void ag_mcp_sessions_reap(void);
/* Stop every session (at shutdown, or when the service drains); no session
 * starts after it (ag_mcp_session_open fails, "shutting down"). */
void ag_mcp_sessions_stop_all(void);

/* What a session starts with. */
struct ag_mcp_sess_spec {
    const char *tenant;     /* its owner; NULL: the local user (stdio) */
    double idle;            /* stopped after this many idle seconds (0: never) */
    double ttl;             /* stopped this many seconds after its start, busy or not (0: never) */
    long memory_mb;
    unsigned long pids, tmp_mb, out_mb;   /* its limits (0: the supervisor's defaults) */
    int tenant_max;         /* sessions the owner may have at once (0: only the overall cap) */
    const char *policy;     /* its seccomp policy file (NULL: the default) */
    const char *daemon;     /* the warm daemon to start it on (NULL: $SANDBOXRUN_SOCKET's, if any) */
    int cold;               /* a cold jail, whatever daemon there is (a policy no daemon runs) */
};
enum ag_mcp_open_res {
    AG_MCP_OPEN_OK = 0,
    AG_MCP_OPEN_FULL,       /* the overall or the tenant's cap is reached */
    AG_MCP_OPEN_CANCELLED,  /* c was cancelled meanwhile; the session was stopped */
    AG_MCP_OPEN_FAILED,     /* err says why */
};
/* Start a session for call c; its id (ag_sid_mint: 32 hex digits, or the
 * pod's TAG and 26 base32 ones) goes to id (AG_SID_MAX bytes). */
enum ag_mcp_open_res ag_mcp_session_open(const struct ag_mcp_sess_spec *spec, struct ag_mcp_call *c,
                                         char *id, size_t idlen, char *err, size_t errlen);
/* Whether tenant's session id is in the registry (not stopped, not expired). */
int ag_mcp_session_running(const char *id, const char *tenant);
/* Stop tenant's session id: 0, or -1 if tenant has no such session. */
int ag_mcp_session_close(const char *id, const char *tenant);

/* Take a reference to tenant's session id for one call; NULL with err set
 * (an agent-readable reason) if there is no such session — also when it
 * belongs to another tenant, with the same words. */
struct ag_mcp_sess *ag_mcp_session_acquire(const char *id, const char *tenant, char *err, size_t errlen);
void ag_mcp_session_release(struct ag_mcp_sess *e);
/* A session execution request for code (a cell.py); add "before" and
 * "after" helpers to it as sb_session.h describes. */
cJSON *ag_mcp_session_code(const char *code);
/* Run req (a request of sb_session.h: "code" or a "call" helper, and the
 * "before" and "after" helpers; the caller keeps it) in the session for
 * call c (cancellable through c; c may be NULL). 0 with *record (caller
 * deletes), or -1 with err set. */
int ag_mcp_session_run(struct ag_mcp_sess *e, struct ag_mcp_call *c, cJSON *req, double timeout, cJSON **record,
                       char *err, size_t errlen);
/* The answer of record's helper key ("before", "call", "after"), taken out
 * of the record (whose "answers" goes when it is empty): an object the
 * caller deletes, or NULL when that helper gave none. */
cJSON *ag_mcp_session_answer(cJSON *record, const char *key);
/* The "after" helper that collects the PNG files under the session's /out
 * this session has not shown yet (new, or changed since the last call): at
 * most max, each at most cap bytes. */
cJSON *ag_mcp_session_images_helper(struct ag_mcp_sess *e, int max, size_t cap);
/* That helper's answer (taken) as MCP image contents, each remembered as
 * shown: an array, or NULL when there is none. */
cJSON *ag_mcp_session_images(struct ag_mcp_sess *e, cJSON *answer, int max);
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
