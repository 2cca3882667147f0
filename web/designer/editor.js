// labeld template designer — the canvas and the inspector. The elements of the template are
// outlines over the 1-bit preview: click selects (and highlights the element's lines in the YAML),
// drag moves, the corner handle resizes, arrows nudge a dot (Shift: 1 mm), Delete removes,
// Ctrl+Z / Ctrl+Shift+Z undo and redo. Every edit goes to the server, which changes only the
// element's keys in the YAML text (POST /v1/templates/edit): the text stays the author's.
"use strict";

const E = {
  ko: {
    inspector: "속성", palette: "요소 추가", fields: "데이터 필드", revisions: "리비전", grid: "격자",
    none: "요소를 선택하세요 (클릭). 끌어서 이동, 모서리로 크기 조절, 화살표 1도트, Shift+화살표 1mm, Delete 삭제, Ctrl+Z 되돌리기",
    yamlOnly: "(YAML에서 편집)", shipment: "실제 배송건 번호", loadShipment: "불러오기", insert: "삽입", filter: "필터",
    compare: "비교", open: "열기", noDiff: "차이 없음", undo: "되돌리기", redo: "다시 실행", remove: "삭제",
    types: { text: "텍스트", barcode: "바코드", box: "상자", line: "선", image: "이미지", repeat: "반복(상품목록)" },
  },
  en: {
    inspector: "Inspector", palette: "Add element", fields: "Data fields", revisions: "Revisions", grid: "Grid",
    none: "Select an element (click). Drag moves, the corner handle resizes, arrows nudge a dot, Shift+arrows 1 mm, Delete removes, Ctrl+Z undoes",
    yamlOnly: "(edit in the YAML)", shipment: "A real shipment's number", loadShipment: "Load", insert: "Insert", filter: "Filter",
    compare: "Compare", open: "Open", noDiff: "no difference", undo: "Undo", redo: "Redo", remove: "Delete",
    types: { text: "Text", barcode: "Barcode", box: "Box", line: "Line", image: "Image", repeat: "Repeat (product list)" },
  },
}[lang];

const ed = { layout: null, selected: null, undo: [], redo: [], schema: null, drag: null, grid: false, focusKey: null, editing: false };
state.editor = ed;
for (const el of document.querySelectorAll("[data-e]")) {
  const v = E[el.dataset.e];
  if (typeof v === "string") el.textContent = v;
}

// MARK: Units. Positions are written in mm, on whole printer dots at the preview's dpi.
const dpi = () => (ed.layout && ed.layout.dpi) || Number($("dpi").value) || 203;
function toDots(text) {
  const m = /^\s*(-?[0-9]*\.?[0-9]+)\s*(mm|cm|in|pt|dots?)?\s*$/.exec(text || "");
  if (!m) return null;
  const v = Number(m[1]);
  switch (m[2] || "mm") {
    case "mm": return v * dpi() / 25.4;
    case "cm": return v * 10 * dpi() / 25.4;
    case "in": return v * dpi();
    case "pt": return v * dpi() / 72;
    default: return v;
  }
}
function mmText(dots) {
  // The shortest mm value (2 or 3 decimals) that lands on the same whole dot.
  const d = Math.round(dots);
  for (const places of [1, 2, 3]) {
    const mm = Number((d * 25.4 / dpi()).toFixed(places));
    if (Math.round(mm * dpi() / 25.4) === d) return mm + "mm";
  }
  return (d * 25.4 / dpi()).toFixed(3) + "mm";
}
// A media-pixel delta (as the PNG shows) as a design delta (before the page's rotation).
function designDelta(dx, dy) {
  switch (ed.layout ? ed.layout.rotation : 0) {
    case 90: return [dy, -dx];
    case 180: return [-dx, -dy];
    case 270: return [-dy, dx];
    default: return [dx, dy];
  }
}

// MARK: Layout from the preview (X-Labeld-Layout: base64 JSON).
function layoutOf(res) { return headerJSON(res, "X-Labeld-Layout"); }
window.onPreview = (res) => {
  ed.layout = layoutOf(res);
  if (ed.selected && !elementNamed(ed.selected)) ed.selected = null;
  drawElements();
  inspect();
  fieldList();
};
function elementNamed(name) { return ed.layout && ed.layout.elements.find((e) => e.name === name); }
function scale() {
  const img = $("preview");
  return img.naturalWidth ? img.getBoundingClientRect().width / img.naturalWidth : 1;
}

function drawElements() {
  const layer = $("elements"), img = $("preview");
  layer.replaceChildren();
  if (!ed.layout || !img.naturalWidth) return;
  const s = scale();
  layer.style.left = img.offsetLeft + "px";
  layer.style.top = img.offsetTop + "px";
  layer.style.width = img.getBoundingClientRect().width + "px";
  layer.style.height = img.getBoundingClientRect().height + "px";
  layer.classList.toggle("grid", ed.grid);
  layer.style.backgroundSize = (dpi() / 25.4 * 5 * s) + "px " + (dpi() / 25.4 * 5 * s) + "px";  // 5 mm
  for (const e of ed.layout.elements) {
    const d = document.createElement("div");
    d.className = "el" + (e.name === ed.selected ? " selected" : "") + (e.drawn ? "" : " hidden-el");
    d.dataset.name = e.name;
    d.dataset.type = e.type;
    d.title = `${e.name} (${e.type}) · ${t.warningAt(e.line)}`;
    const [x, y, w, h] = e.box;
    Object.assign(d.style, { left: x * s + "px", top: y * s + "px", width: Math.max(4, w * s) + "px", height: Math.max(4, h * s) + "px" });
    d.addEventListener("mousedown", (ev) => startDrag(ev, e, "move"));
    if (e.name === ed.selected && e.type !== "line" && e.type !== "repeat") {
      // Handles: the corner changes width and height, the right edge the width, the bottom the height.
      for (const side of ["se", "e", "s"]) {
        const handle = document.createElement("div");
        handle.className = "handle " + side;
        handle.dataset.side = side;
        handle.addEventListener("mousedown", (ev) => { ev.stopPropagation(); startDrag(ev, e, "resize", side); });
        d.appendChild(handle);
      }
    }
    layer.appendChild(d);
  }
  rulers();
}
window.addEventListener("resize", () => setTimeout(drawElements, 0));
$("preview").addEventListener("load", () => setTimeout(drawElements, 0));
$("zoom").addEventListener("input", () => setTimeout(drawElements, 0));

function rulers() {
  const s = scale(), img = $("preview");
  const dotsPerMM = dpi() / 25.4;
  for (const [id, length, vertical] of [["rulerX", img.naturalWidth, false], ["rulerY", img.naturalHeight, true]]) {
    const r = $(id);
    r.replaceChildren();
    const mm = Math.floor(length / dotsPerMM);
    const step = s * dotsPerMM < 3 ? 10 : s * dotsPerMM < 6 ? 5 : 1;
    for (let i = 0; i <= mm; i += step) {
      const tick = document.createElement("span");
      tick.className = "tick" + (i % 10 === 0 ? " major" : "");
      tick.style[vertical ? "top" : "left"] = (img.offsetTop * (vertical ? 1 : 0) + img.offsetLeft * (vertical ? 0 : 1) + i * dotsPerMM * s) + "px";
      if (i % 10 === 0) tick.textContent = String(i);
      r.appendChild(tick);
    }
  }
}

// MARK: Selection (and the element's lines highlighted in the YAML).
function select(name) {
  ed.selected = name;
  drawElements();
  inspect();
  const e = elementNamed(name);
  if (!e) return;
  const area = $("source"), lines = area.value.split("\n");
  let start = 0;
  for (let i = 0; i < e.line - 1; i++) start += lines[i].length + 1;
  // The element's lines: its first line, and the deeper-indented ones after it (a block mapping).
  let last = e.line - 1;
  const dash = (lines[e.line - 1] || "").search(/\S/);
  while (last + 1 < lines.length && (lines[last + 1].trim() === "" || lines[last + 1].search(/\S/) > dash) && !/^\s*-\s/.test(lines[last + 1])) last++;
  while (last > e.line - 1 && lines[last].trim() === "") last--;
  let end = start;
  for (let i = e.line - 1; i <= last; i++) end += lines[i].length + 1;
  area.setSelectionRange(start, Math.max(start, end - 1));
  const lineHeight = parseFloat(getComputedStyle(area).lineHeight) || 17;
  area.scrollTop = Math.max(0, (e.line - 3) * lineHeight);
  ed.highlight = { from: e.line, to: last + 1 };
}
$("elements").addEventListener("mousedown", (ev) => { if (ev.target === $("elements")) { ed.selected = null; drawElements(); inspect(); } });

// MARK: Edits (server-side, at the element's source location).
async function edit(body, { keepSelection = true } = {}) {
  const before = $("source").value;
  const res = await api("POST", "/v1/templates/edit", Object.assign({ source: before, file: ($("template").value || "template") + ".yaml" }, body));
  const answer = await res.json();
  ed.undo.push(before);
  if (ed.undo.length > 200) ed.undo.shift();
  ed.redo = [];
  $("source").value = answer.source;
  ed.lastEdit = { op: body.op, element: body.element, before, after: answer.source };
  if (!keepSelection) ed.selected = null;
  await render();
  return answer;
}
async function setValues(name, values) {
  try {
    clearFieldErrors();
    await edit({ op: "set", element: name, values: Object.entries(values).map(([key, value]) => ({ key, value })) });
  } catch (e) {
    showFieldError(e.problem || { detail: e.message });
  }
}
async function undoRedo(from, to) {
  if (!from.length) return;
  to.push($("source").value);
  $("source").value = from.pop();
  await render();
}

// MARK: Drag, resize, nudge.
function startDrag(ev, e, mode, side = "se") {
  if (ev.button !== 0) return;
  ev.preventDefault();
  if (ed.selected !== e.name) select(e.name);
  ed.drag = { e, mode, side, x0: ev.clientX, y0: ev.clientY, node: document.querySelector(`#elements .el[data-name="${CSS.escape(e.name)}"]`), moved: false };
}
window.addEventListener("mousemove", (ev) => {
  const d = ed.drag;
  if (!d || !d.node) return;
  const dx = d.mode === "resize" && d.side === "s" ? 0 : ev.clientX - d.x0;
  const dy = d.mode === "resize" && d.side === "e" ? 0 : ev.clientY - d.y0;
  if (Math.abs(dx) + Math.abs(dy) > 1) d.moved = true;
  const s = scale(), [x, y, w, h] = d.e.box;
  if (d.mode === "move") {
    d.node.style.left = x * s + dx + "px";
    d.node.style.top = y * s + dy + "px";
  } else {
    d.node.style.width = Math.max(4, w * s + dx) + "px";
    d.node.style.height = Math.max(4, h * s + dy) + "px";
  }
});
window.addEventListener("mouseup", async (ev) => {
  const d = ed.drag;
  ed.drag = null;
  if (!d || !d.moved) return;
  const s = scale();
  const mx = d.mode === "resize" && d.side === "s" ? 0 : ev.clientX - d.x0;
  const my = d.mode === "resize" && d.side === "e" ? 0 : ev.clientY - d.y0;
  const [ddx, ddy] = designDelta(Math.round(mx / s), Math.round(my / s));
  if (d.mode === "move") await move(d.e, ddx, ddy);
  else await resize(d.e, ddx, ddy);
});
async function move(e, ddx, ddy) {
  if (!ddx && !ddy) return;
  const v = e.values, values = {};
  const shift = (key, by) => { const dots = toDots(v[key]); if (dots !== null && by) values[key] = mmText(dots + by); };
  shift("x", ddx); shift("y", ddy);
  if (e.type === "line") { shift("x2", ddx); shift("y2", ddy); }
  if (Object.keys(values).length) await setValues(e.name, values);
}
async function resize(e, ddx, ddy) {
  const v = e.values, values = {};
  for (const [key, by] of [["width", ddx], ["height", ddy]]) {
    const dots = v[key] !== undefined ? toDots(v[key]) : (key === "width" ? e.design[2] : e.design[3]);
    if (dots !== null && by) values[key] = mmText(Math.max(1, dots + by));
  }
  if (Object.keys(values).length) await setValues(e.name, values);
}
document.addEventListener("keydown", async (ev) => {
  const inField = ["TEXTAREA", "INPUT", "SELECT"].includes(document.activeElement && document.activeElement.tagName);
  if ((ev.ctrlKey || ev.metaKey) && ev.key.toLowerCase() === "z" && !inField) {
    ev.preventDefault();
    if (ev.shiftKey) await undoRedo(ed.redo, ed.undo); else await undoRedo(ed.undo, ed.redo);
    return;
  }
  if (inField || !ed.selected) return;
  const e = elementNamed(ed.selected);
  if (!e) return;
  const step = ev.shiftKey ? dpi() / 25.4 : 1;
  const arrows = { ArrowLeft: [-1, 0], ArrowRight: [1, 0], ArrowUp: [0, -1], ArrowDown: [0, 1] };
  if (arrows[ev.key]) {
    ev.preventDefault();
    const [ax, ay] = arrows[ev.key];
    const [ddx, ddy] = designDelta(ax, ay);
    await move(e, Math.round(ddx * step), Math.round(ddy * step));
  } else if (ev.key === "Delete" || ev.key === "Backspace") {
    ev.preventDefault();
    try { await edit({ op: "delete", element: e.name }, { keepSelection: false }); } catch (err) { showError(err.problem || { detail: err.message }); }
  }
});
$("undo").addEventListener("click", () => undoRedo(ed.undo, ed.redo));
$("redo").addEventListener("click", () => undoRedo(ed.redo, ed.undo));
$("grid").addEventListener("change", () => { ed.grid = $("grid").checked; drawElements(); });

// MARK: Inspector: every key of the element's type, from the server's template model.
async function schema() {
  if (!ed.schema) ed.schema = await (await api("GET", "/v1/templates/schema")).json();
  return ed.schema;
}
function clearFieldErrors() { for (const n of document.querySelectorAll("#inspector .field-error")) n.remove(); for (const n of document.querySelectorAll("#inspector .bad")) n.classList.remove("bad"); }
function showFieldError(problem) {
  clearFieldErrors();
  const row = problem.key && document.querySelector(`#inspector [data-key="${CSS.escape(problem.key)}"]`);
  if (!row) { showError(problem); return; }
  row.classList.add("bad");
  const msg = document.createElement("div");
  msg.className = "field-error";
  msg.textContent = (problem.line ? t.line(problem.line, problem.column || 1) + ": " : "") + problem.detail;
  row.appendChild(msg);
  ed.fieldError = { key: problem.key, detail: problem.detail };
}
function fontText(parts) {
  const kv = [];
  if (parts.family) kv.push("family: " + parts.family);
  if (parts.size) kv.push("size: " + parts.size);
  if (parts.weight && parts.weight !== "normal") kv.push("weight: " + parts.weight);
  return kv.length ? "{" + kv.join(", ") + "}" : "";
}
function parseFont(text) {
  const out = {};
  for (const m of (text || "").replace(/[{}]/g, "").split(",")) {
    const [k, ...rest] = m.split(":");
    if (k && rest.length) out[k.trim()] = rest.join(":").trim();
  }
  return out;
}
async function inspect() {
  const box = $("inspector");
  box.replaceChildren();
  const e = ed.selected && elementNamed(ed.selected);
  if (!e) { const p = document.createElement("p"); p.className = "hint"; p.textContent = E.none; box.appendChild(p); return; }
  const sc = await schema();
  const head = document.createElement("div");
  head.className = "inspect-head";
  head.textContent = `${e.name} · ${E.types[e.type] || e.type} · ${t.warningAt(e.line)}`;
  box.appendChild(head);
  for (const k of sc.types[e.type] || []) {
    if (k.key === "type") continue;
    const row = document.createElement("label");
    row.className = "field";
    row.dataset.key = k.key;
    row.title = k.help;
    const name = document.createElement("span");
    name.textContent = k.key + (k.unit ? ` (${k.unit})` : "");
    row.appendChild(name);
    const raw = e.values[k.key];
    let input;
    const commit = (value) => setValues(e.name, { [k.key]: value });
    if (k.kind === "choice" || k.kind === "boolean") {
      input = document.createElement("select");
      const choices = k.kind === "boolean" ? ["true", "false"] : k.choices;
      for (const c of ["", ...choices]) { const o = document.createElement("option"); o.value = c; o.textContent = c || "—"; input.appendChild(o); }
      input.value = raw === undefined ? "" : raw;
      input.addEventListener("change", () => commit(input.value));
    } else if (k.kind === "font") {
      input = document.createElement("span");
      input.className = "font";
      const f = parseFont(raw);
      const family = document.createElement("select");
      for (const c of ["", ...sc.fonts]) { const o = document.createElement("option"); o.value = c; o.textContent = c || "—"; family.appendChild(o); }
      family.value = f.family || "";
      const size = document.createElement("input");
      size.type = "text"; size.size = 4; size.value = f.size || ""; size.placeholder = "pt";
      const weight = document.createElement("select");
      for (const c of ["normal", "bold"]) { const o = document.createElement("option"); o.value = c; o.textContent = c; weight.appendChild(o); }
      weight.value = f.weight || "normal";
      const send = () => commit(fontText({ family: family.value, size: size.value.trim(), weight: weight.value }));
      family.addEventListener("change", send); weight.addEventListener("change", send);
      size.addEventListener("change", send);
      input.append(family, size, weight);
    } else if (k.kind === "mapping" || k.kind === "list") {
      input = document.createElement("span");
      input.className = "yaml-only";
      input.textContent = E.yamlOnly;
    } else {
      input = document.createElement("input");
      input.type = "text";
      input.value = raw === undefined ? "" : raw;
      input.placeholder = k.unit || "";
      input.addEventListener("change", () => {
        const v = input.value;
        const quoted = (k.kind === "binding" || k.kind === "text") && v !== "" ? quote(v) : v;
        commit(quoted);
      });
      input.addEventListener("focus", () => { ed.focusKey = k.key; ed.focusInput = input; });
    }
    row.appendChild(input);
    box.appendChild(row);
  }
  const remove = document.createElement("button");
  remove.type = "button";
  remove.id = "deleteElement";
  remove.textContent = E.remove;
  remove.addEventListener("click", () => edit({ op: "delete", element: e.name }, { keepSelection: false }).catch((err) => showError(err.problem || { detail: err.message })));
  box.appendChild(remove);
}
// Text values go to the YAML double-quoted (bindings have braces and colons).
function quote(v) { return JSON.stringify(v); }

// MARK: Palette: new elements with sensible defaults, at 5 mm from the top-left corner.
const defaults = {
  text: { text: quote("텍스트"), x: "5mm", y: "5mm", width: "30mm", height: "5mm" },
  barcode: { symbology: "code128", data: quote("{{waybill_no}}"), x: "5mm", y: "5mm", height: "10mm", xdim: "2dots" },
  box: { x: "5mm", y: "5mm", width: "20mm", height: "10mm", thickness: "0.3mm" },
  line: { x: "5mm", y: "5mm", x2: "25mm", thickness: "0.3mm" },
  image: { file: quote("logo.png"), x: "5mm", y: "5mm", width: "15mm", height: "10mm" },
  repeat: { items: "products", x: "5mm", y: "5mm", row_height: "4mm", max_rows: "5", overflow: "summary",
            summary: "{text: \"… 외 {{remaining}}건\"}", elements: "[{type: text, name: ROW, x: 0mm, y: 0mm, width: 50mm, height: 4mm, text: \"{{item.name}}\"}]" },
};
for (const type of Object.keys(defaults)) {
  const b = document.createElement("button");
  b.type = "button";
  b.className = "add";
  b.dataset.type = type;
  b.textContent = "+ " + E.types[type];
  b.addEventListener("click", async () => {
    const taken = new Set((ed.layout ? ed.layout.elements : []).map((e) => e.name));
    (ed.allNames || []).forEach((n) => taken.add(n));
    let n = 1;
    while (taken.has(`${type}-${n}`)) n++;
    const name = `${type}-${n}`;
    const fields = [{ key: "type", value: type }, { key: "name", value: name }];
    for (const [key, value] of Object.entries(defaults[type])) fields.push({ key, value: value.replace("ROW", name + "-row") });
    try {
      await edit({ op: "add", values: fields });
      select(name);
    } catch (e) { showError(e.problem || { detail: e.message }); }
  });
  $("palette").appendChild(b);
}

// MARK: Field picker: the paths of the current data (the sample, or a real shipment's record).
function paths(value, prefix, out) {
  if (Array.isArray(value)) {
    if (value.length && typeof value[0] === "object") paths(value[0], "item", out);
    out.push(prefix);
  } else if (value && typeof value === "object") {
    for (const [k, v] of Object.entries(value)) paths(v, prefix ? prefix + "." + k : k, out);
  } else if (prefix) {
    out.push(prefix);
  }
  return out;
}
async function fieldList() {
  const list = $("fields");
  let data;
  try { data = currentData(); } catch (_) { return; }
  const sc = await schema().catch(() => null);
  if (sc && !$("filter").options.length) {
    for (const f of ["", ...sc.filters]) { const o = document.createElement("option"); o.value = f; o.textContent = f || "—"; $("filter").appendChild(o); }
  }
  list.replaceChildren();
  for (const p of [...new Set(paths(data, "", []))].sort()) {
    const b = document.createElement("button");
    b.type = "button";
    b.className = "path";
    b.dataset.path = p;
    b.textContent = p;
    b.addEventListener("mousedown", (ev) => ev.preventDefault());  // keep the inspector field focused
    b.addEventListener("click", () => insertBinding(p));
    list.appendChild(b);
  }
}
async function insertBinding(path) {
  const filter = $("filter").value;
  const binding = "{{" + path + (filter ? " | " + filter : "") + "}}";
  const e = ed.selected && elementNamed(ed.selected);
  if (!e) return;
  // Into the focused text field of the inspector, or the element's own text/data.
  const key = ed.focusKey && ["text", "data", "when"].includes(ed.focusKey) ? ed.focusKey : e.type === "barcode" ? "data" : "text";
  const input = ed.focusKey === key && ed.focusInput ? ed.focusInput : null;
  const current = input ? input.value : (e.values[key] || "");
  const value = input ? current.slice(0, input.selectionStart) + binding + current.slice(input.selectionEnd) : binding;
  await setValues(e.name, { [key]: quote(value) });
}
$("loadShipment").addEventListener("click", async () => {
  const id = Number($("shipment").value);
  if (!id) return;
  try {
    const answer = await (await api("GET", "/v1/shipments/" + id + "/label")).json();
    $("data").value = JSON.stringify(answer.data, null, 2);
    await render();
  } catch (e) { showError(e.problem || { detail: e.message }); }
});

// MARK: Revisions: list, compare two, open an older one.
async function revisions() {
  const name = $("template").value;
  if (!name) return;
  const tpl = await (await api("GET", "/v1/templates/" + name)).json();
  for (const id of ["revA", "revB"]) {
    const s = $(id);
    s.replaceChildren();
    for (const r of tpl.revisions) { const o = document.createElement("option"); o.value = r; o.textContent = "r" + r; s.appendChild(o); }
  }
  if (tpl.revisions.length > 1) $("revB").value = String(tpl.revisions[1]);
}
async function revisionText(r) { return (await (await api("GET", "/v1/templates/" + $("template").value + "/revisions/" + r)).json()).source; }
// A line diff (longest common subsequence): "  " same, "- " only in a, "+ " only in b.
function diffLines(a, b) {
  const x = a.split("\n"), y = b.split("\n"), n = x.length, m = y.length;
  const L = Array.from({ length: n + 1 }, () => new Uint16Array(m + 1));
  for (let i = n - 1; i >= 0; i--) for (let j = m - 1; j >= 0; j--) L[i][j] = x[i] === y[j] ? L[i + 1][j + 1] + 1 : Math.max(L[i + 1][j], L[i][j + 1]);
  const out = [];
  let i = 0, j = 0;
  while (i < n || j < m) {
    if (i < n && j < m && x[i] === y[j]) { i++; j++; continue; }
    if (j < m && (i >= n || L[i][j + 1] >= L[i + 1][j])) out.push(["+", j + 1, y[j++]]);
    else out.push(["-", i + 1, x[i++]]);
  }
  return out;
}
$("compare").addEventListener("click", async () => {
  try {
    const [a, b] = await Promise.all([revisionText($("revB").value), revisionText($("revA").value)]);
    const box = $("diff");
    box.replaceChildren();
    const d = diffLines(a, b);
    if (!d.length) box.textContent = E.noDiff;
    for (const [sign, line, text] of d) {
      const row = document.createElement("div");
      row.className = sign === "+" ? "add" : "del";
      row.textContent = `${sign} ${line}: ${text}`;
      box.appendChild(row);
    }
    ed.diff = d.length;
  } catch (e) { showError(e.problem || { detail: e.message }); }
});
$("openRevision").addEventListener("click", async () => {
  try {
    ed.undo.push($("source").value);
    $("source").value = await revisionText($("revA").value);
    await render();
  } catch (e) { showError(e.problem || { detail: e.message }); }
});
window.onTemplateLoaded = () => { ed.undo = []; ed.redo = []; ed.selected = null; revisions().catch(() => {}); };
window.onSaved = () => revisions().catch(() => {});
