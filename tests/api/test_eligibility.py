"""Eligibility service over HTTP: the offer, the rule catalogue, eligibility
checks, budget requests and their lifecycle (domain.md §4), roles,
ownership, validation, audit and events — against the real daemon and
PostgreSQL."""
import datetime
import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "lib"))
from pbtest import (Daemon, LA, OTHER_LA, check, eq, migrated_db, new_id,  # noqa: E402
                    psql, run, test, token)

DB = migrated_db("eligibility")
D = Daemon(DB)
TODAY = datetime.datetime.now(datetime.timezone.utc).date()  # the server uses UTC
OFFER_LA = "E06000001"   # a council of its own for offer changes

CW = token(["caseworker"], sub="cw-1")
PANEL = token(["panel"], sub="panel-1")
PANEL2 = token(["panel"], sub="panel-2")   # a review is decided by another member
ADMIN = token(["admin"], sub="admin-1")
FINANCE = token(["finance"], sub="fin-1")
AUDITOR = token(["auditor"], sub="aud-1")
SERVICE = token(["service"], sub="svc-1")
OTHER_CW = token(["caseworker"], sub="cw-other", la=OTHER_LA)

EDU_DP = {"stream": "education", "service_type": "transport", "arrangement": "direct_payment"}
SC_DP = {"stream": "social_care", "service_type": "short_breaks", "arrangement": "direct_payment"}
HORSES = {"stream": "social_care", "service_type": "horse_riding", "arrangement": "notional"}


# --- fixtures ------------------------------------------------------------------

def post(path, body, tok, want=None, headers=None):
    s, h, b, j = D.request("POST", path, body, token=tok, headers=headers)
    if want is not None:
        eq(s, want, "POST %s: %s" % (path, b[:400]))
    return s, h, j


def get(path, tok, want=200):
    s, h, b, j = D.request("GET", path, token=tok)
    if want is not None:
        eq(s, want, "GET %s: %s" % (path, b[:400]))
    return j


def person(tok=CW):
    return post("/v1/people", {"given_name": "Pat", "family_name": "Doe"}, tok, 201)[2]["id"]


def child(dob="2015-03-14", tok=CW):
    return post("/v1/children", {"given_name": "Kim", "family_name": "Doe",
                                 "date_of_birth": dob}, tok, 201)[2]["id"]


def contact(child_id, person_id, relationship="parent", pr=True, tok=CW, **flags):
    body = {"person_id": person_id, "relationship": relationship,
            "has_parental_responsibility": pr, "lives_with_child": True}
    body.update(flags)
    return post("/v1/children/%s/contacts" % child_id, body, tok, 201)[2]


def plan(child_id, status="assessment_agreed", tok=CW, **dates):
    body = {"status": status}
    body.update(dates)
    return post("/v1/children/%s/plans" % child_id, body, tok, 201)[2]["id"]


def patch_plan(plan_id, body, tok=CW):
    s, h, b, j = D.request("PATCH", "/v1/plans/%s" % plan_id, body, token=tok)
    eq(s, 200, "patch plan: %s" % b[:300])


class Family:
    """A parent with PR, a child aged 11 whose plan is under review (the
    request window is open), and the parent's family token."""

    def __init__(self, plan_status="under_review", dob="2015-03-14", la_token=CW):
        self.person = person(la_token)
        self.child = child(dob, la_token)
        contact(self.child, self.person, tok=la_token)
        if plan_status:
            start = "issued" if plan_status in ("issued", "under_review") else plan_status
            self.plan = plan(self.child, start, tok=la_token)
            if plan_status == "under_review":
                patch_plan(self.plan, {"status": "under_review"}, la_token)
        self.token = token(["family"], sub="fam-" + self.person[:8], person_id=self.person)

    def body(self, *elements, **extra):
        b = {"child_id": self.child, "requester_person_id": self.person,
             "elements": list(elements) or [EDU_DP]}
        b.update(extra)
        return b


def check_(fam, tok=None, want=201, **extra):
    return post("/v1/eligibility/checks", fam.body(**extra) if "elements" in extra
                else fam.body(EDU_DP, **extra), tok or fam.token, want)[2]


def request_(fam, *elements, tok=None, want=201, **extra):
    return post("/v1/budget-requests", fam.body(*elements, **extra), tok or fam.token, want)[2]


def act(req_id, action, body, tok, want=200):
    s, h, b, j = D.request("POST", "/v1/budget-requests/%s/%s" % (req_id, action), body,
                           token=tok)
    eq(s, want, "%s: %s" % (action, b[:400]))
    return j


def problem(s, j, status, code, field=None, field_code=None):
    eq(s, status, "status (%r)" % j)
    eq(j["code"], code, "problem code")
    if field is not None:
        fields = {e["field"]: e["code"] for e in j.get("errors", [])}
        check(field in fields, "field %s not in %r" % (field, fields))
        if field_code is not None:
            eq(fields[field], field_code, "code of field %s" % field)


def audit_actions(entity_id):
    j = get("/v1/audit?entity_id=%s" % entity_id, AUDITOR)
    return [a["action"] for a in j["items"]]


def event_types(entity_id):
    seen, after = [], 0
    while True:
        j = get("/v1/events?after=%d&limit=200" % after, SERVICE)
        if not j["items"]:
            return seen
        for e in j["items"]:
            after = e["seq"]
            if e["entity_id"] == entity_id:
                seen.append(e["type"])


ALL_REASON_RULES = set()


def reasons_of(doc):
    """Every reason of a check (or a request's eligibility), remembered for
    the catalogue test."""
    out = []
    for el in doc["elements"]:
        check(len(el["reasons"]) >= 1, "every element has a reason")
        for r in el["reasons"]:
            ALL_REASON_RULES.add(r["rule"])
            out.append((r["code"], r["rule"]))
    return out


# --- checks -----------------------------------------------------------------------

@test
def test_check_created_stored_and_readable():
    fam = Family()
    s, h, j = post("/v1/eligibility/checks", fam.body(EDU_DP, SC_DP), fam.token, 201)
    eq(h["location"], "/v1/eligibility/checks/" + j["id"], "location")
    eq(j["outcome"], "eligible", "outcome")
    eq(j["as_of"], TODAY.isoformat(), "as_of defaults to today")
    eq(j["child_id"], fam.child, "child")
    eq(j["requester_person_id"], fam.person, "requester")
    eq([e["outcome"] for e in j["elements"]], ["eligible", "eligible"], "per element")
    eq(j["elements"][0]["service_type"], "transport", "element echoed")
    eq([r["rule"] for r in j["elements"][0]["reasons"]], ["ELIG-2", "ELIG-6", "PAY-1"], "reasons")
    eq(j["basis"]["plan_status"], "under_review", "basis")
    eq(j["basis"]["requester_relationship"], "parent", "basis relationship")
    reasons_of(j)
    # the family's answers are its projection: no identity (docs/budgets.md "What a family sees")
    eq(j["created_by"], None, "the family is not shown a sub")
    eq(get(h["location"], fam.token), j, "GET returns the stored check")
    for tok in (CW, PANEL, FINANCE, AUDITOR, ADMIN, SERVICE):
        eq(get(h["location"], tok), dict(j, created_by="fam-" + fam.person[:8]),
           "staff see who asked")
    check("eligibility_check.created" in audit_actions(j["id"]), "audited")
    check("eligibility_check.created" in event_types(j["id"]), "event")


@test
def test_check_is_immutable_in_the_database():
    fam = Family()
    j = check_(fam)
    rc, out, err = psql(DB, "UPDATE eligibility_checks SET outcome = 'ineligible' WHERE id = '%s'"
                        % j["id"], check_rc=False)
    check(rc != 0 and "append-only" in err, "update refused: %s" % err)


@test
def test_ELIG_2_education_outside_window_is_ineligible():
    fam = Family(plan_status="issued")
    j = check_(fam, tok=CW)
    eq(j["outcome"], "ineligible", "outcome")
    eq(reasons_of(j), [("OUTSIDE_REQUEST_WINDOW", "ELIG-2")], "reasons")


@test
def test_ELIG_2_request_outside_window_stored_ineligible_with_reason():
    fam = Family(plan_status="issued")
    r = request_(fam, EDU_DP)
    eq(r["status"], "ineligible", "status")
    el = r["eligibility"]["elements"][0]
    eq(el["reasons"][0]["rule"], "ELIG-2", "rule")
    eq(el["reasons"][0]["code"], "OUTSIDE_REQUEST_WINDOW", "code")
    check(el["reasons"][0]["message"], "a message for the family")
    reasons_of(r["eligibility"])
    # nothing to decide, review or withdraw on an ineligible request
    act(r["id"], "decision", {"decision": "approve", "reason": "x"}, PANEL, 409)
    act(r["id"], "review", {"reason": "please"}, fam.token, 409)
    act(r["id"], "withdraw", {}, fam.token, 409)


@test
def test_ELIG_10_social_care_needs_no_plan():
    fam = Family(plan_status=None)
    j = post("/v1/eligibility/checks", fam.body(EDU_DP, SC_DP), CW, 201)[2]
    eq([e["outcome"] for e in j["elements"]], ["ineligible", "eligible"], "elements")
    eq(j["elements"][0]["reasons"][0]["rule"], "ELIG-1", "no plan")
    eq(j["elements"][1]["reasons"][0]["rule"], "ELIG-10", "no plan needed")
    eq(j["outcome"], "eligible", "overall: the request can go ahead for social care")
    eq(j["basis"]["plan_id"], None, "no plan")
    reasons_of(j)


@test
def test_as_of_in_the_past_uses_historical_plan_status():
    fam = Family(plan_status=None)
    pid = plan(fam.child, "assessment_agreed", assessment_agreed_on="2024-01-10")
    patch_plan(pid, {"status": "issued", "issued_on": "2024-06-01"})
    patch_plan(pid, {"status": "under_review"})

    def at(day):
        return check_(fam, as_of=day)

    j = at("2024-03-01")
    eq(j["as_of"], "2024-03-01", "as_of")
    eq(j["basis"]["plan_status"], "assessment_agreed", "status then")
    eq((j["outcome"], j["elements"][0]["reasons"][0]["code"]), ("eligible", "REQUEST_WINDOW_OPEN"),
       "being prepared: window open")
    j = at("2025-01-01")
    eq(j["basis"]["plan_status"], "issued", "status then")
    eq(reasons_of(j), [("OUTSIDE_REQUEST_WINDOW", "ELIG-2")], "issued: outside the window")
    j = at("2023-12-31")
    eq(j["basis"]["plan_status"], "none", "before any plan")
    eq(reasons_of(j), [("NO_EHC_PLAN", "ELIG-1")], "no plan yet")
    eq(at(TODAY.isoformat())["outcome"], "eligible", "under review today")


@test
def test_ELIG_3_requester_not_a_contact_is_refused():
    fam = Family()
    stranger = person()
    j = post("/v1/eligibility/checks", {"child_id": fam.child, "requester_person_id": stranger,
                                        "elements": [EDU_DP, SC_DP]}, CW, 201)[2]
    eq(j["outcome"], "ineligible", "outcome")
    eq(j["basis"]["requester_relationship"], "none", "relationship")
    for el in j["elements"]:
        eq(el["reasons"][0]["code"], "REQUESTER_NOT_ENTITLED", "ELIG-3 reason")
        eq(el["reasons"][0]["rule"], "ELIG-3", "rule")
    reasons_of(j)


@test
def test_contact_facts_feed_the_rules():
    # a young person over CSA with capacity asks for themselves: fine;
    # a representative may ask (ELIG-3); an excluded parent cannot have a DP (PAY-4)
    fam = Family(dob="2008-01-15")
    yp = person()
    k = contact(fam.child, yp, "young_person", pr=False)
    eq((k["nominated_in_writing"], k["dp_excluded"], k["lacks_capacity"]), (False, False, False),
       "defaults")
    j = post("/v1/eligibility/checks", {"child_id": fam.child, "requester_person_id": yp,
                                        "elements": [SC_DP]}, CW, 201)[2]
    eq(j["outcome"], "eligible", "young person asks: %r" % j)
    eq(j["basis"]["young_person"], True, "past the end of CSA")

    rep = person()
    k = contact(fam.child, rep, "representative", pr=False, nominated_in_writing=True)
    eq((k["relationship"], k["nominated_in_writing"]), ("representative", True), "echoed")
    j = post("/v1/eligibility/checks", {"child_id": fam.child, "requester_person_id": rep,
                                        "elements": [SC_DP]}, CW, 201)[2]
    eq(j["outcome"], "eligible", "representative: %r" % j)

    young = Family()
    excluded = person()
    k = contact(young.child, excluded, "parent", pr=True, dp_excluded=True)
    eq(k["dp_excluded"], True, "echoed")
    j = post("/v1/eligibility/checks", {"child_id": young.child, "requester_person_id": excluded,
                                        "elements": [EDU_DP, dict(EDU_DP, service_type="transport",
                                                                  stream="education",
                                                                  arrangement="notional")]},
             CW, 400)[2]
    eq(j["errors"][0]["code"], "duplicate", "same stream+service twice is refused")
    j = post("/v1/eligibility/checks", {"child_id": young.child, "requester_person_id": excluded,
                                        "elements": [EDU_DP, SC_DP]}, CW, 201)[2]
    eq([e["reasons"][-1]["rule"] for e in j["elements"]], ["PAY-4", "PAY-4"], "PAY-4 reasons")
    eq(j["outcome"], "ineligible", "all DP elements refused")
    reasons_of(j)


@test
def test_contact_flags_validated():
    fam = Family()
    s, h, b, j = D.request("POST", "/v1/children/%s/contacts" % fam.child,
                           {"person_id": person(), "relationship": "parent",
                            "has_parental_responsibility": True, "lives_with_child": True,
                            "dp_excluded": "yes"}, token=CW)
    problem(s, j, 400, "VALIDATION_FAILED", "dp_excluded", "invalid_type")


# --- budget requests: journeys --------------------------------------------------------

@test
def test_family_journey_referral_decline_review_overturn():
    fam = Family()
    r = request_(fam, EDU_DP, HORSES, notes="Riding helps with anxiety.")
    eq(r["status"], "panel_referral", "horse riding is outside the offer (ELIG-6)")
    eq(r["notes"], "Riding helps with anxiety.", "notes")
    eq(r["elements"], [dict(EDU_DP, panel_decision=None), dict(HORSES, panel_decision=None)],
       "elements as requested, undecided")
    eq(r["eligibility"]["elements"][1]["reasons"][0]["code"], "NOT_IN_OFFER", "reason")
    eq(r["decision"], None, "no decision yet")
    reasons_of(r["eligibility"])
    loc = "/v1/budget-requests/" + r["id"]
    eq(get(loc, fam.token)["id"], r["id"], "family reads it")
    eq(get("/v1/eligibility/checks/" + r["eligibility"]["id"], fam.token)["id"],
       r["eligibility"]["id"], "its check is stored too")

    act(r["id"], "review", {"reason": "too soon"}, fam.token, 409)   # nothing declined yet
    d = act(r["id"], "decision", {"decision": "decline", "reason": "Riding is not in the plan."},
            PANEL)
    eq(d["status"], "declined", "declined")
    eq((d["decision"]["decision"], d["decision"]["reason"], d["decision"]["decided_by"]),
       ("decline", "Riding is not in the plan.", "panel-1"), "decision recorded")
    act(r["id"], "decision", {"decision": "approve", "reason": "changed mind"}, PANEL, 409)

    v = act(r["id"], "review", {"reason": "Section F names riding therapy."}, fam.token)
    eq(v["status"], "review_requested", "review requested")
    eq(v["review"]["reason"], "Section F names riding therapy.", "review reason")
    act(r["id"], "review", {"reason": "again"}, fam.token, 409)       # once only
    act(r["id"], "decision", {"decision": "approve", "reason": "x"}, PANEL, 409)  # not a review answer
    # the member who declined cannot decide the review (separation of duties)
    act(r["id"], "decision", {"decision": "overturn", "reason": "x"}, PANEL, 403)
    o = act(r["id"], "decision", {"decision": "overturn", "reason": "Therapy is in section F."},
            PANEL2)
    eq(o["status"], "overturned", "overturned")
    eq(o["review"]["decision"], "overturn", "review decision")
    act(r["id"], "decision", {"decision": "uphold", "reason": "x"}, PANEL, 409)   # terminal
    act(r["id"], "review", {"reason": "a second review"}, fam.token, 409)
    act(r["id"], "withdraw", {}, fam.token, 409)

    eq(audit_actions(r["id"]), ["budget_request.created", "budget_request.decided",
                                "budget_request.review_requested", "budget_request.decided"],
       "audit trail")
    eq(event_types(r["id"]), ["budget_request.created", "budget_request.decided",
                              "budget_request.review_requested", "budget_request.decided"],
       "events")


@test
def test_caseworker_journey_check_request_approve():
    fam = Family()
    c = post("/v1/eligibility/checks", fam.body(HORSES), CW, 201)[2]
    eq(c["outcome"], "panel_referral", "check")
    s, h, r = post("/v1/budget-requests", fam.body(HORSES), CW, 201)
    eq(h["location"], "/v1/budget-requests/" + r["id"], "location")
    eq(h["etag"], '"1"', "etag")
    eq(r["status"], "panel_referral", "referred")
    a = act(r["id"], "decision", {"decision": "approve", "reason": "Meets outcome E2."}, PANEL)
    eq(a["status"], "approved", "approved")
    eq(a["version"], 2, "version bumped")
    act(r["id"], "withdraw", {"reason": "no longer needed"}, CW, 409)   # decided
    act(r["id"], "decision", {"decision": "decline", "reason": "x"}, PANEL, 409)
    eq(get("/v1/budget-requests/" + r["id"], FINANCE)["status"], "approved", "readers see it")


@test
def test_panel_upholds_a_review():
    fam = Family()
    r = request_(fam, HORSES)
    act(r["id"], "decision", {"decision": "decline", "reason": "Not in plan."}, PANEL)
    act(r["id"], "review", {"reason": "Please look again."}, CW)
    u = act(r["id"], "decision", {"decision": "uphold", "reason": "Still not in plan."}, PANEL2)
    eq(u["status"], "upheld", "upheld")
    eq(u["review"]["decision_reason"], "Still not in plan.", "reason")


@test
def test_eligible_request_withdrawn_and_not_panel_approved():
    fam = Family()
    r = request_(fam, EDU_DP)
    eq(r["status"], "eligible", "eligible")
    # eligible → approved happens when a budget references it, not by the panel
    act(r["id"], "decision", {"decision": "approve", "reason": "ok"}, PANEL, 409)
    w = act(r["id"], "withdraw", {}, fam.token)        # no body: reason optional
    eq(w["status"], "withdrawn", "withdrawn")
    eq(w["withdrawal"]["reason"], None, "no reason given")
    act(r["id"], "withdraw", {"reason": "twice"}, fam.token, 409)
    check("budget_request.withdrawn" in event_types(r["id"]), "event")


@test
def test_referred_request_withdrawn_by_caseworker_with_reason():
    fam = Family()
    r = request_(fam, HORSES, tok=CW)
    w = act(r["id"], "withdraw", {"reason": "Family moved away."}, CW)
    eq((w["status"], w["withdrawal"]["reason"], w["withdrawal"]["withdrawn_by"]),
       ("withdrawn", "Family moved away.", "cw-1"), "withdrawal")
    act(r["id"], "decision", {"decision": "approve", "reason": "x"}, PANEL, 409)


@test
def test_if_match_on_actions():
    fam = Family()
    r = request_(fam, HORSES)
    s, h, b, j = D.request("POST", "/v1/budget-requests/%s/decision" % r["id"],
                           {"decision": "approve", "reason": "ok"}, token=PANEL,
                           headers={"If-Match": '"5"'})
    problem(s, j, 412, "PRECONDITION_FAILED")
    s, h, b, j = D.request("POST", "/v1/budget-requests/%s/decision" % r["id"],
                           {"decision": "approve", "reason": "ok"}, token=PANEL,
                           headers={"If-Match": '"1"'})
    eq(s, 200, "matching version")
    eq(h["etag"], '"2"', "new etag")


# --- roles and ownership -------------------------------------------------------------

@test
def test_role_denials():
    fam = Family()
    r = request_(fam, HORSES)
    for tok in (FINANCE, ADMIN, PANEL, AUDITOR, SERVICE, token(["approver"])):
        s, h, b, j = D.request("POST", "/v1/eligibility/checks", fam.body(EDU_DP), token=tok)
        problem(s, j, 403, "FORBIDDEN")
        s, h, b, j = D.request("POST", "/v1/budget-requests", fam.body(EDU_DP), token=tok)
        problem(s, j, 403, "FORBIDDEN")
    for tok in (fam.token, CW, ADMIN, FINANCE):
        s, h, b, j = D.request("POST", "/v1/budget-requests/%s/decision" % r["id"],
                               {"decision": "approve", "reason": "mine"}, token=tok)
        problem(s, j, 403, "FORBIDDEN")
    for tok in (PANEL, FINANCE):
        s, h, b, j = D.request("POST", "/v1/budget-requests/%s/withdraw" % r["id"], {}, token=tok)
        problem(s, j, 403, "FORBIDDEN")
    s, h, b, j = D.request("GET", "/v1/budget-requests/" + r["id"])
    eq(s, 401, "no token")


@test
def test_family_sees_only_its_own_children():
    fam, other = Family(), Family()
    mine = request_(fam, HORSES)
    # another family's child: 404 on create, read, and every action
    s, h, b, j = D.request("POST", "/v1/eligibility/checks",
                           {"child_id": other.child, "requester_person_id": fam.person,
                            "elements": [EDU_DP]}, token=fam.token)
    problem(s, j, 404, "NOT_FOUND")
    s, h, b, j = D.request("POST", "/v1/budget-requests",
                           {"child_id": other.child, "requester_person_id": fam.person,
                            "elements": [EDU_DP]}, token=fam.token)
    problem(s, j, 404, "NOT_FOUND")
    get("/v1/budget-requests/" + mine["id"], other.token, 404)
    get("/v1/eligibility/checks/" + mine["eligibility"]["id"], other.token, 404)
    act(mine["id"], "withdraw", {}, other.token, 404)
    act(mine["id"], "decision", {"decision": "decline", "reason": "x"}, PANEL)
    act(mine["id"], "review", {"reason": "not mine"}, other.token, 404)
    eq(get("/v1/budget-requests/" + mine["id"], fam.token)["status"], "declined", "unchanged")


@test
def test_family_asks_only_as_itself():
    fam = Family()
    partner = person()
    contact(fam.child, partner, "parent")
    s, h, b, j = D.request("POST", "/v1/eligibility/checks",
                           {"child_id": fam.child, "requester_person_id": partner,
                            "elements": [EDU_DP]}, token=fam.token)
    problem(s, j, 403, "FORBIDDEN")


@test
def test_another_council_sees_nothing():
    fam = Family()
    r = request_(fam, HORSES)
    get("/v1/budget-requests/" + r["id"], OTHER_CW, 404)
    get("/v1/eligibility/checks/" + r["eligibility"]["id"], OTHER_CW, 404)
    act(r["id"], "withdraw", {}, OTHER_CW, 404)
    act(r["id"], "decision", {"decision": "approve", "reason": "x"},
        token(["panel"], la=OTHER_LA), 404)
    s, h, b, j = D.request("POST", "/v1/eligibility/checks", fam.body(EDU_DP), token=OTHER_CW)
    problem(s, j, 404, "NOT_FOUND")
    eq(get("/v1/budget-requests/" + r["id"], PANEL)["status"], "panel_referral", "unchanged")


# --- validation ------------------------------------------------------------------------

@test
def test_bad_inputs_are_precise_400s():
    fam = Family()

    def bad(body, field, code, path="/v1/eligibility/checks"):
        s, h, b, j = D.request("POST", path, body, token=CW)
        problem(s, j, 400, "VALIDATION_FAILED", field, code)

    bad(fam.body(dict(EDU_DP, stream="leisure")), "elements[0].stream", "invalid_enum")
    bad(fam.body(dict(EDU_DP, arrangement="cash")), "elements[0].arrangement", "invalid_enum")
    bad(fam.body(dict(EDU_DP, arrangement="mixed")), "elements[0].arrangement", "invalid_enum")
    bad(fam.body(dict(EDU_DP, service_type="Transport")), "elements[0].service_type", "invalid")
    bad(fam.body(dict(EDU_DP, service_type="bus-pass")), "elements[0].service_type", "invalid")
    bad(fam.body(dict(EDU_DP, service_type="")), "elements[0].service_type", "too_short")
    bad(fam.body(dict(EDU_DP, service_type="a" * 65)), "elements[0].service_type", "too_long")
    bad(fam.body(dict(EDU_DP, colour="red")), "elements[0].colour", "unknown_field")
    bad(fam.body(EDU_DP, SC_DP, dict(EDU_DP, arrangement="notional")), "elements[2]", "duplicate")
    nine = [dict(EDU_DP, service_type="s%d" % i) for i in range(9)]
    bad(fam.body(*nine), "elements", "too_long")
    bad(dict(fam.body(), elements=[]), "elements", "too_short")
    bad(dict(fam.body(), elements="transport"), "elements", "invalid_type")
    bad({"child_id": fam.child, "requester_person_id": fam.person}, "elements", "required")
    bad(fam.body(as_of="2024-02-30"), "as_of", "invalid_date")
    bad(fam.body(as_of="22/11/2024"), "as_of", "invalid_date")
    bad(fam.body(as_of=(TODAY + datetime.timedelta(days=1)).isoformat()), "as_of", "invalid")
    bad(fam.body(as_of="2010-01-01"), "as_of", "invalid")        # before the child was born
    bad(fam.body(child_id="not-a-uuid"), "child_id", "invalid_uuid")
    bad(fam.body(requester_person_id=new_id()), "requester_person_id", "not_found")
    bad(fam.body(outcome="eligible"), "outcome", "read_only")
    bad(fam.body(notes="hi"), "notes", "unknown_field")
    bad(fam.body(as_of="2024-01-01"), "as_of", "unknown_field", path="/v1/budget-requests")
    bad(fam.body(notes="x" * 2001), "notes", "too_long", path="/v1/budget-requests")
    bad(fam.body(status="approved"), "status", "read_only", path="/v1/budget-requests")

    s, h, b, j = D.request("POST", "/v1/eligibility/checks", fam.body(child_id=new_id()), token=CW)
    problem(s, j, 404, "NOT_FOUND")
    s, h, b, j = D.request("POST", "/v1/eligibility/checks", raw=b"{}", token=CW,
                           headers={"Content-Type": "text/plain"})
    eq(s, 415, "content type")
    get("/v1/eligibility/checks/" + new_id(), CW, 404)
    get("/v1/eligibility/checks/nope", CW, 404)
    get("/v1/budget-requests/" + new_id(), CW, 404)


@test
def test_unknown_service_type_goes_to_panel_not_400():
    fam = Family()
    j = check_(fam, elements=[{"stream": "health", "service_type": "hydrotherapy_2",
                               "arrangement": "third_party"}])
    eq(j["outcome"], "panel_referral", "ELIG-6")
    eq(reasons_of(j), [("NOT_IN_OFFER", "ELIG-6")], "reason")


@test
def test_action_bodies_validated():
    fam = Family()
    r = request_(fam, HORSES)

    def bad(action, body, tok, field, code):
        s, h, b, j = D.request("POST", "/v1/budget-requests/%s/%s" % (r["id"], action), body,
                               token=tok)
        problem(s, j, 400, "VALIDATION_FAILED", field, code)

    bad("decision", {"decision": "approve"}, PANEL, "reason", "required")
    bad("decision", {"decision": "approve", "reason": ""}, PANEL, "reason", "too_short")
    bad("decision", {"decision": "approve", "reason": "x" * 2001}, PANEL, "reason", "too_long")
    bad("decision", {"decision": "maybe", "reason": "x"}, PANEL, "decision", "invalid_enum")
    bad("decision", {"reason": "x"}, PANEL, "decision", "required")
    bad("decision", {"decision": "approve", "reason": "x", "status": "approved"}, PANEL,
        "status", "read_only")
    bad("review", {}, fam.token, "reason", "required")
    bad("withdraw", {"why": "x"}, fam.token, "why", "unknown_field")
    s, h, b, j = D.request("POST", "/v1/budget-requests/%s/decision" % r["id"], token=PANEL)
    eq(s, 400, "decision needs a body")
    eq(get("/v1/budget-requests/" + r["id"], PANEL)["status"], "panel_referral", "unchanged")


# --- the rule catalogue --------------------------------------------------------------

@test
def test_rule_catalogue():
    j = get("/v1/rules", FINANCE)
    ids = [r["id"] for r in j["items"]]
    eq(len(ids), 54, "every rule of domain.md")
    eq(j["next_cursor"], None, "one page")
    for r in j["items"]:
        check(r["kind"] in ("law", "guidance", "local"), "kind %r" % r)
        check(r["statement"] and r["source"], "text")
        check(isinstance(r["unconfirmed"], bool), "flag")
    eq(get("/v1/rules/ELIG-3", token(["family"], person_id=new_id()))["unconfirmed"], True,
       "ELIG-3 is partly unconfirmed")
    eq(get("/v1/rules/ELIG-6", CW)["kind"], "local", "ELIG-6 is local policy")
    get("/v1/rules/ELIG-99", CW, 404)
    get("/v1/rules/elig-1", CW, 404)


@test
def test_zz_every_reason_rule_resolves():
    # runs last: ALL_REASON_RULES holds every rule the other tests saw
    check(len(ALL_REASON_RULES) >= 6, "enough reasons seen: %r" % ALL_REASON_RULES)
    for rule in sorted(ALL_REASON_RULES):
        eq(get("/v1/rules/" + rule, CW)["id"], rule, "rule resolves")


# --- the offer ------------------------------------------------------------------------

@test
def test_offer_default_holds_for_a_new_council():
    j = get("/v1/offer", token(["family"], la="E07000001", person_id=new_id()))
    eq([(i["service_type"], i["stream"], i["offered"], i["direct_payment_allowed"], i["source"])
        for i in j["items"]],
       [("continuing_care", "health", True, True, "default"),
        ("short_breaks", "social_care", True, True, "default"),
        ("transport", "education", True, True, "default")], "ELIG-7")


@test
def test_offer_change_by_admin_changes_outcomes():
    cw = token(["caseworker"], sub="cw-offer", la=OFFER_LA)
    admin = token(["admin"], sub="admin-offer", la=OFFER_LA)
    fam = Family(la_token=cw)
    body = fam.body(SC_DP)
    eq(post("/v1/eligibility/checks", body, cw, 201)[2]["outcome"], "eligible", "before")

    s, h, b, j = D.request("PUT", "/v1/offer/short_breaks", {"stream": "social_care",
                           "offered": False, "direct_payment_allowed": True}, token=cw)
    problem(s, j, 403, "FORBIDDEN")
    s, h, b, j = D.request("PUT", "/v1/offer/short_breaks", {"stream": "social_care",
                           "offered": False, "direct_payment_allowed": True}, token=admin)
    eq(s, 200, "admin PUT: %s" % b[:300])
    eq((j["source"], j["offered"], j["version"], j["updated_by"]),
       ("local", False, 1, "admin-offer"), "stored")
    eq(h["etag"], '"1"', "etag")

    c = post("/v1/eligibility/checks", body, cw, 201)[2]
    eq(c["outcome"], "panel_referral", "after: not currently offered")
    eq(reasons_of(c), [("NOT_CURRENTLY_OFFERED", "ELIG-6")], "reason")
    r = post("/v1/budget-requests", body, cw, 201)[2]
    eq(r["status"], "panel_referral", "requests follow the offer")

    # direct payments not allowed: a DP is referred, notional follows the normal route
    s, h, b, j = D.request("PUT", "/v1/offer/short_breaks", {"stream": "social_care",
                           "offered": True, "direct_payment_allowed": False}, token=admin,
                           headers={"If-Match": '"1"'})
    eq((s, j["version"]), (200, 2), "second change")
    c = post("/v1/eligibility/checks", fam.body(SC_DP, HORSES), cw, 201)[2]
    eq(c["elements"][0]["reasons"][0]["code"], "DIRECT_PAYMENT_NOT_OFFERED", "DP referred")

    # a new service type added to the offer becomes eligible
    s, h, b, j = D.request("PUT", "/v1/offer/horse_riding", {"stream": "social_care",
                           "offered": True, "direct_payment_allowed": True}, token=admin)
    eq((s, j["version"]), (200, 1), "added")
    c = post("/v1/eligibility/checks", fam.body(HORSES), cw, 201)[2]
    eq(c["outcome"], "eligible", "now in the offer")

    items = {i["service_type"]: i for i in get("/v1/offer", cw)["items"]}
    eq(sorted(items), ["continuing_care", "horse_riding", "short_breaks", "transport"], "merged")
    eq((items["transport"]["source"], items["short_breaks"]["source"]), ("default", "local"), "src")
    # other councils keep the default
    eq([i["offered"] for i in get("/v1/offer", CW)["items"]], [True, True, True], "la isolation")

    audit = get("/v1/audit", token(["auditor"], la=OFFER_LA))["items"]
    offer_rows = [a for a in audit if a["action"] == "offer.updated"]
    eq(len(offer_rows), 3, "each change audited")
    eq(offer_rows[0]["changes"]["before"]["source"], "default", "before = the default")
    eq(offer_rows[0]["changes"]["after"]["offered"], False, "after")


@test
def test_offer_put_validation():
    admin = token(["admin"], la="E07000002")

    def put(path, body, headers=None):
        s, h, b, j = D.request("PUT", path, body, token=admin, headers=headers)
        return s, j

    s, j = put("/v1/offer/Bad-Type", {"stream": "health", "offered": True,
                                      "direct_payment_allowed": True})
    problem(s, j, 400, "VALIDATION_FAILED", "service_type", "invalid")
    s, j = put("/v1/offer/" + "a" * 64, {"stream": "health", "offered": True,
                                          "direct_payment_allowed": True})
    eq(s, 200, "64 characters is allowed")
    s, j = put("/v1/offer/transport", {"stream": "leisure", "offered": True,
                                       "direct_payment_allowed": True})
    problem(s, j, 400, "VALIDATION_FAILED", "stream", "invalid_enum")
    s, j = put("/v1/offer/transport", {"stream": "education", "offered": "yes",
                                       "direct_payment_allowed": True})
    problem(s, j, 400, "VALIDATION_FAILED", "offered", "invalid_type")
    s, j = put("/v1/offer/transport", {"stream": "education", "offered": True})
    problem(s, j, 400, "VALIDATION_FAILED", "direct_payment_allowed", "required")
    s, j = put("/v1/offer/transport", {"stream": "education", "offered": True,
                                       "direct_payment_allowed": True, "version": 3})
    problem(s, j, 400, "VALIDATION_FAILED", "version", "read_only")
    s, j = put("/v1/offer/transport", {"stream": "education", "offered": True,
                                       "direct_payment_allowed": True}, {"If-Match": '"4"'})
    problem(s, j, 412, "PRECONDITION_FAILED")
    s, j = put("/v1/offer/transport", {"stream": "education", "offered": True,
                                       "direct_payment_allowed": True}, {"If-Match": '"0"'})
    eq((s, j["version"]), (200, 1), "If-Match 0 = the untouched default")


run()
