"""Table exports read back with the libraries that open them, and figures."""
from __future__ import annotations

import csv
import datetime
import io
import json
import re
import shutil
import subprocess

import docx
import openpyxl
import pytest
from lxml import etree

from study import charts, exports
from study.agreement import coefficient_text, interval_text
from study.errors import StudyError
from study.table import Column, Table
from study.markup import markdown_cell, markdown_escape
from study.saturation import Saturation
from study.sources import Source

NASTY = r"50% of R&D_team {uses} $5 #1 ~ok^ back\slash"


def sample_table() -> Table:
    return Table(
        title="Participants mentioning each code",
        columns=(Column("code", "Code"), Column("n", "N", numeric=True), Column("percent", "%", numeric=True),
                 Column("ids", "Participants"), Column("quote", "Quote", wide=True)),
        rows=(
            {"code": "Model search", "n": 2, "percent": 66.66666, "ids": ["P1", "P10"], "quote": "a | b"},
            {"code": NASTY, "n": 1, "percent": 33.3, "ids": ["P2"], "quote": "=1+1"},
        ),
        caption="N of 3 participants. Source: consensus.",
        notes=("A note with a | pipe.",),
        name="frequency",
    )


def test_csv_reads_back_with_the_csv_module():
    rows = list(csv.reader(io.StringIO(exports.to_csv(sample_table()))))
    assert rows[0] == ["Code", "N", "%", "Participants", "Quote"]
    assert rows[1] == ["Model search", "2", "66.66666", "P1, P10", "a | b"]  # data in full, not as shown (66.7)
    assert rows[2][0] == NASTY


def test_csv_and_xlsx_hold_numbers_in_full_where_the_table_shows_them_rounded():
    alpha, interval = 80 / 99, [0.7012345, 0.8812345]  # shown as 0.808 and [0.701, 0.881]
    table = Table(title="t", columns=(Column("alpha", "alpha", numeric=True, format=coefficient_text),
                                      Column("ci", "CI", format=interval_text),
                                      Column("note", "note")),
                  rows=({"alpha": alpha, "ci": interval, "note": "n/a"}, {"alpha": None, "ci": None, "note": ""}))
    assert table.cells()[0][:2] == ["0.808", "[0.701, 0.881]"] and table.cells()[1][0] == "undefined"
    rows = list(csv.reader(io.StringIO(exports.to_csv(table))))
    assert float(rows[1][0]) == alpha and [float(x) for x in rows[1][1].split(",")] == interval
    assert rows[1][2] == "n/a" and rows[2][0] == "undefined"  # no number: as shown
    sheet = openpyxl.load_workbook(io.BytesIO(exports.to_xlsx(table))).active
    assert sheet["A2"].value == alpha and sheet["B2"].value == "0.7012345, 0.8812345"


def test_markdown_escapes_pipes():
    text = exports.to_markdown(sample_table(), number=2)
    lines = text.splitlines()
    assert lines[0] == "**Table 2: Participants mentioning each code**"
    row = next(line for line in lines if line.startswith("| Model search"))
    assert row == r"| Model search | 2 | 66.7 | P1, P10 | a \| b |"
    # unescaped pipes still cut the row into exactly five cells
    assert len(row.replace(r"\|", "").strip("|").split("|")) == 5
    assert "|---|---:|---:|---|---|" in lines
    assert r"- A note with a \| pipe." in lines


def test_markdown_turns_line_breaks_into_br():
    assert markdown_cell("first line\nsecond <b>") == r"first line<br>second \<b\>"


def test_a_markdown_cell_reads_literally_and_numbers_stay_plain():
    assert markdown_cell("alpha_u *x* [a](b) `c` 66.7") == r"alpha\_u \*x\* \[a\](b) \`c\` 66.7"


def test_markdown_blocks_escape_line_starts_a_list_or_heading_would_take():
    assert markdown_escape("- one\n2. two\n# three") == "\\- one\n2\\. two\n\\# three"


def test_latex_escapes_every_special_character():
    assert exports.latex_escape(NASTY) == (
        r"50\% of R\&D\_team \{uses\} \$5 \#1 \textasciitilde{}ok\textasciicircum{} back\textbackslash{}slash")


def test_latex_uses_booktabs_rules():
    text = exports.to_latex(sample_table())
    lines = text.splitlines()
    assert lines.index(r"\toprule") < lines.index(r"\midrule") < lines.index(r"\bottomrule")
    assert r"\begin{tabular}{lrrlp{0.3\linewidth}}" in lines
    assert r"Code & N & \% & Participants & Quote \\" in lines
    assert r"Model search & 2 & 66.7 & P1, P10 & a \textbar{} b \\" in lines


@pytest.mark.skipif(shutil.which("pdflatex") is None, reason="pdflatex is not installed")
def test_latex_compiles_with_pdflatex(tmp_path):
    (tmp_path / "table.tex").write_text(exports.to_latex(sample_table(), standalone=True), encoding="utf-8")
    result = subprocess.run(["pdflatex", "-interaction=nonstopmode", "-halt-on-error", "table.tex"],
                            cwd=tmp_path, capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stdout[-2000:]
    assert (tmp_path / "table.pdf").stat().st_size > 0


def test_word_holds_a_real_table_with_header_and_caption():
    document = docx.Document(io.BytesIO(exports.to_docx(sample_table(), number=3)))
    caption = document.paragraphs[0]
    assert (caption.text, caption.style.name) == ("Table 3: Participants mentioning each code", "Caption")
    (table,) = document.tables
    assert [c.text for c in table.rows[0].cells] == ["Code", "N", "%", "Participants", "Quote"]
    assert all(run.bold for c in table.rows[0].cells for run in c.paragraphs[0].runs)
    assert [c.text for c in table.rows[2].cells] == [NASTY, "1", "33.3", "P2", "=1+1"]
    assert any("Source: consensus" in p.text for p in document.paragraphs)


def test_word_file_is_the_same_bytes_every_time():
    assert exports.to_docx(sample_table()) == exports.to_docx(sample_table())


def test_excel_file_is_the_same_bytes_every_time(monkeypatch):
    first = exports.to_xlsx(sample_table())
    later = datetime.datetime(2031, 5, 6, 7, 8, 9)  # openpyxl's save stamps the file with the time it is written
    monkeypatch.setattr(datetime, "datetime", type("Later", (datetime.datetime,), {"now": classmethod(lambda cls, tz=None: later)}))
    assert exports.to_xlsx(sample_table()) == first


def test_word_cells_hold_what_python_docx_itself_writes_for_their_text():
    """The writer puts a cell's text in place a piece at a time (python-docx's ``cell.text = ...``
    walks it a character at a time): the cells' paragraphs are the XML python-docx writes, with
    tabs, line ends of both kinds and spaces kept at either end."""
    texts = ["plain", " lead", "trail ", "a\tb", "line\nbreak\r\nend\r", "\n", "", "“quoted” … #3"]
    written = docx.Document(io.BytesIO(exports.to_docx(Table("t", (Column("a", "A"),), tuple({"a": t} for t in texts)))))
    reference = docx.Document().add_table(rows=len(texts), cols=1)
    for cell, text in zip(reference.columns[0].cells, texts):
        cell.text = text
    ours = [etree.tostring(cell._tc.p_lst[0]) for cell in written.tables[0].columns[0].cells[1:]]
    assert ours == [etree.tostring(cell._tc.p_lst[0]) for cell in reference.columns[0].cells]


def test_xlsx_has_bold_header_widths_wrap_and_typed_cells():
    sheet = openpyxl.load_workbook(io.BytesIO(exports.to_xlsx(sample_table()))).active
    assert [c.value for c in sheet[1]] == ["Code", "N", "%", "Participants", "Quote"]
    assert all(c.font.bold for c in sheet[1])
    assert sheet["B2"].value == 2 and sheet["C2"].value == pytest.approx(66.66666)  # numbers stay numbers
    assert sheet["E3"].value == "=1+1" and sheet["E3"].data_type == "s"  # text, never a formula
    assert sheet["A3"].alignment.wrap_text
    # widths fit the longest cell + 2, between 8 and 40 (80 for wide columns): 44 + 2 capped at 40; "N" -> 8
    assert (sheet.column_dimensions["A"].width, sheet.column_dimensions["B"].width) == (40, 8)
    assert sheet.freeze_panes == "A2"


def test_to_bytes_and_media_types_cover_every_format():
    for fmt in exports.FORMATS:
        data = exports.to_bytes(sample_table(), fmt)
        assert data and fmt in exports.MEDIA_TYPES and fmt in exports.EXTENSIONS
    assert json.loads(exports.to_bytes(sample_table(), "json"))["rows"][0]["ids"] == ["P1", "P10"]


def test_html_table_escapes_cells():
    table = Table("T", (Column("a", "A"),), ({"a": "<script>x</script>"},))
    assert "&lt;script&gt;" in exports.to_html(table) and "<script>" not in exports.to_html(table)


# -- figures -------------------------------------------------------------------------------


def frequency_rows():
    return Table(
        title="Frequency", columns=(), name="frequency",
        rows=({"code": "Model search", "ref": "C/Model search", "theme": "C", "participants": 2, "of": 3, "ids": ["P1", "P3"]},
              {"code": "<b>bold</b> name", "ref": "C/<b>bold</b> name", "theme": "C", "participants": 1, "of": 3,
               "ids": ["P2"]}),
    )


def test_frequency_figure_shows_counts_and_keeps_user_text_literal():
    fig = charts.frequency_figure(frequency_rows())
    bar = fig.data[0]
    assert list(bar.x) == [2, 1] and list(bar.text) == ["2 of 3", "1 of 3"]
    assert list(bar.y) == ["Model search", "&lt;b&gt;bold&lt;/b&gt; name"]  # shown as typed, not as bold


def test_saturation_figure_draws_the_cumulative_curve():
    result = Saturation(("P1", "P2", "P3", "P4"), (3, 2, 1, 0), (3, 5, 6, 6), ((), (), (), ()), "P3", 0.05,
                        Source(("alice",)))
    fig = charts.saturation_figure(result)
    assert list(fig.data[1].y) == [3, 5, 6, 6] and list(fig.data[0].y) == [3, 2, 1, 0]


def test_agreement_figure_has_interval_bars_and_threshold_lines():
    from study.agreement.study_agreement import AgreementReport, CodeAgreement, OverallAgreement

    def code(ref, alpha, ci):
        return CodeAgreement(ref, "C", 10, alpha, ci, None, None, "cohen", None, None, {}, False, None)

    report = AgreementReport(("a", "b"), "segment", "done", (), 0, 0,
                             (code("C/A", 0.9, (0.8, 1.0)), code("C/B", None, None)), (),
                             OverallAgreement(2, 1, 0.9, 0.9, 0.9, None, 10, ""))
    fig = charts.agreement_figure(report)
    point = fig.data[0]
    assert list(point.x) == [0.9] and list(point.y) == ["C/A"]
    assert list(point.error_x.array) == pytest.approx([0.1]) and list(point.error_x.arrayminus) == pytest.approx([0.1])
    assert sorted(shape.x0 for shape in fig.layout.shapes) == [0.667, 0.8]
    assert "C/B" in fig.layout.xaxis.title.text


def test_html_figure_is_self_contained(tmp_path):
    path = charts.write_figure(charts.frequency_figure(frequency_rows()), tmp_path / "frequency.html")
    text = path.read_text(encoding="utf-8")
    assert re.search(r"<script[^>]*\bsrc=", text) is None  # nothing loaded from elsewhere
    assert len(text) > 1_000_000  # plotly.js itself is inlined


def test_static_image_export_or_a_clear_message(tmp_path):
    fig = charts.frequency_figure(frequency_rows())
    with charts.static_renderer() as available:
        if available:
            path = charts.write_figure(fig, tmp_path / "frequency.png")
            assert path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
            assert charts.write_figure(fig, tmp_path / "f.svg").read_text().lstrip().startswith("<svg")
    if not available:
        with pytest.raises(charts.StaticExportUnavailable, match="write .html instead"):
            charts.write_figure(fig, tmp_path / "frequency.png")


def test_unknown_figure_suffix_is_an_error(tmp_path):
    with pytest.raises(StudyError, match=".gif"):
        charts.write_figure(charts.frequency_figure(frequency_rows()), tmp_path / "frequency.gif")


def test_xlsx_text_starting_like_a_formula_stays_the_text_in_every_cell():
    """A quote, memo or code name starting with = + - @ is the user's text: Excel must not read it
    as a formula (which would change the data and could run), in the header as in the rows."""
    risky = ["=HYPERLINK(\"http://x\",\"y\")", "+1+1", "-2+3", "@SUM(1,2)", "=1+1"]
    table = Table(title="=title", columns=tuple(Column(f"c{i}", text) for i, text in enumerate(risky)),
                  rows=({f"c{i}": text for i, text in enumerate(risky)},), notes=("-note",), name="t")
    sheet = openpyxl.load_workbook(io.BytesIO(exports.to_xlsx(table))).active
    for row in (1, 2):
        assert [c.value for c in sheet[row]] == risky
        assert [c.data_type for c in sheet[row]] == ["s"] * len(risky)
    under = [c for r in sheet.iter_rows(min_row=3) for c in r if c.value is not None]
    assert [(c.value, c.data_type) for c in under] == [("=title", "s"), ("-note", "s")]
