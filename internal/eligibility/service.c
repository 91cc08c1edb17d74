/* SPDX-License-Identifier: MIT */
/*
 * service.c — eligibility transactions (see service.h): load → rules →
 * store → audit + event.  The decisions themselves are in rules.c; this
 * file only gathers facts, renders the result and keeps it atomic.
 */
#include "internal/eligibility/service.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cJSON.h>

#include "internal/audit/service.h"
#include "internal/core/date.h"
#include "internal/core/duty.h"
#include "internal/core/uuid.h"
#include "internal/db/db.h"
#include "internal/eligibility/store.h"
#include "internal/json/output.h"
#include "internal/records/service.h"

/* Ownership of a child for this caller: staff see the la, a family only
 * its own children.  PB_ENOTFOUND otherwise. */
static enum pb_err visible(struct pb_db *db, const struct pb_scope *scope,
    const char *child_id)
{
	return pb_rec_child_visible(db, scope, child_id);
}

/* --- the offer -------------------------------------------------------------- */

static int default_index(const char *service_type)
{
	for (int i = 0; i < PB_ELIG_DEFAULT_OFFER_LEN; i++)
		if (strcmp(pb_elig_default_offer[i].service_type, service_type) == 0)
			return i;
	return -1;
}

static void default_row(int i, struct pb_elig_offer_row *r)
{
	memset(r, 0, sizeof(*r));
	snprintf(r->service_type, sizeof(r->service_type), "%s",
	    pb_elig_default_offer[i].service_type);
	r->stream = pb_elig_default_offer[i].stream;
	r->offered = pb_elig_default_offer[i].offered;
	r->direct_payment_allowed = pb_elig_default_offer[i].direct_payment_allowed;
}

static int row_cmp(const void *a, const void *b)
{
	return strcmp(((const struct pb_elig_offer_row *)a)->service_type,
	    ((const struct pb_elig_offer_row *)b)->service_type);
}

/* The la's rows plus every default it has not changed, sorted.  rows has
 * room for max + PB_ELIG_DEFAULT_OFFER_LEN entries. */
static void merge_defaults(struct pb_elig_offer_row *rows, size_t *n,
    const char *const *only, size_t nonly)
{
	size_t have = *n;

	for (int d = 0; d < PB_ELIG_DEFAULT_OFFER_LEN; d++) {
		const char *t = pb_elig_default_offer[d].service_type;
		int wanted = only == NULL, changed = 0;
		for (size_t k = 0; only != NULL && k < nonly; k++)
			wanted |= strcmp(only[k], t) == 0;
		for (size_t k = 0; k < have; k++)
			changed |= strcmp(rows[k].service_type, t) == 0;
		if (wanted && !changed)
			default_row(d, &rows[(*n)++]);
	}
	qsort(rows, *n, sizeof(rows[0]), row_cmp);
}

static cJSON *offer_item_tree(const struct pb_elig_offer_row *r)
{
	cJSON *o = cJSON_CreateObject();

	cJSON_AddStringToObject(o, "service_type", r->service_type);
	cJSON_AddStringToObject(o, "stream", pb_stream_str(r->stream));
	cJSON_AddBoolToObject(o, "offered", r->offered);
	cJSON_AddBoolToObject(o, "direct_payment_allowed", r->direct_payment_allowed);
	if (r->label[0])
		cJSON_AddStringToObject(o, "label", r->label);
	else
		cJSON_AddNullToObject(o, "label");
	cJSON_AddStringToObject(o, "source", r->local ? "local" : "default");
	if (r->local) {
		cJSON_AddStringToObject(o, "updated_by", r->updated_by);
		cJSON_AddStringToObject(o, "updated_at", r->updated_at);
	} else {
		cJSON_AddNullToObject(o, "updated_by");
		cJSON_AddNullToObject(o, "updated_at");
	}
	cJSON_AddNumberToObject(o, "version", r->version);
	return o;
}

enum pb_err pb_elig_offer_list(struct pb_db *db, const char *la, char **json)
{
	size_t n = 0;
	struct pb_elig_offer_row *rows = calloc(PB_ELIG_OFFER_MAX + PB_ELIG_DEFAULT_OFFER_LEN,
	    sizeof(*rows));

	*json = NULL;
	if (rows == NULL)
		abort();
	enum pb_err err = pb_elig_store_offer_load(db, la, NULL, 0, rows, PB_ELIG_OFFER_MAX, &n);
	if (err) {
		free(rows);
		return err;
	}
	merge_defaults(rows, &n, NULL, 0);
	cJSON *doc = cJSON_CreateObject();
	cJSON *items = cJSON_AddArrayToObject(doc, "items");
	for (size_t i = 0; i < n; i++)
		cJSON_AddItemToArray(items, offer_item_tree(&rows[i]));
	cJSON_AddNullToObject(doc, "next_cursor");
	*json = pb_json_print(doc);
	free(rows);
	return PB_OK;
}

/* The server-owned members echo carries must equal the current item's. */
static enum pb_err echo_matches(const cJSON *echo, const struct pb_elig_offer_row *cur,
    struct pb_problem *p)
{
	static const char *const owned[] = { "service_type", "source", "updated_by",
	    "updated_at", "version" };
	cJSON *now = offer_item_tree(cur);

	for (size_t i = 0; i < sizeof(owned) / sizeof(owned[0]); i++) {
		const cJSON *sent = cJSON_GetObjectItemCaseSensitive(echo, owned[i]);
		const cJSON *have = cJSON_GetObjectItemCaseSensitive(now, owned[i]);
		if (sent != NULL && (have == NULL || !cJSON_Compare(sent, have, 1)))
			pb_problem_field(p, owned[i], "read_only",
			    "is set by the server; send it back unchanged or leave it out");
	}
	cJSON_Delete(now);
	return p->err;
}

enum pb_err pb_elig_offer_put(struct pb_db *db, const struct pb_actor *actor,
    const struct pb_elig_offer_row *in, const cJSON *echo, int if_match,
    struct pb_problem *p, char **json, int *version)
{
	struct pb_elig_offer_row cur, row = *in, out;
	char *before = NULL, *changes = NULL;
	int have = 1, count = 0;

	*json = NULL;
	enum pb_err err = pb_db_begin(db);
	if (err)
		return err;
	err = pb_elig_store_offer_lock(db, actor->la, in->service_type, &cur);
	if (err == PB_ENOTFOUND) {
		int d = default_index(in->service_type);
		have = d >= 0;
		if (have)
			default_row(d, &cur);
		err = pb_elig_store_offer_count(db, actor->la, &count);
		if (err == PB_OK && count >= PB_ELIG_OFFER_MAX)
			err = pb_problem_set(p, PB_ECONFLICT, NULL,
			    "The offer already has %d changed service types, the most allowed.",
			    PB_ELIG_OFFER_MAX);
		pb_uuid_new(row.id);
	} else if (err == PB_OK) {
		snprintf(row.id, sizeof(row.id), "%s", cur.id);
	}
	if (err)
		goto out;
	if (!have) {   /* a service type new to the offer: what GET would show */
		memset(&cur, 0, sizeof(cur));
		snprintf(cur.service_type, sizeof(cur.service_type), "%s", in->service_type);
		cur.stream = in->stream;
	}
	/* the body's own fields first (400), then the precondition (412) */
	err = echo_matches(echo, &cur, p);
	if (err)
		goto out;
	if (if_match >= 0 && if_match != (have ? cur.version : 0)) {
		err = PB_EPRECONDITION;
		goto out;
	}
	if (have)
		before = pb_json_print(offer_item_tree(&cur));
	err = pb_elig_store_offer_upsert(db, actor, &row, &out);
	if (err)
		goto out;
	*json = pb_json_print(offer_item_tree(&out));
	*version = out.version;
	changes = pb_audit_before_after(before, *json);
	err = pb_audit_record(db, actor, "offer.updated", "offer_item", out.id, changes,
	    "offer.updated", *json);
out:
	free(before);
	free(changes);
	err = pb_db_finish_json(db, err, json);
	return err;
}

/* --- checks ----------------------------------------------------------------- */

/* A contact's facts as the rules read a requester or recipient (a person
 * who is not a contact stays relationship NONE: ELIG-3 and PAY-1 then
 * refuse them; capacity and ability to manage are presumed). */
static void requester_of(const struct pb_rec_contact_facts *k, struct pb_elig_requester *r)
{
	r->relationship = k->found ? k->relationship : PB_ELIG_REL_NONE;
	r->has_parental_responsibility = k->has_parental_responsibility;
	r->named_in_writing = k->nominated_in_writing;
	r->excluded = k->dp_excluded;
	r->has_capacity = !k->lacks_capacity;
	r->able_to_manage = 1;
	r->consent_withdrawn = k->consent_withdrawn;
}

/* The la's offer rows for types[0..n) (defaults merged) into rows (room
 * for n + PB_ELIG_DEFAULT_OFFER_LEN) and the rules' view of them into
 * items (the same room); *count how many. */
static enum pb_err offer_for(struct pb_db *db, const char *la, const char *const *types,
    size_t n, struct pb_elig_offer_row *rows, struct pb_elig_offer_item *items,
    size_t *count)
{
	enum pb_err err = pb_elig_store_offer_load(db, la, types, n, rows, n, count);

	if (err)
		return err;
	merge_defaults(rows, count, types, n);
	for (size_t i = 0; i < *count; i++) {
		items[i].service_type = rows[i].service_type;
		items[i].stream = rows[i].stream;
		items[i].offered = rows[i].offered;
		items[i].direct_payment_allowed = rows[i].direct_payment_allowed;
	}
	return PB_OK;
}

/* Fill in from the database (everything but the elements, copied by the
 * caller) and evaluate.  plan_id gets the plan used ("" for none). */
static enum pb_err gather_and_evaluate(struct pb_db *db, const char *la,
    const struct pb_elig_check_in *ci, int32_t as_of, struct pb_problem *p,
    struct pb_elig_input *in, struct pb_elig_offer_row *offer, size_t *noffer,
    struct pb_elig_offer_item *items, char plan_id[37], struct pb_elig_result *res)
{
	struct pb_rec_contact_facts k;
	const char *types[PB_ELIG_MAX_ELEMENTS];

	pb_elig_input_init(in);
	in->as_of = as_of;
	enum pb_err err = pb_rec_child_dob(db, la, ci->child_id, &in->date_of_birth);
	if (err)
		return err;
	err = pb_rec_person_exists(db, la, ci->requester_person_id);
	if (err == PB_ENOTFOUND)
		return pb_problem_field(p, "requester_person_id", "not_found",
		    "No such person in this council.");
	if (err == PB_OK)
		err = pb_rec_contact_facts(db, la, ci->child_id, ci->requester_person_id, &k);
	if (err)
		return err;
	requester_of(&k, &in->requester);
	err = pb_elig_store_plan(db, la, ci->child_id, plan_id, in->plan_history,
	    &in->nplan_history);
	if (err)
		return err;

	in->nelements = ci->nelements;
	for (size_t i = 0; i < ci->nelements; i++) {
		in->elements[i] = ci->elements[i];
		types[i] = ci->elements[i].service_type;
	}
	/* Only the requested service types matter (rules.h allows that). */
	err = offer_for(db, la, types, ci->nelements, offer, items, noffer);
	if (err)
		return err;
	in->offer = items;
	in->noffer = *noffer;

	if (pb_elig_evaluate(in, res) == PB_EINVAL) {
		/* The API checks shapes; what is left is as_of against the
		 * child's date of birth. */
		return pb_problem_field(p, res->invalid_field ? res->invalid_field : "body",
		    "invalid", "%s.", res->invalid_message ? res->invalid_message : "invalid input");
	}
	return PB_OK;
}

enum pb_err pb_elig_offer_for(struct pb_db *db, const char *la, const char *const *types,
    size_t n, struct pb_elig_offer *out)
{
	if (n > PB_ELIG_OFFER_FOR_MAX)
		return PB_EINTERNAL;
	return offer_for(db, la, types, n, out->rows, out->items, &out->n);
}

enum pb_err pb_elig_dp_recipient_load(struct pb_db *db, const char *la,
    const char *child_id, const char *person_id, enum pb_stream stream, int32_t on,
    struct pb_elig_dp_recipient *out)
{
	struct pb_rec_contact_facts k;

	memset(out, 0, sizeof(*out));
	enum pb_err err = pb_rec_child_dob(db, la, child_id, &out->child_dob);
	if (err == PB_OK)
		err = pb_rec_contact_facts(db, la, child_id, person_id, &k);
	if (err)
		return err;
	out->is_contact = k.found;
	requester_of(&k, &out->who);
	out->stream = stream;
	out->on = on;
	return PB_OK;
}

enum pb_err pb_elig_request_named(struct pb_db *db, const char *la, const char *request_id,
    const char *child_id, struct pb_elig_request_facts *out, struct pb_problem *p)
{
	enum pb_err err = pb_elig_store_request_facts(db, la, request_id, out);

	if (err == PB_ENOTFOUND || (err == PB_OK && strcmp(out->child_id, child_id) != 0))
		return pb_problem_field(p, "request_id", "not_found",
		    "No such budget request for this child.");
	return err;
}

/* The index of the request's element (stream, service_type), or -1. */
static int find_element(const struct pb_elig_request_facts *r, enum pb_stream stream,
    const char *service_type)
{
	for (size_t i = 0; i < r->nelements; i++)
		if (r->elements[i].stream == stream &&
		    strcmp(r->elements[i].service_type, service_type) == 0)
			return (int)i;
	return -1;
}

int pb_elig_request_declines(const struct pb_elig_request_facts *r, enum pb_stream stream,
    const char *service_type)
{
	int i = find_element(r, stream, service_type);

	return i >= 0 && r->elements[i].panel == PB_ELIG_PANEL_DECLINED &&
	    r->status != PB_ELIG_REQ_OVERTURNED;
}

int pb_elig_request_names(const struct pb_elig_request_facts *r, enum pb_stream stream,
    const char *service_type)
{
	if (!pb_elig_request_fundable(r->status))
		return 0;
	return find_element(r, stream, service_type) >= 0 &&
	    !pb_elig_request_declines(r, stream, service_type);
}

/* {"elements":[…],"basis":{…}} as stored in eligibility_checks.result. */
static char *result_json(const struct pb_elig_input *in, const struct pb_elig_result *res,
    const char *plan_id)
{
	char day[11];
	cJSON *doc = cJSON_CreateObject();
	cJSON *els = cJSON_AddArrayToObject(doc, "elements");

	for (size_t i = 0; i < res->nelements; i++) {
		const struct pb_elig_element *e = &in->elements[i];
		const struct pb_elig_element_result *er = &res->elements[i];
		cJSON *o = cJSON_CreateObject();
		cJSON_AddStringToObject(o, "stream", pb_stream_str(e->stream));
		cJSON_AddStringToObject(o, "service_type", e->service_type);
		cJSON_AddStringToObject(o, "arrangement", pb_arrangement_str(e->arrangement));
		cJSON_AddStringToObject(o, "outcome", pb_elig_outcome_str(er->outcome));
		cJSON *rs = cJSON_AddArrayToObject(o, "reasons");
		for (size_t r = 0; r < er->nreasons; r++) {
			cJSON *ro = cJSON_CreateObject();
			cJSON_AddStringToObject(ro, "code", er->reasons[r].code);
			cJSON_AddStringToObject(ro, "rule", er->reasons[r].rule);
			cJSON_AddStringToObject(ro, "message", er->reasons[r].message);
			cJSON_AddItemToArray(rs, ro);
		}
		cJSON_AddItemToArray(els, o);
	}
	cJSON *b = cJSON_AddObjectToObject(doc, "basis");
	if (plan_id[0])
		cJSON_AddStringToObject(b, "plan_id", plan_id);
	else
		cJSON_AddNullToObject(b, "plan_id");
	cJSON_AddStringToObject(b, "plan_status", pb_elig_plan_status_name(res->plan_status));
	cJSON_AddStringToObject(b, "requester_relationship",
	    pb_elig_relationship_name(in->requester.relationship));
	cJSON_AddNumberToObject(b, "age", res->age);
	pb_date_format(res->end_of_csa, day);
	cJSON_AddStringToObject(b, "end_of_compulsory_school_age", day);
	cJSON_AddBoolToObject(b, "young_person", res->is_young_person);
	return pb_json_print(doc);
}

/* The body of a check, inside the caller's transaction: facts → rules →
 * eligibility_checks row → audit + event.  *outcome gets the result. */
static enum pb_err run_check(struct pb_db *db, const struct pb_scope *scope,
    const struct pb_actor *actor, const struct pb_elig_check_in *ci, int32_t today,
    struct pb_problem *p, char id[37], enum pb_elig_outcome *outcome, char **json)
{
	struct pb_elig_input in;     /* ~0.5 KB */
	struct pb_elig_result res;   /* ~2 KB (rules README) */
	struct pb_elig_offer_row offer[PB_ELIG_MAX_ELEMENTS + PB_ELIG_DEFAULT_OFFER_LEN];
	struct pb_elig_offer_item items[PB_ELIG_MAX_ELEMENTS + PB_ELIG_DEFAULT_OFFER_LEN];
	size_t noffer = 0;
	char plan_id[37];

	*json = NULL;
	/* A family asks as itself (ELIG-3 then judges its standing). */
	if (scope->family_person_id != NULL &&
	    strcmp(scope->family_person_id, ci->requester_person_id) != 0)
		return pb_problem_set(p, PB_EFORBIDDEN, NULL,
		    "A family can make a request only as itself: requester_person_id must be your own person id.");
	enum pb_err err = visible(db, scope, ci->child_id);
	if (err)
		return err;
	err = gather_and_evaluate(db, actor->la, ci, ci->has_as_of ? ci->as_of : today, p,
	    &in, offer, &noffer, items, plan_id, &res);
	if (err)
		return err;
	char *result = result_json(&in, &res, plan_id);
	pb_uuid_new(id);
	*outcome = res.outcome;
	err = pb_elig_store_check_insert(db, actor, id, ci->child_id, ci->requester_person_id,
	    in.as_of, pb_elig_outcome_str(res.outcome), result, json);
	free(result);
	if (err == PB_OK)
		err = pb_audit_record(db, actor, "eligibility_check.created", "eligibility_check",
		    id, *json, "eligibility_check.created", NULL);
	if (err) {
		free(*json);
		*json = NULL;
	}
	return err;
}

enum pb_err pb_elig_check_create(struct pb_db *db, const struct pb_scope *scope,
    const struct pb_actor *actor, const struct pb_elig_check_in *in,
    int32_t today, struct pb_problem *p, char id[37], char **json)
{
	enum pb_elig_outcome outcome;

	*json = NULL;
	enum pb_err err = pb_db_begin(db);
	if (err)
		return err;
	return pb_db_finish_json(db,
	    run_check(db, scope, actor, in, today, p, id, &outcome, json), json);
}

enum pb_err pb_elig_check_get(struct pb_db *db, const struct pb_scope *scope,
    const char *id, char **json, int *version)
{
	char child[37];

	*version = 0;
	enum pb_err err = pb_elig_store_check_get(db, scope->la, id, child, json);
	if (err == PB_OK && (err = visible(db, scope, child)) != PB_OK) {
		free(*json);
		*json = NULL;
	}
	return err;
}

/* --- budget requests ------------------------------------------------------------ */

enum pb_err pb_elig_request_create(struct pb_db *db, const struct pb_scope *scope,
    const struct pb_actor *actor, const struct pb_elig_check_in *in,
    const char *notes, int32_t today, struct pb_problem *p, char id[37],
    char **json, int *version)
{
	struct pb_elig_check_in ci = *in;
	enum pb_elig_outcome outcome = PB_ELIG_INELIGIBLE;
	char check_id[37], *check = NULL;

	*json = NULL;
	ci.has_as_of = 0; /* a request is decided as of the day it is made */
	enum pb_err err = pb_db_begin(db);
	if (err)
		return err;
	err = run_check(db, scope, actor, &ci, today, p, check_id, &outcome, &check);
	free(check);
	if (err)
		goto out;
	/* submitted → eligible | ineligible | panel_referral, in this
	 * transaction: "submitted" is never visible. */
	pb_uuid_new(id);
	err = pb_elig_store_request_insert(db, actor, id, in->child_id,
	    in->requester_person_id, check_id, pb_elig_request_initial(outcome), notes,
	    json, version);
	if (err == PB_OK)
		err = pb_audit_record(db, actor, "budget_request.created", "budget_request", id,
		    *json, "budget_request.created", NULL);
out:
	err = pb_db_finish_json(db, err, json);
	return err;
}

enum pb_err pb_elig_request_get(struct pb_db *db, const struct pb_scope *scope,
    const char *id, char **json, int *version)
{
	char child[37];

	enum pb_err err = pb_elig_store_request_get(db, scope->la, id, child, json, version);
	if (err == PB_OK && (err = visible(db, scope, child)) != PB_OK) {
		free(*json);
		*json = NULL;
	}
	return err;
}

/* Audit action and event type for each action. */
static const char *action_event(enum pb_elig_request_action a)
{
	switch (a) {
	case PB_ELIG_ACT_REQUEST_REVIEW:
		return "budget_request.review_requested";
	case PB_ELIG_ACT_WITHDRAW:
		return "budget_request.withdrawn";
	case PB_ELIG_ACT_BUDGET_LINKED:
		return "budget_request.approved";
	default:
		return "budget_request.decided";
	}
}

/* Lock, check the move, update, audit: the shared middle of an action.
 * Inside the caller's transaction. */
/* Every element of the request decided exactly once by d[0..n), then the
 * rows stored.  Inside the caller's transaction, after the request is
 * locked. */
static enum pb_err record_element_decisions(struct pb_db *db, const struct pb_actor *actor,
    const char *id, const struct pb_elig_element_decision *d, size_t n,
    struct pb_problem *p)
{
	struct pb_elig_request_facts f;
	int seen[PB_ELIG_MAX_ELEMENTS] = { 0 };
	char field[32];

	enum pb_err err = pb_elig_store_request_facts(db, actor->la, id, &f);
	for (size_t i = 0; i < n && err == PB_OK; i++) {
		size_t j = 0;
		while (j < f.nelements && !(f.elements[j].stream == d[i].stream &&
		    strcmp(f.elements[j].service_type, d[i].service_type) == 0))
			j++;
		snprintf(field, sizeof(field), "elements[%zu]", i);
		if (j == f.nelements)
			pb_problem_field(p, field, "not_requested",
			    "%s %s is not an element of this request.", pb_stream_str(d[i].stream),
			    d[i].service_type);
		else
			seen[j] = 1;
	}
	for (size_t j = 0; j < f.nelements && err == PB_OK; j++)
		if (!seen[j])
			pb_problem_field(p, "elements", "incomplete",
			    "must decide every requested element: %s %s has no decision.",
			    pb_stream_str(f.elements[j].stream), f.elements[j].service_type);
	if (err == PB_OK && p->err)
		err = p->err;
	for (size_t i = 0; i < n && err == PB_OK; i++)
		err = pb_elig_store_decision_insert(db, actor, id, &d[i]);
	return err;
}

static enum pb_err apply_action(struct pb_db *db, const struct pb_scope *scope,
    const struct pb_actor *actor, const char *id, const char *want_child,
    enum pb_elig_request_action action, const char *reason, const char *budget_id,
    const struct pb_elig_element_decision *ed, size_t ned,
    int if_match, struct pb_problem *p, char **json, int *version)
{
	enum pb_elig_request_status from, to;
	char child[37], decided_by[128], *before = NULL, *changes = NULL;
	const char *event = action_event(action);
	int cur_version = 0;

	*json = NULL;
	enum pb_err err = pb_elig_store_request_lock(db, actor->la, id, &from, child,
	    decided_by, &cur_version, &before);
	if (err == PB_OK && scope != NULL)
		err = visible(db, scope, child);
	if (err == PB_OK && want_child != NULL && strcmp(want_child, child) != 0)
		err = PB_ENOTFOUND;
	if (err)
		goto out;
	if (if_match >= 0 && if_match != cur_version) {
		err = PB_EPRECONDITION;
		goto out;
	}
	if (action == PB_ELIG_ACT_BUDGET_LINKED && from != PB_ELIG_REQ_ELIGIBLE) {
		/* approved / overturned fund a budget as they are: the request
		 * only records which budget it funds */
		if (!pb_elig_request_fundable(from)) {
			err = pb_problem_set(p, PB_ERULE, "ELIG-6",
			    "A budget can be made only from an eligible or approved request; this one is %s.",
			    pb_elig_request_status_str(from));
			goto out;
		}
		to = from;
		event = "budget_request.budget_linked";
	} else if (pb_elig_request_next(from, action, &to) != PB_OK) {
		err = pb_problem_set(p, PB_ETRANSITION, NULL,
		    "A budget request that is %s cannot take the action %s.",
		    pb_elig_request_status_str(from), pb_elig_request_action_str(action));
		goto out;
	}
	/* the panel member who declined does not decide the review */
	if (action == PB_ELIG_ACT_UPHOLD || action == PB_ELIG_ACT_OVERTURN) {
		err = pb_duty_separate(decided_by, actor->sub, "a review must be decided",
		    "the panel member who declined the request", p);
		if (err)
			goto out;
	}
	if (ned > 0 && (err = record_element_decisions(db, actor, id, ed, ned, p)) != PB_OK)
		goto out;
	err = pb_elig_store_request_update(db, actor, id, action, to, reason, budget_id,
	    json, version);
	if (err)
		goto out;
	changes = pb_audit_before_after(before, *json);
	err = pb_audit_record(db, actor, event, "budget_request", id, changes, event, *json);
out:
	free(before);
	free(changes);
	if (err) {
		free(*json);
		*json = NULL;
	}
	return err;
}

enum pb_err pb_elig_request_act(struct pb_db *db, const struct pb_scope *scope,
    const struct pb_actor *actor, const char *id,
    enum pb_elig_request_action action, const char *reason, int if_match,
    struct pb_problem *p, char **json, int *version)
{
	*json = NULL;
	if (action == PB_ELIG_ACT_BUDGET_LINKED)
		return PB_EINTERNAL; /* only through pb_elig_request_link_budget */
	enum pb_err err = pb_db_begin(db);
	if (err)
		return err;
	err = pb_db_finish(db, apply_action(db, scope, actor, id, NULL, action, reason, NULL,
	    NULL, 0, if_match, p, json, version));
	if (err) {
		free(*json);
		*json = NULL;
	}
	return err;
}

enum pb_err pb_elig_request_link_budget(struct pb_db *db,
    const struct pb_actor *actor, const char *request_id, const char *child_id,
    const char *budget_id, struct pb_problem *p)
{
	char *json = NULL;
	int version = 0;

	enum pb_err err = apply_action(db, NULL, actor, request_id, child_id,
	    PB_ELIG_ACT_BUDGET_LINKED, NULL, budget_id, NULL, 0, -1, p, &json, &version);
	free(json);
	if (err == PB_ENOTFOUND)
		err = pb_problem_field(p, "request_id", "not_found",
		    "No such budget request for this child.");
	return err;
}

enum pb_err pb_elig_request_decide(struct pb_db *db, const struct pb_scope *scope,
    const struct pb_actor *actor, const char *id, const char *reason,
    const struct pb_elig_element_decision *d, size_t n, int if_match,
    struct pb_problem *p, char **json, int *version)
{
	int approve[PB_ELIG_MAX_ELEMENTS];

	*json = NULL;
	if (n < 1 || n > PB_ELIG_MAX_ELEMENTS)
		return PB_EINTERNAL; /* api/ checked the count */
	for (size_t i = 0; i < n; i++)
		approve[i] = d[i].approve;
	enum pb_err err = pb_db_begin(db);
	if (err)
		return err;
	err = pb_db_finish(db, apply_action(db, scope, actor, id, NULL,
	    pb_elig_panel_action(approve, n), reason, NULL, d, n, if_match, p, json, version));
	if (err) {
		free(*json);
		*json = NULL;
	}
	return err;
}

enum pb_err pb_elig_request_list(struct pb_db *db, const struct pb_scope *scope,
    const char *statuses, const char *child_id, const char *cursor, int limit, char **json)
{
	return pb_elig_store_request_list(db, scope, statuses, child_id, cursor, limit, json);
}
