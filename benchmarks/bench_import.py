"""Import throughput: N synthetic transcripts (N = 10, 100, 1,000) for each segment unit.

Prints words/s, segments/s, peak traced memory, and the share of time spent parsing and
segmenting versus storing; and, per size, a "reading only" line: words/s of read_transcript
alone on the same files (words counted in the files' text, median of 5 runs). Run: python benchmarks/bench_import.py [--sizes 10,100,1000]
"""
from __future__ import annotations

import argparse
import os
import random
import statistics
import tempfile
import time
import tracemalloc
from pathlib import Path

from study.importing.batch import import_files
from study.importing.reading import ImportOptions
from study.segmenting import UNITS, segment, sentence_pipeline
from study.store import Study
from study.roles import assign_roles, role_map
from study.transcripts import read_transcript
from study.auth import CLI

WORDS = ("model hub license card fine-tune dataset latency quantize benchmark download architecture paper "
         "leaderboard team deploy evaluate accuracy checkpoint tokenizer pipeline GPU memory").split()


def synthetic_transcript(rng: random.Random, turns: int) -> str:
    lines = []
    for n in range(turns):
        speaker = "Interviewer" if n % 2 == 0 else "Participant"
        sentences = [" ".join(rng.choices(WORDS, k=rng.randint(6, 18))).capitalize() + "."
                     for _ in range(rng.randint(1, 4))]
        if speaker == "Interviewer":
            sentences[-1] = sentences[-1][:-1] + "?"
        lines.append(f"{speaker} (00:{n // 60:02d}:{n % 60:02d}): {' '.join(sentences)}")
    return "\n\n".join(lines) + "\n"


def write_corpus(folder: Path, count: int, seed: int = 7) -> list[Path]:
    rng = random.Random(seed)
    paths = []
    for i in range(count):
        path = folder / f"P{i:04d}.txt"
        path.write_text(synthetic_transcript(rng, rng.randint(30, 90)), encoding="utf-8")
        paths.append(path)
    return paths


def parse_and_segment(paths: list[Path], unit: str) -> tuple[int, int]:
    words = segments = 0
    for path in paths:
        parsed = read_transcript(path)
        spans = segment(parsed, unit, role_map(assign_roles(parsed)))
        words += sum(len(parsed.text[t.start:t.end].split()) for t in parsed.turns)
        segments += len(spans)
    return words, segments


def reading_only(paths: list[Path], runs: int = 5) -> tuple[int, float]:
    """(words in the files, words/s of read_transcript alone, median of ``runs``)."""
    words = sum(len(path.read_text(encoding="utf-8").split()) for path in paths)
    seconds = []
    for _ in range(runs):
        start = time.perf_counter()
        for path in paths:
            read_transcript(path)
        seconds.append(time.perf_counter() - start)
    return words, words / statistics.median(seconds)


def timed_import(paths: list[Path], unit: str, db_file: Path) -> None:
    study = Study.open(f"sqlite:///{db_file}")
    summary = import_files(study, paths, options=ImportOptions(unit=unit), actor=CLI)
    study.close()
    assert summary.ok and len(summary.imported) == len(paths), summary.failed


def measure(paths: list[Path], unit: str, workdir: Path) -> dict:
    start = time.perf_counter()
    words, segments = parse_and_segment(paths, unit)
    parse_seconds = time.perf_counter() - start
    start = time.perf_counter()
    timed_import(paths, unit, workdir / f"timed-{unit}-{len(paths)}.db")
    total = time.perf_counter() - start
    tracemalloc.start()  # a second run, since tracing slows Python down several times
    timed_import(paths, unit, workdir / f"traced-{unit}-{len(paths)}.db")
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    return {
        "unit": unit, "files": len(paths), "words": words, "segments": segments, "seconds": total,
        "words_per_s": words / total, "segments_per_s": segments / total, "peak_mb": peak / 1e6,
        "parse_share": min(parse_seconds / total, 1.0),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--sizes", default="10,100,1000")
    args = parser.parse_args()
    print(f"load average: {os.getloadavg()[0]:.2f} on {os.cpu_count()} cores")
    sentence_pipeline()  # loaded once per process; not part of any one import
    print(f"{'unit':<10}{'files':>6}{'words':>10}{'segments':>10}{'seconds':>9}{'words/s':>10}"
          f"{'segs/s':>9}{'peak MB':>9}{'parse%':>8}{'store%':>8}")
    with tempfile.TemporaryDirectory() as tmp:
        tmp_path = Path(tmp)
        for size in (int(s) for s in args.sizes.split(",")):
            corpus = tmp_path / f"corpus-{size}"
            corpus.mkdir()
            paths = write_corpus(corpus, size)
            words, per_second = reading_only(paths)
            print(f"reading only: {size} files, {words} words, {per_second:,.0f} words/s "
                  "(read_transcript alone, median of 5)")
            for unit in UNITS:
                r = measure(paths, unit, tmp_path)
                print(f"{r['unit']:<10}{r['files']:>6}{r['words']:>10}{r['segments']:>10}{r['seconds']:>9.2f}"
                      f"{r['words_per_s']:>10.0f}{r['segments_per_s']:>9.0f}{r['peak_mb']:>9.1f}"
                      f"{100 * r['parse_share']:>7.0f}%{100 * (1 - r['parse_share']):>7.0f}%")


if __name__ == "__main__":
    main()
