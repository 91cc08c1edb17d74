"""The family page as a parent sees it: headless Chromium (Debian `chromium`, driven over the
DevTools protocol by tests/lib/cdp.py) opens /family with the demo parent's token on the demo
council of `make run`, at a phone's 375×812 and a desktop's 1280×800, and:

- every figure and date on the page is the API's (GET /v1/me/budgets, and GET /v1/me/payments
  where this server has it): the page's figures are read from the screen and parsed back
  from £1,234.56, and no £ amount appears that the test has not checked;
- the contract's additions (labels, held_by, paid_to_family_pence, upcoming_payments,
  element_label) are checked when the API returns them, and the page degrades without them;
- axe-core (npm, pinned: deploy/npm/a11y) finds no serious or critical WCAG 2.2 AA violation,
  on the page and on the form showing its errors;
- a spend return sent through the form with a photo of a receipt is in the API afterwards;
- the token leaves the address bar, is kept only in sessionStorage (no cookie, no
  localStorage), and no request leaves the origin or breaks the CSP.

Screenshots and axe reports go to build/family-screenshots/.  Run by `make test-family-page`
(tests/family/run.sh starts a throwaway PostgreSQL).  Prints "N passed, N failed".
"""
import datetime
import hashlib
import json
import os
import re
import sys
import uuid

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "lib"))
from pbtest import Daemon, check, eq, migrated_db, pbd, run, test, token  # noqa: E402
from cdp import Browser  # noqa: E402

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
ASSETS = os.path.join(ROOT, "build", "npm", "family", "node_modules", "govuk-frontend", "dist", "govuk")
AXE = os.path.join(ROOT, "build", "npm", "a11y", "node_modules", "axe-core", "axe.min.js")
RECEIPT = os.path.join(ROOT, "tests", "fixtures", "evidence", "receipt.jpg")
OUT = os.path.join(ROOT, "build", "family-screenshots")
os.makedirs(OUT, exist_ok=True)
SIZES = [(375, 812, True), (1280, 800, False)]
AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"]


def demo_id(name):
    return str(uuid.UUID(hashlib.md5(name.encode()).hexdigest()))


URL = migrated_db("family_page")
pbd(["seed-demo"], {"DATABASE_URL": URL}, check_rc=True)
D = Daemon(URL, {"PB_FAMILY_DIR": ASSETS, "PB_LOG_LEVEL": "info"})
BASE = "http://127.0.0.1:%d" % D.port
PARENT = token(["family"], sub="demo-parent", person_id=demo_id("demo-person-1"), ttl=3600)
OTHER_PARENT = token(["family"], sub="demo-parent-2", person_id=demo_id("demo-person-2"), ttl=3600)


def api(path, tok=PARENT):
    s, _, b, j = D.request("GET", path, token=tok)
    return s, j


# --- reading the page ---------------------------------------------------------------------

MONEY = re.compile(r"^£(\d{1,3}(?:,\d{3})*)\.(\d{2})$")
MONTHS = ["January", "February", "March", "April", "May", "June", "July", "August",
          "September", "October", "November", "December"]


def pence(text):
    """'£1,234.56' → 123456; fails on anything not written the GOV.UK way."""
    m = MONEY.match(text.strip())
    check(m, "not an amount of money the GOV.UK way: %r" % text)
    return int(m.group(1).replace(",", "")) * 100 + int(m.group(2))


def long_date(iso):
    y, m, d = (int(x) for x in iso.split("-"))
    return "%d %s %d" % (d, MONTHS[m - 1], y)


def label_of(e):
    if e.get("label"):
        return e["label"]
    s = e["service_type"].replace("_", " ")
    return s[:1].upper() + s[1:]


SNAPSHOT = """(() => {
  const pick = (attr) => [...document.querySelectorAll('[' + attr + ']')]
    .filter((e) => e.offsetParent !== null || e.getClientRects().length)
    .map((e) => [e.getAttribute(attr), e.textContent.trim()]);
  return {figures: pick('data-pb-figure'), dates: pick('data-pb-date'), texts: pick('data-pb-text'),
          text: document.body.innerText, href: location.href, hash: location.hash,
          session: sessionStorage.length, session_token: sessionStorage.getItem('pb-family-token'),
          local: localStorage.length, cookie: document.cookie,
          payments_shown: !document.getElementById('pb-payments').hidden,
          return_shown: !document.getElementById('pb-return').hidden,
          signed_out: !document.getElementById('pb-signed-out').hidden,
          width: document.documentElement.scrollWidth};
})()"""


class Session:
    """One tab at one size, with the events it produced."""

    def __init__(self, browser, width, height, mobile, fragment):
        self.page = browser.new_page()
        for domain in ("Page", "Network", "Runtime", "Log"):
            self.page.call(domain + ".enable")
        self.page.call("Emulation.setDeviceMetricsOverride", width=width, height=height,
                       deviceScaleFactor=1, mobile=mobile)
        self.page.call("Page.navigate", url=BASE + "/family" + fragment)
        self.page.wait_for("document.documentElement.getAttribute('data-pb-ready') === 'true' || "
                           "!document.getElementById('pb-signed-out').hidden")
        self.snap = self.page.eval(SNAPSHOT)

    def axe(self, name):
        if not self.page.eval("typeof axe !== 'undefined'"):
            self.page.eval(open(AXE).read() + "\n;true")
        res = self.page.eval("axe.run(document, {runOnly: {type: 'tag', values: %s}})"
                             ".then((r) => ({violations: r.violations, passes: r.passes.length}))"
                             % json.dumps(AXE_TAGS), timeout=120)
        with open(os.path.join(OUT, "axe-%s.json" % name), "w") as f:
            json.dump(res["violations"], f, indent=1)
        bad = ["%s (%s): %s" % (v["id"], v["impact"], [n["target"] for n in v["nodes"]][:3])
               for v in res["violations"] if v["impact"] in ("serious", "critical")]
        eq(bad, [], "axe serious/critical violations on %s (build/family-screenshots/axe-%s.json)" % (name, name))
        check(res["passes"] > 10, "axe ran too few checks (%d)" % res["passes"])

    def problems(self):
        """CSP refusals, script errors, requests outside the origin, failed requests."""
        out = []
        status = {}
        for method, p in self.page.events:
            if method == "Log.entryAdded":
                t = p["entry"].get("text", "")
                if "Content Security Policy" in t or "Refused to" in t:
                    out.append("CSP: " + t)
            elif method == "Runtime.exceptionThrown":
                out.append("exception: %s" % p["exceptionDetails"].get("exception", {}).get("description"))
            elif method == "Network.requestWillBeSent":
                u = p["request"]["url"]
                if not (u.startswith(BASE + "/") or u.startswith("data:")):
                    out.append("request outside the origin: " + u)
            elif method == "Network.responseReceived":
                status[p["response"]["url"]] = p["response"]["status"]
        for u, s in status.items():
            path = u[len(BASE):].split("?")[0]
            allowed = s < 400 or path == "/favicon.ico" or (path == "/v1/me/payments" and s == 404)
            if not allowed:
                out.append("%s answered %d" % (u, s))
        return out


BROWSER = Browser(["--lang=en-GB"])   # dates typed the British way
MINE_STATUS, MINE = api("/v1/me/budgets")
PAY_STATUS, PAYMENTS = api("/v1/me/payments?limit=50")
SESSIONS = {}


def session(size):
    if size not in SESSIONS:
        w, h, mobile = size
        SESSIONS[size] = Session(BROWSER, w, h, mobile, "#token=" + PARENT)
    return SESSIONS[size]


def expected_figures():
    """What the API says the page must show: key → pence, and key → ISO date."""
    money, dates = {}, {}
    for b in MINE["items"]:
        for f in ("allocated_pence", "spent_pence", "committed_pence", "remaining_pence"):
            money["budget.%s.%s" % (b["budget_id"], f)] = b[f]
        if b.get("next_payment"):
            money["next.%s.amount_pence" % b["budget_id"]] = b["next_payment"]["amount_pence"]
            dates["next.%s.due_date" % b["budget_id"]] = b["next_payment"]["due_date"]
        for e in b["elements"]:
            p = "element." + e["id"]
            for f in ("allocated_pence", "spent_pence", "committed_pence", "remaining_pence"):
                money["%s.%s" % (p, f)] = e[f]
            if "paid_to_family_pence" in e and e["arrangement"] == "direct_payment":
                money[p + ".paid_to_family_pence"] = e["paid_to_family_pence"]
            for i, u in enumerate(e.get("upcoming_payments") or []):
                money["%s.upcoming.%d.amount_pence" % (p, i)] = u["amount_pence"]
                dates["%s.upcoming.%d.due_date" % (p, i)] = u["due_date"]
    if PAY_STATUS == 200:
        for pay in PAYMENTS["items"]:
            money["payment.%s.amount_pence" % pay["id"]] = pay["amount_pence"]
            dates["payment.%s.date" % pay["id"]] = pay.get("paid_on") or pay["due_date"]
    return money, dates


# --- the tests ----------------------------------------------------------------------------

@test
def test_the_api_answers_for_the_demo_parent():
    eq(MINE_STATUS, 200, "GET /v1/me/budgets")
    check(len(MINE["items"]) >= 1, "the demo parent has a budget")
    check(PAY_STATUS in (200, 404), "GET /v1/me/payments: %d" % PAY_STATUS)
    s, h, b, _ = D.request("GET", "/family")
    eq(s, 200, "GET /family")
    csp = h.get("content-security-policy", "")
    for d in ("script-src 'self'", "style-src 'self'", "connect-src 'self'", "frame-ancestors 'none'",
              "object-src 'none'", "base-uri 'none'"):
        check(d in csp, "CSP lacks %s: %r" % (d, csp))
    check("unsafe-inline" not in csp and "unsafe-eval" not in csp, "CSP allows inline or eval")
    check(b"<script>" not in b and b" style=" not in b and b"onclick" not in b, "inline script or style")


@test
def test_every_figure_is_the_apis():
    money, dates = expected_figures()
    for size in SIZES:
        snap = session(size).snap
        shown = dict(snap["figures"])
        eq(len(shown), len(snap["figures"]), "a figure shown twice under one key")
        eq(sorted(shown), sorted(money), "figures on the page at %dx%d" % size[:2])
        for k, want in money.items():
            eq(pence(shown[k]), want, "%s at %dx%d" % (k, size[0], size[1]))
        shown_dates = dict(snap["dates"])
        eq(sorted(shown_dates), sorted(dates), "dates on the page")
        for k, want in dates.items():
            eq(shown_dates[k], long_date(want), k)
        # no other £ amount on the page than the ones just checked
        amounts = re.findall(r"£[\d,]+\.\d\d", snap["text"])
        eq(len(amounts), len(money), "£ amounts in the page's text")
        eq(snap["payments_shown"], PAY_STATUS == 200, "payments received shown when the API has them")


@test
def test_words_a_parent_understands():
    snap = session(SIZES[0]).snap
    texts = dict(snap["texts"])
    for b in MINE["items"]:
        eq(texts["budget.%s.status" % b["budget_id"]],
           {"approved": "Active", "suspended": "On hold"}[b["status"]], "status in words")
        check("%s’s budget" % b["child"]["given_name"] in snap["text"], "the child's name")
        check("%s to %s" % (long_date(b["period_start"]), long_date(b["period_end"])) in snap["text"],
              "the budget's period in words")
        for e in b["elements"]:
            p = "element." + e["id"]
            eq(texts[p + ".label"], label_of(e), "label of %s" % e["service_type"])
            who = texts[p + ".managed_by"]
            held = e.get("held_by")
            if held and held["kind"] != "family":
                check(held["name"] in who, "managed by %r shows %r" % (held, who))
            elif e["arrangement"] == "direct_payment":
                check(who.startswith("You manage this"), who)
            elif e["arrangement"] == "third_party":
                check("provider" in who or "pays" in who, who)
            else:
                check("council" in who.lower(), who)
    for code in ("direct_payment", "third_party", "notional", "short_breaks", "continuing_care", "_pence"):
        check(code not in snap["text"], "machine code %r on the page" % code)
    check(snap["return_shown"], "the spend return form is offered for the direct payment")


@test
def test_the_token_stays_in_the_tab():
    for size in SIZES:
        snap = session(size).snap
        check("token" not in snap["href"] and snap["hash"] == "", "token left in the URL: %s" % snap["href"])
        eq(snap["session_token"], PARENT, "token kept in sessionStorage")
        eq(snap["local"], 0, "localStorage used")
        eq(snap["cookie"], "", "a cookie set")


@test
def test_fits_a_phone_and_screenshots():
    for size in SIZES:
        s = session(size)
        eq(s.snap["width"] <= size[0], True, "page wider than %d px: %d" % (size[0], s.snap["width"]))
        shot = os.path.join(OUT, "family-%dx%d.png" % size[:2])
        s.page.screenshot(shot)
        head = open(shot, "rb").read(24)
        check(head.startswith(b"\x89PNG"), "not a PNG")
        eq(int.from_bytes(head[16:20], "big"), size[0], "screenshot width")
        check(os.path.getsize(shot) > 20000, "screenshot suspiciously small")


@test
def test_no_serious_accessibility_violation():
    for size in SIZES:
        session(size).axe("%dx%d" % size[:2])


@test
def test_form_errors_are_govuk_and_accessible():
    s = Session(BROWSER, 375, 812, True, "#token=" + PARENT)
    s.page.eval("document.getElementById('pb-f-submit').click(); true")
    s.page.wait_for("!document.getElementById('pb-problem').hidden")
    links = s.page.eval("[...document.querySelectorAll('#pb-problem-list a')].map(a => a.getAttribute('href'))")
    check(len(links) >= 6, "error summary links: %r" % links)
    for href in links:
        check(s.page.eval("!!document.querySelector(%s + '.govuk-input--error, %s.govuk-file-upload--error, "
                          "%s.govuk-select--error')" % (json.dumps(href), href, href)),
              "%s is not marked in error" % href)
    eq(s.page.eval("document.activeElement.id"), "pb-problem", "focus moves to the error summary")
    s.page.screenshot(os.path.join(OUT, "family-errors-375x812.png"))
    s.axe("errors-375x812")
    eq(s.problems(), [], "browser problems")


def last_ended_month(b):
    first = datetime.date.today().replace(day=1)
    end = min(first - datetime.timedelta(days=1), datetime.date.fromisoformat(b["period_end"]))
    start = max(end.replace(day=1), datetime.date.fromisoformat(b["period_start"]))
    return (start.isoformat(), end.isoformat()) if start <= end else None


@test
def test_a_spend_return_with_a_receipt_photo():
    b = next(x for x in MINE["items"] if any(e["arrangement"] == "direct_payment" for e in x["elements"]))
    e = next(x for x in b["elements"] if x["arrangement"] == "direct_payment")
    period = last_ended_month(b)
    if period is None:
        print("skip: the demo budget has no ended month yet")
        return
    s = Session(BROWSER, 375, 812, True, "#token=" + PARENT)
    p = s.page
    values = {"pb-f-start": period[0], "pb-f-end": period[1], "pb-f-opening": "1,000.00",
              "pb-f-closing": "£912.55", "pb-f-spent-on": period[1], "pb-f-description": "Fuel for school runs",
              "pb-f-amount": "87.45"}
    p.eval("(() => { const v = %s; for (const [id, x] of Object.entries(v)) document.getElementById(id).value = x; "
           "return true; })()" % json.dumps(values))
    doc = p.call("DOM.getDocument")["root"]["nodeId"]
    node = p.call("DOM.querySelector", nodeId=doc, selector="#pb-f-receipt")["nodeId"]
    p.call("DOM.setFileInputFiles", nodeId=node, files=[RECEIPT])
    p.eval("document.getElementById('pb-f-submit').click(); true")
    p.wait_for("!document.getElementById('pb-return-sent').hidden || !document.getElementById('pb-problem').hidden")
    problems = p.eval("document.getElementById('pb-problem').hidden ? '' : document.getElementById('pb-problem').innerText")
    eq(problems, "", "the form reported a problem")
    ref = p.eval("document.getElementById('pb-return-ref').textContent")
    p.screenshot(os.path.join(OUT, "family-return-sent-375x812.png"))
    st, page = api("/v1/budgets/%s/elements/%s/spend-returns" % (b["budget_id"], e["id"]))
    eq(st, 200, "the family's returns")
    eq([r["id"] for r in page["items"]], [ref], "the return the page sent")
    r = page["items"][0]
    eq((r["period_start"], r["period_end"]), period, "period")
    eq((r["opening_balance_pence"], r["closing_balance_pence"]), (100000, 91255), "balances")
    eq([(ln["amount_pence"], ln["category"], ln["description"]) for ln in r["lines"]],
       [(8745, e["service_type"], "Fuel for school runs")], "lines")
    eq(len(r["evidence"]), 1, "one receipt")
    eq(r["evidence"][0]["size_bytes"], os.path.getsize(RECEIPT), "the receipt's bytes")
    eq(r["evidence"][0]["media_type"], "image/jpeg", "the receipt's type")
    eq(s.problems(), [], "browser problems")


@test
def test_no_csp_violation_or_outside_request():
    for size in SIZES:
        eq(session(size).problems(), [], "browser problems at %dx%d" % size[:2])
    # pbd's log: the page's own files were all answered 200, the fonts never asked for
    reqs = [ln for ln in open(D.log_path) if '"msg":"request"' in ln]
    routes = {re.search(r'"route":"([^"]*)"', ln).group(1) for ln in reqs if '"route":"' in ln}
    check({"/family", "/family/{file}", "/v1/me/budgets"} <= routes, "page requests %r" % routes)
    check(not any("/assets/" in ln for ln in reqs), "the page asked for GOV.UK's fonts or images")


@test
def test_without_a_token_or_with_a_bad_one():
    s = Session(BROWSER, 375, 812, True, "")
    check(s.snap["signed_out"], "no token: the sign-in message")
    eq(s.snap["figures"], [], "no figures without a token")
    s = Session(BROWSER, 375, 812, True, "#token=not-a-token")
    s.page.wait_for("!document.getElementById('pb-signed-out').hidden")
    eq(s.page.eval("sessionStorage.length"), 0, "a refused token is forgotten")
    s = Session(BROWSER, 375, 812, True, "#token=" + OTHER_PARENT)
    check("There are no budgets for your children yet" in s.snap["text"], "a parent with no budget")
    eq(s.snap["figures"], [], "another family's figures")


@test
def test_zz_close_browser():
    BROWSER.close()


run()
