// The coding workspace: a whole transcript on one scrolling page, with a code panel for the
// selected segment. Selection, filters and the display of a click happen here at once; each
// change is sent to Python (which stores it) and confirmed or reverted by what comes back.
//
// Safety: every string that comes from the study (transcript text, speaker names, code names,
// definitions, memos) is inserted with createTextNode / textContent / value, never as HTML.
//
// Protocol (see coding_workspace.py):
//   data   = {version, static?: {version, transcript, segments, codes}, applied, spans?, memos, memo_versions,
//             transcript_memo, done, progress, result?: {client, confirmed_op, errors, conflicts},
//             history?: {client, transcript, seg, versions}, goto?: {transcript, segment, match?: [start, end]}}
//   events = {kind: "ops", client, have, ops: [{op, kind: "code"|"memo"|"memo_restore", ...}]}
//          | {kind: "need_static", client, have} | {kind: "memo_history", client, have, transcript, seg}
//
// Undo (Ctrl+Z / Cmd+Z while focus is not in a text field) reverses this tab's last coding
// actions, never a memo; in a memo box the browser's own undo edits the box, and a memo that
// would be emptied is saved only after the coder confirms it.

const WORKSPACES = new WeakMap();
// The transcripts' text and the codebook as last sent (version -> static part), kept as long as
// the tab: this script outlives the component's remounts, so coming back to the Code page needs
// only the version. Python remembers which versions were sent (coding_workspace.KEPT_STATIC).
const STATIC = new Map();
const KEPT_STATIC = 4;
const COLOUR = /^(#[0-9a-fA-F]{3,8}|[a-zA-Z]{3,20})$/;
const RETRY_MS = 4000;
// Codes without a colour in the codebook take their top theme's colour from this palette.
const PALETTE = ["#4e79a7", "#f28e2b", "#59a14f", "#e15759", "#76b7b2", "#b07aa1", "#edc948", "#9c755f", "#ff9da7", "#bab0ac"];
const MEMO_DELAY_MS = 1200;
const UNDO_DEPTH = 200;
// Clicks are stored and confirmed over HTTP (study/app/coding_endpoint.py), without a page rerun;
// a rerun ("sync") follows once the clicks pause, so that the rest of the page counts them too.
const CLICK_PATH = "/_study/code";
// The server counts characters (code points), JavaScript's strings UTF-16 units: an emoji is one
// character there and two units here, so every offset crosses between them through these two.
const ASTRAL = /[\uD800-\uDFFF]/;
function unitsAt(text, characters) { // the index in ``text`` of its ``characters``-th character
  if (characters <= 0 || !ASTRAL.test(text)) return characters;
  let units = 0;
  for (const character of text) {
    if (characters <= 0) break;
    characters -= 1;
    units += character.length;
  }
  return units + characters;
}
function charactersAt(text, units) { // how many characters the first ``units`` of ``text`` hold
  return ASTRAL.test(text) ? [...text.slice(0, units)].length : units;
}
const SYNC_MS = 1500;
const VIA_PAGE_MS = 10000;

export default function codingWorkspace(component) {
  const { data, parentElement, setTriggerValue } = component;
  let ws = WORKSPACES.get(parentElement);
  if (!ws) {
    ws = new Workspace(parentElement);
    WORKSPACES.set(parentElement, ws);
  }
  ws.send = setTriggerValue;
  ws.update(data || {});
  // Streamlit calls this when the component leaves the page, and also for a render that a newer
  // one overtook while the module was still loading: that call must not destroy the workspace
  // the newer render uses (its keys and retries would stop, and the next render would build a
  // second one). So it destroys only a workspace whose element is gone from the page.
  return () => setTimeout(() => {
    if (parentElement.isConnected || WORKSPACES.get(parentElement) !== ws) return;
    ws.destroy();
    WORKSPACES.delete(parentElement);
  }, 0);
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

function keepStatic(payload) {
  STATIC.delete(payload.version);
  STATIC.set(payload.version, payload);
  while (STATIC.size > KEPT_STATIC) STATIC.delete(STATIC.keys().next().value);
}

function setColour(node, colour) {
  if (colour && COLOUR.test(colour)) node.style.setProperty("--code-colour", colour);
}

function sameSet(a, b) {
  if (a.size !== b.size) return false;
  for (const x of a) if (!b.has(x)) return false;
  return true;
}

// The range of characters start..end of the text under ``node`` (its text nodes in order), or null.
function textRange(node, start, end) {
  const walker = document.createTreeWalker(node, NodeFilter.SHOW_TEXT);
  const range = document.createRange();
  let at = 0, begun = false;
  for (let text = walker.nextNode(); text; text = walker.nextNode()) {
    const length = text.data.length;
    if (!begun && start >= at && start <= at + length) { range.setStart(text, start - at); begun = true; }
    if (begun && end <= at + length) { range.setEnd(text, end - at); return range; }
    at += length;
  }
  return null;
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
    this.memoVersions = new Map(); // segment id, or "t" for the transcript memo -> newest stored version
    this.memoEdit = null; // {field: "seg" | "transcript", seg, base}: the memo being edited and the version it began from
    this.transcriptMemo = "";
    this.spans = new Map(); // segment id -> [[code id, start, end]] (absolute offsets), as stored
    this.spanSelection = null; // {seg, start, end, text}: selected text waiting for a code
    this.undoStack = []; // this tab's coding actions, newest last: {seg, code, on, span}
    this.progress = { coded: 0, total: 0 };
    this.gotoDone = null; // the address's segment last honoured, as "transcript:index"
    this.wroteSegments = new Set(); // segment indexes this tab wrote into the address
    this.done = false;
    this.selected = null;
    this.focusCode = null;
    this.retryTimer = null;
    this.staticTimer = null; // asks again for the transcript and codebook (askForStatic)
    this.memoTimer = null;
    this.posting = false; // a click request is under way (one at a time keeps the clicks in order)
    this.postAgain = false;
    this.viaPageUntil = 0; // the click endpoint failed (e.g. the session cookie not set yet): use the page's rerun until then
    this.fresh = new Map(); // segment id -> {at, codes, spans}: confirmed over HTTP after the last full read
    this.freshProgress = null; // {at, transcript, progress}, likewise
    this.syncTimer = null;
    this.build(parent);
    this.onKey = (event) => this.handleKey(event);
    document.addEventListener("keydown", this.onKey);
  }

  destroy() {
    document.removeEventListener("keydown", this.onKey);
    clearTimeout(this.retryTimer);
    clearTimeout(this.memoTimer);
    clearTimeout(this.syncTimer);
    clearTimeout(this.staticTimer);
    this.root.remove();
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
    this.list = el("div", { className: "transcript", role: "list", tabindex: "-1", "aria-label": "Transcript segments",
      onmouseup: () => setTimeout(() => this.captureSelection(), 0) });

    this.panelTitle = el("div", { className: "panel-title" });
    this.codeFilter = el("input", { type: "search", className: "code-filter", placeholder: "Filter codes  ( / )",
      "aria-label": "Filter codes", oninput: () => this.renderCodeList() });
    this.selectionHint = el("div", { className: "selection-hint", hidden: true, "data-testid": "span-selection" });
    this.codeList = el("div", { className: "code-list", role: "group", "aria-label": "Codes",
      onmouseleave: () => this.hideCard() });
    this.card = el("div", { className: "code-card", role: "tooltip", hidden: true, "data-testid": "code-card" });
    this.segMemo = el("textarea", { className: "seg-memo", rows: "2", placeholder: "Memo on this segment ( m )",
      "aria-label": "Memo on this segment", oninput: () => this.memoEdited("seg"), onblur: () => this.flushMemo() });
    this.transcriptMemoInput = el("textarea", { className: "transcript-memo", rows: "3",
      placeholder: "Memo on the whole transcript", "aria-label": "Memo on the whole transcript",
      oninput: () => this.memoEdited("transcript"), onblur: () => this.flushMemo() });
    this.memoQuestion = el("div", { className: "memo-question", role: "alertdialog", hidden: true,
      "aria-label": "Memo needs a decision", "data-testid": "memo-question" });
    this.historyBox = el("div", { className: "memo-history", hidden: true, "data-testid": "memo-history" });
    this.notice = el("div", { className: "notice", role: "status", "aria-live": "polite" });

    const help = el("details", { className: "keys" }, el("summary", { text: "Keyboard" }),
      el("ul", {},
        el("li", { text: "j / k or ↓ / ↑: next / previous segment" }),
        el("li", { text: "1 – 9: apply or remove the numbered code (on the selected text, if any)" }),
        el("li", { text: "/ : filter codes by name; Enter applies the first, ↓ returns to the transcript with the filtered codes numbered" }),
        el("li", { text: "Ctrl+Z / ⌘Z: undo your last coding action here (not a memo)" }),
        el("li", { text: "u: next uncoded segment   m: memo   Esc: leave a field" })));

    this.root = el("div", { className: "ws", "data-testid": "coding-workspace", "data-ready": "0" },
      el("div", { className: "toolbar" },
        el("div", { className: "progress" }, el("span", { className: "bar" }, this.progressBar), this.progressLabel),
        el("div", { className: "filters" }, this.viewSelect, this.findInput, this.shownCount)),
      this.doneBanner,
      this.panes = el("div", { className: "panes" },
        this.list,
        this.panel = el("aside", { className: "panel", "aria-label": "Codes for the selected segment" },
          this.panelTitle, this.selectionHint, this.codeFilter, this.codeList,
          el("div", { className: "memo-label" },
            el("span", { className: "memo-head" }, "Segment memo",
              el("button", { type: "button", className: "link", text: "versions", "aria-label": "Versions of the segment memo",
                onclick: () => { if (this.selected !== null) this.askHistory(this.selected); } })),
            this.segMemo),
          this.memoQuestion, this.historyBox, this.notice,
          el("div", { className: "panel-foot" },
            el("details", { className: "tmemo" },
              el("summary", { text: "Transcript memo" }), this.transcriptMemoInput,
              el("button", { type: "button", className: "link", text: "versions", "aria-label": "Versions of the transcript memo",
                onclick: () => this.askHistory(null) })),
            help)),
        this.card));
    parent.appendChild(this.root);
  }

  // -- data from Python ---------------------------------------------------------------

  update(data) {
    if (data.static) keepStatic(data.static);
    const known = data.static || STATIC.get(data.version);
    if (known && known.version !== this.version) this.loadStatic(known);
    if (data.version && data.version !== this.version) {
      if (this.askedFor !== data.version) this.askForStatic(data.version);
      return;
    }
    const result = data.result;
    if (result && result.client === this.client) {
      this.confirmed = Math.max(this.confirmed, result.confirmed_op || 0);
      for (const op of this.pending) if (op.op <= this.confirmed && op.kind === "code") this.fresh.delete(op.seg);
      this.pending = this.pending.filter((op) => op.op > this.confirmed);
      if (!this.pending.length) clearTimeout(this.retryTimer);
    }
    this.stored = new Map(Object.entries(data.applied || {}).map(([id, codes]) => [Number(id), new Set(codes)]));
    this.spans = new Map(Object.entries(data.spans || {}).map(([id, list]) => [Number(id), list]));
    this.keepFresher(data.read_at || 0);
    this.memos = new Map(Object.entries(data.memos || {}).map(([id, text]) => [Number(id), text]));
    this.memoVersions = new Map(Object.entries(data.memo_versions || {}).map(([id, v]) => [id === "t" ? "t" : Number(id), v]));
    this.transcriptMemo = data.transcript_memo || "";
    this.done = Boolean(data.done);
    this.progress = data.progress || this.progress;
    if (this.freshProgress && this.freshProgress.at > (data.read_at || 0) && this.freshProgress.transcript === this.transcriptId) {
      this.progress = this.freshProgress.progress;
    } else this.freshProgress = null;
    this.root.dataset.done = this.done ? "1" : "0";
    this.root.dataset.confirmedOp = String(this.confirmed);
    this.refreshAll();
    if (result && result.client === this.client) this.showResult(result);
    if (data.history && data.history.client === this.client) this.showHistory(data.history);
    if (data.goto) this.goto(data.goto);
    if (this.focusTranscript) {
      this.focusTranscript = false;
      this.list.focus({ preventScroll: true });
    }
    this.root.dataset.ready = "1";
  }

  // The transcript and codebook this tab lacks. The request is a rerun, which a newer rerun can
  // overtake and drop: until they arrive it is asked again every RETRY_MS, saying so.
  askForStatic(version) {
    this.askedFor = version;
    this.send("event", { kind: "need_static", client: this.client, have: this.version });
    clearTimeout(this.staticTimer);
    this.staticTimer = setTimeout(() => {
      if (this.askedFor !== version || this.version === version) return;
      this.say("Still loading the transcript: asking the server again.");
      this.askForStatic(version);
    }, RETRY_MS);
  }

  showResult(result) {
    for (const error of result.errors || []) {
      if (error.empty) this.askBeforeEmptying(error.empty.seg, error.empty.text);
      else this.say(error.message, true);
    }
    for (const conflict of result.conflicts || []) this.showConflict(conflict);
  }

  // The address's segment (a reload, back, a shared link): selected once, unless this tab wrote it.
  goto(target) {
    const key = `${target.transcript}:${target.segment}:${target.match || ""}`;
    if (target.transcript !== this.transcriptId || key === this.gotoDone) return;
    this.gotoDone = key;
    if (this.wroteSegments.has(target.segment)) return;
    const seg = this.segments.find((s) => s.index === target.segment);
    if (seg) {
      this.select(seg.id, true);
      seg.node.scrollIntoView({ block: "center" });
      this.markMatch(seg, target.match);
    }
  }

  // A search hit's words (absolute offsets), marked with the CSS Custom Highlight API: the text's
  // nodes are not changed, so selecting a span and coding work on it as on any other text.
  markMatch(seg, match) {
    if (typeof CSS === "undefined" || !CSS.highlights) return;
    CSS.highlights.delete("study-search-match");
    if (!match) return;
    const range = textRange(seg.textNode, unitsAt(seg.text, match[0] - seg.start), unitsAt(seg.text, match[1] - seg.start));
    if (range) CSS.highlights.set("study-search-match", new Highlight(range));
  }

  loadStatic(payload) {
    const sameTranscript = payload.transcript.id === this.transcriptId;
    const scrollTop = this.list.scrollTop;
    this.version = payload.version;
    this.askedFor = null; // should this version be lost from STATIC later, it is asked for again
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
    this.segments = payload.segments.map(([id, index, speaker, role, text, timestamp, start]) =>
      ({ id, index, speaker, role, text, timestamp, start: start || 0 }));
    this.anyParticipant = this.segments.some((s) => s.role === "participant");
    this.segById = new Map(this.segments.map((s) => [s.id, s]));
    this.shown = new Map();
    this.list.replaceChildren(...this.segments.map((s) => this.segmentNode(s)));
    if (!sameTranscript || !this.segById.has(this.selected)) {
      this.selected = null;
      this.memoEdit = null;
      this.undoStack = [];
      this.spanSelection = null;
      this.gotoDone = null;
      this.wroteSegments = new Set();
      this.hideMemoBoxes();
      this.focusTranscript = true; // a transcript was chosen: the keys go to it, not to the picker
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
    seg.textNode = el("div", { className: "text", text: seg.text });
    const meta = el("div", { className: "meta" },
      el("span", { className: "idx", text: `#${seg.index}` }),
      el("span", { className: "speaker", text: seg.speaker }),
      seg.role !== "participant" ? el("span", { className: "role", text: seg.role }) : null,
      seg.timestamp ? el("span", { className: "ts", text: seg.timestamp }) : null);
    seg.node = el("div", {
      className: `seg ${seg.role}`, role: "listitem",
      "data-segment-id": String(seg.id), "data-index": String(seg.index), "data-start": String(seg.start), "data-codes": "",
      onclick: (event) => this.onSegmentClick(event, seg),
    }, meta, seg.textNode, seg.chips);
    return seg.node;
  }

  // -- what is shown ------------------------------------------------------------------

  displayed(segId) {
    const codes = new Set(this.stored.get(segId) || []);
    for (const op of this.pending) {
      if (op.kind !== "code" || op.seg !== segId || op.span) continue;
      if (op.on) codes.add(op.code); else codes.delete(op.code);
    }
    return codes;
  }

  // The segment's coded spans as shown: stored, then this tab's unconfirmed changes.
  displayedSpans(segId) {
    const spans = new Map((this.spans.get(segId) || []).map(([code, start, end]) => [`${code}:${start}:${end}`, [code, start, end]]));
    for (const op of this.pending) {
      if (op.kind !== "code" || op.seg !== segId || !op.span) continue;
      const key = `${op.code}:${op.span[0]}:${op.span[1]}`;
      if (op.on) spans.set(key, [op.code, op.span[0], op.span[1]]); else spans.delete(key);
    }
    return spans;
  }

  isPending(segId, codeId, span = null) {
    return this.pending.some((op) => op.kind === "code" && op.seg === segId && op.code === codeId
      && (span ? op.span && op.span[0] === span[0] && op.span[1] === span[1] : !op.span));
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
    const spans = this.displayedSpans(seg.id);
    const pendingKey = this.pending.filter((op) => op.seg === seg.id).map((op) => op.op).join(",");
    const key = [...codes].sort((a, b) => a - b).join(",") + "|" + [...spans.keys()].sort().join(",") + "|"
      + pendingKey + "|" + (this.done ? 1 : 0);
    if (seg.renderedKey === key) return;
    const spansChanged = seg.spanKey !== [...spans.keys()].sort().join(",");
    seg.renderedKey = key;
    seg.spanKey = [...spans.keys()].sort().join(",");
    const all = new Set([...codes, ...[...spans.values()].map(([code]) => code)]);
    this.shown.set(seg.id, all);
    seg.node.dataset.codes = [...codes].join(",");
    seg.node.dataset.storedCodes = [...(this.stored.get(seg.id) || [])].join(",");
    seg.node.dataset.spans = [...spans.keys()].join(",");
    seg.node.classList.toggle("coded", all.size > 0);
    seg.chipNodes = seg.chipNodes || new Map();
    const wantedKeys = new Set([...codes].map(String).concat([...spans.keys()].map((k) => `s:${k}`)));
    for (const [id, chip] of seg.chipNodes) {
      if (!wantedKeys.has(id)) { chip.remove(); seg.chipNodes.delete(id); }
    }
    const order = [];
    for (const code of this.codes) {
      if (codes.has(code.id)) order.push([String(code.id), code, null]);
      for (const [k, [codeId, start, end]] of [...spans].sort((a, b) => a[1][1] - b[1][1])) {
        if (codeId === code.id) order.push([`s:${k}`, code, [start, end]]);
      }
    }
    order.forEach(([id, code, span], i) => {
      let chip = seg.chipNodes.get(id);
      if (!chip) {
        chip = this.chipNode(seg, code, span);
        seg.chipNodes.set(id, chip);
      }
      if (seg.chips.children[i] !== chip) seg.chips.insertBefore(chip, seg.chips.children[i] || null);
      chip.dataset.state = this.isPending(seg.id, code.id, span) ? "pending" : "stored";
      chip.lastChild.hidden = this.done;
    });
    if (spansChanged) this.renderText(seg, [...spans.values()]);
  }

  chipNode(seg, code, span) {
    const quote = span ? this.quote(seg, span) : null;
    const chip = el("span", {
      className: span ? "chip span-chip" : "chip", "data-code-id": String(code.id),
      "data-span": span ? `${span[0]}-${span[1]}` : null, title: span ? `${code.ref}: “${quote}”` : code.ref,
    },
    el("span", { className: "swatch" }), el("span", { className: "chip-name", text: code.label || code.name }),
    span ? el("span", { className: "chip-quote", text: `“${quote.length > 40 ? quote.slice(0, 39) + "…" : quote}”` }) : null,
    el("button", {
      className: "chip-remove", type: "button",
      "aria-label": span ? `Remove ${code.label || code.name} from “${quote}”` : `Remove ${code.label || code.name}`,
      text: "×", onclick: (event) => { event.stopPropagation(); this.toggle(seg.id, code.id, false, span); },
    }));
    setColour(chip, code.colour);
    return chip;
  }

  quote(seg, span) {
    return seg.text.slice(unitsAt(seg.text, span[0] - seg.start), unitsAt(seg.text, span[1] - seg.start));
  }

  // The segment's text with its coded spans marked in their codes' colours. Built from text
  // nodes only (never HTML); with no spans it is one text node, as before.
  renderText(seg, spans) {
    const text = seg.text;
    if (!spans.length) { seg.textNode.textContent = text; return; }
    const cuts = new Set([0, text.length]);
    const local = spans.map(([code, start, end]) => [code, Math.max(0, unitsAt(text, start - seg.start)),
      Math.min(text.length, unitsAt(text, end - seg.start))]);
    for (const [, a, b] of local) { cuts.add(a); cuts.add(b); }
    const points = [...cuts].filter((x) => x >= 0 && x <= text.length).sort((a, b) => a - b);
    const runs = [];
    for (let i = 0; i < points.length - 1; i++) {
      const [a, b] = [points[i], points[i + 1]];
      if (a === b) continue;
      const covering = local.filter(([, s, e]) => s <= a && e >= b).map(([code]) => code);
      if (!covering.length) { runs.push(document.createTextNode(text.slice(a, b))); continue; }
      const first = this.codeById.get(covering[0]);
      const mark = el("mark", { className: "hl", text: text.slice(a, b), "data-codes": covering.join(","),
        title: covering.map((id) => { const c = this.codeById.get(id); return c ? c.label || c.name : ""; }).join(", ") });
      if (covering.length > 1) mark.classList.add("many");
      setColour(mark, first && first.colour);
      runs.push(mark);
    }
    seg.textNode.replaceChildren(...runs);
  }

  renderProgress() {
    // As stored: the same count the transcript picker shows (workspace.transcript_progress).
    const { coded, total } = this.progress;
    const share = total ? coded / total : 0;
    this.progressBar.style.width = `${(share * 100).toFixed(1)}%`;
    const toCode = this.anyParticipant;
    this.progressLabel.textContent = `${coded} of ${total} ${toCode ? "participant turns" : "segments"} coded`;
    this.root.dataset.coded = String(coded);
  }

  // The codes the panel lists, in order. With a filter, name matches come first (the name
  // starting with it, then a word of it, then anywhere), then theme matches, then matches in the
  // guidance: "/security" finds "Security and privacy risks" before a code whose definition
  // mentions security.
  visibleCodes() {
    const query = this.codeFilter.value.trim().toLowerCase();
    const active = this.codes.filter((c) => !c.retired);
    if (!query) return active;
    const rank = (c) => {
      const name = c.name.toLowerCase();
      if (name.startsWith(query)) return 0;
      if (name.split(/[^\p{L}\p{N}]+/u).some((word) => word.startsWith(query))) return 1;
      if (name.includes(query)) return 2;
      if (c.path.slice(0, -1).join(" ").toLowerCase().includes(query)) return 3;
      if (`${c.definition} ${c.when_to_use} ${c.example}`.toLowerCase().includes(query)) return 4;
      return null;
    };
    return active.map((c, i) => [rank(c), i, c]).filter(([r]) => r !== null)
      .sort((a, b) => a[0] - b[0] || a[1] - b[1]).map(([, , c]) => c);
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
    const filtered = Boolean(this.codeFilter.value.trim());
    this.codeList.classList.toggle("filtered", filtered);
    visible.forEach((code, i) => {
      if (!filtered && code.theme !== theme) {
        theme = code.theme;
        nodes.push(el("div", { className: "theme", text: theme }));
      }
      const button = el("button", {
        type: "button", className: "code", "data-code-id": String(code.id), title: code.definition || code.name,
        "data-depth": filtered ? null : String(code.depth || 0), // a code below a code is indented under it
        onclick: () => this.applyCode(code.id),
        onmouseenter: () => this.showCard(code.id, button), onfocus: () => this.showCard(code.id, button),
        onblur: () => this.hideCard(),
      }, el("span", { className: "num", text: i < 9 ? String(i + 1) : "" }), el("span", { className: "swatch" }),
      el("span", { className: "code-name", text: filtered ? code.name : code.path.slice(1).join(" / ") }),
      filtered ? el("span", { className: "code-theme", text: code.path.slice(0, -1).join(" / ") }) : null);
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

  // The card of a code: beside the code list, level with ``anchor`` (a code button or chip), as
  // tall as its guidance, moved below or above the chosen segment rather than over its chips;
  // hidden when the pointer leaves the list or another segment is chosen.
  showCard(codeId, anchor = null) {
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
    this.card.dataset.codeId = String(codeId);
    this.placeCard(anchor);
  }

  placeCard(anchor) {
    const panes = this.panes.getBoundingClientRect();
    this.panes.style.setProperty("--panel-width", `${this.panel.getBoundingClientRect().width}px`);
    this.card.hidden = false;
    const height = this.card.offsetHeight;
    const level = (anchor || this.codeList).getBoundingClientRect().top - panes.top;
    let top = Math.max(0, Math.min(level, panes.height - height));
    // Not over the segment being coded (its chips show what is applied while a code is read):
    // below it, else above it, where the card fits whole; when neither side holds it, the card is
    // read whole over the segment, as before.
    const seg = this.segById.get(this.selected)?.node?.getBoundingClientRect();
    if (seg && top < seg.bottom - panes.top && top + height > seg.top - panes.top) {
      const gap = 8, below = seg.bottom - panes.top + gap, above = seg.top - panes.top - gap - height;
      if (below + height <= panes.height) top = below;
      else if (above >= 0) top = above;
    }
    this.card.style.top = `${top}px`;
  }

  hideCard() {
    this.card.hidden = true;
    this.focusCode = null;
  }

  applyFilters() {
    const view = this.viewSelect.value;
    const query = this.findInput.value.trim().toLowerCase();
    const codeId = view.startsWith("code:") ? Number(view.slice(5)) : null;
    let count = 0;
    for (const seg of this.segments) {
      const codes = this.shown.get(seg.id) || new Set();
      let show = view === "all" || (view === "uncoded" && codes.size === 0 && this.toCode(seg))
        || (view === "coded" && codes.size > 0) || (codeId !== null && codes.has(codeId));
      if (show && query) show = seg.text.toLowerCase().includes(query) || seg.speaker.toLowerCase().includes(query);
      show = show || seg.id === this.selected;
      seg.node.hidden = !show;
      if (show) count += 1;
    }
    this.shownCount.textContent = `${count} of ${this.segments.length} shown`;
  }

  renderMemoFields(force) {
    const active = this.root.getRootNode().activeElement;
    const editing = (field) => this.memoEdit && this.memoEdit.field === field;
    if (force || (!editing("seg") && active !== this.segMemo)) this.segMemo.value = this.memoText(this.selected);
    if (force || (!editing("transcript") && active !== this.transcriptMemoInput)) {
      this.transcriptMemoInput.value = this.memoText(null);
    }
  }

  memoText(segId) {
    const pending = this.pending.filter((op) => op.kind === "memo" && op.seg === segId && op.transcript === this.transcriptId);
    if (pending.length) return pending[pending.length - 1].text;
    if (segId === null) return this.transcriptMemo;
    return this.memos.get(segId) || "";
  }

  memoVersion(segId) {
    return this.memoVersions.get(segId === null ? "t" : segId) || 0;
  }

  // -- actions ------------------------------------------------------------------------

  onSegmentClick(event, seg) {
    const chip = event.target.closest(".chip");
    if (seg.id !== this.selected) this.select(seg.id, false);
    if (chip) this.showCard(Number(chip.dataset.codeId), chip);
  }

  select(segId, scroll) {
    this.flushMemo();
    const old = this.segById.get(this.selected);
    if (old) { old.node.classList.remove("selected"); old.node.removeAttribute("aria-current"); }
    if (segId !== this.selected) this.setSpanSelection(null);
    this.selected = segId;
    const seg = this.segById.get(segId);
    if (seg) {
      seg.node.classList.add("selected");
      seg.node.setAttribute("aria-current", "true");
      if (scroll) seg.node.scrollIntoView({ block: "nearest" });
      this.writeAddress(seg);
    }
    this.root.dataset.selected = seg ? String(seg.id) : "";
    this.hideCard();
    this.renderPanel();
    this.renderMemoFields(true);
  }

  // The selected segment goes into the page's address in place (no history entry per segment),
  // so a reload or a copied link opens here. Streamlit adds the entry when a transcript is chosen.
  writeAddress(seg) {
    try {
      const url = new URL(window.location.href);
      if (url.searchParams.get("transcript") === String(this.transcriptId)
        && url.searchParams.get("segment") === String(seg.index)) return;
      url.searchParams.set("transcript", String(this.transcriptId));
      url.searchParams.set("segment", String(seg.index));
      url.searchParams.delete("match"); // a search hit's words belong to the turn it opened
      window.history.replaceState(window.history.state, "", url.toString());
      this.wroteSegments.add(seg.index);
    } catch (error) { /* an address that cannot be rewritten (sandboxed frame) only loses the deep link */ }
  }

  move(step) {
    const visible = this.segments.filter((s) => !s.node.hidden);
    if (!visible.length) return;
    const at = visible.findIndex((s) => s.id === this.selected);
    const next = at < 0 ? visible[0] : visible[Math.min(visible.length - 1, Math.max(0, at + step))];
    this.select(next.id, true);
  }

  // A segment to code, as workspace.progress_of counts them: a participant's, or any when no
  // segment is a participant's (interviewers' and others' turns are shown, not offered).
  toCode(seg) {
    return seg.role === "participant" || !this.anyParticipant;
  }

  firstUncoded(afterIndex) {
    const start = this.segments.findIndex((s) => s.index > afterIndex);
    for (let k = 0; k < this.segments.length; k++) {
      const seg = this.segments[(Math.max(start, 0) + k) % this.segments.length];
      if (this.toCode(seg) && this.displayed(seg.id).size === 0 && this.displayedSpans(seg.id).size === 0) return seg.id;
    }
    return null;
  }

  // -- text selections (spans) --------------------------------------------------------

  // Text selected inside one segment becomes the target of the next code: click or key.
  captureSelection() {
    const root = this.root.getRootNode();
    const selection = (root.getSelection && root.getSelection()) || document.getSelection();
    if (!selection || selection.isCollapsed || !selection.rangeCount) return;
    const range = selection.getRangeAt(0);
    const seg = this.segments.find((s) => s.textNode.contains(range.startContainer));
    if (!seg || !seg.textNode.contains(range.endContainer)) {
      this.say("Select text inside one segment to code it.", true);
      return;
    }
    let start = this.offsetIn(seg.textNode, range.startContainer, range.startOffset);
    let end = this.offsetIn(seg.textNode, range.endContainer, range.endOffset);
    while (start < end && /\s/.test(seg.text[start])) start += 1; // a double-click takes trailing spaces
    while (end > start && /\s/.test(seg.text[end - 1])) end -= 1;
    if (end <= start) return;
    if (seg.id !== this.selected) this.select(seg.id, false);
    if (end - start >= seg.text.length) { this.setSpanSelection(null); return; } // all of it: the segment
    this.setSpanSelection({ seg: seg.id, start: seg.start + charactersAt(seg.text, start),
      end: seg.start + charactersAt(seg.text, end), text: seg.text.slice(start, end) });
  }

  offsetIn(container, node, offset) {
    if (node.nodeType !== Node.TEXT_NODE) {
      // a boundary between children: count the text before that child
      let total = 0;
      for (let i = 0; i < offset && i < node.childNodes.length; i++) total += node.childNodes[i].textContent.length;
      return node === container ? total : this.offsetIn(container, node.childNodes[0] || node, 0) + total;
    }
    const walker = document.createTreeWalker(container, NodeFilter.SHOW_TEXT);
    let total = 0;
    for (let current = walker.nextNode(); current; current = walker.nextNode()) {
      if (current === node) return total + offset;
      total += current.textContent.length;
    }
    return total;
  }

  setSpanSelection(selection) {
    this.spanSelection = selection;
    this.root.dataset.spanSelection = selection ? `${selection.start}-${selection.end}` : "";
    if (!selection) { this.selectionHint.hidden = true; this.selectionHint.replaceChildren(); return; }
    const shown = selection.text.length > 80 ? selection.text.slice(0, 79) + "…" : selection.text;
    this.selectionHint.replaceChildren(
      el("span", { text: `Selected “${shown}”: click a code or press its number to code this text. ` }),
      el("button", { type: "button", className: "link", text: "code the whole segment instead",
        onclick: () => this.setSpanSelection(null) }));
    this.selectionHint.hidden = false;
  }

  // -- coding ---------------------------------------------------------------------------

  // A code chosen by click or key: on the selected text when there is one, else the segment.
  applyCode(codeId) {
    const selection = this.spanSelection;
    if (selection && selection.seg === this.selected) {
      const span = [selection.start, selection.end];
      const has = this.displayedSpans(selection.seg).has(`${codeId}:${span[0]}:${span[1]}`);
      this.toggle(selection.seg, codeId, !has, span);
      this.setSpanSelection(null);
      const root = this.root.getRootNode();
      ((root.getSelection && root.getSelection()) || document.getSelection())?.removeAllRanges();
      return;
    }
    this.toggle(this.selected, codeId, !this.displayed(this.selected).has(codeId));
  }

  toggle(segId, codeId, on, span = null, fromUndo = false) {
    if (segId === null || !this.segById.has(segId)) return;
    // Sent even when this tab shows the transcript done: the server decides (another tab may have
    // reopened it) and its answer brings this tab up to date.
    this.seq += 1;
    const op = { op: this.seq, kind: "code", transcript: this.transcriptId, seg: segId, code: codeId, on, span };
    if (span) op.words = this.quote(this.segById.get(segId), span); // the server refuses them if the text changed
    this.pending.push(op);
    if (!fromUndo) {
      this.undoStack.push({ seg: segId, code: codeId, on, span });
      if (this.undoStack.length > UNDO_DEPTH) this.undoStack.shift();
    }
    this.root.dataset.op = String(this.seq);
    const seg = this.segById.get(segId);
    this.renderChips(seg);
    if (segId === this.selected) this.syncCodeButtons();
    if (on && this.codeButtons?.get(codeId)?.matches(":hover")) this.showCard(codeId, this.codeButtons.get(codeId));
    this.flush();
  }

  // The app's own undo: this tab's last coding action, reversed (memos are never undone here).
  undo() {
    const last = this.undoStack.pop();
    if (!last) { this.say("Nothing to undo: no coding action in this tab yet."); return; }
    this.toggle(last.seg, last.code, !last.on, last.span, true);
    const seg = this.segById.get(last.seg);
    const code = this.codeById.get(last.code);
    this.say(`Undone: ${last.on ? "applied" : "removed"} ${code ? code.name : "a code"} on #${seg ? seg.index : "?"}`);
  }

  // -- memos ----------------------------------------------------------------------------

  memoEdited(field) {
    const segId = field === "transcript" ? null : this.selected;
    if (!this.memoEdit || this.memoEdit.field !== field || this.memoEdit.seg !== segId) {
      this.memoEdit = { field, seg: segId, base: this.memoVersion(segId) };
    }
    clearTimeout(this.memoTimer);
    this.memoTimer = setTimeout(() => this.flushMemo(), MEMO_DELAY_MS);
  }

  flushMemo() {
    clearTimeout(this.memoTimer);
    const edit = this.memoEdit;
    if (!edit || this.transcriptId === null) return;
    if (edit.field === "seg" && edit.seg === null) { this.memoEdit = null; return; }
    const text = edit.field === "transcript" ? this.transcriptMemoInput.value : this.segMemo.value;
    const before = this.memoText(edit.seg);
    if (text === before) { this.memoEdit = null; return; }
    if (!text.trim() && before.trim()) { // never saved empty without asking (a stray undo empties a box)
      // Asked already (leaving the box to answer flushes again): keep the question and its buttons.
      const asking = !this.memoQuestion.hidden && this.memoQuestion.dataset.kind === "empty"
        && this.memoQuestion.dataset.seg === String(edit.seg);
      if (!asking) this.askBeforeEmptying(edit.seg, before);
      return;
    }
    this.memoEdit = null;
    this.sendMemo(edit.seg, text, edit.base, false);
  }

  sendMemo(segId, text, base, confirmEmpty) {
    this.seq += 1;
    this.pending.push({ op: this.seq, kind: "memo", seg: segId, transcript: this.transcriptId, text, base, confirm_empty: confirmEmpty });
    this.root.dataset.op = String(this.seq);
    this.flush();
  }

  fieldFor(segId) {
    return segId === null ? this.transcriptMemoInput : this.segMemo;
  }

  askBeforeEmptying(segId, storedText) {
    const edit = this.memoEdit || { seg: segId, base: this.memoVersion(segId) };
    const where = segId === null ? "the transcript memo" : `the memo on #${this.segById.get(segId)?.index ?? "?"}`;
    this.memoQuestion.dataset.seg = String(segId);
    this.showMemoQuestion("empty", `Clear ${where}? It held: “${storedText.length > 120 ? storedText.slice(0, 119) + "…" : storedText}” `
      + "(its earlier versions stay in its history).", [
      ["Clear the memo", () => { this.memoEdit = null; this.sendMemo(edit.seg, "", edit.base, true); }],
      ["Keep the text", () => {
        this.memoEdit = null;
        if (segId === null || segId === this.selected) this.fieldFor(segId).value = storedText;
      }],
    ]);
  }

  showConflict(conflict) {
    if (conflict.transcript !== this.transcriptId) return;
    this.showMemoQuestion("conflict", "This memo was changed in another tab or by another session while you edited it. "
      + "Choose the text to keep:", [
      ["Keep mine", () => this.sendMemo(conflict.seg, conflict.mine, conflict.theirs_version, true)],
      ["Keep the other", () => {
        if (conflict.seg === null || conflict.seg === this.selected) this.fieldFor(conflict.seg).value = conflict.theirs;
      }],
    ], [["Yours", conflict.mine], ["The other", conflict.theirs]]);
  }

  showMemoQuestion(kind, question, actions, texts = []) {
    this.memoQuestion.dataset.kind = kind;
    this.memoQuestion.replaceChildren(
      el("div", { className: "question", text: question }),
      ...texts.map(([label, text]) => el("div", { className: "memo-text" },
        el("div", { className: "label", text: label }), el("div", { className: "body", text: text || "(empty)" }))),
      el("div", { className: "actions" }, ...actions.map(([label, act]) => el("button", {
        type: "button", text: label, onclick: () => { this.memoQuestion.hidden = true; act(); },
      }))));
    this.memoQuestion.hidden = false;
  }

  askHistory(segId) {
    if (this.transcriptId === null || (segId !== null && !this.segById.has(segId))) return;
    this.flushMemo();
    this.send("event", { kind: "memo_history", client: this.client, have: this.version, transcript: this.transcriptId, seg: segId });
  }

  showHistory(history) {
    if (history.transcript !== this.transcriptId) return;
    const where = history.seg === null ? "Transcript memo" : `Memo on #${this.segById.get(history.seg)?.index ?? "?"}`;
    const current = this.memoVersion(history.seg);
    const rows = (history.versions || []).map((v) => el("li", { className: "version", "data-version": String(v.version) },
      el("div", { className: "label", text: `version ${v.version}${v.actor ? " · " + v.actor : ""}${v.at ? " · " + v.at.replace("T", " ") : ""}` }),
      el("div", { className: "body", text: v.text || "(empty)" }),
      v.version === current ? el("span", { className: "label", text: "current" }) : el("button", {
        type: "button", text: "Restore", "aria-label": `Restore version ${v.version}`,
        onclick: () => this.restoreMemo(history.seg, v.version),
      })));
    this.historyBox.replaceChildren(
      el("div", { className: "history-head" }, el("strong", { text: `${where}: versions` }),
        el("button", { type: "button", className: "link", text: "close", onclick: () => { this.historyBox.hidden = true; } })),
      history.error ? el("div", { className: "error", text: history.error }) : null,
      rows.length ? el("ol", {}, ...rows) : el("div", { className: "hint", text: "No saved versions yet." }));
    this.historyBox.dataset.seg = history.seg === null ? "t" : String(history.seg);
    this.historyBox.hidden = false;
  }

  restoreMemo(segId, version) {
    this.historyBox.hidden = true;
    this.seq += 1;
    this.pending.push({ op: this.seq, kind: "memo_restore", seg: segId, transcript: this.transcriptId, version,
      base: this.memoVersion(segId) });
    this.root.dataset.op = String(this.seq);
    this.flush();
  }

  hideMemoBoxes() {
    this.memoQuestion.hidden = true;
    this.historyBox.hidden = true;
  }

  // Clicks go to the click endpoint; memos (and everything, once the endpoint has failed) go
  // through the page's own event. Memos wait until the clicks before them are confirmed, so that
  // neither channel confirms an op number the other still holds.
  flush() {
    if (!this.pending.length) return;
    const clicks = this.pending.filter((op) => op.kind === "code");
    if (clicks.length && Date.now() >= this.viaPageUntil) this.post(clicks);
    else this.send("event", { kind: "ops", client: this.client, have: this.version, ops: this.pending });
    clearTimeout(this.retryTimer);
    this.retryTimer = setTimeout(() => this.flush(), RETRY_MS);
  }

  async post(clicks) {
    if (this.posting) { this.postAgain = true; return; }
    this.posting = true;
    try {
      const response = await fetch(CLICK_PATH, {
        method: "POST", credentials: "same-origin", cache: "no-store",
        headers: { "content-type": "application/json", "x-study-click": "1" },
        body: JSON.stringify({ client: this.client, have: this.version, ops: clicks }),
      });
      if (!response.ok) throw new Error(`the click endpoint answered ${response.status}`);
      this.confirmClicks(await response.json());
    } catch (error) {
      this.viaPageUntil = Date.now() + VIA_PAGE_MS; // the page's own rerun still works
    } finally {
      this.posting = false;
    }
    if (this.postAgain || this.pending.length) { this.postAgain = false; this.flush(); }
  }

  // The endpoint's answer: what each clicked segment holds now, and the rater's progress.
  confirmClicks(answer) {
    if (answer.client !== this.client) return;
    const last = answer.confirmed_op || 0;
    const segs = new Set(this.pending.filter((op) => op.kind === "code" && op.op <= last).map((op) => op.seg));
    this.confirmed = Math.max(this.confirmed, last);
    this.pending = this.pending.filter((op) => op.kind !== "code" || op.op > last);
    for (const [id, held] of Object.entries(answer.segments || {})) {
      const segId = Number(id);
      if (!this.segById.has(segId)) continue; // a transcript no longer shown
      this.fresh.set(segId, { at: answer.at, codes: held.codes, spans: held.spans });
      this.setStored(segId, held.codes, held.spans);
      segs.add(segId);
    }
    if (answer.progress && answer.transcript === this.transcriptId) {
      this.done = false; // a click was stored: the transcript is open (another tab may have reopened it)
      this.root.dataset.done = "0";
      this.progress = answer.progress;
      this.freshProgress = { at: answer.at, transcript: answer.transcript, progress: answer.progress };
    }
    this.root.dataset.confirmedOp = String(this.confirmed);
    for (const segId of segs) if (this.segById.has(segId)) this.renderChips(this.segById.get(segId));
    if (this.selected !== null && segs.has(this.selected)) this.syncCodeButtons();
    this.renderProgress();
    this.applyFilters();
    if (!this.pending.length) clearTimeout(this.retryTimer);
    for (const error of answer.errors || []) this.say(error.message, true);
    this.syncSoon(answer.errors && answer.errors.length ? 0 : SYNC_MS);
  }

  setStored(segId, codes, spans) {
    if (codes.length) this.stored.set(segId, new Set(codes)); else this.stored.delete(segId);
    if (spans.length) this.spans.set(segId, spans); else this.spans.delete(segId);
  }

  // A full read older than clicks confirmed over HTTP keeps those clicks' segments as confirmed.
  keepFresher(readAt) {
    for (const [segId, held] of this.fresh) {
      if (held.at <= readAt || !this.segById.has(segId)) this.fresh.delete(segId);
      else this.setStored(segId, held.codes, held.spans);
    }
  }

  syncSoon(delay) {
    clearTimeout(this.syncTimer);
    this.syncTimer = setTimeout(() => {
      if (this.pending.length || this.posting) { this.syncSoon(SYNC_MS); return; }
      this.send("event", { kind: "sync", client: this.client, have: this.version });
    }, delay);
  }

  say(message, isError) {
    this.notice.textContent = message;
    this.notice.classList.toggle("error", Boolean(isError));
    clearTimeout(this.noticeTimer);
    this.noticeTimer = setTimeout(() => { this.notice.textContent = ""; }, 8000);
  }

  // -- keyboard -----------------------------------------------------------------------

  handleKey(event) {
    if (event.defaultPrevented || !this.root.isConnected) return;
    const target = event.composedPath()[0];
    const inField = target && (["INPUT", "TEXTAREA", "SELECT"].includes(target.tagName) || target.isContentEditable);
    const onScreen = this.root.offsetParent !== null || this.root.getClientRects().length > 0;
    if ((event.ctrlKey || event.metaKey) && !event.altKey && !event.shiftKey && event.key.toLowerCase() === "z") {
      // In a text field the browser's own undo edits that field; elsewhere Ctrl+Z is the app's
      // undo, and the browser must not reach back into a memo box the coder has left.
      if (inField || !onScreen) return;
      event.preventDefault();
      event.stopPropagation();
      this.undo();
      return;
    }
    if (event.ctrlKey || event.metaKey || event.altKey) return;
    if (inField) {
      if (target === this.codeFilter && event.key === "Enter") {
        const first = this.visibleCodes()[0];
        if (first) this.applyCode(first.id);
        this.codeFilter.value = "";
        this.renderCodeList();
        this.list.focus({ preventScroll: true });
        event.preventDefault();
      } else if (target === this.codeFilter && event.key === "ArrowDown") {
        this.list.focus({ preventScroll: true }); // the filter stays: 1 – 9 now pick among its codes
        event.preventDefault();
      } else if (event.key === "Escape" && this.root.contains(target)) {
        if (target === this.codeFilter) { this.codeFilter.value = ""; this.renderCodeList(); }
        target.blur();
        this.list.focus({ preventScroll: true });
        event.preventDefault();
      }
      return;
    }
    if (!onScreen) return;
    const key = event.key;
    if (key === "j" || key === "ArrowDown") this.move(1);
    else if (key === "k" || key === "ArrowUp") this.move(-1);
    else if (/^[1-9]$/.test(key)) {
      const code = this.visibleCodes()[Number(key) - 1];
      if (!code) return;
      this.applyCode(code.id);
    } else if (key === "/") this.codeFilter.focus();
    else if (key === "m") this.segMemo.focus();
    else if (key === "Escape" && this.codeFilter.value) { this.codeFilter.value = ""; this.renderCodeList(); }
    else if (key === "u") {
      const seg = this.segById.get(this.selected);
      const next = this.firstUncoded(seg ? seg.index : -1);
      if (next !== null) this.select(next, true);
    } else return;
    event.preventDefault();
    event.stopPropagation();
  }
}
