"""OWASP API Security Top 10 (2023), one test (or a few) per class, named
after it.  Most are driven by one table parsed from api/routes.c (method,
pattern, service group), so a new route is covered as soon as it is in the
table:

  API1  broken object level authorisation: every route with an id, called
        with another council's staff token and with a family token that
        does not own the records → 404, and the same answer as for an id
        that does not exist (no existence oracle);
  API2  broken authentication: a compact JWT attack set on a few routes
        (tests/api/test_auth.py holds the full set);
  API3  broken object property level authorisation: server-owned fields
        sent to every create/patch/action route → 400 read_only/unknown_field;
  API4  unrestricted resource consumption: per-caller rate limit → 429 with
        Retry-After; page size caps; bodies over 64 KiB → 413;
  API5  broken function level authorisation: every role against every
        mutating route, from ROLES (the contract's role table);
  API6  sensitive business flows: separation of duties, replays;
  API7  SSRF: the C sources make no outbound calls;
  API8  security misconfiguration: headers, no CORS, no banner, TRACE;
  API9  improper inventory: routes.c and openapi.yaml agree;
  API10 unsafe consumption: finance results validated like client input.
"""
import os
import re
import socket
import sys

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "lib"))
from pbtest import (AUD, ISS, LA, OTHER_LA, SECRET, Daemon, check, claims, eq,  # noqa: E402
                    jwt, migrated_db, new_id, run, test, token)

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
BANK_KEY = "1e" * 32
URL = migrated_db("owasp")
D = Daemon(URL, {"PB_BANK_KEY": BANK_KEY})

STAFF = ["caseworker", "panel", "approver", "finance", "admin", "auditor", "service"]
ALL_ROLES = STAFF + ["family"]


# --- the route table, parsed from api/routes.c ---------------------------------

def parse_routes():
    src = open(os.path.join(ROOT, "api", "routes.c")).read()
    src = re.sub(r"/\*.*?\*/", "", src, flags=re.S)
    rows = re.findall(r'\{\s*((?:PB_[A-Z]+\s*\|?\s*)+),\s*"([^"]+)",\s*(\w+),\s*([\w|\s]+),\s*([\w|\s]+)\}',
                      src)
    out = []
    for methods, pattern, handler, group, flags in rows:
        for m in re.findall(r"PB_([A-Z]+)", methods):
            out.append({"method": m, "pattern": pattern, "handler": handler,
                        "group": group.strip(), "public": "PB_ROUTE_PUBLIC" in flags,
                        "upload": "PB_ROUTE_UPLOAD" in flags})
    return out


ROUTES = parse_routes()
MUTATING = [r for r in ROUTES if r["method"] in ("POST", "PATCH", "PUT")]
# bodies that are JSON documents (an upload route's body is a file)
JSON_BODIES = [r for r in MUTATING if not r["upload"]]
HANDLERS = {r["handler"] for r in ROUTES}


def has_route(method, pattern):
    return any(r["method"] == method and r["pattern"] == pattern for r in ROUTES)


@test
def test_route_table_parsed():
    check(len(ROUTES) >= 40, "parsed only %d routes from api/routes.c" % len(ROUTES))
    check(has_route("GET", "/v1/children/{id}"), "GET /v1/children/{id} not parsed")
    check(all(r["pattern"].startswith("/") for r in ROUTES), "patterns")


# --- fixtures in council A ------------------------------------------------------

def ok(resp, status, what):
    s, h, b, j = resp
    if s != status:
        raise AssertionError("%s: got %d, want %d: %s" % (what, s, status, b[:400]))
    return j


CW = token(["caseworker", "admin"], sub="owasp-cw")
AP = token(["approver"], sub="owasp-ap")
FIN = token(["finance"], sub="owasp-fin")
FIN2 = token(["finance"], sub="owasp-fin2")
PANEL = token(["panel"], sub="owasp-panel")
A_ALL = token(STAFF, sub="owasp-a-all")
B_ALL = token(STAFF, sub="owasp-b-all", la=OTHER_LA)

IDS = {k: new_id() for k in ("person", "child", "contact", "plan", "check", "request",
                              "budget", "element", "payee", "payment", "schedule", "run",
                              "recovery", "scheme", "indicative")}
REAL = set()        # which of IDS are real records of council A
NOTES = []


def post(path, body, tok=CW, status=201, headers=None):
    return ok(D.request("POST", path, body, token=tok, headers=headers), status, path)


def setup():
    ids = IDS
    ids["person"] = post("/v1/people", {"given_name": "Pat", "family_name": "Owner"})["id"]
    ids["child"] = post("/v1/children", {"given_name": "Kim", "family_name": "Owner",
                                         "date_of_birth": "2014-05-01"})["id"]
    ids["contact"] = post("/v1/children/%s/contacts" % ids["child"],
                          {"person_id": ids["person"], "relationship": "parent",
                           "has_parental_responsibility": True, "lives_with_child": True})["id"]
    ids["offer_type"] = "transport"    # a service type of the default offer
    ids["plan"] = post("/v1/children/%s/plans" % ids["child"],
                       {"status": "issued", "issued_on": "2025-09-01",
                        "next_review_due": "2026-08-31"})["id"]
    REAL.update(("person", "child", "contact", "plan"))
    # another family in the same council: its token must see none of the above
    other_parent = post("/v1/people", {"given_name": "Sam", "family_name": "Other"})["id"]
    other_child = post("/v1/children", {"given_name": "Lee", "family_name": "Other",
                                        "date_of_birth": "2013-01-01"})["id"]
    post("/v1/children/%s/contacts" % other_child,
         {"person_id": other_parent, "relationship": "parent",
          "has_parental_responsibility": True, "lives_with_child": True})
    ids["other_parent"] = other_parent
    ids["payee"] = post("/v1/payees", {"kind": "individual", "name": "Pat Owner",
                                       "person_id": ids["person"], "is_local_authority": False,
                                       "bank": {"sort_code": "112233", "account_number": "12345678"}})["id"]
    REAL.add("payee")
    el = {"stream": "education", "service_type": "transport", "arrangement": "direct_payment",
          "allocated_pence": 500000, "recipient_person_id": ids["person"], "payee_id": ids["payee"],
          "agreement": {"agreed_provision": "Taxi to school", "outcomes": ["Attends school"],
                        "signed_on": "2025-09-01", "school_premises": False}}
    b = post("/v1/budgets", {"child_id": ids["child"], "plan_id": ids["plan"],
                             "period_start": "2025-09-01", "period_end": "2026-08-31",
                             "elements": [el]})
    ids["budget"], ids["element"] = b["id"], b["elements"][0]["id"]
    REAL.update(("budget", "element"))
    ok(D.request("POST", "/v1/budgets/%s/approve" % ids["budget"], {}, token=AP), 200, "approve")
    try:
        c = post("/v1/eligibility/checks", {"child_id": ids["child"], "requester_person_id": ids["person"],
                                            "elements": [{"stream": "education", "service_type": "transport",
                                                          "arrangement": "direct_payment"}]})
        ids["check"] = c["id"]
        REAL.add("check")
        r = post("/v1/budget-requests", {"child_id": ids["child"], "requester_person_id": ids["person"],
                                         "elements": [{"stream": "social_care", "service_type": "short_breaks",
                                                       "arrangement": "third_party"}]})
        ids["request"] = r["id"]
        REAL.add("request")
    except AssertionError as e:
        NOTES.append("eligibility fixtures: %s" % e)
    try:
        ids["scheme"] = post("/v1/allocation-schemes", {
            "name": "2026-27", "transport": {"pence_per_mile": 45}})["id"]
        REAL.add("scheme")
        ids["indicative"] = post("/v1/indicative-budgets", {
            "child_id": ids["child"], "transport": {"route_tenth_miles": 125}})["id"]
        REAL.add("indicative")
    except AssertionError as e:
        NOTES.append("allocation fixtures: %s" % e)
    if has_route("POST", "/v1/budgets/{id}/payments"):
        try:
            p = post("/v1/budgets/%s/payments" % ids["budget"],
                     {"element_id": ids["element"], "payee_id": ids["payee"], "amount_pence": 1000,
                      "purpose": "direct_payment", "due_date": "2026-01-05", "description": "Jan"},
                     tok=FIN, headers={"Idempotency-Key": "owasp-fixture-1"})
            ids["payment"] = p["id"]
            REAL.add("payment")
            s = post("/v1/budgets/%s/schedules" % ids["budget"],
                     {"element_id": ids["element"], "payee_id": ids["payee"], "amount_pence": 100,
                      "frequency": "monthly", "start_date": "2026-02-01", "end_date": "2026-03-01"},
                     tok=FIN)
            ids["schedule"] = s["id"]
            REAL.add("schedule")
            ok(D.request("POST", "/v1/payments/%s/approve" % ids["payment"], {}, token=FIN2), 200,
               "payment approve")
            ids["run"] = post("/v1/payment-runs", {"due_on_or_before": "2026-01-31"}, tok=FIN)["id"]
            REAL.add("run")
            ok(D.request("POST", "/v1/payment-runs/%s/results" % ids["run"],
                         {"results": [{"payment_id": ids["payment"], "outcome": "paid"}]},
                         token=FIN), 200, "run results")
            ids["debt"] = post("/v1/budgets/%s/debts" % ids["budget"],
                               {"element_id": ids["element"], "amount_pence": 100,
                                "reason": "Unspent"}, tok=FIN)["id"]
            REAL.add("debt")
            ids["spend_return"] = post("/v1/budgets/%s/elements/%s/spend-returns"
                                       % (ids["budget"], ids["element"]),
                                       {"period_start": "2025-10-01", "period_end": "2025-10-31",
                                        "opening_balance_pence": 0, "closing_balance_pence": 0,
                                        "lines": []})["id"]
            REAL.add("spend_return")
            with open(os.path.join(ROOT, "tests", "fixtures", "evidence", "receipt.png"), "rb") as f:
                ev = ok(D.request("POST", "/v1/spend-returns/%s/evidence" % ids["spend_return"],
                                  token=CW, raw=f.read()), 201, "evidence")
            ids["evidence"] = ev["evidence"][0]["id"]
            REAL.add("evidence")
        except (AssertionError, KeyError) as e:
            NOTES.append("payments fixtures: %s" % e)


setup()
print("fixtures: real %s; notes %s" % (sorted(REAL), NOTES))
FAMILY_OWNER = token(["family"], sub="fam-owner", person_id=IDS["person"])
FAMILY_OTHER = token(["family"], sub="fam-other", person_id=IDS["other_parent"])

RESOURCE = {"people": "person", "children": "child", "plans": "plan", "checks": "check",
            "budget-requests": "request", "budgets": "budget", "payees": "payee",
            "payments": "payment", "schedules": "schedule", "payment-runs": "run",
            "recoveries": "recovery", "contacts": "contact", "elements": "element",
            "debts": "debt", "spend-returns": "spend_return", "evidence": "evidence",
            "allocation-schemes": "scheme", "indicative-budgets": "indicative",
            "offer": "offer_type", "ledger-codes": "offer_type"}
# what a family may read (the contract: its own children's records, plans,
# contacts, budgets, payments and requests); other reads are staff only
FAMILY_READS = {"/v1/children/{id}", "/v1/children/{id}/contacts",
                "/v1/children/{id}/contacts/{contact_id}", "/v1/children/{id}/plans",
                "/v1/plans/{id}", "/v1/children/{id}/budgets", "/v1/budgets/{id}",
                "/v1/budgets/{id}/statement", "/v1/budget-requests/{id}",
                "/v1/eligibility/checks/{id}", "/v1/payments/{id}", "/v1/budgets/{id}/payments",
                "/v1/budgets/{id}/variations", "/v1/budgets/{id}/variations/{variation_id}",
                "/v1/budgets/{id}/versions", "/v1/debts/{id}", "/v1/budgets/{id}/debts",
                "/v1/budgets/{id}/elements/{element_id}/agreement",
                "/v1/budgets/{id}/elements/{element_id}/spend-returns",
                "/v1/spend-returns/{id}", "/v1/spend-returns/{id}/evidence/{evidence_id}",
                "/v1/indicative-budgets/{id}", "/v1/children/{id}/indicative-budgets",
                "/v1/budgets/{id}/dp-positions"}
NOT_TENANT_IDS = ("/v1/rules/{id}", "/v1/offer/{service_type}",    # catalogue and per-la config
                  "/v1/term-dates/{academic_year}", "/v1/ledger-codes/{service_type}")


def params(pattern):
    """[(param, resource)] for each {param} of pattern."""
    segs = pattern.strip("/").split("/")
    out = []
    for i, s in enumerate(segs):
        if s.startswith("{"):
            out.append((s[1:-1], RESOURCE.get(segs[i - 1])))
    return out


def fill(pattern, ids):
    path = pattern
    for name, res in params(pattern):
        path = path.replace("{%s}" % name, ids.get(res) or new_id(), 1)
    return path


def body_for(handler, ids):
    """A valid body for each mutating handler (references council A's ids)."""
    i = ids
    bodies = {
        "api_people_create": {"given_name": "A", "family_name": "B"},
        "api_children_create": {"given_name": "A", "family_name": "B", "date_of_birth": "2015-01-01"},
        "api_children_patch": {"given_name": "Renamed"},
        "api_people_patch": {"family_name": "Renamed"},
        "api_contacts_patch": {"lives_with_child": True},
        "api_contacts_create": {"person_id": i["person"], "relationship": "carer",
                                "has_parental_responsibility": False, "lives_with_child": False},
        "api_plans_create": {"status": "assessment_agreed", "assessment_agreed_on": "2025-06-01"},
        "api_plans_patch": {"status": "under_review"},
        "api_offer_put": {"stream": "education", "offered": True, "direct_payment_allowed": True},
        "api_checks_create": {"child_id": i["child"], "requester_person_id": i["person"],
                              "elements": [{"stream": "education", "service_type": "transport",
                                            "arrangement": "direct_payment"}]},
        "api_requests_create": {"child_id": i["child"], "requester_person_id": i["person"],
                                "elements": [{"stream": "education", "service_type": "transport",
                                              "arrangement": "direct_payment"}]},
        "api_requests_decision": {"decision": "approve", "reason": "ok"},
        "api_requests_review": {"reason": "please look again"},
        "api_requests_withdraw": {"reason": "no longer needed"},
        "api_budgets_create": {"child_id": i["child"], "plan_id": i["plan"],
                               "period_start": "2026-09-01", "period_end": "2027-08-31",
                               "elements": [{"stream": "health", "service_type": "continuing_care",
                                             "arrangement": "notional", "allocated_pence": 100}]},
        "api_budgets_patch": {"period_end": "2026-08-30"},
        "api_budgets_approve": {},
        "api_budgets_suspend": {"reason": "review"},
        "api_budgets_resume": {},
        "api_budgets_close": {"reason": "ended"},
        "api_budgets_agreement_patch": {"signed_on": "2025-09-02"},
        "api_budgets_exception_create": {"rule": "PAY-11", "reason": "judged necessary"},
        "api_variations_create": {"reason": "More hours", "effective_from": "2026-01-05",
                                  "changes": [{"element_id": i["element"],
                                               "allocated_pence": 600000}]},
        "api_variations_approve": {},
        "api_variations_reject": {"reason": "not justified"},
        "api_variations_reconsideration": {"reason": "still needed"},
        "api_variations_reconsideration_decision": {"outcome": "upheld", "reason": "stands"},
        "api_variations_apply_due": {},
        "api_agreement_reviews_create": {
            "reviewed_on": "2026-01-05", "outcome": "continue", "notes": "used as agreed",
            "checks": {"still_appropriate": True, "used_effectively": True, "sufficient": True,
                       "pay5_conditions_met": True, "compliant": True}},
        "api_agreement_head_teacher_withdrawal": {"withdrawn_on": "2026-01-05",
                                                  "reason": "no longer hosted"},
        "api_elements_stop": {"rule": "PAY-16", "ground": "consent_withdrawn",
                              "reason": "withdrawn in writing"},
        "api_settings_patch": {"dp_notice_days": 28},
        "api_payees_create": {"kind": "organisation", "name": "Acme Ltd", "is_local_authority": False},
        "api_payees_patch": {"name": "Acme Renamed Ltd"},
        "api_payees_bank_change_confirm": {},
        "api_payees_bank_change_reject": {"reason": "not the invoice's account"},
        "api_payments_create": {"element_id": i["element"], "payee_id": i["payee"], "amount_pence": 100,
                                "purpose": "direct_payment", "due_date": "2026-02-01",
                                "description": "x"},
        "api_payments_approve": {},
        "api_payments_cancel": {"reason": "mistake"},
        "api_payments_reissue": {"due_date": "2026-02-01", "reason": "new details"},
        "api_schedules_create": {"element_id": i["element"], "payee_id": i["payee"], "amount_pence": 100,
                                 "frequency": "monthly", "start_date": "2026-04-01"},
        "api_schedules_materialise": {"until": "2026-01-01"},
        "api_schedules_patch": {"amount_pence": 90},
        "api_schedules_stop": {"reason": "no longer needed"},
        "api_term_dates_put": {"term_starts": ["2026-09-02"]},
        "api_ledger_codes_put": {"cost_centre": "SC100", "subjective_code": "S4001"},
        "api_payment_runs_create": {"due_on_or_before": "2025-01-01"},
        "api_payment_runs_sent": {"sent_on": "2026-02-01", "reference": "BACS-1"},
        "api_payment_runs_reconcile": {},
        "api_payment_runs_results": {"results": [{"payment_id": i["payment"], "outcome": "paid"}]},
        "api_recoveries_create": {"element_id": i["element"], "amount_pence": 1, "reason": "overpaid"},
        "api_debts_create": {"element_id": i["element"], "amount_pence": 1, "reason": "unused"},
        "api_debts_invoice": {"reference": "INV-1"},
        "api_debts_paid": {"reference": "BACS 1"},
        "api_debts_offset": {"payment_id": i["payment"]},
        "api_debts_write_off": {"reason": "hardship"},
        "api_debts_write_off_approve": {},
        "api_debts_write_off_reject": {"reason": "the family can repay"},
        "api_debts_review": {"reason": "please look again"},
        "api_debts_review_decision": {"outcome": "upheld", "reason": "no receipts"},
        "api_spend_returns_create": {"period_start": "2025-11-01", "period_end": "2025-11-30",
                                     "opening_balance_pence": 0, "closing_balance_pence": 0,
                                     "lines": []},
        "api_spend_returns_resubmit": {"period_start": "2025-10-01", "period_end": "2025-10-31",
                                       "opening_balance_pence": 0, "closing_balance_pence": 0,
                                       "lines": []},
        "api_spend_returns_query": {"message": "Please send the receipt for October"},
        "api_spend_returns_accept": {},
        "api_spend_evidence_upload": {},
        "api_dp_audits_create": {"period_start": "2025-10-01", "period_end": "2025-10-31",
                                 "balance_seen_pence": 0, "evidenced_spend_pence": 0,
                                 "findings": "Statement seen"},
        "api_surplus_inputs_create": {"element_id": i["element"], "unpaid_bills_pence": 0,
                                      "contingency_pence": 0},
        "api_schemes_create": {"name": "2026-27", "transport": {"pence_per_mile": 45}},
        "api_indicative_create": {"child_id": i["child"],
                                  "transport": {"route_tenth_miles": 125}},
    }
    check(handler in bodies, "no test body for %s: add one to body_for() in test_owasp.py" % handler)
    return bodies[handler]


KEYS = iter(range(1, 1 << 30))


def call(route, tok, ids=IDS, body=None, extra=None):
    path = fill(route["pattern"], ids)
    h = {"If-Match": '"1"', "Idempotency-Key": "owasp-%d" % next(KEYS)}
    if route["method"] in ("POST", "PATCH", "PUT"):
        b = body if body is not None else body_for(route["handler"], ids)
        return D.request(route["method"], path, b, token=tok, headers=h)
    return D.request(route["method"], path + (extra or ""), token=tok, headers=h)


# --- API1: broken object level authorisation -------------------------------------

ID_ROUTES = [r for r in ROUTES if "{" in r["pattern"] and r["pattern"] not in NOT_TENANT_IDS
             and not r["public"]
             and r["method"] in ("GET", "POST", "PATCH", "PUT")]


@test
def test_api1_fixtures_are_real_for_their_owner():
    """Positive control: council A's staff read every id route (so the 404s below mean
    'not yours', not 'no such thing')."""
    checked = 0
    for r in ID_ROUTES:
        if r["method"] != "GET" or not all(res in REAL for _, res in params(r["pattern"])):
            continue
        s, h, b, j = call(r, A_ALL)
        eq(s, 200, "%s %s as council A staff: %s" % (r["method"], r["pattern"], b[:200]))
        checked += 1
    check(checked >= 8, "only %d GET routes had real fixtures (%s)" % (checked, NOTES))


def same_as_missing(r, tok, want):
    real = call(r, tok)
    missing = call(r, tok, ids={k: new_id() for k in IDS})
    what = "%s %s" % (r["method"], r["pattern"])
    check(real[0] in want, "%s: got %d, want %s: %s" % (what, real[0], want, real[2][:300]))
    eq((real[0], (real[3] or {}).get("code")), (missing[0], (missing[3] or {}).get("code")),
       what + ": answer for another's id vs a missing id")


@test
def test_api1_other_council_gets_404_on_every_id_route():
    for r in ID_ROUTES:
        same_as_missing(r, B_ALL, (404,))


@test
def test_api1_other_family_gets_404_on_every_id_route():
    """A family token of the same council that does not own the records: 404 where the
    family role may act at all; 403 (role refused before any lookup) elsewhere — and
    always the same answer as for an id that does not exist."""
    for r in ID_ROUTES:
        if r["method"] == "GET":
            allowed = r["pattern"] in FAMILY_READS
        else:
            allowed = "family" in ROLES.get((r["method"], r["pattern"]), set())
        same_as_missing(r, FAMILY_OTHER, (404,) if allowed else (403, 404))


@test
def test_api1_owner_family_reads_its_child():
    s, h, b, j = D.request("GET", "/v1/children/%s" % IDS["child"], token=FAMILY_OWNER)
    eq(s, 200, "owner family reads its child")
    s, h, b, j = D.request("GET", "/v1/children/%s" % IDS["child"], token=FAMILY_OTHER)
    eq(s, 404, "other family")


@test
def test_api1_list_routes_do_not_leak_across_councils():
    s, h, b, j = D.request("GET", "/v1/children", token=B_ALL)
    eq(s, 200, "list")
    check(IDS["child"].encode() not in b, "council B listed council A's child")


# --- API2: broken authentication -----------------------------------------------

API2_ROUTES = [("GET", "/v1/children"), ("GET", "/v1/budgets/%s" % IDS["budget"]),
               ("POST", "/v1/budgets")]


def attacks():
    good = claims(["caseworker"])
    now = good["iat"]
    return {
        "no token": None,
        "alg none": jwt(good, header={"alg": "none", "typ": "JWT"}, sign=False),
        "wrong key": jwt(good, secret="another-secret-that-is-also-32-bytes-long"),
        "expired": jwt(dict(good, exp=now - 3600)),
        "future nbf": jwt(dict(good, nbf=now + 3600)),
        "wrong aud": jwt(dict(good, aud="someone-else")),
        "wrong iss": jwt(dict(good, iss="evil")),
        "HS512 header": jwt(good, header={"alg": "HS512", "typ": "JWT"}),
        "garbage": "not.a.jwt",
    }


@test
def test_api2_broken_authentication_compact_set():
    """The full attack set is tests/api/test_auth.py; here a compact one on a few routes."""
    for method, path in API2_ROUTES:
        for name, tok in attacks().items():
            s, h, b, j = D.request(method, path, {} if method == "POST" else None, token=tok)
            eq(s, 401, "%s %s with %s" % (method, path, name))
            eq(j["code"], "UNAUTHENTICATED", name)
            check(h.get("www-authenticate", "").startswith("Bearer"), name + " challenge")
    check(ISS and AUD and SECRET, "constants")


# --- API3: broken object property level authorisation ------------------------------

INJECT = {"id": None, "la": OTHER_LA, "status": "approved", "version": 99,
          "created_by": "mallory", "approved_by": "mallory", "approver": "mallory",
          "allocated_pence": 1, "committed_pence": 0, "spent_pence": 0,
          "remaining_pence": 99999999, "created_at": "2020-01-01T00:00:00Z"}
WRITABLE = {"api_plans_create": {"status"}, "api_plans_patch": {"status"}}


@test
def test_api3_mass_assignment_refused_on_every_body_route():
    tried = 0
    for r in JSON_BODIES:
        for field, value in INJECT.items():
            if field in WRITABLE.get(r["handler"], ()):
                continue
            body = dict(body_for(r["handler"], IDS))
            body[field] = value if value is not None else new_id()
            s, h, b, j = call(r, A_ALL, body=body)
            what = "%s %s with %s" % (r["method"], r["pattern"], field)
            eq(s, 400, what + " (%s)" % b[:300])
            errs = [e for e in j.get("errors", []) if e["field"] == field]
            check(errs and errs[0]["code"] in ("read_only", "unknown_field"),
                  "%s: errors %r" % (what, j.get("errors")))
            tried += 1
    check(tried >= 200, "tried %d" % tried)


@test
def test_api3_element_totals_are_read_only():
    body = body_for("api_budgets_create", IDS)
    for field in ("committed_pence", "spent_pence", "remaining_pence", "id"):
        b = dict(body, elements=[dict(body["elements"][0], **{field: 0 if field != "id" else new_id()})])
        s, h, raw, j = D.request("POST", "/v1/budgets", b, token=CW)
        eq(s, 400, field)
        check(any(e["field"] == "elements[0].%s" % field and e["code"] == "read_only"
                  for e in j["errors"]), "%s: %r" % (field, j["errors"]))


@test
def test_api3_responses_never_expose_bank_details():
    s, h, b, j = D.request("GET", "/v1/payees/%s" % IDS["payee"], token=A_ALL)
    eq(s, 200, "payee")
    check(b"12345678" not in b, "account number in a response")
    eq(j["bank"], {"sort_code": "112233", "account_number_last4": "5678"}, "masked bank")


# --- API4: unrestricted resource consumption -----------------------------------------

@test
def test_api4_rate_limit_per_caller_429_with_retry_after():
    d = Daemon(URL, {"PB_RATE_LIMIT_RPS": "2", "PB_RATE_LIMIT_BURST": "3"})
    try:
        tok = token(["caseworker"], sub="hasty")
        statuses = []
        last = None
        for _ in range(12):
            last = d.request("GET", "/v1/children", token=tok)
            statuses.append(last[0])
        check(429 in statuses, "no 429 in %r" % statuses)
        check(statuses[:3] == [200, 200, 200], "burst of 3 first: %r" % statuses)
        limited = [x for x in [d.request("GET", "/v1/children", token=tok)] if x[0] == 429] or [last]
        s, h, b, j = limited[0]
        eq(s, 429, "still limited")
        eq(j["code"], "RATE_LIMITED", "code")
        check(h.get("retry-after", "").isdigit() and int(h["retry-after"]) >= 1,
              "Retry-After %r" % h.get("retry-after"))
        # another caller is not affected
        eq(d.request("GET", "/v1/children", token=token(["caseworker"], sub="calm"))[0], 200,
           "other caller")
        # operations endpoints are not rate limited
        eq(d.request("GET", "/healthz")[0], 200, "healthz")
    finally:
        d.stop()


def paged_operations():
    """(METHOD, path) of every operation openapi.yaml documents with ?limit=."""
    import yaml
    spec = yaml.safe_load(open(os.path.join(ROOT, "openapi.yaml")))
    out = set()
    for path, ops in spec["paths"].items():
        common = ops.get("parameters", []) or []
        for m, op in ops.items():
            if m == "parameters" or not isinstance(op, dict):
                continue
            refs = [p.get("$ref", "") for p in common + (op.get("parameters") or [])]
            if "#/components/parameters/Limit" in refs:
                out.add((m.upper(), path))
    return out


@test
def test_api4_page_size_capped_on_every_list_route():
    paged = paged_operations()
    lists = 0
    for r in ROUTES:
        if (r["method"], r["pattern"]) not in paged:
            continue
        check(all(res in REAL for _, res in params(r["pattern"])), "fixture for " + r["pattern"])
        lists += 1
        # the family's own lists (/v1/me/*) answer a family token only
        tok = FAMILY_OWNER if r["pattern"].startswith("/v1/me/") else A_ALL
        for bad in ("201", "0", "-1", "1000000", "abc", "1e2", ""):
            s, h, b, j = call(r, tok, extra="?limit=" + bad)
            eq(s, 400, "%s limit=%s" % (r["pattern"], bad))
            eq(j["code"], "VALIDATION_FAILED", r["pattern"])
        s, h, b, j = call(r, tok, extra="?limit=200")
        eq(s, 200, r["pattern"] + " limit=200")
        check(isinstance(j.get("items"), list) and len(j["items"]) <= 200, "page")
    check(lists >= 6, "only %d paged routes found" % lists)


@test
def test_api4_body_over_64_kib_is_413_on_every_body_route():
    big = b'{"a":"' + b"x" * (64 * 1024) + b'"}'
    for r in JSON_BODIES:
        path = fill(r["pattern"], IDS)
        s, h, b, j = D.request(r["method"], path, raw=big, token=A_ALL,
                               headers={"Content-Type": "application/json"})
        eq(s, 413, "%s %s" % (r["method"], r["pattern"]))
        eq(j["code"], "PAYLOAD_TOO_LARGE", "code")
    # an upload route takes a file up to 5 MiB, no more
    uploads = [r for r in MUTATING if r["upload"]]
    check(uploads, "the upload routes are parsed")
    for r in uploads:
        path = fill(r["pattern"], IDS)
        s, h, b, j = D.request(r["method"], path, raw=b"x" * (64 * 1024 + 1), token=A_ALL)
        eq((s, j["errors"][0]["field"]), (400, "file"), "%s: over 64 KiB is read" % path)
        # refused at the head: the body is never sent
        sock = socket.create_connection(("127.0.0.1", D.port))
        sock.sendall(("%s %s HTTP/1.1\r\nHost: t\r\nAuthorization: Bearer %s\r\n"
                      "Content-Length: %d\r\n\r\n" % (r["method"], path, A_ALL,
                                                      5 * 1024 * 1024 + 1)).encode())
        head = sock.recv(4096).decode(errors="replace")
        sock.close()
        check(head.startswith("HTTP/1.1 413") and "PAYLOAD_TOO_LARGE" in head,
              "%s: over 5 MiB: %s" % (path, head[:120]))


@test
def test_api4_deep_nesting_refused():
    deep = b'{"given_name":' + b"[" * 40 + b"]" * 40 + b"}"
    s, h, b, j = D.request("POST", "/v1/people", raw=deep, token=CW,
                           headers={"Content-Type": "application/json"})
    eq(s, 400, "nesting")


# --- API5: broken function level authorisation -----------------------------------------

# The contract's role table (docs/api-contract.md), per mutating route.
ROLES = {
    ("POST", "/v1/people"): {"caseworker", "admin"},
    ("POST", "/v1/children"): {"caseworker", "admin"},
    ("PATCH", "/v1/children/{id}"): {"caseworker", "admin"},
    ("POST", "/v1/children/{id}/contacts"): {"caseworker", "admin"},
    ("PATCH", "/v1/people/{id}"): {"caseworker", "admin"},
    ("PATCH", "/v1/children/{id}/contacts/{contact_id}"): {"caseworker", "admin"},
    ("POST", "/v1/children/{id}/plans"): {"caseworker", "admin"},
    ("PATCH", "/v1/plans/{id}"): {"caseworker", "admin"},
    ("PUT", "/v1/offer/{service_type}"): {"admin"},
    ("POST", "/v1/eligibility/checks"): {"caseworker", "family"},
    ("POST", "/v1/budget-requests"): {"caseworker", "family"},
    ("POST", "/v1/budget-requests/{id}/decision"): {"panel"},
    ("POST", "/v1/budget-requests/{id}/review"): {"caseworker", "family"},
    ("POST", "/v1/budget-requests/{id}/withdraw"): {"caseworker", "family"},
    ("POST", "/v1/budgets"): {"caseworker"},
    ("PATCH", "/v1/budgets/{id}"): {"caseworker"},
    ("POST", "/v1/budgets/{id}/approve"): {"approver"},
    ("POST", "/v1/budgets/{id}/suspend"): {"approver"},
    ("POST", "/v1/budgets/{id}/resume"): {"approver"},
    ("POST", "/v1/budgets/{id}/close"): {"approver"},
    ("PATCH", "/v1/budgets/{id}/elements/{element_id}/agreement"): {"caseworker", "approver"},
    ("POST", "/v1/budgets/{id}/elements/{element_id}/exceptions"): {"approver"},
    ("POST", "/v1/budgets/{id}/variations"): {"caseworker"},
    ("POST", "/v1/budgets/{id}/variations/{variation_id}/approve"): {"approver"},
    ("POST", "/v1/budgets/{id}/variations/{variation_id}/reject"): {"approver"},
    ("POST", "/v1/budgets/{id}/variations/{variation_id}/reconsideration"):
        {"caseworker", "family"},
    ("POST", "/v1/budgets/{id}/variations/{variation_id}/reconsideration/decision"):
        {"approver"},
    ("POST", "/v1/budget-variations/apply-due"): {"finance", "service"},
    ("POST", "/v1/budgets/{id}/elements/{element_id}/stop"): {"approver"},
    ("POST", "/v1/budgets/{id}/elements/{element_id}/reviews"):
        {"caseworker", "approver"},
    ("POST", "/v1/budgets/{id}/elements/{element_id}/agreement/head-teacher-withdrawal"):
        {"caseworker", "approver"},
    ("PATCH", "/v1/settings"): {"admin"},
    ("POST", "/v1/payees"): {"caseworker", "finance"},
    ("PATCH", "/v1/payees/{id}"): {"caseworker", "finance"},
    ("POST", "/v1/payees/{id}/bank-changes/{change_id}/confirm"): {"finance"},
    ("POST", "/v1/payees/{id}/bank-changes/{change_id}/reject"): {"finance"},
    ("POST", "/v1/budgets/{id}/payments"): {"caseworker", "finance"},
    ("POST", "/v1/payments/{id}/approve"): {"finance"},
    ("POST", "/v1/payments/{id}/cancel"): {"caseworker", "finance"},
    ("POST", "/v1/payments/{id}/reissue"): {"caseworker", "finance"},
    ("POST", "/v1/budgets/{id}/schedules"): {"caseworker", "finance"},
    ("POST", "/v1/schedules/materialise"): {"finance", "service"},
    ("PATCH", "/v1/schedules/{id}"): {"caseworker", "finance"},
    ("POST", "/v1/schedules/{id}/stop"): {"caseworker", "finance"},
    ("PUT", "/v1/term-dates/{academic_year}"): {"finance", "admin"},
    ("PUT", "/v1/ledger-codes/{service_type}"): {"finance"},
    ("POST", "/v1/payment-runs"): {"finance"},
    ("POST", "/v1/payment-runs/{id}/results"): {"finance"},
    ("POST", "/v1/payment-runs/{id}/sent"): {"finance"},
    ("POST", "/v1/payment-runs/{id}/reconcile"): {"finance"},
    ("POST", "/v1/budgets/{id}/recoveries"): {"finance"},
    ("POST", "/v1/budgets/{id}/debts"): {"finance"},
    ("POST", "/v1/debts/{id}/invoice"): {"finance"},
    ("POST", "/v1/debts/{id}/paid"): {"finance"},
    ("POST", "/v1/debts/{id}/offset"): {"finance"},
    ("POST", "/v1/debts/{id}/write-off"): {"finance"},
    ("POST", "/v1/debts/{id}/write-off/approve"): {"finance", "approver"},
    ("POST", "/v1/debts/{id}/write-off/reject"): {"finance", "approver"},
    ("POST", "/v1/debts/{id}/review"): {"caseworker", "family"},
    ("POST", "/v1/budgets/{id}/elements/{element_id}/spend-returns"): {"caseworker", "family"},
    ("POST", "/v1/spend-returns/{id}/evidence"): {"caseworker", "family"},
    ("POST", "/v1/spend-returns/{id}/resubmit"): {"caseworker", "family"},
    ("POST", "/v1/spend-returns/{id}/query"): {"caseworker"},
    ("POST", "/v1/spend-returns/{id}/accept"): {"caseworker"},
    ("POST", "/v1/budgets/{id}/elements/{element_id}/audits"): {"caseworker", "finance"},
    ("POST", "/v1/debts/{id}/review/decision"): {"finance", "approver"},
    ("POST", "/v1/budgets/{id}/surplus/inputs"): {"finance"},
    ("POST", "/v1/allocation-schemes"): {"admin"},
    ("POST", "/v1/indicative-budgets"): {"caseworker"},
}


@test
def test_api5_every_mutating_route_is_in_the_role_table():
    missing = ["%s %s" % (r["method"], r["pattern"]) for r in MUTATING
               if (r["method"], r["pattern"]) not in ROLES]
    eq(missing, [], "mutating routes without a row in ROLES (test_owasp.py)")


@test
def test_api5_function_level_authorisation_by_role():
    """Each single-role token against each mutating route, on throwaway ids (random
    ones: the role check comes before any lookup): a role not in the table → 403
    FORBIDDEN; a role in it → anything but 403."""
    for r in MUTATING:
        allowed = ROLES.get((r["method"], r["pattern"]), set())
        for role in ALL_ROLES:
            tok = token([role], sub="api5-" + role, person_id=IDS["person"] if role == "family" else None)
            ids = {k: new_id() for k in IDS}
            ids.update(person=IDS["person"], child=IDS["child"])
            s, h, b, j = call(r, tok, ids=ids)
            what = "%s %s as %s" % (r["method"], r["pattern"], role)
            if role in allowed:
                check(s != 403, "%s: refused (%s)" % (what, b[:200]))
            else:
                eq(s, 403, what)
                eq(j["code"], "FORBIDDEN", what)


@test
def test_api5_read_only_roles_cannot_reach_admin_reads():
    for role in ("caseworker", "finance", "panel", "family"):
        tok = token([role], sub="ro-" + role, person_id=IDS["person"] if role == "family" else None)
        eq(D.request("GET", "/v1/audit", token=tok)[0], 403, "audit as " + role)
    eq(D.request("GET", "/v1/events", token=token(["caseworker"]))[0], 403, "events as caseworker")
    # the SEN2 return (REP-1): auditor and admin only
    sen2 = "/v1/reports/sen2?census_date=2027-01-21"
    for role in ("caseworker", "panel", "approver", "finance", "service", "family"):
        tok = token([role], sub="sen2-" + role, person_id=IDS["person"] if role == "family" else None)
        s, h, b, j = D.request("GET", sen2, token=tok)
        eq((s, j["code"]), (403, "FORBIDDEN"), "SEN2 return as " + role)
    for role in ("auditor", "admin"):
        eq(D.request("GET", sen2, token=token([role], sub="sen2-" + role))[0], 200,
           "SEN2 return as " + role)


# --- API6: unrestricted access to sensitive business flows -------------------------------

def draft_budget(tok):
    b = body_for("api_budgets_create", IDS)
    b = dict(b, period_start="2027-09-01", period_end="2028-08-31")
    return ok(D.request("POST", "/v1/budgets", b, token=tok), 201, "draft")["id"]


@test
def test_api6_self_approval_of_budget_is_separation_of_duties():
    both = token(["caseworker", "approver"], sub="api6-both")
    bid = draft_budget(both)
    s, h, b, j = D.request("POST", "/v1/budgets/%s/approve" % bid, {}, token=both)
    eq(s, 403, "self-approval")
    eq(j["code"], "SEPARATION_OF_DUTIES", "code")
    eq(D.request("POST", "/v1/budgets/%s/approve" % bid, {}, token=AP)[0], 200, "other approver")
    s, h, b, j = D.request("POST", "/v1/budgets/%s/approve" % bid, {}, token=AP)
    eq(s, 409, "replayed approval")
    eq(j["code"], "INVALID_TRANSITION", "code")


def payment_routes_or_skip():
    if not has_route("POST", "/v1/budgets/{id}/payments"):
        print("skip: POST /v1/budgets/{id}/payments is not in api/routes.c yet")
        return False
    return True


@test
def test_api6_payment_self_approval_replay_and_key_reuse():
    if not payment_routes_or_skip():
        check(not has_route("POST", "/v1/payments/{id}/approve"), "approve without create")
        return
    body = body_for("api_payments_create", IDS)
    fin = token(["finance"], sub="api6-fin")
    key = {"Idempotency-Key": "api6-" + new_id()}
    s, h, b, j = D.request("POST", "/v1/budgets/%s/payments" % IDS["budget"], body, token=fin, headers=key)
    eq(s, 201, "create: %s" % b[:300])
    pid = j["id"]
    s2, h2, b2, j2 = D.request("POST", "/v1/budgets/%s/payments" % IDS["budget"], body, token=fin,
                               headers=key)
    eq((s2, j2["id"]), (201, pid), "replay gives the original")
    eq(h2.get("idempotent-replayed"), "true", "Idempotent-Replayed")
    s3, h3, b3, j3 = D.request("POST", "/v1/budgets/%s/payments" % IDS["budget"],
                               dict(body, amount_pence=101), token=fin, headers=key)
    eq((s3, j3["code"]), (422, "IDEMPOTENCY_KEY_REUSED"), "same key, other body")
    s, h, b, j = D.request("POST", "/v1/payments/%s/approve" % pid, {}, token=fin)
    eq((s, j["code"]), (403, "SEPARATION_OF_DUTIES"), "self-approval of a payment")
    eq(D.request("POST", "/v1/payments/%s/approve" % pid, {}, token=FIN2)[0], 200, "other finance")
    s, h, b, j = D.request("POST", "/v1/payments/%s/approve" % pid, {}, token=FIN2)
    eq((s, j["code"]), (409, "INVALID_TRANSITION"), "replayed approval")
    s, h, b, j = D.request("POST", "/v1/budgets/%s/payments" % IDS["budget"],
                           dict(body, amount_pence=10 ** 9), token=fin,
                           headers={"Idempotency-Key": "api6-big-" + new_id()})
    eq((s, j["code"]), (409, "INSUFFICIENT_FUNDS"), "over the element's remaining")


@test
def test_api6_idempotency_key_required_and_validated():
    if not payment_routes_or_skip():
        check(True)
        return
    body = body_for("api_payments_create", IDS)
    path = "/v1/budgets/%s/payments" % IDS["budget"]
    for hdrs in ({}, {"Idempotency-Key": "a b"}, {"Idempotency-Key": "k" * 256},
                 {"Idempotency-Key": "caf\u00e9".encode().decode("latin-1")}):
        s, h, b, j = D.request("POST", path, body, token=FIN, headers=hdrs)
        eq(s, 400, "Idempotency-Key %r" % hdrs)


# --- API7: server side request forgery ---------------------------------------------------

OUTBOUND = re.compile(r"\b(connect|socket|getaddrinfo|gethostbyname\w*|getnameinfo|curl_\w+|"
                      r"evhttp_connection_base\w*|evhttp_make_request|bufferevent_socket_connect\w*|"
                      r"evdns_\w+|PQconnect\w*|PQsetdbLogin|sendto|sendmsg|popen|system|exec[lv]p?e?)\s*\(")
# The only places allowed to name these: the listener resolves PB_LISTEN, the pool
# connects to PostgreSQL.
ALLOWED = {("internal/http/server.c", "getaddrinfo"), ("internal/db/conn.c", "PQconnectStartParams"),
           ("internal/db/conn.c", "PQconnectPoll")}


@test
def test_api7_no_outbound_calls_in_the_c_sources():
    hits = []
    for top in ("api", "internal", "cmd"):
        for dirpath, _, files in os.walk(os.path.join(ROOT, top)):
            for f in files:
                if not f.endswith((".c", ".h")):
                    continue
                path = os.path.join(dirpath, f)
                rel = os.path.relpath(path, ROOT)
                text = re.sub(r"/\*.*?\*/", "", open(path, errors="replace").read(), flags=re.S)
                text = re.sub(r'"(\\.|[^"\\])*"', '""', text)
                for m in OUTBOUND.finditer(text):
                    if (rel, m.group(1)) not in ALLOWED:
                        hits.append("%s: %s(" % (rel, m.group(1)))
    eq(hits, [], "outbound-call APIs outside the listener and the PostgreSQL pool")
    readme = open(os.path.join(ROOT, "README.md")).read()
    check("no outbound calls" in readme, "README states the service makes no outbound calls")


# --- API8: security misconfiguration -------------------------------------------------------

def hardening(h, what):
    check("server" not in h, "%s: Server header %r" % (what, h.get("server")))
    check("x-powered-by" not in h, what + ": X-Powered-By")
    eq(h.get("x-content-type-options"), "nosniff", what + " nosniff")
    eq(h.get("x-frame-options"), "DENY", what + " X-Frame-Options")
    eq(h.get("cache-control"), "no-store", what + " Cache-Control")
    check(not any(k.startswith("access-control-") for k in h), what + ": CORS header %r" % h)


@test
def test_api8_security_headers_on_data_and_errors():
    origin = {"Origin": "https://evil.example"}
    for method, path, tok, want in (
            ("GET", "/v1/children/%s" % IDS["child"], A_ALL, 200),
            ("GET", "/v1/payees/%s" % IDS["payee"], A_ALL, 200),
            ("GET", "/v1/me/budgets", FAMILY_OWNER, 200),
            ("GET", "/v1/me/payments", FAMILY_OWNER, 200),
            ("GET", "/v1/me/payments", A_ALL, 403),
            ("GET", "/v1/children/%s" % new_id(), A_ALL, 404),
            ("GET", "/v1/children", None, 401),
            ("GET", "/healthz", None, 200)):
        s, h, b, j = D.request(method, path, token=tok, headers=origin)
        eq(s, want, path)
        hardening(h, "%s %s" % (method, path))


@test
def test_api8_no_cors_preflight():
    s, h, b, j = D.request("OPTIONS", "/v1/children", headers={
        "Origin": "https://evil.example", "Access-Control-Request-Method": "POST",
        "Access-Control-Request-Headers": "authorization"})
    check(s in (401, 404, 405), "preflight status %d" % s)
    check(not any(k.startswith("access-control-") for k in h), "CORS headers %r" % h)


@test
def test_api8_trace_is_refused_not_echoed():
    canary = "canary-" + new_id()
    for path in ("/v1/children", "/healthz"):
        s, h, b, j = D.request("TRACE", path, headers={"X-Canary": canary, "Authorization": "Bearer " + canary})
        check(s in (405, 501), "TRACE %s: %d" % (path, s))
        check(canary.encode() not in b, "TRACE echoed the request")
        check(b"message/http" not in h.get("content-type", "").encode(), "TRACE content type")


@test
def test_api8_errors_do_not_leak_internals():
    s, h, b, j = D.request("POST", "/v1/children", raw=b'{"given_name":', token=CW,
                           headers={"Content-Type": "application/json"})
    eq(s, 400, "malformed")
    for leak in (b"postgres", b"SELECT", b"libpq", b".c:", b"Traceback", b"0x7f"):
        check(leak not in b, "error body leaks %r" % leak)


# --- API9: improper inventory management -------------------------------------------------------

@test
def test_api9_routes_and_openapi_agree():
    import yaml
    spec = yaml.safe_load(open(os.path.join(ROOT, "openapi.yaml")))
    documented = set()
    for path, ops in spec["paths"].items():
        for m in ops:
            if m.lower() in ("get", "post", "put", "patch", "delete", "head", "options", "trace"):
                documented.add((m.upper(), path))
    served = {(r["method"], r["pattern"]) for r in ROUTES}
    eq(sorted(served - documented), [], "routes missing from openapi.yaml")
    eq(sorted(documented - served), [], "openapi.yaml operations with no route")


@test
def test_api9_switched_off_services_are_absent():
    d = Daemon(URL, {"PB_SERVICES": "eligibility"})
    try:
        for r in ROUTES:
            if r["group"] in ("PB_SVC_BUDGETS", "PB_SVC_PAYMENTS") and r["method"] == "GET":
                eq(d.request("GET", fill(r["pattern"], IDS), token=A_ALL)[0], 404,
                   r["pattern"] + " with PB_SERVICES=eligibility")
    finally:
        d.stop()


# --- API10: unsafe consumption of APIs ----------------------------------------------------------

@test
def test_api10_finance_results_validated_like_client_input():
    if not has_route("POST", "/v1/payment-runs/{id}/results"):
        print("skip: POST /v1/payment-runs/{id}/results is not in api/routes.c yet")
        check(True)
        return
    path = "/v1/payment-runs/%s/results" % IDS["run"]
    pid = IDS["payment"]
    bad = {
        "unknown field": {"results": [{"payment_id": pid, "outcome": "paid", "bank_ref": "x"}]},
        "unknown top-level": {"results": [{"payment_id": pid, "outcome": "paid"}], "extra": 1},
        "wrong type outcome": {"results": [{"payment_id": pid, "outcome": 1}]},
        "wrong type id": {"results": [{"payment_id": 12, "outcome": "paid"}]},
        "not a list": {"results": {"payment_id": pid}},
        "unknown outcome": {"results": [{"payment_id": pid, "outcome": "refunded"}]},
        "empty": {"results": []},
        "10,001 results": {"results": [{}] * 10001},
        "bad uuid": {"results": [{"payment_id": "../../etc", "outcome": "paid"}]},
        "unknown payment id": {"results": [{"payment_id": new_id(), "outcome": "paid"}]},
        "reason too long": {"results": [{"payment_id": pid, "outcome": "failed",
                                         "failure_reason": "x" * 5000}]},
    }
    for what, body in bad.items():
        s, h, b, j = D.request("POST", path, body, token=FIN)
        check(s in (400, 422), "%s: got %d %s" % (what, s, b[:200]))
        eq(h.get("content-type"), "application/problem+json", what)


@test
def test_api10_nothing_is_imported_without_validation():
    # the results endpoint is the only inbound feed from another system
    feeds = [r for r in MUTATING if "results" in r["pattern"] or "import" in r["pattern"]]
    check(len(feeds) <= 1, "new inbound feed %r: add it to API10" % feeds)


if __name__ == "__main__":
    run()
