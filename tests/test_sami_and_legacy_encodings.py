"""SAMI captions (.smi) read as caption turns, its main language track the transcript and the others notes; and
text saved in a legacy encoding of a non-Latin script (Korean cp949, Japanese Shift_JIS, Russian cp1251) read in
that encoding, not as cp1252 mojibake. Expected turns are written by hand from the files each test writes."""
from __future__ import annotations

import pytest

from study.errors import StudyError
from study.transcripts import read_transcript

SAMI = """<SAMI>
<HEAD>
<TITLE>라디오 인터뷰</TITLE>
<STYLE TYPE="text/css"><!--
.KRCC { Name:Korean; lang:ko-KR; SAMIType:CC; }
.ENCC { Name:English; lang:en-US; SAMIType:CC; }
--></STYLE>
</HEAD>
<BODY>
<SYNC Start=1000><P Class=KRCC>진행자: 처음에는 어땠어요?
<SYNC Start=1000><P Class=ENCC>Host: How was it at first?
<SYNC Start=3000><P Class=KRCC>&nbsp;
<SYNC Start=4500><P Class=KRCC>상인: 힘들었죠.<br>손님이 없었어요.
<SYNC Start=8000><P Class=KRCC>진행자: 지금은요?
<SYNC Start=9500><P Class=KRCC>상인: 좋아요.
</BODY>
</SAMI>
"""


def _read(tmp_path, name: str, data: bytes):
    path = tmp_path / name
    path.write_bytes(data)
    return read_transcript(path)


def _turns(parsed) -> list[tuple[str, str]]:
    return [(t.speaker, parsed.turn_text(t)) for t in parsed.turns]


@pytest.mark.parametrize("encoding", ["utf-8", "cp949"])
def test_sami_main_track_as_turns_other_tracks_as_notes(tmp_path, encoding):
    parsed = _read(tmp_path, "radio.smi", SAMI.encode(encoding))
    assert _turns(parsed) == [("진행자", "처음에는 어땠어요?"), ("상인", "힘들었죠. 손님이 없었어요."),
                              ("진행자", "지금은요?"), ("상인", "좋아요.")]
    assert [t.timestamp for t in parsed.turns] == ["0:00:01", "0:00:04", "0:00:08", "0:00:09"]
    assert parsed.header == "라디오 인터뷰" and parsed.text.rstrip().endswith("Host: How was it at first?")


@pytest.mark.parametrize("content, problem", [
    ("<SAMI><BODY><P>no sync here</BODY></SAMI>", "not a SAMI caption file"),
    ("<SAMI><BODY><SYNC Start=0><P Class=KRCC>&nbsp;</BODY></SAMI>", "no captions with text"),
])
def test_a_sami_file_without_captions_is_refused_with_what_to_do(tmp_path, content, problem):
    with pytest.raises(StudyError, match=problem):
        _read(tmp_path, "empty.smi", content.encode())


DIALOGUES = {
    "cp1251": [("Интервьюер", "Когда вы пришли на фабрику?"), ("Соколова", "В шестьдесят восьмом году, мне было семнадцать."),
               ("Интервьюер", "А потом?"), ("Соколова", "Потом стала мастером смены и проработала там тридцать лет.")],
    "shift_jis": [("司会", "本日はお集まりいただきありがとうございます。子育てで困っていることは何ですか？"),
                  ("佐藤", "雨の日に遊ぶ場所がないことです。"), ("司会", "地域の支援はどうですか？"),
                  ("佐藤", "児童館はありますが、いつも混んでいます。")],
    "cp949": [("진행자", "언제 서울에 오셨어요? 처음에는 어땠어요?"), ("김순자", "구십 년에 왔어요. 일 때문에 올라왔죠."),
              ("진행자", "지금은 어떠세요?"), ("김순자", "이제는 여기가 고향 같아요. 친구들도 다 여기 있어요.")],
    "cp1252": [("Enquêtrice", "Vous habitez ici depuis longtemps ? Ça fait combien d'années ?"),
               ("Mme Lefèvre", "Depuis l'été quatre-vingt-dix, à peu près."), ("Enquêtrice", "Et le quartier a changé ?"),
               ("Mme Lefèvre", "Énormément. Les cafés, les boulangeries, tout a fermé.")],
}


@pytest.mark.parametrize("encoding", DIALOGUES)
def test_text_in_a_legacy_encoding_is_read_in_it(tmp_path, encoding):
    said = DIALOGUES[encoding]
    text = "\n".join(f"{name}: {words}" for name, words in said) + "\n"
    assert _turns(_read(tmp_path, "interview.txt", text.encode(encoding))) == said
