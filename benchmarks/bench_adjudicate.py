"""How fast does a decision by key land on the Adjudicate page? Target: stored and the next
disagreement shown within 200 ms, without dimming the page.

Run from the project root:  python benchmarks/bench_adjudicate.py [--decisions 30]

Builds the sample study (ten interviews, alice and bob, 73 disputed segments), serves it with
`study app`, signs in as admin in Debian's Chromium (headless, Playwright) and opens Adjudicate.
Then presses "N" (neither: only the agreed codes) on one disagreement after another and takes,
inside the page (performance.now()):

- key -> next card: from the keydown to the first frame whose card names another segment (the
  decision is written before the rerun draws the next card, so this is "stored and shown");
- key -> run finished: to the first frame after the app reports its script run finished;
- the lowest opacity of any element of the page between the key and the next card (Streamlit
  fades elements a rerun has not redrawn after 0.5 s: 1.0 means nothing was dimmed);
- the CPU time per decision of the app server and of the browser (Chromium and Playwright's
  driver: every other process this benchmark started), from /proc: what a decision costs,
  whatever else the machine is doing. Wall times grow with the machine's load (printed too);
  on an idle machine a decision takes about the two CPU times together.

Afterwards the decisions stored are counted in the database. Prints the median, 90th
percentile and worst of each, and the median against the 200 ms target.
"""
from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from playwright.sync_api import sync_playwright

from study.adjudication import resolutions
from study.auth import CLI
from study.demo import build_sample_study
from study.store import Study
from tests.browser.conftest import CHROMIUM, CHROMIUM_ARGS, sign_in, start_app, wait_until_loaded
from tests.browser.navigation import go

TARGET_MS = 200
CARD = '.st-key-adjudicate_card .dispute-where'  # the card's first line: where the disagreement is

# Armed before each key: the keydown starts the clock; every animation frame then samples the
# page's opacity and looks at the card until it names another segment.
WATCH = """
() => {
  const caption = () => { const c = document.querySelector('%s'); return c ? c.innerText : null; };
  const watch = { before: caption(), start: null, shown: null, finished: null, minOpacity: 1 };
  window.__watch = watch;
  const app = document.querySelector('[data-testid="stApp"]');
  const tick = () => {
    const now = performance.now();
    for (const el of document.querySelectorAll('[data-testid="stMain"] [data-testid="stElementContainer"]')) {
      const opacity = parseFloat(getComputedStyle(el).opacity);
      if (opacity < watch.minOpacity) watch.minOpacity = opacity;
    }
    if (watch.shown === null && caption() !== watch.before && caption() !== null) watch.shown = now;
    if (watch.shown !== null && watch.finished === null && app.dataset.testScriptState === "notRunning") watch.finished = now;
    if (watch.finished === null) requestAnimationFrame(tick);
  };
  document.addEventListener("keydown", () => { watch.start = performance.now(); requestAnimationFrame(tick); },
                            { capture: true, once: true });
}
""" % CARD


def cpu_seconds(pid: int) -> float:
    """User and system CPU time of a process so far (Linux /proc)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def children_of() -> dict[int, list[int]]:
    tree: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                parent = int((entry / "stat").read_text().rsplit(")", 1)[1].split()[1])
            except (OSError, IndexError, ValueError):
                continue
            tree.setdefault(parent, []).append(int(entry.name))
    return tree


def tree_cpu_seconds(root: int, leave_out: int) -> float:
    """CPU time of every process under ``root`` (this benchmark), the subtree of ``leave_out`` excepted."""
    tree, total, todo = children_of(), 0.0, list(children_of().get(root, []))
    while todo:
        pid = todo.pop()
        if pid == leave_out:
            continue
        try:
            total += cpu_seconds(pid)
        except OSError:
            continue
        todo += tree.get(pid, [])
    return total


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(share * (len(ordered) - 1))))]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--decisions", type=int, default=30)
    args = parser.parse_args()
    folder = Path(tempfile.mkdtemp(prefix="bench-adjudicate-"))
    db = folder / "study.db"
    study = Study.open(f"sqlite:///{db}")
    build_sample_study(study)
    study.close()
    server = start_app(db)
    shown, finished, opacities = [], [], []
    try:
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
            page = browser.new_page(viewport={"width": 1440, "height": 900})
            sign_in(page, server.url, "admin")
            go(page, "Adjudicate")
            page.wait_for_selector(CARD)
            for n in range(args.decisions + 1):
                if n == 1:
                    cpu_before = cpu_seconds(server.process.pid)
                    browser_before = tree_cpu_seconds(os.getpid(), server.process.pid)
                page.locator("h1").first.click()  # the keys go to the page, not to a text box
                page.evaluate(WATCH)
                page.keyboard.press("N")
                page.wait_for_function("() => window.__watch.finished !== null", timeout=60_000)
                wait_until_loaded(page, timeout=60_000)
                watch = page.evaluate("() => window.__watch")
                if n == 0:
                    continue  # the first decision warms the server's caches: not counted
                shown.append(watch["shown"] - watch["start"])
                finished.append(watch["finished"] - watch["start"])
                opacities.append(watch["minOpacity"])
            cpu = (cpu_seconds(server.process.pid) - cpu_before) / args.decisions
            browser_cpu = (tree_cpu_seconds(os.getpid(), server.process.pid) - browser_before) / args.decisions
            browser.close()
    finally:
        server.stop()
    study = Study.open(f"sqlite:///{db}")
    stored = sum(1 for r in resolutions(study, CLI, ["alice", "bob"]) if r.decision == "neither")
    study.close()
    print(f"Adjudicate, sample study (73 disputed segments), {len(shown)} decisions by key (after one warm-up)")
    for label, values in (("key -> next card shown", shown), ("key -> script run finished", finished)):
        print(f"  {label:28} median {statistics.median(values):6.0f} ms   p90 {percentile(values, .9):6.0f} ms   "
              f"worst {max(values):6.0f} ms")
    print(f"  CPU per decision: app server {cpu * 1000:.0f} ms, browser {browser_cpu * 1000:.0f} ms, together "
          f"{(cpu + browser_cpu) * 1000:.0f} ms (load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores)")
    print(f"  lowest opacity of any element while deciding: {min(opacities):.2f} (1.00: nothing dimmed)")
    print(f"  decisions stored: {stored} of {args.decisions + 1}")
    print(f"  median against the {TARGET_MS} ms target: {statistics.median(shown) / TARGET_MS:.2f}")


if __name__ == "__main__":
    main()
