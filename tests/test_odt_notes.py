"""An OpenDocument transcript's footnotes, endnotes and comments are nobody's speech but are kept: set aside
as notes at the end of the paragraph that anchors them, counted in the word account and named in a warning
(before, the reader left them out with no word)."""
from __future__ import annotations

import io
import zipfile

from study.transcripts import read_transcript
from study.transcripts.accounting import word_account

NS = ('xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0" '
      'xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0" '
      'xmlns:table="urn:oasis:names:tc:opendocument:xmlns:table:1.0" xmlns:dc="http://purl.org/dc/elements/1.1/"')
FOOTNOTE = ('<text:note text:id="ftn1" text:note-class="footnote"><text:note-citation>1</text:note-citation>'
            '<text:note-body><text:p>The co-operative was dissolved in 1998.</text:p></text:note-body></text:note>')
COMMENT = ('<office:annotation><dc:creator>R. Osei</dc:creator><dc:date>2024-03-02T10:00:00</dc:date>'
           '<text:p>Check the spelling of the village.</text:p></office:annotation>')
BODY = (f"<text:p>Interviewer: When did the co-operative close?</text:p>"
        f"<text:p>Participant: It closed after the flood{FOOTNOTE}, and we sold the boats.</text:p>"
        f"<text:p>Interviewer: Where did you go then?</text:p>"
        f"<text:p>Participant: To Ada{COMMENT}, my mother's village.</text:p>"
        f"<table:table><table:table-row><table:table-cell><text:p>Interviewer:</text:p></table:table-cell>"
        f"<table:table-cell><text:p>Thank you.</text:p></table:table-cell></table:table-row></table:table>")


def _odt(body: str) -> bytes:
    content = (f'<?xml version="1.0" encoding="UTF-8"?><office:document-content {NS}>'
               f"<office:body><office:text>{body}</office:text></office:body></office:document-content>")
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("mimetype", "application/vnd.oasis.opendocument.text")
        archive.writestr("content.xml", content)
    return buffer.getvalue()


def test_footnotes_and_comments_are_kept_as_notes_beside_the_turn_not_in_its_speech(tmp_path):
    path = tmp_path / "t.odt"
    path.write_bytes(_odt(BODY))
    parsed = read_transcript(path)
    said = [(t.speaker, " ".join(parsed.turn_text(t).split())) for t in parsed.turns]
    assert said[:4] == [("Interviewer", "When did the co-operative close?"),
                        ("Participant", "It closed after the flood, and we sold the boats."),
                        ("Interviewer", "Where did you go then?"),
                        ("Participant", "To Ada, my mother's village.")]
    assert [text for _, text in parsed.set_aside] == ["The co-operative was dissolved in 1998.",
                                                      "Check the spelling of the village."]
    flood_line_end = parsed.text.index("the boats.") + len("the boats.")
    assert parsed.set_aside[0][0] == flood_line_end  # placed at the end of the paragraph that anchors it
    assert any("2 footnote(s), endnote(s) or comment(s) kept as notes" in w for w in parsed.warnings)
    account = word_account(parsed)
    assert "The co-operative was dissolved in 1998." in account.notes_text
    assert "R. Osei" not in parsed.text and "Osei" not in " ".join(account.notes_text)  # a comment's author is no note


def test_a_document_without_notes_reads_as_before_with_no_warning(tmp_path):
    path = tmp_path / "t.odt"
    path.write_bytes(_odt(BODY.replace(FOOTNOTE, "").replace(COMMENT, "")))
    parsed = read_transcript(path)
    assert parsed.set_aside == () and not any("kept as notes" in w for w in parsed.warnings)
