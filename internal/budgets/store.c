/* SPDX-License-Identifier: MIT */
/*
 * store.c — SQL of the budgets service (see store.h).  Every statement
 * names la; reads in a family scope add the contacts ownership test.
 */
#include "internal/budgets/store.h"
#include "internal/budgets/variations.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "internal/core/buf.h"
#include "internal/core/date.h"
#include "internal/core/uuid.h"
#include "internal/db/db.h"
#include "internal/db/rows.h"
#include "internal/payments/rules.h"

enum pb_err pb_budget_store_child_exists(struct pb_db *db, const char *la,
    const char *child_id)
{
	PGresult *res = NULL;
	const char *pp[] = { la, child_id };
	enum pb_err err = pb_db_one_row(db, "SELECT 1 FROM children WHERE la = $1 AND id = $2",
	    2, pp, &res);
	PQclear(res);
	return err;
}

enum pb_err pb_budget_store_plan(struct pb_db *db, const char *la,
    const char *child_id, const char *plan_id, struct pb_budget_plan_facts *out)
{
	PGresult *res = NULL;
	const char *pp[] = { la, child_id, plan_id };
	enum pb_err err = pb_db_one_row(db,
	    "SELECT status = 'ceased', coalesce(issued_on, assessment_agreed_on), ceased_on,"
	    " status FROM plans WHERE la = $1 AND child_id = $2 AND id = $3", 3, pp, &res);
	if (err)
		return err;
	const char *st = PQgetvalue(res, 0, 3);
	if (pb_plan_status_parse(st, strlen(st), &out->status) != PB_OK)
		err = PB_EINTERNAL;
	out->ceased = pb_db_col_bool(res, 0, 0);
	out->start = pb_db_col_date(res, 0, 1, PB_DATE_NONE);
	out->ceased_on = pb_db_col_date(res, 0, 2, PB_DATE_NONE);
	PQclear(res);
	return err;
}

enum pb_err pb_budget_store_payee_facts(struct pb_db *db, const char *la,
    const char *payee_id, struct pb_budget_element_facts *f, char person_buf[37])
{
	PGresult *res = NULL;
	const char *pp[] = { la, payee_id };
	enum pb_err err = pb_db_one_row(db,
	    "SELECT kind, person_id, is_local_authority FROM payees WHERE la = $1 AND id = $2",
	    2, pp, &res);
	if (err)
		return err;
	const char *kind = PQgetvalue(res, 0, 0);
	if (pb_budget_payee_kind_parse(kind, strlen(kind), &f->payee_kind) != PB_OK)
		f->payee_kind = (enum pb_budget_payee_kind)0;
	pb_db_col_copy(res, 0, 1, person_buf, 37);
	f->payee_person_id = person_buf;
	f->payee_is_local_authority = pb_db_col_bool(res, 0, 2);
	PQclear(res);
	return PB_OK;
}

enum pb_err pb_budget_store_insert(struct pb_db *db, const struct pb_actor *actor,
    const char *id, const char *child_id, const char *plan_id,
    const char *request_id, const char *indicative_budget_id, int32_t period_start,
    int32_t period_end, enum pb_arrangement arrangement)
{
	char ps[11], pe[11];

	pb_date_format(period_start, ps);
	pb_date_format(period_end, pe);
	const char *pp[] = { actor->la, id, child_id, plan_id, request_id,
	    pb_arrangement_str(arrangement), ps, pe, actor->sub, indicative_budget_id };
	return pb_db_query(db,
	    "INSERT INTO budgets (la, id, child_id, plan_id, request_id, status, arrangement,"
	    " period_start, period_end, created_by, indicative_budget_id)"
	    " VALUES ($1, $2, $3, $4, $5, 'draft', $6, $7, $8, $9, $10)", 10, pp, NULL);
}

/* The outcomes as a PostgreSQL text[] literal (quoted, escaped); NULL when
 * there is no agreement.  Caller frees. */
static char *outcomes_literal(const struct pb_budget_agreement_in *a)
{
	struct pb_buf b;

	if (!a->present)
		return NULL;
	pb_buf_init(&b, 64 * 1024);
	pb_buf_add(&b, "{", 1);
	for (size_t i = 0; i < a->noutcomes; i++) {
		if (i > 0)
			pb_buf_add(&b, ",", 1);
		pb_buf_add(&b, "\"", 1);
		for (const char *s = a->outcomes[i]; *s; s++) {
			if (*s == '"' || *s == '\\')
				pb_buf_add(&b, "\\", 1);
			pb_buf_add(&b, s, 1);
		}
		pb_buf_add(&b, "\"", 1);
	}
	pb_buf_add(&b, "}", 1);
	return pb_buf_take(&b, NULL);
}

/* The eleven budget_elements columns an element is created with, from
 * stream to head_teacher_agreed_on, as parameters into pp[0..11); the
 * text buffers live in t, and t->outcomes is freed by element_params_free. */
struct element_text {
	char alloc[24], so[11], ht[11];
	char *outcomes;
};

#define ELEMENT_COLUMNS "stream, service_type, arrangement, allocated_pence," \
	" recipient_person_id, payee_id, agreed_provision, outcomes, signed_on," \
	" school_premises, head_teacher_agreed_on"

static void element_params(const struct pb_budget_element_in *e, struct element_text *t,
    const char *pp[11])
{
	const struct pb_budget_agreement_in *a = &e->agreement;

	snprintf(t->alloc, sizeof(t->alloc), "%lld", (long long)e->allocated_pence);
	t->outcomes = outcomes_literal(a);
	pp[0] = pb_stream_str(e->stream);
	pp[1] = e->service_type;
	pp[2] = pb_arrangement_str(e->arrangement);
	pp[3] = t->alloc;
	pp[4] = e->recipient_person_id;
	pp[5] = e->payee_id;
	pp[6] = a->present ? a->agreed_provision : NULL;
	pp[7] = t->outcomes;
	pp[8] = a->present && a->has_signed_on ? pb_db_date_param(a->signed_on, t->so) : NULL;
	pp[9] = a->present ? (a->has_school_premises && a->school_premises ? "true" : "false")
	    : NULL;
	pp[10] = a->present && a->has_head_teacher_agreed_on ?
	    pb_db_date_param(a->head_teacher_agreed_on, t->ht) : NULL;
}

enum pb_err pb_budget_store_insert_element(struct pb_db *db, const char *la,
    const char *budget_id, int position, const struct pb_budget_element_in *e,
    char id[37])
{
	char pos[16];
	struct element_text t;
	const char *pp[15] = { la, id, budget_id, pos };

	pb_uuid_new(id);
	snprintf(pos, sizeof(pos), "%d", position);
	element_params(e, &t, pp + 4);
	enum pb_err err = pb_db_query(db,
	    "INSERT INTO budget_elements (la, id, budget_id, position, child_id, period_start,"
	    " period_end, budget_status, " ELEMENT_COLUMNS ")"
	    " SELECT $1, $2, b.id, $4, b.child_id, b.period_start, b.period_end, b.status,"
	    " $5, $6, $7, $8, $9, $10, $11, $12::text[], $13, $14, $15"
	    " FROM budgets b WHERE b.la = $1 AND b.id = $3", 15, pp, NULL);
	free(t.outcomes);
	return err;
}

enum pb_err pb_budget_store_delete_elements(struct pb_db *db, const char *la,
    const char *budget_id)
{
	const char *pp[] = { la, budget_id };
	enum pb_err err = pb_db_query(db,
	    "DELETE FROM budget_element_exceptions WHERE la = $1 AND budget_id = $2",
	    2, pp, NULL);
	if (err == PB_OK)
		err = pb_db_query(db,
		    "DELETE FROM budget_elements WHERE la = $1 AND budget_id = $2", 2, pp, NULL);
	return err;
}

enum pb_err pb_budget_store_update(struct pb_db *db, const char *la,
    const char *id, int32_t period_start, int32_t period_end,
    enum pb_arrangement arrangement)
{
	char ps[11], pe[11];

	pb_date_format(period_start, ps);
	pb_date_format(period_end, pe);
	const char *pp[] = { la, id, ps, pe, pb_arrangement_str(arrangement) };
	return pb_db_query(db,
	    "UPDATE budgets SET period_start = $3, period_end = $4, arrangement = $5,"
	    " version = version + 1, updated_at = now() WHERE la = $1 AND id = $2",
	    5, pp, NULL);
}

enum pb_err pb_budget_store_set_status(struct pb_db *db, const struct pb_actor *actor,
    const char *id, enum pb_budget_status status)
{
	const char *pp[] = { actor->la, id, pb_budget_status_str(status), actor->sub };
	return pb_db_query(db,
	    "UPDATE budgets SET status = $3,"
	    " approved_by = CASE WHEN status = 'draft' AND $3 = 'approved' THEN $4 ELSE approved_by END,"
	    " approved_at = CASE WHEN status = 'draft' AND $3 = 'approved' THEN now() ELSE approved_at END,"
	    " version = version + 1, updated_at = now() WHERE la = $1 AND id = $2",
	    4, pp, NULL);
}

enum pb_err pb_budget_store_touch(struct pb_db *db, const char *la, const char *id)
{
	const char *pp[] = { la, id };
	return pb_db_query(db,
	    "UPDATE budgets SET version = version + 1, updated_at = now()"
	    " WHERE la = $1 AND id = $2", 2, pp, NULL);
}

enum pb_err pb_budget_store_history(struct pb_db *db, const struct pb_actor *actor,
    const char *id, enum pb_budget_status status, const char *reason)
{
	const char *pp[] = { actor->la, id, pb_budget_status_str(status), reason, actor->sub };
	return pb_db_query(db,
	    "INSERT INTO budget_status_history (la, budget_id, seq, status, reason, changed_by)"
	    " SELECT $1, $2, coalesce(max(seq), 0) + 1, $3, $4, $5"
	    " FROM budget_status_history WHERE la = $1 AND budget_id = $2", 5, pp, NULL);
}

enum pb_err pb_budget_store_lock(struct pb_db *db, const char *la,
    const char *id, struct pb_budget_row *out)
{
	PGresult *res = NULL;
	const char *pp[] = { la, id };
	enum pb_err err = pb_db_one_row(db,
	    "SELECT b.id, b.child_id, b.plan_id, b.status, b.period_start, b.period_end,"
	    " b.created_by, pb_budget_version(b), b.request_id"
	    " FROM budgets b WHERE b.la = $1 AND b.id = $2 FOR UPDATE", 2, pp, &res);
	if (err)
		return err;
	pb_db_col_copy(res, 0, 0, out->id, sizeof(out->id));
	pb_db_col_copy(res, 0, 1, out->child_id, sizeof(out->child_id));
	pb_db_col_copy(res, 0, 2, out->plan_id, sizeof(out->plan_id));
	const char *st = PQgetvalue(res, 0, 3);
	if (pb_budget_status_parse(st, strlen(st), &out->status) != PB_OK)
		err = PB_EINTERNAL;
	out->period_start = pb_db_col_date(res, 0, 4, PB_DATE_NONE);
	out->period_end = pb_db_col_date(res, 0, 5, PB_DATE_NONE);
	pb_db_col_copy(res, 0, 6, out->created_by, sizeof(out->created_by));
	pb_db_col_copy(res, 0, 8, out->request_id, sizeof(out->request_id));
	out->version = (int)pb_db_col_int64(res, 0, 7);
	PQclear(res);
	return err;
}

enum pb_err pb_budget_store_elements(struct pb_db *db, const char *la,
    const char *budget_id, struct pb_budget_element_row *rows, size_t cap,
    size_t *n)
{
	PGresult *res = NULL;
	const char *pp[] = { la, budget_id };
	enum pb_err err = pb_db_query(db,
	    "SELECT id, position, arrangement, recipient_person_id, payee_id,"
	    " agreed_provision IS NOT NULL, agreed_provision, school_premises, signed_on,"
	    " head_teacher_agreed_on, stream, service_type, status = 'stopped',"
	    " head_teacher_withdrawn_on FROM budget_elements"
	    " WHERE la = $1 AND budget_id = $2 ORDER BY position", 2, pp, &res);
	if (err)
		return err;
	*n = 0;
	for (int i = 0; i < PQntuples(res) && *n < cap; i++) {
		struct pb_budget_element_row *r = &rows[(*n)++];
		memset(r, 0, sizeof(*r));
		pb_db_col_copy(res, i, 0, r->id, sizeof(r->id));
		r->position = (int)pb_db_col_int64(res, i, 1);
		const char *arr = PQgetvalue(res, i, 2);
		if (pb_arrangement_parse(arr, strlen(arr), &r->arrangement) != PB_OK)
			err = PB_EINTERNAL;
		pb_db_col_copy(res, i, 3, r->recipient_person_id, sizeof(r->recipient_person_id));
		pb_db_col_copy(res, i, 4, r->payee_id, sizeof(r->payee_id));
		r->has_agreement = pb_db_col_bool(res, i, 5);
		pb_db_col_copy(res, i, 6, r->agreed_provision, sizeof(r->agreed_provision));
		r->school_premises = pb_db_col_bool(res, i, 7);
		r->signed_on = pb_db_col_date(res, i, 8, PB_DATE_NONE);
		r->head_teacher_agreed_on = pb_db_col_date(res, i, 9, PB_DATE_NONE);
		const char *stream = PQgetvalue(res, i, 10);
		if (pb_stream_parse(stream, strlen(stream), &r->stream) != PB_OK)
			err = PB_EINTERNAL;
		pb_db_col_copy(res, i, 11, r->service_type, sizeof(r->service_type));
		r->stopped = pb_db_col_bool(res, i, 12);
		r->head_teacher_withdrawn_on = pb_db_col_date(res, i, 13, PB_DATE_NONE);
	}
	PQclear(res);
	return err;
}

enum pb_err pb_budget_store_set_agreement(struct pb_db *db, const char *la,
    const char *element_id, const struct pb_budget_agreement *a)
{
	struct pb_budget_agreement_in in = { 0 };
	char so[11], ht[11];

	in.present = 1;
	for (size_t i = 0; a->outcomes != NULL && i < a->noutcomes &&
	    i < PB_BUDGET_MAX_OUTCOMES; i++)
		in.outcomes[in.noutcomes++] = a->outcomes[i];
	char *outcomes = a->outcomes != NULL ? outcomes_literal(&in) : NULL;
	const char *pp[] = { la, element_id, a->agreed_provision, outcomes,
	    pb_db_date_param(a->signed_on, so), a->school_premises ? "true" : "false",
	    pb_db_date_param(a->head_teacher_agreed_on, ht) };
	enum pb_err err = pb_db_query(db,
	    "UPDATE budget_elements SET agreed_provision = $3,"
	    " outcomes = coalesce($4::text[], outcomes),"
	    " signed_on = $5, school_premises = $6, head_teacher_agreed_on = $7,"
	    /* PAY-6: a new agreement after a withdrawal ends the withdrawal */
	    " head_teacher_withdrawn_on = CASE WHEN $7::date > head_teacher_withdrawn_on"
	    "  OR NOT $6::boolean THEN NULL ELSE head_teacher_withdrawn_on END,"
	    " head_teacher_withdrawal_reason = CASE WHEN $7::date > head_teacher_withdrawn_on"
	    "  OR NOT $6::boolean THEN NULL ELSE head_teacher_withdrawal_reason END,"
	    " updated_at = now() WHERE la = $1 AND id = $2", 7, pp, NULL);
	free(outcomes);
	return err;
}

enum pb_err pb_budget_store_insert_exception(struct pb_db *db,
    const struct pb_actor *actor, const char *budget_id, const char *element_id,
    const char *rule, const char *reason, char id[37], char **json)
{
	pb_uuid_new(id);
	const char *pp[] = { actor->la, id, budget_id, element_id, rule, reason, actor->sub };
	return pb_db_one_json(db,
	    "INSERT INTO budget_element_exceptions AS x (la, id, budget_id, element_id, rule,"
	    " reason, recorded_by) VALUES ($1, $2, $3, $4, $5, $6, $7)"
	    " RETURNING json_build_object('id', x.id, 'budget_id', x.budget_id,"
	    " 'element_id', x.element_id, 'rule', x.rule, 'reason', x.reason,"
	    " 'recorded_by', x.recorded_by, 'recorded_at', pb_ts(x.recorded_at))::text",
	    7, pp, json, NULL);
}

enum pb_err pb_budget_store_json(struct pb_db *db, const char *la,
    const char *id, char **json, int *version)
{
	const char *pp[] = { la, id };
	return pb_db_one_json(db, "SELECT pb_json(b)::text, pb_budget_version(b) FROM budgets b"
	    " WHERE b.la = $1 AND b.id = $2", 2, pp, json, version);
}

enum pb_err pb_budget_store_get(struct pb_db *db, const struct pb_scope *scope,
    const char *id, char **json, int *version)
{
	const char *pp[] = { scope->la, id, scope->family_person_id };
	return pb_db_one_json(db,
	    "SELECT pb_json(b)::text, pb_budget_version(b) FROM budgets b"
	    " WHERE b.la = $1 AND b.id = $2 AND pb_child_visible(b.la, b.child_id, $3::uuid)",
	    3, pp, json, version);
}

enum pb_err pb_budget_store_visible(struct pb_db *db, const struct pb_scope *scope,
    const char *id)
{
	PGresult *res = NULL;
	const char *pp[] = { scope->la, id, scope->family_person_id };
	enum pb_err err = pb_db_one_row(db, "SELECT 1 FROM budgets b WHERE b.la = $1"
	    " AND b.id = $2 AND pb_child_visible(b.la, b.child_id, $3::uuid)", 3, pp, &res);
	PQclear(res);
	return err;
}

enum pb_err pb_budget_store_list_for_child(struct pb_db *db,
    const struct pb_scope *scope, const char *child_id, const char *cursor,
    int limit, char **json)
{
	char lim[24];
	const char *pp[] = { scope->la, child_id, cursor, pb_db_int_param(limit + 1, lim) };
	return pb_db_list_json(db,
	    "SELECT pb_json(b)::text, b.id FROM budgets b"
	    " WHERE b.la = $1 AND b.child_id = $2 AND ($3::uuid IS NULL OR b.id > $3)"
	    " ORDER BY b.id LIMIT $4", 4, pp, limit, json);
}

enum pb_err pb_budget_store_list(struct pb_db *db, const struct pb_scope *scope,
    const struct pb_budget_filter *f, const char *cursor, int limit, char **json)
{
	char lim[24];
	const char *pp[] = { scope->la, f->status, f->child_id, f->arrangement,
	    f->review_due_before, f->period_active_on, cursor, pb_db_int_param(limit + 1, lim),
	    scope->family_person_id };
	/* keyset paging on (created_at, id), oldest first.  review_due_before
	 * reads the plan's next annual review (PAY-14: the DP is reviewed with
	 * the EHC plan) */
	return pb_db_list_json(db,
	    "SELECT pb_json(b)::text, b.id FROM budgets b"
	    " WHERE b.la = $1 AND ($2::text IS NULL OR b.status = $2)"
	    " AND ($3::uuid IS NULL OR b.child_id = $3::uuid)"
	    " AND ($4::text IS NULL OR b.arrangement = $4)"
	    " AND ($5::date IS NULL OR EXISTS (SELECT 1 FROM plans p WHERE p.la = b.la"
	    "  AND p.id = b.plan_id AND p.next_review_due <= $5::date))"
	    " AND ($6::date IS NULL OR (b.period_start <= $6::date AND $6::date <= b.period_end))"
	    " AND pb_child_visible(b.la, b.child_id, $9::uuid)"
	    " AND ($7::uuid IS NULL OR (b.created_at, b.id) > (SELECT q.created_at, q.id"
	    "  FROM budgets q WHERE q.la = $1 AND q.id = $7::uuid))"
	    " ORDER BY b.created_at, b.id LIMIT $8", 9, pp, limit, json);
}

enum pb_err pb_budget_store_statement(struct pb_db *db,
    const struct pb_scope *scope, const char *id, const char *cursor,
    int limit, char **json)
{
	char lim[24];
	const char *pp[] = { scope->la, id, cursor, pb_db_int_param(limit + 1, lim) };
	/* Running balance = allocated + Σ effect so far, where a payment that
	 * holds money (committed or paid) takes its amount off, a failed or
	 * cancelled one takes nothing, and a recovery gives its amount back.
	 * Lines are ordered by the day the money moved: a paid payment by the
	 * day its result was recorded, any other payment by its due date, a
	 * recovery by the day it was recorded, ties in recording order; so no
	 * balance exceeds the allocation (a recovery never precedes what it
	 * recovers) and the last line's is the budget's remaining_pence.
	 * A debt (PAY-18) is a line of its own on the day it was raised, at
	 * its current status and what it owes now, moving nothing: money
	 * comes back only with its recovery line (paid) or by the reduced
	 * payment it was offset against (that recovery line, status
	 * "offset", moves nothing either).  debt_id links the three. */
	return pb_db_list_json(db,
	    "WITH lines AS ("
	    "  SELECT p.id, CASE WHEN p.status = 'paid' THEN coalesce("
	    "   (p.settled_at AT TIME ZONE 'UTC')::date, p.due_date) ELSE p.due_date END AS d, 0 AS k,"
	    "   p.created_at AS c, 'payment' AS kind,"
	    "   p.element_id, p.status, p.amount_pence,"
	    "   -(pb_payment_committed(p.status, p.amount_pence)"
	    "     + pb_payment_spent(p.status, p.amount_pence)) AS effect, p.offset_debt_id AS debt"
	    "  FROM payments p WHERE p.la = $1 AND p.budget_id = $2"
	    "  UNION ALL"
	    "  SELECT r.id, r.recorded_on, 1, r.created_at, 'recovery', r.element_id,"
	    "   CASE WHEN r.method = 'offset' THEN 'offset' ELSE 'recovered' END, r.amount_pence,"
	    "   pb_recovery_effect(r.method, r.amount_pence), r.debt_id"
	    "  FROM recoveries r WHERE r.la = $1 AND r.budget_id = $2"
	    "  UNION ALL"
	    "  SELECT x.id, x.raised_on, 2, x.created_at, 'debt', x.element_id, x.status,"
	    "   x.amount_pence, 0, x.id"
	    "  FROM recovery_debts x WHERE x.la = $1 AND x.budget_id = $2),"
	    " n AS (SELECT l.*, row_number() OVER w AS rn,"
	    "   (SELECT coalesce(sum(e.allocated_pence), 0) FROM budget_elements e"
	    "     WHERE e.la = $1 AND e.budget_id = $2) + sum(l.effect) OVER w AS balance"
	    "  FROM lines l WINDOW w AS (ORDER BY l.d, l.c, l.k, l.id ROWS UNBOUNDED PRECEDING))"
	    " SELECT json_build_object('date', n.d, 'kind', n.kind,"
	    "  'payment_id', CASE WHEN n.kind = 'payment' THEN n.id END,"
	    "  'recovery_id', CASE WHEN n.kind = 'recovery' THEN n.id END, 'debt_id', n.debt,"
	    "  'owed_pence', CASE WHEN n.kind = 'debt' AND pb_debt_owed(n.status)"
	    "   THEN n.amount_pence END,"
	    "  'element_id', n.element_id, 'status', n.status, 'amount_pence', n.amount_pence,"
	    "  'balance_pence', n.balance::bigint)::text, n.id"
	    " FROM n WHERE n.rn > coalesce((SELECT n2.rn FROM n n2 WHERE n2.id = $3::uuid),"
	    "  CASE WHEN $3::uuid IS NULL THEN 0 END)"
	    " ORDER BY n.rn LIMIT $4", 4, pp, limit, json);
}

enum pb_err pb_budget_store_section_j_data(struct pb_db *db,
    const struct pb_scope *scope, const char *id, char **json)
{
	const char *pp[] = { scope->la, id, scope->family_person_id };
	return pb_db_one_json(db,
	    "SELECT json_build_object('budget', pb_json(b), 'child', json_build_object("
	    " 'id', c.id, 'given_name', c.given_name, 'family_name', c.family_name))::text"
	    " FROM budgets b JOIN children c ON c.la = b.la AND c.id = b.child_id"
	    " WHERE b.la = $1 AND b.id = $2 AND pb_child_visible(b.la, b.child_id, $3::uuid)",
	    3, pp, json, NULL);
}

/* Columns of the family view query, in order. */
enum {
	FV_CHILD_ID, FV_GIVEN_NAME, FV_BUDGET_ID, FV_PERIOD_START, FV_PERIOD_END,
	FV_STATUS, FV_ARRANGEMENT, FV_OPEN_DUE, FV_OPEN_AMOUNT, FV_ELEMENT_ID,
	FV_STREAM, FV_SERVICE_TYPE, FV_ELEMENT_ARRANGEMENT, FV_ALLOCATED, FV_COMMITTED,
	FV_SPENT, FV_LABEL, FV_HELD_KIND, FV_HELD_NAME, FV_PAID, FV_SC_FREQ, FV_SC_START,
	FV_SC_LAST, FV_SC_AMOUNT, FV_SC_CAP_LEFT, FV_SC_HAVE_I, FV_SC_HAVE_D, FV_TERMS,
	FV_VERSION
};

static const char *col_or_null(const PGresult *res, int row, int col)
{
	return PQgetisnull(res, row, col) ? NULL : PQgetvalue(res, row, col);
}

/* The members of a PostgreSQL array's text form "{a,b,c}" of dates,
 * integers or plain words (nothing quoted): the number of them, and each
 * one's start and length through fn. */
typedef void array_member_fn(const char *s, size_t len, size_t i, void *out);

static size_t array_count(const char *t)
{
	size_t n = 0;

	if (t == NULL || t[0] != '{' || t[1] == '}')
		return 0;
	for (n = 1; *t; t++)
		n += *t == ',';
	return n;
}

static void array_each(const char *t, array_member_fn *fn, void *out)
{
	size_t i = 0;

	if (array_count(t) == 0)
		return;
	for (const char *m = t + 1;; i++) {
		size_t len = strcspn(m, ",}");
		fn(m, len, i, out);
		if (m[len] != ',')
			break;
		m += len + 1;
	}
}

static void member_day(const char *s, size_t len, size_t i, void *out)
{
	int32_t d = PB_DATE_NONE;
	(void)pb_date_parse(s, len, &d);
	((int32_t *)out)[i] = d;
}

static void member_int64(const char *s, size_t len, size_t i, void *out)
{
	(void)len;
	((int64_t *)out)[i] = strtoll(s, NULL, 10);
}

static void member_freq(const char *s, size_t len, size_t i, void *out)
{
	enum pb_pay_frequency f = 0;
	(void)pb_pay_frequency_parse(s, len, &f);
	((struct pb_family_sched *)out)[i].frequency = (int)f;
}

/* An array column as n values (malloc'd; NULL when empty). */
static void *array_of(const PGresult *res, int row, int col, size_t size, array_member_fn *fn,
    size_t *n)
{
	const char *t = col_or_null(res, row, col);
	void *a = NULL;

	*n = array_count(t);
	if (*n > 0) {
		if ((a = calloc(*n, size)) == NULL)
			abort();
		array_each(t, fn, a);
	}
	return a;
}

/* What a row's arrays hold, freed after the render. */
struct row_arrays {
	int32_t *open_due, *terms, *have_d, *sc_start, *sc_last;
	int64_t *open_amount, *have_i, *sc_amount, *sc_cap;
	struct pb_family_sched *sched;
};

static void row_arrays_free(struct row_arrays *a)
{
	free(a->open_due);
	free(a->terms);
	free(a->have_d);
	free(a->sc_start);
	free(a->sc_last);
	free(a->open_amount);
	free(a->have_i);
	free(a->sc_amount);
	free(a->sc_cap);
	free(a->sched);
}

/* The element's instalments and schedules of result row r into f, their
 * storage in a. */
static void family_arrays(const PGresult *res, int r, struct pb_family_row *f,
    struct row_arrays *a)
{
	size_t n1 = 0, n2 = 0, nstart = 0, nlast = 0, namount = 0, ncap = 0, nhi = 0, nhd = 0;

	a->open_due = array_of(res, r, FV_OPEN_DUE, sizeof(int32_t), member_day, &n1);
	a->open_amount = array_of(res, r, FV_OPEN_AMOUNT, sizeof(int64_t), member_int64, &n2);
	f->open_due = a->open_due;
	f->open_amount = a->open_amount;
	f->nopen = n1 < n2 ? n1 : n2;
	a->terms = array_of(res, r, FV_TERMS, sizeof(int32_t), member_day, &f->nterms);
	f->terms = a->terms;
	a->sched = array_of(res, r, FV_SC_FREQ, sizeof(*a->sched), member_freq, &f->nsched);
	a->sc_start = array_of(res, r, FV_SC_START, sizeof(int32_t), member_day, &nstart);
	a->sc_last = array_of(res, r, FV_SC_LAST, sizeof(int32_t), member_day, &nlast);
	a->sc_amount = array_of(res, r, FV_SC_AMOUNT, sizeof(int64_t), member_int64, &namount);
	a->sc_cap = array_of(res, r, FV_SC_CAP_LEFT, sizeof(int64_t), member_int64, &ncap);
	a->have_i = array_of(res, r, FV_SC_HAVE_I, sizeof(int64_t), member_int64, &nhi);
	a->have_d = array_of(res, r, FV_SC_HAVE_D, sizeof(int32_t), member_day, &nhd);
	if (nstart != f->nsched || nlast != f->nsched || namount != f->nsched ||
	    ncap != f->nsched || nhi != nhd)
		f->nsched = 0;                 /* the arrays are built together: unreachable */
	f->sched = a->sched;
	/* have is ordered by schedule number (1-based), then date */
	for (size_t i = 0, h = 0; i < f->nsched; i++) {
		struct pb_family_sched *s = &a->sched[i];
		s->start = a->sc_start[i];
		s->last = a->sc_last[i];
		s->amount_pence = a->sc_amount[i];
		s->cap_left = a->sc_cap[i];
		s->have = a->have_d ? a->have_d + h : NULL;
		while (h < nhd && a->have_i[h] == (int64_t)i + 1) {
			s->nhave++;
			h++;
		}
	}
}

enum pb_err pb_budget_store_family_rows(struct pb_db *db, const char *la,
    const char *person_id, int32_t today, pb_budget_family_rows_fn *fn, void *arg)
{
	PGresult *res = NULL;
	char td[11];
	const char *pp[] = { la, person_id, pb_db_date_param(today, td) };
	/* One index range scan of the person's read model (migrations 011 and
	 * 026, kept current by triggers in the transaction of every change):
	 * each element's stored open instalments — or, only when the stored
	 * ones end inside the coming 8 weeks and there are more, its next 16
	 * from today from payments (index payments_next_due) — and its live
	 * schedules.  Which instalments are to come is worked out in C from
	 * those and today (family_view.c), as are the document and its ETag. */
	enum pb_err err = pb_db_query(db,
	    "SELECT r.child_id, r.given_name, r.budget_id, r.period_start, r.period_end,"
	    " r.status, r.arrangement, coalesce(lv.due, r.open_due),"
	    " coalesce(lv.amount, r.open_amount), r.element_id, r.stream,"
	    " r.service_type, r.element_arrangement, r.allocated_pence, r.committed_pence,"
	    " r.spent_pence, r.label, r.held_kind, r.held_name, r.paid_pence, r.sc_freq,"
	    " r.sc_start, r.sc_last, r.sc_amount, r.sc_cap_left, r.sc_have_i, r.sc_have_d,"
	    " r.terms, v.version FROM family_views v"
	    " LEFT JOIN family_view_rows r ON r.la = v.la AND r.person_id = v.person_id"
	    " LEFT JOIN LATERAL (SELECT array_agg(x.due_date ORDER BY x.n) AS due,"
	    "  array_agg(x.amount_pence ORDER BY x.n) AS amount FROM (SELECT p.due_date,"
	    "  p.amount_pence, row_number() OVER (ORDER BY p.due_date, p.created_at, p.id) AS n"
	    "  FROM payments p JOIN budget_elements pe ON pe.la = p.la AND pe.id = p.element_id"
	    "   AND pe.payee_id = p.payee_id"
	    "  WHERE r.open_more AND r.open_due[16] < $3::date + 56 AND p.la = r.la"
	    "   AND p.budget_id = r.budget_id AND p.element_id = r.element_id"
	    "   AND p.status IN ('pending_approval', 'approved', 'exported')"
	    "   AND p.due_date >= $3::date"
	    "  ORDER BY p.due_date, p.created_at, p.id LIMIT 16) x) lv ON true"
	    " WHERE v.la = $1 AND v.person_id = $2 ORDER BY r.ord", 3, pp, &res);
	if (err)
		return err;
	/* one row per element; a person whose view holds nothing gives one
	 * row of NULLs (the version only) */
	size_t total = (size_t)PQntuples(res), n = 0;
	int64_t version = total > 0 ? pb_db_col_int64(res, 0, FV_VERSION) : 0;
	struct pb_family_row *rows = calloc(total ? total : 1, sizeof(*rows));
	struct row_arrays *arrays = calloc(total ? total : 1, sizeof(*arrays));
	if (rows == NULL || arrays == NULL)
		abort();
	for (size_t i = 0; i < total; i++) {
		int r = (int)i;
		if (PQgetisnull(res, r, FV_CHILD_ID))
			continue;
		struct pb_family_row *f = &rows[n];
		f->child_id = PQgetvalue(res, r, FV_CHILD_ID);
		f->given_name = PQgetvalue(res, r, FV_GIVEN_NAME);
		f->budget_id = PQgetvalue(res, r, FV_BUDGET_ID);
		f->period_start = PQgetvalue(res, r, FV_PERIOD_START);
		f->period_end = PQgetvalue(res, r, FV_PERIOD_END);
		f->status = PQgetvalue(res, r, FV_STATUS);
		f->arrangement = PQgetvalue(res, r, FV_ARRANGEMENT);
		f->element_id = col_or_null(res, r, FV_ELEMENT_ID);
		f->stream = PQgetvalue(res, r, FV_STREAM);
		f->service_type = PQgetvalue(res, r, FV_SERVICE_TYPE);
		f->element_arrangement = PQgetvalue(res, r, FV_ELEMENT_ARRANGEMENT);
		f->allocated_pence = pb_db_col_int64(res, r, FV_ALLOCATED);
		f->committed_pence = pb_db_col_int64(res, r, FV_COMMITTED);
		f->spent_pence = pb_db_col_int64(res, r, FV_SPENT);
		f->label = PQgetvalue(res, r, FV_LABEL);
		f->held_kind = PQgetvalue(res, r, FV_HELD_KIND);
		f->held_name = PQgetvalue(res, r, FV_HELD_NAME);
		f->paid_pence = pb_db_col_int64(res, r, FV_PAID);
		if (f->element_id != NULL)
			family_arrays(res, r, f, &arrays[n]);
		n++;
	}
	err = fn(rows, n, version, arg);
	for (size_t i = 0; i < n; i++)
		row_arrays_free(&arrays[i]);
	free(arrays);
	free(rows);
	PQclear(res);
	return err;
}

enum pb_err pb_budget_store_family_version(struct pb_db *db, const char *la,
    const char *person_id, int64_t *version)
{
	PGresult *res = NULL;
	const char *pp[] = { la, person_id };
	enum pb_err err = pb_db_query(db,
	    "SELECT v.version FROM family_views v WHERE v.la = $1 AND v.person_id = $2",
	    2, pp, &res);

	if (err)
		return err;
	*version = PQntuples(res) > 0 ? pb_db_col_int64(res, 0, 0) : 0;
	PQclear(res);
	return PB_OK;
}

/* The facts of one direct payment's next review, columns from 4 on of a
 * review query (REVIEW_FACTS), into r. */
#define REVIEW_FACTS \
	" e.stream, e.service_type," \
	" (SELECT min(p.due_date) FROM payments p WHERE p.la = e.la" \
	"   AND p.element_id = e.id AND p.status IN ('exported', 'paid'))," \
	" pl.next_review_due," \
	" (SELECT max(r.reviewed_on) FROM agreement_reviews r WHERE r.la = e.la" \
	"   AND r.element_id = e.id), c.date_of_birth" \
	" FROM budget_elements e JOIN budgets b ON b.la = e.la AND b.id = e.budget_id" \
	" LEFT JOIN plans pl ON pl.la = b.la AND pl.id = b.plan_id" \
	" JOIN children c ON c.la = b.la AND c.id = b.child_id"

static void review_row(const PGresult *res, int i, struct pb_budget_review_row *r)
{
	memset(r, 0, sizeof(*r));
	pb_db_col_copy(res, i, 0, r->element_id, sizeof(r->element_id));
	pb_db_col_copy(res, i, 1, r->budget_id, sizeof(r->budget_id));
	pb_db_col_copy(res, i, 2, r->child_id, sizeof(r->child_id));
	pb_db_col_copy(res, i, 3, r->child_name, sizeof(r->child_name));
	pb_db_col_copy(res, i, 4, r->stream, sizeof(r->stream));
	pb_db_col_copy(res, i, 5, r->service_type, sizeof(r->service_type));
	r->first_payment = pb_db_col_date(res, i, 6, PB_DATE_NONE);
	r->plan_next_review_due = pb_db_col_date(res, i, 7, PB_DATE_NONE);
	r->last_review = pb_db_col_date(res, i, 8, PB_DATE_NONE);
	r->date_of_birth = pb_db_col_date(res, i, 9, PB_DATE_NONE);
}

enum pb_err pb_budget_store_review_stale(struct pb_db *db, const char *la, int32_t today,
    int max, int *taken, int (*fn)(const struct pb_budget_review_row *row, void *arg), void *arg)
{
	PGresult *res = NULL;
	char on[11], lim[24];
	const char *pp[] = { la, on, pb_db_int_param(max, lim) };

	*taken = 0;
	pb_date_format(today, on);
	enum pb_err err = pb_db_query(db,
	    "SELECT pg_advisory_xact_lock(hashtextextended('review_due:' || $1, 0))", 1, pp, NULL);
	if (err)
		return err;
	/* one statement, one snapshot: the answers dropped are the ones
	 * dequeued or lapsed */
	err = pb_db_query(db,
	    "WITH queued AS (DELETE FROM review_due_dirty d WHERE d.la = $1 AND d.element_id IN"
	    "  (SELECT q.element_id FROM review_due_dirty q WHERE q.la = $1"
	    "   ORDER BY q.element_id LIMIT $3::int) RETURNING d.element_id),"
	    " lapsed AS (SELECT element_id FROM review_due WHERE la = $1 AND holds_until <= $2::date"
	    "  ORDER BY element_id LIMIT $3::int),"
	    " old AS (DELETE FROM review_due r WHERE r.la = $1 AND (r.element_id IN"
	    "  (SELECT element_id FROM queued) OR r.element_id IN (SELECT element_id FROM lapsed)))"
	    " SELECT element_id FROM queued UNION SELECT element_id FROM lapsed", 3, pp, &res);
	if (err)
		return err;
	int n = PQntuples(res);
	*taken = n;
	struct pb_buf ids;
	pb_buf_init(&ids, (size_t)n * 37 + 3);
	pb_buf_add(&ids, "{", 1);
	for (int i = 0; i < n; i++)
		pb_buf_addf(&ids, "%s%s", i ? "," : "", PQgetvalue(res, i, 0));
	pb_buf_add(&ids, "}", 1);
	PQclear(res);
	res = NULL;
	if (n == 0) {
		pb_buf_free(&ids);
		return PB_OK;
	}
	/* a separate statement so the planner sees how many: a few are index
	 * lookups, a backlog (after a payment run) one pass */
	const char *fp[] = { la, pb_buf_str(&ids) };
	err = pb_db_query(db,
	    "SELECT e.id, b.id, b.child_id, c.given_name || ' ' || c.family_name," REVIEW_FACTS
	    " WHERE e.la = $1 AND e.arrangement = 'direct_payment' AND e.id = ANY($2::uuid[])"
	    "  AND e.status = 'active' AND b.status IN ('approved', 'suspended')"
	    " ORDER BY e.id", 2, fp, &res);
	pb_buf_free(&ids);
	if (err)
		return err;
	for (int i = 0; i < PQntuples(res); i++) {
		struct pb_budget_review_row r;
		review_row(res, i, &r);
		if (fn(&r, arg) != 0)
			break;
	}
	PQclear(res);
	return PB_OK;
}

enum pb_err pb_budget_store_review_keep(struct pb_db *db, const char *la,
    const char *answers)
{
	const char *pp[] = { la, answers };
	return pb_db_query(db,
	    "INSERT INTO review_due (la, element_id, due_on, rule, basis, holds_until)"
	    " SELECT $1, a.element_id, a.due_on, a.rule, a.basis, a.holds_until"
	    " FROM jsonb_to_recordset($2::jsonb) AS a(element_id uuid, due_on date, rule text,"
	    "  basis text, holds_until date)"
	    " ON CONFLICT (la, element_id) DO UPDATE SET due_on = EXCLUDED.due_on,"
	    "  rule = EXCLUDED.rule, basis = EXCLUDED.basis, holds_until = EXCLUDED.holds_until",
	    2, pp, NULL);
}

enum pb_err pb_budget_store_review_analyze(struct pb_db *db)
{
	return pb_db_query(db, "ANALYZE review_due", 0, NULL, NULL);
}

enum pb_err pb_budget_store_review_due_page(struct pb_db *db, const char *la,
    int32_t today, int32_t before, const char *cursor, int limit, char **json)
{
	char lim[24], t[11], bf[11];
	const char *pp[] = { la, t, bf, cursor, pb_db_int_param(limit + 1, lim) };

	pb_date_format(today, t);
	pb_date_format(before, bf);
	return pb_db_list_json(db,
	    "SELECT json_build_object('element_id', e.id, 'budget_id', b.id,"
	    "  'child', json_build_object('id', c.id, 'name', c.given_name || ' ' || c.family_name),"
	    "  'stream', e.stream, 'service_type', e.service_type, 'due_date', r.due_on,"
	    "  'basis', r.basis, 'rule', r.rule, 'overdue', r.due_on < $2::date)::text, e.id"
	    " FROM review_due r"
	    " JOIN budget_elements e ON e.la = r.la AND e.id = r.element_id"
	    " JOIN budgets b ON b.la = e.la AND b.id = e.budget_id"
	    " JOIN children c ON c.la = b.la AND c.id = b.child_id"
	    " WHERE r.la = $1 AND r.due_on <= $3::date"
	    "  AND e.arrangement = 'direct_payment' AND e.status = 'active'"
	    "  AND b.status IN ('approved', 'suspended')"
	    "  AND ($4::uuid IS NULL OR (r.due_on, r.element_id) > (SELECT q.due_on, q.element_id"
	    "   FROM review_due q WHERE q.la = $1 AND q.element_id = $4::uuid))"
	    " ORDER BY r.due_on, r.element_id LIMIT $5", 5, pp, limit, json);
}

enum pb_err pb_budget_store_review_row(struct pb_db *db, const struct pb_scope *scope,
    const char *budget_id, const char *element_id, struct pb_budget_review_row *out)
{
	PGresult *res = NULL;
	const char *pp[] = { scope->la, budget_id, element_id, scope->family_person_id };
	enum pb_err err = pb_db_one_row(db,
	    "SELECT e.id, b.id, b.child_id, c.given_name || ' ' || c.family_name," REVIEW_FACTS
	    " WHERE e.la = $1 AND e.budget_id = $2 AND e.id = $3"
	    "  AND e.arrangement = 'direct_payment'"
	    "  AND pb_child_visible(b.la, b.child_id, $4::uuid)", 4, pp, &res);
	if (err == PB_OK)
		review_row(res, 0, out);
	PQclear(res);
	return err;
}

enum pb_err pb_budget_store_agreement_json(struct pb_db *db, const char *la,
    const char *element_id, char **json)
{
	const char *pp[] = { la, element_id };
	return pb_db_one_json(db, "SELECT pb_agreement_json(e)::text FROM budget_elements e"
	    " WHERE e.la = $1 AND e.id = $2", 2, pp, json, NULL);
}

enum pb_err pb_budget_store_review_insert(struct pb_db *db, const struct pb_actor *actor,
    const char *budget_id, const char *element_id, int32_t reviewed_on, const char *basis,
    const char *outcome, const int checks[PB_REVIEW_CHECKS], const char *notes, char id[37])
{
	char on[11];
	const char *pp[14] = { actor->la, id, budget_id, element_id,
	    pb_db_date_param(reviewed_on, on), basis, outcome, notes, actor->sub };

	for (int i = 0; i < PB_REVIEW_CHECKS; i++)
		pp[9 + i] = checks[i] ? "true" : "false";
	pb_uuid_new(id);
	return pb_db_query(db,
	    "INSERT INTO agreement_reviews (la, id, budget_id, element_id, reviewed_on, basis,"
	    " outcome, notes, recorded_by, still_appropriate, used_effectively, sufficient,"
	    " pay5_conditions_met, compliant)"
	    " VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14)", 14, pp, NULL);
}

enum pb_err pb_budget_store_head_teacher_withdraw(struct pb_db *db, const char *la,
    const char *element_id, int32_t on, const char *reason)
{
	char d[11];
	const char *pp[] = { la, element_id, pb_db_date_param(on, d), reason };
	return pb_db_query(db,
	    "UPDATE budget_elements SET head_teacher_withdrawn_on = $3,"
	    " head_teacher_withdrawal_reason = $4, updated_at = now()"
	    " WHERE la = $1 AND id = $2", 4, pp, NULL);
}

enum pb_err pb_budget_store_lock_for_plan(struct pb_db *db, const char *la,
    const char *plan_id, int32_t after, char (*ids)[37], size_t cap, size_t *n)
{
	PGresult *res = NULL;
	char d[11];
	const char *pp[] = { la, plan_id, pb_db_date_param(after, d) };
	enum pb_err err = pb_db_query(db,
	    "SELECT b.id, b.status = 'approved' AND b.period_end > $3::date FROM budgets b"
	    " WHERE b.la = $1 AND b.plan_id = $2 AND b.status IN ('approved', 'suspended')"
	    " ORDER BY b.id FOR UPDATE", 3, pp, &res);
	if (err)
		return err;
	*n = 0;
	for (int i = 0; i < PQntuples(res) && *n < cap; i++)
		if (pb_db_col_bool(res, i, 1))
			pb_db_col_copy(res, i, 0, ids[(*n)++], 37);
	PQclear(res);
	return PB_OK;
}

enum pb_err pb_budget_store_lock_dp_of(struct pb_db *db, const char *la,
    const char *child_id, const char *person_id, struct pb_budget_dp_row *rows,
    size_t cap, size_t *n)
{
	PGresult *res = NULL;
	const char *pp[] = { la, child_id, person_id };
	enum pb_err err = pb_db_query(db,
	    "SELECT e.id, b.id, e.stream FROM budgets b JOIN budget_elements e"
	    " ON e.la = b.la AND e.budget_id = b.id"
	    " WHERE b.la = $1 AND b.child_id = $2 AND b.status IN ('approved', 'suspended')"
	    " AND e.arrangement = 'direct_payment' AND e.status = 'active'"
	    " AND e.recipient_person_id = $3 ORDER BY b.id, e.id FOR UPDATE OF b", 3, pp, &res);
	if (err)
		return err;
	*n = 0;
	for (int i = 0; i < PQntuples(res) && *n < cap && err == PB_OK; i++) {
		struct pb_budget_dp_row *r = &rows[(*n)++];
		const char *stream = PQgetvalue(res, i, 2);
		pb_db_col_copy(res, i, 0, r->element_id, sizeof(r->element_id));
		pb_db_col_copy(res, i, 1, r->budget_id, sizeof(r->budget_id));
		if (pb_stream_parse(stream, strlen(stream), &r->stream) != PB_OK)
			err = PB_EINTERNAL;
	}
	PQclear(res);
	return err;
}

enum pb_err pb_budget_store_stop_element(struct pb_db *db, const char *la,
    const char *element_id, const char *rule, const char *reason, int32_t on)
{
	char d[11];
	const char *pp[] = { la, element_id, rule, reason, pb_db_date_param(on, d) };
	enum pb_err err = pb_db_query(db,
	    "UPDATE budget_elements SET status = 'stopped', stopped_rule = $3, stopped_reason = $4,"
	    " stopped_on = $5, updated_at = now() WHERE la = $1 AND id = $2", 5, pp, NULL);
	if (err == PB_OK)
		err = pb_db_query(db, "UPDATE budgets b SET version = b.version + 1, updated_at = now()"
		    " FROM budget_elements e WHERE e.la = $1 AND e.id = $2 AND b.la = e.la"
		    " AND b.id = e.budget_id", 2, pp, NULL);
	return err;
}

enum pb_err pb_budget_store_lock_child(struct pb_db *db, const char *la, const char *child_id)
{
	const char *pp[] = { la, child_id };
	return pb_db_query(db, "SELECT b.id FROM budgets b WHERE b.la = $1 AND b.child_id = $2"
	    " AND b.status IN ('approved', 'suspended') ORDER BY b.id FOR UPDATE", 2, pp, NULL);
}

/* --- variations --------------------------------------------------------------- */

enum pb_err pb_budget_store_element_money(struct pb_db *db, const char *la,
    const char *budget_id, struct pb_budget_element_money *rows, size_t cap, size_t *n)
{
	PGresult *res = NULL;
	const char *pp[] = { la, budget_id };
	enum pb_err err = pb_db_query(db,
	    "SELECT id, position, arrangement, status = 'stopped', allocated_pence,"
	    " committed_pence, spent_pence FROM budget_elements"
	    " WHERE la = $1 AND budget_id = $2 ORDER BY position", 2, pp, &res);
	if (err)
		return err;
	*n = 0;
	for (int i = 0; i < PQntuples(res) && *n < cap; i++) {
		struct pb_budget_element_money *r = &rows[(*n)++];
		const char *arr = PQgetvalue(res, i, 2);
		memset(r, 0, sizeof(*r));
		pb_db_col_copy(res, i, 0, r->id, sizeof(r->id));
		r->position = (int)pb_db_col_int64(res, i, 1);
		if (pb_arrangement_parse(arr, strlen(arr), &r->arrangement) != PB_OK)
			err = PB_EINTERNAL;
		r->stopped = pb_db_col_bool(res, i, 3);
		r->allocated_pence = pb_db_col_int64(res, i, 4);
		r->committed_pence = pb_db_col_int64(res, i, 5);
		r->spent_pence = pb_db_col_int64(res, i, 6);
	}
	PQclear(res);
	return err;
}

enum pb_err pb_budget_store_notice_days(struct pb_db *db, const char *la, int *days)
{
	PGresult *res = NULL;
	const char *pp[] = { la };
	enum pb_err err = pb_db_one_row(db, "SELECT coalesce((SELECT dp_notice_days FROM"
	    " council_settings WHERE la = $1), 28)", 1, pp, &res);
	if (err == PB_OK)
		*days = (int)pb_db_col_int64(res, 0, 0);
	PQclear(res);
	return err;
}

enum pb_err pb_budget_store_variation_insert(struct pb_db *db, const struct pb_actor *actor,
    const char *budget_id, const char *reason, int32_t effective_from, int needs_notice,
    const char *stop_rule, const char *stop_ground, char id[37])
{
	char from[11];
	const char *pp[] = { actor->la, id, budget_id, reason,
	    pb_db_date_param(effective_from, from), needs_notice ? "true" : "false", actor->sub,
	    stop_rule, stop_ground };

	pb_uuid_new(id);
	return pb_db_query(db,
	    "INSERT INTO budget_variations (la, id, budget_id, reason, effective_from,"
	    " needs_notice, requested_by, stop_rule, stop_ground)"
	    " VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)", 9, pp, NULL);
}

enum pb_err pb_budget_store_variation_line(struct pb_db *db, const char *la,
    const char *variation_id, int seq, enum pb_variation_kind kind, char element_id[37],
    int64_t old_pence, int64_t new_pence, const struct pb_budget_element_in *add)
{
	char sq[16], oldp[24], newp[24];
	struct element_text t = { .outcomes = NULL };
	/* $6.. are ELEMENT_COLUMNS' parameters (allocated_pence, $9, is the
	 * line's new allocation); $17 the old allocation */
	const char *pp[17] = { la, variation_id, sq, pb_variation_kind_str(kind), element_id };

	snprintf(sq, sizeof(sq), "%d", seq);
	if (kind == PB_VARIATION_ADD) {
		pb_uuid_new(element_id);
		element_params(add, &t, pp + 5);
	} else {
		pp[8] = kind == PB_VARIATION_CHANGE ? pb_db_int_param(new_pence, newp) : NULL;
		pp[16] = pb_db_int_param(old_pence, oldp);
	}
	enum pb_err err = pb_db_query(db,
	    "INSERT INTO budget_variation_lines (la, variation_id, seq, kind, element_id,"
	    " stream, service_type, arrangement, new_allocated_pence, recipient_person_id,"
	    " payee_id, agreed_provision, outcomes, signed_on, school_premises,"
	    " head_teacher_agreed_on, old_allocated_pence)"
	    " VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13::text[], $14, $15,"
	    " $16, $17)", 17, pp, NULL);
	free(t.outcomes);
	return err;
}

enum pb_err pb_budget_store_variation_lock(struct pb_db *db, const char *la,
    const char *budget_id, const char *id, struct pb_variation_row *out)
{
	PGresult *res = NULL;
	const char *pp[] = { la, budget_id, id };
	enum pb_err err = pb_db_one_row(db,
	    "SELECT id, budget_id, status, needs_notice, reconsideration_at IS NOT NULL,"
	    " effective_from, takes_effect_on, requested_by, decided_by, version, stop_rule"
	    " FROM budget_variations WHERE la = $1 AND budget_id = $2 AND id = $3 FOR UPDATE",
	    3, pp, &res);
	if (err)
		return err;
	const char *st = PQgetvalue(res, 0, 2);
	memset(out, 0, sizeof(*out));
	pb_db_col_copy(res, 0, 0, out->id, sizeof(out->id));
	pb_db_col_copy(res, 0, 1, out->budget_id, sizeof(out->budget_id));
	if (pb_variation_status_parse(st, strlen(st), &out->status) != PB_OK)
		err = PB_EINTERNAL;
	out->needs_notice = pb_db_col_bool(res, 0, 3);
	out->asked = pb_db_col_bool(res, 0, 4);
	out->effective_from = pb_db_col_date(res, 0, 5, PB_DATE_NONE);
	out->takes_effect_on = pb_db_col_date(res, 0, 6, PB_DATE_NONE);
	pb_db_col_copy(res, 0, 7, out->requested_by, sizeof(out->requested_by));
	pb_db_col_copy(res, 0, 8, out->decided_by, sizeof(out->decided_by));
	out->version = (int)pb_db_col_int64(res, 0, 9);
	pb_db_col_copy(res, 0, 10, out->stop_rule, sizeof(out->stop_rule));
	PQclear(res);
	return err;
}

enum pb_err pb_budget_store_variation_lines(struct pb_db *db, const char *la,
    const char *id, struct pb_variation_lines *out)
{
	PGresult *res = NULL;
	const char *pp[] = { la, id };
	enum pb_err err = pb_db_query(db,
	    "SELECT kind, element_id, coalesce(new_allocated_pence, 0), arrangement,"
	    " recipient_person_id, payee_id, agreed_provision IS NOT NULL, agreed_provision,"
	    " school_premises, signed_on, head_teacher_agreed_on, stream, service_type"
	    " FROM budget_variation_lines WHERE la = $1 AND variation_id = $2 ORDER BY seq",
	    2, pp, &res);
	if (err)
		return err;
	memset(out, 0, sizeof(*out));
	for (int i = 0; i < PQntuples(res) && out->n < PB_BUDGET_MAX_ELEMENTS; i++) {
		size_t k = out->n++;
		const char *kind = PQgetvalue(res, i, 0);
		if (pb_variation_kind_parse(kind, strlen(kind), &out->kind[k]) != PB_OK)
			err = PB_EINTERNAL;
		pb_db_col_copy(res, i, 1, out->element_id[k], sizeof(out->element_id[k]));
		out->new_pence[k] = pb_db_col_int64(res, i, 2);
		if (out->kind[k] != PB_VARIATION_ADD)
			continue;
		struct pb_budget_element_row *r = &out->added[out->nadded++];
		const char *arr = PQgetvalue(res, i, 3), *stream = PQgetvalue(res, i, 11);
		pb_db_col_copy(res, i, 1, r->id, sizeof(r->id));
		if (pb_arrangement_parse(arr, strlen(arr), &r->arrangement) != PB_OK ||
		    pb_stream_parse(stream, strlen(stream), &r->stream) != PB_OK)
			err = PB_EINTERNAL;
		pb_db_col_copy(res, i, 4, r->recipient_person_id, sizeof(r->recipient_person_id));
		pb_db_col_copy(res, i, 5, r->payee_id, sizeof(r->payee_id));
		r->has_agreement = pb_db_col_bool(res, i, 6);
		pb_db_col_copy(res, i, 7, r->agreed_provision, sizeof(r->agreed_provision));
		r->school_premises = pb_db_col_bool(res, i, 8);
		r->signed_on = pb_db_col_date(res, i, 9, PB_DATE_NONE);
		r->head_teacher_agreed_on = pb_db_col_date(res, i, 10, PB_DATE_NONE);
		pb_db_col_copy(res, i, 12, r->service_type, sizeof(r->service_type));
	}
	PQclear(res);
	return err;
}

enum pb_err pb_budget_store_variation_step(struct pb_db *db, const char *la,
    const char *id, const struct pb_variation_step *s)
{
	char notice[11], effect[11], applied[24];
	const char *pp[] = { la, id, pb_variation_status_str(s->to), pb_variation_status_str(s->from),
	    s->by, s->reason, pb_db_date_param(s->notice_on, notice),
	    pb_db_date_param(s->takes_effect_on, effect), pb_db_int_param(s->applied_version, applied) };
	/* $4 is where it comes from: pending is decided; notice asked (to
	 * reconsideration); reconsideration decided (upheld: to notice,
	 * overturned: to withdrawn); notice applied */
	return pb_db_query(db,
	    "UPDATE budget_variations SET status = $3, version = version + 1,"
	    " decided_by = CASE WHEN $4 = 'pending' THEN $5 ELSE decided_by END,"
	    " decided_at = CASE WHEN $4 = 'pending' THEN now() ELSE decided_at END,"
	    " decision_reason = CASE WHEN $4 = 'pending' THEN $6 ELSE decision_reason END,"
	    " notice_on = coalesce($7::date, notice_on),"
	    " takes_effect_on = coalesce($8::date, takes_effect_on),"
	    " reconsideration_by = CASE WHEN $3 = 'reconsideration' THEN $5"
	    "  ELSE reconsideration_by END,"
	    " reconsideration_reason = CASE WHEN $3 = 'reconsideration' THEN $6"
	    "  ELSE reconsideration_reason END,"
	    " reconsideration_at = CASE WHEN $3 = 'reconsideration' THEN now()"
	    "  ELSE reconsideration_at END,"
	    " reconsidered_by = CASE WHEN $4 = 'reconsideration' THEN $5 ELSE reconsidered_by END,"
	    " reconsidered_at = CASE WHEN $4 = 'reconsideration' THEN now() ELSE reconsidered_at END,"
	    " reconsideration_outcome = CASE WHEN $4 = 'reconsideration' THEN"
	    "  CASE WHEN $3 = 'withdrawn' THEN 'overturned' ELSE 'upheld' END"
	    "  ELSE reconsideration_outcome END,"
	    " reconsideration_decision = CASE WHEN $4 = 'reconsideration' THEN $6"
	    "  ELSE reconsideration_decision END,"
	    " applied_at = CASE WHEN $3 = 'applied' THEN now() ELSE applied_at END,"
	    " applied_version = CASE WHEN $3 = 'applied' THEN $9::integer ELSE applied_version END"
	    " WHERE la = $1 AND id = $2 AND status = $4", 9, pp, NULL);
}

enum pb_err pb_budget_store_variation_apply(struct pb_db *db, const char *la,
    const char *budget_id, const char *id)
{
	const char *pp[] = { la, budget_id, id };
	enum pb_err err = pb_db_query(db,
	    "UPDATE budget_elements e SET allocated_pence = l.new_allocated_pence,"
	    " updated_at = now() FROM budget_variation_lines l"
	    " WHERE l.la = $1 AND l.variation_id = $3 AND l.kind = 'change'"
	    " AND e.la = $1 AND e.budget_id = $2 AND e.id = l.element_id", 3, pp, NULL);
	if (err == PB_OK)
		err = pb_db_query(db,
		    "INSERT INTO budget_elements (la, id, budget_id, position, child_id, period_start,"
		    " period_end, budget_status, " ELEMENT_COLUMNS ")"
		    " SELECT $1, l.element_id, b.id, (SELECT coalesce(max(e.position), -1)"
		    "  FROM budget_elements e WHERE e.la = $1 AND e.budget_id = $2) + 1"
		    "  + row_number() OVER (ORDER BY l.seq) - 1,"
		    " b.child_id, b.period_start, b.period_end, b.status, l.stream, l.service_type,"
		    " l.arrangement, l.new_allocated_pence, l.recipient_person_id, l.payee_id,"
		    " l.agreed_provision, l.outcomes, l.signed_on, l.school_premises,"
		    " l.head_teacher_agreed_on"
		    " FROM budget_variation_lines l JOIN budgets b ON b.la = $1 AND b.id = $2"
		    " WHERE l.la = $1 AND l.variation_id = $3 AND l.kind = 'add' ORDER BY l.seq",
		    3, pp, NULL);
	return err;
}

enum pb_err pb_budget_store_element_release(struct pb_db *db, const char *la,
    const char *element_id)
{
	const char *pp[] = { la, element_id };
	return pb_db_query(db,
	    "UPDATE budget_elements SET allocated_pence = committed_pence + spent_pence,"
	    " updated_at = now() WHERE la = $1 AND id = $2", 2, pp, NULL);
}

enum pb_err pb_budget_store_version_add(struct pb_db *db, const struct pb_actor *actor,
    const char *budget_id, const char *variation_id, int32_t effective_from,
    int *version_no)
{
	PGresult *res = NULL;
	char from[11];
	const char *pp[] = { actor->la, budget_id, variation_id,
	    pb_db_date_param(effective_from, from), actor->sub };
	enum pb_err err = pb_db_one_row(db,
	    "SELECT pb_budget_version_add($1, $2::uuid, $3::uuid, $4::date, $5)", 5, pp, &res);
	if (err == PB_OK)
		*version_no = (int)pb_db_col_int64(res, 0, 0);
	PQclear(res);
	return err;
}

enum pb_err pb_budget_store_variations_due(struct pb_db *db, const char *la, int32_t today,
    char (*budget_ids)[37], char (*ids)[37], size_t cap, size_t *n)
{
	PGresult *res = NULL;
	char day[11], lim[24];
	const char *pp[] = { la, pb_db_date_param(today, day), pb_db_int_param((int64_t)cap, lim) };
	enum pb_err err = pb_db_query(db,
	    "SELECT v.budget_id, v.id FROM budget_variations v JOIN budgets b"
	    " ON b.la = v.la AND b.id = v.budget_id AND b.status <> 'closed'"
	    " WHERE v.la = $1 AND v.status = 'notice' AND v.takes_effect_on <= $2"
	    " ORDER BY v.takes_effect_on, v.requested_at, v.id LIMIT $3",
	    3, pp, &res);
	if (err)
		return err;
	*n = 0;
	for (int i = 0; i < PQntuples(res) && *n < cap; i++, (*n)++) {
		pb_db_col_copy(res, i, 0, budget_ids[*n], 37);
		pb_db_col_copy(res, i, 1, ids[*n], 37);
	}
	PQclear(res);
	return err;
}

enum pb_err pb_budget_store_variation_json(struct pb_db *db, const char *la,
    const char *id, char **json, int *version)
{
	const char *pp[] = { la, id };
	return pb_db_one_json(db, "SELECT pb_json(v)::text, v.version FROM budget_variations v"
	    " WHERE v.la = $1 AND v.id = $2", 2, pp, json, version);
}

/* A variation or version read in scope: its budget visible to the caller. */
#define BUDGET_IN_SCOPE " EXISTS (SELECT 1 FROM budgets b WHERE b.la = $1 AND b.id = $2" \
	" AND pb_child_visible(b.la, b.child_id, $3::uuid))"

enum pb_err pb_budget_store_variation_get(struct pb_db *db, const struct pb_scope *scope,
    const char *budget_id, const char *id, char **json, int *version)
{
	const char *pp[] = { scope->la, budget_id, scope->family_person_id, id };
	return pb_db_one_json(db, "SELECT pb_json(v)::text, v.version FROM budget_variations v"
	    " WHERE v.la = $1 AND v.budget_id = $2 AND v.id = $4 AND" BUDGET_IN_SCOPE,
	    4, pp, json, version);
}

enum pb_err pb_budget_store_variation_list(struct pb_db *db, const struct pb_scope *scope,
    const char *budget_id, const char *cursor, int limit, char **json)
{
	char lim[24];
	const char *pp[] = { scope->la, budget_id, scope->family_person_id, cursor,
	    pb_db_int_param(limit + 1, lim) };
	/* newest first; the cursor is the last variation of the page before */
	return pb_db_list_json(db,
	    "SELECT pb_json(v)::text, v.id FROM budget_variations v"
	    " WHERE v.la = $1 AND v.budget_id = $2 AND" BUDGET_IN_SCOPE
	    " AND ($4::uuid IS NULL OR (v.requested_at, v.id) < (SELECT c.requested_at, c.id"
	    "  FROM budget_variations c WHERE c.la = $1 AND c.id = $4))"
	    " ORDER BY v.requested_at DESC, v.id DESC LIMIT $5", 5, pp, limit, json);
}

enum pb_err pb_budget_store_version_list(struct pb_db *db, const struct pb_scope *scope,
    const char *budget_id, char **json)
{
	const char *pp[] = { scope->la, budget_id, scope->family_person_id };
	return pb_db_one_json(db,
	    "SELECT json_build_object('items', coalesce(json_agg(json_build_object("
	    " 'version_no', v.version_no, 'variation_id', v.variation_id,"
	    " 'effective_from', v.effective_from, 'allocated_pence', v.allocated_pence,"
	    " 'elements', v.elements, 'created_by', v.created_by,"
	    " 'created_at', pb_ts(v.created_at)) ORDER BY v.version_no), '[]'::json),"
	    " 'next_cursor', NULL)::text FROM budget_versions v"
	    " WHERE v.la = $1 AND v.budget_id = $2 HAVING" BUDGET_IN_SCOPE, 3, pp, json, NULL);
}

enum pb_err pb_budget_store_settings_json(struct pb_db *db, const char *la, char **json,
    int *version)
{
	const char *pp[] = { la };
	return pb_db_one_json(db, "SELECT pb_settings_json($1)::text, coalesce((SELECT version"
	    " FROM council_settings WHERE la = $1), 0)", 1, pp, json, version);
}

enum pb_err pb_budget_store_settings_lock(struct pb_db *db, const struct pb_actor *actor,
    int *version)
{
	PGresult *res = NULL;
	const char *pp[] = { actor->la, actor->sub };
	/* a council that never set anything has version 0: its first change
	 * makes version 1 */
	enum pb_err err = pb_db_query(db, "INSERT INTO council_settings (la, version, updated_by)"
	    " VALUES ($1, 0, $2) ON CONFLICT (la) DO NOTHING", 2, pp, NULL);
	if (err == PB_OK)
		err = pb_db_one_row(db, "SELECT version FROM council_settings WHERE la = $1"
		    " FOR UPDATE", 1, pp, &res);
	if (err == PB_OK)
		*version = (int)pb_db_col_int64(res, 0, 0);
	PQclear(res);
	return err;
}

enum pb_err pb_budget_store_settings_set(struct pb_db *db, const struct pb_actor *actor,
    const struct pb_settings_in *in)
{
	char days[24], window[24];
	const char *pp[] = { actor->la, actor->sub,
	    in->dp_notice_days >= 0 ? pb_db_int_param(in->dp_notice_days, days) : NULL,
	    in->bacs_service_user_number, in->bacs_sort_code, in->bacs_account_number,
	    in->bacs_originator_name,
	    in->spend_return_days >= 0 ? pb_db_int_param(in->spend_return_days, window) : NULL };
	return pb_db_query(db, "UPDATE council_settings SET"
	    " dp_notice_days = coalesce($3::integer, dp_notice_days),"
	    " spend_return_days = coalesce($8::integer, spend_return_days),"
	    " bacs_service_user_number = coalesce($4, bacs_service_user_number),"
	    " bacs_sort_code = coalesce($5, bacs_sort_code),"
	    " bacs_account_number = coalesce($6, bacs_account_number),"
	    " bacs_originator_name = coalesce($7, bacs_originator_name),"
	    " version = version + 1, updated_by = $2, updated_at = now() WHERE la = $1",
	    8, pp, NULL);
}

enum pb_err pb_budget_store_version_first(struct pb_db *db, const struct pb_actor *actor,
    const char *budget_id)
{
	const char *pp[] = { actor->la, budget_id, actor->sub };
	return pb_db_query(db,
	    "SELECT pb_budget_version_add(b.la, b.id, NULL, b.period_start, $3) FROM budgets b"
	    " WHERE b.la = $1 AND b.id = $2 AND NOT EXISTS (SELECT 1 FROM budget_versions v"
	    "  WHERE v.la = b.la AND v.budget_id = b.id)", 3, pp, NULL);
}

/* ---- allocation schemes and indicative budgets ------------------------- */

enum pb_err pb_budget_store_scheme_insert(struct pb_db *db, const struct pb_actor *actor,
    const char *definition, char id[37], int *version)
{
	PGresult *res = NULL;

	pb_uuid_new(id);
	const char *pp[] = { actor->la, id, definition, actor->sub };
	/* the counter row's lock orders concurrent publishers: one number each */
	enum pb_err err = pb_db_one_row(db,
	    "WITH v AS (INSERT INTO allocation_scheme_counters AS c (la, last_version)"
	    "  VALUES ($1, 1) ON CONFLICT (la) DO UPDATE SET last_version = c.last_version + 1"
	    "  RETURNING c.last_version)"
	    " INSERT INTO allocation_schemes (la, id, version, definition, created_by)"
	    " SELECT $1, $2, v.last_version, $3::jsonb, $4 FROM v RETURNING version",
	    4, pp, &res);
	if (err == PB_OK)
		*version = (int)pb_db_col_int64(res, 0, 0);
	PQclear(res);
	return err;
}

enum pb_err pb_budget_store_scheme_get(struct pb_db *db, const char *la, const char *id,
    char **json, int *version)
{
	const char *pp[] = { la, id };
	return pb_db_one_json(db, "SELECT pb_json(s)::text, s.version FROM allocation_schemes s"
	    " WHERE s.la = $1 AND s.id = $2", 2, pp, json, version);
}

enum pb_err pb_budget_store_scheme_definition(struct pb_db *db, const char *la, int version,
    char id[37], int *version_out, char **definition)
{
	PGresult *res = NULL;
	char v[24];
	const char *pp[] = { la, pb_db_int_param(version, v) };
	enum pb_err err = pb_db_one_row(db,
	    "SELECT s.id, s.version, s.definition::text FROM allocation_schemes s"
	    " WHERE s.la = $1 AND ($2::int = 0 OR s.version = $2::int)"
	    " ORDER BY s.version DESC LIMIT 1", 2, pp, &res);
	*definition = NULL;
	if (err == PB_OK) {
		pb_db_col_copy(res, 0, 0, id, 37);
		*version_out = (int)pb_db_col_int64(res, 0, 1);
		*definition = strdup(PQgetvalue(res, 0, 2));
		if (*definition == NULL)
			abort();
	}
	PQclear(res);
	return err;
}

enum pb_err pb_budget_store_scheme_list(struct pb_db *db, const char *la, int version,
    const char *cursor, int limit, char **json)
{
	char v[24], lim[24];
	const char *pp[] = { la, pb_db_int_param(version, v), cursor,
	    pb_db_int_param(limit + 1, lim) };
	return pb_db_list_json(db,
	    "SELECT pb_json(s)::text, s.id FROM allocation_schemes s"
	    " WHERE s.la = $1 AND ($2::int = 0 OR s.version = $2::int)"
	    " AND ($3::uuid IS NULL OR s.version < (SELECT q.version FROM allocation_schemes q"
	    "  WHERE q.la = $1 AND q.id = $3::uuid))"
	    " ORDER BY s.version DESC LIMIT $4", 4, pp, limit, json);
}

enum pb_err pb_budget_store_child_plan(struct pb_db *db, const char *la,
    const char *child_id, char plan_id[37], int *ceased)
{
	PGresult *res = NULL;
	const char *pp[] = { la, child_id };
	enum pb_err err = pb_db_one_row(db,
	    "SELECT p.id, p.status = 'ceased' FROM plans p WHERE p.la = $1 AND p.child_id = $2"
	    " ORDER BY p.status = 'ceased', p.created_at DESC, p.id LIMIT 1", 2, pp, &res);
	if (err == PB_OK) {
		pb_db_col_copy(res, 0, 0, plan_id, 37);
		*ceased = pb_db_col_bool(res, 0, 1);
	}
	PQclear(res);
	return err;
}

enum pb_err pb_budget_store_indicative_insert(struct pb_db *db, const struct pb_actor *actor,
    const char *id, const char *child_id, const char *plan_id, const char *scheme_id,
    int scheme_version, const char *inputs, int64_t total_pence)
{
	char v[24], t[24];
	const char *pp[] = { actor->la, id, child_id, plan_id, scheme_id,
	    pb_db_int_param(scheme_version, v), inputs, pb_db_int_param(total_pence, t),
	    actor->sub };
	return pb_db_query(db,
	    "INSERT INTO indicative_budgets (la, id, child_id, plan_id, scheme_id, scheme_version,"
	    " inputs, total_pence, created_by) VALUES ($1, $2, $3, $4, $5, $6, $7::jsonb, $8, $9)",
	    9, pp, NULL);
}

enum pb_err pb_budget_store_indicative_element(struct pb_db *db, const char *la,
    const char *id, int position, enum pb_stream stream, const char *service_type,
    int64_t pence, const char *lines)
{
	char pos[24], amt[24];
	const char *pp[] = { la, id, pb_db_int_param(position, pos), pb_stream_str(stream),
	    service_type, pb_db_int_param(pence, amt), lines };
	return pb_db_query(db,
	    "INSERT INTO indicative_budget_elements (la, indicative_budget_id, position, stream,"
	    " service_type, indicative_pence, lines) VALUES ($1, $2, $3, $4, $5, $6, $7::jsonb)",
	    7, pp, NULL);
}

enum pb_err pb_budget_store_indicative_get(struct pb_db *db, const struct pb_scope *scope,
    const char *id, char **json, int *version)
{
	const char *pp[] = { scope->la, id, scope->family_person_id };
	if (version != NULL)
		*version = 0;
	return pb_db_one_json(db, "SELECT pb_json(i)::text FROM indicative_budgets i"
	    " WHERE i.la = $1 AND i.id = $2 AND pb_child_visible(i.la, i.child_id, $3::uuid)",
	    3, pp, json, NULL);
}

enum pb_err pb_budget_store_indicative_list(struct pb_db *db, const struct pb_scope *scope,
    const char *child_id, const char *cursor, int limit, char **json)
{
	char lim[24];
	const char *pp[] = { scope->la, child_id, cursor, pb_db_int_param(limit + 1, lim) };
	return pb_db_list_json(db,
	    "SELECT pb_json(i)::text, i.id FROM indicative_budgets i"
	    " WHERE i.la = $1 AND i.child_id = $2 AND ($3::uuid IS NULL OR i.id > $3::uuid)"
	    " ORDER BY i.id LIMIT $4", 4, pp, limit, json);
}

enum pb_err pb_budget_store_indicative_of_child(struct pb_db *db, const char *la,
    const char *id, const char *child_id)
{
	PGresult *res = NULL;
	const char *pp[] = { la, id, child_id };
	enum pb_err err = pb_db_one_row(db, "SELECT 1 FROM indicative_budgets"
	    " WHERE la = $1 AND id = $2 AND child_id = $3", 3, pp, &res);
	PQclear(res);
	return err;
}
