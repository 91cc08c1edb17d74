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
	/* core records */
	{ PB_POST, "/v1/people", api_people_create, 0, 0 },
	{ PB_GET, "/v1/people/{id}", api_people_get, 0, 0 },
	{ PB_POST, "/v1/children", api_children_create, 0, 0 },
	{ PB_GET, "/v1/children", api_children_list, 0, 0 },
	{ PB_GET, "/v1/children/{id}", api_children_get, 0, 0 },
	{ PB_PATCH, "/v1/children/{id}", api_children_patch, 0, 0 },
	{ PB_POST, "/v1/children/{id}/contacts", api_contacts_create, 0, 0 },
	{ PB_GET, "/v1/children/{id}/contacts", api_contacts_list, 0, 0 },
	{ PB_POST, "/v1/children/{id}/plans", api_plans_create, 0, 0 },
	{ PB_GET, "/v1/children/{id}/plans", api_plans_list, 0, 0 },
	{ PB_GET, "/v1/plans/{id}", api_plans_get, 0, 0 },
	{ PB_PATCH, "/v1/plans/{id}", api_plans_patch, 0, 0 },
	/* audit and integration */
	{ PB_GET, "/v1/audit", api_audit_list, 0, 0 },
	{ PB_GET, "/v1/events", api_events_list, 0, 0 },
};

const size_t api_routes_count = sizeof(api_routes) / sizeof(api_routes[0]);
