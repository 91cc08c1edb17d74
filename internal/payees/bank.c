/* SPDX-License-Identifier: MIT */
/* bank.c — bank details sealed with AES-256-GCM (see bank.h). */
#include "internal/payees/bank.h"

#include <stdio.h>
#include <string.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/rand.h>

#include "internal/core/hex.h"

static int all_digits(const char *s, size_t n)
{
	if (s == NULL || strlen(s) != n)
		return 0;
	for (size_t i = 0; i < n; i++)
		if (s[i] < '0' || s[i] > '9')
			return 0;
	return 1;
}

int pb_bank_valid_sort_code(const char *s)
{
	return all_digits(s, 6);
}

int pb_bank_valid_account_number(const char *s)
{
	return all_digits(s, 8);
}

int pb_bank_normalise_account(const char *s, char out[9])
{
	size_t n = s != NULL ? strlen(s) : 0;

	out[0] = '\0';
	if ((n != 6 && n != 7 && n != 8) || !all_digits(s, n))
		return -1;
	memset(out, '0', 8 - n);
	memcpy(out + (8 - n), s, n + 1);
	return 0;
}

void pb_bank_key_id(const unsigned char key[PB_BANK_KEY_LEN],
    char out[PB_BANK_KEY_ID_LEN + 1])
{
	static const char prefix[] = "pb-bank-key-id:";
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned int mdlen = 0;
	EVP_MD_CTX *ctx = EVP_MD_CTX_new();

	memset(md, 0, sizeof(md));
	if (ctx == NULL || EVP_DigestInit_ex(ctx, EVP_sha256(), NULL) != 1 ||
	    EVP_DigestUpdate(ctx, prefix, sizeof(prefix) - 1) != 1 ||
	    EVP_DigestUpdate(ctx, key, PB_BANK_KEY_LEN) != 1 ||
	    EVP_DigestFinal_ex(ctx, md, &mdlen) != 1)
		mdlen = 0;   /* leaves an all-zero id; sealing then fails too */
	EVP_MD_CTX_free(ctx);
	pb_hex_encode(md, PB_BANK_KEY_ID_LEN / 2, out);
}

/* "<la>/<payee id>" into buf; its length, or 0 if it does not fit. */
static size_t make_aad(char *buf, size_t n, const char *la, const char *id)
{
	int k = snprintf(buf, n, "%s/%s", la ? la : "", id ? id : "");
	return (k <= 0 || (size_t)k >= n) ? 0 : (size_t)k;
}

enum pb_err pb_bank_seal(const unsigned char key[PB_BANK_KEY_LEN],
    const char *la, const char *payee_id, const char *sort_code,
    const char *account_number, struct pb_bank_sealed *out)
{
	char plain[PB_BANK_PLAIN_LEN + 1], aad[96];
	int len = 0, fin = 0, ok = 0;
	size_t aadlen = make_aad(aad, sizeof(aad), la, payee_id);
	EVP_CIPHER_CTX *ctx = NULL;

	memset(out, 0, sizeof(*out));
	if (!pb_bank_valid_sort_code(sort_code) ||
	    !pb_bank_valid_account_number(account_number) || aadlen == 0)
		return PB_EINVAL;
	snprintf(plain, sizeof(plain), "%s:%s", sort_code, account_number);
	pb_bank_key_id(key, out->key_id);
	if (RAND_bytes(out->nonce, PB_BANK_NONCE_LEN) != 1)
		goto out;
	ctx = EVP_CIPHER_CTX_new();
	if (ctx == NULL ||
	    EVP_EncryptInit_ex(ctx, EVP_aes_256_gcm(), NULL, NULL, NULL) != 1 ||
	    EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_GCM_SET_IVLEN, PB_BANK_NONCE_LEN, NULL) != 1 ||
	    EVP_EncryptInit_ex(ctx, NULL, NULL, key, out->nonce) != 1 ||
	    EVP_EncryptUpdate(ctx, NULL, &len, (const unsigned char *)aad, (int)aadlen) != 1 ||
	    EVP_EncryptUpdate(ctx, out->ciphertext, &len, (const unsigned char *)plain,
	    PB_BANK_PLAIN_LEN) != 1 ||
	    EVP_EncryptFinal_ex(ctx, out->ciphertext + len, &fin) != 1 ||
	    EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_GCM_GET_TAG, PB_BANK_TAG_LEN, out->tag) != 1)
		goto out;
	out->ciphertext_len = (size_t)(len + fin);
	ok = out->ciphertext_len == PB_BANK_PLAIN_LEN;
out:
	EVP_CIPHER_CTX_free(ctx);
	OPENSSL_cleanse(plain, sizeof(plain));
	if (!ok) {
		memset(out, 0, sizeof(*out));
		return PB_EINTERNAL;
	}
	return PB_OK;
}

enum pb_err pb_bank_open(const unsigned char key[PB_BANK_KEY_LEN],
    const char *la, const char *payee_id, const struct pb_bank_sealed *in,
    char sort_code[7], char account_number[9])
{
	unsigned char plain[PB_BANK_PLAIN_LEN + 16];
	unsigned char tag[PB_BANK_TAG_LEN];
	char aad[96], kid[PB_BANK_KEY_ID_LEN + 1];
	int len = 0, fin = 0, ok = 0;
	size_t aadlen = make_aad(aad, sizeof(aad), la, payee_id);
	EVP_CIPHER_CTX *ctx = NULL;

	memset(sort_code, 0, 7);
	memset(account_number, 0, 9);
	pb_bank_key_id(key, kid);
	if (aadlen == 0 || strcmp(kid, in->key_id) != 0 ||
	    in->ciphertext_len != PB_BANK_PLAIN_LEN)
		return PB_EINVAL;
	memcpy(tag, in->tag, sizeof(tag));
	ctx = EVP_CIPHER_CTX_new();
	if (ctx == NULL ||
	    EVP_DecryptInit_ex(ctx, EVP_aes_256_gcm(), NULL, NULL, NULL) != 1 ||
	    EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_GCM_SET_IVLEN, PB_BANK_NONCE_LEN, NULL) != 1 ||
	    EVP_DecryptInit_ex(ctx, NULL, NULL, key, in->nonce) != 1 ||
	    EVP_DecryptUpdate(ctx, NULL, &len, (const unsigned char *)aad, (int)aadlen) != 1 ||
	    EVP_DecryptUpdate(ctx, plain, &len, in->ciphertext, (int)in->ciphertext_len) != 1 ||
	    EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_GCM_SET_TAG, PB_BANK_TAG_LEN, tag) != 1 ||
	    EVP_DecryptFinal_ex(ctx, plain + len, &fin) != 1)
		goto out;
	if (len + fin != PB_BANK_PLAIN_LEN || plain[6] != ':')
		goto out;
	memcpy(sort_code, plain, 6);
	memcpy(account_number, plain + 7, 8);
	ok = pb_bank_valid_sort_code(sort_code) && pb_bank_valid_account_number(account_number);
out:
	EVP_CIPHER_CTX_free(ctx);
	OPENSSL_cleanse(plain, sizeof(plain));
	if (!ok) {
		memset(sort_code, 0, 7);
		memset(account_number, 0, 9);
		return PB_EINVAL;
	}
	return PB_OK;
}

enum pb_err pb_bank_open_either(const unsigned char key[PB_BANK_KEY_LEN],
    const unsigned char *old_key, const char *la, const char *payee_id,
    const struct pb_bank_sealed *in, char sort_code[7], char account_number[9])
{
	char kid[PB_BANK_KEY_ID_LEN + 1];

	if (old_key != NULL) {
		pb_bank_key_id(old_key, kid);
		if (strcmp(kid, in->key_id) == 0)
			return pb_bank_open(old_key, la, payee_id, in, sort_code, account_number);
	}
	return pb_bank_open(key, la, payee_id, in, sort_code, account_number);
}
