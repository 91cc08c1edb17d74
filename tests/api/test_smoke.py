"""Smoke: the daemon starts, answers the operations endpoints, and a
caseworker can create and read a child over HTTP."""
import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "lib"))
from pbtest import Daemon, migrated_db, run, test, token, eq, check  # noqa: E402

D = Daemon(migrated_db("smoke"))


@test
def test_healthz_ok():
    s, h, b, j = D.request("GET", "/healthz")
    eq(s, 200, "status")
    eq(j["status"], "ok", "body")
    check("x-request-id" in h, "request id header")


@test
def test_child_create_and_read():
    t = token(["caseworker"])
    s, h, b, j = D.request("POST", "/v1/children", {"given_name": "Ada", "family_name": "Lovelace",
                                                     "date_of_birth": "2014-05-01"}, token=t)
    eq(s, 201, "create")
    eq(h["location"], "/v1/children/" + j["id"], "location")
    s, h, b, j2 = D.request("GET", h["location"], token=t)
    eq(s, 200, "read")
    eq(j2["given_name"], "Ada", "given_name")
    eq(h["etag"], '"1"', "etag")


run()
