"""Budget variations (BUD-7, BUD-8, BUD-9) over HTTP against the real daemon
and PostgreSQL: an increase applied on approval, a direct payment reduced
only after notice with one reconsideration decided by someone else, ended
and added elements, versions, apply-due, the council's notice setting, each
refusal by rule id or field, roles and tenancy, the database's own guards,
and the races: a decrease against 50 payments, two approvals at once."""
import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "lib"))
from pbtest import Daemon, check, eq, expect, migrated_db, psql, run, test, token  # noqa: E402
import world  # noqa: E402
from world import Staff, World, call, day, events_of, force_due, fresh_la, parallel  # noqa: E402

URL = migrated_db("variations")
D = Daemon(URL, {"PB_BANK_KEY": "1e" * 32})
world.bind(D, URL)


def vpath(w, vid=None, action=None):
    p = "/v1/budgets/%s/variations" % w.budget
    if vid:
        p += "/" + vid
    if action:
        p += "/" + action
    return p


def request_variation(w, status=201, tok=None, **body):
    body.setdefault("reason", "Needs have changed")
    body.setdefault("effective_from", day(0))
    return expect(call("POST", vpath(w), body, tok or w.s.cw), status)


def act(w, vid, action, tok, body=None, status=200, headers=None):
    return call("POST", vpath(w, vid, action), body if body is not None else {}, tok,
                headers=headers)


def versions(w):
    return expect(call("GET", "/v1/budgets/%s/versions" % w.budget, tok=w.s.cw), 200)["items"]


def sql1(q):
    _, out, _ = psql(URL, q)
    return out


def audit_actions(entity_id):
    return sql1("SELECT coalesce(string_agg(action, ',' ORDER BY seq), '') FROM audit_log"
                " WHERE entity_id = '%s'" % entity_id)


# ---- the success paths ------------------------------------------------------------

@test
def test_an_increase_is_applied_on_approval_and_versioned():
    w = World(staff=Staff(fresh_la()))
    v = request_variation(w, changes=[{"element_id": w.tp, "allocated_pence": 150000}],
                          effective_from=day(7))
    eq((v["status"], v["needs_notice"]), ("pending", False), "pending, no notice")
    eq(v["lines"][0]["old_allocated_pence"], 100000, "old amount on the line")
    eq(w.element(w.tp)["allocated_pence"], 100000, "nothing changes while pending")
    expect(act(w, v["id"], "approve", w.s.cw), 403, "FORBIDDEN")
    st, h, _, _ = call("GET", vpath(w, v["id"]), tok=w.s.ap)
    eq((st, h.get("etag")), (200, '"1"'), "ETag of the variation")
    expect(act(w, v["id"], "approve", w.s.ap, headers={"If-Match": '"7"'}), 412,
           "PRECONDITION_FAILED")
    a = expect(act(w, v["id"], "approve", w.s.ap, headers={"If-Match": '"1"'}), 200)
    eq((a["status"], a["takes_effect_on"], a["applied_version"]), ("applied", day(0), 2),
       "an increase takes effect on approval")
    eq(w.element(w.tp)["allocated_pence"], 150000, "the new amount")
    eq(w.get_budget()["allocated_pence"], 350000, "the budget is the sum")
    vs = versions(w)
    eq([(x["version_no"], x["allocated_pence"], x["variation_id"]) for x in vs],
       [(1, 300000, None), (2, 350000, v["id"])], "version 1 at approval, 2 the variation")
    eq(events_of(v["id"]), "budget.variation_requested,budget.variation_approved,"
       "budget.variation_applied", "events")
    eq(audit_actions(v["id"]), "budget.variation_requested,budget.variation_approved,"
       "budget.variation_applied", "audit rows")
    before = sql1("SELECT changes->'before'->>'status' || '>' || (changes->'after'->>'status')"
                  " FROM audit_log WHERE entity_id = '%s' AND action = "
                  "'budget.variation_approved'" % v["id"])
    eq(before, "pending>notice", "the audit row holds old and new")
    check("budget.varied" in events_of(w.budget), "the budget's own event")
    lst = expect(call("GET", vpath(w), tok=w.fam), 200)
    eq([x["id"] for x in lst["items"]], [v["id"]], "the family reads its budget's variations")
    mine = expect(call("GET", "/v1/me/budgets", tok=w.fam), 200)
    fb = [b for b in mine["items"] if b["budget_id"] == w.budget]
    eq([(b["allocated_pence"], sorted(e["allocated_pence"] for e in b["elements"]))
        for b in fb], [(350000, [100000, 100000, 150000])], "the family view's amounts")


@test
def test_a_direct_payment_cut_waits_for_notice_and_one_reconsideration():
    st = Staff(fresh_la())
    w = World(staff=st)
    s = expect(call("GET", "/v1/settings", tok=st.ap), 200)
    eq((s["dp_notice_days"], s["version"]), (28, 0), "default notice")
    expect(call("PATCH", "/v1/settings", {"dp_notice_days": 14}, st.cw), 403, "FORBIDDEN")
    expect(call("PATCH", "/v1/settings", {"dp_notice_days": 366}, st.admin), 400,
           field="dp_notice_days")
    expect(call("PATCH", "/v1/settings", {"dp_notice_days": 14}, st.admin,
                headers={"If-Match": '"3"'}), 412, "PRECONDITION_FAILED")
    s = expect(call("PATCH", "/v1/settings", {"dp_notice_days": 14}, st.admin,
                    headers={"If-Match": '"0"'}), 200)
    eq((s["dp_notice_days"], s["version"]), (14, 1), "the council's notice period")
    v = request_variation(w, changes=[{"element_id": w.dp, "allocated_pence": 60000}],
                          effective_from=day(3), reason="Fewer hours are needed")
    eq(v["needs_notice"], True, "BUD-8: a direct payment reduced")
    a = expect(act(w, v["id"], "approve", st.ap), 200)
    eq((a["status"], a["notice_on"], a["takes_effect_on"]), ("notice", day(0), day(14)),
       "no earlier than notice + 14 days")
    eq(w.element(w.dp)["allocated_pence"], 100000, "unchanged during the notice")
    other = World(staff=st)
    expect(act(w, v["id"], "reconsideration", other.fam, {"reason": "x"}), 404, "NOT_FOUND")
    expect(act(w, v["id"], "reconsideration", w.fam, {}), 400, field="reason")
    r = expect(act(w, v["id"], "reconsideration", w.fam,
                   {"reason": "The hours are still needed"}), 200)
    eq((r["status"], r["reconsideration"]["requested_by"]), ("reconsideration", None),
       "the family asked (its answer names no one)")
    eq(expect(call("GET", vpath(w, v["id"]), tok=st.cw), 200)["reconsideration"]["requested_by"],
       "fam-" + w.parent[:8], "staff see who asked")
    force_due(v["id"])
    due = expect(call("POST", "/v1/budget-variations/apply-due", {}, st.fin), 200)
    eq(due["applied"], [], "not applied while being reconsidered")
    expect(act(w, v["id"], "reconsideration/decision", st.ap,
               {"outcome": "upheld", "reason": "x"}), 403, "SEPARATION_OF_DUTIES")
    expect(act(w, v["id"], "reconsideration/decision", st.ap2,
               {"outcome": "maybe", "reason": "x"}), 400, field="outcome")
    u = expect(act(w, v["id"], "reconsideration/decision", st.ap2,
                   {"outcome": "upheld", "reason": "Attendance fell"}), 200)
    eq((u["status"], u["reconsideration"]["outcome"]), ("applied", "upheld"),
       "upheld after its day: applied at once")
    eq(w.element(w.dp)["allocated_pence"], 60000, "the reduced amount")
    expect(act(w, v["id"], "reconsideration", w.fam, {"reason": "again"}), 409,
           "INVALID_TRANSITION")
    eq(events_of(v["id"]), "budget.variation_requested,budget.variation_approved,"
       "budget.variation_reconsideration_requested,budget.variation_reconsidered,"
       "budget.variation_applied", "events")


@test
def test_one_reconsideration_and_an_overturn_changes_nothing():
    st = Staff(fresh_la())
    w = World(staff=st)
    v = request_variation(w, changes=[{"element_id": w.dp, "allocated_pence": 80000}],
                          effective_from=day(60))
    expect(act(w, v["id"], "approve", st.ap), 200)
    expect(act(w, v["id"], "reconsideration", w.fam, {"reason": "Still needed"}), 200)
    u = expect(act(w, v["id"], "reconsideration/decision", st.ap2,
                   {"outcome": "upheld", "reason": "Review stands"}), 200)
    eq((u["status"], u["takes_effect_on"]), ("notice", day(60)), "upheld: back to notice")
    expect(act(w, v["id"], "reconsideration", w.fam, {"reason": "x"}), 409, "CONFLICT",
           rule="BUD-8")
    w2 = World(staff=st)
    v = request_variation(w2, end_elements=[w2.dp], reason="Direct payment ends")
    expect(act(w2, v["id"], "approve", st.ap), 200)
    expect(act(w2, v["id"], "reconsideration", st.cw, {"reason": "For the family"}), 200)
    o = expect(act(w2, v["id"], "reconsideration/decision", st.ap2,
                   {"outcome": "overturned", "reason": "Support still needed"}), 200)
    eq(o["status"], "withdrawn", "overturned")
    e = w2.element(w2.dp)
    eq((e["status"], e["allocated_pence"]), ("active", 100000), "the direct payment goes on")
    expect(act(w2, v["id"], "reconsideration", w2.fam, {"reason": "x"}), 409,
           "INVALID_TRANSITION")
    nv = request_variation(w2, changes=[{"element_id": w2.nt, "allocated_pence": 90000}])
    expect(act(w2, nv["id"], "approve", st.ap), 200)
    eq(w2.element(w2.nt)["allocated_pence"], 90000, "a notional cut due today: no notice")


@test
def test_an_ended_element_stops_paying_and_an_added_one_joins():
    st = Staff(fresh_la())
    w = World(staff=st)
    soon = w.pay(element=w.tp, payee=w.org, purpose="services", due=day(-1), amount=5000)
    later = w.pay(element=w.tp, payee=w.org, purpose="services", due=day(30), amount=7000)
    v = request_variation(w, end_elements=[w.tp], add_elements=[
        {"stream": "social_care", "service_type": "short_breaks", "arrangement": "notional",
         "allocated_pence": 40000}])
    eq(v["needs_notice"], False, "a third-party element ends without notice")
    expect(act(w, v["id"], "approve", st.ap), 200)
    e = w.element(w.tp)
    eq((e["status"], e["stopped_rule"], e["allocated_pence"], e["committed_pence"]),
       ("stopped", "BUD-8", 5000, 5000), "ended: keeps what it committed before its day")
    eq(expect(call("GET", "/v1/payments/" + later["id"], tok=st.fin), 200)["status"],
       "cancelled", "the payment due after its day is cancelled")
    eq(expect(call("GET", "/v1/payments/" + soon["id"], tok=st.fin), 200)["status"],
       "pending_approval", "the one due before stays")
    expect(w.create(element=w.tp, payee=w.org, purpose="services", due=day(40)), 422,
           rule="BUD-8")
    added = [x for x in w.get_budget()["elements"] if x["arrangement"] == "notional" and
             x["service_type"] == "short_breaks"]
    eq([x["allocated_pence"] for x in added], [40000], "the new element")
    eq(versions(w)[-1]["allocated_pence"], 5000 + 100000 + 100000 + 40000, "version total")
    again = request_variation(w, status=409, changes=[{"element_id": w.tp,
                                                       "allocated_pence": 9000}])
    eq(again["code"], "INVALID_TRANSITION", "a stopped element is not varied")


# ---- stopping a direct payment (PAY-3, PAY-16, PAY-17) ----------------------------------

def stop(w, tok, status=201, element=None, **body):
    body.setdefault("reason", "Written notice given")
    return expect(call("POST", "/v1/budgets/%s/elements/%s/stop" % (w.budget, element or w.dp),
                       body, tok), status)


@test
def test_a_pay16_stop_takes_effect_at_once():
    st = Staff(fresh_la())
    w = World(staff=st)
    before = w.pay(due=day(-1), amount=3000)
    after = w.pay(due=day(20), amount=4000)
    sch = expect(call("POST", "/v1/budgets/%s/schedules" % w.budget, {
        "element_id": w.dp, "payee_id": w.dp_payee, "amount_pence": 1000,
        "frequency": "monthly", "start_date": day(40), "end_date": day(200)}, st.cw), 201)
    expect(call("POST", "/v1/budgets/%s/elements/%s/stop" % (w.budget, w.dp), {
        "rule": "PAY-16", "ground": "consent_withdrawn", "reason": "x"}, st.cw), 403, "FORBIDDEN")
    s = stop(w, st.ap, rule="PAY-16", ground="consent_withdrawn",
             reason="The parent withdrew consent in writing on 1 December")
    eq((s["kind"], s["stop"], s["status"], s["needs_notice"]),
       ("stop", {"rule": "PAY-16", "ground": "consent_withdrawn"}, "applied", False),
       "stopped at once")
    e = w.element(w.dp)
    eq((e["status"], e["stopped_rule"], e["allocated_pence"], e["committed_pence"]),
       ("stopped", "PAY-16", 3000, 3000), "stopped; keeps what was due before today")
    eq(expect(call("GET", "/v1/payments/" + after["id"], tok=st.fin), 200)["status"],
       "cancelled", "the later payment is cancelled")
    eq(expect(call("GET", "/v1/payments/" + before["id"], tok=st.fin), 200)["status"],
       "pending_approval", "the earlier one stays")
    sc = expect(call("GET", "/v1/schedules/" + sch["id"], tok=st.fin), 200)
    eq((sc["status"], sc["next_due"]), ("stopped", None),
       "its schedule, not yet started, is stopped")
    expect(w.create(due=day(30)), 422, "RULE_VIOLATION", rule="PAY-16")
    stop(w, st.ap, 409, rule="PAY-16", ground="no_longer_qualifies")
    # the family keeps the support: a notional element replaces it
    v = request_variation(w, add_elements=[{"stream": "social_care", "service_type":
                                            "short_breaks", "arrangement": "notional",
                                            "allocated_pence": 97000}])
    expect(act(w, v["id"], "approve", st.ap), 200)
    kinds = sorted((x["arrangement"], x["status"]) for x in w.get_budget()["elements"]
                   if x["service_type"] == "short_breaks")
    eq(kinds, [("direct_payment", "stopped"), ("notional", "active")], "replaced by notional")
    check("budget.element_stopped" in events_of(w.budget), "the budget's stop event")


@test
def test_a_pay17_stop_gives_notice_and_allows_one_reconsideration():
    st = Staff(fresh_la())
    w = World(staff=st)
    s = stop(w, st.ap, rule="PAY-17", ground="inefficiency", effective_from=day(5),
             reason="The direct payment costs more than commissioned care")
    eq((s["status"], s["needs_notice"], s["notice_on"], s["takes_effect_on"]),
       ("notice", True, day(0), day(28)), "after the council's notice period")
    eq(w.element(w.dp)["status"], "active", "still paying during the notice")
    w.pay(due=day(10), amount=1000)
    expect(act(w, s["id"], "reconsideration", w.fam, {"reason": "It works for us"}), 200)
    expect(act(w, s["id"], "reconsideration/decision", st.ap,
               {"outcome": "overturned", "reason": "x"}), 403, "SEPARATION_OF_DUTIES")
    o = expect(act(w, s["id"], "reconsideration/decision", st.ap2,
                   {"outcome": "overturned", "reason": "Costs are in line"}), 200)
    eq(o["status"], "withdrawn", "overturned: the direct payment goes on")
    eq(w.element(w.dp)["status"], "active", "active")
    s2 = stop(w, st.ap2, rule="PAY-17", ground="adverse_impact", reason="Adverse impact")
    stop(w, st.ap, 409, rule="PAY-17", ground="inefficiency")
    force_due(s2["id"])
    due = expect(call("POST", "/v1/budget-variations/apply-due", {}, st.svc), 200)
    eq(due["applied"], [s2["id"]], "applied from its day")
    e = w.element(w.dp)
    eq((e["status"], e["stopped_rule"]), ("stopped", "PAY-17"), "stopped under PAY-17")


@test
def test_stop_refusals():
    st = Staff(fresh_la())
    w = World(staff=st)
    path = "/v1/budgets/%s/elements/%s/stop" % (w.budget, w.dp)
    expect(call("POST", path, {"rule": "PAY-16", "ground": "inefficiency", "reason": "r"},
                st.ap), 400, field="ground")
    expect(call("POST", path, {"rule": "PAY-18", "ground": "inefficiency", "reason": "r"},
                st.ap), 400, field="rule")
    expect(call("POST", path, {"rule": "PAY-17", "ground": "boredom", "reason": "r"}, st.ap),
           400, field="ground")
    expect(call("POST", path, {"rule": "PAY-17", "ground": "inefficiency"}, st.ap), 400,
           field="reason")
    expect(call("POST", path, {"rule": "PAY-17", "ground": "inefficiency", "reason": "r",
                               "status": "stopped"}, st.ap), 400, field="status")
    expect(call("POST", path, {"rule": "PAY-17", "ground": "inefficiency", "reason": "r",
                               "effective_from": "2031-01-01"}, st.ap), 400,
           field="effective_from")
    stop(w, st.ap, 409, element=w.tp, rule="PAY-16", ground="no_longer_qualifies")
    stop(w, st.ap, 404, element=w.budget, rule="PAY-16", ground="no_longer_qualifies")
    other = Staff(fresh_la())
    stop(w, other.ap, 404, rule="PAY-16", ground="no_longer_qualifies")
    draft = World(staff=st, approve=False)
    stop(draft, st.ap, 409, rule="PAY-16", ground="no_longer_qualifies")
    # a stop does not wait for a variation in progress
    request_variation(w, changes=[{"element_id": w.tp, "allocated_pence": 120000}])
    stop(w, st.ap, 201, rule="PAY-16", ground="not_used_for_agreed_provision")


# ---- refusals ----------------------------------------------------------------------

@test
def test_refused_with_the_field_or_the_rule():
    st = Staff(fresh_la())
    w = World(staff=st)
    w.pay(element=w.tp, payee=w.org, purpose="services", amount=30000)
    ch = lambda eid, p: {"changes": [{"element_id": eid, "allocated_pence": p}]}  # noqa: E731
    expect(call("POST", vpath(w), dict(reason="r", effective_from=day(0), **ch(w.budget, 1)),
                st.cw), 400, field="changes[0].element_id")
    expect(call("POST", vpath(w), dict(reason="r", effective_from=day(0), **ch(w.tp, 100000)),
                st.cw), 400, field="changes[0].allocated_pence")
    expect(call("POST", vpath(w), dict(reason="r", effective_from=day(0), **ch(w.tp, 20000)),
                st.cw), 422, "RULE_VIOLATION", rule="BUD-9", field="changes[0].allocated_pence")
    expect(call("POST", vpath(w), dict(reason="r", effective_from="2030-01-01",
                                       **ch(w.tp, 50000)), st.cw), 400, field="effective_from")
    expect(call("POST", vpath(w), {"reason": "r", "effective_from": day(0)}, st.cw), 400,
           field="changes")
    expect(call("POST", vpath(w), {"reason": "r", "effective_from": day(0),
                                   "changes": [{"element_id": w.tp, "allocated_pence": 50000}],
                                   "end_elements": [w.tp]}, st.cw), 400,
           field="end_elements[0]")
    expect(call("POST", vpath(w), dict(reason="r", effective_from=day(0), status="applied",
                                       **ch(w.tp, 50000)), st.cw), 400, field="status")
    expect(call("POST", vpath(w), dict(effective_from=day(0), **ch(w.tp, 50000)), st.cw), 400,
           field="reason")
    expect(call("POST", vpath(w), {"reason": "r", "effective_from": day(0), "changes": [
        {"element_id": w.tp, "allocated_pence": 1.5}]}, st.cw), 400,
        field="changes[0].allocated_pence")
    expect(call("POST", vpath(w), {"reason": "r", "effective_from": day(0), "end_elements": [
        "not-a-uuid"]}, st.cw), 400, field="end_elements[0]")
    expect(call("POST", vpath(w), {"reason": "r", "effective_from": day(0), "add_elements": [
        {"stream": "social_care", "service_type": "short_breaks", "arrangement": "notional",
         "allocated_pence": 1000}, {"stream": "x"}]}, st.cw), 400,
        field="add_elements[1].stream")
    expect(call("POST", vpath(w), {"reason": "r", "effective_from": day(0), "add_elements": [
        {"stream": "education", "service_type": "transport", "arrangement": "third_party",
         "allocated_pence": 1000, "payee_id": w.org}]}, st.cw), 400, field="add_elements[0]")
    expect(call("POST", vpath(w), {"reason": "r", "effective_from": day(0), "add_elements": [
        {"stream": "social_care", "service_type": "short_breaks", "arrangement": "third_party",
         "allocated_pence": 1000, "payee_id": w.dp_payee}]}, st.cw), 422, "RULE_VIOLATION")
    expect(call("POST", vpath(w), {"reason": "r", "effective_from": day(0), "add_elements": [
        {"stream": "health", "service_type": "continuing_care", "arrangement": "direct_payment",
         "allocated_pence": 1000, "recipient_person_id": w.parent,
         "payee_id": w.dp_payee}]}, st.cw), 422, "RULE_VIOLATION", rule="BUD-3")
    # roles and tenancy
    expect(call("POST", vpath(w), dict(reason="r", effective_from=day(0), **ch(w.tp, 50000)),
                st.fin), 403, "FORBIDDEN")
    other = Staff(fresh_la())
    expect(call("POST", vpath(w), dict(reason="r", effective_from=day(0), **ch(w.tp, 50000)),
                other.cw), 404, "NOT_FOUND")
    draft = World(staff=st, approve=False)
    expect(call("POST", vpath(draft), dict(reason="r", effective_from=day(0),
                                           **ch(draft.tp, 50000)), st.cw), 409,
           "INVALID_TRANSITION")
    # one in progress at a time; reject needs a reason and a second person
    v = request_variation(w, **ch(w.tp, 60000))
    expect(call("POST", vpath(w), dict(reason="r", effective_from=day(0), **ch(w.nt, 1)),
                st.cw), 409, "CONFLICT")
    expect(act(w, v["id"], "reconsideration", w.fam, {"reason": "x"}), 409,
           "INVALID_TRANSITION")
    expect(act(w, v["id"], "reject", st.ap, {}), 400, field="reason")
    expect(act(w, v["id"], "approve", w.fam), 403, "FORBIDDEN")
    expect(act(w, v["id"], "approve", other.ap), 404, "NOT_FOUND")
    rj = expect(act(w, v["id"], "reject", st.ap, {"reason": "Not justified"}), 200)
    eq((rj["status"], rj["decision_reason"]), ("rejected", "Not justified"), "rejected")
    expect(act(w, v["id"], "approve", st.ap), 409, "INVALID_TRANSITION")
    nn = request_variation(w, **ch(w.tp, 120000))
    expect(act(w, nn["id"], "approve", st.ap), 200)
    expect(act(w, nn["id"], "reconsideration", w.fam, {"reason": "x"}), 409,
           "INVALID_TRANSITION")
    self_approver = token(["caseworker", "approver"], sub="both-" + st.la, la=st.la)
    sv = request_variation(w, tok=self_approver, **ch(w.tp, 130000))
    expect(act(w, sv["id"], "approve", self_approver), 403, "SEPARATION_OF_DUTIES")


# ---- apply-due ---------------------------------------------------------------------

@test
def test_apply_due_applies_when_the_day_comes_or_says_why_not():
    st = Staff(fresh_la())
    w = World(staff=st)
    expect(call("POST", "/v1/budget-variations/apply-due", {}, st.cw), 403, "FORBIDDEN")
    expect(call("POST", "/v1/budget-variations/apply-due", {"as_of": day(0)}, st.fin), 400,
           field="as_of")
    v = request_variation(w, changes=[{"element_id": w.dp, "allocated_pence": 50000}])
    expect(act(w, v["id"], "approve", st.ap), 200)
    # during the notice the direct payment commits more than the new amount
    w.approved(amount=60000)
    force_due(v["id"])
    due = expect(call("POST", "/v1/budget-variations/apply-due", {}, st.svc), 200)
    eq([(x["variation_id"], x["rule"]) for x in due["not_applied"]], [(v["id"], "BUD-9")],
       "not applied: BUD-9")
    eq(expect(call("GET", vpath(w, v["id"]), tok=st.cw), 200)["status"], "notice",
       "still in notice, tried again next run")
    w2 = World(staff=st)
    v2 = request_variation(w2, changes=[{"element_id": w2.dp, "allocated_pence": 70000}])
    expect(act(w2, v2["id"], "approve", st.ap), 200)
    force_due(v2["id"])
    due = expect(call("POST", "/v1/budget-variations/apply-due", {}, st.fin), 200)
    eq(due["applied"], [v2["id"]], "applied from its day")
    eq(w2.element(w2.dp)["allocated_pence"], 70000, "the reduced amount")
    due = expect(call("POST", "/v1/budget-variations/apply-due", {}, st.fin), 200)
    eq(due["applied"], [], "applied once")
    lines = expect(call("GET", "/v1/budgets/%s/statement" % w2.budget, tok=st.cw), 200)
    check(all(x["balance_pence"] <= 70000 + 200000 for x in lines["items"]),
          "the statement runs from the current amounts")


# ---- races -------------------------------------------------------------------------

@test
def test_a_decrease_racing_50_payments_never_overspends():
    st = Staff(fresh_la())
    w = World(staff=st)
    v = request_variation(w, changes=[{"element_id": w.tp, "allocated_pence": 60000}])

    def go(i):
        if i == 25:
            return act(w, v["id"], "approve", st.ap)
        return w.create(element=w.tp, payee=w.org, purpose="services", amount=2000)
    results = parallel(51, go)
    decided = results[25]
    made = sum(1 for i, r in enumerate(results) if i != 25 and r[0] == 201)
    e = w.element(w.tp)
    check(e["committed_pence"] + e["spent_pence"] <= e["allocated_pence"], "never overspent")
    eq(e["committed_pence"], made * 2000, "every created payment is committed")
    if decided[0] == 200:
        eq(e["allocated_pence"], 60000, "the decrease applied")
        check(made <= 30, "at most 60,000 committed (%d payments)" % made)
    else:
        eq((decided[0], decided[3]["rule"]), (422, "BUD-9"), "refused by BUD-9")
        check(made > 30, "refused only because more than 60,000 was committed first")
        eq(e["allocated_pence"], 100000, "unchanged")
    drift = sql1("SELECT count(*) FROM budget_element_totals_drift")
    eq(drift, "0", "the ledger agrees")


@test
def test_two_approvals_at_once_apply_once():
    st = Staff(fresh_la())
    w = World(staff=st)
    v = request_variation(w, changes=[{"element_id": w.nt, "allocated_pence": 130000}])
    results = parallel(2, lambda i: act(w, v["id"], "approve", st.ap if i else st.ap2))
    eq(sorted(r[0] for r in results), [200, 409], "one approval, one INVALID_TRANSITION")
    eq([x["version_no"] for x in versions(w)], [1, 2], "one new version")


@test
def test_two_stops_at_once_make_one():
    st = Staff(fresh_la())
    w = World(staff=st)
    results = parallel(4, lambda i: call(
        "POST", "/v1/budgets/%s/elements/%s/stop" % (w.budget, w.dp),
        {"rule": "PAY-17", "ground": "inefficiency", "reason": "race %d" % i},
        st.ap if i % 2 else st.ap2))
    eq(sorted(r[0] for r in results), [201, 409, 409, 409], "one stop, the others refused")
    n = sql1("SELECT count(*) FROM budget_variations WHERE budget_id = '%s'" % w.budget)
    eq(n, "1", "one stop recorded")


# ---- the database's own guards ---------------------------------------------------------

@test
def test_the_database_keeps_decided_variations_as_decided():
    st = Staff(fresh_la())
    w = World(staff=st)
    v = request_variation(w, changes=[{"element_id": w.nt, "allocated_pence": 110000}])
    rc, _, err = psql(URL, "UPDATE budget_variations SET decided_by = requested_by,"
                      " decided_at = now(), status = 'notice', takes_effect_on = current_date,"
                      " notice_on = current_date WHERE id = '%s'" % v["id"], check_rc=False)
    check(rc != 0 and "check" in err, "the requester cannot decide: %s" % err)
    expect(act(w, v["id"], "approve", st.ap), 200)
    for q in ("UPDATE budget_variations SET reason = 'edited' WHERE id = '%s'",
              "DELETE FROM budget_variations WHERE id = '%s'",
              "UPDATE budget_variation_lines SET new_allocated_pence = 1 WHERE variation_id = '%s'",
              "DELETE FROM budget_versions WHERE variation_id = '%s'"):
        rc, _, err = psql(URL, q % v["id"], check_rc=False)
        check(rc != 0, "refused: %s" % q)
    rc, _, err = psql(URL, "INSERT INTO budget_variations (la, id, budget_id, reason,"
                      " effective_from, needs_notice, requested_by) SELECT la, gen_random_uuid(),"
                      " budget_id, 'a', effective_from, false, 'x' FROM budget_variations"
                      " WHERE id = '%s'; INSERT INTO budget_variations (la, id, budget_id, reason,"
                      " effective_from, needs_notice, requested_by) SELECT la, gen_random_uuid(),"
                      " budget_id, 'b', effective_from, false, 'x' FROM budget_variations"
                      " WHERE id = '%s'" % (v["id"], v["id"]), check_rc=False)
    check(rc != 0 and "budget_variations_one_open" in err, "one in progress: %s" % err)


run()
