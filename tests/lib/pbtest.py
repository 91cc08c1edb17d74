"""pbtest — the small harness behind the integration and API tests.

Standard library only.  A suite registers functions with @test, calls
run() at the end, and prints one line per test then "N passed, N failed".
Fixtures: a fresh database per suite (created in the throwaway cluster that
tests/run.sh started), the real bin/pbd started on a free port, an HTTP
client, and a JWT minter that can also forge every attack the auth tests
need.
"""
import base64
import hashlib
import hmac
import http.client
import json
import os
import socket
import subprocess
import sys
import time
import traceback
import uuid

_TESTS = []
SECRET = "test-secret-that-is-at-least-32-bytes-long!"
ISS = "pb-dev"
AUD = "personal-budgets"
LA = "E09000007"
OTHER_LA = "E08000025"


def test(fn):
    _TESTS.append(fn)
    return fn


def run():
    passed = failed = 0
    only = os.environ.get("PB_TEST_ONLY")
    for fn in _TESTS:
        if only and only not in fn.__name__:
            continue
        try:
            fn()
            passed += 1
            print("ok   %s" % fn.__name__, flush=True)
        except Exception as e:  # noqa: BLE001 - report every failure
            failed += 1
            print("FAIL %s: %s" % (fn.__name__, e), flush=True)
            traceback.print_exc(file=sys.stdout)
    for d in list(_DAEMONS):
        rc = d.stop()
        # under valgrind (make valgrind) a memory error or leak makes pbd
        # exit 99 at shutdown: that is a failure of the suite
        if os.environ.get("PB_TEST_STRICT_EXIT") and rc != 0:
            failed += 1
            print("FAIL daemon on port %d exited %s (see %s)" % (d.port, rc, d.log_path), flush=True)
    print("%d passed, %d failed" % (passed, failed))
    sys.exit(1 if failed else 0)


def check(cond, msg="check failed"):
    if not cond:
        raise AssertionError(msg)


def eq(got, want, what=""):
    if got != want:
        raise AssertionError("%s: got %r, want %r" % (what, got, want))


# --- database ---------------------------------------------------------------

def pg_url(db):
    pg = os.environ["PB_TEST_PG"]
    port = os.environ["PB_TEST_PG_PORT"]
    return "postgresql:///%s?host=%s/sock&port=%s&user=postgres" % (db, os.path.abspath(pg), port)


def psql(url, sql, check_rc=True):
    """Run SQL with psql; returns (rc, stdout, stderr)."""
    p = subprocess.run(["psql", url, "-v", "ON_ERROR_STOP=1", "-tAqc", sql],
                       capture_output=True, text=True)
    if check_rc and p.returncode != 0:
        raise AssertionError("psql failed: %s" % p.stderr.strip())
    return p.returncode, p.stdout.strip(), p.stderr.strip()


def fresh_db(name):
    """Create an empty database for this suite; returns its URL."""
    admin = pg_url("postgres")
    psql(admin, 'DROP DATABASE IF EXISTS "%s"' % name)
    psql(admin, 'CREATE DATABASE "%s"' % name)
    return pg_url(name)


def pbd_bin():
    return os.environ.get("PBD_BIN", "bin/pbd")


def pbd(args, env=None, check_rc=False):
    e = dict(os.environ)
    e.update({"PB_JWT_SECRET": SECRET})
    e.update(env or {})
    p = subprocess.run([pbd_bin()] + args, capture_output=True, text=True, env=e)
    if check_rc and p.returncode != 0:
        raise AssertionError("pbd %s failed: %s" % (args, p.stderr))
    return p


def migrated_db(name):
    url = fresh_db(name)
    pbd(["migrate"], {"DATABASE_URL": url}, check_rc=True)
    return url


# --- the daemon ---------------------------------------------------------------

_DAEMONS = []


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


class Daemon:
    def __init__(self, db_url, env=None):
        self.port = free_port()
        e = dict(os.environ)
        e.update({"DATABASE_URL": db_url, "PB_JWT_SECRET": SECRET,
                  "PB_LISTEN": "127.0.0.1:%d" % self.port, "PB_THREADS": "2",
                  "PB_DB_POOL": "4", "PB_LOG_LEVEL": "warn",
                  "PB_RATE_LIMIT_RPS": "0"})
        e.update(env or {})
        self.log_path = "/tmp/pbd-test-%d.log" % self.port
        self.log = open(self.log_path, "w")
        wrapper = os.environ.get("PBD_WRAPPER", "").split()
        self.proc = subprocess.Popen(wrapper + [pbd_bin(), "serve"], env=e, stdout=self.log,
                                     stderr=subprocess.STDOUT)
        _DAEMONS.append(self)
        deadline = time.time() + (60 if os.environ.get("PBD_WRAPPER") else 15)
        while time.time() < deadline:
            if self.proc.poll() is not None:
                raise AssertionError("pbd exited: %s" % open(self.log_path).read())
            try:
                if self.request("GET", "/healthz")[0] == 200:
                    return
            except OSError:
                time.sleep(0.05)
        raise AssertionError("pbd did not start")

    def request(self, method, path, body=None, token=None, headers=None, raw=None,
                timeout=10):
        """Returns (status, headers{lower: value}, body_bytes, json_or_None)."""
        c = http.client.HTTPConnection("127.0.0.1", self.port, timeout=timeout)
        h = dict(headers or {})
        data = raw
        if body is not None:
            data = json.dumps(body).encode()
            h.setdefault("Content-Type", "application/json")
        if token is not None:
            h["Authorization"] = "Bearer " + token
        c.request(method, path, body=data, headers=h)
        r = c.getresponse()
        b = r.read()
        hdrs = {k.lower(): v for k, v in r.getheaders()}
        c.close()
        parsed = None
        if b and hdrs.get("content-type", "").startswith(("application/json", "application/problem+json")):
            parsed = json.loads(b)
        return r.status, hdrs, b, parsed

    def stop(self):
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(60 if os.environ.get("PBD_WRAPPER") else 10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self.log.close()
        if self in _DAEMONS:
            _DAEMONS.remove(self)
        return self.proc.returncode


# --- tokens -------------------------------------------------------------------

def b64u(b):
    return base64.urlsafe_b64encode(b).rstrip(b"=").decode()


def jwt(claims, secret=SECRET, alg="HS256", header=None, sign=True):
    h = header or {"alg": alg, "typ": "JWT"}
    head = b64u(json.dumps(h).encode())
    body = b64u(json.dumps(claims).encode())
    msg = (head + "." + body).encode()
    if not sign:
        return head + "." + body + "."
    key = secret.encode() if isinstance(secret, str) else secret
    sig = hmac.new(key, msg, hashlib.sha256).digest()
    return head + "." + body + "." + b64u(sig)


def claims(roles, sub=None, la=LA, person_id=None, ttl=600, **extra):
    now = int(time.time())
    c = {"iss": ISS, "aud": AUD, "sub": sub or ("user-" + "-".join(roles)),
         "la": la, "roles": roles, "iat": now, "exp": now + ttl}
    if person_id:
        c["person_id"] = person_id
    c.update(extra)
    return c


def token(roles, **kw):
    return jwt(claims(roles, **kw))


def new_id():
    return str(uuid.uuid4())


def expect(resp, status, code=None, rule=None, field=None):
    """Check a Daemon.request answer: its status and, for problems, the code,
    the rule id and a field error naming `field`.  Returns the parsed body."""
    s, _, b, j = resp
    if s != status:
        raise AssertionError("got %d, want %d: %s" % (s, status, b[:700]))
    if code:
        eq(j["code"], code, "code")
    if rule:
        eq(j.get("rule"), rule, "rule")
    if field:
        check(any(e["field"] == field for e in j.get("errors", [])),
              "field %s in %r" % (field, j.get("errors")))
    return j
