"""The admin's codebook edits (study.codes) and which sources a reader may choose (study.sources)."""
from __future__ import annotations

import pytest

from study import audit_log, codes, codings, sources
from study.audit_log import AuditFilter
from study.errors import CodebookError, NotAllowed
from study.importing.uploads import UploadedFile
from tests.factories import ADMIN, ALICE


def test_rename_keeps_the_codings(coded):
    ref = codes.edit_code(coded, ADMIN, "Challenges/Model search", name="Finding models")
    assert ref == "Challenges/Finding models"
    assert ref in {r.code for r in codings.codings_of(coded, ADMIN, "alice", "P01")}


def test_merge_moves_codings_and_retires_the_source(coded):
    moved = codes.merge_codes(coded, ADMIN, "Attributes/Popularity", "Challenges/Model search")
    assert moved == 1  # bob's Popularity on P01 segment 1
    assert {r.code for r in codings.codings_of(coded, ADMIN, "bob")} == {"Challenges/Model search"}
    entry = next(e for e in codes.codebook_entries(coded, ADMIN) if e.name == "Popularity")
    assert entry.retired
    assert not any(e.name == "Popularity" for e in codes.codebook_entries(coded, ALICE))


def test_retired_code_can_be_restored(coded):
    codes.retire_code(coded, ADMIN, "Attributes/License")
    codes.retire_code(coded, ADMIN, "Attributes/License", retired=False)
    assert not next(e for e in codes.codebook_entries(coded, ADMIN) if e.name == "License").retired


@pytest.mark.parametrize("name", ["", "  "])  # any characters are fine, "/" included (see test_theme_edits)
def test_a_code_needs_a_name(coded, name):
    with pytest.raises(CodebookError):
        codes.add_code(coded, ADMIN, "Challenges", name, "A definition.")


def test_an_edit_cannot_empty_the_definition(coded):
    with pytest.raises(CodebookError, match="definition is empty"):
        codes.edit_code(coded, ADMIN, "Attributes/License", definition="  ")


@pytest.mark.parametrize("change", [
    lambda s: codes.add_code(s, ALICE, "Challenges", "New", "A definition."),
    lambda s: codes.edit_code(s, ALICE, "Attributes/License", name="Licence"),
    lambda s: codes.retire_code(s, ALICE, "Attributes/License"),
    lambda s: codes.import_codebook(s, ALICE, UploadedFile("book.yaml", b"name: x\nthemes: []\n")),
])
def test_only_admins_change_the_codebook(coded, change):
    with pytest.raises(NotAllowed):
        change(coded)


def test_codebook_yaml_round_trips_through_an_upload(coded):
    text = codes.codebook_yaml(coded)
    assert "Model search" in text
    result = codes.import_codebook(coded, ADMIN, UploadedFile("book.yaml", text.encode()))
    assert result == {"added": 0, "updated": 4}


def test_a_broken_codebook_upload_names_the_file(coded):
    with pytest.raises(CodebookError, match="^book.yaml: the codebook is not UTF-8"):
        codes.import_codebook(coded, ADMIN, UploadedFile("book.yaml", b"\xff\xfe\xfa"))


def test_findings_sources_for_an_admin_and_a_coder(coded):
    labels = [c.label for c in sources.findings_sources(coded, ADMIN)]
    assert labels == ["all coders: union (any applied it)", "all coders: majority (most applied it)",
                      "coder: alice", "coder: bob"]
    assert [c.source for c in sources.findings_sources(coded, ALICE)] == ["alice"]


def test_merge_joins_memos_where_a_rater_had_both_codes(coded):
    codings.apply_code(coded, ADMIN, "alice", "P01", 3, "Attributes/Popularity", memo="downloads, not quality")
    codings.apply_code(coded, ADMIN, "alice", "P01", 3, "Challenges/Model search", memo="hard to find")
    codes.merge_codes(coded, ADMIN, "Attributes/Popularity", "Challenges/Model search")
    rows = [r for r in codings.codings_of(coded, ADMIN, "alice") if r.segment == 3 and r.code.startswith("Challenges")]
    assert [(r.code, r.memo) for r in rows] == [("Challenges/Model search", "hard to find\n\ndownloads, not quality")]
    log, _ = audit_log.audit_log(coded, ADMIN, AuditFilter(actions=("code.merge",)))
    assert "downloads, not quality" in log.iloc[0]["before"]


def keep_code_memo(study, ref: str, text: str) -> None:
    """A note on the code ``ref``, kept as a REFI-QDA import keeps one."""
    from study import project_memos

    with study.session() as session:
        project_memos.keep(session, [project_memos.ProjectMemo(project_memos.CODE_MEMO + ref, "ann", text)])


@pytest.mark.parametrize("edit, before, after", [
    (lambda s: codes.edit_code(s, ADMIN, "Challenges/Model search", name="Finding models"),
     "Challenges/Model search", "Challenges/Finding models"),
    (lambda s: codes.rename_theme(s, ADMIN, "Attributes", "Qualities"),
     "Attributes/Portability/License", "Qualities/Portability/License"),
    (lambda s: codes.move_theme(s, ADMIN, "Attributes/Portability", None),
     "Attributes/Portability/License", "Portability/License"),
    (lambda s: codes.move_code(s, ADMIN, "Attributes/License", "Challenges"),
     "Attributes/Portability/License", "Challenges/License"),
], ids=["rename code", "rename theme", "move theme", "move code"])
def test_a_code_keeps_its_memo_when_renamed_or_moved(coded, edit, before, after):
    from study.project_memos import CODE_MEMO, project_memos

    keep_code_memo(coded, before, "licences decide late")
    keep_code_memo(coded, "Challenges/Missing attributes", "untouched")
    edit(coded)
    assert {m.name: m.text for m in project_memos(coded, ADMIN)} == {
        CODE_MEMO + after: "licences decide late", CODE_MEMO + "Challenges/Missing attributes": "untouched"}


def test_the_codes_a_merge_moves_keep_their_memos(coded):
    from study.project_memos import CODE_MEMO, project_memos

    child = codes.add_code(coded, ADMIN, "Attributes/Popularity", "Stars", "Stars on the repository.")
    keep_code_memo(coded, child, "stars are bought")
    codes.merge_codes(coded, ADMIN, "Attributes/Popularity", "Challenges/Model search")
    assert [(m.name, m.text) for m in project_memos(coded, ADMIN)] == [
        (CODE_MEMO + "Challenges/Model search/Stars", "stars are bought")]
