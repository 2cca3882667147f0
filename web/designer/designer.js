// labeld template designer: edit a template's YAML and sample data, see the 1-bit raster the
// printer will print (at 203 or 300 dpi), errors at their line and column, download the PDF,
// save as a new revision. Plain JS, no build step.
"use strict";

const T = {
  ko: {
    title: "labeld 템플릿 디자이너", token: "API 토큰", template: "템플릿", dpi: "해상도", save: "새 리비전으로 저장",
    source: "템플릿 (YAML)", data: "샘플 데이터 (JSON)", zoom: "확대", download: "PDF 다운로드",
    hint: "미리보기는 프린터 해상도의 1비트 이미지입니다 — 인쇄되는 그대로입니다.",
    line: (l, c) => `${l}번째 줄, ${c}번째 칸`, rendering: "그리는 중…", ready: "미리보기 완료",
    saved: (r) => `리비전 ${r} 저장됨`,
    needToken: "API 토큰을 입력하세요: 처음 시작할 때 만든 대표운영자 토큰은 ./var/owner-token 파일에 있습니다 (부운영자 토큰 만들기: labeld tokens create --role operator --name 이름)",
    tokenPlaceholder: "./var/owner-token 의 토큰",
    tokenHelp: "처음 시작할 때 labeld가 대표운영자(owner) 토큰을 데이터베이스 옆 ./var/owner-token 파일에 씁니다. 부운영자 토큰: labeld tokens create --role operator --name 이름",
    badJSON: "샘플 데이터가 JSON이 아닙니다", warnings: (n) => `경고 ${n}건 (글자가 넘치거나 요소가 라벨 밖에 있음)`,
    warningAt: (l) => `${l}번째 줄`, moreWarnings: (n) => `외 ${n}건`, fit: "맞춤", fitHelp: "라벨 전체가 보이게 맞춤",
    verified: (ok, n) => `바코드 검증: ${ok}/${n} 통과 (인쇄될 비트에서 zxing-cpp로 판독)`, reads: "판독",
  },
  en: {
    title: "labeld template designer", token: "API token", template: "Template", dpi: "Resolution", save: "Save as new revision",
    source: "Template (YAML)", data: "Sample data (JSON)", zoom: "Zoom", download: "Download PDF",
    hint: "The preview is the 1-bit image at the printer's resolution: exactly what prints.",
    line: (l, c) => `line ${l}, column ${c}`, rendering: "rendering…", ready: "preview ready",
    saved: (r) => `revision ${r} saved`,
    needToken: "Enter an API token: the owner token made at the first start is in the file ./var/owner-token (make an operator token with: labeld tokens create --role operator --name NAME)",
    tokenPlaceholder: "the token in ./var/owner-token",
    tokenHelp: "At its first start labeld writes an owner token to ./var/owner-token, beside the database. An operator token: labeld tokens create --role operator --name NAME",
    badJSON: "The sample data is not JSON", warnings: (n) => `${n} warning(s) (text overflows or elements off the label)`,
    warningAt: (l) => `line ${l}`, moreWarnings: (n) => `and ${n} more`, fit: "Fit", fitHelp: "Zoom so the whole label shows",
    verified: (ok, n) => `Barcode verification: ${ok}/${n} pass (read by zxing-cpp from the bits that print)`, reads: "reads",
  },
};
const lang = (navigator.language || "ko").toLowerCase().startsWith("ko") ? "ko" : "en";
const t = T[lang];
document.documentElement.lang = lang;
for (const el of document.querySelectorAll("[data-t]")) {
  const v = t[el.dataset.t];
  if (typeof v === "string") el.textContent = v;
}

const $ = (id) => document.getElementById(id);
// fit: the zoom follows the pane (the whole label visible) until the zoom slider is moved.
const state = { previewURL: null, seq: 0, digest: 0, lastError: null, warnings: [], fit: true };
window.labeld = state;

$("token").placeholder = t.tokenPlaceholder;
$("token").title = t.tokenHelp;
$("fit").title = t.fitHelp;
// The token is asked once and kept for the browser session (sessionStorage), or given as #token=….
{
  const fromHash = new URLSearchParams(location.hash.slice(1)).get("token");
  if (fromHash) { sessionStorage.setItem("labeld.token", fromHash); history.replaceState(null, "", location.pathname + location.search); }
  $("token").value = sessionStorage.getItem("labeld.token") || "";
}
$("token").addEventListener("change", () => { sessionStorage.setItem("labeld.token", $("token").value.trim()); loadTemplates(); });

function status(text) { $("status").textContent = text; }

async function api(method, path, body, accept) {
  const token = $("token").value.trim();
  if (!token) { status(t.needToken); throw new Error(t.needToken); }
  const res = await fetch(path, {
    method,
    headers: { "Authorization": "Bearer " + token, "Content-Type": "application/json", "Accept": accept || "application/json" },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  if (!res.ok) {
    let problem = { detail: res.statusText, status: res.status };
    try { problem = await res.json(); } catch (_) { /* not JSON */ }
    const err = new Error(problem.detail || res.statusText);
    err.problem = problem;
    if (res.status === 401) status(t.needToken);  // no such token: say where the first one is
    throw err;
  }
  return res;
}

function showError(problem) {
  const box = $("error");
  if (!problem) { box.hidden = true; box.textContent = ""; box.removeAttribute("data-line"); $("source").classList.remove("bad"); state.lastError = null; return; }
  const where = problem.line ? t.line(problem.line, problem.column || 1) + ": " : "";
  box.textContent = where + (problem.detail || "");
  if (problem.line) box.dataset.line = String(problem.line); else box.removeAttribute("data-line");
  box.hidden = false;
  $("source").classList.toggle("bad", !!problem.line);
  state.lastError = problem;
  if (problem.line) selectLine($("source"), problem.line);
}

function selectLine(area, line) {
  // Put the caret at the start of the line (without stealing focus while typing elsewhere).
  const lines = area.value.split("\n");
  let pos = 0;
  for (let i = 0; i < Math.min(line - 1, lines.length); i++) pos += lines[i].length + 1;
  if (document.activeElement !== area) area.setSelectionRange(pos, pos + (lines[line - 1] || "").length);
}

function goToLine(line) {
  // A warning was clicked: the caret to the start of its element's line, scrolled into view.
  const area = $("source");
  const lines = area.value.split("\n");
  let pos = 0;
  for (let i = 0; i < Math.min(line - 1, lines.length); i++) pos += lines[i].length + 1;
  area.focus();
  area.setSelectionRange(pos, pos);
  const lineHeight = parseFloat(getComputedStyle(area).lineHeight) || 17;
  area.scrollTop = Math.max(0, (line - 3) * lineHeight);
}

// A preview header holding base64 of UTF-8 JSON (the warning list, the verification, the layout).
function headerJSON(res, name) {
  const header = res.headers.get(name);
  if (!header) return null;
  try { return JSON.parse(new TextDecoder().decode(Uint8Array.from(atob(header), (c) => c.charCodeAt(0)))); } catch (_) { return null; }
}
function headerList(res, name) { const list = headerJSON(res, name); return Array.isArray(list) ? list : []; }

// X-Labeld-Warning-List: [{element, line, column, message, page}].
function warningList(res) { return headerList(res, "X-Labeld-Warning-List"); }

// A list entry naming a template line: a button that puts the caret there (plain text without a line).
function lineEntry(li, line, text) {
  const full = (line ? t.warningAt(line) + " · " : "") + text;
  if (!line) { li.textContent = full; return; }
  const b = document.createElement("button");
  b.type = "button";
  b.className = "link";
  b.textContent = full;
  b.addEventListener("click", () => goToLine(line));
  li.appendChild(b);
  li.dataset.line = String(line);
}

// X-Labeld-Verification: every barcode as verification found it on the raster
// [{element, line, column, page, symbology, passed, decoded, xDimDots, xDimMils, box: [x, y, w, h], checks: [{check, message}]}].
function verificationList(res) { return headerList(res, "X-Labeld-Verification"); }

// The list under the preview and an outline over each symbol (green: passes; red: a failed check).
function showVerification(list) {
  state.verification = list;
  const box = $("verification");
  box.replaceChildren();
  box.hidden = list.length === 0;
  if (!list.length) { placeOutlines(); return; }
  const ok = list.filter((v) => v.passed).length;
  const head = document.createElement("div");
  head.textContent = t.verified(ok, list.length);
  box.appendChild(head);
  const ul = document.createElement("ul");
  for (const v of list) {
    const li = document.createElement("li");
    li.className = v.passed ? "pass" : "fail";
    li.dataset.element = v.element;
    if (v.line) li.dataset.line = String(v.line);
    const detail = v.passed
      ? `✓ ${v.symbology} ${t.reads} ${v.decoded} · ${v.xDimDots} dots (${v.xDimMils} mil)`
      : "✗ " + v.checks.map((c) => `${c.check}: ${c.message}`).join("; ");
    lineEntry(li, v.line, v.element + " " + detail);
    ul.appendChild(li);
  }
  box.appendChild(ul);
  placeOutlines();
}

function placeOutlines() {
  const layer = $("outlines"), img = $("preview");
  layer.replaceChildren();
  if (!img.naturalWidth) return;
  const scale = img.getBoundingClientRect().width / img.naturalWidth;
  layer.style.left = img.offsetLeft + "px";
  layer.style.top = img.offsetTop + "px";
  for (const v of state.verification || []) {
    if (v.page !== 1 || !Array.isArray(v.box)) continue;
    const d = document.createElement("div");
    d.className = "outline " + (v.passed ? "pass" : "fail");
    d.dataset.element = v.element;
    d.title = v.element + (v.passed ? " ✓" : " ✗ " + v.checks.map((c) => c.check).join(", "));
    const [x, y, w, h] = v.box;
    Object.assign(d.style, { left: x * scale + "px", top: y * scale + "px", width: w * scale + "px", height: h * scale + "px" });
    layer.appendChild(d);
  }
}

function showWarnings(count, list) {
  const box = $("warnings");
  box.replaceChildren();
  state.warnings = list;
  box.hidden = count === 0;
  if (!count) return;
  const head = document.createElement("div");
  head.textContent = t.warnings(count);
  box.appendChild(head);
  const ul = document.createElement("ul");
  for (const w of list) {
    const li = document.createElement("li");
    lineEntry(li, w.line, w.element + ": " + w.message);
    li.dataset.element = w.element;
    ul.appendChild(li);
  }
  if (count > list.length) {
    const li = document.createElement("li");
    li.textContent = t.moreWarnings(count - list.length);
    ul.appendChild(li);
  }
  box.appendChild(ul);
}

function currentData() {
  const text = $("data").value.trim();
  if (!text) return {};
  try { return JSON.parse(text); } catch (e) { throw Object.assign(new Error(t.badJSON), { problem: { detail: t.badJSON + ": " + e.message } }); }
}

async function render() {
  const seq = ++state.seq;
  status(t.rendering);
  try {
    const body = { template: $("template").value || undefined, source: $("source").value, data: currentData(), format: "png", dpi: Number($("dpi").value) };
    const started = performance.now();
    const res = await api("POST", "/v1/preview", body, "image/png");
    const bytes = new Uint8Array(await res.arrayBuffer());
    if (seq !== state.seq) return;  // a newer edit is on its way
    let digest = 0;
    for (let i = 0; i < bytes.length; i++) digest = (digest * 31 + bytes[i]) >>> 0;
    state.digest = digest;
    if (state.previewURL) URL.revokeObjectURL(state.previewURL);
    state.previewURL = URL.createObjectURL(new Blob([bytes], { type: "image/png" }));
    const shown = new Promise((resolve) => $("preview").addEventListener("load", resolve, { once: true }));
    $("preview").src = state.previewURL;
    await shown;
    // From the request to the new image on screen: the designer's preview latency.
    (state.previewTimes = state.previewTimes || []).push(performance.now() - started);
    showWarnings(Number(res.headers.get("X-Labeld-Warnings") || "0"), warningList(res));
    showVerification(verificationList(res));
    showError(null);
    if (window.onPreview) window.onPreview(res);
    state.rendered = (state.rendered || 0) + 1;
    status(t.ready);
  } catch (e) {
    if (seq !== state.seq) return;
    showWarnings(0, []);  // the warnings were of the last preview, not of this text
    showVerification([]);
    showError(e.problem || { detail: e.message });
    status("");
  }
}

let timer = null;
function schedule() { clearTimeout(timer); timer = setTimeout(render, 250); }
$("source").addEventListener("input", schedule);
$("data").addEventListener("input", schedule);
$("dpi").addEventListener("change", render);

// Zoom 100 % is one printer dot per screen pixel. Fitted, it is the largest zoom up to 100 % at
// which the whole label shows in the pane (75 % of the window's height at most).
function fitZoom() {
  const img = $("preview"), paper = document.querySelector(".paper");
  if (!img.naturalWidth || !img.naturalHeight) return 1;
  const cs = getComputedStyle(paper);
  const dpr = window.devicePixelRatio || 1;
  const width = paper.clientWidth - parseFloat(cs.paddingLeft) - parseFloat(cs.paddingRight);
  const maxHeight = parseFloat(cs.maxHeight);
  const height = (Number.isFinite(maxHeight) ? maxHeight : window.innerHeight * 0.75)
    - parseFloat(cs.paddingTop) - parseFloat(cs.paddingBottom) - parseFloat(cs.borderTopWidth) - parseFloat(cs.borderBottomWidth);
  const z = Math.min(1, (width - 1) * dpr / img.naturalWidth, (height - 1) * dpr / img.naturalHeight);
  return Math.max(0.01, z);
}

function applyZoom() {
  const img = $("preview");
  const z = state.fit ? fitZoom() : Number($("zoom").value) / 100;
  state.zoom = z;
  if (state.fit) $("zoom").value = String(Math.round(z * 4) * 25);  // the slider near it (it snaps to 25 % steps)
  $("zoomValue").textContent = Math.round(z * 100) + "%";
  $("fit").disabled = state.fit;
  if (img.naturalWidth) img.style.width = Math.floor(img.naturalWidth * z / (window.devicePixelRatio || 1)) + "px";
  placeOutlines();
}
$("zoom").addEventListener("input", () => { state.fit = false; applyZoom(); });
$("fit").addEventListener("click", () => { state.fit = true; applyZoom(); });
$("preview").addEventListener("load", applyZoom);  // a new size or dpi: fitted again
window.addEventListener("resize", () => { if (state.fit) applyZoom(); });

$("download").addEventListener("click", async () => {
  try {
    const body = { template: $("template").value || undefined, source: $("source").value, data: currentData(), format: "pdf", dpi: Number($("dpi").value) };
    const res = await api("POST", "/v1/preview", body, "application/pdf");
    const blob = await res.blob();
    const a = document.createElement("a");
    a.href = URL.createObjectURL(blob);
    a.download = ($("template").value || "label").replace(/\//g, "-") + ".pdf";
    document.body.appendChild(a);
    a.click();
    a.remove();
    state.lastDownloadSize = blob.size;
  } catch (e) { showError(e.problem || { detail: e.message }); }
});

$("save").addEventListener("click", async () => {
  const name = $("template").value;
  if (!name) return;
  try {
    const res = await api("PUT", "/v1/templates/" + name, { source: $("source").value });
    const saved = await res.json();
    status(t.saved(saved.revision));
    state.savedRevision = saved.revision;
    if (window.onSaved) window.onSaved();
  } catch (e) { showError(e.problem || { detail: e.message }); }
});

async function loadTemplate(name) {
  const res = await api("GET", "/v1/templates/" + name);
  const tpl = await res.json();
  $("source").value = tpl.source;
  $("data").value = tpl.sample ? JSON.stringify(tpl.sample, null, 2) : "{}";
  if (window.onTemplateLoaded) window.onTemplateLoaded();
  await render();
}
$("template").addEventListener("change", () => loadTemplate($("template").value).catch((e) => showError(e.problem || { detail: e.message })));

async function loadTemplates() {
  try {
    // Which role this token has: said on the page.
    const me = await (await api("GET", "/v1/whoami")).json();
    $("who").textContent = `${me.name} · ${me.role}`;
    $("who").dataset.role = me.role;
    const res = await api("GET", "/v1/templates");
    const list = await res.json();
    const select = $("template");
    select.innerHTML = "";
    for (const item of list) {
      const o = document.createElement("option");
      o.value = item.name;
      o.textContent = `${item.name} — ${item.description || ""} (${item.widthMM}×${item.heightMM} mm)`;
      select.appendChild(o);
    }
    const wanted = new URLSearchParams(location.search).get("template");
    if (wanted && list.some((i) => i.name === wanted)) select.value = wanted;
    if (select.value) await loadTemplate(select.value);
    state.loaded = true;
  } catch (e) { showError(e.problem || { detail: e.message }); }
}
loadTemplates();
