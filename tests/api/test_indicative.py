"""Resource allocation over HTTP against the real daemon and PostgreSQL
(issue 17, part 3): a council's allocation scheme published by an admin as
immutable numbered versions (concurrent publishers get one number each),
indicative budgets worked out under a version for a child with a plan
(BUD-1 points, BUD-11 transport, BUD-12 short breaks, ELIG-1 no plan or a
ceased one), each bad input named, roles, tenancy, the family reading its
own child's, an old result keeping its version, and a budget drafted from an
indicative budget showing the indicative amount beside the allocated one."""
import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "lib"))
from pbtest import Daemon, check, eq, expect, migrated_db, run, test, token  # noqa: E402
import world  # noqa: E402
from world import Staff, call, day, events_of, fresh_la, make, parallel  # noqa: E402

URL = migrated_db("indicative")
D = Daemon(URL, {"PB_BANK_KEY": "1e" * 32})
world.bind(D, URL)

SCHEME = {
    "name": "2026-27 resource allocation",
    "points": {
        "streams": [{"stream": "education", "service_type": "tuition", "pence_per_point": 2500,
                     "min_pence": 50000, "max_pence": 1000000},
                    {"stream": "health", "service_type": "therapy",
                     "pence_per_point": 1000}],
        "needs": [{"need": "communication", "stream": "education", "points": [0, 2, 5, 10]},
                  {"need": "sensory", "stream": "education", "points": [0, 3, 6]},
                  {"need": "medical", "stream": "health", "points": [0, 40, 80]}]},
    "transport": {"pence_per_mile": 45},
    "short_breaks": {"pence_per_hour": 1186, "weekend_uplift_percent": 25,
                     "rate_basis": "net", "on_cost_percent": 12},
}
INPUTS = {"needs": [{"need": "communication", "level": 3}, {"need": "sensory", "level": 2},
                    {"need": "medical", "level": 1}],
          "transport": {"route_tenth_miles": 125, "days_attended": 95},
          "short_breaks": {"weekday_hours": 3, "weekend_hours": 2, "weeks": 38}}
# communication 10 + sensory 6 = 16 points × £25 = £400, raised to £500;
# medical 40 × £10 = £400; transport 12.5 × 4 × 45p × 190 = £4,275, × 95/190 =
# £2,137.50; short breaks £1,352.04 + £1,127.08 + 12 % on-costs £297.49
WANT = {("education", "tuition"): 50000, ("health", "therapy"): 40000,
        ("education", "transport"): 213750, ("social_care", "short_breaks"): 277661}


def publish(st, body=None, status=201, tok=None):
    return expect(call("POST", "/v1/allocation-schemes", body or SCHEME, tok or st.admin), status)


def family(st, plan_status="issued"):
    """A parent with parental responsibility, their child and (unless
    plan_status is None) a plan; returns (child, plan, family token)."""
    parent = make("/v1/people", {"given_name": "Pat", "family_name": "Parent"}, st.cw)["id"]
    child = make("/v1/children", {"given_name": "Kim", "family_name": "Child",
                                  "date_of_birth": "2014-05-01"}, st.cw)["id"]
    make("/v1/children/%s/contacts" % child,
         {"person_id": parent, "relationship": "parent", "has_parental_responsibility": True,
          "lives_with_child": True}, st.cw)
    plan = None
    if plan_status == "issued":
        plan = make("/v1/children/%s/plans" % child,
                    {"status": "issued", "issued_on": "2025-09-01"}, st.cw)["id"]
    elif plan_status == "assessment_agreed":
        plan = make("/v1/children/%s/plans" % child,
                    {"status": "assessment_agreed", "assessment_agreed_on": day(-30)},
                    st.cw)["id"]
    fam = token(["family"], sub="fam-" + parent[:8], person_id=parent, la=st.la)
    return child, plan, fam


def indicative(st, child, body=None, status=201, tok=None, **kw):
    b = dict(body if body is not None else INPUTS, child_id=child)
    b.update(kw)
    return call("POST", "/v1/indicative-budgets", b, tok or st.cw)


def amounts(ind):
    return {(e["stream"], e["service_type"]): e["indicative_pence"] for e in ind["elements"]}


@test
def test_a_scheme_is_published_as_numbered_versions():
    st = Staff(fresh_la())
    v1 = publish(st)
    eq((v1["version"], v1["used"], v1["name"], v1["transport"]),
       (1, False, SCHEME["name"], {"pence_per_mile": 45}), "version 1")
    v2 = publish(st, dict(SCHEME, name="2027-28", transport={"pence_per_mile": 50,
                                                             "school_days": 195}))
    eq(v2["version"], 2, "the next version")
    page = expect(call("GET", "/v1/allocation-schemes", tok=st.cw), 200)
    eq([s["version"] for s in page["items"]], [2, 1], "newest first")
    one = expect(call("GET", "/v1/allocation-schemes?limit=1", tok=st.aud), 200)
    eq([s["version"] for s in one["items"]], [2], "a page of one")
    rest = expect(call("GET", "/v1/allocation-schemes?limit=1&cursor=" + one["next_cursor"],
                       tok=st.aud), 200)
    eq(([s["version"] for s in rest["items"]], rest["next_cursor"]), ([1], None), "the next page")
    only = expect(call("GET", "/v1/allocation-schemes?version=1", tok=st.ap), 200)
    eq([s["id"] for s in only["items"]], [v1["id"]], "by version")
    eq(expect(call("GET", "/v1/allocation-schemes?version=9", tok=st.ap), 200)["items"], [],
       "no such version: an empty list")
    expect(call("GET", "/v1/allocation-schemes?version=0", tok=st.ap), 400, field="version")
    expect(call("GET", "/v1/allocation-schemes?version=x", tok=st.ap), 400, field="version")
    got = expect(call("GET", "/v1/allocation-schemes/" + v2["id"], tok=st.cw), 200)
    eq((got["version"], got["transport"]["school_days"]), (2, 195), "GET by id")
    eq(events_of(v1["id"]), "allocation_scheme.published", "its event")
    audit = expect(call("GET", "/v1/audit?entity_id=" + v1["id"], tok=st.aud), 200)["items"]
    eq([a["action"] for a in audit], ["allocation_scheme.published"], "its audit row")
    eq(audit[0]["changes"]["after"]["version"], 1, "the audit row holds the version")


@test
def test_scheme_validation_names_the_field():
    st = Staff(fresh_la())

    def bad(field, **changes):
        body = {k: v for k, v in SCHEME.items()}
        for k, v in changes.items():
            if v is None:
                body.pop(k, None)
            else:
                body[k] = v
        expect(call("POST", "/v1/allocation-schemes", body, st.admin), 400,
               "VALIDATION_FAILED", field=field)

    bad("name", name=None)
    bad("name", name="x" * 201)
    bad("points", points=None, transport=None, short_breaks=None)
    bad("transport.pence_per_mile", transport={"pence_per_mile": 0})
    bad("transport.pence_per_mile", transport={"pence_per_mile": 201})
    bad("transport.school_days", transport={"pence_per_mile": 45, "school_days": 367})
    bad("transport.journeys", transport={"pence_per_mile": 45, "journeys": 2})
    bad("short_breaks.rate_basis", short_breaks={"pence_per_hour": 1186, "rate_basis": "both"})
    bad("short_breaks.on_cost_percent", short_breaks={"pence_per_hour": 1186,
                                                      "rate_basis": "gross",
                                                      "on_cost_percent": 12})
    bad("short_breaks.pence_per_hour", short_breaks={"pence_per_hour": 100001,
                                                     "rate_basis": "net"})
    pts = SCHEME["points"]
    bad("points.needs[0].stream", points=dict(pts, needs=[{"need": "a", "stream": "housing",
                                                            "points": [0]}]))
    bad("points.needs[0].points[1]", points=dict(pts, needs=[{"need": "a", "stream": "education",
                                                               "points": [0, 1001]}]))
    bad("points.needs[0].points", points=dict(pts, needs=[{"need": "a", "stream": "education",
                                                            "points": list(range(12))}]))
    bad("points.needs[0].need", points=dict(pts, needs=[{"need": "Not Snake", "stream": "health",
                                                          "points": [0]}]))
    bad("points.needs", points=dict(pts, needs=[{"need": "n%d" % i, "stream": "health",
                                                  "points": [0]} for i in range(33)]))
    bad("points.needs[0]", points=dict(pts, needs=[{"need": "a", "stream": "social_care",
                                                     "points": [0, 1]}]))
    bad("points.streams", points=dict(pts, streams=[dict(pts["streams"][0], min_pence=9,
                                                         max_pence=8)]))
    bad("points.streams", points=dict(pts, streams=[dict(pts["streams"][0],
                                                         service_type="transport")]))
    bad("points.streams[0].pence_per_point", points=dict(pts, streams=[
        dict(pts["streams"][0], pence_per_point=0)]))
    bad("id", id="1e2f3a4b-5c6d-4e7f-8a9b-0c1d2e3f4a5b")
    bad("colour", colour="blue")
    eq(expect(call("GET", "/v1/allocation-schemes", tok=st.admin), 200)["items"], [],
       "nothing published")


@test
def test_an_indicative_budget_is_worked_out_line_by_line():
    st = Staff(fresh_la())
    v = publish(st)
    child, plan, fam = family(st)
    ind = expect(indicative(st, child), 201)
    eq((ind["child_id"], ind["plan_id"], ind["scheme_id"], ind["scheme_version"]),
       (child, plan, v["id"], 1), "made under version 1 for the plan")
    eq(amounts(ind), WANT, "each element")
    eq(ind["total_pence"], sum(WANT.values()), "the total")
    eq(ind["inputs"], INPUTS, "the inputs kept")
    tr = next(e for e in ind["elements"] if e["service_type"] == "transport")
    eq([(l["rule"], l["amount_pence"]) for l in tr["lines"]],
       [("BUD-11", 427500), ("BUD-11", 213750)], "transport's lines")
    check("12.5 miles" in tr["lines"][0]["text"], tr["lines"][0]["text"])
    tu = next(e for e in ind["elements"] if e["service_type"] == "tuition")
    eq([l["rule"] for l in tu["lines"]], ["BUD-1"] * 4, "points' lines")
    eq(tu["lines"][-1]["text"], "raised to the stream's minimum: \u00a3500.00", "the clamp")
    sb = next(e for e in ind["elements"] if e["service_type"] == "short_breaks")
    eq([l["amount_pence"] for l in sb["lines"]], [135204, 1483, 112708, 29749, 277661],
       "short breaks' lines")
    got = expect(call("GET", "/v1/indicative-budgets/" + ind["id"], tok=st.ap), 200)
    eq(got, ind, "GET gives the same document")
    lst = expect(call("GET", "/v1/children/%s/indicative-budgets" % child, tok=st.cw), 200)
    eq([x["id"] for x in lst["items"]], [ind["id"]], "the child's list")
    eq(events_of(ind["id"]), "indicative_budget.created", "its event")
    audit = expect(call("GET", "/v1/audit?entity_id=" + ind["id"], tok=st.aud), 200)["items"]
    eq([a["action"] for a in audit], ["indicative_budget.created"], "its audit row")
    eq(expect(call("GET", "/v1/allocation-schemes/" + v["id"], tok=st.cw), 200)["used"], True,
       "the version is used now")
    only = expect(indicative(st, child, {"transport": {"route_tenth_miles": 10}}), 201)
    eq(amounts(only), {("education", "transport"): 34200}, "one part only, the whole year")


@test
def test_ELIG_1_a_plan_in_preparation_is_enough_none_or_ceased_is_not():
    st = Staff(fresh_la())
    publish(st)
    preparing, _, _ = family(st, "assessment_agreed")
    expect(indicative(st, preparing), 201)
    none, _, _ = family(st, None)
    expect(indicative(st, none), 422, "RULE_VIOLATION", rule="ELIG-1")
    ceased, plan, _ = family(st)
    path = "/v1/plans/" + plan
    _, h, _, _ = call("GET", path, tok=st.cw)
    expect(call("PATCH", path, {"status": "ceased", "ceased_on": day(0),
                                "cease_notice_on": day(-70)}, st.cw,
                headers={"If-Match": h.get("etag") or h.get("ETag")}), 200)
    expect(indicative(st, ceased), 422, "RULE_VIOLATION", rule="ELIG-1")
    eq(expect(call("GET", "/v1/children/%s/indicative-budgets" % ceased, tok=st.cw), 200)["items"],
       [], "nothing kept")


@test
def test_BUD_1_11_12_a_part_the_version_lacks_is_refused_under_its_rule():
    st = Staff(fresh_la())
    publish(st, {"name": "transport only", "transport": {"pence_per_mile": 60}})
    child, _, _ = family(st)
    expect(indicative(st, child, {"needs": [{"need": "sensory", "level": 1}]}), 422,
           "RULE_VIOLATION", rule="BUD-1")
    expect(indicative(st, child, {"short_breaks": {"weekday_hours": 1, "weeks": 1}}), 422,
           "RULE_VIOLATION", rule="BUD-12")
    publish(st, {"name": "points only", "points": SCHEME["points"]})
    expect(indicative(st, child, {"transport": {"route_tenth_miles": 10}}), 422,
           "RULE_VIOLATION", rule="BUD-11")
    ok = expect(indicative(st, child, {"transport": {"route_tenth_miles": 10}},
                           scheme_version=1), 201)
    eq(amounts(ok), {("education", "transport"): 45600}, "1.0 × 4 × 60p × 190 under version 1")


@test
def test_bad_inputs_name_the_field():
    st = Staff(fresh_la())
    child, _, _ = family(st)
    expect(indicative(st, child), 400, "VALIDATION_FAILED", field="scheme_version")
    publish(st)

    def bad(field, body, **kw):
        expect(indicative(st, child, body, **kw), 400, "VALIDATION_FAILED", field=field)

    bad("needs", {})
    bad("needs", {"needs": []})
    bad("needs", {"needs": [{"need": "sensory", "level": 0}] * 33})
    bad("needs[0].need", {"needs": [{"need": "hearing", "level": 1}]})
    bad("needs[0].level", {"needs": [{"need": "sensory", "level": 3}]})
    bad("needs[0].level", {"needs": [{"need": "sensory", "level": -1}]})
    bad("needs[1].need", {"needs": [{"need": "sensory", "level": 1},
                                    {"need": "sensory", "level": 2}]})
    bad("needs[0]", {"needs": ["sensory"]})
    bad("needs[0].need", {"needs": [{"need": "x" * 65, "level": 1}]})
    bad("transport.route_tenth_miles", {"transport": {"route_tenth_miles": 0}})
    bad("transport.route_tenth_miles", {"transport": {"route_tenth_miles": 10001}})
    bad("transport.route_tenth_miles", {"transport": {}})
    bad("transport.days_attended", {"transport": {"route_tenth_miles": 10, "days_attended": 191}})
    bad("transport.miles", {"transport": {"route_tenth_miles": 10, "miles": 1}})
    bad("transport", {"transport": 12})
    bad("short_breaks.weeks", {"short_breaks": {"weekday_hours": 1}})
    bad("short_breaks.weeks", {"short_breaks": {"weekday_hours": 1, "weeks": 54}})
    bad("short_breaks.weekday_hours", {"short_breaks": {"weeks": 4}})
    bad("short_breaks.weekend_hours", {"short_breaks": {"weekday_hours": 100,
                                                        "weekend_hours": 100, "weeks": 4}})
    bad("scheme_version", INPUTS, scheme_version=2)
    bad("scheme_version", INPUTS, scheme_version="1")
    bad("child_id", INPUTS, child_id="nope")
    bad("child_id", INPUTS, child_id="1e2f3a4b-5c6d-4e7f-8a9b-0c1d2e3f4a5b")
    bad("total_pence", INPUTS, total_pence=1)
    bad("colour", INPUTS, colour="blue")
    eq(expect(call("GET", "/v1/children/%s/indicative-budgets" % child, tok=st.cw),
              200)["items"], [], "nothing kept")


@test
def test_roles():
    st = Staff(fresh_la())
    v = publish(st)
    child, _, fam = family(st)
    ind = expect(indicative(st, child), 201)
    for tok in (st.cw, st.ap, st.fin, st.aud, st.svc, fam):
        expect(call("POST", "/v1/allocation-schemes", SCHEME, tok), 403, "FORBIDDEN")
    for tok in (st.admin, st.ap, st.fin, st.aud, st.svc, fam):
        expect(indicative(st, child, tok=tok), 403, "FORBIDDEN")
    panel = token(["panel"], sub="panel-" + st.la, la=st.la)
    for tok in (st.cw, st.ap, panel, st.admin, st.aud):
        expect(call("GET", "/v1/indicative-budgets/" + ind["id"], tok=tok), 200)
        expect(call("GET", "/v1/allocation-schemes/" + v["id"], tok=tok), 200)
    for tok in (st.fin, st.svc):
        expect(call("GET", "/v1/indicative-budgets/" + ind["id"], tok=tok), 403, "FORBIDDEN")
        expect(call("GET", "/v1/allocation-schemes", tok=tok), 403, "FORBIDDEN")
    expect(call("GET", "/v1/allocation-schemes", tok=fam), 403, "FORBIDDEN")
    expect(call("GET", "/v1/allocation-schemes/" + v["id"], tok=fam), 403, "FORBIDDEN")


@test
def test_tenancy_another_council_sees_nothing():
    st, other = Staff(fresh_la()), Staff(fresh_la())
    v = publish(st)
    child, _, _ = family(st)
    ind = expect(indicative(st, child), 201)
    expect(call("GET", "/v1/indicative-budgets/" + ind["id"], tok=other.cw), 404, "NOT_FOUND")
    expect(call("GET", "/v1/children/%s/indicative-budgets" % child, tok=other.cw), 404,
           "NOT_FOUND")
    expect(call("GET", "/v1/allocation-schemes/" + v["id"], tok=other.cw), 404, "NOT_FOUND")
    eq(expect(call("GET", "/v1/allocation-schemes", tok=other.cw), 200)["items"], [],
       "its own versions only")
    publish(other)
    expect(indicative(other, child), 400, "VALIDATION_FAILED", field="child_id")
    eq(publish(other)["version"], 2, "each council counts its own versions")


@test
def test_the_family_reads_its_own_childs_and_no_other():
    st = Staff(fresh_la())
    publish(st)
    child, _, fam = family(st)
    other_child, _, other_fam = family(st)
    ind = expect(indicative(st, child), 201)
    eq(expect(call("GET", "/v1/indicative-budgets/" + ind["id"], tok=fam), 200)["id"], ind["id"],
       "its own child's")
    eq([x["id"] for x in expect(call("GET", "/v1/children/%s/indicative-budgets" % child,
                                     tok=fam), 200)["items"]], [ind["id"]], "its list")
    expect(call("GET", "/v1/indicative-budgets/" + ind["id"], tok=other_fam), 404, "NOT_FOUND")
    expect(call("GET", "/v1/children/%s/indicative-budgets" % child, tok=other_fam), 404,
           "NOT_FOUND")
    expect(call("GET", "/v1/children/%s/indicative-budgets" % other_child, tok=fam), 404,
           "NOT_FOUND")


@test
def test_an_old_result_keeps_the_version_it_was_made_with():
    st = Staff(fresh_la())
    v1 = publish(st)
    child, _, _ = family(st)
    old = expect(indicative(st, child), 201)
    v2 = publish(st, dict(SCHEME, name="dearer miles", transport={"pence_per_mile": 60}))
    new = expect(indicative(st, child), 201)
    eq((new["scheme_version"], new["scheme_id"]), (2, v2["id"]), "the latest version by default")
    eq(amounts(new)[("education", "transport")], 285000, "£4,275 × 60/45 × 95/190 = £2,850")
    again = expect(call("GET", "/v1/indicative-budgets/" + old["id"], tok=st.cw), 200)
    eq((again["scheme_version"], again["scheme_id"], amounts(again)), (1, v1["id"], WANT),
       "the old result unchanged")
    pinned = expect(indicative(st, child, scheme_version=1), 201)
    eq((pinned["scheme_version"], amounts(pinned)), (1, WANT), "an older version asked for")
    got = expect(call("GET", "/v1/allocation-schemes/" + v1["id"], tok=st.cw), 200)
    eq((got["transport"], got["used"]), ({"pence_per_mile": 45}, True), "version 1 as it was")


def notional_budget(st, child, plan, indicative_id=None, tok=None, status=201):
    body = {"child_id": child, "plan_id": plan, "period_start": "2026-09-01",
            "period_end": "2027-08-31", "elements": [
                {"stream": "education", "service_type": "transport", "arrangement": "notional",
                 "allocated_pence": 200000},
                {"stream": "social_care", "service_type": "short_breaks",
                 "arrangement": "notional", "allocated_pence": 300000},
                {"stream": "health", "service_type": "continuing_care",
                 "arrangement": "notional", "allocated_pence": 10000}]}
    if indicative_id:
        body["indicative_budget_id"] = indicative_id
    return expect(call("POST", "/v1/budgets", body, tok or st.cw), status)


@test
def test_a_budget_shows_the_indicative_amount_beside_the_allocated():
    st = Staff(fresh_la())
    publish(st)
    child, plan, fam = family(st)
    ind = expect(indicative(st, child), 201)
    b = notional_budget(st, child, plan, ind["id"])
    eq(b["indicative_budget_id"], ind["id"], "the budget names it")
    got = {e["service_type"]: (e["allocated_pence"], e["indicative_pence"], e["difference_pence"])
           for e in b["elements"]}
    eq(got, {"transport": (200000, 213750, -13750), "short_breaks": (300000, 277661, 22339),
             "continuing_care": (10000, None, None)}, "allocated, indicative, difference")
    eq((b["indicative_pence"], b["difference_pence"]),
       (ind["total_pence"], 510000 - ind["total_pence"]), "the budget's totals")
    again = expect(call("GET", "/v1/budgets/" + b["id"], tok=fam), 200)
    eq(again["elements"][0]["difference_pence"], -13750, "the family sees it too")
    other_child, other_plan, _ = family(st)
    other = expect(indicative(st, other_child), 201)
    r = notional_budget(st, child, plan, other["id"], status=400)
    check(any(e["field"] == "indicative_budget_id" for e in r["errors"]), r)
    plain = notional_budget(st, other_child, other_plan)
    eq((plain["indicative_budget_id"], plain["indicative_pence"], plain["difference_pence"],
        plain["elements"][0]["indicative_pence"]), (None, None, None, None), "none named")
    _, h, _, _ = call("GET", "/v1/budgets/" + plain["id"], tok=st.cw)
    expect(call("PATCH", "/v1/budgets/" + plain["id"], {"indicative_budget_id": other["id"]},
                st.cw, headers={"If-Match": h.get("etag") or h.get("ETag")}), 400,
           "VALIDATION_FAILED", field="indicative_budget_id")


@test
def test_concurrent_publishers_get_one_version_each():
    st = Staff(fresh_la())
    admins = [token(["admin"], sub="admin%d-%s" % (i, st.la), la=st.la) for i in range(8)]
    got = parallel(8, lambda i: publish(st, dict(SCHEME, name="v by %d" % i), tok=admins[i]))
    eq(sorted(g["version"] for g in got), list(range(1, 9)), "1..8, none twice")
    page = expect(call("GET", "/v1/allocation-schemes", tok=st.cw), 200)["items"]
    eq(sorted(s["version"] for s in page), list(range(1, 9)), "all kept")
    eq(publish(st)["version"], 9, "and the next")


if __name__ == "__main__":
    run()
