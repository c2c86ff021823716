"""The Code page's clicks over HTTP: ``POST /_study/code`` stores clicks (a code applied to or
removed from a segment or a span) and answers with what each clicked segment now holds and the
rater's progress, so the page confirms a click without a Streamlit rerun. Memos and everything
else still go through the workspace component's event (``components.coding_workspace``).

Request (JSON, from the page's own script): ``{"client": str, "ops": [code ops as in
workspace_protocol, each naming its "transcript"]}``. Answer: ``{"client", "confirmed_op",
"errors": [{"op", "message"}], "segments": {segment id: {"codes": [ids], "spans": [[code, start,
end]]}}, "progress": {"coded", "total"} | null, "transcript": id | null, "at": server time (ms)}``.

Only a signed-in browser's same-origin script can call it: the HttpOnly session cookie names the
rater, and a custom header forces a CORS preflight this server never grants. Ops are numbered per
browser ``client``; those at or below the last applied number are not applied again.
"""
from __future__ import annotations

import json
import threading
import time
from collections import OrderedDict

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from study.app.common import get_study
from study.app.components import workspace_protocol as protocol
from study.app.components.workspace_ops import apply_ops
from study.app.display import said
from study.app.session_handoff import COOKIE
from study.auth import Actor, resume_session
from study.store import Study

CLICK_PATH = "/_study/code"
HEADER = "x-study-click"
MAX_BODY = 1_000_000  # bytes: 500 ops with their spans fit many times over
_KEPT_CLIENTS = 10_000  # browser tabs whose last applied op is remembered


class _Applied:
    """{(rater, client): the highest op applied}, the oldest forgotten first."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._last: OrderedDict[tuple[str, str], int] = OrderedDict()

    def after(self, key: tuple[str, str]) -> int:
        with self._lock:
            return self._last.get(key, 0)

    def record(self, key: tuple[str, str], last: int) -> None:
        with self._lock:
            self._last[key] = max(last, self._last.get(key, 0))
            self._last.move_to_end(key)
            while len(self._last) > _KEPT_CLIENTS:
                self._last.popitem(last=False)


_applied = _Applied()


def same_origin(request: Request, header: str) -> bool:
    """The request came from this app's own page script: it carries ``header`` (which a cross-site
    page cannot send without a preflight) and, when the browser names an Origin, it is this host."""
    origin = request.headers.get("origin")
    return request.headers.get(header) == "1" and (
        origin is None or origin.split("://", 1)[-1] == request.headers.get("host"))


async def code_clicks(request: Request) -> Response:
    """The endpoint (see the module's docstring)."""
    if not same_origin(request, HEADER):
        return Response(status_code=403)
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > MAX_BODY:
        return Response(status_code=413)
    body = await request.body()
    if len(body) > MAX_BODY:
        return Response(status_code=413)
    try:
        raw = json.loads(body)
    except (ValueError, UnicodeDecodeError):
        return Response(status_code=400)
    answer = await run_in_threadpool(answer_clicks, get_study(), request.cookies.get(COOKIE), raw)
    if answer is None:
        return Response(status_code=401)
    return JSONResponse(answer, headers={"cache-control": "no-store"})


def answer_clicks(study: Study, token: str | None, raw) -> dict | None:
    """Apply the clicks of a request as the rater its session token names; None when it names none."""
    actor = resume_session(study, token)
    if actor is None:
        return None
    try:
        event = protocol.parse_event({**raw, "kind": "ops"} if isinstance(raw, dict) else raw)
    except protocol.ProtocolError as exc:
        client = raw.get("client") if isinstance(raw, dict) and isinstance(raw.get("client"), str) else ""
        return _answer(client[:protocol.MAX_TOKEN], 0, [{"op": None, "message": said(exc)}])
    ops = tuple(op if isinstance(op, protocol.CodeOp) and op.transcript_id is not None
                else protocol.BadOp(op.op, "only clicks that name their transcript come here; reload the page")
                for op in event.ops)
    return _apply(study, actor, event.client, ops)


def _apply(study: Study, actor: Actor, client: str, ops: tuple) -> dict:
    # The page sends one request at a time and resends only what is unconfirmed; should a resend
    # meet a request still under way, both apply the same ops in order, which ends the same.
    key = (actor.name, client)
    outcome = apply_ops(study, actor, ops, after=_applied.after(key))
    _applied.record(key, outcome.last)
    segments = {str(sid): {"codes": sorted(s.codes), "spans": sorted(s.spans)} for sid, s in outcome.stored.items()}
    last = next(reversed(outcome.stored.values()), None)
    return _answer(client, outcome.last, outcome.errors, segments, last)


def _answer(client: str, last: int, errors: list, segments: dict | None = None, newest=None) -> dict:
    """The answer; ``newest``: the last click's read back, whose progress is the rater's now."""
    return {"client": client, "confirmed_op": last, "errors": errors, "segments": segments or {},
            "progress": {"coded": newest.progress.coded, "total": newest.progress.total} if newest else None,
            "transcript": newest.transcript_id if newest else None, "at": time.time() * 1000}
