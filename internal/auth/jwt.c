/* SPDX-License-Identifier: MIT */
/*
 * jwt.c — tokens → principal, and minting development tokens (see auth.h).
 *
 * The signature and the JOSE header are checked by jws.c (strict framing,
 * the configured algorithm only, OpenSSL verification); every claim is
 * then checked here with exact types.  Minting uses libjwt.
 */
#include "internal/auth/auth.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <cJSON.h>
#include <jwt.h>

#include "internal/auth/jws.h"
#include "internal/core/uuid.h"

static const char *const role_names[] = {
	"caseworker", "panel", "approver", "finance", "admin", "auditor",
	"family", "service"
};

unsigned pb_role_from_name(const char *name)
{
	for (unsigned i = 0; i < sizeof(role_names) / sizeof(role_names[0]); i++)
		if (strcmp(name, role_names[i]) == 0)
			return 1u << i;
	return 0;
}

const char *pb_role_name(unsigned role)
{
	for (unsigned i = 0; i < sizeof(role_names) / sizeof(role_names[0]); i++)
		if (role == 1u << i)
			return role_names[i];
	return NULL;
}

int pb_principal_has(const struct pb_principal *p, unsigned mask)
{
	return (p->roles & mask) != 0;
}

int pb_principal_is_family_only(const struct pb_principal *p)
{
	return (p->roles & PB_ROLE_FAMILY) && !(p->roles & PB_ROLES_STAFF_READ);
}

int pb_auth_valid_la(const char *la)
{
	if (la == NULL || strlen(la) != 9 || la[0] < 'A' || la[0] > 'Z')
		return 0;
	for (int i = 1; i < 9; i++)
		if (la[i] < '0' || la[i] > '9')
			return 0;
	return 1;
}

/* An integral JSON number in (0, 2^53); 0 on success. */
static int int_claim(const cJSON *claims, const char *name, int64_t *out)
{
	const cJSON *c = cJSON_GetObjectItemCaseSensitive(claims, name);
	if (c == NULL)
		return 1;
	if (!cJSON_IsNumber(c) || !isfinite(c->valuedouble) ||
	    c->valuedouble != trunc(c->valuedouble) || c->valuedouble <= 0 ||
	    c->valuedouble > 9007199254740991.0)
		return -1;
	*out = (int64_t)c->valuedouble;
	return 0;
}

static int aud_matches(const cJSON *aud, const char *want)
{
	if (cJSON_IsString(aud))
		return strcmp(aud->valuestring, want) == 0;
	if (!cJSON_IsArray(aud))
		return 0;
	const cJSON *a;
	cJSON_ArrayForEach(a, aud)
		if (cJSON_IsString(a) && strcmp(a->valuestring, want) == 0)
			return 1;
	return 0;
}

static const char *check_claims(const struct pb_config *cfg, const cJSON *claims,
    int64_t now, struct pb_principal *out)
{
	int64_t exp = 0, nbf = 0;
	int rc;

	if (!cJSON_IsObject(claims))
		return "claims are not an object";
	if (int_claim(claims, "exp", &exp) != 0)
		return "exp missing or not an integer";
	if (exp + PB_AUTH_LEEWAY_S <= now)
		return "token expired";
	rc = int_claim(claims, "nbf", &nbf);
	if (rc < 0)
		return "nbf not an integer";
	if (rc == 0 && nbf - PB_AUTH_LEEWAY_S > now)
		return "token not yet valid";
	const cJSON *iss = cJSON_GetObjectItemCaseSensitive(claims, "iss");
	if (!cJSON_IsString(iss) || strcmp(iss->valuestring, cfg->jwt_issuer) != 0)
		return "wrong issuer";
	if (!aud_matches(cJSON_GetObjectItemCaseSensitive(claims, "aud"), cfg->jwt_audience))
		return "wrong audience";
	const cJSON *sub = cJSON_GetObjectItemCaseSensitive(claims, "sub");
	if (!cJSON_IsString(sub) || sub->valuestring[0] == '\0' ||
	    strlen(sub->valuestring) >= sizeof(out->sub))
		return "sub missing or invalid";
	const cJSON *la = cJSON_GetObjectItemCaseSensitive(claims, "la");
	if (!cJSON_IsString(la) || !pb_auth_valid_la(la->valuestring))
		return "la missing or invalid";
	const cJSON *roles = cJSON_GetObjectItemCaseSensitive(claims, "roles");
	unsigned mask = 0;
	if (roles != NULL) {
		if (!cJSON_IsArray(roles))
			return "roles is not an array";
		const cJSON *r;
		cJSON_ArrayForEach(r, roles) {
			if (!cJSON_IsString(r))
				return "roles holds a non-string";
			mask |= pb_role_from_name(r->valuestring);
		}
	}
	const cJSON *pid = cJSON_GetObjectItemCaseSensitive(claims, "person_id");
	out->person_id[0] = '\0';
	if (pid != NULL) {
		if (!cJSON_IsString(pid) ||
		    pb_uuid_parse(pid->valuestring, strlen(pid->valuestring), out->person_id) != PB_OK)
			return "person_id is not a UUID";
	}
	if ((mask & PB_ROLE_FAMILY) && out->person_id[0] == '\0')
		return "family token without person_id";
	memcpy(out->sub, sub->valuestring, strlen(sub->valuestring) + 1);
	memcpy(out->la, la->valuestring, strlen(la->valuestring) + 1);
	out->roles = mask;
	out->exp = exp;
	return NULL;
}

enum pb_err pb_auth_verify(const struct pb_config *cfg, const char *token,
    size_t len, int64_t now, struct pb_principal *out, const char **why)
{
	char buf[PB_AUTH_MAX_TOKEN + 1];
	cJSON *claims = NULL;
	const char *reason = NULL;

	memset(out, 0, sizeof(*out));
	if (len == 0 || len > PB_AUTH_MAX_TOKEN) {
		reason = len ? "token too long" : "empty token";
		goto out;
	}
	memcpy(buf, token, len);
	buf[len] = '\0';
	if (memchr(buf, '\0', len) != NULL) {
		reason = "token holds a NUL byte";
		goto out;
	}
	/* Never verify with an empty key (pb_auth_check_key, at start, checks the rest). */
	if (cfg->jwt_key == NULL || cfg->jwt_key_len == 0 || cfg->jwt_key_len > 65536) {
		reason = "no verification key configured";
		goto out;
	}
	if (pb_jws_verify(cfg, buf, len, &claims, &reason) != PB_OK)
		goto out;
	reason = check_claims(cfg, claims, now, out);
out:
	cJSON_Delete(claims);
	memset(buf, 0, sizeof(buf));
	if (why != NULL)
		*why = reason;
	if (reason != NULL) {
		memset(out, 0, sizeof(*out));
		return PB_EINVAL;
	}
	return PB_OK;
}

enum pb_err pb_auth_mint(const struct pb_config *cfg,
    const struct pb_token_request *rq, char **out)
{
	jwt_t *jwt = NULL;
	cJSON *roles = cJSON_CreateArray();
	char *roles_json = NULL;
	enum pb_err err = PB_EINVAL;

	*out = NULL;
	if (cfg->jwt_key == NULL || cfg->jwt_key_len == 0 || roles == NULL ||
	    jwt_new(&jwt) != 0)
		goto out;
	for (unsigned bit = 1; bit <= PB_ROLE_SERVICE; bit <<= 1)
		if (rq->roles & bit)
			cJSON_AddItemToArray(roles, cJSON_CreateString(pb_role_name(bit)));
	roles_json = cJSON_PrintUnformatted(roles);
	char wrapped[512];
	if (roles_json == NULL)
		goto out;
	int wn = snprintf(wrapped, sizeof(wrapped), "{\"roles\":%s}", roles_json);
	if (wn < 0 || (size_t)wn >= sizeof(wrapped))
		goto out;
	if (jwt_add_grant(jwt, "iss", cfg->jwt_issuer) ||
	    jwt_add_grant(jwt, "aud", cfg->jwt_audience) ||
	    jwt_add_grant(jwt, "sub", rq->sub) ||
	    jwt_add_grant(jwt, "la", rq->la) ||
	    jwt_add_grant_int(jwt, "iat", (long)rq->now) ||
	    jwt_add_grant_int(jwt, "exp", (long)(rq->now + rq->ttl_s)) ||
	    jwt_add_grants_json(jwt, wrapped) ||
	    (rq->person_id && jwt_add_grant(jwt, "person_id", rq->person_id)) ||
	    jwt_set_alg(jwt, JWT_ALG_HS256, cfg->jwt_key, (int)cfg->jwt_key_len))
		goto out;
	*out = jwt_encode_str(jwt);
	if (*out != NULL)
		err = PB_OK;
out:
	if (jwt != NULL)
		jwt_free(jwt);
	cJSON_free(roles_json);
	cJSON_Delete(roles);
	return err;
}
