"""Ledger codes and the BACS Standard 18 bank file (issue 16, part 3b) over
HTTP against the real daemon and PostgreSQL: the council's finance codes
per service type (PUT/GET /v1/ledger-codes), payments inheriting them when
made (and never after), the CSV carrying them; the council's BACS settings
(PATCH /v1/settings); GET /v1/payment-runs/{id}/export?format=bacs18 —
its records, totals equal to the CSV's over the payments with bank
details, payments without bank details left out and counted, the same
bytes for the same processing date, the sent digest per format, the audit
row naming the format."""
import csv
import io
import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "lib"))
from pbtest import Daemon, check, eq, expect, migrated_db, psql, run, test  # noqa: E402
import world  # noqa: E402
from world import Staff, World, call, events_of, fresh_la, make  # noqa: E402

BANK_KEY = "2f" * 32
URL = migrated_db("ledger_bacs")
D = Daemon(URL, {"PB_BANK_KEY": BANK_KEY})
world.bind(D, URL)

BACS = {"bacs_service_user_number": "123456", "bacs_sort_code": "401234",
        "bacs_account_number": "87654321", "bacs_originator_name": "EXAMPLESHIRE SEND"}
MONDAY, TUESDAY, SATURDAY = "2026-12-07", "2026-12-08", "2026-12-05"


def put_codes(st, stype, cc, sc, tok=None, headers=None):
    return call("PUT", "/v1/ledger-codes/" + stype, {"cost_centre": cc, "subjective_code": sc},
                tok or st.fin, headers=headers)


def export(run_id, tok, query=""):
    return call("GET", "/v1/payment-runs/%s/export%s" % (run_id, query), tok=tok)


def bacs(run_id, tok, date=MONDAY):
    s, h, b, _ = export(run_id, tok, "?format=bacs18&processing_date=" + date)
    eq(s, 200, "bacs18: %s" % b[:300])
    return h, b


def audit(st, action, entity=None):
    q = "/v1/audit?action=" + action + ("&entity_id=" + entity if entity else "")
    return expect(call("GET", q, tok=st.aud), 200)["items"]


@test
def test_ledger_codes_roles_validation_if_match_audit():
    st = Staff(fresh_la())
    for tok in (st.cw, st.ap, st.aud, st.admin):
        expect(put_codes(st, "short_breaks", "SC100", "S4001", tok=tok), 403, "FORBIDDEN")
    for cc, sc, field in [("sc100", "S1", "cost_centre"), ("A" * 13, "S1", "cost_centre"),
                          ("SC-1", "S1", "cost_centre"), ("SC1", "", "subjective_code"),
                          ("SC1", None, "subjective_code")]:
        expect(put_codes(st, "short_breaks", cc, sc), 400, "VALIDATION_FAILED", field=field)
    expect(put_codes(st, "Short-Breaks", "SC1", "S1"), 400, "VALIDATION_FAILED",
           field="service_type")
    expect(call("PUT", "/v1/ledger-codes/short_breaks",
                {"cost_centre": "SC1", "subjective_code": "S1", "colour": "red"}, st.fin),
           400, "VALIDATION_FAILED", field="colour")
    expect(put_codes(st, "short_breaks", "SC1", "S1", headers={"If-Match": '"1"'}), 412)
    s, h, _, c = put_codes(st, "short_breaks", "SC100", "S4001", headers={"If-Match": '"0"'})
    eq(s, 200, "created")
    eq((c["service_type"], c["cost_centre"], c["subjective_code"], c["version"],
        c["updated_by"]), ("short_breaks", "SC100", "S4001", 1, "fin-" + st.la), "codes")
    eq(h["etag"], '"1"', "etag")
    expect(put_codes(st, "short_breaks", "SC2", "S2", headers={"If-Match": '"0"'}), 412)
    c2 = expect(put_codes(st, "short_breaks", "SC200", "S4001", headers={"If-Match": '"1"'}),
                200)
    eq((c2["id"], c2["cost_centre"], c2["version"]), (c["id"], "SC200", 2), "replaced")
    expect(put_codes(st, "transport", "ED300", "E5001"), 200)
    items = expect(call("GET", "/v1/ledger-codes", tok=st.aud), 200)["items"]
    eq([(x["service_type"], x["cost_centre"]) for x in items],
       [("short_breaks", "SC200"), ("transport", "ED300")], "list by service type")
    expect(call("GET", "/v1/ledger-codes", tok=st.cw), 403, "FORBIDDEN")
    other = Staff(fresh_la())
    eq(expect(call("GET", "/v1/ledger-codes", tok=other.fin), 200)["items"], [],
       "another council sees none")
    rows = audit(st, "ledger_codes.updated", c["id"])
    eq(sorted((a["changes"]["before"] or {}).get("cost_centre") for a in rows
              if a["changes"]["before"]), ["SC100"], "before of the change")
    eq(sorted(a["changes"]["after"]["cost_centre"] for a in rows), ["SC100", "SC200"],
       "after of each")
    eq(events_of(c["id"]), "ledger_codes.updated,ledger_codes.updated", "events")
    _, out, _ = psql(URL, "SELECT count(*) FROM ledger_codes WHERE la = '%s'" % st.la)
    eq(out, "2", "two rows")


@test
def test_payments_inherit_codes_when_made_and_the_csv_carries_them():
    st = Staff(fresh_la())
    w = World(staff=st)
    expect(put_codes(st, "short_breaks", "SC100", "S4001"), 200)
    expect(put_codes(st, "transport", "ED300", "E5001"), 200)
    p1 = w.approved(amount=1000, due="2026-12-01")
    p2 = w.approved(element=w.tp, payee=w.org, purpose="transport", amount=2000,
                    due="2026-12-01")
    eq((p1["cost_centre"], p1["subjective_code"]), ("SC100", "S4001"), "social care codes")
    eq((p2["cost_centre"], p2["subjective_code"]), ("ED300", "E5001"), "education codes")
    # a change of codes never rewrites a payment already made
    expect(put_codes(st, "short_breaks", "SC999", "S9999"), 200)
    got = expect(call("GET", "/v1/payments/" + p1["id"], tok=st.fin), 200)
    eq(got["cost_centre"], "SC100", "kept")
    p3 = w.approved(amount=3000, due="2026-12-01")
    eq(p3["cost_centre"], "SC999", "the codes at the moment it is made")
    # and the database refuses an edit of a payment's codes
    rc, _, err = psql(URL, "UPDATE payments SET cost_centre = 'X1' WHERE id = '%s'" % p1["id"],
                      check_rc=False)
    check(rc != 0 and "ledger codes" in err, "guard: %s" % err)
    # a service type without codes: none
    other = Staff(fresh_la())
    w2 = World(staff=other)
    p4 = w2.approved(amount=10, due="2026-12-01")
    eq((p4["cost_centre"], p4["subjective_code"]), (None, None), "no codes configured")
    r = expect(call("POST", "/v1/payment-runs", {"due_on_or_before": "2026-12-31"}, st.fin), 201)
    s, _, b, _ = export(r["id"], st.fin)
    eq(s, 200, "csv")
    rows = {x["payment_id"]: x for x in csv.DictReader(io.StringIO(b.decode()))}
    eq([(rows[p["id"]]["cost_centre"], rows[p["id"]]["subjective_code"]) for p in (p1, p2, p3)],
       [("SC100", "S4001"), ("ED300", "E5001"), ("SC999", "S9999")], "csv ledger columns")


@test
def test_settings_bacs_fields_admin_validated():
    st = Staff(fresh_la())
    s = expect(call("GET", "/v1/settings", tok=st.fin), 200)
    eq((s["bacs_service_user_number"], s["bacs_originator_name"]), (None, None), "unset")
    expect(call("PATCH", "/v1/settings", BACS, st.fin), 403, "FORBIDDEN")
    for k, v in [("bacs_service_user_number", "12345"), ("bacs_service_user_number", "12345a"),
                 ("bacs_sort_code", "40-12-34"), ("bacs_account_number", "8765432"),
                 ("bacs_originator_name", "Exampleshire"), ("bacs_originator_name", "A" * 19),
                 ("bacs_originator_name", " LEADING"), ("bacs_originator_name", "O'BRIEN")]:
        expect(call("PATCH", "/v1/settings", dict(BACS, **{k: v}), st.admin), 400,
               "VALIDATION_FAILED", field=k)
    expect(call("PATCH", "/v1/settings", {}, st.admin), 400, "VALIDATION_FAILED")
    got = expect(call("PATCH", "/v1/settings", BACS, st.admin, headers={"If-Match": '"0"'}),
                 200)
    eq({k: got[k] for k in BACS}, BACS, "set")
    eq((got["dp_notice_days"], got["version"]), (28, 1), "notice days untouched")
    got = expect(call("PATCH", "/v1/settings", {"dp_notice_days": 14}, st.admin), 200)
    eq((got["dp_notice_days"], got["bacs_sort_code"]), (14, "401234"), "bacs untouched")
    rows = audit(st, "settings.updated")
    eq(len(rows), 2, "two audit rows")


@test
def test_bacs18_file_records_totals_and_no_bank_payments():
    st = Staff(fresh_la())
    w = World(staff=st, org_name="O'Brien & Sons \u00e9t\u00e9 \U0001F600 of a long name")
    nobank = make("/v1/payees", {"kind": "organisation", "name": "No Bank Ltd",
                                 "is_local_authority": False}, st.fin)["id"]
    p1 = w.approved(amount=12345, due="2026-12-01")
    p2 = w.approved(element=w.tp, payee=w.org, purpose="transport", amount=5, due="2026-11-01")
    p3 = w.approved(element=w.tp, payee=nobank, purpose="equipment", amount=250,
                    due="2026-12-02")
    r = expect(call("POST", "/v1/payment-runs", {"due_on_or_before": "2026-12-31"}, st.fin), 201)
    path = r["id"]
    for q, field in [("?format=pdf", "format"), ("?format=bacs18", "processing_date"),
                     ("?format=bacs18&processing_date=07/12/2026", "processing_date"),
                     ("?format=bacs18&processing_date=" + SATURDAY, "processing_date"),
                     ("?processing_date=" + MONDAY, "processing_date")]:
        expect(export(path, st.fin, q), 400, "VALIDATION_FAILED", field=field)
    for tok in (st.aud, st.cw, st.admin):
        expect(export(path, tok, "?format=bacs18&processing_date=" + MONDAY), 403, "FORBIDDEN")
    # the council's BACS details are needed
    _, _, b, j = export(path, st.fin, "?format=bacs18&processing_date=" + MONDAY)
    eq(j["status"], 409, "not configured: %s" % b[:200])
    check("bacs_service_user_number" in j["detail"], j["detail"])
    expect(call("PATCH", "/v1/settings", BACS, st.admin), 200)
    h1, b1 = bacs(path, st.fin)
    h2, b2 = bacs(path, st.fin2)
    eq(b1, b2, "the same bytes on every download for the same processing date")
    check(h1["content-type"].startswith("text/plain"), h1["content-type"])
    check(h1["content-disposition"].endswith('.bacs18.txt"'), h1["content-disposition"])
    lines = b1.decode("ascii").split("\r\n")
    eq(lines[-1], "", "CRLF after the last record")
    lines = lines[:-1]
    eq([x[:4] for x in lines], ["VOL1", "HDR1", "HDR2", "UHL1", "4455", "1122", "4012",
                                "EOF1", "EOF2", "UTL1"], "records, in due-date order")
    eq([len(x) for x in lines], [80] * 4 + [100] * 3 + [80] * 3, "widths")
    eq(lines[0][41:47], "123456", "service user number in VOL1")
    eq(lines[3][4:10], " 26341", "processing day bYYDDD")
    by_acct = {x[6:14]: x for x in lines[4:6]}
    dp, org = by_acct["01234567"], by_acct["76543210"]
    eq((dp[0:6], dp[14:17], dp[17:23], dp[23:31], dp[35:46]),
       ("112233", "099", "401234", "87654321", "00000012345"), "DP credit")
    eq(dp[46:64], "EXAMPLESHIRE SEND ", "originator")
    eq(dp[64:82], ("PB-" + p1["id"][:8].upper()).ljust(18), "reference")
    eq(dp[82:100], "PAT PARENT".ljust(18), "beneficiary")
    eq(org[82:100], "OBRIEN & SONS ETE ", "awkward name cut and mapped")
    contra = lines[6]
    eq((contra[0:17], contra[35:46], contra[64:82]),
       ("40123487654321017", "00000012350", "CONTRA".ljust(18)), "contra")
    eq(lines[9][4:44], "0000000012350" "0000000012350" "0000001" "0000002", "UTL1 totals")
    # the control totals: the file's payments; the one without bank details apart
    eq((h1["x-payment-count"], h1["x-total-pence"], h1["x-payments-without-bank-details"],
        h1["x-without-bank-details-pence"]), ("2", "12350", "1", "250"), "bacs control")
    s, hc, bc, _ = export(path, st.fin)
    eq(s, 200, "csv")
    eq((hc["x-payment-count"], hc["x-total-pence"], hc["x-payments-without-bank-details"]),
       ("3", "12600", "1"), "csv control: every payment")
    eq(int(hc["x-total-pence"]), int(h1["x-total-pence"]) + int(h1["x-without-bank-details-pence"]),
       "csv total = bank file + without bank details")
    check(p3["id"] not in b1.decode() and b"NO BANK" not in b1, "no bank details: not in file")
    check(p3["id"] in bc.decode(), "but in the CSV")
    got = expect(call("GET", "/v1/payment-runs/" + path, tok=st.fin), 200)
    eq(got["missing_bank_count"], 1, "the run lists them")
    rows = audit(st, "payment_run.exported", path)
    fmts = sorted((a["changes"]["format"], a["changes"].get("processing_date"),
                   a["changes"]["rows"]) for a in rows)
    eq(fmts, [("bacs18", MONDAY, 2), ("bacs18", MONDAY, 2), ("csv", None, 3)],
       "audit rows name the format")
    check(all("87654321" not in str(a["changes"]) for a in rows), "no account in audit")
    eq(p2["status"], "approved", "p2 was approved")


@test
def test_sent_freezes_the_digest_of_the_format_downloaded():
    st = Staff(fresh_la())
    w = World(staff=st)
    expect(call("PATCH", "/v1/settings", BACS, st.admin), 200)
    empty = expect(call("POST", "/v1/payment-runs", {"due_on_or_before": "2026-12-31"}, st.fin),
                   201)
    _, _, b, j = export(empty["id"], st.fin, "?format=bacs18&processing_date=" + MONDAY)
    eq(j["status"], 409, "no payment with bank details, no bank file: %s" % b[:200])
    w.approved(amount=700, due="2026-12-01")
    r = expect(call("POST", "/v1/payment-runs", {"due_on_or_before": "2026-12-31"}, st.fin), 201)
    s, hc, _, _ = export(r["id"], st.fin)
    eq(s, 200, "csv first")
    h_tue, _ = bacs(r["id"], st.fin, TUESDAY)
    check(h_tue["x-content-sha256"] != hc["x-content-sha256"], "formats differ")
    h_mon, b_mon = bacs(r["id"], st.fin, MONDAY)
    check(h_mon["x-content-sha256"] != h_tue["x-content-sha256"], "the date is in the file")
    # sent with the latest download: the Monday bank file
    expect(call("POST", "/v1/payment-runs/%s/sent" % r["id"],
                {"file_sha256": hc["x-content-sha256"]}, st.fin), 400, "VALIDATION_FAILED",
           field="file_sha256")
    expect(call("POST", "/v1/payment-runs/%s/sent" % r["id"],
                {"file_sha256": h_mon["x-content-sha256"]}, st.fin), 200)
    h3, b3 = bacs(r["id"], st.fin, MONDAY)
    eq(b3, b_mon, "the file sent is given again")
    for q in ("", "?format=bacs18&processing_date=" + TUESDAY):
        _, _, b, j = export(r["id"], st.fin, q)
        eq(j["status"], 409, "another file of a sent run: %s" % b[:200])


run()
