/* SPDX-License-Identifier: MIT */
/*
 * monitoring/store.h — the SQL of spend returns and their evidence
 * (migration 025).  Every read and write names the council (la); a family
 * scope (scope->family_person_id set) reaches only the returns of direct
 * payments it receives.  Documents (*json) are malloc'd; the caller frees.
 */
#ifndef PB_MONITORING_STORE_H
#define PB_MONITORING_STORE_H

#include <stddef.h>
#include <stdint.h>

#include "internal/core/err.h"
#include "internal/core/scope.h"
#include "internal/monitoring/rules.h"

struct pb_db;

/* A direct-payment element a return is made for, with its budget. */
struct pb_mon_element {
	char service_type[65];
	char arrangement[16];
	char budget_status[16];
	int32_t budget_start, budget_end;
};

/* The element of budget_id in scope (family: theirs to receive).
 * PB_ENOTFOUND otherwise. */
enum pb_err pb_mon_store_element(struct pb_db *db, const struct pb_scope *scope,
    const char *budget_id, const char *element_id, struct pb_mon_element *out);

/* A return, locked FOR UPDATE, with its element's facts. */
struct pb_mon_return {
	char budget_id[37], element_id[37];
	char status[12];
	char service_type[65];
	int32_t period_start, period_end;
	int64_t spent_pence;
	int evidence_count;
	int version;
};

/* Lock return id in scope.  PB_ENOTFOUND when it is not there. */
enum pb_err pb_mon_store_return_lock(struct pb_db *db, const struct pb_scope *scope,
    const char *id, struct pb_mon_return *out);

/* Insert return id for element_id of budget_id with its lines, submitted
 * by actor.  PB_ECONFLICT: a return of the element overlaps the period. */
enum pb_err pb_mon_store_return_insert(struct pb_db *db, const struct pb_actor *actor,
    const char *id, const char *budget_id, const char *element_id,
    const struct pb_spend_return_in *in);

/* Replace a queried return's balances and lines and submit it again. */
enum pb_err pb_mon_store_return_resubmit(struct pb_db *db, const struct pb_actor *actor,
    const char *id, const struct pb_spend_return_in *in);

/* Mark it queried with message. */
enum pb_err pb_mon_store_return_query(struct pb_db *db, const struct pb_actor *actor,
    const char *id, const char *message);

/* PAY-9: each line agreed or not (category = service_type), then the
 * return accepted with its evidenced and not-agreed totals. */
enum pb_err pb_mon_store_return_accept(struct pb_db *db, const struct pb_actor *actor,
    const char *id, const char *service_type);

/* The return's document in scope (a family's: without staff
 * identities).  PB_ENOTFOUND when it is not there. */
enum pb_err pb_mon_store_return_json(struct pb_db *db, const struct pb_scope *scope,
    const char *id, char **json);

/* Store an evidence file (id written) of return_id: its bytes, proved
 * type, name and hex SHA-256.  PB_ERULE "PAY-20" when the return holds 10
 * already (the database's count). */
enum pb_err pb_mon_store_evidence_insert(struct pb_db *db, const struct pb_actor *actor,
    const char *id, const char *return_id, const char *file_name, const char *media_type,
    const unsigned char *data, size_t len, const char *sha256);

/* One evidence file of return_id in scope: *data (malloc'd, *len bytes),
 * its media type and name.  PB_ENOTFOUND otherwise. */
enum pb_err pb_mon_store_evidence_get(struct pb_db *db, const struct pb_scope *scope,
    const char *return_id, const char *evidence_id, char media_type[32],
    char file_name[121], unsigned char **data, size_t *len);

/* The element's returns, newest period first, after return `cursor`. */
enum pb_err pb_mon_store_return_list(struct pb_db *db, const struct pb_scope *scope,
    const char *budget_id, const char *element_id, const char *cursor, int limit,
    char **json);

/* The council's returns in status (NULL: any), oldest submission first. */
enum pb_err pb_mon_store_return_queue(struct pb_db *db, const char *la, const char *status,
    const char *cursor, int limit, char **json);

/* PAY-20: the live direct payments owing a return — each calendar quarter
 * in which money was paid to them and that no return's period overlaps,
 * due `days` after the quarter ends — due on or before `before`, by due
 * date then element; overdue when due before today. */
enum pb_err pb_mon_store_returns_due(struct pb_db *db, const char *la, int32_t today,
    int32_t before, int days, const char *cursor, int limit, char **json);

/* --- audits of direct-payment accounts (migration 027) --- */

/* Insert audit id of element_id of budget_id, by actor. */
enum pb_err pb_mon_store_audit_insert(struct pb_db *db, const struct pb_actor *actor,
    const char *id, const char *budget_id, const char *element_id,
    const struct pb_dp_audit_in *in);

/* The audit's document. */
enum pb_err pb_mon_store_audit_json(struct pb_db *db, const char *la, const char *id,
    char **json);

/* The element's audits, newest period first, after audit `cursor`. */
enum pb_err pb_mon_store_audit_list(struct pb_db *db, const char *la, const char *budget_id,
    const char *element_id, const char *cursor, int limit, char **json);

/* The council's evidence window (council_settings.spend_return_days). */
enum pb_err pb_mon_store_return_days(struct pb_db *db, const char *la, int *days);

#endif
