"""Slow clients and a connection flood: while hundreds of slowloris
connections trickle partial headers, others trickle a declared body, and a
flood of connections sits idle, a well-behaved client keeps being served
promptly, pbd's memory (VmRSS) stays bounded, and its file descriptors
return to the baseline once the attackers are gone.

FLOOD (default 3000) idle connections, SLOW (default 300) partial-header
and SLOW partial-body connections; the flood also runs once more against a
pbd whose descriptor limit (RLIMIT_NOFILE 1024) is below the flood, where
the connection cap and the header timeout must keep room for real clients.
"""
import os
import resource
import socket
import subprocess
import sys
import threading
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from faultlib import Cluster, Pbd, request, run, test, token  # noqa: E402

FLOOD = int(os.environ.get("PB_FAULT_FLOOD", "3000"))
SLOW = int(os.environ.get("PB_FAULT_SLOW", "300"))
ATTACK_S = float(os.environ.get("PB_FAULT_ATTACK_S", "8"))
MAX_LATENCY_S = 1.0
MAX_RSS_GROWTH_KB = 64 * 1024

# the client side needs descriptors for the flood too
soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
resource.setrlimit(resource.RLIMIT_NOFILE, (min(hard, max(soft, FLOOD + 3 * SLOW + 512)), hard))

C = Cluster("slow")
subprocess.run([os.environ.get("PBD_BIN", "bin/pbd"), "migrate"], check=True, capture_output=True,
               env=dict(os.environ, DATABASE_URL=C.url, PB_JWT_SECRET="x" * 40))
CW = token(["caseworker"], sub="fault-slow")


def connect(port):
    s = socket.socket()
    s.settimeout(2)
    s.connect(("127.0.0.1", port))
    return s


class Attack:
    """Opens the attacking connections and keeps trickling bytes until stopped."""

    def __init__(self, port, flood, slow):
        self.port, self.flood, self.slow = port, flood, slow
        self.socks, self.refused, self.stop = [], 0, threading.Event()
        self.thread = threading.Thread(target=self.main)
        self.thread.start()

    def open(self, n, first=b""):
        out = []
        for _ in range(n):
            if self.stop.is_set():
                break
            try:
                s = connect(self.port)
                if first:
                    s.sendall(first)
                out.append(s)
            except OSError:
                self.refused += 1
        return out

    def main(self):
        headers = self.open(self.slow, b"GET /v1/children HTTP/1.1\r\nHost: x\r\n")
        bodies = self.open(self.slow, b"POST /v1/people HTTP/1.1\r\nHost: x\r\n"
                           b"Content-Type: application/json\r\nContent-Length: 60000\r\n"
                           b"Authorization: Bearer " + CW.encode() + b"\r\n\r\n{")
        idle = self.open(self.flood)
        self.socks = headers + bodies + idle
        n = 0
        while not self.stop.wait(0.5):
            n += 1
            for s in headers:
                try:
                    s.send(b"X-Slow-%d: y\r\n" % n)
                except OSError:
                    pass
            for s in bodies:
                try:
                    s.send(b" ")
                except OSError:
                    pass

    def close(self):
        self.stop.set()
        self.thread.join(30)
        for s in self.socks:
            s.close()


def healthy_client(port, seconds):
    """A fresh connection every 100 ms: (latencies, failures)."""
    lat, fail = [], []
    end = time.time() + seconds
    while time.time() < end:
        t0 = time.time()
        try:
            s, h, j = request(port, "GET", "/v1/children?limit=1", tok=CW, timeout=5)
            if s != 200:
                fail.append(s)
            lat.append(time.time() - t0)
        except OSError as e:
            fail.append(repr(e))
        time.sleep(0.1)
    return lat, fail


def scenario(p, flood, slow, what):
    request(p.port, "GET", "/v1/children", tok=CW)
    rss0, fds0 = p.rss_kb(), p.fds()
    a = Attack(p.port, flood, slow)
    time.sleep(1.0)
    lat, fail = healthy_client(p.port, ATTACK_S)
    rss1, fds1 = p.rss_kb(), p.fds()
    a.close()
    deadline = time.time() + 10
    while p.fds() > fds0 + 8 and time.time() < deadline:
        time.sleep(0.2)
    fds2 = p.fds()
    worst = max(lat) if lat else -1
    print("%s: %d attacking connections opened (%d refused); healthy client %d requests, %d failed, "
          "worst %.3fs; VmRSS %d -> %d kB; fds %d -> %d -> %d" % (
              what, len(a.socks), a.refused, len(lat), len(fail), worst, rss0, rss1, fds0, fds1, fds2))
    if p.proc.poll() is not None:
        raise AssertionError("pbd died")
    if fail:
        raise AssertionError("healthy client failed: %r" % fail[:5])
    if worst > MAX_LATENCY_S:
        raise AssertionError("healthy client waited %.2fs" % worst)
    if rss1 - rss0 > MAX_RSS_GROWTH_KB:
        raise AssertionError("VmRSS grew by %d kB" % (rss1 - rss0))
    if fds2 > fds0 + 8:
        raise AssertionError("descriptors not released: %d -> %d" % (fds0, fds2))


@test
def test_slowloris_and_flood_do_not_starve_clients():
    p = Pbd(C.url, log_name="slow")
    try:
        scenario(p, FLOOD, SLOW, "default limits")
    finally:
        p.stop()


@test
def test_flood_beyond_descriptor_limit():
    """pbd with 1024 descriptors and a flood bigger than that."""
    def limit():
        resource.setrlimit(resource.RLIMIT_NOFILE, (1024, 1024))
    orig = subprocess.Popen

    class Limited(orig):
        def __init__(self, *a, **kw):
            kw.setdefault("preexec_fn", limit)
            super().__init__(*a, **kw)
    subprocess.Popen = Limited
    try:
        p = Pbd(C.url, env={"PB_MAX_CONNECTIONS": "900"}, log_name="slowfd")
    finally:
        subprocess.Popen = orig
    try:
        scenario(p, 1500, 100, "RLIMIT_NOFILE 1024")
    finally:
        p.stop()


def cleanup():
    C.destroy()


run(cleanup)
