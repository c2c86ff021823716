"""Agreement: how far raters agree, per code, with intervals and the .667/.800 bands; the
disagreements behind it (admins). Coders see the figures once the admin allows it and every
compared coder has marked a transcript done (the rule is in study.admin)."""
from __future__ import annotations

import pandas as pd
import streamlit as st

from study.app.common import get_study, require_actor
from study.app.display import attempt, error, plain, said
from study import audit_log, charts
from study.agreement import visibility
from study.agreement.study_agreement import AgreementReport, agreement_report
from study.agreement.tables import applied_key, code_table
from study.adjudication import DisagreementFilter, disagreement_rows, disagreements, filter_disagreements
from study.agreement.breakdown import agreement_by
from study.agreement.span_study import span_agreement
from study.agreement.study_agreement import RARE_RULE, THRESHOLDS
from study.errors import NotAllowed, StudyError

study, actor = get_study(), require_actor()
LOW, HIGH = THRESHOLDS
BANDS = {"low": "#fde2e1", "tentative": "#fff1cc", "reliable": "#dcf2e3"}


@st.cache_data(show_spinner="Computing agreement (with bootstrap intervals)...", max_entries=32)
def report_of(_study, who, raters: tuple[str, ...], level: str, participant_turns: bool,
              version: int) -> AgreementReport:
    """The report; ``version`` changes with every change to the study, so the cache stays fresh."""
    return agreement_report(_study, who, list(raters), level, participant_turns_only=participant_turns)


def band(value) -> str:
    if value is None or pd.isna(value):
        return ""
    colour = BANDS["reliable"] if value >= HIGH else BANDS["tentative"] if value >= LOW else BANDS["low"]
    return f"background-color: {colour}"


def code_frame(report: AgreementReport, applied_only: bool) -> pd.DataFrame:
    """The shared per-code table (study.agreement.tables) as a frame of values, for colouring."""
    keys = ("theme", "name", "alpha", "alpha_ci", "kappa", "ac1", "percent_100",
            *(applied_key(r) for r in report.raters), "rare", "undefined")  # applied by: None when hidden from a coder
    table = code_table(report, keys, applied_only=applied_only)
    frame = pd.DataFrame([{c.key: row[c.key] for c in table.columns} for row in table.rows], columns=list(keys))
    frame["alpha_ci"] = [f"{ci[0]:.3f} to {ci[1]:.3f}" if ci else "" for ci in frame["alpha_ci"]]
    frame["percent_100"] = [None if p is None or pd.isna(p) else 100 * p for p in frame["percent_100"]]
    frame["rare"] = ["rare" if r else "" for r in frame["rare"]]
    return frame.drop(columns=["undefined"]) if not frame.empty and not frame["undefined"].any() else frame


def code_table_view(report: AgreementReport) -> None:
    unused = sum(1 for c in report.codes if not any(c.prevalence.values()))
    applied_only = st.toggle(f"Hide the {unused} codes no compared rater applied", value=True) if unused else False
    frame = code_frame(report, applied_only)
    if frame.empty:
        st.info("No code to compare yet.")
        return
    styled = frame.style.map(band, subset=["alpha"]).format(
        {"alpha": "{:.3f}", "kappa": "{:.3f}", "ac1": "{:.3f}", "percent_100": "{:.1f}"}, na_rep="undefined")
    kappa = report.codes[0].kappa_kind if report.codes else "kappa"
    st.dataframe(
        styled, hide_index=True, width="stretch", height=min(35 * len(frame) + 38, 600),
        column_config={
            "theme": st.column_config.TextColumn("Theme"),
            "name": st.column_config.TextColumn("Code"),
            "alpha": st.column_config.Column("α", help="Krippendorff's alpha (nominal): green from .800, "
                                                       "amber from .667, red below"),
            "alpha_ci": st.column_config.TextColumn("95% interval", help="bootstrap interval for alpha"),
            "kappa": st.column_config.Column(f"κ ({kappa})"),
            "ac1": st.column_config.Column("AC1", help="Gwet's AC1"),
            "percent_100": st.column_config.Column("% agree"),
            "rare": st.column_config.TextColumn("Rare", help=RARE_RULE),
            "undefined": st.column_config.TextColumn("Note"),
        },
    )
    st.caption(f"α at or above {HIGH:.3f}: reliable; from {LOW:.3f}: tentative conclusions only; below: not "
               f"reliable. “Rare” marks codes whose α is unstable: {RARE_RULE.removeprefix('rare: ')}.")


def overview(report: AgreementReport) -> None:
    overall = report.overall
    median, low, high = overall.median_alpha, overall.min_alpha, overall.max_alpha
    cols = st.columns(4)
    cols[0].metric("Median α over codes", "undefined" if median is None else f"{median:.3f}",
                   help="the middle of the codes' alphas (codes with a defined alpha)")
    cols[1].metric("Range", "–" if low is None else f"{low:.2f} to {high:.2f}")
    cols[2].metric("Codes with α", f"{overall.codes_with_alpha} of {overall.codes}")
    cols[3].metric(f"{report.level.capitalize()}s compared", f"{overall.units:,}")
    st.caption(plain(f"Transcripts every compared rater marked done: {', '.join(report.transcripts)}."))


@st.cache_data(show_spinner="Computing agreement per group...", max_entries=32)
def breakdown_of(_study, who, raters: tuple[str, ...], by: str, level: str, participant_turns: bool,
                 version: int) -> list[dict]:
    return [r.to_dict() for r in agreement_by(_study, who, list(raters), by, level,
                                              participant_turns_only=participant_turns)]


def breakdown(raters: list[str], by: str, level: str, participant_turns: bool) -> None:
    """One row per transcript (where to look first) or per pair of raters (who differs from whom)."""
    if by == "transcript" and level != "segment":
        st.info("Agreement per transcript compares segments: choose the segment unit.")
        return
    try:
        rows = breakdown_of(study, actor, tuple(raters), by, level, participant_turns, audit_log.study_version(study))
    except StudyError as exc:
        error(exc)
        return
    frame = pd.DataFrame(rows).drop(columns=["raters"])
    frame["identical"] = frame["identical"] * 100
    st.dataframe(
        frame.style.map(band, subset=["median_alpha"]).format(
            {"median_alpha": "{:.3f}", "pooled_alpha": "{:.3f}", "identical": "{:.1f}"}, na_rep="undefined"),
        hide_index=True, width="stretch", height=min(35 * len(frame) + 38, 600),
        column_config={
            "group": st.column_config.TextColumn("Transcript" if by == "transcript" else "Raters"),
            "transcripts": st.column_config.NumberColumn("Transcripts"),
            "units": st.column_config.NumberColumn(f"{level.capitalize()}s"),
            "disputed_units": st.column_config.NumberColumn("Disputed", help="units the raters coded differently"),
            "identical": st.column_config.Column("% identical", help="units every rater coded the same"),
            "median_alpha": st.column_config.Column("Median α", help="over the codes with a defined alpha"),
            "pooled_alpha": st.column_config.Column("Pooled α"),
            "codes_with_alpha": st.column_config.NumberColumn("Codes with α"),
        },
    )
    if by == "transcript":
        st.caption("Per-transcript alphas rest on few units: use them to find where to look, then filter the "
                   "disagreements (or the Adjudicate page) by that transcript.")


def disagreement_list(raters: list[str], level: str) -> None:
    try:
        items = disagreements(study, actor, raters, level)
    except StudyError as exc:
        error(exc)
        return
    if not items:
        st.success("The raters agree on every unit.", icon=":material/check_circle:")
        return
    left, middle, right = st.columns(3)
    where = DisagreementFilter(
        tuple(left.multiselect("Transcripts", list(dict.fromkeys(d.transcript for d in items if d.transcript)),
                               key="agreement_transcripts", placeholder="all")),
        tuple(middle.multiselect("Codes", sorted({c for d in items for c in d.disputed}), key="agreement_codes",
                                 placeholder="all")),
        rater=right.selectbox("Rater applied", [None, *raters], key="agreement_rater",
                              format_func=lambda r: "any rater" if r is None else r))
    items = filter_disagreements(items, where)
    resolved = sum(1 for d in items if d.resolution)
    st.caption(f"{len(items)} {level}(s) where the raters' codes differ" +
               (f"; {resolved} already resolved." if resolved else ".") +
               (" Resolve them on the Adjudicate page." if level == "segment" else ""))
    st.dataframe(pd.DataFrame(disagreement_rows(items, raters)), hide_index=True, width="stretch",
                 column_config={"text": st.column_config.TextColumn("Text", width="large")})


def visibility_setting() -> None:
    allowed = visibility.coders_see_agreement(study)
    choice = st.toggle("Coders may see agreement once every compared coder has marked a transcript done",
                       value=allowed, help="They see the figures and the chart, never each other's codings.")
    if choice != allowed:
        attempt(visibility.set_coders_see_agreement, study, actor, choice)


def span_table(raters: list[str]) -> None:
    """Unitized agreement per code on the coded text (study.agreement.span_study)."""
    try:
        report = span_agreement(study, actor, raters)
    except NotAllowed as exc:
        st.info(plain(said(exc)[:1].upper() + said(exc)[1:] + "."), icon=":material/lock:")
        return
    except StudyError as exc:
        error(exc)
        return
    st.caption(plain(f"Krippendorff's alpha_u per code on {report.continuum} characters of "
                     f"{len(report.transcripts)} transcript(s) ({report.basis})."))
    st.dataframe(pd.DataFrame(report.code_rows()), hide_index=True, width="stretch")


def page() -> None:
    st.title("Agreement")
    raters_available = visibility.comparable_raters(study, actor)
    if len(raters_available) < 2:
        st.info("Agreement needs two raters who have coded. Come back when a second coder has started.")
        return
    default = raters_available[:2] if actor.is_admin or actor.name not in raters_available else \
        [actor.name, next(r for r in raters_available if r != actor.name)]
    left, right = st.columns([3, 1])
    raters = left.multiselect("Raters to compare", raters_available, default=default)
    level = right.segmented_control("Unit", ["segment", "participant", "span"], default="segment",
                                    format_func=str.capitalize, help="Compare per segment, or per participant "
                                    "(a code counts when applied anywhere in their transcripts), or the coded "
                                    "text itself (span: Krippendorff's unitizing alpha).") or "segment"
    participant_turns = level == "segment" and right.checkbox(
        "Participant turns only", help="Leave the interviewer's segments out of the units.")
    if actor.is_admin:
        visibility_setting()
    if len(raters) < 2:
        st.info("Choose at least two raters.")
        return
    if level == "span":
        span_table(raters)
        return
    try:
        report = report_of(study, actor, tuple(raters), level, participant_turns, audit_log.study_version(study))
    except NotAllowed as exc:  # a coder before the admin opened agreement, or before all are done
        st.info(plain(said(exc)[:1].upper() + said(exc)[1:] + "."), icon=":material/lock:")
        return
    except StudyError as exc:
        error(exc)
        return
    overview(report)
    tabs = ["Per code", "Chart"] + (["Per transcript", "Per pair", "Disagreements"] if actor.is_admin else [])
    shown = st.tabs(tabs)
    with shown[0]:
        code_table_view(report)
        st.caption(plain(report.overall.methods))
    with shown[1]:
        st.plotly_chart(charts.agreement_figure(report), width="stretch", config={"displaylogo": False})
    if actor.is_admin:
        with shown[2]:
            breakdown(raters, "transcript", level, participant_turns)
        with shown[3]:
            breakdown(raters, "pair", level, participant_turns)
        with shown[4]:
            disagreement_list(raters, level)


page()
