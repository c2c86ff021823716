"""Archive and restore cost: `study archive DIR` and `study restore DIR` on a study built in bulk,
each run as a researcher runs it (a fresh process), with wall time, CPU time and peak memory.

Run from the project root:  python benchmarks/bench_archive.py [--transcripts 500] [--segments 200] [--raters 6]
The defaults are issue 20's L study: 100,000 segments, 6 raters, ~280,000 codings (target: archive <= 15 s).
Prints one line per command and the archive's size; SQLite (a temporary file).
"""
from __future__ import annotations

import argparse
import random
import resource
import subprocess
import sys
import tempfile
import time
from datetime import datetime, timezone
from hashlib import sha256
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

WORDS = "model hub card licence download dataset benchmark tune search paper team latency cost trust".split()


def build(url: str, transcripts: int, segments: int, raters: int) -> int:
    """Codebook, participants (one per transcript), transcripts, segments and every rater's codings (1-2 per participant turn), in bulk."""
    import sqlalchemy as sa

    from study import auth, codes, schema
    from study.codebook import load_codebook
    from study.database import Study
    from study.schema import unit_key

    rng, now = random.Random(7), datetime.now(timezone.utc)
    study = Study.open(url)
    codes.load_into_study(study, load_codebook(ROOT / "codebook" / "ptm_reuse.yaml"), auth.CLI)
    written = 0
    with study.connection() as conn:
        code_ids = conn.execute(sa.select(schema.codes.c.id)).scalars().all()
        conn.execute(schema.users.insert(), [{"name": f"rater{r}", "role": "coder", "created_at": now}
                                             for r in range(raters)])
        rater_ids = conn.execute(sa.select(schema.users.c.id)).scalars().all()
        for t in range(transcripts):
            text, rows, at = [], [], 0
            for i in range(segments):
                speaker = "Interviewer" if i % 2 == 0 else "Participant"
                body = " ".join(rng.choices(WORDS, k=rng.randint(8, 40))) + "."
                rows.append({"index": i, "speaker": speaker, "role": speaker.lower(), "start": at + len(speaker) + 2,
                             "end": at + len(speaker) + 2 + len(body), "timestamp": None})
                text.append(f"{speaker}: {body}\n\n")
                at += len(text[-1])
            body = "".join(text)
            pid = conn.execute(schema.participants.insert().values(  # each interview its participant's, as imports do
                label=f"P{t:03d}", attributes={"group": ["student", "staff", "industry"][t % 3]})).inserted_primary_key[0]
            tid = conn.execute(schema.transcripts.insert().values(
                participant_id=pid, name=f"P{t:03d}", source_file=f"P{t:03d}.txt", content_hash=sha256(body.encode()).hexdigest(),
                text=body, unit="turn", header={}, turns=[], imported_at=now)).inserted_primary_key[0]
            conn.execute(schema.segments.insert(), [{**row, "transcript_id": tid} for row in rows])
            ids = conn.execute(sa.select(schema.segments.c.id).where(schema.segments.c.transcript_id == tid)
                               .where(schema.segments.c.role == "participant")).scalars().all()
            codings = [{"rater_id": rater, "transcript_id": tid, "segment_id": sid, "code_id": code,
                        "unit_key": unit_key(sid), "memo": "see the card" if rng.random() < 0.03 else None,
                        "created_at": now}
                       for rater in rater_ids for sid in ids for code in set(rng.sample(code_ids, rng.randint(1, 2)))]
            conn.execute(schema.codings.insert(), codings)
            written += len(codings)
    study.close()
    return written


def run(args: list[str]) -> tuple[float, float, int]:
    """(wall seconds, CPU seconds, peak resident KB) of `python -m study ARGS` in a fresh process."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    subprocess.run([sys.executable, "-m", "study", *args], check=True, stdout=subprocess.DEVNULL, cwd=ROOT)
    wall = time.perf_counter() - started
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return wall, cpu, after.ru_maxrss


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--transcripts", type=int, default=500)
    parser.add_argument("--segments", type=int, default=200)
    parser.add_argument("--raters", type=int, default=6)
    options = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="bench-archive-") as folder:
        folder = Path(folder)
        started = time.perf_counter()
        codings = build(f"sqlite:///{folder / 'study.db'}", options.transcripts, options.segments, options.raters)
        print(f"study: {options.transcripts} transcripts x {options.segments} segments, {options.raters} raters, "
              f"{codings:,} codings (built in {time.perf_counter() - started:.1f} s)")
        for name, args in (("archive", ["--db", str(folder / "study.db"), "archive", str(folder / "archive")]),
                           ("archive again", ["--db", str(folder / "study.db"), "archive", str(folder / "archive")]),
                           ("restore", ["--db", str(folder / "restored.db"), "restore", str(folder / "archive")])):
            wall, cpu, peak = run(args)
            print(f"{name:14} {wall:6.1f} s wall  {cpu:6.1f} s CPU  peak {peak / 1024:6.0f} MB (largest process so far)")
        size = sum(p.stat().st_size for p in (folder / "archive").rglob("*") if p.is_file())
        print(f"archive size   {size / 1e6:.0f} MB in {sum(1 for _ in (folder / 'archive').rglob('*'))} entries")


if __name__ == "__main__":
    main()
