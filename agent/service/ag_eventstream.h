/* ag_eventstream — the AWS event-stream message format
 * (application/vnd.amazon.eventstream), as the AgentCore InvokeCodeInterpreter
 * answer streams it:
 *
 *   total length (4, big-endian) | headers length (4) | prelude CRC32 (4)
 *   headers: name length (1) name, type (1; 7 = string), value length (2) value
 *   payload | message CRC32 (4, over everything before it)
 *
 * CRCs are zlib's crc32 (IEEE 802.3). A payload is at most what the AWS
 * SDKs accept (24 MiB); a bigger one is refused, never cut. */
#ifndef AG_EVENTSTREAM_H
#define AG_EVENTSTREAM_H

#include <stddef.h>
#include <stdint.h>

#include "sr_buf.h"
#include "sr_caps.h"

#define AG_EVENTSTREAM_PRELUDE 12u

struct ag_es_header {
    const char *name;     /* 1..255 bytes */
    const char *value;    /* a string header, at most 32767 bytes */
};

enum ag_es_err {
    AG_ES_OK = 0,
    AG_ES_TOO_LARGE,      /* payload over AG_EVENTSTREAM_PAYLOAD_MAX, or headers over their cap */
    AG_ES_INVALID,        /* an empty or over-long header name or value */
    AG_ES_NOMEM,          /* out cannot hold the message (its cap or memory) */
};

/* Append one message with headers h[0..nh) and n payload bytes to out. */
enum ag_es_err ag_eventstream_encode(struct sr_buf *out, const struct ag_es_header *h, size_t nh,
                                     const void *payload, size_t n);
/* Append an event (:message-type event, :event-type type, :content-type
 * application/json) carrying the JSON text json. */
enum ag_es_err ag_eventstream_event(struct sr_buf *out, const char *type, const char *json, size_t n);
/* The IEEE CRC32 of n bytes continuing from crc (0 to start). */
uint32_t ag_eventstream_crc32(uint32_t crc, const void *p, size_t n);

#endif
