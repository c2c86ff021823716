"""Speakers told apart only by the colour of their words (Word): each colour that recurs over
paragraphs is a speaker, named by a key line when the document has one ("interviewer in blue"),
else by the colour ("Speaker (blue)").
"""
from __future__ import annotations

import re
from collections import Counter

from ..labels import tidy_speaker
from ..model import Turn
from ..reading import Document, LineFormat, Proposal
from ..roles import label_role
from ..text import non_space_count
from .unlabelled import is_heading

# Basic colours by their red, green, blue levels: the nearest names a colour.
_NAMES = {"black": (0, 0, 0), "grey": (128, 128, 128), "red": (200, 30, 30), "green": (40, 140, 40),
          "blue": (30, 70, 170), "orange": (240, 140, 20), "purple": (120, 40, 140), "brown": (120, 70, 20)}
# Each basic colour's name in the languages we read, for keys ("entrevistadora a vermelho").
_WORDS = {"black": ("black", "schwarz", "noir", "negro", "preto", "nero", "zwart"),
          "grey": ("grey", "gray", "grau", "gris", "cinza", "cinzento", "grigio"),
          "red": ("red", "rot", "rouge", "rojo", "vermelho", "rosso", "rood"),
          "green": ("green", "grün", "vert", "verde", "groen"), "blue": ("blue", "blau", "bleu", "azul", "blu", "blauw"),
          "orange": ("orange", "naranja", "laranja", "arancione", "oranje"),
          "purple": ("purple", "violett", "violet", "morado", "roxo", "viola", "paars"),
          "brown": ("brown", "braun", "marron", "marrón", "castanho", "marrone", "bruin")}
_COLOUR_WORD = re.compile(rf"(?i)\b(?:{'|'.join(word for words in _WORDS.values() for word in words)})\b")
_MAX_SPEAKERS = 6
_MIN_WORDS = 4


def propose(document: Document) -> Proposal | None:
    """Turns by colour: consecutive paragraphs of one colour are one speaker's turn."""
    key_end = _key_end(document)  # the key and the title above it say who is which colour: nobody's words
    lines = [(line, form.colour) for line in document.content_lines
             if line.start >= key_end and not is_heading(document, line)
             and (form := document.formats.get(line.start, LineFormat()))]
    counts = Counter(colour for _, colour in lines if colour)
    words = Counter()
    for line, colour in lines:
        words[colour] += len(line.text.split())
    # a colour that recurs over paragraphs of some length, not a short heading's or a caption's
    speakers = {colour for colour, n in counts.items() if n > 1 and words[colour] / n >= _MIN_WORDS}
    if not 2 <= len(speakers) <= _MAX_SPEAKERS or len({c for c in counts if c != "auto"}) < 1:
        return None
    names = _names(document, speakers)
    turns, explained = [], 0
    for line, colour in lines:
        if colour not in speakers:
            continue
        stripped = line.text.strip()
        start = line.start + line.text.index(stripped[0])
        explained += non_space_count(stripped)
        if turns and turns[-1].speaker == names[colour] and document.text.count("\n", turns[-1].end, start) == 1:
            turns[-1] = Turn(turns[-1].speaker, turns[-1].start, start + len(stripped), None, turns[-1].role_hint)
        else:
            turns.append(Turn(names[colour], start, start + len(stripped), None, label_role(names[colour])))
    return Proposal("learned convention: speakers by colour", tuple(turns), explained)


def _key_end(document: Document) -> int:
    """Where the key line ends ("Key: interviewer in blue", "Legenda: entrevistadora a vermelho"),
    when one of the first lines names a colour; else 0."""
    key = [line for line in document.content_lines[:5] if _COLOUR_WORD.search(line.text)]
    return key[-1].end if key else 0


def _names(document: Document, colours: set[str]) -> dict[str, str]:
    """Each colour's speaker: the word a key line puts before its colour's name, else "Speaker (colour)"."""
    named = {colour: _colour_name(colour) for colour in colours}
    key = "\n".join(line.text for line in document.content_lines[:5])
    names = {}
    for colour, name in named.items():
        words = "|".join(_WORDS[name])
        said = re.search(rf"(?i)\b([^\W\d_][\w\-]*)[ \t]+(?:in|=|:|is|en|em|a|à|in\s+der\s+farbe)[ \t]+(?:{words})\b", key)
        names[colour] = tidy_speaker(said.group(1).capitalize()) if said else f"Speaker ({name})"
    if len(set(names.values())) < len(names):
        return {colour: f"Speaker ({name})" for colour, name in named.items()}
    return names


def _colour_name(colour: str) -> str:
    if colour == "auto":
        return "black"
    try:
        rgb = tuple(int(colour[i:i + 2], 16) for i in (0, 2, 4))
    except ValueError:
        return colour
    return min(_NAMES, key=lambda name: sum((a - b) ** 2 for a, b in zip(_NAMES[name], rgb)))
