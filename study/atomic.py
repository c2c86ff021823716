"""Output files written whole or not at all: to a temporary name in the same folder, then renamed
over the target (``os.replace`` is atomic on one file system). A failure midway (a full disk, an
error while rendering) leaves the previous file, if any, untouched and no partial file behind.

Example::

    with atomic_write(Path("report.docx")) as file:
        file.write(data)
"""
from __future__ import annotations

import os
import tempfile
from contextlib import contextmanager
from pathlib import Path
from typing import IO, Iterator

from .errors import StudyError


def _umask() -> int:
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


_FILE_MODE = 0o666 & ~_umask()  # what open() would have given a new file


@contextmanager
def atomic_write(path: Path | str, mode: str = "wb", encoding: str | None = None) -> Iterator[IO]:
    """A file to write ``path`` through; it replaces ``path`` only when the block ends without error."""
    path = Path(path)
    try:
        descriptor, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".partial")
    except OSError as exc:
        raise _cannot_write(path, exc) from None
    try:
        with os.fdopen(descriptor, mode, encoding=encoding, newline="" if "b" not in mode else None) as file:
            yield file
            file.flush()
            os.fsync(file.fileno())
        os.chmod(temporary, _FILE_MODE)
        os.replace(temporary, path)
    except BaseException as exc:
        Path(temporary).unlink(missing_ok=True)
        if isinstance(exc, OSError):
            raise _cannot_write(path, exc) from None
        raise


def write_bytes(path: Path | str, data: bytes) -> Path:
    """``data`` as the whole content of ``path``, atomically."""
    with atomic_write(path) as file:
        file.write(data)
    return Path(path)


def write_text(path: Path | str, text: str, encoding: str = "utf-8") -> Path:
    """``text`` as the whole content of ``path``, atomically (newlines written as given)."""
    with atomic_write(path, "w", encoding=encoding) as file:
        file.write(text)
    return Path(path)


def _cannot_write(path: Path, exc: OSError) -> StudyError:
    return StudyError(f"{path}: cannot write the file ({exc.strerror or exc}); nothing was written",
                      "free some space or choose another place to write it", remedy="choose_out")
