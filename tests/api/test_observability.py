"""What a platform team reads (issue 19, observability): each request's log
line names the council (`la`) and, when the caller sent a W3C traceparent,
its trace and parent span; a malformed traceparent is ignored, never an
error; the latency histogram reaches past the 5 s database timeout."""
import json
import os
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "lib"))
from pbtest import Daemon, check, eq, migrated_db, run, test, token  # noqa: E402

URL = migrated_db("observability")
D = Daemon(URL, {"PB_LOG_LEVEL": "info"})
CW = token(["caseworker"], sub="obs-cw", la="E09000007")
TRACE = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"


def request_lines():
    time.sleep(0.3)      # the loop writes held lines once per pass
    out = []
    for ln in open(D.log_path):
        try:
            j = json.loads(ln)
        except ValueError:
            continue
        if j.get("msg") == "request":
            out.append(j)
    return out


@test
def test_the_request_log_names_the_council_and_the_trace():
    eq(D.request("GET", "/v1/children", token=CW, headers={"traceparent": TRACE})[0], 200, "ok")
    eq(D.request("GET", "/v1/children", token=CW,
                 headers={"traceparent": "00-XYZ-bad-01", "X-Request-Id": "obs-bad"})[0], 200,
       "a malformed traceparent is ignored")
    eq(D.request("GET", "/healthz", headers={"X-Request-Id": "obs-anon"})[0], 200, "anonymous")
    lines = request_lines()
    traced = [j for j in lines if j.get("trace_id")]
    eq(len(traced), 1, "one traced request")
    eq((traced[0]["trace_id"], traced[0]["parent_id"], traced[0]["la"], traced[0]["sub"]),
       ("4bf92f3577b34da6a3ce929d0e0e4736", "00f067aa0ba902b7", "E09000007", "obs-cw"),
       "trace, span, council and subject")
    bad = [j for j in lines if j.get("request_id") == "obs-bad"]
    eq((len(bad), "trace_id" in bad[0], bad[0]["la"]), (1, False, "E09000007"), "no trace")
    anon = [j for j in lines if j.get("request_id") == "obs-anon"]
    eq(anon[0]["la"], "", "no council without a token")


def metric(text, name):
    for ln in text.splitlines():
        if ln.startswith(name + " "):
            return float(ln.split()[1])
    return None


@test
def test_metrics_show_the_process_the_database_and_the_slow_buckets():
    eq(D.request("GET", "/v1/children", token=CW)[0], 200, "a database request")
    text = D.request("GET", "/metrics")[2].decode()
    check('le="5"' in text and 'le="10"' in text, "buckets 5 s and 10 s")
    check(metric(text, "process_cpu_seconds_total") is not None, "CPU time")
    for name in ("process_resident_memory_bytes", "process_open_fds", "process_max_fds",
                 "process_start_time_seconds"):
        v = metric(text, name)
        check(v is not None and v > 0, "%s = %r" % (name, v))
    check(metric(text, "pb_db_query_seconds_count") >= 1, "statements counted")
    check(metric(text, "pb_db_query_seconds_sum") > 0, "and timed")
    check(metric(text, "pb_db_pool_wait_seconds_count") is not None, "pool waits exposed")
    check('pb_db_query_errors_total{kind="unavailable"}' in text, "errors by kind")
    start = metric(text, "process_start_time_seconds")
    check(abs(start - time.time()) < 600, "started recently: %r" % start)


run()
