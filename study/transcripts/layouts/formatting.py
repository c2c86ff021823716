"""Speakers marked only by formatting in Word: a bold name at the start of a paragraph, or a
name paragraph in a style of its own. When no textual labels exist, formatting is evidence.
"""
from __future__ import annotations

import re
from collections import Counter, defaultdict

from ..labels import Label, LabelPattern, plausible_speaker, tidy_speaker, proposal_from_labels
from ..reading import Document, LineFormat, Proposal
from ..roles import role_label
from ..text import Line

_BOLD = LabelPattern(re.compile(""))
_LABEL_END = re.compile(r"[ \t]*[:.\-–—]?[ \t]*")
_BODY_STYLES = re.compile(r"normal|body.*|default.*|standard|plain.*|list.*|", re.IGNORECASE)
_HEADING_STYLES = re.compile(r"heading.*|title|subtitle|toc.*|caption", re.IGNORECASE)


def propose(document: Document) -> Proposal | None:
    if not document.formats:
        return None
    name_styles = _name_styles(document)
    candidates = [label for line in document.content_lines if (label := _label(document, line, name_styles))]
    counts = Counter(label.speaker.casefold() for label in candidates)
    labels = [label for label in candidates
              if counts[label.speaker.casefold()] > 1 or role_label(label.speaker) is not None]
    if not labels:
        return None
    return proposal_from_labels("formatting", document, labels, all_labelled=False)


def _label(document: Document, line: Line, name_styles: set[str]) -> Label | None:
    form = document.formats.get(line.start, LineFormat())
    stripped = line.text.lstrip()
    indent = len(line.text) - len(stripped)
    if form.bold_prefix and not form.whole_bold:
        name = stripped[:max(0, form.bold_prefix - indent)]
        end = line.start + max(form.bold_prefix, indent)
    elif form.whole_bold or form.style in name_styles:
        name, end = stripped, line.end
    else:
        return None
    cleaned = name.strip().rstrip(":.-–— \t")
    if not cleaned or not plausible_speaker(cleaned) or len(cleaned) > 60:
        return None
    after = _LABEL_END.match(document.text, end, line.end)
    body_start = after.end() if after else end
    start = line.start + indent
    return Label(line, tidy_speaker(cleaned), start, body_start, None, _BOLD)


def _name_styles(document: Document) -> set[str]:
    """Styles used only for short lines, neither body text nor headings: speakers' names."""
    lengths: dict[str, list[int]] = defaultdict(list)
    for line in document.content_lines:
        form = document.formats.get(line.start)
        if form and form.style:
            lengths[form.style].append(len(line.text.split()))
    return {
        style for style, counts in lengths.items()
        if not _BODY_STYLES.fullmatch(style) and not _HEADING_STYLES.fullmatch(style) and max(counts) <= 6
    }
