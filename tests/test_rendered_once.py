"""One value, one table, every front end (issue 12): the CLI prints and the Agreement and
Adjudicate pages draw the same ``Table`` built by the library, so their rows are the same.

The page side is ``study.app.display.table_styler`` of the library's table (what the pages pass
to ``st.dataframe``), read back as the text it shows; the CLI side is ``--format md``.
"""
from __future__ import annotations

import csv
import io
import re

import pytest
from click.testing import CliRunner

from study import adjudication, suggest
from study.agreement.breakdown import agreement_by
from study.agreement.span_study import span_agreement
from study.agreement.tables import breakdown_table, span_table
from study.app.display import table_styler
from study.auth import CLI
from study.cli import cli
from tests.test_agreement_breakdown import LIC, three  # noqa: F401  (fixture)
from tests.test_span_agreement import PAIRS, continuum  # noqa: F401  (fixture)
from tests.test_suggest import LICENSE, six  # noqa: F401  (fixture)


def cli_rows(db_url: str, *args: str) -> list[dict[str, str]]:
    """The table of a command's ``--format md`` output as rows keyed by header."""
    result = CliRunner().invoke(cli, ["--db", db_url, *args, "--format", "md"])
    assert result.exit_code == 0, result.output
    header, _rule, *lines = [line for line in result.stdout.splitlines() if line.startswith("|")]
    cells = lambda line: [re.sub(r"\\(.)", r"\1", c.strip()) for c in line.strip().strip("|").split(" | ")]  # noqa: E731
    return [dict(zip(cells(header), cells(line))) for line in lines]


def page_rows(table) -> list[dict[str, str]]:
    """What ``st.dataframe(table_styler(table))`` shows, as rows keyed by header."""
    text = table_styler(table).hide(axis="index").to_string(delimiter="\t")
    reader = csv.reader(io.StringIO(text), delimiter="\t")
    header, *lines = list(reader)
    return [dict(zip(header, line)) for line in lines]


def test_agreement_per_pair_is_the_same_in_the_cli_and_on_the_page(three):
    table = breakdown_table(agreement_by(three, CLI, ["alice", "bob", "carol"], by="pair"), "pair")
    shown = page_rows(table)
    assert cli_rows(three.url, "agreement", "--raters", "alice,bob,carol", "--by", "pair") == shown
    # alice & bob: 8 segments (two transcripts of four), one disputed (T1 #3, License), 7/8 = 87.5 % identical;
    # Model search alpha 1, License alpha 0 (see test_agreement_breakdown), median .5 over 2 codes
    assert {k: shown[0][k] for k in ("pair", "transcripts", "segments", "disputed", "% identical", "median alpha",
                                     "codes with alpha")} == {
        "pair": "alice & bob", "transcripts": "2", "segments": "8", "disputed": "1", "% identical": "87.5",
        "median alpha": "0.500", "codes with alpha": "2"}


def test_agreement_per_transcript_is_the_same_in_the_cli_and_on_the_page(three):
    table = breakdown_table(agreement_by(three, CLI, ["alice", "bob"], by="transcript"), "transcript")
    shown = page_rows(table)
    assert cli_rows(three.url, "agreement", "--raters", "alice,bob", "--by", "transcript") == shown
    assert [(r["transcript"], r["disputed"], r["% identical"]) for r in shown] == [("T1", "1", "75.0"),
                                                                                    ("T2", "0", "100.0")]


def test_the_breakdown_csv_holds_the_values(three):
    result = CliRunner().invoke(cli, ["--db", three.url, "agreement", "--raters", "alice,bob", "--by", "transcript",
                                      "--format", "csv"])
    rows = list(csv.DictReader(io.StringIO(result.stdout)))
    assert (rows[0]["transcript"], float(rows[0]["% identical"]), float(rows[0]["median alpha"])) == ("T1", 75, 0.5)


def test_span_agreement_is_the_same_in_the_cli_and_on_the_page(continuum):
    shown = page_rows(span_table(span_agreement(continuum, CLI, ["alice", "bob"])))
    assert cli_rows(continuum.url, "agreement", "--raters", "alice,bob", "--unit", "span") == shown
    # Krippendorff's pair A: alice coded 2 stretches of 8 + 6 characters, bob 2 of 4 + 2
    row = next(r for r in shown if r["code"] == PAIRS["A"])
    assert (row["stretches alice"], row["stretches bob"], row["characters alice"], row["characters bob"]) == (
        "2", "2", "14", "6")


def test_disagreements_are_the_same_in_the_cli_and_on_the_pages(three):
    table = adjudication.disagreement_table(adjudication.disagreements(three, CLI, ["alice", "bob"]), ["alice", "bob"])
    shown = page_rows(table)
    assert cli_rows(three.url, "disagreements", "--raters", "alice,bob") == shown
    assert [(r["transcript"], r["segment"], r["alice"], r["bob"], r["disputed"]) for r in shown] == [
        ("T1", "3", LIC, "", LIC)]


@pytest.mark.parametrize("fmt", ["md", "table"])
def test_suggestion_scores_are_the_same_in_the_cli_and_the_library_table(six, fmt):
    assert CliRunner().invoke(cli, ["--db", six.url, "suggest", "run"]).exit_code == 0
    table = suggest.evaluation_table(suggest.evaluate_suggestions(six, CLI, "alice"))
    shown = page_rows(table)
    if fmt == "md":
        assert cli_rows(six.url, "suggest", "evaluate", "--against", "alice") == shown
    else:
        text = CliRunner().invoke(cli, ["--db", six.url, "suggest", "evaluate", "--against", "alice"]).stdout
        assert text.startswith(table.title) and all(note in text for note in table.notes)
    # License: alice on answers 1, 2, 3, 6, the keywords on 1, 2, 6: precision 3/3, recall 3/4,
    # F1 2 * .75 / 1.75 = .857; alpha over the 12 values of 6 segments (7 ones, 5 zeros, one
    # mismatched segment): 1 - 11 * 2 / (2 * 5 * 7) = .686
    row = next(r for r in shown if r["code"] == LICENSE)
    assert row == {"code": LICENSE, "support": "4", "predicted": "3", "both": "3", "precision": "1.000",
                   "recall": "0.750", "F1": "0.857", "alpha": "0.686"}


def test_the_agreement_page_shows_the_suggestion_scores_the_cli_prints(six, monkeypatch):
    import streamlit as st

    from study.auth import Actor
    from tests.test_app_pages import open_page

    suggest.suggest_codings(six, CLI)
    monkeypatch.setenv("STUDY_DB", six.url)
    st.cache_resource.clear()
    st.cache_data.clear()
    at = open_page("agreement", Actor("admin", "admin"))
    assert not at.exception and not at.error
    assert at.tabs[-1].label == "Suggestions"
    at.session_state["agreement_tab"] = "Suggestions"  # a tab is computed when opened
    frame = at.run().tabs[-1].dataframe[0].value
    table = suggest.evaluation_table(suggest.evaluate_suggestions(six, CLI, "alice"))
    shown = [{k: None if v != v else v for k, v in row.items()} for row in frame.to_dict("records")]  # NaN: None
    assert shown == table.value_rows()


def test_exclusions_are_the_same_in_the_cli_and_on_the_transcripts_page(three):
    from study import exclusion

    exclusion.exclude(three, CLI, "T2", reason="a pilot interview")
    shown = page_rows(exclusion.exclusion_table(exclusion.exclusions(three)))
    assert cli_rows(three.url, "exclude") == shown
    assert [(r["excluded"], r["transcripts"], r["reason"]) for r in shown] == [
        ("transcript T2", "T2", "a pilot interview")]


def test_the_transcripts_listing_is_the_same_in_the_cli_and_on_the_page(three):
    from study import workspace

    page = page_rows(workspace.transcripts_table(three, CLI))
    # the CLI lists the transcripts; the page adds each coder's progress (T1: 2 answers, both coded by alice)
    assert cli_rows(three.url, "transcripts") == [{k: v for k, v in row.items() if k not in ("alice", "bob", "carol")}
                                                   for row in page]
    assert [(r["transcript"], r["participant"], r["segments"], r["alice"]) for r in page] == [
        ("T1", "P01", "4", "2 / 2, done"), ("T2", "P02", "4", "1 / 2, done")]


def test_the_codebook_is_the_same_in_the_cli_and_on_the_page(three):
    from study import codes

    shown = page_rows(codes.codebook_table(codes.code_views(three, include_retired=False)))
    assert cli_rows(three.url, "codebook", "show") == shown
    row = next(r for r in shown if r["path"] == LIC)
    assert (row["theme"], row["code"]) == ("Attributes / Portability", "License")


def test_the_ratings_calculator_prints_its_table(tmp_path):
    from study.agreement.irr import irr_from_csv, irr_table

    ratings = tmp_path / "ratings.csv"
    ratings.write_text("alice,bob\n1,1\n1,1\n1,0\n0,0\n0,0\n")
    expected = irr_table(irr_from_csv(ratings, replicates=0), str(ratings)).display_rows()
    assert cli_rows(str(tmp_path / "no-study.db"), "irr", str(ratings), "--replicates", "0") == expected
    values = {r["coefficient"]: r["value"] for r in expected}
    # 4 of 5 units agree: .800; Cohen's kappa: p_e = .6 * .4 + .4 * .6 = .48, (.8 - .48) / .52 = .615
    assert (values["percent_agreement"], values["cohen_kappa"], values["raters"]) == ("0.800", "0.615", "alice, bob")


def test_participants_are_the_same_in_the_cli_and_on_the_page(three):
    from study.importing.uploads import UploadedFile, upload_participants
    from study.participants import list_participants, participant_table

    upload_participants(three, CLI, UploadedFile("people.csv", b"participant,age,role\nP01,34,engineer\n"))
    shown = page_rows(participant_table(list_participants(three)))
    assert cli_rows(three.url, "participants") == shown
    assert shown == [{"participant": "P01", "transcripts": "T1", "age": "34", "role": "engineer"},
                     {"participant": "P02", "transcripts": "T2", "age": "", "role": ""}]


def test_the_agreement_page_shows_the_theme_table_the_cli_prints(three, monkeypatch):
    import streamlit as st

    from study.agreement.study_agreement import agreement_report
    from study.agreement.tables import theme_table
    from study.auth import Actor
    from tests.test_app_pages import open_page

    monkeypatch.setenv("STUDY_DB", three.url)
    st.cache_resource.clear()
    st.cache_data.clear()
    at = open_page("agreement", Actor("admin", "admin"))
    assert not at.exception and not at.error
    frame = at.tabs[0].dataframe[1].value  # under the per-code table
    table = theme_table(agreement_report(three, CLI, ["alice", "bob"], replicates=0))
    shown = [{k: None if v != v else v for k, v in row.items()} for row in frame.to_dict("records")]
    assert shown == table.value_rows()
    # Challenges: Model search agrees everywhere (alpha 1), Missing attributes nobody applied (undefined)
    assert next(r for r in shown if r["theme"] == "Challenges")["median alpha"] == 1.0


def test_decisions_are_the_same_in_the_cli_and_on_the_adjudicate_page(three):
    adjudication.resolve(three, CLI, ["alice", "bob"], "T1", 3, "take:alice", reason="bob missed it")
    shown = page_rows(adjudication.decision_table(adjudication.resolutions(three, CLI, ["alice", "bob"])))
    assert cli_rows(three.url, "decisions", "--raters", "alice,bob") == shown
    # newest first: T1 #3, where only alice applied License, takes alice's codes
    assert {k: shown[0][k] for k in ("transcript", "segment", "decision", "codes", "reason")} == {
        "transcript": "T1", "segment": "3", "decision": "take:alice", "codes": LIC, "reason": "bob missed it"}
