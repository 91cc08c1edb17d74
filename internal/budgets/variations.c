/* SPDX-License-Identifier: MIT */
/*
 * variations.c — varying an approved budget (variations.h): begin → lock
 * the budget → lock the variation (If-Match) → rules → store → audit +
 * event → commit.
 */
#include "internal/budgets/variations.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cJSON.h>

#include "internal/audit/service.h"
#include "internal/budgets/service_private.h"
#include "internal/budgets/store.h"
#include "internal/core/date.h"
#include "internal/core/duty.h"
#include "internal/db/db.h"
#include "internal/json/output.h"

#define DUE_MAX 100   /* variations one apply-due call takes on */

/* A variation's lines as the rules see them, with the element figures now. */
struct line_facts {
	size_t n;
	struct pb_variation_line line[PB_BUDGET_MAX_ELEMENTS];
	char field[PB_BUDGET_MAX_ELEMENTS][48];
};

/* The audit row and event of a variation change: {"before", "after"}. */
static enum pb_err audit_variation(struct pb_db *db, const struct pb_actor *actor,
    const char *action, const char *id, const char *before, char **json, int *version)
{
	enum pb_err err = pb_budget_store_variation_json(db, actor->la, id, json, version);

	if (err == PB_OK) {
		char *changes = pb_audit_before_after(before, *json);
		err = pb_audit_record(db, actor, action, "budget_variation", id, changes, action,
		    *json);
		free(changes);
	}
	return err;
}

static const struct pb_budget_element_money *money_of(const struct pb_budget_element_money *m,
    size_t n, const char *element_id)
{
	for (size_t i = 0; i < n; i++)
		if (strcmp(m[i].id, element_id) == 0)
			return &m[i];
	return NULL;
}

/* Facts for lines[0..n) against the budget's elements now: a line naming
 * no element of the budget is a field error on fields[i]'s id. */
static enum pb_err line_facts_load(struct pb_db *db, const char *la, const char *budget_id,
    const struct pb_variation_lines *lines, const char *const *id_fields,
    const char *const *pence_fields, struct line_facts *out, struct pb_problem *p)
{
	struct pb_budget_element_money m[PB_BUDGET_MAX_ELEMENTS];
	size_t nm = 0;
	enum pb_err err = pb_budget_store_element_money(db, la, budget_id, m,
	    PB_BUDGET_MAX_ELEMENTS, &nm);

	memset(out, 0, sizeof(*out));
	for (size_t i = 0; err == PB_OK && i < lines->n; i++) {
		struct pb_variation_line *l = &out->line[out->n];
		l->kind = lines->kind[i];
		l->new_allocated_pence = lines->new_pence[i];
		snprintf(out->field[out->n], sizeof(out->field[0]), "%s", pence_fields[i]);
		l->field = out->field[out->n];
		out->n++;
		if (l->kind == PB_VARIATION_ADD)
			continue;
		const struct pb_budget_element_money *e = money_of(m, nm, lines->element_id[i]);
		if (e == NULL) {
			pb_problem_field(p, id_fields[i], "not_found",
			    "Not an element of this budget.");
			continue;
		}
		l->arrangement = e->arrangement;
		l->stopped = e->stopped;
		l->allocated_pence = e->allocated_pence;
		l->committed_pence = e->committed_pence;
		l->spent_pence = e->spent_pence;
	}
	return err ? err : p->err;
}

/* Rename "elements[i]…" fields (the budget rules' names) as "prefix[i]…". */
static void rename_fields(struct pb_problem *p, const char *prefix)
{
	for (int i = 0; i < p->nerrors; i++) {
		char *f = p->errors[i].field, tmp[sizeof(p->errors[0].field)];
		if (strncmp(f, "elements[", 9) != 0)
			continue;
		snprintf(tmp, sizeof(tmp), "%s%s", prefix, f + 8);
		memcpy(f, tmp, sizeof(tmp));
	}
}

/* The rules of added elements[0..n) in budget b, with today's facts; an
 * added element joins the budget's own, so the budget keeps at most
 * PB_BUDGET_MAX_ELEMENTS and one arrangement per stream and service. */
static enum pb_err check_added(struct pb_db *db, const char *la, const struct pb_budget_row *b,
    const struct pb_budget_element_in *add, size_t n, int agreements, struct pb_problem *p)
{
	struct pb_budget_element_row rows[PB_BUDGET_MAX_ELEMENTS];
	size_t nrows = 0;
	char fld[48];

	if (n == 0)
		return PB_OK;
	enum pb_err err = pb_budget_store_elements(db, la, b->id, rows, PB_BUDGET_MAX_ELEMENTS,
	    &nrows);
	if (err)
		return err;
	if (nrows + n > PB_BUDGET_MAX_ELEMENTS)
		return pb_problem_field(p, "add_elements", "too_many", "A budget has at most %d "
		    "elements; this one has %zu.", PB_BUDGET_MAX_ELEMENTS, nrows);
	for (size_t i = 0; i < n; i++)
		for (size_t j = 0; j < nrows; j++)
			if (rows[j].stream == add[i].stream && rows[j].arrangement == add[i].arrangement &&
			    strcmp(rows[j].service_type, add[i].service_type) == 0) {
				snprintf(fld, sizeof(fld), "add_elements[%zu]", i);
				pb_problem_field(p, fld, "duplicate", "The budget has this stream, "
				    "service type and arrangement already: vary that element.");
			}
	if (p->err)
		return p->err;
	err = pb_budget_check_for(db, la, b, add, n, agreements, p);
	rename_fields(p, "add_elements");
	for (size_t i = 0; err == PB_OK && i < n; i++)
		if (add[i].arrangement == PB_ARR_DIRECT_PAYMENT && !add[i].agreement.present)
			err = pb_problem_set(p, PB_ERULE, "BUD-3", "add_elements[%zu]: a direct "
			    "payment added to an approved budget needs its agreement (Section J: "
			    "the provision and the outcomes).", i);
	return err;
}

/* The budget must be live: approved or suspended. */
static enum pb_err budget_live(const struct pb_budget_row *b, struct pb_problem *p)
{
	if (b->status == PB_BUDGET_STATUS_APPROVED || b->status == PB_BUDGET_STATUS_SUSPENDED)
		return PB_OK;
	return pb_problem_set(p, PB_ETRANSITION, NULL, "Only an approved or suspended budget is "
	    "varied (a draft is changed with PATCH); this one is %s.",
	    pb_budget_status_str(b->status));
}

/* The request's lines in stored form, with the fields that name them. */
struct request_lines {
	struct pb_variation_lines lines;
	char id_field[PB_BUDGET_MAX_ELEMENTS][48], pence_field[PB_BUDGET_MAX_ELEMENTS][48];
	const char *id_fields[PB_BUDGET_MAX_ELEMENTS], *pence_fields[PB_BUDGET_MAX_ELEMENTS];
};

static void request_line(struct request_lines *r, enum pb_variation_kind kind, const char *id,
    int64_t pence, const char *name, size_t i)
{
	size_t k = r->lines.n++;

	r->lines.kind[k] = kind;
	snprintf(r->lines.element_id[k], sizeof(r->lines.element_id[k]), "%s", id ? id : "");
	r->lines.new_pence[k] = pence;
	if (kind == PB_VARIATION_CHANGE) {
		snprintf(r->id_field[k], sizeof(r->id_field[k]), "%s[%zu].element_id", name, i);
		snprintf(r->pence_field[k], sizeof(r->pence_field[k]), "%s[%zu].allocated_pence",
		    name, i);
	} else {
		snprintf(r->id_field[k], sizeof(r->id_field[k]), "%s[%zu]", name, i);
		snprintf(r->pence_field[k], sizeof(r->pence_field[k]), "%s[%zu]", name, i);
	}
	r->id_fields[k] = r->id_field[k];
	r->pence_fields[k] = r->pence_field[k];
}

static void request_lines_of(const struct pb_variation_in *in, struct request_lines *r)
{
	memset(r, 0, sizeof(*r));
	for (size_t i = 0; i < in->nchanges; i++)
		request_line(r, PB_VARIATION_CHANGE, in->change_ids[i], in->change_pence[i],
		    "changes", i);
	for (size_t i = 0; i < in->nends; i++)
		request_line(r, PB_VARIATION_END, in->end_ids[i], 0, "end_elements", i);
	for (size_t i = 0; i < in->add.nelements; i++)
		request_line(r, PB_VARIATION_ADD, NULL, in->add.elements[i].allocated_pence,
		    "add_elements", i);
}

/* Each element named at most once across changes and end_elements. */
static enum pb_err check_distinct(const struct request_lines *r, struct pb_problem *p)
{
	for (size_t i = 0; i < r->lines.n; i++)
		for (size_t j = 0; j < i; j++)
			if (r->lines.kind[i] != PB_VARIATION_ADD &&
			    strcmp(r->lines.element_id[i], r->lines.element_id[j]) == 0) {
				pb_problem_field(p, r->id_fields[i], "duplicate",
				    "Each element is varied once in a variation.");
				break;
			}
	return p->err;
}

enum pb_err pb_variation_request(struct pb_db *db, const struct pb_actor *actor,
    const char *budget_id, const struct pb_variation_in *in, int32_t today,
    struct pb_problem *p, char id[37], char **json, int *version)
{
	struct pb_budget_row b;
	struct request_lines *r = calloc(1, sizeof(*r));
	struct line_facts *f = calloc(1, sizeof(*f));
	int needs_notice = 0, reduces = 0;
	size_t added = 0;

	(void)today;
	*json = NULL;
	if (r == NULL || f == NULL)
		abort();
	request_lines_of(in, r);
	enum pb_err err = pb_db_begin(db);
	if (err == PB_OK)
		err = pb_budget_store_lock(db, actor->la, budget_id, &b);
	if (err == PB_OK)
		err = budget_live(&b, p);
	if (err == PB_OK && (in->effective_from < b.period_start || in->effective_from > b.period_end))
		err = pb_problem_field(p, "effective_from", "outside_period", "effective_from is a "
		    "day of the budget's period.");
	if (err == PB_OK)
		err = check_distinct(r, p);
	if (err == PB_OK)
		err = line_facts_load(db, actor->la, budget_id, &r->lines, r->id_fields,
		    r->pence_fields, f, p);
	if (err == PB_OK)
		err = pb_variation_check_lines(f->line, f->n, &needs_notice, &reduces, p);
	if (err == PB_OK)
		err = check_added(db, actor->la, &b, in->add.elements, in->add.nelements, 1, p);
	if (err == PB_OK)
		err = pb_budget_store_variation_insert(db, actor, budget_id, in->reason,
		    in->effective_from, needs_notice, NULL, NULL, id);
	if (err == PB_ECONFLICT)
		pb_problem_set(p, PB_ECONFLICT, NULL, "Another variation of this budget is in "
		    "progress (pending, in notice or being reconsidered); it is decided first.");
	for (size_t i = 0; err == PB_OK && i < r->lines.n; i++) {
		const struct pb_variation_line *l = &f->line[i];
		const struct pb_budget_element_in *e = l->kind == PB_VARIATION_ADD ?
		    &in->add.elements[added++] : NULL;
		err = pb_budget_store_variation_line(db, actor->la, id, (int)i, l->kind,
		    r->lines.element_id[i], l->allocated_pence, l->new_allocated_pence, e);
	}
	if (err == PB_OK)
		err = audit_variation(db, actor, "budget.variation_requested", id, NULL, json, version);
	free(r);
	free(f);
	return pb_db_finish_json(db, err, json);
}

/* Lock the budget, then its variation id; If-Match on the variation. */
static enum pb_err lock_variation(struct pb_db *db, const char *la, const char *budget_id,
    const char *id, int if_match, struct pb_budget_row *b, struct pb_variation_row *v,
    char **before)
{
	int ver;
	enum pb_err err = pb_budget_store_lock(db, la, budget_id, b);

	if (err == PB_OK)
		err = pb_budget_store_variation_lock(db, la, budget_id, id, v);
	if (err == PB_OK && if_match >= 0 && if_match != v->version)
		err = PB_EPRECONDITION;
	if (err == PB_OK)
		err = pb_budget_store_variation_json(db, la, id, before, &ver);
	return err;
}

/* The stored lines' rules with the facts now (BUD-9; added elements);
 * *reduces (may be NULL) 1 when an element is reduced or ended. */
static enum pb_err recheck(struct pb_db *db, const char *la, const struct pb_budget_row *b,
    const struct pb_variation_row *v, int *reduces, struct pb_problem *p)
{
	struct pb_variation_lines *lines = calloc(1, sizeof(*lines));
	struct line_facts *f = calloc(1, sizeof(*f));
	struct pb_budget_element_in add[PB_BUDGET_MAX_ELEMENTS];
	char fields[PB_BUDGET_MAX_ELEMENTS][32];
	const char *names[PB_BUDGET_MAX_ELEMENTS];
	int needs_notice = 0, reduced = 0;

	if (lines == NULL || f == NULL)
		abort();
	enum pb_err err = budget_live(b, p);
	if (err == PB_OK)
		err = pb_budget_store_variation_lines(db, la, v->id, lines);
	for (size_t i = 0; i < lines->n; i++) {
		snprintf(fields[i], sizeof(fields[i]), "lines[%zu]", i);
		names[i] = fields[i];
	}
	if (err == PB_OK)
		err = line_facts_load(db, la, b->id, lines, names, names, f, p);
	if (err == PB_OK)
		err = pb_variation_check_lines(f->line, f->n, &needs_notice, &reduced, p);
	if (reduces)
		*reduces = reduced;
	if (err == PB_OK) {
		pb_budget_rows_to_inputs(lines->added, lines->nadded, add);
		for (size_t i = 0; i < lines->nadded; i++)
			add[i].agreement.present = lines->added[i].has_agreement;
		err = check_added(db, la, b, add, lines->nadded, 0, p);
	}
	free(lines);
	free(f);
	return err;
}

/* Apply a variation whose day has come: end its ended elements (payments
 * due from its day cancelled, schedules ended the day before, allocation
 * down to committed + spent), set the new allocations, add the new
 * elements, write the budget's next version and audit the budget. */
static enum pb_err apply(struct pb_db *db, const struct pb_actor *actor,
    const struct pb_variation_row *v, int32_t day, struct pb_problem *p)
{
	struct pb_variation_lines *lines = calloc(1, sizeof(*lines));
	char *before = NULL, *json = NULL, reason[160];
	const char *rule = v->stop_rule[0] ? v->stop_rule : "BUD-8";
	int ver, vno = 0;

	if (lines == NULL)
		abort();
	snprintf(reason, sizeof(reason), "%s by budget variation %s", v->stop_rule[0] ?
	    "Direct payment stopped" : "Ended", v->id);
	enum pb_err err = pb_budget_store_json(db, actor->la, v->budget_id, &before, &ver);
	if (err == PB_OK)
		err = pb_budget_store_variation_lines(db, actor->la, v->id, lines);
	if (err == PB_OK)   /* a budget loaded already approved (a seed) has no version 1 */
		err = pb_budget_store_version_first(db, actor, v->budget_id);
	for (size_t i = 0; err == PB_OK && i < lines->n; i++)
		if (lines->kind[i] == PB_VARIATION_END) {
			/* a stop is announced as the automatic PAY-16 stops are */
			struct pb_budget_stop s = { v->budget_id, lines->element_id[i], rule,
			    reason, day - 1, day - 1, 1, v->stop_rule[0] != 0 };
			err = pb_budget_stop_element_tx(db, actor, &s);
		}
	if (err == PB_OK)
		err = pb_budget_store_variation_apply(db, actor->la, v->budget_id, v->id);
	if (err == PB_EDB && strcmp(pb_db_sqlstate(db), "23514") == 0)
		err = pb_problem_set(p, PB_ERULE, "BUD-9", "the new allocation no longer covers "
		    "what the element has committed and spent");
	if (err == PB_OK)
		err = pb_budget_store_version_add(db, actor, v->budget_id, v->id, day, &vno);
	if (err == PB_OK)
		err = pb_budget_store_touch(db, actor->la, v->budget_id);
	if (err == PB_OK) {
		struct pb_variation_step s = { v->status, PB_VARIATION_APPLIED, NULL, NULL,
		    PB_DATE_NONE, PB_DATE_NONE, vno };
		err = pb_budget_store_variation_step(db, actor->la, v->id, &s);
	}
	if (err == PB_OK)
		err = pb_budget_record(db, actor, v->budget_id, "budget.varied", before, NULL, &json,
		    &ver);
	free(before);
	free(json);
	free(lines);
	return err;
}

/* After a move to notice (*json the variation then): when its day has
 * come, apply it now and audit that too (*json replaced). */
static enum pb_err apply_if_due(struct pb_db *db, const struct pb_actor *actor,
    struct pb_variation_row *v, int32_t takes_effect_on, int32_t today,
    struct pb_problem *p, char **json, int *version)
{
	if (takes_effect_on > today)
		return PB_OK;
	v->status = PB_VARIATION_NOTICE;   /* the row's status after the step */
	enum pb_err err = apply(db, actor, v, takes_effect_on, p);
	char *before = *json;
	*json = NULL;
	if (err == PB_OK)
		err = audit_variation(db, actor, "budget.variation_applied", v->id, before, json,
		    version);
	free(before);
	return err;
}

/* Record the decision on pending variation v: rejected, or approved — the
 * notice (BUD-8, PAY-17) given today, *effect the day it takes effect. */
static enum pb_err decision(struct pb_db *db, const struct pb_actor *actor,
    const struct pb_variation_row *v, enum pb_variation_status to, const char *reason,
    int reduces, int32_t today, int32_t *effect)
{
	int days = 0;
	enum pb_err err = PB_OK;

	*effect = PB_DATE_NONE;
	if (to == PB_VARIATION_NOTICE)
		err = pb_budget_store_notice_days(db, actor->la, &days);
	if (err == PB_OK && to == PB_VARIATION_NOTICE)
		*effect = pb_variation_takes_effect_on(v->effective_from, today, v->needs_notice,
		    reduces, days);
	struct pb_variation_step s = { PB_VARIATION_PENDING, to, actor->sub, reason,
	    to == PB_VARIATION_NOTICE ? today : PB_DATE_NONE, *effect, 0 };
	if (err == PB_OK)
		err = pb_budget_store_variation_step(db, actor->la, v->id, &s);
	return err;
}

enum pb_err pb_variation_decide(struct pb_db *db, const struct pb_actor *actor,
    const char *budget_id, const char *id, enum pb_variation_action action,
    const char *reason, int if_match, int32_t today, struct pb_problem *p, char **json,
    int *version)
{
	struct pb_budget_row b;
	struct pb_variation_row v;
	enum pb_variation_status to;
	char *before = NULL;
	int reduces = 0;
	int32_t effect = PB_DATE_NONE;
	const char *what = action == PB_VARIATION_APPROVE ? "budget.variation_approved"
	    : "budget.variation_rejected";

	*json = NULL;
	enum pb_err err = pb_db_begin(db);
	if (err == PB_OK)
		err = lock_variation(db, actor->la, budget_id, id, if_match, &b, &v, &before);
	if (err == PB_OK)
		err = pb_variation_transition(v.status, action, v.needs_notice, v.asked, &to, p);
	if (err == PB_OK)
		err = pb_duty_separate(v.requested_by, actor->sub, action == PB_VARIATION_APPROVE ?
		    "a budget variation must be approved" : "a budget variation must be rejected",
		    "the person who asked for it", p);
	if (err == PB_OK && action == PB_VARIATION_APPROVE)
		err = recheck(db, actor->la, &b, &v, &reduces, p);
	if (err == PB_OK)
		err = decision(db, actor, &v, to, reason, reduces, today, &effect);
	if (err == PB_OK)
		err = audit_variation(db, actor, what, id, before, json, version);
	if (err == PB_OK && action == PB_VARIATION_APPROVE)
		err = apply_if_due(db, actor, &v, effect, today, p, json, version);
	free(before);
	return pb_db_finish_json(db, err, json);
}

enum pb_err pb_variation_ask(struct pb_db *db, const struct pb_actor *actor,
    const struct pb_scope *scope, const char *budget_id, const char *id,
    const char *reason, int if_match, struct pb_problem *p, char **json, int *version)
{
	struct pb_budget_row b;
	struct pb_variation_row v;
	enum pb_variation_status to;
	char *before = NULL;

	*json = NULL;
	enum pb_err err = pb_db_begin(db);
	if (err == PB_OK)   /* a family asks only about its own child's budget */
		err = pb_budget_store_visible(db, scope, budget_id);
	if (err == PB_OK)
		err = lock_variation(db, actor->la, budget_id, id, if_match, &b, &v, &before);
	if (err == PB_OK)
		err = pb_variation_transition(v.status, PB_VARIATION_ASK, v.needs_notice, v.asked,
		    &to, p);
	if (err == PB_OK) {
		struct pb_variation_step s = { v.status, to, actor->sub, reason, PB_DATE_NONE,
		    PB_DATE_NONE, 0 };
		err = pb_budget_store_variation_step(db, actor->la, id, &s);
	}
	if (err == PB_OK)
		err = audit_variation(db, actor, "budget.variation_reconsideration_requested", id,
		    before, json, version);
	free(before);
	return pb_db_finish_json(db, err, json);
}

enum pb_err pb_variation_reconsider(struct pb_db *db, const struct pb_actor *actor,
    const char *budget_id, const char *id, int upheld, const char *reason, int if_match,
    int32_t today, struct pb_problem *p, char **json, int *version)
{
	struct pb_budget_row b;
	struct pb_variation_row v;
	enum pb_variation_status to;
	char *before = NULL;

	*json = NULL;
	enum pb_err err = pb_db_begin(db);
	if (err == PB_OK)
		err = lock_variation(db, actor->la, budget_id, id, if_match, &b, &v, &before);
	if (err == PB_OK)
		err = pb_variation_transition(v.status, upheld ? PB_VARIATION_UPHOLD :
		    PB_VARIATION_OVERTURN, v.needs_notice, v.asked, &to, p);
	if (err == PB_OK)
		err = pb_duty_separate(v.decided_by, actor->sub, "a reconsideration must be decided",
		    "the person who approved the variation", p);
	if (err == PB_OK && upheld)
		err = recheck(db, actor->la, &b, &v, NULL, p);
	if (err == PB_OK) {
		struct pb_variation_step s = { v.status, to, actor->sub, reason, PB_DATE_NONE,
		    PB_DATE_NONE, 0 };
		err = pb_budget_store_variation_step(db, actor->la, id, &s);
	}
	if (err == PB_OK)
		err = audit_variation(db, actor, "budget.variation_reconsidered", id, before, json,
		    version);
	if (err == PB_OK && upheld)
		err = apply_if_due(db, actor, &v, v.takes_effect_on, today, p, json, version);
	free(before);
	return pb_db_finish_json(db, err, json);
}

enum pb_err pb_variation_stop(struct pb_db *db, const struct pb_actor *actor,
    const struct pb_stop_in *in, int32_t today, struct pb_problem *p, char id[37], char **json,
    int *version)
{
	struct pb_budget_row b;
	struct pb_variation_row v;
	struct pb_budget_element_money m[PB_BUDGET_MAX_ELEMENTS];
	const struct pb_budget_element_money *e = NULL;
	size_t nm = 0;
	int needs_notice = 0;
	int32_t effect = PB_DATE_NONE, from = in->has_effective_from && in->effective_from > today ?
	    in->effective_from : today;
	char element_id[37];

	*json = NULL;
	enum pb_err err = pb_db_begin(db);
	if (err == PB_OK)
		err = pb_budget_store_lock(db, actor->la, in->budget_id, &b);
	if (err == PB_OK)
		err = budget_live(&b, p);
	if (err == PB_OK)
		err = pb_budget_store_element_money(db, actor->la, in->budget_id, m,
		    PB_BUDGET_MAX_ELEMENTS, &nm);
	if (err == PB_OK && (e = money_of(m, nm, in->element_id)) == NULL)
		err = PB_ENOTFOUND;
	if (err == PB_OK)
		err = pb_stop_check(in->rule, in->ground, e->arrangement, e->stopped, &needs_notice, p);
	if (err == PB_OK && !needs_notice)
		from = today;   /* PAY-16: at once */
	if (err == PB_OK && from > b.period_end)
		err = pb_problem_field(p, "effective_from", "outside_period", "effective_from is a "
		    "day of the budget's period.");
	if (err == PB_OK)
		err = pb_budget_store_variation_insert(db, actor, in->budget_id, in->reason, from,
		    needs_notice, in->rule, pb_stop_ground_str(in->ground), id);
	if (err == PB_ECONFLICT)
		pb_problem_set(p, PB_ECONFLICT, NULL, "A stop of a direct payment of this budget is "
		    "in progress already.");
	if (err == PB_OK) {
		memcpy(element_id, e->id, sizeof(element_id));
		err = pb_budget_store_variation_line(db, actor->la, id, 0, PB_VARIATION_END,
		    element_id, e->allocated_pence, 0, NULL);
	}
	if (err == PB_OK)
		err = audit_variation(db, actor, "budget.variation_requested", id, NULL, json, version);
	char *before = *json;
	*json = NULL;
	/* the approver who stops it decides it: PAY-16 at once, PAY-17 with notice */
	if (err == PB_OK)
		err = pb_budget_store_variation_lock(db, actor->la, in->budget_id, id, &v);
	if (err == PB_OK)
		err = decision(db, actor, &v, PB_VARIATION_NOTICE, in->reason, 1, today, &effect);
	if (err == PB_OK)
		err = audit_variation(db, actor, "budget.variation_approved", id, before, json,
		    version);
	if (err == PB_OK)
		err = apply_if_due(db, actor, &v, effect, today, p, json, version);
	free(before);
	return pb_db_finish_json(db, err, json);
}

/* One due variation in its own transaction; a refusal goes in not_applied. */
static enum pb_err apply_one(struct pb_db *db, const struct pb_actor *actor,
    const char *budget_id, const char *id, int32_t today, cJSON *applied, cJSON *not_applied)
{
	struct pb_budget_row b;
	struct pb_variation_row v;
	struct pb_problem p;
	char *before = NULL, *json = NULL;
	int ver;

	pb_problem_init(&p);
	enum pb_err err = pb_db_begin(db);
	if (err == PB_OK)
		err = lock_variation(db, actor->la, budget_id, id, -1, &b, &v, &before);
	if (err == PB_OK && (v.status != PB_VARIATION_NOTICE || v.takes_effect_on > today))
		err = PB_ENOTFOUND;   /* decided meanwhile: not ours to apply */
	if (err == PB_OK)
		err = recheck(db, actor->la, &b, &v, NULL, &p);
	if (err == PB_OK)
		err = apply(db, actor, &v, v.takes_effect_on, &p);
	if (err == PB_OK)
		err = audit_variation(db, actor, "budget.variation_applied", id, before, &json, &ver);
	free(before);
	err = pb_db_finish_json(db, err, &json);
	free(json);
	if (err == PB_OK) {
		cJSON_AddItemToArray(applied, cJSON_CreateString(id));
	} else if (err == PB_ERULE || err == PB_EINVAL || err == PB_ETRANSITION) {
		cJSON *o = cJSON_CreateObject();
		cJSON_AddStringToObject(o, "variation_id", id);
		if (p.rule[0])
			cJSON_AddStringToObject(o, "rule", p.rule);
		else
			cJSON_AddNullToObject(o, "rule");
		cJSON_AddStringToObject(o, "detail", p.detail[0] ? p.detail :
		    p.nerrors ? p.errors[0].message : "refused");
		cJSON_AddItemToArray(not_applied, o);
	} else if (err != PB_ENOTFOUND) {
		return err;
	}
	return PB_OK;
}

enum pb_err pb_variation_apply_due(struct pb_db *db, const struct pb_actor *actor,
    int32_t today, char **json)
{
	char (*budgets)[37] = calloc(DUE_MAX, sizeof(*budgets));
	char (*ids)[37] = calloc(DUE_MAX, sizeof(*ids));
	cJSON *out = cJSON_CreateObject();
	cJSON *applied = cJSON_AddArrayToObject(out, "applied");
	cJSON *not_applied = cJSON_AddArrayToObject(out, "not_applied");
	size_t n = 0;

	*json = NULL;
	if (budgets == NULL || ids == NULL || applied == NULL || not_applied == NULL)
		abort();
	enum pb_err err = pb_budget_store_variations_due(db, actor->la, today, budgets, ids,
	    DUE_MAX, &n);
	for (size_t i = 0; err == PB_OK && i < n; i++)
		err = apply_one(db, actor, budgets[i], ids[i], today, applied, not_applied);
	if (err == PB_OK)
		*json = pb_json_print(out);   /* deletes out */
	else
		cJSON_Delete(out);
	free(budgets);
	free(ids);
	return err;
}

/* --- reads and settings ----------------------------------------------------- */

enum pb_err pb_variation_get(struct pb_db *db, const struct pb_scope *scope,
    const char *budget_id, const char *id, char **json, int *version)
{
	return pb_budget_store_variation_get(db, scope, budget_id, id, json, version);
}

enum pb_err pb_variation_list(struct pb_db *db, const struct pb_scope *scope,
    const char *budget_id, const char *cursor, int limit, char **json)
{
	enum pb_err err = pb_budget_store_visible(db, scope, budget_id);

	if (err)
		return err;
	return pb_budget_store_variation_list(db, scope, budget_id, cursor, limit, json);
}

enum pb_err pb_budget_versions(struct pb_db *db, const struct pb_scope *scope,
    const char *budget_id, char **json)
{
	return pb_budget_store_version_list(db, scope, budget_id, json);
}

enum pb_err pb_settings_get(struct pb_db *db, const char *la, char **json, int *version)
{
	return pb_budget_store_settings_json(db, la, json, version);
}

enum pb_err pb_settings_patch(struct pb_db *db, const struct pb_actor *actor,
    const struct pb_settings_in *in, int if_match, char **json, int *version)
{
	char *before = NULL;
	int v = 0;

	*json = NULL;
	enum pb_err err = pb_db_begin(db);
	if (err == PB_OK)
		err = pb_budget_store_settings_lock(db, actor, &v);
	if (err == PB_OK && if_match >= 0 && if_match != v)
		err = PB_EPRECONDITION;
	if (err == PB_OK)
		err = pb_budget_store_settings_json(db, actor->la, &before, &v);
	if (err == PB_OK)
		err = pb_budget_store_settings_set(db, actor, in);
	if (err == PB_OK)
		err = pb_budget_store_settings_json(db, actor->la, json, version);
	if (err == PB_OK) {
		char *changes = pb_audit_before_after(before, *json);
		/* the council's settings have no row id of their own: the nil UUID */
		err = pb_audit_record(db, actor, "settings.updated", "settings",
		    "00000000-0000-0000-0000-000000000000", changes, "settings.updated", *json);
		free(changes);
	}
	free(before);
	return pb_db_finish_json(db, err, json);
}
