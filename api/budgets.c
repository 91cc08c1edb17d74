/* SPDX-License-Identifier: MIT */
/*
 * budgets.c — handlers for personal budgets: drafting, the lifecycle,
 * direct-payment agreements, rule exceptions, statements, Section J, the
 * family view and PAY-14 review dates.  Validate → authorise → call
 * internal/budgets/service.c or store.c → render.
 */
#include "api/handlers.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api/budget_input.h"
#include "api/common.h"
#include "internal/budgets/service.h"
#include "internal/core/date.h"
#include "internal/core/text.h"
#include "internal/json/json.h"

#define DRAFTERS PB_ROLE_CASEWORKER
#define APPROVERS PB_ROLE_APPROVER
#define AGREEMENT_WRITERS (PB_ROLE_CASEWORKER | PB_ROLE_APPROVER)
#define REVIEW_READERS (PB_ROLE_CASEWORKER | PB_ROLE_APPROVER | PB_ROLE_ADMIN | PB_ROLE_AUDITOR)
#define REASON_MAX 1000
#define OUTCOME_MAX 500
#define REVIEW_DEFAULT_DAYS 30


/* Fields a client never sends: the server owns them. */
static const char *const budget_server_owned[] = { "id", "la", "status", "arrangement",
    "allocated_pence", "indicative_pence", "difference_pence", "committed_pence", "spent_pence", "remaining_pence", "status_history",
    "created_by", "approved_by", "approved_at", "created_at", "updated_at", "version", NULL };
static const char *const patch_server_owned[] = { "id", "la", "status", "arrangement",
    "allocated_pence", "committed_pence", "spent_pence", "remaining_pence", "status_history",
    "created_by", "approved_by", "approved_at", "created_at", "updated_at", "version",
    "child_id", "plan_id", "request_id", "indicative_budget_id", NULL };
static const char *const element_server_owned[] = { "id", "committed_pence", "spent_pence",
    "remaining_pence", "payee_name", "exceptions", "indicative_pence", "difference_pence", NULL };


static void date_not_future(int present, int32_t d, const char *prefix, const char *name,
    struct pb_problem *p)
{
	char fld[96];

	snprintf(fld, sizeof(fld), "%s%s", prefix, name);
	if (present && d > pb_date_today())
		pb_problem_field(p, fld, "invalid", "%s cannot be in the future.", name);
}

/* The agreement object at obj (create: agreed_provision and outcomes are
 * required; patch: every field optional). */
static void read_agreement(const cJSON *obj, const char *prefix, int create,
    struct pb_budget_agreement_in *a, struct pb_problem *p)
{
	static const char *const allowed[] = { "agreed_provision", "outcomes", "signed_on",
	    "school_premises", "head_teacher_agreed_on", NULL };
	char fld[96];

	a->present = 1;
	pb_json_check_members(obj, prefix, allowed, NULL, p);
	pb_json_get_string(obj, prefix, "agreed_provision", create, 1, 2000,
	    &a->agreed_provision, p);
	const cJSON *outs = cJSON_GetObjectItemCaseSensitive(obj, "outcomes");
	snprintf(fld, sizeof(fld), "%soutcomes", prefix);
	if (outs == NULL) {
		if (create)
			pb_problem_field(p, fld, "required", "outcomes is required.");
	} else if (!cJSON_IsArray(outs) || cJSON_GetArraySize(outs) < 1 ||
	    cJSON_GetArraySize(outs) > PB_BUDGET_MAX_OUTCOMES) {
		pb_problem_field(p, fld, "invalid",
		    "outcomes must be an array of 1 to 20 strings.");
	} else {
		const cJSON *o;
		a->has_outcomes = 1;
		cJSON_ArrayForEach(o, outs) {
			size_t n = cJSON_IsString(o) ? strlen(o->valuestring) : 0;
			int ctrl = 0;
			for (size_t k = 0; k < n; k++)
				ctrl |= (unsigned char)o->valuestring[k] < 0x20;
			if (n < 1 || n > OUTCOME_MAX || ctrl) {
				pb_problem_field(p, fld, "invalid", "each outcome must be a "
				    "string of 1 to 500 bytes without control characters.");
				break;
			}
			a->outcomes[a->noutcomes++] = o->valuestring;
		}
	}
	pb_json_get_date(obj, prefix, "signed_on", 0, 0, &a->signed_on, &a->has_signed_on, p);
	pb_json_get_bool(obj, prefix, "school_premises", 0, &a->school_premises,
	    &a->has_school_premises, p);
	pb_json_get_date(obj, prefix, "head_teacher_agreed_on", 0, 0,
	    &a->head_teacher_agreed_on, &a->has_head_teacher_agreed_on, p);
	date_not_future(a->has_signed_on, a->signed_on, prefix, "signed_on", p);
	date_not_future(a->has_head_teacher_agreed_on, a->head_teacher_agreed_on, prefix,
	    "head_teacher_agreed_on", p);
}

static void read_element(const cJSON *obj, const char *key, size_t i,
    struct pb_budget_element_in *e, struct api_element_ids *ids, struct pb_problem *p)
{
	static const char *const allowed[] = { "stream", "service_type", "arrangement",
	    "allocated_pence", "recipient_person_id", "payee_id", "agreement", NULL };
	char prefix[48], fld[80];
	int idx = 0, present = 0;

	snprintf(prefix, sizeof(prefix), "%s[%zu].", key, i);
	if (!cJSON_IsObject(obj)) {
		snprintf(fld, sizeof(fld), "%s[%zu]", key, i);
		pb_problem_field(p, fld, "invalid_type", "Each element must be an object.");
		return;
	}
	pb_json_check_members(obj, prefix, allowed, element_server_owned, p);
	if (pb_json_get_name(obj, prefix, "stream", 1, pb_stream_names, PB_STREAM_NAMES, &idx,
	    p) == PB_OK)
		e->stream = (enum pb_stream)idx;
	if (pb_json_get_string(obj, prefix, "service_type", 1, 1, 64, &e->service_type, p)
	    == PB_OK && !pb_text_snake(e->service_type, 64)) {
		snprintf(fld, sizeof(fld), "%sservice_type", prefix);
		pb_problem_field(p, fld, "invalid",
		    "service_type is lower-case letters, digits and _ (e.g. short_breaks).");
	}
	if (pb_json_get_name(obj, prefix, "arrangement", 1, pb_arrangement_names,
	    PB_ELEMENT_ARRANGEMENTS, &idx, p) == PB_OK)
		e->arrangement = (enum pb_arrangement)idx;
	pb_json_get_pence(obj, prefix, "allocated_pence", 1, 1, &e->allocated_pence,
	    &present, p);
	if (pb_json_get_uuid(obj, prefix, "recipient_person_id", 0, ids->recipient[i],
	    &present, p) == PB_OK && present)
		e->recipient_person_id = ids->recipient[i];
	if (pb_json_get_uuid(obj, prefix, "payee_id", 0, ids->payee[i], &present, p) == PB_OK &&
	    present)
		e->payee_id = ids->payee[i];
	const cJSON *ag = cJSON_GetObjectItemCaseSensitive(obj, "agreement");
	if (ag != NULL) {
		snprintf(fld, sizeof(fld), "%sagreement", prefix);
		if (!cJSON_IsObject(ag)) {
			pb_problem_field(p, fld, "invalid_type", "agreement must be an object.");
		} else {
			snprintf(fld, sizeof(fld), "%sagreement.", prefix);
			read_agreement(ag, fld, 1, &e->agreement, p);
		}
	}
}

void api_budget_read_elements(const cJSON *body, const char *key, int required,
    struct pb_budget_in *in, struct api_element_ids *ids, struct pb_problem *p)
{
	const cJSON *arr = cJSON_GetObjectItemCaseSensitive(body, key);
	const cJSON *o;
	char fld[48];

	if (arr == NULL) {
		if (required)
			pb_problem_field(p, key, "required", "%s is required.", key);
		return;
	}
	if (!cJSON_IsArray(arr) || cJSON_GetArraySize(arr) < 1 ||
	    cJSON_GetArraySize(arr) > PB_BUDGET_MAX_ELEMENTS) {
		pb_problem_field(p, key, "invalid",
		    "%s must be an array of 1 to %d elements.", key, PB_BUDGET_MAX_ELEMENTS);
		return;
	}
	in->has_elements = 1;
	cJSON_ArrayForEach(o, arr) {
		read_element(o, key, in->nelements, &in->elements[in->nelements], ids, p);
		in->nelements++;
	}
	for (size_t i = 0; i < in->nelements && p->err == PB_OK; i++)
		for (size_t j = 0; j < i; j++) {
			const struct pb_budget_element_in *a = &in->elements[i], *b = &in->elements[j];
			if (a->stream == b->stream && a->arrangement == b->arrangement &&
			    strcmp(a->service_type, b->service_type) == 0) {
				snprintf(fld, sizeof(fld), "%s[%zu]", key, i);
				pb_problem_field(p, fld, "duplicate", "Each stream and service "
				    "type appears once per arrangement in a budget.");
				break;
			}
		}
}

static void read_period(const cJSON *body, int required, struct pb_budget_in *in,
    struct pb_problem *p)
{
	pb_json_get_date(body, "", "period_start", required, 0, &in->period_start,
	    &in->has_period_start, p);
	pb_json_get_date(body, "", "period_end", required, 0, &in->period_end,
	    &in->has_period_end, p);
}

static void budget_location(char *buf, size_t n, const char *id)
{
	snprintf(buf, n, "/v1/budgets/%s", id);
}

void api_budgets_create(struct pb_req *req, struct pb_resp *resp)
{
	static const char *const allowed[] = { "child_id", "plan_id", "request_id",
	    "indicative_budget_id", "period_start", "period_end", "elements", NULL };
	struct pb_problem p;
	struct pb_budget_in *in = calloc(1, sizeof(*in));
	struct api_element_ids *ids = calloc(1, sizeof(*ids));
	struct pb_actor actor;
	struct pb_db *db;
	cJSON *body = NULL;
	char child[37], plan[37], request[37], indicative[37], id[37], loc[96], *json = NULL;
	int present = 0, version = 0;

	if (in == NULL || ids == NULL)
		abort();
	if (api_allow(req, resp, DRAFTERS) || api_body(req, resp, 0, &body))
		goto done;
	pb_problem_init(&p);
	pb_json_check_members(body, "", allowed, budget_server_owned, &p);
	if (pb_json_get_uuid(body, "", "child_id", 1, child, &present, &p) == PB_OK)
		in->child_id = child;
	/* ELIG-1/ELIG-10: only an education element needs a plan (the service
	 * refuses one without: 422 ELIG-1) */
	if (pb_json_get_uuid(body, "", "plan_id", 0, plan, &present, &p) == PB_OK && present)
		in->plan_id = plan;
	if (pb_json_get_uuid(body, "", "request_id", 0, request, &present, &p) == PB_OK &&
	    present)
		in->request_id = request;
	if (pb_json_get_uuid(body, "", "indicative_budget_id", 0, indicative, &present, &p) ==
	    PB_OK && present)
		in->indicative_budget_id = indicative;
	read_period(body, 1, in, &p);
	api_budget_read_elements(body, "elements", 1, in, ids, &p);
	if (p.err) {
		pb_resp_problem(resp, &p);
	} else if (api_db(req, resp, &db) == 0) {
		api_actor(req, &actor);
		enum pb_err err = pb_budget_create(db, &actor, in, pb_date_today(), &p, id,
		    &json, &version);
		if (err) {
			api_fail(resp, err, &p);
		} else {
			budget_location(loc, sizeof(loc), id);
			api_json_text(resp, 201, json, version, loc);
		}
	}
done:
	cJSON_Delete(body);
	free(in);
	free(ids);
}

void api_budgets_get(struct pb_req *req, struct pb_resp *resp)
{
	api_get_by_id(req, resp, API_READERS, "id", pb_budget_get);
}

void api_budgets_patch(struct pb_req *req, struct pb_resp *resp)
{
	static const char *const allowed[] = { "period_start", "period_end", "elements", NULL };
	struct pb_problem p;
	struct pb_budget_in *in = calloc(1, sizeof(*in));
	struct api_element_ids *ids = calloc(1, sizeof(*ids));
	struct pb_actor actor;
	struct pb_db *db;
	cJSON *body = NULL;
	char id[37], *json = NULL;
	int if_match, version = 0;

	if (in == NULL || ids == NULL)
		abort();
	if (api_write_open(req, resp, DRAFTERS, "id", id, &if_match, 0, &body))
		goto done;
	pb_problem_init(&p);
	pb_json_check_members(body, "", allowed, patch_server_owned, &p);
	read_period(body, 0, in, &p);
	api_budget_read_elements(body, "elements", 0, in, ids, &p);
	if (p.err) {
		pb_resp_problem(resp, &p);
	} else if (api_db(req, resp, &db) == 0) {
		api_actor(req, &actor);
		enum pb_err err = pb_budget_patch(db, &actor, id, in, if_match, pb_date_today(),
		    &p, &json, &version);
		api_reply(resp, err, &p, json, version);
	}
done:
	cJSON_Delete(body);
	free(in);
	free(ids);
}

/* approve | suspend | resume | close: {reason} (required for suspend and
 * close, optional otherwise). */
static void act(struct pb_req *req, struct pb_resp *resp, enum pb_budget_action action,
    int reason_required)
{
	static const char *const allowed[] = { "reason", NULL };
	struct pb_problem p;
	struct pb_actor actor;
	struct pb_db *db;
	cJSON *body = NULL;
	const char *reason = NULL;
	char id[37], *json = NULL;
	int version = 0;

	if (api_allow(req, resp, APPROVERS) || api_id(req, resp, "id", id) ||
	    api_body(req, resp, 1, &body))
		return;
	pb_problem_init(&p);
	pb_json_check_members(body, "", allowed, NULL, &p);
	pb_json_get_string(body, "", "reason", reason_required, 1, REASON_MAX, &reason, &p);
	if (p.err) {
		pb_resp_problem(resp, &p);
	} else if (api_db(req, resp, &db) == 0) {
		api_actor(req, &actor);
		enum pb_err err = pb_budget_act(db, &actor, id, action, reason, &p, &json, &version);
		api_reply(resp, err, &p, json, version);
	}
	cJSON_Delete(body);
}

void api_budgets_approve(struct pb_req *req, struct pb_resp *resp)
{
	act(req, resp, PB_BUDGET_ACTION_APPROVE, 0);
}

void api_budgets_suspend(struct pb_req *req, struct pb_resp *resp)
{
	act(req, resp, PB_BUDGET_ACTION_SUSPEND, 1);
}

void api_budgets_resume(struct pb_req *req, struct pb_resp *resp)
{
	act(req, resp, PB_BUDGET_ACTION_RESUME, 0);
}

void api_budgets_close(struct pb_req *req, struct pb_resp *resp)
{
	act(req, resp, PB_BUDGET_ACTION_CLOSE, 1);
}

void api_budgets_agreement_patch(struct pb_req *req, struct pb_resp *resp)
{
	struct pb_problem p;
	struct pb_budget_agreement_in a;
	struct pb_actor actor;
	struct pb_db *db;
	cJSON *body = NULL;
	char id[37], element[37], *json = NULL;
	int version = 0;

	memset(&a, 0, sizeof(a));
	if (api_allow(req, resp, AGREEMENT_WRITERS) || api_id(req, resp, "id", id) ||
	    api_id(req, resp, "element_id", element) || api_body(req, resp, 0, &body))
		return;
	pb_problem_init(&p);
	read_agreement(body, "", 0, &a, &p);
	if (p.err == PB_OK && a.agreed_provision == NULL && !a.has_outcomes &&
	    !a.has_signed_on && !a.has_school_premises && !a.has_head_teacher_agreed_on)
		pb_problem_field(&p, "body", "required", "Send at least one agreement field.");
	if (p.err) {
		pb_resp_problem(resp, &p);
	} else if (api_db(req, resp, &db) == 0) {
		api_actor(req, &actor);
		enum pb_err err = pb_budget_agreement_patch(db, &actor, id, element, &a, &p,
		    &json, &version);
		api_reply(resp, err, &p, json, version);
	}
	cJSON_Delete(body);
}

void api_budgets_exception_create(struct pb_req *req, struct pb_resp *resp)
{
	static const char *const allowed[] = { "rule", "reason", NULL };
	static const char *const owned[] = { "id", "budget_id", "element_id", "recorded_by",
	    "recorded_at", NULL };
	struct pb_problem p;
	struct pb_actor actor;
	struct pb_db *db;
	cJSON *body = NULL;
	const char *rule = NULL, *reason = NULL;
	char id[37], element[37], xid[37], loc[160], *json = NULL;

	if (api_allow(req, resp, APPROVERS) || api_id(req, resp, "id", id) ||
	    api_id(req, resp, "element_id", element) || api_body(req, resp, 0, &body))
		return;
	pb_problem_init(&p);
	pb_json_check_members(body, "", allowed, owned, &p);
	pb_json_get_string(body, "", "rule", 1, 1, 16, &rule, &p);
	pb_json_get_string(body, "", "reason", 1, 1, REASON_MAX, &reason, &p);
	if (p.err) {
		pb_resp_problem(resp, &p);
	} else if (api_db(req, resp, &db) == 0) {
		api_actor(req, &actor);
		enum pb_err err = pb_budget_exception_add(db, &actor, id, element, rule, reason,
		    &p, xid, &json);
		if (err) {
			api_fail(resp, err, &p);
		} else {
			snprintf(loc, sizeof(loc), "/v1/budgets/%s/elements/%s/exceptions/%s",
			    id, element, xid);
			api_json_text(resp, 201, json, 0, loc);
		}
	}
	cJSON_Delete(body);
}

void api_budgets_statement(struct pb_req *req, struct pb_resp *resp)
{
	api_list(req, resp, API_READERS, "id", pb_budget_statement);
}

/* GET /v1/budgets?status=&child_id=&arrangement=&review_due_before=
 * &period_active_on=&limit=&cursor= */
void api_budgets_list(struct pb_req *req, struct pb_resp *resp)
{
	static const char *const statuses[] = { "draft", "approved", "suspended", "closed",
	    NULL };
	static const char *const arrangements[] = { "direct_payment", "third_party", "notional",
	    "mixed", NULL };
	struct pb_budget_filter f;
	struct pb_problem p;
	struct pb_scope scope;
	struct pb_db *db;
	char child[37], cbuf[37], due[11], active[11], *json = NULL;
	const char *cursor;
	int limit = API_PAGE_DEFAULT;

	if (api_allow(req, resp, API_READERS) || api_page(req, resp, &limit, cbuf, &cursor))
		return;
	pb_problem_init(&p);
	f.status = pb_req_query(req, "status");
	f.child_id = pb_req_query(req, "child_id");
	f.arrangement = pb_req_query(req, "arrangement");
	f.review_due_before = pb_req_query(req, "review_due_before");
	f.period_active_on = pb_req_query(req, "period_active_on");
	api_query_enum(f.status, "status", statuses, &p);
	api_query_uuid(f.child_id, "child_id", "a child's id", child, &p);
	api_query_enum(f.arrangement, "arrangement", arrangements, &p);
	api_query_date(f.review_due_before, "review_due_before", due, &p);
	api_query_date(f.period_active_on, "period_active_on", active, &p);
	if (p.err) {
		pb_resp_problem(resp, &p);
		return;
	}
	f.child_id = f.child_id ? child : NULL;
	f.review_due_before = f.review_due_before ? due : NULL;
	f.period_active_on = f.period_active_on ? active : NULL;
	if (api_db(req, resp, &db))
		return;
	api_scope(req, &scope);
	enum pb_err err = pb_budget_list(db, &scope, &f, cursor, limit, &json);
	if (err)
		api_fail(resp, err, NULL);
	else
		api_json_text(resp, 200, json, 0, NULL);
}

void api_children_budgets(struct pb_req *req, struct pb_resp *resp)
{
	api_list(req, resp, API_READERS, "id", pb_budget_list_for_child);
}

void api_budgets_section_j(struct pb_req *req, struct pb_resp *resp)
{
	/* JSON unless Accept prefers text/plain; Section J answered JSON to
	 * any Accept before negotiation, so nothing acceptable is still JSON */
	static const char *const forms[] = { "application/json", "text/plain" };
	struct pb_scope scope;
	struct pb_db *db;
	char id[37], *body = NULL;
	int text_form;

	if (api_allow(req, resp, API_READERS) || api_id(req, resp, "id", id) ||
	    api_accept(req, resp, forms, 2, 0, &text_form) || api_db(req, resp, &db))
		return;
	api_scope(req, &scope);
	enum pb_err err = pb_budget_section_j(db, &scope, id, text_form, &body);
	if (err)
		api_fail(resp, err, NULL);
	else
		pb_resp_raw(resp, 200, text_form ? "text/plain; charset=utf-8" : "application/json",
		    body, strlen(body));
}

/* 1 when If-None-Match lists etag (quoted, optionally W/) or is "*". */
static int etag_matches(const struct pb_req *req, const char *etag)
{
	const char *h = pb_req_header(req, "If-None-Match");
	size_t n = strlen(etag);

	if (h == NULL)
		return 0;
	for (const char *s = h; *s; ) {
		while (*s == ' ' || *s == ',')
			s++;
		if (*s == '*')
			return 1;
		if (strncmp(s, "W/", 2) == 0)
			s += 2;
		if (*s == '"' && strncmp(s + 1, etag, n) == 0 && s[n + 1] == '"')
			return 1;
		while (*s && *s != ',')
			s++;
	}
	return 0;
}

void api_me_budgets(struct pb_req *req, struct pb_resp *resp)
{
	struct pb_db *db;
	char etag[PB_FAMILY_ETAG_LEN], quoted[PB_FAMILY_ETAG_LEN + 2], *json = NULL;
	int32_t today = pb_date_today();

	if (!pb_principal_has(&req->principal, PB_ROLE_FAMILY) ||
	    req->principal.person_id[0] == '\0') {
		pb_resp_error(resp, PB_EFORBIDDEN, "Only a family token has its own budgets.");
		return;
	}
	if (api_db_stale(req, resp, 0, &db))
		return;
	/* A conditional request is answered from the stored version alone;
	 * only a changed view is read and rendered. */
	enum pb_err err = PB_OK;
	int fresh = pb_req_header(req, "If-None-Match") != NULL &&
	    (err = pb_budget_family_view_etag(db, req->principal.la, req->principal.person_id,
	    today, etag)) == PB_OK && etag_matches(req, etag);
	if (!fresh && err == PB_OK)
		err = pb_budget_family_view(db, req->principal.la, req->principal.person_id, today,
		    &json, etag);
	if (err) {
		api_fail(resp, err, NULL);
		return;
	}
	snprintf(quoted, sizeof(quoted), "\"%s\"", etag);
	if (fresh)
		pb_resp_raw(resp, 304, NULL, NULL, 0);
	else
		api_json_text(resp, 200, json, 0, NULL);
	pb_resp_header(resp, "ETag", quoted);
	pb_resp_header(resp, "Vary", "Authorization");
}

void api_reviews_due(struct pb_req *req, struct pb_resp *resp)
{
	struct pb_problem p;
	struct pb_db *db;
	char cbuf[37], *json = NULL;
	const char *cursor, *b = pb_req_query(req, "before");
	int limit;
	int32_t today = pb_date_today(), before = today + REVIEW_DEFAULT_DAYS;

	if (api_allow(req, resp, REVIEW_READERS) ||
	    api_page(req, resp, &limit, cbuf, &cursor))
		return;
	if (b != NULL && pb_date_parse(b, strlen(b), &before) != PB_OK) {
		pb_problem_init(&p);
		pb_problem_field(&p, "before", "invalid_date", "before must be a date YYYY-MM-DD.");
		pb_resp_problem(resp, &p);
		return;
	}
	if (api_db(req, resp, &db))
		return;
	enum pb_err err = pb_budget_reviews_due(db, req->principal.la, today, before, cursor,
	    limit, &json);
	if (err) {
		api_fail(resp, err, NULL);
	} else {
		api_json_text(resp, 200, json, 0, NULL);
	}
}
