/* sr_cancel — how the orchestrator cancels one execution of a session.
 *
 * It queues SR_CANCEL_SIGNAL to the session's supervisor with the
 * execution's number (the request's "seq") as the signal's value. The
 * supervisor interrupts that execution only: a signal naming an earlier one
 * arrived too late and is dropped. A real-time signal, because those queue:
 * a late cancel still pending cannot swallow the next one. */
#ifndef SR_CANCEL_H
#define SR_CANCEL_H

#include <signal.h>

#define SR_CANCEL_SIGNAL (SIGRTMIN)

#endif
