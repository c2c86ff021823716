"""How much does the code tree cost the findings? The ancestor relation is a recursive query
(study.code_tree.code_ancestry), computed on every findings table rather than stored.

Run from the project root:  python benchmarks/bench_code_tree.py [--codes 2000] [--depth 6] [--db URL]

Builds a codebook of ``--codes`` codes in chains ``--depth`` deep under ten themes (SQLite in a
temporary folder unless ``--db`` names an empty database), then times, best of five:

- the whole ancestor relation (``code_ancestry`` under the with-codes-below rule) read as rows;
- loading every code in codebook order (``codes.all_codes``), which walks the tree in Python.

What the findings add under that rule is a join on the relation in SQL (``counting.under_parents``),
timed with the tables at 500 interviews by ``bench_scale.py``; the pandas expansion it replaced lives
on only in the tests' oracle (tests/frames_before.py) and is no longer timed here.
"""
from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

from sqlalchemy import select

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
        tree = code_tree.code_ancestry()
        pairs = select(tree.c.descendant_id, tree.c.ancestor_id).where(
            code_tree.counts_under(tree, code_tree.WITH_CODES_BELOW))
        with study.session() as session:
            count = len(session.execute(pairs).all())
            seconds = best(lambda: session.execute(pairs).all())
            print(f"code_ancestry ({count:,} pairs): {seconds * 1000:.1f} ms")
        seconds = best(lambda: codes.code_views(study, include_retired=False))
        print(f"code_views (every code in codebook order): {seconds * 1000:.1f} ms")
        study.close()


if __name__ == "__main__":
    main()
