// The coding workspace: a whole transcript on one scrolling page, with a code panel for the
// selected segment. Selection, filters and the display of a click happen here at once; each
// change is sent to Python (which stores it) and confirmed or reverted by what comes back.
//
// Safety: every string that comes from the study (transcript text, speaker names, code names,
// definitions, memos) is inserted with createTextNode / textContent / value, never as HTML.
//
// Protocol (see coding_workspace.py):
//   data   = {version, static?: {version, transcript, segments, codes}, applied, memos,
//             transcript_memo, done, result?: {client, confirmed_op, errors}}
//   events = {kind: "ops", client, have, ops: [{op, kind: "code"|"memo", ...}]}
//          | {kind: "need_static", client, have}

const WORKSPACES = new WeakMap();
const COLOUR = /^(#[0-9a-fA-F]{3,8}|[a-zA-Z]{3,20})$/;
const RETRY_MS = 4000;
// Codes without a colour in the codebook take their top theme's colour from this palette.
const PALETTE = ["#4e79a7", "#f28e2b", "#59a14f", "#e15759", "#76b7b2", "#b07aa1", "#edc948", "#9c755f", "#ff9da7", "#bab0ac"];
const MEMO_DELAY_MS = 1200;

export default function codingWorkspace(component) {
  const { data, parentElement, setTriggerValue } = component;
  let ws = WORKSPACES.get(parentElement);
  if (!ws) {
    ws = new Workspace(parentElement);
    WORKSPACES.set(parentElement, ws);
  }
  ws.send = setTriggerValue;
  ws.update(data || {});
  return () => {
    ws.destroy();
    WORKSPACES.delete(parentElement);
  };
}

function el(tag, props = {}, ...children) {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(props)) {
    if (value === undefined || value === null || value === false) continue;
    if (key === "className") node.className = value;
    else if (key === "text") node.textContent = value;
    else if (key === "dataset") Object.assign(node.dataset, value);
    else if (key.startsWith("on")) node.addEventListener(key.slice(2), value);
    else node.setAttribute(key, value === true ? "" : String(value));
  }
  for (const child of children) {
    if (child === null || child === undefined) continue;
    node.appendChild(typeof child === "string" ? document.createTextNode(child) : child);
  }
  return node;
}

function setColour(node, colour) {
  if (colour && COLOUR.test(colour)) node.style.setProperty("--code-colour", colour);
}

function sameSet(a, b) {
  if (a.size !== b.size) return false;
  for (const x of a) if (!b.has(x)) return false;
  return true;
}

class Workspace {
  constructor(parent) {
    this.client = Math.random().toString(36).slice(2, 10) + Date.now().toString(36);
    this.seq = 0;
    this.confirmed = 0;
    this.pending = []; // ops sent or to send, not yet confirmed by the server
    this.version = null;
    this.askedFor = null;
    this.transcriptId = null;
    this.segments = []; // {id, index, speaker, role, text, timestamp, node, chips}
    this.segById = new Map();
    this.codes = [];
    this.codeById = new Map();
    this.stored = new Map(); // segment id -> Set(code id), as read back from the database
    this.shown = new Map(); // segment id -> Set(code id), as on screen
    this.memos = new Map();
    this.transcriptMemo = "";
    this.done = false;
    this.selected = null;
    this.focusCode = null;
    this.retryTimer = null;
    this.memoTimer = null;
    this.build(parent);
    this.onKey = (event) => this.handleKey(event);
    document.addEventListener("keydown", this.onKey);
  }

  destroy() {
    document.removeEventListener("keydown", this.onKey);
    clearTimeout(this.retryTimer);
    clearTimeout(this.memoTimer);
  }

  // -- layout -------------------------------------------------------------------------

  build(parent) {
    this.progressBar = el("span", { className: "bar-fill" });
    this.progressLabel = el("span", { className: "progress-label", "data-testid": "coding-progress" });
    this.viewSelect = el("select", { className: "view", "aria-label": "Show segments", onchange: () => this.applyFilters() },
      el("option", { value: "all", text: "All segments" }),
      el("option", { value: "uncoded", text: "Uncoded" }),
      el("option", { value: "coded", text: "Coded" }));
    this.codeGroup = el("optgroup", { label: "With code" });
    this.viewSelect.appendChild(this.codeGroup);
    this.findInput = el("input", { type: "search", className: "find", placeholder: "Find in text",
      "aria-label": "Find in text", oninput: () => this.applyFilters() });
    this.shownCount = el("span", { className: "shown-count" });
    this.doneBanner = el("div", { className: "done-banner", role: "status",
      text: "You marked this transcript done: its codes are locked. Reopen it above to change them." });
    this.list = el("div", { className: "transcript", role: "list", "aria-label": "Transcript segments" });

    this.panelTitle = el("div", { className: "panel-title" });
    this.codeFilter = el("input", { type: "search", className: "code-filter", placeholder: "Filter codes  ( / )",
      "aria-label": "Filter codes", oninput: () => this.renderCodeList() });
    this.codeList = el("div", { className: "code-list", role: "group", "aria-label": "Codes" });
    this.card = el("div", { className: "code-card", "aria-live": "polite" });
    this.segMemo = el("textarea", { className: "seg-memo", rows: "2", placeholder: "Memo on this segment ( m )",
      "aria-label": "Memo on this segment", oninput: () => this.memoEdited(false), onblur: () => this.flushMemo() });
    this.transcriptMemoInput = el("textarea", { className: "transcript-memo", rows: "4",
      placeholder: "Memo on the whole transcript", "aria-label": "Memo on the whole transcript",
      oninput: () => this.memoEdited(true), onblur: () => this.flushMemo() });
    this.notice = el("div", { className: "notice", role: "status", "aria-live": "polite" });

    const help = el("details", { className: "keys" }, el("summary", { text: "Keyboard" }),
      el("ul", {},
        el("li", { text: "j / k or ↓ / ↑: next / previous segment" }),
        el("li", { text: "1 – 9: apply or remove the numbered code" }),
        el("li", { text: "/ : filter codes, then Enter applies the first" }),
        el("li", { text: "u: next uncoded segment   m: memo   Esc: leave a field" })));

    this.root = el("div", { className: "ws", "data-testid": "coding-workspace", "data-ready": "0" },
      el("div", { className: "toolbar" },
        el("div", { className: "progress" }, el("span", { className: "bar" }, this.progressBar), this.progressLabel),
        el("div", { className: "filters" }, this.viewSelect, this.findInput, this.shownCount)),
      this.doneBanner,
      el("div", { className: "panes" },
        this.list,
        el("aside", { className: "panel", "aria-label": "Codes for the selected segment" },
          this.panelTitle, this.codeFilter, this.codeList, this.card,
          el("label", { className: "memo-label" }, "Segment memo", this.segMemo),
          el("details", { className: "tmemo" }, el("summary", { text: "Transcript memo" }), this.transcriptMemoInput),
          this.notice, help)));
    parent.appendChild(this.root);
  }

  // -- data from Python ---------------------------------------------------------------

  update(data) {
    if (data.static && data.static.version !== this.version) this.loadStatic(data.static);
    if (data.version && data.version !== this.version) {
      if (this.askedFor !== data.version) {
        this.askedFor = data.version;
        this.send("event", { kind: "need_static", client: this.client, have: this.version });
      }
      return;
    }
    const result = data.result;
    if (result && result.client === this.client) {
      this.confirmed = Math.max(this.confirmed, result.confirmed_op || 0);
      this.pending = this.pending.filter((op) => op.op > this.confirmed);
      for (const error of result.errors || []) this.say(error.message, true);
      if (!this.pending.length) clearTimeout(this.retryTimer);
    }
    this.stored = new Map(Object.entries(data.applied || {}).map(([id, codes]) => [Number(id), new Set(codes)]));
    this.memos = new Map(Object.entries(data.memos || {}).map(([id, text]) => [Number(id), text]));
    this.transcriptMemo = data.transcript_memo || "";
    this.done = Boolean(data.done);
    this.root.dataset.done = this.done ? "1" : "0";
    this.root.dataset.confirmedOp = String(this.confirmed);
    this.refreshAll();
    this.root.dataset.ready = "1";
  }

  loadStatic(payload) {
    const sameTranscript = payload.transcript.id === this.transcriptId;
    const scrollTop = this.list.scrollTop;
    this.version = payload.version;
    this.transcriptId = payload.transcript.id;
    this.root.dataset.transcriptId = String(payload.transcript.id);
    const themes = [...new Set(payload.codes.map((c) => c.theme))];
    this.codes = payload.codes.map((c) => ({ ...c, colour: c.colour || PALETTE[themes.indexOf(c.theme) % PALETTE.length] }));
    this.codeById = new Map(this.codes.map((c) => [c.id, c]));
    const view = this.viewSelect.value;
    this.codeGroup.replaceChildren(...this.codes.filter((c) => !c.retired).map((c) =>
      el("option", { value: `code:${c.id}`, text: `${c.theme} / ${c.name}` })));
    this.viewSelect.value = view;
    if (this.viewSelect.value !== view) this.viewSelect.value = "all";
    this.segments = payload.segments.map(([id, index, speaker, role, text, timestamp]) =>
      ({ id, index, speaker, role, text, timestamp }));
    this.segById = new Map(this.segments.map((s) => [s.id, s]));
    this.shown = new Map();
    this.list.replaceChildren(...this.segments.map((s) => this.segmentNode(s)));
    if (!sameTranscript || !this.segById.has(this.selected)) {
      this.selected = null;
      this.memoDirty = null;
    } else {
      const node = this.segById.get(this.selected).node;
      node.classList.add("selected");
      node.setAttribute("aria-current", "true");
    }
    this.renderCodeList();
    if (sameTranscript) this.list.scrollTop = scrollTop;
  }

  segmentNode(seg) {
    seg.chips = el("div", { className: "chips" });
    const meta = el("div", { className: "meta" },
      el("span", { className: "idx", text: `#${seg.index}` }),
      el("span", { className: "speaker", text: seg.speaker }),
      seg.role === "interviewer" ? el("span", { className: "role", text: "interviewer" }) : null,
      seg.timestamp ? el("span", { className: "ts", text: seg.timestamp }) : null);
    seg.node = el("div", {
      className: `seg ${seg.role === "interviewer" ? "interviewer" : "participant"}`, role: "listitem",
      "data-segment-id": String(seg.id), "data-index": String(seg.index), "data-codes": "",
      onclick: (event) => this.onSegmentClick(event, seg),
    }, meta, el("div", { className: "text", text: seg.text }), seg.chips);
    return seg.node;
  }

  // -- what is shown ------------------------------------------------------------------

  displayed(segId) {
    const codes = new Set(this.stored.get(segId) || []);
    for (const op of this.pending) {
      if (op.kind !== "code" || op.seg !== segId) continue;
      if (op.on) codes.add(op.code); else codes.delete(op.code);
    }
    return codes;
  }

  isPending(segId, codeId) {
    return this.pending.some((op) => op.kind === "code" && op.seg === segId && op.code === codeId);
  }

  refreshAll() {
    for (const seg of this.segments) this.renderChips(seg);
    if (this.selected === null) this.select(this.firstUncoded(-1) ?? this.segments[0]?.id ?? null, true);
    else this.renderPanel();
    this.renderProgress();
    this.applyFilters();
    this.renderMemoFields(false);
  }

  // Chips are updated in place (never rebuilt), so a click that is under way is never lost to
  // a node being replaced when the server's answer to the previous click arrives.
  renderChips(seg) {
    const codes = this.displayed(seg.id);
    const pendingKey = this.pending.filter((op) => op.seg === seg.id).map((op) => op.op).join(",");
    const key = [...codes].sort((a, b) => a - b).join(",") + "|" + pendingKey + "|" + (this.done ? 1 : 0);
    if (seg.renderedKey === key) return;
    seg.renderedKey = key;
    this.shown.set(seg.id, codes);
    seg.node.dataset.codes = [...codes].join(",");
    seg.node.dataset.storedCodes = [...(this.stored.get(seg.id) || [])].join(",");
    seg.node.classList.toggle("coded", codes.size > 0);
    seg.chipNodes = seg.chipNodes || new Map();
    for (const [id, chip] of seg.chipNodes) {
      if (!codes.has(id)) { chip.remove(); seg.chipNodes.delete(id); }
    }
    const wanted = this.codes.filter((c) => codes.has(c.id));
    wanted.forEach((code, i) => {
      let chip = seg.chipNodes.get(code.id);
      if (!chip) {
        chip = this.chipNode(seg, code);
        seg.chipNodes.set(code.id, chip);
      }
      if (seg.chips.children[i] !== chip) seg.chips.insertBefore(chip, seg.chips.children[i] || null);
      chip.dataset.state = this.isPending(seg.id, code.id) ? "pending" : "stored";
      chip.lastChild.hidden = this.done;
    });
  }

  chipNode(seg, code) {
    const chip = el("span", { className: "chip", "data-code-id": String(code.id), title: code.ref },
      el("span", { className: "swatch" }), el("span", { className: "chip-name", text: code.name }),
      el("button", {
        className: "chip-remove", type: "button", "aria-label": `Remove ${code.name}`, text: "×",
        onclick: (event) => { event.stopPropagation(); this.toggle(seg.id, code.id, false); },
      }));
    setColour(chip, code.colour);
    return chip;
  }

  renderProgress() {
    const toCode = this.segments.filter((s) => s.role !== "interviewer");
    const pool = toCode.length ? toCode : this.segments;
    const coded = pool.filter((s) => (this.shown.get(s.id) || this.displayed(s.id)).size > 0).length;
    const share = pool.length ? coded / pool.length : 0;
    this.progressBar.style.width = `${(share * 100).toFixed(1)}%`;
    this.progressLabel.textContent = `${coded} of ${pool.length} ${toCode.length ? "participant turns" : "segments"} coded`;
    this.root.dataset.coded = String(coded);
  }

  visibleCodes() {
    const query = this.codeFilter.value.trim().toLowerCase();
    return this.codes.filter((c) => !c.retired && (!query ||
      `${c.theme} ${c.path.join(" ")} ${c.definition}`.toLowerCase().includes(query)));
  }

  renderPanel() {
    const seg = this.segById.get(this.selected);
    this.panelTitle.replaceChildren(seg
      ? el("span", {}, el("strong", { text: `Segment #${seg.index}` }), ` · ${seg.speaker}`)
      : el("span", { text: "Select a segment" }));
    this.syncCodeButtons();
  }

  // The list is rebuilt only when the filter or the codebook changes; a click, a selection or
  // the server's answer only updates the buttons' state (see renderChips for why).
  renderCodeList() {
    const visible = this.visibleCodes();
    const nodes = [];
    let theme = null;
    this.codeButtons = new Map();
    visible.forEach((code, i) => {
      if (code.theme !== theme) {
        theme = code.theme;
        nodes.push(el("div", { className: "theme", text: theme }));
      }
      const button = el("button", {
        type: "button", className: "code", "data-code-id": String(code.id), title: code.definition || code.name,
        onclick: () => this.toggle(this.selected, code.id, !this.displayed(this.selected).has(code.id)),
        onmouseenter: () => this.showCard(code.id), onfocus: () => this.showCard(code.id),
      }, el("span", { className: "num", text: i < 9 ? String(i + 1) : "" }), el("span", { className: "swatch" }),
      el("span", { className: "code-name", text: code.path.slice(1).join(" / ") }));
      setColour(button, code.colour);
      this.codeButtons.set(code.id, button);
      nodes.push(button);
    });
    if (!nodes.length) nodes.push(el("div", { className: "empty", text: "No code matches the filter." }));
    this.codeList.replaceChildren(...nodes);
    if (this.codeFilter.value.trim() && visible.length) this.showCard(visible[0].id);
    this.syncCodeButtons();
  }

  syncCodeButtons() {
    const seg = this.selected;
    const codes = seg === null ? new Set() : this.displayed(seg);
    for (const [codeId, button] of this.codeButtons || []) {
      const pressed = codes.has(codeId) ? "true" : "false";
      if (button.getAttribute("aria-pressed") !== pressed) button.setAttribute("aria-pressed", pressed);
      const state = seg !== null && this.isPending(seg, codeId) ? "pending" : "stored";
      if (button.dataset.state !== state) button.dataset.state = state;
      button.disabled = this.done || seg === null;
    }
  }

  showCard(codeId) {
    const code = this.codeById.get(codeId);
    if (!code) return;
    this.focusCode = codeId;
    const part = (label, text) => text ? el("div", { className: "part" }, el("div", { className: "label", text: label }),
      el("div", { className: "body", text })) : null;
    this.card.replaceChildren(...[
      el("div", { className: "card-title" }, el("span", { className: "swatch" }), el("strong", { text: code.name })),
      el("div", { className: "card-path", text: code.path.slice(0, -1).join(" / ") }),
      part("Definition", code.definition), part("When to use", code.when_to_use),
      part("When not to use", code.when_not_to_use), part("Example", code.example)].filter(Boolean));
    setColour(this.card, code.colour);
  }

  applyFilters() {
    const view = this.viewSelect.value;
    const query = this.findInput.value.trim().toLowerCase();
    const codeId = view.startsWith("code:") ? Number(view.slice(5)) : null;
    let count = 0;
    for (const seg of this.segments) {
      const codes = this.shown.get(seg.id) || new Set();
      let show = view === "all" || (view === "uncoded" && codes.size === 0 && seg.role !== "interviewer")
        || (view === "coded" && codes.size > 0) || (codeId !== null && codes.has(codeId));
      if (show && query) show = seg.text.toLowerCase().includes(query) || seg.speaker.toLowerCase().includes(query);
      show = show || seg.id === this.selected;
      seg.node.hidden = !show;
      if (show) count += 1;
    }
    this.shownCount.textContent = `${count} of ${this.segments.length} shown`;
  }

  renderMemoFields(force) {
    if (force || (this.memoDirty !== "seg" && this.root.getRootNode().activeElement !== this.segMemo)) {
      this.segMemo.value = this.memoText(this.selected);
    }
    if (force || (this.memoDirty !== "transcript" && this.root.getRootNode().activeElement !== this.transcriptMemoInput)) {
      this.transcriptMemoInput.value = this.memoText(null);
    }
  }

  memoText(segId) {
    const pending = this.pending.filter((op) => op.kind === "memo" && op.seg === segId && op.transcript === this.transcriptId);
    if (pending.length) return pending[pending.length - 1].text;
    if (segId === null) return this.transcriptMemo;
    return this.memos.get(segId) || "";
  }

  // -- actions ------------------------------------------------------------------------

  onSegmentClick(event, seg) {
    const chip = event.target.closest(".chip");
    if (chip) this.showCard(Number(chip.dataset.codeId));
    if (seg.id !== this.selected) this.select(seg.id, false);
  }

  select(segId, scroll) {
    this.flushMemo();
    const old = this.segById.get(this.selected);
    if (old) { old.node.classList.remove("selected"); old.node.removeAttribute("aria-current"); }
    this.selected = segId;
    const seg = this.segById.get(segId);
    if (seg) {
      seg.node.classList.add("selected");
      seg.node.setAttribute("aria-current", "true");
      if (scroll) seg.node.scrollIntoView({ block: "nearest" });
    }
    this.root.dataset.selected = seg ? String(seg.id) : "";
    this.focusCode = null;
    this.card.replaceChildren(el("div", { className: "hint", text: "Point at a code to read its definition." }));
    this.renderPanel();
    const applied = segId === null ? [] : this.codes.filter((c) => this.displayed(segId).has(c.id));
    if (applied.length) this.showCard(applied[0].id);
    this.renderMemoFields(true);
  }

  move(step) {
    const visible = this.segments.filter((s) => !s.node.hidden);
    if (!visible.length) return;
    const at = visible.findIndex((s) => s.id === this.selected);
    const next = at < 0 ? visible[0] : visible[Math.min(visible.length - 1, Math.max(0, at + step))];
    this.select(next.id, true);
  }

  firstUncoded(afterIndex) {
    const start = this.segments.findIndex((s) => s.index > afterIndex);
    for (let k = 0; k < this.segments.length; k++) {
      const seg = this.segments[(Math.max(start, 0) + k) % this.segments.length];
      if (seg.role !== "interviewer" && this.displayed(seg.id).size === 0) return seg.id;
    }
    return null;
  }

  toggle(segId, codeId, on) {
    if (segId === null || !this.segById.has(segId)) return;
    if (this.done) { this.say("This transcript is marked done; reopen it to change its codes.", true); return; }
    this.seq += 1;
    this.pending.push({ op: this.seq, kind: "code", seg: segId, code: codeId, on });
    this.root.dataset.op = String(this.seq);
    const seg = this.segById.get(segId);
    this.renderChips(seg);
    if (segId === this.selected) this.syncCodeButtons();
    if (on) this.showCard(codeId);
    this.renderProgress();
    this.flush();
  }

  memoEdited(transcript) {
    this.memoDirty = transcript ? "transcript" : "seg";
    clearTimeout(this.memoTimer);
    this.memoTimer = setTimeout(() => this.flushMemo(), MEMO_DELAY_MS);
  }

  flushMemo() {
    clearTimeout(this.memoTimer);
    const dirty = this.memoDirty;
    this.memoDirty = null;
    if (!dirty || this.transcriptId === null) return;
    const segId = dirty === "transcript" ? null : this.selected;
    if (dirty === "seg" && segId === null) return;
    const text = dirty === "transcript" ? this.transcriptMemoInput.value : this.segMemo.value;
    if (text === this.memoText(segId)) return;
    this.seq += 1;
    this.pending.push({ op: this.seq, kind: "memo", seg: segId, transcript: this.transcriptId, text });
    this.root.dataset.op = String(this.seq);
    this.flush();
  }

  flush() {
    if (!this.pending.length) return;
    this.send("event", { kind: "ops", client: this.client, have: this.version, ops: this.pending });
    clearTimeout(this.retryTimer);
    this.retryTimer = setTimeout(() => this.flush(), RETRY_MS);
  }

  say(message, isError) {
    this.notice.textContent = message;
    this.notice.classList.toggle("error", Boolean(isError));
    clearTimeout(this.noticeTimer);
    this.noticeTimer = setTimeout(() => { this.notice.textContent = ""; }, 8000);
  }

  // -- keyboard -----------------------------------------------------------------------

  handleKey(event) {
    if (event.defaultPrevented || event.ctrlKey || event.metaKey || event.altKey || !this.root.isConnected) return;
    const target = event.composedPath()[0];
    const inField = target && (["INPUT", "TEXTAREA", "SELECT"].includes(target.tagName) || target.isContentEditable);
    if (inField) {
      if (target === this.codeFilter && event.key === "Enter") {
        const first = this.visibleCodes()[0];
        if (first) this.toggle(this.selected, first.id, !this.displayed(this.selected).has(first.id));
        event.preventDefault();
      } else if (event.key === "Escape" && this.root.contains(target)) {
        if (target === this.codeFilter) { this.codeFilter.value = ""; this.renderCodeList(); }
        target.blur();
        event.preventDefault();
      }
      return;
    }
    if (this.root.offsetParent === null && !this.root.getClientRects().length) return; // not on screen
    const key = event.key;
    if (key === "j" || key === "ArrowDown") this.move(1);
    else if (key === "k" || key === "ArrowUp") this.move(-1);
    else if (/^[1-9]$/.test(key)) {
      const code = this.visibleCodes()[Number(key) - 1];
      if (!code) return;
      this.toggle(this.selected, code.id, !this.displayed(this.selected).has(code.id));
    } else if (key === "/") this.codeFilter.focus();
    else if (key === "m") this.segMemo.focus();
    else if (key === "u") {
      const seg = this.segById.get(this.selected);
      const next = this.firstUncoded(seg ? seg.index : -1);
      if (next !== null) this.select(next, true);
    } else return;
    event.preventDefault();
    event.stopPropagation();
  }
}
