"""Retrieval while coding (study.retrieval): a code's definition and where it was applied in the
other transcripts, the coder's own codings only; an admin picks a rater or the consensus."""
from __future__ import annotations

import json

import pytest
from click.testing import CliRunner

from study import codings, retrieval
from study.auth import CLI
from study.cli import cli
from study.errors import NotAllowed
from study.store import Study

from factories import ADMIN, ALICE, BOB, add_consensus_coding, add_interview, open_app, two_coders_study

SEARCH = "Challenges/Model search"


def retrieval_study(study: Study) -> None:
    """``two_coders_study`` (alice: P01 #1 Model search, #3 License; bob: P01 #1 Popularity) plus
    alice's Model search on P02 #1 and the consensus's on P02 #3."""
    two_coders_study(study)
    add_interview(study, "P03", "P03", ["I look for model cards first."])
    codings.apply_code(study, ALICE, "alice", "P02", 1, SEARCH)
    add_consensus_coding(study, "P02", 3, SEARCH)


@pytest.fixture
def coded(study_from) -> Study:
    return study_from(retrieval_study)


def transcript_id(study: Study, name: str) -> int:
    with study.session() as session:
        return codings.find_transcript(session, name).id


def places(found: retrieval.Retrieval) -> list[str]:
    return [item.place for item in found.items]


def test_a_coder_retrieves_their_own_codings_in_the_other_transcripts(coded):
    found = retrieval.retrieve(coded, ALICE, SEARCH, except_transcript=transcript_id(coded, "P03"))
    assert places(found) == ["P01 #1", "P02 #1"]
    assert [item.text for item in found.items] == ["I search by downloads.", "Model cards miss things."]
    assert found.total == 2 and found.rater == "alice"
    assert found.code.ref == SEARCH and found.code.definition  # the code's definition comes with it


def test_the_transcript_being_coded_is_left_out(coded):
    found = retrieval.retrieve(coded, ALICE, SEARCH, except_transcript=transcript_id(coded, "P01"))
    assert places(found) == ["P02 #1"]


def test_a_coder_never_retrieves_another_raters_codings(coded):
    assert places(retrieval.retrieve(coded, BOB, SEARCH)) == []  # bob never applied it
    with pytest.raises(NotAllowed):
        retrieval.retrieve(coded, BOB, SEARCH, rater="alice")
    assert retrieval.retrieval_raters(coded, BOB) == ["bob"]


def test_an_admin_picks_a_rater_or_the_consensus(coded):
    assert retrieval.retrieval_raters(coded, ADMIN) == ["ann", "alice", "bob", "consensus"]
    assert places(retrieval.retrieve(coded, ADMIN, SEARCH, rater="alice")) == ["P01 #1", "P02 #1"]
    assert places(retrieval.retrieve(coded, ADMIN, SEARCH, rater="consensus")) == ["P02 #3"]
    assert places(retrieval.retrieve(coded, ADMIN, SEARCH)) == []  # ann coded nothing


def test_a_span_is_retrieved_as_its_words_with_a_link_that_marks_them(coded):
    from study import workspace

    with coded.session() as session:
        segment = codings.find_segment(session, codings.find_transcript(session, "P03"), 1)
        start = segment.start + segment.transcript.text[segment.start:segment.end].index("model cards")
        segment_id = segment.id
    workspace.toggle(coded, ALICE, segment_id, _code_id(coded), True, span=(start, start + len("model cards")))
    item = retrieval.retrieve(coded, ALICE, SEARCH, except_transcript="P01").items[-1]
    assert (item.place, item.text, item.span) == (f"P03 #1 [{start}-{start + 11}]", "model cards", True)
    assert item.link() == {"transcript": str(transcript_id(coded, "P03")), "segment": "1",
                           "match": f"{start}-{start + 11}"}


def _code_id(study: Study) -> int:
    return retrieval.retrieve(study, CLI, SEARCH, rater="alice").code.id


def test_the_cli_retrieves_a_raters_codings(coded):
    out = CliRunner().invoke(cli, ["--db", coded.engine.url.render_as_string(hide_password=False), "retrieve",
                                   SEARCH, "--rater", "alice", "--except", "P02", "--format", "json"])
    assert out.exit_code == 0, out.output
    assert [row["place"] for row in json.loads(out.output)] == ["P01 #1"]


# -- the Code page's side panel ----------------------------------------------------------------


def open_code_page(monkeypatch, study: Study, actor, transcript: str):
    return open_app(monkeypatch, study, actor, transcript=str(transcript_id(study, transcript)))


def test_the_side_panel_shows_the_codes_definition_and_links_to_the_other_transcripts(coded, monkeypatch):
    at = open_code_page(monkeypatch, coded, ALICE, "P02")
    assert not at.exception
    at.sidebar.selectbox(key="retrieve.code").set_value(SEARCH)
    at = at.run()
    assert not at.exception
    definition = retrieval.retrieve(coded, ALICE, SEARCH).code.definition
    assert any(definition.split()[0] in md.value for md in at.sidebar.markdown)
    # P02 is being coded: only P01's turn is listed, linking to its place
    assert [c.value for c in at.sidebar.caption][-1] == "I search by downloads\\."


def test_an_admin_chooses_whose_codings_the_panel_shows(coded, monkeypatch):
    at = open_code_page(monkeypatch, coded, ADMIN, "P01")
    at.sidebar.selectbox(key="retrieve.code").set_value(SEARCH)
    at = at.run()
    at.sidebar.selectbox(key="retrieve.rater").set_value("consensus")
    at = at.run()
    assert not at.exception
    assert [c.value for c in at.sidebar.caption][-1] == "Likes tell me little\\."
