"""kill -9 pbd in the middle of a payment load with retries.

Eight client threads create payments (POST /v1/budgets/{id}/payments, each
with its own Idempotency-Key) and retry the same key with the same body on
any connection error or 5xx, as a careful client would.  After ~1 s of load
pbd is killed with SIGKILL and started again on the same port.  Afterwards:
  - every payment acknowledged with 201 exists exactly once, with the id the
    client was given; no key made two payments;
  - every key was eventually acknowledged (retries converge);
  - replaying acknowledged keys returns the original (Idempotent-Replayed);
  - the element's committed total equals the sum of its live payments and
    remaining is never negative (the ledger invariant).
"""
import os
import sys
import threading
import time
import uuid

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from faultlib import Cluster, Pbd, dp_budget, request, run, test, token  # noqa: E402

import subprocess  # noqa: E402

C = Cluster("kill")
subprocess.run([os.environ.get("PBD_BIN", "bin/pbd"), "migrate"], check=True, capture_output=True,
               env=dict(os.environ, DATABASE_URL=C.url, PB_JWT_SECRET="x" * 40))
P = Pbd(C.url, env={"PB_BANK_KEY": "2a" * 32, "PB_DB_POOL": "6"}, log_name="kill")

FIN = token(["finance"], sub="fault-fin")
THREADS, PER_THREAD, AMOUNT = 8, 60, 100


BUDGET, ELEMENT, PAYEE = dp_budget(P.port)
PATH = "/v1/budgets/%s/payments" % BUDGET
ACKED = {}            # key -> payment id (first 201 seen)
MISMATCH = []         # a retry that came back with another id
STATS = {"attempts": 0, "conn_errors": 0, "5xx": 0, "other": []}
LOCK = threading.Lock()


def body(i):
    return {"element_id": ELEMENT, "payee_id": PAYEE, "amount_pence": AMOUNT,
            "purpose": "direct_payment", "due_date": "2026-01-15", "description": "load %d" % i}


def worker(t, deadline):
    for n in range(PER_THREAD):
        i = t * PER_THREAD + n
        key = "kill-%d-%s" % (i, uuid.uuid4().hex[:8])
        while time.time() < deadline:
            with LOCK:
                STATS["attempts"] += 1
            try:
                s, h, j = request(P.port, "POST", PATH, body(i), FIN,
                                  headers={"Idempotency-Key": key}, timeout=5)
            except OSError:
                with LOCK:
                    STATS["conn_errors"] += 1
                time.sleep(0.05)
                continue
            if s == 201:
                with LOCK:
                    if key in ACKED and ACKED[key] != j["id"]:
                        MISMATCH.append(key)
                    ACKED[key] = j["id"]
                break
            with LOCK:
                if s >= 500:
                    STATS["5xx"] += 1
                else:
                    STATS["other"].append((s, j))
            time.sleep(0.05)


@test
def test_kill9_during_payment_load():
    deadline = time.time() + 60
    threads = [threading.Thread(target=worker, args=(t, deadline)) for t in range(THREADS)]
    for th in threads:
        th.start()
    while len(ACKED) < 80 and time.time() < deadline:
        time.sleep(0.01)
    before = len(ACKED)
    P.kill9()
    time.sleep(0.5)
    P.start()
    for th in threads:
        th.join(70)
    total = THREADS * PER_THREAD
    print("acknowledged before kill: %d; after the run: %d of %d keys; attempts %d, "
          "connection errors %d, 5xx %d" % (before, len(ACKED), total, STATS["attempts"],
                                            STATS["conn_errors"], STATS["5xx"]))
    if STATS["other"]:
        raise AssertionError("unexpected answers: %r" % STATS["other"][:5])
    if MISMATCH:
        raise AssertionError("retries answered with another payment: %r" % MISMATCH[:5])
    if len(ACKED) != total:
        raise AssertionError("only %d of %d keys acknowledged before the deadline" % (len(ACKED), total))
    rows = C.sql("SELECT idempotency_key || ' ' || id FROM payments WHERE element_id = '%s'" % ELEMENT)
    found = {}
    for line in rows.splitlines():
        k, pid = line.split(" ")
        found.setdefault(k, []).append(pid)
    dup = {k: v for k, v in found.items() if len(v) != 1}
    print("payments found in the database: %d (distinct keys %d)" % (sum(map(len, found.values())), len(found)))
    if dup:
        raise AssertionError("keys with more than one payment: %r" % list(dup.items())[:5])
    wrong = [k for k, pid in ACKED.items() if found.get(k) != [pid]]
    if wrong:
        raise AssertionError("acknowledged payments missing or different: %r" % wrong[:5])
    if set(found) != set(ACKED):
        raise AssertionError("payments nobody was told about: %r" % list(set(found) - set(ACKED))[:5])


@test
def test_replays_return_the_original():
    for key, pid in list(ACKED.items())[:40]:
        i = int(key.split("-")[1])
        s, h, j = request(P.port, "POST", PATH, body(i), FIN, headers={"Idempotency-Key": key})
        if (s, j.get("id"), h.get("idempotent-replayed")) != (201, pid, "true"):
            raise AssertionError("replay of %s: %d %r %r" % (key, s, j, h.get("idempotent-replayed")))


@test
def test_ledger_invariant_holds():
    row = C.sql("SELECT e.allocated_pence, e.committed_pence, e.spent_pence,"
                " (SELECT coalesce(sum(amount_pence), 0) FROM payments p WHERE p.la = e.la"
                "   AND p.element_id = e.id AND p.status IN ('pending_approval', 'approved', 'exported'))"
                " FROM budget_elements e WHERE e.id = '%s'" % ELEMENT)
    alloc, committed, spent, live = map(int, row.split("|"))
    print("element: allocated %d, committed %d, spent %d, live payments %d" % (alloc, committed, spent, live))
    if committed != live or committed != len(ACKED) * AMOUNT:
        raise AssertionError("committed %d, live payments %d, acknowledged %d" % (committed, live, len(ACKED) * AMOUNT))
    if alloc - committed - spent < 0:
        raise AssertionError("remaining negative")
    keys = int(C.sql("SELECT count(*) FROM idempotency_keys"))
    if keys != len(ACKED):
        raise AssertionError("idempotency rows %d, payments %d" % (keys, len(ACKED)))


def cleanup():
    P.stop()
    C.destroy()


run(cleanup)
