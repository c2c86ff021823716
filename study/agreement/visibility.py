"""Who may see agreement: an admin always; a coder only when the admin allows it, only comparing
themselves with others, and only on transcripts every compared rater marked done.

The agreement report consults these rules itself (``unit_table``), so every front end gets the
same answer and no caller needs to act as someone else to compute a coder's figures.
"""
from __future__ import annotations

from typing import Sequence

from sqlalchemy import func, select

from ..auth import Actor
from ..errors import BadValue, NotAllowed, NotFound
from ..codings import check_may_compare
from ..excluded import excluded_transcript_ids
from ..sources import coders_with_codings
from ..store import CODERS_SEE_AGREEMENT, Meta, Study, Transcript, TranscriptStatus, User, audit, get_setting


def coders_see_agreement(study: Study) -> bool:
    """Whether the admin lets coders see agreement on transcripts every compared coder finished."""
    with study.session() as session:
        return get_setting(session, CODERS_SEE_AGREEMENT) == "yes"


def set_coders_see_agreement(study: Study, actor: Actor, allowed: bool) -> None:
    """Let coders see agreement on finished transcripts (or stop letting them); audited."""
    actor.require_admin("decide who sees agreement")
    with study.session() as session:
        before = session.get(Meta, CODERS_SEE_AGREEMENT)
        session.merge(Meta(key=CODERS_SEE_AGREEMENT, value="yes" if allowed else "no"))
        audit(session, actor.name, "setting", CODERS_SEE_AGREEMENT,
              before={"value": before.value if before else "no"}, after={"value": "yes" if allowed else "no"})


def comparable_raters(study: Study, actor: Actor) -> list[str]:
    """The raters who have coded (the consensus left out): whom agreement can compare."""
    with study.session() as session:
        return coders_with_codings(session)


def agreement_transcripts(study: Study, actor: Actor, raters: Sequence[str]) -> list[str]:
    """The transcripts on which ``actor`` may compare ``raters``: those every one of them marked done."""
    if len(set(raters)) < 2:
        raise BadValue("choose at least two raters to compare")
    _require_coder_may_compare(study, actor, raters)
    names = _done_by_all(study, raters)
    if not names and not actor.is_admin:
        raise NotAllowed("agreement is shown once every compared coder has marked a transcript done")
    return names


def require_may_compare(study: Study, actor: Actor, raters: Sequence[str], include_unfinished: bool) -> None:
    """Raise NotAllowed unless ``actor`` may see agreement between ``raters`` (see the module doc)."""
    if actor.is_admin:
        return
    if include_unfinished:
        raise NotAllowed("coders see agreement only on transcripts every compared coder marked done")
    agreement_transcripts(study, actor, raters)


def _require_coder_may_compare(study: Study, actor: Actor, raters: Sequence[str]) -> None:
    with study.session() as session:
        check_may_compare(session, actor, raters)


def _done_by_all(study: Study, raters: Sequence[str]) -> list[str]:
    with study.session() as session:
        ids = dict(session.execute(select(User.name, User.id).where(User.name.in_(list(raters)))).all())
        if missing := sorted(set(raters) - set(ids)):
            raise NotFound(f"no rater named {', '.join(missing)}")
        done = select(TranscriptStatus.transcript_id).where(
            TranscriptStatus.rater_id.in_(list(ids.values())), TranscriptStatus.done.is_(True)
        ).group_by(TranscriptStatus.transcript_id).having(func.count() == len(ids))
        excluded = excluded_transcript_ids(session)  # left out of agreement for everyone
        shown = select(Transcript.name).where(Transcript.id.in_(done), Transcript.id.not_in(excluded))
        return list(session.scalars(shown.order_by(Transcript.id)))
