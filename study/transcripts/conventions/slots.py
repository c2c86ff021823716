"""Where a speaker label can stand on a line, whatever the document's convention.

Before a label there may be noise that marks no speaker: a line number, a time, a time range, a
date-and-time stamp (``prefix_end``). At that place a label is a name in brackets of any kind
(``[Speaker 1]``, ``(佐藤)``, ``<Name>``, ``{Name}``, ``**Name:**``, ``*Name*``, ``<tag>Name</tag>:``,
``山本「…」``),
a name followed by a colon or, for short codes, a full stop or parenthesis (``P1.``, ``Q1)``), a
name and a spaced dash (``MOD - text``), or a short name alone on the line (its words below). A time after the name goes to the turn. Each candidate names its *shape*:
one convention is one shape used throughout a document (``choice`` picks it).
"""
from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, replace
from functools import lru_cache

from ..labels import MAX_LABEL_WORDS, NAME_CHARS, honorific, label_words, plausible_speaker, tidy_speaker
from ..rendered import clock
from ..roles import role_label, role_named
from ..text import WORD, Line

TIME = r"(?:\d{1,2}[:：]\d{1,2}[:：]\d{1,2}|\d{1,2}[:：]\d{2})(?:[.,]\d{1,3})?"  # any script's digits, either colon
# Between the two times of a range: dashes, arrows (ASCII or Unicode), tildes, "to".
_TO = r"(?:-->|->|→|⟶|➔|-|–|—|~|〜|～|to)"
_RANGE = rf"{TIME}(?:[ \t]*{_TO}[ \t]*{TIME})?"
# Seconds with their unit, as diarising speech-to-text scripts write a segment: "[0.00s -> 4.20s]"; only
# as a range in brackets ("a 3.5s delay" in speech is no time).
_SECONDS_RANGE = r"\d{1,6}(?:[.,]\d{1,3})?s[ \t]*(?:-->|->|→|-|–|—|~|to)[ \t]*\d{1,6}(?:[.,]\d{1,3})?s"
_SPEECH_MARK = "[○◯●]"  # "○山本花子君　…": minutes mark each speech with a circle before the name
# Noise before a label: a line or turn number ("12", "3."), a heading's hashes, a time or time range (bare or bracketed),
# a date and time.
_PREFIX = re.compile(
    rf"(?:[ \t]*(?:\d{{1,4}}[.)]?(?=[ \t])|#{{1,6}}(?=[ \t])|>{{2,3}}(?=[ \t])|{_SPEECH_MARK}|[\[(（](?:{_RANGE}|{_SECONDS_RANGE})[\])）]|{_RANGE}(?=[ \t]|$)|"
    rf"\[[\d/.\-]{{6,10}},?[ \t]+{TIME}(?:[ \t]*[AP]M)?\])[ \t]*(?:[-–][ \t]+)?)*"
)
# A time (or range) after a name, in brackets or bare.
# ... or a Markdown link whose text is the time ("[(00:01:10)](https://...&t=70)", a podcast page's link to the moment).
_AFTER_TIME = re.compile(rf"[ \t]*(?:\[[\[(]?(?P<t3>{TIME})[\])]?\]\([^()\s]*\)|"
                         rf"[\[(（](?:(?P<t1>{TIME})(?:[ \t]*{_TO}[ \t]*{TIME})?|{_SECONDS_RANGE})[\])）]|(?P<t2>{TIME})"
                         rf"(?:[ \t]*{_TO}[ \t]*{TIME})?(?![\d:]))")
_PAIRS = {"**": "**", "__": "__", "[": "]", "(": ")", "（": "）", "【": "】", "<": ">", "*": "*", "_": "_", "{": "}"}
_OPENERS = ("**", "__", "[", "(", "（", "【", "<", "*", "_", "{")
# A name; a star between letters is German's gender star ("Interviewer*in", "Befragte*r").
_NAME_CHARS = re.compile(rf"[^\W\d_](?:[{NAME_CHARS}]|\*(?=[^\W\d_])){{0,59}}")
_SHORT_CODE = re.compile(r"[^\W\d_]{1,3}[ \t]?\d{0,3}")  # "Q", "P1", "RK", "D": may end with a full stop
_TAG = re.compile(r"<(?P<tag>[^\W\d_][\w\-]{0,30})>(?:(?P<inner>[^<>\n:：]{1,60})(?P<within>[:：])?"
                  r"</(?P=tag)>[ \t]*(?(within)|[:：]))?")
_VOICE = re.compile(r"<v(?:\.[\w.-]+)?[ \t]+(?P<name>[^<>\n]{1,60})>")
_ALONE_END = ".?!,;…"


@dataclass(frozen=True, slots=True)
class Candidate:
    """One reading of a line as a speaker label of ``shape``."""

    line: Line
    shape: str  # "[]", "**", "()", "plain", "alone", "tag", "voice"...
    speaker: str
    start: int  # where the label starts in the text
    body_start: int  # where the words start (the next line's start when the label stands alone)
    timestamp: str | None
    glued: bool = False  # "Speaker 1:13": a label only for a speaker labelled without a mark elsewhere


def time_alone(text: str) -> str | None:
    """The time of a line that holds nothing else ("(1:15)", "[00:03:10]"; a caption's timing
    "0:0:5.120 --> 0:0:8.0" without its fraction), else None."""
    match = _TIME_ALONE.fullmatch(text)
    if not match:
        return None
    return re.sub(r"[.,]\d+$", "", match["t"]) if "-->" in text else match["t"]


# "(00:00:31):": a label that names no one, the time of the same speaker going on (a podcast page's transcript)
_TIME_ALONE = re.compile(rf"[ \t]*[\[(（]?(?P<t>{TIME})(?:[ \t]*{_TO}[ \t]*{TIME})?[\])）]?[:：]?[ \t]*")


def prefix_end(text: str) -> int:
    """Where a label may start on a line: after any indentation, line number, time or date stamp."""
    at = _PREFIX.match(text).end()
    at += len(text) - at - len(text[at:].lstrip(" \t\u3000"))
    symbols = at
    while symbols < len(text) and symbols - at < 4 and unicodedata.category(text[symbols]) in _PICTURES:
        symbols += 1
    if symbols > at and text[symbols:symbols + 1] in (" ", "\t"):  # "🎙️ Ana: ...": a picture before the label
        at = symbols + len(text) - symbols - len(text[symbols:].lstrip(" \t\u3000"))
    bullet = _BULLET_BEFORE_MARKUP.match(text, at)  # "- **Ana:** ...", "> **Ana**: ...": a list item or quotation
    return bullet.end() if bullet else at


_BULLET_BEFORE_MARKUP = re.compile(r"[-*•>][ \t]+(?=\*\*|__|\[)")


_PICTURES = frozenset({"So", "Sk", "Mn", "Cf"})  # emoji and pictographs, their variation selectors and joiners


def candidates(line: Line) -> list[Candidate]:
    """Every reading of ``line`` as a label, in any shape."""
    text = line.text
    at = prefix_end(text)
    if at >= len(text):
        return []
    found = [_bracketed(line, at), _tag(line, at), _plain(line, at), _dashed(line, at), _stop_dash(line, at), _capitals(line, at),
             _titled(line, at), _quoted(line, at), _circled(line, at), _alone(line, at), _spaced(line, at)]
    stamp = time_before(text[:at]) if at else None  # "(0:42) **Name:**": the time before the label
    return [replace(candidate, timestamp=stamp) if stamp and not candidate.timestamp else candidate
            for candidate in found if candidate is not None]


def time_before(prefix: str) -> str | None:
    """The clock time in the noise before a label, or the start of a range of seconds ("[9.85s -> 15.10s]"
    is "0:00:09")."""
    time = re.search(TIME, prefix)
    if time:
        return time.group()
    seconds = re.search(_SECONDS_RANGE, prefix)
    if not seconds:
        return None
    return clock(float(seconds.group().split("s")[0].replace(",", ".")))


def _bracketed(line: Line, at: int) -> Candidate | None:
    text = line.text
    opener = next((o for o in _OPENERS if text.startswith(o, at)), None)
    if opener is None or opener == "<":
        return None
    close = _PAIRS[opener]
    end = text.find(close, at + len(opener))
    if end < 0 or end - at > 90:
        return None
    inner = text[at + len(opener):end]
    name, timestamp = _name_and_time(inner)
    rest = end + len(close)
    if name is None:
        return None
    after = _SEPARATOR.match(text, rest).end()
    time_after = _AFTER_TIME.match(text, after)
    if time_after:
        timestamp = timestamp or time_after["t1"] or time_after["t2"] or time_after["t3"]
        after = re.compile(r"[ \t]*[:：]?[ \t]*").match(text, time_after.end()).end()
    shape = opener + close
    return _candidate(line, shape, name, at, after, timestamp)


_SEPARATOR = re.compile(r"[ \t]*(?:[:：]|[-–—](?=[ \t]))?")  # "[Ana]: ", "__Ana__ — ": never "Ana-me"


def _tag(line: Line, at: int) -> Candidate | None:
    text = line.text
    if not text.startswith("<", at):
        return None
    voice = _VOICE.match(text, at)
    if voice:
        return _candidate(line, "voice", voice["name"].strip(), at, voice.end(), None)
    tag = _TAG.match(text, at)
    if not tag:
        return None
    if tag["tag"].casefold() in _MARKUP_TAGS:  # "<u>Kelli Shaver:</u>": a name in markup, as bold is
        name, timestamp = _name_and_time(tag["inner"] or "")
        return _candidate(line, "tag", name, at, tag.end(), timestamp) if name else None
    name = (tag["inner"] or tag["tag"]).strip()
    return _candidate(line, "tag", name, at, tag.end(), None)


_MARKUP_TAGS = frozenset("b i u em strong span p br div font s small big sup sub mark c v".split())


def _plain(line: Line, at: int) -> Candidate | None:
    """``Name: words``, ``Name (0:03): words``, ``Name:`` alone; ``Q. words`` for a short code."""
    text = line.text
    if not _NAME_CHARS.match(text, at):
        return None
    head = text[at:at + 90]
    for colon in _colons(head):  # "Ana (00:01:02): ..."
        if head[colon + 1:colon + 3] == "//":
            break
        name, timestamp = _name_and_time(head[:colon])
        in_time = head[colon - 1].isdigit() and head[colon + 1:colon + 2].isdigit()  # "Ana Lee 0:03"
        if name is not None and (not in_time or _GLUED.fullmatch(head, colon + 1)):
            return _after_colon(line, at, colon, name, timestamp)
    code = _CODE_END.search(head, 0, 8)
    if code and _SHORT_CODE.fullmatch(head[:code.start()]) and not honorific(head[:code.start()] + " x"):  # "Q.", "P1.", "Q1)"; not "Mrs."
        name, _ = _name_and_time(head[:code.start()])
        if name is not None:
            return _candidate(line, "plain", name, at, at + code.end(), None)
    return None


_CAPITAL_WORD = r"(?:[^\W\d_]{1,3}\.|[^\W\d_][^\W\d_'’\-]*)"  # a word, or a short one with its dot ("MR.", "DR.")
_CAPITAL_WORDS = re.compile(rf"(?P<name>{_CAPITAL_WORD}(?:[ \t]{_CAPITAL_WORD}){{0,3}}?)\.[ \t]+(?=\S)")


def _capitals(line: Line, at: int) -> Candidate | None:
    """``MR. SMITH. Thank you.``, ``THE COURT. Proceed.``: a name in capitals closed by a full stop
    (a hearing's or a play's convention), honorifics' dots inside it; the longest such name."""
    best = None
    for match in _CAPITAL_WORDS.finditer(line.text, at, at + 50):
        if match.start() != at:
            break
        name = match["name"]
        if not name.isupper() or sum(c.isalpha() for c in name) < 2:
            break
        best = match
    return _candidate(line, "capitals.", best["name"], at, best.end(), None) if best else None


def _stop_dash(line: Line, at: int) -> Candidate | None:
    """``P.- ¿...?``, ``SRA. MORALES.- words``: a name closed by a full stop and a dash glued to it (Spanish
    press interviews and statements)."""
    match = _STOP_DASH.match(line.text, at)
    if not match:
        return None
    name, timestamp = _name_and_time(match["name"])
    return _candidate(line, ".-", name, at, match.end(), timestamp) if name else None


_STOP_DASH = re.compile(rf"(?P<name>[^\W\d_][{NAME_CHARS}]{{0,59}}?)\.[-–—](?=[ \t]|$)")


def _titled(line: Line, at: int) -> Candidate | None:
    """``M. le président. words``, ``Mme Lucie Marchand. words``, ``M. Paul Roussel, ministre des
    transports. words``: a name opened by a title and closed by a full stop, in any case (a senate's
    record); an office after a comma belongs to the label, not to the name."""
    match = _TITLED.match(line.text, at)
    if not match or not honorific(match["name"]):
        return None
    return _candidate(line, "title.", match["name"], at, match.end(), None)


_TITLED = re.compile(rf"(?P<name>[^\W\d_]{{1,5}}\.?[ \t]+(?:[^\W\d_][{WORD}'’\-]*[ \t]+){{0,4}}?[^\W\d_][{WORD}'’\-]*)"
                     r"(?:,[ \t][^.\n]{1,80}?)?\.[ \t]+(?=\S)")


def _circled(line: Line, at: int) -> Candidate | None:
    """``○山本花子君　words``, ``○国務大臣(佐藤一郎君)　words``: after a speech mark, the name runs to a
    full-width space (Japanese minutes)."""
    if not at or not re.fullmatch(rf"[ \t]*{_SPEECH_MARK}", line.text[:at]):
        return None
    space = line.text.find("\u3000", at, at + 30)
    name = line.text[at:space] if space > at else ""
    if not name or any(c in name for c in " \t、。"):
        return None
    return _candidate(line, "○", name, at, space + 1, None)


def _quoted(line: Line, at: int) -> Candidate | None:
    """``山本「…」``: a name glued to the corner bracket that opens its words (Japanese transcripts)."""
    quote = _QUOTED.match(line.text, at)
    return _candidate(line, "「」", quote["name"], at, quote.end() - 1, None) if quote else None


_QUOTED = re.compile(rf"(?P<name>[^\W\d_][{WORD}・]{{0,9}})[「『]")


def _dashed(line: Line, at: int) -> Candidate | None:
    """``MOD - text``: a name of a few words, then a dash apart from the words on both sides."""
    dash = _SPACED_DASH.search(line.text, at, at + 40)
    if dash and _DASHED_NAME.fullmatch(line.text, at, dash.start()):
        return _candidate(line, "dash", line.text[at:dash.start()], at, dash.end(), None)
    return None


_DASHED_NAME = re.compile(r"[^\W\d_][^\W\d_'’.]*(?:[ .][^\W\d_'’.]+){0,2}\.?")


_CODE_END = re.compile(r"[.)](?=[ \t]|$)")
# "MOD - text", "Mara > text", "Mara » text", "Mara | text": a name, then a separator apart from the words
_SPACED_DASH = re.compile(r"[ \t]+(?:[-–—]|>{1,2}|»|\|)[ \t]+")


def _colons(head: str) -> list[int]:
    """Where the first colons of ``head`` are (at most four)."""
    found, at = [], head.find(":")
    while at >= 0 and len(found) < 4:
        found.append(at)
        at = head.find(":", at + 1)
    if "：" in head:
        found = sorted(found + [i for i, char in enumerate(head) if char == "："])[:4]
    return found


_GLUED = re.compile(r"\d+[ \t]*$")


def _after_colon(line: Line, at: int, colon: int, name: str, timestamp: str | None) -> Candidate | None:
    text, body = line.text, at + colon + 1
    if text[body:body + 1] in (":", "："):  # "Amina :: text": the colon doubled
        body += 1
    if text[body:body + 1].isdigit():
        if _GLUED.match(text, body):  # "Speaker 1:13": a memo mark glued to a label
            return replace(_candidate(line, "plain", name, at, body, timestamp), glued=True)
        time_after = _AFTER_TIME.match(text, body)
        if not time_after:
            return None  # "12:30"
    time_after = _AFTER_TIME.match(text, body)
    if time_after:
        timestamp = timestamp or time_after["t1"] or time_after["t2"] or time_after["t3"]
        body = time_after.end()
    return _candidate(line, "plain", name, at, body, timestamp)


def _alone(line: Line, at: int) -> Candidate | None:
    text = line.text.rstrip()
    rest = text[at:]
    if len(rest) > 70 or rest.endswith(tuple(_ALONE_END)) or not rest:
        return None
    name, timestamp = _name_and_time(rest)
    if name is None or label_words(name) > 4:
        return None
    return _candidate(line, "alone", name, at, len(line.text), timestamp)


def _spaced(line: Line, at: int) -> Candidate | None:
    """``Interviewer How did you start?``, ``Participant 3 We walk.``, ``R My father...``, ``B Eigentlich...``: a role
    label and a space, no mark between label and words (a PDF's text of a table with a label column, a typist's
    spaces); the longest of up to three words that is a role label, not one ending in "I" or "A" (words of English),
    or a capital letter alone (any letter: the choice keeps letters only when they recur and take turns)."""
    found = _SPACED_WORDS.match(line.text, at)
    if not found:
        return None
    words = found.group().split()
    for count in range(len(words), 0, -1):
        name = " ".join(words[:count])
        if (role_label(name) is not None and not (count > 1 and words[count - 1] in ("I", "A"))) \
                or (count == 1 and len(name) == 1 and name.isupper()):
            rest = line.text[at + len(name):]
            if rest[:1] == " " and rest.strip() and rest.strip()[0] not in _SPACED_NOT_AFTER:  # a tab: a table's cells
                return _candidate(line, "spaced", name, at, at + len(name), None)
    return None


_SPACED_WORDS = re.compile(r"[^\W\d_][^\W\d_'’]{0,20}(?: (?:\d{1,3}|[^\W\d_]))?(?: (?:\d{1,3}|[A-Z]))?")
_SPACED_NOT_AFTER = frozenset(":：.-–—>|)]")  # another shape's label ("I: ", "P1. ", "MOD - "): not this one


def _candidate(line: Line, shape: str, name: str, at: int, body: int, timestamp: str | None) -> Candidate | None:
    body = len(line.text) if body >= len(line.text.rstrip()) else body
    while body < len(line.text) and line.text[body] in " \t":
        body += 1
    speaker = tidy_speaker(name)
    return Candidate(line, shape, speaker, line.start + at, line.start + body, timestamp)


@lru_cache(maxsize=8192)
def _name_and_time(inner: str) -> tuple[str | None, str | None]:
    """A label's name and any time written inside it ("Speaker 1 (00:02)", "Ana Lee 0:03")."""
    inner = inner.strip().rstrip(":：").strip()
    timestamp = None
    time = re.search(rf"[ \t]*(?:[-–—/|·][ \t]+)?[\[(（]?(?P<t>{TIME})(?:[ \t]*(?:-->|-|–|—)[ \t]*{TIME})?[\])）]?$", inner)
    if time and time.start() > 0:
        timestamp, inner = time["t"], inner[:time.start()].rstrip().rstrip(":：,").rstrip()
    elif (seconds := re.search(rf"[ \t]*[\[(（]{_SECONDS_RANGE}[\])）]$", inner)) and seconds.start() > 0:
        timestamp = time_before(seconds.group())  # "SPEAKER_00 [4.20s - 9.85s]": the segment's start
        inner = inner[:seconds.start()].rstrip()
    if not inner or not _NAME_CHARS.fullmatch(inner) or label_words(inner) > MAX_LABEL_WORDS:
        return None, None
    if not plausible_speaker(inner) and role_named(inner) is None:  # "Question", "Answer" are labels here
        return None, None
    return inner, timestamp
