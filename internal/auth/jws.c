/* SPDX-License-Identifier: MIT */
/* jws.c — strict JWS compact serialisation, verified with OpenSSL (see jws.h). */
#include "internal/auth/jws.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <openssl/bn.h>
#include <openssl/crypto.h>
#include <openssl/ec.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/pem.h>

#include "internal/auth/auth.h"
#include "internal/core/problem.h"
#include "internal/json/json.h"

/* The longest decoded segment: a token is at most PB_AUTH_MAX_TOKEN bytes. */
#define SEGMENT_MAX (PB_AUTH_MAX_TOKEN / 4 * 3 + 3)
#define ES256_HALF 32

static int base64url_char(unsigned char c)
{
	return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
	    (c >= '0' && c <= '9') || c == '-' || c == '_';
}

/* Decode in[0..len) (base64url, RFC 4648 §5, no padding) into out, which
 * holds SEGMENT_MAX bytes; -1 on any other byte or an impossible length.
 * OpenSSL's EVP_DecodeBlock does the decoding once the alphabet is mapped
 * back to base64's and the padding restored. */
static int base64url_decode(const char *in, size_t len, unsigned char *out, size_t *outlen)
{
	char std[PB_AUTH_MAX_TOKEN + 4];
	size_t pad = (4 - len % 4) % 4;

	if (len == 0 || len % 4 == 1 || len + pad > sizeof(std))
		return -1;
	for (size_t i = 0; i < len; i++) {
		unsigned char c = (unsigned char)in[i];
		if (!base64url_char(c))
			return -1;
		std[i] = c == '-' ? '+' : c == '_' ? '/' : (char)c;
	}
	memset(std + len, '=', pad);
	int n = EVP_DecodeBlock(out, (const unsigned char *)std, (int)(len + pad));
	if (n < 0 || (size_t)n < pad)
		return -1;
	*outlen = (size_t)n - pad;
	return 0;
}

static int typ_accepted(const char *typ)
{
	return strcasecmp(typ, "JWT") == 0 || strcasecmp(typ, "at+jwt") == 0 ||
	    strcasecmp(typ, "application/at+jwt") == 0;
}

/* The header's verdict: NULL when acceptable, else why not. */
static const char *check_header(const struct pb_config *cfg, const cJSON *head)
{
	const cJSON *alg = cJSON_GetObjectItemCaseSensitive(head, "alg");
	const cJSON *typ = cJSON_GetObjectItemCaseSensitive(head, "typ");

	if (!cJSON_IsString(alg) || strcmp(alg->valuestring, pb_config_alg_name(cfg->jwt_alg)) != 0)
		return "algorithm not accepted";
	if (cJSON_GetObjectItemCaseSensitive(head, "crit") != NULL)
		return "header names critical extensions (crit)";
	if (typ != NULL && (!cJSON_IsString(typ) || !typ_accepted(typ->valuestring)))
		return "typ not accepted";
	return NULL;
}

/* Strict JSON object from a base64url segment, or NULL. */
static cJSON *segment_json(const char *seg, size_t len)
{
	unsigned char buf[SEGMENT_MAX];
	size_t n = 0;
	struct pb_problem p;
	cJSON *out = NULL;

	if (base64url_decode(seg, len, buf, &n) != 0)
		return NULL;
	pb_problem_init(&p);
	if (pb_json_parse_strict((const char *)buf, n, &out, &p) != PB_OK || !cJSON_IsObject(out)) {
		cJSON_Delete(out);
		out = NULL;
	}
	return out;
}

/* One verification key: the configured one or the previous one. */
struct key {
	const unsigned char *bytes;
	size_t len;
};

static int verify_hmac(struct key k, const unsigned char *msg, size_t len,
    const unsigned char *sig, size_t siglen)
{
	unsigned char mac[EVP_MAX_MD_SIZE];
	unsigned int maclen = 0;

	if (HMAC(EVP_sha256(), k.bytes, (int)k.len, msg, len, mac, &maclen) == NULL)
		return 0;
	return siglen == maclen && CRYPTO_memcmp(mac, sig, maclen) == 0;
}

/* The configured PEM public key, when it is of the kind the algorithm
 * needs (RSA of 2048 bits or more; EC on P-256); caller EVP_PKEY_free()s. */
static EVP_PKEY *public_key(const struct pb_config *cfg, struct key k)
{
	BIO *bio = BIO_new_mem_buf(k.bytes, (int)k.len);
	EVP_PKEY *key = bio ? PEM_read_bio_PUBKEY(bio, NULL, NULL, NULL) : NULL;
	char group[32] = "";

	BIO_free(bio);
	if (key == NULL)
		return NULL;
	int ok = cfg->jwt_alg == PB_JWT_RS256 ?
	    EVP_PKEY_get_base_id(key) == EVP_PKEY_RSA && EVP_PKEY_get_bits(key) >= 2048 :
	    EVP_PKEY_get_base_id(key) == EVP_PKEY_EC &&
	    EVP_PKEY_get_group_name(key, group, sizeof(group), NULL) == 1 &&
	    strcmp(group, "prime256v1") == 0;
	if (!ok) {
		EVP_PKEY_free(key);
		return NULL;
	}
	return key;
}

/* A JWS ES256 signature is R ‖ S, 32 bytes each (RFC 7518 §3.4); OpenSSL
 * verifies the DER form.  Returns the DER length written into der, or 0
 * when sig is not 64 bytes. */
static size_t es256_der(const unsigned char *sig, size_t siglen, unsigned char *der, size_t cap)
{
	if (siglen != 2 * ES256_HALF)
		return 0;
	ECDSA_SIG *es = ECDSA_SIG_new();
	BIGNUM *r = BN_bin2bn(sig, ES256_HALF, NULL);
	BIGNUM *s = BN_bin2bn(sig + ES256_HALF, ES256_HALF, NULL);
	size_t n = 0;

	if (es != NULL && r != NULL && s != NULL && ECDSA_SIG_set0(es, r, s) == 1) {
		r = s = NULL;   /* es owns them now */
		int need = i2d_ECDSA_SIG(es, NULL);
		unsigned char *p = der;
		if (need > 0 && (size_t)need <= cap)
			n = (size_t)i2d_ECDSA_SIG(es, &p);
	}
	BN_free(r);
	BN_free(s);
	ECDSA_SIG_free(es);
	return n;
}

static int verify_public(const struct pb_config *cfg, struct key k, const unsigned char *msg,
    size_t len, const unsigned char *sig, size_t siglen)
{
	unsigned char der[80];
	int ok = 0;

	if (cfg->jwt_alg == PB_JWT_ES256) {
		siglen = es256_der(sig, siglen, der, sizeof(der));
		sig = der;
	}
	if (siglen == 0)
		return 0;
	EVP_PKEY *key = public_key(cfg, k);
	EVP_MD_CTX *ctx = EVP_MD_CTX_new();
	if (key != NULL && ctx != NULL &&
	    EVP_DigestVerifyInit(ctx, NULL, EVP_sha256(), NULL, key) == 1)
		ok = EVP_DigestVerify(ctx, sig, siglen, msg, len) == 1;
	EVP_MD_CTX_free(ctx);
	EVP_PKEY_free(key);
	return ok;
}

enum pb_err pb_jws_verify(const struct pb_config *cfg, const char *token, size_t len,
    cJSON **claims, const char **why)
{
	unsigned char sig[SEGMENT_MAX];
	size_t siglen = 0;
	cJSON *head = NULL;
	const char *reason = NULL;

	*claims = NULL;
	const char *dot1 = memchr(token, '.', len);
	const char *dot2 = dot1 ? memchr(dot1 + 1, '.', len - (size_t)(dot1 + 1 - token)) : NULL;
	if (dot2 == NULL || memchr(dot2 + 1, '.', len - (size_t)(dot2 + 1 - token)) != NULL) {
		reason = "not three dot-separated segments";
		goto out;
	}
	head = segment_json(token, (size_t)(dot1 - token));
	if (head == NULL) {
		reason = "header is not a strict JSON object in base64url";
		goto out;
	}
	if ((reason = check_header(cfg, head)) != NULL)
		goto out;
	if (base64url_decode(dot2 + 1, len - (size_t)(dot2 + 1 - token), sig, &siglen) != 0) {
		reason = "signature is not base64url";
		goto out;
	}
	const unsigned char *signed_part = (const unsigned char *)token;
	size_t signed_len = (size_t)(dot2 - token);
	/* the configured key, then the previous one while a rotation runs */
	int ok = 0;
	const struct key keys[2] = { { cfg->jwt_key, cfg->jwt_key_len },
	    { cfg->jwt_key_old, cfg->jwt_key_old_len } };
	for (int i = 0; i < 2 && !ok && keys[i].bytes != NULL; i++)
		ok = cfg->jwt_alg == PB_JWT_HS256 ?
		    verify_hmac(keys[i], signed_part, signed_len, sig, siglen) :
		    verify_public(cfg, keys[i], signed_part, signed_len, sig, siglen);
	if (!ok) {
		reason = "signature invalid";
		goto out;
	}
	*claims = segment_json(dot1 + 1, (size_t)(dot2 - dot1 - 1));
	if (*claims == NULL)
		reason = "claims are not a strict JSON object (duplicate names, fractions)";
out:
	cJSON_Delete(head);
	OPENSSL_cleanse(sig, sizeof(sig));
	*why = reason;
	return reason ? PB_EINVAL : PB_OK;
}

enum pb_err pb_auth_check_key(const struct pb_config *cfg, const char **why)
{
	*why = NULL;
	if (cfg->jwt_key == NULL || cfg->jwt_key_len == 0 || cfg->jwt_key_len > 65536)
		*why = "no verification key configured";
	else if (cfg->jwt_alg == PB_JWT_HS256 && cfg->jwt_key_len < 32)
		*why = "the HS256 secret is shorter than 32 bytes";
	else if (cfg->jwt_alg != PB_JWT_HS256) {
		for (int i = 0; i < 2 && *why == NULL; i++) {
			struct key k = i ? (struct key){ cfg->jwt_key_old, cfg->jwt_key_old_len } :
			    (struct key){ cfg->jwt_key, cfg->jwt_key_len };
			if (k.bytes == NULL)
				continue;
			EVP_PKEY *key = public_key(cfg, k);
			if (key == NULL)
				*why = cfg->jwt_alg == PB_JWT_RS256 ?
				    "RS256 needs a PEM RSA public key of 2048 bits or more" :
				    "ES256 needs a PEM EC public key on P-256";
			EVP_PKEY_free(key);
		}
	}
	return *why ? PB_EINVAL : PB_OK;
}
