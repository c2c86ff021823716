"""Assisted coding: keyword rules from the codebook, matched on lemmas with spaCy.

A code's ``keywords`` are phrases; a segment that contains one (in any inflection: "fine-tuned"
matches "fine-tune") gets the code suggested. Suggestions are measured against human coding
by the same agreement statistics as raters are.
"""
from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from typing import Iterable

from .segmenting import lemma_pipeline


@dataclass(frozen=True)
class KeywordRule:
    code: str  # Theme/Code reference
    keywords: tuple[str, ...]


@dataclass(frozen=True)
class Suggestion:
    code: str
    keyword: str
    start: int  # character offsets of the match within the text
    end: int


class KeywordSuggester:
    """Matches every rule's keywords against texts by lemma, case-insensitively."""

    def __init__(self, rules: Iterable[KeywordRule]):
        from spacy.matcher import PhraseMatcher

        self.nlp = lemma_pipeline()
        self.matcher = PhraseMatcher(self.nlp.vocab, attr="LEMMA")
        self._keyword_of: dict[str, str] = {}
        for rule in rules:
            patterns = [self.nlp(k.lower()) for k in rule.keywords if k.strip()]
            if patterns:
                self.matcher.add(rule.code, patterns)

    def suggest(self, text: str) -> list[Suggestion]:
        doc = self.nlp(text.lower())
        found = []
        for match_id, start, end in self.matcher(doc):
            span = doc[start:end]
            found.append(Suggestion(self.nlp.vocab.strings[match_id], span.text, span.start_char, span.end_char))
        return found

    def codes_for(self, text: str) -> list[str]:
        """The distinct codes suggested for ``text``, in order of first match."""
        return list(dict.fromkeys(s.code for s in self.suggest(text)))


@lru_cache(maxsize=8)
def suggester_for(rules: tuple[KeywordRule, ...]) -> KeywordSuggester:
    return KeywordSuggester(rules)
