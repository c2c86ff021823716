"""The findings report: one document with a methods paragraph, numbered tables and figures, and
an appendix of quotes, written as Word (.docx), Markdown (.md) or HTML (.html).

``build_report`` gathers everything into a list of blocks (headings, paragraphs, tables,
figures); one writer per format walks the blocks, so the three documents say the same. Output
is deterministic for a given database: fixed figure ids, fixed zip timestamps, seeded bootstrap.
Word embeds figures as PNG when a static renderer works here (see ``study.charts``), else a note;
HTML embeds the interactive figures with plotly.js inlined; Markdown writes PNG (or HTML)
figure files next to the report and links them.
"""
from __future__ import annotations

import html
import io
import re
from collections import Counter
from contextlib import ExitStack
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from sqlalchemy import func, select

from . import appendix, atomic, charts, exports, findings
from .appendix import quotes_file_name  # noqa: F401 - named as report.quotes_file_name too
from .auth import Actor
from .codes import all_codes, top_codes, top_themes
from .errors import StudyError
from .excluded import excluded_transcript_ids
from .markup import markdown_cell
from .report_formats import REPORT_FORMATS, figure_session, report_format  # noqa: F401 - named as report.X too
from .table import Table
from .saturation import DEFAULT_THRESHOLD, saturation
from .adjudication import ConsensusCoverage, consensus_coverage
from .coverage import Coverage, name_list, source_coverage
from .sources import Source, choose_source, coders_with_codings, has_codings
from .store import CONSENSUS, Segment, Study, Transcript

if TYPE_CHECKING:
    import plotly.graph_objects as go

    from .agreement.study_agreement import AgreementReport

UNIT_WORDS = {"turn": "speaker turn", "sentence": "sentence", "paragraph": "paragraph"}
DEFAULT_TITLE = "Findings report"


@dataclass(frozen=True)
class Heading:
    text: str
    level: int = 1


@dataclass(frozen=True)
class Paragraph:
    text: str
    bullet: bool = False


@dataclass(frozen=True)
class TableBlock:
    number: int
    table: Table


@dataclass(frozen=True)
class FigureBlock:
    number: int
    caption: str
    figure: go.Figure = field(hash=False, compare=False)
    name: str = "figure"


Block = Heading | Paragraph | TableBlock | FigureBlock


@dataclass(frozen=True)
class Report:
    title: str
    methods: str
    blocks: tuple[Block, ...]
    source: Source
    agreement: AgreementReport | None = field(default=None, hash=False, compare=False)
    every_quote: appendix.QuotesFile | None = field(default=None, hash=False, compare=False)  # when it shows a share

    @property
    def tables(self) -> list[TableBlock]:
        return [b for b in self.blocks if isinstance(b, TableBlock)]

    @property
    def figures(self) -> list[FigureBlock]:
        return [b for b in self.blocks if isinstance(b, FigureBlock)]


# -- building --------------------------------------------------------------------------


class _Numbered:
    """Collects blocks, numbering tables and figures in order of appearance."""

    def __init__(self, images: charts.StaticSession | None = None) -> None:
        self.blocks: list[Block] = []
        self.tables = self.figures = 0
        self.images = images

    def add(self, block: Block) -> None:
        self.blocks.append(block)

    def table(self, table: Table) -> None:
        self.tables += 1
        self.blocks.append(TableBlock(self.tables, table))

    def figure(self, caption: str, figure: go.Figure, name: str) -> None:
        self.figures += 1
        self.blocks.append(FigureBlock(self.figures, caption, figure, name))
        if self.images is not None:
            self.images.start(figure, "png")  # drawn while the rest of the report is built


def build_report(study: Study, asker: Actor, source: str | Source | None = None, combine: str = "union",
                 raters: list[str] | None = None, title: str = DEFAULT_TITLE, factors_min: int = 2,
                 threshold: float = DEFAULT_THRESHOLD, include_unfinished: bool = False,
                 images: charts.StaticSession | None = None, quotes_file: str | None = None) -> Report:
    """Everything the report shows, as numbered blocks.

    ``raters`` are compared for agreement (default: every coder with codings, when two or more).
    ``images``: the Word report's browser session (``figure_session``), to draw each figure as soon
    as it is made. ``quotes_file``: the name of the file of every quote that ``write_report`` writes
    beside the report when the appendix shows a share of them (``quotes_file_name``).
    """
    chosen = choose_source(study, asker, source, combine)
    coverage = source_coverage(study, asker, chosen)
    out = _Numbered(images)
    demographics = findings.demographics_table(study, coverage)
    if len(demographics.columns) > 1:
        out.add(Heading("Participants"))
        out.table(demographics)

    out.add(Heading("Findings"))
    for theme, has_subthemes in _finding_sections(study):
        out.add(Heading(theme, 2))
        frequency = findings.frequency_table(study, asker, theme, chosen)
        out.table(frequency)
        if has_subthemes:
            factors = findings.factors_table(study, asker, theme, factors_min, chosen)
            if factors.rows:
                out.table(factors)
        out.figure(f"Participants mentioning each code of {theme} (N of {len(coverage.participants)})",
                   charts.frequency_figure(frequency), f"frequency-{_slug(theme)}")

    curve = saturation(study, asker, source=chosen, threshold=threshold)
    out.add(Heading("Saturation"))
    out.add(Paragraph(saturation_sentence(curve)))
    out.figure("Cumulative unique codes by participant, in interview order", charts.saturation_figure(curve),
               "saturation")

    # Agreement after the other figures: they draw while its statistics library loads (~1 s).
    agreement, agreement_note = agreement_for(study, asker, raters, include_unfinished)
    if agreement is not None:
        out.add(Heading("Agreement"))
        out.table(agreement_table(agreement))
        out.figure("Krippendorff's alpha per code with 95% bootstrap intervals; dashed lines at .667 and .800",
                   charts.agreement_figure(agreement), "agreement")

    every_quote = _appendix(out, study, asker, chosen, quotes_file)
    adjudicated = consensus_coverage(study, asker) if asker.is_admin else None
    methods = methods_paragraph(study, chosen, agreement, agreement_note, coverage, adjudicated)
    lead = [Paragraph(coverage.warning)] if coverage.warning else []
    lead += [Heading("Method"), Paragraph(methods)]  # first, though written last: it names the agreement
    return Report(title, methods, tuple(lead + out.blocks), chosen, agreement, every_quote)


def _appendix(out: _Numbered, study: Study, asker: Actor, source: Source,
              quotes_file: str | None) -> appendix.QuotesFile | None:
    """The appendix of quotes (``study.appendix``); when it shows a share of them, it opens by saying
    so, and the file of every quote (named ``quotes_file``) is returned, for ``write_report``."""
    out.add(Heading("Appendix: quotes per code"))
    every_quote = appendix.QuotesFile(quotes_file) if quotes_file else None
    opening, shown, total = len(out.blocks), 0, 0
    for code in appendix.appendix(study, asker, source, every_quote=every_quote):
        out.add(Heading(code.ref, 2))
        if code.left_out:
            out.add(Paragraph(code.note()))
        for person, quotes in code.shown:
            out.add(Heading(person, 3))
            for quote in quotes:
                out.add(Paragraph(_quote_line(quote), bullet=True))
        shown, total = shown + code.shown_quotes, total + code.quotes
    if shown == total:
        if every_quote is not None:
            every_quote.close()
        return None
    out.blocks.insert(opening, Paragraph(appendix.left_out_statement(total - shown, total, quotes_file)))
    return every_quote


def _finding_sections(study: Study) -> list[tuple[str, bool]]:
    """(scope, has sub-themes) of each Findings section: the top themes, then each code at the top
    level of the codebook (in no theme, as NVivo and MAXQDA projects bring them), scoping its
    section to itself and the codes below it, so that no code is left out of the findings."""
    with study.session() as session:
        return ([(t.name, bool(t.children)) for t in top_themes(session)]
                + [(c.ref, False) for c in top_codes(session) if not c.retired])


def _slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.casefold()).strip("-") or "theme"


def _quote_line(quote: dict) -> str:
    if quote["segment"] is None:
        return f"(whole interview {quote['transcript']})"
    return f"“{quote['text']}” ({quote['transcript']} #{quote['segment']})"


def saturation_sentence(curve) -> str:
    rule = f"a participant adds information when their new codes exceed {curve.threshold:.0%} of the codes seen before them"
    if curve.saturation_at is None:
        return f"No codes were applied yet, so saturation cannot be judged ({rule})."
    total = curve.cumulative[-1]
    if curve.reached:
        later = len(curve.participants) - curve.participants.index(curve.saturation_at) - 1
        return (f"{total} unique codes were applied. After {curve.saturation_at}, none of the {later} later "
                f"interview(s) added new information ({rule}).")
    return (f"{total} unique codes were applied. The last interview ({curve.saturation_at}) still added new "
            f"information, so saturation was not reached ({rule}).")


# -- agreement (study.agreement) -------------------------------------------------------


def _agreement_function():
    """``agreement_report`` from study.agreement, or None if this installation lacks it."""
    try:
        from .agreement import agreement_report
    except ImportError:
        try:
            from .agreement.study_agreement import agreement_report
        except ImportError:
            return None
    return agreement_report


def agreement_for(study: Study, asker: Actor, raters: list[str] | None,
                  include_unfinished: bool = False) -> tuple[AgreementReport | None, str]:
    """The agreement report for ``raters`` (default: every coder with codings), or None and why."""
    report_fn = _agreement_function()
    if report_fn is None:
        return None, "Agreement was not computed: this installation has no agreement module."
    if not asker.is_admin:
        return None, "Agreement between raters is shown to admins only."
    if raters is None:
        with study.session() as session:
            raters = coders_with_codings(session)
    if len(raters) < 2:
        return None, "Agreement was not computed: fewer than two raters have coded."
    try:
        report = report_fn(study, asker, list(raters), include_unfinished=include_unfinished)
    except StudyError as exc:
        return None, f"Agreement was not computed: {exc}."
    return report, ""


def agreement_table(report: AgreementReport) -> Table:
    """Agreement per code: alpha with interval, kappa, AC1, percent (``study.agreement.tables``)."""
    from .agreement.tables import code_table

    return code_table(report, ("code", "units", "alpha", "alpha_ci", "kappa", "ac1", "percent", "note"),
                      labels={"code": "Code", "units": "Units", "alpha": "Alpha", "percent": "Agreement",
                              "note": "Note"})


# -- methods -----------------------------------------------------------------------------


def methods_paragraph(study: Study, source: Source, agreement: AgreementReport | None, agreement_note: str = "",
                      coverage: Coverage | None = None, adjudicated: ConsensusCoverage | None = None) -> str:
    """What a paper's method section needs: data, segmenting, codebook, raters, agreement, the
    adjudication (``adjudicated``: what was decided, carried as agreed and is still open), and
    which codings the findings rest on (with ``coverage``: the transcripts and participants they
    count and those not yet coded). Each fact is said once: the adjudication's counts and whether
    the consensus is provisional only in ``adjudication_sentence``; the warning of provisional
    counts leads the report instead (``build_report``)."""
    with study.session() as session:
        kept = Transcript.id.not_in(excluded_transcript_ids(session))  # what an admin excluded is not analysed
        if coverage is not None:  # what the findings count (M), not every transcript imported
            kept = Transcript.name.in_(list(coverage.transcripts))
        transcripts = session.scalar(select(func.count()).select_from(Transcript).where(kept))
        units = Counter(session.scalars(select(Transcript.unit).where(kept)))
        segments = session.scalar(select(func.count()).select_from(Segment).join(Transcript).where(kept))
        codes = all_codes(session)
        themes = top_themes(session)
        coders = coders_with_codings(session)
        has_consensus = has_codings(session, CONSENSUS)
    participants = len(coverage.participants) if coverage is not None else len(findings.study_participants(study))
    unit_text = " and ".join(f"{UNIT_WORDS.get(u, u)}s" for u in sorted(units)) or "speaker turns"
    parts = [
        f"We analysed {transcripts} transcript(s) of interviews with {participants} participant(s), "
        f"cut into {segments} segments by {unit_text}.",
    ]
    if coverage is not None and coverage.not_coded:
        parts.append(f"{len(coverage.not_coded)} further transcript(s) were not yet coded and are left out "
                     f"(not yet coded: {', '.join(coverage.not_coded)})")
    parts += [
        f"The codebook holds {len(codes)} codes in {len(themes)} themes.",
        f"Coding was done by {_raters_text(coders)}." if coders else "No rater has coded yet.",
    ]
    if agreement is not None:
        parts.append(agreement.overall.methods)
    elif agreement_note:
        parts.append(agreement_note)
    parts.append(adjudication_sentence(adjudicated, has_consensus))
    parts.append(f"The tables and figures rest on {source.describe()}.")
    if coverage is not None:  # its warning leads the report, above the methods (``build_report``)
        parts.append(coverage.counted())
    return " ".join(p if p.endswith(".") else p + "." for p in parts if p)


def _raters_text(names: list[str]) -> str:
    if len(names) == 1:
        return f"one rater ({names[0]})"
    return f"{len(names)} raters ({', '.join(names)})"


def adjudication_sentence(adjudicated: ConsensusCoverage | None, has_consensus: bool) -> str:
    """What the adjudication did, in this order: what an adjudicator decided, what was carried as
    agreed, what is still open. It never says every disagreement was resolved unless none is open."""
    if adjudicated is None:
        return "" if not has_consensus else "How the consensus was adjudicated is shown to admins only."
    if not (adjudicated.decided or adjudicated.carried or adjudicated.open_disagreements):
        if has_consensus:
            return "The consensus codings were entered directly, without recorded adjudication decisions."
        return "No consensus was built; disagreements between raters were not adjudicated in the tool."
    raters = name_list(adjudicated.raters)
    still_open = adjudicated.open_disagreements
    return (f"Adjudication: an adjudicator decided {adjudicated.decided} segment(s) on which {raters} disagreed; "
            f"{adjudicated.carried} segment(s) on which they agreed were carried into the consensus as agreed; "
            + (f"{still_open} disagreement(s) are still open, so the consensus, and any finding drawn from it, is "
               "provisional." if still_open else "no disagreement is still open."))


# -- writing -----------------------------------------------------------------------------


def write_report(report: Report, path: Path | str, images: charts.StaticSession | None = None) -> Path:
    """Write the report as .docx, .md or .html (by suffix). Markdown also writes its figure files
    into ``<name>_figures/`` beside it. ``images``: a browser session already warming up for the
    figures of Word and Markdown (see ``figure_session``); without one, the report starts its own.
    An appendix that shows a share of the quotes has every one of them written beside it (``Report.every_quote``)."""
    path = Path(path)
    fmt = report_format(path)
    if report.every_quote is not None:
        report.every_quote.write(path.parent / report.every_quote.name)
    if fmt == "docx":
        atomic.write_bytes(path, report_docx(report, images))
    elif fmt == "html":
        atomic.write_text(path, report_html(report))
    else:
        atomic.write_text(path, report_markdown(report, path.parent / f"{path.stem}_figures", path.parent, images))
    return path


def report_docx(report: Report, images: charts.StaticSession | None = None) -> bytes:
    """The report as a Word document: real tables, figures as PNG when static export works here.
    The figures render in the background while the text and tables are laid out."""
    with ExitStack() as stack:
        drawn = _drawing(report.figures, images, stack)
        document, places = _docx_without_figures(report)
        pictures, problem = drawn()
    _place_figures(places, pictures, problem)
    return exports.document_bytes(document)


def _drawing(figures: list[FigureBlock], images: charts.StaticSession | None, stack: ExitStack):
    """Start drawing ``figures`` as PNG in one browser session (``images``, else one of ``stack``'s);
    returns a function that waits for them: ({figure number: PNG bytes}, None), or ({}, why not)."""
    if not figures:
        return lambda: ({}, None)
    session = images or stack.enter_context(charts.StaticSession())
    rendering = session.images([b.figure for b in figures], "png")

    def drawn() -> tuple[dict[int, bytes], str | None]:
        try:
            return dict(zip((b.number for b in figures), rendering.result())), None
        except charts.StaticExportUnavailable as exc:
            return {}, str(exc)

    return drawn


def _docx_without_figures(report: Report):
    """The Word document with an empty paragraph where each figure goes, and those paragraphs by figure number."""
    document = exports.new_document(report.title)
    exports.add_heading(document, report.title, 0)
    places = {}
    for block in report.blocks:
        if isinstance(block, Heading):
            exports.add_heading(document, block.text, min(block.level, 9))
        elif isinstance(block, Paragraph):
            exports.add_paragraph(document, exports.xml_safe(block.text), "List Bullet" if block.bullet else None)
        elif isinstance(block, TableBlock):
            exports.add_docx_table(document, block.table, block.number)
        else:
            places[block.number] = document.add_paragraph()
            exports.add_paragraph(document, exports.caption_line(block.number, block.caption, "Figure"), "Caption")
    return document, places


def _place_figures(places: dict, pictures: dict[int, bytes], problem: str | None) -> None:
    from docx.shared import Inches

    for number, paragraph in places.items():
        if pictures:
            paragraph.add_run().add_picture(io.BytesIO(pictures[number]), width=Inches(6))
        else:
            paragraph.add_run(f"[Figure not embedded: {problem}. The HTML report shows it.]")


def report_markdown(report: Report, figure_dir: Path, relative_to: Path,
                    images: charts.StaticSession | None = None) -> str:
    """The report as Markdown; figures are written into ``figure_dir`` as PNG, drawn in one browser
    session like the Word report's (``images``, else one started here), or as interactive HTML
    files without a static renderer; they are linked relative to ``relative_to``."""
    with ExitStack() as stack:
        pictures, _ = _drawing(report.figures, images, stack)()
    lines = [f"# {markdown_cell(report.title)}", ""]
    for block in report.blocks:
        if isinstance(block, Heading):
            lines += ["#" * (block.level + 1) + " " + markdown_cell(block.text), ""]
        elif isinstance(block, Paragraph):
            text = markdown_cell(block.text)
            lines += [f"- {text}" if block.bullet else text + "\n"]
        elif isinstance(block, TableBlock):
            lines += [exports.to_markdown(block.table, block.number)]
        else:
            figure_dir.mkdir(parents=True, exist_ok=True)
            target = figure_dir / f"figure-{block.number}-{block.name}.{'png' if pictures else 'html'}"
            if pictures:
                atomic.write_bytes(target, pictures[block.number])
            else:
                charts.write_figure(block.figure, target)
            caption = markdown_cell(exports.caption_line(block.number, block.caption, "Figure"))
            link = target.relative_to(relative_to).as_posix()
            lines += [f"![{caption}]({link})" if pictures else f"[{caption} (interactive)]({link})", "",
                      f"*{caption}*", ""]
    return "\n".join(lines).rstrip() + "\n"


_HTML_STYLE = """
body { font-family: system-ui, sans-serif; max-width: 70rem; margin: 2rem auto; padding: 0 1rem; line-height: 1.45; }
table.findings { border-collapse: collapse; margin: 1rem 0; font-size: 0.9rem; }
table.findings th, table.findings td { border: 1px solid #ccc; padding: 0.3rem 0.5rem; vertical-align: top; text-align: left; }
table.findings td.num { text-align: right; }
table.findings caption { caption-side: top; text-align: left; font-weight: bold; margin-bottom: 0.3rem; }
.source, .note { font-weight: normal; font-style: italic; font-size: 0.85rem; }
figcaption { font-weight: bold; }
"""


def report_html(report: Report) -> str:
    """The report as one self-contained HTML page; figures are interactive (plotly.js inlined once)."""
    parts = [f"<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
             f"<title>{html.escape(report.title)}</title><style>{_HTML_STYLE}</style></head><body>",
             f"<h1>{html.escape(report.title)}</h1>"]
    plotly_included, in_list = False, False
    for block in report.blocks:
        if in_list and not (isinstance(block, Paragraph) and block.bullet):
            parts.append("</ul>")
            in_list = False
        if isinstance(block, Heading):
            level = min(block.level + 1, 6)
            parts.append(f"<h{level}>{html.escape(block.text)}</h{level}>")
        elif isinstance(block, Paragraph):
            if block.bullet:
                if not in_list:
                    parts.append("<ul>")
                    in_list = True
                parts.append(f"<li>{html.escape(block.text)}</li>")
            else:
                parts.append(f"<p>{html.escape(block.text)}</p>")
        elif isinstance(block, TableBlock):
            parts.append(exports.to_html(block.table, block.number))
        else:
            figure = charts.figure_html(block.figure, f"figure-{block.number}", include_plotlyjs=not plotly_included,
                                        full_html=False)
            plotly_included = True
            caption = html.escape(exports.caption_line(block.number, block.caption, "Figure"))
            parts.append(f"<figure>{figure}<figcaption>{caption}</figcaption></figure>")
    if in_list:
        parts.append("</ul>")
    parts.append("</body></html>")
    return "\n".join(parts) + "\n"
