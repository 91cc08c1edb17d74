"""Payment disbursement service over HTTP against the real daemon and
PostgreSQL: payments (rules by rule id, idempotency keys, approval with
separation of duties, cancellation), schedules and their materialisation,
payment runs with the finance CSV and results, recoveries, the PAY-19
surplus report, `pbd materialise`, concurrency (the money invariant under 50
racing creates, one key racing itself, two materialisers, two runs) and, last,
the ledger invariants over everything the suite did.

Each test that counts payment runs works in its own council (la), because a
run gathers every approved payment of its council."""
import csv
import datetime
import io
import json
import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "lib"))
from pbtest import (LA, Daemon, check, eq, expect, migrated_db, new_id, pbd,  # noqa: E402
                    psql, run, test, token)
import world  # noqa: E402
from world import (PERIOD, S, Staff, World, call, events_of, fresh_la, make,  # noqa: E402
                   parallel, settle)

BANK_KEY = "1e" * 32
URL = migrated_db("payments")
D = Daemon(URL, {"PB_BANK_KEY": BANK_KEY})
world.bind(D, URL)


# ---- creating, reading -----------------------------------------------------------

@test
def test_create_read_list_family_scope():
    w = World()
    s, h, b, j = w.create(amount=12345)
    eq(s, 201, "created: %s" % b[:300])
    eq((j["status"], j["amount_pence"], j["purpose"], j["created_by"]),
       ("pending_approval", 12345, "direct_payment", "cw-" + LA), "payment")
    eq(h["location"], "/v1/payments/" + j["id"], "location")
    check("idempotent-replayed" not in h, "a first answer is not a replay")
    eq(j["payee_name"], "Pat Parent", "payee name")
    e = w.element(w.dp)
    eq((e["committed_pence"], e["remaining_pence"]), (12345, 100000 - 12345), "committed")
    got = expect(call("GET", "/v1/payments/" + j["id"], tok=w.fam), 200)
    eq(got["id"], j["id"], "the family reads its own child's payment")
    expect(call("GET", "/v1/payments/" + j["id"], tok=World().fam), 404, "NOT_FOUND")
    w.pay(amount=1, due="2026-10-01")
    w.pay(amount=2, due="2027-01-01")
    lst = expect(call("GET", "/v1/budgets/%s/payments?limit=2" % w.budget, tok=w.fam), 200)
    eq([p["amount_pence"] for p in lst["items"]], [1, 12345], "by due date")
    nxt = expect(call("GET", "/v1/budgets/%s/payments?limit=2&cursor=%s"
                      % (w.budget, lst["next_cursor"])), 200)
    eq(([p["amount_pence"] for p in nxt["items"]], nxt["next_cursor"]), ([2], None), "page 2")
    other_la = token(["caseworker"], sub="x", la="E06000099")
    expect(call("GET", "/v1/payments/" + j["id"], tok=other_la), 404, "NOT_FOUND")
    eq(events_of(j["id"]), "payment.created", "event")


@test
def test_rules_refused_by_rule_id():
    w = World()
    other = World()
    council = make("/v1/payees", {"kind": "organisation", "name": "The Council",
                                  "is_local_authority": True}, S.fin)["id"]
    # PAY-1: a direct payment pays only its own payee
    expect(w.create(payee=other.dp_payee), 422, "RULE_VIOLATION", rule="PAY-1")
    expect(w.create(payee=w.org), 422, "RULE_VIOLATION", rule="PAY-1")
    # PAY-10: never the council from a third-party (or DP) element
    expect(w.create(element=w.tp, payee=council, purpose="services"), 422,
           "RULE_VIOLATION", rule="PAY-10")
    # BUD-2: a third-party element pays its organisation
    expect(w.create(element=w.tp, payee=w.dp_payee, purpose="services"), 422,
           "RULE_VIOLATION", rule="BUD-2")
    w.pay(element=w.tp, payee=w.org, purpose="transport")
    # PAY-10: a notional element's money is the council's own: never a payment
    expect(w.create(element=w.nt, payee=council, purpose="services"), 422,
           "RULE_VIOLATION", rule="PAY-10")
    expect(w.create(element=w.nt, payee=w.org, purpose="services"), 422,
           "RULE_VIOLATION", rule="PAY-10")
    # PAY-24: due date outside the budget period
    for due in ("2026-08-31", "2027-09-01"):
        expect(w.create(due=due), 422, "RULE_VIOLATION", rule="PAY-24")
    # PAY-11: the parent lives with the child: not paid for employment ...
    expect(w.create(purpose="employment"), 422, "RULE_VIOLATION", rule="PAY-11")
    # ... until an approver records the exception on the element
    make("/v1/budgets/%s/elements/%s/exceptions" % (w.budget, w.dp),
         {"rule": "PAY-11", "reason": "Only suitable carer; judged necessary"}, S.ap)
    w.pay(purpose="employment")
    # a parent living elsewhere may be paid for employment
    away = World(lives_with=False)
    away.pay(purpose="employment")
    # PAY-8: no payment before the agreement is signed
    unsigned = World(signed=False)
    expect(unsigned.create(), 422, "RULE_VIOLATION", rule="PAY-8")
    # PAY-6: school premises need the head teacher's agreement
    school = World(school=True)
    expect(school.create(), 422, "RULE_VIOLATION", rule="PAY-6")
    expect(call("PATCH", "/v1/budgets/%s/elements/%s/agreement" % (school.budget, school.dp),
                {"head_teacher_agreed_on": "2026-09-10"}, S.cw), 200)
    school.pay()
    # PAY-24 / BUD-9: over the remaining
    j = expect(w.create(amount=10 ** 6), 409, "INSUFFICIENT_FUNDS", rule="PAY-24")
    check("remaining" in j["detail"], j["detail"])
    # the budget must be approved
    draft = World(approve=False)
    expect(draft.create(), 409, "INVALID_TRANSITION")
    # an element of another budget, an unknown payee, an unknown budget
    expect(w.create(element=other.dp), 400, "VALIDATION_FAILED", field="element_id")
    expect(w.create(payee=new_id()), 400, "VALIDATION_FAILED", field="payee_id")
    expect(call("POST", "/v1/budgets/%s/payments" % new_id(), w.body(),
                headers={"Idempotency-Key": new_id()}), 404, "NOT_FOUND")


@test
def test_bad_inputs_and_roles():
    w = World()
    path = "/v1/budgets/%s/payments" % w.budget
    expect(call("POST", path, w.body()), 400, "VALIDATION_FAILED", field="Idempotency-Key")
    for key in ("", "has space", "x" * 256, "caf\u00e9"):
        s, _, _, j = call("POST", path, w.body(), headers={"Idempotency-Key": key.encode(
            "utf-8").decode("latin-1")})
        eq((s, j["code"]), (400, "VALIDATION_FAILED"), "key %r" % key[:20])
    w.pay(key="k" * 255)
    for k, v in [("amount_pence", 0), ("amount_pence", -5), ("amount_pence", "100"),
                 ("purpose", "holiday"), ("due_date", "2026-02-30"), ("description", ""),
                 ("description", "x" * 501), ("status", "approved"), ("id", new_id()),
                 ("colour", "red")]:
        b = dict(w.body(), **{k: v})
        expect(call("POST", path, b, headers={"Idempotency-Key": new_id()}), 400,
               "VALIDATION_FAILED", field=k)
    b = w.body()
    del b["description"]
    expect(call("POST", path, b, headers={"Idempotency-Key": new_id()}), 400,
           "VALIDATION_FAILED", field="description")
    s, _, _, _ = call("POST", path, raw=b'{"amount_pence": 1e3}',
                      headers={"Idempotency-Key": new_id(), "Content-Type": "application/json"})
    eq(s, 400, "exponent form")
    for tok in (S.ap, S.aud, w.fam, S.svc):
        expect(w.create(tok=tok), 403, "FORBIDDEN")
    w.pay(tok=S.fin)


# ---- idempotency ---------------------------------------------------------------

@test
def test_idempotency_replay_and_reuse():
    w = World()
    key = "retry-" + new_id()
    s1, h1, b1, j1 = w.create(key=key, amount=777)
    eq(s1, 201, "first")
    s2, h2, b2, _ = w.create(key=key, amount=777)
    eq(s2, 201, "replayed status")
    eq(b2, b1, "identical body")
    eq(h2.get("idempotent-replayed"), "true", "replay header")
    eq(h2["location"], h1["location"], "same Location")
    j = expect(w.create(key=key, amount=778), 422, "IDEMPOTENCY_KEY_REUSED")
    check("different request" in j["detail"], j["detail"])
    # the same key on another budget's path is another request too
    other = World()
    expect(call("POST", "/v1/budgets/%s/payments" % other.budget, other.body(amount=777),
                headers={"Idempotency-Key": key}), 422, "IDEMPOTENCY_KEY_REUSED")
    _, n, _ = psql(URL, "SELECT count(*) FROM payments WHERE idempotency_key = '%s'" % key)
    eq(n, "1", "one payment for the key")
    eq(w.element(w.dp)["committed_pence"], 777, "committed once")
    # keys are per council: another council may use the same key
    s3 = Staff(fresh_la())
    w3 = World(staff=s3)
    eq(w3.create(key=key, amount=777)[0], 201, "other council, same key")
    # a refused request leaves no key behind: fix the body, same key, created
    k2 = "fix-" + new_id()
    expect(w.create(key=k2, amount=10 ** 6), 409, "INSUFFICIENT_FUNDS")
    eq(w.create(key=k2, amount=5)[0], 201, "the key was free after a refusal")
    _, row, _ = psql(URL, "SELECT response_status, length(request_hash), created_by"
                     " FROM idempotency_keys WHERE key = '%s' AND la = '%s'" % (key, LA))
    eq(row, "201|64|cw-" + LA, "stored answer")


# ---- approval, cancellation, separation of duties --------------------------------------

@test
def test_approve_cancel_and_separation_of_duties():
    w = World()
    p = w.pay(tok=S.fin, amount=500)
    path = "/v1/payments/%s/" % p["id"]
    expect(call("POST", path + "approve", {}, S.fin), 403, "SEPARATION_OF_DUTIES")
    for tok in (S.cw, S.ap, w.fam, S.aud):
        expect(call("POST", path + "approve", {}, tok), 403, "FORBIDDEN")
    a = expect(call("POST", path + "approve", {"reason": "checked invoice"}, S.fin2), 200)
    eq((a["status"], a["approved_by"]), ("approved", "fin2-" + LA), "approved")
    expect(call("POST", path + "approve", {}, S.fin2), 409, "INVALID_TRANSITION")
    c = expect(call("POST", path + "cancel", {"reason": "duplicate invoice"}, S.cw), 200)
    eq((c["status"], c["cancel_reason"], c["cancelled_by"]),
       ("cancelled", "duplicate invoice", "cw-" + LA), "cancelled")
    eq(w.element(w.dp)["committed_pence"], 0, "commitment released")
    expect(call("POST", path + "cancel", {}, S.cw), 409, "INVALID_TRANSITION")
    expect(call("POST", path + "approve", {}, S.fin2), 409, "INVALID_TRANSITION")
    expect(call("POST", path + "cancel", {"status": "x"}, S.cw), 400, "VALIDATION_FAILED",
           field="status")
    expect(call("POST", path + "cancel", {}, w.fam), 403, "FORBIDDEN")
    expect(call("POST", "/v1/payments/%s/approve" % new_id(), {}, S.fin), 404, "NOT_FOUND")
    eq(events_of(p["id"]), "payment.created,payment.approved,payment.cancelled", "events")
    _, reason, _ = psql(URL, "SELECT changes->>'reason' FROM audit_log WHERE entity_id = '%s'"
                        " AND action = 'payment.approved'" % p["id"])
    eq(reason, "checked invoice", "approval reason audited")


@test
def test_suspend_and_close_cancel_unexported():
    st = Staff(fresh_la())
    w = World(staff=st)
    pending = w.pay(amount=100)
    approved = w.approved(amount=200, due="2026-10-01")
    exported = w.approved(amount=300, due="2026-09-15")
    expect(call("POST", "/v1/payment-runs", {"due_on_or_before": "2026-09-30"}, st.fin), 201)
    expect(call("POST", "/v1/budgets/%s/suspend" % w.budget, {"reason": "review"}, st.ap), 200)
    got = {p["id"]: p["status"] for p in expect(
        call("GET", "/v1/budgets/%s/payments" % w.budget, tok=st.cw), 200)["items"]}
    eq((got[pending["id"]], got[approved["id"]], got[exported["id"]]),
       ("cancelled", "cancelled", "exported"), "suspension cancelled the unexported")
    # each cancelled payment has its own audit row and event, in the suspension's transaction
    for p in (pending, approved):
        check(events_of(p["id"]).endswith("payment.cancelled"), "event for %s" % p["id"])
        _, by, _ = psql(URL, "SELECT actor_sub || '|' || (changes->'after'->>'cancel_reason') FROM audit_log"
                        " WHERE entity_id = '%s' AND action = 'payment.cancelled'" % p["id"])
        eq(by, "ap-%s|review" % st.la, "audit of the cancellation (actor|reason)")
    check(not events_of(exported["id"]).endswith("payment.cancelled"), "exported untouched")
    eq(w.element(w.dp)["committed_pence"], 300, "only the exported commitment")
    expect(w.create(), 409, "INVALID_TRANSITION")
    expect(call("POST", "/v1/budgets/%s/resume" % w.budget, {}, st.ap), 200)
    w.pay(amount=50)
    expect(call("POST", "/v1/budgets/%s/close" % w.budget, {"reason": "plan ceased"}, st.ap), 200)
    eq(w.element(w.dp)["committed_pence"], 300, "close cancelled the new one too")


# ---- payment runs, the CSV, results ------------------------------------------------------

def export(run_id, tok):
    s, h, b, _ = call("GET", "/v1/payment-runs/%s/export" % run_id, tok=tok)
    eq(s, 200, "export: %s" % b[:300])
    return h, b


@test
def test_lifecycle_through_a_payment_run():
    st = Staff(fresh_la())
    w = World(staff=st, dp_pence=500000, org_name="=SUM(A1)")
    quoted = make("/v1/payees", {"kind": "organisation", "name": 'Smith, "Jo" & Co',
                                 "is_local_authority": False,
                                 "bank": {"sort_code": "778899", "account_number": "00011122"}},
                  st.fin)["id"]
    nobank = make("/v1/payees", {"kind": "organisation", "name": "No Bank Ltd",
                                 "is_local_authority": False}, st.fin)["id"]
    p1 = w.approved(amount=12345, due="2026-12-01")                       # DP, parent
    p2 = w.approved(element=w.tp, payee=w.org, purpose="transport", amount=5,
                    due="2026-11-01")                                      # "=SUM(A1)"
    p3 = w.approved(element=w.tp, payee=quoted, purpose="services", amount=99500,
                    due="2026-12-01")
    p4 = w.approved(element=w.tp, payee=nobank, purpose="equipment", amount=250,
                    due="2026-12-02")
    later = w.approved(amount=1, due="2027-01-05")                         # not due yet
    pending = w.pay(amount=2, due="2026-10-01")                            # not approved
    for tok in (st.cw, w.fam, st.ap, st.aud):
        expect(call("POST", "/v1/payment-runs", {"due_on_or_before": "2026-12-31"}, tok),
               403, "FORBIDDEN")
    expect(call("POST", "/v1/payment-runs", {"due_on_or_before": "31/12/2026"}, st.fin), 400,
           "VALIDATION_FAILED", field="due_on_or_before")
    s, h, _, r = call("POST", "/v1/payment-runs", {"due_on_or_before": "2026-12-31"}, st.fin)
    eq(s, 201, "run created")
    eq(h["location"], "/v1/payment-runs/" + r["id"], "location")
    eq((r["payment_count"], r["total_pence"], r["exported_count"], r["missing_bank_count"]),
       (4, 12345 + 5 + 99500 + 250, 4, 1), "run totals")
    for p in (p1, p2, p3, p4):
        got = expect(call("GET", "/v1/payments/" + p["id"], tok=st.fin), 200)
        eq((got["status"], got["run_id"]), ("exported", r["id"]), "exported into the run")
    for p, st_ in ((later, "approved"), (pending, "pending_approval")):
        eq(expect(call("GET", "/v1/payments/" + p["id"], tok=st.cw), 200)["status"], st_,
           "left alone")
    expect(call("POST", "/v1/payments/%s/cancel" % p1["id"], {}, st.cw), 409,
           "INVALID_TRANSITION")
    # the CSV, field by field
    expect(call("GET", "/v1/payment-runs/%s/export" % r["id"], tok=st.aud), 403, "FORBIDDEN")
    expect(call("GET", "/v1/payment-runs/%s/export" % r["id"], tok=st.cw), 403, "FORBIDDEN")
    h1, b1 = export(r["id"], st.fin)
    h2, b2 = export(r["id"], st.fin2)
    eq(b1, b2, "identical bytes on two downloads")
    # each download of the bank file leaves an audit row: who, the run, rows, total
    aud = expect(call("GET", "/v1/audit?entity_id=%s&action=payment_run.exported" % r["id"],
                      tok=st.aud), 200)["items"]
    eq([(a["actor_sub"], a["changes"]["rows"], a["changes"]["total_pence"],
         a["changes"]["sha256"]) for a in aud],
       [(who, 4, r["total_pence"], h1["x-content-sha256"]) for who in
        ("fin-" + st.la, "fin2-" + st.la)], "two downloads, two audit rows")
    check(all("account" not in json.dumps(a["changes"]) for a in aud), "no bank details in it")
    check(h1["content-type"].startswith("text/csv"), h1["content-type"])
    eq((h1["x-payment-count"], h1["x-total-pence"]), ("4", str(r["total_pence"])), "control")
    check(b1.endswith(b"\r\n") and b1.count(b"\r\n") == 5, "CRLF rows: %r" % b1)
    rows = list(csv.reader(io.StringIO(b1.decode())))
    eq(rows[0], ["run_id", "payment_id", "payee_name", "sort_code", "account_number",
                 "amount", "reference", "due_date", "cost_centre", "subjective_code"],
       "header")
    eq([x[1] for x in rows[1:]], [p2["id"]] + sorted([p1["id"], p3["id"]]) + [p4["id"]],
       "ordered by due date, then id")
    by = {x[1]: x for x in rows[1:]}
    eq(by[p1["id"]], [r["id"], p1["id"], "Pat Parent", "112233", "01234567", "123.45",
                      "PB-" + p1["id"][:8].upper(), "2026-12-01", "", ""],
       "DP row, decrypted (no ledger codes configured: empty)")
    eq(by[p2["id"]][2:6], ["'=SUM(A1)", "445566", "76543210", "0.05"], "formula prefixed")
    eq(by[p3["id"]][2:6], ['Smith, "Jo" & Co', "778899", "00011122", "995.00"], "quoted")
    check(b'"Smith, ""Jo"" & Co"' in b1, "RFC 4180 quoting in the bytes")
    eq(by[p4["id"]][2:6], ["No Bank Ltd", "", "", "2.50"], "no bank details: empty cells")
    for x in rows[1:]:
        eq(x[0], r["id"], "run id column")
    # results: paid, failed, replay, conflict, not in run
    res = "/v1/payment-runs/%s/results" % r["id"]
    body = {"results": [{"payment_id": p1["id"], "outcome": "paid"},
                        {"payment_id": p4["id"], "outcome": "failed",
                         "failure_reason": "no bank details"}]}
    expect(call("POST", res, body, st.cw), 403, "FORBIDDEN")
    out = expect(call("POST", res, body, st.fin), 200)
    eq((out["paid_count"], out["failed_count"], out["exported_count"], out["paid_pence"]),
       (1, 1, 2, 12345), "run after results")
    _, before, _ = psql(URL, "SELECT count(*) FROM events")
    again = expect(call("POST", res, body, st.fin), 200)
    eq(again["paid_count"], 1, "replay is a no-op")
    _, after, _ = psql(URL, "SELECT count(*) FROM events")
    eq(after, before, "no events on replay")
    expect(call("POST", res, {"results": [{"payment_id": p1["id"], "outcome": "failed"}]},
                st.fin), 409, "CONFLICT")
    expect(call("POST", res, {"results": [{"payment_id": later["id"], "outcome": "paid"}]},
                st.fin), 400, "VALIDATION_FAILED", field="results[0].payment_id")
    expect(call("POST", res, {"results": [{"payment_id": new_id(), "outcome": "paid"}]},
                st.fin), 400, "VALIDATION_FAILED", field="results[0].payment_id")
    for bad, field in [({"results": []}, "results"),
                       ({"results": [{"payment_id": p2["id"], "outcome": "lost"}]},
                        "results[0].outcome"),
                       ({"results": [{"payment_id": p2["id"], "outcome": "paid",
                                      "failure_reason": "x"}]}, "results[0].failure_reason"),
                       ({"results": [{"payment_id": p2["id"], "outcome": "failed",
                                      "failure_reason": "x" * 501}]},
                        "results[0].failure_reason"),
                       ({"results": [{"payment_id": p2["id"], "outcome": "paid"},
                                     {"payment_id": p2["id"], "outcome": "paid"}]},
                        "results[1].payment_id")]:
        expect(call("POST", res, bad, st.fin), 400, "VALIDATION_FAILED", field=field)
    expect(call("POST", "/v1/payment-runs/%s/results" % new_id(), body, st.fin), 404,
           "NOT_FOUND")
    got = expect(call("GET", "/v1/payments/" + p4["id"], tok=st.fin), 200)
    eq((got["status"], got["failure_reason"]), ("failed", "no bank details"), "failed")
    # money: p1 spent, p4 released; statement lines show current status
    e = w.element(w.dp)
    eq((e["spent_pence"], e["committed_pence"]), (12345, 1 + 2), "DP element")
    eq(w.element(w.tp)["committed_pence"], 5 + 99500, "p2, p3 still committed, p4 released")
    lines = expect(call("GET", "/v1/budgets/%s/statement" % w.budget, tok=st.cw), 200)["items"]
    status = {x["payment_id"]: x["status"] for x in lines}
    eq((status[p1["id"]], status[p4["id"]], status[p3["id"]]), ("paid", "failed", "exported"),
       "statement")
    eq(lines[-1]["balance_pence"], w.get_budget()["remaining_pence"], "statement balance")
    eq(events_of(p1["id"]), "payment.created,payment.approved,payment.exported,payment.paid",
       "p1 events")
    eq(events_of(p4["id"]).split(",")[-1], "payment.failed", "p4 event")
    eq(events_of(r["id"]), "payment_run.created", "run event")
    got = expect(call("GET", "/v1/payment-runs/" + r["id"], tok=st.aud), 200)
    eq(got["id"], r["id"], "auditors read runs")
    expect(call("GET", "/v1/payment-runs/" + r["id"], tok=st.cw), 403, "FORBIDDEN")


@test
def test_empty_run_and_export_without_key():
    st = Staff(fresh_la())
    r = expect(call("POST", "/v1/payment-runs", {"due_on_or_before": "2026-12-31"}, st.fin), 201)
    eq((r["payment_count"], r["total_pence"]), (0, 0), "empty run")
    h, b = export(r["id"], st.fin)
    eq(b, b"run_id,payment_id,payee_name,sort_code,account_number,amount,reference,"
          b"due_date,cost_centre,subjective_code\r\n", "header only")
    eq((h["x-payment-count"], h["x-total-pence"]), ("0", "0"), "control")
    # a deployment without PB_BANK_KEY cannot open bank details
    w = World(staff=st)
    w.approved(amount=10)
    r2 = expect(call("POST", "/v1/payment-runs", {"due_on_or_before": "2026-12-31"}, st.fin), 201)
    nokey = Daemon(URL)
    s, _, b, j = nokey.request("GET", "/v1/payment-runs/%s/export" % r2["id"], token=st.fin)
    nokey.stop()
    eq((s, j["code"]), (503, "UNAVAILABLE"), "no key: %s" % b[:200])
    check("PB_BANK_KEY" in j["detail"], j["detail"])


# ---- recoveries and surplus -------------------------------------------------------------

@test
def test_recoveries_never_more_than_spent():
    st = Staff(fresh_la())
    w = World(staff=st)
    path = "/v1/budgets/%s/recoveries" % w.budget
    expect(call("POST", path, {"element_id": w.dp, "amount_pence": 1, "reason": "unused"},
                st.fin), 422, "RULE_VIOLATION", rule="PAY-24")
    settle(st, w, 10000)
    body = {"element_id": w.dp, "amount_pence": 4000, "reason": "unused at annual review"}
    for tok in (st.cw, st.ap, w.fam):
        expect(call("POST", path, body, tok), 403, "FORBIDDEN")
    s, h, _, rec = call("POST", path, body, st.fin)
    eq(s, 201, "recovered")
    eq((rec["amount_pence"], rec["element_id"]), (4000, w.dp), "recovery")
    eq(h["location"], "/v1/budgets/%s/recoveries/%s" % (w.budget, rec["id"]), "location")
    eq(expect(call("GET", h["location"], tok=w.fam), 200)["id"], rec["id"], "readable")
    expect(call("GET", "/v1/budgets/%s/recoveries/%s" % (new_id(), rec["id"]), tok=st.fin),
           404, "NOT_FOUND")
    eq(w.element(w.dp)["spent_pence"], 6000, "net spent")
    expect(call("POST", path, dict(body, amount_pence=6001), st.fin), 422, "RULE_VIOLATION",
           rule="PAY-24")
    expect(call("POST", path, dict(body, amount_pence=6000), st.fin), 201)
    eq(w.element(w.dp)["spent_pence"], 0, "all recovered")
    expect(call("POST", path, {"element_id": w.tp, "amount_pence": 1, "reason": "x"}, st.fin),
           422, "RULE_VIOLATION", rule="PAY-18")
    expect(call("POST", path, dict(body, element_id=new_id()), st.fin), 400,
           "VALIDATION_FAILED", field="element_id")
    expect(call("POST", path, dict(body, amount_pence=0), st.fin), 400, "VALIDATION_FAILED",
           field="amount_pence")
    expect(call("POST", path, {"element_id": w.dp, "amount_pence": 1}, st.fin), 400,
           "VALIDATION_FAILED", field="reason")
    lines = expect(call("GET", "/v1/budgets/%s/statement" % w.budget, tok=st.cw), 200)["items"]
    eq([(x["kind"], x["status"], x["amount_pence"]) for x in lines if x["kind"] == "recovery"],
       [("recovery", "recovered", 4000), ("recovery", "recovered", 6000)], "statement")
    eq(events_of(rec["id"]), "recovery.recorded", "event")


@test
def test_surplus_pay19_threshold_weeks():
    st = Staff(fresh_la())
    w = World(staff=st, dp_pence=365000)       # 7,000 pence a week over 365 days
    path = "/v1/budgets/%s/surplus" % w.budget
    eq(expect(call("GET", path, tok=st.fin), 200)["items"], [], "nothing held yet")
    settle(st, w, 60000)
    j = expect(call("GET", path, tok=st.fin), 200)
    eq(j["threshold_weeks"], 8, "default PB_SURPLUS_WEEKS")
    eq([(i["element_id"], i["weekly_rate_pence"], i["held_pence"], i["threshold_pence"],
         i["surplus_pence"]) for i in j["items"]],
       [(w.dp, 7000, 60000, 56000, 4000)], "over 8 weeks by 4,000 pence")
    four = Daemon(URL, {"PB_SURPLUS_WEEKS": "4"})
    s, _, _, j4 = four.request("GET", path, token=st.fin)
    four.stop()
    eq((s, j4["threshold_weeks"], j4["items"][0]["surplus_pence"]), (200, 4, 32000), "4 weeks")
    expect(call("GET", path, tok=w.fam), 403, "FORBIDDEN")
    expect(call("GET", "/v1/budgets/%s/surplus" % new_id(), tok=st.fin), 404, "NOT_FOUND")
    for bad in ("0", "53", "eight"):
        p = pbd(["migrate"], {"DATABASE_URL": URL, "PB_SURPLUS_WEEKS": bad})
        check(p.returncode != 0 and "PB_SURPLUS_WEEKS" in p.stderr, "refused %r: %s"
              % (bad, p.stderr))


# ---- recovery debts (PAY-18) and the surplus proposal (PAY-19) ---------------------------

def today_plus(days):
    return (datetime.date.today() + datetime.timedelta(days=days)).isoformat()


def raise_debt(st, w, amount, reason="Unspent at the annual review", tok=None, status=201):
    return expect(call("POST", "/v1/budgets/%s/debts" % w.budget,
                       {"element_id": w.dp, "amount_pence": amount, "reason": reason},
                       tok or st.fin), status)


def debt_move(debt, action, tok, body=None, etag=None, status=200, code=None, rule=None,
              field=None):
    h = {"If-Match": '"%d"' % etag} if etag is not None else None
    return expect(call("POST", "/v1/debts/%s/%s" % (debt, action), body or {}, tok, headers=h),
                  status, code, rule, field)


def audit_changes(entity_id, action):
    _, out, _ = psql(URL, "SELECT changes::text FROM audit_log WHERE entity_id = '%s'"
                     " AND action = '%s' ORDER BY seq DESC LIMIT 1" % (entity_id, action))
    return json.loads(out) if out else None


def owed(w):
    b = w.get_budget()
    return b["owed_pence"], next(e for e in b["elements"] if e["id"] == w.dp)["owed_pence"]


@test
def test_debt_raised_invoiced_and_paid_returns_the_money():
    st = Staff(fresh_la())
    w = World(staff=st)
    path = "/v1/budgets/%s/debts" % w.budget
    body = {"element_id": w.dp, "amount_pence": 4000, "reason": "Unspent at the annual review"}
    expect(call("POST", path, body, st.fin), 422, "RULE_VIOLATION", rule="PAY-24")
    settle(st, w, 10000)
    for tok in (st.cw, st.ap, w.fam, st.aud):
        expect(call("POST", path, body, tok), 403, "FORBIDDEN")
    expect(call("POST", path, {"element_id": w.dp, "amount_pence": 4000}, st.fin), 400,
           "VALIDATION_FAILED", field="reason")
    expect(call("POST", path, dict(body, reason=""), st.fin), 400, "VALIDATION_FAILED",
           field="reason")
    expect(call("POST", path, dict(body, element_id=w.tp), st.fin), 422, "RULE_VIOLATION",
           rule="PAY-18")
    expect(call("POST", path, dict(body, element_id=new_id()), st.fin), 400,
           "VALIDATION_FAILED", field="element_id")
    expect(call("POST", path, dict(body, status="paid"), st.fin), 400, "VALIDATION_FAILED",
           field="status")
    etag0 = call("GET", "/v1/budgets/" + w.budget, tok=st.cw)[1]["etag"]
    s, h, _, d = call("POST", path, body, st.fin)
    eq(s, 201, "raised")
    eq(h["location"], "/v1/debts/" + d["id"], "location")
    eq(h["etag"], '"1"', "etag")
    eq((d["status"], d["amount_pence"], d["raised_pence"], d["owed_pence"], d["reason"]),
       ("raised", 4000, 4000, 4000, body["reason"]), "debt")
    eq(w.element(w.dp)["spent_pence"], 10000, "nothing returns when a debt is raised")
    eq(owed(w), (4000, 4000), "owed on the budget and the element")
    check(call("GET", "/v1/budgets/" + w.budget, tok=st.cw)[1]["etag"] != etag0,
          "the budget's ETag moves with owed_pence")
    # never more than spent less what debts already claim
    expect(call("POST", path, dict(body, amount_pence=6001), st.fin), 422, "RULE_VIOLATION",
           rule="PAY-24")
    expect(call("POST", "/v1/budgets/%s/recoveries" % w.budget,
                dict(body, amount_pence=6001), st.fin), 422, "RULE_VIOLATION", rule="PAY-24")
    # the family reads its own debt; another council does not
    eq(expect(call("GET", "/v1/debts/" + d["id"], tok=w.fam), 200)["id"], d["id"], "family")
    expect(call("GET", "/v1/debts/" + d["id"], tok=token(["finance"], la=fresh_la())), 404,
           "NOT_FOUND")
    listed = expect(call("GET", path, tok=w.fam), 200)
    eq([x["id"] for x in listed["items"]], [d["id"]], "listed")
    # invoice: If-Match honoured, once only
    debt_move(d["id"], "invoice", st.fin, {"reference": "INV-1"}, etag=7, status=412,
              code="PRECONDITION_FAILED")
    debt_move(d["id"], "invoice", st.cw, {"reference": "INV-1"}, status=403, code="FORBIDDEN")
    inv = debt_move(d["id"], "invoice", st.fin, {"reference": "INV-1"}, etag=1)
    eq((inv["status"], inv["invoice"]["reference"], inv["version"]), ("invoiced", "INV-1", 2),
       "invoiced")
    debt_move(d["id"], "invoice", st.fin, status=409, code="INVALID_TRANSITION")
    debt_move(d["id"], "paid", st.fin, {"reference": "x", "amount_pence": 1}, status=400,
              code="VALIDATION_FAILED", field="amount_pence")
    paid = debt_move(d["id"], "paid", st.fin, {"reference": "BACS 2026-12-04"}, etag=2)
    eq((paid["status"], paid["owed_pence"], paid["settlement_reference"]),
       ("paid", 0, "BACS 2026-12-04"), "paid")
    check(paid["recovery_id"] is not None, "a recovery row")
    rec = expect(call("GET", "/v1/budgets/%s/recoveries/%s" % (w.budget, paid["recovery_id"]),
                      tok=st.fin), 200)
    eq((rec["amount_pence"], rec["method"], rec["debt_id"]), (4000, "invoice", d["id"]),
       "the recovery of the debt")
    eq(w.element(w.dp)["spent_pence"], 6000, "the money is back on the element")
    eq(owed(w), (0, 0), "nothing owed")
    debt_move(d["id"], "paid", st.fin, status=409, code="INVALID_TRANSITION")
    debt_move(d["id"], "write-off", st.fin, {"reason": "x"}, status=409, code="INVALID_TRANSITION")
    lines = expect(call("GET", "/v1/budgets/%s/statement" % w.budget, tok=st.cw), 200)["items"]
    eq([(x["kind"], x["status"], x["amount_pence"], x["debt_id"]) for x in lines
        if x["kind"] in ("debt", "recovery")],
       [("debt", "paid", 4000, d["id"]), ("recovery", "recovered", 4000, d["id"])], "statement")
    eq(lines[-1]["balance_pence"], w.get_budget()["remaining_pence"], "statement balance")
    eq(events_of(d["id"]), "debt.raised,debt.invoiced,debt.paid", "events")
    ch = audit_changes(d["id"], "debt.paid")
    eq((ch["before"]["status"], ch["after"]["status"]), ("invoiced", "paid"), "audit old and new")
    eq(audit_changes(d["id"], "debt.raised")["before"], None, "raised: no before")


@test
def test_debt_owed_shows_on_the_statement_until_settled():
    st = Staff(fresh_la())
    w = World(staff=st)
    settle(st, w, 10000)
    d = raise_debt(st, w, 2500)
    lines = expect(call("GET", "/v1/budgets/%s/statement" % w.budget, tok=w.fam), 200)["items"]
    debt = [x for x in lines if x["kind"] == "debt"]
    eq([(x["status"], x["owed_pence"], x["debt_id"]) for x in debt], [("raised", 2500, d["id"])],
       "owed on the statement")
    eq(lines[-1]["balance_pence"], w.get_budget()["remaining_pence"], "a debt moves no money")


@test
def test_debt_write_off_needs_a_second_person():
    st = Staff(fresh_la())
    w = World(staff=st)
    settle(st, w, 10000)
    d = raise_debt(st, w, 3000)
    debt_move(d["id"], "write-off", st.fin, status=400, code="VALIDATION_FAILED", field="reason")
    debt_move(d["id"], "write-off/approve", st.fin, status=409, code="INVALID_TRANSITION")
    pend = debt_move(d["id"], "write-off", st.fin, {"reason": "Family in hardship"})
    eq((pend["status"], pend["owed_pence"], pend["write_off"]["requested_by"]),
       ("write_off_pending", 3000, "fin-" + st.la), "pending, still owed")
    debt_move(d["id"], "write-off/approve", st.fin, status=403, code="SEPARATION_OF_DUTIES")
    debt_move(d["id"], "write-off/approve", st.cw, status=403, code="FORBIDDEN")
    debt_move(d["id"], "write-off/approve", st.fin2, {"reason": "x"}, status=400,
              code="VALIDATION_FAILED", field="reason")
    off = debt_move(d["id"], "write-off/approve", st.ap, etag=pend["version"])
    eq((off["status"], off["owed_pence"], off["write_off"]["approved_by"]),
       ("written_off", 0, "ap-" + st.la), "written off by another person")
    eq(w.element(w.dp)["spent_pence"], 10000, "a write-off returns nothing")
    eq(off["recovery_id"], None, "no recovery row")
    debt_move(d["id"], "paid", st.fin, status=409, code="INVALID_TRANSITION")
    # rejected: back where it was
    d2 = raise_debt(st, w, 1000)
    debt_move(d2["id"], "invoice", st.fin)
    debt_move(d2["id"], "write-off", st.fin, {"reason": "small balance"})
    debt_move(d2["id"], "write-off/reject", st.fin2, status=400, code="VALIDATION_FAILED",
              field="reason")
    back = debt_move(d2["id"], "write-off/reject", st.fin2, {"reason": "family can repay"})
    eq((back["status"], back["write_off"], back["owed_pence"]), ("invoiced", None, 1000),
       "rejected: invoiced again")
    eq(events_of(d2["id"]), "debt.raised,debt.invoiced,debt.write_off_requested,"
       "debt.write_off_rejected", "events")


@test
def test_debt_offset_against_a_later_payment_of_the_element():
    st = Staff(fresh_la())
    w = World(staff=st)
    settle(st, w, 10000)
    d = raise_debt(st, w, 3000)
    due = today_plus(14)
    before = w.element(w.dp)
    later = w.approved(amount=5000, due=due)
    pending = w.pay(amount=2000, due=due, description="pending")
    other = w.approved(element=w.tp, payee=w.org, amount=9000, purpose="services", due=due)
    exported = settle(st, w, 4000, due="2026-09-11")
    path = "offset"
    debt_move(d["id"], path, st.fin, status=400, code="VALIDATION_FAILED", field="payment_id")
    debt_move(d["id"], path, st.fin, {"payment_id": new_id()}, status=400,
              code="VALIDATION_FAILED", field="payment_id")
    debt_move(d["id"], path, st.fin, {"payment_id": other["id"]}, status=400,
              code="VALIDATION_FAILED", field="payment_id")
    debt_move(d["id"], path, st.fin, {"payment_id": exported["id"]}, status=422,
              code="RULE_VIOLATION", rule="PAY-18")
    debt_move(d["id"], path, st.fin, {"payment_id": pending["id"]}, status=422,
              code="RULE_VIOLATION", rule="PAY-18")    # 2,000 is not more than 3,000
    debt_move(d["id"], path, st.cw, {"payment_id": later["id"]}, status=403, code="FORBIDDEN")
    mid = w.element(w.dp)
    got = debt_move(d["id"], path, st.fin, {"payment_id": later["id"]}, etag=1)
    eq((got["status"], got["payment_id"], got["owed_pence"]), ("offset", later["id"], 0), "offset")
    pay = expect(call("GET", "/v1/payments/" + later["id"], tok=st.fin), 200)
    eq((pay["amount_pence"], pay["offset_pence"], pay["offset_debt_id"], pay["status"]),
       (2000, 3000, d["id"], "approved"), "the payment is sent net and names the debt")
    after = w.element(w.dp)
    eq(after["committed_pence"], mid["committed_pence"] - 3000, "commitment falls by the offset")
    eq(after["spent_pence"], mid["spent_pence"], "spent is not reduced twice")
    eq(after["remaining_pence"], mid["remaining_pence"] + 3000, "the money is back once")
    check(before["remaining_pence"] > after["remaining_pence"], "sanity")
    rec = expect(call("GET", "/v1/budgets/%s/recoveries/%s" % (w.budget, got["recovery_id"]),
                      tok=st.fin), 200)
    eq((rec["method"], rec["amount_pence"]), ("offset", 3000), "the recovery records it")
    lines = expect(call("GET", "/v1/budgets/%s/statement" % w.budget, tok=st.cw), 200)["items"]
    eq(lines[-1]["balance_pence"], w.get_budget()["remaining_pence"], "statement balance")
    eq([x["amount_pence"] for x in lines if x["payment_id"] == later["id"]], [2000], "net line")
    eq([x["status"] for x in lines if x["kind"] == "recovery" and x["debt_id"] == d["id"]],
       ["offset"], "offset line")
    eq(events_of(later["id"]), "payment.created,payment.approved,payment.offset", "payment events")
    ch = audit_changes(later["id"], "payment.offset")
    eq((ch["before"]["amount_pence"], ch["after"]["amount_pence"]), (5000, 2000), "payment audit")
    # a second debt cannot reduce the same payment; an offset payment still pays out net
    d2 = raise_debt(st, w, 500)
    debt_move(d2["id"], path, st.fin, {"payment_id": later["id"]}, status=409, code="CONFLICT")
    run = expect(call("POST", "/v1/payment-runs", {"due_on_or_before": due}, st.fin), 201)
    eq(run["total_pence"] >= 2000, True, "exported net")
    expect(call("POST", "/v1/payment-runs/%s/results" % run["id"],
                {"results": [{"payment_id": later["id"], "outcome": "paid"}]}, st.fin), 200)
    eq(w.element(w.dp)["spent_pence"], mid["spent_pence"] + 2000, "paid net")
    if datetime.date.today().isoformat() > "2026-09-02":
        earlier = w.approved(amount=5000, due="2026-09-02")
        debt_move(d2["id"], path, st.fin, {"payment_id": earlier["id"]}, status=422,
                  code="RULE_VIOLATION", rule="PAY-18")


@test
def test_debt_review_once_decided_by_someone_else():
    st = Staff(fresh_la())
    w = World(staff=st)
    settle(st, w, 10000)
    d = raise_debt(st, w, 4000)
    other_family = token(["family"], sub="fam-other", person_id=new_id(), la=st.la)
    debt_move(d["id"], "review", other_family, {"reason": "not ours"}, status=404,
              code="NOT_FOUND")
    debt_move(d["id"], "review", w.fam, status=400, code="VALIDATION_FAILED", field="reason")
    debt_move(d["id"], "review", st.fin, {"reason": "x"}, status=403, code="FORBIDDEN")
    rv = debt_move(d["id"], "review", w.fam, {"reason": "We paid the carer in cash; receipts attached"})
    eq((rv["status"], rv["owed_pence"], rv["review"]["requested_by"]),
       ("under_review", 4000, None), "under review, still owed; the family sees no identity")
    staff = expect(call("GET", "/v1/debts/" + d["id"], tok=st.fin), 200)
    eq(staff["review"]["requested_by"], "fam-" + w.parent[:8], "staff see who asked")
    debt_move(d["id"], "review", w.fam, {"reason": "again"}, status=409, code="CONFLICT",
              rule="PAY-18")
    debt_move(d["id"], "review", st.cw, {"reason": "on their behalf"}, status=409,
              code="CONFLICT")
    debt_move(d["id"], "paid", st.fin, status=409, code="INVALID_TRANSITION")
    debt_move(d["id"], "offset", st.fin, {"payment_id": new_id()}, status=409,
              code="INVALID_TRANSITION")
    dec = "review/decision"
    debt_move(d["id"], dec, st.fin, {"outcome": "reduced", "reason": "receipts for part",
                                     "amount_pence": 2500}, status=403, code="SEPARATION_OF_DUTIES")
    debt_move(d["id"], dec, st.cw, {"outcome": "upheld", "reason": "x"}, status=403,
              code="FORBIDDEN")
    debt_move(d["id"], dec, st.ap, {"outcome": "reduced", "reason": "x"}, status=400,
              code="VALIDATION_FAILED", field="amount_pence")
    debt_move(d["id"], dec, st.ap, {"outcome": "upheld", "reason": "x", "amount_pence": 1},
              status=400, code="VALIDATION_FAILED", field="amount_pence")
    debt_move(d["id"], dec, st.ap, {"outcome": "reduced", "reason": "x", "amount_pence": 4000},
              status=400, code="VALIDATION_FAILED", field="amount_pence")
    debt_move(d["id"], dec, st.ap, {"outcome": "maybe", "reason": "x"}, status=400,
              code="VALIDATION_FAILED", field="outcome")
    red = debt_move(d["id"], dec, st.ap, {"outcome": "reduced", "reason": "receipts for 1,500",
                                          "amount_pence": 2500}, etag=rv["version"])
    eq((red["status"], red["amount_pence"], red["raised_pence"], red["owed_pence"],
        red["review"]["outcome"], red["review"]["decided_by"]),
       ("raised", 2500, 4000, 2500, "reduced", "ap-" + st.la), "reduced, back to raised")
    eq(owed(w), (2500, 2500), "owed after the review")
    debt_move(d["id"], "review", w.fam, {"reason": "once more"}, status=409, code="CONFLICT")
    debt_move(d["id"], dec, st.ap, {"outcome": "upheld", "reason": "x"}, status=409,
              code="INVALID_TRANSITION")
    paid = debt_move(d["id"], "paid", st.fin)
    eq(paid["status"], "paid", "the reduced amount is paid")
    eq(w.element(w.dp)["spent_pence"], 7500, "2,500 back")
    listed = expect(call("GET", "/v1/budgets/%s/debts?limit=1" % w.budget, tok=st.fin), 200)
    eq([x["id"] for x in listed["items"]], [d["id"]], "oldest first")
    # a caseworker asks on the family's behalf; cancelled and upheld outcomes
    d2 = raise_debt(st, w, 1000)
    debt_move(d2["id"], "invoice", st.fin)
    debt_move(d2["id"], "review", st.cw, {"reason": "asked by phone"})
    can = debt_move(d2["id"], dec, st.fin2, {"outcome": "cancelled", "reason": "spent on provision"})
    eq((can["status"], can["owed_pence"]), ("cancelled", 0), "cancelled")
    debt_move(d2["id"], "paid", st.fin, status=409, code="INVALID_TRANSITION")
    d3 = raise_debt(st, w, 1000)
    debt_move(d3["id"], "invoice", st.fin)
    debt_move(d3["id"], "review", w.fam, {"reason": "please check"})
    up = debt_move(d3["id"], dec, st.ap, {"outcome": "upheld", "reason": "no receipts"})
    eq((up["status"], up["amount_pence"], up["review"]["outcome"]), ("invoiced", 1000, "upheld"),
       "upheld: invoiced again")
    eq(events_of(d3["id"]), "debt.raised,debt.invoiced,debt.review_requested,debt.review_upheld",
       "events")
    page2 = expect(call("GET", "/v1/budgets/%s/debts?limit=2&cursor=%s" % (w.budget, d["id"]),
                        tok=st.fin), 200)
    eq([x["id"] for x in page2["items"]], [d2["id"], d3["id"]], "the next page, in order")


@test
def test_concurrent_debt_moves_one_wins():
    st = Staff(fresh_la())
    w = World(staff=st, dp_pence=1000000)
    settle(st, w, 100000)
    due = today_plus(20)
    d = raise_debt(st, w, 3000)
    payments = [w.approved(amount=5000, due=due) for _ in range(6)]
    answers = parallel(6, lambda i: call("POST", "/v1/debts/%s/offset" % d["id"],
                                         {"payment_id": payments[i]["id"]}, st.fin)[0])
    eq(sorted(answers).count(200), 1, "one offset: %r" % answers)
    eq(set(answers) - {200}, {409}, "the others see it offset")
    _, n, _ = psql(URL, "SELECT count(*) FROM payments WHERE offset_debt_id = '%s'" % d["id"])
    eq(n, "1", "one payment reduced")
    # paid racing written_off
    for _ in range(3):
        e = raise_debt(st, w, 1000)
        debt_move(e["id"], "write-off", st.fin, {"reason": "hardship"})
        toks = [(st.fin2, "paid"), (st.ap, "write-off/approve")] * 3
        res = parallel(6, lambda i: call("POST", "/v1/debts/%s/%s" % (e["id"], toks[i][1]), {},
                                         toks[i][0])[0])
        eq(sorted(res).count(200), 1, "one settles the debt: %r" % res)
        eq(set(res) - {200}, {409}, "the other is refused")
        final = expect(call("GET", "/v1/debts/" + e["id"], tok=st.fin), 200)
        _, recs, _ = psql(URL, "SELECT count(*) FROM recoveries WHERE debt_id = '%s'" % e["id"])
        eq(recs, "1" if final["status"] == "paid" else "0", "a recovery row only when paid")
    # raising concurrently never claims more than was spent
    left = 100000 - int(psql(URL, "SELECT pb_element_owed('%s', '%s')" % (st.la, w.dp))[1]) \
        - (100000 - w.element(w.dp)["spent_pence"])
    got = parallel(10, lambda i: call("POST", "/v1/budgets/%s/debts" % w.budget,
                                      {"element_id": w.dp, "amount_pence": left // 4,
                                       "reason": "race"}, st.fin)[0])
    eq(sorted(got).count(201), 4, "four fit: %r" % got)
    _, drift, _ = psql(URL, "SELECT count(*) FROM budget_element_totals_drift")
    eq(drift, "0", "totals never drift")


@test
def test_surplus_proposes_a_recovery_after_bills_and_contingency():
    st = Staff(fresh_la())
    w = World(staff=st, dp_pence=365000)       # 7,000 pence a week; 8 weeks = 56,000
    path = "/v1/budgets/%s/surplus" % w.budget
    inputs = "/v1/budgets/%s/surplus/inputs" % w.budget
    settle(st, w, 100000)
    item = expect(call("GET", path, tok=st.fin), 200)["items"][0]
    eq((item["unpaid_bills_pence"], item["contingency_pence"], item["inputs_recorded_at"],
        item["proposed_recovery_pence"]), (0, 0, None, 44000), "no inputs yet")
    body = {"element_id": w.dp, "unpaid_bills_pence": 10000, "contingency_pence": 5000,
            "note": "Invoices from the PA agency for November"}
    for tok in (st.cw, st.ap, w.fam):
        expect(call("POST", inputs, body, tok), 403, "FORBIDDEN")
    expect(call("POST", inputs, dict(body, unpaid_bills_pence=-1), st.fin), 400,
           "VALIDATION_FAILED", field="unpaid_bills_pence")
    expect(call("POST", inputs, {"element_id": w.dp, "unpaid_bills_pence": 1}, st.fin), 400,
           "VALIDATION_FAILED", field="contingency_pence")
    expect(call("POST", inputs, dict(body, element_id=w.tp), st.fin), 422, "RULE_VIOLATION",
           rule="PAY-18")
    expect(call("POST", "/v1/budgets/%s/surplus/inputs" % new_id(), body, st.fin), 404,
           "NOT_FOUND")
    rec = expect(call("POST", inputs, body, st.fin), 201)
    eq((rec["unpaid_bills_pence"], rec["contingency_pence"], rec["recorded_by"]),
       (10000, 5000, "fin-" + st.la), "recorded")
    item = expect(call("GET", path, tok=st.fin), 200)["items"][0]
    eq((item["held_pence"], item["threshold_pence"], item["unpaid_bills_pence"],
        item["contingency_pence"], item["available_pence"], item["proposed_recovery_pence"]),
       (100000, 56000, 10000, 5000, 85000, 29000), "proposal after bills and contingency")
    check(item["inputs_recorded_at"] is not None, "when recorded")
    d = raise_debt(st, w, item["proposed_recovery_pence"] - 9000)
    item = expect(call("GET", path, tok=st.fin), 200)["items"][0]
    eq((item["owed_pence"], item["proposed_recovery_pence"]), (20000, 9000),
       "what debts already claim is not proposed again")
    expect(call("POST", inputs, dict(body, unpaid_bills_pence=0, contingency_pence=0), st.fin), 201)
    item = expect(call("GET", path, tok=st.fin), 200)["items"][0]
    eq(item["proposed_recovery_pence"], 100000 - 56000 - 20000, "the latest inputs count")
    eq(events_of(rec["id"]), "surplus_input.recorded", "event")
    debt_move(d["id"], "paid", st.fin)
    eq(expect(call("GET", path, tok=st.fin), 200)["items"][0]["held_pence"], 80000, "held after")


@test
def test_database_guards_recovery_debts():
    st = Staff(fresh_la())
    w = World(staff=st)
    settle(st, w, 10000)
    d = raise_debt(st, w, 1000)
    for sql, what in (
            ("UPDATE recovery_debts SET status = 'paid', settled_at = now() WHERE id = '%s'",
             "paid without its recovery row"),
            ("UPDATE recovery_debts SET amount_pence = 1 WHERE id = '%s'",
             "amount changed outside a review"),
            ("UPDATE recovery_debts SET reason = 'other' WHERE id = '%s'", "reason rewritten"),
            ("UPDATE recovery_debts SET status = 'written_off', write_off_approved_by = 'x'"
             " WHERE id = '%s'", "written off without a request"),
            ("DELETE FROM recovery_debts WHERE id = '%s'", "deleted")):
        rc, _, err = psql(URL, sql % d["id"], check_rc=False)
        check(rc != 0, "%s must be refused: %r" % (what, err))
    later = w.approved(amount=5000, due=today_plus(10))
    rc, _, err = psql(URL, "UPDATE payments SET offset_pence = 1000, offset_debt_id = '%s'"
                      " WHERE id = '%s'" % (d["id"], later["id"]), check_rc=False)
    check(rc != 0, "an offset that does not reduce the amount is refused: %r" % err)
    debt_move(d["id"], "paid", st.fin)
    rc, _, err = psql(URL, "UPDATE recovery_debts SET status = 'raised', recovery_id = NULL,"
                      " settled_at = NULL WHERE id = '%s'" % d["id"], check_rc=False)
    check(rc != 0 and "already paid" in err, "a settled debt stays settled: %r" % err)
    rc, _, err = psql(URL, "UPDATE recoveries SET amount_pence = 1 WHERE debt_id = '%s'" % d["id"],
                      check_rc=False)
    check(rc != 0, "recoveries stay append-only")


# ---- schedules --------------------------------------------------------------------------

def schedule(w, tok=None, **kw):
    body = {"element_id": w.dp, "payee_id": w.dp_payee, "amount_pence": 1000,
            "frequency": "monthly", "start_date": "2026-09-15", "end_date": "2027-02-15"}
    body.update(kw)
    return call("POST", "/v1/budgets/%s/schedules" % w.budget, body, tok or w.s.cw)


def materialise(st, until, tok=None):
    return expect(call("POST", "/v1/schedules/materialise", {"until": until}, tok or st.fin),
                  200)


@test
def test_schedules_materialise_exactly_once():
    st = Staff(fresh_la())
    w = World(staff=st)
    s, h, _, sc = schedule(w)
    eq(s, 201, "schedule created")
    eq(h["location"], "/v1/schedules/" + sc["id"], "location")
    eq((sc["frequency"], sc["amount_pence"], sc["materialised_count"]), ("monthly", 1000, 0),
       "schedule")
    expect(schedule(w, element_id=w.tp, payee_id=w.org), 400, "VALIDATION_FAILED",
           field="element_id")
    expect(schedule(w, payee_id=w.org), 422, "RULE_VIOLATION", rule="PAY-1")
    expect(schedule(w, end_date="2027-09-15"), 422, "RULE_VIOLATION", rule="PAY-24")
    expect(schedule(w, start_date="2026-08-15"), 422, "RULE_VIOLATION", rule="PAY-24")
    expect(schedule(w, end_date="2026-09-01"), 400, "VALIDATION_FAILED", field="end_date")
    expect(schedule(w, frequency="daily"), 400, "VALIDATION_FAILED", field="frequency")
    expect(schedule(w, tok=w.fam), 403, "FORBIDDEN")
    for tok in (st.cw, st.ap, w.fam):
        expect(call("POST", "/v1/schedules/materialise", {"until": "2026-12-31"}, tok), 403,
               "FORBIDDEN")
    m = materialise(st, "2026-12-31")
    eq(m["created"], 4, "Sep, Oct, Nov, Dec")
    eq(m["skipped"], [], "nothing skipped")
    dues = sorted(expect(call("GET", "/v1/payments/" + i, tok=st.cw), 200)["due_date"]
                  for i in m["payments"])
    eq(dues, ["2026-09-15", "2026-10-15", "2026-11-15", "2026-12-15"], "monthly from the start")
    eq(materialise(st, "2026-12-31", tok=st.svc)["created"], 0, "second run creates nothing")
    got = expect(call("GET", "/v1/schedules/" + sc["id"], tok=w.fam), 200)
    eq((got["materialised_count"], got["last_materialised_due_date"]), (4, "2026-12-15"), "read")
    # an instalment is created_by the schedule's creator: that person cannot approve it
    p = expect(call("GET", "/v1/payments/" + m["payments"][0], tok=st.cw), 200)
    eq((p["created_by"], p["schedule_id"], p["status"]), ("cw-" + st.la, sc["id"],
                                                          "pending_approval"), "instalment")
    # two materialisers at once: each remaining instalment once
    outs = parallel(2, lambda i: materialise(st, "2027-12-31"))
    eq(sum(o["created"] for o in outs), 2, "Jan and Feb, once: %r" % outs)
    _, dup, _ = psql(URL, "SELECT count(*) - count(DISTINCT due_date) FROM payments"
                     " WHERE schedule_id = '%s'" % sc["id"])
    eq(dup, "0", "no instalment twice")
    eq(expect(call("GET", "/v1/schedules/" + sc["id"], tok=st.cw), 200)["materialised_count"], 6,
       "six")
    # an instalment over the remaining (spent since by another payment) is
    # skipped, reported and stored, then retried later
    big = expect(schedule(w, amount_pence=40000, frequency="quarterly",
                          start_date="2026-10-01", end_date="2027-03-31"), 201)
    w.pay(amount=20000, due="2026-12-01")
    m = materialise(st, "2027-08-31")
    eq(m["created"], 1, "one quarter fits: %r" % m)
    eq([(x["schedule_id"], x["due_date"], x["reason"], x["rule"]) for x in m["skipped"]],
       [(big["id"], "2027-01-01", "INSUFFICIENT_FUNDS", "PAY-24")], "skipped")
    eq(w.element(w.dp)["remaining_pence"], 100000 - 6 * 1000 - 20000 - 40000, "remaining")
    m = materialise(st, "2027-08-31")
    sk = expect(call("GET", "/v1/schedules/%s/skipped" % big["id"], tok=st.cw), 200)
    eq([(k["due_date"], k["reason"], k["rule"], k["attempts"], k["resolved_payment_id"])
        for k in sk["items"]],
       [("2027-01-01", "INSUFFICIENT_FUNDS", "PAY-24", 2, None)], "stored, tried twice")
    got = expect(call("GET", "/v1/schedules/" + big["id"], tok=st.cw), 200)
    eq((got["skipped_count"], got["next_due"], got["status"]), (1, "2027-01-01", "active"),
       "skips counted; the first one is next")


@test
def test_pbd_materialise_command():
    st = Staff(fresh_la())
    w = World(staff=st)
    sc = expect(schedule(w, frequency="weekly", start_date="2026-11-02", end_date=None), 201)
    env = {"DATABASE_URL": URL}
    p = pbd(["materialise", "--until", "2026-11-30", "--la", st.la], env)
    eq(p.returncode, 0, "exit: %s" % p.stderr)
    line = json.loads(p.stdout.strip().splitlines()[-1])
    eq((line["la"], line["result"]["created"]), (st.la, 5), "Nov 2, 9, 16, 23, 30")
    p = pbd(["materialise", "--until", "2026-11-30"], env)
    eq(p.returncode, 0, "every council: %s" % p.stderr)
    check(all(json.loads(x)["result"]["created"] == 0 for x in p.stdout.split()),
          "nothing new anywhere: %s" % p.stdout)
    check("idempotency keys purged" in p.stderr, p.stderr)
    eq(expect(call("GET", "/v1/schedules/" + sc["id"], tok=st.cw), 200)["materialised_count"], 5,
       "count")
    for bad in (["materialise"], ["materialise", "--until", "2026-13-01"],
                ["materialise", "--until", "2026-11-30", "--la", "nope"],
                ["materialise", "--days", "x"], ["materialise", "--days", "400"],
                ["materialise", "--days", "-1"],
                ["materialise", "--until", "2026-11-30", "--days", "3"]):
        eq(pbd(bad, env).returncode, 2, "usage for %r" % bad)
    # --days N: until today + N (the Kubernetes CronJob's form)
    p = pbd(["materialise", "--days", "35", "--la", st.la], env)
    eq(p.returncode, 0, "--days: %s" % p.stderr)
    check(json.loads(p.stdout.strip().splitlines()[-1])["result"]["created"] >= 0, "ran")
    # old idempotency keys are purged; fresh ones stay
    psql(URL, "UPDATE idempotency_keys SET created_at = now() - interval '25 hours'"
         " WHERE la = '%s'" % st.la)
    w.pay(key="fresh-" + st.la)
    pbd(["materialise", "--until", "2026-01-01", "--la", st.la], env)
    _, keys, _ = psql(URL, "SELECT string_agg(key, ',') FROM idempotency_keys WHERE la = '%s'"
                      % st.la)
    eq(keys, "fresh-" + st.la, "only the fresh key is left")


# ---- schedule lifecycle (#15 part 3) -------------------------------------------------------

def sched_patch(sid, body, tok, version):
    return call("PATCH", "/v1/schedules/" + sid, body, tok,
                headers={"If-Match": '"%d"' % version} if version else None)


def audit_changes(entity_id, action):
    _, out, _ = psql(URL, "SELECT changes::text FROM audit_log WHERE entity_id = '%s'"
                     " AND action = '%s' ORDER BY seq DESC LIMIT 1" % (entity_id, action))
    return json.loads(out) if out else None


@test
def test_schedule_projected_total_refused_unless_capped():
    st = Staff(fresh_la())
    w = World(staff=st, dp_pence=300000)
    # the issue's case: GBP 1,000 a week, no end, on a GBP 3,000 element
    r = expect(schedule(w, amount_pence=100000, frequency="weekly", start_date="2026-09-07",
                        end_date=None), 422, "RULE_VIOLATION", rule="PAY-24")
    eq((r["projected_total_pence"], r["remaining_pence"]), (52 * 100000, 300000), "problem")
    # four-weekly in advance over the period: 13 instalments from 7 Sep
    r = expect(schedule(w, amount_pence=30000, frequency="four_weekly", start_date="2026-09-07",
                        end_date=None), 422, "RULE_VIOLATION", rule="PAY-24")
    eq(r["projected_total_pence"], 13 * 30000, "four-weekly projection")
    expect(schedule(w, cap_to_remaining="yes"), 400, "VALIDATION_FAILED", field="cap_to_remaining")
    sc = expect(schedule(w, amount_pence=100000, frequency="weekly", start_date="2026-09-07",
                         end_date=None, cap_to_remaining=True), 201)
    eq((sc["cap_pence"], sc["next_due"], sc["status"]), (300000, "2026-09-07", "active"), "capped")
    m = materialise(st, "2026-10-05")
    eq(m["created"], 3, "three fit the cap: %r" % m)
    eq([(x["due_date"], x["rule"]) for x in m["skipped"]],
       [("2026-09-28", "PAY-24"), ("2026-10-05", "PAY-24")], "the rest skipped")
    sk = expect(call("GET", "/v1/schedules/%s/skipped?limit=1" % sc["id"], tok=w.fam), 200)
    eq((len(sk["items"]), sk["items"][0]["due_date"], sk["items"][0]["reason"]),
       (1, "2026-09-28", "RULE_VIOLATION"), "listed, paged")
    sk2 = expect(call("GET", "/v1/schedules/%s/skipped?cursor=%s" % (sc["id"], sk["next_cursor"]),
                      tok=st.cw), 200)
    eq([k["due_date"] for k in sk2["items"]], ["2026-10-05"], "second page")
    got = expect(call("GET", "/v1/schedules/" + sc["id"], tok=st.cw), 200)
    eq((got["instalments_total_pence"], got["next_due"]), (300000, None), "cap reached")
    # a cap that does not divide: the last instalment is reduced
    w2 = World(staff=st, dp_pence=250000)
    sc2 = expect(schedule(w2, amount_pence=100000, frequency="monthly", start_date="2026-09-30",
                          end_date=None, cap_to_remaining=True), 201)
    materialise(st, "2026-12-31")
    _, amounts, _ = psql(URL, "SELECT string_agg(amount_pence::text || '@' || due_date, ','"
                         " ORDER BY due_date) FROM payments WHERE schedule_id = '%s'" % sc2["id"])
    eq(amounts, "100000@2026-09-30,100000@2026-10-30,50000@2026-11-30", "month-end, last reduced")
    # the database refuses an instalment over the cap, however it is written
    rc, _, err = psql(URL, "INSERT INTO payments (la, id, budget_id, element_id, payee_id,"
                      " amount_pence, purpose, due_date, status, created_by, schedule_id)"
                      " VALUES ('%s', gen_random_uuid(), '%s', '%s', '%s', 1, 'direct_payment',"
                      " '2027-03-30', 'pending_approval', 'x', '%s')"
                      % (st.la, w2.budget, w2.dp, w2.dp_payee, sc2["id"]), check_rc=False)
    check(rc != 0 and "over its cap" in err, "cap guard: %s" % err)


@test
def test_schedule_list_patch_stop():
    st = Staff(fresh_la())
    w = World(staff=st)
    sc = expect(schedule(w), 201)
    other = expect(schedule(w, amount_pence=500, start_date="2026-10-01"), 201)
    lst = expect(call("GET", "/v1/schedules?budget_id=" + w.budget, tok=st.cw), 200)
    eq([(x["id"], x["next_due"]) for x in lst["items"]],
       [(sc["id"], "2026-09-15"), (other["id"], "2026-10-01")], "listed with next_due")
    page = expect(call("GET", "/v1/schedules?limit=1", tok=st.fin), 200)
    eq((len(page["items"]), page["next_cursor"]), (1, sc["id"]), "per council, paged")
    eq(expect(call("GET", "/v1/schedules?budget_id=%s&status=stopped" % w.budget, tok=st.cw),
              200)["items"], [], "status filter")
    expect(call("GET", "/v1/schedules?status=paused", tok=st.cw), 400, "VALIDATION_FAILED",
           field="status")
    expect(call("GET", "/v1/schedules?budget_id=nope", tok=st.cw), 400, "VALIDATION_FAILED",
           field="budget_id")
    expect(call("GET", "/v1/schedules?budget_id=" + new_id(), tok=st.cw), 404, "NOT_FOUND")
    eq(len(expect(call("GET", "/v1/schedules?budget_id=" + w.budget, tok=w.fam), 200)["items"]),
       2, "the family sees its own")
    eq(expect(call("GET", "/v1/schedules", tok=Staff(fresh_la()).cw), 200)["items"], [],
       "another council sees none")
    # PATCH: If-Match, roles, values, the projection again
    expect(sched_patch(sc["id"], {"amount_pence": 2000}, w.fam, 1), 403, "FORBIDDEN")
    expect(sched_patch(sc["id"], {}, st.cw, 1), 400, "VALIDATION_FAILED")
    expect(sched_patch(sc["id"], {"frequency": "weekly"}, st.cw, 1), 400, "VALIDATION_FAILED",
           field="frequency")
    expect(sched_patch(sc["id"], {"end_date": "2026-09-01"}, st.cw, 1), 400,
           "VALIDATION_FAILED", field="end_date")
    expect(sched_patch(sc["id"], {"end_date": "2027-09-15"}, st.cw, 1), 422, "RULE_VIOLATION",
           rule="PAY-24")
    r = expect(sched_patch(sc["id"], {"amount_pence": 20000, "end_date": None}, st.cw, 1), 422,
               "RULE_VIOLATION", rule="PAY-24")
    eq((r["projected_total_pence"], r["remaining_pence"]), (12 * 20000, 100000), "re-projected")
    expect(sched_patch(new_id(), {"amount_pence": 2000}, st.cw, 1), 404, "NOT_FOUND")
    s, h, _, got = sched_patch(sc["id"], {"amount_pence": 2000}, st.cw, 1)
    eq((s, h.get("etag"), got["amount_pence"], got["version"]), (200, '"2"', 2000, 2), "patched")
    expect(sched_patch(sc["id"], {"amount_pence": 3000}, st.cw, 1), 412, "PRECONDITION_FAILED")
    ch = audit_changes(sc["id"], "schedule.updated")
    eq((ch["before"]["amount_pence"], ch["after"]["amount_pence"]), (1000, 2000), "audit old/new")
    check("schedule.updated" in events_of(sc["id"]), "event")
    # two PATCHes with one If-Match: one wins, one is 412
    outs = parallel(2, lambda i: sched_patch(sc["id"], {"amount_pence": 2100 + i}, st.cw, 2)[0])
    eq(sorted(outs), [200, 412], "one 200, one 412")
    # a new end cancels the unexported instalments after it
    m = materialise(st, "2027-02-28")
    eq(m["created"], 6 + 5, "both schedules: %r" % m)
    s, _, _, got = sched_patch(sc["id"], {"end_date": "2027-01-31"}, st.cw, 3)
    eq((s, got["end_date"], got["next_due"]), (200, "2027-01-31", None), "shortened")
    _, st_feb, _ = psql(URL, "SELECT status FROM payments WHERE schedule_id = '%s'"
                        " AND due_date = '2027-02-15'" % sc["id"])
    eq(st_feb, "cancelled", "February's instalment cancelled")
    # stop: reason required, then stopped once; the unexported future is cancelled
    expect(call("POST", "/v1/schedules/%s/stop" % other["id"], {}, st.cw), 400,
           "VALIDATION_FAILED", field="reason")
    expect(call("POST", "/v1/schedules/%s/stop" % other["id"], {"reason": "x"}, w.fam), 403,
           "FORBIDDEN")
    expect(call("POST", "/v1/schedules/%s/stop" % other["id"], {"reason": "x"}, st.cw,
                headers={"If-Match": '"9"'}), 412, "PRECONDITION_FAILED")
    s, h, _, got = call("POST", "/v1/schedules/%s/stop" % other["id"],
                        {"reason": "family moved away"}, st.fin)
    eq((s, got["status"], got["stop_reason"], got["stopped_by"], got["next_due"]),
       (200, "stopped", "family moved away", "fin-" + st.la, None), "stopped")
    _, live_after, _ = psql(URL, "SELECT count(*) FROM payments WHERE schedule_id = '%s'"
                            " AND status <> 'cancelled' AND due_date > current_date" % other["id"])
    eq(live_after, "0", "nothing live after the stop")
    _, cancelled, _ = psql(URL, "SELECT count(*) FROM payments WHERE schedule_id = '%s'"
                           " AND status = 'cancelled' AND cancel_reason = 'family moved away'"
                           % other["id"])
    check(int(cancelled) >= 1, "future instalments cancelled with the reason")
    ch = audit_changes(other["id"], "schedule.stopped")
    eq((ch["before"]["status"], ch["after"]["status"], ch["reason"]),
       ("active", "stopped", "family moved away"), "audit")
    check("schedule.stopped" in events_of(other["id"]), "event")
    expect(call("POST", "/v1/schedules/%s/stop" % other["id"], {"reason": "again"}, st.cw), 409,
           "INVALID_TRANSITION")
    expect(sched_patch(other["id"], {"amount_pence": 100}, st.cw, 0), 409, "INVALID_TRANSITION")
    eq(materialise(st, "2027-08-31")["payments"], [], "nothing more from either")
    eq([x["id"] for x in expect(call("GET", "/v1/schedules?status=stopped", tok=st.cw),
                                200)["items"]], [other["id"]], "listed as stopped")
    rc, _, err = psql(URL, "UPDATE payment_schedules SET amount_pence = 1 WHERE id = '%s'"
                      % other["id"], check_rc=False)
    check(rc != 0 and "is stopped" in err, "a stopped schedule never changes: %s" % err)


@test
def test_materialise_racing_stop_makes_nothing_after_the_stop():
    st = Staff(fresh_la())
    w = World(staff=st)
    for _ in range(3):
        sc = expect(schedule(w, amount_pence=100, frequency="weekly", start_date="2026-09-07",
                             end_date=None), 201)
        outs = parallel(2, lambda i: materialise(st, "2027-08-31") if i == 0 else
                        call("POST", "/v1/schedules/%s/stop" % sc["id"], {"reason": "race"},
                             st.cw)[0])
        eq(outs[1], 200, "stopped: %r" % outs)
        _, live, _ = psql(URL, "SELECT count(*) FROM payments WHERE schedule_id = '%s'"
                          " AND status <> 'cancelled' AND due_date > current_date" % sc["id"])
        eq(live, "0", "no live instalment after the stop")


@test
def test_termly_schedules_on_council_term_dates():
    st = Staff(fresh_la())
    w = World(staff=st)
    termly = dict(frequency="termly", start_date="2026-09-01", end_date=None, amount_pence=5000)
    r = expect(schedule(w, **termly), 422, "RULE_VIOLATION", rule="PAY-21")
    check("2026-27" in r["detail"], r["detail"])
    put = lambda year, body, tok, h=None: call("PUT", "/v1/term-dates/" + year, body, tok, headers=h)
    starts = ["2026-09-03", "2027-01-05", "2027-04-19"]
    expect(put("2026-27", {"term_starts": starts}, st.cw), 403, "FORBIDDEN")
    expect(put("2026-28", {"term_starts": starts}, st.fin), 400, "VALIDATION_FAILED",
           field="academic_year")
    expect(put("2026-27", {"term_starts": ["2027-09-01"]}, st.fin), 400, "VALIDATION_FAILED",
           field="term_starts[0]")
    expect(put("2026-27", {"term_starts": ["2027-01-05", "2026-09-03"]}, st.fin), 400,
           "VALIDATION_FAILED", field="term_starts[1]")
    expect(put("2026-27", {"term_starts": []}, st.fin), 400, "VALIDATION_FAILED",
           field="term_starts")
    s, h, _, t = put("2026-27", {"term_starts": starts}, st.fin)
    eq((s, t["academic_year"], t["term_starts"], h.get("etag")), (200, "2026-27", starts, '"1"'),
       "set")
    expect(put("2026-27", {"term_starts": starts}, st.fin, {"If-Match": '"7"'}), 412,
           "PRECONDITION_FAILED")
    check("term_dates.set" in events_of(t["id"]), "event")
    # the budget period runs into August 2027: academic year 2027-28
    r = expect(schedule(w, **termly), 422, "RULE_VIOLATION", rule="PAY-21")
    check("2027-28" in r["detail"], r["detail"])
    expect(put("2027-28", {"term_starts": ["2027-09-02"]}, token(["admin"], la=st.la)), 200)
    sc = expect(schedule(w, **termly), 201)
    eq(sc["next_due"], "2026-09-03", "the first term start")
    eq(expect(call("GET", "/v1/term-dates", tok=st.aud), 200)["items"][1]["term_starts"],
       ["2027-09-02"], "listed")
    m = materialise(st, "2027-08-31")
    dues = sorted(expect(call("GET", "/v1/payments/" + i, tok=st.cw), 200)["due_date"]
                  for i in m["payments"])
    eq(dues, starts, "paid on each term's start, inside the budget period")
    eq(expect(call("GET", "/v1/schedules/" + sc["id"], tok=st.cw), 200)["next_due"], None, "done")


# ---- concurrency --------------------------------------------------------------------------

@test
def test_concurrent_creates_never_overspend():
    st = Staff(fresh_la())
    w = World(staff=st, dp_pence=10000)
    results = parallel(50, lambda i: w.create(amount=300, key="race-%d" % i))
    codes = sorted(r[0] for r in results)
    eq((codes.count(201), codes.count(409)), (33, 17), "33 fit in 10,000 pence")
    check(all(r[3]["code"] == "INSUFFICIENT_FUNDS" for r in results if r[0] == 409),
          "every refusal is INSUFFICIENT_FUNDS")
    e = w.element(w.dp)
    eq((e["committed_pence"], e["remaining_pence"]), (9900, 100), "remaining exactly 100")


@test
def test_concurrent_same_key_creates_one_payment():
    st = Staff(fresh_la())
    w = World(staff=st)
    results = parallel(20, lambda i: w.create(amount=700, key="same-key"))
    eq({r[0] for r in results}, {201}, "all 201")
    ids = {r[3]["id"] for r in results}
    eq(len(ids), 1, "one payment id")
    fresh = [r for r in results if r[1].get("idempotent-replayed") != "true"]
    eq(len(fresh), 1, "exactly one original answer")
    eq({r[2] for r in results}, {fresh[0][2]}, "identical bodies")
    eq(w.element(w.dp)["committed_pence"], 700, "committed once")


@test
def test_concurrent_runs_split_payments():
    st = Staff(fresh_la())
    ws = [World(staff=st) for _ in range(2)]
    ids = [w.approved(amount=100 + i, due="2026-11-%02d" % (i + 1))["id"]
           for w in ws for i in range(12)]
    runs = parallel(2, lambda i: expect(call("POST", "/v1/payment-runs",
                                             {"due_on_or_before": "2026-12-31"}, st.fin), 201))
    eq(sum(r["payment_count"] for r in runs), 24, "every payment in a run: %r" % runs)
    _, out, _ = psql(URL, "SELECT count(*), count(DISTINCT run_id) FILTER (WHERE run_id IS NOT"
                     " NULL), bool_and(status = 'exported') FROM payments WHERE id IN (%s)"
                     % ",".join("'%s'" % i for i in ids))
    n, _, all_exported = out.split("|")
    eq((n, all_exported), ("24", "t"), "all exported once")
    total = 0
    for r in runs:
        h, b = export(r["id"], st.fin)
        eq(int(h["x-payment-count"]), r["payment_count"], "control count")
        total += b.count(b"\r\n") - 1
    eq(total, 24, "each payment in exactly one CSV")


# ---- last: the invariants over everything the suite did ---------------------------------

# ---- payees: renaming, bank details with a second person's confirmation -------------

def payee(pid, tok=None):
    s, h, _, j = call("GET", "/v1/payees/" + pid, tok=tok or S.fin)
    eq(s, 200, "payee read")
    return j, h["etag"]


def patch_payee(pid, body, tok=None, etag=None, status=200, code=None, field=None):
    _, tag = payee(pid, tok) if etag is None else (None, etag)
    return expect(call("PATCH", "/v1/payees/" + pid, body, tok or S.cw,
                       headers={"If-Match": tag}), status, code, field=field)


def decide(pid, change, action, tok, body=None, status=200, code=None):
    return expect(call("POST", "/v1/payees/%s/bank-changes/%s/%s" % (pid, change, action),
                       body if body is not None else {}, tok), status, code)


def exported_accounts(st, due):
    r = expect(call("POST", "/v1/payment-runs", {"due_on_or_before": due}, st.fin), 201)
    _, b = export(r["id"], st.fin)
    return {row["payment_id"]: row["account_number"]
            for row in csv.DictReader(io.StringIO(b.decode()))}


@test
def test_payee_rename_with_if_match_and_name_rules():
    w = World()
    p, tag = payee(w.org)
    got = patch_payee(w.org, {"name": "Acme Care Services Ltd"}, etag=tag)
    eq(got["name"], "Acme Care Services Ltd", "renamed at once")
    eq(got["version"], p["version"] + 1, "version bumped")
    expect(call("PATCH", "/v1/payees/" + w.org, {"name": "Stale"}, S.cw,
                headers={"If-Match": tag}), 412, "PRECONDITION_FAILED")
    for bad in ("Acme\u202eLtd", "Acme\u200dLtd", "Acme\ufeff", "Acme\u2028Ltd", "Acme\u0085",
                "Acme\u007fLtd", "Acme\u2066x\u2069", " Acme", "Acme "):
        name = json.loads('"%s"' % bad)
        patch_payee(w.org, {"name": name}, status=400, code="VALIDATION_FAILED", field="name")
        expect(call("POST", "/v1/payees", {"kind": "organisation", "name": name,
                                           "is_local_authority": False}, S.fin),
               400, "VALIDATION_FAILED", field="name")
    eq(payee(w.org)[0]["name"], "Acme Care Services Ltd", "refused names changed nothing")
    # accents and other scripts are names, not tricks
    eq(patch_payee(w.org, {"name": "Zoë Ågren-Ó Briain 李"})["name"], "Zoë Ågren-Ó Briain 李",
       "a name in other scripts")
    patch_payee(w.org, {}, status=400, code="VALIDATION_FAILED")
    patch_payee(w.org, {"kind": "individual"}, status=400, code="VALIDATION_FAILED", field="kind")
    patch_payee(w.org, {"name": "X"}, tok=S.aud, status=403, code="FORBIDDEN")
    patch_payee(new_id(), {"name": "X"}, etag='"1"', status=404, code="NOT_FOUND")
    other = Staff(fresh_la())
    expect(call("PATCH", "/v1/payees/" + w.org, {"name": "X"}, other.cw,
                headers={"If-Match": tag}), 404, "NOT_FOUND")
    _, out, _ = psql(URL, "SELECT count(*) FROM audit_log WHERE entity_id = '%s'"
                     " AND action = 'payee.updated'" % w.org)
    eq(out, "2", "each rename audited")


@test
def test_payee_bank_change_waits_for_a_second_person():
    st = Staff(fresh_la())
    w = World(staff=st)
    first = w.approved(due="2026-09-05")
    got = patch_payee(w.dp_payee, {"bank": {"sort_code": "402030", "account_number": "7654321"}},
                      tok=st.fin)
    eq(got["bank"], {"sort_code": "112233", "account_number_last4": "4567"},
       "the approved details stay in force")
    ch = got["pending_bank_change"]
    eq((ch["sort_code"], ch["account_number_last4"], ch["requested_by"], ch["shared_with"]),
       ("402030", "4321", "fin-" + st.la, []), "the pending change, masked, 7 digits padded")
    # meanwhile a run pays the approved details
    eq(exported_accounts(st, "2026-09-30")[first["id"]], "01234567", "export uses approved details")
    # the requester cannot confirm; another finance officer can
    decide(w.dp_payee, ch["id"], "confirm", st.fin, status=403, code="SEPARATION_OF_DUTIES")
    decide(w.dp_payee, ch["id"], "confirm", st.cw, status=403, code="FORBIDDEN")
    decide(w.dp_payee, new_id(), "confirm", st.fin2, status=404, code="NOT_FOUND")
    done = decide(w.dp_payee, ch["id"], "confirm", st.fin2)
    eq(done["bank"], {"sort_code": "402030", "account_number_last4": "4321"}, "new details in force")
    eq(done["pending_bank_change"], None, "nothing pending")
    decide(w.dp_payee, ch["id"], "confirm", st.fin2, status=409, code="INVALID_TRANSITION")
    decide(w.dp_payee, ch["id"], "reject", st.fin2, {"reason": "late"}, status=409,
           code="INVALID_TRANSITION")
    second = w.approved(due="2026-10-05")
    eq(exported_accounts(st, "2026-10-31")[second["id"]], "07654321", "the next run pays the new account")
    _, out, _ = psql(URL, "SELECT string_agg(action, ',' ORDER BY seq) FROM audit_log"
                     " WHERE entity_id = '%s' AND action LIKE 'payee.%%'" % w.dp_payee)
    eq(out, "payee.created,payee.updated,payee.bank_change_confirmed", "audited in order")
    _, out, _ = psql(URL, "SELECT count(*) FROM audit_log WHERE entity_id = '%s'"
                     " AND (changes::text LIKE '%%7654321%%' OR changes::text LIKE '%%402030%%')"
                     % w.dp_payee)
    eq(out, "0", "no bank detail in the audit rows")
    eq(events_of(w.dp_payee).split(",")[-2:], ["payee.updated", "payee.bank_change_confirmed"],
       "events")


@test
def test_payee_bank_change_rejected_superseded_and_bad_input():
    st = Staff(fresh_la())
    w = World(staff=st)
    a = patch_payee(w.org, {"bank": {"sort_code": "402030", "account_number": "11112222"}},
                    tok=st.cw)["pending_bank_change"]
    b = patch_payee(w.org, {"bank": {"sort_code": "402030", "account_number": "33334444"}},
                    tok=st.cw)["pending_bank_change"]
    check(a["id"] != b["id"], "a new request is a new change")
    decide(w.org, a["id"], "confirm", st.fin, status=409, code="INVALID_TRANSITION")
    decide(w.org, b["id"], "reject", st.fin, {}, status=400, code="VALIDATION_FAILED")
    got = decide(w.org, b["id"], "reject", st.fin, {"reason": "Not the account on the invoice."})
    eq((got["bank"]["account_number_last4"], got["pending_bank_change"]), ("3210", None),
       "rejected: the approved details stay")
    _, out, _ = psql(URL, "SELECT string_agg(status || ':' || coalesce(reason, ''), ','"
                     " ORDER BY requested_at) FROM payee_bank_changes WHERE payee_id = '%s'" % w.org)
    eq(out, "superseded:,rejected:Not the account on the invoice.", "both kept with their outcome")
    for bank, field in (({"sort_code": "40-20-30", "account_number": "11112222"}, "bank.sort_code"),
                        ({"sort_code": "402030", "account_number": "123456789"}, "bank.account_number"),
                        ({"sort_code": "402030", "account_number": "12345"}, "bank.account_number"),
                        ({"sort_code": "402030", "account_number": "1234567x"}, "bank.account_number"),
                        ({"sort_code": "402030"}, "bank.account_number"),
                        ({"sort_code": "402030", "account_number": "11112222", "iban": "x"},
                         "bank.iban")):
        patch_payee(w.org, {"bank": bank}, tok=st.cw, status=400, code="VALIDATION_FAILED",
                    field=field)
    nokey = Daemon(URL)
    s, h, _, _ = nokey.request("GET", "/v1/payees/" + w.org, token=st.cw)
    s, _, _, j = nokey.request("PATCH", "/v1/payees/" + w.org,
                               {"bank": {"sort_code": "402030", "account_number": "11112222"}},
                               token=st.cw, headers={"If-Match": h["etag"]})
    eq((s, j["errors"][0]["field"]), (400, "bank"), "no key: bank details refused")
    nokey.stop()


@test
def test_payee_shared_account_needs_explicit_confirmation():
    st = Staff(fresh_la())
    w = World(staff=st)
    other = make("/v1/payees", {"kind": "organisation", "name": "Beta Care", "is_local_authority":
                                False}, st.fin)["id"]
    same = {"sort_code": "445566", "account_number": "76543210"}   # the org's of World
    j = patch_payee(other, {"bank": same}, tok=st.cw, status=409, code="CONFLICT",
                    field="bank.account_number")
    check(w.org in j["errors"][0]["message"], "names the payee already paid there: %r" % j)
    eq(payee(other, st.fin)[0]["pending_bank_change"], None, "nothing recorded")
    # same sort code and last four digits, another account: not shared
    near = patch_payee(other, {"bank": {"sort_code": "445566", "account_number": "11113210"}},
                       tok=st.cw)
    eq(near["pending_bank_change"]["shared_with"], [], "a different account is not shared")
    got = patch_payee(other, {"bank": dict(same, shared_account_confirmed=True)}, tok=st.cw)
    eq(got["pending_bank_change"]["shared_with"], [w.org], "confirmed knowingly, recorded")


@test
def test_payee_bank_change_concurrent_confirms_one_wins():
    st = Staff(fresh_la())
    w = World(staff=st)
    fin3 = token(["finance"], sub="fin3-" + st.la, la=st.la)
    ch = patch_payee(w.org, {"bank": {"sort_code": "402030", "account_number": "55556666"}},
                     tok=st.cw)["pending_bank_change"]
    toks = [st.fin, st.fin2, fin3] * 4
    answers = parallel(12, lambda i: call("POST", "/v1/payees/%s/bank-changes/%s/confirm"
                                          % (w.org, ch["id"]), {}, toks[i])[0])
    eq(sorted(answers).count(200), 1, "exactly one confirmation: %r" % answers)
    eq(set(answers) - {200}, {409}, "the others see it decided")
    _, out, _ = psql(URL, "SELECT count(*) FROM audit_log WHERE entity_id = '%s'"
                     " AND action = 'payee.bank_change_confirmed'" % w.org)
    eq(out, "1", "one confirmation audited")


@test
def test_database_refuses_bank_details_without_a_confirmed_change():
    st = Staff(fresh_la())
    w = World(staff=st)
    rc, _, err = psql(URL, "UPDATE payees SET bank_sort_code = '999999' WHERE id = '%s'" % w.org,
                      check_rc=False)
    check(rc != 0 and "confirmed bank change" in err, "plain update refused: %r" % err)
    ch = patch_payee(w.org, {"bank": {"sort_code": "402030", "account_number": "55556666"}},
                     tok=st.cw)["pending_bank_change"]
    rc, _, err = psql(URL, "UPDATE payees y SET bank_sort_code = c.bank_sort_code,"
                      " bank_account_last4 = c.bank_account_last4, bank_nonce = c.bank_nonce,"
                      " bank_ciphertext = c.bank_ciphertext, bank_tag = c.bank_tag,"
                      " bank_change_id = c.id FROM payee_bank_changes c"
                      " WHERE y.id = '%s' AND c.id = '%s'" % (w.org, ch["id"]), check_rc=False)
    check(rc != 0 and "not confirmed" in err, "a pending change cannot be applied: %r" % err)
    rc, _, err = psql(URL, "UPDATE payee_bank_changes SET status = 'confirmed', decided_at = now(),"
                      " decided_by = requested_by WHERE id = '%s'" % ch["id"], check_rc=False)
    check(rc != 0, "the requester cannot confirm in the database either: %r" % err)
    rc, _, err = psql(URL, "DELETE FROM payee_bank_changes WHERE id = '%s'" % ch["id"],
                      check_rc=False)
    check(rc != 0 and "kept" in err, "changes are never deleted: %r" % err)


@test
def test_zz_money_invariants_hold():
    _, n, _ = psql(URL, "SELECT count(*) FROM payments")
    check(int(n) > 50, "the suite made payments: %s" % n)
    _, bad, _ = psql(URL, "SELECT count(*) FROM budget_elements"
                     " WHERE committed_pence + spent_pence > allocated_pence"
                     " OR committed_pence < 0 OR spent_pence < 0")
    eq(bad, "0", "BUD-9 holds for every element")
    _, drift, _ = psql(URL, "SELECT count(*) FROM budget_elements e,"
                       " LATERAL pb_element_totals_recomputed(e.la, e.id) t"
                       " WHERE e.committed_pence <> t.committed_pence"
                       " OR e.spent_pence <> t.spent_pence")
    eq(drift, "0", "maintained totals equal the ledger recomputation")
    _, twice, _ = psql(URL, "SELECT count(*) FROM (SELECT la, schedule_id, due_date FROM payments"
                       " WHERE schedule_id IS NOT NULL GROUP BY 1, 2, 3 HAVING count(*) > 1) d")
    eq(twice, "0", "no instalment twice")
    _, orphans, _ = psql(URL, "SELECT count(*) FROM payments WHERE (status IN ('exported',"
                         " 'paid', 'failed')) <> (run_id IS NOT NULL)")
    eq(orphans, "0", "exported, paid and failed payments all belong to a run")
    _, view, _ = psql(URL, "SELECT count(*) FROM budget_element_totals_drift")
    eq(view, "0", "the drift view is empty")
    _, debts, _ = psql(URL, "SELECT count(*) FROM recovery_debts")
    check(int(debts) > 10, "the suite raised debts: %s" % debts)
    _, settled, _ = psql(URL, "SELECT count(*) FROM recovery_debts d WHERE d.status IN"
                         " ('paid', 'offset') AND NOT EXISTS (SELECT 1 FROM recoveries r"
                         " WHERE r.la = d.la AND r.debt_id = d.id AND r.amount_pence = d.amount_pence)")
    eq(settled, "0", "every paid or offset debt has its one recovery row")
    _, over, _ = psql(URL, "SELECT count(*) FROM budget_elements e"
                      " WHERE pb_element_owed(e.la, e.id) > e.spent_pence")
    eq(over, "0", "open debts never claim more than was spent")


run()
