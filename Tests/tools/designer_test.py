#!/usr/bin/env python3
"""Drives labeld's template designer page in headless Chromium over the DevTools protocol
(--remote-debugging-pipe: no extra Python packages). Prints one JSON object with what it saw.

usage: designer_test.py BASE_URL TOKEN DOWNLOAD_DIR
"""
import json, os, sys, time

from cdp import Chrome

base, token, downloads = sys.argv[1], sys.argv[2], sys.argv[3]
chrome = Chrome(debug_env="DESIGNER_DEBUG", extra_flags=())
send, evaluate, wait_for = chrome.send, chrome.evaluate, chrome.wait_for
events, page_errors = chrome.events, chrome.page_errors
result = {}
try:
    target = send("Target.createTarget", {"url": "about:blank"})["targetId"]
    session = send("Target.attachToTarget", {"targetId": target, "flatten": True})["sessionId"]
    send("Browser.setDownloadBehavior", {"behavior": "allow", "downloadPath": downloads, "eventsEnabled": True})
    send("Emulation.setLocaleOverride", {"locale": "ko-KR"}, session)
    send("Page.enable", {}, session)
    send("Runtime.enable", {}, session)
    # A desktop window: two panes side by side, each narrower than a 4x6 label at 203 dpi.
    send("Emulation.setDeviceMetricsOverride", {"width": 1280, "height": 800, "deviceScaleFactor": 1, "mobile": False}, session)

    # No token yet: the status says where the first one is.
    send("Page.navigate", {"url": f"{base}/"}, session)
    wait_for("document.getElementById('status') && document.getElementById('status').textContent.length > 0", session)
    result["noTokenStatus"] = evaluate("document.getElementById('status').textContent", session)
    result["tokenPlaceholder"] = evaluate("document.getElementById('token').placeholder", session)

    send("Page.navigate", {"url": f"{base}/?template=waybills/generic-4x6#token={token}"}, session)
    wait_for("window.labeld && window.labeld.loaded && window.labeld.digest !== 0", session)
    result["title"] = evaluate("document.title", session)
    result["templates"] = evaluate("document.getElementById('template').options.length", session)
    result["firstDigest"] = evaluate("window.labeld.digest", session)
    result["width203"] = evaluate("document.getElementById('preview').naturalWidth", session)
    original = evaluate("document.getElementById('source').value", session)

    # The whole label is shown in the preview pane at load (zoom fitted to it).
    fit = """(() => {
      const img = document.getElementById('preview'), paper = document.querySelector('.paper');
      const cs = getComputedStyle(paper), r = img.getBoundingClientRect();
      return {imageWidth: r.width, imageHeight: r.height,
              paneWidth: paper.clientWidth - parseFloat(cs.paddingLeft) - parseFloat(cs.paddingRight),
              paneHeight: parseFloat(cs.maxHeight) - parseFloat(cs.paddingTop) - parseFloat(cs.paddingBottom)
                - parseFloat(cs.borderTopWidth) - parseFloat(cs.borderBottomWidth),
              scrolls: paper.scrollWidth > paper.clientWidth || paper.scrollHeight > paper.clientHeight,
              naturalWidth: img.naturalWidth, zoom: document.getElementById('zoomValue').textContent};
    })()"""
    wait_for("document.getElementById('preview').complete && document.getElementById('preview').getBoundingClientRect().width > 0", session)
    result["fitAtLoad"] = evaluate(fit, session)
    # A bigger window: fitted again, larger.
    send("Emulation.setDeviceMetricsOverride", {"width": 1600, "height": 1100, "deviceScaleFactor": 1, "mobile": False}, session)
    wait_for("document.getElementById('preview').getBoundingClientRect().width > %f" % result["fitAtLoad"]["imageWidth"], session)
    result["fitAfterResize"] = evaluate(fit, session)
    send("Emulation.setDeviceMetricsOverride", {"width": 1280, "height": 800, "deviceScaleFactor": 1, "mobile": False}, session)
    wait_for("document.getElementById('preview').getBoundingClientRect().width <= %f" % result["fitAtLoad"]["imageWidth"], session)

    # Text that overflows its box: a warning naming the element and its line; a click puts the
    # caret on that line.
    def type_with_line_edited(marker, old, new):
        """Types the template with one edit on the first line containing `marker`; its line number."""
        lines = original.split("\n")
        n = next(i for i, l in enumerate(lines) if marker(l)) + 1
        lines[n - 1] = lines[n - 1].replace(old, new)
        evaluate("(() => { const s = document.getElementById('source'); s.value = %s; s.dispatchEvent(new Event('input')); })()" % json.dumps("\n".join(lines)), session)
        return n

    overflow_line = type_with_line_edited(lambda l: "name: receiver-address," in l, "max_lines: 3, min_size: 7", "wrap: false, ellipsis: false")
    wait_for("!!document.querySelector('#warnings li[data-element=\"receiver-address\"]')", session)
    result["overflowLine"] = overflow_line
    result["warningsHidden"] = evaluate("document.getElementById('warnings').hidden", session)
    result["warnings"] = evaluate("[...document.querySelectorAll('#warnings li')].map((li) => li.textContent)", session)
    result["warningDataLine"] = evaluate("document.querySelector('#warnings li[data-element=\"receiver-address\"]').dataset.line", session)
    evaluate("document.querySelector('#warnings li[data-element=\"receiver-address\"] button').click()", session)
    result["caret"] = evaluate("""(() => { const s = document.getElementById('source');
      return {focused: document.activeElement === s, line: s.value.slice(0, s.selectionStart).split('\\n').length, start: s.selectionStart === s.selectionEnd}; })()""", session)

    # Barcode verification of the preview: each symbol listed (and outlined) as it reads from the
    # raster; 1-dot bars fail verify.x-dimension at the element's line.
    evaluate("(() => { const s = document.getElementById('source'); s.value = %s; s.dispatchEvent(new Event('input')); })()" % json.dumps(original), session)
    wait_for("document.querySelectorAll('#verification li.pass').length > 0 && !document.querySelector('#verification li.fail')", session)
    result["verification"] = evaluate("[...document.querySelectorAll('#verification li')].map((li) => ({cls: li.className, element: li.dataset.element, line: li.dataset.line, text: li.textContent}))", session)
    result["outlines"] = evaluate("[...document.querySelectorAll('#outlines .outline')].map((d) => ({cls: d.className, element: d.dataset.element, width: d.getBoundingClientRect().width}))", session)
    thin_line = type_with_line_edited(lambda l: "name: waybill-barcode," in l, "xdim: 3dots", "xdim: 1dots")
    wait_for("!!document.querySelector('#verification li.fail')", session)
    result["thinLine"] = thin_line
    result["verificationFail"] = evaluate("(() => { const li = document.querySelector('#verification li.fail'); return {element: li.dataset.element, line: li.dataset.line, text: li.textContent}; })()", session)
    result["failOutline"] = evaluate("!!document.querySelector('#outlines .outline.fail[data-element=\"waybill-barcode\"]')", session)

    # A template mistake: the error appears with its line.
    bad_line = type_with_line_edited(lambda l: l.strip().startswith("- {type: text, name: sender,"), "width: 55mm", "widht: 55mm")
    wait_for("!document.getElementById('error').hidden", session)
    result["badLine"] = bad_line
    result["errorLine"] = evaluate("document.getElementById('error').dataset.line", session)
    result["errorText"] = evaluate("document.getElementById('error').textContent", session)

    # Fixed (and the sender line moved): the error goes, the preview changes.
    fixed = original.replace("name: sender, x: 3mm", "name: sender, x: 12mm")
    evaluate("(() => { const s = document.getElementById('source'); s.value = %s; s.dispatchEvent(new Event('input')); })()" % json.dumps(fixed), session)
    wait_for("document.getElementById('error').hidden && window.labeld.digest !== %d" % result["firstDigest"], session)
    result["fixedDigest"] = evaluate("window.labeld.digest", session)

    # 300 dpi: a wider raster.
    evaluate("(() => { const d = document.getElementById('dpi'); d.value = '300'; d.dispatchEvent(new Event('change')); })()", session)
    wait_for("document.getElementById('preview').naturalWidth > %d" % result["width203"], session)
    result["width300"] = evaluate("document.getElementById('preview').naturalWidth", session)
    wait_for("document.getElementById('preview').complete", session)
    result["fit300"] = evaluate(fit, session)

    # Zoom.
    evaluate("(() => { const z = document.getElementById('zoom'); z.value = '200'; z.dispatchEvent(new Event('input')); })()", session)
    result["zoomLabel"] = evaluate("document.getElementById('zoomValue').textContent", session)

    # Download PDF.
    evaluate("document.getElementById('download').click()", session)
    deadline = time.time() + 20
    pdfs = []
    while time.time() < deadline:
        pdfs = [f for f in os.listdir(downloads) if f.endswith(".pdf")]
        if pdfs:
            break
        time.sleep(0.1)
    if pdfs:
        time.sleep(0.3)
        with open(os.path.join(downloads, pdfs[0]), "rb") as f:
            head = f.read(5)
        result["download"] = {"name": pdfs[0], "head": head.decode("latin-1"), "size": os.path.getsize(os.path.join(downloads, pdfs[0]))}

    # Save as a new revision.
    evaluate("document.getElementById('save').click()", session)
    result["savedRevision"] = wait_for("window.labeld.savedRevision", session)
    result["status"] = evaluate("document.getElementById('status').textContent", session)
finally:
    print(json.dumps(result, ensure_ascii=False))
    chrome.close()
