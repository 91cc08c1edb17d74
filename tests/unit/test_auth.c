/* SPDX-License-Identifier: MIT */
/*
 * test_auth.c — JWT verification: every claim check and every attack the
 * contract names, with tokens built here (libjwt for signed ones, by hand
 * for "none").
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <jwt.h>

#include "internal/auth/auth.h"

#define SECRET "unit-test-secret-unit-test-secret-0123"
#define NOW INT64_C(1800000000)
#define PID "08db2a59-c853-8d52-e112-ffc2361c6c04"

static struct pb_config cfg;

static int setup(void **state)
{
	(void)state;
	memset(&cfg, 0, sizeof(cfg));
	cfg.jwt_alg = PB_JWT_HS256;
	cfg.jwt_key = (unsigned char *)strdup(SECRET);
	cfg.jwt_key_len = strlen(SECRET);
	snprintf(cfg.jwt_issuer, sizeof(cfg.jwt_issuer), "pb-dev");
	snprintf(cfg.jwt_audience, sizeof(cfg.jwt_audience), "personal-budgets");
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	free(cfg.jwt_key);
	return 0;
}

/* Sign claims_json (a JSON object) with alg and key; caller frees. */
static char *sign(const char *claims_json, jwt_alg_t alg, const char *key)
{
	jwt_t *j = NULL;
	char *out = NULL;

	if (jwt_new(&j) != 0)
		return NULL;
	if (jwt_add_grants_json(j, claims_json) == 0 &&
	    jwt_set_alg(j, alg, (const unsigned char *)key, (int)strlen(key)) == 0)
		out = jwt_encode_str(j);
	jwt_free(j);
	return out;
}

static const char *verify(const char *tok, struct pb_principal *p)
{
	const char *why = NULL;
	enum pb_err err = pb_auth_verify(&cfg, tok, strlen(tok), NOW, p, &why);
	if (err == PB_OK)
		return NULL;
	assert_non_null(why);
	return why;
}

static const char *verify_claims(const char *claims, struct pb_principal *p)
{
	char *tok = sign(claims, JWT_ALG_HS256, SECRET);
	assert_non_null(tok);
	const char *why = verify(tok, p);
	free(tok);
	return why;
}

#define BASE "\"iss\":\"pb-dev\",\"aud\":\"personal-budgets\",\"sub\":\"u1\",\"la\":\"E09000007\""

static void test_valid_token(void **state)
{
	struct pb_principal p;
	(void)state;
	assert_null(verify_claims("{" BASE ",\"exp\":1800000600,\"roles\":[\"caseworker\",\"approver\",\"nonsense\"]}", &p));
	assert_string_equal(p.sub, "u1");
	assert_string_equal(p.la, "E09000007");
	assert_int_equal(p.roles, PB_ROLE_CASEWORKER | PB_ROLE_APPROVER);
	assert_int_equal(p.exp, 1800000600);
	assert_true(pb_principal_has(&p, PB_ROLE_APPROVER));
	assert_false(pb_principal_is_family_only(&p));
}

static void test_family_needs_person_id(void **state)
{
	struct pb_principal p;
	(void)state;
	assert_non_null(verify_claims("{" BASE ",\"exp\":1800000600,\"roles\":[\"family\"]}", &p));
	assert_null(verify_claims("{" BASE ",\"exp\":1800000600,\"roles\":[\"family\"],\"person_id\":\"" PID "\"}", &p));
	assert_string_equal(p.person_id, PID);
	assert_true(pb_principal_is_family_only(&p));
	assert_non_null(verify_claims("{" BASE ",\"exp\":1800000600,\"roles\":[\"family\"],\"person_id\":\"nope\"}", &p));
}

static void test_time_claims(void **state)
{
	struct pb_principal p;
	(void)state;
	/* exp: required, integer, 60 s leeway */
	assert_non_null(verify_claims("{" BASE "}", &p));
	assert_non_null(verify_claims("{" BASE ",\"exp\":\"1800000600\"}", &p));
	assert_non_null(verify_claims("{" BASE ",\"exp\":1800000600.5}", &p));
	assert_non_null(verify_claims("{" BASE ",\"exp\":-5}", &p));
	assert_non_null(verify_claims("{" BASE ",\"exp\":1799999940}", &p));      /* now - 60 */
	assert_null(verify_claims("{" BASE ",\"exp\":1799999941}", &p));          /* now - 59 */
	/* nbf: optional, 60 s leeway */
	assert_null(verify_claims("{" BASE ",\"exp\":1800000600,\"nbf\":1800000060}", &p));
	assert_non_null(verify_claims("{" BASE ",\"exp\":1800000600,\"nbf\":1800000061}", &p));
	assert_non_null(verify_claims("{" BASE ",\"exp\":1800000600,\"nbf\":\"x\"}", &p));
}

static void test_issuer_audience(void **state)
{
	struct pb_principal p;
	(void)state;
	assert_non_null(verify_claims("{\"aud\":\"personal-budgets\",\"sub\":\"u\",\"la\":\"E09000007\",\"exp\":1800000600}", &p));
	assert_non_null(verify_claims("{\"iss\":\"evil\",\"aud\":\"personal-budgets\",\"sub\":\"u\",\"la\":\"E09000007\",\"exp\":1800000600}", &p));
	assert_non_null(verify_claims("{\"iss\":\"pb-dev\",\"aud\":\"other\",\"sub\":\"u\",\"la\":\"E09000007\",\"exp\":1800000600}", &p));
	assert_non_null(verify_claims("{\"iss\":\"pb-dev\",\"sub\":\"u\",\"la\":\"E09000007\",\"exp\":1800000600}", &p));
	assert_null(verify_claims("{\"iss\":\"pb-dev\",\"aud\":[\"x\",\"personal-budgets\"],\"sub\":\"u\",\"la\":\"E09000007\",\"exp\":1800000600}", &p));
	assert_non_null(verify_claims("{\"iss\":\"pb-dev\",\"aud\":[\"x\"],\"sub\":\"u\",\"la\":\"E09000007\",\"exp\":1800000600}", &p));
}

static void test_subject_and_tenant(void **state)
{
	struct pb_principal p;
	char claims[512], longsub[200];
	(void)state;
	assert_non_null(verify_claims("{\"iss\":\"pb-dev\",\"aud\":\"personal-budgets\",\"la\":\"E09000007\",\"exp\":1800000600}", &p));
	assert_non_null(verify_claims("{\"iss\":\"pb-dev\",\"aud\":\"personal-budgets\",\"sub\":\"\",\"la\":\"E09000007\",\"exp\":1800000600}", &p));
	assert_non_null(verify_claims("{\"iss\":\"pb-dev\",\"aud\":\"personal-budgets\",\"sub\":\"u\",\"exp\":1800000600}", &p));
	assert_non_null(verify_claims("{\"iss\":\"pb-dev\",\"aud\":\"personal-budgets\",\"sub\":\"u\",\"la\":\"camden\",\"exp\":1800000600}", &p));
	assert_non_null(verify_claims("{\"iss\":\"pb-dev\",\"aud\":\"personal-budgets\",\"sub\":\"u\",\"la\":\"E0900000\",\"exp\":1800000600}", &p));
	memset(longsub, 'a', 150);
	longsub[150] = '\0';
	snprintf(claims, sizeof(claims), "{\"iss\":\"pb-dev\",\"aud\":\"personal-budgets\",\"sub\":\"%s\",\"la\":\"E09000007\",\"exp\":1800000600}", longsub);
	assert_non_null(verify_claims(claims, &p));
	assert_non_null(verify_claims("{" BASE ",\"exp\":1800000600,\"roles\":\"admin\"}", &p));
	assert_non_null(verify_claims("{" BASE ",\"exp\":1800000600,\"roles\":[1]}", &p));
}

static void test_algorithm_attacks(void **state)
{
	struct pb_principal p;
	(void)state;
	const char *claims = "{" BASE ",\"exp\":1800000600}";
	char *hs384 = sign(claims, JWT_ALG_HS384, SECRET);
	char *hs512 = sign(claims, JWT_ALG_HS512, SECRET);
	char *wrongkey = sign(claims, JWT_ALG_HS256, "another-secret-another-secret-0123456");
	assert_non_null(verify(hs384, &p));
	assert_non_null(verify(hs512, &p));
	assert_non_null(verify(wrongkey, &p));
	free(hs384);
	free(hs512);
	free(wrongkey);
	/* alg none, with and without a trailing dot, any case */
	static const char *const none[] = {
		"eyJhbGciOiJub25lIiwidHlwIjoiSldUIn0.eyJpc3MiOiJwYi1kZXYiLCJhdWQiOiJwZXJzb25hbC1idWRnZXRzIiwic3ViIjoidTEiLCJsYSI6IkUwOTAwMDAwNyIsImV4cCI6MTgwMDAwMDYwMH0.",
		"eyJhbGciOiJub25lIiwidHlwIjoiSldUIn0.eyJpc3MiOiJwYi1kZXYiLCJhdWQiOiJwZXJzb25hbC1idWRnZXRzIiwic3ViIjoidTEiLCJsYSI6IkUwOTAwMDAwNyIsImV4cCI6MTgwMDAwMDYwMH0",
		"eyJhbGciOiJOb05lIiwidHlwIjoiSldUIn0.eyJpc3MiOiJwYi1kZXYiLCJhdWQiOiJwZXJzb25hbC1idWRnZXRzIiwic3ViIjoidTEiLCJsYSI6IkUwOTAwMDAwNyIsImV4cCI6MTgwMDAwMDYwMH0.",
		"garbage", "a.b.c", "..", "",
	};
	for (size_t i = 0; i < sizeof(none) / sizeof(none[0]); i++) {
		const char *why = NULL;
		assert_int_equal(pb_auth_verify(&cfg, none[i], strlen(none[i]), NOW, &p, &why), PB_EINVAL);
	}
}

static void test_configured_algorithm_only(void **state)
{
	struct pb_principal p;
	(void)state;
	/* A server configured for RS256 refuses an HS256 token signed with
	 * its "key" (alg confusion): the decoded alg must equal RS256. */
	enum pb_jwt_alg saved = cfg.jwt_alg;
	cfg.jwt_alg = PB_JWT_RS256;
	assert_non_null(verify_claims("{" BASE ",\"exp\":1800000600}", &p));
	cfg.jwt_alg = saved;
}

static void test_size_limits(void **state)
{
	struct pb_principal p;
	const char *why;
	(void)state;
	char *big = malloc(6 * 1024 + 1);
	memset(big, 'A', 6 * 1024);
	big[6 * 1024] = '\0';
	assert_int_equal(pb_auth_verify(&cfg, big, strlen(big), NOW, &p, &why), PB_EINVAL);
	assert_string_equal(why, "token too long");
	free(big);
	assert_int_equal(pb_auth_verify(&cfg, "a\0b", 3, NOW, &p, &why), PB_EINVAL);
	/* an empty key is never used to decode */
	struct pb_config empty = cfg;
	empty.jwt_key_len = 0;
	char *tok = sign("{" BASE ",\"exp\":1800000600}", JWT_ALG_HS256, SECRET);
	assert_int_equal(pb_auth_verify(&empty, tok, strlen(tok), NOW, &p, &why), PB_EINVAL);
	free(tok);
}

static void test_mint_roundtrip(void **state)
{
	struct pb_principal p;
	struct pb_token_request rq = { .roles = PB_ROLE_FAMILY | PB_ROLE_FINANCE,
	    .sub = "minted", .person_id = PID, .la = "E08000025", .now = NOW, .ttl_s = 60 };
	char *tok = NULL;
	(void)state;
	assert_int_equal(pb_auth_mint(&cfg, &rq, &tok), PB_OK);
	assert_null(verify(tok, &p));
	assert_string_equal(p.la, "E08000025");
	assert_int_equal(p.roles, PB_ROLE_FAMILY | PB_ROLE_FINANCE);
	free(tok);
}

static void test_cache_hit_and_expiry(void **state)
{
	struct pb_principal p;
	const char *why = NULL;
	(void)state;
	char *tok = sign("{" BASE ",\"exp\":1800000600,\"roles\":[\"finance\"]}", JWT_ALG_HS256, SECRET);
	assert_int_equal(pb_auth_verify_cached(&cfg, tok, strlen(tok), NOW, &p, &why), PB_OK);
	assert_int_equal(p.roles, PB_ROLE_FINANCE);
	memset(&p, 0, sizeof(p));
	assert_int_equal(pb_auth_verify_cached(&cfg, tok, strlen(tok), NOW + 1, &p, &why), PB_OK);
	assert_string_equal(p.sub, "u1");                      /* from the cache */
	/* past exp + leeway the cached entry is refused too */
	assert_int_equal(pb_auth_verify_cached(&cfg, tok, strlen(tok), 1800000660, &p, &why), PB_EINVAL);
	/* a token differing in one byte is verified afresh (and refused) */
	tok[strlen(tok) - 2] ^= 1;
	assert_int_equal(pb_auth_verify_cached(&cfg, tok, strlen(tok), NOW, &p, &why), PB_EINVAL);
	free(tok);
}

/* Thousands of tokens in rotation stay cached: the second round is
 * answered from the cache even with a key that would refuse them all. */
static void test_cache_holds_thousands_of_tokens(void **state)
{
	enum { N = 6000 };
	static char *toks[N];
	struct pb_principal p;
	const char *why = NULL;
	struct pb_config wrong = cfg;
	int hits = 0;

	(void)state;
	wrong.jwt_key = (unsigned char *)"another-secret-that-is-32-bytes-long!!";
	wrong.jwt_key_len = strlen((const char *)wrong.jwt_key);
	for (int i = 0; i < N; i++) {
		char sub[32];
		snprintf(sub, sizeof(sub), "parent-%d", i);
		struct pb_token_request rq = { .roles = PB_ROLE_FAMILY, .sub = sub,
		    .person_id = PID, .la = "E09000007", .now = NOW, .ttl_s = 600 };
		assert_int_equal(pb_auth_mint(&cfg, &rq, &toks[i]), PB_OK);
		assert_int_equal(pb_auth_verify_cached(&cfg, toks[i], strlen(toks[i]), NOW, &p, &why), PB_OK);
	}
	for (int i = 0; i < N; i++) {
		if (pb_auth_verify_cached(&wrong, toks[i], strlen(toks[i]), NOW + 1, &p, &why) == PB_OK) {
			hits++;
			char sub[32];
			snprintf(sub, sizeof(sub), "parent-%d", i);
			assert_string_equal(p.sub, sub);
		}
		free(toks[i]);
	}
	assert_true(hits >= N * 99 / 100);
}

static void test_role_names(void **state)
{
	(void)state;
	assert_int_equal(pb_role_from_name("panel"), PB_ROLE_PANEL);
	assert_int_equal(pb_role_from_name("Panel"), 0);
	assert_string_equal(pb_role_name(PB_ROLE_SERVICE), "service");
	assert_null(pb_role_name(3));
	assert_true(pb_auth_valid_la("W06000015"));
	assert_false(pb_auth_valid_la("e09000007"));
	assert_false(pb_auth_valid_la("E090000071"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_valid_token),
		cmocka_unit_test(test_family_needs_person_id),
		cmocka_unit_test(test_time_claims),
		cmocka_unit_test(test_issuer_audience),
		cmocka_unit_test(test_subject_and_tenant),
		cmocka_unit_test(test_algorithm_attacks),
		cmocka_unit_test(test_configured_algorithm_only),
		cmocka_unit_test(test_size_limits),
		cmocka_unit_test(test_mint_roundtrip),
		cmocka_unit_test(test_cache_hit_and_expiry),
		cmocka_unit_test(test_cache_holds_thousands_of_tokens),
		cmocka_unit_test(test_role_names),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
