/* sb_fds — a new session, only the descriptors the worker needs, a fixed environment.
 *
 * After sb_fds_setup the process holds exactly:
 *   0 /dev/null   1 stdout pipe   2 stderr pipe   3 error-report pipe   4 supervisor channel
 *   5 a control socket from the supervisor (a session's requests; not reopenable, read-only), else /dev/null
 *   6 the /out directory (O_PATH), handed to the supervisor and closed before the script runs
 *   7 sandboxrun-init (O_PATH), which init execs; the script's process closes it before anything else
 * and its environment is SB_ENV (plus the thread-count variables). */
#ifndef SB_FDS_H
#define SB_FDS_H

enum { SB_FD_STDIN, SB_FD_STDOUT, SB_FD_STDERR, SB_FD_REPORT, SB_FD_CHAN, SB_FD_CTL, SB_FD_OUTDIR, SB_FD_INIT, SB_FD_COUNT };

struct sb_fds_cfg {
    int fd[SB_FD_COUNT];     /* where each of them currently is */
    unsigned long threads;   /* OPENBLAS/OMP/MKL thread count */
};

/* setsid, move the descriptors into place, close everything else, reset the
 * environment. 0, or -1 after logging. */
int sb_fds_setup(const struct sb_fds_cfg *cfg);

#endif
