"""Exchange files as bytes, for the browser: an uploaded .qdpx or .qdc imported, the study's
project or codebook to download. Each goes through a temporary file (a zip reader wants one);
messages name the file as the user called it."""
from __future__ import annotations

import tempfile
from pathlib import Path

from ..auth import Actor
from ..errors import StudyError
from ..importing.uploads import UploadedFile
from ..store import Study
from .export import ExportSummary, export_qdpx
from .importer import QdpxImportSummary, import_qdpx, reword
from .qdc import CodebookExchange, export_codebook, import_codebook

SUFFIXES = (".qdpx", ".qdc")


def import_upload(study: Study, actor: Actor, upload: UploadedFile, unit: str = "turn", credit: str = "coding"
                  ) -> QdpxImportSummary | CodebookExchange:
    """Import an uploaded REFI-QDA project (.qdpx) or codebook (.qdc); ``credit`` as ``import_qdpx``."""
    name = Path(upload.name).name or "upload"
    suffix = Path(name).suffix.lower()
    if suffix not in SUFFIXES:
        raise StudyError(f"{name}: not a REFI-QDA file; upload a project (.qdpx) or a codebook (.qdc)")
    with tempfile.TemporaryDirectory(prefix="study-qdpx-") as folder:
        path = Path(folder) / f"upload{suffix}"
        path.write_bytes(upload.data)
        try:
            if suffix == ".qdc":
                return import_codebook(study, actor, path)
            return import_qdpx(study, actor, path, unit, credit)
        except StudyError as exc:
            reword(exc, lambda what: what.replace(str(path), name))
            raise


def project_bytes(study: Study, actor: Actor, unique_names: bool = False) -> tuple[bytes, ExportSummary]:
    """The study as a .qdpx (for a coder: only their own codings and memos), and what was written
    (its ``not_written`` names what imports kept whose place is gone); ``unique_names`` as ``export_qdpx``."""
    with tempfile.TemporaryDirectory(prefix="study-qdpx-") as folder:
        path = Path(folder) / "study.qdpx"
        summary = export_qdpx(study, actor, path, unique_names=unique_names)
        return path.read_bytes(), summary


def codebook_bytes(study: Study, actor: Actor) -> bytes:
    """The codebook as a .qdc."""
    with tempfile.TemporaryDirectory(prefix="study-qdpx-") as folder:
        path = Path(folder) / "codebook.qdc"
        export_codebook(study, actor, path)
        return path.read_bytes()
