"""The panel's queue (GET /v1/budget-requests with the case papers),
per-element panel decisions and what they fund (ELIG-6), and the budgets
list (GET /v1/budgets) — filters, keyset pagination while rows are
inserted, tenancy, roles and bad parameters, against the real daemon."""
import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "lib"))
from pbtest import (Daemon, check, eq, expect, migrated_db, new_id, psql,  # noqa: E402
                    run, test, token)
import world  # noqa: E402
from world import PERIOD, Staff, World, call, events_of, fresh_la, make  # noqa: E402

URL = migrated_db("panel")
D = Daemon(URL, {"PB_BANK_KEY": "1e" * 32})
world.bind(D, URL)

HORSES = {"stream": "social_care", "service_type": "horse_riding", "arrangement": "notional"}
YOGA = {"stream": "social_care", "service_type": "yoga_classes", "arrangement": "notional"}
BREAKS = {"stream": "social_care", "service_type": "short_breaks", "arrangement": "notional"}


def panel(st, n=1):
    return token(["panel"], sub="panel%d-%s" % (n, st.la), la=st.la)


def request(w, *elements, tok=None):
    return make("/v1/budget-requests", {"child_id": w.child, "requester_person_id": w.parent,
                                        "elements": list(elements)}, tok or w.s.cw)


def queue(qs, tok):
    return expect(call("GET", "/v1/budget-requests?" + qs, tok=tok), 200)


def ids(page):
    return [i["id"] for i in page["items"]]


def walk(path, tok, limit, between=None):
    """Every item of a list, page by page; between(n) runs after page n."""
    seen, cursor, n = [], None, 0
    while True:
        sep = "&" if "?" in path else "?"
        q = path + sep + "limit=%d" % limit + ("&cursor=" + cursor if cursor else "")
        page = expect(call("GET", q, tok=tok), 200)
        check(len(page["items"]) <= limit, "page size")
        seen += ids(page)
        cursor = page["next_cursor"]
        n += 1
        if between:
            between(n)
        if cursor is None:
            return seen


def decide(req, body, tok, status=200, **kw):
    return expect(call("POST", "/v1/budget-requests/%s/decision" % req, body, tok), status, **kw)


def per_element(*pairs, reason="Panel of 3 March"):
    els = []
    for el, verdict, *cond in pairs:
        d = {"stream": el["stream"], "service_type": el["service_type"], "decision": verdict}
        if cond:
            d["conditions"] = cond[0]
        els.append(d)
    return {"reason": reason, "elements": els}


def funding(w, req, *services):
    body = {"child_id": w.child, "plan_id": w.plan, "request_id": req, "elements": [
        {"stream": "social_care", "service_type": s, "arrangement": "notional",
         "allocated_pence": 20000} for s in services]}
    body.update(PERIOD)
    return call("POST", "/v1/budgets", body, w.s.cw)


# ---- the queue ---------------------------------------------------------------------

@test
def test_queue_carries_the_case_papers_and_filters():
    st = Staff(fresh_la())
    w = World(st)
    psql(URL, "UPDATE plans SET next_review_due = '2026-11-01' WHERE id = '%s'" % w.plan)
    r1, r2 = request(w, HORSES), request(w, YOGA, BREAKS)
    ok = request(w, BREAKS)
    eq((r1["status"], r2["status"], ok["status"]), ("panel_referral",) * 2 + ("eligible",),
       "statuses")
    page = queue("status=panel_referral", panel(st))
    eq(ids(page), [r1["id"], r2["id"]], "referrals, oldest first")
    eq(page["next_cursor"], None, "one page")
    item = page["items"][1]
    eq(item["child"], {"id": w.child, "given_name": "Kim", "family_name": "Child",
                       "date_of_birth": "2014-05-01"}, "the child")
    eq((item["plan"]["id"], item["plan"]["status"], item["plan"]["issued_on"],
        item["plan"]["next_review_due"], item["plan"]["ceased_on"]),
       (w.plan, "issued", "2025-09-01", "2026-11-01", None), "the plan")
    reasons = {e["service_type"]: [r["code"] for r in e["reasons"]]
               for e in item["eligibility"]["elements"]}
    eq(reasons["yoga_classes"], ["NOT_IN_OFFER"], "the check's reason per element")
    check(all(r["rule"] for e in item["eligibility"]["elements"] for r in e["reasons"]),
          "every reason names its rule")
    eq([e["panel_decision"] for e in item["elements"]], [None, None], "undecided")
    eq(ids(queue("status=eligible", st.cw)), [ok["id"]], "eligible only")
    eq(ids(queue("status=panel_referral,eligible&child_id=" + w.child, st.aud)),
       [r1["id"], r2["id"], ok["id"]], "two statuses, one child")
    eq(ids(queue("child_id=" + new_id(), panel(st))), [], "another child: none")
    decide(r1["id"], {"decision": "decline", "reason": "Not a SEN need"}, panel(st))
    expect(call("POST", "/v1/budget-requests/%s/review" % r1["id"],
                {"reason": "New evidence"}, w.fam), 200)
    eq(ids(queue("status=panel_referral,review_requested", panel(st))), [r1["id"], r2["id"]],
       "the panel's morning: referrals and reviews")


@test
def test_queue_pages_have_no_repeats_and_no_gaps_while_rows_arrive():
    st = Staff(fresh_la())
    w = World(st)
    made = [request(w, HORSES)["id"] for _ in range(5)]

    def more(n):
        if n <= 2:
            made.append(request(w, YOGA)["id"])
    seen = walk("/v1/budget-requests?status=panel_referral", panel(st), 2, more)
    eq(seen, made, "every request once, in order, the late ones at the end")
    check(len(set(seen)) == len(seen) == 7, "no repeats")


@test
def test_queue_tenancy_family_and_bad_parameters():
    st, other = Staff(fresh_la()), Staff(fresh_la())
    w, v = World(st), World(st)
    mine, theirs = request(w, HORSES), request(v, HORSES)
    eq(ids(queue("", panel(other))), [], "another council sees none")
    eq(ids(queue("child_id=" + w.child, panel(other))), [], "not even by child id")
    eq(ids(queue("", w.fam)), [mine["id"]], "a family sees its own child's requests")
    eq(ids(queue("child_id=" + v.child, w.fam)), [], "and no one else's")
    check(theirs["id"] in ids(queue("", st.fin)), "staff readers see the council's")
    for qs, field in (("status=bogus", "status"), ("status=panel_referral,", "status"),
                      ("child_id=abc", "child_id"), ("limit=0", "limit"),
                      ("limit=201", "limit"), ("cursor=nope", "cursor")):
        expect(call("GET", "/v1/budget-requests?" + qs, tok=panel(st)), 400,
               code="VALIDATION_FAILED", field=field)
    s = D.request("GET", "/v1/budget-requests")[0]
    eq(s, 401, "no token")


# ---- per-element decisions -------------------------------------------------------------

@test
def test_per_element_decision_partly_approves_and_funds_only_what_was_approved():
    st = Staff(fresh_la())
    w = World(st)
    r = request(w, HORSES, YOGA)
    got = decide(r["id"], per_element((HORSES, "approve", "Reviewed after 6 months"),
                                      (YOGA, "decline")), panel(st))
    eq(got["status"], "approved", "partly approved is approved")
    eq(got["decision"]["decision"], "approve", "whole-request decision derived")
    pd = {e["service_type"]: e["panel_decision"] for e in got["elements"]}
    eq((pd["horse_riding"]["decision"], pd["horse_riding"]["conditions"],
        pd["horse_riding"]["decided_by"]), ("approve", "Reviewed after 6 months",
                                            "panel1-" + st.la), "approved with conditions")
    eq((pd["yoga_classes"]["decision"], pd["yoga_classes"]["conditions"]), ("decline", None),
       "declined")
    eq(expect(call("GET", "/v1/budget-requests/" + r["id"], tok=st.cw), 200)["elements"],
       got["elements"], "shown on the request")
    # the family sees each decision and its conditions, not who on the panel decided
    fam = expect(call("GET", "/v1/budget-requests/" + r["id"], tok=w.fam), 200)["elements"]
    eq([(e["panel_decision"]["decision"], e["panel_decision"]["conditions"],
         e["panel_decision"]["decided_by"]) for e in fam],
       [("approve", "Reviewed after 6 months", None), ("decline", None, None)],
       "the family's view: decisions without staff identities")
    _, n, _ = psql(URL, "SELECT count(*) FROM budget_request_element_decisions"
                   " WHERE request_id = '%s'" % r["id"])
    eq(n, "2", "two rows")
    _, a, _ = psql(URL, "SELECT changes::text FROM audit_log WHERE entity_id = '%s'"
                   " AND action = 'budget_request.decided'" % r["id"])
    check('"before"' in a and "yoga_classes" in a and '"decline"' in a, "audit before/after")
    check("budget_request.decided" in events_of(r["id"]), "event")
    # ELIG-6: the declined service cannot be funded from this request
    expect(funding(w, r["id"], "yoga_classes"), 422, code="RULE_VIOLATION", rule="ELIG-6")
    expect(funding(w, r["id"], "horse_riding", "yoga_classes"), 422, rule="ELIG-6")
    b = expect(funding(w, r["id"], "horse_riding"), 201)
    eq(b["request_id"], r["id"], "the approved one is")
    # and a second decision is an illegal move
    decide(r["id"], per_element((HORSES, "approve"), (YOGA, "approve")), panel(st), 409,
           code="INVALID_TRANSITION")


@test
def test_all_declined_then_reviewed_and_overturned():
    st = Staff(fresh_la())
    w = World(st)
    r = request(w, HORSES, YOGA)
    got = decide(r["id"], per_element((HORSES, "decline"), (YOGA, "decline")), panel(st))
    eq(got["status"], "declined", "all declined")
    expect(funding(w, r["id"], "horse_riding"), 422, rule="ELIG-6")
    expect(call("POST", "/v1/budget-requests/%s/review" % r["id"],
                {"reason": "The panel missed the OT report"}, w.fam), 200)
    decide(r["id"], {"decision": "overturn", "reason": "x"}, panel(st), 403,
           code="SEPARATION_OF_DUTIES")
    got = decide(r["id"], {"decision": "overturn", "reason": "OT report read"}, panel(st, 2))
    eq(got["status"], "overturned", "overturned")
    expect(funding(w, r["id"], "horse_riding", "yoga_classes"), 201)


@test
def test_per_element_decision_refusals():
    st = Staff(fresh_la())
    w = World(st)
    r = request(w, HORSES, YOGA)
    p = panel(st)
    for body, field in (
            (per_element((HORSES, "approve")), "elements"),
            (per_element((HORSES, "approve"), (BREAKS, "approve")), "elements[1]"),
            (per_element((HORSES, "approve"), (HORSES, "decline")), "elements[1]"),
            (per_element((HORSES, "decline", "only if"), (YOGA, "decline")),
             "elements[0].conditions"),
            (dict(per_element((HORSES, "decline"), (YOGA, "decline")), decision="approve"),
             "decision"),
            ({"reason": "x", "elements": []}, "elements"),
            ({"elements": per_element((HORSES, "decline"), (YOGA, "decline"))["elements"]},
             "reason"),
            (per_element((dict(HORSES, stream="leisure"), "approve"), (YOGA, "approve")),
             "elements[0].stream"),
            (per_element((HORSES, "maybe"), (YOGA, "approve")), "elements[0].decision")):
        decide(r["id"], body, p, 400, code="VALIDATION_FAILED", field=field)
    good = per_element((HORSES, "approve"), (YOGA, "decline"))
    decide(r["id"], good, st.cw, 403)
    decide(r["id"], good, panel(Staff(fresh_la())), 404)
    expect(call("POST", "/v1/budget-requests/%s/decision" % r["id"], good, p,
                headers={"If-Match": '"9"'}), 412, code="PRECONDITION_FAILED")
    _, n, _ = psql(URL, "SELECT count(*) FROM budget_request_element_decisions"
                   " WHERE request_id = '%s'" % r["id"])
    eq(n, "0", "nothing stored by a refusal")
    ok = request(w, BREAKS)
    decide(ok["id"], per_element((BREAKS, "approve")), p, 409, code="INVALID_TRANSITION")
    # the database guards: only an element of a referred request, never changed
    rc, _, err = psql(URL, "INSERT INTO budget_request_element_decisions (la, request_id,"
                      " stream, service_type, decision, decided_by) VALUES ('%s', '%s',"
                      " 'social_care', 'short_breaks', 'approve', 'x')" % (st.la, ok["id"]),
                      check_rc=False)
    check(rc != 0 and "referred request" in err, "guard: " + err)
    rc, _, err = psql(URL, "INSERT INTO budget_request_element_decisions (la, request_id,"
                      " stream, service_type, decision, decided_by) VALUES ('%s', '%s',"
                      " 'social_care', 'other_thing', 'approve', 'x')" % (st.la, r["id"]),
                      check_rc=False)
    check(rc != 0, "guard: not an element of the request")
    decide(r["id"], good, p, 200)
    rc, _, _ = psql(URL, "UPDATE budget_request_element_decisions SET decision = 'approve'"
                    " WHERE request_id = '%s'" % r["id"], check_rc=False)
    check(rc != 0, "decisions are immutable")
    # the whole-request form still works
    r2 = request(w, HORSES)
    eq(decide(r2["id"], {"decision": "approve", "reason": "Whole"}, p)["status"], "approved",
       "whole-request approve")


# ---- budgets list -------------------------------------------------------------------

def budgets(qs, tok):
    return expect(call("GET", "/v1/budgets?" + qs, tok=tok), 200)


@test
def test_budgets_list_filters():
    st = Staff(fresh_la())
    w, v = World(st), World(st, approve=False)
    psql(URL, "UPDATE plans SET next_review_due = '2026-10-01' WHERE id = '%s'" % w.plan)
    eq(ids(budgets("", st.cw)), [w.budget, v.budget], "all, oldest first")
    eq(ids(budgets("status=approved", st.aud)), [w.budget], "status")
    eq(ids(budgets("status=draft", st.aud)), [v.budget], "draft")
    eq(ids(budgets("child_id=" + v.child, st.fin)), [v.budget], "child")
    eq(ids(budgets("arrangement=mixed", st.cw)), [w.budget, v.budget], "mixed")
    eq(ids(budgets("arrangement=notional", st.cw)), [], "no notional-only budget")
    eq(ids(budgets("review_due_before=2026-10-01", st.cw)), [w.budget], "review due (on the day)")
    eq(ids(budgets("review_due_before=2026-09-30", st.cw)), [], "not yet due")
    eq(ids(budgets("period_active_on=2026-09-01", st.cw)), [w.budget, v.budget], "first day")
    eq(ids(budgets("period_active_on=2027-08-31&status=approved", st.cw)), [w.budget],
       "last day, combined")
    eq(ids(budgets("period_active_on=2027-09-01", st.cw)), [], "after the period")
    item = budgets("status=approved", st.cw)["items"][0]
    eq((item["child_id"], item["status"], len(item["elements"])), (w.child, "approved", 3),
       "the budget as GET shows it")


@test
def test_budgets_list_tenancy_family_pages_and_bad_parameters():
    st, other = Staff(fresh_la()), Staff(fresh_la())
    ws = [World(st), World(st)]
    eq(ids(budgets("", other.cw)), [], "another council sees none")
    eq(ids(budgets("child_id=" + ws[0].child, other.cw)), [], "not even by child")
    eq(ids(budgets("", ws[0].fam)), [ws[0].budget], "a family: its own child's")
    made = [w.budget for w in ws]

    def more(n):
        if n == 1:
            made.append(World(st).budget)
    eq(walk("/v1/budgets", st.cw, 1, more), made, "no repeats, no gaps while inserting")
    for qs, field in (("status=live", "status"), ("arrangement=cash", "arrangement"),
                      ("child_id=42", "child_id"), ("review_due_before=2026-13-01",
                                                    "review_due_before"),
                      ("period_active_on=tomorrow", "period_active_on"),
                      ("limit=x", "limit"), ("cursor=1", "cursor")):
        expect(call("GET", "/v1/budgets?" + qs, tok=st.cw), 400, code="VALIDATION_FAILED",
               field=field)


run()
