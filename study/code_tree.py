"""The code tree in SQL: which codes sit below which, the rule by which a code's count includes the
codes below it, and the shortest label that tells codes of one name apart.

Codes nest (``codes.parent_code_id``); ``code_ancestry()`` is the ancestor relation as one
recursive query, so "the codings that count for a code" is one join in any aggregate::

    tree = code_ancestry()
    select(tree.c.ancestor_id, func.count(distinct(codings.c.transcript_id)))
        .join(tree, tree.c.descendant_id == codings.c.code_id)
        .where(counts_under(tree, rule)).group_by(tree.c.ancestor_id)

It is computed, not stored, so no write path (YAML load, REFI-QDA import, archive restore, an
edit) has to keep a second table in step with ``parent_code_id``.
"""
from __future__ import annotations

from collections import Counter
from typing import Iterable

from sqlalchemy import CTE, ColumnElement, Integer, literal, select, true

from .codebook import join_ref
from .errors import StudyError
from .schema import codes

# How a participant (or segment) counts for a code that has codes below it.
WITH_CODES_BELOW = "with-codes-below"  # when a segment carries the code or any code below it
OWN_CODINGS = "own-codings"  # only when a segment carries the code itself
PARENT_RULES = (WITH_CODES_BELOW, OWN_CODINGS)
DEFAULT_PARENT_RULE = WITH_CODES_BELOW
PARENT_RULE_TEXT = {
    WITH_CODES_BELOW: "A code counts its own codings and those of every code below it.",
    OWN_CODINGS: "A code counts only its own codings, not those of the codes below it.",
}


def check_parent_rule(rule: str) -> str:
    """``rule`` if it is one of PARENT_RULES; a StudyError naming them otherwise."""
    if rule not in PARENT_RULES:
        raise StudyError(f"unknown parent rule {rule!r}", f"choose {' or '.join(PARENT_RULES)}")
    return rule


def code_ancestry() -> CTE:
    """Rows (ancestor_id, descendant_id, depth) for every code and each code at or above it: a code
    is its own ancestor at depth 0, its parent's descendant at depth 1, and so on."""
    start = select(codes.c.id.label("ancestor_id"), codes.c.id.label("descendant_id"),
                   literal(0, Integer).label("depth")).cte("code_ancestry", recursive=True)
    child = codes.alias("child")
    return start.union_all(
        select(start.c.ancestor_id, child.c.id, start.c.depth + 1).where(child.c.parent_code_id == start.c.descendant_id))


def counts_under(tree: CTE, rule: str) -> ColumnElement[bool]:
    """The condition on ``code_ancestry()`` rows under which a coding of the descendant counts for
    the ancestor, by the parent rule."""
    return true() if check_parent_rule(rule) == WITH_CODES_BELOW else tree.c.depth == 0


def distinguishing_labels(paths: Iterable[tuple[str, ...]]) -> dict[tuple[str, ...], str]:
    """{path: the shortest tail of it (a reference) that no other path ends with}: "Latency" while
    one code has that name, "Attributes/Latency" and "Challenges/Latency" when two do."""
    folded = {path: tuple(n.casefold() for n in path) for path in map(tuple, paths)}
    # how many paths end with each tail: a tail only its own path ends with tells it apart
    ends = Counter(names[-length:] for names in folded.values() for length in range(1, len(names) + 1))
    labels = {}
    for path, names in folded.items():
        length = next((n for n in range(1, len(names) + 1) if ends[names[-n:]] == 1), len(names))
        labels[path] = join_ref(path[-length:])
    return labels
