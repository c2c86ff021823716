"""The workspace's changes from the browser applied, in order, once: clicks (codes on segments and
spans) and memo edits. Used by the component's Streamlit event (``coding_workspace``) and by the
click endpoint (``coding_endpoint``), which answers a click without a page rerun.
"""
from __future__ import annotations

from dataclasses import dataclass, field

from study import memos, workspace
from study.app.components import workspace_protocol as protocol
from study.app.display import said
from study.auth import Actor
from study.errors import StudyError
from study.store import Study


@dataclass(frozen=True)
class Outcome:
    last: int  # the highest op number applied (or refused: a refused op is answered, not retried)
    errors: list[dict]  # {"op": n, "message": why}
    conflicts: list[dict]  # memo saves refused because of a newer version: both texts, for the rater to choose
    state: workspace.CoderState | None = None  # the given state with every click's read back; None: read anew
    stored: dict[int, workspace.SegmentCodes] = field(default_factory=dict)  # segment id -> as its last click read it


def apply_ops(study: Study, actor: Actor, ops, after: int, state: workspace.CoderState | None = None) -> Outcome:
    """Apply, in order, the checked ops numbered above ``after`` (those at or below were applied
    before: the browser resends until confirmed). The outcome carries what each click read back,
    and, when every op is a click stored on ``state``'s transcript, ``state`` updated with it."""
    last, errors, conflicts, read_back = after, [], [], {}
    for op in ops:
        if op.op <= last:
            continue
        stored = None  # stays None when refused: what the page shows is then read anew
        try:
            stored = _apply(study, actor, op)
        except memos.MemoConflict as exc:
            conflicts.append({"op": op.op, "transcript": exc.key.transcript_id, "seg": exc.key.segment_id,
                              "theirs": exc.stored.text, "theirs_version": exc.stored.version, "mine": exc.mine})
        except memos.MemoWouldEmpty as exc:
            errors.append({"op": op.op, "message": said(exc), "empty": {"seg": exc.key.segment_id,
                                                                      "text": exc.stored.text}})
        except StudyError as exc:
            errors.append({"op": op.op, "message": said(exc)})
        on_state = state is not None and stored is not None and stored.transcript_id == state.transcript_id
        state = state.with_segment(stored) if on_state else None
        if stored is not None:
            read_back[stored.segment_id] = stored
        last = op.op
    return Outcome(last, errors, conflicts, state, read_back)


def _apply(study: Study, actor: Actor, op: protocol.Op) -> workspace.SegmentCodes | None:
    """Apply one op; a click that names its transcript returns its segment's codes as stored."""
    if isinstance(op, protocol.BadOp):
        raise StudyError(op.message)
    if isinstance(op, protocol.CodeOp):
        change = workspace.Change(op.segment_id, op.code_id, op.applied, op.span, op.words)
        return workspace.apply_change(study, actor, op.transcript_id, change)  # the one write path, words checked
    if isinstance(op, protocol.MemoOp):
        workspace.save_memo(study, actor, op.transcript_id, op.segment_id, op.text, base_version=op.base_version,
                            confirm_empty=op.confirm_empty)
    else:
        workspace.restore_memo(study, actor, op.transcript_id, op.segment_id, op.version, base_version=op.base_version)
    return None
