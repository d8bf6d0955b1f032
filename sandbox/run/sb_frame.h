/* sb_frame — length-prefixed frames (u32 length in host order, then bytes)
 * on the control and report pipes between the supervisor and a worker's
 * script process: requests one way, done-frames the other. */
#ifndef SB_FRAME_H
#define SB_FRAME_H

#include <stddef.h>

#include "sr_buf.h"

/* Read one frame into b (reset, capped at max, NUL-terminated). Returns 1,
 * 0 at EOF before a frame, -1 on a short read or a frame over max. b must
 * have been initialized once by the caller (sr_buf_init). */
int sb_frame_read(int fd, struct sr_buf *b, size_t max);
/* Write text as one frame. 0 or -1 (errno). */
int sb_frame_write(int fd, const char *text);

#endif
