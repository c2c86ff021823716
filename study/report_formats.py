"""The report's file formats, and the figure browser the drawn ones need, known without loading
the report's libraries (pandas, plotly, python-docx): a command starts the browser first, so it
comes up in its own process while those load and the report is built (see ``study.report``).
"""
from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from .errors import BadValue
from .static_images import StaticSession

REPORT_FORMATS = {".docx": "docx", ".md": "md", ".html": "html"}
# Word and Markdown show figures as images drawn by the browser; HTML shows them interactive
# (plotly.js inlined), which needs no browser.
DRAWN_FORMATS = ("docx", "md")


def report_format(path: Path | str) -> str:
    """The format a report at ``path`` is written in, by its suffix."""
    path = Path(path)
    fmt = REPORT_FORMATS.get(path.suffix.lower())
    if fmt is None:
        raise BadValue(f"{path}: the report is written as {', '.join(REPORT_FORMATS)}",
                         "choose one of those suffixes")
    return fmt


@contextmanager
def figure_session(path: Path | str) -> Iterator[StaticSession | None]:
    """A browser for the figures of a report written to ``path``, started now so that it comes up
    while the report is built (None for a format whose figures need no browser, or an unknown one)."""
    if REPORT_FORMATS.get(Path(path).suffix.lower()) not in DRAWN_FORMATS:
        yield None
        return
    with StaticSession() as session:
        yield session
