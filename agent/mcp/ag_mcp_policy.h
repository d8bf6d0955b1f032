/* ag_mcp_policy — what a tenant of the network service may ask of the MCP
 * tools: the service's caps on one call's time, a session's memory and idle
 * time and a tenant's sessions, and the S3 URIs the tenant may read and
 * write with the service's credentials (none unless the --auth file grants
 * a prefix). A call of the local user (stdio, tenant NULL) is not limited
 * by it; with no policy set, a tenant may use no S3 URI at all. */
#ifndef AG_MCP_POLICY_H
#define AG_MCP_POLICY_H

#include <stddef.h>

struct ag_mcp_policy {
    double max_timeout;          /* seconds one call may run; a longer timeout is cut to it (0: no cap) */
    long max_memory_mb;          /* a session's memory, cut to it (0: no cap) */
    double max_idle;             /* a session's idle timeout, cut to it (0: no cap) */
    int tenant_sessions;         /* jailed sessions per tenant (0: only the overall cap) */
    /* whether tenant may use uri (checked well-formed); NULL: no tenant may use S3 */
    int (*s3_allowed)(const char *tenant, const char *uri);
};

/* Take the policy (kept by reference; set once, before any call). */
void ag_mcp_policy_set(const struct ag_mcp_policy *p);
/* The timeout a call of tenant gets when it asks for asked seconds. */
double ag_mcp_policy_timeout(const char *tenant, double asked);
/* The same for a session's memory (MB) and idle time (s). */
long ag_mcp_policy_memory(const char *tenant, long asked);
double ag_mcp_policy_idle(const char *tenant, double asked);
/* Sessions tenant may have at once (0: no cap of its own). */
int ag_mcp_policy_tenant_sessions(const char *tenant);
/* 0 if tenant may read or write S3 object uri, else -1 with err set (the
 * same words whether the prefix is another tenant's or no one's). */
int ag_mcp_policy_s3(const char *tenant, const char *uri, char *err, size_t errlen);

#endif
