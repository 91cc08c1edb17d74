/* SPDX-License-Identifier: MIT */
/*
 * store.c — SQL of core records (see store.h).  Every statement names la;
 * family scope adds the ownership test pb_child_visible (migration 008).
 */
#include "internal/records/store.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "internal/core/date.h"
#include "internal/db/db.h"
#include "internal/db/rows.h"

static const char *opt_dob(const struct pb_child_in *in, char buf[11])
{
	return pb_db_date_param(in->has_dob ? in->date_of_birth : PB_DATE_NONE, buf);
}

/* --- people -------------------------------------------------------------- */

enum pb_err pb_rec_store_person_insert(struct pb_db *db, const struct pb_actor *actor,
    const char *id, const struct pb_person_in *in, char **json)
{
	const char *pp[] = { actor->la, id, in->given_name, in->family_name,
	    in->email, in->phone, actor->sub };
	return pb_db_one_json(db,
	    "INSERT INTO people AS p (la, id, given_name, family_name, email, phone, created_by)"
	    " VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING pb_json(p)::text, p.version",
	    7, pp, json, NULL);
}

enum pb_err pb_rec_store_person_get(struct pb_db *db, const struct pb_scope *scope,
    const char *id, char **json, int *version)
{
	const char *pp[] = { scope->la, id, scope->family_person_id };
	/* A family sees its own person record only. */
	return pb_db_one_json(db,
	    "SELECT pb_json(p)::text, p.version FROM people p"
	    " WHERE p.la = $1 AND p.id = $2 AND ($3::uuid IS NULL OR p.id = $3)",
	    3, pp, json, version);
}

enum pb_err pb_rec_store_person_exists(struct pb_db *db, const char *la, const char *id)
{
	PGresult *res = NULL;
	const char *pp[] = { la, id };
	enum pb_err err = pb_db_one_row(db, "SELECT 1 FROM people WHERE la = $1 AND id = $2",
	    2, pp, &res);
	PQclear(res);
	return err;
}

enum pb_err pb_rec_store_person_lock(struct pb_db *db, const char *la, const char *id,
    char **json, int *version)
{
	const char *pp[] = { la, id };
	return pb_db_one_json(db, "SELECT pb_json(p)::text, p.version FROM people p"
	    " WHERE p.la = $1 AND p.id = $2 FOR UPDATE", 2, pp, json, version);
}

enum pb_err pb_rec_store_person_update(struct pb_db *db, const char *la, const char *id,
    const struct pb_person_in *in, char **json, int *version)
{
	const char *pp[] = { la, id, in->given_name, in->family_name, in->email, in->phone };
	return pb_db_one_json(db,
	    "UPDATE people AS p SET given_name = coalesce($3, given_name),"
	    " family_name = coalesce($4, family_name), email = coalesce($5, email),"
	    " phone = coalesce($6, phone), version = version + 1, updated_at = now()"
	    " WHERE la = $1 AND id = $2 RETURNING pb_json(p)::text, p.version",
	    6, pp, json, version);
}

/* --- children ------------------------------------------------------------ */

enum pb_err pb_rec_store_child_dob(struct pb_db *db, const char *la, const char *child_id,
    int32_t *dob)
{
	PGresult *res = NULL;
	const char *pp[] = { la, child_id };
	enum pb_err err = pb_db_one_row(db,
	    "SELECT date_of_birth FROM children WHERE la = $1 AND id = $2", 2, pp, &res);
	if (err)
		return err;
	*dob = pb_db_col_date(res, 0, 0, PB_DATE_NONE);
	PQclear(res);
	return *dob == PB_DATE_NONE ? PB_EINTERNAL : PB_OK;
}

enum pb_err pb_rec_store_child_insert(struct pb_db *db, const struct pb_actor *actor,
    const char *id, const struct pb_child_in *in, char **json, int *version)
{
	char dob[11];
	const char *pp[] = { actor->la, id, in->given_name, in->family_name,
	    opt_dob(in, dob), actor->sub };
	return pb_db_one_json(db,
	    "INSERT INTO children AS c (la, id, given_name, family_name, date_of_birth, created_by)"
	    " VALUES ($1, $2, $3, $4, $5, $6) RETURNING pb_json(c)::text, c.version",
	    6, pp, json, version);
}

enum pb_err pb_rec_store_child_visible(struct pb_db *db, const struct pb_scope *scope,
    const char *child_id)
{
	PGresult *res = NULL;
	const char *pp[] = { scope->la, child_id, scope->family_person_id };
	enum pb_err err = pb_db_one_row(db,
	    "SELECT 1 FROM children c WHERE c.la = $1 AND c.id = $2"
	    " AND pb_child_visible(c.la, c.id, $3::uuid)", 3, pp, &res);
	PQclear(res);
	return err;
}

enum pb_err pb_rec_store_child_get(struct pb_db *db, const struct pb_scope *scope,
    const char *id, char **json, int *version)
{
	const char *pp[] = { scope->la, id, scope->family_person_id };
	return pb_db_one_json(db,
	    "SELECT pb_json(c)::text, c.version FROM children c"
	    " WHERE c.la = $1 AND c.id = $2 AND pb_child_visible(c.la, c.id, $3::uuid)",
	    3, pp, json, version);
}

enum pb_err pb_rec_store_child_list(struct pb_db *db, const struct pb_scope *scope,
    const char *cursor, int limit, char **json)
{
	char lim[24];
	const char *pp[] = { scope->la, cursor, scope->family_person_id,
	    pb_db_int_param(limit + 1, lim) };
	return pb_db_list_json(db,
	    "SELECT pb_json(c)::text, c.id FROM children c"
	    " WHERE c.la = $1 AND ($2::uuid IS NULL OR c.id > $2)"
	    " AND pb_child_visible(c.la, c.id, $3::uuid) ORDER BY c.id LIMIT $4",
	    4, pp, limit, json);
}

/* The search's SQL: $1 la, $2 cursor (the last row's id), $3 limit + 1,
 * $4 the query (NULL: any name), $5 the date of birth or e-mail (NULL:
 * any).  A name matches when its folded full name contains the folded
 * query (score 1); only when no name of the council does, the names that
 * resemble it match (pg_trgm word similarity, scored 0..1), so a typed
 * part stays exact and cheap and a misspelling still finds someone.  Each
 * branch is one index range (the trigram index, or the extra filter's);
 * best match first, then by id; the cursor's place is recomputed, and
 * only the page's rows are rendered. */
#define SEARCH_NAME(t) "pb_full_name(" t ".given_name, " t ".family_name)"
#define SEARCH_PATTERN "'%' || replace(replace(replace(pb_fold($4::text), '\\', '\\\\')," \
	" '%', '\\%'), '_', '\\_') || '%'"
#define SEARCH_SQL(table, extra) \
	"WITH exact AS (SELECT c.id, 1::real AS s FROM " table " c WHERE c.la = $1" \
	"  AND " SEARCH_NAME("c") " LIKE " SEARCH_PATTERN extra ")," \
	" m AS (SELECT * FROM exact" \
	" UNION ALL SELECT c.id, word_similarity(pb_fold($4::text), " SEARCH_NAME("c") ")" \
	"  FROM " table " c WHERE c.la = $1 AND pb_fold($4::text) <% " SEARCH_NAME("c") \
	"  AND NOT EXISTS (SELECT 1 FROM exact)" extra \
	" UNION ALL SELECT c.id, 0::real FROM " table " c WHERE c.la = $1 AND $4::text IS NULL" \
	extra ")," \
	" page AS (SELECT m.id, m.s FROM m WHERE $2::uuid IS NULL" \
	"  OR m.s < (SELECT k.s FROM m k WHERE k.id = $2)" \
	"  OR (m.s = (SELECT k.s FROM m k WHERE k.id = $2) AND m.id > $2)" \
	"  ORDER BY m.s DESC, m.id LIMIT $3)" \
	" SELECT pb_json(c)::text, c.id FROM page JOIN " table " c ON c.la = $1 AND c.id = page.id" \
	" ORDER BY page.s DESC, page.id"
/* No name asked: every row scores the same, so the search's order is the
 * id order and a page is one keyset range ($4, always NULL here, is named
 * so the parameters keep the search's types). */
#define BROWSE_SQL(table, extra) \
	"SELECT pb_json(c)::text, c.id FROM " table " c WHERE c.la = $1 AND $4::text IS NULL" \
	extra " AND ($2::uuid IS NULL OR c.id > $2) ORDER BY c.id LIMIT $3"
#define SEARCH_OR_BROWSE(q, table, extra) \
	((q) != NULL ? SEARCH_SQL(table, extra) : BROWSE_SQL(table, extra))

enum pb_err pb_rec_store_child_search(struct pb_db *db, const char *la,
    const struct pb_rec_search *q, const char *cursor, int limit, char **json)
{
	char lim[24], dob[11];
	const char *pp[] = { la, cursor, pb_db_int_param(limit + 1, lim), q->q,
	    q->has_dob ? pb_db_date_param(q->dob, dob) : NULL };
	return pb_db_list_json(db, SEARCH_OR_BROWSE(q->q, "children",
	    " AND ($5::date IS NULL OR c.date_of_birth = $5)"), 5, pp, limit, json);
}

enum pb_err pb_rec_store_person_search(struct pb_db *db, const char *la,
    const struct pb_rec_search *q, const char *cursor, int limit, char **json)
{
	char lim[24];
	const char *pp[] = { la, cursor, pb_db_int_param(limit + 1, lim), q->q, q->email };
	return pb_db_list_json(db, SEARCH_OR_BROWSE(q->q, "people",
	    " AND ($5::text IS NULL OR lower(c.email) = lower($5))"), 5, pp, limit, json);
}

enum pb_err pb_rec_store_child_lock(struct pb_db *db, const char *la, const char *id,
    char **json, int *version)
{
	const char *pp[] = { la, id };
	return pb_db_one_json(db, "SELECT pb_json(c)::text, c.version FROM children c"
	    " WHERE c.la = $1 AND c.id = $2 FOR UPDATE", 2, pp, json, version);
}

enum pb_err pb_rec_store_child_update(struct pb_db *db, const char *la, const char *id,
    const struct pb_child_in *in, char **json, int *version)
{
	char dob[11];
	const char *pp[] = { la, id, in->given_name, in->family_name, opt_dob(in, dob) };
	return pb_db_one_json(db,
	    "UPDATE children AS c SET given_name = coalesce($3, given_name),"
	    " family_name = coalesce($4, family_name),"
	    " date_of_birth = coalesce($5::date, date_of_birth),"
	    " version = version + 1, updated_at = now()"
	    " WHERE la = $1 AND id = $2 RETURNING pb_json(c)::text, c.version",
	    5, pp, json, version);
}

/* --- contacts ------------------------------------------------------------ */

static const char *flag(int v)
{
	return v ? "true" : "false";
}

enum pb_err pb_rec_store_contact_insert(struct pb_db *db, const struct pb_actor *actor,
    const char *id, const char *child_id, const struct pb_contact_in *in, char **json)
{
	const char *pp[] = { actor->la, id, child_id, in->person_id,
	    pb_relationship_str(in->relationship),
	    flag(in->has_parental_responsibility), flag(in->lives_with_child), actor->sub,
	    flag(in->nominated_in_writing), flag(in->dp_excluded), flag(in->lacks_capacity),
	    flag(in->consent_withdrawn) };
	return pb_db_one_json(db,
	    "INSERT INTO contacts AS k (la, id, child_id, person_id, relationship,"
	    " has_parental_responsibility, lives_with_child, created_by,"
	    " nominated_in_writing, dp_excluded, lacks_capacity, consent_withdrawn)"
	    " VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)"
	    " RETURNING pb_json(k)::text, k.version", 12, pp, json, NULL);
}

enum pb_err pb_rec_store_contact_get(struct pb_db *db, const struct pb_scope *scope,
    const char *child_id, const char *contact_id, char **json, int *version)
{
	const char *pp[] = { scope->la, child_id, scope->family_person_id, contact_id };
	return pb_db_one_json(db,
	    "SELECT pb_json(k)::text, k.version FROM contacts k"
	    " WHERE k.la = $1 AND k.child_id = $2 AND k.id = $4"
	    " AND pb_child_visible(k.la, k.child_id, $3::uuid)", 4, pp, json, version);
}

enum pb_err pb_rec_store_contact_list(struct pb_db *db, const struct pb_scope *scope,
    const char *child_id, const char *cursor, int limit, char **json)
{
	char lim[24];
	const char *pp[] = { scope->la, child_id, cursor,
	    pb_db_int_param(limit + 1, lim) };
	return pb_db_list_json(db,
	    "SELECT pb_json(k)::text, k.id FROM contacts k"
	    " WHERE k.la = $1 AND k.child_id = $2 AND ($3::uuid IS NULL OR k.id > $3)"
	    " ORDER BY k.id LIMIT $4", 4, pp, limit, json);
}

enum pb_err pb_rec_store_contact_facts(struct pb_db *db, const char *la,
    const char *child_id, const char *person_id, struct pb_rec_contact_facts *out)
{
	PGresult *res = NULL;
	const char *pp[] = { la, child_id, person_id };

	memset(out, 0, sizeof(*out));
	enum pb_err err = pb_db_query(db,
	    "SELECT id, relationship, has_parental_responsibility, lives_with_child,"
	    " nominated_in_writing, dp_excluded, lacks_capacity, consent_withdrawn FROM contacts"
	    " WHERE la = $1 AND child_id = $2 AND person_id = $3", 3, pp, &res);
	if (err)
		return err;
	if (PQntuples(res) == 1) {
		const char *rel = PQgetvalue(res, 0, 1);
		out->found = 1;
		pb_db_col_copy(res, 0, 0, out->id, sizeof(out->id));
		if (pb_relationship_parse(rel, strlen(rel), &out->relationship) != PB_OK)
			err = PB_EINTERNAL;
		out->has_parental_responsibility = pb_db_col_bool(res, 0, 2);
		out->lives_with_child = pb_db_col_bool(res, 0, 3);
		out->nominated_in_writing = pb_db_col_bool(res, 0, 4);
		out->dp_excluded = pb_db_col_bool(res, 0, 5);
		out->lacks_capacity = pb_db_col_bool(res, 0, 6);
		out->consent_withdrawn = pb_db_col_bool(res, 0, 7);
	}
	PQclear(res);
	return err;
}

enum pb_err pb_rec_store_contact_lock(struct pb_db *db, const char *la,
    const char *child_id, const char *contact_id, char **json, int *version,
    char person_id[37])
{
	PGresult *res = NULL;
	const char *pp[] = { la, child_id, contact_id };

	*json = NULL;
	enum pb_err err = pb_db_one_row(db, "SELECT pb_json(k)::text, k.version, k.person_id"
	    " FROM contacts k WHERE k.la = $1 AND k.child_id = $2 AND k.id = $3 FOR UPDATE",
	    3, pp, &res);
	if (err)
		return err;
	*version = (int)pb_db_col_int64(res, 0, 1);
	pb_db_col_copy(res, 0, 2, person_id, 37);
	*json = strdup(PQgetvalue(res, 0, 0));
	PQclear(res);
	if (*json == NULL)
		abort();
	return PB_OK;
}

static const char *opt_flag(int has, int v)
{
	return has ? (v ? "true" : "false") : NULL;
}

enum pb_err pb_rec_store_contact_update(struct pb_db *db, const char *la,
    const char *contact_id, const struct pb_contact_patch *in, char **json, int *version)
{
	const char *pp[] = { la, contact_id,
	    opt_flag(in->has_parental_responsibility, in->parental_responsibility),
	    opt_flag(in->has_lives_with_child, in->lives_with_child),
	    opt_flag(in->has_nominated_in_writing, in->nominated_in_writing),
	    opt_flag(in->has_dp_excluded, in->dp_excluded),
	    opt_flag(in->has_lacks_capacity, in->lacks_capacity),
	    opt_flag(in->has_consent_withdrawn, in->consent_withdrawn) };
	return pb_db_one_json(db,
	    "UPDATE contacts AS k SET"
	    " has_parental_responsibility = coalesce($3::boolean, has_parental_responsibility),"
	    " lives_with_child = coalesce($4::boolean, lives_with_child),"
	    " nominated_in_writing = coalesce($5::boolean, nominated_in_writing),"
	    " dp_excluded = coalesce($6::boolean, dp_excluded),"
	    " lacks_capacity = coalesce($7::boolean, lacks_capacity),"
	    " consent_withdrawn = coalesce($8::boolean, consent_withdrawn),"
	    " version = version + 1, updated_at = now()"
	    " WHERE la = $1 AND id = $2 RETURNING pb_json(k)::text, k.version",
	    8, pp, json, version);
}

/* --- plans --------------------------------------------------------------- */

enum pb_err pb_rec_store_plan_insert(struct pb_db *db, const struct pb_actor *actor,
    const char *id, const char *child_id, const struct pb_rec_plan_row *row)
{
	const char *pp[] = { actor->la, id, child_id, pb_plan_status_str(row->status),
	    row->assessment_agreed_on, row->issued_on, row->next_review_due, actor->sub };
	return pb_db_query(db,
	    "INSERT INTO plans (la, id, child_id, status, assessment_agreed_on, issued_on,"
	    " next_review_due, created_by) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
	    8, pp, NULL);
}

enum pb_err pb_rec_store_plan_update(struct pb_db *db, const char *la, const char *id,
    const struct pb_rec_plan_row *row)
{
	const char *pp[] = { la, id, pb_plan_status_str(row->status),
	    row->assessment_agreed_on, row->issued_on, row->next_review_due, row->ceased_on,
	    row->cease_notice_on, row->appeal_window_ends_on };
	return pb_db_query(db,
	    "UPDATE plans SET status = $3,"
	    " assessment_agreed_on = coalesce($4::date, assessment_agreed_on),"
	    " issued_on = coalesce($5::date, issued_on),"
	    " next_review_due = coalesce($6::date, next_review_due),"
	    " ceased_on = coalesce($7::date, ceased_on),"
	    " cease_notice_on = coalesce($8::date, cease_notice_on),"
	    " appeal_window_ends_on = coalesce($9::date, appeal_window_ends_on),"
	    " version = version + 1, updated_at = now() WHERE la = $1 AND id = $2",
	    9, pp, NULL);
}

enum pb_err pb_rec_store_plan_history(struct pb_db *db, const struct pb_actor *actor,
    const char *plan_id, enum pb_plan_status status, const char *effective)
{
	const char *pp[] = { actor->la, plan_id, pb_plan_status_str(status), effective,
	    actor->sub };
	return pb_db_query(db,
	    "INSERT INTO plan_status_history (la, plan_id, seq, status, effective_from, changed_by)"
	    " SELECT $1, $2, coalesce(max(seq), 0) + 1, $3, $4, $5"
	    " FROM plan_status_history WHERE la = $1 AND plan_id = $2",
	    5, pp, NULL);
}

enum pb_err pb_rec_store_plan_json(struct pb_db *db, const char *la, const char *id,
    char **json, int *version)
{
	const char *pp[] = { la, id };
	return pb_db_one_json(db, "SELECT pb_json(p)::text, p.version FROM plans p"
	    " WHERE p.la = $1 AND p.id = $2", 2, pp, json, version);
}

enum pb_err pb_rec_store_plan_lock(struct pb_db *db, const char *la, const char *id,
    char **json, int *version, struct pb_rec_plan_facts *facts)
{
	PGresult *res = NULL;
	const char *pp[] = { la, id };

	*json = NULL;
	enum pb_err err = pb_db_one_row(db, "SELECT pb_json(p)::text, p.version, p.status,"
	    " p.child_id, p.issued_on, p.next_review_due,"
	    " (SELECT max(h.effective_from) FROM plan_status_history h WHERE h.la = p.la"
	    "  AND h.plan_id = p.id AND h.status = 'under_review')"
	    " FROM plans p WHERE p.la = $1 AND p.id = $2 FOR UPDATE OF p", 2, pp, &res);
	if (err)
		return err;
	const char *st = PQgetvalue(res, 0, 2);
	err = pb_plan_status_parse(st, strlen(st), &facts->status) == PB_OK ? PB_OK
	    : PB_EINTERNAL;
	*version = (int)pb_db_col_int64(res, 0, 1);
	pb_db_col_copy(res, 0, 3, facts->child_id, sizeof(facts->child_id));
	facts->issued_on = pb_db_col_date(res, 0, 4, PB_DATE_NONE);
	facts->next_review_due = pb_db_col_date(res, 0, 5, PB_DATE_NONE);
	facts->last_review_on = pb_db_col_date(res, 0, 6, PB_DATE_NONE);
	*json = err ? NULL : strdup(PQgetvalue(res, 0, 0));
	PQclear(res);
	if (err == PB_OK && *json == NULL)
		abort();
	return err;
}

enum pb_err pb_rec_store_plan_get(struct pb_db *db, const struct pb_scope *scope,
    const char *id, char **json, int *version)
{
	const char *pp[] = { scope->la, id, scope->family_person_id };
	return pb_db_one_json(db,
	    "SELECT pb_json(p)::text, p.version FROM plans p"
	    " WHERE p.la = $1 AND p.id = $2 AND pb_child_visible(p.la, p.child_id, $3::uuid)",
	    3, pp, json, version);
}

enum pb_err pb_rec_store_plan_list(struct pb_db *db, const struct pb_scope *scope,
    const char *child_id, const char *cursor, int limit, char **json)
{
	char lim[24];
	const char *pp[] = { scope->la, child_id, cursor,
	    pb_db_int_param(limit + 1, lim) };
	return pb_db_list_json(db,
	    "SELECT pb_json(p)::text, p.id FROM plans p"
	    " WHERE p.la = $1 AND p.child_id = $2 AND ($3::uuid IS NULL OR p.id > $3)"
	    " ORDER BY p.id LIMIT $4", 4, pp, limit, json);
}
