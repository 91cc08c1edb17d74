"""HTTP/1.1 strictly by RFC 9112, over raw sockets against the real pbd:
message framing (Content-Length, Transfer-Encoding, chunked), field syntax,
Host, versions, limits decided before the body is read, Expect, pipelining
and keep-alive, request-target forms, and the deadlines on a request and on
an idle connection.  Every refusal must be problem+json with X-Request-Id
and Connection: close, and the server must then close the connection (a
byte after a refused request is never read as another request)."""
import json
import os
import re
import select
import socket
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "lib"))
from pbtest import Daemon, check, eq, migrated_db, run, test, token  # noqa: E402

DB = migrated_db("http_strict")
D = Daemon(DB)
CW = token(["caseworker"]).encode()
HOST = b"Host: t\r\n"


def exchange(data, timeout=4.0, port=None, pause=None, until_answered=False):
    """Send data (a list of byte strings is sent with `pause` seconds between
    them) on a fresh connection and read until the server closes it or the
    timeout.  Returns (bytes read, whether the server closed).  With
    until_answered, sending stops as soon as an answer is readable (a client
    that reads while it writes, so the time to the answer is measurable)."""
    s = socket.create_connection(("127.0.0.1", port or D.port), timeout=timeout)
    closed = False
    out = b""
    try:
        parts = data if isinstance(data, list) else [data]
        for i, part in enumerate(parts):
            if until_answered and select.select([s], [], [], 0)[0]:
                break
            try:
                s.sendall(part)
            except OSError:
                break
            if pause and i + 1 < len(parts):
                time.sleep(pause)
        deadline = time.time() + timeout
        while time.time() < deadline:
            try:
                chunk = s.recv(65536)
            except socket.timeout:
                break
            except OSError:   # reset after the answer: closed too
                closed = True
                break
            if not chunk:
                closed = True
                break
            out += chunk
    finally:
        s.close()
    return out, closed


def read_to_eof(s):
    """Everything s receives until the server closes it."""
    out = b""
    while True:
        b = s.recv(65536)
        if not b:
            return out
        out += b


def responses(raw):
    """Split a byte stream into [(status, headers{lower: value}, body)]."""
    out = []
    while raw:
        head, sep, rest = raw.partition(b"\r\n\r\n")
        if not sep:
            raise AssertionError("truncated response head: %r" % raw[:200])
        lines = head.split(b"\r\n")
        m = re.match(rb"HTTP/1\.1 (\d{3}) ", lines[0])
        check(m is not None, "status line %r" % lines[0])
        headers = {}
        for line in lines[1:]:
            k, _, v = line.partition(b":")
            headers[k.strip().lower().decode()] = v.strip().decode()
        status = int(m.group(1))
        n = int(headers.get("content-length", "0"))
        if status in (100, 204, 304):
            n = 0
        out.append((status, headers, rest[:n]))
        raw = rest[n:]
    return out


def refused(data, status, code, what, **kw):
    """data must be answered by exactly one problem+json `status`/`code`,
    with X-Request-Id and Connection: close, and the connection closed."""
    raw, closed = exchange(data, **kw)
    rs = responses(raw)
    eq(len(rs), 1, what + ": one answer (got %r)" % raw[:400])
    st, h, body = rs[0]
    eq(st, status, what + " status (body %r)" % body[:200])
    check(h.get("content-type", "").startswith("application/problem+json"),
          what + " content-type %r" % h.get("content-type"))
    j = json.loads(body)
    eq(j["code"], code, what + " code")
    eq(j["status"], status, what + " problem status")
    check(re.match(r"^[0-9a-f-]{8,}", h.get("x-request-id", "")), what + " X-Request-Id")
    eq(h.get("connection", "").lower(), "close", what + " Connection: close")
    check(closed, what + ": the server closed the connection")
    return j


def get(path=b"/healthz", extra=b""):
    return b"GET " + path + b" HTTP/1.1\r\n" + HOST + extra + b"\r\n"


def authed_post(body_framing, extra=b""):
    return (b"POST /v1/children HTTP/1.1\r\n" + HOST + b"Authorization: Bearer " + CW +
            b"\r\nContent-Type: application/json\r\n" + extra + body_framing)


CHILD = b'{"given_name":"Ada","family_name":"Lovelace","date_of_birth":"2014-05-01"}'
SMUGGLED = b"GET /v1/children HTTP/1.1\r\n" + HOST + b"\r\n"


# --- message framing (RFC 9112 section 6) --------------------------------------------

@test
def test_two_content_lengths_are_400_and_never_a_second_request():
    # The tail of the longer body would be a second request if the first
    # Content-Length were taken (the smuggling that evhttp allowed).
    tail = b"GET /smuggled HTTP/1.1\r\n" + HOST + b"\r\n"
    body = b"{}" + tail
    for cls in ((b"2", str(len(body)).encode()), (b"2", b"2")):
        refused(authed_post(b"Content-Length: " + cls[0] + b"\r\nContent-Length: " + cls[1] +
                            b"\r\n\r\n" + body), 400, "BAD_REQUEST", "CL %r" % (cls,))
    refused(authed_post(b"Content-Length: 2, 2\r\n\r\n{}"), 400, "BAD_REQUEST", "CL list")
    refused(authed_post(b"Content-Length: +2\r\n\r\n{}"), 400, "BAD_REQUEST", "signed CL")


@test
def test_content_length_with_transfer_encoding_is_400():
    refused(authed_post(b"Content-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n" +
                        SMUGGLED), 400, "BAD_REQUEST", "CL + TE")
    refused(authed_post(b"Transfer-Encoding: chunked\r\nContent-Length: 5\r\n\r\n0\r\n\r\n"),
            400, "BAD_REQUEST", "TE + CL")


@test
def test_transfer_codings_other_than_chunked_are_501():
    for te in (b"gzip", b"gzip, chunked", b"identity", b"chunked, gzip"):
        raw, _ = exchange(authed_post(b"Transfer-Encoding: " + te + b"\r\n\r\n0\r\n\r\n"))
        st = responses(raw)[0][0]
        check(st in (400, 501), "TE %r: %d" % (te, st))
    refused(authed_post(b"Transfer-Encoding: gzip\r\n\r\n"), 501, "NOT_IMPLEMENTED", "TE gzip")


@test
def test_chunk_framing_is_strict():
    # llhttp 8.1 takes any two bytes after chunk data and a CR with any byte
    # at the end of the head; both would let a proxy and pbd disagree.
    te = b"Transfer-Encoding: chunked\r\n\r\n"
    refused(authed_post(te + b"2\r\n{}XX0\r\n\r\n" + SMUGGLED), 400, "BAD_REQUEST", "data+XX")
    refused(authed_post(te + b"2\rX{}\r\n0\r\n\r\n"), 400, "BAD_REQUEST", "size line CR X")
    refused(authed_post(te + b"2\n{}\r\n0\r\n\r\n"), 400, "BAD_REQUEST", "size line bare LF")
    refused(authed_post(te + b"zz\r\n"), 400, "BAD_REQUEST", "size not hex")
    refused(authed_post(te + b"2\r\n{}\r\n0\r\nAuthorization: Bearer x\r\n\r\n"), 400,
            "BAD_REQUEST", "trailer field")
    refused(b"GET /healthz HTTP/1.1\r\n" + HOST + b"\r\rGET /smuggled HTTP/1.1\r\n" + HOST +
            b"\r\n", 400, "BAD_REQUEST", "head ended by CR + any byte")


@test
def test_chunked_body_is_accepted_and_counted():
    body = CHILD
    chunks = b"".join(b"%x\r\n%s\r\n" % (len(body[i:i + 10]), body[i:i + 10])
                      for i in range(0, len(body), 10))
    raw, _ = exchange(authed_post(b"Transfer-Encoding: chunked\r\nConnection: close\r\n\r\n" +
                                  chunks + b"0\r\n\r\n"))
    eq(responses(raw)[0][0], 201, "chunked create")
    # over 64 KiB, counted as it arrives: 413 while the client still sends
    big = b"%x\r\n%s\r\n" % (40000, b"x" * 40000)
    refused(authed_post(b"Transfer-Encoding: chunked\r\n\r\n" + big * 2 + b"0\r\n\r\n"),
            413, "PAYLOAD_TOO_LARGE", "chunked 80 KB")


# --- field syntax (RFC 9110 section 5, RFC 9112 section 5) ---------------------------

@test
def test_obs_fold_is_400():
    refused(get(extra=b"X-A: a\r\n b\r\n"), 400, "BAD_REQUEST", "obs-fold SP")
    refused(get(extra=b"X-A: a\r\n\tb\r\n"), 400, "BAD_REQUEST", "obs-fold HTAB")
    refused(b"GET /healthz HTTP/1.1\r\n Host: t\r\n\r\n", 400, "BAD_REQUEST",
            "blank before the first field")


@test
def test_nul_and_controls_in_values_are_400():
    # Authorization: Bearer <valid>\0junk was 200 under evhttp.
    refused(get(b"/v1/children", b"Authorization: Bearer " + CW + b"\0junk\r\n"), 400,
            "BAD_REQUEST", "NUL after a valid token")
    for c in (b"\x01", b"\x7f", b"\x1b", b"\r"):
        refused(get(extra=b"X-A: a" + c + b"b\r\n"), 400, "BAD_REQUEST", "CTL %r" % c)
    refused(get(extra=b"X-A: a\nb\r\n"), 400, "BAD_REQUEST", "bare LF in a value")
    # HTAB and obs-text are field-content
    raw, _ = exchange(get(extra=b"X-A: a\tb \xc3\xa9\r\nConnection: close\r\n"))
    eq(responses(raw)[0][0], 200, "HTAB and obs-text")


@test
def test_whitespace_in_field_names_is_400():
    refused(get(extra=b"X A: b\r\n"), 400, "BAD_REQUEST", "space inside a name")
    refused(b"GET /healthz HTTP/1.1\r\nHost : t\r\n\r\n", 400, "BAD_REQUEST",
            "space before the colon")
    refused(get(extra=b"X\tA: b\r\n"), 400, "BAD_REQUEST", "tab inside a name")
    refused(get(extra=b"X(A): b\r\n"), 400, "BAD_REQUEST", "a separator in a name")
    refused(get(extra=b": b\r\n"), 400, "BAD_REQUEST", "an empty name")


@test
def test_host_is_required_once_on_1_1():
    refused(b"GET /healthz HTTP/1.1\r\n\r\n", 400, "BAD_REQUEST", "no Host")
    refused(b"GET /healthz HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n", 400, "BAD_REQUEST",
            "two Host")
    raw, closed = exchange(b"GET /healthz HTTP/1.0\r\n\r\n")
    eq(responses(raw)[0][0], 200, "1.0 without Host")
    check(closed, "1.0 without keep-alive is closed after the answer")


@test
def test_a_field_read_once_may_not_repeat():
    refused(get(b"/v1/children", b"Authorization: Bearer " + CW + b"\r\nAuthorization: Bearer x\r\n"),
            400, "BAD_REQUEST", "two Authorization")
    refused(authed_post(b"Content-Type: text/plain\r\nContent-Length: 2\r\n\r\n{}"), 400,
            "BAD_REQUEST", "two Content-Type")


@test
def test_versions_other_than_1_0_and_1_1_are_505():
    for v in (b"HTTP/1.9", b"HTTP/2.0", b"HTTP/3.0", b"HTTP/0.9"):
        raw, closed = exchange(b"GET /healthz " + v + b"\r\n" + HOST + b"\r\n")
        rs = responses(raw)
        eq(rs[0][0], 505, "%r status" % v)
        check(raw.startswith(b"HTTP/1.1 505 "), "answered as HTTP/1.1, not %r" % raw[:16])
        check(rs[0][1].get("content-type", "").startswith("application/problem+json"), "problem")
        eq(json.loads(rs[0][2])["code"], "HTTP_VERSION_NOT_SUPPORTED", "%r code" % v)
        check("x-request-id" in rs[0][1], "X-Request-Id")
        check(closed, "closed")


@test
def test_malformed_request_lines_are_400():
    for line in (b"HELLO\r\n\r\n", b"get /healthz HTTP/1.1\r\n" + HOST + b"\r\n",
                 b"GET  /healthz HTTP/1.1\r\n" + HOST + b"\r\n",
                 b"GET /healthz HTTP/1.1 extra\r\n" + HOST + b"\r\n",
                 b"GET /health\x00z HTTP/1.1\r\n" + HOST + b"\r\n",
                 b"GET /healthz HTTP/1.1\n" + HOST + b"\r\n",
                 b"\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03"):   # a TLS ClientHello
        refused(line, 400, "BAD_REQUEST", "request line %r" % line[:30])


# --- request targets (RFC 9112 section 3.2) ------------------------------------------

@test
def test_target_forms():
    raw, _ = exchange(b"GET http://t/healthz HTTP/1.1\r\n" + HOST + b"Connection: close\r\n\r\n")
    eq(responses(raw)[0][0], 200, "absolute-form")
    raw, _ = exchange(b"GET /healthz?v123 HTTP/1.1\r\n" + HOST + b"Connection: close\r\n\r\n")
    eq(responses(raw)[0][0], 200, "a query item without '=' (cache-buster)")
    raw, _ = exchange(b"GET /v1/children?limit=2&v123 HTTP/1.1\r\n" + HOST +
                      b"Authorization: Bearer " + CW + b"\r\nConnection: close\r\n\r\n")
    eq(responses(raw)[0][0], 200, "a cache-buster beside a real parameter")
    raw, _ = exchange(b"OPTIONS * HTTP/1.1\r\n" + HOST + b"Connection: close\r\n\r\n")
    check(responses(raw)[0][0] in (400, 404, 405), "asterisk-form answered, not crashed")
    refused(b"CONNECT t:443 HTTP/1.1\r\n" + HOST + b"\r\n", 501, "NOT_IMPLEMENTED", "CONNECT")


# --- limits before buffering ---------------------------------------------------------

@test
def test_head_over_8_kib_is_431():
    refused(get(extra=b"X-Pad: " + b"p" * 9000 + b"\r\n"), 431, "HEADERS_TOO_LARGE", "9 KB field")
    refused(get(extra=b"".join(b"X-%d: 1\r\n" % i for i in range(70))), 431,
            "HEADERS_TOO_LARGE", "70 fields")
    # a head that never ends is cut at the limit, not buffered further
    refused(b"GET /healthz HTTP/1.1\r\nX-Pad: " + b"p" * 20000, 431, "HEADERS_TOO_LARGE",
            "an endless field")


@test
def test_declared_body_over_the_limit_is_413_before_the_body():
    # No body byte is sent: the answer must come from the head alone.
    j = refused(authed_post(b"Content-Length: 1048576\r\n\r\n"), 413, "PAYLOAD_TOO_LARGE",
                "CL 1 MiB, nothing sent", timeout=2.0)
    check("65536" in j.get("detail", ""), "the detail names the limit: %r" % j.get("detail"))
    refused(authed_post(b"Content-Length: 65537\r\n\r\n"), 413, "PAYLOAD_TOO_LARGE", "CL 64 KiB + 1")
    # without a token too: the limit comes before authentication
    refused(b"POST /v1/children HTTP/1.1\r\n" + HOST + b"Content-Length: 99999999\r\n\r\n",
            413, "PAYLOAD_TOO_LARGE", "CL huge, no token")


@test
def test_a_body_nobody_may_send_is_refused_before_it_is_read():
    # The head alone decides: no body byte is sent, and the answer comes at once.
    head = (b"POST /v1/children HTTP/1.1\r\n" + HOST + b"Content-Type: application/json\r\n"
            b"Content-Length: 60000\r\n")
    t0 = time.time()
    refused(head + b"\r\n", 401, "UNAUTHENTICATED", "no token", timeout=2.0)
    refused(head + b"Authorization: Bearer not.a.token\r\n\r\n", 401, "UNAUTHENTICATED",
            "a bad token", timeout=2.0)
    check(time.time() - t0 < 1.5, "answered from the head (%.2f s)" % (time.time() - t0))
    refused(b"POST /v1/children HTTP/1.1\r\n" + HOST + b"Authorization: Bearer " + CW +
            b"\r\nContent-Type: text/plain\r\nContent-Length: 60000\r\n\r\n", 415,
            "UNSUPPORTED_MEDIA_TYPE", "wrong media type", timeout=2.0)
    refused(b"POST /v1/nowhere HTTP/1.1\r\n" + HOST + b"Content-Length: 60000\r\n\r\n", 404,
            "NOT_FOUND", "no such route", timeout=2.0)
    refused(b"DELETE /healthz HTTP/1.1\r\n" + HOST + b"Content-Length: 60000\r\n\r\n", 405,
            "METHOD_NOT_ALLOWED", "wrong method", timeout=2.0)
    # with Expect: the refusal comes instead of 100 Continue
    raw, _ = exchange(head + b"Expect: 100-continue\r\n\r\n", timeout=2.0)
    eq([r[0] for r in responses(raw)], [401], "401 and no 100 Continue")
    # a chunked body the same
    refused(b"POST /v1/children HTTP/1.1\r\n" + HOST + b"Content-Type: application/json\r\n"
            b"Transfer-Encoding: chunked\r\n\r\n", 401, "UNAUTHENTICATED", "chunked, no token",
            timeout=2.0)


# --- Expect (RFC 9110 section 10.1.1) ------------------------------------------------

@test
def test_expect_100_continue_then_the_final_answer():
    s = socket.create_connection(("127.0.0.1", D.port), timeout=5)
    try:
        s.sendall(authed_post(b"Expect: 100-continue\r\nContent-Length: %d\r\n"
                              b"Connection: close\r\n\r\n" % len(CHILD)))
        first = s.recv(4096)
        eq(first, b"HTTP/1.1 100 Continue\r\n\r\n", "interim answer before the body")
        s.sendall(CHILD)
        rest = read_to_eof(s)
    finally:
        s.close()
    eq(responses(rest)[0][0], 201, "final answer")
    # refused from the head: 413 instead of 100, so the client never sends the body
    raw, _ = exchange(authed_post(b"Expect: 100-continue\r\nContent-Length: 1048576\r\n\r\n"))
    rs = responses(raw)
    eq([r[0] for r in rs], [413], "413 and no 100 Continue")
    refused(authed_post(b"Expect: 200-ok\r\nContent-Length: 2\r\n\r\n{}"), 417,
            "EXPECTATION_FAILED", "unknown expectation")


# --- pipelining and keep-alive (RFC 9112 sections 9.3, 9.6) ---------------------------

@test
def test_pipelined_requests_are_answered_in_order():
    reqs = b"".join(b"GET %s HTTP/1.1\r\n" % p + HOST + b"Authorization: Bearer " + CW +
                    b"\r\nX-Request-Id: req-%d-abcdef\r\n\r\n" % i
                    for i, p in enumerate((b"/v1/children?limit=1", b"/healthz", b"/nope")))
    raw, _ = exchange(reqs + get(extra=b"Connection: close\r\n"))
    rs = responses(raw)
    eq([r[0] for r in rs], [200, 200, 404, 200], "statuses in order")
    eq([r[1].get("x-request-id") for r in rs[:3]],
       ["req-0-abcdef", "req-1-abcdef", "req-2-abcdef"], "each answer echoes its request's id")
    # split at awkward points, with pauses
    parts = [reqs[:5], reqs[5:60], reqs[60:61], reqs[61:]]
    raw, _ = exchange(parts + [get(extra=b"Connection: close\r\n")], pause=0.05)
    eq([r[0] for r in responses(raw)], [200, 200, 404, 200], "split pipelined")


@test
def test_a_refused_request_ends_the_pipeline():
    raw, closed = exchange(get() + b"GET /healthz HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n" + get())
    eq([r[0] for r in responses(raw)], [200, 400], "the request after the refusal is not answered")
    check(closed, "closed after the refusal")


@test
def test_keep_alive_rules():
    cases = [
        (b"GET /healthz HTTP/1.0\r\n\r\n", True),
        (b"GET /healthz HTTP/1.0\r\nConnection: keep-alive\r\n\r\n", False),
        (b"GET /healthz HTTP/1.1\r\n" + HOST + b"\r\n", False),
        (b"GET /healthz HTTP/1.1\r\n" + HOST + b"Connection: close\r\n\r\n", True),
        (b"GET /healthz HTTP/1.1\r\n" + HOST + b"Connection: Upgrade\r\nUpgrade: h2c\r\n\r\n", True),
    ]
    for req, closes in cases:
        raw, closed = exchange(req, timeout=1.5)
        rs = responses(raw)
        eq(rs[0][0], 200, "%r status" % req[:60])
        eq(closed, closes, "%r closes" % req[:60])
        if closes:
            eq(rs[0][1].get("connection", "").lower(), "close", "%r says close" % req[:60])
    # a 1.0 keep-alive answer says so, and the connection carries another request
    raw, _ = exchange(b"GET /healthz HTTP/1.0\r\nConnection: keep-alive\r\n\r\n"
                      b"GET /healthz HTTP/1.0\r\n\r\n")
    rs = responses(raw)
    eq([r[0] for r in rs], [200, 200], "two 1.0 requests on a keep-alive connection")
    eq(rs[0][1].get("connection", "").lower(), "keep-alive", "1.0 keep-alive answer")
    # bytes after a request that closes the connection are not a request
    raw, closed = exchange(b"GET /healthz HTTP/1.0\r\n\r\n" + SMUGGLED)
    eq([r[0] for r in responses(raw)], [200], "nothing after a closing request is answered")


# --- deadlines ------------------------------------------------------------------------

@test
def test_a_request_must_be_complete_within_the_timeout_of_its_first_byte():
    d = Daemon(DB, {"PB_HTTP_TIMEOUT": "2"})
    try:
        # a head trickled a byte every 0.25 s: each byte resets no idle
        # timer; the request is cut 2 s after its first byte with 408
        head = get(extra=b"X-Slow: " + b"s" * 40 + b"\r\n")
        t0 = time.time()
        j = refused([head[i:i + 1] for i in range(len(head))], 408, "REQUEST_TIMEOUT",
                    "trickled head", port=d.port, pause=0.25, timeout=8, until_answered=True)
        took = time.time() - t0
        check(1.8 <= took <= 4.5, "cut at the deadline (%.2f s)" % took)
        check(j.get("detail"), "a detail")
        # a trickled body the same
        start = (b"POST /v1/children HTTP/1.1\r\n" + HOST + b"Authorization: Bearer " + CW +
                 b"\r\nContent-Type: application/json\r\nContent-Length: 60\r\n\r\n")
        t0 = time.time()
        refused([start] + [b"x"] * 40, 408, "REQUEST_TIMEOUT", "trickled body", port=d.port,
                pause=0.25, timeout=8, until_answered=True)
        took = time.time() - t0
        check(1.8 <= took <= 4.5, "body cut at the deadline (%.2f s)" % took)
        # an idle keep-alive connection is closed after the timeout, silently
        s = socket.create_connection(("127.0.0.1", d.port), timeout=8)
        s.sendall(get())
        time.sleep(0.2)
        first = s.recv(65536)
        eq(responses(first)[0][0], 200, "served")
        t0 = time.time()
        rest = read_to_eof(s)
        took = time.time() - t0
        s.close()
        eq(rest, b"", "nothing written to an idle connection")
        check(1.5 <= took <= 4.5, "idle connection closed after the timeout (%.2f s)" % took)
        eq(d.request("GET", "/healthz")[0], 200, "still serving")
    finally:
        d.stop()


@test
def test_still_serving_after_all_of_the_above():
    eq(D.request("GET", "/healthz")[0], 200, "alive")
    st, _, _, j = D.request("GET", "/v1/children?limit=1", token=CW.decode())
    eq(st, 200, "an authorised read")


run()
