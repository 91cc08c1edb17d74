"""Core records over HTTP: people, children, contacts and EHC plans —
success paths, strict validation, pagination, ETag/If-Match, the plan
lifecycle, tenancy, family ownership, and the audit log / events feed."""
import json
import datetime
import os
import sys
import threading
import uuid

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "lib"))
from pbtest import (OTHER_LA, Daemon, check, eq, migrated_db, new_id,  # noqa: E402
                    run, test, token)

D = Daemon(migrated_db("records"))
CW = token(["caseworker"], sub="cw-alice")
ADMIN = token(["admin"], sub="admin-bob")
AUDITOR = token(["auditor"], sub="auditor-carol")
SERVICE = token(["service"], sub="svc-feed")
OTHER_CW = token(["caseworker"], la=OTHER_LA, sub="cw-other")
OTHER_ADMIN = token(["admin"], la=OTHER_LA, sub="admin-other")


# --- helpers ----------------------------------------------------------------------

def child_body(**over):
    b = {"given_name": "Ada", "family_name": "Lovelace", "date_of_birth": "2014-05-01"}
    b.update(over)
    return b


def create(path, body, tok=CW, headers=None, want=201):
    s, h, b, j = D.request("POST", path, body, token=tok, headers=headers)
    eq(s, want, "POST %s status (body %r)" % (path, b[:300]))
    return h, j


def new_child(tok=CW, **over):
    return create("/v1/children", child_body(**over), tok)[1]


def new_person(tok=CW, **over):
    b = {"given_name": "Pat", "family_name": "Parent"}
    b.update(over)
    return create("/v1/people", b, tok)[1]


def new_contact(child_id, person_id, tok=CW, relationship="parent"):
    return create("/v1/children/%s/contacts" % child_id,
                  {"person_id": person_id, "relationship": relationship,
                   "has_parental_responsibility": True, "lives_with_child": True}, tok)[1]


def new_plan(child_id, tok=CW, **body):
    b = {"status": "issued"}
    b.update(body)
    return create("/v1/children/%s/plans" % child_id, b, tok)


def problem(resp, status, code, what=""):
    s, h, b, j = resp
    eq(s, status, "%s status (body %r)" % (what, b[:400]))
    check(h.get("content-type", "").startswith("application/problem+json"),
          "%s content-type %r" % (what, h.get("content-type")))
    check(j is not None, what + " problem body")
    eq(j["code"], code, what + " code")
    eq(j["status"], status, what + " problem status")
    for k in ("type", "title", "detail"):
        check(k in j, "%s problem has %s" % (what, k))
    return j


def field_error(resp, field, code=None, what=""):
    j = problem(resp, 400, "VALIDATION_FAILED", what)
    errs = j.get("errors") or []
    fields = [(e.get("field"), e.get("code")) for e in errs]
    match = [e for e in errs if e.get("field") == field]
    check(match, "%s: no error for field %r in %r" % (what, field, fields))
    if code is not None:
        check(any(e.get("code") == code for e in match),
              "%s: field %r codes %r, want %r" % (what, field, fields, code))
    for e in errs:
        check(e.get("message"), what + " error message present")
    return j


def post_raw(path, raw, tok=CW, ctype="application/json"):
    h = {"Content-Type": ctype} if ctype else {}
    return D.request("POST", path, token=tok, raw=raw, headers=h)


def list_all(path, tok, limit):
    items, cursor, pages = [], None, 0
    while True:
        q = "%s?limit=%d" % (path, limit) + ("&cursor=" + cursor if cursor else "")
        s, h, b, j = D.request("GET", q, token=tok)
        eq(s, 200, "list page")
        check(len(j["items"]) <= limit, "page size")
        items += j["items"]
        pages += 1
        cursor = j["next_cursor"]
        if cursor is None:
            return items, pages
        check(pages < 100, "pagination does not end")


# --- people ---------------------------------------------------------------------------

@test
def test_person_create_and_read():
    h, j = create("/v1/people", {"given_name": "Sam", "family_name": "Taylor",
                                 "email": "sam@example.org", "phone": "+44 20 7946 0001"})
    uuid.UUID(j["id"])
    eq(h["location"], "/v1/people/" + j["id"], "location")
    eq(h.get("etag"), '"1"', "etag")
    eq(j["given_name"], "Sam", "given_name")
    eq(j["email"], "sam@example.org", "email")
    s, h2, b, j2 = D.request("GET", h["location"], token=CW)
    eq(s, 200, "read")
    eq(j2["family_name"], "Taylor", "family_name")
    eq(j2["phone"], "+44 20 7946 0001", "phone")
    eq(h2.get("etag"), '"1"', "etag on read")


@test
def test_person_validation():
    field_error(D.request("POST", "/v1/people", {"given_name": "A"}, token=CW),
                "family_name", "required", "missing family_name")
    field_error(D.request("POST", "/v1/people", {"given_name": "A", "family_name": "B",
                                                 "email": "not-an-email"}, token=CW),
                "email", "invalid", "bad email")
    field_error(D.request("POST", "/v1/people", {"given_name": "A", "family_name": "B",
                                                 "phone": "call me"}, token=CW),
                "phone", "invalid", "bad phone")
    field_error(D.request("POST", "/v1/people", {"given_name": "A", "family_name": "B",
                                                 "id": new_id()}, token=CW),
                "id", "read_only", "person id")
    field_error(D.request("POST", "/v1/people", {"given_name": "A", "family_name": "B",
                                                 "la": OTHER_LA}, token=CW),
                "la", "read_only", "person la")


@test
def test_person_unknown_id_404():
    problem(D.request("GET", "/v1/people/" + new_id(), token=CW), 404, "NOT_FOUND", "unknown")
    problem(D.request("GET", "/v1/people/not-a-uuid", token=CW), 404, "NOT_FOUND", "junk id")


# --- children: success -----------------------------------------------------------------

@test
def test_child_create_and_read():
    h, j = create("/v1/children", child_body(given_name="Grace"))
    eq(h["location"], "/v1/children/" + j["id"], "location")
    eq(h.get("etag"), '"1"', "etag")
    eq(j["date_of_birth"], "2014-05-01", "dob")
    eq(j["version"], 1, "version")
    for k in ("created_at", "updated_at"):
        check(j[k].endswith("Z") and "T" in j[k], "%s is RFC 3339 UTC: %r" % (k, j[k]))
    check("la" not in j, "la is not exposed")
    s, h2, b, j2 = D.request("GET", h["location"], token=CW)
    eq(s, 200, "read")
    eq(j2["given_name"], "Grace", "name")
    eq(h2["etag"], '"1"', "etag")


@test
def test_child_names_at_limits():
    new_child(given_name="x" * 100, family_name="y")
    new_child(given_name="é" * 50)          # 100 bytes
    new_child(date_of_birth="2020-02-29")   # a real leap day


@test
def test_staff_roles_can_read_children():
    j = new_child()
    for role in ("panel", "approver", "finance", "auditor", "admin", "service"):
        s, h, b, j2 = D.request("GET", "/v1/children/" + j["id"], token=token([role]))
        eq(s, 200, role + " read")


# --- children: validation --------------------------------------------------------------

@test
def test_child_unknown_field():
    field_error(D.request("POST", "/v1/children", child_body(nickname="Addy"), token=CW),
                "nickname", "unknown_field", "unknown field")
    field_error(D.request("POST", "/v1/children", child_body(Given_Name="A"), token=CW),
                "Given_Name", "unknown_field", "keys are case-sensitive")


@test
def test_child_server_owned_fields():
    for f, v in (("id", new_id()), ("status_history", []), ("created_at", "2024-01-01T00:00:00Z"),
                 ("version", 7), ("updated_at", "2024-01-01T00:00:00Z"), ("la", OTHER_LA)):
        field_error(D.request("POST", "/v1/children", child_body(**{f: v}), token=CW),
                    f, "read_only", "server-owned " + f)


@test
def test_child_missing_required():
    for f in ("given_name", "family_name", "date_of_birth"):
        b = child_body()
        del b[f]
        field_error(D.request("POST", "/v1/children", b, token=CW), f, "required", "missing " + f)
    field_error(D.request("POST", "/v1/children", child_body(given_name=None), token=CW),
                "given_name", None, "null given_name")


@test
def test_child_wrong_types():
    field_error(D.request("POST", "/v1/children", child_body(given_name=5), token=CW),
                "given_name", "invalid_type", "number name")
    field_error(D.request("POST", "/v1/children", child_body(family_name=["x"]), token=CW),
                "family_name", "invalid_type", "array name")
    field_error(D.request("POST", "/v1/children", child_body(date_of_birth=20140501), token=CW),
                "date_of_birth", "invalid_type", "number dob")
    field_error(D.request("POST", "/v1/children", child_body(given_name=True), token=CW),
                "given_name", "invalid_type", "bool name")


@test
def test_child_name_too_long_and_empty():
    field_error(D.request("POST", "/v1/children", child_body(given_name="x" * 101), token=CW),
                "given_name", "too_long", "101 bytes")
    field_error(D.request("POST", "/v1/children", child_body(family_name="é" * 51), token=CW),
                "family_name", "too_long", "102 bytes in 51 characters")
    field_error(D.request("POST", "/v1/children", child_body(given_name=""), token=CW),
                "given_name", "too_short", "empty")
    field_error(D.request("POST", "/v1/children", child_body(given_name="a\u0001b"), token=CW),
                "given_name", "invalid", "control character")


@test
def test_child_invalid_dates():
    for bad in ("2021-02-29", "2020-13-01", "2020-1-1", "2020-00-10", "2020-04-31",
                "20200101", "2020-01-01T00:00:00Z", "", "  2020-01-01"):
        field_error(D.request("POST", "/v1/children", child_body(date_of_birth=bad), token=CW),
                    "date_of_birth", None, "dob %r" % bad)


@test
def test_child_dob_in_future():
    field_error(D.request("POST", "/v1/children", child_body(date_of_birth="2099-01-01"),
                          token=CW), "date_of_birth", "invalid", "future dob")


@test
def test_number_forms_refused():
    # valid JSON numbers the API refuses name the member that holds them
    for num in ("1.5", "1e3", "-0", "1.0", "1E3", "2e0", "123456789012345678901234567890"):
        raw = ('{"given_name": %s, "family_name": "L", "date_of_birth": "2014-05-01"}' % num)
        field_error(post_raw("/v1/children", raw.encode()), "given_name", "invalid_number",
                    "number " + num)
    # not JSON at all: the body
    raw = b'{"given_name": 01, "family_name": "L", "date_of_birth": "2014-05-01"}'
    field_error(post_raw("/v1/children", raw), "body", "invalid_json", "number 01")
    # an integer where a string belongs is a type error on that field
    raw = b'{"given_name": 7, "family_name": "L", "date_of_birth": "2014-05-01"}'
    field_error(post_raw("/v1/children", raw), "given_name", "invalid_type", "integer name")


@test
def test_duplicate_keys():
    raw = b'{"given_name": "A", "given_name": "B", "family_name": "L", "date_of_birth": "2014-05-01"}'
    field_error(post_raw("/v1/children", raw), "body", "duplicate_key", "duplicate key")


@test
def test_invalid_utf8():
    for raw in (b'{"given_name": "A\xff", "family_name": "L", "date_of_birth": "2014-05-01"}',
                b'{"given_name": "\xc0\xaf", "family_name": "L", "date_of_birth": "2014-05-01"}',
                b'{"given_name": "\xed\xa0\x80", "family_name": "L", "date_of_birth": "2014-05-01"}'):
        field_error(post_raw("/v1/children", raw), "body", "invalid_json", "utf-8 %r" % raw[16:24])


@test
def test_trailing_garbage():
    raw = json.dumps(child_body()).encode() + b" x"
    field_error(post_raw("/v1/children", raw), "body", "invalid_json", "trailing garbage")
    raw = json.dumps(child_body()).encode() + b"{}"
    field_error(post_raw("/v1/children", raw), "body", "invalid_json", "two values")


@test
def test_nesting_limit():
    def body(k):
        return ('{"given_name": %s%s, "family_name": "L", "date_of_birth": "2014-05-01"}'
                % ("[" * k, "]" * k)).encode()
    # 16 levels parse (then fail the type check); 17 do not parse
    field_error(post_raw("/v1/children", body(15)), "given_name", "invalid_type", "depth 16")
    field_error(post_raw("/v1/children", body(16)), "body", "invalid_json", "depth 17")
    field_error(post_raw("/v1/children", body(5000)), "body", "invalid_json", "depth 5001")


@test
def test_empty_body():
    field_error(post_raw("/v1/children", b""), "body", None, "empty body")
    field_error(post_raw("/v1/children", b"   \n"), "body", None, "whitespace body")


@test
def test_non_object_body():
    for raw in (b"[]", b'"x"', b"42", b"null", b"true"):
        field_error(post_raw("/v1/children", raw), "body", "invalid_type", "body %r" % raw)


@test
def test_content_type_must_be_json():
    raw = json.dumps(child_body()).encode()
    problem(post_raw("/v1/children", raw, ctype="text/plain"), 415, "UNSUPPORTED_MEDIA_TYPE",
            "text/plain")
    problem(post_raw("/v1/children", raw, ctype=None), 415, "UNSUPPORTED_MEDIA_TYPE",
            "no content type")
    problem(post_raw("/v1/children", raw, ctype="application/jsonp"), 415,
            "UNSUPPORTED_MEDIA_TYPE", "application/jsonp")
    # parameters are fine
    s = post_raw("/v1/children", raw, ctype="application/json; charset=utf-8")[0]
    eq(s, 201, "application/json; charset=utf-8")


@test
def test_body_over_64_kib():
    raw = json.dumps(child_body(given_name="x" * (70 * 1024))).encode()
    problem(post_raw("/v1/children", raw), 413, "PAYLOAD_TOO_LARGE", "70 KiB body")
    # exactly at the limit is read and judged on its content
    pad = 64 * 1024 - len(json.dumps(child_body(given_name="")))
    raw = json.dumps(child_body(given_name="x" * pad)).encode()
    eq(len(raw), 64 * 1024, "64 KiB body")
    field_error(post_raw("/v1/children", raw), "given_name", "too_long", "64 KiB body")


# --- pagination -------------------------------------------------------------------------

PAGE_LA = "E06000001"
PAGE_CW = token(["caseworker"], la=PAGE_LA)


@test
def test_pagination_follows_cursor():
    ids = {new_child(PAGE_CW, given_name="P%d" % i)["id"] for i in range(5)}
    items, pages = list_all("/v1/children", PAGE_CW, 2)
    got = [c["id"] for c in items]
    eq(len(got), 5, "children seen")
    eq(set(got), ids, "every child once")
    eq(len(set(got)), len(got), "no duplicates")
    eq(pages, 3, "pages of 2")
    eq(got, sorted(got), "stable order")
    s, h, b, j = D.request("GET", "/v1/children?limit=5", token=PAGE_CW)
    eq(len(j["items"]), 5, "limit=5 items")
    eq(j["next_cursor"], None, "exact page has no next")
    s, h, b, j = D.request("GET", "/v1/children", token=PAGE_CW)
    eq(len(j["items"]), 5, "default limit")
    eq(j["next_cursor"], None, "default next")


@test
def test_pagination_bad_limit_and_cursor():
    for bad in ("0", "201", "abc", "-1", "1.5", "", "2x", "+5", "%205"):
        field_error(D.request("GET", "/v1/children?limit=" + bad, token=CW), "limit", None,
                    "limit=%r" % bad)
    for ok in ("1", "200"):
        eq(D.request("GET", "/v1/children?limit=" + ok, token=CW)[0], 200, "limit=" + ok)
    for bad in ("garbage", "123", new_id()[:-1]):
        field_error(D.request("GET", "/v1/children?cursor=" + bad, token=CW), "cursor", None,
                    "cursor=%r" % bad)


@test
def test_query_param_with_encoded_nul_refused():
    # %00 decodes to a NUL byte; the value is then not a number / not a UUID
    field_error(D.request("GET", "/v1/children?limit=5%00", token=CW), "limit", None,
                "limit=5%00")
    field_error(D.request("GET", "/v1/children?cursor=%s%%00x" % new_id(), token=CW), "cursor",
                None, "cursor=<uuid>%00x")


@test
def test_contacts_and_plans_lists_paginate():
    ch = new_child()
    people = [new_person()["id"] for _ in range(3)]
    for p in people:
        new_contact(ch["id"], p)
    items, pages = list_all("/v1/children/%s/contacts" % ch["id"], CW, 2)
    eq(sorted(k["person_id"] for k in items), sorted(people), "contacts")
    eq(pages, 2, "contact pages")
    field_error(D.request("GET", "/v1/children/%s/contacts?limit=0" % ch["id"], token=CW),
                "limit", None, "contacts limit=0")
    for _ in range(3):
        new_plan(ch["id"])
    items, pages = list_all("/v1/children/%s/plans" % ch["id"], CW, 2)
    eq(len(items), 3, "plans")
    eq(pages, 2, "plan pages")
    field_error(D.request("GET", "/v1/children/%s/plans?cursor=zz" % ch["id"], token=CW),
                "cursor", None, "plans bad cursor")


# --- PATCH child ------------------------------------------------------------------------

@test
def test_patch_child_if_match():
    ch = new_child()
    path = "/v1/children/" + ch["id"]
    s, h, b, j = D.request("PATCH", path, {"given_name": "Augusta"}, token=CW,
                           headers={"If-Match": '"1"'})
    eq(s, 200, "patch")
    eq(h["etag"], '"2"', "etag after patch")
    eq(j["given_name"], "Augusta", "patched name")
    eq(j["family_name"], "Lovelace", "untouched field kept")
    eq(j["version"], 2, "version")
    s, h, b, j = D.request("PATCH", path, {"date_of_birth": "2013-01-02"}, token=CW,
                           headers={"If-Match": '"2"'})
    eq(s, 200, "second patch")
    eq(h["etag"], '"3"', "etag 3")
    problem(D.request("PATCH", path, {"given_name": "Stale"}, token=CW,
                      headers={"If-Match": '"1"'}), 412, "PRECONDITION_FAILED", "stale")
    problem(D.request("PATCH", path, {"given_name": "Junk"}, token=CW,
                      headers={"If-Match": "nonsense"}), 412, "PRECONDITION_FAILED", "junk If-Match")
    s, h, b, j = D.request("GET", path, token=CW)
    eq(j["given_name"], "Augusta", "stale patch changed nothing")
    eq(h["etag"], '"3"', "etag unchanged")
    # without If-Match the change applies
    s, h, b, j = D.request("PATCH", path, {"family_name": "King"}, token=CW)
    eq(s, 200, "unconditional patch")
    eq(h["etag"], '"4"', "etag 4")


@test
def test_patch_child_validation():
    ch = new_child()
    path = "/v1/children/" + ch["id"]
    field_error(D.request("PATCH", path, {"nickname": "x"}, token=CW), "nickname",
                "unknown_field", "patch unknown")
    field_error(D.request("PATCH", path, {"version": 9}, token=CW), "version", "read_only",
                "patch version")
    field_error(D.request("PATCH", path, {"given_name": ""}, token=CW), "given_name",
                "too_short", "patch empty name")
    field_error(D.request("PATCH", path, {"date_of_birth": "2099-01-01"}, token=CW),
                "date_of_birth", "invalid", "patch future dob")
    problem(D.request("PATCH", "/v1/children/" + new_id(), {"given_name": "X"}, token=CW),
            404, "NOT_FOUND", "patch unknown child")
    problem(D.request("PATCH", path, {"given_name": "X"}, token=token(["auditor"])),
            403, "FORBIDDEN", "auditor patch")
    s, h, b, j = D.request("GET", path, token=CW)
    eq(j["version"], 1, "failed patches changed nothing")


# --- plans -------------------------------------------------------------------------------

@test
def test_plan_create_both_initial_statuses():
    ch = new_child()
    h, j = new_plan(ch["id"], status="assessment_agreed", assessment_agreed_on="2024-01-10")
    eq(h["location"], "/v1/plans/" + j["id"], "location")
    eq(h.get("etag"), '"1"', "etag")
    eq(j["status"], "assessment_agreed", "status")
    eq(j["child_id"], ch["id"], "child_id")
    eq(j["assessment_agreed_on"], "2024-01-10", "assessment_agreed_on")
    eq(len(j["status_history"]), 1, "history")
    eq(j["status_history"][0]["status"], "assessment_agreed", "history status")
    eq(j["status_history"][0]["effective_from"], "2024-01-10", "history date")
    h, j = new_plan(ch["id"], status="issued", issued_on="2024-03-01", next_review_due="2025-03-01")
    eq(j["status"], "issued", "issued")
    eq(j["issued_on"], "2024-03-01", "issued_on")
    eq(j["next_review_due"], "2025-03-01", "next_review_due")
    s, h2, b, j2 = D.request("GET", h["location"], token=CW)
    eq(s, 200, "read plan")
    eq(j2["id"], j["id"], "plan id")
    eq(h2["etag"], '"1"', "plan etag")


@test
def test_plan_create_validation():
    ch = new_child()
    path = "/v1/children/%s/plans" % ch["id"]
    for st in ("under_review", "ceased"):
        field_error(D.request("POST", path, {"status": st}, token=CW), "status", None,
                    "initial " + st)
    field_error(D.request("POST", path, {"status": "draft"}, token=CW), "status",
                "invalid_enum", "bad status")
    field_error(D.request("POST", path, {}, token=CW), "status", "required", "no status")
    field_error(D.request("POST", path, {"status": "issued", "issued_on": "2024-02-30"},
                          token=CW), "issued_on", "invalid_date", "bad issued_on")
    field_error(D.request("POST", path, {"status": "issued", "ceased_on": "2024-02-01"},
                          token=CW), "ceased_on", None, "ceased_on at create")
    field_error(D.request("POST", path, {"status": "issued", "status_history": []}, token=CW),
                "status_history", "read_only", "status_history")
    field_error(D.request("POST", path, {"status": "issued", "child_id": ch["id"]}, token=CW),
                "child_id", "read_only", "child_id")
    problem(D.request("POST", "/v1/children/%s/plans" % new_id(), {"status": "issued"},
                      token=CW), 404, "NOT_FOUND", "plan for unknown child")
    s, h, b, j = D.request("GET", path, token=CW)
    eq(j["items"], [], "no plan was created")


@test
def test_plan_transitions():
    ch = new_child()
    h, plan = new_plan(ch["id"], status="assessment_agreed")
    path = "/v1/plans/" + plan["id"]
    version = 1
    # PLAN-5: ceasing needs the notice date, its 2-month appeal window over
    notice = (datetime.date.today() - datetime.timedelta(days=70)).isoformat()
    for to in ("issued", "under_review", "issued", "ceased"):
        body = {"status": to}
        if to == "ceased":
            body["cease_notice_on"] = notice
        s, h, b, j = D.request("PATCH", path, body, token=CW,
                               headers={"If-Match": '"%d"' % version})
        eq(s, 200, "-> %s (body %r)" % (to, b[:300]))
        version += 1
        eq(j["status"], to, "status")
        eq(h["etag"], '"%d"' % version, "etag")
        eq([x["status"] for x in j["status_history"]][-1], to, "history tail")
        eq(len(j["status_history"]), version, "history grows")
    eq([x["status"] for x in j["status_history"]],
       ["assessment_agreed", "issued", "under_review", "issued", "ceased"], "full history")
    check(j["ceased_on"] is not None, "ceased_on set")
    check(j["issued_on"] is not None, "issued_on set")
    problem(D.request("PATCH", path, {"status": "issued"}, token=CW), 409,
            "INVALID_TRANSITION", "ceased -> issued")
    s, h, b, j2 = D.request("GET", path, token=CW)
    eq(j2["status"], "ceased", "unchanged after refusal")
    eq(len(j2["status_history"]), 5, "history unchanged")


@test
def test_plan_refused_transitions():
    ch = new_child()
    _, a = new_plan(ch["id"], status="assessment_agreed")
    problem(D.request("PATCH", "/v1/plans/" + a["id"], {"status": "under_review"}, token=CW),
            409, "INVALID_TRANSITION", "assessment_agreed -> under_review")
    problem(D.request("PATCH", "/v1/plans/" + a["id"], {"status": "assessment_agreed"}, token=CW),
            409, "INVALID_TRANSITION", "assessment_agreed -> assessment_agreed")
    _, i = new_plan(ch["id"], status="issued")
    problem(D.request("PATCH", "/v1/plans/" + i["id"], {"status": "issued"}, token=CW),
            409, "INVALID_TRANSITION", "issued -> issued")
    problem(D.request("PATCH", "/v1/plans/" + i["id"], {"status": "assessment_agreed"}, token=CW),
            409, "INVALID_TRANSITION", "issued -> assessment_agreed")
    field_error(D.request("PATCH", "/v1/plans/" + i["id"], {"status": "closed"}, token=CW),
                "status", "invalid_enum", "unknown status")
    s, h, b, j = D.request("GET", "/v1/plans/" + i["id"], token=CW)
    eq(j["status"], "issued", "unchanged")
    eq(j["version"], 1, "version unchanged")
    eq(len(j["status_history"]), 1, "history unchanged")


@test
def test_plan_patch_dates_and_preconditions():
    ch = new_child()
    _, p = new_plan(ch["id"], status="issued")
    path = "/v1/plans/" + p["id"]
    s, h, b, j = D.request("PATCH", path, {"next_review_due": "2026-06-30"}, token=CW,
                           headers={"If-Match": '"1"'})
    eq(s, 200, "date patch")
    eq(j["next_review_due"], "2026-06-30", "next_review_due")
    eq(j["status"], "issued", "status kept")
    eq(len(j["status_history"]), 1, "no history for a date change")
    problem(D.request("PATCH", path, {"status": "under_review"}, token=CW,
                      headers={"If-Match": '"1"'}), 412, "PRECONDITION_FAILED", "stale plan")
    field_error(D.request("PATCH", path, {"ceased_on": "2026-01-01"}, token=CW), "ceased_on",
                None, "ceased_on without ceased")
    field_error(D.request("PATCH", path, {"colour": "red"}, token=CW), "colour",
                "unknown_field", "unknown plan field")
    problem(D.request("PATCH", "/v1/plans/" + new_id(), {"status": "ceased"}, token=CW),
            404, "NOT_FOUND", "unknown plan")


# --- contacts ----------------------------------------------------------------------------

@test
def test_contact_create_and_list():
    ch = new_child()
    p = new_person()
    h, k = create("/v1/children/%s/contacts" % ch["id"],
                  {"person_id": p["id"], "relationship": "carer",
                   "has_parental_responsibility": False, "lives_with_child": True})
    check(h["location"].startswith("/v1/children/%s/contacts/" % ch["id"]), "location")
    eq(h["location"].rsplit("/", 1)[1], k["id"], "location names the contact")
    eq(k["person_id"], p["id"], "person_id")
    eq(k["child_id"], ch["id"], "child_id")
    eq(k["relationship"], "carer", "relationship")
    eq(k["has_parental_responsibility"], False, "pr")
    eq(k["lives_with_child"], True, "lives_with_child")
    s, hh, b, j = D.request("GET", "/v1/children/%s/contacts" % ch["id"], token=CW)
    eq(s, 200, "list")
    eq([x["id"] for x in j["items"]], [k["id"]], "listed")
    eq(j["next_cursor"], None, "next_cursor")


@test
def test_contact_location_resolves():
    ch = new_child()
    p = new_person()
    s, h, b, k = D.request("POST", "/v1/children/%s/contacts" % ch["id"],
                           {"person_id": p["id"], "relationship": "parent",
                            "has_parental_responsibility": True, "lives_with_child": True},
                           token=CW)
    eq(s, 201, "create")
    s, h2, b2, j2 = D.request("GET", h["location"], token=CW)
    eq(s, 200, "GET Location %s of a created contact" % h["location"])


@test
def test_contact_duplicate_conflict():
    ch = new_child()
    p = new_person()
    new_contact(ch["id"], p["id"])
    problem(D.request("POST", "/v1/children/%s/contacts" % ch["id"],
                      {"person_id": p["id"], "relationship": "carer",
                       "has_parental_responsibility": False, "lives_with_child": False},
                      token=CW), 409, "CONFLICT", "duplicate contact")
    s, h, b, j = D.request("GET", "/v1/children/%s/contacts" % ch["id"], token=CW)
    eq(len(j["items"]), 1, "still one contact")


@test
def test_contact_validation():
    ch = new_child()
    path = "/v1/children/%s/contacts" % ch["id"]
    good = {"person_id": new_person()["id"], "relationship": "parent",
            "has_parental_responsibility": True, "lives_with_child": True}
    field_error(D.request("POST", path, dict(good, person_id=new_id()), token=CW),
                "person_id", None, "unknown person")
    field_error(D.request("POST", path, dict(good, person_id="nope"), token=CW),
                "person_id", "invalid_uuid", "person_id junk")
    field_error(D.request("POST", path, dict(good, relationship="uncle"), token=CW),
                "relationship", "invalid_enum", "bad relationship")
    field_error(D.request("POST", path, dict(good, relationship="Parent"), token=CW),
                "relationship", "invalid_enum", "relationship case")
    field_error(D.request("POST", path, dict(good, lives_with_child="yes"), token=CW),
                "lives_with_child", "invalid_type", "bool as string")
    b = dict(good)
    del b["has_parental_responsibility"]
    field_error(D.request("POST", path, b, token=CW), "has_parental_responsibility",
                "required", "missing pr")
    field_error(D.request("POST", path, dict(good, child_id=ch["id"]), token=CW),
                "child_id", "read_only", "child_id in body")
    problem(D.request("POST", "/v1/children/%s/contacts" % new_id(), good, token=CW),
            404, "NOT_FOUND", "unknown child")
    s, h, b, j = D.request("GET", path, token=CW)
    eq(j["items"], [], "nothing created")


# --- tenancy -----------------------------------------------------------------------------

@test
def test_other_la_sees_nothing():
    ch = new_child()
    p = new_person()
    k = new_contact(ch["id"], p["id"])
    _, plan = new_plan(ch["id"])
    for tok, who in ((OTHER_CW, "other caseworker"), (OTHER_ADMIN, "other admin")):
        for path in ("/v1/children/" + ch["id"], "/v1/plans/" + plan["id"],
                     "/v1/people/" + p["id"], "/v1/children/%s/contacts" % ch["id"],
                     "/v1/children/%s/plans" % ch["id"]):
            problem(D.request("GET", path, token=tok), 404, "NOT_FOUND", "%s GET %s" % (who, path))
        s, h, b, j = D.request("GET", "/v1/children", token=tok)
        eq(s, 200, "other list")
        eq(j["items"], [], who + " list is empty")
        eq(j["next_cursor"], None, "next_cursor")
    problem(D.request("PATCH", "/v1/children/" + ch["id"], {"given_name": "Hijack"},
                      token=OTHER_CW), 404, "NOT_FOUND", "other PATCH child")
    problem(D.request("PATCH", "/v1/plans/" + plan["id"], {"status": "ceased"},
                      token=OTHER_CW), 404, "NOT_FOUND", "other PATCH plan")
    problem(D.request("POST", "/v1/children/%s/plans" % ch["id"], {"status": "issued"},
                      token=OTHER_CW), 404, "NOT_FOUND", "other POST plan")
    problem(D.request("POST", "/v1/children/%s/contacts" % ch["id"],
                      {"person_id": p["id"], "relationship": "parent",
                       "has_parental_responsibility": True, "lives_with_child": True},
                      token=OTHER_CW), 404, "NOT_FOUND", "other POST contact")
    # a person of another council cannot be linked to this council's child
    op = new_person(OTHER_CW)
    field_error(D.request("POST", "/v1/children/%s/contacts" % ch["id"],
                          {"person_id": op["id"], "relationship": "parent",
                           "has_parental_responsibility": True, "lives_with_child": True},
                          token=CW), "person_id", None, "cross-la person")
    s, h, b, j = D.request("GET", "/v1/children/" + ch["id"], token=CW)
    eq(j["given_name"], "Ada", "untouched")
    eq(j["version"], 1, "version untouched")
    s, h, b, j = D.request("GET", "/v1/children/%s/contacts" % ch["id"], token=CW)
    eq([x["id"] for x in j["items"]], [k["id"]], "contacts untouched")


# --- family ownership --------------------------------------------------------------------

@test
def test_family_sees_only_own_children():
    fam_la = "E06000099"
    cw = token(["caseworker"], la=fam_la)
    a = new_child(cw, given_name="Alex")
    b = new_child(cw, given_name="Blake")
    P = new_person(cw, given_name="Parent")
    Q = new_person(cw, given_name="Other")
    new_contact(a["id"], P["id"], cw)
    new_contact(b["id"], Q["id"], cw)
    _, plan_a = new_plan(a["id"], cw)
    _, plan_b = new_plan(b["id"], cw)
    fam = token(["family"], la=fam_la, person_id=P["id"], sub="fam-p")

    s, h, body, j = D.request("GET", "/v1/children/" + a["id"], token=fam)
    eq(s, 200, "own child")
    eq(j["given_name"], "Alex", "own child name")
    s, h, body, j = D.request("GET", "/v1/children/%s/plans" % a["id"], token=fam)
    eq(s, 200, "own plans")
    eq([x["id"] for x in j["items"]], [plan_a["id"]], "own plan listed")
    eq(D.request("GET", "/v1/plans/" + plan_a["id"], token=fam)[0], 200, "own plan")
    s, h, body, j = D.request("GET", "/v1/children/%s/contacts" % a["id"], token=fam)
    eq(s, 200, "own contacts")
    eq([x["person_id"] for x in j["items"]], [P["id"]], "own contacts listed")
    s, h, body, j = D.request("GET", "/v1/children", token=fam)
    eq(s, 200, "family list")
    eq([x["id"] for x in j["items"]], [a["id"]], "only child A listed")

    problem(D.request("GET", "/v1/children/" + b["id"], token=fam), 404, "NOT_FOUND", "child B")
    problem(D.request("GET", "/v1/plans/" + plan_b["id"], token=fam), 404, "NOT_FOUND", "plan B")
    problem(D.request("GET", "/v1/children/%s/plans" % b["id"], token=fam), 404, "NOT_FOUND",
            "plans of B")
    problem(D.request("GET", "/v1/children/%s/contacts" % b["id"], token=fam), 404, "NOT_FOUND",
            "contacts of B")
    problem(D.request("GET", "/v1/people/" + Q["id"], token=fam), 404, "NOT_FOUND", "other person")
    s, h, body, j = D.request("GET", "/v1/people/" + P["id"], token=fam)
    eq(s, 200, "own person")
    eq(j["id"], P["id"], "own person id")
    # family cannot write
    problem(D.request("PATCH", "/v1/children/" + a["id"], {"given_name": "X"}, token=fam),
            403, "FORBIDDEN", "family PATCH")
    problem(D.request("POST", "/v1/children/%s/plans" % a["id"], {"status": "issued"},
                      token=fam), 403, "FORBIDDEN", "family POST plan")
    # the same person_id in another la sees nothing
    fam_other = token(["family"], la=OTHER_LA, person_id=P["id"])
    problem(D.request("GET", "/v1/children/" + a["id"], token=fam_other), 404, "NOT_FOUND",
            "family of another la")
    # a family member who is also staff sees the whole la
    both = token(["family", "caseworker"], la=fam_la, person_id=P["id"])
    s, h, body, j = D.request("GET", "/v1/children", token=both)
    eq(sorted(x["id"] for x in j["items"]), sorted([a["id"], b["id"]]), "staff+family list")


# --- audit and events --------------------------------------------------------------------

@test
def test_audit_records_changes_with_request_id():
    rid1 = "rec-create-" + new_id()
    rid2 = "rec-update-" + new_id()
    s, h, b, ch = D.request("POST", "/v1/children", child_body(given_name="Audited"),
                            token=CW, headers={"X-Request-Id": rid1})
    eq(s, 201, "create")
    eq(h["x-request-id"], rid1, "request id echoed")
    s, h, b, j = D.request("PATCH", "/v1/children/" + ch["id"], {"given_name": "Audited2"},
                           token=CW, headers={"X-Request-Id": rid2, "If-Match": '"1"'})
    eq(s, 200, "patch")
    s, h, b, j = D.request("GET", "/v1/audit?entity_id=" + ch["id"], token=AUDITOR)
    eq(s, 200, "audit")
    items = j["items"]
    eq([a["action"] for a in items], ["child.created", "child.updated"], "actions")
    eq([a["request_id"] for a in items], [rid1, rid2], "request ids")
    for a in items:
        eq(a["actor_sub"], "cw-alice", "actor_sub")
        eq(a["entity_id"], ch["id"], "entity_id")
        eq(a["entity_type"], "child", "entity_type")
        uuid.UUID(a["id"])
        check(a["at"].endswith("Z"), "at is UTC")
    eq(items[1]["changes"]["before"]["given_name"], "Audited", "before")
    eq(items[1]["changes"]["after"]["given_name"], "Audited2", "after")
    # admin may read it too; an auditor of another la sees nothing
    eq(D.request("GET", "/v1/audit?entity_id=" + ch["id"], token=ADMIN)[3]["items"], items,
       "admin sees the same")
    s, h, b, j = D.request("GET", "/v1/audit?entity_id=" + ch["id"],
                           token=token(["auditor"], la=OTHER_LA))
    eq(s, 200, "other auditor")
    eq(j["items"], [], "other la audit empty")


@test
def test_audit_failed_changes_leave_no_trace():
    ch = new_child()
    D.request("PATCH", "/v1/children/" + ch["id"], {"given_name": "X"}, token=CW,
              headers={"If-Match": '"9"'})
    D.request("PATCH", "/v1/children/" + ch["id"], {"bogus": 1}, token=CW)
    s, h, b, j = D.request("GET", "/v1/audit?entity_id=" + ch["id"], token=AUDITOR)
    eq([a["action"] for a in j["items"]], ["child.created"], "only the create")


@test
def test_audit_paging_and_params():
    ch = new_child()
    for i in range(4):
        eq(D.request("PATCH", "/v1/children/" + ch["id"], {"given_name": "N%d" % i},
                     token=CW)[0], 200, "patch")
    seen, cursor = [], None
    while True:
        q = "/v1/audit?entity_id=%s&limit=2" % ch["id"] + ("&cursor=" + cursor if cursor else "")
        s, h, b, j = D.request("GET", q, token=AUDITOR)
        eq(s, 200, "audit page")
        seen += j["items"]
        cursor = j["next_cursor"]
        if cursor is None:
            break
    eq(len(seen), 5, "5 audit rows")
    eq(len({a["id"] for a in seen}), 5, "distinct")
    field_error(D.request("GET", "/v1/audit?entity_id=nope", token=AUDITOR), "entity_id", None,
                "bad entity_id")
    field_error(D.request("GET", "/v1/audit?cursor=abc", token=AUDITOR), "cursor", None,
                "bad audit cursor")
    field_error(D.request("GET", "/v1/audit?limit=0", token=AUDITOR), "limit", None,
                "audit limit 0")


@test
def test_audit_filters_by_actor_action_type_and_day():
    bob = token(["caseworker"], sub="cw-bob-filters")
    ch = new_child(tok=bob)
    eq(D.request("PATCH", "/v1/children/" + ch["id"], {"given_name": "Filtered"}, token=CW,
                 headers={"If-Match": '"1"'})[0], 200, "patch by alice")
    today = datetime.datetime.now(datetime.timezone.utc).date().isoformat()

    def rows(q):
        s, h, b, j = D.request("GET", "/v1/audit?" + q, token=AUDITOR)
        eq(s, 200, q)
        return [(a["actor_sub"], a["action"]) for a in j["items"]]
    eq(rows("actor=cw-bob-filters"), [("cw-bob-filters", "child.created")], "by actor")
    eq(rows("actor=cw-bob-filters&action=child.updated"), [], "actor and action")
    mine = rows("entity_id=%s&action=child.updated&entity_type=child" % ch["id"])
    eq(mine, [("cw-alice", "child.updated")], "entity, action and type")
    eq(rows("entity_id=%s&from=%s&to=%s" % (ch["id"], today, today)),
       [("cw-bob-filters", "child.created"), ("cw-alice", "child.updated")], "today")
    eq(rows("entity_id=%s&to=2000-01-01" % ch["id"]), [], "before it happened")
    eq(rows("entity_id=%s&from=2099-01-01" % ch["id"]), [], "after")
    for q, field in (("action=Child.Created", "action"), ("action=child..x", "action"),
                     ("entity_type=child%20x", "entity_type"), ("from=2026-13-01", "from"),
                     ("to=yesterday", "to"), ("from=2026-12-02&to=2026-12-01", "to"),
                     ("actor=" + "x" * 257, "actor")):
        field_error(D.request("GET", "/v1/audit?" + q, token=AUDITOR), field, None, q)
    eq(D.request("GET", "/v1/audit?actor=cw-alice", token=CW)[0], 403, "auditors and admins only")


@test
def test_search_children_by_name_and_date_of_birth():
    tag = new_id()[:6]
    zoe = new_child(given_name="Zoë", family_name="Brontë" + tag, date_of_birth="2013-02-03")
    jon = new_child(given_name="Jonathan", family_name="Smythe" + tag)
    other = create("/v1/children", child_body(given_name="Zoë", family_name="Brontë" + tag),
                   tok=token(["caseworker"], la=OTHER_LA))[1]

    def ids(q, tok=CW, want=200):
        s, h, b, j = D.request("GET", "/v1/children?" + q, token=tok)
        eq(s, want, q)
        return [c["id"] for c in j["items"]] if want == 200 else j
    eq(ids("q=zoe%20bronte" + tag), [zoe["id"]], "accents and case folded")
    eq(ids("q=BRONTE" + tag.upper()), [zoe["id"]], "case-insensitive")
    check(zoe["id"] in ids("q=Bront%C3%AB" + tag), "an accented query finds it")
    check(jon["id"] in ids("q=jonathon%20smythe" + tag), "a similar spelling finds it")
    check(other["id"] not in ids("q=bronte" + tag), "never another council's")
    eq(ids("q=bronte%s&date_of_birth=2013-02-03" % tag), [zoe["id"]], "name and date of birth")
    eq(ids("q=bronte%s&date_of_birth=2013-02-04" % tag), [], "a different birthday")
    check(zoe["id"] in ids("date_of_birth=2013-02-03"), "date of birth alone")
    # paging through a search: no repeats, no gaps
    seen, cursor = [], None
    while True:
        s, h, b, j = D.request("GET", "/v1/children?q=e&limit=2" +
                               ("&cursor=" + cursor if cursor else ""), token=CW)
        eq(s, 200, "page")
        seen += [c["id"] for c in j["items"]]
        cursor = j["next_cursor"]
        if cursor is None:
            break
    eq(len(seen), len(set(seen)), "no repeats")
    check({zoe["id"], jon["id"]} <= set(seen), "both found across pages")
    # family tokens never search; bad terms are 400s naming the parameter
    fam = token(["family"], sub="fam-search", person_id=new_id())
    eq(D.request("GET", "/v1/children?q=zoe", token=fam)[0], 403, "family")
    for q, field in (("q=", "q"), ("q=%01zoe", "q"), ("q=" + "a" * 101, "q"), ("q=%20%20", "q"),
                     ("q=%E2%80%AEzoe", "q"), ("q=%FF", "q"), ("date_of_birth=2013-02-30",
                                                               "date_of_birth"),
                     ("q=zoe&limit=0", "limit")):
        field_error(D.request("GET", "/v1/children?" + q, token=CW), field, None, q)


@test
def test_search_people_by_name_and_email():
    tag = new_id()[:6]
    p = new_person(given_name="Siân", family_name="Llewelyn" + tag,
                   email="Sian.L%s@Example.org" % tag)
    s, h, b, j = D.request("GET", "/v1/people?email=sian.l%s@example.ORG" % tag, token=CW)
    eq((s, [x["id"] for x in j["items"]]), (200, [p["id"]]), "email, any case")
    s, h, b, j = D.request("GET", "/v1/people?q=sian%20llew", token=CW)
    check(p["id"] in [x["id"] for x in j["items"]], "by name, accents folded")
    eq(D.request("GET", "/v1/people?limit=1", token=CW)[0], 200, "no term: the list")
    eq(D.request("GET", "/v1/people?q=sian", token=token(["family"], person_id=p["id"]))[0],
       403, "family never")
    s, h, b, j = D.request("GET", "/v1/people?q=sian", token=token(["caseworker"], la=OTHER_LA))
    check(p["id"] not in [x["id"] for x in j["items"]], "not another council's")


@test
def test_events_feed():
    ev_la = "E07000123"
    cw = token(["caseworker"], la=ev_la)
    svc = token(["service"], la=ev_la)
    ch = new_child(cw)
    p = new_person(cw)
    new_contact(ch["id"], p["id"], cw)
    _, plan = new_plan(ch["id"], cw, status="issued")
    D.request("PATCH", "/v1/plans/" + plan["id"], {"status": "under_review"}, token=cw)
    D.request("PATCH", "/v1/children/" + ch["id"], {"given_name": "Evented"}, token=cw)
    s, h, b, j = D.request("GET", "/v1/events?limit=200", token=svc)
    eq(s, 200, "events")
    items = j["items"]
    eq(len(items), 6, "six events")
    seqs = [e["seq"] for e in items]
    check(all(isinstance(x, int) for x in seqs), "seq are integers")
    check(all(a < b for a, b in zip(seqs, seqs[1:])), "seq strictly increasing: %r" % seqs)
    types = [e["type"] for e in items]
    for t in ("child.created", "person.created", "contact.created", "plan.created",
              "plan.status_changed", "child.updated"):
        check(t in types, "event %s in %r" % (t, types))
    # paging with after=
    got, after = [], None
    while True:
        q = "/v1/events?limit=2" + ("&after=%s" % after if after is not None else "")
        s, h, b, j = D.request("GET", q, token=svc)
        eq(s, 200, "events page")
        check(len(j["items"]) <= 2, "page size")
        got += j["items"]
        if not j["items"] or j["next_cursor"] is None:
            break
        after = j["items"][-1]["seq"]
        eq(str(after), str(j["next_cursor"]), "next_cursor is the last seq")
    eq([e["seq"] for e in got], seqs, "paged feed equals full feed")
    s, h, b, j = D.request("GET", "/v1/events?after=%d" % seqs[2], token=svc)
    eq([e["seq"] for e in j["items"]], seqs[3:], "after=seq")
    s, h, b, j = D.request("GET", "/v1/events?after=%d" % seqs[-1], token=svc)
    eq(j["items"], [], "nothing after the last")
    eq(j["next_cursor"], None, "no next")
    for bad in ("0", "201", "abc", "-1"):
        field_error(D.request("GET", "/v1/events?limit=" + bad, token=svc), "limit", None,
                    "events limit=%s" % bad)
    for bad in ("abc", "-1", "1.5"):
        field_error(D.request("GET", "/v1/events?after=" + bad, token=svc), "after", None,
                    "events after=%s" % bad)
    eq(D.request("GET", "/v1/events?limit=200", token=svc)[0], 200, "limit 200")
    eq(D.request("GET", "/v1/events?limit=1", token=svc)[0], 200, "limit 1")
    # another la's feed never shows these
    ids = {ch["id"], p["id"], plan["id"]}
    s, h, b, j = D.request("GET", "/v1/events?limit=200", token=SERVICE)
    eq(s, 200, "main la events")
    check(not any(e["entity_id"] in ids for e in j["items"]), "no cross-la events")
    s, h, b, j = D.request("GET", "/v1/events?limit=200", token=token(["service"], la="E09999999"))
    eq(j["items"], [], "empty la feed")


@test
def test_events_auditor_and_admin_allowed():
    for role in ("auditor", "admin"):
        eq(D.request("GET", "/v1/events", token=token([role]))[0], 200, role + " events")


# --- more JSON edges ----------------------------------------------------------------------

@test
def test_json_string_edges():
    def body(name_json):
        return ('{"given_name": %s, "family_name": "L", "date_of_birth": "2014-05-01"}'
                % name_json).encode()
    for bad in ('"\\u0000"', '"\\ud800"', '"\\udc00x"', '"a\tb"', '"\\x41"', "'single'"):
        field_error(post_raw("/v1/children", body(bad)), "body", "invalid_json", "string " + bad)
    field_error(post_raw("/v1/children", b"\xef\xbb\xbf" + json.dumps(child_body()).encode()),
                "body", "invalid_json", "byte order mark")
    field_error(post_raw("/v1/children", body("123456789012345678901234567890")), "given_name",
                "invalid_number", "huge integer")
    # escapes that are valid JSON are accepted and decoded
    s, h, b, j = D.request("POST", "/v1/children", token=CW, raw=body('"Z\\u00e9\\ud83d\\ude00"'),
                           headers={"Content-Type": "application/json"})
    eq(s, 201, "escaped name")
    eq(j["given_name"], "Z\u00e9\U0001F600", "decoded escapes")


@test
def test_many_unknown_fields_bounded_problem():
    b = child_body()
    for i in range(3000):
        b["f%d" % i] = i
    s, h, body, j = D.request("POST", "/v1/children", b, token=CW)
    eq(s, 400, "status")
    eq(j["code"], "VALIDATION_FAILED", "code")
    check(0 < len(j["errors"]) <= 100, "errors bounded (%d)" % len(j["errors"]))
    check(len(body) < 32 * 1024, "problem size bounded (%d bytes)" % len(body))


@test
def test_if_match_huge_number():
    ch = new_child()
    for tag in ('"9999999999"', '"4294967297"', '"2147483648"', 'W/"9999999999"'):
        problem(D.request("PATCH", "/v1/children/" + ch["id"], {"given_name": "X"}, token=CW,
                          headers={"If-Match": tag}), 412, "PRECONDITION_FAILED", "If-Match " + tag)
    s, h, b, j = D.request("PATCH", "/v1/children/" + ch["id"], {"given_name": "Y"}, token=CW,
                           headers={"If-Match": 'W/"1"'})
    eq(s, 200, "weak tag of the current version")
    eq(D.request("GET", "/healthz")[0], 200, "alive")


# --- concurrency --------------------------------------------------------------------------

def parallel(n, fn):
    out = [None] * n
    def work(i):
        try:
            out[i] = fn(i)
        except Exception as e:  # noqa: BLE001
            out[i] = e
    ts = [threading.Thread(target=work, args=(i,)) for i in range(n)]
    for t in ts:
        t.start()
    for t in ts:
        t.join(30)
    return out


@test
def test_concurrent_patches_with_same_if_match():
    ch = new_child()
    res = parallel(8, lambda i: D.request("PATCH", "/v1/children/" + ch["id"],
                                          {"given_name": "W%d" % i}, token=CW,
                                          headers={"If-Match": '"1"'})[0])
    eq(sorted(res), [200] + [412] * 7, "exactly one winner")
    s, h, b, j = D.request("GET", "/v1/children/" + ch["id"], token=CW)
    eq(j["version"], 2, "one update applied")


@test
def test_concurrent_duplicate_contacts():
    ch = new_child()
    p = new_person()
    body = {"person_id": p["id"], "relationship": "parent",
            "has_parental_responsibility": True, "lives_with_child": True}
    res = parallel(6, lambda i: D.request("POST", "/v1/children/%s/contacts" % ch["id"], body,
                                          token=CW)[0])
    eq(sorted(res), [201] + [409] * 5, "one contact, the rest conflict")


@test
def test_concurrent_plan_transitions():
    ch = new_child()
    _, plan = new_plan(ch["id"], status="issued")
    res = parallel(6, lambda i: D.request("PATCH", "/v1/plans/" + plan["id"],
                                          {"status": "under_review"}, token=CW)[0])
    eq(sorted(res), [200] + [409] * 5, "one transition, the rest are illegal from under_review")
    s, h, b, j = D.request("GET", "/v1/plans/" + plan["id"], token=CW)
    eq([x["status"] for x in j["status_history"]], ["issued", "under_review"], "history")


@test
def test_concurrent_writes_give_gapless_event_seqs():
    la = "E07000777"
    cw = token(["caseworker"], la=la)
    res = parallel(16, lambda i: D.request("POST", "/v1/children", child_body(given_name="C%d" % i),
                                           token=cw)[0])
    eq(res, [201] * 16, "creates")
    s, h, b, j = D.request("GET", "/v1/events?limit=200", token=token(["service"], la=la))
    seqs = [e["seq"] for e in j["items"]]
    eq(seqs, list(range(seqs[0], seqs[0] + 16)), "16 strictly increasing seqs without gaps")


run()
