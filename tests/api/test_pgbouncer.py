"""pbd through a real PgBouncer (Debian 12's 1.18) in transaction mode, as
deploy/README.md recommends (issue 19): without PB_DB_POOLER=transaction
it cannot connect (the timeouts sent as startup options are refused) and
/readyz says so; with it, 200 concurrent requests over a pool of 16 client
connections multiplexed onto 3 server connections all answer, every
acknowledged write is there exactly once (no named statement crosses
server connections), and each transaction carries the daemon's statement
and lock timeouts (SET LOCAL, seen in the server's statement log)."""
import os
import re
import shutil
import subprocess
import sys
import tempfile
import threading
import time

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "lib"))
from pbtest import (Daemon, check, eq, free_port, migrated_db, pbd, psql, run, test,  # noqa: E402
                    token)

PG = os.path.abspath(os.environ["PB_TEST_PG"])
PG_PORT = os.environ["PB_TEST_PG_PORT"]
URL = migrated_db("bouncer")
DBNAME = "bouncer"
CW = token(["caseworker"], sub="bouncer-cw")
PGBOUNCER = shutil.which("pgbouncer") or "/usr/sbin/pgbouncer"


class Bouncer:
    """A PgBouncer of its own, in transaction mode, run as the postgres user."""

    def __init__(self):
        self.dir = tempfile.mkdtemp(prefix="pgbouncer-")
        os.chmod(self.dir, 0o777)
        self.port = free_port()
        with open(os.path.join(self.dir, "users.txt"), "w") as f:
            f.write('"postgres" ""\n')
        conf = os.path.join(self.dir, "pgbouncer.ini")
        with open(conf, "w") as f:
            f.write("[databases]\npb = host=%s/sock port=%s dbname=%s user=postgres\n"
                    "[pgbouncer]\nlisten_addr = 127.0.0.1\nlisten_port = %d\n"
                    "unix_socket_dir =\nauth_type = trust\nauth_file = %s/users.txt\n"
                    "pool_mode = transaction\ndefault_pool_size = 3\nmax_client_conn = 100\n"
                    "logfile = %s/pgbouncer.log\npidfile = %s/pgbouncer.pid\n"
                    % (PG, PG_PORT, DBNAME, self.port, self.dir, self.dir, self.dir))
        for name in os.listdir(self.dir):
            os.chmod(os.path.join(self.dir, name), 0o666)
        cmd = [PGBOUNCER, conf]
        if os.geteuid() == 0:    # PgBouncer refuses to run as root
            cmd = ["runuser", "-u", "postgres", "--"] + cmd
        self.proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.STDOUT)
        deadline = time.time() + 10
        while time.time() < deadline:
            rc = subprocess.run(["psql", self.url(), "-tAc", "SELECT 1"], capture_output=True)
            if rc.returncode == 0:
                return
            time.sleep(0.1)
        raise AssertionError("pgbouncer did not start: %s" % self.log())

    def url(self):
        return "postgresql://postgres@127.0.0.1:%d/pb" % self.port

    def log(self):
        try:
            return open(os.path.join(self.dir, "pgbouncer.log")).read()[-2000:]
        except OSError:
            return ""

    def stop(self):
        self.proc.terminate()
        self.proc.wait(10)


B = Bouncer()


@test
def test_without_the_pooler_setting_pbd_cannot_connect_and_says_so():
    d = Daemon(B.url())
    try:
        s, h, b, j = d.request("GET", "/readyz")
        eq(s, 503, "readyz through PgBouncer without PB_DB_POOLER")
        s, _, _, j = d.request("POST", "/v1/people", {"given_name": "No", "family_name": "Pool"},
                               token=CW)
        eq((s, j["code"]), (503, "UNAVAILABLE"), "a write: unavailable, not 500")
    finally:
        d.stop()
    check("unsupported startup parameter" in B.log(), "PgBouncer refused the options")


@test
def test_transaction_mode_serves_concurrent_requests_with_the_timeouts():
    admin = URL.replace("///%s?" % DBNAME, "///postgres?")
    psql(admin, "ALTER DATABASE %s SET log_statement = 'all'" % DBNAME)
    log = os.path.join(PG, "postgres.log")
    start = os.path.getsize(log)
    d = Daemon(B.url(), {"PB_DB_POOLER": "transaction", "PB_DB_POOL": "16"})
    try:
        eq(d.request("GET", "/readyz")[0], 200, "ready through PgBouncer")
        results = [None] * 200
        made = []

        def work(i):
            if i % 2 == 0:
                s, _, _, j = d.request("POST", "/v1/people",
                                       {"given_name": "Pool%d" % i, "family_name": "Bouncer"},
                                       token=CW, timeout=30)
                if s == 201:
                    made.append(j["id"])
            else:
                s = d.request("GET", "/v1/people?limit=5", token=CW, timeout=30)[0]
            results[i] = s

        threads = [threading.Thread(target=work, args=(i,)) for i in range(200)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        bad = [(i, s) for i, s in enumerate(results) if s not in (200, 201)]
        eq(bad, [], "every request answered")
        _, n, _ = psql(URL, "SELECT count(*) FROM people WHERE family_name = 'Bouncer'")
        eq((int(n), len(made), len(set(made))), (100, 100, 100), "each write there once")
        psql(URL, "SELECT pg_sleep(0.3)")
        with open(log, errors="replace") as f:
            f.seek(start)
            text = f.read()
        check("set_config('statement_timeout'" in text,
              "each transaction sets its timeouts (SET LOCAL)")
        check("execute <unnamed>" in text and re.search(r"execute s\d+", text) is None,
              "unnamed statements only: none prepared by name")
    finally:
        d.stop()
        psql(admin, "ALTER DATABASE %s RESET log_statement" % DBNAME)


@test
def test_a_wrong_pooler_setting_is_refused_at_start():
    p = pbd(["serve"], {"DATABASE_URL": B.url(), "PB_DB_POOLER": "session"})
    check(p.returncode != 0 and "PB_DB_POOLER" in p.stderr, "refused: %r" % p.stderr[-300:])


try:
    run()
finally:
    B.stop()
