"""Findings (admins): the paper's tables and figures from a chosen source, with downloads of
each table (Word, LaTeX, CSV, Excel, Markdown) and of the whole report."""
from __future__ import annotations

from collections.abc import Callable

import streamlit as st

from study.app.common import get_study, require_actor
from study.app.components.chart_warmup import warm_charts
from study.app.display import (
    attempt, error, first_page, page_number, pager, plain, table_downloads, table_styler, wrapped,
)
from study import charts, code_tree, codes, exports, findings, report
from study.coverage import source_coverage
from study.sources import SourceChoice, choose_source, findings_sources
from study.errors import StudyError
from study.saturation import saturation
from study.store import CONSENSUS

study, actor = get_study(), require_actor()
VIEWS = ("Frequency", "Participants × codes", "Factors", "Demographics", "Co-occurrence", "Saturation", "Framework")
FRAMEWORK_PAGE = "framework_page"  # the page of the framework matrix shown


def choose() -> tuple[SourceChoice, str | None, str]:
    choices = findings_sources(study, actor)
    themes = codes.theme_paths(study)
    left, right = st.columns(2)
    again = {"on_change": first_page, "args": (FRAMEWORK_PAGE,)}  # a changed choice starts at the first page
    choice = left.selectbox("Source", choices, format_func=lambda c: c.label,
                            help="Whose codings the findings count.", **again)
    theme = right.selectbox("Theme", ["All themes", *themes], **again)
    view = st.segmented_control("Show", VIEWS, default=VIEWS[0], required=True, key="findings_view",
                                label_visibility="collapsed")
    return choice, None if theme == "All themes" else theme, view


def show_table(table, coverage, height: int | None = None, page=None, whole=None, downloads: bool = True) -> None:
    """The table under its caption, without the coverage sentence the page shows once above every view;
    of a paged table (``page``, a ``study.table.TablePage``) the pager under it, and downloads of the
    ``whole`` table, built when a button is pressed (none with ``downloads`` False: a table shown
    while the whole one is built)."""
    caption = table.caption.replace(coverage.describe(), "").strip()
    if caption:
        st.caption(plain(caption))
    if not table.rows:
        st.info("Nothing to show for this source and theme yet.")
    else:
        room = wrapped(table, max_height=height or 620)  # long text wraps instead of being cut to one line
        st.dataframe(table_styler(table), hide_index=True, width="stretch", **{"height": "auto", **room})
        if page is not None:
            pager(FRAMEWORK_PAGE, page, "participants")
    for note in table.notes:
        st.caption(plain(note))
    if downloads:
        table_downloads(table, whole=whole)


RULE_LABELS = {code_tree.WITH_CODES_BELOW: "with the codes below them", code_tree.OWN_CODINGS: "own codings only"}


def parent_rule(view: str) -> str:
    """This table's parent rule: a control of its own (each table keeps its choice) when codes
    nest, the default otherwise."""
    if not any(c.parent_id is not None for c in codes.code_views(study, include_retired=False)):
        return code_tree.DEFAULT_PARENT_RULE
    return st.segmented_control(
        "Parent codes count", code_tree.PARENT_RULES, default=code_tree.DEFAULT_PARENT_RULE, required=True,
        format_func=RULE_LABELS.get, key=f"parent-rule-{view}",
        help="With the codes below them: a participant counts for a code when a segment carries it or any code "
             "below it. Own codings only: when a segment carries the code itself.")


def view_body(view: str, source: str, combine: str, theme: str | None, coverage) -> Callable[[], None] | None:
    """The view's controls and table; what is left to draw once the rest of the page is (the frequency
    table's quotes), if anything."""
    if view == "Frequency":
        rule = parent_rule(view)
        # only the open tab is computed: the chart needs no exemplar quotes, which rank every coded segment.
        # The table opens first: a chart's first drawing loads plotly.js in the browser (seconds at L)
        chart, numbers = st.tabs(["Chart", "Table"], default="Table", key="frequency_tab", on_change="rerun")
        if chart.open:
            table = findings.frequency_table(study, actor, theme, source, combine, parent_rule=rule, quotes=False)
            with chart:
                st.plotly_chart(charts.frequency_figure(table), width="stretch", config={"displaylogo": False})
        if numbers.open:
            with numbers:
                return frequency_counts(source, combine, theme, rule, coverage)
    elif view == "Participants × codes":
        counts = st.toggle("Count coded segments (instead of 1 = mentioned)")
        show_table(findings.matrix_table(study, actor, theme, source, combine, counts=counts,
                                         parent_rule=parent_rule(view)), coverage)
    elif view == "Factors":
        if theme is None:
            st.info("Choose a theme: the factor table groups one theme's codes by sub-theme.")
            return
        least = st.number_input("Keep codes mentioned by at least", min_value=1, value=2, step=1)
        show_table(findings.factors_table(study, actor, theme, int(least), source, combine, parent_rule(view)),
                   coverage)
    elif view == "Demographics":
        show_table(findings.demographics_table(study, coverage), coverage)
    elif view == "Co-occurrence":
        level = st.segmented_control("Count", ["segment", "participant"], default="segment", required=True,
                                     format_func=lambda v: f"per {v}")
        table = findings.cooccurrence_table(study, actor, theme, level, source, combine, parent_rule(view))
        chart, numbers = st.tabs(["Chart", "Table"], default="Table", key="cooccurrence_tab", on_change="rerun")
        if chart.open and table.rows:  # drawn only while open, as the frequency chart
            with chart:
                st.plotly_chart(charts.cooccurrence_figure(table), width="stretch", config={"displaylogo": False})
        if numbers.open:
            with numbers:
                show_table(table, coverage)
    elif view == "Saturation":
        curve = saturation(study, actor, theme, source, combine)
        st.plotly_chart(charts.saturation_figure(curve), width="stretch", config={"displaylogo": False})
        st.caption(plain(report.saturation_sentence(curve)))
    else:  # a page of participants: the whole matrix quotes every coded segment (at 500 interviews, seconds)
        page = findings.framework_page(study, actor, theme, source, combine, number=page_number(FRAMEWORK_PAGE))
        show_table(page.table, coverage, height=600, page=page,
                   whole=lambda: findings.framework_rows(study, actor, theme, source, combine))


def frequency_counts(source: str, combine: str, theme: str | None, rule: str, coverage) -> Callable[[], None]:
    """The frequency table's counts (at 500 interviews a third of the time), and what replaces them by the
    whole table, its exemplar quotes and downloads, called once the rest of the page is drawn: choosing
    the quotes ranks every coded segment of the source."""
    slot = st.empty()
    counts = slot.container()
    with counts:
        show_table(findings.frequency_table(study, actor, theme, source, combine, parent_rule=rule, quotes=False),
                   coverage, downloads=False)

    def with_quotes() -> None:
        with counts, st.spinner("Choosing exemplar quotes…"):
            table = findings.frequency_table(study, actor, theme, source, combine, parent_rule=rule, after_counts=True)
        with slot.container():
            show_table(table, coverage)
    return with_quotes


def whole_report(choice: SourceChoice) -> None:
    with st.container(border=True):
        st.markdown("**The whole report**")
        st.caption("Method, participants, every theme's tables and figures, saturation, agreement and an "
                   "appendix of quotes, from the source chosen above. Building it takes a few seconds.")
        left, right, _ = st.columns([1, 1, 3])
        left.download_button("Word report", data=lambda: report.report_docx(build(choice)),
                             file_name="findings-report.docx", mime=exports.MEDIA_TYPES["docx"],
                             icon=":material/description:", on_click="ignore", type="primary", width="stretch")
        right.download_button("HTML report", data=lambda: report.report_html(build(choice)),
                              file_name="findings-report.html", mime="text/html", icon=":material/html:",
                              on_click="ignore", width="stretch")


def build(choice: SourceChoice):
    return report.build_report(study, actor, choice.source, choice.combine)


def page() -> None:
    st.title("Findings")
    choice, theme, view = choose()
    if choice is None:
        st.info("No codings yet: findings appear once coders have coded (or the consensus is built).")
        return
    if choice.source == CONSENSUS:
        st.caption("The consensus: codes every rater agreed on and the adjudicator's decisions.")
    coverage = attempt(source_coverage, study, actor, choose_source(study, actor, choice.source, choice.combine))
    if coverage is None:
        return
    if coverage.warning:  # provisional counts are never shown as final
        st.warning(plain(coverage.warning), icon=":material/warning:")
    st.caption(plain(coverage.describe()))
    rest = None
    try:
        rest = view_body(view, choice.source, choice.combine, theme, coverage)
    except StudyError as exc:
        error(exc)
    whole_report(choice)
    warm_charts()  # the tables open first; the charts' library loads meanwhile, while the page is idle
    if rest is not None:  # the frequency table's quotes, chosen while the page is drawn around its counts
        attempt(rest)


attempt(page)
