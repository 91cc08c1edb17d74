/* SPDX-License-Identifier: MIT */
/*
 * service.c — the transactions of core records (see service.h):
 * begin → lock (If-Match) → rules → store → audit + event → commit.
 */
#include "internal/records/service.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "internal/audit/service.h"
#include "internal/core/date.h"
#include "internal/core/uuid.h"
#include "internal/db/db.h"
#include "internal/records/store.h"

/* The audit row and event of a creation (changes = the new resource). */
static enum pb_err created(struct pb_db *db, const struct pb_actor *actor,
    const char *action, const char *entity_type, const char *id, const char *json)
{
	return pb_audit_record(db, actor, action, entity_type, id, json, action, NULL);
}

/* The audit row and event of a change: {"before", "after"}, payload after. */
static enum pb_err changed(struct pb_db *db, const struct pb_actor *actor,
    const char *action, const char *entity_type, const char *id, const char *before,
    const char *after)
{
	char *changes = pb_audit_before_after(before, after);
	enum pb_err err = pb_audit_record(db, actor, action, entity_type, id, changes,
	    action, after);
	free(changes);
	return err;
}

/* If-Match against the locked row's version (-1: no precondition). */
static enum pb_err if_match_ok(int if_match, int version)
{
	return if_match >= 0 && if_match != version ? PB_EPRECONDITION : PB_OK;
}

/* --- people -------------------------------------------------------------- */

enum pb_err pb_rec_person_create(struct pb_db *db, const struct pb_actor *actor,
    const struct pb_person_in *in, char id[37], char **json)
{
	*json = NULL;
	pb_uuid_new(id);
	enum pb_err err = pb_db_begin(db);
	if (err)
		return err;
	err = pb_rec_store_person_insert(db, actor, id, in, json);
	if (err == PB_OK)
		err = created(db, actor, "person.created", "person", id, *json);
	return pb_db_finish_json(db, err, json);
}

enum pb_err pb_rec_person_get(struct pb_db *db, const struct pb_scope *scope,
    const char *id, char **json, int *version)
{
	return pb_rec_store_person_get(db, scope, id, json, version);
}

enum pb_err pb_rec_person_exists(struct pb_db *db, const char *la, const char *id)
{
	return pb_rec_store_person_exists(db, la, id);
}

enum pb_err pb_rec_person_patch(struct pb_db *db, const struct pb_actor *actor,
    const char *id, const struct pb_person_in *in, int if_match, char **json,
    int *version)
{
	char *before = NULL;

	*json = NULL;
	enum pb_err err = pb_db_begin(db);
	if (err)
		return err;
	err = pb_rec_store_person_lock(db, actor->la, id, &before, version);
	if (err == PB_OK)
		err = if_match_ok(if_match, *version);
	if (err == PB_OK)
		err = pb_rec_store_person_update(db, actor->la, id, in, json, version);
	if (err == PB_OK)
		err = changed(db, actor, "person.updated", "person", id, before, *json);
	free(before);
	return pb_db_finish_json(db, err, json);
}

/* --- children ------------------------------------------------------------ */

enum pb_err pb_rec_child_dob(struct pb_db *db, const char *la, const char *child_id,
    int32_t *dob)
{
	return pb_rec_store_child_dob(db, la, child_id, dob);
}

enum pb_err pb_rec_child_create(struct pb_db *db, const struct pb_actor *actor,
    const struct pb_child_in *in, char id[37], char **json, int *version)
{
	*json = NULL;
	pb_uuid_new(id);
	enum pb_err err = pb_db_begin(db);
	if (err)
		return err;
	err = pb_rec_store_child_insert(db, actor, id, in, json, version);
	if (err == PB_OK)
		err = created(db, actor, "child.created", "child", id, *json);
	return pb_db_finish_json(db, err, json);
}

enum pb_err pb_rec_child_get(struct pb_db *db, const struct pb_scope *scope,
    const char *id, char **json, int *version)
{
	return pb_rec_store_child_get(db, scope, id, json, version);
}

enum pb_err pb_rec_child_search(struct pb_db *db, const char *la,
    const struct pb_rec_search *q, const char *cursor, int limit, char **json)
{
	return pb_rec_store_child_search(db, la, q, cursor, limit, json);
}

enum pb_err pb_rec_person_search(struct pb_db *db, const char *la,
    const struct pb_rec_search *q, const char *cursor, int limit, char **json)
{
	return pb_rec_store_person_search(db, la, q, cursor, limit, json);
}

enum pb_err pb_rec_child_list(struct pb_db *db, const struct pb_scope *scope,
    const char *cursor, int limit, char **json)
{
	return pb_rec_store_child_list(db, scope, cursor, limit, json);
}

enum pb_err pb_rec_child_visible(struct pb_db *db, const struct pb_scope *scope,
    const char *child_id)
{
	return pb_rec_store_child_visible(db, scope, child_id);
}

enum pb_err pb_rec_child_patch(struct pb_db *db, const struct pb_actor *actor,
    const char *id, const struct pb_child_in *in, int if_match, char **json,
    int *version)
{
	char *before = NULL;

	*json = NULL;
	enum pb_err err = pb_db_begin(db);
	if (err)
		return err;
	err = pb_rec_store_child_lock(db, actor->la, id, &before, version);
	if (err == PB_OK)
		err = if_match_ok(if_match, *version);
	if (err == PB_OK)
		err = pb_rec_store_child_update(db, actor->la, id, in, json, version);
	if (err == PB_OK)
		err = changed(db, actor, "child.updated", "child", id, before, *json);
	free(before);
	return pb_db_finish_json(db, err, json);
}

/* --- contacts ------------------------------------------------------------ */

enum pb_err pb_rec_contact_create(struct pb_db *db, const struct pb_actor *actor,
    const char *child_id, const struct pb_contact_in *in, struct pb_problem *p,
    char id[37], char **json)
{
	struct pb_scope staff = { actor->la, NULL };

	*json = NULL;
	enum pb_err err = pb_db_begin(db);
	if (err)
		return err;
	err = pb_rec_store_child_visible(db, &staff, child_id);
	if (err == PB_OK) {
		err = pb_rec_store_person_exists(db, actor->la, in->person_id);
		if (err == PB_ENOTFOUND)
			err = pb_problem_field(p, "person_id", "not_found",
			    "No such person in this council.");
	}
	if (err == PB_OK) {
		pb_uuid_new(id);
		err = pb_rec_store_contact_insert(db, actor, id, child_id, in, json);
		if (err == PB_ECONFLICT)
			pb_problem_set(p, PB_ECONFLICT, NULL,
			    "This person is already a contact of the child.");
	}
	if (err == PB_OK)
		err = created(db, actor, "contact.created", "contact", id, *json);
	return pb_db_finish_json(db, err, json);
}

enum pb_err pb_rec_contact_get(struct pb_db *db, const struct pb_scope *scope,
    const char *child_id, const char *contact_id, char **json, int *version)
{
	return pb_rec_store_contact_get(db, scope, child_id, contact_id, json, version);
}

enum pb_err pb_rec_contact_facts(struct pb_db *db, const char *la, const char *child_id,
    const char *person_id, struct pb_rec_contact_facts *out)
{
	return pb_rec_store_contact_facts(db, la, child_id, person_id, out);
}

enum pb_err pb_rec_contact_patch_tx(struct pb_db *db, const struct pb_actor *actor,
    const char *child_id, const char *contact_id, const struct pb_contact_patch *in,
    int if_match, char **json, int *version, struct pb_rec_contact_facts *after,
    char person_id[37])
{
	char *before = NULL;

	*json = NULL;
	enum pb_err err = pb_rec_store_contact_lock(db, actor->la, child_id, contact_id, &before,
	    version, person_id);
	if (err == PB_OK)
		err = if_match_ok(if_match, *version);
	if (err == PB_OK)
		err = pb_rec_store_contact_update(db, actor->la, contact_id, in, json, version);
	if (err == PB_OK)
		err = changed(db, actor, "contact.updated", "contact", contact_id, before, *json);
	if (err == PB_OK)
		err = pb_rec_store_contact_facts(db, actor->la, child_id, person_id, after);
	free(before);
	if (err) {
		free(*json);
		*json = NULL;
	}
	return err;
}

enum pb_err pb_rec_contact_list(struct pb_db *db, const struct pb_scope *scope,
    const char *child_id, const char *cursor, int limit, char **json)
{
	enum pb_err err = pb_rec_store_child_visible(db, scope, child_id);

	if (err)
		return err;
	return pb_rec_store_contact_list(db, scope, child_id, cursor, limit, json);
}

/* --- plans --------------------------------------------------------------- */

/* Dates of a plan input as text (NULL when not given); bufs back them. */
struct plan_dates {
	char aa[11], io[11], nr[11], co[11], cn[11], aw[11];
};

static const char *opt_date(int has, int32_t d, char buf[11])
{
	if (!has)
		return NULL;
	pb_date_format(d, buf);
	return buf;
}

static struct pb_rec_plan_row plan_row(const struct pb_plan_in *v, int status,
    struct plan_dates *d)
{
	struct pb_rec_plan_row r = { (enum pb_plan_status)status,
	    opt_date(v->has_assessment_agreed_on, v->assessment_agreed_on, d->aa),
	    opt_date(v->has_issued_on, v->issued_on, d->io),
	    opt_date(v->has_next_review_due, v->next_review_due, d->nr),
	    opt_date(v->has_ceased_on, v->ceased_on, d->co),
	    opt_date(v->has_cease_notice_on, v->cease_notice_on, d->cn), NULL };
	return r;
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
    const char *plan_id, const struct pb_plan_in *v, int status, int32_t today)
{
	char eff[11];

	pb_date_format(effective_date(v, status, today), eff);
	return pb_rec_store_plan_history(db, actor, plan_id, (enum pb_plan_status)status, eff);
}

enum pb_err pb_rec_plan_create(struct pb_db *db, const struct pb_actor *actor,
    const char *child_id, const struct pb_plan_in *in, int32_t today,
    struct pb_problem *p, char id[37], char **json, int *version)
{
	struct pb_scope staff = { actor->la, NULL };
	struct plan_dates d;
	struct pb_plan_in v = *in;

	*json = NULL;
	if (!pb_plan_initial_status_ok((enum pb_plan_status)v.status))
		return pb_problem_field(p, "status", "invalid_enum",
		    "A new plan starts as assessment_agreed or issued.");
	if (v.has_ceased_on)
		return pb_problem_field(p, "ceased_on", "read_only",
		    "A plan is ceased by a status change, not at creation.");
	if (v.status == PB_PLAN_ASSESSMENT_AGREED && !v.has_assessment_agreed_on) {
		v.has_assessment_agreed_on = 1;
		v.assessment_agreed_on = today;
	}
	if (v.status == PB_PLAN_ISSUED && !v.has_issued_on) {
		v.has_issued_on = 1;
		v.issued_on = today;
	}
	int32_t dob = PB_DATE_NONE;
	enum pb_err err = pb_plan_check_review_due(v.has_issued_on ? v.issued_on : PB_DATE_NONE,
	    PB_DATE_NONE, v.has_next_review_due ? v.next_review_due : PB_DATE_NONE, p);
	if (err)
		return err;
	err = pb_db_begin(db);
	if (err)
		return err;
	err = pb_rec_store_child_visible(db, &staff, child_id);
	if (err == PB_OK)
		err = pb_rec_store_child_dob(db, actor->la, child_id, &dob);
	/* ELIG-11: no plan is issued for someone past its age limit */
	if (err == PB_OK && v.status == PB_PLAN_ISSUED)
		err = pb_plan_check_age_limit(dob, 0, v.issued_on, "The plan's issue date", p);
	pb_uuid_new(id);
	struct pb_rec_plan_row row = plan_row(&v, v.status, &d);
	if (err == PB_OK)
		err = pb_rec_store_plan_insert(db, actor, id, child_id, &row);
	if (err == PB_OK)
		err = add_history(db, actor, id, &v, v.status, today);
	if (err == PB_OK)
		err = pb_rec_store_plan_json(db, actor->la, id, json, version);
	if (err == PB_OK)
		err = created(db, actor, "plan.created", "plan", id, *json);
	return pb_db_finish_json(db, err, json);
}

enum pb_err pb_rec_plan_get(struct pb_db *db, const struct pb_scope *scope,
    const char *id, char **json, int *version)
{
	return pb_rec_store_plan_get(db, scope, id, json, version);
}

enum pb_err pb_rec_plan_list(struct pb_db *db, const struct pb_scope *scope,
    const char *child_id, const char *cursor, int limit, char **json)
{
	enum pb_err err = pb_rec_store_child_visible(db, scope, child_id);

	if (err)
		return err;
	return pb_rec_store_plan_list(db, scope, child_id, cursor, limit, json);
}

enum pb_err pb_rec_plan_json(struct pb_db *db, const char *la, const char *id,
    char **json, int *version)
{
	return pb_rec_store_plan_json(db, la, id, json, version);
}

/* The rules a plan change must satisfy, on the merged values: ELIG-11 when
 * it is issued, PLAN-2 for the review date, PLAN-5 for a cessation.
 * *window gets the cessation's appeal window end (PB_DATE_NONE). */
static enum pb_err plan_change_rules(struct pb_db *db, const char *la,
    const struct pb_rec_plan_facts *f, const struct pb_plan_in *v, int to,
    int32_t *window, struct pb_problem *p)
{
	int32_t dob = PB_DATE_NONE;
	int32_t issued = v->has_issued_on ? v->issued_on : f->issued_on;
	enum pb_err err = PB_OK;

	*window = PB_DATE_NONE;
	if (to == PB_PLAN_ISSUED && f->status == PB_PLAN_ASSESSMENT_AGREED) {
		err = pb_rec_store_child_dob(db, la, f->child_id, &dob);
		if (err == PB_OK)
			err = pb_plan_check_age_limit(dob, 0, issued, "The plan's issue date", p);
	}
	if (err == PB_OK && (v->has_next_review_due || v->has_issued_on))
		err = pb_plan_check_review_due(issued, f->last_review_on,
		    v->has_next_review_due ? v->next_review_due : f->next_review_due, p);
	if (err == PB_OK && to == PB_PLAN_CEASED)
		err = pb_plan_check_cessation(f->status, v->has_cease_notice_on, v->cease_notice_on,
		    v->ceased_on, window, p);
	else if (err == PB_OK && v->has_cease_notice_on)
		err = pb_problem_field(p, "cease_notice_on", "invalid",
		    "cease_notice_on is given together with status ceased.");
	return err;
}

enum pb_err pb_rec_plan_patch_tx(struct pb_db *db, const struct pb_actor *actor,
    const char *id, const struct pb_plan_in *in, int if_match, int32_t today,
    struct pb_problem *p, char **json, int *version, struct pb_rec_plan_change *chg)
{
	struct pb_rec_plan_facts f;
	struct plan_dates d;
	struct pb_plan_in v = *in;
	char *before = NULL, aw[11];
	int32_t window = PB_DATE_NONE;

	*json = NULL;
	enum pb_err err = pb_rec_store_plan_lock(db, actor->la, id, &before, version, &f);
	if (err == PB_OK)
		err = if_match_ok(if_match, *version);
	if (err)
		goto out;
	int to = v.status > 0 ? v.status : (int)f.status;
	if (v.status > 0) {
		err = pb_plan_transition(f.status, (enum pb_plan_status)to, p);
		if (err)
			goto out;
		if (to == PB_PLAN_CEASED && !v.has_ceased_on) {
			v.has_ceased_on = 1;
			v.ceased_on = today;
		}
		if (to == PB_PLAN_ISSUED && f.status == PB_PLAN_ASSESSMENT_AGREED && !v.has_issued_on) {
			v.has_issued_on = 1;
			v.issued_on = today;
		}
	} else if (v.has_ceased_on) {
		err = pb_problem_field(p, "ceased_on", "invalid",
		    "ceased_on is set together with status ceased.");
		goto out;
	}
	err = plan_change_rules(db, actor->la, &f, &v, to, &window, p);
	if (err)
		goto out;
	struct pb_rec_plan_row row = plan_row(&v, to, &d);
	row.appeal_window_ends_on = window != PB_DATE_NONE ? (pb_date_format(window, aw), aw)
	    : NULL;
	err = pb_rec_store_plan_update(db, actor->la, id, &row);
	if (err == PB_OK && v.status > 0)
		err = add_history(db, actor, id, &v, to, today);
	if (err == PB_OK)
		err = pb_rec_store_plan_json(db, actor->la, id, json, version);
	if (err == PB_OK) {
		const char *action = v.status > 0 ? "plan.status_changed" : "plan.updated";
		err = changed(db, actor, action, "plan", id, before, *json);
	}
	if (err == PB_OK) {
		snprintf(chg->child_id, sizeof(chg->child_id), "%s", f.child_id);
		chg->from = f.status;
		chg->to = (enum pb_plan_status)to;
		chg->ceased_on = to == PB_PLAN_CEASED && f.status != PB_PLAN_CEASED ? v.ceased_on
		    : PB_DATE_NONE;
	}
out:
	free(before);
	if (err) {
		free(*json);
		*json = NULL;
	}
	return err;
}
