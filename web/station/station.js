// labeld packing station: one always-focused scan field (a barcode scanner is a keyboard that
// types the code and Enter). A scan prints the waybill on the station's printer; the job's state
// follows live from the server's event stream; errors are loud (red screen and a beep); a
// waybill scanned again is confirmed, and can be printed again (재출력) with a reason.
// Plain JS, no build step.
"use strict";

const T = {
  ko: {
    title: "labeld 패킹 스테이션", token: "API 토큰", scanLabel: "스캔", scanPlaceholder: "송장 또는 주문 바코드를 스캔하세요",
    waybill: "송장번호", order: "주문번호", receiver: "받는 분", products: "상품", recent: "최근 작업",
    reprint: "재출력", reprintTitle: "재출력 사유", reprintGo: "재출력", cancel: "취소",
    reasonJam: "용지 걸림", reasonFaint: "인쇄 흐림", reasonDamaged: "라벨 훼손", reasonLost: "분실",
    reasonPlaceholder: "사유를 고르거나 입력하세요", reasonRequired: "재출력 사유를 입력하세요",
    reprintOfJob: (id, title) => `작업 #${id} · ${title}`,
    needToken: "API 토큰을 입력하고 Enter를 누르세요 (스테이션 토큰: labeld tokens create --role station --name pack-1 --printer pack-1)",
    badToken: "토큰이 맞지 않습니다. 다시 입력하세요.",
    tokenPlaceholder: "스테이션 토큰",
    idle: "스캔 대기", idleDetail: "송장 또는 주문 바코드를 스캔하세요",
    scanning: "확인 중…",
    busy: "인쇄 중",
    sub: { queued: "대기열에 있음", rendering: "라벨을 그리는 중", sending: "프린터로 보내는 중", sent: "프린터가 인쇄하는 중" },
    completed: "인쇄 완료",
    held: "인쇄 보류", verifyFailed: "바코드 검증 실패",
    failed: "인쇄 실패", uncertain: "인쇄 확인 필요", uncertainDetail: "마지막으로 나온 라벨을 스캔하세요",
    canceled: "인쇄 취소됨",
    unknown: "등록되지 않은 코드", notPrintable: "출력할 수 없는 송장", failedRequest: "오류",
    network: "서버에 연결할 수 없습니다", networkDetail: "네트워크와 labeld 서버를 확인하세요",
    auth: "토큰이 맞지 않습니다", forbidden: "권한이 없습니다", printerUnavailable: "프린터를 지금 쓸 수 없습니다",
    printedConfirmed: "이미 출력됨 · 라벨 확인됨", printedAlready: "이미 출력됨 · 이미 확인된 라벨",
    duplicate: "이중 출력! 같은 송장이 두 번 출력되었습니다",
    printedCount: (n) => `출력 ${n}회`,
    reprintMark: "재출력",
    printerName: (n) => `프린터 ${n}`, printerReady: "준비됨", printerNotReady: "준비 안 됨", printerUnknown: "상태 확인 중",
    connected: "실시간 연결됨", disconnected: "연결 끊김 · 다시 연결 중…",
    states: { queued: "대기", rendering: "그리는 중", sending: "보내는 중", sent: "인쇄 중", completed: "완료", held: "보류",
              failed: "실패", canceled: "취소", uncertain: "확인 필요" },
    jobMeta: (id, printer, attempts) => `작업 #${id} · ${printer}` + (attempts > 1 ? ` · 시도 ${attempts}회` : ""),
    roles: { owner: "대표운영자", operator: "부운영자", station: "스테이션" },
  },
  en: {
    title: "labeld packing station", token: "API token", scanLabel: "Scan", scanPlaceholder: "Scan a waybill or order barcode",
    waybill: "Waybill", order: "Order", receiver: "Receiver", products: "Products", recent: "Recent jobs",
    reprint: "Reprint", reprintTitle: "Reason for the reprint", reprintGo: "Reprint", cancel: "Cancel",
    reasonJam: "Paper jam", reasonFaint: "Faint print", reasonDamaged: "Damaged label", reasonLost: "Lost",
    reasonPlaceholder: "Pick or type a reason", reasonRequired: "Give a reason for the reprint",
    reprintOfJob: (id, title) => `job #${id} · ${title}`,
    needToken: "Enter an API token and press Enter (a station token: labeld tokens create --role station --name pack-1 --printer pack-1)",
    badToken: "The token was not accepted. Enter it again.",
    tokenPlaceholder: "station token",
    idle: "Ready to scan", idleDetail: "Scan a waybill or order barcode",
    scanning: "Checking…",
    busy: "Printing",
    sub: { queued: "queued", rendering: "rendering the label", sending: "sending to the printer", sent: "the printer is printing" },
    completed: "Printed",
    held: "Printing held", verifyFailed: "Barcode verification failed",
    failed: "Printing failed", uncertain: "Check the printer", uncertainDetail: "Scan the last label that came out",
    canceled: "Printing canceled",
    unknown: "Unknown code", notPrintable: "This waybill cannot print", failedRequest: "Error",
    network: "Cannot reach the server", networkDetail: "Check the network and the labeld server",
    auth: "The token was not accepted", forbidden: "Not allowed", printerUnavailable: "The printer cannot take it now",
    printedConfirmed: "Already printed · label confirmed", printedAlready: "Already printed · label was confirmed before",
    duplicate: "Double print! This waybill was printed twice",
    printedCount: (n) => `printed ${n}×`,
    reprintMark: "reprint",
    printerName: (n) => `Printer ${n}`, printerReady: "ready", printerNotReady: "not ready", printerUnknown: "checking",
    connected: "live", disconnected: "disconnected · reconnecting…",
    states: { queued: "queued", rendering: "rendering", sending: "sending", sent: "printing", completed: "done", held: "held",
              failed: "failed", canceled: "canceled", uncertain: "uncertain" },
    jobMeta: (id, printer, attempts) => `job #${id} · ${printer}` + (attempts > 1 ? ` · attempt ${attempts}` : ""),
    roles: { owner: "owner", operator: "operator", station: "station" },
  },
};
const lang = (navigator.language || "ko").toLowerCase().startsWith("ko") ? "ko" : "en";
const t = T[lang];
document.documentElement.lang = lang;
for (const el of document.querySelectorAll("[data-t]")) {
  const v = t[el.dataset.t];
  if (typeof v === "string") el.textContent = v;
}
document.title = t.title;

const $ = (id) => document.getElementById(id);
const BUSY = new Set(["queued", "rendering", "sending", "sent"]);
const BAD = new Set(["held", "failed", "uncertain", "canceled"]);
const RANK = { queued: 0, rendering: 1, sending: 2, sent: 3, held: 3, uncertain: 4, completed: 5, failed: 5, canceled: 5 };
const TOKEN_KEY = "labeld.token";

// The debugging surface tests read.
const station = { currentJob: null, lastError: null, events: 0, connected: false, lastScan: "" };
window.labeldStation = station;

let token = "";
let me = null;                 // GET /v1/whoami: {name, role, printers}
let view = "idle";             // idle | scanning | job (the banner follows currentJob) | printed | problem
let alarmed = "";              // the error last beeped for, so a job's repeated events beep once
let scanChain = Promise.resolve();
let scanSeq = 0;
const jobs = new Map();        // id → the newest version seen of each job (answers, list, events)
const printers = new Map();    // name → the last printer event

$("scan").placeholder = t.scanPlaceholder;
$("token").placeholder = t.tokenPlaceholder;
$("reprintReason").placeholder = t.reasonPlaceholder;

// MARK: Sound: two short square beeps at 880 Hz. The context is made on the first key press (a
// browser lets a page play sound only after a user gesture); without audio nothing happens.

let audio = null;
function unlockAudio() {
  if (audio) return;
  try {
    const Ctx = window.AudioContext || window.webkitAudioContext;
    if (Ctx) audio = new Ctx();
  } catch (_) { audio = null; }
}
document.addEventListener("keydown", unlockAudio, true);
document.addEventListener("pointerdown", unlockAudio, true);

function beep() {
  try {
    if (!audio) return;
    if (audio.state === "suspended") audio.resume().catch(() => {});
    const start = audio.currentTime + 0.02;
    for (let i = 0; i < 2; i++) {
      const osc = audio.createOscillator(), gain = audio.createGain();
      osc.type = "square";
      osc.frequency.value = 880;
      gain.gain.value = 0.2;
      osc.connect(gain);
      gain.connect(audio.destination);
      const at = start + i * 0.35;
      osc.start(at);
      osc.stop(at + 0.25);
    }
  } catch (_) { /* no audio: the red screen says it */ }
}

// MARK: Focus: the scan field always has it, except while the reprint dialog or the token box needs it.

function dialogOpen() { return $("reprintDialog").open; }
function tokenNeeded() { return !$("tokenBox").hidden; }
function refocus() {
  if (dialogOpen() || tokenNeeded()) return;
  const scan = $("scan");
  if (document.activeElement !== scan) scan.focus({ preventScroll: true });
}
// A scanner types wherever the focus is: keys that land elsewhere (a button clicked a moment ago)
// go into the scan field, so no digit of a scan is lost.
document.addEventListener("keydown", (e) => {
  if (dialogOpen() || tokenNeeded() || e.target === $("scan") || e.ctrlKey || e.metaKey || e.altKey) return;
  if (e.key.length === 1) {
    e.preventDefault();
    $("scan").value += e.key;
    refocus();
  } else if (e.key === "Enter" && $("scan").value.trim()) {
    e.preventDefault();
    const code = $("scan").value.trim();
    $("scan").value = "";
    refocus();
    onScan(code);
  }
}, true);
$("scan").addEventListener("blur", () => setTimeout(refocus, 0));
document.addEventListener("click", () => setTimeout(refocus, 0));
window.addEventListener("focus", () => setTimeout(refocus, 0));
document.addEventListener("visibilitychange", () => { if (!document.hidden) setTimeout(refocus, 0); });

// MARK: Token: once per browser session (sessionStorage), or #token=… in the address (stored, then removed).

function takeTokenFromHash() {
  const params = new URLSearchParams(location.hash.slice(1));
  const fromHash = params.get("token");
  if (!fromHash) return;
  sessionStorage.setItem(TOKEN_KEY, fromHash.trim());
  params.delete("token");
  const rest = params.toString();
  history.replaceState(null, "", location.pathname + location.search + (rest ? "#" + rest : ""));
}

function askToken(message) {
  $("tokenBox").hidden = false;
  $("tokenMessage").textContent = message;
  $("token").value = "";
  $("token").focus();
}

function submitToken() {
  if ($("tokenBox").hidden) return;  // Enter took it already (the change event follows the blur)
  const value = $("token").value.trim();
  if (!value) return;
  sessionStorage.setItem(TOKEN_KEY, value);
  $("tokenBox").hidden = true;
  start();
}
$("token").addEventListener("keydown", (e) => { if (e.key === "Enter") { e.preventDefault(); submitToken(); } });
$("token").addEventListener("change", submitToken);

// MARK: HTTP

class ApiError extends Error {
  constructor(status, problem) {
    super(problem.detail || problem.title || String(status));
    this.status = status;
    this.problem = problem;
  }
}

async function api(method, path, body) {
  let res;
  try {
    res = await fetch(path, {
      method,
      headers: { "Authorization": "Bearer " + token, "Accept": "application/json", ...(body === undefined ? {} : { "Content-Type": "application/json" }) },
      body: body === undefined ? undefined : JSON.stringify(body),
      cache: "no-store",
    });
  } catch (e) {
    throw new ApiError(0, { code: "network", detail: t.networkDetail });
  }
  let data = null;
  const text = await res.text().catch(() => "");
  try { data = text ? JSON.parse(text) : null; } catch (_) { data = null; }
  if (!res.ok) {
    const problem = data && typeof data === "object" ? data : { status: res.status, detail: text || res.statusText };
    if (!problem.code) problem.code = "http." + res.status;
    throw new ApiError(res.status, problem);
  }
  return { status: res.status, data };
}

// MARK: Jobs: the newest version of each wins (an event may overtake the answer that made the job).

function newer(a, b) {
  // Is a newer than b?
  if (!b) return true;
  if (a.updatedAt !== b.updatedAt) return String(a.updatedAt) > String(b.updatedAt);
  return (RANK[a.state] ?? 0) >= (RANK[b.state] ?? 0);
}

function remember(job) {
  if (!job || job.id === undefined) return job;
  const known = jobs.get(job.id);
  const best = newer(job, known) ? job : known;
  jobs.set(job.id, best);
  if (jobs.size > 300) {
    // A day of scans: only the newest jobs are kept (the list shows 10).
    const ids = [...jobs.keys()].sort((a, b) => a - b);
    for (const id of ids.slice(0, jobs.size - 200)) if (!station.currentJob || station.currentJob.id !== id) jobs.delete(id);
  }
  return best;
}

function shipmentOf(job) {
  for (const s of job.sources || []) {
    const m = /^shipment:(\d+)$/.exec(s);
    if (m) return Number(m[1]);
  }
  return null;
}

// "송장 6000-0000-0001 (ORDER-1)" → waybill and order.
function parseTitle(title) {
  const m = /^\S+\s+(\S+)(?:\s+\((.*)\))?\s*$/.exec(title || "");
  if (!m) return { waybill: title || "", order: "" };
  return { waybill: m[1], order: m[2] || "" };
}

// MARK: What the screen shows

function setBody(kind, errorCode) {
  const b = document.body;
  for (const c of ["idle", "scanning", "busy", "ok", "error", "printed"]) b.classList.toggle(c, c === kind);
  if (errorCode) b.dataset.error = errorCode; else delete b.dataset.error;
  station.lastError = errorCode || null;
}

function banner(state, headline, detail) {
  const box = $("jobState");
  box.dataset.state = state;
  $("headline").textContent = headline;
  $("detail").textContent = detail || "";
  $("detail").hidden = !detail;
}

function alarm(key) {
  if (key === alarmed) return;
  alarmed = key;
  beep();
}

function clearDetails() {
  $("waybill").textContent = "—";
  $("order").textContent = "—";
  $("receiver").textContent = "—";
  $("receiverField").hidden = true;
  $("products").replaceChildren();
  $("productsField").hidden = true;
  $("confirmMessage").hidden = true;
  $("confirmMessage").textContent = "";
  $("confirmMessage").className = "confirmMessage";
  $("reprint").hidden = true;
  $("jobMeta").textContent = "";
  $("result").dataset.reprint = "false";
  $("result").classList.add("noJob");
}

function showJobDetails(job) {
  $("result").classList.remove("noJob");
  const { waybill, order } = parseTitle(job.title);
  if ($("waybill").dataset.from !== "record" || $("waybill").dataset.job !== String(job.id)) {
    $("waybill").textContent = waybill || "—";
    $("order").textContent = order || "—";
    $("waybill").dataset.from = "title";
    $("waybill").dataset.job = String(job.id);
  }
  $("jobMeta").textContent = t.jobMeta(job.id, job.printer, job.attempts || 0);
  $("result").dataset.reprint = job.reprintOf ? "true" : "false";
}

function showRecord(jobId, record) {
  if (!record || !station.currentJob || station.currentJob.id !== jobId) return;
  if (record.waybill_no) $("waybill").textContent = record.waybill_no;
  const orders = record.order_numbers || record.order_no;
  if (orders) $("order").textContent = orders;
  $("waybill").dataset.from = "record";
  $("waybill").dataset.job = String(jobId);
  const r = record.receiver || {};
  const receiver = $("receiver");
  receiver.replaceChildren();
  const name = document.createElement("span");
  name.className = "receiverName";
  name.textContent = r.name || "—";
  receiver.appendChild(name);
  if (r.address) {
    const addr = document.createElement("span");
    addr.className = "receiverAddress";
    addr.textContent = r.address;
    receiver.appendChild(addr);
  }
  $("receiverField").hidden = false;
  const list = $("products");
  list.replaceChildren();
  for (const p of record.products || []) {
    const li = document.createElement("li");
    const n = document.createElement("span");
    n.className = "productName";
    n.textContent = p.name + (p.option ? " · " + p.option : "");
    const q = document.createElement("span");
    q.className = "qty";
    q.textContent = "× " + p.qty;
    li.append(n, q);
    list.appendChild(li);
  }
  $("productsField").hidden = list.children.length === 0;
}

async function loadRecord(job) {
  const id = shipmentOf(job);
  if (id === null) return;
  try {
    const { data } = await api("GET", `/v1/shipments/${id}/label`);
    showRecord(job.id, data && data.data);
  } catch (e) {
    // 403: a label another printer printed (a station reads only its own printers' records): the
    // job's title is all it shows for this one.
  }
}

// 재출력 of a job that printed (or ended): not while it is on its way, held or in doubt.
function canReprint(job) { return job && ["completed", "sent", "failed", "canceled"].includes(job.state); }

// The banner follows the current job's state.
function showJob(job) {
  view = "job";
  showJobDetails(job);
  const s = job.state;
  if (BUSY.has(s)) {
    setBody("busy", null);
    banner(s, t.busy, t.sub[s] || s);
  } else if (s === "completed") {
    setBody("ok", null);
    banner(s, t.completed, job.reprintOf ? `${t.reprintMark} · ${job.reprintReason || ""}` : "");
    alarmed = "";
  } else if (s === "held" && Array.isArray(job.verification) && job.verification.length) {
    const note = job.verification[0];
    setBody("error", note.check || "verify.failed");
    banner(s, t.verifyFailed, `${note.check}: ${note.message}` + (job.verification.length > 1 ? ` (+${job.verification.length - 1})` : ""));
    alarm(`${job.id}:${s}:${note.check}`);
  } else if (BAD.has(s)) {
    setBody("error", "job." + s);
    const detail = s === "uncertain" ? [t.uncertainDetail, job.reason].filter(Boolean).join(" · ") : (job.reason || "");
    banner(s, t[s] || s, detail);
    alarm(`${job.id}:${s}:${job.reason || ""}`);
  } else {
    setBody("busy", null);
    banner(s, s, job.reason || "");
  }
  $("reprint").hidden = !canReprint(job);
}

function showProblem(code, headline, detail) {
  view = "problem";
  setBody("error", code);
  banner("error", headline, detail);
  alarm("problem:" + code + ":" + detail + ":" + scanSeq);
}

function showApiError(e) {
  const p = e.problem || {};
  const code = p.code || "error";
  let headline = t.failedRequest;
  if (e.status === 0) { showProblem("network", t.network, t.networkDetail); return; }
  if (e.status === 404) headline = t.unknown;
  else if (/not_printable|no_waybill|routing|undeliverable/.test(code) || e.status === 422 || e.status === 409) headline = t.notPrintable;
  else if (e.status === 503) headline = t.printerUnavailable;
  else if (e.status === 401) headline = t.auth;
  else if (e.status === 403) headline = t.forbidden;
  showProblem(code, headline, p.detail || p.title || "");
  if (e.status === 401) { sessionStorage.removeItem(TOKEN_KEY); askToken(t.badToken); }
}

// MARK: A scan

function setCurrent(job) {
  station.currentJob = remember(job);
  return station.currentJob;
}

async function handleScan(code, seq) {
  let answer;
  try {
    answer = await api("POST", "/v1/print", { code });
  } catch (e) {
    if (seq !== scanSeq) return;
    station.currentJob = null;
    clearDetails();
    showApiError(e);
    return;
  }
  if (seq !== scanSeq) return;
  const { job, repeated } = answer.data || {};
  if (!job) { showProblem("response", t.failedRequest, "no job in the answer"); return; }
  clearDetails();
  const current = setCurrent(job);
  updateRecent(current);
  if (repeated) {
    // Printed before: this scan of the printed barcode confirms the label.
    showJobDetails(current);
    loadRecord(current);
    await confirmLabel(code, current, seq);
    return;
  }
  showJob(current);
  loadRecord(current);
}

// The waybill was printed before: this scan of it confirms the label.
async function confirmLabel(code, job, seq) {
  let answer;
  try {
    answer = await api("POST", "/v1/labels/confirm", { code });
  } catch (e) {
    if (seq !== scanSeq) return;
    if (e.problem && e.problem.code === "label.not-printed") {
      // Not printed yet (its job still runs or waits): the banner follows the job; this is information.
      showJob(station.currentJob || job);
      const m = $("confirmMessage");
      m.textContent = e.problem.detail || "";
      m.className = "confirmMessage info";
      m.hidden = false;
      return;
    }
    showApiError(e);
    return;
  }
  if (seq !== scanSeq) return;
  const c = answer.data || {};
  view = "printed";
  const m = $("confirmMessage");
  m.textContent = c.message + (c.printedCount ? ` · ${t.printedCount(c.printedCount)}` : "");
  m.className = "confirmMessage" + (c.duplicate ? " bad" : "");
  m.hidden = false;
  $("reprint").hidden = false;
  const headline = c.status === "already-confirmed" ? t.printedAlready : t.printedConfirmed;
  if (c.duplicate) {
    setBody("error", "label.duplicate");
    document.body.classList.add("printed");
    banner("printed", t.duplicate, headline);
    alarm("duplicate:" + code + ":" + seq);
  } else {
    setBody("printed", null);
    banner("printed", headline, job.title || "");
  }
}

function onScan(code) {
  station.lastScan = code;
  const seq = ++scanSeq;
  view = "scanning";
  alarmed = "";
  setBody("scanning", null);
  banner("scanning", t.scanning, code);
  // Scans are sent one after another, in the order they were made; the newest one is shown.
  scanChain = scanChain.then(() => handleScan(code, seq)).catch(() => {});
}

$("scan").addEventListener("keydown", (e) => {
  if (e.key !== "Enter") return;
  e.preventDefault();
  const code = $("scan").value.trim();
  $("scan").value = "";
  if (!code || tokenNeeded()) return;
  onScan(code);
});

// MARK: 재출력

function openReprint() {
  const job = station.currentJob;
  if (!job) return;
  $("reprintJob").textContent = t.reprintOfJob(job.id, job.title || "");
  $("reprintReason").value = "";
  $("reprintError").hidden = true;
  for (const b of document.querySelectorAll(".reason")) b.classList.remove("chosen");
  $("reprintDialog").showModal();
  $("reprintReason").focus();
}

function closeReprint() {
  if (dialogOpen()) $("reprintDialog").close();
}

async function goReprint() {
  const job = station.currentJob;
  const reason = $("reprintReason").value.trim();
  if (!reason) {
    $("reprintError").textContent = t.reasonRequired;
    $("reprintError").hidden = false;
    $("reprintReason").focus();
    return;
  }
  if (!job) { closeReprint(); return; }
  $("reprintGo").disabled = true;
  try {
    const { data } = await api("POST", `/v1/jobs/${job.id}/reprint`, { reason });
    closeReprint();
    scanSeq++;  // a scan still on its way shows nothing over the reprint
    alarmed = "";
    clearDetails();
    const current = setCurrent(data);
    updateRecent(current);
    showJob(current);
    loadRecord(current);
  } catch (e) {
    if (e.status === 0 || e.status >= 500 || e.status === 401) { closeReprint(); showApiError(e); }
    else {
      $("reprintError").textContent = (e.problem && (e.problem.detail || e.problem.title)) || String(e.message);
      $("reprintError").hidden = false;
    }
  } finally {
    $("reprintGo").disabled = false;
  }
}

$("reprint").addEventListener("click", openReprint);
$("reprintGo").addEventListener("click", goReprint);
$("reprintCancel").addEventListener("click", closeReprint);
$("reprintReason").addEventListener("keydown", (e) => { if (e.key === "Enter") { e.preventDefault(); goReprint(); } });
for (const b of document.querySelectorAll(".reason")) {
  b.addEventListener("click", () => {
    for (const o of document.querySelectorAll(".reason")) o.classList.toggle("chosen", o === b);
    $("reprintReason").value = b.textContent.trim();
    $("reprintError").hidden = true;
  });
}
$("reprintDialog").addEventListener("close", () => setTimeout(refocus, 0));
$("reprintForm").addEventListener("submit", (e) => e.preventDefault());

// MARK: Recent jobs (newest first, 10)

function updateRecent(job) {
  if (!job) return;
  remember(job);
  renderRecent();
}

function renderRecent() {
  const list = [...jobs.values()].filter(mine).sort((a, b) => b.id - a.id).slice(0, 10);
  const ol = $("recent");
  ol.replaceChildren();
  for (const job of list) {
    const li = document.createElement("li");
    li.dataset.jobId = String(job.id);
    li.dataset.state = job.state;
    if (station.currentJob && station.currentJob.id === job.id) li.classList.add("current");
    const state = document.createElement("span");
    state.className = "state";
    state.textContent = t.states[job.state] || job.state;
    const title = document.createElement("span");
    title.className = "title";
    title.textContent = (job.reprintOf ? `[${t.reprintMark}] ` : "") + (job.title || job.kind || "");
    const meta = document.createElement("span");
    meta.className = "meta";
    meta.textContent = `#${job.id} · ${clock(job.updatedAt || job.createdAt)}`;
    li.append(state, title, meta);
    if (job.reason && BAD.has(job.state)) li.title = job.reason;
    ol.appendChild(li);
  }
}

function mine(job) {
  const own = me && Array.isArray(me.printers) && me.printers.length ? me.printers : null;
  return !own || own.includes(job.printer);
}

function clock(stamp) {
  const d = new Date(stamp);
  if (Number.isNaN(d.getTime())) return "";
  const two = (n) => String(n).padStart(2, "0");
  return `${two(d.getHours())}:${two(d.getMinutes())}:${two(d.getSeconds())}`;
}

async function loadRecent() {
  try {
    const { data } = await api("GET", "/v1/jobs?limit=10");
    for (const job of Array.isArray(data) ? data : []) remember(job);
    renderRecent();
  } catch (e) {
    if (e.status === 401) showApiError(e);
  }
}

// MARK: Printer status line

function stationPrinter() {
  if (station.currentJob && printers.has(station.currentJob.printer)) return station.currentJob.printer;
  if (me && me.printers && me.printers.length) return me.printers[0];
  return printers.keys().next().value;
}

function renderPrinter() {
  const el = $("printer");
  const name = stationPrinter();
  const p = name ? printers.get(name) : null;
  if (!p) {
    el.dataset.ready = "unknown";
    el.textContent = name ? `${t.printerName(name)} · ${t.printerUnknown}` : "";
    return;
  }
  el.dataset.ready = p.ready ? "true" : "false";
  el.dataset.state = p.state || "";
  el.textContent = `${t.printerName(p.name)} · ${p.ready ? t.printerReady : t.printerNotReady}` + (!p.ready && p.reason ? ` · ${p.reason}` : "");
}

// MARK: Live events: fetch() streaming (EventSource cannot send the Authorization header)

let streamGeneration = 0;
let reconnectDelay = 1000;
let everConnected = false;

function setConnected(on) {
  station.connected = on;
  $("conn").dataset.connected = on ? "true" : "false";
  $("conn").textContent = on ? t.connected : t.disconnected;
}

function dispatch(name, dataText) {
  let data;
  try { data = JSON.parse(dataText); } catch (_) { return; }
  station.events++;
  if (name === "printer") {
    if (data && data.name) { printers.set(data.name, data); renderPrinter(); }
  } else if (name === "job") {
    const job = remember(data);
    if (station.currentJob && station.currentJob.id === job.id) {
      station.currentJob = job;
      if (view === "job") showJob(job);
    }
    renderRecent();
  }
}

let streamAbort = null;

async function stream() {
  const generation = ++streamGeneration;
  if (streamAbort) streamAbort.abort();  // the stream of a token before this one
  const abort = new AbortController();
  streamAbort = abort;
  let res;
  try {
    res = await fetch("/v1/events", { headers: { "Authorization": "Bearer " + token, "Accept": "text/event-stream" }, cache: "no-store", signal: abort.signal });
  } catch (_) {
    return retryStream(generation);
  }
  if (res.status === 401) { setConnected(false); sessionStorage.removeItem(TOKEN_KEY); askToken(t.badToken); return; }
  if (!res.ok || !res.body) { return retryStream(generation); }
  setConnected(true);
  if (everConnected) resync();  // changes made while the stream was down
  everConnected = true;
  const reader = res.body.getReader();
  const decoder = new TextDecoder();
  let buffer = "", event = "message", data = [];
  try {
    for (;;) {
      const { value, done } = await reader.read();
      if (done || generation !== streamGeneration) break;
      buffer += decoder.decode(value, { stream: true });
      let nl;
      while ((nl = buffer.indexOf("\n")) >= 0) {
        let line = buffer.slice(0, nl);
        buffer = buffer.slice(nl + 1);
        if (line.endsWith("\r")) line = line.slice(0, -1);
        if (line === "") {
          if (data.length) dispatch(event, data.join("\n"));
          event = "message";
          data = [];
          continue;
        }
        if (line.startsWith(":")) continue;  // a comment (keep-alive)
        const colon = line.indexOf(":");
        const field = colon < 0 ? line : line.slice(0, colon);
        let val = colon < 0 ? "" : line.slice(colon + 1);
        if (val.startsWith(" ")) val = val.slice(1);
        if (field === "event") event = val || "message";
        else if (field === "data") data.push(val);
        else if (field === "retry" && /^\d+$/.test(val)) reconnectDelay = Math.min(Math.max(Number(val), 250), 10000);
      }
    }
  } catch (_) { /* the connection broke */ }
  try { reader.cancel().catch(() => {}); } catch (_) { /* closed */ }
  retryStream(generation);
}

function retryStream(generation) {
  if (generation !== streamGeneration) return;
  setConnected(false);
  setTimeout(() => { if (generation === streamGeneration) stream(); }, reconnectDelay);
}

// After a reconnect: the list again, and the current job as it is now.
async function resync() {
  loadRecent();
  const job = station.currentJob;
  if (!job || !(BUSY.has(job.state) || job.state === "held" || job.state === "uncertain")) return;
  try {
    const { data } = await api("GET", `/v1/jobs/${job.id}`);
    const best = remember(data);
    if (station.currentJob && station.currentJob.id === best.id) {
      station.currentJob = best;
      if (view === "job") showJob(best);
    }
    renderRecent();
  } catch (_) { /* the stream brings it */ }
}

// While the stream is down, the current unfinished job is asked for every 3 s.
setInterval(() => { if (token && !station.connected) resync(); }, 3000);

// MARK: Start

async function start() {
  const previous = token;
  token = sessionStorage.getItem(TOKEN_KEY) || "";
  if (!token) { askToken(t.needToken); return; }
  if (previous && previous !== token) {
    // Another token: another station's jobs and printers.
    jobs.clear();
    printers.clear();
    station.currentJob = null;
    clearDetails();
    renderRecent();
  }
  $("tokenBox").hidden = true;
  try {
    const { data } = await api("GET", "/v1/whoami");
    me = data || {};
    $("who").textContent = `${me.name} · ${me.role}`;
    $("who").title = (t.roles[me.role] || me.role) + (me.printers && me.printers.length ? " · " + me.printers.join(", ") : "");
    $("who").dataset.role = me.role || "";
  } catch (e) {
    if (e.status === 401) { sessionStorage.removeItem(TOKEN_KEY); askToken(t.badToken); return; }
    if (e.status === 0) { showProblem("network", t.network, t.networkDetail); setTimeout(start, 3000); return; }
    me = { name: "", role: "", printers: [] };
  }
  renderPrinter();
  if (view === "idle") { setBody("idle", null); banner("idle", t.idle, t.idleDetail); }
  loadRecent();
  stream();
  refocus();
}

// A token given in the address of the open page: taken, and the page starts again with it.
window.addEventListener("hashchange", () => {
  if (!new URLSearchParams(location.hash.slice(1)).get("token")) return;
  takeTokenFromHash();
  $("tokenBox").hidden = true;
  start();
});

takeTokenFromHash();
setBody("idle", null);
banner("idle", t.idle, t.idleDetail);
setConnected(false);
clearDetails();
start();
