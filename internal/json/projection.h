/* SPDX-License-Identifier: MIT */
/*
 * projection.h — the family projection: what a family token may see of any
 * JSON answer (issue 18; docs/budgets.md "What a family sees").
 *
 * A family is shown its own children's records, but never
 *   - a staff identity: a string member whose name ends in "_by" (created_by,
 *     approved_by, cancelled_by, decided_by, changed_by, requested_by …),
 *     "sub", "actor", "actor_sub";
 *   - bank or failure details: "bank", "bank_*", "sort_code",
 *     "account_number", "account_name", "roll_number", and a payment's
 *     "failure_reason" (the finance system's words about a payee's
 *     account; the status says a payment failed);
 *   - internal notes and reasons: "note" and "internal_notes" (staff's
 *     working notes, e.g. a surplus input's), "cancel_reason" (why staff
 *     cancelled a payment), "write_off_reason", a schedule's
 *     "stop_reason", and the finance codes "cost_centre",
 *     "subjective_code", "run_id".
 * What is written to or by the family stays: a budget request's "notes"
 * (the requester's own words), a decision's "reason" and
 * "decision_reason" (the law wants reasons given), a variation's "reason"
 * (its written notice, BUD-8), an element's "stopped_reason" (PAY-16/17
 * notice), a debt's "reason", an agreement review's "notes" (the record
 * of a review held with the family), a spend return's "query_message".
 *
 * Such members keep their place with the value null, so a family's answer
 * has the same shape (and openapi.yaml schema) as staff's.  Pure; no I/O.
 */
#ifndef PB_JSON_PROJECTION_H
#define PB_JSON_PROJECTION_H

#include <cJSON.h>
#include <stddef.h>

/* 1 when a member named key (whose value is a string when is_string) is
 * never shown to a family, else 0.  "_by" names an identity only with a
 * string value: the family view's held_by {kind, name} object is not one. */
int pb_json_family_hidden(const char *key, int is_string);

/* Set every hidden member of doc, at every depth, to null; the number of
 * members changed (0: doc was already a family projection).  doc may be
 * NULL. */
size_t pb_json_family_project(cJSON *doc);

/* The family projection of JSON text text[0..len): *out the malloc'd
 * projected text (caller frees), or NULL when nothing had to change or the
 * text is not JSON (then text is the answer as it is).  Numbers are
 * re-printed by cJSON: exact for integers below 2^53 (pence are at most
 * 10^11). */
void pb_json_family_project_text(const char *text, size_t len, char **out);

#endif
