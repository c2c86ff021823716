"""How much does the code tree cost the findings? The ancestor relation is a recursive query
(study.code_tree.code_ancestry), computed on every findings table rather than stored.

Run from the project root:  python benchmarks/bench_code_tree.py [--codes 2000] [--depth 6] [--db URL]

Builds a codebook of ``--codes`` codes in chains ``--depth`` deep under ten themes (SQLite in a
temporary folder unless ``--db`` names an empty database), then times, best of five:

- ``counted_for``: the whole ancestor relation read into {code: codes it counts for};
- ``apply_parent_rule`` on a frame of 50,000 codings of the deepest codes (each row repeated for
  every code above it), what a findings table adds under the with-codes-below rule;
- loading every code in codebook order (``codes.all_codes``), which walks the tree in Python.
"""
from __future__ import annotations

import argparse
import random
import tempfile
import time
from pathlib import Path

import pandas as pd

from study import code_tree, codes
from study.auth import CLI
from study.codebook import Code, Codebook, Theme
from study.store import Study


def chain(prefix: str, depth: int) -> Code:
    below = ()
    for level in reversed(range(depth)):
        below = (Code(name=f"{prefix}-{level}", path=(), definition="d", codes=below),)
    return below[0]


def codebook(n_codes: int, depth: int) -> Codebook:
    chains = n_codes // depth
    themes = tuple(Theme(name=f"Theme {t}", codes=tuple(chain(f"c{t}.{c}", depth) for c in range(t, chains, 10)))
                   for t in range(10))
    return Codebook("bench", "", themes)


def best(work, repeat: int = 5) -> float:
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        work()
        times.append(time.perf_counter() - start)
    return min(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--codes", type=int, default=2000)
    parser.add_argument("--depth", type=int, default=6)
    parser.add_argument("--db", help="an empty database URL (default: SQLite in a temporary folder)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        study = Study.open(args.db or f"sqlite:///{Path(folder) / 'bench.db'}")
        started = time.perf_counter()
        codes.load_into_study(study, codebook(args.codes, args.depth), CLI)
        print(f"loaded {args.codes} codes, {args.depth} deep: {time.perf_counter() - started:.2f} s")
        with study.session() as session:
            counted = code_tree.counted_for(session, code_tree.WITH_CODES_BELOW)
            seconds = best(lambda: code_tree.counted_for(session, code_tree.WITH_CODES_BELOW))
            print(f"counted_for ({sum(map(len, counted.values())):,} pairs): {seconds * 1000:.1f} ms")
            deepest = [c for c, ids in counted.items() if len(ids) == args.depth]
            rng = random.Random(1)
            frame = pd.DataFrame({"transcript_id": [rng.randrange(50) for _ in range(50_000)],
                                  "segment_id": list(range(50_000)),
                                  "code_id": [rng.choice(deepest) for _ in range(50_000)]})
            seconds = best(lambda: code_tree.apply_parent_rule(frame, counted))
            print(f"apply_parent_rule, 50,000 codings -> {len(code_tree.apply_parent_rule(frame, counted)):,} rows: "
                  f"{seconds * 1000:.1f} ms")
        seconds = best(lambda: codes.code_views(study, include_retired=False))
        print(f"code_views (every code in codebook order): {seconds * 1000:.1f} ms")
        study.close()


if __name__ == "__main__":
    main()
