/* sr_json_nul — find a NUL character in the strings of JSON text.
 *
 * cJSON decodes "\u0000" (or a raw 0 byte inside a string) into a C string
 * that ends there: whatever follows is silently lost, and code would run cut
 * short. A request's text is scanned first, and refused when a string of it
 * holds a NUL. */
#ifndef SR_JSON_NUL_H
#define SR_JSON_NUL_H

#include <stddef.h>

/* Whether a string (a value or a member name) of text[0..len) holds a NUL:
 * 1, with "'NAME' contains a NUL byte at offset N" in msg (cap bytes): NAME
 * is the member the string is the value of (an array's: the array's member,
 * "args"), or "a member name"; N counts characters (code points) from the
 * string's start, as Python indexes a str. A \u escape without four hex
 * digits, which cJSON decodes as U+0000, is refused as one ("contains an
 * invalid \u escape ..."). 0 when none does. The text need not be valid
 * JSON: only its strings are looked at. */
int sr_json_nul(const char *text, size_t len, char *msg, size_t cap);

#endif
