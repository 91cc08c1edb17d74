"""The shared read connection (internal/db/pipe.c) against the real
PostgreSQL: tests/helpers/db_pipe_check runs hundreds of fibers on a libevent
loop, as pbd's loop threads do, and checks that every pipelined read is
answered to the task that sent it, that a failed read (an error, a statement
timeout) fails alone, that reads in flight on a connection the server ends
answer unavailable and the next read opens a fresh one, and that off a loop
thread a reader handle is an ordinary pool connection."""
import os
import subprocess
import sys

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "lib"))
from pbtest import check, eq, migrated_db, run, test  # noqa: E402

URL = migrated_db("db_pipe")
HELPER = os.path.join(os.environ.get("PB_TEST_BUILD", "build/rel"), "helpers", "db_pipe_check")


def helper(check_name, want):
    check(os.access(HELPER, os.X_OK), "helper %s built (make unit)" % HELPER)
    p = subprocess.run([HELPER, URL, check_name], capture_output=True, text=True, timeout=120)
    lines = [l for l in p.stdout.splitlines() if l.startswith(("PASS", "FAIL"))]
    eq([l for l in lines if l.startswith("FAIL")], [], "failed checks")
    eq(sorted(l[5:] for l in lines), sorted(want), "checks run")
    eq(p.returncode, 0, "exit code (stderr tail %r)" % p.stderr[-400:])


@test
def test_pipelined_reads_answer_their_senders_and_fail_alone():
    helper("isolation", ["every read answered to its sender",
                         "failed reads fail alone with their own SQLSTATE",
                         "the reads shared one connection",
                         "a reader handle refuses a transaction"])


@test
def test_lost_shared_connection_fails_in_flight_reads_then_heals():
    helper("loss", ["reads in flight on a lost connection answer unavailable",
                    "the next read opens a fresh connection"])


@test
def test_reader_off_a_loop_thread_is_a_pool_connection():
    helper("fallback", ["off a loop thread a reader is a pool connection"])


run()
