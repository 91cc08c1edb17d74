"""Reads that tolerate staleness on a real streaming replica (issue 19).

A primary of this suite's own, a standby made from it with
`pg_basebackup -R` and streaming from it, and pbd with DATABASE_URL on the
primary and PB_DATABASE_READ_URL on the standby (PB_READ_MAX_LAG_MS=400):
lists and the family's view are answered by the standby while it is
current; with replay paused (`pg_wal_replay_pause()`) and the primary
moving on, they go to the primary once the lag passes the bound, so a
reader never sees data older than that; resumed, they come back; with the
standby stopped, every read still answers 200 from the primary; writes
never go to the standby.  /metrics shows the lag and where reads went."""
import glob
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "lib"))
from pbtest import Daemon, check, eq, free_port, pbd, psql, run, test, token  # noqa: E402

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "lib"))
import world  # noqa: E402
from world import World  # noqa: E402

HERE = os.path.dirname(os.path.abspath(__file__))
LOCAL_PG = os.path.join(HERE, "..", "..", "deploy", "local-pg.sh")
PGBIN = sorted(glob.glob("/usr/lib/postgresql/*/bin"))[-1]
MAX_LAG_MS = 400
CW = token(["caseworker"], sub="replica-cw")


def as_pg(cmd):
    return (["runuser", "-u", "postgres", "--"] if os.geteuid() == 0 else []) + cmd


def sh(cmd, what):
    p = subprocess.run(cmd, capture_output=True, text=True)
    if p.returncode != 0:
        raise AssertionError("%s failed: %s %s" % (what, p.stdout[-500:], p.stderr[-1500:]))
    return p.stdout.strip()


class Cluster:
    """The primary (deploy/local-pg.sh) and a standby streaming from it."""

    def __init__(self):
        self.dir = tempfile.mkdtemp(prefix="pb-replica-")
        os.chmod(self.dir, 0o755)
        self.pport, self.rport = free_port(), free_port()
        env = dict(os.environ, PB_PG_FSYNC="off")
        self.primary = subprocess.run(["sh", LOCAL_PG, "start", self.dir + "/primary",
                                       str(self.pport), "pb_replica"], capture_output=True,
                                      text=True, env=env, check=True).stdout.strip()
        pbd(["migrate"], {"DATABASE_URL": self.primary}, check_rc=True)
        self.rdir = self.dir + "/standby"
        os.makedirs(self.rdir + "/sock")
        if os.geteuid() == 0:
            shutil.chown(self.rdir, "postgres", "postgres")
            shutil.chown(self.rdir + "/sock", "postgres", "postgres")
            os.chmod(self.rdir, 0o700)
        sh(as_pg([PGBIN + "/pg_basebackup", "-h", self.dir + "/primary/sock", "-p",
                  str(self.pport), "-U", "postgres", "-D", self.rdir + "/data", "-R",
                  "-X", "stream", "-c", "fast"]), "pg_basebackup")
        self.start_standby()
        self.standby = "postgresql:///pb_replica?host=%s/sock&port=%d&user=postgres" % (
            self.rdir, self.rport)
        self.wait_streaming()

    def start_standby(self):
        sh(as_pg([PGBIN + "/pg_ctl", "-D", self.rdir + "/data", "-l", self.rdir + "/pg.log",
                  "-w", "-t", "30", "-o", "-c listen_addresses='' -k %s/sock -p %d "
                  "-c fsync=off -c max_connections=200 -c hot_standby_feedback=on" % (self.rdir, self.rport),
                  "start"]), "start the standby")

    def stop_standby(self):
        sh(as_pg([PGBIN + "/pg_ctl", "-D", self.rdir + "/data", "-m", "fast", "-w", "stop"]),
           "stop the standby")

    def wait_streaming(self):
        deadline = time.time() + 20
        while time.time() < deadline:
            rc, out, _ = psql(self.primary, "SELECT count(*) FROM pg_stat_replication "
                              "WHERE state = 'streaming'", check_rc=False)
            if rc == 0 and out == "1":
                return
            time.sleep(0.1)
        raise AssertionError("the standby never streamed: %s" % open(self.rdir + "/pg.log").read())

    def caught_up(self):
        """Wait until the standby has replayed everything the primary wrote."""
        lsn = psql(self.primary, "SELECT pg_current_wal_lsn()")[1]
        deadline = time.time() + 20
        while time.time() < deadline:
            out = psql(self.standby, "SELECT pg_last_wal_replay_lsn() >= '%s'" % lsn,
                       check_rc=False)[1]
            if out == "t":
                return
            time.sleep(0.05)
        raise AssertionError("the standby did not catch up")

    def close(self):
        subprocess.run(as_pg([PGBIN + "/pg_ctl", "-D", self.rdir + "/data", "-m", "immediate",
                              "stop"]), capture_output=True)
        subprocess.run(["sh", LOCAL_PG, "stop", self.dir + "/primary"], capture_output=True)
        shutil.rmtree(self.dir, ignore_errors=True)


C = Cluster()
D = Daemon(C.primary, {"PB_DATABASE_READ_URL": C.standby, "PB_READ_MAX_LAG_MS": str(MAX_LAG_MS),
                       "PB_BANK_KEY": "1e" * 32})
world.bind(D, C.primary)


def metrics():
    s, _, b, _ = D.request("GET", "/metrics")
    eq(s, 200, "metrics")
    text = b.decode()
    out = {}
    for name in ("pb_db_replica_up", "pb_db_replica_lag_seconds", "pb_db_replica_connections"):
        m = re.search(r"^%s (\S+)$" % name, text, re.M)
        out[name] = float(m.group(1)) if m else None
    for target in ("replica", "primary"):
        m = re.search(r'^pb_db_stale_reads_total\{target="%s"\} (\d+)$' % target, text, re.M)
        out[target] = int(m.group(1)) if m else None
    return out


def new_child(name):
    s, _, b, j = D.request("POST", "/v1/children", {"given_name": name, "family_name": "Replica",
                                                   "date_of_birth": "2015-03-01"}, token=CW)
    eq(s, 201, "create a child on the primary (%r)" % b[:200])
    return j["id"]


def list_names():
    names, cursor = set(), None
    while True:
        path = "/v1/children?limit=100" + ("&cursor=" + cursor if cursor else "")
        s, _, b, j = D.request("GET", path, token=CW)
        eq(s, 200, "GET /v1/children (%r)" % b[:200])
        names.update(c["given_name"] for c in j["items"])
        cursor = j.get("next_cursor")
        if not cursor:
            return names


def until(cond, seconds, what):
    deadline = time.time() + seconds
    while time.time() < deadline:
        if cond():
            return
        time.sleep(0.05)
    raise AssertionError("not within %s s: %s" % (seconds, what))


def on_standby_directly(name):
    return psql(C.standby, "SELECT count(*) FROM children WHERE given_name = '%s'" % name)[1]


@test
def test_a_current_standby_answers_the_lists():
    new_child("Streamed")
    C.caught_up()
    until(lambda: list_names() and (metrics()["pb_db_replica_up"] or 0) == 1, 5,
          "the lag probe (started by reads) reports the standby up")
    before = metrics()
    for _ in range(20):
        check("Streamed" in list_names(), "a child written on the primary is listed")
    after = metrics()
    check(after["replica"] - before["replica"] >= 15,
          "most of 20 lists were answered by the standby: %r → %r" % (before, after))
    check(after["pb_db_replica_lag_seconds"] is not None and
          after["pb_db_replica_lag_seconds"] <= MAX_LAG_MS / 1000.0,
          "the measured lag is within the bound: %r" % after)
    check(after["pb_db_replica_connections"] >= 1, "connections open to the standby")


@test
def test_writes_go_to_the_primary_while_reads_use_the_standby():
    for i in range(10):
        new_child("Write%d" % i)   # a write on the standby would be 503 (read-only)
    eq(psql(C.primary, "SELECT count(*) FROM children WHERE given_name LIKE 'Write%'")[1], "10",
       "every write on the primary")


@test
def test_paused_replay_sends_the_lists_to_the_primary_within_the_bound():
    C.caught_up()
    psql(C.standby, "SELECT pg_wal_replay_pause()")
    try:
        until(lambda: psql(C.standby, "SELECT pg_get_wal_replay_pause_state()")[1] == "paused",
              5, "replay paused")
        new_child("WhilePaused")
        eq(on_standby_directly("WhilePaused"), "0", "the paused standby lacks the new child")
        written = time.time()
        # within the bound a list may still come from the standby (without
        # the child); past it, never
        last_stale = written
        while time.time() < written + (MAX_LAG_MS + 500) / 1000.0:
            if "WhilePaused" not in list_names():
                last_stale = time.time()
            time.sleep(0.005)
        stale_ms = (last_stale - written) * 1000
        print("with replay paused, the last list without the new child came %.0f ms after "
              "the write (bound %d ms)" % (stale_ms, MAX_LAG_MS))
        check(stale_ms <= MAX_LAG_MS + 200, "stale for %.0f ms, past the bound" % stale_ms)
        before = metrics()
        for _ in range(20):
            check("WhilePaused" in list_names(),
                  "%.2f s after the write a list shows it" % (time.time() - written))
        after = metrics()
        check(after["primary"] - before["primary"] >= 20,
              "the lists went to the primary: %r → %r" % (before, after))
        check(after["pb_db_replica_lag_seconds"] is None or
              after["pb_db_replica_lag_seconds"] > MAX_LAG_MS / 1000.0,
              "the measured lag is past the bound: %r" % after)
    finally:
        psql(C.standby, "SELECT pg_wal_replay_resume()")
    C.caught_up()
    eq(on_standby_directly("WhilePaused"), "1", "replay resumed")

    until(lambda: answered_by_standby(list_names), 5,
          "the lists come back to the standby once it caught up")


def answered_by_standby(read):
    """Whether read() (a request that must answer 200) was served by the
    standby; each loop thread measures the lag itself, so the first reads
    on a thread go to the primary while its probe runs."""
    before = metrics()["replica"]
    read()
    return metrics()["replica"] > before


@test
def test_the_familys_view_reads_from_the_standby():
    w = World()
    C.caught_up()

    def budgets():
        s, _, b, _ = D.request("GET", "/v1/me/budgets", token=w.fam)
        eq(s, 200, "the family's budgets (%r)" % b[:200])
        check(w.budget in b.decode(), "the family sees its budget")

    def payments():
        eq(D.request("GET", "/v1/me/payments", token=w.fam)[0], 200, "the family's payments")
    until(lambda: answered_by_standby(budgets), 5, "the family's budgets from the standby")
    until(lambda: answered_by_standby(payments), 5, "the family's payments from the standby")


@test
def test_a_stopped_standby_leaves_every_read_answered_by_the_primary():
    C.stop_standby()
    try:
        new_child("AfterStop")
        bad = []
        for _ in range(30):
            s = D.request("GET", "/v1/children?limit=5", token=CW)[0]
            if s != 200:
                bad.append(s)
        # the first read may meet the closed connection; none after it
        check(len(bad) <= 1, "reads with the standby down: %r" % bad)
        check("AfterStop" in list_names(), "fresh data from the primary")
        until(lambda: list_names() and metrics()["pb_db_replica_up"] == 0, 5,
          "metrics say the standby is down")
        eq(D.request("POST", "/v1/people", {"given_name": "Still", "family_name": "Writing"},
                     token=CW)[0], 201, "writes unaffected")
    finally:
        C.start_standby()
    C.wait_streaming()
    C.caught_up()
    # the probe backs off 1 s, 2 s, 4 s… while the standby is down
    until(lambda: list_names() and metrics()["pb_db_replica_up"] == 1, 40,
          "the standby is found again")

    until(lambda: answered_by_standby(list_names), 5, "reads come back to the standby")


@test
def test_a_bad_lag_bound_refuses_to_start():
    p = pbd(["serve"], {"DATABASE_URL": C.primary, "PB_DATABASE_READ_URL": C.standby,
                        "PB_READ_MAX_LAG_MS": "soon", "PB_LISTEN": "127.0.0.1:%d" % free_port()})
    check(p.returncode != 0, "PB_READ_MAX_LAG_MS=soon: exit %d" % p.returncode)
    check("PB_READ_MAX_LAG_MS" in p.stderr, "the message names the variable: %r" % p.stderr)


@test
def test_without_a_read_url_there_is_no_replica_metric():
    d = Daemon(C.primary)
    try:
        eq(d.request("GET", "/v1/children?limit=1", token=CW)[0], 200, "a list")
        text = d.request("GET", "/metrics")[2].decode()
        check("pb_db_replica_up" not in text and "pb_db_stale_reads_total" not in text,
              "no replica series without PB_DATABASE_READ_URL")
    finally:
        d.stop()


try:
    run()
finally:
    D.stop()
    C.close()
