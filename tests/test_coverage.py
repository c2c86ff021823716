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
from study.store import AuditEntry, User
from tests.factories import add_interview, load_small_codebook

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


def _finish_without_carrying(study, rater, transcript):
    """Marks done as versions before carrying on done did: the consensus is not touched."""
    with study.session() as session:
        user = session.scalar(select(User).where(User.name == rater))
        tid = codings.find_transcript(session, transcript).id
        codings.set_done(session, CLI, user.id, tid, True, carry=False)


def twelve_study(study):
    """Twelve interviews (P1 ... P12), two answers each (segments 1 and 3).

    Both raters applied Missing attributes on segment 1 of P1 ... P11 (11 participants).
    Disputes: P1#1 alice also Model search; P12#1 alice Model search; P12#3 alice Popularity.
    """
    load_small_codebook(study)
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
            _finish_without_carrying(twelve, rater, t(person))
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
            codings.mark_done(twelve, CLI, rater, t(person))
    table, counts = challenges(twelve)
    assert table.source["name"] == "consensus" and table.warning == ""
    assert counts == {"Model search": (0, 12), "Missing attributes": (11, 12)}
    # three segments are disputed (P1#1, P12#1, P12#3), none decided yet
    assert table.source["coverage"]["open_disagreements"] == 3
    assert "3 disagreement(s) still open" in table.caption
    assert "Included: 12 participant(s) (P1, P2, P3, P4, P5, P6, P7, P8, P9, P10, P11, P12)" in table.caption


@pytest.fixture
def partial(twelve):
    """The measured bug's state: every transcript finished, agreements not carried, one decision."""
    for person in PEOPLE:
        for rater in RATERS:
            _finish_without_carrying(twelve, rater, t(person))
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
    assert "Warning: partial consensus" in built.methods
    assert built.blocks[0].text.startswith("Warning: partial consensus")  # above the methods


# -- exclude, include, remove ---------------------------------------------------------------


def test_an_excluded_participant_leaves_m_and_the_table_names_who_counts(twelve):
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
            codings.mark_done(twelve, CLI, rater, t(person))
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
