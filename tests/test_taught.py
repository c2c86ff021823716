"""Turn starts taught by example or pattern (issue 16 point 2): the library, the CLI, the study's saved conventions."""
from __future__ import annotations

import json

import pytest
from click.testing import CliRunner

from study.auth import CLI, Actor
from study.cli import cli
from study.errors import NotAllowed, StudyError
from study.store import AuditEntry, Study
from study.taught_conventions import forget_convention, save_convention, saved_conventions
from study.transcripts import convention_from_example, convention_from_pattern, read_transcript_data
from study.transcripts.taught import reread
from tests.factories import assert_exact_offsets


@pytest.mark.parametrize("example, line, speaker, timestamp, body", [
    ("[Speaker 1] Thanks for joining", "[Interviewer] Hi there", "Interviewer", None, "Hi there"),
    ("[Speaker 1] Thanks for joining", "[Speaker 2]: ok", "Speaker 2", None, "ok"),
    ("00:01:02 [Speaker 1] Thanks", "00:05:09 [Ana Ruiz] Hi", "Ana Ruiz", "00:05:09", "Hi"),
    ("[00:01:02] Speaker 1: Thanks", "[00:01:09] Ana: ok", "Ana", "00:01:09", "ok"),
    ("Speaker 1 (00:01): Thanks", "Dana Roe (01:02:03): ok", "Dana Roe", "01:02:03", "ok"),
    ("**Ana:** Hello", "**Interviewer:** hi", "Interviewer", None, "hi"),
    ("Ana - Hello", "Ben Ross - ok then", "Ben Ross", None, "ok then"),
    ("Ana >> hi", "Ben >> ok", "Ben", None, "ok"),
    (">> Ana: hi", ">> Ben: ok", "Ben", None, "ok"),
    ("JANE ROE Thanks for joining", "INTERVIEWER So tell me", "INTERVIEWER", None, "So tell me"),
    ("JANE ROE Thanks for joining", "DR. O'BRIEN: yes", "DR. O'BRIEN", None, "yes"),
])
def test_an_example_line_teaches_its_shape_for_every_speaker(example, line, speaker, timestamp, body):
    convention = convention_from_example(example)
    found = convention.regex.match(line)
    assert (found["speaker"], found.groupdict().get("timestamp"), line[found.end():]) == (speaker, timestamp, body)


@pytest.mark.parametrize("example, line", [
    ("[Speaker 1] Thanks for joining", "Thanks for that [Kim]"),
    ("JANE ROE Thanks for joining", "Thanks for that"),
    ("Speaker 1 (00:01): Thanks", "It was fine, I think."),
])
def test_a_taught_shape_does_not_take_ordinary_lines(example, line):
    assert convention_from_example(example).regex.match(line) is None


def test_a_word_and_a_number_teach_a_label_with_no_mark():
    convention = convention_from_example("Speaker 1 Thanks for joining")
    assert convention.regex.match("Speaker 2 Sure")["speaker"] == "Speaker 2"
    assert convention.regex.match("Speakers 2 agree") is None


def test_a_named_speaker_teaches_a_label_with_no_mark():
    # "Speaker 1 Thanks": nothing ends the label; naming the speaker says where, and the number becomes any number
    convention = convention_from_example("Speaker 1 Thanks for joining", speaker="Speaker 1")
    assert convention.regex.match("Speaker 12 hello")["speaker"] == "Speaker 12"
    assert convention.regex.match("Speakers are great") is None
    maria = convention_from_example("Maria thanks", speaker="maria")
    assert maria.regex.match("Maria yes")["speaker"] == "Maria" and maria.regex.match("Mariano no") is None


@pytest.mark.parametrize("line", ["Großmutter Anna hello there", "İnterviewer Anna hello there"])
def test_a_named_speaker_after_letters_that_fold_longer_is_found_where_it_stands(line):
    # "ß" casefolds to "ss", "İ" to two characters: the name's place must be counted in the line itself
    convention = convention_from_example(line, speaker="anna")
    assert convention.regex.match(line)["speaker"] == "Anna"


@pytest.mark.parametrize("line", ["hello there, how are you", "   ", "12:30 we start"])
def test_an_example_without_a_speaker_label_is_one_line_saying_what_to_do(line):
    with pytest.raises(StudyError) as raised:
        convention_from_example(line)
    assert raised.value.fix and "\n" not in str(raised.value)


@pytest.mark.parametrize("pattern, problem", [
    (r"(?P<speaker>\w+", "is no regular expression"),
    (r"^(\w+): ", "has no speaker group"),
    (r"(?P<speaker>\w*):?", "matches an empty line"),
])
def test_a_bad_pattern_is_refused_saying_why(pattern, problem):
    with pytest.raises(StudyError, match=problem):
        convention_from_pattern(pattern)


# A Zoom-like export no layout reads: bracketed speakers, a turn running over two lines.
ZOOM = (b"[Speaker 1] Thanks for joining. How did you start?\n"
        b"[Speaker 2] By accident, a friend needed help.\nIt was a long story.\n"
        b"[Speaker 1] Which model?\n[Speaker 2] A sentiment model.\n")
ZOOM_TURNS = [("Speaker 1", "Thanks for joining. How did you start?"),
              ("Speaker 2", "By accident, a friend needed help.\nIt was a long story."),
              ("Speaker 1", "Which model?"), ("Speaker 2", "A sentiment model.")]


def test_a_taught_convention_rereads_the_whole_file():
    before = read_transcript_data(ZOOM, "zoom.txt")
    assert before.layout.startswith("learned convention")  # the general reader finds these labels too
    after = read_transcript_data(ZOOM, "zoom.txt", taught=[convention_from_example("[Speaker 1] Thanks")])
    assert [(t.speaker, after.turn_text(t)) for t in after.turns] == ZOOM_TURNS
    assert (after.layout, after.runner_up, after.text) == ("taught", before.layout, before.text)
    assert_exact_offsets(after)


def test_a_pattern_reads_like_an_example():
    after = read_transcript_data(ZOOM, "zoom.txt", taught=[convention_from_pattern(r"^\[(?P<speaker>[^\]]+)\] ")])
    assert [(t.speaker, after.turn_text(t)) for t in after.turns] == ZOOM_TURNS


def test_a_taught_convention_names_the_speakers_of_caption_cues():
    srt = (b"1\n00:00:00,000 --> 00:00:02,000\n[Speaker 0] Shall we start? How did you begin?\n\n"
           b"2\n00:00:02,500 --> 00:00:05,000\n[Speaker 1] By accident.\n\n"
           b"3\n00:00:05,500 --> 00:00:07,000\n[Speaker 1] A friend asked me.\n\n"
           b"4\n00:00:07,500 --> 00:00:09,000\n[Speaker 0] Which model?\n")
    parsed = read_transcript_data(srt, "call.srt", taught=[convention_from_example("[Speaker 0] Shall we")])
    assert [(t.speaker, parsed.turn_text(t), t.timestamp) for t in parsed.turns] == [
        ("Speaker 0", "Shall we start? How did you begin?", "00:00:00"),
        ("Speaker 1", "By accident. A friend asked me.", "00:00:02"),  # one speaker's cues make one turn
        ("Speaker 0", "Which model?", "00:00:07")]


def test_a_convention_that_finds_no_turn_start_keeps_the_reading_and_says_so():
    parsed = read_transcript_data(b"Interviewer: Why?\nDana: Because.\n", "p.txt")
    taught = reread(parsed, [convention_from_example("[Speaker 1] Thanks")])
    assert taught.turns == parsed.turns and taught.layout == parsed.layout
    assert taught.warnings == ("no line starts a turn as taught (like '[Speaker 1] Thanks'); read as speaker labels",)


@pytest.fixture
def run(db_url):
    runner = CliRunner()

    def invoke(*args):
        return runner.invoke(cli, ["--db", db_url, *args], catch_exceptions=False)

    return invoke


@pytest.fixture
def files(tmp_path):
    (tmp_path / "zoom1.txt").write_bytes(ZOOM)
    (tmp_path / "zoom2.txt").write_bytes(b"[Kim] Welcome. Why models?\n[Dana] They are free.\n"
                                         b"[Kim] And licences?\n[Dana] I read them.\n")
    return tmp_path


def test_an_example_on_the_command_line_reads_the_whole_batch(run, files):
    result = run("import", "--dry-run", str(files), "--speaker-example", "[Speaker 1] Thanks for joining")
    assert result.exit_code == 0, result.output
    assert result.stdout.count("layout: taught") == 2
    assert "Kim   interviewer" in result.stdout and "Dana  participant" in result.stdout
    assert "    Speaker 2: By accident, a friend needed help. It was a long story." in result.stdout


def test_a_saved_convention_reads_later_imports_until_forgotten(run, files, db_url):
    taught = run("import", str(files / "zoom1.txt"), "--speaker-example", "[Speaker 1] Thanks", "--save-convention")
    assert taught.exit_code == 0, taught.output
    later = run("import", str(files / "zoom2.txt"))  # no example given: the study's convention reads it
    assert later.exit_code == 0, later.output
    segments = json.loads(run("segments", "zoom2", "--format", "json").stdout)
    assert [(s["speaker"], s["role"]) for s in segments] == [
        ("Kim", "interviewer"), ("Dana", "participant"), ("Kim", "interviewer"), ("Dana", "participant")]
    listed = json.loads(run("conventions", "--format", "json").stdout)
    assert [row["example"] for row in listed] == ["[Speaker 1] Thanks"]
    assert run("conventions", "--forget", "1").exit_code == 0
    assert json.loads(run("conventions", "--format", "json").stdout) == []
    dry = run("import", "--dry-run", str(files / "zoom2.txt"))
    assert "layout: taught" not in dry.stdout
    study = Study.open(db_url)
    try:
        with study.session() as session:
            actions = [e.action for e in session.query(AuditEntry).filter(AuditEntry.action.like("convention.%"))]
        assert actions == ["convention.save", "convention.forget"]
    finally:
        study.close()


def test_save_convention_needs_a_convention_and_an_import(run, files):
    assert run("import", str(files / "zoom1.txt"), "--save-convention").exit_code == 2
    result = run("import", "--dry-run", str(files / "zoom1.txt"), "--speaker-example", "[A] b", "--save-convention")
    assert result.exit_code == 2 and "not a dry run" in result.output


def test_saving_twice_keeps_one_and_only_admins_save_or_forget(study):
    convention = convention_from_example("[Speaker 1] Thanks")
    save_convention(study, CLI, convention)
    assert saved_conventions(study) == save_convention(study, CLI, convention) == (convention,)
    with pytest.raises(NotAllowed):
        save_convention(study, Actor("carol", "coder"), convention_from_pattern(r"(?P<speaker>\w+): "))
    with pytest.raises(NotAllowed):
        forget_convention(study, Actor("carol", "coder"), 1)
    with pytest.raises(StudyError, match="no saved turn convention number 2"):
        forget_convention(study, CLI, 2)



SLOW_LINE = " ".join(["word"] * 40)


def test_a_pattern_that_backtracks_in_re_still_reads_the_file():
    # "(\w+ ?)+:" is a classic slip: on a line of 40 words with no colon Python's re tries every
    # way of cutting the words (2^40) and never returns; the taught reading must not
    parsed = read_transcript_data(f"Ana: hello there\n{SLOW_LINE}\nBen: yes\n".encode(), "slip.txt",
                                  taught=[convention_from_pattern(r"^(?P<speaker>(\w+ ?)+):")])
    assert [(t.speaker, parsed.turn_text(t)) for t in parsed.turns] == [
        ("Ana", f"hello there\n{SLOW_LINE}"), ("Ben", "yes")]


@pytest.mark.parametrize("suffix", [".txt", ".srt"])
def test_a_pattern_that_backtracks_without_end_is_refused_naming_the_file_and_the_pattern(suffix):
    pattern = r"^(?P<speaker>(?:e|ee)+):"  # 60 "e"s with no colon: as many tries as Fibonacci(60)
    line = "e" * 60
    text = f"Ana: hello there\n{line}\n" if suffix == ".txt" else f"1\n00:00:00,000 --> 00:00:02,000\n{line}\n"
    with pytest.raises(StudyError) as raised:
        read_transcript_data(text.encode(), f"slow{suffix}", taught=[convention_from_pattern(pattern)])
    message = str(raised.value)
    assert f"slow{suffix}" in message and pattern.removeprefix("^") in message and "\n" not in message


# Names alone on their own lines (a Word file's bold name paragraphs read as text); "ben ross"
# typed once in small letters, which the general reader may miss.
NAMES_ALONE = (b"Ana Ruiz\nHow did you start?\nBen Ross\nBy accident.\nAna Ruiz\nWhich model?\n"
               b"ben ross\nA small one\nYes.\nAna Ruiz\nThanks.\n")


@pytest.mark.parametrize("speaker", [None, "Ben Ross"])  # the line's words, or the person as they are known
def test_a_name_alone_on_its_line_teaches_every_name_alone(speaker):
    # before, it taught only that one name: every other speaker's turns fell out of the speech
    convention = convention_from_example("ben ross", speaker)
    for line, name in [("Dr. Jane Roe", "Dr. Jane Roe"), ("Speaker 2", "Speaker 2"), ("Yes.", None),
                       ("What happened then?", None), ("Ana Ruiz: hi", None), ("12:30 we start", None), ("A small one", None),
                       ("BEN ROSS", "BEN ROSS"), ("Ana de la Cruz", "Ana de la Cruz")]:
        found = convention.regex.match(line)
        assert (found and found["speaker"]) == name, line
    after = read_transcript_data(NAMES_ALONE, "names.txt", taught=[convention])
    assert [(t.speaker, after.turn_text(t)) for t in after.turns] == [
        ("Ana Ruiz", "How did you start?"), ("Ben Ross", "By accident."), ("Ana Ruiz", "Which model?"),
        ("Ben Ross", "A small one\nYes."), ("Ana Ruiz", "Thanks.")]
    assert_exact_offsets(after)
