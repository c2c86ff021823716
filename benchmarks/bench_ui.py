"""How fast is coding in the browser? The study app's Code page against Taguette's highlight action.

Run from the project root:  python benchmarks/bench_ui.py [--clicks 36] [--no-taguette]

Drives Debian's Chromium (/usr/bin/chromium, headless) with Playwright. Builds a study with two
synthetic 300-segment transcripts (20-80 words a segment) and a 60-code codebook, serves it with
`study app`, and measures, with timestamps taken inside the page (performance.now()):

- sign-in -> Code page ready, and page navigation -> Code page ready. "Ready" = the app's
  page-ready marker for "Code" is present, the script run has finished, no lazy widget still
  shows as a skeleton, and the workspace shows all 300 segments of the transcript;
- switch transcript: from the click on the other transcript in the selector to ready on it;
- click -> optimistic: from the click on a code to the next frame after the chip is in the DOM;
- click -> stored and confirmed: from the click to the next frame after the workspace shows the
  segment's codes as read back from the database after the write, i.e. the root's
  ``data-confirmed-op`` has reached the click's op number and the chip is ``data-state="stored"``
  (or gone, for a removal). Afterwards the database is checked against what the page shows;
- the same clicks with two coders (two browser contexts) clicking at the same instant.

- a span: select 50 characters of a segment's text (a DOM selection and the mouseup the page
  listens for), click a code; timed from that click to the span chip (optimistic) and to the span
  as stored and read back; half of them are removed again with the chip's remove button. The
  whole-segment clicks are measured again after the spans, in the same run, for comparison.

Then Taguette (installed in its own venv under /tmp, never into this environment) on the same 300
turns imported as HTML, with 61 tags: "select text -> new highlight -> tick tag -> save", timed
from the click on save to the highlight visible in the document (and to the POST's answer).
"""
from __future__ import annotations

import argparse
import json
import os
import random
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from playwright.sync_api import Error as PlaywrightError
from playwright.sync_api import sync_playwright

from study import auth, codes
from study.codebook import parse_codebook
from study.importing.reading import ImportOptions
from study.importing.storing import add_parsed_transcript
from study.store import Study
from study.workspace import transcript_progress
from tests.browser.conftest import (
    CHROMIUM,
    CHROMIUM_ARGS,
    VIEWPORT,
    free_port,
    start_app,
    stop_process_group,
)
from tests.factories import parsed_from_turns

SEGMENTS, CODES, THEMES = 300, 60, 6
PASSWORD = "bench-password"
TAGUETTE_VENV = Path("/tmp/taguette-venv")
WORDS = (
    "model", "hub", "card", "licence", "download", "dataset", "benchmark", "fine", "tune",
    "checkpoint", "search", "paper", "github", "team", "deploy", "latency", "accuracy", "bias",
    "evaluate", "reuse", "compare", "trust", "documentation", "weights", "size", "inference",
    "cost", "community", "popular", "maintained", "version", "release", "example", "tutorial",
    "task", "domain", "metric", "leaderboard", "ranking", "filter", "tag", "author",
    "organisation", "citation", "reproduce", "training", "data",
)

# -- the synthetic study ------------------------------------------------------------------


def synthetic_turns(seed: int, n: int = SEGMENTS) -> list[tuple[str, str]]:
    rng = random.Random(seed)
    turns = []
    for i in range(n):
        words = [rng.choice(WORDS) for _ in range(rng.randint(20, 80))]
        body = " ".join(words).capitalize() + "."
        turns.append(("Interviewer" if i % 2 == 0 else "P01", body))
    return turns


def synthetic_codebook() -> str:
    lines = ["name: Benchmark codebook", "themes:"]
    for t in range(THEMES):
        lines += [f"  - name: Theme {t + 1}", "    codes:"]
        for c in range(CODES // THEMES):
            lines += [
                f"      - name: Code {t + 1}.{c + 1}",
                f"        definition: The participant talks about aspect {c + 1} of theme {t + 1}.",
                f"        when_to_use: When aspect {c + 1} is the point of the turn.",
                "        when_not_to_use: When it is only mentioned in passing.",
                f"        example: \"We always look at aspect {c + 1} first.\"",
            ]
    return "\n".join(lines) + "\n"


def build_study(db_path: Path) -> None:
    study = Study.open(f"sqlite:///{db_path}")
    codes.load_into_study(study, parse_codebook(synthetic_codebook(), source="bench.yaml"), auth.CLI)
    for name, participant, seed in (("Bench interview A", "P01", 1), ("Bench interview B", "P02", 2)):
        add_parsed_transcript(study, name, parsed_from_turns(synthetic_turns(seed)), participant,
                              ImportOptions(interviewer="Interviewer"))
    for name in ("alice", "bob"):
        auth.add_user(study, name, "coder", PASSWORD, auth.CLI)
    study.close()


# -- in-page timing -----------------------------------------------------------------------

PAGE_HELPERS = r"""
window.__ws = () => {
  for (const host of document.querySelectorAll('[data-testid="stBidiComponentIsolated"]')) {
    const root = host.shadowRoot && host.shadowRoot.querySelector('.ws');
    if (root) return root;
  }
  return null;
};
window.__frame = () => new Promise((resolve) => requestAnimationFrame(() => resolve(performance.now())));
// Resolves with the time of the first frame at which cond() holds: checked on every DOM change
// (in the page and in the workspace's shadow root) and on every frame.
window.__until = (cond, timeout = 15000) => new Promise((resolve, reject) => {
  let done = false;
  const observers = [];
  const stop = () => { done = true; observers.forEach((o) => o.disconnect()); clearTimeout(timer); };
  const check = () => {
    if (done) return;
    let ok = false;
    try { ok = cond(); } catch (e) {}
    if (ok) { stop(); requestAnimationFrame(() => resolve(performance.now())); return; }
    const root = window.__ws();
    if (root && !observers.some((o) => o.root === root)) watch(root.getRootNode(), root);
  };
  const watch = (node, root) => {
    const observer = new MutationObserver(check);
    observer.root = root;
    observer.observe(node, {subtree: true, childList: true, attributes: true});
    observers.push(observer);
  };
  const poll = () => { if (!done) { check(); requestAnimationFrame(poll); } };
  const timer = setTimeout(() => { if (!done) { stop(); reject(new Error('timeout')); } }, timeout);
  watch(document, null);
  poll();
});
window.__codeReady = (transcriptId, segments) => {
  const marker = document.querySelector('[data-testid="study-page-ready"][data-page="Code"]');
  const app = document.querySelector('[data-testid="stApp"][data-test-script-state="notRunning"]');
  const root = window.__ws();
  return Boolean(marker && app && !document.querySelector('[data-testid="stSkeleton"]') && root
    && root.dataset.ready === '1' && root.dataset.transcriptId === String(transcriptId)
    && root.querySelectorAll('.seg').length === segments);
};
window.__armPointer = () => {
  window.__t0 = null;
  document.addEventListener('pointerdown', () => { window.__t0 = performance.now(); }, {capture: true, once: true});
};
window.__readyAfterPointer = async (transcriptId, segments) => {
  const t1 = await window.__until(() => window.__t0 !== null && window.__codeReady(transcriptId, segments));
  return t1 - window.__t0;
};
// One click on a code for a segment: times to the optimistic chip and to the confirmed state.
window.__clickCode = async (segId, codeId, at) => {
  const root = window.__ws();
  const seg = root.querySelector(`.seg[data-segment-id="${segId}"]`);
  if (root.dataset.selected !== String(segId)) { seg.click(); await window.__frame(); }
  const button = root.querySelector(`.code[data-code-id="${codeId}"]`);
  const apply = button.getAttribute('aria-pressed') !== 'true';
  if (at) await new Promise((r) => setTimeout(r, Math.max(0, at - Date.now())));
  const chip = () => seg.querySelector(`.chip[data-code-id="${codeId}"]`);
  const t0 = performance.now();
  button.click();
  const op = Number(root.dataset.op);
  const shown = apply ? Boolean(chip()) : !chip();
  const tOpt = await window.__frame();
  const tConf = await window.__until(() => Number(root.dataset.confirmedOp) >= op
      && (apply ? (chip() && chip().dataset.state === 'stored') : !chip()));
  return {apply, shown, optimistic: tOpt - t0, confirmed: tConf - t0};
};
// One span coding: select characters [a, b) of a segment's text with the mouse's result (a DOM
// selection, then mouseup), then click a code. Timed from the click on the code, as Taguette's
// from the click on "save". remove=true clicks the span chip's remove button instead.
window.__spanCode = async (segId, codeId, a, b, removeKey) => {
  const root = window.__ws();
  const seg = root.querySelector(`.seg[data-segment-id="${segId}"]`);
  const text = seg.querySelector('.text');
  let key = removeKey;
  const chip = () => seg.querySelector(`.chip[data-code-id="${codeId}"][data-span="${key}"]`);
  let t0;
  if (removeKey) {
    const button = chip().querySelector('.chip-remove');
    t0 = performance.now();
    button.click();
  } else {
    if (root.dataset.selected !== String(segId)) { text.click(); await window.__frame(); }
    text.normalize();
    const range = document.createRange();
    range.setStart(text.firstChild, a);
    range.setEnd(text.firstChild, b);
    const selection = document.getSelection();
    selection.removeAllRanges();
    selection.addRange(range);
    text.dispatchEvent(new MouseEvent('mouseup', {bubbles: true, composed: true}));
    await new Promise((r) => setTimeout(r, 20));
    key = root.dataset.spanSelection;  // the page trims spaces at either end
    if (!key) throw new Error('the selection was not taken');
    const button = root.querySelector(`.code[data-code-id="${codeId}"]`);
    t0 = performance.now();
    button.click();
  }
  const op = Number(root.dataset.op);
  const shown = removeKey ? !chip() : Boolean(chip());
  const tOpt = await window.__frame();
  const tConf = await window.__until(() => Number(root.dataset.confirmedOp) >= op
      && (removeKey ? !chip() : (chip() && chip().dataset.state === 'stored')));
  return {key, shown, optimistic: tOpt - t0, confirmed: tConf - t0};
};
"""


@dataclass
class Stats:
    values: list[float]

    @property
    def median(self) -> float:
        return statistics.median(self.values)

    @property
    def p90(self) -> float:
        ordered = sorted(self.values)
        return ordered[min(len(ordered) - 1, round(0.9 * (len(ordered) - 1)))]

    def __str__(self) -> str:
        return f"median {self.median:7.1f} ms   p90 {self.p90:7.1f} ms   (n={len(self.values)})"


# -- the study app --------------------------------------------------------------------------


def transcripts(db_path: Path) -> list[int]:
    study = Study.open(f"sqlite:///{db_path}")
    try:
        return [t.id for t in transcript_progress(study, auth.Actor("alice", "coder"))]
    finally:
        study.close()


def new_page(browser, url: str, user: str):
    context = browser.new_context(viewport=VIEWPORT)
    context.add_init_script(PAGE_HELPERS)
    page = context.new_page()
    page.goto(url)
    page.wait_for_selector('[data-testid="study-page-ready"]', state="attached")
    page.get_by_role("textbox", name="User name").fill(user)
    page.get_by_role("textbox", name="Password").fill(PASSWORD)
    return context, page


def measure_loads(browser, url: str, first: int) -> dict[str, Stats]:
    signin, navigation = [], []
    for _ in range(5):
        context, page = new_page(browser, url, "alice")
        page.evaluate("window.__armPointer()")
        page.get_by_role("button", name="Sign in").click()
        signin.append(page.evaluate("([t, n]) => window.__readyAfterPointer(t, n)", [first, SEGMENTS]))
        for _ in range(2):
            page.get_by_role("link", name="Codebook").click()
            page.wait_for_selector('[data-testid="study-page-ready"][data-page="Codebook"]', state="attached")
            page.wait_for_selector('[data-testid="stApp"][data-test-script-state="notRunning"]', state="attached")
            page.evaluate("window.__armPointer()")
            page.get_by_role("link", name="Code", exact=True).click()
            navigation.append(page.evaluate("([t, n]) => window.__readyAfterPointer(t, n)", [first, SEGMENTS]))
        context.close()
    return {"sign-in -> Code page ready": Stats(signin), "navigate -> Code page ready": Stats(navigation)}


def choose_transcript(page, transcript_id: int, label: str) -> float:
    page.get_by_role("combobox", name="Transcript").click()
    option = page.get_by_role("option", name=re.compile(re.escape(label)))
    option.wait_for()
    page.evaluate("window.__armPointer()")
    option.click()
    return page.evaluate("([t, n]) => window.__readyAfterPointer(t, n)", [transcript_id, SEGMENTS])


def signed_in_page(browser, url: str, user: str, transcript_id: int):
    context, page = new_page(browser, url, user)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_function("([t, n]) => window.__codeReady(t, n)", arg=[transcript_id, SEGMENTS], timeout=30_000)
    return context, page


def segment_and_code_ids(page) -> tuple[list[int], list[int]]:
    return page.evaluate("""() => {
        const root = window.__ws();
        return [[...root.querySelectorAll('.seg.participant')].map((s) => Number(s.dataset.segmentId)),
                [...root.querySelectorAll('.code')].map((c) => Number(c.dataset.codeId))];
    }""")


def click_plan(segments: list[int], code_ids: list[int], clicks: int, offset: int) -> list[tuple[int, int]]:
    """Apply codes on several segments, then remove half of them again: applies and removals."""
    half = clicks // 2
    applies = [(segments[(offset + 7 * i) % len(segments)], code_ids[(offset + 11 * i) % len(code_ids)])
               for i in range(half)]
    return applies + applies[: clicks - half]


def measure_clicks(page, plan) -> tuple[Stats, Stats, bool]:
    optimistic, confirmed, all_shown = [], [], True
    for seg, code in plan:
        result = page.evaluate("([s, c]) => window.__clickCode(s, c)", [seg, code])
        optimistic.append(result["optimistic"])
        confirmed.append(result["confirmed"])
        all_shown &= result["shown"]
        page.wait_for_timeout(60)  # a coder does not click twice within 60 ms
    return Stats(optimistic), Stats(confirmed), all_shown


def measure_span_clicks(page, segments: list[int], code_ids: list[int], clicks: int) -> tuple[Stats, Stats, bool]:
    """Code a stretch of text (characters 10-60 of a segment's text) and remove it again, half each."""
    optimistic, confirmed, all_shown, keys = [], [], True, []
    half = clicks // 2
    plan = [(segments[(2 + 5 * i) % len(segments)], code_ids[(3 + 7 * i) % len(code_ids)]) for i in range(half)]
    for seg, code in plan:
        result = page.evaluate("([s, c]) => window.__spanCode(s, c, 10, 60, null)", [seg, code])
        keys.append(result["key"])
        optimistic.append(result["optimistic"])
        confirmed.append(result["confirmed"])
        all_shown &= result["shown"]
        page.wait_for_timeout(60)
    for (seg, code), key in list(zip(plan, keys))[: clicks - half]:
        result = page.evaluate("([s, c, k]) => window.__spanCode(s, c, 0, 0, k)", [seg, code, key])
        optimistic.append(result["optimistic"])
        confirmed.append(result["confirmed"])
        all_shown &= result["shown"]
        page.wait_for_timeout(60)
    return Stats(optimistic), Stats(confirmed), all_shown


def measure_concurrent(pages, plans) -> tuple[Stats, Stats]:
    optimistic, confirmed = [], []
    for step in range(len(plans[0])):
        at = int(time.time() * 1000) + 300
        for page, plan in zip(pages, plans):
            page.evaluate("([s, c, at]) => { window.__result = null; window.__clickCode(s, c, at)"
                          ".then((r) => { window.__result = r; }, (e) => { window.__result = {error: String(e)}; }); }",
                          [plan[step][0], plan[step][1], at])
        for page in pages:
            page.wait_for_function("() => window.__result !== null", timeout=20_000)
            result = page.evaluate("window.__result")
            if "error" in result:
                raise RuntimeError(f"a concurrent click did not confirm: {result['error']}")
            optimistic.append(result["optimistic"])
            confirmed.append(result["confirmed"])
        pages[0].wait_for_timeout(100)
    return Stats(optimistic), Stats(confirmed)


def stored_codes(db_path: Path, user: str, transcript_id: int) -> dict[int, set[int]]:
    from study.workspace import coder_state

    study = Study.open(f"sqlite:///{db_path}")
    try:
        state = coder_state(study, auth.Actor(user, "coder"), transcript_id)
        return {sid: set(ids) for sid, ids in state.codes.items() if sid is not None}
    finally:
        study.close()


def shown_codes(page) -> dict[int, set[int]]:
    shown = page.evaluate("""() => Object.fromEntries([...window.__ws().querySelectorAll('.seg')]
        .filter((s) => s.dataset.codes).map((s) => [s.dataset.segmentId, s.dataset.codes.split(',').map(Number)]))""")
    return {int(k): set(v) for k, v in shown.items()}


def bench_study_app(browser, clicks: int) -> dict:
    workdir = Path(tempfile.mkdtemp(prefix="bench-ui-"))
    db_path = workdir / "study.db"
    build_study(db_path)
    first, second = transcripts(db_path)
    server = start_app(db_path)
    results: dict = {}
    try:
        results.update(measure_loads(browser, server.url, first))
        context, page = signed_in_page(browser, server.url, "alice", first)
        switches = []
        for _ in range(4):
            switches.append(choose_transcript(page, second, "Bench interview B"))
            switches.append(choose_transcript(page, first, "Bench interview A"))
        results["switch transcript"] = Stats(switches)
        segments, code_ids = segment_and_code_ids(page)
        optimistic, confirmed, shown = measure_clicks(page, click_plan(segments, code_ids, clicks, 0))
        results["click -> optimistic chip (one coder)"] = optimistic
        results["click -> stored + confirmed (one coder)"] = confirmed
        results["optimistic chip shown in the click's own task"] = shown
        results["page == database (alice)"] = shown_codes(page) == stored_codes(db_path, "alice", first)
        # spans, measured in the same run as the whole-segment clicks above (a busy machine moves both)
        optimistic_s, confirmed_s, shown_s = measure_span_clicks(page, segments, code_ids, clicks)
        results["select text + click -> optimistic span chip"] = optimistic_s
        results["select text + click -> span stored + confirmed"] = confirmed_s
        results["span chip shown in the click's own task"] = shown_s
        optimistic, confirmed, shown = measure_clicks(page, click_plan(segments, code_ids, clicks, 1))
        results["whole-segment click again -> optimistic (after spans)"] = optimistic
        results["whole-segment click again -> stored + confirmed (after spans)"] = confirmed

        context_b, page_b = signed_in_page(browser, server.url, "bob", first)
        plans = [click_plan(segments, code_ids, clicks, 3), click_plan(segments, code_ids, clicks, 5)]
        optimistic2, confirmed2 = measure_concurrent([page, page_b], plans)
        results["click -> optimistic chip (two coders at once)"] = optimistic2
        results["click -> stored + confirmed (two coders at once)"] = confirmed2
        results["no write lost (page == database, both)"] = (
            shown_codes(page) == stored_codes(db_path, "alice", first)
            and shown_codes(page_b) == stored_codes(db_path, "bob", first))
        context.close()
        context_b.close()
    finally:
        server.stop()
        shutil.rmtree(workdir, ignore_errors=True)
    return results


# -- Taguette -------------------------------------------------------------------------------

TAGUETTE_HELPERS = r"""
window.__tgUpload = async (projectId, html) => {
  const form = new FormData();
  form.append('name', 'Bench interview A');
  form.append('description', '');
  form.append('file', new Blob([html], {type: 'text/html'}), 'bench.html');
  const xsrf = getCookie('_xsrf');
  const response = await fetch(`/api/project/${projectId}/document/new?_xsrf=${encodeURIComponent(xsrf)}`,
                                {method: 'POST', body: form, credentials: 'same-origin'});
  return await response.json();
};
window.__tgHighlight = async (paragraph, tagId) => {
  const p = document.querySelectorAll('#document-contents p')[paragraph];
  const range = document.createRange();
  range.selectNodeContents(p);
  const selection = window.getSelection();
  selection.removeAllRanges();
  selection.addRange(range);                                   // 1. select text
  await new Promise((r) => setTimeout(r, 50));                 // selectionchange -> current_selection
  document.querySelector('#hlinfo a').click();                  // 2. "new highlight"
  await new Promise((r) => setTimeout(r, 400));                // the modal's fade-in
  document.getElementById('highlight-add-tags-' + tagId).checked = true;  // 3. tick the tag
  const before = new Set([...document.querySelectorAll('#document-contents .highlight')]
                         .map((h) => h.dataset.highlightId));
  let stored = null;
  const realFetch = window.fetch;
  window.fetch = (...args) => realFetch(...args).then((response) => {
    if (String(args[0]).includes('/highlight/new')) stored = performance.now();
    return response;
  });
  const t0 = performance.now();
  document.querySelector('#highlight-add-form button[type="submit"]').click();  // 4. save
  const tVisible = await new Promise((resolve) => {
    const check = () => [...document.querySelectorAll('#document-contents .highlight')]
                         .some((h) => !before.has(h.dataset.highlightId));
    const observer = new MutationObserver(() => { if (check()) { observer.disconnect();
      requestAnimationFrame(() => resolve(performance.now())); } });
    observer.observe(document.getElementById('document-contents'), {subtree: true, childList: true});
  });
  window.fetch = realFetch;
  await new Promise((r) => setTimeout(r, 500));                // the modal's fade-out
  return {visible: tVisible - t0, stored: stored === null ? null : stored - t0};
};
"""


def taguette_html(turns: list[tuple[str, str]]) -> str:
    from html import escape

    body = "\n".join(f"<p><strong>{escape(s)}:</strong> {escape(t)}</p>" for s, t in turns)
    return f"<!DOCTYPE html><html><head><meta charset='utf-8'><title>Bench</title></head><body>{body}</body></html>"


def ensure_taguette() -> Path:
    exe = TAGUETTE_VENV / "bin" / "taguette"
    if not exe.exists():
        subprocess.run([sys.executable, "-m", "venv", str(TAGUETTE_VENV)], check=True, capture_output=True)
        subprocess.run([str(TAGUETTE_VENV / "bin" / "pip"), "install", "-q", "taguette"], check=True,
                       capture_output=True)
    return exe


def start_taguette(exe: Path, workdir: Path) -> tuple[subprocess.Popen, str]:
    port = free_port()
    log = (workdir / "taguette.log").open("w")
    process = subprocess.Popen(
        [str(exe), "--no-browser", "--port", str(port), "--bind", "127.0.0.1", "--database",
         str(workdir / "taguette.sqlite3")],
        env={**os.environ, "HOME": str(workdir)}, stdout=log, stderr=subprocess.STDOUT, cwd=workdir,
        start_new_session=True,
    )
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"Taguette exited: {(workdir / 'taguette.log').read_text()[-2000:]}")
        match = re.search(r"http://localhost:\d+/\?token=\w+", (workdir / "taguette.log").read_text())
        if match:
            try:
                urllib.request.urlopen(f"http://127.0.0.1:{port}/health", timeout=2)
                return process, match.group(0).replace("localhost", "127.0.0.1")
            except OSError:
                pass
        time.sleep(0.2)
    stop_process_group(process)
    raise RuntimeError("Taguette did not start within 60 s")


def bench_taguette(browser, clicks: int) -> dict:
    exe = ensure_taguette()
    workdir = Path(tempfile.mkdtemp(prefix="bench-taguette-"))
    process, join_url = start_taguette(exe, workdir)
    results: dict = {}
    try:
        context = browser.new_context(viewport=VIEWPORT)
        context.add_init_script(TAGUETTE_HELPERS)
        # Offline, Taguette's server waits for taguette.org before answering /messages.js (news for
        # the user); answer it at once so that neither page load waits on the missing network.
        context.route("**/messages.js", lambda route: route.fulfill(
            status=200, content_type="application/javascript", body="var messages = [];"))
        page = context.new_page()
        page.goto(join_url)
        page.goto(join_url.split("/?")[0] + "/project/new")
        page.fill("input[name=name]", "Bench")
        page.click("form button[type=submit]")
        page.wait_for_url(re.compile(r"/project/\d+$"))
        project_id = int(page.url.rsplit("/", 1)[1])
        document = page.evaluate("([p, h]) => window.__tgUpload(p, h)", [project_id, taguette_html(synthetic_turns(1))])
        if "created" not in document:
            raise RuntimeError(f"Taguette refused the HTML document: {document}")
        tags = page.evaluate("""async (p) => { const ids = [];
            for (let i = 1; i <= 60; i++) ids.push((await postJSON(`/api/project/${p}/tag/new`,
                {path: `Theme ${Math.ceil(i / 10)}/Code ${i}`, description: `Aspect ${i}`})).id);
            return ids; }""", project_id)
        doc_url = f"{join_url.split('/?')[0]}/project/{project_id}/document/{document['created']}"
        loads = []
        for _ in range(3):
            start = time.perf_counter()
            page.goto(doc_url, wait_until="commit")
            page.wait_for_function("document.querySelectorAll('#document-contents p').length >= 300")
            loads.append((time.perf_counter() - start) * 1000)
        results["document page load (no highlights)"] = Stats(loads)
        visible, stored = [], []
        for i in range(clicks):
            r = page.evaluate("([p, t]) => window.__tgHighlight(p, t)", [1 + 2 * i, tags[(11 * i) % len(tags)]])
            visible.append(r["visible"])
            if r["stored"] is not None:
                stored.append(r["stored"])
        results["save -> highlight visible"] = Stats(visible)
        results["save -> POST answered (stored)"] = Stats(stored)
        results["tags in project"] = page.evaluate("Object.keys(tags).length")
        start = time.perf_counter()
        page.goto(doc_url, wait_until="commit")
        page.wait_for_function(f"document.querySelectorAll('#document-contents .highlight').length >= {clicks}")
        results[f"document page load ({clicks} highlights)"] = Stats([(time.perf_counter() - start) * 1000])
        context.close()
    finally:
        stop_process_group(process)
        shutil.rmtree(workdir, ignore_errors=True)
    return results


# -- report -----------------------------------------------------------------------------------


def show(title: str, results: dict) -> None:
    print(f"\n{title}")
    for name, value in results.items():
        print(f"  {name:<48} {value}")


def wait_for_quiet(load: float, max_wait: float) -> None:
    """Timings on 2 shared cores follow whatever else runs: wait for a quieter machine first."""
    deadline = time.monotonic() + max_wait
    while os.getloadavg()[0] >= load and time.monotonic() < deadline:
        time.sleep(10)
    if os.getloadavg()[0] >= load:
        print(f"the load stayed above {load} for {max_wait:.0f} s: measuring anyway")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clicks", type=int, default=36)
    parser.add_argument("--no-taguette", action="store_true")
    parser.add_argument("--quiet-load", type=float, default=None, metavar="L",
                        help="first wait (up to --max-wait s) until the 1-minute load average is below L")
    parser.add_argument("--max-wait", type=float, default=900)
    args = parser.parse_args()
    if args.quiet_load is not None:
        wait_for_quiet(args.quiet_load, args.max_wait)
    if not CHROMIUM.exists():
        sys.exit(f"{CHROMIUM} is missing: bash scripts/ensure_system_packages.sh installs Debian's chromium")
    print(f"load average before: {' '.join(f'{x:.2f}' for x in os.getloadavg())}  ({os.cpu_count()} cores)")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        ours = bench_study_app(browser, args.clicks)
        show(f"study app, Code page ({SEGMENTS} segments, {CODES} codes)", ours)
        print(f"  load average: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
        theirs: dict = {}
        if not args.no_taguette:
            try:
                theirs = bench_taguette(browser, args.clicks)
                show(f"Taguette ({SEGMENTS} turns imported as HTML, 61 tags)", theirs)
            except (OSError, RuntimeError, subprocess.SubprocessError, PlaywrightError) as exc:  # say why
                print(f"\nTaguette could not be measured: {type(exc).__name__}: {exc}")
            print(f"  load average: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
        browser.close()
    if theirs:
        ours_confirmed = ours["click -> stored + confirmed (one coder)"]
        ours_optimistic = ours["click -> optimistic chip (one coder)"]
        theirs_visible = theirs["save -> highlight visible"]
        print("\nside by side (a coding: study = 1 click on a code; Taguette = select, new highlight, tick, save)")
        print(f"  {'':<40} {'study':>10} {'Taguette':>10} {'ratio':>8}")
        for label, a, b in (
            ("visible after the action, median", ours_optimistic.median, theirs_visible.median),
            ("visible after the action, p90", ours_optimistic.p90, theirs_visible.p90),
            ("stored and shown, median", ours_confirmed.median, theirs_visible.median),
            ("stored and shown, p90", ours_confirmed.p90, theirs_visible.p90),
            ("span: visible after the action, median", ours["select text + click -> optimistic span chip"].median,
             theirs_visible.median),
            ("span: stored and shown, median", ours["select text + click -> span stored + confirmed"].median,
             theirs_visible.median),
            ("span: stored and shown, p90", ours["select text + click -> span stored + confirmed"].p90,
             theirs_visible.p90),
        ):
            print(f"  {label:<40} {a:>8.1f}ms {b:>8.1f}ms {a / b:>8.2f}")
    print(json.dumps({"loadavg_after": os.getloadavg()}))


if __name__ == "__main__":
    main()
