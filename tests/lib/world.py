"""A council's world for API tests of money: staff tokens of one council,
a child with a parent, an issued plan and an approved budget of three
elements (World), and the helpers that drive them over HTTP.  bind() the
suite's daemon and database first."""
import datetime
import threading

from pbtest import LA, expect, new_id, psql, token

PERIOD = {"period_start": "2026-09-01", "period_end": "2027-08-31"}
_la_seq = [0]


def fresh_la():
    _la_seq[0] += 1
    return "E07%06d" % _la_seq[0]


class Staff:
    """Tokens of one council: two caseworkers, two approvers, two finance
    officers, an auditor, an admin and a service account."""

    def __init__(self, la):
        self.la = la
        self.cw = token(["caseworker"], sub="cw-" + la, la=la)
        self.cw2 = token(["caseworker"], sub="cw2-" + la, la=la)
        self.ap = token(["approver"], sub="ap-" + la, la=la)
        self.ap2 = token(["approver"], sub="ap2-" + la, la=la)
        self.admin = token(["admin"], sub="admin-" + la, la=la)
        self.fin = token(["finance"], sub="fin-" + la, la=la)
        self.fin2 = token(["finance"], sub="fin2-" + la, la=la)
        self.aud = token(["auditor"], sub="aud-" + la, la=la)
        self.svc = token(["service"], sub="svc-" + la, la=la)


S = Staff(LA)


_bound = {}


def bind(daemon, url):
    """The daemon the helpers call and the database events_of reads."""
    _bound["d"], _bound["url"] = daemon, url


def call(method, path, body=None, tok=None, headers=None, raw=None):
    return _bound["d"].request(method, path, body, token=tok or S.cw, headers=headers, raw=raw)


def make(path, body, tok, status=201):
    return expect(call("POST", path, body, tok), status)


class World:
    """A child living with one parent, an issued plan and an approved budget
    of three elements: a direct payment to the parent (signed agreement), a
    third-party element held by an organisation and a notional one."""

    def __init__(self, staff=S, lives_with=True, dp_pence=100000, school=False,
                 signed=True, org_name="Acme Care Ltd", approve=True):
        self.s = staff
        cw = staff.cw
        self.parent = make("/v1/people", {"given_name": "Pat", "family_name": "Parent"}, cw)["id"]
        self.child = make("/v1/children", {"given_name": "Kim", "family_name": "Child",
                                           "date_of_birth": "2014-05-01"}, cw)["id"]
        make("/v1/children/%s/contacts" % self.child,
             {"person_id": self.parent, "relationship": "parent",
              "has_parental_responsibility": True, "lives_with_child": lives_with}, cw)
        self.plan = make("/v1/children/%s/plans" % self.child,
                         {"status": "issued", "issued_on": "2025-09-01"}, cw)["id"]
        self.dp_payee = make("/v1/payees", {
            "kind": "individual", "name": "Pat Parent", "person_id": self.parent,
            "is_local_authority": False,
            "bank": {"sort_code": "112233", "account_number": "01234567"}}, cw)["id"]
        self.org = make("/v1/payees", {
            "kind": "organisation", "name": org_name, "is_local_authority": False,
            "bank": {"sort_code": "445566", "account_number": "76543210"}}, staff.fin)["id"]
        agreement = {"agreed_provision": "Personal assistant for short breaks",
                     "outcomes": ["Enjoys time with friends"], "school_premises": school}
        if signed:
            agreement["signed_on"] = "2026-09-01"
        body = {"child_id": self.child, "plan_id": self.plan, "elements": [
            {"stream": "social_care", "service_type": "short_breaks",
             "arrangement": "direct_payment", "allocated_pence": dp_pence,
             "recipient_person_id": self.parent, "payee_id": self.dp_payee,
             "agreement": agreement},
            {"stream": "education", "service_type": "transport", "arrangement": "third_party",
             "allocated_pence": 100000, "payee_id": self.org},
            {"stream": "health", "service_type": "continuing_care", "arrangement": "notional",
             "allocated_pence": 100000}]}
        body.update(PERIOD)
        self.budget = make("/v1/budgets", body, cw)["id"]
        if approve:
            make("/v1/budgets/%s/approve" % self.budget, {}, staff.ap, status=200)
        els = self.get_budget()["elements"]
        self.dp, self.tp, self.nt = (e["id"] for e in els)
        self.fam = token(["family"], sub="fam-" + self.parent[:8], person_id=self.parent,
                         la=staff.la)

    def get_budget(self):
        return expect(call("GET", "/v1/budgets/" + self.budget, tok=self.s.cw), 200)

    def element(self, eid):
        return next(e for e in self.get_budget()["elements"] if e["id"] == eid)

    def body(self, element=None, payee=None, amount=1000, purpose="direct_payment",
             due="2026-12-01", description="December"):
        return {"element_id": element or self.dp, "payee_id": payee or self.dp_payee,
                "amount_pence": amount, "purpose": purpose, "due_date": due,
                "description": description}

    def create(self, tok=None, key=None, **kw):
        return call("POST", "/v1/budgets/%s/payments" % self.budget, self.body(**kw),
                    tok or self.s.cw, headers={"Idempotency-Key": key or new_id()})

    def pay(self, tok=None, **kw):
        return expect(self.create(tok=tok, **kw), 201)

    def approved(self, **kw):
        p = self.pay(**kw)
        return expect(call("POST", "/v1/payments/%s/approve" % p["id"], {},
                           self.s.fin), 200)


def day(n):
    """Today + n days, as YYYY-MM-DD."""
    return (datetime.date.today() + datetime.timedelta(days=n)).isoformat()


def force_due(vid):
    """A variation's notice has run (time travel for a test)."""
    psql(_bound["url"], "UPDATE budget_variations SET takes_effect_on = current_date - 1"
         " WHERE id = '%s'" % vid)


def settle(st, w, amount, due="2026-09-10"):
    """A paid direct payment of `amount` on w's DP element (a payment run of
    w's council and its result)."""
    p = w.approved(amount=amount, due=due)
    r = expect(call("POST", "/v1/payment-runs", {"due_on_or_before": due}, st.fin), 201)
    expect(call("POST", "/v1/payment-runs/%s/results" % r["id"],
                {"results": [{"payment_id": p["id"], "outcome": "paid"}]}, st.fin), 200)
    return p


def events_of(entity_id):
    _, out, _ = psql(_bound["url"], "SELECT coalesce(string_agg(type, ',' ORDER BY pos), '')"
                     " FROM events WHERE entity_id = '%s'" % entity_id)
    return out


def parallel(n, fn):
    """Run fn(i) in n threads released together; returns the results."""
    barrier = threading.Barrier(n)
    out = [None] * n

    def work(i):
        barrier.wait()
        try:
            out[i] = fn(i)
        except Exception as e:  # noqa: BLE001 - reported by the caller
            out[i] = e
    threads = [threading.Thread(target=work, args=(i,)) for i in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    for r in out:
        if isinstance(r, Exception):
            raise r
    return out
