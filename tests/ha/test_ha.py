"""Failover on an existing engine (issue 19): pg_auto_failover (Debian 12's
postgresql-15-auto-failover) runs a monitor, a primary and a secondary with
synchronous replication, all on this machine; pbd serves on the multi-host
URL pg_auto_failover gives (target_session_attrs=read-write).  Under a
payment load the primary is killed with SIGKILL (its pg_autoctl keeper and
its postmaster, so nothing restarts it in place); the secondary is promoted
and pbd carries on without a restart.  Then:
  - every answer during the switch was a 201 or a 503 with Retry-After,
    never a 500, and pbd never dropped a connection;
  - every acknowledged payment is present exactly once on the new primary,
    and every key the clients retried converged on one payment;
  - the ledger drift views are empty;
  - the unavailability (last 201 before, first 201 after) is measured.
Run with `make test-ha` (about a minute; not in CI: see deploy/README.md).
"""
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
import uuid

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "faults"))
from faultlib import Pbd, dp_budget, free_port, request, run, test, token  # noqa: E402

PGBIN = "/usr/lib/postgresql/15/bin"
PG_AUTOCTL = shutil.which("pg_autoctl") or "/usr/bin/pg_autoctl"
PBD_BIN = os.environ.get("PBD_BIN", "bin/pbd")
FIN = token(["finance"], sub="ha-fin")


def as_postgres(args, **kw):
    env = dict(os.environ, PATH=PGBIN + ":" + os.environ.get("PATH", ""))
    if os.geteuid() == 0:    # PostgreSQL and pg_autoctl refuse root
        args = ["runuser", "-u", "postgres", "--"] + args
    return subprocess.Popen(args, env=env, **kw) if kw.pop("background", False) else \
        subprocess.run(args, env=env, capture_output=True, text=True, **kw)


class Formation:
    """A pg_auto_failover monitor and two nodes in a temporary folder."""

    def __init__(self):
        self.dir = tempfile.mkdtemp(prefix="pbd-ha-")
        os.chmod(self.dir, 0o777)
        self.ports = {"monitor": free_port(), "node_1": free_port(), "node_2": free_port()}
        self.procs = {}
        try:
            self.build()
        except BaseException:
            self.destroy()
            raise

    def build(self):
        mon = self.pgdata("monitor")
        self.check(as_postgres([PG_AUTOCTL, "create", "monitor", "--pgdata", mon, "--pgport",
                                str(self.ports["monitor"]), "--hostname", "localhost",
                                "--auth", "trust", "--no-ssl"]), "create monitor")
        self.keep("monitor", [PG_AUTOCTL, "run", "--pgdata", mon])
        self.wait(lambda: self.psql("monitor", "pg_auto_failover", "SELECT 1") == "1", "monitor")
        # notice a dead node within seconds, not the default 20 s; a bad name is an error
        # (pgautofailover.* settings are the monitor extension's own)
        for guc, v in (("health_check_period", "1000"), ("health_check_timeout", "1000"),
                       ("health_check_max_retries", "1"), ("health_check_retry_delay", "500"),
                       ("node_considered_unhealthy_timeout", "3000"),
                       # promote once the old primary has been unreachable this long (it
                       # cannot be asked to demote: it is dead) instead of the default 30 s
                       ("primary_demote_timeout", "5000")):
            if self.psql("monitor", "pg_auto_failover",
                         "ALTER SYSTEM SET pgautofailover.%s = %s" % (guc, v)) is None:
                raise AssertionError("the monitor refused pgautofailover.%s" % guc)
        self.psql("monitor", "pg_auto_failover", "SELECT pg_reload_conf()")
        self.monitor_uri = ("postgres://autoctl_node@localhost:%d/pg_auto_failover?sslmode=disable"
                            % self.ports["monitor"])
        for node in ("node_1", "node_2"):
            self.keep(node, [PG_AUTOCTL, "create", "postgres", "--pgdata", self.pgdata(node),
                             "--pgport", str(self.ports[node]), "--hostname", "localhost",
                             "--monitor", self.monitor_uri, "--auth", "trust", "--no-ssl",
                             "--dbname", "pb", "--name", node, "--run"])
            want = ("single",) if node == "node_1" else ("secondary",)
            self.wait(lambda n=node, w=want: self.nudge() or self.state(n) in w,
                      "%s %s" % (node, want[0]), 120)
        self.wait(lambda: self.state("node_1") == "primary", "node_1 primary with a standby")

    def pgdata(self, name):
        return os.path.join(self.dir, name)

    def keep(self, name, args):
        log = open(os.path.join(self.dir, name + ".log"), "a")
        self.procs[name] = as_postgres(args, background=True, stdout=log, stderr=subprocess.STDOUT,
                                       start_new_session=True)

    @staticmethod
    def check(p, what):
        if p.returncode != 0:
            raise AssertionError("%s: %s" % (what, p.stderr[-800:]))

    def psql(self, node, db, sql):
        p = as_postgres(["psql", "-h", "localhost", "-p", str(self.ports[node]), "-d", db,
                         "-U", "postgres", "-tAqc", sql])
        return p.stdout.strip() if p.returncode == 0 else None

    def state(self, node):
        return self.psql("monitor", "pg_auto_failover",
                         "SELECT reportedstate FROM pgautofailover.node WHERE nodename = '%s'" % node)

    def nudge(self):
        """A base backup waits for a checkpoint: ask for one now."""
        self.psql("node_1", "pb", "CHECKPOINT")

    @staticmethod
    def wait(cond, what, secs=60):
        deadline = time.time() + secs
        while time.time() < deadline:
            if cond():
                return
            time.sleep(0.5)
        raise AssertionError("timed out waiting for " + what)

    def url(self):
        return ("postgresql://postgres@localhost:%d,localhost:%d/pb?target_session_attrs=read-write"
                "&connect_timeout=2" % (self.ports["node_1"], self.ports["node_2"]))

    def kill_node(self, node):
        """SIGKILL the node's keeper and its postmaster: nothing restarts it in place."""
        with open(os.path.join(self.pgdata(node), "postmaster.pid")) as f:
            postmaster = int(f.readline())
        os.killpg(os.getpgid(self.procs[node].pid), signal.SIGKILL)
        try:
            os.kill(postmaster, signal.SIGKILL)
        except ProcessLookupError:
            pass

    def destroy(self):
        for name, p in self.procs.items():
            try:
                os.killpg(os.getpgid(p.pid), signal.SIGTERM)
            except ProcessLookupError:
                pass
        time.sleep(2)
        keep = os.path.join(os.environ.get("PB_FAULT_BUILD", "build/rel"), "ha-logs")
        os.makedirs(keep, exist_ok=True)
        for name in self.procs:
            log = os.path.join(self.dir, name + ".log")
            if os.path.exists(log):
                shutil.copy(log, os.path.join(keep, name + ".log"))
        for name in self.procs:
            pid_file = os.path.join(self.pgdata(name), "postmaster.pid")
            if os.path.exists(pid_file):
                as_postgres([os.path.join(PGBIN, "pg_ctl"), "-D", self.pgdata(name), "-m",
                             "immediate", "stop"])
        shutil.rmtree(self.dir, ignore_errors=True)


F = Formation()
URL = F.url()
m = subprocess.run([PBD_BIN, "migrate"], capture_output=True, text=True,
                   env=dict(os.environ, DATABASE_URL=URL, PB_JWT_SECRET="x" * 40))
if m.returncode != 0:
    raise SystemExit("migrate failed: " + m.stderr[-800:])
P = Pbd(URL, env={"PB_BANK_KEY": "2a" * 32, "PB_DB_POOL": "6", "PB_DB_TIMEOUT_MS": "2000"},
        log_name="ha")
BUDGET, ELEMENT, PAYEE = dp_budget(P.port)
PATH = "/v1/budgets/%s/payments" % BUDGET
ACKED, ANSWERS, TIMES = {}, [], []
LOCK = threading.Lock()
STOP = threading.Event()


def body(i):
    return {"element_id": ELEMENT, "payee_id": PAYEE, "amount_pence": 100,
            "purpose": "direct_payment", "due_date": "2026-01-15", "description": "ha %d" % i}


def worker(t):
    i = 0
    while not STOP.is_set():
        i += 1
        key = "ha-%d-%d-%s" % (t, i, uuid.uuid4().hex[:8])
        while not STOP.is_set():       # retry the same key, as a careful client does
            sent = time.time()
            try:
                s, h, j = request(P.port, "POST", PATH, body(i), FIN,
                                  headers={"Idempotency-Key": key}, timeout=10)
            except OSError as e:
                with LOCK:
                    ANSWERS.append(("connection", repr(e)))
                time.sleep(0.2)
                continue
            with LOCK:
                ANSWERS.append((s, h.get("retry-after")))
                if s == 201:
                    ACKED.setdefault(key, set()).add(j["id"])
                    TIMES.append((sent, time.time()))
            if s == 201:
                break
            time.sleep(0.2)


@test
def test_the_primary_is_killed_under_load_and_pbd_carries_on():
    threads = [threading.Thread(target=worker, args=(t,)) for t in range(4)]
    for th in threads:
        th.start()
    F.wait(lambda: len(ACKED) >= 50, "load")
    killed_at = time.time()
    F.kill_node("node_1")
    F.wait(lambda: F.state("node_2") in ("wait_primary", "primary"), "node_2 promoted", 90)
    F.wait(lambda: len([t for t in TIMES if t[0] > killed_at]) >= 20, "payments again", 90)
    STOP.set()
    for th in threads:
        th.join(30)
    # from the kill to the first payment acknowledged of a request sent after it
    after = min(done for sent, done in TIMES if sent > killed_at)
    n503 = len([a for a in ANSWERS if a[0] == 503])
    print("unavailable for %.1f s (SIGKILL to the first payment of a request sent after it); "
          "%d payments acknowledged, %d answers 503 meanwhile; answers %s"
          % (after - killed_at, len(ACKED), n503, sorted(set(str(a[0]) for a in ANSWERS))))
    bad = [a for a in ANSWERS if a[0] not in (201, 503) or (a[0] == 503 and a[1] is None)]
    if bad:
        raise AssertionError("answers other than 201 or 503 with Retry-After: %r" % bad[:5])
    two = {k: v for k, v in ACKED.items() if len(v) != 1}
    if two:
        raise AssertionError("a key acknowledged with two payments: %r" % list(two.items())[:3])
    rows = F.psql("node_2", "pb", "SELECT idempotency_key || ' ' || id FROM payments"
                  " WHERE element_id = '%s'" % ELEMENT) or ""
    found = {}
    for line in rows.splitlines():
        k, pid = line.split(" ")
        found.setdefault(k, []).append(pid)
    missing = [k for k, ids in ACKED.items() if found.get(k) != list(ids)]
    if missing:
        raise AssertionError("acknowledged payments not on the new primary once: %r" % missing[:5])
    for view in ("budget_element_totals_drift", "family_view_drift"):
        n = F.psql("node_2", "pb", "SELECT count(*) FROM %s" % view)
        if n != "0":
            raise AssertionError("%s has %s rows" % (view, n))
    s, h, j = request(P.port, "GET", "/readyz")
    if s != 200:
        raise AssertionError("readyz after the failover: %d %r" % (s, j))


def cleanup():
    STOP.set()
    P.stop()
    F.destroy()


run(cleanup)
