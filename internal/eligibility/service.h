/* SPDX-License-Identifier: MIT */
/*
 * service.h — the eligibility service's transactions: load the facts, run
 * the pure rules (rules.h), store the result, write the audit row and
 * event; all in one transaction, committed or rolled back as a whole.
 *
 * Inputs are already shape-checked by api/ (enums, lengths, dates, element
 * count and uniqueness); the service checks what needs the database
 * (existence, ownership, state).  Ownership: scope->family_person_id set
 * means a family caller, who sees only children it is a contact of;
 * another la's or family's ids answer PB_ENOTFOUND.  Field-level refusals
 * and transition details go into the caller's struct pb_problem.  On PB_OK,
 * *json is the resource as JSON text (malloc'd, caller frees) and
 * *version its ETag counter where there is one; on error *json is NULL.
 * Thread-safety: as store.h (one struct pb_db per thread).
 */
#ifndef PB_ELIGIBILITY_SERVICE_H
#define PB_ELIGIBILITY_SERVICE_H

#include <stddef.h>
#include <stdint.h>

#include <cJSON.h>

#include "internal/core/problem.h"
#include "internal/core/scope.h"
#include "internal/eligibility/rules.h"

struct pb_db;

/* An la may change at most this many service types (GET /v1/offer is one
 * unpaged list). */
#define PB_ELIG_OFFER_MAX 200

/* One offer row: the la's own (local = 1) or an ELIG-7 default (local = 0,
 * version 0, no id, updated_* empty). */
struct pb_elig_offer_row {
	char service_type[PB_ELIG_SERVICE_TYPE_MAX + 1];
	enum pb_stream stream;
	int offered;
	int direct_payment_allowed;
	char label[101];            /* what a family reads for it; "" for none */
	int local;
	int version;
	char id[37];
	char updated_by[128];
	char updated_at[32];
};

/* A check or request as asked for.  elements[i].service_type points into
 * the caller's memory and need only live during the call. */
struct pb_elig_check_in {
	const char *child_id;
	const char *requester_person_id;
	int has_as_of;          /* 0: today */
	int32_t as_of;
	size_t nelements;       /* 1..PB_ELIG_MAX_ELEMENTS */
	struct pb_elig_element elements[PB_ELIG_MAX_ELEMENTS];
};

/* POST /v1/eligibility/checks.  Errors: PB_ENOTFOUND (child not visible),
 * PB_EINVAL (requester not a person of the la; as_of before the child's
 * birth — field in p), PB_EFORBIDDEN (a family asking as someone else). */
enum pb_err pb_elig_check_create(struct pb_db *db, const struct pb_scope *scope,
    const struct pb_actor *actor, const struct pb_elig_check_in *in,
    int32_t today, struct pb_problem *p, char id[37], char **json);

/* GET /v1/eligibility/checks/{id}.  Checks are immutable: *version is 0
 * (no ETag). */
enum pb_err pb_elig_check_get(struct pb_db *db, const struct pb_scope *scope,
    const char *id, char **json, int *version);

/* POST /v1/budget-requests: runs and stores a check as of today, then
 * stores the request in the status the outcome gives (eligible |
 * ineligible | panel_referral), with audit rows and the events
 * eligibility_check.created and budget_request.created.  notes may be
 * NULL.  Errors as pb_elig_check_create. */
enum pb_err pb_elig_request_create(struct pb_db *db, const struct pb_scope *scope,
    const struct pb_actor *actor, const struct pb_elig_check_in *in,
    const char *notes, int32_t today, struct pb_problem *p, char id[37],
    char **json, int *version);

/* GET /v1/budget-requests/{id}. */
enum pb_err pb_elig_request_get(struct pb_db *db, const struct pb_scope *scope,
    const char *id, char **json, int *version);

/* A lifecycle action on a request (decision, review, withdrawal; not
 * BUDGET_LINKED, see below).  The caller has checked the role; the
 * service checks ownership and the move (pb_elig_request_next: an illegal
 * one is PB_ETRANSITION with a detail in p).  if_match: -1 for none, else
 * a different current version is PB_EPRECONDITION.  reason may be NULL
 * only for a withdrawal.  Writes the audit row and the event
 * budget_request.decided | review_requested | withdrawn. */
enum pb_err pb_elig_request_act(struct pb_db *db, const struct pb_scope *scope,
    const struct pb_actor *actor, const char *id,
    enum pb_elig_request_action action, const char *reason, int if_match,
    struct pb_problem *p, char **json, int *version);

/* For the budgets service, INSIDE ITS OWN TRANSACTION (this function
 * neither begins nor commits): a budget for child_id is being created from
 * request_id.  Locks the request; PB_EINVAL (field "request_id" in p) when
 * it is not a request of that child in actor->la; PB_ERULE (rule ELIG-6,
 * detail in p) when its status cannot fund a budget
 * (pb_elig_request_fundable).  An eligible request moves to approved with
 * budget_id recorded, an audit row and the event budget_request.approved;
 * an approved or overturned one keeps its status and records budget_id
 * (audited as budget_request.budget_linked). */
enum pb_err pb_elig_request_link_budget(struct pb_db *db,
    const struct pb_actor *actor, const char *request_id, const char *child_id,
    const char *budget_id, struct pb_problem *p);

/* ---- facts for the services whose changes the eligibility rules bind ---- */

/* The offer for up to PB_ELIG_OFFER_FOR_MAX service types: the la's rows
 * merged with the ELIG-7 default; items[0..n) point into rows. */
#define PB_ELIG_OFFER_FOR_MAX 16
struct pb_elig_offer {
	size_t n;
	struct pb_elig_offer_row rows[PB_ELIG_OFFER_FOR_MAX + PB_ELIG_DEFAULT_OFFER_LEN];
	struct pb_elig_offer_item items[PB_ELIG_OFFER_FOR_MAX + PB_ELIG_DEFAULT_OFFER_LEN];
};
enum pb_err pb_elig_offer_for(struct pb_db *db, const char *la, const char *const *types,
    size_t n, struct pb_elig_offer *out);

/* A direct-payment recipient's facts now: the child's contact record of
 * person_id (is_contact = 0 when there is none) and date of birth, for
 * pb_elig_check_dp_recipient on day `on`.  PB_ENOTFOUND: no such child. */
enum pb_err pb_elig_dp_recipient_load(struct pb_db *db, const char *la,
    const char *child_id, const char *person_id, enum pb_stream stream, int32_t on,
    struct pb_elig_dp_recipient *out);

/* A budget request's status and the elements it asked for. */
struct pb_elig_request_facts {
	char child_id[37];
	enum pb_elig_request_status status;
	size_t nelements;
	struct {
		enum pb_stream stream;
		char service_type[PB_ELIG_SERVICE_TYPE_MAX + 1];
		int panel;      /* PB_ELIG_PANEL_NONE | _APPROVED | _DECLINED */
	} elements[PB_ELIG_MAX_ELEMENTS];
};
#define PB_ELIG_PANEL_NONE 0
#define PB_ELIG_PANEL_APPROVED 1
#define PB_ELIG_PANEL_DECLINED 2
/* The request when it is child_id's (else PB_EINVAL on field request_id). */
enum pb_err pb_elig_request_named(struct pb_db *db, const char *la, const char *request_id,
    const char *child_id, struct pb_elig_request_facts *out, struct pb_problem *p);
/* 1 when the request can fund a budget (pb_elig_request_fundable) and
 * names (stream, service_type) among its elements (ELIG-6).  Pure. */
int pb_elig_request_names(const struct pb_elig_request_facts *r, enum pb_stream stream,
    const char *service_type);
/* 1 when the panel declined (stream, service_type) in the request and no
 * review overturned it: a budget funding the request may not include it
 * (ELIG-6).  A named element the panel approved is fundable; a declined one
 * is not, even while the request as a whole is approved.  Pure. */
int pb_elig_request_declines(const struct pb_elig_request_facts *r, enum pb_stream stream,
    const char *service_type);

/* ---- the panel's queue and per-element decisions ---- */

/* GET /v1/budget-requests: one page of the la's requests, oldest first
 * (created_at, id), each with its case papers (the check's per-element
 * reasons, the child, the plan the check judged).  statuses: NULL, or a
 * comma-separated list of request statuses (the caller validated it);
 * child_id may be NULL; cursor is the id of the last item of the page
 * before (an id not in the la starts from the beginning).  A family scope
 * sees only its children's requests.  *json: {"items":[…],"next_cursor"}. */
enum pb_err pb_elig_request_list(struct pb_db *db, const struct pb_scope *scope,
    const char *statuses, const char *child_id, const char *cursor, int limit, char **json);

/* One element's decision by the panel.  Strings point into the caller's
 * memory (the request body); conditions may be NULL (approve only). */
struct pb_elig_element_decision {
	enum pb_stream stream;
	const char *service_type;
	int approve;
	const char *conditions;
};

/* POST /v1/budget-requests/{id}/decision with elements[]: decide a
 * referred request element by element.  Every requested element must be
 * decided exactly once (else PB_EINVAL naming elements or elements[i]).
 * The request becomes approved when at least one element is approved,
 * declined when all are; the rows are stored with the request's update,
 * the audit row (before/after) and the event budget_request.decided.
 * Errors as pb_elig_request_act (a request not in panel_referral is
 * PB_ETRANSITION). */
enum pb_err pb_elig_request_decide(struct pb_db *db, const struct pb_scope *scope,
    const struct pb_actor *actor, const char *id, const char *reason,
    const struct pb_elig_element_decision *d, size_t n, int if_match,
    struct pb_problem *p, char **json, int *version);

/* GET /v1/offer: {"items":[…],"next_cursor":null}, the ELIG-7 default
 * merged with the la's changes, ordered by service_type. */
enum pb_err pb_elig_offer_list(struct pb_db *db, const char *la, char **json);

/* PUT /v1/offer/{service_type}: set the la's row (service_type, stream,
 * offered, direct_payment_allowed from *in; the other fields ignored).
 * echo is the body as sent: any server-owned member it carries
 * (service_type, source, updated_by, updated_at, version) must equal the
 * item's current value (read_only field error otherwise), so a client can
 * send back what GET returned.
 * if_match as above (a default row's version is 0).  PB_ECONFLICT when
 * the la already has PB_ELIG_OFFER_MAX rows.  Audit offer.updated with
 * before/after, event offer.updated. */
enum pb_err pb_elig_offer_put(struct pb_db *db, const struct pb_actor *actor,
    const struct pb_elig_offer_row *in, const cJSON *echo, int if_match,
    struct pb_problem *p, char **json, int *version);

#endif
