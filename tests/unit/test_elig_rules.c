/* SPDX-License-Identifier: MIT */
/*
 * test_elig_rules.c — unit tests for internal/eligibility/rules.c.
 *
 * The bulk is one table of scenarios (struct ecase); each row becomes its
 * own cmocka test named after the rule(s) it exercises, and asserts the
 * overall outcome, every element's outcome and the exact, ordered list of
 * reason codes.  The runner also checks invariants on every result: each
 * element has >= 1 reason and each reason's rule is in the catalogue.
 * Hand-written tests after the table cover validation, helpers, the
 * default offer, the rule catalogue and the enum names.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "internal/core/date.h"
#include "internal/eligibility/rules.h"

static int32_t D(const char *s)
{
	int32_t d = 0;

	assert_int_equal(pb_date_parse(s, strlen(s), &d), PB_OK);
	return d;
}

/* ---- the scenario table --------------------------------------------------- */

enum {
	PR = 1,        /* has parental responsibility */
	W = 2,         /* named in writing */
	X = 4,         /* excluded (PAY-4) */
	NOCAP = 8,     /* lacks capacity */
	NOMANAGE = 16  /* cannot manage a direct payment */
};

struct hist_case { const char *status, *from; };
struct el_case { const char *stream, *service, *arr, *outcome, *codes; };

struct ecase {
	const char *name;
	const char *dob, *as_of;
	struct hist_case hist[6];
	int continued;
	const char *rel;
	unsigned flags;
	struct el_case el[4];
	const char *overall;
};

/* The LA offer used by every scenario: the default three plus rows that
 * exercise ELIG-6 (not offered, DP not allowed) and ELIG-9. */
static const struct pb_elig_offer_item test_offer[] = {
	{ "transport", PB_STREAM_EDUCATION, 1, 1 },
	{ "short_breaks", PB_STREAM_SOCIAL_CARE, 1, 1 },
	{ "continuing_care", PB_STREAM_HEALTH, 1, 1 },
	{ "equipment", PB_STREAM_SOCIAL_CARE, 0, 1 },
	{ "tutoring", PB_STREAM_EDUCATION, 1, 0 },
	{ "college_place", PB_STREAM_EDUCATION, 1, 1 },
};

/* Child A: born 2012-03-15, end of CSA 2028-06-30.  Plan under review from
 * 2025-05-01 (so in the ELIG-2 window on the default as_of 2025-06-01). */
#define CHILD_A "2012-03-15"
#define ASOF_A "2025-06-01"
#define H_REVIEW { { "assessment_agreed", "2023-01-10" }, { "issued", "2023-06-01" }, \
	{ "under_review", "2025-05-01" } }
#define H_ISSUED { { "assessment_agreed", "2023-01-10" }, { "issued", "2023-06-01" } }
#define H_CEASED { { "assessment_agreed", "2023-01-10" }, { "issued", "2023-06-01" }, \
	{ "ceased", "2025-03-01" } }
/* A plan in review for years, so age rules can be tested in isolation. */
#define H_OPEN { { "assessment_agreed", "2010-01-10" }, { "issued", "2011-01-01" }, \
	{ "under_review", "2015-01-01" } }

#define OKW "REQUEST_WINDOW_OPEN IN_OFFER"
#define OKN "NO_PLAN_NEEDED IN_OFFER"
#define DPOK " DIRECT_PAYMENT_POSSIBLE"

#define EDU_T(arr, out, codes) { "education", "transport", arr, out, codes }
#define SC_SB(arr, out, codes) { "social_care", "short_breaks", arr, out, codes }
#define HE_CC(arr, out, codes) { "health", "continuing_care", arr, out, codes }

static struct ecase cases[] = {
	/* ---- ELIG-1: education needs a plan (every plan status) ---------- */
	{ "test_ELIG_1_no_plan_education_ineligible", CHILD_A, ASOF_A, { { 0 } }, 0,
	  "parent", PR, { EDU_T("third_party", "ineligible", "NO_EHC_PLAN") }, "ineligible" },
	{ "test_ELIG_1_plan_ceased_education_ineligible", CHILD_A, ASOF_A, H_CEASED, 0,
	  "parent", PR, { EDU_T("third_party", "ineligible", "EHC_PLAN_CEASED") }, "ineligible" },
	{ "test_ELIG_1_assessment_agreed_education_eligible", CHILD_A, "2025-02-01",
	  { { "assessment_agreed", "2025-01-10" } }, 0,
	  "parent", PR, { EDU_T("notional", "eligible", OKW) }, "eligible" },
	{ "test_ELIG_1_day_before_assessment_agreed_no_plan", CHILD_A, "2025-01-09",
	  { { "assessment_agreed", "2025-01-10" } }, 0,
	  "parent", PR, { EDU_T("notional", "ineligible", "NO_EHC_PLAN") }, "ineligible" },
	{ "test_ELIG_1_on_day_assessment_agreed_eligible", CHILD_A, "2025-01-10",
	  { { "assessment_agreed", "2025-01-10" } }, 0,
	  "parent", PR, { EDU_T("notional", "eligible", OKW) }, "eligible" },
	{ "test_ELIG_1_historical_as_of_before_ceased_uses_review", CHILD_A, "2025-02-28",
	  { { "assessment_agreed", "2023-01-10" }, { "issued", "2023-06-01" },
	    { "under_review", "2025-02-01" }, { "ceased", "2025-03-01" } }, 0,
	  "parent", PR, { EDU_T("notional", "eligible", OKW) }, "eligible" },
	{ "test_ELIG_1_historical_as_of_on_cessation_day", CHILD_A, "2025-03-01",
	  { { "assessment_agreed", "2023-01-10" }, { "issued", "2023-06-01" },
	    { "under_review", "2025-02-01" }, { "ceased", "2025-03-01" } }, 0,
	  "parent", PR, { EDU_T("notional", "ineligible", "EHC_PLAN_CEASED") }, "ineligible" },
	{ "test_ELIG_1_unsorted_history_latest_effective_wins", CHILD_A, ASOF_A,
	  { { "under_review", "2025-05-01" }, { "issued", "2023-06-01" },
	    { "assessment_agreed", "2023-01-10" } }, 0,
	  "parent", PR, { EDU_T("notional", "eligible", OKW) }, "eligible" },
	{ "test_ELIG_1_assessment_agreed_then_ceased_not_issued", CHILD_A, ASOF_A,
	  { { "assessment_agreed", "2024-10-01" }, { "ceased", "2025-02-01" } }, 0,
	  "parent", PR, { EDU_T("notional", "ineligible", "EHC_PLAN_CEASED") }, "ineligible" },

	/* ---- ELIG-2: request window ------------------------------------------ */
	{ "test_ELIG_2_issued_not_under_review_outside_window", CHILD_A, ASOF_A, H_ISSUED, 0,
	  "parent", PR, { EDU_T("direct_payment", "ineligible", "OUTSIDE_REQUEST_WINDOW") },
	  "ineligible" },
	{ "test_ELIG_2_under_review_in_window", CHILD_A, ASOF_A, H_REVIEW, 0,
	  "parent", PR, { EDU_T("third_party", "eligible", OKW) }, "eligible" },
	{ "test_ELIG_2_day_before_review_starts_outside_window", CHILD_A, "2025-04-30", H_REVIEW, 0,
	  "parent", PR, { EDU_T("third_party", "ineligible", "OUTSIDE_REQUEST_WINDOW") },
	  "ineligible" },
	{ "test_ELIG_2_first_day_of_review_in_window", CHILD_A, "2025-05-01", H_REVIEW, 0,
	  "parent", PR, { EDU_T("third_party", "eligible", OKW) }, "eligible" },
	{ "test_ELIG_2_historical_review_closed_since", CHILD_A, "2025-06-30",
	  { { "issued", "2023-06-01" }, { "under_review", "2025-05-01" }, { "issued", "2025-07-01" } }, 0,
	  "parent", PR, { EDU_T("third_party", "eligible", OKW) }, "eligible" },
	{ "test_ELIG_2_day_review_closed_outside_window", CHILD_A, "2025-07-01",
	  { { "issued", "2023-06-01" }, { "under_review", "2025-05-01" }, { "issued", "2025-07-01" } }, 0,
	  "parent", PR, { EDU_T("third_party", "ineligible", "OUTSIDE_REQUEST_WINDOW") },
	  "ineligible" },
	{ "test_ELIG_2_same_day_entries_later_entry_wins", CHILD_A, "2025-05-01",
	  { { "issued", "2025-05-01" }, { "under_review", "2025-05-01" } }, 0,
	  "parent", PR, { EDU_T("third_party", "eligible", OKW) }, "eligible" },
	{ "test_ELIG_2_ELIG_10_issued_plan_mixed_request", CHILD_A, ASOF_A, H_ISSUED, 0,
	  "parent", PR, { EDU_T("third_party", "ineligible", "OUTSIDE_REQUEST_WINDOW"),
	                  SC_SB("third_party", "eligible", OKN) }, "eligible" },

	/* ---- ELIG-10: social care and health need no plan (every status) ---- */
	{ "test_ELIG_10_social_care_no_plan_eligible", CHILD_A, ASOF_A, { { 0 } }, 0,
	  "parent", PR, { SC_SB("direct_payment", "eligible", OKN DPOK) }, "eligible" },
	{ "test_ELIG_10_health_no_plan_eligible", CHILD_A, ASOF_A, { { 0 } }, 0,
	  "parent", PR, { HE_CC("notional", "eligible", OKN) }, "eligible" },
	{ "test_ELIG_10_health_plan_ceased_eligible", CHILD_A, ASOF_A, H_CEASED, 0,
	  "parent", PR, { HE_CC("third_party", "eligible", OKN) }, "eligible" },
	{ "test_ELIG_10_social_care_plan_issued_not_window_limited", CHILD_A, ASOF_A, H_ISSUED, 0,
	  "parent", PR, { SC_SB("third_party", "eligible", OKN) }, "eligible" },
	{ "test_ELIG_10_social_care_plan_under_review", CHILD_A, ASOF_A, H_REVIEW, 0,
	  "parent", PR, { SC_SB("notional", "eligible", OKN) }, "eligible" },
	{ "test_ELIG_10_social_care_assessment_agreed", CHILD_A, ASOF_A,
	  { { "assessment_agreed", "2025-01-10" } }, 0,
	  "parent", PR, { SC_SB("notional", "eligible", OKN) }, "eligible" },
	{ "test_ELIG_1_ELIG_10_no_plan_all_streams", CHILD_A, ASOF_A, { { 0 } }, 0,
	  "parent", PR, { EDU_T("notional", "ineligible", "NO_EHC_PLAN"),
	                  SC_SB("notional", "eligible", OKN),
	                  HE_CC("notional", "eligible", OKN) }, "eligible" },
	{ "test_ELIG_1_ELIG_2_ELIG_10_all_streams_eligible_in_review", CHILD_A, ASOF_A, H_REVIEW, 0,
	  "parent", PR, { EDU_T("direct_payment", "eligible", OKW DPOK),
	                  SC_SB("third_party", "eligible", OKN),
	                  HE_CC("notional", "eligible", OKN) }, "eligible" },

	/* ---- ELIG-6: the offer and the panel -------------------------------- */
	{ "test_ELIG_6_not_in_offer_panel_referral", CHILD_A, ASOF_A, H_REVIEW, 0,
	  "parent", PR, { { "education", "music_therapy", "third_party", "panel_referral",
	                    "NOT_IN_OFFER" } }, "panel_referral" },
	{ "test_ELIG_6_not_currently_offered_panel_referral", CHILD_A, ASOF_A, H_REVIEW, 0,
	  "parent", PR, { { "social_care", "equipment", "third_party", "panel_referral",
	                    "NOT_CURRENTLY_OFFERED" } }, "panel_referral" },
	{ "test_ELIG_6_offered_under_other_element_panel_referral", CHILD_A, ASOF_A, H_REVIEW, 0,
	  "parent", PR, { { "social_care", "transport", "notional", "panel_referral",
	                    "OFFERED_UNDER_OTHER_ELEMENT" } }, "panel_referral" },
	{ "test_ELIG_6_direct_payment_not_allowed_panel_referral", CHILD_A, ASOF_A, H_REVIEW, 0,
	  "parent", PR, { { "education", "tutoring", "direct_payment", "panel_referral",
	                    "DIRECT_PAYMENT_NOT_OFFERED" } }, "panel_referral" },
	{ "test_ELIG_6_direct_payment_not_allowed_notional_eligible", CHILD_A, ASOF_A, H_REVIEW, 0,
	  "parent", PR, { { "education", "tutoring", "notional", "eligible", OKW } }, "eligible" },
	{ "test_ELIG_6_one_panel_one_eligible_overall_panel", CHILD_A, ASOF_A, H_REVIEW, 0,
	  "parent", PR, { EDU_T("third_party", "eligible", OKW),
	                  { "health", "hydrotherapy", "third_party", "panel_referral", "NOT_IN_OFFER" } },
	  "panel_referral" },
	{ "test_ELIG_6_ELIG_1_one_panel_one_ineligible_overall_panel", CHILD_A, ASOF_A, { { 0 } }, 0,
	  "parent", PR, { EDU_T("third_party", "ineligible", "NO_EHC_PLAN"),
	                  { "health", "hydrotherapy", "third_party", "panel_referral", "NOT_IN_OFFER" } },
	  "panel_referral" },
	{ "test_ELIG_6_ELIG_1_ineligible_hides_panel_reason", CHILD_A, ASOF_A, { { 0 } }, 0,
	  "parent", PR, { { "education", "music_therapy", "third_party", "ineligible",
	                    "NO_EHC_PLAN" } }, "ineligible" },

	/* ---- ELIG-9: never a school/college/institution place ---------------- */
	{ "test_ELIG_9_school_place_ineligible", CHILD_A, ASOF_A, H_REVIEW, 0,
	  "parent", PR, { { "education", "school_place", "notional", "ineligible",
	                    "INSTITUTION_PLACE" } }, "ineligible" },
	{ "test_ELIG_9_residential_placement_social_care_ineligible", CHILD_A, ASOF_A, H_REVIEW, 0,
	  "parent", PR, { { "social_care", "residential_placement", "third_party", "ineligible",
	                    "INSTITUTION_PLACE" } }, "ineligible" },
	{ "test_ELIG_9_college_place_ineligible_even_if_in_offer", CHILD_A, ASOF_A, H_REVIEW, 0,
	  "parent", PR, { { "education", "college_place", "direct_payment", "ineligible",
	                    "INSTITUTION_PLACE" } }, "ineligible" },
	{ "test_ELIG_9_place_with_other_element_eligible", CHILD_A, ASOF_A, H_REVIEW, 0,
	  "parent", PR, { { "education", "placement", "notional", "ineligible", "INSTITUTION_PLACE" },
	                  EDU_T("notional", "eligible", OKW) }, "eligible" },

	/* ---- ELIG-3: who may ask, before the end of CSA (child A) ----------- */
	{ "test_ELIG_3_parent_with_pr_eligible", CHILD_A, ASOF_A, H_REVIEW, 0,
	  "parent", PR, { EDU_T("third_party", "eligible", OKW) }, "eligible" },
	{ "test_ELIG_3_parent_without_pr_eligible", CHILD_A, ASOF_A, H_REVIEW, 0,
	  "parent", 0, { EDU_T("third_party", "eligible", OKW) }, "eligible" },
	{ "test_ELIG_3_carer_eligible", CHILD_A, ASOF_A, H_REVIEW, 0,
	  "carer", 0, { EDU_T("third_party", "eligible", OKW) }, "eligible" },
	{ "test_ELIG_3_young_person_before_csa_ineligible", CHILD_A, ASOF_A, H_REVIEW, 0,
	  "young_person", 0, { EDU_T("third_party", "ineligible", "PARENT_MUST_REQUEST") },
	  "ineligible" },
	{ "test_ELIG_3_representative_before_csa_ineligible", CHILD_A, ASOF_A, H_REVIEW, 0,
	  "representative", 0, { EDU_T("third_party", "ineligible", "PARENT_MUST_REQUEST") },
	  "ineligible" },
	{ "test_ELIG_3_nominee_in_writing_before_csa_eligible", CHILD_A, ASOF_A, H_REVIEW, 0,
	  "nominated_person", W, { EDU_T("direct_payment", "eligible", OKW DPOK) }, "eligible" },
	{ "test_ELIG_3_nominee_not_in_writing_ineligible", CHILD_A, ASOF_A, H_REVIEW, 0,
	  "nominated_person", 0, { EDU_T("third_party", "ineligible", "NOMINATION_NOT_IN_WRITING") },
	  "ineligible" },
	{ "test_ELIG_3_no_relationship_ineligible", CHILD_A, ASOF_A, H_REVIEW, 0,
	  "none", 0, { EDU_T("third_party", "ineligible", "REQUESTER_NOT_ENTITLED"),
	               SC_SB("notional", "ineligible", "REQUESTER_NOT_ENTITLED") }, "ineligible" },
	{ "test_ELIG_3_no_relationship_but_pr_is_parent", CHILD_A, ASOF_A, H_REVIEW, 0,
	  "none", PR, { EDU_T("third_party", "eligible", OKW) }, "eligible" },

	/* ---- ELIG-3 at the end of CSA: child born 2008-09-01, CSA ends
	 * Fri 2025-06-27 (16 on 2024-09-01 -> school year 2024/25) ---------- */
	{ "test_ELIG_3_parent_day_before_end_of_csa_eligible", "2008-09-01", "2025-06-26", H_OPEN, 0,
	  "parent", PR, { EDU_T("third_party", "eligible", OKW) }, "eligible" },
	{ "test_ELIG_3_parent_on_last_day_of_csa_eligible", "2008-09-01", "2025-06-27", H_OPEN, 0,
	  "parent", PR, { EDU_T("third_party", "eligible", OKW) }, "eligible" },
	{ "test_ELIG_3_parent_day_after_csa_ineligible", "2008-09-01", "2025-06-28", H_OPEN, 0,
	  "parent", PR, { EDU_T("third_party", "ineligible", "YOUNG_PERSON_MUST_REQUEST") },
	  "ineligible" },
	{ "test_ELIG_3_carer_after_csa_ineligible", "2008-09-01", "2025-09-01", H_OPEN, 0,
	  "carer", 0, { SC_SB("third_party", "ineligible", "YOUNG_PERSON_MUST_REQUEST") },
	  "ineligible" },
	{ "test_ELIG_3_parent_named_in_writing_after_csa_eligible", "2008-09-01", "2025-06-28", H_OPEN, 0,
	  "parent", PR | W, { EDU_T("direct_payment", "eligible", OKW DPOK) }, "eligible" },
	{ "test_ELIG_3_young_person_on_last_day_of_csa_ineligible", "2008-09-01", "2025-06-27", H_OPEN, 0,
	  "young_person", 0, { EDU_T("third_party", "ineligible", "PARENT_MUST_REQUEST") },
	  "ineligible" },
	{ "test_ELIG_3_young_person_day_after_csa_eligible", "2008-09-01", "2025-06-28", H_OPEN, 0,
	  "young_person", 0, { EDU_T("direct_payment", "eligible", OKW DPOK) }, "eligible" },
	{ "test_ELIG_3_young_person_after_csa_before_16th_birthday", "2008-08-31", "2024-07-15", H_OPEN, 0,
	  "young_person", 0, { EDU_T("third_party", "eligible", OKW) }, "eligible" },
	{ "test_ELIG_3_parent_after_csa_before_16th_birthday_ineligible", "2008-08-31", "2024-07-15", H_OPEN, 0,
	  "parent", PR, { EDU_T("third_party", "ineligible", "YOUNG_PERSON_MUST_REQUEST") },
	  "ineligible" },
	{ "test_ELIG_3_young_person_lacking_capacity_needs_representative", "2008-09-01", "2025-09-01", H_OPEN, 0,
	  "young_person", NOCAP, { EDU_T("notional", "ineligible", "REPRESENTATIVE_NEEDED") },
	  "ineligible" },
	{ "test_ELIG_3_representative_after_csa_eligible", "2008-09-01", "2025-09-01", H_OPEN, 0,
	  "representative", 0, { EDU_T("notional", "eligible", OKW) }, "eligible" },
	{ "test_ELIG_3_nominee_in_writing_after_csa_eligible", "2008-09-01", "2025-09-01", H_OPEN, 0,
	  "nominated_person", W, { SC_SB("direct_payment", "eligible", OKN DPOK) }, "eligible" },
	{ "test_ELIG_3_nominee_not_in_writing_after_csa_ineligible", "2008-09-01", "2025-09-01", H_OPEN, 0,
	  "nominated_person", 0, { SC_SB("notional", "ineligible", "NOMINATION_NOT_IN_WRITING") },
	  "ineligible" },
	{ "test_ELIG_3_no_relationship_after_csa_ineligible", "2008-09-01", "2025-09-01", H_OPEN, 0,
	  "none", 0, { HE_CC("notional", "ineligible", "REQUESTER_NOT_ENTITLED") }, "ineligible" },
	/* 29 Feb child: 16 on 2024-02-29, CSA ends Fri 2024-06-28 */
	{ "test_ELIG_3_29_feb_child_parent_on_last_day_of_csa", "2008-02-29", "2024-06-28", H_OPEN, 0,
	  "parent", PR, { EDU_T("third_party", "eligible", OKW) }, "eligible" },
	{ "test_ELIG_3_29_feb_child_young_person_day_after_csa", "2008-02-29", "2024-06-29", H_OPEN, 0,
	  "young_person", 0, { EDU_T("third_party", "eligible", OKW) }, "eligible" },

	/* ---- PAY-1/2/4/12: direct payments, each arrangement ----------------- */
	{ "test_PAY_1_parent_direct_payment_eligible", CHILD_A, ASOF_A, H_REVIEW, 0,
	  "parent", PR, { EDU_T("direct_payment", "eligible", OKW DPOK) }, "eligible" },
	{ "test_PAY_1_carer_direct_payment_education_eligible", CHILD_A, ASOF_A, H_REVIEW, 0,
	  "carer", 0, { EDU_T("direct_payment", "eligible", OKW DPOK) }, "eligible" },
	{ "test_PAY_1_representative_not_nominated_direct_payment_ineligible", "2008-09-01", "2025-09-01",
	  H_OPEN, 0, "representative", 0,
	  { EDU_T("direct_payment", "ineligible", "DIRECT_PAYMENT_RECIPIENT_NOT_ALLOWED"),
	    EDU_T("third_party", "eligible", OKW),
	    EDU_T("notional", "eligible", OKW) }, "eligible" },
	{ "test_PAY_1_representative_named_in_writing_direct_payment_eligible", "2008-09-01", "2025-09-01",
	  H_OPEN, 0, "representative", W, { EDU_T("direct_payment", "eligible", OKW DPOK) }, "eligible" },
	{ "test_PAY_1_young_person_direct_payment_eligible", "2008-09-01", "2025-09-01", H_OPEN, 0,
	  "young_person", 0, { HE_CC("direct_payment", "eligible", OKN DPOK) }, "eligible" },
	{ "test_PAY_2_unable_to_manage_direct_payment_ineligible", CHILD_A, ASOF_A, H_REVIEW, 0,
	  "parent", PR | NOMANAGE,
	  { EDU_T("direct_payment", "ineligible", "UNABLE_TO_MANAGE_DIRECT_PAYMENT") }, "ineligible" },
	{ "test_PAY_2_parent_lacking_capacity_direct_payment_ineligible", CHILD_A, ASOF_A, H_REVIEW, 0,
	  "parent", PR | NOCAP,
	  { SC_SB("direct_payment", "ineligible", "UNABLE_TO_MANAGE_DIRECT_PAYMENT") }, "ineligible" },
	{ "test_PAY_2_unable_to_manage_other_arrangements_eligible", CHILD_A, ASOF_A, H_REVIEW, 0,
	  "parent", PR | NOMANAGE,
	  { EDU_T("notional", "eligible", OKW), SC_SB("third_party", "eligible", OKN) }, "eligible" },
	{ "test_PAY_4_excluded_direct_payment_ineligible", CHILD_A, ASOF_A, H_REVIEW, 0,
	  "parent", PR | X,
	  { EDU_T("direct_payment", "ineligible", "EXCLUDED_FROM_DIRECT_PAYMENTS") }, "ineligible" },
	{ "test_PAY_4_excluded_only_direct_payment_elements", CHILD_A, ASOF_A, H_REVIEW, 0,
	  "parent", PR | X,
	  { EDU_T("direct_payment", "ineligible", "EXCLUDED_FROM_DIRECT_PAYMENTS"),
	    SC_SB("third_party", "eligible", OKN),
	    HE_CC("notional", "eligible", OKN) }, "eligible" },
	{ "test_PAY_4_excluded_all_direct_payments_overall_ineligible", CHILD_A, ASOF_A, H_REVIEW, 0,
	  "parent", PR | X,
	  { EDU_T("direct_payment", "ineligible", "EXCLUDED_FROM_DIRECT_PAYMENTS"),
	    SC_SB("direct_payment", "ineligible", "EXCLUDED_FROM_DIRECT_PAYMENTS") }, "ineligible" },
	{ "test_PAY_2_PAY_4_both_reported", CHILD_A, ASOF_A, H_REVIEW, 0,
	  "parent", PR | X | NOMANAGE,
	  { EDU_T("direct_payment", "ineligible",
	          "UNABLE_TO_MANAGE_DIRECT_PAYMENT EXCLUDED_FROM_DIRECT_PAYMENTS") }, "ineligible" },
	{ "test_PAY_12_carer_without_pr_social_care_direct_payment_ineligible", CHILD_A, ASOF_A, H_REVIEW, 0,
	  "carer", 0,
	  { SC_SB("direct_payment", "ineligible", "DIRECT_PAYMENT_NEEDS_PARENTAL_RESPONSIBILITY"),
	    SC_SB("third_party", "eligible", OKN) }, "eligible" },
	{ "test_PAY_12_carer_with_pr_social_care_direct_payment_eligible", CHILD_A, ASOF_A, H_REVIEW, 0,
	  "carer", PR, { SC_SB("direct_payment", "eligible", OKN DPOK) }, "eligible" },
	{ "test_PAY_12_parent_without_pr_social_care_direct_payment_ineligible", CHILD_A, ASOF_A, H_REVIEW, 0,
	  "parent", 0,
	  { SC_SB("direct_payment", "ineligible", "DIRECT_PAYMENT_NEEDS_PARENTAL_RESPONSIBILITY") },
	  "ineligible" },
	{ "test_ELIG_6_PAY_2_ineligible_hides_panel", CHILD_A, ASOF_A, H_REVIEW, 0,
	  "parent", PR | NOMANAGE,
	  { { "education", "music_therapy", "direct_payment", "ineligible",
	      "UNABLE_TO_MANAGE_DIRECT_PAYMENT" } }, "ineligible" },

	/* ---- ELIG-11: 25th/26th birthdays.  Born 2000-09-01: 25 on
	 * 2025-09-01, academic year ends 2026-08-31 = day before the 26th. -- */
	{ "test_ELIG_11_day_before_25th_birthday_eligible", "2000-09-01", "2025-08-31", H_OPEN, 0,
	  "young_person", 0, { EDU_T("third_party", "eligible", OKW) }, "eligible" },
	{ "test_ELIG_11_on_25th_birthday_ineligible", "2000-09-01", "2025-09-01", H_OPEN, 0,
	  "young_person", 0, { EDU_T("third_party", "ineligible", "AGE_LIMIT_REACHED") },
	  "ineligible" },
	{ "test_ELIG_11_day_after_25th_birthday_ineligible", "2000-09-01", "2025-09-02", H_OPEN, 0,
	  "young_person", 0, { EDU_T("third_party", "ineligible", "AGE_LIMIT_REACHED") },
	  "ineligible" },
	{ "test_ELIG_11_continued_on_25th_birthday_eligible", "2000-09-01", "2025-09-01", H_OPEN, 1,
	  "young_person", 0, { EDU_T("third_party", "eligible", OKW) }, "eligible" },
	{ "test_ELIG_11_continued_day_before_26th_birthday_eligible", "2000-09-01", "2026-08-31", H_OPEN, 1,
	  "young_person", 0, { EDU_T("third_party", "eligible", OKW) }, "eligible" },
	{ "test_ELIG_11_continued_on_26th_birthday_ineligible", "2000-09-01", "2026-09-01", H_OPEN, 1,
	  "young_person", 0, { EDU_T("third_party", "ineligible", "PLAN_EXTENSION_ENDED") },
	  "ineligible" },
	/* Born 2000-12-10: 25 on 2025-12-10, academic year ends 2026-08-31,
	 * long before the 26th birthday. */
	{ "test_ELIG_11_continued_last_day_of_academic_year_eligible", "2000-12-10", "2026-08-31", H_OPEN, 1,
	  "young_person", 0, { EDU_T("notional", "eligible", OKW) }, "eligible" },
	{ "test_ELIG_11_continued_day_after_academic_year_ineligible", "2000-12-10", "2026-09-01", H_OPEN, 1,
	  "young_person", 0, { EDU_T("notional", "ineligible", "PLAN_EXTENSION_ENDED") },
	  "ineligible" },
	{ "test_ELIG_11_continued_day_before_26th_birthday_past_year_end", "2000-12-10", "2026-12-09", H_OPEN, 1,
	  "young_person", 0, { EDU_T("notional", "ineligible", "PLAN_EXTENSION_ENDED") },
	  "ineligible" },
	{ "test_ELIG_11_ELIG_10_social_care_also_ends_at_25", "2000-12-10", "2025-12-10", { { 0 } }, 0,
	  "young_person", 0, { SC_SB("third_party", "ineligible", "AGE_LIMIT_REACHED") }, "ineligible" },
	{ "test_ELIG_11_ELIG_10_social_care_day_before_25th", "2000-12-10", "2025-12-09", { { 0 } }, 0,
	  "young_person", 0, { SC_SB("third_party", "eligible", OKN) }, "eligible" },
	/* 29 Feb 2000: 25th birthday is 1 Mar 2025 (2025 is common). */
	{ "test_ELIG_11_29_feb_born_eligible_on_28_feb", "2000-02-29", "2025-02-28", H_OPEN, 0,
	  "young_person", 0, { EDU_T("third_party", "eligible", OKW) }, "eligible" },
	{ "test_ELIG_11_29_feb_born_ineligible_on_1_mar", "2000-02-29", "2025-03-01", H_OPEN, 0,
	  "young_person", 0, { EDU_T("third_party", "ineligible", "AGE_LIMIT_REACHED") },
	  "ineligible" },
	{ "test_ELIG_11_29_feb_born_continued_to_31_aug", "2000-02-29", "2025-08-31", H_OPEN, 1,
	  "young_person", 0, { EDU_T("third_party", "eligible", OKW) }, "eligible" },
	{ "test_ELIG_11_29_feb_born_continued_ends_1_sep", "2000-02-29", "2025-09-01", H_OPEN, 1,
	  "young_person", 0, { EDU_T("third_party", "ineligible", "PLAN_EXTENSION_ENDED") },
	  "ineligible" },

	/* ---- combinations ---------------------------------------------------- */
	{ "test_ELIG_11_ELIG_3_ELIG_1_PAY_4_all_reported_in_order", "2000-09-01", "2025-10-01", { { 0 } }, 0,
	  "none", X,
	  { { "education", "music_therapy", "direct_payment", "ineligible",
	      "AGE_LIMIT_REACHED REQUESTER_NOT_ENTITLED NO_EHC_PLAN EXCLUDED_FROM_DIRECT_PAYMENTS" } },
	  "ineligible" },
	{ "test_ELIG_1_ELIG_9_PAY_2_PAY_4_combined", CHILD_A, ASOF_A, { { 0 } }, 0,
	  "parent", PR | X | NOMANAGE,
	  { { "education", "school_place", "direct_payment", "ineligible",
	      "NO_EHC_PLAN INSTITUTION_PLACE UNABLE_TO_MANAGE_DIRECT_PAYMENT EXCLUDED_FROM_DIRECT_PAYMENTS" } },
	  "ineligible" },
	{ "test_ELIG_3_PAY_2_young_person_lacking_capacity_direct_payment", "2008-09-01", "2025-09-01", H_OPEN, 0,
	  "young_person", NOCAP,
	  { EDU_T("direct_payment", "ineligible",
	          "REPRESENTATIVE_NEEDED UNABLE_TO_MANAGE_DIRECT_PAYMENT") }, "ineligible" },
	{ "test_ELIG_2_ELIG_6_ELIG_9_PAY_4_four_elements", CHILD_A, ASOF_A, H_ISSUED, 0,
	  "parent", PR | X,
	  { EDU_T("notional", "ineligible", "OUTSIDE_REQUEST_WINDOW"),
	    { "social_care", "equipment", "third_party", "panel_referral", "NOT_CURRENTLY_OFFERED" },
	    { "social_care", "residential_placement", "notional", "ineligible", "INSTITUTION_PLACE" },
	    HE_CC("direct_payment", "ineligible", "EXCLUDED_FROM_DIRECT_PAYMENTS") },
	  "panel_referral" },
	{ "test_ELIG_6_PAY_1_panel_for_offer_and_direct_payment", CHILD_A, ASOF_A, H_REVIEW, 0,
	  "parent", PR,
	  { { "social_care", "equipment", "direct_payment", "panel_referral", "NOT_CURRENTLY_OFFERED" },
	    { "education", "tutoring", "direct_payment", "panel_referral", "DIRECT_PAYMENT_NOT_OFFERED" } },
	  "panel_referral" },
};

#define NCASES (sizeof(cases) / sizeof(cases[0]))

static enum pb_elig_outcome outcome_of(const char *s)
{
	enum pb_elig_outcome o = PB_ELIG_ELIGIBLE;

	assert_int_equal(pb_elig_outcome_parse(s, strlen(s), &o), PB_OK);
	return o;
}

static void build_input(const struct ecase *c, struct pb_elig_input *in)
{
	size_t i;

	pb_elig_input_init(in);
	in->date_of_birth = D(c->dob);
	in->as_of = D(c->as_of);
	in->plan_continued_past_25 = c->continued;
	for (i = 0; i < 6 && c->hist[i].status != NULL; i++) {
		assert_int_equal(pb_plan_status_parse(c->hist[i].status, strlen(c->hist[i].status),
		    &in->plan_history[i].status), PB_OK);
		in->plan_history[i].effective_from = D(c->hist[i].from);
	}
	in->nplan_history = i;
	if (strcmp(c->rel, "none") == 0)
		in->requester.relationship = PB_ELIG_REL_NONE;
	else
		assert_int_equal(pb_relationship_parse(c->rel, strlen(c->rel),
		    &in->requester.relationship), PB_OK);
	in->requester.has_parental_responsibility = !!(c->flags & PR);
	in->requester.named_in_writing = !!(c->flags & W);
	in->requester.excluded = !!(c->flags & X);
	in->requester.has_capacity = !(c->flags & NOCAP);
	in->requester.able_to_manage = !(c->flags & NOMANAGE);
	for (i = 0; i < 4 && c->el[i].stream != NULL; i++) {
		assert_int_equal(pb_stream_parse(c->el[i].stream, strlen(c->el[i].stream),
		    &in->elements[i].stream), PB_OK);
		assert_int_equal(pb_arrangement_parse(c->el[i].arr, strlen(c->el[i].arr),
		    &in->elements[i].arrangement), PB_OK);
		in->elements[i].service_type = c->el[i].service;
	}
	in->nelements = i;
	in->offer = test_offer;
	in->noffer = sizeof(test_offer) / sizeof(test_offer[0]);
}

/* Every reason must be well-formed and cite a catalogued rule. */
static void check_reason(const struct pb_elig_reason *r)
{
	const char *p;
	const struct pb_elig_rule *rule;

	assert_non_null(r->code);
	assert_non_null(r->message);
	assert_true(strlen(r->message) > 20);
	for (p = r->code; *p; p++)
		assert_true((*p >= 'A' && *p <= 'Z') || *p == '_' || (*p >= '0' && *p <= '9'));
	rule = pb_elig_rule_find(r->rule);
	assert_non_null(rule);
	assert_string_equal(rule->id, r->rule);
}

static void check_codes(const struct pb_elig_element_result *er, const char *want)
{
	char buf[512];
	size_t n = 0, len;
	char *tok, *save = NULL;

	len = strlen(want);
	assert_true(len < sizeof(buf));
	memcpy(buf, want, len + 1);
	for (tok = strtok_r(buf, " ", &save); tok; tok = strtok_r(NULL, " ", &save)) {
		assert_true(n < er->nreasons);
		assert_string_equal(er->reasons[n].code, tok);
		n++;
	}
	assert_int_equal(er->nreasons, n);
}

static void run_case(void **state)
{
	const struct ecase *c = *state;
	struct pb_elig_input in;
	struct pb_elig_result out;
	size_t i;

	build_input(c, &in);
	assert_int_equal(pb_elig_evaluate(&in, &out), PB_OK);
	assert_null(out.invalid_field);
	assert_string_equal(pb_elig_outcome_str(out.outcome), c->overall);
	assert_int_equal(out.nelements, in.nelements);
	for (i = 0; i < in.nelements; i++) {
		const struct pb_elig_element_result *er = &out.elements[i];
		size_t k;

		assert_int_equal(er->outcome, outcome_of(c->el[i].outcome));
		assert_true(er->nreasons >= 1);
		for (k = 0; k < er->nreasons; k++)
			check_reason(&er->reasons[k]);
		check_codes(er, c->el[i].codes);
	}
}

/* ---- hand-written tests ------------------------------------------------ */

static void base_input(struct pb_elig_input *in)
{
	pb_elig_input_init(in);
	in->date_of_birth = D(CHILD_A);
	in->as_of = D(ASOF_A);
	in->requester.relationship = PB_REL_PARENT;
	in->requester.has_parental_responsibility = 1;
	in->nplan_history = 1;
	in->plan_history[0].status = PB_PLAN_UNDER_REVIEW;
	in->plan_history[0].effective_from = D("2025-05-01");
	in->nelements = 1;
	in->elements[0].stream = PB_STREAM_EDUCATION;
	in->elements[0].service_type = "transport";
	in->elements[0].arrangement = PB_ARR_DIRECT_PAYMENT;
}

static void expect_invalid(const struct pb_elig_input *in, const char *field)
{
	struct pb_elig_result out;

	assert_int_equal(pb_elig_evaluate(in, &out), PB_EINVAL);
	assert_non_null(out.invalid_field);
	assert_string_equal(out.invalid_field, field);
	assert_non_null(out.invalid_message);
}

static void test_elig_evaluate_rejects_invalid_input(void **state)
{
	struct pb_elig_input in;
	struct pb_elig_result out;
	char s64[65], s65[66];

	(void)state;
	memset(s64, 'a', 64);
	s64[64] = '\0';
	memset(s65, 'a', 65);
	s65[65] = '\0';

	base_input(&in);
	assert_int_equal(pb_elig_evaluate(&in, &out), PB_OK);
	assert_int_equal(out.outcome, PB_ELIG_ELIGIBLE);

	base_input(&in); in.nelements = 0; expect_invalid(&in, "elements");
	base_input(&in); in.nelements = PB_ELIG_MAX_ELEMENTS + 1; expect_invalid(&in, "elements");
	base_input(&in); in.as_of = in.date_of_birth - 1; expect_invalid(&in, "as_of");
	base_input(&in); in.nplan_history = PB_ELIG_MAX_PLAN_HISTORY + 1;
	expect_invalid(&in, "plan_history");
	base_input(&in); in.plan_history[0].status = PB_ELIG_PLAN_NONE;
	expect_invalid(&in, "plan_history.status");
	base_input(&in); in.plan_history[0].status = (enum pb_plan_status)9;
	expect_invalid(&in, "plan_history.status");
	base_input(&in); in.elements[0].arrangement = PB_ARR_MIXED;
	expect_invalid(&in, "elements.arrangement");
	base_input(&in); in.elements[0].stream = (enum pb_stream)4;
	expect_invalid(&in, "elements.stream");
	base_input(&in); in.elements[0].stream = (enum pb_stream)0;
	expect_invalid(&in, "elements.stream");
	base_input(&in); in.elements[0].arrangement = (enum pb_arrangement)0;
	expect_invalid(&in, "elements.arrangement");
	base_input(&in); in.requester.relationship = (enum pb_relationship)6;
	expect_invalid(&in, "requester.relationship");
	base_input(&in); in.elements[0].service_type = NULL;
	expect_invalid(&in, "elements.service_type");
	base_input(&in); in.elements[0].service_type = "";
	expect_invalid(&in, "elements.service_type");
	base_input(&in); in.elements[0].service_type = s65;
	expect_invalid(&in, "elements.service_type");
	base_input(&in); in.offer = NULL; in.noffer = 2; expect_invalid(&in, "offer");

	/* boundaries that are valid */
	base_input(&in); in.elements[0].service_type = s64;
	assert_int_equal(pb_elig_evaluate(&in, &out), PB_OK);
	assert_int_equal(out.elements[0].outcome, PB_ELIG_PANEL_REFERRAL);
	base_input(&in); in.as_of = in.date_of_birth;   /* born today */
	assert_int_equal(pb_elig_evaluate(&in, &out), PB_OK);
	assert_int_equal(out.age, 0);
	base_input(&in); in.offer = NULL; in.noffer = 0; /* empty offer: panel */
	assert_int_equal(pb_elig_evaluate(&in, &out), PB_OK);
	assert_int_equal(out.outcome, PB_ELIG_PANEL_REFERRAL);
	assert_string_equal(out.elements[0].reasons[0].code, "NOT_IN_OFFER");
	base_input(&in); in.nelements = PB_ELIG_MAX_ELEMENTS;
	{
		size_t i;

		for (i = 0; i < PB_ELIG_MAX_ELEMENTS; i++)
			in.elements[i] = in.elements[0];
	}
	assert_int_equal(pb_elig_evaluate(&in, &out), PB_OK);
	assert_int_equal(out.nelements, PB_ELIG_MAX_ELEMENTS);
	assert_int_equal(out.elements[7].outcome, PB_ELIG_ELIGIBLE);
}

static void test_elig_result_facts(void **state)
{
	struct pb_elig_input in;
	struct pb_elig_result out;
	char buf[11];

	(void)state;
	base_input(&in);
	in.date_of_birth = D("2008-09-01");
	in.as_of = D("2025-06-28");
	assert_int_equal(pb_elig_evaluate(&in, &out), PB_OK);
	pb_date_format(out.end_of_csa, buf);
	assert_string_equal(buf, "2025-06-27");
	assert_int_equal(out.is_young_person, 1);
	assert_int_equal(out.age, 16);
	assert_int_equal(out.plan_status, PB_PLAN_UNDER_REVIEW);
	pb_date_format(out.last_eligible_day, buf);
	assert_string_equal(buf, "2033-08-31");  /* day before 25th birthday */
	in.plan_continued_past_25 = 1;
	assert_int_equal(pb_elig_evaluate(&in, &out), PB_OK);
	pb_date_format(out.last_eligible_day, buf);
	assert_string_equal(buf, "2034-08-31");  /* = day before the 26th */
	in.as_of = D("2025-06-27");
	assert_int_equal(pb_elig_evaluate(&in, &out), PB_OK);
	assert_int_equal(out.is_young_person, 0);
}

static void test_elig_plan_status_at(void **state)
{
	const struct pb_elig_plan_event h[] = {
		{ PB_PLAN_ASSESSMENT_AGREED, 100 },
		{ PB_PLAN_ISSUED, 200 },
		{ PB_PLAN_UNDER_REVIEW, 300 },
		{ PB_PLAN_ISSUED, 300 },   /* same day: the later entry wins */
		{ PB_PLAN_CEASED, 400 },
	};

	(void)state;
	assert_int_equal(pb_elig_plan_status_at(h, 5, 99), PB_ELIG_PLAN_NONE);
	assert_int_equal(pb_elig_plan_status_at(h, 5, 100), PB_PLAN_ASSESSMENT_AGREED);
	assert_int_equal(pb_elig_plan_status_at(h, 5, 199), PB_PLAN_ASSESSMENT_AGREED);
	assert_int_equal(pb_elig_plan_status_at(h, 5, 200), PB_PLAN_ISSUED);
	assert_int_equal(pb_elig_plan_status_at(h, 5, 300), PB_PLAN_ISSUED);
	assert_int_equal(pb_elig_plan_status_at(h, 3, 300), PB_PLAN_UNDER_REVIEW);
	assert_int_equal(pb_elig_plan_status_at(h, 5, 400), PB_PLAN_CEASED);
	assert_int_equal(pb_elig_plan_status_at(h, 5, 100000), PB_PLAN_CEASED);
	assert_int_equal(pb_elig_plan_status_at(h, 0, 300), PB_ELIG_PLAN_NONE);
	assert_int_equal(pb_elig_plan_status_at(NULL, 5, 300), PB_ELIG_PLAN_NONE);
	/* negative day numbers (before 1970) work too */
	{
		const struct pb_elig_plan_event old[] = { { PB_PLAN_ISSUED, -500 } };

		assert_int_equal(pb_elig_plan_status_at(old, 1, -500), PB_PLAN_ISSUED);
		assert_int_equal(pb_elig_plan_status_at(old, 1, -501), PB_ELIG_PLAN_NONE);
	}
}

static void test_ELIG_6_offer_find(void **state)
{
	const struct pb_elig_offer_item *it;
	const struct pb_elig_offer_item dup[] = {
		{ "transport", PB_STREAM_SOCIAL_CARE, 1, 0 },
		{ "transport", PB_STREAM_EDUCATION, 1, 1 },
		{ "transport", PB_STREAM_EDUCATION, 0, 0 },
	};

	(void)state;
	it = pb_elig_offer_find(test_offer, 6, "tutoring", PB_STREAM_EDUCATION);
	assert_ptr_equal(it, &test_offer[4]);
	it = pb_elig_offer_find(test_offer, 6, "transport", PB_STREAM_HEALTH);
	assert_ptr_equal(it, &test_offer[0]);  /* offered under another stream */
	assert_null(pb_elig_offer_find(test_offer, 6, "nothing", PB_STREAM_HEALTH));
	assert_null(pb_elig_offer_find(NULL, 0, "transport", PB_STREAM_EDUCATION));
	assert_null(pb_elig_offer_find(test_offer, 6, NULL, PB_STREAM_EDUCATION));
	assert_null(pb_elig_offer_find(test_offer, 6, "Transport", PB_STREAM_EDUCATION));
	/* exact stream match beats an earlier other-stream row; first exact wins */
	it = pb_elig_offer_find(dup, 3, "transport", PB_STREAM_EDUCATION);
	assert_ptr_equal(it, &dup[1]);
}

static void test_ELIG_9_place_service_types(void **state)
{
	static const char *const yes[] = {
		"school_place", "college_place", "institution_place", "nursery_place",
		"placement", "school_fees", "college_fees", "tuition_fees",
		"residential_placement", "college_placement",
	};
	static const char *const no[] = {
		"transport", "short_breaks", "continuing_care", "placements_advice",
		"school", "place", "school_placer", "",
	};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(yes) / sizeof(yes[0]); i++)
		assert_true(pb_elig_is_place_service(yes[i]));
	for (i = 0; i < sizeof(no) / sizeof(no[0]); i++)
		assert_false(pb_elig_is_place_service(no[i]));
	assert_false(pb_elig_is_place_service(NULL));
	for (i = 0; pb_elig_place_service_types[i] != NULL; i++)
		assert_true(pb_elig_is_place_service(pb_elig_place_service_types[i]));
	assert_int_equal(i, 8);
}

static void test_ELIG_7_default_offer(void **state)
{
	static const struct { const char *service; enum pb_stream stream; } want[] = {
		{ "transport", PB_STREAM_EDUCATION },
		{ "short_breaks", PB_STREAM_SOCIAL_CARE },
		{ "continuing_care", PB_STREAM_HEALTH },
	};
	struct pb_elig_input in;
	struct pb_elig_result out;
	size_t i;

	(void)state;
	for (i = 0; i < PB_ELIG_DEFAULT_OFFER_LEN; i++) {
		assert_string_equal(pb_elig_default_offer[i].service_type, want[i].service);
		assert_int_equal(pb_elig_default_offer[i].stream, want[i].stream);
		assert_int_equal(pb_elig_default_offer[i].offered, 1);
		assert_int_equal(pb_elig_default_offer[i].direct_payment_allowed, 1);
	}
	/* pb_elig_input_init starts from the default offer and presumed
	 * capacity, so the three default services are eligible as DPs. */
	pb_elig_input_init(&in);
	assert_ptr_equal(in.offer, pb_elig_default_offer);
	assert_int_equal(in.noffer, PB_ELIG_DEFAULT_OFFER_LEN);
	assert_int_equal(in.requester.relationship, PB_ELIG_REL_NONE);
	assert_int_equal(in.requester.has_capacity, 1);
	assert_int_equal(in.requester.able_to_manage, 1);
	assert_int_equal(in.requester.excluded, 0);
	assert_int_equal(in.requester.named_in_writing, 0);
	in.date_of_birth = D(CHILD_A);
	in.as_of = D(ASOF_A);
	in.requester.relationship = PB_REL_PARENT;
	in.requester.has_parental_responsibility = 1; /* PAY-12 for short_breaks */
	in.nplan_history = 1;
	in.plan_history[0].status = PB_PLAN_ASSESSMENT_AGREED;
	in.plan_history[0].effective_from = D("2025-01-01");
	in.nelements = 3;
	for (i = 0; i < 3; i++) {
		in.elements[i].stream = want[i].stream;
		in.elements[i].service_type = want[i].service;
		in.elements[i].arrangement = PB_ARR_DIRECT_PAYMENT;
	}
	assert_int_equal(pb_elig_evaluate(&in, &out), PB_OK);
	assert_int_equal(out.outcome, PB_ELIG_ELIGIBLE);
	for (i = 0; i < 3; i++)
		assert_int_equal(out.elements[i].outcome, PB_ELIG_ELIGIBLE);
	/* a service outside the default offer goes to the panel */
	in.elements[0].service_type = "equipment";
	assert_int_equal(pb_elig_evaluate(&in, &out), PB_OK);
	assert_int_equal(out.outcome, PB_ELIG_PANEL_REFERRAL);
}

static void test_PAY_4_message_suggests_alternatives(void **state)
{
	struct pb_elig_input in;
	struct pb_elig_result out;
	const struct pb_elig_reason *r;

	(void)state;
	base_input(&in);
	in.requester.excluded = 1;
	assert_int_equal(pb_elig_evaluate(&in, &out), PB_OK);
	assert_int_equal(out.elements[0].nreasons, 1);
	r = &out.elements[0].reasons[0];
	assert_string_equal(r->rule, "PAY-4");
	assert_non_null(strstr(r->message, "third-party"));
	assert_non_null(strstr(r->message, "notional"));
	/* and the same person is fine for a notional budget */
	in.elements[0].arrangement = PB_ARR_NOTIONAL;
	assert_int_equal(pb_elig_evaluate(&in, &out), PB_OK);
	assert_int_equal(out.outcome, PB_ELIG_ELIGIBLE);
}

static void test_elig_rule_catalogue(void **state)
{
	static const char *const prefixes[] = { "ELIG-", "BUD-", "PAY-", "PLAN-", "REP-" };
	static const int counts[] = { 12, 12, 24, 5, 1 };
	size_t p, i, j;
	int n;

	(void)state;
	assert_int_equal(pb_elig_rule_catalogue_len, 54);
	/* every id of domain.md, in order */
	i = 0;
	for (p = 0; p < 5; p++) {
		for (n = 1; n <= counts[p]; n++, i++) {
			char id[16];
			size_t lp = strlen(prefixes[p]);
			const struct pb_elig_rule *r;

			memcpy(id, prefixes[p], lp);
			if (n >= 10)
				id[lp++] = (char)('0' + n / 10);
			id[lp++] = (char)('0' + n % 10);
			id[lp] = '\0';
			r = pb_elig_rule_find(id);
			assert_non_null(r);
			assert_ptr_equal(r, &pb_elig_rule_catalogue[i]);
			assert_true(strlen(r->statement) > 20);
			assert_true(strlen(r->source) > 2);
			assert_non_null(pb_elig_rule_kind_str(r->kind));
			assert_true(r->unconfirmed == 0 || r->unconfirmed == 1);
		}
	}
	for (i = 0; i < pb_elig_rule_catalogue_len; i++)
		for (j = i + 1; j < pb_elig_rule_catalogue_len; j++)
			assert_string_not_equal(pb_elig_rule_catalogue[i].id,
			    pb_elig_rule_catalogue[j].id);
	assert_null(pb_elig_rule_find("ELIG-13"));
	assert_null(pb_elig_rule_find("elig-1"));
	assert_null(pb_elig_rule_find("ELIG-1 "));
	assert_null(pb_elig_rule_find(""));
	assert_null(pb_elig_rule_find(NULL));
	assert_int_equal(pb_elig_rule_find("ELIG-6")->kind, PB_ELIG_KIND_LOCAL);
	assert_int_equal(pb_elig_rule_find("ELIG-9")->kind, PB_ELIG_KIND_GUIDANCE);
	assert_int_equal(pb_elig_rule_find("PAY-4")->kind, PB_ELIG_KIND_LAW);
	assert_int_equal(pb_elig_rule_find("ELIG-3")->unconfirmed, 1);
	assert_int_equal(pb_elig_rule_find("ELIG-11")->unconfirmed, 0);
}

/* Eligibility's own names; the shared ones (streams, arrangements,
 * relationships, plan statuses) are tested where they are defined. */
static void test_elig_enum_names(void **state)
{
	static const char *const outs[] = { "eligible", "ineligible", "panel_referral" };
	static const char *const bad[] = { "", "Eligible", "eligible ", "ELIGIBLE", "x" };
	size_t i;

	(void)state;
	for (i = 0; i < 3; i++) {
		enum pb_elig_outcome v = 0;

		assert_int_equal(pb_elig_outcome_parse(outs[i], strlen(outs[i]), &v), PB_OK);
		assert_int_equal((int)v, (int)i + 1);
		assert_string_equal(pb_elig_outcome_str(v), outs[i]);
	}
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		enum pb_elig_outcome o = PB_ELIG_INELIGIBLE;

		assert_int_equal(pb_elig_outcome_parse(bad[i], strlen(bad[i]), &o), PB_EINVAL);
		assert_int_equal(o, PB_ELIG_INELIGIBLE);   /* untouched on failure */
	}
	assert_int_equal(pb_elig_outcome_parse(NULL, 0, &(enum pb_elig_outcome){ 0 }), PB_EINVAL);
	assert_string_equal(pb_elig_plan_status_name(PB_ELIG_PLAN_NONE), "none");
	assert_string_equal(pb_elig_plan_status_name(PB_PLAN_ISSUED), "issued");
	assert_string_equal(pb_elig_relationship_name(PB_ELIG_REL_NONE), "none");
	assert_string_equal(pb_elig_relationship_name(PB_REL_REPRESENTATIVE), "representative");
	assert_null(pb_elig_outcome_str((enum pb_elig_outcome)0));
	assert_null(pb_elig_outcome_str((enum pb_elig_outcome)4));
	assert_null(pb_elig_rule_kind_str((enum pb_elig_rule_kind)4));
	assert_string_equal(pb_elig_rule_kind_str(PB_ELIG_KIND_GUIDANCE), "guidance");
	/* the shared vocabulary, as eligibility reads it */
	enum pb_stream st = 0;
	assert_int_equal(pb_stream_parse("social_care", 11, &st), PB_OK);
	assert_int_equal(st, PB_STREAM_SOCIAL_CARE);
	assert_null(pb_stream_str((enum pb_stream)0));
	enum pb_arrangement ar = 0;
	assert_int_equal(pb_arrangement_parse("mixed", 5, &ar), PB_OK);
	assert_int_equal(ar, PB_ARR_MIXED);
	assert_int_equal(pb_arrangement_parse("Mixed", 5, &ar), PB_EINVAL);
	enum pb_relationship rl = 0;
	assert_int_equal(pb_relationship_parse("none", 4, &rl), PB_EINVAL);
	assert_int_equal(pb_relationship_parse("representative", 14, &rl), PB_OK);
}

static const struct CMUnitTest fixed_tests[] = {
	cmocka_unit_test(test_elig_evaluate_rejects_invalid_input),
	cmocka_unit_test(test_elig_result_facts),
	cmocka_unit_test(test_elig_plan_status_at),
	cmocka_unit_test(test_ELIG_6_offer_find),
	cmocka_unit_test(test_ELIG_9_place_service_types),
	cmocka_unit_test(test_ELIG_7_default_offer),
	cmocka_unit_test(test_PAY_4_message_suggests_alternatives),
	cmocka_unit_test(test_elig_rule_catalogue),
	cmocka_unit_test(test_elig_enum_names),
};

#define NFIXED (sizeof(fixed_tests) / sizeof(fixed_tests[0]))

int main(void)
{
	static struct CMUnitTest tests[NCASES + NFIXED];
	size_t i;

	for (i = 0; i < NCASES; i++) {
		tests[i].name = cases[i].name;
		tests[i].test_func = run_case;
		tests[i].setup_func = NULL;
		tests[i].teardown_func = NULL;
		tests[i].initial_state = &cases[i];
	}
	for (i = 0; i < NFIXED; i++)
		tests[NCASES + i] = fixed_tests[i];
	return _cmocka_run_group_tests("elig_rules", tests, NCASES + NFIXED, NULL, NULL);
}
