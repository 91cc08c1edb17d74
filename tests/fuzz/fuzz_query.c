/* SPDX-License-Identifier: MIT */
/*
 * fuzz_query.c — libFuzzer harness for query-string parsing as a list
 * handler sees it: the input is the raw query (after '?'), parsed by the
 * server's own path (pb_req_init_for_test → pb_http_target_parse) and
 * read with pb_req_query and api_page.
 *
 * Asserts: api_page either accepts — limit 1–200, cursor absent or a
 * canonical 36-character UUID, and no response written — or answers 400
 * problem+json naming the field; pb_req_query values are C strings.
 */
// FUZZ_SOURCES: api/*.c internal/*/*.c build/rel/gen/*.c /usr/share/llhttp/*.c
// FUZZ_CFLAGS: -I/usr/include/postgresql -I/usr/share/include/llhttp
// FUZZ_LIBS: -levent -levent_pthreads -lpq -lcjson -ljwt -lcrypto -lpng16 -ljpeg -lqpdf -lpthread -lm
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>


#include "api/common.h"
#include "internal/http/testing.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define REQUIRE(c) do { if (!(c)) abort(); } while (0)

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct pb_req req;
	struct pb_resp resp;
	char cbuf[37];
	const char *cursor = (const char *)1;
	int limit = -1;

	if (size > 8192)
		return 0;
	char *q = malloc(size + 1);
	REQUIRE(q != NULL);
	memcpy(q, data, size);
	q[size] = '\0';
	memset(&resp, 0, sizeof(resp));
	if (pb_req_init_for_test(&req, NULL, 0, q) == 0) {
		const char *l = pb_req_query(&req, "limit");
		const char *c = pb_req_query(&req, "cursor");
		if (l != NULL)
			REQUIRE(strlen(l) <= size);
		if (c != NULL)
			REQUIRE(strlen(c) <= size);
		(void)pb_req_query(&req, "entity_id");
		if (api_page(&req, &resp, &limit, cbuf, &cursor) == 0) {
			REQUIRE(resp.status == 0 && resp.json == NULL);
			REQUIRE(limit >= 1 && limit <= 200);
			REQUIRE(cursor == NULL || (cursor == cbuf && strlen(cbuf) == 36));
			REQUIRE(l != NULL || limit == 50);
			REQUIRE((c == NULL) == (cursor == NULL));
		} else {
			REQUIRE(resp.status == 400 && resp.json != NULL);
			REQUIRE(strcmp(resp.content_type, "application/problem+json") == 0);
		}
	}
	pb_resp_free_for_test(&resp);
	pb_req_fini_for_test(&req);
	free(q);
	return 0;
}
