"""The archive folder: its manifest, paths that stay inside it, and writing it in place.

An archive owns the files its manifest lists and nothing else: archiving again replaces them,
removes those the study no longer has, and keeps every other file (a ``.git`` folder, a README
the researcher added). A folder whose ``manifest.json`` is not a study archive's is never touched.
"""
from __future__ import annotations

import hashlib
import json
import os
import re
import tempfile
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator

from ..errors import ArchiveError
from ..schema import SCHEMA_VERSION

FORMAT = "study-archive"
FORMAT_VERSION = 1
MANIFEST = "manifest.json"
MAX_MANIFEST_BYTES = 50_000_000  # a manifest lists one line per file: far below this for any study
_DIGEST = re.compile(r"[0-9a-f]{64}")
_AGAIN = "restore from the archive as written, or archive the study again"


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def member(folder: Path, name: object, listed_in: str = MANIFEST) -> Path:
    """The archive's file ``name``, refused unless it is a relative path that stays inside ``folder``
    (no absolute path, no ``..``, no link leading out)."""
    if not isinstance(name, str) or not name or "\\" in name or "\x00" in name or name.startswith("/") \
            or re.match(r"[A-Za-z]:", name) or any(part in ("", ".", "..") for part in name.split("/")):
        raise ArchiveError(f"{folder / listed_in}: names the file {name!r}, which is not a plain path inside "
                           "the archive", _AGAIN)
    path = folder / name
    if not path.resolve().is_relative_to(folder.resolve()):
        raise ArchiveError(f"{path}: leads outside the archive folder (a link?)", _AGAIN)
    return path


def read_manifest(folder: Path) -> dict:
    """The manifest of the archive in ``folder``, its every field checked."""
    path = folder / MANIFEST
    if not path.is_file():
        raise ArchiveError(f"{folder}: no {MANIFEST}, so this is not a study archive",
                           "name the folder an archive was written to")
    manifest = _parsed(path)
    if manifest.get("format") != FORMAT:
        raise ArchiveError(f"{path}: not a study archive's manifest (its format is not {FORMAT!r})",
                           "name the folder an archive was written to")
    version, schema = manifest.get("format_version"), manifest.get("schema_version")
    if not _count(version) or version > FORMAT_VERSION:
        raise ArchiveError(f"{path}: archive format {version!r}, this study reads format {FORMAT_VERSION}",
                           "upgrade study, then restore")
    if not _count(schema):
        raise ArchiveError(f"{path}: schema_version {schema!r} is not a schema version", _AGAIN)
    if schema > SCHEMA_VERSION:
        raise ArchiveError(f"{path}: archived by a newer study (schema {schema}, this one reads {SCHEMA_VERSION})",
                           "upgrade study, then restore")
    tables, files = manifest.get("tables"), manifest.get("files")
    if not isinstance(tables, dict) or not all(isinstance(k, str) and _count(v, 0) for k, v in tables.items()):
        raise ArchiveError(f"{path}: 'tables' is not a count of rows per table", _AGAIN)
    if not isinstance(files, dict) or not all(isinstance(v, str) and _DIGEST.fullmatch(v) for v in files.values()):
        raise ArchiveError(f"{path}: 'files' is not a SHA-256 digest per file", _AGAIN)
    for name in files:
        member(folder, name)
    return manifest


def _parsed(path: Path) -> dict:
    try:
        if path.stat().st_size > MAX_MANIFEST_BYTES:
            raise ArchiveError(f"{path}: {path.stat().st_size:,} bytes, far larger than any manifest", _AGAIN)
        manifest = json.loads(path.read_bytes().decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError, RecursionError) as exc:
        raise ArchiveError(f"{path}: not a readable manifest ({type(exc).__name__})", _AGAIN) from None
    except OSError as exc:
        raise ArchiveError(f"{path}: cannot be read ({exc.strerror})", "check its permissions") from None
    if not isinstance(manifest, dict):
        raise ArchiveError(f"{path}: not a study archive's manifest (not a JSON object)", _AGAIN)
    return manifest


def _count(value: object, least: int = 1) -> bool:
    return type(value) is int and value >= least


def earlier_archive(folder: Path) -> dict[str, str]:
    """The files an earlier archive in ``folder`` wrote ({name: digest}); nothing for a new or empty
    folder (or one holding only hidden entries such as ``.git``). A folder of other files, or whose
    manifest is not a study archive's, is refused before anything is written."""
    if folder.exists() and not folder.is_dir():
        raise ArchiveError(f"{folder}: is a file, not a folder", "choose a folder for the archive")
    if not folder.exists():
        return {}
    if not (folder / MANIFEST).exists():
        visible = sorted(p.name for p in folder.iterdir() if not p.name.startswith("."))
        if visible:
            raise ArchiveError(f"{folder}: the folder holds files but no study archive ({MANIFEST}): "
                               f"{', '.join(visible[:5])}{', ...' if len(visible) > 5 else ''}",
                               "choose an empty folder or an earlier archive to update")
        return {}
    manifest = _parsed(folder / MANIFEST)
    files = manifest.get("files")
    if manifest.get("format") != FORMAT or not isinstance(files, dict):
        raise ArchiveError(f"{folder / MANIFEST}: is not a study archive's manifest, so the folder is left as it is",
                           "choose an empty folder or an earlier archive to update")
    for name in files:
        member(folder, name)
    return dict(files)


class HashedText:
    """A text file being written: UTF-8 bytes to disk, hashed as they go (text gathered into large
    pieces first: a CSV writer writes row by row)."""

    def __init__(self, handle) -> None:
        self._handle, self._hash = handle, hashlib.sha256()
        self._pending: list[str] = []
        self._size = 0

    def write(self, text: str) -> None:
        self._pending.append(text)
        self._size += len(text)
        if self._size > 1 << 20:
            self.flush()

    def flush(self) -> None:
        if self._pending:
            data = "".join(self._pending).encode("utf-8")
            self._pending, self._size = [], 0
            self._hash.update(data)
            self._handle.write(data)

    def write_bytes(self, data: bytes) -> None:
        self.flush()
        self._hash.update(data)
        self._handle.write(data)

    def digest(self) -> str:
        self.flush()
        return self._hash.hexdigest()


class FolderWriter:
    """Writes an archive into ``folder`` in place: each file first to a hidden temporary file beside
    it, then all moved into place at once, the manifest last, then the earlier archive's files the
    study no longer has removed. Nothing in the folder changes unless every file was written."""

    def __init__(self, folder: Path, earlier: dict[str, str]) -> None:
        self.folder, self.earlier = folder, earlier
        self.written: dict[str, tuple[Path, str]] = {}  # name -> (temporary file, digest)

    @contextmanager
    def text(self, name: str) -> Iterator[HashedText]:
        path = self._target(name)
        handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
        self.written[name] = (Path(temporary), "")
        with open(handle, "wb", buffering=1 << 20) as file:
            hashed = HashedText(file)
            yield hashed
            hashed.flush()
        self.written[name] = (Path(temporary), hashed.digest())

    def data(self, name: str, data: bytes) -> None:
        with self.text(name) as out:
            out.write_bytes(data)

    def _target(self, name: str) -> Path:
        path = member(self.folder, name)
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
        except (FileExistsError, NotADirectoryError):
            raise ArchiveError(f"{path.parent}: is a file where the archive keeps a folder",
                               "move it away or choose another folder") from None
        return path

    def finish(self, manifest: dict) -> None:
        self._refuse_overwriting_others()
        for name, (temporary, _) in self.written.items():
            os.replace(temporary, self.folder / name)
        self.written = {}
        path = self._target(MANIFEST)
        handle, temporary = tempfile.mkstemp(dir=self.folder, prefix=f".{MANIFEST}.", suffix=".tmp")
        with open(handle, "wb") as file:
            file.write(json.dumps(manifest, ensure_ascii=False, sort_keys=True, indent=2).encode("utf-8") + b"\n")
        os.replace(temporary, path)
        self._remove_stale(set(manifest["files"]))

    def _refuse_overwriting_others(self) -> None:
        """A file at a name the new archive uses, which the earlier archive did not write, is the
        researcher's: refused (naming it) unless it already holds exactly what would be written."""
        theirs = [name for name, (_, digest) in self.written.items() if name not in self.earlier
                  and (path := self.folder / name).exists() and (path.is_dir() or sha256(path.read_bytes()) != digest)]
        if theirs:
            raise ArchiveError(f"{self.folder}: holds files the archive did not write where it would write its own: "
                               f"{', '.join(sorted(theirs)[:5])}{', ...' if len(theirs) > 5 else ''}",
                               "move them away or choose another folder")

    def _remove_stale(self, kept: set[str]) -> None:
        folders = set()
        for name in sorted(set(self.earlier) - kept - {MANIFEST}):
            path = member(self.folder, name)
            if path.is_file() or path.is_symlink():
                path.unlink()
                folders.update(p for p in path.parents if p != self.folder and p.is_relative_to(self.folder))
        for empty in sorted(folders, key=lambda p: len(p.parts), reverse=True):
            if empty.is_dir() and not any(empty.iterdir()):
                empty.rmdir()

    def abandon(self) -> None:
        for temporary, _ in self.written.values():
            temporary.unlink(missing_ok=True)
        self.written = {}
