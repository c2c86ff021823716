"""Bringing transcripts into a study and cutting them anew, one module per job.

- ``batch``: ``study import`` (``import_files``): one transaction per file, a summary for all;
- ``preview``: the dry run and the app's upload preview (``preview_files``): read, decide, store nothing;
- ``resegment``: ``study resegment``: cut stored transcripts anew, codings, memos and decisions carried;
- ``uploads``: the app's browser uploads, bytes in, through the same steps as ``batch``;
- ``reading`` (a batch's files and the documents each holds), ``storing`` (one document into the
  study) and ``carrying`` (codings, memos and decisions from old segments to new) serve them.
"""
