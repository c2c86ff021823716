"""study.admin: uploads from bytes, progress, agreement visibility, the audit log."""
from __future__ import annotations

from datetime import timedelta

import pytest

from study import admin, auth, codings
from study.admin import AuditFilter, UploadedFile
from study.errors import CodebookError, NotAllowed, ParticipantsError, StudyError
from study.importing import transcript_rows
from study.store import utcnow
from tests.factories import add_interview, load_small_codebook

ADMIN = auth.Actor("ann", "admin")
ALICE = auth.Actor("alice", "coder")
BOB = auth.Actor("bob", "coder")

GOOD_TXT = b"Interviewer: How do you pick a model?\n\nP07: I search the hub by downloads.\n"


@pytest.fixture
def coded(study):
    """Two interviews (four segments each), alice and bob coding the first one."""
    load_small_codebook(study)
    for name, role in (("ann", "admin"), ("alice", "coder"), ("bob", "coder")):
        auth.add_user(study, name, role, "password-123")
    add_interview(study, "P01", "P01", ["I search by downloads.", "The license matters."])
    add_interview(study, "P02", "P02", ["Model cards miss things.", "Likes tell me little."])
    codings.apply_code(study, ALICE, "alice", "P01", 1, "Challenges/Model search")
    codings.apply_code(study, ALICE, "alice", "P01", 3, "Attributes/License")
    codings.apply_code(study, BOB, "bob", "P01", 1, "Attributes/Popularity")
    return study


# -- uploads -------------------------------------------------------------------


def test_upload_imports_a_transcript_under_its_own_name(coded):
    summary = admin.upload_transcripts(coded, ADMIN, [UploadedFile("P07-2024-05-01.txt", GOOD_TXT)])
    assert summary.imported == ["P07-2024-05-01"] and not summary.failed
    row = next(r for r in transcript_rows(coded) if r["name"] == "P07-2024-05-01")
    assert row["participant"] == "P07" and row["segments"] == 2


def test_upload_keeps_no_folder_part_of_a_browser_file_name(coded):
    summary = admin.upload_transcripts(coded, ADMIN, [UploadedFile("C:\\Users\\x\\P08.txt", GOOD_TXT)])
    assert summary.imported == ["P08"]


@pytest.mark.parametrize(
    ("name", "data", "expected"),
    [
        ("empty.txt", b"   \n", "empty.txt: is empty"),
        ("notes.pdf", b"%PDF-1.4", "notes.pdf: has an unsupported file type '.pdf'"),
        ("broken.docx", b"not a zip file", "broken.docx: "),
    ],
)
def test_upload_errors_name_the_file_not_a_temporary_path(coded, name, data, expected):
    before = transcript_rows(coded)
    summary = admin.upload_transcripts(coded, ADMIN, [UploadedFile(name, data)])
    assert [file for file, _ in summary.failed] == [name]
    message = summary.failed[0][1]
    assert message.startswith(expected)
    assert "/tmp" not in message and "study-upload-" not in message
    assert transcript_rows(coded) == before  # nothing half-written


def test_upload_over_the_limit_is_refused(coded):
    summary = admin.upload_transcripts(coded, ADMIN, [UploadedFile("big.txt", GOOD_TXT)], max_bytes=10)
    size = len(GOOD_TXT)
    assert summary.failed == [("big.txt", f"big.txt: is {size} bytes, over the 10 bytes limit; split it into smaller files")]
    assert "big" not in {r["name"] for r in transcript_rows(coded)}


def test_a_failing_upload_does_not_stop_the_others(coded):
    summary = admin.upload_transcripts(
        coded, ADMIN, [UploadedFile("empty.txt", b""), UploadedFile("P09.txt", GOOD_TXT)]
    )
    assert summary.imported == ["P09"] and [f for f, _ in summary.failed] == ["empty.txt"]


def test_changed_upload_of_a_known_name_asks_to_tick_replace(coded):
    admin.upload_transcripts(coded, ADMIN, [UploadedFile("P10.txt", GOOD_TXT)])
    changed = GOOD_TXT.replace(b"downloads", b"likes")
    summary = admin.upload_transcripts(coded, ADMIN, [UploadedFile("P10.txt", changed)])
    assert admin.REPLACE_HINT in summary.failed[0][1] and "--replace" not in summary.failed[0][1]
    summary = admin.upload_transcripts(coded, ADMIN, [UploadedFile("P10.txt", changed)], replace=True)
    assert summary.replaced == ["P10"]


def test_uploaded_transcript_records_its_file_name_not_the_temporary_path(coded):
    from study.store import Transcript

    admin.upload_transcripts(coded, ADMIN, [UploadedFile("P11.txt", GOOD_TXT)])
    with coded.session() as s:
        assert s.query(Transcript).filter_by(name="P11").one().source_file == "upload: P11.txt"


def test_coder_may_not_upload(coded):
    with pytest.raises(NotAllowed):
        admin.upload_transcripts(coded, ALICE, [UploadedFile("P12.txt", GOOD_TXT)])
    with pytest.raises(NotAllowed):
        admin.upload_participants(coded, ALICE, UploadedFile("p.csv", b"participant\nP01\n"))


def test_participants_upload_saves_attributes(coded):
    from study.participants import list_participants

    count = admin.upload_participants(coded, ADMIN, UploadedFile("people.csv", b"participant,role\nP01,engineer\n"))
    assert count == 1
    assert next(p for p in list_participants(coded) if p["participant"] == "P01")["attributes"] == {"role": "engineer"}


def test_participants_upload_error_names_the_file(coded):
    with pytest.raises(ParticipantsError) as caught:
        admin.upload_participants(coded, ADMIN, UploadedFile("people.csv", b"name,role\nP01,engineer\n"))
    assert str(caught.value).startswith("people.csv: no 'participant' column")


def test_participants_uploaded_with_transcripts_own_them(coded):
    people = UploadedFile("people.csv", b"participant,transcript,role\nP42,interview-x,engineer\n")
    admin.upload_transcripts(coded, ADMIN, [UploadedFile("interview-x.txt", GOOD_TXT)], participants=people)
    assert next(r for r in transcript_rows(coded) if r["name"] == "interview-x")["participant"] == "P42"


# -- progress ------------------------------------------------------------------


def test_progress_counts_coded_segments_and_done(coded):
    codings.mark_done(coded, ALICE, "alice", "P01")
    progress = {(p.transcript, p.rater): p for p in admin.coding_progress(coded, ADMIN)}
    # P01 has four segments, two of them the participant's: those are the ones to code
    assert progress["P01", "alice"] == admin.Progress("P01", "alice", 2, 2, True)
    assert progress["P01", "bob"] == admin.Progress("P01", "bob", 1, 2, False)
    assert progress["P02", "alice"].coded == 0


def test_transcripts_table_shows_each_coder_to_an_admin(coded):
    codings.mark_done(coded, ALICE, "alice", "P01")
    table = admin.transcripts_table(coded, ADMIN).set_index("transcript")
    assert table.loc["P01", "alice"] == "2 / 2, done"
    assert table.loc["P01", "bob"] == "1 / 2"
    assert table.loc["P01", "segments"] == 4 and table.loc["P01", "participant"] == "P01"


def test_a_coder_sees_only_their_own_progress(coded):
    table = admin.transcripts_table(coded, ALICE)
    assert "alice" in table.columns and "bob" not in table.columns
    with pytest.raises(NotAllowed):
        admin.coding_progress(coded, ALICE, ["bob"])


# -- agreement visibility ------------------------------------------------------


def test_admin_may_always_compare(coded):
    assert admin.agreement_transcripts(coded, ADMIN, ["alice", "bob"]) == []
    codings.mark_done(coded, ALICE, "alice", "P01")
    codings.mark_done(coded, BOB, "bob", "P01")
    assert admin.agreement_transcripts(coded, ADMIN, ["alice", "bob"]) == ["P01"]


def test_coders_see_no_agreement_unless_the_admin_allows_it(coded):
    codings.mark_done(coded, ALICE, "alice", "P01")
    codings.mark_done(coded, BOB, "bob", "P01")
    with pytest.raises(NotAllowed, match="admin allows"):
        admin.agreement_transcripts(coded, ALICE, ["alice", "bob"])
    admin.set_coders_see_agreement(coded, ADMIN, True)
    assert admin.coders_see_agreement(coded)
    assert admin.agreement_transcripts(coded, ALICE, ["alice", "bob"]) == ["P01"]


def test_coders_see_agreement_only_once_every_compared_coder_is_done(coded):
    admin.set_coders_see_agreement(coded, ADMIN, True)
    codings.mark_done(coded, ALICE, "alice", "P01")
    with pytest.raises(NotAllowed, match="marked a transcript done"):
        admin.agreement_transcripts(coded, ALICE, ["alice", "bob"])


def test_a_coder_may_not_compare_two_other_coders(coded):
    auth.add_user(coded, "carol", "coder", "password-123")
    admin.set_coders_see_agreement(coded, ADMIN, True)
    with pytest.raises(NotAllowed):
        admin.agreement_transcripts(coded, auth.Actor("carol", "coder"), ["alice", "bob"])


def test_only_an_admin_changes_the_agreement_setting(coded):
    with pytest.raises(NotAllowed):
        admin.set_coders_see_agreement(coded, ALICE, True)
    assert not admin.coders_see_agreement(coded)


def test_agreement_needs_two_raters(coded):
    with pytest.raises(StudyError, match="two raters"):
        admin.agreement_transcripts(coded, ADMIN, ["alice"])


# -- audit log -----------------------------------------------------------------


def test_audit_log_is_for_admins_only(coded):
    with pytest.raises(NotAllowed):
        admin.audit_log(coded, ALICE)
    with pytest.raises(NotAllowed):
        admin.audit_choices(coded, ALICE)


def test_audit_log_lists_newest_first(coded):
    log, total = admin.audit_log(coded, ADMIN)
    assert total == len(log) > 0
    assert list(log["at"]) == sorted(log["at"], reverse=True)
    assert log.iloc[0]["action"] == "coding.apply" and log.iloc[0]["actor"] == "bob"


def test_audit_log_filters_by_actor_action_and_text(coded):
    log, total = admin.audit_log(coded, ADMIN, AuditFilter(actors=("alice",), actions=("coding.apply",)))
    assert total == 2 and set(log["actor"]) == {"alice"}
    log, total = admin.audit_log(coded, ADMIN, AuditFilter(text="license"))
    assert total == 1 and "License" in log.iloc[0]["target"]


def test_audit_text_filter_treats_wildcards_literally(coded):
    assert admin.audit_log(coded, ADMIN, AuditFilter(text="%"))[1] == 0


def test_audit_log_filters_by_time(coded):
    assert admin.audit_log(coded, ADMIN, AuditFilter(since=utcnow() + timedelta(hours=1)))[1] == 0
    assert admin.audit_log(coded, ADMIN, AuditFilter(until=utcnow() - timedelta(hours=1)))[1] == 0
    assert admin.audit_log(coded, ADMIN, AuditFilter(since=utcnow() - timedelta(hours=1)))[1] > 0


def test_audit_log_limit_keeps_the_total(coded):
    log, total = admin.audit_log(coded, ADMIN, AuditFilter(limit=2))
    assert len(log) == 2 and total > 2


def test_audit_choices_list_actors_and_actions(coded):
    actors, actions = admin.audit_choices(coded, ADMIN)
    assert {"alice", "bob"} <= set(actors) and "coding.apply" in actions


# -- codebook ------------------------------------------------------------------


def test_rename_keeps_the_codings(coded):
    ref = admin.edit_code(coded, ADMIN, "Challenges/Model search", name="Finding models")
    assert ref == "Challenges/Finding models"
    assert ref in {r.code for r in codings.codings_of(coded, ADMIN, "alice", "P01")}


def test_merge_moves_codings_and_retires_the_source(coded):
    moved = admin.merge_codes(coded, ADMIN, "Attributes/Popularity", "Challenges/Model search")
    assert moved == 1  # bob's Popularity on P01 segment 1
    assert {r.code for r in codings.codings_of(coded, ADMIN, "bob")} == {"Challenges/Model search"}
    entry = next(e for e in admin.codebook_entries(coded, ADMIN) if e["code"] == "Popularity")
    assert entry["retired"]
    assert not any(e["code"] == "Popularity" for e in admin.codebook_entries(coded, ALICE))


def test_retired_code_can_be_restored(coded):
    admin.retire_code(coded, ADMIN, "Attributes/License")
    admin.retire_code(coded, ADMIN, "Attributes/License", retired=False)
    assert not next(e for e in admin.codebook_entries(coded, ADMIN) if e["code"] == "License")["retired"]


@pytest.mark.parametrize("name", ["", "  ", "a/b"])
def test_a_code_needs_a_plain_name(coded, name):
    with pytest.raises(CodebookError):
        admin.add_code(coded, ADMIN, "Challenges", name, "A definition.")


def test_an_edit_cannot_empty_the_definition(coded):
    with pytest.raises(CodebookError, match="definition is empty"):
        admin.edit_code(coded, ADMIN, "Attributes/License", definition="  ")


@pytest.mark.parametrize("change", [
    lambda s: admin.add_code(s, ALICE, "Challenges", "New", "A definition."),
    lambda s: admin.edit_code(s, ALICE, "Attributes/License", name="Licence"),
    lambda s: admin.retire_code(s, ALICE, "Attributes/License"),
    lambda s: admin.import_codebook(s, ALICE, UploadedFile("book.yaml", b"name: x\nthemes: []\n")),
])
def test_only_admins_change_the_codebook(coded, change):
    with pytest.raises(NotAllowed):
        change(coded)


def test_codebook_yaml_round_trips_through_an_upload(coded):
    text = admin.codebook_yaml(coded)
    assert "Model search" in text
    result = admin.import_codebook(coded, ADMIN, UploadedFile("book.yaml", text.encode()))
    assert result == {"added": 0, "updated": 4}


def test_a_broken_codebook_upload_names_the_file(coded):
    with pytest.raises(CodebookError, match="^book.yaml: the codebook is not UTF-8"):
        admin.import_codebook(coded, ADMIN, UploadedFile("book.yaml", b"\xff\xfe\xfa"))


# -- findings sources ----------------------------------------------------------


def test_findings_sources_for_an_admin_and_a_coder(coded):
    labels = [c.label for c in admin.findings_sources(coded, ADMIN)]
    assert labels == ["all coders: union (any applied it)", "all coders: majority (most applied it)",
                      "coder: alice", "coder: bob"]
    assert [c.source for c in admin.findings_sources(coded, ALICE)] == ["alice"]


def test_merge_joins_memos_where_a_rater_had_both_codes(coded):
    codings.apply_code(coded, ADMIN, "alice", "P01", 3, "Attributes/Popularity", memo="downloads, not quality")
    codings.apply_code(coded, ADMIN, "alice", "P01", 3, "Challenges/Model search", memo="hard to find")
    admin.merge_codes(coded, ADMIN, "Attributes/Popularity", "Challenges/Model search")
    rows = [r for r in codings.codings_of(coded, ADMIN, "alice") if r.segment == 3 and r.code.startswith("Challenges")]
    assert [(r.code, r.memo) for r in rows] == [("Challenges/Model search", "hard to find\n\ndownloads, not quality")]
    log, _ = admin.audit_log(coded, ADMIN, admin.AuditFilter(actions=("code.merge",)))
    assert "downloads, not quality" in log.iloc[0]["before"]
