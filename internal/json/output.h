/* SPDX-License-Identifier: MIT */
/*
 * output.h — JSON output, the two ways C writes it (README.md says which
 * kind of response uses which):
 *
 *  - a cJSON tree, for documents computed in C (reports, action results):
 *    pb_json_print() turns it into malloc'd text, pb_json_add_int() adds an
 *    integer member without passing it through a double;
 *  - a writer into a struct pb_buf, for documents assembled around JSON
 *    text PostgreSQL already rendered (list envelopes) and for the family
 *    view's hot path: pb_json_write_string() is the one escaper.
 *
 * Thread-safe (no state).
 */
#ifndef PB_JSON_OUTPUT_H
#define PB_JSON_OUTPUT_H

#include <stddef.h>
#include <stdint.h>

#include <cJSON.h>

#include "internal/core/buf.h"

/* The text of tree (printed unformatted, then deleted), malloc'd: the
 * caller free()s it.  Never NULL (aborts on OOM). */
char *pb_json_print(cJSON *tree);

/* Add member `name` = v to object o as an exact integer (money, counts). */
void pb_json_add_int(cJSON *o, const char *name, int64_t v);

/*
 * pb_json_write_string — append s[0..len) to b as a JSON string literal:
 * '"' and '\' escaped, the controls U+0000..U+001F as \b \f \n \r \t or
 * \u00XX, well-formed UTF-8 copied as it is, and every byte of an
 * ill-formed sequence (stray continuation, overlong, surrogate, above
 * U+10FFFF, truncated) written as \ufffd, so the output is always valid
 * JSON for any input bytes.  PB_EINVAL when b's maximum is reached (b
 * then holds a prefix: the caller discards it).
 */
enum pb_err pb_json_write_string(struct pb_buf *b, const char *s, size_t len);

/* pb_json_write_string of a NUL-terminated string. */
enum pb_err pb_json_write_cstr(struct pb_buf *b, const char *s);

/* Append v as a JSON integer. */
enum pb_err pb_json_write_int(struct pb_buf *b, int64_t v);

#endif
