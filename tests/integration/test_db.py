"""Database-level guarantees: migrations are idempotent and safe to run
concurrently, the audit log and events are append-only in the database
itself, every table and every key carries la, and seed-demo is idempotent."""
import glob
import os
import re
import subprocess
import sys

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "lib"))
from pbtest import (check, eq, fresh_db, migrated_db, new_id, pbd, pbd_bin,  # noqa: E402
                    psql, run, test, SECRET)

HERE = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..")
MIGRATIONS = sorted(glob.glob(os.path.join(HERE, "internal", "db", "migrations", "*.sql")))
LATEST = max(int(os.path.basename(m).split("_", 1)[0]) for m in MIGRATIONS)

DB = fresh_db("db_integration")
FIRST = pbd(["migrate"], {"DATABASE_URL": DB})


def q(sql, url=DB):
    return psql(url, sql)[1]


def applied_count(out):
    m = re.search(r"(\d+) applied", out)
    check(m, "migrate output names the count: %r" % out)
    return int(m.group(1))


# --- migrations -------------------------------------------------------------------------

@test
def test_first_migrate_applies_everything():
    eq(FIRST.returncode, 0, "exit code (stderr %r)" % FIRST.stderr)
    eq(applied_count(FIRST.stdout), len(MIGRATIONS), "applied on a fresh database")


@test
def test_second_migrate_applies_nothing():
    p = pbd(["migrate"], {"DATABASE_URL": DB})
    eq(p.returncode, 0, "exit code (stderr %r)" % p.stderr)
    eq(applied_count(p.stdout), 0, "second run applies 0")
    p = pbd(["migrate"], {"DATABASE_URL": DB})
    eq(p.returncode, 0, "third run")
    eq(applied_count(p.stdout), 0, "third run applies 0")


@test
def test_schema_migrations_at_latest():
    eq(q("SELECT max(version) FROM schema_migrations"), str(LATEST), "max version")
    eq(q("SELECT count(*) FROM schema_migrations"), str(len(MIGRATIONS)), "one row per migration")
    versions = [int(v) for v in q("SELECT version FROM schema_migrations ORDER BY 1").split()]
    eq(versions, sorted(int(os.path.basename(m).split("_", 1)[0]) for m in MIGRATIONS),
       "every migration recorded")
    check("version %d" % LATEST in FIRST.stdout, "output names the version: %r" % FIRST.stdout)


@test
def test_concurrent_migrates_are_safe():
    url = fresh_db("db_concurrent")
    env = dict(os.environ, DATABASE_URL=url, PB_JWT_SECRET=SECRET)
    procs = [subprocess.Popen([pbd_bin(), "migrate"], env=env, stdout=subprocess.PIPE,
                              stderr=subprocess.PIPE, text=True) for _ in range(4)]
    outs = [p.communicate(timeout=60) for p in procs]
    for p, (out, err) in zip(procs, outs):
        eq(p.returncode, 0, "concurrent migrate exit (stderr %r)" % err)
    eq(sum(applied_count(o) for o, _ in outs), len(MIGRATIONS), "each migration applied once")
    eq(q("SELECT count(*) FROM schema_migrations", url), str(len(MIGRATIONS)), "rows")


@test
def test_seed_demo_requires_migrated_database():
    url = fresh_db("db_unmigrated")
    p = pbd(["seed-demo"], {"DATABASE_URL": url})
    check(p.returncode != 0, "seed-demo on an empty database must fail")
    check("migrate" in p.stderr, "message says to migrate: %r" % p.stderr)


# --- append-only ---------------------------------------------------------------------------

def seed_log_rows():
    aid, eid, ent = new_id(), new_id(), new_id()
    psql(DB, "INSERT INTO audit_log (la, id, actor_sub, action, entity_type, entity_id,"
             " request_id, changes) VALUES ('E09000007', '%s', 'test', 'child.created', 'child',"
             " '%s', 'req-1', '{}')" % (aid, ent))
    psql(DB, "INSERT INTO events (la, id, type, entity_type, entity_id, request_id, payload)"
             " VALUES ('E09000007', '%s', 'child.created', 'child', '%s', 'req-1', '{}')"
             % (eid, ent))
    return aid, eid


def refused(sql, what):
    rc, out, err = psql(DB, sql, check_rc=False)
    check(rc != 0, "%s must be refused by the database" % what)
    check("append-only" in err, "%s error mentions append-only: %r" % (what, err))


@test
def test_audit_log_is_append_only():
    aid, _ = seed_log_rows()
    refused("UPDATE audit_log SET actor_sub = 'mallory' WHERE id = '%s'" % aid, "UPDATE audit_log")
    refused("UPDATE audit_log SET changes = '{}'", "UPDATE all audit_log")
    refused("DELETE FROM audit_log WHERE id = '%s'" % aid, "DELETE audit_log")
    refused("DELETE FROM audit_log", "DELETE all audit_log")
    refused("TRUNCATE audit_log", "TRUNCATE audit_log")
    eq(q("SELECT actor_sub FROM audit_log WHERE id = '%s'" % aid), "test", "row intact")


@test
def test_events_are_append_only():
    _, eid = seed_log_rows()
    refused("UPDATE events SET type = 'forged' WHERE id = '%s'" % eid, "UPDATE events")
    refused("DELETE FROM events WHERE id = '%s'" % eid, "DELETE events")
    refused("TRUNCATE events CASCADE", "TRUNCATE events")
    refused("TRUNCATE events, event_feed, audit_log", "TRUNCATE all three")
    eq(q("SELECT type FROM events WHERE id = '%s'" % eid), "child.created", "row intact")


@test
def test_append_only_holds_inside_a_transaction():
    aid, _ = seed_log_rows()
    refused("BEGIN; DELETE FROM audit_log WHERE id = '%s'; COMMIT" % aid, "DELETE in a transaction")
    eq(q("SELECT count(*) FROM audit_log WHERE id = '%s'" % aid), "1", "still there")


# --- la everywhere -------------------------------------------------------------------------

def tables():
    return q("SELECT c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace"
             " WHERE n.nspname = 'public' AND c.relkind IN ('r', 'p')"
             " AND c.relname <> 'schema_migrations' ORDER BY 1").split()


@test
def test_every_table_has_la():
    ts = tables()
    for t in ("people", "children", "contacts", "plans", "audit_log", "events"):
        check(t in ts, "table %s exists" % t)
    missing = q("SELECT c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace"
                " WHERE n.nspname = 'public' AND c.relkind IN ('r', 'p')"
                " AND c.relname <> 'schema_migrations' AND NOT EXISTS (SELECT 1 FROM pg_attribute a"
                " WHERE a.attrelid = c.oid AND a.attname = 'la' AND NOT a.attisdropped"
                " AND a.attnotnull) ORDER BY 1").split()
    eq(missing, [], "tables without a NOT NULL la column")


@test
def test_every_key_includes_la():
    rows = q("SELECT c.relname || ' ' || k.conname || ' ' || k.contype::text FROM pg_constraint k"
             " JOIN pg_class c ON c.oid = k.conrelid"
             " JOIN pg_namespace n ON n.oid = c.relnamespace"
             " WHERE n.nspname = 'public' AND k.contype IN ('p', 'u', 'f', 'x')"
             " AND c.relname <> 'schema_migrations'"
             " AND NOT EXISTS (SELECT 1 FROM pg_attribute a WHERE a.attrelid = k.conrelid"
             " AND a.attname = 'la' AND a.attnum = ANY (k.conkey)) ORDER BY 1")
    eq(rows.splitlines(), [], "keys without la")
    n = int(q("SELECT count(*) FROM pg_constraint k JOIN pg_class c ON c.oid = k.conrelid"
              " JOIN pg_namespace s ON s.oid = c.relnamespace WHERE s.nspname = 'public'"
              " AND k.contype IN ('p', 'u', 'f') AND c.relname <> 'schema_migrations'"))
    check(n >= 10, "the query sees the keys (%d)" % n)


@test
def test_every_primary_key_exists():
    rows = q("SELECT c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace"
             " WHERE n.nspname = 'public' AND c.relkind IN ('r', 'p')"
             " AND NOT EXISTS (SELECT 1 FROM pg_constraint k WHERE k.conrelid = c.oid"
             " AND k.contype = 'p') ORDER BY 1")
    eq(rows.splitlines(), [], "tables without a primary key")


@test
def test_foreign_keys_match_la_to_la():
    # each foreign key pairs the referencing la with the referenced table's la
    rows = q("SELECT c.relname || ' ' || k.conname FROM pg_constraint k"
             " JOIN pg_class c ON c.oid = k.conrelid"
             " JOIN pg_namespace n ON n.oid = c.relnamespace"
             " WHERE n.nspname = 'public' AND k.contype = 'f' AND NOT EXISTS ("
             "  SELECT 1 FROM generate_subscripts(k.conkey, 1) i"
             "  JOIN pg_attribute a ON a.attrelid = k.conrelid AND a.attnum = k.conkey[i]"
             "  JOIN pg_attribute b ON b.attrelid = k.confrelid AND b.attnum = k.confkey[i]"
             "  WHERE a.attname = 'la' AND b.attname = 'la') ORDER BY 1")
    eq(rows.splitlines(), [], "foreign keys whose la does not reference la")


@test
def test_unique_indexes_include_la():
    rows = q("SELECT t.relname || ' ' || i.relname FROM pg_index x"
             " JOIN pg_class i ON i.oid = x.indexrelid JOIN pg_class t ON t.oid = x.indrelid"
             " JOIN pg_namespace n ON n.oid = t.relnamespace"
             " WHERE n.nspname = 'public' AND x.indisunique AND t.relname <> 'schema_migrations'"
             " AND NOT EXISTS (SELECT 1 FROM pg_attribute a WHERE a.attrelid = t.oid"
             " AND a.attname = 'la' AND a.attnum = ANY (x.indkey::int2[])) ORDER BY 1")
    eq(rows.splitlines(), [], "unique indexes without la")


@test
def test_cross_la_reference_refused():
    # a contact in one la cannot point at a child of another la
    child, person = new_id(), new_id()
    psql(DB, "INSERT INTO children (la, id, given_name, family_name, date_of_birth, created_by)"
             " VALUES ('E09000007', '%s', 'A', 'B', '2015-01-01', 't')" % child)
    psql(DB, "INSERT INTO people (la, id, given_name, family_name, created_by)"
             " VALUES ('E08000025', '%s', 'P', 'Q', 't')" % person)
    rc, out, err = psql(DB, "INSERT INTO contacts (la, id, child_id, person_id, relationship,"
                            " has_parental_responsibility, lives_with_child, created_by) VALUES"
                            " ('E08000025', '%s', '%s', '%s', 'parent', true, true, 't')"
                            % (new_id(), child, person), check_rc=False)
    check(rc != 0, "cross-la contact must violate a foreign key")
    check("foreign key" in err, "foreign key error: %r" % err)


# --- seed-demo -----------------------------------------------------------------------------

def counts(url):
    ts = tables()
    sql = " UNION ALL ".join("SELECT '%s', count(*) FROM \"%s\"" % (t, t) for t in ts)
    out = {}
    for line in q(sql, url).splitlines():
        t, n = line.split("|")
        out[t] = int(n)
    eq(sorted(out), sorted(ts), "counted every table")
    return out


@test
def test_seed_demo_idempotent():
    url = migrated_db("db_seed")
    before = counts(url)
    p = pbd(["seed-demo"], {"DATABASE_URL": url})
    eq(p.returncode, 0, "first seed-demo (stderr %r)" % p.stderr)
    first = counts(url)
    for t in ("people", "children", "contacts", "plans"):
        check(first[t] > before[t], "seed-demo fills %s" % t)
    p = pbd(["seed-demo"], {"DATABASE_URL": url})
    eq(p.returncode, 0, "second seed-demo (stderr %r)" % p.stderr)
    eq(counts(url), first, "row counts after the second seed-demo")
    p = pbd(["seed-demo"], {"DATABASE_URL": url})
    eq(p.returncode, 0, "third seed-demo")
    eq(counts(url), first, "row counts after the third seed-demo")
    # and the schema is still current
    p = pbd(["migrate"], {"DATABASE_URL": url})
    eq(applied_count(p.stdout), 0, "migrate after seeding")


@test
def test_seed_demo_rows_belong_to_demo_council():
    url = pg_seeded()
    for t in ("people", "children", "contacts", "plans"):
        eq(q("SELECT string_agg(DISTINCT la, ',') FROM %s" % t, url), "E09000007", t + " la")
    bad = q("SELECT count(*) FROM plans p JOIN children c ON c.la = p.la AND c.id = p.child_id"
            " WHERE p.status NOT IN ('assessment_agreed', 'issued', 'under_review', 'ceased')", url)
    eq(bad, "0", "plan statuses")


_SEEDED = []


def pg_seeded():
    if not _SEEDED:
        url = migrated_db("db_seed2")
        pbd(["seed-demo"], {"DATABASE_URL": url}, check_rc=True)
        _SEEDED.append(url)
    return _SEEDED[0]


run()
