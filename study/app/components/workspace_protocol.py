"""The coding workspace's messages from the browser, checked before anything reads them.

A message comes from a page script that anyone can rewrite, so every field is checked for type,
range and size here, once: ids and numbers are whole numbers a browser can hold exactly
(1 .. 2**53 - 1, so never a value the database cannot bind), strings are bounded, unknown kinds
and ops are refused. What passes is a frozen value; what does not is a ``ProtocolError`` (one
line, for the page) or, for one op among several, a ``BadOp`` that is reported and skipped.
No Streamlit here: the component calls ``parse_event`` and tests call it directly.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Union

from study.errors import StudyError
from study.memos import MAX_CHARS as MAX_MEMO_CHARS

MAX_NUMBER = 2**53 - 1  # the largest whole number JavaScript holds exactly
MAX_OPS = 500  # unconfirmed ops one message may carry
MAX_TOKEN = 64  # client id and static version
MAX_SPAN = 10_000_000  # a character offset inside a transcript
RELOAD = "reload the page"


class ProtocolError(StudyError):
    """A message from the page that the workspace does not understand; nothing of it was applied."""


@dataclass(frozen=True)
class CodeOp:
    op: int
    segment_id: int
    code_id: int
    applied: bool
    span: tuple[int, int] | None = None  # absolute character offsets inside the segment; None: the segment
    transcript_id: int | None = None  # the transcript the page showed (None: the segment's)
    words: str | None = None  # the words the page showed at the span (None: a page from before it said)


@dataclass(frozen=True)
class MemoOp:
    op: int
    transcript_id: int
    segment_id: int | None
    text: str
    base_version: int | None  # the memo version the rater was editing
    confirm_empty: bool  # the rater confirmed that an emptied memo should be saved


@dataclass(frozen=True)
class RestoreOp:
    op: int
    transcript_id: int
    segment_id: int | None
    version: int
    base_version: int | None


@dataclass(frozen=True)
class BadOp:
    op: int
    message: str


Op = Union[CodeOp, MemoOp, RestoreOp, BadOp]


@dataclass(frozen=True)
class OpsEvent:
    client: str
    have: str | None
    ops: tuple[Op, ...]


@dataclass(frozen=True)
class NeedStatic:
    client: str
    have: str | None


@dataclass(frozen=True)
class Sync:
    """Clicks were confirmed over HTTP (``coding_endpoint``): read everything anew (the picker's counts too)."""

    client: str
    have: str | None


@dataclass(frozen=True)
class HistoryRequest:
    client: str
    have: str | None
    transcript_id: int
    segment_id: int | None


Event = Union[OpsEvent, NeedStatic, Sync, HistoryRequest]


def parse_event(raw: Any) -> Event:
    """The checked event, or ProtocolError naming what was wrong."""
    if not isinstance(raw, dict):
        raise ProtocolError("the page sent a message that is not an object", RELOAD)
    kind = raw.get("kind")
    client = _token(raw, "client", required=True)
    have = _token(raw, "have", required=False)
    if kind == "ops":
        ops = raw.get("ops")
        if not isinstance(ops, list) or len(ops) > MAX_OPS:
            raise ProtocolError(f"the page sent ops that are not a list of at most {MAX_OPS}", RELOAD)
        return OpsEvent(client, have, tuple(parse_op(op) for op in ops))
    if kind == "need_static":
        return NeedStatic(client, have)
    if kind == "sync":
        return Sync(client, have)
    if kind == "memo_history":
        return HistoryRequest(client, have, _id(raw, "transcript"), _optional_id(raw, "seg"))
    raise ProtocolError(f"the page sent a message of an unknown kind ({_shown(kind)})", RELOAD)


def parse_op(raw: Any) -> Op:
    """One op: a value to apply, or BadOp (its number known) to report. An op without a valid
    number cannot be confirmed or skipped on resend, so it refuses the whole message."""
    if not isinstance(raw, dict):
        raise ProtocolError("the page sent an op that is not an object", RELOAD)
    number = _id(raw, "op")
    try:
        return _op(raw, number)
    except ProtocolError as exc:
        return BadOp(number, str(exc))


def _op(raw: dict, number: int) -> Op:
    kind = raw.get("kind")
    if kind == "code":
        return CodeOp(number, _id(raw, "seg"), _id(raw, "code"), _bool(raw, "on"), _span(raw),
                      _optional_id(raw, "transcript"), None if raw.get("words") is None else _text(raw, "words"))
    if kind == "memo":
        return MemoOp(number, _id(raw, "transcript"), _optional_id(raw, "seg"), _text(raw, "text"),
                      _optional_number(raw, "base"), raw.get("confirm_empty") is True)
    if kind == "memo_restore":
        return RestoreOp(number, _id(raw, "transcript"), _optional_id(raw, "seg"), _number(raw, "version"),
                         _optional_number(raw, "base"))
    raise ProtocolError(f"the page sent a change it does not understand ({_shown(kind)})", RELOAD)


def _number(raw: dict, name: str, low: int = 0, high: int = MAX_NUMBER) -> int:
    value = raw.get(name)
    if not isinstance(value, int) or isinstance(value, bool) or not low <= value <= high:
        raise ProtocolError(f"the page sent a change without a valid {name} (a whole number from {low} to {high})",
                            RELOAD)
    return value


def _id(raw: dict, name: str) -> int:
    return _number(raw, name, low=1)


def _optional_id(raw: dict, name: str) -> int | None:
    return None if raw.get(name) is None else _id(raw, name)


def _optional_number(raw: dict, name: str) -> int | None:
    return None if raw.get(name) is None else _number(raw, name)


def _bool(raw: dict, name: str) -> bool:
    value = raw.get(name)
    if not isinstance(value, bool):
        raise ProtocolError(f"the page sent a change without a valid {name} (true or false)", RELOAD)
    return value


def _text(raw: dict, name: str) -> str:
    value = raw.get(name)
    if not isinstance(value, str) or len(value) > MAX_MEMO_CHARS:
        raise ProtocolError(f"the page sent a {name} that is not text of at most {MAX_MEMO_CHARS:,} characters",
                            "shorten it")
    return value


def _span(raw: dict) -> tuple[int, int] | None:
    span = raw.get("span")
    if span is None:
        return None
    if not isinstance(span, list) or len(span) != 2:
        raise ProtocolError("the page sent a span that is not [start, end]", RELOAD)
    bounds = {"start": span[0], "end": span[1]}
    start, end = _number(bounds, "start", high=MAX_SPAN), _number(bounds, "end", high=MAX_SPAN)
    if end <= start:
        raise ProtocolError("the page sent an empty or reversed span", "select the text again")
    return start, end


def _token(raw: dict, name: str, required: bool) -> str | None:
    value = raw.get(name)
    if value is None and not required:
        return None
    if not isinstance(value, str) or not 0 < len(value) <= MAX_TOKEN:
        raise ProtocolError(f"the page sent a message without a valid {name}", RELOAD)
    return value


def _shown(value: Any) -> str:
    """A value from the page, cut short for a message."""
    return repr(value)[:40]
