"""Stop PostgreSQL under load: pbd answers 503 UNAVAILABLE quickly (no hang,
no crash), /readyz says 503, /healthz stays 200, and once the database is
back every request succeeds again within 5 s, without restarting pbd."""
import os
import subprocess
import sys
import threading
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from faultlib import Cluster, Pbd, request, run, test, token  # noqa: E402

C = Cluster("pgdown")
subprocess.run([os.environ.get("PBD_BIN", "bin/pbd"), "migrate"], check=True, capture_output=True,
               env=dict(os.environ, DATABASE_URL=C.url, PB_JWT_SECRET="x" * 40))
P = Pbd(C.url, env={"PB_DB_TIMEOUT_MS": "1000"}, log_name="pgdown")
CW = token(["caseworker"], sub="fault-pg")
MAX_503_S = 2.5          # one pool wait (1 s) plus a connect attempt, with slack
RECOVER_S = 5.0
LOG = []                 # (t_sent, t_answered, status, code)
LOCK = threading.Lock()
STOP = threading.Event()


def load():
    while not STOP.is_set():
        t0 = time.time()
        try:
            s, h, j = request(P.port, "GET", "/v1/children?limit=5", tok=CW, timeout=15)
            code = (j or {}).get("code")
        except OSError as e:
            s, code = -1, str(e)
        with LOCK:
            LOG.append((t0, time.time(), s, code))
        time.sleep(0.02)


@test
def test_database_outage_and_recovery():
    threads = [threading.Thread(target=load) for _ in range(4)]
    for th in threads:
        th.start()
    time.sleep(1.0)
    t_stop = time.time()
    r = C.stop_fast()
    if r.returncode != 0:
        raise AssertionError("pg_ctl stop: " + r.stderr)
    time.sleep(4.0)
    ready = request(P.port, "GET", "/readyz", timeout=10)[0]
    health = request(P.port, "GET", "/healthz", timeout=10)[0]
    t_start = time.time()
    r = C.start()
    if r.returncode != 0:
        raise AssertionError("pg_ctl start: " + r.stderr)
    t_back = time.time()
    deadline = t_back + RECOVER_S + 5
    while time.time() < deadline:
        with LOCK:
            ok_after = [x for x in LOG if x[0] > t_back and x[2] == 200]
        if len(ok_after) >= 20:
            break
        time.sleep(0.1)
    STOP.set()
    for th in threads:
        th.join(20)
    if P.proc.poll() is not None:
        raise AssertionError("pbd died: exit %s" % P.proc.returncode)
    during = [x for x in LOG if t_stop + 0.2 < x[0] < t_start]
    bad = [x for x in during if x[2] not in (503,)]
    slow = max((x[1] - x[0] for x in during), default=0)
    first_ok = min((x[1] for x in LOG if x[0] >= t_back and x[2] == 200), default=None)
    late_fail = [x for x in LOG if first_ok and x[0] > first_ok and x[2] != 200]
    print("outage: %d requests answered, statuses %s, slowest %.2fs; /readyz %d, /healthz %d; "
          "first 200 %.2fs after PostgreSQL was back" % (
              len(during), sorted({x[2] for x in during}), slow, ready, health,
              (first_ok - t_back) if first_ok else -1))
    if not during:
        raise AssertionError("no request was answered during the outage")
    if bad:
        raise AssertionError("answers other than 503 during the outage: %r" % bad[:5])
    if any(x[3] != "UNAVAILABLE" for x in during):
        raise AssertionError("503 without code UNAVAILABLE: %r" % during[:3])
    if slow > MAX_503_S:
        raise AssertionError("a 503 took %.2fs (> %.1fs)" % (slow, MAX_503_S))
    if (ready, health) != (503, 200):
        raise AssertionError("/readyz %d /healthz %d during the outage" % (ready, health))
    if first_ok is None or first_ok - t_back > RECOVER_S:
        raise AssertionError("not recovered within %.0fs of PostgreSQL returning" % RECOVER_S)
    if late_fail:
        raise AssertionError("failures after recovery: %r" % late_fail[:5])
    if request(P.port, "GET", "/readyz")[0] != 200:
        raise AssertionError("/readyz not 200 after recovery")


def cleanup():
    P.stop()
    C.destroy()


run(cleanup)
