"""REFI-QDA exchange: a study to and from the ``.qdpx`` projects and ``.qdc`` codebooks other QDA
tools (NVivo, MAXQDA, ATLAS.ti, QualCoder) read and write.

- ``export``: the study as a project (one PlainTextSelection per rater's coding, owners and dates
  on every selection and note, the code tree nested as it is);
- ``archive``: the guarded reader (zip-bomb, DTD and path checks; duplicate GUIDs refused): text
  sources, PDFs' plain-text representations and recordings' transcripts;
- ``unread``: what the reader does not read, counted by kind so an import names it;
- ``positions``: reading positions as the writing tool counted them (NVivo's UTF-16 units,
  CR LF line ends) and matching texts equal up to line ends;
- ``importer``: the import writer, one transaction per file, selections kept as spans;
- ``codebook`` and ``qdc``: the code tree both ways, and codebook files;
- ``groupings``: the sets of codes and texts and the relations between them a project brings,
  kept and written back;
- ``kept``: what a study has no place for (graphs, pictures, PDF regions, time ranges, notes on
  relations...), kept as written with what it refers to, and put back by an export;
- ``files``: the same as bytes, for the browser's uploads and downloads.

Example::

    export_qdpx(study, CLI, "study.qdpx", raters=["alice", "bob"])
    summary = import_qdpx(other_study, CLI, "study.qdpx")
"""
from __future__ import annotations

from ..errors import QdpxFormatError
from .export import ExportSummary, export_qdpx
from .files import codebook_bytes, import_upload, project_bytes
from .importer import CREDITS, CodingRecord, QdpxImportSummary, import_qdpx
from .model import NS, PROJECT_FILE, UNGROUPED_THEME, UNKNOWN_USER, schema_path
from .qdc import CodebookExchange, export_codebook, import_codebook

__all__ = [
    "CREDITS",
    "NS",
    "PROJECT_FILE",
    "UNGROUPED_THEME",
    "UNKNOWN_USER",
    "CodebookExchange",
    "CodingRecord",
    "ExportSummary",
    "QdpxFormatError",
    "QdpxImportSummary",
    "codebook_bytes",
    "export_codebook",
    "export_qdpx",
    "import_codebook",
    "import_qdpx",
    "import_upload",
    "project_bytes",
    "schema_path",
]
