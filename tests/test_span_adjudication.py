"""Adjudication keeps spans (issue 9): taking a rater keeps that rater's spans, "both" keeps
every rater's, agreed codes carried automatically keep theirs; an edit codes whole segments."""
from __future__ import annotations

import pytest

from study import adjudication, codings
from study.auth import CLI, Actor
from study.disputes import Stretch, dispute_evidence
from study.errors import NotAllowed
from study.listing import segment_rows
from tests.factories import add_interview, add_raters, load_small_codebook

SEARCH = "Challenges/Model search"
LICENSE = "Attributes/Portability/License"
TEXT = "I search the hub for a model, then read the card."


@pytest.fixture
def disputed(study):
    load_small_codebook(study)
    add_raters(study, "alice", "bob")
    add_interview(study, "P1", "P1", [TEXT, "Nothing else."])
    start = segment_rows(study, "P1")[1]["start"]
    hub, card = (start + TEXT.index("hub"), start + TEXT.index("hub") + 3), (start + TEXT.index("card"), start + len(TEXT) - 1)
    codings.apply_code(study, CLI, "alice", "P1", 1, SEARCH, span=hub)
    codings.apply_code(study, CLI, "bob", "P1", 1, SEARCH, span=card)
    codings.apply_code(study, CLI, "bob", "P1", 1, LICENSE)
    for rater in ("alice", "bob"):
        codings.mark_done(study, CLI, rater, "P1", anyway=True)
    return study, hub, card


def consensus(study) -> list[tuple]:
    return [(r.segment, r.code, r.span) for r in codings.codings_of(study, CLI, "consensus")]


def test_taking_a_rater_keeps_that_raters_span(disputed):
    study, hub, _ = disputed
    adjudication.resolve(study, CLI, ["alice", "bob"], "P1", 1, "take:alice")
    assert consensus(study) == [(1, SEARCH, hub)]


def test_both_keeps_every_raters_spans(disputed):
    study, hub, card = disputed
    adjudication.resolve(study, CLI, ["alice", "bob"], "P1", 1, "both")
    assert sorted(consensus(study), key=str) == sorted([(1, SEARCH, hub), (1, SEARCH, card), (1, LICENSE, None)], key=str)


def test_agreed_codes_are_carried_with_their_spans(disputed):
    study, hub, card = disputed
    adjudication.auto_adjudicate(study, CLI, ["alice", "bob"])  # both applied SEARCH on segment 1
    assert sorted(consensus(study), key=str) == sorted([(1, SEARCH, hub), (1, SEARCH, card)], key=str)


def test_an_edit_codes_the_whole_segment(disputed):
    study, _, _ = disputed
    adjudication.resolve(study, CLI, ["alice", "bob"], "P1", 1, "edit", codes=[LICENSE])
    assert consensus(study) == [(1, LICENSE, None)]


def test_the_evidence_shows_each_raters_spans_memo_the_neighbouring_turns_and_the_guidance(disputed):
    study, _, _ = disputed
    codings.set_memo(study, CLI, "alice", "P1", 1, "they start at the hub")
    [item] = adjudication.disagreements(study, CLI, ["alice", "bob"])
    assert item.disputed == (LICENSE,)  # both applied Model search on the turn, on different words
    evidence = dispute_evidence(study, CLI, ["alice", "bob"], "P1", 1, item.disputed)
    assert (evidence.before.text, evidence.turn.text, evidence.after.text) == ("Question 1?", TEXT, "Question 2?")
    alice, bob = evidence.raters
    hub, card = TEXT.index("hub"), TEXT.index("card")
    assert alice.stretches == (Stretch(SEARCH, hub, hub + 3, False),) and alice.memo == "they start at the hub"
    assert bob.stretches == (Stretch(LICENSE, None, None, True), Stretch(SEARCH, card, len(TEXT) - 1, False))
    # what the card marks in each rater's colour: alice's "hub"; bob's whole turn, with "card" under two codes
    assert [(TEXT[p.start:p.end], p.codes) for p in alice.pieces(len(TEXT))] == [
        ("I search the ", ()), ("hub", (SEARCH,)), (" for a model, then read the card.", ())]
    assert [(TEXT[p.start:p.end], p.codes, p.disputed) for p in bob.pieces(len(TEXT))] == [
        ("I search the hub for a model, then read the ", (LICENSE,), True), ("card", (LICENSE, SEARCH), True),
        (".", (LICENSE,), True)]
    [guidance] = evidence.codes
    assert (guidance.ref, guidance.definition) == (LICENSE, "The licence terms of the model.")
    with pytest.raises(NotAllowed):
        dispute_evidence(study, Actor("alice", "coder"), ["alice", "bob"], "P1", 1, item.disputed)
