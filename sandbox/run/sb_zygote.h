/* sb_zygote — the warm daemon's factory of pre-imported workers.
 *
 * "sandboxrun-supervisor zygote" is started by the daemon with fork+exec and
 * a clean environment (it never holds credentials). It initializes CPython
 * once, imports the preload list (trusted packages from /usr only: it never
 * runs user code), runs the warm-up file (scripts/warmup.py: our own code
 * that does the libraries' first-use work once, for every worker), and then, for each spawn request, clones a worker into new
 * namespaces with CLONE_PARENT, so the worker is the daemon's own child: the
 * daemon writes its id maps, puts it in a cgroup, watches and reaps it exactly
 * like a cold worker. The worker enters the jail and waits on its control pipe
 * for one request; it runs it and is destroyed, never reused. */
#ifndef SB_ZYGOTE_H
#define SB_ZYGOTE_H

#include <pthread.h>
#include <sys/types.h>

#include "sb_jail.h"
#include "sb_request.h"

#define SB_ZYGOTE_DEFAULT_PRELOAD \
    "numpy,pandas,scipy.stats,statsmodels.api,statsmodels.tsa.api,sklearn,plotly.graph_objects,plotly.io"

/* the daemon replaces its zygote after so many workers or seconds (serve
 * --zygote-runs, --zygote-age): what a worker can learn of the zygote's
 * randomness (hash() seed, stack canary, pointer guard, ASLR bases) holds
 * for that many runs at most */
#define SB_ZYGOTE_RUNS 5000
#define SB_ZYGOTE_AGE_S 1800
/* a zygote that has not answered a spawn request in this long (stopped,
 * wedged) is dropped and restarted (serve --spawn-timeout, in seconds) */
#define SB_ZYGOTE_SPAWN_MS 10000

struct sb_zygote {
    pid_t pid;
    int sock;                 /* our end of the spawn channel */
    int late;                 /* a channel half-closed at a spawn's deadline, whose late answer
                               * names a worker to reap (sb_zygote_stop), or -1 */
    pid_t late_worker;        /* the worker it named for that spawn, unanswered at the deadline, or 0 */
    pid_t late_taken;         /* the worker that answered that spawn and was handed out (the zygote's
                               * 'N' for it may come late): never reaped with the late ones, or 0 */
    double started;           /* sr_now() when it was ready */
    unsigned long spawned;    /* workers it cloned */
    int spawn_ms;             /* how long a spawn may wait for its answer (cfg->spawn_ms) */
    pthread_mutex_t *lock;    /* the caller's, or NULL: held for each spawn's request and answer only */
};

struct sb_zygote_cfg {
    const char *preload;      /* comma-separated modules */
    const char *warmup;       /* a trusted file run once after the imports, or NULL */
    const char *policy;
    const char *scripts;      /* the host directory mounted at /sandboxrun, or NULL */
    int spawn_ms;             /* a spawn unanswered this long drops the zygote; 0: SB_ZYGOTE_SPAWN_MS */
    int stop_fd;              /* readable: stop waiting for the start (a stop signal); -1 for none */
};

/* What a warm worker becomes when its one request is a session's start
 * ({"session": true, "filename", "args", "env"}, sb_server.h): with sys.argv
 * and the environment set from it, it serves the session's executions on
 * its control channel until it closes, as a cold session's runner does;
 * returns the script process's exit status. */
typedef int (*sb_zygote_session_fn)(void);

/* zygote process main: the spawn channel is fd 3, whose first message
 * gives the options (preload list, policy, scripts, warm-up file; not on
 * the command line, which every worker shows). session serves the workers
 * that become sessions. Returns an exit status. */
int sb_zygote_main(int argc, char **argv, sb_zygote_session_fn session);
/* Start a zygote (fork+exec of our own binary, clean environment). Waits
 * until its imports and warm-up are done, or cfg->stop_fd is readable.
 * 0, or -1 after logging (errno ECANCELED when stopped). z->lock is kept. */
int sb_zygote_start(struct sb_zygote *z, const struct sb_zygote_cfg *cfg);
/* Ask the zygote for a worker with j's limits and pipe ends, cloned into the
 * cgroup behind cgroup_fd if >= 0 (*in_cgroup says whether it was); returns
 * its pid (our child), or -1 (the zygote is gone or refused; errno EPIPE
 * when gone, ESRCH when the worker it cloned ended before it answered: it
 * is reaped, and the zygote kept). */
pid_t sb_zygote_spawn(struct sb_zygote *z, const struct sb_jail *j, const struct sb_request *req, int cgroup_fd,
                      int *in_cgroup);
/* Stop and reap the zygote, and any worker it cloned after a spawn's
 * deadline had passed (our child, whose requester has given up). */
void sb_zygote_stop(struct sb_zygote *z);
/* Whether a comma-separated preload list holds only module names. */
int sb_zygote_preload_ok(const char *list);

#endif
