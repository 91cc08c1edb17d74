"""What a family token may see (issue 18, parts 1 and 2).

A family with a full history — a budget of a direct payment, a third-party
and a notional element; payments created, approved, paid, failed (one to
the family, one to the provider) and cancelled; a schedule; a variation and
its reconsideration; a debt under review; a spend return with a receipt; an
eligibility check and a budget request; an indicative budget — and then
EVERY operation a family token may call, derived from api/routes.c (the
GETs a family token is not refused, plus /v1/me/*, FAMILY_READS and the
family's writes in test_owasp's ROLES), so a new route is walked as soon as
it is in the table.  Each 2xx JSON answer is searched, at every depth, for
what a family must not see (docs/budgets.md "What a family sees"):

  * a staff identity: any key ending in `_by` with a string value (created_by, approved_by,
    cancelled_by, decided_by, …), `sub`, `actor`, `recorded_by` with a
    value;
  * bank or failure details: `bank`, `sort_code`, `account_number`,
    `account_name`, `bank_*`, and a payment's `failure_reason` (the finance
    system's words about a payee's account: a family sees that a payment
    failed, from its status, and the council tells it why);
  * internal notes and reasons: `note`, `internal_notes`, `cancel_reason`,
    `write_off_reason`, a schedule's `stop_reason`, and the finance codes
    `cost_centre`, `subjective_code`, `run_id` (what is written to or by
    the family stays: a request's `notes`, decisions' reasons, a
    variation's `reason`, `stopped_reason`, a debt's `reason`, review
    notes, `query_message` — internal/json/projection.h).

A family-callable route the walk did not answer with 2xx fails the test.
Then the family API of part 1: labels, who holds each part, paid to the
family, upcoming payments projected from a schedule the cron has not
materialised, next_payment, GET /v1/me/payments and its cursor; the ETag
moves when a shown figure moves."""
import os
import re
import sys

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "lib"))
from pbtest import Daemon, check, eq, expect, migrated_db, new_id, psql, run, test, token  # noqa: E402
import world  # noqa: E402
from world import Staff, World, call, day, fresh_la, make, settle  # noqa: E402

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
URL = migrated_db("famproj")
D = Daemon(URL, {"PB_BANK_KEY": "1e" * 32})
world.bind(D, URL)


# --- what is forbidden -------------------------------------------------------------

STAFF_KEYS = {"sub", "actor", "actor_sub"}
BANK_KEYS = {"bank", "sort_code", "account_number", "account_name", "roll_number"}
INTERNAL_KEYS = {"failure_reason", "note", "internal_notes", "cancel_reason", "write_off_reason",
                 "stop_reason", "cost_centre", "subjective_code", "run_id"}


def forbidden(doc, path="$"):
    """[(json path, key)] of every forbidden member with a value in doc."""
    out = []
    if isinstance(doc, dict):
        for k, v in doc.items():
            p = "%s.%s" % (path, k)
            if k == "":
                out.append((p, "a member without a name"))
            if v is not None and ((k.endswith("_by") and isinstance(v, str)) or k in STAFF_KEYS or k in BANK_KEYS or
                                  k.startswith("bank_") or k in INTERNAL_KEYS):
                out.append((p, k))
            else:
                out += forbidden(v, p)
    elif isinstance(doc, list):
        for i, v in enumerate(doc):
            out += forbidden(v, "%s[%d]" % (path, i))
    return out


@test
def test_the_detector_detects():
    eq(forbidden({"a": [{"created_by": "cw"}]}), [("$.a[0].created_by", "created_by")], "_by")
    eq(forbidden({"created_by": None}), [], "a null is nothing shown")
    eq(forbidden({"held_by": {"kind": "family", "name": "You"}}), [], "who holds it: no sub")
    eq(forbidden({"status": "failed", "failure_reason": "closed"}),
       [("$.failure_reason", "failure_reason")], "the bank's words")
    eq(forbidden({"payee": {"bank": {"sort_code": "1"}}}), [("$.payee.bank", "bank")], "bank")


# --- the family and its history ----------------------------------------------------

ST = Staff(fresh_la())
PANEL = token(["panel"], sub="panel-" + ST.la, la=ST.la)
HORSES = {"stream": "social_care", "service_type": "horse_riding",
          "arrangement": "direct_payment"}
EDU_DP = {"stream": "education", "service_type": "transport", "arrangement": "direct_payment"}
SCHEME = {"name": "2026-27 resource allocation",
          "points": {"streams": [{"stream": "education", "service_type": "tuition",
                                  "pence_per_point": 2500}],
                     "needs": [{"need": "communication", "stream": "education",
                                "points": [0, 2, 5, 10]}]}}


def hist():
    st = ST
    w = World(staff=st)
    ids = {"child": w.child, "budget": w.budget, "element": w.dp}
    # the council's label for the direct payment's service type
    expect(call("PUT", "/v1/offer/short_breaks",
                {"stream": "social_care", "offered": True, "direct_payment_allowed": True,
                 "label": "Short breaks"}, st.admin), 200)
    # paid to the family, and one to the provider that failed
    paid = settle(st, w, 10000, due="2026-09-10")
    dpf = w.approved(amount=700, due="2026-09-11")
    tpf = w.approved(element=w.tp, payee=w.org, purpose="services", amount=900,
                     due="2026-09-11")
    run_ = expect(call("POST", "/v1/payment-runs", {"due_on_or_before": "2026-09-11"},
                       st.fin), 201)
    expect(call("POST", "/v1/payment-runs/%s/results" % run_["id"], {"results": [
        {"payment_id": dpf["id"], "outcome": "failed", "failure_reason": "account closed"},
        {"payment_id": tpf["id"], "outcome": "failed",
         "failure_reason": "provider account frozen by the bank"}]}, st.fin), 200)
    cancelled = w.pay(amount=300, due=day(20))
    expect(call("POST", "/v1/payments/%s/cancel" % cancelled["id"],
                {"reason": "entered twice by the caseworker"}, st.fin), 200)
    open_ = w.approved(amount=2500, due=day(10), description="Respite weekend")
    ids.update(payment=paid["id"], payment_failed_tp=tpf["id"], payment_open=open_["id"])
    # a schedule on the direct payment (four-weekly, not materialised)
    sc = expect(call("POST", "/v1/budgets/%s/schedules" % w.budget,
                     {"element_id": w.dp, "payee_id": w.dp_payee, "amount_pence": 1500,
                      "frequency": "four_weekly", "start_date": day(3),
                      "end_date": day(200)}, st.cw), 201)
    ids["schedule"] = sc["id"]
    # a variation cutting the direct payment, approved, its reconsideration asked
    v = expect(call("POST", "/v1/budgets/%s/variations" % w.budget,
                    {"changes": [{"element_id": w.dp, "allocated_pence": 90000}],
                     "effective_from": day(3), "reason": "Fewer hours are needed"}, st.cw), 201)
    expect(call("POST", "/v1/budgets/%s/variations/%s/approve" % (w.budget, v["id"]), {},
                st.ap), 200)
    ids["variation"] = v["id"]
    # a debt, raised by finance
    debt = expect(call("POST", "/v1/budgets/%s/debts" % w.budget,
                       {"element_id": w.dp, "amount_pence": 1000,
                        "reason": "Unspent at the annual review"}, st.fin), 201)
    ids["debt"] = debt["id"]
    ids["recovery"] = expect(call("POST", "/v1/budgets/%s/recoveries" % w.budget,
                                  {"element_id": w.dp, "amount_pence": 500,
                                   "reason": "unused at annual review"}, st.fin), 201)["id"]
    ids.update(payee=w.dp_payee, person=w.parent, run=run_["id"], rule="PAY-16",
               offer_type="short_breaks", year="2026-27")
    # an indicative budget
    expect(call("POST", "/v1/allocation-schemes", SCHEME, st.admin), 201)
    ind = expect(call("POST", "/v1/indicative-budgets",
                      {"child_id": w.child, "needs": [{"need": "communication", "level": 2}]},
                      st.cw), 201)
    ids["indicative"] = ind["id"]
    # a plan, contact, an eligibility check (the family's own writes come in the walk)
    ids["plan"] = w.plan
    ids["contact"] = expect(call("GET", "/v1/children/%s/contacts" % w.child, tok=st.cw),
                            200)["items"][0]["id"]
    return w, ids


W, IDS = hist()
FAM = W.fam


# --- the walk ----------------------------------------------------------------------

def parse_routes():
    src = open(os.path.join(ROOT, "api", "routes.c")).read()
    src = re.sub(r"/\*.*?\*/", "", src, flags=re.S)
    rows = re.findall(r'\{\s*((?:PB_[A-Z]+\s*\|?\s*)+),\s*"([^"]+)",\s*(\w+),\s*([\w|\s]+),'
                      r'\s*([\w|\s]+)\}', src)
    out = []
    for methods, pattern, handler, group, flags in rows:
        for m in re.findall(r"PB_([A-Z]+)", methods):
            out.append((m, pattern, "PB_ROUTE_PUBLIC" in flags))
    return out


ROUTES = parse_routes()


def owasp_tables():
    """FAMILY_READS and the family's writes of ROLES, read from test_owasp.py
    without running it (it starts a daemon of its own)."""
    src = open(os.path.join(ROOT, "tests", "api", "test_owasp.py")).read()
    reads = re.search(r"FAMILY_READS = (\{.*?\})\n", src, re.S).group(1)
    roles = re.search(r"ROLES = (\{.*?\n\})\n", src, re.S).group(1)
    return eval(reads), eval(roles)  # noqa: S307 - literals of our own test file


FAMILY_READS, ROLES = owasp_tables()
FAMILY_WRITES = {k for k, v in ROLES.items() if "family" in v}


def family_callable():
    """(method, pattern) of every route a family token may call: FAMILY_READS,
    /v1/me/*, the family's writes, and any other GET a family token is not
    refused (403) — asked of the daemon, so the list is the code's."""
    out = set(("GET", p) for p in FAMILY_READS) | FAMILY_WRITES
    for m, p, public in ROUTES:
        if public or not p.startswith("/v1/"):
            continue
        if p.startswith("/v1/me/"):
            out.add((m, p))
        elif m == "GET":
            s = call("GET", ids_for(p, {}) if "{" in p else p, tok=FAM)[0]
            if s != 403:
                out.add((m, p))
    return out


def ids_for(pattern, extra):
    names = {"id": None, "contact_id": "contact", "element_id": "element",
             "variation_id": "variation", "evidence_id": "evidence",
             "recovery_id": "recovery", "change_id": "change", "service_type": "offer_type",
             "academic_year": "year", "file": "file"}
    first = pattern.strip("/").split("/")[1]
    res = {"children": "child", "plans": "plan", "budgets": "budget", "payments": "payment",
           "debts": "debt", "spend-returns": "spend_return", "budget-requests": "request",
           "checks": "check", "indicative-budgets": "indicative", "schedules": "schedule",
           "eligibility": "check", "payees": "payee", "people": "person",
           "payment-runs": "run", "allocation-schemes": "scheme", "rules": "rule",
           "offer": "offer_type", "term-dates": "year", "ledger-codes": "offer_type"}.get(first)
    path = pattern
    for name in re.findall(r"\{(\w+)\}", pattern):
        key = res if name == "id" else names[name]
        path = path.replace("{%s}" % name, extra.get(key) or IDS.get(key) or new_id(), 1)
    return path


def family_writes_in_order():
    """The family's own writes, made in an order that works, with their ids
    kept for the reads; each answer checked like a read."""
    w, got = W, {}
    expect(call("PATCH", "/v1/plans/%s" % w.plan, {"status": "under_review"}, ST.cw), 200)
    chk = {"child_id": w.child, "requester_person_id": w.parent, "elements": [EDU_DP]}
    ret = {"period_start": "2026-09-01", "period_end": "2026-11-30",
           "opening_balance_pence": 0, "closing_balance_pence": 0,
           "lines": [{"spent_on": "2026-09-14", "description": "Riding lesson",
                      "category": "short_breaks", "amount_pence": 10000}]}

    def query_it():    # the caseworker queries the return, so the family may resubmit
        expect(call("POST", "/v1/spend-returns/%s/query" % got["spend_return"],
                    {"message": "Which riding school?"}, ST.cw), 200)
        return ret
    def decline_it():  # a panel declines the request, so the family may ask for a review
        expect(call("POST", "/v1/budget-requests/%s/decision" % got["request"],
                    {"decision": "decline", "reason": "Riding is not in the plan."},
                    PANEL), 200)
        return {"reason": "We disagree"}

    def another_request():
        got["request"] = expect(call("POST", "/v1/budget-requests", chk, FAM), 201)["id"]
        return {}
    steps = [
        ("POST", "/v1/eligibility/checks", lambda: chk, "check"),
        ("POST", "/v1/budget-requests", lambda: dict(chk, elements=[EDU_DP, HORSES]),
         "request"),
        ("POST", "/v1/budget-requests/{id}/review", decline_it, None),
        ("POST", "/v1/budget-requests/{id}/withdraw", another_request, None),
        ("POST", "/v1/budgets/{id}/variations/{variation_id}/reconsideration",
         lambda: {"reason": "The hours are still needed"}, None),
        ("POST", "/v1/debts/{id}/review",
         lambda: {"reason": "We paid the carer in cash; receipts attached"}, None),
        ("POST", "/v1/budgets/{id}/elements/{element_id}/spend-returns",
         lambda: ret, "spend_return"),
        ("POST", "/v1/spend-returns/{id}/evidence", None, "evidence"),
        ("POST", "/v1/spend-returns/{id}/resubmit", query_it, None),
    ]
    answers = {}
    for m, p, body, key in steps:
        b = body() if body else {}
        path = ids_for(p, got)
        if body is None and p.endswith("/evidence"):
            jpg = open(os.path.join(ROOT, "tests", "fixtures", "evidence", "receipt.jpg"),
                       "rb").read()
            s, h, b, j = call("POST", path + "?file_name=receipt.jpg", tok=FAM,
                              headers={"Content-Type": "image/jpeg"}, raw=jpg)
            if s == 201:
                got["evidence"] = j["evidence"][0]["id"]
        else:
            s, h, b, j = call(m, path, b, FAM)
            if key and s in (200, 201) and j:
                got[key] = j["id"]
        answers[(m, p)] = (s, b, j)
    return got, answers


@test
def test_every_family_route_is_a_family_projection():
    got, answers = family_writes_in_order()
    IDS.update(got)
    callable_ = family_callable()
    walked, leaks, refused = set(), [], []
    for (m, p), (s, b, j) in answers.items():
        walked.add((m, p))
        if s not in (200, 201):
            refused.append("%s %s: %d %s" % (m, p, s, b[:200]))
        leaks += ["%s %s %s" % (m, p, x[0]) for x in forbidden(j)]
    for m, p, public in ROUTES:
        if (m, p) not in callable_ or m != "GET":
            continue
        path = ids_for(p, {}) if "{" in p else p
        s, h, b, j = call("GET", path, tok=FAM)
        walked.add((m, p))
        if s != 200:
            refused.append("GET %s (%s): %d %s" % (p, path, s, b[:200]))
            continue
        if h.get("content-type", "").startswith("application/json") or j is not None:
            leaks += ["GET %s %s" % (p, x[0]) for x in forbidden(j)]
    missing = sorted(callable_ - walked)
    check(not missing, "family-callable routes the walk did not call: %s" % missing)
    check(not refused and not leaks, "the walk was refused on:\n  " + "\n  ".join(refused) +
          "\na family token sees:\n  " + "\n  ".join(leaks))
    check(len(walked) >= 30, "walked only %d routes" % len(walked))
    print("walked %d family routes: %s" % (len(walked), sorted(walked)))


# --- part 1: the family API ---------------------------------------------------------

def me(tok, etag=None):
    return call("GET", "/v1/me/budgets", tok=tok,
                headers={"If-None-Match": etag} if etag else None)


@test
def test_offer_labels_are_validated_and_shown():
    expect(call("PUT", "/v1/offer/transport", {"stream": "education", "offered": True,
                                               "direct_payment_allowed": True, "label": ""},
                ST.admin), 400, "VALIDATION_FAILED", field="label")
    expect(call("PUT", "/v1/offer/transport", {"stream": "education", "offered": True,
                                               "direct_payment_allowed": True,
                                               "label": "x" * 101}, ST.admin),
           400, "VALIDATION_FAILED", field="label")
    expect(call("PUT", "/v1/offer/transport", {"stream": "education", "offered": True,
                                               "direct_payment_allowed": True, "label": 7},
                ST.admin), 400, "VALIDATION_FAILED", field="label")
    items = {i["service_type"]: i for i in expect(call("GET", "/v1/offer", tok=ST.cw),
                                                  200)["items"]}
    eq((items["short_breaks"]["label"], items["transport"]["label"]), ("Short breaks", None),
       "a label where the council set one")


@test
def test_me_budgets_labels_holders_paid_and_projected_payments():
    st = ST
    w = World(staff=st)
    settle(st, w, 4000, due="2026-09-10")
    w.approved(amount=2500, due=day(10), description="Respite weekend")
    # four-weekly from day 3: day 3 and day 31 fall in the next 8 weeks, day 59 does not
    expect(call("POST", "/v1/budgets/%s/schedules" % w.budget,
                {"element_id": w.dp, "payee_id": w.dp_payee, "amount_pence": 1500,
                 "frequency": "four_weekly", "start_date": day(3), "end_date": day(200)},
                st.cw), 201)
    s, h, _, doc = me(w.fam)
    eq(s, 200, "the family view")
    item = next(i for i in doc["items"] if i["budget_id"] == w.budget)
    els = {e["id"]: e for e in item["elements"]}
    dp, tp, nt = els[w.dp], els[w.tp], els[w.nt]
    eq((dp["label"], dp["held_by"], dp["paid_to_family_pence"]),
       ("Short breaks", {"kind": "family", "name": "You"}, 4000), "the direct payment")
    eq((tp["label"], tp["held_by"], tp["paid_to_family_pence"], tp["upcoming_payments"]),
       ("Transport", {"kind": "provider", "name": "Acme Care Ltd"}, 0, []),
       "a third party: the provider by name; no label in the offer: the type made readable")
    eq((nt["label"], nt["held_by"]), ("Continuing care", {"kind": "council", "name": "The council"}),
       "notional: the council")
    want = [{"due_date": day(3), "amount_pence": 1500},
            {"due_date": day(10), "amount_pence": 2500},
            {"due_date": day(31), "amount_pence": 1500}]
    eq(dp["upcoming_payments"], want, "projected from the schedule and the payment made")
    eq(item["next_payment"], {"due_date": day(3), "amount_pence": 1500,
                              "element_label": "Short breaks"},
       "next payment: the schedule's, though the cron has not run")
    etag = h["etag"]
    eq(me(w.fam, etag)[0], 304, "unchanged: 304")
    # the cron runs: the instalment exists now, and is not shown twice
    expect(call("POST", "/v1/schedules/materialise", {"until": day(3)}, st.fin), 200)
    s, h2, _, doc = me(w.fam, etag)
    eq(s, 200, "a refresh changes the ETag")
    item = next(i for i in doc["items"] if i["budget_id"] == w.budget)
    dp = next(e for e in item["elements"] if e["id"] == w.dp)
    eq(dp["upcoming_payments"], want, "the same payments, none twice")
    # a figure moves: paid to the family
    settle(st, w, 600, due="2026-09-12")
    s, h3, _, doc = me(w.fam, h2["etag"])
    eq(s, 200, "a payment paid changes the view")
    item = next(i for i in doc["items"] if i["budget_id"] == w.budget)
    eq(next(e for e in item["elements"] if e["id"] == w.dp)["paid_to_family_pence"], 4600,
       "paid to the family")
    check(h3["etag"] != h2["etag"], "a new ETag")
    # the read model is what recomputation says
    _, drift, _ = psql(URL, "SELECT count(*) FROM family_view_drift")
    eq(drift, "0", "no drift")


@test
def test_me_payments_newest_first_with_a_cursor():
    st = ST
    w = World(staff=st)
    a = settle(st, w, 1000, due="2026-09-10")
    b = settle(st, w, 2000, due="2026-09-11")
    w.approved(amount=300, due=day(5))                       # not paid yet: not listed
    w.approved(element=w.tp, payee=w.org, purpose="services", amount=900, due="2026-09-11")
    page = expect(call("GET", "/v1/me/payments?limit=1", tok=w.fam), 200)
    eq([p["id"] for p in page["items"]], [b["id"]], "newest first")
    p = page["items"][0]
    eq((p["due_date"], p["amount_pence"], p["status"], p["element_label"], p["child"]["id"]),
       ("2026-09-11", 2000, "paid", "Short breaks", w.child), "a payment received")
    eq(p["child"]["name"], "Kim Child", "the child's name")
    check(p["paid_on"] is not None, "when it was paid")
    eq(sorted(p), sorted(["id", "due_date", "paid_on", "amount_pence", "status", "description",
                          "element_label", "child"]), "only what a family may see")
    rest = expect(call("GET", "/v1/me/payments?limit=1&cursor=" + page["next_cursor"],
                       tok=w.fam), 200)
    eq(([p["id"] for p in rest["items"]], rest["next_cursor"]), ([a["id"]], None), "the rest")
    expect(call("GET", "/v1/me/payments", tok=st.cw), 403, "FORBIDDEN")
    expect(call("GET", "/v1/me/payments?limit=0", tok=w.fam), 400, field="limit")
    expect(call("GET", "/v1/me/payments?cursor=nope", tok=w.fam), 400, field="cursor")
    other = World(staff=st)
    eq(expect(call("GET", "/v1/me/payments", tok=other.fam), 200)["items"], [],
       "another family sees none of them")


if __name__ == "__main__":
    run()
