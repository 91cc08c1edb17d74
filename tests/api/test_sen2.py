"""GET /v1/reports/sen2 (REP-1, issue 17 part 4): the SEN2 return's
personal-budget counts on a census date (docs/reports.md).

Each test builds a council of its own (fresh_la) with children in every
category, records what it made in a plain Python model (plan in force on
the day or not; each element's stream and arrangement, and whether it is
live), and compares the route's counts with the counts the model gives —
computed here, not by the service's SQL."""
import csv
import datetime
import io
import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "lib"))
from pbtest import Daemon, check, eq, expect, migrated_db, psql, run, test, token  # noqa: E402
from world import Staff, bind, call, day, fresh_la, make  # noqa: E402

URL = migrated_db("sen2")
D = Daemon(URL)
bind(D, URL)

TODAY = datetime.date.today()
PERIOD = {"period_start": day(-90), "period_end": day(270)}
STREAMS = ("education", "social_care", "health")


class Council:
    """One council's children, and the model of what each holds."""

    def __init__(self):
        self.s = Staff(fresh_la())
        self.model = []      # [{"plan": bool, "elements": [(stream, arrangement, live)]}]
        self.org = make("/v1/payees", {"kind": "organisation", "name": "Care Co",
                                       "is_local_authority": False}, self.s.fin)["id"]

    def child(self, plan="issued"):
        cw = self.s.cw
        c = {"parent": make("/v1/people", {"given_name": "Pat", "family_name": "P"}, cw)["id"]}
        c["id"] = make("/v1/children", {"given_name": "Kim", "family_name": "C",
                                        "date_of_birth": "2014-05-01"}, cw)["id"]
        make("/v1/children/%s/contacts" % c["id"],
             {"person_id": c["parent"], "relationship": "parent",
              "has_parental_responsibility": True, "lives_with_child": True}, cw)
        body = {"status": plan}
        if plan == "issued":
            body["issued_on"] = day(-400)
        c["plan"] = make("/v1/children/%s/plans" % c["id"], body, cw)["id"]
        c["payee"] = make("/v1/payees", {"kind": "individual", "name": "Pat P",
                                         "person_id": c["parent"],
                                         "is_local_authority": False}, cw)["id"]
        c["model"] = {"plan": plan == "issued", "elements": []}
        self.model.append(c["model"])
        return c

    def element(self, c, stream, arrangement, service_type):
        e = {"stream": stream, "service_type": service_type, "arrangement": arrangement,
             "allocated_pence": 50000}
        if arrangement == "direct_payment":
            e.update(recipient_person_id=c["parent"], payee_id=c["payee"],
                     agreement={"agreed_provision": "Agreed provision",
                                "outcomes": ["An outcome"], "school_premises": False,
                                "signed_on": day(-80)})
        elif arrangement == "third_party":
            e["payee_id"] = self.org
        return e

    def budget(self, c, elements, approve=True, counts=True, period=None):
        """elements: [(stream, arrangement, service_type)]; counts: whether
        the budget is live on the census day (the model's view)."""
        body = {"child_id": c["id"], "plan_id": c["plan"],
                "elements": [self.element(c, *e) for e in elements]}
        body.update(period or PERIOD)
        b = make("/v1/budgets", body, self.s.cw)["id"]
        if approve:
            make("/v1/budgets/%s/approve" % b, {}, self.s.ap, status=200)
        got = expect(call("GET", "/v1/budgets/" + b, tok=self.s.cw), 200)["elements"]
        ids = {}
        for (stream, arr, st), g in zip(elements, got):
            c["model"]["elements"].append([stream, arr, counts])
            ids[st] = g["id"]
        return b, ids

    def cease_plan(self, c, ceased_on):
        _, h, _, _ = D.request("GET", "/v1/plans/" + c["plan"], token=self.s.cw)
        notice = (datetime.date.fromisoformat(ceased_on) - datetime.timedelta(days=70)).isoformat()
        s, _, b, _ = D.request("PATCH", "/v1/plans/" + c["plan"],
                               {"status": "ceased", "ceased_on": ceased_on,
                                "cease_notice_on": notice},
                               token=self.s.cw, headers={"If-Match": h["etag"]})
        eq(s, 200, "plan ceased: %s" % b[:300])

    def report(self, census, tok=None, accept=None):
        hdrs = {"Accept": accept} if accept else None
        return D.request("GET", "/v1/reports/sen2?census_date=" + census,
                         token=tok or self.s.aud, headers=hdrs)


def expected(model):
    """The counts the model gives: a child once per scope, in exactly one of
    direct_payment_only (direct payment or third party), organised_only
    (notional) and both, by its live elements (all, then each stream)."""
    def split(kinds_per_child):
        out = {"direct_payment_only": 0, "organised_only": 0, "both": 0}
        for kinds in kinds_per_child:
            if kinds == {"dp"}:
                out["direct_payment_only"] += 1
            elif kinds == {"org"}:
                out["organised_only"] += 1
            elif kinds == {"dp", "org"}:
                out["both"] += 1
        out["total"] = sum(out.values())
        return out

    def kinds(child, stream=None):
        return {"org" if arr == "notional" else "dp" for s, arr, live in child["elements"]
                if live and (stream is None or s == stream)}
    with_plan = [c for c in model if c["plan"]]
    return {"children_with_ehc_plan": len(with_plan),
            "personal_budgets": split(kinds(c) for c in with_plan),
            "by_element": {s: split(kinds(c, s) for c in with_plan) for s in STREAMS}}


def counts_of(j):
    return {k: j[k] for k in ("children_with_ehc_plan", "personal_budgets", "by_element")}


def build_main():
    """A council with a child in each case the return distinguishes."""
    k = Council()
    # direct payment only; third party only (counted as a direct payment, REP-1)
    k.budget(k.child(), [("social_care", "direct_payment", "short_breaks")])
    k.budget(k.child(), [("education", "third_party", "transport")])
    # organised (notional) only
    k.budget(k.child(), [("health", "notional", "continuing_care")])
    # a mixed budget: counted by its elements (both overall; one kind per stream)
    k.budget(k.child(), [("social_care", "direct_payment", "short_breaks"),
                         ("education", "third_party", "transport"),
                         ("health", "notional", "continuing_care")])
    # both kinds within one stream
    k.budget(k.child(), [("education", "direct_payment", "transport"),
                         ("education", "notional", "transport")])
    # two budgets of one child, one of each kind: still one child, in both
    c = k.child()
    k.budget(c, [("social_care", "third_party", "short_breaks")])
    k.budget(c, [("health", "notional", "continuing_care")])
    # a draft budget does not count; the child is still in the denominator
    k.budget(k.child(), [("social_care", "direct_payment", "short_breaks")], approve=False,
             counts=False)
    # suspended counts; closed (today, so at the end of the census day) does not
    c = k.child()
    b, _ = k.budget(c, [("education", "notional", "transport")])
    make("/v1/budgets/%s/suspend" % b, {"reason": "Under review"}, k.s.ap, status=200)
    c = k.child()
    b, _ = k.budget(c, [("education", "notional", "transport")], counts=False)
    make("/v1/budgets/%s/close" % b, {"reason": "No longer needed"}, k.s.ap, status=200)
    # a budget whose period does not hold the census day
    k.budget(k.child(), [("health", "notional", "continuing_care")], counts=False,
             period={"period_start": day(300), "period_end": day(500)})
    # a direct payment stopped today (PAY-16): not live on the day; its notional
    # element is, so the child is organised only
    c = k.child()
    b, ids = k.budget(c, [("social_care", "direct_payment", "short_breaks"),
                          ("health", "notional", "continuing_care")])
    expect(call("POST", "/v1/budgets/%s/elements/%s/stop" % (b, ids["short_breaks"]),
                {"rule": "PAY-16", "ground": "consent_withdrawn", "reason": "Consent withdrawn"},
                k.s.ap), 201)
    c["model"]["elements"][0][2] = False
    # a plan ceased yesterday: out of the denominator and of the counts
    c = k.child()
    k.budget(c, [("social_care", "direct_payment", "short_breaks")])
    k.cease_plan(c, day(-1))
    c["model"]["plan"] = False
    # a plan that ceases after the census day still counts on it
    c = k.child()
    k.budget(c, [("education", "third_party", "transport")])
    k.cease_plan(c, day(10))
    # a plan not yet issued (assessment agreed): not in the denominator
    k.child(plan="assessment_agreed")
    # a child with an issued plan and no budget: in the denominator only
    k.child()
    return k, c


MAIN, LATE_CEASE = build_main()


@test
def test_counts_match_an_independent_model():
    s, h, b, j = MAIN.report(day(0))
    eq(s, 200, "report: %s" % b[:300])
    eq(h["content-type"], "application/json", "JSON by default")
    eq((j["la"], j["census_date"]), (MAIN.s.la, day(0)), "la and census_date")
    want = expected(MAIN.model)
    eq(counts_of(j), want, "counts")
    # the cases the model is built to show, spelled out
    eq(want["children_with_ehc_plan"], 13, "children with a plan in force")
    eq(want["personal_budgets"], {"direct_payment_only": 3, "organised_only": 3, "both": 3,
                                  "total": 9}, "the whole return")
    eq(want["by_element"]["education"], {"direct_payment_only": 3, "organised_only": 1,
                                         "both": 1, "total": 5}, "education")


@test
def test_census_day_moves_with_the_plan_history():
    # after the later cessation takes effect that child is out of both
    later = day(20)
    s, _, _, j = MAIN.report(later)
    eq(s, 200, "report")
    LATE_CEASE["model"]["plan"] = False
    try:
        eq(counts_of(j), expected(MAIN.model), "20 days on")
    finally:
        LATE_CEASE["model"]["plan"] = True
    # before any plan was issued nothing counts
    s, _, _, j = MAIN.report(day(-500))
    eq((j["children_with_ehc_plan"], j["personal_budgets"]["total"]), (0, 0), "before the plans")


@test
def test_budget_status_is_taken_on_the_census_day():
    """A budget approved 40 days ago (its history backdated: time travel for a
    test) and closed today counted 20 days ago, not today; one approved today
    did not count 20 days ago."""
    k = Council()
    old = k.child()
    b_old, _ = k.budget(old, [("social_care", "direct_payment", "short_breaks")])
    make("/v1/budgets/%s/close" % b_old, {"reason": "Moved away"}, k.s.ap, status=200)
    psql(URL, "UPDATE budget_status_history SET changed_at = changed_at - interval '40 days'"
         " WHERE budget_id = '%s' AND status <> 'closed'" % b_old)
    new = k.child()
    k.budget(new, [("health", "notional", "continuing_care")])
    j = k.report(day(-20))[3]
    eq(j["personal_budgets"], {"direct_payment_only": 1, "organised_only": 0, "both": 0,
                               "total": 1}, "20 days ago: the old budget only")
    j = k.report(day(0))[3]
    eq(j["personal_budgets"], {"direct_payment_only": 0, "organised_only": 1, "both": 0,
                               "total": 1}, "today: the new budget only")
    # the same from the database, by a query written independently of the service's
    _, n, _ = psql(URL, "SELECT count(DISTINCT b.child_id) FROM budgets b WHERE b.la = '%s'"
                   " AND b.status IN ('approved', 'suspended')" % k.s.la)
    eq(int(n), 1, "one budget approved now")


@test
def test_csv_has_one_row_per_stream_and_category():
    s, h, b, _ = MAIN.report(day(0), accept="text/csv")
    eq(s, 200, "CSV")
    check(h["content-type"].startswith("text/csv"), h["content-type"])
    eq(h["content-disposition"], 'attachment; filename="sen2-%s-%s.csv"' % (MAIN.s.la, day(0)),
       "attachment name")
    eq(h.get("vary"), "Accept", "Vary")
    text = b.decode()
    check(text.endswith("\r\n") and "\n" not in text.replace("\r\n", ""), "CRLF line ends")
    rows = list(csv.reader(io.StringIO(text)))
    eq(rows[0], ["la", "census_date", "element", "category", "children"], "header")
    eq(len(rows), 1 + 1 + 4 * 4, "rows")
    want = expected(MAIN.model)
    got = {}
    for la, census, element, category, n in rows[1:]:
        eq((la, census), (MAIN.s.la, day(0)), "la, census_date")
        check(n.isdigit(), "integer count %r" % n)
        got[(element, category)] = int(n)
    exp = {("all", "ehc_plan"): want["children_with_ehc_plan"]}
    for cat, n in want["personal_budgets"].items():
        exp[("all", cat)] = n
    for stream in STREAMS:
        for cat, n in want["by_element"][stream].items():
            exp[(stream, cat)] = n
    eq(got, exp, "CSV counts")
    # a preference for CSV over JSON picks CSV; JSON first picks JSON
    eq(MAIN.report(day(0), accept="text/csv, application/json;q=0.5")[0], 200, "q")
    check(MAIN.report(day(0), accept="application/json, text/csv")[1]["content-type"]
          .startswith("application/json"), "JSON first")
    check(MAIN.report(day(0), accept="*/*")[1]["content-type"].startswith("application/json"),
          "*/* is JSON")


@test
def test_refusals():
    for q in ("", "?census_date=", "?census_date=2027-02-30", "?census_date=21/01/2027",
              "?census_date=2027-01-21T00:00:00Z"):
        s, _, b, j = D.request("GET", "/v1/reports/sen2" + q, token=MAIN.s.aud)
        eq(s, 400, "census_date %r" % q)
        eq(j["errors"][0]["field"], "census_date", "names census_date")
    for accept in ("application/xml", "text/plain", "text/csv;q=0", "image/*"):
        s, _, _, j = MAIN.report(day(0), accept=accept)
        eq((s, j["code"]), (406, "NOT_ACCEPTABLE"), "Accept %s" % accept)
    for tok in (MAIN.s.cw, MAIN.s.fin, MAIN.s.ap, MAIN.s.svc,
                token(["family"], sub="fam-sen2", person_id="00000000-0000-4000-8000-000000000001",
                      la=MAIN.s.la)):
        s, _, _, j = MAIN.report(day(0), tok=tok)
        eq((s, j["code"]), (403, "FORBIDDEN"), "role")
    eq(MAIN.report(day(0), tok=MAIN.s.admin)[0], 200, "admin")
    eq(D.request("POST", "/v1/reports/sen2?census_date=" + day(0), {}, token=MAIN.s.aud)[0],
       405, "read only")
    eq(D.request("GET", "/v1/reports/sen3?census_date=" + day(0), token=MAIN.s.aud)[0], 404,
       "no such report")


@test
def test_a_stopped_direct_payment_counts_up_to_the_last_day_it_covers():
    k = Council()
    c = k.child()
    b, ids = k.budget(c, [("social_care", "direct_payment", "short_breaks")])
    expect(call("POST", "/v1/budgets/%s/elements/%s/stop" % (b, ids["short_breaks"]),
                {"rule": "PAY-16", "ground": "consent_withdrawn", "reason": "Consent withdrawn"},
                k.s.ap), 201)
    # approved last week (time travel); stopped at once: it covered yesterday
    # (stopped_on), not today
    psql(URL, "UPDATE budget_status_history SET changed_at = changed_at - interval '7 days'"
         " WHERE budget_id = '%s'" % b)
    _, _, _, before = k.report(day(-1))
    _, _, _, now = k.report(day(0))
    eq((before["personal_budgets"]["direct_payment_only"],
        now["personal_budgets"]["direct_payment_only"]), (1, 0), "live yesterday, not today")


@test
def test_only_the_tokens_council_is_counted():
    other = Staff(fresh_la())
    s, _, _, j = D.request("GET", "/v1/reports/sen2?census_date=" + day(0), token=other.aud)
    eq(s, 200, "other council")
    eq(j["la"], other.la, "its own la")
    eq((j["children_with_ehc_plan"], j["personal_budgets"]["total"]), (0, 0),
       "none of the first council's children")


run()
