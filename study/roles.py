"""Who is the interviewer: each speaker's role, decided with its reason.

The evidence, strongest first: what you said (``overrides``); the speaker's label (Interviewer,
Moderator, Host, Q, Pregunta... or Participant, Interviewee, P3, Respondent, Guest...; a reader's
``role_hint`` counts as the label's word); then, when no label names an interviewer, who clearly
asks in more of their turns while saying less of the words; then who speaks first. Several
interviewers (and note-takers, who are research team, not data) are allowed; a speaker whose label
says participant is never the interviewer; a transcript with two or more speakers always gets an
interviewer when one of them is not labelled participant.

Example: ``[r.role for r in assign_roles(parsed)] == ["interviewer", "participant"]``
"""
from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import Iterable, Mapping

from .errors import BadValue
from .transcripts import ParsedTranscript, Turn, role_named
from .transcripts.roles import INTERVIEWER, PARTICIPANT

ROLES = (INTERVIEWER, PARTICIPANT)

# How far the likeliest interviewer must lead the next speaker (share of turns asking a question
# minus half the share of the words) to be told apart.
_QUESTION_MARGIN = 0.15


@dataclass(frozen=True)
class SpeakerRole:
    """One speaker of a transcript: their role and why, with how much they say."""

    name: str
    role: str
    turns: int
    words: int
    reason: str


@dataclass(frozen=True)
class _Speaker:
    name: str
    turns: int
    words: int
    questions: int  # turns holding a question mark
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
    speakers = _speakers(parsed)
    given = {name.casefold(): check_role(role) for name, role in (overrides or {}).items()}
    decided: dict[str, tuple[str, str]] = {}
    for s in speakers:
        if s.name.casefold() in given:
            decided[s.name] = (given[s.name.casefold()], "set by you")
        elif s.label_role:
            decided[s.name] = (s.label_role, f"the label says {s.label_role}")
    decided.update(_unlabelled_roles(speakers, decided))
    return tuple(SpeakerRole(s.name, *decided[s.name][:1], s.turns, s.words, decided[s.name][1]) for s in speakers)


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
    """``role`` in lower case, or BadValue when it is not interviewer or participant."""
    normal = role.strip().casefold()
    if normal not in ROLES:
        raise BadValue(f"unknown role {role!r}", "a speaker is an interviewer or a participant")
    return normal


def rename_speakers(parsed: ParsedTranscript, renames: Mapping[str, str]) -> ParsedTranscript:
    """``parsed`` with speakers renamed (old name in any case -> new name); the text is untouched."""
    if not renames:
        return parsed
    new_names = {old.casefold(): new.strip() for old, new in renames.items()}

    def renamed(turn: Turn) -> Turn:
        return dataclasses.replace(turn, speaker=new_names.get(turn.speaker.casefold(), turn.speaker))

    return dataclasses.replace(parsed, turns=tuple(renamed(turn) for turn in parsed.turns))


def _speakers(parsed: ParsedTranscript) -> list[_Speaker]:
    by_name: dict[str, list[tuple[int, Turn]]] = {}
    for index, turn in enumerate(parsed.turns):
        by_name.setdefault(turn.speaker, []).append((index, turn))
    return [_speaker(parsed, name, turns) for name, turns in by_name.items()]


def _speaker(parsed: ParsedTranscript, name: str, turns: list[tuple[int, Turn]]) -> _Speaker:
    texts = [parsed.turn_text(turn) for _, turn in turns]
    hints = {turn.role_hint for _, turn in turns if turn.role_hint in ROLES}
    # The label's own words first; a reader's hint (e.g. Q/A protocol) when the label says nothing.
    said = label_role(name) or (hints.pop() if len(hints) == 1 else None)
    return _Speaker(
        name=name, turns=len(turns), words=sum(len(t.split()) for t in texts),
        questions=sum("?" in t for t in texts), first=turns[0][0], label_role=said,
    )


def _unlabelled_roles(speakers: list[_Speaker], decided: dict[str, tuple[str, str]]) -> dict[str, tuple[str, str]]:
    """Roles of the speakers neither you nor their label decided."""
    open_ = [s for s in speakers if s.name not in decided]
    if not open_:
        return {}
    if any(role == INTERVIEWER for role, _ in decided.values()):
        return {s.name: (PARTICIPANT, "another speaker is the interviewer") for s in open_}
    if len(speakers) < 2:
        return {s.name: (PARTICIPANT, "the only speaker") for s in open_}
    chosen, reason = _likely_interviewer(open_)
    others = f"not the interviewer ({chosen.name} is)"
    return {s.name: (INTERVIEWER, reason) if s is chosen else (PARTICIPANT, others) for s in open_}


def _likely_interviewer(candidates: list[_Speaker]) -> tuple[_Speaker, str]:
    """The speaker who clearly asks more and says less (share of turns with a question minus half
    the share of the words); else who speaks first."""
    if len(candidates) == 1:
        return candidates[0], "the only speaker not labelled participant"
    words = sum(s.words for s in candidates) or 1

    def lead(s: _Speaker) -> float:  # questions weigh more: a terse participant must not make the interviewer
        return s.question_share - s.words / words / 2

    ranked = sorted(candidates, key=lambda s: (-lead(s), s.first))
    top, runner_up = ranked[0], ranked[1]
    if top.question_share > 0 and lead(top) - lead(runner_up) >= _QUESTION_MARGIN:
        return top, (f"asks questions in {top.questions} of {top.turns} turns ({top.question_share:.0%}) "
                     f"and says {top.words / words:.0%} of the words; {runner_up.name}: "
                     f"{runner_up.question_share:.0%} and {runner_up.words / words:.0%}")
    first = min(candidates, key=lambda s: s.first)
    return first, "speaks first (no speaker clearly asks more and says less)"
