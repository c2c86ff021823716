"""The values every reader produces: a transcript's text and its speaker turns."""
from __future__ import annotations

from dataclasses import dataclass, field

UNKNOWN_SPEAKER = "Unknown"
PROTOCOL_INTERVIEWER = "Interviewer"
PROTOCOL_PARTICIPANT = "Participant"


@dataclass(frozen=True)
class Turn:
    """One speaker turn: ``text[start:end]`` of its ParsedTranscript is the turn's spoken body."""

    speaker: str
    start: int
    end: int
    timestamp: str | None = None
    role_hint: str | None = None  # "interviewer"/"participant"/"other" when the label or format says so


@dataclass(frozen=True)
class ParsedTranscript:
    """A transcript as read: ``text`` in reading order and its turns.

    ``layout`` names the reading that won (``layout_score`` in 0..1, how much of the text it
    explains times how consistent its labels are); ``runner_up``/``runner_up_score`` the best
    other reading, for a preview to show. ``warnings`` lists what a lenient reading kept as text.
    ``header`` with ``text`` holds every word the file's text held (see ``accounting``), but for the line numbers of
    a numbered margin, which ``margin`` keeps with their places (see ``line_numbers``), and what a reader set aside
    from the flow of the text, which ``set_aside`` keeps with theirs: a paged file's running headers, footers and
    page numbers (see ``page_furniture``), a Word document's footnotes and endnotes.
    """

    text: str
    turns: tuple[Turn, ...]
    metadata: dict[str, str] = field(default_factory=dict)
    layout: str = ""
    layout_score: float = 0.0
    runner_up: str | None = None
    runner_up_score: float | None = None
    warnings: tuple[str, ...] = ()
    header: str = ""  # the header's text as it stood above ``text`` (its words are in ``metadata``)
    margin: tuple[tuple[int, str], ...] = ()  # line numbers read as spaces in ``text``: (offset, number)
    set_aside: tuple[tuple[int, str], ...] = ()  # text kept out of ``text``, nobody's speech: (offset, text)

    def turn_text(self, turn: Turn) -> str:
        """The spoken body of ``turn``."""
        return self.text[turn.start:turn.end]


@dataclass(frozen=True)
class SurveyResponse:
    """All open responses of one participant of a survey CSV, as a transcript."""

    participant: str
    parsed: ParsedTranscript


class Unreadable(Exception):
    """A reader's one-line problem; the public functions add the file's path."""
