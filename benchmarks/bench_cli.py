"""Start-up time of the command line, beside the floor of importing click and SQLAlchemy.

Builds the sample study once in a temporary folder, then runs each command N times in a fresh
interpreter and prints the median wall time. Python caches the compiled modules (in the temporary
folder, even where PYTHONDONTWRITEBYTECODE is set) as an installed package has them: pip compiles
them on install. ``--source`` measures recompiling study's modules on every run instead.
Run: python benchmarks/bench_cli.py [--runs 5] [--source]
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
    subprocess.run(command, env=env, cwd=cwd, check=True, capture_output=True)  # fills the bytecode cache
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        subprocess.run(command, env=env, cwd=cwd, check=True, capture_output=True)
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--source", action="store_true", help="no bytecode cache: compile study's modules each run")
    options = parser.parse_args()
    runs = options.runs
    with tempfile.TemporaryDirectory() as folder:
        env = {**os.environ, "PYTHONPATH": str(ROOT), "STUDY_DB": str(Path(folder) / "study.db")}
        if not options.source:
            env.pop("PYTHONDONTWRITEBYTECODE", None)
            env["PYTHONPYCACHEPREFIX"] = str(Path(folder) / "bytecode")
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
        cache = "compiled each run" if options.source else "bytecode cached"
        print(f"median of {runs} runs, {os.cpu_count()} CPU(s), load {os.getloadavg()[0]:.2f}, {cache}")
        for label, command in cases:
            print(f"{median_seconds(command, env, folder, runs):6.2f} s  {label}")


if __name__ == "__main__":
    main()
