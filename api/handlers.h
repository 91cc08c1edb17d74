/* SPDX-License-Identifier: MIT */
/*
 * handlers.h — every HTTP handler, grouped by resource family (one .c
 * each), and the route table that maps paths to them (routes.c).
 */
#ifndef PB_API_HANDLERS_H
#define PB_API_HANDLERS_H

#include <stddef.h>

#include "internal/http/http.h"

extern const struct pb_route api_routes[];
extern const size_t api_routes_count;

/* The embedded openapi.yaml (build/gen/openapi.c). */
extern const char pb_openapi_yaml[];
extern const size_t pb_openapi_yaml_len;
/* The API reference page's own files (build/gen/docs_index.c, docs_init.c). */
extern const char pb_docs_index_html[];
extern const size_t pb_docs_index_html_len;
extern const char pb_docs_init_js[];
extern const size_t pb_docs_init_js_len;
/* The family page's own files (build/gen/family_*.c). */
extern const char pb_family_index_html[];
extern const size_t pb_family_index_html_len;
extern const char pb_family_js[];
extern const size_t pb_family_js_len;
extern const char pb_family_css[];
extern const size_t pb_family_css_len;

/* ops.c */
pb_handler_fn api_healthz, api_readyz, api_metrics, api_openapi;
/* docs.c */
pb_handler_fn api_docs_index, api_docs_file;
/* family.c */
pb_handler_fn api_family_index, api_family_file;
/* records.c */
pb_handler_fn api_people_create, api_people_get, api_people_patch, api_people_list;
pb_handler_fn api_children_create, api_children_list, api_children_get, api_children_patch;
pb_handler_fn api_contacts_create, api_contacts_list, api_contacts_get, api_contacts_patch;
pb_handler_fn api_plans_create, api_plans_get, api_plans_list, api_plans_patch;
/* eligibility.c */
pb_handler_fn api_offer_list, api_offer_put, api_rules_list, api_rules_get;
pb_handler_fn api_checks_create, api_checks_get;
pb_handler_fn api_requests_create, api_requests_get, api_requests_decision;
pb_handler_fn api_requests_review, api_requests_withdraw, api_requests_list;
/* budgets.c */
pb_handler_fn api_budgets_create, api_budgets_get, api_budgets_patch, api_budgets_list;
pb_handler_fn api_budgets_approve, api_budgets_suspend, api_budgets_resume, api_budgets_close;
pb_handler_fn api_budgets_agreement_patch, api_budgets_exception_create;
pb_handler_fn api_budgets_statement, api_budgets_section_j, api_children_budgets;
pb_handler_fn api_variations_create, api_variations_list, api_variations_get;
pb_handler_fn api_variations_approve, api_variations_reject, api_variations_reconsideration;
pb_handler_fn api_variations_reconsideration_decision, api_variations_apply_due;
pb_handler_fn api_budgets_versions, api_settings_get, api_settings_patch, api_elements_stop;
/* agreements.c */
pb_handler_fn api_agreement_get, api_agreement_reviews_create;
pb_handler_fn api_agreement_head_teacher_withdrawal;
pb_handler_fn api_me_budgets, api_reviews_due;
/* payees.c */
pb_handler_fn api_payees_create, api_payees_get, api_payees_patch,
    api_payees_bank_change_confirm, api_payees_bank_change_reject;
/* payments.c */
pb_handler_fn api_payments_create, api_payments_get, api_budget_payments_list;
pb_handler_fn api_me_payments;
pb_handler_fn api_payments_approve, api_payments_cancel;
pb_handler_fn api_payments_list, api_payments_reissue;
pb_handler_fn api_schedules_create, api_schedules_get, api_schedules_materialise;
pb_handler_fn api_budgets_surplus;
/* schedules.c */
pb_handler_fn api_schedules_list, api_schedules_patch, api_schedules_stop,
    api_schedules_skipped, api_term_dates_list, api_term_dates_put;
/* debts.c */
pb_handler_fn api_recoveries_create, api_recoveries_get;
pb_handler_fn api_debts_create, api_debts_get, api_budget_debts_list;
pb_handler_fn api_debts_invoice, api_debts_paid, api_debts_offset;
pb_handler_fn api_debts_write_off, api_debts_write_off_approve, api_debts_write_off_reject;
pb_handler_fn api_debts_review, api_debts_review_decision, api_surplus_inputs_create;
pb_handler_fn api_budgets_dp_positions;
/* payment_runs.c */
pb_handler_fn api_payment_runs_create, api_payment_runs_get, api_payment_runs_export;
pb_handler_fn api_payment_runs_results, api_payment_runs_list, api_payment_runs_sent;
pb_handler_fn api_payment_runs_reconcile, api_payment_runs_reconciliation;
/* ledger.c */
pb_handler_fn api_ledger_codes_list, api_ledger_codes_put;
/* spend_returns.c */
pb_handler_fn api_spend_returns_create, api_spend_returns_list, api_spend_returns_queue;
pb_handler_fn api_spend_returns_due, api_spend_returns_get, api_spend_evidence_upload;
pb_handler_fn api_spend_evidence_get, api_spend_returns_query, api_spend_returns_resubmit;
pb_handler_fn api_spend_returns_accept, api_dp_audits_create, api_dp_audits_list;
/* reports.c */
pb_handler_fn api_reports_sen2;
/* indicative.c */
pb_handler_fn api_schemes_create, api_schemes_list, api_schemes_get;
pb_handler_fn api_indicative_create, api_indicative_get, api_children_indicative;
/* audit.c */
pb_handler_fn api_audit_list, api_events_list;

#endif
