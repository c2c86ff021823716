"""Caption files (.vtt, .srt): cues with a <v Name> voice tag, a "Name:" prefix or no name (the
previous speaker goes on); consecutive cues of one speaker make one turn."""
from __future__ import annotations

import io
import re
from dataclasses import dataclass
from typing import Sequence

import webvtt

from .labels import accepted_labels
from .layouts.rev import PATTERNS as NAME_PATTERNS
from .model import UNKNOWN_SPEAKER, ParsedTranscript, Unreadable
from .rendered import DraftTurn, rendered
from .text import Line, blocks_of, decode_text, lines_of


_SUBTITLE_PROBLEMS = {
    "vtt": "is not a valid WebVTT file (it must start with a 'WEBVTT' line, then cues); re-export it",
    "srt": "is not a valid SubRip file (numbered cues with 'start --> end' lines); re-export it",
}
_VTT_NON_CUE_BLOCKS = ("NOTE", "STYLE", "REGION")


@dataclass(frozen=True)
class _Cue:
    speaker: str | None
    timestamp: str
    text: str


def read_subtitles(data: bytes, subtitle_format: str, **_options) -> ParsedTranscript:
    text = decode_text(data)
    _check_cue_blocks(text, subtitle_format)
    try:
        captions = webvtt.from_buffer(io.StringIO(text), format=subtitle_format, strict=True).captions
    except webvtt.errors.MalformedFileError:
        raise Unreadable(_SUBTITLE_PROBLEMS[subtitle_format]) from None
    except webvtt.errors.MalformedCaptionError as exc:
        raise Unreadable(f"has a malformed cue ({exc}); the file may be truncated, re-export it") from None
    return rendered(_merged_turns(_speaker_cues(captions)), layout="captions")


def _check_cue_blocks(text: str, subtitle_format: str) -> None:
    """Every block needs a timing line: webvtt-py skips or swallows those without, losing text."""
    blocks = blocks_of(lines_of(text))
    if subtitle_format == "vtt":
        blocks = blocks[1:]  # the WEBVTT header block
    for block in blocks:
        if not any("-->" in line.text for line in block) and not block[0].text.startswith(_VTT_NON_CUE_BLOCKS):
            quoted = " ".join(line.text for line in block)[:40]
            raise Unreadable(
                f"has a cue without a 'start --> end' timing line (\"{quoted}\"); "
                "the file may be truncated, re-export it"
            )


def _speaker_cues(captions: Sequence[webvtt.Caption]) -> list[_Cue]:
    """Cues with their speaker: a <v Name> voice tag, else a "Name:" prefix, else the previous one."""
    cues = [
        _Cue(caption.voice, _without_fraction(caption.start), " ".join(caption.text.split()))
        for caption in captions
    ]
    unvoiced = [Line(0, cue.text) for cue in cues if cue.speaker is None and cue.text]
    labels = {label.line.text: label for label in accepted_labels(unvoiced, NAME_PATTERNS)}
    speaker = None
    result = []
    for cue in cues:
        label = labels.get(cue.text) if cue.speaker is None else None
        speaker = cue.speaker or (label.speaker if label else speaker)
        body = cue.text[label.body_start:].strip() if label else cue.text
        result.append(_Cue(speaker, cue.timestamp, body))
    return result


def _without_fraction(timestamp: str) -> str:
    return re.sub(r"[.,]\d+$", "", timestamp)


def _merged_turns(cues: Sequence[_Cue]) -> list[DraftTurn]:
    drafts: list[DraftTurn] = []
    for cue in cues:
        speaker = cue.speaker or UNKNOWN_SPEAKER
        if not cue.text:
            continue
        if drafts and drafts[-1].speaker == speaker:
            drafts[-1] = DraftTurn(speaker, f"{drafts[-1].body} {cue.text}", drafts[-1].timestamp)
        else:
            drafts.append(DraftTurn(speaker, cue.text, cue.timestamp))
    if not drafts:
        raise Unreadable("contains no captions with text; check that it is the right file")
    return drafts


