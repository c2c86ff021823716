"""Adjudicate (admins): the raters' disagreements one by one, with the evidence in front of the
adjudicator (the turn and its neighbours, each rater's spans in their colour, their memos, the
disputed codes' guidance); each decision builds the consensus.

The disagreements are counted, filtered and ordered in the database (``study.disputes``): the page
holds the progress and the shown segments' ids, and builds only the card and the overview's page.
A decision reruns only the work area (a fragment) and reads only what it touches: the decision is
written for its one transcript, the counts and the shown list are updated in place (read again
only when the study changed otherwise), and the next card reads its segment and three turns.
The address ``?transcript=NAME&segment=N&raters=a,b`` opens that disagreement (the Agreement
page's Disagreements tab links here).
"""
from __future__ import annotations

import html

import pandas as pd
import streamlit as st

from study.app.common import fragment, get_study, require_actor
from study.app.components.focus import release_focus_on_change
from study.app.display import (
    flash,
    highlighted_turn,
    page_number,
    pager,
    plain,
    rater_colour,
    said,
    show_flash,
    table_styler,
)
from study import adjudication, audit_log, codes, disputes
from study.agreement.visibility import comparable_raters
from study.disputes import dispute_evidence
from study.errors import StudyError

study, actor = get_study(), require_actor()
POSITION = "adjudicate_position"
DOCKET = "adjudicate_docket"  # (study version, Docket): the progress and choices as last read or decided here
SHOWN = "adjudicate_shown"  # (study version, Shown): the segments the filter keeps, as last read or decided here
EDITING = "adjudicate_editing"  # the segment whose consensus codes the edit dialog is open for
TABLE_PAGE, DECISIONS_PAGE = "adjudicate_table_page", "adjudicate_decisions_page"  # the tables' pages shown
ROWS = 50  # rows a page of either table
ASKED = "adjudicate_asked"  # the disagreement the address asked for: (transcript, segment), until shown
REASON, REASON_FOR = "adjudicate_reason", "adjudicate_reason_for"  # the reason box, and the disagreement it is for


def docket(raters: list[str]) -> adjudication.Docket:
    """The progress and the filters' choices between ``raters``: read again only when the study
    changed since this page last read them or decided one (a decision here updates them in place)."""
    version = audit_log.study_version(study)
    held = st.session_state.get(DOCKET)
    if held is None or held[0] != version or held[1].raters != tuple(raters):
        held = (version, adjudication.docket(study, actor, raters))
        st.session_state[DOCKET] = held
    return held[1]


def shown_now(raters: list[str], where: adjudication.DisagreementFilter) -> disputes.Shown:
    """The disputed segments ``where`` keeps, in reading order: read again when the filter or the
    study changed (a decision here updates them in place)."""
    version = audit_log.study_version(study)
    held = st.session_state.get(SHOWN)
    if held is None or held[0] != version or (held[1].raters, held[1].where) != (tuple(raters), where):
        held = (version, disputes.shown(study, actor, raters, where))
        st.session_state[SHOWN] = held
    return held[1]


def address() -> None:
    """A disagreement named in the address (from the Agreement page): its raters are chosen, the
    filters cleared so that it is shown, and the address emptied once read."""
    transcript, segment = st.query_params.get("transcript"), st.query_params.get("segment", "")
    if transcript and segment.isdigit():
        st.session_state[ASKED] = (transcript, int(segment))
        named = [r for r in st.query_params.get("raters", "").split(",") if r]
        if named:
            st.session_state["adjudicate_raters"] = named
        for key in ("adjudicate_transcripts", "adjudicate_codes", "adjudicate_themes"):
            st.session_state[key] = []
        st.session_state["adjudicate_rater"] = None
        st.session_state["adjudicate_unresolved"] = False
        st.query_params.clear()


def choose_raters() -> list[str]:
    available = comparable_raters(study, actor)
    chosen = st.session_state.get("adjudicate_raters", available[:2])
    st.session_state["adjudicate_raters"] = [r for r in chosen if r in available]  # the widget's value, no default
    return st.multiselect("Raters to adjudicate between", available, key="adjudicate_raters")


def choose_filter(current: adjudication.Docket, raters: list[str]) -> adjudication.DisagreementFilter:
    """Transcript, code, theme and rater filters over the disagreements (empty: all)."""
    transcripts, disputed = list(current.transcripts), list(current.codes)
    themes = [t for t in codes.theme_paths(study) if any(ref.startswith(t + "/") for ref in disputed)]
    st.session_state.setdefault("adjudicate_unresolved", True)
    first, second, third, fourth, fifth = st.columns([3, 3, 2, 2, 3], vertical_alignment="bottom")
    return adjudication.DisagreementFilter(
        tuple(first.multiselect("Transcripts", transcripts, key="adjudicate_transcripts", placeholder="all")),
        tuple(second.multiselect("Codes", disputed, key="adjudicate_codes", placeholder="all")),
        tuple(third.multiselect("Themes", themes, key="adjudicate_themes", placeholder="all")),
        fourth.selectbox("Rater applied", [None, *raters], key="adjudicate_rater",
                         format_func=lambda r: "any rater" if r is None else r),
        fifth.toggle("Unresolved only", key="adjudicate_unresolved"),
    )


def progress(current: adjudication.Docket, raters: list[str]) -> None:
    figures = current.progress
    disputed, resolved = figures.disputed, figures.resolved
    left, right = st.columns([3, 1], vertical_alignment="bottom")
    left.progress(resolved / disputed if disputed else 1.0,
                  text=f"{resolved} of {disputed} disputed segments resolved "
                       f"({figures.units:,} segments in transcripts every rater marked done)")
    right.button("Carry agreements", icon=":material/done_all:", width="stretch",
                 help="Agreements are carried when the last rater finishes a transcript; this carries any left "
                      "over (e.g. from before). Decisions already made are kept.",
                 on_click=carry, args=(raters,))


def carry(raters: list[str]) -> None:
    try:
        result = adjudication.auto_adjudicate(study, actor, raters)
    except StudyError as exc:
        flash("error", said(exc))
        return
    flash("success", f"Agreed codes carried on {result.agreed_units} segment(s); "
                     f"{result.disputed_units} segment(s) still disputed.")


def overview(shown: disputes.Shown, raters: list[str], position: int) -> None:
    """The shown disagreements a page at a time (first: the page of the one on the card), the
    raters side by side with the text; selecting a row jumps to it."""
    st.session_state.setdefault(TABLE_PAGE, position // ROWS + 1)
    page = disputes.docket_page(study, actor, shown, page_number(TABLE_PAGE), ROWS)
    table = page.table
    event = st.dataframe(  # the values as such (no Styler: it would cost more than the rest of a decision)
        pd.DataFrame(table.value_rows(), columns=[c.label for c in table.columns]), hide_index=True,
        width="stretch", height=min(38 + 35 * len(table.rows), 320),
        on_select="rerun", selection_mode="single-row", key=f"adjudicate_table_{page.number}",
        column_config={"text": st.column_config.TextColumn(width="large"),
                       **{r: st.column_config.TextColumn(width="medium") for r in raters}},
    )
    pager(TABLE_PAGE, page, "disagreements")
    chosen = [page.offset + row for row in event.selection.rows] if event is not None else []
    if chosen and chosen[0] != position and st.session_state.get("adjudicate_jumped") != chosen[0]:
        st.session_state["adjudicate_jumped"] = chosen[0]  # a selection jumps once; Next/Previous move on
        st.session_state[POSITION] = chosen[0]
        st.rerun(scope="fragment")


def navigator(items: disputes.Shown) -> int:
    position = min(st.session_state.get(POSITION, 0), len(items) - 1)
    left, middle, jump, right = st.columns([1, 3, 1, 1], vertical_alignment="bottom")
    left.button("Previous", icon=":material/arrow_back:", disabled=position == 0, width="stretch",
                on_click=move, args=(position - 1,), shortcut="Left", key="adjudicate_previous")
    middle.markdown(f"Disagreement {position + 1} of {len(items)}", text_alignment="center")
    st.session_state["adjudicate_go"] = position + 1  # one widget, kept: redrawn, not mounted again per item
    jump.number_input("Go to", min_value=1, max_value=len(items), key="adjudicate_go", on_change=go_to,
                      args=("adjudicate_go",))
    right.button("Next", icon=":material/arrow_forward:", disabled=position >= len(items) - 1,
                 width="stretch", on_click=move, args=(position + 1,), shortcut="Right", key="adjudicate_next")
    return position


def move(position: int) -> None:
    st.session_state[POSITION] = max(position, 0)


def go_to(key: str) -> None:
    st.session_state[POSITION] = max(int(st.session_state[key]) - 1, 0)


def unit_card(item, raters: list[str]) -> None:
    """The evidence, drawn as one block (one element to redraw per decision, not dozens): the turn
    between its neighbours, each rater's codings on it side by side (their spans marked in their
    colour, their memos), then the disputed codes' guidance. Every user text is escaped."""
    evidence = dispute_evidence(study, actor, raters, item.transcript, item.segment, item.disputed)
    where = f"{item.transcript} · segment {item.segment}" + (f" · {item.speaker}" if item.speaker else "")
    where += f" · resolved: {item.resolution}" if item.resolution else ""
    columns = "".join(rater_column(evidence.turn.text, seen, rater_colour(n)) for n, seen in enumerate(evidence.raters))
    with st.container(key="adjudicate_card"):
        st.html(f'<div class="dispute-card"><div class="dispute-where">{html.escape(where)}</div>'
                f'{neighbour(evidence.before, "before")}<div class="dispute-raters" style="--raters: {len(raters)}">'
                f'{columns}</div>{neighbour(evidence.after, "after")}</div>{guidance(evidence.codes)}')


def neighbour(turn, where: str) -> str:
    if turn is None:
        return ""
    return (f'<div class="dispute-context"><small>{where} · #{turn.index} · {html.escape(turn.speaker)}</small><br>'
            f"{html.escape(turn.text)}</div>")


def rater_column(text: str, seen, colour: str) -> str:
    """One rater's reading of the turn: the name, the turn with their spans, their codes and memos."""
    lines = "<br>".join(coding_line(stretch, text) for stretch in seen.stretches) or "<em>no code</em>"
    memos = ([f"Memo: {seen.memo}"] if seen.memo else []) + [
        f"Memo on {stretch.code}: {stretch.memo}" for stretch in seen.stretches if stretch.memo]
    return (f'<div class="dispute-rater"><div class="rater-name" style="color: {colour}">● {html.escape(seen.rater)}'
            f"</div>{highlighted_turn(text, seen.pieces(len(text)), colour, seen.rater)}"
            f'<div class="dispute-codings">{lines}</div>'
            + "".join(f'<div class="dispute-memo">{html.escape(memo)}</div>' for memo in memos) + "</div>")


def coding_line(stretch, text: str) -> str:
    where = "whole turn" if stretch.whole else f"“{html.escape(text[stretch.start:stretch.end])}”"
    code = html.escape(stretch.code)
    name = f'<strong class="disputed-code">{code}</strong> · disputed' if stretch.disputed else f"{code} · agreed"
    return f"{name} · {where}"


def guidance(entries) -> str:
    """The disputed codes' definition and when (not) to use them, open under the card."""
    if not entries:
        return ""
    blocks = []
    for code in entries:
        parts = [("Definition", code.definition), ("When to use", code.when_to_use),
                 ("When not to use", code.when_not_to_use)]
        blocks.append(f"<p><strong>{html.escape(code.ref)}</strong>" + "".join(
            f"<br><em>{label}:</em> {html.escape(text)}" for label, text in parts if text) + "</p>")
    return ('<details class="dispute-guidance" open><summary>The disputed codes: definition and when to use'
            "</summary>" + "".join(blocks) + "</details>")


def decision_buttons(item, raters: list[str], position: int, segment: int) -> None:
    """One button per decision, each with a key: 1-9 take a rater's codes, B both, N neither; the keys'
    legend and the free edit under them."""
    key = f"{item.transcript}#{item.segment}"
    if st.session_state.get(REASON_FOR) != key:  # one box, kept between cards (not mounted again), emptied per card
        st.session_state[REASON_FOR], st.session_state[REASON] = key, ""
    st.text_input("Reason (optional)", key=REASON, placeholder="why this decision")
    decisions = [(f"take:{r}", f"Take {r}", str(n)) for n, r in enumerate(raters[:9], start=1)]
    decisions += [("both", "Both", "B"), ("neither", "Neither", "N")]
    for column, (decision, label, shortcut) in zip(st.columns(len(decisions)), decisions):
        column.button(f"{plain(label)} [{shortcut}]", key=f"decide-{decision}", width="stretch", shortcut=shortcut,
                      type="primary" if decision.startswith("take:") else "secondary",
                      on_click=resolve, args=(raters, item, key, decision, position, segment))
    legend, edit = st.columns([3, 1], vertical_alignment="center")
    legend.caption("Keys: 1–9 take a rater's codes, B both (every code), N neither (only the agreed codes), "
                   "← → previous and next.")
    edit.button("Edit the codes", icon=":material/edit:", key="decide-edit-open", width="stretch",
                help="Choose the consensus codes for this segment freely.",
                on_click=st.session_state.__setitem__, args=(EDITING, key))
    if st.session_state.get(EDITING) == key:
        edit_codes(raters, item, key, all_codes(), position, segment)


def close_edit() -> None:
    st.session_state.pop(EDITING, None)


@st.dialog("Edit the consensus codes", on_dismiss=close_edit)
def edit_codes(raters: list[str], item, key: str, choices: list[str], position: int, segment: int) -> None:
    """The codes the consensus gets on this segment, chosen freely (the codebook is read only here)."""
    union = sorted({c for applied in item.codes.values() for c in applied})
    st.multiselect("Consensus codes", choices, default=union, key=f"codes-{key}")
    if st.button("Save edit", key="decide-edit", type="primary"):
        close_edit()
        resolve(raters, item, key, "edit", position, segment)
        st.rerun()  # closes the dialog


def all_codes() -> list[str]:
    return [e.ref for e in codes.codebook_entries(study, actor) if not e.retired]


def resolve(raters: list[str], item, key: str, decision: str, position: int, segment: int) -> None:
    version, held = st.session_state[DOCKET]
    now = next(iter(disputes.disagreements_on(study, actor, raters, [segment])), item)  # as stored now
    if decision != "edit" and now.resolution == decision:
        return  # a key pressed again before the next card was drawn: decided already, nothing to change
    codes_chosen = st.session_state.get(f"codes-{key}") if decision == "edit" else None
    reason = (st.session_state.get(REASON) or "").strip() or None  # read now: typed, then clicked
    try:
        record = adjudication.resolve(study, actor, raters, item.transcript, item.segment, decision, codes_chosen,
                                      reason)
    except StudyError as exc:
        flash("error", said(exc))
        return
    if version == audit_log.study_version(study) - 1:  # only this decision happened since the docket was read
        st.session_state[DOCKET] = (version + 1, held.decided(newly=now.resolution is None))
        seen, shown = st.session_state.get(SHOWN, (None, None))
        if seen == version:
            st.session_state[SHOWN] = (version + 1, shown.decided(segment, newly=now.resolution is None))
    flash("success", f"{record.transcript} segment {record.segment}: consensus "
                     f"{', '.join(record.codes) or 'no code'}.")
    # a resolved item leaves the "unresolved only" list, so the same position shows the next one
    st.session_state[POSITION] = position if st.session_state.get("adjudicate_unresolved", True) else position + 1


# While a decision's rerun draws the next card, the old one stays as it is (Streamlit would fade
# it after half a second): the page never dims under the adjudicator's eyes. Then the card's look,
# set once for the page (the card itself is one block of markup, redrawn per decision).
STYLE = """<style>
.st-key-adjudicate_work [data-stale='true'], .st-key-adjudicate_work [data-stale='true'] * {
  opacity: 1 !important; transition: none !important; }
.dispute-card { border: 1px solid rgba(128, 128, 128, .3); border-radius: .5rem; padding: 1rem; }
.dispute-where, .dispute-memo { font-size: .875rem; opacity: .7; overflow-wrap: anywhere; }
.dispute-context { opacity: .75; white-space: pre-wrap; overflow-wrap: anywhere; margin: .5rem 0; }
.dispute-raters { display: grid; grid-template-columns: repeat(var(--raters), minmax(0, 1fr)); gap: 1rem;
  margin: .75rem 0; }
@media (max-width: 640px) { .dispute-raters { grid-template-columns: minmax(0, 1fr); } }
.dispute-rater { border: 1px solid rgba(128, 128, 128, .3); border-radius: .5rem; padding: .75rem 1rem; }
.dispute-rater .rater-name { font-weight: 600; }
.dispute-codings { margin: .5rem 0 .25rem; overflow-wrap: anywhere; }
.disputed-code { color: #e2660c; }
.dispute-guidance { margin-top: 1rem; border: 1px solid rgba(128, 128, 128, .3); border-radius: .5rem;
  padding: .5rem 1rem; }
.dispute-guidance summary { cursor: pointer; padding: .25rem 0; }
.dispute-guidance p { margin: .5rem 0; overflow-wrap: anywhere; }
</style>"""


@fragment
def work(raters: list[str], where: adjudication.DisagreementFilter) -> None:
    """The progress, the decisions and the card: a decision or a move reruns only this."""
    with st.container(key="adjudicate_work"):
        work_area(raters, where)


def work_area(raters: list[str], where: adjudication.DisagreementFilter) -> None:
    show_flash()
    try:
        current = docket(raters)
    except StudyError as exc:
        st.info(plain(said(exc)), icon=":material/info:")
        return
    progress(current, raters)
    shown = shown_now(raters, where)
    if not len(shown):
        st.success("Nothing left to decide here." if current.disputed else "The raters agree on every segment.",
                   icon=":material/check_circle:")
        return
    asked = st.session_state.pop(ASKED, None)
    if asked is not None:
        st.session_state[POSITION] = disputes.position_in(study, shown, *asked) or 0
    position = navigator(shown)
    segment = shown.segments[position]
    [item] = disputes.disagreements_on(study, actor, raters, [segment])
    decision_buttons(item, raters, position, segment)  # above the evidence: in view at 1280x800, however long
    unit_card(item, raters)
    table = st.expander(f"All {len(shown)} shown disagreements", icon=":material/table_rows:",
                        key="adjudicate_overview", on_change="rerun")
    if table.open:  # drawn only while open: a closed table costs a decision nothing
        with table:
            overview(shown, raters, position)


def consensus_section(raters: list[str]) -> None:
    try:
        page = adjudication.decisions_page(study, actor, raters, page_number(DECISIONS_PAGE), ROWS)
    except StudyError as exc:
        st.info(plain(said(exc)), icon=":material/info:")
        return
    if not page.total:
        st.caption("No decision yet.")
        return
    st.dataframe(table_styler(page.table), hide_index=True, width="stretch")
    pager(DECISIONS_PAGE, page, "decisions")
    st.caption("Newest first. The consensus codings are what Findings reads as the source “consensus”.")


def page() -> None:
    st.title("Adjudicate")
    st.html(STYLE)
    address()
    raters = choose_raters()
    if len(raters) < 2:
        st.info("Choose two or more raters who have coded the same transcripts.")
        return
    try:
        current = docket(raters)
    except StudyError as exc:
        st.info(plain(said(exc)), icon=":material/info:")
        return
    where = choose_filter(current, raters)
    release_focus_on_change("adjudicate_filter_focus", repr(where))  # the decision keys act after a filter change
    work(raters, where)  # not in a tab: a tab panel looks for a focusable child on every change inside it
    decided = st.expander("Consensus decisions", icon=":material/history:", key="adjudicate_history",
                          on_change="rerun")
    if decided.open:  # computed only when opened
        with decided:
            consensus_section(raters)


page()
