"""Search cost (issue 21): ``study.search.search`` on studies of 1,000 and 100,000 segments, on
SQLite and PostgreSQL, for a common word, a phrase, a prefix, an absent word and filtered searches
(each: the count of every hit and the first 100 hits in context), and coding 100 hits at once.

The studies are built in bulk (``bench_archive.build``: words drawn from a 14-word vocabulary, so
a common word is in most turns, the worst case for counting and ordering the hits); the index is
filled by the database's triggers as the segments are inserted, and that build time is printed too.

Run from the project root:
    python benchmarks/bench_search.py                         # 1,000 and 100,000 segments on SQLite
    python benchmarks/bench_search.py --backends sqlite,postgresql
PostgreSQL is started by the benchmark, as the tests start theirs (scripts/postgres.sh).
Target: every search well under a second at 100,000 segments.
"""
from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))

from bench_archive import build  # noqa: E402
from bench_scale import Postgres, postgres_database  # noqa: E402

SIZES = {1_000: (10, 100), 100_000: (500, 200)}  # segments: (transcripts, segments each)
RATERS = 2
CODE = "Challenges/Model search"


def searches():
    from study.search import Filters

    return {
        "common word (model)": ("model", Filters()),
        'phrase ("model card")': ('"model card"', Filters()),
        "prefix (lic*)": ("lic*", Filters()),
        "two words (trust latency)": ("trust latency", Filters()),
        "absent word (zebra)": ("zebra", Filters()),
        "model, participant turns": ("model", Filters(roles=("participant",))),
        "model, coded (a coder's own)": ("model", Filters(codes=(CODE,))),
        "model, 3 transcripts": ("model", Filters(transcripts=("P001", "P002", "P003"))),
    }


def median_seconds(call, repeat: int) -> float:
    call()  # warm: a page's process is long-lived, so a search is one more call
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        call()
        times.append(time.perf_counter() - started)
    return statistics.median(times)


def measure(url: str, repeat: int) -> dict[str, str]:
    from study import search
    from study.auth import Actor
    from study.store import Study

    study = Study.open(url)
    coder = Actor("rater0", "coder")
    figures = {}
    try:
        for label, (typed, filters) in searches().items():
            total = search.search(study, coder, typed, filters).total
            seconds = median_seconds(lambda: search.search(study, coder, typed, filters), repeat)
            figures[label] = f"{seconds * 1000:8.1f} ms ({total:,} hits)"
        hits = search.search(study, coder, "cost", search.Filters(roles=("interviewer",))).hits
        started = time.perf_counter()
        done = search.code_hits(study, coder, [h.segment_id for h in hits], "Attributes/License")
        figures["code 100 hits"] = f"{(time.perf_counter() - started) * 1000:8.1f} ms ({done.applied} applied)"
    finally:
        study.close()
    return figures


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="1000,100000", help="segments, comma-separated: 1000, 100000")
    parser.add_argument("--backends", default="sqlite", help="sqlite, postgresql or both, comma-separated")
    parser.add_argument("--repeat", type=int, default=5, help="calls per search (median)")
    options = parser.parse_args()
    sizes = [int(s) for s in options.sizes.split(",")]
    backends = [b.strip() for b in options.backends.split(",")]
    print(f"{os.cpu_count()} CPU(s), load {os.getloadavg()[0]:.2f}", flush=True)
    server = Postgres() if "postgresql" in backends else None
    pg_url = server.__enter__() if server else None
    try:
        for backend in backends:
            for size in sizes:
                with tempfile.TemporaryDirectory(prefix="bench-search-") as folder:
                    url = (f"sqlite:///{Path(folder) / 'study.db'}" if backend == "sqlite"
                           else postgres_database(pg_url, f"bench_search_{size}_{os.getpid()}"))
                    started = time.perf_counter()
                    build(url, *SIZES[size], RATERS)
                    print(f"\n{backend}, {size:,} segments (built and indexed in {time.perf_counter() - started:.1f} s, "
                          f"load {os.getloadavg()[0]:.2f})", flush=True)
                    for label, figure in measure(url, options.repeat).items():
                        print(f"  {label:32} {figure}", flush=True)
    finally:
        if server:
            server.__exit__()


if __name__ == "__main__":
    main()
