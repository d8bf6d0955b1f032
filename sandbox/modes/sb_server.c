/* sb_server.c — the warm daemon: socket, queue, executors, pool refill. */
#include "sb_server.h"

#include <cjson/cJSON.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "sb_phase.h"
#include "sb_policy.h"
#include "sb_record.h"
#include "sb_session.h"
#include "sb_worker.h"
#include "sb_zygote.h"
#include "sr_io.h"
#include "sr_log.h"

#define MAX_POOL 64
#define MAX_EXECUTORS 64
#define MAX_QUEUE 1024
#define MAX_SESSIONS 1024
#define REFILL_THREADS 2   /* two workers can enter their jails at once on two cores */
#define REFILL_WAIT_MS 1000   /* the longest a request waits for a refill's worker before making its own */
#define SPAWN_BUCKETS 9    /* the spawn-latency histogram's bounds, in stats_text */

static const double spawn_bounds[SPAWN_BUCKETS] = {0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5};

/* What an operator sizes the pool by (under pool_lock): workers made and
 * how long each took to be jailed and ready, the ones that failed, and
 * where each run's or session's worker came from. */
struct pool_stats {
    unsigned long spawned, spawn_failures;
    unsigned long spawn_le[SPAWN_BUCKETS];   /* cumulative: spawns that took at most spawn_bounds[i] */
    double spawn_seconds;                    /* their sum */
    unsigned long from_pool;                 /* a ready worker was there */
    unsigned long waited;                    /* the pool was empty: the worker a refill was making was awaited */
    unsigned long made_empty;                /* it fitted the pool, but the pool was empty */
    unsigned long made_unfit;                /* other limits than the pool's: made for it */
};

struct server {
    const char *socket_path;
    int listen_fd;
    const char *stats_path;              /* --stats-socket: a connection there gets stats_text and EOF */
    int stats_fd;
    unsigned long pool_size, max_concurrent, queue_max;
    double grace_s;
    double client_timeout_s;  /* to send the request; and for each write of the reply to be taken */
    const char *preload;
    const char *warmup;                  /* "none", a file, or NULL for the shipped one */
    char warmup_path[4096];
    struct sb_request defaults;          /* the pool workers' limits */
    struct sb_zygote zyg;
    pthread_mutex_t zyg_lock;
    /* rotation: a fresh zygote (fresh hash() seed, canary, pointer guard,
     * ASLR) replaces one that cloned zygote_runs workers or is zygote_age
     * seconds old; 0 turns either off */
    unsigned long zygote_runs, zygote_age;
    unsigned long spawn_timeout_s;       /* a zygote silent this long on a spawn is restarted */
    unsigned long generation;            /* the zygote's number, from 1 (atomic: the stats read it without
                                          * zyg_lock, which a spawn or a restart holds for seconds) */
    /* a zygote is started only by a thread that lives as long as the
     * daemon (the parent-death signal; see rotator): a spawner that finds
     * it gone or stalled asks the rotator, and waits */
    pthread_cond_t zyg_cond;             /* a restart was asked for, or done (under zyg_lock) */
    pid_t restart_pid;                   /* the zygote to restart, 0 for none */
    unsigned long restarts;              /* restart requests handled */
    /* pool of ready workers */
    struct sb_worker *ready[MAX_POOL];
    unsigned long nready;
    unsigned long creating;              /* workers being made by the refill threads */
    unsigned long waiting;               /* requests waiting for one of those */
    struct pool_stats st;
    pthread_mutex_t pool_lock;
    pthread_cond_t pool_cond;            /* the pool has room, or we stop */
    pthread_cond_t ready_cond;           /* a worker joined the pool, or a refill ended */
    /* accepted connections waiting for an executor */
    int queue[MAX_QUEUE];
    unsigned long qhead, qlen, busy;
    unsigned long executing;             /* runs whose code is executing now */
    pthread_mutex_t q_lock;
    pthread_cond_t q_cond;
    /* workers running a request, to kill on shutdown */
    struct sb_worker *active[MAX_EXECUTORS];
    /* sessions: each on its own thread, its worker listed while it lives */
    unsigned long max_sessions, nsessions;
    struct sb_worker *session_workers[MAX_SESSIONS];
    pthread_cond_t sessions_cond;        /* a session ended (under q_lock) */
    int stop_fd;                         /* an eventfd, readable once we stop: idle sessions end */
    volatile int stopping;
    volatile int rotator_quit;           /* every run is over: the rotator may end */
};

/* ---- workers ------------------------------------------------------------------- */

/* The options every zygote of s starts with; its start's wait for the
 * imports ends early once stop_fd is readable. */
static struct sb_zygote_cfg zygote_cfg(const struct server *s, int stop_fd)
{
    return (struct sb_zygote_cfg){.preload = s->preload, .policy = s->defaults.policy,
                                  .scripts = s->defaults.scripts_dir,
                                  .warmup = s->warmup_path[0] ? s->warmup_path : NULL,
                                  .spawn_ms = (int)(s->spawn_timeout_s * 1000), .stop_fd = stop_fd};
}

/* Start s->zyg (zygote_cfg). */
static int start_zygote(struct server *s, int stop_fd)
{
    struct sb_zygote_cfg cfg = zygote_cfg(s, stop_fd);

    return sb_zygote_start(&s->zyg, &cfg);
}

/* Whether the zygote is due for replacement (under zyg_lock): it cloned
 * its share of workers, or it is old and has cloned any (one that showed
 * its secrets to no worker yet is not replaced for its age). */
static int zygote_due(const struct server *s)
{
    return !s->stopping && s->zyg.pid > 0 && s->zyg.spawned > 0 &&
           ((s->zygote_runs && s->zyg.spawned >= s->zygote_runs) ||
            (s->zygote_age && sr_now() - s->zyg.started >= (double)s->zygote_age));
}

/* Start the next zygote while the current one serves (its imports and
 * warm-up take a second or two), then swap them. Workers the old one
 * cloned, pooled ones included, are the daemon's children and run on; it
 * only exits. */
static void rotate_zygote(struct server *s)
{
    struct sb_zygote_cfg cfg = zygote_cfg(s, s->stop_fd);
    struct sb_zygote fresh = {.lock = &s->zyg_lock}, old;
    unsigned long spawned;

    if (sb_zygote_start(&fresh, &cfg) < 0) {
        SR_LOG("serve: could not start the next zygote; the current one goes on");
        return;
    }
    pthread_mutex_lock(&s->zyg_lock);
    old = s->zyg;
    s->zyg = fresh;
    __atomic_add_fetch(&s->generation, 1, __ATOMIC_RELAXED);
    pthread_mutex_unlock(&s->zyg_lock);
    spawned = old.spawned;
    sb_zygote_stop(&old);
    SR_LOG("serve: zygote replaced after %lu workers (generation %lu, pid %d)", spawned, s->generation,
           (int)fresh.pid);
}

/* Under zyg_lock: restart the zygote a spawner found gone or stalled,
 * unless it was replaced meanwhile, and wake the spawners that wait. */
static void restart_zygote(struct server *s)
{
    if (s->restart_pid == s->zyg.pid && !s->stopping) {
        sb_zygote_stop(&s->zyg);
        if (start_zygote(s, s->stop_fd) == 0)
            SR_LOG("serve: zygote restarted (pid %d)", (int)s->zyg.pid);
    }
    s->restart_pid = 0;
    s->restarts++;
    pthread_cond_broadcast(&s->zyg_cond);
}

/* The thread that starts every zygote after the first (restarts and
 * rotations). It lives until every run is over (rotator_quit, after the
 * drain): a process's parent-death signal fires when the thread that
 * created it ends, and the zygotes it starts, and by CLONE_PARENT their
 * workers, count it as their parent. A zygote started by a session's
 * thread died, with every worker it had cloned, when that session ended. */
static void *rotator(void *arg)
{
    struct server *s = arg;
    struct timespec until;

    pthread_mutex_lock(&s->zyg_lock);
    while (!s->rotator_quit) {
        if (s->restart_pid) {
            restart_zygote(s);
        } else if (zygote_due(s)) {
            pthread_mutex_unlock(&s->zyg_lock);
            rotate_zygote(s);
            pthread_mutex_lock(&s->zyg_lock);
        } else {
            clock_gettime(CLOCK_REALTIME, &until);
            until.tv_nsec += 200 * 1000 * 1000;
            until.tv_sec += until.tv_nsec / 1000000000;
            until.tv_nsec %= 1000000000;
            pthread_cond_timedwait(&s->zyg_cond, &s->zyg_lock, &until);
        }
    }
    pthread_mutex_unlock(&s->zyg_lock);
    return NULL;
}

/* The warm-up file: --warmup FILE must be readable, "none" turns it off, and
 * by default the shipped scripts/warmup.py is used when it is there. */
static int resolve_warmup(struct server *s)
{
    if (s->warmup && strcmp(s->warmup, "none") == 0)
        return 0;
    if (!s->warmup && s->defaults.scripts_dir)
        snprintf(s->warmup_path, sizeof s->warmup_path, "%s/warmup.py", s->defaults.scripts_dir);
    else if (s->warmup)
        snprintf(s->warmup_path, sizeof s->warmup_path, "%s", s->warmup);
    if (s->warmup_path[0] && access(s->warmup_path, R_OK) < 0) {
        if (s->warmup)
            return SR_LOG("serve: --warmup %s: %s", s->warmup, strerror(errno)), -1;
        s->warmup_path[0] = '\0';   /* not installed: no warm-up */
    }
    return 0;
}

/* Ask the zygote for a worker; when the zygote is found gone or stalled,
 * restart it (unless another thread already has). Returns
 * sb_worker_start_warm's result; *again says a fresh zygote is there. */
static int spawn_warm(struct server *s, struct sb_worker *w, const struct sb_request *req, struct sb_outcome *o,
                      int *again)
{
    pid_t zpid;
    int rc;

    *again = 0;
    pthread_mutex_lock(&s->zyg_lock);
    zpid = s->zyg.pid;
    pthread_mutex_unlock(&s->zyg_lock);
    /* the zygote's lock is held only while it clones (sb_zygote_spawn): the
     * id maps and the cgroup move that follow overlap with the next spawn */
    rc = sb_worker_start_warm(w, req, &s->zyg, o);
    if (rc < 0 && (errno == EPIPE || errno == ECONNRESET || errno == ETIMEDOUT) && !s->stopping) {
        int why = errno;
        pthread_mutex_lock(&s->zyg_lock);
        if (s->zyg.pid == zpid) {   /* not restarted by another thread meanwhile */
            unsigned long ticket = s->restarts;
            if (s->restart_pid != zpid)
                SR_LOG("serve: the zygote is gone (%s); restarting it", strerror(why));
            s->restart_pid = zpid;
            pthread_cond_broadcast(&s->zyg_cond);
            while (s->restarts == ticket && !s->rotator_quit)
                pthread_cond_wait(&s->zyg_cond, &s->zyg_lock);
        }
        *again = s->zyg.pid > 0 && s->zyg.sock >= 0;
        pthread_mutex_unlock(&s->zyg_lock);
    }
    return rc;
}

/* Count a worker made in seconds, or a failed one (seconds < 0). */
static void count_spawn(struct server *s, double seconds)
{
    pthread_mutex_lock(&s->pool_lock);
    if (seconds < 0) {
        s->st.spawn_failures++;
    } else {
        s->st.spawned++;
        s->st.spawn_seconds += seconds;
        for (int i = 0; i < SPAWN_BUCKETS; i++)
            s->st.spawn_le[i] += seconds <= spawn_bounds[i];
    }
    pthread_mutex_unlock(&s->pool_lock);
}

/* Start a warm worker with req's limits and wait until it is jailed; a
 * request that met a dead zygote tries once more on its replacement. */
static struct sb_worker *new_worker(struct server *s, const struct sb_request *req, struct sb_outcome *o)
{
    struct sb_worker *w = calloc(1, sizeof *w);
    struct sb_exec x;
    double t0 = sr_now();
    int rc, again;

    if (!w)
        return NULL;
    rc = spawn_warm(s, w, req, o, &again);
    if (rc < 0 && again) {
        sb_worker_finish(w);
        memset(w, 0, sizeof *w);
        sb_outcome_free(o);
        sb_outcome_init(o);
        rc = spawn_warm(s, w, req, o, &again);
    }
    if (rc == 0) {
        sb_exec_init(&x, req, 30, 0);
        x.until_ready = 1;
        sb_worker_watch(w, &x);
        sb_exec_free(&x);
    }
    if (rc < 0 || !w->got_ready || w->killed) {
        sb_worker_setup_failed(w, o);
        sb_worker_finish(w);
        free(w);
        count_spawn(s, -1);
        return NULL;
    }
    count_spawn(s, sr_now() - t0);
    return w;
}

/* Same limits as the pool's workers, and nothing to mount: a pooled worker fits. */
static int pool_fits(const struct server *s, const struct sb_request *r)
{
    const struct sb_request *d = &s->defaults;

    return r->ninputs == 0 && r->memory_mb == d->memory_mb && r->pids == d->pids && r->tmp_mb == d->tmp_mb &&
           r->out_mb == d->out_mb && r->threads == d->threads && r->cpu_s == d->cpu_s &&
           r->policy && d->policy && strcmp(r->policy, d->policy) == 0;
}

/* Whether req's seccomp policy is the daemon's: every worker is a clone of
 * the zygote and runs under the zygote's filter, so a request for another
 * policy cannot be served here (0 + err, never silently under this one). */
static int policy_is_ours(const struct server *s, const struct sb_request *r, char *err, size_t errlen)
{
    char *a, *b;
    int same;

    if (!r->policy || strcmp(r->policy, s->defaults.policy) == 0)
        return 1;
    a = realpath(r->policy, NULL);
    b = realpath(s->defaults.policy, NULL);
    same = a && b && strcmp(a, b) == 0;
    if (!same)
        snprintf(err, errlen, "this daemon runs every script under its policy %s; for policy %s run without "
                 "--server (a cold run)", s->defaults.policy, r->policy);
    free(a);
    free(b);
    return same;
}

/* A pooled worker that died while it waited (OOM killer, an operator's kill)
 * has hung up its channel; it must not be handed out. */
static int still_alive(struct sb_worker *w)
{
    struct pollfd pf = {.fd = w->fd[SB_P_CHAN], .events = POLLIN};

    return w->fd[SB_P_CHAN] >= 0 && poll(&pf, 1, 0) == 0;
}

/* Under pool_lock: a live worker from the pool, the longest waiting, or
 * NULL. The oldest, not the newest: a worker joins the pool once its jail
 * is up, and its script's process then warms up (~1.5 ms); under load the
 * newest is often still at it, and a request given it waits. */
static struct sb_worker *pool_take_locked(struct server *s)
{
    struct sb_worker *w = NULL;

    while (!w && s->nready) {
        w = s->ready[0];
        memmove(&s->ready[0], &s->ready[1], --s->nready * sizeof s->ready[0]);
        if (!still_alive(w)) {
            SR_LOG("serve: a pooled worker died while waiting; discarding it");
            sb_worker_finish(w);
            free(w);
            w = NULL;
        }
    }
    pthread_cond_signal(&s->pool_cond);   /* room for a refill */
    return w;
}

/* Under pool_lock: with the pool empty, wait for a worker the refill
 * threads are making, if one is being made that no other request waits
 * for: it was started before this request came, so it is ready sooner
 * than one made now, and a third worker made at once on two cores would
 * slow all of them. 1 if one is ready now. The wait is capped at
 * REFILL_WAIT_MS; a refill that fails ends it (ready_cond). */
static int wait_for_refill(struct server *s)
{
    struct timespec until;

    clock_gettime(CLOCK_REALTIME, &until);
    until.tv_nsec += REFILL_WAIT_MS * 1000L * 1000L;
    until.tv_sec += until.tv_nsec / 1000000000;
    until.tv_nsec %= 1000000000;
    while (!s->nready && s->creating > s->waiting && !s->stopping) {
        int rc;
        s->waiting++;
        rc = pthread_cond_timedwait(&s->ready_cond, &s->pool_lock, &until);
        s->waiting--;
        if (rc == ETIMEDOUT)
            break;
    }
    return s->nready > 0;
}

/* A ready worker: one in the pool (counted as from_pool), or one a refill
 * was finishing (waited); NULL (made_empty) when there is neither. */
static struct sb_worker *pool_take(struct server *s)
{
    struct sb_worker *w;

    pthread_mutex_lock(&s->pool_lock);
    if ((w = pool_take_locked(s))) {
        s->st.from_pool++;
    } else if (wait_for_refill(s) && (w = pool_take_locked(s))) {
        s->st.waited++;
    } else {
        s->st.made_empty++;
    }
    pthread_mutex_unlock(&s->pool_lock);
    return w;
}

/* The worker for req: a ready one when req fits the pool and one is
 * there or about to be, else one made for it now (NULL with o->message
 * set). Never one that served anything before: each is used once. */
static struct sb_worker *worker_for(struct server *s, const struct sb_request *req, struct sb_outcome *o)
{
    struct sb_worker *w = NULL;

    if (pool_fits(s, req)) {
        w = pool_take(s);
    } else {
        pthread_mutex_lock(&s->pool_lock);
        s->st.made_unfit++;
        pthread_mutex_unlock(&s->pool_lock);
    }
    return w ? w : new_worker(s, req, o);
}

/* Forking the zygote while a run executes slows that run's copy-on-write
 * faults (they share one anon_vma tree): refill when no run executes, or at
 * once when the pool is below half (requests come faster than the
 * quiet moments: waiting for one would let the pool run dry, and each
 * request after that would wait for a whole worker's preparation). */
static void wait_quiet(struct server *s)
{
    struct timespec pause = {0, 2 * 1000 * 1000};

    for (int i = 0; i < 250 && !s->stopping; i++) {
        int low;
        int quiet;
        pthread_mutex_lock(&s->pool_lock);
        low = s->nready * 2 < s->pool_size;
        pthread_mutex_unlock(&s->pool_lock);
        pthread_mutex_lock(&s->q_lock);
        quiet = s->executing == 0 || low;
        pthread_mutex_unlock(&s->q_lock);
        if (quiet)
            return;
        nanosleep(&pause, NULL);
    }
}

static void *refill(void *arg)
{
    struct server *s = arg;
    struct timespec backoff = {0, 100 * 1000 * 1000};

    while (!s->stopping) {
        struct sb_outcome o;
        struct sb_worker *w;

        pthread_mutex_lock(&s->pool_lock);
        while (s->nready + s->creating >= s->pool_size && !s->stopping)
            pthread_cond_wait(&s->pool_cond, &s->pool_lock);
        s->creating++;
        pthread_mutex_unlock(&s->pool_lock);
        if (s->stopping) {
            pthread_mutex_lock(&s->pool_lock);
            s->creating--;
            pthread_mutex_unlock(&s->pool_lock);
            break;
        }
        wait_quiet(s);
        sb_outcome_init(&o);
        w = new_worker(s, &s->defaults, &o);
        pthread_mutex_lock(&s->pool_lock);
        s->creating--;
        pthread_cond_signal(&s->ready_cond);   /* a request waiting for it takes it, or makes its own */
        if (w && s->nready < MAX_POOL && !s->stopping)
            s->ready[s->nready++] = w;
        else if (w) {
            sb_worker_finish(w);
            free(w);
        }
        pthread_mutex_unlock(&s->pool_lock);
        if (!w) {
            SR_LOG("serve: could not prepare a warm worker: %s", o.message);
            nanosleep(&backoff, NULL);
        }
        sb_outcome_free(&o);
    }
    return NULL;
}

/* ---- one request ----------------------------------------------------------------- */

static void reply(int fd, cJSON *rec)
{
    char *text = cJSON_PrintUnformatted(rec);

    if (text)
        (void)(sr_write_all(fd, text, strlen(text)) == 0 && sr_write_all(fd, "\n", 1) == 0);
    free(text);
    cJSON_Delete(rec);
}

/* Read the request line (capped, with a deadline). NULL + err on failure. */
static char *read_request(int fd, double timeout_s, char *err, size_t errlen)
{
    struct sr_buf b;
    char chunk[65536];
    double deadline = sr_now() + timeout_s;

    sr_buf_init(&b, SB_REQUEST_MAX + 1);
    for (;;) {
        struct pollfd pf = {.fd = fd, .events = POLLIN};
        char *nl = b.data ? memchr(b.data, '\n', b.len) : NULL;
        ssize_t n;
        if (nl) {
            *nl = '\0';
            return sr_buf_steal(&b, NULL);
        }
        if (poll(&pf, 1, sr_poll_ms(deadline)) <= 0)
            break;
        n = read(fd, chunk, sizeof chunk);
        if (n <= 0) {
            if (b.len && n == 0)   /* a request without its newline at EOF */
                return sr_buf_steal(&b, NULL);
            break;
        }
        if (sr_buf_append(&b, chunk, (size_t)n) != SR_BUF_OK) {
            snprintf(err, errlen, "request larger than %u bytes", SB_REQUEST_MAX);
            sr_buf_reset(&b);
            return NULL;
        }
    }
    snprintf(err, errlen, "no complete request within %.0f s", timeout_s);
    sr_buf_reset(&b);
    return NULL;
}

/* End our side of fd and read and drop what the client still sends, up to
 * 4 MiB or 0.2 s, so that closing it does not reset the client. */
static void hang_up(int fd)
{
    char sink[65536];
    double deadline = sr_now() + 0.2;
    size_t total = 0;

    shutdown(fd, SHUT_WR);
    while (total < (4u << 20) && sr_now() < deadline) {
        struct pollfd pf = {.fd = fd, .events = POLLIN};
        ssize_t n;
        if (poll(&pf, 1, 50) <= 0 || (n = read(fd, sink, sizeof sink)) <= 0)
            break;
        total += (size_t)n;
    }
}

static int track(struct server *s, struct sb_worker *w, int on)
{
    int slot = -1;

    pthread_mutex_lock(&s->q_lock);
    for (int i = 0; i < MAX_EXECUTORS; i++) {
        if (on ? !s->active[i] : s->active[i] == w) {
            s->active[i] = on ? w : NULL;
            slot = i;
            break;
        }
    }
    pthread_mutex_unlock(&s->q_lock);
    return slot;
}

/* The frame a warm worker gets: the run's code, or a session's start
 * (sb_zygote_session_fn), with argv and the environment, which the worker,
 * jailed before the request came, sets itself. Caller frees; NULL when out
 * of memory. */
static char *request_frame(const struct sb_request *req)
{
    cJSON *frame = cJSON_CreateObject(), *args = cJSON_AddArrayToObject(frame, "args");
    char *text;

    if (req->session)
        cJSON_AddBoolToObject(frame, "session", 1);
    else
        cJSON_AddStringToObject(frame, "code", req->code);
    cJSON_AddBoolToObject(frame, "display", req->display);
    cJSON_AddStringToObject(frame, "filename", req->filename);
    for (int i = 1; i < req->argc; i++)
        cJSON_AddItemToArray(args, cJSON_CreateString(req->argv[i]));
    sr_env_add_json(frame, "env", (const char *const *)req->env, req->nenv);
    text = cJSON_PrintUnformatted(frame);
    cJSON_Delete(frame);
    return text;
}

/* Run req on w (one request, then w is destroyed); fills o. */
static void execute(struct server *s, struct sb_worker *w, const struct sb_request *req, int client,
                    struct sb_outcome *o)
{
    char *text = request_frame(req), *error = NULL;
    cJSON *done = NULL;
    struct sb_exec x;
    int code = -1;

    w->req = req;   /* same limits as the worker was made with; per-run caps and outDir */
    track(s, w, 1);
    pthread_mutex_lock(&s->q_lock);
    s->executing++;
    pthread_mutex_unlock(&s->q_lock);
    sb_exec_init(&x, req, req->timeout_s, 1);
    x.abort_fd = client;
    x.live.fd = req->live ? client : -1;   /* live lines ahead of the record line */
    if (!text || sb_worker_send(w, text) < 0)
        sb_worker_kill(w);
    sb_phase("d.sent");
    sb_worker_watch(w, &x);
    sb_phase("d.done");
    pthread_mutex_lock(&s->q_lock);
    s->executing--;
    pthread_mutex_unlock(&s->q_lock);
    if (x.done && (done = cJSON_ParseWithLength(x.rep.data + 4, x.rep.len - 4))) {
        const cJSON *st = cJSON_GetObjectItemCaseSensitive(done, "status");
        const cJSON *cpu = cJSON_GetObjectItemCaseSensitive(done, "cpu");
        const cJSON *rss = cJSON_GetObjectItemCaseSensitive(done, "maxRssKb");
        code = cJSON_IsNumber(st) ? st->valueint : 1;
        error = cJSON_PrintUnformatted(cJSON_GetObjectItemCaseSensitive(done, "error"));
        o->cpu_time = cJSON_IsNumber(cpu) ? cpu->valuedouble : 0;
        o->max_rss_kb = cJSON_IsNumber(rss) ? (long)rss->valuedouble : 0;
        sb_phase_append(cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(done, "phases")));
        /* the script is done: the rest of the worker goes, and must be gone
         * before /out is collected (a child may still be writing there).
         * When the script said it was alone (no other process, one thread)
         * and is about to exit, nothing can write any more: reply first and
         * reap after. A script that lies only garbles its own record. */
        if (cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(done, "alone")))
            sb_worker_kill(w);
        else
            sb_worker_reap(w, NULL);
    } else {
        sb_worker_reap(w, o);   /* it ended some other way: its rusage and status come from init */
    }
    track(s, w, 0);
    sb_worker_outcome(w, &x, code, error, o);
    sb_exec_free(&x);
    free(error);
    free(text);
    cJSON_Delete(done);
}

/* ---- sessions -------------------------------------------------------------------- */

struct session {
    struct server *s;
    int fd;
    struct sb_request req;
};

/* List w among the sessions' workers (on), or take it off; under q_lock, so
 * that a stop never kills a worker already reaped. */
static void track_session(struct server *s, struct sb_worker *w, int on)
{
    pthread_mutex_lock(&s->q_lock);
    for (unsigned long i = 0; i < MAX_SESSIONS; i++) {
        if (on ? !s->session_workers[i] : s->session_workers[i] == w) {
            s->session_workers[i] = on ? w : NULL;
            break;
        }
    }
    pthread_mutex_unlock(&s->q_lock);
}

/* A session's life on its own thread: a warm worker (pooled if its limits
 * fit), told it is a session's, then the session protocol on the connection
 * until it ends (sb_session.h). */
static void *session_main(void *arg)
{
    struct session *ss = arg;
    struct server *s = ss->s;
    struct sb_outcome o;
    struct sb_worker *w;
    char *frame;

    sb_outcome_init(&o);
    w = worker_for(s, &ss->req, &o);
    if (w) {
        w->req = &ss->req;   /* the same limits as it was made with; the session's timeout and caps */
        frame = request_frame(&ss->req);
        if (!frame || sb_worker_send(w, frame) < 0)
            sb_worker_kill(w);
        free(frame);
        track_session(s, w, 1);
        sb_session_serve(w, &ss->req, ss->fd, s->stop_fd);
        track_session(s, w, 0);
        sb_worker_finish(w);
        free(w);
    } else {
        cJSON *rec = sb_record_internal_error(o.message);
        cJSON_AddBoolToObject(rec, "sessionAlive", 0);
        reply(ss->fd, rec);
    }
    sb_outcome_free(&o);
    close(ss->fd);
    sb_request_free(&ss->req);
    free(ss);
    pthread_mutex_lock(&s->q_lock);
    s->nsessions--;
    pthread_cond_broadcast(&s->sessions_cond);
    pthread_mutex_unlock(&s->q_lock);
    return NULL;
}

/* Start req's session on fd on a thread of its own, which takes fd and req
 * over (1); or answer busy or failed (0, fd is the caller's). */
static int start_session(struct server *s, int fd, struct sb_request *req)
{
    struct session *ss = calloc(1, sizeof *ss);
    pthread_attr_t attr;
    pthread_t t;
    char msg[160];
    int ok;

    pthread_mutex_lock(&s->q_lock);
    ok = ss && !s->stopping && s->nsessions < s->max_sessions;
    if (ok)
        s->nsessions++;
    else
        snprintf(msg, sizeof msg, ss && !s->stopping ? "busy: %lu sessions at once; try again later"
                                                     : "the daemon is stopping", s->nsessions);
    pthread_mutex_unlock(&s->q_lock);
    if (!ok) {
        cJSON *rec = sb_record_internal_error(msg);
        cJSON_AddBoolToObject(rec, "busy", !s->stopping);
        cJSON_AddBoolToObject(rec, "sessionAlive", 0);
        reply(fd, rec);
        free(ss);
        return 0;
    }
    ss->s = s;
    ss->fd = fd;
    ss->req = *req;   /* its strings go with it */
    memset(req, 0, sizeof *req);
    pthread_attr_init(&attr);
    pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
    if (pthread_create(&t, &attr, session_main, ss) != 0) {
        *req = ss->req;
        free(ss);
        pthread_mutex_lock(&s->q_lock);
        s->nsessions--;
        pthread_mutex_unlock(&s->q_lock);
        reply(fd, sb_record_internal_error("cannot start a session thread"));
        pthread_attr_destroy(&attr);
        return 0;
    }
    pthread_attr_destroy(&attr);
    return 1;
}

/* ---- a connection ----------------------------------------------------------------- */

/* Serve one connection: a run, or a session's start (then 1: the session's
 * thread owns fd now; else 0 and the caller closes it). */
static int handle(struct server *s, int fd)
{
    struct sb_request req;
    struct sb_outcome o;
    struct sb_worker *w;
    char err[512] = "", *line = read_request(fd, s->client_timeout_s, err, sizeof err);

    sb_request_defaults(&req);
    if (!line || sb_request_parse(line, strlen(line), &req, err, sizeof err) < 0 || (!req.code && !req.session) ||
        (req.code && req.session && snprintf(err, sizeof err, "request: a session's start has no 'code'"))) {
        if (line && !req.code && !err[0])
            snprintf(err, sizeof err, "request: no 'code'");
        reply(fd, sb_record_internal_error(line || err[0] ? err : "bad request"));
        hang_up(fd);   /* an oversized request is still arriving */
        free(line);
        sb_request_free(&req);
        return 0;
    }
    free(line);
    sb_phase("d.request");
    if (!policy_is_ours(s, &req, err, sizeof err)) {
        reply(fd, sb_record_internal_error(err));
        sb_request_free(&req);
        return 0;
    }
    req.passthrough = 0;
    if (req.session) {
        int kept = start_session(s, fd, &req);
        sb_request_free(&req);
        return kept;
    }
    sb_outcome_init(&o);
    w = worker_for(s, &req, &o);
    if (w)
        execute(s, w, &req, fd, &o);
    reply(fd, sb_record_build(&o));
    shutdown(fd, SHUT_WR);
    sb_phase("d.replied");   /* the answer is complete: a client reading to EOF need not wait either */
    if (w) {   /* tearing the worker down (its mm, namespaces, cgroup) is off the client's clock */
        sb_worker_finish(w);
        free(w);
        sb_phase("d.finished");
    }
    sb_outcome_free(&o);
    sb_request_free(&req);
    return 0;
}

static void *executor(void *arg)
{
    struct server *s = arg;

    for (;;) {
        int fd;
        pthread_mutex_lock(&s->q_lock);
        while (!s->qlen && !s->stopping)
            pthread_cond_wait(&s->q_cond, &s->q_lock);
        if (!s->qlen) {
            pthread_mutex_unlock(&s->q_lock);
            return NULL;
        }
        fd = s->queue[s->qhead];
        s->qhead = (s->qhead + 1) % MAX_QUEUE;
        s->qlen--;
        s->busy++;
        pthread_mutex_unlock(&s->q_lock);
        if (!handle(s, fd))
            close(fd);
        pthread_mutex_lock(&s->q_lock);
        s->busy--;
        pthread_mutex_unlock(&s->q_lock);
    }
}

/* ---- stats ----------------------------------------------------------------------- */

static int peer_allowed(int fd);

/* Workers running a one-shot request, and sessions' workers (q_lock held). */
static unsigned long workers_in_use(const struct server *s)
{
    unsigned long n = 0;

    for (int i = 0; i < MAX_EXECUTORS; i++)
        n += s->active[i] != NULL;
    for (unsigned long i = 0; i < MAX_SESSIONS; i++)
        n += s->session_workers[i] != NULL;
    return n;
}

/* The pool's gauges and counters now, one JSON line (caller frees; NULL
 * when out of memory). The service renders them in its /metrics. */
static char *stats_text(struct server *s)
{
    cJSON *o = cJSON_CreateObject(), *le = cJSON_AddArrayToObject(o, "spawnLe"),
          *bounds = cJSON_AddArrayToObject(o, "spawnBounds");
    struct pool_stats st;
    unsigned long ready, starting, gen;
    char *text;

    pthread_mutex_lock(&s->pool_lock);
    st = s->st;
    ready = s->nready;
    starting = s->creating;
    pthread_mutex_unlock(&s->pool_lock);
    gen = __atomic_load_n(&s->generation, __ATOMIC_RELAXED);   /* the main thread: never wait for zyg_lock */
    cJSON_AddNumberToObject(o, "pool", (double)s->pool_size);
    cJSON_AddNumberToObject(o, "ready", (double)ready);
    cJSON_AddNumberToObject(o, "starting", (double)starting);
    pthread_mutex_lock(&s->q_lock);
    cJSON_AddNumberToObject(o, "busy", (double)workers_in_use(s));
    cJSON_AddNumberToObject(o, "sessions", (double)s->nsessions);
    cJSON_AddNumberToObject(o, "queued", (double)s->qlen);
    pthread_mutex_unlock(&s->q_lock);
    cJSON_AddNumberToObject(o, "maxSessions", (double)s->max_sessions);
    cJSON_AddNumberToObject(o, "maxConcurrent", (double)s->max_concurrent);
    cJSON_AddNumberToObject(o, "spawned", (double)st.spawned);
    cJSON_AddNumberToObject(o, "spawnFailures", (double)st.spawn_failures);
    cJSON_AddNumberToObject(o, "spawnSeconds", st.spawn_seconds);
    for (int i = 0; i < SPAWN_BUCKETS; i++) {
        cJSON_AddItemToArray(le, cJSON_CreateNumber((double)st.spawn_le[i]));
        cJSON_AddItemToArray(bounds, cJSON_CreateNumber(spawn_bounds[i]));
    }
    cJSON_AddNumberToObject(o, "fromPool", (double)st.from_pool);
    cJSON_AddNumberToObject(o, "madeEmpty", (double)st.made_empty);
    cJSON_AddNumberToObject(o, "waitedForRefill", (double)st.waited);
    cJSON_AddNumberToObject(o, "madeUnfit", (double)st.made_unfit);
    cJSON_AddNumberToObject(o, "zygoteGeneration", (double)gen);
    text = cJSON_PrintUnformatted(o);
    cJSON_Delete(o);
    return text;
}

/* A connection to the stats socket: the stats line, then EOF. Nothing is
 * read, so a client cannot hold the accepting thread; a reply of a few
 * hundred bytes fits the socket's buffer. */
static void answer_stats(struct server *s)
{
    int fd = accept4(s->stats_fd, NULL, NULL, SOCK_CLOEXEC | SOCK_NONBLOCK);
    char *text;

    if (fd < 0)
        return;
    if (peer_allowed(fd) && (text = stats_text(s))) {
        (void)(sr_write_all(fd, text, strlen(text)) == 0 && sr_write_all(fd, "\n", 1) == 0);
        free(text);
    }
    close(fd);
}

/* ---- accepting ------------------------------------------------------------------- */

static int peer_allowed(int fd)
{
    struct ucred cr;
    socklen_t len = sizeof cr;

    return getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cr, &len) == 0 && (cr.uid == geteuid() || cr.uid == 0);
}

/* Answer and hang up on a connection we will not serve. Closing a unix
 * socket with unread input resets the peer: a client that reads to EOF then
 * gets ECONNRESET after the answer instead of a clean end. So its request is
 * read and dropped first (briefly, and only so much). */
static void refuse(int fd, cJSON *rec)
{
    reply(fd, rec);
    hang_up(fd);
    close(fd);
}

static void enqueue(struct server *s, int fd)
{
    char msg[160];

    if (!peer_allowed(fd)) {
        refuse(fd, sb_record_internal_error("refused: the client runs as another user"));
        return;
    }
    pthread_mutex_lock(&s->q_lock);
    if (s->qlen >= s->queue_max + (s->max_concurrent - s->busy)) {
        cJSON *rec;
        snprintf(msg, sizeof msg, "busy: %lu runs in progress and %lu queued; try again later", s->busy, s->qlen);
        pthread_mutex_unlock(&s->q_lock);
        rec = sb_record_internal_error(msg);
        cJSON_AddBoolToObject(rec, "busy", 1);
        refuse(fd, rec);
        return;
    }
    s->queue[(s->qhead + s->qlen) % MAX_QUEUE] = fd;
    s->qlen++;
    pthread_cond_signal(&s->q_cond);
    pthread_mutex_unlock(&s->q_lock);
}

/* A unix socket at path, born 0600, listening; its fd, or -1 after logging. */
static int listen_unix(const char *path)
{
    struct sockaddr_un a = {.sun_family = AF_UNIX};
    mode_t old;
    int fd;

    if (strlen(path) >= sizeof a.sun_path)
        return SR_LOG("serve: socket path too long: %s", path), -1;
    snprintf(a.sun_path, sizeof a.sun_path, "%s", path);
    fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0)
        return SR_PLOG("socket"), -1;
    unlink(path);   /* a stale socket of an earlier daemon */
    /* no chmod afterwards, which would follow a symlink swapped in for the socket */
    old = umask(0177);
    if (bind(fd, (struct sockaddr *)&a, sizeof a) < 0) {
        umask(old);
        close(fd);
        return SR_PLOG("bind(%s)", path), -1;
    }
    umask(old);
    if (listen(fd, 128) < 0) {
        close(fd);
        return SR_PLOG("listen(%s)", path), -1;
    }
    return fd;
}

/* The stats socket first: a client that sees the request socket may ask for stats. */
static int listen_on(struct server *s)
{
    if (s->stats_path && (s->stats_fd = listen_unix(s->stats_path)) < 0)
        return -1;
    return (s->listen_fd = listen_unix(s->socket_path)) < 0 ? -1 : 0;
}

static int accept_loop(struct server *s, int sigfd)
{
    while (!s->stopping) {
        struct pollfd pf[3] = {{.fd = s->listen_fd, .events = POLLIN}, {.fd = sigfd, .events = POLLIN},
                               {.fd = s->stats_fd, .events = POLLIN}};
        if (poll(pf, 3, -1) < 0 && errno != EINTR)
            return SR_PLOG("poll"), -1;
        if (pf[2].revents & POLLIN)
            answer_stats(s);
        if (pf[1].revents & POLLIN) {
            struct signalfd_siginfo si;
            if (read(sigfd, &si, sizeof si) == (ssize_t)sizeof si)
                SR_LOG("serve: %s: stopping (grace %.0f s)", sigabbrev_np((int)si.ssi_signo), s->grace_s);
            s->stopping = 1;
        } else if (pf[0].revents & POLLIN) {
            int fd = accept4(s->listen_fd, NULL, NULL, SOCK_CLOEXEC);
            if (fd >= 0) {
                /* a client that stops reading its reply frees its executor after this */
                struct timeval tv = {.tv_sec = (time_t)s->client_timeout_s};
                setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
                enqueue(s, fd);
            } else if (errno == EMFILE || errno == ENFILE) {
                usleep(100 * 1000);   /* out of fds: do not spin on the pending connection */
            }
        }
    }
    return 0;
}

/* ---- start and stop --------------------------------------------------------------- */

/* --policy FILE: every worker's seccomp policy (the zygote's filter, which
 * its clones run under), checked now so that a bad file stops the start
 * with its file:line message. 0 or -1 after logging. */
static int set_policy(struct server *s, const char *path)
{
    struct sb_policy pol;
    char err[512], *real = realpath(path, NULL);

    if (!real)
        return SR_LOG("serve: --policy %s: %s", path, strerror(errno)), -1;
    if (sb_policy_load(real, &pol, err, sizeof err) < 0) {
        free(real);
        return SR_LOG("serve: --policy: %s", err), -1;
    }
    sb_policy_free(&pol);
    free(s->defaults.policy);
    s->defaults.policy = real;
    return 0;
}

static int parse_args(struct server *s, int argc, char **argv)
{
    static const struct { const char *name; size_t off; unsigned long min, max; } nums[] = {
        {"--pool", offsetof(struct server, pool_size), 0, MAX_POOL},
        {"--max-concurrent", offsetof(struct server, max_concurrent), 1, MAX_EXECUTORS},
        {"--queue", offsetof(struct server, queue_max), 0, MAX_QUEUE - MAX_EXECUTORS},
        {"--max-sessions", offsetof(struct server, max_sessions), 0, MAX_SESSIONS},
        {"--zygote-runs", offsetof(struct server, zygote_runs), 0, 1000000000},
        {"--zygote-age", offsetof(struct server, zygote_age), 0, 100000000},
        /* the pool's workers' limits: a request with the same ones takes a ready worker */
        {"--memory", offsetof(struct server, defaults.memory_mb), 16, 1u << 20},
        {"--pids", offsetof(struct server, defaults.pids), 1, 100000},
        {"--tmp", offsetof(struct server, defaults.tmp_mb), 1, 1u << 20},
        {"--out", offsetof(struct server, defaults.out_mb), 1, 1u << 20},
        {"--spawn-timeout", offsetof(struct server, spawn_timeout_s), 1, 3600},
    };
    unsigned long v;

    for (int i = 1; i < argc; i++) {
        const char *a = argv[i], *val = i + 1 < argc ? argv[i + 1] : NULL;
        size_t k;
        if (!val)
            return SR_LOG("serve: %s needs a value", a), -1;
        for (k = 0; k < sizeof nums / sizeof *nums && strcmp(a, nums[k].name); k++)
            ;
        if (k < sizeof nums / sizeof *nums) {
            if (sr_parse_ulong(val, nums[k].min, nums[k].max, &v) < 0)
                return SR_LOG("serve: %s wants %lu..%lu", a, nums[k].min, nums[k].max), -1;
            *(unsigned long *)((char *)s + nums[k].off) = v;
        } else if (strcmp(a, "--socket") == 0 || strcmp(a, "--stats-socket") == 0) {
            *(a[3] == 'o' ? &s->socket_path : &s->stats_path) = val;
        } else if (strcmp(a, "--policy") == 0) {
            if (set_policy(s, val) < 0)
                return -1;
        } else if (strcmp(a, "--preload") == 0) {
            if (!sb_zygote_preload_ok(val))
                return SR_LOG("serve: --preload takes module names separated by commas"), -1;
            s->preload = val;
        } else if (strcmp(a, "--warmup") == 0) {
            s->warmup = val;
        } else if (strcmp(a, "--grace") == 0) {
            if (sr_parse_ulong(val, 0, 3600, &v) < 0)
                return SR_LOG("serve: --grace wants seconds"), -1;
            s->grace_s = (double)v;
        } else if (strcmp(a, "--client-timeout") == 0) {
            if (sr_parse_ulong(val, 1, 3600, &v) < 0)
                return SR_LOG("serve: --client-timeout wants 1..3600 seconds"), -1;
            s->client_timeout_s = (double)v;
        } else {
            return SR_LOG("serve: unknown option '%s'", a), -1;
        }
        i++;
    }
    if (!s->socket_path)
        return SR_LOG("serve: --socket PATH is required"), -1;
    return 0;
}

/* Idle sessions end at once (stop_fd); one that runs code may finish it
 * until deadline, then its worker is killed. Returns when every session's
 * thread is done. */
static void drain_sessions(struct server *s, double deadline)
{
    pthread_mutex_lock(&s->q_lock);
    while (s->nsessions) {
        struct timespec ts;
        clock_gettime(CLOCK_REALTIME, &ts);
        ts.tv_nsec += 20 * 1000 * 1000;
        if (ts.tv_nsec >= 1000000000L)
            ts.tv_sec++, ts.tv_nsec -= 1000000000L;
        if (sr_now() >= deadline)
            for (unsigned long i = 0; i < MAX_SESSIONS; i++)
                if (s->session_workers[i])
                    sb_worker_kill(s->session_workers[i]);
        pthread_cond_timedwait(&s->sessions_cond, &s->q_lock, &ts);
    }
    pthread_mutex_unlock(&s->q_lock);
}

/* Let in-flight runs finish for the grace period, then kill what is left. */
static void drain(struct server *s, pthread_t *ex, unsigned long n)
{
    double deadline = sr_now() + s->grace_s;

    pthread_mutex_lock(&s->q_lock);
    while (s->qlen) {   /* queued but not started: answer, don't run */
        int fd = s->queue[s->qhead];
        s->qhead = (s->qhead + 1) % MAX_QUEUE;
        s->qlen--;
        refuse(fd, sb_record_internal_error("the daemon is stopping"));
    }
    pthread_cond_broadcast(&s->q_cond);
    pthread_mutex_unlock(&s->q_lock);
    for (;;) {
        struct timespec pause = {0, 20 * 1000 * 1000};
        unsigned long busy;
        pthread_mutex_lock(&s->q_lock);
        busy = s->busy;
        if (busy && sr_now() >= deadline)
            for (int i = 0; i < MAX_EXECUTORS; i++)
                if (s->active[i])
                    sb_worker_kill(s->active[i]);
        pthread_mutex_unlock(&s->q_lock);
        if (!busy)
            break;
        nanosleep(&pause, NULL);
    }
    for (unsigned long i = 0; i < n; i++)
        pthread_join(ex[i], NULL);
    drain_sessions(s, deadline);
}

int sb_server_main(int argc, char **argv)
{
    struct server s = {.pool_size = 2, .max_concurrent = 4, .queue_max = 16, .grace_s = 10, .client_timeout_s = 30,
                       .max_sessions = 32, .preload = SB_ZYGOTE_DEFAULT_PRELOAD, .listen_fd = -1, .generation = 1,
                       .zygote_runs = SB_ZYGOTE_RUNS, .zygote_age = SB_ZYGOTE_AGE_S, .stats_fd = -1,
                       .spawn_timeout_s = SB_ZYGOTE_SPAWN_MS / 1000};
    pthread_t ex[MAX_EXECUTORS], filler[REFILL_THREADS], rot;
    sigset_t set;
    int sigfd;

    sb_request_defaults(&s.defaults);
    if (parse_args(&s, argc, argv) < 0 || !s.defaults.policy || resolve_warmup(&s) < 0)
        return 2;
    pthread_mutex_init(&s.zyg_lock, NULL);
    pthread_cond_init(&s.zyg_cond, NULL);
    s.zyg.lock = &s.zyg_lock;
    pthread_mutex_init(&s.pool_lock, NULL);
    pthread_mutex_init(&s.q_lock, NULL);
    pthread_cond_init(&s.pool_cond, NULL);
    pthread_cond_init(&s.ready_cond, NULL);
    pthread_cond_init(&s.q_cond, NULL);
    pthread_cond_init(&s.sessions_cond, NULL);
    s.stop_fd = eventfd(0, EFD_CLOEXEC);
    sigemptyset(&set);
    sigaddset(&set, SIGTERM);
    sigaddset(&set, SIGINT);
    sigaddset(&set, SIGHUP);
    pthread_sigmask(SIG_BLOCK, &set, NULL);   /* before any thread: they all inherit it */
    sigfd = signalfd(-1, &set, SFD_CLOEXEC);
    sb_phase_open(SB_PHASE_LOG);
    if (sigfd < 0 || s.stop_fd < 0)
        return 1;
    if (start_zygote(&s, sigfd) < 0) {
        if (errno != ECANCELED)
            return 1;
        SR_LOG("serve: a stop signal came before the zygote was ready: stopped");
        return 0;
    }
    if (listen_on(&s) < 0)
        return 1;
    SR_LOG("serve: listening on %s (policy %s, pool %lu, %lu at once, queue %lu, %lu sessions, zygote pid %d, warm-up %s, "
           "new zygote after %lu workers or %lu s)", s.socket_path, s.defaults.policy, s.pool_size, s.max_concurrent, s.queue_max,
           s.max_sessions, (int)s.zyg.pid, s.warmup_path[0] ? s.warmup_path : "none", s.zygote_runs, s.zygote_age);
    if (pthread_create(&rot, NULL, rotator, &s) != 0) {
        SR_LOG("serve: cannot start the rotator thread");
        sb_zygote_stop(&s.zyg);
        return 1;
    }
    for (int i = 0; i < REFILL_THREADS; i++)
        pthread_create(&filler[i], NULL, refill, &s);
    for (unsigned long i = 0; i < s.max_concurrent; i++)
        pthread_create(&ex[i], NULL, executor, &s);
    accept_loop(&s, sigfd);
    s.stopping = 1;
    pthread_mutex_lock(&s.pool_lock);
    pthread_cond_broadcast(&s.ready_cond);   /* a request waiting for a refill stops waiting */
    pthread_mutex_unlock(&s.pool_lock);
    (void)!write(s.stop_fd, &(uint64_t){1}, sizeof(uint64_t));   /* idle sessions end now */
    close(s.listen_fd);
    unlink(s.socket_path);
    if (s.stats_fd >= 0) {
        close(s.stats_fd);
        unlink(s.stats_path);
    }
    drain(&s, ex, s.max_concurrent);
    pthread_mutex_lock(&s.pool_lock);
    pthread_cond_broadcast(&s.pool_cond);
    pthread_cond_broadcast(&s.ready_cond);
    pthread_mutex_unlock(&s.pool_lock);
    for (int i = 0; i < REFILL_THREADS; i++)
        pthread_join(filler[i], NULL);
    pthread_mutex_lock(&s.zyg_lock);
    s.rotator_quit = 1;
    pthread_cond_broadcast(&s.zyg_cond);
    pthread_mutex_unlock(&s.zyg_lock);
    pthread_join(rot, NULL);
    for (unsigned long i = 0; i < s.nready; i++) {
        sb_worker_finish(s.ready[i]);
        free(s.ready[i]);
    }
    sb_zygote_stop(&s.zyg);
    sb_request_free(&s.defaults);
    SR_LOG("serve: stopped");
    return 0;
}
