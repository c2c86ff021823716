"""PostgreSQL accepts what SQLite accepts, or both refuse it with the same one-line message: names
over their column's length and NUL characters (which PostgreSQL cannot store) are refused by the
library first, on both backends."""
from __future__ import annotations

import pytest

from study import auth, codings
from study.auth import CLI
from study.errors import NotAllowed, StudyError
from tests.factories import ALICE

LONG = "n" * 201  # the name columns hold 200 characters


@pytest.mark.parametrize("name", [LONG, "ali\x00ce"])
def test_a_user_name_any_backend_cannot_store_is_refused_alike(coded, name):
    with pytest.raises(StudyError, match="user name"):
        auth.add_user(coded, name, "coder", "long-password", CLI)


@pytest.mark.parametrize("name", [LONG, "ali\x00ce", "x" * 5000])
def test_signing_in_with_an_impossible_name_is_a_wrong_password(coded, name):
    with pytest.raises(NotAllowed, match="wrong user name or password"):
        auth.sign_in(coded, name, "password-123", client="10.0.0.1")


def test_a_rater_name_any_backend_cannot_store_is_refused_alike(coded):
    with pytest.raises(StudyError, match="rater name"):
        codings.apply_code(coded, CLI, LONG, "P01", 1, "Challenges/Model search")


def test_a_coding_memo_with_a_nul_character_is_refused_alike(coded):
    with pytest.raises(StudyError, match="NUL character"):
        codings.apply_code(coded, ALICE, "alice", "P02", 1, "Challenges/Model search",
                           memo="before\x00after")
    assert codings.codings_of(coded, CLI, "alice", "P02") == []


def test_a_codings_csv_with_a_nul_memo_is_refused_alike(coded, tmp_path):
    csv = tmp_path / "alice.csv"
    csv.write_text("transcript,segment,code,memo\nP02,1,Challenges/Model search,a\x00b\n", encoding="utf-8")
    with pytest.raises(StudyError, match="NUL character"):
        codings.import_codings_csv(coded, CLI, "alice", csv)
    assert codings.codings_of(coded, CLI, "alice", "P02") == []


def test_a_segment_memo_with_a_nul_character_is_refused_alike(coded):
    with pytest.raises(StudyError, match="NUL character"):
        codings.set_memo(coded, ALICE, "alice", "P01", 1, "a\x00b")
