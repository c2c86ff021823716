"""TEI transcriptions of speech (an oral-history archive's, a spoken corpus's ISO/TEI export, a parliamentary corpus's)
read as turns: the speaker a person list names, the body's order, coded sounds kept as asides, notes and the header
kept. Expected turns are written by hand from the files each test writes."""
from __future__ import annotations

import pytest

from study.errors import StudyError
from study.transcripts import read_transcript
from study.transcripts.accounting import word_account, word_count

ORAL_HISTORY = """<?xml version="1.0" encoding="UTF-8"?>
<TEI xmlns="http://www.tei-c.org/ns/1.0" xmlns:smil="http://www.w3.org/2001/SMIL20/Language">
  <teiHeader><fileDesc><titleStmt><title>Interview with Mary Keane</title></titleStmt>
    <sourceDesc><recordingStmt><recording type="audio"><p>Recorded in <name>Galway</name>, 14 May 2009</p></recording>
    </recordingStmt></sourceDesc></fileDesc></teiHeader>
  <text><body>
    <listPerson>
      <person xml:id="q"><persName>Interviewer</persName></person>
      <person xml:id="a"><persName>Keane, Mary</persName></person>
    </listPerson>
    <div type="tape">
      <incident><desc>Tape 1, side A</desc></incident>
      <u who="#q"><seg smil:begin="00:00:04.2" smil:end="00:00:09.0">Where did you grow up?</seg></u>
      <u who="#a"><seg smil:begin="00:00:09.5">On a farm near Oughterard. <vocal><desc>laughs</desc></vocal> Seven of us.</seg>
        <seg>We walked to school.</seg></u>
      <note>Dog barks in the background.</note>
      <u who="#q"><seg smil:begin="00:00:31.0">And your father?</seg></u>
      <u who="#a"><seg smil:begin="00:00:33.8">He fished <pause/> in the summer.</seg></u>
    </div>
  </body></text>
</TEI>
"""

ISO_TEI = """<?xml version="1.0" encoding="UTF-8"?>
<TEI xmlns="http://www.tei-c.org/ns/1.0">
  <teiHeader><profileDesc><particDesc>
    <person xml:id="SPK0" n="INT"><persName><abbr>INT</abbr></persName></person>
    <person xml:id="SPK1" n="WV"><persName><abbr>WV</abbr></persName></person>
  </particDesc></profileDesc></teiHeader>
  <text>
    <timeline unit="s"><when xml:id="T0"/><when xml:id="T1" interval="1.5" since="#T0"/>
      <when xml:id="T2" interval="4.0" since="#T0"/><when xml:id="T3" interval="9.25" since="#T0"/></timeline>
    <body>
      <annotationBlock who="#SPK0" start="#T1" end="#T2">
        <u><seg type="utterance"><w>waar</w><w>werkte</w><w>u</w><pc>?</pc></seg></u>
      </annotationBlock>
      <annotationBlock who="#SPK1" start="#T2" end="#T3">
        <u><seg type="utterance"><w>in</w><w>de</w><w>haven</w><pc>,</pc><w>veertig</w><w>jaar</w><pc>.</pc></seg></u>
        <spanGrp type="en"><span from="#T2" to="#T3">in the harbour, forty years.</span></spanGrp>
      </annotationBlock>
      <annotationBlock who="#SPK0" start="#T3">
        <u><seg type="utterance"><w>dank</w><w>u</w><pc>.</pc></seg></u>
      </annotationBlock>
    </body>
  </text>
</TEI>
"""

PARLIAMENT = """<?xml version="1.0" encoding="UTF-8"?>
<TEI xmlns="http://www.tei-c.org/ns/1.0" xml:lang="en">
  <teiHeader><fileDesc><titleStmt><title>Committee on Housing, sitting of 3 March</title></titleStmt></fileDesc></teiHeader>
  <text><body><div type="debateSection">
    <head>Rent controls</head>
    <u who="#ChairMorgan" ana="#chair"><seg>The committee will come to order.</seg></u>
    <u who="#DaviesRhian" ana="#regular"><seg>Thank you, Chair.</seg><seg>Rents rose nine per cent last year.</seg></u>
    <note type="applause">(Applause)</note>
    <u who="#ChairMorgan" ana="#chair"><seg>Order, please.</seg></u>
  </div></body></text>
</TEI>
"""


def _read(tmp_path, content: str):
    path = tmp_path / "t.xml"
    path.write_text(content, encoding="utf-8")
    return read_transcript(path)


def _turns(parsed) -> list[tuple[str, str]]:
    return [(t.speaker, parsed.turn_text(t)) for t in parsed.turns]


def test_an_oral_history_s_utterances_are_its_turns_by_the_people_listed(tmp_path):
    parsed = _read(tmp_path, ORAL_HISTORY)
    assert _turns(parsed) == [("Interviewer", "Where did you grow up?"),
                              ("Keane, Mary", "On a farm near Oughterard. [laughs] Seven of us. We walked to school."),
                              ("Interviewer", "And your father?"), ("Keane, Mary", "He fished in the summer.")]
    assert [t.timestamp for t in parsed.turns] == ["0:00:04", "0:00:09", "0:00:31", "0:00:33"]
    assert parsed.header == "Interview with Mary Keane\nRecorded in Galway, 14 May 2009"
    assert "Tape 1, side A" in parsed.text and "Dog barks in the background." in parsed.text  # notes, not speech
    assert word_account(parsed).speech == word_count("Where did you grow up? On a farm near Oughterard. laughs Seven of "
                                                     "us. We walked to school. And your father? He fished in the summer.")


def test_an_iso_tei_export_s_blocks_give_speaker_and_time_and_its_tokens_make_words(tmp_path):
    parsed = _read(tmp_path, ISO_TEI)
    assert _turns(parsed) == [("INT", "waar werkte u?"), ("WV", "in de haven, veertig jaar."), ("INT", "dank u.")]
    assert [t.timestamp for t in parsed.turns] == ["0:00:01", "0:00:04", "0:00:09"]
    assert parsed.text.rstrip().endswith("in the harbour, forty years.")  # the translation: a note


def test_a_parliamentary_record_names_speakers_by_their_ids_and_keeps_notes_apart(tmp_path):
    parsed = _read(tmp_path, PARLIAMENT)
    assert _turns(parsed) == [("ChairMorgan", "The committee will come to order."),
                              ("DaviesRhian", "Thank you, Chair. Rents rose nine per cent last year."),
                              ("ChairMorgan", "Order, please.")]
    assert "(Applause)" in parsed.text and "Rent controls" in parsed.text


@pytest.mark.parametrize("content, problem", [
    ('<TEI xmlns="http://www.tei-c.org/ns/1.0"><teiHeader/></TEI>', "without a text body"),
    ('<TEI xmlns="http://www.tei-c.org/ns/1.0"><text><body><p>Minutes only.</p></body></text></TEI>', "without utterances"),
])
def test_a_tei_file_without_speech_is_refused_with_what_it_lacks(tmp_path, content, problem):
    with pytest.raises(StudyError, match=problem):
        _read(tmp_path, content)
