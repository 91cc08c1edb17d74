/* SPDX-License-Identifier: MIT */
/*
 * test_allocation.c — unit tests for internal/budgets/allocation.c, the
 * resource allocation calculators (BUD-1 points, BUD-11 transport, BUD-12
 * short breaks), and the checked money arithmetic they use.
 *
 * Table-driven worked examples, exact to the penny; every rounding is
 * half-up at the division its line shows.  Pure code: no database.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "internal/budgets/allocation.h"
#include "internal/core/money.h"

#define NELEM(a) (sizeof(a) / sizeof((a)[0]))

#define ROW(cond, name) do { \
	if (!(cond)) \
		fail_msg("case \"%s\": %s", (name), #cond); \
} while (0)

static int has_field(const struct pb_problem *p, const char *field, const char *code)
{
	for (int i = 0; i < p->nerrors; i++)
		if (strcmp(p->errors[i].field, field) == 0 && strcmp(p->errors[i].code, code) == 0)
			return 1;
	return 0;
}

/* A scheme of every part: education points (communication 0/2/5/10,
 * sensory 0/3/6), health points (medical 0/4/8), transport 45p a mile over
 * 190 days, short breaks £11.86 an hour, 25 % weekend uplift, net of 12 %
 * on-costs. */
static void scheme(struct pb_alloc_scheme *s)
{
	memset(s, 0, sizeof(*s));
	s->has_points = 1;
	s->nstreams = 2;
	s->streams[0] = (struct pb_alloc_stream){ PB_STREAM_EDUCATION, "tuition", 2500, 50000,
	    1000000 };
	s->streams[1] = (struct pb_alloc_stream){ PB_STREAM_HEALTH, "therapy", 1000, 0, 30000 };
	s->nneeds = 3;
	s->needs[0] = (struct pb_alloc_need){ "communication", PB_STREAM_EDUCATION, 4,
	    { 0, 2, 5, 10 } };
	s->needs[1] = (struct pb_alloc_need){ "sensory", PB_STREAM_EDUCATION, 3, { 0, 3, 6 } };
	s->needs[2] = (struct pb_alloc_need){ "medical", PB_STREAM_HEALTH, 3, { 0, 4, 8 } };
	s->has_transport = 1;
	s->pence_per_mile = 45;
	s->school_days = 190;
	s->has_short_breaks = 1;
	s->pence_per_hour = 1186;
	s->weekend_uplift_percent = 25;
	s->net_of_on_costs = 1;
	s->on_cost_percent = 12;
}

static const struct pb_alloc_element *element(const struct pb_alloc_result *r,
    const char *service_type)
{
	for (size_t i = 0; i < r->nelements; i++)
		if (strcmp(r->elements[i].service_type, service_type) == 0)
			return &r->elements[i];
	return NULL;
}

/* ---- checked money arithmetic -------------------------------------------- */

static void test_money_checked_arithmetic(void **state)
{
	(void)state;
	static const struct {
		int64_t n, d, want;
	} half_up[] = {
		{ 0, 10, 0 }, { 4, 10, 0 }, { 5, 10, 1 }, { 15, 10, 2 }, { 14, 10, 1 },
		{ 1482, 1, 1482 }, { 148250, 100, 1483 }, { 148249, 100, 1482 },
		{ 81225000, 190, 427500 }, { 1, 3, 0 }, { 2, 3, 1 }, { INT64_MAX, 2, INT64_MAX / 2 + 1 },
	};
	int64_t out;

	for (size_t i = 0; i < NELEM(half_up); i++) {
		assert_int_equal(pb_money_div_half_up(half_up[i].n, half_up[i].d, &out), PB_OK);
		assert_int_equal(out, half_up[i].want);
	}
	out = 7;
	assert_int_equal(pb_money_div_half_up(-1, 10, &out), PB_EINVAL);
	assert_int_equal(pb_money_div_half_up(1, 0, &out), PB_EINVAL);
	assert_int_equal(out, 7);
	assert_int_equal(pb_money_mul(INT64_MAX / 2, 3, &out), PB_EINVAL);
	assert_int_equal(pb_money_add(INT64_MAX, 1, &out), PB_EINVAL);
	assert_int_equal(out, 7);
	assert_int_equal(pb_money_mul(-4, 25, &out), PB_OK);
	assert_int_equal(out, -100);
	assert_int_equal(pb_money_add(PB_MAX_PENCE, 1, &out), PB_OK);
	assert_int_equal(out, PB_MAX_PENCE + 1);
}

/* ---- BUD-1 points ---------------------------------------------------------- */

static void test_BUD_1_points_worked_examples(void **state)
{
	(void)state;
	/* levels of communication, sensory, medical (-1: not assessed) */
	static const struct {
		const char *name;
		int comm, sens, med;
		int64_t education, health;   /* -1: no element */
		size_t edu_lines;
	} t[] = {
		/* 5 + 3 = 8 points × £25 = £200, below the £500 minimum: raised */
		{ "raised to the minimum", 2, 1, -1, 50000, -1, 4 },
		/* 10 + 6 = 16 points × £25 = £400: still raised */
		{ "16 points raised", 3, 2, -1, 50000, -1, 4 },
		/* 10 points × £25 = £250; medical 8 × £10 = £80 */
		{ "both streams", 3, -1, 2, 50000, 8000, 3 },
		/* level 0 scores 0 points: an amount of 0 raised to the minimum */
		{ "level 0", 0, -1, -1, 50000, -1, 3 },
		/* medical level 1 = 4 points × £10 = £40, no minimum */
		{ "health only", -1, -1, 1, -1, 4000, 0 },
	};

	for (size_t i = 0; i < NELEM(t); i++) {
		struct pb_alloc_scheme s;
		struct pb_alloc_result r;
		struct pb_alloc_in in = { 0 };
		struct pb_problem p;
		scheme(&s);
		pb_problem_init(&p);
		if (t[i].comm >= 0)
			in.needs[in.nneeds++] = (struct pb_alloc_need_in){ "communication", t[i].comm };
		if (t[i].sens >= 0)
			in.needs[in.nneeds++] = (struct pb_alloc_need_in){ "sensory", t[i].sens };
		if (t[i].med >= 0)
			in.needs[in.nneeds++] = (struct pb_alloc_need_in){ "medical", t[i].med };
		ROW(pb_alloc_compute(&s, &in, &r, &p) == PB_OK, t[i].name);
		const struct pb_alloc_element *e = element(&r, "tuition"), *h = element(&r, "therapy");
		ROW(t[i].education < 0 ? e == NULL : e != NULL && e->pence == t[i].education,
		    t[i].name);
		ROW(t[i].health < 0 ? h == NULL : h != NULL && h->pence == t[i].health, t[i].name);
		ROW(e == NULL || e->nlines == t[i].edu_lines, t[i].name);
		ROW(r.total_pence == (e ? e->pence : 0) + (h ? h->pence : 0), t[i].name);
	}
}

static void test_BUD_1_points_clamped_to_min_and_max(void **state)
{
	(void)state;
	static const struct {
		int64_t per_point, min, max, want;
		const char *last;
	} t[] = {
		/* 15 points: communication level 3 (10) + sensory level 2 (set to 5) */
		{ 1000, 0, 1000000, 15000, "15 points × £10.00 a point = £150.00" },
		{ 1000, 20000, 1000000, 20000, "raised to the stream's minimum: £200.00" },
		{ 1000, 0, 10000, 10000, "capped at the stream's maximum: £100.00" },
		{ 1000, 15000, 15000, 15000, "15 points × £10.00 a point = £150.00" },
	};

	for (size_t i = 0; i < NELEM(t); i++) {
		struct pb_alloc_scheme s;
		struct pb_alloc_result r;
		struct pb_alloc_in in = { 0 };
		scheme(&s);
		s.streams[0].pence_per_point = t[i].per_point;
		s.streams[0].min_pence = t[i].min;
		s.streams[0].max_pence = t[i].max;
		in.nneeds = 2;
		in.needs[0] = (struct pb_alloc_need_in){ "communication", 3 };   /* 10 */
		in.needs[1] = (struct pb_alloc_need_in){ "sensory", 2 };         /* 5 */
		s.needs[1].points[2] = 5;
		assert_int_equal(pb_alloc_compute(&s, &in, &r, NULL), PB_OK);
		assert_int_equal(r.nelements, 1);
		assert_int_equal(r.elements[0].pence, t[i].want);
		const struct pb_alloc_line *l = &r.elements[0].lines[r.elements[0].nlines - 1];
		assert_string_equal(l->text, t[i].last);
		assert_string_equal(l->rule, "BUD-1");
		assert_int_equal(l->pence, t[i].want);
		assert_string_equal(r.elements[0].lines[0].text, "communication: level 3 = 10 points");
		assert_int_equal(r.elements[0].lines[0].has_pence, 0);
	}
}

/* ---- BUD-11 transport -------------------------------------------------------- */

static void test_BUD_11_transport_worked_examples(void **state)
{
	(void)state;
	static const struct {
		const char *name;
		int64_t tenths, rate;
		int32_t school_days, days;   /* days 0: the whole year */
		int64_t year, want;
	} t[] = {
		/* 12.5 × 4 × 45p × 190 = £4,275.00 */
		{ "12.5 miles at 45p", 125, 45, 190, 0, 427500, 427500 },
		/* 3.3 × 4 × 60p × 190 = £1,504.80 */
		{ "3.3 miles at 60p", 33, 60, 190, 0, 150480, 150480 },
		/* 0.1 × 4 × 45p × 190 = £34.20 */
		{ "a tenth of a mile", 1, 45, 190, 0, 3420, 3420 },
		/* 0.1 × 4 × 1p × 1 = 0.4p → 0 (half-up) */
		{ "0.4p rounds down", 1, 1, 1, 0, 0, 0 },
		/* 0.3 × 4 × 1p × 1 = 1.2p → 1p */
		{ "1.2p rounds to 1p", 3, 1, 1, 0, 1, 1 },
		/* pro rata: £4,275.00 × 95 / 190 = £2,137.50 */
		{ "half the year", 125, 45, 190, 95, 427500, 213750 },
		/* £4,275.00 × 1 / 190 = £22.50 exactly */
		{ "one day", 125, 45, 190, 1, 427500, 2250 },
		/* 7.7 × 4 × 47p × 190 = 275,044p; × 100 / 190 = 144,760.0 */
		{ "100 of 190 days", 77, 47, 190, 100, 275044, 144760 },
		/* 7.7 × 4 × 47p × 190 × 7 / 190: 275,044 × 7 / 190 = 10,133.2 → 10,133 */
		{ "7 days rounds down", 77, 47, 190, 7, 275044, 10133 },
		/* 275,044 × 11 / 190 = 15,923.6 → 15,924 */
		{ "11 days rounds up", 77, 47, 190, 11, 275044, 15924 },
		/* a scheme of 195 school days: 10.0 × 4 × 50p × 195 = £3,900.00 */
		{ "195-day year", 100, 50, 195, 0, 390000, 390000 },
		/* days equal to the year: no pro rata line */
		{ "all 190 days", 125, 45, 190, 190, 427500, 427500 },
	};

	for (size_t i = 0; i < NELEM(t); i++) {
		struct pb_alloc_scheme s;
		struct pb_alloc_result r;
		struct pb_alloc_in in = { 0 };
		struct pb_problem p;
		scheme(&s);
		pb_problem_init(&p);
		s.pence_per_mile = t[i].rate;
		s.school_days = t[i].school_days;
		in.has_transport = 1;
		in.route_tenth_miles = t[i].tenths;
		in.has_days = t[i].days > 0;
		in.days_attended = t[i].days;
		ROW(pb_alloc_compute(&s, &in, &r, &p) == PB_OK, t[i].name);
		ROW(r.nelements == 1, t[i].name);
		const struct pb_alloc_element *e = &r.elements[0];
		ROW(e->stream == PB_STREAM_EDUCATION && strcmp(e->service_type, "transport") == 0,
		    t[i].name);
		ROW(e->lines[0].pence == t[i].year, t[i].name);
		ROW(e->pence == t[i].want, t[i].name);
		ROW(strcmp(e->lines[0].rule, "BUD-11") == 0, t[i].name);
		ROW(e->nlines == (t[i].days > 0 && t[i].days != t[i].school_days ? 2u : 1u),
		    t[i].name);
	}
}

static void test_BUD_11_transport_lines_spell_it_out(void **state)
{
	(void)state;
	struct pb_alloc_scheme s;
	struct pb_alloc_result r;
	struct pb_alloc_in in = { .has_transport = 1, .route_tenth_miles = 125, .has_days = 1,
	    .days_attended = 95 };

	scheme(&s);
	assert_int_equal(pb_alloc_compute(&s, &in, &r, NULL), PB_OK);
	assert_string_equal(r.elements[0].lines[0].text, "12.5 miles × 4 journeys × £0.45 a mile "
	    "× 190 school days = £4,275.00");
	assert_string_equal(r.elements[0].lines[1].text, "pro rata 95 of 190 school days: "
	    "£4,275.00 × 95 / 190 = £2,137.50 (rounded half-up to the penny)");
}

/* ---- BUD-12 short breaks ------------------------------------------------------- */

static void test_BUD_12_short_breaks_worked_examples(void **state)
{
	(void)state;
	static const struct {
		const char *name;
		int64_t rate;
		int32_t uplift, on_cost;
		int net;
		int32_t weekday, weekend, weeks;
		int64_t want;
		size_t nlines;
	} t[] = {
		/* 3 × 38 × £11.86 = £1,352.04; weekend rate 1186 × 125 / 100 = 1482.5 →
		 * £14.83; 2 × 38 × £14.83 = £1,127.08; sum £2,479.12; 12 % = 29,749.44p →
		 * £297.49; total £2,776.61 */
		{ "net, weekday and weekend", 1186, 25, 12, 1, 3, 2, 38, 277661, 5 },
		/* gross: nothing added: £2,479.12 */
		{ "gross", 1186, 25, 0, 0, 3, 2, 38, 247912, 5 },
		/* weekday only, net of 0 %: 4 × 52 × £16.29 = £3,388.32 */
		{ "weekday only", 1629, 0, 0, 1, 4, 0, 52, 338832, 3 },
		/* weekend only, no uplift: rate stays £21.00; 6 × 10 × £21 = £1,260 */
		{ "weekend only, no uplift", 2100, 0, 0, 0, 0, 6, 10, 126000, 4 },
		/* uplift 33 %: 1187 × 133 / 100 = 1578.71 → £15.79; 1 × 1 × 1579 = 1579;
		 * on-costs 10 % of 1579 = 157.9 → 158; total 1737 */
		{ "rounding at each step", 1187, 33, 10, 1, 0, 1, 1, 1737, 4 },
		/* on-costs 50 % of 1p = 0.5p → 1p (half-up) */
		{ "half a penny goes up", 1, 0, 50, 1, 1, 0, 1, 2, 3 },
	};

	for (size_t i = 0; i < NELEM(t); i++) {
		struct pb_alloc_scheme s;
		struct pb_alloc_result r;
		struct pb_alloc_in in = { 0 };
		struct pb_problem p;
		scheme(&s);
		pb_problem_init(&p);
		s.pence_per_hour = t[i].rate;
		s.weekend_uplift_percent = t[i].uplift;
		s.on_cost_percent = t[i].on_cost;
		s.net_of_on_costs = t[i].net;
		in.has_short_breaks = 1;
		in.weekday_hours = t[i].weekday;
		in.weekend_hours = t[i].weekend;
		in.weeks = t[i].weeks;
		ROW(pb_alloc_compute(&s, &in, &r, &p) == PB_OK, t[i].name);
		const struct pb_alloc_element *e = &r.elements[0];
		ROW(e->stream == PB_STREAM_SOCIAL_CARE && strcmp(e->service_type, "short_breaks") == 0,
		    t[i].name);
		ROW(e->pence == t[i].want, t[i].name);
		ROW(e->nlines == t[i].nlines, t[i].name);
		ROW(e->lines[e->nlines - 1].pence == t[i].want, t[i].name);
		ROW(strcmp(e->lines[0].rule, "BUD-12") == 0, t[i].name);
	}
}

static void test_BUD_12_short_breaks_lines_spell_it_out(void **state)
{
	(void)state;
	struct pb_alloc_scheme s;
	struct pb_alloc_result r;
	struct pb_alloc_in in = { .has_short_breaks = 1, .weekday_hours = 3, .weekend_hours = 2,
	    .weeks = 38 };
	static const char *const want[] = {
		"3 weekday hours a week × 38 weeks × £11.86 an hour = £1,352.04",
		"weekend rate: £11.86 × (100 + 25)% = £14.83 an hour (rounded half-up to the penny)",
		"2 weekend hours a week × 38 weeks × £14.83 an hour = £1,127.08",
		"the rate is net of on-costs: 12% of £2,479.12 = £297.49 (rounded half-up to the "
		"penny)",
		"short breaks: £2,479.12 + £297.49 = £2,776.61",
	};

	scheme(&s);
	assert_int_equal(pb_alloc_compute(&s, &in, &r, NULL), PB_OK);
	assert_int_equal(r.elements[0].nlines, NELEM(want));
	for (size_t i = 0; i < NELEM(want); i++)
		assert_string_equal(r.elements[0].lines[i].text, want[i]);
}

/* ---- the whole, and refusals ---------------------------------------------------- */

static void test_alloc_every_part_together(void **state)
{
	(void)state;
	struct pb_alloc_scheme s;
	struct pb_alloc_result r;
	struct pb_alloc_in in = { .nneeds = 2, .has_transport = 1, .route_tenth_miles = 125,
	    .has_short_breaks = 1, .weekday_hours = 3, .weekend_hours = 2, .weeks = 38 };

	scheme(&s);
	in.needs[0] = (struct pb_alloc_need_in){ "medical", 2 };
	in.needs[1] = (struct pb_alloc_need_in){ "communication", 3 };
	assert_int_equal(pb_alloc_compute(&s, &in, &r, NULL), PB_OK);
	assert_int_equal(r.nelements, 4);
	/* the scheme's stream order, then transport, then short breaks */
	assert_string_equal(r.elements[0].service_type, "tuition");
	assert_string_equal(r.elements[1].service_type, "therapy");
	assert_string_equal(r.elements[2].service_type, "transport");
	assert_string_equal(r.elements[3].service_type, "short_breaks");
	assert_int_equal(r.total_pence, 50000 + 8000 + 427500 + 277661);
}

static void test_alloc_refusals(void **state)
{
	(void)state;
	static const struct {
		const char *name;
		int what;
		enum pb_err err;
		const char *rule, *field, *code;
	} t[] = {
		{ "nothing asked", 0, PB_EINVAL, "", "needs", "required" },
		{ "unknown need", 1, PB_EINVAL, "", "needs[0].need", "not_found" },
		{ "level past the table", 2, PB_EINVAL, "", "needs[0].level", "invalid" },
		{ "need twice", 3, PB_EINVAL, "", "needs[1].need", "duplicate" },
		{ "days past the year", 4, PB_EINVAL, "", "transport.days_attended", "invalid" },
		{ "no hours", 5, PB_EINVAL, "", "short_breaks.weekday_hours", "invalid" },
		{ "BUD-1 no points", 6, PB_ERULE, "BUD-1", NULL, NULL },
		{ "BUD-11 no transport rate", 7, PB_ERULE, "BUD-11", NULL, NULL },
		{ "BUD-12 no short-break rate", 8, PB_ERULE, "BUD-12", NULL, NULL },
		{ "BUD-11 overflow", 9, PB_ERULE, "BUD-11", NULL, NULL },
		{ "BUD-12 past the largest amount", 10, PB_ERULE, "BUD-12", NULL, NULL },
		{ "BUD-1 past the largest amount", 11, PB_ERULE, "BUD-1", NULL, NULL },
	};

	for (size_t i = 0; i < NELEM(t); i++) {
		struct pb_alloc_scheme s;
		struct pb_alloc_result r;
		struct pb_alloc_in in = { 0 };
		struct pb_problem p;
		scheme(&s);
		pb_problem_init(&p);
		switch (t[i].what) {
		case 1: in.nneeds = 1; in.needs[0] = (struct pb_alloc_need_in){ "hearing", 1 }; break;
		case 2: in.nneeds = 1; in.needs[0] = (struct pb_alloc_need_in){ "sensory", 3 }; break;
		case 3:
			in.nneeds = 2;
			in.needs[0] = (struct pb_alloc_need_in){ "sensory", 1 };
			in.needs[1] = (struct pb_alloc_need_in){ "sensory", 2 };
			break;
		case 4:
			in.has_transport = 1; in.route_tenth_miles = 10;
			in.has_days = 1; in.days_attended = 191;
			break;
		case 5: in.has_short_breaks = 1; in.weeks = 10; break;
		case 6: s.has_points = 0; in.nneeds = 1;
			in.needs[0] = (struct pb_alloc_need_in){ "sensory", 1 }; break;
		case 7: s.has_transport = 0; in.has_transport = 1; in.route_tenth_miles = 1; break;
		case 8: s.has_short_breaks = 0; in.has_short_breaks = 1; in.weeks = 1;
			in.weekday_hours = 1; break;
		case 9: s.pence_per_mile = INT64_MAX / 4; in.has_transport = 1;
			in.route_tenth_miles = 10; break;
		case 10: s.pence_per_hour = PB_MAX_PENCE; in.has_short_breaks = 1;
			in.weekday_hours = 2; in.weeks = 1; break;
		case 11: s.streams[0].pence_per_point = PB_MAX_PENCE; s.streams[0].max_pence =
			PB_MAX_PENCE; in.nneeds = 1;
			in.needs[0] = (struct pb_alloc_need_in){ "communication", 1 }; break;
		default: break;
		}
		ROW(pb_alloc_compute(&s, &in, &r, &p) == t[i].err, t[i].name);
		ROW(strcmp(p.rule, t[i].rule) == 0, t[i].name);
		ROW(t[i].field == NULL || has_field(&p, t[i].field, t[i].code), t[i].name);
	}
}

static void test_alloc_scheme_check(void **state)
{
	(void)state;
	static const struct {
		const char *name;
		int what;
		const char *field, *code;   /* NULL: accepted */
	} t[] = {
		{ "the full scheme", 0, NULL, NULL },
		{ "no part", 1, "points", "required" },
		{ "stream twice", 2, "points.streams", "duplicate" },
		{ "min above max", 3, "points.streams", "invalid" },
		{ "points fund transport", 4, "points.streams", "invalid" },
		{ "need twice", 5, "points.needs[1]", "duplicate" },
		{ "need's stream unpriced", 6, "points.needs[2]", "invalid" },
		{ "gross with on-costs", 7, "short_breaks.on_cost_percent", "invalid" },
		{ "gross without on-costs", 8, NULL, NULL },
		{ "transport alone", 9, NULL, NULL },
	};

	for (size_t i = 0; i < NELEM(t); i++) {
		struct pb_alloc_scheme s;
		struct pb_problem p;
		scheme(&s);
		pb_problem_init(&p);
		switch (t[i].what) {
		case 1: s.has_points = s.has_transport = s.has_short_breaks = 0; break;
		case 2: s.streams[1].stream = PB_STREAM_EDUCATION; break;
		case 3: s.streams[0].min_pence = s.streams[0].max_pence + 1; break;
		case 4: s.streams[1].service_type = "transport"; break;
		case 5: s.needs[1].code = "communication"; break;
		case 6: s.nstreams = 1; break;
		case 7: s.net_of_on_costs = 0; break;
		case 8: s.net_of_on_costs = 0; s.on_cost_percent = 0; break;
		case 9: s.has_points = s.has_short_breaks = 0; break;
		default: break;
		}
		enum pb_err err = pb_alloc_scheme_check(&s, &p);
		ROW(err == (t[i].field ? PB_EINVAL : PB_OK), t[i].name);
		ROW(t[i].field == NULL || has_field(&p, t[i].field, t[i].code), t[i].name);
	}
	struct pb_alloc_scheme s;
	scheme(&s);
	s.has_points = s.has_transport = s.has_short_breaks = 0;
	assert_int_equal(pb_alloc_scheme_check(&s, NULL), PB_EINVAL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_money_checked_arithmetic),
		cmocka_unit_test(test_BUD_1_points_worked_examples),
		cmocka_unit_test(test_BUD_1_points_clamped_to_min_and_max),
		cmocka_unit_test(test_BUD_11_transport_worked_examples),
		cmocka_unit_test(test_BUD_11_transport_lines_spell_it_out),
		cmocka_unit_test(test_BUD_12_short_breaks_worked_examples),
		cmocka_unit_test(test_BUD_12_short_breaks_lines_spell_it_out),
		cmocka_unit_test(test_alloc_every_part_together),
		cmocka_unit_test(test_alloc_refusals),
		cmocka_unit_test(test_alloc_scheme_check),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
