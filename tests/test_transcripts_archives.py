"""Archive and subtitle-editor file types: ELAN (.eaf), SubStation (.ass/.ssa), CHAT (.cha) and XML
(an oral-history synchronizer record, or timed text and ELAN saved as .xml)."""
from __future__ import annotations

import pytest

from study.errors import TranscriptFormatError
from study.transcripts import read_transcript, word_account
from tests.factories import assert_exact_offsets


def turns_of(parsed):
    return [(turn.speaker, parsed.turn_text(turn)) for turn in parsed.turns]


def _eaf(tiers: str, slots: list[int]) -> str:
    order = "".join(f'<TIME_SLOT TIME_SLOT_ID="ts{i}" TIME_VALUE="{ms}"/>' for i, ms in enumerate(slots, 1))
    return (f'<?xml version="1.0" encoding="UTF-8"?><ANNOTATION_DOCUMENT FORMAT="3.0" VERSION="3.0">'
            f'<HEADER TIME_UNITS="milliseconds"/><TIME_ORDER>{order}</TIME_ORDER>{tiers}</ANNOTATION_DOCUMENT>')


def _aligned(ident: str, one: int, two: int, text: str) -> str:
    return (f'<ANNOTATION><ALIGNABLE_ANNOTATION ANNOTATION_ID="{ident}" TIME_SLOT_REF1="ts{one}" '
            f'TIME_SLOT_REF2="ts{two}"><ANNOTATION_VALUE>{text}</ANNOTATION_VALUE></ALIGNABLE_ANNOTATION></ANNOTATION>')


ELAN_TIERS = (
    '<TIER TIER_ID="Ana" PARTICIPANT="Ana Ruiz">' + _aligned("a1", 1, 2, "Where did you grow up?")
    + _aligned("a3", 5, 6, "And school?") + "</TIER>"
    '<TIER TIER_ID="Rui">' + _aligned("a2", 3, 4, "By the river.") + _aligned("a4", 7, 8, "Two hours on foot.") + "</TIER>"
    '<TIER TIER_ID="gloss@Rui" PARENT_REF="Rui"><ANNOTATION><REF_ANNOTATION ANNOTATION_ID="a5" ANNOTATION_REF="a2">'
    "<ANNOTATION_VALUE>junto ao rio</ANNOTATION_VALUE></REF_ANNOTATION></ANNOTATION></TIER>"
)


def test_elan_tiers_are_read_in_time_order_and_a_dependent_tier_is_nobodys(tmp_path):
    # the tiers are written speaker after speaker; the conversation alternates in time
    path = tmp_path / "talk.eaf"
    path.write_text(_eaf(ELAN_TIERS, [100, 900, 1000, 1800, 2000, 2600, 3000, 4000]), encoding="utf-8")
    parsed = read_transcript(path)
    assert turns_of(parsed) == [("Ana", "Where did you grow up?"), ("Rui", "By the river."),
                                ("Ana", "And school?"), ("Rui", "Two hours on foot.")]
    assert [turn.timestamp for turn in parsed.turns] == ["0:00:00", "0:00:01", "0:00:02", "0:00:03"]
    assert "junto ao rio" in word_account(parsed).notes_text  # the translation: kept, not speech
    assert_exact_offsets(parsed)


def test_elan_saved_as_xml_is_read_as_elan(tmp_path):
    path = tmp_path / "talk.xml"
    path.write_text(_eaf(ELAN_TIERS, [100, 900, 1000, 1800, 2000, 2600, 3000, 4000]), encoding="utf-8")
    assert [speaker for speaker, _ in turns_of(read_transcript(path))] == ["Ana", "Rui", "Ana", "Rui"]


def test_an_elan_file_with_no_aligned_text_is_refused(tmp_path):
    path = tmp_path / "empty.eaf"
    path.write_text(_eaf('<TIER TIER_ID="A"/>', []), encoding="utf-8")
    with pytest.raises(TranscriptFormatError, match="no time-aligned annotations"):
        read_transcript(path)


ASS_HEAD = ("[Script Info]\nTitle: Harbour talk\nScriptType: v4.00+\n\n[V4+ Styles]\n"
            "Format: Name, Fontname, Fontsize\nStyle: Default,Arial,54\nStyle: Sign,Georgia,48\n\n[Events]\n"
            "Format: Layer, Start, End, Style, Name, MarginL, MarginR, MarginV, Effect, Text\n")


def test_substation_events_name_their_speakers_and_signs_are_notes(tmp_path):
    path = tmp_path / "talk.ass"
    path.write_text(ASS_HEAD +
                    "Dialogue: 0,0:00:01.00,0:00:03.00,Sign,,0,0,0,,{\\an8}Harbour Museum, 1962\n"
                    "Comment: 0,0:00:01.00,0:00:03.00,Default,,0,0,0,,check the quay's name\n"
                    "Dialogue: 0,0:00:04.00,0:00:06.00,Default,Nadia,0,0,0,,When did you come, then?\n"
                    "Dialogue: 0,0:01:07.50,0:01:09.00,Default,Okafor,0,0,0,,In {\\i1}sixty-one{\\i0},\\Nwith my uncle.\n"
                    "Dialogue: 0,0:01:09.50,0:01:12.00,Default,Okafor,0,0,0,,He sold fish.\n", encoding="utf-8")
    parsed = read_transcript(path)
    # the comma inside the text is the text's: the format counts nine fields before it
    assert turns_of(parsed) == [("Nadia", "When did you come, then?"),
                                ("Okafor", "In sixty-one, with my uncle. He sold fish.")]
    assert parsed.turns[1].timestamp == "0:01:07"
    notes = " ".join(word_account(parsed).notes_text)
    assert "Harbour Museum, 1962" in notes and "check the quay's name" in notes
    assert "Harbour talk" in parsed.header
    assert_exact_offsets(parsed)


def test_substation_events_without_names_are_read_like_captions(tmp_path):
    path = tmp_path / "talk.ssa"
    path.write_text(ASS_HEAD +
                    "Dialogue: 0,0:00:04.00,0:00:06.00,Default,,0,0,0,,MAYA: Shall we start?\n"
                    "Dialogue: 0,0:00:06.00,0:00:08.00,Default,,0,0,0,,LEO: Yes.\n"
                    "Dialogue: 0,0:00:08.00,0:00:09.00,Default,,0,0,0,,Go ahead.\n", encoding="utf-8")
    assert turns_of(read_transcript(path)) == [("MAYA", "Shall we start?"), ("LEO", "Yes. Go ahead.")]


def test_a_file_without_events_is_not_substation(tmp_path):
    path = tmp_path / "styles.ass"
    path.write_text("[Script Info]\nTitle: nothing\n", encoding="utf-8")
    with pytest.raises(TranscriptFormatError, match=r"\[Events\]"):
        read_transcript(path)


def test_chat_tiers_with_media_bullets_and_a_continued_utterance(tmp_path):
    path = tmp_path / "walk.cha"
    path.write_text("@UTF8\n@Begin\n@Participants:\tINV Investigator, PAR Participant\n"
                    "*INV:\twhat happened then ? \x151200_2400\x15\n"
                    "*PAR:\tthe river froze .\n\twe walked across . \x152500_6100\x15\n"
                    "%com:\tlaughs\n"
                    "*INV:\twere you cold ? \x156200_7000\x15\n"
                    "*PAR:\tnot at all . \x157100_8000\x15\n@End\n", encoding="utf-8")
    parsed = read_transcript(path)
    assert turns_of(parsed) == [("INV", "what happened then ?"), ("PAR", "the river froze .\n\twe walked across ."),
                                ("INV", "were you cold ?"), ("PAR", "not at all .")]


OHMS = """<?xml version="1.0" encoding="UTF-8"?>
<ROOT xmlns="https://www.weareavp.com/nunncenter/ohms"><record id="7">
<title>Interview with June Marsh</title><date value="2019-04-11" format="yyyy-mm-dd"/>
<interviewee>June Marsh</interviewee><interviewer>Robert Keane</interviewer>
<index><point><time>0</time><title>The ferry road</title><synopsis>Marsh remembers the ferry.</synopsis></point></index>
{body}<rights>Quote with permission.</rights></record></ROOT>"""


def test_an_oral_history_record_reads_its_transcript_and_keeps_its_index_as_notes(tmp_path):
    path = tmp_path / "marsh.xml"
    path.write_text(OHMS.format(body="<transcript>KEANE: Where did you grow up?\n\nMARSH: On the ferry road,\n"
                                     "by the landing.\n\nKEANE: And school?\n\nMARSH: Up the hill.</transcript>"),
                    encoding="utf-8")
    parsed = read_transcript(path)
    assert turns_of(parsed) == [("KEANE", "Where did you grow up?"), ("MARSH", "On the ferry road,\nby the landing."),
                                ("KEANE", "And school?"), ("MARSH", "Up the hill.")]
    assert parsed.metadata["Interviewee"] == "June Marsh" and parsed.metadata["Date"] == "2019-04-11"
    assert " ".join(word_account(parsed).notes_text) == "The ferry road Marsh remembers the ferry. Quote with permission."
    assert "Interview with June Marsh" in parsed.header
    assert_exact_offsets(parsed)


def test_an_oral_history_record_with_webvtt_reads_its_voices(tmp_path):
    path = tmp_path / "marsh.xml"
    path.write_text(OHMS.format(body="<vtt_transcript><![CDATA[WEBVTT\n\n00:00:01.000 --> 00:00:03.000\n"
                                     "<v KEANE>Where did you grow up?\n\n00:00:03.500 --> 00:00:06.000\n"
                                     "<v MARSH>On the ferry road.\n]]></vtt_transcript>"), encoding="utf-8")
    assert turns_of(read_transcript(path)) == [("KEANE", "Where did you grow up?"), ("MARSH", "On the ferry road.")]


def test_an_xml_file_of_no_known_kind_is_refused_saying_what_is_read(tmp_path):
    path = tmp_path / "feed.xml"
    path.write_text("<rss><channel><title>News</title></channel></rss>", encoding="utf-8")
    with pytest.raises(TranscriptFormatError, match="oral-history synchronizer records"):
        read_transcript(path)


def test_a_webvtt_cue_holding_two_voices_gives_each_its_words(tmp_path):
    path = tmp_path / "panel.vtt"
    path.write_text("WEBVTT\n\n00:00:01.000 --> 00:00:04.000 align:start\n<v.host Ada Brandt>A bed frame?</v>\n"
                    "<v.guest Tomas Ruiz>My sister's.</v>\n\n00:00:04.500 --> 00:00:08.000\n"
                    "<v.guest Tomas Ruiz>She has not forgiven me.</v>\n", encoding="utf-8")
    assert turns_of(read_transcript(path)) == [("Ada Brandt", "A bed frame?"),
                                               ("Tomas Ruiz", "My sister's. She has not forgiven me.")]


def test_an_elan_tier_naming_no_participant_beside_named_ones_is_an_annotators(tmp_path):
    tiers = ELAN_TIERS.replace('<TIER TIER_ID="Rui">', '<TIER TIER_ID="Rui" PARTICIPANT="Rui Sá">') + (
        '<TIER TIER_ID="comments" LINGUISTIC_TYPE_REF="comment">' + _aligned("c1", 3, 4, "rising intonation") + "</TIER>")
    path = tmp_path / "talk.eaf"
    path.write_text(_eaf(tiers, [100, 900, 1000, 1800, 2000, 2600, 3000, 4000]), encoding="utf-8")
    parsed = read_transcript(path)
    assert [speaker for speaker, _ in turns_of(parsed)] == ["Ana", "Rui", "Ana", "Rui"]
    assert "rising intonation" in " ".join(word_account(parsed).notes_text)


def test_a_substation_scripts_comment_lines_are_notes(tmp_path):
    path = tmp_path / "talk.ssa"
    path.write_text("[Script Info]\n; made by the archive group\nTitle: Night Shift\n\n[Events]\n"
                    "Format: Marked, Start, End, Style, Name, MarginL, MarginR, MarginV, Effect, Text\n"
                    "Dialogue: Marked=0,0:00:01.50,0:00:04.00,Default,,0000,0000,0000,,HOST: How many years?\n"
                    "Dialogue: Marked=0,0:00:04.20,0:00:08.00,Default,,0000,0000,0000,,ELLA: Nineteen.\n",
                    encoding="utf-8")
    parsed = read_transcript(path)
    assert turns_of(parsed) == [("HOST", "How many years?"), ("ELLA", "Nineteen.")]
    assert "made by the archive group" in " ".join(word_account(parsed).notes_text)


def test_html_line_breaks_in_a_caption_are_spaces(tmp_path):
    path = tmp_path / "t.vtt"
    path.write_text("WEBVTT\n\n00:00:01.000 --> 00:00:09.000\n<v MARSH>On the ferry road.<br><br>By the landing.\n",
                    encoding="utf-8")
    assert turns_of(read_transcript(path)) == [("MARSH", "On the ferry road. By the landing.")]
