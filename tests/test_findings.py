"""Findings tables and saturation against hand-computed expectations.

The study ``coded_study`` builds (used by test_report too): three participants P1, P2, P10
(natural order puts P2 before P10), two raters. Segment indices: 1 = answer 1, 3 = answer 2.

    segment   alice                   bob
    P1  #1    Model search            Model search
    P1  #3    License                 Popularity
    P2  #1    Popularity              Popularity
    P2  #3    Missing attributes      -
    P10 #1    Model search            Model search
    P10 #3    Model search            Missing attributes

Union (any rater) by participant: Model search P1, P10; Missing attributes P2, P10;
Popularity P1, P2; License P1.  Majority of two = both raters: Model search P1, P10
(segments #1); Popularity P2; Missing attributes and License nobody.
"""
from __future__ import annotations

import json

import pytest
from click.testing import CliRunner
from sqlalchemy import select, update

from study import codes, findings, workspace
from study.auth import CLI, Actor
from study.cli import cli
from study.codebook import parse_codebook
from study.codings import apply_code, set_memo
from study.errors import NotAllowed, NotFound, StudyError
from study.participants import upsert_participant
from study.saturation import adds_information, interview_order, saturation, saturation_point
from study.sources import Source, choose_source
from study.store import Transcript
from tests.factories import (add_consensus_coding, add_interview, add_raters, finish_without_carrying,
                             load_small_codebook)

P1_SEARCH = ("We spend hours searching the hub for a model that fits, and most of the time the search "
             "gives us nothing we can use directly")  # 25 words
P10_SEARCH = ("Again it was hard to find anything that matched our task, because the hub search only matches "
              "names and not what the model actually does well")  # 26 words

MS, MA, POP, LIC = ("Challenges/Model search", "Challenges/Missing attributes",
                    "Attributes/Traditional/Popularity", "Attributes/Portability/License")


def coded_study(study):
    load_small_codebook(study)
    add_raters(study, "alice", "bob")
    add_interview(study, "P1-interview", "P1", [P1_SEARCH, "The license decides it."])
    add_interview(study, "P2-interview", "P2", ["Downloads and likes are what we look at first.",
                                                "The card never says what data it was trained on."])
    add_interview(study, "P10-interview", "P10", ["Search is hard.", P10_SEARCH])
    for transcript, segment, alice, bob in [
        ("P1-interview", 1, MS, MS), ("P1-interview", 3, LIC, POP),
        ("P2-interview", 1, POP, POP), ("P2-interview", 3, MA, None),
        ("P10-interview", 1, MS, MS), ("P10-interview", 3, MS, MA),
    ]:
        apply_code(study, CLI, "alice", transcript, segment, alice)
        if bob:
            apply_code(study, CLI, "bob", transcript, segment, bob)
    for rater in ("alice", "bob"):  # finished: what findings count (M); the consensus is left empty
        for transcript in ("P1-interview", "P2-interview", "P10-interview"):
            finish_without_carrying(study, rater, transcript)
    return study


@pytest.fixture
def coded(study_from):
    return study_from(coded_study)


def rows_by_code(table):
    return {row["code"]: row for row in table.rows}


# -- sources --------------------------------------------------------------------------------


def test_default_source_is_the_union_of_coders_when_there_is_no_consensus(coded):
    source = choose_source(coded, CLI)
    assert (source.raters, source.combine) == (("alice", "bob"), "union")
    assert "no consensus codings yet" in source.describe()


def test_default_source_is_the_consensus_once_it_has_codings(coded):
    add_consensus_coding(coded, "P1-interview", 1, MS)
    assert choose_source(coded, CLI).raters == ("consensus",)
    table = findings.frequency_table(coded, CLI, "Challenges")
    assert rows_by_code(table)["Model search"]["ids"] == ["P1"]
    assert table.source["name"] == "consensus"


def test_asking_for_an_empty_consensus_is_an_error(coded):
    with pytest.raises(NotFound, match="consensus rater has no codings"):
        choose_source(coded, CLI, "consensus")


def test_unknown_rater_is_named(coded):
    with pytest.raises(NotFound, match="carol"):
        choose_source(coded, CLI, "alice,carol")


def test_coders_read_only_their_own_codings(coded):
    bob = Actor("bob", "coder")
    with pytest.raises(NotAllowed):
        findings.frequency_table(coded, bob, source="alice")
    assert choose_source(coded, bob).raters == ("bob",)
    # bob's own codings: Model search on P1 and P10
    assert rows_by_code(findings.frequency_table(coded, bob, "Challenges"))["Model search"]["ids"] == ["P1", "P10"]


def test_majority_keeps_codes_more_than_half_of_the_raters_applied(coded):
    quoted = findings.quotes_by_code(coded, CLI, source=Source(("alice", "bob"), "majority"))
    # both raters agree on P1#1 MS, P2#1 Popularity, P10#1 MS only
    assert sorted((q["transcript"], q["segment"], code["ref"]) for code in quoted
                  for p in code["participants"] for q in p["quotes"]) == [
        ("P1-interview", 1, MS), ("P10-interview", 1, MS), ("P2-interview", 1, POP)]


# -- frequency --------------------------------------------------------------------------------


def test_frequency_union_counts_participants_who_mentioned_each_code(coded):
    table = findings.frequency_table(coded, CLI, source="alice,bob", combine="union")
    rows = rows_by_code(table)
    # Model search: P1 and P10 of 3 participants -> 2/3 = 66.7%
    assert (rows["Model search"]["participants"], rows["Model search"]["of"]) == (2, 3)
    assert rows["Model search"]["percent"] == 66.7
    assert rows["Model search"]["ids"] == ["P1", "P10"]
    assert rows["Missing attributes"]["ids"] == ["P2", "P10"]  # natural order: P2 before P10
    assert rows["Popularity"]["ids"] == ["P1", "P2"]
    assert (rows["License"]["participants"], rows["License"]["percent"]) == (1, 33.3)  # 1/3
    assert rows["Model search"]["description"] == "Finding a suitable model is hard."
    assert "union of alice, bob" in table.caption


def test_frequency_majority_and_sort_orders(coded):
    by_count = findings.frequency_table(coded, CLI, source="alice,bob", combine="majority")
    # majority: Model search 2, Popularity 1, Missing attributes 0, License 0 (ties in codebook order)
    assert [(r["code"], r["participants"]) for r in by_count.rows] == [
        ("Model search", 2), ("Popularity", 1), ("Missing attributes", 0), ("License", 0)]
    by_codebook = findings.frequency_table(coded, CLI, source="alice,bob", combine="majority", order="codebook")
    assert [r["code"] for r in by_codebook.rows] == ["Model search", "Missing attributes", "Popularity", "License"]
    assert by_count.source["combine"] == "majority"


def test_frequency_of_a_theme_includes_its_sub_themes(coded):
    table = findings.frequency_table(coded, CLI, "Attributes", source="alice")
    assert [(r["theme"], r["code"]) for r in table.rows] == [
        ("Attributes/Traditional", "Popularity"), ("Attributes/Portability", "License")]
    assert [c.label for c in table.columns][:2] == ["Theme", "Code"]


def test_unknown_theme_is_an_error(coded):
    with pytest.raises(NotFound, match="Nonsense"):
        findings.frequency_table(coded, CLI, "Nonsense")


def test_exemplar_prefers_moderate_length_and_more_raters(coded):
    quote = rows_by_code(findings.frequency_table(coded, CLI, source="alice,bob"))["Model search"]["quote"]
    # candidates: P1#1 (25 words, 2 raters), P10#1 (3 words: too short), P10#3 (26 words, 1 rater)
    assert quote == {"text": P1_SEARCH, "participant": "P1", "transcript": "P1-interview", "segment": 1}


def _one_participant(study, answers):
    load_small_codebook(study)
    add_interview(study, "P1-interview", "P1", answers)


MODERATE_A = "We look at the downloads first because a model that nobody downloads is usually a model with problems"
MODERATE_B = "If many people like it on the hub we trust it more than a model from a random account there"


@pytest.mark.parametrize("bob_agrees, expected", [(False, MODERATE_B), (True, MODERATE_A)])
def test_exemplar_prefers_fewer_other_codes_unless_more_raters_applied_it(study, bob_agrees, expected):
    _one_participant(study, ["Downloads matter to us.", MODERATE_A, MODERATE_B])
    add_raters(study, "alice", "bob")
    apply_code(study, CLI, "alice", "P1-interview", 1, POP)  # 4 words: out of the 15-60 band
    apply_code(study, CLI, "bob", "P1-interview", 1, POP)
    apply_code(study, CLI, "alice", "P1-interview", 3, POP)  # moderate, but carries a second code
    apply_code(study, CLI, "alice", "P1-interview", 3, LIC)
    apply_code(study, CLI, "alice", "P1-interview", 5, POP)  # moderate, only this code
    if bob_agrees:
        apply_code(study, CLI, "bob", "P1-interview", 3, POP)  # now 2 raters on segment 3
    for rater in ("alice", "bob"):
        finish_without_carrying(study, rater, "P1-interview")
    quote = rows_by_code(findings.frequency_table(study, CLI, "Attributes", source="alice,bob"))["Popularity"]["quote"]
    assert quote["text"] == expected


def test_exemplar_prefers_the_participant_over_the_interviewer(study):
    from study.importing.reading import ImportOptions
    from study.importing.storing import add_parsed_transcript
    from tests.factories import parsed_from_turns

    load_small_codebook(study)
    long_question = ("So tell me how you search for a model on the hub when you start a new project and what "
                     "you look at first")  # 24 words
    parsed = parsed_from_turns([("Interviewer", long_question), ("P1", "We search by task name.")])
    add_parsed_transcript(study, "P1-interview", parsed, "P1", ImportOptions(interviewer="Interviewer"))
    add_raters(study, "alice")
    apply_code(study, CLI, "alice", "P1-interview", 0, MS)
    apply_code(study, CLI, "alice", "P1-interview", 1, MS)
    finish_without_carrying(study, "alice", "P1-interview")
    quote = rows_by_code(findings.frequency_table(study, CLI, "Challenges"))["Model search"]["quote"]
    assert (quote["text"], quote["segment"]) == ("We search by task name.", 1)


def test_a_finished_transcript_without_codings_counts_in_m_and_an_unfinished_one_is_named(coded):
    add_interview(coded, "P3-interview", "P3", ["Nothing coded here."])
    add_interview(coded, "P4-interview", "P4", ["Not read yet."])
    finish_without_carrying(coded, "alice", "P3-interview")  # alice read it and found nothing to code
    table = findings.frequency_table(coded, CLI, source="alice")
    row = rows_by_code(table)["Model search"]
    assert (row["participants"], row["of"], row["percent"]) == (2, 4, 50.0)  # P1, P10 of P1, P2, P3, P10
    assert "not yet coded: P4-interview (left out of M)" in table.caption
    assert "Not yet coded: P4-interview (1 transcript(s) not marked done by alice), left out of M." in table.warning


# -- matrix, factors, demographics, co-occurrence, framework ---------------------------------------


def test_matrix_presence_and_counts(coded):
    presence = findings.matrix_table(coded, CLI, "Challenges", source="alice,bob")
    assert [(r["participant"], r[MS], r[MA]) for r in presence.rows] == [
        ("P1", 1, 0), ("P2", 0, 1), ("P10", 1, 1)]
    counts = findings.matrix_table(coded, CLI, "Challenges", source="alice,bob", counts=True)
    # union on P10: Model search on #1 (both) and #3 (alice) = 2 segments
    assert [(r["participant"], r[MS]) for r in counts.rows] == [("P1", 1), ("P2", 0), ("P10", 2)]


def test_factors_group_codes_by_sub_theme_and_drop_rare_ones(coded):
    table = findings.factors_table(coded, CLI, "Attributes", min_participants=2, source="alice,bob")
    # Popularity: P1, P2 (2 >= 2) kept; License: P1 only (1 < 2) dropped with its group
    assert [(r["group"], r["participants"], r["of"], r["percent"]) for r in table.rows] == [
        ("Traditional", 2, 3, 66.7)]
    assert table.rows[0]["factors"] == [{"code": "Popularity", "ref": POP, "participants": 2}]
    assert any("Portability" in note for note in table.notes)
    loose = findings.factors_table(coded, CLI, "Attributes", min_participants=1, source="alice,bob")
    assert [r["group"] for r in loose.rows] == ["Traditional", "Portability"]
    assert table.cells()[0][-1] == "Popularity (2)"


def test_demographics_rows_and_value_counts(coded):
    with coded.session() as session:
        upsert_participant(session, "P1", {"Company type": "Startup", "Role": "Engineer", "Models": "CV; NLP"})
        upsert_participant(session, "P2", {"Company type": "Big tech", "Role": "Researcher", "Models": "NLP"})
        upsert_participant(session, "P10", {"Company type": "Startup", "Models": "NLP; Robotics"})
        upsert_participant(session, "P99", {"Company type": "Startup"})  # no transcript: not a participant here
    table = findings.demographics_table(coded)
    assert [r["participant"] for r in table.rows] == ["P1", "P2", "P10"]
    assert table.rows[2] == {"participant": "P10", "Company type": "Startup", "Role": "", "Models": "NLP; Robotics"}
    assert table.extra["summary"]["Company type"] == {"Startup": 2, "Big tech": 1}
    assert "Company type: Startup 2, Big tech 1" in table.notes
    assert "Role: Engineer 1, not given 1, Researcher 1" in table.notes  # ties in natural order
    assert "Models: NLP 3, CV 1, Robotics 1" in table.notes  # "CV; NLP" counts for CV and for NLP


def test_cooccurrence_at_segment_and_participant_level(coded):
    seg = {r["ref"]: r for r in findings.cooccurrence_table(coded, CLI, source="alice,bob").rows}
    # segments: P1#1 MS | P1#3 Lic+Pop | P2#1 Pop | P2#3 MA | P10#1 MS | P10#3 MS+MA
    assert [seg[MS][c] for c in (MS, MA, POP, LIC)] == [3, 1, 0, 0]
    assert [seg[POP][c] for c in (MS, MA, POP, LIC)] == [0, 0, 2, 1]
    assert seg[LIC][LIC] == 1
    part = {r["ref"]: r for r in findings.cooccurrence_table(coded, CLI, level="participant", source="alice,bob").rows}
    # participants: P1 {MS, Pop, Lic}, P2 {Pop, MA}, P10 {MS, MA}
    assert [part[MS][c] for c in (MS, MA, POP, LIC)] == [2, 1, 1, 1]
    assert [part[MA][c] for c in (MS, MA, POP, LIC)] == [1, 2, 1, 0]


def test_framework_cells_quote_segments_with_code_names_and_memos(coded):
    set_memo(coded, CLI, "alice", "P1-interview", 1, "search pain")
    set_memo(coded, CLI, "alice", "P2-interview", None, "talkative")
    table = findings.framework_table(coded, CLI, source="alice,bob")
    assert [c.label for c in table.columns] == ["Participant", "Challenges", "Attributes", "Interview memos"]
    p1, p2 = table.rows[0], table.rows[1]
    assert p1["Challenges"] == f"[Model search] “{P1_SEARCH}” (P1-interview #1)\nMemo (alice): search pain"
    assert p1["Attributes"] == "[Popularity; License] “The license decides it.” (P1-interview #3)"
    assert p2["Interview memos"] == "(alice) talkative"


def test_framework_memos_are_the_memos_the_code_page_shows_by_the_sources_raters_in_its_order(coded):
    """The matrix and the Code page read memos by one rule (``codings.memo_texts``): the source's
    raters' memos alone, each rater's as the Code page shows it (blank ones left out of the matrix),
    in the order the source names the raters."""
    set_memo(coded, CLI, "alice", "P1-interview", 1, "search pain")
    set_memo(coded, CLI, "bob", "P1-interview", 1, "  hub is slow ")
    set_memo(coded, CLI, "bob", "P1-interview", None, "   ")
    set_memo(coded, CLI, "alice", "P1-interview", None, "long pauses")
    with coded.session() as session:
        p1 = session.scalar(select(Transcript.id).where(Transcript.name == "P1-interview"))
    on_code_page = {rater: workspace.coder_state(coded, Actor(rater, "coder"), p1).memos for rater in ("alice", "bob")}
    assert [set(memos.values()) for memos in on_code_page.values()] == [
        {"search pain", "long pauses"}, {"  hub is slow ", "   "}]
    row = findings.framework_table(coded, CLI, source="bob,alice").rows[0]
    assert row["Challenges"].endswith("(P1-interview #1)\nMemo (bob): hub is slow\nMemo (alice): search pain")
    assert row["Interview memos"] == "(alice) long pauses"
    only_bob = findings.framework_table(coded, CLI, source="bob").rows[0]
    assert only_bob["Challenges"].endswith("(P1-interview #1)\nMemo: hub is slow") and not only_bob["Interview memos"]


def test_framework_of_one_theme_has_a_column_per_sub_theme(coded):
    table = findings.framework_table(coded, CLI, "Attributes", source="alice")
    assert [c.label for c in table.columns][1:3] == ["Traditional", "Portability"]
    assert table.rows[0]["Portability"].startswith("[License]")


# -- saturation ---------------------------------------------------------------------------------

SIX_CODES = """
name: six
themes:
  - name: T
    codes:
""" + "".join(f"      - name: {c}\n        definition: Code {c}.\n" for c in "ABCDEF")


def test_saturation_rule_on_a_hand_example():
    # new [3, 2, 1, 0] -> P1 adds 3 > 0 (first: any code is new); P2 adds 2 > .05*3;
    # P3 adds 1 > .05*5 = .25; P4 adds 0, not > .30  -> saturation at P3
    assert saturation_point(["P1", "P2", "P3", "P4"], [3, 2, 1, 0], 0.05) == "P3"
    # threshold .25: P3 adds 1, not > .25*5 = 1.25 -> the last to add information is P2
    assert saturation_point(["P1", "P2", "P3", "P4"], [3, 2, 1, 0], 0.25) == "P2"
    assert saturation_point(["P1", "P2"], [0, 0]) is None
    assert adds_information(1, 0, 0.05) and not adds_information(0, 0, 0.05)


def test_saturation_follows_interview_dates(study):
    codes.load_into_study(study, parse_codebook(SIX_CODES, source="six.yaml"), CLI)
    plan = {  # participant: (interview date, codes); added out of date order on purpose
        "P4": ("2022-07-04", "AC"), "P1": ("2022-07-01", "ABC"), "P3": ("2022-07-03", "BF"),
        "P2": ("2022-07-02", "ADE"), "P5": (None, "A"),
    }
    add_raters(study, "alice")
    for label, (date, letters) in plan.items():
        add_interview(study, f"{label}-interview", label, ["An answer."])
        with study.session() as session:
            session.execute(update(Transcript).where(Transcript.name == f"{label}-interview")
                            .values(interview_date=date))
        for letter in letters:
            apply_code(study, CLI, "alice", f"{label}-interview", 1, f"T/{letter}")
        finish_without_carrying(study, "alice", f"{label}-interview")
    assert interview_order(study) == ["P1", "P2", "P3", "P4", "P5"]  # undated last
    result = saturation(study, CLI)
    # P1 {A,B,C} new 3; P2 {D,E} new 2; P3 {F} new 1; P4 none; P5 none
    assert list(result.new) == [3, 2, 1, 0, 0]
    assert list(result.cumulative) == [3, 5, 6, 6, 6]
    assert result.saturation_at == "P3" and result.reached
    assert result.new_codes[1] == ("T/D", "T/E")
    assert saturation(study, CLI, threshold=0.25).saturation_at == "P2"


def test_saturation_threshold_must_be_a_share(coded):
    with pytest.raises(StudyError, match="between 0 and 1"):
        saturation(coded, CLI, threshold=5)


# -- CLI ----------------------------------------------------------------------------------------


def invoke(db_url, *args):
    return CliRunner().invoke(cli, ["--db", db_url, *args])


def test_cli_frequency_json_shape(coded, db_url):
    result = invoke(db_url, "table", "frequency", "--theme", "Challenges", "--source", "alice,bob",
                    "--format", "json")
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    assert data["source"]["raters"] == ["alice", "bob"] and data["source"]["combine"] == "union"
    first = data["rows"][0]
    assert set(first) == {"code", "ref", "theme", "participants", "of", "percent", "ids", "description", "quote"}
    assert (first["code"], first["participants"], first["of"], first["percent"], first["ids"]) == (
        "Model search", 2, 3, 66.7, ["P1", "P10"])
    assert set(first["quote"]) == {"text", "participant", "transcript", "segment"}


def test_cli_saturation_json_shape(coded, db_url):
    result = invoke(db_url, "saturation", "--format", "json", "--source", "alice")
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    # alice: P1 {MS, Lic} 2 new; P2 {Pop, MA} 2 new; P10 {MS} 0 new
    assert (data["participants"], data["new"], data["cumulative"]) == (["P1", "P2", "P10"], [2, 2, 0], [2, 4, 4])
    assert data["saturation_at"] == "P2" and data["threshold"] == 0.05 and data["source"]["name"] == "alice"


@pytest.mark.parametrize("kind", ["matrix", "demographics", "cooccurrence"])
def test_cli_tables_print_json(coded, db_url, kind):
    result = invoke(db_url, "table", kind, "--format", "json")
    assert result.exit_code == 0, result.output
    assert {"title", "columns", "rows", "source"} <= set(json.loads(result.output))


def test_cli_factors_and_majority(coded, db_url):
    result = invoke(db_url, "table", "factors", "--theme", "Attributes", "--min", "1", "--source", "alice,bob",
                    "--combine", "majority", "--format", "json")
    assert result.exit_code == 0, result.output
    # majority: only Popularity (P2) survives among the attributes
    assert [(r["group"], r["participants"]) for r in json.loads(result.output)["rows"]] == [("Traditional", 1)]


def test_cli_binary_formats_need_out(coded, db_url):
    result = invoke(db_url, "table", "frequency", "--format", "docx")
    assert result.exit_code != 0 and "--out" in result.output


def test_cli_writes_the_format_the_out_suffix_names(coded, db_url, tmp_path):
    import openpyxl

    out = tmp_path / "framework.xlsx"
    result = invoke(db_url, "table", "framework", "--source", "alice", "--out", str(out))
    assert result.exit_code == 0, result.output
    sheet = openpyxl.load_workbook(out).active
    assert [c.value for c in sheet[1]][:3] == ["Participant", "Challenges", "Attributes"]
    assert sheet["B2"].alignment.wrap_text


def test_cli_source_errors_are_one_line(coded, db_url):
    result = invoke(db_url, "table", "frequency", "--source", "nobody")
    assert result.exit_code == 1 and "nobody" in result.output
