"""Other file types researchers hold: .pdf (text layer), .odt, .rtf and legacy .doc.

Each is turned into plain text and read like a .txt file (``registry.read_layout``), so the
same layouts and exact offsets apply. Where a file cannot be read, the message says how to
convert it.
"""
from __future__ import annotations

import io
import os
import shutil
import subprocess
import tempfile
import unicodedata
import zipfile
import zlib
from typing import Collection, Sequence

import defusedxml.ElementTree

from .docx_file import check_unzipped_size, check_xml_part
from .limits import MAX_PDF_FORM_USES, MAX_PDF_PAGE_OPERATIONS, MAX_PDF_PAGES, Deadline, check_text_size
from .model import ParsedTranscript, Unreadable
from .accounting import sampled, with_set_aside
from .page_furniture import described, without_furniture
from .reading import LineFormat
from .registry import read_layout
from .taught import Convention
from .text import mostly_control_characters, normalise_newlines

_CONVERT = "save it as .docx or .txt"
ODT_CONTENT = "content.xml"
_TEXT_NS = "urn:oasis:names:tc:opendocument:xmlns:text:1.0"
_TABLE_NS = "urn:oasis:names:tc:opendocument:xmlns:table:1.0"
_OFFICE_NS = "urn:oasis:names:tc:opendocument:xmlns:office:1.0"
_STYLE_NS = "urn:oasis:names:tc:opendocument:xmlns:style:1.0"
_FO_NS = "urn:oasis:names:tc:opendocument:xmlns:xsl-fo-compatible:1.0"
ANTIWORD = "antiword"
DOC_TIMEOUT_SECONDS = 60


def read_pdf(data: bytes, *, without: Collection[str] = (), taught: Sequence[Convention] = (),
             **_options) -> ParsedTranscript:
    if not data.startswith(b"%PDF"):
        raise Unreadable(f"is not a PDF file (it does not start with %PDF); {_CONVERT}")
    import pypdf  # imported here: only PDF files need it

    try:
        with pypdf.apply_configuration(stream_parsing_work_maximum_count=MAX_PDF_PAGE_OPERATIONS,
                                       xform_maximum_invocations_per_extraction=MAX_PDF_FORM_USES):
            pages = _pdf_pages(pypdf.PdfReader(io.BytesIO(data)))
    except Unreadable:
        raise
    except pypdf.errors.LimitReachedError as exc:
        raise Unreadable(f"asks more of a reader than any transcript does ({exc}); {_CONVERT}") from None
    except Exception as exc:  # pypdf raises many kinds of errors on damaged files
        raise Unreadable(f"could not be read as a PDF ({type(exc).__name__}); {_CONVERT}") from None
    if not any(page.strip() for page in pages):
        raise Unreadable(f"has no text layer (a scanned image?); run OCR on it or {_CONVERT}")
    text, furniture = without_furniture([_page_text(page) for page in pages])
    parsed = read_layout(_clean(text), by_line=False, without=without, taught=taught)
    return with_set_aside(parsed, furniture, described(furniture))


def _pdf_pages(reader) -> list[str]:
    """The text layer of each page, within the limits: pages, text, time (a few hundred kilobytes
    of PDF can ask for minutes of work)."""
    if reader.is_encrypted:
        raise Unreadable(f"is a password-protected PDF; remove the password or {_CONVERT}")
    if len(reader.pages) > MAX_PDF_PAGES:
        raise Unreadable(f"has {len(reader.pages):,} pages, more than the {MAX_PDF_PAGES:,} a transcript may have; "
                         "split it")
    pages, size, deadline = [], 0, Deadline()
    for page in reader.pages:
        deadline.check()
        pages.append(page.extract_text() or "")
        size += len(pages[-1])
        check_text_size(size)
    deadline.check()
    return pages


def read_odt(data: bytes, *, without: Collection[str] = (), taught: Sequence[Convention] = (),
             **_options) -> ParsedTranscript:
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            check_unzipped_size(archive.infolist(), len(data))
            if ODT_CONTENT not in archive.namelist():
                raise Unreadable(f"is not an OpenDocument text file (no {ODT_CONTENT}); {_CONVERT}")
            xml = archive.read(ODT_CONTENT)
    except Unreadable:
        raise
    except (zipfile.BadZipFile, zlib.error, EOFError, NotImplementedError, RuntimeError, ValueError, OSError):
        raise Unreadable(f"is not an OpenDocument text file (not a valid zip archive); {_CONVERT}") from None
    check_xml_part(ODT_CONTENT, xml)
    root = defusedxml.ElementTree.fromstring(xml, forbid_dtd=True)
    body = root.find(f"{{{_OFFICE_NS}}}body")
    try:
        paragraphs = _odt_paragraphs(body if body is not None else root, [0])
    except RecursionError:
        raise Unreadable(f"nests its elements deeper than any document does (a damaged or hostile file); {_CONVERT}") from None
    text = "\n".join(text for text, _, _ in paragraphs)
    cleaned = _clean(text)
    formats = _odt_formats(paragraphs, _odt_styles(root)) if cleaned == text else {}
    parsed = read_layout(cleaned, by_line=True, formats=formats, without=without, taught=taught)
    notes = _odt_notes(paragraphs)
    return with_set_aside(parsed, notes, f"{len(notes)} footnote(s), endnote(s) or comment(s) kept as notes, "
                          f"not speech ({sampled(notes)})")


Runs = list[tuple[str, "str | None"]]  # a paragraph's pieces of text, each with its text style's name
Paragraph = tuple[str, Runs, list[str]]  # its text, its runs, the notes and comments it anchors


def _odt_notes(paragraphs: list[Paragraph]) -> list[tuple[int, str]]:
    """The footnotes, endnotes and comments the paragraphs anchor, each placed at the end of its paragraph."""
    notes, offset = [], 0
    for text, _, anchored in paragraphs:
        offset += len(text)
        notes.extend((offset, note) for note in anchored)
        offset += 1
    return notes


def _odt_paragraphs(element, spent: list[int]) -> list[Paragraph]:
    """Paragraphs and headings in document order, each with its runs and the notes it anchors; a table
    row is one tab-separated line. ``spent`` counts the spaces expanded so far (refused past the text limit)."""
    found: list[Paragraph] = []
    for child in element:
        tag = child.tag
        if tag in (f"{{{_TEXT_NS}}}p", f"{{{_TEXT_NS}}}h"):
            runs: Runs = []
            notes: list[str] = []
            found.append((_odt_text(child, spent, runs, None, notes), runs, notes))
        elif tag == f"{{{_TABLE_NS}}}table-row":
            cells = [_odt_paragraphs(cell, spent) for cell in child]
            found.append(("\t".join(" ".join(text for text, _, _ in cell) for cell in cells), [],
                          [note for cell in cells for _, _, notes in cell for note in notes]))
        else:
            found.extend(_odt_paragraphs(child, spent))
    return found


def _odt_text(element, spent: list[int], runs: Runs, style: str | None, notes: list[str]) -> str:
    """The paragraph's text, its runs into ``runs``; the text of the footnotes, endnotes and comments
    it anchors into ``notes`` (nobody's speech, kept beside it)."""
    style = element.get(f"{{{_TEXT_NS}}}style-name") or style
    parts = [element.text or ""]
    runs.append((parts[0], style))
    for child in element:
        tag = child.tag
        if tag == f"{{{_TEXT_NS}}}s":
            parts.append(" " * _spaces(child.get(f"{{{_TEXT_NS}}}c", "1"), spent))
            runs.append((parts[-1], style))
        elif tag == f"{{{_TEXT_NS}}}tab":
            parts.append("\t")
            runs.append((parts[-1], style))
        elif tag == f"{{{_TEXT_NS}}}line-break":
            parts.append("\n")
            runs.append((parts[-1], style))
        elif tag in (f"{{{_OFFICE_NS}}}annotation", f"{{{_TEXT_NS}}}note"):
            if note := _note_text(child):
                notes.append(note)
        else:
            parts.append(_odt_text(child, spent, runs, style, notes))
        parts.append(child.tail or "")
        runs.append((parts[-1], style))
    return "".join(parts)


def _note_text(note) -> str:
    """A footnote's or endnote's body (not its number), or a comment's paragraphs (not its author and date)."""
    paragraphs = [p for tag in ("p", "h") for p in note.iter(f"{{{_TEXT_NS}}}{tag}")]
    return "\n".join("".join(p.itertext()).strip() for p in paragraphs).strip()


def _odt_styles(root) -> dict[str, tuple[str, bool]]:
    """Each automatic style's colour ("C00000", "auto" when it sets none) and whether it is bold."""
    found = {}
    for style in root.iter(f"{{{_STYLE_NS}}}style"):
        properties = style.find(f"{{{_STYLE_NS}}}text-properties")
        if properties is None:
            continue
        colour = properties.get(f"{{{_FO_NS}}}color", "").lstrip("#").upper() or "auto"
        found[style.get(f"{{{_STYLE_NS}}}name", "")] = (colour, properties.get(f"{{{_FO_NS}}}font-weight") == "bold")
    return found


def _odt_formats(paragraphs: list[Paragraph], styles: dict[str, tuple[str, bool]]) -> dict[int, LineFormat]:
    """Each paragraph's formatting evidence, as Word's (``docx_file``): how much of its first line is
    bold from its start, and the colour of all its words ("" when they differ); by its start offset."""
    formats, offset = {}, 0
    for text, runs, _ in paragraphs:
        if runs and text.strip():
            prefix, in_prefix, colours = 0, True, set()
            for piece, style in runs:
                colour, bold = styles.get(style or "", ("auto", False))
                if piece.strip():
                    colours.add(colour)
                first = piece.split("\n", 1)[0]
                if in_prefix and (bold or not first.strip()):
                    prefix += len(first)
                elif first.strip():
                    in_prefix = False
                if "\n" in piece:
                    in_prefix = False
            whole = in_prefix and prefix > 0
            formats[offset] = LineFormat(bold_prefix=0 if whole else prefix, whole_bold=whole,
                                         colour=colours.pop() if len(colours) == 1 else "")
        offset += len(text) + 1
    return formats


def _spaces(count: str, spent: list[int]) -> int:
    """The spaces a <text:s text:c="N"/> stands for (a 457-byte file asked for 100,000,000), counted
    into ``spent`` and refused before they are made when past the text limit."""
    try:
        spaces = max(int(count or 1), 1)
    except ValueError:
        raise Unreadable(f"is damaged: a run of spaces has the count {count[:20]!r}; {_CONVERT}") from None
    spent[0] += spaces
    check_text_size(spent[0])
    return spaces


def read_rtf(data: bytes, *, without: Collection[str] = (), taught: Sequence[Convention] = (),
             **_options) -> ParsedTranscript:
    if not data.lstrip().startswith(b"{\\rtf"):
        raise Unreadable(f"is not an RTF file (it does not start with {{\\rtf); {_CONVERT}")
    from striprtf.striprtf import rtf_to_text  # imported here: only RTF files need it

    try:
        text = rtf_to_text(data.decode("latin-1"), errors="replace")
    except Exception as exc:  # striprtf raises on malformed control words
        raise Unreadable(f"could not be read as RTF ({type(exc).__name__}); {_CONVERT}") from None
    return read_layout(_clean(text), by_line=True, without=without, taught=taught)


def read_doc(data: bytes, *, without: Collection[str] = (), taught: Sequence[Convention] = (),
             **_options) -> ParsedTranscript:
    """Legacy Word .doc through Debian's antiword (scripts/ensure_system_packages.sh installs it)."""
    if not data.startswith(b"\xd0\xcf\x11\xe0"):
        raise Unreadable("is not a legacy Word .doc file; open it in Word or LibreOffice and save it as .docx")
    program = shutil.which(ANTIWORD)
    if program is None:
        raise Unreadable(
            "is a legacy Word .doc file and antiword, which reads them, is not installed; "
            "install antiword or save the file as .docx in Word or LibreOffice"
        )
    with tempfile.TemporaryDirectory() as folder:
        path = os.path.join(folder, "transcript.doc")
        with open(path, "wb") as file:
            file.write(data)
        try:
            done = subprocess.run([program, "-m", "UTF-8.txt", "-w", "0", path], capture_output=True,
                                  timeout=DOC_TIMEOUT_SECONDS, check=False)
        except subprocess.TimeoutExpired:
            raise Unreadable("took too long to read as a legacy .doc; save it as .docx in Word") from None
    if done.returncode != 0:
        raise Unreadable("could not be read as a legacy Word .doc (damaged or not Word 97-2003); save it as .docx")
    return read_layout(_clean(done.stdout.decode("utf-8", errors="replace")), by_line=False, without=without, taught=taught)


# Typographic ligatures a PDF's font may map its glyphs to ("ﬁnd"): the letters they join, or "find" is never found.
_LIGATURES = {ord(ligature): unicodedata.normalize("NFKC", ligature) for ligature in "\ufb00\ufb01\ufb02\ufb03\ufb04\ufb05\ufb06"}


def _page_text(page: str) -> str:
    """A PDF page's text with plain line breaks and letters for its ligatures."""
    return normalise_newlines(page).replace("\x0c", "\n").replace("\x00", "").translate(_LIGATURES)


def _clean(text: str) -> str:
    check_text_size(len(text))
    text = normalise_newlines(text).replace("\x0c", "\n").replace("\x00", "")
    if mostly_control_characters(text):
        raise Unreadable(f"holds no readable text; {_CONVERT}")
    return text
