"""ELAN annotation files (.eaf): language-documentation and gesture-study transcripts as speaker turns.

ELAN keeps each speaker's annotations in a tier of their own, tier after tier, each annotation
aligned to two time slots. The tiers that hold speech are the time-aligned ones with no parent;
their annotations, put in time order, are cues whose speaker is the tier's name. A dependent tier
(``PARENT_REF``: a translation, a gloss, a comment on a speaker's tier) is nobody's speech: its
annotations are notes, after the turns; so are those of a tier that names no participant, of a type
no participant's tier has, when the speakers' tiers name theirs (an annotator's comments tier).
"""
from __future__ import annotations

from typing import Sequence

from .annotation_files import annotations_read
from .model import ParsedTranscript, Unreadable
from .taught import Convention
from .xml_tree import xml_root

_NOT_EAF = "is not an ELAN annotation file (it must be XML with an 'ANNOTATION_DOCUMENT' root and tiers); re-save it in ELAN"


def read_elan(data: bytes, *, taught: Sequence[Convention] = (), **_options) -> ParsedTranscript:
    root = xml_root(data, _NOT_EAF)
    if root.tag != "ANNOTATION_DOCUMENT":
        raise Unreadable(_NOT_EAF)
    times = {slot.get("TIME_SLOT_ID"): slot.get("TIME_VALUE") for slot in root.iter("TIME_SLOT")}
    spoken, notes = [], []
    speech_types = {tier.get("LINGUISTIC_TYPE_REF") for tier in root.iter("TIER")
                    if tier.get("PARTICIPANT") and not tier.get("PARENT_REF")}
    for tier in root.iter("TIER"):
        if tier.get("PARENT_REF") or (speech_types and not tier.get("PARTICIPANT")
                                      and tier.get("LINGUISTIC_TYPE_REF") not in speech_types):
            notes += [text for annotation in tier.iter("ANNOTATION") if (text := _value(annotation))]
            continue
        for annotation in tier.iter("ALIGNABLE_ANNOTATION"):
            if text := _value(annotation):
                spoken.append((_seconds(times.get(annotation.get("TIME_SLOT_REF1"))), tier.get("TIER_ID") or "", text))
    if not spoken:
        raise Unreadable("has no time-aligned annotations with text; check that it is the right file")
    return annotations_read(spoken, notes, taught=taught)  # in time order; unaligned annotations keep their tier's


def _value(annotation) -> str:
    value = next(annotation.iter("ANNOTATION_VALUE"), None)
    return " ".join("".join(value.itertext()).split()) if value is not None else ""


def _seconds(value: str | None) -> float | None:
    """A slot's time in seconds; None for a slot ELAN left unaligned (no value): it sorts last."""
    try:
        return float(value) / 1000 if value is not None else None
    except ValueError:
        return None
