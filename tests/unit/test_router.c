/* SPDX-License-Identifier: MIT */
/* test_router.c — path matching, parameters, 404 vs 405, Allow strings. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "internal/http/http.h"

static void h(struct pb_req *req, struct pb_resp *resp)
{
	(void)req;
	(void)resp;
}

static const struct pb_route routes[] = {
	{ PB_GET, "/healthz", h, 0, PB_ROUTE_PUBLIC },
	{ PB_POST, "/v1/children", h, 0, 0 },
	{ PB_GET, "/v1/children", h, 0, 0 },
	{ PB_GET | PB_PATCH, "/v1/children/{id}", h, 0, 0 },
	{ PB_POST, "/v1/budgets/{id}/elements/{element_id}/exceptions", h, 0, 0 },
};
#define NR (sizeof(routes) / sizeof(routes[0]))

static void test_exact_and_params(void **state)
{
	struct pb_req req;
	unsigned allow = 0;

	(void)state;
	memset(&req, 0, sizeof(req));
	assert_int_equal(pb_router_match(routes, NR, PB_GET, "/healthz", &req, &allow), 0);
	assert_int_equal(pb_router_match(routes, NR, PB_POST, "/v1/children", &req, &allow), 1);
	assert_int_equal(pb_router_match(routes, NR, PB_GET, "/v1/children", &req, &allow), 2);
	assert_int_equal(pb_router_match(routes, NR, PB_PATCH, "/v1/children/abc", &req, &allow), 3);
	assert_string_equal(pb_req_param(&req, "id"), "abc");
	assert_null(pb_req_param(&req, "i"));
	assert_null(pb_req_param(&req, "idx"));
	assert_int_equal(pb_router_match(routes, NR, PB_POST,
	    "/v1/budgets/b1/elements/e2/exceptions", &req, &allow), 4);
	assert_string_equal(pb_req_param(&req, "id"), "b1");
	assert_string_equal(pb_req_param(&req, "element_id"), "e2");
}

static void test_head_is_get(void **state)
{
	struct pb_req req;
	(void)state;
	memset(&req, 0, sizeof(req));
	assert_int_equal(pb_router_match(routes, NR, PB_HEAD, "/healthz", &req, NULL), 0);
}

static void test_not_found(void **state)
{
	static const char *const paths[] = { "/", "/healthz/", "/v1/children/", "//v1/children",
	    "/v1/children/a/b", "/v1/childrenx", "/v1", "/HEALTHZ", "/v1/children//x", "" };
	struct pb_req req;
	unsigned allow = 0;

	(void)state;
	for (size_t i = 0; i < sizeof(paths) / sizeof(paths[0]); i++) {
		memset(&req, 0, sizeof(req));
		assert_int_equal(pb_router_match(routes, NR, PB_GET, paths[i], &req, &allow), -1);
	}
}

static void test_method_not_allowed(void **state)
{
	struct pb_req req;
	unsigned allow = 0;
	char buf[96];

	(void)state;
	memset(&req, 0, sizeof(req));
	assert_int_equal(pb_router_match(routes, NR, PB_DELETE, "/v1/children", &req, &allow), -2);
	assert_int_equal(allow, PB_GET | PB_POST);
	pb_http_methods_string(allow, buf, sizeof(buf));
	assert_string_equal(buf, "GET, POST, HEAD");
	assert_int_equal(pb_router_match(routes, NR, PB_POST, "/v1/children/x", &req, &allow), -2);
	pb_http_methods_string(allow, buf, sizeof(buf));
	assert_string_equal(buf, "GET, PATCH, HEAD");
}

static void test_long_segment_never_matches(void **state)
{
	char path[200] = "/v1/children/";
	struct pb_req req;

	(void)state;
	memset(path + strlen(path), 'a', 100);
	memset(&req, 0, sizeof(req));
	assert_int_equal(pb_router_match(routes, NR, PB_GET, path, &req, NULL), -1);
}

static void test_status_mapping(void **state)
{
	(void)state;
	assert_int_equal(pb_http_status_for(PB_EINVAL), 400);
	assert_int_equal(pb_http_status_for(PB_EUNAUTH), 401);
	assert_int_equal(pb_http_status_for(PB_ESOD), 403);
	assert_int_equal(pb_http_status_for(PB_ENOTFOUND), 404);
	assert_int_equal(pb_http_status_for(PB_EMETHOD), 405);
	assert_int_equal(pb_http_status_for(PB_ETRANSITION), 409);
	assert_int_equal(pb_http_status_for(PB_EFUNDS), 409);
	assert_int_equal(pb_http_status_for(PB_EPRECONDITION), 412);
	assert_int_equal(pb_http_status_for(PB_ETOOLARGE), 413);
	assert_int_equal(pb_http_status_for(PB_EMEDIA), 415);
	assert_int_equal(pb_http_status_for(PB_ERULE), 422);
	assert_int_equal(pb_http_status_for(PB_EIDEMPOTENCY), 422);
	assert_int_equal(pb_http_status_for(PB_ERATE), 429);
	assert_int_equal(pb_http_status_for(PB_EUNAVAILABLE), 503);
	assert_string_equal(pb_err_code(PB_ESOD), "SEPARATION_OF_DUTIES");
	assert_string_equal(pb_err_code(PB_EUNAUTH), "UNAUTHENTICATED");
}

static void test_problem_rendering(void **state)
{
	struct pb_problem p;
	struct pb_resp resp;

	(void)state;
	memset(&resp, 0, sizeof(resp));
	pb_problem_init(&p);
	pb_problem_field(&p, "elements[0].stream", "invalid_enum", "must be one of: %s", "x");
	pb_problem_set(&p, PB_ERULE, "PAY-10", "No council payees.");
	pb_resp_problem(&resp, &p);
	assert_int_equal(resp.status, 422);
	assert_string_equal(resp.content_type, "application/problem+json");
	assert_string_equal(cJSON_GetObjectItemCaseSensitive(resp.json, "code")->valuestring,
	    "RULE_VIOLATION");
	assert_string_equal(cJSON_GetObjectItemCaseSensitive(resp.json, "rule")->valuestring, "PAY-10");
	cJSON *errs = cJSON_GetObjectItemCaseSensitive(resp.json, "errors");
	assert_int_equal(cJSON_GetArraySize(errs), 1);
	cJSON_Delete(resp.json);
}

static void test_problem_overflow_truncates(void **state)
{
	struct pb_problem p;

	(void)state;
	pb_problem_init(&p);
	for (int i = 0; i < PB_PROBLEM_MAX_ERRORS + 5; i++)
		assert_int_equal(pb_problem_field(&p, "f", "invalid", "n %d", i), PB_EINVAL);
	assert_int_equal(p.nerrors, PB_PROBLEM_MAX_ERRORS);
	assert_int_equal(p.truncated, 1);
	assert_int_equal(p.err, PB_EINVAL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_exact_and_params),
		cmocka_unit_test(test_head_is_get),
		cmocka_unit_test(test_not_found),
		cmocka_unit_test(test_method_not_allowed),
		cmocka_unit_test(test_long_segment_never_matches),
		cmocka_unit_test(test_status_mapping),
		cmocka_unit_test(test_problem_rendering),
		cmocka_unit_test(test_problem_overflow_truncates),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
