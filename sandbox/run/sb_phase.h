/* sb_phase — per-phase timestamps of a run, for profiling only.
 *
 * Built in only with `make PHASES=1` (-DSB_PHASES; never in a normal build,
 * where every call is an empty macro). Then the daemon opens SB_PHASE_LOG
 * (a file on the host; it starts with a clean environment) at SB_PHASE_FD; the zygote and
 * every worker inherit that one descriptor (the jail keeps it open in this
 * build only), and sb_phase(name) appends "tid name monotonic-ns minor-faults" to it
 * (the thread's page faults so far). The script's process does not hold
 * the host's log: sb_phase_buffer() closes it there and keeps its lines in
 * memory, which the script sends with its outcome and the daemon appends
 * (sb_phase_append).
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
/* Close the log in this process; later lines go to a capped buffer. */
void sb_phase_buffer(void);
/* The buffered lines ("" if none); valid until the next sb_phase. */
const char *sb_phase_buffered(void);
/* Append lines another process buffered to the log (NULL: nothing; capped,
 * whole lines only). */
void sb_phase_append(const char *lines);
#else
#define sb_phase(name) ((void)0)
#define sb_phase_open(path) ((void)0)
#define sb_phase_buffer() ((void)0)
#define sb_phase_buffered() ""
#define sb_phase_append(lines) ((void)0)
#endif

#endif
