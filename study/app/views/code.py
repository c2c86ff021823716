"""Code: pick a transcript, read it in order, apply codes with a click or a key, write memos,
mark it done. Everything the page reads and writes goes through study.workspace, which shows
the signed-in rater only their own codings and memos.

The page's address holds the transcript and segment (``?transcript=ID&segment=N``, with
``&match=START-END`` the words a search hit found, highlighted there): a reload,
the browser's back button and a shared link land in the same place. Choosing a transcript adds
a history entry; the component keeps ``segment`` up to date as the coder moves.
"""
from __future__ import annotations

from dataclasses import replace

import streamlit as st

from study.app.components.coding_workspace import coding_workspace, just_stored
from study.app.common import fragment, get_study, require_actor
from study.app.display import plain, said
from study.app.retrieval_panel import retrieval_panel, search_box
from study import workspace
from study.codings import UncodedSegments
from study.errors import StudyError

TRANSCRIPT_KEY = "code.transcript"
URL_SEEN = "code.url_transcript"  # the transcript the address named when this tab last looked
SHOWN = "code.shown"  # the transcript this tab's last run showed
CHOICES = "code.choices"  # the picker's transcripts as last read (workspace.TranscriptProgress)
SWITCHED = "code.switched"  # (shown, chosen) when the picker changed: the run reads those two
UNCODED = "code.uncoded"  # (transcript id, how many turns are uncoded) while a done mark asks

actor = require_actor()
study = get_study()


def choice_label(by_id: dict, transcript_id: int) -> str:
    return f"{choice_name(by_id[transcript_id])} · {choice_state(by_id[transcript_id])}"


def choice_name(c) -> str:
    return f"{c.name} · {c.participant}" if c.participant and c.participant not in c.name else c.name


def choice_state(c) -> str:
    return "done" if c.done else f"{c.progress.coded} of {c.progress.total} coded"


def picked(choices) -> int | None:
    """The transcript the picker holds. The browser returns the label it showed, and a label
    changes as the coder works ("3 of 9 coded" -> "4 of 9 coded"), so an unknown label is matched
    by the part that does not change."""
    value = st.session_state.get(TRANSCRIPT_KEY)
    if isinstance(value, str):
        name = value.rsplit(" · ", 1)[0]
        return next((c.id for c in choices if choice_name(c) == name), None)
    return value if any(c.id == value for c in choices) else None


def address_number(name: str) -> int | None:
    """A whole number from the page's address, or None (an address is input: anything may be there)."""
    value = st.query_params.get(name, "")
    return int(value) if value.isdigit() and len(value) < 16 else None


def address_span(name: str) -> tuple[int, int] | None:
    """``START-END`` from the page's address (a search hit's words), or None."""
    start, _, end = st.query_params.get(name, "").partition("-")
    if not (start.isdigit() and end.isdigit() and len(start) < 16 and len(end) < 16):
        return None
    return (int(start), int(end)) if int(start) < int(end) else None


def chosen_transcript(choices) -> int:
    """The address's transcript when it changed (a reload, back, a shared link), else this tab's:
    the picker's, or, coming back from another page (Streamlit forgets the state of a widget
    that a run did not draw), the one this tab showed last."""
    by_id = {c.id: c for c in choices}
    named = address_number("transcript")
    if named in by_id and named != st.session_state.get(URL_SEEN):
        st.session_state[URL_SEEN] = named
        return named
    chosen = picked(choices)
    if chosen is None and st.session_state.get(SHOWN) in by_id:
        chosen = st.session_state[SHOWN]
    return chosen if chosen is not None else workspace.first_to_code(choices).id


def transcript_chosen(choices) -> None:
    """The coder picked another transcript: it goes into the address as a new history entry."""
    chosen = picked(choices)
    if chosen is not None and chosen != st.session_state.get(SHOWN):
        st.session_state[URL_SEEN] = chosen
        st.session_state[SWITCHED] = (st.session_state.get(SHOWN), chosen)
        st.query_params.from_dict({"transcript": str(chosen)})


def set_done(done: bool, anyway: bool = False) -> None:
    st.session_state.pop(UNCODED, None)
    try:
        workspace.set_done(study, actor, st.session_state[TRANSCRIPT_KEY], done, anyway)
    except UncodedSegments as exc:  # says how many turns are uncoded, and asks
        st.session_state[UNCODED] = (st.session_state[TRANSCRIPT_KEY], said(exc))
    except StudyError as exc:
        st.session_state["code.error"] = said(exc)


def confirm_done(transcript_id: int) -> None:
    """The question a done mark with uncoded turns asks, while it is about this transcript."""
    asked = st.session_state.get(UNCODED)
    if not asked or asked[0] != transcript_id:
        return
    with st.container(border=True):
        st.warning(plain(asked[1]), icon=":material/help:")
        yes, no, _ = st.columns([1, 1, 3])
        yes.button("Mark done anyway", on_click=set_done, args=(True, True), type="primary", width="stretch")
        no.button("Keep coding", on_click=st.session_state.pop, args=(UNCODED, None), width="stretch")


def transcript_choices() -> list:
    """The picker's transcripts with the rater's progress: after a switch, the two transcripts of
    the switch read anew; else as last read, with the shown one's as its clicks read it back;
    read anew on any other run that does not follow clicks (new transcripts appear)."""
    kept, shown = st.session_state.get(CHOICES), st.session_state.get(SHOWN)
    switched = st.session_state.pop(SWITCHED, None)
    if kept and switched:  # first: a switch in a run that also follows clicks reads both (the clicks are stored)
        kept = st.session_state[CHOICES] = with_read_anew(kept, [i for i in switched if i is not None])
        return kept
    fresh = just_stored(shown) if kept and shown is not None else None
    if fresh is not None:
        return [replace(c, progress=fresh.progress) if c.id == fresh.transcript_id else c for c in kept]
    kept = st.session_state[CHOICES] = workspace.transcript_progress(study, actor)
    return kept


def with_read_anew(kept: list, ids: list[int]) -> list:
    """The kept choices with these transcripts read again (one deleted meanwhile drops out)."""
    read = {c.id: c for c in workspace.transcript_progress(study, actor, ids)}
    return [read.get(c.id, c) for c in kept if c.id not in ids or c.id in read]


@fragment
def code_page() -> None:
    # The picker, the done button and the workspace rerun together on every coding action, so the
    # picker's count and the progress bar agree. After clicks the run reads nothing: the clicks
    # read back their segments (coding_workspace.just_stored); any other run reads everything.
    choices = transcript_choices()
    if not choices:  # no st.stop(): the page must still finish its run (main.py marks it ready)
        st.info("No transcripts yet. An admin imports them on the Transcripts page (or with `study import`).")
        return
    by_id = {c.id: c for c in choices}
    # Set through session state on every run: the browser then shows the current label.
    st.session_state[TRANSCRIPT_KEY] = chosen_transcript(choices)
    pick, action = st.columns([5, 1], vertical_alignment="bottom")
    pick.selectbox("Transcript", list(by_id), format_func=lambda i: choice_label(by_id, i), key=TRANSCRIPT_KEY,
                   on_change=transcript_chosen, args=(choices,), label_visibility="collapsed")
    chosen = by_id[st.session_state[TRANSCRIPT_KEY]]
    st.session_state[SHOWN] = chosen.id
    if chosen.done:
        action.button("Reopen", on_click=set_done, args=(False,), icon=":material/lock_open:", width="stretch",
                      help="Reopen the transcript to change its codes again.")
    else:
        action.button("Mark done", on_click=set_done, args=(True,), icon=":material/task_alt:", width="stretch",
                      help="You have finished this transcript: its codes lock and count for agreement.")
    if "code.error" in st.session_state:
        st.error(st.session_state.pop("code.error"))
    confirm_done(chosen.id)
    here = address_number("transcript") == chosen.id
    goto = address_number("segment") if here else None
    coding_workspace(study, actor, chosen.id, goto_segment=goto, goto_match=address_span("match") if here else None)


# The page is a workspace: less empty space around it leaves more room for the transcript and
# the code list (the workspace's height follows the window; coding_workspace.css).
st.html("<style>.stMainBlockContainer { padding: 3rem 1.5rem 1rem; }</style>")
code_page()
with st.sidebar:  # searching and retrieval beside the workspace, each redrawn on its own
    search_box()
    retrieval_panel(study, actor, SHOWN)
