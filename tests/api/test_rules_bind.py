"""Rules that bind (issue 13) over HTTP against the real daemon and
PostgreSQL: every rule of docs/rules.md marked "enforced" refused with its
rule id at the state change it governs — not only by the advisory
eligibility check — with the lawful variant accepted beside it; a ceased
plan stops the money (PLAN-5, BUD-10, domain.md §5); people and contacts
change and the rules follow (PATCH with If-Match, PAY-16 stops); and the
defects found in review (statement balance, family next payment, stale
ETags, panel review, number forms, offer round trip, PLAN-2, CLI help).

These tests were written before the fixes: each asserts the target
behaviour of docs/rules.md.  Where the API cannot yet create the state a
test needs, the test writes it with psql, as test_budgets.py does.

Dates are relative to today (UTC, as the server counts them) so the suite
does not age: plans are issued 90 days ago with the next review inside 12
months (PLAN-2), budgets run from 60 days ago to 300 days ahead.  Every
test works in a council (la) of its own, because a payment run gathers
every approved payment of its council and the offer is per council."""
import datetime
import json
import os
import sys
import threading
import time

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "lib"))
from pbtest import (Daemon, check, eq, expect, migrated_db, new_id, pbd,  # noqa: E402
                    psql, run, test, token)

BANK_KEY = "2b" * 32
URL = migrated_db("rules_bind")
D = Daemon(URL, {"PB_BANK_KEY": BANK_KEY})
TODAY = datetime.datetime.now(datetime.timezone.utc).date()


# ---- dates --------------------------------------------------------------------------

def day(n):
    """TODAY + n days, as YYYY-MM-DD."""
    return (TODAY + datetime.timedelta(days=n)).isoformat()


def add_months(iso, months):
    """pb_date_add_months: the same day `months` later, clamped to the
    month's last day (31 Jan + 1 month = 28/29 Feb)."""
    d = datetime.date.fromisoformat(iso)
    m = d.month - 1 + months
    y, m = d.year + m // 12, m % 12 + 1
    last = (datetime.date(y + m // 12, m % 12 + 1, 1) - datetime.timedelta(days=1)).day
    return datetime.date(y, m, min(d.day, last)).isoformat()


def years_before(iso, years):
    """The date of birth whose `years`th birthday is `iso` (29 Feb → 28 Feb)."""
    return add_months(iso, -12 * years)


def shift(iso, n):
    return (datetime.date.fromisoformat(iso) + datetime.timedelta(days=n)).isoformat()


def monthly(start, until):
    """The due dates of a monthly schedule from start, up to until."""
    dues = []
    while add_months(start, len(dues)) <= until:
        dues.append(add_months(start, len(dues)))
    return dues


ISSUED = day(-90)
NEXT_REVIEW = day(240)             # within 12 months of ISSUED (PLAN-2)
PERIOD = {"period_start": day(-60), "period_end": day(300)}
NOTICE = day(-70)                  # a cessation notice whose appeal window (2 months) has ended


# ---- councils, families, budgets -------------------------------------------------------

_la_seq = [0]


class Staff:
    """The staff of a council of its own: two caseworkers, an approver, two
    finance officers, two panel members, an admin, an auditor and a
    service account."""

    def __init__(self):
        _la_seq[0] += 1
        la = self.la = "E06%06d" % _la_seq[0]
        for name, roles in (("cw", "caseworker"), ("cw2", "caseworker"), ("ap", "approver"),
                            ("fin", "finance"), ("fin2", "finance"), ("panel", "panel"),
                            ("panel2", "panel"), ("admin", "admin"), ("aud", "auditor"),
                            ("svc", "service")):
            setattr(self, name, token([roles], sub="%s-%s" % (name, la), la=la))
        self._org = None

    def call(self, method, path, body=None, tok=None, headers=None, raw=None):
        if raw is not None:
            headers = dict(headers or {}, **{"Content-Type": "application/json"})
        return D.request(method, path, body, token=tok or self.cw, headers=headers, raw=raw)

    def make(self, path, body, tok=None, status=201):
        return expect(self.call("POST", path, body, tok), status)

    def get(self, path, tok=None):
        return expect(self.call("GET", path, tok=tok), 200)

    def etag(self, path):
        s, h, b, _ = self.call("GET", path)
        eq(s, 200, "GET %s: %s" % (path, b[:300]))
        return h.get("etag", '"1"')

    def patch(self, path, body, tok=None, if_match=None):
        """PATCH with If-Match: the ETag just read, unless one is given."""
        return self.call("PATCH", path, body, tok,
                         headers={"If-Match": if_match or self.etag(path)})

    def org(self):
        """An organisation payee with bank details (a provider)."""
        if self._org is None:
            self._org = self.make("/v1/payees", {
                "kind": "organisation", "name": "Acme Care Ltd", "is_local_authority": False,
                "bank": {"sort_code": "445566", "account_number": "76543210"}}, self.fin)["id"]
        return self._org

    def council(self):
        return self.make("/v1/payees", {"kind": "organisation", "name": "The Council",
                                        "is_local_authority": True}, self.fin)["id"]

    def payment(self, pid):
        return self.get("/v1/payments/" + pid, self.fin)

    def approve_payment(self, pid, tok=None):
        return self.call("POST", "/v1/payments/%s/approve" % pid, {}, tok or self.fin)

    def approve_budget(self, bid):
        return self.call("POST", "/v1/budgets/%s/approve" % bid, {}, self.ap)

    def payment_run(self, due_on_or_before):
        return self.make("/v1/payment-runs", {"due_on_or_before": due_on_or_before}, self.fin)

    def paid(self, run_id, *pids):
        return expect(self.call("POST", "/v1/payment-runs/%s/results" % run_id,
                                {"results": [{"payment_id": p, "outcome": "paid"} for p in pids]},
                                self.fin), 200)

    def materialise(self, until):
        return expect(self.call("POST", "/v1/schedules/materialise", {"until": until},
                                self.fin), 200)

    def audit(self, entity_id):
        return self.get("/v1/audit?entity_id=%s&limit=200" % entity_id, self.aud)["items"]

    def event_types(self, entity_id):
        seen, after = [], 0
        while True:
            items = self.get("/v1/events?after=%d&limit=200" % after, self.svc)["items"]
            if not items:
                return seen
            for e in items:
                after = e["seq"]
                if e["entity_id"] == entity_id:
                    seen.append(e["type"])


class Family:
    """A child (born 2014-05-01 unless dob says otherwise) with one contact —
    by default a parent with parental responsibility who lives with the
    child — an issued plan (unless plan=False) and an individual payee, with
    bank details, for that contact.  Extra keyword arguments are contact
    flags (nominated_in_writing, dp_excluded, lacks_capacity)."""

    def __init__(self, st, dob="2014-05-01", relationship="parent", pr=True, lives_with=True,
                 plan=True, given="Pat", **flags):
        self.st = st
        self.person = st.make("/v1/people", {"given_name": given, "family_name": "Parent"})["id"]
        self.child = st.make("/v1/children", {"given_name": "Kim", "family_name": "Child",
                                              "date_of_birth": dob})["id"]
        contact = {"person_id": self.person, "relationship": relationship,
                   "has_parental_responsibility": pr, "lives_with_child": lives_with}
        contact.update(flags)
        self.contact = st.make("/v1/children/%s/contacts" % self.child, contact)["id"]
        self.contact_path = "/v1/children/%s/contacts/%s" % (self.child, self.contact)
        self.plan = None
        if plan:
            self.plan = st.make("/v1/children/%s/plans" % self.child, {
                "status": "issued", "issued_on": ISSUED, "next_review_due": NEXT_REVIEW})["id"]
        self.payee = st.make("/v1/payees", {
            "kind": "individual", "name": given + " Parent", "person_id": self.person,
            "is_local_authority": False,
            "bank": {"sort_code": "112233", "account_number": "01234567"}})["id"]
        self.fam = token(["family"], sub="fam-" + self.person[:8], person_id=self.person,
                         la=st.la)

    # elements
    def dp(self, stream="social_care", service="short_breaks", pence=100000, signed=True,
           school=False):
        agreement = {"agreed_provision": "A personal assistant for short breaks",
                     "outcomes": ["Enjoys time with friends"], "school_premises": school}
        if signed:
            agreement["signed_on"] = PERIOD["period_start"]
        return {"stream": stream, "service_type": service, "arrangement": "direct_payment",
                "allocated_pence": pence, "recipient_person_id": self.person,
                "payee_id": self.payee, "agreement": agreement}

    def tp(self, stream="education", service="transport", pence=100000):
        return {"stream": stream, "service_type": service, "arrangement": "third_party",
                "allocated_pence": pence, "payee_id": self.st.org()}

    @staticmethod
    def notional(stream="health", service="continuing_care", pence=50000):
        return {"stream": stream, "service_type": service, "arrangement": "notional",
                "allocated_pence": pence}

    # budgets
    def body(self, elements, **kw):
        """A budget body for this child; plan_id=None leaves plan_id out."""
        b = {"child_id": self.child, "elements": elements}
        if self.plan:
            b["plan_id"] = self.plan
        b.update(PERIOD)
        b.update(kw)
        if b.get("plan_id") is None:
            b.pop("plan_id", None)
        return b

    def create(self, elements, **kw):
        return self.st.call("POST", "/v1/budgets", self.body(elements, **kw))

    def draft(self, elements, **kw):
        return expect(self.create(elements, **kw), 201)

    def approved(self, elements, **kw):
        return expect(self.st.approve_budget(self.draft(elements, **kw)["id"]), 200)

    # facts
    def patch_contact(self, changes, if_match=None):
        return self.st.patch(self.contact_path, changes, if_match=if_match)

    def set_contact(self, **cols):
        """Change contact facts behind the API's back (the state a PATCH
        would make, without the PATCH's own consequences)."""
        psql(URL, "UPDATE contacts SET %s WHERE id = '%s'" % (
            ", ".join("%s = %s" % (k, str(v).lower()) for k, v in cols.items()), self.contact))

    def set_dob(self, dob):
        psql(URL, "UPDATE children SET date_of_birth = '%s' WHERE id = '%s'" % (dob, self.child))


class Funded(Family):
    """A Family with an approved budget: a direct payment to the contact
    (social care short breaks, signed agreement unless signed=False, on
    school premises if school=True, `dp_pence`) and a third-party element
    (education transport, held by the council's provider); with
    notional=True also a notional health element.  The direct payment's
    stream and service can be changed (dp=(stream, service)) for a recipient
    PAY-12 would refuse for social care."""

    def __init__(self, st, dp=("social_care", "short_breaks"), dp_pence=100000,
                 notional=False, signed=True, school=False, **family):
        Family.__init__(self, st, **family)
        tp = ("education", "transport") if dp[0] != "education" else ("social_care", "short_breaks")
        elements = [self.dp(dp[0], dp[1], dp_pence, signed, school), self.tp(*tp)]
        if notional:
            elements.append(self.notional())
        self.budget = self.approved(elements)["id"]
        ids = [e["id"] for e in self.get_budget()["elements"]]
        self.dp_el, self.tp_el = ids[0], ids[1]
        self.nt_el = ids[2] if notional else None

    def get_budget(self):
        return self.st.get("/v1/budgets/" + self.budget)

    def element(self, eid):
        return next(e for e in self.get_budget()["elements"] if e["id"] == eid)

    def pay(self, element=None, payee=None, amount=1000, purpose="direct_payment", due=None,
            tok=None):
        return self.st.call("POST", "/v1/budgets/%s/payments" % self.budget, {
            "element_id": element or self.dp_el, "payee_id": payee or self.payee,
            "amount_pence": amount, "purpose": purpose, "due_date": due or day(10),
            "description": "Short breaks"}, tok, headers={"Idempotency-Key": new_id()})

    def pay_tp(self, **kw):
        return self.pay(element=self.tp_el, payee=self.st.org(), purpose="transport", **kw)

    def pending(self, **kw):
        return expect(self.pay(**kw), 201)["id"]

    def approved_payment(self, **kw):
        pid = self.pending(**kw)
        expect(self.st.approve_payment(pid), 200)
        return pid

    def schedule_call(self, start, amount=500):
        return self.st.call("POST", "/v1/budgets/%s/schedules" % self.budget, {
            "element_id": self.dp_el, "payee_id": self.payee, "amount_pence": amount,
            "frequency": "monthly", "start_date": start})

    def schedule(self, start):
        return expect(self.schedule_call(start), 201)["id"]


def cease(st, plan_id, ceased_on=None, notice=NOTICE):
    """PATCH the plan to ceased (PLAN-5 contract: cease_notice_on, the date of
    the notice to cease, whose 2-month appeal window must have ended by
    ceased_on).  Returns the response.

    Until the daemon knows cease_notice_on (PLAN-5 pins that on its own), a
    400 naming it an unknown field is retried without it, so that the tests
    of what cessation does (§2) show their own failures rather than PLAN-5's."""
    path = "/v1/plans/" + plan_id
    body = {"status": "ceased", "ceased_on": ceased_on or day(0)}
    if notice:
        body["cease_notice_on"] = notice
    resp = st.patch(path, body)
    errors = [(e.get("field"), e.get("code")) for e in (resp[3] or {}).get("errors", [])]
    if resp[0] == 400 and ("cease_notice_on", "unknown_field") in errors:
        del body["cease_notice_on"]
        resp = st.patch(path, body)
    return resp


def ceased(st, plan_id, ceased_on=None, notice=NOTICE):
    return expect(cease(st, plan_id, ceased_on, notice), 200)


# A direct-payment recipient made unlawful by one contact fact, and mended:
# (rule, broken, mended, Family arguments, the direct payment's stream/service).
NOMINEE = {"relationship": "nominated_person", "pr": False, "nominated_in_writing": True}
RECIPIENT_CASES = [
    ("PAY-4", {"dp_excluded": True}, {"dp_excluded": False}, {}, ("social_care", "short_breaks")),
    ("PAY-2", {"lacks_capacity": True}, {"lacks_capacity": False}, {},
     ("social_care", "short_breaks")),
    ("PAY-12", {"has_parental_responsibility": False}, {"has_parental_responsibility": True}, {},
     ("social_care", "short_breaks")),
    ("PAY-1", {"nominated_in_writing": False}, {"nominated_in_writing": True}, NOMINEE,
     ("education", "transport")),
]


def parallel(fns):
    """Run each fn in its own thread, released together; returns the results."""
    barrier = threading.Barrier(len(fns))
    out = [None] * len(fns)

    def work(i):
        barrier.wait()
        try:
            out[i] = fns[i]()
        except Exception as e:  # noqa: BLE001 - reported by the caller
            out[i] = e
    threads = [threading.Thread(target=work, args=(i,)) for i in range(len(fns))]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    for r in out:
        if isinstance(r, Exception):
            raise r
    return out


def raw_with_number(body, member_path, text):
    """body as JSON bytes with the value at member_path (a list of keys and
    indexes) written as the literal number text (10.5, 1e3, 20 digits)."""
    mark = "@@number@@"
    obj = json.loads(json.dumps(body))
    node = obj
    for k in member_path[:-1]:
        node = node[k]
    node[member_path[-1]] = mark
    return json.dumps(obj).replace('"%s"' % mark, text).encode()


# ---- §1 eligibility rules bind budgets ----------------------------------------------------

@test
def test_elig9_no_place_funded_at_create_or_approve():
    st = Staff()
    f = Family(st)
    for service in ("school_place", "college_place", "residential_placement"):
        expect(f.create([f.notional("education", service, 1500000)]), 422, "RULE_VIOLATION",
               rule="ELIG-9")
    for element in (f.tp("education", "school_place"), f.dp("education", "school_fees")):
        expect(f.create([element]), 422, "RULE_VIOLATION", rule="ELIG-9")
    # lawful: transport, for the same amount
    ok = f.draft([f.notional("education", "transport", 1500000)])
    expect(st.approve_budget(ok["id"]), 200)
    # a draft that holds a place all the same (written behind the API's back)
    g = Family(st)
    d = g.draft([g.notional("education", "transport", 1500000)])
    psql(URL, "UPDATE budget_elements SET service_type = 'school_place' WHERE budget_id = '%s'"
         % d["id"])
    expect(st.approve_budget(d["id"]), 422, "RULE_VIOLATION", rule="ELIG-9")


@test
def test_elig11_age_limit_at_create_and_approve():
    st = Staff()
    # a 36-year-old with an issued plan: no budget
    f = Family(st)
    f.set_dob("1990-01-01")
    expect(f.create([f.notional("education", "transport")]), 422, "RULE_VIOLATION",
           rule="ELIG-11")
    # a draft made before the date of birth was corrected is refused at approval
    g = Family(st)
    d = g.draft([g.notional("education", "transport")])
    g.set_dob("1990-01-01")
    expect(st.approve_budget(d["id"]), 422, "RULE_VIOLATION", rule="ELIG-11")
    # a young person turning 25 during the period: refused; a period ending
    # the day before the 25th birthday is lawful
    birthday25 = day(100)
    y = Family(st, dob=years_before(birthday25, 25))
    expect(y.create([y.notional("education", "transport")]), 422, "RULE_VIOLATION",
           rule="ELIG-11")
    ok = y.draft([y.notional("education", "transport")], period_end=shift(birthday25, -1))
    expect(st.approve_budget(ok["id"]), 200)


@test
def test_elig11_plan_not_issued_past_25():
    st = Staff()
    old = st.make("/v1/children", {"given_name": "Al", "family_name": "Older",
                                   "date_of_birth": "1990-01-01"})["id"]
    expect(st.call("POST", "/v1/children/%s/plans" % old,
                   {"status": "issued", "issued_on": day(0), "next_review_due": day(200)}),
           422, "RULE_VIOLATION", rule="ELIG-11")
    # issuing an assessed plan for someone over 25 is refused too
    f = Family(st, plan=False)
    plan = st.make("/v1/children/%s/plans" % f.child, {"status": "assessment_agreed",
                                                        "assessment_agreed_on": day(-30)})["id"]
    f.set_dob("1990-01-01")
    expect(st.patch("/v1/plans/" + plan, {"status": "issued", "issued_on": day(0),
                                          "next_review_due": day(200)}),
           422, "RULE_VIOLATION", rule="ELIG-11")
    # lawful: a 24-year-old's plan is issued
    young = st.make("/v1/children", {"given_name": "Yu", "family_name": "Younger",
                                     "date_of_birth": years_before(day(30), 25)})["id"]
    st.make("/v1/children/%s/plans" % young,
            {"status": "issued", "issued_on": day(0), "next_review_due": day(200)})


@test
def test_elig1_elig10_plan_needed_only_for_education():
    st = Staff()
    f = Family(st, plan=False)
    # social care and health need no EHC plan (ELIG-10): plan_id is optional
    sc = expect(f.create([f.tp("social_care", "short_breaks")]), 201)
    eq(sc["plan_id"], None, "no plan")
    expect(st.approve_budget(sc["id"]), 200)
    expect(f.create([f.notional("health", "continuing_care")]), 201)
    # education needs a maintained plan (ELIG-1): 422, not a 400 on plan_id
    expect(f.create([f.notional("education", "transport")]), 422, "RULE_VIOLATION",
           rule="ELIG-1")
    # a ceased plan is not maintained: neither at create nor at approve
    g = Family(st)
    d = g.draft([g.notional("education", "transport")], period_end=day(0))
    ceased(st, g.plan)
    expect(g.create([g.notional("education", "transport")], period_start=day(1)), 422,
           "RULE_VIOLATION", rule="ELIG-1")
    expect(st.approve_budget(d["id"]), 422, "RULE_VIOLATION", rule="ELIG-1")
    expect(g.create([g.tp("social_care", "short_breaks")], plan_id=None), 201)


@test
def test_elig6_outside_the_offer_needs_a_panel_approved_request():
    st = Staff()
    f = Family(st)
    horses = f.notional("social_care", "horse_riding", 30000)
    expect(f.create([horses]), 422, "RULE_VIOLATION", rule="ELIG-6")
    # lawful: a service in the offer ...
    ok = f.draft([f.notional("social_care", "short_breaks", 30000)])
    # ... until the council withdraws it: the draft then needs the panel too
    expect(st.call("PUT", "/v1/offer/short_breaks", {"stream": "social_care", "offered": False,
                                                     "direct_payment_allowed": True}, st.admin),
           200)
    expect(st.approve_budget(ok["id"]), 422, "RULE_VIOLATION", rule="ELIG-6")
    # the panel approves a request naming horse riding: the budget may fund it
    r = st.make("/v1/budget-requests", {"child_id": f.child, "requester_person_id": f.person,
                                        "elements": [{"stream": "social_care",
                                                      "service_type": "horse_riding",
                                                      "arrangement": "notional"}]})
    eq(r["status"], "panel_referral", "referred")
    st.make("/v1/budget-requests/%s/decision" % r["id"],
            {"decision": "approve", "reason": "Riding therapy is in section F."}, st.panel, 200)
    # ... but only what it names
    expect(f.create([f.notional("social_care", "pony_club")], request_id=r["id"]), 422,
           "RULE_VIOLATION", rule="ELIG-6")
    expect(f.create([horses], request_id=r["id"]), 201)


@test
def test_elig6_budget_links_back_to_its_request():
    st = Staff()
    f = Family(st)
    # a request the panel approved
    r = st.make("/v1/budget-requests", {"child_id": f.child, "requester_person_id": f.person,
                                        "elements": [{"stream": "social_care",
                                                      "service_type": "horse_riding",
                                                      "arrangement": "notional"}]})
    st.make("/v1/budget-requests/%s/decision" % r["id"],
            {"decision": "approve", "reason": "Riding therapy is in section F."}, st.panel, 200)
    b = expect(f.create([f.notional("social_care", "horse_riding")], request_id=r["id"]), 201)
    got = st.get("/v1/budget-requests/" + r["id"])
    eq((got["status"], got["budget_id"]), ("approved", b["id"]), "panel-approved request linked")
    # an eligible request becomes approved by the budget
    g = Family(st)
    e = st.make("/v1/budget-requests", {"child_id": g.child, "requester_person_id": g.person,
                                        "elements": [{"stream": "social_care",
                                                      "service_type": "short_breaks",
                                                      "arrangement": "notional"}]})
    eq(e["status"], "eligible", "eligible request")
    b2 = expect(g.create([g.notional("social_care", "short_breaks")], request_id=e["id"]), 201)
    got = st.get("/v1/budget-requests/" + e["id"])
    eq((got["status"], got["budget_id"]), ("approved", b2["id"]), "eligible request linked")


# ---- §1 direct-payment recipient rules, with the contact's current facts -----------------

@test
def test_pay12_social_care_dp_recipient_has_parental_responsibility():
    st = Staff()
    f = Family(st, pr=False)
    expect(f.create([f.dp("social_care", "short_breaks")]), 422, "RULE_VIOLATION", rule="PAY-12")
    # lawful: PAY-12 is about social care; an education DP to a parent needs no PR
    f.draft([f.dp("education", "transport")])


@test
def test_recipient_facts_rechecked_at_budget_approve():
    st = Staff()
    for rule, broken, mended, kw, dp in RECIPIENT_CASES:
        g = Family(st, **kw)
        d = g.draft([g.dp(*dp)])
        g.set_contact(**broken)
        expect(st.approve_budget(d["id"]), 422, "RULE_VIOLATION", rule=rule)
        g.set_contact(**mended)
        expect(st.approve_budget(d["id"]), 200)


@test
def test_recipient_facts_rechecked_at_payment_create_approve_and_schedules():
    for rule, broken, mended, kw, dp in RECIPIENT_CASES:
        st = Staff()
        w = Funded(st, dp=dp, **kw)
        pending = w.pending()
        sched = w.schedule(start=day(-30))
        w.set_contact(**broken)
        expect(w.pay(), 422, "RULE_VIOLATION", rule=rule)
        expect(st.approve_payment(pending), 422, "RULE_VIOLATION", rule=rule)
        expect(w.schedule_call(start=day(5)), 422, "RULE_VIOLATION", rule=rule)
        m = st.materialise(day(0))
        eq((m["created"], sorted({(x["schedule_id"], x["rule"]) for x in m["skipped"]})),
           (0, [(sched, rule)]), "materialise skips the instalments with the rule")
        w.set_contact(**mended)
        w.pending()
        expect(st.approve_payment(pending), 200)
        eq(st.materialise(day(0))["created"], len(monthly(day(-30), day(0))),
           "the instalments once mended")


# ---- §3 people and contacts change, and the rules follow ---------------------------------

@test
def test_people_and_contacts_patch_with_if_match_audited():
    st = Staff()
    f = Family(st)
    path = "/v1/people/" + f.person
    old = st.etag(path)
    s, h, b, j = st.patch(path, {"family_name": "Parent-Smith", "email": "pat@example.org"})
    eq(s, 200, "PATCH person: %s" % b[:300])
    eq((j["family_name"], j["email"]), ("Parent-Smith", "pat@example.org"), "patched")
    check(h["etag"] != old, "the ETag moved")
    expect(st.patch(path, {"family_name": "Stale"}, if_match=old), 412, "PRECONDITION_FAILED")
    expect(st.patch(path, {"id": new_id()}), 400, "VALIDATION_FAILED", field="id")
    rows = [a for a in st.audit(f.person) if a["action"] == "person.updated"]
    eq(len(rows), 1, "one update audited")
    eq((rows[0]["changes"]["before"]["family_name"], rows[0]["changes"]["after"]["family_name"]),
       ("Parent", "Parent-Smith"), "old and new values")
    # the contact: a change of household is recorded, audited, and stops nothing
    old = st.etag(f.contact_path)
    s, h, b, k = f.patch_contact({"lives_with_child": False})
    eq(s, 200, "PATCH contact: %s" % b[:300])
    eq(k["lives_with_child"], False, "patched")
    check(h.get("etag") not in (None, old), "the contact's ETag moved")
    expect(f.patch_contact({"lives_with_child": True}, if_match=old), 412, "PRECONDITION_FAILED")
    expect(f.patch_contact({"person_id": new_id()}), 400, "VALIDATION_FAILED", field="person_id")
    expect(f.patch_contact({"colour": "red"}), 400, "VALIDATION_FAILED", field="colour")
    rows = [a for a in st.audit(f.contact) if a["action"] == "contact.updated"]
    eq(len(rows), 1, "one contact update audited")
    eq((rows[0]["changes"]["before"]["lives_with_child"],
        rows[0]["changes"]["after"]["lives_with_child"]), (True, False), "old and new values")


@test
def test_contact_change_that_makes_the_recipient_unlawful_stops_the_dp():
    st = Staff()
    for rule, broken, _, kw, dp in RECIPIENT_CASES:
        w = Funded(st, dp=dp, **kw)
        pending = w.pending()
        k = expect(w.patch_contact(broken), 200)
        eq({f: k[f] for f in broken}, broken, "recorded")
        expect(w.pay(), 422, "RULE_VIOLATION", rule=rule)
        # the stop cancelled the pending payment in the PATCH's transaction
        expect(st.approve_payment(pending), 409, "INVALID_TRANSITION")
        eq(st.payment(pending)["status"], "cancelled", "cancelled by the stop")
        el = w.element(w.dp_el)
        eq((el["status"], el["stopped_rule"], el["stopped_on"]), ("stopped", rule, day(0)),
           "element stopped")
        # the third-party element is not the recipient's: it keeps paying
        expect(w.pay_tp(), 201)


@test
def test_consent_withdrawn_stops_the_direct_payment_at_once():
    st = Staff()
    w = Funded(st)
    exported = w.approved_payment(due=day(-5))
    st.payment_run(day(-5))
    pending = w.pending(due=day(10))
    approved = w.approved_payment(due=day(20))
    tp_pending = expect(w.pay_tp(due=day(12)), 201)["id"]
    sched = w.schedule(start=day(-30))
    draft = w.draft([w.dp("health", "continuing_care")])
    k = expect(w.patch_contact({"consent_withdrawn": True}), 200)
    eq(k["consent_withdrawn"], True, "recorded")
    # PAY-3 / PAY-16: no new direct payment, schedule or budget for this recipient ...
    expect(w.pay(), 422, "RULE_VIOLATION", rule="PAY-3")
    expect(w.schedule_call(start=day(5)), 422, "RULE_VIOLATION", rule="PAY-3")
    expect(w.create([w.dp("health", "continuing_care")], period_start=day(1)), 422,
           "RULE_VIOLATION", rule="PAY-3")
    expect(st.approve_budget(draft["id"]), 422, "RULE_VIOLATION", rule="PAY-3")
    expect(st.approve_payment(pending), 409, "INVALID_TRANSITION")
    # ... the unexported ones cancelled, each with its audit row and event
    for pid in (pending, approved):
        eq(st.payment(pid)["status"], "cancelled", "cancelled")
        check("payment.cancelled" in [a["action"] for a in st.audit(pid)], "audited")
        check("payment.cancelled" in st.event_types(pid), "event")
    eq(st.payment(exported)["status"], "exported", "already with the bank: left to results")
    eq(st.payment(tp_pending)["status"], "pending_approval", "the provider's invoice stands")
    # ... the schedule ended, the element marked stopped with the reason
    eq(st.get("/v1/schedules/" + sched)["end_date"], day(0), "schedule ended today")
    m = st.materialise(day(90))
    eq(m["created"], 0, "nothing materialised after the stop")
    check(all(x["rule"] == "PAY-3" for x in m["skipped"]), "skipped with PAY-3: %r" % m["skipped"])
    el = w.element(w.dp_el)
    eq((el["status"], el["stopped_rule"], el["stopped_on"]), ("stopped", "PAY-3", day(0)),
       "element stopped")
    check(isinstance(el["stopped_reason"], str) and el["stopped_reason"], "a reason")
    eq(w.element(w.tp_el)["status"], "active", "the third-party element is active")
    expect(w.pay_tp(), 201)


# ---- §1 who is paid, and from what --------------------------------------------------------

@test
def test_pay11_household_relative_needs_the_exception_whatever_the_purpose():
    st = Staff()
    # a grandparent who cares for the child, with parental responsibility, at home
    w = Funded(st, relationship="carer", given="Gran")
    for purpose in ("employment", "services"):
        expect(w.pay(purpose=purpose), 422, "RULE_VIOLATION", rule="PAY-11")
    # lawful: the direct payment itself goes to its recipient
    w.pending(purpose="direct_payment")
    st.make("/v1/budgets/%s/elements/%s/exceptions" % (w.budget, w.dp_el),
            {"rule": "PAY-11", "reason": "The only suitable carer; judged necessary."}, st.ap)
    for purpose in ("employment", "services"):
        w.pending(purpose=purpose)
    # a relative living elsewhere may be paid ...
    away = Funded(st, relationship="carer", given="Gran", lives_with=False)
    pids = [away.pending(purpose=purpose) for purpose in ("employment", "services")]
    # ... until they move in: approval judges the household as it is now
    away.set_contact(lives_with_child=True)
    for pid in pids:
        expect(st.approve_payment(pid), 422, "RULE_VIOLATION", rule="PAY-11")


@test
def test_pay10_notional_money_never_leaves_the_council():
    st = Staff()
    w = Funded(st, notional=True)
    for payee in (st.council(), st.org()):
        expect(w.pay(element=w.nt_el, payee=payee, purpose="services"), 422, "RULE_VIOLATION",
               rule="PAY-10")
    # lawful: the third-party element pays its provider
    expect(w.pay_tp(), 201)
    # and a notional payment written behind the API's back never reaches a bank file
    pid = new_id()
    psql(URL, "INSERT INTO payments (la, id, budget_id, element_id, payee_id, amount_pence,"
         " purpose, due_date, status, created_by) VALUES ('%s', '%s', '%s', '%s', '%s', 100,"
         " 'services', '%s', 'approved', 'test')"
         % (st.la, pid, w.budget, w.nt_el, st.org(), day(1)))
    st.payment_run(day(30))
    check(st.payment(pid)["status"] != "exported", "a notional payment was exported")


@test
def test_schedule_create_runs_the_payment_rules():
    st = Staff()
    expect(Funded(st, signed=False).schedule_call(start=day(5)), 422, "RULE_VIOLATION",
           rule="PAY-8")
    school = Funded(st, school=True)
    expect(school.schedule_call(start=day(5)), 422, "RULE_VIOLATION", rule="PAY-6")
    expect(st.call("PATCH", "/v1/budgets/%s/elements/%s/agreement" % (school.budget, school.dp_el),
                   {"head_teacher_agreed_on": day(-1)}), 200)
    school.schedule(start=day(5))
    w = Funded(st)
    expect(w.schedule_call(start=day(5), amount=100001), 409, "INSUFFICIENT_FUNDS", rule="PAY-24")
    # the plan ceases (behind the API's back): no schedule starts after it, and
    # an older schedule's instalments after it are skipped with the rule
    sched = w.schedule(start=day(-30))
    psql(URL, "UPDATE plans SET status = 'ceased', ceased_on = '%s' WHERE id = '%s'"
         % (day(0), w.plan))
    expect(w.schedule_call(start=day(5)), 422, "RULE_VIOLATION", rule="BUD-10")
    m = st.materialise(day(70))
    made = [st.payment(p) for p in m["payments"]]
    dues = sorted(p["due_date"] for p in made if p["schedule_id"] == sched)
    skipped = [x for x in m["skipped"] if x["schedule_id"] == sched]
    check(dues and all(d <= day(0) for d in dues), "instalments up to cessation: %r" % dues)
    check(skipped and all(x["rule"] == "BUD-10" and x["due_date"] > day(0) for x in skipped),
          "instalments after cessation skipped with BUD-10: %r" % skipped)


@test
def test_pay10_payee_facts_rechecked_at_budget_and_payment_approve():
    st = Staff()

    def council_flag(value):
        psql(URL, "UPDATE payees SET is_local_authority = %s WHERE id = '%s'" % (value, st.org()))

    f = Family(st)
    d = f.draft([f.tp("social_care", "short_breaks")])
    council_flag("true")
    expect(st.approve_budget(d["id"]), 422, "RULE_VIOLATION", rule="PAY-10")
    council_flag("false")
    expect(st.approve_budget(d["id"]), 200)
    w = Funded(st)
    pid = expect(w.pay_tp(), 201)["id"]
    council_flag("true")
    expect(st.approve_payment(pid), 422, "RULE_VIOLATION", rule="PAY-10")
    council_flag("false")
    expect(st.approve_payment(pid), 200)


@test
def test_bud10_plan_rechecked_at_approve():
    st = Staff()
    # a draft whose period runs past the plan's cessation is not approved
    f = Family(st)
    d = f.draft([f.tp("social_care", "short_breaks")])
    ceased(st, f.plan)
    expect(st.approve_budget(d["id"]), 422, "RULE_VIOLATION", rule="BUD-10")
    # a payment due after cessation is not approved, even if it was created before
    w = Funded(st)
    pending = w.pending(due=day(6))
    psql(URL, "UPDATE plans SET status = 'ceased', ceased_on = '%s' WHERE id = '%s'"
         % (day(0), w.plan))
    expect(w.pay(due=day(7)), 422, "RULE_VIOLATION", rule="BUD-10")
    expect(st.approve_payment(pending), 422, "RULE_VIOLATION", rule="BUD-10")
    # lawful: a payment due on the plan's last day
    expect(st.approve_payment(w.pending(due=day(0))), 200)


@test
def test_bud10_payment_run_rechecks_the_plan_in_sql():
    st = Staff()
    w = Funded(st)
    before = w.approved_payment(due=day(-1))
    after = w.approved_payment(due=day(5))
    # the plan ceased behind the services' back: the run itself must see it
    psql(URL, "UPDATE plans SET status = 'ceased', ceased_on = '%s' WHERE id = '%s'"
         % (day(0), w.plan))
    r = st.payment_run(day(30))
    eq(st.payment(before)["status"], "exported", "due inside the plan's life")
    check(st.payment(after)["status"] != "exported", "a payment due after cessation was exported")
    eq(r["payment_count"], 1, "only the lawful payment in the run")


# ---- §2 a ceased plan stops the money -------------------------------------------------------

@test
def test_plan_cessation_stops_the_money():
    st = Staff()
    w = Funded(st)
    exported = w.approved_payment(due=day(3))          # with the bank, due after cessation
    st.payment_run(day(3))
    before = w.approved_payment(due=day(-2))            # due before cessation
    pending = w.pending(due=day(10))
    approved = w.approved_payment(due=day(15))
    tp_pending = expect(w.pay_tp(due=day(12)), 201)["id"]
    sched = w.schedule(start=day(-30))
    # another budget of the child that ended before cessation
    ended = w.approved([w.tp("health", "continuing_care")], period_end=day(-1))["id"]
    s, h, b, plan = cease(st, w.plan)
    eq(s, 200, "cease: %s" % b[:300])
    # unexported payments due after ceased_on: cancelled, audited, evented
    for pid in (pending, approved, tp_pending):
        eq(st.payment(pid)["status"], "cancelled", "cancelled by the cessation")
        check("payment.cancelled" in [a["action"] for a in st.audit(pid)], "audited")
        check("payment.cancelled" in st.event_types(pid), "event")
    eq(st.payment(before)["status"], "approved", "due before cessation: left alone")
    eq(st.payment(exported)["status"], "exported", "exported: left to the bank's results")
    # schedules end at ceased_on and make nothing after it
    eq(st.get("/v1/schedules/" + sched)["end_date"], day(0), "schedule ended")
    made = st.materialise(day(90))["payments"]
    check(all(st.payment(p)["due_date"] <= day(0) for p in made), "nothing due after cessation")
    # the budget running past ceased_on is suspended with the reason
    b = w.get_budget()
    eq(b["status"], "suspended", "budget suspended")
    check("ceased" in (b["status_history"][-1]["reason"] or "").lower(),
          "reason names the cessation: %r" % b["status_history"][-1])
    eq(st.get("/v1/budgets/" + ended)["status"], "approved", "a budget that ended before stays")
    # exported payments due after ceased_on are listed for recovery review
    for got in (plan, st.get("/v1/plans/" + w.plan)):
        eq([(x["payment_id"], x["budget_id"], x["amount_pence"]) for x in got["recovery_review"]],
           [(exported, w.budget, 1000)], "recovery review")


@test
def test_plan5_cease_only_after_the_appeal_window():
    st = Staff()
    f = Family(st)
    path = "/v1/plans/" + f.plan
    notice = day(-70)
    window_ends = add_months(notice, 2)
    # ceasing inside the appeal window is refused; so is ceasing with no notice date
    expect(st.patch(path, {"status": "ceased", "ceased_on": shift(window_ends, -1),
                           "cease_notice_on": notice}), 422, "RULE_VIOLATION", rule="PLAN-5")
    expect(st.patch(path, {"status": "ceased", "ceased_on": day(0)}), 400, "VALIDATION_FAILED",
           field="cease_notice_on")
    eq(st.get(path)["status"], "issued", "still maintained")
    # lawful: on the day the window ends
    p = expect(st.patch(path, {"status": "ceased", "ceased_on": window_ends,
                               "cease_notice_on": notice}), 200)
    eq((p["status"], p["ceased_on"], p["cease_notice_on"], p["appeal_window_ends_on"]),
       ("ceased", window_ends, notice, window_ends), "recorded")


@test
def test_cessation_racing_payment_approvals_exports_nothing_after_it():
    st = Staff()
    w = Funded(st)
    pids = [w.pending(amount=100, due=day(10 + i)) for i in range(10)]
    fns = [(lambda p=p: st.approve_payment(p)) for p in pids] + [lambda: cease(st, w.plan)]
    out = parallel(fns)
    eq(out[-1][0], 200, "ceased: %s" % out[-1][2][:300])
    for r in out[:-1]:
        check(r[0] in (200, 409, 422), "approval answer %d: %s" % (r[0], r[2][:300]))
    st.payment_run(day(60))
    eq([st.payment(p)["status"] for p in pids], ["cancelled"] * 10,
       "every payment due after cessation cancelled, none exported")


# ---- §4 defects ---------------------------------------------------------------------------

@test
def test_statement_balance_never_above_the_allocation():
    st = Staff()
    w = Funded(st)
    # paid today in advance of its due date, then partly recovered today
    p = w.approved_payment(amount=10000, due=day(30))
    st.paid(st.payment_run(day(30))["id"], p)
    st.make("/v1/budgets/%s/recoveries" % w.budget,
            {"element_id": w.dp_el, "amount_pence": 10000, "reason": "unused"}, st.fin)
    b = w.get_budget()
    lines = st.get("/v1/budgets/%s/statement" % w.budget)["items"]
    eq([x["kind"] for x in lines], ["payment", "recovery"], "the money moved in this order")
    for x in lines:
        check(x["balance_pence"] <= b["allocated_pence"],
              "balance %d above the allocation %d" % (x["balance_pence"], b["allocated_pence"]))
    eq(lines[-1]["balance_pence"], b["remaining_pence"], "last line = remaining")


@test
def test_family_next_payment_is_a_payment_to_the_family():
    st = Staff()
    w = Funded(st)
    expect(w.pay_tp(amount=5000, due=day(3)), 201)      # the provider's, sooner
    w.pending(amount=7000, due=day(10))                  # the family's
    item = st.get("/v1/me/budgets", w.fam)["items"][0]
    eq(item["next_payment"], {"due_date": day(10), "amount_pence": 7000,
                                "element_label": "Short breaks"}, "next payment")


@test
def test_budget_etag_changes_when_its_totals_change():
    st = Staff()
    w = Funded(st)
    path = "/v1/budgets/" + w.budget
    e1 = st.etag(path)
    eq(st.etag(path), e1, "unchanged representation, same ETag")
    w.pending(amount=1234)
    eq(w.get_budget()["committed_pence"], 1234, "totals moved")
    check(st.etag(path) != e1, "the budget's ETag did not change with its totals")


@test
def test_payment_run_etag_and_updated_at_change_after_results():
    st = Staff()
    w = Funded(st)
    p = w.approved_payment(due=day(1))
    r = st.payment_run(day(1))
    path = "/v1/payment-runs/" + r["id"]
    s, h1, _, j1 = st.call("GET", path, tok=st.fin)
    time.sleep(1.1)                                      # timestamps have second precision
    st.paid(r["id"], p)
    s, h2, _, j2 = st.call("GET", path, tok=st.fin)
    eq((j1["paid_count"], j2["paid_count"]), (0, 1), "the representation changed")
    check(h2["etag"] != h1["etag"], "the run's ETag did not change: %s" % h2["etag"])
    check(j2["updated_at"] != j1["updated_at"], "updated_at did not change: %s" % j2["updated_at"])


@test
def test_panel_member_who_declined_cannot_decide_the_review():
    st = Staff()
    f = Family(st)
    r = st.make("/v1/budget-requests", {"child_id": f.child, "requester_person_id": f.person,
                                        "elements": [{"stream": "social_care",
                                                      "service_type": "horse_riding",
                                                      "arrangement": "notional"}]})
    path = "/v1/budget-requests/%s/" % r["id"]
    st.make(path + "decision", {"decision": "decline", "reason": "Not in the plan."}, st.panel, 200)
    st.make(path + "review", {"reason": "Section F names riding therapy."}, f.fam, 200)
    expect(st.call("POST", path + "decision",
                   {"decision": "overturn", "reason": "On reflection."}, st.panel),
           403, "SEPARATION_OF_DUTIES")
    o = st.make(path + "decision", {"decision": "overturn", "reason": "Therapy is in section F."},
                st.panel2, 200)
    eq(o["status"], "overturned", "another panel member decides")


@test
def test_number_forms_answer_validation_failed_on_the_member():
    st = Staff()
    w = Funded(st)
    f = Family(st)
    bodies = [
        ("/v1/budgets", f.body([f.notional()]), ["elements", 0, "allocated_pence"], None),
        ("/v1/budgets/%s/payments" % w.budget,
         {"element_id": w.dp_el, "payee_id": w.payee, "amount_pence": 0,
          "purpose": "direct_payment", "due_date": day(10), "description": "x"},
         ["amount_pence"], {"Idempotency-Key": new_id()}),
        ("/v1/budgets/%s/schedules" % w.budget,
         {"element_id": w.dp_el, "payee_id": w.payee, "amount_pence": 0, "frequency": "monthly",
          "start_date": day(5)}, ["amount_pence"], None),
        ("/v1/budgets/%s/recoveries" % w.budget,
         {"element_id": w.dp_el, "amount_pence": 0, "reason": "x"}, ["amount_pence"], None)]
    for path, body, member, headers in bodies:
        field = "".join("[%d]" % k if isinstance(k, int) else ("." + k if i else k)
                        for i, k in enumerate(member))
        tok = st.fin if "recoveries" in path else st.cw
        for text in ("10.5", "1e3", "12345678901234567890"):
            expect(st.call("POST", path, tok=tok, headers=headers,
                           raw=raw_with_number(body, member, text)),
                   400, "VALIDATION_FAILED", field=field)
    # lawful: an integer in the same raw body
    expect(st.call("POST", bodies[1][0], headers={"Idempotency-Key": new_id()},
                   raw=raw_with_number(bodies[1][1], ["amount_pence"], "1000")), 201)


@test
def test_offer_put_accepts_what_get_returned():
    st = Staff()

    def item(service_type):
        return next(i for i in st.get("/v1/offer", st.admin)["items"]
                    if i["service_type"] == service_type)

    got = item("transport")
    expect(st.call("PUT", "/v1/offer/transport", got, st.admin), 200)
    changed = dict(item("transport"), offered=False)
    eq(expect(st.call("PUT", "/v1/offer/transport", changed, st.admin), 200)["offered"], False,
       "the change applied")
    # a server-owned field that differs from the current value is still refused
    cur = item("transport")
    expect(st.call("PUT", "/v1/offer/transport", dict(cur, version=cur["version"] + 5),
                   st.admin), 400, "VALIDATION_FAILED", field="version")


@test
def test_plan2_next_review_within_12_months():
    st = Staff()
    f = Family(st, plan=False)
    plans = "/v1/children/%s/plans" % f.child
    expect(st.call("POST", plans, {"status": "issued", "issued_on": "2026-01-20",
                                   "next_review_due": "2027-01-21"}), 422, "RULE_VIOLATION",
           rule="PLAN-2")
    p = st.make(plans, {"status": "issued", "issued_on": "2026-01-20",
                        "next_review_due": "2027-01-20"})
    expect(st.patch("/v1/plans/" + p["id"], {"next_review_due": "2027-02-01"}), 422,
           "RULE_VIOLATION", rule="PLAN-2")
    expect(st.patch("/v1/plans/" + p["id"], {"next_review_due": "2026-12-20"}), 200)


@test
def test_cli_each_subcommand_has_its_own_help():
    p = pbd(["--help"])
    eq(p.returncode, 0, "pbd --help")
    first = (p.stdout or p.stderr).splitlines()[0]
    for cmd in ("materialise", "rekey"):
        check(cmd in first, "the usage line omits %s: %r" % (cmd, first))
    for cmd in ("token", "migrate", "seed-demo", "materialise", "rekey", "version"):
        p = pbd([cmd, "--help"], {"DATABASE_URL": ""})
        out = p.stdout + p.stderr
        eq(p.returncode, 0, "pbd %s --help" % cmd)
        check(out.startswith("usage: pbd %s" % cmd), "pbd %s --help: %r" % (cmd, out[:120]))
        check("seed-bench" not in out, "pbd %s --help printed the general usage" % cmd)
    p = pbd(["token", "--help"])
    out = p.stdout + p.stderr
    for opt in ("--role", "--sub", "--person-id", "--la", "--ttl"):
        check(opt in out, "token usage names %s" % opt)


# ---- last: the money invariants over everything the suite did -------------------------------

@test
def test_zz_ledger_invariants_hold():
    _, bad, _ = psql(URL, "SELECT count(*) FROM budget_elements"
                     " WHERE committed_pence + spent_pence > allocated_pence"
                     " OR committed_pence < 0 OR spent_pence < 0")
    eq(bad, "0", "BUD-9 holds everywhere")
    _, drift, _ = psql(URL, "SELECT count(*) FROM budget_element_totals_drift")
    eq(drift, "0", "maintained totals equal the ledger recomputation")


run()
