/* SPDX-License-Identifier: MIT */
/*
 * rules.c — pure eligibility decisions for personal-budget requests.
 *
 * Decides each requested element against ELIG-1/2/3/6/9/10/11 and, for a
 * direct payment, PAY-1/2/4/12 and the offer's direct_payment_allowed
 * flag.  Reasons are collected in two lists, "refuse" (ineligible) and
 * "refer" (panel), and the element keeps the list that decides it; an
 * eligible element instead gets the positive reasons that made it so.
 *
 * Must not: include anything outside <stdint.h>, <stddef.h>, <string.h>
 * and internal/core/; allocate; read the clock; do I/O.  Every string
 * this file hands out is static.  README.md explains the choices made
 * where domain.md leaves room.
 */
#include "internal/eligibility/rules.h"

#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "internal/core/date.h"
#include "internal/core/names.h"

/* ---- reasons -------------------------------------------------------------
 * One static table so codes, rules and wording are reviewed in one place. */

#define ALTERNATIVE " A third-party or notional (council-arranged) budget is still possible."

/* ELIG-11 */
static const struct pb_elig_reason R_AGE_LIMIT = { "AGE_LIMIT_REACHED", "ELIG-11",
    "An EHC plan ends at the young person's 25th birthday, so a personal budget can no longer be agreed." };
static const struct pb_elig_reason R_EXTENSION_ENDED = { "PLAN_EXTENSION_ENDED", "ELIG-11",
    "The plan was kept going only to the end of the academic year in which the young person turned 25, and that has passed." };
/* ELIG-3 */
static const struct pb_elig_reason R_NOT_ENTITLED = { "REQUESTER_NOT_ENTITLED", "ELIG-3",
    "Only a parent, or the young person once they are over compulsory school age, can ask for a personal budget." };
static const struct pb_elig_reason R_PARENT_MUST = { "PARENT_MUST_REQUEST", "ELIG-3",
    "Until the child reaches the end of compulsory school age (the last Friday in June of the school year they turn 16), a parent must make the request." };
static const struct pb_elig_reason R_YP_MUST = { "YOUNG_PERSON_MUST_REQUEST", "ELIG-3",
    "The child is now over compulsory school age, so the request must come from the young person, someone they have nominated in writing, or their representative." };
static const struct pb_elig_reason R_REPRESENTATIVE = { "REPRESENTATIVE_NEEDED", "ELIG-3",
    "The young person is not able to make this decision, so their representative needs to make the request." };
static const struct pb_elig_reason R_NOT_IN_WRITING = { "NOMINATION_NOT_IN_WRITING", "ELIG-3",
    "A nominated person can act only when the parent or young person has nominated them in writing." };
/* ELIG-1 / ELIG-2 / ELIG-10 */
static const struct pb_elig_reason R_NO_PLAN = { "NO_EHC_PLAN", "ELIG-1",
    "An education personal budget needs an EHC plan, or a plan the council has agreed to prepare, and there is none." };
static const struct pb_elig_reason R_PLAN_CEASED = { "EHC_PLAN_CEASED", "ELIG-1",
    "The EHC plan has ended, so an education personal budget is no longer available." };
static const struct pb_elig_reason R_OUTSIDE_WINDOW = { "OUTSIDE_REQUEST_WINDOW", "ELIG-2",
    "An education personal budget can be asked for while the plan is being prepared or during a review or re-assessment. The plan is not being reviewed now; you can ask at the next review." };
static const struct pb_elig_reason R_WINDOW_PREPARING = { "REQUEST_WINDOW_OPEN", "ELIG-2",
    "The council is preparing the EHC plan, so an education personal budget can be requested now." };
static const struct pb_elig_reason R_WINDOW_REVIEW = { "REQUEST_WINDOW_OPEN", "ELIG-2",
    "The EHC plan is being reviewed or re-assessed, so an education personal budget can be requested now." };
static const struct pb_elig_reason R_NO_PLAN_NEEDED = { "NO_PLAN_NEEDED", "ELIG-10",
    "A social care or health personal budget does not need an EHC plan." };
/* ELIG-9 */
static const struct pb_elig_reason R_PLACE = { "INSTITUTION_PLACE", "ELIG-9",
    "A personal budget cannot be used to pay for a place at a school, college or other institution." };
/* ELIG-6 */
static const struct pb_elig_reason R_IN_OFFER = { "IN_OFFER", "ELIG-6",
    "This service is part of the council's personal budget offer." };
static const struct pb_elig_reason R_NOT_IN_OFFER = { "NOT_IN_OFFER", "ELIG-6",
    "This service is not in the council's personal budget offer, so the SEN panel will look at the request case by case." };
static const struct pb_elig_reason R_NOT_OFFERED = { "NOT_CURRENTLY_OFFERED", "ELIG-6",
    "The council does not currently offer this service as a personal budget, so the SEN panel will look at the request case by case." };
static const struct pb_elig_reason R_OTHER_STREAM = { "OFFERED_UNDER_OTHER_ELEMENT", "ELIG-6",
    "The council offers this service under a different element (education, social care or health), so the SEN panel will look at the request case by case." };
static const struct pb_elig_reason R_DP_NOT_OFFERED = { "DIRECT_PAYMENT_NOT_OFFERED", "ELIG-6",
    "The council does not normally make direct payments for this service, so the SEN panel will decide. A third-party or notional budget would follow the normal route." };
/* Direct payments */
static const struct pb_elig_reason R_DP_OK = { "DIRECT_PAYMENT_POSSIBLE", "PAY-1",
    "The person asking can receive direct payments, subject to the council's checks and a signed agreement." };
static const struct pb_elig_reason R_DP_RECIPIENT = { "DIRECT_PAYMENT_RECIPIENT_NOT_ALLOWED", "PAY-1",
    "Direct payments can only be paid to a parent, the young person, or someone nominated in writing to receive them." ALTERNATIVE };
static const struct pb_elig_reason R_DP_NO_PR = { "DIRECT_PAYMENT_NEEDS_PARENTAL_RESPONSIBILITY", "PAY-12",
    "A social care direct payment for a child can only be paid to someone with parental responsibility." ALTERNATIVE };
static const struct pb_elig_reason R_DP_MANAGE = { "UNABLE_TO_MANAGE_DIRECT_PAYMENT", "PAY-2",
    "Direct payments need someone who can manage them (alone or with help) and can agree to them." ALTERNATIVE };
static const struct pb_elig_reason R_DP_NO_CONSENT = { "DIRECT_PAYMENT_CONSENT_WITHDRAWN", "PAY-3",
    "Consent to direct payments has been withdrawn, so they cannot be made." ALTERNATIVE };
static const struct pb_elig_reason R_DP_EXCLUDED = { "EXCLUDED_FROM_DIRECT_PAYMENTS", "PAY-4",
    "The law does not allow direct payments to this person because of a court order or treatment requirement." ALTERNATIVE };

/* ---- ELIG-9 and ELIG-7 data ------------------------------------------- */

const char *const pb_elig_place_service_types[] = {
	"school_place", "college_place", "institution_place", "nursery_place",
	"placement", "school_fees", "college_fees", "tuition_fees", NULL
};

const struct pb_elig_offer_item
    pb_elig_default_offer[PB_ELIG_DEFAULT_OFFER_LEN] = {
	{ "transport", PB_STREAM_EDUCATION, 1, 1 },
	{ "short_breaks", PB_STREAM_SOCIAL_CARE, 1, 1 },
	{ "continuing_care", PB_STREAM_HEALTH, 1, 1 },
};

/* ---- collecting reasons ------------------------------------------------ */

struct reason_list {
	size_t n;
	const struct pb_elig_reason *r[PB_ELIG_MAX_REASONS];
};

static void add(struct reason_list *l, const struct pb_elig_reason *r)
{
	/* The worst case is 7 refusals (ELIG-11, ELIG-3, ELIG-1/2, ELIG-9,
	 * PAY-1|PAY-12, PAY-2, PAY-4) < PB_ELIG_MAX_REASONS; the guard only
	 * keeps a future rule from overrunning. */
	if (l->n < PB_ELIG_MAX_REASONS)
		l->r[l->n++] = r;
}

static void emit(struct pb_elig_element_result *er, enum pb_elig_outcome o,
    const struct reason_list *l)
{
	size_t i;

	er->outcome = o;
	er->nreasons = l->n;
	for (i = 0; i < l->n; i++)
		er->reasons[i] = *l->r[i];
}

/* ---- helpers ------------------------------------------------------------ */

enum pb_plan_status pb_elig_plan_status_at(
    const struct pb_elig_plan_event *history, size_t n, int32_t day)
{
	enum pb_plan_status st = PB_ELIG_PLAN_NONE;
	int32_t best = 0;
	int found = 0;
	size_t i;

	if (history == NULL)
		return PB_ELIG_PLAN_NONE;
	for (i = 0; i < n; i++) {
		if (history[i].effective_from > day)
			continue;
		if (!found || history[i].effective_from >= best) {
			best = history[i].effective_from;
			st = history[i].status;
			found = 1;
		}
	}
	return st;
}

const struct pb_elig_offer_item *pb_elig_offer_find(
    const struct pb_elig_offer_item *offer, size_t n,
    const char *service_type, enum pb_stream stream)
{
	const struct pb_elig_offer_item *other = NULL;
	size_t i;

	if (offer == NULL || service_type == NULL)
		return NULL;
	for (i = 0; i < n; i++) {
		if (offer[i].service_type == NULL ||
		    strcmp(offer[i].service_type, service_type) != 0)
			continue;
		if (offer[i].stream == stream)
			return &offer[i];
		if (other == NULL)
			other = &offer[i];
	}
	return other;
}

static int ends_with(const char *s, const char *suffix)
{
	size_t ls = strlen(s), lx = strlen(suffix);

	return ls >= lx && memcmp(s + ls - lx, suffix, lx) == 0;
}

int pb_elig_is_place_service(const char *service_type)
{
	size_t i;

	if (service_type == NULL)
		return 0;
	for (i = 0; pb_elig_place_service_types[i] != NULL; i++)
		if (strcmp(service_type, pb_elig_place_service_types[i]) == 0)
			return 1;
	return ends_with(service_type, "_placement");
}

void pb_elig_input_init(struct pb_elig_input *in)
{
	memset(in, 0, sizeof(*in));
	in->requester.relationship = PB_ELIG_REL_NONE;
	in->requester.has_capacity = 1;
	in->requester.able_to_manage = 1;
	in->offer = pb_elig_default_offer;
	in->noffer = PB_ELIG_DEFAULT_OFFER_LEN;
}

/* ---- the decision --------------------------------------------------------- */

/* What the requester is, computed once per check. */
struct standing {
	int is_yp;          /* past the end of CSA at as_of */
	int parentish;      /* "parent": PR or care of the child (glossary) */
	const struct pb_elig_reason *elig3; /* NULL = ELIG-3 satisfied */
};

/* ELIG-3: a parent until the end of CSA, then the young person (or their
 * representative).  A nominee named in writing acts for whoever nominated
 * them, which is also how a parent keeps acting for a young person. */
static struct standing requester_standing(const struct pb_elig_requester *rq,
    int is_yp)
{
	struct standing s = { is_yp, 0, NULL };
	enum pb_relationship rel = rq->relationship;

	s.parentish = rel == PB_REL_PARENT || rel == PB_REL_CARER ||
	    (rq->has_parental_responsibility && rel != PB_REL_YOUNG_PERSON);

	if (rel == PB_ELIG_REL_NONE && !s.parentish) {
		s.elig3 = &R_NOT_ENTITLED;
	} else if (!is_yp) {
		if (rel == PB_REL_NOMINATED_PERSON && !s.parentish)
			s.elig3 = rq->named_in_writing ? NULL : &R_NOT_IN_WRITING;
		else if (!s.parentish)
			s.elig3 = &R_PARENT_MUST; /* young person, representative */
	} else if (rel != PB_REL_REPRESENTATIVE) {
		if (rel == PB_REL_YOUNG_PERSON)
			s.elig3 = rq->has_capacity ? NULL : &R_REPRESENTATIVE;
		else if (rel == PB_REL_NOMINATED_PERSON)
			s.elig3 = rq->named_in_writing ? NULL : &R_NOT_IN_WRITING;
		else /* a parent, now that the child is a young person */
			s.elig3 = rq->named_in_writing ? NULL : &R_YP_MUST;
	}
	return s;
}

static void decide_element(const struct pb_elig_input *in,
    const struct pb_elig_result *facts, const struct standing *st,
    const struct pb_elig_element *el, struct pb_elig_element_result *er)
{
	const struct pb_elig_requester *rq = &in->requester;
	struct reason_list refuse = { 0, { NULL } };
	struct reason_list refer = { 0, { NULL } };
	struct reason_list ok = { 0, { NULL } };
	int dp = el->arrangement == PB_ARR_DIRECT_PAYMENT;

	/* ELIG-11: applies to every element — the SEND personal budget ends
	 * with the plan, and a young person is under 25 (CFA s83(2)). */
	if (in->as_of > facts->last_eligible_day)
		add(&refuse, in->plan_continued_past_25 ? &R_EXTENSION_ENDED :
		    &R_AGE_LIMIT);

	/* ELIG-3 */
	if (st->elig3 != NULL)
		add(&refuse, st->elig3);

	/* ELIG-1, ELIG-2 (education); ELIG-10 (social care, health). */
	if (el->stream == PB_STREAM_EDUCATION) {
		switch (facts->plan_status) {
		case PB_PLAN_CEASED:
			add(&refuse, &R_PLAN_CEASED);
			break;
		case PB_PLAN_ISSUED:
			add(&refuse, &R_OUTSIDE_WINDOW);
			break;
		case PB_PLAN_ASSESSMENT_AGREED:
			add(&ok, &R_WINDOW_PREPARING);
			break;
		case PB_PLAN_UNDER_REVIEW:
			add(&ok, &R_WINDOW_REVIEW);
			break;
		default:        /* PB_ELIG_PLAN_NONE: no plan at as_of */
			add(&refuse, &R_NO_PLAN);
			break;
		}
	} else {
		add(&ok, &R_NO_PLAN_NEEDED);
	}

	/* ELIG-9 before ELIG-6: a place is never bought, so the panel route
	 * does not arise. */
	if (pb_elig_is_place_service(el->service_type)) {
		add(&refuse, &R_PLACE);
	} else {
		const struct pb_elig_reason *panel = pb_elig_offer_verdict(in->offer, in->noffer,
		    el->service_type, el->stream, el->arrangement);
		add(panel ? &refer : &ok, panel ? panel : &R_IN_OFFER);
	}

	if (dp) {
		struct pb_elig_dp_recipient r = { rq->relationship != PB_ELIG_REL_NONE, *rq,
		    el->stream, in->date_of_birth, in->as_of };
		unsigned fails = pb_elig_dp_failures(&r);
		/* PAY-1/PAY-12 concern who the requester is: only meaningful
		 * once ELIG-3 accepts them as the requester. */
		if (st->elig3 != NULL)
			fails &= ~(PB_ELIG_DP_PAY1 | PB_ELIG_DP_PAY12);
		if (fails & PB_ELIG_DP_PAY1)
			add(&refuse, &R_DP_RECIPIENT);
		if (fails & PB_ELIG_DP_PAY12)
			add(&refuse, &R_DP_NO_PR);
		if (fails & PB_ELIG_DP_PAY2)
			add(&refuse, &R_DP_MANAGE);
		if (fails & PB_ELIG_DP_PAY4)
			add(&refuse, &R_DP_EXCLUDED);
		if (fails & PB_ELIG_DP_PAY3)
			add(&refuse, &R_DP_NO_CONSENT);
		if (refuse.n == 0)
			add(&ok, &R_DP_OK);
	}

	if (refuse.n > 0)
		emit(er, PB_ELIG_INELIGIBLE, &refuse);
	else if (refer.n > 0)
		emit(er, PB_ELIG_PANEL_REFERRAL, &refer);
	else
		emit(er, PB_ELIG_ELIGIBLE, &ok);
}

static enum pb_err invalid(struct pb_elig_result *out, const char *field,
    const char *msg)
{
	out->invalid_field = field;
	out->invalid_message = msg;
	return PB_EINVAL;
}

static enum pb_err validate(const struct pb_elig_input *in,
    struct pb_elig_result *out)
{
	size_t i;

	if (in->nelements < 1 || in->nelements > PB_ELIG_MAX_ELEMENTS)
		return invalid(out, "elements", "between 1 and 8 elements are needed");
	if (in->date_of_birth > in->as_of)
		return invalid(out, "as_of", "as_of is before the child's date of birth");
	if (in->nplan_history > PB_ELIG_MAX_PLAN_HISTORY)
		return invalid(out, "plan_history", "too many plan status changes");
	if (in->offer == NULL && in->noffer != 0)
		return invalid(out, "offer", "offer rows missing");
	if (in->requester.relationship != PB_ELIG_REL_NONE &&
	    pb_relationship_str(in->requester.relationship) == NULL)
		return invalid(out, "requester.relationship", "unknown relationship");
	for (i = 0; i < in->nplan_history; i++) {
		enum pb_plan_status s = in->plan_history[i].status;

		if (pb_plan_status_str(s) == NULL)
			return invalid(out, "plan_history.status", "unknown plan status");
	}
	for (i = 0; i < in->nelements; i++) {
		const struct pb_elig_element *el = &in->elements[i];

		if (pb_stream_str(el->stream) == NULL)
			return invalid(out, "elements.stream", "unknown stream");
		if (el->arrangement < PB_ARR_DIRECT_PAYMENT || el->arrangement > PB_ARR_NOTIONAL)
			return invalid(out, "elements.arrangement",
			    "arrangement must be direct_payment, third_party or notional");
		if (el->service_type == NULL || el->service_type[0] == '\0' ||
		    memchr(el->service_type, '\0', PB_ELIG_SERVICE_TYPE_MAX + 1) == NULL)
			return invalid(out, "elements.service_type",
			    "service_type must be 1 to 64 characters");
	}
	return PB_OK;
}

enum pb_err pb_elig_evaluate(const struct pb_elig_input *in,
    struct pb_elig_result *out)
{
	struct standing st;
	int32_t limit;
	size_t i, ninelig = 0, npanel = 0;
	enum pb_err err;

	memset(out, 0, sizeof(*out));
	err = validate(in, out);
	if (err)
		return err;

	out->plan_status = pb_elig_plan_status_at(in->plan_history,
	    in->nplan_history, in->as_of);
	out->age = pb_date_age_on(in->date_of_birth, in->as_of);
	out->end_of_csa = pb_date_end_of_csa(in->date_of_birth);
	/* CSA ends at the end of that Friday: a young person from Saturday. */
	out->is_young_person = in->as_of > out->end_of_csa;

	/* ELIG-11: up to the day before the 25th birthday; if continued, to
	 * 31 Aug of the academic year of the 25th birthday, capped at the day
	 * before the 26th (never binding with 1 Sept–31 Aug years, kept as
	 * the law's own backstop). */
	limit = pb_plan_last_day(in->date_of_birth, in->plan_continued_past_25);
	out->last_eligible_day = limit;

	st = requester_standing(&in->requester, out->is_young_person);

	out->nelements = in->nelements;
	for (i = 0; i < in->nelements; i++) {
		decide_element(in, out, &st, &in->elements[i], &out->elements[i]);
		if (out->elements[i].outcome == PB_ELIG_INELIGIBLE)
			ninelig++;
		else if (out->elements[i].outcome == PB_ELIG_PANEL_REFERRAL)
			npanel++;
	}
	if (ninelig == in->nelements)
		out->outcome = PB_ELIG_INELIGIBLE;
	else if (npanel > 0)
		out->outcome = PB_ELIG_PANEL_REFERRAL;
	else
		out->outcome = PB_ELIG_ELIGIBLE;
	return PB_OK;
}

/* ---- the rules that bind budgets and payments -------------------------- */

const struct pb_elig_reason *pb_elig_offer_verdict(const struct pb_elig_offer_item *offer,
    size_t n, const char *service_type, enum pb_stream stream,
    enum pb_arrangement arrangement)
{
	const struct pb_elig_offer_item *item = pb_elig_offer_find(offer, n, service_type, stream);

	if (item == NULL)
		return &R_NOT_IN_OFFER;
	if (item->stream != stream)
		return &R_OTHER_STREAM;
	if (!item->offered)
		return &R_NOT_OFFERED;
	/* a DP the offer does not allow is "outside the offer" for that
	 * arrangement (ELIG-6) */
	if (arrangement == PB_ARR_DIRECT_PAYMENT && !item->direct_payment_allowed)
		return &R_DP_NOT_OFFERED;
	return NULL;
}

/* "elements[<i>]" in buf (no stdio: rules stay free of it). */
static const char *element_path(char buf[32], size_t index)
{
	char digits[24];
	size_t nd = 0, k = 0;
	static const char pre[] = "elements[";

	do {
		digits[nd++] = (char)('0' + (int)(index % 10));
		index /= 10;
	} while (index != 0 && nd < sizeof(digits));
	for (size_t j = 0; pre[j]; j++)
		buf[k++] = pre[j];
	while (nd > 0 && k < 30)
		buf[k++] = digits[--nd];
	buf[k++] = ']';
	buf[k] = '\0';
	return buf;
}

enum pb_err pb_elig_check_budget_element(const struct pb_elig_budget_element *e,
    size_t index, struct pb_problem *p)
{
	char el[32];

	element_path(el, index);
	if (pb_elig_is_place_service(e->service_type))
		return pb_problem_set(p, PB_ERULE, "ELIG-9", "%s: %s", el, R_PLACE.message);
	if (e->stream == PB_STREAM_EDUCATION) {
		if (!e->has_plan)
			return pb_problem_set(p, PB_ERULE, "ELIG-1", "%s: %s", el, R_NO_PLAN.message);
		if (e->plan_status == PB_PLAN_CEASED)
			return pb_problem_set(p, PB_ERULE, "ELIG-1", "%s: %s", el,
			    R_PLAN_CEASED.message);
	}
	if (e->request_declines_it)
		return pb_problem_set(p, PB_ERULE, "ELIG-6",
		    "%s: the panel declined this service in the budget request; a budget "
		    "funding that request may include only the elements it approved.", el);
	const struct pb_elig_reason *panel = pb_elig_offer_verdict(e->offer, e->noffer,
	    e->service_type, e->stream, e->arrangement);
	if (panel != NULL && !e->request_names_it)
		return pb_problem_set(p, PB_ERULE, "ELIG-6",
		    "%s: %s A budget for it needs a budget request the panel approved that "
		    "names it (request_id).", el, panel->message);
	return PB_OK;
}

unsigned pb_elig_dp_failures(const struct pb_elig_dp_recipient *r)
{
	const struct pb_elig_requester *w = &r->who;
	enum pb_relationship rel = w->relationship;
	int is_yp = r->on > pb_date_end_of_csa(r->child_dob);
	int age = pb_date_age_on(r->child_dob, r->on);
	int parentish = rel == PB_REL_PARENT || rel == PB_REL_CARER ||
	    (w->has_parental_responsibility && rel != PB_REL_YOUNG_PERSON);
	unsigned f = 0;

	/* PAY-1: a parent until the end of CSA, then the young person; anyone
	 * else (a representative too) only when nominated in writing */
	int allowed = r->is_contact && ((parentish && !is_yp) ||
	    (rel == PB_REL_YOUNG_PERSON && is_yp) || w->named_in_writing);
	if (!allowed)
		f |= PB_ELIG_DP_PAY1;
	else if (r->stream == PB_STREAM_SOCIAL_CARE && (rel == PB_REL_PARENT ||
	    rel == PB_REL_CARER) && !w->has_parental_responsibility &&
	    !w->named_in_writing && age < 18)
		f |= PB_ELIG_DP_PAY12;   /* CA89 s17A(2): a person with PR */
	if (!w->has_capacity || !w->able_to_manage)
		f |= PB_ELIG_DP_PAY2;
	if (w->excluded)
		f |= PB_ELIG_DP_PAY4;
	if (w->consent_withdrawn)
		f |= PB_ELIG_DP_PAY3;
	return f;
}

enum pb_err pb_elig_check_dp_recipient(const struct pb_elig_dp_recipient *r,
    struct pb_problem *p)
{
	static const struct {
		unsigned bit;
		const struct pb_elig_reason *why;
	} order[] = {
		{ PB_ELIG_DP_PAY3, &R_DP_NO_CONSENT }, { PB_ELIG_DP_PAY4, &R_DP_EXCLUDED },
		{ PB_ELIG_DP_PAY2, &R_DP_MANAGE }, { PB_ELIG_DP_PAY1, &R_DP_RECIPIENT },
		{ PB_ELIG_DP_PAY12, &R_DP_NO_PR },
	};
	unsigned f = pb_elig_dp_failures(r);

	for (size_t i = 0; i < sizeof(order) / sizeof(order[0]); i++)
		if (f & order[i].bit)
			return pb_problem_set(p, PB_ERULE, order[i].why->rule, "%s",
			    order[i].why->message);
	return PB_OK;
}

/* ---- names ------------------------------------------------------------- */

static const char *const outcome_names[] = { NULL, "eligible", "ineligible",
    "panel_referral" };
static const char *const kind_names[] = { NULL, "law", "guidance", "local" };

PB_NAMES_DEFINE(pb_elig_outcome_str, pb_elig_outcome_parse, enum pb_elig_outcome,
    outcome_names)
PB_NAMES_DEFINE(pb_elig_rule_kind_str, pb_elig_rule_kind_parse, enum pb_elig_rule_kind,
    kind_names)

const char *pb_elig_relationship_name(enum pb_relationship v)
{
	return v == PB_ELIG_REL_NONE ? "none" : pb_relationship_str(v);
}

const char *pb_elig_plan_status_name(enum pb_plan_status v)
{
	return v == PB_ELIG_PLAN_NONE ? "none" : pb_plan_status_str(v);
}

/* ---- budget request lifecycle (domain.md §4) ---------------------------- */

static const char *const request_status_names[] = {
	NULL, "submitted", "eligible", "ineligible", "panel_referral", "approved",
	"declined", "review_requested", "upheld", "overturned", "withdrawn"
};
static const char *const request_action_names[] = {
	NULL, "approve", "decline", "request_review", "uphold", "overturn", "withdraw",
	"budget_linked"
};

/* The one table of legal moves: {from, action, to}. */
static const struct {
	enum pb_elig_request_status from;
	enum pb_elig_request_action action;
	enum pb_elig_request_status to;
} request_moves[] = {
	{ PB_ELIG_REQ_PANEL_REFERRAL, PB_ELIG_ACT_APPROVE, PB_ELIG_REQ_APPROVED },
	{ PB_ELIG_REQ_PANEL_REFERRAL, PB_ELIG_ACT_DECLINE, PB_ELIG_REQ_DECLINED },
	/* one review, on request: declined is the only way in, and its
	 * outcomes are terminal, so it cannot happen twice */
	{ PB_ELIG_REQ_DECLINED, PB_ELIG_ACT_REQUEST_REVIEW, PB_ELIG_REQ_REVIEW_REQUESTED },
	{ PB_ELIG_REQ_REVIEW_REQUESTED, PB_ELIG_ACT_UPHOLD, PB_ELIG_REQ_UPHELD },
	{ PB_ELIG_REQ_REVIEW_REQUESTED, PB_ELIG_ACT_OVERTURN, PB_ELIG_REQ_OVERTURNED },
	/* withdrawn before a decision */
	{ PB_ELIG_REQ_ELIGIBLE, PB_ELIG_ACT_WITHDRAW, PB_ELIG_REQ_WITHDRAWN },
	{ PB_ELIG_REQ_PANEL_REFERRAL, PB_ELIG_ACT_WITHDRAW, PB_ELIG_REQ_WITHDRAWN },
	/* eligible → approved happens when a budget is created for it */
	{ PB_ELIG_REQ_ELIGIBLE, PB_ELIG_ACT_BUDGET_LINKED, PB_ELIG_REQ_APPROVED },
};

enum pb_elig_request_status pb_elig_request_initial(enum pb_elig_outcome o)
{
	switch (o) {
	case PB_ELIG_ELIGIBLE:
		return PB_ELIG_REQ_ELIGIBLE;
	case PB_ELIG_PANEL_REFERRAL:
		return PB_ELIG_REQ_PANEL_REFERRAL;
	case PB_ELIG_INELIGIBLE:
	default:
		return PB_ELIG_REQ_INELIGIBLE; /* fail closed */
	}
}

enum pb_err pb_elig_request_next(enum pb_elig_request_status from,
    enum pb_elig_request_action action, enum pb_elig_request_status *to)
{
	size_t i;

	for (i = 0; i < sizeof(request_moves) / sizeof(request_moves[0]); i++)
		if (request_moves[i].from == from && request_moves[i].action == action) {
			*to = request_moves[i].to;
			return PB_OK;
		}
	return PB_ETRANSITION;
}

enum pb_elig_request_action pb_elig_panel_action(const int *approve, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (approve[i])
			return PB_ELIG_ACT_APPROVE;
	return PB_ELIG_ACT_DECLINE;
}

int pb_elig_request_fundable(enum pb_elig_request_status s)
{
	return s == PB_ELIG_REQ_ELIGIBLE || s == PB_ELIG_REQ_APPROVED ||
	    s == PB_ELIG_REQ_OVERTURNED;
}

PB_NAMES_DEFINE(pb_elig_request_status_str, pb_elig_request_status_parse,
    enum pb_elig_request_status, request_status_names)
PB_NAMES_DEFINE(pb_elig_request_action_str, pb_elig_request_action_parse,
    enum pb_elig_request_action, request_action_names)

/* ---- rule catalogue ------------------------------------------------------
 * Statements paraphrase docs/domain.md §3 for the public; sources are its
 * citations verbatim.  kind is the first kind domain.md gives. */

#define LAW PB_ELIG_KIND_LAW
#define GUI PB_ELIG_KIND_GUIDANCE
#define LOC PB_ELIG_KIND_LOCAL

const struct pb_elig_rule pb_elig_rule_catalogue[] = {
	/* Eligibility */
	{ "ELIG-1", "An education personal budget is available only where the council maintains an EHC plan or is preparing one.",
	  "CFA s49(1); seed000", LAW, 0 },
	{ "ELIG-2", "A personal budget can be requested once the council confirms it will prepare a plan, or during a review or re-assessment; outside that window the council need not consider it.",
	  "PBR reg 4; seed002", LAW, 0 },
	{ "ELIG-3", "The child's parent makes the request until the end of compulsory school age; after that the young person does (through a representative if they lack capacity).",
	  "CFA s49(1), s83(2); capacity route s80 (unconfirmed)", LAW, 1 },
	{ "ELIG-4", "A personal budget is optional; a valid request must be considered on its merits.",
	  "CFA s49(1)", LAW, 0 },
	{ "ELIG-5", "The council tells families what a personal budget may cover and where to get advice; its Local Offer holds a personal budget policy with criteria and the decision process.",
	  "PBR reg 3; CoP 9.96", LAW, 0 },
	{ "ELIG-6", "Services in the council's offer follow the normal route; anything outside it goes to the SEN panel, case by case.",
	  "seed000", LOC, 0 },
	{ "ELIG-7", "The default offer is transport (education), short breaks (social care) and continuing care (health).",
	  "seed002", LOC, 0 },
	{ "ELIG-8", "Provision bought through a block contract may be left out if the child's share cannot be separated without harming other children's services or wasting resources; reasons are given.",
	  "PBR reg 4A; seed002 (reasons duty unconfirmed)", LAW, 1 },
	{ "ELIG-9", "A personal budget or direct payment never pays for a place at a school, college or other institution.",
	  "CoP 9.110-9.118 (para unconfirmed)", GUI, 1 },
	{ "ELIG-10", "Social care and health personal budgets do not need an EHC plan; children eligible for continuing care have a right to a personal health budget.",
	  "council pages (citation unconfirmed)", GUI, 1 },
	{ "ELIG-11", "An EHC plan ends at the 25th birthday unless the council continues it to the end of that academic year, and never runs past the day before the 26th birthday.",
	  "CFA s46; SENDR reg 46", LAW, 0 },
	{ "ELIG-12", "Refusing a personal budget cannot be appealed to the SEND Tribunal (the provision can), so reasons are recorded.",
	  "IAS pages", GUI, 0 },
	/* Budgets */
	{ "BUD-1", "A personal budget is the amount needed to secure particular provision specified or proposed in the plan.",
	  "CFA s49(2); CoP 9.95", LAW, 0 },
	{ "BUD-2", "Each element is held as a direct payment, by a third party, as a notional budget held by the council, school, college or ICB, or as a combination.",
	  "CoP 9.101; seed002", GUI, 0 },
	{ "BUD-3", "If special educational provision is secured by direct payment, Section J states the needs and outcomes the payment is to meet.",
	  "SENDR reg 12(1)(j)", LAW, 0 },
	{ "BUD-4", "Section J should set out the personal budget: provision, amounts and direct payment arrangements for each element.",
	  "CoP ch.9 (para unconfirmed)", GUI, 1 },
	{ "BUD-5", "Spending must serve the plan's outcomes; nothing that risks harm or lacks clear benefit.",
	  "seed002", LOC, 0 },
	{ "BUD-6", "Health provision and the care plan must be agreed by the ICB.",
	  "SENDR reg 12(2); NHSDP reg 8", LAW, 0 },
	{ "BUD-7", "A direct payment must cover the full cost of the agreed provision; if it falls short it is increased.",
	  "PBR reg 10", LAW, 0 },
	{ "BUD-8", "A reduced amount must still be enough, follows reasonable written notice with reasons, and can be reconsidered once on request.",
	  "PBR reg 12; NHSDP reg 13", LAW, 0 },
	{ "BUD-9", "Each element's remaining amount is allocated minus committed minus spent, never below zero; the budget is the sum of its elements.",
	  "invariant", LOC, 0 },
	{ "BUD-10", "A budget period lies within the plan's life; nothing is payable after the plan ceases.",
	  "local", LOC, 0 },
	{ "BUD-11", "Transport budgets are worked out from route miles, four journeys a day, a mileage rate and 190 school days, paid in advance, and may stop if attendance falls.",
	  "York, Liverpool, Swindon, Bucks", LOC, 0 },
	{ "BUD-12", "Short-break direct payment rates are published, with any weekend uplift, and say whether they include on-costs.",
	  "council FOI pages", LOC, 0 },
	/* Direct payments and payments */
	{ "PAY-1", "An SEN direct payment is paid to a parent, the young person, or a nominee nominated in writing.",
	  "PBR reg 5(1)", LAW, 0 },
	{ "PAY-2", "The recipient must appear able to manage the direct payment, alone or with help, have capacity to consent, and not be excluded.",
	  "PBR reg 5(2); over CSA (unconfirmed)", LAW, 1 },
	{ "PAY-3", "Direct payments need consent; if consent is withdrawn in writing they must stop.",
	  "CFA s49(4); PBR reg 14(1)(a)", LAW, 0 },
	{ "PAY-4", "People subject to certain drug or alcohol treatment requirements, orders or licence conditions cannot receive direct payments.",
	  "PBR Schedule", LAW, 0 },
	{ "PAY-5", "The council makes an SEN direct payment only if satisfied it will be used appropriately, a nominee or representative acts in the child's best interests, other children's services are not harmed, and resources are used efficiently.",
	  "PBR reg 6", LAW, 0 },
	{ "PAY-6", "Provision on a school, college or setting's premises needs the head teacher's or principal's written agreement before payment.",
	  "PBR reg 6 (sub-para unconfirmed)", LAW, 1 },
	{ "PAY-7", "A refused direct payment comes with written reasons and a right to a review, answered in writing.",
	  "PBR reg 7", LAW, 0 },
	{ "PAY-8", "Before the first payment the recipient gets written notice of the agreed provision, amount, schedule and conditions, and signs an agreement.",
	  "PBR reg 8 (only 8(2)(b) confirmed); local", LAW, 1 },
	{ "PAY-9", "A direct payment is spent only on the agreed provision, which then counts as secured by the council.",
	  "CFA s49 (EN 255)", LAW, 0 },
	{ "PAY-10", "The council itself is never the payee; council services use notional or mixed arrangements.",
	  "seed002", LOC, 0 },
	{ "PAY-11", "No payments to a partner or close relative living in the same household unless the council or ICB records it as necessary; relatives living elsewhere may be paid.",
	  "DPR09 (reg unconfirmed), SI 2013/2354, CSDPR reg 3; education: seed002", LAW, 1 },
	{ "PAY-12", "A social care direct payment goes to a person with parental responsibility for a disabled child, a disabled parent with parental responsibility, or a disabled child aged 16-17, with the child's welfare safeguarded.",
	  "CA89 s17A(2); DPR09", LAW, 0 },
	{ "PAY-13", "A health direct payment needs an agreed care plan first, a review within 3 months of the first payment, then at least every 12 months.",
	  "NHSDP (2010 reg 17 model; 2013 number unconfirmed)", LAW, 1 },
	{ "PAY-14", "The council monitors SEN direct payments and reviews them in the first 3 months and at each plan review or re-assessment; the recipient may ask for a review.",
	  "PBR reg 11", LAW, 0 },
	{ "PAY-15", "A review checks the payment is still appropriate, used well, sufficient, and meets the conditions for making it.",
	  "pilot SI 2012/206 para 15(5) (2014 wording unconfirmed)", LAW, 1 },
	{ "PAY-16", "Direct payments must stop if consent is withdrawn, the recipient no longer qualifies, or a review finds they are not used for the agreed provision.",
	  "PBR reg 14(1) (wording unconfirmed)", LAW, 1 },
	{ "PAY-17", "Direct payments may be stopped for harm to other services or inefficiency, with written notice, reasons and one reconsideration.",
	  "PBR reg 14", LAW, 0 },
	{ "PAY-18", "Unused or misused direct payments may have to be repaid, with written reasons and a review; underspends are settled at the annual review.",
	  "law (reg unconfirmed); local", LAW, 1 },
	{ "PAY-19", "A surplus above a threshold (for example more than 8 weeks' funding) is recovered after unpaid bills and a contingency.",
	  "St Helens, Durham, Merton", LOC, 0 },
	{ "PAY-20", "Direct payments are kept in a separate account or council prepaid card, with no overdraft or personal use, records kept 3-7 years and regular audits.",
	  "local", LOC, 0 },
	{ "PAY-21", "Payments are made 4-weekly in advance for care, termly for education, and one-off for equipment.",
	  "local", LOC, 0 },
	{ "PAY-22", "For people aged 18 and over, Care Act direct payments are reviewed within 6 months, then at least every 12 months.",
	  "CSDPR reg 7", LAW, 0 },
	{ "PAY-23", "Residential short breaks through a children's direct payment are limited (4 weeks or 120 days a year).",
	  "DPR09 (unconfirmed)", LAW, 1 },
	{ "PAY-24", "A payment is more than zero and no more than the element's remaining amount, falls within the budget period and plan life, is approved by someone other than its creator, and recoveries never exceed spending.",
	  "invariant", LOC, 0 },
	/* EHC plan and reporting */
	{ "PLAN-1", "The final plan is issued within 20 weeks of the request, with at least 15 days to comment on the draft.",
	  "SENDR reg 13", LAW, 0 },
	{ "PLAN-2", "A plan is reviewed within 12 months of issue and then of the last review, with a decision within 4 weeks of the meeting.",
	  "CFA s44; SENDR reg 20 (unconfirmed)", LAW, 1 },
	{ "PLAN-3", "Phase-transfer reviews are completed by 15 February (31 March from secondary to post-16).",
	  "SENDR reg 18", LAW, 0 },
	{ "PLAN-4", "Plans for children under 5 are reviewed every 3 to 6 months.",
	  "CoP 9.178", GUI, 0 },
	{ "PLAN-5", "A plan ceases only if the council is no longer responsible or it is no longer needed, and is kept during an appeal.",
	  "CFA s45", LAW, 0 },
	{ "REP-1", "The SEN2 return counts personal budgets held as notional arrangements and as direct payments, split by element.",
	  "DfE return (split unconfirmed)", LAW, 1 },
};

const size_t pb_elig_rule_catalogue_len =
    sizeof(pb_elig_rule_catalogue) / sizeof(pb_elig_rule_catalogue[0]);

const struct pb_elig_rule *pb_elig_rule_find(const char *id)
{
	size_t i;

	if (id == NULL)
		return NULL;
	for (i = 0; i < pb_elig_rule_catalogue_len; i++)
		if (strcmp(pb_elig_rule_catalogue[i].id, id) == 0)
			return &pb_elig_rule_catalogue[i];
	return NULL;
}
