"""Agreement at scale: the per-code table (alpha, kappa, AC1, percent, intervals) for many codes.

1. 2 and 5 raters x 100 codes x 100,000 segments of random binary codings (seeded, realistic
   prevalences from 0.3% to 25%), through the same function the study path uses
   (``report_from_table``), without and with 1,000 bootstrap replicates; then the same alpha
   and kappa per code from NLTK's ``AnnotationTask``, timed on a subset and extrapolated.
2. Interview scale through the database: 12 transcripts x 40 segments, 60 codes, 2 raters,
   ``agreement_report`` with 1,000 replicates, plus ``disagreements`` and ``auto_adjudicate``.

Prints seconds and ratios; asserts nothing. Run: python benchmarks/bench_agreement.py
[--units 100000] [--codes 100] [--nltk-codes 2] [--nltk-units 100000]
"""
from __future__ import annotations

import argparse
import csv
import math
import tempfile
import time
from pathlib import Path

import numpy as np

from study import codes as codes_mod
from study import codings
from study.adjudication import auto_adjudicate, disagreements
from study.agreement.study_agreement import agreement_report, report_from_table
from study.agreement.units import BASIS_DONE, Unit, UnitTable
from study.codes import code_of_ref
from study.auth import CLI
from study.codebook import parse_codebook
from study.importing.reading import ImportOptions
from study.importing.storing import add_parsed_transcript
from study.store import Study
from study.transcripts import ParsedTranscript, Turn

SEED = 20240611


def synthetic_presence(units: int, codes: int, raters: int, seed: int = SEED) -> np.ndarray:
    """Units x codes x raters codings: a true code per unit, each rater missing some and adding a few.

    Prevalences are log-uniform between 0.3% and 25% (most codes rare, as in interview studies);
    each rater finds a present code with probability 0.75-0.95 and adds an absent one at a
    rate of 2% of the code's prevalence.
    """
    rng = np.random.default_rng(seed)
    prevalence = np.exp(rng.uniform(math.log(0.003), math.log(0.25), size=codes))
    truth = rng.random((units, codes)) < prevalence
    sensitivity = rng.uniform(0.75, 0.95, size=(1, codes, raters))
    false_rate = 0.02 * prevalence[None, :, None]
    draws = rng.random((units, codes, raters), dtype=np.float32)
    return np.where(truth[:, :, None], draws < sensitivity, draws < false_rate)


def table_of(presence: np.ndarray) -> UnitTable:
    units, codes, raters = presence.shape
    return UnitTable(
        raters=tuple(f"r{i}" for i in range(raters)), level="segment", basis=BASIS_DONE, transcripts=("synthetic",),
        units=tuple(Unit(f"u{i}") for i in range(units)),
        codes=tuple(code_of_ref(f"Theme {c // 10}/Code {c}") for c in range(codes)),
        presence=presence,
    )


def timed(function, *args, repeat: int = 1, **kwargs):
    """(result, seconds): the fastest of ``repeat`` runs, as other processes share the machine."""
    best = math.inf
    for _ in range(repeat):
        start = time.perf_counter()
        result = function(*args, **kwargs)
        best = min(best, time.perf_counter() - start)
    return result, best


def nltk_figures(presence: np.ndarray, code_indices: list[int], units: int) -> tuple[list, list, float]:
    """NLTK's alpha and kappa for some codes on the first ``units`` units; and the seconds it took.

    The timing includes building each AnnotationTask from (coder, item, label) triples.
    """
    from nltk.metrics.agreement import AnnotationTask

    raters = presence.shape[2]
    alphas, kappas, seconds = [], [], 0.0
    for c in code_indices:
        column = presence[:units, c, :].astype(int).tolist()
        triples = [(f"r{r}", i, row[r]) for i, row in enumerate(column) for r in range(raters)]
        start = time.perf_counter()
        task = AnnotationTask(data=triples)
        alphas.append(task.alpha())
        kappas.append(task.kappa())
        seconds += time.perf_counter() - start
    return alphas, kappas, seconds


def bench_synthetic(raters: int, units: int, codes: int, nltk_codes: int, nltk_units: int) -> None:
    presence = synthetic_presence(units, codes, raters)
    table = table_of(presence)
    report_from_table(table_of(presence[:100, :2]), replicates=10)  # warm-up: imports, first calls
    print(f"\n== {raters} raters x {codes} codes x {units:,} segments "
          f"(mean prevalence {presence.mean():.2%}) ==")
    plain, t_plain = timed(report_from_table, table, replicates=0, repeat=3)
    boot, t_boot = timed(report_from_table, table, replicates=1000, seed=1, repeat=3)
    print(f"study, whole table without intervals (best of 3):     {t_plain:8.3f} s")
    print(f"study, whole table with 1,000 replicates (best of 3): {t_boot:8.3f} s")
    chosen = list(range(nltk_codes))
    n_units = min(nltk_units, units)
    alphas, kappas, t_nltk = nltk_figures(presence, chosen, n_units)
    factor = (codes / nltk_codes) * (units / n_units)
    estimate = t_nltk * factor
    print(f"NLTK AnnotationTask alpha + kappa, measured on {nltk_codes} codes x {n_units:,} segments: {t_nltk:8.3f} s")
    print(f"NLTK, EXTRAPOLATED to {codes} codes x {units:,} segments (x{factor:g}, linear):  {estimate:8.1f} s")
    print(f"ratio NLTK (extrapolated, no intervals) / study without intervals: {estimate / t_plain:8.0f}x")
    print(f"ratio NLTK (extrapolated, no intervals) / study with intervals:    {estimate / t_boot:8.0f}x")
    if n_units == units:
        ours_alpha = [plain.codes[c].alpha for c in chosen]
        ours_kappa = [plain.codes[c].kappa for c in chosen]
        print("same figures, codes " + ", ".join(map(str, chosen)) + ":")
        print(f"  alpha  study {_list(ours_alpha)}  NLTK {_list(alphas)}  max |diff| {_maxdiff(ours_alpha, alphas):.2e}")
        kind = "Cohen" if raters == 2 else "Fleiss (NLTK's kappa() is the mean pairwise Cohen: not the same statistic)"
        print(f"  kappa  study {_list(ours_kappa)}  NLTK {_list(kappas)}  max |diff| {_maxdiff(ours_kappa, kappas):.2e}"
              f"  [{kind}]")
    print(f"median alpha {plain.overall.median_alpha:.3f}; pooled alpha {plain.overall.pooled_alpha:.3f}; "
          f"rare codes {sum(c.rare for c in plain.codes)} of {codes}")


def _list(values) -> str:
    return "[" + ", ".join("None" if v is None else f"{v:.4f}" for v in values) + "]"


def _maxdiff(ours, theirs) -> float:
    pairs = [(a, b) for a, b in zip(ours, theirs) if a is not None]
    return max((abs(a - b) for a, b in pairs), default=float("nan"))


# -- interview scale, through the database ------------------------------------------------


def interview_codebook(codes: int) -> str:
    lines = ["name: Benchmark codebook", "themes:"]
    for theme in range(math.ceil(codes / 10)):
        lines += [f"  - name: Theme {theme}", "    codes:"]
        for c in range(theme * 10, min(codes, theme * 10 + 10)):
            lines += [f"      - name: Code {c}", f"        definition: Synthetic code {c}."]
    return "\n".join(lines) + "\n"


def build_interview_study(folder: Path, transcripts: int, segments: int, codes: int, seed: int = SEED) -> Study:
    study = Study.open(f"sqlite:///{folder / 'bench.db'}")
    codes_mod.load_into_study(study, parse_codebook(interview_codebook(codes), source="bench.yaml"), CLI)
    for t in range(transcripts):
        text, turns = "", []
        for s in range(segments):
            speaker = "Interviewer" if s % 2 == 0 else f"P{t:02d}"
            body = f"Turn {s} of interview {t}."
            start = len(text) + len(speaker) + 2
            text += f"{speaker}: {body}\n\n"
            turns.append(Turn(speaker, start, start + len(body)))
        add_parsed_transcript(study, f"T{t:02d}", ParsedTranscript(text, tuple(turns), {}), f"P{t:02d}",
                              ImportOptions(interviewer="Interviewer"))
    presence = synthetic_presence(transcripts * segments, codes, 2, seed)
    refs = [f"Theme {c // 10}/Code {c}" for c in range(codes)]
    for r, rater in enumerate(("alice", "bob")):
        path = folder / f"{rater}.csv"
        with path.open("w", newline="") as handle:
            writer = csv.writer(handle)
            writer.writerow(["transcript", "segment", "code"])
            for unit, code in zip(*np.nonzero(presence[:, :, r])):
                writer.writerow([f"T{unit // segments:02d}", unit % segments, refs[code]])
        codings.import_codings_csv(study, CLI, rater, path)
        for t in range(transcripts):
            codings.mark_done(study, CLI, rater, f"T{t:02d}")
    return study


def bench_interview(transcripts: int = 12, segments: int = 40, codes: int = 60) -> None:
    print(f"\n== interview scale through the database: {transcripts} transcripts x {segments} segments, "
          f"{codes} codes, 2 raters (SQLite) ==")
    with tempfile.TemporaryDirectory() as folder:
        study, t_build = timed(build_interview_study, Path(folder), transcripts, segments, codes)
        print(f"(building the study: {t_build:.2f} s, not part of the figures below)")
        report, t_report = timed(agreement_report, study, CLI, ["alice", "bob"], replicates=1000, seed=1, repeat=3)
        _, t_participant = timed(agreement_report, study, CLI, ["alice", "bob"], level="participant",
                                 replicates=1000, seed=1, repeat=3)
        _, t_none = timed(agreement_report, study, CLI, ["alice", "bob"], replicates=0, repeat=3)
        items, t_dis = timed(disagreements, study, CLI, ["alice", "bob"], repeat=3)
        _, t_auto = timed(auto_adjudicate, study, CLI, ["alice", "bob"])
        study.close()
    print("(best of 3 runs each, except the first auto_adjudicate)")
    print(f"agreement_report, segment level, 1,000 replicates:     {t_report:6.3f} s "
          f"({report.overall.units} units, median alpha {report.overall.median_alpha:.3f})")
    print(f"agreement_report, participant level, 1,000 replicates: {t_participant:6.3f} s")
    print(f"agreement_report, segment level, no intervals:         {t_none:6.3f} s")
    print(f"disagreements (lists {len(items)} segments):             {t_dis:6.3f} s")
    print(f"auto_adjudicate (first run, writes the consensus):     {t_auto:6.3f} s")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--units", type=int, default=100_000)
    parser.add_argument("--codes", type=int, default=100)
    parser.add_argument("--nltk-codes", type=int, default=2)
    parser.add_argument("--nltk-units", type=int, default=100_000)
    args = parser.parse_args()
    for raters in (2, 5):
        bench_synthetic(raters, args.units, args.codes, args.nltk_codes, args.nltk_units)
    bench_interview()


if __name__ == "__main__":
    main()
