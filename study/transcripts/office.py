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
import zipfile
import zlib
from typing import Collection, Sequence

import defusedxml.ElementTree

from .docx_file import check_unzipped_size, check_xml_part
from .limits import MAX_PDF_FORM_USES, MAX_PDF_PAGE_OPERATIONS, MAX_PDF_PAGES, Deadline, check_text_size
from .model import ParsedTranscript, Unreadable
from .registry import read_layout
from .taught import Convention
from .text import mostly_control_characters, normalise_newlines

_CONVERT = "save it as .docx or .txt"
ODT_CONTENT = "content.xml"
_TEXT_NS = "urn:oasis:names:tc:opendocument:xmlns:text:1.0"
_TABLE_NS = "urn:oasis:names:tc:opendocument:xmlns:table:1.0"
_OFFICE_NS = "urn:oasis:names:tc:opendocument:xmlns:office:1.0"
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
            text = _pdf_text(pypdf.PdfReader(io.BytesIO(data)))
    except Unreadable:
        raise
    except pypdf.errors.LimitReachedError as exc:
        raise Unreadable(f"asks more of a reader than any transcript does ({exc}); {_CONVERT}") from None
    except Exception as exc:  # pypdf raises many kinds of errors on damaged files
        raise Unreadable(f"could not be read as a PDF ({type(exc).__name__}); {_CONVERT}") from None
    if not text.strip():
        raise Unreadable(f"has no text layer (a scanned image?); run OCR on it or {_CONVERT}")
    return read_layout(_clean(text), by_line=False, without=without, taught=taught)


def _pdf_text(reader) -> str:
    """The text layer page by page, within the limits: pages, text, time (a few hundred kilobytes
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
    return "\n".join(pages)


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
    return read_layout(_clean("\n".join(paragraphs)), by_line=True, without=without, taught=taught)


def _odt_paragraphs(element, spent: list[int]) -> list[str]:
    """Paragraphs and headings in document order; a table row is one tab-separated line.
    ``spent`` counts the spaces expanded so far (refused past the text limit)."""
    found: list[str] = []
    for child in element:
        tag = child.tag
        if tag in (f"{{{_TEXT_NS}}}p", f"{{{_TEXT_NS}}}h"):
            found.append(_odt_text(child, spent))
        elif tag == f"{{{_TABLE_NS}}}table-row":
            found.append("\t".join(" ".join(_odt_paragraphs(cell, spent)) for cell in child))
        else:
            found.extend(_odt_paragraphs(child, spent))
    return found


def _odt_text(element, spent: list[int]) -> str:
    parts = [element.text or ""]
    for child in element:
        tag = child.tag
        if tag == f"{{{_TEXT_NS}}}s":
            parts.append(" " * _spaces(child.get(f"{{{_TEXT_NS}}}c", "1"), spent))
        elif tag == f"{{{_TEXT_NS}}}tab":
            parts.append("\t")
        elif tag == f"{{{_TEXT_NS}}}line-break":
            parts.append("\n")
        elif tag not in (f"{{{_OFFICE_NS}}}annotation", f"{{{_TEXT_NS}}}note"):
            parts.append(_odt_text(child, spent))
        parts.append(child.tail or "")
    return "".join(parts)


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


def _clean(text: str) -> str:
    check_text_size(len(text))
    text = normalise_newlines(text).replace("\x0c", "\n").replace("\x00", "")
    if mostly_control_characters(text):
        raise Unreadable(f"holds no readable text; {_CONVERT}")
    return text
