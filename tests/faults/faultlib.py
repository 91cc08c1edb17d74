"""faultlib — shared pieces of the fault tests (tests/faults/*.py): a private
PostgreSQL cluster per script (so a script may stop it), pbd started on a
fixed loopback port (so it can be killed and restarted on the same port),
/proc readings, and bounded waits.  Python standard library only; loopback
addresses only.

Each script prints "ok"/"FAIL" lines and ends with "N passed, N failed",
like the API suites.
"""
import http.client
import json
import os
import signal
import socket
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.abspath(os.path.join(HERE, "..", ".."))
sys.path.insert(0, os.path.join(ROOT, "tests", "lib"))

BUILD = os.environ.get("PB_FAULT_BUILD", os.path.join(ROOT, "build", "rel"))
PBD = os.environ.get("PBD_BIN", os.path.join(ROOT, "bin", "pbd"))


class Cluster:
    """A throwaway PostgreSQL in build/faults-pg-<pid>-<name>."""

    def __init__(self, name):
        self.dir = os.path.join(BUILD, "faults-pg-%d-%s" % (os.getpid(), name))
        self.port = 40000 + (os.getpid() * 7 + len(name)) % 10000
        subprocess.run(["rm", "-rf", self.dir], check=True)
        p = subprocess.run(["sh", os.path.join(ROOT, "deploy", "local-pg.sh"), "start", self.dir,
                            str(self.port), "pb_fault"], capture_output=True, text=True,
                           env=dict(os.environ, PB_PG_FSYNC="on"))
        if p.returncode != 0:
            raise SystemExit("cannot start PostgreSQL: " + p.stderr)
        self.url = p.stdout.strip()
        # pbtest.psql / pg_url read these
        os.environ["PB_TEST_PG"] = self.dir
        os.environ["PB_TEST_PG_PORT"] = str(self.port)

    def pg_ctl(self, *args):
        pgbin = sorted(d for d in os.listdir("/usr/lib/postgresql"))[-1]
        cmd = ["/usr/lib/postgresql/%s/bin/pg_ctl" % pgbin, "-D", os.path.join(self.dir, "data")] + list(args)
        if os.getuid() == 0:
            cmd = ["runuser", "-u", "postgres", "--"] + cmd
        return subprocess.run(cmd, capture_output=True, text=True)

    def stop_fast(self):
        return self.pg_ctl("stop", "-m", "fast", "-w", "-t", "30")

    def start(self):
        return self.pg_ctl("start", "-w", "-t", "30", "-l", os.path.join(self.dir, "postgres.log"),
                           "-o", "-c listen_addresses='' -k %s/sock -p %d -c max_connections=200"
                           % (self.dir, self.port))

    def destroy(self):
        subprocess.run(["sh", os.path.join(ROOT, "deploy", "local-pg.sh"), "stop", self.dir],
                       capture_output=True)
        subprocess.run(["rm", "-rf", self.dir])

    def sql(self, q):
        p = subprocess.run(["psql", self.url, "-v", "ON_ERROR_STOP=1", "-tAqc", q],
                           capture_output=True, text=True)
        if p.returncode != 0:
            raise AssertionError("psql: " + p.stderr)
        return p.stdout.strip()


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


class Pbd:
    """pbd serve on 127.0.0.1:port; restartable on the same port."""

    def __init__(self, url, port=None, env=None, log_name="pbd"):
        self.url, self.port = url, port or free_port()
        self.env = dict(os.environ)
        self.env.update({"DATABASE_URL": url, "PB_JWT_SECRET": SECRET,
                         "PB_LISTEN": "127.0.0.1:%d" % self.port, "PB_THREADS": "2",
                         "PB_DB_POOL": "4", "PB_LOG_LEVEL": "warn", "PB_RATE_LIMIT_RPS": "0"})
        self.env.update(env or {})
        self.log_path = os.path.join(BUILD, "faults-%s-%d.log" % (log_name, os.getpid()))
        self.proc = None
        self.start()

    def start(self, wait=15):
        log = open(self.log_path, "a")
        self.proc = subprocess.Popen([PBD, "serve"], env=self.env, stdout=log, stderr=subprocess.STDOUT)
        log.close()
        deadline = time.time() + wait
        while time.time() < deadline:
            if self.proc.poll() is not None:
                raise AssertionError("pbd exited %s: %s" % (self.proc.returncode, open(self.log_path).read()[-2000:]))
            try:
                if request(self.port, "GET", "/healthz", timeout=1)[0] == 200:
                    return
            except OSError:
                time.sleep(0.05)
        raise AssertionError("pbd did not start")

    def kill9(self):
        self.proc.send_signal(signal.SIGKILL)
        self.proc.wait(10)

    def stop(self):
        if self.proc and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        return self.proc.returncode

    def rss_kb(self):
        with open("/proc/%d/status" % self.proc.pid) as f:
            for line in f:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1])
        return -1

    def fds(self):
        return len(os.listdir("/proc/%d/fd" % self.proc.pid))


def request(port, method, path, body=None, tok=None, headers=None, timeout=10):
    """(status, headers{lower}, json_or_None); raises OSError on connection trouble."""
    c = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    h = dict(headers or {})
    data = None
    if body is not None:
        data = json.dumps(body).encode()
        h["Content-Type"] = "application/json"
    if tok:
        h["Authorization"] = "Bearer " + tok
    try:
        c.request(method, path, body=data, headers=h)
        r = c.getresponse()
        b = r.read()
        hdrs = {k.lower(): v for k, v in r.getheaders()}
    finally:
        c.close()
    j = None
    if b and hdrs.get("content-type", "").startswith(("application/json", "application/problem+json")):
        j = json.loads(b)
    return r.status, hdrs, j


from pbtest import SECRET, token  # noqa: E402,F401  (after sys.path is set)

_RESULTS = []


def test(fn):
    _RESULTS.append(fn)
    return fn


def run(cleanup=None):
    passed = failed = 0
    for fn in _RESULTS:
        t0 = time.time()
        try:
            fn()
            passed += 1
            print("ok   %s (%.1fs)" % (fn.__name__, time.time() - t0), flush=True)
        except Exception as e:  # noqa: BLE001
            import traceback
            failed += 1
            print("FAIL %s: %s" % (fn.__name__, e), flush=True)
            traceback.print_exc(file=sys.stdout)
    if cleanup:
        cleanup()
    print("%d passed, %d failed" % (passed, failed))
    sys.exit(1 if failed else 0)


def must(resp, status, what):
    if resp[0] != status:
        raise AssertionError("%s: %d %r" % (what, resp[0], resp[2]))
    return resp[2]


def dp_budget(port):
    """An approved budget with one £100,000 direct payment, made over HTTP on pbd at
    port: (budget id, element id, payee id)."""
    CW = token(["caseworker"], sub="fault-cw")
    AP = token(["approver"], sub="fault-ap")
    post = lambda path, body, tok=CW: must(request(port, "POST", path, body, tok), 201, path)  # noqa: E731
    person = post("/v1/people", {"given_name": "Pat", "family_name": "Load"})["id"]
    child = post("/v1/children", {"given_name": "Kim", "family_name": "Load", "date_of_birth": "2014-05-01"})["id"]
    post("/v1/children/%s/contacts" % child, {"person_id": person, "relationship": "parent",
                                              "has_parental_responsibility": True, "lives_with_child": True})
    plan = post("/v1/children/%s/plans" % child, {"status": "issued", "issued_on": "2025-09-01",
                                                  "next_review_due": "2026-08-31"})["id"]
    payee = post("/v1/payees", {"kind": "individual", "name": "Pat Load", "person_id": person,
                                "is_local_authority": False})["id"]
    b = post("/v1/budgets", {"child_id": child, "plan_id": plan, "period_start": "2025-09-01",
                             "period_end": "2026-08-31", "elements": [{
                                 "stream": "education", "service_type": "transport",
                                 "arrangement": "direct_payment", "allocated_pence": 10000000,
                                 "recipient_person_id": person, "payee_id": payee,
                                 "agreement": {"agreed_provision": "Taxi", "outcomes": ["School"],
                                               "signed_on": "2025-09-01", "school_premises": False}}]})
    must(request(port, "POST", "/v1/budgets/%s/approve" % b["id"], {}, AP), 200, "approve")
    return b["id"], b["elements"][0]["id"], payee
