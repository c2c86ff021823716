"""The study's ORM classes, mapped onto the tables of ``study.schema``, and the audit write.

Opening a database, transactions and schema upgrades live in ``study.database``; they are named
here too, where every module has always found them.
"""
from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import DeclarativeBase, Mapped, Session, relationship

from . import schema
from .database import DEFAULT_URL, POOL_OVERFLOW, POOL_SIZE, Study, resolve_url  # noqa: F401
from .schema import SCHEMA_VERSION, WHOLE_TRANSCRIPT, unit_key, utcnow  # noqa: F401

CONSENSUS = "consensus"  # the system rater that holds adjudicated codings


class Base(DeclarativeBase):
    metadata = schema.metadata  # the tables are declared once, in study.schema


class Meta(Base):
    __table__ = schema.study_meta


class Participant(Base):
    __table__ = schema.participants
    transcripts: Mapped[list[Transcript]] = relationship(back_populates="participant")


class Transcript(Base):
    __table__ = schema.transcripts
    participant: Mapped[Participant | None] = relationship(back_populates="transcripts")
    segments: Mapped[list[Segment]] = relationship(
        back_populates="transcript", order_by="Segment.index", cascade="all, delete-orphan"
    )


class Segment(Base):
    __table__ = schema.segments
    transcript: Mapped[Transcript] = relationship(back_populates="segments")

    @property
    def text(self) -> str:
        return self.transcript.text[self.start : self.end]


class Theme(Base):
    __table__ = schema.themes
    parent: Mapped[Theme | None] = relationship(remote_side="Theme.id", back_populates="children")
    children: Mapped[list[Theme]] = relationship(back_populates="parent", order_by="Theme.position")
    # the codes directly in the theme; codes under them share its theme_id and hang from their parent
    codes: Mapped[list[Code]] = relationship(
        primaryjoin="and_(Theme.id == Code.theme_id, Code.parent_code_id.is_(None))", order_by="Code.position",
        viewonly=True)

    @property
    def path(self) -> tuple[str, ...]:
        return (self.parent.path if self.parent else ()) + (self.name,)


class Code(Base):
    __table__ = schema.codes
    theme: Mapped[Theme | None] = relationship()  # None: at the top level of the codebook
    parent: Mapped[Code | None] = relationship(remote_side="Code.id", back_populates="children")
    children: Mapped[list[Code]] = relationship(back_populates="parent", order_by="Code.position")

    @property
    def path(self) -> tuple[str, ...]:
        above = self.parent.path if self.parent is not None else self.theme.path if self.theme is not None else ()
        return above + (self.name,)

    @property
    def ancestors(self) -> tuple[str, ...]:
        """The names of the codes above this one, top first (empty for a code directly in its theme)."""
        return self.parent.ancestors + (self.parent.name,) if self.parent is not None else ()

    @property
    def ref(self) -> str:
        from .codebook import join_ref  # the one escaping rule for references

        return join_ref(self.path)

    @property
    def top_theme(self) -> str:
        """The name of the top theme the code is in; "" for a code in no theme (at the top level)."""
        return self.theme.path[0] if self.theme is not None else ""


class User(Base):
    """A rater; with a password hash also an account that can sign in to the app."""

    __table__ = schema.users


class Coding(Base):
    """A rater's code on a unit: a whole transcript, a segment, or a span inside a segment.

    Written only through ``study.coding_write``, which keeps ``unit_key`` in step with the
    segment and span, so one unique key covers rater, transcript, unit, code and span."""

    __table__ = schema.codings
    rater: Mapped[User] = relationship()
    code: Mapped[Code] = relationship()
    segment: Mapped[Segment | None] = relationship()
    transcript: Mapped[Transcript] = relationship()

    @property
    def span(self) -> tuple[int, int] | None:
        return None if self.span_start is None else (self.span_start, self.span_end)


class CodingFlag(Base):
    """A coding whose own words were corrected after it was made (``study.corrections``), to be looked at again."""

    __table__ = schema.coding_flags


class Memo(Base):
    """A rater's memo on a segment, or on a whole transcript (segment_id empty)."""

    __table__ = schema.memos


class MemoVersion(Base):
    """Every text a memo has held, numbered from 1 per memo: nothing typed is ever lost, and a
    save names the version it was based on so that edits from two tabs are detected."""

    __table__ = schema.memo_versions


class TranscriptStatus(Base):
    __table__ = schema.transcript_status


class Resolution(Base):
    """An adjudicator's decision on one disputed (unit, code) between raters."""

    __table__ = schema.resolutions


class Exclusion(Base):
    """A transcript or a participant an admin left out of findings and agreement (kept, reversible)."""

    __table__ = schema.exclusions


class AuditEntry(Base):
    """Append-only: who did what, when, with the state before and after."""

    __table__ = schema.audit_log


class AppSession(Base):
    """A signed-in browser: the hash of the token its cookie holds, until it expires or signs out."""

    __table__ = schema.app_sessions


class SignInDevice(Base):
    """A browser that signed in to an account before: the hash of its device cookie's token, and
    when it last signed in. Failures elsewhere never make it wait (study.auth.sign_in)."""

    __table__ = schema.sign_in_devices


class SignInThrottle(Base):
    """Failed sign-ins for one account from one client address (account "" counts a client's
    failures over every account name): how many in a row, and until when the next is refused."""

    __table__ = schema.sign_in_throttle


class SignInFailure(Base):
    """No longer written (study.auth throttles with SignInThrottle); kept so old databases open."""

    __table__ = schema.sign_in_failures


def audit(session: Session, actor: str, action: str, target: str, before=None, after=None) -> AuditEntry:
    entry = AuditEntry(actor=actor, action=action, target=target, before=before, after=after)
    session.add(entry)
    return entry


CODERS_SEE_AGREEMENT = "coders_see_agreement"  # setting: "yes" lets coders see agreement on finished work


def get_setting(session: Session, key: str) -> str | None:
    row = session.get(Meta, key)
    return row.value if row is not None else None


def get_user(session: Session, name: str) -> User | None:
    return session.scalar(select(User).where(User.name == name))
