"""How fast is coding in the browser? The study app's Code page against Taguette's highlight action.

Run from the project root:  python benchmarks/bench_ui.py [--clicks 36] [--no-taguette]
                            python benchmarks/bench_ui.py --study L [--backend postgresql] --no-taguette
                            python benchmarks/bench_ui.py --study L --pages-only   (only every page's ready time)

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

With ``--study L`` the same is measured over issue 20's L study as well (500 transcripts x 200
segments, 6 raters, ~450,000 codings: a copy of /work/Lstudy/L.sqlite, or built by
``bench_archive.build`` when that is missing or on PostgreSQL), signed in as its rater0 (and rater1
for the two coders), and S and L are printed side by side with their ratios. ``--backend
postgresql`` serves both studies from a throwaway PostgreSQL server (scripts/postgres.sh, stopped at
the end). Both studies also get an admin, who opens every page of the app in turn (three rounds):
each page's ready time, from the click on its link in the sidebar to the page's ready marker with the
script run finished and no skeleton (the Code page: its workspace ready too).

Then Taguette (installed in its own venv under /tmp, never into this environment) on the same 300
turns imported as HTML, with 61 tags: "select text -> new highlight -> tick tag -> save", timed
from the click on save to the highlight visible in the document (and to the POST's answer).
"""
from __future__ import annotations

import argparse
import json
import math
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
    AppServer,
    free_port,
    start_server,
    stop_process_group,
)
from tests.factories import parsed_from_turns

sys.path.insert(0, str(ROOT / "benchmarks"))
from bench_scale import Postgres, ServerClock, postgres_database  # noqa: E402  (a throwaway server, its CPU)

SEGMENTS, CODES, THEMES = 300, 60, 6
PASSWORD = "bench-password"
L_STUDY = Path("/work/Lstudy/L.sqlite")  # prebuilt (bench_archive.build, 500 x 200, 6 raters); only ever copied
L_SIZE = (500, 200, 6)  # transcripts, segments, raters
ADMIN = "benchadmin"
PAGES = ("Code", "Transcripts", "Codebook", "Agreement", "Quotes", "Search", "Adjudicate", "Findings", "Exchange",
         "Audit")  # every page an admin sees (study/app/main.py)
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


@dataclass
class Served:
    """A study the app serves in a benchmark: its URL, the coders who click (the first one alone),
    their first two transcripts (id, name) and the segments each shows."""

    name: str
    url: str
    coders: tuple[str, str]
    transcripts: list[tuple[int, str]]
    segments: int
    app: str = ""  # the app's address, while `study app` serves it


def build_study(url: str) -> None:
    study = Study.open(url)
    codes.load_into_study(study, parse_codebook(synthetic_codebook(), source="bench.yaml"), auth.CLI)
    for name, participant, seed in (("Bench interview A", "P01", 1), ("Bench interview B", "P02", 2)):
        add_parsed_transcript(study, name, parsed_from_turns(synthetic_turns(seed)), participant,
                              ImportOptions(interviewer="Interviewer"))
    for name in ("alice", "bob"):
        auth.add_user(study, name, "coder", PASSWORD, auth.CLI)
    auth.add_user(study, ADMIN, "admin", PASSWORD, auth.CLI)
    study.close()


def small_study(url: str) -> Served:
    build_study(url)
    return Served("S", url, ("alice", "bob"), transcripts(url, "alice")[:2], SEGMENTS)


def l_study(url: str, folder: Path) -> Served:
    """Issue 20's L study at ``url``: on SQLite a copy of the prebuilt one (the original is never
    opened), else built here in bulk; its first two raters get the benchmark's password, and an admin is added."""
    if url.startswith("sqlite") and L_STUDY.exists():
        shutil.copyfile(L_STUDY, folder / "L.sqlite")  # the copy: the original stays read-only
        url = f"sqlite:///{folder / 'L.sqlite'}"
    else:
        from bench_archive import build

        started = time.perf_counter()
        codings = build(url, *L_SIZE)
        print(f"L study built: {codings:,} codings in {time.perf_counter() - started:.0f} s", flush=True)
    study = Study.open(url)
    for name in ("rater0", "rater1"):
        auth.set_password(study, name, PASSWORD, auth.CLI)
    auth.add_user(study, ADMIN, "admin", PASSWORD, auth.CLI)
    study.close()
    return Served("L", url, ("rater0", "rater1"), transcripts(url, "rater0")[:2], L_SIZE[1])


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
// Any page: its ready marker, the script run finished, no skeleton (and the Code page's workspace ready).
window.__pageReady = (title) => {
  const marker = document.querySelector(`[data-testid="study-page-ready"][data-page="${title}"]`);
  const app = document.querySelector('[data-testid="stApp"][data-test-script-state="notRunning"]');
  if (!marker || !app || document.querySelector('[data-testid="stSkeleton"]')) return false;
  if (title !== 'Code') return true;
  const root = window.__ws();
  return Boolean(root && root.dataset.ready === '1');
};
window.__pageReadyAfterPointer = async (title) => {
  const t1 = await window.__until(() => window.__t0 !== null && window.__pageReady(title), 120000);
  return t1 - window.__t0;
};
window.__armPointer = () => {
  window.__t0 = null;
  document.addEventListener('pointerdown', () => { window.__t0 = performance.now(); }, {capture: true, once: true});
};
window.__readyAfterPointer = async (transcriptId, segments) => {
  const t1 = await window.__until(() => window.__t0 !== null && window.__codeReady(transcriptId, segments), 60000);
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

    @property
    def p95(self) -> float:
        ordered = sorted(self.values)
        return ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]

    def __str__(self) -> str:
        return (f"median {self.median:7.1f} ms   p90 {self.p90:7.1f} ms   p95 {self.p95:7.1f} ms"
                f"   (n={len(self.values)})")


# -- the study app --------------------------------------------------------------------------


def transcripts(url: str, coder: str) -> list[tuple[int, str]]:
    study = Study.open(url)
    try:
        return [(t.id, t.name) for t in transcript_progress(study, auth.Actor(coder, "coder"))]
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


def measure_loads(browser, study: Served) -> dict[str, Stats]:
    signin, navigation = [], []
    first = study.transcripts[0][0]
    for _ in range(5):
        context, page = new_page(browser, study.app, study.coders[0])
        page.evaluate("window.__armPointer()")
        page.get_by_role("button", name="Sign in").click()
        signin.append(page.evaluate("([t, n]) => window.__readyAfterPointer(t, n)", [first, study.segments]))
        for _ in range(2):
            page.get_by_role("link", name="Codebook").click()
            page.wait_for_selector('[data-testid="study-page-ready"][data-page="Codebook"]', state="attached")
            page.wait_for_selector('[data-testid="stApp"][data-test-script-state="notRunning"]', state="attached")
            page.evaluate("window.__armPointer()")
            page.get_by_role("link", name="Code", exact=True).click()
            navigation.append(page.evaluate("([t, n]) => window.__readyAfterPointer(t, n)", [first, study.segments]))
        context.close()
    return {"sign-in -> Code page ready": Stats(signin), "navigate -> Code page ready": Stats(navigation)}


def choose_transcript(page, study: Served, which: int) -> float:
    transcript_id, label = study.transcripts[which]
    page.get_by_role("combobox", name="Transcript").click()
    option = page.get_by_role("option", name=re.compile(re.escape(label)))
    option.wait_for()
    page.evaluate("window.__armPointer()")
    option.click()
    return page.evaluate("([t, n]) => window.__readyAfterPointer(t, n)", [transcript_id, study.segments])


def signed_in_page(browser, study: Served, user: str):
    context, page = new_page(browser, study.app, user)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_function("([t, n]) => window.__codeReady(t, n)", arg=[study.transcripts[0][0], study.segments],
                           timeout=60_000)
    return context, page


def measure_pages(browser, study: Served, cpu, rounds: int = 3) -> dict[str, tuple[Stats, Stats]]:
    """Every page an admin sees, opened in turn from the sidebar, ``rounds`` times: from the click
    on its link to the page ready (the first round is each page's first visit in the session), and
    the CPU seconds the app's server (and PostgreSQL's) spent meanwhile (``cpu()``: seconds so far)."""
    context, page = new_page(browser, study.app, ADMIN)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_function("() => window.__pageReady('Code')", timeout=60_000)
    times: dict[str, list[float]] = {name: [] for name in PAGES}
    spent: dict[str, list[float]] = {name: [] for name in PAGES}
    drawn: dict[str, list[float]] = {name: [] for name in PAGES}
    for _ in range(rounds):
        for name in (*PAGES[1:], PAGES[0]):
            page.evaluate("window.__armPointer()")
            before, before_browser = cpu(), browser_cpu()
            page.get_by_role("link", name=name, exact=True).click()
            times[name].append(page.evaluate("(p) => window.__pageReadyAfterPointer(p)", name))
            spent[name].append((cpu() - before) * 1000)
            drawn[name].append((browser_cpu() - before_browser) * 1000)
    context.close()
    return {name: (Stats(times[name]), Stats(spent[name]), Stats(drawn[name])) for name in PAGES}


def process_cpu(pid: int) -> float:
    """A process's user + system CPU seconds so far (all its threads), from /proc."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def browser_cpu() -> float:
    """The CPU seconds so far of this benchmark's Chromium processes (those descending from this
    process: other users of the machine may run a Chromium of their own)."""
    parents, names = {}, {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                fields = (entry / "stat").read_text().rsplit(")", 1)
            except OSError:  # ended meanwhile
                continue
            parents[int(entry.name)] = int(fields[1].split()[1])
            names[int(entry.name)] = fields[0].split("(", 1)[1]
    ours, grown = {os.getpid()}, True
    while grown:  # a child's pid may be below its parent's (pids wrap around)
        grown = bool(found := {pid for pid, parent in parents.items() if parent in ours} - ours)
        ours |= found
    total = 0.0
    for pid in ours:
        if names.get(pid, "").startswith(("chrom", "headless")):
            try:
                total += process_cpu(pid)
            except OSError:  # ended meanwhile
                pass
    return total


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
    long_enough = set(page.evaluate("""() => [...window.__ws().querySelectorAll('.seg')]
        .filter((s) => s.querySelector('.text').textContent.length >= 80).map((s) => Number(s.dataset.segmentId))"""))
    segments = [s for s in segments if s in long_enough]  # characters 10-60 of the text, not all of it
    steps = (k for k in (5, 7, 11, 13, 1) if k == 5 and 2 + 5 * (half - 1) < len(segments) or math.gcd(k, len(segments)) == 1)
    step = next(steps)  # a segment once: a second span in it would split its text (S: every 5th, as before)
    half = min(half, len(segments))
    plan = [(segments[(2 + step * i) % len(segments)], code_ids[(3 + 7 * i) % len(code_ids)]) for i in range(half)]
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


def stored_codes(url: str, user: str, transcript_id: int) -> dict[int, set[int]]:
    from study.workspace import coder_state

    study = Study.open(url)
    try:
        state = coder_state(study, auth.Actor(user, "coder"), transcript_id)
        return {sid: set(ids) for sid, ids in state.codes.items() if sid is not None}
    finally:
        study.close()


def shown_codes(page) -> dict[int, set[int]]:
    shown = page.evaluate("""() => Object.fromEntries([...window.__ws().querySelectorAll('.seg')]
        .filter((s) => s.dataset.codes).map((s) => [s.dataset.segmentId, s.dataset.codes.split(',').map(Number)]))""")
    return {int(k): set(v) for k, v in shown.items()}


def bench_study_app(browser, study: Served, clicks: int, folder: Path,
                    pages_only: bool = False) -> tuple[dict, dict[str, Stats]]:
    """The Code page's measures (results) and every page's ready time, over ``study`` served by `study app`
    (``pages_only``: every page's ready time alone)."""
    server = start_server(study.url, folder / "app.log")
    study.app = server.url
    results: dict = {}
    try:
        if not pages_only:
            results = code_page_measures(browser, study, clicks, server)
        clock = ServerClock(study.url) if study.url.startswith("postgresql") else None
        pages = measure_pages(browser, study, lambda: process_cpu(server.process.pid) + (clock.cpu() if clock else 0))
    finally:
        server.stop()
    return results, pages


def code_page_measures(browser, study: Served, clicks: int, server: AppServer) -> dict:
    """The Code page's loads, transcript switches and clicks (one coder, spans, two coders at once)."""
    (first, _), alice, bob = study.transcripts[0], *study.coders
    results: dict = {}
    cpu = process_cpu(server.process.pid)
    results.update(measure_loads(browser, study))
    context, page = signed_in_page(browser, study, alice)
    switches = []
    for _ in range(4):
        switches.append(choose_transcript(page, study, 1))
        switches.append(choose_transcript(page, study, 0))
    results["switch transcript"] = Stats(switches)
    segments, code_ids = segment_and_code_ids(page)
    optimistic, confirmed, shown = measure_clicks(page, click_plan(segments, code_ids, clicks, 0))
    results["click -> optimistic chip (one coder)"] = optimistic
    results["click -> stored + confirmed (one coder)"] = confirmed
    results["optimistic chip shown in the click's own task"] = shown
    results["page == database (first coder)"] = shown_codes(page) == stored_codes(study.url, alice, first)
    # spans, measured in the same run as the whole-segment clicks above (a busy machine moves both)
    optimistic_s, confirmed_s, shown_s = measure_span_clicks(page, segments, code_ids, clicks)
    results["select text + click -> optimistic span chip"] = optimistic_s
    results["select text + click -> span stored + confirmed"] = confirmed_s
    results["span chip shown in the click's own task"] = shown_s
    optimistic, confirmed, shown = measure_clicks(page, click_plan(segments, code_ids, clicks, 1))
    results["whole-segment click again -> optimistic (after spans)"] = optimistic
    results["whole-segment click again -> stored + confirmed (after spans)"] = confirmed

    context_b, page_b = signed_in_page(browser, study, bob)
    plans = [click_plan(segments, code_ids, clicks, 3), click_plan(segments, code_ids, clicks, 5)]
    optimistic2, confirmed2 = measure_concurrent([page, page_b], plans)
    results["click -> optimistic chip (two coders at once)"] = optimistic2
    results["click -> stored + confirmed (two coders at once)"] = confirmed2
    results["no write lost (page == database, both)"] = (
        shown_codes(page) == stored_codes(study.url, alice, first)
        and shown_codes(page_b) == stored_codes(study.url, bob, first))
    context.close()
    context_b.close()
    results["app server CPU s (all the above)"] = round(process_cpu(server.process.pid) - cpu, 1)
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


def side_by_side(small: dict, large: dict) -> None:
    print(f"\nCode page, S beside L (medians and p95, ms; ratio L/S of the medians)")
    print(f"  {'':<62} {'S median':>9} {'S p95':>9} {'L median':>9} {'L p95':>9} {'L/S':>6}")
    for name, a in small.items():
        b = large.get(name)
        if isinstance(a, Stats) and isinstance(b, Stats):
            print(f"  {name:<62} {a.median:>9.1f} {a.p95:>9.1f} {b.median:>9.1f} {b.p95:>9.1f} "
                  f"{b.median / a.median:>6.2f}")
        else:
            print(f"  {name:<62} {str(a):>19} {str(b):>19}")


def show_pages(columns: dict[str, dict[str, tuple[Stats, Stats, Stats]]]) -> None:
    print("\nevery page as admin, from the click on its link to ready (ms, wall: first visit, median, p95 of the"
          " visits), and the CPU ms of the app's server (+ PostgreSQL's) and of Chromium (first visit / median);"
          " * over 2 s")
    print(f"  {'page':<12}" + "".join(f"{name + ' first':>10}{'median':>8}{'p95':>7}{'server':>12}{'browser':>12}  "
                                      for name in columns))
    for page in PAGES:
        cells = []
        for by_page in columns.values():
            ready, server, browser = by_page[page]
            flag = "*" if ready.median > 2000 or ready.values[0] > 2000 else " "
            cells.append(f"{ready.values[0]:>10.0f}{ready.median:>8.0f}{ready.p95:>7.0f}"
                         f"{server.values[0]:>6.0f}/{server.median:<5.0f}{browser.values[0]:>6.0f}/{browser.median:<5.0f}"
                         f"{flag} ")
        print(f"  {page:<12}" + "".join(cells))


def wait_for_quiet(load: float, max_wait: float) -> None:
    """Timings on 2 shared cores follow whatever else runs: wait for a quieter machine first."""
    deadline = time.monotonic() + max_wait
    while os.getloadavg()[0] >= load and time.monotonic() < deadline:
        time.sleep(10)
    if os.getloadavg()[0] >= load:
        print(f"the load stayed above {load} for {max_wait:.0f} s: measuring anyway")


def studies(backend: str, size: str, folder: Path, pg: str | None) -> list[Served]:
    """S (and L) on ``backend``: SQLite files in ``folder`` or databases on the server ``pg``."""
    def url(name: str) -> str:
        return (f"sqlite:///{folder / name}.db" if backend == "sqlite"
                else postgres_database(pg, f"bench_ui_{name}_{os.getpid()}"))

    chosen = [small_study(url("s"))]
    if size == "L":
        chosen.append(l_study(url("l"), folder))
    return chosen


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clicks", type=int, default=36)
    parser.add_argument("--no-taguette", action="store_true")
    parser.add_argument("--study", choices=("S", "L"), default="S",
                        help="L: the L study as well (issue 20's 500 x 200, 6 raters), printed beside S")
    parser.add_argument("--backend", choices=("sqlite", "postgresql"), default="sqlite",
                        help="postgresql: both studies on a throwaway PostgreSQL server (scripts/postgres.sh)")
    parser.add_argument("--quiet-load", type=float, default=None, metavar="L",
                        help="first wait (up to --max-wait s) until the 1-minute load average is below L")
    parser.add_argument("--max-wait", type=float, default=900)
    parser.add_argument("--pages-only", action="store_true",
                        help="only every page's ready time as admin (no Code page clicks, no Taguette)")
    args = parser.parse_args()
    if not CHROMIUM.exists():
        sys.exit(f"{CHROMIUM} is missing: bash scripts/ensure_system_packages.sh installs Debian's chromium")
    folder = Path(tempfile.mkdtemp(prefix="bench-ui-"))
    server = Postgres() if args.backend == "postgresql" else None
    try:
        served = studies(args.backend, args.study, folder, server.__enter__() if server else None)
        if args.quiet_load is not None:
            wait_for_quiet(args.quiet_load, args.max_wait)
        print(f"load average before: {' '.join(f'{x:.2f}' for x in os.getloadavg())}  ({os.cpu_count()} cores)")
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
            measured = {}
            for study in served:
                measured[study.name] = bench_study_app(browser, study, args.clicks, folder, args.pages_only)
                if args.pages_only:
                    continue
                show(f"study app, Code page, {study.name} on {args.backend} ({study.segments} segments a transcript)",
                     measured[study.name][0])
                print(f"  load average: {' '.join(f'{x:.2f}' for x in os.getloadavg())}", flush=True)
            theirs: dict = {}
            if not (args.no_taguette or args.pages_only):
                try:
                    theirs = bench_taguette(browser, args.clicks)
                    show(f"Taguette ({SEGMENTS} turns imported as HTML, 61 tags)", theirs)
                except (OSError, RuntimeError, subprocess.SubprocessError, PlaywrightError) as exc:  # say why
                    print(f"\nTaguette could not be measured: {type(exc).__name__}: {exc}")
                print(f"  load average: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
            browser.close()
    finally:
        if server:
            server.__exit__()
        shutil.rmtree(folder, ignore_errors=True)
    ours = measured["S"][0]
    if "L" in measured and not args.pages_only:
        side_by_side(ours, measured["L"][0])
    show_pages({name: pages for name, (_, pages) in measured.items()})
    if theirs:
        compare_taguette(ours, theirs)
    print(json.dumps({"loadavg_after": os.getloadavg()}))


def compare_taguette(ours: dict, theirs: dict) -> None:
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


if __name__ == "__main__":
    main()
