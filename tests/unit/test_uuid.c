/* SPDX-License-Identifier: MIT */
/* test_uuid.c — v4 generation and strict canonical parsing. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "internal/core/uuid.h"

#define CHECK(cond, name)                                                   \
	do {                                                                \
		if (!(cond)) {                                              \
			print_error("case \"%s\": %s failed (%s:%d)\n",     \
			    (name), #cond, __FILE__, __LINE__);             \
			fail();                                             \
		}                                                           \
	} while (0)

#define NROWS(a) (sizeof(a) / sizeof((a)[0]))
#define N_NEW 2000

static int cmp_str(const void *a, const void *b)
{
	return strcmp((const char *)a, (const char *)b);
}

static void test_new_format(void **state)
{
	char (*ids)[37] = calloc(N_NEW, 37);

	(void)state;
	assert_non_null(ids);
	for (int k = 0; k < N_NEW; k++) {
		char back[37];

		pb_uuid_new(ids[k]);
		assert_int_equal(strlen(ids[k]), 36);
		assert_int_equal(ids[k][14], '4');              /* version */
		assert_non_null(strchr("89ab", ids[k][19]));    /* variant */
		for (int c = 0; c < 36; c++)
			if (c == 8 || c == 13 || c == 18 || c == 23)
				assert_int_equal(ids[k][c], '-');
			else
				assert_non_null(strchr("0123456789abcdef",
				    ids[k][c]));
		/* Its own output parses to itself. */
		assert_int_equal(pb_uuid_parse(ids[k], 36, back), PB_OK);
		assert_string_equal(back, ids[k]);
	}
	/* No repeats among N_NEW (122 random bits each). */
	qsort(ids, N_NEW, 37, cmp_str);
	for (int k = 1; k < N_NEW; k++)
		assert_string_not_equal(ids[k - 1], ids[k]);
	free(ids);
}

static void test_parse(void **state)
{
	static const struct {
		const char *name;
		const char *s;
		size_t len;     /* 0: strlen */
		const char *want; /* NULL: rejected */
	} rows[] = {
		{ "lower v4", "0f8fad5b-d9cb-469f-a165-70867728950e", 0,
		    "0f8fad5b-d9cb-469f-a165-70867728950e" },
		{ "upper", "0F8FAD5B-D9CB-469F-A165-70867728950E", 0,
		    "0f8fad5b-d9cb-469f-a165-70867728950e" },
		{ "mixed case", "0f8FAD5b-D9cb-469F-a165-70867728950E", 0,
		    "0f8fad5b-d9cb-469f-a165-70867728950e" },
		{ "nil", "00000000-0000-0000-0000-000000000000", 0,
		    "00000000-0000-0000-0000-000000000000" },
		{ "not NUL-terminated prefix",
		    "0f8fad5b-d9cb-469f-a165-70867728950eXYZ", 36,
		    "0f8fad5b-d9cb-469f-a165-70867728950e" },
		{ "empty", "", 0, NULL },
		{ "35 chars", "0f8fad5b-d9cb-469f-a165-70867728950", 0, NULL },
		{ "37 chars", "0f8fad5b-d9cb-469f-a165-70867728950ee", 0,
		    NULL },
		{ "no dashes", "0f8fad5bd9cb469fa16570867728950e", 0, NULL },
		{ "braces", "{0f8fad5b-d9cb-469f-a165-70867728950e}", 0, NULL },
		{ "urn", "urn:uuid:0f8fad5b-d9cb-469f-a165-70867728950e", 0,
		    NULL },
		{ "dash moved", "0f8fad5-bd9cb-469f-a165-70867728950e", 0,
		    NULL },
		{ "underscore", "0f8fad5b_d9cb-469f-a165-70867728950e", 0,
		    NULL },
		{ "g", "0f8fad5b-d9cb-469f-a165-70867728950g", 0, NULL },
		{ "space", "0f8fad5b-d9cb-469f-a165-70867728950 ", 0, NULL },
		{ "leading space", " 0f8fad5b-d9cb-469f-a165-70867728950", 0,
		    NULL },
		{ "plus sign", "+f8fad5b-d9cb-469f-a165-70867728950e", 0, NULL },
		{ "embedded NUL", "0f8fad5b-d9cb-469f-a165-7086772\0" "950e",
		    36, NULL },
		{ "non-ASCII", "0f8fad5b-d9cb-469f-a165-7086772895\xC3\xA9", 0,
		    NULL },
	};

	(void)state;
	for (size_t k = 0; k < NROWS(rows); k++) {
		char out[37];
		size_t len = rows[k].len ? rows[k].len : strlen(rows[k].s);
		enum pb_err err = pb_uuid_parse(rows[k].s, len, out);

		if (rows[k].want) {
			CHECK(err == PB_OK, rows[k].name);
			CHECK(strcmp(out, rows[k].want) == 0, rows[k].name);
		} else {
			CHECK(err == PB_EINVAL, rows[k].name);
			CHECK(out[0] == '\0', rows[k].name);
		}
	}
	/* NULL input is refused, not dereferenced. */
	{
		char out[37];
		assert_int_equal(pb_uuid_parse(NULL, 36, out), PB_EINVAL);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_new_format),
		cmocka_unit_test(test_parse),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
