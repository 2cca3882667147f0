#!/usr/bin/env python3
"""Edits a template on labeld's designer canvas in headless Chromium with real input events
(Input.dispatchMouseEvent / dispatchKeyEvent over the DevTools protocol): drag, resize, nudge,
undo, add from the palette, bind a field, a refused inspector value, ten edits. Prints one JSON
object with what it saw (the YAML before and after each step, for the test to compare).

usage: designer_edit_test.py BASE_URL TOKEN DOWNLOAD_DIR [SCREENSHOT.png]
"""
import json, os, subprocess, sys, tempfile, time

base, token, downloads = sys.argv[1], sys.argv[2], sys.argv[3]
screenshot = sys.argv[4] if len(sys.argv) > 4 else None
profile = tempfile.mkdtemp(prefix="labeld-chromium-")
to_chrome_r, to_chrome_w = os.pipe()
from_chrome_r, from_chrome_w = os.pipe()


def child_fds():
    # Fresh copies first: os.pipe() may have returned 3 or 4 itself, and dup2 onto the same number
    # would keep it close-on-exec.
    a, b = os.dup(to_chrome_r), os.dup(from_chrome_w)
    os.dup2(a, 3)
    os.dup2(b, 4)


# labeld's own Korean fonts for the page (a server machine often has none installed).
here = os.path.dirname(os.path.abspath(__file__))
fonts = os.path.normpath(os.path.join(here, "..", "..", "fonts"))
chrome_env = dict(os.environ, LANGUAGE="ko", LANG="ko_KR.UTF-8")
if os.path.isdir(fonts):
    fonts_conf = os.path.join(profile, "fonts.conf")
    with open(fonts_conf, "w") as f:
        f.write('<?xml version="1.0"?>\n<!DOCTYPE fontconfig SYSTEM "fonts.dtd">\n<fontconfig>\n'
                '  <include ignore_missing="yes">/etc/fonts/fonts.conf</include>\n'
                f'  <dir>{fonts}</dir>\n  <cachedir>{os.path.join(profile, "fontcache")}</cachedir>\n</fontconfig>\n')
    chrome_env["FONTCONFIG_FILE"] = fonts_conf

chrome = subprocess.Popen(
    ["chromium", "--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--no-first-run",
     "--remote-debugging-pipe", "--user-data-dir=" + profile, "--lang=ko-KR", "--accept-lang=ko-KR,ko", "about:blank"],
    env=chrome_env,
    close_fds=False, preexec_fn=child_fds, stdout=subprocess.DEVNULL, stderr=(None if os.environ.get("DESIGNER_DEBUG") else subprocess.DEVNULL))
os.close(to_chrome_r)
os.close(from_chrome_w)
reader = os.fdopen(from_chrome_r, "rb", buffering=0)
pending = b""
next_id = 0
events = []


def read_message(timeout=30):
    global pending
    deadline = time.time() + timeout
    while b"\0" not in pending:
        if time.time() > deadline:
            raise TimeoutError("no message from chromium")
        chunk = reader.read(65536)
        if not chunk:
            raise EOFError("chromium closed the pipe")
        pending += chunk
    message, pending = pending.split(b"\0", 1)
    return json.loads(message)


def send(method, params=None, session=None):
    global next_id
    next_id += 1
    msg = {"id": next_id, "method": method, "params": params or {}}
    if session:
        msg["sessionId"] = session
    os.write(to_chrome_w, json.dumps(msg).encode() + b"\0")
    while True:
        m = read_message()
        if m.get("id") == next_id:
            if "error" in m:
                raise RuntimeError(f"{method}: {m['error']}")
            return m.get("result", {})
        events.append(m)


def evaluate(expression, session):
    r = send("Runtime.evaluate", {"expression": expression, "returnByValue": True, "awaitPromise": True}, session)
    if "exceptionDetails" in r:
        raise RuntimeError(f"{expression}: {r['exceptionDetails']}")
    return r.get("result", {}).get("value")


def wait_for(expression, session, timeout=20):
    deadline = time.time() + timeout
    while time.time() < deadline:
        value = evaluate(expression, session)
        if value:
            return value
        time.sleep(0.1)
    raise TimeoutError("timed out waiting for: " + expression)




def center(selector, session):
    return evaluate("(() => { const n = document.querySelector(%s); n.scrollIntoView({block: 'center', inline: 'center'}); const r = n.getBoundingClientRect(); return [r.left + r.width / 2, r.top + r.height / 2]; })()" % json.dumps(selector), session)


def mouse(kind, x, y, session, buttons=1):
    send("Input.dispatchMouseEvent", {"type": kind, "x": x, "y": y, "button": "left", "buttons": buttons, "clickCount": 1}, session)


def drag(selector, dx, dy, session):
    x, y = center(selector, session)
    mouse("mouseMoved", x, y, session, buttons=0)
    mouse("mousePressed", x, y, session)
    for i in range(1, 6):
        mouse("mouseMoved", x + dx * i / 5, y + dy * i / 5, session)
    mouse("mouseReleased", x + dx, y + dy, session, buttons=0)


def click(selector, session):
    x, y = center(selector, session)
    mouse("mouseMoved", x, y, session, buttons=0)
    mouse("mousePressed", x, y, session)
    mouse("mouseReleased", x, y, session, buttons=0)


def key(name, session, code=None, vk=0, modifiers=0):
    for kind in ("rawKeyDown", "keyUp"):
        send("Input.dispatchKeyEvent", {"type": kind, "key": name, "code": code or name, "windowsVirtualKeyCode": vk, "modifiers": modifiers}, session)


def typed(text, session):
    for ch in text:
        send("Input.dispatchKeyEvent", {"type": "keyDown", "text": ch, "key": ch}, session)
        send("Input.dispatchKeyEvent", {"type": "keyUp", "key": ch}, session)


source = "document.getElementById('source').value"
rendered = "window.labeld.rendered || 0"


def settle(before, session):
    """Waits for a new preview after an edit; the YAML then."""
    wait_for("(%s) > %d" % (rendered, before), session)
    return evaluate(source, session)


result = {}
try:
    target = send("Target.createTarget", {"url": "about:blank"})["targetId"]
    session = send("Target.attachToTarget", {"targetId": target, "flatten": True})["sessionId"]
    send("Page.enable", {}, session)
    send("Runtime.enable", {}, session)
    send("Emulation.setDeviceMetricsOverride", {"width": 1400, "height": 1000, "deviceScaleFactor": 1, "mobile": False}, session)
    send("Page.navigate", {"url": f"{base}/?template=waybills/cj#token={token}"}, session)
    wait_for("window.labeld && window.labeld.loaded && window.labeld.editor && window.labeld.editor.layout && document.getElementById('preview').complete", session)
    result["who"] = evaluate("document.getElementById('who').textContent", session)
    result["tokenInSession"] = evaluate("sessionStorage.getItem('labeld.token') !== null && !location.hash.includes('token')", session)
    original = evaluate(source, session)
    result["original"] = original
    if screenshot:
        # The whole label fitted, the receiver's line selected: what the README shows.
        click("#fit", session)
        time.sleep(0.3)
        evaluate("window.scrollTo(0, 0); document.querySelector('.paper').scrollTo(0, 0)", session)
        pick = evaluate("(window.labeld.editor.layout.elements.find((e) => e.name === 'receiver') || {}).name || null", session)
        if pick:
            click('#elements .el[data-name="%s"]' % pick, session)
        evaluate("window.scrollTo(0, 0)", session)
        time.sleep(0.5)
        shot = send("Page.captureScreenshot", {"format": "png"}, session)
        import base64
        with open(screenshot, "wb") as f:
            f.write(base64.b64decode(shot["data"]))
        evaluate("(() => { window.labeld.editor.selected = null; })()", session)
    # A roomy zoom, so a drag of 40 px is a handful of dots.
    evaluate("(() => { const z = document.getElementById('zoom'); z.value = '100'; z.dispatchEvent(new Event('input')); })()", session)
    time.sleep(0.2)
    target_el = evaluate("""(() => { const els = window.labeld.editor.layout.elements.filter((e) => e.type === 'text' && e.drawn && e.box[2] > 60 && e.box[3] > 12 && e.values.x && e.values.x.endsWith('mm'));
        els.sort((a, b) => a.box[1] - b.box[1]);
        return els.length ? els[0].name : null; })()""", session)
    result["element"] = target_el
    sel = '#elements .el[data-name="%s"]' % target_el

    # Drag: only this element's x and y change.
    n = evaluate(rendered, session)
    drag(sel, 40, 24, session)
    result["afterDrag"] = settle(n, session)
    result["selected"] = evaluate("window.labeld.editor.selected", session)
    result["highlight"] = evaluate("window.labeld.editor.highlight", session)

    # Resize with the corner handle: width and height change.
    n = evaluate(rendered, session)
    drag(sel + " .handle", 30, 10, session)
    result["afterResize"] = settle(n, session)

    # Nudge: one dot right with the arrow key (the canvas has focus after the click).
    click(sel, session)
    n = evaluate(rendered, session)
    key("ArrowRight", session, vk=39)
    result["afterNudge"] = settle(n, session)
    n = evaluate(rendered, session)
    key("ArrowDown", session, vk=40, modifiers=8)  # Shift: 1 mm
    result["afterNudgeMM"] = settle(n, session)

    # Undo and redo.
    n = evaluate(rendered, session)
    key("z", session, code="KeyZ", vk=90, modifiers=2)
    result["afterUndo"] = settle(n, session)
    n = evaluate(rendered, session)
    key("z", session, code="KeyZ", vk=90, modifiers=2 | 8)
    result["afterRedo"] = settle(n, session)

    # Ten more edits (nudges): every comment of the YAML stays.
    for i in range(10):
        n = evaluate(rendered, session)
        key("ArrowLeft" if i % 2 else "ArrowUp", session, vk=37 if i % 2 else 38)
        settle(n, session)
    result["afterTen"] = evaluate(source, session)

    # A value the parser refuses: its message on that field of the inspector.
    evaluate("""(() => { const i = document.querySelector('#inspector [data-key="width"] input'); i.focus(); i.value = 'wide'; i.dispatchEvent(new Event('change')); })()""", session)
    wait_for("!!document.querySelector('#inspector [data-key=\"width\"] .field-error')", session)
    result["fieldError"] = evaluate("document.querySelector('#inspector [data-key=\"width\"] .field-error').textContent", session)
    result["sourceAfterRefused"] = evaluate(source, session)

    # The palette: a barcode added, then a field bound to it from the picker.
    n = evaluate(rendered, session)
    click('#palette button[data-type="barcode"]', session)
    result["afterAdd"] = settle(n, session)
    wait_for("window.labeld.editor.selected === 'barcode-1' && !!document.querySelector('#fields button[data-path=\"receiver.name\"]')", session)
    n = evaluate(rendered, session)
    click('#fields button[data-path="receiver.name"]', session)
    result["afterBind"] = settle(n, session)
    result["inspectorKeys"] = evaluate("[...document.querySelectorAll('#inspector .field')].map((f) => f.dataset.key)", session)
    result["symbologyChoices"] = evaluate("[...document.querySelectorAll('#inspector [data-key=\"symbology\"] option')].map((o) => o.value)", session)

    # Preview latency after edits (request to image on screen).
    result["previewTimes"] = evaluate("window.labeld.previewTimes", session)

    # Delete the added barcode with the Delete key.
    click('#elements .el[data-name="barcode-1"]', session)
    n = evaluate(rendered, session)
    key("Delete", session, vk=46)
    result["afterDelete"] = settle(n, session)

except Exception as e:  # noqa: BLE001
    result["error"] = f"{type(e).__name__}: {e}"
finally:
    print(json.dumps(result, ensure_ascii=False))
    try:
        send("Browser.close")
    except Exception:
        pass
    chrome.wait(timeout=10) if chrome.poll() is None else None
    if chrome.poll() is None:
        chrome.kill()
