/* SPDX-License-Identifier: MIT */
/*
 * test_json.c — strict JSON scanner, parse_strict and the member getters.
 * Table-driven: every row names its case and asserts a specific outcome.
 */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "internal/json/json.h"
#include "internal/json/output.h"
#include "internal/json/projection.h"

#define CHECK(cond, name)                                                   \
	do {                                                                \
		if (!(cond)) {                                              \
			print_error("case \"%s\": %s failed (%s:%d)\n",     \
			    (name), #cond, __FILE__, __LINE__);             \
			fail();                                             \
		}                                                           \
	} while (0)

#define NROWS(a) (sizeof(a) / sizeof((a)[0]))

/* A byte string with an explicit length (embedded NULs allowed). */
struct raw {
	const char *name;
	const char *buf;
	size_t len;         /* 0: use strlen(buf) */
};

static size_t raw_len(const struct raw *r)
{
	return r->len ? r->len : strlen(r->buf);
}

/* True when s, put between quotes, is a valid JSON string: valid UTF-8
 * and no control characters (quotes and backslashes neutralised first). */
static int is_json_safe_text(const char *s)
{
	size_t n = strlen(s);
	char *q = malloc(n + 3);
	int ok;

	assert_non_null(q);
	q[0] = '"';
	for (size_t k = 0; k < n; k++)
		q[k + 1] = (s[k] == '"' || s[k] == '\\') ? '\'' : s[k];
	q[n + 1] = '"';
	q[n + 2] = '\0';
	ok = pb_json_validate(q, n + 2, NULL) == PB_OK;
	free(q);
	return ok;
}

/* Parse text that the test expects to be accepted. */
static cJSON *must_parse(const char *text)
{
	struct pb_problem p;
	cJSON *root = NULL;

	pb_problem_init(&p);
	if (pb_json_parse_strict(text, strlen(text), &root, &p) != PB_OK) {
		print_error("parse of %s failed: %s\n", text,
		    p.nerrors ? p.errors[0].message : p.detail);
		fail();
	}
	assert_non_null(root);
	return root;
}

/* ------------------------------------------------------------------ */
/* Scanner and parse_strict: rejected inputs                           */
/* ------------------------------------------------------------------ */

static const struct raw rejected[] = {
	/* empty */
	{ "empty body", "", 0 },
	{ "only whitespace", " \r\n\t ", 0 },
	/* numbers */
	{ "fraction 1.5", "{\"amount_pence\":1.5}", 0 },
	{ "fraction 1.0", "{\"amount_pence\":1.0}", 0 },
	{ "trailing dot 1.", "[1.]", 0 },
	{ "leading dot .5", "[.5]", 0 },
	{ "minus dot -.5", "[-.5]", 0 },
	{ "exponent 1e3", "{\"amount_pence\":1e3}", 0 },
	{ "exponent 1E3", "{\"amount_pence\":1E3}", 0 },
	{ "exponent 1e+3", "[1e+3]", 0 },
	{ "exponent 1e-3", "[1e-3]", 0 },
	{ "bare exponent 1e", "[1e]", 0 },
	{ "minus zero", "{\"amount_pence\":-0}", 0 },
	{ "minus zero top level", "-0", 0 },
	{ "leading zero 01", "{\"amount_pence\":01}", 0 },
	{ "leading zero 00", "[00]", 0 },
	{ "leading zero -01", "[-01]", 0 },
	{ "16 digits", "[1234567890123456]", 0 },
	{ "huge number", "[100000000000000000000000000000]", 0 },
	{ "huge negative", "[-99999999999999999999]", 0 },
	{ "16 digits with zeros", "[1000000000000000]", 0 },
	{ "NaN", "{\"amount_pence\":NaN}", 0 },
	{ "Infinity", "{\"amount_pence\":Infinity}", 0 },
	{ "-Infinity", "[-Infinity]", 0 },
	{ "plus sign", "[+1]", 0 },
	{ "lone minus", "[-]", 0 },
	{ "hex", "[0x10]", 0 },
	{ "minus space", "[- 1]", 0 },
	/* literals */
	{ "True capitalised", "[True]", 0 },
	{ "truncated true", "[tru]", 0 },
	{ "nul not null", "[nul]", 0 },
	{ "undefined", "[undefined]", 0 },
	/* structure */
	{ "trailing comma object", "{\"a\":1,}", 0 },
	{ "trailing comma array", "[1,]", 0 },
	{ "leading comma", "[,1]", 0 },
	{ "double comma", "[1,,2]", 0 },
	{ "missing colon", "{\"a\" 1}", 0 },
	{ "missing value", "{\"a\":}", 0 },
	{ "unquoted key", "{a:1}", 0 },
	{ "single quotes", "{'a':1}", 0 },
	{ "number key", "{1:1}", 0 },
	{ "unclosed object", "{\"a\":1", 0 },
	{ "unclosed array", "[1,2", 0 },
	{ "mismatched close", "[1}", 0 },
	{ "extra close", "{}}", 0 },
	{ "comment", "{/*x*/}", 0 },
	{ "line comment", "{}// x", 0 },
	/* trailing garbage */
	{ "trailing garbage", "{\"a\":1}x", 0 },
	{ "two values", "{} {}", 0 },
	{ "trailing number", "1 2", 0 },
	{ "trailing NUL", "{}\0", 3 },
	/* BOM and NUL */
	{ "UTF-8 BOM", "\xEF\xBB\xBF{}", 0 },
	{ "NUL inside string", "{\"a\":\"x\0y\"}", 11 },
	{ "NUL between tokens", "{\"a\":\0 1}", 9 },
	{ "leading NUL", "\0{}", 3 },
	/* strings */
	{ "\\u0000 escape", "{\"a\":\"x\\u0000y\"}", 0 },
	{ "\\u0000 in key", "{\"\\u0000\":1}", 0 },
	{ "raw newline in string", "[\"a\nb\"]", 0 },
	{ "raw tab in string", "[\"a\tb\"]", 0 },
	{ "raw 0x1f in string", "[\"a\x1f" "b\"]", 0 },
	{ "bad escape \\x", "[\"\\x41\"]", 0 },
	{ "bad escape \\'", "[\"\\'\"]", 0 },
	{ "short \\u", "[\"\\u12\"]", 0 },
	{ "non-hex \\u", "[\"\\u12G4\"]", 0 },
	{ "unterminated string", "[\"abc", 0 },
	{ "backslash at end", "[\"abc\\", 0 },
	{ "lone high surrogate", "[\"\\ud800\"]", 0 },
	{ "high surrogate then text", "[\"\\ud800x\"]", 0 },
	{ "high then high", "[\"\\ud800\\ud800\"]", 0 },
	{ "high then BMP", "[\"\\ud800\\u0041\"]", 0 },
	{ "lone low surrogate", "[\"\\udc00\"]", 0 },
	{ "reversed surrogates", "[\"\\udc00\\ud800\"]", 0 },
	/* invalid UTF-8 */
	{ "stray continuation", "[\"\x80\"]", 0 },
	{ "overlong 2-byte C0", "[\"\xC0\xAF\"]", 0 },
	{ "overlong 2-byte C1", "[\"\xC1\xBF\"]", 0 },
	{ "overlong 3-byte", "[\"\xE0\x80\xAF\"]", 0 },
	{ "overlong 4-byte", "[\"\xF0\x80\x80\xAF\"]", 0 },
	{ "UTF-8 surrogate D800", "[\"\xED\xA0\x80\"]", 0 },
	{ "UTF-8 surrogate DFFF", "[\"\xED\xBF\xBF\"]", 0 },
	{ "above U+10FFFF", "[\"\xF4\x90\x80\x80\"]", 0 },
	{ "F5 lead", "[\"\xF5\x80\x80\x80\"]", 0 },
	{ "FF byte", "[\"\xFF\"]", 0 },
	{ "truncated 2-byte", "[\"\xC3\"]", 0 },
	{ "truncated 3-byte", "[\"\xE2\x82\"]", 0 },
	{ "truncated 4-byte", "[\"\xF0\x9F\x98\"]", 0 },
	{ "truncated at end of input", "[\"\xE2\x82", 0 },
	{ "bad continuation", "[\"\xC3\x28\"]", 0 },
	{ "invalid UTF-8 in key", "{\"\xC3\x28\":1}", 0 },
	{ "non-ASCII outside string", "[\xC3\xA9]", 0 },
	/* whitespace not allowed by RFC 8259 */
	{ "form feed as space", "[1,\f2]", 0 },
	{ "vertical tab", "\v{}", 0 },
	{ "NBSP", "[\xC2\xA0" "1]", 0 },
};

static void test_rejected(void **state)
{
	(void)state;
	for (size_t k = 0; k < NROWS(rejected); k++) {
		const struct raw *r = &rejected[k];
		struct pb_problem p;
		const char *why = (const char *)1;
		cJSON *root = (cJSON *)1;

		CHECK(pb_json_validate(r->buf, raw_len(r), &why) == PB_EINVAL,
		    r->name);
		CHECK(why != NULL && why[0] != '\0', r->name);
		pb_problem_init(&p);
		CHECK(pb_json_parse_strict(r->buf, raw_len(r), &root, &p) ==
		    PB_EINVAL, r->name);
		CHECK(root == NULL, r->name);
		CHECK(p.err == PB_EINVAL && p.nerrors == 1, r->name);
		/* a number of the wrong form names its member; all else is "body" */
		if (strcmp(p.errors[0].code, "invalid_number") == 0)
			CHECK(strcmp(p.errors[0].field, "body") != 0, r->name);
		else
			CHECK(strcmp(p.errors[0].field, "body") == 0 &&
			    strcmp(p.errors[0].code, "invalid_json") == 0, r->name);
		CHECK(strstr(p.errors[0].message, why) != NULL, r->name);
	}
}

/* 10.5, 1e3 or 20 digits are valid JSON but not the API's numbers: the
 * problem names the member's path, as a getter would. */
static void test_number_form_names_the_member(void **state)
{
	(void)state;
	static const struct {
		const char *body, *field, *why;
	} t[] = {
		{ "{\"amount_pence\": 10.5}", "amount_pence", "fraction" },
		{ "{\"amount_pence\": 1e3}", "amount_pence", "exponent" },
		{ "{\"amount_pence\": 12345678901234567890}", "amount_pence", "digits" },
		{ "{\"child_id\": \"x\", \"elements\": [{\"stream\": \"health\"},"
		  " {\"allocated_pence\": 1.0}]}", "elements[1].allocated_pence", "fraction" },
		{ "{\"a\": {\"b\": [[1, 2E1]]}}", "a.b[0][1]", "exponent" },
		{ "[1, 2.5]", "[1]", "fraction" },
	};
	for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		struct pb_problem p;
		cJSON *root = NULL;
		pb_problem_init(&p);
		assert_int_equal(pb_json_parse_strict(t[i].body, strlen(t[i].body), &root, &p),
		    PB_EINVAL);
		assert_null(root);
		assert_string_equal(p.errors[0].field, t[i].field);
		assert_string_equal(p.errors[0].code, "invalid_number");
		assert_non_null(strstr(p.errors[0].message, t[i].why));
	}
	/* a top-level number is the body itself */
	struct pb_problem p;
	cJSON *root = NULL;
	pb_problem_init(&p);
	assert_int_equal(pb_json_parse_strict("1.5", 3, &root, &p), PB_EINVAL);
	assert_string_equal(p.errors[0].field, "body");
}

/* Specific reasons for a few classes, so messages stay helpful. */
static void test_reasons(void **state)
{
	static const struct {
		const char *name;
		const char *buf;
		size_t len;
		const char *why;
		size_t offset;
	} rows[] = {
		{ "empty", "", 0, "empty body", 0 },
		{ "BOM", "\xEF\xBB\xBF{}", 5, "byte order mark", 0 },
		{ "NUL", "[1,\0]", 5, "NUL byte", 3 },
		{ "\\u0000", "[\"\\u0000\"]", 10, "\\u0000", 8 },
		{ "fraction", "[1.5]", 5, "fraction", 2 },
		{ "exponent", "[1e3]", 5, "exponent", 2 },
		{ "-0", "[-0]", 4, "-0", 3 },
		{ "leading zero", "[01]", 4, "leading zero", 2 },
		{ "digits", "[1234567890123456]", 18, "too many digits",
		    17 },
		{ "trailing", "{} x", 4, "trailing", 3 },
		{ "UTF-8", "[\"\xC0\xAF\"]", 6, "UTF-8", 2 },
		{ "control", "[\"\n\"]", 5, "control character", 2 },
	};

	(void)state;
	for (size_t k = 0; k < NROWS(rows); k++) {
		const char *why = NULL;
		size_t off = 99;

		CHECK(pb_json_validate_at(rows[k].buf, rows[k].len, &why,
		    &off) == PB_EINVAL, rows[k].name);
		CHECK(why && strstr(why, rows[k].why) != NULL, rows[k].name);
		CHECK(off == rows[k].offset, rows[k].name);
	}
}

/* ------------------------------------------------------------------ */
/* Accepted inputs                                                     */
/* ------------------------------------------------------------------ */

static const struct raw accepted[] = {
	{ "empty object", "{}", 0 },
	{ "empty array", "[]", 0 },
	{ "top-level string", "\"x\"", 0 },
	{ "top-level number", "42", 0 },
	{ "top-level zero", "0", 0 },
	{ "top-level negative", "-7", 0 },
	{ "top-level true", "true", 0 },
	{ "top-level null", "null", 0 },
	{ "surrounding whitespace", " \t\r\n{ \"a\" : [ 1 , 2 ] }\n ", 0 },
	{ "15 digits", "[123456789012345]", 0 },
	{ "-15 digits", "[-123456789012345]", 0 },
	{ "max pence", "{\"amount_pence\":100000000000}", 0 },
	{ "all escapes", "[\"\\\"\\\\\\/\\b\\f\\n\\r\\t\"]", 0 },
	{ "\\u0001", "[\"\\u0001\"]", 0 },
	{ "BMP escape", "[\"\\u00e9\\uFFFD\"]", 0 },
	{ "surrogate pair", "[\"\\ud83d\\ude00\"]", 0 },
	{ "upper-case pair", "[\"\\uD83D\\uDE00\"]", 0 },
	{ "2-byte UTF-8", "[\"\xC3\xA9\"]", 0 },
	{ "3-byte UTF-8", "[\"\xE2\x82\xAC\"]", 0 },
	{ "E0 lowest", "[\"\xE0\xA0\x80\"]", 0 },
	{ "ED highest non-surrogate", "[\"\xED\x9F\xBF\"]", 0 },
	{ "U+FFFF", "[\"\xEF\xBF\xBF\"]", 0 },
	{ "4-byte UTF-8", "[\"\xF0\x9F\x98\x80\"]", 0 },
	{ "U+10FFFF", "[\"\xF4\x8F\xBF\xBF\"]", 0 },
	{ "DEL is not a control", "[\"\x7F\"]", 0 },
	{ "same key in sibling objects", "[{\"a\":1},{\"a\":2}]", 0 },
	{ "same key at two levels", "{\"a\":{\"a\":1}}", 0 },
	{ "keys differing in case", "{\"a\":1,\"A\":2}", 0 },
	{ "key prefix", "{\"ab\":1,\"a\":2}", 0 },
	{ "nested mix", "{\"x\":[true,false,null,{\"y\":\"z\"},[[]]]}", 0 },
};

static void test_accepted(void **state)
{
	(void)state;
	for (size_t k = 0; k < NROWS(accepted); k++) {
		const struct raw *r = &accepted[k];
		struct pb_problem p;
		const char *why = "unset";
		cJSON *root = NULL;

		CHECK(pb_json_validate(r->buf, raw_len(r), &why) == PB_OK,
		    r->name);
		CHECK(why == NULL, r->name);
		pb_problem_init(&p);
		CHECK(pb_json_parse_strict(r->buf, raw_len(r), &root, &p) ==
		    PB_OK, r->name);
		CHECK(root != NULL && p.err == PB_OK && p.nerrors == 0,
		    r->name);
		cJSON_Delete(root);
	}
}

/* The input need not be NUL-terminated: only buf[0..len) is read. */
static void test_not_nul_terminated(void **state)
{
	char *buf = malloc(8);
	struct pb_problem p;
	cJSON *root = NULL;

	(void)state;
	assert_non_null(buf);
	memcpy(buf, "{\"a\":12}", 8);       /* exactly 8 bytes, no NUL */
	pb_problem_init(&p);
	assert_int_equal(pb_json_parse_strict(buf, 8, &root, &p), PB_OK);
	assert_int_equal(cJSON_GetObjectItemCaseSensitive(root, "a")->
	    valuedouble, 12);
	cJSON_Delete(root);
	/* A prefix of a valid document is not valid. */
	assert_int_equal(pb_json_validate(buf, 7, NULL), PB_EINVAL);
	/* NULL buffer is an empty body. */
	assert_int_equal(pb_json_validate(NULL, 0, NULL), PB_EINVAL);
	free(buf);
}

/* ------------------------------------------------------------------ */
/* Depth                                                               */
/* ------------------------------------------------------------------ */

static char *nest(int depth, char open, char close, const char *inner)
{
	size_t n = strlen(inner);
	char *s = malloc((size_t)depth * 2 + n + 1);
	size_t o = 0;

	assert_non_null(s);
	for (int k = 0; k < depth; k++)
		s[o++] = open;
	memcpy(s + o, inner, n);
	o += n;
	for (int k = 0; k < depth; k++)
		s[o++] = close;
	s[o] = '\0';
	return s;
}

/* {"a":{"a":...{}}} with `depth` objects. */
static char *nest_objects(int depth)
{
	char *s = malloc((size_t)depth * 6 + 1);
	size_t o = 0;

	assert_non_null(s);
	for (int k = 0; k < depth - 1; k++) {
		memcpy(s + o, "{\"a\":", 5);
		o += 5;
	}
	s[o++] = '{';
	for (int k = 0; k < depth; k++)
		s[o++] = '}';
	s[o] = '\0';
	return s;
}

static void test_depth(void **state)
{
	static const struct {
		const char *name;
		int depth;
		int kind;       /* 0 arrays, 1 objects, 2 arrays with 1 inside */
		enum pb_err want;
	} rows[] = {
		{ "arrays depth 1", 1, 0, PB_OK },
		{ "arrays depth 16", PB_JSON_MAX_DEPTH, 0, PB_OK },
		{ "arrays depth 17", PB_JSON_MAX_DEPTH + 1, 0, PB_EINVAL },
		{ "arrays with value depth 16", PB_JSON_MAX_DEPTH, 2, PB_OK },
		{ "arrays with value depth 17", PB_JSON_MAX_DEPTH + 1, 2,
		    PB_EINVAL },
		{ "objects depth 16", PB_JSON_MAX_DEPTH, 1, PB_OK },
		{ "objects depth 17", PB_JSON_MAX_DEPTH + 1, 1, PB_EINVAL },
		{ "arrays depth 2000", 2000, 0, PB_EINVAL },
		{ "objects depth 5000", 5000, 1, PB_EINVAL },
	};

	(void)state;
	for (size_t k = 0; k < NROWS(rows); k++) {
		char *s = rows[k].kind == 1 ? nest_objects(rows[k].depth) :
		    nest(rows[k].depth, '[', ']', rows[k].kind == 2 ? "1" : "");
		const char *why = NULL;
		struct pb_problem p;
		cJSON *root = NULL;

		CHECK(pb_json_validate(s, strlen(s), &why) == rows[k].want,
		    rows[k].name);
		if (rows[k].want != PB_OK)
			CHECK(strstr(why, "too deep") != NULL, rows[k].name);
		pb_problem_init(&p);
		CHECK(pb_json_parse_strict(s, strlen(s), &root, &p) ==
		    rows[k].want, rows[k].name);
		CHECK((root != NULL) == (rows[k].want == PB_OK), rows[k].name);
		cJSON_Delete(root);
		free(s);
	}
}

/* ------------------------------------------------------------------ */
/* Duplicate keys                                                      */
/* ------------------------------------------------------------------ */

static void test_duplicates(void **state)
{
	static const struct {
		const char *name;
		const char *json;
		const char *key;   /* must appear in the message */
	} rows[] = {
		{ "top level", "{\"amount_pence\":1,\"amount_pence\":2}",
		    "\"amount_pence\"" },
		{ "top level not adjacent", "{\"a\":1,\"b\":2,\"a\":3}",
		    "\"a\"" },
		{ "nested object", "{\"x\":{\"k\":1,\"k\":1}}", "\"k\"" },
		{ "object in array", "{\"elements\":[{\"s\":1},{\"t\":1,"
		    "\"t\":2}]}", "\"t\"" },
		{ "deep", "[[[[{\"z\":[{\"q\":null,\"q\":null}]}]]]]",
		    "\"q\"" },
		{ "same after unescaping", "{\"a\":1,\"\\u0061\":2}", "\"a\"" },
		{ "different value types", "{\"v\":\"1\",\"v\":1}", "\"v\"" },
		{ "large object, dup at end",
		    "{\"k00\":0,\"k01\":0,\"k02\":0,\"k03\":0,\"k04\":0,"
		    "\"k05\":0,\"k06\":0,\"k07\":0,\"k08\":0,\"k09\":0,"
		    "\"k10\":0,\"k11\":0,\"k12\":0,\"k13\":0,\"k14\":0,"
		    "\"k15\":0,\"k16\":0,\"k17\":0,\"k03\":1}", "\"k03\"" },
		{ "empty key twice", "{\"\":1,\"\":2}", "\"\"" },
	};

	(void)state;
	for (size_t k = 0; k < NROWS(rows); k++) {
		struct pb_problem p;
		cJSON *root = (cJSON *)1;

		pb_problem_init(&p);
		CHECK(pb_json_validate(rows[k].json, strlen(rows[k].json),
		    NULL) == PB_OK, rows[k].name);
		CHECK(pb_json_parse_strict(rows[k].json, strlen(rows[k].json),
		    &root, &p) == PB_EINVAL, rows[k].name);
		CHECK(root == NULL, rows[k].name);
		CHECK(p.nerrors == 1, rows[k].name);
		CHECK(strcmp(p.errors[0].field, "body") == 0, rows[k].name);
		CHECK(strcmp(p.errors[0].code, "duplicate_key") == 0,
		    rows[k].name);
		CHECK(strstr(p.errors[0].message, rows[k].key) != NULL,
		    rows[k].name);
	}
}

/* Large objects without duplicates pass; a long key is echoed cut. */
static void test_duplicates_large_and_long(void **state)
{
	char *s = malloc(20000 * 12 + 16);
	char key[300];
	char json[700];
	struct pb_problem p;
	cJSON *root = NULL;
	size_t o = 0;

	(void)state;
	assert_non_null(s);
	s[o++] = '{';
	for (int k = 0; k < 20000; k++)
		o += (size_t)snprintf(s + o, 20000 * 12 + 16 - o, "%s\"k%d\":0",
		    k ? "," : "", k);
	s[o++] = '}';
	s[o] = '\0';
	pb_problem_init(&p);
	assert_int_equal(pb_json_parse_strict(s, o, &root, &p), PB_OK);
	cJSON_Delete(root);
	root = NULL;
	/* Same with one duplicate, in the middle. */
	memcpy(s + 1 + strlen("\"k0\":0,"), "\"k0\"", 4);  /* "k1" -> "k0" */
	pb_problem_init(&p);
	assert_int_equal(pb_json_parse_strict(s, o, &root, &p), PB_EINVAL);
	assert_null(root);
	assert_string_equal(p.errors[0].code, "duplicate_key");
	assert_non_null(strstr(p.errors[0].message, "\"k0\""));
	free(s);

	/* 250-byte key with an e-acute straddling the cut point, and a \n. */
	memset(key, 'x', sizeof(key));
	memcpy(key, "\\n", 2);
	memcpy(key + 40, "\xC3\xA9", 2);
	key[250] = '\0';
	snprintf(json, sizeof(json), "{\"%s\":1,\"%s\":2}", key, key);
	pb_problem_init(&p);
	assert_int_equal(pb_json_parse_strict(json, strlen(json), &root, &p),
	    PB_EINVAL);
	assert_null(root);
	assert_string_equal(p.errors[0].code, "duplicate_key");
	assert_non_null(strstr(p.errors[0].message, "...\""));
	/* The newline was replaced and the cut kept UTF-8 valid. */
	assert_null(strchr(p.errors[0].message, '\n'));
	assert_true(is_json_safe_text(p.errors[0].message));
}

/* ------------------------------------------------------------------ */
/* Getters                                                             */
/* ------------------------------------------------------------------ */

/* Expect exactly one field error, with this field and code. */
static void expect_error(const struct pb_problem *p, const char *field,
    const char *code, const char *name)
{
	CHECK(p->err == PB_EINVAL, name);
	CHECK(p->nerrors == 1, name);
	CHECK(strcmp(p->errors[0].field, field) == 0, name);
	CHECK(strcmp(p->errors[0].code, code) == 0, name);
	CHECK(p->errors[0].message[0] != '\0', name);
}

struct int_row {
	const char *name;
	const char *json;
	int required;
	int64_t min, max;       /* max unused for pence */
	const char *code;       /* NULL: success */
	int64_t want;
	int present;
};

static const struct int_row pence_rows[] = {
	{ "plain", "{\"a\":100}", 1, 0, 0, NULL, 100, 1 },
	{ "zero", "{\"a\":0}", 1, 0, 0, NULL, 0, 1 },
	{ "max", "{\"a\":100000000000}", 1, 0, 0, NULL, 100000000000, 1 },
	{ "above max", "{\"a\":100000000001}", 1, 0, 0, "out_of_range", 0,
	    0 },
	{ "15 digits above max", "{\"a\":999999999999999}", 1, 0, 0,
	    "out_of_range", 0, 0 },
	{ "negative below min 0", "{\"a\":-1}", 1, 0, 0, "out_of_range", 0,
	    0 },
	{ "below min 1", "{\"a\":0}", 1, 1, 0, "out_of_range", 0, 0 },
	{ "negative allowed", "{\"a\":-250}", 1, -1000, 0, NULL, -250, 1 },
	{ "string digits", "{\"a\":\"100\"}", 1, 0, 0, "invalid_type", 0, 0 },
	{ "bool", "{\"a\":true}", 1, 0, 0, "invalid_type", 0, 0 },
	{ "array", "{\"a\":[1]}", 1, 0, 0, "invalid_type", 0, 0 },
	{ "object", "{\"a\":{}}", 1, 0, 0, "invalid_type", 0, 0 },
	{ "null required", "{\"a\":null}", 1, 0, 0, "required", 0, 0 },
	{ "absent required", "{}", 1, 0, 0, "required", 0, 0 },
	{ "absent optional", "{\"b\":1}", 0, 0, 0, NULL, -7, 0 },
	{ "null optional", "{\"a\":null}", 0, 0, 0, "invalid_type", 0, 0 },
	{ "case-sensitive name", "{\"A\":5}", 1, 0, 0, "required", 0, 0 },
	{ "single member", "{\"a\":5}", 1, 0, 0, NULL, 5, 1 },
};

static void test_get_pence(void **state)
{
	(void)state;
	for (size_t k = 0; k < NROWS(pence_rows); k++) {
		const struct int_row *r = &pence_rows[k];
		cJSON *root = must_parse(r->json);
		struct pb_problem p;
		int64_t v = -7;
		int present = -1;
		enum pb_err err;

		pb_problem_init(&p);
		err = pb_json_get_pence(root, "", "a", r->required, r->min, &v,
		    &present, &p);
		if (r->code == NULL) {
			CHECK(err == PB_OK && p.nerrors == 0, r->name);
			CHECK(v == r->want, r->name);
			CHECK(present == r->present, r->name);
		} else {
			CHECK(err == PB_EINVAL, r->name);
			expect_error(&p, "a", r->code, r->name);
			CHECK(present == 0, r->name);
		}
		cJSON_Delete(root);
	}
}

/* Trees built by hand (not via the scanner) still get checked. */
static void test_get_pence_double_check(void **state)
{
	static const struct {
		const char *name;
		double d;
		const char *code;
	} rows[] = {
		{ "1.5", 1.5, "invalid" },
		{ "0.1", 0.1, "invalid" },
		{ "-0", -0.0, "invalid" },
		{ "NaN", NAN, "invalid" },
		{ "Infinity", INFINITY, "invalid" },
		{ "-Infinity", -INFINITY, "invalid" },
		{ "1e30", 1e30, "out_of_range" },
		{ "-1e30", -1e30, "out_of_range" },
		{ "2^63", 9223372036854775808.0, "out_of_range" },
		{ "1e11+1", 100000000001.0, "out_of_range" },
		{ "1e3", 1e3, NULL },
	};

	(void)state;
	for (size_t k = 0; k < NROWS(rows); k++) {
		cJSON *root = cJSON_CreateObject();
		struct pb_problem p;
		int64_t v = 0;
		int present = 0;
		enum pb_err err;

		assert_non_null(root);
		cJSON_AddItemToObject(root, "amount_pence",
		    cJSON_CreateNumber(rows[k].d));
		pb_problem_init(&p);
		err = pb_json_get_pence(root, "", "amount_pence", 1, 0, &v,
		    &present, &p);
		if (rows[k].code) {
			CHECK(err == PB_EINVAL, rows[k].name);
			expect_error(&p, "amount_pence", rows[k].code,
			    rows[k].name);
		} else {
			CHECK(err == PB_OK && v == 1000 && present == 1,
			    rows[k].name);
		}
		cJSON_Delete(root);
	}
}

static const struct int_row int_rows[] = {
	{ "limit 1", "{\"limit\":1}", 1, 1, 200, NULL, 1, 1 },
	{ "limit 200", "{\"limit\":200}", 1, 1, 200, NULL, 200, 1 },
	{ "limit 0", "{\"limit\":0}", 1, 1, 200, "out_of_range", 0, 0 },
	{ "limit 201", "{\"limit\":201}", 1, 1, 200, "out_of_range", 0, 0 },
	{ "limit -5", "{\"limit\":-5}", 1, 1, 200, "out_of_range", 0, 0 },
	{ "limit string", "{\"limit\":\"5\"}", 1, 1, 200, "invalid_type", 0,
	    0 },
	{ "limit absent default kept", "{}", 0, 1, 200, NULL, -7, 0 },
	{ "full int64 range", "{\"limit\":-999999999999999}", 1, INT64_MIN,
	    INT64_MAX, NULL, -999999999999999, 1 },
};

static void test_get_int(void **state)
{
	(void)state;
	for (size_t k = 0; k < NROWS(int_rows); k++) {
		const struct int_row *r = &int_rows[k];
		cJSON *root = must_parse(r->json);
		struct pb_problem p;
		int64_t v = -7;
		int present = -1;
		enum pb_err err;

		pb_problem_init(&p);
		err = pb_json_get_int(root, "", "limit", r->required, r->min,
		    r->max, &v, &present, &p);
		if (r->code == NULL) {
			CHECK(err == PB_OK && p.nerrors == 0, r->name);
			CHECK(v == r->want && present == r->present, r->name);
		} else {
			CHECK(err == PB_EINVAL, r->name);
			expect_error(&p, "limit", r->code, r->name);
		}
		cJSON_Delete(root);
	}
	/* present may be NULL. */
	{
		cJSON *root = must_parse("{\"limit\":3}");
		struct pb_problem p;
		int64_t v = 0;

		pb_problem_init(&p);
		assert_int_equal(pb_json_get_int(root, "", "limit", 1, 1, 200,
		    &v, NULL, &p), PB_OK);
		assert_int_equal(v, 3);
		cJSON_Delete(root);
	}
}

static void test_get_string(void **state)
{
	static const struct {
		const char *name;
		const char *json;
		int required;
		size_t min, max;
		const char *code;
		const char *want;
	} rows[] = {
		{ "ok", "{\"s\":\"abc\"}", 1, 1, 5, NULL, "abc" },
		{ "exactly max", "{\"s\":\"abcde\"}", 1, 1, 5, NULL, "abcde" },
		{ "too long", "{\"s\":\"abcdef\"}", 1, 1, 5, "too_long", NULL },
		{ "bytes not chars", "{\"s\":\"\xC3\xA9\xC3\xA9\xC3\xA9\"}", 1,
		    1, 5, "too_long", NULL },
		{ "2-byte char fits", "{\"s\":\"\xC3\xA9\"}", 1, 1, 5, NULL,
		    "\xC3\xA9" },
		{ "empty", "{\"s\":\"\"}", 1, 1, 5, "too_short", NULL },
		{ "empty allowed", "{\"s\":\"\"}", 1, 0, 5, NULL, "" },
		{ "below min 3", "{\"s\":\"ab\"}", 1, 3, 5, "too_short", NULL },
		{ "escaped newline", "{\"s\":\"a\\nb\"}", 1, 1, 5, "invalid",
		    NULL },
		{ "escaped \\u001f", "{\"s\":\"\\u001f\"}", 1, 1, 5, "invalid",
		    NULL },
		{ "number", "{\"s\":5}", 1, 1, 5, "invalid_type", NULL },
		{ "array", "{\"s\":[\"a\"]}", 1, 1, 5, "invalid_type", NULL },
		{ "null required", "{\"s\":null}", 1, 1, 5, "required", NULL },
		{ "null optional", "{\"s\":null}", 0, 1, 5, "invalid_type",
		    NULL },
		{ "absent required", "{}", 1, 1, 5, "required", NULL },
		{ "absent optional", "{}", 0, 1, 5, NULL, NULL },
		{ "escaped quote ok", "{\"s\":\"a\\\"b\"}", 1, 1, 5, NULL,
		    "a\"b" },
	};

	(void)state;
	for (size_t k = 0; k < NROWS(rows); k++) {
		cJSON *root = must_parse(rows[k].json);
		struct pb_problem p;
		const char *out = "unset";
		enum pb_err err;

		pb_problem_init(&p);
		err = pb_json_get_string(root, "child.", "s", rows[k].required,
		    rows[k].min, rows[k].max, &out, &p);
		if (rows[k].code == NULL) {
			CHECK(err == PB_OK && p.nerrors == 0, rows[k].name);
			if (rows[k].want)
				CHECK(out && strcmp(out, rows[k].want) == 0,
				    rows[k].name);
			else
				CHECK(out == NULL, rows[k].name);
		} else {
			CHECK(err == PB_EINVAL && out == NULL, rows[k].name);
			expect_error(&p, "child.s", rows[k].code,
			    rows[k].name);
		}
		cJSON_Delete(root);
	}
}

static void test_get_enum(void **state)
{
	static const char *const streams[] = { "education", "social_care",
		"health", NULL };
	static const struct {
		const char *name;
		const char *json;
		int required;
		const char *code;
		int want;
	} rows[] = {
		{ "first", "{\"stream\":\"education\"}", 1, NULL, 0 },
		{ "last", "{\"stream\":\"health\"}", 1, NULL, 2 },
		{ "wrong case", "{\"stream\":\"Health\"}", 1, "invalid_enum",
		    -1 },
		{ "unknown", "{\"stream\":\"housing\"}", 1, "invalid_enum",
		    -1 },
		{ "prefix", "{\"stream\":\"health \"}", 1, "invalid_enum", -1 },
		{ "empty", "{\"stream\":\"\"}", 1, "invalid_enum", -1 },
		{ "number", "{\"stream\":1}", 1, "invalid_type", -1 },
		{ "absent optional", "{}", 0, NULL, -1 },
		{ "absent required", "{}", 1, "required", -1 },
		{ "null required", "{\"stream\":null}", 1, "required", -1 },
	};

	(void)state;
	for (size_t k = 0; k < NROWS(rows); k++) {
		cJSON *root = must_parse(rows[k].json);
		struct pb_problem p;
		int idx = 42;
		enum pb_err err;

		pb_problem_init(&p);
		err = pb_json_get_enum(root, "elements[0].", "stream",
		    rows[k].required, streams, &idx, &p);
		CHECK(idx == rows[k].want, rows[k].name);
		if (rows[k].code == NULL) {
			CHECK(err == PB_OK && p.nerrors == 0, rows[k].name);
		} else {
			CHECK(err == PB_EINVAL, rows[k].name);
			expect_error(&p, "elements[0].stream", rows[k].code,
			    rows[k].name);
			if (strcmp(rows[k].code, "invalid_enum") == 0)
				CHECK(strcmp(p.errors[0].message,
				    "must be one of: education, social_care, "
				    "health") == 0, rows[k].name);
		}
		cJSON_Delete(root);
	}
}

/* A list too long for the message is cut at a whole value. */
static void test_get_enum_long_list(void **state)
{
	static const char *const many[] = {
		"aaaaaaaaaaaaaaaaaaaa", "bbbbbbbbbbbbbbbbbbbb",
		"cccccccccccccccccccc", "dddddddddddddddddddd",
		"eeeeeeeeeeeeeeeeeeee", "ffffffffffffffffffff",
		"gggggggggggggggggggg", "hhhhhhhhhhhhhhhhhhhh",
		"iiiiiiiiiiiiiiiiiiii", "jjjjjjjjjjjjjjjjjjjj", NULL };
	cJSON *root = must_parse("{\"e\":\"z\"}");
	struct pb_problem p;
	int idx;

	(void)state;
	pb_problem_init(&p);
	assert_int_equal(pb_json_get_enum(root, "", "e", 1, many, &idx, &p),
	    PB_EINVAL);
	assert_string_equal(p.errors[0].code, "invalid_enum");
	assert_non_null(strstr(p.errors[0].message, "aaaa, bbbb"));
	assert_non_null(strstr(p.errors[0].message, ", ..."));
	assert_null(strstr(p.errors[0].message, "jjjj"));
	cJSON_Delete(root);
}

static void test_get_bool(void **state)
{
	static const struct {
		const char *name;
		const char *json;
		int required;
		const char *code;
		int want;
		int present;
	} rows[] = {
		{ "true", "{\"b\":true}", 1, NULL, 1, 1 },
		{ "false", "{\"b\":false}", 1, NULL, 0, 1 },
		{ "string true", "{\"b\":\"true\"}", 1, "invalid_type", 7, 0 },
		{ "number 1", "{\"b\":1}", 1, "invalid_type", 7, 0 },
		{ "null required", "{\"b\":null}", 1, "required", 7, 0 },
		{ "absent optional untouched", "{}", 0, NULL, 7, 0 },
		{ "absent required", "{}", 1, "required", 7, 0 },
	};

	(void)state;
	for (size_t k = 0; k < NROWS(rows); k++) {
		cJSON *root = must_parse(rows[k].json);
		struct pb_problem p;
		int v = 7, present = -1;
		enum pb_err err;

		pb_problem_init(&p);
		err = pb_json_get_bool(root, "", "b", rows[k].required, &v,
		    &present, &p);
		CHECK(v == rows[k].want && present == rows[k].present,
		    rows[k].name);
		if (rows[k].code == NULL)
			CHECK(err == PB_OK && p.nerrors == 0, rows[k].name);
		else {
			CHECK(err == PB_EINVAL, rows[k].name);
			expect_error(&p, "b", rows[k].code, rows[k].name);
		}
		cJSON_Delete(root);
	}
}

static void test_get_date(void **state)
{
	static const struct {
		const char *name;
		const char *json;
		int required, nullable;
		const char *code;
		int present;
	} rows[] = {
		{ "ok", "{\"d\":\"2024-02-29\"}", 1, 0, NULL, 1 },
		{ "not a leap year", "{\"d\":\"2023-02-29\"}", 1, 0,
		    "invalid_date", 0 },
		{ "month 13", "{\"d\":\"2024-13-01\"}", 1, 0, "invalid_date",
		    0 },
		{ "short form", "{\"d\":\"2024-2-1\"}", 1, 0, "invalid_date",
		    0 },
		{ "with time", "{\"d\":\"2024-02-01T00:00:00Z\"}", 1, 0,
		    "invalid_date", 0 },
		{ "empty", "{\"d\":\"\"}", 1, 0, "invalid_date", 0 },
		{ "year 1899", "{\"d\":\"1899-12-31\"}", 1, 0, "invalid_date",
		    0 },
		{ "number", "{\"d\":20240101}", 1, 0, "invalid_type", 0 },
		{ "null nullable", "{\"d\":null}", 0, 1, NULL, 0 },
		{ "null required nullable", "{\"d\":null}", 1, 1, NULL, 0 },
		{ "null not nullable", "{\"d\":null}", 0, 0, "invalid_type",
		    0 },
		{ "null required", "{\"d\":null}", 1, 0, "required", 0 },
		{ "absent required nullable", "{}", 1, 1, "required", 0 },
		{ "absent optional", "{}", 0, 0, NULL, 0 },
	};

	(void)state;
	for (size_t k = 0; k < NROWS(rows); k++) {
		cJSON *root = must_parse(rows[k].json);
		struct pb_problem p;
		int32_t day = -12345;
		int present = -1;
		enum pb_err err;

		pb_problem_init(&p);
		err = pb_json_get_date(root, "", "d", rows[k].required,
		    rows[k].nullable, &day, &present, &p);
		CHECK(present == rows[k].present, rows[k].name);
		if (rows[k].code == NULL) {
			CHECK(err == PB_OK && p.nerrors == 0, rows[k].name);
			CHECK((day != -12345) == (present == 1), rows[k].name);
		} else {
			CHECK(err == PB_EINVAL, rows[k].name);
			expect_error(&p, "d", rows[k].code, rows[k].name);
		}
		cJSON_Delete(root);
	}
}

static void test_get_uuid(void **state)
{
	static const struct {
		const char *name;
		const char *json;
		int required;
		const char *code;
		const char *want;
	} rows[] = {
		{ "lower", "{\"id\":\"0f8fad5b-d9cb-469f-a165-70867728950e\"}",
		    1, NULL, "0f8fad5b-d9cb-469f-a165-70867728950e" },
		{ "upper lowered",
		    "{\"id\":\"0F8FAD5B-D9CB-469F-A165-70867728950E\"}", 1, NULL,
		    "0f8fad5b-d9cb-469f-a165-70867728950e" },
		{ "braces", "{\"id\":\"{0f8fad5b-d9cb-469f-a165-70867728950e}\"}",
		    1, "invalid_uuid", "" },
		{ "no dashes", "{\"id\":\"0f8fad5bd9cb469fa16570867728950e\"}",
		    1, "invalid_uuid", "" },
		{ "short", "{\"id\":\"0f8fad5b-d9cb-469f-a165-70867728950\"}",
		    1, "invalid_uuid", "" },
		{ "non-hex", "{\"id\":\"0f8fad5b-d9cb-469f-a165-70867728950g\"}",
		    1, "invalid_uuid", "" },
		{ "number", "{\"id\":1}", 1, "invalid_type", "" },
		{ "absent optional", "{}", 0, NULL, "" },
		{ "absent required", "{}", 1, "required", "" },
	};

	(void)state;
	for (size_t k = 0; k < NROWS(rows); k++) {
		cJSON *root = must_parse(rows[k].json);
		struct pb_problem p;
		char out[37] = "garbage";
		int present = -1;
		enum pb_err err;

		pb_problem_init(&p);
		err = pb_json_get_uuid(root, "", "id", rows[k].required, out,
		    &present, &p);
		CHECK(strcmp(out, rows[k].want) == 0, rows[k].name);
		CHECK(present == (rows[k].want[0] != '\0'), rows[k].name);
		if (rows[k].code == NULL)
			CHECK(err == PB_OK && p.nerrors == 0, rows[k].name);
		else {
			CHECK(err == PB_EINVAL, rows[k].name);
			expect_error(&p, "id", rows[k].code, rows[k].name);
		}
		cJSON_Delete(root);
	}
}

/* Getters and check_members on something that is not an object. */
static void test_not_object(void **state)
{
	static const struct {
		const char *name;
		const char *prefix;
		const char *field;
	} rows[] = {
		{ "top level", "", "body" },
		{ "nested", "elements[2].", "elements[2]" },
	};

	(void)state;
	for (size_t k = 0; k < NROWS(rows); k++) {
		cJSON *root = must_parse("[1]");
		static const char *const allowed[] = { "a", NULL };
		struct pb_problem p;
		const char *s = "x";
		int64_t v;

		pb_problem_init(&p);
		CHECK(pb_json_check_members(root, rows[k].prefix, allowed,
		    NULL, &p) == PB_EINVAL, rows[k].name);
		expect_error(&p, rows[k].field, "invalid_type", rows[k].name);
		pb_problem_init(&p);
		CHECK(pb_json_get_string(root, rows[k].prefix, "a", 1, 0, 9,
		    &s, &p) == PB_EINVAL && s == NULL, rows[k].name);
		expect_error(&p, rows[k].field, "invalid_type", rows[k].name);
		pb_problem_init(&p);
		CHECK(pb_json_get_pence(NULL, rows[k].prefix, "a", 0, 0, &v,
		    NULL, &p) == PB_EINVAL, rows[k].name);
		expect_error(&p, rows[k].field, "invalid_type", rows[k].name);
		cJSON_Delete(root);
	}
}

/* ------------------------------------------------------------------ */
/* check_members                                                       */
/* ------------------------------------------------------------------ */

static void test_check_members(void **state)
{
	static const char *const allowed[] = { "name", "date_of_birth",
		NULL };
	static const char *const owned[] = { "id", "status", "la",
		"created_at", NULL };
	static const struct {
		const char *name;
		const char *json;
		const char *prefix;
		int nerr;
		const char *field[3];
		const char *code[3];
	} rows[] = {
		{ "all allowed", "{\"name\":\"A\",\"date_of_birth\":\"x\"}", "",
		    0, { NULL }, { NULL } },
		{ "empty object", "{}", "", 0, { NULL }, { NULL } },
		{ "unknown", "{\"name\":\"A\",\"nmae\":1}", "", 1,
		    { "nmae" }, { "unknown_field" } },
		{ "read only id", "{\"id\":\"x\"}", "", 1, { "id" },
		    { "read_only" } },
		{ "case matters", "{\"Name\":\"A\"}", "", 1, { "Name" },
		    { "unknown_field" } },
		{ "all reported in order",
		    "{\"status\":\"x\",\"name\":\"A\",\"zzz\":1,\"la\":\"E\"}",
		    "", 3, { "status", "zzz", "la" },
		    { "read_only", "unknown_field", "read_only" } },
		{ "prefixed", "{\"created_at\":1,\"q\":2}", "children[3].", 2,
		    { "children[3].created_at", "children[3].q" },
		    { "read_only", "unknown_field" } },
		{ "control char in name sanitised", "{\"a\\nb\":1}", "", 1,
		    { "a?b" }, { "unknown_field" } },
	};

	(void)state;
	for (size_t k = 0; k < NROWS(rows); k++) {
		cJSON *root = must_parse(rows[k].json);
		struct pb_problem p;
		enum pb_err err;

		pb_problem_init(&p);
		err = pb_json_check_members(root, rows[k].prefix, allowed,
		    owned, &p);
		CHECK(err == (rows[k].nerr ? PB_EINVAL : PB_OK), rows[k].name);
		CHECK(p.nerrors == rows[k].nerr, rows[k].name);
		for (int e = 0; e < rows[k].nerr; e++) {
			CHECK(strcmp(p.errors[e].field, rows[k].field[e]) == 0,
			    rows[k].name);
			CHECK(strcmp(p.errors[e].code, rows[k].code[e]) == 0,
			    rows[k].name);
		}
		cJSON_Delete(root);
	}
}

/* server_owned may be NULL; more errors than fit set truncated. */
static void test_check_members_many(void **state)
{
	static const char *const allowed[] = { "a", NULL };
	char json[512];
	size_t o = 0;
	struct pb_problem p;
	cJSON *root;

	(void)state;
	json[o++] = '{';
	for (int k = 0; k < 20; k++)
		o += (size_t)snprintf(json + o, sizeof(json) - o,
		    "%s\"id%d\":1", k ? "," : "", k);
	json[o++] = '}';
	json[o] = '\0';
	root = must_parse(json);
	pb_problem_init(&p);
	assert_int_equal(pb_json_check_members(root, "", allowed, NULL, &p),
	    PB_EINVAL);
	assert_int_equal(p.nerrors, PB_PROBLEM_MAX_ERRORS);
	assert_int_equal(p.truncated, 1);
	assert_string_equal(p.errors[0].code, "unknown_field");
	cJSON_Delete(root);
}

/* A long prefix + name is cut to the field size, on a UTF-8 boundary. */
static void test_long_field_name(void **state)
{
	static const char *const allowed[] = { NULL };
	char json[400];
	char name[200];
	struct pb_problem p;
	cJSON *root;

	(void)state;
	for (size_t k = 0; k + 2 < sizeof(name); k += 2)
		memcpy(name + k, "\xC3\xA9", 2);
	name[sizeof(name) - 1] = '\0';
	snprintf(json, sizeof(json), "{\"%s\":1}", name);
	root = must_parse(json);
	pb_problem_init(&p);
	assert_int_equal(pb_json_check_members(root, "x.", allowed, NULL, &p),
	    PB_EINVAL);
	assert_true(strlen(p.errors[0].field) < sizeof(p.errors[0].field));
	assert_true(is_json_safe_text(p.errors[0].field));
	cJSON_Delete(root);
}

/* Round trip: what cJSON prints from an accepted tree re-validates. */
static void test_print_revalidates(void **state)
{
	static const char *const docs[] = {
		"{\"a\":[1,-2,{\"b\":\"\\u00e9\\ud83d\\ude00\\n\"}],\"c\":null}",
		"{\"big\":999999999999999,\"neg\":-999999999999999}",
		"[\"\\u0001\\u001f\\\"\\\\\"]",
	};

	(void)state;
	for (size_t k = 0; k < NROWS(docs); k++) {
		cJSON *root = must_parse(docs[k]);
		char *out = cJSON_PrintUnformatted(root);
		assert_non_null(out);
		CHECK(pb_json_validate(out, strlen(out), NULL) == PB_OK,
		    docs[k]);
		cJSON_free(out);
		cJSON_Delete(root);
	}
}

/* The one escaper: every control character escaped, valid UTF-8 kept, each
 * byte of an ill-formed sequence as U+FFFD; the result is strict JSON. */
static void test_write_string(void **state)
{
	(void)state;
	static const struct {
		const char *in;
		size_t len;
		const char *want;
	} t[] = {
		{ "", 0, "\"\"" },
		{ "plain", 5, "\"plain\"" },
		{ "a\"b\\c", 5, "\"a\\\"b\\\\c\"" },
		{ "\b\f\n\r\t", 5, "\"\\b\\f\\n\\r\\t\"" },
		{ "\x01\x1f", 2, "\"\\u0001\\u001f\"" },
		{ "x\0y", 3, "\"x\\u0000y\"" },
		{ "\x7f", 1, "\"\x7f\"" },
		{ "\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80", 9,
		  "\"\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80\"" },
		{ "\xff", 1, "\"\\ufffd\"" },
		{ "\x80", 1, "\"\\ufffd\"" },
		{ "\xc0\xaf", 2, "\"\\ufffd\\ufffd\"" },          /* overlong '/' */
		{ "\xed\xa0\x80", 3, "\"\\ufffd\\ufffd\\ufffd\"" }, /* surrogate */
		{ "\xf4\x90\x80\x80", 4, "\"\\ufffd\\ufffd\\ufffd\\ufffd\"" }, /* > U+10FFFF */
		{ "\xe2\x82", 2, "\"\\ufffd\\ufffd\"" },          /* truncated */
	};

	for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		struct pb_buf b;
		pb_buf_init(&b, 1024);
		assert_int_equal(pb_json_write_string(&b, t[i].in, t[i].len), PB_OK);
		assert_string_equal(pb_buf_str(&b), t[i].want);
		/* the input scanner refuses \u0000 by policy; the rest is strict JSON */
		if (memchr(t[i].in, '\0', t[i].len) == NULL)
			assert_int_equal(pb_json_validate(pb_buf_str(&b), pb_buf_len(&b), NULL), PB_OK);
		pb_buf_free(&b);
	}
	struct pb_buf small;
	pb_buf_init(&small, 4);
	assert_int_equal(pb_json_write_cstr(&small, "too long"), PB_EINVAL);
	pb_buf_free(&small);
}

static void test_print_and_add_int(void **state)
{
	(void)state;
	cJSON *o = cJSON_CreateObject();
	pb_json_add_int(o, "big", INT64_C(9007199254740993));
	pb_json_add_int(o, "neg", -5);
	char *s = pb_json_print(o);
	assert_string_equal(s, "{\"big\":9007199254740993,\"neg\":-5}");
	free(s);
}

/* The family projection: which members are hidden, at any depth, kept as null. */
static void test_family_projection(void **state)
{
	static const struct { const char *in, *out; } cases[] = {
		{ "{\"id\":1,\"created_by\":\"cw\"}", "{\"id\":1,\"created_by\":null}" },
		{ "{\"a\":[{\"approved_by\":\"ap\",\"x\":2}]}",
		  "{\"a\":[{\"approved_by\":null,\"x\":2}]}" },
		{ "{\"held_by\":{\"kind\":\"family\",\"name\":\"You\"}}", NULL },
		{ "{\"status\":\"failed\",\"failure_reason\":\"closed\"}",
		  "{\"status\":\"failed\",\"failure_reason\":null}" },
		{ "{\"bank\":{\"sort_code\":\"112233\"},\"bank_change\":1}",
		  "{\"bank\":null,\"bank_change\":null}" },
		{ "{\"cancel_reason\":\"dup\",\"reason\":\"for the family\",\"notes\":\"ours\"}",
		  "{\"cancel_reason\":null,\"reason\":\"for the family\",\"notes\":\"ours\"}" },
		{ "{\"amount_pence\":100000000000,\"run_id\":\"r\"}",
		  "{\"amount_pence\":100000000000,\"run_id\":null}" },
		{ "{\"created_by\":null}", NULL },
		{ "[\"created_by\"]", NULL },
		{ "not json", NULL },
	};
	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		char *out = NULL;
		pb_json_family_project_text(cases[i].in, strlen(cases[i].in), &out);
		if (cases[i].out == NULL)
			assert_null(out);
		else
			assert_string_equal(out, cases[i].out);
		free(out);
	}
	assert_int_equal(pb_json_family_project(NULL), 0);
	assert_true(pb_json_family_hidden("decided_by", 1));
	assert_false(pb_json_family_hidden("decided_by", 0));
	assert_false(pb_json_family_hidden("by", 1));
	assert_false(pb_json_family_hidden(NULL, 1));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_rejected),
		cmocka_unit_test(test_reasons),
		cmocka_unit_test(test_accepted),
		cmocka_unit_test(test_not_nul_terminated),
		cmocka_unit_test(test_depth),
		cmocka_unit_test(test_duplicates),
		cmocka_unit_test(test_duplicates_large_and_long),
		cmocka_unit_test(test_get_pence),
		cmocka_unit_test(test_get_pence_double_check),
		cmocka_unit_test(test_get_int),
		cmocka_unit_test(test_get_string),
		cmocka_unit_test(test_get_enum),
		cmocka_unit_test(test_get_enum_long_list),
		cmocka_unit_test(test_get_bool),
		cmocka_unit_test(test_get_date),
		cmocka_unit_test(test_get_uuid),
		cmocka_unit_test(test_not_object),
		cmocka_unit_test(test_check_members),
		cmocka_unit_test(test_check_members_many),
		cmocka_unit_test(test_long_field_name),
		cmocka_unit_test(test_print_revalidates),
		cmocka_unit_test(test_write_string),
		cmocka_unit_test(test_number_form_names_the_member),
		cmocka_unit_test(test_print_and_add_int),
		cmocka_unit_test(test_family_projection),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
