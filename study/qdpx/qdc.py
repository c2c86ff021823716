"""REFI-QDA codebooks (``.qdc``): the study's codebook out, another tool's codebook in.

A ``.qdc`` is one XML file, a ``CodeBook`` in ``urn:QDA-XML:codebook:1.0`` holding the same Code
tree a project's CodeBook does. An import merges it into the stored codebook (codes the study
has keep their definitions) as the tree it is: codable parents stay codes with codes below them.
"""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from xml.etree import ElementTree as ET

from .. import __version__
from .. import codes as codes_mod
from ..auth import Actor
from ..store import Study
from .archive import read_codebook
from . import kept
from .codebook import CodeElements, codebook_from, merged
from .export import write_archive
from .model import CODEBOOK_NS


@dataclass(frozen=True)
class CodebookExchange:
    path: str
    codes: int  # codes written, or added to the study
    skipped: tuple[str, ...] = ()


def export_codebook(study: Study, actor: Actor, path: str | Path) -> CodebookExchange:
    """Write the study's codebook (themes and codes, not retired ones) as a REFI-QDA .qdc file."""
    path = Path(path)
    with study.session() as session:
        elements = CodeElements(codes_mod.top_themes(session), set(), top_codes=codes_mod.top_codes(session),
                                theme_colours=kept.theme_colours(session))
        root = ET.Element("CodeBook", {"xmlns": CODEBOOK_NS, "origin": f"study {__version__}"})
        codes = ET.SubElement(root, "Codes")
        codes.extend(elements.elements())
    write_archive(path, root, None)
    return CodebookExchange(str(path), elements.count)


def import_codebook(study: Study, actor: Actor, path: str | Path) -> CodebookExchange:
    """Merge a REFI-QDA codebook (.qdc, or a project's .qde) into the study's codebook."""
    actor.require_admin("load a codebook")
    codes, skipped = read_codebook(path)
    with study.session() as session:
        stored = codes_mod.stored_codebook(session)
        imported = codebook_from(codes, name=Path(path).name, stored=stored)
        result = codes_mod.merge_codebook(session, merged(stored, imported.book), actor)
        kept.keep_theme_colours(session, imported.theme_colours)
    return CodebookExchange(str(path), result["added"], skipped + imported.notes)
