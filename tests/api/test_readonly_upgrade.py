"""The daemon against a database it cannot write to, and across a rolling
upgrade (issue 19): a read-only session (a standby after a failover, a
wrong URL, a server set read-only) makes /readyz 503 and every write a 503
UNAVAILABLE with Retry-After — never a 500 — and once the database takes
writes again the daemon carries on without a restart; a schema newer than
the binary (the next release's migration ran first, or a rollback) keeps
it ready, an older one does not."""
import json
import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "lib"))
from pbtest import (Daemon, check, eq, fresh_db, migrated_db, pbd, psql, run, test,  # noqa: E402
                    token)

CW = token(["caseworker"], sub="ro-cw")
PERSON = {"given_name": "Ro", "family_name": "Only"}


def dbname(url):
    return url.split("///", 1)[1].split("?", 1)[0]


def read_only(url, on):
    """The database's sessions read-only (new connections), as on a standby;
    its open sessions are ended.  Run from the server's postgres database,
    which stays writable."""
    admin = url.replace("///%s?" % dbname(url), "///postgres?")
    psql(admin, "ALTER DATABASE \"%s\" SET default_transaction_read_only = %s"
         % (dbname(url), "on" if on else "off"))
    psql(admin, "SELECT pg_terminate_backend(pid) FROM pg_stat_activity"
         " WHERE datname = '%s'" % dbname(url))


@test
def test_a_read_only_server_is_unavailable_not_an_error_and_pbd_recovers():
    url = migrated_db("readonly")
    d = Daemon(url)
    try:
        eq(d.request("POST", "/v1/people", PERSON, token=CW)[0], 201, "writes at first")
        read_only(url, True)
        statuses = []
        for _ in range(5):
            s, h, b, j = d.request("POST", "/v1/people", PERSON, token=CW)
            statuses.append(s)
            if s == 503:
                eq((j["code"], h.get("retry-after")), ("UNAVAILABLE", "1"), "503 with Retry-After")
        check(500 not in statuses and all(s == 503 for s in statuses),
              "every write on a read-only server: 503, never 500 (%s)" % statuses)
        s, h, b, j = d.request("GET", "/readyz")
        eq((s, j["read_only"], h.get("retry-after")), (503, True, "1"), "not ready on a standby")
        check("read-only" in j["detail"], j["detail"])
        eq(d.request("GET", "/v1/children", token=CW)[0], 200, "reads still served")
        read_only(url, False)
        eq(d.request("GET", "/readyz")[0], 200, "ready again, no restart")
        eq(d.request("POST", "/v1/people", PERSON, token=CW)[0], 201, "writes again")
        _, n, _ = psql(url, "SELECT count(*) FROM people WHERE given_name = 'Ro'")
        eq(n, "2", "only the acknowledged writes are there")
    finally:
        d.stop()


@test
def test_a_newer_schema_keeps_the_binary_ready_an_older_one_does_not():
    url = migrated_db("upgrade")
    d = Daemon(url)
    try:
        eq(d.request("GET", "/readyz")[0], 200, "at the binary's version")
        # the next release's migration ran first (rolling upgrade), or this is a rollback
        psql(url, "INSERT INTO schema_migrations (version, name)"
             " SELECT max(version) + 1, 'next_release' FROM schema_migrations")
        s, h, b, j = d.request("GET", "/readyz")
        eq(s, 200, "a newer schema is served: %s" % b[:200])
        check(j["schema_version"] == j["expected_schema_version"] + 1, "versions shown")
        eq(d.request("POST", "/v1/people", PERSON, token=CW)[0], 201, "and written to")
        psql(url, "DELETE FROM schema_migrations WHERE version >= (SELECT max(version) - 1"
             " FROM schema_migrations)")
        s, h, b, j = d.request("GET", "/readyz")
        eq(s, 503, "an older schema is not")
        check("pbd migrate" in j["detail"], j["detail"])
    finally:
        d.stop()


@test
def test_migrate_logs_the_servers_notices_as_json_lines():
    url = fresh_db("notices")
    psql(url, "CREATE EXTENSION btree_gist")     # so a migration's IF NOT EXISTS notices it
    for attempt in ("first", "again"):
        p = pbd(["migrate"], {"DATABASE_URL": url}, check_rc=True)
        lines = [ln for ln in p.stderr.splitlines() if ln.strip()]
        for ln in lines:
            json.loads(ln)                       # raises on a plain-text line
        if attempt == "first":
            check(any(json.loads(ln).get("msg") == "postgres notice" and "btree_gist" in
                      json.loads(ln).get("notice", "") for ln in lines),
                  "the NOTICE is logged as JSON: %r" % lines)


@test
def test_the_database_url_can_come_from_a_file():
    import tempfile
    url = migrated_db("urlfile")
    with tempfile.NamedTemporaryFile("w", suffix=".url", delete=False) as f:
        f.write(url + "\n")
    d = Daemon("", {"DATABASE_URL": "", "DATABASE_URL_FILE": f.name})
    try:
        eq(d.request("GET", "/readyz")[0], 200, "connected with the URL from the file")
    finally:
        d.stop()
    p = pbd(["migrate"], {"DATABASE_URL": url, "DATABASE_URL_FILE": f.name})
    check(p.returncode != 0 and "not both" in p.stderr, "both: refused: %r" % p.stderr[-200:])
    os.unlink(f.name)


run()
