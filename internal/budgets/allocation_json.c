/* SPDX-License-Identifier: MIT */
/*
 * allocation_json.c — allocation schemes and indicative-budget inputs from
 * JSON, lines to JSON (allocation_json.h).
 */
#include "internal/budgets/allocation_json.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "internal/core/text.h"
#include "internal/json/json.h"
#include "internal/json/output.h"

/* A lower_snake code member (need codes, service types). */
static void get_code(const cJSON *o, const char *prefix, const char *name, const char **out,
    struct pb_problem *p)
{
	char fld[96];

	if (pb_json_get_string(o, prefix, name, 1, 1, PB_ALLOC_CODE_MAX, out, p) == PB_OK &&
	    !pb_text_snake(*out, PB_ALLOC_CODE_MAX)) {
		snprintf(fld, sizeof(fld), "%s%s", prefix, name);
		pb_problem_field(p, fld, "invalid", "%s is lower-case letters, digits and _.", name);
	}
}

static int32_t get_i32(const cJSON *o, const char *prefix, const char *name, int required,
    int64_t min, int64_t max, int64_t dflt, int *present, struct pb_problem *p)
{
	int64_t v = dflt;

	pb_json_get_int(o, prefix, name, required, min, max, &v, present, p);
	return (int32_t)v;
}

/* An array member of 1..max objects; NULL (and a field error) otherwise. */
static const cJSON *get_array(const cJSON *o, const char *prefix, const char *name,
    int max, struct pb_problem *p)
{
	const cJSON *a = cJSON_GetObjectItemCaseSensitive(o, name);
	char fld[96];

	snprintf(fld, sizeof(fld), "%s%s", prefix, name);
	if (a == NULL) {
		pb_problem_field(p, fld, "required", "%s is required.", name);
		return NULL;
	}
	if (!cJSON_IsArray(a) || cJSON_GetArraySize(a) < 1 || cJSON_GetArraySize(a) > max) {
		pb_problem_field(p, fld, "invalid", "%s is an array of 1 to %d items.", name, max);
		return NULL;
	}
	return a;
}

/* An object member (NULL when absent; a field error when not an object). */
static const cJSON *get_object(const cJSON *o, const char *prefix, const char *name,
    struct pb_problem *p)
{
	const cJSON *x = cJSON_GetObjectItemCaseSensitive(o, name);
	char fld[96];

	if (x != NULL && !cJSON_IsObject(x)) {
		snprintf(fld, sizeof(fld), "%s%s", prefix, name);
		pb_problem_field(p, fld, "invalid_type", "%s is an object.", name);
		return NULL;
	}
	return x;
}

/* An item of an array must be an object: field error otherwise (prefix is
 * the item's "name[i]."; the field is named without the dot). */
static int item_object(const cJSON *it, const char *prefix, struct pb_problem *p)
{
	char fld[96];
	size_t n = strlen(prefix);

	if (cJSON_IsObject(it))
		return 1;
	snprintf(fld, sizeof(fld), "%.*s", (int)(n > 0 ? n - 1 : 0), prefix);
	pb_problem_field(p, fld, "invalid_type", "Each item is an object.");
	return 0;
}

static void read_need(const cJSON *o, const char *prefix, struct pb_alloc_need *n,
    struct pb_problem *p)
{
	static const char *const allowed[] = { "need", "stream", "points", NULL };
	char fld[96];
	int idx = 0;

	pb_json_check_members(o, prefix, allowed, NULL, p);
	get_code(o, prefix, "need", &n->code, p);
	if (pb_json_get_name(o, prefix, "stream", 1, pb_stream_names, PB_STREAM_NAMES, &idx,
	    p) == PB_OK)
		n->stream = (enum pb_stream)idx;
	const cJSON *pts = get_array(o, prefix, "points", PB_ALLOC_MAX_LEVELS, p), *v;
	if (pts == NULL)
		return;
	cJSON_ArrayForEach(v, pts) {
		int64_t x = 0;
		snprintf(fld, sizeof(fld), "%spoints[%zu]", prefix, n->nlevels);
		if (!cJSON_IsNumber(v) || v->valuedouble < 0 || v->valuedouble > PB_ALLOC_MAX_POINTS)
			pb_problem_field(p, fld, "invalid", "Each level scores 0 to %d points.",
			    PB_ALLOC_MAX_POINTS);
		else
			x = (int64_t)v->valuedouble;   /* an exact integer (json.h) */
		n->points[n->nlevels++] = (int32_t)x;
	}
}

static void read_stream(const cJSON *o, const char *prefix, struct pb_alloc_stream *r,
    struct pb_problem *p)
{
	static const char *const allowed[] = { "stream", "service_type", "pence_per_point",
	    "min_pence", "max_pence", NULL };
	int idx = 0, present = 0;

	pb_json_check_members(o, prefix, allowed, NULL, p);
	if (pb_json_get_name(o, prefix, "stream", 1, pb_stream_names, PB_STREAM_NAMES, &idx,
	    p) == PB_OK)
		r->stream = (enum pb_stream)idx;
	get_code(o, prefix, "service_type", &r->service_type, p);
	pb_json_get_pence(o, prefix, "pence_per_point", 1, 1, &r->pence_per_point, &present, p);
	r->min_pence = 0;
	r->max_pence = PB_MAX_PENCE;
	pb_json_get_pence(o, prefix, "min_pence", 0, 0, &r->min_pence, &present, p);
	pb_json_get_pence(o, prefix, "max_pence", 0, 0, &r->max_pence, &present, p);
}

static void read_points(const cJSON *o, struct pb_alloc_scheme *s, struct pb_problem *p)
{
	static const char *const allowed[] = { "streams", "needs", NULL };
	const cJSON *it;
	char prefix[64];

	s->has_points = 1;
	pb_json_check_members(o, "points.", allowed, NULL, p);
	const cJSON *streams = get_array(o, "points.", "streams", PB_ALLOC_MAX_STREAMS, p);
	const cJSON *needs = get_array(o, "points.", "needs", PB_ALLOC_MAX_NEEDS, p);
	cJSON_ArrayForEach(it, streams) {
		snprintf(prefix, sizeof(prefix), "points.streams[%zu].", s->nstreams);
		if (item_object(it, prefix, p))
			read_stream(it, prefix, &s->streams[s->nstreams], p);
		s->nstreams++;
	}
	cJSON_ArrayForEach(it, needs) {
		snprintf(prefix, sizeof(prefix), "points.needs[%zu].", s->nneeds);
		if (item_object(it, prefix, p))
			read_need(it, prefix, &s->needs[s->nneeds], p);
		s->nneeds++;
	}
}

static void read_transport(const cJSON *o, struct pb_alloc_scheme *s, struct pb_problem *p)
{
	static const char *const allowed[] = { "pence_per_mile", "school_days", NULL };
	int present = 0;

	s->has_transport = 1;
	pb_json_check_members(o, "transport.", allowed, NULL, p);
	s->pence_per_mile = get_i32(o, "transport.", "pence_per_mile", 1, 1,
	    PB_ALLOC_MILE_RATE_MAX, 0, &present, p);
	s->school_days = get_i32(o, "transport.", "school_days", 0, 1, PB_ALLOC_MAX_SCHOOL_DAYS,
	    PB_ALLOC_SCHOOL_DAYS, &present, p);
}

static void read_short_breaks(const cJSON *o, struct pb_alloc_scheme *s, struct pb_problem *p)
{
	static const char *const allowed[] = { "pence_per_hour", "weekend_uplift_percent",
	    "rate_basis", "on_cost_percent", NULL };
	static const char *const bases[] = { "net", "gross", NULL };
	int present = 0, basis = -1;

	s->has_short_breaks = 1;
	pb_json_check_members(o, "short_breaks.", allowed, NULL, p);
	s->pence_per_hour = get_i32(o, "short_breaks.", "pence_per_hour", 1, 1,
	    PB_ALLOC_HOUR_RATE_MAX, 0, &present, p);
	s->weekend_uplift_percent = get_i32(o, "short_breaks.", "weekend_uplift_percent", 0, 0,
	    PB_ALLOC_MAX_UPLIFT, 0, &present, p);
	pb_json_get_enum(o, "short_breaks.", "rate_basis", 1, bases, &basis, p);
	s->net_of_on_costs = basis == 0;
	s->on_cost_percent = get_i32(o, "short_breaks.", "on_cost_percent", 0, 0,
	    PB_ALLOC_MAX_ON_COST, 0, &present, p);
}

enum pb_err pb_alloc_scheme_read(const cJSON *obj, struct pb_alloc_scheme *s,
    const char **name, struct pb_problem *p)
{
	static const char *const allowed[] = { "name", "points", "transport", "short_breaks",
	    NULL };
	static const char *const owned[] = { "id", "version", "la", "used", "created_by",
	    "created_at", NULL };
	const cJSON *o;

	memset(s, 0, sizeof(*s));
	pb_json_check_members(obj, "", allowed, owned, p);
	pb_json_get_string(obj, "", "name", 1, 1, PB_ALLOC_NAME_MAX, name, p);
	if ((o = get_object(obj, "", "points", p)) != NULL)
		read_points(o, s, p);
	if ((o = get_object(obj, "", "transport", p)) != NULL)
		read_transport(o, s, p);
	if ((o = get_object(obj, "", "short_breaks", p)) != NULL)
		read_short_breaks(o, s, p);
	if (p->err)
		return p->err;   /* cross-checks only on values that parsed */
	return pb_alloc_scheme_check(s, p);
}

enum pb_err pb_alloc_in_read(const cJSON *body, struct pb_alloc_in *in, struct pb_problem *p)
{
	static const char *const need_allowed[] = { "need", "level", NULL };
	static const char *const tr_allowed[] = { "route_tenth_miles", "days_attended", NULL };
	static const char *const sb_allowed[] = { "weekday_hours", "weekend_hours", "weeks",
	    NULL };
	const cJSON *o, *it;
	char prefix[48];
	int present = 0;

	memset(in, 0, sizeof(*in));
	if (cJSON_GetObjectItemCaseSensitive(body, "needs") != NULL) {
		const cJSON *needs = get_array(body, "", "needs", PB_ALLOC_MAX_NEEDS, p);
		cJSON_ArrayForEach(it, needs) {
			struct pb_alloc_need_in *n = &in->needs[in->nneeds];
			snprintf(prefix, sizeof(prefix), "needs[%zu].", in->nneeds++);
			if (!item_object(it, prefix, p))
				continue;
			pb_json_check_members(it, prefix, need_allowed, NULL, p);
			get_code(it, prefix, "need", &n->code, p);
			n->level = get_i32(it, prefix, "level", 1, 0, PB_ALLOC_MAX_LEVELS - 1, 0,
			    &present, p);
		}
	}
	if ((o = get_object(body, "", "transport", p)) != NULL) {
		in->has_transport = 1;
		pb_json_check_members(o, "transport.", tr_allowed, NULL, p);
		pb_json_get_int(o, "transport.", "route_tenth_miles", 1, 1,
		    PB_ALLOC_MAX_TENTH_MILES, &in->route_tenth_miles, &present, p);
		in->days_attended = get_i32(o, "transport.", "days_attended", 0, 1,
		    PB_ALLOC_MAX_SCHOOL_DAYS, 0, &in->has_days, p);
	}
	if ((o = get_object(body, "", "short_breaks", p)) != NULL) {
		in->has_short_breaks = 1;
		pb_json_check_members(o, "short_breaks.", sb_allowed, NULL, p);
		in->weekday_hours = get_i32(o, "short_breaks.", "weekday_hours", 0, 0,
		    PB_ALLOC_MAX_WEEK_HOURS, 0, &present, p);
		in->weekend_hours = get_i32(o, "short_breaks.", "weekend_hours", 0, 0,
		    PB_ALLOC_MAX_WEEK_HOURS, 0, &present, p);
		in->weeks = get_i32(o, "short_breaks.", "weeks", 1, 1, PB_ALLOC_MAX_WEEKS, 0,
		    &present, p);
		if (in->weekday_hours + in->weekend_hours > PB_ALLOC_MAX_WEEK_HOURS)
			pb_problem_field(p, "short_breaks.weekend_hours", "invalid", "A week has "
			    "%d hours.", PB_ALLOC_MAX_WEEK_HOURS);
	}
	return p->err;
}

char *pb_alloc_lines_json(const struct pb_alloc_element *e)
{
	cJSON *a = cJSON_CreateArray();

	if (a == NULL)
		abort();
	for (size_t i = 0; i < e->nlines; i++) {
		const struct pb_alloc_line *l = &e->lines[i];
		cJSON *o = cJSON_CreateObject();
		if (o == NULL)
			abort();
		cJSON_AddStringToObject(o, "rule", l->rule);
		cJSON_AddStringToObject(o, "text", l->text);
		if (l->has_pence)
			pb_json_add_int(o, "amount_pence", l->pence);
		else
			cJSON_AddNullToObject(o, "amount_pence");
		cJSON_AddItemToArray(a, o);
	}
	return pb_json_print(a);
}
