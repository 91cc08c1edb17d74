"""Requests as fibers on the event loop (internal/http/tasks.h): one loop
keeps serving while a request waits for PostgreSQL, more requests than
pooled connections are all answered, and a pooled connection comes back
clean after a request that failed inside its transaction."""
import os
import signal
import socket
import subprocess
import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "lib"))
from pbtest import Daemon, migrated_db, run, test, token, eq, check, psql  # noqa: E402

URL = migrated_db("concurrency")
# one loop, two connections: any blocking of the loop shows at once
D = Daemon(URL, {"PB_THREADS": "1", "PB_DB_POOL": "2", "PB_DB_TIMEOUT_MS": "4000"})
CW = token(["caseworker"], sub="cw-concurrency")


def new_child(given="Ada"):
    s, h, b, j = D.request("POST", "/v1/children", {"given_name": given, "family_name": "Byron",
                                                     "date_of_birth": "2014-05-01"}, token=CW)
    eq(s, 201, "create child (%r)" % b[:200])
    return j["id"]


def hold_row_lock(child_id, seconds):
    """A psql session that locks the child's row for `seconds`; returns the
    process once the lock is held."""
    p = subprocess.Popen(["psql", URL, "-v", "ON_ERROR_STOP=1", "-qc",
                          "BEGIN; SELECT 1 FROM children WHERE id = '%s' FOR UPDATE; "
                          "SELECT pg_sleep(%s); COMMIT;" % (child_id, seconds)],
                         stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    for _ in range(200):
        n = psql(URL, "SELECT count(*) FROM pg_stat_activity "
                      "WHERE query LIKE '%%pg_sleep(%s)%%' AND state = 'active' "
                      "AND pid <> pg_backend_pid()" % seconds)[1]
        if n == "1":
            return p
        time.sleep(0.02)
    p.kill()
    raise AssertionError("the lock holder never started")


@test
def test_loop_serves_others_while_a_request_waits_for_a_lock():
    locked, free = new_child("Locked"), new_child("Free")
    holder = hold_row_lock(locked, 1.5)
    result = {}

    def patch():
        t0 = time.time()
        result["status"] = D.request("PATCH", "/v1/children/" + locked, {"given_name": "After"},
                                     token=CW, headers={"If-Match": '"1"'})[0]
        result["secs"] = time.time() - t0

    t = threading.Thread(target=patch)
    t.start()
    time.sleep(0.2)   # the PATCH now waits on the row lock, holding a connection
    worst = 0.0
    for path in ["/healthz", "/v1/children/" + free] * 5:
        t0 = time.time()
        s = D.request("GET", path, token=CW)[0]
        worst = max(worst, time.time() - t0)
        eq(s, 200, "GET %s while the PATCH waits" % path)
    t.join(10)
    holder.wait(10)
    # with handlers blocking their loop, each GET would wait for the lock
    check(worst < 0.5, "the loop answered others within 0.5 s (worst %.3f s)" % worst)
    eq(result.get("status"), 200, "the waiting PATCH succeeds once the lock is gone")
    check(result["secs"] >= 1.0, "the PATCH really waited for the lock (%.2f s)" % result["secs"])
    s, h, b, j = D.request("GET", "/v1/children/" + locked, token=CW)
    eq(j["given_name"], "After", "the PATCH was applied")


@test
def test_more_concurrent_requests_than_connections():
    ids = [new_child("C%d" % i) for i in range(8)]

    def get(i):
        s, h, b, j = D.request("GET", "/v1/children/" + ids[i % len(ids)], token=CW)
        return s, (j or {}).get("id"), ids[i % len(ids)]

    with ThreadPoolExecutor(48) as pool:
        answers = list(pool.map(get, range(480)))
    eq(sorted(set(a[0] for a in answers)), [200], "every request answered 200")
    eq([a for a in answers if a[1] != a[2]], [], "every answer is for the child asked for")
    s, h, b, j = D.request("GET", "/metrics")
    text = b.decode()
    check('pb_db_pool_connections{state="in_use"} 0\n' in text,
          "no connection left lent after the burst")
    check("pb_db_pool_waiting 0\n" in text, "nobody left waiting for a connection")
    check('pb_db_pool_connections{state="open"} 2\n' in text,
          "the burst opened exactly the pool's two connections")


@test
def test_connection_is_clean_after_a_failed_transaction():
    # a PATCH that loses on If-Match inside its transaction, then plenty of
    # reads and writes on the same two connections: nothing leaks between them
    cid = new_child("Clean")
    for i in range(10):
        s = D.request("PATCH", "/v1/children/" + cid, {"given_name": "Stale"}, token=CW,
                      headers={"If-Match": '"999"'})[0]
        eq(s, 412, "stale If-Match")
    s, h, b, j = D.request("PATCH", "/v1/children/" + cid, {"given_name": "Fresh"}, token=CW,
                           headers={"If-Match": '"1"'})
    eq(s, 200, "fresh If-Match")
    eq(h["etag"], '"2"', "one version later")
    idle = psql(URL, "SELECT count(*) FROM pg_stat_activity WHERE application_name = 'pbd' "
                     "AND state LIKE 'idle in transaction%'")[1]
    eq(idle, "0", "no pooled connection left inside a transaction")


def pool_timeout_scenario(d):
    s, h, b, j = d.request("POST", "/v1/children", {"given_name": "Pool", "family_name": "Byron",
                                                     "date_of_birth": "2014-05-01"}, token=CW)
    eq(s, 201, "create")
    path = "/v1/children/" + j["id"]
    holder = subprocess.Popen(["psql", URL, "-qc", "BEGIN; LOCK TABLE children IN ACCESS EXCLUSIVE "
                               "MODE; SELECT pg_sleep(3); COMMIT;"],
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    for _ in range(200):
        if psql(URL, "SELECT count(*) FROM pg_locks l JOIN pg_class c ON c.oid = l.relation "
                     "WHERE c.relname = 'children' AND l.mode = 'AccessExclusiveLock' "
                     "AND l.granted")[1] == "1":
            break
        time.sleep(0.02)
    out = {}

    def get(name):
        t0 = time.time()
        out[name] = (d.request("GET", path, token=CW)[0], time.time() - t0)

    threads = []
    for name in "ABC":
        threads.append(threading.Thread(target=get, args=(name,)))
        threads[-1].start()
        time.sleep(0.1)
    metrics = d.request("GET", "/metrics")[2].decode()
    for t in threads:
        t.join(10)
    holder.wait(10)
    check("pb_db_pool_waiting 2\n" in metrics, "B and C were queued for the one connection")
    eq(out["A"][0], 503, "A: lock timeout")
    eq(out["C"][0], 503, "C: no connection within the pool timeout")
    check(0.8 < out["C"][1] < 1.8, "C gave up at the pool timeout (%.2f s)" % out["C"][1])
    check(out["B"][1] > out["C"][1], "B got A's connection first, so it answered after C "
          "(B %.2f s, C %.2f s)" % (out["B"][1], out["C"][1]))
    eq(d.request("GET", path, token=CW)[0], 200, "served again once the lock is gone")


@test
def test_waiting_for_a_connection_ends_in_503_at_the_pool_timeout():
    # one connection, held by A (waiting on a table lock until lock_timeout,
    # 1 s); B and C queue for it; B gets it from A (first come, first
    # served) and waits on the lock in turn; C's wait for a connection ends
    # at the pool timeout with a 503, before anything else frees one
    d = Daemon(URL, {"PB_THREADS": "1", "PB_DB_POOL": "1", "PB_DB_TIMEOUT_MS": "1000"})
    try:
        pool_timeout_scenario(d)
    finally:
        d.stop()


@test
def test_connections_closed_by_the_server_while_idle_are_replaced():
    # a database restart or an administrator ends pbd's idle sessions: the
    # next requests get fresh connections instead of a 503 each
    cid = new_child("Restart")
    with ThreadPoolExecutor(4) as pool:   # both pooled connections open and idle
        list(pool.map(lambda _: D.request("GET", "/v1/children/" + cid, token=CW), range(8)))
    killed = psql(URL, "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity "
                       "WHERE application_name = 'pbd' AND datname = current_database()")[1]
    eq(killed, "2", "both pooled sessions ended by the server")
    time.sleep(0.3)
    for i in range(4):
        eq(D.request("GET", "/v1/children/" + cid, token=CW)[0], 200,
           "request %d after the sessions ended" % i)


@test
def test_client_gone_while_its_request_waits():
    # the client hangs up while its PATCH waits on a lock: the change still
    # completes (nothing half-applied), the late reply goes nowhere, and the
    # loop carries on
    cid = new_child("Gone")
    holder = hold_row_lock(cid, 1.0)
    body = b'{"given_name":"Vanished"}'
    raw = (b"PATCH /v1/children/%s HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer %s\r\n"
           b"Content-Type: application/json\r\nIf-Match: \"1\"\r\nContent-Length: %d\r\n\r\n"
           % (cid.encode(), CW.encode(), len(body))) + body
    s = socket.create_connection(("127.0.0.1", D.port))
    s.sendall(raw)
    time.sleep(0.2)
    s.close()
    holder.wait(10)
    for _ in range(50):
        j = D.request("GET", "/v1/children/" + cid, token=CW)[3]
        if j["given_name"] == "Vanished":
            break
        time.sleep(0.05)
    eq(j["given_name"], "Vanished", "the PATCH of the vanished client was applied once")
    eq(j["version"], 2, "exactly one new version")
    eq(D.request("GET", "/healthz")[0], 200, "the daemon is still serving")


@test
def test_shutdown_lets_a_waiting_request_finish():
    d = Daemon(URL, {"PB_THREADS": "1", "PB_DB_POOL": "1", "PB_DB_TIMEOUT_MS": "4000"})
    s, h, b, j = d.request("POST", "/v1/children", {"given_name": "Drain", "family_name": "Byron",
                                                     "date_of_birth": "2014-05-01"}, token=CW)
    eq(s, 201, "create")
    holder = hold_row_lock(j["id"], 1.0)
    result = {}

    def patch():
        result["status"] = d.request("PATCH", "/v1/children/" + j["id"], {"given_name": "Drained"},
                                     token=CW, headers={"If-Match": '"1"'})[0]

    t = threading.Thread(target=patch)
    t.start()
    time.sleep(0.2)
    d.proc.send_signal(signal.SIGTERM)   # while the PATCH waits for the lock
    t.join(10)
    holder.wait(10)
    rc = d.proc.wait(10)
    eq(result.get("status"), 200, "the request in flight at SIGTERM was answered")
    eq(rc, 0, "clean exit after draining")
    got = psql(URL, "SELECT given_name FROM children WHERE id = '%s'" % j["id"])[1]
    eq(got, "Drained", "and its change committed")



@test
def test_event_feed_order_under_concurrent_writers_and_readers():
    """Writers append events at once (through pbd, plus a slow transaction
    holding an early event for a second); readers page /v1/events with
    after= the whole time.  Each reader must see seq rise by exactly one
    at every step (never N+1 before N, none skipped), and in the end every
    reader has every event, each with the same seq."""
    la = "E06000001"
    cw = token(["caseworker"], la=la, sub="cw-feed")
    svc = token(["service"], la=la, sub="svc-feed")
    d = Daemon(URL, {"PB_THREADS": "2", "PB_DB_POOL": "8"})
    try:
        done = threading.Event()
        seen = [[] for _ in range(3)]
        errors = []

        def read(out):
            after = None
            idle_after_done = 0
            while idle_after_done < 3:
                q = "/v1/events?limit=50" + ("&after=%d" % after if after is not None else "")
                st, _, body, j = d.request("GET", q, token=svc)
                if st != 200:
                    errors.append("reader %d: %r" % (st, body[:200]))
                    return
                for e in j["items"]:
                    out.append((e["seq"], e["id"]))
                    after = e["seq"]
                if not j["items"]:
                    idle_after_done += done.is_set()
                    time.sleep(0.01)

        def write(n):
            for i in range(n):
                st, _, body, _ = d.request("POST", "/v1/children", {
                    "given_name": "Feed%d" % i, "family_name": "Order",
                    "date_of_birth": "2015-01-01"}, token=cw)
                if st != 201:
                    errors.append("writer %d: %r" % (st, body[:200]))

        readers = [threading.Thread(target=read, args=(seen[i],)) for i in range(3)]
        for r in readers:
            r.start()
        slow = subprocess.Popen(["psql", URL, "-v", "ON_ERROR_STOP=1", "-qc",
                                 "BEGIN; INSERT INTO events (la, id, type, entity_type, entity_id,"
                                 " request_id, payload) VALUES ('%s', gen_random_uuid(), 'test.slow',"
                                 " 'child', gen_random_uuid(), 'slow', '{}');"
                                 " SELECT pg_sleep(1); COMMIT;" % la],
                                stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        with ThreadPoolExecutor(6) as ex:
            list(ex.map(write, [25] * 6))
        eq(slow.wait(20), 0, "the slow transaction committed")
        done.set()
        for r in readers:
            r.join(60)
        eq(errors, [], "errors")
        total = int(psql(URL, "SELECT count(*) FROM events WHERE la = '%s'" % la)[1])
        eq(total, 151, "150 children and the slow event")
        ids = {}
        for i, got in enumerate(seen):
            seqs = [sq for sq, _ in got]
            eq(seqs, list(range(1, total + 1)), "reader %d saw seq 1..%d in order, none skipped"
               % (i, total))
            for sq, eid in got:
                check(ids.setdefault(eid, sq) == sq, "event %s has one seq" % eid)
        eq(len(ids), total, "every event seen")
    finally:
        d.stop()


run()
