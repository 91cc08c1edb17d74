"""cdp — drive headless Chromium over the DevTools protocol, standard library only.

Chromium is started with --remote-debugging-pipe: it reads commands on fd 3 and writes
answers and events on fd 4, each a JSON message ended by a NUL byte (what Puppeteer's
`pipe: true` uses).  No WebSocket, no port, no third-party module: the interpreter the
suites run under (not always Debian's, so no python3-websocket) is enough.

    b = Browser()                       # a fresh profile, headless
    page = b.new_page()                 # a tab, attached with flatten sessions
    page.call("Page.navigate", url=...) # any CDP method; returns its result
    page.eval("document.title")         # Runtime.evaluate by value (awaits promises)
    b.close()
Events are kept per session in page.events (method, params) for the caller to read.
"""
import json
import os
import shutil
import subprocess
import tempfile
import time

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"


class CDPError(Exception):
    pass


class Browser:
    def __init__(self, extra_args=()):
        self.profile = tempfile.mkdtemp(prefix="pb-cdp-")
        to_child_r, self._to_child = os.pipe()
        self._from_child, from_child_w = os.pipe()

        def fds():  # in the child: commands on 3, answers on 4 (dup2 leaves them inheritable)
            r, w = os.dup(to_child_r), os.dup(from_child_w)   # above 4, so neither is clobbered
            os.dup2(r, 3)
            os.dup2(w, 4)

        self.proc = subprocess.Popen(
            [CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic",
             "--no-first-run", "--no-default-browser-check", "--disable-background-networking",
             "--disable-component-update", "--disable-sync", "--disable-extensions",
             "--hide-scrollbars", "--mute-audio", "--user-data-dir=" + self.profile,
             "--remote-debugging-pipe"] + list(extra_args) + ["about:blank"],
            preexec_fn=fds, close_fds=False,  # the pipes themselves are close-on-exec
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        os.close(to_child_r)
        os.close(from_child_w)
        self._buf = b""
        self._next = 0
        self.events = {}      # session id → [(method, params)]

    def _send(self, method, params, session):
        self._next += 1
        msg = {"id": self._next, "method": method, "params": params}
        if session:
            msg["sessionId"] = session
        data = json.dumps(msg).encode() + b"\0"
        while data:
            data = data[os.write(self._to_child, data):]
        return self._next

    def _read(self, deadline):
        while b"\0" not in self._buf:
            if time.time() > deadline:
                raise CDPError("no answer from Chromium in time")
            chunk = os.read(self._from_child, 1 << 16)
            if not chunk:
                raise CDPError("Chromium closed the pipe (exit %s)" % self.proc.poll())
            self._buf += chunk
        raw, self._buf = self._buf.split(b"\0", 1)
        return json.loads(raw)

    def call(self, method, session=None, timeout=60, **params):
        want = self._send(method, params, session)
        deadline = time.time() + timeout
        while True:
            msg = self._read(deadline)
            if "id" not in msg:
                self.events.setdefault(msg.get("sessionId"), []).append((msg["method"], msg.get("params", {})))
                continue
            if msg["id"] != want:
                continue
            if "error" in msg:
                raise CDPError("%s: %s" % (method, msg["error"].get("message")))
            return msg.get("result", {})

    def new_page(self):
        target = self.call("Target.createTarget", url="about:blank")["targetId"]
        session = self.call("Target.attachToTarget", targetId=target, flatten=True)["sessionId"]
        return Page(self, session)

    def close(self):
        try:
            self.call("Browser.close", timeout=10)
        except (CDPError, OSError):
            pass
        try:
            self.proc.wait(10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
        for fd in (self._to_child, self._from_child):
            try:
                os.close(fd)
            except OSError:
                pass
        shutil.rmtree(self.profile, ignore_errors=True)


class Page:
    def __init__(self, browser, session):
        self.browser = browser
        self.session = session
        self.events = browser.events.setdefault(session, [])

    def call(self, method, timeout=60, **params):
        return self.browser.call(method, session=self.session, timeout=timeout, **params)

    def eval(self, expression, timeout=60):
        """The expression's value (JSON-able), awaiting a promise; raises on an exception."""
        r = self.call("Runtime.evaluate", timeout=timeout, expression=expression,
                      returnByValue=True, awaitPromise=True)
        if "exceptionDetails" in r:
            d = r["exceptionDetails"]
            raise CDPError("page threw: %s" % (d.get("exception", {}).get("description") or d.get("text")))
        return r["result"].get("value")

    def wait_for(self, expression, timeout=20):
        """Poll until the expression is truthy; returns its value.  An exception (the
        document not there yet, mid-navigation) counts as not yet."""
        deadline = time.time() + timeout
        last = None
        while time.time() < deadline:
            try:
                v = self.eval(expression)
                if v:
                    return v
            except CDPError as e:
                last = e
            time.sleep(0.1)
        raise CDPError("timed out waiting for %s (%s)" % (expression, last))

    def screenshot(self, path, full_page=True):
        """A PNG of the page: the whole height when full_page."""
        params = {"format": "png"}
        if full_page:
            m = self.call("Page.getLayoutMetrics")
            size = m.get("cssContentSize") or m["contentSize"]
            params.update(captureBeyondViewport=True,
                          clip={"x": 0, "y": 0, "width": size["width"], "height": size["height"], "scale": 1})
        import base64
        with open(path, "wb") as f:
            f.write(base64.b64decode(self.call("Page.captureScreenshot", **params)["data"]))
