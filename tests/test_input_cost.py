"""Inputs cost what they are, not what they expand to: every reader reads long runs of one character
in time linear in their length, and files that expand far past their size (cells, pages, unzipped
bytes, text) are refused with one line naming the file and the limit.

The attacks are the shapes issue 17 found: 40 KB of spaces that took 232 s (quadratic in the run),
a 4.9 KB .xlsx that took 5.8 GB and 89 s, a 457-byte .odt stored as a 100 MB transcript, a PDF of
few hundred kilobytes that read for minutes, an empty folder named x.docx.
"""
from __future__ import annotations

import io
import json
import re
import subprocess
import sys
import zipfile
import zlib
from pathlib import Path

import pytest

from study.auth import CLI
from study.errors import StudyError
from study.importing.batch import import_files
from study.transcripts import read_transcript
from tests.test_layouts import DIALOGUE, minimal_odt, minimal_pdf, minimal_rtf, minimal_xlsx, write_docx

# Characters whose runs the layouts' patterns meet: blanks, label and heading punctuation, digits, letters.
RUN_CHARACTERS = " \t.:-*#[(_0a>\u00a0"
RUN = 20_000  # a reader quadratic in a run spends ~10^8 steps on one; linear ones read all files in seconds
SECONDS_FOR_ALL = 300  # a hang guard only, far above a linear read (a few seconds): not a timing


def with_runs(lines: list[str], character: str) -> list[str]:
    """``lines`` with a run of ``character`` on a line of its own, after a label, inside a sentence
    and ending the text."""
    run = character * RUN
    label, said = lines[1].split(": ", 1)
    return [lines[0], run, f"{label}: {run}{said}", f"{lines[2]}{run} and on", lines[3] + run]


def documents(folder: Path) -> list[Path]:
    written = []
    for n, character in enumerate(RUN_CHARACTERS):
        lines = with_runs(DIALOGUE, character)
        text = "\n\n".join(lines) + "\n"
        files = {
            "txt": text.encode("utf-8"),
            "md": text.encode("utf-8"),
            "srt": "".join(f"{i + 1}\n00:00:0{i},000 --> 00:00:0{i + 1},000\n{line}\n\n"
                           for i, line in enumerate(lines)).encode("utf-8"),
            "vtt": ("WEBVTT\n\n" + "".join(f"00:00:0{i}.000 --> 00:00:0{i + 1}.000\n{line}\n\n"
                                           for i, line in enumerate(lines))).encode("utf-8"),
            "csv": ("speaker,text\n" + "".join(f'"{line.split(": ", 1)[0]}","{line.split(": ", 1)[-1]}"\n'
                                               for line in lines)).encode("utf-8"),
            "odt": minimal_odt(lines),
            "rtf": minimal_rtf(lines),
            "pdf": minimal_pdf([line.replace("(", "\\(") for line in lines]),
            "xlsx": minimal_xlsx([["Speaker", "Text"]] + [line.split(": ", 1)[-2:] for line in lines if ": " in line]),
        }
        for suffix, data in files.items():
            path = folder / f"runs-{n}.{suffix}"
            path.write_bytes(data)
            written.append(path)
        written.append(write_docx(folder / f"runs-{n}.docx", lines))
    return written


READ_ALL = """
import json, sys, traceback
from pathlib import Path
from study.errors import StudyError
from study.transcripts import read_transcript
for name in json.loads(sys.argv[1]):
    try:
        read_transcript(Path(name))
        print("read", name, flush=True)
    except StudyError as exc:
        print("refused", name, str(exc).replace(chr(10), " "), flush=True)
    except Exception:
        print("CRASH", name, traceback.format_exc().replace(chr(10), " | "), flush=True)
"""


def test_every_reader_reads_long_runs_of_spaces_and_punctuation_in_linear_time(tmp_path):
    paths = documents(tmp_path)
    try:
        done = subprocess.run([sys.executable, "-c", READ_ALL, json.dumps([str(p) for p in paths])],
                              capture_output=True, text=True, timeout=SECONDS_FOR_ALL, check=False)
    except subprocess.TimeoutExpired as exc:
        finished = (exc.stdout or b"").decode().count("\n") if isinstance(exc.stdout, bytes) else (exc.stdout or "").count("\n")
        pytest.fail(f"reading stalled after {finished} of {len(paths)} files: {paths[finished].name} "
                    f"(runs of {RUN_CHARACTERS[int(paths[finished].stem.split('-')[1])]!r})")
    lines = done.stdout.splitlines()
    assert done.returncode == 0, done.stderr
    assert len(lines) == len(paths)
    assert not [line for line in lines if line.startswith("CRASH")]
    assert sum(line.startswith("read") for line in lines) > len(paths) // 2  # the runs were read, not refused


# -- files that expand far past their size: refused naming the limit --------------------------------


def _zip(members: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in members.items():
            archive.writestr(name, data)
    return buffer.getvalue()


def odt_with_body(body: str) -> bytes:
    return _zip({"mimetype": b"application/vnd.oasis.opendocument.text", "content.xml": (
        '<?xml version="1.0" encoding="UTF-8"?><office:document-content '
        'xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0" '
        'xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0">'
        f"<office:body><office:text>{body}</office:text></office:body></office:document-content>").encode()})


def xlsx_claiming_every_cell() -> bytes:
    """A 5 KB workbook whose sheet says it spans A1:XFD1048576 and holds a cell in its last corner."""
    book = zipfile.ZipFile(io.BytesIO(minimal_xlsx([["Speaker", "Text"], ["Ana", "Hi?"], ["Bo", "Yes."]])))
    members = {info.filename: book.read(info) for info in book.infolist()}
    sheet = members["xl/worksheets/sheet1.xml"].decode()
    sheet = re.sub(r'<dimension ref="[^"]*"/>', '<dimension ref="A1:XFD1048576"/>', sheet).replace(
        "</sheetData>", '<row r="1048576"><c r="XFD1048576" t="inlineStr"><is><t>x</t></is></c></row></sheetData>')
    members["xl/worksheets/sheet1.xml"] = sheet.encode()
    return _zip(members)


def pdf_of(objects: list[bytes]) -> bytes:
    out, offsets = io.BytesIO(), []
    out.write(b"%PDF-1.4\n")
    for number, body in enumerate(objects, start=1):
        offsets.append(out.tell())
        out.write(b"%d 0 obj\n" % number + body + b"\nendobj\n")
    xref = out.tell()
    out.write(b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1))
    for offset in offsets:
        out.write(b"%010d 00000 n \n" % offset)
    out.write(b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, xref))
    return out.getvalue()


def pdf_page(content: bytes, kids: int = 1, compressed: bool = False) -> bytes:
    """One page drawn ``kids`` times over (the page tree may name a page as often as it likes)."""
    stream = zlib.compress(content, 9) if compressed else content
    return pdf_of([
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [" + b" ".join([b"3 0 R"] * kids) + b"] /Count %d >>" % kids,
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R "
        b"/Resources << /Font << /F1 5 0 R >> >> >>",
        b"<< /Length %d %s>>\nstream\n" % (len(stream), b"/Filter /FlateDecode " if compressed else b"")
        + stream + b"\nendstream",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>"])


BOMBS = {
    # name: (file, what the one line says)
    "odt spaces": ("spaces.odt", lambda: odt_with_body('<text:p>Ana: hi<text:s text:c="100000000"/>x</text:p>'),
                   r"expands to more than 20,000,000 characters of text"),
    "odt many runs": ("runs.odt", lambda: odt_with_body("<text:p>" + '<text:s text:c="5000000"/>' * 10 + "</text:p>"),
                      r"expands to more than 20,000,000 characters"),
    "odt count": ("count.odt", lambda: odt_with_body('<text:p>Ana: hi<text:s text:c="lots"/></text:p>'),
                  r"a run of spaces has the count 'lots'"),
    "odt nesting": ("deep.odt", lambda: odt_with_body("<text:p>" + "<text:span>" * 5000 + "Ana: hi"
                                                      + "</text:span>" * 5000 + "</text:p>"),
                    r"nests its elements deeper than any document does"),
    "xlsx dimension": ("sheet.xlsx", xlsx_claiming_every_cell, r"holds more than 2,000,000 cells or 200,000 rows"),
    "pdf pages": ("pages.pdf", lambda: pdf_page(b"BT /F1 12 Tf 72 720 Td (Ana: hi) Tj ET", kids=2_001),
                  r"has 2,001 pages, more than the 2,000 a transcript may have"),
    "pdf operations": ("ops.pdf", lambda: pdf_page(b"BT /F1 12 Tf 72 720 Td " + b"(Ana: hi) Tj 0 -1 Td " * 60_000
                                                   + b"ET", compressed=True),
                       r"asks more of a reader than any transcript does"),
}


@pytest.mark.parametrize("bomb", BOMBS, ids=list(BOMBS))
def test_a_file_that_expands_far_past_its_size_is_refused_naming_the_limit(tmp_path, bomb):
    name, make, problem = BOMBS[bomb]
    path = tmp_path / name
    path.write_bytes(make())
    assert path.stat().st_size < 200_000
    with pytest.raises(StudyError, match=problem) as caught:
        read_transcript(path)
    assert str(caught.value).startswith(str(path)) and "\n" not in str(caught.value)


def test_a_folder_named_like_a_transcript_file_is_an_error(study, tmp_path):
    (tmp_path / "x.docx").mkdir()
    summary = import_files(study, [tmp_path / "x.docx"], actor=CLI)
    assert summary.failed == [(str(tmp_path / "x.docx"), f"{tmp_path / 'x.docx'}: is a folder, not a .docx file; "
                                                         "name the file itself, or a folder of transcripts with another name")]


@pytest.mark.parametrize("hidden", ["\x01", "\x1c", "\x7f", "\x85", "\u202e", "\u2066"])
def test_an_invisible_character_in_a_speaker_label_leaves_the_answer_with_its_speaker(tmp_path, hidden):
    path = tmp_path / "t.txt"
    path.write_text(f"Interviewer: How did you start?\nP2{hidden}: With a grant.\nInterviewer: And then?\nP2: It grew.\n",
                    encoding="utf-8")
    parsed = read_transcript(path)
    said = [(t.speaker, parsed.turn_text(t)) for t in parsed.turns]
    if hidden == "\x85":  # NEL is a line break: the label is visibly cut, no longer hidden
        assert "P2\n: With a grant." in parsed.text
    else:
        assert ("P2", "With a grant.") in said
    assert parsed.warnings == (f"1 invisible control character(s) read as spaces or line breaks (the first, "
                               f"U+{ord(hidden):04X}, on line 2)",)


HANG_GUARD = 120  # not a timing: a linear read takes a second or two, the quadratic one hours


@pytest.mark.parametrize("tail", ["<a" * 500_000, "</" * 500_000, "<?" * 500_000, "<!--a>" * 150_000])
def test_a_web_page_ending_in_constructs_never_closed_reads_in_linear_time(tmp_path, tail):
    # html.parser before Python 3.13.4 spends time quadratic in a page's unclosed tail at close()
    # (CVE-2025-6069): a 1 MB page of "<a" took hours; the turns before it must still be read
    path = tmp_path / "page.html"
    path.write_text("<p>Interviewer: Why?</p><p>Ana: Work.</p><p>Interviewer: Where?</p><p>Ana: Here.</p>" + tail,
                    encoding="utf-8")
    script = ("import sys; from pathlib import Path; from study.transcripts import read_transcript; "
              "p = read_transcript(Path(sys.argv[1])); print([t.speaker for t in p.turns][:4])")
    try:
        done = subprocess.run([sys.executable, "-c", script, str(path)], capture_output=True, text=True,
                              timeout=HANG_GUARD, check=False)
    except subprocess.TimeoutExpired:
        pytest.fail(f"reading a page ending in {tail[:6]!r}... stalled")
    assert done.stdout.strip() == "['Interviewer', 'Ana', 'Interviewer', 'Ana']", done.stderr[-300:]


READ_UNDER_LIMIT = """
import resource, sys
from pathlib import Path
from study.errors import StudyError
from study.transcripts import read_transcript
resource.setrlimit(resource.RLIMIT_AS, (int(sys.argv[2]), int(sys.argv[2])))
try:
    read_transcript(Path(sys.argv[1]))
    print("read")
except StudyError as exc:
    print("refused", exc)
"""


def test_a_deeply_nested_json_file_is_read_in_memory_linear_in_its_size(tmp_path):
    # a list 900 levels down holding a million numbers (2 MB): each value once carried its whole path,
    # 900 steps long (1.45 GB for this file; a 20 MB one would need 15 GB)
    path = tmp_path / "deep.json"
    path.write_text("[" * 900 + ",".join(["1"] * 1_000_000) + "]" * 900, encoding="utf-8")
    done = subprocess.run([sys.executable, "-c", READ_UNDER_LIMIT, str(path), str(1_000_000_000)],
                          capture_output=True, text=True, timeout=HANG_GUARD, check=False)
    assert done.returncode == 0, done.stderr[-300:]
    assert done.stdout.startswith("refused") and "holds no list of segments" in done.stdout
