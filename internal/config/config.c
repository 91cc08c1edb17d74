/* SPDX-License-Identifier: MIT */
/*
 * config.c — environment → struct pb_config, validated (see config.h).
 * Every rejection is a single line naming the variable and what is wrong.
 */
#include "internal/config/config.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "internal/core/hex.h"

static int fail(char *errbuf, size_t errlen, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static int fail(char *errbuf, size_t errlen, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(errbuf, errlen, fmt, ap);
	va_end(ap);
	return -1;
}

/* Strict decimal integer in [min, max]; -1 on anything else. */
static int parse_int(const char *s, long min, long max, long *out)
{
	char *end;

	if (s == NULL || *s == '\0' || *s == '+' || *s == ' ')
		return -1;
	errno = 0;
	long v = strtol(s, &end, 10);
	if (errno != 0 || *end != '\0' || v < min || v > max)
		return -1;
	*out = v;
	return 0;
}

static int env_int(const char *name, long def, long min, long max, int *out,
    char *errbuf, size_t errlen)
{
	const char *s = getenv(name);
	long v = def;

	if (s != NULL && parse_int(s, min, max, &v) != 0)
		return fail(errbuf, errlen, "%s must be an integer from %ld to %ld",
		    name, min, max);
	*out = (int)v;
	return 0;
}

static int env_copy(const char *name, const char *def, char *dst, size_t n,
    char *errbuf, size_t errlen)
{
	const char *s = getenv(name);

	if (s == NULL || *s == '\0')
		s = def;
	if (strlen(s) >= n)
		return fail(errbuf, errlen, "%s is too long", name);
	memcpy(dst, s, strlen(s) + 1);
	return 0;
}

static int parse_listen(struct pb_config *cfg, char *errbuf, size_t errlen)
{
	const char *s = getenv("PB_LISTEN");
	long port;

	if (s == NULL || *s == '\0')
		s = "127.0.0.1:8080";
	const char *colon = strrchr(s, ':');
	if (colon == NULL || colon == s ||
	    (size_t)(colon - s) >= sizeof(cfg->listen_host) ||
	    parse_int(colon + 1, 1, 65535, &port) != 0)
		return fail(errbuf, errlen,
		    "PB_LISTEN must be host:port with a port from 1 to 65535 (got \"%.64s\")", s);
	size_t hl = (size_t)(colon - s);
	if (s[0] == '[' && hl >= 2 && s[hl - 1] == ']') { /* [::1]:8080 */
		memcpy(cfg->listen_host, s + 1, hl - 2);
		cfg->listen_host[hl - 2] = '\0';
	} else {
		memcpy(cfg->listen_host, s, hl);
		cfg->listen_host[hl] = '\0';
	}
	cfg->listen_port = (int)port;
	return 0;
}

static int read_file(const char *path, unsigned char **out, size_t *outlen)
{
	FILE *f = fopen(path, "rb");
	if (f == NULL)
		return -1;
	unsigned char *buf = malloc(65537);
	size_t n = buf ? fread(buf, 1, 65536, f) : 0;
	fclose(f);
	if (buf == NULL || n == 0 || n == 65536) {
		free(buf);
		return -1;
	}
	buf[n] = '\0';
	*out = buf;
	*outlen = n;
	return 0;
}

/* A secret from NAME or from the file named by NAME_FILE (Kubernetes and
 * compose secrets), never both.  One trailing newline of a file is
 * dropped.  *out is malloc'd (caller frees) or NULL when neither is set. */
static int secret_env(const char *name, char **out, char *errbuf, size_t errlen)
{
	char file_var[64];
	unsigned char *buf = NULL;
	size_t n = 0;

	*out = NULL;
	snprintf(file_var, sizeof(file_var), "%s_FILE", name);
	const char *direct = getenv(name), *path = getenv(file_var);
	if (direct != NULL && *direct == '\0')
		direct = NULL;
	if (path != NULL && *path == '\0')
		path = NULL;
	if (direct != NULL && path != NULL)
		return fail(errbuf, errlen, "set %s or %s, not both", name, file_var);
	if (direct != NULL) {
		*out = strdup(direct);
		return *out ? 0 : fail(errbuf, errlen, "out of memory");
	}
	if (path == NULL)
		return 0;
	if (read_file(path, &buf, &n) != 0)
		return fail(errbuf, errlen, "%s: cannot read a secret from %.200s", file_var, path);
	if (n > 0 && buf[n - 1] == '\n')
		buf[--n] = '\0';
	if (n > 0 && buf[n - 1] == '\r')
		buf[--n] = '\0';
	if (memchr(buf, '\0', n) != NULL) {
		free(buf);
		return fail(errbuf, errlen, "%s: the secret holds a NUL byte", file_var);
	}
	*out = (char *)buf;
	return 0;
}

/* 64 hex digits into key[32]; name is the variable, for the message. */
static int parse_bank_hex(const char *name, unsigned char key[32], const char *s,
    char *errbuf, size_t errlen)
{
	if (strlen(s) != 64 || pb_hex_decode(s, key, 32) != 0)
		return fail(errbuf, errlen, "%s must be 64 hex digits (32 bytes)", name);
	return 0;
}

static int parse_bank_key(struct pb_config *cfg, char *errbuf, size_t errlen)
{
	char *s = NULL;
	int rc = secret_env("PB_BANK_KEY", &s, errbuf, errlen);

	if (rc == 0 && s != NULL) {
		rc = parse_bank_hex("PB_BANK_KEY", cfg->bank_key, s, errbuf, errlen);
		cfg->has_bank_key = rc == 0;
	}
	if (s != NULL) {
		memset(s, 0, strlen(s));
		free(s);
		s = NULL;
	}
	/* the previous key, decrypt-only, while `pbd rekey` moves rows off it */
	if (rc == 0)
		rc = secret_env("PB_BANK_KEY_OLD", &s, errbuf, errlen);
	if (rc == 0 && s != NULL) {
		rc = parse_bank_hex("PB_BANK_KEY_OLD", cfg->bank_key_old, s, errbuf, errlen);
		cfg->has_bank_key_old = rc == 0;
		if (rc == 0 && !cfg->has_bank_key)
			rc = fail(errbuf, errlen, "PB_BANK_KEY_OLD needs PB_BANK_KEY (the key to rotate to)");
		else if (rc == 0 && memcmp(cfg->bank_key_old, cfg->bank_key, 32) == 0)
			rc = fail(errbuf, errlen, "PB_BANK_KEY_OLD is the same key as PB_BANK_KEY");
	}
	if (s != NULL) {
		memset(s, 0, strlen(s));
		free(s);
	}
	return rc;
}


static int parse_jwt(struct pb_config *cfg, unsigned needs, char *errbuf,
    size_t errlen)
{
	const char *alg = getenv("PB_JWT_ALG");

	if (alg == NULL || *alg == '\0' || strcmp(alg, "HS256") == 0)
		cfg->jwt_alg = PB_JWT_HS256;
	else if (strcmp(alg, "RS256") == 0)
		cfg->jwt_alg = PB_JWT_RS256;
	else if (strcmp(alg, "ES256") == 0)
		cfg->jwt_alg = PB_JWT_ES256;
	else
		return fail(errbuf, errlen, "PB_JWT_ALG must be HS256, RS256 or ES256");
	if (env_copy("PB_JWT_ISSUER", "pb-dev", cfg->jwt_issuer,
	    sizeof(cfg->jwt_issuer), errbuf, errlen) ||
	    env_copy("PB_JWT_AUDIENCE", "personal-budgets", cfg->jwt_audience,
	    sizeof(cfg->jwt_audience), errbuf, errlen))
		return -1;
	if (!(needs & PB_NEED_JWT))
		return 0;
	if (cfg->jwt_alg == PB_JWT_HS256) {
		char *sec = NULL;
		if (secret_env("PB_JWT_SECRET", &sec, errbuf, errlen) != 0)
			return -1;
		if (sec == NULL)
			return fail(errbuf, errlen, "PB_JWT_SECRET (or PB_JWT_SECRET_FILE) is required (at least 32 bytes) when PB_JWT_ALG is HS256");
		cfg->jwt_key_len = strlen(sec);
		cfg->jwt_key = (unsigned char *)sec;
		if (cfg->jwt_key_len < 32)
			return fail(errbuf, errlen, "PB_JWT_SECRET is too short: it must be at least 32 bytes");
		if (secret_env("PB_JWT_SECRET_OLD", &sec, errbuf, errlen) != 0)
			return -1;
		if (sec != NULL) {
			cfg->jwt_key_old = (unsigned char *)sec;
			cfg->jwt_key_old_len = strlen(sec);
			if (cfg->jwt_key_old_len < 32)
				return fail(errbuf, errlen, "PB_JWT_SECRET_OLD is too short: it must be at "
				    "least 32 bytes");
		}
		return 0;
	}
	const char *path = getenv("PB_JWT_PUBLIC_KEY_FILE");
	if (path == NULL || *path == '\0')
		return fail(errbuf, errlen, "PB_JWT_PUBLIC_KEY_FILE is required when PB_JWT_ALG is %s", alg);
	if (read_file(path, &cfg->jwt_key, &cfg->jwt_key_len) != 0)
		return fail(errbuf, errlen, "PB_JWT_PUBLIC_KEY_FILE: cannot read a PEM key from %.200s", path);
	if (strstr((char *)cfg->jwt_key, "-----BEGIN PUBLIC KEY-----") == NULL)
		return fail(errbuf, errlen, "PB_JWT_PUBLIC_KEY_FILE must hold a PEM public key (BEGIN PUBLIC KEY)");
	const char *old = getenv("PB_JWT_PUBLIC_KEY_OLD_FILE");
	if (old == NULL || *old == '\0')
		return 0;
	if (read_file(old, &cfg->jwt_key_old, &cfg->jwt_key_old_len) != 0 ||
	    strstr((char *)cfg->jwt_key_old, "-----BEGIN PUBLIC KEY-----") == NULL)
		return fail(errbuf, errlen, "PB_JWT_PUBLIC_KEY_OLD_FILE must name a PEM public key "
		    "(BEGIN PUBLIC KEY)");
	return 0;
}

static int parse_services(struct pb_config *cfg, char *errbuf, size_t errlen)
{
	const char *s = getenv("PB_SERVICES");
	char buf[256];

	cfg->services = PB_SVC_ALL;
	if (s == NULL || *s == '\0')
		return 0;
	if (strlen(s) >= sizeof(buf))
		return fail(errbuf, errlen, "PB_SERVICES is too long");
	memcpy(buf, s, strlen(s) + 1);
	cfg->services = 0;
	char *save = NULL;
	for (char *tok = strtok_r(buf, ", ", &save); tok != NULL;
	    tok = strtok_r(NULL, ", ", &save)) {
		if (strcmp(tok, "eligibility") == 0)
			cfg->services |= PB_SVC_ELIGIBILITY;
		else if (strcmp(tok, "budgets") == 0)
			cfg->services |= PB_SVC_BUDGETS;
		else if (strcmp(tok, "payments") == 0)
			cfg->services |= PB_SVC_PAYMENTS;
		else
			return fail(errbuf, errlen,
			    "PB_SERVICES: unknown service \"%.32s\" (use eligibility, budgets, payments)", tok);
	}
	return 0;
}

/* An optional folder of static files (PB_DOCS_DIR, PB_FAMILY_DIR): when the
 * variable is set, each of need[] must be readable in it, else start-up stops
 * with a message naming the variable and the install command. */
static int parse_asset_dir(const char *var, const char *const *need, size_t n_need,
    const char *install, char *dst, size_t dst_len, char *errbuf, size_t errlen)
{
	char path[1100];

	if (env_copy(var, "", dst, dst_len, errbuf, errlen))
		return -1;
	if (dst[0] == '\0')
		return 0;
	for (size_t i = 0; i < n_need; i++) {
		snprintf(path, sizeof(path), "%s/%s", dst, need[i]);
		if (access(path, R_OK) != 0)
			return fail(errbuf, errlen, "%s: no readable %s in %.200s (%s installs it)",
			    var, need[i], dst, install);
	}
	return 0;
}

/* PB_DOCS_DIR: swagger-ui-dist's bundle (GET /docs/{file}, api/docs.c). */
static int parse_docs_dir(struct pb_config *cfg, char *errbuf, size_t errlen)
{
	static const char *const need[] = { "swagger-ui-bundle.js", "swagger-ui.css" };

	return parse_asset_dir("PB_DOCS_DIR", need, sizeof(need) / sizeof(need[0]),
	    "sh deploy/npm-install.sh docs", cfg->docs_dir, sizeof(cfg->docs_dir), errbuf, errlen);
}

/* PB_FAMILY_DIR: GOV.UK Frontend's dist/govuk folder (GET /family/{file},
 * api/family.c). */
static int parse_family_dir(struct pb_config *cfg, char *errbuf, size_t errlen)
{
	static const char *const need[] = { "govuk-frontend.min.css", "govuk-frontend.min.js" };

	return parse_asset_dir("PB_FAMILY_DIR", need, sizeof(need) / sizeof(need[0]),
	    "sh deploy/npm-install.sh family", cfg->family_dir, sizeof(cfg->family_dir), errbuf,
	    errlen);
}

static int parse_log_level(struct pb_config *cfg, char *errbuf, size_t errlen)
{
	static const char *const names[] = { "debug", "info", "warn", "error" };
	const char *s = getenv("PB_LOG_LEVEL");

	cfg->log_level = PB_LOG_INFO;
	if (s == NULL || *s == '\0')
		return 0;
	for (int i = 0; i < 4; i++)
		if (strcmp(s, names[i]) == 0) {
			cfg->log_level = (enum pb_log_level)i;
			return 0;
		}
	return fail(errbuf, errlen, "PB_LOG_LEVEL must be debug, info, warn or error");
}

/* PB_DB_POOLER: none (default) or transaction (PgBouncer in transaction
 * mode between pbd and PostgreSQL: internal/db pb_db_connect). */
static int parse_pooler(struct pb_config *cfg, char *errbuf, size_t errlen)
{
	const char *s = getenv("PB_DB_POOLER");

	cfg->db_pooled = s != NULL && strcmp(s, "transaction") == 0;
	if (s != NULL && *s && !cfg->db_pooled && strcmp(s, "none") != 0)
		return fail(errbuf, errlen, "PB_DB_POOLER must be none or transaction");
	return 0;
}

/* A database URL from `name` or `name`_FILE (it holds the password: Kubernetes
 * and compose secrets), never both, into out (outlen bytes); def when
 * neither is set (NULL: out stays ""). */
static int parse_url(const char *name, const char *def, char *out, size_t outlen,
    char *errbuf, size_t errlen)
{
	char *url = NULL;

	if (secret_env(name, &url, errbuf, errlen) != 0)
		return -1;
	const char *s = url ? url : def ? def : "";
	int rc = 0;
	if (strlen(s) >= outlen)
		rc = fail(errbuf, errlen, "%s is too long", name);
	else
		memcpy(out, s, strlen(s) + 1);
	if (url != NULL) {
		memset(url, 0, strlen(url));
		free(url);
	}
	return rc;
}

/* DATABASE_URL (default a local socket database) and the optional
 * streaming replica for reads that tolerate staleness. */
static int parse_database_urls(struct pb_config *cfg, char *errbuf, size_t errlen)
{
	return parse_url("DATABASE_URL", "postgresql:///personal_budgets", cfg->database_url,
	    sizeof(cfg->database_url), errbuf, errlen) ||
	    parse_url("PB_DATABASE_READ_URL", NULL, cfg->database_read_url,
	    sizeof(cfg->database_read_url), errbuf, errlen) ||
	    env_int("PB_READ_MAX_LAG_MS", 1000, 10, 3600000, &cfg->read_max_lag_ms, errbuf,
	    errlen);
}

int pb_config_load(struct pb_config *cfg, unsigned needs, char *errbuf,
    size_t errlen)
{
	long cores = sysconf(_SC_NPROCESSORS_ONLN);

	memset(cfg, 0, sizeof(*cfg));
	if (cores < 1)
		cores = 1;
	if (cores > 64)
		cores = 64;
	if (parse_database_urls(cfg, errbuf, errlen) ||
	    parse_listen(cfg, errbuf, errlen) ||
	    env_int("PB_THREADS", cores, 1, 256, &cfg->threads, errbuf, errlen) ||
	    env_int("PB_DB_POOL", 2 * cores, 1, 1024, &cfg->db_pool, errbuf, errlen) ||
	    env_int("PB_MAX_CONNECTIONS", 4096, 1, 1000000, &cfg->max_connections, errbuf, errlen) ||
	    env_int("PB_HTTP_TIMEOUT", 30, 1, 3600, &cfg->http_timeout_s, errbuf, errlen) ||
	    env_int("PB_DB_TIMEOUT_MS", 5000, 100, 600000, &cfg->db_timeout_ms, errbuf, errlen) ||
	    parse_pooler(cfg, errbuf, errlen) ||
	    env_int("PB_SHUTDOWN_DELAY", 0, 0, 120, &cfg->shutdown_delay_s, errbuf, errlen) ||
	    env_int("PB_SURPLUS_WEEKS", 8, 1, 52, &cfg->surplus_weeks, errbuf, errlen) ||
	    env_int("PB_RATE_LIMIT_RPS", 50, 0, 1000000, &cfg->rate_limit_rps, errbuf, errlen) ||
	    env_int("PB_RATE_LIMIT_BURST", 100, 1, 1000000, &cfg->rate_limit_burst, errbuf, errlen) ||
	    parse_jwt(cfg, needs, errbuf, errlen) ||
	    parse_bank_key(cfg, errbuf, errlen) ||
	    parse_services(cfg, errbuf, errlen) ||
	    parse_log_level(cfg, errbuf, errlen) ||
	    parse_docs_dir(cfg, errbuf, errlen) ||
	    parse_family_dir(cfg, errbuf, errlen)) {
		pb_config_free(cfg);
		return -1;
	}
	return 0;
}

void pb_config_free(struct pb_config *cfg)
{
	if (cfg->jwt_key != NULL) {
		memset(cfg->jwt_key, 0, cfg->jwt_key_len);
		free(cfg->jwt_key);
	}
	cfg->jwt_key = NULL;
	cfg->jwt_key_len = 0;
	if (cfg->jwt_key_old != NULL) {
		memset(cfg->jwt_key_old, 0, cfg->jwt_key_old_len);
		free(cfg->jwt_key_old);
	}
	cfg->jwt_key_old = NULL;
	cfg->jwt_key_old_len = 0;
	memset(cfg->bank_key, 0, sizeof(cfg->bank_key));
	memset(cfg->bank_key_old, 0, sizeof(cfg->bank_key_old));
}

const char *pb_config_alg_name(enum pb_jwt_alg alg)
{
	switch (alg) {
	case PB_JWT_HS256: return "HS256";
	case PB_JWT_RS256: return "RS256";
	case PB_JWT_ES256: return "ES256";
	}
	return "HS256";
}
