"""What the app's study-management pages ask of a study beyond the other modules: uploads
from bytes, each coder's progress per transcript, the audit log, and whether coders may see
agreement. Every function takes the asking Actor and checks it."""
from __future__ import annotations

import re
import tempfile
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

import pandas as pd
from sqlalchemy import String, cast, func, or_, select

from . import codes as codes_mod
from . import workspace
from .agreement.bootstrap import DEFAULT_REPLICATES
from .agreement.study_agreement import AgreementReport, agreement_report
from .auth import Actor
from .codebook import codebook_to_yaml, parse_codebook
from .codings import done_transcripts
from .errors import CodebookError, NotAllowed, ParticipantsError, StudyError
from .importing import ImportOptions, ImportSummary, import_files
from .participants import read_participants_csv, save_participants
from .sources import coders_with_codings, has_codings
from .store import (
    CODERS_SEE_AGREEMENT,
    CONSENSUS,
    AuditEntry,
    Coding,
    Meta,
    Participant,
    Segment,
    Study,
    Transcript,
    TranscriptStatus,
    User,
    audit,
    get_setting,
)
from .transcripts import DEFAULT_MAX_BYTES

AGREEMENT_VISIBILITY_KEY = CODERS_SEE_AGREEMENT
REPLACE_HINT = "tick 'Replace transcripts of the same name' to replace it"


@dataclass(frozen=True)
class UploadedFile:
    """A file as a browser sends it: the name it had on the user's machine, and its bytes."""

    name: str
    data: bytes


# -- uploads -------------------------------------------------------------------------


def upload_transcripts(
    study: Study,
    actor: Actor,
    files: Iterable[UploadedFile],
    *,
    participants: UploadedFile | None = None,
    unit: str = "turn",
    replace: bool = False,
    max_bytes: int = DEFAULT_MAX_BYTES,
) -> ImportSummary:
    """Import uploaded transcript files with the same importers as ``study import``.

    Each file is its own transaction: a failing file leaves nothing behind and is reported in
    ``failed`` as (file name, message) with the file's own name, never a temporary path.
    """
    actor.require_admin("import transcripts")
    files = list(files)
    with tempfile.TemporaryDirectory(prefix="study-upload-") as folder:
        rows = _participant_rows(folder, participants) if participants is not None else None
        paths = _write_uploads(Path(folder), files)
        summary = import_files(
            study, paths, participants=rows,
            options=ImportOptions(unit=unit, replace=replace, max_bytes=max_bytes, actor=actor.name,
                                  source_label=_upload_label),
        )
        summary.failed = [(Path(f).name, _friendly(m, folder)) for f, m in summary.failed]
        summary.not_carried = [_friendly(m, folder) for m in summary.not_carried]
    return summary


def upload_participants(study: Study, actor: Actor, upload: UploadedFile) -> int:
    """Save the participants (and their attributes) of an uploaded CSV; returns how many."""
    actor.require_admin("import participants")
    with tempfile.TemporaryDirectory(prefix="study-upload-") as folder:
        rows = _participant_rows(folder, upload)
    with study.session() as session:
        save_participants(session, rows)
        audit(session, actor.name, "participants.import", upload.name, after={"participants": len(rows)})
    return len(rows)


def _participant_rows(folder: str, upload: UploadedFile):
    path = Path(folder) / _safe_name(upload.name, ".csv")
    path.write_bytes(upload.data)
    try:
        return read_participants_csv(path)
    except ParticipantsError as exc:
        raise ParticipantsError(_friendly(str(exc), folder)) from None
    finally:
        path.unlink(missing_ok=True)


def _write_uploads(folder: Path, files: list[UploadedFile]) -> list[Path]:
    """Write each upload under its own name, each in its own folder (two uploads may share a name)."""
    paths = []
    for number, upload in enumerate(files):
        path = folder / str(number) / _safe_name(upload.name, "")
        path.parent.mkdir()
        path.write_bytes(upload.data)
        paths.append(path)
    return paths


def _safe_name(name: str, default_suffix: str) -> str:
    """The file's own name without any folder part a browser may send."""
    base = re.split(r"[\\/]", name or "")[-1].strip().lstrip(".")
    return base or f"upload{default_suffix}"


def _friendly(message: str, folder: str) -> str:
    """A library message as the app shows it: no temporary paths, no command-line flags."""
    message = re.sub(re.escape(folder) + r"[\\/](?:\d+[\\/])?", "", message)
    return message.replace("use --replace to replace it", REPLACE_HINT)


def _upload_label(path: Path) -> str:
    return "upload: " + path.name


# -- codebook ------------------------------------------------------------------------

CODE_FIELDS = ("name", "definition", "when_to_use", "when_not_to_use", "example")


def codebook_entries(study: Study, actor: Actor) -> list[dict]:
    """Every code in codebook order with its theme path and guidance; retired codes only for admins."""
    with study.session() as session:
        return [
            {"ref": c.ref, "theme": " / ".join(c.theme.path), "top_theme": c.top_theme,
             "theme_description": c.theme.description, "code": c.name, "definition": c.definition,
             "when_to_use": c.when_to_use, "when_not_to_use": c.when_not_to_use, "example": c.example,
             "keywords": list(c.keywords or []), "retired": c.retired}
            for c in codes_mod.all_codes(session, include_retired=actor.is_admin)
        ]


def theme_paths(study: Study) -> list[str]:
    """Every theme as ``Theme/Sub-theme``, depth first."""
    with study.session() as session:
        paths: list[str] = []

        def walk(theme) -> None:
            paths.append("/".join(theme.path))
            for child in theme.children:
                walk(child)

        for theme in codes_mod.top_themes(session):
            walk(theme)
        return paths


def add_code(study: Study, actor: Actor, theme: str, name: str, definition: str, **guidance: str) -> str:
    """Add a code under ``theme`` (``Theme/Sub-theme``); returns its reference."""
    actor.require_admin("add codes")
    name = name.strip()
    if not name or "/" in name:
        raise CodebookError("a code needs a name without '/'; e.g. 'Model search'")
    with study.session() as session:
        return codes_mod.add_code(session, actor.name, theme, name, definition, **guidance).ref


def edit_code(study: Study, actor: Actor, ref: str, **fields: str) -> str:
    """Change a code's name (a rename keeps its codings), definition or guidance; returns its reference."""
    actor.require_admin("edit codes")
    if unknown := set(fields) - set(CODE_FIELDS):
        raise CodebookError(f"cannot edit {', '.join(sorted(unknown))}; editable: {', '.join(CODE_FIELDS)}")
    if "name" in fields:
        fields["name"] = fields["name"].strip()
        if not fields["name"] or "/" in fields["name"]:
            raise CodebookError("a code needs a name without '/'; e.g. 'Model search'")
    if "definition" in fields and not fields["definition"].strip():
        raise CodebookError(f"{ref}: the definition is empty; say what the code means")
    with study.session() as session:
        return codes_mod.update_code(session, actor.name, ref, **fields).ref


def merge_codes(study: Study, actor: Actor, source: str, target: str) -> int:
    """Move every coding of ``source`` onto ``target`` and retire ``source``; returns codings moved."""
    actor.require_admin("merge codes")
    with study.session() as session:
        return codes_mod.merge_codes(session, actor.name, source, target)


def retire_code(study: Study, actor: Actor, ref: str, retired: bool = True) -> None:
    """Retire a code (kept with its codings, no longer offered for coding) or bring it back."""
    actor.require_admin("retire codes")
    with study.session() as session:
        codes_mod.retire_code(session, actor.name, ref, retired)


def import_codebook(study: Study, actor: Actor, upload: UploadedFile) -> dict:
    """Merge an uploaded codebook YAML into the study; returns ``{"added": n, "updated": m}``."""
    actor.require_admin("import a codebook")
    try:
        text = upload.data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise CodebookError(f"{upload.name}: the codebook is not UTF-8 text (byte {exc.start}); save it as UTF-8") from None
    return codes_mod.load_into_study(study, parse_codebook(text, source=upload.name), actor=actor.name)


def codebook_yaml(study: Study) -> str:
    """The stored codebook (retired codes left out) as YAML, as `study codebook export` writes it."""
    with study.session() as session:
        return codebook_to_yaml(codes_mod.stored_codebook(session))


# -- progress ------------------------------------------------------------------------


def visible_coders(study: Study, actor: Actor) -> list[str]:
    """The raters whose progress the actor may see: every rater for an admin, else oneself."""
    if not actor.is_admin:
        return [actor.name]
    with study.session() as session:
        coded = select(Coding.rater_id)
        return list(session.scalars(
            select(User.name).where(User.role != "system", or_(User.role == "coder", User.id.in_(coded)))
            .order_by(User.id)
        ))


@dataclass(frozen=True)
class Progress:
    """One rater on one transcript, counted like the Code page's progress bar."""

    transcript: str
    rater: str
    coded: int  # segments to code that carry at least one of the rater's codes
    to_code: int  # the participant's segments (every segment when no turn is the interviewer's)
    done: bool


def coding_progress(study: Study, actor: Actor, raters: list[str] | None = None) -> list[Progress]:
    """Each rater's progress on each transcript; a coder may ask only about themselves."""
    raters = visible_coders(study, actor) if raters is None else raters
    for rater in raters:
        actor.require_rater(rater, "see the progress")
    with study.session() as session:
        users = dict(session.execute(select(User.id, User.name).where(User.name.in_(raters))).all())
        transcripts = session.execute(select(Transcript.id, Transcript.name).order_by(Transcript.id)).all()
        result = []
        for rater_id, rater in users.items():
            by_transcript = workspace.progress_by_transcript(session, rater_id)
            done = done_transcripts(session, rater_id)
            for tid, name in transcripts:
                progress = by_transcript.get(tid, workspace.Progress(0, 0))
                result.append(Progress(name, rater, progress.coded, progress.total, tid in done))
    order = {name: n for n, (_, name) in enumerate(transcripts)}
    return sorted(result, key=lambda p: (order[p.transcript], raters.index(p.rater)))


def transcripts_table(study: Study, actor: Actor) -> pd.DataFrame:
    """One row per transcript: participant, segments, words, date, and for each coder the actor
    may see a column like ``12 / 20`` (segments coded / the participant's segments), ending
    ``, done`` when marked done."""
    raters = visible_coders(study, actor)
    progress = coding_progress(study, actor, raters)
    with study.session() as session:
        rows = session.execute(
            select(Transcript.name, Participant.label, Transcript.interview_date, Transcript.unit)
            .outerjoin(Participant, Transcript.participant_id == Participant.id).order_by(Transcript.id)
        ).all()
    frame = pd.DataFrame(rows, columns=["transcript", "participant", "date", "unit"])
    with study.session() as session:
        counts = dict(session.execute(
            select(Transcript.name, func.count(Segment.id)).join(Segment).group_by(Transcript.name)).all())
    frame.insert(2, "segments", [counts.get(name, 0) for name in frame["transcript"]])
    for rater in raters:
        cells = {p.transcript: f"{p.coded} / {p.to_code}" + (", done" if p.done else "")
                 for p in progress if p.rater == rater}
        frame[rater] = [cells.get(name, "") for name in frame["transcript"]]
    return frame


# -- agreement visibility ------------------------------------------------------------


def coders_see_agreement(study: Study) -> bool:
    """Whether the admin lets coders see agreement on transcripts every compared coder finished."""
    with study.session() as session:
        return get_setting(session, AGREEMENT_VISIBILITY_KEY) == "yes"


def set_coders_see_agreement(study: Study, actor: Actor, allowed: bool) -> None:
    actor.require_admin("decide who sees agreement")
    with study.session() as session:
        before = session.get(Meta, AGREEMENT_VISIBILITY_KEY)
        session.merge(Meta(key=AGREEMENT_VISIBILITY_KEY, value="yes" if allowed else "no"))
        audit(session, actor.name, "setting", AGREEMENT_VISIBILITY_KEY,
              before={"value": before.value if before else "no"}, after={"value": "yes" if allowed else "no"})


def agreement_transcripts(study: Study, actor: Actor, raters: list[str]) -> list[str]:
    """The transcripts on which ``actor`` may compare ``raters``: those every one of them marked done.

    An admin may always compare; a coder only when the admin allowed it, only comparing
    themselves with others, and only on transcripts all compared raters finished.
    """
    if len(set(raters)) < 2:
        raise StudyError("choose at least two raters to compare")
    if not actor.is_admin:
        if not coders_see_agreement(study):
            raise NotAllowed("agreement is shown to coders only when the admin allows it; ask your study's admin")
        if actor.name not in raters:
            raise NotAllowed(f"{actor.name} may compare only their own codings with others'")
    with study.session() as session:
        ids = dict(session.execute(select(User.name, User.id).where(User.name.in_(raters))).all())
        if missing := sorted(set(raters) - set(ids)):
            raise StudyError(f"no rater named {', '.join(missing)}")
        done = select(TranscriptStatus.transcript_id).where(
            TranscriptStatus.rater_id.in_(list(ids.values())), TranscriptStatus.done.is_(True)
        ).group_by(TranscriptStatus.transcript_id).having(func.count() == len(ids))
        names = list(session.scalars(select(Transcript.name).where(Transcript.id.in_(done)).order_by(Transcript.id)))
    if not names and not actor.is_admin:
        raise NotAllowed("agreement is shown once every compared coder has marked a transcript done")
    return names


def comparable_raters(study: Study, actor: Actor) -> list[str]:
    """The raters who have coded (the consensus left out): whom agreement can compare."""
    with study.session() as session:
        return coders_with_codings(session)


def agreement_for(study: Study, actor: Actor, raters: list[str], level: str = "segment",
                  replicates: int = DEFAULT_REPLICATES, participant_turns_only: bool = False) -> AgreementReport:
    """The agreement report the actor may see (``agreement_transcripts`` says when).

    Units are the transcripts every compared rater marked done. A coder gets the figures only,
    never the codings behind them (``study.adjudication.disagreements`` stays admin-only).
    """
    agreement_transcripts(study, actor, raters)
    # the rule above has allowed this coder the figures; the report itself is computed as an admin would
    reader = actor if actor.is_admin else Actor(actor.name, "system")
    return agreement_report(study, reader, raters, level, replicates=replicates,
                            participant_turns_only=participant_turns_only)


def study_version(study: Study) -> int:
    """A number that grows with every change to the study (every change is audited): a cache key."""
    with study.session() as session:
        return session.scalar(select(func.max(AuditEntry.id))) or 0


# -- findings ------------------------------------------------------------------------


@dataclass(frozen=True)
class SourceChoice:
    """A source the Findings page offers: its label, and what ``study.sources.choose_source`` takes."""

    label: str
    source: str
    combine: str = "union"


def findings_sources(study: Study, actor: Actor) -> list[SourceChoice]:
    """The sources the actor may read findings from: the consensus (once it has codings), each
    coder, and all coders combined (union, majority); a coder only their own codings."""
    if not actor.is_admin:
        return [SourceChoice(f"your codings ({actor.name})", actor.name)]
    with study.session() as session:
        coders = coders_with_codings(session)
        consensus = has_codings(session, CONSENSUS)
    # in the order study.sources picks a default: the consensus, else every coder combined
    choices = [SourceChoice("consensus (adjudicated)", CONSENSUS)] if consensus else []
    if len(coders) > 1:
        everyone = ",".join(coders)
        choices += [SourceChoice("all coders: union (any applied it)", everyone, "union"),
                    SourceChoice("all coders: majority (most applied it)", everyone, "majority")]
    return choices + [SourceChoice(f"coder: {name}", name) for name in coders]


# -- audit log -----------------------------------------------------------------------

AUDIT_COLUMNS = ["at", "actor", "action", "target", "before", "after", "undone"]


@dataclass(frozen=True)
class AuditFilter:
    """What to show of the audit log; empty fields do not filter."""

    actors: tuple[str, ...] = ()
    actions: tuple[str, ...] = ()
    since: datetime | None = None
    until: datetime | None = None
    text: str = ""
    limit: int = 1000


def audit_log(study: Study, actor: Actor, where: AuditFilter = AuditFilter()) -> tuple[pd.DataFrame, int]:
    """The newest audit entries that match (at most ``where.limit``), and how many match in all.
    ``text`` searches the target and the before/after values, case-insensitively."""
    actor.require_admin("read the audit log")
    conditions = []
    if where.actors:
        conditions.append(AuditEntry.actor.in_(where.actors))
    if where.actions:
        conditions.append(AuditEntry.action.in_(where.actions))
    if where.since is not None:
        conditions.append(AuditEntry.at >= where.since)
    if where.until is not None:
        conditions.append(AuditEntry.at <= where.until)
    if where.text.strip():
        pattern = "%" + re.sub(r"([\\%_])", r"\\\1", where.text.strip()) + "%"
        conditions.append(or_(*(column.ilike(pattern, escape="\\") for column in (
            AuditEntry.target, cast(AuditEntry.before, String), cast(AuditEntry.after, String)))))
    with study.session() as session:
        total = session.scalar(select(func.count()).select_from(AuditEntry).where(*conditions))
        entries = session.scalars(
            select(AuditEntry).where(*conditions).order_by(AuditEntry.id.desc()).limit(where.limit)
        ).all()
        records = [_audit_record(e) for e in entries]
    return pd.DataFrame.from_records(records, columns=AUDIT_COLUMNS), total


def _audit_record(entry: AuditEntry) -> dict:
    return {
        "at": entry.at, "actor": entry.actor, "action": entry.action, "target": entry.target,
        "before": _compact(entry.before), "after": _compact(entry.after), "undone": entry.undone,
    }


def _compact(value: dict | None) -> str:
    if not value:
        return ""
    return ", ".join(f"{k}={v}" for k, v in value.items())


def audit_choices(study: Study, actor: Actor) -> tuple[list[str], list[str]]:
    """The actors and the actions that occur in the audit log, for filter menus."""
    actor.require_admin("read the audit log")
    with study.session() as session:
        actors = sorted(session.scalars(select(AuditEntry.actor).distinct()))
        actions = sorted(session.scalars(select(AuditEntry.action).distinct()))
    return actors, actions
