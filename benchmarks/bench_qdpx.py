"""REFI-QDA exchange speed: export a study and import it into a fresh one, and import an
NVivo-shaped project (UTF-16 positions around emoji) of many selections.

Prints seconds, codings per second and the file size for N transcripts (N = 10, 50 by default),
each with two raters coding every participant segment (one by a span, one whole). Run:
python benchmarks/bench_qdpx.py [--sizes 10,50]
"""
from __future__ import annotations

import argparse
import random
import tempfile
import time
from pathlib import Path

from study import auth, codes, codings, qdpx
from study.auth import CLI
from study.codebook import parse_codebook
from study.importing.reading import ImportOptions
from study.importing.storing import add_parsed_transcript
from study.store import Segment, Study, Transcript
from study.transcripts import ParsedTranscript, Turn

WORDS = "model hub license card fine-tune dataset latency 🙂 benchmark download GPU 🚀 memory team".split()
CODEBOOK = """
name: Bench
themes:
  - name: Attributes
    codes: [{name: Latency, definition: Slow answers.}, {name: License, definition: Terms.}]
  - name: Performance
    codes: [{name: Latency, definition: Measured times.}]
"""


def transcript(rng: random.Random, turns: int) -> ParsedTranscript:
    text, spans = "", []
    for n in range(turns):
        speaker = "Interviewer" if n % 2 == 0 else "P1"
        body = " ".join(rng.choices(WORDS, k=rng.randint(8, 40)))
        start = len(text) + len(speaker) + 2
        text += f"{speaker}: {body}\n\n"
        spans.append(Turn(speaker, start, start + len(body)))
    return ParsedTranscript(text, tuple(spans), {})


def build(study: Study, count: int, turns: int = 40) -> int:
    rng = random.Random(7)
    codes.load_into_study(study, parse_codebook(CODEBOOK), CLI)
    for rater in ("alice", "bob"):  # coding never adds a rater
        auth.add_user(study, rater, "coder", None, CLI)
    made = 0
    for n in range(count):
        name = f"P{n:03d}"
        parsed = transcript(rng, turns)
        add_parsed_transcript(study, name, parsed, name, ImportOptions(interviewer="Interviewer"))
    with study.session() as session:
        units = [(t.name, s.index, s.start, s.end, s.role) for t in session.query(Transcript)
                 for s in session.query(Segment).filter_by(transcript_id=t.id)]
    for name, index, start, end, role in units:
        if role != "participant" or end - start < 12:
            continue
        codings.apply_code(study, CLI, "alice", name, index, "Attributes/Latency", span=(start, start + 10))
        codings.apply_code(study, CLI, "bob", name, index, "Performance/Latency")
        made += 2
    return made


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--sizes", default="10,50")
    args = parser.parse_args()
    for count in (int(s) for s in args.sizes.split(",")):
        with tempfile.TemporaryDirectory() as folder:
            folder = Path(folder)
            source = Study.open(f"sqlite:///{folder / 'a.db'}")
            made = build(source, count)
            started = time.perf_counter()
            qdpx.export_qdpx(source, CLI, folder / "x.qdpx")
            exported = time.perf_counter() - started
            target = Study.open(f"sqlite:///{folder / 'b.db'}")
            started = time.perf_counter()
            summary = qdpx.import_qdpx(target, CLI, folder / "x.qdpx")
            imported = time.perf_counter() - started
            stored = sum(summary.codings.values())
            size = (folder / "x.qdpx").stat().st_size
            print(f"{count:>4} transcripts, {made:>5} codings: export {exported:6.2f} s ({made / exported:7.0f}/s), "
                  f"import {imported:6.2f} s ({stored / imported:7.0f}/s), {size / 1024:7.0f} KiB")
            source.close()
            target.close()


if __name__ == "__main__":
    main()
