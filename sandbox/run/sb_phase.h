/* sb_phase — per-phase timestamps of a run, for profiling only.
 *
 * Built in only with `make PHASES=1` (-DSB_PHASES; never in a normal build,
 * where every call is an empty macro). Then the daemon opens SB_PHASE_LOG
 * (a file on the host; it starts with a clean environment) at SB_PHASE_FD; the zygote and
 * every worker inherit that one descriptor (the jail keeps it open in this
 * build only), and sb_phase(name) appends "tid name monotonic-ns minor-faults" to it
 * (the thread's page faults so far).
 * bench/phases.py turns the lines into a per-phase table. */
#ifndef SB_PHASE_H
#define SB_PHASE_H

#define SB_PHASE_FD 200
#define SB_PHASE_LOG "/tmp/sandboxrun-phases.log"

#ifdef SB_PHASES
/* Append one line for this process and phase (no-op if the fd is not open). */
void sb_phase(const char *name);
/* Open path at SB_PHASE_FD, inheritable. */
void sb_phase_open(const char *path);
#else
#define sb_phase(name) ((void)0)
#define sb_phase_open(path) ((void)0)
#endif

#endif
