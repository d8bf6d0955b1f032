/* ag_mcp_policy.c — the service's caps on a tenant's tool calls; see ag_mcp_policy.h. */
#include "ag_mcp_policy.h"

#include <stdio.h>
#include <string.h>

static const struct ag_mcp_policy *P;

void ag_mcp_policy_set(const struct ag_mcp_policy *p)
{
    P = p;
}

double ag_mcp_policy_timeout(const char *tenant, double asked)
{
    return tenant && P && P->max_timeout > 0 && asked > P->max_timeout ? P->max_timeout : asked;
}

long ag_mcp_policy_memory(const char *tenant, long asked)
{
    return tenant && P && P->max_memory_mb > 0 && asked > P->max_memory_mb ? P->max_memory_mb : asked;
}

double ag_mcp_policy_idle(const char *tenant, double asked)
{
    return tenant && P && P->max_idle > 0 && (asked > P->max_idle || asked <= 0) ? P->max_idle : asked;
}

int ag_mcp_policy_tenant_sessions(const char *tenant)
{
    return tenant && P ? P->tenant_sessions : 0;
}

/* Whether uri has a dot segment ("/./", "/../", or one at the end), which
 * an HTTP layer on the way might resolve into another key. */
static int dot_segment(const char *uri)
{
    return strstr(uri, "/./") || strstr(uri, "/../") || (strlen(uri) >= 2 && strcmp(uri + strlen(uri) - 2, "/.") == 0) ||
           (strlen(uri) >= 3 && strcmp(uri + strlen(uri) - 3, "/..") == 0);
}

int ag_mcp_policy_s3(const char *tenant, const char *uri, char *err, size_t errlen)
{
    if (!tenant)
        return 0;                /* the local user's own credentials */
    if (!P || !P->s3_allowed || dot_segment(uri) || !P->s3_allowed(tenant, uri))
        return snprintf(err, errlen, "%.200s is not under an S3 prefix this tenant may use (the operator grants "
                        "prefixes in the --auth file's \"tenants\")", uri), -1;
    return 0;
}
