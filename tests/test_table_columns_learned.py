"""Speaker tables whose header does not name both columns (a bilingual transcript headed by languages, 'Persona'
for the speaker): the speaker column learned from its cells (a few short names that recur and take turns), the text
column the first other worded one, the others kept as notes. Surveys (each respondent once) stay surveys. Expected
turns are written by hand from the tables each test writes."""
from __future__ import annotations

import pytest

from study.transcripts import read_transcript, table_kind

BILINGUAL = ("Hablante,Quechua,Castellano\nEntrevistadora,Imaynallan kachkanki?,¿Cómo estás?\n"
             "Doña Rosa,Allillanmi kachkani.,Estoy bien.\nEntrevistadora,Maymanta kanki?,¿De dónde eres?\n"
             "Doña Rosa,Ayacuchomanta kani.,Soy de Ayacucho.\n")
UNNAMED = ("Persona\tOriginal\tTradução\tMinuto\nMod\tHow long have you lived here?\tHá quanto tempo mora aqui?\t0:01\n"
           "Kofi\tTen years, maybe more.\tDez anos, talvez mais.\t0:04\nMod\tAnd before that?\tE antes disso?\t0:09\n"
           "Kofi\tIn Kumasi, with my uncle.\tEm Kumasi, com meu tio.\t0:12\n")
SURVEY = ("name,comment\nAna,The bus is late.\nBo,More benches please.\nCy,Fine.\nDee,Cleaner toilets.\n"
          "Eli,Longer hours.\n")


def _write(tmp_path, name: str, text: str):
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


@pytest.mark.parametrize("name, text, said, noted", [
    ("bilingue.csv", BILINGUAL, [("Entrevistadora", "Imaynallan kachkanki?"), ("Doña Rosa", "Allillanmi kachkani."),
                                 ("Entrevistadora", "Maymanta kanki?"), ("Doña Rosa", "Ayacuchomanta kani.")],
     "Castellano: ¿Cómo estás?"),
    ("unnamed.tsv", UNNAMED, [("Mod", "How long have you lived here?"), ("Kofi", "Ten years, maybe more."),
                              ("Mod", "And before that?"), ("Kofi", "In Kumasi, with my uncle.")],
     "Tradução: Há quanto tempo mora aqui?"),
])
def test_speakers_taking_turns_name_the_speaker_column_and_the_first_worded_one_is_speech(tmp_path, name, text, said,
                                                                                           noted):
    path = _write(tmp_path, name, text)
    parsed = read_transcript(path)
    assert [(t.speaker, parsed.turn_text(t)) for t in parsed.turns] == said
    assert noted in parsed.text  # the translation: a note below its turn, not lost and not speech
    assert table_kind(path) == "transcript"
    if name == "unnamed.tsv":  # 'Minuto' names no time a reader knows: its cells are clock times
        assert [t.timestamp for t in parsed.turns] == ["0:01", "0:04", "0:09", "0:12"]


def test_a_survey_whose_respondents_answer_once_stays_a_survey(tmp_path):
    assert table_kind(_write(tmp_path, "answers.csv", SURVEY)) == "survey"
