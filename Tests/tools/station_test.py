#!/usr/bin/env python3
"""Drives labeld's packing-station page in headless Chromium over the DevTools protocol
(--remote-debugging-pipe: no extra Python packages) with real key presses and mouse clicks, as a
barcode scanner (a keyboard that types the code and Enter) and a packer would. Prints one JSON
object with what it saw.

usage: station_test.py BASE_URL STATION_TOKEN OPERATOR_TOKEN

Environment:
  STATION_HOLD_FILE   the test printer's status file: "1,0,0" makes it report paper out, "0,0,0" ready
  STATION_SCREENSHOT  a path: a PNG of the page showing a completed scan is written there
  STATION_SHOTS       a folder: a PNG of every step is written there (to look at the page)
  STATION_DEBUG       Chromium's stderr is shown
"""
import base64, json, os, sys, time

from cdp import Chrome

base, station_token, operator_token = sys.argv[1], sys.argv[2], sys.argv[3]
base = base.rstrip("/")
chrome = Chrome(debug_env="STATION_DEBUG", extra_flags=("--autoplay-policy=no-user-gesture-required",))
send, evaluate, wait_for = chrome.send, chrome.evaluate, chrome.wait_for
events, page_errors = chrome.events, chrome.page_errors


def page_state(session):
    """What the page shows, for a timeout's message."""
    try:
        return evaluate("""(() => ({state: document.getElementById('jobState').dataset.state,
          banner: document.getElementById('jobState').textContent, body: document.body.className,
          error: document.body.dataset.error || null, printer: document.getElementById('printer').textContent,
          scanValue: document.getElementById('scan').value, active: document.activeElement && document.activeElement.id,
          dialog: document.getElementById('reprintDialog').open,
          station: window.labeldStation}))()""", session)
    except Exception as e:  # the page itself is gone
        return str(e)


chrome.describe = page_state


def key(session, k, code=None, vk=None, text=None):
    """One key press and release, as a keyboard (a barcode scanner) sends it."""
    common = {"key": k}
    if code:
        common["code"] = code
    if vk is not None:
        common["windowsVirtualKeyCode"] = common["nativeVirtualKeyCode"] = vk
    typed = {"text": text, "unmodifiedText": text} if text is not None else {}
    send("Input.dispatchKeyEvent", {"type": "keyDown", **common, **typed}, session)
    send("Input.dispatchKeyEvent", {"type": "keyUp", **common}, session)


retypes = []


def scan(session, text):
    """Types the code character by character and Enter; the time right after Enter. A scan the page
    did not take (keys dropped by Chromium's input pipeline on a loaded machine: the page's
    lastScan never changes) is typed once more, and counted in result["retypes"]."""
    for attempt in (1, 2):
        for ch in text:
            code = ("Digit" + ch) if ch.isdigit() else ("Key" + ch.upper()) if ch.isalpha() and ch.isascii() else None
            vk = ord(ch.upper()) if ch.isascii() and ch.isalnum() else None
            key(session, ch, code=code, vk=vk, text=ch)
        key(session, "Enter", code="Enter", vk=13, text="\r")
        t0 = time.time()
        try:
            wait_for("window.labeldStation.lastScan === %s" % json.dumps(text), session, timeout=3)
            return t0
        except TimeoutError:
            retypes.append({"code": text, "page": page_state(session)})
            evaluate("document.getElementById('scan').value = ''", session)
    return t0


def click(session, selector):
    """A real mouse click at the centre of the element."""
    box = wait_for("""(() => { const el = %s; if (!el) return null; const r = el.getBoundingClientRect();
        return r.width > 0 && r.height > 0 ? {x: r.left + r.width / 2, y: r.top + r.height / 2} : null; })()""" % selector, session, timeout=10)
    for kind in ("mouseMoved", "mousePressed", "mouseReleased"):
        params = {"type": kind, "x": box["x"], "y": box["y"], "button": "left" if kind != "mouseMoved" else "none"}
        if kind != "mouseMoved":
            params["clickCount"] = 1
            params["buttons"] = 1 if kind == "mousePressed" else 0
        send("Input.dispatchMouseEvent", params, session)


def text(session, expression):
    """An element's textContent with its runs of white space (the page's indentation) as one space."""
    value = evaluate(expression, session)
    return " ".join(value.split()) if isinstance(value, str) else value


def snap(session, name):
    """A picture of the page at this step, when STATION_SHOTS names a folder."""
    folder = os.environ.get("STATION_SHOTS")
    if not folder:
        return
    os.makedirs(folder, exist_ok=True)
    png = send("Page.captureScreenshot", {"format": "png"}, session)["data"]
    with open(os.path.join(folder, name + ".png"), "wb") as f:
        f.write(base64.b64decode(png))


def current_id(session):
    return evaluate("window.labeldStation.currentJob ? window.labeldStation.currentJob.id : null", session)


def write_hold(path, text):
    with open(path, "w") as f:
        f.write(text)


# The page after a scan of `code` (a job other than `before`, or the same job when same=True).
def scanned(code, before, same=False):
    other = "true" if same else "(window.labeldStation.currentJob && window.labeldStation.currentJob.id !== %s)" % json.dumps(before)
    return "(window.labeldStation.lastScan === %s && %s)" % (json.dumps(code), other)


STATE = "document.getElementById('jobState').dataset.state"
BANNER = "document.getElementById('jobState').textContent"
RESULT = "document.getElementById('result').textContent"

result = {}
try:
    target = send("Target.createTarget", {"url": "about:blank"})["targetId"]
    session = send("Target.attachToTarget", {"targetId": target, "flatten": True})["sessionId"]
    send("Emulation.setLocaleOverride", {"locale": "ko-KR"}, session)
    send("Page.enable", {}, session)
    send("Runtime.enable", {}, session)
    # A packing station's screen.
    send("Emulation.setDeviceMetricsOverride", {"width": 1400, "height": 1000, "deviceScaleFactor": 1, "mobile": False}, session)
    # Input events go to the focused page only.
    send("Emulation.setFocusEmulationEnabled", {"enabled": True}, session)

    # 0. No token yet: the page asks for one; typed (the operator's) and Enter, it starts.
    send("Page.navigate", {"url": f"{base}/station"}, session)
    wait_for("document.getElementById('tokenBox') && !document.getElementById('tokenBox').hidden", session)
    result["noToken"] = {"message": evaluate("document.getElementById('tokenMessage').textContent", session),
                         "focused": evaluate("document.activeElement && document.activeElement.id", session)}
    for ch in operator_token:
        key(session, ch, text=ch)
    key(session, "Enter", code="Enter", vk=13, text="\r")
    wait_for("document.getElementById('who').textContent.length > 0", session)
    snap(session, "token")
    result["operatorWho"] = evaluate("document.getElementById('who').textContent", session)
    send("Page.navigate", {"url": "about:blank"}, session)

    # 1. The token from the address (kept for the session, taken out of the address); live events.
    send("Page.navigate", {"url": f"{base}/station#token={station_token}"}, session)
    wait_for("window.labeldStation && window.labeldStation.connected === true", session)
    wait_for("document.getElementById('printer').textContent.length > 0 && document.getElementById('printer').dataset.ready !== 'unknown'", session)
    wait_for("document.getElementById('who').textContent.length > 0", session)
    result["who"] = evaluate("document.getElementById('who').textContent", session)
    result["printerReady"] = evaluate("document.getElementById('printer').dataset.ready", session)
    result["printerText"] = evaluate("document.getElementById('printer').textContent", session)
    result["title"] = evaluate("document.title", session)
    result["hashCleared"] = evaluate("!location.hash.includes('token=')", session)
    result["tokenStored"] = evaluate("sessionStorage.getItem('labeld.token') === %s" % json.dumps(station_token), session)

    # 2. A scan: typed into the focused field, printed, completed.
    wait_for("document.activeElement && document.activeElement.id === 'scan'", session, timeout=5)
    result["focused"] = evaluate("document.activeElement.id", session) == "scan"
    before = current_id(session)
    t0 = scan(session, "600000000001")
    wait_for(scanned("600000000001", before) + " && " + STATE + " === 'completed'", session, timeout=20)
    seconds = time.time() - t0
    # The label's record (receiver, products) arrives just after the job's state: waited for.
    wait_for("(() => { const w = document.getElementById('waybill'); return w.dataset.from === 'record' && w.dataset.job === String(window.labeldStation.currentJob.id); })()", session, timeout=10)
    result["scan1"] = {"state": evaluate(STATE, session), "text": text(session, RESULT),
                       "jobId": current_id(session), "seconds": round(seconds, 3),
                       "scanCleared": evaluate("document.getElementById('scan').value === ''", session),
                       "bodyClass": evaluate("document.body.className", session)}
    snap(session, "scan1")
    result["recent1"] = evaluate("[...document.querySelectorAll('#recent li')].map((li) => ({id: li.dataset.jobId, state: li.dataset.state}))", session)

    # 3. An unknown code: a loud error.
    wait_for("document.activeElement && document.activeElement.id === 'scan'", session, timeout=5)
    scan(session, "999999999999")
    wait_for("window.labeldStation.lastScan === '999999999999' && document.body.classList.contains('error')", session, timeout=20)
    result["unknown"] = {"error": evaluate("document.body.dataset.error", session), "text": text(session, BANNER),
                         "lastError": evaluate("window.labeldStation.lastError", session)}
    snap(session, "unknown")

    # 4. The printed waybill scanned again: its label is confirmed.
    wait_for("document.activeElement && document.activeElement.id === 'scan'", session, timeout=5)
    scan(session, "600000000001")
    wait_for("window.labeldStation.lastScan === '600000000001' && " + STATE + " === 'printed'", session, timeout=20)
    result["again"] = {"text": text(session, BANNER), "confirm": text(session, "document.getElementById('confirmMessage').textContent"),
                       "bodyPrinted": evaluate("document.body.classList.contains('printed')", session),
                       "jobId": current_id(session)}
    snap(session, "again")

    # 5. 재출력 with a reason, by mouse.
    original = current_id(session)
    click(session, "document.getElementById('reprint')")
    wait_for("document.getElementById('reprintDialog').open", session, timeout=5)
    result["dialogOpen"] = evaluate("document.getElementById('reprintDialog').open", session)
    click(session, "[...document.querySelectorAll('#reprintDialog .reason')].find((b) => b.textContent.trim() === '용지 걸림' || b.dataset.reason === '용지 걸림')")
    wait_for("document.getElementById('reprintReason').value.length > 0", session, timeout=5)
    snap(session, "dialog")
    click(session, "document.getElementById('reprintGo')")
    wait_for("window.labeldStation.currentJob && window.labeldStation.currentJob.reprintOf && " + STATE + " === 'completed'", session, timeout=20)
    job = evaluate("window.labeldStation.currentJob", session)
    result["reprint"] = {"reprintOf": job.get("reprintOf"), "reason": job.get("reprintReason"), "state": evaluate(STATE, session),
                         "original": original, "jobId": job.get("id"),
                         "dataReprint": evaluate("document.getElementById('result').dataset.reprint", session),
                         "dialogClosed": not evaluate("document.getElementById('reprintDialog').open", session)}
    snap(session, "reprint")
    wait_for("document.activeElement && document.activeElement.id === 'scan'", session, timeout=5)
    result["refocused"] = True

    # 6. A printer out of paper: the job is held, the screen red; paper in, it completes.
    hold = os.environ.get("STATION_HOLD_FILE")
    if hold:
        write_hold(hold, "1,0,0")
        before = current_id(session)
        scan(session, "600000000002")
        wait_for(scanned("600000000002", before) + " && document.body.classList.contains('error') && " + STATE + " === 'held'", session, timeout=20)
        ready_false = False
        try:
            wait_for("document.getElementById('printer').dataset.ready === 'false'", session, timeout=5)
            ready_false = True
        except TimeoutError:
            pass
        result["held"] = {"text": text(session, BANNER), "printer": text(session, "document.getElementById('printer').textContent"),
                          "printerReady": evaluate("document.getElementById('printer').dataset.ready", session),
                          "printerReadyFalseSeen": ready_false, "error": evaluate("document.body.dataset.error", session),
                          "jobId": current_id(session)}
        snap(session, "held")
        write_hold(hold, "0,0,0")
        wait_for(STATE + " === 'completed' && !document.body.classList.contains('error')", session, timeout=30)
        result["heldThenDone"] = True
        result["heldJobAfter"] = current_id(session)

    result["events"] = evaluate("window.labeldStation.events", session)

    # 7. A picture of a completed scan.
    shot = os.environ.get("STATION_SCREENSHOT")
    if shot:
        wait_for("document.activeElement && document.activeElement.id === 'scan'", session, timeout=5)
        time.sleep(0.5)  # the dialog's close settles before the next scan is typed
        before = current_id(session)
        scan(session, "600000000003")
        wait_for(scanned("600000000003", before) + " && " + STATE + " === 'completed'", session, timeout=20)
        time.sleep(0.3)  # the record's receiver and products, when the token may read them
        png = send("Page.captureScreenshot", {"format": "png"}, session)["data"]
        with open(shot, "wb") as f:
            f.write(base64.b64decode(png))
        result["screenshot"] = shot
except Exception as e:
    result["error"] = f"{type(e).__name__}: {e}"
finally:
    result["pageErrors"] = page_errors[:10]
    result["retypes"] = retypes
    print(json.dumps(result, ensure_ascii=False))
    sys.stdout.flush()
    chrome.close()
