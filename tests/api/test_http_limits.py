"""HTTP edges: unknown paths and methods, request ids, HEAD, operations
endpoints, body and header limits, readiness across a PostgreSQL outage,
PB_SERVICES, a burst of malformed traffic, timeouts and graceful shutdown."""
import json
import os
import re
import signal
import socket
import subprocess
import sys
import time
import uuid

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "lib"))
from pbtest import (SECRET, Daemon, check, eq, free_port, migrated_db,  # noqa: E402
                    pbd_bin, run, test, token)

DB = migrated_db("http_limits")
D = Daemon(DB)
CW = token(["caseworker"])
HERE = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..")
CHILD = b'{"given_name":"Ada","family_name":"Lovelace","date_of_birth":"2014-05-01"}'


def problem(resp, status, code, what=""):
    s, h, b, j = resp
    eq(s, status, "%s status (body %r)" % (what, b[:300]))
    check(h.get("content-type", "").startswith("application/problem+json"),
          "%s content-type %r" % (what, h.get("content-type")))
    eq(j["code"], code, what + " code")
    eq(j["status"], status, what + " problem status")
    return j


def raw_exchange(port, data, shut_wr=False, timeout=3.0):
    """Send bytes on a fresh connection; return everything read until EOF/timeout."""
    s = socket.create_connection(("127.0.0.1", port), timeout=timeout)
    try:
        try:
            s.sendall(data)
            if shut_wr:
                s.shutdown(socket.SHUT_WR)
        except OSError:
            pass
        out = b""
        deadline = time.time() + timeout
        while time.time() < deadline:
            try:
                chunk = s.recv(65536)
            except socket.timeout:
                break
            except OSError:
                break
            if not chunk:
                break
            out += chunk
        return out
    finally:
        s.close()


def status_of(resp_bytes):
    m = re.match(rb"HTTP/1\.[01] (\d{3})", resp_bytes)
    return int(m.group(1)) if m else None


def split_response(resp_bytes):
    head, _, body = resp_bytes.partition(b"\r\n\r\n")
    lines = head.split(b"\r\n")
    headers = {}
    for l in lines[1:]:
        k, _, v = l.partition(b":")
        headers[k.strip().lower().decode()] = v.strip().decode()
    return status_of(resp_bytes), headers, body


# --- routing --------------------------------------------------------------------------

@test
def test_unknown_path_is_404_problem():
    for path in ("/nope", "/v1/nothing", "/v1/children/x/y/z", "/v2/children"):
        j = problem(D.request("GET", path, token=CW), 404, "NOT_FOUND", path)
        check(j["type"].startswith("http"), "problem type is a URI")
    problem(D.request("GET", "/nope"), 404, "NOT_FOUND", "no token")


@test
def test_wrong_method_is_405_with_allow():
    s, h, b, j = D.request("DELETE", "/v1/children", token=CW)
    problem((s, h, b, j), 405, j["code"] if j else None, "DELETE /v1/children")
    allow = {m.strip() for m in h.get("allow", "").split(",")}
    check({"GET", "POST"} <= allow, "Allow %r" % h.get("allow"))
    check("DELETE" not in allow, "Allow must not list DELETE")
    s, h, b, j = D.request("PUT", "/v1/children/" + str(uuid.uuid4()), raw=b"{}", token=CW,
                           headers={"Content-Type": "application/json"})
    eq(s, 405, "PUT child")
    allow = {m.strip() for m in h.get("allow", "").split(",")}
    check({"GET", "PATCH"} <= allow, "Allow %r" % h.get("allow"))
    s, h, b, j = D.request("POST", "/healthz")
    eq(s, 405, "POST /healthz")
    check("GET" in h.get("allow", ""), "Allow on /healthz")


# --- request ids ----------------------------------------------------------------------

@test
def test_request_id_echoed():
    rid = "client-req-42_a.b:c"
    for path in ("/healthz", "/nope", "/v1/children"):
        s, h, b, j = D.request("GET", path, headers={"X-Request-Id": rid})
        eq(h.get("x-request-id"), rid, "echo on " + path)


@test
def test_request_id_generated():
    seen = set()
    for path in ("/healthz", "/v1/children", "/nope"):
        s, h, b, j = D.request("GET", path)
        rid = h.get("x-request-id")
        check(rid is not None, "generated on " + path)
        uuid.UUID(rid)
        seen.add(rid)
    eq(len(seen), 3, "a fresh id per request")
    # the problem body of an error carries the same request as the header? at least a header
    s, h, b, j = D.request("GET", "/v1/children", token=CW)
    uuid.UUID(h["x-request-id"])


@test
def test_invalid_request_id_replaced():
    for bad in ("has spaces in it", "x" * 200, "semi;colon", "quote\"d", "\u00e9t\u00e9"):
        hdr = bad.encode("utf-8").decode("latin-1")
        s, h, b, j = D.request("GET", "/healthz", headers={"X-Request-Id": hdr})
        rid = h.get("x-request-id")
        check(rid is not None and rid != hdr, "bad id %r not echoed (got %r)" % (bad, rid))
        uuid.UUID(rid)
    s, h, b, j = D.request("GET", "/healthz", headers={"X-Request-Id": "y" * 128})
    eq(h.get("x-request-id"), "y" * 128, "128 characters are echoed")


# --- operations endpoints ---------------------------------------------------------------

@test
def test_healthz():
    s, h, b, j = D.request("GET", "/healthz")
    eq(s, 200, "healthz")
    eq(j, {"status": "ok"}, "body")
    eq(h.get("cache-control"), "no-store", "cache-control")
    eq(h.get("x-content-type-options"), "nosniff", "nosniff")


@test
def test_head_healthz_has_no_body():
    s, h, b, j = D.request("HEAD", "/healthz")
    eq(s, 200, "HEAD status")
    eq(b, b"", "http.client body")
    # on the wire: nothing may follow the header block
    raw = raw_exchange(D.port, b"HEAD /healthz HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n")
    st, hdrs, body = split_response(raw)
    eq(st, 200, "raw HEAD status")
    eq(body, b"", "HEAD response must not carry a body")


@test
def test_head_then_get_on_one_connection():
    # keep-alive framing: the GET's status line must follow the HEAD's header block directly
    s = socket.create_connection(("127.0.0.1", D.port), timeout=3)
    s.sendall(b"HEAD /healthz HTTP/1.1\r\nHost: t\r\n\r\n")
    time.sleep(0.2)
    s.sendall(b"GET /healthz HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n")
    out = b""
    try:
        while True:
            chunk = s.recv(65536)
            if not chunk:
                break
            out += chunk
    except OSError:
        pass
    s.close()
    head, sep, rest = out.partition(b"\r\n\r\n")
    eq(status_of(head), 200, "HEAD status")
    check(rest.startswith(b"HTTP/1.1 200"),
          "second response must start right after the HEAD headers; got %r" % rest[:40])
    eq(split_response(rest)[2], b'{"status":"ok"}', "GET body")


@test
def test_readyz_ready():
    s, h, b, j = D.request("GET", "/readyz")
    eq(s, 200, "readyz")
    eq(j["status"], "ready", "status")
    eq(j["schema_version"], j["expected_schema_version"], "schema current")


@test
def test_readyz_503_when_schema_behind():
    url = migrated_db("http_limits_old")
    subprocess.run(["psql", url, "-qc", "DELETE FROM schema_migrations WHERE version = "
                    "(SELECT max(version) FROM schema_migrations)"], check=True,
                   capture_output=True)
    d = Daemon(url)
    try:
        s, h, b, j = d.request("GET", "/readyz")
        eq(s, 503, "readyz with an old schema")
        eq(j["code"], "UNAVAILABLE", "code")
        eq(d.request("GET", "/healthz")[0], 200, "healthz still fine")
    finally:
        d.stop()


@test
def test_metrics():
    D.request("GET", "/healthz")
    D.request("GET", "/v1/children", token=CW)
    s, h, b, j = D.request("GET", "/metrics")
    eq(s, 200, "metrics")
    check(h["content-type"].startswith("text/plain"), "content-type %r" % h["content-type"])
    text = b.decode()
    for name in ("pb_http_requests_total", "pb_http_request_duration_seconds",
                 "pb_db_pool_connections", "pb_build_info"):
        check(re.search(r"^# TYPE %s " % name, text, re.M), "TYPE line for " + name)
        check(re.search(r"^%s[{_ ]" % name, text, re.M), "sample of " + name)
    check(re.search(r'^pb_http_requests_total\{[^}]*route="/healthz"[^}]*\} \d+', text, re.M),
          "healthz counted")
    check(re.search(r'^pb_http_request_duration_seconds_bucket\{[^}]*le="\+Inf"\} \d+', text,
                    re.M), "histogram +Inf bucket")
    check(re.search(r'^pb_db_pool_connections\{state="max"\} 4$', text, re.M),
          "pool max = PB_DB_POOL")
    for line in text.splitlines():
        if line and not line.startswith("#"):
            check(re.match(r'^[a-zA-Z_:][a-zA-Z0-9_:]*(\{[^}]*\})? [-+0-9.eEInfa]+$', line),
                  "exposition line %r" % line)


@test
def test_openapi_yaml():
    s, h, b, j = D.request("GET", "/openapi.yaml")
    eq(s, 200, "openapi")
    check("yaml" in h.get("content-type", ""), "content-type %r" % h.get("content-type"))
    check(b.lstrip().startswith(b"openapi:"), "starts with openapi:")
    check(b"/v1/children" in b, "documents /v1/children")
    eq(int(h["content-length"]), len(b), "content-length")


# --- limits -------------------------------------------------------------------------

@test
def test_body_over_64_kib_is_413_problem():
    big = b'{"given_name":"' + b"x" * (65 * 1024) + b'","family_name":"L","date_of_birth":"2014-05-01"}'
    problem(D.request("POST", "/v1/children", raw=big, token=CW,
                      headers={"Content-Type": "application/json"}), 413, "PAYLOAD_TOO_LARGE",
            "65 KiB")


@test
def test_chunked_body_over_64_kib_is_413():
    chunk = b"x" * 40000
    req = (b"POST /v1/children HTTP/1.1\r\nHost: t\r\nAuthorization: Bearer " + CW.encode() +
           b"\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n"
           b"Connection: close\r\n\r\n" +
           (b"%x\r\n" % len(chunk) + chunk + b"\r\n") * 2 + b"0\r\n\r\n")
    st, hdrs, body = split_response(raw_exchange(D.port, req))
    eq(st, 413, "chunked 80 KB")
    check(hdrs.get("content-type", "").startswith("application/problem+json"), "problem+json")
    check(b"PAYLOAD_TOO_LARGE" in body, "code")


@test
def test_declared_huge_body_is_413():
    # Refused from the head alone, before a byte of the body, as problem+json.
    req = (b"POST /v1/children HTTP/1.1\r\nHost: t\r\nAuthorization: Bearer " + CW.encode() +
           b"\r\nContent-Type: application/json\r\nContent-Length: 2000000\r\n"
           b"Connection: close\r\n\r\n")
    st, hdrs, body = split_response(raw_exchange(D.port, req))
    eq(st, 413, "declared 2 MB")
    check(hdrs.get("content-type", "").startswith("application/problem+json"), "problem+json")
    check(b"PAYLOAD_TOO_LARGE" in body, "code")
    check("x-request-id" in hdrs, "X-Request-Id")
    eq(D.request("GET", "/healthz")[0], 200, "alive")


@test
def test_headers_over_8_kib_refused():
    req = (b"GET /v1/children HTTP/1.1\r\nHost: t\r\nAuthorization: Bearer " + CW.encode() +
           b"\r\n" + b"".join(b"X-Pad-%d: %s\r\n" % (i, b"p" * 1000) for i in range(10)) +
           b"Connection: close\r\n\r\n")
    st, hdrs, body = split_response(raw_exchange(D.port, req))
    eq(st, 431, "9+ KiB of headers")
    check(hdrs.get("content-type", "").startswith("application/problem+json"), "problem+json")
    check(b"HEADERS_TOO_LARGE" in body, "code")
    eq(D.request("GET", "/healthz")[0], 200, "alive")


@test
def test_idle_connection_timed_out():
    d = Daemon(DB, {"PB_HTTP_TIMEOUT": "1"})
    try:
        s = socket.create_connection(("127.0.0.1", d.port), timeout=10)
        s.sendall(b"GET /healthz HTTP/1.1\r\nHost: t\r\n")   # never finished
        t0 = time.time()
        try:
            while s.recv(4096):
                pass
        except (socket.timeout, OSError):
            pass
        took = time.time() - t0
        s.close()
        check(took < 6, "a stalled request is dropped by the read timeout (%.1f s)" % took)
        eq(d.request("GET", "/healthz")[0], 200, "still serving")
    finally:
        d.stop()


# --- PB_SERVICES ------------------------------------------------------------------------

@test
def test_services_budgets_only_still_serves_core():
    d = Daemon(DB, {"PB_SERVICES": "budgets"})
    try:
        s, h, b, j = d.request("GET", "/v1/children", token=CW)
        eq(s, 200, "core records with PB_SERVICES=budgets")
        eq(d.request("GET", "/v1/events", token=token(["service"]))[0], 200, "events")
        eq(d.request("GET", "/readyz")[0], 200, "readyz")
    finally:
        d.stop()
    d = Daemon(DB, {"PB_SERVICES": "eligibility,payments"})
    try:
        eq(d.request("GET", "/v1/children", token=CW)[0], 200, "eligibility,payments")
    finally:
        d.stop()


@test
def test_services_bogus_refused():
    e = dict(os.environ)
    e.update({"DATABASE_URL": DB, "PB_JWT_SECRET": SECRET, "PB_SERVICES": "bogus",
              "PB_LISTEN": "127.0.0.1:%d" % free_port()})
    try:
        p = subprocess.run([pbd_bin(), "serve"], env=e, capture_output=True, text=True,
                           timeout=10)
    except subprocess.TimeoutExpired:
        raise AssertionError("pbd serve with PB_SERVICES=bogus kept running")
    check(p.returncode != 0, "exit code %r" % p.returncode)
    check("PB_SERVICES" in p.stderr, "stderr names PB_SERVICES: %r" % p.stderr)
    eq(len(p.stderr.strip().splitlines()), 1, "one line")


# --- malformed traffic ----------------------------------------------------------------------

def post_json(body, extra=b""):
    """A complete POST /v1/children carrying body (any bytes) with the right length."""
    return (b"POST /v1/children HTTP/1.1\r\nHost: t\r\nAuthorization: Bearer " + CW.encode() +
            b"\r\nContent-Type: application/json\r\nContent-Length: %d\r\n" % len(body) +
            extra + b"Connection: close\r\n\r\n" + body)


def malformed_requests(n):
    auth = b"Authorization: Bearer " + CW.encode() + b"\r\n"
    kinds = [
        (b"GARBAGE\r\n\r\n", False),
        (b"GET\r\n\r\n", False),
        (b"GET / HTTP/9.9\r\n\r\n", False),
        (b"GET /healthz HTTP/1.1\r\nBad Header Without Colon\r\n\r\n", False),
        (b"GET /healthz HTTP/1.1\r\nHost: t\r\nX-Big: " + b"h" * 10000 + b"\r\n\r\n", False),
        (post_json(b'{"a":,}x'), False),
        (post_json(b"[" * 12), False),
        (post_json(b'{"given_name":"\xff\xfe","family_name":"L","date_of_birth":"2014-05-01"}'), False),
        (post_json(b"{" * 40 + b"}" * 40), False),
        (post_json(b'{"given_name":"A","given_name":"B"}'), False),
        (post_json(b"\x00\x00\x00\x00"), False),
        (b"POST /v1/children HTTP/1.1\r\nHost: t\r\n" + auth +
         b"Content-Type: application/json\r\nContent-Length: 500\r\n\r\n{\"given_name\":", True),
        (b"POST /v1/children HTTP/1.1\r\nHost: t\r\nContent-Length: -5\r\n\r\n", False),
        (b"POST /v1/children HTTP/1.1\r\nHost: t\r\nContent-Length: abc\r\n\r\n", False),
        (b"GET /v1/children?limit=%zz&cursor=%%%% HTTP/1.1\r\nHost: t\r\n" + auth +
         b"Connection: close\r\n\r\n", False),
        (b"GET /v1/children/%00%ff HTTP/1.1\r\nHost: t\r\n" + auth + b"Connection: close\r\n\r\n", False),
        (b"GET " + b"/a" * 3000 + b" HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n", False),
        (b"PATCH /v1/children/" + str(uuid.uuid4()).encode() + b" HTTP/1.1\r\nHost: t\r\n" + auth +
         b"If-Match: \"\xff\xfe\"\r\nContent-Type: application/json\r\nContent-Length: 2\r\n"
         b"Connection: close\r\n\r\n{}", False),
        (b"GET /healthz HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n", True),
        (b"GET /v1/children HTTP/1.1\r\nHost: t\r\nAuthorization: Bearer \x01\x02\x03\r\n"
         b"Connection: close\r\n\r\n", False),
    ]
    rnd = 12345
    for i in range(n):
        if i % 17 == 16:
            # binary junk from a tiny LCG (deterministic)
            junk = bytearray()
            for _ in range(64 + i % 200):
                rnd = (rnd * 1103515245 + 12345) & 0x7FFFFFFF
                junk.append(rnd & 0xFF)
            yield bytes(junk), True
        else:
            yield kinds[i % len(kinds)]


@test
def test_thousand_malformed_requests():
    statuses = {}
    t0 = time.time()
    for data, shut in malformed_requests(1000):
        st = status_of(raw_exchange(D.port, data, shut_wr=shut, timeout=2.0))
        statuses[st] = statuses.get(st, 0) + 1
        # 501 (an unknown transfer coding or method) and 505 (a version other than 1.0/1.1)
        # are the RFC's own answers to some of them
        check(st is None or 400 <= st < 500 or st in (501, 505),
              "malformed request answered %r: %r" % (st, data[:80]))
    eq(D.proc.poll(), None, "daemon still running")
    s, h, b, j = D.request("GET", "/healthz")
    eq(s, 200, "healthz after the burst")
    s, h, b, j = D.request("POST", "/v1/children", raw=CHILD, token=CW,
                           headers={"Content-Type": "application/json"})
    eq(s, 201, "a good request after the burst")
    check(time.time() - t0 < 30, "the burst took %.1f s" % (time.time() - t0))
    check(sum(v for k, v in statuses.items() if k is not None) >= 500,
          "most malformed requests get a 4xx answer: %r" % statuses)


# --- metrics cardinality and logs ------------------------------------------------------

@test
def test_metrics_do_not_grow_with_unknown_paths():
    for i in range(30):
        D.request("GET", "/probe-%d-%s" % (i, uuid.uuid4()))
        D.request("GET", "/v1/children/" + str(uuid.uuid4()), token=CW)
    text = D.request("GET", "/metrics")[2].decode()
    check("/probe-" not in text, "unknown paths must not become metric labels")
    check(not re.search(r"/v1/children/[0-9a-f]{8}-", text), "ids must not become labels")
    check('route="/v1/children/{id}"' in text, "templated route label")


@test
def test_logs_are_json_and_hold_no_secrets():
    d = Daemon(DB, {"PB_LOG_LEVEL": "debug"})
    marker = "BODY-MARKER-" + uuid.uuid4().hex
    rid = "log-check-" + uuid.uuid4().hex
    try:
        d.request("GET", "/v1/children", token=CW, headers={"X-Request-Id": rid})
        d.request("POST", "/v1/children", raw=(b'{"given_name":"%s","family_name":"L",'
                  b'"date_of_birth":"2014-05-01"}' % marker.encode()), token=CW,
                  headers={"Content-Type": "application/json"})
        d.request("POST", "/v1/children", raw=b'{"given_name":"' + marker.encode() + b'"',
                  token=CW, headers={"Content-Type": "application/json"})
        bad = CW[:-4] + ("AAAA" if not CW.endswith("AAAA") else "BBBB")
        d.request("GET", "/v1/children", token=bad)
        d.request("GET", "/v1/children", token="garbage-token-" + marker)
    finally:
        eq(d.stop(), 0, "clean stop")
    text = open(d.log_path).read()
    lines = [l for l in text.splitlines() if l.strip()]
    check(lines, "the daemon logged something")
    access = None
    for l in lines:
        try:
            o = json.loads(l)
        except ValueError:
            raise AssertionError("log line is not JSON: %r" % l[:200])
        check("level" in o and "time" in o, "log line has time and level: %r" % l[:200])
        if o.get("request_id") == rid:
            access = o
    sig = CW.rsplit(".", 1)[1]
    check(CW not in text and sig not in text, "the token (or its signature) was logged")
    check(bad.rsplit(".", 1)[1] not in text, "a rejected token's signature was logged")
    check(marker not in text, "request bodies / presented tokens must not be logged")
    check(access is not None, "an access line carries the request id")
    for k in ("method", "route", "status", "duration_ms", "sub"):
        check(k in access, "access line has %s: %r" % (k, access))
    eq(access["status"], 200, "access status")
    eq(access["route"], "/v1/children", "access route")


# --- PostgreSQL outage ------------------------------------------------------------------------

def pg(cmd):
    pgdir = os.environ["PB_TEST_PG"]
    port = os.environ["PB_TEST_PG_PORT"]
    args = ["sh", os.path.join(HERE, "deploy", "local-pg.sh"), cmd, pgdir]
    if cmd == "start":
        args += [port, "pb_test"]
    e = dict(os.environ)
    e.setdefault("PB_PG_FSYNC", "off")
    p = subprocess.run(args, capture_output=True, text=True, env=e, timeout=60)
    if p.returncode != 0:
        raise AssertionError("local-pg.sh %s: %s" % (cmd, p.stderr))


@test
def test_readyz_and_requests_across_database_outage():
    d = Daemon(DB)
    eq(d.request("GET", "/v1/children", token=CW)[0], 200, "before outage")
    eq(d.request("GET", "/readyz")[0], 200, "ready before outage")
    pg("stop")
    try:
        for i in range(6):   # more than the pool's connections: stale ones and new ones
            t0 = time.time()
            problem(d.request("GET", "/v1/children", token=CW, timeout=10), 503, "UNAVAILABLE",
                    "during outage #%d" % i)
            check(time.time() - t0 < 5, "503 within 5 s (took %.1f s)" % (time.time() - t0))
        t0 = time.time()
        s, h, b, j = d.request("GET", "/readyz", timeout=10)
        eq(s, 503, "readyz during outage")
        check(time.time() - t0 < 5, "readyz quickly")
        s, h, b, j = d.request("POST", "/v1/children", raw=CHILD, token=CW,
                               headers={"Content-Type": "application/json"}, timeout=10)
        eq(s, 503, "write during outage")
        eq(d.request("GET", "/healthz")[0], 200, "healthz during outage")
        eq(d.proc.poll(), None, "daemon alive during outage")
    finally:
        pg("start")
    deadline = time.time() + 5
    ok = None
    while time.time() < deadline:
        ok = d.request("GET", "/v1/children", token=CW, timeout=5)[0]
        if ok == 200:
            break
        time.sleep(0.1)
    eq(ok, 200, "answers 200 within 5 s of PostgreSQL returning")
    eq(d.request("GET", "/readyz")[0], 200, "ready again")
    eq(d.proc.poll(), None, "same process")
    eq(d.stop(), 0, "clean exit after the outage")


# --- shutdown -----------------------------------------------------------------------------

@test
def test_sigterm_exits_zero_promptly():
    d = Daemon(DB)
    eq(d.request("GET", "/healthz")[0], 200, "up")
    # an idle keep-alive connection must not hold the shutdown up
    idle = socket.create_connection(("127.0.0.1", d.port))
    idle.sendall(b"GET /healthz HTTP/1.1\r\nHost: t\r\n\r\n")
    idle.recv(4096)
    t0 = time.time()
    d.proc.send_signal(signal.SIGTERM)
    try:
        rc = d.proc.wait(5)
    except subprocess.TimeoutExpired:
        d.proc.kill()
        raise AssertionError("pbd did not exit within 5 s of SIGTERM")
    idle.close()
    eq(rc, 0, "exit code")
    check(time.time() - t0 < 5, "exit time")
    d.stop()


@test
def test_sigint_exits_zero():
    d = Daemon(DB)
    d.proc.send_signal(signal.SIGINT)
    try:
        rc = d.proc.wait(5)
    except subprocess.TimeoutExpired:
        d.proc.kill()
        raise AssertionError("pbd did not exit within 5 s of SIGINT")
    eq(rc, 0, "exit code")
    d.stop()


@test
def test_sighup_and_usr_signals_never_stop_serving():
    """SIGHUP (log rotation, terminal hang-up), SIGUSR1/2 and SIGPIPE under load: every request
    in flight and after is answered 200, the process stays; SIGTERM still drains to exit 0."""
    import threading
    d = Daemon(DB, env={"PB_LOG_LEVEL": "info"})
    stop = threading.Event()
    statuses = []

    def load():
        while not stop.is_set():
            try:
                statuses.append(d.request("GET", "/v1/children", token=CW, timeout=5)[0])
            except Exception as e:  # a refused or reset connection is a failure too
                statuses.append(repr(e))

    workers = [threading.Thread(target=load) for _ in range(4)]
    for w in workers:
        w.start()
    try:
        time.sleep(0.3)
        for sig in (signal.SIGHUP, signal.SIGUSR1, signal.SIGUSR2, signal.SIGPIPE, signal.SIGHUP):
            d.proc.send_signal(sig)
            time.sleep(0.2)
            eq(d.proc.poll(), None, "alive after signal %d" % sig)
        time.sleep(0.3)
    finally:
        stop.set()
        for w in workers:
            w.join()
    check(len(statuses) > 20, "load ran: %d requests" % len(statuses))
    bad = [x for x in statuses if x != 200]
    eq(bad, [], "every request under the signals answered 200")
    eq(d.request("GET", "/healthz")[0], 200, "still serving")
    log = open(d.log_path).read()
    check("SIGHUP" in log, "SIGHUP is logged: " + log[-500:])
    d.proc.send_signal(signal.SIGTERM)
    try:
        rc = d.proc.wait(5)
    except subprocess.TimeoutExpired:
        d.proc.kill()
        raise AssertionError("pbd did not exit within 5 s of SIGTERM after SIGHUP")
    eq(rc, 0, "exit code")
    d.stop()



@test
def test_sigterm_with_a_shutdown_delay_fails_readiness_then_serves_then_exits():
    """PB_SHUTDOWN_DELAY (Kubernetes: the endpoints are removed while the pod still serves):
    after SIGTERM /readyz is 503 at once, requests are still answered during the delay, then
    the daemon drains and exits 0."""
    d = Daemon(DB, env={"PB_SHUTDOWN_DELAY": "2"})
    eq(d.request("GET", "/readyz")[0], 200, "ready")
    t0 = time.time()
    d.proc.send_signal(signal.SIGTERM)
    time.sleep(0.3)
    s, h, b, j = d.request("GET", "/readyz")
    eq((s, j["detail"]), (503, "shutting down"), "not ready once told to stop")
    eq(d.request("GET", "/v1/children", token=CW)[0], 200, "still serving during the delay")
    rc = d.proc.wait(15)
    took = time.time() - t0
    eq(rc, 0, "exit 0")
    check(1.8 <= took < 12, "stopped after the delay: %.1f s" % took)

run()
