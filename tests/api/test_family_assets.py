"""GET /family and /family/{file}: the family page's files (api/family.c, api/assets.c).

No browser here (make test-family-page has one): without PB_FAMILY_DIR every /family path
answers 404 problem+json naming it, a PB_FAMILY_DIR without GOV.UK Frontend's files stops
pbd at start, no request path reaches a file outside the allow-list, and with a folder of
stand-in files (so this runs without npm) the page has its strict CSP, no inline script or
style, and each file its content type and cache header.  No database is needed.
"""
import http.client
import os
import sys
import tempfile

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "lib"))
from pbtest import Daemon, check, eq, pbd, run, test  # noqa: E402

NO_DB = "postgresql:///none?host=/nonexistent"
DIR = tempfile.mkdtemp(prefix="pb-family-assets-")
STAND_IN = {"govuk-frontend.min.css": b"/* stand-in css */", "govuk-frontend.min.js": b"export const x = 1;",
            "secret.txt": b"not on the allow-list", "package.json": b"{}"}
for name, data in STAND_IN.items():
    with open(os.path.join(DIR, name), "wb") as f:
        f.write(data)
os.makedirs(os.path.join(DIR, "assets", "fonts"))
with open(os.path.join(DIR, "assets", "fonts", "bold.woff2"), "wb") as f:
    f.write(b"font")

BARE = Daemon(NO_DB)
FULL = Daemon(NO_DB, {"PB_FAMILY_DIR": DIR})

ESCAPES = ["/family/../openapi.yaml", "/family/../../etc/passwd", "/family/..%2f..%2fetc%2fpasswd",
           "/family/%2e%2e", "/family/..", "/family//etc/passwd", "/family/secret.txt",
           "/family/package.json", "/family/index.html", "/family/assets/fonts/bold.woff2",
           "/family/govuk-frontend.min.js.map", "/family/GOVUK-FRONTEND.MIN.CSS",
           "/family/pb-family.js%00", "/family/", "/family/nope", "/assets/fonts/bold.woff2"]


def raw_get(d, path):
    c = http.client.HTTPConnection("127.0.0.1", d.port, timeout=10)
    c.putrequest("GET", path, skip_accept_encoding=True)
    c.endheaders()
    r = c.getresponse()
    body = r.read()
    hdrs = {}
    for k, v in r.getheaders():
        hdrs.setdefault(k.lower(), []).append(v)
    c.close()
    return r.status, hdrs, body


@test
def test_without_family_dir_is_404_problem():
    for path in ("/family", "/family/pb-family.js", "/family/govuk-frontend.min.css"):
        s, h, b = raw_get(BARE, path)
        eq(s, 404, path)
        check(h["content-type"][0].startswith("application/problem+json"), path)
        check(b"PB_FAMILY_DIR" in b, "%s: the detail names PB_FAMILY_DIR: %r" % (path, b))


@test
def test_bad_family_dir_refused_at_start():
    p = pbd(["serve"], {"PB_FAMILY_DIR": "/etc", "PB_LISTEN": "127.0.0.1:1"})
    check(p.returncode != 0, "pbd started with PB_FAMILY_DIR=/etc")
    check("PB_FAMILY_DIR" in p.stderr and "npm-install.sh family" in p.stderr and
          len(p.stderr.strip().splitlines()) == 1, "one clear line: %r" % p.stderr)


@test
def test_no_traversal():
    for d in (BARE, FULL):
        for path in ESCAPES:
            s, h, b = raw_get(d, path)
            check(s in (400, 404), "%s: %d %r" % (path, s, b[:200]))
            check(h.get("content-type", [""])[0].startswith("application/problem+json"), path)
            for leak in (b"root:", b"not on the allow-list", b"font", b"openapi: 3"):
                check(leak not in b, "%s leaked %r" % (path, leak))


@test
def test_page_with_strict_csp():
    s, h, b = raw_get(FULL, "/family")
    eq(s, 200, "/family")
    eq(h["content-type"][0], "text/html; charset=utf-8", "content type")
    csp = h.get("content-security-policy", [""])
    eq(len(csp), 1, "one CSP header")
    parts = csp[0].split("; ")
    for part in ("default-src 'none'", "script-src 'self'", "style-src 'self'", "connect-src 'self'",
                 "img-src 'self'", "object-src 'none'", "base-uri 'none'", "frame-ancestors 'none'"):
        check(part in parts, "CSP lacks %r: %r" % (part, csp[0]))
    check("unsafe" not in csp[0] and "data:" not in csp[0] and "http" not in csp[0], "CSP too loose: %r" % csp[0])
    eq(h.get("referrer-policy"), ["no-referrer"], "Referrer-Policy")
    eq(h.get("x-content-type-options"), ["nosniff"], "nosniff")
    for ref in (b'src="/family/pb-family.js"', b'href="/family/govuk-frontend.min.css"',
                b'href="/family/pb-family.css"'):
        check(ref in b, "page refers to %r" % ref)
    check(b"<script>" not in b and b"<style" not in b and b" style=" not in b and b" on" + b"click" not in b,
          "no inline script or style")


@test
def test_files_types_and_cache():
    want = {"pb-family.js": ("text/javascript; charset=utf-8", b"sessionStorage"),
            "pb-family.css": ("text/css; charset=utf-8", b"arial"),
            "govuk-frontend.min.css": ("text/css; charset=utf-8", STAND_IN["govuk-frontend.min.css"]),
            "govuk-frontend.min.js": ("text/javascript; charset=utf-8", STAND_IN["govuk-frontend.min.js"])}
    for name, (ctype, needle) in want.items():
        s, h, b = raw_get(FULL, "/family/" + name)
        eq(s, 200, name)
        eq(h["content-type"][0], ctype, name)
        eq(h.get("cache-control"), ["public, max-age=86400"], name)
        check(needle in b, "%s: %r not in the body" % (name, needle))
    # the page's script never keeps the token in localStorage or a cookie
    code = [ln for ln in raw_get(FULL, "/family/pb-family.js")[2].decode().splitlines()
            if not ln.lstrip().startswith("//")]
    check(not any("localStorage" in ln or "cookie" in ln for ln in code),
          "pb-family.js touches localStorage or cookies")


run()
