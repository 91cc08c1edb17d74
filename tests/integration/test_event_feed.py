"""The events feed against a real PostgreSQL (migration 010): writers append
events without touching any shared row; pb_events_sequence(la) numbers only
the events of transactions below the visibility watermark, so a transaction
that commits early never overtakes one still running, seq is gap-free per
council, councils do not share numbers, and the feed is append-only."""
import os
import re
import subprocess
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "lib"))
from pbtest import check, eq, fresh_db, migrated_db, new_id, pbd, psql, run, test  # noqa: E402

DB = migrated_db("event_feed")
LA = "E09000007"
OTHER = "E08000025"


def q(sql):
    return psql(DB, sql)[1]


def insert_sql(la, tag):
    return ("INSERT INTO events (la, id, type, entity_type, entity_id, request_id, payload)"
            " VALUES ('%s', '%s', 'test.%s', 'child', '%s', 'req-%s', '{}')"
            % (la, new_id(), tag, new_id(), tag))


def sequence(la=LA):
    return int(q("SELECT pb_events_sequence('%s')" % la))


def feed(la=LA):
    """[(seq, type)] in seq order."""
    out = q("SELECT f.seq || ' ' || e.type FROM event_feed f JOIN events e"
            " ON e.la = f.la AND e.pos = f.pos WHERE f.la = '%s' ORDER BY f.seq" % la)
    return [(int(a), b) for a, b in (line.split(" ", 1) for line in out.splitlines())]


def background(sql):
    """psql running sql in the background (returns the process)."""
    return subprocess.Popen(["psql", DB, "-v", "ON_ERROR_STOP=1", "-tAqc", sql],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def wait_until(cond, what, seconds=10):
    end = time.time() + seconds
    while time.time() < end:
        if cond():
            return
        time.sleep(0.05)
    raise AssertionError("timed out waiting for " + what)


def in_flight(tag):
    """The background transaction tagged `tag` runs and has its xid (so
    its event, or its place in the xid order, is taken)."""
    return q("SELECT count(*) FROM pg_stat_activity WHERE query LIKE '%%test.%s%%'"
             " AND state = 'active' AND backend_xid IS NOT NULL"
             " AND pid <> pg_backend_pid()" % tag) != "0"


@test
def test_an_event_is_numbered_once_its_transaction_ends():
    before = len(feed())
    q(insert_sql(LA, "plain"))
    eq(sequence(), 1, "one event numbered")
    eq(sequence(), 0, "a second pass numbers nothing")
    f = feed()
    eq(len(f), before + 1, "in the feed")
    eq(f[-1][1], "test.plain", "the event")


@test
def test_an_early_commit_never_overtakes_a_running_transaction():
    start = feed()
    last = start[-1][0] if start else 0
    # A draws its pos first and keeps running; B commits while A runs.
    a = background("BEGIN; " + insert_sql(LA, "slow_a") + "; SELECT pg_sleep(2), 'test.slow_a';"
                   " COMMIT;")
    wait_until(lambda: in_flight("slow_a"), "A to be inside its transaction")
    q(insert_sql(LA, "fast_b"))
    eq(q("SELECT count(*) FROM events WHERE type = 'test.fast_b'"), "1", "B committed")
    eq(sequence(), 0, "B is not numbered while A, older, still runs")
    eq(feed(), start, "the feed has not moved")
    a.wait(10)
    eq(a.returncode, 0, "A committed: %s" % a.stderr.read())
    eq(sequence(), 2, "both numbered once A ended")
    f = feed()[len(start):]
    eq(f, [(last + 1, "test.slow_a"), (last + 2, "test.fast_b")], "in pos order, gap-free")


@test
def test_a_later_writer_that_commits_first_waits_for_the_older_one():
    # T1 takes its transaction id first but writes its event last.
    start = feed()
    t1 = background("BEGIN; SELECT pg_current_xact_id(); SELECT pg_sleep(1.5), 'test.old_t1';"
                    " " + insert_sql(LA, "old_t1") + "; COMMIT;")
    wait_until(lambda: in_flight("old_t1"), "T1 to hold its xid")
    q(insert_sql(LA, "new_t2"))
    eq(sequence(), 0, "T2's event waits for T1")
    t1.wait(10)
    eq(t1.returncode, 0, "T1 committed: %s" % t1.stderr.read())
    eq(sequence(), 2, "both numbered")
    eq([t for _, t in feed()[len(start):]], ["test.new_t2", "test.old_t1"],
       "one pass, in the order the events were drawn")


@test
def test_an_aborted_transaction_leaves_no_gap():
    start = feed()
    rc, _, _ = psql(DB, "BEGIN; " + insert_sql(LA, "aborted") + "; SELECT 1/0; COMMIT;",
                    check_rc=False)
    check(rc != 0, "the transaction failed")
    q(insert_sql(LA, "after_abort"))
    sequence()
    f = feed()
    eq([s for s, _ in f], list(range(1, len(f) + 1)), "seq is 1..n with no gap")
    eq([t for _, t in f[len(start):]], ["test.after_abort"], "the aborted event is absent")


@test
def test_councils_are_numbered_apart():
    q(insert_sql(OTHER, "other_council"))
    eq(sequence(OTHER), 1, "numbered in its own council")
    eq(feed(OTHER), [(1, "test.other_council")], "the other council starts at 1")
    check(all(t != "test.other_council" for _, t in feed(LA)), "not in this council's feed")


@test
def test_concurrent_passes_never_number_twice():
    for i in range(20):
        q(insert_sql(LA, "burst%d" % i))
    procs = [background("SELECT pb_events_sequence('%s')" % LA) for _ in range(6)]
    total = 0
    for p in procs:
        out, err = p.communicate(timeout=20)
        eq(p.returncode, 0, "pass: " + err)
        total += int(out.strip())
    eq(total, 20, "the six passes numbered the 20 events once between them")
    eq(q("SELECT count(*) FROM events e WHERE e.la = '%s' AND NOT EXISTS (SELECT 1 FROM"
         " event_feed f WHERE f.la = e.la AND f.pos = e.pos)" % LA), "0", "none left out")
    f = feed()
    eq([s for s, _ in f], list(range(1, len(f) + 1)), "gap-free")


@test
def test_feed_is_append_only():
    for sql in ("UPDATE event_feed SET seq = seq + 100", "DELETE FROM event_feed",
                "TRUNCATE event_feed CASCADE"):
        rc, _, err = psql(DB, sql, check_rc=False)
        check(rc != 0 and "append-only" in err, "%s refused: %r" % (sql, err))


@test
def test_migration_keeps_the_numbers_of_events_written_before():
    """A database at version 9 with events numbered by the old counter row:
    010 keeps each seq, and new events continue after them."""
    url = fresh_db("event_feed_upgrade")
    here = os.path.join(os.path.dirname(__file__), "..", "..", "internal", "db", "migrations")
    psql(url, "CREATE TABLE schema_migrations (version integer PRIMARY KEY, name text NOT NULL,"
              " applied_at timestamptz NOT NULL DEFAULT now())")
    for f in sorted(os.listdir(here)):
        v = int(f.split("_")[0])
        if v >= 10:
            continue
        rc = subprocess.run(["psql", url, "-v", "ON_ERROR_STOP=1", "-q", "-1", "-f",
                             os.path.join(here, f)], capture_output=True, text=True)
        eq(rc.returncode, 0, "apply %s: %s" % (f, rc.stderr))
        psql(url, "INSERT INTO schema_migrations (version, name) VALUES (%d, '%s')" % (v, f[:-4]))
    old = []
    for la, n in ((LA, 3), (OTHER, 2)):
        for i in range(n):
            eid = new_id()
            psql(url, "WITH c AS (INSERT INTO event_counters AS ec (la, last_seq) VALUES ('%s', 1)"
                      " ON CONFLICT (la) DO UPDATE SET last_seq = ec.last_seq + 1 RETURNING last_seq)"
                      " INSERT INTO events (la, seq, id, type, entity_type, entity_id, request_id,"
                      " payload) SELECT '%s', c.last_seq, '%s', 'old.%d', 'child', '%s', 'r', '{}'"
                      " FROM c" % (la, la, eid, i, new_id()))
            old.append((la, i + 1, eid))
    p = pbd(["migrate"], {"DATABASE_URL": url}, check_rc=True)
    out = p.stdout + p.stderr
    check(re.search(r"\b[1-9][0-9]* applied", out), "010 and later applied: %r" % out)
    for la, seq, eid in old:
        eq(psql(url, "SELECT f.seq FROM event_feed f JOIN events e ON e.la = f.la AND e.pos = f.pos"
                     " WHERE e.id = '%s'" % eid)[1], str(seq), "old event keeps seq %d" % seq)
    psql(url, insert_sql(LA, "new"))
    eq(psql(url, "SELECT pb_events_sequence('%s')" % LA)[1], "1", "only the new one numbered")
    eq(psql(url, "SELECT max(seq) FROM event_feed WHERE la = '%s'" % LA)[1], "4", "continues at 4")


run()
