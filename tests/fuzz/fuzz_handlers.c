/* SPDX-License-Identifier: MIT */
/*
 * fuzz_handlers.c — libFuzzer harness for the JSON body validation of
 * every resource: the fuzz input is the body of a real create, patch, put
 * or action handler (every POST/PATCH/PUT row of api/routes.c, so a new
 * route is fuzzed as soon as it is in the table), run through a real
 * struct pb_req (internal/http/testing.h) with a pool that can never
 * connect.  Validation therefore runs to the end and a valid body stops
 * at the database with 503.
 *
 * Input: byte 0 picks the route, byte 1 the caller (bit 0-1: all staff
 * roles, family only, caseworker only, no role) and the If-Match header
 * (bits 2-3: none, "1", W/"7", garbage); the rest is the body.  Every
 * request carries a valid Idempotency-Key (payment creation needs one).
 *
 * Asserts: the response is one of 400/403/404/412/415/422/503, it is
 * problem+json with the same status inside; nothing crashes or leaks
 * (ASan/LSan).
 */
// FUZZ_SOURCES: api/*.c internal/*/*.c build/rel/gen/*.c /usr/share/llhttp/*.c
// FUZZ_CFLAGS: -I/usr/include/postgresql -I/usr/share/include/llhttp
// FUZZ_LIBS: -levent -levent_pthreads -lpq -lcjson -ljwt -lcrypto -lpng16 -ljpeg -lqpdf -lpthread -lm
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>


#include "api/handlers.h"
#include "internal/db/db.h"
#include "internal/http/testing.h"
#include "internal/log/log.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define REQUIRE(c) do { if (!(c)) { \
	fprintf(stderr, "REQUIRE failed: %s (route %s, status %d)\n", #c, \
	    route ? route->pattern : "?", resp.status); abort(); } } while (0)

#define MAX_BODY_ROUTES 128

static struct pb_config cfg;
static struct pb_db_pool *pool;
static const struct pb_route *body_routes[MAX_BODY_ROUTES];
static char paths[MAX_BODY_ROUTES][256];
static size_t nbody;

static const char ID[] = "0b5e3c1e-4a61-4c1c-9d55-1a2b3c4d5e6f";

/* The route pattern with each {param} filled in: a UUID, or a real
 * service type for {service_type}. */
static void fill_path(const char *pattern, char *out, size_t cap)
{
	size_t k = 0;

	for (const char *p = pattern; *p && k + 40 < cap;) {
		if (*p == '{') {
			const char *e = strchr(p, '}');
			const char *v = strncmp(p, "{service_type}", 14) == 0 ? "transport" : ID;
			size_t n = strlen(v);
			memcpy(out + k, v, n);
			k += n;
			p = e ? e + 1 : p + strlen(p);
		} else {
			out[k++] = *p++;
		}
	}
	out[k] = '\0';
}

static void setup(void)
{
	pb_log_init(PB_LOG_ERROR);
	cfg.services = PB_SVC_ALL;
	cfg.has_bank_key = 1;
	memset(cfg.bank_key, 0x42, sizeof(cfg.bank_key));
	cfg.db_timeout_ms = 100;
	pool = pb_db_pool_new("postgresql:///nonexistent?host=/nonexistent", 1, 100, 1, 0);
	for (size_t i = 0; i < api_routes_count && nbody < MAX_BODY_ROUTES; i++) {
		const struct pb_route *r = &api_routes[i];
		if (!(r->methods & (PB_POST | PB_PATCH | PB_PUT)))
			continue;
		fill_path(r->pattern, paths[nbody], sizeof(paths[nbody]));
		body_routes[nbody++] = r;
	}
}

static enum pb_method one_method(unsigned m)
{
	if (m & PB_POST)
		return PB_POST;
	if (m & PB_PATCH)
		return PB_PATCH;
	return PB_PUT;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static int ready;
	const struct pb_route *route = NULL;
	struct pb_resp resp;
	struct pb_req req;

	memset(&resp, 0, sizeof(resp));
	if (!ready) {
		setup();
		ready = 1;
	}
	if (size < 2 || nbody == 0 || size - 2 > PB_HTTP_MAX_BODY)
		return 0;
	size_t ri = data[0] % nbody;
	route = body_routes[ri];
	unsigned who = data[1] & 3u, im = (data[1] >> 2) & 3u;

	static const char *const if_match[] = { NULL, "\"1\"", "W/\"7\"", "\"x\"" };
	struct pb_http_field fields[3] = {
		{ "Content-Type", "application/json" },
		{ "Idempotency-Key", "fuzz-key-1" },
		{ "If-Match", if_match[im] },
	};
	REQUIRE(pb_req_init_for_test(&req, fields, if_match[im] != NULL ? 3 : 2, NULL) == 0);
	req.cfg = &cfg;
	req.pool = pool;
	req.method = one_method(route->methods);
	REQUIRE(pb_router_match(body_routes[ri], 1, req.method, paths[ri], &req, NULL) == 0);
	req.path = paths[ri];
	req.route = route->pattern;
	snprintf(req.request_id, sizeof(req.request_id), "fuzz");

	/* the server hands handlers a NUL-terminated copy */
	char *body = malloc(size - 2 + 1);
	REQUIRE(body != NULL);
	memcpy(body, data + 2, size - 2);
	body[size - 2] = '\0';
	req.body = body;
	req.body_len = size - 2;

	req.authenticated = 1;
	snprintf(req.principal.la, sizeof(req.principal.la), "E09000007");
	snprintf(req.principal.sub, sizeof(req.principal.sub), "fuzz-user");
	switch (who) {
	case 0: req.principal.roles = PB_ROLES_STAFF_READ; break;
	case 1:
		req.principal.roles = PB_ROLE_FAMILY;
		memcpy(req.principal.person_id, ID, sizeof(ID));
		break;
	case 2: req.principal.roles = PB_ROLE_CASEWORKER; break;
	default: req.principal.roles = 0; break;
	}

	route->handler(&req, &resp);

	int st = resp.status;
	REQUIRE(st == 400 || st == 403 || st == 404 || st == 412 || st == 415 ||
	    st == 422 || st == 503);
	REQUIRE(resp.content_type != NULL &&
	    strcmp(resp.content_type, "application/problem+json") == 0);
	REQUIRE(resp.json != NULL);
	const cJSON *s = cJSON_GetObjectItemCaseSensitive(resp.json, "status");
	REQUIRE(cJSON_IsNumber(s) && s->valueint == st);
	const cJSON *code = cJSON_GetObjectItemCaseSensitive(resp.json, "code");
	REQUIRE(cJSON_IsString(code));
	/* a field name echoed back must still be valid JSON once printed */
	char *text = cJSON_PrintUnformatted(resp.json);
	REQUIRE(text != NULL);
	cJSON *again = cJSON_Parse(text);
	REQUIRE(again != NULL);
	cJSON_Delete(again);
	cJSON_free(text);

	pb_resp_free_for_test(&resp);
	pb_req_fini_for_test(&req);
	free(body);
	return 0;
}
