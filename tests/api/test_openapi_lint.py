"""openapi.yaml quality: Redocly CLI's recommended rules (deploy/npm/lint/redocly.yaml) report
no error, and every operation has an operationId, a summary, at least one 4xx response and an
example in its success response or its request body (checked here with PyYAML).

Redocly CLI is pinned in deploy/npm/lint/ and installed by deploy/npm-install.sh into
build/npm/lint (only when missing); it needs Node.js >= 20.19 with npm.  No daemon, no database.
"""
import json
import os
import subprocess
import sys

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "lib"))
from pbtest import check, eq, run, test  # noqa: E402

import yaml  # noqa: E402  (python3-yaml: deploy/install-deps.sh test)

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
SPEC_PATH = os.path.join(ROOT, "openapi.yaml")
REDOCLY = os.path.join(ROOT, "build", "npm", "lint", "node_modules", ".bin", "redocly")
METHODS = ("get", "put", "post", "delete", "options", "head", "patch", "trace")


class _NoDuplicates(yaml.SafeLoader):
    pass


def _mapping(loader, node, deep=False):
    seen = set()
    for k, _ in node.value:
        key = loader.construct_object(k, deep=deep)
        if key in seen:
            raise AssertionError("duplicate key %r on line %d" % (key, k.start_mark.line + 1))
        seen.add(key)
    return yaml.SafeLoader.construct_mapping(loader, node, deep)


_NoDuplicates.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _mapping)
SPEC = yaml.load(open(SPEC_PATH), Loader=_NoDuplicates)  # noqa: S506 - a SafeLoader


def deref(o):
    while isinstance(o, dict) and "$ref" in o:
        node = SPEC
        for part in o["$ref"].lstrip("#/").split("/"):
            node = node[part.replace("~1", "/").replace("~0", "~")]
        o = node
    return o


def operations():
    for path, item in SPEC["paths"].items():
        for m, op in item.items():
            if m in METHODS:
                yield m.upper(), path, op


def has_example(content):
    for media in (content or {}).values():
        media = deref(media)
        if "example" in media or media.get("examples"):
            return True
        if "example" in deref(media.get("schema", {})):
            return True
    return False


@test
def test_redocly_lint_has_no_errors():
    inst = subprocess.run(["sh", os.path.join(ROOT, "deploy", "npm-install.sh"), "lint"],
                          capture_output=True, text=True)
    if inst.returncode != 0:
        raise AssertionError("cannot install @redocly/cli (needs Node.js >= 20.19 and npm, and the "
                             "npm registry once): %s" % (inst.stderr.strip() or inst.stdout.strip()))
    env = dict(os.environ, REDOCLY_TELEMETRY="off", REDOCLY_SUPPRESS_UPDATE_NOTICE="true",
               NO_COLOR="1")
    p = subprocess.run([REDOCLY, "lint", SPEC_PATH, "--format=json",
                        "--config", os.path.join(ROOT, "deploy", "npm", "lint", "redocly.yaml")],
                       capture_output=True, text=True, env=env, cwd=ROOT, timeout=300)
    try:
        report = json.loads(p.stdout)
    except ValueError:
        raise AssertionError("redocly lint gave no JSON report (rc %d): %s %s"
                             % (p.returncode, p.stdout[-800:], p.stderr[-800:]))
    problems = report.get("problems", [])
    errors = [x for x in problems if x.get("severity") == "error"]
    warnings = [x for x in problems if x.get("severity") != "error"]

    def where(x):
        loc = (x.get("location") or [{}])[0]
        return "%s at %s: %s" % (x.get("ruleId"), loc.get("pointer"), x.get("message"))
    for w in warnings[:20]:
        print("warning: " + where(w))
    eq([where(e) for e in errors], [], "redocly lint errors")
    eq(p.returncode, 0, "redocly lint exit status")


@test
def test_every_operation_has_operation_id_and_summary():
    missing = ["%s %s" % (m, p) for m, p, op in operations()
               if not op.get("operationId") or not op.get("summary")]
    eq(missing, [], "operations without operationId or summary")
    ids = [op["operationId"] for _, _, op in operations()]
    eq(sorted({i for i in ids if ids.count(i) > 1}), [], "duplicate operationIds")


@test
def test_every_operation_documents_a_4xx_response():
    missing = ["%s %s" % (m, p) for m, p, op in operations()
               if not any(str(code).startswith("4") for code in op.get("responses", {}))]
    eq(missing, [], "operations without a 4xx response")


@test
def test_every_operation_has_an_example():
    missing = []
    for m, p, op in operations():
        ok = [deref(r) for code, r in op.get("responses", {}).items() if str(code).startswith("2")]
        body = deref(op.get("requestBody", {}))
        if not (any(has_example(r.get("content")) for r in ok) or has_example(body.get("content"))):
            missing.append("%s %s" % (m, p))
    eq(missing, [], "operations with no example in a 2xx response or the request body")


@test
def test_error_responses_are_problem_json():
    bad = []
    for m, p, op in operations():
        for code, r in op.get("responses", {}).items():
            if str(code)[0] in "45":
                content = deref(r).get("content") or {}
                if content and not any(k.startswith("application/problem+json") or
                                       (p == "/readyz" and k == "application/json") for k in content):
                    bad.append("%s %s %s" % (m, p, code))
    eq(bad, [], "error responses not described as application/problem+json")


@test
def test_spec_parsed():
    check(len(list(operations())) >= 60, "operations parsed")


run()
