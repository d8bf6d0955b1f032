/* ag_pool.c — start, watch and stop the warm daemons; their /metrics. */
#include "ag_pool.h"

#include <cjson/cJSON.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ag_metrics.h"
#include "ag_server.h"
#include "sr_buf.h"

#define MAX_POOLS (1 + AG_AGENTCORE_MAX_INTERPRETERS)

struct pool {
    char label[101];          /* "default", or the interpreter's name */
    struct ag_daemon d;
};

static struct pool pools[MAX_POOLS];
static int npools;

/* Start one daemon labelled label with options args; 0, or -1 after saying why. */
static int start_one(const char *label, char *const args[])
{
    struct pool *p = &pools[npools];
    char err[300];

    snprintf(p->label, sizeof p->label, "%s", label);
    if (ag_server_daemon_start(&p->d, args, err, sizeof err) < 0) {
        fprintf(stderr, "sandboxrun serve: the warm pool%s%s: %s\n", strcmp(label, "default") ? " of " : "",
                strcmp(label, "default") ? label : "", err);
        return -1;
    }
    npools++;
    return 0;
}

/* The options of a daemon with size ready workers, the service's caps and
 * in's limits, policy and preloads (in NULL: the default ones) into args;
 * its strings in nums. */
static void daemon_args(const struct ag_pool_opts *o, const struct ag_agentcore_interp *in, unsigned long size,
                        char *args[], char nums[][24])
{
    unsigned long v[] = {size, o->execs < 64 ? o->execs : 64, o->sessions < 1024 ? o->sessions : 1024,
                         (unsigned long)(in && in->memory_mb ? in->memory_mb : o->memory_mb),
                         in ? in->pids : 0, in ? in->tmp_mb : 0, in ? in->out_mb : 0};
    static const char *const names[] = {"--pool", "--max-concurrent", "--max-sessions", "--memory", "--pids",
                                        "--tmp", "--out"};
    int n = 0;

    for (size_t i = 0; i < sizeof v / sizeof *v; i++) {
        if (!v[i] && i > 0)
            continue;   /* a limit the interpreter leaves to the default */
        snprintf(nums[i], 24, "%lu", v[i]);
        args[n++] = (char *)names[i];
        args[n++] = nums[i];
    }
    args[n++] = "--queue";
    args[n++] = "64";
    if (in && in->policy) {
        args[n++] = "--policy";
        args[n++] = in->policy;
    }
    if (in && in->preload) {   /* the shipped warm-up exercises the default stack: not for another */
        args[n++] = "--preload";
        args[n++] = in->preload;
        args[n++] = "--warmup";
        args[n++] = "none";
    }
    args[n] = NULL;
}

int ag_pool_start(const struct ag_pool_opts *o)
{
    char *args[AG_DAEMON_MAX_ARGS], nums[7][24];
    const char *shared = getenv("SANDBOXRUN_SOCKET");
    unsigned long size = o->size == AG_POOL_UNSET ? AG_POOL_DEFAULT : o->size;

    if (o->size == 0) {
        unsetenv("SANDBOXRUN_SOCKET");   /* opted out: every session a cold jail */
    } else if (o->size != AG_POOL_UNSET || !shared || !*shared) {
        daemon_args(o, NULL, size, args, nums);
        if (start_one("default", args) < 0)
            return -1;
        setenv("SANDBOXRUN_SOCKET", pools[0].d.sock, 1);   /* before any thread: ag_server_socket() reads it */
    }
    for (int i = 0; i < o->ninterps; i++) {
        struct ag_agentcore_interp *in = &o->interps[i];
        if (!in->policy && !in->preload)
            continue;   /* the default policy and stack: the service's daemon serves it */
        if (o->size == 0) {
            in->cold = 1;   /* its policy in a cold jail (a preload was refused at parse time) */
            continue;
        }
        daemon_args(o, in, in->pool ? in->pool : 1, args, nums);
        if (start_one(in->name, args) < 0) {
            ag_pool_stop();
            return -1;
        }
        in->daemon = pools[npools - 1].d.sock;
    }
    return 0;
}

void ag_pool_check(void)
{
    for (int i = 0; i < npools; i++)
        ag_server_daemon_check(&pools[i].d);
}

void ag_pool_stop(void)
{
    for (int i = 0; i < npools; i++)
        ag_server_daemon_stop(&pools[i].d);
    npools = 0;
}

/* ---- /metrics ---- */

static const struct family {
    const char *name, *type, *key, *help;
} families[] = {
    {"sandboxrun_pool_up", "gauge", NULL, "1 when the pool's warm daemon answered this scrape, else 0."},
    {"sandboxrun_pool_workers_target", "gauge", "pool", "Ready workers the pool keeps (--pool, an interpreter's pool=)."},
    {"sandboxrun_pool_workers_ready", "gauge", "ready", "Workers jailed, imported and waiting for a run or a session now."},
    {"sandboxrun_pool_workers_starting", "gauge", "starting", "Workers being made to refill the pool now."},
    {"sandboxrun_pool_workers_busy", "gauge", "busy", "Workers in use now: running a one-shot call, or a session's."},
    {"sandboxrun_pool_sessions_open", "gauge", "sessions", "Sessions open on the pool's daemon now (each owns a worker)."},
    {"sandboxrun_pool_sessions_max", "gauge", "maxSessions", "Sessions the pool's daemon takes at once."},
    {"sandboxrun_pool_queue_depth", "gauge", "queued", "Requests waiting for one of the daemon's executors now."},
    {"sandboxrun_pool_zygote_generation", "gauge", "zygoteGeneration", "How many zygotes the daemon has had (rotation, restarts)."},
    {"sandboxrun_pool_workers_spawned_total", "counter", "spawned", "Workers made (for the pool or on demand)."},
    {"sandboxrun_pool_spawn_failures_total", "counter", "spawnFailures", "Workers that could not be made (jail set-up failed, zygote gone)."},
};

/* A label value with ", \ and newlines escaped, as the text format wants. */
static void label_value(char *out, size_t size, const char *v)
{
    size_t n = 0;

    for (; *v && n + 3 < size; v++) {
        if (*v == '"' || *v == '\\' || *v == '\n')
            out[n++] = '\\';
        out[n++] = *v == '\n' ? 'n' : *v;
    }
    out[n] = '\0';
}

static double num(const cJSON *o, const char *key)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, key);

    return cJSON_IsNumber(v) ? v->valuedouble : 0;
}

/* Where the workers of runs and sessions came from, and how long a worker
 * takes to be made, for the pools that answered (st[i] non-NULL). */
static void takes_and_latency(struct sr_buf *b, cJSON *const st[], const char lv[][220])
{
    static const char *const src[][2] = {{"pool", "fromPool"}, {"refill", "waitedForRefill"}, {"empty", "madeEmpty"},
                                         {"unfit", "madeUnfit"}};
    const char *h = "sandboxrun_pool_spawn_seconds";
    char l[320], name[96];

    ag_metrics_head(b, "sandboxrun_pool_takes_total", "counter", "Runs and sessions by where their worker came "
                    "from: pool (a ready one), refill (none was ready: the one a refill was finishing), empty (it "
                    "fitted, none was ready or coming: made on demand), unfit (other limits than the pool's: made "
                    "for it).");
    for (int i = 0; i < npools; i++)
        for (size_t k = 0; st[i] && k < sizeof src / sizeof *src; k++) {
            snprintf(l, sizeof l, "pool=\"%s\",source=\"%s\"", lv[i], src[k][0]);
            ag_metrics_sample(b, "sandboxrun_pool_takes_total", l, num(st[i], src[k][1]));
        }
    ag_metrics_head(b, h, "histogram", "Time to make one worker: from the zygote's clone to jailed and ready.");
    for (int i = 0; i < npools; i++) {
        const cJSON *le = cJSON_GetObjectItemCaseSensitive(st[i], "spawnLe"),
                    *bounds = cJSON_GetObjectItemCaseSensitive(st[i], "spawnBounds");
        if (!st[i] || cJSON_GetArraySize(le) != cJSON_GetArraySize(bounds))
            continue;
        snprintf(name, sizeof name, "%s_bucket", h);
        for (int k = 0; k < cJSON_GetArraySize(le); k++) {
            snprintf(l, sizeof l, "pool=\"%s\",le=\"%g\"", lv[i], cJSON_GetArrayItem(bounds, k)->valuedouble);
            ag_metrics_sample(b, name, l, cJSON_GetArrayItem(le, k)->valuedouble);
        }
        snprintf(l, sizeof l, "pool=\"%s\",le=\"+Inf\"", lv[i]);
        ag_metrics_sample(b, name, l, num(st[i], "spawned"));
        snprintf(l, sizeof l, "pool=\"%s\"", lv[i]);
        snprintf(name, sizeof name, "%s_sum", h);
        ag_metrics_sample(b, name, l, num(st[i], "spawnSeconds"));
        snprintf(name, sizeof name, "%s_count", h);
        ag_metrics_sample(b, name, l, num(st[i], "spawned"));
    }
}

void ag_pool_metrics(struct sr_buf *b)
{
    cJSON *st[MAX_POOLS];
    char lv[MAX_POOLS][220], l[240];

    if (!npools)
        return;
    for (int i = 0; i < npools; i++) {
        st[i] = ag_server_stats(pools[i].d.stats);
        label_value(lv[i], sizeof lv[i], pools[i].label);
    }
    for (size_t f = 0; f < sizeof families / sizeof *families; f++) {
        ag_metrics_head(b, families[f].name, families[f].type, families[f].help);
        for (int i = 0; i < npools; i++) {
            snprintf(l, sizeof l, "pool=\"%s\"", lv[i]);
            if (!families[f].key)
                ag_metrics_sample(b, families[f].name, l, st[i] != NULL);
            else if (st[i])
                ag_metrics_sample(b, families[f].name, l, num(st[i], families[f].key));
        }
    }
    takes_and_latency(b, st, lv);
    for (int i = 0; i < npools; i++)
        cJSON_Delete(st[i]);
}
