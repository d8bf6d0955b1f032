/* ag_tenants.c — execution slots per tenant; see ag_tenants.h. */
#include "ag_tenants.h"

#include <pthread.h>
#include <stdio.h>
#include <string.h>

struct tenant {
    char name[64];
    int running;
};

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static struct tenant tenants[AG_TENANTS_MAX];
static int ntenants, per_tenant_max = 4, total_max = 16, total_running;

void ag_tenants_init(int per_tenant, int total)
{
    pthread_mutex_lock(&lock);
    if (per_tenant > 0)
        per_tenant_max = per_tenant;
    if (total > 0)
        total_max = total;
    pthread_mutex_unlock(&lock);
}

/* tenant's entry, made if new (lock held); NULL when the table is full. */
static struct tenant *entry(const char *name)
{
    for (int i = 0; i < ntenants; i++)
        if (strcmp(tenants[i].name, name) == 0)
            return &tenants[i];
    for (int i = 0; i < ntenants; i++)   /* reuse an idle one before growing */
        if (tenants[i].running == 0) {
            snprintf(tenants[i].name, sizeof tenants[i].name, "%s", name);
            return &tenants[i];
        }
    if (ntenants == AG_TENANTS_MAX)
        return NULL;
    snprintf(tenants[ntenants].name, sizeof tenants[0].name, "%s", name);
    return &tenants[ntenants++];
}

int ag_tenants_exec_begin(const char *tenant)
{
    struct tenant *t;
    int ok;

    pthread_mutex_lock(&lock);
    t = entry(tenant);
    ok = t && t->running < per_tenant_max && total_running < total_max;
    if (ok)
        t->running++, total_running++;
    pthread_mutex_unlock(&lock);
    return ok ? 0 : -1;
}

void ag_tenants_exec_end(const char *tenant)
{
    pthread_mutex_lock(&lock);
    for (int i = 0; i < ntenants; i++)
        if (strcmp(tenants[i].name, tenant) == 0 && tenants[i].running > 0) {
            tenants[i].running--;
            total_running--;
            break;
        }
    pthread_mutex_unlock(&lock);
}
