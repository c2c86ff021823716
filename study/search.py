"""Search across the study: every segment whose words match, shown in context, filtered by
participant (and their attributes), speaker role, code and transcript, and coded from the results.

The words are found by the database's full-text index (``study.search_index``: SQLite FTS5,
PostgreSQL text search); this module turns what was typed into the index's query, adds the
filters in SQL and marks, in the few segments shown, where the words are.

What may be typed: words (each must occur, in any order), ``"a phrase"`` (words in a row) and
``prefix*`` (any word starting so). Case and accents never matter: ``cafe`` finds ``Café``.
Words typed one after another (or a phrase, or ``pre-trained``) also find them written as one
word: ``hugging face`` finds ``HuggingFace``. Words next to each other in the text are marked as
one match (``Hugging Face``, not ``Hugging`` alone).

Blind rules: every signed-in user may read every transcript, but the code filter looks only at
the asker's own codings when they are a coder; an admin looks at any rater's (or one chosen).

Example::

    results = search(study, actor, '"model card" licen*', Filters(roles=("participant",)))
    code_hits(study, actor, [hit.segment_id for hit in results.hits], "Attributes/License")
"""
from __future__ import annotations

import re
from collections import defaultdict
from dataclasses import dataclass, field
from functools import lru_cache

from sqlalchemy import Integer, column, func, select, text
from sqlalchemy.orm import Session

from . import codes as codes_mod
from .auth import Actor, rater_user, writable_rater
from .coding_write import CodingKey, CodingWrite, write_codings
from .errors import NotFound, StudyError
from .listing import require_names
from .participants import require_attributes
from .schema import codings, participants, segments, transcripts
from .search_index import TABLE, fold
from .store import Study
from .table import Column, Table

_WORD = re.compile(r"[^\W_]+")  # a word as both indexes cut them: letters and digits
_TERM = re.compile(r'"([^"]*)"?\s*(\*)?|(\S+)')  # a quoted phrase (maybe unclosed), or a bare word
MAX_TERMS = 16
DEFAULT_LIMIT = 100


@dataclass(frozen=True)
class Term:
    """Words that must occur in a row; with ``prefix`` the last may be the start of a word."""

    words: tuple[str, ...]
    prefix: bool = False


@dataclass(frozen=True)
class Query:
    """What was typed, its terms, and what a segment must match: every clause, each by any one of
    its terms (a term, or its words written as one)."""

    text: str
    terms: tuple[Term, ...]
    clauses: tuple[tuple[Term, ...], ...] = ()


def parse_query(typed: str) -> Query:
    """The terms of what was typed: ``parse_query('"Model cards" licen*')`` is the phrase
    ``model cards`` and the prefix ``licen``. Words are folded as the index folds them.

    A phrase (quoted, or one token such as ``pre-trained``) may also be found written as one word;
    so may each word typed after another with its neighbour (``hugging face``: ``huggingface``)."""
    terms: list[Term] = []
    clauses: list[tuple[Term, ...]] = []
    run: list[Term] = []  # single words typed one after another
    for phrase, phrase_star, bare in _TERM.findall(typed):
        source = phrase if not bare else bare
        prefix = bool(phrase_star) if not bare else bare.endswith("*")
        words = tuple(fold(word) for word in _WORD.findall(source))
        if not words:
            continue
        term = Term(words, prefix)
        terms.append(term)
        if bare and len(words) == 1:
            run.append(term)
            if prefix:  # a word's start ends its run: nothing is joined after it
                clauses += _run_clauses(run)
                run = []
            continue
        clauses += _run_clauses(run)
        run = []
        clauses.append((term, _joined(term, term)) if len(words) > 1 else (term,))
    clauses += _run_clauses(run)
    if not terms:
        raise StudyError("type a word to search for", 'words, "a phrase" or the start of a word followed by *')
    if len(terms) > MAX_TERMS:
        raise StudyError(f"{len(terms)} search terms are too many; use at most {MAX_TERMS}")
    return Query(typed, tuple(dict.fromkeys(terms)), tuple(dict.fromkeys(clauses)))


def _joined(first: Term, last: Term) -> Term:
    """The words of ``first`` to ``last`` written as one word (a prefix when ``last`` is one)."""
    return Term(("".join(first.words) + ("".join(last.words) if last is not first else ""),), last.prefix)


def _run_clauses(run: list[Term]) -> list[tuple[Term, ...]]:
    """One clause per word of a run: the word itself, or it written together with the word before
    or after it."""
    return [(term, *([_joined(run[n - 1], term)] if n else []),
             *([_joined(term, run[n + 1])] if n + 1 < len(run) else []))
            for n, term in enumerate(run)]


@dataclass(frozen=True)
class Filters:
    """Which segments to search: each filter given narrows the results (values within one filter
    are alternatives). ``attributes`` are participant attributes, (name, value) pairs; ``codes``
    are code references; ``rater`` whose codings the code filter reads (a coder: their own)."""

    participants: tuple[str, ...] = ()
    attributes: tuple[tuple[str, str], ...] = ()
    roles: tuple[str, ...] = ()
    codes: tuple[str, ...] = ()
    transcripts: tuple[str, ...] = ()
    rater: str | None = None


@dataclass(frozen=True)
class Hit:
    """One segment that matched, with where the words are (absolute offsets in the transcript)."""

    segment_id: int
    transcript_id: int
    transcript: str
    participant: str | None
    index: int
    speaker: str
    role: str
    start: int
    end: int
    text: str
    matches: tuple[tuple[int, int], ...]
    codes: tuple[str, ...] = ()  # the codes the asker (or the rater the filters name) applied to the segment

    def context(self, width: int = 60) -> tuple[str, str, str]:
        """(before, match, after) around the first match, ``width`` characters each side at most."""
        if not self.matches:
            return "", "", _shortened(self.text, 2 * width)
        start, end = (offset - self.start for offset in self.matches[0])
        before = self.text[max(0, start - width):start]
        after = self.text[end:end + width]
        return (("…" if start > width else "") + before.lstrip(), self.text[start:end],
                after.rstrip() + ("…" if end + width < len(self.text) else ""))

    def address(self) -> dict[str, str]:
        """The Code page's query parameters for the hit: its turn, the first match highlighted."""
        place = {"transcript": str(self.transcript_id), "segment": str(self.index)}
        if self.matches:
            place["match"] = f"{self.matches[0][0]}-{self.matches[0][1]}"
        return place

    def link(self) -> str:
        """The Code page's address of the hit, as a relative link (``?transcript=..&segment=..``)."""
        return "?" + "&".join(f"{name}={value}" for name, value in self.address().items())


def _shortened(words: str, width: int) -> str:
    return words if len(words) <= width else words[:width - 1] + "…"


@dataclass(frozen=True)
class Results:
    query: Query
    total: int  # matching segments, of which ``hits`` are those from ``offset`` on
    hits: tuple[Hit, ...]
    offset: int = 0
    filters: Filters = field(default_factory=Filters)


def search(study: Study, actor: Actor, typed: str, filters: Filters = Filters(), limit: int = DEFAULT_LIMIT,
           offset: int = 0) -> Results:
    """The segments matching ``typed`` under ``filters``, in transcript and turn order: how many,
    and ``limit`` of them from ``offset`` on, each with its matches marked."""
    query = parse_query(typed)
    if filters.rater is not None:
        actor.require_rater(filters.rater, "search the codings")
    require_names(study, filters.transcripts, filters.participants)
    require_attributes(study, filters.attributes)
    with study.session() as session:
        where = [_matching(session, query), *_filtered(session, actor, filters)]
        total = session.scalar(select(func.count()).select_from(segments).where(*where))
        # the page's ids first: the texts are cut for those rows only, not for every hit sorted
        page = session.scalars(select(segments.c.id).where(*where)
                               .order_by(segments.c.transcript_id, segments.c.index).limit(limit).offset(offset)).all()
        rows = session.execute(
            select(segments.c.id, segments.c.transcript_id, transcripts.c.name, participants.c.label,
                   segments.c.index, segments.c.speaker, segments.c.role, segments.c.start, segments.c.end,
                   func.substr(transcripts.c.text, segments.c.start + 1, segments.c.end - segments.c.start))
            .select_from(segments.join(transcripts, transcripts.c.id == segments.c.transcript_id)
                         .outerjoin(participants, participants.c.id == transcripts.c.participant_id))
            .where(segments.c.id.in_(page))
            .order_by(segments.c.transcript_id, segments.c.index)
        ).all()
        own = _codes_of(session, filters.rater or actor.name, [row[0] for row in rows])
    hits = tuple(Hit(*row, matches=match_offsets(query, row[-1], row.start), codes=own.get(row[0], ()))
                 for row in rows)
    return Results(query, total, hits, offset, filters)


_BETWEEN_WORDS = re.compile(r"[\s-]+")  # what parts words written next to each other: "Hugging Face"


def match_offsets(query: Query, words: str, start: int = 0) -> tuple[tuple[int, int], ...]:
    """Where the query's terms occur in ``words`` (offsets plus ``start``), in reading order;
    matches only spaces or hyphens apart are one. Folding keeps every character's place (one
    character for one), so offsets in the folded text are offsets in ``words``."""
    folded, spans = fold(words), []
    for match in _pattern(query).finditer(folded):
        if spans and _BETWEEN_WORDS.fullmatch(folded, spans[-1][1], match.start()):
            spans[-1] = (spans[-1][0], match.end())
        else:
            spans.append((match.start(), match.end()))
    return tuple((a + start, b + start) for a, b in spans)


@lru_cache(maxsize=64)
def _pattern(query: Query) -> re.Pattern:
    """One regular expression for every term and joined form: whole words, in a row, the last maybe a prefix."""
    def term(t: Term) -> str:
        body = r"[\W_]+".join(re.escape(word) for word in t.words)
        return r"(?<![^\W_])" + body + (r"[^\W_]*" if t.prefix else r"(?![^\W_])")

    joined = dict.fromkeys(t for clause in query.clauses for t in clause[1:])  # before the words they join
    return re.compile("|".join(term(t) for t in (*joined, *query.terms)))


def _matching(session: Session, query: Query):
    """The condition "the segment's words match", asked of the database's own full-text index."""
    dialect = session.get_bind().dialect.name
    if dialect == "sqlite":
        found = text(f"SELECT rowid FROM {TABLE} WHERE {TABLE} MATCH :q").bindparams(q=_fts5(query))
    elif dialect == "postgresql":
        found = text(f"SELECT segment_id FROM {TABLE} WHERE words @@ to_tsquery('simple', :q)") \
            .bindparams(q=_tsquery(query))
    else:
        raise StudyError(f"searching needs SQLite or PostgreSQL, not {dialect}")
    return segments.c.id.in_(found.columns(column("id", Integer)))


def _fts5(query: Query) -> str:
    """FTS5's query: each term a quoted string (phrase), ``*`` for a prefix; every clause required
    (AND), by any of its terms (OR)."""
    def term(t: Term) -> str:
        return '"' + " ".join(t.words) + '"' + (" *" if t.prefix else "")

    return " AND ".join("(" + " OR ".join(term(t) for t in clause) + ")" for clause in query.clauses)


def _tsquery(query: Query) -> str:
    """PostgreSQL's tsquery: words of a phrase joined by <->, ``:*`` for a prefix; every clause
    required (&), by any of its terms (|)."""
    def term(t: Term) -> str:
        parts = [f"'{word}'" for word in t.words]
        if t.prefix:
            parts[-1] += ":*"
        return "(" + " <-> ".join(parts) + ")"

    return " & ".join("(" + " | ".join(term(t) for t in clause) + ")" for clause in query.clauses)


def _filtered(session: Session, actor: Actor, filters: Filters) -> list:
    """The filters as SQL conditions on segments."""
    where = []
    if filters.roles:
        where.append(segments.c.role.in_(filters.roles))
    if filters.transcripts:
        where.append(segments.c.transcript_id.in_(
            select(transcripts.c.id).where(transcripts.c.name.in_(filters.transcripts))))
    people = []
    if filters.participants:
        people.append(participants.c.label.in_(filters.participants))
    by_name = defaultdict(list)
    for name, value in filters.attributes:
        by_name[name].append(value)
    people += [participants.c.attributes[name].as_string().in_(values) for name, values in by_name.items()]
    if people:
        where.append(segments.c.transcript_id.in_(
            select(transcripts.c.id).join(participants, participants.c.id == transcripts.c.participant_id)
            .where(*people)))
    if filters.codes:
        where.append(_coded_with(session, actor, filters))
    return where


def _coded_with(session: Session, actor: Actor, filters: Filters):
    """The segment carries one of the codes (on itself or a span in it) in the codings the asker
    may search: a coder their own only (the blind rule), an admin any rater's or the one named."""
    rater = filters.rater if actor.is_admin else actor.name
    code_ids = [codes_mod.resolve(session, ref).id for ref in filters.codes]
    conditions = [codings.c.code_id.in_(code_ids), codings.c.segment_id.is_not(None)]
    if rater is not None:
        conditions.append(codings.c.rater_id == rater_user(session, rater).id)
    # not correlated: the coded segments are read once, not once per matching segment
    return segments.c.id.in_(select(codings.c.segment_id).where(*conditions))


def _codes_of(session: Session, rater: str, segment_ids: list[int]) -> dict[int, tuple[str, ...]]:
    """{segment id: refs of the codes ``rater`` applied there (to it or a span in it)}."""
    if not segment_ids:
        return {}
    try:
        rater_id = rater_user(session, rater).id
    except NotFound:  # has coded nothing yet
        return {}
    pairs = session.execute(select(codings.c.segment_id, codings.c.code_id)
                            .where(codings.c.rater_id == rater_id, codings.c.segment_id.in_(segment_ids))).all()
    if not pairs:
        return {}
    stored = {c.id: c for c in codes_mod.all_codes(session, include_retired=True)}
    refs = {code_id: stored[code_id].ref for code_id in {code_id for _, code_id in pairs}}
    found: dict[int, set[str]] = defaultdict(set)
    for segment_id, code_id in pairs:
        found[segment_id].add(refs[code_id])
    return {sid: tuple(sorted(names)) for sid, names in found.items()}


# -- coding the hits ------------------------------------------------------------------


@dataclass(frozen=True)
class CodedHits:
    """What coding the hits did: how many codings were new, and the transcripts refused (and why)."""

    applied: int
    already: int
    refused: tuple[tuple[str, StudyError], ...] = ()  # (transcript, why), for each front end to word


def code_hits(study: Study, actor: Actor, segment_ids: list[int], code_ref: str, rater: str | None = None
              ) -> CodedHits:
    """Apply ``code_ref`` to each segment in the codings of ``rater`` (default: the asker; a coder
    only their own), through the one coding write path; a transcript the rater marked done is
    refused and named, the others coded."""
    rater = rater or actor.name
    with study.session() as session:
        writable_rater(session, actor, rater)  # an unknown rater stops it all, not each transcript
        code_id = codes_mod.resolve(session, code_ref).id
        rows = session.execute(select(segments.c.id, segments.c.transcript_id, transcripts.c.name)
                               .join(transcripts, transcripts.c.id == segments.c.transcript_id)
                               .where(segments.c.id.in_(segment_ids))).all()
    missing = set(segment_ids) - {row.id for row in rows}
    if missing:
        raise NotFound(f"no segment with id {min(missing)}", "search again: the transcript was changed meanwhile")
    by_transcript: dict[tuple[int, str], list[int]] = defaultdict(list)
    for segment_id, transcript_id, name in rows:
        by_transcript[(transcript_id, name)].append(segment_id)
    applied, tried, refused = 0, 0, []
    for (transcript_id, name), ids in by_transcript.items():
        def work(session: Session, transcript_id=transcript_id, ids=ids) -> int:
            rater_id = writable_rater(session, actor, rater).id
            return write_codings(session, actor, [CodingWrite(CodingKey(rater_id, transcript_id, sid, code_id))
                                                  for sid in ids])
        try:
            applied += study.transaction(work)
            tried += len(ids)
        except StudyError as exc:  # e.g. marked done: the other transcripts are still coded
            refused.append((name, exc))
    return CodedHits(applied, tried - applied, tuple(refused))


# -- the results as a table -----------------------------------------------------------

HIT_COLUMNS = (
    Column("transcript", "Transcript"),
    Column("participant", "Participant"),
    Column("turn", "Turn", numeric=True),
    Column("speaker", "Speaker"),
    Column("before", "Before"),
    Column("match", "Match"),
    Column("after", "After"),
    Column("codes", "Codes"),
)


def results_table(results: Results, width: int = 40) -> Table:
    """The hits in keyword-in-context form, as every front end and export shows tables."""
    rows = []
    for hit in results.hits:
        before, match, after = hit.context(width)
        rows.append({"transcript": hit.transcript, "participant": hit.participant or "", "turn": hit.index,
                     "speaker": hit.speaker, "role": hit.role, "before": before, "match": match, "after": after,
                     "codes": ", ".join(hit.codes), "segment_id": hit.segment_id,
                     "transcript_id": hit.transcript_id, "start": hit.start, "end": hit.end,
                     "matches": [list(m) for m in hit.matches], "text": hit.text})
    shown = f"{results.offset + 1}-{results.offset + len(rows)} of " if rows and len(rows) < results.total else ""
    return Table(title=f"Search: {results.query.text}", columns=HIT_COLUMNS, rows=tuple(rows),
                 caption=f"{shown}{results.total} matching turn(s)", name="search")
