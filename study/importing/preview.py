"""What importing would store (``study import --dry-run``, the app's upload preview): read, decide, store nothing."""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Iterable, Mapping

from ..errors import StudyError
from ..names import check_name, printable
from ..participants import ParticipantRow
from ..roles import SpeakerRole, SpeakerStats, decide_roles, main_interviewer, speaker_stats
from ..transcripts import ParsedTranscript, WordAccount, word_account
from .reading import BatchFile, ImportOptions, NotATranscript, batch_files, documents, unexpected

OPENING_TURNS = 3
OPENING_WORDS = 12
SHOWN_LINE_CHARACTERS = 160  # a line offered to teach a turn start on is cut here
SHOWN_TURNS = 1000  # the turns a preview lists, in order, to check who says what before importing


@dataclass(frozen=True)
class TranscriptPreview:
    """What importing a document would store: its name, layout, speakers with roles, first turns."""

    file: str
    name: str
    participant: str
    layout: str | None
    layout_score: float | None
    runner_up: str | None
    runner_up_score: float | None
    speakers: tuple[SpeakerRole, ...]
    opening: tuple[tuple[str, str], ...]  # (speaker, first words) of the first turns
    stats: tuple[SpeakerStats, ...] = ()  # what the roles were decided from, to decide again (``with_roles``)
    warnings: tuple[str, ...] = ()  # what the reading kept as text, or a taught convention that found nothing
    lines: tuple[str, ...] = ()  # the text's non-empty lines, as written: where a turn may be shown to start
    words: WordAccount | None = None  # where every word went (turns, labels, header, notes) and the notes' text
    turns: tuple[tuple[str, str], ...] = ()  # (speaker, first words) of every turn, up to SHOWN_TURNS
    turn_count: int = 0  # how many turns the reading found

    def with_roles(self, chosen: Mapping[str, str]) -> tuple[SpeakerRole, ...]:
        """The speakers' roles and reasons with the roles ``chosen`` (speaker -> role), decided again."""
        return decide_roles(self.stats, chosen)

    @property
    def interviewer(self) -> str | None:
        return main_interviewer(self.speakers)


@dataclass(frozen=True)
class ImportPreview:
    transcripts: tuple[TranscriptPreview, ...]
    failed: tuple[tuple[str, str], ...]  # (file, message)
    skipped: tuple[tuple[str, str], ...] = ()  # (file, why): not a transcript, nothing wrong


def preview_files(
    paths: Iterable[Path],
    *,
    participants: list[ParticipantRow] | None = None,
    options: ImportOptions = ImportOptions(),
) -> ImportPreview:
    """Read every file as ``import_files`` would and say what it would store; store nothing."""
    return preview_batch(batch_files(paths), owner_of=owners(participants), options=options)


def owners(participants: list[ParticipantRow] | None) -> dict[str, str]:
    """Transcript name -> participant label, as a participants table gives them."""
    return {row.transcript: row.label for row in participants or [] if row.transcript}


def preview_batch(files: Iterable[BatchFile], *, owner_of: Mapping[str, str],
                  options: ImportOptions = ImportOptions()) -> ImportPreview:
    """``preview_files`` of files from disk or a browser."""
    previews: list[TranscriptPreview] = []
    failed: list[tuple[str, str]] = []
    skipped: list[tuple[str, str]] = []
    for file in files:
        try:
            previews.extend(_preview_file(file, owner_of, options))
        except NotATranscript as exc:
            skipped.append((printable(file.where), printable(options.describe(exc))))
        except StudyError as exc:
            failed.append((printable(file.where), printable(options.describe(exc))))
        except Exception as exc:  # noqa: BLE001 - as in import_files: the rest of the batch goes on
            failed.append((printable(file.where), unexpected(file.where, exc)))
    return ImportPreview(tuple(previews), tuple(failed), tuple(skipped))


def _preview_file(file: BatchFile, owner_of: Mapping[str, str], options: ImportOptions) -> list[TranscriptPreview]:
    data = file.read(options.max_bytes)
    where = printable(file.where)
    return [_preview(where, check_name("transcript", name, where=where),
                     check_name("participant", participant, where=where), parsed, options)
            for name, parsed, participant in documents(file, data, options, owner_of)]


def _preview(file: str, name: str, participant: str, parsed: ParsedTranscript, options) -> TranscriptPreview:
    turns = tuple((turn.speaker, _first_words(parsed.turn_text(turn))) for turn in parsed.turns[:SHOWN_TURNS])
    stats = speaker_stats(parsed)
    return TranscriptPreview(
        file=file, name=name, participant=participant,
        layout=getattr(parsed, "layout", None) or None, layout_score=getattr(parsed, "layout_score", None),
        runner_up=getattr(parsed, "runner_up", None), runner_up_score=getattr(parsed, "runner_up_score", None),
        speakers=decide_roles(stats, options.role_overrides(name)), opening=turns[:OPENING_TURNS], stats=stats,
        warnings=parsed.warnings, lines=_lines(parsed.text), words=word_account(parsed),
        turns=turns, turn_count=len(parsed.turns),
    )


def _first_words(text: str) -> str:
    words = text.split()
    return " ".join(words[:OPENING_WORDS]) + (" …" if len(words) > OPENING_WORDS else "")


def _lines(text: str) -> tuple[str, ...]:
    lines = (line.strip()[:SHOWN_LINE_CHARACTERS] for line in text.splitlines())
    return tuple(line for line in lines if line)
