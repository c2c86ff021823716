"""Speaker labels and questions in writing systems whose vowels and tones are combining marks
(Python's ``\\w`` leaves the marks out), and questions asked with other marks than '?'."""
from __future__ import annotations

import pytest

from study.roles import assign_roles, main_interviewer
from study.transcripts import NAMED_LAYOUTS, read_transcript
from study.transcripts.accounting import word_count
from study.transcripts.questions import asks

# (interviewer label, participant label, a question, an answer): labels whose letters carry marks
LABELS = {
    "hindi": ("साक्षात्कारकर्ता", "प्रतिभागी", "आप यहाँ कब से हैं?", "बीस साल से।"),
    "bengali": ("গবেষক", "উত্তরদাতা", "আপনি কত বছর ধরে এই কাজ করছেন?", "প্রায় দশ বছর।"),
    "tamil": ("நேர்காணல் செய்பவர்", "பங்கேற்பாளர்", "நீங்கள் எப்போது வந்தீர்கள்?", "பத்து வருடங்களுக்கு முன்பு."),
    "thai": ("ผู้สัมภาษณ์", "ผู้ให้สัมภาษณ์", "งานที่ยากที่สุดคืออะไรคะ", "ตอนฝนตกหนักค่ะ"),
    "vietnamese, accents typed apart": ("Người phỏng vấn", "Người được phỏng vấn", "Chị bán hàng bao lâu rồi?",
                                        "Khoảng mười lăm năm."),
}


@pytest.mark.parametrize("without", [(), tuple(NAMED_LAYOUTS)], ids=["as shipped", "general reader alone"])
@pytest.mark.parametrize("language", LABELS)
def test_labels_written_with_combining_marks_are_speakers(tmp_path, language, without):
    asker, answerer, question, answer = LABELS[language]
    if language.startswith("vietnamese"):
        import unicodedata
        asker, answerer = unicodedata.normalize("NFD", asker), unicodedata.normalize("NFD", answerer)
    path = tmp_path / "t.txt"
    path.write_text(f"{asker}: {question}\n{answerer}: {answer}\n{asker}: {question}\n{answerer}: {answer}\n",
                    encoding="utf-8")
    parsed = read_transcript(path, without=without)
    assert [(t.speaker, parsed.turn_text(t)) for t in parsed.turns] == [
        (asker, question), (answerer, answer), (asker, question), (answerer, answer)]
    assert main_interviewer(assign_roles(parsed)) == asker


@pytest.mark.parametrize("without", [(), tuple(NAMED_LAYOUTS)], ids=["as shipped", "general reader alone"])
def test_a_label_with_a_zero_width_non_joiner_inside_is_one_speaker(tmp_path, without):
    # Persian types a zero-width non-joiner inside a word ("مصاحبه‌گر", interviewer): the label went on
    # past it before, so the interviewer's first turn was nobody's and the others fell to the narrator
    asker = "مصاحبه\u200cگر"
    path = tmp_path / "t.txt"
    path.write_text(f"{asker} (۰۰:۰۲): از محله بگویید.\n\nپروین (۰۰:۰۴): نزدیک بازار بودیم.\n\n"
                    f"{asker} (۰۰:۰۷): مدرسه کجا بود؟\n\nپروین (۰۰:۰۸): دو کوچه آن‌طرف‌تر.\n", encoding="utf-8")
    parsed = read_transcript(path, without=without)
    assert [(t.speaker, parsed.turn_text(t), t.timestamp) for t in parsed.turns] == [
        (asker, "از محله بگویید.", "۰۰:۰۲"), ("پروین", "نزدیک بازار بودیم.", "۰۰:۰۴"),
        (asker, "مدرسه کجا بود؟", "۰۰:۰۷"), ("پروین", "دو کوچه آن‌طرف‌تر.", "۰۰:۰۸")]


@pytest.mark.parametrize("without", [(), tuple(NAMED_LAYOUTS)], ids=["as shipped", "general reader alone"])
@pytest.mark.parametrize("label, time", [("主持人（{t}）：", "00:00:05"), ("【佐藤】（{t}）", "００：１２"),
                                         ("[{t}] المقدمة:", "٠٠:٠٠:١٥")],
                         ids=["full-width parentheses", "full-width digits and colon", "arabic-indic digits"])
def test_times_in_full_width_forms_or_other_digits_are_the_turns_time_not_speech(tmp_path, without, label, time):
    other = label.replace("主持人", "王老师").replace("佐藤", "中村").replace("المقدمة", "سلمى")
    path = tmp_path / "t.txt"
    path.write_text("\n".join([label.format(t=time) + "一二三？", other.format(t=time) + "四五六。",
                               label.format(t=time) + "七八九？", other.format(t=time) + "十。"]) + "\n", encoding="utf-8")
    parsed = read_transcript(path, without=without)
    assert [parsed.turn_text(t) for t in parsed.turns] == ["一二三？", "四五六。", "七八九？", "十。"]
    assert {t.timestamp for t in parsed.turns} == {time}
    assert len({t.speaker for t in parsed.turns}) == 2


@pytest.mark.parametrize("mark", ["\u200f", "\u200e", "\u061c"], ids=["right-to-left", "left-to-right", "arabic letter"])
def test_labels_behind_direction_marks_are_speakers(tmp_path, mark):
    # a right-to-left writer's editor opens every line with a direction mark: it holds no text
    path = tmp_path / "t.txt"
    path.write_text(f"{mark}מראיינת: מתי הגעת?\n{mark}רחל: בשנת 1956.\n{mark}מראיינת: ומה עשית?\n{mark}רחל: עבדתי בלול.\n",
                    encoding="utf-8")
    parsed = read_transcript(path)
    assert [(t.speaker, parsed.turn_text(t)) for t in parsed.turns] == [
        ("מראיינת", "מתי הגעת?"), ("רחל", "בשנת 1956."), ("מראיינת", "ומה עשית?"), ("רחל", "עבדתי בלול.")]
    assert parsed.warnings == ()  # a mark on every line is no hidden control to warn of


def test_a_word_with_vowel_signs_counts_once():
    assert word_count("साक्षात्कारकर्ता प्रतिभागी") == 2  # were 10 pieces, cut at each vowel sign


@pytest.mark.parametrize("text, asking", [
    ("Πόσα χρόνια δουλεύετε στο λιμάνι;", True),  # Greek's question mark is ';'
    ("Είκοσι δύο χρόνια.", False),
    ("I went home; then I slept.", False),
    ("ชอบไหมครับ", True),  # Thai asks with a particle: ไหม, then the polite ending
    ("ไม่มีอะไรค่ะ", False),  # "nothing", with the telling ending
    ("Դուք ե՞րբ եք եկել", True),  # Armenian marks the asking word
])
def test_questions_asked_with_other_marks(text, asking):
    assert asks(text) is asking


def test_speakers_changed_by_caption_prompts_with_no_names(tmp_path):
    path = tmp_path / "radio.txt"
    path.write_text(">> How long have you fished here?\n>> Since I was a boy.\n>> What do you catch?\n"
                    ">> Mackerel in summer.\n", encoding="utf-8")
    parsed = read_transcript(path)
    assert [parsed.turn_text(t) for t in parsed.turns] == [
        "How long have you fished here?", "Since I was a boy.", "What do you catch?", "Mackerel in summer."]
    assert len({t.speaker for t in parsed.turns}) == 2 and parsed.turns[0].speaker == parsed.turns[2].speaker
    assert main_interviewer(assign_roles(parsed)) == parsed.turns[0].speaker
