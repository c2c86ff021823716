"""What one line taught by example does for the held-out files the reader gets wrong.

For each fixture of tests/fixtures/heldout that the reader reads with the wrong speakers or
interviewer (bench_reader_accuracy's scoring), a user shows the line where the first true turn
starts: the line holding the turn's first words (in the file as written for text and caption files,
in the reading's text for the others), or the line above it when
that one shows no speaker label (a name alone on its line). ``convention_from_example`` makes it a
convention, the file is read again with it, and the same scoring says whether it is right now.
The speaker is not named: only what the line itself shows. Prints per file and in total.

Run: python benchmarks/bench_teach.py [--fixtures DIR]
"""
from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench_reader_accuracy import FIXTURES, fixture_files, load_truth, score, score_file, words  # noqa: E402

from study.errors import StudyError  # noqa: E402
from study.transcripts import convention_from_example, read_file, read_transcript_data  # noqa: E402


TEXT_SUFFIXES = (".txt", ".md", ".srt", ".vtt")


def taught_line(text: str, truth: dict) -> str | None:
    """The line a user would show: where the first true turn starts."""
    first = [w for _, w in words(truth["turns"][0]["text"])][:3]
    lines = text.splitlines()
    for index, line in enumerate(lines):
        if [w for _, w in words(line)][-len(first):] and _holds(line, first):
            for candidate in (line, *(lines[index - 1:index] if index else [])):
                try:
                    convention_from_example(candidate)
                except StudyError:
                    continue
                return candidate
            return None
    return None


def _holds(line: str, first: list[str]) -> bool:
    found = [w for _, w in words(line)]
    return any(found[i:i + len(first)] == first for i in range(len(found)))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--fixtures", type=Path, default=FIXTURES)
    args = parser.parse_args()
    paths = fixture_files(args.fixtures)
    shipped = {p.name: score_file(p) for p in paths}
    wrong = [p for p in paths if not shipped[p.name].right and not shipped[p.name].error]
    started = time.perf_counter()
    fixed = share_before = share_after = 0.0
    print(f"{'file':<32}{'before':>8}{'after':>8}  taught line / what happened")
    for path in wrong:
        truth, before = load_truth(path), shipped[path.name]
        data = read_file(path)
        # the lines as the user sees them: the file's own for text files, else the reading's text
        shown = data.decode("utf-8-sig") if path.suffix in TEXT_SUFFIXES else read_transcript_data(data, str(path)).text
        line = taught_line(shown, truth)
        if line is None:
            print(f"{path.name:<32}{before.share:>8.0%}{'-':>8}  no line of the reading shows a speaker label")
            share_before += before.share
            share_after += before.share
            continue
        after = score(path.name, read_transcript_data(data, str(path), taught=[convention_from_example(line)]), truth)
        fixed += after.right
        share_before += before.share
        share_after += after.share
        verdict = "right" if after.right else "still wrong: " + "; ".join(after.diagnosis[:1])
        print(f"{path.name:<32}{before.share:>8.0%}{after.share:>8.0%}  {line[:50]!r}: {verdict}")
    elapsed = time.perf_counter() - started
    n = len(wrong) or 1
    print(f"\n{len(paths)} held-out files, {len(wrong)} read wrong as shipped (refused files left out); "
          f"one line taught: {int(fixed)} of {len(wrong)} right; words under the right speaker in those files "
          f"{share_before / n:.0%} -> {share_after / n:.0%} (mean per file); taught and read in {elapsed:.1f} s")


if __name__ == "__main__":
    main()
