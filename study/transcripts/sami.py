"""SAMI captions (.smi, .sami): the subtitle files Korean and Japanese broadcasters and players keep, and that
speech-to-text tools still export, as speaker turns.

A ``<SYNC Start=ms>`` opens a caption that lasts until the next; a caption of only ``&nbsp;`` clears the one
before. Each caption's ``<P Class=...>`` names its language track (``KRCC``, ``ENCC``): the track with the most
captions is the transcript, read as caption cues (a "Name:" opening a caption names its speaker); the other
tracks (translations) are notes after it. Tags are markup: ``<br>`` breaks a line, the others go. The file's
``<TITLE>`` is the header. SAMI is SGML, not XML (its tags are seldom closed): it is read by its tags' shapes.
"""
from __future__ import annotations

import html
import re
from collections import Counter
from typing import Sequence

from .captions import Cue, cues_read
from .model import ParsedTranscript, Unreadable
from .rendered import clock
from .taught import Convention
from .text import decode_text

_NOT_SAMI = "is not a SAMI caption file (it needs '<SYNC Start=...>' captions inside a '<BODY>'); re-export it"
_SYNC = re.compile(r"<sync\b[^>]*?\bstart\s*=\s*[\"']?(?P<ms>\d{1,10})[^>]*>", re.IGNORECASE)
_PARAGRAPH = re.compile(r"<p\b(?P<attributes>[^>]*)>", re.IGNORECASE)
_CLASS = re.compile(r"\bclass\s*=\s*[\"']?(?P<name>[\w-]+)", re.IGNORECASE)
_BREAK = re.compile(r"<br\s*/?>", re.IGNORECASE)
_TAG = re.compile(r"<[^<>]*>")
_TITLE = re.compile(r"<title\b[^>]*>(?P<title>.*?)</title>", re.IGNORECASE | re.DOTALL)
_COMMENT = re.compile(r"<!--.*?-->", re.DOTALL)


def read_sami(data: bytes, *, taught: Sequence[Convention] = (), **_options) -> ParsedTranscript:
    source = decode_text(data)
    text = _COMMENT.sub(" ", source)  # the STYLE block sits in a comment
    syncs = list(_SYNC.finditer(text))
    if not syncs:
        raise Unreadable(_NOT_SAMI)
    captions: list[tuple[int, str, str]] = []  # (ms, track, text)
    for sync, after in zip(syncs, [*syncs[1:], None]):
        block = text[sync.end():after.start() if after else _body_end(text, sync.end())]
        captions += [(int(sync["ms"]), track, words) for track, words in _tracks(block) if words]
    if not captions:
        raise Unreadable("has no captions with text (every caption clears the screen); check that it is the right file")
    main = Counter(track for _, track, _ in captions).most_common(1)[0][0]
    cues = [Cue(number, None, clock(ms / 1000), " ".join(words.split()), tuple(words.splitlines()))
            for number, (ms, track, words) in enumerate(((c for c in captions if c[1] == main)), 1)]
    notes = [" ".join(words.split()) for _, track, words in captions if track != main]
    title = _TITLE.search(text)
    header = " ".join(_plain(title["title"]).split()) if title else ""
    return cues_read(cues, header=header, notes=notes, taught=taught)


def _body_end(text: str, start: int) -> int:
    end = re.compile(r"</body>|</sami>", re.IGNORECASE).search(text, start)
    return end.start() if end else len(text)


def _tracks(block: str) -> list[tuple[str, str]]:
    """A caption's paragraphs, each with its class (its language track) and its plain text."""
    paragraphs = list(_PARAGRAPH.finditer(block))
    if not paragraphs:
        return [("", _plain(block))]
    found = []
    for paragraph, after in zip(paragraphs, [*paragraphs[1:], None]):
        track = _CLASS.search(paragraph["attributes"])
        found.append((track["name"].upper() if track else "", _plain(block[paragraph.end():after.start() if after else len(block)])))
    return found


def _plain(markup: str) -> str:
    """Text without tags, ``<br>`` a line break, entities resolved, a non-breaking space a blank."""
    lines = _TAG.sub("", _BREAK.sub("\n", markup))
    return "\n".join(line.strip() for line in html.unescape(lines).replace("\xa0", " ").splitlines() if line.strip())
