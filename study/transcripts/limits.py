"""What reading one file may cost, whatever its size on disk: the text it expands to, the cells
of a table, the pages of a PDF, and the time. A file past a limit is refused with one line naming
the limit; the limits sit far above any interview (a 3-hour interview is ~200,000 characters).
"""
from __future__ import annotations

import time

from .model import Unreadable

MAX_TEXT_CHARACTERS = 20_000_000  # the text a reader may produce (as many as the largest file has bytes)
MAX_TABLE_CELLS = 2_000_000  # cells of a spreadsheet, empty ones included
MAX_TABLE_ROWS = 200_000  # rows of a spreadsheet, empty ones included (a turn or an answer each)
MAX_PDF_PAGES = 2_000
MAX_PDF_PAGE_OPERATIONS = 100_000  # operands and operators of one page (pypdf's parsing budget; a dense page: ~20,000)
MAX_PDF_FORM_USES = 500  # form XObjects drawn on one page (each may draw others)
MAX_READING_SECONDS = 60.0  # checked between pages and rows: a reader's work is cut into small steps


def check_text_size(characters: int) -> None:
    if characters > MAX_TEXT_CHARACTERS:
        raise Unreadable(f"expands to more than {MAX_TEXT_CHARACTERS:,} characters of text, far more than any "
                         "transcript; check that it is the right file, or split it")


class Deadline:
    """``check()`` between steps of a reading: refused once it has taken ``MAX_READING_SECONDS``."""

    def __init__(self, seconds: float | None = None) -> None:
        self.seconds = MAX_READING_SECONDS if seconds is None else seconds
        self.ends = time.monotonic() + self.seconds

    def check(self) -> None:
        if time.monotonic() > self.ends:
            raise Unreadable(f"took longer than {self.seconds:.0f} s to read, more than any transcript needs; "
                             "save it again as .docx or .txt")
