/* sb_chan — the supervisor <-> worker-init channel (a SOCK_SEQPACKET pair).
 *
 * One message = one type byte + a small payload (+ fds by SCM_RIGHTS):
 *   'G' supervisor -> init   maps and cgroup are in place, go on
 *   'E' init -> supervisor   a set-up step failed; payload is the message
 *   'W' init -> supervisor   a set-up step had to be weakened (for the record's "weakened")
 *   'R' init -> supervisor   jail entered; fds: /out (O_PATH), seccomp listener (optional)
 *   'X' init -> supervisor   the script's process ended; payload: int wait status
 * and between the warm daemon and its zygote (sb_zygote):
 *   'C' daemon -> zygote     its options, first (JSON: preload, policy, scripts, warmup)
 *   'S' daemon -> zygote     spawn a worker; payload: its limits (JSON); fds: its pipe ends
 *   'P' worker -> daemon     sent by the worker the zygote cloned, first, on the
 *                            zygote's channel: the daemon reads its pid from the
 *                            message's credentials (SO_PASSCRED); payload: int,
 *                            whether it was born in its cgroup.
 *   'N' zygote -> daemon     after each clone: payload: the new worker's pid_t, so a
 *                            worker that dies before its 'P' is still reaped. A
 *                            clone that failed is answered with 'E' and the reason.
 * Setup errors thus travel to the parent, as isolate does it. */
#ifndef SB_CHAN_H
#define SB_CHAN_H

#include <stddef.h>
#include <sys/types.h>

#define SB_CHAN_MAX_PAYLOAD 16384
#define SB_CHAN_MAX_FDS 8

enum sb_msg { SB_MSG_GO = 'G', SB_MSG_ERROR = 'E', SB_MSG_WEAK = 'W', SB_MSG_READY = 'R', SB_MSG_EXIT = 'X',
              SB_MSG_CONFIG = 'C', SB_MSG_SPAWN = 'S', SB_MSG_PID = 'P',
              SB_MSG_CLONED = 'N' };

/* Send one message. 0 or -1 (errno). */
int sb_chan_send(int sock, enum sb_msg type, const void *data, size_t len, const int *fds, int nfds);
/* Receive one message; fds beyond *nfds or in a truncated message are closed.
 * Returns the payload length, 0 with *type = 0 at EOF, -1 on error (errno). */
ssize_t sb_chan_recv(int sock, int *type, void *data, size_t cap, int *fds, int *nfds);
/* sb_chan_recv, and the sender's pid as the receiver's pid namespace sees it,
 * from the kernel (SCM_CREDENTIALS; the socket must have SO_PASSCRED set),
 * or 0 when the message carries none. */
ssize_t sb_chan_recv_from(int sock, int *type, void *data, size_t cap, int *fds, int *nfds, pid_t *sender);

#endif
