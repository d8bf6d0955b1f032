/* sr_signal — putting signal actions back to their defaults before a process
 * becomes something else (a supervisor after fork, a jailed interpreter). */
#ifndef SR_SIGNAL_H
#define SR_SIGNAL_H

/* Give every signal the default action again if it has a handler (handlers
 * != 0) or is ignored (ignored != 0). Only sigaction(2): async-signal-safe,
 * so usable between fork and execve. */
void sr_signals_default(int handlers, int ignored);

#endif
