"""The coding workspace component (st.components.v2): the whole transcript on one page, a code
panel for the selected segment, keyboard coding, memos and filters, all in the browser.

A click shows at once in the browser and is sent to Python as an "ops" event; the event's
callback stores it through ``study.workspace`` (before the fragment's body runs), and the body
sends back what the database now holds, which confirms or reverts the display. The transcript
text and the codebook (the "static" part, ~150 KB for 300 turns) are sent only when the browser
does not have them: per-click payloads carry the rater's code ids and memos, not the text. The
page keeps the last ``KEPT_STATIC`` static parts it was sent (the component's script lives as long
as the browser tab, across its remounts), and this tab's session state remembers which: coming
back to the Code page, or to a transcript shown before, sends only the version; a page that has
lost it asks again ("need_static").

Messages from the browser (one trigger, ``event``) are checked by ``workspace_protocol`` before
anything reads them::

    {"kind": "ops", "client": str, "have": version, "ops": [
        {"op": n, "kind": "code", "transcript": id, "seg": segment_id, "code": code_id, "on": bool,
         "span": [start, end] | null},
        {"op": n, "kind": "memo", "transcript": id, "seg": segment_id | null, "text": str,
         "base": version the rater edited, "confirm_empty": bool},
        {"op": n, "kind": "memo_restore", "transcript": id, "seg": segment_id | null, "version": n, "base": n}]}
    {"kind": "need_static", "client": str, "have": version | null}
    {"kind": "sync", "client": str, "have": version | null}  (clicks went to coding_endpoint: read anew)
    {"kind": "memo_history", "client": str, "have": version, "transcript": id, "seg": segment_id | null}

Python -> browser (``data``): see ``payload``. Ops are numbered per browser ``client``; those at
or below the last confirmed number are not applied twice, so the browser may resend safely.
"""
from __future__ import annotations

import hashlib
import json
import time
from pathlib import Path

import streamlit as st

from study import audit_log, workspace
from study.app.components import workspace_protocol as protocol
from study.app.components.workspace_ops import apply_ops  # noqa: F401  (tests call it here too)
from study.app.display import said
from study.auth import Actor
from study import codes as codes_mod
from study.codes import CodeView
from study.errors import StudyError
from study.store import Study

HERE = Path(__file__).parent
KEY = "coding_workspace"
_HAVE = "coding_workspace.have"  # the static version the browser reported with its last event
_SENT = "coding_workspace.sent"  # (transcript id, static version) last shown
_HELD = "coding_workspace.held"  # the static versions the page keeps, oldest first
_BUILT = "coding_workspace.built"  # {transcript id: (study version, static version)} as last built
KEPT_STATIC = 4  # static parts the page keeps (coding_workspace.js keeps as many)
_CONFIRMED = "coding_workspace.confirmed"  # {client: highest op applied}
_RESULT = "coding_workspace.result"  # the last event's outcome, for the next payload
_HISTORY = "coding_workspace.history"  # a memo's versions, asked for by the last event
_STATE = "coding_workspace.state"  # the rater's work as last sent (workspace.CoderState)
_PATCHED = "coding_workspace.patched"  # the last event's clicks were stored and read back into _STATE
_READ_AT = "coding_workspace.read_at"  # when _STATE was last read whole (server time, ms)

_mount = st.components.v2.component(
    "study.coding_workspace",
    js=(HERE / "coding_workspace.js").read_text(encoding="utf-8"),
    css=(HERE / "coding_workspace.css").read_text(encoding="utf-8"),
)


def coding_workspace(study: Study, actor: Actor, transcript_id: int, goto_segment: int | None = None,
                     goto_match: tuple[int, int] | None = None) -> None:
    """Mount the workspace for one transcript (call it inside an ``st.fragment``). ``goto_segment``:
    the segment index the page's address names, selected once when it changes; ``goto_match``:
    the words there to highlight (a search hit, absolute offsets)."""
    data = payload(study, actor, transcript_id)
    if goto_segment is not None:
        data["goto"] = {"transcript": transcript_id, "segment": goto_segment}
        if goto_match is not None:
            data["goto"]["match"] = list(goto_match)
    _mount(key=KEY, data=data, on_event_change=lambda: _on_event(study, actor))


def just_stored(transcript_id: int) -> workspace.CoderState | None:
    """The rater's work on the transcript when this run follows clicks that were stored and read
    back (the run then reads nothing more); None when the page must read it."""
    state = st.session_state.get(_STATE)
    fresh = st.session_state.get(_PATCHED) and state is not None and state.transcript_id == transcript_id
    return state if fresh else None


def payload(study: Study, actor: Actor, transcript_id: int) -> dict:
    """What the browser needs: the rater's own codes and memos (with their versions), the done
    mark and progress as stored, and the static part if it lacks it. After clicks, the state
    they read back is sent as it is; any other run reads the rater's work anew."""
    have = st.session_state.pop(_HAVE, None)
    sent = st.session_state.get(_SENT)
    data: dict = {}
    if sent is None or sent[0] != transcript_id or have != sent[1]:  # not an event from the page showing it
        st.session_state[_SENT] = (transcript_id, static_version(study, actor, transcript_id, data))
    data["version"] = st.session_state[_SENT][1]
    state = just_stored(transcript_id)
    st.session_state.pop(_PATCHED, None)
    if state is None:
        st.session_state[_READ_AT] = time.time() * 1000
        state = st.session_state[_STATE] = workspace.coder_state(study, actor, transcript_id)
    # Clicks confirmed over HTTP after this time are newer than this state: the page keeps them.
    data["read_at"] = st.session_state[_READ_AT]
    data["applied"] = {str(sid): sorted(ids) for sid, ids in state.codes.items() if sid is not None}
    data["spans"] = {str(sid): sorted(found) for sid, found in state.spans.items()}
    data["memos"] = {str(sid): text for sid, text in state.memos.items() if sid is not None and text}
    data["memo_versions"] = {("t" if sid is None else str(sid)): v for sid, v in state.memo_versions.items()}
    data["transcript_memo"] = state.memos.get(None, "")
    data["done"] = state.done
    data["progress"] = {"coded": state.progress.coded, "total": state.progress.total}
    for name in (_RESULT, _HISTORY):
        value = st.session_state.pop(name, None)
        if value is not None:
            data[name.rsplit(".", 1)[1]] = value
    return data


def static_version(study: Study, actor: Actor, transcript_id: int, data: dict) -> str:
    """The version of the transcript's static part, built (and put in ``data`` when the page lacks
    it) only when the study changed since this tab last built it: every change is audited, so
    ``study_version``, one indexed read, tells a navigation that changed nothing from one that
    did, and the first costs no rebuild of the segments and the codebook."""
    held = st.session_state.setdefault(_HELD, [])
    built = st.session_state.setdefault(_BUILT, {})
    changes = audit_log.study_version(study)
    known = built.get(transcript_id)
    if known is not None and known[0] == changes and known[1] in held:
        return known[1]
    static = static_payload(study, actor, transcript_id)
    version = static["version"]
    if version not in held:
        data["static"] = static
        held.append(version)
        del held[:-KEPT_STATIC]
    built[transcript_id] = (changes, version)
    for gone in [t for t, (_, v) in built.items() if v not in held]:
        del built[gone]
    return version


def component_code(code: CodeView, label: str | None = None) -> dict:
    """A code under the keys the browser reads (coding_workspace.js): ``theme`` is the top theme,
    ``label`` what its chips show (``codes.chip_labels``: the name, or the shortest tail of the
    path that tells it from another code of that name)."""
    return {"id": code.id, "ref": code.ref, "name": code.name, "label": label or code.name, "theme": code.top_theme,
            "path": list(code.path), "depth": code.depth,
            "colour": code.colour, "definition": code.definition, "when_to_use": code.when_to_use,
            "when_not_to_use": code.when_not_to_use, "example": code.example, "retired": code.retired}


def static_payload(study: Study, actor: Actor, transcript_id: int) -> dict:
    """The transcript's segments and the codebook, with a version that changes when they do."""
    segments = workspace.transcript_segments(study, actor, transcript_id)
    codes = workspace.codebook_entries(study)
    labels = codes_mod.chip_labels(codes)
    body = {
        "transcript": {"id": transcript_id},
        "segments": [[s.id, s.index, s.speaker, s.role, s.text, s.timestamp, s.start] for s in segments],
        "codes": [component_code(c, labels[c.id]) for c in codes],
    }
    version = hashlib.sha256(json.dumps(body, sort_keys=True).encode()).hexdigest()[:16]
    return {"version": version, **body}


def _on_event(study: Study, actor: Actor) -> None:
    """Store what the browser sent (runs before the fragment body, which then reads it back)."""
    raw = (st.session_state.get(KEY) or {}).get("event")
    if raw is None:
        return
    try:
        event = protocol.parse_event(raw)
    except protocol.ProtocolError as exc:
        client = raw.get("client") if isinstance(raw, dict) and isinstance(raw.get("client"), str) else ""
        st.session_state[_RESULT] = {"client": client[:protocol.MAX_TOKEN], "errors": [{"op": None, "message": said(exc)}]}
        return
    st.session_state[_HAVE] = event.have
    if isinstance(event, protocol.NeedStatic):  # the page lacks the version it was told to show
        st.session_state.pop(_SENT, None)
        st.session_state.pop(_HELD, None)
    elif isinstance(event, protocol.Sync):
        return  # this run reads everything anew
    elif isinstance(event, protocol.HistoryRequest):
        st.session_state[_HISTORY] = memo_history(study, actor, event)
    else:
        confirmed = st.session_state.setdefault(_CONFIRMED, {})
        outcome = apply_ops(study, actor, event.ops, after=confirmed.get(event.client, 0),
                            state=st.session_state.get(_STATE))
        confirmed[event.client] = outcome.last
        if outcome.state is not None:
            st.session_state[_STATE] = outcome.state
            st.session_state[_PATCHED] = True
        st.session_state[_RESULT] = {"client": event.client, "confirmed_op": outcome.last, "errors": outcome.errors,
                                     "conflicts": outcome.conflicts}


def memo_history(study: Study, actor: Actor, request: protocol.HistoryRequest) -> dict:
    """The versions of one memo, for the page's history list."""
    answer = {"client": request.client, "transcript": request.transcript_id, "seg": request.segment_id}
    try:
        versions = workspace.memo_history(study, actor, request.transcript_id, request.segment_id)
    except StudyError as exc:
        return {**answer, "versions": [], "error": said(exc)}
    return {**answer, "versions": [
        {"version": v.version, "text": v.text, "actor": v.actor, "at": v.at.isoformat(timespec="seconds") if v.at else ""}
        for v in versions]}
