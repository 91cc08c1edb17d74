/* SPDX-License-Identifier: MIT */
/*
 * json.h — strict JSON input for the API, on top of cJSON.
 *
 * pb_json_parse_strict() first validates the raw text with its own scanner
 * (RFC 8259 grammar, valid UTF-8, no NUL or \u0000, nesting <= PB_JSON_MAX_DEPTH,
 * numbers only in integer form: no fraction, no exponent, no "-0", at most
 * PB_JSON_MAX_NUMBER_DIGITS digits, no leading zeros, no BOM, no trailing
 * garbage), then parses with cJSON and rejects duplicate keys in any object.
 * Because the API has no fractional numbers at all, every cJSON number that
 * survives is an exact integer.
 *
 * The getters read one member of an object, record a field error in the
 * problem on failure (field name = prefix + name, e.g. "elements[0].stream")
 * and return PB_EINVAL; absent optional members return PB_OK with *present=0.
 * JSON null: "required" for a required member; accepted as absent only by
 * pb_json_get_date with nullable != 0; otherwise "invalid_type".  Numeric
 * *out values are left untouched unless present (so callers may preset a
 * default); *present may be NULL.
 * Returned strings point into the cJSON tree (valid until cJSON_Delete).
 * Thread-safe (no globals).
 */
#ifndef PB_JSON_JSON_H
#define PB_JSON_JSON_H

#include <stddef.h>
#include <stdint.h>

#include <cJSON.h>

#include "internal/core/err.h"
#include "internal/core/money.h"
#include "internal/core/problem.h"

#define PB_JSON_MAX_DEPTH 16
#define PB_JSON_MAX_NUMBER_DIGITS 15

/* Validate and parse buf[0..len) (need not be NUL-terminated).  On PB_OK
 * *out is a tree the caller frees with cJSON_Delete.  On PB_EINVAL the
 * problem says why (field "body") and *out is NULL. */
enum pb_err pb_json_parse_strict(const char *buf, size_t len, cJSON **out,
    struct pb_problem *p);

/* Only the scanner: PB_OK when buf[0..len) is strict JSON as above; on
 * failure writes a short reason (static string) to *why when why != NULL. */
enum pb_err pb_json_validate(const char *buf, size_t len, const char **why);

/* Same, also giving the byte offset where the scanner stopped (on failure:
 * the offending byte; on success: len) when offset != NULL. */
enum pb_err pb_json_validate_at(const char *buf, size_t len,
    const char **why, size_t *offset);

/* Require obj to be an object whose members are all in `allowed`
 * (NULL-terminated).  Members named in `server_owned` (NULL-terminated, may
 * be NULL) get code "read_only"; others not allowed get "unknown_field".
 * `prefix` is "" or e.g. "elements[0]."  */
enum pb_err pb_json_check_members(const cJSON *obj, const char *prefix,
    const char *const *allowed, const char *const *server_owned,
    struct pb_problem *p);

/* String member: length in bytes within [min_len, max_len]; control
 * characters (< 0x20) refused.  *out NULL when absent. */
enum pb_err pb_json_get_string(const cJSON *obj, const char *prefix,
    const char *name, int required, size_t min_len, size_t max_len,
    const char **out, struct pb_problem *p);

/* "YYYY-MM-DD" member (see pb_date_parse).  *present tells if it was given
 * (JSON null counts as absent only when nullable != 0). */
enum pb_err pb_json_get_date(const cJSON *obj, const char *prefix,
    const char *name, int required, int nullable, int32_t *out,
    int *present, struct pb_problem *p);

/* Integer pence in [min, PB_MAX_PENCE]. */
enum pb_err pb_json_get_pence(const cJSON *obj, const char *prefix,
    const char *name, int required, int64_t min, int64_t *out,
    int *present, struct pb_problem *p);

/* Integer in [min, max] (counts, limits). */
enum pb_err pb_json_get_int(const cJSON *obj, const char *prefix,
    const char *name, int required, int64_t min, int64_t max, int64_t *out,
    int *present, struct pb_problem *p);

/* String member that must equal one of values (NULL-terminated);
 * *index is its position.  Error message lists the allowed values. */
enum pb_err pb_json_get_enum(const cJSON *obj, const char *prefix,
    const char *name, int required, const char *const *values, int *index,
    struct pb_problem *p);

/* String member naming a value of an enum by its names table (names.h:
 * names[0] unused, names[1..n) the spellings; n <= 32): *value gets the
 * enum value (1..n-1), 0 when absent or refused.  Passing a smaller n
 * accepts only the first values of the enum. */
enum pb_err pb_json_get_name(const cJSON *obj, const char *prefix,
    const char *name, int required, const char *const *names, size_t n,
    int *value, struct pb_problem *p);

/* true/false member; *out untouched when absent. */
enum pb_err pb_json_get_bool(const cJSON *obj, const char *prefix,
    const char *name, int required, int *out, int *present,
    struct pb_problem *p);

/* UUID member in canonical 8-4-4-4-12 hex form; written lower-case to out. */
enum pb_err pb_json_get_uuid(const cJSON *obj, const char *prefix,
    const char *name, int required, char out[37], int *present,
    struct pb_problem *p);

#endif
