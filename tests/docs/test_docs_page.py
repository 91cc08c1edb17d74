"""The API reference page in a real browser: headless Chromium (Debian `chromium`) opens
/docs on a running pbd with PB_DOCS_DIR set, and the rendered DOM must list the operations
of openapi.yaml; a screenshot is kept in build/docs/screenshot.png (a build artefact).

Run by `make test-docs`, which installs chromium (sh deploy/install-deps.sh docs) and
swagger-ui-dist (sh deploy/npm-install.sh docs) first.  No database: pbd serves /docs,
/openapi.yaml and /healthz without one.  Prints "N passed, N failed".
"""
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "lib"))
from pbtest import Daemon, check, eq, run, test  # noqa: E402

import yaml  # noqa: E402

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
ASSETS = os.path.join(ROOT, "build", "npm", "docs", "node_modules", "swagger-ui-dist")
OUT = os.path.join(ROOT, "build", "docs")
CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
os.makedirs(OUT, exist_ok=True)

D = Daemon("postgresql:///none?host=/nonexistent", {"PB_DOCS_DIR": ASSETS, "PB_LOG_LEVEL": "info"})
URL = "http://127.0.0.1:%d/docs" % D.port


def chromium(*args):
    """Run headless Chromium once with a fresh profile; returns (stdout, stderr, seconds)."""
    profile = tempfile.mkdtemp(prefix="pb-chromium-")
    try:
        t0 = time.time()
        p = subprocess.run([CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic",
                            "--no-first-run", "--disable-background-networking",
                            "--disable-component-update", "--disable-sync",
                            "--user-data-dir=" + profile, "--enable-logging=stderr", "--v=0",
                            "--virtual-time-budget=10000", "--window-size=1280,2400"] + list(args) + [URL],
                           capture_output=True, text=True, timeout=120)
        return p.stdout, p.stderr, time.time() - t0
    finally:
        shutil.rmtree(profile, ignore_errors=True)


DOM, LOG, SECS = chromium("--dump-dom")
open(os.path.join(OUT, "dom.html"), "w").write(DOM)
open(os.path.join(OUT, "chromium.log"), "w").write(LOG)
print("chromium --dump-dom took %.1f s" % SECS)


@test
def test_page_renders_the_description():
    check("swagger-ui" in DOM, "no Swagger UI in the DOM (see build/docs/dom.html)")
    check("Personal Budgets Service" in DOM, "title of openapi.yaml not rendered")
    check("errors-wrapper" not in DOM, "Swagger UI reports errors (see build/docs/dom.html)")


@test
def test_every_operation_is_listed():
    spec = yaml.safe_load(open(os.path.join(ROOT, "openapi.yaml")))
    listed = set(re.findall(r'data-path="([^"]+)"', DOM))
    for path in ("/v1/children", "/v1/budgets/{id}/payments", "/healthz", "/docs"):
        check(path in listed, "%s not listed in the page" % path)
    eq(sorted(set(spec["paths"]) - listed), [], "paths of openapi.yaml missing from the page")
    ops = len(re.findall(r'class="opblock opblock-(get|post|put|patch|delete)', DOM))
    want = sum(1 for item in spec["paths"].values() for m in item if m in ("get", "post", "put", "patch", "delete"))
    eq(ops, want, "operation blocks")


@test
def test_no_csp_violation_or_outside_request():
    refused = [ln for ln in LOG.splitlines() if "Refused to" in ln or "Content Security Policy" in ln]
    eq(refused, [], "CSP violations")
    # pbd's log: the page fetched only /docs/* and /openapi.yaml, all answered 200
    reqs = [ln for ln in open(D.log_path) if '"msg":"request"' in ln]
    routes = {re.search(r'"route":"([^"]*)"', ln).group(1) for ln in reqs}
    check({"/docs", "/docs/{file}", "/openapi.yaml"} <= routes, "page requests %r" % routes)
    failed = [ln.strip() for ln in reqs if '"status":200' not in ln and '"/healthz"' not in ln]
    eq(failed, [], "page requests not answered 200")


@test
def test_screenshot():
    shot = os.path.join(OUT, "screenshot.png")
    if os.path.exists(shot):
        os.remove(shot)
    out, err, secs = chromium("--screenshot=" + shot)
    print("chromium --screenshot took %.1f s" % secs)
    check(os.path.exists(shot), "no screenshot: " + err[-500:])
    head = open(shot, "rb").read(32)
    check(head.startswith(b"\x89PNG"), "not a PNG")
    check(os.path.getsize(shot) > 20000, "screenshot suspiciously small (%d bytes)" % os.path.getsize(shot))


run()
