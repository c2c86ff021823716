"""The convention that explains a document best: each shape of label found in it is tried as the
document's convention, with the unnamed turns around it; the reading that explains most of the
text with few names that recur and alternate is chosen.
"""
from __future__ import annotations

import re
from bisect import bisect_right
from collections import Counter, defaultdict
from dataclasses import replace
from typing import Sequence

from ..labels import (PROTOCOL_NAMES, Label, LabelPattern, defined_at_first_use, honorific, kin_of_recurring,
                      named_in_a_cast_line, person_key, proposal_from_labels, without_header_blocks)
from ..model import UNKNOWN_SPEAKER, Turn
from ..reading import Document, Proposal, scored
from ..roles import label_role, legend, qa_role, role_label
from ..text import Line, stripped_span
from . import cells, colours
from .slots import Candidate, candidates, prefix_end, time_alone, time_before
from .unlabelled import ANSWERING, ASKING, Marked, is_heading, is_question, marked, question_line

NAME = "learned convention"
_NAMED = LabelPattern(re.compile(""))
_BRACKETED = LabelPattern(re.compile(""), vouched_by_peers=True)
_ASKS = LabelPattern(re.compile(""), vouched_by_peers=True, role="interviewer")
_ANSWERS = LabelPattern(re.compile(""), vouched_by_peers=True, role="participant")
_SHAPE_NAMES = {
    "[]": "names in square brackets", "{}": "names in braces", "()": "names in parentheses", "（）": "names in parentheses",
    "【】": "names in brackets", "****": "bold names", "____": "bold names", "**": "italic names", "__": "italic names",
    "plain": "names before a colon", "「」": "names before quoted speech", "○": "names after a speech mark", "title.": "titled names before a full stop", "dash": "names before a dash or an arrow", ".-": "names before a full stop and a dash", "alone": "names alone on a line", "tag": "names in tags",
    "voice": "voice tags", "capitals.": "names in capitals before a full stop", "times": "times alone on a line", "times before": "times opening each line, no names", "markers": "turns opened by dashes or arrows", "questions": "questions as headings",
    "questions marked, answers bare": "questions opened by a dash, answers bare", "spaced": "role names before a space",
}
_MAX_SPEAKERS = 12


def propose(document: Document) -> Proposal | None:
    """The best reading of ``document`` by a convention learned from it, or None."""
    lines = document.speech_lines
    if len(lines) < 2:
        return None
    options = [*_label_readings(document, lines), _marker_reading(document, lines), _question_reading(document),
               cells.propose(document), colours.propose(document) if document.formats else None]
    scored_options = [scored(option, document) for option in options
                      if option and len({turn.speaker for turn in option.turns}) > 1]
    if not scored_options and (times := _times_reading(document, lines)):
        return scored(times, document)
    if not scored_options:
        return None
    return max(scored_options, key=_learned_score)


def _learned_score(proposal: Proposal) -> float:
    """The reading's score, less for names that seldom alternate or are many."""
    speakers = [turn.speaker for turn in proposal.turns]
    changes = sum(a != b for a, b in zip(speakers, speakers[1:]))
    alternation = changes / max(1, len(speakers) - 1)
    distinct = len(set(speakers))
    few = 1.0 if distinct <= 8 else 8 / distinct
    return proposal.score * (0.8 + 0.2 * alternation) * few


def _label_readings(document: Document, lines: list[Line]) -> list[Proposal]:
    by_shape: dict[str, list[Candidate]] = defaultdict(list)
    for line in lines:
        for candidate in candidates(line):
            by_shape[candidate.shape].append(candidate)
    readings, marked_at = [], set()
    for shape, found in sorted(by_shape.items(), key=lambda item: item[0] == "spaced"):
        if shape == "spaced":  # "Participant 3: ..." is a label before a colon, not "Participant" before a space
            found = [c for c in found if c.start not in marked_at]
        if len(found) < 2:
            continue
        labels = _accepted(shape, found, lines, document.header)
        if labels:
            marked_at |= {label.start for label in labels}
            readings.append(_reading(document, shape, _with_unnamed(document, lines, labels)))
    return readings


def _accepted(shape: str, found: list[Candidate], lines: list[Line], header: str = "") -> list[Label]:
    """The candidates of one shape that are speakers: names that recur or say a role, numbers
    that change every turn ("P1.", "R1.", "P2.") read as one speaker, header blocks left out."""
    found = _same_people(_numbers_dropped(found))
    counts = Counter(c.speaker.casefold() for c in found if not c.glued)
    recurring = {name for name, n in counts.items() if n > 1}
    declared = _declared(found, lines, header)  # "B = Beobachtung" above the turns: "B:" is a label, once or not
    recurring |= declared
    kept = [c for c in found if _is_speaker(shape, c, counts, recurring)]
    if shape == "alone":
        kept = _names_alone(kept, lines)
    if shape == "spaced":
        kept = _spaced_labels(kept, lines)
    labels = [Label(c.line, c.speaker, c.start, c.body_start, c.timestamp,
                    _vouched(c.speaker.casefold(), recurring, declared) or _pattern(shape, c)) for c in kept]
    labels = without_header_blocks(labels, lines)
    if len(labels) < 2 or len({label.speaker.casefold() for label in labels}) > _MAX_SPEAKERS:
        return []
    return labels


def _pattern(shape: str, candidate: Candidate) -> LabelPattern:
    """A label whose shape shows it (brackets, a tag, a time) vouches for its speaker however seldom they speak."""
    return _NAMED if shape in ("plain", "dash", "alone") and not candidate.timestamp else _BRACKETED


_DISTINCT_SHAPES = frozenset({"voice", "tag", "****", "____", "[]"})


def _is_speaker(shape: str, candidate: Candidate, counts: Counter, recurring: set[str]) -> bool:
    """A name that recurs or says a role; one said once when its shape shows a label (a time, a
    voice tag, bold) beside names that recur; capitals ("THE COURT:") beside two that recur."""
    name = candidate.speaker.casefold()
    if candidate.glued:
        return name in counts
    if name in recurring or role_label(candidate.speaker) is not None or _of_a_series(name, recurring) \
            or kin_of_recurring(name, recurring):
        return True
    if honorific(candidate.speaker) and len(recurring) >= 2:
        return True  # "Mr. Dennis Pollard (Harrow Vale)" heard once beside members who recur
    if candidate.timestamp and shape not in _DISTINCT_SHAPES and len(_body_words(candidate)) == 1:
        return False  # "Schluss der Sitzung: 15:52 Uhr": a key, a time and a unit
    if shape in _DISTINCT_SHAPES or candidate.timestamp:
        return len(recurring) >= 1 or (shape != "alone" and len(counts) >= 2 and candidate.timestamp is not None)
    if shape == "plain":
        return candidate.speaker.isupper() and len(candidate.speaker) > 3 and len(recurring) >= 2
    return shape not in ("alone", "dash") and len(recurring) >= 2


def _spaced_labels(kept: list[Candidate], lines: list[Line]) -> list[Candidate]:
    """Role names before a space, less a bare "Speaker" heard once (a table's header row: "Speaker Transcript"),
    and letters ("I How did...", "R My father...", "B Eigentlich...") only when each recurs and the letters take
    turns: "I think", "I remember", "A lot of" open lines of prose as often in a row. A letter that names no role
    is a label only where the document never writes it as a word ("a", "o", "e", "w" are words of its language)."""
    counts = Counter(c.speaker for c in kept)
    words = _one_letter_words(lines) if any(len(c.speaker) == 1 and role_label(c.speaker) is None for c in kept) else set()
    kept = [c for c in kept if (counts[c.speaker] > 1 or label_role(c.speaker) is not None)
            and not (len(c.speaker) == 1 and role_label(c.speaker) is None and c.speaker.casefold() in words)]
    letters = [c for c in kept if len(c.speaker) == 1]
    changes = sum(a.speaker != b.speaker for a, b in zip(letters, letters[1:]))
    if len({c.speaker for c in letters}) >= 2 and all(counts[c.speaker] > 1 for c in letters) \
            and changes >= 0.8 * (len(letters) - 1):
        return kept
    return [c for c in kept if len(c.speaker) > 1]


def _one_letter_words(lines: list[Line]) -> set[str]:
    """The letters the document writes as words in lower case ("a lot", "e poi", "w domu")."""
    return {word for line in lines for word in _ONE_LETTER_WORD.findall(line.text)}


_ONE_LETTER_WORD = re.compile(r"(?<![\w'’])([^\W\d_A-Z])(?![\w'’])")


def _same_people(found: list[Candidate]) -> list[Candidate]:
    """One person under two spellings, as parliamentary records write them: "Mrs. Jean Arkwright
    (Fenbridge)" the first time, "Mrs. Arkwright" after; "The Minister for Transport (Mr. Geoffrey
    Lyle)", then "Mr. Lyle". Named by the first spelling, when one full form at most has that title and surname.
    And a label defined at its first use ("Interviewer (I)", then "I"), named by its long form."""
    defined = defined_at_first_use(c.speaker for c in found)  # "Interviewer (I):" once, then "I:"
    found = [replace(c, speaker=defined.get(c.speaker.casefold(), c.speaker)) for c in found]
    keys = {c.speaker: key for c in found if (key := person_key(c.speaker))}
    if not keys:
        return found
    spellings: dict[tuple[str, str], list[str]] = defaultdict(list)
    for c in found:
        if c.speaker in keys and c.speaker not in spellings[keys[c.speaker][:2]]:
            spellings[keys[c.speaker][:2]].append(c.speaker)
    same = {person: names[0] for person, names in spellings.items()
            if sum(1 for name in names if keys[name][2]) <= 1}
    return [replace(c, speaker=same[keys[c.speaker][:2]]) if c.speaker in keys and keys[c.speaker][:2] in same
            else c for c in found]


def _vouched(name: str, recurring: set[str], declared: set[str]) -> LabelPattern | None:
    """A pattern that vouches for a speaker heard once whom a legend declares, a numbered series holds
    or a title names ("Mr. Pollard" beside members who recur)."""
    heard_once = name in declared or _of_a_series(name, recurring) or kin_of_recurring(name, recurring) \
        or (honorific(name) and len(recurring) >= 2)
    return _BRACKETED if heard_once else None


def _declared(found: list[Candidate], lines: list[Line], header: str = "") -> set[str]:
    """The names among ``found`` that a legend above the first of them declares ("M = Moderation, B = Beobachtung"),
    or a cast line lists with another ("Participants: MOD, P1, P2, P3")."""
    counts = Counter(c.speaker.casefold() for c in found)
    first = min((c.line.start for c in found if counts[c.speaker.casefold()] > 1), default=0)
    above = [*header.splitlines(), *(line.text for line in lines if line.start < first)]
    codes = {code.casefold() for code in legend("\n".join(above))} if any("=" in line for line in above) else set()
    names = {c.speaker.casefold() for c in found}
    return {name for name in names if name in codes} | named_in_a_cast_line(above, names)


def _of_a_series(name: str, recurring: set[str]) -> bool:
    """"TN3" heard once beside "TN1", "TN2" and "TN5" who recur: a numbered code of the same series
    (participants of a focus group numbered by the transcriber) is a speaker however seldom it speaks."""
    bare = _bare(name)
    if bare == name or len(bare) > 4:
        return False
    return sum(1 for other in recurring if other != bare and _bare(other) == bare) >= 2


def _body_words(candidate: Candidate) -> list[str]:
    return candidate.line.text[candidate.body_start - candidate.line.start:].split()


def _numbers_dropped(found: list[Candidate]) -> list[Candidate]:
    """"P1.", "R1.", "P2.", "R2.", "P3." or "Pregunta 1", "Respuesta", "Pregunta 2": a number that counts
    the questions, not a person: the name without it is the speaker. A side of a Q/A protocol is named
    by its role ("Interviewer", "Participant")."""
    counts = Counter(c.speaker for c in found if not c.glued)
    numbered_people = {_bare(name) for name, n in counts.items() if n > 1 and _bare(name) != name}
    numbers: dict[str, list[int]] = defaultdict(list)
    for c in found:
        bare = _bare(c.speaker)
        if bare != c.speaker and counts[c.speaker] == 1 and bare not in numbered_people:
            numbers[bare].append(int(c.speaker[len(bare):]))
    counters = {bare for bare, seen in numbers.items()
                if qa_role(bare) or (len(seen) >= 3 and seen == list(range(seen[0], seen[0] + len(seen))))}
    bares = [_bare(c.speaker) for c in found]
    counters -= {a for a, b in zip(bares, bares[1:]) if a == b}  # "RQ1", "RQ2", "RQ3" in a row: a list
    renamed = []
    sides = _sides_by_asking(found, counters)
    if any(c.speaker.casefold() == "q" for c in found):  # "Q." beside "A.": a bare A is the answering side
        sides.setdefault("A", "participant")
    for c in found:
        bare = _bare(c.speaker)
        name = bare if bare in counters and counts[c.speaker] == 1 else c.speaker
        side = qa_role(name) or sides.get(name)
        renamed.append(replace(c, speaker=PROTOCOL_NAMES[side]) if side else replace(c, speaker=name))
    return renamed


def _sides_by_asking(found: list[Candidate], counters: set[str]) -> dict[str, str]:
    """Two counted sides and no one else ("P1."/"R1."): a protocol's question and answer, whatever
    the letters stand for in its language; the side that asks is the interviewer's."""
    if len(counters) != 2 or any(_bare(c.speaker) not in counters for c in found):
        return {}
    asks = Counter(_bare(c.speaker) for c in found if is_question(c.line.text[c.body_start - c.line.start:]))
    said = Counter(_bare(c.speaker) for c in found)
    (first, second) = sorted(counters, key=lambda side: -asks[side] / said[side])
    if asks[first] / said[first] < 0.6 or asks[second] / said[second] > 0.2:
        return {}
    return {first: "interviewer", second: "participant"}


def _bare(name: str) -> str:
    return re.sub(r"[ \t]*\d+$", "", name)


def _names_alone(kept: list[Candidate], lines: list[Line]) -> list[Candidate]:
    """Names alone on a line must recur, two of them at least, each with words below."""
    labelled = {c.line.start for c in kept}
    index = {line.start: i for i, line in enumerate(lines)}
    kept = [c for c in kept if index[c.line.start] + 1 < len(lines)
            and lines[index[c.line.start] + 1].start not in labelled]
    counts = Counter(c.speaker.casefold() for c in kept)  # "Kofi mensah" once is still Kofi Mensah
    if len(kept) > 0.5 * len(lines) or len(counts) < 2:
        return []
    if all(c.timestamp for c in kept):  # "Ana Lee  0:04": the time shows the label
        return kept
    if sum(1 for n in counts.values() if n > 1) < 2:
        return []
    return [c for c in kept if counts[c.speaker.casefold()] > 1 or honorific(c.speaker)]  # "Mr. Pollard (Harrow Vale)" once


def _with_unnamed(document: Document, lines: list[Line], labels: list[Label]) -> list[Label]:
    """The labels, and the unnamed turns among them: marker lines just before a label, and
    unlabelled questions just before a label when one speaker alone is labelled."""
    labelled = {label.line.start for label in labels}
    index = {line.start: i for i, line in enumerate(lines)}
    used = {m.marker for label in labels if (m := marked(label.line))}
    added: list[Label] = []
    for label in labels:
        i = index[label.line.start]
        if i == 0:
            continue
        before = lines[i - 1]
        if before.start in labelled:
            continue
        mark = marked(before)
        if mark and mark.marker not in used:
            added.append((mark.marker, Label(before, ASKING, before.start, mark.body_start, None, _ASKS)))
    markers = Counter(marker for marker, _ in added)
    added = [label for marker, label in added if markers[marker] > 1]  # a convention recurs
    if not added and len({label.speaker for label in labels}) == 1:
        added = _questions_before(document, lines, labels, index)
        added += _unanswered(lines, labels + added)
    return _with_times_alone(lines, sorted(labels + added, key=lambda label: label.line.start))


def _with_times_alone(lines: list[Line], labels: list[Label]) -> list[Label]:
    """A time alone on a line ("(1:15)") below a label starts a new turn of the same speaker; just
    above a label ("0:0:5.1 --> 0:0:8.0", then the name), it is that turn's time."""
    if not labels:
        return labels
    at = {label.line.start: label for label in labels}
    out: list[Label] = []
    speaker, pending = None, None
    first = max(0, lines.index(labels[0].line) - 1)
    for line in lines[first:]:
        if line.start in at:
            label = at[line.start]
            if pending and not label.timestamp:
                label = Label(label.line, label.speaker, label.start, label.body_start, pending, label.pattern)
            out.append(label)
            speaker, pending = label.speaker, None
        elif (time := time_alone(line.text)):
            if speaker:
                out.append(Label(line, speaker, line.start, line.end, time, _BRACKETED))
            pending = time
        else:
            pending = None
    return out


def _questions_before(document: Document, lines: list[Line], labels: list[Label],
                      index: dict[int, int]) -> list[Label]:
    """An unlabelled question right above each label, which the side no label names asks: the lines
    up to the one ending in "?" just above the label (or above the blank line before it), back to a
    blank line; when the answer above runs on in the same paragraph, the question line alone."""
    labelled = {label.line.start for label in labels}
    added = []
    for label in labels:
        i = index[label.line.start]
        last = i - 1
        if last < 0 or lines[last].start in labelled or not is_question(lines[last].text):
            continue
        first = last
        while first > 0 and _adjacent(document, lines[first - 1], lines[first]) \
                and lines[first - 1].start not in labelled and not is_question(lines[first - 1].text):
            first -= 1
        if first > 0 and _adjacent(document, lines[first - 1], lines[first]):
            first = last  # the answer above runs on to here: its paragraph is not the question
        if not is_heading(document, lines[first]):
            line = lines[first]
            added.append(Label(line, ASKING, line.start, line.start + len(line.text) - len(line.text.lstrip()),
                               None, _ASKS))
    return added


def _unanswered(lines: list[Line], labels: list[Label]) -> list[Label]:
    """A question no answer follows ends the answer above it, and is nobody's turn (a protocol's
    question left unasked)."""
    by_start = {label.line.start: label for label in labels}
    starts = sorted(by_start)
    stops = []
    for line in lines:
        before = bisect_right(starts, line.start) - 1
        if before < 0 or line.start in by_start or by_start[starts[before]].speaker == ASKING:
            continue  # above the first label, a label, or inside a question
        if is_question(line.text):
            stops.append(Label(line, "", line.start, line.start, None, _NAMED))
    return stops


def _adjacent(document: Document, upper: Line, lower: Line) -> bool:
    """Whether two content lines follow each other with no blank line between them."""
    return document.text.count("\n", upper.start, lower.start) == 1


def _reading(document: Document, shape: str, labels: Sequence[Label]) -> Proposal:
    """Turns from each label to the next, or to a line that is nobody's (a heading, boilerplate);
    speech that goes on below boilerplate (a page's running footer and header) is its speaker's still."""
    stops = _boilerplate(document, {label.line.start for label in labels})
    every = sorted([*labels, *stops, *_continued(document, labels, stops)], key=lambda label: label.line.start)
    proposal = proposal_from_labels(f"{NAME}: {_SHAPE_NAMES.get(shape, shape)}", document, every, all_labelled=False)
    turns = [turn for turn in proposal.turns if turn.speaker]
    if shape == "tag" or shape == "voice":
        turns = [_without_closing_tag(document.text, turn) for turn in turns]
    return replace(proposal, turns=tuple(turns))


def _boilerplate(document: Document, labelled: set[int]) -> list[Label]:
    """Lines that say the same thing twice or more, maybe but for their numbers (a tool's watermark
    at the top and the bottom, a page's running header "... - Page 41"): nobody's words, and the end
    of the turn above them."""
    counts = Counter(_unnumbered(line.text) for line in document.content_lines if line.start not in labelled)
    return [Label(line, "", line.start, line.end, None, _NAMED) for line in document.content_lines
            if line.start not in labelled and counts[_unnumbered(line.text)] > 1
            and (len(line.text.split()) >= 4 or _page_number(line.text))]


def _page_number(text: str) -> bool:
    """A short line of a word and a number ("Page 15", "Seite 3", "- 12 -"): with its twin of another number, a page's."""
    return bool(re.fullmatch(r"[ \t]*[-–]?[ \t]*[^\W\d_]{0,12}\.?[ \t]*\d{1,4}[ \t]*[-–]?[ \t]*", text))


def _unnumbered(text: str) -> str:
    return re.sub(r"\d+", "#", text.strip())


def _continued(document: Document, labels: Sequence[Label], stops: list[Label]) -> list[Label]:
    """Where a turn cut by boilerplate goes on: the first line below the boilerplate that is no
    one's label, when the boilerplate stands inside a turn (a label above it, a line of words below)."""
    if not stops or not labels:
        return []
    nobody = {stop.line.start for stop in stops}
    labelled = {label.line.start: label for label in labels}
    found, speaker, after_stop = [], None, False
    for line in document.content_lines:
        if line.start in labelled:
            speaker, after_stop = labelled[line.start].speaker or None, False
        elif line.start in nobody:
            after_stop = speaker is not None
        elif after_stop:
            start = line.start + prefix_end(line.text)
            found.append(Label(line, speaker, start, start, None, _NAMED))
            after_stop = False
    return found


_CLOSING_TAG = re.compile(r"[ \t]*</[\w\-]{1,30}>[ \t]*$")


def _without_closing_tag(text: str, turn: Turn) -> Turn:
    found = _CLOSING_TAG.search(text, turn.start, turn.end)
    return replace(turn, end=found.start()) if found and found.start() > turn.start else turn


def _marker_reading(document: Document, lines: list[Line]) -> Proposal | None:
    """Turns opened by markers alone: two markers for two sides ("- question" / "→ answer"), or
    one marker for both, alternating ("— question" / "— answer")."""
    marks = [m for line in lines if (m := marked(line))]
    counts = Counter(m.marker for m in marks)
    if not marks or sum(counts.values()) < 4:
        return None
    common = [marker for marker, n in counts.most_common(2) if n >= 2]
    if len(common) == 2 and _interleaved(marks, common):
        sides = [m for m in marks if m.marker in common]
        names = _side_names(document, sides, lambda m: m.marker == common[0])
        labels = [_unnamed_label(m, names[m.marker == common[0]]) for m in sides]
    else:
        marker = common[0] if common else None
        sides = [m for m in marks if m.marker == marker]
        first = lines.index(sides[0].line) if sides else 0
        if len(sides) < 4 or len(sides) < 0.6 * (len(lines) - first):
            return _questions_marked_answers_bare(document, sides)
        asks = [is_question(_block_text(document, m)) for m in sides]
        if any(asks):
            labels = [_unnamed_label(m, ASKING if asking else ANSWERING) for m, asking in zip(sides, _turn_taking(asks))]
        else:  # no one asks: the sides alternate, unnamed
            labels = [_unnamed_label(m, "Speaker A" if n % 2 == 0 else "Speaker B") for n, m in enumerate(sides)]
    return _cut_at_blocks(document, "markers", labels)


# What each departure from a question-and-answer exchange costs: the same side twice in a row, a
# question on the answering side, a statement on the asking side (an interviewer may remark or prompt)
_SAME_SIDE_AGAIN, _ANSWER_ASKS, _ASKER_STATES = 1.0, 1.5, 0.6


def _turn_taking(asks: list[bool]) -> list[bool]:
    """Which of the unnamed turns ("— ¿...?", "— ...") are the asking side's: the sequence of sides
    that departs least from alternating questions and answers (an answer over two dashed paragraphs
    breaks the alternation once rather than swapping every side after it)."""
    cost = {True: 0.0 if asks[0] else _ASKER_STATES, False: _ANSWER_ASKS if asks[0] else 0.0}
    back: list[dict[bool, bool]] = []
    for question in asks[1:]:
        step, came = {}, {}
        for side in (True, False):
            before = min((True, False), key=lambda prev: cost[prev] + (_SAME_SIDE_AGAIN if prev == side else 0.0))
            own = _ASKER_STATES if side and not question else _ANSWER_ASKS if not side and question else 0.0
            step[side] = cost[before] + (_SAME_SIDE_AGAIN if before == side else 0.0) + own
            came[side] = before
        cost = step
        back.append(came)
    side = min((True, False), key=lambda s: cost[s])
    sides = [side]
    for came in reversed(back):
        side = came[side]
        sides.append(side)
    return sides[::-1]


def _questions_marked_answers_bare(document: Document, questions: list[Marked]) -> Proposal | None:
    """A marker that opens questions only ("- 처음 책방을 연 계기가 무엇인가요?"), each answered by the
    paragraphs below it that no marker opens: the marked side asks, the bare paragraphs answer."""
    if len(questions) < 3 or sum(is_question(m.line.text) for m in questions) < 0.8 * len(questions):
        return None
    labels: list[Label] = []
    for mark, after in zip(questions, [*questions[1:], None]):
        labels.append(_unnamed_label(mark, ASKING))
        if (answer := _next_paragraph(document, mark.line, after.line if after else None)) is not None:
            start = answer.start + len(answer.text) - len(answer.text.lstrip())
            labels.append(Label(answer, ANSWERING, start, start, None, _ANSWERS))
    if 4 * sum(label.speaker == ANSWERING for label in labels) < 3 * len(questions):
        return None  # most questions answered by a bare paragraph, or this is not the shape
    return _reading(document, "questions marked, answers bare", labels)


def _next_paragraph(document: Document, line: Line, before: Line | None) -> Line | None:
    """The first line of the paragraph after ``line``'s, if it starts before ``before``."""
    lines = document.lines
    index = next(i for i, other in enumerate(lines) if other.start == line.start)
    while index + 1 < len(lines) and not lines[index + 1].blank and not document.by_line:
        index += 1  # the question's own paragraph goes on
    following = next((other for other in lines[index + 1:] if not other.blank), None)
    if following is None or (before is not None and following.start >= before.start) or marked(following):
        return None
    return following


def _interleaved(marks: list[Marked], common: list[str]) -> bool:
    sequence = [m.marker for m in marks if m.marker in common]
    changes = sum(a != b for a, b in zip(sequence, sequence[1:]))
    return changes >= 0.6 * (len(sequence) - 1)


def _side_names(document: Document, sides: list[Marked], first_side) -> dict[bool, str]:
    """{True: name of the first side, False: the other}: who asks more is the interviewer."""
    asked = Counter(first_side(m) for m in sides if is_question(_block_text(document, m)))
    if asked[True] > asked[False]:
        return {True: ASKING, False: ANSWERING}
    if asked[False] > asked[True]:
        return {True: ANSWERING, False: ASKING}
    return {True: "Speaker A", False: "Speaker B"}


def _block_text(document: Document, mark: Marked) -> str:
    return mark.line.text


def _unnamed_label(mark: Marked, speaker: str) -> Label:
    pattern = _ASKS if speaker == ASKING else _ANSWERS if speaker == ANSWERING else _BRACKETED
    return Label(mark.line, speaker, mark.line.start, mark.body_start, None, pattern)


def _cut_at_blocks(document: Document, shape: str, labels: list[Label]) -> Proposal:
    """Turns from each label to the next one or the end of its paragraph: text after a blank line
    that no marker opens is nobody's turn."""
    proposal = _reading(document, shape, labels)
    if document.by_line:
        return proposal
    turns = []
    for turn in proposal.turns:
        gap = document.text.find("\n\n", turn.start, turn.end)
        end = gap if gap >= 0 else turn.end
        if (span := stripped_span(document.text, turn.start, end)):
            turns.append(replace(turn, start=span[0], end=span[1]))
    return replace(proposal, turns=tuple(turns))


def _times_reading(document: Document, lines: list[Line]) -> Proposal | None:
    """Times alone on lines and the words below each (a recorder's export), or times opening most lines
    before their words ("[0.00s -> 4.20s] words", speech-to-text with no speakers): one voice no one names."""
    labels = [Label(line, UNKNOWN_SPEAKER, line.start, line.end, time, _BRACKETED)
              for line in lines if (time := time_alone(line.text))]
    if len(labels) < 2:
        labels = _times_opening(lines)
    if len(labels) < 2:
        return None
    return replace(_reading(document, "times" if labels[0].body_start == labels[0].line.end else "times before",
                            labels), consistent=True)


def _times_opening(lines: list[Line]) -> list[Label]:
    """A label of no one at each line a time opens, when most lines open so: each segment its own turn."""
    labels = []
    for line in lines:
        at = prefix_end(line.text)
        if 0 < at < len(line.text) and (time := time_before(line.text[:at])):
            labels.append(Label(line, UNKNOWN_SPEAKER, line.start, line.start + at, time, _BRACKETED))
    return labels if len(labels) >= 0.6 * len(lines) else []


def _question_reading(document: Document) -> Proposal | None:
    """Questions set as headings or numbered items, each answered by the lines below it up to the
    next heading or question."""
    lines = document.content_lines
    asked = {line.start: at for line in lines if (at := question_line(document, line)) is not None}
    if len(asked) < 2:
        return None
    labels, answering = [], False
    for line in lines:
        if line.start in asked:
            labels.append(Label(line, ASKING, line.start, asked[line.start], None, _ASKS))
            answering = True
        elif is_heading(document, line):
            labels.append(Label(line, "", line.start, line.end, None, _NAMED))  # ends the answer
            answering = False
        elif answering:
            labels.append(Label(line, ANSWERING, line.start, line.start + prefix_end(line.text), None, _ANSWERS))
            answering = False
    proposal = _reading(document, "questions", labels)
    return replace(proposal, turns=tuple(_without_closing_emphasis(document.text, turn) for turn in proposal.turns))


def _without_closing_emphasis(text: str, turn: Turn) -> Turn:
    """A question in bold or italics ends before the marks that close its emphasis ("...?**")."""
    before = text[max(0, turn.start - 2):turn.start]
    marks = before[len(before.rstrip("*_")):]
    if marks and text.endswith(marks, turn.start, turn.end) and turn.end - len(marks) > turn.start:
        return replace(turn, end=turn.end - len(marks))
    return turn
