"""XML transcripts (.xml), told apart by their root element: timed text ('tt'), ELAN annotations
('ANNOTATION_DOCUMENT'), Transcriber ('Trans'), EXMARaLDA ('basic-transcription') and TEI ('TEI') transcripts, and
oral-history synchronizer records ('ROOT' holding a 'record', as the OHMS viewer's XML exports are).

An OHMS record's transcript is one element's text, labelled as a plain text file would be
("SMITH: ..."), or a WebVTT document in ``vtt_transcript``: it is read so. The record's fields
(title, interviewee, interviewer, date, repository, collection) are the reading's header; its
index (each segment's title, synopsis, keywords), a translation, the description and the rights
statement are nobody's speech: notes after the conversation.
"""
from __future__ import annotations

from dataclasses import replace
from typing import Collection, Sequence

from .annotation_files import read_exmaralda, read_transcriber
from .captions import read_subtitles
from .elan_file import read_elan
from .model import ParsedTranscript, Unreadable
from .registry import read_layout
from .taught import Convention
from .tei_file import read_tei
from .timed_text import read_timed_text
from .xml_tree import local_name as _local
from .xml_tree import xml_root

_UNKNOWN = ("is an XML file of a kind the reader does not know (it reads timed text, ELAN, Transcriber and EXMARaLDA "
            "annotations, TEI transcriptions and oral-history synchronizer records); export the transcript as text, "
            "captions or a table")
_HEADER_FIELDS = ("title", "interviewee", "interviewer", "date", "date_nonpreferred_format", "repository",
                  "collection_name", "series_name", "accession")
_NOTE_FIELDS = ("title", "synopsis", "keywords", "subjects", "partial_transcript")  # an index point's
_RECORD_NOTES = ("transcript_alt", "description", "rights", "usage")


def read_xml(data: bytes, *, without: Collection[str] = (), taught: Sequence[Convention] = (),
             **options) -> ParsedTranscript:
    root = xml_root(data, "is not well-formed XML; re-export it")
    name = _local(root.tag)
    if name == "tt":
        return read_timed_text(data, taught=taught, **options)
    if name == "ANNOTATION_DOCUMENT":
        return read_elan(data, taught=taught, **options)
    if name == "Trans":
        return read_transcriber(data, taught=taught, **options)
    if name == "basic-transcription":
        return read_exmaralda(data, taught=taught, **options)
    if name == "TEI":
        return read_tei(root, taught=taught)
    record = next((child for child in root if _local(child.tag) == "record"), None)
    if record is None:
        raise Unreadable(_UNKNOWN)
    return _ohms_record(record, without, taught)


def _text(element) -> str:
    return "".join(element.itertext()).strip() if element is not None else ""


def _ohms_record(record, without: Collection[str], taught: Sequence[Convention]) -> ParsedTranscript:
    fields = {_local(child.tag): child for child in record}
    transcript, captions = _text(fields.get("transcript")), _text(fields.get("vtt_transcript"))
    if transcript:
        parsed = read_layout(transcript, by_line=False, without=without, taught=taught)
    elif captions:
        parsed = read_subtitles(captions.encode("utf-8"), "vtt", lenient=True, taught=taught)
    else:
        raise Unreadable("is an oral-history record with no transcript (its 'transcript' element is empty); "
                         "export the record again after the transcript is added")
    metadata = {}
    for key in _HEADER_FIELDS:
        element = fields.get(key)
        value = _text(element) or (element.get("value", "").strip() if element is not None else "")
        if value and key.split("_")[0].capitalize() not in metadata:
            metadata[key.split("_")[0].capitalize()] = value
    header = "\n".join(metadata.values())  # the values as the record holds them; their keys are the metadata's
    notes = [text for point in _index_points(fields.get("index")) for key in _NOTE_FIELDS
             if (text := _text(next((c for c in point if _local(c.tag) == key), None)))]
    notes += [text for key in _RECORD_NOTES if (text := _text(fields.get(key)))]
    text = parsed.text + "".join(f"\n\n{note}" for note in notes)
    return replace(parsed, text=text, metadata={**metadata, **parsed.metadata},
                   header="\n".join(part for part in (header, parsed.header) if part))


def _index_points(index) -> list:
    return [point for point in index if _local(point.tag) == "point"] if index is not None else []
