"""Disagreements, automatic consensus on agreed codes, an adjudicator's decisions, and the CSV of them."""
from __future__ import annotations

import json

import pytest
from click.testing import CliRunner
from sqlalchemy import select

from study import adjudication, codings, exclusion
from study.adjudication import (
    AdjudicationProgress,
    DisagreementFilter,
    adjudication_progress,
    filter_disagreements,
    auto_adjudicate,
    disagreements,
    docket,
    import_resolutions_csv,
    resolutions,
    resolve,
)
from study.auth import CLI, Actor
from study.cli import cli
from study.disputes import disagreements_on, shown
from study.errors import CodingsFileError, NotAllowed, NotFound, StudyError
from study.store import AuditEntry, Resolution
from tests.factories import add_interview, add_raters, load_small_codebook

MS = "Challenges/Model search"
MA = "Challenges/Missing attributes"
POP = "Attributes/Traditional/Popularity"
LIC = "Attributes/Portability/License"
RATERS = ["alice", "bob"]
ADMIN = Actor("boss", "admin")


def disputed_study(study):
    """T1 (ten segments), both raters done:
    segment 1: alice MS + MA, bob MS  -> MS agreed, MA disputed
    segment 3: alice POP,     bob LIC -> both disputed
    segment 5: alice LIC,     bob LIC -> agreed
    segment 7: bob MS                 -> disputed
    """
    load_small_codebook(study)
    add_raters(study, "alice", "bob")
    add_interview(study, "T1", "P01", [f"answer {i}" for i in range(5)])
    for rater, applied in {"alice": [(1, MS), (1, MA), (3, POP), (5, LIC)],
                           "bob": [(1, MS), (3, LIC), (5, LIC), (7, MS)]}.items():
        for segment, code in applied:
            codings.apply_code(study, CLI, rater, "T1", segment, code)
        codings.mark_done(study, CLI, rater, "T1", anyway=True)
    return study


@pytest.fixture
def disputed(study_from):
    return study_from(disputed_study)


def consensus(study) -> dict[int, set[str]]:
    """{segment: codes} of the consensus rater."""
    result: dict[int, set[str]] = {}
    try:
        rows = codings.codings_of(study, CLI, "consensus")
    except NotFound:  # no consensus rater yet
        return result
    for row in rows:
        result.setdefault(row.segment, set()).add(row.code)
    return result


def originals(study) -> list:
    return [codings.codings_of(study, CLI, r) for r in RATERS]


def test_disagreements_list_each_raters_codes_and_the_disputed_ones(disputed):
    items = disagreements(disputed, CLI, RATERS)
    assert [(d.transcript, d.segment) for d in items] == [("T1", 1), ("T1", 3), ("T1", 7)]
    first = items[0]
    assert first.codes == {"alice": (MA, MS), "bob": (MS,)}
    assert first.disputed == (MA,)
    assert first.speaker == "P01" and first.text == "answer 0"
    assert items[1].disputed == (LIC, POP)  # sorted refs
    assert items[2].codes == {"alice": (), "bob": (MS,)}


@pytest.mark.parametrize("where, segments", [
    (DisagreementFilter(), [1, 3, 7]),
    (DisagreementFilter(transcripts=("T2",)), []),
    (DisagreementFilter(codes=(MA,)), [1]),
    (DisagreementFilter(themes=("Attributes",)), [3]),
    (DisagreementFilter(rater="bob"), [3, 7]),    # bob applied a disputed code on 3 (LIC) and 7 (MS), not on 1
    (DisagreementFilter(rater="alice"), [1, 3]),
    (DisagreementFilter(themes=("Challenges",), rater="alice"), [1]),
])
def test_disagreements_filter_by_transcript_code_theme_and_rater(disputed, where, segments):
    items = filter_disagreements(disagreements(disputed, CLI, RATERS), where)
    assert [d.segment for d in items] == segments


@pytest.mark.parametrize("number, segments, offset", [(1, [1, 3], 0), (2, [7], 2), (5, [7], 2)])  # 5: the last
def test_a_page_of_disagreements_holds_its_own_rows(disputed, number, segments, offset):
    items = disagreements(disputed, CLI, RATERS)  # segments 1, 3 and 7
    page = adjudication.disagreement_page(items, RATERS, number, size=2)
    assert [row["segment"] for row in page.table.rows] == segments
    assert (page.total, page.pages, page.offset) == (3, 2, offset)
    assert page.table.rows == adjudication.disagreement_table(items, RATERS).rows[offset:offset + 2]


def test_unresolved_only_leaves_decided_units_out(disputed):
    resolve(disputed, CLI, RATERS, "T1", 3, "both")
    items = filter_disagreements(disagreements(disputed, CLI, RATERS), DisagreementFilter(unresolved_only=True))
    assert [d.segment for d in items] == [1, 7]


def test_disagreements_at_participant_level_compare_whole_participants(disputed):
    [item] = disagreements(disputed, CLI, RATERS, level="participant")
    # over all of P01's segments alice applied MS, MA, POP, LIC and bob MS, LIC: MA and POP disputed
    assert item.participant == "P01" and item.transcript is None
    assert item.codes == {"alice": tuple(sorted((MA, MS, POP, LIC))), "bob": tuple(sorted((MS, LIC)))}
    assert item.disputed == tuple(sorted((MA, POP)))


def test_finishing_a_transcript_carries_exactly_the_codes_every_rater_applied(disputed):
    # bob marked T1 done last: segments 1 (MS) and 5 (LIC) carry what both applied, nothing else
    assert consensus(disputed) == {1: {MS}, 5: {LIC}}
    with disputed.session() as session:
        rows = session.scalars(select(Resolution)).all()
        assert sorted((r.decision, tuple(r.codes), r.adjudicator) for r in rows) == [
            ("agreed", (LIC,), "automatic"), ("agreed", (MS,), "automatic")]
        entry = session.scalars(select(AuditEntry).where(AuditEntry.action == "adjudicate.carry")).one()
        assert entry.target == "T1" and entry.after["raters"] == "alice,bob"
        assert (entry.after["agreed_units"], entry.after["codes_added"], entry.after["disputed_units"]) == (2, 2, 3)
    result = auto_adjudicate(disputed, ADMIN, RATERS)  # the button/--auto finds nothing left to carry
    assert (result.agreed_units, result.codes_added, result.disputed_units) == (2, 0, 3)


def test_nothing_is_carried_until_every_rater_finished(study):
    load_small_codebook(study)
    add_interview(study, "T1", "P01", ["answer"])
    add_raters(study, *RATERS)
    for rater in RATERS:
        codings.apply_code(study, CLI, rater, "T1", 1, MS)
    codings.mark_done(study, CLI, "alice", "T1", anyway=True)
    codings.mark_done(study, CLI, "bob", "T1", done=False)  # bob registered, not finished
    assert consensus(study) == {}
    codings.mark_done(study, CLI, "bob", "T1", anyway=True)
    assert consensus(study) == {1: {MS}}


@pytest.mark.parametrize("excluded", ["T1", "P01"])  # the transcript itself, or its participant
def test_an_excluded_transcript_is_carried_only_once_it_counts_again(study, excluded):
    load_small_codebook(study)
    add_interview(study, "T1", "P01", ["answer"])
    add_raters(study, *RATERS)
    for rater in RATERS:
        codings.apply_code(study, CLI, rater, "T1", 1, MS)
    exclusion.exclude(study, CLI, excluded, reason="pilot interview")
    for rater in RATERS:
        codings.mark_done(study, CLI, rater, "T1", anyway=True)
    assert consensus(study) == {}  # finished by both, but left out: nothing carried on marking done
    with pytest.raises(StudyError, match="no transcript is marked done by all"):
        auto_adjudicate(study, ADMIN, RATERS)  # nor by --auto
    with pytest.raises(StudyError, match="only finished transcripts are adjudicated"):
        resolve(study, ADMIN, RATERS, "T1", 1, "both")  # nor decided
    exclusion.include(study, CLI, excluded)
    assert consensus(study) == {1: {MS}}  # counting again, it is carried as marking done would have
    with study.session() as session:
        actions = session.scalars(select(AuditEntry.action).order_by(AuditEntry.id)).all()
        assert actions[-2:] == ["include", "adjudicate.carry"]


def test_reopened_and_changed_work_is_carried_again_when_finished(disputed):
    codings.mark_done(disputed, CLI, "alice", "T1", done=False)
    codings.apply_code(disputed, CLI, "alice", "T1", 7, MS)  # now agrees with bob on segment 7
    codings.mark_done(disputed, CLI, "alice", "T1", anyway=True)
    assert consensus(disputed) == {1: {MS}, 5: {LIC}, 7: {MS}}


def test_auto_again_changes_nothing(disputed):
    auto_adjudicate(disputed, CLI, RATERS)
    again = auto_adjudicate(disputed, CLI, RATERS)
    assert (again.codes_added, again.codes_removed) == (0, 0)
    with disputed.session() as session:
        assert len(session.scalars(select(Resolution)).all()) == 2


@pytest.mark.parametrize("segment, decision, codes, expected", [
    (3, "take:alice", None, {POP}),
    (3, "take:bob", None, {LIC}),
    (1, "both", None, {MA, MS}),
    (1, "neither", None, {MS}),
    (3, "neither", None, set()),
    (3, "edit", ["Attributes/License", MS], {LIC, MS}),  # short refs are resolved
])
def test_each_decision_sets_the_consensus_of_its_segment(disputed, segment, decision, codes, expected):
    auto_adjudicate(disputed, CLI, RATERS)
    record = resolve(disputed, ADMIN, RATERS, "T1", segment, decision, codes, reason="discussed")
    assert set(record.codes) == expected
    assert consensus(disputed).get(segment, set()) == expected


def test_a_decision_records_adjudicator_time_reason_and_an_audit_entry(disputed):
    resolve(disputed, ADMIN, RATERS, "T1", 3, "take:alice", reason="bob read the licence too widely")
    [record] = [r for r in resolutions(disputed, CLI, RATERS) if r.decision != "agreed"]
    assert (record.transcript, record.segment, record.adjudicator) == ("T1", 3, "boss")
    assert record.reason == "bob read the licence too widely" and record.at is not None
    with disputed.session() as session:
        entry = session.scalars(select(AuditEntry).where(AuditEntry.action == "adjudicate.resolve")).one()
        assert entry.actor == "boss" and entry.target == "T1#3"
        assert entry.after["decision"] == "take:alice" and entry.after["codes"] == [POP]


def test_progress_counts_disputed_resolved_and_unresolved(disputed):
    progress = adjudication_progress(disputed, RATERS, CLI)
    assert (progress.units, progress.disputed, progress.resolved, progress.unresolved) == (10, 3, 0, 3)
    auto_adjudicate(disputed, CLI, RATERS)
    assert adjudication_progress(disputed, RATERS, CLI).resolved == 0  # agreeing is not resolving
    resolve(disputed, CLI, RATERS, "T1", 3, "both")
    progress = adjudication_progress(disputed, RATERS, CLI)
    assert (progress.disputed, progress.resolved, progress.unresolved) == (3, 1, 2)
    assert disagreements(disputed, CLI, RATERS)[1].resolution == "both"


def test_auto_keeps_what_an_adjudicator_decided(disputed):
    resolve(disputed, CLI, RATERS, "T1", 1, "edit", [MA])
    result = auto_adjudicate(disputed, CLI, RATERS)
    assert consensus(disputed)[1] == {MA}  # not overwritten by the agreed MS
    assert result.kept_units == 1


def test_the_raters_own_codings_are_never_altered(disputed, tmp_path):
    before = originals(disputed)
    auto_adjudicate(disputed, CLI, RATERS)
    for segment, decision, codes in [(1, "both", None), (3, "take:bob", None), (7, "edit", [POP]),
                                     (3, "neither", None)]:
        resolve(disputed, CLI, RATERS, "T1", segment, decision, codes)
    path = tmp_path / "decisions.csv"
    path.write_text("transcript,segment,decision,codes,reason\nT1,7,take:alice,,\n")
    import_resolutions_csv(disputed, CLI, RATERS, path)
    assert originals(disputed) == before


def test_resolutions_csv_applies_every_row(disputed, tmp_path):
    path = tmp_path / "decisions.csv"
    path.write_text("transcript,segment,decision,codes,reason\n"
                    "T1,3,edit,Attributes/License;Challenges/Model search,both apply\n"
                    "T1,7,take:bob,,bob is right\n")
    assert import_resolutions_csv(disputed, ADMIN, RATERS, path) == 2
    # segments 1 and 5 hold the agreements carried when T1 was finished
    assert consensus(disputed) == {1: {MS}, 3: {LIC, MS}, 5: {LIC}, 7: {MS}}
    assert adjudication_progress(disputed, RATERS, CLI).resolved == 2


def test_resolutions_csv_errors_name_their_lines_and_nothing_is_applied(disputed, tmp_path):
    path = tmp_path / "decisions.csv"
    path.write_text("transcript,segment,decision,codes,reason\n"
                    "T1,3,take:alice,,fine\n"            # line 2: valid
                    "T1,7,maybe,,\n"                      # line 3: unknown decision
                    "T1,x,both,,\n"                       # line 4: not a segment index
                    "T9,1,both,,\n"                       # line 5: not a finished transcript
                    "T1,1,edit,Challenges/Nope,\n"        # line 6: unknown code
                    "T1,1,take:carol,,\n")                # line 7: not a compared rater
    with pytest.raises(CodingsFileError) as caught:
        import_resolutions_csv(disputed, CLI, RATERS, path)
    message = str(caught.value)
    assert "nothing was applied" in message
    for line in (3, 4, 5, 6, 7):
        assert f"line {line}:" in message
    assert "line 2:" not in message
    assert consensus(disputed) == {1: {MS}, 5: {LIC}}  # as carried when T1 was finished: no row applied
    with disputed.session() as session:
        assert {r.decision for r in session.scalars(select(Resolution))} == {"agreed"}


def test_resolutions_csv_needs_its_columns(disputed, tmp_path):
    path = tmp_path / "decisions.csv"
    path.write_text("transcript,decision\nT1,both\n")
    with pytest.raises(CodingsFileError, match="missing column"):
        import_resolutions_csv(disputed, CLI, RATERS, path)


@pytest.mark.parametrize("decision, codes, message", [
    ("edit", None, "codes go with the decision 'edit' only"),
    ("both", [MS], "codes go with the decision 'edit' only"),
    ("take:carol", None, "compared raters are alice, bob"),
    ("split", None, "unknown decision"),
])
def test_invalid_decisions_are_refused(disputed, decision, codes, message):
    with pytest.raises(StudyError, match=message):
        resolve(disputed, CLI, RATERS, "T1", 3, decision, codes)


def test_only_finished_transcripts_are_adjudicated(disputed):
    add_interview(disputed, "T2", "P02", ["answer"])
    with pytest.raises(StudyError, match="not a transcript that all of alice, bob marked done"):
        resolve(disputed, CLI, RATERS, "T2", 1, "both")
    with pytest.raises(StudyError, match="has no segment 42"):
        resolve(disputed, CLI, RATERS, "T1", 42, "both")


def test_consensus_is_not_a_rater_to_adjudicate_between(disputed):
    with pytest.raises(StudyError, match="adjudicated result"):
        auto_adjudicate(disputed, CLI, ["alice", "consensus"])


def test_coders_may_not_adjudicate_or_list_disagreements(disputed, tmp_path):
    coder = Actor("bob", "coder")
    path = tmp_path / "d.csv"
    path.write_text("transcript,segment,decision\nT1,3,both\n")
    for call in (lambda: auto_adjudicate(disputed, coder, RATERS),
                 lambda: resolve(disputed, coder, RATERS, "T1", 3, "both"),
                 lambda: import_resolutions_csv(disputed, coder, RATERS, path),
                 lambda: disagreements(disputed, coder, RATERS),
                 lambda: adjudication_progress(disputed, RATERS, coder)):
        with pytest.raises(NotAllowed):
            call()
    assert consensus(disputed) == {1: {MS}, 5: {LIC}}  # only what finishing T1 carried


# -- command line ----------------------------------------------------------------------


@pytest.fixture
def run(db_url):
    runner = CliRunner()
    return lambda *args: runner.invoke(cli, ["--db", db_url, *args])


def test_cli_adjudicate_auto_status_and_resolve(disputed, run):
    auto = run("adjudicate", "--raters", "alice,bob", "--auto")
    assert auto.exit_code == 0, auto.output
    assert "2 of 10 segment(s)" in auto.stdout and "unresolved 3" in auto.stdout
    one = run("adjudicate", "--raters", "alice,bob", "--resolve", "T1", "3", "--decision", "take:alice",
              "--reason", "agreed in meeting")
    assert one.exit_code == 0, one.output
    assert POP in one.stdout
    edit = run("adjudicate", "--raters", "alice,bob", "--resolve", "T1", "7", "--decision", "edit", "--codes", "")
    assert edit.exit_code == 0, edit.output
    status = run("adjudicate", "--raters", "alice,bob", "--status")
    assert "resolved 2, unresolved 1" in status.stdout
    assert consensus(disputed) == {1: {MS}, 3: {POP}, 5: {LIC}}


def test_cli_adjudicate_needs_exactly_one_action(disputed, run):
    result = run("adjudicate", "--raters", "alice,bob")
    assert result.exit_code == 2 and "choose one of --auto" in result.output
    result = run("adjudicate", "--raters", "alice,bob", "--auto", "--status")
    assert result.exit_code == 2


def test_cli_adjudicate_resolutions_file_error_is_one_message(disputed, run, tmp_path):
    path = tmp_path / "d.csv"
    path.write_text("transcript,segment,decision\nT1,3,maybe\n")
    result = run("adjudicate", "--raters", "alice,bob", "--resolutions", str(path))
    assert result.exit_code == 1 and "line 2" in result.output


def test_cli_disagreements_json_and_csv(disputed, run):
    result = run("disagreements", "--raters", "alice,bob", "--format", "json")
    assert result.exit_code == 0, result.output
    items = json.loads(result.stdout)
    assert [(d["transcript"], d["segment"]) for d in items] == [("T1", 1), ("T1", 3), ("T1", 7)]
    assert items[0]["codes"] == {"alice": [MA, MS], "bob": [MS]} and items[0]["disputed"] == [MA]
    csv_out = run("disagreements", "--raters", "alice,bob", "--format", "csv")
    assert csv_out.stdout.splitlines()[0] == "transcript,segment,speaker,text,alice,bob,disputed,resolution"


def test_cli_disagreements_refuse_a_theme_code_or_rater_the_study_lacks(disputed, run):
    """A filter naming nothing there is one line naming it and what there is, never an empty "(none)"."""
    theme = run("disagreements", "--raters", "alice,bob", "--theme", "Challenge")
    assert theme.exit_code == 1 and theme.stderr == (
        "Error: no theme 'Challenge' in the codebook; its themes are Challenges, Attributes, "
        "Attributes/Traditional, Attributes/Portability\n")
    code = run("disagreements", "--raters", "alice,bob", "--code", "Challenges/Nope")
    assert code.exit_code == 1 and "unknown code 'Challenges/Nope'" in code.stderr
    rater = run("disagreements", "--raters", "alice,bob", "--rater", "carol")
    assert rater.exit_code == 2 and "'carol' is not one of the raters compared (alice, bob)" in rater.stderr
    # a code written as the codebook takes it (any case, the sub-theme left out) filters as its full path
    found = [json.loads(run("disagreements", "--raters", "alice,bob", "--code", ref, "--format", "json").stdout)
             for ref in (LIC, "attributes/license")]
    assert found[0] == found[1] and [d["segment"] for d in found[0]] == [3]
    by_theme = json.loads(run("disagreements", "--raters", "alice,bob", "--theme", "Attributes/Traditional",
                              "--format", "json").stdout)
    assert [d["segment"] for d in by_theme] == [3]  # POP on segment 3


def test_a_docket_counts_as_the_progress_does_and_takes_a_decision_in_place(disputed):
    before = docket(disputed, CLI, RATERS)
    # T1: five questions and five answers; segments 1, 3 and 7 disputed, none decided
    assert before.progress == adjudication_progress(disputed, RATERS, CLI) == AdjudicationProgress(10, 3, 0)
    assert before.transcripts == ("T1",) and before.codes == tuple(sorted((MA, POP, LIC, MS)))
    unresolved = shown(disputed, CLI, RATERS, DisagreementFilter(unresolved_only=True))
    everything = shown(disputed, CLI, RATERS)
    segment = everything.segments[1]  # segment 3
    resolve(disputed, CLI, RATERS, "T1", 3, "take:bob")
    # what reading them again gives
    assert before.decided(newly=True) == docket(disputed, CLI, RATERS)
    assert unresolved.decided(segment, newly=True) == shown(disputed, CLI, RATERS, DisagreementFilter(
        unresolved_only=True))
    assert everything.decided(segment, newly=True) == shown(disputed, CLI, RATERS)
    assert docket(disputed, CLI, RATERS).progress.resolved == 1
    assert [d.resolution for d in disagreements_on(disputed, CLI, RATERS, everything.segments)] == [
        None, "take:bob", None]
    resolve(disputed, CLI, RATERS, "T1", 3, "both")  # decided again: not one more resolved
    assert before.decided(newly=True) == docket(disputed, CLI, RATERS)


def test_cli_disagreements_refuses_a_transcript_the_study_lacks(disputed, run):
    result = run("disagreements", "--raters", "alice,bob", "--transcript", "T9")
    assert result.exit_code == 1 and "no transcript named 'T9'" in result.output
    assert run("disagreements", "--raters", "alice,bob", "--transcript", "T1").exit_code == 0


def test_the_decisions_page_newest_first_with_their_count(disputed):
    for segment, decision in ((1, "both"), (3, "neither"), (7, "take:bob"), (1, "neither")):
        adjudication.resolve(disputed, CLI, RATERS, "T1", segment, decision)
    every = adjudication.resolutions(disputed, CLI, RATERS)  # oldest first, the carried agreement (5) too
    first = adjudication.decisions_page(disputed, CLI, RATERS, 1, size=2)
    assert (first.total, first.pages) == (len(every), -(-len(every) // 2))
    assert [(r["segment"], r["decision"]) for r in first.table.rows] == [(1, "neither"), (7, "take:bob")]
    last = adjudication.decisions_page(disputed, CLI, RATERS, 99, size=2)
    assert last.table.rows == adjudication.decision_table(every).rows[last.offset:]
    assert [(r.segment, r.decision) for r in every[-4:]] == [(1, "both"), (3, "neither"), (7, "take:bob"),
                                                             (1, "neither")]
