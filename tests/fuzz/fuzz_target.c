/* SPDX-License-Identifier: MIT */
/*
 * fuzz_target.c — libFuzzer harness for request-target parsing
 * (internal/http/target.h): the input is the whole request-target as the
 * parser hands it over (any bytes but NUL, which llhttp refuses).
 *
 * Asserts: on success the path starts with '/' and holds no '?', and every
 * query item has a name and value that are C strings findable by
 * pb_http_target_query; on refusal a reason is given; either way
 * pb_http_target_free releases everything (ASan's leak check).
 */
// FUZZ_SOURCES: internal/http/target.c internal/core/hex.c
// FUZZ_LIBS: -levent
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "internal/http/target.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define REQUIRE(c) do { if (!(c)) abort(); } while (0)

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct pb_http_target t;
	const char *why, *field;

	if (size > 8192 || memchr(data, '\0', size) != NULL)
		return 0;
	char *s = malloc(size + 1);
	REQUIRE(s != NULL);
	memcpy(s, data, size);
	s[size] = '\0';
	if (pb_http_target_parse(s, &t, &why, &field) == 0) {
		REQUIRE(why == NULL && t.path != NULL && t.path[0] == '/');
		REQUIRE(strchr(t.path, '?') == NULL || strncmp(s, "http", 4) == 0);
		for (int i = 0; i < t.nitems; i++) {
			REQUIRE(t.items[i].name != NULL && t.items[i].value != NULL);
			REQUIRE(pb_http_target_query(&t, t.items[i].name) != NULL);
		}
	} else {
		REQUIRE(why != NULL && why[0] != '\0');
	}
	pb_http_target_free(&t);
	free(s);
	return 0;
}
