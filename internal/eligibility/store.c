/* SPDX-License-Identifier: MIT */
/*
 * store.c — SQL for the eligibility service (see store.h).  Every
 * statement names la; transactions belong to service.c.
 */
#include "internal/eligibility/store.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "internal/core/date.h"
#include "internal/db/db.h"
#include "internal/db/rows.h"

#define OFFER_COLS "o.service_type, o.stream, o.offered, o.direct_payment_allowed," \
	" o.version, o.id, o.updated_by, pb_ts(o.updated_at), coalesce(o.label, '')"

/* Row i of an OFFER_COLS result into *r. */
static void offer_row(const PGresult *res, int i, struct pb_elig_offer_row *r)
{
	memset(r, 0, sizeof(*r));
	pb_db_col_copy(res, i, 0, r->service_type, sizeof(r->service_type));
	const char *stream = PQgetvalue(res, i, 1);
	if (pb_stream_parse(stream, strlen(stream), &r->stream) != PB_OK)
		r->stream = PB_STREAM_EDUCATION; /* CHECK constraint makes this unreachable */
	r->offered = pb_db_col_bool(res, i, 2);
	r->direct_payment_allowed = pb_db_col_bool(res, i, 3);
	r->version = (int)pb_db_col_int64(res, i, 4);
	pb_db_col_copy(res, i, 5, r->id, sizeof(r->id));
	pb_db_col_copy(res, i, 6, r->updated_by, sizeof(r->updated_by));
	pb_db_col_copy(res, i, 7, r->updated_at, sizeof(r->updated_at));
	pb_db_col_copy(res, i, 8, r->label, sizeof(r->label));
	r->local = 1;
}

/* A text[] literal of service types.  They match [a-z0-9_]{1,64} (checked
 * by the API), so no element needs quoting; this is a parameter value,
 * never SQL text. */
static void types_literal(const char *const *types, size_t n, char *buf, size_t len)
{
	size_t used = 0;

	buf[0] = '\0';
	used += (size_t)snprintf(buf, len, "{");
	for (size_t i = 0; i < n && used < len; i++)
		used += (size_t)snprintf(buf + used, len - used, "%s%s", i ? "," : "", types[i]);
	if (used < len)
		snprintf(buf + used, len - used, "}");
}

enum pb_err pb_elig_store_offer_load(struct pb_db *db, const char *la,
    const char *const *types, size_t ntypes, struct pb_elig_offer_row *rows,
    size_t max, size_t *n)
{
	char list[PB_ELIG_MAX_ELEMENTS * (PB_ELIG_SERVICE_TYPE_MAX + 1) + 3];
	PGresult *res = NULL;

	*n = 0;
	if (types != NULL) {
		if (ntypes > PB_ELIG_MAX_ELEMENTS)
			return PB_EINTERNAL;
		types_literal(types, ntypes, list, sizeof(list));
	}
	const char *pp[] = { la, types ? list : NULL };
	enum pb_err err = pb_db_query(db,
	    "SELECT " OFFER_COLS " FROM offer_items o WHERE o.la = $1"
	    " AND ($2::text[] IS NULL OR o.service_type = ANY ($2::text[]))"
	    " ORDER BY o.service_type", 2, pp, &res);
	if (err)
		return err;
	for (int i = 0; i < PQntuples(res) && *n < max; i++)
		offer_row(res, i, &rows[(*n)++]);
	PQclear(res);
	return PB_OK;
}

enum pb_err pb_elig_store_offer_lock(struct pb_db *db, const char *la,
    const char *service_type, struct pb_elig_offer_row *row)
{
	PGresult *res = NULL;
	const char *pp[] = { la, service_type };

	enum pb_err err = pb_db_query(db,
	    "SELECT " OFFER_COLS " FROM offer_items o WHERE o.la = $1 AND o.service_type = $2"
	    " FOR UPDATE", 2, pp, &res);
	if (err)
		return err;
	if (PQntuples(res) == 1)
		offer_row(res, 0, row);
	else
		err = PB_ENOTFOUND;
	PQclear(res);
	return err;
}

enum pb_err pb_elig_store_offer_count(struct pb_db *db, const char *la, int *n)
{
	PGresult *res = NULL;
	const char *pp[] = { la };

	enum pb_err err = pb_db_query(db, "SELECT count(*) FROM offer_items WHERE la = $1",
	    1, pp, &res);
	if (err)
		return err;
	*n = (int)pb_db_col_int64(res, 0, 0);
	PQclear(res);
	return PB_OK;
}

enum pb_err pb_elig_store_offer_upsert(struct pb_db *db,
    const struct pb_actor *actor, const struct pb_elig_offer_row *in,
    struct pb_elig_offer_row *out)
{
	PGresult *res = NULL;
	const char *pp[] = { actor->la, in->id, in->service_type,
	    pb_stream_str(in->stream), in->offered ? "true" : "false",
	    in->direct_payment_allowed ? "true" : "false", actor->sub,
	    in->label[0] ? in->label : NULL };

	enum pb_err err = pb_db_query(db,
	    "INSERT INTO offer_items AS o (la, id, service_type, stream, offered,"
	    " direct_payment_allowed, updated_by, label) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)"
	    " ON CONFLICT (la, service_type) DO UPDATE SET stream = EXCLUDED.stream,"
	    " offered = EXCLUDED.offered, label = EXCLUDED.label,"
	    " direct_payment_allowed = EXCLUDED.direct_payment_allowed,"
	    " updated_by = EXCLUDED.updated_by, updated_at = now(), version = o.version + 1"
	    " RETURNING " OFFER_COLS, 8, pp, &res);
	if (err)
		return err;
	offer_row(res, 0, out);
	PQclear(res);
	return PB_OK;
}

/* --- facts ---------------------------------------------------------------- */

enum pb_err pb_elig_store_request_facts(struct pb_db *db, const char *la,
    const char *request_id, struct pb_elig_request_facts *out)
{
	PGresult *res = NULL;
	const char *pp[] = { la, request_id };

	memset(out, 0, sizeof(*out));
	/* one row per requested element (a request has at least one) */
	enum pb_err err = pb_db_query(db,
	    "SELECT r.child_id, r.status, e ->> 'stream', e ->> 'service_type', d.decision"
	    " FROM budget_requests r JOIN eligibility_checks c ON c.la = r.la AND c.id = r.check_id"
	    " LEFT JOIN LATERAL json_array_elements(c.result -> 'elements') e ON true"
	    " LEFT JOIN budget_request_element_decisions d ON d.la = r.la AND d.request_id = r.id"
	    "  AND d.stream = e ->> 'stream' AND d.service_type = e ->> 'service_type'"
	    " WHERE r.la = $1 AND r.id = $2", 2, pp, &res);
	if (err)
		return err;
	int n = PQntuples(res);
	if (n == 0)
		err = PB_ENOTFOUND;
	for (int i = 0; i < n && err == PB_OK; i++) {
		const char *st = PQgetvalue(res, i, 1), *stream = PQgetvalue(res, i, 2);
		if (i == 0) {
			pb_db_col_copy(res, 0, 0, out->child_id, sizeof(out->child_id));
			if (pb_elig_request_status_parse(st, strlen(st), &out->status))
				err = PB_EINTERNAL;
		}
		if (out->nelements == PB_ELIG_MAX_ELEMENTS || PQgetisnull(res, i, 2))
			break;
		if (pb_stream_parse(stream, strlen(stream), &out->elements[out->nelements].stream))
			err = PB_EINTERNAL;
		pb_db_col_copy(res, i, 3, out->elements[out->nelements].service_type,
		    sizeof(out->elements[0].service_type));
		out->elements[out->nelements].panel = PQgetisnull(res, i, 4) ? PB_ELIG_PANEL_NONE :
		    strcmp(PQgetvalue(res, i, 4), "approve") == 0 ? PB_ELIG_PANEL_APPROVED :
		    PB_ELIG_PANEL_DECLINED;
		out->nelements++;
	}
	PQclear(res);
	return err;
}

enum pb_err pb_elig_store_plan(struct pb_db *db, const char *la,
    const char *child_id, char plan_id[37],
    struct pb_elig_plan_event history[PB_ELIG_MAX_PLAN_HISTORY],
    size_t *nhistory)
{
	PGresult *res = NULL;
	char limit[16];
	const char *pp[] = { la, child_id, limit };

	plan_id[0] = '\0';
	*nhistory = 0;
	snprintf(limit, sizeof(limit), "%d", PB_ELIG_MAX_PLAN_HISTORY);
	enum pb_err err = pb_db_query(db,
	    "WITH p AS (SELECT id FROM plans WHERE la = $1 AND child_id = $2"
	    "   ORDER BY (status <> 'ceased') DESC, created_at DESC, id DESC LIMIT 1)"
	    " SELECT p.id, h.status, h.effective_from::text FROM p"
	    " LEFT JOIN LATERAL (SELECT status, effective_from, seq FROM plan_status_history"
	    "   WHERE la = $1 AND plan_id = p.id ORDER BY seq DESC LIMIT $3::int) h ON true"
	    " ORDER BY h.seq", 3, pp, &res);
	if (err)
		return err;
	for (int i = 0; i < PQntuples(res); i++) {
		struct pb_elig_plan_event *ev = &history[*nhistory];
		pb_db_col_copy(res, i, 0, plan_id, 37);
		if (PQgetisnull(res, i, 1))
			continue;
		const char *st = PQgetvalue(res, i, 1);
		if (pb_plan_status_parse(st, strlen(st), &ev->status) ||
		    pb_date_parse(PQgetvalue(res, i, 2), (size_t)PQgetlength(res, i, 2),
		    &ev->effective_from)) {
			err = PB_EINTERNAL;
			break;
		}
		(*nhistory)++;
	}
	PQclear(res);
	return err;
}

/* --- checks and requests ---------------------------------------------------- */

enum pb_err pb_elig_store_check_insert(struct pb_db *db,
    const struct pb_actor *actor, const char *id, const char *child_id,
    const char *requester_person_id, int32_t as_of, const char *outcome,
    const char *result_json, char **json)
{
	char day[11];

	pb_date_format(as_of, day);
	const char *pp[] = { actor->la, id, child_id, requester_person_id, day, outcome,
	    result_json, actor->sub };
	return pb_db_one_json(db,
	    "INSERT INTO eligibility_checks AS c (la, id, child_id, requester_person_id,"
	    " as_of, outcome, result, created_by) VALUES ($1, $2, $3, $4, $5, $6, $7::json, $8)"
	    " RETURNING pb_json(c)::text", 8, pp, json, NULL);
}

/* Column 0 JSON text, column 1 child id, optional column 2 version. */
static enum pb_err json_and_child(struct pb_db *db, const char *sql,
    const char *la, const char *id, char child_id[37], char **json, int *version)
{
	PGresult *res = NULL;
	const char *pp[] = { la, id };

	*json = NULL;
	enum pb_err err = pb_db_query(db, sql, 2, pp, &res);
	if (err)
		return err;
	if (PQntuples(res) != 1) {
		PQclear(res);
		return PB_ENOTFOUND;
	}
	pb_db_col_copy(res, 0, 1, child_id, 37);
	if (version != NULL)
		*version = PQnfields(res) > 2 ? (int)pb_db_col_int64(res, 0, 2) : 0;
	*json = strdup(PQgetvalue(res, 0, 0));
	PQclear(res);
	if (*json == NULL)
		abort();
	return PB_OK;
}

enum pb_err pb_elig_store_check_get(struct pb_db *db, const char *la,
    const char *id, char child_id[37], char **json)
{
	return json_and_child(db, "SELECT pb_json(c)::text, c.child_id FROM eligibility_checks c"
	    " WHERE c.la = $1 AND c.id = $2", la, id, child_id, json, NULL);
}

enum pb_err pb_elig_store_request_get(struct pb_db *db, const char *la,
    const char *id, char child_id[37], char **json, int *version)
{
	return json_and_child(db, "SELECT pb_json(r)::text, r.child_id, r.version"
	    " FROM budget_requests r WHERE r.la = $1 AND r.id = $2", la, id, child_id,
	    json, version);
}

enum pb_err pb_elig_store_request_insert(struct pb_db *db,
    const struct pb_actor *actor, const char *id, const char *child_id,
    const char *requester_person_id, const char *check_id,
    enum pb_elig_request_status status, const char *notes, char **json,
    int *version)
{
	const char *pp[] = { actor->la, id, child_id, requester_person_id, check_id,
	    pb_elig_request_status_str(status), notes, actor->sub };
	return pb_db_one_json(db,
	    "INSERT INTO budget_requests AS r (la, id, child_id, requester_person_id,"
	    " check_id, status, notes, created_by) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)"
	    " RETURNING pb_json(r)::text, r.version", 8, pp, json, version);
}

enum pb_err pb_elig_store_request_lock(struct pb_db *db, const char *la,
    const char *id, enum pb_elig_request_status *status, char child_id[37],
    char decided_by[128], int *version, char **before)
{
	PGresult *res = NULL;
	const char *pp[] = { la, id };

	*before = NULL;
	enum pb_err err = pb_db_query(db,
	    "SELECT r.status, r.child_id, r.version, pb_json(r)::text, r.decided_by"
	    " FROM budget_requests r WHERE r.la = $1 AND r.id = $2 FOR UPDATE", 2, pp, &res);
	if (err)
		return err;
	if (PQntuples(res) != 1) {
		PQclear(res);
		return PB_ENOTFOUND;
	}
	const char *st = PQgetvalue(res, 0, 0);
	if (pb_elig_request_status_parse(st, strlen(st), status))
		err = PB_EINTERNAL;
	pb_db_col_copy(res, 0, 1, child_id, 37);
	*version = (int)pb_db_col_int64(res, 0, 2);
	pb_db_col_copy(res, 0, 4, decided_by, 128);
	*before = strdup(PQgetvalue(res, 0, 3));
	PQclear(res);
	if (*before == NULL)
		abort();
	return err;
}

enum pb_err pb_elig_store_request_update(struct pb_db *db,
    const struct pb_actor *actor, const char *id,
    enum pb_elig_request_action action, enum pb_elig_request_status to,
    const char *reason, const char *budget_id, char **json, int *version)
{
	/* $4 is the action: each branch owns its own columns. */
	const char *pp[] = { actor->la, id, pb_elig_request_status_str(to),
	    pb_elig_request_action_str(action), reason, actor->sub, budget_id };
	return pb_db_one_json(db,
	    "UPDATE budget_requests AS r SET status = $3,"
	    " decision = CASE WHEN $4 IN ('approve', 'decline') THEN $4 ELSE decision END,"
	    " decision_reason = CASE WHEN $4 IN ('approve', 'decline') THEN $5 ELSE decision_reason END,"
	    " decided_by = CASE WHEN $4 IN ('approve', 'decline') THEN $6 ELSE decided_by END,"
	    " decided_at = CASE WHEN $4 IN ('approve', 'decline') THEN now() ELSE decided_at END,"
	    " review_reason = CASE WHEN $4 = 'request_review' THEN $5 ELSE review_reason END,"
	    " review_requested_by = CASE WHEN $4 = 'request_review' THEN $6 ELSE review_requested_by END,"
	    " review_requested_at = CASE WHEN $4 = 'request_review' THEN now() ELSE review_requested_at END,"
	    " review_decision = CASE WHEN $4 IN ('uphold', 'overturn') THEN $4 ELSE review_decision END,"
	    " review_decision_reason = CASE WHEN $4 IN ('uphold', 'overturn') THEN $5"
	    "   ELSE review_decision_reason END,"
	    " review_decided_by = CASE WHEN $4 IN ('uphold', 'overturn') THEN $6 ELSE review_decided_by END,"
	    " review_decided_at = CASE WHEN $4 IN ('uphold', 'overturn') THEN now() ELSE review_decided_at END,"
	    " withdrawn_reason = CASE WHEN $4 = 'withdraw' THEN $5 ELSE withdrawn_reason END,"
	    " withdrawn_by = CASE WHEN $4 = 'withdraw' THEN $6 ELSE withdrawn_by END,"
	    " withdrawn_at = CASE WHEN $4 = 'withdraw' THEN now() ELSE withdrawn_at END,"
	    " budget_id = coalesce($7::uuid, budget_id),"
	    " version = version + 1, updated_at = now()"
	    " WHERE r.la = $1 AND r.id = $2 RETURNING pb_json(r)::text, r.version",
	    7, pp, json, version);
}

enum pb_err pb_elig_store_request_list(struct pb_db *db, const struct pb_scope *scope,
    const char *statuses, const char *child_id, const char *cursor, int limit, char **json)
{
	char lim[24];
	const char *pp[] = { scope->la, statuses, child_id, cursor,
	    pb_db_int_param(limit + 1, lim), scope->family_person_id };
	/* keyset paging on (created_at, id), oldest first: the queue's order;
	 * the cursor names the last row of the page before */
	return pb_db_list_json(db,
	    "SELECT pb_request_papers_json(r)::text, r.id FROM budget_requests r"
	    " WHERE r.la = $1"
	    " AND ($2::text IS NULL OR r.status = ANY (string_to_array($2::text, ',')))"
	    " AND ($3::uuid IS NULL OR r.child_id = $3::uuid)"
	    " AND pb_child_visible(r.la, r.child_id, $6::uuid)"
	    " AND ($4::uuid IS NULL OR (r.created_at, r.id) > (SELECT q.created_at, q.id"
	    "  FROM budget_requests q WHERE q.la = $1 AND q.id = $4::uuid))"
	    " ORDER BY r.created_at, r.id LIMIT $5", 6, pp, limit, json);
}

enum pb_err pb_elig_store_decision_insert(struct pb_db *db, const struct pb_actor *actor,
    const char *request_id, const struct pb_elig_element_decision *d)
{
	const char *pp[] = { actor->la, request_id, pb_stream_str(d->stream), d->service_type,
	    d->approve ? "approve" : "decline", d->conditions, actor->sub };
	return pb_db_query(db,
	    "INSERT INTO budget_request_element_decisions (la, request_id, stream, service_type,"
	    " decision, conditions, decided_by) VALUES ($1, $2, $3, $4, $5, $6, $7)", 7, pp, NULL);
}
