"""The findings as they were computed before aggregation moved into the database (issue 20): every
coding read into a frame, counted in pandas. Kept only for the equivalence tests
(tests/test_counting_equivalence.py), which compare it with ``study.findings`` on the same studies."""
from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass

import pandas as pd
from sqlalchemy import select

from study import code_tree
from study import codes as codes_mod
from study.auth import Actor
from study.codebook import join_ref
from study.codes import CodeView
from study.errors import StudyError
from study.table import Column, Table
from study.excluded import excluded_transcript_ids
from study.coverage import Coverage, source_coverage
from study.names import natural_key
from study.sources import Source, choose_source
from study.store import Memo, Participant, Segment, Study, Transcript, User
from tests.frames_before import apply_parent_rule, codings_frame, counted_for, source_codings
from study.errors import NotFound
from study.quotes import Quote
from study.saturation import DEFAULT_THRESHOLD, Saturation, interview_order, saturation_point

QUOTE_WORDS = (15, 60)
OTHER = "Other"
EXEMPLAR_RULE = (
    "Exemplar quote: a participant's segment of 15-60 words where possible, applied by the most of "
    "the source's raters, with the fewest other codes; ties go to the earliest participant."
)
LEVELS = ("segment", "participant")
ORDERS = ("count", "codebook")


@dataclass(frozen=True)
class Evidence:
    """What a findings table reads: the chosen source's codings of the codes in scope.

    ``codings`` has one row per (transcript, segment, code) that counts for the source
    (``frames_before.source_codings``) in a counted transcript, limited to ``codes``; ``participants``
    is M (``coverage.source_coverage``).
    """

    source: Source
    codings: pd.DataFrame
    participants: tuple[str, ...]
    codes: tuple[CodeView, ...]
    theme: tuple[str, ...]
    codes_on_segment: dict
    coverage: Coverage | None = None
    parent_rule: str = code_tree.OWN_CODINGS  # how ``codings`` counts a code with codes below it

    @property
    def rule_note(self) -> tuple[str, ...]:
        """The parent rule, stated under a table whose codes nest (a flat codebook needs no rule)."""
        nested = any(c.parent_id is not None for c in self.codes)
        return (code_tree.PARENT_RULE_TEXT[self.parent_rule],) if nested else ()

    def source_dict(self) -> dict:
        """The source as tables carry it, with its coverage."""
        return {**self.source.to_dict(), "coverage": self.coverage.to_dict() if self.coverage else None}

    @property
    def warning(self) -> str:
        return self.coverage.warning if self.coverage else ""

    def mentions(self) -> dict[int, list[str]]:
        """{code id: the participants who mentioned it, in natural order} (every code in scope)."""
        found = self.codings.groupby("code_id")["participant"].agg(lambda s: sorted(set(s), key=natural_key))
        return {c.id: list(found.get(c.id, [])) for c in self.codes}


def codes_in_scope(study: Study, theme: str | None = None) -> tuple[tuple[CodeView, ...], tuple[str, ...]]:
    """The codes of ``theme`` (a path like ``Attributes`` or ``Attributes/Portability``; all codes
    when None), sub-themes included, in codebook order; and the theme's path."""
    with study.session() as session:
        path = codes_mod.find_theme_by_path(session, theme).path if theme else ()
        codes = tuple(codes_mod.code_view(c) for c in codes_mod.all_codes(session) if c.path[: len(path)] == path)
    return codes, path


def study_participants(study: Study) -> tuple[str, ...]:
    """Labels of the participants with at least one transcript not excluded from findings, in
    natural order (P2 before P10), coded or not: what the Quotes page filters by. Tables count M
    (``coverage.source_coverage``) instead."""
    with study.session() as session:
        left_out = excluded_transcript_ids(session)
        labels = session.scalars(
            select(Participant.label).join(Transcript, Transcript.participant_id == Participant.id)
            .where(Transcript.id.not_in(left_out)).distinct()
        )
        return tuple(sorted(labels, key=natural_key))


def gather(study: Study, asker: Actor, theme: str | None = None, source: str | Source | None = None,
           combine: str = "union", parent_rule: str = code_tree.OWN_CODINGS) -> Evidence:
    """The evidence for a findings table: chosen source, its codings of the theme's codes, participants.
    With ``parent_rule`` WITH_CODES_BELOW a unit carrying a code also counts for every code above it."""
    code_tree.check_parent_rule(parent_rule)
    chosen = choose_source(study, asker, source, combine)
    codes, path = codes_in_scope(study, theme)
    coverage = source_coverage(study, asker, chosen)
    frame = source_codings(study, asker, chosen)
    frame = frame[frame["participant"].notna() & frame["transcript"].isin(coverage.transcripts)]
    per_segment = frame[frame["segment_id"].notna()].groupby("segment_id")["code_id"].nunique().to_dict()
    if parent_rule == code_tree.WITH_CODES_BELOW:
        with study.session() as session:
            frame = apply_parent_rule(frame, counted_for(session, parent_rule))
    scoped = frame[frame["code_id"].isin([c.id for c in codes])].reset_index(drop=True)
    return Evidence(chosen, scoped, coverage.participants, codes, path, per_segment, coverage, parent_rule)


def _percent(count: int, total: int) -> float:
    return round(100 * count / total, 1) if total else 0.0


def _caption(evidence: Evidence, what: str = "") -> str:
    of = len(evidence.participants)
    lead = f"{what} " if what else ""
    text = f"{lead}{of} participants whose transcripts are coded. Source: {evidence.source.describe()}."
    return f"{text} {evidence.coverage.describe()}" if evidence.coverage else text


def _theme_title(evidence: Evidence) -> str:
    return join_ref(evidence.theme) if evidence.theme else "all themes"


def _code_label(codes: tuple[CodeView, ...]) -> dict[int, str]:
    """Code names, or where two codes in view share a name the shortest tail of the path that
    tells them apart (``codes.chip_labels``, as the Code page's chips)."""
    return codes_mod.chip_labels(list(codes))


# -- frequency -------------------------------------------------------------------------


def frequency_table(study: Study, asker: Actor, theme: str | None = None, source: str | Source | None = None,
                    combine: str = "union", order: str = "count",
                    parent_rule: str = code_tree.DEFAULT_PARENT_RULE) -> Table:
    """How many participants mentioned each code ("N of M"), with ids, definition and an exemplar.

    Rows are sorted by participants (descending) then codebook order, or by codebook order alone
    with ``order="codebook"``.
    """
    if order not in ORDERS:
        raise StudyError(f"unknown order {order!r}; choose one of {', '.join(ORDERS)}")
    evidence = gather(study, asker, theme, source, combine, parent_rule)
    mentions, of = evidence.mentions(), len(evidence.participants)
    quotes = exemplars(study, evidence)
    labels = _code_label(evidence.codes)  # as findings labels them now: repeated names told apart by their paths
    rows = [
        {"code": labels[c.id], "ref": c.ref, "theme": c.theme_ref, "participants": len(mentions[c.id]), "of": of,
         "percent": _percent(len(mentions[c.id]), of), "ids": mentions[c.id], "description": c.definition,
         "quote": quotes.get(c.id)}
        for c in evidence.codes
    ]
    if order == "count":
        rows.sort(key=lambda r: -r["participants"])  # stable: codebook order within equal counts
    columns = [
        Column("code", "Code"),
        Column("participants", "N", numeric=True),
        Column("of", "of", numeric=True),
        Column("percent", "%", numeric=True),
        Column("ids", "Participants"),
        Column("description", "Definition", wide=True),
        Column("quote", "Exemplar quote", wide=True, format=quote_text),
    ]
    if len({c.theme_ref for c in evidence.codes}) > 1:
        columns.insert(0, Column("theme", "Theme"))
    return Table(
        title=f"Participants mentioning each code: {_theme_title(evidence)}",
        columns=tuple(columns), rows=tuple(rows),
        caption=_caption(evidence, "N of"), notes=(EXEMPLAR_RULE, *evidence.rule_note),
        source=evidence.source_dict(), warning=evidence.warning, name="frequency",
    )


def quote_text(quote: dict | None, max_words: int = QUOTE_WORDS[1]) -> str:
    """A quote as a cell: “words…” (P3, transcript #5), cut to ``max_words`` words."""
    if not quote:
        return ""
    words = quote["text"].split()
    text = " ".join(words[:max_words]) + ("…" if len(words) > max_words else "")
    return f"“{text}” ({quote['participant']}, {quote['transcript']} #{quote['segment']})"


def exemplars(study: Study, evidence: Evidence) -> dict[int, dict]:
    """{code id: exemplar quote {text, participant, transcript, segment}} by the rule in the module doc
    (the coded span when there is one, else the segment)."""
    coded = evidence.codings[evidence.codings["segment_id"].notna()]
    coded = coded.assign(text=coded_texts(study, coded))
    low, high = QUOTE_WORDS
    best: dict[int, tuple] = {}
    for row in coded.itertuples(index=False):
        text = row.text
        words = len(text.split())
        key = (row.role != "participant", not low <= words <= high, -row.votes,
               evidence.codes_on_segment.get(row.segment_id, 1) - 1,
               natural_key(row.participant), natural_key(row.transcript), row.segment)
        quote = {"text": text, "participant": row.participant, "transcript": row.transcript,
                 "segment": int(row.segment)}
        if row.code_id not in best or key < best[row.code_id][0]:
            best[row.code_id] = (key, quote)
    return {code_id: quote for code_id, (_, quote) in best.items()}


def coded_texts(study: Study, coded: pd.DataFrame) -> list[str]:
    """The text each coding (row) codes: its span when it has one, else its segment."""
    with study.session() as session:
        segments = {sid: (start, end, text) for sid, start, end, text in session.execute(
            select(Segment.id, Segment.start, Segment.end, Transcript.text)
            .join(Transcript, Segment.transcript_id == Transcript.id)
            .where(Segment.id.in_([int(s) for s in coded["segment_id"].dropna().unique()])))}
    texts = []
    for row in coded.itertuples(index=False):
        start, end, text = segments[int(row.segment_id)]
        span = getattr(row, "span_start", None)
        if span is not None and pd.notna(span):
            start, end = int(row.span_start), int(row.span_end)
        texts.append(text[start:end])
    return texts


def segment_texts(study: Study, segment_ids: list[int]) -> dict[int, str]:
    """{segment id: its text}."""
    if not segment_ids:
        return {}
    with study.session() as session:
        rows = session.execute(
            select(Segment.id, Segment.start, Segment.end, Transcript.text)
            .join(Transcript, Segment.transcript_id == Transcript.id).where(Segment.id.in_(segment_ids))
        )
        return {sid: text[start:end] for sid, start, end, text in rows}


# -- participant x code matrix -----------------------------------------------------------


def matrix_table(study: Study, asker: Actor, theme: str | None = None, source: str | Source | None = None,
                 combine: str = "union", counts: bool = False,
                 parent_rule: str = code_tree.DEFAULT_PARENT_RULE) -> Table:
    """Participant x code: 1/0 whether the participant mentioned the code, or with ``counts`` the
    number of coded units (segments; a whole-transcript coding counts as one)."""
    evidence = gather(study, asker, theme, source, combine, parent_rule)
    units = evidence.codings.assign(unit=[f"{t}:{s}" for t, s in zip(evidence.codings["transcript_id"],
                                                                      evidence.codings["segment_id"])])
    per_cell = units.groupby(["participant", "code_id"])["unit"].nunique().to_dict()
    rows = [
        {"participant": p, **{c.ref: _cell_value(per_cell.get((p, c.id), 0), counts) for c in evidence.codes}}
        for p in evidence.participants
    ]
    labels = _code_label(evidence.codes)
    columns = (Column("participant", "Participant"),) + tuple(
        Column(c.ref, labels[c.id], numeric=True) for c in evidence.codes
    )
    what = "Coded segments per participant and code" if counts else "Codes each participant mentioned (1 = yes)"
    return Table(
        title=f"{what}: {_theme_title(evidence)}", columns=columns, rows=tuple(rows),
        caption=_caption(evidence), notes=evidence.rule_note, source=evidence.source_dict(),
        warning=evidence.warning, name="matrix",
    )


def _cell_value(count: int, counts: bool) -> int:
    return int(count) if counts else int(count > 0)


# -- factors ---------------------------------------------------------------------------


def _groups(codes: tuple[CodeView, ...], theme: tuple[str, ...]) -> dict[int, str]:
    """{code id: the sub-theme of ``theme`` it sits in}; codes directly under the theme go to
    "Other" (or, when the theme has no sub-themes at all, to the theme's own name)."""
    depth = len(theme)  # codes below a code stay in their theme's group
    groups = {c.id: c.theme_path[depth] if len(c.theme_path) > depth else OTHER for c in codes}
    if theme and set(groups.values()) == {OTHER}:
        return {code_id: theme[-1] for code_id in groups}
    return groups


def _ordered_groups(groups: dict[int, str], codes: tuple[CodeView, ...]) -> list[str]:
    """Group names in codebook order, "Other" last."""
    names = list(dict.fromkeys(groups[c.id] for c in codes))
    return [n for n in names if n != OTHER] + ([OTHER] if OTHER in names else [])


def factors_table(study: Study, asker: Actor, theme: str, min_participants: int = 2,
                  source: str | Source | None = None, combine: str = "union",
                  parent_rule: str = code_tree.DEFAULT_PARENT_RULE) -> Table:
    """The paper's factor table: the theme's codes grouped by sub-theme, keeping codes mentioned
    by at least ``min_participants`` participants, each with its count.

    A group's N counts the participants who mentioned any of its codes (also those left out).
    """
    if min_participants < 1:
        raise StudyError(f"the minimum number of participants must be at least 1 (got {min_participants})",
                         "ask for 1 or more", remedy="min_participants")
    evidence = gather(study, asker, theme, source, combine, parent_rule)
    mentions, of = evidence.mentions(), len(evidence.participants)
    groups = _groups(evidence.codes, evidence.theme)
    rows, left_out = [], []
    for group in _ordered_groups(groups, evidence.codes):
        members = [c for c in evidence.codes if groups[c.id] == group]
        kept = sorted((c for c in members if len(mentions[c.id]) >= min_participants),
                      key=lambda c: -len(mentions[c.id]))
        if not kept:
            left_out.append(group)
            continue
        anyone = set().union(*(mentions[c.id] for c in members))
        rows.append({
            "group": group, "participants": len(anyone), "of": of, "percent": _percent(len(anyone), of),
            "factors": [{"code": c.name, "ref": c.ref, "participants": len(mentions[c.id])} for c in kept],
        })
    notes = [f"Factors mentioned by fewer than {min_participants} participants are left out; a group's N "
             "counts participants who mentioned any of its factors."]
    if left_out:
        notes.append(f"Groups with no factor mentioned by {min_participants} or more: {', '.join(left_out)}.")
    return Table(
        title=f"Factors of {_theme_title(evidence)} by group",
        columns=(Column("group", "Group"), Column("participants", "N", numeric=True),
                 Column("of", "of", numeric=True), Column("percent", "%", numeric=True),
                 Column("factors", "Factors (participants)", wide=True, format=factors_text)),
        rows=tuple(rows), caption=_caption(evidence, "N of"), notes=(*notes, *evidence.rule_note),
        source=evidence.source_dict(), warning=evidence.warning, name="factors",
    )


def factors_text(factors: list[dict]) -> str:
    return "; ".join(f"{f['code']} ({f['participants']})" for f in factors or [])


# -- demographics ----------------------------------------------------------------------


def demographics_table(study: Study, coverage: Coverage | None = None) -> Table:
    """One row per participant and their attributes, and under it the count of each value per
    attribute ("Company type: Startup 6, Big tech 2"): the participants of M when a source's
    ``coverage`` is given (as in the report), else every participant with an included transcript."""
    labels = coverage.participants if coverage is not None else study_participants(study)
    with study.session() as session:
        attributes = {p.label: dict(p.attributes or {}) for p in session.scalars(
            select(Participant).where(Participant.label.in_(labels)))}
    keys = list(dict.fromkeys(k for label in labels for k in attributes[label]))
    rows = tuple({"participant": label, **{k: attributes[label].get(k, "") for k in keys}} for label in labels)
    summary = attribute_summary(rows, keys)
    notes = tuple(f"{k}: " + ", ".join(f"{v} {n}" for v, n in counts.items()) for k, counts in summary.items())
    caption = f"{len(labels)} participants with at least one transcript."
    if coverage is not None:
        caption = f"{len(labels)} participants whose transcripts are coded. {coverage.describe()}"
    return Table(
        title="Participants", columns=(Column("participant", "Participant"),) + tuple(Column(k, k) for k in keys),
        rows=rows, caption=caption, notes=notes, name="demographics", extra={"summary": summary},
        warning=coverage.warning if coverage is not None else "",
    )


def attribute_summary(rows: tuple[dict, ...], keys: list[str]) -> dict[str, dict[str, int]]:
    """{attribute: {value: participants}}, most frequent value first; empty values as "not given".
    A value listing several items ("Computer Vision; Robotics") counts once for each item."""
    summary = {}
    for key in keys:
        counts = Counter(item for r in rows for item in _items(r.get(key)))
        summary[key] = dict(sorted(counts.items(), key=lambda item: (-item[1], natural_key(item[0]))))
    return summary


def _items(value) -> list[str]:
    items = [part.strip() for part in str(value or "").split(";") if part.strip()]
    return list(dict.fromkeys(items)) or ["not given"]


# -- co-occurrence ---------------------------------------------------------------------


def cooccurrence_table(study: Study, asker: Actor, theme: str | None = None, level: str = "segment",
                       source: str | Source | None = None, combine: str = "union",
                       parent_rule: str = code_tree.DEFAULT_PARENT_RULE) -> Table:
    """Code x code: on how many segments (``level="segment"``) or participants both codes occur.
    The diagonal holds the segments (participants) with the code; whole-transcript codings count
    only at participant level."""
    if level not in LEVELS:
        raise StudyError(f"unknown level {level!r}; choose one of {', '.join(LEVELS)}")
    evidence = gather(study, asker, theme, source, combine, parent_rule)
    frame = evidence.codings
    unit = frame["participant"] if level == "participant" else frame["segment_id"]
    frame = frame.assign(unit=unit)[unit.notna()]
    ids = [c.id for c in evidence.codes]
    if frame.empty:
        both = pd.DataFrame(0, index=ids, columns=ids)
    else:
        incidence = pd.crosstab(frame["unit"], frame["code_id"]).clip(upper=1)
        incidence = incidence.reindex(columns=ids, fill_value=0)
        both = incidence.T @ incidence
    labels = _code_label(evidence.codes)
    rows = tuple(
        {"code": labels[a.id], "ref": a.ref, **{b.ref: int(both.loc[a.id, b.id]) for b in evidence.codes}}
        for a in evidence.codes
    )
    columns = (Column("code", "Code"),) + tuple(Column(c.ref, labels[c.id], numeric=True) for c in evidence.codes)
    unit_name = "segments" if level == "segment" else "participants"
    return Table(
        title=f"Co-occurring codes ({unit_name} with both codes): {_theme_title(evidence)}",
        columns=columns, rows=rows,
        caption=f"Counts of {unit_name}; the diagonal counts {unit_name} with the code. Source: "
                f"{evidence.source.describe()}. {evidence.coverage.describe()}", notes=evidence.rule_note,
        source=evidence.source_dict(), warning=evidence.warning, name=f"cooccurrence-{level}", extra={"level": level},
    )


# -- framework matrix ------------------------------------------------------------------

INTERVIEW_MEMOS = "Interview memos"


def framework_table(study: Study, asker: Actor, theme: str | None = None, source: str | Source | None = None,
                    combine: str = "union") -> Table:
    """Participant x theme (or the sub-themes of ``theme``): each cell quotes the participant's
    segments coded under that theme, with the code names, and the memos on them; memos on whole
    interviews go to a last column. Like a framework-analysis matrix."""
    evidence = gather(study, asker, theme, source, combine)
    groups = _groups(evidence.codes, evidence.theme)
    order = _ordered_groups(groups, evidence.codes)
    names = {c.id: c.name for c in evidence.codes}
    coded = evidence.codings.assign(group=evidence.codings["code_id"].map(groups))
    on_segments = coded[coded["segment_id"].notna()]
    spans = dict(zip(on_segments.index, coded_texts(study, on_segments)))  # the coded span, else the segment
    coded = coded.assign(text=[spans.get(i, "") for i in coded.index])
    memos = _segment_memos(study, asker, evidence)
    places: dict[tuple, list] = defaultdict(list)  # (participant, group, transcript, segment) -> codings
    for row in coded.itertuples(index=False):
        segment = int(row.segment) if pd.notna(row.segment) else None
        places[row.participant, row.group, row.transcript, segment].append(row)
    cells: dict[tuple[str, str], list[str]] = defaultdict(list)
    for place in sorted(places, key=lambda p: (natural_key(p[2]), -1 if p[3] is None else p[3])):
        participant, group, transcript, segment = place
        part = places[place]
        code_names = "; ".join(names[r.code_id] for r in part)
        if segment is None:
            cells[participant, group].append(f"[{code_names}] (whole interview: {transcript})")
            continue
        segment_id = int(part[0].segment_id)
        quoted = " … ".join(dict.fromkeys(r.text.strip() for r in part))
        entry = f"[{code_names}] “{quoted}” ({transcript} #{segment})"
        notes = [f"Memo: {r.memo}" for r in part if isinstance(r.memo, str) and r.memo]
        notes += [f"Memo ({rater}): {text}" if rater else f"Memo: {text}" for rater, text in memos.get(segment_id, [])]
        cells[participant, group].append(entry + "".join(f"\n{n}" for n in dict.fromkeys(notes)))
    rows = []
    for participant in evidence.participants:
        row = {"participant": participant, **{g: "\n\n".join(cells.get((participant, g), [])) for g in order}}
        row[INTERVIEW_MEMOS] = "\n\n".join(f"({rater}) {text}" if rater else text
                                           for rater, text in memos.get(("whole", participant), []))
        rows.append(row)
    columns = ((Column("participant", "Participant"),) + tuple(Column(g, g, wide=True) for g in order)
               + (Column(INTERVIEW_MEMOS, INTERVIEW_MEMOS, wide=True),))
    return Table(
        title=f"Framework matrix: {_theme_title(evidence)}", columns=columns, rows=tuple(rows),
        caption=_caption(evidence), source=evidence.source_dict(), warning=evidence.warning, name="framework",
    )


def _segment_memos(study: Study, asker: Actor, evidence: Evidence) -> dict:
    """Memos of the source's raters: {segment id: [(rater, text)]} and {("whole", participant): [...]};
    the rater is None when the source has only one."""
    found: dict = defaultdict(list)
    with study.session() as session:
        raters = {r: session.scalar(select(User.id).where(User.name == r)) for r in evidence.source.raters}
        transcripts = session.execute(
            select(Transcript.id, Participant.label).join(Participant, Transcript.participant_id == Participant.id)
            .order_by(Transcript.name)
        ).all()
        for transcript_id, participant in transcripts:
            for rater, rater_id in raters.items():
                for segment_id, text in _memos_of(session, asker, rater, rater_id, transcript_id).items():
                    if not text.strip():
                        continue
                    found[segment_id if segment_id is not None else ("whole", participant)].append(
                        (rater if len(raters) > 1 else None, text.strip()))
    return found


def _memos_of(session, asker: Actor, rater: str, rater_id: int, transcript_id: int) -> dict[int | None, str]:
    """One rater's memos on one transcript, as ``study.codings.memos_of`` read them before
    ``codings.memo_texts`` (the rule's one home now) read them in the order written."""
    asker.require_rater(rater, "read the memos")
    return {m.segment_id: m.text for m in session.scalars(
        select(Memo).where(Memo.rater_id == rater_id, Memo.transcript_id == transcript_id).order_by(Memo.id))}


# -- quotes ------------------------------------------------------------------------------


def quotes_by_code(study: Study, asker: Actor, theme: str | None = None, source: str | Source | None = None,
                   combine: str = "union") -> list[dict]:
    """Every coded segment, by code (codebook order) and participant (natural order):
    ``[{code, ref, participants: [{participant, quotes: [{text, transcript, segment, speaker}]}]}]``.
    Codes nobody mentioned are left out; whole-transcript codings are quoted as the transcript name."""
    evidence = gather(study, asker, theme, source, combine)
    coded = evidence.codings
    texts = segment_texts(study, [int(s) for s in coded["segment_id"].dropna().unique()])
    by_code: dict[int, dict[str, list[dict]]] = defaultdict(lambda: defaultdict(list))
    for r in coded.itertuples(index=False):  # one pass, not a filter per code and participant
        by_code[r.code_id][r.participant].append(
            {"text": texts[int(r.segment_id)].strip() if pd.notna(r.segment_id) else "",
             "transcript": r.transcript, "segment": int(r.segment) if pd.notna(r.segment) else None,
             "speaker": r.speaker})
    return [
        {"code": code.name, "ref": code.ref, "participants": [
            {"participant": participant, "quotes": sorted(by_code[code.id][participant], key=_reading_order)}
            for participant in sorted(by_code[code.id], key=natural_key)]}
        for code in evidence.codes if code.id in by_code
    ]


def _reading_order(quote: dict) -> tuple:
    """Transcripts in natural order; within one, the whole-transcript coding first, then by segment."""
    return natural_key(quote["transcript"]), -1 if quote["segment"] is None else quote["segment"]
def saturation_before(study: Study, asker: Actor, theme: str | None = None, source: str | Source | None = None,
               combine: str = "union", threshold: float = DEFAULT_THRESHOLD) -> Saturation:
    """New and cumulative unique codes per participant in interview order, and where saturation came."""
    if not 0 <= threshold < 1:
        raise StudyError(f"the threshold is a share of the codes seen so far, between 0 and 1 (got {threshold})")
    evidence = gather(study, asker, theme, source, combine)
    mentioned = evidence.codings.groupby("participant")["code_id"].agg(set).to_dict()
    order = interview_order(study, evidence.coverage.transcripts)
    seen: set[int] = set()
    new_codes = []
    for participant in order:
        fresh = mentioned.get(participant, set()) - seen
        new_codes.append(tuple(c.ref for c in evidence.codes if c.id in fresh))
        seen |= fresh
    new = [len(c) for c in new_codes]
    cumulative = [sum(new[: i + 1]) for i in range(len(new))]
    return Saturation(tuple(order), tuple(new), tuple(cumulative), tuple(new_codes),
                      saturation_point(order, new, threshold), threshold, evidence.source, evidence.coverage)


# -- quotes, as study.quotes read them before (every coding of the source's raters into a frame) --

def quotes_before(study: Study, asker: Actor, codes: list[str] | None = None, theme: str | None = None,
           participant: str | None = None, transcript: str | None = None, source: str | Source | None = None,
           combine: str = "union") -> list[Quote]:
    """Every quote of the codes (refs), or of every code under ``theme``, from the chosen source
    (a coder: only their own codings), in code, participant, transcript and text order."""
    if not codes and not theme:
        raise StudyError("name a code or a theme to quote", "give a code such as Challenges/Model search")
    chosen = choose_source(study, asker, asker.name if not asker.is_admin else source, combine)
    code_ids = _quote_code_ids(study, codes, theme)
    frame = codings_frame(study, asker, list(chosen.raters))
    frame = frame[frame["code_id"].isin(code_ids)]
    frame = frame[frame["transcript"].isin(source_coverage(study, asker, chosen).included)]  # coded or not: a listing
    if participant is not None:
        frame = frame[frame["participant"] == participant]
    if transcript is not None:
        frame = frame[frame["transcript"] == transcript]
    frame = _counting(frame, source_codings(study, asker, chosen))
    return _quotes_before(study, frame, list(code_ids))


def _quote_code_ids(study: Study, refs: list[str] | None, theme: str | None) -> dict[int, str]:
    with study.session() as session:
        under = codes_mod.find_theme_by_path(session, theme).path if theme else ()
        chosen = [codes_mod.resolve(session, ref) for ref in refs] if refs else codes_mod.all_codes(session)
        found = {c.id: c.ref for c in chosen if c.path[:len(under)] == under}
    if not found:
        raise NotFound(f"no code {', '.join(refs)} under the theme {theme!r}" if refs else f"no codes under {theme!r}")
    return found


def _counting(frame: pd.DataFrame, counted: pd.DataFrame) -> pd.DataFrame:
    """The rows on units the source counts (a majority source drops what too few raters applied)."""
    units = {(t, -1 if pd.isna(s) else int(s), c)
             for t, s, c in counted[["transcript_id", "segment_id", "code_id"]].itertuples(index=False)}
    keep = [(t, -1 if pd.isna(s) else int(s), c) in units
            for t, s, c in frame[["transcript_id", "segment_id", "code_id"]].itertuples(index=False)]
    return frame[keep]


def _quotes_before(study: Study, frame: pd.DataFrame, order: list[int]) -> list[Quote]:
    """One quote per coded stretch of text; raters who coded the same stretch share it."""
    texts, bounds = _texts(study, frame)
    grouped: dict[tuple, list] = {}
    for r in frame.itertuples(index=False):
        if pd.isna(r.segment_id):
            start, end = 0, len(texts[r.transcript_id])
        elif pd.isna(r.span_start):
            start, end = bounds[int(r.segment_id)]
        else:
            start, end = int(r.span_start), int(r.span_end)
        key = (r.code_id, r.transcript_id, None if pd.isna(r.segment) else int(r.segment), start, end)
        grouped.setdefault(key, [r, []])[1].append(r.rater)
    rank = {code_id: n for n, code_id in enumerate(order)}
    ordered = sorted(grouped.items(), key=lambda item: (
        rank[item[0][0]], natural_key(item[1][0].participant or ""), natural_key(item[1][0].transcript),
        item[0][3], item[0][4]))
    return [
        Quote(r.code, r.participant, r.transcript, int(r.transcript_id), segment, start, end,
              texts[r.transcript_id][start:end].strip(), tuple(sorted(set(raters))),
              None if segment is None else r.speaker)
        for (_, _, segment, start, end), (r, raters) in ordered
    ]


def _texts(study: Study, frame: pd.DataFrame) -> tuple[dict[int, str], dict[int, tuple[int, int]]]:
    """{transcript id: text} and {segment id: (start, end)} of the rows' transcripts."""
    ids = sorted({int(t) for t in frame["transcript_id"]})
    with study.session() as session:
        texts = dict(session.execute(select(Transcript.id, Transcript.text).where(Transcript.id.in_(ids))).all())
        bounds = {sid: (start, end) for sid, start, end in session.execute(
            select(Segment.id, Segment.start, Segment.end).where(Segment.transcript_id.in_(ids)))}
    return texts, bounds


