/* SPDX-License-Identifier: MIT */
/*
 * rules.h — pure eligibility rules for personal-budget requests.
 *
 * Given what the service loaded (child's date of birth, EHC plan status
 * history, the requester's standing, the requested elements and the local
 * offer) pb_elig_evaluate() decides, per element, eligible | ineligible |
 * panel_referral with reasons that cite rule ids from docs/domain.md, and
 * an overall outcome.  Also here: the default offer (ELIG-7), the rule
 * catalogue served by GET /v1/rules, and string <-> enum helpers.
 *
 * Must not: include cJSON, libpq, libevent; read the clock; allocate; do
 * I/O.  Everything is on the caller's stack or static and const, so every
 * function is thread-safe.  All strings handed back (reason codes, rule
 * ids, messages, names) are static: never free them, they never change.
 * See internal/eligibility/README.md for the rule-by-rule decisions.
 */
#ifndef PB_ELIGIBILITY_RULES_H
#define PB_ELIGIBILITY_RULES_H

#include <stddef.h>
#include <stdint.h>

#include "internal/core/element.h"
#include "internal/core/err.h"
#include "internal/records/rules.h"

#define PB_ELIG_MAX_ELEMENTS 8      /* elements in one request           */
#define PB_ELIG_MAX_REASONS 8       /* reasons on one element (see .c)    */
#define PB_ELIG_MAX_PLAN_HISTORY 32 /* status changes of one EHC plan    */
#define PB_ELIG_SERVICE_TYPE_MAX 64 /* bytes in a service_type, no NUL    */
#define PB_ELIG_DEFAULT_OFFER_LEN 3

/* Requested elements use the shared vocabulary of core/element.h; an
 * element is never PB_ARR_MIXED (BUD-2: budget level only) and
 * pb_elig_evaluate() refuses it. */

/* The requester's relationship to the child is a records relationship
 * (records/rules.h), or this when the requester is not a contact. */
#define PB_ELIG_REL_NONE ((enum pb_relationship)0)

/* The EHC plan status in force (records/rules.h), or this when the child
 * has no plan at that date (never in a history entry; reported "none"). */
#define PB_ELIG_PLAN_NONE ((enum pb_plan_status)0)

enum pb_elig_outcome {
	PB_ELIG_ELIGIBLE = 1,
	PB_ELIG_INELIGIBLE,
	PB_ELIG_PANEL_REFERRAL
};

enum pb_elig_rule_kind {
	PB_ELIG_KIND_LAW = 1,
	PB_ELIG_KIND_GUIDANCE,
	PB_ELIG_KIND_LOCAL
};

/* One status change of the child's EHC plan, in force from effective_from
 * (a pb_date day number) until the next change. */
struct pb_elig_plan_event {
	enum pb_plan_status status;
	int32_t effective_from;
};

/* Who is asking.  The request check treats the requester as the would-be
 * direct-payment recipient for PAY-1/2/4/12 (the API has no other person
 * in a check).  Flags are 0/1. */
struct pb_elig_requester {
	enum pb_relationship relationship;
	int has_parental_responsibility; /* PR for the child (any relationship) */
	int named_in_writing;   /* nominated in writing by the parent or, after
	                         * CSA, the young person (PBR reg 5(1)(c)) */
	int excluded;           /* PAY-4: subject to an order in the PBR Schedule */
	int has_capacity;       /* can make this decision and consent (ELIG-3,
	                         * PAY-2); presumed, MCA 2005 s1(2) */
	int able_to_manage;     /* PAY-2: can manage a DP, alone or helped */
	int consent_withdrawn;  /* PAY-3: consent to DPs withdrawn in writing */
};

/* One requested element.  service_type is caller-owned, NUL-terminated,
 * 1..PB_ELIG_SERVICE_TYPE_MAX bytes, and need only live during the call. */
struct pb_elig_element {
	enum pb_stream stream;
	const char *service_type;
	enum pb_arrangement arrangement;
};

/* One row of the local offer (GET /v1/offer).  Flags are 0/1. */
struct pb_elig_offer_item {
	const char *service_type;
	enum pb_stream stream;
	int offered;
	int direct_payment_allowed;
};

struct pb_elig_input {
	int32_t as_of;          /* the date the check is made for            */
	int32_t date_of_birth;  /* the child's; must not be after as_of      */
	size_t nplan_history;   /* 0 = the child has no EHC plan at all       */
	struct pb_elig_plan_event plan_history[PB_ELIG_MAX_PLAN_HISTORY];
	int plan_continued_past_25; /* ELIG-11: LA decided to keep the plan to
	                             * the end of the academic year in which
	                             * the young person turns 25 */
	struct pb_elig_requester requester;
	size_t nelements;       /* 1..PB_ELIG_MAX_ELEMENTS */
	struct pb_elig_element elements[PB_ELIG_MAX_ELEMENTS];
	/* The offer catalogue, caller-owned, read during the call only.  The
	 * caller may pass just the rows whose service_type was requested.  On
	 * duplicate service_types the first row with the matching stream wins. */
	const struct pb_elig_offer_item *offer;
	size_t noffer;
};

/* A reason: code UPPER_SNAKE ("NO_EHC_PLAN"), rule id ("ELIG-1") and a
 * plain-English sentence for a parent.  All three are static strings. */
struct pb_elig_reason {
	const char *code;
	const char *rule;
	const char *message;
};

struct pb_elig_element_result {
	enum pb_elig_outcome outcome;
	size_t nreasons;        /* always >= 1 after a successful evaluate */
	struct pb_elig_reason reasons[PB_ELIG_MAX_REASONS];
};

struct pb_elig_result {
	enum pb_elig_outcome outcome;   /* overall */
	size_t nelements;               /* == input nelements */
	struct pb_elig_element_result elements[PB_ELIG_MAX_ELEMENTS];
	/* Facts the decision used, for the service, logs and budgets: */
	enum pb_plan_status plan_status; /* in force at as_of */
	int age;                        /* whole years at as_of */
	int32_t end_of_csa;             /* last day of compulsory school age */
	int is_young_person;            /* as_of > end_of_csa (ELIG-3) */
	int32_t last_eligible_day;      /* ELIG-11: last day any PB is possible */
	/* Set only when pb_elig_evaluate() returns PB_EINVAL: the offending
	 * input field ("as_of", "elements", "elements.service_type", …) and a
	 * sentence; static strings. */
	const char *invalid_field;
	const char *invalid_message;
};

/* Zero *in and set the defaults a service should start from: requester
 * relationship NONE, has_capacity = 1 (presumed, MCA 2005 s1(2)) and
 * able_to_manage = 1 (no contrary information recorded), excluded = 0,
 * offer = the default offer (ELIG-7).  Never fails. */
void pb_elig_input_init(struct pb_elig_input *in);

/* Decide every element of *in and the overall outcome into *out (fully
 * overwritten).  Overall: ineligible when every element is ineligible,
 * else panel_referral when any element is, else eligible.  Every element
 * gets at least one reason; an ineligible element lists only its
 * ineligibility reasons, a referred one only its referral reasons.
 * Returns PB_OK, or PB_EINVAL for input the API should have refused
 * (counts out of range, enum out of range, element arrangement MIXED,
 * service_type empty or too long, date_of_birth after as_of, history
 * status NONE) with out->invalid_field/invalid_message set.  Pure. */
enum pb_err pb_elig_evaluate(const struct pb_elig_input *in,
    struct pb_elig_result *out);

/* The plan status in force on `day`: the status of the history entry with
 * the latest effective_from <= day (on a tie, the later array entry);
 * PB_ELIG_PLAN_NONE when there is none.  Pure. */
enum pb_plan_status pb_elig_plan_status_at(
    const struct pb_elig_plan_event *history, size_t n, int32_t day);

/* The offer row for (service_type, stream): an exact match first, else
 * the first row with that service_type under another stream (so callers
 * can tell "offered elsewhere" from "not offered"); NULL if none.  Returns
 * a pointer into `offer`. */
const struct pb_elig_offer_item *pb_elig_offer_find(
    const struct pb_elig_offer_item *offer, size_t n,
    const char *service_type, enum pb_stream stream);

/* 1 if service_type buys a school, college or institution place (ELIG-9):
 * one of pb_elig_place_service_types or ending in "_placement". */
int pb_elig_is_place_service(const char *service_type);

/* ELIG-9's named service types, NULL-terminated. */
extern const char *const pb_elig_place_service_types[];

/* ELIG-7: transport/education, short_breaks/social_care,
 * continuing_care/health — all offered, direct payments allowed.  Used to
 * seed every LA's catalogue. */
extern const struct pb_elig_offer_item
    pb_elig_default_offer[PB_ELIG_DEFAULT_OFFER_LEN];

/* ---- the rules that bind budgets and payments ----------------------------
 * The same functions pb_elig_evaluate() asks, so the advisory check and
 * every budget and payment decide alike (docs/rules.md). */

/* ELIG-6: how the offer treats an element: NULL when it is offered under
 * that stream (and, for a direct payment, as a direct payment), else the
 * reason it goes to the SEN panel (NOT_IN_OFFER,
 * OFFERED_UNDER_OTHER_ELEMENT, NOT_CURRENTLY_OFFERED,
 * DIRECT_PAYMENT_NOT_OFFERED).  Static. */
const struct pb_elig_reason *pb_elig_offer_verdict(const struct pb_elig_offer_item *offer,
    size_t n, const char *service_type, enum pb_stream stream,
    enum pb_arrangement arrangement);

/* One element of a budget, with the facts as they are at the change. */
struct pb_elig_budget_element {
	enum pb_stream stream;
	const char *service_type;
	enum pb_arrangement arrangement;
	int has_plan;                       /* the budget names an EHC plan */
	enum pb_plan_status plan_status;    /* its status now */
	const struct pb_elig_offer_item *offer; /* the council's offer now */
	size_t noffer;
	int request_names_it;               /* a panel-approved (or eligible,
	                                     * overturned) request of the budget
	                                     * names this stream and service type */
	int request_declines_it;            /* the panel declined this element of
	                                     * the budget's request (and no review
	                                     * overturned it) */
};

/* ELIG-9 (never a school, college or institution place), ELIG-1/ELIG-10
 * (an education element needs a plan maintained or being prepared; social
 * care and health need none) and ELIG-6 (an element the panel declined is
 * never funded from that request; outside the offer only with a
 * panel-approved request naming it), in that order, for element `index`.
 * PB_ERULE with the rule id. */
enum pb_err pb_elig_check_budget_element(const struct pb_elig_budget_element *e,
    size_t index, struct pb_problem *p);

/* A direct-payment recipient (or would-be recipient): their standing as a
 * contact of the child, the element's stream, and the day judged. */
struct pb_elig_dp_recipient {
	int is_contact;                     /* 0: not a contact of the child */
	struct pb_elig_requester who;       /* their facts (relationship, PR, ...) */
	enum pb_stream stream;
	int32_t child_dob, on;              /* the child's birth; the day judged */
};

/* The direct-payment rules a recipient fails, one bit each. */
#define PB_ELIG_DP_PAY1  0x01u          /* not a parent, YP or written nominee */
#define PB_ELIG_DP_PAY12 0x02u          /* social care under 18 without PR */
#define PB_ELIG_DP_PAY2  0x04u          /* cannot manage, or lacks capacity */
#define PB_ELIG_DP_PAY4  0x08u          /* excluded (PBR Schedule) */
#define PB_ELIG_DP_PAY3  0x10u          /* consent withdrawn */
unsigned pb_elig_dp_failures(const struct pb_elig_dp_recipient *r);

/* The binding form: PB_OK, or PB_ERULE with the first rule failed, in the
 * order PAY-3, PAY-4, PAY-2, PAY-1, PAY-12. */
enum pb_err pb_elig_check_dp_recipient(const struct pb_elig_dp_recipient *r,
    struct pb_problem *p);

/* ---- rule catalogue (GET /v1/rules) ------------------------------------ */

struct pb_elig_rule {
	const char *id;         /* "ELIG-1" … "REP-1" */
	const char *statement;  /* plain English */
	const char *source;     /* citation, as in domain.md */
	enum pb_elig_rule_kind kind; /* the primary kind where domain.md has two */
	int unconfirmed;        /* 1 if domain.md marks part of it unconfirmed */
};

/* Every rule of docs/domain.md in document order (ELIG, BUD, PAY, PLAN,
 * REP); includes every id pb_elig_evaluate() can emit. */
extern const struct pb_elig_rule pb_elig_rule_catalogue[];
extern const size_t pb_elig_rule_catalogue_len;

/* Look a rule up by exact id ("PAY-4"); NULL if unknown or id is NULL. */
const struct pb_elig_rule *pb_elig_rule_find(const char *id);

/* ---- names ---------------------------------------------------------------
 * *_str() return the API spelling ("panel_referral", "guidance", …) or
 * NULL for a value outside the enum; *_parse() match exactly len bytes of
 * s (PB_EINVAL, *out untouched, otherwise).  Streams, arrangements,
 * relationships and plan statuses are core/element.h's and
 * records/rules.h's; the two "none" values print through these: */
const char *pb_elig_outcome_str(enum pb_elig_outcome v);
enum pb_err pb_elig_outcome_parse(const char *s, size_t len, enum pb_elig_outcome *out);
const char *pb_elig_rule_kind_str(enum pb_elig_rule_kind v);
enum pb_err pb_elig_rule_kind_parse(const char *s, size_t len, enum pb_elig_rule_kind *out);
/* "none" for PB_ELIG_REL_NONE / PB_ELIG_PLAN_NONE, else the spelling. */
const char *pb_elig_relationship_name(enum pb_relationship v);
const char *pb_elig_plan_status_name(enum pb_plan_status v);

/* ---- budget request lifecycle (domain.md §4) ------------------------------
 * submitted → eligible | ineligible | panel_referral (from the check);
 * eligible → approved when a budget references it (BUDGET_LINKED);
 * panel_referral → approved | declined (panel); declined → review_requested
 * (once, on request); review_requested → upheld | overturned (panel);
 * eligible | panel_referral → withdrawn.  SUBMITTED is transient: it never
 * leaves the creating transaction.  Every other status not named as a
 * source above is terminal. */
enum pb_elig_request_status {
	PB_ELIG_REQ_SUBMITTED = 1,
	PB_ELIG_REQ_ELIGIBLE,
	PB_ELIG_REQ_INELIGIBLE,
	PB_ELIG_REQ_PANEL_REFERRAL,
	PB_ELIG_REQ_APPROVED,
	PB_ELIG_REQ_DECLINED,
	PB_ELIG_REQ_REVIEW_REQUESTED,
	PB_ELIG_REQ_UPHELD,
	PB_ELIG_REQ_OVERTURNED,
	PB_ELIG_REQ_WITHDRAWN
};

enum pb_elig_request_action {
	PB_ELIG_ACT_APPROVE = 1,     /* panel decision on a referral       */
	PB_ELIG_ACT_DECLINE,         /* panel decision on a referral       */
	PB_ELIG_ACT_REQUEST_REVIEW,  /* requester side, after a decline    */
	PB_ELIG_ACT_UPHOLD,          /* panel decision on a review         */
	PB_ELIG_ACT_OVERTURN,        /* panel decision on a review         */
	PB_ELIG_ACT_WITHDRAW,        /* requester side, before a decision  */
	PB_ELIG_ACT_BUDGET_LINKED    /* a budget now funds the request     */
};

/* The whole-request action a set of per-element panel decisions comes to:
 * APPROVE when at least one of approve[0..n) is set (partly approved),
 * DECLINE when none is (n == 0 counts as none).  Pure. */
enum pb_elig_request_action pb_elig_panel_action(const int *approve, size_t n);

/* The status a submitted request takes from its check's overall outcome
 * (eligible → eligible, ineligible → ineligible, panel_referral →
 * panel_referral).  Pure. */
enum pb_elig_request_status pb_elig_request_initial(enum pb_elig_outcome o);

/* The status after `action` from `from`: PB_OK with *to set, or
 * PB_ETRANSITION (*to untouched) for an illegal move, including any value
 * outside the enums.  Pure. */
enum pb_err pb_elig_request_next(enum pb_elig_request_status from,
    enum pb_elig_request_action action, enum pb_elig_request_status *to);

/* 1 when a budget may be created for a request in this status: eligible
 * (which BUDGET_LINKED then moves to approved), approved or overturned.
 * Pure. */
int pb_elig_request_fundable(enum pb_elig_request_status s);

/* API spellings: "eligible", "review_requested", … / "approve",
 * "request_review", "budget_linked", …; NULL outside the enum.
 * pb_elig_request_status_parse() accepts every status spelling
 * (including "submitted"); PB_EINVAL leaves *out untouched. */
const char *pb_elig_request_status_str(enum pb_elig_request_status v);
enum pb_err pb_elig_request_status_parse(const char *s, size_t len,
    enum pb_elig_request_status *out);
const char *pb_elig_request_action_str(enum pb_elig_request_action v);
enum pb_err pb_elig_request_action_parse(const char *s, size_t len,
    enum pb_elig_request_action *out);

#endif
