"""Monitoring direct payments over HTTP against the real daemon and
PostgreSQL (issue 17, section 1; PAY-9, PAY-20): a family submits a spend
return for its direct payment with receipts, a caseworker queries it, the
family corrects it, the caseworker accepts it (spend outside the agreed
provision flagged, never counted as evidenced); evidence judged by content
(a wrong type, a truncated file, a polyglot, an oversize file refused,
nothing half-stored), served only to the council's staff and that family
as a download; the queues of returns waiting and owed; each refusal,
roles, tenancy and concurrent uploads against the 10-file limit."""
import hashlib
import os
import socket
import sys

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "lib"))
from pbtest import Daemon, check, eq, expect, migrated_db, psql, run, test  # noqa: E402
import world  # noqa: E402
from world import Staff, World, call, events_of, fresh_la, parallel, settle  # noqa: E402

URL = migrated_db("spend")
D = Daemon(URL, {"PB_BANK_KEY": "1e" * 32})
world.bind(D, URL)
FIX = os.path.join(os.path.dirname(__file__), "..", "fixtures", "evidence")


def fixture(name):
    with open(os.path.join(FIX, name), "rb") as f:
        return f.read()


JPG, PNG, PDF = fixture("receipt.jpg"), fixture("receipt.png"), fixture("receipt.pdf")


def rpath(w):
    return "/v1/budgets/%s/elements/%s/spend-returns" % (w.budget, w.dp)


def body(**kw):
    b = {"period_start": "2026-09-01", "period_end": "2026-11-30",
         "opening_balance_pence": 0, "closing_balance_pence": 2500,
         "lines": [{"spent_on": "2026-09-14", "description": "Riding lesson",
                    "category": "short_breaks", "amount_pence": 5000},
                   {"spent_on": "2026-10-02", "description": "Weekly shop",
                    "category": "groceries", "amount_pence": 2500}]}
    b.update(kw)
    return b


def upload(rid, data, tok, name="receipt.jpg", ctype="image/jpeg"):
    return call("POST", "/v1/spend-returns/%s/evidence?file_name=%s" % (rid, name), tok=tok,
                headers={"Content-Type": ctype}, raw=data)


def paid_world(st):
    w = World(staff=st)
    settle(st, w, 10000, due="2026-09-10")
    return w


@test
def test_a_family_return_is_queried_corrected_and_accepted():
    st = Staff(fresh_la())
    w = paid_world(st)
    s, h, _, r = call("POST", rpath(w), body(), w.fam)
    eq(s, 201, "submitted by the family")
    eq(h["location"], "/v1/spend-returns/" + r["id"], "location")
    eq((r["status"], r["spent_pence"], r["submitted_by"], len(r["lines"])),
       ("submitted", 7500, None, 2), "the family's view: no staff identities")
    eq((r["paid_in_pence"], r["unexplained_pence"]), (10000, 0),
       "paid in during the period; the balances reconcile")
    check(all(ln["agreed"] is None for ln in r["lines"]), "not judged yet")
    # a receipt, named by the family, typed by content
    s, h, _, r2 = upload(r["id"], JPG, w.fam, name="till%20receipt.png", ctype="text/plain")
    eq(s, 201, "evidence stored")
    ev = r2["evidence"][0]
    eq((ev["media_type"], ev["file_name"], ev["size_bytes"], ev["sha256"]),
       ("image/jpeg", "till_receipt.jpg", len(JPG), hashlib.sha256(JPG).hexdigest()),
       "the type proved by content, the name made safe")
    check(h["location"].endswith("/evidence/" + ev["id"]), "location of the file")
    # the caseworker queries the groceries line
    q = expect(call("POST", "/v1/spend-returns/%s/query" % r["id"],
                    {"message": "Groceries are not part of the agreed provision"}, st.cw), 200)
    eq((q["status"], q["queried_by"]), ("queried", "cw-" + st.la), "queried")
    expect(call("POST", "/v1/spend-returns/%s/accept" % r["id"], {}, st.cw), 409,
           "INVALID_TRANSITION")
    # the family corrects it: the period stays, the lines are replaced
    expect(call("POST", "/v1/spend-returns/%s/resubmit" % r["id"],
                body(period_end="2026-11-29"), w.fam), 400, "VALIDATION_FAILED")
    fixed = body(closing_balance_pence=5000, lines=body()["lines"][:1] + [
        {"spent_on": "2026-10-20", "description": "Swimming session", "category": "leisure",
         "amount_pence": 1000}])
    c = expect(call("POST", "/v1/spend-returns/%s/resubmit" % r["id"], fixed, w.fam), 200)
    eq((c["status"], c["spent_pence"], c["version"]), ("submitted", 6000, 3), "submitted again")
    eq(c["unexplained_pence"], -1000, "£10 more in the account than the return explains")
    a = expect(call("POST", "/v1/spend-returns/%s/accept" % r["id"], {}, st.cw), 200)
    eq((a["status"], a["evidenced_pence"], a["not_agreed_pence"], a["accepted_by"]),
       ("accepted", 5000, 1000, "cw-" + st.la), "PAY-9: spend outside the provision flagged")
    eq([ln["agreed"] for ln in a["lines"]], [True, False], "each line judged")
    # closed: no more evidence, no second decision; the database says so too
    expect(upload(r["id"], PNG, w.fam, ctype="image/png"), 409, "INVALID_TRANSITION")
    expect(call("POST", "/v1/spend-returns/%s/query" % r["id"], {"message": "x"}, st.cw), 409,
           "INVALID_TRANSITION")
    rc, _, err = psql(URL, "UPDATE spend_return_lines SET amount_pence = 1 WHERE return_id = '%s'"
                      % r["id"], check_rc=False)
    check(rc != 0 and "closed" in err, "an accepted return's lines are frozen: %s" % err)
    eq(events_of(r["id"]), "spend_return.submitted,spend_return.evidence_added,"
       "spend_return.queried,spend_return.resubmitted,spend_return.accepted", "events")
    _, n, _ = psql(URL, "SELECT count(*) FROM audit_log WHERE entity_id = '%s'" % r["id"])
    eq(n, "5", "an audit row per change")
    # the family reads its returns; staff see the council's
    mine = expect(call("GET", rpath(w), tok=w.fam), 200)
    eq([x["id"] for x in mine["items"]], [r["id"]], "the family's list")
    eq(mine["items"][0]["accepted_by"], None, "no staff identity for the family")
    queue = expect(call("GET", "/v1/spend-returns?status=accepted", tok=st.cw), 200)
    eq([x["id"] for x in queue["items"]], [r["id"]], "the council's accepted returns")


@test
def test_evidence_is_judged_by_content_and_nothing_is_half_stored():
    st = Staff(fresh_la())
    w = paid_world(st)
    rid = expect(call("POST", rpath(w), body(), st.cw), 201)["id"]
    for data, why in ((b"GIF89a\x01\x00\x01\x00\x00\x00\x00;", "not a PDF, JPEG or PNG"),
                      (JPG[:-30], "JPEG file is truncated"),
                      (PNG + b"<script>alert(1)</script>", "also holds another kind"),
                      (PDF.replace(b"/Type /Catalog", b"/JavaScript   "), "holds script"),
                      (b"%PDF-1.4\nnot really\n%%EOF\n", "PDF file is damaged")):
        e = expect(upload(rid, data, st.cw, ctype="application/pdf"), 400, "VALIDATION_FAILED")
        eq(e["errors"][0]["field"], "file", "names the file")
        check(why in e["errors"][0]["message"], "%s: %s" % (why, e["errors"][0]["message"]))
    expect(upload(rid, b"", st.cw), 400, "VALIDATION_FAILED")
    expect(upload(rid, JPG, st.cw, name="x" * 121), 400, "VALIDATION_FAILED")
    _, n, _ = psql(URL, "SELECT count(*) FROM spend_evidence WHERE return_id = '%s'" % rid)
    eq(n, "0", "nothing stored from a refused file")
    # over 5 MiB: refused at the head, before the body is read
    s = socket.create_connection(("127.0.0.1", D.port))
    s.sendall(("POST /v1/spend-returns/%s/evidence HTTP/1.1\r\nHost: t\r\n"
               "Authorization: Bearer %s\r\nContent-Length: %d\r\n\r\n"
               % (rid, st.cw, 5 * 1024 * 1024 + 1)).encode())
    head = s.recv(4096).decode(errors="replace")
    s.close()
    check(head.startswith("HTTP/1.1 413") and "5242880" in head, head[:200])
    # a JSON route keeps its 64 KiB limit
    s = socket.create_connection(("127.0.0.1", D.port))
    s.sendall(("POST %s HTTP/1.1\r\nHost: t\r\nAuthorization: Bearer %s\r\n"
               "Content-Type: application/json\r\nContent-Length: 70000\r\n\r\n"
               % (rpath(w), st.cw)).encode())
    head = s.recv(4096).decode(errors="replace")
    s.close()
    check(head.startswith("HTTP/1.1 413") and "65536" in head, head[:200])
    # a large real file (4 MiB of PDF) goes through
    big = PDF.replace(b"(Receipt: riding lesson 25.00)",
                      b"(" + b"x" * (4 * 1024 * 1024) + b")")
    big = fix_pdf(big)
    r = expect(upload(rid, big, st.cw, name="statement.pdf", ctype="application/pdf"), 201)
    eq(r["evidence"][0]["size_bytes"], len(big), "4 MiB stored")
    eid = r["evidence"][0]["id"]
    s, h, b, _ = call("GET", "/v1/spend-returns/%s/evidence/%s" % (rid, eid), tok=st.cw)
    eq((s, b == big), (200, True), "served back byte for byte")
    eq((h["content-type"], h["content-disposition"], h["x-content-type-options"]),
       ("application/pdf", 'attachment; filename="statement.pdf"', "nosniff"), "a download")


def fix_pdf(pdf):
    """Rewrite the cross-reference offsets of the fixture after an edit."""
    import re
    objs = [m.start() for m in re.finditer(rb"(?m)^\d+ 0 obj", pdf)]
    x = pdf.index(b"xref\n")
    pdf = re.sub(rb"/Length \d+", b"/Length %d" % (
        pdf.index(b"\nendstream", pdf.index(b"stream\n")) - pdf.index(b"stream\n") - 7), pdf)
    objs = [m.start() for m in re.finditer(rb"(?m)^\d+ 0 obj", pdf)]
    x = pdf.index(b"xref\n")
    table = b"xref\n0 %d\n0000000000 65535 f \n" % (len(objs) + 1) + b"".join(
        b"%010d 00000 n \n" % o for o in objs)
    tail = pdf[pdf.index(b"trailer"):]
    tail = re.sub(rb"startxref\n\d+", b"startxref\n%d" % x, tail)
    return pdf[:x] + table + tail


@test
def test_refusals_roles_and_tenancy():
    st = Staff(fresh_la())
    w = paid_world(st)
    for bad, field in ((body(period_end="2099-01-01"), "period_end"),
                       (body(period_start="2026-12-01"), "period_end"),
                       (body(period_start="2020-01-01"), "period_start"),
                       (body(lines=[{"spent_on": "2026-12-25", "description": "x",
                                     "category": "short_breaks", "amount_pence": 1}]),
                        "lines[0].spent_on"),
                       (body(lines=[{"spent_on": "2026-09-14", "description": "x",
                                     "category": "Short Breaks", "amount_pence": 1}]),
                        "lines[0].category"),
                       (body(lines=[{"spent_on": "2026-09-14", "description": "x",
                                     "category": "a", "amount_pence": 0}]),
                        "lines[0].amount_pence"),
                       (body(lines=[{"spent_on": "2026-09-14"}] * 201), "lines"),
                       (body(opening_balance_pence=-1), "opening_balance_pence"),
                       (body(extra=1), "extra")):
        e = expect(call("POST", rpath(w), bad, st.cw), 400, "VALIDATION_FAILED")
        check(field in [x["field"] for x in e["errors"]], "%s in %s" % (field, e["errors"]))
    r = expect(call("POST", rpath(w), body(), w.fam), 201)
    expect(call("POST", rpath(w), body(period_start="2026-11-01", lines=[]), w.fam), 409,
           "CONFLICT")
    # PAY-20: spend is accepted with evidence
    e = expect(call("POST", "/v1/spend-returns/%s/accept" % r["id"], {}, st.cw), 422,
               "RULE_VIOLATION")
    eq(e["rule"], "PAY-20", "no evidence yet")
    # not a direct payment
    tp = "/v1/budgets/%s/elements/%s/spend-returns" % (w.budget, w.tp)
    eq(expect(call("POST", tp, body(), st.cw), 422, "RULE_VIOLATION")["rule"], "PAY-20",
       "a third-party element")
    # roles: the family may not judge; finance neither
    expect(call("POST", "/v1/spend-returns/%s/accept" % r["id"], {}, w.fam), 403, "FORBIDDEN")
    expect(call("POST", "/v1/spend-returns/%s/query" % r["id"], {"message": "x"}, st.fin),
           403, "FORBIDDEN")
    expect(call("GET", "/v1/spend-returns", tok=w.fam), 403, "FORBIDDEN")
    # another family, another council: not there
    stranger = World(staff=st)
    for tok in (stranger.fam, Staff(fresh_la()).cw):
        expect(call("GET", "/v1/spend-returns/" + r["id"], tok=tok), 404, "NOT_FOUND")
        expect(upload(r["id"], JPG, tok), 404, "NOT_FOUND")
        expect(call("POST", rpath(w), body(period_start="2026-07-01",
                                           period_end="2026-07-31", lines=[]), tok), 404,
               "NOT_FOUND")
    ev = expect(upload(r["id"], JPG, w.fam), 201)["evidence"][0]["id"]
    path = "/v1/spend-returns/%s/evidence/%s" % (r["id"], ev)
    expect(call("GET", path, tok=stranger.fam), 404, "NOT_FOUND")
    eq(call("GET", path, tok=w.fam)[0], 200, "the family's own receipt")
    eq(call("GET", path, tok=st.aud)[0], 200, "the council's auditor")


@test
def test_ten_files_at_most_even_when_uploaded_at_once():
    st = Staff(fresh_la())
    w = paid_world(st)
    rid = expect(call("POST", rpath(w), body(), w.fam), 201)["id"]
    for _ in range(7):
        expect(upload(rid, PNG, w.fam, ctype="image/png"), 201)
    got = parallel(6, lambda i: upload(rid, JPG, w.fam)[0])
    eq(sorted(got), [201, 201, 201, 422, 422, 422], "three more fit, three do not")
    _, n, _ = psql(URL, "SELECT count(*) FROM spend_evidence WHERE return_id = '%s'" % rid)
    eq(n, "10", "ten stored")


@test
def test_returns_owed_are_listed_by_due_date():
    st = Staff(fresh_la())
    w = paid_world(st)          # paid 2026-09-10: the July-September quarter
    settle(st, w, 5000, due="2026-10-12")
    expect(call("PATCH", "/v1/settings", {"spend_return_days": 14}, st.admin), 200)
    due = expect(call("GET", "/v1/spend-returns/due?before=2027-03-31", tok=st.cw), 200)
    mine = [i for i in due["items"] if i["element_id"] == w.dp]
    eq(len(mine), 1, "one row per direct payment")
    eq((mine[0]["period_start"], mine[0]["period_end"], mine[0]["due_on"],
        mine[0]["quarters_owed"], mine[0]["overdue"], mine[0]["rule"]),
       ("2026-09-01", "2026-09-30", "2026-10-14", 2, True, "PAY-20"),
       "the earliest quarter owed (from the budget's start), 14 days after it ends")
    expect(call("POST", rpath(w), body(period_start="2026-09-01", period_end="2026-09-30",
                                       lines=[]), w.fam), 201)
    mine = [i for i in expect(call("GET", "/v1/spend-returns/due?before=2027-03-31",
                                   tok=st.cw), 200)["items"] if i["element_id"] == w.dp]
    eq((mine[0]["period_start"], mine[0]["quarters_owed"]), ("2026-10-01", 1),
       "returned: the next quarter owed")
    expect(call("GET", "/v1/spend-returns/due?before=soon", tok=st.cw), 400,
           "VALIDATION_FAILED")
    expect(call("PATCH", "/v1/settings", {"spend_return_days": 40}, st.admin), 400,
           "VALIDATION_FAILED")


@test
def test_evidenced_spend_and_audits_move_the_surplus_and_propose_a_recovery():
    st = Staff(fresh_la())
    w = World(staff=st)                      # £1,000 direct payment, 1 Sep 2026 - 31 Aug 2027
    settle(st, w, 60000, due="2026-09-10")
    pos = "/v1/budgets/%s/dp-positions" % w.budget
    # PAY-19: 8 weeks of funding = 100000 x 7 x 8 / 365 days = 15342 (integer step)
    it = expect(call("GET", pos, tok=w.fam), 200)["items"][0]
    eq((it["element_id"], it["spent_pence"], it["evidenced_spend_pence"], it["held_pence"],
        it["threshold_pence"], it["over_threshold"], it["surplus_pence"]),
       (w.dp, 60000, 0, 60000, 15342, True, 44658), "the family sees the position held")
    check(not any(k.endswith("_by") for k in it), "no staff identity in the family's view")
    # an accepted return evidences the agreed spend (PAY-9: groceries not counted)
    rid = expect(call("POST", rpath(w), body(closing_balance_pence=32500, lines=[
        {"spent_on": "2026-09-20", "description": "PA hours", "category": "short_breaks",
         "amount_pence": 20000},
        {"spent_on": "2026-09-21", "description": "Weekly shop", "category": "groceries",
         "amount_pence": 7500}]), w.fam), 201)["id"]
    expect(upload(rid, PDF, w.fam, name="invoice.pdf", ctype="application/pdf"), 201)
    expect(call("POST", "/v1/spend-returns/%s/accept" % rid, {}, st.cw), 200)
    it = expect(call("GET", pos, tok=st.cw), 200)["items"][0]
    eq((it["evidenced_spend_pence"], it["held_pence"]), (20000, 40000), "held less evidenced")
    # an audit of the account: more evidenced spend found, a recovery proposed
    a = expect(call("POST", "/v1/budgets/%s/elements/%s/audits" % (w.budget, w.dp), {
        "period_start": "2026-09-01", "period_end": "2026-11-30", "balance_seen_pence": 35000,
        "evidenced_spend_pence": 5000, "findings": "Bank statement seen; £50 of PA hours paid"
        " in cash with receipts"}, st.fin), 201)
    eq((a["audit"]["balance_seen_pence"], a["audit"]["audited_by"]), (35000, "fin-" + st.la),
       "the audit")
    p = a["position"]["items"][0]
    eq((p["evidenced_spend_pence"], p["held_pence"], p["proposed_recovery_pence"]),
       (25000, 35000, 35000 - 15342), "over 8 weeks' funding: the recovery proposed")
    eq(expect(call("GET", "/v1/budgets/%s/surplus" % w.budget, tok=st.fin), 200)["items"][0]
       ["proposed_recovery_pence"], 35000 - 15342, "the surplus report agrees")
    audits = expect(call("GET", "/v1/budgets/%s/elements/%s/audits" % (w.budget, w.dp),
                         tok=st.aud), 200)
    eq([x["id"] for x in audits["items"]], [a["audit"]["id"]], "listed")
    rc, _, err = psql(URL, "UPDATE dp_audits SET findings = 'x' WHERE id = '%s'"
                      % a["audit"]["id"], check_rc=False)
    check(rc != 0, "audits are append-only")
    check("dp_audit.recorded" in events_of(w.dp), "event")
    # refusals
    apath = "/v1/budgets/%s/elements/%s/audits" % (w.budget, w.dp)
    ok = {"period_start": "2026-09-01", "period_end": "2026-09-30", "balance_seen_pence": 0,
          "evidenced_spend_pence": 0, "findings": "Nothing found"}
    for bad, field in ((dict(ok, period_end="2099-01-01"), "period_end"),
                       (dict(ok, balance_seen_pence=-1), "balance_seen_pence"),
                       (dict(ok, findings=""), "findings"),
                       (dict(ok, audited_by="me"), "audited_by")):
        e = expect(call("POST", apath, bad, st.cw), 400, "VALIDATION_FAILED")
        check(field in [x["field"] for x in e["errors"]], "%s: %s" % (field, e["errors"]))
    tp = "/v1/budgets/%s/elements/%s/audits" % (w.budget, w.tp)
    eq(expect(call("POST", tp, ok, st.cw), 422, "RULE_VIOLATION")["rule"], "PAY-20",
       "not a direct payment")
    expect(call("POST", apath, ok, w.fam), 403, "FORBIDDEN")
    expect(call("GET", apath, tok=w.fam), 403, "FORBIDDEN")
    other = Staff(fresh_la())
    expect(call("POST", apath, ok, other.cw), 404, "NOT_FOUND")
    expect(call("GET", pos, tok=other.cw), 404, "NOT_FOUND")
    expect(call("GET", pos, tok=World(staff=st).fam), 404, "NOT_FOUND")


run()
