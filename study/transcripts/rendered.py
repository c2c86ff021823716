"""Turns that come already apart (caption cues, table rows) rendered as text with label lines."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Sequence

from .model import ParsedTranscript, Turn


@dataclass(frozen=True)
class DraftTurn:
    speaker: str
    body: str
    timestamp: str | None = None
    role_hint: str | None = None


def rendered(drafts: Sequence[DraftTurn], layout: str = "", warnings: Sequence[str] = ()) -> ParsedTranscript:
    """Text with a "Name (00:01:02):" line above each body and a blank line between turns."""
    parts, turns, offset = [], [], 0
    for draft in drafts:
        label = f"{draft.speaker} ({draft.timestamp}):" if draft.timestamp else f"{draft.speaker}:"
        parts.append(("\n\n" if parts else "") + label + "\n")
        offset += len(parts[-1])
        turns.append(Turn(draft.speaker, offset, offset + len(draft.body), draft.timestamp, draft.role_hint))
        parts.append(draft.body)
        offset += len(draft.body)
    return ParsedTranscript("".join(parts), tuple(turns), {}, layout=layout, layout_score=1.0 if turns else 0.0,
                            warnings=tuple(warnings))
