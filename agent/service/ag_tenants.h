/* ag_tenants — the service's per-tenant caps on executions at once, and
 * the overall one. (Sessions are capped by the session registry,
 * ag_mcp_session_open's tenant_max, where they are counted.) Thread-safe. */
#ifndef AG_TENANTS_H
#define AG_TENANTS_H

#define AG_TENANTS_MAX 1024

/* Per tenant at most per_tenant executions at once, overall at most total. */
void ag_tenants_init(int per_tenant, int total);
/* Take an execution slot for tenant: 0, or -1 when tenant or the service
 * is at its cap (the caller answers "throttled"). */
int ag_tenants_exec_begin(const char *tenant);
/* Give back a slot taken by ag_tenants_exec_begin. */
void ag_tenants_exec_end(const char *tenant);

#endif
