"""Text saved in a legacy Latin-script code page (Turkish cp1254; Polish, Czech, Hungarian, Romanian cp1250; Lithuanian
cp1257; Vietnamese cp1258; a classic Macintosh's Mac OS Roman) is read in it, learned from the letters of its words, not as cp1252 ('by³o' for 'było');
text that cp1252 reads into one language's letters (French, German, Icelandic...) stays cp1252. The dialogues are
written by hand; each test saves one in the code page and reads it back."""
from __future__ import annotations

import unicodedata

import pytest

from study.transcripts import read_transcript

DIALOGUES = {
    ("tr", "cp1254"): [("Görüşmeci", "Köyünüzden ne zaman ayrıldınız?"),
                       ("Katılımcı", "Altmış sekizde. Babam İstanbul'a iş bulmaya gitti, çok zordu."),
                       ("Görüşmeci", "Okula gittiniz mi?"), ("Katılımcı", "Evet, ama ağabeyim gibi çalışmak zorunda kaldım.")],
    ("pl", "cp1250"): [("Badacz", "Jak pani wspomina dzieciństwo?"),
                       ("Respondentka", "Było ciężko, ale szczęśliwie. Mieszkaliśmy pod Łodzią."),
                       ("Badacz", "A szkoła?"), ("Respondentka", "Chodziłam pieszo. Zimą było źle, śnieg po kolana.")],
    ("cs", "cp1250"): [("Tazatel", "Kdy jste se přistěhovali do Brna?"),
                       ("Pamětník", "V roce čtyřicet osm. Otec dostal práci v továrně."),
                       ("Tazatel", "A škola?"), ("Pamětník", "Učitelé byli přísní, ale spravedliví.")],
    ("hu", "cp1250"): [("Kérdező", "Mikor költöztek Budapestre?"),
                       ("Interjúalany", "Ötvenhatban. Édesapám a gyárban dolgozott."),
                       ("Kérdező", "És az iskola?"), ("Interjúalany", "Szigorú tanítóink voltak, de szerettük őket. Hűvös volt.")],
    ("ro", "cp1250"): [("Intervievator", "Când v-aţi mutat la Bucureşti?"),
                       ("Intervievat", "În şaizeci şi opt. Tatăl meu a găsit de lucru la fabrică.")],
    ("lt", "cp1257"): [("Klausėja", "Kada atsikraustėte į Vilnių?"),
                       ("Pasakotojas", "Šešiasdešimt aštuntais. Tėvas dirbo gamykloje, o mama siuvo namuose.")],
    ("vi", "cp1258"): [("Phỏng vấn viên", "Bà sinh ra ở đâu?"),
                       ("Bà Lan", "Tôi sinh ở Nam Định. Nhà tôi nghèo lắm, bố đi làm thuê."),
                       ("Phỏng vấn viên", "Bà đi học không?"), ("Bà Lan", "Có, nhưng chỉ học đến lớp ba thôi.")],
    ("fr", "cp1252"): [("Enquêtrice", "Vous êtes arrivée quand à Marseille ?"),
                       ("Témoin", "En soixante-deux. Mon père a trouvé du travail au port, c'était dur.")],
    ("de", "cp1252"): [("Interviewerin", "Wann sind Sie nach München gekommen?"),
                       ("Befragter", "Ich habe in einer Großbäckerei gearbeitet. Über die Jahre wurde es besser.")],
    ("is", "cp1252"): [("Spyrjandi", "Hvar fæddist þú?"),
                       ("Viðmælandi", "Ég fæddist á Ísafirði. Faðir minn var sjómaður.")],
    ("es", "mac_roman"): [("Entrevistadora", "¿Cuándo llegó usted a Madrid?"),
                          ("Entrevistado", "En el sesenta y cinco. Éramos cinco niños. ¡Qué tiempos!")],
    ("de", "mac_roman"): [("Interviewerin", "Wann sind Sie nach München gekommen?"),
                          ("Befragter", "Ich habe in einer Großbäckerei gearbeitet, früh um vier.")],
    ("es", "cp1252"): [("Entrevistadora", "¿Cuándo llegó usted a Madrid? «Madrid», digo."),
                       ("Entrevistado", "En el sesenta y cinco. ¡Qué tiempos!")],
    ("en", "cp1252"): [("Interviewer", "Did the clinic give you 5µg or 10µg? \u201cThe small dose\u201d, they said?"),
                       ("Nurse", "The small one \u2013 we met at the caf\u00e9 after, it cost \u20ac3.")],
}


def cp1258(text: str) -> bytes:
    """``text`` as Vietnamese Windows editors saved it: a tone as a combining mark after its (composed) vowel."""
    out = []
    for ch in unicodedata.normalize("NFC", text):
        try:
            out.append(ch.encode("cp1258"))
        except UnicodeEncodeError:
            parts = unicodedata.normalize("NFD", ch)
            tone = "".join(c for c in parts if c in "\u0300\u0301\u0303\u0309\u0323")
            base = unicodedata.normalize("NFC", "".join(c for c in parts if c not in tone))
            out.append((base + tone).encode("cp1258"))
    return b"".join(out)


def _saved(said: list[tuple[str, str]], encoding: str) -> bytes:
    line_end = "\r" if encoding == "mac_roman" else "\n"  # a classic Mac ends lines with a carriage return
    text = line_end.join(f"{name}: {words}" for name, words in said) + line_end
    return cp1258(text) if encoding == "cp1258" else text.encode(encoding)


@pytest.mark.parametrize("language, encoding", DIALOGUES)
def test_text_in_a_latin_code_page_is_read_in_it(tmp_path, language, encoding):
    said = DIALOGUES[language, encoding]
    path = tmp_path / f"{language}.txt"
    path.write_bytes(_saved(said, encoding))
    parsed = read_transcript(path)
    assert [(t.speaker, parsed.turn_text(t)) for t in parsed.turns] == said


def test_vietnamese_tones_are_composed_as_typed_in_utf8(tmp_path):
    path = tmp_path / "vi.txt"
    path.write_bytes(_saved(DIALOGUES["vi", "cp1258"], "cp1258"))
    assert b"\xcc" in path.read_bytes() or b"\xd2" in path.read_bytes()  # the file holds tones as separate marks
    assert "Phỏng vấn viên" in read_transcript(path).text  # 'ỏ' one character, as a search for it types it


def test_a_cp1252_name_in_a_turkish_text_does_not_hide_the_code_page(tmp_path):
    said = DIALOGUES["tr", "cp1254"] + [("Görüşmeci", "Peki ya François? O da geldi mi?")]
    path = tmp_path / "tr.txt"
    path.write_bytes(_saved(said, "cp1254"))  # 'ç' and 'ö' are in both code pages; 'ı', 'ş', 'ğ' only in cp1254
    assert [t.speaker for t in read_transcript(path).turns][:2] == ["Görüşmeci", "Katılımcı"]
