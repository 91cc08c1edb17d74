/* SPDX-License-Identifier: MIT */
/*
 * monitoring/service.c — see service.h.
 */
#include "internal/monitoring/service.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "internal/audit/service.h"
#include "internal/core/digest.h"
#include "internal/core/uuid.h"
#include "internal/db/db.h"
#include "internal/monitoring/evidence.h"
#include "internal/monitoring/store.h"
#include "internal/payments/service.h"

/* The return's document after a change, its audit row and its event
 * (action also the event type); `before` may be NULL. */
static enum pb_err record(struct pb_db *db, const struct pb_actor *actor,
    const struct pb_scope *scope, const char *id, const char *action, const char *before,
    char **json)
{
	const struct pb_scope council = { actor->la, NULL };
	char *staff = NULL;
	enum pb_err err = pb_mon_store_return_json(db, &council, id, &staff);

	if (err == PB_OK) {
		char *changes = pb_audit_before_after(before, staff);
		err = pb_audit_record(db, actor, action, "spend_return", id, changes, action, staff);
		free(changes);
	}
	if (err == PB_OK && scope->family_person_id != NULL) {
		err = pb_mon_store_return_json(db, scope, id, json);
	} else if (err == PB_OK) {
		*json = staff;
		staff = NULL;
	}
	free(staff);
	return err;
}

/* Lock a return and require its status; `p` says why not. */
static enum pb_err open_return(struct pb_db *db, const struct pb_scope *scope, const char *id,
    const char *status, const char *doing, struct pb_mon_return *r, struct pb_problem *p)
{
	enum pb_err err = pb_mon_store_return_lock(db, scope, id, r);

	if (err == PB_OK && status != NULL && strcmp(r->status, status) != 0)
		err = pb_problem_set(p, PB_ETRANSITION, NULL, "Only a %s return can be %s; this one "
		    "is %s.", status, doing, r->status);
	return err;
}

enum pb_err pb_spend_return_submit(struct pb_db *db, const struct pb_actor *actor,
    const struct pb_scope *scope, const char *budget_id, const char *element_id,
    const struct pb_spend_return_in *in, int32_t today, struct pb_problem *p, char id[37],
    char **json)
{
	struct pb_mon_element e;

	*json = NULL;
	enum pb_err err = pb_db_begin(db);
	if (err)
		return err;
	err = pb_mon_store_element(db, scope, budget_id, element_id, &e);
	if (err == PB_OK && (strcmp(e.arrangement, "direct_payment") != 0 ||
	    (strcmp(e.budget_status, "approved") != 0 && strcmp(e.budget_status, "suspended") != 0)))
		err = pb_problem_set(p, PB_ERULE, "PAY-20", "Spend returns are made for the direct "
		    "payments of an approved or suspended budget; this element is %s in a %s budget.",
		    e.arrangement, e.budget_status);
	if (err == PB_OK)
		err = pb_spend_return_check(in, e.budget_start, e.budget_end, today, p);
	if (err == PB_OK) {
		pb_uuid_new(id);
		err = pb_mon_store_return_insert(db, actor, id, budget_id, element_id, in);
		if (err == PB_ECONFLICT)
			err = pb_problem_set(p, PB_ECONFLICT, NULL, "A return of this direct payment "
			    "covers part of that period already.");
	}
	if (err == PB_OK)
		err = record(db, actor, scope, id, "spend_return.submitted", NULL, json);
	return pb_db_finish_json(db, err, json);
}

enum pb_err pb_spend_return_resubmit(struct pb_db *db, const struct pb_actor *actor,
    const struct pb_scope *scope, const char *id, const struct pb_spend_return_in *in,
    int32_t today, struct pb_problem *p, char **json)
{
	struct pb_mon_return r;
	char *before = NULL;
	struct pb_mon_element e;

	*json = NULL;
	enum pb_err err = pb_db_begin(db);
	if (err)
		return err;
	err = open_return(db, scope, id, "queried", "submitted again", &r, p);
	if (err == PB_OK)
		err = pb_mon_store_element(db, scope, r.budget_id, r.element_id, &e);
	if (err == PB_OK && (in->period_start != r.period_start || in->period_end != r.period_end))
		err = pb_problem_field(p, "period_start", "read_only", "A return is corrected for "
		    "the period it was made for; make a new return for another period.");
	if (err == PB_OK)
		err = pb_spend_return_check(in, e.budget_start, e.budget_end, today, p);
	if (err == PB_OK)
		err = pb_mon_store_return_json(db, &(struct pb_scope){ actor->la, NULL }, id, &before);
	if (err == PB_OK)
		err = pb_mon_store_return_resubmit(db, actor, id, in);
	if (err == PB_OK)
		err = record(db, actor, scope, id, "spend_return.resubmitted", before, json);
	free(before);
	return pb_db_finish_json(db, err, json);
}

/* A caseworker's decision on a submitted return: a query (message set) or
 * an acceptance (message NULL: PAY-20 wants evidence for any spend; PAY-9
 * judges the lines). */
static enum pb_err decide(struct pb_db *db, const struct pb_actor *actor, const char *id,
    const char *message, struct pb_problem *p, char **json)
{
	const struct pb_scope staff = { actor->la, NULL };
	struct pb_mon_return r;
	char *before = NULL;

	*json = NULL;
	enum pb_err err = pb_db_begin(db);
	if (err)
		return err;
	err = open_return(db, &staff, id, "submitted", message ? "queried" : "accepted", &r, p);
	if (err == PB_OK && !message && r.spent_pence > 0 && r.evidence_count == 0)
		err = pb_problem_set(p, PB_ERULE, "PAY-20", "Spend is accepted with its evidence: "
		    "the return has no evidence file yet.");
	if (err == PB_OK)
		err = pb_mon_store_return_json(db, &staff, id, &before);
	if (err == PB_OK)
		err = message ? pb_mon_store_return_query(db, actor, id, message) :
		    pb_mon_store_return_accept(db, actor, id, r.service_type);
	if (err == PB_OK)
		err = record(db, actor, &staff, id, message ? "spend_return.queried" :
		    "spend_return.accepted", before, json);
	free(before);
	return pb_db_finish_json(db, err, json);
}

enum pb_err pb_spend_return_query(struct pb_db *db, const struct pb_actor *actor,
    const char *id, const char *message, struct pb_problem *p, char **json)
{
	return decide(db, actor, id, message, p, json);
}

enum pb_err pb_spend_return_accept(struct pb_db *db, const struct pb_actor *actor,
    const char *id, struct pb_problem *p, char **json)
{
	return decide(db, actor, id, NULL, p, json);
}

/* The name a file is stored under: the uploaded name's letters, digits,
 * '-', '_' and '.' (others become '_'), without its extension, then the
 * proved type's; "evidence" when nothing is left. */
static void safe_name(const char *given, enum pb_evidence_type t, char out[128])
{
	char base[100];
	size_t n = 0;

	for (const char *s = given ? given : ""; *s && n < sizeof(base) - 1; s++) {
		unsigned char c = (unsigned char)*s;
		int ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
		    c == '-' || c == '_' || c == '.';
		base[n++] = ok ? (char)c : '_';
	}
	base[n] = '\0';
	char *dot = strrchr(base, '.');
	if (dot != NULL)
		*dot = '\0';
	while (base[0] == '.' || base[0] == '_')
		memmove(base, base + 1, strlen(base));
	snprintf(out, 128, "%s.%s", base[0] ? base : "evidence", pb_evidence_extension(t));
}

enum pb_err pb_spend_evidence_add(struct pb_db *db, const struct pb_actor *actor,
    const struct pb_scope *scope, const char *return_id, const char *file_name,
    const unsigned char *data, size_t len, struct pb_problem *p, char evidence_id[37],
    char **json)
{
	struct pb_mon_return r;
	enum pb_evidence_type t;
	const char *why = NULL;
	char name[128], sha[65], *before = NULL;

	*json = NULL;
	/* someone else's return is not there, whatever the file; the file is
	 * judged before the transaction, so no lock waits on a decoder */
	enum pb_err err = pb_mon_store_return_json(db, scope, return_id, &before);
	free(before);
	before = NULL;
	if (err)
		return err;
	err = pb_evidence_check(data, len, &t, &why);
	if (err != PB_OK)
		return pb_problem_field(p, "file", err == PB_ETOOLARGE ? "too_large" : "invalid",
		    "%s", why);
	err = pb_db_begin(db);
	if (err)
		return err;
	err = open_return(db, scope, return_id, NULL, NULL, &r, p);
	if (err == PB_OK && strcmp(r.status, "accepted") == 0)
		err = pb_problem_set(p, PB_ETRANSITION, NULL, "The return is accepted: its evidence "
		    "is closed.");
	if (err == PB_OK)
		err = pb_mon_store_return_json(db, &(struct pb_scope){ actor->la, NULL }, return_id, &before);
	if (err == PB_OK) {
		safe_name(file_name, t, name);
		pb_sha256_hex(data, len, sha);
		pb_uuid_new(evidence_id);
		err = pb_mon_store_evidence_insert(db, actor, evidence_id, return_id, name,
		    pb_evidence_media_type(t), data, len, sha);
		if (err == PB_ERULE)
			err = pb_problem_set(p, PB_ERULE, "PAY-20", "A return holds at most 10 evidence "
			    "files.");
	}
	if (err == PB_OK)
		err = record(db, actor, scope, return_id, "spend_return.evidence_added", before, json);
	free(before);
	return pb_db_finish_json(db, err, json);
}

enum pb_err pb_spend_evidence_get(struct pb_db *db, const struct pb_scope *scope,
    const char *return_id, const char *evidence_id, const char **media_type,
    char file_name[128], unsigned char **data, size_t *len)
{
	char stored[121] = "", media[32] = "";
	enum pb_err err = pb_mon_store_evidence_get(db, scope, return_id, evidence_id, media,
	    stored, data, len);

	*media_type = err == PB_OK ? pb_evidence_media_type(pb_evidence_type_of(media)) : NULL;
	if (err == PB_OK && *media_type == NULL) {
		free(*data);
		*data = NULL;
		err = PB_EINTERNAL;
	}
	if (err == PB_OK)
		snprintf(file_name, 128, "%s", stored);
	return err;
}

enum pb_err pb_spend_return_get(struct pb_db *db, const struct pb_scope *scope,
    const char *id, char **json)
{
	return pb_mon_store_return_json(db, scope, id, json);
}

enum pb_err pb_spend_return_list(struct pb_db *db, const struct pb_scope *scope,
    const char *budget_id, const char *element_id, const char *cursor, int limit,
    char **json)
{
	struct pb_mon_element e;
	enum pb_err err = pb_mon_store_element(db, scope, budget_id, element_id, &e);

	*json = NULL;
	return err ? err : pb_mon_store_return_list(db, scope, budget_id, element_id, cursor,
	    limit, json);
}

enum pb_err pb_spend_return_queue(struct pb_db *db, const char *la, const char *status,
    const char *cursor, int limit, char **json)
{
	return pb_mon_store_return_queue(db, la, status, cursor, limit, json);
}

enum pb_err pb_spend_returns_due(struct pb_db *db, const char *la, int32_t today,
    int32_t before, const char *cursor, int limit, char **json)
{
	int days = 28;
	enum pb_err err = pb_mon_store_return_days(db, la, &days);

	*json = NULL;
	return err ? err : pb_mon_store_returns_due(db, la, today, before, days, cursor, limit,
	    json);
}

/* --- audits of direct-payment accounts ------------------------------------------- */

enum pb_err pb_dp_audit_record(struct pb_db *db, const struct pb_actor *actor,
    const char *budget_id, const char *element_id, const struct pb_dp_audit_in *in,
    int32_t today, int threshold_weeks, struct pb_problem *p, char id[37], char **json)
{
	const struct pb_scope council = { actor->la, NULL };
	struct pb_mon_element e;
	char *audit = NULL, *position = NULL;

	*json = NULL;
	enum pb_err err = pb_db_begin(db);
	if (err)
		return err;
	err = pb_mon_store_element(db, &council, budget_id, element_id, &e);
	if (err == PB_OK && (strcmp(e.arrangement, "direct_payment") != 0 ||
	    strcmp(e.budget_status, "draft") == 0))
		err = pb_problem_set(p, PB_ERULE, "PAY-20", "Audits are of a direct payment's "
		    "account; this element is %s in a %s budget.", e.arrangement, e.budget_status);
	/* the same period rules as a spend return, without lines */
	struct pb_spend_return_in period = { in->period_start, in->period_end, 0, 0, NULL, 0 };
	if (err == PB_OK)
		err = pb_spend_return_check(&period, e.budget_start, e.budget_end, today, p);
	if (err == PB_OK) {
		pb_uuid_new(id);
		err = pb_mon_store_audit_insert(db, actor, id, budget_id, element_id, in);
	}
	if (err == PB_OK)
		err = pb_mon_store_audit_json(db, actor->la, id, &audit);
	if (err == PB_OK)
		err = pb_pay_surplus_report(db, &council, budget_id, element_id, threshold_weeks,
		    PB_SURPLUS_ALL, &position);
	if (err == PB_OK) {
		char *changes = pb_audit_before_after(NULL, audit);
		err = pb_audit_record(db, actor, "dp_audit.recorded", "budget_element", element_id,
		    changes, "dp_audit.recorded", audit);
		free(changes);
	}
	if (err == PB_OK) {
		size_t n = strlen(audit) + strlen(position) + 32;
		*json = malloc(n);
		if (*json == NULL)
			abort();
		snprintf(*json, n, "{\"audit\":%s,\"position\":%s}", audit, position);
	}
	free(audit);
	free(position);
	return pb_db_finish_json(db, err, json);
}

enum pb_err pb_dp_audit_list(struct pb_db *db, const char *la, const char *budget_id,
    const char *element_id, const char *cursor, int limit, char **json)
{
	const struct pb_scope council = { la, NULL };
	struct pb_mon_element e;
	enum pb_err err = pb_mon_store_element(db, &council, budget_id, element_id, &e);

	*json = NULL;
	return err ? err : pb_mon_store_audit_list(db, la, budget_id, element_id, cursor, limit,
	    json);
}
