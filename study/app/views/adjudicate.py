"""Adjudicate (admins): the raters' disagreements one by one; each decision builds the consensus."""
from __future__ import annotations

import streamlit as st

from study.app.common import get_study, require_actor
from study.app.display import act, attempt, flash, plain, said, show_flash, table_styler
from study import adjudication, audit_log, codes
from study.agreement.visibility import comparable_raters
from study.errors import StudyError

study, actor = get_study(), require_actor()
POSITION = "adjudicate_position"


@st.cache_data(show_spinner=False, max_entries=16)
def disagreements_of(_study, who, raters: tuple[str, ...], version: int) -> list:
    return adjudication.disagreements(_study, who, list(raters), "segment")


def choose_raters() -> list[str]:
    available = comparable_raters(study, actor)
    return st.multiselect("Raters to adjudicate between", available, default=available[:2])


def choose_filter(items: list, raters: list[str]) -> adjudication.DisagreementFilter:
    """Transcript, code, theme and rater filters over the disagreements (empty: all)."""
    transcripts = list(dict.fromkeys(d.transcript for d in items))
    disputed = sorted({ref for d in items for ref in d.disputed})
    themes = [t for t in codes.theme_paths(study) if any(ref.startswith(t + "/") for ref in disputed)]
    first, second, third, fourth, fifth = st.columns([3, 3, 2, 2, 2], vertical_alignment="bottom")
    return adjudication.DisagreementFilter(
        tuple(first.multiselect("Transcripts", transcripts, key="adjudicate_transcripts", placeholder="all")),
        tuple(second.multiselect("Codes", disputed, key="adjudicate_codes", placeholder="all")),
        tuple(third.multiselect("Themes", themes, key="adjudicate_themes", placeholder="all")),
        fourth.selectbox("Rater applied", [None, *raters], key="adjudicate_rater",
                         format_func=lambda r: "any rater" if r is None else r),
        fifth.toggle("Unresolved only", value=True, key="adjudicate_unresolved"),
    )


def progress(raters: list[str]) -> None:
    figures = attempt(adjudication.adjudication_progress, study, raters, actor)
    if figures is None:
        return
    disputed, resolved = figures.disputed, figures.resolved
    left, right = st.columns([3, 1], vertical_alignment="bottom")
    left.progress(resolved / disputed if disputed else 1.0,
                  text=f"{resolved} of {disputed} disputed segments resolved "
                       f"({figures.units:,} segments in transcripts every rater marked done)")
    right.button("Carry agreements", icon=":material/done_all:", width="stretch",
                 help="Agreements are carried when the last rater finishes a transcript; this carries any left "
                      "over (e.g. from before). Decisions already made are kept.",
                 on_click=act, args=(adjudication.auto_adjudicate, study, actor, raters),
                 kwargs={"done": lambda r: f"Agreed codes carried on {r.agreed_units} segment(s); "
                                           f"{r.disputed_units} segment(s) still disputed."})


def overview(shown: list, raters: list[str], position: int) -> None:
    """Every shown disagreement in one table, both raters side by side with the text; selecting a
    row jumps to it."""
    table = adjudication.disagreement_table(shown, raters)
    event = st.dataframe(
        table_styler(table), hide_index=True, width="stretch", height=min(38 + 35 * len(table.rows), 320),
        on_select="rerun", selection_mode="single-row", key="adjudicate_table",
        column_config={"text": st.column_config.TextColumn(width="large"),
                       **{r: st.column_config.TextColumn(width="medium") for r in raters}},
    )
    chosen = event.selection.rows if event is not None else []
    if chosen and chosen[0] != position and st.session_state.get("adjudicate_jumped") != chosen[0]:
        st.session_state["adjudicate_jumped"] = chosen[0]  # a selection jumps once; Next/Previous move on
        st.session_state[POSITION] = chosen[0]
        st.rerun()


def navigator(items: list) -> int:
    position = min(st.session_state.get(POSITION, 0), len(items) - 1)
    left, middle, jump, right = st.columns([1, 3, 1, 1], vertical_alignment="bottom")
    left.button("Previous", icon=":material/arrow_back:", disabled=position == 0, width="stretch",
                on_click=move, args=(position - 1,), shortcut="Left", key="adjudicate_previous")
    middle.markdown(f"Disagreement {position + 1} of {len(items)}", text_alignment="center")
    jump.number_input("Go to", min_value=1, max_value=len(items), value=position + 1, key=f"adjudicate_go_{position}",
                      on_change=go_to, args=(f"adjudicate_go_{position}",))
    right.button("Next", icon=":material/arrow_forward:", disabled=position >= len(items) - 1,
                 width="stretch", on_click=move, args=(position + 1,), shortcut="Right", key="adjudicate_next")
    return position


def move(position: int) -> None:
    st.session_state[POSITION] = max(position, 0)


def go_to(key: str) -> None:
    st.session_state[POSITION] = max(int(st.session_state[key]) - 1, 0)


def unit_card(item, raters: list[str]) -> None:
    """The segment text, then each rater's codes side by side: disputed ones marked, none clickable."""
    with st.container(border=True):
        where = f"{item.transcript} · segment {item.segment}" + (f" · {item.speaker}" if item.speaker else "")
        st.caption(plain(where) + (" · resolved: " + plain(item.resolution) if item.resolution else ""))
        st.text(item.text)
    for column, rater in zip(st.columns(len(raters), border=True), raters):
        with column:
            st.markdown(f"**{plain(rater)}**")
            applied = item.codes.get(rater, ())
            st.markdown("  \n".join(
                (f":orange[**{plain(c)}**] · disputed" if c in item.disputed else f"{plain(c)} · agreed")
                for c in applied) or "*no code*")


def decision_buttons(item, raters: list[str], all_codes: list[str], unresolved_only: bool, position: int) -> None:
    """One button per decision, each with a key: 1-9 take a rater's codes, B both, N neither."""
    key = f"{item.transcript}#{item.segment}"
    st.text_input("Reason (optional)", key=f"reason-{key}", placeholder="why this decision")
    decisions = [(f"take:{r}", f"Take {r}", str(n)) for n, r in enumerate(raters[:9], start=1)]
    decisions += [("both", "Both", "B"), ("neither", "Neither", "N")]
    for column, (decision, label, shortcut) in zip(st.columns(len(decisions)), decisions):
        column.button(f"{plain(label)} [{shortcut}]", key=f"decide-{decision}", width="stretch", shortcut=shortcut,
                      type="primary" if decision.startswith("take:") else "secondary",
                      on_click=resolve, args=(raters, item, key, decision, unresolved_only, position))
    with st.popover("Edit the consensus codes", icon=":material/edit:"):
        union = sorted({c for applied in item.codes.values() for c in applied})
        st.multiselect("Consensus codes", all_codes, default=union, key=f"codes-{key}")
        st.button("Save edit", key="decide-edit", on_click=resolve,
                  args=(raters, item, key, "edit", unresolved_only, position))
    st.caption("Keys: 1–9 take a rater's codes, B both (every code), N neither (only the agreed codes), "
               "← → previous and next.")


def resolve(raters: list[str], item, key: str, decision: str, unresolved_only: bool, position: int) -> None:
    codes_chosen = st.session_state.get(f"codes-{key}") if decision == "edit" else None
    reason = (st.session_state.get(f"reason-{key}") or "").strip() or None
    try:
        record = adjudication.resolve(study, actor, raters, item.transcript, item.segment, decision, codes_chosen,
                                      reason)
    except StudyError as exc:
        flash("error", said(exc))
        return
    flash("success", f"{record.transcript} segment {record.segment}: consensus "
                     f"{', '.join(record.codes) or 'no code'}.")
    # a resolved item leaves the "unresolved only" list, so the same position shows the next one
    st.session_state[POSITION] = position if unresolved_only else position + 1


def consensus_section(raters: list[str]) -> None:
    records = attempt(adjudication.resolutions, study, actor, raters)
    if not records:
        st.caption("No decision yet.")
        return
    st.dataframe(table_styler(adjudication.decision_table(records)), hide_index=True, width="stretch")
    st.caption("Newest first. The consensus codings are what Findings reads as the source “consensus”.")


def page() -> None:
    st.title("Adjudicate")
    show_flash()
    raters = choose_raters()
    if len(raters) < 2:
        st.info("Choose two or more raters who have coded the same transcripts.")
        return
    try:
        items = disagreements_of(study, actor, tuple(raters), audit_log.study_version(study))
    except StudyError as exc:
        st.info(plain(said(exc)), icon=":material/info:")
        return
    progress(raters)
    where = choose_filter(items, raters)
    shown = adjudication.filter_disagreements(items, where)
    work, history = st.tabs(["Disagreements", "Consensus decisions"])
    with work:
        if not shown:
            st.success("Nothing left to decide here." if items else "The raters agree on every segment.",
                       icon=":material/check_circle:")
        else:
            position = navigator(shown)
            unit_card(shown[position], raters)
            decision_buttons(shown[position], raters,
                             [e.ref for e in codes.codebook_entries(study, actor) if not e.retired],
                             where.unresolved_only, position)
            with st.expander(f"All {len(shown)} shown disagreements", icon=":material/table_rows:", expanded=True):
                overview(shown, raters, position)
    with history:
        consensus_section(raters)


page()
