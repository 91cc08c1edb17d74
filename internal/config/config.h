/* SPDX-License-Identifier: MIT */
/*
 * config.h — the process configuration, read once from the environment.
 *
 * pb_config_load() validates every variable of api-contract.md and fills an
 * immutable struct; after start-up it is only read, so any thread may use it.
 * Secrets (JWT secret, bank key) live here and must never be logged.
 */
#ifndef PB_CONFIG_CONFIG_H
#define PB_CONFIG_CONFIG_H

#include <stddef.h>
#include <stdint.h>

enum pb_jwt_alg { PB_JWT_HS256, PB_JWT_RS256, PB_JWT_ES256 };

enum pb_log_level { PB_LOG_DEBUG, PB_LOG_INFO, PB_LOG_WARN, PB_LOG_ERROR };

/* Service groups that PB_SERVICES switches on (bit flags). */
#define PB_SVC_ELIGIBILITY 0x1u
#define PB_SVC_BUDGETS     0x2u
#define PB_SVC_PAYMENTS    0x4u
#define PB_SVC_ALL         0x7u

struct pb_config {
	char database_url[1024];
	char database_read_url[1024]; /* PB_DATABASE_READ_URL: a streaming replica; "" = none */
	int read_max_lag_ms;          /* PB_READ_MAX_LAG_MS: the staleness reads on it accept */
	char listen_host[256];
	int listen_port;
	int threads;
	int db_pool;
	enum pb_jwt_alg jwt_alg;
	unsigned char *jwt_key;       /* HS: secret bytes; RS/ES: PEM text */
	size_t jwt_key_len;
	unsigned char *jwt_key_old;   /* the previous key, still accepted while tokens
	                               * it signed live (PB_JWT_SECRET_OLD,
	                               * PB_JWT_PUBLIC_KEY_OLD_FILE); NULL: none */
	size_t jwt_key_old_len;
	char jwt_issuer[256];
	char jwt_audience[256];
	int has_bank_key;
	unsigned char bank_key[32];
	int has_bank_key_old;         /* PB_BANK_KEY_OLD: decrypt-only, for rotation */
	unsigned char bank_key_old[32];
	enum pb_log_level log_level;
	unsigned services;            /* PB_SVC_* */
	int max_connections;          /* PB_MAX_CONNECTIONS */
	int http_timeout_s;           /* PB_HTTP_TIMEOUT */
	int db_timeout_ms;            /* PB_DB_TIMEOUT_MS: statement and pool wait */
	int db_pooled;                /* PB_DB_POOLER=transaction: behind PgBouncer */
	int shutdown_delay_s;         /* PB_SHUTDOWN_DELAY: serve this long after SIGTERM */
	int surplus_weeks;            /* PB_SURPLUS_WEEKS: PAY-19 threshold, 1..52 */
	int rate_limit_rps;           /* PB_RATE_LIMIT_RPS per caller; 0 = off */
	int rate_limit_burst;         /* PB_RATE_LIMIT_BURST */
	char docs_dir[1024];          /* PB_DOCS_DIR: swagger-ui-dist's files for /docs; "" = off */
	char family_dir[1024];        /* PB_FAMILY_DIR: GOV.UK Frontend's files for /family; "" = off */
};

/* What a subcommand needs from the environment. */
#define PB_NEED_DB   0x1u  /* DATABASE_URL (defaults to local socket) */
#define PB_NEED_JWT  0x2u  /* a usable key for the configured algorithm */

/* Fill cfg from the environment.  On failure writes a one-line message to
 * errbuf and returns -1; cfg must then not be used.  The caller frees with
 * pb_config_free.  Not thread-safe (call once at start-up). */
int pb_config_load(struct pb_config *cfg, unsigned needs, char *errbuf,
    size_t errlen);

void pb_config_free(struct pb_config *cfg);

/* Name of an algorithm: "HS256"… */
const char *pb_config_alg_name(enum pb_jwt_alg alg);

#endif
