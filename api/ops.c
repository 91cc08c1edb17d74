/* SPDX-License-Identifier: MIT */
/* ops.c — operations endpoints: health, readiness, metrics, the API description.
 * The database is reached only through internal/ops (the one door). */
#include "api/handlers.h"

#include <stdlib.h>
#include <string.h>

#include "internal/core/buf.h"
#include "internal/core/version.h"
#include "internal/metrics/metrics.h"
#include "internal/ops/ops.h"

void api_healthz(struct pb_req *req, struct pb_resp *resp)
{
	(void)req;
	cJSON *o = cJSON_CreateObject();
	cJSON_AddStringToObject(o, "status", "ok");
	pb_resp_json(resp, 200, o);
}

void api_readyz(struct pb_req *req, struct pb_resp *resp)
{
	struct pb_db *db = NULL;
	struct pb_ops_readiness r;

	if (pb_req_db(req, &db) != PB_OK)
		db = NULL;
	pb_ops_readiness(db, &r);
	if (r.ready && pb_server_draining()) {
		r.ready = 0;
		r.why = "shutting down";
	}
	cJSON *o = cJSON_CreateObject();
	cJSON_AddStringToObject(o, "status", r.ready ? "ready" : "unavailable");
	cJSON_AddNumberToObject(o, "schema_version", r.schema_version);
	cJSON_AddNumberToObject(o, "expected_schema_version", r.expected_schema_version);
	cJSON_AddBoolToObject(o, "read_only", r.read_only > 0);
	if (!r.ready) {
		cJSON_AddStringToObject(o, "code", "UNAVAILABLE");
		cJSON_AddStringToObject(o, "detail", r.why);
	}
	pb_resp_json(resp, r.ready ? 200 : 503, o);
	if (!r.ready)
		pb_resp_header(resp, "Retry-After", "1");
}

void api_metrics(struct pb_req *req, struct pb_resp *resp)
{
	struct pb_metrics_pool mp;
	struct pb_buf b;
	size_t len;

	pb_ops_pool_metrics(req->pool, &mp);
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
