"""Caption files (.vtt, .srt, .sbv): Zoom, Teams and YouTube captions as speaker turns.

A cue's speaker is its ``<v Name>`` voice tag, else a ``Name:`` or ``Name (Org):`` prefix (a
cue's start is where captioners put names, so one is enough), else the previous cue's speaker; consecutive cues of one speaker make one turn. A cue the reader
cannot place (no timing line, or a malformed one: missing end, negative, letters, no
milliseconds, a doubled arrow, an end before its start) is an error naming the line; read
leniently, its text is kept with the previous cue and reported in ``warnings``. A WebVTT file's
header lines ("Kind:", "Language:") are the reading's ``header``; its NOTE blocks are text outside
every turn (STYLE and REGION blocks are formatting, not text). A cue whose lines each open with a
dash holds an exchange: between a file's two speakers, its lines alternate. A cue whose lines open
with voice tags of their own holds each voice's words.
"""
from __future__ import annotations

import html
import re
from collections import Counter
from dataclasses import dataclass, replace
from typing import Sequence

from .labels import NAME, NAME_CHARS, LabelPattern, label_options, plausible_speaker
from .layouts.rev import PATTERNS as NAME_PATTERNS
from .model import UNKNOWN_SPEAKER, ParsedTranscript, Unreadable
from .rendered import DraftTurn, rendered
from .roles import label_role
from .taught import Convention
from .text import Line, decode_text, lines_of

_NOT_VTT = "is not a valid WebVTT file (it must start with a 'WEBVTT' line, then cues); re-export it"
_VTT_NON_CUE_BLOCKS = ("NOTE", "STYLE", "REGION")
_TIME = r"(?:\d{1,3}:)?\d{1,2}:\d{2}[.,]\d{3}"
_TIMING = re.compile(rf"[ \t]*(?P<start>{_TIME})(?:[ \t]+-->[ \t]+(?P<end>{_TIME})(?:[ \t]+[^\n]*)?|,(?P<sbv_end>{_TIME})[ \t]*)")
_SBV_TIMING = re.compile(rf"[ \t]*{_TIME},{_TIME}[ \t]*")  # YouTube's .sbv: "0:00:03.100,0:00:06.900", no arrow
_VOICE = re.compile(r"^\s*<v(?:\.[\w.-]+)*[ \t]+(?P<speaker>[^>]+)>")
_BREAK = re.compile(r"<br\s*/?>", re.IGNORECASE)  # a line break written as HTML ("<br><br>" between paragraphs)
_TAG = re.compile(r"</?[a-zA-Z][^>]*>|<\d[\d:.]*>")
_EXPECTED = "'hh:mm:ss,mmm --> hh:mm:ss,mmm'"
_CHANGE = re.compile(r"^[ \t]*>{2,3}[ \t]*")  # ">> PRIYA: ...": closed captions mark a change of speaker


@dataclass(frozen=True)
class Cue:
    line: int  # 1-based line number of its timing line (or first line, if it has none)
    speaker: str | None
    timestamp: str | None
    text: str
    lines: tuple[str, ...] = ()  # its text lines without tags, as written
    ident: str = ""  # its identifier line (WebVTT, SRT's number), as written
    change: bool = False  # opened by ">>": closed captions' mark of another speaker


def read_subtitles(data: bytes, subtitle_format: str, *, lenient: bool = False,
                   taught: Sequence[Convention] = (), **_options) -> ParsedTranscript:
    """``taught`` conventions say how a cue's text names its speaker, before the usual prefixes."""
    text = decode_text(data)
    warnings: list[str] = []
    lines = lines_of(text)
    blocks = _cue_blocks(lines)
    header, notes = "", []
    if subtitle_format == "vtt":
        if not blocks or not blocks[0][0].text.lstrip("\ufeff").startswith("WEBVTT"):
            raise Unreadable(_NOT_VTT)
        header = "\n".join(line.text for line in blocks[0])  # "WEBVTT", "Kind: captions", "Language: en"
        notes = ["\n".join(line.text for line in block) for block in blocks[1:] if block[0].text.startswith("NOTE")]
        blocks = [block for block in blocks[1:] if not block[0].text.startswith(_VTT_NON_CUE_BLOCKS)]
    cues = _cues(lines, blocks, lenient, warnings)
    return cues_read(cues, header=header, notes=notes, warnings=warnings, taught=taught)


def cues_read(cues: Sequence[Cue], *, header: str = "", notes: Sequence[str] = (), warnings: Sequence[str] = (),
              taught: Sequence[Convention] = ()) -> ParsedTranscript:
    """Timed cues as turns (any caption format's cues: .vtt, .srt, .sbv, timed text): a cue's speaker is
    its own (a voice tag, an agent), else a name opening its text, else the speaker before it."""
    cues = _named_by_identifiers(cues)
    bracketed = _bracketed_names(cues)
    patterns = (*(LabelPattern(c.regex, self_evident=True) for c in taught), *NAME_PATTERNS, *bracketed)
    split, exchanges = _exchanges(_named_parts(cues, bracketed))
    spoken, unnamed = _unnamed_exchanges(_unnamed_changes(_alternated(_speaker_cues(split, patterns, exchanges),
                                                                      exchanges)), exchanges)
    drafts = [*_merged_turns(spoken), *(DraftTurn("", note) for note in notes)]  # notes: nobody's
    return rendered(drafts, layout="captions", warnings=(*warnings, *([unnamed] if unnamed else [])), header=header)


_CUE_NUMBER = re.compile(r"^[ \t]*\d+[ \t]+")
_ID_IN_PARENTHESES = re.compile(r"[ \t]*\([^()]*\)[ \t]*$")
_IDENT_NAME = re.compile(rf"[^\W\d_][{NAME_CHARS}]{{0,59}}")


def _identifier_name(ident: str) -> str | None:
    """The name a cue identifier holds ('3 "Dana Whitfield" (2617440768)'), less its number, quotes and
    id in parentheses; None for a bare number or a generated id ("d2b0f1c4-4c1e/11-0")."""
    name = _ID_IN_PARENTHESES.sub("", _CUE_NUMBER.sub("", ident)).strip().strip("\"“”'‘’").strip()
    if not _IDENT_NAME.fullmatch(name) or not plausible_speaker(name):
        return None
    if any(any(c.isdigit() for c in word) and any(c.isalpha() for c in word) for word in name.split()):
        return None
    return name


def _named_by_identifiers(cues: Sequence[Cue]) -> list[Cue]:
    """Cues whose identifiers name their speakers, as a meeting platform writes them: when most cues'
    identifiers hold a name and the names recur, a cue with no voice tag is spoken by its identifier's
    name (and a "Name:" opening its text that repeats it is the label, not speech)."""
    names = [_identifier_name(cue.ident) if cue.ident else None for cue in cues]
    counted = Counter(name.casefold() for name in names if name)
    if sum(counted.values()) < _NAMED_SHARE * len(cues) or not any(n > 1 for n in counted.values()) \
            or len(counted) > sum(counted.values()) / 2:
        return list(cues)
    named = []
    for cue, name in zip(cues, names):
        if cue.speaker is None and name:
            found = label_options(Line(0, cue.text), NAME_PATTERNS) if cue.text else []
            same = found and found[0].speaker.casefold() == name.casefold()
            cue = replace(cue, speaker=name, text=cue.text[found[0].body_start:].strip() if same else cue.text)
        named.append(cue)
    return named


_NAMED_SHARE = 0.6


def _cue_blocks(lines: list[Line]) -> list[list[Line]]:
    """Blocks of lines between empty lines: a line holding only spaces does not end a cue (as in
    WebVTT's own rule; a meeting app writes one between two speakers' parts of a cue)."""
    blocks: list[list[Line]] = [[]]
    for line in lines:
        if not line.text.strip("\r\ufeff"):
            blocks.append([])
        else:
            blocks[-1].append(line)
    return [block for block in blocks if any(not line.blank for line in block)]


def _cues(lines: list[Line], blocks: list[list[Line]], lenient: bool, warnings: list[str]) -> list[Cue]:
    numbers = {line.start: index + 1 for index, line in enumerate(lines)}
    cues: list[Cue] = []
    for block in blocks:
        cues.extend(_block_cues(block, numbers, lenient, warnings))
    return _without_rolling_repeats(cues)


def _without_rolling_repeats(cues: list[Cue]) -> list[Cue]:
    """YouTube's rolling captions start each cue with the previous cue's last line; when most
    cues do, that line is kept once."""
    pairs = list(zip(cues, cues[1:]))
    repeats = sum(1 for before, cue in pairs if before.lines and cue.lines and cue.lines[0] == before.lines[-1])
    if not pairs or repeats < _ROLLING_SHARE * len(pairs):
        return cues
    kept = [cues[0]]
    for before, cue in pairs:
        if before.lines and cue.lines and cue.lines[0] == before.lines[-1]:
            cue = Cue(cue.line, cue.speaker, cue.timestamp, " ".join(cue.lines[1:]), cue.lines)
        kept.append(cue)
    return kept


_ROLLING_SHARE = 0.5


def _block_cues(block: list[Line], numbers: dict[int, int], lenient: bool, warnings: list[str]) -> list[Cue]:
    """A block is normally one cue (an id, a timing line, text); it may hold several run together."""
    timings = [index for index, line in enumerate(block) if _is_timing(line.text)]
    if not timings or timings[0] > 1:
        number = numbers[block[0].start]
        quoted = " ".join(line.text for line in block)[:40]
        problem = f"line {number} starts a cue without a 'start --> end' timing line (\"{quoted}\")"
        return _unplaced(number, problem, [line.text for line in block], lenient, warnings)
    cues = []
    for position, index in enumerate(timings):
        stop = timings[position + 1] if position + 1 < len(timings) else len(block)
        body = [line.text for line in block[index + 1:stop]]
        if position + 1 < len(timings) and body and body[-1].strip().isdigit():
            body = body[:-1]  # the next cue's number
        ident = block[index - 1].text if index and (position == 0 or index - 1 > timings[position - 1]) else ""
        cues.extend(replace(cue, ident=ident) for cue in _timed_cue(block[index], numbers[block[index].start], body,
                                                                     lenient, warnings))
    return cues


def _is_timing(text: str) -> bool:
    return "-->" in text or bool(_SBV_TIMING.fullmatch(text))


def _timed_cue(timing: Line, number: int, body: list[str], lenient: bool, warnings: list[str]) -> list[Cue]:
    match = _TIMING.fullmatch(timing.text)
    if match is None:
        problem = f"line {number} has a malformed cue timing \"{timing.text.strip()[:40]}\" (expected {_EXPECTED})"
        return _unplaced(number, problem, body, lenient, warnings)
    if _seconds(match["end"] or match["sbv_end"]) < _seconds(match["start"]):
        problem = f"line {number} has a malformed cue timing: it ends before it starts (\"{timing.text.strip()}\")"
        return _unplaced(number, problem, body, lenient, warnings)
    return [_cue(number, _without_fraction(match["start"]), piece) for part in _voices(body) for piece in _changes(part)]


def _voices(body: list[str]) -> list[list[str]]:
    """A cue's lines, one part per voice when more than one line opens with its own '<v Name>' (two
    speakers in one cue); else the cue whole."""
    starts = [i for i, line in enumerate(body) if _VOICE.match(line)]
    if len(starts) < 2:
        return [body]
    return [body[begin:end] for begin, end in zip([0, *starts[1:]], [*starts[1:], len(body)])]


def _changes(body: list[str]) -> list[list[str]]:
    """A cue's lines, one part per speaker when a line after the first opens with '>>' (a change of speaker)."""
    starts = [i for i, line in enumerate(body) if i and _CHANGE.match(line)]
    return [body[begin:end] for begin, end in zip([0, *starts], [*starts, len(body)])]


def _unplaced(number: int, problem: str, body: list[str], lenient: bool, warnings: list[str]) -> list[Cue]:
    if not lenient:
        raise Unreadable(f"{problem}; the file may be truncated or edited by hand: fix that line or re-export it")
    warnings.append(f"{problem}; its text was kept with the cue before it")
    return [_cue(number, None, [text for text in body if not _is_timing(text)])]


def _cue(number: int, timestamp: str | None, body: list[str]) -> Cue:
    raw = " ".join(body)
    voice = _VOICE.match(raw)
    lines = tuple(clean for line in body
                  if (clean := " ".join(_CHANGE.sub("", html.unescape(_TAG.sub("", _BREAK.sub(" ", line)))).split())))
    return Cue(number, voice["speaker"].strip() if voice else None, timestamp, " ".join(lines), lines,
               change=bool(body) and _CHANGE.match(body[0]) is not None)


def _seconds(time: str) -> float:
    parts = time.replace(",", ".").split(":")
    return sum(float(part) * 60 ** power for power, part in enumerate(reversed(parts)))


def _without_fraction(timestamp: str) -> str:
    return re.sub(r"[.,]\d+$", "", timestamp)


def _speaker_cues(cues: Sequence[Cue], patterns: Sequence[LabelPattern], exchanges: set[int] = frozenset()) -> list[Cue]:
    """Cues with their speaker: a <v Name> voice tag, else a "Name:" prefix (``patterns``), else the previous one;
    but a part of a dashed exchange (``exchanges``) is by another speaker than the one before it: without a label
    it stays unnamed, and so does the cue after it."""
    speaker = None
    result = []
    for index, cue in enumerate(cues):
        found = label_options(Line(0, cue.text), patterns) if cue.speaker is None and cue.text else []
        label = found[0] if found else None
        carried = None if index in exchanges else speaker
        speaker = cue.speaker or (label.speaker if label else carried)
        body = cue.text[label.body_start:].strip() if label else cue.text
        result.append(replace(cue, speaker=speaker, text=body))
    return result


_DASH = re.compile(r"[ \t]*(?:--?|[–—])[ \t]*(?=[^\W\d_]|[\"'“‘¿¡(\[…])")  # "- Hi.", "-Hi.", "-- Hi.", "– Hi."
_SENTENCE_END = re.compile(r"[.?!…\"'”’»)\]][ \t]*$")


def _dialogue_parts(lines: Sequence[str]) -> list[str] | None:
    """A cue's lines as one part per speaker when its lines open with dashes, the subtitlers' mark of a change of
    speaker ("- Is it on?" / "- It's on."): each dash opens a part, an undashed line goes on with the part before
    (a wrapped line); the first line may go without a dash (some style guides mark only the next speaker) when it
    ends a sentence, and so may a line whose next speaker follows a sentence's end on it ("Kako si? -Dobro sam.").
    None when the cue holds one speaker's words."""
    pieces = [piece for line in lines for piece in _MID_LINE_DASH.split(line) if piece.strip()]
    opened = [i for i, piece in enumerate(pieces) if _DASH.match(piece)]
    if len(pieces) < 2 or not opened or opened == [0]:
        return None
    if opened[0] != 0 and not _SENTENCE_END.search(pieces[opened[0] - 1]):
        return None
    starts = sorted({0, *opened})
    return [" ".join(piece[_DASH.match(piece).end():].strip() if _DASH.match(piece) else piece.strip()
                     for piece in pieces[begin:end])
            for begin, end in zip(starts, [*starts[1:], len(pieces)])]


# a speaker's dash after a sentence's end inside a line: "-" before a letter, or a spaced en or em dash
_MID_LINE_DASH = re.compile(r"(?<=[.?!…\"”])[ \t]+(?=-[^\W\d_]|[–—][ \t]+\S)")


def _exchanges(cues: Sequence[Cue]) -> tuple[list[Cue], set[int]]:
    """A cue holding an exchange marked by dashes as one cue per speaker's part, unnamed; returns the cues and
    the indexes of those parts."""
    split: list[Cue] = []
    exchanges: set[int] = set()
    for cue in cues:
        parts = _dialogue_parts(cue.lines) if cue.speaker is None else None
        for text in parts or ():
            exchanges.add(len(split))
            split.append(Cue(cue.line, None, cue.timestamp, text, (text,)))
        if not parts:
            split.append(cue)
    return split, exchanges


def _alternated(cues: list[Cue], exchanges: set[int]) -> list[Cue]:
    """The lines of an exchange between the two speakers of a file alternate: each is the other
    speaker of the cue after it (or, at the file's end, of the cue before it). In a file of more or fewer
    speakers the dashes say that the speaker changed, not who speaks: the parts stay unnamed."""
    named = {cue.speaker for i, cue in enumerate(cues) if i not in exchanges and cue.speaker}
    if len(named) != 2 or not exchanges:
        return cues
    result, placed = list(cues), set()
    for i in sorted(exchanges, reverse=True):
        if i + 1 < len(result) and (i + 1 in placed or i + 1 not in exchanges) and result[i + 1].speaker in named:
            result[i] = replace(result[i], speaker=(named - {result[i + 1].speaker}).pop())
            placed.add(i)
    for i in range(1, len(result)):
        before = result[i - 1].speaker
        if i in exchanges and i not in placed and before in named:
            result[i] = replace(result[i], speaker=(named - {before}).pop())
        elif i not in exchanges and result[i].speaker is None and before in named:
            result[i] = replace(result[i], speaker=before)  # an unlabelled cue after an exchange goes on with it
    return result


def _unnamed_exchanges(cues: list[Cue], exchanges: set[int]) -> tuple[list[Cue], str | None]:
    """The parts of dashed exchanges that no label names, as turns of two voices taking turns ('Speaker A',
    'Speaker B'; the first part of an exchange is A unless the part before it was), so that no part is
    given to the speaker before it, and the cue after them goes on with the last; and a warning saying how many
    parts there are, for the user to name them."""
    unnamed = sorted(i for i in exchanges if cues[i].speaker is None)
    if not unnamed:
        return cues, None
    result, side = list(cues), 1
    for i in unnamed:
        side = 1 - side if i - 1 in unnamed else 0
        result[i] = replace(result[i], speaker=_UNNAMED[side])
    for i in range(1, len(result)):  # an unlabelled cue after an exchange goes on with its last part's voice
        if i not in exchanges and result[i].speaker is None and result[i - 1].speaker in _UNNAMED:
            result[i] = replace(result[i], speaker=result[i - 1].speaker)
    words = sum(len(cues[i].text.split()) for i in unnamed)
    note = (f"{len(unnamed)} parts of its captions ({words} words) are marked only by a dash, which says that "
            f"the speaker changed, not who speaks: they are read as '{_UNNAMED[0]}' and '{_UNNAMED[1]}' taking "
            "turns; name each after import")
    return result, note


_BRACKETED_NAMES = (LabelPattern(re.compile(rf"\[{NAME}\][ \t]*[:：]?(?=\s|$)"), self_evident=True),
                    LabelPattern(re.compile(rf"\({NAME}\)[ \t]*[:：]?(?=\s|$)"), self_evident=True))
_ASIDE = re.compile(r"\s*(?:\[[^\[\]]*\]|\([^()]*\))\s*")
_SEPARATOR = re.compile(r"[\s\-–—]*")


def _bracketed_names(cues: Sequence[Cue]) -> tuple[LabelPattern, ...]:
    """"[Speaker 0] text", "(Dana Reyes)": a name in square brackets or parentheses opens a cue's
    line when one such name opens lines of two or more cues (once, it is an aside: "(laughs)")."""
    found = []
    for pattern in _BRACKETED_NAMES:
        opened = Counter(name for cue in cues if cue.speaker is None
                         for name in {label.speaker for line in cue.lines
                                      for label in label_options(Line(0, line), (pattern,))})
        if any(n > 1 for n in opened.values()):
            found.append(pattern)
    return tuple(found)


def _named_parts(cues: Sequence[Cue], patterns: Sequence[LabelPattern]) -> list[Cue]:
    """A cue holding several speakers' words, each part opened by a bracketed name on its own line,
    as one cue per part; lines of only dashes between the parts are the separator, nobody's words."""
    if not patterns:
        return list(cues)
    parts: list[Cue] = []
    for cue in cues:
        starts = [i for i, line in enumerate(cue.lines) if i and label_options(Line(0, line), patterns)]
        if cue.speaker is not None or not starts:
            parts.append(cue)
            continue
        for begin, end in zip([0, *starts], [*starts, len(cue.lines)]):
            lines = tuple(line for line in cue.lines[begin:end] if not _SEPARATOR.fullmatch(line))
            parts.append(Cue(cue.line, None, cue.timestamp, " ".join(lines), lines))
    return parts


_UNNAMED = ("Speaker A", "Speaker B")


def _unnamed_changes(cues: list[Cue]) -> list[Cue]:
    """Captions that name no one but mark each change of speaker with '>>' (broadcast and video
    captions): two voices taking turns, the first cue's the first; a cue without the mark goes on
    with the speaker before it."""
    if any(cue.speaker for cue in cues) or sum(cue.change for cue in cues) < 2:
        return cues
    side, result = 0, []
    for index, cue in enumerate(cues):
        side = 1 - side if cue.change and index and any(c.text for c in cues[:index]) else side
        result.append(replace(cue, speaker=_UNNAMED[side]))
    return result


def _merged_turns(cues: Sequence[Cue]) -> list[DraftTurn]:
    """Consecutive cues of one speaker as one turn; a cue that is only an aside in brackets
    ("[upbeat music]", a service's "(Transcribed by ...)") is a note, nobody's speech."""
    drafts: list[DraftTurn] = []
    for cue in cues:
        speaker = cue.speaker or UNKNOWN_SPEAKER
        if not cue.text:
            continue
        if _ASIDE.fullmatch(cue.text):
            drafts.append(DraftTurn("", cue.text))
        elif drafts and drafts[-1].speaker == speaker:
            drafts[-1] = DraftTurn(speaker, f"{drafts[-1].body} {cue.text}", drafts[-1].timestamp, drafts[-1].role_hint)
        else:
            drafts.append(DraftTurn(speaker, cue.text, cue.timestamp, label_role(speaker)))
    if not any(draft.speaker for draft in drafts):
        raise Unreadable("contains no captions with text; check that it is the right file")
    return drafts
