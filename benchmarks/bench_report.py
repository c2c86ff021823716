"""The Word report of the sample study: wall time of `study report --out r.docx` (a fresh
process, as a researcher runs it), and the library's parts: building the report, then writing
it with its figures (all drawn in one browser session) and without them.

Run: python benchmarks/bench_report.py [--runs 3]
"""
from __future__ import annotations

import argparse
import dataclasses
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from study import charts, report
from study.auth import CLI
from study.demo import build_sample_study
from study.store import Study

ROOT = Path(__file__).resolve().parents[1]


def median_seconds(action, runs: int) -> float:
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        action()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs", type=int, default=3)
    runs = parser.parse_args().runs
    with tempfile.TemporaryDirectory() as folder:
        db = Path(folder) / "study.db"
        study = Study.open(f"sqlite:///{db}")
        build_sample_study(study)
        built = report.build_report(study, CLI)
        plain = dataclasses.replace(built, blocks=tuple(b for b in built.blocks if not isinstance(b, report.FigureBlock)))
        problem = charts.static_export_problem()
        print(f"median of {runs} runs, {os.cpu_count()} CPU(s); {len(built.figures)} figures; "
              f"static images: {problem or 'available'}")
        env = {**os.environ, "PYTHONPATH": str(ROOT), "STUDY_DB": str(db)}
        command = [sys.executable, "-m", "study", "report", "--out", str(Path(folder) / "r.docx")]
        print(f"{median_seconds(lambda: subprocess.run(command, env=env, check=True, capture_output=True), runs):6.2f} s"
              "  study report --out r.docx (whole command, fresh process)")
        print(f"{median_seconds(lambda: report.build_report(study, CLI), runs):6.2f} s  build_report (tables, figures as values)")
        print(f"{median_seconds(lambda: report.report_docx(built), runs):6.2f} s  report_docx with figures")
        print(f"{median_seconds(lambda: report.report_docx(plain), runs):6.2f} s  report_docx without figures")
        study.close()


if __name__ == "__main__":
    main()
