"""The coding workspace component (st.components.v2): the whole transcript on one page, a code
panel for the selected segment, keyboard coding, memos and filters, all in the browser.

A click shows at once in the browser and is sent to Python as an "ops" event; the event's
callback stores it through ``study.workspace`` (before the fragment's body runs), and the body
sends back what the database now holds, which confirms or reverts the display. The transcript
text and the codebook (the "static" part) are sent only when the browser does not have them:
per-click payloads carry the rater's code ids and memos, not the text.

Protocol, browser -> Python (one trigger, ``event``)::

    {"kind": "ops", "client": str, "have": version, "ops": [
        {"op": n, "kind": "code", "seg": segment_id, "code": code_id, "on": bool},
        {"op": n, "kind": "memo", "transcript": transcript_id, "seg": segment_id | None, "text": str}]}
    {"kind": "need_static", "client": str, "have": version | None}

Python -> browser (``data``): see ``payload``. Ops are numbered per browser ``client``; those at
or below the last confirmed number are not applied twice, so the browser may resend safely.
"""
from __future__ import annotations

import hashlib
import json
from dataclasses import asdict
from pathlib import Path

import streamlit as st

from study import workspace
from study.auth import Actor
from study.errors import StudyError
from study.store import Study

HERE = Path(__file__).parent
KEY = "coding_workspace"
_HAVE = "coding_workspace.have"  # the static version the browser reported with its last event
_SENT = "coding_workspace.sent"  # (transcript id, static version) last sent
_CONFIRMED = "coding_workspace.confirmed"  # {client: highest op applied}
_RESULT = "coding_workspace.result"  # the last event's outcome, for the next payload

_mount = st.components.v2.component(
    "study.coding_workspace",
    js=(HERE / "coding_workspace.js").read_text(encoding="utf-8"),
    css=(HERE / "coding_workspace.css").read_text(encoding="utf-8"),
)


def coding_workspace(study: Study, actor: Actor, transcript_id: int) -> None:
    """Mount the workspace for one transcript (call it inside an ``st.fragment``)."""
    _mount(key=KEY, data=payload(study, actor, transcript_id), on_event_change=lambda: _on_event(study, actor))


def payload(study: Study, actor: Actor, transcript_id: int) -> dict:
    """What the browser needs: the rater's own codes and memos, and the static part if it lacks it."""
    have = st.session_state.pop(_HAVE, None)
    sent = st.session_state.get(_SENT)
    data: dict = {}
    if sent is None or sent[0] != transcript_id or have != sent[1]:
        static = static_payload(study, actor, transcript_id)
        st.session_state[_SENT] = (transcript_id, static["version"])
        data["static"] = static
    data["version"] = st.session_state[_SENT][1]
    state = workspace.coder_state(study, actor, transcript_id)
    data["applied"] = {str(sid): sorted(ids) for sid, ids in state.codes.items() if sid is not None}
    data["memos"] = {str(sid): text for sid, text in state.memos.items() if sid is not None and text}
    data["transcript_memo"] = state.memos.get(None, "")
    data["done"] = state.done
    result = st.session_state.pop(_RESULT, None)
    if result is not None:
        data["result"] = result
    return data


def static_payload(study: Study, actor: Actor, transcript_id: int) -> dict:
    """The transcript's segments and the codebook, with a version that changes when they do."""
    segments = workspace.transcript_segments(study, actor, transcript_id)
    codes = workspace.codebook_entries(study)
    body = {
        "transcript": {"id": transcript_id},
        "segments": [[s.id, s.index, s.speaker, s.role, s.text, s.timestamp] for s in segments],
        "codes": [{k: v for k, v in asdict(c).items()} for c in codes],
    }
    version = hashlib.sha256(json.dumps(body, sort_keys=True).encode()).hexdigest()[:16]
    return {"version": version, **body}


def _on_event(study: Study, actor: Actor) -> None:
    """Store what the browser sent (runs before the fragment body, which then reads it back)."""
    event = (st.session_state.get(KEY) or {}).get("event")
    if not isinstance(event, dict):
        return
    st.session_state[_HAVE] = event.get("have")
    if event.get("kind") == "need_static":
        st.session_state.pop(_SENT, None)
        return
    if event.get("kind") != "ops":
        return
    client = str(event.get("client", ""))[:64]
    confirmed = st.session_state.setdefault(_CONFIRMED, {})
    last, errors = apply_ops(study, actor, event.get("ops"), after=confirmed.get(client, 0))
    confirmed[client] = last
    st.session_state[_RESULT] = {"client": client, "confirmed_op": last, "errors": errors}


def apply_ops(study: Study, actor: Actor, ops, after: int) -> tuple[int, list[dict]]:
    """Apply, in order, the ops numbered above ``after`` (those at or below were applied
    before: the browser resends until confirmed). Returns the highest number applied and the
    refused ops as ``{"op": n, "message": why}``."""
    last, errors = after, []
    for op in ops if isinstance(ops, list) else []:
        number = _int(op.get("op")) if isinstance(op, dict) else None
        if number is None or number <= last:
            continue
        message = _apply(study, actor, op)
        if message:
            errors.append({"op": number, "message": message})
        last = number
    return last, errors


def _apply(study: Study, actor: Actor, op: dict) -> str | None:
    """Apply one op; the reason it was refused, or None."""
    try:
        if op.get("kind") == "code":
            change = workspace.Change(_required_int(op, "seg"), _required_int(op, "code"), op.get("on") is True)
            return workspace.apply_changes(study, actor, [change])[0].error
        if op.get("kind") == "memo":
            segment = None if op.get("seg") is None else _required_int(op, "seg")
            workspace.save_memo(study, actor, _required_int(op, "transcript"), segment, str(op.get("text", "")))
            return None
    except StudyError as exc:
        return str(exc)
    return "the page sent a change it does not understand; reload the page"


def _int(value) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def _required_int(op: dict, name: str) -> int:
    value = _int(op.get(name))
    if value is None:
        raise StudyError(f"the page sent a change without a valid {name}; reload the page")
    return value
