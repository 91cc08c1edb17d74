/* SPDX-License-Identifier: MIT */
/*
 * store.c — SQL of the payment service (see store.h).  Every statement
 * names la; reads in a family scope add the contacts ownership test.
 */
#include "internal/payments/store.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "internal/core/date.h"
#include "internal/core/uuid.h"
#include "internal/db/db.h"
#include "internal/db/rows.h"

enum pb_err pb_pay_store_budget_share(struct pb_db *db, const char *la,
    const char *budget_id, struct pb_pay_budget_row *out)
{
	PGresult *res = NULL;
	const char *pp[] = { la, budget_id };
	/* FOR SHARE OF b: the plan row is read, not locked */
	enum pb_err err = pb_db_one_row(db,
	    "SELECT b.child_id, b.status, b.period_start, b.period_end,"
	    " coalesce(pl.issued_on, pl.assessment_agreed_on), pl.ceased_on"
	    " FROM budgets b LEFT JOIN plans pl ON pl.la = b.la AND pl.id = b.plan_id"
	    " WHERE b.la = $1 AND b.id = $2 FOR SHARE OF b", 2, pp, &res);
	if (err)
		return err;
	const char *s = PQgetvalue(res, 0, 1);
	out->status = (enum pb_budget_status)0;
	pb_budget_status_parse(s, strlen(s), &out->status);
	pb_db_col_copy(res, 0, 0, out->child_id, sizeof(out->child_id));
	out->period_start = pb_db_col_date(res, 0, 2, PB_DATE_NONE);
	out->period_end = pb_db_col_date(res, 0, 3, PB_DATE_NONE);
	out->plan_start = pb_db_col_date(res, 0, 4, PB_DATE_NONE);
	out->plan_ceased_on = pb_db_col_date(res, 0, 5, PB_DATE_NONE);
	PQclear(res);
	return out->status ? PB_OK : PB_EINTERNAL;
}

#define ELEMENT_FACTS \
	"SELECT e.arrangement, e.allocated_pence, e.committed_pence, e.spent_pence," \
	" e.payee_id, e.signed_on IS NOT NULL, coalesce(e.school_premises, false)," \
	" e.head_teacher_agreed_on IS NOT NULL," \
	" EXISTS (SELECT 1 FROM budget_element_exceptions x WHERE x.la = e.la" \
	"  AND x.element_id = e.id AND x.rule = 'PAY-11')," \
	" e.stream, e.recipient_person_id, e.stopped_rule, e.head_teacher_withdrawn_on" \
	" FROM budget_elements e WHERE e.la = $1 AND e.budget_id = $2 AND e.id = $3"

static enum pb_err element_row(struct pb_db *db, const char *sql, const char *la,
    const char *budget_id, const char *element_id, struct pb_pay_element_row *out)
{
	PGresult *res = NULL;
	const char *pp[] = { la, budget_id, element_id };
	enum pb_err err = pb_db_one_row(db, sql, 3, pp, &res);
	if (err)
		return err;
	const char *a = PQgetvalue(res, 0, 0), *st = PQgetvalue(res, 0, 9);
	memset(out, 0, sizeof(*out));
	if (pb_arrangement_parse(a, strlen(a), &out->arrangement) != PB_OK ||
	    pb_stream_parse(st, strlen(st), &out->stream) != PB_OK)
		err = PB_EINTERNAL;
	out->allocated_pence = pb_db_col_int64(res, 0, 1);
	out->committed_pence = pb_db_col_int64(res, 0, 2);
	out->spent_pence = pb_db_col_int64(res, 0, 3);
	pb_db_col_copy(res, 0, 4, out->payee_id, sizeof(out->payee_id));
	out->agreement_signed = pb_db_col_bool(res, 0, 5);
	out->school_premises = pb_db_col_bool(res, 0, 6);
	out->head_teacher_agreed = pb_db_col_bool(res, 0, 7);
	out->pay11_exception = pb_db_col_bool(res, 0, 8);
	pb_db_col_copy(res, 0, 10, out->recipient_person_id, sizeof(out->recipient_person_id));
	pb_db_col_copy(res, 0, 11, out->stopped_rule, sizeof(out->stopped_rule));
	out->head_teacher_withdrawn_on = pb_db_col_date(res, 0, 12, PB_DATE_NONE);
	out->head_teacher_withdrawn = out->head_teacher_withdrawn_on != PB_DATE_NONE;
	PQclear(res);
	return err;
}

enum pb_err pb_pay_store_element_lock(struct pb_db *db, const char *la,
    const char *budget_id, const char *element_id, struct pb_pay_element_row *out)
{
	return element_row(db, ELEMENT_FACTS " FOR UPDATE OF e", la, budget_id, element_id, out);
}

enum pb_err pb_pay_store_element(struct pb_db *db, const char *la,
    const char *budget_id, const char *element_id, struct pb_pay_element_row *out)
{
	return element_row(db, ELEMENT_FACTS, la, budget_id, element_id, out);
}

enum pb_err pb_pay_store_payee(struct pb_db *db, const char *la,
    const char *payee_id, const char *child_id, struct pb_pay_payee_row *out)
{
	PGresult *res = NULL;
	const char *pp[] = { la, payee_id, child_id };
	enum pb_err err = pb_db_one_row(db,
	    "SELECT y.kind, y.is_local_authority, y.person_id,"
	    " EXISTS (SELECT 1 FROM contacts k WHERE k.la = y.la AND k.child_id = $3"
	    "  AND k.person_id = y.person_id AND k.lives_with_child)"
	    " FROM payees y WHERE y.la = $1 AND y.id = $2", 3, pp, &res);
	if (err)
		return err;
	const char *k = PQgetvalue(res, 0, 0);
	if (pb_budget_payee_kind_parse(k, strlen(k), &out->kind) != PB_OK)
		err = PB_EINTERNAL;
	out->is_local_authority = pb_db_col_bool(res, 0, 1);
	pb_db_col_copy(res, 0, 2, out->person_id, sizeof(out->person_id));
	out->lives_with_child = pb_db_col_bool(res, 0, 3);
	PQclear(res);
	return err;
}

enum pb_err pb_pay_store_insert(struct pb_db *db, const char *la,
    const struct pb_pay_new *in, char id[37], int *inserted)
{
	PGresult *res = NULL;
	char amount[24], due[11];

	pb_uuid_new(id);
	const char *pp[] = { la, id, in->budget_id, in->element_id, in->payee_id,
	    pb_db_int_param(in->amount_pence, amount),
	    pb_pay_purpose_str(in->purpose), in->description ? in->description : "",
	    pb_db_date_param(in->due_date, due), in->created_by, in->schedule_id,
	    in->idempotency_key, in->reissue_of };
	enum pb_err err = pb_db_query(db,
	    "INSERT INTO payments (la, id, budget_id, element_id, payee_id, amount_pence,"
	    " purpose, description, due_date, status, created_by, schedule_id, idempotency_key,"
	    " reissue_of)"
	    " VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, 'pending_approval', $10, $11, $12, $13)"
	    " ON CONFLICT (la, schedule_id, due_date) WHERE schedule_id IS NOT NULL DO NOTHING"
	    " RETURNING id", 13, pp, &res);
	/* BUD-9 as the last line: the ledger trigger's element update failed
	 * the CHECK (23514 check_violation on budget_elements_bud9) */
	if (err == PB_EDB && strcmp(pb_db_sqlstate(db), "23514") == 0 &&
	    (strstr(pb_db_error(db), "budget_elements_bud9") != NULL ||
	    strstr(pb_db_error(db), "over its cap") != NULL))
		return PB_EFUNDS;
	/* 014's guard: the schedule was stopped (materialise re-reads it under
	 * the element's lock, so only a broken lock order gets here) */
	if (err == PB_EDB && strcmp(pb_db_sqlstate(db), "23514") == 0 &&
	    strstr(pb_db_error(db), "is stopped") != NULL)
		return PB_ETRANSITION;
	if (err)
		return err;
	*inserted = PQntuples(res) == 1;
	PQclear(res);
	return PB_OK;
}

enum pb_err pb_pay_store_payment_lock(struct pb_db *db, const char *la,
    const char *id, struct pb_pay_payment_row *out)
{
	PGresult *res = NULL;
	const char *pp[] = { la, id };
	enum pb_err err = pb_db_one_row(db,
	    "SELECT budget_id, status, created_by, element_id, payee_id, amount_pence, purpose,"
	    " due_date FROM payments WHERE la = $1 AND id = $2 FOR UPDATE", 2, pp, &res);
	if (err)
		return err;
	const char *s = PQgetvalue(res, 0, 1), *pu = PQgetvalue(res, 0, 6);
	pb_db_col_copy(res, 0, 0, out->budget_id, sizeof(out->budget_id));
	if (pb_pay_status_parse(s, strlen(s), &out->status) != PB_OK ||
	    pb_pay_purpose_parse(pu, strlen(pu), &out->purpose) != PB_OK)
		err = PB_EINTERNAL;
	pb_db_col_copy(res, 0, 2, out->created_by, sizeof(out->created_by));
	pb_db_col_copy(res, 0, 3, out->element_id, sizeof(out->element_id));
	pb_db_col_copy(res, 0, 4, out->payee_id, sizeof(out->payee_id));
	out->amount_pence = pb_db_col_int64(res, 0, 5);
	out->due_date = pb_db_col_date(res, 0, 7, PB_DATE_NONE);
	PQclear(res);
	return err;
}

enum pb_err pb_pay_store_payment_budget(struct pb_db *db, const char *la,
    const char *id, char budget_id[37])
{
	PGresult *res = NULL;
	const char *pp[] = { la, id };
	enum pb_err err = pb_db_one_row(db,
	    "SELECT budget_id FROM payments WHERE la = $1 AND id = $2", 2, pp, &res);
	if (err)
		return err;
	pb_db_col_copy(res, 0, 0, budget_id, 37);
	PQclear(res);
	return PB_OK;
}

enum pb_err pb_pay_store_set_status(struct pb_db *db, const struct pb_actor *actor,
    const char *id, enum pb_pay_status to, const char *reason)
{
	const char *pp[] = { actor->la, id, pb_pay_status_str(to), actor->sub, reason };
	return pb_db_query(db,
	    "UPDATE payments SET status = $3,"
	    " approved_by = CASE WHEN $3 = 'approved' THEN $4 ELSE approved_by END,"
	    " approved_at = CASE WHEN $3 = 'approved' THEN now() ELSE approved_at END,"
	    " cancelled_by = CASE WHEN $3 = 'cancelled' THEN $4 ELSE cancelled_by END,"
	    " cancel_reason = CASE WHEN $3 = 'cancelled' THEN $5 ELSE cancel_reason END,"
	    " version = version + 1, updated_at = now() WHERE la = $1 AND id = $2",
	    5, pp, NULL);
}

enum pb_err pb_pay_store_payment_json(struct pb_db *db, const char *la,
    const char *id, char **json, int *version)
{
	const char *pp[] = { la, id };
	return pb_db_one_json(db, "SELECT pb_json(p)::text, p.version FROM payments p"
	    " WHERE p.la = $1 AND p.id = $2", 2, pp, json, version);
}

enum pb_err pb_pay_store_payment_get(struct pb_db *db, const struct pb_scope *scope,
    const char *id, char **json, int *version)
{
	const char *pp[] = { scope->la, id, scope->family_person_id };
	return pb_db_one_json(db,
	    "SELECT pb_json(p)::text, p.version FROM payments p"
	    " JOIN budgets b ON b.la = p.la AND b.id = p.budget_id"
	    " WHERE p.la = $1 AND p.id = $2 AND pb_child_visible(b.la, b.child_id, $3::uuid)",
	    3, pp, json, version);
}

enum pb_err pb_pay_store_list(struct pb_db *db, const char *la,
    const char *budget_id, const char *cursor, int limit, char **json)
{
	char lim[24];

	const char *pp[] = { la, budget_id, cursor, pb_db_int_param(limit + 1, lim) };
	/* keyset paging on (due_date, id): the cursor names the last row */
	return pb_db_list_json(db,
	    "SELECT pb_json(p)::text, p.id FROM payments p"
	    " WHERE p.la = $1 AND p.budget_id = $2 AND ($3::uuid IS NULL OR"
	    "  (p.due_date, p.id) > (SELECT q.due_date, q.id FROM payments q"
	    "   WHERE q.la = $1 AND q.id = $3::uuid))"
	    " ORDER BY p.due_date, p.id LIMIT $4", 4, pp, limit, json);
}

enum pb_err pb_pay_store_family_paid(struct pb_db *db, const char *la, const char *person_id,
    const char *cursor, int limit, char **json)
{
	char lim[24];
	const char *pp[] = { la, person_id, cursor, pb_db_int_param(limit + 1, lim) };
	/* the direct payments paid to the person's family payee, of the
	 * children it is a contact of (index payments_paid_by_element, 026);
	 * keyset paging on (due_date, id) downwards: the cursor names the
	 * last row.  Every member is named here: a family projection. */
	return pb_db_list_json(db,
	    "SELECT json_build_object('id', p.id, 'due_date', p.due_date,"
	    "  'paid_on', (p.settled_at AT TIME ZONE 'UTC')::date, 'amount_pence', p.amount_pence,"
	    "  'status', p.status, 'description', p.description,"
	    "  'element_label', coalesce(o.label, pb_service_label(e.service_type)),"
	    "  'child', json_build_object('id', c.id, 'name', c.given_name || ' ' || c.family_name)"
	    " )::text, p.id"
	    " FROM contacts k JOIN children c ON c.la = k.la AND c.id = k.child_id"
	    " JOIN budgets b ON b.la = k.la AND b.child_id = k.child_id"
	    " JOIN budget_elements e ON e.la = b.la AND e.budget_id = b.id"
	    "  AND e.arrangement = 'direct_payment'"
	    " JOIN payments p ON p.la = e.la AND p.element_id = e.id AND p.payee_id = e.payee_id"
	    "  AND p.status = 'paid'"
	    " LEFT JOIN offer_items o ON o.la = e.la AND o.service_type = e.service_type"
	    " WHERE k.la = $1 AND k.person_id = $2 AND ($3::uuid IS NULL OR"
	    "  (p.due_date, p.id) < (SELECT q.due_date, q.id FROM payments q"
	    "   WHERE q.la = $1 AND q.id = $3::uuid))"
	    " ORDER BY p.due_date DESC, p.id DESC LIMIT $4", 4, pp, limit, json);
}

enum pb_err pb_pay_store_queue(struct pb_db *db, const char *la,
    const struct pb_pay_filter *f, const char *cursor, int limit, char **json)
{
	char before[11], after[11], lim[24];
	const char *pp[] = { la, f->status, pb_db_date_param(f->due_before, before),
	    pb_db_date_param(f->due_after, after), f->budget_id, f->payee_id, f->created_by,
	    cursor, pb_db_int_param(limit + 1, lim) };
	/* keyset paging on (due_date, id): rows inserted while a client pages
	 * land before or after the cursor, never shifting the pages between */
	return pb_db_list_json(db,
	    "SELECT pb_json(p)::text, p.id FROM payments p WHERE p.la = $1"
	    " AND ($2::text IS NULL OR p.status = $2) AND ($3::date IS NULL OR p.due_date <= $3)"
	    " AND ($4::date IS NULL OR p.due_date >= $4) AND ($5::uuid IS NULL OR p.budget_id = $5)"
	    " AND ($6::uuid IS NULL OR p.payee_id = $6) AND ($7::text IS NULL OR p.created_by = $7)"
	    " AND ($8::uuid IS NULL OR (p.due_date, p.id) > (SELECT q.due_date, q.id"
	    "  FROM payments q WHERE q.la = $1 AND q.id = $8::uuid))"
	    " ORDER BY p.due_date, p.id LIMIT $9", 9, pp, limit, json);
}

enum pb_err pb_pay_store_mark_reissued(struct pb_db *db, const char *la,
    const char *old_id, const char *new_id)
{
	const char *pp[] = { la, old_id, new_id };
	return pb_db_query(db, "UPDATE payments SET reissued_as = $3, version = version + 1,"
	    " updated_at = now() WHERE la = $1 AND id = $2", 3, pp, NULL);
}

/* ---- idempotency keys ------------------------------------------------------ */

enum pb_err pb_pay_store_idem_claim(struct pb_db *db, const char *la,
    const char *key, const char *request_hash, const char *sub, int *claimed)
{
	PGresult *res = NULL;
	const char *pp[] = { la, key, request_hash, sub };
	enum pb_err err = pb_db_query(db,
	    "INSERT INTO idempotency_keys (la, key, request_hash, created_by)"
	    " VALUES ($1, $2, $3, $4) ON CONFLICT (la, key) DO NOTHING RETURNING 1",
	    4, pp, &res);
	if (err)
		return err;
	*claimed = PQntuples(res) == 1;
	PQclear(res);
	return PB_OK;
}

enum pb_err pb_pay_store_idem_get(struct pb_db *db, const char *la,
    const char *key, struct pb_pay_idem_row *out)
{
	PGresult *res = NULL;
	const char *pp[] = { la, key };

	out->body = NULL;
	enum pb_err err = pb_db_one_row(db,
	    "SELECT request_hash, response_status, response_body, response_location"
	    " FROM idempotency_keys WHERE la = $1 AND key = $2", 2, pp, &res);
	if (err)
		return err;
	pb_db_col_copy(res, 0, 0, out->request_hash, sizeof(out->request_hash));
	out->status = (int)pb_db_col_int64(res, 0, 1);
	pb_db_col_copy(res, 0, 3, out->location, sizeof(out->location));
	out->body = strdup(PQgetvalue(res, 0, 2));
	PQclear(res);
	if (out->body == NULL)
		abort();
	return PB_OK;
}

enum pb_err pb_pay_store_idem_save(struct pb_db *db, const char *la,
    const char *key, int status, const char *body, const char *location)
{
	char st[16];

	snprintf(st, sizeof(st), "%d", status);
	const char *pp[] = { la, key, st, body, location };
	return pb_db_query(db,
	    "UPDATE idempotency_keys SET response_status = $3, response_body = $4,"
	    " response_location = $5 WHERE la = $1 AND key = $2", 5, pp, NULL);
}

enum pb_err pb_pay_store_idem_purge(struct pb_db *db, int *count)
{
	PGresult *res = NULL;
	enum pb_err err = pb_db_one_row(db,
	    "SELECT pb_idempotency_purge(interval '24 hours')", 0, NULL, &res);
	if (err)
		return err;
	*count = (int)pb_db_col_int64(res, 0, 0);
	PQclear(res);
	return PB_OK;
}

/* One [{"id", "after"}] array and its length from a (count, json) row. */
static enum pb_err entities(PGresult *res, char **json, int *count)
{
	*count = (int)pb_db_col_int64(res, 0, 0);
	*json = strdup(PQgetvalue(res, 0, 1));
	PQclear(res);
	if (*json == NULL)
		abort();
	return PB_OK;
}

enum pb_err pb_pay_store_cancel_wind_down(struct pb_db *db, const struct pb_actor *actor,
    const struct pb_pay_wind_down *w, char **payments, int *count)
{
	PGresult *res = NULL;
	char after[11];
	const char *pp[] = { actor->la, w->plan_id, w->element_id,
	    pb_db_date_param(w->after, after), w->reason, actor->sub, w->schedule_id };

	*payments = NULL;
	if (w->plan_id == NULL && w->element_id == NULL && w->schedule_id == NULL)
		return PB_EINTERNAL;    /* never every payment of the council */
	enum pb_err err = pb_db_one_row(db,
	    "WITH c AS (UPDATE payments AS p SET status = 'cancelled', cancel_reason = $5,"
	    "  cancelled_by = $6, version = p.version + 1, updated_at = now()"
	    "  FROM budgets b WHERE b.la = p.la AND b.id = p.budget_id AND p.la = $1"
	    "  AND ($2::uuid IS NULL OR b.plan_id = $2) AND ($3::uuid IS NULL OR p.element_id = $3)"
	    "  AND ($4::date IS NULL OR p.due_date > $4)"
	    "  AND ($7::uuid IS NULL OR p.schedule_id = $7)"
	    "  AND p.status IN ('pending_approval', 'approved')"
	    "  RETURNING p.id, pb_json(p) AS j)"
	    " SELECT count(*), coalesce(jsonb_agg(jsonb_build_object('id', c.id, 'after', c.j)"
	    "  ORDER BY c.id), '[]')::text FROM c", 7, pp, &res);
	return err ? err : entities(res, payments, count);
}

enum pb_err pb_pay_store_end_schedules(struct pb_db *db, const struct pb_actor *actor,
    const struct pb_pay_wind_down *w, char **schedules, int *count)
{
	PGresult *res = NULL;
	char end[11];
	const char *pp[] = { actor->la, w->plan_id, w->element_id, pb_db_date_param(w->end_on, end),
	    actor->sub, w->reason };

	*schedules = NULL;
	/* a schedule that would only start after end_on pays nothing: it is
	 * stopped (its end cannot precede its start) */
	enum pb_err err = pb_db_one_row(db,
	    "WITH s AS (UPDATE payment_schedules AS s SET"
	    "  end_date = greatest($4::date, s.start_date),"
	    "  stopped_at = CASE WHEN s.start_date > $4 THEN now() END,"
	    "  stopped_by = CASE WHEN s.start_date > $4 THEN $5 END,"
	    "  stopped_on = CASE WHEN s.start_date > $4 THEN $4::date END,"
	    "  stop_reason = CASE WHEN s.start_date > $4 THEN left($6, 1000) END,"
	    "  version = s.version + 1, updated_at = now()"
	    "  FROM budgets b WHERE b.la = s.la AND b.id = s.budget_id AND s.la = $1"
	    "  AND ($2::uuid IS NULL OR b.plan_id = $2) AND ($3::uuid IS NULL OR s.element_id = $3)"
	    "  AND (s.end_date IS NULL OR s.end_date > $4) AND s.stopped_at IS NULL"
	    "  RETURNING s.id, pb_json(s) AS j)"
	    " SELECT count(*), coalesce(jsonb_agg(jsonb_build_object('id', s.id, 'after', s.j)"
	    "  ORDER BY s.id), '[]')::text FROM s", 6, pp, &res);
	return err ? err : entities(res, schedules, count);
}

/* ---- schedules --------------------------------------------------------------- */

enum pb_err pb_pay_store_schedule_insert(struct pb_db *db, const struct pb_actor *actor,
    const struct pb_pay_schedule *s, char **json)
{
	char amount[24], start[11], end[11];

	char cap[24];
	const char *pp[] = { actor->la, s->id, s->budget_id, s->element_id, s->payee_id,
	    pb_db_int_param(s->amount_pence, amount), pb_pay_frequency_str(s->frequency),
	    pb_db_date_param(s->start_date, start), pb_db_date_param(s->end_date, end), actor->sub,
	    s->cap_pence >= 0 ? pb_db_int_param(s->cap_pence, cap) : NULL };
	return pb_db_one_json(db,
	    "INSERT INTO payment_schedules AS s (la, id, budget_id, element_id, payee_id,"
	    " amount_pence, frequency, start_date, end_date, created_by, cap_pence)"
	    " VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11) RETURNING pb_json(s)::text",
	    11, pp, json, NULL);
}

enum pb_err pb_pay_store_schedule_get(struct pb_db *db, const struct pb_scope *scope,
    const char *id, char **json, int *version)
{
	const char *pp[] = { scope->la, id, scope->family_person_id };
	return pb_db_one_json(db,
	    "SELECT pb_json(s)::text, s.version FROM payment_schedules s"
	    " JOIN budgets b ON b.la = s.la AND b.id = s.budget_id"
	    " WHERE s.la = $1 AND s.id = $2 AND pb_child_visible(b.la, b.child_id, $3::uuid)",
	    3, pp, json, version);
}

#define SCHEDULE_COLS \
	"SELECT s.id, s.budget_id, s.element_id, s.payee_id, s.amount_pence, s.frequency," \
	" s.start_date, s.end_date, s.created_by, s.cap_pence, s.stopped_at IS NOT NULL," \
	" s.version, pb_schedule_status(s)"

/* One schedule from row i of a SCHEDULE_COLS result. */
static enum pb_err schedule_row(const PGresult *res, int i, struct pb_pay_schedule *s)
{
	const char *f = PQgetvalue(res, i, 5);

	memset(s, 0, sizeof(*s));
	pb_db_col_copy(res, i, 0, s->id, sizeof(s->id));
	pb_db_col_copy(res, i, 1, s->budget_id, sizeof(s->budget_id));
	pb_db_col_copy(res, i, 2, s->element_id, sizeof(s->element_id));
	pb_db_col_copy(res, i, 3, s->payee_id, sizeof(s->payee_id));
	s->amount_pence = pb_db_col_int64(res, i, 4);
	s->start_date = pb_db_col_date(res, i, 6, PB_DATE_NONE);
	s->end_date = pb_db_col_date(res, i, 7, PB_DATE_NONE);
	pb_db_col_copy(res, i, 8, s->created_by, sizeof(s->created_by));
	s->cap_pence = PQgetisnull(res, i, 9) ? -1 : pb_db_col_int64(res, i, 9);
	s->stopped = pb_db_col_bool(res, i, 10);
	s->version = (int)pb_db_col_int64(res, i, 11);
	pb_db_col_copy(res, i, 12, s->status, sizeof(s->status));
	return pb_pay_frequency_parse(f, strlen(f), &s->frequency) == PB_OK ? PB_OK
	    : PB_EINTERNAL;
}

enum pb_err pb_pay_store_schedules(struct pb_db *db, const char *la,
    enum pb_err (*fn)(const struct pb_pay_schedule *s, void *arg), void *arg)
{
	PGresult *res = NULL;
	const char *pp[] = { la };
	enum pb_err err = pb_db_query(db,
	    SCHEDULE_COLS " FROM payment_schedules s"
	    " JOIN budgets b ON b.la = s.la AND b.id = s.budget_id"
	    " WHERE s.la = $1 AND b.status <> 'closed' AND s.stopped_at IS NULL"
	    " ORDER BY s.id", 1, pp, &res);
	if (err)
		return err;
	for (int i = 0; i < PQntuples(res) && err == PB_OK; i++) {
		struct pb_pay_schedule sc;
		err = schedule_row(res, i, &sc);
		if (err == PB_OK)
			err = fn(&sc, arg);
	}
	PQclear(res);
	return err;
}

static enum pb_err schedule_one(struct pb_db *db, const char *sql, const char *la,
    const char *id, struct pb_pay_schedule *out)
{
	PGresult *res = NULL;
	const char *pp[] = { la, id };
	enum pb_err err = pb_db_one_row(db, sql, 2, pp, &res);

	if (err)
		return err;
	err = schedule_row(res, 0, out);
	PQclear(res);
	return err;
}

enum pb_err pb_pay_store_schedule_read(struct pb_db *db, const char *la, const char *id,
    struct pb_pay_schedule *out)
{
	return schedule_one(db, SCHEDULE_COLS " FROM payment_schedules s"
	    " WHERE s.la = $1 AND s.id = $2", la, id, out);
}

enum pb_err pb_pay_store_schedule_lock(struct pb_db *db, const char *la, const char *id,
    struct pb_pay_schedule *out)
{
	return schedule_one(db, SCHEDULE_COLS " FROM payment_schedules s"
	    " WHERE s.la = $1 AND s.id = $2 FOR UPDATE OF s", la, id, out);
}

enum pb_err pb_pay_store_schedule_share(struct pb_db *db, const char *la, const char *id,
    struct pb_pay_schedule *out)
{
	return schedule_one(db, SCHEDULE_COLS " FROM payment_schedules s"
	    " WHERE s.la = $1 AND s.id = $2 FOR SHARE OF s", la, id, out);
}

enum pb_err pb_pay_store_schedule_json(struct pb_db *db, const char *la, const char *id,
    char **json, int *version)
{
	const char *pp[] = { la, id };
	return pb_db_one_json(db, "SELECT pb_json(s)::text, s.version FROM payment_schedules s"
	    " WHERE s.la = $1 AND s.id = $2", 2, pp, json, version);
}

enum pb_err pb_pay_store_schedule_update(struct pb_db *db, const char *la,
    const struct pb_pay_schedule *s)
{
	char amount[24], end[11], cap[24];
	const char *pp[] = { la, s->id, pb_db_int_param(s->amount_pence, amount),
	    pb_db_date_param(s->end_date, end),
	    s->cap_pence >= 0 ? pb_db_int_param(s->cap_pence, cap) : NULL };
	return pb_db_query(db,
	    "UPDATE payment_schedules SET amount_pence = $3, end_date = $4, cap_pence = $5,"
	    " version = version + 1, updated_at = now() WHERE la = $1 AND id = $2",
	    5, pp, NULL);
}

enum pb_err pb_pay_store_schedule_stop(struct pb_db *db, const struct pb_actor *actor,
    const char *id, int32_t stopped_on, const char *reason)
{
	char on[11];
	const char *pp[] = { actor->la, id, actor->sub, pb_db_date_param(stopped_on, on), reason };
	return pb_db_query(db,
	    "UPDATE payment_schedules SET stopped_at = now(), stopped_by = $3, stopped_on = $4,"
	    " stop_reason = $5, version = version + 1, updated_at = now()"
	    " WHERE la = $1 AND id = $2 AND stopped_at IS NULL", 5, pp, NULL);
}

enum pb_err pb_pay_store_schedule_money(struct pb_db *db, const char *la, const char *id,
    int32_t after, int64_t *live_pence, int *settled_after)
{
	PGresult *res = NULL;
	char d[11];
	const char *pp[] = { la, id, pb_db_date_param(after, d) };
	enum pb_err err = pb_db_one_row(db,
	    "SELECT coalesce(sum(amount_pence) FILTER (WHERE status NOT IN ('cancelled', 'failed')),"
	    "  0), count(*) FILTER (WHERE status IN ('exported', 'paid') AND $3::date IS NOT NULL"
	    "  AND due_date > $3::date)"
	    " FROM payments WHERE la = $1 AND schedule_id = $2", 3, pp, &res);
	if (err)
		return err;
	*live_pence = pb_db_col_int64(res, 0, 0);
	*settled_after = (int)pb_db_col_int64(res, 0, 1);
	PQclear(res);
	return PB_OK;
}

enum pb_err pb_pay_store_schedule_list(struct pb_db *db, const struct pb_scope *scope,
    const char *budget_id, const char *status, const char *cursor, int limit, char **json)
{
	char lim[24];
	const char *pp[] = { scope->la, budget_id, status, cursor, pb_db_int_param(limit + 1, lim),
	    scope->family_person_id };
	/* keyset paging on (created_at, id): the cursor names the last row */
	return pb_db_list_json(db,
	    "SELECT pb_json(s)::text, s.id FROM payment_schedules s"
	    " JOIN budgets b ON b.la = s.la AND b.id = s.budget_id"
	    " WHERE s.la = $1 AND ($2::uuid IS NULL OR s.budget_id = $2::uuid)"
	    " AND ($3::text IS NULL OR pb_schedule_status(s) = $3)"
	    " AND pb_child_visible(b.la, b.child_id, $6::uuid)"
	    " AND ($4::uuid IS NULL OR (s.created_at, s.id) > (SELECT q.created_at, q.id"
	    "  FROM payment_schedules q WHERE q.la = $1 AND q.id = $4::uuid))"
	    " ORDER BY s.created_at, s.id LIMIT $5", 6, pp, limit, json);
}

enum pb_err pb_pay_store_skip_record(struct pb_db *db, const char *la, const char *schedule_id,
    int32_t due, const char *reason, const char *rule, const char *detail)
{
	char id[37], d[11];
	pb_uuid_new(id);
	const char *pp[] = { la, id, schedule_id, pb_db_date_param(due, d), reason,
	    rule && rule[0] ? rule : NULL, detail };
	return pb_db_query(db,
	    "INSERT INTO schedule_skips AS k (la, id, schedule_id, due_date, reason, rule, detail)"
	    " VALUES ($1, $2, $3, $4, $5, $6, left($7, 500))"
	    " ON CONFLICT (la, schedule_id, due_date) DO UPDATE SET reason = EXCLUDED.reason,"
	    "  rule = EXCLUDED.rule, detail = EXCLUDED.detail, attempts = k.attempts + 1,"
	    "  recorded_at = now() WHERE k.resolved_payment_id IS NULL", 7, pp, NULL);
}

enum pb_err pb_pay_store_skip_resolve(struct pb_db *db, const char *la, const char *schedule_id,
    int32_t due, const char *payment_id)
{
	char d[11];
	const char *pp[] = { la, schedule_id, pb_db_date_param(due, d), payment_id };
	return pb_db_query(db,
	    "UPDATE schedule_skips SET resolved_payment_id = $4 WHERE la = $1"
	    " AND schedule_id = $2 AND due_date = $3 AND resolved_payment_id IS NULL",
	    4, pp, NULL);
}

enum pb_err pb_pay_store_skips_list(struct pb_db *db, const char *la, const char *schedule_id,
    const char *cursor, int limit, char **json)
{
	char lim[24];
	const char *pp[] = { la, schedule_id, cursor, pb_db_int_param(limit + 1, lim) };
	return pb_db_list_json(db,
	    "SELECT pb_json(k)::text, k.id FROM schedule_skips k"
	    " WHERE k.la = $1 AND k.schedule_id = $2 AND ($3::uuid IS NULL OR"
	    "  (k.due_date, k.id) > (SELECT q.due_date, q.id FROM schedule_skips q"
	    "   WHERE q.la = $1 AND q.id = $3::uuid))"
	    " ORDER BY k.due_date, k.id LIMIT $4", 4, pp, limit, json);
}

/* ---- term dates ------------------------------------------------------------------ */

enum pb_err pb_pay_store_terms(struct pb_db *db, const char *la, int32_t *starts, size_t cap,
    size_t *n, int *years, size_t ycap, size_t *ny)
{
	PGresult *res = NULL;
	const char *pp[] = { la };
	enum pb_err err = pb_db_query(db,
	    "SELECT t.academic_year, d FROM term_dates t, unnest(t.term_starts) d"
	    " WHERE t.la = $1 ORDER BY d", 1, pp, &res);
	if (err)
		return err;
	*n = 0;
	*ny = 0;
	for (int i = 0; i < PQntuples(res); i++) {
		int y = (int)pb_db_col_int64(res, i, 0);
		if (*n < cap)
			starts[(*n)++] = pb_db_col_date(res, i, 1, PB_DATE_NONE);
		if (*ny < ycap && (*ny == 0 || years[*ny - 1] != y))
			years[(*ny)++] = y;
	}
	PQclear(res);
	return PB_OK;
}

enum pb_err pb_pay_store_term_year_lock(struct pb_db *db, const char *la, int year,
    char **json, int *version)
{
	char y[24];
	const char *pp[] = { la, pb_db_int_param(year, y) };
	return pb_db_one_json(db, "SELECT pb_json(t)::text, t.version FROM term_dates t"
	    " WHERE t.la = $1 AND t.academic_year = $2::integer FOR UPDATE", 2, pp, json, version);
}

enum pb_err pb_pay_store_term_year_put(struct pb_db *db, const struct pb_actor *actor,
    int year, const char *starts_json, char id[37], char **json, int *version)
{
	char y[24], fresh[37];
	pb_uuid_new(fresh);
	const char *pp[] = { actor->la, fresh, pb_db_int_param(year, y), starts_json, actor->sub };
	PGresult *res = NULL;
	enum pb_err err = pb_db_one_row(db,
	    "INSERT INTO term_dates AS t (la, id, academic_year, term_starts, updated_by)"
	    " SELECT $1, $2, $3::integer, array_agg(v::date ORDER BY o), $5"
	    "  FROM jsonb_array_elements_text($4::jsonb) WITH ORDINALITY AS j(v, o)"
	    " ON CONFLICT (la, academic_year) DO UPDATE SET term_starts = EXCLUDED.term_starts,"
	    "  updated_by = EXCLUDED.updated_by, updated_at = now(), version = t.version + 1"
	    " RETURNING t.id, pb_json(t)::text, t.version", 5, pp, &res);
	if (err)
		return err;
	pb_db_col_copy(res, 0, 0, id, 37);
	*json = strdup(PQgetvalue(res, 0, 1));
	*version = (int)pb_db_col_int64(res, 0, 2);
	PQclear(res);
	if (*json == NULL)
		abort();
	return PB_OK;
}

enum pb_err pb_pay_store_term_list(struct pb_db *db, const char *la, char **json)
{
	const char *pp[] = { la };
	return pb_db_one_json(db,
	    "SELECT json_build_object('items', coalesce(json_agg(pb_json(t) ORDER BY"
	    " t.academic_year), '[]'), 'next_cursor', null)::text FROM term_dates t"
	    " WHERE t.la = $1", 1, pp, json, NULL);
}

enum pb_err pb_pay_store_schedule_dates(struct pb_db *db, const char *la,
    const char *schedule_id, int32_t *out, size_t cap, size_t *n)
{
	PGresult *res = NULL;
	const char *pp[] = { la, schedule_id };
	enum pb_err err = pb_db_query(db,
	    "SELECT due_date FROM payments WHERE la = $1 AND schedule_id = $2"
	    " ORDER BY due_date", 2, pp, &res);
	if (err)
		return err;
	*n = 0;
	for (int i = 0; i < PQntuples(res) && *n < cap; i++)
		out[(*n)++] = pb_db_col_date(res, i, 0, PB_DATE_NONE);
	PQclear(res);
	return PB_OK;
}

enum pb_err pb_pay_store_schedule_las(struct pb_db *db,
    enum pb_err (*fn)(const char *la, void *arg), void *arg)
{
	PGresult *res = NULL;
	enum pb_err err = pb_db_query(db,
	    "SELECT DISTINCT la FROM payment_schedules ORDER BY la", 0, NULL, &res);
	if (err)
		return err;
	for (int i = 0; i < PQntuples(res) && err == PB_OK; i++)
		err = fn(PQgetvalue(res, i, 0), arg);
	PQclear(res);
	return err;
}

/* ---- payment runs ------------------------------------------------------------- */

enum pb_err pb_pay_store_run_insert(struct pb_db *db, const struct pb_actor *actor,
    const char *id, int32_t due_on_or_before)
{
	char due[11];
	const char *pp[] = { actor->la, id, pb_db_date_param(due_on_or_before, due), actor->sub };
	return pb_db_query(db,
	    "INSERT INTO payment_runs (la, id, due_on_or_before, created_by)"
	    " VALUES ($1, $2, $3, $4)", 4, pp, NULL);
}

enum pb_err pb_pay_store_run_export(struct pb_db *db, const char *la,
    const char *id, int32_t due_on_or_before, int *count)
{
	PGresult *res = NULL;
	char due[11];
	const char *pp[] = { la, id, pb_db_date_param(due_on_or_before, due) };
	/* SKIP LOCKED: a payment another run (or an approve/cancel) holds is
	 * left for the next run rather than waited for; the status and
	 * run_id conditions are re-checked on the locked row version. */
	enum pb_err err = pb_db_one_row(db,
	    "WITH picked AS (SELECT q.id FROM payments q WHERE q.la = $1"
	    "  AND q.status = 'approved' AND q.run_id IS NULL AND q.due_date <= $3::date"
	    /* the rules again, at run time (PAY-10, BUD-10, PAY-16/17, PAY-6):
	     * never council money or a council payee, never a payment due after
	     * its plan ceased, its element stopped or, on school premises, the
	     * head teacher's agreement withdrawn */
	    "  AND NOT EXISTS (SELECT 1 FROM budget_elements e WHERE e.la = q.la"
	    "   AND e.id = q.element_id AND (e.arrangement = 'notional'"
	    "    OR (e.status = 'stopped' AND e.stopped_on < q.due_date)"
	    "    OR (e.school_premises AND e.head_teacher_withdrawn_on <= q.due_date)))"
	    "  AND NOT EXISTS (SELECT 1 FROM payees y WHERE y.la = q.la AND y.id = q.payee_id"
	    "   AND y.is_local_authority)"
	    "  AND NOT EXISTS (SELECT 1 FROM budgets b JOIN plans pl ON pl.la = b.la"
	    "   AND pl.id = b.plan_id WHERE b.la = q.la AND b.id = q.budget_id"
	    "   AND pl.ceased_on < q.due_date)"
	    "  ORDER BY q.id FOR UPDATE OF q SKIP LOCKED),"
	    " x AS (UPDATE payments p SET status = 'exported', run_id = $2, exported_at = now(),"
	    "  version = p.version + 1, updated_at = now() FROM picked"
	    "  WHERE p.la = $1 AND p.id = picked.id RETURNING p.amount_pence)"
	    " UPDATE payment_runs SET payment_count = (SELECT count(*) FROM x),"
	    "  total_pence = (SELECT coalesce(sum(x.amount_pence), 0) FROM x)"
	    " WHERE la = $1 AND id = $2 RETURNING payment_count", 3, pp, &res);
	if (err)
		return err;
	*count = (int)pb_db_col_int64(res, 0, 0);
	PQclear(res);
	return PB_OK;
}

enum pb_err pb_pay_store_run_lock(struct pb_db *db, const char *la, const char *id)
{
	PGresult *res = NULL;
	const char *pp[] = { la, id };
	enum pb_err err = pb_db_one_row(db,
	    "SELECT 1 FROM payment_runs WHERE la = $1 AND id = $2 FOR UPDATE", 2, pp, &res);
	PQclear(res);
	return err;
}

enum pb_err pb_pay_store_run_list(struct pb_db *db, const char *la, const char *status,
    const char *cursor, int limit, char **json)
{
	char lim[24];
	const char *pp[] = { la, status, cursor, pb_db_int_param(limit + 1, lim) };
	return pb_db_list_json(db,
	    "SELECT pb_json(r)::text, r.id FROM payment_runs r WHERE r.la = $1"
	    " AND ($2::text IS NULL OR r.status = $2)"
	    " AND ($3::uuid IS NULL OR (r.created_at, r.id) < (SELECT c.created_at, c.id"
	    "  FROM payment_runs c WHERE c.la = $1 AND c.id = $3::uuid))"
	    " ORDER BY r.created_at DESC, r.id DESC LIMIT $4", 4, pp, limit, json);
}

enum pb_err pb_pay_store_run_lock_row(struct pb_db *db, const char *la, const char *id,
    struct pb_pay_run_row *out)
{
	PGresult *res = NULL;
	const char *pp[] = { la, id };
	enum pb_err err = pb_db_one_row(db,
	    "SELECT r.status, r.export_sha256, (SELECT count(*) FROM payments p"
	    "  WHERE p.la = r.la AND p.run_id = r.id AND p.status = 'exported')"
	    " FROM payment_runs r WHERE r.la = $1 AND r.id = $2 FOR UPDATE", 2, pp, &res);
	if (err == PB_OK) {
		pb_db_col_copy(res, 0, 0, out->status, sizeof(out->status));
		pb_db_col_copy(res, 0, 1, out->export_sha256, sizeof(out->export_sha256));
		out->outstanding = (int)pb_db_col_int64(res, 0, 2);
	}
	PQclear(res);
	return err;
}

enum pb_err pb_pay_store_run_mark_sent(struct pb_db *db, const struct pb_actor *actor,
    const char *id, int32_t sent_on, const char *reference)
{
	char day[11];
	const char *pp[] = { actor->la, id, pb_db_date_param(sent_on, day), reference, actor->sub };
	return pb_db_query(db, "UPDATE payment_runs SET status = 'sent', sent_on = $3,"
	    " sent_reference = $4, sent_by = $5, sent_at = now(), version = version + 1,"
	    " updated_at = now() WHERE la = $1 AND id = $2 AND status = 'created'", 5, pp, NULL);
}

enum pb_err pb_pay_store_run_mark_reconciled(struct pb_db *db, const struct pb_actor *actor,
    const char *id)
{
	const char *pp[] = { actor->la, id, actor->sub };
	return pb_db_query(db, "UPDATE payment_runs SET status = 'reconciled',"
	    " reconciled_by = $3, reconciled_at = now(), version = version + 1,"
	    " updated_at = now() WHERE la = $1 AND id = $2 AND status = 'sent'", 3, pp, NULL);
}

enum pb_err pb_pay_store_run_reconciliation(struct pb_db *db, const char *la,
    const char *id, const char *cursor, int limit, char **json)
{
	char lim[24];
	const char *pp[] = { la, id, cursor, pb_db_int_param(limit, lim) };
	/* the page: limit + 1 rows of the run's unpaid payments by (due_date,
	 * id) after the cursor's; the extra one only says another page exists */
	return pb_db_one_json(db,
	    "WITH page AS (SELECT p.id, p.status, p.amount_pence, p.due_date, p.payee_id,"
	    "  p.failure_reason, p.reissued_as, p.la FROM payments p"
	    "  WHERE p.la = $1 AND p.run_id = $2 AND p.status <> 'paid'"
	    "  AND ($3::uuid IS NULL OR (p.due_date, p.id) > (SELECT q.due_date, q.id"
	    "   FROM payments q WHERE q.la = $1 AND q.run_id = $2 AND q.id = $3::uuid))"
	    "  ORDER BY p.due_date, p.id LIMIT $4::int + 1),"
	    " shown AS (SELECT * FROM page ORDER BY due_date, id LIMIT $4::int)"
	    " SELECT json_build_object('run_id', r.id, 'status', r.status,"
	    " 'paid', pb_run_bucket(r.la, r.id, 'paid'), 'failed', pb_run_bucket(r.la, r.id, 'failed'),"
	    " 'outstanding', pb_run_bucket(r.la, r.id, 'exported'),"
	    " 'total', json_build_object('count', r.payment_count, 'total_pence', r.total_pence),"
	    " 'items', coalesce((SELECT json_agg(json_build_object('payment_id', p.id,"
	    "   'status', CASE p.status WHEN 'exported' THEN 'outstanding' ELSE p.status END,"
	    "   'amount_pence', p.amount_pence, 'due_date', p.due_date,"
	    "   'payee_name', (SELECT y.name FROM payees y WHERE y.la = p.la AND y.id = p.payee_id),"
	    "   'failure_reason', p.failure_reason, 'reissued_as', p.reissued_as)"
	    "   ORDER BY p.due_date, p.id) FROM shown p), '[]'::json),"
	    " 'next_cursor', CASE WHEN (SELECT count(*) FROM page) > $4::int THEN"
	    "   (SELECT id FROM shown ORDER BY due_date DESC, id DESC LIMIT 1) END)::text,"
	    " r.version FROM payment_runs r WHERE r.la = $1 AND r.id = $2", 4, pp, json, NULL);
}

enum pb_err pb_pay_store_run_download(struct pb_db *db, const char *la, const char *id,
    const char *sha256, int *ok)
{
	PGresult *res = NULL;
	const char *pp[] = { la, id, sha256 };
	enum pb_err err = pb_db_one_row(db, "SELECT pb_payment_run_download($1, $2, $3)", 3, pp,
	    &res);
	*ok = err == PB_OK && pb_db_col_bool(res, 0, 0);
	PQclear(res);
	return err;
}

enum pb_err pb_pay_store_run_json(struct pb_db *db, const char *la,
    const char *id, char **json, int *version)
{
	const char *pp[] = { la, id };
	return pb_db_one_json(db, "SELECT pb_json(r)::text, r.version FROM payment_runs r"
	    " WHERE r.la = $1 AND r.id = $2", 2, pp, json, version);
}

enum pb_err pb_pay_store_settle_rows(struct pb_db *db, const char *la,
    const char *ids_json, struct pb_pay_settle_row *rows, size_t cap, size_t *n)
{
	PGresult *res = NULL;
	const char *pp[] = { la, ids_json };
	enum pb_err err = pb_db_query(db,
	    "SELECT p.id, p.status, p.run_id FROM payments p WHERE p.la = $1"
	    " AND p.id IN (SELECT j::uuid FROM jsonb_array_elements_text($2::jsonb) j)"
	    " ORDER BY p.id FOR UPDATE", 2, pp, &res);
	if (err)
		return err;
	*n = 0;
	for (int i = 0; i < PQntuples(res) && *n < cap; i++) {
		struct pb_pay_settle_row *r = &rows[(*n)++];
		const char *s = PQgetvalue(res, i, 1);
		pb_db_col_copy(res, i, 0, r->id, sizeof(r->id));
		if (pb_pay_status_parse(s, strlen(s), &r->status) != PB_OK)
			err = PB_EINTERNAL;
		pb_db_col_copy(res, i, 2, r->run_id, sizeof(r->run_id));
	}
	PQclear(res);
	return err;
}

enum pb_err pb_pay_store_settle(struct pb_db *db, const char *la,
    const char *run_id, const char *changes_json)
{
	const char *pp[] = { la, run_id, changes_json };
	enum pb_err err = pb_db_query(db,
	    "UPDATE payments p SET status = u.outcome,"
	    " failure_reason = CASE WHEN u.outcome = 'failed' THEN u.failure_reason END,"
	    " settled_at = now(), version = p.version + 1, updated_at = now()"
	    " FROM jsonb_to_recordset($3::jsonb) AS u(payment_id uuid, outcome text,"
	    "  failure_reason text)"
	    " WHERE p.la = $1 AND p.run_id = $2 AND p.id = u.payment_id"
	    "  AND p.status = 'exported'", 3, pp, NULL);
	if (err == PB_OK)   /* the run's document changed: its ETag and updated_at move */
		err = pb_db_query(db, "UPDATE payment_runs SET version = version + 1,"
		    " updated_at = now() WHERE la = $1 AND id = $2", 2, pp, NULL);
	return err;
}

enum pb_err pb_pay_store_run_lines(struct pb_db *db, const char *la,
    const char *run_id, enum pb_err (*fn)(const struct pb_pay_run_line *l, void *arg),
    void *arg)
{
	PGresult *res = NULL;
	const char *pp[] = { la, run_id };
	enum pb_err err = pb_db_query(db,
	    "SELECT p.id, y.id, y.name, p.amount_pence, p.due_date, y.bank_sort_code IS NOT NULL,"
	    " p.cost_centre, p.subjective_code FROM payments p JOIN payees y ON y.la = p.la AND y.id = p.payee_id"
	    " WHERE p.la = $1 AND p.run_id = $2 ORDER BY p.due_date, p.id", 2, pp, &res);
	if (err)
		return err;
	for (int i = 0; i < PQntuples(res) && err == PB_OK; i++) {
		struct pb_pay_run_line l;
		pb_db_col_copy(res, i, 0, l.payment_id, sizeof(l.payment_id));
		pb_db_col_copy(res, i, 1, l.payee_id, sizeof(l.payee_id));
		pb_db_col_copy(res, i, 2, l.payee_name, sizeof(l.payee_name));
		l.amount_pence = pb_db_col_int64(res, i, 3);
		l.due_date = pb_db_col_date(res, i, 4, PB_DATE_NONE);
		l.has_bank = pb_db_col_bool(res, i, 5);
		pb_db_col_copy(res, i, 6, l.cost_centre, sizeof(l.cost_centre));
		pb_db_col_copy(res, i, 7, l.subjective_code, sizeof(l.subjective_code));
		err = fn(&l, arg);
	}
	PQclear(res);
	return err;
}

enum pb_err pb_pay_store_run_entities(struct pb_db *db, const char *la,
    const char *run_id, const char *ids_json, char **json)
{
	const char *pp[] = { la, run_id, ids_json };
	return pb_db_one_json(db,
	    "SELECT coalesce(jsonb_agg(jsonb_build_object('id', p.id, 'after', pb_json(p))"
	    "  ORDER BY p.id), '[]')::text FROM payments p"
	    " WHERE p.la = $1 AND p.run_id = $2::uuid AND ($3::jsonb IS NULL OR p.id IN"
	    "  (SELECT v::uuid FROM jsonb_array_elements_text($3::jsonb) v))",
	    3, pp, json, NULL);
}

enum pb_err pb_pay_store_cancel_open(struct pb_db *db, const struct pb_actor *actor,
    const char *budget_id, const char *reason, char **json, int *count)
{
	PGresult *res = NULL;
	const char *pp[] = { actor->la, budget_id, reason, actor->sub };

	*json = NULL;
	enum pb_err err = pb_db_one_row(db,
	    "WITH c AS (UPDATE payments AS p SET status = 'cancelled', cancel_reason = $3,"
	    "  cancelled_by = $4, version = version + 1, updated_at = now()"
	    "  WHERE p.la = $1 AND p.budget_id = $2"
	    "  AND p.status IN ('pending_approval', 'approved')"
	    "  RETURNING p.id, pb_json(p) AS j)"
	    " SELECT count(*), coalesce(jsonb_agg(jsonb_build_object('id', c.id, 'after', c.j)"
	    "  ORDER BY c.id), '[]')::text FROM c", 4, pp, &res);
	return err ? err : entities(res, json, count);
}

/* ---- recoveries and surplus ----------------------------------------------------- */

enum pb_err pb_pay_store_recovery_insert(struct pb_db *db, const struct pb_actor *actor,
    const char *id, const char *budget_id, const char *element_id,
    int64_t amount_pence, const char *reason, int32_t recorded_on, char **json)
{
	char amount[24], on[11];

	const char *pp[] = { actor->la, id, budget_id, element_id,
	    pb_db_int_param(amount_pence, amount), reason,
	    pb_db_date_param(recorded_on, on), actor->sub };
	return pb_db_one_json(db,
	    "INSERT INTO recoveries AS r (la, id, budget_id, element_id, amount_pence, reason,"
	    " recorded_on, created_by) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)"
	    " RETURNING pb_json(r)::text", 8, pp, json, NULL);
}

enum pb_err pb_pay_store_recovery_get(struct pb_db *db, const struct pb_scope *scope,
    const char *budget_id, const char *id, char **json)
{
	const char *pp[] = { scope->la, id, scope->family_person_id, budget_id };
	return pb_db_one_json(db,
	    "SELECT pb_json(r)::text FROM recoveries r"
	    " JOIN budgets b ON b.la = r.la AND b.id = r.budget_id"
	    " WHERE r.la = $1 AND r.id = $2 AND r.budget_id = $4"
	    " AND pb_child_visible(b.la, b.child_id, $3::uuid)", 4, pp, json, NULL);
}

enum pb_err pb_pay_store_debt_recovery_insert(struct pb_db *db,
    const struct pb_actor *actor, const char *id, const char *debt_id, const char *method,
    int32_t recorded_on)
{
	char on[11];
	const char *pp[] = { actor->la, id, debt_id, method, pb_db_date_param(recorded_on, on),
	    actor->sub };
	/* the debt's own amount, element and written reasons */
	return pb_db_query(db,
	    "INSERT INTO recoveries (la, id, budget_id, element_id, amount_pence, reason,"
	    " recorded_on, created_by, debt_id, method)"
	    " SELECT d.la, $2, d.budget_id, d.element_id, d.amount_pence, d.reason, $5, $6,"
	    " d.id, $4 FROM recovery_debts d WHERE d.la = $1 AND d.id = $3", 6, pp, NULL);
}

/* ---- recovery debts ------------------------------------------------------------- */

enum pb_err pb_pay_store_element_owed(struct pb_db *db, const char *la,
    const char *element_id, int64_t *owed)
{
	PGresult *res = NULL;
	const char *pp[] = { la, element_id };
	enum pb_err err = pb_db_one_row(db, "SELECT pb_element_owed($1, $2::uuid)", 2, pp, &res);
	if (err)
		return err;
	*owed = pb_db_col_int64(res, 0, 0);
	PQclear(res);
	return PB_OK;
}

enum pb_err pb_pay_store_debt_insert(struct pb_db *db, const struct pb_actor *actor,
    const char *id, const char *budget_id, const char *element_id, int64_t amount_pence,
    const char *reason, int32_t raised_on, char **json, int *version)
{
	char amount[24], on[11];
	const char *pp[] = { actor->la, id, budget_id, element_id,
	    pb_db_int_param(amount_pence, amount), reason, pb_db_date_param(raised_on, on),
	    actor->sub };
	return pb_db_one_json(db,
	    "INSERT INTO recovery_debts AS d (la, id, budget_id, element_id, raised_pence,"
	    " amount_pence, reason, raised_on, raised_by)"
	    " VALUES ($1, $2, $3, $4, $5, $5, $6, $7, $8) RETURNING pb_json(d)::text, d.version",
	    8, pp, json, version);
}

enum pb_err pb_pay_store_debt_budget(struct pb_db *db, const struct pb_scope *scope,
    const char *id, char budget_id[37])
{
	PGresult *res = NULL;
	const char *pp[] = { scope->la, id, scope->family_person_id };
	enum pb_err err = pb_db_one_row(db,
	    "SELECT d.budget_id FROM recovery_debts d JOIN budgets b ON b.la = d.la"
	    " AND b.id = d.budget_id WHERE d.la = $1 AND d.id = $2"
	    " AND pb_child_visible(b.la, b.child_id, $3::uuid)", 3, pp, &res);
	if (err)
		return err;
	pb_db_col_copy(res, 0, 0, budget_id, 37);
	PQclear(res);
	return PB_OK;
}

static enum pb_debt_status debt_status_col(const PGresult *res, int col)
{
	enum pb_debt_status s = (enum pb_debt_status)0;
	const char *v = PQgetvalue(res, 0, col);

	if (!PQgetisnull(res, 0, col))
		pb_debt_status_parse(v, strlen(v), &s);
	return s;
}

enum pb_err pb_pay_store_debt_lock(struct pb_db *db, const char *la, const char *id,
    struct pb_pay_debt_row *out, char **before)
{
	PGresult *res = NULL;
	const char *pp[] = { la, id };
	enum pb_err err = pb_db_one_row(db,
	    "SELECT d.element_id, d.status, d.prior_status, d.review_requested_at IS NOT NULL,"
	    " d.amount_pence, d.raised_on, d.raised_by, d.review_requested_by,"
	    " d.write_off_requested_by, d.version, pb_json(d)::text"
	    " FROM recovery_debts d WHERE d.la = $1 AND d.id = $2 FOR UPDATE", 2, pp, &res);
	if (err)
		return err;
	memset(out, 0, sizeof(*out));
	pb_db_col_copy(res, 0, 0, out->element_id, sizeof(out->element_id));
	out->status = debt_status_col(res, 1);
	out->prior = debt_status_col(res, 2);
	out->review_requested = pb_db_col_bool(res, 0, 3);
	out->amount_pence = pb_db_col_int64(res, 0, 4);
	out->raised_on = pb_db_col_date(res, 0, 5, PB_DATE_NONE);
	pb_db_col_copy(res, 0, 6, out->raised_by, sizeof(out->raised_by));
	pb_db_col_copy(res, 0, 7, out->review_requested_by, sizeof(out->review_requested_by));
	pb_db_col_copy(res, 0, 8, out->write_off_requested_by,
	    sizeof(out->write_off_requested_by));
	out->version = (int)pb_db_col_int64(res, 0, 9);
	*before = strdup(PQgetvalue(res, 0, 10));
	PQclear(res);
	if (*before == NULL)
		abort();
	return out->status ? PB_OK : PB_EINTERNAL;
}

enum pb_err pb_pay_store_debt_move(struct pb_db *db, const struct pb_actor *actor,
    const char *id, const struct pb_pay_debt_move *m, char **json, int *version)
{
	char amount[24];
	const char *pp[] = { actor->la, id, pb_debt_status_str(m->to),
	    m->prior ? pb_debt_status_str(m->prior) : NULL, pb_debt_action_str(m->action),
	    m->text, actor->sub, pb_db_int_param(m->amount_pence, amount), m->recovery_id,
	    m->payment_id };
	/* $5 names the action; each column changes only for its own */
	return pb_db_one_json(db,
	    "UPDATE recovery_debts AS d SET status = $3, prior_status = $4,"
	    " invoice_reference = CASE WHEN $5 = 'invoice' THEN $6 ELSE d.invoice_reference END,"
	    " invoiced_by = CASE WHEN $5 = 'invoice' THEN $7 ELSE d.invoiced_by END,"
	    " invoiced_at = CASE WHEN $5 = 'invoice' THEN now() ELSE d.invoiced_at END,"
	    " review_requested_by = CASE WHEN $5 = 'request_review' THEN $7"
	    "  ELSE d.review_requested_by END,"
	    " review_requested_at = CASE WHEN $5 = 'request_review' THEN now()"
	    "  ELSE d.review_requested_at END,"
	    " review_reason = CASE WHEN $5 = 'request_review' THEN $6 ELSE d.review_reason END,"
	    " review_outcome = CASE $5 WHEN 'uphold' THEN 'upheld' WHEN 'reduce' THEN 'reduced'"
	    "  WHEN 'cancel' THEN 'cancelled' ELSE d.review_outcome END,"
	    " review_decided_by = CASE WHEN $5 IN ('uphold', 'reduce', 'cancel') THEN $7"
	    "  ELSE d.review_decided_by END,"
	    " review_decided_at = CASE WHEN $5 IN ('uphold', 'reduce', 'cancel') THEN now()"
	    "  ELSE d.review_decided_at END,"
	    " review_decision_reason = CASE WHEN $5 IN ('uphold', 'reduce', 'cancel') THEN $6"
	    "  ELSE d.review_decision_reason END,"
	    " amount_pence = CASE WHEN $5 = 'reduce' THEN $8::bigint ELSE d.amount_pence END,"
	    /* a rejected write-off request is cleared (the audit keeps it) */
	    " write_off_requested_by = CASE $5 WHEN 'write_off' THEN $7"
	    "  WHEN 'reject_write_off' THEN NULL ELSE d.write_off_requested_by END,"
	    " write_off_requested_at = CASE $5 WHEN 'write_off' THEN now()"
	    "  WHEN 'reject_write_off' THEN NULL ELSE d.write_off_requested_at END,"
	    " write_off_reason = CASE $5 WHEN 'write_off' THEN $6"
	    "  WHEN 'reject_write_off' THEN NULL ELSE d.write_off_reason END,"
	    " write_off_approved_by = CASE WHEN $5 = 'approve_write_off' THEN $7"
	    "  ELSE d.write_off_approved_by END,"
	    " write_off_approved_at = CASE WHEN $5 = 'approve_write_off' THEN now()"
	    "  ELSE d.write_off_approved_at END,"
	    " settled_by = CASE WHEN $5 IN ('pay', 'offset') THEN $7 ELSE d.settled_by END,"
	    " settled_at = CASE WHEN $5 IN ('pay', 'offset') THEN now() ELSE d.settled_at END,"
	    " settlement_reference = CASE WHEN $5 = 'pay' THEN $6"
	    "  ELSE d.settlement_reference END,"
	    " recovery_id = coalesce($9::uuid, d.recovery_id),"
	    " payment_id = coalesce($10::uuid, d.payment_id),"
	    " version = d.version + 1, updated_at = now()"
	    " WHERE d.la = $1 AND d.id = $2 RETURNING pb_json(d)::text, d.version",
	    10, pp, json, version);
}

enum pb_err pb_pay_store_debt_get(struct pb_db *db, const struct pb_scope *scope,
    const char *id, char **json, int *version)
{
	const char *pp[] = { scope->la, id, scope->family_person_id };
	return pb_db_one_json(db,
	    "SELECT pb_json(d)::text, d.version FROM recovery_debts d"
	    " JOIN budgets b ON b.la = d.la AND b.id = d.budget_id"
	    " WHERE d.la = $1 AND d.id = $2 AND pb_child_visible(b.la, b.child_id, $3::uuid)",
	    3, pp, json, version);
}

enum pb_err pb_pay_store_debt_list(struct pb_db *db, const char *la,
    const char *budget_id, const char *cursor, int limit, char **json)
{
	char lim[24];
	const char *pp[] = { la, budget_id, cursor, pb_db_int_param(limit + 1, lim) };
	return pb_db_list_json(db,
	    "SELECT pb_json(d)::text, d.id FROM recovery_debts d"
	    " WHERE d.la = $1 AND d.budget_id = $2 AND ($3::uuid IS NULL OR"
	    "  (d.created_at, d.id) > (SELECT x.created_at, x.id FROM recovery_debts x"
	    "   WHERE x.la = $1 AND x.id = $3::uuid))"
	    " ORDER BY d.created_at, d.id LIMIT $4", 4, pp, limit, json);
}

enum pb_err pb_pay_store_offset_payment_lock(struct pb_db *db, const char *la,
    const char *payment_id, struct pb_pay_offset_row *out)
{
	PGresult *res = NULL;
	const char *pp[] = { la, payment_id };
	enum pb_err err = pb_db_one_row(db,
	    "SELECT p.element_id, p.budget_id, p.status, p.run_id IS NOT NULL,"
	    " p.offset_debt_id IS NOT NULL, p.amount_pence, p.due_date"
	    " FROM payments p WHERE p.la = $1 AND p.id = $2 FOR UPDATE", 2, pp, &res);
	if (err)
		return err;
	const char *s = PQgetvalue(res, 0, 2);
	memset(out, 0, sizeof(*out));
	pb_db_col_copy(res, 0, 0, out->element_id, sizeof(out->element_id));
	pb_db_col_copy(res, 0, 1, out->budget_id, sizeof(out->budget_id));
	if (pb_pay_status_parse(s, strlen(s), &out->status) != PB_OK)
		err = PB_EINTERNAL;
	out->in_run = pb_db_col_bool(res, 0, 3);
	out->has_offset = pb_db_col_bool(res, 0, 4);
	out->amount_pence = pb_db_col_int64(res, 0, 5);
	out->due_date = pb_db_col_date(res, 0, 6, PB_DATE_NONE);
	PQclear(res);
	return err;
}

enum pb_err pb_pay_store_payment_offset(struct pb_db *db, const char *la,
    const char *payment_id, const char *debt_id, int64_t offset_pence)
{
	char amount[24];
	const char *pp[] = { la, payment_id, debt_id, pb_db_int_param(offset_pence, amount) };
	/* the ledger trigger releases the offset from committed_pence */
	return pb_db_query(db,
	    "UPDATE payments SET amount_pence = amount_pence - $4::bigint,"
	    " offset_pence = $4::bigint, offset_debt_id = $3, version = version + 1,"
	    " updated_at = now() WHERE la = $1 AND id = $2", 4, pp, NULL);
}

/* ---- PAY-19 ------------------------------------------------------------------- */

enum pb_err pb_pay_store_surplus_input_insert(struct pb_db *db,
    const struct pb_actor *actor, const char *id, const char *budget_id,
    const char *element_id, int64_t unpaid_bills_pence, int64_t contingency_pence,
    const char *note, char **json)
{
	char bills[24], contingency[24];
	const char *pp[] = { actor->la, id, budget_id, element_id,
	    pb_db_int_param(unpaid_bills_pence, bills),
	    pb_db_int_param(contingency_pence, contingency), note, actor->sub };
	return pb_db_one_json(db,
	    "INSERT INTO surplus_inputs AS s (la, id, budget_id, element_id, unpaid_bills_pence,"
	    " contingency_pence, note, recorded_by) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)"
	    " RETURNING json_build_object('id', s.id, 'budget_id', s.budget_id,"
	    " 'element_id', s.element_id, 'unpaid_bills_pence', s.unpaid_bills_pence,"
	    " 'contingency_pence', s.contingency_pence, 'note', s.note,"
	    " 'recorded_by', s.recorded_by, 'recorded_at', pb_ts(s.recorded_at))::text",
	    8, pp, json, NULL);
}

enum pb_err pb_pay_store_surplus_rows(struct pb_db *db, const char *la,
    const char *budget_id, const char *element_id, struct pb_pay_surplus_row *rows,
    size_t cap, size_t *n)
{
	PGresult *res = NULL;
	const char *pp[] = { la, budget_id, element_id };
	enum pb_err err = pb_db_query(db,
	    "SELECT e.id, e.service_type, e.allocated_pence, e.spent_pence, e.period_start,"
	    " e.period_end, coalesce(s.unpaid_bills_pence, 0), coalesce(s.contingency_pence, 0),"
	    " pb_element_owed(e.la, e.id), coalesce(pb_ts(s.recorded_at), ''),"
	    " CASE WHEN e.status = 'stopped' THEN e.stopped_rule END,"
	    " pb_element_evidenced(e.la, e.id)"
	    " FROM budget_elements e LEFT JOIN LATERAL (SELECT i.unpaid_bills_pence,"
	    "  i.contingency_pence, i.recorded_at FROM surplus_inputs i"
	    "  WHERE i.la = e.la AND i.element_id = e.id"
	    "  ORDER BY i.recorded_at DESC, i.id DESC LIMIT 1) s ON true"
	    " WHERE e.la = $1 AND e.budget_id = $2 AND ($3::uuid IS NULL OR e.id = $3::uuid)"
	    " AND e.arrangement = 'direct_payment' ORDER BY e.position", 3, pp, &res);
	if (err)
		return err;
	*n = 0;
	for (int i = 0; i < PQntuples(res) && *n < cap; i++) {
		struct pb_pay_surplus_row *r = &rows[(*n)++];
		pb_db_col_copy(res, i, 0, r->element_id, sizeof(r->element_id));
		pb_db_col_copy(res, i, 1, r->service_type, sizeof(r->service_type));
		r->allocated_pence = pb_db_col_int64(res, i, 2);
		r->spent_pence = pb_db_col_int64(res, i, 3);
		r->period_start = pb_db_col_date(res, i, 4, PB_DATE_NONE);
		r->period_end = pb_db_col_date(res, i, 5, PB_DATE_NONE);
		r->unpaid_bills_pence = pb_db_col_int64(res, i, 6);
		r->contingency_pence = pb_db_col_int64(res, i, 7);
		r->owed_pence = pb_db_col_int64(res, i, 8);
		pb_db_col_copy(res, i, 9, r->inputs_recorded_at, sizeof(r->inputs_recorded_at));
		pb_db_col_copy(res, i, 10, r->stopped_rule, sizeof(r->stopped_rule));
		r->evidenced_pence = pb_db_col_int64(res, i, 11);
	}
	PQclear(res);
	return PB_OK;
}

/* --- ledger codes ------------------------------------------------------------------ */

enum pb_err pb_pay_store_ledger_lock(struct pb_db *db, const char *la,
    const char *service_type, char **json, int *version)
{
	const char *pp[] = { la, service_type };
	return pb_db_one_json(db, "SELECT pb_ledger_code_json(c)::text, c.version FROM ledger_codes c"
	    " WHERE c.la = $1 AND c.service_type = $2 FOR UPDATE", 2, pp, json, version);
}

enum pb_err pb_pay_store_ledger_put(struct pb_db *db, const struct pb_actor *actor,
    const char *service_type, const char *cost_centre, const char *subjective_code,
    char id[37], char **json, int *version)
{
	PGresult *res = NULL;
	char fresh[37];

	pb_uuid_new(fresh);
	const char *pp[] = { actor->la, fresh, service_type, cost_centre, subjective_code,
	    actor->sub };
	enum pb_err err = pb_db_one_row(db,
	    "INSERT INTO ledger_codes AS c (la, id, service_type, cost_centre, subjective_code,"
	    "  updated_by) VALUES ($1, $2, $3, $4, $5, $6)"
	    " ON CONFLICT (la, service_type) DO UPDATE SET cost_centre = EXCLUDED.cost_centre,"
	    "  subjective_code = EXCLUDED.subjective_code, updated_by = EXCLUDED.updated_by,"
	    "  updated_at = now(), version = c.version + 1"
	    " RETURNING c.id, pb_ledger_code_json(c)::text, c.version", 6, pp, &res);
	if (err == PB_OK) {
		pb_db_col_copy(res, 0, 0, id, 37);
		*json = strdup(PQgetvalue(res, 0, 1));
		*version = (int)pb_db_col_int64(res, 0, 2);
		if (*json == NULL)
			abort();
	}
	PQclear(res);
	return err;
}

enum pb_err pb_pay_store_ledger_list(struct pb_db *db, const char *la, char **json)
{
	const char *pp[] = { la };
	return pb_db_one_json(db, "SELECT json_build_object('items', coalesce(json_agg("
	    " pb_ledger_code_json(c) ORDER BY c.service_type), '[]'::json))::text"
	    " FROM ledger_codes c WHERE c.la = $1", 1, pp, json, NULL);
}

enum pb_err pb_pay_store_bacs_settings(struct pb_db *db, const char *la,
    struct pb_pay_bacs_settings *out)
{
	PGresult *res = NULL;
	const char *pp[] = { la };

	memset(out, 0, sizeof(*out));
	enum pb_err err = pb_db_query(db, "SELECT bacs_service_user_number, bacs_sort_code,"
	    " bacs_account_number, bacs_originator_name FROM council_settings WHERE la = $1",
	    1, pp, &res);
	if (err == PB_OK && PQntuples(res) == 1) {
		pb_db_col_copy(res, 0, 0, out->sun, sizeof(out->sun));
		pb_db_col_copy(res, 0, 1, out->sort_code, sizeof(out->sort_code));
		pb_db_col_copy(res, 0, 2, out->account, sizeof(out->account));
		pb_db_col_copy(res, 0, 3, out->name, sizeof(out->name));
	}
	PQclear(res);
	return err;
}
