/* sr_signal.c — see sr_signal.h. */
#include "sr_signal.h"

#include <signal.h>

void sr_signals_default(int handlers, int ignored)
{
    struct sigaction dfl = {.sa_handler = SIG_DFL}, cur;

    sigemptyset(&dfl.sa_mask);
    for (int sig = 1; sig < NSIG; sig++) {
        int is_ign, is_handler;
        if (sigaction(sig, NULL, &cur) < 0)
            continue;   /* SIGKILL/SIGSTOP are fine; glibc's reserved ones are refused */
        is_ign = !(cur.sa_flags & SA_SIGINFO) && cur.sa_handler == SIG_IGN;
        is_handler = (cur.sa_flags & SA_SIGINFO) || (cur.sa_handler != SIG_IGN && cur.sa_handler != SIG_DFL);
        if ((handlers && is_handler) || (ignored && is_ign))
            sigaction(sig, &dfl, NULL);
    }
}
