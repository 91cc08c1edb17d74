/* SPDX-License-Identifier: MIT */
/*
 * monitoring/store.c — see store.h.  Lines travel to PostgreSQL as one
 * JSON array (jsonb_to_recordset), evidence bytes as bytea hex text.
 */
#include "internal/monitoring/store.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cJSON.h>
#include <libpq-fe.h>

#include "internal/core/date.h"
#include "internal/core/hex.h"
#include "internal/db/db.h"
#include "internal/db/rows.h"
#include "internal/json/output.h"

/* The family may reach a return or element only as the direct payment's
 * recipient ($fam NULL: staff). */
#define RECIPIENT(e, fam) " AND (" fam "::uuid IS NULL OR " e ".recipient_person_id = " fam "::uuid)"

enum pb_err pb_mon_store_element(struct pb_db *db, const struct pb_scope *scope,
    const char *budget_id, const char *element_id, struct pb_mon_element *out)
{
	PGresult *res = NULL;
	const char *pp[] = { scope->la, budget_id, element_id, scope->family_person_id };
	enum pb_err err = pb_db_one_row(db,
	    "SELECT e.service_type, e.arrangement, b.status, b.period_start, b.period_end"
	    " FROM budget_elements e JOIN budgets b ON b.la = e.la AND b.id = e.budget_id"
	    " WHERE e.la = $1 AND e.budget_id = $2 AND e.id = $3" RECIPIENT("e", "$4"), 4, pp, &res);
	if (err == PB_OK) {
		pb_db_col_copy(res, 0, 0, out->service_type, sizeof(out->service_type));
		pb_db_col_copy(res, 0, 1, out->arrangement, sizeof(out->arrangement));
		pb_db_col_copy(res, 0, 2, out->budget_status, sizeof(out->budget_status));
		out->budget_start = pb_db_col_date(res, 0, 3, PB_DATE_NONE);
		out->budget_end = pb_db_col_date(res, 0, 4, PB_DATE_NONE);
	}
	PQclear(res);
	return err;
}

enum pb_err pb_mon_store_return_lock(struct pb_db *db, const struct pb_scope *scope,
    const char *id, struct pb_mon_return *out)
{
	PGresult *res = NULL;
	const char *pp[] = { scope->la, id, scope->family_person_id };
	enum pb_err err = pb_db_one_row(db,
	    "SELECT r.budget_id, r.element_id, r.status, e.service_type, r.period_start,"
	    " r.period_end, (SELECT coalesce(sum(l.amount_pence), 0) FROM spend_return_lines l"
	    "  WHERE l.la = r.la AND l.return_id = r.id),"
	    " (SELECT count(*) FROM spend_evidence v WHERE v.la = r.la AND v.return_id = r.id),"
	    " r.version"
	    " FROM spend_returns r JOIN budget_elements e ON e.la = r.la AND e.id = r.element_id"
	    " WHERE r.la = $1 AND r.id = $2" RECIPIENT("e", "$3") " FOR UPDATE OF r", 3, pp, &res);
	if (err == PB_OK) {
		pb_db_col_copy(res, 0, 0, out->budget_id, sizeof(out->budget_id));
		pb_db_col_copy(res, 0, 1, out->element_id, sizeof(out->element_id));
		pb_db_col_copy(res, 0, 2, out->status, sizeof(out->status));
		pb_db_col_copy(res, 0, 3, out->service_type, sizeof(out->service_type));
		out->period_start = pb_db_col_date(res, 0, 4, PB_DATE_NONE);
		out->period_end = pb_db_col_date(res, 0, 5, PB_DATE_NONE);
		out->spent_pence = pb_db_col_int64(res, 0, 6);
		out->evidence_count = (int)pb_db_col_int64(res, 0, 7);
		out->version = (int)pb_db_col_int64(res, 0, 8);
	}
	PQclear(res);
	return err;
}

/* The lines as [{line_no, spent_on, description, category, amount_pence}]. */
static char *lines_json(const struct pb_spend_return_in *in)
{
	cJSON *a = cJSON_CreateArray();
	char d[11];

	for (size_t i = 0; i < in->nlines; i++) {
		const struct pb_spend_line *l = &in->lines[i];
		cJSON *o = cJSON_CreateObject();
		pb_date_format(l->spent_on, d);
		pb_json_add_int(o, "line_no", (int64_t)i + 1);
		cJSON_AddStringToObject(o, "spent_on", d);
		cJSON_AddStringToObject(o, "description", l->description);
		cJSON_AddStringToObject(o, "category", l->category);
		pb_json_add_int(o, "amount_pence", l->amount_pence);
		cJSON_AddItemToArray(a, o);
	}
	return pb_json_print(a);
}

static enum pb_err insert_lines(struct pb_db *db, const char *la, const char *id,
    const struct pb_spend_return_in *in)
{
	char *lines = lines_json(in);
	const char *pp[] = { la, id, lines };
	enum pb_err err = pb_db_query(db,
	    "INSERT INTO spend_return_lines (la, return_id, line_no, spent_on, description,"
	    " category, amount_pence) SELECT $1, $2, l.line_no, l.spent_on, l.description,"
	    " l.category, l.amount_pence FROM jsonb_to_recordset($3::jsonb) AS l(line_no integer,"
	    " spent_on date, description text, category text, amount_pence bigint)", 3, pp, NULL);
	free(lines);
	return err;
}

enum pb_err pb_mon_store_return_insert(struct pb_db *db, const struct pb_actor *actor,
    const char *id, const char *budget_id, const char *element_id,
    const struct pb_spend_return_in *in)
{
	char ps[11], pe[11], ob[24], cb[24];
	const char *pp[] = { actor->la, id, budget_id, element_id, ps, pe,
	    pb_db_int_param(in->opening_balance_pence, ob),
	    pb_db_int_param(in->closing_balance_pence, cb), actor->sub };

	pb_date_format(in->period_start, ps);
	pb_date_format(in->period_end, pe);
	enum pb_err err = pb_db_query(db,
	    "INSERT INTO spend_returns (la, id, budget_id, element_id, period_start, period_end,"
	    " opening_balance_pence, closing_balance_pence, submitted_by)"
	    " VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)", 9, pp, NULL);
	return err == PB_OK ? insert_lines(db, actor->la, id, in) : err;
}

enum pb_err pb_mon_store_return_resubmit(struct pb_db *db, const struct pb_actor *actor,
    const char *id, const struct pb_spend_return_in *in)
{
	char ob[24], cb[24];
	const char *pp[] = { actor->la, id, pb_db_int_param(in->opening_balance_pence, ob),
	    pb_db_int_param(in->closing_balance_pence, cb), actor->sub };
	enum pb_err err = pb_db_query(db,
	    "DELETE FROM spend_return_lines WHERE la = $1 AND return_id = $2", 2, pp, NULL);
	if (err == PB_OK)
		err = pb_db_query(db,
		    "UPDATE spend_returns SET opening_balance_pence = $3, closing_balance_pence = $4,"
		    " status = 'submitted', submitted_by = $5, submitted_at = now(),"
		    " version = version + 1 WHERE la = $1 AND id = $2", 5, pp, NULL);
	return err == PB_OK ? insert_lines(db, actor->la, id, in) : err;
}

enum pb_err pb_mon_store_return_query(struct pb_db *db, const struct pb_actor *actor,
    const char *id, const char *message)
{
	const char *pp[] = { actor->la, id, message, actor->sub };
	return pb_db_query(db,
	    "UPDATE spend_returns SET status = 'queried', query_message = $3, queried_by = $4,"
	    " queried_at = now(), version = version + 1 WHERE la = $1 AND id = $2", 4, pp, NULL);
}

enum pb_err pb_mon_store_return_accept(struct pb_db *db, const struct pb_actor *actor,
    const char *id, const char *service_type)
{
	const char *pp[] = { actor->la, id, service_type, actor->sub };
	enum pb_err err = pb_db_query(db,
	    "UPDATE spend_return_lines SET agreed = (category = $3)"
	    " WHERE la = $1 AND return_id = $2", 3, pp, NULL);
	if (err == PB_OK)
		err = pb_db_query(db,
		    "UPDATE spend_returns r SET status = 'accepted', accepted_by = $4,"
		    " accepted_at = now(), version = version + 1,"
		    " evidenced_pence = (SELECT coalesce(sum(l.amount_pence) FILTER (WHERE l.agreed), 0)"
		    "  FROM spend_return_lines l WHERE l.la = r.la AND l.return_id = r.id),"
		    " not_agreed_pence = (SELECT coalesce(sum(l.amount_pence) FILTER"
		    "  (WHERE NOT l.agreed), 0) FROM spend_return_lines l"
		    "  WHERE l.la = r.la AND l.return_id = r.id)"
		    " WHERE r.la = $1 AND r.id = $2 AND $3::text IS NOT NULL", 4, pp, NULL);
	return err;
}

enum pb_err pb_mon_store_return_json(struct pb_db *db, const struct pb_scope *scope,
    const char *id, char **json)
{
	const char *pp[] = { scope->la, id, scope->family_person_id };
	return pb_db_one_json(db,
	    "SELECT pb_spend_return_json(r, $3::uuid IS NOT NULL)::text, r.version"
	    " FROM spend_returns r JOIN budget_elements e ON e.la = r.la AND e.id = r.element_id"
	    " WHERE r.la = $1 AND r.id = $2" RECIPIENT("e", "$3"), 3, pp, json, NULL);
}

enum pb_err pb_mon_store_evidence_insert(struct pb_db *db, const struct pb_actor *actor,
    const char *id, const char *return_id, const char *file_name, const char *media_type,
    const unsigned char *data, size_t len, const char *sha256)
{
	char *hex = malloc(2 * len + 3), size[24];

	if (hex == NULL)
		return PB_EINTERNAL;
	hex[0] = '\\';
	hex[1] = 'x';
	pb_hex_encode(data, len, hex + 2);
	const char *pp[] = { actor->la, id, return_id, file_name, media_type,
	    pb_db_int_param((int64_t)len, size), sha256, hex, actor->sub };
	enum pb_err err = pb_db_query(db,
	    "INSERT INTO spend_evidence (la, id, return_id, file_name, media_type, size_bytes,"
	    " sha256, data, uploaded_by) VALUES ($1, $2, $3, $4, $5, $6, $7, $8::bytea, $9)",
	    9, pp, NULL);
	free(hex);
	if (err == PB_EDB && strcmp(pb_db_sqlstate(db), "23514") == 0 &&
	    strstr(pb_db_error(db), "at most 10") != NULL)
		return PB_ERULE;
	return err;
}

enum pb_err pb_mon_store_evidence_get(struct pb_db *db, const struct pb_scope *scope,
    const char *return_id, const char *evidence_id, char media_type[32],
    char file_name[121], unsigned char **data, size_t *len)
{
	PGresult *res = NULL;
	const char *pp[] = { scope->la, return_id, evidence_id, scope->family_person_id };
	enum pb_err err = pb_db_one_row(db,
	    "SELECT v.media_type, v.file_name, encode(v.data, 'hex')"
	    " FROM spend_evidence v JOIN spend_returns r ON r.la = v.la AND r.id = v.return_id"
	    " JOIN budget_elements e ON e.la = r.la AND e.id = r.element_id"
	    " WHERE v.la = $1 AND v.return_id = $2 AND v.id = $3" RECIPIENT("e", "$4"), 4, pp, &res);

	*data = NULL;
	*len = 0;
	if (err == PB_OK) {
		const char *hex = PQgetvalue(res, 0, 2);
		size_t n = strlen(hex) / 2;
		pb_db_col_copy(res, 0, 0, media_type, 32);
		pb_db_col_copy(res, 0, 1, file_name, 121);
		*data = malloc(n ? n : 1);
		if (*data == NULL || pb_hex_decode(hex, *data, n) != 0) {
			free(*data);
			*data = NULL;
			err = PB_EINTERNAL;
		} else {
			*len = n;
		}
	}
	PQclear(res);
	return err;
}

enum pb_err pb_mon_store_return_list(struct pb_db *db, const struct pb_scope *scope,
    const char *budget_id, const char *element_id, const char *cursor, int limit,
    char **json)
{
	char lim[24];
	const char *pp[] = { scope->la, budget_id, element_id, scope->family_person_id, cursor,
	    pb_db_int_param(limit + 1, lim) };
	return pb_db_list_json(db,
	    "SELECT pb_spend_return_json(r, $4::uuid IS NOT NULL)::text, r.id"
	    " FROM spend_returns r JOIN budget_elements e ON e.la = r.la AND e.id = r.element_id"
	    " WHERE r.la = $1 AND r.budget_id = $2 AND r.element_id = $3" RECIPIENT("e", "$4")
	    " AND ($5::uuid IS NULL OR (r.period_start, r.id) < (SELECT q.period_start, q.id"
	    "  FROM spend_returns q WHERE q.la = $1 AND q.id = $5::uuid))"
	    " ORDER BY r.period_start DESC, r.id DESC LIMIT $6", 6, pp, limit, json);
}

enum pb_err pb_mon_store_return_queue(struct pb_db *db, const char *la, const char *status,
    const char *cursor, int limit, char **json)
{
	char lim[24];
	const char *pp[] = { la, status, cursor, pb_db_int_param(limit + 1, lim) };
	return pb_db_list_json(db,
	    "SELECT pb_spend_return_json(r, false)::text, r.id FROM spend_returns r"
	    " WHERE r.la = $1 AND ($2::text IS NULL OR r.status = $2)"
	    " AND ($3::uuid IS NULL OR (r.submitted_at, r.id) > (SELECT q.submitted_at, q.id"
	    "  FROM spend_returns q WHERE q.la = $1 AND q.id = $3::uuid))"
	    " ORDER BY r.submitted_at, r.id LIMIT $4", 4, pp, limit, json);
}

enum pb_err pb_mon_store_returns_due(struct pb_db *db, const char *la, int32_t today,
    int32_t before, int days, const char *cursor, int limit, char **json)
{
	char lim[24], t[11], b[11], d[24];
	const char *pp[] = { la, t, b, pb_db_int_param(days, d), cursor,
	    pb_db_int_param(limit + 1, lim) };

	pb_date_format(today, t);
	pb_date_format(before, b);
	/* per live direct payment, the quarters it was paid in that no return
	 * overlaps; the earliest is the one listed, with how many are owed */
	return pb_db_list_json(db,
	    "WITH q AS (SELECT p.element_id, date_trunc('quarter', p.due_date)::date AS qs"
	    "  FROM payments p WHERE p.la = $1 AND p.status = 'paid' GROUP BY 1, 2),"
	    " owed AS (SELECT q.element_id, q.qs, (q.qs + interval '3 months')::date - 1 AS qe"
	    "  FROM q WHERE NOT EXISTS (SELECT 1 FROM spend_returns r WHERE r.la = $1"
	    "   AND r.element_id = q.element_id AND daterange(r.period_start, r.period_end, '[]')"
	    "   && daterange(q.qs, (q.qs + interval '3 months')::date, '[)'))),"
	    " due AS (SELECT o.element_id, min(o.qs) AS qs, min(o.qe) AS qe,"
	    "  min(o.qe) + $4::int AS due_on, count(*) AS owed FROM owed o"
	    "  WHERE o.qe + $4::int <= $3::date GROUP BY o.element_id),"
	    " live AS (SELECT d.element_id, d.due_on, d.owed, greatest(d.qs, b.period_start) AS qs,"
	    "  least(d.qe, b.period_end) AS qe, e.budget_id, e.stream, e.service_type, b.child_id,"
	    "  c.given_name || ' ' || c.family_name AS child_name FROM due d"
	    "  JOIN budget_elements e ON e.la = $1 AND e.id = d.element_id"
	    "  JOIN budgets b ON b.la = e.la AND b.id = e.budget_id"
	    "  JOIN children c ON c.la = b.la AND c.id = b.child_id"
	    "  WHERE e.arrangement = 'direct_payment' AND b.status IN ('approved', 'suspended'))"
	    " SELECT json_build_object('element_id', l.element_id, 'budget_id', l.budget_id,"
	    "  'child', json_build_object('id', l.child_id, 'name', l.child_name),"
	    "  'stream', l.stream, 'service_type', l.service_type, 'period_start', l.qs,"
	    "  'period_end', l.qe, 'due_on', l.due_on, 'quarters_owed', l.owed,"
	    "  'overdue', l.due_on < $2::date, 'rule', 'PAY-20')::text, l.element_id"
	    " FROM live l WHERE $5::uuid IS NULL OR (l.due_on, l.element_id) >"
	    "  (SELECT k.due_on, k.element_id FROM live k WHERE k.element_id = $5::uuid)"
	    " ORDER BY l.due_on, l.element_id LIMIT $6", 6, pp, limit, json);
}

enum pb_err pb_mon_store_audit_insert(struct pb_db *db, const struct pb_actor *actor,
    const char *id, const char *budget_id, const char *element_id,
    const struct pb_dp_audit_in *in)
{
	char ps[11], pe[11], bal[24], ev[24];
	const char *pp[] = { actor->la, id, budget_id, element_id, ps, pe,
	    pb_db_int_param(in->balance_seen_pence, bal),
	    pb_db_int_param(in->evidenced_spend_pence, ev), in->findings, actor->sub };

	pb_date_format(in->period_start, ps);
	pb_date_format(in->period_end, pe);
	return pb_db_query(db,
	    "INSERT INTO dp_audits (la, id, budget_id, element_id, period_start, period_end,"
	    " balance_seen_pence, evidenced_spend_pence, findings, audited_by)"
	    " VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)", 10, pp, NULL);
}

enum pb_err pb_mon_store_audit_json(struct pb_db *db, const char *la, const char *id,
    char **json)
{
	const char *pp[] = { la, id };
	return pb_db_one_json(db, "SELECT pb_dp_audit_json(a)::text, 0 FROM dp_audits a"
	    " WHERE a.la = $1 AND a.id = $2", 2, pp, json, NULL);
}

enum pb_err pb_mon_store_audit_list(struct pb_db *db, const char *la, const char *budget_id,
    const char *element_id, const char *cursor, int limit, char **json)
{
	char lim[24];
	const char *pp[] = { la, budget_id, element_id, cursor, pb_db_int_param(limit + 1, lim) };
	return pb_db_list_json(db,
	    "SELECT pb_dp_audit_json(a)::text, a.id FROM dp_audits a"
	    " WHERE a.la = $1 AND a.budget_id = $2 AND a.element_id = $3"
	    " AND ($4::uuid IS NULL OR (a.period_start, a.id) < (SELECT q.period_start, q.id"
	    "  FROM dp_audits q WHERE q.la = $1 AND q.id = $4::uuid))"
	    " ORDER BY a.period_start DESC, a.id DESC LIMIT $5", 5, pp, limit, json);
}

enum pb_err pb_mon_store_return_days(struct pb_db *db, const char *la, int *days)
{
	PGresult *res = NULL;
	const char *pp[] = { la };
	enum pb_err err = pb_db_one_row(db, "SELECT coalesce((SELECT spend_return_days FROM"
	    " council_settings WHERE la = $1), 28)", 1, pp, &res);
	*days = err == PB_OK ? (int)pb_db_col_int64(res, 0, 0) : 28;
	PQclear(res);
	return err;
}
