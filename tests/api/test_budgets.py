"""Budgets service over HTTP against the real daemon and PostgreSQL: payees,
drafting and approving budgets, the lifecycle, PAY-1/2/4/10 and BUD-10
refusals, totals kept by the ledger triggers, statements, Section J, the
family view and PAY-14 review dates.  Payments and recoveries are written
with psql (their API belongs to the payments service)."""
import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "lib"))
from pbtest import (Daemon, OTHER_LA, check, eq, migrated_db, new_id, psql,  # noqa: E402
                    run, test, token)

BANK_KEY = "0f" * 32
URL = migrated_db("budgets")
D = Daemon(URL, {"PB_BANK_KEY": BANK_KEY})
NOKEY = Daemon(URL)

CW = token(["caseworker"], sub="cw-alice")
CW2 = token(["caseworker", "approver"], sub="cw-bob")
AP = token(["approver"], sub="ap-carol")
FIN = token(["finance"], sub="fin-dan")
AUD = token(["auditor"], sub="aud-erin")
PERIOD = {"period_start": "2026-09-01", "period_end": "2027-08-31"}
ADMIN = token(["admin"], sub="admin-fay")

# ELIG-6: the service types these tests use are in this council's offer
for _stream, _types in (("education", ("review_dp", "review_dp2")),
                        ("social_care", ("respite", "respite_two", "respite_three")),
                        ("health", ("other", "review_notional", "x", "z"))):
    for _t in _types:
        _s = D.request("PUT", "/v1/offer/" + _t, {"stream": _stream, "offered": True,
                                                  "direct_payment_allowed": True}, token=ADMIN)[0]
        if _s != 200:
            raise SystemExit("offer setup: PUT /v1/offer/%s answered %d" % (_t, _s))


def ok(resp, status, what):
    s, h, b, j = resp
    if s != status:
        raise AssertionError("%s: got %d, want %d: %s" % (what, s, status, b[:600]))
    return j


def post(path, body, tok=CW, status=201, what=None, d=None):
    return ok((d or D).request("POST", path, body, token=tok), status, what or path)


def get(path, tok=CW, status=200):
    return ok(D.request("GET", path, token=tok), status, path)


def problem(resp, status, code, rule=None, field=None):
    s, h, b, j = resp
    if s != status:
        raise AssertionError("got %d, want %d: %s" % (s, status, b[:600]))
    eq(j["code"], code, "code")
    if rule:
        eq(j.get("rule"), rule, "rule")
    if field:
        check(any(e["field"] == field for e in j.get("errors", [])),
              "field %s in %r" % (field, j.get("errors")))
    return j


def family(relationship="parent", lives_with=True, plan=None):
    """A child with one parent contact, an issued plan and payees."""
    parent = post("/v1/people", {"given_name": "Pat", "family_name": "Parent"})["id"]
    child = post("/v1/children", {"given_name": "Kim", "family_name": "Child",
                                  "date_of_birth": "2014-05-01"})["id"]
    post("/v1/children/%s/contacts" % child,
         {"person_id": parent, "relationship": relationship,
          "has_parental_responsibility": True, "lives_with_child": lives_with})
    p = plan or {"status": "issued", "issued_on": "2025-09-01", "next_review_due": "2026-08-31"}
    plan_id = post("/v1/children/%s/plans" % child, p)["id"]
    dp_payee = post("/v1/payees", {"kind": "individual", "name": "Pat Parent",
                                   "person_id": parent, "is_local_authority": False})["id"]
    return {"parent": parent, "child": child, "plan": plan_id, "dp_payee": dp_payee,
            "fam": token(["family"], sub="fam-" + parent[:8], person_id=parent)}


ORG = None
COUNCIL = None


def org():
    global ORG
    if ORG is None:
        ORG = post("/v1/payees", {"kind": "organisation", "name": "Acme Care Ltd",
                                  "is_local_authority": False}, tok=FIN)["id"]
    return ORG


def council():
    global COUNCIL
    if COUNCIL is None:
        COUNCIL = post("/v1/payees", {"kind": "organisation", "name": "The Council",
                                      "is_local_authority": True}, tok=FIN)["id"]
    return COUNCIL


def dp(f, service="transport", pence=123450, **kw):
    e = {"stream": "education", "service_type": service, "arrangement": "direct_payment",
         "allocated_pence": pence, "recipient_person_id": f["parent"], "payee_id": f["dp_payee"],
         "agreement": {"agreed_provision": "Travel to school by taxi",
                       "outcomes": ["Attends school every day", "Arrives ready to learn"],
                       "school_premises": False}}
    e.update(kw)
    return e


def tp(service="short_breaks", pence=250000):
    return {"stream": "social_care", "service_type": service, "arrangement": "third_party",
            "allocated_pence": pence, "payee_id": org()}


def notional(service="continuing_care", pence=50000):
    return {"stream": "health", "service_type": service, "arrangement": "notional",
            "allocated_pence": pence}


def budget_body(f, elements, **kw):
    b = {"child_id": f["child"], "plan_id": f["plan"], "elements": elements}
    b.update(PERIOD)
    b.update(kw)
    return b


def approved_budget(f, elements):
    b = post("/v1/budgets", budget_body(f, elements))
    return post("/v1/budgets/%s/approve" % b["id"], {}, tok=AP, status=200)


def pay(b, element, amount, status, due="2026-12-01"):
    psql(URL, "INSERT INTO payments (la, id, budget_id, element_id, payee_id, amount_pence,"
         " purpose, due_date, status, created_by) SELECT la, gen_random_uuid(), budget_id, id,"
         " coalesce(payee_id, (SELECT id FROM payees WHERE la = e.la LIMIT 1)), %d, 'other',"
         " '%s', '%s', 'test' FROM budget_elements e WHERE id = '%s'"
         % (amount, due, status, element))


# ---- payees -------------------------------------------------------------------

@test
def test_payee_bank_details_sealed_and_masked():
    f = family()
    s, h, b, j = D.request("POST", "/v1/payees", {
        "kind": "individual", "name": "Jo PA", "person_id": f["parent"],
        "is_local_authority": False, "bank": {"sort_code": "123456", "account_number": "87654321"}},
        token=CW)
    eq(s, 201, "create")
    eq(j["bank"], {"sort_code": "123456", "account_number_last4": "4321"}, "masked")
    check(b"87654321" not in b, "full account number never returned")
    eq(h["location"], "/v1/payees/" + j["id"], "location")
    j2 = get("/v1/payees/" + j["id"], tok=FIN)
    eq(j2["bank"]["account_number_last4"], "4321", "masked on read")
    _, row, _ = psql(URL, "SELECT bank_key_id, length(bank_nonce), length(bank_tag),"
                     " position('87654321'::bytea in bank_ciphertext) FROM payees WHERE id = '%s'"
                     % j["id"])
    kid, nlen, tlen, pos = row.split("|")
    eq((len(kid), nlen, tlen, pos), (16, "12", "16", "0"), "sealed columns")
    _, audit, _ = psql(URL, "SELECT changes::text FROM audit_log WHERE entity_id = '%s'" % j["id"])
    # Quoted: a random UUID in the row may well hold the digits 4321.
    check('"4321"' not in audit and '"123456"' not in audit and "87654321" not in audit
          and '"bank"' not in audit and "account_number" not in audit,
          "no bank details in audit: " + audit)
    check('"has_bank": true' in audit, "audit says bank details exist")
    _, ev, _ = psql(URL, "SELECT payload::text FROM events WHERE entity_id = '%s'" % j["id"])
    check('"123456"' not in ev and '"4321"' not in ev and "87654321" not in ev
          and "account_number" not in ev, "no bank details in event")


@test
def test_payee_nonces_are_fresh():
    ids = [post("/v1/payees", {"kind": "organisation", "name": "Same Bank Ltd",
                               "is_local_authority": False,
                               "bank": {"sort_code": "111111", "account_number": "22222222"}},
                tok=FIN)["id"] for _ in range(2)]
    _, out, _ = psql(URL, "SELECT count(DISTINCT bank_nonce), count(DISTINCT bank_ciphertext)"
                     " FROM payees WHERE id IN ('%s', '%s')" % tuple(ids))
    eq(out, "2|2", "distinct nonce and ciphertext")


@test
def test_payee_bad_inputs():
    base = {"kind": "organisation", "name": "X Ltd", "is_local_authority": False}
    for bank, field in [({"sort_code": "12-34-56", "account_number": "12345678"}, "bank.sort_code"),
                        ({"sort_code": "123456", "account_number": "123456789"}, "bank.account_number"),
                        ({"sort_code": "123456", "account_number": "1234567a"}, "bank.account_number"),
                        ({"sort_code": "123456"}, "bank.account_number"),
                        ({"sort_code": "123456", "account_number": "12345678", "iban": "x"},
                         "bank.iban"),
                        ("123456", "bank")]:
        body = dict(base, bank=bank)
        problem(D.request("POST", "/v1/payees", body, token=FIN), 400, "VALIDATION_FAILED",
                field=field)
    problem(D.request("POST", "/v1/payees", dict(base, kind="company"), token=FIN), 400,
            "VALIDATION_FAILED", field="kind")
    problem(D.request("POST", "/v1/payees", dict(base, name=""), token=FIN), 400,
            "VALIDATION_FAILED", field="name")
    problem(D.request("POST", "/v1/payees", dict(base, person_id=new_id()), token=FIN), 400,
            "VALIDATION_FAILED", field="person_id")
    problem(D.request("POST", "/v1/payees", {"kind": "individual", "name": "Y",
                                             "is_local_authority": False, "person_id": new_id()},
                      token=FIN), 400, "VALIDATION_FAILED", field="person_id")
    problem(D.request("POST", "/v1/payees", dict(base, id=new_id()), token=FIN), 400,
            "VALIDATION_FAILED", field="id")
    problem(D.request("POST", "/v1/payees", base, token=AP), 403, "FORBIDDEN")


@test
def test_payee_bank_refused_without_key():
    j = problem(NOKEY.request("POST", "/v1/payees", {
        "kind": "organisation", "name": "No Key Ltd", "is_local_authority": False,
        "bank": {"sort_code": "123456", "account_number": "12345678"}}, token=FIN),
        400, "VALIDATION_FAILED", field="bank")
    check("PB_BANK_KEY is not configured" in j["errors"][0]["message"], "clear message")
    # without bank details the same daemon creates it
    post("/v1/payees", {"kind": "organisation", "name": "No Key Ltd",
                        "is_local_authority": False}, tok=FIN, d=NOKEY)


# ---- drafting and approving ------------------------------------------------------

@test
def test_mixed_budget_draft_approve_family_view_section_j():
    f = family()
    b = post("/v1/budgets", budget_body(f, [dp(f), tp(), notional()]))
    eq(b["status"], "draft", "status")
    eq(b["arrangement"], "mixed", "derived arrangement")
    eq((b["allocated_pence"], b["committed_pence"], b["spent_pence"], b["remaining_pence"]),
       (423450, 0, 0, 423450), "totals")
    eq([e["arrangement"] for e in b["elements"]], ["direct_payment", "third_party", "notional"],
       "elements in order")
    eq(b["elements"][1]["payee_name"], "Acme Care Ltd", "payee name")
    # the family does not see drafts
    eq(get("/v1/me/budgets", tok=f["fam"])["items"], [], "no drafts for the family")
    # a caseworker cannot approve; the creator cannot approve their own
    problem(D.request("POST", "/v1/budgets/%s/approve" % b["id"], {}, token=CW), 403, "FORBIDDEN")
    b2 = post("/v1/budgets", budget_body(family(), [notional()]), tok=CW2)
    problem(D.request("POST", "/v1/budgets/%s/approve" % b2["id"], {}, token=CW2), 403,
            "SEPARATION_OF_DUTIES")
    a = post("/v1/budgets/%s/approve" % b["id"], {"reason": "panel agreed"}, tok=AP, status=200)
    eq((a["status"], a["approved_by"]), ("approved", "ap-carol"), "approved")
    eq(a["status_history"][-1]["reason"], "panel agreed", "reason recorded")
    # the family view
    me = get("/v1/me/budgets", tok=f["fam"])
    eq(len(me["items"]), 1, "one budget")
    it = me["items"][0]
    eq(it["child"], {"id": f["child"], "given_name": "Kim"}, "child")
    eq((it["budget_id"], it["status"], it["arrangement"]), (b["id"], "approved", "mixed"), "budget")
    eq((it["allocated_pence"], it["committed_pence"], it["spent_pence"], it["remaining_pence"]),
       (423450, 0, 0, 423450), "totals")
    eq(len(it["elements"]), 3, "elements")
    eq(set(it["elements"][0]), {"id", "stream", "service_type", "label", "arrangement", "held_by",
                                "allocated_pence", "committed_pence", "spent_pence",
                                "remaining_pence", "paid_to_family_pence", "upcoming_payments"},
       "element keys")
    eq(it["next_payment"], None, "no payment yet")
    # Section J as JSON
    sj = get("/v1/budgets/%s/section-j" % b["id"])
    eq(sj["total"], "£4,234.50", "total in pounds")
    eq([e["held_by"] for e in sj["elements"]], ["Pat Parent", "Acme Care Ltd",
                                                 "the council (notional)"], "held by")
    eq(sj["elements"][0]["amount"], "£1,234.50", "amount")
    eq(sj["elements"][0]["direct_payment"]["outcomes"],
       ["Attends school every day", "Arrives ready to learn"], "BUD-3 outcomes")
    eq(sj["elements"][1]["direct_payment"], None, "only DPs carry provision")
    # ... and as plain text
    s, h, body, _ = D.request("GET", "/v1/budgets/%s/section-j" % b["id"], token=f["fam"],
                              headers={"Accept": "text/plain"})
    eq(s, 200, "text status")
    check(h["content-type"].startswith("text/plain"), "text/plain")
    text = body.decode()
    for want in ["Section J", "Kim Child", "£4,234.50", "£1,234.50", "Travel to school by taxi",
                 "- Attends school every day", "Held by: the council (notional)",
                 "Held by: Acme Care Ltd", "short breaks"]:
        check(want in text, "%r in section J text:\n%s" % (want, text))
    # events and audit
    _, types, _ = psql(URL, "SELECT string_agg(type, ',' ORDER BY pos) FROM events"
                       " WHERE entity_id = '%s'" % b["id"])
    eq(types, "budget.created,budget.approved", "events")


@test
def test_children_budgets_list_and_get():
    f = family()
    b = post("/v1/budgets", budget_body(f, [notional()]))
    j = get("/v1/children/%s/budgets" % f["child"])
    eq([x["id"] for x in j["items"]], [b["id"]], "listed")
    eq(j["next_cursor"], None, "one page")
    j = get("/v1/budgets/" + b["id"], tok=f["fam"])
    eq(j["id"], b["id"], "family reads own child's budget")
    other = family()
    problem(D.request("GET", "/v1/budgets/" + b["id"], token=other["fam"]), 404, "NOT_FOUND")
    problem(D.request("GET", "/v1/children/%s/budgets" % f["child"], token=other["fam"]), 404,
            "NOT_FOUND")


@test
def test_lifecycle_transitions():
    f = family()
    b = post("/v1/budgets", budget_body(f, [notional()]))
    path = "/v1/budgets/" + b["id"]
    problem(D.request("POST", path + "/suspend", {"reason": "x"}, token=AP), 409,
            "INVALID_TRANSITION")
    problem(D.request("POST", path + "/resume", {}, token=AP), 409, "INVALID_TRANSITION")
    problem(D.request("POST", path + "/close", {"reason": "x"}, token=AP), 409,
            "INVALID_TRANSITION")
    post(path + "/approve", {}, tok=AP, status=200)
    problem(D.request("POST", path + "/approve", {}, token=AP), 409, "INVALID_TRANSITION")
    problem(D.request("POST", path + "/suspend", {}, token=AP), 400, "VALIDATION_FAILED",
            field="reason")
    problem(D.request("POST", path + "/suspend", {"reason": "x", "status": "suspended"},
                      token=AP), 400, "VALIDATION_FAILED", field="status")
    eq(post(path + "/suspend", {"reason": "review of use"}, tok=AP, status=200)["status"],
       "suspended", "suspended")
    eq(post(path + "/resume", {}, tok=AP, status=200)["status"], "approved", "resumed")
    problem(D.request("POST", path + "/close", {}, token=AP), 400, "VALIDATION_FAILED",
            field="reason")
    c = post(path + "/close", {"reason": "plan ceased"}, tok=AP, status=200)
    eq(c["status"], "closed", "closed")
    eq([h["status"] for h in c["status_history"]],
       ["draft", "approved", "suspended", "approved", "closed"], "history")
    eq(c["status_history"][-1]["reason"], "plan ceased", "close reason")
    for act in ("resume", "suspend", "approve"):
        problem(D.request("POST", path + "/" + act, {"reason": "x"}, token=AP), 409,
                "INVALID_TRANSITION")
    _, types, _ = psql(URL, "SELECT string_agg(type, ',' ORDER BY pos) FROM events"
                       " WHERE entity_id = '%s'" % b["id"])
    eq(types, "budget.created,budget.approved,budget.suspended,budget.resumed,budget.closed",
       "events")


@test
def test_patch_only_drafts_with_if_match():
    f = family()
    b = post("/v1/budgets", budget_body(f, [notional()]))
    path = "/v1/budgets/" + b["id"]
    problem(D.request("PATCH", path, {"period_end": "2027-07-31"}, token=CW,
                      headers={"If-Match": '"7"'}), 412, "PRECONDITION_FAILED")
    s, h, _, j = D.request("PATCH", path, {"period_end": "2027-07-31",
                                           "elements": [notional(pence=60000), tp()]},
                           token=CW, headers={"If-Match": '"1"'})
    eq(s, 200, "patched")
    eq(h["etag"], '"2"', "etag")
    eq((j["period_end"], j["allocated_pence"], j["arrangement"]),
       ("2027-07-31", 310000, "mixed"), "patched fields")
    problem(D.request("PATCH", path, {"child_id": new_id()}, token=CW), 400,
            "VALIDATION_FAILED", field="child_id")
    problem(D.request("PATCH", path, {"status": "approved"}, token=CW), 400,
            "VALIDATION_FAILED", field="status")
    post(path + "/approve", {}, tok=AP, status=200)
    problem(D.request("PATCH", path, {"period_end": "2027-06-30"}, token=CW), 409,
            "INVALID_TRANSITION")
    _, n, _ = psql(URL, "SELECT count(*) FROM audit_log WHERE entity_id = '%s'"
                   " AND action = 'budget.updated'" % b["id"])
    eq(n, "1", "one update audited")


# ---- rules -------------------------------------------------------------------

@test
def test_recipient_rules_pay1_pay2_pay4():
    f = family()
    stranger = post("/v1/people", {"given_name": "Sam", "family_name": "Stranger"})["id"]
    stranger_payee = post("/v1/payees", {"kind": "individual", "name": "Sam Stranger",
                                         "person_id": stranger, "is_local_authority": False})["id"]
    # recipient not a contact of the child
    problem(D.request("POST", "/v1/budgets", budget_body(f, [dp(
        f, recipient_person_id=stranger, payee_id=stranger_payee)]), token=CW),
        422, "RULE_VIOLATION", rule="PAY-1")
    # payee not linked to the recipient
    problem(D.request("POST", "/v1/budgets", budget_body(f, [dp(f, payee_id=stranger_payee)]),
                      token=CW), 422, "RULE_VIOLATION", rule="PAY-1")
    # an organisation as a direct-payment payee
    problem(D.request("POST", "/v1/budgets", budget_body(f, [dp(f, payee_id=org())]),
                      token=CW), 422, "RULE_VIOLATION", rule="PAY-1")
    # lacks capacity (PAY-2), then excluded (PAY-4)
    psql(URL, "UPDATE contacts SET lacks_capacity = true WHERE person_id = '%s'" % f["parent"])
    problem(D.request("POST", "/v1/budgets", budget_body(f, [dp(f)]), token=CW),
            422, "RULE_VIOLATION", rule="PAY-2")
    psql(URL, "UPDATE contacts SET lacks_capacity = false, dp_excluded = true"
         " WHERE person_id = '%s'" % f["parent"])
    problem(D.request("POST", "/v1/budgets", budget_body(f, [dp(f)]), token=CW),
            422, "RULE_VIOLATION", rule="PAY-4")
    # a draft made before the exclusion is refused at approval
    psql(URL, "UPDATE contacts SET dp_excluded = false WHERE person_id = '%s'" % f["parent"])
    b = post("/v1/budgets", budget_body(f, [dp(f)]))
    psql(URL, "UPDATE contacts SET dp_excluded = true WHERE person_id = '%s'" % f["parent"])
    problem(D.request("POST", "/v1/budgets/%s/approve" % b["id"], {}, token=AP),
            422, "RULE_VIOLATION", rule="PAY-4")
    # a nominee (without parental responsibility) needs a written nomination
    g = family(relationship="nominated_person")
    psql(URL, "UPDATE contacts SET has_parental_responsibility = false WHERE person_id = '%s'"
         % g["parent"])
    problem(D.request("POST", "/v1/budgets", budget_body(g, [dp(g)]), token=CW),
            422, "RULE_VIOLATION", rule="PAY-1")
    psql(URL, "UPDATE contacts SET nominated_in_writing = true WHERE person_id = '%s'"
         % g["parent"])
    post("/v1/budgets", budget_body(g, [dp(g)]))


@test
def test_council_payee_pay10_and_shapes():
    f = family()
    problem(D.request("POST", "/v1/budgets", budget_body(f, [dict(tp(), payee_id=council())]),
                      token=CW), 422, "RULE_VIOLATION", rule="PAY-10")
    # a third party must be an organisation (BUD-2)
    problem(D.request("POST", "/v1/budgets", budget_body(f, [dict(tp(), payee_id=f["dp_payee"])]),
                      token=CW), 422, "RULE_VIOLATION", rule="BUD-2")
    # shapes: notional with a payee, DP without recipient, agreement on a non-DP
    problem(D.request("POST", "/v1/budgets", budget_body(f, [dict(notional(), payee_id=org())]),
                      token=CW), 400, "VALIDATION_FAILED", field="elements[0].payee_id")
    e = dp(f)
    del e["recipient_person_id"]
    problem(D.request("POST", "/v1/budgets", budget_body(f, [e]), token=CW), 400,
            "VALIDATION_FAILED", field="elements[0].recipient_person_id")
    problem(D.request("POST", "/v1/budgets", budget_body(f, [dict(tp(), agreement=dp(f)[
        "agreement"])]), token=CW), 400, "VALIDATION_FAILED", field="elements[0].agreement")
    problem(D.request("POST", "/v1/budgets", budget_body(f, [dict(tp(), payee_id=new_id())]),
                      token=CW), 400, "VALIDATION_FAILED", field="elements[0].payee_id")
    # a direct payment without an agreement drafts, but is not approved (BUD-3)
    e = dp(f)
    del e["agreement"]
    b = post("/v1/budgets", budget_body(f, [e]))
    problem(D.request("POST", "/v1/budgets/%s/approve" % b["id"], {}, token=AP), 422,
            "RULE_VIOLATION", rule="BUD-3")


@test
def test_overlap_refused_409():
    f = family()
    b = post("/v1/budgets", budget_body(f, [tp("respite")]))
    problem(D.request("POST", "/v1/budgets", budget_body(
        f, [tp("respite")], period_start="2027-08-31", period_end="2028-01-31"), token=CW),
        409, "CONFLICT")
    # another service type, or a period after, is fine
    post("/v1/budgets", budget_body(f, [tp("respite_two")]))
    post("/v1/budgets", budget_body(f, [tp("respite")], period_start="2027-09-01",
                                    period_end="2028-01-31"))
    # a closed budget no longer blocks
    post("/v1/budgets/%s/approve" % b["id"], {}, tok=AP, status=200)
    post("/v1/budgets/%s/close" % b["id"], {"reason": "replaced"}, tok=AP, status=200)
    post("/v1/budgets", budget_body(f, [tp("respite")], period_end="2027-03-31"))
    # the same service twice in one request
    problem(D.request("POST", "/v1/budgets", budget_body(f, [notional("x"), notional("x")]),
                      token=CW), 400, "VALIDATION_FAILED", field="elements[1]")
    # and the database refuses an overlap even from a buggy caller
    b3 = post("/v1/budgets", budget_body(f, [tp("respite_three")], period_end="2027-03-31"))
    rc, _, err = psql(URL, "UPDATE budget_elements SET service_type = 'respite'"
                      " WHERE budget_id = '%s'" % b3["id"], check_rc=False)
    check(rc != 0 and "budget_elements_no_overlap" in err, "exclusion constraint: " + err)


@test
def test_period_outside_plan_bud10():
    f = family()
    problem(D.request("POST", "/v1/budgets", budget_body(
        f, [notional()], period_start="2025-08-01"), token=CW), 422, "RULE_VIOLATION",
        rule="BUD-10")
    problem(D.request("POST", "/v1/budgets", budget_body(
        f, [notional()], period_start="2027-01-01", period_end="2026-12-31"), token=CW),
        400, "VALIDATION_FAILED", field="period_end")
    # a ceased plan takes no new budget, and the period ends by ceased_on
    s, h, _, _ = D.request("GET", "/v1/plans/" + f["plan"], token=CW)
    post_ok = D.request("PATCH", "/v1/plans/" + f["plan"],
                        {"status": "ceased", "ceased_on": "2026-10-31",
                         "cease_notice_on": "2026-08-20"}, token=CW,
                        headers={"If-Match": h["etag"]})
    eq(post_ok[0], 200, "plan ceased")
    problem(D.request("POST", "/v1/budgets", budget_body(f, [notional()]), token=CW),
            422, "RULE_VIOLATION", rule="BUD-10")
    problem(D.request("POST", "/v1/budgets", budget_body(f, [notional()], plan_id=new_id()),
                      token=CW), 400, "VALIDATION_FAILED", field="plan_id")
    problem(D.request("POST", "/v1/budgets", budget_body(f, [notional()], child_id=new_id()),
                      token=CW), 400, "VALIDATION_FAILED", field="child_id")


@test
def test_bad_inputs_400():
    f = family()
    base = budget_body(f, [notional()])
    for pence in (1.5, "100", 1e3, -1, 0, 100000000001, None, True):
        body = budget_body(f, [notional(pence=pence)])
        # every refused form names the member (fractions and exponents too)
        field = "elements[0].allocated_pence"
        problem(D.request("POST", "/v1/budgets", body, token=CW), 400, "VALIDATION_FAILED",
                field=field)
    # exponent and fraction forms in the raw text
    for raw in (b'1e3', b'100.0', b'1E2', b'-0'):
        text = ('{"child_id":"%s","plan_id":"%s","period_start":"2026-09-01",'
                '"period_end":"2027-08-31","elements":[{"stream":"health",'
                '"service_type":"continuing_care","arrangement":"notional","allocated_pence":'
                % (f["child"], f["plan"])).encode() + raw + b'}]}'
        s, _, _, j = D.request("POST", "/v1/budgets", raw=text, token=CW,
                               headers={"Content-Type": "application/json"})
        eq(s, 400, "raw %r" % raw)
    for k, v in [("status", "approved"), ("allocated_pence", 5), ("remaining_pence", 5),
                 ("arrangement", "mixed"), ("id", new_id()), ("version", 3), ("colour", "red")]:
        problem(D.request("POST", "/v1/budgets", dict(base, **{k: v}), token=CW), 400,
                "VALIDATION_FAILED", field=k)
    for k, v in [("committed_pence", 0), ("spent_pence", 0), ("id", new_id()), ("colour", 1),
                 ("stream", "housing"), ("arrangement", "mixed"), ("arrangement", "cash"),
                 ("service_type", "Short Breaks"), ("service_type", "")]:
        e = dict(notional(), **{k: v})
        problem(D.request("POST", "/v1/budgets", budget_body(f, [e]), token=CW), 400,
                "VALIDATION_FAILED", field="elements[0]." + k)
    problem(D.request("POST", "/v1/budgets", budget_body(f, []), token=CW), 400,
            "VALIDATION_FAILED", field="elements")
    problem(D.request("POST", "/v1/budgets", budget_body(f, [notional()] * 13), token=CW), 400,
            "VALIDATION_FAILED", field="elements")
    ag = dp(f)["agreement"]
    for k, v, field in [("outcomes", [], "outcomes"), ("outcomes", ["x"] * 21, "outcomes"),
                        ("outcomes", [1], "outcomes"), ("agreed_provision", "", "agreed_provision"),
                        ("agreed_provision", "x" * 2001, "agreed_provision"),
                        ("signed_on", "2099-01-01", "signed_on"), ("extra", 1, "extra")]:
        e = dp(f, agreement=dict(ag, **{k: v}))
        problem(D.request("POST", "/v1/budgets", budget_body(f, [e]), token=CW), 400,
                "VALIDATION_FAILED", field="elements[0].agreement." + field)
    problem(D.request("POST", "/v1/budgets", dict(base, period_start="2026-02-30"), token=CW),
            400, "VALIDATION_FAILED", field="period_start")
    s, _, _, _ = D.request("POST", "/v1/budgets", raw=b'{"child_id":1,"child_id":2}', token=CW,
                           headers={"Content-Type": "application/json"})
    eq(s, 400, "duplicate key")
    problem(D.request("POST", "/v1/budgets", base, token=FIN), 403, "FORBIDDEN")
    problem(D.request("POST", "/v1/budgets", base, token=f["fam"]), 403, "FORBIDDEN")


# ---- agreements and exceptions ---------------------------------------------------

@test
def test_agreement_dates_recorded_later():
    f = family()
    a = approved_budget(f, [dp(f), notional()])
    el = a["elements"][0]["id"]
    path = "/v1/budgets/%s/elements/%s/agreement" % (a["id"], el)
    j = ok(D.request("PATCH", path, {"signed_on": "2026-10-01"}, token=CW), 200, "sign")
    eq(j["elements"][0]["agreement"]["signed_on"], "2026-10-01", "signed")
    eq(j["elements"][0]["agreement"]["outcomes"],
       ["Attends school every day", "Arrives ready to learn"], "outcomes kept")
    eq(j["version"], a["version"] + 1, "version bumped")
    problem(D.request("PATCH", path, {"agreed_provision": "Something else"}, token=AP), 409,
            "INVALID_TRANSITION")
    problem(D.request("PATCH", path, {"head_teacher_agreed_on": "2026-10-02"}, token=AP), 400,
            "VALIDATION_FAILED", field="elements[0].agreement.head_teacher_agreed_on")
    problem(D.request("PATCH", path, {}, token=CW), 400, "VALIDATION_FAILED")
    problem(D.request("PATCH", path, {"signed_on": "2026-10-01"}, token=FIN), 403, "FORBIDDEN")
    notional_path = "/v1/budgets/%s/elements/%s/agreement" % (a["id"], a["elements"][1]["id"])
    problem(D.request("PATCH", notional_path, {"signed_on": "2026-10-01"}, token=CW), 409,
            "CONFLICT")
    problem(D.request("PATCH", "/v1/budgets/%s/elements/%s/agreement" % (a["id"], new_id()),
                      {"signed_on": "2026-10-01"}, token=CW), 404, "NOT_FOUND")
    # a draft may change its provision and premises
    g = family()
    b = post("/v1/budgets", budget_body(g, [dp(g)]))
    p2 = "/v1/budgets/%s/elements/%s/agreement" % (b["id"], b["elements"][0]["id"])
    j = ok(D.request("PATCH", p2, {"school_premises": True, "head_teacher_agreed_on": "2026-09-15",
                                   "outcomes": ["Reads fluently"]}, token=CW), 200, "draft")
    eq(j["elements"][0]["agreement"]["outcomes"], ["Reads fluently"], "outcomes replaced")
    eq(j["elements"][0]["agreement"]["head_teacher_agreed_on"], "2026-09-15", "head teacher")
    _, types, _ = psql(URL, "SELECT string_agg(type, ',' ORDER BY pos) FROM events"
                       " WHERE entity_id = '%s'" % a["id"])
    check("budget.agreement_updated" in types, types)


@test
def test_exceptions_only_pay11():
    f = family()
    a = approved_budget(f, [dp(f)])
    path = "/v1/budgets/%s/elements/%s/exceptions" % (a["id"], a["elements"][0]["id"])
    s, h, _, j = D.request("POST", path, {"rule": "PAY-11", "reason": "Only carer available"},
                           token=AP)
    eq(s, 201, "recorded")
    eq((j["rule"], j["recorded_by"]), ("PAY-11", "ap-carol"), "exception")
    check(h["location"].startswith(path), "location")
    problem(D.request("POST", path, {"rule": "PAY-11", "reason": "again"}, token=AP), 409,
            "CONFLICT")
    problem(D.request("POST", path, {"rule": "PAY-3", "reason": "x"}, token=AP), 422,
            "RULE_VIOLATION", rule="PAY-3")
    problem(D.request("POST", path, {"rule": "NOPE-1", "reason": "x"}, token=AP), 400,
            "VALIDATION_FAILED", field="rule")
    problem(D.request("POST", path, {"rule": "PAY-11", "reason": "x"}, token=CW), 403, "FORBIDDEN")
    eq(get("/v1/budgets/" + a["id"])["elements"][0]["exceptions"][0]["reason"],
       "Only carer available", "listed on the element")


# ---- totals, statement, family view ------------------------------------------------

@test
def test_family_view_etag_and_totals():
    f = family()
    a = approved_budget(f, [dp(f, pence=100000), tp(pence=50000)])
    s, h, b, me = D.request("GET", "/v1/me/budgets", token=f["fam"])
    eq(s, 200, "view")
    etag = h["etag"]
    s, h2, b2, _ = D.request("GET", "/v1/me/budgets", token=f["fam"],
                             headers={"If-None-Match": etag})
    eq((s, b2), (304, b""), "not modified")
    eq(h2["etag"], etag, "same etag")
    check(etag.startswith('"fv2-'), "the tag names the stored version: %r" % etag)
    # another family's change leaves this view (and its tag) alone
    g = family()
    approved_budget(g, [dp(g, pence=1000)])
    s, h2, b2, _ = D.request("GET", "/v1/me/budgets", token=f["fam"],
                             headers={"If-None-Match": 'W/"x", ' + etag})
    eq((s, h2["etag"]), (304, etag), "still not modified, matched in a list")
    el = a["elements"][0]["id"]
    pay(a, el, 20000, "paid", due="2026-10-01")
    pay(a, el, 15000, "approved", due="2026-12-20")
    pay(a, el, 5000, "pending_approval", due="2026-12-05")
    pay(a, el, 7000, "cancelled", due="2026-12-01")
    pay(a, el, 9000, "exported", due="2026-01-01")     # overdue: not "next"
    s, h3, _, me = D.request("GET", "/v1/me/budgets", token=f["fam"],
                             headers={"If-None-Match": etag})
    eq(s, 200, "changed after payments")
    check(h3["etag"] != etag, "etag changed")
    it = me["items"][0]
    eq((it["allocated_pence"], it["committed_pence"], it["spent_pence"], it["remaining_pence"]),
       (150000, 29000, 20000, 101000), "budget totals")
    e0 = it["elements"][0]
    eq((e0["committed_pence"], e0["spent_pence"], e0["remaining_pence"]), (29000, 20000, 51000),
       "element totals")
    eq(it["next_payment"], {"due_date": "2026-12-05", "amount_pence": 5000,
                            "element_label": "Transport"}, "next payment")
    # suspended budgets stay visible; closed ones do not
    post("/v1/budgets/%s/suspend" % a["id"], {"reason": "check"}, tok=AP, status=200)
    eq(get("/v1/me/budgets", tok=f["fam"])["items"][0]["status"], "suspended", "suspended shown")
    post("/v1/budgets/%s/close" % a["id"], {"reason": "done"}, tok=AP, status=200)
    eq(get("/v1/me/budgets", tok=f["fam"])["items"], [], "closed hidden")
    # closing cancelled the unexported payments and released their commitment
    _, out, _ = psql(URL, "SELECT string_agg(status, ',' ORDER BY due_date) FROM payments"
                     " WHERE budget_id = '%s'" % a["id"])
    eq(out, "exported,paid,cancelled,cancelled,cancelled", "hook cancelled unexported")
    eq(get("/v1/budgets/" + a["id"])["committed_pence"], 9000, "only the exported commitment")


@test
def test_family_view_next_payment_beyond_the_stored_instalments():
    # The read model keeps an element's next 16 open instalments from yesterday
    # on; when they end inside the coming 8 weeks and there are more, the read
    # finds the element's next ones in payments instead.
    import datetime
    f = family()
    a = approved_budget(f, [dp(f, pence=500000)])
    el = a["elements"][0]["id"]
    today = datetime.datetime.now(datetime.timezone.utc).date()
    yesterday = (today - datetime.timedelta(days=1)).isoformat()
    later = (today + datetime.timedelta(days=40)).isoformat()
    for _ in range(17):
        pay(a, el, 100, "approved", due=yesterday)   # open, but no longer next
    pay(a, el, 4321, "pending_approval", due=later)
    _, out, _ = psql(URL, "SELECT array_length(open_due, 1) || ' ' || open_more FROM"
                     " family_view_rows WHERE budget_id = '%s' LIMIT 1" % a["id"])
    eq(out, "16 true", "sixteen stored, more to come")
    it = get("/v1/me/budgets", tok=f["fam"])["items"][0]
    eq(it["next_payment"], {"due_date": later, "amount_pence": 4321,
                            "element_label": "Transport"}, "found beyond the sixteen")
    eq(it["elements"][0]["upcoming_payments"], [{"due_date": later, "amount_pence": 4321}],
       "and listed as to come")
    _, drift, _ = psql(URL, "SELECT count(*) FROM family_view_drift")
    eq(drift, "0", "read model matches recomputation")


@test
def test_family_view_ownership():
    f, g = family(), family()
    approved_budget(f, [notional()])
    approved_budget(g, [notional()])
    mine = get("/v1/me/budgets", tok=f["fam"])["items"]
    eq([i["child"]["id"] for i in mine], [f["child"]], "only my child")
    problem(D.request("GET", "/v1/me/budgets", token=CW), 403, "FORBIDDEN")
    problem(D.request("GET", "/v1/me/budgets", token=AP), 403, "FORBIDDEN")
    stranger = token(["family"], sub="fam-x", person_id=new_id())
    eq(get("/v1/me/budgets", tok=stranger)["items"], [], "a person with no children")
    other_la = token(["family"], sub="fam-y", person_id=f["parent"], la=OTHER_LA)
    eq(get("/v1/me/budgets", tok=other_la)["items"], [], "another council sees nothing")


@test
def test_family_views_at_once_each_answered_for_its_own_family():
    """GET /v1/me/budgets shares one pipelined connection per loop thread
    among requests: under 48 concurrent clients every answer, full or 304,
    is still the asking family's own."""
    from concurrent.futures import ThreadPoolExecutor
    fams = [family() for _ in range(12)]
    for f in fams:
        approved_budget(f, [notional()])
    etags = {}
    for f in fams:
        s, h, _, _ = D.request("GET", "/v1/me/budgets", token=f["fam"])
        etags[f["child"]] = h.get("etag")

    def ask(i):
        f = fams[(i * 7) % len(fams)]
        hdr = {"If-None-Match": etags[f["child"]]} if i % 3 == 0 else None
        s, h, _, j = D.request("GET", "/v1/me/budgets", token=f["fam"], headers=hdr)
        got = [it["child"]["id"] for it in (j or {}).get("items", [])] if s == 200 else None
        return s, got, h.get("etag"), f["child"]

    with ThreadPoolExecutor(48) as pool:
        answers = list(pool.map(ask, range(600)))
    eq(sorted(set(a[0] for a in answers)), [200, 304], "every request answered 200 or 304")
    eq([a for a in answers if a[0] == 200 and a[1] != [a[3]]], [], "each family sees its own child")
    eq([a for a in answers if a[2] != etags[a[3]]], [], "each answer carries its own family's ETag")


@test
def test_statement_running_balance():
    f = family()
    a = approved_budget(f, [dp(f, pence=100000), notional(pence=20000)])
    e0, e1 = a["elements"][0]["id"], a["elements"][1]["id"]
    pay(a, e0, 30000, "paid", due="2026-09-10")
    pay(a, e1, 5000, "approved", due="2026-09-20")
    pay(a, e0, 10000, "failed", due="2026-09-25")
    psql(URL, "INSERT INTO recoveries (la, id, budget_id, element_id, amount_pence, reason,"
         " recorded_on, created_by) SELECT la, gen_random_uuid(), budget_id, id, 4000,"
         " 'unused', '2026-10-05', 'test' FROM budget_elements WHERE id = '%s'" % e0)
    pay(a, e0, 20000, "pending_approval", due="2026-11-01")
    st = get("/v1/budgets/%s/statement" % a["id"])
    eq([(i["date"], i["kind"], i["status"], i["amount_pence"], i["balance_pence"])
        for i in st["items"]],
       [("2026-09-10", "payment", "paid", 30000, 90000),
        ("2026-09-20", "payment", "approved", 5000, 85000),
        ("2026-09-25", "payment", "failed", 10000, 85000),
        ("2026-10-05", "recovery", "recovered", 4000, 89000),
        ("2026-11-01", "payment", "pending_approval", 20000, 69000)], "lines")
    check(st["items"][3]["recovery_id"] and st["items"][3]["payment_id"] is None, "recovery ids")
    eq(get("/v1/budgets/" + a["id"])["remaining_pence"], 69000, "last balance = remaining")
    p1 = get("/v1/budgets/%s/statement?limit=2" % a["id"])
    eq(len(p1["items"]), 2, "page 1")
    p2 = get("/v1/budgets/%s/statement?limit=2&cursor=%s" % (a["id"], p1["next_cursor"]))
    eq([i["balance_pence"] for i in p2["items"]], [85000, 89000], "page 2")
    p3 = get("/v1/budgets/%s/statement?limit=2&cursor=%s" % (a["id"], p2["next_cursor"]))
    eq(([i["balance_pence"] for i in p3["items"]], p3["next_cursor"]), ([69000], None), "page 3")
    problem(D.request("GET", "/v1/budgets/%s/statement?limit=0" % a["id"], token=CW), 400,
            "VALIDATION_FAILED", field="limit")
    problem(D.request("GET", "/v1/budgets/%s/statement" % a["id"], token=family()["fam"]), 404,
            "NOT_FOUND")


@test
def test_database_refuses_overspend():
    f = family()
    a = approved_budget(f, [notional(pence=10000)])
    el = a["elements"][0]["id"]
    pay(a, el, 8000, "approved")
    rc, _, err = psql(URL, "INSERT INTO payments (la, id, budget_id, element_id, payee_id,"
                      " amount_pence, purpose, due_date, status, created_by) SELECT la,"
                      " gen_random_uuid(), budget_id, id, '%s', 2001, 'other', '2026-12-01',"
                      " 'pending_approval', 'x' FROM budget_elements WHERE id = '%s'"
                      % (org(), el), check_rc=False)
    check(rc != 0 and "budget_elements_bud9" in err, "overspend refused: " + err)
    psql(URL, "UPDATE payments SET status = 'paid' WHERE element_id = '%s'" % el)
    rc, _, err = psql(URL, "INSERT INTO recoveries (la, id, budget_id, element_id, amount_pence,"
                      " reason, recorded_on, created_by) SELECT la, gen_random_uuid(), budget_id,"
                      " id, 8001, 'x', '2026-12-01', 'x' FROM budget_elements WHERE id = '%s'"
                      % el, check_rc=False)
    check(rc != 0 and "spent_pence" in err, "recovery above spent refused: " + err)
    rc, _, err = psql(URL, "TRUNCATE recoveries", check_rc=False)
    check(rc != 0, "recoveries are append-only")


# ---- requests, reviews, tenancy ----------------------------------------------------

@test
def test_request_moves_to_approved():
    f = family()
    check_id, req = new_id(), new_id()
    psql(URL, "INSERT INTO eligibility_checks (la, id, child_id, requester_person_id, as_of,"
         " outcome, result, created_by) VALUES ('E09000007', '%s', '%s', '%s', '2026-11-01',"
         " 'eligible', '{\"elements\": []}', 'x')" % (check_id, f["child"], f["parent"]))
    psql(URL, "INSERT INTO budget_requests (la, id, child_id, requester_person_id, check_id,"
         " status, created_by) VALUES ('E09000007', '%s', '%s', '%s', '%s', 'eligible', 'x')"
         % (req, f["child"], f["parent"], check_id))
    other = family()
    problem(D.request("POST", "/v1/budgets", budget_body(other, [notional()], request_id=req),
                      token=CW), 400, "VALIDATION_FAILED", field="request_id")
    b = post("/v1/budgets", budget_body(f, [notional()], request_id=req))
    eq(b["request_id"], req, "linked")
    _, out, _ = psql(URL, "SELECT status || '|' || budget_id FROM budget_requests WHERE id = '%s'"
                     % req)
    eq(out, "approved|" + b["id"], "request approved by the budget")
    _, n, _ = psql(URL, "SELECT count(*) FROM events WHERE entity_id = '%s'"
                   " AND type = 'budget_request.approved'" % req)
    eq(n, "1", "request event")
    psql(URL, "UPDATE budget_requests SET status = 'ineligible' WHERE id = '%s'" % req)
    # ELIG-6: only an eligible, panel-approved or overturned request funds a budget
    problem(D.request("POST", "/v1/budgets", budget_body(f, [notional("other")], request_id=req),
                      token=CW), 422, "RULE_VIOLATION", rule="ELIG-6")


@test
def test_reviews_due_pay14():
    f = family(plan={"status": "issued", "issued_on": "2025-11-01",
                     "next_review_due": "2026-11-01"})
    a = approved_budget(f, [dp(f, service="review_dp"), notional("review_notional")])
    g = family(plan={"status": "issued", "issued_on": "2026-07-01",
                     "next_review_due": "2027-06-01"})
    b = approved_budget(g, [dp(g, service="review_dp2")])
    pay(b, b["elements"][0]["id"], 1000, "paid", due="2026-11-10")
    items = get("/v1/reviews/due?before=2027-03-01")["items"]
    mine = {i["element_id"]: i for i in items}
    ia = mine[a["elements"][0]["id"]]
    eq((ia["due_date"], ia["overdue"], ia["basis"]), ("2026-11-01", True, "plan_review"), "overdue")
    eq(ia["child"]["name"], "Kim Child", "child")
    ib = mine[b["elements"][0]["id"]]
    eq((ib["due_date"], ib["overdue"], ib["basis"]), ("2027-02-10", False, "first_payment"),
       "3 months after the first payment")
    check(a["elements"][1]["id"] not in mine, "notional elements are not reviewed")
    early = get("/v1/reviews/due?before=2026-12-01")["items"]
    check(b["elements"][0]["id"] not in [i["element_id"] for i in early], "not yet due")
    problem(D.request("GET", "/v1/reviews/due?before=tomorrow", token=CW), 400,
            "VALIDATION_FAILED", field="before")
    problem(D.request("GET", "/v1/reviews/due", token=f["fam"]), 403, "FORBIDDEN")
    p1 = get("/v1/reviews/due?before=2027-03-01&limit=1")
    eq(len(p1["items"]), 1, "paged")
    check(p1["next_cursor"], "next cursor")


@test
def test_tenancy_other_la_404():
    f = family()
    a = approved_budget(f, [notional()])
    other = token(["caseworker", "approver", "finance"], sub="other-la", la=OTHER_LA)
    for path in ("/v1/budgets/" + a["id"], "/v1/budgets/%s/statement" % a["id"],
                 "/v1/budgets/%s/section-j" % a["id"], "/v1/payees/" + f["dp_payee"],
                 "/v1/children/%s/budgets" % f["child"]):
        problem(D.request("GET", path, token=other), 404, "NOT_FOUND")
    problem(D.request("POST", "/v1/budgets/%s/suspend" % a["id"], {"reason": "x"}, token=other),
            404, "NOT_FOUND")
    problem(D.request("POST", "/v1/budgets", budget_body(f, [notional("z")]), token=other), 400,
            "VALIDATION_FAILED", field="child_id")
    problem(D.request("GET", "/v1/budgets/not-a-uuid", token=CW), 404, "NOT_FOUND")


# ---- last: the invariants over everything the suite did -----------------------------

@test
def test_zz_ledger_invariants_hold():
    _, n, _ = psql(URL, "SELECT count(*) FROM budget_elements")
    check(int(n) > 10, "the suite made elements")
    _, bad, _ = psql(URL, "SELECT count(*) FROM budget_elements"
                     " WHERE committed_pence + spent_pence > allocated_pence"
                     " OR committed_pence < 0 OR spent_pence < 0")
    eq(bad, "0", "BUD-9 holds everywhere")
    _, drift, _ = psql(URL, "SELECT count(*) FROM budget_element_totals_drift")
    eq(drift, "0", "maintained totals equal the ledger recomputation")
    _, paid, _ = psql(URL, "SELECT count(*) FROM payments")
    check(int(paid) > 5, "the suite wrote payments")


run()
