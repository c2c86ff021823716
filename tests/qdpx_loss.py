"""What a round trip through a study loses of a .qdpx, measured tool-neutrally (this module's own
reader, not the package's): GUIDs and positions are ignored, since an export names things anew.

- elements: how many of each element (by name) the first file has beyond the second;
- attributes: the same for each element's attributes (``PictureSelection@firstX``);
- words: the words of every text and name (descriptions, notes, source texts, names), each word
  counted as often as it occurs, missing from the second file;
- values: coordinates, pages, times, colours, shapes and directions (``firstX=12``), and dates
  read as UTC, missing from the second file;
- files: archive members other than texts (pictures, PDFs, recordings), by content;
- selected: the text each coding of a selection of a text source codes (with its code's name; a
  selection without coding: its text alone), whitespace collapsed, positions counted as the writing tool counts them (``origin``
  naming NVivo: UTF-16 code units; ATLAS.ti: a CR LF line end as one character): a selection that
  moved, grew, shrank or was merged with another.

Example: ``loss(inventory(original), inventory(exported)).total``
"""
from __future__ import annotations

import datetime as dt
import hashlib
import re
import zipfile
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from xml.etree import ElementTree as ET

_REFERENCE = {"guid", "creatingUser", "modifyingUser", "fromSyncPoint", "toSyncPoint", "sourceVertex",
              "targetVertex", "plainTextPath", "richTextPath", "path", "currentPath", "basePath", "startPosition",
              "endPosition", "position", "isCodable", "typeOfVariable", "origin"}
_VALUES = {"firstX", "firstY", "secondX", "secondY", "page", "begin", "end", "timeStamp", "color", "shape",
           "lineStyle", "direction"}
_DATES = {"creationDateTime", "modifiedDateTime"}
_PARTS = ("elements", "attributes", "words", "values", "files", "selected")
_WORD = re.compile(r"[^\W\d_][\w'-]*")


def _local(name: str) -> str:
    return name.rsplit("}", 1)[-1]


@dataclass
class Inventory:
    elements: Counter
    attributes: Counter
    words: Counter
    values: Counter
    files: Counter
    selected: Counter


def inventory(path: Path) -> Inventory:
    """What the .qdpx at ``path`` holds, counted."""
    elements, attributes, words, values, files = Counter(), Counter(), Counter(), Counter(), Counter()
    texts: dict[str, str] = {}
    with zipfile.ZipFile(path) as archive:
        for name in archive.namelist():
            data = archive.read(name)
            if name.casefold().endswith(".txt"):
                texts[name.rsplit("/", 1)[-1]] = data.decode("utf-8-sig")
            if name.casefold().endswith(".qde"):
                root = ET.fromstring(data)
            elif name.casefold().endswith(".txt"):
                words.update(w.casefold() for w in _WORD.findall(data.decode("utf-8-sig")))
            elif not name.endswith("/"):
                files[hashlib.sha256(data).hexdigest()[:12]] += 1
    for element in root.iter():
        tag = _local(element.tag)
        elements[tag] += 1
        words.update(w.casefold() for w in _WORD.findall(element.text or ""))
        for key, value in element.attrib.items():
            key = _local(key)
            attributes[f"{tag}@{key}"] += 1
            if key in _VALUES:
                values[f"{key}={value.strip().upper()}"] += 1
            elif key in _DATES:
                values[f"date={_utc(value)}"] += 1
            elif key not in _REFERENCE and not key.endswith(("GUID", "Guid", "schemaLocation")):
                words.update(w.casefold() for w in _WORD.findall(value))
    return Inventory(elements, attributes, words, values, files, _selected(root, texts))


def _selected(root: ET.Element, texts: dict[str, str]) -> Counter:
    """(code, selected text) of every coding of a selection of a text source, counted (see the module's doc)."""
    origin = (root.get("origin") or "").casefold()
    codes = {c.get("guid", "").strip("{}").casefold(): c.get("name", "") for c in root.iter() if _local(c.tag) == "Code"}
    found: Counter = Counter()
    for source in root.iter():
        if _local(source.tag) != "TextSource":
            continue
        text = _source_text(source, texts)
        if "atlas" in origin:
            text = text.replace("\r\n", "\n")
        for selection in source:
            if _local(selection.tag) != "PlainTextSelection":
                continue
            start, end = int(selection.get("startPosition", 0)), int(selection.get("endPosition", 0))
            if "nvivo" in origin:
                units = text.encode("utf-16-le")
                part = units[2 * start:2 * end].decode("utf-16-le", errors="replace")
            else:
                part = text[start:end]
            coded = [codes.get(r.get("targetGUID", "").strip("{}").casefold(), "?") for r in selection.iter()
                     if _local(r.tag) == "CodeRef"]
            found.update((code, " ".join(part.split())) for code in coded or [""])
    return found


def _source_text(source: ET.Element, texts: dict[str, str]) -> str:
    """A text source's plain text: its file in the archive (by file name), else its content."""
    path = source.get("plainTextPath") or ""
    if path:
        return texts.get(path.rsplit("/", 1)[-1], "")
    content = next((c for c in source if _local(c.tag) == "PlainTextContent"), None)
    return content.text or "" if content is not None else ""


def _utc(value: str) -> str:
    try:
        moment = dt.datetime.fromisoformat(value.strip().replace("Z", "+00:00"))
    except ValueError:
        return value.strip()
    moment = moment if moment.tzinfo else moment.replace(tzinfo=dt.timezone.utc)
    return moment.astimezone(dt.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


@dataclass
class Loss:
    elements: Counter
    attributes: Counter
    words: Counter
    values: Counter
    files: Counter
    selected: Counter

    def figures(self) -> dict[str, int]:
        return {part: sum(getattr(self, part).values()) for part in _PARTS}

    @property
    def total(self) -> int:
        return sum(self.figures().values())


def loss(before: Inventory, after: Inventory) -> Loss:
    """What ``before`` holds that ``after`` does not (each count beyond the other's)."""
    return Loss(*(getattr(before, part) - getattr(after, part) for part in _PARTS))
