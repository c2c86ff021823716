"""Word transcripts as they finally read: tracked changes, content controls, smart tags, fields and
ruby, whose words python-docx's own paragraph text leaves out (synthetic files in the shapes of
transcripts edited in Word with Track Changes on, or typed into a form template)."""
from __future__ import annotations

import io
import re

import docx
import pytest
from docx.oxml import parse_xml
from docx.oxml.ns import nsdecls

from study.transcripts import read_transcript_data
from tests.fixtures.heldout.heldout_writers import deleted_xml as _deleted, inserted_xml as _inserted, run_xml as _run

W = nsdecls("w")


def _word_file(*paragraphs: str) -> bytes:
    """A .docx whose body holds the given paragraph (or block) XML, each given without namespaces."""
    document = docx.Document()
    body = document.element.body
    for xml in paragraphs:
        body.insert(len(body) - 1, parse_xml(xml.replace("<w:p>", f"<w:p {W}>", 1) if xml.startswith("<w:p>")
                                             else xml.replace(">", f" {W}>", 1)))
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()


def _turns(data: bytes) -> list[tuple[str, str]]:
    parsed = read_transcript_data(data, "interview.docx")
    return [(turn.speaker, " ".join(re.findall(r"\w+", parsed.turn_text(turn)))) for turn in parsed.turns]


def _label(name: str) -> str:
    return _run(f"{name}:", bold=True) + _run(" ")


def test_tracked_changes_read_as_accepted():
    data = _word_file(
        f"<w:p>{_label('Interviewer')}{_run('When did you')}{_deleted(' first ')}{_inserted(' begin to ')}{_run('farm?')}</w:p>",
        f"<w:p>{_label('Amara')}{_inserted('In the dry season of ')}{_run('1998, after my')}{_deleted(' uncle')}"
        f"{_inserted(' aunt')}{_run(' left.')}</w:p>",
        f"<w:p>{_label('Interviewer')}{_run('And the land?')}</w:p>",
        f"<w:p>{_label('Amara')}{_run('Rented.')}{_inserted(' We bought it later.')}</w:p>",
    )
    assert _turns(data) == [
        ("Interviewer", "When did you begin to farm"),
        ("Amara", "In the dry season of 1998 after my aunt left"),
        ("Interviewer", "And the land"),
        ("Amara", "Rented We bought it later"),
    ]


def test_inserted_label_is_still_a_label():
    """A speaker's name typed in with Track Changes on is the turn's label, bold like the others."""
    data = _word_file(
        f"<w:p>{_label('Interviewer')}{_run('Where were you born?')}</w:p>",
        f'<w:p><w:ins w:id="1" w:author="T">{_label("Amara")}</w:ins>{_run("In Kumasi.")}</w:p>',
        f"<w:p>{_label('Interviewer')}{_run('And your parents?')}</w:p>",
        f"<w:p>{_label('Amara')}{_run('Both from Tamale.')}</w:p>",
    )
    assert [speaker for speaker, _ in _turns(data)] == ["Interviewer", "Amara", "Interviewer", "Amara"]


def test_content_controls_smart_tags_and_fields_keep_their_words():
    data = _word_file(
        f"<w:sdt><w:sdtPr><w:alias w:val=\"Question\"/></w:sdtPr><w:sdtContent>"
        f"<w:p>{_label('Interviewer')}{_run('Which market do you sell at?')}</w:p></w:sdtContent></w:sdt>",
        f"<w:p>{_label('Amara')}{_run('At ')}<w:smartTag w:uri=\"urn:places\" w:element=\"place\">{_run('Kejetia')}"
        f"</w:smartTag>{_run(', every')}<w:sdt><w:sdtContent>{_run(' Tuesday')}</w:sdtContent></w:sdt>{_run('.')}</w:p>",
        f"<w:p>{_label('Interviewer')}{_run('Since when?')}</w:p>",
        f"<w:p>{_label('Amara')}{_run('Since ')}<w:fldSimple w:instr=\" DATE \">{_run('2004')}</w:fldSimple>"
        f"{_run(' or so.')}</w:p>",
    )
    assert _turns(data) == [
        ("Interviewer", "Which market do you sell at"),
        ("Amara", "At Kejetia every Tuesday"),
        ("Interviewer", "Since when"),
        ("Amara", "Since 2004 or so"),
    ]


def test_table_cells_read_as_accepted():
    rows = "".join(
        f"<w:tr><w:tc><w:p>{_run(name)}</w:p></w:tc><w:tc><w:p>{words}</w:p></w:tc></w:tr>"
        for name, words in [
            ("Interviewer", _run("How long have you kept bees?")),
            ("Amara", _run("Twelve years") + _deleted(" ago") + _inserted(" now, since the drought")),
            ("Interviewer", _run("And honey prices?")),
            ("Amara", _inserted("Up, ") + _run("every year.")),
        ])
    data = _word_file(f"<w:tbl><w:tblPr/><w:tblGrid><w:gridCol/><w:gridCol/></w:tblGrid>{rows}</w:tbl>")
    assert _turns(data) == [
        ("Interviewer", "How long have you kept bees"),
        ("Amara", "Twelve years now since the drought"),
        ("Interviewer", "And honey prices"),
        ("Amara", "Up every year"),
    ]


def test_ruby_reads_its_base_text_once():
    ruby = ('<w:r><w:ruby><w:rubyPr/><w:rt><w:r><w:t>とうきょう</w:t></w:r></w:rt>'
            '<w:rubyBase><w:r><w:t>東京</w:t></w:r></w:rubyBase></w:ruby></w:r>')
    data = _word_file(
        f"<w:p>{_label('聞き手')}{_run('どこで生まれましたか。')}</w:p>",
        f"<w:p>{_label('話者')}{ruby}{_run('です。')}</w:p>",
        f"<w:p>{_label('聞き手')}{_run('いつですか。')}</w:p>",
        f"<w:p>{_label('話者')}{_run('一九六〇年です。')}</w:p>",
    )
    turns = _turns(data)
    assert turns[1] == ("話者", "東京です")
    assert len(turns) == 4
