/* SPDX-License-Identifier: MIT */
/*
 * fuzz_router.c — libFuzzer harness for path routing and parameters.  The
 * first byte picks the method; the rest is the path.  A match must give
 * parameters that are NUL-terminated, non-empty, without '/', and short.
 */
// FUZZ_SOURCES: internal/http/router.c
// FUZZ_LIBS:
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "internal/http/http.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void h(struct pb_req *req, struct pb_resp *resp)
{
	(void)req;
	(void)resp;
}

static const struct pb_route routes[] = {
	{ PB_GET, "/healthz", h, 0, 0 },
	{ PB_GET | PB_POST, "/v1/children", h, 0, 0 },
	{ PB_GET | PB_PATCH, "/v1/children/{id}", h, 0, 0 },
	{ PB_POST, "/v1/children/{id}/contacts", h, 0, 0 },
	{ PB_PATCH, "/v1/budgets/{id}/elements/{element_id}/agreement", h, 0, 0 },
};

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char path[512];
	struct pb_req req;
	unsigned allow = 0;

	if (size < 1 || size > sizeof(path))
		return 0;
	memcpy(path, data + 1, size - 1);
	path[size - 1] = '\0';
	memset(&req, 0, sizeof(req));
	enum pb_method m = (enum pb_method)(1u << (data[0] % 7));
	int r = pb_router_match(routes, sizeof(routes) / sizeof(routes[0]), m, path, &req, &allow);
	if (r >= 0) {
		for (int i = 0; i < req.nparams; i++) {
			size_t n = strnlen(req.param_values[i], sizeof(req.param_values[i]));
			if (n == 0 || n >= sizeof(req.param_values[i]) ||
			    strchr(req.param_values[i], '/') != NULL)
				abort();
		}
	} else if (r == -2 && allow == 0) {
		abort();
	}
	return 0;
}
