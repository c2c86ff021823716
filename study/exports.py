"""Tables as files: one table model rendered to CSV, Markdown, LaTeX, Word, Excel, HTML and JSON.

Every findings table (``study.findings``) and the report's tables are a ``study.table.Table``;
the CLI, the report and the app all render them through the functions here, so a table looks the same
wherever it lands. Binary formats come back as bytes (``to_bytes``) for downloads.

Zip-based files (docx, xlsx) are written with fixed member timestamps, so the same table gives
the same bytes.
"""
from __future__ import annotations

import csv
import html
import io
import json
import re
import zipfile
from collections.abc import Callable, Iterable
from dataclasses import replace
from functools import cache
from datetime import datetime
from typing import Any, TextIO

from .markup import latex_escape, markdown_cell
from .table import Column, Table, caption_line, cell_text  # noqa: F401  (the value these files render)

TEXT_FORMATS = ("json", "csv", "md", "latex", "html")
BINARY_FORMATS = ("docx", "xlsx")
FORMATS = TEXT_FORMATS + BINARY_FORMATS
MEDIA_TYPES = {
    "json": "application/json",
    "csv": "text/csv",
    "md": "text/markdown",
    "latex": "application/x-latex",
    "html": "text/html",
    "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}
EXTENSIONS = {"json": ".json", "csv": ".csv", "md": ".md", "latex": ".tex", "html": ".html",
              "docx": ".docx", "xlsx": ".xlsx"}
FIXED_ZIP_TIME = (1980, 1, 1, 0, 0, 0)
EXCEL_CELL_LIMIT = 32_767


# -- text formats ---------------------------------------------------------------------


def to_json(table: Table) -> str:
    return json.dumps(table.to_dict(), indent=2, ensure_ascii=False, default=str)


def to_csv(table: Table) -> str:
    """Header row of labels, then the cells: the table's data only (title and notes are not data,
    numbers in full, not rounded as shown), under the table's warning when it has one."""
    buffer = io.StringIO()
    _write_csv(table, table.rows, buffer)
    return buffer.getvalue()


def _write_csv(table: Table, rows: Iterable[dict], out: TextIO) -> None:
    writer = csv.writer(out, lineterminator="\n")
    if table.warning:  # a reader must not miss it, even in a spreadsheet
        writer.writerow([table.warning])
    writer.writerow([c.label for c in table.columns])
    writer.writerows(table.data_cells_of(row) for row in rows)


def _csv_bytes(table: Table, rows: Iterable[dict]) -> bytes:
    """``to_csv`` encoded as UTF-8, each row as it comes."""
    out = io.BytesIO()
    text = io.TextIOWrapper(out, encoding="utf-8", newline="")  # newline="": the rows' line ends as written
    _write_csv(table, rows, text)
    text.flush()
    return out.getvalue()


def to_markdown(table: Table, number: int | None = None) -> str:
    lines = [f"> **{markdown_cell(table.warning)}**", ""] if table.warning else []
    lines += [f"**{markdown_cell(caption_line(number, table.title))}**", ""]
    if table.caption:
        lines += [f"*{markdown_cell(table.caption)}*", ""]
    lines.append("| " + " | ".join(markdown_cell(c.label) for c in table.columns) + " |")
    lines.append("|" + "".join("---:|" if c.numeric else "---|" for c in table.columns))
    lines += ["| " + " | ".join(markdown_cell(cell) for cell in row) + " |" for row in table.cells()]
    if table.notes:
        lines.append("")
        lines += [f"- {markdown_cell(note)}" for note in table.notes]
    return "\n".join(lines) + "\n"


def to_latex(table: Table, number: int | None = None, standalone: bool = False) -> str:
    """A booktabs table (``\\toprule``, ``\\midrule``, ``\\bottomrule``); wide columns wrap.

    ``standalone`` wraps it in a minimal article that compiles with pdflatex.
    """
    spec = "".join(r"p{0.3\linewidth}" if c.wide else ("r" if c.numeric else "l") for c in table.columns)
    body = [
        r"\begin{table}[htbp]",
        r"\centering",
        r"\small",
        rf"\caption{{{latex_escape(table.title)}}}",
        rf"\label{{tab:{re.sub(r'[^A-Za-z0-9-]+', '-', table.name)}}}",
        *([rf"\par\textbf{{{latex_escape(table.warning)}}}\par\smallskip"] if table.warning else []),
        rf"\begin{{tabular}}{{{spec}}}",
        r"\toprule",
        " & ".join(latex_escape(c.label) for c in table.columns) + r" \\",
        r"\midrule",
        *(" & ".join(latex_escape(cell) for cell in row) + r" \\" for row in table.cells()),
        r"\bottomrule",
        r"\end{tabular}",
    ]
    remarks = ([table.caption] if table.caption else []) + list(table.notes)
    if remarks:
        body.append(r"\par\smallskip\footnotesize " + r" \par ".join(latex_escape(r) for r in remarks))
    body.append(r"\end{table}")
    text = "\n".join(body) + "\n"
    if standalone:
        text = (
            "\\documentclass{article}\n\\usepackage[utf8]{inputenc}\n"
            "\\usepackage{booktabs}\n\\usepackage{array}\n\\begin{document}\n" + text + "\\end{document}\n"
        )
    return text


def to_html(table: Table, number: int | None = None) -> str:
    """An HTML ``<table>`` with a ``<caption>``; every cell escaped."""
    def esc(text: str) -> str:
        return html.escape(text).replace("\n", "<br>")

    head = "".join(f"<th>{esc(c.label)}</th>" for c in table.columns)
    rows = "".join(
        "<tr>" + "".join(
            f'<td class="num">{esc(cell)}</td>' if c.numeric else f"<td>{esc(cell)}</td>"
            for c, cell in zip(table.columns, row)
        ) + "</tr>\n"
        for row in table.cells()
    )
    caption = esc(caption_line(number, table.title))
    if table.caption:
        caption += f'<br><span class="source">{esc(table.caption)}</span>'
    notes = "".join(f'<p class="note">{esc(n)}</p>' for n in table.notes)
    warning = f'<p class="warning"><strong>{esc(table.warning)}</strong></p>\n' if table.warning else ""
    return (f'{warning}<table class="findings"><caption>{caption}</caption>\n<thead><tr>{head}</tr></thead>\n'
            f"<tbody>\n{rows}</tbody></table>\n{notes}")


# -- Word ------------------------------------------------------------------------------


def add_docx_table(document, table: Table, number: int | None = None, rows: Iterable[dict] | None = None) -> None:
    """Append the caption ``Table N: title``, a real Word table with a bold, repeating header
    row, then the source line and notes, to a python-docx ``document``. ``rows``: the table's
    rows as they come (``to_bytes``), else ``table.rows``."""
    from docx.oxml import OxmlElement
    from docx.oxml.ns import qn
    from docx.shared import Pt

    if table.warning:
        document.add_paragraph().add_run(xml_safe(table.warning)).bold = True
    add_paragraph(document, caption_line(number, table.title), "Caption")
    grid = document.add_table(rows=1, cols=len(table.columns))
    grid.style = "Table Grid"
    header = grid.rows[0]
    flag = OxmlElement("w:tblHeader")
    flag.set(qn("w:val"), "true")
    header._tr.get_or_add_trPr().append(flag)
    for cell, column in zip(header.cells, table.columns):
        cell.paragraphs[0].add_run(xml_safe(column.label)).bold = True
    for values in (table.cells_of(row) for row in (table.rows if rows is None else rows)):
        row = grid.add_row()
        for cell, text in zip(row.cells, values):
            _set_cell_text(cell, xml_safe(text))
    for line in ([table.caption] if table.caption else []) + list(table.notes):
        paragraph = document.add_paragraph()
        run = paragraph.add_run(xml_safe(line))
        run.italic, run.font.size = True, Pt(9)


_RUN_BREAKS = re.compile(r"([\t\r\n])")


def _set_cell_text(cell, text: str) -> None:
    """``cell.text = text`` as python-docx writes it (a paragraph of one run: a tab ``<w:tab/>``, a
    line end ``<w:br/>``, the text between in ``<w:t>``), a piece at a time: python-docx appends
    the text a character at a time (a framework matrix's 40 MB of quotes: 11 s of its Word file)."""
    from lxml.etree import SubElement

    tab, br, t, space = _word_tags()
    cell._tc.clear_content()
    run = cell._tc.add_p().add_r()
    for piece in _RUN_BREAKS.split(text):
        if piece == "\t":
            SubElement(run, tab)
        elif piece in ("\r", "\n"):
            SubElement(run, br)
        elif piece:
            SubElement(run, t).text = piece
            if len(piece.strip()) < len(piece):  # as python-docx marks them
                run[-1].set(space, "preserve")


@cache
def _word_tags() -> tuple[str, str, str, str]:
    from docx.oxml.ns import qn

    return qn("w:tab"), qn("w:br"), qn("w:t"), qn("xml:space")


def add_paragraph(document, text: str = "", style: str | None = None):
    """``document.add_paragraph(text, style)``, with the style's id looked up once per document
    (python-docx compares every named style with the default by scanning all styles, each call:
    1.7 s of a 2.8 s report) and the paragraph put in place without a walk of the body."""
    from docx.oxml import OxmlElement
    from docx.text.paragraph import Paragraph

    element = OxmlElement("w:p")
    _body_end(document).addprevious(element)
    paragraph = Paragraph(element, document._body)
    if text:
        paragraph.add_run(text)
    if style is not None:
        paragraph._p.style = _paragraph_style_id(document, style)
    return paragraph


def _body_end(document):
    """The body's closing section properties, before which every paragraph goes. python-docx finds
    it anew for each paragraph by walking the body, so a document of n paragraphs took n² steps
    (a report appendix of 10,000 quotes: minutes)."""
    ends = vars(document).setdefault("_study_body_end", [])  # the document's own element, so kept on it
    if not ends:
        ends.append(document.element.body.get_or_add_sectPr())
    return ends[0]


def add_heading(document, text: str, level: int):
    """``document.add_heading(text, level)`` through ``add_paragraph`` (Title for level 0)."""
    return add_paragraph(document, text, "Title" if level == 0 else f"Heading {level}")


def _paragraph_style_id(document, style: str) -> str | None:
    from docx.enum.style import WD_STYLE_TYPE

    ids = vars(document).setdefault("_study_paragraph_style_ids", {})  # the document's own styles, so kept on it
    if style not in ids:
        ids[style] = document.styles.get_style_id(style, WD_STYLE_TYPE.PARAGRAPH)
    return ids[style]


def new_document(title: str | None = None):
    """A python-docx document with fixed core properties (same input, same file)."""
    import docx

    document = docx.Document()
    props = document.core_properties
    props.author, props.last_modified_by, props.comments = "study", "study", ""
    props.created = props.modified = datetime(2000, 1, 1)
    props.revision = 1
    if title:
        props.title = title[:250]
    return document


def document_bytes(document) -> bytes:
    buffer = io.BytesIO()
    document.save(buffer)
    return fixed_zip(buffer.getvalue())


def to_docx(table: Table, number: int | None = 1, rows: Iterable[dict] | None = None) -> bytes:
    document = new_document(table.title)
    add_docx_table(document, table, number, rows)
    return document_bytes(document)


# -- Excel -----------------------------------------------------------------------------

_ILLEGAL_XML = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")


def xml_safe(text: str) -> str:
    """Text without the control characters XML (Word, Excel) cannot hold."""
    return _ILLEGAL_XML.sub("", text)


def add_xlsx_sheet(workbook, table: Table, sheet_name: str | None = None, rows: Iterable[dict] | None = None):
    """A sheet holding the table: bold header row (frozen), wrapped cells, fitted column widths;
    the title, source and notes go under the table. Numbers stay numbers; text never becomes a formula.
    ``rows``: the table's rows as they come (``to_bytes``), else ``table.rows``; read in one pass."""
    from openpyxl.styles import Alignment, Font
    from openpyxl.utils import get_column_letter

    sheet = workbook.create_sheet(_sheet_title(sheet_name or table.name, workbook))
    wrap = Alignment(wrap_text=True, vertical="top")
    top = 1
    if table.warning:  # above the header, where nobody scrolls past it
        _set_text(sheet.cell(row=1, column=1), table.warning)
        sheet.cell(row=1, column=1).font = Font(bold=True)
        top = 2
    for col, column in enumerate(table.columns, start=1):
        cell = sheet.cell(row=top, column=col)
        _set_text(cell, column.label)  # a code name may start with '=' too
        cell.font, cell.alignment = Font(bold=True), wrap
    longest = [len(column.label) for column in table.columns]  # each column's longest line, as shown
    limits = [80 if column.wide else 40 for column in table.columns]  # the widest a column is drawn
    r = top
    for r, row in enumerate(table.rows if rows is None else rows, start=top + 1):
        for col, column in enumerate(table.columns, start=1):
            value = row.get(column.key)
            _set_cell(sheet.cell(row=r, column=col), value, column, wrap)
            if longest[col - 1] + 2 < limits[col - 1]:  # past it the width is the limit: no line is measured
                longest[col - 1] = max(longest[col - 1], max(map(len, column.text(value).splitlines()), default=0))
    sheet.freeze_panes = f"A{top + 1}"
    for col, limit in enumerate(limits, start=1):
        sheet.column_dimensions[get_column_letter(col)].width = min(max(longest[col - 1] + 2, 8), limit)
    after = r + 2
    for offset, line in enumerate([table.title, table.caption, *table.notes]):
        if line:
            _set_text(sheet.cell(row=after + offset, column=1), line)
    return sheet


def _set_cell(cell, value: Any, column: Column, wrap) -> None:
    """Numbers stay numbers, in full (a plain column shows one decimal, as ``cell_text`` does;
    a formatted one, e.g. a coefficient, Excel's General); anything else as data text."""
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        cell.value = value
        if isinstance(value, float):
            cell.number_format = "0.0" if column.format is None else "General"
    else:
        _set_text(cell, column.data_text(value))
    cell.alignment = wrap


def _set_text(cell, text: str) -> None:
    """Every text cell of a sheet is written here: stored as text, so that a quote, memo or code
    name starting with = + - @ reads back as typed and never runs as a formula."""
    cell.value = xml_safe(text)[:EXCEL_CELL_LIMIT]
    cell.data_type = "s"  # a text starting with '=' stays text, never a formula


def _sheet_title(name: str, workbook) -> str:
    title = re.sub(r"[\[\]:*?/\\]", "-", name).strip("'") or "Table"
    title = title[:31]
    base, n = title, 2
    while title in workbook.sheetnames:
        suffix = f" ({n})"
        title, n = base[: 31 - len(suffix)] + suffix, n + 1
    return title


def new_workbook():
    from openpyxl import Workbook

    workbook = Workbook()
    workbook.remove(workbook.active)
    workbook.properties.creator = "study"
    workbook.properties.created = workbook.properties.modified = datetime(2000, 1, 1)
    return workbook


def workbook_bytes(workbook) -> bytes:
    """The workbook's file, the same bytes for the same sheets: written by openpyxl's own writer,
    not ``workbook.save``, which stamps the file modified now (a second later, other bytes)."""
    from openpyxl.writer.excel import ExcelWriter

    buffer = io.BytesIO()  # stored, not compressed: fixed_zip compresses it once
    ExcelWriter(workbook, zipfile.ZipFile(buffer, "w", zipfile.ZIP_STORED, allowZip64=True)).save()
    return fixed_zip(buffer.getvalue())


def to_xlsx(table: Table, rows: Iterable[dict] | None = None) -> bytes:
    workbook = new_workbook()
    add_xlsx_sheet(workbook, table, rows=rows)
    return workbook_bytes(workbook)


# -- dispatch --------------------------------------------------------------------------

_TEXT_RENDERERS: dict[str, Callable[[Table], str]] = {
    "json": to_json, "csv": to_csv, "md": to_markdown, "latex": to_latex, "html": to_html,
}
# the formats written as their rows come (``to_bytes``'s ``rows``): CSV, Excel and Word
_ROW_WRITERS: dict[str, Callable[[Table, Iterable[dict]], bytes]] = {
    "csv": _csv_bytes, "xlsx": lambda table, rows: to_xlsx(table, rows), "docx": lambda table, rows: to_docx(table, 1, rows),
}


def to_text(table: Table, fmt: str) -> str:
    """The table in a text format (json, csv, md, latex, html)."""
    try:
        return _TEXT_RENDERERS[fmt](table)
    except KeyError:
        raise ValueError(f"{fmt!r} is not a text format; choose one of {', '.join(TEXT_FORMATS)}") from None


def to_bytes(table: Table, fmt: str, rows: Iterable[dict] | None = None) -> bytes:
    """The table as the bytes of a file in ``fmt`` (any of FORMATS): what downloads and --out write.

    ``rows``: the table's rows (``table`` then holds none) as they come, e.g. read a batch at a time:
    CSV, Excel and Word files are written from them as they come, so the rows are never held whole
    beside the file (the other formats take them whole)."""
    if fmt in _ROW_WRITERS:
        return _ROW_WRITERS[fmt](table, table.rows if rows is None else rows)
    if rows is not None:
        table = replace(table, rows=tuple(rows))
    return to_text(table, fmt).encode("utf-8")


def fixed_zip(data: bytes) -> bytes:
    """The zip archive ``data`` rewritten with fixed member timestamps (reproducible files)."""
    source = zipfile.ZipFile(io.BytesIO(data))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            fixed = zipfile.ZipInfo(info.filename, date_time=FIXED_ZIP_TIME)
            fixed.compress_type, fixed.external_attr = zipfile.ZIP_DEFLATED, info.external_attr
            target.writestr(fixed, source.read(info.filename))
    return out.getvalue()
