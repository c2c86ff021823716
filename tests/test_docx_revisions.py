"""Word transcripts as they finally read: tracked changes, content controls, smart tags, fields and
ruby, whose words python-docx's own paragraph text leaves out (synthetic files in the shapes of
transcripts edited in Word with Track Changes on, or typed into a form template)."""
from __future__ import annotations

import io
import re
import zipfile

import docx
import pytest
from docx.oxml import parse_xml
from docx.oxml.ns import nsdecls

from study.transcripts import read_transcript_data
from study.transcripts.accounting import word_account
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


_RELATIONSHIPS = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"


def _with_notes(data: bytes, kind: str, notes: dict[str, str]) -> bytes:
    """The .docx with a footnotes (or endnotes) part holding ``notes`` (id -> text), as Word writes it: the part,
    its relationship from the document and its content type."""
    part = (f'<w:{kind}s {W}><w:{kind} w:type="separator" w:id="-1"><w:p><w:r><w:separator/></w:r></w:p></w:{kind}>'
            + "".join(f'<w:{kind} w:id="{key}"><w:p>{_run(text)}</w:p></w:{kind}>' for key, text in notes.items())
            + f"</w:{kind}s>")
    source, out = zipfile.ZipFile(io.BytesIO(data)), io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        for item in source.infolist():
            content = source.read(item)
            if item.filename == "word/_rels/document.xml.rels":
                content = content.replace(b"</Relationships>", (
                    f'<Relationship Id="rIdNotes" Type="{_RELATIONSHIPS}/{kind}s" Target="{kind}s.xml"/>'
                    "</Relationships>").encode())
            elif item.filename == "[Content_Types].xml":
                content = content.replace(b"</Types>", (
                    f'<Override PartName="/word/{kind}s.xml" ContentType="application/'
                    f'vnd.openxmlformats-officedocument.wordprocessingml.{kind}s+xml"/></Types>').encode())
            archive.writestr(item, content)
        archive.writestr(f"word/{kind}s.xml", part)
    return out.getvalue()


@pytest.mark.parametrize("kind", ["footnote", "endnote"])
def test_word_notes_are_kept_as_notes_not_speech(kind):
    """A transcriber's footnote explains a name; its words are nobody's speech and are not lost."""
    reference = f'<w:r><w:rPr><w:vertAlign w:val="superscript"/></w:rPr><w:{kind}Reference w:id="1"/></w:r>'
    data = _with_notes(_word_file(
        f"<w:p>{_label('Interviewer')}{_run('Who taught you the trade?')}</w:p>",
        f"<w:p>{_label('Amara')}{_run('Old Kofi at the market.')}{reference}{_run(' He had the stall by the gate.')}</w:p>",
        f"<w:p>{_label('Interviewer')}{_run('For how long?')}</w:p>",
        f"<w:p>{_label('Amara')}{_run('Three years.')}</w:p>",
    ), kind, {"1": "Kofi Mensah, a cloth trader, died in 2009."})
    parsed = read_transcript_data(data, "interview.docx")
    assert [(turn.speaker, " ".join(re.findall(r"\w+", parsed.turn_text(turn)))) for turn in parsed.turns][1] == \
        ("Amara", "Old Kofi at the market He had the stall by the gate")
    assert parsed.set_aside == ((parsed.text.index("Interviewer: For how long"), "Kofi Mensah, a cloth trader, died in 2009."),)
    assert word_account(parsed).notes == 8  # Kofi Mensah a cloth trader died in 2009


def test_a_text_box_is_kept_once_as_notes_not_speech():
    """Word writes a text box twice (DrawingML, and VML for older readers): its words are notes, counted once."""
    paragraph = f"<w:p>{_run('Note: the recorder was paused here for ten minutes.')}</w:p>"
    box = ('<w:r><mc:AlternateContent xmlns:mc="http://schemas.openxmlformats.org/markup-compatibility/2006">'
           f'<mc:Choice Requires="wps"><w:drawing><w:txbxContent>{paragraph}</w:txbxContent></w:drawing></mc:Choice>'
           f'<mc:Fallback><w:pict><w:txbxContent>{paragraph}</w:txbxContent></w:pict></mc:Fallback>'
           '</mc:AlternateContent></w:r>')
    data = _word_file(
        f"<w:p>{_label('Interviewer')}{_run('What happened next?')}</w:p>",
        f"<w:p>{_label('Amara')}{_run('We waited.')}{box}{_run(' Then the lorry came.')}</w:p>",
        f"<w:p>{_label('Interviewer')}{_run('Who drove it?')}</w:p>",
        f"<w:p>{_label('Amara')}{_run('My cousin.')}</w:p>",
    )
    parsed = read_transcript_data(data, "interview.docx")
    assert " ".join(re.findall(r"\w+", parsed.turn_text(parsed.turns[1]))) == "We waited Then the lorry came"
    assert [text for _, text in parsed.set_aside] == ["Note: the recorder was paused here for ten minutes."]
    assert word_account(parsed).notes == 9  # Note the recorder was paused here for ten minutes
