"""Turn starts taught by the user: one example line, or a regular expression, becomes a convention
that re-reads a whole transcript.

``convention_from_example("[Speaker 1] Thanks for joining")`` finds the speaker label at the line's
start (in brackets, before a colon or a dash, in bold, in capitals, with timestamps before or after
it; a word and a number with nothing after them, "Speaker 1 Thanks"), or the words you name as the
speaker, and turns the line's shape into a regular expression:
times become any time, numbers any number, the speaker any name in the same place.
``convention_from_pattern(r"^(?P<speaker>[A-Z]+) >> ")`` takes the expression as written; its
``speaker`` group is the speaker, a ``timestamp`` group the turn's time.
``reread(parsed, conventions)`` reads the transcript again with them: a turn starts at every line
they match, and runs to the next. Pure: text in, turns out.

Example: ``convention_from_example("[Speaker 1] Thanks").regex.match("[Interviewer] Hi")["speaker"] == "Interviewer"``
"""
from __future__ import annotations

import re
from dataclasses import dataclass, replace
from functools import cached_property
from typing import Sequence

import regex as timed_re  # re's syntax, and a timeout on each match: a user's pattern may backtrack without end

from study.errors import StudyError

from .labels import Label, LabelPattern, proposal_from_labels, tidy_speaker
from .model import ParsedTranscript, Unreadable
from .notes import speech_end
from .reading import Document, scored
from .text import WORD, lines_of

LAYOUT = "taught"
MAX_LABEL = 80  # a speaker label (with its times) fits in a line's first characters

_TIME = r"\d{1,2}:\d{2}(?::\d{2})?(?:[.,]\d{1,3})?"
_TIME_IN = rf"[\[(]?{_TIME}[\])]?"  # "00:01:02", "[00:01]", "(1:02:03.5)"
_PAIRS = {"[": "]", "(": ")", "<": ">", "{": "}", "【": "】", "«": "»"}
# Words in capitals ("JANE ROE", "DR. O'BRIEN"): a word holding a small letter ends the name.
_CAPITAL_WORD = r"[^\W\d_a-z](?:[^\W_a-z]|['’.\-])*"
_CAPITALS = rf"{_CAPITAL_WORD}(?:[ \t]+{_CAPITAL_WORD})*(?=[ \t.:]|$)"
_SEPARATORS = r"(?:[:：]|[ \t]+[-–—>|]|[-–—>|])"
# A name alone on its line ("Kofi Mensah", "Dr. Roe", "Speaker 2", "Ana de la Cruz"): up to four
# words opening with a capital (a number or a particle after the first), and no sentence's end
# ("Yes." and "Why?" are speech, and so is "A small one").
_NAME_WORD = r"[^\W\d_a-z][\w'’.\-]*"
_PARTICLE = r"(?:van|von|der|de|da|del|della|di|du|la|le|bin|ibn|al)"
_NAME_ALONE = rf"{_NAME_WORD}(?:[ \t]+(?:{_NAME_WORD}|{_PARTICLE}|\d{{1,3}})){{0,3}}(?<![.,;:?!…])"
# A speaker label at a line's start, as the shapes transcripts use; each names the speaker group
# and what follows the label up to the spoken words.
_AFTER = rf"(?P<post>[ \t]*(?:{_TIME_IN}[ \t]*)?(?:{_SEPARATORS}[ \t]*)?(?:{_TIME_IN}[ \t]*)?)"
_BEFORE = rf"(?P<pre>[ \t]*(?:[>\-–—*•·#]+[ \t]*)?(?:{_TIME_IN}[ \t]*(?:[-–—|][ \t]*)?)?)"
_SHAPES = (
    ("bracket", re.compile(rf"{_BEFORE}(?P<open>[\[(<{{【«])(?P<speaker>[^\])>}}】»\n]{{1,60}}?)"
                           rf"(?P<close>[\])>}}】»]){_AFTER}")),
    ("bold", re.compile(rf"{_BEFORE}\*\*(?P<speaker>[^*\n]{{1,60}}?)(?P<inside>[ \t]*[:：]?)\*\*{_AFTER}")),
    ("colon", re.compile(rf"{_BEFORE}(?P<speaker>[^\W\d_][^:：\n]{{0,59}}?)"
                         rf"(?P<post>[ \t]*(?:{_TIME_IN}[ \t]*)?[:：][ \t]*(?:{_TIME_IN}[ \t]*)?)")),
    ("dash", re.compile(rf"{_BEFORE}(?P<speaker>[^\W\d_][{WORD}.,'’&() ]{{0,59}}?)"
                        rf"(?P<post>[ \t]+(?:[-–—>|]+)[ \t]*(?:{_TIME_IN}[ \t]*)?)")),
    ("capitals", re.compile(rf"{_BEFORE}(?P<speaker>{_CAPITALS})(?P<post>[.:]?[ \t]+|[ \t]*$)")),
    ("alone", re.compile(r"(?P<pre>[ \t]*)(?P<speaker>[^\W\d_][\w'’.\-]*(?:[ \t]+[\w'’.\-]+){0,3})"
                         r"(?<![.,;:?!…])(?P<post>[ \t]*)$")),  # the whole line, a name in any case
)
# The speaker group a shape becomes: any name where the example had one.
_NAME_BEFORE_COLON = r"(?P<speaker>[^\W\d_][^:：\n]{0,59}?)"
_NAME_BEFORE_DASH = rf"(?P<speaker>[^\W\d_][{WORD}.,'’&() ]{{0,59}}?)"
_NAME_IN_CAPITALS = rf"(?P<speaker>{_CAPITALS})"
_MAX_WORDS = 6
_NUMBERED_NAME = re.compile(r"[^\W\d_]+[ \t]+\d{1,3}(?=[ \t]+[^\W\d_])")  # "Speaker 1 Thanks", "Sprecher 2 Ja"


@dataclass(frozen=True)
class Convention:
    """A taught turn start: ``pattern`` matches at the start of a line that starts a turn, its
    ``speaker`` group the speaker; ``example`` the line it was taught from, if any."""

    pattern: str
    example: str | None = None

    @cached_property
    def regex(self) -> BoundedPattern:
        return BoundedPattern(self.pattern)

    def describe(self) -> str:
        """How the preview and the CLI name it: the example line, else the pattern."""
        return f"like {self.example!r}" if self.example else f"matching {self.pattern!r}"


MAX_MATCH_SECONDS = 0.5  # one line's match; a label is found in microseconds


class BoundedPattern:
    """A taught pattern whose every match ends within ``MAX_MATCH_SECONDS``: a pattern written by
    hand may backtrack without end ("(\\w+ ?)+:" on a long line with no colon hangs Python's re;
    the regex module reads that one, but not "(e|ee)+:"); past the time the reading is refused
    naming the pattern. Matches as ``re.Pattern`` does."""

    def __init__(self, pattern: str) -> None:
        self.pattern = pattern
        self._compiled = timed_re.compile(pattern)
        self.groupindex = self._compiled.groupindex

    def match(self, string: str):
        try:
            return self._compiled.match(string, timeout=MAX_MATCH_SECONDS)
        except TimeoutError:
            raise Unreadable(f"the speaker pattern {self.pattern!r} took over {MAX_MATCH_SECONDS} s on one line "
                             f"({string[:40]!r}...): it can match a line in too many ways, as (a|aa)+ can; "
                             "let each part match one way, e.g. ^(?P<speaker>[^:]+): ") from None


class ConventionError(StudyError):
    """An example line or pattern that cannot teach a turn start."""


def convention_from_example(line: str, speaker: str | None = None) -> Convention:
    """The convention of an example line that starts a turn; ``speaker``, when given, names the
    words of the line that are the speaker (for a label with no mark around it)."""
    line = line.strip("\n")
    if not line.strip():
        raise ConventionError("the example line is empty", "copy a line of the transcript where a turn starts")
    named = speaker.strip() if speaker and speaker.strip() else None
    if named is None and (numbered := _NUMBERED_NAME.match(line.lstrip())):
        named = numbered.group()  # "Speaker 1 Thanks": a word and a number, nothing after them
    pattern = _pattern_of(line, named) or (_pattern_around(line, named) if named else None)
    if pattern is None:
        raise ConventionError(f"no speaker label found at the start of {line.strip()!r}",
                              "name the words that are the speaker, or write the pattern yourself",
                              remedy="name_the_speaker")
    convention = Convention(pattern, example=line.strip())
    found = convention.regex.match(line.lstrip())
    if found is None or not found["speaker"].strip():  # the shape must read its own example back
        raise ConventionError(f"no speaker label found at the start of {line.strip()!r}",
                              "name the words that are the speaker, or write the pattern yourself",
                              remedy="name_the_speaker")
    return convention


def convention_from_pattern(pattern: str) -> Convention:
    """The convention a regular expression states; it must have a ``speaker`` group and never match
    an empty line."""
    try:
        regex = timed_re.compile(pattern)
    except (timed_re.error, re.error) as exc:
        raise ConventionError(f"the speaker pattern {pattern!r} is no regular expression ({exc})",
                              "write a Python regular expression, e.g. ^(?P<speaker>[A-Z]+): ") from None
    if "speaker" not in regex.groupindex:
        raise ConventionError(f"the speaker pattern {pattern!r} has no speaker group",
                              "name the speaker's part (?P<speaker>...), e.g. ^(?P<speaker>[A-Z]+): ")
    if regex.match(""):
        raise ConventionError(f"the speaker pattern {pattern!r} matches an empty line",
                              "make it match the speaker label itself, e.g. ^(?P<speaker>[A-Z]+): ")
    return Convention(pattern.removeprefix("^"))


def reread(parsed: ParsedTranscript, conventions: Sequence[Convention]) -> ParsedTranscript:
    """``parsed`` read again with the taught conventions: a turn starts at every line one of them
    matches (the first that does), to the next. When none matches any line, ``parsed`` as it was,
    with a warning; the earlier reading becomes the runner-up."""
    if not conventions:
        return parsed
    text = parsed.text
    lines = lines_of(text)
    end = speech_end(text, lines)
    document = Document(text, tuple(line for line in lines if line.start < end), end)
    labels = _labels(document, conventions)
    if not labels:
        said = "; ".join(c.describe() for c in conventions)
        return replace(parsed, warnings=(*parsed.warnings, f"no line starts a turn as taught ({said}); "
                                                           f"read as {parsed.layout or 'before'}"))
    proposal = scored(proposal_from_labels(LAYOUT, document, labels,
                                           all_labelled=len(labels) == len(document.speech_lines)), document)
    return replace(parsed, turns=proposal.turns, layout=LAYOUT, layout_score=proposal.score,
                   runner_up=parsed.layout or None, runner_up_score=parsed.layout_score if parsed.layout else None)


def _labels(document: Document, conventions: Sequence[Convention]) -> list[Label]:
    patterns = [(c.regex, LabelPattern(c.regex, self_evident=True)) for c in conventions]
    labels = []
    for line in document.speech_lines:
        stripped = line.text.lstrip()
        start = line.start + len(line.text) - len(stripped)
        for regex, pattern in patterns:
            found = regex.match(stripped)
            if found and (speaker := tidy_speaker(found["speaker"] or "")):
                timestamp = found["timestamp"] if "timestamp" in regex.groupindex else None
                labels.append(Label(line, speaker, start, start + found.end(), timestamp, pattern))
                break
    return labels


def _pattern_of(line: str, named: str | None = None) -> str | None:
    """The pattern of the first label shape the line's start has (whose speaker is ``named``, if given)."""
    head = line.lstrip()[:MAX_LABEL]
    for shape, regex in _SHAPES:
        found = regex.match(head)
        if not found or not _plausible(found["speaker"]) or re.fullmatch(_TIME_IN, found["speaker"].strip()):
            continue
        if named is not None and found["speaker"].strip().casefold() != named.casefold():
            continue
        if shape == "capitals" and not _all_capitals(found["speaker"], head[found.end():]):
            continue
        return _shape_pattern(shape, found)
    return None


def _shape_pattern(shape: str, found: re.Match[str]) -> str:
    pre, post = _general(found["pre"]), _general(found["post"], timestamp="timestamp" not in _general(found["pre"]))
    if not found["post"].strip():  # "[Ana] Hi" teaches "[Ben]: ok" too
        post = f"{post}(?:{_SEPARATORS}[ \\t]*)?" if shape in ("bracket", "bold") else post
    if shape == "bracket":
        close = re.escape(found["close"])
        return (f"{pre}{re.escape(found['open'])}(?P<speaker>[^{close}\\n]{{1,60}}?){close}{post}")
    if shape == "bold":
        return f"{pre}\\*\\*(?P<speaker>[^*\\n]{{1,60}}?){_general(found['inside'])}\\*\\*{post}"
    if shape == "alone":  # the line's end ends the name: any name alone on a line starts a turn,
        spelled = r"[ \t]+".join(re.escape(word) for word in found["speaker"].split())  # and this one in any case
        return f"{pre}(?P<speaker>(?i:{spelled})|{_NAME_ALONE})[ \\t]*$"
    name = {"colon": _NAME_BEFORE_COLON, "dash": _NAME_BEFORE_DASH, "capitals": _NAME_IN_CAPITALS}[shape]
    if shape == "capitals" and not found["post"].strip():
        post = r"[.:]?(?:[ \t]+|$)" if found["post"] else "$"
    return f"{pre}{name}{post}"


def _pattern_around(line: str, speaker: str) -> str:
    """The pattern of a line whose speaker you named: what stands before and after them, generalised;
    the name itself with its numbers generalised ("Speaker 1" reads every "Speaker N")."""
    head = line.lstrip()
    # found in the line itself, case ignored: casefold() changes lengths ("ß" -> "ss"), so its offsets are not the line's
    found = re.search(re.escape(speaker.strip()), head, re.IGNORECASE)
    at = found.start() if found else -1
    if at < 0 or at > MAX_LABEL:
        raise ConventionError(f"{speaker.strip()!r} is not at the start of {line.strip()!r}",
                              "name the speaker as the line writes them")
    name = head[at:at + len(speaker.strip())]
    after = re.match(r"[ \t]*(?:[\])>}】»*]+[ \t]*)?(?:[:：.\-–—>|][ \t]*)?", head[at + len(name):])
    pre = _general(head[:at])
    post = _general(after.group(), timestamp="timestamp" not in pre)
    spoken = "".join(r"\d+" if piece.isdigit() else r"[ \t]+" if piece.isspace() else re.escape(piece)
                     for piece in re.split(r"(\d+|\s+)", name) if piece)
    bare = "" if after.group().strip() else r"(?=[ \t]|$)"  # nothing marks the label's end: a word must
    return f"{pre}(?P<speaker>{spoken}){bare}{post}"


def _general(part: str, timestamp: bool = True) -> str:
    """``part`` as a pattern: its first time the turn's timestamp, times any time, numbers any
    number, spaces any spaces, the rest as written."""
    out, position = [], 0
    for found in re.finditer(rf"{_TIME}|\d+|[ \t]+", part):
        out.append(re.escape(part[position:found.start()]))
        piece = found.group()
        if piece.isspace():
            out.append(r"[ \t]*")
        elif ":" in piece:
            out.append(f"(?P<timestamp>{_TIME})" if timestamp else f"(?:{_TIME})")
            timestamp = False
        else:
            out.append(r"\d+")
        position = found.end()
    out.append(re.escape(part[position:]))
    return "".join(out)


def _plausible(speaker: str) -> bool:
    words = speaker.split()
    return 0 < len(words) <= _MAX_WORDS


def _all_capitals(speaker: str, rest: str) -> bool:
    """A label in capitals ("JANE ROE Thanks"): the name in capitals, at least two letters, the words after not."""
    letters = [c for c in speaker if c.isalpha()]
    return len(letters) >= 2 and speaker.isupper() and not rest[:20].isupper()
