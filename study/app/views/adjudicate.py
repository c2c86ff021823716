"""Adjudicate (admins): the raters' disagreements one by one; each decision builds the consensus."""
from __future__ import annotations

import pandas as pd
import streamlit as st

from study.app.common import get_study, require_actor
from study.app.display import act, attempt, flash, plain, said, show_flash
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
    left, right = st.columns([3, 1])
    raters = left.multiselect("Raters to adjudicate between", available, default=available[:2])
    unresolved_only = right.toggle("Unresolved only", value=True, key="adjudicate_unresolved")
    st.session_state["adjudicate_filter"] = unresolved_only
    return raters


def progress(raters: list[str]) -> None:
    figures = attempt(adjudication.adjudication_progress, study, raters, actor)
    if figures is None:
        return
    disputed, resolved = figures["units_disputed"], figures["resolved"]
    left, right = st.columns([3, 1], vertical_alignment="bottom")
    left.progress(resolved / disputed if disputed else 1.0,
                  text=f"{resolved} of {disputed} disputed segments resolved "
                       f"({figures['units']:,} segments in transcripts every rater marked done)")
    right.button("Carry agreements", icon=":material/done_all:", width="stretch",
                 help="Put the codes every rater applied into the consensus; decisions already made are kept.",
                 on_click=act, args=(adjudication.auto_adjudicate, study, actor, raters),
                 kwargs={"done": lambda r: f"Agreed codes carried on {r.agreed_units} segment(s); "
                                           f"{r.disputed_units} segment(s) still disputed."})


def navigator(items: list) -> int:
    position = min(st.session_state.get(POSITION, 0), len(items) - 1)
    left, middle, right = st.columns([1, 4, 1], vertical_alignment="center")
    left.button("Previous", icon=":material/arrow_back:", disabled=position == 0, width="stretch",
                on_click=move, args=(position - 1,))
    middle.markdown(f"Disagreement {position + 1} of {len(items)}", text_alignment="center")
    right.button("Next", icon=":material/arrow_forward:", disabled=position >= len(items) - 1,
                 width="stretch", on_click=move, args=(position + 1,))
    return position


def move(position: int) -> None:
    st.session_state[POSITION] = max(position, 0)


def unit_card(item, raters: list[str]) -> None:
    with st.container(border=True):
        where = f"{item.transcript} · segment {item.segment}" + (f" · {item.speaker}" if item.speaker else "")
        st.caption(plain(where) + (" · resolved: " + plain(item.resolution) if item.resolution else ""))
        st.text(item.text)
    columns = st.columns(len(raters))
    for column, rater in zip(columns, raters):
        with column:
            st.markdown(f"**{plain(rater)}**")
            codes = item.codes.get(rater, ())
            if codes:
                st.dataframe(pd.DataFrame({"code": codes, "disputed": [c in item.disputed for c in codes]}),
                             hide_index=True, width="stretch",
                             column_config={"code": st.column_config.TextColumn("Code"),
                                            "disputed": st.column_config.CheckboxColumn("Disputed")})
            else:
                st.caption("no code")


def decision_form(item, raters: list[str], all_codes: list[str], unresolved_only: bool, position: int) -> None:
    key = f"{item.transcript}#{item.segment}"
    options = [f"take:{r}" for r in raters] + ["both", "neither", "edit"]
    labels = {**{f"take:{r}": f"Take {r}" for r in raters}, "both": "Both (every code)",
              "neither": "Neither (agreed codes only)", "edit": "Edit"}
    decision = st.segmented_control("Decision", options, format_func=lambda o: plain(labels[o]),
                                    key=f"decision-{key}")
    union = sorted({c for codes in item.codes.values() for c in codes})
    if decision == "edit":
        st.multiselect("Consensus codes", all_codes, default=union, key=f"codes-{key}")
    st.text_input("Reason (optional)", key=f"reason-{key}", placeholder="why this decision")
    st.button("Resolve", type="primary", icon=":material/gavel:", disabled=decision is None,
              on_click=resolve, args=(raters, item, key, unresolved_only, position))


def resolve(raters: list[str], item, key: str, unresolved_only: bool, position: int) -> None:
    decision = st.session_state.get(f"decision-{key}")
    codes = st.session_state.get(f"codes-{key}") if decision == "edit" else None
    reason = (st.session_state.get(f"reason-{key}") or "").strip() or None
    try:
        record = adjudication.resolve(study, actor, raters, item.transcript, item.segment, decision, codes, reason)
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
    st.dataframe(
        pd.DataFrame([{"transcript": r.transcript, "segment": r.segment, "decision": r.decision,
                       "consensus codes": ", ".join(r.codes), "by": r.adjudicator, "reason": r.reason or "",
                       "at": r.at} for r in reversed(records)]),
        hide_index=True, width="stretch",
        column_config={"at": st.column_config.DatetimeColumn("When (UTC)", format="YYYY-MM-DD HH:mm")},
    )
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
    unresolved_only = st.session_state.get("adjudicate_filter", True)
    shown = [d for d in items if not (unresolved_only and d.resolution)]
    work, history = st.tabs(["Disagreements", "Consensus decisions"])
    with work:
        if not shown:
            st.success("Every disagreement is resolved." if items else "The raters agree on every segment.",
                       icon=":material/check_circle:")
        else:
            position = navigator(shown)
            item = shown[position]
            unit_card(item, raters)
            decision_form(item, raters, [e["ref"] for e in codes.codebook_entries(study, actor) if not e["retired"]],
                          unresolved_only, position)
    with history:
        consensus_section(raters)


page()
