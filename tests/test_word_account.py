"""Not one word lost: every word of a transcript is in a turn, a label, the header or the notes
(study.transcripts.accounting), over every fixture and over generated documents; the dry run shows
the counts and the text that is nobody's speech.
"""
from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from study.cli import cli
from study.errors import TranscriptFormatError
from study.roles import assign_roles
from study.transcripts import read_transcript, read_transcript_data, word_account
from study.transcripts.accounting import word_count

FIXTURES = Path(__file__).parent / "fixtures"
TEXT_FILES = sorted(p for folder in ("heldout", "layouts", "conventions") for p in (FIXTURES / folder).iterdir()
                    if p.suffix in (".txt", ".md") and p.name != "README.md")
ALL_FILES = sorted(p for folder in ("heldout", "layouts", "conventions") for p in (FIXTURES / folder).iterdir()
                   if p.suffix in (".txt", ".md", ".docx", ".vtt", ".srt", ".sbv", ".ttml", ".csv", ".tsv", ".xlsx", ".odt", ".rtf")
                   and p.name != "README.md")


def test_a_reading_accounts_for_its_words_by_hand(tmp_path):
    path = tmp_path / "t.txt"
    path.write_text("Date: 2024-05-03\nPlace: Lyon\n\nField visit, second day\n\n"
                    "Interviewer: Why bees?\nAna: My father kept them.\nInterviewer: And now?\nAna: Six hives.\n",
                    encoding="utf-8")
    account = word_account(read_transcript(path))
    # header: Date 2024 05 03 Place Lyon = 6; notes: Field visit second day = 4;
    # labels: Interviewer Ana Interviewer Ana = 4; speech: Why bees / My father kept them / And now / Six hives = 10
    assert (account.header, account.notes, account.labels, account.speech) == (6, 4, 4, 10)
    assert account.notes_text == ("Field visit, second day",)


@pytest.mark.parametrize("path", TEXT_FILES, ids=lambda p: f"{p.parent.name}/{p.name}")
def test_every_word_of_a_text_fixture_is_accounted_for(path):
    account = word_account(read_transcript(path))
    assert account.total == word_count(path.read_text(encoding=_encoding(path)))


def _encoding(path: Path) -> str:
    """A held-out fixture in a legacy encoding (cp1251) names it in its truth; the others are UTF-8."""
    truth = path.with_name(f"{path.stem}.truth.json")
    return json.loads(truth.read_text(encoding="utf-8")).get("encoding", "utf-8-sig") if truth.exists() else "utf-8-sig"


@pytest.mark.parametrize("path", ALL_FILES, ids=lambda p: f"{p.parent.name}/{p.name}")
def test_the_account_splits_every_reading_without_remainder(path):
    parsed = read_transcript(path)
    account = word_account(parsed)
    assert account.total == word_count(parsed.header) + word_count(parsed.text) + len(parsed.margin)
    assert account.speech == sum(word_count(parsed.turn_text(turn)) for turn in parsed.turns)
    assert account.notes == sum(word_count(part) for part in account.notes_text)


_WORDS = st.lists(st.sampled_from(["bees", "Hive", "ça", "número", "2019", "mel?", "yes.", "蜂蜜", "-", "(laughs)",
                                   "http://x.org", "Pergunta-me", "a:b", "12:30", "Q.", "→", "**"]),
                  min_size=1, max_size=6).map(" ".join)
_NAMES = st.sampled_from(["Interviewer", "Ana", "P1", "Speaker 2", "Q", "Pergunta", "JANE ROE", "Dr. Ruiz", "佐藤"])
_TIMES = st.sampled_from(["0:42", "00:01:02", "1:15"])


@st.composite
def _line(draw) -> str:
    name, words, time = draw(_NAMES), draw(_WORDS), draw(_TIMES)
    return draw(st.sampled_from([
        f"{name}: {words}", f"[{name}] {words}", f"**{name}:** {words}", f"({time}) **{name}:** {words}",
        name, f"{name}  {time}", f"[{name}]", f"### {name}", f"<{name}> {words}", f"— {words}", f"- {words}",
        f"## {words}?", f"1. {words}?", f"({time})", words, "", f"Date: {words}", "Notes", f"{time} {name}: {words}",
    ]))


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(_line(), min_size=1, max_size=14))
def test_no_word_of_a_generated_document_is_lost(lines):
    text = "\n".join(lines)
    if not text.strip():
        return
    try:
        parsed = read_transcript_data(text.encode("utf-8"), "generated.txt")
    except TranscriptFormatError as exc:  # refused with a message: nothing stored, nothing silently lost
        assert "contains no transcript text" in str(exc)
        return
    assert word_account(parsed).total == word_count(text)
    for turn in parsed.turns:  # a label ends at a word's end: "Pergunta-me" is no label "Pergunta"
        before, first = parsed.text[turn.start - 1:turn.start], parsed.text[turn.start]
        assert not (before.isalnum() and first.isalnum())


def test_the_dry_run_shows_where_the_words_went_and_what_is_not_speech(tmp_path):
    source = FIXTURES / "conventions" / "square-watermark.txt"
    result = CliRunner().invoke(cli, ["--db", str(tmp_path / "study.db"), "import", "--dry-run", str(source)])
    assert result.exit_code == 0, result.output
    account = word_account(read_transcript(source))
    assert f"words: {account.speech} words in turns, {account.labels} in labels, 0 in the header, " \
           f"{account.notes} in notes" in result.output
    assert result.output.count("not speech: Transcribed with NoteTaker Basic - upgrade for unlimited minutes") == 2
    assert not (tmp_path / "study.db").exists()


def test_the_speakers_words_add_up_to_the_words_in_turns(tmp_path):
    """One count of words: the preview's per-speaker words and its "N words in turns" agree
    (a hyphenated or elided word is two words in both; each Chinese character one)."""
    path = tmp_path / "t.txt"
    path.write_text("Interviewer: Which pre-trained model?\nAna: We didn't pick one.\n"
                    "Interviewer: 为什么？\nAna: 太贵了。\n", encoding="utf-8")
    parsed = read_transcript(path)
    roles = {r.name: r.words for r in assign_roles(parsed)}
    # Interviewer: Which pre trained model / 为 什 么 = 4 + 3; Ana: We didn t pick one / 太 贵 了 = 5 + 3
    assert roles == {"Interviewer": 7, "Ana": 8}
    assert sum(roles.values()) == word_account(parsed).speech
