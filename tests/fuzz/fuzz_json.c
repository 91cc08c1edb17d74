/* SPDX-License-Identifier: MIT */
/*
 * fuzz_json.c — libFuzzer harness for the strict JSON layer.
 *
 * Checks, on every input: the scanner and parse_strict agree; anything the
 * scanner accepts cJSON also parses (else parse_strict would report
 * PB_EINTERNAL); an accepted tree printed by cJSON re-validates and
 * re-parses; the getters never crash on whatever tree comes out.
 * Build and run: sh tests/fuzz/run.sh SECONDS
 */
// FUZZ_SOURCES: internal/json/json.c internal/core/problem.c internal/core/err.c internal/core/date.c internal/core/uuid.c internal/core/hex.c
// FUZZ_LIBS: -lcjson -lm
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "internal/json/json.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define REQUIRE(c) do { if (!(c)) abort(); } while (0)

/* s between quotes is a valid JSON string: echoed client text (field
 * names, duplicated keys) was cut on a UTF-8 boundary and cleaned. */
static int json_safe(const char *s)
{
	char q[256];
	size_t n = strlen(s);

	REQUIRE(n + 2 < sizeof(q));
	q[0] = '"';
	for (size_t k = 0; k < n; k++)
		q[k + 1] = (s[k] == '"' || s[k] == '\\') ? '\'' : s[k];
	q[n + 1] = '"';
	return pb_json_validate(q, n + 2, NULL) == PB_OK;
}

static void exercise_getters(const cJSON *obj, const char *prefix, int depth)
{
	static const char *const allowed[] = { "a", "name", "amount_pence",
		"elements", NULL };
	static const char *const owned[] = { "id", "status", NULL };
	static const char *const streams[] = { "education", "social_care",
		"health", NULL };
	struct pb_problem p;
	const char *s;
	int64_t v = 0;
	int32_t day = 0;
	int b = 0, present, idx;
	char uuid[37];

	pb_problem_init(&p);
	(void)pb_json_check_members(obj, prefix, allowed, owned, &p);
	(void)pb_json_get_string(obj, prefix, "name", 0, 1, 200, &s, &p);
	(void)pb_json_get_pence(obj, prefix, "amount_pence", 1, 0, &v,
	    &present, &p);
	REQUIRE(!present || (v >= 0 && v <= PB_MAX_PENCE));
	(void)pb_json_get_int(obj, prefix, "a", 0, -5, 5, &v, &present, &p);
	REQUIRE(!present || (v >= -5 && v <= 5));
	(void)pb_json_get_enum(obj, prefix, "stream", 0, streams, &idx, &p);
	REQUIRE(idx >= -1 && idx <= 2);
	(void)pb_json_get_bool(obj, prefix, "b", 0, &b, &present, &p);
	(void)pb_json_get_date(obj, prefix, "d", 0, 1, &day, &present, &p);
	(void)pb_json_get_uuid(obj, prefix, "id", 0, uuid, &present, &p);
	REQUIRE(!present || strlen(uuid) == 36);
	REQUIRE(p.nerrors <= PB_PROBLEM_MAX_ERRORS);
	for (int k = 0; k < p.nerrors; k++) {
		REQUIRE(json_safe(p.errors[k].field));
		REQUIRE(json_safe(p.errors[k].message));
	}
	/* Recurse into the "elements" array with an indexed prefix. */
	if (depth < 2 && cJSON_IsObject(obj)) {
		const cJSON *el = cJSON_GetObjectItemCaseSensitive(obj,
		    "elements");
		if (cJSON_IsArray(el) && el->child)
			exercise_getters(el->child, "elements[0].", depth + 1);
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *buf = (const char *)data;
	const char *why = NULL;
	struct pb_problem p;
	cJSON *root = NULL;
	enum pb_err v, e;

	v = pb_json_validate(buf, size, &why);
	REQUIRE(v == PB_OK || (v == PB_EINVAL && why != NULL));

	pb_problem_init(&p);
	e = pb_json_parse_strict(buf, size, &root, &p);
	/* Never PB_EINTERNAL: what the scanner accepts cJSON must parse. */
	REQUIRE(e == PB_OK || e == PB_EINVAL);
	REQUIRE((e == PB_OK) == (root != NULL));
	if (v != PB_OK) {
		REQUIRE(e == PB_EINVAL && p.nerrors == 1);
		/* a number of the wrong form names its member (a clean path) */
		REQUIRE(strcmp(p.errors[0].code, "invalid_json") == 0 ||
		    (strcmp(p.errors[0].code, "invalid_number") == 0 &&
		    json_safe(p.errors[0].field) && strcmp(p.errors[0].field, "body") != 0));
		return 0;
	}
	if (e != PB_OK) {
		REQUIRE(p.nerrors == 1);
		REQUIRE(strcmp(p.errors[0].code, "duplicate_key") == 0);
		REQUIRE(json_safe(p.errors[0].message));
		return 0;
	}

	/* Accepted: the printed form is strict JSON and parses again. */
	char *out = cJSON_PrintUnformatted(root);
	REQUIRE(out != NULL);
	REQUIRE(pb_json_validate(out, strlen(out), &why) == PB_OK);
	{
		cJSON *again = NULL;
		struct pb_problem p2;
		pb_problem_init(&p2);
		REQUIRE(pb_json_parse_strict(out, strlen(out), &again, &p2) ==
		    PB_OK);
		REQUIRE(cJSON_Compare(root, again, 1));
		cJSON_Delete(again);
	}
	cJSON_free(out);

	exercise_getters(root, "", 0);
	cJSON_Delete(root);
	return 0;
}
