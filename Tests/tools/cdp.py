"""Headless Chromium (Debian's chromium) driven over the DevTools protocol through
--remote-debugging-pipe: no extra Python packages. Shared by the browser-page drivers
(designer_test.py, designer_edit_test.py, station_test.py).

    chrome = Chrome(debug_env="DESIGNER_DEBUG")
    session = chrome.open_page(1280, 800)
    chrome.send("Page.navigate", {"url": url}, session)
    chrome.wait_for("document.readyState === 'complete'", session)
    ...
    chrome.close()
"""
import json, os, subprocess, tempfile, time

HERE = os.path.dirname(os.path.abspath(__file__))


class Chrome:
    def __init__(self, debug_env=None, fonts=None, extra_flags=()):
        self.profile = tempfile.mkdtemp(prefix="labeld-chromium-")
        to_r, self._to_w = os.pipe()
        from_r, from_w = os.pipe()

        def child_fds():
            # Fresh copies first: os.pipe() may have returned 3 or 4 itself, and dup2 onto the same
            # number would keep it close-on-exec.
            a, b = os.dup(to_r), os.dup(from_w)
            os.dup2(a, 3)
            os.dup2(b, 4)

        env = dict(os.environ, LANGUAGE="ko", LANG="ko_KR.UTF-8")
        # labeld's own Korean fonts for the page (a server machine often has none installed): a
        # fontconfig file that adds them to the system's.
        fonts = fonts or os.environ.get("LABELD_FONTS") or os.path.normpath(os.path.join(HERE, "..", "..", "fonts"))
        if os.path.isdir(fonts):
            conf = os.path.join(self.profile, "fonts.conf")
            with open(conf, "w") as f:
                f.write('<?xml version="1.0"?>\n<!DOCTYPE fontconfig SYSTEM "fonts.dtd">\n<fontconfig>\n'
                        '  <include ignore_missing="yes">/etc/fonts/fonts.conf</include>\n'
                        f'  <dir>{fonts}</dir>\n  <cachedir>{os.path.join(self.profile, "fontcache")}</cachedir>\n</fontconfig>\n')
            env["FONTCONFIG_FILE"] = conf
        self.process = subprocess.Popen(
            ["chromium", "--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--no-first-run",
             *extra_flags, "--remote-debugging-pipe", "--user-data-dir=" + self.profile, "--lang=ko-KR",
             "--accept-lang=ko-KR,ko", "about:blank"],
            env=env, close_fds=False, preexec_fn=child_fds, stdout=subprocess.DEVNULL,
            stderr=(None if debug_env and os.environ.get(debug_env) else subprocess.DEVNULL))
        os.close(to_r)
        os.close(from_w)
        self._reader = os.fdopen(from_r, "rb", buffering=0)
        self._pending = b""
        self._next_id = 0
        self.events = []
        self.page_errors = []  # uncaught exceptions of the page's script
        self.describe = None   # a function(session) -> what the page shows, for a timeout's message

    def _read(self, timeout=30):
        deadline = time.time() + timeout
        while b"\0" not in self._pending:
            if time.time() > deadline:
                raise TimeoutError("no message from chromium")
            chunk = self._reader.read(65536)
            if not chunk:
                raise EOFError("chromium closed the pipe")
            self._pending += chunk
        message, self._pending = self._pending.split(b"\0", 1)
        return json.loads(message)

    def send(self, method, params=None, session=None):
        self._next_id += 1
        msg = {"id": self._next_id, "method": method, "params": params or {}}
        if session:
            msg["sessionId"] = session
        os.write(self._to_w, json.dumps(msg).encode() + b"\0")
        while True:
            m = self._read()
            if m.get("id") == self._next_id:
                if "error" in m:
                    raise RuntimeError(f"{method}: {m['error']}")
                return m.get("result", {})
            if m.get("method") == "Runtime.exceptionThrown":
                details = m["params"]["exceptionDetails"]
                self.page_errors.append((details.get("exception") or {}).get("description") or details.get("text", ""))
            self.events.append(m)
            del self.events[:-200]  # the page's console and network chatter: only the latest are kept

    def evaluate(self, expression, session):
        r = self.send("Runtime.evaluate", {"expression": expression, "returnByValue": True, "awaitPromise": True}, session)
        if "exceptionDetails" in r:
            raise RuntimeError(f"{expression}: {r['exceptionDetails']}")
        return r.get("result", {}).get("value")

    def wait_for(self, expression, session, timeout=20):
        deadline = time.time() + timeout
        while time.time() < deadline:
            value = self.evaluate(expression, session)
            if value:
                return value
            time.sleep(0.05)
        seen = ""
        if self.describe:
            try:
                seen = " (page: " + json.dumps(self.describe(session), ensure_ascii=False) + ")"
            except Exception as e:  # the page itself is gone
                seen = f" (page: {e})"
        raise TimeoutError("timed out waiting for: " + expression + seen)

    def open_page(self, width, height):
        """A new tab at width × height, attached; its session id."""
        target = self.send("Target.createTarget", {"url": "about:blank"})["targetId"]
        session = self.send("Target.attachToTarget", {"targetId": target, "flatten": True})["sessionId"]
        self.send("Page.enable", {}, session)
        self.send("Runtime.enable", {}, session)
        self.send("Emulation.setDeviceMetricsOverride", {"width": width, "height": height, "deviceScaleFactor": 1, "mobile": False}, session)
        return session

    def close(self):
        try:
            self.send("Browser.close")
        except Exception:
            pass
        try:
            self.process.wait(timeout=10)
        except Exception:
            pass
        if self.process.poll() is None:
            self.process.kill()
