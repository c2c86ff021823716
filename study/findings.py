"""Findings: the paper's tables rebuilt from the codings of a source (see ``study.sources``).

A participant *mentioned* a code when the source applied it anywhere in one of their counted
transcripts (any segment, or the whole transcript). M, the denominator, is the participants with
at least one transcript the source counts: finished by every rater of the source, not excluded
(``study.coverage``, the one rule every table, figure and the report read); transcripts not yet
coded are named in the caption and the warning. Every table is a ``study.table.Table`` and
states its source.

Exemplar quote of a code (``exemplar``): among the segments the source coded with the code,
prefer (1) a participant's words over the interviewer's, (2) a segment of 15-60 words (long
enough to show the code, short enough to quote), (3) one applied by more of the source's raters,
(4) one carrying fewer other codes (it shows this code most plainly); remaining ties go to the
participant first in natural order, then transcript name, then segment index.
"""
from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from itertools import groupby
from operator import itemgetter

from sqlalchemy import Select, case, select

from . import code_tree
from . import codes as codes_mod
from . import counting
from .counting import Tally
from .audit_log import memo_per_change
from .auth import Actor
from .codebook import join_ref
from .codes import CodeView
from .codings import check_may_read_codings, memo_texts
from .consensus import chunks
from .errors import BadValue
from .table import Column, Table, TablePage, last_page_offset
from .excluded import excluded_transcript_ids
from .coverage import Coverage, source_coverage
from .names import natural_key
from .sources import Source, choose_source, joined_memos
from .store import Code, Participant, Study, Transcript, User

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
    """What a findings table reads: the chosen source's units (``study.counting``) of the codes in
    scope, counted per code and participant in the database.

    ``units`` is the query of the source's units in its counted transcripts, ``counted`` the same
    by the parent rule (each unit also counted for the codes above its code); ``tally`` their count
    per (code, participant) for the codes in scope; ``participants`` is M (``coverage.source_coverage``).
    """

    study: Study
    asker: Actor
    source: Source
    units: Select
    counted: Select
    tally: Tally
    participants: tuple[str, ...]
    codes: tuple[CodeView, ...]
    theme: tuple[str, ...]
    coverage: Coverage | None = None
    parent_rule: str = code_tree.OWN_CODINGS  # how ``counted`` counts a code with codes below it
    exemplars: dict[int, dict] | None = None  # every code's exemplar quote, when gathered with them

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
        found: dict[int, list[str]] = defaultdict(list)
        for code_id, participant in self.tally.cells:
            found[code_id].append(participant)
        # each label's natural key made once, not once per code (500 interviews x 54 codes: a third of a second)
        labels = {participant for _, participant in self.tally.cells}
        place = {label: n for n, label in enumerate(sorted(labels, key=lambda label: (natural_key(label), label)))}
        return {c.id: sorted(found.get(c.id, []), key=place.__getitem__) for c in self.codes}


def codes_in_scope(study: Study, theme: str | None = None) -> tuple[tuple[CodeView, ...], tuple[str, ...]]:
    """The codes of ``theme`` (a path like ``Attributes`` or ``Attributes/Portability``, or a code,
    which scopes the table to it and the codes below it; all codes when None), sub-themes included,
    in codebook order; and the scope's path."""
    with study.session() as session:
        path = ()
        if theme:
            group, code = codes_mod.find_parent(session, theme)
            path = tuple(code.path if code is not None else group.path)
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
           combine: str = "union", parent_rule: str = code_tree.OWN_CODINGS, with_exemplars: bool = False) -> Evidence:
    """The evidence for a findings table: chosen source, its units of the theme's codes counted per
    participant in the database, and M. With ``parent_rule`` WITH_CODES_BELOW a unit carrying a code
    also counts for every code above it (``counting.under_parents``). ``with_exemplars``: every code's
    exemplar quote too, counted and chosen from one grouping of the codings (``exemplars``)."""
    code_tree.check_parent_rule(parent_rule)
    chosen = choose_source(study, asker, source, combine)
    codes, path = codes_in_scope(study, theme)
    coverage = source_coverage(study, asker, chosen)
    units, counted = _source_units(study, chosen, coverage.raters, parent_rule)
    if with_exemplars:
        every, quotes = _every_exemplar(study, chosen, coverage.raters, parent_rule)
    else:
        every, quotes = _every_code_tally(study, chosen, coverage.raters, parent_rule), None
    return Evidence(study, asker, chosen, units, counted, every.of_codes(c.id for c in codes), coverage.participants,
                    codes, path, coverage, parent_rule, quotes)


def _source_units(study: Study, source: Source, counting_raters: tuple[str, ...], parent_rule: str,
                  on_segment: bool = False, weighed: bool = True) -> tuple[Select, Select]:
    """The source's units as queries (``counting.source_units``), as they are and by the parent rule."""
    units = counting.source_units(source, counting_raters, on_segment, weighed)
    with study.connection() as connection:
        return units, counting.under_parents(connection, units, parent_rule)


@memo_per_change
def _every_code_tally(study: Study, source: Source, counting_raters: tuple[str, ...], parent_rule: str) -> Tally:
    """Every code's tally, grouped once per change to the study: each grouping reads every coding
    of the source, and a report asks for a table per theme (at 500 interviews seconds each, more
    on PostgreSQL); a theme's tally is its codes' cells (``Tally.of_codes``)."""
    _, counted = _source_units(study, source, counting_raters, parent_rule, weighed=False)
    with study.connection() as connection:
        return counting.tally(connection, counted)


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
                    parent_rule: str = code_tree.DEFAULT_PARENT_RULE, quotes: bool = True,
                    after_counts: bool = False) -> Table:
    """How many participants mentioned each code ("N of M"), with ids, definition and an exemplar.

    Rows are sorted by participants (descending) then codebook order, or by codebook order alone
    with ``order="codebook"``. With ``quotes=False`` the table has no exemplar column (what the
    chart draws: choosing exemplars ranks every coded segment of the source). ``after_counts``:
    the table without quotes was read first (a page showing the counts while the quotes are
    chosen), so the quotes are chosen apart from the counts, which are read again from the memo,
    instead of in the one pass that counts and chooses (cheaper when nothing was read before).
    """
    if order not in ORDERS:
        raise BadValue(f"unknown order {order!r}; choose one of {', '.join(ORDERS)}")
    evidence = gather(study, asker, theme, source, combine, parent_rule, with_exemplars=quotes and not after_counts)
    mentions, of = evidence.mentions(), len(evidence.participants)
    chosen = exemplars(study, evidence) if quotes else {}
    labels = _code_label(evidence.codes)  # two codes of one name in view: told apart by their paths
    rows = [
        {"code": labels[c.id], "ref": c.ref, "theme": c.theme_ref, "participants": len(mentions[c.id]), "of": of,
         "percent": _percent(len(mentions[c.id]), of), "ids": mentions[c.id], "description": c.definition,
         **({"quote": chosen.get(c.id)} if quotes else {})}
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
    ]
    if quotes:
        columns.append(Column("quote", "Exemplar quote", wide=True, format=quote_text))
    if len({c.theme_ref for c in evidence.codes}) > 1:
        columns.insert(0, Column("theme", "Theme"))
    return Table(
        title=f"Participants mentioning each code: {_theme_title(evidence)}",
        columns=tuple(columns), rows=tuple(rows),
        caption=_caption(evidence, "N of"), notes=((EXEMPLAR_RULE,) if quotes else ()) + evidence.rule_note,
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
    (the coded span when there is one, else the segment).

    The database ranks each code's candidates into tiers by role, votes and other codes on the
    segment (``counting.exemplar_tiers``); the best tier of the best role holding a quote of 15-60
    words decides (else that role's first tier), tiers read a batch at a time until each code is decided.

    Every code's exemplar is chosen at once, once per change to the study (a code's exemplar does not
    depend on the codes beside it): each batch ranks every unit of the source, and a report asks
    for a table per theme."""
    every = evidence.exemplars
    if every is None:  # the tally was read alone: the exemplars are chosen apart from it
        every = _every_quote(study, evidence.source, evidence.coverage.raters, evidence.parent_rule)
    return {c.id: dict(every[c.id]) for c in evidence.codes if c.id in every}


@memo_per_change
def _every_exemplar(study: Study, source: Source, counting_raters: tuple[str, ...], parent_rule: str
                    ) -> tuple[Tally, dict[int, dict]]:
    """Every code's tally (as ``_every_code_tally``) and exemplar: the first batch of tiers and the
    tally come from one statement, which groups the codings once."""
    return _chosen_exemplars(study, source, counting_raters, parent_rule, with_tally=True)


@memo_per_change
def _every_quote(study: Study, source: Source, counting_raters: tuple[str, ...], parent_rule: str) -> dict[int, dict]:
    """Every code's exemplar alone, for a tally read before (``_every_code_tally``): its statements
    count nothing (at 500 interviews on SQLite the tiers alone are three quarters of the one pass)."""
    return _chosen_exemplars(study, source, counting_raters, parent_rule, with_tally=False)[1]


def _chosen_exemplars(study: Study, source: Source, counting_raters: tuple[str, ...], parent_rule: str,
                      with_tally: bool) -> tuple[Tally | None, dict[int, dict]]:
    """(the tally, with ``with_tally`` read in the first batch's statement, else None; every code's
    exemplar), tiers read a batch at a time until each code is decided."""
    _, counted = _source_units(study, source, counting_raters, parent_rule, on_segment=True)
    with study.session() as session:
        wanted = set(session.scalars(select(Code.id)))
    tiers: dict[int, dict[int, list]] = defaultdict(lambda: defaultdict(list))  # code -> tier -> candidates
    chosen: dict[int, counting.Candidate] = {}
    first, last = 1, TIER_BATCH
    every = Tally({}) if with_tally else None
    with study.connection() as connection:
        while wanted:
            if first == 1 and with_tally:
                every, candidates = counting.tally_and_tiers(connection, counted, source.raters, wanted, (first, last))
            else:
                candidates = counting.exemplar_tiers(connection, counted, source.raters, wanted, (first, last))
            for candidate in candidates:
                tiers[candidate.code_id][candidate.tier].append(candidate)
            for code_id in list(wanted):
                decided = _decide(tiers[code_id], last)
                if decided is not None or not tiers[code_id] or max(tiers[code_id]) < last:
                    wanted.discard(code_id)
                    if decided is not None:
                        chosen[code_id] = decided
            first, last = last + 1, last * TIER_BATCH
    return every, {code_id: {"text": c.text, "participant": c.participant, "transcript": c.transcript,
                             "segment": c.segment} for code_id, c in chosen.items()}


TIER_BATCH = 8


def _decide(tiers: dict[int, list], last: int) -> counting.Candidate | None:
    """The exemplar among a code's tiers read so far (1 to ``last``), or None when it may lie further."""
    if not tiers:
        return None
    best = sorted(tiers[1], key=_natural_place)[0]
    for tier in sorted(tiers):
        candidates = sorted(tiers[tier], key=_natural_place)
        if candidates[0].role != best.role:
            return best  # the best role's tiers ran out with nothing quotable
        quotable = [c for c in candidates if _quotable(c.text)]
        if quotable:
            return quotable[0]
    return best if max(tiers) < last else None


def _quotable(text: str) -> bool:
    low, high = QUOTE_WORDS
    return low <= len(text.split()) <= high


def _natural_place(candidate: counting.Candidate) -> tuple:
    return natural_key(candidate.participant), natural_key(candidate.transcript), candidate.segment


# -- participant x code matrix -----------------------------------------------------------


def matrix_table(study: Study, asker: Actor, theme: str | None = None, source: str | Source | None = None,
                 combine: str = "union", counts: bool = False,
                 parent_rule: str = code_tree.DEFAULT_PARENT_RULE) -> Table:
    """Participant x code: 1/0 whether the participant mentioned the code, or with ``counts`` the
    number of coded units (segments; a whole-transcript coding counts as one)."""
    evidence = gather(study, asker, theme, source, combine, parent_rule)
    per_cell = evidence.tally.cells
    rows = [
        {"participant": p, **{c.ref: _cell_value(per_cell.get((c.id, p), 0), counts) for c in evidence.codes}}
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
        raise BadValue(f"the minimum number of participants must be at least 1 (got {min_participants})",
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
        raise BadValue(f"unknown level {level!r}; choose one of {', '.join(LEVELS)}")
    evidence = gather(study, asker, theme, source, combine, parent_rule)
    both = _pairs(evidence, level)
    labels = _code_label(evidence.codes)
    rows = tuple(
        {"code": labels[a.id], "ref": a.ref, **{b.ref: both.get((a.id, b.id), 0) for b in evidence.codes}}
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


def _pairs(evidence: Evidence, level: str) -> dict[tuple[int, int], int]:
    """{(code a, code b): segments (participants) with both}: segments grouped in the database,
    participants from the tally (codes x participants)."""
    if level == "segment":
        # the units alone, without the votes and spans a pair does not weigh (SQLite computes them all)
        _, counted = _source_units(evidence.study, evidence.source, evidence.coverage.raters, evidence.parent_rule,
                                   weighed=False)
        with evidence.study.connection() as connection:
            return counting.segment_pairs(connection, counted, [c.id for c in evidence.codes])
    both: Counter = Counter()
    for mentioned in evidence.tally.codes_of().values():
        both.update((a, b) for a in mentioned for b in mentioned)
    return dict(both)


# -- framework matrix ------------------------------------------------------------------

INTERVIEW_MEMOS = "Interview memos"
FRAMEWORK_READ = 25  # participants whose cells the whole matrix reads at a time
FRAMEWORK_ROWS = 10  # participants a page of the Findings page (each row quotes all they said)


@dataclass(frozen=True)
class FrameworkScope:
    """What every row of a framework matrix shares: the source, M (``coverage``), the codes in scope and
    the columns they group into (``_groups``, in ``order``)."""

    source: Source
    coverage: Coverage
    codes: tuple[CodeView, ...]
    theme: tuple[str, ...]
    groups: dict[int, str]
    order: tuple[str, ...]

    @property
    def participants(self) -> tuple[str, ...]:
        return self.coverage.participants


def framework_table(study: Study, asker: Actor, theme: str | None = None, source: str | Source | None = None,
                    combine: str = "union") -> Table:
    """Participant x theme (or the sub-themes of ``theme``): each cell quotes the participant's
    segments coded under that theme, with the code names, and the memos on them; memos on whole
    interviews go to a last column. Like a framework-analysis matrix.

    Read ``FRAMEWORK_READ`` participants at a time (``framework_page`` reads one page of them)."""
    scope = framework_scope(study, asker, theme, source, combine)
    batches = chunks(list(scope.participants), FRAMEWORK_READ)
    return _framework(scope, [row for batch in batches for row in _framework_rows(study, asker, scope, batch)])


def framework_page(study: Study, asker: Actor, theme: str | None = None, source: str | Source | None = None,
                   combine: str = "union", number: int = 1, size: int = FRAMEWORK_ROWS) -> TablePage:
    """Page ``number`` (from 1; past the last: the last) of ``framework_table``, ``size`` participants a
    page: only their codings and memos are read. What the Findings page shows."""
    scope = framework_scope(study, asker, theme, source, combine)
    total = len(scope.participants)
    offset = last_page_offset(number, size, total)
    rows = _framework_rows(study, asker, scope, scope.participants[offset:offset + size])
    return TablePage(_framework(scope, rows), total, offset, size)


def framework_scope(study: Study, asker: Actor, theme: str | None = None, source: str | Source | None = None,
                    combine: str = "union") -> FrameworkScope:
    """The source, M, and the codes in scope grouped into the matrix's columns, without counting a coding."""
    chosen = choose_source(study, asker, source, combine)
    coverage = source_coverage(study, asker, chosen)
    check_may_read_codings(asker, chosen.raters)
    codes, path = codes_in_scope(study, theme)
    groups = _groups(codes, path)
    return FrameworkScope(chosen, coverage, codes, path, groups, tuple(_ordered_groups(groups, codes)))


def _framework(scope: FrameworkScope, rows: list[dict]) -> Table:
    columns = ((Column("participant", "Participant"),) + tuple(Column(g, g, wide=True) for g in scope.order)
               + (Column(INTERVIEW_MEMOS, INTERVIEW_MEMOS, wide=True),))
    title = join_ref(scope.theme) if scope.theme else "all themes"
    source = {**scope.source.to_dict(), "coverage": scope.coverage.to_dict()}
    return Table(
        title=f"Framework matrix: {title}", columns=columns, rows=tuple(rows), caption=_caption(scope),
        source=source, warning=scope.coverage.warning, name="framework",
    )


def _framework_rows(study: Study, asker: Actor, scope: FrameworkScope, participants: Sequence[str]) -> list[dict]:
    """The matrix's rows of ``participants`` (labels, in M's order), read for them alone."""
    if not participants:
        return []
    code_ids = [c.id for c in scope.codes]
    with study.connection() as connection:
        placed = {row.id: (row.name, row.label) for row in connection.execute(
            select(Transcript.id, Transcript.name, Participant.label)
            .join(Participant, Participant.id == Transcript.participant_id)
            .where(Participant.label.in_(list(participants))))}
        units = connection.execute(counting.framework_units(scope.source, scope.coverage.raters, code_ids,
                                                            _places(placed))).all() if placed else []
        written: dict[tuple, list[str]] = defaultdict(list)  # (transcript, segment, code) -> its codings' memos
        for transcript_id, segment_id, code_id, memo in connection.execute(
                counting.coding_memos(scope.source, code_ids, placed)):
            written[transcript_id, segment_id, code_id].append(memo)
        texts = dict(connection.execute(select(Transcript.id, Transcript.text).where(
            Transcript.id.in_(sorted({unit[0] for unit in units})))).all())
    on_codings: dict[int, dict[int, str]] = defaultdict(dict)  # segment id -> {code id: its codings' memos}
    for (_, segment_id, code_id), memos in written.items():
        if (joined := joined_memos(memos)) and segment_id is not None:
            on_codings[segment_id][code_id] = joined
    memos = _segment_memos(study, asker, scope.source, participants)
    cells = _framework_cells(units, scope, placed, texts, on_codings, memos)
    rows = []
    for participant in participants:
        row = {"participant": participant, **{g: "\n\n".join(cells.get((participant, g), [])) for g in scope.order}}
        row[INTERVIEW_MEMOS] = "\n\n".join(f"({rater}) {text}" if rater else text
                                           for rater, text in memos.get(("whole", participant), []))
        rows.append(row)
    return rows


def _places(placed: dict[int, tuple[str, str]]) -> dict[int, int]:
    """{transcript id: its place in the matrix}: transcripts in natural order of their names (a
    participant's row quotes them in that order); names alike but for case or zeros share a place."""
    keys = {transcript_id: tuple(natural_key(name)) for transcript_id, (name, _) in placed.items()}
    place = {key: n for n, key in enumerate(sorted(set(keys.values())))}
    return {transcript_id: place[key] for transcript_id, key in keys.items()}


def _framework_cells(units: Sequence, scope: FrameworkScope, placed: dict[int, tuple[str, str]], texts: dict[int, str],
                     on_codings: dict[int, dict[int, str]], memos: dict) -> dict[tuple[str, str], list[str]]:
    """{(participant, column): its entries}: one per transcript (whole-interview codings) or segment,
    in reading order, naming the codes of the column there, quoting what they code, with the memos
    (``on_codings``: {segment id: {code id: its codings' memos}}). ``units``
    (``counting.framework_units``) come in that order, each place's a run: one pass, each stretch cut once."""
    names = {c.id: c.name for c in scope.codes}
    groups = scope.groups
    cells: dict[tuple[str, str], list[str]] = defaultdict(list)
    for (transcript_id, segment), run in groupby(units, key=itemgetter(0, 1)):
        transcript, participant = placed[transcript_id]
        if segment is None:
            named: dict[str, list[str]] = {}
            for unit in run:
                named.setdefault(groups[unit[3]], []).append(names[unit[3]])
            for group, code_names in named.items():
                cells[participant, group].append(f"[{'; '.join(code_names)}] (whole interview: {transcript})")
            continue
        text, cut, columns = texts[transcript_id], {}, {}
        segment_id, written = None, None
        for _, _, segment_id, code_id, start, end in run:
            if written is None:
                written = on_codings.get(segment_id, {})
            column = columns.get(groups[code_id])
            if column is None:  # its code names, quotes (each once) and coding memos, in code order
                column = columns[groups[code_id]] = ([], {}, [])
            column[0].append(names[code_id])
            quote = cut.get((start, end))
            if quote is None:
                quote = cut[start, end] = text[start:end].strip()
            column[1][quote] = None
            if code_id in written:
                column[2].append(f"Memo: {written[code_id]}")
        notes = [f"Memo ({rater}): {note}" if rater else f"Memo: {note}" for rater, note in memos.get(segment_id, ())]
        for group, (code_names, quotes, said) in columns.items():
            said = dict.fromkeys(said + notes) if said or notes else ()
            cells[participant, group].append(f"[{'; '.join(code_names)}] “{' … '.join(quotes)}” ({transcript} #{segment})"
                                             + "".join(f"\n{n}" for n in said))
    return cells


def _segment_memos(study: Study, asker: Actor, source: Source, participants: Sequence[str]) -> dict:
    """Memos of the source's raters on the transcripts of ``participants`` (``codings.memo_texts``),
    blank ones left out: {segment id: [(rater, text)]} and {("whole", participant): [...]}, by
    transcript name, then rater in the source's order; the rater is None when the source has only one."""
    with study.session() as session:
        raters = dict(session.execute(select(User.name, User.id).where(User.name.in_(source.raters))).all())
        transcripts = session.execute(
            select(Transcript.id, Participant.label).join(Participant, Participant.id == Transcript.participant_id)
            .where(Participant.label.in_(list(participants))).order_by(Transcript.name)
        ).all()
        written = memo_texts(session, asker, list(raters.values()), [t for t, _ in transcripts])
    found: dict = defaultdict(list)
    for transcript_id, participant in transcripts:
        for rater in source.raters:
            for segment_id, text in written.get((raters.get(rater), transcript_id), {}).items():
                if text.strip():
                    found[segment_id if segment_id is not None else ("whole", participant)].append(
                        (rater if len(source.raters) > 1 else None, text.strip()))
    return found


# -- quotes ------------------------------------------------------------------------------


def quotes_by_code(study: Study, asker: Actor, theme: str | None = None, source: str | Source | None = None,
                   combine: str = "union") -> list[dict]:
    """Every coded segment, by code (codebook order) and participant (natural order):
    ``[{code, ref, participants: [{participant, quotes: [{text, transcript, segment, speaker}]}]}]``.
    Codes nobody mentioned are left out; whole-transcript codings are quoted as the transcript name."""
    return list(code_quotes(study, asker, theme, source, combine))


def code_quotes(study: Study, asker: Actor, theme: str | None = None, source: str | Source | None = None,
                combine: str = "union") -> Iterator[dict]:
    """``quotes_by_code``, one code at a time: the rows arrive from the database ordered by code, so
    memory holds one code's quotes (what the report's appendix reads at any size); each code's are
    put in reading order (``counting.reading_order``: participant, transcript, then the whole
    transcript before its segments) by one sort."""
    evidence = gather(study, asker, theme, source, combine)
    position = {code.id: n for n, code in enumerate(evidence.codes)}
    if not position:
        return
    rows = counting.unit_rows(evidence.counted, list(position))
    rows = rows.order_by(case(position, value=rows.selected_columns.code_id))  # codebook order
    with study.connection() as connection:  # the units' rows; their texts cut from each transcript's, read once
        rank = {transcript_id: n for n, transcript_id in enumerate(counting.reading_order(connection))}

        def place(row) -> tuple:  # (transcript id, segment): a whole-transcript coding first
            return rank[row[3]], -1 if row[4] is None else row[4]

        quoted = evidence.units.with_only_columns(evidence.units.selected_columns.transcript_id).distinct()
        texts = dict(connection.execute(select(Transcript.id, Transcript.text).where(Transcript.id.in_(quoted))).all())
        result = connection.execution_options(yield_per=5_000).execute(rows)
        for code_id, found in groupby(result, key=itemgetter(0)):
            code = evidence.codes[position[code_id]]
            yield {"code": code.name, "ref": code.ref, "participants": [
                {"participant": participant, "quotes": [
                    {"text": "" if segment is None else texts[transcript_id][start:end].strip(),
                     "transcript": transcript, "segment": segment, "speaker": speaker}
                    for _, _, transcript, transcript_id, segment, speaker, start, end in quotes]}
                for participant, quotes in groupby(sorted(found, key=place), key=itemgetter(1))]}