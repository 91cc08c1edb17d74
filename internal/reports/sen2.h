/* SPDX-License-Identifier: MIT */
/*
 * sen2.h — the SEN2 return's personal-budget counts (domain.md REP-1) and
 * their two renderings, JSON and CSV (docs/reports.md says what counts).
 *
 * A child counts once per scope: in the whole return (PB_SEN2_ALL) by the
 * arrangements of all their live elements, and in each stream by that
 * stream's elements only.  Within a scope a child is in exactly one of
 * direct_payment_only (direct payments, third-party arrangements included),
 * organised_only (notional) and both; total is their sum.
 *
 * Pure: no I/O, clock or database; rendering allocates only its output.
 * Thread-safe (no shared state).
 */
#ifndef PB_REPORTS_SEN2_H
#define PB_REPORTS_SEN2_H

#include <stddef.h>
#include <stdint.h>

#include "internal/core/buf.h"
#include "internal/core/err.h"

/* The scopes of the return: every element, then one stream each (in the
 * order of enum pb_stream, core/element.h). */
enum pb_sen2_scope {
	PB_SEN2_ALL,
	PB_SEN2_EDUCATION,
	PB_SEN2_SOCIAL_CARE,
	PB_SEN2_HEALTH,
	PB_SEN2_NSCOPES
};

/* Children in one scope, by the kinds of arrangement they hold. */
struct pb_sen2_split {
	int64_t dp_only;         /* direct payment or third party, no notional */
	int64_t organised_only;  /* notional only */
	int64_t both;
};

struct pb_sen2 {
	char la[16];
	int32_t census_date;
	int64_t with_plan;       /* children with an EHC plan in force */
	struct pb_sen2_split split[PB_SEN2_NSCOPES];
};

/* Longest CSV the return renders to (17 short rows). */
#define PB_SEN2_CSV_MAX 4096

/* The JSON document of r (openapi.yaml Sen2Return), malloc'd, NUL-
 * terminated; the caller frees.  Never NULL (aborts on OOM). */
char *pb_sen2_json(const struct pb_sen2 *r);

/*
 * pb_sen2_csv — the return as RFC 4180 CSV (CRLF line ends) appended to
 * out, whose maximum should be at least PB_SEN2_CSV_MAX:
 *
 *   la,census_date,element,category,children
 *   <la>,<date>,all,ehc_plan,<n>
 *   then for element all, education, social_care, health in turn:
 *   <la>,<date>,<element>,direct_payment_only|organised_only|both|total,<n>
 *
 * PB_EINVAL when out fills up (out then holds a part: discard it).
 */
enum pb_err pb_sen2_csv(const struct pb_sen2 *r, struct pb_buf *out);

#endif
