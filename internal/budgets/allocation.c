/* SPDX-License-Identifier: MIT */
/*
 * allocation.c — the resource allocation calculators (allocation.h): the
 * points scheme (BUD-1), transport (BUD-11) and short breaks (BUD-12).
 * Pure: every step integer and overflow-checked, each division rounded
 * half-up to the penny on the line that shows it.
 */
#include "internal/budgets/allocation.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "internal/core/money.h"

/* The part of a calculation being worked out: its element and rule. */
struct calc {
	struct pb_alloc_element *e;
	const char *rule;
	struct pb_problem *p;
};

static void line(struct calc *c, int has_pence, int64_t pence, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

static void line(struct calc *c, int has_pence, int64_t pence, const char *fmt, ...)
{
	va_list ap;

	if (c->e->nlines >= PB_ALLOC_MAX_LINES)
		return;   /* cannot happen: a stream has at most PB_ALLOC_MAX_NEEDS needs */
	struct pb_alloc_line *l = &c->e->lines[c->e->nlines++];
	l->rule = c->rule;
	l->has_pence = has_pence;
	l->pence = pence;
	va_start(ap, fmt);
	vsnprintf(l->text, sizeof(l->text), fmt, ap);
	va_end(ap);
}

/* "£1,234.50" for a line's text. */
static const char *gbp(int64_t pence, char buf[PB_MONEY_TEXT_MAX])
{
	pb_money_format(pence, PB_MONEY_DISPLAY, buf);
	return buf;
}

/* An amount too large for the service: refused under the calculator's rule. */
static enum pb_err too_large(const struct calc *c)
{
	return pb_problem_set(c->p, PB_ERULE, c->rule, "The indicative amount would pass "
	    "the largest amount the service holds (%lld pence).", (long long)PB_MAX_PENCE);
}

/* a * b * c * d, checked. */
static enum pb_err product(int64_t a, int64_t b, int64_t c, int64_t d, int64_t *out)
{
	int64_t x, y;

	if (pb_money_mul(a, b, &x) || pb_money_mul(x, c, &y) || pb_money_mul(y, d, out))
		return PB_EINVAL;
	return PB_OK;
}

static const struct pb_alloc_need *need_of(const struct pb_alloc_scheme *s, const char *code)
{
	for (size_t i = 0; i < s->nneeds; i++)
		if (strcmp(s->needs[i].code, code) == 0)
			return &s->needs[i];
	return NULL;
}

/* ---- the scheme ------------------------------------------------------- */

static const struct pb_alloc_stream *stream_of(const struct pb_alloc_scheme *s,
    enum pb_stream st)
{
	for (size_t i = 0; i < s->nstreams; i++)
		if (s->streams[i].stream == st)
			return &s->streams[i];
	return NULL;
}

static void check_points(const struct pb_alloc_scheme *s, struct pb_problem *p)
{
	for (size_t i = 0; i < s->nstreams; i++) {
		const struct pb_alloc_stream *r = &s->streams[i];
		for (size_t j = 0; j < i; j++)
			if (s->streams[j].stream == r->stream)
				pb_problem_field(p, "points.streams", "duplicate", "Each stream has "
				    "one points rate (streams[%zu] repeats %s).", i,
				    pb_stream_str(r->stream));
		if (r->min_pence > r->max_pence)
			pb_problem_field(p, "points.streams", "invalid", "streams[%zu]: min_pence "
			    "is above max_pence.", i);
		if (strcmp(r->service_type, PB_ALLOC_TRANSPORT) == 0 ||
		    strcmp(r->service_type, PB_ALLOC_SHORT_BREAKS) == 0)
			pb_problem_field(p, "points.streams", "invalid", "streams[%zu]: %s is worked "
			    "out by its own calculator, not by points.", i, r->service_type);
	}
	for (size_t i = 0; i < s->nneeds; i++) {
		char fld[64];
		snprintf(fld, sizeof(fld), "points.needs[%zu]", i);
		if (need_of(s, s->needs[i].code) != &s->needs[i])
			pb_problem_field(p, fld, "duplicate", "Need %s is scored twice.",
			    s->needs[i].code);
		if (stream_of(s, s->needs[i].stream) == NULL)
			pb_problem_field(p, fld, "invalid", "Need %s counts towards %s, which has "
			    "no points rate in points.streams.", s->needs[i].code,
			    pb_stream_str(s->needs[i].stream));
	}
}

enum pb_err pb_alloc_scheme_check(const struct pb_alloc_scheme *s, struct pb_problem *p)
{
	struct pb_problem mine;

	if (p == NULL) {
		pb_problem_init(&mine);
		p = &mine;
	}
	if (!s->has_points && !s->has_transport && !s->has_short_breaks)
		pb_problem_field(p, "points", "required", "A scheme has points, transport or "
		    "short_breaks (at least one).");
	if (s->has_points)
		check_points(s, p);
	if (s->has_short_breaks && !s->net_of_on_costs && s->on_cost_percent != 0)
		pb_problem_field(p, "short_breaks.on_cost_percent", "invalid", "A rate gross of "
		    "on-costs includes them already: on_cost_percent is 0 (or the basis is net).");
	return p->err;
}

/* ---- points (BUD-1) --------------------------------------------------- */

/* The assessment's needs against the scheme's tables (field errors). */
static enum pb_err check_needs(const struct pb_alloc_scheme *s, const struct pb_alloc_in *in,
    struct pb_problem *p)
{
	enum pb_err err = PB_OK;
	char fld[64];

	for (size_t i = 0; i < in->nneeds; i++) {
		const struct pb_alloc_need *n = need_of(s, in->needs[i].code);
		snprintf(fld, sizeof(fld), "needs[%zu].need", i);
		if (n == NULL) {
			err = pb_problem_field(p, fld, "not_found", "The scheme does not score a "
			    "need called %s.", in->needs[i].code);
			continue;
		}
		for (size_t j = 0; j < i; j++)
			if (strcmp(in->needs[j].code, in->needs[i].code) == 0)
				err = pb_problem_field(p, fld, "duplicate", "Need %s is assessed "
				    "twice.", in->needs[i].code);
		snprintf(fld, sizeof(fld), "needs[%zu].level", i);
		if (in->needs[i].level < 0 || (size_t)in->needs[i].level >= n->nlevels)
			err = pb_problem_field(p, fld, "invalid", "Need %s has levels 0 to %zu.",
			    n->code, n->nlevels - 1);
	}
	return err;
}

/* One stream's element from the needs assessed in it, if any. */
static enum pb_err points_stream(const struct pb_alloc_scheme *s, const struct pb_alloc_in *in,
    const struct pb_alloc_stream *r, struct pb_alloc_result *out, struct pb_problem *p)
{
	struct calc c = { &out->elements[out->nelements], "BUD-1", p };
	int64_t points = 0, pence;
	char a[PB_MONEY_TEXT_MAX], b[PB_MONEY_TEXT_MAX];

	memset(c.e, 0, sizeof(*c.e));
	for (size_t i = 0; i < in->nneeds; i++) {
		const struct pb_alloc_need *n = need_of(s, in->needs[i].code);
		if (n->stream != r->stream)
			continue;
		int32_t pts = n->points[in->needs[i].level];
		points += pts;   /* at most 32 × 1000: no overflow */
		line(&c, 0, 0, "%s: level %d = %d points", n->code, (int)in->needs[i].level,
		    (int)pts);
	}
	if (c.e->nlines == 0)
		return PB_OK;   /* nothing assessed in this stream */
	if (pb_money_mul(points, r->pence_per_point, &pence) || pence > PB_MAX_PENCE)
		return too_large(&c);
	line(&c, 1, pence, "%lld points × %s a point = %s", (long long)points,
	    gbp(r->pence_per_point, a), gbp(pence, b));
	if (pence < r->min_pence) {
		pence = r->min_pence;
		line(&c, 1, pence, "raised to the stream's minimum: %s", gbp(pence, a));
	} else if (pence > r->max_pence) {
		pence = r->max_pence;
		line(&c, 1, pence, "capped at the stream's maximum: %s", gbp(pence, a));
	}
	c.e->stream = r->stream;
	c.e->service_type = r->service_type;
	c.e->pence = pence;
	out->nelements++;
	return PB_OK;
}

/* ---- transport (BUD-11) ----------------------------------------------- */

static enum pb_err transport(const struct pb_alloc_scheme *s, const struct pb_alloc_in *in,
    struct pb_alloc_result *out, struct pb_problem *p)
{
	struct calc c = { &out->elements[out->nelements], "BUD-11", p };
	int64_t prod, year, pence;
	char a[PB_MONEY_TEXT_MAX], b[PB_MONEY_TEXT_MAX];

	memset(c.e, 0, sizeof(*c.e));
	/* tenths × 4 × rate × days / 10: one rounding, to the penny */
	if (product(in->route_tenth_miles, 4, s->pence_per_mile, s->school_days, &prod) ||
	    pb_money_div_half_up(prod, 10, &year) || year > PB_MAX_PENCE)
		return too_large(&c);
	line(&c, 1, year, "%lld.%lld miles × 4 journeys × %s a mile × %d school days = %s",
	    (long long)(in->route_tenth_miles / 10), (long long)(in->route_tenth_miles % 10),
	    gbp(s->pence_per_mile, a), (int)s->school_days, gbp(year, b));
	pence = year;
	if (in->has_days && in->days_attended != s->school_days) {
		/* pro rata: year × days attended / school days, half-up */
		if (pb_money_mul(year, in->days_attended, &prod) ||
		    pb_money_div_half_up(prod, s->school_days, &pence))
			return too_large(&c);
		line(&c, 1, pence, "pro rata %d of %d school days: %s × %d / %d = %s "
		    "(rounded half-up to the penny)", (int)in->days_attended, (int)s->school_days,
		    gbp(year, a), (int)in->days_attended, (int)s->school_days, gbp(pence, b));
	}
	c.e->stream = PB_STREAM_EDUCATION;
	c.e->service_type = PB_ALLOC_TRANSPORT;
	c.e->pence = pence;
	out->nelements++;
	return PB_OK;
}

/* ---- short breaks (BUD-12) -------------------------------------------- */

static enum pb_err short_breaks(const struct pb_alloc_scheme *s, const struct pb_alloc_in *in,
    struct pb_alloc_result *out, struct pb_problem *p)
{
	struct calc c = { &out->elements[out->nelements], "BUD-12", p };
	int64_t weekday = 0, weekend = 0, rate = s->pence_per_hour, sum, on_costs = 0, total, x;
	char a[PB_MONEY_TEXT_MAX], b[PB_MONEY_TEXT_MAX], d[PB_MONEY_TEXT_MAX];

	memset(c.e, 0, sizeof(*c.e));
	if (in->weekday_hours > 0) {
		if (product(in->weekday_hours, in->weeks, s->pence_per_hour, 1, &weekday))
			return too_large(&c);
		line(&c, 1, weekday, "%d weekday hours a week × %d weeks × %s an hour = %s",
		    (int)in->weekday_hours, (int)in->weeks, gbp(s->pence_per_hour, a),
		    gbp(weekday, b));
	}
	if (in->weekend_hours > 0) {
		if (pb_money_mul(s->pence_per_hour, 100 + s->weekend_uplift_percent, &x) ||
		    pb_money_div_half_up(x, 100, &rate))
			return too_large(&c);
		line(&c, 1, rate, "weekend rate: %s × (100 + %d)%% = %s an hour (rounded half-up "
		    "to the penny)", gbp(s->pence_per_hour, a), (int)s->weekend_uplift_percent,
		    gbp(rate, b));
		if (product(in->weekend_hours, in->weeks, rate, 1, &weekend))
			return too_large(&c);
		line(&c, 1, weekend, "%d weekend hours a week × %d weeks × %s an hour = %s",
		    (int)in->weekend_hours, (int)in->weeks, gbp(rate, a), gbp(weekend, b));
	}
	if (pb_money_add(weekday, weekend, &sum))
		return too_large(&c);
	if (s->net_of_on_costs) {
		if (pb_money_mul(sum, s->on_cost_percent, &x) ||
		    pb_money_div_half_up(x, 100, &on_costs))
			return too_large(&c);
		line(&c, 1, on_costs, "the rate is net of on-costs: %d%% of %s = %s (rounded "
		    "half-up to the penny)", (int)s->on_cost_percent, gbp(sum, a),
		    gbp(on_costs, b));
	} else {
		line(&c, 0, 0, "the rate is gross of on-costs: nothing is added");
	}
	if (pb_money_add(sum, on_costs, &total) || total > PB_MAX_PENCE)
		return too_large(&c);
	line(&c, 1, total, "short breaks: %s + %s = %s", gbp(sum, a), gbp(on_costs, b),
	    gbp(total, d));
	c.e->stream = PB_STREAM_SOCIAL_CARE;
	c.e->service_type = PB_ALLOC_SHORT_BREAKS;
	c.e->pence = total;
	out->nelements++;
	return PB_OK;
}

/* ---- the whole -------------------------------------------------------- */

/* What was asked, against what the scheme can work out. */
static enum pb_err check_in(const struct pb_alloc_scheme *s, const struct pb_alloc_in *in,
    struct pb_problem *p)
{
	if (in->nneeds == 0 && !in->has_transport && !in->has_short_breaks)
		return pb_problem_field(p, "needs", "required", "Give needs, transport or "
		    "short_breaks (at least one) to work out.");
	if (in->nneeds > 0 && !s->has_points)
		return pb_problem_set(p, PB_ERULE, "BUD-1", "This scheme version has no points "
		    "scheme: assessed needs cannot be priced under it.");
	if (in->has_transport && !s->has_transport)
		return pb_problem_set(p, PB_ERULE, "BUD-11", "This scheme version has no "
		    "transport rate.");
	if (in->has_short_breaks && !s->has_short_breaks)
		return pb_problem_set(p, PB_ERULE, "BUD-12", "This scheme version has no "
		    "short-break rate.");
	enum pb_err err = check_needs(s, in, p);
	if (in->has_transport && in->has_days && (in->days_attended < 1 ||
	    in->days_attended > s->school_days))
		err = pb_problem_field(p, "transport.days_attended", "invalid", "days_attended "
		    "is 1 to the scheme's %d school days.", (int)s->school_days);
	if (in->has_short_breaks && in->weekday_hours + in->weekend_hours < 1)
		err = pb_problem_field(p, "short_breaks.weekday_hours", "invalid", "Short breaks "
		    "need at least one hour a week (weekday or weekend).");
	return err;
}

enum pb_err pb_alloc_compute(const struct pb_alloc_scheme *s, const struct pb_alloc_in *in,
    struct pb_alloc_result *out, struct pb_problem *p)
{
	memset(out, 0, sizeof(*out));
	enum pb_err err = check_in(s, in, p);

	for (size_t i = 0; i < s->nstreams && err == PB_OK && in->nneeds > 0; i++)
		err = points_stream(s, in, &s->streams[i], out, p);
	if (err == PB_OK && in->has_transport)
		err = transport(s, in, out, p);
	if (err == PB_OK && in->has_short_breaks)
		err = short_breaks(s, in, out, p);
	/* at most PB_ALLOC_MAX_ELEMENTS amounts of at most PB_MAX_PENCE: no overflow */
	for (size_t i = 0; i < out->nelements && err == PB_OK; i++)
		out->total_pence += out->elements[i].pence;
	return err;
}
