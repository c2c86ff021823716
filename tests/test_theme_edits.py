"""Codebook editing for the app (issue 10): themes created, renamed and moved, codes moved, and
any character in names, with references escaping "/" by one rule (study.codebook)."""
from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from study import codes, codings
from study.auth import CLI
from study.codebook import join_ref, parse_codebook, split_ref
from study.errors import CodebookError, NotAllowed
from tests.factories import ALICE, add_interview, add_raters, load_small_codebook


@given(st.lists(st.text(min_size=1), min_size=1, max_size=4))
def test_references_round_trip_any_names(path):
    assert split_ref(join_ref(path)) == path


def test_the_escaping_rule_on_hand_examples():
    assert join_ref(("Practices", "CI/CD")) == "Practices/CI\\/CD"
    assert join_ref(("A\\B", "x")) == "A\\\\B/x"
    assert split_ref("Practices/CI\\/CD") == ["Practices", "CI/CD"]


@pytest.fixture
def small(study):
    load_small_codebook(study)
    add_interview(study, "T1", "P1", ["We use CI/CD for models."])
    return study


def test_a_code_name_may_hold_a_slash_and_is_referenced_escaped(small):
    ref = codes.add_code(small, CLI, "Challenges", "CI/CD", "Continuous integration and delivery.")
    assert ref == "Challenges/CI\\/CD"
    add_raters(small, "alice")
    codings.apply_code(small, CLI, "alice", "T1", 1, ref)
    assert [r.code for r in codings.codings_of(small, CLI, "alice")] == [ref]
    yaml_text = codes.codebook_yaml(small)
    assert "CI/CD" in yaml_text
    assert any(c.name == "CI/CD" for c in parse_codebook(yaml_text, source="export.yaml").codes())


def test_create_rename_and_move_themes_keep_codings(small):
    add_raters(small, "alice")
    codings.apply_code(small, CLI, "alice", "T1", 1, "Challenges/Model search")
    assert codes.add_theme(small, CLI, "Process/Tooling") == "Process\\/Tooling"
    assert codes.add_theme(small, CLI, "Search", parent="Challenges") == "Challenges/Search"
    assert codes.move_code(small, CLI, "Challenges/Model search", "Challenges/Search") == \
        "Challenges/Search/Model search"
    assert codes.rename_theme(small, CLI, "Challenges", "Hurdles") == "Hurdles"
    assert [r.code for r in codings.codings_of(small, CLI, "alice")] == ["Hurdles/Search/Model search"]
    assert codes.move_theme(small, CLI, "Hurdles/Search", None) == "Search"
    assert [r.code for r in codings.codings_of(small, CLI, "alice")] == ["Search/Model search"]
    assert "Process\\/Tooling" in codes.theme_paths(small)


def test_theme_edit_errors_are_clear(small):
    with pytest.raises(CodebookError, match="already exists at the top"):
        codes.add_theme(small, CLI, "challenges")
    with pytest.raises(CodebookError, match="into itself"):
        codes.move_theme(small, CLI, "Attributes", "Attributes/Traditional")
    codes.add_code(small, CLI, "Attributes/Traditional", "Model search", "A clash with Challenges' code of that name.")
    with pytest.raises(CodebookError, match="already exists under 'Attributes/Traditional'"):
        codes.move_code(small, CLI, "Challenges/Model search", "Attributes/Traditional")
    with pytest.raises(NotAllowed):
        codes.add_theme(small, ALICE, "Mine")


def test_a_yaml_codebook_may_name_a_code_with_a_slash():
    book = parse_codebook("name: cb\nthemes:\n  - name: Practices\n    codes:\n      - name: CI/CD\n"
                          "        definition: Continuous integration.\n", source="cb.yaml")
    [code] = book.codes()
    assert (code.name, code.ref) == ("CI/CD", "Practices/CI\\/CD")
