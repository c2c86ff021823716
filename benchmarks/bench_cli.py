"""Start-up time of the command line, beside the floor of importing click and SQLAlchemy.

Builds the sample study once in a temporary folder, then runs each command N times in a fresh
interpreter and prints the median wall time. Run: python benchmarks/bench_cli.py [--runs 5]
"""
from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def median_seconds(command: list[str], env: dict, cwd: str, runs: int) -> float:
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        subprocess.run(command, env=env, cwd=cwd, check=True, capture_output=True)
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs", type=int, default=5)
    runs = parser.parse_args().runs
    with tempfile.TemporaryDirectory() as folder:
        env = {**os.environ, "PYTHONPATH": str(ROOT), "STUDY_DB": str(Path(folder) / "study.db")}
        study = [sys.executable, "-m", "study"]
        subprocess.run([*study, "demo", "--no-app"], env=env, cwd=folder, check=True, capture_output=True)
        cases = [
            ("python -c 'import click, sqlalchemy' (floor)", [sys.executable, "-c", "import click, sqlalchemy"]),
            ("study --help", [*study, "--help"]),
            ("study transcripts", [*study, "transcripts"]),
            ("study segments P01-2022-07-05", [*study, "segments", "P01-2022-07-05"]),
            ("study participants", [*study, "participants"]),
            ("study codebook show", [*study, "codebook", "show"]),
            ("study table frequency --format md", [*study, "table", "frequency", "--format", "md"]),
        ]
        print(f"median of {runs} runs, {os.cpu_count()} CPU(s)")
        for label, command in cases:
            print(f"{median_seconds(command, env, folder, runs):6.2f} s  {label}")


if __name__ == "__main__":
    main()
