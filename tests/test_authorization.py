"""Authorization lives in the library: every public function that changes or reveals a rater's work
takes the asking actor (never a default one) and checks it. A coder calling them on another rater's
work, or calling admin-only ones, is refused; on their own work they succeed."""
from __future__ import annotations

import importlib
import inspect
import pkgutil

import pytest

import study as study_package
from study import adjudication, auth, codes, codings
from study.importing import batch, resegment
from study.auth import CLI, Actor
from study.codebook import parse_codebook
from study.errors import NotAllowed
from study.store import User
from tests.factories import ALICE, SMALL_CODEBOOK, two_coders_study
ACTOR_PARAMETERS = {"actor", "asker"}
RATER_PARAMETERS = {"rater", "rater_id", "raters", "rater_name"}
# Public functions that reveal raters' work without an actor, and why that is safe.
UNCHECKED: dict[str, str] = {
    "study.consensus.finished_and_counted": "a step inside a transaction that mark_transcripts_done or "
                                       "auto_adjudicate opened after checking their actor; takes a Session, not the Study",
    "study.consensus.carry": "the one carrying rule, run in the transaction of an actor-checked caller "
                             "(mark_transcripts_done, auto_adjudicate); takes a Session, not the Study",
    "study.agreement.units.basis_ids": "the compared transcripts' ids, read by unit_table, unit_counts and the "
                                       "disagreements after each checked its asker (require_may_compare); takes "
                                       "a Session, not the Study",
}


def public_functions():
    for info in pkgutil.walk_packages(study_package.__path__, "study."):
        if info.name.startswith(("study.app", "study.cli", "study.__main__")):
            continue  # the front ends pass their actor into these functions
        module = importlib.import_module(info.name)
        for name, function in vars(module).items():
            if not name.startswith("_") and inspect.isfunction(function) and function.__module__ == module.__name__:
                yield f"{module.__name__}.{name}", inspect.signature(function).parameters


def test_no_public_function_has_a_default_actor():
    defaults = [name for name, parameters in public_functions()
                for p in ACTOR_PARAMETERS & set(parameters) if parameters[p].default is not inspect.Parameter.empty]
    assert defaults == []


def test_every_public_function_about_a_raters_work_takes_an_actor():
    missing = [name for name, parameters in public_functions()
               if RATER_PARAMETERS & set(parameters) and not ACTOR_PARAMETERS & set(parameters)
               and {"study", "session"} & set(parameters) and name not in UNCHECKED]
    assert missing == []


def coded_study(study):
    """ann (admin), alice and bob (coders); both coders coded P01; bob finished it."""
    two_coders_study(study)
    codings.mark_done(study, Actor("bob", "coder"), "bob", "P01", anyway=True)
    return study


@pytest.fixture
def coded(study_from):
    return study_from(coded_study)


def ids(study, rater: str, transcript: str = "P01") -> tuple[int, int]:
    with study.session() as session:
        user = auth.rater_user(session, rater)
        return user.id, codings.find_transcript(session, transcript).id


def in_session(study, function):
    def call(*args):
        with study.session() as session:
            return function(session, *args)
    return call


# (what, call(study)) pairs: a coder acting on bob's work, or on the study's shared parts.
REFUSED = {
    "codings.set_done reopens another coder's transcript":
        lambda s: in_session(s, codings.set_done)(ALICE, *ids(s, "bob"), False),
    "codings.save_memo writes another coder's memo":
        lambda s: in_session(s, codings.save_memo)(ALICE, *ids(s, "bob"), None, "mine now"),
    "codings.done_transcripts reveals another coder's finished work":
        lambda s: in_session(s, codings.done_transcripts)(ALICE, ids(s, "bob")[0]),
    "codings.done_by reveals another coder's finished work": lambda s: codings.done_by(s, ALICE, ["bob"]),
    "codings.progress_by_transcript_ids reveals another coder's progress":
        lambda s: in_session(s, codings.progress_by_transcript_ids)(ALICE, ids(s, "bob")[0]),
    "codings.codings_of": lambda s: codings.codings_of(s, ALICE, "bob"),
    "codings.export_codings": lambda s: codings.export_codings(s, ALICE, "bob"),
    "codings.apply_code": lambda s: codings.apply_code(s, ALICE, "bob", "P02", 1, "Attributes/License"),
    "codings.set_memo": lambda s: codings.set_memo(s, ALICE, "bob", "P01", 1, "mine now"),
    "codings.mark_done": lambda s: codings.mark_done(s, ALICE, "bob", "P02", anyway=True),
    "codes.add_code": lambda s: codes.add_code(s, ALICE, "Challenges", "New", "A new code."),
    "codes.edit_code": lambda s: codes.edit_code(s, ALICE, "Challenges/Model search", definition="Changed."),
    "codes.retire_code": lambda s: codes.retire_code(s, ALICE, "Challenges/Model search"),
    "codes.load_into_study": lambda s: codes.load_into_study(s, parse_codebook(SMALL_CODEBOOK, source="x.yaml"), ALICE),
    "importing.batch.import_files": lambda s: batch.import_files(s, [], actor=ALICE),
    "importing.resegment": lambda s: resegment.resegment(s, ["P01"], "sentence", ALICE),
    "auth.add_user (an admin)": lambda s: auth.add_user(s, "mallory", "admin", "long-password", ALICE),
    "auth.set_password of another user": lambda s: auth.set_password(s, "bob", "long-password", ALICE),
    "auth.set_role": lambda s: auth.set_role(s, "alice", "admin", ALICE),
    "auth.unlock": lambda s: auth.unlock(s, "bob", ALICE),
    "adjudication.adjudication_progress": lambda s: adjudication.adjudication_progress(s, ["alice", "bob"], ALICE),
}


@pytest.mark.parametrize("what", REFUSED)
def test_a_coder_is_refused_on_others_work_and_shared_parts(coded, what):
    with coded.session() as session:
        before = session.query(User).count()
    with pytest.raises(NotAllowed):
        REFUSED[what](coded)
    with coded.session() as session:
        assert session.query(User).count() == before  # nothing was created on the way


def test_a_coder_still_reads_and_finishes_their_own_work(coded):
    alice_id, p01 = ids(coded, "alice")
    assert codings.done_by(coded, ALICE, ["alice"]) == {"alice": set()}
    with coded.session() as session:
        codings.set_done(session, ALICE, alice_id, p01, True)
        assert codings.done_transcripts(session, ALICE, alice_id) == {p01}
        assert codings.progress_by_transcript_ids(session, ALICE, alice_id)[p01].coded == 2  # segments 1 and 3
    assert codings.done_by(coded, CLI, ["alice", "bob"]) == {"alice": {"P01"}, "bob": {"P01"}}


def test_a_coder_sees_bands_and_their_own_counts_never_the_others(coded):
    from study.agreement import visibility
    from study.agreement.study_agreement import agreement_report

    codings.mark_done(coded, ALICE, "alice", "P01", anyway=True)  # bob finished P01 in the fixture
    visibility.set_coders_see_agreement(coded, Actor("ann", "admin"), True)
    as_alice = {c.code: c for c in agreement_report(coded, ALICE, ["alice", "bob"], replicates=0).codes}
    as_admin = {c.code: c for c in agreement_report(coded, CLI, ["alice", "bob"], replicates=0).codes}
    # alice applied Model search on segment 1 and License on segment 3; bob Popularity on segment 1
    assert {r for c in as_alice.values() for r in c.prevalence} == {"alice"}
    assert as_alice["Challenges/Model search"].prevalence == {"alice": 1}
    assert as_admin["Attributes/Traditional/Popularity"].prevalence == {"alice": 0, "bob": 1}
    # no figure: with the units and her own count, kappa (0.0 here) would give bob's count
    assert as_alice["Attributes/Traditional/Popularity"].kappa is None and as_admin[
        "Attributes/Traditional/Popularity"].kappa == 0.0
    assert as_alice["Attributes/Traditional/Popularity"].band == "too few to judge"  # 0 of her own on 4 units
