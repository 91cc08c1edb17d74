/* SPDX-License-Identifier: MIT */
/*
 * budgets/allocation.h — the resource allocation calculators (pure): what
 * an indicative budget comes to under a council's allocation scheme
 * (docs/budgets.md "Indicative budgets").  Facts in, amounts and the
 * calculation line by line out; no I/O, clock, allocation, cJSON or libpq.
 *
 *   points (BUD-1)  each assessed need's level scores the points the scheme
 *                   gives it; a stream's points × its pence per point,
 *                   raised to its minimum or capped at its maximum.  Only
 *                   a stream with at least one need assessed gets an amount.
 *   transport (BUD-11)  route miles (in tenths) × 4 journeys × pence a mile
 *                   × school days (190 unless the scheme says otherwise),
 *                   then pro rata days attended / school days.
 *   short breaks (BUD-12)  weekday hours a week × weeks × pence an hour, plus
 *                   weekend hours a week × weeks × the weekend rate (the
 *                   rate × (100 + uplift %) / 100); a rate net of on-costs
 *                   adds on-cost % of that sum, a gross rate adds nothing.
 *
 * Rounding: every number is integer pence (or points, tenths of a mile,
 * hours, days).  A division is the only step that can leave a fraction,
 * and each one is rounded half-up to the penny where the line that shows it
 * says so (pb_money_div_half_up): the transport year (tenths / 10), its pro
 * rata share, the weekend rate and the on-costs.  Products and sums are
 * exact and overflow-checked; an element above PB_MAX_PENCE is refused
 * (PB_ERULE with the calculator's rule).
 *
 * Strings in the structs are borrowed (the caller keeps them alive while
 * the struct is used).  Every function accepts p == NULL.  Reentrant.
 */
#ifndef PB_BUDGETS_ALLOCATION_H
#define PB_BUDGETS_ALLOCATION_H

#include <stddef.h>
#include <stdint.h>

#include "internal/core/element.h"
#include "internal/core/problem.h"

#define PB_ALLOC_MAX_NEEDS 32        /* needs a scheme scores (and an assessment names) */
#define PB_ALLOC_MAX_LEVELS 11       /* levels 0..10 of one need */
#define PB_ALLOC_MAX_POINTS 1000     /* points of one level */
#define PB_ALLOC_MAX_STREAMS 3       /* one points rate per stream */
#define PB_ALLOC_CODE_MAX 64         /* need codes and service types: lower_snake */
#define PB_ALLOC_MILE_RATE_MAX 200   /* BUD-11: councils publish 45p-60p; 1p-200p accepted */
#define PB_ALLOC_SCHOOL_DAYS 190     /* BUD-11's school year */
#define PB_ALLOC_MAX_SCHOOL_DAYS 366
#define PB_ALLOC_MAX_TENTH_MILES 10000   /* 1,000.0 miles one way */
#define PB_ALLOC_HOUR_RATE_MAX 100000    /* £1,000 an hour */
#define PB_ALLOC_MAX_UPLIFT 200          /* weekend uplift % */
#define PB_ALLOC_MAX_ON_COST 100         /* on-cost % */
#define PB_ALLOC_MAX_WEEK_HOURS 168
#define PB_ALLOC_MAX_WEEKS 53
/* points, transport, short breaks: at most one element each stream */
#define PB_ALLOC_MAX_ELEMENTS (PB_ALLOC_MAX_STREAMS + 2)
#define PB_ALLOC_MAX_LINES (PB_ALLOC_MAX_NEEDS + 4)
#define PB_ALLOC_LINE_MAX 200

/* The service types the two calculators fund (the default offer, ELIG-7);
 * a points stream funds a service type of its own. */
#define PB_ALLOC_TRANSPORT "transport"
#define PB_ALLOC_SHORT_BREAKS "short_breaks"

struct pb_alloc_need {
	const char *code;               /* lower_snake, unique in the scheme */
	enum pb_stream stream;
	size_t nlevels;                 /* 1..PB_ALLOC_MAX_LEVELS */
	int32_t points[PB_ALLOC_MAX_LEVELS];   /* points of level i, 0..PB_ALLOC_MAX_POINTS */
};

struct pb_alloc_stream {
	enum pb_stream stream;          /* unique in the scheme */
	const char *service_type;       /* what the stream's amount funds */
	int64_t pence_per_point;        /* 1..PB_MAX_PENCE */
	int64_t min_pence, max_pence;   /* 0 <= min <= max <= PB_MAX_PENCE */
};

/* One version of a council's scheme: any of the three parts, at least one. */
struct pb_alloc_scheme {
	int has_points;
	size_t nneeds, nstreams;
	struct pb_alloc_need needs[PB_ALLOC_MAX_NEEDS];
	struct pb_alloc_stream streams[PB_ALLOC_MAX_STREAMS];
	int has_transport;
	int64_t pence_per_mile;         /* 1..PB_ALLOC_MILE_RATE_MAX */
	int32_t school_days;            /* 1..366, 190 by default */
	int has_short_breaks;
	int64_t pence_per_hour;         /* 1..PB_ALLOC_HOUR_RATE_MAX */
	int32_t weekend_uplift_percent; /* 0..PB_ALLOC_MAX_UPLIFT */
	int net_of_on_costs;            /* 1: the rate leaves on-costs out (they are added) */
	int32_t on_cost_percent;        /* 0..PB_ALLOC_MAX_ON_COST; 0 when gross */
};

/* What the assessment found, and the facts the calculators take. */
struct pb_alloc_need_in {
	const char *code;
	int32_t level;
};

struct pb_alloc_in {
	size_t nneeds;
	struct pb_alloc_need_in needs[PB_ALLOC_MAX_NEEDS];
	int has_transport;
	int64_t route_tenth_miles;      /* one way, 1..PB_ALLOC_MAX_TENTH_MILES (12.5 miles = 125) */
	int has_days;
	int32_t days_attended;          /* 1..school days; absent: the whole year */
	int has_short_breaks;
	int32_t weekday_hours, weekend_hours;   /* a week, 0..168 together */
	int32_t weeks;                  /* 1..53 */
};

/* One line of a calculation: the rule it follows, what it did in words
 * ("12.5 miles × 4 journeys × £0.45 a mile × 190 days = £4,275.00"), and
 * the amount it came to (has_pence 0 for a line of points only). */
struct pb_alloc_line {
	const char *rule;
	char text[PB_ALLOC_LINE_MAX];
	int has_pence;
	int64_t pence;
};

struct pb_alloc_element {
	enum pb_stream stream;
	const char *service_type;
	int64_t pence;
	size_t nlines;
	struct pb_alloc_line lines[PB_ALLOC_MAX_LINES];
};

struct pb_alloc_result {
	size_t nelements;
	struct pb_alloc_element elements[PB_ALLOC_MAX_ELEMENTS];
	int64_t total_pence;
};

/* The scheme's parts agree with each other (the reader checked each
 * value's range): at least one part; need codes and streams unique; every
 * need's stream has a points rate; min <= max; no points stream funds
 * transport or short breaks (the calculators' service types); a gross
 * short-break rate has no on-cost percent.  PB_EINVAL with field errors
 * named as in the JSON body ("points.needs[2].stream"). */
enum pb_err pb_alloc_scheme_check(const struct pb_alloc_scheme *s, struct pb_problem *p);

/* Work out the indicative budget of `in` under scheme s into *out
 * (elements in the order points streams, transport, short breaks).
 * PB_EINVAL (field errors): an assessed need the scheme does not score
 * ("needs[i].need"), a level past its table ("needs[i].level"), a need
 * named twice, days attended past the scheme's school days
 * ("transport.days_attended"), nothing asked for ("needs").  PB_ERULE: the
 * scheme has no points (BUD-1), no transport rate (BUD-11) or no short-break
 * rate (BUD-12) for what was asked, or an amount would pass PB_MAX_PENCE. */
enum pb_err pb_alloc_compute(const struct pb_alloc_scheme *s, const struct pb_alloc_in *in,
    struct pb_alloc_result *out, struct pb_problem *p);

#endif
