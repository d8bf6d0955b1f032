/* ag_sid — the session ids the service mints (AgentCore's sessionId, an
 * interpreter session of MCP's start_session, and MCP's MCP-Session-Id),
 * and the pod they lead to.
 *
 * Without a pod name an id is random hex (32 or 64 digits, as the caller
 * asks). With one (`serve --pod-id NAME`, a StatefulSet pod's stable name
 * such as sandboxrun-0) every id is
 *
 *     TAG RANDOM      TAG: NAME without its dashes, 1..14 of [a-z0-9]
 *                     RANDOM: 26 of [a-z2-7] (RFC 4648 base32, lower case): 130 bits
 *
 * at most 40 visible ASCII characters of [0-9a-zA-Z], AgentCore's sessionId
 * pattern, and a valid MCP-Session-Id. A router maps the TAG of
 * ^([a-z0-9]{1,14})[a-z2-7]{26}$ to its pod (containers/nginx.conf); a pod
 * takes an id of another TAG for one it never had. */
#ifndef AG_SID_H
#define AG_SID_H

#include <stddef.h>

#define AG_SID_TAG_MAX 14      /* characters of a TAG */
#define AG_SID_RANDOM 26       /* base32 characters after it */
#define AG_SID_MAX 72          /* a buffer for any id this module mints (64 hex + NUL, or 40 + NUL) */

/* This process's pod name (its TAG is copied; NULL: none, ids are plain
 * hex). 0, or -1 with err set (and no TAG) if name is not a DNS label of
 * [a-z0-9-] whose TAG has 1..14 characters. Call once, before any id is
 * minted. */
int ag_sid_set_pod(const char *name, char *err, size_t errlen);
/* The TAG ids carry, or NULL without a pod name. */
const char *ag_sid_tag(void);
/* A new id into out (at least AG_SID_MAX bytes): TAG + RANDOM with a pod
 * name, else 2 x hex_bytes hex digits. 0, or -1 without randomness. */
int ag_sid_mint(char *out, size_t outlen, size_t hex_bytes);
/* The TAG of a pod-named id into tag (AG_SID_TAG_MAX + 1 bytes): 0, or -1
 * if id is not of the TAG + RANDOM form. */
int ag_sid_tag_of(const char *id, char *tag, size_t taglen);
/* Whether id may name a session of this process: always without a pod
 * name; with one, only an id of our TAG (any other is unknown here, never
 * forwarded). */
int ag_sid_mine(const char *id);

#endif
