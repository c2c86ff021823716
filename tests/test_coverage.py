"""Honest sources: a partial consensus is never shown as the consensus, every table says what it
counts, and admins exclude or remove transcripts and participants (issue 10, issue 8)."""
from __future__ import annotations

import csv
import io
import json

import docx
import openpyxl
import pytest
from click.testing import CliRunner
from sqlalchemy import select

from study import adjudication, codings, exclusion, exports, findings, report
from study.agreement.study_agreement import agreement_report
from study.auth import CLI, Actor
from study.cli import cli
from study.errors import NotAllowed, NotFound, StudyError
from study.saturation import saturation
from study.store import AuditEntry
from tests.factories import add_interview, add_raters, finish_without_carrying, load_small_codebook

MS = "Challenges/Model search"
MA = "Challenges/Missing attributes"
POP = "Attributes/Traditional/Popularity"
RATERS = ["alice", "bob"]
PEOPLE = [f"P{n}" for n in range(1, 13)]


def t(person: str) -> str:
    """The transcript of a participant."""
    return f"{person}-interview"


def _code(study, rater, transcript, segment, code):
    codings.apply_code(study, CLI, rater, transcript, segment, code)


def twelve_study(study):
    """Twelve interviews (P1 ... P12), two answers each (segments 1 and 3).

    Both raters applied Missing attributes on segment 1 of P1 ... P11 (11 participants).
    Disputes: P1#1 alice also Model search; P12#1 alice Model search; P12#3 alice Popularity.
    """
    load_small_codebook(study)
    add_raters(study, *RATERS)
    for person in PEOPLE:
        add_interview(study, t(person), person, ["first answer", "second answer"])
    for rater in RATERS:
        for person in PEOPLE[:11]:
            _code(study, rater, t(person), 1, MA)
    _code(study, "alice", t("P1"), 1, MS)
    _code(study, "alice", t("P12"), 1, MS)
    _code(study, "alice", t("P12"), 3, POP)
    return study


@pytest.fixture
def twelve(study_from):
    return study_from(twelve_study)


def challenges(study, **kw):
    table = findings.frequency_table(study, CLI, "Challenges", order="codebook", **kw)
    return table, {r["code"]: (r["participants"], r["of"]) for r in table.rows}


def test_the_measured_bug_a_partial_consensus_is_flagged_at_the_top(twelve):
    """Before carrying, the consensus held three adjudicated decisions only and the Challenges table
    read "Missing attributes 1 of 12" captioned as the consensus, with no warning."""
    for person in PEOPLE:
        for rater in RATERS:
            finish_without_carrying(twelve, rater, t(person))
    adjudication.resolve(twelve, CLI, RATERS, t("P1"), 1, "take:bob")       # {MA}
    adjudication.resolve(twelve, CLI, RATERS, t("P12"), 1, "take:alice")    # {MS}
    adjudication.resolve(twelve, CLI, RATERS, t("P12"), 3, "neither")       # {}
    table, counts = challenges(twelve)
    assert table.source["name"] == "consensus"
    assert counts["Missing attributes"] == (1, 12)  # what the issue measured
    # P2 ... P11 hold agreed Missing attributes the consensus lacks: 10 of the 12 finished transcripts
    assert table.warning.startswith("Warning: partial consensus. The consensus does not cover 10 of the 12 "
                                    "transcripts alice, bob finished (P2-interview, P3-interview, P4-interview, ")
    assert table.source["coverage"]["uncovered"] == [t(f"P{n}") for n in range(2, 12)]
    adjudication.auto_adjudicate(twelve, CLI, RATERS)
    table, counts = challenges(twelve)
    assert counts["Missing attributes"] == (11, 12)
    assert table.warning == ""


def test_finishing_carries_agreements_so_the_first_table_is_complete(twelve):
    for person in PEOPLE:
        for rater in RATERS:
            codings.mark_done(twelve, CLI, rater, t(person), anyway=True)
    table, counts = challenges(twelve)
    assert table.source["name"] == "consensus"
    assert counts == {"Model search": (0, 12), "Missing attributes": (11, 12)}
    # three segments are disputed (P1#1, P12#1, P12#3), none decided yet: the counts are provisional
    assert table.source["coverage"]["open_disagreements"] == 3
    assert "3 disagreement(s) are still open" in table.caption
    assert table.warning.startswith("Warning: provisional counts. 3 disagreement(s) between alice and bob are still "
                                    "open")
    assert "Included: 12 participant(s) (P1, P2, P3, P4, P5, P6, P7, P8, P9, P10, P11, P12)" in table.caption


@pytest.fixture
def partial(twelve):
    """The measured bug's state: every transcript finished, agreements not carried, one decision."""
    for person in PEOPLE:
        for rater in RATERS:
            finish_without_carrying(twelve, rater, t(person))
    adjudication.resolve(twelve, CLI, RATERS, t("P1"), 1, "take:bob")
    return twelve


@pytest.mark.parametrize("fmt", ["csv", "md", "latex", "html", "json"])
def test_the_warning_leads_every_text_export(partial, fmt):
    table, _ = challenges(partial)
    text = exports.to_text(table, fmt)
    first = text.index("partial consensus")
    assert first < text.index("Missing attributes")
    if fmt == "csv":
        assert next(csv.reader(io.StringIO(text))) == [table.warning]
    if fmt == "json":
        assert json.loads(text)["warning"] == table.warning


def test_the_warning_leads_word_and_excel(partial):
    table, _ = challenges(partial)
    document = docx.Document(io.BytesIO(exports.to_bytes(table, "docx")))
    assert document.paragraphs[0].text == table.warning
    sheet = openpyxl.load_workbook(io.BytesIO(exports.to_bytes(table, "xlsx"))).active
    assert sheet["A1"].value == table.warning and sheet["A2"].value == "Code"


def test_the_warning_leads_the_cli_table_and_the_report(partial, db_url, tmp_path):
    result = CliRunner().invoke(cli, ["--db", db_url, "table", "frequency", "--theme", "Challenges"])
    assert result.exit_code == 0, result.output
    assert result.output.startswith("Warning: partial consensus")
    built = report.build_report(partial, CLI)
    assert built.blocks[0].text.startswith("Warning: partial consensus")  # above the methods, said once
    assert "Warning" not in built.methods


# -- exclude, include, remove ---------------------------------------------------------------


def test_an_excluded_participant_leaves_m_and_the_table_names_who_counts(twelve):
    for person in PEOPLE:
        finish_without_carrying(twelve, "alice", t(person))
    record = exclusion.exclude(twelve, CLI, "P12", reason="test upload")
    assert (record.kind, record.transcripts) == ("participant", (t("P12"),))
    table, counts = challenges(twelve, source="alice")
    # alice applied Missing attributes for P1 ... P11 and Model search for P1 and P12 (now excluded)
    assert counts == {"Model search": (1, 11), "Missing attributes": (11, 11)}
    assert "Included: 11 participant(s) (P1, P2, P3, P4, P5, P6, P7, P8, P9, P10, P11)" in table.caption
    assert "excluded by an admin: P12-interview" in table.caption
    exclusion.include(twelve, CLI, "P12")
    assert challenges(twelve, source="alice")[1]["Model search"] == (2, 12)


def test_excluded_transcripts_leave_the_agreement_units(twelve):
    for person in PEOPLE:
        for rater in RATERS:
            codings.mark_done(twelve, CLI, rater, t(person), anyway=True)
    before = agreement_report(twelve, CLI, RATERS, replicates=0)
    exclusion.exclude(twelve, CLI, t("P12"))
    after = agreement_report(twelve, CLI, RATERS, replicates=0)
    # each interview: 2 questions + 2 answers = 4 segments
    assert (before.overall.units, after.overall.units) == (48, 44)
    assert t("P12") not in after.transcripts
    assert [d.transcript for d in adjudication.disagreements(twelve, CLI, RATERS)] == [t("P1")]


def test_the_transcripts_listing_says_which_are_excluded(twelve, db_url):
    exclusion.exclude(twelve, CLI, "P12")  # the participant, with their one transcript
    exclusion.exclude(twelve, CLI, t("P3"))  # one transcript
    result = CliRunner().invoke(cli, ["--db", db_url, "transcripts", "--format", "json"])
    assert result.exit_code == 0, result.output
    rows = {row["name"]: row["excluded"] for row in json.loads(result.output)}
    assert {name for name, excluded in rows.items() if excluded} == {t("P12"), t("P3")}
    assert len(rows) == 12


def test_removing_a_transcript_keeps_what_it_held_in_the_audit_log(twelve):
    codings.set_memo(twelve, CLI, "alice", t("P12"), None, "an odd interview")
    removed = exclusion.remove(twelve, CLI, t("P12"))
    assert (removed.transcripts, removed.segments, removed.codings, removed.memos) == ((t("P12"),), 4, 2, 1)
    with pytest.raises(NotFound):
        codings.codings_of(twelve, CLI, "alice", t("P12"))
    assert "P12" not in findings.study_participants(twelve)
    with twelve.session() as session:
        entry = session.scalars(select(AuditEntry).where(AuditEntry.action == "remove")).one()
    [held] = entry.before["transcripts"]
    assert held["text"].startswith("Interviewer: Question 1?")
    assert sorted((c["rater"], c["segment"], c["code"]) for c in held["codings"]) == [
        ("alice", 1, MS), ("alice", 3, POP)]
    assert held["memos"] == [{"rater": "alice", "segment": None, "text": "an odd interview"}]


def test_only_admins_exclude_or_remove(twelve):
    coder = Actor("alice", "coder")
    for call in (lambda: exclusion.exclude(twelve, coder, "P1"), lambda: exclusion.include(twelve, coder, "P1"),
                 lambda: exclusion.remove(twelve, coder, t("P1"))):
        with pytest.raises(NotAllowed):
            call()


def test_exclusion_errors_are_clear(twelve):
    with pytest.raises(NotFound, match="no transcript or participant named 'P99'"):
        exclusion.exclude(twelve, CLI, "P99")
    exclusion.exclude(twelve, CLI, "P3")
    with pytest.raises(StudyError, match="excluded already"):
        exclusion.exclude(twelve, CLI, "P3")
    with pytest.raises(StudyError, match="is not excluded"):
        exclusion.include(twelve, CLI, "P4")


def test_cli_exclude_include_remove(twelve, db_url):
    runner = CliRunner()
    result = runner.invoke(cli, ["--db", db_url, "exclude", "P12", "--reason", "mistake"])
    assert result.exit_code == 0, result.output
    assert "Excluded participant P12 from findings and agreement (1 transcript(s): P12-interview)" in result.output
    listing = runner.invoke(cli, ["--db", db_url, "exclude", "--format", "json"])
    assert [r["name"] for r in json.loads(listing.output)] == ["P12"]
    assert runner.invoke(cli, ["--db", db_url, "include", "P12"]).exit_code == 0
    refused = runner.invoke(cli, ["--db", db_url, "remove", "P12-interview"])
    assert refused.exit_code != 0 and "--yes" in refused.output
    done = runner.invoke(cli, ["--db", db_url, "remove", "P12-interview", "--yes"])
    assert done.exit_code == 0 and "kept in the audit log" in done.output
    missing = runner.invoke(cli, ["--db", db_url, "remove", "P12-interview", "--yes"])
    assert missing.exit_code == 1 and missing.output.count("\n") == 1 and "Traceback" not in missing.output


def test_the_report_analyses_what_is_not_excluded(twelve):
    for person in PEOPLE:
        finish_without_carrying(twelve, "alice", t(person))
    exclusion.exclude(twelve, CLI, "P12")
    built = report.build_report(twelve, CLI, source="alice")
    # 11 interviews of 2 questions and 2 answers: 44 segments
    assert "We analysed 11 transcript(s) of interviews with 11 participant(s), cut into 44 segments" in built.methods
    assert "excluded by an admin: P12-interview" in built.methods


def test_removing_a_participant_removes_their_transcripts(twelve):
    removed = exclusion.remove(twelve, CLI, "P12")
    assert (removed.kind, removed.transcripts) == ("participant", (t("P12"),))
    assert "P12" not in findings.study_participants(twelve)
    with pytest.raises(NotFound):
        exclusion.exclude(twelve, CLI, "P12")


# -- the measured cases of issue 18, on the sample study ----------------------------------------


@pytest.fixture
def sample(study_from):
    from tests.conftest import coded_sample_study

    return study_from(coded_sample_study)


def test_one_uncoded_transcript_leaves_m_unchanged_and_is_named_everywhere(sample, db_url):
    """Measured: one more transcript imported and nothing coded made every table read "N of 11", the
    saturation curve score it as adding nothing, and the methods say "We analysed 11 transcript(s)"."""
    before = findings.frequency_table(sample, CLI)
    add_interview(sample, "P11-2022-08-09", "P11", ["Nothing coded here yet."])
    after = findings.frequency_table(sample, CLI)
    # the ten sample interviews, P01 ... P10, each finished by alice and bob
    assert {r["of"] for r in after.rows} == {r["of"] for r in before.rows} == {10}
    assert [(r["code"], r["participants"]) for r in after.rows] == [(r["code"], r["participants"]) for r in before.rows]
    assert "not yet coded: P11-2022-08-09 (left out of M)" in after.caption
    assert "Not yet coded: P11-2022-08-09 (1 transcript(s) not marked done by alice and bob), left out of M." \
        in after.warning
    curve = saturation(sample, CLI)
    assert len(curve.participants) == 10 and "P11" not in curve.participants
    assert all("P11" not in r["participant"] for r in findings.matrix_table(sample, CLI).rows)
    printed = CliRunner().invoke(cli, ["--db", db_url, "table", "frequency"])
    assert printed.exit_code == 0, printed.output
    assert "Not yet coded: P11-2022-08-09" in printed.output.splitlines()[0]  # the warning leads
    assert "not yet coded: P11-2022-08-09 (left out of M)" in printed.output  # and the caption names it
    methods = report.build_report(sample, CLI).methods
    assert "We analysed 10 transcript(s) of interviews with 10 participant(s)" in methods
    assert "1 further transcript(s) were not yet coded and are left out (not yet coded: P11-2022-08-09)" in methods
    assert methods.count("P11-2022-08-09") == 1  # one sentence says it, not the coverage sentence too


def test_the_sample_studys_73_open_disagreements_make_every_table_provisional(sample, db_url):
    """Measured: after `adjudicate --auto` the sample study has 73 disputed segments and no decision;
    the table's source carried no warning and the methods said disagreements "were resolved"."""
    adjudication.auto_adjudicate(sample, CLI, RATERS)
    table = findings.frequency_table(sample, CLI)
    assert table.source["name"] == "consensus"
    coverage = table.source["coverage"]
    assert (coverage["open_disagreements"], coverage["decided"], coverage["carried"]) == (73, 0, 135)
    assert table.warning.startswith("Warning: provisional counts. 73 disagreement(s) between alice and bob are "
                                    "still open")
    printed = CliRunner().invoke(cli, ["--db", db_url, "table", "frequency", "--format", "md"])
    assert printed.output.startswith("> **Warning: provisional counts. 73 disagreement(s)")
    built = report.build_report(sample, CLI)
    assert built.blocks[0].text == table.warning
    assert ("Adjudication: an adjudicator decided 0 segment(s) on which alice and bob disagreed; 135 segment(s) on "
            "which they agreed were carried into the consensus as agreed; 73 disagreement(s) are still open") \
        in built.methods
    assert "resolved" not in built.methods
