"""Speech-corpus annotation files: Transcriber (.trs), EXMARaLDA (.exb) and Praat (.TextGrid) read as speaker
turns in time order, with what is nobody's speech kept as notes. Expected turns are written by hand from the
files each test writes."""
from __future__ import annotations

import pytest

from study.errors import StudyError
from study.transcripts import read_transcript

TRS = """<?xml version="1.0" encoding="UTF-8"?>
<!DOCTYPE Trans SYSTEM "trans-14.dtd">
<Trans scribe="x" audio_filename="entretien_04" version="2" version_date="210503">
<Speakers>
<Speaker id="spk1" name="Camille" check="no" dialect="native" accent="" scope="local"/>
<Speaker id="spk2" name="Enquêtrice" check="no" dialect="native" accent="" scope="local"/>
</Speakers>
<Topics><Topic id="to1" desc="le quartier"/></Topics>
<Episode><Section type="report" topic="to1" startTime="0" endTime="12">
<Turn speaker="spk2" startTime="0" endTime="4">
<Sync time="0"/>
alors euh
<Event desc="pause" type="noise" extent="instantaneous"/>
 vous habitez ici
<Sync time="2.5"/>
depuis longtemps ?
</Turn>
<Turn speaker="spk1 spk2" startTime="4" endTime="6">
<Sync time="4"/>
<Who nb="1"/>
ouais
<Who nb="2"/>
d'accord
</Turn>
<Turn startTime="6" endTime="7">
<Sync time="6"/>
</Turn>
<Turn speaker="spk1" startTime="7" endTime="12">
<Sync time="7"/>
depuis vingt ans
<Comment desc="bruit de porte"/>
</Turn>
</Section></Episode>
</Trans>
"""

EXB = """<?xml version="1.0" encoding="UTF-8"?>
<basic-transcription>
<head><meta-information><project-name>Dialekte</project-name><transcription-name>Gespräch 3</transcription-name>
<referenced-file url="g3.wav"/><ud-meta-information><ud-information attribute-name="Ort">Altona</ud-information>
</ud-meta-information><comment/><transcription-convention>HIAT</transcription-convention></meta-information>
<speakertable>
<speaker id="SPK0"><abbreviation>INT</abbreviation><sex value="f"/></speaker>
<speaker id="SPK1"><abbreviation>HK</abbreviation><sex value="m"/></speaker>
</speakertable></head>
<basic-body>
<common-timeline><tli id="T0" time="0.0"/><tli id="T1"/><tli id="T2" time="2.0"/><tli id="T3"/><tli id="T4" time="5.0"/></common-timeline>
<tier id="TIE1" speaker="SPK1" category="v" type="t" display-name="HK [v]"><event start="T2" end="T3">In </event><event start="T3" end="T4">Altona. </event></tier>
<tier id="TIE0" speaker="SPK0" category="v" type="t" display-name="INT [v]"><event start="T0" end="T1">Wo sind </event><event start="T1" end="T2">Sie geboren? </event></tier>
<tier id="TIE2" speaker="SPK1" category="en" type="a" display-name="HK [en]"><event start="T2" end="T4">In Altona.</event></tier>
</basic-body>
</basic-transcription>
"""


def _textgrid_long(tiers) -> str:
    lines = ['File type = "ooTextFile"', 'Object class = "TextGrid"', "", "xmin = 0", "xmax = 10", "tiers? <exists>",
             f"size = {len(tiers)}", "item []:"]
    for number, (kind, name, items) in enumerate(tiers, 1):
        lines += [f"    item [{number}]:", f'        class = "{kind}"', f'        name = "{name}"', "        xmin = 0",
                  "        xmax = 10"]
        if kind == "IntervalTier":
            lines.append(f"        intervals: size = {len(items)}")
            for index, (start, end, text) in enumerate(items, 1):
                quoted = text.replace('"', '""')
                lines += [f"        intervals [{index}]:", f"            xmin = {start}", f"            xmax = {end}",
                          f'            text = "{quoted}"']
        else:
            lines.append(f"        points: size = {len(items)}")
            for index, (time, mark) in enumerate(items, 1):
                lines += [f"        points [{index}]:", f"            number = {time}", f'            mark = "{mark}"']
    return "\n".join(lines) + "\n"


def _textgrid_short(tiers) -> str:
    lines = ['File type = "ooTextFile"', 'Object class = "TextGrid"', "", "0", "10", "<exists>", str(len(tiers))]
    for kind, name, items in tiers:
        lines += [f'"{kind}"', f'"{name}"', "0", "10", str(len(items))]
        for item in items:
            lines += [str(value) if not isinstance(value, str) else '"' + value.replace('"', '""') + '"' for value in item]
    return "\n".join(lines) + "\n"


TIERS = [("IntervalTier", "Doctor", [(0, 1.5, ""), (1.5, 4.0, 'Take it "twice" a day, any fever?'), (4.0, 10, "")]),
         ("IntervalTier", "Patient - words", [(0, 4.5, ""), (4.5, 8.0, "No fever."), (8.0, 10, "")]),
         ("IntervalTier", "Patient - phones", [(4.5, 5.0, "N"), (5.0, 8.0, "OW")]),
         ("TextTier", "events", [(8.5, "cough")])]


def _read(tmp_path, name: str, content: str | bytes):
    path = tmp_path / name
    path.write_bytes(content.encode("utf-8") if isinstance(content, str) else content)
    return read_transcript(path)


def _turns(parsed) -> list[tuple[str, str]]:
    return [(t.speaker, parsed.turn_text(t)) for t in parsed.turns]


@pytest.mark.parametrize("name", ["entretien.trs", "entretien.xml"])
def test_transcriber_turns_by_speaker_name_with_events_overlaps_and_comments(tmp_path, name):
    parsed = _read(tmp_path, name, TRS)
    # stretches cut by Sync marks are one turn; a turn of two speakers is cut at its Who marks;
    # the turn of silence has no text; the event stays as an aside, the comment is a note after the turns
    assert _turns(parsed) == [("Enquêtrice", "alors euh [pause] vous habitez ici depuis longtemps ?"),
                              ("Camille", "ouais"), ("Enquêtrice", "d'accord"), ("Camille", "depuis vingt ans")]
    assert [t.timestamp for t in parsed.turns] == ["0:00:00", "0:00:04", "0:00:04", "0:00:07"]
    assert parsed.text.rstrip().endswith("bruit de porte") and parsed.header == "le quartier"


def test_a_doctype_that_declares_entities_is_still_refused(tmp_path):
    bomb = TRS.replace('<!DOCTYPE Trans SYSTEM "trans-14.dtd">', '<!DOCTYPE Trans [<!ENTITY a "aaaa">]>')
    with pytest.raises(StudyError, match="not a Transcriber file"):
        _read(tmp_path, "bomb.trs", bomb)


@pytest.mark.parametrize("name", ["gespraech.exb", "gespraech.xml"])
def test_exmaralda_events_in_the_timelines_order_by_speaker_abbreviation(tmp_path, name):
    parsed = _read(tmp_path, name, EXB)
    # INT's tier comes second in the file but first on the timeline; T1 and T3 have no time
    assert _turns(parsed) == [("INT", "Wo sind Sie geboren?"), ("HK", "In Altona.")]
    assert parsed.header == "Dialekte\nGespräch 3\nOrt: Altona\nHIAT"
    assert parsed.text.rstrip().endswith("In Altona.") and len(parsed.turns) == 2  # the translation: a note


@pytest.mark.parametrize("form, encoding", [(_textgrid_long, "utf-8"), (_textgrid_short, "utf-8"),
                                            (_textgrid_long, "utf-16")])
def test_praat_interval_tiers_are_speakers_and_phones_and_points_are_notes(tmp_path, form, encoding):
    parsed = _read(tmp_path, "consult.TextGrid", form(TIERS).encode(encoding))
    assert _turns(parsed) == [("Doctor", 'Take it "twice" a day, any fever?'), ("Patient", "No fever.")]
    notes = parsed.text[parsed.turns[-1].end:]
    assert "N OW" in notes and "cough" in notes


@pytest.mark.parametrize("name, content, problem", [
    ("empty.trs", '<Trans><Speakers/><Episode><Section><Turn speaker="s"><Sync time="0"/></Turn></Section></Episode></Trans>',
     "has no speech with text"),
    ("other.trs", "<tt/>", "not a Transcriber file"),
    ("other.exb", "<basic-transcriptions/>", "not an EXMARaLDA transcription"),
    ("other.TextGrid", 'File type = "ooTextFile"\nObject class = "Pitch"\n', "not a Praat TextGrid"),
    ("short.TextGrid", 'File type = "ooTextFile"\nObject class = "TextGrid"\n0\n10\n<exists>\n2\n"IntervalTier"\n"A"\n0\n',
     "tiers cannot be read"),
])
def test_a_file_that_is_not_what_its_suffix_says_is_refused_with_what_to_do(tmp_path, name, content, problem):
    with pytest.raises(StudyError, match=problem):
        _read(tmp_path, name, content)
