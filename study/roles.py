"""Who is the interviewer: each speaker's role (interviewer, participant or other), decided with its reason.

The evidence, strongest first: what you said (``overrides``); the speaker's label (Interviewer,
Moderator, Host, Q, Pregunta... or Participant, Interviewee, P3, Respondent, Guest... or Observer,
Note-taker, Interpreter...: "other", present but neither asking nor answering; a reader's
``role_hint`` counts as the label's word; a team label, "Researcher B", "Co-host", whose speaker asks
nothing while another interviewer asks, is other too); then who asks. The interviewer is who asks, not who
speaks first: the speakers are ranked by the share of their turns that ask a question
(``transcripts.questions.asks``, in the languages we read) less half their share of the words, and
those clearly ahead of the rest are interviewers: several interviewers and hosts are fine. A
speaker asking less than a quarter of the interview's questions (a note-taker's "Can you hear
me?") asks too little to be one. When nobody clearly asks, there is no interviewer, and the reason
says so; but the one speaker beside those labelled participant or other is the interviewer.
A speaker whose label says participant or other is never the interviewer.

Example: ``[r.role for r in assign_roles(parsed)] == ["interviewer", "participant"]``
"""
from __future__ import annotations

import dataclasses
import re
from dataclasses import dataclass
from typing import Iterable, Mapping

from .errors import BadValue
from .transcripts import ParsedTranscript, Turn, role_named
from .transcripts.accounting import word_count
from .transcripts.questions import asks
from .transcripts.roles import INTERVIEWER, OTHER, PARTICIPANT

ROLES = (INTERVIEWER, PARTICIPANT, OTHER)

# How far the interviewers must lead the speakers below them (share of turns asking a question minus
# half the share of the words) to be told apart.
_QUESTION_MARGIN = 0.15
# The share of the interview's questions a speaker must ask for their questions to count.
_FEWEST_QUESTIONS = 0.25
_ONE_LETTER = re.compile(r"[^\W\d_]\s*\d*")


@dataclass(frozen=True)
class SpeakerRole:
    """One speaker of a transcript: their role and why, with how much they say."""

    name: str
    role: str
    turns: int
    words: int
    reason: str


@dataclass(frozen=True)
class SpeakerStats:
    """What the roles are decided from: a speaker's turns, words, questions and label."""

    name: str
    turns: int
    words: int
    questions: int  # turns that ask (``transcripts.questions.asks``)
    first: int  # index of the speaker's first turn
    label_role: str | None

    @property
    def question_share(self) -> float:
        return self.questions / self.turns if self.turns else 0.0


def label_role(label: str) -> str | None:
    """The role a speaker label names ("Moderator" -> interviewer, "P3" -> participant), else None."""
    return role_named(label)


def assign_roles(parsed: ParsedTranscript, overrides: Mapping[str, str] | None = None) -> tuple[SpeakerRole, ...]:
    """Each speaker's role with its reason, in order of first appearance.

    ``overrides`` maps speaker names (any case) to roles; names not spoken in ``parsed`` are ignored
    (see ``unmatched_speakers``).
    """
    return decide_roles(speaker_stats(parsed), overrides)


def decide_roles(speakers: Iterable[SpeakerStats], overrides: Mapping[str, str] | None = None) -> tuple[SpeakerRole, ...]:
    """``assign_roles`` from speakers' figures: a preview decides again, reasons and all, when a role is changed."""
    speakers = list(speakers)
    given = {name.casefold(): check_role(role) for name, role in (overrides or {}).items()}
    decided: dict[str, tuple[str, str]] = {}
    for s in speakers:
        if s.name.casefold() in given:
            decided[s.name] = (given[s.name.casefold()], "set by you")
        elif s.label_role:
            decided[s.name] = (s.label_role, f"the label says {s.label_role}")
    decided.update(_unlabelled_roles(speakers, decided))
    decided.update(_letters_that_ask(speakers, decided))
    decided.update(_silent_team(speakers, decided))
    decided.update(_beside_the_sides(speakers, decided))
    return tuple(SpeakerRole(s.name, *decided[s.name][:1], s.turns, s.words, decided[s.name][1]) for s in speakers)


def speaker_stats(parsed: ParsedTranscript) -> tuple[SpeakerStats, ...]:
    """Each speaker's figures, in order of first appearance."""
    by_name: dict[str, list[tuple[int, Turn]]] = {}
    for index, turn in enumerate(parsed.turns):
        by_name.setdefault(turn.speaker, []).append((index, turn))
    return tuple(_stats(parsed, name, turns) for name, turns in by_name.items())


def main_interviewer(roles: Iterable[SpeakerRole]) -> str | None:
    """The interviewer who takes the most turns (the first of ties), or None."""
    interviewers = [r for r in roles if r.role == INTERVIEWER]
    return max(interviewers, key=lambda r: r.turns).name if interviewers else None


def role_map(roles: Iterable[SpeakerRole]) -> dict[str, str]:
    """Speaker name -> role."""
    return {r.name: r.role for r in roles}


def unmatched_speakers(parsed: ParsedTranscript, names: Iterable[str]) -> list[str]:
    """Those of ``names`` (any case) that no turn of ``parsed`` is spoken by."""
    spoken = {turn.speaker.casefold() for turn in parsed.turns}
    return [name for name in names if name.casefold() not in spoken]


def check_role(role: str) -> str:
    """``role`` in lower case, or BadValue when it is not interviewer, participant or other."""
    normal = role.strip().casefold()
    if normal not in ROLES:
        raise BadValue(f"unknown role {role!r}", "a speaker is an interviewer, a participant or other "
                                                   "(an observer, note-taker, interpreter, co-host)")
    return normal


def rename_speakers(parsed: ParsedTranscript, renames: Mapping[str, str]) -> ParsedTranscript:
    """``parsed`` with speakers renamed (old name in any case -> new name); the text is untouched."""
    if not renames:
        return parsed
    new_names = {old.casefold(): new.strip() for old, new in renames.items()}

    def renamed(turn: Turn) -> Turn:
        return dataclasses.replace(turn, speaker=new_names.get(turn.speaker.casefold(), turn.speaker))

    return dataclasses.replace(parsed, turns=tuple(renamed(turn) for turn in parsed.turns))


def _stats(parsed: ParsedTranscript, name: str, turns: list[tuple[int, Turn]]) -> SpeakerStats:
    texts = [parsed.turn_text(turn) for _, turn in turns]
    hints = {turn.role_hint for _, turn in turns if turn.role_hint in ROLES}
    # A reader's one hint (a Q/A protocol, the document's cast list or legend: "P = Peneliti") over
    # what the label alone suggests ("P" as in participant); the label when no reader said more.
    said = (hints.pop() if len(hints) == 1 else None) or label_role(name)
    return SpeakerStats(
        name=name, turns=len(turns), words=sum(word_count(t) for t in texts),
        questions=sum(asks(t) for t in texts), first=turns[0][0], label_role=said,
    )


def _unlabelled_roles(speakers: list[SpeakerStats], decided: dict[str, tuple[str, str]]) -> dict[str, tuple[str, str]]:
    """Roles of the speakers neither you nor their label decided."""
    open_ = [s for s in speakers if s.name not in decided]
    if not open_:
        return {}
    if len(speakers) < 2:
        return {s.name: (PARTICIPANT, "the only speaker") for s in open_}
    askers = _askers(speakers, decided)
    if not askers and len(open_) == 1 and not any(role == INTERVIEWER for role, _ in decided.values()) \
            and not (_ONE_LETTER.fullmatch(open_[0].name) and _letters_that_ask(speakers, decided)):
        # beside another letter, a "P" who asks is the pesquisador ("E:" the entrevistado), not a participant
        return {open_[0].name: (INTERVIEWER, "the only speaker not labelled participant or other")}
    interviewers = [s.name for s in speakers if s.name in askers or decided.get(s.name, ("",))[0] == INTERVIEWER]
    if interviewers:
        verb = "is" if len(interviewers) == 1 else "are"
        others = f"not the interviewer ({' and '.join(interviewers)} {verb})"
    else:
        others = "no interviewer found: no speaker clearly asks more and says less than the others"
    return {s.name: (INTERVIEWER, askers[s.name]) if s.name in askers else (PARTICIPANT, others) for s in open_}


def _silent_team(speakers: list[SpeakerStats], decided: dict[str, tuple[str, str]]) -> dict[str, tuple[str, str]]:
    """A speaker whose label names the research team ("Researcher B", "Co-host") but who asks
    nothing while another interviewer asks is present, not interviewing: other."""
    asking = [s.name for s in speakers if decided[s.name][0] == INTERVIEWER and s.questions]
    verb = "asks" if len(asking) == 1 else "ask"
    return {s.name: (OTHER, f"the label says interviewer, but asks nothing while {' and '.join(asking)} {verb}")
            for s in speakers
            if asking and not s.questions and decided[s.name] == (INTERVIEWER, f"the label says {INTERVIEWER}")}


def _beside_the_sides(speakers: list[SpeakerStats], decided: dict[str, tuple[str, str]]) -> dict[str, tuple[str, str]]:
    """When labels name both sides (Q and A, Interviewer and Respondent), or name the one answering side
    ("THE WITNESS") beside an interviewer who asks, a speaker no label names who
    asks nothing and says less than the side that answers is neither side: opposing counsel who
    objects, a relative who chimes in: other."""
    said = {role for role, reason in decided.values() if reason == f"the label says {role}"}
    answerers = [s for s in speakers if decided[s.name] == (PARTICIPANT, f"the label says {PARTICIPANT}")]
    asking = any(role == INTERVIEWER for role, _ in decided.values())
    # both sides labelled, or one labelled answering side ("THE WITNESS") and an interviewer who asks
    if not ({INTERVIEWER, PARTICIPANT} <= said or (len(answerers) == 1 and asking)):
        return {}
    answering = max((s.words for s in answerers), default=0)
    return {s.name: (OTHER, "asks nothing and answers less than the side labelled participant: beside the two sides")
            for s in speakers
            if decided[s.name][0] == PARTICIPANT and decided[s.name][1].startswith("not the interviewer")
            and not s.questions and s.words < answering}


def _letters_that_ask(speakers: list[SpeakerStats], decided: dict[str, tuple[str, str]]) -> dict[str, tuple[str, str]]:
    """With no interviewer at all, a one-letter label said to be a participant's ("P", "R2") may be
    a question's mark instead (Spanish "P"/"R": pregunta, respuesta): the one who clearly asks is
    the interviewer."""
    if len(speakers) < 2 or any(role == INTERVIEWER for role, _ in decided.values()):
        return {}
    letters = {s.name for s in speakers
               if decided.get(s.name) == (PARTICIPANT, f"the label says {PARTICIPANT}") and _ONE_LETTER.fullmatch(s.name)}
    askers = _askers(speakers, {name: said for name, said in decided.items() if name not in letters})
    if not askers:
        return {}
    said = f"not the interviewer ({' and '.join(askers)} {'is' if len(askers) == 1 else 'are'})"
    return {**{name: (INTERVIEWER, f"{reason} (a one-letter label may mark a question: P for pregunta)")
               for name, reason in askers.items()},
            **{name: (role, said) for name, (role, reason) in decided.items()
               if name not in askers and reason.startswith("no interviewer found")}}


def _askers(speakers: list[SpeakerStats], decided: dict[str, tuple[str, str]]) -> dict[str, str]:
    """The open speakers clearly ahead of the rest in asking (share of turns with a question less
    half the share of the words), each with its reason. Participants by label rank with them;
    the questions of a speaker asking under a quarter of all questions do not count."""
    all_questions = sum(s.questions for s in speakers)
    words = sum(s.words for s in speakers) or 1

    def counted(s: SpeakerStats) -> bool:
        return s.questions > 0 and s.questions >= _FEWEST_QUESTIONS * all_questions

    def lead(s: SpeakerStats) -> float:  # questions weigh more: a terse participant must not make the interviewer
        return (s.question_share if counted(s) else 0.0) - s.words / words / 2

    ranked = sorted((s for s in speakers if decided.get(s.name, (PARTICIPANT,))[0] == PARTICIPANT),
                    key=lambda s: (-lead(s), s.first))
    def apart(split: int) -> bool:  # far enough ahead, or the only ones asking at all
        return (lead(ranked[split - 1]) - lead(ranked[split]) >= _QUESTION_MARGIN
                or (all(map(counted, ranked[:split])) and not any(map(counted, ranked[split:]))))

    splits = [i for i in range(1, len(ranked)) if apart(i)]
    if not splits:
        return {}
    split = max(splits, key=lambda i: lead(ranked[i - 1]) - lead(ranked[i]))
    below = ranked[split]
    compared = f"{below.name}: {below.question_share:.0%} and {below.words / words:.0%}"
    return {s.name: (f"asks questions in {s.questions} of {s.turns} turns ({s.question_share:.0%}) "
                     f"and says {s.words / words:.0%} of the words; {compared}")
            for s in ranked[:split] if s.name not in decided and counted(s)}
