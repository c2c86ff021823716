"""Bytes from disk, refused before they are read when too large, and the readers by file suffix."""
from __future__ import annotations

from functools import partial
from pathlib import Path, PurePath
from typing import Callable, Collection, Sequence

from . import annotation_files, captions, docx_file, elan_file, html_file, json_file, office, sami, substation, tables, timed_text, xml_file
from .model import ParsedTranscript, Unreadable
from .registry import read_layout
from .taught import Convention
from .text import decode_text, describe_size

DEFAULT_MAX_BYTES = 20_000_000


def read_bytes(path: Path, max_bytes: int) -> bytes:
    """The file's bytes; its size is checked with stat() first, so an oversize file is never read."""
    try:
        check_size(path.stat().st_size, max_bytes)
        with path.open("rb") as file:
            data = file.read(max_bytes + 1)
    except FileNotFoundError:
        raise Unreadable("file not found; check the path") from None
    except IsADirectoryError:
        raise Unreadable("is a folder, not a transcript file") from None
    except OSError as exc:
        raise Unreadable(f"cannot be read ({exc.strerror}); check its permissions") from None
    return checked_bytes(data, max_bytes)  # the file may have grown since stat()


def checked_bytes(data: bytes, max_bytes: int) -> bytes:
    """``data`` itself, refused when over ``max_bytes`` or empty."""
    check_size(len(data), max_bytes)
    if not data.strip():
        raise Unreadable("is empty; export the transcript again")
    return data


def check_size(size: int, max_bytes: int) -> None:
    if size > max_bytes:
        raise Unreadable(
            f"is {describe_size(size)}, over the {describe_size(max_bytes)} limit; split it into smaller files"
        )


def read_plain_text(data: bytes, *, without: Collection[str] = (), taught: Sequence[Convention] = (),
             **_options) -> ParsedTranscript:
    return read_layout(decode_text(data), by_line=False, without=without, taught=taught)


Reader = Callable[..., ParsedTranscript]

# Readers by file suffix: bytes in, ParsedTranscript out; problems raised as Unreadable.
READERS: dict[str, Reader] = {
    ".docx": docx_file.read_docx,
    ".txt": read_plain_text,
    ".md": read_plain_text,
    ".cha": read_plain_text,  # CHAT (CHILDES, TalkBank): text tiers
    ".vtt": partial(captions.read_subtitles, subtitle_format="vtt"),
    ".srt": partial(captions.read_subtitles, subtitle_format="srt"),
    ".sbv": partial(captions.read_subtitles, subtitle_format="sbv"),
    ".ttml": timed_text.read_timed_text,
    ".smi": sami.read_sami,  # SAMI captions (Korean and Japanese broadcasts, players, speech-to-text exports)
    ".sami": sami.read_sami,
    ".dfxp": timed_text.read_timed_text,
    ".eaf": elan_file.read_elan,
    ".trs": annotation_files.read_transcriber,  # Transcriber: turns of speakers, sync times
    ".exb": annotation_files.read_exmaralda,  # EXMARaLDA: one tier per speaker on a common timeline
    ".textgrid": annotation_files.read_textgrid,  # Praat: one interval tier per speaker
    ".ass": substation.read_substation,
    ".ssa": substation.read_substation,
    ".xml": xml_file.read_xml,
    ".pdf": office.read_pdf,
    ".odt": office.read_odt,
    ".rtf": office.read_rtf,
    ".doc": office.read_doc,
    ".csv": partial(tables.read_speaker_table, suffix=".csv"),
    ".tsv": partial(tables.read_speaker_table, suffix=".tsv"),
    ".xlsx": partial(tables.read_speaker_table, suffix=".xlsx"),
    ".json": json_file.read_json,
    ".html": html_file.read_html,
    ".htm": html_file.read_html,
}


def reader_for(name: str | PurePath) -> Reader:
    """The reader of a file by the suffix of its name."""
    suffix = PurePath(name).suffix
    reader = READERS.get(suffix.lower())
    if reader is None:
        supported = ", ".join(sorted(READERS))
        raise Unreadable(f"has an unsupported file type '{suffix or '(none)'}'; supported: {supported}")
    return reader
