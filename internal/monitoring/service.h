/* SPDX-License-Identifier: MIT */
/*
 * monitoring/service.h — the door of direct-payment monitoring (issue 17,
 * section 1; PAY-9, PAY-20; docs/monitoring.md): spend returns made by the
 * family (the direct payment's recipient) or a caseworker, their evidence
 * files, a caseworker's acceptance or query, and the queues of returns
 * waiting and owed.  Each write is one transaction: lock → checks →
 * store → audit row + event.  scope->family_person_id set: the family,
 * who reaches only the returns of direct payments it receives (others:
 * PB_ENOTFOUND) and sees no staff identities.  *json malloc'd; the caller
 * frees.  problem p gets the field or rule of a refusal.
 */
#ifndef PB_MONITORING_SERVICE_H
#define PB_MONITORING_SERVICE_H

#include <stddef.h>
#include <stdint.h>

#include "internal/core/err.h"
#include "internal/core/problem.h"
#include "internal/core/scope.h"
#include "internal/monitoring/rules.h"

struct pb_db;

/* POST /v1/budgets/{id}/elements/{element_id}/spend-returns.  PB_ERULE
 * PAY-20: the element is not a direct payment of an approved or suspended
 * budget; PB_EINVAL: pb_spend_return_check; PB_ECONFLICT: a return of the
 * element overlaps the period.  id written. */
enum pb_err pb_spend_return_submit(struct pb_db *db, const struct pb_actor *actor,
    const struct pb_scope *scope, const char *budget_id, const char *element_id,
    const struct pb_spend_return_in *in, int32_t today, struct pb_problem *p, char id[37],
    char **json);

/* POST /v1/spend-returns/{id}/resubmit: a queried return corrected (new
 * balances and lines, same period) and submitted again.  PB_ETRANSITION
 * unless queried. */
enum pb_err pb_spend_return_resubmit(struct pb_db *db, const struct pb_actor *actor,
    const struct pb_scope *scope, const char *id, const struct pb_spend_return_in *in,
    int32_t today, struct pb_problem *p, char **json);

/* POST /v1/spend-returns/{id}/query (caseworker): submitted → queried with
 * the message.  PB_ETRANSITION otherwise. */
enum pb_err pb_spend_return_query(struct pb_db *db, const struct pb_actor *actor,
    const char *id, const char *message, struct pb_problem *p, char **json);

/* POST /v1/spend-returns/{id}/accept (caseworker): submitted → accepted;
 * each line judged agreed provision or not (PAY-9: spend outside it is
 * flagged, never counted as evidenced).  PB_ERULE PAY-20: spend with no
 * evidence file; PB_ETRANSITION unless submitted. */
enum pb_err pb_spend_return_accept(struct pb_db *db, const struct pb_actor *actor,
    const char *id, struct pb_problem *p, char **json);

/* POST /v1/spend-returns/{id}/evidence: the file proved by content
 * (evidence.h) and stored with its SHA-256 (evidence id written); *json
 * the return after.  PB_EINVAL (field "file") for a file that is not a
 * whole PDF, JPEG or PNG; PB_ETRANSITION once accepted; PB_ERULE PAY-20
 * for an eleventh file. */
enum pb_err pb_spend_evidence_add(struct pb_db *db, const struct pb_actor *actor,
    const struct pb_scope *scope, const char *return_id, const char *file_name,
    const unsigned char *data, size_t len, struct pb_problem *p, char evidence_id[37],
    char **json);

/* GET /v1/spend-returns/{id}/evidence/{evidence_id}: the bytes (*data
 * malloc'd), their proved media type (static) and the name to serve them under
 * (the uploaded name's safe characters, with the type's extension). */
enum pb_err pb_spend_evidence_get(struct pb_db *db, const struct pb_scope *scope,
    const char *return_id, const char *evidence_id, const char **media_type,
    char file_name[128], unsigned char **data, size_t *len);

/* GET /v1/spend-returns/{id}. */
enum pb_err pb_spend_return_get(struct pb_db *db, const struct pb_scope *scope,
    const char *id, char **json);

/* GET /v1/budgets/{id}/elements/{element_id}/spend-returns. */
enum pb_err pb_spend_return_list(struct pb_db *db, const struct pb_scope *scope,
    const char *budget_id, const char *element_id, const char *cursor, int limit,
    char **json);

/* GET /v1/spend-returns?status= (staff): oldest submission first. */
enum pb_err pb_spend_return_queue(struct pb_db *db, const char *la, const char *status,
    const char *cursor, int limit, char **json);

/* GET /v1/spend-returns/due?before= (staff): returns owed (PAY-20, the
 * council's spend_return_days after each quarter in which money was
 * paid). */
enum pb_err pb_spend_returns_due(struct pb_db *db, const char *la, int32_t today,
    int32_t before, const char *cursor, int limit, char **json);

/* POST /v1/budgets/{id}/elements/{element_id}/audits (caseworker,
 * finance): an audit of the direct payment's account for a period that has
 * ended, within the budget's (PB_EINVAL naming the field otherwise;
 * PB_ERULE PAY-20 when not a direct payment of an approved, suspended or
 * closed budget).  id written; *json {"audit": …, "position": the
 * element's PAY-19 position after it (pb_pay_surplus_report), which
 * proposes a recovery when over the threshold}. */
enum pb_err pb_dp_audit_record(struct pb_db *db, const struct pb_actor *actor,
    const char *budget_id, const char *element_id, const struct pb_dp_audit_in *in,
    int32_t today, int threshold_weeks, struct pb_problem *p, char id[37], char **json);

/* GET /v1/budgets/{id}/elements/{element_id}/audits (staff). */
enum pb_err pb_dp_audit_list(struct pb_db *db, const char *la, const char *budget_id,
    const char *element_id, const char *cursor, int limit, char **json);

#endif
