// calsync's dashboard: the details panel for an event (with the what-if form) and for
// a misalignment line. Everything shown comes from the page or from /api/whatif, and
// every text is set with textContent (never as markup), so upstream text stays text.
"use strict";
(function () {
  const dataNode = document.getElementById("dashboard-data");
  if (!dataNode) return;
  const data = JSON.parse(dataNode.textContent);
  const t = data.texts;
  const panel = document.getElementById("panel");
  const svg = document.getElementById("timeline");
  let opener = null;

  function el(tag, attrs, text) {
    const node = document.createElement(tag);
    for (const [k, v] of Object.entries(attrs || {})) node.setAttribute(k, v);
    if (text !== undefined) node.textContent = text;
    return node;
  }

  function open(title, build, from) {
    opener = from || null;
    panel.replaceChildren();
    const close = el("button", { type: "button", class: "close" }, t.close);
    close.addEventListener("click", shut);
    panel.append(close, el("h2", { id: "panel-title" }, title));
    build(panel);
    panel.hidden = false;
    panel.focus();
  }

  function shut() {
    panel.hidden = true;
    clearRanges();
    discard();
    if (opener) opener.focus();
  }

  document.addEventListener("keydown", (e) => {
    if (e.key === "Escape" && !panel.hidden) shut();
  });

  // -- a misalignment: explanation, who can move, the fix --------------------------
  function showAlert(id, from) {
    const card = document.getElementById("alert-" + id);
    if (!card) return;
    const part = (cls) => { const n = card.querySelector("." + cls); return n ? n.textContent : ""; };
    open(card.querySelector(".badge").textContent + " · " + part("sev").split("·")[0].trim(), (p) => {
      const box = el("div", { class: "explanation", id: "finding-explanation" });
      box.append(el("p", { class: "summary" }, part("summary")));
      if (part("owner")) box.append(el("p", {}, t.owner + ": " + part("owner")));
      if (part("fix")) box.append(el("p", { class: "fix" }, t.fix + ": " + part("fix")));
      const link = el("a", { href: "#alert-" + id }, t.history + " →");
      box.append(link);
      p.append(box);
    }, from);
    document.querySelectorAll(".alert.current").forEach((n) => n.classList.remove("current"));
    card.classList.add("current");
  }

  // -- an event: what if it moved (or a step were added)? --------------------------
  function markOf(uid) {
    return svg ? svg.querySelector('a.ev[data-uid="' + CSS.escape(uid) + '"]') : null;
  }

  function clearRanges() {
    const g = document.getElementById("ranges");
    if (g) g.replaceChildren();
  }

  function xOf(day) {
    const first = Date.parse(svg.dataset.first), end = Date.parse(svg.dataset.end);
    const left = Number(svg.dataset.left), right = Number(svg.dataset.right);
    const at = Math.min(Math.max(Date.parse(day), first), end);
    return left + (at - first) / (end - first) * (right - left);
  }

  function drawRange(uid, range) {
    const mark = markOf(uid);
    const g = document.getElementById("ranges");
    if (!mark || !g || !range.from) return;
    const shape = mark.querySelector("circle, rect");
    const y = Number(shape.getAttribute("cy") || Number(shape.getAttribute("y")) + 5);
    const x1 = xOf(range.from), x2 = xOf(range.to) + 2;
    const band = document.createElementNS("http://www.w3.org/2000/svg", "rect");
    band.setAttribute("class", "valid-range");
    band.setAttribute("x", x1); band.setAttribute("width", Math.max(x2 - x1, 3));
    band.setAttribute("y", y - 9); band.setAttribute("height", 18);
    const title = document.createElementNS("http://www.w3.org/2000/svg", "title");
    title.textContent = t.valid_range + ": " + range.from + " – " + range.to;
    band.append(title);
    g.append(band);
  }

  function verdicts(target, answer) {
    target.replaceChildren();
    const list = el("ul", { class: "verdicts", id: "whatif-verdicts" });
    for (const rule of answer.rules) {
      const r = answer.per_rule[rule];
      const item = el("li", { "data-rule": rule });
      const words = [];
      if (r.appear.length) words.push(r.appear.length + " " + t.appear);
      if (r.disappear.length) words.push(r.disappear.length + " " + t.disappear);
      if (r.change.length) words.push(r.change.length + " " + t.changed);
      const changed = words.length > 0;
      item.classList.add(changed ? "changed" : "same");
      item.append(el("strong", {}, rule + ": "), document.createTextNode(
        changed ? words.join(", ") : t.unchanged + " (" + r.unchanged.length + ")"));
      const detail = el("ul");
      for (const f of r.appear) detail.append(el("li", { class: "appear" }, "+ " + f.summary));
      for (const f of r.disappear) detail.append(el("li", { class: "disappear" }, "− " + f.summary));
      for (const f of r.change) detail.append(el("li", { class: "change" }, "± " + f.after.summary));
      if (detail.childElementCount) item.append(detail);
      list.append(item);
    }
    const drop = el("button", { type: "button", id: "whatif-discard" }, t.discard);
    drop.addEventListener("click", () => { discard(); target.replaceChildren(); });
    target.append(el("h3", {}, t.verdicts), list, drop);
    inPlace(answer);
    clearRanges();
    for (const range of answer.ranges || []) {
      target.append(el("p", { class: "range", id: "whatif-range" }, t.valid_range + ": " + range.text));
      drawRange(range.uid, range);
    }
  }

  async function ask(changes, target, added) {
    target.replaceChildren(el("p", {}, "…"));
    try {
      const response = await fetch(data.whatif, {
        method: "POST", headers: { "Content-Type": "application/json" },
        body: JSON.stringify({ changes: changes }),
      });
      const answer = await response.json();
      if (!response.ok) {
        target.replaceChildren(el("p", { class: "error", role: "alert" }, answer.message || response.statusText));
        return;
      }
      if (added) {
        for (const c of answer.changes || []) if (c.op === "add") { c.level = added.level; c.actor = added.actor; }
      }
      verdicts(target, answer);
    } catch (err) {
      target.replaceChildren(el("p", { class: "error", role: "alert" }, String(err)));
    }
  }

  // -- the what-if drawn in place: the hypothetical or moved step on its lane, the
  // findings that would appear as dashed lines with a card in the alert list, and the
  // lines and cards of those that would go away struck out. `discard` undoes it all.
  const SVGNS = "http://www.w3.org/2000/svg";
  const SEVERITY = { critical: "#b42318", warning: "#c25e00", info: "#1f4e9c" };

  function svgEl(tag, attrs, title) {
    const node = document.createElementNS(SVGNS, tag);
    for (const [k, v] of Object.entries(attrs || {})) node.setAttribute(k, v);
    if (title) { const tt = document.createElementNS(SVGNS, "title"); tt.textContent = title; node.append(tt); }
    return node;
  }

  function discard() {
    const layer = document.getElementById("whatif-layer");
    if (layer) layer.replaceChildren();
    document.querySelectorAll(".would-clear").forEach((n) => n.classList.remove("would-clear"));
    document.querySelectorAll(".whatif-note, li.alert.hypothetical").forEach((n) => n.remove());
  }

  function posOf(uid) {
    const mark = markOf(uid);
    if (!mark) return null;
    const shape = mark.querySelector("circle, rect");
    if (shape.tagName === "circle") return { x: Number(shape.getAttribute("cx")), y: Number(shape.getAttribute("cy")) };
    return { x: Number(shape.getAttribute("x")) + Number(shape.getAttribute("width")), y: Number(shape.getAttribute("y")) + 5 };
  }

  function laneY(level, actor) {
    const lanes = Array.from(svg.querySelectorAll("g.lane"));
    const lane = lanes.find((g) => g.dataset.lane === level)
      || lanes.find((g) => g.dataset.lane.startsWith(level + ":") && actor && g.dataset.lane.endsWith(actor))
      || lanes.find((g) => g.dataset.lane.startsWith(level + ":")) || lanes[0];
    return lane ? Number(lane.dataset.y) + 11 : 40;
  }

  function uidsOf(f) {
    const ev = f.evidence || {};
    return [(ev.subject || {}).uid || "", (ev.object || {}).uid || ""];
  }

  function sameFinding(node, rule, uids) {
    return node.dataset.rule === rule && node.dataset.subject === uids[0]
      && (node.dataset.object || "") === uids[1];
  }

  function inPlace(answer) {
    discard();
    const layer = document.getElementById("whatif-layer");
    if (!layer || !svg) return;
    const where = {};
    for (const c of answer.changes || []) {
      if (c.op === "add" || c.op === "move") {
        const was = posOf(c.uid);
        const day = c.op === "add" ? c.start.slice(0, 10) : c.to;
        const y = c.op === "add" ? laneY(c.level || "", c.actor || "") : (was ? was.y : 40);
        const x = xOf(day);
        where[c.uid] = { x: x, y: y };
        const label = t.hypothetical + ": " + c.title + " (" + day + ")";
        const g = svgEl("g", { class: "hypo", "data-uid": c.uid }, label);
        g.append(svgEl("circle", { cx: x, cy: y, r: 7 }));
        // its label above the row, in the gap between lanes: it covers no real mark
        const text = svgEl("text", { class: "ev-label", x: x + 6, y: y - 9 });
        text.textContent = c.title;
        g.append(text);
        layer.append(g);
        let box = text.getBBox();  // left of the mark if it would run off the chart
        if (box.x + box.width > Number(svg.dataset.right)) {
          text.setAttribute("x", x + 6 - box.width);
          box = text.getBBox();
        }
        // a backing so the label reads over the lane's own
        text.before(svgEl("rect", { class: "hypo-back", x: box.x - 2, y: box.y - 1,
                                    width: box.width + 4, height: box.height + 2, rx: 2 }));
      }
    }
    const at = (uid) => where[uid] || posOf(uid);
    const list = document.querySelector("ol.alerts");
    for (const rule of answer.rules) {
      const r = answer.per_rule[rule];
      for (const f of [...r.appear, ...r.change.map((c) => c.after)]) {
        const uids = uidsOf(f), a = at(uids[0]), b = at(uids[1]);
        if (a && b) {
          layer.append(svgEl("line", { class: "finding-new", x1: a.x, y1: a.y, x2: b.x, y2: b.y,
            stroke: SEVERITY[f.severity] || "#555", "data-rule": rule }, t.whatif_new + ": " + f.summary));
        }
      }
      for (const f of r.appear) {
        if (!list) continue;
        const card = el("li", { class: "alert hypothetical sev-" + f.severity, "data-rule": rule });
        card.append(el("p", { class: "sev" }, t.whatif_new + " · " + rule),
                    el("p", { class: "summary" }, f.summary));
        if (f.fix) card.append(el("p", { class: "fix" }, t.fix + ": " + f.fix));
        list.prepend(card);
      }
      for (const f of [...r.disappear, ...r.change.map((c) => c.before)]) {
        const uids = uidsOf(f);
        const gone = r.disappear.includes(f);
        document.querySelectorAll("a.finding, li.alert[data-alert]").forEach((node) => {
          if (!sameFinding(node, rule, uids)) return;
          node.classList.add("would-clear");
          if (node.tagName === "LI") {
            node.prepend(el("p", { class: "whatif-note" }, gone ? t.whatif_gone : t.whatif_changed));
          }
        });
      }
    }
  }

  // A step "like this one" copies the picked event's level, organisation, kind, tags
  // and attributes, read from the JSON API (the page carries only what it shows).
  async function stepOf(uid) {
    try {
      const response = await fetch(data.events + encodeURIComponent(uid));
      if (!response.ok) return {};
      const e = await response.json();
      return { level: e.level, actor: e.actor, kind: e.kind, tags: e.tags, attrs: e.attrs };
    } catch (err) { return {}; }
  }

  function showEvent(uid, title, start, from) {
    open(title, (p) => {
      p.append(el("p", {}, start), el("p", { class: "hint" }, t.whatif_help));
      const form = el("form", { class: "whatif", id: "whatif-form" });
      const label = el("label", {}, t.move_to + " ");
      const input = el("input", { type: "date", name: "to", id: "whatif-date", required: "" });
      input.value = start;
      label.append(input);
      form.append(label, el("button", { type: "submit", id: "whatif-try" }, t.try));
      const out = el("div", { class: "whatif-out", "aria-live": "polite" });
      form.addEventListener("submit", (e) => {
        e.preventDefault();
        ask([{ move: uid, to: input.value }], out);
      });
      const add = el("form", { class: "whatif", id: "whatif-add" });
      const name = el("input", { name: "title", id: "whatif-add-title", required: "" });
      const day = el("input", { type: "date", name: "start", id: "whatif-add-date", required: "" });
      day.value = start;
      const l1 = el("label", {}, t.step_title + " "); l1.append(name);
      const l2 = el("label", {}, t.date + " "); l2.append(day);
      add.append(el("h3", {}, t.add_step), el("p", { class: "hint" }, t.add_step_help), l1, l2,
                 el("button", { type: "submit", id: "whatif-add-try" }, t.try));
      add.addEventListener("submit", async (e) => {
        e.preventDefault();
        const ev = Object.assign({}, await stepOf(uid), { title: name.value, start: day.value });
        for (const k of Object.keys(ev)) if (ev[k] === "" || ev[k] === null) delete ev[k];
        ask([{ add: ev }], out, ev);
      });
      p.append(form, add, out);
    }, from);
  }

  // -- a mark's whole title under the chart when it is pointed at or focused: a label
  // beside the mark is cut to the room there, and a tooltip never shows for the keyboard
  const info = document.getElementById("mark-info");
  function describe(e) {
    const mark = e.target.closest && e.target.closest("a.ev, a.finding");
    if (!mark || !info) return;
    const title = mark.querySelector("title");
    info.textContent = title ? title.textContent : "";
  }
  document.addEventListener("focusin", describe);
  document.addEventListener("mouseover", describe);

  // The event a mark or a list row stands for: its uid and start from the mark, its
  // title from the list's row (the whole text; the mark's <title> adds date and actor).
  function eventOf(uid) {
    const row = document.getElementById("ev-" + uid);
    const mark = markOf(uid);
    const cell = row ? row.querySelector(".title, s") : null;
    const tip = mark ? mark.querySelector("title") : null;
    return { title: cell ? cell.textContent : (tip ? tip.textContent : uid),
             start: (row && row.dataset.start) || (mark && mark.dataset.start) || "" };
  }

  document.addEventListener("click", (e) => {
    const line = e.target.closest("a.finding");
    if (line) { e.preventDefault(); showAlert(line.dataset.alert, line); return; }
    const mark = e.target.closest("a.ev");
    const button = e.target.closest(".whatif-open");
    const uid = mark ? mark.dataset.uid : button ? button.closest("tr").dataset.uid : null;
    if (!uid) return;
    if (mark) e.preventDefault();
    const ev = eventOf(uid);
    showEvent(uid, ev.title, ev.start, mark || button);
  });
})();
