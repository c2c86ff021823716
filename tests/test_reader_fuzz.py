"""Fuzzing every reader: mutated bytes of each fixture shape give either a ParsedTranscript whose
offsets are exact or a StudyError (one clean message) — never another exception. The shapes include
files built to cost far more than their size (tests/test_input_cost.py's bombs), so their mutants
test the readers' caps on text, cells, pages, nesting and time too.

The budget is small for CI (STUDY_FUZZ_EXAMPLES mutated inputs per shape, 15 by default);
for a release, run it longer: STUDY_FUZZ_EXAMPLES=2000 pytest tests/test_reader_fuzz.py
"""
from __future__ import annotations

import os
import tempfile
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from study.errors import StudyError
from study.transcripts import ParsedTranscript, read_transcript
from tests.test_annotation_files import EXB, TIERS, TRS, _textgrid_long, _textgrid_short
from tests.test_input_cost import BOMBS
from tests.test_sami_and_legacy_encodings import SAMI
from tests.test_tei_files import ISO_TEI, ORAL_HISTORY
from tests.test_layouts import (
    DIALOGUE,
    FIXTURES,
    minimal_odt,
    minimal_pdf,
    minimal_rtf,
    minimal_xlsx,
    write_docx,
)

EXAMPLES = int(os.environ.get("STUDY_FUZZ_EXAMPLES", "15"))
# Pieces of the layouts' syntax, so mutations reach the parsers and not only the decoders.
TOKENS = [b"\n", b"\n\n", b":", b" --> ", b"<v ", b">", b"**", b"[", b"]", b"00:00:01", b"0:04", b"Q: ",
          b"Answer: ", b"Notes\n", b"\r", b"\x00", b"\xff\xfe", b"\"", b"\t", b"-->", b"WEBVTT\n", b"#",
          b"{", b"}", b"[[[[", b'"text": ', b'"speaker": ', b"null", b"1e999", b"<pre>", b"</pre>", b"<p>", b"</",
          b"<!--", b"<head>", b"<script>", b"&amp;", b"&#x0;"]
# The JSON and web-page shapes the speech-to-text and web readers take (chapters, channels, <pre>).
JSON_AND_HTML = [
    ("segments.json", b'{"segments": [{"start": 0.5, "text": " Where do you work?", "speaker": "SPEAKER_00", '
                      b'"words": [{"word": "Where", "start": 0.5}]}, {"start": 3.4, "text": "At the harbour.", '
                      b'"speaker": "SPEAKER_01"}], "word_segments": [{"word": "Where"}]}'),
    ("chapters.json", b'{"chapters": [{"title": "One", "segments": [{"speaker": "Host", "start": 0, "text": "Hi."}, '
                      b'{"speaker": "Guest", "start": 2, "text": "Hello there."}]}, {"segments": [{"speaker": "Host", '
                      b'"start": 9, "text": "Bye."}]}]}'),
    ("items.json", b'{"results": {"transcripts": [{"transcript": "Where? Here."}], "items": [{"start_time": "0.1", '
                   b'"alternatives": [{"content": "Where"}], "speaker_label": "spk_0"}, {"alternatives": [{"content": '
                   b'"?"}], "type": "punctuation"}, {"start_time": "1.0", "alternatives": [{"content": "Here"}], '
                   b'"speaker_label": "spk_1"}]}}'),
    ("page.html", b"<html><head><title>Ruth</title><script>x</script><body><form><p><b>Interviewer:</b> Where?</p>"
                  b"<p><b>Ruth:</b> Here &amp; there.<br>Yes.</p></form><pre>\nINTERVIEWER: Why?\nRUTH: Work.\n\n"
                  b"</pre><table><tr><td>0:05</td><td>Ana</td><td>Hi</td></tr></table></html>"),
]


def _docx_bytes() -> bytes:
    with tempfile.TemporaryDirectory() as folder:
        return write_docx(Path(folder) / "t.docx", ["Mara Quist  0:04", "Hello?", "Teo Brandt  0:09", "Hi."]).read_bytes()


def _shapes() -> list[tuple[str, bytes]]:
    shapes = [(path.name, path.read_bytes()) for path in sorted(FIXTURES.iterdir()) if path.name != "README.md"]
    return shapes + [
        ("t.docx", _docx_bytes()),
        ("t.pdf", minimal_pdf(DIALOGUE)),
        ("t.odt", minimal_odt(DIALOGUE)),
        ("t.rtf", minimal_rtf(DIALOGUE)),
        ("t.xlsx", minimal_xlsx([["Speaker", "Text"], ["Ana", "Hi?"], ["Bo", "Yes."]])),
        *JSON_AND_HTML,
        ("t.trs", TRS.encode("utf-8")), ("t.exb", EXB.encode("utf-8")),
        ("t.TextGrid", _textgrid_long(TIERS).encode("utf-16")), ("s.TextGrid", _textgrid_short(TIERS).encode("utf-8")),
        ("t.smi", SAMI.encode("cp949")),
        ("oh.xml", ORAL_HISTORY.encode("utf-8")), ("iso.xml", ISO_TEI.encode("utf-8")),
    ] + [(name, make()) for name, make, _ in BOMBS.values()]


SHAPES = _shapes()

mutation = st.one_of(
    st.tuples(st.just("flip"), st.integers(0, 1 << 30), st.integers(1, 255)),
    st.tuples(st.just("insert"), st.integers(0, 1 << 30), st.sampled_from(TOKENS)),
    st.tuples(st.just("insert"), st.integers(0, 1 << 30), st.binary(min_size=1, max_size=6)),
    st.tuples(st.just("delete"), st.integers(0, 1 << 30), st.integers(1, 40)),
    st.tuples(st.just("truncate"), st.integers(0, 1 << 30), st.just(0)),
)


def mutated(data: bytes, mutations) -> bytes:
    buffer = bytearray(data)
    for kind, where, what in mutations:
        at = where % (len(buffer) + 1)
        if kind == "flip" and buffer:
            buffer[at % len(buffer)] ^= what
        elif kind == "insert":
            buffer[at:at] = what
        elif kind == "delete":
            del buffer[at:at + what]
        elif kind == "truncate":
            del buffer[at:]
    return bytes(buffer)


def assert_exact(parsed: ParsedTranscript) -> None:
    assert isinstance(parsed, ParsedTranscript) and parsed.turns
    previous_end = 0
    for turn in parsed.turns:
        body = parsed.text[turn.start:turn.end]
        assert body and body == body.strip(), (turn, body)
        assert previous_end <= turn.start < turn.end <= len(parsed.text)
        previous_end = turn.end


@pytest.mark.parametrize("name,data", SHAPES, ids=[name for name, _ in SHAPES])
@settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(mutations=st.lists(mutation, min_size=1, max_size=4))
def test_mutated_input_reads_exactly_or_fails_cleanly(name, data, mutations):
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / name
        path.write_bytes(mutated(data, mutations))
        try:
            parsed = read_transcript(path, max_bytes=2_000_000)
        except StudyError as exc:
            assert str(exc) and "\n" not in str(exc)
            return
        assert_exact(parsed)
