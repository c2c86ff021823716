"""Importing files into a study: transactions, re-imports, replacement, participants, roles."""
from __future__ import annotations

import re
import zipfile
from pathlib import Path

import docx
import pytest

from study import codes, codings
from study.auth import CLI
from study.codebook import parse_codebook
from study.errors import StudyError
from study.importing.batch import import_files
from study.importing.reading import ImportOptions
from study.importing.resegment import resegment
from study.listing import segment_rows, transcript_rows
from study.participants import ParticipantRow, read_participants_csv
from tests.factories import SMALL_CODEBOOK, add_raters


def write_txt(path: Path, turns: list[tuple[str, str]]) -> Path:
    path.write_text("\n\n".join(f"{speaker}: {body}" for speaker, body in turns) + "\n", encoding="utf-8")
    return path


INTERVIEW = [
    ("Interviewer", "How do you find models?"),
    ("Dana", "I search the hub and sort by downloads."),
    ("Interviewer", "And the license?"),
    ("Dana", "I always check the license first. Then the model card."),
]


def test_import_creates_transcript_participant_and_segments(study, tmp_path):
    path = write_txt(tmp_path / "P01-2022-07-01.txt", INTERVIEW)
    summary = import_files(study, [path], actor=CLI)
    assert summary.imported == ["P01-2022-07-01"] and summary.ok
    [row] = transcript_rows(study)
    assert row["participant"] == "P01"
    assert row["segments"] == 4
    assert row["date"] == "2022-07-01"
    segments = segment_rows(study, "P01-2022-07-01")
    assert [s["role"] for s in segments] == ["interviewer", "participant"] * 2
    assert segments[1]["text"] == "I search the hub and sort by downloads."


def test_every_segment_text_is_the_slice_of_the_transcript_at_its_offsets(study, tmp_path):
    import_files(study, [write_txt(tmp_path / "a.txt", INTERVIEW)], options=ImportOptions(unit="sentence"), actor=CLI)
    with study.session() as session:
        from study.store import Transcript

        transcript = session.query(Transcript).one()
        bodies = [transcript.text[s.start : s.end] for s in transcript.segments]
    assert "I always check the license first." in bodies
    assert "Then the model card." in bodies


def test_reimporting_an_identical_file_changes_nothing(study, tmp_path):
    path = write_txt(tmp_path / "P01.txt", INTERVIEW)
    import_files(study, [path], actor=CLI)
    summary = import_files(study, [path], actor=CLI)
    assert summary.unchanged == ["P01"] and not summary.imported
    assert len(transcript_rows(study)) == 1


def test_a_changed_file_with_the_same_name_is_refused_without_replace(study, tmp_path):
    path = write_txt(tmp_path / "P01.txt", INTERVIEW)
    import_files(study, [path], actor=CLI)
    write_txt(path, INTERVIEW + [("Interviewer", "Anything else?")])
    summary = import_files(study, [path], actor=CLI)
    assert not summary.ok
    assert "replace it" in summary.failed[0][1] and "P01" in summary.failed[0][1]
    assert transcript_rows(study)[0]["segments"] == 4  # the stored one is untouched


def test_replace_keeps_codings_on_unchanged_text_and_reports_the_rest(study, tmp_path):
    codes.load_into_study(study, parse_codebook(SMALL_CODEBOOK), CLI)
    path = write_txt(tmp_path / "P01.txt", INTERVIEW)
    import_files(study, [path], actor=CLI)
    add_raters(study, "alice")
    codings.apply_code(study, CLI, "alice", "P01", 1, "Challenges/Model search")
    codings.apply_code(study, CLI, "alice", "P01", 3, "Attributes/License")
    changed = INTERVIEW[:3] + [("Dana", "Licenses matter less to me now.")]
    write_txt(path, changed)
    summary = import_files(study, [path], options=ImportOptions(replace=True), actor=CLI)
    assert summary.replaced == ["P01"]
    assert len(summary.not_carried) == 1 and "License" in summary.not_carried[0]
    kept = codings.codings_of(study, CLI, "alice")
    assert [(c.segment, c.code) for c in kept] == [(1, "Challenges/Model search")]


def test_a_bad_file_fails_alone_and_leaves_nothing_behind(study, tmp_path):
    good = write_txt(tmp_path / "good.txt", INTERVIEW)
    bad = tmp_path / "bad.docx"
    bad.write_bytes(b"this is not a zip archive")
    summary = import_files(study, [bad, good], actor=CLI)
    assert summary.imported == ["good"]
    [(failed_path, message)] = summary.failed
    assert failed_path.endswith("bad.docx") and "bad.docx" in message
    assert [r["name"] for r in transcript_rows(study)] == ["good"]


def test_participants_csv_maps_transcripts_and_keeps_attributes(study, tmp_path):
    (tmp_path / "people.csv").write_text(
        "participant,transcript,company_type,team_size\nP7,interview-a,Startup,1\n", encoding="utf-8"
    )
    rows = read_participants_csv(tmp_path / "people.csv")
    assert rows == [ParticipantRow("P7", "interview-a", {"company_type": "Startup", "team_size": "1"})]
    import_files(study, [write_txt(tmp_path / "interview-a.txt", INTERVIEW)], participants=rows, actor=CLI)
    assert transcript_rows(study)[0]["participant"] == "P7"


def test_participants_csv_without_participant_column_is_refused(tmp_path):
    (tmp_path / "people.csv").write_text("name,transcript\nP7,a\n", encoding="utf-8")
    with pytest.raises(StudyError, match=r"people\.csv.*no 'participant' column"):
        read_participants_csv(tmp_path / "people.csv")


def test_interviewer_named_on_the_command_line_wins(study, tmp_path):
    turns = [("Sam", "We tried three models?"), ("Kim", "Which ones did you try?"), ("Sam", "BERT and T5.")]
    import_files(study, [write_txt(tmp_path / "x.txt", turns)], options=ImportOptions(interviewer="sam"), actor=CLI)
    assert [s["role"] for s in segment_rows(study, "x")] == ["interviewer", "participant", "interviewer"]


def test_unknown_unit_is_a_clear_error(study, tmp_path):
    with pytest.raises(StudyError, match="unknown segment unit 'word'"):
        import_files(study, [write_txt(tmp_path / "x.txt", INTERVIEW)], options=ImportOptions(unit="word"), actor=CLI)


def test_resegment_carries_codings_to_the_sentences_of_a_coded_turn(study, tmp_path):
    codes.load_into_study(study, parse_codebook(SMALL_CODEBOOK), CLI)
    import_files(study, [write_txt(tmp_path / "P01.txt", INTERVIEW)], actor=CLI)
    add_raters(study, "alice")
    codings.apply_code(study, CLI, "alice", "P01", 3, "Attributes/License")
    summary = resegment(study, ["P01"], "sentence", CLI)
    assert summary.carried == 1 and not summary.not_carried
    # turn 3 holds two sentences, now segments 3 and 4: both carry the code
    assert [(c.segment, c.code) for c in codings.codings_of(study, CLI, "alice")] == [
        (3, "Attributes/Portability/License"), (4, "Attributes/Portability/License")]
    back = resegment(study, ["P01"], "turn", CLI)
    assert back.carried == 2
    assert [(c.segment, c.code) for c in codings.codings_of(study, CLI, "alice")] == [
        (3, "Attributes/Portability/License")]


def test_resegment_of_an_unknown_transcript_names_it(study):
    with pytest.raises(StudyError, match="no transcript named nope"):
        resegment(study, ["nope"], "sentence", CLI)


def test_survey_csv_becomes_one_transcript_per_participant(study, tmp_path):
    path = tmp_path / "survey.csv"
    path.write_text("participant,response\nP1,I check licenses.\nP2,Downloads matter.\nP1,And model cards.\n",
                    encoding="utf-8")
    summary = import_files(study, [path], actor=CLI)
    assert sorted(summary.imported) == ["survey-P1", "survey-P2"]
    rows = {r["name"]: r for r in transcript_rows(study)}
    assert rows["survey-P1"]["segments"] == 2 and rows["survey-P1"]["participant"] == "P1"


def test_folders_are_expanded_to_their_supported_files(study, tmp_path):
    write_txt(tmp_path / "a.txt", INTERVIEW)
    (tmp_path / "recording.m4a").write_bytes(b"\x00\x00\x00\x20ftypM4A ")  # audio is not a transcript
    summary = import_files(study, [tmp_path], actor=CLI)
    assert summary.imported == ["a"] and summary.ok


def test_a_participants_table_under_another_name_is_skipped_with_its_reason(study, tmp_path):
    write_txt(tmp_path / "P01.txt", INTERVIEW)
    (tmp_path / "Demographic_Data.csv").write_text(
        "Participant ID,Age,Gender,Years of experience\nP01,34,F,7\nP02,41,M,12\n", encoding="utf-8")
    summary = import_files(study, [tmp_path], actor=CLI)
    assert summary.imported == ["P01"] and summary.ok and summary.failed == []
    [(file, why)] = summary.skipped
    assert file.endswith("Demographic_Data.csv") and "looks like a participants table" in why
    assert [row["name"] for row in transcript_rows(study)] == ["P01"]


def test_a_tools_settings_file_or_a_page_in_the_folder_is_skipped_with_its_reason(study, tmp_path):
    write_txt(tmp_path / "P01.txt", INTERVIEW)
    (tmp_path / "settings.json").write_text('{"model": "large", "language": "en"}', encoding="utf-8")
    (tmp_path / "index.html").write_text("<html><head><script>go()</script></head><body></body></html>",
                                         encoding="utf-8")
    (tmp_path / "project.xml").write_text('<?xml version="1.0"?><project><setting a="1"/></project>',
                                          encoding="utf-8")
    summary = import_files(study, [tmp_path], actor=CLI)
    assert summary.imported == ["P01"] and summary.failed == []
    assert sorted((Path(file).name, "not a transcript, skipped" in why) for file, why in summary.skipped) == [
        ("index.html", True), ("project.xml", True), ("settings.json", True)]


def test_the_command_line_says_to_pass_a_participants_table_with_participants(db_url, tmp_path):
    from click.testing import CliRunner

    from study.cli import cli

    write_txt(tmp_path / "P01.txt", INTERVIEW)
    (tmp_path / "Demographic_Data.csv").write_text("participant,age,role\nP01,34,engineer\n", encoding="utf-8")
    result = CliRunner().invoke(cli, ["--db", db_url, "import", str(tmp_path)])
    assert result.exit_code == 0, result.output
    assert "Imported 1, replaced 0, unchanged 0, failed 0." in result.output
    assert "looks like a participants table" in result.output and "pass it with --participants" in result.output
    assert "no 'response' column" not in result.output
    dry = CliRunner().invoke(cli, ["--db", db_url, "import", "--dry-run", str(tmp_path)])
    assert dry.exit_code == 0, dry.output
    assert "1 transcript(s) from 1 file(s) would be imported; 0 file(s) failed, 1 skipped (not transcripts)." in dry.output


# -- the real transcripts of the published study (skipped when ../shared is absent) ----------


LABEL = re.compile(r"^(Speaker \d+):\d*$")  # "Speaker 1:12" carries the authors' memo number 12


def _label_paragraphs(path: Path) -> list[str]:
    return [m.group(1) for p in docx.Document(str(path)).paragraphs if (m := LABEL.match(p.text.strip()))]


@pytest.mark.parametrize("name", ["Interview-02-20220704", "Interview-05-20220715"])
def test_real_rev_transcripts_keep_every_turn_and_word(study, real_transcripts, name):
    path = real_transcripts / f"{name}.docx"
    summary = import_files(study, [path], actor=CLI)
    assert summary.imported == [name]
    segments = segment_rows(study, name)
    labels = _label_paragraphs(path)
    assert len(segments) == len(labels)
    assert [s["speaker"] for s in segments] == labels
    assert {s["speaker"] for s in segments if s["role"] == "interviewer"} == {"Speaker 1"}
    body_paragraphs = _body_paragraphs(path)
    assert "\n".join(s["text"] for s in segments).split() == " ".join(body_paragraphs).split()


def _body_paragraphs(path: Path) -> list[str]:
    """The paragraphs from the first speaker label up to the authors' closing "Annotations"
    section (their memos, which are not part of the interview), less the labels and the raised
    numbers pointing at those memos."""
    from tests.test_transcripts import spoken_text

    paragraphs = [spoken_text(p).strip() for p in docx.Document(str(path)).paragraphs if p.text.strip()]
    first = next(i for i, p in enumerate(paragraphs) if LABEL.match(p))
    end = paragraphs.index("Annotations") if "Annotations" in paragraphs else len(paragraphs)
    return [p.split(":", 1)[1] if LABEL.match(p) else p for p in paragraphs[first:end]]


def test_real_participant_numbers_come_from_the_file_names(study, real_transcripts):
    import_files(study, sorted(real_transcripts.glob("Interview-0*.docx")), actor=CLI)
    assert {r["name"]: r["participant"] for r in transcript_rows(study)} == {
        "Interview-01-20200703": "1", "Interview-02-20220704": "2", "Interview-05-20220715": "5"}


def test_real_demographics_attach_to_participants(study, real_transcripts):
    rows = read_participants_csv(real_transcripts / "Demographic_Data.csv")
    assert len(rows) == 12 and rows[4].label == "5" and rows[4].attributes["Company type"] == "Big tech"
    import_files(study, [real_transcripts / "Interview-05-20220715.docx"], participants=rows, actor=CLI)
    from study.participants import list_participants

    p5 = next(p for p in list_participants(study) if p["participant"] == "5")
    assert p5["transcripts"] == ["Interview-05-20220715"] and p5["attributes"]["Team size"] == "25+"


def test_zip_bomb_docx_is_refused_through_the_importer(study, tmp_path):
    bomb = tmp_path / "bomb.docx"
    with zipfile.ZipFile(bomb, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("word/document.xml", b"\0" * 300_000_000)
    summary = import_files(study, [bomb], actor=CLI)
    assert not summary.ok and "bomb.docx" in summary.failed[0][1]
    assert transcript_rows(study) == []


def test_memos_follow_their_segments_through_resegment_and_replace(study, tmp_path):
    from study.store import Memo

    codes.load_into_study(study, parse_codebook(SMALL_CODEBOOK), CLI)
    path = write_txt(tmp_path / "P01.txt", INTERVIEW)
    import_files(study, [path], actor=CLI)
    add_raters(study, "alice")
    codings.set_memo(study, CLI, "alice", "P01", 3, "licence first, then the card")
    codings.set_memo(study, CLI, "alice", "P01", 1, "sorts by downloads")
    resegment(study, ["P01"], "sentence", CLI)  # segment 3 becomes sentences 3 and 4; the memo goes to 3
    write_txt(path, INTERVIEW[:3] + [("Dana", "Something else entirely.")])
    import_files(study, [path], options=ImportOptions(replace=True, unit="sentence"), actor=CLI)
    with study.session() as session:
        memos = {(m.segment_id is None, m.text) for m in session.query(Memo)}
    # segment 1's text is unchanged: its memo stays on a segment; the changed answer's memo
    # has nowhere to go and joins alice's transcript memo instead of being lost
    assert (False, "sorts by downloads") in memos
    assert (True, "(segment 3) licence first, then the card") in memos


NUMBERED = """ 1   Q.  How long had you kept bees on the
 2       allotment?
 3   A.  About nine years. I started with two hives my father
 4       left me.
 5   Q.  Did any neighbour raise a concern?
 6   A.  Mrs. Tolley mentioned once that a swarm had landed
 7       on her shed.
"""


def test_line_numbers_read_out_of_the_text_are_kept_with_the_transcript_and_survive_a_resegment(study, tmp_path):
    from study.importing.storing import MARGIN
    from study.store import Transcript

    path = tmp_path / "P02.txt"
    path.write_text(NUMBERED, encoding="utf-8")
    assert import_files(study, [path], actor=CLI).imported == ["P02"]
    resegment(study, ["P02"], "sentence", CLI)
    with study.session() as session:
        transcript = session.query(Transcript).one()
        text, margin = transcript.text, transcript.header[MARGIN]
    assert [number for _, number in margin] == [str(n) for n in range(1, 8)]
    for offset, number in margin:  # each number's place in the stored text, where it now reads as spaces
        assert NUMBERED[offset:offset + len(number)] == number and text[offset:offset + len(number)].isspace()
