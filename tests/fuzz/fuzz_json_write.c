/* SPDX-License-Identifier: MIT */
/*
 * fuzz_json_write.c — libFuzzer harness for the one JSON string escaper
 * (internal/json/output.h).  On every input (any bytes): cJSON reads the
 * output back as a string; without a NUL byte in the input (which the
 * input scanner refuses as \u0000 by policy) the output is strict JSON
 * (pb_json_validate); and when no byte needed U+FFFD that string equals
 * the input byte for byte.
 * Build and run: sh tests/fuzz/run.sh SECONDS
 */
// FUZZ_SOURCES: internal/json/output.c internal/json/json.c internal/core/buf.c
// FUZZ_SOURCES: internal/core/problem.c internal/core/err.c internal/core/date.c internal/core/uuid.c internal/core/hex.c
// FUZZ_LIBS: -lcjson -lm
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "internal/json/json.h"
#include "internal/json/output.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define REQUIRE(c) do { if (!(c)) abort(); } while (0)

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct pb_buf b;
	const char *in = (const char *)data;

	pb_buf_init(&b, 16 * size + 16);
	REQUIRE(pb_json_write_string(&b, in, size) == PB_OK);
	const char *out = pb_buf_str(&b);
	size_t n = pb_buf_len(&b);
	int has_nul = memchr(in, '\0', size) != NULL;
	if (!has_nul)
		REQUIRE(pb_json_validate(out, n, NULL) == PB_OK);
	cJSON *v = cJSON_ParseWithLength(out, n + 1);
	REQUIRE(cJSON_IsString(v));
	if (!has_nul && strstr(out, "\\ufffd") == NULL)
		REQUIRE(strlen(v->valuestring) == size && memcmp(v->valuestring, in, size) == 0);
	cJSON_Delete(v);
	pb_buf_free(&b);
	return 0;
}
