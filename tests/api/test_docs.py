"""GET /docs and /docs/{file}: the API reference page (api/docs.c).

Always: without PB_DOCS_DIR every /docs path answers 404 problem+json, a bad
PB_DOCS_DIR stops pbd at start, and no request path reaches a file outside
the allow-list.  When swagger-ui-dist is installed (build/npm/docs, by
`sh deploy/npm-install.sh docs`, which make test-docs and make run do), also:
the page is 200 text/html with its Content-Security-Policy, and each asset
has its content type and a public Cache-Control.  No database is needed:
pbd serves /docs and /healthz without one.
"""
import http.client
import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "lib"))
from pbtest import Daemon, check, eq, pbd, run, test  # noqa: E402

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
ASSETS = os.path.join(ROOT, "build", "npm", "docs", "node_modules", "swagger-ui-dist")
INSTALLED = os.path.isfile(os.path.join(ASSETS, "swagger-ui-bundle.js"))
NO_DB = "postgresql:///none?host=/nonexistent"

BARE = Daemon(NO_DB)
FULL = Daemon(NO_DB, {"PB_DOCS_DIR": ASSETS}) if INSTALLED else None

# paths that name something outside the allow-list, however spelled
ESCAPES = ["/docs/../openapi.yaml", "/docs/../../etc/passwd", "/docs/..%2f..%2fetc%2fpasswd",
           "/docs/%2e%2e/%2e%2e/etc/passwd", "/docs/%2e%2e", "/docs/..", "/docs//etc/passwd",
           "/docs/swagger-ui.css/../../../etc/passwd", "/docs/package.json", "/docs/index.html",
           "/docs/swagger-ui-bundle.js.map", "/docs/swagger-initializer.js", "/docs/README.md",
           "/docs/.%2fswagger-ui.css", "/docs/swagger-ui.css%00", "/docs/SWAGGER-UI.CSS",
           "/docs/", "/docs/nope"]


def raw_get(d, path):
    """GET with the path sent byte for byte (no client normalisation)."""
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


def problem_404(d, path):
    s, h, b = raw_get(d, path)
    check(s in (400, 404), "%s: %d %r" % (path, s, b[:200]))
    check(h.get("content-type", [""])[0].startswith("application/problem+json"),
          "%s: content type %r" % (path, h.get("content-type")))
    for leak in (b"root:", b"swagger-ui-dist", b"SwaggerUIBundle", b"openapi: 3"):
        check(leak not in b, "%s leaked %r" % (path, leak))


@test
def test_docs_without_assets_is_404_problem():
    for path in ("/docs", "/docs/swagger-ui.css", "/docs/pb-docs.js", "/docs/swagger-ui-bundle.js"):
        s, h, b = raw_get(BARE, path)
        eq(s, 404, path)
        check(h["content-type"][0].startswith("application/problem+json"), path)
        check(b"PB_DOCS_DIR" in b, "%s: the detail names PB_DOCS_DIR: %r" % (path, b))
    # the description itself is always served
    eq(raw_get(BARE, "/openapi.yaml")[0], 200, "/openapi.yaml")


@test
def test_no_traversal_without_assets():
    for path in ESCAPES:
        problem_404(BARE, path)


@test
def test_bad_docs_dir_refused_at_start():
    p = pbd(["serve"], {"PB_DOCS_DIR": "/etc", "PB_LISTEN": "127.0.0.1:1"})
    check(p.returncode != 0, "pbd started with PB_DOCS_DIR=/etc")
    check("PB_DOCS_DIR" in p.stderr and len(p.stderr.strip().splitlines()) == 1,
          "one clear line: %r" % p.stderr)


CSP_WANT = ["default-src 'self'", "script-src 'self'", "style-src 'self'", "img-src 'self' data:",
            "connect-src 'self'", "object-src 'none'", "frame-ancestors 'none'"]


@test
def test_docs_page_html_with_csp():
    if not INSTALLED:
        print("skip: swagger-ui-dist not installed (sh deploy/npm-install.sh docs)")
        return
    s, h, b = raw_get(FULL, "/docs")
    eq(s, 200, "/docs")
    eq(h["content-type"][0], "text/html; charset=utf-8", "content type")
    csp = h.get("content-security-policy", [""])
    eq(len(csp), 1, "one CSP header")
    for part in CSP_WANT:
        check(part in csp[0].split("; "), "CSP lacks %r: %r" % (part, csp[0]))
    check("unsafe" not in csp[0], "CSP allows unsafe-*: %r" % csp[0])
    eq(h.get("x-content-type-options"), ["nosniff"], "nosniff")
    for ref in (b'src="/docs/swagger-ui-bundle.js"', b'src="/docs/pb-docs.js"', b'href="/docs/swagger-ui.css"'):
        check(ref in b, "page refers to %r" % ref)
    check(b"<script>" not in b and b"<style" not in b, "no inline script or style")


@test
def test_docs_assets_types_and_cache():
    if not INSTALLED:
        print("skip: swagger-ui-dist not installed (sh deploy/npm-install.sh docs)")
        return
    for name, ctype, disk in (("swagger-ui-bundle.js", "text/javascript; charset=utf-8", True),
                              ("swagger-ui.css", "text/css; charset=utf-8", True),
                              ("favicon-32x32.png", "image/png", True),
                              ("pb-docs.js", "text/javascript; charset=utf-8", False)):
        s, h, b = raw_get(FULL, "/docs/" + name)
        eq(s, 200, name)
        eq(h["content-type"], [ctype], name + " content type")
        if disk:
            eq(b, open(os.path.join(ASSETS, name), "rb").read(), name + " bytes")
        else:
            check(b"/openapi.yaml" in b, "pb-docs.js points at /openapi.yaml")
        cc = h.get("cache-control", [])
        # the handler's own Cache-Control replaces the server's no-store default
        eq(cc, ["public, max-age=86400"], "%s Cache-Control" % name)


@test
def test_no_traversal_with_assets():
    if not INSTALLED:
        print("skip: swagger-ui-dist not installed (sh deploy/npm-install.sh docs)")
        return
    for path in ESCAPES:
        problem_404(FULL, path)


@test
def test_docs_needs_no_token_and_only_get():
    d = FULL or BARE
    s, h, b = raw_get(d, "/docs")
    check(s != 401, "/docs asked for a token")
    r = d.request("POST", "/docs", raw=b"{}", headers={"Content-Type": "application/json"})
    eq(r[0], 405, "POST /docs")


run()
