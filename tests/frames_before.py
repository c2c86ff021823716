"""The pandas read path the findings and agreement took before aggregation moved into the database
(issue 20): every coding of some raters read into one frame, the source's raters combined in pandas,
and the parent rule applied by repeating rows. ``study`` no longer reads codings this way; the
oracles (tests/findings_before.py, tests/agreement_before.py) still do, so that the equivalence
tests compare the database's aggregates with what this path computed."""
from __future__ import annotations

import pandas as pd
from sqlalchemy import select

from study import codes as codes_mod
from study import code_tree
from study.audit_log import memo_per_change
from study.auth import Actor, rater_user
from study.codings import check_may_compare, check_may_read_codings
from study.sources import Source, joined_memos
from study.store import Coding, Participant, Segment, Study, Transcript

CODING_COLUMNS = ["rater", "transcript", "transcript_id", "participant", "segment_id", "segment", "speaker",
                  "role", "code", "code_id", "theme", "memo", "span_start", "span_end"]
SOURCE_COLUMNS = [c for c in CODING_COLUMNS if c != "rater"] + ["votes"]


def codings_frame(study: Study, asker: Actor, raters: list[str]) -> pd.DataFrame:
    """All codings of ``raters`` as one table (segment None = whole transcript). Admins only,
    unless the asker is the single rater asked for."""
    check_may_read_codings(asker, raters)
    return _codings_frame(study, tuple(raters)).copy(deep=False)  # pandas >= 3 copies on write: the memo stays as read


def read_codings_frame(study: Study, asker: Actor, raters: list[str]) -> pd.DataFrame:
    """The codings of ``raters`` to compute agreement from: an admin's read, or a coder's who
    compares themselves with others (``study.codings.check_may_compare``)."""
    with study.session() as session:
        check_may_compare(session, asker, raters)
    return _codings_frame(study, tuple(raters)).copy(deep=False)


@memo_per_change
def _codings_frame(study: Study, raters: tuple[str, ...]) -> pd.DataFrame:
    with study.session() as session:
        users = {rater_user(session, r).id: r for r in raters}
        rows = session.execute(
            select(Coding.rater_id, Transcript.name, Transcript.id, Participant.label, Coding.segment_id,
                   Segment.index, Segment.speaker, Segment.role, Coding.code_id, Coding.memo, Coding.span_start,
                   Coding.span_end)
            .join(Transcript, Coding.transcript_id == Transcript.id)
            .outerjoin(Participant, Transcript.participant_id == Participant.id)
            .outerjoin(Segment, Coding.segment_id == Segment.id)
            .where(Coding.rater_id.in_(list(users)))
        ).all()
        code_by_id = {c.id: c for c in codes_mod.all_codes(session, include_retired=True)}
        records = [
            {"rater": users[r[0]], "transcript": r[1], "transcript_id": r[2], "participant": r[3],
             "segment_id": r[4], "segment": r[5], "speaker": r[6], "role": r[7],
             "code": code_by_id[r[8]].ref, "code_id": r[8], "theme": code_by_id[r[8]].top_theme, "memo": r[9],
             "span_start": r[10], "span_end": r[11]}
            for r in rows
        ]
    frame = pd.DataFrame.from_records(records, columns=CODING_COLUMNS)
    # NA segment: a whole-transcript coding; NA span: the whole segment
    return frame.astype({"segment": "Int64", "segment_id": "Int64", "span_start": "Int64", "span_end": "Int64"})


def source_codings(study: Study, asker: Actor, source: Source) -> pd.DataFrame:
    """The source's codings: one row per (transcript, segment, code) that counts, with ``votes``
    (how many of the source's raters applied it) and their memos joined.

    Whole-transcript codings have ``segment_id`` None, like in ``codings_frame``.
    """
    return _source_codings(study, asker, source).copy(deep=False)  # pandas >= 3 copies on write: the memo stays as read


@memo_per_change
def _source_codings(study: Study, asker: Actor, source: Source) -> pd.DataFrame:
    frame = codings_frame(study, asker, list(source.raters))
    if frame.empty:
        return pd.DataFrame(columns=SOURCE_COLUMNS)
    frame = frame.assign(unit=frame["segment_id"].fillna(-1).astype(int))
    keys = ["transcript_id", "unit", "code_id"]
    grouped = frame.groupby(keys, sort=True)
    combined = grouped.first().reset_index()
    combined["votes"] = grouped["rater"].nunique().to_numpy()
    combined["memo"] = grouped["memo"].agg(joined_memos).to_numpy()
    combined = combined[combined["votes"] >= source.votes_needed].copy()
    # object columns: None for whole-transcript codings, ints otherwise (not floats with NaN)
    combined["segment_id"] = pd.Series([None if u < 0 else int(u) for u in combined["unit"]],
                                       index=combined.index, dtype=object)
    combined["segment"] = pd.Series([None if pd.isna(s) else int(s) for s in combined["segment"]],
                                    index=combined.index, dtype=object)
    return combined[SOURCE_COLUMNS].reset_index(drop=True)


def counted_for(db, rule: str) -> dict[int, tuple[int, ...]]:
    """{code id: the ids of the codes a coding of it counts for}, itself first, by the parent rule
    (``study.code_tree.code_ancestry`` read whole)."""
    tree = code_tree.code_ancestry()
    rows = db.execute(select(tree.c.descendant_id, tree.c.ancestor_id).where(code_tree.counts_under(tree, rule))
                      .order_by(tree.c.descendant_id, tree.c.depth)).all()
    found: dict[int, list[int]] = {}
    for descendant, ancestor in rows:
        found.setdefault(descendant, []).append(ancestor)
    return {code: tuple(ids) for code, ids in found.items()}


def apply_parent_rule(frame: pd.DataFrame, counted: dict[int, tuple[int, ...]]) -> pd.DataFrame:
    """``frame`` (columns ``transcript_id``, ``segment_id``, ``code_id``) with each row repeated for
    every code it counts for. A unit counts once per code, however many codes below it the unit
    carries; ``code`` still names the code applied."""
    if frame.empty or all(len(ids) == 1 for ids in counted.values()):
        return frame
    pairs = pd.DataFrame([(code, counts) for code, ids in counted.items() for counts in ids],
                         columns=["code_id", "counts_for"])
    expanded = frame.merge(pairs, on="code_id", how="left")
    expanded["code_id"] = expanded["counts_for"].fillna(expanded["code_id"]).astype(frame["code_id"].dtype)
    keys = [c for c in ("rater", "transcript_id", "segment_id", "code_id") if c in frame.columns]
    return expanded.drop(columns="counts_for").drop_duplicates(subset=keys).reset_index(drop=True)
