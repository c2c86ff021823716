"""Agreement: how far raters agree, per code, with intervals and the .667/.800 bands; the
disagreements behind it (admins). Coders see each code's band once the admin allows it and every
compared coder has marked a transcript done (the rules are in study.agreement.visibility and
study_agreement.for_coder)."""
from __future__ import annotations

from dataclasses import replace

import pandas as pd
import streamlit as st

from study.app.common import get_study, require_actor
from study.app.display import (
    attempt, error, first_page, merged_config, page_number, pager, plain, said, table_styler, wrapped,
)
from study import audit_log, charts, disputes
from study.agreement import coefficient_text, visibility
from study.agreement.study_agreement import AgreementReport, agreement_report
from study.agreement.tables import applied_key, breakdown_table, code_table, span_table, theme_table
from study.adjudication import DisagreementFilter, disagreement_page, disagreements, filter_disagreements
from study.agreement.breakdown import GroupAgreement, agreement_by
from study.agreement.span_study import span_agreement
from study.agreement.study_agreement import RARE_RULE, THRESHOLDS, alpha_band
from study.errors import NotAllowed, StudyError
from study.suggest import SuggestionEvaluation, evaluate_suggestions, evaluation_table, suggesters

study, actor = get_study(), require_actor()
LOW, HIGH = THRESHOLDS
ROWS = 50  # disagreements a page
BANDS = {"unreliable": "#fde2e1", "tentative": "#fff1cc", "reliable": "#dcf2e3"}


@st.cache_data(show_spinner="Computing agreement (with bootstrap intervals)...", max_entries=32)
def report_of(_study, who, raters: tuple[str, ...], level: str, participant_turns: bool,
              version: int) -> AgreementReport:
    """The report; ``version`` changes with every change to the study, so the cache stays fresh."""
    return agreement_report(_study, who, list(raters), level, participant_turns_only=participant_turns)


def band(value) -> str:
    """The cell colour of an alpha: its band by the one rule (study_agreement.alpha_band)."""
    named = alpha_band(None if value is None or pd.isna(value) else float(value))
    return f"background-color: {BANDS[named]}" if named else ""


def band_colour(name) -> str:
    return f"background-color: {BANDS[name]}" if name in BANDS else ""


def coder_table_view(report: AgreementReport) -> None:
    """What a coder sees per code: how often they applied it, and alpha's band (or too few to judge)."""
    table = code_table(report, ("theme", "name", applied_key(actor.name), "alpha_band"), labels={
        "theme": "Theme", "name": "Code", applied_key(actor.name): "Applied by you", "alpha_band": "Agreement"})
    st.dataframe(table_styler(table, colour={"alpha_band": band_colour}), hide_index=True, width="stretch",
                 height=min(35 * len(table.rows) + 38, 600))
    st.caption(f"Agreement is α's band: reliable from {HIGH:.3f}, tentative from {LOW:.3f}, unreliable below. "
               "Figures are for admins: with them you could work out the other coders' counts.")


def code_table_view(report: AgreementReport) -> None:
    """The shared per-code table (study.agreement.tables) under the page's labels, alpha coloured."""
    if not actor.is_admin:
        coder_table_view(report)
        return
    unused = sum(1 for c in report.codes if not any(c.prevalence.values()))
    applied_only = st.toggle(f"Hide the {unused} codes no compared rater applied", value=True) if unused else False
    kappa = report.codes[0].kappa_kind if report.codes else "kappa"
    keys = ("theme", "name", "alpha", "alpha_ci", "kappa", "ac1", "percent_100",
            *(applied_key(r) for r in report.raters),  # applied by: None when hidden from a coder
            "rare", "undefined")
    table = code_table(report, keys, applied_only=applied_only, labels={
        "theme": "Theme", "name": "Code", "alpha": "α", "alpha_ci": "95% interval", "kappa": f"κ ({kappa})",
        "percent_100": "% agree", "rare": "Rare", "undefined": "Note"})
    if not any(row["undefined"] for row in table.rows):  # no note to show: no column for it
        table = replace(table, columns=table.columns[:-1])
    if not table.rows:
        st.info("No code to compare yet.")
        return
    room = wrapped(table, max_height=600)  # long notes wrap
    st.dataframe(
        table_styler(table, colour={"alpha": band}), hide_index=True, width="stretch",
        height=room.get("height", min(35 * len(table.rows) + 38, 600)), row_height=room.get("row_height"),
        column_config=merged_config(room, {
            "α": st.column_config.Column(help="Krippendorff's alpha (nominal): green from .800, amber from .667, "
                                              "red below"),
            "95% interval": st.column_config.TextColumn(help="bootstrap interval for alpha"),
            "AC1": st.column_config.Column(help="Gwet's AC1"),
            "Rare": st.column_config.TextColumn(help=RARE_RULE),
        }),
    )
    st.caption(f"α at or above {HIGH:.3f}: reliable; from {LOW:.3f}: tentative conclusions only; below: not "
               f"reliable. “Rare” marks codes whose α is unstable: {RARE_RULE.removeprefix('rare: ')}.")


def overview(report: AgreementReport) -> None:
    overall = report.overall
    if not actor.is_admin:
        cols = st.columns(2)
        cols[0].metric("Codes with a band", f"{overall.codes_with_alpha} of {overall.codes}")
        cols[1].metric(f"{report.level.capitalize()}s compared", f"{overall.units:,}")
        st.caption(plain(f"Transcripts every compared rater marked done: {', '.join(report.transcripts)}."))
        return
    median, low, high = overall.median_alpha, overall.min_alpha, overall.max_alpha
    cols = st.columns([2, 3, 2, 2])  # "0.492 to 1.000" reads whole at 1280 px
    cols[0].metric("Median α over codes", coefficient_text(median),
                   help="the middle of the codes' alphas (codes with a defined alpha)")
    cols[1].metric("Range", "–" if low is None else f"{coefficient_text(low)} to {coefficient_text(high)}")
    cols[2].metric("Codes with α", f"{overall.codes_with_alpha} of {overall.codes}")
    cols[3].metric(f"{report.level.capitalize()}s compared", f"{overall.units:,}")
    st.caption(plain(f"Transcripts every compared rater marked done: {', '.join(report.transcripts)}."))


@st.cache_data(show_spinner="Computing agreement per group...", max_entries=32)
def breakdown_of(_study, who, raters: tuple[str, ...], by: str, level: str, participant_turns: bool,
                 version: int) -> list[GroupAgreement]:
    return agreement_by(_study, who, list(raters), by, level, participant_turns_only=participant_turns)


def breakdown(raters: list[str], by: str, level: str, participant_turns: bool) -> None:
    """One row per transcript (where to look first) or per pair of raters (who differs from whom)."""
    if by == "transcript" and level != "segment":
        st.info("Agreement per transcript compares segments: choose the segment unit.")
        return
    try:
        groups = breakdown_of(study, actor, tuple(raters), by, level, participant_turns, audit_log.study_version(study))
    except StudyError as exc:
        error(exc)
        return
    table = breakdown_table(groups, by, level)
    st.dataframe(table_styler(table, colour={"median_alpha": band}), hide_index=True, width="stretch",
                 height=min(35 * len(table.rows) + 38, 600))
    for line in (table.caption, *table.notes):
        st.caption(plain(line))
    if by == "transcript":
        st.caption("Then filter the disagreements (or the Adjudicate page) by that transcript.")


@st.cache_data(show_spinner="Finding the disagreements...", max_entries=8)
def disagreements_of(_study, who, raters: tuple[str, ...], level: str, version: int) -> list:
    """The participants' disagreements, read once per change to the study (a page or filter
    changed reads none)."""
    return disagreements(_study, who, list(raters), level)


@st.cache_data(show_spinner="Counting the disagreements...", max_entries=8)
def docket_of(_study, who, raters: tuple[str, ...], version: int) -> disputes.Docket:
    """The segments' disagreements counted, with the filters' choices, once per change to the study."""
    return disputes.docket(_study, who, raters)


@st.cache_data(show_spinner="Finding the disagreements...", max_entries=16)
def shown_of(_study, who, raters: tuple[str, ...], where: DisagreementFilter, version: int) -> disputes.Shown:
    """The disputed segments ``where`` keeps, once per filter and change to the study (a page
    changed reads only its rows)."""
    return disputes.shown(_study, who, raters, where)


def choices(raters: list[str], level: str) -> tuple[tuple[str, ...], tuple[str, ...]] | None:
    """(transcripts, disputed codes) to filter by, or None when the raters agree everywhere: the
    segments' counted in the database, the participants' from their list."""
    version = audit_log.study_version(study)
    if level == "segment":
        held = docket_of(study, actor, tuple(raters), version)
        return (held.transcripts, held.codes) if held.disputed else None
    items = disagreements_of(study, actor, tuple(raters), level, version)
    return ((), tuple(sorted({c for d in items for c in d.disputed}))) if items else None


def disagreement_list(raters: list[str], level: str) -> None:
    try:
        offered = choices(raters, level)
    except StudyError as exc:
        error(exc)
        return
    if offered is None:
        st.success("The raters agree on every unit.", icon=":material/check_circle:")
        return
    key = f"agreement_disagreements_page_{level}"  # the page shown; a filter changed starts at the first
    left, middle, right = st.columns(3)
    where = DisagreementFilter(
        tuple(left.multiselect("Transcripts", list(offered[0]), key="agreement_transcripts", placeholder="all",
                               on_change=first_page, args=(key,))),
        tuple(middle.multiselect("Codes", list(offered[1]), key="agreement_codes",
                                 placeholder="all", on_change=first_page, args=(key,))),
        rater=right.selectbox("Rater applied", [None, *raters], key="agreement_rater", on_change=first_page,
                              args=(key,), format_func=lambda r: "any rater" if r is None else r))
    version = audit_log.study_version(study)
    if level == "segment":
        kept = shown_of(study, actor, tuple(raters), where, version)
        count, resolved = len(kept), kept.resolved
    else:
        items = filter_disagreements(disagreements_of(study, actor, tuple(raters), level, version), where)
        count, resolved = len(items), sum(1 for d in items if d.resolution)
    st.caption(f"{count:,} {level}(s) where the raters' codes differ" +
               (f"; {resolved:,} already resolved." if resolved else ".") +
               (" Select a row to open it on the Adjudicate page." if level == "segment" else ""))
    page = (disputes.docket_page(study, actor, kept, page_number(key), ROWS) if level == "segment" else
            disagreement_page(items, raters, page_number(key), ROWS))
    table = page.table
    event = st.dataframe(table_styler(table), hide_index=True, width="stretch",
                         **wrapped(table, selectable=level == "segment"),  # the text wraps
                         on_select="rerun" if level == "segment" else "ignore", selection_mode="single-row",
                         key=f"agreement_disagreements_{level}_{page.number}")
    pager(key, page, f"{level}s")
    chosen = event.selection.rows if level == "segment" and event is not None else []
    if chosen and chosen[0] < len(table.rows):
        row = table.rows[chosen[0]]
        st.switch_page("views/adjudicate.py", query_params={
            "transcript": row["transcript"], "segment": str(row["segment"]), "raters": ",".join(raters)})


def visibility_setting() -> None:
    allowed = visibility.coders_see_agreement(study)
    choice = st.toggle("Coders may see agreement once every compared coder has marked a transcript done",
                       value=allowed, help="They see the figures and the chart, never each other's codings.")
    if choice != allowed:
        attempt(visibility.set_coders_see_agreement, study, actor, choice)


def span_view(raters: list[str]) -> None:
    """Unitized agreement per code on the coded text (study.agreement.span_study)."""
    try:
        report = span_agreement(study, actor, raters)
    except NotAllowed as exc:
        st.info(plain(said(exc)[:1].upper() + said(exc)[1:] + "."), icon=":material/lock:")
        return
    except StudyError as exc:
        error(exc)
        return
    table = span_table(report)
    st.caption(plain(f"{table.title}. {table.caption}"))
    st.dataframe(table_styler(table), hide_index=True, width="stretch")


@st.cache_data(show_spinner="Measuring the suggestions...", max_entries=16)
def evaluation_of(_study, who, reference: str, machine: str, version: int) -> SuggestionEvaluation:
    return evaluate_suggestions(_study, who, reference, machine)


def suggestion_scores(raters_available: list[str], machines: list[str]) -> None:
    """Suggestions measured against a human rater (study.suggest), as `study suggest evaluate` prints them."""
    humans = [r for r in raters_available if r not in machines]
    if not humans:
        st.info("No human rater has coded yet to measure the suggestions against.")
        return
    left, right = st.columns(2)
    machine = left.selectbox("Suggestions of", machines, key="suggestions_of")
    reference = right.selectbox("Measured against", humans, key="suggestions_against")
    evaluation = attempt(evaluation_of, study, actor, reference, machine, audit_log.study_version(study))
    if evaluation is None:
        return
    table = evaluation_table(evaluation)
    st.caption(plain(table.title))
    st.dataframe(table_styler(table), hide_index=True, width="stretch")
    for line in (table.caption, *table.notes):
        st.caption(plain(line))


def page() -> None:
    st.title("Agreement")
    raters_available = visibility.comparable_raters(study, actor)
    if len(raters_available) < 2:
        st.info("Agreement needs two raters who have coded. Come back when a second coder has started.")
        return
    default = raters_available[:2] if actor.is_admin or actor.name not in raters_available else \
        [actor.name, next(r for r in raters_available if r != actor.name)]
    left, right = st.columns([5, 3])  # wide enough for the three units side by side
    raters = left.multiselect("Raters to compare", raters_available, default=default)
    level = right.segmented_control("Unit", ["segment", "participant", "span"], default="segment",
                                    format_func=str.capitalize, help="Compare per segment, or per participant "
                                    "(a code counts when applied anywhere in their transcripts), or the coded "
                                    "text itself (span: Krippendorff's unitizing alpha).") or "segment"
    participant_turns = level == "segment" and right.checkbox(
        "Participant turns only", help="Leave the segments of interviewers and others (observers, note-takers) out of the units.")
    if actor.is_admin:
        visibility_setting()
    if len(raters) < 2:
        st.info("Choose at least two raters.")
        return
    if level == "span":
        span_view(raters)
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
    if not actor.is_admin:  # the bands only: no chart, themes, breakdowns or disagreements
        code_table_view(report)
        st.caption(plain(report.overall.methods))
        return
    machines = suggesters(study)
    tabs = ["Per code", "Chart", "Per transcript", "Per pair", "Disagreements"] + (["Suggestions"] if machines else [])
    shown = st.tabs(tabs, key="agreement_tab", on_change="rerun")  # only the open tab is computed
    if shown[0].open:
        with shown[0]:
            code_table_view(report)
            with st.expander("Per theme: median α, and cu-α for a theme whose codes exclude each other"):
                st.dataframe(table_styler(theme_table(report), colour={"median_alpha": band}), hide_index=True,
                             width="stretch")
            st.caption(plain(report.overall.methods))
    if shown[1].open:
        with shown[1]:
            st.plotly_chart(charts.agreement_figure(report), width="stretch", config={"displaylogo": False})
    if shown[2].open:
        with shown[2]:
            breakdown(raters, "transcript", level, participant_turns)
    if shown[3].open:
        with shown[3]:
            breakdown(raters, "pair", level, participant_turns)
    if shown[4].open:
        with shown[4]:
            disagreement_list(raters, level)
    if machines and shown[5].open:
        with shown[5]:
            suggestion_scores(raters_available, machines)


page()
