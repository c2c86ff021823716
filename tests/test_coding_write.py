"""The one coding write path: spans, the unit key, idempotent writes under concurrency, the
audit shape undo reads, the reserved consensus rater, and the upgrade of a v1 database."""
from __future__ import annotations

import json
import os
import sqlite3
import subprocess
import sys
import textwrap
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from click.testing import CliRunner
from sqlalchemy import Text, cast, func, select, text

from study import bulk, codes, coding_write, codings, workspace
from study.auth import CLI, Actor, add_user
from study.cli import cli
from study.coding_write import CodingKey, CodingWrite, write_codings
from study.errors import CodebookError, NotAllowed, StudyError
from study.importing.resegment import resegment
from study.listing import segment_rows
from study.store import SCHEMA_VERSION, AuditEntry, Coding, Segment, Study, User
from tests.factories import add_interview, add_raters, load_small_codebook

ROOT = Path(__file__).resolve().parents[1]
SEARCH = "Challenges/Model search"
LICENSE = "Attributes/Portability/License"
ANSWERS = ["I search the hub for a model, then read the card.", "The license decides it for us."]


@pytest.fixture
def coded(study: Study) -> Study:
    load_small_codebook(study)
    add_raters(study, "alice", "bob")
    add_interview(study, "P1", "P1", ANSWERS)
    return study


def answer(study: Study, index: int = 1) -> dict:
    return segment_rows(study, "P1")[index]


def stored(study: Study, rater: str) -> list[tuple]:
    return [(r.segment, r.code, r.memo) for r in codings.codings_of(study, CLI, rater)]


def spans_of(study: Study) -> list[tuple[int, int] | None]:
    with study.session() as s:
        return sorted((c.span for c in s.scalars(select(Coding))), key=lambda x: x or (-1, -1))


# -- spans and the unit key -----------------------------------------------------------


def test_a_span_is_stored_with_its_offsets_and_a_second_span_is_another_coding(coded):
    seg = answer(coded)
    first = (seg["start"] + 2, seg["start"] + 8)  # "search"
    second = (seg["start"] + 13, seg["start"] + 16)  # "hub"
    assert codings.apply_code(coded, CLI, "alice", "P1", 1, SEARCH, span=first)
    assert codings.apply_code(coded, CLI, "alice", "P1", 1, SEARCH, span=second)
    assert codings.apply_code(coded, CLI, "alice", "P1", 1, SEARCH) is True  # the whole segment: a third unit
    assert spans_of(coded) == [None, first, second]


def test_the_same_coding_twice_is_stored_once(coded):
    seg = answer(coded)
    span = (seg["start"], seg["start"] + 1)
    assert codings.apply_code(coded, CLI, "alice", "P1", 1, SEARCH, span=span) is True
    assert codings.apply_code(coded, CLI, "alice", "P1", 1, SEARCH, span=span) is False
    assert codings.apply_code(coded, CLI, "alice", "P1", None, SEARCH) is True
    assert codings.apply_code(coded, CLI, "alice", "P1", None, SEARCH) is False  # whole transcript: a real unit
    assert len(spans_of(coded)) == 2


def test_a_span_covering_the_whole_segment_is_the_segment(coded):
    seg = answer(coded)
    assert codings.apply_code(coded, CLI, "alice", "P1", 1, SEARCH)
    assert not codings.apply_code(coded, CLI, "alice", "P1", 1, SEARCH, span=(seg["start"], seg["end"]))
    assert spans_of(coded) == [None]


@pytest.mark.parametrize("where", ["before", "after", "empty"])
def test_a_span_outside_its_segment_is_refused(coded, where):
    seg = answer(coded)
    span = {"before": (seg["start"] - 1, seg["start"] + 3), "after": (seg["end"] - 2, seg["end"] + 1),
            "empty": (seg["start"] + 3, seg["start"] + 3)}[where]
    with pytest.raises(StudyError, match="not inside segment 1"):
        codings.apply_code(coded, CLI, "alice", "P1", 1, SEARCH, span=span)
    assert spans_of(coded) == []


def test_a_span_needs_a_segment(coded):
    with pytest.raises(StudyError, match="needs a segment"):
        codings.apply_code(coded, CLI, "alice", "P1", None, SEARCH, span=(0, 4))


def test_removing_a_span_leaves_the_other_codings(coded):
    seg = answer(coded)
    span = (seg["start"] + 2, seg["start"] + 8)
    codings.apply_code(coded, CLI, "alice", "P1", 1, SEARCH, span=span)
    codings.apply_code(coded, CLI, "alice", "P1", 1, SEARCH)
    codings.remove_code(coded, CLI, "alice", "P1", 1, SEARCH, span=span)
    assert spans_of(coded) == [None]


def test_the_code_page_writes_spans_through_the_workspace(coded):
    seg = answer(coded)
    with coded.session() as s:
        segment_id = s.scalar(select(Segment.id).where(Segment.index == 1))
    code_id = workspace.codebook_entries(coded)[0].id
    add_user(coded, "alice", "coder", "password-1", actor=CLI)
    alice = Actor("alice", "coder")
    span = (seg["start"] + 2, seg["start"] + 8)
    assert workspace.toggle(coded, alice, segment_id, code_id, True, span=span)
    assert not workspace.toggle(coded, alice, segment_id, code_id, True, span=span)
    assert workspace.toggle(coded, alice, segment_id, code_id, False, span=span)
    assert spans_of(coded) == []


# -- audit and undo -------------------------------------------------------------------


def test_undo_brings_back_a_removed_span_with_its_memo(coded):
    seg = answer(coded)
    span = (seg["start"] + 2, seg["start"] + 8)
    codings.apply_code(coded, CLI, "alice", "P1", 1, SEARCH, memo="the hub", span=span)
    codings.remove_code(coded, CLI, "alice", "P1", 1, SEARCH, span=span)
    assert spans_of(coded) == []
    [line] = codings.undo(coded, CLI, "alice")
    assert line.startswith("coding.remove P1#1[") and line.endswith(SEARCH)
    assert spans_of(coded) == [span]
    assert stored(coded, "alice") == [(1, SEARCH, "the hub")]
    codings.undo(coded, CLI, "alice", steps=1)  # the apply, after the undone remove
    assert spans_of(coded) == []


# -- who may write ----------------------------------------------------------------------


@pytest.mark.parametrize("name", ["consensus", "Consensus"])
def test_no_rater_writes_into_the_consensus(coded, name):
    with pytest.raises(StudyError, match="consensus"):
        codings.apply_code(coded, CLI, name, "P1", 1, SEARCH)
    with coded.session() as s:
        assert s.scalar(select(func.count()).select_from(Coding)) == 0


def test_a_coder_cannot_write_another_coders_span(coded):
    with pytest.raises(NotAllowed):
        codings.apply_code(coded, Actor("bob", "coder"), "alice", "P1", 1, SEARCH)


def test_a_nul_in_a_memo_is_refused_on_every_backend(coded):
    with pytest.raises(StudyError, match="NUL"):
        codings.apply_code(coded, CLI, "alice", "P1", 1, SEARCH, memo="a\x00b")


# -- carrying spans when a transcript is cut anew -------------------------------------


def test_resegmenting_keeps_a_span_where_it_is(coded):
    seg = answer(coded)
    span = (seg["start"] + 2, seg["start"] + 8)
    codings.apply_code(coded, CLI, "alice", "P1", 1, SEARCH, span=span)
    resegment(coded, ["P1"], "sentence", CLI)
    assert spans_of(coded) == [span]


# -- concurrency (issue 11): the same rater in two tabs, a new rater in two processes ----


def test_two_tabs_writing_the_same_codes_at_once_never_fail(coded):
    add_user(coded, "alice", "coder", "password-1", actor=CLI)
    alice = Actor("alice", "coder")
    with coded.session() as s:
        segment_ids = list(s.scalars(select(Segment.id).order_by(Segment.index)))
    code_ids = [c.id for c in workspace.codebook_entries(coded)]
    changes = [(seg, code) for seg in segment_ids for code in code_ids] * 2  # every change made in both tabs

    def tab(offset: int) -> int:
        ordered = changes[offset:] + changes[:offset]
        return sum(workspace.toggle(coded, alice, seg, code, True) for seg, code in ordered)

    with ThreadPoolExecutor(max_workers=8) as pool:
        changed = sum(pool.map(tab, range(8)))
    assert changed == len(segment_ids) * len(code_ids)  # each coding stored exactly once, none lost
    with coded.session() as s:
        assert s.scalar(select(func.count()).select_from(Coding)) == len(segment_ids) * len(code_ids)


def test_transactions_of_one_process_queue_for_the_sqlite_write_lock(coded):
    """Each is let in when the one before ends, rather than polling SQLite's lock."""
    if coded.engine.dialect.name != "sqlite":
        pytest.skip("PostgreSQL writers run side by side")
    inside, overlaps = [], []

    def work(session) -> None:
        overlaps.append(bool(inside))
        inside.append(1)
        session.execute(select(func.count()).select_from(Coding))
        time.sleep(0.02)  # a write that takes a while: the other thread arrives meanwhile
        inside.pop()

    with ThreadPoolExecutor(max_workers=4) as pool:
        list(pool.map(lambda _: coded.transaction(work), range(8)))
    assert overlaps == [False] * 8


WRITER = textwrap.dedent("""
    import sys
    from study import codings
    from study.auth import CLI
    from study.store import Study
    study = Study.open(sys.argv[1], create=False)
    codings.import_codings_csv(study, CLI, "carol", sys.argv[2])  # carol is new: the import adds her
    print("ok")
""")


def test_a_new_raters_first_codings_from_two_processes_never_fail(coded, db_url, tmp_path):
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    rows = [f"P1,{index},{ref}" for index in range(4)
            for ref in ("Challenges/Model search", "Attributes/Portability/License")]
    (tmp_path / "carol.csv").write_text("\n".join(["transcript,segment,code", *rows]) + "\n", encoding="utf-8")
    procs = [subprocess.Popen([sys.executable, "-c", WRITER, db_url, str(tmp_path / "carol.csv")], env=env,
                              stdout=subprocess.PIPE,
                              stderr=subprocess.PIPE, text=True, start_new_session=True) for _ in range(3)]
    try:
        outputs = [p.communicate(timeout=120) for p in procs]
    finally:
        for p in procs:
            if p.poll() is None:
                os.killpg(p.pid, 9)
    assert [(p.returncode, out.strip(), err) for p, (out, err) in zip(procs, outputs)] == [(0, "ok", "")] * 3
    assert len(stored(coded, "carol")) == 4 * 2


# -- upgrading a schema-1 database ------------------------------------------------------


def test_a_v1_database_is_upgraded_and_its_duplicate_whole_transcript_codings_joined(tmp_path):
    path = tmp_path / "v1.db"
    connection = sqlite3.connect(path)
    connection.executescript((Path(__file__).parent / "data" / "study_schema_v1.sql").read_text())
    connection.close()
    study = Study.open(f"sqlite:///{path}", create=False)
    try:
        # the v1 file holds alice's codings on segments 1 and 3 and, twice, one whole-transcript coding
        assert stored(study, "alice") == [(None, "Challenges/Missing attributes", "first\n\nsecond"),
                                          (1, SEARCH, "hard to find"), (3, LICENSE, None)]
        assert stored(study, "bob") == [(1, SEARCH, None)]
        assert not codings.apply_code(study, CLI, "alice", "P1", None, "Challenges/Missing attributes")
        seg = segment_rows(study, "P1")[1]
        assert codings.apply_code(study, CLI, "alice", "P1", 1, SEARCH, span=(seg["start"], seg["start"] + 1))
        with study.session() as s:
            from study.store import Meta
            assert s.get(Meta, "schema_version").value == str(SCHEMA_VERSION)
    finally:
        study.close()


# -- the codings CSV (issue 11: nothing lost silently) -----------------------------------


def write_csv(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "codings.csv"
    path.write_text(text, encoding="utf-8")
    return path


def test_an_unterminated_quote_is_refused_with_its_line(coded, tmp_path):
    rows = "".join(f"P1,{i % 4},{SEARCH},\n" for i in range(50))
    path = write_csv(tmp_path, f"transcript,segment,code,memo\nP1,1,{LICENSE},\"starts here\n{rows}")
    with pytest.raises(StudyError, match=r"line 2: a quoted field opened on this line is never closed"):
        codings.import_codings_csv(coded, CLI, "alice", path)
    assert spans_of(coded) == []


def test_a_quote_closed_rows_later_is_refused_with_the_line_it_opens_on(coded, tmp_path):
    path = write_csv(tmp_path, "transcript,segment,code,memo\n"
                               f"P1,1,{LICENSE},\"open\nP1,3,{SEARCH},x\nP1,0,{SEARCH},\"closed\n")
    with pytest.raises(StudyError, match=r"line 2: .* swallows the row on line 3"):
        codings.import_codings_csv(coded, CLI, "alice", path)


def test_duplicate_rows_count_what_was_stored(coded, tmp_path):
    path = write_csv(tmp_path, "transcript,segment,code,memo\n" + f"P1,1,{SEARCH},same\n" * 3 + f"P1,3,{SEARCH},\n")
    assert codings.import_codings_csv(coded, CLI, "alice", path) == 2  # two codings, whatever the rows
    assert codings.import_codings_csv(coded, CLI, "alice", path) == 0  # a second import stores nothing new


def test_conflicting_memos_for_one_coding_name_both_lines(coded, tmp_path):
    path = write_csv(tmp_path, f"transcript,segment,code,memo\nP1,1,{SEARCH},first\nP1,3,{SEARCH},\n"
                               f"P1,1,{SEARCH},second\n")
    with pytest.raises(StudyError, match="lines 2 and 4: the same coding with two different memos"):
        codings.import_codings_csv(coded, CLI, "alice", path)
    assert spans_of(coded) == []


def test_csv_start_and_end_columns_code_spans_and_export_round_trips(coded, tmp_path):
    seg = answer(coded)
    start, end = seg["start"] + 2, seg["start"] + 8
    path = write_csv(tmp_path, f"transcript,segment,code,memo,start,end\nP1,1,{SEARCH},hub,{start},{end}\n"
                               f"P1,1,{SEARCH},,,\n")
    assert codings.import_codings_csv(coded, CLI, "alice", path) == 2
    assert spans_of(coded) == [None, (start, end)]
    exported = codings.export_codings(coded, CLI, "alice")
    assert [(r["segment"], r["start"], r["end"], r["memo"]) for r in exported] == [(1, "", "", ""),
                                                                                    (1, start, end, "hub")]


def test_a_v1_postgresql_database_is_upgraded(db_url):
    if not db_url.startswith("postgresql"):
        pytest.skip("the PostgreSQL upgrade path (SQLite's is tested on the v1 file above)")
    from sqlalchemy import create_engine, text

    study = Study.open(db_url)
    load_small_codebook(study)
    add_raters(study, "alice")
    add_interview(study, "P1", "P1", ANSWERS)
    codings.apply_code(study, CLI, "alice", "P1", 1, SEARCH, memo="kept")
    codings.apply_code(study, CLI, "alice", "P1", None, LICENSE)
    study.close()
    engine = create_engine(db_url)
    with engine.begin() as conn:  # back to schema 1's codings table, as v1 created it
        conn.execute(text("ALTER TABLE codings DROP CONSTRAINT uq_codings_key"))
        conn.execute(text("ALTER TABLE codings DROP COLUMN unit_key, DROP COLUMN span_start, DROP COLUMN span_end"))
        conn.execute(text("ALTER TABLE codings ADD CONSTRAINT codings_rater_id_transcript_id_segment_id_code_id_key "
                          "UNIQUE (rater_id, transcript_id, segment_id, code_id)"))
        conn.execute(text("ALTER TABLE codes DROP COLUMN parent_code_id"))  # v3's nesting, which v1 lacked
        conn.execute(text("UPDATE study_meta SET value = '1' WHERE key = 'schema_version'"))
    engine.dispose()
    study = Study.open(db_url, create=False)
    try:
        assert stored(study, "alice") == [(None, LICENSE, None), (1, SEARCH, "kept")]
        assert not codings.apply_code(study, CLI, "alice", "P1", None, LICENSE)
        seg = answer(study)
        assert codings.apply_code(study, CLI, "alice", "P1", 1, SEARCH, span=(seg["start"], seg["start"] + 1))
    finally:
        study.close()


# -- a retired code: one rule, in the write path, whoever writes --------------------------


def retired_search(study: Study) -> Study:
    """alice coded the first answer with SEARCH, which the admin then retired."""
    codings.apply_code(study, CLI, "alice", "P1", 1, SEARCH, memo="before")
    codes.retire_code(study, CLI, SEARCH)
    return study


def apply_from_cli(study: Study, db_url: str, tmp_path: Path) -> None:
    result = CliRunner().invoke(cli, ["--db", db_url, "codings", "apply", "P1", "3", "--code", SEARCH,
                                      "--rater", "alice"])
    assert result.exit_code == 1 and "restore it on the app's Codebook page" in result.stderr
    raise StudyError(result.stderr)


def apply_from_csv(study: Study, db_url: str, tmp_path: Path) -> None:
    codings.import_codings_csv(study, CLI, "alice", write_csv(tmp_path, f"transcript,segment,code\nP1,3,{SEARCH}\n"))


def apply_from_the_code_page(study: Study, db_url: str, tmp_path: Path) -> None:
    add_user(study, "alice", "coder", "password-1", actor=CLI)
    with study.session() as session:
        segment_id = session.scalar(select(Segment.id).where(Segment.index == 3))
        code_id = codes.resolve(session, SEARCH).id
    with pytest.raises(CodebookError) as refused:
        workspace.apply_change(study, Actor("alice", "coder"), None, workspace.Change(segment_id, code_id, True))
    assert refused.value.remedy == "restore_code"  # typed, for the page
    raise refused.value


@pytest.mark.parametrize("apply", [apply_from_cli, apply_from_csv, apply_from_the_code_page])
def test_a_retired_code_is_refused_whoever_applies_it(coded, db_url, tmp_path, apply):
    retired_search(coded)
    with pytest.raises(StudyError, match="Model search is retired"):
        apply(coded, db_url, tmp_path)
    assert stored(coded, "alice") == [(1, SEARCH, "before")]


def test_a_retired_codes_codings_are_kept_carried_and_undone(coded):
    retired_search(coded)
    assert codings.apply_code(coded, CLI, "alice", "P1", 1, SEARCH, memo="after")  # its memo still changes
    codings.remove_code(coded, CLI, "alice", "P1", 1, SEARCH)
    codings.undo(coded, CLI, "alice")  # undo puts back what was there
    assert stored(coded, "alice") == [(1, SEARCH, "after")]
    resegment(coded, ["P1"], "sentence", CLI)  # carried to the new segment
    assert [code for _, code, _ in stored(coded, "alice")] == [SEARCH]


# -- the audit text of a bulk write ---------------------------------------------------------

# Memos whose JSON Python and SQL would escape differently if the database wrote them itself.
AWKWARD_MEMOS = [None, "", "plain", 'a "quote" and a \\ backslash', "tab\there\nnew line\r\x08\x0c",
                 "\x01\x1f control", "\x7f delete", "é ü 中文", "🙂 astral plane", "</script> & <b>"]


def constraint_oids(study: Study) -> set[int]:
    with study.engine.connect() as connection:
        return set(connection.scalars(text("SELECT oid FROM pg_constraint WHERE conrelid = 'codings'::regclass "
                                           "AND contype = 'f'")))


@pytest.mark.parametrize("held, numbered", [(True, False), (False, False), (True, True)],
                         ids=["table held", "racing writers", "held, positions numbered by the database"])
def test_a_bulk_writes_audit_entries_are_the_json_of_each_codings_detail(coded, monkeypatch, held, numbered):
    """The audit page searches the entries' text: each bulk-inserted coding's entry reads exactly
    as json.dumps writes its detail (ASCII escapes, ", " and ": "), whichever way it was stored,
    in the order of the writes; ``numbered``: the memos found by the rows' positions numbered in
    SQL, as when the stored ids do not follow one another (PostgreSQL), not by their ids."""
    postgres = coded.engine.dialect.name == "postgresql"
    if not held and not postgres:
        pytest.skip("SQLite's bulk writes always hold its write lock")
    monkeypatch.setattr(bulk, "KEYS_AT_ONCE_AFTER", 10 if held else 10**9)
    if numbered and postgres:
        pytest.skip("PostgreSQL's entries are numbered by the database in every case ('table held')")
    if numbered:
        monkeypatch.setattr(coding_write._AuditLog, "_ids_follow", lambda self, first, count: False)
    with coded.session() as s:
        segment = s.scalars(select(Segment).where(Segment.index == 1)).one()
        alice = s.scalars(select(User.id).where(User.name == "alice")).one()
        search, license_ = codes.resolve(s, SEARCH).id, codes.resolve(s, LICENSE).id
    keys = [CodingKey(alice, segment.transcript_id, None, search), CodingKey(alice, segment.transcript_id,
                                                                          segment.id, license_)]
    keys += [CodingKey(alice, segment.transcript_id, segment.id, search,
                       (segment.start + n % 40, segment.start + n % 40 + 1 + n // 40)) for n in range(60)]
    writes = [CodingWrite(key, memo=AWKWARD_MEMOS[n % len(AWKWARD_MEMOS)]) for n, key in enumerate(keys)]
    keys_before = constraint_oids(coded) if postgres else set()
    assert coded.transaction(lambda s: write_codings(s, CLI, writes)) == len(writes)
    if postgres:
        assert (constraint_oids(coded) != keys_before) is held  # the keys were dropped and added back, or not

    audit = AuditEntry.__table__
    with coded.engine.connect() as connection:
        entries = connection.execute(select(audit.c.target, cast(audit.c.before, Text), cast(audit.c.after, Text))
                                     .where(audit.c.action == "coding.apply").order_by(audit.c.id)).all()
    refs = {search: SEARCH, license_: LICENSE}
    where = ["whole", "1"] + [f"1[{k.span[0]}:{k.span[1]}]" for k in keys[2:]]
    assert [tuple(e) for e in entries] == [
        (f"P1#{place} {refs[w.key.code_id]}", "null",
         json.dumps({"rater_id": alice, "transcript_id": w.key.transcript_id, "segment_id": w.key.segment_id,
                     "code_id": w.key.code_id, "span": list(w.key.span) if w.key.span else None, "memo": w.memo}))
        for place, w in zip(where, writes)]
