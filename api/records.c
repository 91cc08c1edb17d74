/* SPDX-License-Identifier: MIT */
/*
 * records.c — handlers for core records: people, children, contacts and
 * EHC plans.  Validate → authorise → call the store → render.
 */
#include "api/handlers.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api/common.h"
#include "internal/core/date.h"
#include "internal/core/text.h"
#include "internal/json/json.h"
#include "internal/budgets/service.h"
#include "internal/records/service.h"

#define NAME_MAX_BYTES 100
#define WRITERS (PB_ROLE_CASEWORKER | PB_ROLE_ADMIN)

static const char *const server_owned[] = { "id", "status_history", "la",
    "created_at", "updated_at", "version", "created_by", "child_id", NULL };

/* Simple shape checks; the real proof of an address is elsewhere. */
static void check_email(const char *email, struct pb_problem *p)
{
	const char *at = email ? strchr(email, '@') : NULL;
	if (email != NULL && (at == NULL || at == email || at[1] == '\0' ||
	    strchr(at + 1, '@') != NULL || strchr(email, ' ') != NULL))
		pb_problem_field(p, "email", "invalid", "email must look like name@example.org.");
}

static void check_phone(const char *phone, struct pb_problem *p)
{
	for (const char *c = phone; c && *c; c++)
		if (!((*c >= '0' && *c <= '9') || *c == '+' || *c == ' ' || *c == '-' ||
		    *c == '(' || *c == ')')) {
			pb_problem_field(p, "phone", "invalid",
			    "phone may hold digits, spaces and + - ( ) only.");
			return;
		}
}

static void location(char *buf, size_t n, const char *prefix, const char *id)
{
	snprintf(buf, n, "%s/%s", prefix, id);
}

/* --- people -------------------------------------------------------------- */

void api_people_create(struct pb_req *req, struct pb_resp *resp)
{
	static const char *const allowed[] = { "given_name", "family_name", "email", "phone", NULL };
	struct pb_problem p;
	struct pb_person_in in = { 0 };
	struct pb_actor actor;
	struct pb_db *db;
	cJSON *body = NULL;
	char id[37], loc[96], *json = NULL;

	if (api_allow(req, resp, WRITERS) || api_body(req, resp, 0, &body))
		return;
	pb_problem_init(&p);
	pb_json_check_members(body, "", allowed, server_owned, &p);
	pb_json_get_string(body, "", "given_name", 1, 1, NAME_MAX_BYTES, &in.given_name, &p);
	pb_json_get_string(body, "", "family_name", 1, 1, NAME_MAX_BYTES, &in.family_name, &p);
	pb_json_get_string(body, "", "email", 0, 3, 254, &in.email, &p);
	pb_json_get_string(body, "", "phone", 0, 3, 32, &in.phone, &p);
	check_email(in.email, &p);
	check_phone(in.phone, &p);
	if (p.err == PB_OK && api_db(req, resp, &db) == 0) {
		api_actor(req, &actor);
		enum pb_err err = pb_rec_person_create(db, &actor, &in, id, &json);
		if (err) {
			api_fail(resp, err, &p);
		} else {
			location(loc, sizeof(loc), "/v1/people", id);
			api_json_text(resp, 201, json, 1, loc);
		}
	} else if (p.err) {
		pb_resp_problem(resp, &p);
	}
	cJSON_Delete(body);
}

void api_people_get(struct pb_req *req, struct pb_resp *resp)
{
	api_get_by_id(req, resp, API_READERS, "id", pb_rec_person_get);
}

void api_people_patch(struct pb_req *req, struct pb_resp *resp)
{
	static const char *const allowed[] = { "given_name", "family_name", "email", "phone", NULL };
	struct pb_problem p;
	struct pb_person_in in = { 0 };
	struct pb_actor actor;
	struct pb_db *db;
	cJSON *body = NULL;
	char id[37], *json = NULL;
	int if_match, version = 0;

	if (api_write_open(req, resp, WRITERS, "id", id, &if_match, 0, &body))
		return;
	pb_problem_init(&p);
	pb_json_check_members(body, "", allowed, server_owned, &p);
	pb_json_get_string(body, "", "given_name", 0, 1, NAME_MAX_BYTES, &in.given_name, &p);
	pb_json_get_string(body, "", "family_name", 0, 1, NAME_MAX_BYTES, &in.family_name, &p);
	pb_json_get_string(body, "", "email", 0, 3, 254, &in.email, &p);
	pb_json_get_string(body, "", "phone", 0, 3, 32, &in.phone, &p);
	check_email(in.email, &p);
	check_phone(in.phone, &p);
	if (p.err) {
		pb_resp_problem(resp, &p);
	} else if (api_db(req, resp, &db) == 0) {
		api_actor(req, &actor);
		enum pb_err err = pb_rec_person_patch(db, &actor, id, &in, if_match, &json, &version);
		api_reply(resp, err, &p, json, version);
	}
	cJSON_Delete(body);
}

/* --- children ------------------------------------------------------------ */

/* Fields of a child body; `required` for create, optional for PATCH. */
static void read_child(const cJSON *body, int required, struct pb_child_in *in,
    struct pb_problem *p)
{
	static const char *const allowed[] = { "given_name", "family_name", "date_of_birth", NULL };
	int present = 0;

	pb_json_check_members(body, "", allowed, server_owned, p);
	pb_json_get_string(body, "", "given_name", required, 1, NAME_MAX_BYTES, &in->given_name, p);
	pb_json_get_string(body, "", "family_name", required, 1, NAME_MAX_BYTES, &in->family_name, p);
	if (pb_json_get_date(body, "", "date_of_birth", required, 0, &in->date_of_birth,
	    &present, p) == PB_OK && present) {
		in->has_dob = 1;
		if (in->date_of_birth > pb_date_today())
			pb_problem_field(p, "date_of_birth", "invalid",
			    "date_of_birth cannot be in the future.");
	}
}

void api_children_create(struct pb_req *req, struct pb_resp *resp)
{
	struct pb_problem p;
	struct pb_child_in in = { 0 };
	struct pb_actor actor;
	struct pb_db *db;
	cJSON *body = NULL;
	char id[37], loc[96], *json = NULL;
	int version = 0;

	if (api_allow(req, resp, WRITERS) || api_body(req, resp, 0, &body))
		return;
	pb_problem_init(&p);
	read_child(body, 1, &in, &p);
	if (p.err) {
		pb_resp_problem(resp, &p);
	} else if (api_db(req, resp, &db) == 0) {
		api_actor(req, &actor);
		enum pb_err err = pb_rec_child_create(db, &actor, &in, id, &json, &version);
		if (err) {
			api_fail(resp, err, &p);
		} else {
			location(loc, sizeof(loc), "/v1/children", id);
			api_json_text(resp, 201, json, version, loc);
		}
	}
	cJSON_Delete(body);
}

/* The children list has no parent resource. */
static enum pb_err list_children(struct pb_db *db, const struct pb_scope *scope,
    const char *parent_id, const char *cursor, int limit, char **json)
{
	(void)parent_id;
	return pb_rec_child_list(db, scope, cursor, limit, json);
}

/* ?q=, and ?date_of_birth= or ?email=: a search's terms; 0 with *any = 0
 * when none is given, non-zero when answered with a 400. */
static int read_search(struct pb_req *req, struct pb_resp *resp, const char *other,
    struct pb_rec_search *q, int *any)
{
	struct pb_problem p;
	const char *o = pb_req_query(req, other);
	int present = 0;

	memset(q, 0, sizeof(*q));
	pb_problem_init(&p);
	q->q = pb_req_query(req, "q");
	if (q->q != NULL && (q->q[0] == '\0' || strlen(q->q) > 100 || !pb_text_clean(q->q) ||
	    pb_text_blank(q->q)))
		pb_problem_field(&p, "q", "invalid", "q is 1 to 100 characters of a name, without "
		    "control or invisible characters.");
	if (o != NULL && strcmp(other, "date_of_birth") == 0) {
		present = pb_date_parse(o, strlen(o), &q->dob) == PB_OK;
		q->has_dob = present;
		if (!present)
			pb_problem_field(&p, other, "invalid", "date_of_birth is YYYY-MM-DD.");
	} else if (o != NULL) {
		q->email = o;
		if (o[0] == '\0' || strlen(o) > 254 || !pb_text_clean(o))
			pb_problem_field(&p, other, "invalid", "email is 1 to 254 characters.");
	}
	*any = q->q != NULL || o != NULL;
	if (p.err) {
		pb_resp_problem(resp, &p);
		return -1;
	}
	return 0;
}

/* A search: staff only (a family token never searches), limit and cursor
 * as every list. */
static void search(struct pb_req *req, struct pb_resp *resp, const struct pb_rec_search *q,
    enum pb_err (*fn)(struct pb_db *, const char *, const struct pb_rec_search *,
    const char *, int, char **))
{
	struct pb_db *db;
	char cbuf[37], *json = NULL;
	const char *cursor = NULL;
	int limit = 0;

	if (api_allow(req, resp, PB_ROLES_STAFF_READ) || api_page(req, resp, &limit, cbuf, &cursor) ||
	    api_db(req, resp, &db))
		return;
	enum pb_err err = fn(db, req->principal.la, q, cursor, limit, &json);
	api_reply(resp, err, NULL, json, 0);
}

void api_children_list(struct pb_req *req, struct pb_resp *resp)
{
	struct pb_rec_search q;
	int any = 0;

	if (read_search(req, resp, "date_of_birth", &q, &any))
		return;
	if (any)
		search(req, resp, &q, pb_rec_child_search);
	else
		api_list(req, resp, API_READERS, NULL, list_children);
}

/* GET /v1/people: the council's people, or those a search finds (no term:
 * all, in id order). */
void api_people_list(struct pb_req *req, struct pb_resp *resp)
{
	struct pb_rec_search q;
	int any = 0;

	if (read_search(req, resp, "email", &q, &any) == 0)
		search(req, resp, &q, pb_rec_person_search);
}

void api_children_get(struct pb_req *req, struct pb_resp *resp)
{
	api_get_by_id(req, resp, API_READERS, "id", pb_rec_child_get);
}

void api_children_patch(struct pb_req *req, struct pb_resp *resp)
{
	struct pb_problem p;
	struct pb_child_in in = { 0 };
	struct pb_actor actor;
	struct pb_db *db;
	cJSON *body = NULL;
	char id[37], *json = NULL;
	int if_match, version = 0;

	if (api_write_open(req, resp, WRITERS, "id", id, &if_match, 0, &body))
		return;
	pb_problem_init(&p);
	read_child(body, 0, &in, &p);
	if (p.err) {
		pb_resp_problem(resp, &p);
	} else if (api_db(req, resp, &db) == 0) {
		api_actor(req, &actor);
		enum pb_err err = pb_rec_child_patch(db, &actor, id, &in, if_match, &json, &version);
		api_reply(resp, err, &p, json, version);
	}
	cJSON_Delete(body);
}

/* --- contacts ------------------------------------------------------------ */

void api_contacts_create(struct pb_req *req, struct pb_resp *resp)
{
	static const char *const allowed[] = { "person_id", "relationship",
	    "has_parental_responsibility", "lives_with_child", "nominated_in_writing",
	    "dp_excluded", "lacks_capacity", "consent_withdrawn", NULL };
	struct pb_problem p;
	struct pb_contact_in in = { 0 };
	struct pb_actor actor;
	struct pb_db *db;
	cJSON *body = NULL;
	char child[37], person[37], loc[128], *json = NULL, id[37];
	int rel = 0, present;

	if (api_allow(req, resp, WRITERS) || api_id(req, resp, "id", child) ||
	    api_body(req, resp, 0, &body))
		return;
	pb_problem_init(&p);
	pb_json_check_members(body, "", allowed, server_owned, &p);
	pb_json_get_uuid(body, "", "person_id", 1, person, &present, &p);
	pb_json_get_name(body, "", "relationship", 1, pb_relationship_names,
	    PB_RELATIONSHIP_NAMES, &rel, &p);
	pb_json_get_bool(body, "", "has_parental_responsibility", 1,
	    &in.has_parental_responsibility, &present, &p);
	pb_json_get_bool(body, "", "lives_with_child", 1, &in.lives_with_child, &present, &p);
	pb_json_get_bool(body, "", "nominated_in_writing", 0, &in.nominated_in_writing,
	    &present, &p);
	pb_json_get_bool(body, "", "dp_excluded", 0, &in.dp_excluded, &present, &p);
	pb_json_get_bool(body, "", "lacks_capacity", 0, &in.lacks_capacity, &present, &p);
	pb_json_get_bool(body, "", "consent_withdrawn", 0, &in.consent_withdrawn, &present, &p);
	if (p.err) {
		pb_resp_problem(resp, &p);
	} else if (api_db(req, resp, &db) == 0) {
		in.person_id = person;
		in.relationship = (enum pb_relationship)rel;
		api_actor(req, &actor);
		enum pb_err err = pb_rec_contact_create(db, &actor, child, &in, &p, id, &json);
		if (err) {
			api_fail(resp, err, &p);
		} else {
			snprintf(loc, sizeof(loc), "/v1/children/%s/contacts/%s", child, id);
			api_json_text(resp, 201, json, 1, loc);
		}
	}
	cJSON_Delete(body);
}

void api_contacts_get(struct pb_req *req, struct pb_resp *resp)
{
	struct pb_scope scope;
	struct pb_db *db;
	char child[37], id[37], *json = NULL;
	int version = 0;

	if (api_allow(req, resp, API_READERS) || api_id(req, resp, "id", child) ||
	    api_id(req, resp, "contact_id", id) || api_db(req, resp, &db))
		return;
	api_scope(req, &scope);
	enum pb_err err = pb_rec_contact_get(db, &scope, child, id, &json, &version);
	if (err)
		api_fail(resp, err, NULL);
	else
		api_json_text(resp, 200, json, version, NULL);
}

/* PATCH a contact's facts: the rules that decide who may receive a direct
 * payment follow them (a change that makes a live one unlawful stops it). */
void api_contacts_patch(struct pb_req *req, struct pb_resp *resp)
{
	static const char *const allowed[] = { "has_parental_responsibility",
	    "lives_with_child", "nominated_in_writing", "dp_excluded", "lacks_capacity",
	    "consent_withdrawn", NULL };
	static const char *const owned[] = { "id", "child_id", "person_id", "relationship",
	    "created_at", "updated_at", "version", NULL };
	struct pb_problem p;
	struct pb_contact_patch in;
	struct pb_actor actor;
	struct pb_db *db;
	cJSON *body = NULL;
	char child[37], id[37], *json = NULL;
	int if_match, version = 0;

	memset(&in, 0, sizeof(in));
	if (api_allow(req, resp, WRITERS) || api_id(req, resp, "id", child) ||
	    api_id(req, resp, "contact_id", id) || api_if_match(req, resp, &if_match) ||
	    api_body(req, resp, 0, &body))
		return;
	pb_problem_init(&p);
	pb_json_check_members(body, "", allowed, owned, &p);
	pb_json_get_bool(body, "", "has_parental_responsibility", 0, &in.parental_responsibility,
	    &in.has_parental_responsibility, &p);
	pb_json_get_bool(body, "", "lives_with_child", 0, &in.lives_with_child,
	    &in.has_lives_with_child, &p);
	pb_json_get_bool(body, "", "nominated_in_writing", 0, &in.nominated_in_writing,
	    &in.has_nominated_in_writing, &p);
	pb_json_get_bool(body, "", "dp_excluded", 0, &in.dp_excluded, &in.has_dp_excluded, &p);
	pb_json_get_bool(body, "", "lacks_capacity", 0, &in.lacks_capacity,
	    &in.has_lacks_capacity, &p);
	pb_json_get_bool(body, "", "consent_withdrawn", 0, &in.consent_withdrawn,
	    &in.has_consent_withdrawn, &p);
	if (p.err) {
		pb_resp_problem(resp, &p);
	} else if (api_db(req, resp, &db) == 0) {
		api_actor(req, &actor);
		enum pb_err err = pb_budget_contact_patch(db, &actor, child, id, &in, if_match,
		    pb_date_today(), &p, &json, &version);
		api_reply(resp, err, &p, json, version);
	}
	cJSON_Delete(body);
}

void api_contacts_list(struct pb_req *req, struct pb_resp *resp)
{
	api_list(req, resp, API_READERS, "id", pb_rec_contact_list);
}

/* --- plans --------------------------------------------------------------- */

static void read_plan_date(const cJSON *body, const char *name, int *has,
    int32_t *out, struct pb_problem *p)
{
	int present = 0;
	if (pb_json_get_date(body, "", name, 0, 0, out, &present, p) == PB_OK)
		*has = present;
}

static void read_plan(const cJSON *body, int status_required, struct pb_plan_in *in,
    struct pb_problem *p)
{
	static const char *const allowed[] = { "status", "assessment_agreed_on",
	    "issued_on", "next_review_due", "ceased_on", "cease_notice_on", NULL };
	static const char *const owned[] = { "id", "status_history", "la", "created_at",
	    "updated_at", "version", "created_by", "child_id", "appeal_window_ends_on",
	    "recovery_review", NULL };

	memset(in, 0, sizeof(*in));
	pb_json_check_members(body, "", allowed, owned, p);
	pb_json_get_name(body, "", "status", status_required, pb_plan_status_names,
	    PB_PLAN_STATUS_NAMES, &in->status, p);
	read_plan_date(body, "assessment_agreed_on", &in->has_assessment_agreed_on,
	    &in->assessment_agreed_on, p);
	read_plan_date(body, "issued_on", &in->has_issued_on, &in->issued_on, p);
	read_plan_date(body, "next_review_due", &in->has_next_review_due,
	    &in->next_review_due, p);
	read_plan_date(body, "ceased_on", &in->has_ceased_on, &in->ceased_on, p);
	read_plan_date(body, "cease_notice_on", &in->has_cease_notice_on, &in->cease_notice_on, p);
}

void api_plans_create(struct pb_req *req, struct pb_resp *resp)
{
	struct pb_problem p;
	struct pb_plan_in in;
	struct pb_actor actor;
	struct pb_db *db;
	cJSON *body = NULL;
	char child[37], id[37], loc[96], *json = NULL;
	int version = 0;

	if (api_allow(req, resp, WRITERS) || api_id(req, resp, "id", child) ||
	    api_body(req, resp, 0, &body))
		return;
	pb_problem_init(&p);
	read_plan(body, 1, &in, &p);
	if (p.err) {
		pb_resp_problem(resp, &p);
	} else if (api_db(req, resp, &db) == 0) {
		api_actor(req, &actor);
		enum pb_err err = pb_rec_plan_create(db, &actor, child, &in, pb_date_today(),
		    &p, id, &json, &version);
		if (err) {
			api_fail(resp, err, &p);
		} else {
			location(loc, sizeof(loc), "/v1/plans", id);
			api_json_text(resp, 201, json, version, loc);
		}
	}
	cJSON_Delete(body);
}

void api_plans_get(struct pb_req *req, struct pb_resp *resp)
{
	api_get_by_id(req, resp, API_READERS, "id", pb_rec_plan_get);
}

void api_plans_list(struct pb_req *req, struct pb_resp *resp)
{
	api_list(req, resp, API_READERS, "id", pb_rec_plan_list);
}

void api_plans_patch(struct pb_req *req, struct pb_resp *resp)
{
	struct pb_problem p;
	struct pb_plan_in in;
	struct pb_actor actor;
	struct pb_db *db;
	cJSON *body = NULL;
	char id[37], *json = NULL;
	int if_match, version = 0;

	if (api_write_open(req, resp, WRITERS, "id", id, &if_match, 0, &body))
		return;
	pb_problem_init(&p);
	read_plan(body, 0, &in, &p);
	if (p.err) {
		pb_resp_problem(resp, &p);
	} else if (api_db(req, resp, &db) == 0) {
		api_actor(req, &actor);
		/* a plan change binds budgets and payments: the budgets service
		 * applies what a cessation stops, in the same transaction */
		enum pb_err err = pb_budget_plan_patch(db, &actor, id, &in, if_match,
		    pb_date_today(), &p, &json, &version);
		api_reply(resp, err, &p, json, version);
	}
	cJSON_Delete(body);
}
