"""Finance's queues over HTTP against the real daemon and PostgreSQL (issue
#16, parts 1 and 3a): GET /v1/payments with its filters and keyset paging,
POST /v1/payments/{id}/reissue of a failed payment, GET /v1/payment-runs and
a run's lifecycle created -> sent -> reconciled with its reconciliation view
and the frozen bank file.

Each test works in its own council (la): queues and runs are council-wide."""
import hashlib
import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "lib"))
from pbtest import (Daemon, check, eq, expect, migrated_db, new_id, psql,  # noqa: E402
                    run, test, token)
import world  # noqa: E402
from world import Staff, World, call, events_of, fresh_la, parallel  # noqa: E402

URL = migrated_db("finance_queues")
D = Daemon(URL, {"PB_BANK_KEY": "2f" * 32})
world.bind(D, URL)


def ids(page):
    return [p["id"] for p in page["items"]]


def queue(query, tok):
    return expect(call("GET", "/v1/payments" + query, tok=tok), 200)


def new_run(st, due="2026-12-31"):
    return expect(call("POST", "/v1/payment-runs", {"due_on_or_before": due}, st.fin), 201)


def results(st, run_id, outcomes):
    body = {"results": [dict({"payment_id": pid, "outcome": o},
                             **({"failure_reason": "account closed"} if o == "failed" else {}))
                        for pid, o in outcomes]}
    return expect(call("POST", "/v1/payment-runs/%s/results" % run_id, body, st.fin), 200)


def failed_payment(st, w, amount=1000, due="2026-10-01"):
    """A payment of w's DP element that the bank returned."""
    p = w.approved(amount=amount, due=due)
    r = new_run(st, due)
    results(st, r["id"], [(p["id"], "failed")])
    return p, r


def reissue(pid, tok, body=None, key=None):
    return call("POST", "/v1/payments/%s/reissue" % pid, body if body is not None else {},
                tok, headers={"Idempotency-Key": key or new_id()})


# ---- GET /v1/payments -------------------------------------------------------------

@test
def test_payments_queue_filters_roles_and_tenancy():
    st = Staff(fresh_la())
    w, w2 = World(staff=st), World(staff=st)
    a = w.pay(amount=1, due="2026-10-01")
    b = w.pay(amount=2, due="2026-11-01", tok=st.fin)
    c = w2.pay(amount=3, due="2026-12-01")
    d = w.approved(amount=4, due="2026-10-15")
    pending = queue("?status=pending_approval", st.fin)
    eq(ids(pending), [a["id"], b["id"], c["id"]], "the approval queue by due date")
    eq(pending["next_cursor"], None, "one page")
    eq(ids(queue("?status=approved", st.fin)), [d["id"]], "approved")
    eq(ids(queue("", st.fin)), [a["id"], d["id"], b["id"], c["id"]], "all by due date")
    eq(ids(queue("?due_after=2026-10-15&due_before=2026-11-01", st.fin)), [d["id"], b["id"]],
       "dates inclusive")
    eq(ids(queue("?due_before=2026-10-14", st.fin)), [a["id"]], "due_before")
    eq(ids(queue("?budget_id=" + w2.budget, st.fin)), [c["id"]], "budget_id")
    eq(ids(queue("?payee_id=%s&status=pending_approval" % w.dp_payee, st.fin)),
       [a["id"], b["id"]], "payee_id")
    eq(ids(queue("?created_by=fin-" + st.la, st.fin)), [b["id"]], "created_by")
    eq(ids(queue("?status=failed", st.fin)), [], "no failed payments yet")
    # staff readers list; the family and other councils do not see them
    for tok in (st.cw, st.ap, st.aud, st.admin):
        eq(len(queue("?status=pending_approval", tok)["items"]), 3, "staff readers")
    expect(call("GET", "/v1/payments", tok=w.fam), 403, "FORBIDDEN")
    other = Staff(fresh_la())
    eq(queue("", other.fin)["items"], [], "another council sees none")
    eq(queue("?budget_id=" + w.budget, other.fin)["items"], [], "nor by budget")
    # bad parameters: 400 naming the parameter
    for q, field in [("?status=lost", "status"), ("?due_before=2026-13-01", "due_before"),
                     ("?due_after=tomorrow", "due_after"),
                     ("?due_after=2026-11-02&due_before=2026-11-01", "due_after"),
                     ("?budget_id=nope", "budget_id"), ("?payee_id=1234", "payee_id"),
                     ("?created_by=", "created_by"), ("?limit=0", "limit"),
                     ("?limit=201", "limit"), ("?cursor=zz", "cursor")]:
        expect(call("GET", "/v1/payments" + q, tok=st.fin), 400, "VALIDATION_FAILED",
               field=field)


@test
def test_payments_queue_pages_have_no_repeats_or_gaps_while_rows_are_inserted():
    st = Staff(fresh_la())
    w = World(staff=st, dp_pence=1000000)
    dates = ["2026-09-%02d" % d for d in range(10, 30)]
    before = [w.pay(amount=10, due=d)["id"] for d in dates[::2]]
    # two payments on one date: the id breaks the tie
    before += [w.pay(amount=11, due="2026-09-20")["id"] for _ in range(3)]
    seen, cursor, pages = [], None, 0
    while True:
        q = "?status=pending_approval&limit=3" + ("&cursor=" + cursor if cursor else "")
        page = queue(q, st.fin)
        seen += ids(page)
        pages += 1
        # rows arrive while finance pages: before, at and after the cursor
        for d in (dates[1], dates[pages % len(dates)], "2026-09-20", "2027-01-01"):
            w.pay(amount=1, due=d)
        cursor = page["next_cursor"]
        if cursor is None:
            break
        check(pages < 40, "paging ends")
    eq(len(seen), len(set(seen)), "no repeats")
    missing = set(before) - set(seen)
    eq(missing, set(), "no gaps among the rows that existed before paging")
    all_rows = queue("?status=pending_approval&limit=200", st.fin)
    order = [(p["due_date"], p["id"]) for p in all_rows["items"]]
    eq(order, sorted(order), "stable order (due_date, id)")


# ---- POST /v1/payments/{id}/reissue ----------------------------------------------------

@test
def test_reissue_a_failed_payment_once_idempotently():
    st = Staff(fresh_la())
    w = World(staff=st)
    p, r = failed_payment(st, w, amount=2500)
    eq(ids(queue("?status=failed", st.fin)), [p["id"]], "the failed payments to deal with")
    key = new_id()
    body = {"due_date": "2026-11-05", "reason": "new bank details confirmed"}
    s, h, raw, n = reissue(p["id"], st.fin, body, key)
    eq(s, 201, "reissued: %s" % raw[:300])
    eq(h["location"], "/v1/payments/" + n["id"], "location")
    eq((n["status"], n["amount_pence"], n["element_id"], n["payee_id"], n["purpose"],
        n["description"], n["due_date"], n["reissue_of"], n["created_by"]),
       ("pending_approval", 2500, w.dp, w.dp_payee, p["purpose"], p["description"],
        "2026-11-05", p["id"], "fin-" + st.la), "the new payment")
    old = expect(call("GET", "/v1/payments/" + p["id"], tok=st.fin), 200)
    eq((old["status"], old["reissued_as"]), ("failed", n["id"]), "linked both ways")
    eq(w.element(w.dp)["committed_pence"], 2500, "committed again, once")
    # same key, same request: the same answer
    s2, h2, raw2, _ = reissue(p["id"], st.fin, body, key)
    eq((s2, h2.get("idempotent-replayed"), raw2), (201, "true", raw), "replayed")
    expect(reissue(p["id"], st.fin, {"due_date": "2026-11-06"}, key), 422,
           "IDEMPOTENCY_KEY_REUSED")
    # at most once
    expect(reissue(p["id"], st.fin, body), 409, "CONFLICT")
    # the new one goes through the queue: approved by someone else
    expect(call("POST", "/v1/payments/%s/approve" % n["id"], {}, st.fin), 403,
           "SEPARATION_OF_DUTIES")
    expect(call("POST", "/v1/payments/%s/approve" % n["id"], {}, st.fin2), 200)
    eq(events_of(p["id"]).split(",")[-1], "payment.reissued", "event on the failed one")
    eq(events_of(n["id"]), "payment.created,payment.approved", "events of the new one")
    _, audit, _ = psql(URL, "SELECT changes->>'reason' FROM audit_log WHERE entity_id = '%s'"
                       " AND action = 'payment.reissued'" % p["id"])
    eq(audit, "new bank details confirmed", "audit row with the reason")
    _, n_rows, _ = psql(URL, "SELECT count(*) FROM payments WHERE reissue_of = '%s'" % p["id"])
    eq(n_rows, "1", "one reissue in the database")


@test
def test_reissue_refusals_rules_roles_and_tenancy():
    st = Staff(fresh_la())
    w = World(staff=st, dp_pence=10000)
    p, _ = failed_payment(st, w, amount=6000)
    # only a failed payment
    live = w.pay(amount=10)
    expect(reissue(live["id"], st.fin), 409, "INVALID_TRANSITION")
    # missing / bad key, bad body
    expect(call("POST", "/v1/payments/%s/reissue" % p["id"], {}, st.fin), 400,
           "VALIDATION_FAILED", field="Idempotency-Key")
    expect(reissue(p["id"], st.fin, {"due_date": "soon"}), 400, "VALIDATION_FAILED",
           field="due_date")
    expect(reissue(p["id"], st.fin, {"amount_pence": 1}), 400, "VALIDATION_FAILED",
           field="amount_pence")
    # roles and tenancy
    expect(reissue(p["id"], st.ap), 403, "FORBIDDEN")
    expect(reissue(p["id"], w.fam), 403, "FORBIDDEN")
    expect(reissue(p["id"], Staff(fresh_la()).fin), 404, "NOT_FOUND")
    expect(reissue(new_id(), st.fin), 404, "NOT_FOUND")
    # the same rules as a new payment: the budget period (PAY-24), then funds
    expect(reissue(p["id"], st.fin, {"due_date": "2027-09-01"}), 422, "RULE_VIOLATION",
           rule="PAY-24")
    w.pay(amount=5000)
    expect(reissue(p["id"], st.fin, {"due_date": "2026-11-01"}), 409, "INSUFFICIENT_FUNDS")
    old = expect(call("GET", "/v1/payments/" + p["id"], tok=st.fin), 200)
    eq(old["reissued_as"], None, "a refusal links nothing")
    # the database holds the links too
    s, _, err = psql(URL, "UPDATE payments SET reissued_as = '%s' WHERE id = '%s'"
                     % (p["id"], live["id"]), check_rc=False)
    check(s != 0 and "reissued" in err, "the guard refuses: %s" % err)


@test
def test_concurrent_reissues_make_one_payment():
    st = Staff(fresh_la())
    w = World(staff=st)
    p, _ = failed_payment(st, w, amount=700)
    out = parallel(8, lambda i: reissue(p["id"], st.fin if i % 2 else st.cw,
                                        {"due_date": "2026-11-01"})[0])
    eq(sorted(out), [201] + [409] * 7, "one reissue, the others 409")
    _, n, _ = psql(URL, "SELECT count(*) FROM payments WHERE reissue_of = '%s'" % p["id"])
    eq(n, "1", "one new payment")
    eq(w.element(w.dp)["committed_pence"], 700, "committed once")


# ---- payment runs --------------------------------------------------------------------------

@test
def test_payment_runs_list_status_paging_roles():
    st = Staff(fresh_la())
    w = World(staff=st)
    runs = []
    for i in range(4):
        w.approved(amount=100 + i, due="2026-10-0%d" % (i + 1))
        runs.append(new_run(st, "2026-10-0%d" % (i + 1)))
    page = expect(call("GET", "/v1/payment-runs?limit=3", tok=st.fin), 200)
    eq(ids(page), [r["id"] for r in runs[::-1][:3]], "newest first")
    eq([(x["status"], x["payment_count"], x["outstanding_count"], x["total_pence"])
        for x in page["items"]], [("created", 1, 1, 103), ("created", 1, 1, 102),
                                  ("created", 1, 1, 101)], "counts and totals")
    nxt = expect(call("GET", "/v1/payment-runs?limit=3&cursor=" + page["next_cursor"],
                      tok=st.aud), 200)
    eq((ids(nxt), nxt["next_cursor"]), ([runs[0]["id"]], None), "page 2 (auditor)")
    eq(expect(call("GET", "/v1/payment-runs?status=sent", tok=st.fin), 200)["items"], [],
       "none sent")
    expect(call("GET", "/v1/payment-runs", tok=st.cw), 403, "FORBIDDEN")
    expect(call("GET", "/v1/payment-runs", tok=w.fam), 403, "FORBIDDEN")
    expect(call("GET", "/v1/payment-runs?status=done", tok=st.fin), 400, "VALIDATION_FAILED",
           field="status")
    expect(call("GET", "/v1/payment-runs?limit=x", tok=st.fin), 400, "VALIDATION_FAILED",
           field="limit")
    eq(expect(call("GET", "/v1/payment-runs", tok=Staff(fresh_la()).fin), 200)["items"], [],
       "another council's runs are not listed")


@test
def test_payment_run_sent_reconciled_and_the_frozen_file():
    st = Staff(fresh_la())
    w = World(staff=st)
    p1 = w.approved(amount=1000, due="2026-10-01")
    p2 = w.approved(amount=2000, due="2026-10-02", element=w.tp, payee=w.org,
                    purpose="transport")
    r = new_run(st, "2026-10-31")
    rid = r["id"]
    sent, rec = "/v1/payment-runs/%s/sent" % rid, "/v1/payment-runs/%s/reconcile" % rid
    # not downloaded yet
    expect(call("POST", sent, {}, st.fin), 409, "CONFLICT")
    s, h, csv1, _ = call("GET", "/v1/payment-runs/%s/export" % rid, tok=st.fin)
    eq(s, 200, "export")
    eq(h["x-content-sha256"], hashlib.sha256(csv1).hexdigest(), "digest header")
    # roles, bad input, If-Match
    expect(call("POST", sent, {}, st.cw), 403, "FORBIDDEN")
    expect(call("POST", sent, {}, st.aud), 403, "FORBIDDEN")
    expect(call("POST", "/v1/payment-runs/%s/sent" % rid, {}, Staff(fresh_la()).fin), 404,
           "NOT_FOUND")
    expect(call("POST", sent, {"sent_on": "someday"}, st.fin), 400, "VALIDATION_FAILED",
           field="sent_on")
    expect(call("POST", sent, {"status": "sent"}, st.fin), 400, "VALIDATION_FAILED",
           field="status")
    expect(call("POST", sent, {"file_sha256": "0" * 64}, st.fin), 400, "VALIDATION_FAILED",
           field="file_sha256")
    expect(call("POST", sent, {}, st.fin, headers={"If-Match": '"99"'}), 412)
    expect(call("POST", rec, {}, st.fin), 409, "INVALID_TRANSITION")
    s, h, _, got = call("POST", sent, {"sent_on": "2026-10-01", "reference": "BACS-0001",
                                       "file_sha256": hashlib.sha256(csv1).hexdigest()}, st.fin)
    eq(s, 200, "sent")
    eq((got["status"], got["sent_on"], got["sent_reference"], got["sent_by"],
        got["export_sha256"]), ("sent", "2026-10-01", "BACS-0001", "fin-" + st.la,
                                hashlib.sha256(csv1).hexdigest()), "the run as sent")
    eq(h["etag"], '"%d"' % got["version"], "etag")
    expect(call("POST", sent, {}, st.fin), 409, "INVALID_TRANSITION")
    # the same file again; once the file would differ, it is refused
    s, _, csv2, _ = call("GET", "/v1/payment-runs/%s/export" % rid, tok=st.fin)
    eq((s, csv2), (200, csv1), "a sent run's file is the one sent")
    psql(URL, "UPDATE payees SET name = 'Acme Care Limited' WHERE id = '%s'" % w.org)
    expect(call("GET", "/v1/payment-runs/%s/export" % rid, tok=st.fin), 409, "CONFLICT")
    psql(URL, "UPDATE payees SET name = 'Acme Care Ltd' WHERE id = '%s'" % w.org)
    # reconcile waits for every result; results may still come while sent
    rv = expect(call("GET", "/v1/payment-runs/%s/reconciliation" % rid, tok=st.aud), 200)
    eq((rv["outstanding"], rv["paid"], rv["total"]),
       ({"count": 2, "total_pence": 3000}, {"count": 0, "total_pence": 0},
        {"count": 2, "total_pence": 3000}), "before results")
    # items come in pages, the totals always of the whole run
    base = "/v1/payment-runs/%s/reconciliation" % rid
    pg1 = expect(call("GET", base + "?limit=1", tok=st.fin), 200)
    check(pg1["next_cursor"] == pg1["items"][0]["payment_id"], "a next page")
    pg2 = expect(call("GET", base + "?limit=1&cursor=" + pg1["next_cursor"], tok=st.fin), 200)
    eq((pg2["next_cursor"], pg2["total"]), (None, rv["total"]), "the last page, same totals")
    eq([x["payment_id"] for x in pg1["items"] + pg2["items"]],
       [x["payment_id"] for x in rv["items"]], "pages of 1: no repeat, no gap")
    eq(rv["next_cursor"], None, "one page by default")
    for bad in ("?limit=0", "?limit=201", "?cursor=nope"):
        expect(call("GET", base + bad, tok=st.fin), 400, "VALIDATION_FAILED")
    results(st, rid, [(p1["id"], "paid")])
    err = expect(call("POST", rec, {}, st.fin), 409, "CONFLICT")
    check("1 payment" in err["detail"], err["detail"])
    results(st, rid, [(p2["id"], "failed")])
    rv = expect(call("GET", "/v1/payment-runs/%s/reconciliation" % rid, tok=st.fin), 200)
    eq((rv["paid"], rv["failed"], rv["outstanding"]),
       ({"count": 1, "total_pence": 1000}, {"count": 1, "total_pence": 2000},
        {"count": 0, "total_pence": 0}), "after results")
    eq([(x["payment_id"], x["status"], x["failure_reason"]) for x in rv["items"]],
       [(p2["id"], "failed", "account closed")], "items: what is not paid")
    expect(call("GET", "/v1/payment-runs/%s/reconciliation" % rid, tok=st.cw), 403,
           "FORBIDDEN")
    expect(call("GET", "/v1/payment-runs/%s/reconciliation" % new_id(), tok=st.fin), 404,
           "NOT_FOUND")
    done = expect(call("POST", rec, {}, st.fin2), 200)
    eq((done["status"], done["reconciled_by"]), ("reconciled", "fin2-" + st.la), "reconciled")
    expect(call("POST", rec, {}, st.fin), 409, "INVALID_TRANSITION")
    expect(call("POST", sent, {}, st.fin), 409, "INVALID_TRANSITION")
    eq(ids(expect(call("GET", "/v1/payment-runs?status=reconciled", tok=st.fin), 200)), [rid],
       "listed by status")
    eq(events_of(rid), "payment_run.created,payment_run.sent,payment_run.reconciled", "events")
    _, before, _ = psql(URL, "SELECT changes->'before'->>'status' || '>' ||"
                        " (changes->'after'->>'status') FROM audit_log WHERE entity_id = '%s'"
                        " AND action = 'payment_run.sent'" % rid)
    eq(before, "created>sent", "audit before and after")
    # the failed one can be reissued from the reconciliation
    expect(reissue(p2["id"], st.fin, {"due_date": "2026-11-01"}), 201)
    # the database holds the lifecycle
    for sql in ("UPDATE payment_runs SET status = 'sent' WHERE id = '%s'" % rid,
                "UPDATE payment_runs SET sent_reference = 'x' WHERE id = '%s'" % rid):
        s, _, err = psql(URL, sql, check_rc=False)
        check(s != 0 and "reconciled" in err, "guard: %s" % err)
    r2 = new_run(st, "2026-10-31")
    s, _, err = psql(URL, "UPDATE payment_runs SET status = 'reconciled', reconciled_by = 'x',"
                     " reconciled_at = now() WHERE id = '%s'" % r2["id"], check_rc=False)
    check(s != 0 and "cannot become" in err, "created cannot be reconciled: %s" % err)


run()
