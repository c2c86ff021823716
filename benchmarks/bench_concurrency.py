"""Coding actions per second with 1, 5, 10 and 20 concurrent coders, on SQLite and PostgreSQL
(issue 11), through the one write path the Code page uses (``workspace.toggle``).

Each coder signs in as their own account and works in two tabs (two threads) at once: both tabs
apply every (segment, code) of a 40-segment transcript and then remove every third one, in
different orders, so the same change often arrives twice at the same moment. Reported per run:
actions per second, failed calls (must be 0) and lost writes (stored codings that differ from
what the coder's actions leave, must be 0).

PostgreSQL: a throwaway server is started with scripts/postgres.sh and stopped afterwards
(skipped when PostgreSQL is not installed); ``--pg-url URL`` uses a running server instead.

Run: python benchmarks/bench_concurrency.py [--coders 1,5,10,20] [--backends sqlite,postgresql]
"""
from __future__ import annotations

import argparse
import os
import random
import signal
import subprocess
import sys
import tempfile
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from sqlalchemy import create_engine, func, select, text

from study import codes as codes_mod
from study import workspace
from study.auth import CLI, Actor, add_user
from study.codebook import parse_codebook
from study.importing.reading import ImportOptions
from study.importing.storing import add_parsed_transcript
from study.store import Coding, Segment, Study, User
from study.transcripts import ParsedTranscript, Turn

ROOT = Path(__file__).resolve().parents[1]
SEGMENTS, CODES = 40, 6
CODEBOOK = "name: Bench\nthemes:\n  - name: Theme\n    codes:\n" + "".join(
    f"      - name: Code {n}\n        definition: d\n" for n in range(CODES))


def build_study(url: str) -> Study:
    study = Study.open(url)
    codes_mod.load_into_study(study, parse_codebook(CODEBOOK, source="bench.yaml"), CLI)
    text, turns = "", []
    for n in range(SEGMENTS):
        speaker, body = ("Interviewer", f"Question {n}?") if n % 2 == 0 else ("P1", f"Answer number {n}, at length.")
        start = len(text) + len(speaker) + 2
        text += f"{speaker}: {body}\n\n"
        turns.append(Turn(speaker, start, start + len(body)))
    add_parsed_transcript(study, "T1", ParsedTranscript(text, tuple(turns), {}), "P1",
                          ImportOptions(unit="turn", interviewer="Interviewer"))
    return study


def run(study: Study, coders: int) -> dict:
    with study.session() as s:
        segment_ids = list(s.scalars(select(Segment.id).order_by(Segment.index)))
    code_ids = [c.id for c in workspace.codebook_entries(study)]
    names = [f"coder-{coders}-{n}" for n in range(coders)]
    for name in names:
        add_user(study, name, "coder", "bench-password", actor=CLI)
    pairs = [(seg, code) for seg in segment_ids for code in code_ids]
    removed = set(pairs[::3])
    failures: list[str] = []

    def tab(name: str, seed: int) -> int:
        actor, order = Actor(name, "coder"), random.Random(seed).sample(pairs, len(pairs))
        actions = 0
        for applied, batch in ((True, order), (False, [p for p in order if p in removed])):
            for seg, code in batch:
                try:
                    workspace.toggle(study, actor, seg, code, applied)
                except Exception as exc:  # a failed call is what this measures
                    failures.append(f"{type(exc).__name__}: {exc}")
                actions += 1
        return actions

    started = time.perf_counter()
    with ThreadPoolExecutor(max_workers=2 * coders) as pool:
        actions = sum(pool.map(tab, [n for n in names for _ in (1, 2)], range(2 * coders)))
    seconds = time.perf_counter() - started
    with study.session() as s:
        stored = {name: s.scalar(select(func.count()).select_from(Coding).join(User, Coding.rater_id == User.id)
                                 .where(User.name == name)) for name in names}
    lost = sum(abs(count - (len(pairs) - len(removed))) for count in stored.values())
    return {"coders": coders, "actions": actions, "per_second": actions / seconds, "failed": len(failures),
            "lost": lost, "first_failure": failures[0] if failures else ""}


def bench(url: str, backend: str, coder_counts: list[int]) -> None:
    study = build_study(url)
    try:
        for coders in coder_counts:
            r = run(study, coders)
            print(f"{backend:<11} {r['coders']:>3} coders x 2 tabs: {r['actions']:>6} actions, "
                  f"{r['per_second']:8.1f} actions/s, failed calls {r['failed']}, lost writes {r['lost']}"
                  + (f"  ({r['first_failure']})" if r["failed"] else ""), flush=True)
    finally:
        study.close()


def postgres_database(server_url: str):
    name = f"bench_{uuid.uuid4().hex[:10]}"
    admin = create_engine(server_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    return admin, name, f"{server_url.rsplit('/', 1)[0]}/{name}"


def bench_postgres(server_url: str, coder_counts: list[int]) -> None:
    admin, name, url = postgres_database(server_url)
    try:
        bench(url, "postgresql", coder_counts)
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def with_throwaway_postgres(args: argparse.Namespace) -> int:
    """Run this benchmark's PostgreSQL part again under scripts/postgres.sh, which starts a
    server and stops it when the shell exits (the whole process group is stopped on interrupt)."""
    command = (f"source {ROOT / 'scripts' / 'postgres.sh'}; [ -n \"$STUDY_TEST_PG_URL\" ] || exit 0; "
               f"{sys.executable} {Path(__file__).resolve()} --backends postgresql --coders {args.coders} "
               "--pg-url \"$STUDY_TEST_PG_URL\"")
    process = subprocess.Popen(["bash", "-c", command], start_new_session=True,
                               env={**os.environ, "PYTHONPATH": str(ROOT)})
    try:
        return process.wait()
    except BaseException:
        os.killpg(process.pid, signal.SIGTERM)
        process.wait()
        raise


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--coders", default="1,5,10,20")
    parser.add_argument("--backends", default="sqlite,postgresql")
    parser.add_argument("--pg-url", help="A running PostgreSQL server's URL (a throwaway server otherwise).")
    args = parser.parse_args()
    coder_counts = [int(n) for n in args.coders.split(",")]
    backends = args.backends.split(",")
    if "sqlite" in backends:
        with tempfile.TemporaryDirectory() as folder:
            bench(f"sqlite:///{Path(folder) / 'bench.db'}", "sqlite", coder_counts)
    if "postgresql" in backends:
        if args.pg_url:
            bench_postgres(args.pg_url, coder_counts)
        else:
            return with_throwaway_postgres(args)
    return 0


if __name__ == "__main__":
    sys.exit(main())
