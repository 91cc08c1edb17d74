/* SPDX-License-Identifier: MIT */
/*
 * routes.c — the route table: every path of openapi.yaml and its handler.
 * A route's service group lets PB_SERVICES switch it off (404).
 */
#include "api/handlers.h"

#include "internal/config/config.h"

const struct pb_route api_routes[] = {
	/* operations: no token */
	{ PB_GET, "/healthz", api_healthz, 0, PB_ROUTE_PUBLIC },
	{ PB_GET, "/readyz", api_readyz, 0, PB_ROUTE_PUBLIC },
	{ PB_GET, "/metrics", api_metrics, 0, PB_ROUTE_PUBLIC },
	{ PB_GET, "/openapi.yaml", api_openapi, 0, PB_ROUTE_PUBLIC },
	{ PB_GET, "/docs", api_docs_index, 0, PB_ROUTE_PUBLIC },
	{ PB_GET, "/docs/{file}", api_docs_file, 0, PB_ROUTE_PUBLIC },
	/* core records */
	{ PB_POST, "/v1/people", api_people_create, 0, 0 },
	{ PB_GET, "/v1/people/{id}", api_people_get, 0, 0 },
	{ PB_PATCH, "/v1/people/{id}", api_people_patch, 0, 0 },
	{ PB_POST, "/v1/children", api_children_create, 0, 0 },
	{ PB_GET, "/v1/children", api_children_list, 0, 0 },
	{ PB_GET, "/v1/children/{id}", api_children_get, 0, 0 },
	{ PB_PATCH, "/v1/children/{id}", api_children_patch, 0, 0 },
	{ PB_POST, "/v1/children/{id}/contacts", api_contacts_create, 0, 0 },
	{ PB_GET, "/v1/children/{id}/contacts", api_contacts_list, 0, 0 },
	{ PB_GET, "/v1/children/{id}/contacts/{contact_id}", api_contacts_get, 0, 0 },
	{ PB_PATCH, "/v1/children/{id}/contacts/{contact_id}", api_contacts_patch, 0, 0 },
	{ PB_POST, "/v1/children/{id}/plans", api_plans_create, 0, 0 },
	{ PB_GET, "/v1/children/{id}/plans", api_plans_list, 0, 0 },
	{ PB_GET, "/v1/plans/{id}", api_plans_get, 0, 0 },
	{ PB_PATCH, "/v1/plans/{id}", api_plans_patch, 0, 0 },
	/* eligibility service; the rule catalogue is always on, since every
	 * service's problem+json `rule` resolves there */
	{ PB_GET, "/v1/rules", api_rules_list, 0, 0 },
	{ PB_GET, "/v1/rules/{id}", api_rules_get, 0, 0 },
	{ PB_GET, "/v1/offer", api_offer_list, PB_SVC_ELIGIBILITY, 0 },
	{ PB_PUT, "/v1/offer/{service_type}", api_offer_put, PB_SVC_ELIGIBILITY, 0 },
	{ PB_POST, "/v1/eligibility/checks", api_checks_create, PB_SVC_ELIGIBILITY, 0 },
	{ PB_GET, "/v1/eligibility/checks/{id}", api_checks_get, PB_SVC_ELIGIBILITY, 0 },
	{ PB_POST, "/v1/budget-requests", api_requests_create, PB_SVC_ELIGIBILITY, 0 },
	{ PB_GET, "/v1/budget-requests/{id}", api_requests_get, PB_SVC_ELIGIBILITY, 0 },
	{ PB_POST, "/v1/budget-requests/{id}/decision", api_requests_decision,
	  PB_SVC_ELIGIBILITY, 0 },
	{ PB_POST, "/v1/budget-requests/{id}/review", api_requests_review, PB_SVC_ELIGIBILITY, 0 },
	{ PB_POST, "/v1/budget-requests/{id}/withdraw", api_requests_withdraw,
	  PB_SVC_ELIGIBILITY, 0 },
	/* budgets service */
	{ PB_POST, "/v1/budgets", api_budgets_create, PB_SVC_BUDGETS, 0 },
	{ PB_GET, "/v1/budgets/{id}", api_budgets_get, PB_SVC_BUDGETS, 0 },
	{ PB_PATCH, "/v1/budgets/{id}", api_budgets_patch, PB_SVC_BUDGETS, 0 },
	{ PB_POST, "/v1/budgets/{id}/approve", api_budgets_approve, PB_SVC_BUDGETS, 0 },
	{ PB_POST, "/v1/budgets/{id}/suspend", api_budgets_suspend, PB_SVC_BUDGETS, 0 },
	{ PB_POST, "/v1/budgets/{id}/resume", api_budgets_resume, PB_SVC_BUDGETS, 0 },
	{ PB_POST, "/v1/budgets/{id}/close", api_budgets_close, PB_SVC_BUDGETS, 0 },
	{ PB_PATCH, "/v1/budgets/{id}/elements/{element_id}/agreement",
	  api_budgets_agreement_patch, PB_SVC_BUDGETS, 0 },
	{ PB_POST, "/v1/budgets/{id}/elements/{element_id}/exceptions",
	  api_budgets_exception_create, PB_SVC_BUDGETS, 0 },
	{ PB_GET, "/v1/budgets/{id}/statement", api_budgets_statement, PB_SVC_BUDGETS, 0 },
	{ PB_GET, "/v1/budgets/{id}/section-j", api_budgets_section_j, PB_SVC_BUDGETS, 0 },
	{ PB_GET, "/v1/children/{id}/budgets", api_children_budgets, PB_SVC_BUDGETS, 0 },
	{ PB_GET, "/v1/me/budgets", api_me_budgets, PB_SVC_BUDGETS, 0 },
	{ PB_GET, "/v1/reviews/due", api_reviews_due, PB_SVC_BUDGETS, 0 },
	/* payees: always on — budgets name them, payments pay them */
	{ PB_POST, "/v1/payees", api_payees_create, 0, 0 },
	{ PB_GET, "/v1/payees/{id}", api_payees_get, 0, 0 },
	{ PB_PATCH, "/v1/payees/{id}", api_payees_patch, 0, 0 },
	{ PB_POST, "/v1/payees/{id}/bank-changes/{change_id}/confirm",
	    api_payees_bank_change_confirm, 0, 0 },
	{ PB_POST, "/v1/payees/{id}/bank-changes/{change_id}/reject",
	    api_payees_bank_change_reject, 0, 0 },
	/* payment disbursement service */
	{ PB_POST, "/v1/budgets/{id}/payments", api_payments_create, PB_SVC_PAYMENTS, 0 },
	{ PB_GET, "/v1/budgets/{id}/payments", api_budget_payments_list, PB_SVC_PAYMENTS, 0 },
	{ PB_GET, "/v1/payments/{id}", api_payments_get, PB_SVC_PAYMENTS, 0 },
	{ PB_POST, "/v1/payments/{id}/approve", api_payments_approve, PB_SVC_PAYMENTS, 0 },
	{ PB_POST, "/v1/payments/{id}/cancel", api_payments_cancel, PB_SVC_PAYMENTS, 0 },
	{ PB_POST, "/v1/budgets/{id}/schedules", api_schedules_create, PB_SVC_PAYMENTS, 0 },
	{ PB_POST, "/v1/schedules/materialise", api_schedules_materialise, PB_SVC_PAYMENTS, 0 },
	{ PB_GET, "/v1/schedules/{id}", api_schedules_get, PB_SVC_PAYMENTS, 0 },
	{ PB_POST, "/v1/payment-runs", api_payment_runs_create, PB_SVC_PAYMENTS, 0 },
	{ PB_GET, "/v1/payment-runs/{id}", api_payment_runs_get, PB_SVC_PAYMENTS, 0 },
	{ PB_GET, "/v1/payment-runs/{id}/export", api_payment_runs_export, PB_SVC_PAYMENTS, 0 },
	{ PB_POST, "/v1/payment-runs/{id}/results", api_payment_runs_results,
	  PB_SVC_PAYMENTS, 0 },
	{ PB_POST, "/v1/budgets/{id}/recoveries", api_recoveries_create, PB_SVC_PAYMENTS, 0 },
	{ PB_GET, "/v1/budgets/{id}/recoveries/{recovery_id}", api_recoveries_get,
	  PB_SVC_PAYMENTS, 0 },
	/* recoveries as debts (PAY-18) */
	{ PB_POST, "/v1/budgets/{id}/debts", api_debts_create, PB_SVC_PAYMENTS, 0 },
	{ PB_GET, "/v1/budgets/{id}/debts", api_budget_debts_list, PB_SVC_PAYMENTS, 0 },
	{ PB_GET, "/v1/debts/{id}", api_debts_get, PB_SVC_PAYMENTS, 0 },
	{ PB_POST, "/v1/debts/{id}/invoice", api_debts_invoice, PB_SVC_PAYMENTS, 0 },
	{ PB_POST, "/v1/debts/{id}/paid", api_debts_paid, PB_SVC_PAYMENTS, 0 },
	{ PB_POST, "/v1/debts/{id}/offset", api_debts_offset, PB_SVC_PAYMENTS, 0 },
	{ PB_POST, "/v1/debts/{id}/write-off", api_debts_write_off, PB_SVC_PAYMENTS, 0 },
	{ PB_POST, "/v1/debts/{id}/write-off/approve", api_debts_write_off_approve,
	  PB_SVC_PAYMENTS, 0 },
	{ PB_POST, "/v1/debts/{id}/write-off/reject", api_debts_write_off_reject,
	  PB_SVC_PAYMENTS, 0 },
	{ PB_POST, "/v1/debts/{id}/review", api_debts_review, PB_SVC_PAYMENTS, 0 },
	{ PB_POST, "/v1/debts/{id}/review/decision", api_debts_review_decision,
	  PB_SVC_PAYMENTS, 0 },
	/* PAY-19 reads only element totals (no bank details), so the budgets
	 * deployment serves it and its inputs, as deploy/k8s/overlays/split/ingress.yaml
	 * routes them */
	{ PB_GET, "/v1/budgets/{id}/surplus", api_budgets_surplus, PB_SVC_BUDGETS, 0 },
	{ PB_POST, "/v1/budgets/{id}/surplus/inputs", api_surplus_inputs_create,
	  PB_SVC_BUDGETS, 0 },
	/* audit and integration */
	{ PB_GET, "/v1/audit", api_audit_list, 0, 0 },
	{ PB_GET, "/v1/events", api_events_list, 0, 0 },
};

const size_t api_routes_count = sizeof(api_routes) / sizeof(api_routes[0]);
