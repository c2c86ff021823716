"""Word .docx files: a safe archive check, then paragraphs and table rows as lines of text, with
each line's formatting (a bold name at its start, its style) kept as evidence for the layouts.

The text is what the document finally says, as Word shows it with changes accepted: runs inside
tracked insertions, content controls (``w:sdt``), smart tags, custom XML and simple fields are read,
and so are paragraphs and tables inside block content controls; deleted and moved-away text is not,
nor a ruby's reading aid (python-docx reads only a paragraph's direct runs and the body's direct
paragraphs, which lost such words silently).

Memory bound: ``word/document.xml`` is refused above ``MAX_DOCUMENT_XML_BYTES`` uncompressed
(python-docx holds the parsed XML, roughly 30 times its size, in memory), so reading one file
stays under about 500 MB whatever the archive claims.
"""
from __future__ import annotations

import io
import lzma
import zipfile
import zlib
from dataclasses import replace
from typing import Collection, Sequence

import defusedxml.ElementTree
import docx
from defusedxml import DefusedXmlException
from docx.enum.style import WD_STYLE_TYPE
from docx.oxml import parse_xml
from docx.oxml.ns import qn
from docx.table import Table
from docx.text.paragraph import Paragraph
from docx.text.run import Run

from .accounting import sampled, with_set_aside
from .model import ParsedTranscript, Unreadable
from .reading import LineFormat
from .registry import read_layout
from .taught import Convention
from .text import describe_size

# A .docx is a zip: refuse archives that would unpack to far more than any transcript needs.
MAX_UNZIPPED_BYTES = 200_000_000
SUSPICIOUS_UNZIPPED_BYTES = 50_000_000
MAX_COMPRESSION_RATIO = 100
MAX_ZIP_MEMBERS = 10_000
MAX_DOCUMENT_XML_BYTES = 16_000_000
DOCX_MAIN_PART = "word/document.xml"
_CORRUPT = "is not a Word file (the zip archive is corrupt); re-save it as .docx"


def read_docx(data: bytes, *, without: Collection[str] = (), taught: Sequence[Convention] = (),
             **_options) -> ParsedTranscript:
    check_docx_archive(data)
    text, formats, anchors, notes = _docx_lines(data)
    parsed = read_layout(text, by_line=True, formats=formats, without=without, taught=taught)
    parsed = with_set_aside(parsed, notes, f"{len(notes)} footnote(s), endnote(s) or text box(es) kept as notes, "
                            f"not speech ({sampled(notes)})")
    if anchors:
        parsed = replace(parsed, warnings=(*parsed.warnings, f"{anchors} raised note number(s) left out of the text "
                                           "they follow (“…hub.¹” reads “…hub.”): they point at the numbered notes"))
    return parsed


def check_docx_archive(data: bytes) -> None:
    """Refuse what is not a safe Word archive before python-docx (and lxml) ever see it."""
    if not zipfile.is_zipfile(io.BytesIO(data)):
        raise Unreadable(
            "is not a Word .docx file (not a zip archive; perhaps an old .doc or a "
            "password-protected file); save it as .docx without a password"
        )
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            members = archive.infolist()
            check_unzipped_size(members, len(data))
            main = next((member for member in members if member.filename == DOCX_MAIN_PART), None)
            if main is None:
                raise Unreadable(f"is a zip archive but not a Word document (no {DOCX_MAIN_PART}); save it as .docx")
            if main.file_size > MAX_DOCUMENT_XML_BYTES:
                raise Unreadable(
                    f"has a {describe_size(main.file_size)} document body, over the "
                    f"{describe_size(MAX_DOCUMENT_XML_BYTES)} a transcript can hold; split it into smaller files"
                )
            for member in members:
                if member.filename.endswith((".xml", ".rels")):
                    check_xml_part(member.filename, archive.read(member))
    except (zipfile.BadZipFile, zlib.error, lzma.LZMAError, EOFError, NotImplementedError, RuntimeError,
            ValueError, OSError):
        raise Unreadable(_CORRUPT) from None


def check_unzipped_size(members: Sequence[zipfile.ZipInfo], zipped_size: int) -> None:
    # Python's zipfile never inflates a member beyond its declared size, so checking the
    # declared sizes bounds what reading the archive can cost.
    unzipped = sum(member.file_size for member in members)
    bomb = unzipped > MAX_UNZIPPED_BYTES or (
        unzipped > SUSPICIOUS_UNZIPPED_BYTES and unzipped > MAX_COMPRESSION_RATIO * zipped_size
    )
    if bomb or len(members) > MAX_ZIP_MEMBERS:
        raise Unreadable(
            f"would unzip to {describe_size(unzipped)} in {len(members):,} parts, far more than a "
            "transcript needs (a possible zip bomb); refusing to open it"
        )


def check_xml_part(name: str, xml: bytes) -> None:
    try:
        defusedxml.ElementTree.fromstring(xml, forbid_dtd=True)
    except DefusedXmlException:
        raise Unreadable(
            f"has DOCTYPE or entity declarations in {name}, which Word never writes "
            "(a possible 'billion laughs' attack); refusing to open it"
        ) from None
    except defusedxml.ElementTree.ParseError as exc:
        raise Unreadable(f"is damaged: {name} is not well-formed XML ({exc}); re-save it in Word") from None
    except (LookupError, ValueError):
        raise Unreadable(f"is damaged: {name} declares an unknown text encoding; re-save it in Word") from None


def _docx_lines(data: bytes) -> tuple[str, dict[int, LineFormat], int, list[tuple[int, str]]]:
    """Body paragraphs and table rows in document order, each paragraph's formatting, how many
    note anchors were left out of the paragraphs (``_paragraph_text``), and the text of the footnotes and
    endnotes the body refers to, each placed below the paragraph or table that refers to it."""
    try:
        document = docx.Document(io.BytesIO(data))
        texts: list[str] = []
        formats: dict[int, LineFormat] = {}
        offset = anchors = 0
        bold_styles = _BoldStyles(document)
        notes = _note_numbers(document)
        word_notes, set_aside = _word_notes(document), []
        for block in _blocks(document.element.body, document._body):
            if isinstance(block, Table):
                rows = table_row_texts(block)
            else:
                text, left_out = _paragraph_text(block, notes)
                rows, anchors = [text], anchors + left_out
                formats[offset] = _paragraph_format(block, bold_styles)
            for row in rows:
                texts.append(row)
                offset += len(row) + 1
            set_aside += [(offset, note) for note in [*_referred(block._element, word_notes), *_text_boxes(block._element)]]
        return "\n".join(texts).replace("\r", "\n"), formats, anchors, set_aside
    except Unreadable:
        raise
    except Exception as exc:  # python-docx raises whatever its parts raise; all mean a damaged file
        raise Unreadable(
            f"could not be read as a Word document ({type(exc).__name__}: {exc}); re-save it as .docx"
        ) from None


# Notes numbered by hand: transcripts annotated in Word carry a raised number after the words a
# note is about ("…model hub.¹") and, under an "Annotations" heading, paragraphs opening with the
# same raised number. In the speech the number is no word of the speaker's.


def _raised_number(run) -> str | None:
    """The run's text when it is a number set raised (superscript or lifted), else None."""
    text = run.text.strip()
    properties = run.rPr
    if not text.isdigit() or properties is None:
        return None
    lifted = properties.find(qn("w:position"))
    superscript = properties.find(qn("w:vertAlign"))
    if (lifted is not None and _number(lifted.get(_VAL)) > 0) or \
            (superscript is not None and superscript.get(_VAL) == "superscript"):
        return text
    return None


def _number(value: str | None) -> float:
    try:
        return float(value or 0)
    except ValueError:
        return 0.0


def _text_runs(paragraph: Paragraph) -> list:
    """The paragraph's runs that hold text, in order."""
    return [run for run in final_runs(paragraph._p) if run.text.strip()]


# Where a run's text is no longer, or never was, the document's: deleted or moved away by a tracked
# change, a ruby's reading aid above its base text, a text box's own paragraphs (read on their own).
_NOT_FINAL = frozenset(qn(tag) for tag in ("w:del", "w:moveFrom", "w:rt", "w:txbxContent", "w:sdtPr"))
_RUN, _PARAGRAPH, _TABLE = qn("w:r"), qn("w:p"), qn("w:tbl")
# Block wrappers whose paragraphs and tables are the document's: content controls, custom XML, tracked insertions
_BLOCK_WRAPPERS = frozenset(qn(tag) for tag in ("w:sdt", "w:sdtContent", "w:customXml", "w:ins", "w:moveTo"))


def final_runs(p) -> list:
    """The paragraph element's runs in reading order, at any depth (hyperlinks, insertions, content
    controls, smart tags, fields), but those whose text the document no longer shows."""
    runs = []
    for run in p.iter(_RUN):
        parent = run.getparent()
        while parent is not p and parent.tag not in _NOT_FINAL:
            parent = parent.getparent()
        if parent is p:
            runs.append(run)
    return runs


def final_text(p) -> str:
    """The paragraph element's text as Word shows it with tracked changes accepted."""
    return "".join(run.text for run in final_runs(p))


def _blocks(element, parent):
    """The paragraphs and tables under a body or cell element in document order, those wrapped in
    content controls, custom XML or tracked insertions included."""
    for child in element:
        if child.tag == _PARAGRAPH:
            yield Paragraph(child, parent)
        elif child.tag == _TABLE:
            yield Table(child, parent)
        elif child.tag in _BLOCK_WRAPPERS:
            yield from _blocks(child, parent)


def _note_numbers(document) -> set[str]:
    """The raised numbers that open a paragraph: the notes a raised number in the text points at."""
    numbers = set()
    for paragraph in document.paragraphs:
        runs = _text_runs(paragraph)
        number = _raised_number(runs[0]) if runs else None
        if number is not None:
            numbers.add(number)
    return numbers


def _paragraph_text(paragraph: Paragraph, notes: set[str]) -> tuple[str, int]:
    """The paragraph's text without the raised numbers that point at a note (a note's own number,
    opening its paragraph, stays), and how many were left out."""
    runs = final_runs(paragraph._p)
    texts = [run.text for run in runs]
    if not notes:
        return "".join(texts), 0
    shown = [run for run in runs if run.text.strip()]
    anchors = {id(run) for run in shown[1:] if _raised_number(run) in notes}
    return "".join(text for run, text in zip(runs, texts) if id(run) not in anchors), len(anchors)


# Word's own footnotes and endnotes: their text is in parts of their own, referred to from a run of the body.
_NOTE_KINDS = ("footnote", "endnote")
_REFERENCES = {qn(f"w:{kind}Reference"): kind for kind in _NOTE_KINDS}
_DELETED = frozenset(qn(tag) for tag in ("w:del", "w:moveFrom"))


def _word_notes(document) -> dict[tuple[str, str], str]:
    """Each footnote's and endnote's text, as Word shows it, by (kind, id)."""
    found = {}
    for relationship in document.part.rels.values():
        kind = relationship.reltype.rsplit("/", 1)[-1][:-1]  # ".../relationships/footnotes"
        if kind in _NOTE_KINDS and not relationship.is_external:
            root = parse_xml(relationship.target_part.blob)
            for note in root.iter(qn(f"w:{kind}")):
                text = "\n".join(final_text(p) for p in note.iter(_PARAGRAPH)).strip()
                if text:
                    found[(kind, note.get(qn("w:id")))] = text
    return found


def _referred(element, notes: dict[tuple[str, str], str]) -> list[str]:
    """The text of the notes that ``element`` (a paragraph or a table) refers to and still shows, in order."""
    if not notes:
        return []
    referred = []
    for reference in element.iter(*_REFERENCES):
        parent = reference.getparent()
        while parent is not None and parent is not element and parent.tag not in _DELETED:
            parent = parent.getparent()
        text = notes.get((_REFERENCES[reference.tag], reference.get(qn("w:id"))))
        if parent is element and text:
            referred.append(text)
    return referred


_TEXT_BOX = qn("w:txbxContent")
_FALLBACK = "{http://schemas.openxmlformats.org/markup-compatibility/2006}Fallback"


def _text_boxes(element) -> list[str]:
    """The text of the text boxes anchored in ``element``, each once: Word writes a box twice, as DrawingML and as
    a VML fallback for older readers; the fallback is not read."""
    boxes = []
    for box in element.iter(_TEXT_BOX):
        parent = box.getparent()
        while parent is not None and parent is not element and parent.tag not in (_FALLBACK, _TEXT_BOX):
            parent = parent.getparent()
        text = "\n".join(final_text(p) for p in box.iter(_PARAGRAPH)).strip()
        if parent is element and text:
            boxes.append(text)
    return boxes


class _BoldStyles:
    """Whether a character style is bold, looked up once per style (python-docx's style lookup
    scans every style, which made a long document's reading quadratic)."""

    def __init__(self, document) -> None:
        self._document = document
        self._bold: dict[str, bool] = {}

    def __call__(self, style_id: str | None) -> bool:
        if not style_id:
            return False
        if style_id not in self._bold:
            style = self._document.part.get_style(style_id, WD_STYLE_TYPE.CHARACTER)
            self._bold[style_id] = bool(style is not None and style.font.bold)
        return self._bold[style_id]


def _paragraph_format(paragraph: Paragraph, bold_style: _BoldStyles) -> LineFormat:
    """How much of the paragraph's first line is bold from its start, and its style's id."""
    prefix, whole, in_prefix = 0, True, True
    for element in final_runs(paragraph._p):
        item = Run(element, paragraph)
        text = item.text
        first_line = text.split("\n", 1)[0]
        if _is_bold(item, bold_style):
            prefix += len(first_line) if in_prefix else 0
        elif first_line.strip():
            whole = in_prefix = False
        elif in_prefix:
            prefix += len(first_line)
        if "\n" in text:
            break
    style = paragraph._p.style or ""  # the style's id, read from the XML without a lookup
    whole_bold = whole and prefix > 0
    return LineFormat(bold_prefix=0 if whole_bold else prefix, whole_bold=whole_bold, style=style,
                      colour=_colour(paragraph))


_VAL = qn("w:val")


def _colour(paragraph: Paragraph) -> str:
    """The font colour every run with text shares ("auto" when none is set), read from the XML; "" when mixed."""
    colours = set()
    for run in final_runs(paragraph._p):
        if run.text.strip():
            properties = run.rPr
            colour = properties.color if properties is not None else None
            value = colour.get(_VAL) if colour is not None else None  # raw: Word writes odd values ("#0")
            colours.add(value.upper() if value and value != "auto" else "auto")
    return colours.pop() if len(colours) == 1 else ""


def _is_bold(run: Run, bold_style: _BoldStyles) -> bool:
    if run.bold is not None:
        return bool(run.bold)
    return bold_style(run._r.style)


def table_row_texts(table: Table) -> list[str]:
    """One tab-separated line per row; merged cells, which python-docx repeats, appear once."""
    seen = set()  # the cells' XML elements (_tc), which merged cells share
    rows = []
    for row in table.rows:
        texts = []
        for cell in row.cells:
            if cell._tc not in seen:
                seen.add(cell._tc)
                texts.append(_cell_text(cell))
        rows.append("\t".join(texts))
    return rows


def _cell_text(cell) -> str:
    """A cell's paragraphs as Word shows them, one per line; a table inside it one line per row, its
    cells apart by spaces (a tab would start another column of the outer row)."""
    lines = []
    for block in _blocks(cell._tc, cell):
        if isinstance(block, Table):
            lines.extend(row.replace("\t", "   ") for row in table_row_texts(block))
        else:
            lines.append(final_text(block._p))
    return "\n".join(lines)
