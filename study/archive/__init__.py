"""A study as plain, diffable files, and back: ``archive`` writes a folder, ``restore`` rebuilds
the same study from it in an empty database.

The folder (every file UTF-8, rows in a stable order, so an unchanged study archives to the
same bytes and a changed one to a readable diff)::

    manifest.json            format, schema version, rows per table, SHA-256 of every file
    tables/<table>.jsonl     every row of every table, every column: what restore reads
                             (tables/audit_log.jsonl is the audit log as JSON lines)
    transcripts/<n>-<name>.txt           a transcript's text (tables/transcripts.jsonl points here)
    transcripts/<n>-<name>.segments.csv  its segments with their offsets into that text
    codebook.yaml, participants.csv, codings/<rater>.csv (the consensus too), decisions.csv,
    memos.csv, done.csv      the same content, shaped for reading

Tables are exported generically (all columns, whatever their number), so columns and tables a
newer schema adds travel without a change here. Sign-in sessions, remembered browsers and
throttles are left out (they are not the study); password hashes only when asked for.

The package: ``folder`` (the manifest, paths kept inside the folder, writing in place),
``writing`` (archive), ``rows`` (archived rows checked against the schema), ``restoring`` (restore).
"""
from __future__ import annotations

from .folder import FORMAT, FORMAT_VERSION, MANIFEST
from .restoring import KEPT_ON_RESTORE, Account, Restored, restore
from .writing import NOT_ARCHIVED, archive

__all__ = ["FORMAT", "FORMAT_VERSION", "KEPT_ON_RESTORE", "MANIFEST", "NOT_ARCHIVED", "Account", "Restored",
           "archive", "restore"]
