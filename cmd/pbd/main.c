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
#include "internal/db/db.h"
#include "internal/db/migrate.h"
#include "internal/log/log.h"
#include "internal/metrics/metrics.h"
#include "internal/payments/rekey.h"
#include "internal/payments/service.h"

extern const char pb_seed_demo_sql[];
extern const char pb_seed_bench_sql[];

static int usage(FILE *out)
{
	fprintf(out,
	    "usage: pbd [serve | migrate | seed-demo | seed-bench | token | version] [--help]\n"
	    "  serve       run the HTTP daemon (default)\n"
	    "  migrate     apply pending database migrations to DATABASE_URL\n"
	    "  seed-demo   load the demo council (idempotent)\n"
	    "  seed-bench  load the benchmark data set, 20,000 children (idempotent)\n"
	    "  token       print a development JWT:\n"
	    "              --role ROLE [--role ROLE...] [--sub S] [--person-id UUID]\n"
	    "              [--la CODE] [--ttl SECONDS]\n"
	    "  materialise create the due payments of recurring schedules (cron):\n"
	    "              --until YYYY-MM-DD [--la CODE] (default: every council\n"
	    "              with schedules); also purges idempotency keys > 24 h old\n"
	    "  rekey       re-encrypt payees' bank details from PB_BANK_KEY_OLD to\n"
	    "              PB_BANK_KEY, in batches [--batch N] (idempotent)\n"
	    "  version     print the version\n"
	    "Configuration comes from the environment: see README.md.\n");
	return out == stdout ? 0 : 2;
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

	if (pb_db_connect(cfg->database_url, cfg->db_timeout_ms, db, err, sizeof(err)) != PB_OK) {
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
	int applied = 0, rc = 1;

	if (load(&cfg, PB_NEED_DB) || connect_or_fail(&cfg, &db))
		goto out;
	if (pb_migrate_apply(db, &applied, err, sizeof(err)) != PB_OK) {
		fprintf(stderr, "pbd: %s\n", err);
		goto out;
	}
	printf("migrations: %d applied, schema at version %d\n", applied, pb_migrate_latest());
	rc = 0;
out:
	pb_db_close(db);
	pb_config_free(&cfg);
	return rc;
}

/* Run one embedded seed script (what names it in messages) against
 * DATABASE_URL, which must be migrated; 0 on success. */
static int run_seed(const char *what, const char *sql, const char *done)
{
	struct pb_config cfg;
	struct pb_db *db = NULL;
	int rc = 1;

	if (load(&cfg, PB_NEED_DB) || connect_or_fail(&cfg, &db))
		goto out;
	if (pb_migrate_current(db) != pb_migrate_latest()) {
		fprintf(stderr, "pbd: run `pbd migrate` first\n");
		goto out;
	}
	PGresult *res = PQexec(pb_db_conn(db), sql);
	if (PQresultStatus(res) != PGRES_COMMAND_OK) {
		fprintf(stderr, "pbd: %s failed: %s", what, PQresultErrorMessage(res));
		PQclear(res);
		goto out;
	}
	PQclear(res);
	printf("%s\n", done);
	rc = 0;
out:
	pb_db_close(db);
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

struct materialise_run {
	struct pb_db *db;
	int32_t until;
	char request_id[37];
};

/* One council: print its {created, payments, skipped} as a JSON line. */
static enum pb_err materialise_la(const char *la, void *arg)
{
	struct materialise_run *m = arg;
	struct pb_actor actor = { la, "pbd-materialise", m->request_id };
	char *json = NULL;

	enum pb_err err = pb_pay_materialise(m->db, &actor, m->until, &json);
	if (err == PB_OK)
		printf("{\"la\":\"%s\",\"result\":%s}\n", la, json);
	free(json);
	return err;
}

static int cmd_materialise(int argc, char **argv)
{
	struct pb_config cfg;
	struct materialise_run m = { NULL, 0, "" };
	const char *la = NULL, *until = NULL;
	int purged = 0, rc = 1;

	for (int i = 1; i + 1 < argc; i += 2) {
		if (strcmp(argv[i], "--until") == 0)
			until = argv[i + 1];
		else if (strcmp(argv[i], "--la") == 0 && pb_auth_valid_la(argv[i + 1]))
			la = argv[i + 1];
		else
			break;
	}
	if (until == NULL || (argc - 1) % 2 != 0 ||
	    pb_date_parse(until, strlen(until), &m.until) != PB_OK ||
	    (argc > 3 && la == NULL)) {
		fprintf(stderr, "pbd materialise: --until YYYY-MM-DD [--la CODE]\n");
		return 2;
	}
	if (load(&cfg, PB_NEED_DB) || connect_or_fail(&cfg, &m.db))
		goto out;
	if (pb_migrate_current(m.db) != pb_migrate_latest()) {
		fprintf(stderr, "pbd: run `pbd migrate` first\n");
		goto out;
	}
	pb_uuid_new(m.request_id);
	enum pb_err err = la ? materialise_la(la, &m)
	    : pb_pay_store_schedule_las(m.db, materialise_la, &m);
	if (err == PB_OK)
		err = pb_pay_store_idem_purge(m.db, &purged);
	if (err) {
		fprintf(stderr, "pbd materialise: failed (%s): %s\n", pb_err_code(err),
		    pb_db_error(m.db));
		goto out;
	}
	fprintf(stderr, "pbd materialise: done; %d idempotency keys purged\n", purged);
	rc = 0;
out:
	pb_db_close(m.db);
	pb_config_free(&cfg);
	return rc;
}

static int cmd_serve(void)
{
	struct pb_config cfg;
	static const char *route_names[PB_METRICS_MAX_ROUTES];

	if (load(&cfg, PB_NEED_DB | PB_NEED_JWT))
		return 1;
	for (size_t i = 0; i < api_routes_count && i < PB_METRICS_MAX_ROUTES; i++)
		route_names[i] = api_routes[i].pattern;
	pb_metrics_init(route_names, api_routes_count);
	struct pb_db_pool *pool = pb_db_pool_new(cfg.database_url, cfg.db_pool,
	    cfg.db_timeout_ms, cfg.threads);
	int rc = pb_http_serve(&cfg, pool, api_routes, api_routes_count);
	pb_db_pool_free(pool);
	pb_config_free(&cfg);
	return rc == 0 ? 0 : 1;
}

/* pbd rekey [--batch N]: bank-key rotation (internal/payments/rekey.h). */
static int cmd_rekey(int argc, char **argv)
{
	struct pb_config cfg;
	struct pb_db *db = NULL;
	struct pb_rekey_report r;
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
	if (pb_bank_rekey(db, cfg.bank_key, cfg.bank_key_old, batch, &r) != PB_OK) {
		fprintf(stderr, "pbd rekey: database error: %s\n", pb_db_error(db));
		goto out;
	}
	printf("rekey: %ld re-encrypted in %ld batches; %ld under the current key; "
	    "%ld would not open under the old key; %ld under other keys\n",
	    r.rekeyed, r.batches, r.current, r.failed, r.other);
	rc = r.failed == 0 && r.other == 0 ? 0 : 3;
out:
	pb_db_close(db);
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
		return usage(stdout);
	if (strcmp(cmd, "serve") == 0)
		return cmd_serve();
	if (strcmp(cmd, "migrate") == 0)
		return cmd_migrate();
	if (strcmp(cmd, "seed-demo") == 0)
		return run_seed(cmd, pb_seed_demo_sql, "demo council E09000007 seeded");
	if (strcmp(cmd, "seed-bench") == 0)
		return run_seed(cmd, pb_seed_bench_sql,
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
