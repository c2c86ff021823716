"""Every quote for a code (issue 9): spans, whole segments and whole transcripts, with the raters
who coded each, filtered by participant and transcript, from the library and `study quotes`."""
from __future__ import annotations

import csv
import io

import pytest
from click.testing import CliRunner
from sqlalchemy import select

from study import codes, codings, counting, quotes
from study.auth import CLI, Actor
from study.cli import cli
from study.errors import NotFound
from study.listing import segment_rows
from study.sources import choose_source
from study.store import Transcript
from tests.factories import add_interview, add_raters, load_small_codebook

SEARCH = "Challenges/Model search"
LICENSE = "Attributes/Portability/License"


def quoted_study(study):
    load_small_codebook(study)
    add_raters(study, "alice", "bob")
    add_interview(study, "P1-a", "P1", ["I search the hub for a model, then read the card.", "Nothing else."])
    add_interview(study, "P2-a", "P2", ["We search by downloads.", "The license decides."])
    answer = segment_rows(study, "P1-a")[1]
    hub = (answer["start"] + 13, answer["start"] + 16)  # "the hub" -> "hub"
    for rater in ("alice", "bob"):
        codings.apply_code(study, CLI, rater, "P1-a", 1, SEARCH, span=hub)  # both raters: one quote
    codings.apply_code(study, CLI, "alice", "P2-a", 1, SEARCH)  # a whole segment
    codings.apply_code(study, CLI, "bob", "P2-a", None, LICENSE)  # a whole transcript
    for rater in ("alice", "bob"):
        for transcript in ("P1-a", "P2-a"):
            codings.mark_done(study, CLI, rater, transcript, anyway=True)
    return study


@pytest.fixture
def coded(study_from):
    return study_from(quoted_study)


def test_a_span_coded_by_two_raters_is_one_quote_naming_both(coded):
    found = quotes.quotes(coded, CLI, [SEARCH], source="alice,bob")
    assert [(q.participant, q.transcript, q.segment, q.text, q.raters) for q in found] == [
        ("P1", "P1-a", 1, "hub", ("alice", "bob")),
        ("P2", "P2-a", 1, "We search by downloads.", ("alice",)),
    ]
    answer = segment_rows(coded, "P1-a")[1]
    assert found[0].position == f"#1 [{answer['start'] + 13}-{answer['start'] + 16}]"


def test_a_whole_transcript_coding_is_quoted_whole(coded):
    [quote] = quotes.quotes(coded, CLI, [LICENSE], source="alice,bob")
    assert (quote.position, quote.raters) == ("whole transcript", ("bob",))
    assert quote.text.startswith("Interviewer: Question 1?") and quote.text.endswith("The license decides.")


def test_filters_by_participant_and_transcript(coded):
    assert [q.transcript for q in quotes.quotes(coded, CLI, [SEARCH], source="alice,bob", participant="P2")] == ["P2-a"]
    assert [q.transcript for q in quotes.quotes(coded, CLI, theme="Challenges", source="alice,bob",
                                                transcript="P1-a")] == ["P1-a"]


def test_a_coder_sees_only_their_own_quotes(coded):
    found = quotes.quotes(coded, Actor("bob", "coder"), [SEARCH], source="alice")
    assert [(q.transcript, q.raters) for q in found] == [("P1-a", ("bob",))]


def test_study_quotes_writes_csv(coded, tmp_path):
    db = coded.url
    result = CliRunner().invoke(cli, ["--db", db, "quotes", "--code", SEARCH, "--source", "alice,bob",
                                      "--format", "csv"])
    assert result.exit_code == 0, result.output
    rows = list(csv.DictReader(io.StringIO(result.output)))
    assert [(r["Participant"], r["Rater(s)"], r["Quote"]) for r in rows] == [
        ("P1", "alice, bob", "hub"), ("P2", "alice", "We search by downloads.")]
    out = tmp_path / "quotes.docx"
    assert CliRunner().invoke(cli, ["--db", db, "quotes", "--code", SEARCH, "--out", str(out)]).exit_code == 0
    assert out.read_bytes()[:2] == b"PK"


def test_a_participant_or_transcript_the_study_lacks_is_refused(coded):
    with pytest.raises(NotFound, match="no participant named 'P02'"):
        quotes.quotes(coded, CLI, [SEARCH], source="alice,bob", participant="P02")
    result = CliRunner().invoke(cli, ["--db", coded.url, "quotes", "--code", SEARCH, "--transcript", "P1"])
    assert result.exit_code == 1 and "no transcript named 'P1'" in result.output and "study transcripts" in result.output


def test_quotes_need_a_code_or_a_theme(coded):
    result = CliRunner().invoke(cli, ["--db", coded.url, "quotes"])
    assert result.exit_code == 1 and "name a code or a theme" in result.output


def test_exemplar_and_framework_quote_the_coded_span(coded):
    from study import findings

    table = findings.frequency_table(coded, CLI, "Challenges", "alice,bob")
    [search] = [r for r in table.rows if r["code"] == "Model search"]
    assert search["quote"]["text"] == "hub"  # both raters' span beats alice's lone segment (more votes)
    framework = findings.framework_table(coded, CLI, "Challenges", "alice,bob")
    [p1] = [r for r in framework.rows if r["participant"] == "P1"]
    assert "[Model search] “hub” (P1-a #1)" in p1["Challenges"]


def test_a_page_of_quotes_holds_its_share_of_every_quote(coded):
    every = quotes.quotes_table(coded, CLI, [SEARCH, LICENSE], source="alice,bob").rows
    assert len(every) == 3  # the shared span, alice's segment, bob's whole transcript
    pages = [quotes.quotes_page(coded, CLI, [SEARCH, LICENSE], source="alice,bob", number=n, size=2) for n in (1, 2)]
    assert [p.total for p in pages] == [3, 3] and [p.pages for p in pages] == [2, 2]
    assert pages[0].table.rows + pages[1].table.rows == every
    assert pages[1].describe("quotes") == "3–3 of 3 quotes"
    past = quotes.quotes_page(coded, CLI, [SEARCH, LICENSE], source="alice,bob", number=9, size=2)
    assert past.number == 2 and past.table.rows == pages[1].table.rows  # past the last: the last
    assert pages[0].table.caption.startswith("3 quote(s)")  # the caption counts every quote, not the page's


def test_quotes_follow_the_reading_order_however_many_transcripts_it_ranks(coded):
    # the order goes to the database as a table of (transcript, rank); 40,000 ranks bound as
    # parameters were more than PostgreSQL (65,535) or a default SQLite build (32,766) takes
    with coded.session() as session:
        ids = dict(session.execute(select(Transcript.name, Transcript.id)).all())
        code_ids = [codes.resolve(session, SEARCH).id]
    order = [*range(10**6, 10**6 + 40_000), ids["P2-a"], ids["P1-a"]]  # P2 first this time
    query = counting.quote_stretches(counting.quote_rows(choose_source(coded, CLI, "alice,bob"), code_ids),
                                     code_ids, order)
    with coded.connection() as connection:
        assert [r.transcript for r in connection.execute(query)] == ["P2-a", "P1-a"]


# -- the Quotes page -----------------------------------------------------------------------


def open_quotes(monkeypatch, url: str, actor: Actor, codes: list[str]):
    import streamlit as st
    from streamlit.testing.v1 import AppTest

    from tests.conftest import ROOT

    monkeypatch.setenv("STUDY_DB", url)
    st.cache_resource.clear()
    st.cache_data.clear()
    at = AppTest.from_file(str(ROOT / "study" / "app" / "main.py"), default_timeout=120)
    at.session_state["actor"] = actor
    at.run()
    at.switch_page("views/quotes.py")
    at.run()
    at.multiselect[0].set_value(codes)
    return at.run()


def test_the_quotes_page_lists_a_coders_own_quotes_with_links(coded, monkeypatch):
    from study.auth import add_user

    add_user(coded, "bob", "coder", "password-1", actor=CLI)
    at = open_quotes(monkeypatch, coded.url, Actor("bob", "coder"), [SEARCH])
    assert not at.exception
    frame = at.dataframe[0].value
    assert list(frame["Quote"]) == ["hub"] and list(frame["Rater(s)"]) == ["bob"]
    assert frame["Open"].iloc[0] == f"./?transcript={quotes.quotes(coded, CLI, [SEARCH])[0].transcript_id}&segment=1"
