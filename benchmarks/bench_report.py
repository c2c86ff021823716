"""The Word report of the sample study: wall time of `study report --out r.docx` (a fresh
process, as a researcher runs it), and its phases, each measured in a fresh process too (what a
report pays once: imports, the first build, the browser coming up):

- importing study.report (pandas, plotly, python-docx, SQLAlchemy) and sklearn.metrics (Cohen's kappa);
- build_report (tables, agreement, figures as values), the first build of a process;
- the figure browser: started, then its first figure drawn (it comes up while the rest runs);
- report_docx with its figures (all drawn in that one browser session) and without figures.

Run: python benchmarks/bench_report.py [--runs 3]
"""
from __future__ import annotations

import argparse
import json
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from study.demo import build_sample_study
from study.store import Study

ROOT = Path(__file__).resolve().parents[1]

# One fresh process: its phases in order, as `study report` meets them (the browser starts first).
PHASES = r"""
import dataclasses, json, sys, time
start = time.perf_counter()
from study import static_images
session = static_images.StaticSession()
t = {}
t0 = time.perf_counter()
from study import report, auth
from study.store import Study
t["import study.report"] = time.perf_counter() - t0
t0 = time.perf_counter()
import sklearn.metrics
t["import sklearn.metrics"] = time.perf_counter() - t0
study = Study.open(sys.argv[1])
t0 = time.perf_counter()
built = report.build_report(study, auth.CLI)
t["build_report (first in a process)"] = time.perf_counter() - t0
t0 = time.perf_counter()
session.images([built.figures[0].figure]).result()
t["browser ready for the first figure (after the build)"] = time.perf_counter() - t0
plain = dataclasses.replace(built, blocks=tuple(b for b in built.blocks if not isinstance(b, report.FigureBlock)))
t0 = time.perf_counter()
report.report_docx(built, session)
t["report_docx with figures (warm browser)"] = time.perf_counter() - t0
t0 = time.perf_counter()
report.report_docx(plain)
t["report_docx without figures"] = time.perf_counter() - t0
t0 = time.perf_counter()
session.close()
t["closing the browser"] = time.perf_counter() - t0
t["whole process"] = time.perf_counter() - start
print(json.dumps(t))
"""

# The browser alone, in a fresh process: from starting it to its first (small) figure drawn.
BROWSER = r"""
import json, time
start = time.perf_counter()
from study import static_images
with static_images.StaticSession() as session:
    import plotly.graph_objects as go
    session.images([go.Figure(go.Bar(x=["a"], y=[1]))]).result()
    drawn = time.perf_counter() - start
print(json.dumps({"browser alone: started -> first figure drawn": drawn}))
"""


def median_seconds(action, runs: int) -> tuple[float, float]:
    """Median wall time of ``action``, and median CPU time of the processes it ran (the browser's too),
    which a busy machine does not inflate."""
    times, cpu = [], []
    for _ in range(runs):
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        start = time.perf_counter()
        action()
        times.append(time.perf_counter() - start)
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        cpu.append(after.ru_utime + after.ru_stime - before.ru_utime - before.ru_stime)
    return statistics.median(times), statistics.median(cpu)


def phases(url: str, env: dict, runs: int) -> dict[str, float]:
    """Median of each phase over ``runs`` fresh processes."""
    found: dict[str, list[float]] = {}
    for _ in range(runs):
        for script in (PHASES, BROWSER):
            out = subprocess.run([sys.executable, "-c", script, url], env=env, check=True, capture_output=True,
                                 text=True)
            for name, seconds in json.loads(out.stdout.strip().splitlines()[-1]).items():
                found.setdefault(name, []).append(seconds)
    return {name: statistics.median(values) for name, values in found.items()}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs", type=int, default=3)
    runs = parser.parse_args().runs
    with tempfile.TemporaryDirectory() as folder:
        db = Path(folder) / "study.db"
        study = Study.open(f"sqlite:///{db}")
        build_sample_study(study)
        study.close()
        env = {**os.environ, "PYTHONPATH": str(ROOT), "STUDY_DB": str(db)}
        print(f"median of {runs} runs, {os.cpu_count()} CPU(s), load {os.getloadavg()[0]:.1f}")
        for out, what in (("r.docx", "Word, 7 figures drawn in one browser"), ("r.md", "Markdown, figures as PNG files"),
                          ("r.html", "HTML, interactive figures: no browser")):
            command = [sys.executable, "-m", "study", "report", "--out", str(Path(folder) / out)]
            seconds, cpu = median_seconds(lambda: subprocess.run(command, env=env, check=True, capture_output=True),
                                          runs)
            print(f"{seconds:6.2f} s  study report --out {out} (whole command, fresh process; {what}); "
                  f"CPU {cpu:.2f} s")
        print("phases, each in a fresh process:")
        for name, seconds in phases(f"sqlite:///{db}", env, runs).items():
            print(f"{seconds:6.2f} s  {name}")


if __name__ == "__main__":
    main()
