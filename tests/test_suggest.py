"""Keyword suggestions as a pseudo-rater's codings, and their scores against a human rater."""
from __future__ import annotations

import json

import pytest
from click.testing import CliRunner

from study import auth, codings
from study.auth import CLI, Actor
from study.cli import cli
from study.cli import said as cli_said
from study.errors import NotAllowed, StudyError
from study.suggest import (
    KeywordRule,
    KeywordSuggester,
    evaluate_suggestions,
    keyword_rules_from_codebook,
    learned_suggestions_evaluation,
    suggest_codings,
)
from tests.factories import add_interview, add_raters, load_small_codebook

LICENSE = "Attributes/Portability/License"
POPULARITY = "Attributes/Traditional/Popularity"
SEARCH = "Challenges/Model search"
MISSING = "Challenges/Missing attributes"

# Six answers (segments 1, 3, ..., 11; the interviewer's questions are 0, 2, ...). The small
# codebook's keywords: License [license, licence], Popularity [downloads, likes],
# Model search [search, find], Missing attributes [model card, missing].
ANSWERS = [
    "We always check the licence... licenses matter.",  # License
    "The license was unclear.",  # License
    "Legal terms worried us.",  # no keyword
    "Downloads told us little.",  # Popularity
    "We had to search for hours.",  # Model search
    "The license is fine, but the downloads were low.",  # License, Popularity
]
ALICE = {1: [LICENSE], 3: [LICENSE], 5: [LICENSE], 7: [POPULARITY], 11: [LICENSE]}


def six_answers_study(study):
    """The six answers, coded by alice (marked done) and by the keyword suggester."""
    load_small_codebook(study)
    add_raters(study, "alice")
    add_interview(study, "T1", "P1", ANSWERS)
    for segment, refs in ALICE.items():
        for ref in refs:
            codings.apply_code(study, CLI, "alice", "T1", segment, ref)
    codings.mark_done(study, CLI, "alice", "T1", anyway=True)
    return study


@pytest.fixture
def six(study_from):
    return study_from(six_answers_study)


def test_a_keyword_matches_its_inflections_by_lemma():
    suggester = KeywordSuggester([KeywordRule(LICENSE, ("license",))])
    text = "We always check the licence... licenses"
    found = suggester.suggest(text)
    assert suggester.codes_for(text) == [LICENSE]
    assert [text[s.start:s.end] for s in found] == ["licenses"]  # "licence" is another spelling, not an inflection


def test_rules_come_from_the_codes_keywords(study):
    load_small_codebook(study)
    with study.session() as session:
        rules = keyword_rules_from_codebook(session)
    assert [(r.code, r.keywords) for r in rules] == [
        (SEARCH, ("search", "find")), (MISSING, ("model card", "missing")),
        (POPULARITY, ("downloads", "likes")), (LICENSE, ("license", "licence")),
    ]


def test_suggestions_go_on_participant_segments_only(study):
    load_small_codebook(study)
    add_interview(study, "T1", "P1", ["It has many downloads."])  # the question is "Question 1?"
    add_raters(study, "alice")
    codings.apply_code(study, CLI, "alice", "T1", 0, SEARCH)  # a human code on the question, not a keyword
    run = suggest_codings(study, CLI)
    assert [(s.segment, s.code, s.matched) for s in run.suggestions] == [(1, POPULARITY, ("downloads",))]
    stored = codings.codings_of(study, CLI, "keywords")
    assert [(c.segment, c.code, c.memo) for c in stored] == [(1, POPULARITY, "matched: downloads")]
    assert codings.done_by(study, CLI, ["keywords"]) == {"keywords": {"T1"}}


def test_the_pseudo_rater_is_a_coder_without_password(study):
    load_small_codebook(study)
    add_interview(study, "T1", "P1", ["Downloads."])
    suggest_codings(study, CLI)
    assert {"name": "keywords", "role": "coder", "can_sign_in": False} in auth.users(study)


def test_a_dry_run_stores_nothing(study):
    load_small_codebook(study)
    add_interview(study, "T1", "P1", ["Downloads and likes."])
    run = suggest_codings(study, CLI, dry_run=True)
    assert [s.code for s in run.suggestions] == [POPULARITY]
    assert all(u["name"] != "keywords" for u in auth.users(study))


def test_running_again_replaces_the_earlier_suggestions(study):
    load_small_codebook(study)
    add_interview(study, "T1", "P1", ["Downloads.", "We searched."])
    suggest_codings(study, CLI)
    run = suggest_codings(study, CLI)
    assert run.replaced == 2
    assert [(c.segment, c.code) for c in codings.codings_of(study, CLI, "keywords")] == [(1, POPULARITY), (3, SEARCH)]


def test_suggestions_never_go_to_a_persons_account(study):
    load_small_codebook(study)
    add_interview(study, "T1", "P1", ["Downloads."])
    auth.add_user(study, "alice", "coder", "a-long-password", CLI)
    with pytest.raises(StudyError, match="person's account"):
        suggest_codings(study, CLI, rater_name="alice")


def test_suggestions_never_replace_a_raters_own_codings(study):
    load_small_codebook(study)
    add_interview(study, "T1", "P1", ["Downloads."])
    add_raters(study, "bob")
    codings.apply_code(study, CLI, "bob", "T1", 1, LICENSE)  # bob has no account, but codes by hand
    with pytest.raises(StudyError, match="did not make"):
        suggest_codings(study, CLI, rater_name="bob")
    assert [c.code for c in codings.codings_of(study, CLI, "bob")] == [LICENSE]


def test_only_an_admin_runs_the_suggester(study):
    load_small_codebook(study)
    add_interview(study, "T1", "P1", ["Downloads."])
    with pytest.raises(NotAllowed):
        suggest_codings(study, Actor("alice", "coder"))


def test_scores_against_a_human_match_the_hand_calculation(six):
    suggest_codings(six, CLI)
    result = evaluate_suggestions(six, CLI, "alice")
    scores = {c.code: c for c in result.codes}
    assert result.units == 6  # participant segments only
    # License: alice on answers 1, 2, 3, 6; suggested on 1, 2, 6 -> TP 3, FP 0, FN 1.
    license_ = scores[LICENSE]
    assert (license_.support, license_.predicted, license_.true_positives) == (4, 3, 3)
    assert (license_.precision, license_.recall) == (1.0, 0.75)
    assert license_.f1 == pytest.approx(6 / 7)  # 2 * 1 * .75 / 1.75
    # Popularity: alice on 4; suggested on 4 and 6 -> TP 1, FP 1, FN 0.
    assert (scores[POPULARITY].precision, scores[POPULARITY].recall) == (0.5, 1.0)
    assert scores[POPULARITY].f1 == pytest.approx(2 / 3)
    # Model search: suggested on 5 only -> precision 0, recall undefined (0/0), F1 = 2TP/(2TP+FP+FN) = 0.
    assert (scores[SEARCH].precision, scores[SEARCH].recall, scores[SEARCH].f1) == (0.0, None, 0.0)
    # Missing attributes: used by neither -> every score undefined.
    assert (scores[MISSING].precision, scores[MISSING].recall, scores[MISSING].f1, scores[MISSING].alpha) == (
        None, None, None, None)
    # Micro pools the decisions: TP 4, FP 2, FN 1.
    assert result.micro.precision == pytest.approx(4 / 6)
    assert result.micro.recall == pytest.approx(4 / 5)
    assert result.micro.f1 == pytest.approx(8 / 11)
    # Macro averages the codes where defined.
    assert result.macro.precision == pytest.approx((1 + 0.5 + 0) / 3)
    assert result.macro.recall == pytest.approx((0.75 + 1) / 2)
    assert result.macro.f1 == pytest.approx((6 / 7 + 2 / 3 + 0) / 3)


def test_alpha_against_a_human_matches_the_hand_calculation(six):
    suggest_codings(six, CLI)
    scores = {c.code: c for c in evaluate_suggestions(six, CLI, "alice").codes}
    # Binary alpha for two raters: 1 - (n - 1) * D / (2 * n0 * n1) with n = 12 values and D the
    # disagreeing units counted once per direction (Krippendorff 2011, coincidence matrix).
    # License: units (1,1) (1,1) (1,0) (0,0) (0,0) (1,1): n1 = 7, n0 = 5, D = 2.
    assert scores[LICENSE].alpha == pytest.approx(1 - 11 * 2 / (2 * 5 * 7))
    # Popularity: (0,0) x3, (1,1), (0,0), (0,1): n1 = 3, n0 = 9.
    assert scores[POPULARITY].alpha == pytest.approx(1 - 11 * 2 / (2 * 9 * 3))
    # Model search: one (0,1) among zeros: n1 = 1, n0 = 11 -> alpha 0.
    assert scores[SEARCH].alpha == pytest.approx(0.0)


def test_median_alpha_is_over_the_codes_where_it_is_defined(six):
    suggest_codings(six, CLI)
    result = evaluate_suggestions(six, CLI, "alice")
    assert result.codes_with_alpha == 3
    assert result.median_alpha == pytest.approx(1 - 11 * 2 / (2 * 9 * 3))  # median of .686, .593, 0


def test_human_codes_on_interviewer_segments_are_left_out_and_said(six):
    codings.mark_done(six, CLI, "alice", "T1", done=False)
    codings.apply_code(six, CLI, "alice", "T1", 0, LICENSE)
    codings.mark_done(six, CLI, "alice", "T1", anyway=True)
    suggest_codings(six, CLI)
    result = evaluate_suggestions(six, CLI, "alice")
    assert result.units == 6
    assert any("1 coding(s) of alice on interviewer and other segments" in note for note in result.notes)


def test_the_learned_suggester_finds_a_code_whose_words_only_it_uses(study):
    load_small_codebook(study)
    add_raters(study, "alice")
    for n in range(1, 4):
        add_interview(study, f"T{n}", f"P{n}", [
            "The license terms were restrictive.", "We read the weather report.",
            "A license check comes first.", "Lunch was at noon.",
        ])
        for segment in (1, 5):
            codings.apply_code(study, CLI, "alice", f"T{n}", segment, LICENSE)
        codings.mark_done(study, CLI, "alice", f"T{n}", anyway=True)
    result = learned_suggestions_evaluation(study, CLI, "alice", folds=3)
    license_ = next(c for c in result.codes if c.code == LICENSE)
    assert result.units == 12
    assert (license_.support, license_.precision, license_.recall) == (6, 1.0, 1.0)
    assert "3-fold cross-validation grouped by transcript" in result.method


def test_the_learned_suggester_needs_two_finished_transcripts(study):
    load_small_codebook(study)
    add_interview(study, "T1", "P1", ["A license."])
    add_raters(study, "alice")
    codings.apply_code(study, CLI, "alice", "T1", 1, LICENSE)
    codings.mark_done(study, CLI, "alice", "T1", anyway=True)
    with pytest.raises(StudyError, match="at least 2"):
        learned_suggestions_evaluation(study, CLI, "alice")


def test_cli_runs_and_evaluates_the_suggester(six, db_url):
    runner = CliRunner()
    stored = runner.invoke(cli, ["--db", db_url, "suggest", "run"])
    assert stored.exit_code == 0, stored.output
    # License on answers 1, 2, 6; Popularity on 4, 6; Model search on 5.
    assert "Stored 6 suggestion(s) on 6 participant segment(s)" in stored.output
    result = runner.invoke(cli, ["--db", db_url, "suggest", "evaluate", "--against", "alice", "--format", "json"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    assert data["micro"]["f1"] == pytest.approx(8 / 11)
    table = runner.invoke(cli, ["--db", db_url, "suggest", "evaluate", "--against", "alice"])
    assert "Micro: precision 0.667, recall 0.800, F1 0.727." in table.output


def test_cli_dry_run_lists_suggestions_without_storing(six, db_url):
    result = CliRunner().invoke(cli, ["--db", db_url, "suggest", "run", "T1", "--dry-run", "--format", "csv"])
    assert result.exit_code == 0, result.output
    # The small codebook lists both spellings, so both words of the first answer match.
    assert result.stdout.splitlines()[:2] == ["transcript,segment,code,matched", f'T1,1,{LICENSE},"licence, licenses"']
    assert all(u["name"] != "keywords" for u in auth.users(six))


def test_evaluating_before_any_suggestions_says_what_to_run(six):
    with pytest.raises(StudyError, match="run the suggester first") as raised:
        evaluate_suggestions(six, CLI, "alice")
    assert cli_said(raised.value).endswith("run `study suggest run --rater keywords` first")
