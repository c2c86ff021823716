"""Code: pick a transcript, read it in order, apply codes with a click or a key, write memos,
mark it done. Everything the page reads and writes goes through study.workspace, which shows
the signed-in rater only their own codings and memos."""
from __future__ import annotations

import streamlit as st

from study.app.components.coding_workspace import coding_workspace
from study.app.common import get_study, require_actor
from study import workspace
from study.errors import StudyError

TRANSCRIPT_KEY = "code.transcript"

actor = require_actor()
study = get_study()
choices = workspace.transcript_progress(study, actor)


def choice_label(by_id: dict, transcript_id: int) -> str:
    c = by_id[transcript_id]
    who = f" · {c.participant}" if c.participant and c.participant not in c.name else ""
    state = "done" if c.done else f"{c.progress.coded}/{c.progress.total} coded"
    return f"{c.name}{who} · {state}"


def set_done(done: bool) -> None:
    try:
        workspace.set_done(study, actor, st.session_state[TRANSCRIPT_KEY], done)
    except StudyError as exc:
        st.session_state["code.error"] = str(exc)


@st.fragment
def workspace_fragment() -> None:
    # Read the transcript here, not from an argument: a fragment's arguments are frozen.
    coding_workspace(study, actor, st.session_state[TRANSCRIPT_KEY])


def code_page(choices) -> None:
    by_id = {c.id: c for c in choices}
    chosen_id = st.session_state.get(TRANSCRIPT_KEY)
    # Set through session state on every full run: the browser then shows the current label
    # (progress changes while coding), not the one it first received.
    st.session_state[TRANSCRIPT_KEY] = chosen_id if chosen_id in by_id else workspace.first_to_code(choices).id
    pick, action = st.columns([5, 1], vertical_alignment="bottom")
    pick.selectbox("Transcript", list(by_id), format_func=lambda i: choice_label(by_id, i), key=TRANSCRIPT_KEY)
    chosen = by_id[st.session_state[TRANSCRIPT_KEY]]
    if chosen.done:
        action.button("Reopen", on_click=set_done, args=(False,), icon=":material/lock_open:", width="stretch",
                      help="Reopen the transcript to change its codes again.")
    else:
        action.button("Mark done", on_click=set_done, args=(True,), icon=":material/task_alt:", width="stretch",
                      help="You have finished this transcript: its codes lock and count for agreement.")
    if "code.error" in st.session_state:
        st.error(st.session_state.pop("code.error"))
    workspace_fragment()


if choices:
    code_page(choices)
else:  # no st.stop(): the page must still finish its run (main.py marks it ready)
    st.info("No transcripts yet. An admin imports them on the Transcripts page (or with `study import`).")
