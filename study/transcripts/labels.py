"""Speaker labels at the start of a line, shared by every label-based layout.

A layout names its label patterns (``LabelPattern``); ``label_proposal`` finds the lines that
carry one, tells labels apart from sentences that start with "Word:", and cuts the text into
turns from each label to the next. Timestamps in a label go to the turn's timestamp, never
into its text.
"""
from __future__ import annotations

import re
from bisect import bisect_right
from collections import Counter
from dataclasses import dataclass, replace
from functools import lru_cache
from typing import Callable, Iterable, Sequence

from .model import PROTOCOL_INTERVIEWER, PROTOCOL_PARTICIPANT, Turn
from .notes import ASIDE_PARAGRAPH, NOTE_KEYS
from .reading import Document, Proposal, is_sound_line
from .roles import label_role, legend, role_label
from .text import WORD, Line, non_space_count

# A time; digits of any script ("٠٠:١٥", "００：１２"), a full-width colon as typed with CJK text.
TIME = r"\d{1,2}[:：]\d{2}(?:[:：]\d{2})?(?:[.,]\d{1,3})?"
# A name: starts with a letter; letters, digits, spaces and . , ' ’ & ( ) - inside; lazy.
# What a speaker's name may hold after its first letter: "Dr. Jane Roe, PhD", "O'Neil", "Abg. Tim Brandt (CDU/CSU)".
NAME_CHARS = rf"{WORD}.,'’&()/\- "
# It never ends inside a time: "Ana Lee - 00:00:10" is Ana Lee and a time, not "Ana Lee - 00" at "00:10".
NAME = rf"(?P<speaker>[^\W\d_][{NAME_CHARS}]{{0,59}}?)(?!(?<=\d)[:：]\d\d[:：]\d\d)"
MAX_LABEL_WORDS = 6

# First words that make "Word ...:" a sentence or a sound, not a speaker.
_NOT_SPEAKERS = frozenset(
    "answer question example examples summary see re http https ftp mailto "
    "break music pause laughter laughs laughing crosstalk silence inaudible applause noise background "
    "date time duration location transcript conclusion conclusão conclusión conclusiones fazit tip "
    "warning important edit update source sources ps step phase section part chapter figure table "
    "conclusions result results".split()
) | NOTE_KEYS
PROTOCOL_NAMES = {"interviewer": PROTOCOL_INTERVIEWER, "participant": PROTOCOL_PARTICIPANT}
# A heading or rule line, newline first: a search skips from newline to newline.
_HEADING_LINE = re.compile(r"\n(?:[ \t]*#{1,6}[ \t]+\S.*|[ \t]*(?:---+|\*\*\*+|___+)[ \t]*)$", re.MULTILINE)


@dataclass(frozen=True)
class LabelPattern:
    regex: re.Pattern[str]
    self_evident: bool = False  # the shape alone shows a label
    vouched_by_peers: bool = False  # one corroborated label of this shape vouches for the others
    max_line: int = 0  # if set, longer lines are never this label
    hint: re.Pattern[str] | None = None  # a cheap search the line must pass first (speed only)
    glued: bool = False  # counts only for a speaker also labelled by another pattern
    role: str | None = None  # a fixed role ("Q:"/"A:"): the speaker is that role's protocol name


@dataclass(slots=True)
class Label:
    """A speaker label found on a line; never changed once made (not frozen: there is one per
    labelled line, and a frozen dataclass takes four times as long to make)."""

    line: Line
    speaker: str
    start: int  # where the label starts (after any indentation)
    body_start: int  # offset in the text
    timestamp: str | None
    pattern: LabelPattern


def label_options(line: Line, patterns: Sequence[LabelPattern]) -> list[Label]:
    """Every reading of the line as a label, most specific first ("Speaker 1:12" is two)."""
    stripped = line.text.lstrip()
    indent = len(line.text) - len(stripped)
    options = []
    for pattern in patterns:
        if pattern.max_line and len(stripped) > pattern.max_line:
            continue
        if pattern.hint is not None and not pattern.hint.search(stripped, 0, _LABEL_REACH):
            continue
        match = pattern.regex.match(stripped)
        if match and (pattern.role or plausible_speaker(match["speaker"])):
            timestamp = match["timestamp"] if "timestamp" in pattern.regex.groupindex else None
            speaker = PROTOCOL_NAMES[pattern.role] if pattern.role else tidy_speaker(match["speaker"])
            start = line.start + indent
            options.append(Label(line, speaker, start, start + match.end(), timestamp, pattern))
            if pattern.self_evident:
                break  # it always counts: the readings after it would never be chosen
    return options


# Titles written before a surname ("Mrs. Arkwright", "Abg. Brandt", "Sra. Ruiz"): a name's first word, never a code.
HONORIFICS = frozenset(
    "m mr mrs ms miss mx dr prof sir dame lord lady mme mlle herr frau hr fr abg sr sra srta dra dott sig "
    "don doña dona".split()
)


def honorific(name: str) -> str | None:
    """The title a name opens with ("Mrs. Jean Arkwright" -> "mrs"), else None."""
    first = name.split(maxsplit=1)[0].rstrip(".").casefold() if name.strip() else ""
    return first if first in HONORIFICS and " " in name.strip() else None


def person_key(name: str) -> tuple[str, str, bool] | None:
    """Who a label names, as (title, surname, with given names): "Mrs. Jean Arkwright (Fenbridge)" and
    "Mrs. Arkwright" are ("mrs", "arkwright"); "The Minister for Transport (Mr. Geoffrey Lyle)" is the
    title and surname in its parentheses. None for a name without a title."""
    bare = _QUALIFIER.sub("", name).strip()
    qualifier = name[len(bare):].strip().strip("()").strip()
    for part in (bare, qualifier):
        if part and (title := honorific(part)):
            words = part.split()
            return title, words[-1].strip(".,").casefold(), len(words) > 2
    return None


def label_words(name: str) -> int:
    """How many words a label's name has, not counting what its closing parentheses add: a party,
    a constituency or an institution ("SV Prof. Dr. Jonas Weber (Universität Kassel)": 5)."""
    bare = _QUALIFIER.sub("", name)
    return len(bare.split()) if bare.strip() else len(name.replace("(", " ").split())


_QUALIFIER = re.compile(r"[ \t]*\([^()]{1,50}\)[ \t]*$")


@lru_cache(maxsize=4096)
def plausible_speaker(name: str) -> bool:
    words = name.replace("(", " ").split()
    if not words or not 0 < label_words(name) <= MAX_LABEL_WORDS or words[0].casefold().strip(".,") in _NOT_SPEAKERS:
        return False
    return name.count("(") == name.count(")") and not name.rstrip().endswith((",", "-", "&", "("))


_CODE_PART = re.compile(r"\d+|(?<![A-Za-z])[A-Za-z](?![A-Za-z])|[A-Za-z]{2,}")


@lru_cache(maxsize=4096)
def label_family(name: str) -> str | None:
    """The form of a coded label, for telling its kin: a number is "9", a Latin letter standing alone
    "A", a Latin word "W", the rest as written. "Mother 1" and "Father 2" are "W 9", "Parent B" is
    "W A", "B2" is "A9", "Bさん" is "Aさん". None for a label with no number nor lone letter
    ("Moderator", "Ana Ruiz"): names are not kin by their form."""
    family = _CODE_PART.sub(lambda part: "9" if part.group()[0].isdigit() else "A" if len(part.group()) == 1 else "W",
                            " ".join(name.casefold().split()))
    return family if ("9" in family or "A" in family) and len(family) <= 12 else None


def kin_of_recurring(name: str, recurring: Iterable[str]) -> bool:
    """Whether ``name``, heard once, has the form of a label that recurs: a focus group's "Father 2" or
    "Cさん" who speaks once, beside "Mother 1" or "Aさん" who speak more (participants coded by the
    transcriber are speakers however seldom they speak)."""
    family = label_family(name)
    return family is not None and any(label_family(other) == family for other in recurring if other != name.casefold())


_CAST_KEY = re.compile(r"^[^\w\n]*[^\W\d_][\w \t]{0,30}[:：]")


def named_in_a_cast_line(above: Iterable[str], names: Iterable[str]) -> set[str]:
    """Those of ``names`` (casefolded) that a line above the dialogue lists with another of them, as whole
    words: a cast or participants line ("Participants: MOD, P1, P2, P3", CHAT's "@Participants: CHI
    Target_Child, MOT Mother, INV Investigator") declares its speakers however seldom they speak."""
    wanted = {name.casefold() for name in names}
    declared: set[str] = set()
    for line in above:
        listing = _CAST_KEY.sub("", line, count=1)  # "Present: ...": the key is no one listed
        words = set(re.findall(rf"[{WORD}]+(?:[ \t]\d{{1,3}})?", listing.casefold()))
        listed = wanted & (words | {word.split()[0] for word in words})
        if len(listed) >= 2:
            declared |= listed
    return declared


_REPEATED_NUMBER = re.compile(r"^(?P<name>.*?\b(?P<n>\d+))(?:[ \t]+(?P=n))+$")


@lru_cache(maxsize=4096)
def tidy_speaker(name: str) -> str:
    """One spelling per speaker: spaces collapsed, a doubled number ("Interviewer 2 2") once."""
    name = " ".join(name.split())
    match = _REPEATED_NUMBER.match(name)
    return match["name"] if match else name


_DEFINING = re.compile(r"(?P<long>[^()]+?)[ \t]*\((?P<short>[^()]{1,30})\)")


def defined_at_first_use(names: Iterable[str]) -> dict[str, str]:
    """Labels that define another at their first use, as one speaker: "Interviewer (I)" then "I",
    "Maria (Host)" then "Maria". Returns {casefolded spelling: the name outside the parentheses}
    for both spellings; a name with no such partner is not in it."""
    names = set(names)
    known = {name.casefold() for name in names}
    same: dict[str, str] = {}
    for name in names:
        match = _DEFINING.fullmatch(name.strip())
        if not match:
            continue
        long, short = match["long"].strip(), match["short"].strip()
        partner = next((part for part in (short, long) if part.casefold() in known), None)
        if partner is not None:
            same[name.casefold()] = same[partner.casefold()] = long
    return same


def accepted_labels(lines: Sequence[Line], patterns: Sequence[LabelPattern], needs: str = "",
                    header: str = "") -> list[Label]:
    """The speaker labels among ``lines``, told apart from sentences that start with "Word:".

    A reading counts when its shape is unmistakable, it names a role ("Interviewer", "P3",
    "Speaker 2"), its speaker is labelled at least twice, or every line is labelled; a
    counted label of a distinctive shape (``vouched_by_peers``) vouches for the others.
    """
    options = [found for line in lines if (found := label_options(line, patterns))]
    same = defined_at_first_use(label.speaker for found in options for label in found)
    if same:
        options = [[replace(label, speaker=same.get(label.speaker.casefold(), label.speaker)) for label in found]
                   for found in options]
    every_line_labelled = len(options) == len(lines)
    labelled = Counter(name for found in options for name in {label.speaker.casefold() for label in found})
    unglued = {label.speaker.casefold() for found in options for label in found if not label.pattern.glued}
    recurring = {name for name, n in labelled.items() if n > 1}
    first = next((found[0].line.start for found in options if found[0].speaker.casefold() in recurring), 0)
    cast = named_in_a_cast_line([*header.splitlines(), *(line.text for line in lines if line.start < first)], labelled)

    def counted(label: Label) -> bool:
        if label.pattern.glued:
            return label.speaker.casefold() in unglued
        return (
            every_line_labelled
            or label.pattern.self_evident
            or labelled[label.speaker.casefold()] > 1
            or role_label(label.speaker) is not None
            or kin_of_recurring(label.speaker, recurring)
            or label.speaker.casefold() in cast
        )

    def first(found: list[Label], wanted: Callable[[Label], bool]) -> Label | None:
        for label in found:
            if wanted(label):
                return label
        return None

    chosen = [first(found, counted) for found in options]
    vouching = {label.pattern for label in chosen if label and label.pattern.vouched_by_peers}
    if vouching and any(label is None for label in chosen):
        chosen = [
            label or first(found, lambda other: other.pattern in vouching)
            for label, found in zip(chosen, options)
        ]
    return without_header_blocks([label for label in chosen if label], lines)


_HEADER_WORDS = 8  # a once-used label with no more words than this, beside another, is a header line


def without_header_blocks(labels: list[Label], lines: Sequence[Line]) -> list[Label]:
    """``labels`` less the runs of adjacent lines above the dialogue, each labelled by a name used
    once with a few words after it ("Date: 12/03", "Location: ..."): a header or a record's fields,
    not turns. The dialogue starts at the first name that recurs."""
    counts = Counter(label.speaker.casefold() for label in labels)
    start = next((i for i, label in enumerate(labels) if counts[label.speaker.casefold()] > 1), 0)
    index = {line.start: i for i, line in enumerate(lines)}
    labelled = {label.line.start for label in labels}

    def alone(line: Line) -> bool:  # no line of its own below it: a blank line, a label or the end follows
        after = index[line.start] + 1
        return after == len(lines) or lines[after].start > line.end + 1 or lines[after].start in labelled

    names = set(counts)
    legends = {i for i, label in enumerate(labels[:start]) if _declares_codes(label, names)}
    if legends:  # "Keterangan: P = Peneliti, I = Informan": a legend of the labels below, no one's turn
        return without_header_blocks([label for i, label in enumerate(labels) if i not in legends], lines)
    single = [i < start and _few_words(label) and alone(label.line) and _header_value(label)
              for i, label in enumerate(labels)]
    if not any(single):
        return labels
    dropped = {
        i for i, label in enumerate(labels) if single[i] and any(
            0 <= j < len(labels) and single[j] and abs(index[labels[j].line.start] - index[label.line.start]) == 1
            for j in (i - 1, i + 1))
    }
    if dropped:  # a header stands apart: a blank line or other text between it and the dialogue
        last = labels[max(dropped)].line
        after = index[last.start] + 1
        if after < len(lines) and lines[after].start == last.end + 1 and index[labels[start].line.start] == after:
            return labels
    return [label for i, label in enumerate(labels) if i not in dropped]


def _body(label: Label) -> str:
    return label.line.text[label.body_start - label.line.start:] if label.body_start <= label.line.end else ""


def _few_words(label: Label) -> bool:
    body = _body(label)
    return len(body.split()) <= _HEADER_WORDS and len(body) < 60 and not body.rstrip().endswith(("?", "？"))


def _declares_codes(label: Label, names: set[str]) -> bool:
    """Whether the label's words are a legend of two or more of the document's labels ("P = Peneliti")."""
    body = _body(label)
    return "=" in body and len({code.casefold() for code in legend(body)} & (names - {label.speaker.casefold()})) >= 2


def _header_value(label: Label) -> bool:
    """Whether the line may be a header's: a label naming a role heads a cast list only when its value
    names someone (holds a letter); "Interviewer: 0" is a turn ("Date: 0" may be a record's field)."""
    return role_label(label.speaker) is None or any(character.isalpha() for character in _body(label))


_LABEL_REACH = 120  # a label fits in a line's first characters


def label_proposal(
    layout: str, document: Document, patterns: Sequence[LabelPattern], needs: str = ""
) -> Proposal | None:
    """Turns from each accepted label to the next (or a heading, or the end of speech)."""
    content = document.speech_lines
    labels = accepted_labels(content, patterns, needs, document.header)
    if not labels:
        return None
    return proposal_from_labels(layout, document, labels, all_labelled=len(labels) == len(content))


def proposal_from_labels(layout: str, document: Document, labels: Sequence[Label], all_labelled: bool) -> Proposal:
    headings = _heading_starts(document, labels[0])
    stops = sorted({label.line.start for label in labels} | headings)
    turns = []
    text, speech_end, last_stop = document.text, document.speech_end, len(stops)
    # from the first label to the end of speech: the speech less what lies above the first label
    speech_start = document.lines[0].start
    explained = 0 if headings else document.speech_size - non_space_count(text, speech_start, labels[0].start)
    for label in labels:
        after = bisect_right(stops, label.line.start)
        end = stops[after] if after < last_stop else speech_end
        if headings:  # what lies between a heading and the next label is explained by no one
            explained += non_space_count(text, label.start, end)
        span = _body_span(text, label.body_start, end)
        if span:
            role = label.pattern.role or label_role(label.speaker)
            turns.append(Turn(label.speaker, span[0], span[1], label.timestamp, role))
    sure = frozenset(label.speaker for label in labels if label.pattern.self_evident or label.pattern.vouched_by_peers)
    return Proposal(layout, tuple(turns), explained, consistent=all_labelled and len(labels) > 1, sure=sure)


def _heading_starts(document: Document, first: Label) -> set[int]:
    """Markdown headings and rules end the turn above them: they are neither speech nor swallowed."""
    found = _HEADING_LINE.finditer(document.text, first.line.start, document.speech_end)
    return {match.start() + 1 for match in found}




def _body_span(text: str, start: int, end: int) -> tuple[int, int] | None:
    """A body's span, stripped, without the "Break"/"[Music]" lines that close it, nor a closing
    paragraph that is only an aside in brackets ("*(Recording ends.)*")."""
    while True:
        segment = text[start:end]
        body_end = start + len(segment.rstrip())
        if body_end == start:
            return None
        cut = text.rfind("\n", start, body_end)  # the start of the last line with text, when not the first
        if cut >= 0:
            line_end = text.find("\n", body_end, end)
            last = text[cut + 1:end if line_end < 0 else line_end]
            paragraph = text[start:cut].rstrip(" \t").endswith("\n")  # a blank line above it
            if is_sound_line(last) or (paragraph and ASIDE_PARAGRAPH.fullmatch(last)):
                end = cut
                continue
        return start + len(segment) - len(segment.lstrip()), body_end
