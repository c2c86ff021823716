"""Turns that come already apart (caption cues, table rows) rendered as text with label lines."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Sequence

from .model import ParsedTranscript, Turn


def clock(seconds: float) -> str:
    """A time as every reader gives a turn's: 75.2 seconds -> "0:01:15"."""
    whole = int(seconds)
    return f"{whole // 3600}:{whole % 3600 // 60:02d}:{whole % 60:02d}"


@dataclass(frozen=True)
class DraftTurn:
    speaker: str
    body: str
    timestamp: str | None = None
    role_hint: str | None = None


def rendered(drafts: Sequence[DraftTurn], layout: str = "", warnings: Sequence[str] = (),
             header: str = "") -> ParsedTranscript:
    """Text with a "Name (00:01:02):" line above each body and a blank line between turns; a draft
    without a speaker (a stage note, a caption file's NOTE) is text outside every turn."""
    parts, turns, offset = [], [], 0
    for draft in drafts:
        if draft.speaker:
            label = f"{draft.speaker} ({draft.timestamp}):" if draft.timestamp else f"{draft.speaker}:"
            parts.append(("\n\n" if parts else "") + label + "\n")
        else:
            parts.append("\n\n" if parts else "")
        offset += len(parts[-1])
        if draft.speaker:
            turns.append(Turn(draft.speaker, offset, offset + len(draft.body), draft.timestamp, draft.role_hint))
        parts.append(draft.body)
        offset += len(draft.body)
    return ParsedTranscript("".join(parts), tuple(turns), {}, layout=layout, layout_score=1.0 if turns else 0.0,
                            warnings=tuple(warnings), header=header)
