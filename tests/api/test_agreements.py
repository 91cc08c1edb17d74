"""The direct-payment agreement's life over HTTP against the real daemon and
PostgreSQL (issue 15, section 6): its derived state from proposed to
stopped, reviews recorded against it and the next review by PAY-13/14/22,
the head teacher's withdrawal (PAY-6) stopping payments for provision on
school premises from its day, each refusal, roles and tenancy; and the
surplus proposed for recovery once a direct payment is stopped."""
import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "lib"))
from pbtest import Daemon, check, eq, expect, migrated_db, psql, run, test  # noqa: E402
import world  # noqa: E402
from world import (Staff, World, call, day, events_of, force_due, fresh_la,  # noqa: E402
                   parallel, settle)

URL = migrated_db("agreements")
D = Daemon(URL, {"PB_BANK_KEY": "1e" * 32})
world.bind(D, URL)


def apath(w, tail=""):
    return "/v1/budgets/%s/elements/%s/agreement%s" % (w.budget, w.dp, tail)


def rpath(w):
    return "/v1/budgets/%s/elements/%s/reviews" % (w.budget, w.dp)


CHECKS = {"still_appropriate": True, "used_effectively": True, "sufficient": True,
          "pay5_conditions_met": True, "compliant": True}


def agreement(w, tok=None):
    return expect(call("GET", apath(w), tok=tok or w.s.cw), 200)


def apply_due(st):
    return expect(call("POST", "/v1/budget-variations/apply-due", {}, st.svc), 200)


@test
def test_the_agreement_moves_from_proposed_to_stopped():
    st = Staff(fresh_la())
    w = World(staff=st, approve=False)
    a = agreement(w)
    eq((a["state"], a["first_payment_on"], a["reviews"]), ("proposed", None, []), "a draft's")
    expect(call("POST", "/v1/budgets/%s/approve" % w.budget, {}, st.ap), 200)
    eq(agreement(w)["state"], "agreed", "signed and approved, nothing paid")
    unsigned = World(staff=st, signed=False)
    eq(agreement(unsigned)["state"], "proposed", "not signed yet (PAY-8)")
    settle(st, w, 10000, due="2026-09-10")
    a = agreement(w, tok=w.fam)
    eq((a["state"], a["first_payment_on"]), ("active", "2026-09-10"), "paid: active")
    # PAY-14: 3 months after the first payment (this plan has no next review set)
    # (an overdue one stays due until a review is recorded)
    want = {"due_date": "2026-12-10", "rule": "PAY-14", "basis": "first_payment",
            "overdue": day(0) > "2026-12-10"}
    eq(a["next_review"], want, "PAY-14: 3 months after the first payment")
    v = expect(call("POST", "/v1/budgets/%s/variations" % w.budget, {
        "reason": "Fewer hours", "effective_from": day(0),
        "changes": [{"element_id": w.dp, "allocated_pence": 80000}]}, st.cw), 201)
    expect(call("POST", "/v1/budgets/%s/variations/%s/approve" % (w.budget, v["id"]), {},
                st.ap), 200)
    eq(agreement(w)["state"], "active", "a cut in notice is not yet a reduction")
    force_due(v["id"])
    eq(apply_due(st)["applied"], [v["id"]], "applied")
    eq(agreement(w)["state"], "reduced", "reduced by a variation")
    s = expect(call("POST", "/v1/budgets/%s/elements/%s/stop" % (w.budget, w.dp), {
        "rule": "PAY-17", "ground": "inefficiency", "reason": "Costs"}, st.ap), 201)
    eq(agreement(w)["state"], "stopping", "a stop in notice")
    force_due(s["id"])
    apply_due(st)
    a = agreement(w)
    eq((a["state"], a["stopped_rule"]), ("stopped", "PAY-17"), "stopped")
    eq(a["next_review"]["due_date"] is not None, True, "the rule still names a date")
    other = Staff(fresh_la())
    expect(call("GET", apath(w), tok=other.cw), 404, "NOT_FOUND")
    expect(call("GET", "/v1/budgets/%s/elements/%s/agreement" % (w.budget, w.tp),
                tok=st.cw), 404, "NOT_FOUND")
    stranger = World(staff=st)
    expect(call("GET", apath(w), tok=stranger.fam), 404, "NOT_FOUND")


@test
def test_reviews_are_recorded_and_move_the_next_one():
    st = Staff(fresh_la())
    w = World(staff=st)
    settle(st, w, 10000, due="2026-09-10")
    body = {"reviewed_on": day(0), "outcome": "continue", "checks": CHECKS,
            "notes": "Provision used as agreed; outcomes on track"}
    expect(call("POST", rpath(w), body, w.fam), 403, "FORBIDDEN")
    expect(call("POST", rpath(w), body, st.fin), 403, "FORBIDDEN")
    expect(call("POST", rpath(w), dict(body, reviewed_on=day(1)), st.cw), 400,
           field="reviewed_on")
    expect(call("POST", rpath(w), dict(body, outcome="fine"), st.cw), 400,
           field="outcome")
    expect(call("POST", rpath(w), {"reviewed_on": day(0), "outcome": "continue",
                                   "checks": CHECKS}, st.cw), 400, field="notes")
    expect(call("POST", rpath(w), {k: v for k, v in body.items() if k != "checks"}, st.cw),
           400, field="checks")
    expect(call("POST", rpath(w), dict(body, checks=dict(CHECKS, sufficient="yes")), st.cw),
           400, field="checks.sufficient")
    expect(call("POST", rpath(w), dict(body, checks=dict(CHECKS, extra=True)), st.cw),
           400, field="checks.extra")
    short = {k: v for k, v in CHECKS.items() if k != "compliant"}
    expect(call("POST", rpath(w), dict(body, checks=short), st.cw), 400,
           field="checks.compliant")
    # PAY-15: it continues unchanged only when every check is met
    unmet = dict(CHECKS, sufficient=False)
    expect(call("POST", rpath(w), dict(body, checks=unmet), st.cw), 422, "RULE_VIOLATION",
           rule="PAY-15", field="checks.sufficient")
    rc, _, _ = psql(URL, "INSERT INTO agreement_reviews (la, id, budget_id, element_id,"
                    " reviewed_on, basis, outcome, notes, recorded_by, still_appropriate,"
                    " used_effectively, sufficient, pay5_conditions_met, compliant)"
                    " SELECT la, gen_random_uuid(), budget_id, id, current_date, 'PAY-14',"
                    " 'continue', 'x', 'x', true, true, false, true, true FROM budget_elements"
                    " WHERE id = '%s'" % w.dp, check_rc=False)
    check(rc != 0, "the database refuses it too")
    expect(call("POST", rpath(w), dict(body, basis="PAY-13"), st.cw), 400,
           field="basis")
    a = expect(call("POST", rpath(w), body, st.cw), 201)
    eq([(r["basis"], r["outcome"], r["reviewed_on"]) for r in a["reviews"]],
       [("PAY-14", "continue", day(0))], "recorded under PAY-14")
    eq((a["next_review"]["due_date"], a["next_review"]["basis"]), (None, "plan_review"),
       "the 3-month review held; no plan review date set")
    a = expect(call("POST", rpath(w), dict(body, requested=True, outcome="reduce",
                                           checks=unmet), st.ap), 201)
    eq([(r["basis"], r["checks"]["sufficient"]) for r in a["reviews"]],
       [("PAY-14", True), ("requested", False)], "at the family's request, a check unmet")
    check("budget.agreement_reviewed" in events_of(w.dp), "event on the element")
    rc, _, _ = psql(URL, "UPDATE agreement_reviews SET notes = 'x' WHERE element_id = '%s'"
                    % w.dp, check_rc=False)
    check(rc != 0, "reviews are append-only")
    draft = World(staff=st, approve=False)
    expect(call("POST", rpath(draft), body, st.cw), 409, "INVALID_TRANSITION")
    due = expect(call("GET", "/v1/reviews/due?before=%s" % day(400), tok=st.cw), 200)
    mine = [i for i in due["items"] if i["element_id"] == draft.dp]
    eq(mine, [], "a draft's agreement is not reviewed")
    check(all(i["rule"] in ("PAY-13", "PAY-14", "PAY-22") for i in due["items"]),
          "each due review names its rule")


def review_queue(tok, limit=200):
    """GET /v1/reviews/due walked page by page: [items]."""
    out, cursor = [], None
    while True:
        q = "/v1/reviews/due?before=%s&limit=%d" % (day(900), limit)
        page = expect(call("GET", q + ("&cursor=" + cursor if cursor else ""), tok=tok), 200)
        out += page["items"]
        cursor = page["next_cursor"]
        if not cursor:
            return out


def queued_for_review(w):
    return next((i for i in review_queue(w.s.cw) if i["element_id"] == w.dp), None)


def plan_review_on(w, d):
    """The plan's next review moves (PLAN-2 allows only 12 months from
    issue, so a test plan's future review is set in the database; the
    trigger sees it as it sees PATCH /v1/plans/{id})."""
    psql(URL, "UPDATE plans SET next_review_due = '%s' WHERE id = '%s'" % (d, w.plan))


def without_triggers(sql):
    """Change a fact behind the queue's back (time travel for a test)."""
    psql(URL, "SET session_replication_role = replica; " + sql)


@test
def test_the_review_queue_follows_every_change_that_moves_a_review():
    st = Staff(fresh_la())
    w = World(staff=st)
    eq(queued_for_review(w), None, "nothing paid and no plan review: none due")
    expect(call("PATCH", "/v1/plans/" + w.plan, {"next_review_due": "2026-08-31"}, st.cw,
                headers={"If-Match": '"1"'}), 200)
    it = queued_for_review(w)
    eq((it["due_date"], it["rule"], it["basis"], it["overdue"]),
       ("2026-08-31", "PAY-14", "plan_review", True), "PATCH of the plan: an overdue review")
    plan_review_on(w, day(30))
    it = queued_for_review(w)
    eq((it["due_date"], it["rule"], it["basis"], it["overdue"]),
       (day(30), "PAY-14", "plan_review", False), "the plan's review moved it")
    settle(st, w, 10000, due="2026-09-10")
    it = queued_for_review(w)
    eq((it["due_date"], it["basis"], it["overdue"]),
       ("2026-12-10", "first_payment", day(0) > "2026-12-10"),
       "the first payment's 3-month review (PAY-14), before the plan's")
    expect(call("POST", rpath(w), {"reviewed_on": day(0), "outcome": "continue",
                                   "checks": CHECKS, "notes": "On track"}, st.cw), 201)
    it = queued_for_review(w)
    eq((it["due_date"], it["basis"]), (day(30), "plan_review"), "reviewed: the plan's next")
    # the child turns 18: social care moves to PAY-22 on the birthday, with no other change
    without_triggers("UPDATE children SET date_of_birth = '2008-01-01' WHERE id = '%s';"
                     " UPDATE review_due SET holds_until = current_date"
                     " WHERE element_id = '%s'" % (w.child, w.dp))
    it = queued_for_review(w)
    last = expect(call("GET", apath(w), tok=st.cw), 200)["reviews"][0]["reviewed_on"]
    eq((it["rule"], it["basis"]), ("PAY-22", "last_review"), "an adult's social care")
    check(it["due_date"] > last and it["due_date"][:4] == str(int(last[:4]) + 1),
          "12 months after the last review")
    eq(len(psql(URL, "SELECT holds_until FROM review_due WHERE element_id = '%s'"
                % w.dp)[1]), 0, "an adult's answer holds until a fact changes")
    other = Staff(fresh_la())
    eq([i for i in review_queue(other.cw) if i["element_id"] == w.dp], [],
       "another council's queue does not show it")
    expect(call("POST", "/v1/budgets/%s/elements/%s/stop" % (w.budget, w.dp), {
        "rule": "PAY-16", "ground": "consent_withdrawn", "reason": "Consent withdrawn"},
        st.ap), 201)
    eq(queued_for_review(w), None, "a stopped direct payment is not reviewed")
    draft = World(staff=st, approve=False)
    eq([i for i in review_queue(st.cw) if i["element_id"] == draft.dp], [], "a draft's: none")
    plan_review_on(draft, day(10))
    expect(call("POST", "/v1/budgets/%s/approve" % draft.budget, {}, st.ap), 200)
    eq([i["due_date"] for i in review_queue(st.cw) if i["element_id"] == draft.dp], [day(10)],
       "approved: listed")


@test
def test_the_review_queue_pages_in_due_order_and_refreshes_once_under_concurrency():
    st = Staff(fresh_la())
    ws = [World(staff=st) for _ in range(6)]
    for n, w in enumerate(ws):
        plan_review_on(w, day(5 + n % 3))
    # eight readers at once find six changes queued: each answers, all alike
    pages = parallel(8, lambda i: review_queue(st.cw))
    ids = [[i["element_id"] for i in p] for p in pages]
    check(all(x == ids[0] for x in ids), "every concurrent reader saw the same queue")
    eq(sorted(ids[0]), sorted(w.dp for w in ws), "each of the council's direct payments")
    _, left, _ = psql(URL, "SELECT count(*) FROM review_due_dirty WHERE la = '%s'" % st.la)
    eq(left, "0", "nothing left queued")
    walked = review_queue(st.cw, limit=2)
    eq([i["element_id"] for i in walked], ids[0], "pages of 2: no repeat, no gap")
    keys = [(i["due_date"], i["element_id"]) for i in walked]
    eq(keys, sorted(keys), "by due date, then element")
    expect(call("GET", "/v1/reviews/due?limit=0", tok=st.cw), 400, "VALIDATION_FAILED")
    expect(call("GET", "/v1/reviews/due?cursor=nope", tok=st.cw), 400, "VALIDATION_FAILED")


@test
def test_the_head_teacher_withdrawal_stops_school_payments_from_its_day():
    st = Staff(fresh_la())
    w = World(staff=st, school=True)
    path = apath(w, "/head-teacher-withdrawal")
    expect(call("POST", path, {"withdrawn_on": day(-10), "reason": "x"}, st.cw), 409,
           "INVALID_TRANSITION", rule="PAY-6")
    expect(call("PATCH", apath(w), {"head_teacher_agreed_on": "2026-09-01"}, st.cw), 200)
    before = w.pay(due=day(-20), amount=1000)
    after = w.pay(due=day(5), amount=2000)
    expect(call("POST", path, {"withdrawn_on": day(-10), "reason": "x"}, w.fam), 403,
           "FORBIDDEN")
    expect(call("POST", path, {"withdrawn_on": "2026-08-01", "reason": "x"}, st.cw), 400,
           field="withdrawn_on")
    expect(call("POST", path, {"withdrawn_on": day(-10)}, st.cw), 400, field="reason")
    expect(call("POST", path, {"withdrawn_on": day(-10), "reason": "x", "state": "y"},
                st.cw), 400, field="state")
    a = expect(call("POST", path, {"withdrawn_on": day(-10),
                                   "reason": "The school will no longer host the sessions"},
                    st.ap), 200)
    eq((a["head_teacher_withdrawn_on"], a["head_teacher_withdrawal_reason"]),
       (day(-10), "The school will no longer host the sessions"), "recorded")
    eq(expect(call("GET", "/v1/payments/" + after["id"], tok=st.fin), 200)["status"],
       "cancelled", "the payment due after it is cancelled")
    eq(expect(call("GET", "/v1/payments/" + before["id"], tok=st.fin), 200)["status"],
       "pending_approval", "the one before stays")
    expect(w.create(due=day(1)), 422, "RULE_VIOLATION", rule="PAY-6")
    expect(w.create(due=day(-15)), 201)
    expect(call("POST", path, {"withdrawn_on": day(-5), "reason": "again"}, st.ap), 409,
           "INVALID_TRANSITION", rule="PAY-6")
    check("budget.head_teacher_agreement_withdrawn" in events_of(w.budget), "event")
    # a new agreement restores it
    expect(call("PATCH", apath(w), {"head_teacher_agreed_on": day(0)}, st.cw), 200)
    eq(agreement(w)["head_teacher_withdrawn_on"], None, "a new agreement ends the withdrawal")
    expect(w.create(due=day(1)), 201)
    plain = World(staff=st)
    expect(call("POST", apath(plain, "/head-teacher-withdrawal"),
                {"withdrawn_on": day(-1), "reason": "x"}, st.cw), 409, "INVALID_TRANSITION")


@test
def test_a_payment_run_never_exports_what_a_stop_or_withdrawal_forbids():
    """Defence in depth: the run's own SQL re-checks PAY-6 and PAY-16/17 on
    each approved payment, even one a stop or withdrawal left behind (made
    here by writing the element directly, as a faulty job could)."""
    st = Staff(fresh_la())
    w = World(staff=st, school=True)
    expect(call("PATCH", apath(w), {"head_teacher_agreed_on": "2026-09-01"}, st.cw), 200)
    p = w.approved(due=day(5), amount=500)
    q = w.approved(due=day(-3), amount=700)
    psql(URL, "UPDATE budget_elements SET head_teacher_withdrawn_on = '%s',"
         " head_teacher_withdrawal_reason = 'x' WHERE id = '%s'" % (day(1), w.dp))
    r = expect(call("POST", "/v1/payment-runs", {"due_on_or_before": day(10)}, st.fin), 201)
    eq(r["payment_count"], 1, "only the payment due before the withdrawal")
    eq(expect(call("GET", "/v1/payments/" + p["id"], tok=st.fin), 200)["status"], "approved",
       "the one after it is left out")
    eq(expect(call("GET", "/v1/payments/" + q["id"], tok=st.fin), 200)["status"], "exported",
       "the one before goes")
    w2 = World(staff=st)
    p2 = w2.approved(due=day(5), amount=500)
    psql(URL, "UPDATE budget_elements SET status = 'stopped', stopped_rule = 'PAY-16',"
         " stopped_on = '%s' WHERE id = '%s'" % (day(0), w2.dp))
    expect(call("POST", "/v1/payment-runs", {"due_on_or_before": day(10)}, st.fin), 201)
    eq(expect(call("GET", "/v1/payments/" + p2["id"], tok=st.fin), 200)["status"], "approved",
       "nothing due after a stop is exported")


@test
def test_a_withdrawal_racing_payments_leaves_none_due_after_it():
    st = Staff(fresh_la())
    w = World(staff=st, school=True)
    expect(call("PATCH", apath(w), {"head_teacher_agreed_on": "2026-09-01"}, st.cw), 200)

    def go(i):
        if i == 10:
            return call("POST", apath(w, "/head-teacher-withdrawal"),
                        {"withdrawn_on": day(-1), "reason": "race"}, st.ap)
        return w.create(due=day(i), amount=100)
    results = parallel(21, go)
    eq(results[10][0], 200, "the withdrawal")
    live = psql(URL, "SELECT count(*) FROM payments WHERE element_id = '%s' AND due_date >= '%s'"
                " AND status IN ('pending_approval', 'approved')" % (w.dp, day(-1)))[1]
    eq(live, "0", "every payment due from the withdrawal is cancelled or was refused")
    refused = [r for i, r in enumerate(results) if i != 10 and r[0] != 201]
    check(all(r[0] == 422 and r[3]["rule"] == "PAY-6" for r in refused), "refusals are PAY-6")


@test
def test_a_stopped_direct_payment_proposes_recovering_what_is_held():
    st = Staff(fresh_la())
    w = World(staff=st, dp_pence=365000)
    settle(st, w, 50000, due="2026-09-10")
    path = "/v1/budgets/%s/surplus" % w.budget
    eq(expect(call("GET", path, tok=st.fin), 200)["items"], [],
       "within 8 weeks of funding while it runs")
    s = expect(call("POST", "/v1/budgets/%s/elements/%s/stop" % (w.budget, w.dp), {
        "rule": "PAY-16", "ground": "not_used_for_agreed_provision",
        "reason": "The review found the money was not used for the agreed provision"},
        st.ap), 201)
    eq(s["status"], "applied", "stopped at once")
    items = expect(call("GET", path, tok=st.fin), 200)["items"]
    eq([(i["element_id"], i["stopped_rule"], i["threshold_pence"], i["proposed_recovery_pence"])
        for i in items], [(w.dp, "PAY-16", 0, 50000)], "all of what is held is proposed")
    d = expect(call("POST", "/v1/budgets/%s/debts" % w.budget, {
        "element_id": w.dp, "amount_pence": 50000,
        "reason": "Unused direct payment after the stop"}, st.fin), 201)
    eq(expect(call("GET", path, tok=st.fin), 200)["items"][0]["proposed_recovery_pence"], 0,
       "once raised as a debt, nothing more is proposed")
    check(d["status"] == "raised", "a debt")


run()
