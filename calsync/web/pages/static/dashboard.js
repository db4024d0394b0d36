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
    target.append(el("h3", {}, t.verdicts), list);
    clearRanges();
    for (const range of answer.ranges || []) {
      target.append(el("p", { class: "range", id: "whatif-range" }, t.valid_range + ": " + range.text));
      drawRange(range.uid, range);
    }
  }

  async function ask(changes, target) {
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
      verdicts(target, answer);
    } catch (err) {
      target.replaceChildren(el("p", { class: "error", role: "alert" }, String(err)));
    }
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
      add.append(el("h3", {}, t.add_step), l1, l2,
                 el("button", { type: "submit" }, t.try));
      add.addEventListener("submit", (e) => {
        e.preventDefault();
        const mark = markOf(uid);
        const ev = { title: name.value, start: day.value };
        const row = document.getElementById("ev-" + uid);
        if (row) { ev.level = row.dataset.level; }
        if (mark) { ev.kind = (mark.getAttribute("data-kind") || undefined); }
        ask([{ add: ev }], out);
      });
      p.append(form, add, out);
    }, from);
  }

  document.addEventListener("click", (e) => {
    const line = e.target.closest("a.finding");
    if (line) { e.preventDefault(); showAlert(line.dataset.alert, line); return; }
    const mark = e.target.closest("a.ev");
    if (mark) {
      e.preventDefault();
      const row = document.getElementById("ev-" + mark.dataset.uid);
      const button = row ? row.querySelector(".whatif-open") : null;
      const title = button ? button.dataset.title : mark.getAttribute("aria-label");
      showEvent(mark.dataset.uid, title, button ? button.dataset.start : "", mark);
      return;
    }
    const button = e.target.closest(".whatif-open");
    if (button) {
      showEvent(button.dataset.uid, button.dataset.title, button.dataset.start, button);
    }
  });
})();
