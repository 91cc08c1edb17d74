/* SPDX-License-Identifier: MIT */
/* ops.c — operations endpoints: health, readiness, metrics, the API description. */
#include "api/handlers.h"

#include <stdlib.h>
#include <string.h>

#include "internal/core/buf.h"
#include "internal/core/version.h"
#include "internal/db/db.h"
#include "internal/db/migrate.h"
#include "internal/metrics/metrics.h"

void api_healthz(struct pb_req *req, struct pb_resp *resp)
{
	(void)req;
	cJSON *o = cJSON_CreateObject();
	cJSON_AddStringToObject(o, "status", "ok");
	pb_resp_json(resp, 200, o);
}

void api_readyz(struct pb_req *req, struct pb_resp *resp)
{
	struct pb_db *db;
	const char *why = NULL;
	int current = -1;

	if (pb_req_db(req, &db) != PB_OK)
		why = "database unreachable";
	else if ((current = pb_migrate_current(db)) != pb_migrate_latest())
		why = current < 0 ? "database unreachable" : "schema is not at this binary's version";
	cJSON *o = cJSON_CreateObject();
	cJSON_AddStringToObject(o, "status", why ? "unavailable" : "ready");
	cJSON_AddNumberToObject(o, "schema_version", current);
	cJSON_AddNumberToObject(o, "expected_schema_version", pb_migrate_latest());
	if (why != NULL) {
		cJSON_AddStringToObject(o, "code", "UNAVAILABLE");
		cJSON_AddStringToObject(o, "detail", why);
	}
	pb_resp_json(resp, why ? 503 : 200, o);
}

void api_metrics(struct pb_req *req, struct pb_resp *resp)
{
	struct pb_db_stats s;
	struct pb_buf b;
	size_t len;

	pb_db_pool_stats(req->pool, &s);
	struct pb_metrics_pool mp = { s.size, s.open, s.in_use, s.waiting };
	pb_buf_init(&b, 4 * 1024 * 1024);
	pb_metrics_render(&b, &mp, PB_VERSION);
	char *text = pb_buf_take(&b, &len);
	pb_resp_raw(resp, 200, "text/plain; version=0.0.4; charset=utf-8", text, len);
}

void api_openapi(struct pb_req *req, struct pb_resp *resp)
{
	(void)req;
	char *copy = malloc(pb_openapi_yaml_len + 1);
	if (copy == NULL) {
		pb_resp_error(resp, PB_EUNAVAILABLE, "Out of memory.");
		return;
	}
	memcpy(copy, pb_openapi_yaml, pb_openapi_yaml_len + 1);
	pb_resp_raw(resp, 200, "application/yaml", copy, pb_openapi_yaml_len);
}
