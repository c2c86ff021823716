"""The report's appendix of quotes: every code the source applied (codebook order), its quotes by
participant (natural order), read from the database one code at a time (``findings.code_quotes``).

A document holds at most ``QUOTES_PER_CODE`` quotes of a code (a study of 500 interviews has
hundreds of thousands: tens of thousands of pages no reader turns). A code with more shows the
first quote of each participant in turn (participants in order), then each one's second, and
so on, and says under its heading how many of its quotes and participants it shows; the
appendix opens by saying how many were left out and where every quote is: the CSV file
``write_every_quote`` writes beside the report. Nothing is left out silently.
"""
from __future__ import annotations

import csv
import io
import shutil
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from . import atomic, findings
from .auth import Actor
from .sources import Source
from .store import Study

QUOTES_PER_CODE = 100
CSV_COLUMNS = ("code", "participant", "transcript", "segment", "speaker", "text")


@dataclass(frozen=True)
class CodeQuotes:
    """One code's quotes as the document shows them: ``shown`` is ((participant, (quote, ...)), ...)
    in order, ``quotes`` and ``participants`` count all of the code's (shown or not)."""

    ref: str
    shown: tuple[tuple[str, tuple[dict, ...]], ...]
    quotes: int
    participants: int

    @property
    def shown_quotes(self) -> int:
        return sum(len(quotes) for _, quotes in self.shown)

    @property
    def left_out(self) -> int:
        return self.quotes - self.shown_quotes

    def note(self) -> str:
        """What the heading leaves out, or "" when it shows every quote."""
        if not self.left_out:
            return ""
        return (f"Showing {self.shown_quotes:,} of {self.quotes:,} quotes, from {len(self.shown):,} of "
                f"{self.participants:,} participants (each participant's first quote in turn, then their second, "
                f"and so on); the other {self.left_out:,} are in the file of every quote.")


def appendix(study: Study, asker: Actor, source: str | Source | None = None, per_code: int | None = None,
             every_quote: QuotesFile | None = None) -> Iterator[CodeQuotes]:
    """Each code's quotes, at most ``per_code`` (default ``QUOTES_PER_CODE``) of them shown (see the
    module's docstring); every quote, shown or not, also goes to ``every_quote`` as it is read."""
    per_code = per_code or QUOTES_PER_CODE
    for code in findings.code_quotes(study, asker, source=source):
        if every_quote is not None:
            every_quote.add(code)
        people = [(p["participant"], p["quotes"]) for p in code["participants"]]
        total = sum(len(quotes) for _, quotes in people)
        yield CodeQuotes(code["ref"], _in_turn(people, per_code) if total > per_code else
                         tuple((person, tuple(quotes)) for person, quotes in people), total, len(people))


def _in_turn(people: list[tuple[str, list[dict]]], limit: int) -> tuple[tuple[str, tuple[dict, ...]], ...]:
    """``limit`` quotes: each participant's first in turn, then each one's second, ...; shown in order."""
    taken = [0] * len(people)
    left, depth = limit, 0
    while left:
        for i, (_, quotes) in enumerate(people):
            if left and depth < len(quotes):
                taken[i] += 1
                left -= 1
        depth += 1
    return tuple((person, tuple(quotes[:n])) for (person, quotes), n in zip(people, taken) if n)


def left_out_statement(left_out: int, total: int, quotes_file: str | None) -> str:
    """The appendix's opening sentence when it shows a share of the quotes."""
    where = (f"Every quote is in {quotes_file}, written beside this report." if quotes_file else
             "Every quote can be exported as a table from the quotes of each code (CSV or Excel).")
    return (f"This appendix shows {total - left_out:,} of the {total:,} quotes: a code with more than "
            f"{QUOTES_PER_CODE} shows {QUOTES_PER_CODE}, and says so under its heading. {where}")


def quotes_file_name(report_path: Path | str) -> str:
    """The name of the file of every quote written beside a report at ``report_path``."""
    return f"{Path(report_path).stem}-quotes.csv"


class QuotesFile:
    """Every quote of the appendix as CSV (``CSV_COLUMNS``, in the appendix's order), gathered in a
    temporary file while the appendix is read (one read of the quotes, memory one code's), then
    written beside the report under ``name`` (``write``)."""

    def __init__(self, name: str) -> None:
        self.name, self.quotes = name, 0
        self._file = tempfile.TemporaryFile("w+b")
        self._buffer = io.StringIO()  # a code's rows, then written at once: a readable text file resets
        self._writer = csv.writer(self._buffer, lineterminator="\n")  # its decoder on every write
        self._writer.writerow(CSV_COLUMNS)

    def add(self, code: dict) -> None:
        for person in code["participants"]:
            self._writer.writerows((code["ref"], person["participant"], q["transcript"], q["segment"], q["speaker"],
                                    q["text"]) for q in person["quotes"])
            self.quotes += len(person["quotes"])
        self._file.write(self._buffer.getvalue().encode("utf-8"))
        self._buffer.seek(0)
        self._buffer.truncate()

    def write(self, path: Path | str) -> Path:
        self._file.write(self._buffer.getvalue().encode("utf-8"))  # the header, when no code was added
        self._buffer.seek(0)
        self._buffer.truncate()
        self._file.seek(0)
        with atomic.atomic_write(path, "wb") as handle:
            shutil.copyfileobj(self._file, handle)
        return Path(path)

    def close(self) -> None:
        self._file.close()
