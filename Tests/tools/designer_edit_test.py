#!/usr/bin/env python3
"""Edits a template on labeld's designer canvas in headless Chromium with real input events
(Input.dispatchMouseEvent / dispatchKeyEvent over the DevTools protocol): drag, resize, nudge,
undo, add from the palette, bind a field, a refused inspector value, ten edits. Prints one JSON
object with what it saw (the YAML before and after each step, for the test to compare).

usage: designer_edit_test.py BASE_URL TOKEN DOWNLOAD_DIR [SCREENSHOT.png]
"""
import json, os, sys, time

from cdp import Chrome

base, token, downloads = sys.argv[1], sys.argv[2], sys.argv[3]
screenshot = sys.argv[4] if len(sys.argv) > 4 else None
chrome = Chrome(debug_env="DESIGNER_DEBUG", extra_flags=())
send, evaluate, wait_for = chrome.send, chrome.evaluate, chrome.wait_for
events, page_errors = chrome.events, chrome.page_errors
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
    drag(sel + " .handle.se", 30, 10, session)
    result["afterResize"] = settle(n, session)
    # The right edge's handle: the width alone.
    n = evaluate(rendered, session)
    drag(sel + " .handle.e", 16, 12, session)
    result["afterWidth"] = settle(n, session)

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

    # A template turned 90° onto its stock (우체국): a drag to the right on screen moves the element
    # up the design (y smaller), x unchanged — the canvas undoes the page's rotation.
    send("Page.navigate", {"url": f"{base}/?template=waybills/epost"}, session)
    wait_for("window.labeld && window.labeld.loaded && window.labeld.editor && window.labeld.editor.layout && window.labeld.editor.layout.rotation === 90 && document.getElementById('preview').complete", session)
    turned_original = evaluate(source, session)
    turned = evaluate("""(() => { const els = window.labeld.editor.layout.elements.filter((e) => e.type === 'text' && e.drawn && e.box[2] > 12 && e.box[3] > 40 && e.values.y && e.values.y.endsWith('mm'));
        return els.length ? els[0].name : null; })()""", session)
    result["turnedElement"] = turned
    if turned:
        n = evaluate(rendered, session)
        drag('#elements .el[data-name="%s"]' % turned, 30, 0, session)
        result["turnedBefore"] = turned_original
        result["turnedAfter"] = settle(n, session)

except Exception as e:  # noqa: BLE001
    result["error"] = f"{type(e).__name__}: {e}"
finally:
    print(json.dumps(result, ensure_ascii=False))
    chrome.close()
