/* SPDX-License-Identifier: MIT */
/*
 * store.c — SQL and transactions for core records (see store.h).
 * Every statement names la; family scope adds the contacts ownership test.
 */
#include "internal/records/store.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "internal/core/date.h"
#include "internal/core/uuid.h"
#include "internal/db/db.h"
#include "internal/db/rows.h"

/* The ownership test for a child row aliased c; $3 is the family person. */
#define CHILD_VISIBLE \
	"($3::uuid IS NULL OR EXISTS (SELECT 1 FROM contacts k" \
	" WHERE k.la = c.la AND k.child_id = c.id AND k.person_id = $3))"

static void fmt_int(char *buf, size_t n, int v)
{
	snprintf(buf, n, "%d", v);
}

/* Create-and-audit: run an INSERT … RETURNING pb_json(t)::text, version,
 * then the audit row and event, all in one transaction. */
static enum pb_err insert_audited(struct pb_db *db, const struct pb_actor *actor,
    const char *sql, int n, const char *const *params, const char *action,
    const char *entity_type, const char *id, char **json, int *version)
{
	enum pb_err err = pb_db_begin(db);
	if (err)
		return err;
	err = pb_db_one_json(db, sql, n, params, json, version);
	if (err == PB_OK)
		err = pb_audit_record(db, actor, action, entity_type, id, *json, action, NULL);
	err = pb_db_finish_json(db, err, json);
	return err;
}

/* --- people -------------------------------------------------------------- */

enum pb_err pb_rec_person_create(struct pb_db *db, const struct pb_actor *actor,
    const struct pb_person_in *in, char id[37], char **json)
{
	pb_uuid_new(id);
	const char *pp[] = { actor->la, id, in->given_name, in->family_name,
	    in->email, in->phone, actor->sub };
	return insert_audited(db, actor,
	    "INSERT INTO people AS p (la, id, given_name, family_name, email, phone, created_by)"
	    " VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING pb_json(p)::text, p.version",
	    7, pp, "person.created", "person", id, json, NULL);
}

enum pb_err pb_rec_person_get(struct pb_db *db, const struct pb_scope *scope,
    const char *id, char **json, int *version)
{
	const char *pp[] = { scope->la, id, scope->family_person_id };
	/* A family sees its own person record only. */
	return pb_db_one_json(db,
	    "SELECT pb_json(p)::text, p.version FROM people p"
	    " WHERE p.la = $1 AND p.id = $2 AND ($3::uuid IS NULL OR p.id = $3)",
	    3, pp, json, version);
}

/* --- children ------------------------------------------------------------ */

enum pb_err pb_rec_child_create(struct pb_db *db, const struct pb_actor *actor,
    const struct pb_child_in *in, char id[37], char **json, int *version)
{
	char dob[11];

	pb_uuid_new(id);
	pb_date_format(in->date_of_birth, dob);
	const char *pp[] = { actor->la, id, in->given_name, in->family_name, dob, actor->sub };
	return insert_audited(db, actor,
	    "INSERT INTO children AS c (la, id, given_name, family_name, date_of_birth, created_by)"
	    " VALUES ($1, $2, $3, $4, $5, $6) RETURNING pb_json(c)::text, c.version",
	    6, pp, "child.created", "child", id, json, version);
}

enum pb_err pb_rec_child_visible(struct pb_db *db, const struct pb_scope *scope,
    const char *child_id)
{
	PGresult *res = NULL;
	const char *pp[] = { scope->la, child_id, scope->family_person_id };

	enum pb_err err = pb_db_query(db,
	    "SELECT 1 FROM children c WHERE c.la = $1 AND c.id = $2 AND " CHILD_VISIBLE,
	    3, pp, &res);
	if (err)
		return err;
	err = PQntuples(res) == 1 ? PB_OK : PB_ENOTFOUND;
	PQclear(res);
	return err;
}

enum pb_err pb_rec_child_get(struct pb_db *db, const struct pb_scope *scope,
    const char *id, char **json, int *version)
{
	const char *pp[] = { scope->la, id, scope->family_person_id };
	return pb_db_one_json(db,
	    "SELECT pb_json(c)::text, c.version FROM children c"
	    " WHERE c.la = $1 AND c.id = $2 AND " CHILD_VISIBLE, 3, pp, json, version);
}

enum pb_err pb_rec_child_list(struct pb_db *db, const struct pb_scope *scope,
    const char *cursor, int limit, char **json)
{
	char lim[16];

	fmt_int(lim, sizeof(lim), limit + 1);
	const char *pp[] = { scope->la, cursor, scope->family_person_id, lim };
	return pb_db_list_json(db,
	    "SELECT pb_json(c)::text, c.id FROM children c"
	    " WHERE c.la = $1 AND ($2::uuid IS NULL OR c.id > $2) AND " CHILD_VISIBLE
	    " ORDER BY c.id LIMIT $4", 4, pp, limit, json);
}

/* Lock a row and compare its version with If-Match.  `lock_sql` selects
 * (pb_json(row)::text, version) FOR UPDATE by ($1 la, $2 id). */
static enum pb_err lock_for_update(struct pb_db *db, const char *lock_sql,
    const char *la, const char *id, int if_match, char **before, int *version)
{
	const char *pp[] = { la, id };
	enum pb_err err = pb_db_one_json(db, lock_sql, 2, pp, before, version);
	if (err == PB_OK && if_match >= 0 && if_match != *version) {
		free(*before);
		*before = NULL;
		return PB_EPRECONDITION;
	}
	return err;
}

enum pb_err pb_rec_child_patch(struct pb_db *db, const struct pb_actor *actor,
    const char *id, const struct pb_child_in *in, int if_match, char **json,
    int *version)
{
	char *before = NULL, *changes = NULL, dob[11];

	*json = NULL;
	enum pb_err err = pb_db_begin(db);
	if (err)
		return err;
	err = lock_for_update(db, "SELECT pb_json(c)::text, c.version FROM children c"
	    " WHERE c.la = $1 AND c.id = $2 FOR UPDATE", actor->la, id, if_match,
	    &before, version);
	if (err)
		goto out;
	if (in->has_dob)
		pb_date_format(in->date_of_birth, dob);
	const char *pp[] = { actor->la, id, in->given_name, in->family_name,
	    in->has_dob ? dob : NULL };
	err = pb_db_one_json(db,
	    "UPDATE children AS c SET given_name = coalesce($3, given_name),"
	    " family_name = coalesce($4, family_name),"
	    " date_of_birth = coalesce($5::date, date_of_birth),"
	    " version = version + 1, updated_at = now()"
	    " WHERE la = $1 AND id = $2 RETURNING pb_json(c)::text, c.version",
	    5, pp, json, version);
	if (err)
		goto out;
	changes = pb_audit_before_after(before, *json);
	err = pb_audit_record(db, actor, "child.updated", "child", id, changes,
	    "child.updated", *json);
out:
	free(before);
	free(changes);
	err = pb_db_finish_json(db, err, json);
	return err;
}

/* --- contacts ------------------------------------------------------------ */

enum pb_err pb_rec_contact_create(struct pb_db *db, const struct pb_actor *actor,
    const char *child_id, const struct pb_contact_in *in, struct pb_problem *p,
    char id[37], char **json)
{
	struct pb_scope staff = { actor->la, NULL };
	PGresult *res = NULL;

	*json = NULL;
	enum pb_err err = pb_rec_child_visible(db, &staff, child_id);
	if (err)
		return err;
	const char *pq[] = { actor->la, in->person_id };
	err = pb_db_query(db, "SELECT 1 FROM people WHERE la = $1 AND id = $2", 2, pq, &res);
	if (err)
		return err;
	int found = PQntuples(res) == 1;
	PQclear(res);
	if (!found) {
		pb_problem_field(p, "person_id", "not_found", "No such person in this council.");
		return PB_EINVAL;
	}
	pb_uuid_new(id);
	const char *pp[] = { actor->la, id, child_id, in->person_id, in->relationship,
	    in->has_parental_responsibility ? "true" : "false",
	    in->lives_with_child ? "true" : "false", actor->sub,
	    in->nominated_in_writing ? "true" : "false",
	    in->dp_excluded ? "true" : "false",
	    in->lacks_capacity ? "true" : "false" };
	err = insert_audited(db, actor,
	    "INSERT INTO contacts AS k (la, id, child_id, person_id, relationship,"
	    " has_parental_responsibility, lives_with_child, created_by,"
	    " nominated_in_writing, dp_excluded, lacks_capacity)"
	    " VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)"
	    " RETURNING pb_json(k)::text",
	    11, pp, "contact.created", "contact", id, json, NULL);
	if (err == PB_ECONFLICT)
		pb_problem_set(p, PB_ECONFLICT, NULL, "This person is already a contact of the child.");
	return err;
}

enum pb_err pb_rec_contact_get(struct pb_db *db, const struct pb_scope *scope,
    const char *child_id, const char *contact_id, char **json)
{
	const char *pp[] = { scope->la, child_id, scope->family_person_id, contact_id };
	return pb_db_one_json(db,
	    "SELECT pb_json(k)::text FROM contacts k JOIN children c"
	    " ON c.la = k.la AND c.id = k.child_id"
	    " WHERE k.la = $1 AND k.child_id = $2 AND k.id = $4 AND " CHILD_VISIBLE,
	    4, pp, json, NULL);
}

enum pb_err pb_rec_contact_list(struct pb_db *db, const struct pb_scope *scope,
    const char *child_id, const char *cursor, int limit, char **json)
{
	char lim[16];

	enum pb_err err = pb_rec_child_visible(db, scope, child_id);
	if (err)
		return err;
	fmt_int(lim, sizeof(lim), limit + 1);
	const char *pp[] = { scope->la, child_id, cursor, lim };
	return pb_db_list_json(db,
	    "SELECT pb_json(k)::text, k.id FROM contacts k"
	    " WHERE k.la = $1 AND k.child_id = $2 AND ($3::uuid IS NULL OR k.id > $3)"
	    " ORDER BY k.id LIMIT $4", 4, pp, limit, json);
}

/* --- plans --------------------------------------------------------------- */

static const char *opt_date(int has, int32_t d, char buf[11])
{
	if (!has)
		return NULL;
	pb_date_format(d, buf);
	return buf;
}

/* The date a status takes effect: its own date field, else today. */
static int32_t effective_date(const struct pb_plan_in *in, int status, int32_t today)
{
	if (status == PB_PLAN_ISSUED && in->has_issued_on)
		return in->issued_on;
	if (status == PB_PLAN_CEASED && in->has_ceased_on)
		return in->ceased_on;
	if (status == PB_PLAN_ASSESSMENT_AGREED && in->has_assessment_agreed_on)
		return in->assessment_agreed_on;
	return today;
}

static enum pb_err add_history(struct pb_db *db, const struct pb_actor *actor,
    const char *plan_id, int status, int32_t effective)
{
	char eff[11];

	pb_date_format(effective, eff);
	const char *pp[] = { actor->la, plan_id, pb_plan_status_names[status], eff, actor->sub };
	return pb_db_query(db,
	    "INSERT INTO plan_status_history (la, plan_id, seq, status, effective_from, changed_by)"
	    " SELECT $1, $2, coalesce(max(seq), 0) + 1, $3, $4, $5"
	    " FROM plan_status_history WHERE la = $1 AND plan_id = $2",
	    5, pp, NULL);
}

enum pb_err pb_rec_plan_create(struct pb_db *db, const struct pb_actor *actor,
    const char *child_id, const struct pb_plan_in *in, int32_t today,
    struct pb_problem *p, char id[37], char **json, int *version)
{
	struct pb_scope staff = { actor->la, NULL };
	char aa[11], io[11], nr[11];
	struct pb_plan_in v = *in;

	*json = NULL;
	if (!pb_plan_initial_status_ok((enum pb_plan_status)v.status))
		return pb_problem_field(p, "status", "invalid_enum",
		    "A new plan starts as assessment_agreed or issued.");
	if (v.status == PB_PLAN_ASSESSMENT_AGREED && !v.has_assessment_agreed_on) {
		v.has_assessment_agreed_on = 1;
		v.assessment_agreed_on = today;
	}
	if (v.status == PB_PLAN_ISSUED && !v.has_issued_on) {
		v.has_issued_on = 1;
		v.issued_on = today;
	}
	if (v.has_ceased_on)
		return pb_problem_field(p, "ceased_on", "read_only",
		    "A plan is ceased by a status change, not at creation.");
	enum pb_err err = pb_rec_child_visible(db, &staff, child_id);
	if (err)
		return err;
	pb_uuid_new(id);
	err = pb_db_begin(db);
	if (err)
		return err;
	const char *pp[] = { actor->la, id, child_id, pb_plan_status_names[v.status],
	    opt_date(v.has_assessment_agreed_on, v.assessment_agreed_on, aa),
	    opt_date(v.has_issued_on, v.issued_on, io),
	    opt_date(v.has_next_review_due, v.next_review_due, nr), actor->sub };
	err = pb_db_query(db,
	    "INSERT INTO plans (la, id, child_id, status, assessment_agreed_on, issued_on,"
	    " next_review_due, created_by) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
	    8, pp, NULL);
	if (err == PB_OK)
		err = add_history(db, actor, id, v.status, effective_date(&v, v.status, today));
	const char *pg[] = { actor->la, id };
	if (err == PB_OK)
		err = pb_db_one_json(db, "SELECT pb_json(p)::text, p.version FROM plans p"
		    " WHERE p.la = $1 AND p.id = $2", 2, pg, json, version);
	if (err == PB_OK)
		err = pb_audit_record(db, actor, "plan.created", "plan", id, *json,
		    "plan.created", NULL);
	err = pb_db_finish_json(db, err, json);
	return err;
}

enum pb_err pb_rec_plan_get(struct pb_db *db, const struct pb_scope *scope,
    const char *id, char **json, int *version)
{
	const char *pp[] = { scope->la, id, scope->family_person_id };
	return pb_db_one_json(db,
	    "SELECT pb_json(p)::text, p.version FROM plans p JOIN children c"
	    " ON c.la = p.la AND c.id = p.child_id"
	    " WHERE p.la = $1 AND p.id = $2 AND " CHILD_VISIBLE, 3, pp, json, version);
}

enum pb_err pb_rec_plan_list(struct pb_db *db, const struct pb_scope *scope,
    const char *child_id, const char *cursor, int limit, char **json)
{
	char lim[16];

	enum pb_err err = pb_rec_child_visible(db, scope, child_id);
	if (err)
		return err;
	fmt_int(lim, sizeof(lim), limit + 1);
	const char *pp[] = { scope->la, child_id, cursor, lim };
	return pb_db_list_json(db,
	    "SELECT pb_json(p)::text, p.id FROM plans p"
	    " WHERE p.la = $1 AND p.child_id = $2 AND ($3::uuid IS NULL OR p.id > $3)"
	    " ORDER BY p.id LIMIT $4", 4, pp, limit, json);
}

enum pb_err pb_rec_plan_patch(struct pb_db *db, const struct pb_actor *actor,
    const char *id, const struct pb_plan_in *in, int if_match, int32_t today,
    struct pb_problem *p, char **json, int *version)
{
	char *before = NULL, *changes = NULL;
	char aa[11], io[11], nr[11], co[11];
	PGresult *res = NULL;
	struct pb_plan_in v = *in;

	*json = NULL;
	enum pb_err err = pb_db_begin(db);
	if (err)
		return err;
	err = lock_for_update(db, "SELECT pb_json(p)::text, p.version FROM plans p"
	    " WHERE p.la = $1 AND p.id = $2 FOR UPDATE", actor->la, id, if_match,
	    &before, version);
	if (err)
		goto out;
	const char *pg[] = { actor->la, id };
	err = pb_db_query(db, "SELECT status FROM plans WHERE la = $1 AND id = $2", 2, pg, &res);
	if (err)
		goto out;
	int from = pb_plan_status_from_name(PQgetvalue(res, 0, 0));
	PQclear(res);
	int to = v.status >= 0 ? v.status : from;
	if (v.status >= 0) {
		err = pb_plan_transition((enum pb_plan_status)from, (enum pb_plan_status)to, p);
		if (err)
			goto out;
		if (to == PB_PLAN_CEASED && !v.has_ceased_on) {
			v.has_ceased_on = 1;
			v.ceased_on = today;
		}
		if (to == PB_PLAN_ISSUED && from == PB_PLAN_ASSESSMENT_AGREED && !v.has_issued_on) {
			v.has_issued_on = 1;
			v.issued_on = today;
		}
	} else if (v.has_ceased_on) {
		err = pb_problem_field(p, "ceased_on", "invalid",
		    "ceased_on is set together with status ceased.");
		goto out;
	}
	const char *pu[] = { actor->la, id, pb_plan_status_names[to],
	    opt_date(v.has_assessment_agreed_on, v.assessment_agreed_on, aa),
	    opt_date(v.has_issued_on, v.issued_on, io),
	    opt_date(v.has_next_review_due, v.next_review_due, nr),
	    opt_date(v.has_ceased_on, v.ceased_on, co) };
	err = pb_db_query(db,
	    "UPDATE plans SET status = $3,"
	    " assessment_agreed_on = coalesce($4::date, assessment_agreed_on),"
	    " issued_on = coalesce($5::date, issued_on),"
	    " next_review_due = coalesce($6::date, next_review_due),"
	    " ceased_on = coalesce($7::date, ceased_on),"
	    " version = version + 1, updated_at = now() WHERE la = $1 AND id = $2",
	    7, pu, NULL);
	if (err == PB_OK && v.status >= 0)
		err = add_history(db, actor, id, to, effective_date(&v, to, today));
	if (err == PB_OK)
		err = pb_db_one_json(db, "SELECT pb_json(p)::text, p.version FROM plans p"
		    " WHERE p.la = $1 AND p.id = $2", 2, pg, json, version);
	if (err)
		goto out;
	changes = pb_audit_before_after(before, *json);
	err = pb_audit_record(db, actor,
	    v.status >= 0 ? "plan.status_changed" : "plan.updated", "plan", id, changes,
	    v.status >= 0 ? "plan.status_changed" : "plan.updated", *json);
out:
	free(before);
	free(changes);
	err = pb_db_finish_json(db, err, json);
	return err;
}
