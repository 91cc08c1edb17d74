"""Memory cannot be pinned through the HTTP layer.  Under evhttp, 200
connections declaring 1 MiB bodies took pbd from 79 to 220 MB, and a
request trickled a byte at a time stayed open past PB_HTTP_TIMEOUT.  Here,
at once against one pbd:

- BODIES (default 1,000) connections declare a 1 MiB body with a valid
  token and send part of it: each is answered 413 from its head alone;
- BODIES more declare a 60,000-byte body without a token: 401 from the head;
- HEADS (default 1,000) connections trickle a request head a few bytes at a
  time: each is cut with 408 PB_HTTP_TIMEOUT (3 s here) after its first byte;
- AUTHED (default 200) connections with a valid token send half of a
  60,000-byte body and stall (the worst an authenticated caller can pin:
  its body up to the 64 KiB limit, until the deadline).

Meanwhile a healthy client's /healthz must answer within 1 s, pbd's VmRSS
must grow by at most 32 MB, every attacker must have been answered or cut,
and the descriptors must come back.
"""
import os
import re
import resource
import socket
import subprocess
import sys
import threading
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from faultlib import Cluster, Pbd, request, run, test, token  # noqa: E402

BODIES = int(os.environ.get("PB_FAULT_BODIES", "1000"))
HEADS = int(os.environ.get("PB_FAULT_HEADS", "1000"))
AUTHED = int(os.environ.get("PB_FAULT_AUTHED", "200"))
TIMEOUT_S = 3
MAX_RSS_GROWTH_KB = 32 * 1024
MAX_LATENCY_S = 1.0

soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
resource.setrlimit(resource.RLIMIT_NOFILE,
                   (min(hard, max(soft, 2 * BODIES + HEADS + AUTHED + 512)), hard))

C = Cluster("httpmem")
subprocess.run([os.environ.get("PBD_BIN", "bin/pbd"), "migrate"], check=True, capture_output=True,
               env=dict(os.environ, DATABASE_URL=C.url, PB_JWT_SECRET="x" * 40))
CW = token(["caseworker"], sub="fault-httpmem").encode()


def connect(port):
    s = socket.socket()
    s.settimeout(5)
    s.connect(("127.0.0.1", port))
    return s


def status_read(s, wait):
    """The status of the first answer on s within `wait` seconds, or None."""
    s.settimeout(wait)
    try:
        got = s.recv(256)
    except OSError:
        return None
    m = re.match(rb"HTTP/1\.1 (\d{3}) ", got)
    return int(m.group(1)) if m else None


class Attackers:
    def __init__(self, port):
        self.port = port
        self.big, self.noauth, self.heads, self.authed = [], [], [], []
        self.stop = threading.Event()

    def open_all(self):
        self.t0 = time.time()
        for _ in range(BODIES):
            s = connect(self.port)
            s.sendall(b"POST /v1/children HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer " + CW +
                      b"\r\nContent-Type: application/json\r\nContent-Length: 1048576\r\n\r\n" +
                      b"{" * 16384)
            self.big.append(s)
        for _ in range(BODIES):
            s = connect(self.port)
            s.sendall(b"POST /v1/children HTTP/1.1\r\nHost: x\r\n"
                      b"Content-Type: application/json\r\nContent-Length: 60000\r\n\r\n")
            self.noauth.append(s)
        for _ in range(AUTHED):
            s = connect(self.port)
            s.sendall(b"POST /v1/children HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer " + CW +
                      b"\r\nContent-Type: application/json\r\nContent-Length: 60000\r\n\r\n" +
                      b" " * 30000)
            self.authed.append(s)
        self.t_heads = time.time()
        for _ in range(HEADS):
            s = connect(self.port)
            s.sendall(b"GET /v1/children HTTP/1.1\r\n")
            self.heads.append(s)

    def trickle(self):
        n = 0
        while not self.stop.wait(0.3):
            n += 1
            for s in self.heads:
                try:
                    s.send(b"X-%d: y\r\n" % n)
                except OSError:
                    pass

    def close(self):
        for s in self.big + self.noauth + self.heads + self.authed:
            s.close()


def healthy(port, seconds, lat, fail):
    end = time.time() + seconds
    while time.time() < end:
        t0 = time.time()
        try:
            st = request(port, "GET", "/healthz", timeout=5)[0]
            if st != 200:
                fail.append(st)
            lat.append(time.time() - t0)
        except OSError as e:
            fail.append(repr(e))
        time.sleep(0.1)


@test
def test_bodies_and_trickled_heads_pin_no_memory():
    p = Pbd(C.url, env={"PB_HTTP_TIMEOUT": str(TIMEOUT_S)}, log_name="httpmem")
    try:
        for _ in range(50):
            request(p.port, "GET", "/v1/children", tok=CW.decode())
        rss0, fds0 = p.rss_kb(), p.fds()
        a = Attackers(p.port)
        lat, fail = [], []
        probe = threading.Thread(target=healthy, args=(p.port, TIMEOUT_S + 3, lat, fail))
        probe.start()
        a.open_all()
        opened = time.time()
        trickler = threading.Thread(target=a.trickle)
        trickler.start()
        # peak: everything is open; sample VmRSS until the deadline passes
        peak = rss0
        while time.time() < a.t_heads + TIMEOUT_S - 0.3:
            peak = max(peak, p.rss_kb())
            time.sleep(0.1)
        big = [status_read(s, 2) for s in a.big[:100]]
        noauth = [status_read(s, 2) for s in a.noauth[:100]]
        # the trickled heads are cut at the deadline from their first byte
        time.sleep(max(0, a.t_heads + TIMEOUT_S + 1.5 - time.time()))
        peak = max(peak, p.rss_kb())
        heads = [status_read(s, 3) for s in a.heads[:100]]
        authed = [status_read(s, 3) for s in a.authed[:50]]
        a.stop.set()
        trickler.join(10)
        probe.join(30)
        a.close()
        deadline = time.time() + 10
        while p.fds() > fds0 + 8 and time.time() < deadline:
            time.sleep(0.2)
        fds2 = p.fds()
        worst = max(lat) if lat else -1
        print("opened %d + %d declared bodies, %d trickled heads, %d authenticated half-bodies in "
              "%.1f s; VmRSS %d -> peak %d kB (+%d kB); healthy /healthz %d requests, %d failed, "
              "worst %.3f s; fds %d -> %d" % (
                  len(a.big), len(a.noauth), len(a.heads), len(a.authed), opened - a.t0, rss0, peak, peak - rss0,
                  len(lat), len(fail), worst, fds0, fds2))
        if p.proc.poll() is not None:
            raise AssertionError("pbd died")
        if big and set(big) != {413}:
            raise AssertionError("1 MiB declared: %r" % sorted(set(big), key=str))
        if noauth and set(noauth) != {401}:
            raise AssertionError("no token: %r" % sorted(set(noauth), key=str))
        if heads and set(heads) != {408}:
            raise AssertionError("trickled heads: %r" % sorted(set(heads), key=str))
        if authed and set(authed) != {408}:
            raise AssertionError("stalled authenticated bodies: %r" % sorted(set(authed), key=str))
        if fail:
            raise AssertionError("healthy client failed: %r" % fail[:5])
        if worst > MAX_LATENCY_S:
            raise AssertionError("healthy client waited %.2f s" % worst)
        if peak - rss0 > MAX_RSS_GROWTH_KB:
            raise AssertionError("VmRSS grew by %d kB" % (peak - rss0))
        if fds2 > fds0 + 8:
            raise AssertionError("descriptors not released: %d -> %d" % (fds0, fds2))
    finally:
        p.stop()


def cleanup():
    C.destroy()


run(cleanup)
