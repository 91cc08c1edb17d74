/* SPDX-License-Identifier: MIT */
/*
 * main.c — subcommand dispatch for pbd: serve (default), migrate,
 * seed-demo, seed-bench, token, version.  Each reads its configuration from the
 * environment and fails with one clear line and a non-zero exit.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cJSON.h>

#include "api/handlers.h"
#include "internal/auth/auth.h"
#include "internal/config/config.h"
#include "internal/core/date.h"
#include "internal/core/uuid.h"
#include "internal/core/version.h"
#include "internal/log/log.h"
#include "internal/metrics/metrics.h"
#include "internal/ops/ops.h"
#include "internal/payees/service.h"
#include "internal/payments/service.h"

/* Each subcommand: its name, its synopsis and what it does (its own
 * `pbd NAME --help`); `pbd --help` lists them all. */
static const struct command {
	const char *name, *synopsis, *about;
} commands[] = {
	{ "serve", "", "run the HTTP daemon (the default); configuration from the environment" },
	{ "migrate", "", "apply pending database migrations to DATABASE_URL (idempotent)" },
	{ "seed-demo", "", "load the demo council E09000007 (idempotent)" },
	{ "seed-bench", "", "load the benchmark data set, 20,000 children (idempotent)" },
	{ "token", "--role ROLE [--role ROLE...] [--sub S] [--person-id UUID] [--la CODE]"
	  " [--ttl SECONDS]", "print a development JWT signed with PB_JWT_SECRET (HS256); a"
	  " family token needs --person-id" },
	{ "materialise", "--until YYYY-MM-DD | --days N [--la CODE]", "create the due payments of"
	  " recurring schedules (run it from cron), for one council or every council with"
	  " schedules; also purges idempotency keys older than 24 hours" },
	{ "rekey", "[--batch N]", "re-encrypt payees' bank details from PB_BANK_KEY_OLD to"
	  " PB_BANK_KEY, N rows per transaction (default 500; idempotent)" },
	{ "version", "", "print the version" },
};
#define NCOMMANDS (sizeof(commands) / sizeof(commands[0]))

static int usage(FILE *out)
{
	fprintf(out, "usage: pbd [");
	for (size_t i = 0; i < NCOMMANDS; i++)
		fprintf(out, "%s%s", i ? " | " : "", commands[i].name);
	fprintf(out, "] [--help]\n");
	for (size_t i = 0; i < NCOMMANDS; i++)
		fprintf(out, "  %-12s %s\n", commands[i].name, commands[i].about);
	fprintf(out, "pbd COMMAND --help says more.  Configuration comes from the environment:"
	    " see README.md.\n");
	return out == stdout ? 0 : 2;
}

/* `pbd NAME --help`: that command's own usage. */
static int command_usage(const char *name)
{
	for (size_t i = 0; i < NCOMMANDS; i++)
		if (strcmp(commands[i].name, name) == 0) {
			printf("usage: pbd %s%s%s\n  %s\n", name, commands[i].synopsis[0] ? " " : "",
			    commands[i].synopsis, commands[i].about);
			return 0;
		}
	return usage(stdout);
}

static int wants_help(int argc, char **argv)
{
	for (int i = 1; i < argc; i++)
		if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0)
			return 1;
	return 0;
}

static int load(struct pb_config *cfg, unsigned needs)
{
	char err[512];

	if (pb_config_load(cfg, needs, err, sizeof(err)) != 0) {
		fprintf(stderr, "pbd: configuration error: %s\n", err);
		return -1;
	}
	pb_log_init(cfg->log_level);
	return 0;
}

static int connect_or_fail(const struct pb_config *cfg, struct pb_db **db)
{
	char err[512];

	if (pb_ops_connect(cfg, db, err, sizeof(err)) != PB_OK) {
		fprintf(stderr, "pbd: cannot connect to the database: %s\n", err);
		return -1;
	}
	return 0;
}

static int cmd_migrate(void)
{
	struct pb_config cfg;
	struct pb_db *db = NULL;
	char err[512];
	int applied = 0, version = 0, rc = 1;

	if (load(&cfg, PB_NEED_DB) || connect_or_fail(&cfg, &db))
		goto out;
	if (pb_ops_migrate(db, &applied, &version, err, sizeof(err)) != PB_OK) {
		fprintf(stderr, "pbd: %s\n", err);
		goto out;
	}
	printf("migrations: %d applied, schema at version %d\n", applied, version);
	rc = 0;
out:
	pb_ops_close(db);
	pb_config_free(&cfg);
	return rc;
}

/* Run one embedded seed script against DATABASE_URL, which must be
 * migrated; 0 on success. */
static int run_seed(const char *what, enum pb_ops_seed which, const char *done)
{
	struct pb_config cfg;
	struct pb_db *db = NULL;
	char err[1024];
	int rc = 1;

	if (load(&cfg, PB_NEED_DB) || connect_or_fail(&cfg, &db))
		goto out;
	if (pb_ops_seed(db, which, err, sizeof(err)) != PB_OK) {
		fprintf(stderr, "pbd: %s failed: %s\n", what, err);
		goto out;
	}
	printf("%s\n", done);
	rc = 0;
out:
	pb_ops_close(db);
	pb_config_free(&cfg);
	return rc;
}

static int cmd_token(int argc, char **argv)
{
	struct pb_config cfg;
	struct pb_token_request rq = { .sub = "dev-user", .la = "E09000007",
	    .ttl_s = 3600, .now = (int64_t)time(NULL) };
	char pid[37];
	char *tok = NULL;

	for (int i = 1; i < argc; i++) {
		const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
		if (v == NULL) {
			fprintf(stderr, "pbd token: %s needs a value\n", a);
			return 2;
		}
		i++;
		if (strcmp(a, "--role") == 0) {
			unsigned r = pb_role_from_name(v);
			if (r == 0) {
				fprintf(stderr, "pbd token: unknown role %s\n", v);
				return 2;
			}
			rq.roles |= r;
		} else if (strcmp(a, "--sub") == 0 && v[0] && strlen(v) < 128) {
			rq.sub = v;
		} else if (strcmp(a, "--person-id") == 0 &&
		    pb_uuid_parse(v, strlen(v), pid) == PB_OK) {
			rq.person_id = pid;
		} else if (strcmp(a, "--la") == 0 && pb_auth_valid_la(v)) {
			rq.la = v;
		} else if (strcmp(a, "--ttl") == 0) {
			char *end;
			errno = 0;
			long long t = strtoll(v, &end, 10);
			if (errno || *end || t < 1 || t > 31536000) {
				fprintf(stderr, "pbd token: --ttl must be 1..31536000 seconds\n");
				return 2;
			}
			rq.ttl_s = t;
		} else {
			fprintf(stderr, "pbd token: bad option or value: %s %s\n", a, v);
			return 2;
		}
	}
	if (rq.roles == 0) {
		fprintf(stderr, "pbd token: at least one --role is required\n");
		return 2;
	}
	if ((rq.roles & PB_ROLE_FAMILY) && rq.person_id == NULL) {
		fprintf(stderr, "pbd token: a family token needs --person-id\n");
		return 2;
	}
	if (load(&cfg, PB_NEED_JWT))
		return 1;
	if (cfg.jwt_alg != PB_JWT_HS256) {
		fprintf(stderr, "pbd token: minting needs PB_JWT_ALG=HS256\n");
		pb_config_free(&cfg);
		return 1;
	}
	enum pb_err err = pb_auth_mint(&cfg, &rq, &tok);
	pb_config_free(&cfg);
	if (err) {
		fprintf(stderr, "pbd token: could not sign the token\n");
		return 1;
	}
	printf("%s\n", tok);
	free(tok);
	return 0;
}

/* One council's result of `pbd materialise`, as a JSON line. */
static void print_council(const char *la, const char *json, void *arg)
{
	(void)arg;
	printf("{\"la\":\"%s\",\"result\":%s}\n", la, json);
}

static int cmd_materialise(int argc, char **argv)
{
	struct pb_config cfg;
	struct pb_db *db = NULL;
	const char *la = NULL, *until = NULL;
	char request_id[37], err[512];
	int32_t until_day = 0;
	int purged = 0, rc = 1;

	const char *days = NULL;
	char *end = NULL;
	for (int i = 1; i + 1 < argc; i += 2) {
		if (strcmp(argv[i], "--until") == 0)
			until = argv[i + 1];
		else if (strcmp(argv[i], "--days") == 0)
			days = argv[i + 1];
		else if (strcmp(argv[i], "--la") == 0 && pb_auth_valid_la(argv[i + 1]))
			la = argv[i + 1];
		else
			break;
	}
	/* --days N: until today + N (a CronJob has no `date` to compute it) */
	long ndays = days ? strtol(days, &end, 10) : -1;
	if (days != NULL && until == NULL && *days && *end == '\0' && ndays >= 0 && ndays <= 366)
		until_day = pb_date_today() + (int32_t)ndays;
	else if (until == NULL || days != NULL || pb_date_parse(until, strlen(until), &until_day) !=
	    PB_OK)
		until_day = PB_DATE_NONE;
	if (until_day == PB_DATE_NONE || (argc - 1) % 2 != 0 || (argc > 3 && la == NULL)) {
		fprintf(stderr, "pbd materialise: --until YYYY-MM-DD | --days N [--la CODE]\n");
		return 2;
	}
	if (load(&cfg, PB_NEED_DB) || connect_or_fail(&cfg, &db))
		goto out;
	if (!pb_ops_schema_current(db, err, sizeof(err))) {
		fprintf(stderr, "pbd: %s\n", err);
		goto out;
	}
	pb_uuid_new(request_id);
	enum pb_err e = pb_pay_materialise_councils(db, la, "pbd-materialise", request_id,
	    until_day, print_council, NULL);
	if (e == PB_OK)
		e = pb_pay_idempotency_purge(db, &purged);
	if (e) {
		fprintf(stderr, "pbd materialise: failed (%s): %s\n", pb_err_code(e),
		    pb_ops_db_error(db));
		goto out;
	}
	fprintf(stderr, "pbd materialise: done; %d idempotency keys purged\n", purged);
	rc = 0;
out:
	pb_ops_close(db);
	pb_config_free(&cfg);
	return rc;
}

static int cmd_serve(void)
{
	struct pb_config cfg;
	static const char *route_names[PB_METRICS_MAX_ROUTES];

	const char *why = NULL;

	if (load(&cfg, PB_NEED_DB | PB_NEED_JWT))
		return 1;
	if (pb_auth_check_key(&cfg, &why) != PB_OK) {
		fprintf(stderr, "pbd: configuration error: PB_JWT_ALG %s: %s\n",
		    pb_config_alg_name(cfg.jwt_alg), why);
		pb_config_free(&cfg);
		return 1;
	}
	for (size_t i = 0; i < api_routes_count && i < PB_METRICS_MAX_ROUTES; i++)
		route_names[i] = api_routes[i].pattern;
	pb_metrics_init(route_names, api_routes_count);
	struct pb_db_pool *pool = pb_ops_pool_new(&cfg);
	int rc = pb_http_serve(&cfg, pool, api_routes, api_routes_count);
	pb_ops_pool_free(pool);
	pb_config_free(&cfg);
	return rc == 0 ? 0 : 1;
}

/* pbd rekey [--batch N]: bank-key rotation (internal/payments/rekey.h). */
static int cmd_rekey(int argc, char **argv)
{
	struct pb_config cfg;
	struct pb_db *db = NULL;
	struct pb_payee_rekey_report r;
	int batch = 500, rc = 1;

	if (argc == 3 && strcmp(argv[1], "--batch") == 0) {
		char *end;
		long v = strtol(argv[2], &end, 10);
		batch = *end == '\0' && v > 0 && v <= 100000 ? (int)v : 0;
	}
	if ((argc != 1 && argc != 3) || batch == 0) {
		fprintf(stderr, "pbd rekey: [--batch N] (1-100000)\n");
		return 2;
	}
	if (load(&cfg, PB_NEED_DB))
		return 1;
	if (!cfg.has_bank_key || !cfg.has_bank_key_old) {
		fprintf(stderr, "pbd rekey: set PB_BANK_KEY (the new key) and PB_BANK_KEY_OLD (the key to retire)\n");
		goto out;
	}
	if (connect_or_fail(&cfg, &db))
		goto out;
	if (pb_payee_rekey(db, cfg.bank_key, cfg.bank_key_old, batch, &r) != PB_OK) {
		fprintf(stderr, "pbd rekey: database error: %s\n", pb_ops_db_error(db));
		goto out;
	}
	printf("rekey: %ld re-encrypted in %ld batches; %ld under the current key; "
	    "%ld would not open under the old key; %ld under other keys\n",
	    r.rekeyed, r.batches, r.current, r.failed, r.other);
	rc = r.failed == 0 && r.other == 0 ? 0 : 3;
out:
	pb_ops_close(db);
	pb_config_free(&cfg);
	return rc;
}

int main(int argc, char **argv)
{
	const char *cmd = argc > 1 ? argv[1] : "serve";

	/* cJSON's allocator hooks are process-wide: the defaults, set once. */
	if (strcmp(cmd, "--help") == 0 || strcmp(cmd, "-h") == 0 || strcmp(cmd, "help") == 0)
		return usage(stdout);
	if (argc > 1 && wants_help(argc - 1, argv + 1))
		return command_usage(cmd);
	if (strcmp(cmd, "serve") == 0)
		return cmd_serve();
	if (strcmp(cmd, "migrate") == 0)
		return cmd_migrate();
	if (strcmp(cmd, "seed-demo") == 0)
		return run_seed(cmd, PB_OPS_SEED_DEMO, "demo council E09000007 seeded");
	if (strcmp(cmd, "seed-bench") == 0)
		return run_seed(cmd, PB_OPS_SEED_BENCH,
		    "bench data set for E09000007 seeded (or already present)");
	if (strcmp(cmd, "token") == 0)
		return cmd_token(argc - 1, argv + 1);
	if (strcmp(cmd, "materialise") == 0)
		return cmd_materialise(argc - 1, argv + 1);
	if (strcmp(cmd, "rekey") == 0)
		return cmd_rekey(argc - 1, argv + 1);
	if (strcmp(cmd, "version") == 0) {
		printf("pbd %s\n", PB_VERSION);
		return 0;
	}
	fprintf(stderr, "pbd: unknown command %s\n", cmd);
	return usage(stderr);
}
