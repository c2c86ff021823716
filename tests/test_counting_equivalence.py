"""The findings counted in the database (``study.counting``) equal the findings as they were counted
before, in pandas over every coding (``tests/findings_before.py``), on the sample study and on a
varied study: three raters, spans, whole-transcript codings, an exclusion, a transcript one rater
has not finished, one without a participant, short, quotable and long segments, odd whitespace.
Each source the Findings page offers, each theme and the whole codebook."""
from __future__ import annotations

import random
from itertools import product
from datetime import datetime, timezone
from hashlib import sha256

import pytest
import sqlalchemy as sa

from study import codes, findings, schema
from study.auth import CLI
from study.code_tree import PARENT_RULES
from study.codebook import load_codebook
from study.exclusion import exclude
from study.quotes import quotes, quotes_page, quotes_table
from study.saturation import saturation
from study.schema import unit_key
from study.sources import findings_sources
from tests import findings_before as before
from tests.conftest import ROOT, coded_sample_study

WORDS = "model hub card licence download dataset benchmark tune search paper team latency cost trust".split()
SPACES = (" ", " ", " ", "  ", "\n", "\t")


def varied_study(study) -> None:
    """A study written in bulk with every shape the counting meets (see the module doc)."""
    rng, now = random.Random(20), datetime.now(timezone.utc)
    codes.load_into_study(study, load_codebook(ROOT / "codebook" / "ptm_reuse.yaml"), CLI)
    with study.connection() as conn:
        code_ids = conn.execute(sa.select(schema.codes.c.id)).scalars().all()[:12]
        conn.execute(schema.users.insert(), [{"name": n, "role": "coder", "created_at": now}
                                             for n in ("alice", "bob", "carol")])
        raters = conn.execute(sa.select(schema.users.c.id).where(schema.users.c.role == "coder")).scalars().all()
        for t in range(14):
            text, rows, at = [], [], 0
            for i in range(10):
                speaker = "Interviewer" if i % 3 == 0 else "Participant"
                size = rng.choice((4, 10, 14, 15, 30, 60, 61, 90))
                body = "".join(rng.choice(WORDS) + rng.choice(SPACES) for _ in range(size)).strip() + "."
                head = f"{speaker}: "
                rows.append({"index": i, "speaker": speaker, "role": speaker.lower(), "start": at + len(head),
                             "end": at + len(head) + len(body), "timestamp": None})
                text.append(f"{head}{body}\n\n")
                at += len(text[-1])
            body = "".join(text)
            tid = conn.execute(schema.transcripts.insert().values(
                name=f"T{t + 1}", source_file=f"T{t + 1}.txt", content_hash=sha256(body.encode()).hexdigest(),
                text=body, unit="turn", header={}, turns=[], imported_at=now)).inserted_primary_key[0]
            conn.execute(schema.segments.insert(), [{**row, "transcript_id": tid} for row in rows])
            segs = conn.execute(sa.select(schema.segments.c.id, schema.segments.c.start, schema.segments.c.end)
                                .where(schema.segments.c.transcript_id == tid)).all()
            rows = []
            for rater in raters:
                for sid, start, end in segs:
                    for code in set(rng.sample(code_ids, rng.randint(0, 3))):
                        span = None
                        if rng.random() < 0.25:
                            a = rng.randint(start, end - 2)
                            span = (a, rng.randint(a + 1, end))
                        rows.append({"rater_id": rater, "transcript_id": tid, "segment_id": sid, "code_id": code,
                                     "unit_key": unit_key(sid, span), "span_start": span and span[0],
                                     "span_end": span and span[1], "memo": None, "created_at": now})
                if rng.random() < 0.5:
                    rows.append({"rater_id": rater, "transcript_id": tid, "segment_id": None,
                                 "code_id": rng.choice(code_ids), "unit_key": unit_key(None), "span_start": None,
                                 "span_end": None, "memo": None, "created_at": now})
            conn.execute(schema.codings.insert(), rows)
            done = [r for r in raters if not (t == 5 and r == raters[2])]  # carol has not finished T6
            conn.execute(schema.transcript_status.insert(), [{"rater_id": r, "transcript_id": tid, "done": True,
                                                              "done_at": now} for r in done])
        for t in range(13):
            label = f"P{t % 11 + 1}"
            pid = conn.scalar(sa.select(schema.participants.c.id).where(schema.participants.c.label == label))
            if pid is None:
                pid = conn.execute(schema.participants.insert().values(label=label, attributes={})).inserted_primary_key[0]
            conn.execute(schema.transcripts.update().where(schema.transcripts.c.name == f"T{t + 1}")
                         .values(participant_id=pid))
        nest = conn.execute(sa.select(schema.codes.c.id, schema.codes.c.theme_id).order_by(schema.codes.c.id)).all()
        for child, parent in ((1, 0), (2, 0), (3, 1), (5, 4)):  # a branch three deep and one code with a child
            conn.execute(schema.codes.update().where(schema.codes.c.id == nest[child].id)
                         .values(parent_code_id=nest[parent].id, theme_id=nest[parent].theme_id))
    exclude(study, CLI, "T9", "transcript", "interview cut short")


def tables(study, source: str, combine: str, theme: str | None, rule: str) -> dict:
    """Every findings table of ``theme`` from the source by the parent ``rule``, new and before."""
    pairs = {
        "frequency": (findings.frequency_table, before.frequency_table, {}),
        "codebook order": (findings.frequency_table, before.frequency_table, {"order": "codebook"}),
        "matrix": (findings.matrix_table, before.matrix_table, {}),
        "matrix counts": (findings.matrix_table, before.matrix_table, {"counts": True}),
        "co-occurrence": (findings.cooccurrence_table, before.cooccurrence_table, {}),
        "co-occurrence by participant": (findings.cooccurrence_table, before.cooccurrence_table,
                                         {"level": "participant"}),
    }
    out = {}
    for name, (new, old, options) in pairs.items():
        options = {**options, "parent_rule": rule}
        out[name] = (new(study, CLI, theme, source=source, combine=combine, **options).to_dict(),
                     old(study, CLI, theme, source=source, combine=combine, **options).to_dict())
    out["quotes by code"] = (findings.quotes_by_code(study, CLI, theme, source, combine),
                             without_nan(before.quotes_by_code(study, CLI, theme, source, combine)))
    out["saturation"] = (saturation(study, CLI, theme, source, combine).to_dict(),
                         before.saturation_before(study, CLI, theme, source, combine).to_dict())
    return out


def without_nan(quoted: list[dict]) -> list[dict]:
    """The frame path's quotes with the speaker of a whole-transcript coding None, not pandas' NaN."""
    for code in quoted:
        for person in code["participants"]:
            for quote in person["quotes"]:
                quote["speaker"] = None if isinstance(quote["speaker"], float) else quote["speaker"]
    return quoted


def themes_of(study) -> list[str | None]:
    """The whole codebook, and one theme (with sub-themes when one has them: factors group by them)."""
    with study.session() as session:
        themes = sorted(codes.top_themes(session), key=lambda t: not t.children)
        return [None, themes[0].name]


def assert_same(study) -> int:
    compared = 0
    for choice, theme, rule in product(findings_sources(study, CLI), themes_of(study), PARENT_RULES):
        for name, (new, old) in tables(study, choice.source, choice.combine, theme, rule).items():
            assert new == old, f"{name} of {theme or 'all themes'} from {choice.label} ({rule}) differs"
            compared += 1
        if theme:
            new = findings.factors_table(study, CLI, theme, 2, choice.source, choice.combine, rule).to_dict()
            old = before.factors_table(study, CLI, theme, 2, choice.source, choice.combine, rule).to_dict()
            assert new == old, f"factors of {theme} from {choice.label} ({rule}) differ"
    return compared


def test_findings_counted_in_the_database_equal_the_pandas_counts_on_a_varied_study(study_from):
    study = study_from(varied_study)
    frequency = findings.frequency_table(study, CLI)
    assert frequency.rows[0]["participants"] > 0 and frequency.rows[0]["quote"]  # the study has something to count
    assert assert_same(study) > 20


def test_findings_counted_in_the_database_equal_the_pandas_counts_on_the_sample_study(study_from):
    study = study_from(coded_sample_study)
    assert assert_same(study) > 20


def test_quotes_chosen_after_the_counts_equal_the_one_pass(study_from):
    """The Findings page draws the counts first, then the whole table with the quotes chosen apart from
    them (``after_counts``): the same tables as the one pass that counts and chooses (which the tests
    above hold to the frame path), from the sources of several raters (votes vary) by each parent rule."""
    study = study_from(varied_study)
    several = findings_sources(study, CLI)[:2]
    assert {choice.combine for choice in several} == {"union", "majority"}
    for choice, rule in product(several, PARENT_RULES):
        where = {"source": choice.source, "combine": choice.combine, "parent_rule": rule}
        counts = findings.frequency_table(study, CLI, **where, quotes=False).to_dict()
        whole = findings.frequency_table(study, CLI, **where, after_counts=True).to_dict()
        old = findings.frequency_table(study, CLI, **where).to_dict()
        assert whole == old, f"frequency from {choice.label} ({rule}) differs"
        assert counts["rows"] == [{k: v for k, v in row.items() if k != "quote"} for row in old["rows"]]
        assert any(row["quote"] for row in whole["rows"])  # quotes were chosen, not left out


def assert_same_quotes(study) -> int:
    compared = 0
    with study.session() as session:
        themes = [t.name for t in codes.top_themes(session)]
        participant = session.scalars(sa.select(schema.participants.c.label).order_by(schema.participants.c.id)
                                      .offset(1)).first()  # names the study holds (an unknown one is an error)
        transcript = session.scalars(sa.select(schema.transcripts.c.name).order_by(schema.transcripts.c.id)
                                     .offset(2)).first()
    for choice, theme in product(findings_sources(study, CLI), themes):
        for where in ({}, {"participant": participant}, {"transcript": transcript}):
            new = quotes(study, CLI, theme=theme, source=choice.source, combine=choice.combine, **where)
            try:
                old = before.quotes_before(study, CLI, theme=theme, source=choice.source, combine=choice.combine,
                                           **where)
            except KeyError:  # the frame path failed when nothing was left to quote (frame[[]] drops the columns)
                old = []
            assert new == old, f"quotes of {theme} from {choice.label} {where} differ"
            assert paged_rows(study, theme, choice, where) == quotes_table(
                study, CLI, theme=theme, source=choice.source, combine=choice.combine, **where).rows
            compared += len(new)
    return compared


def paged_rows(study, theme: str, choice, where: dict, size: int = 7) -> tuple:
    """Every page of the Quotes page's table (``quotes_page``), one after another."""
    first = quotes_page(study, CLI, theme=theme, source=choice.source, combine=choice.combine, size=size, **where)
    rows = list(first.table.rows)
    for number in range(2, first.pages + 1):
        rows += quotes_page(study, CLI, theme=theme, source=choice.source, combine=choice.combine, number=number,
                            size=size, **where).table.rows
    assert len(rows) == first.total
    return tuple(rows)


def test_quotes_read_in_the_database_equal_the_quotes_read_from_the_frame(study_from):
    study = study_from(varied_study)
    assert assert_same_quotes(study) > 100


def test_quotes_of_the_sample_study_equal_the_quotes_read_from_the_frame(study_from):
    assert assert_same_quotes(study_from(coded_sample_study)) > 10
