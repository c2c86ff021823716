"""Every ``study`` command: the module that defines it and its short help, so that ``study --help``
lists them all and a command imports only its own module (click's "lazily loading subcommands").

tests/test_startup.py checks this table against the commands themselves, so it cannot drift.
"""
from __future__ import annotations

# name -> (module in study.cli, the command's short help as click makes it from the docstring)
COMMANDS: dict[str, tuple[str, str]] = {
    "adjudicate": ("agreement_cmds", 'Build the consensus codings: carry agreed codes, then resolve disagreements.'),
    "agreement": ("agreement_cmds", 'Agreement between raters per code (alpha, kappa, AC1, percent), per theme and overall; with --by, per transcript or per pair of raters.'),
    "app": ("app_cmds", 'Serve the browser app (Streamlit) on this study.'),
    "archive": ("archive_cmds", "Write the whole study as plain, diffable files (for version control or a paper's artifact)."),
    "check": ("store_cmds", "Check the study database for damage: SQLite's integrity and foreign-key checks (on PostgreSQL, rows referring to missing rows)."),
    "codebook": ("codebook_cmds", "Load, show, export and edit the study's codebook (a tree of codes)."),
    "codings": ("coding_cmds", "Import, export, apply and undo a rater's codings."),
    "conventions": ("transcript_cmds", "List the turn conventions this study keeps (taught with --speaker-example or --speaker-pattern and --save-convention); every import reads with them. Forget one with --forget N."),
    "decisions": ("agreement_cmds", "List the decisions on the raters' disagreements, newest first: the consensus codes each set, by whom and why."),
    "demo": ("app_cmds", 'Build the bundled sample study (first run only) and open the app on it.'),
    "disagreements": ("agreement_cmds", "List the units where the raters' codes differ, with each rater's codes."),
    "exclude": ("exclusion_cmds", "Leave a transcript, or a participant's every transcript, out of findings and agreement (kept; undo with `study include`)."),
    "fix": ("fix_cmds", 'Correct a transcript after import: speakers, turns, a typo, its participant (codings, memos and decisions follow).'),
    "import": ("transcript_cmds", 'Import transcripts (.docx .txt .md .vtt .srt .sbv .smi .ass .ttml .eaf .trs .exb .TextGrid .cha .xml .pdf .odt .rtf .doc, speaker tables .csv .tsv .xlsx, survey .csv) or folders of them.'),
    "include": ("exclusion_cmds", 'Count an excluded transcript or participant again.'),
    "init": ("transcript_cmds", 'Create an empty study database (or check an existing one).'),
    "irr": ("agreement_cmds", 'Every agreement coefficient for a ratings CSV (header: rater names; one row per unit).'),
    "participants": ("transcript_cmds", 'List participants, their transcripts and attributes.'),
    "qdpx": ("exchange_cmds", 'Exchange a study with other QDA tools (MAXQDA, ATLAS.ti, NVivo, ...) as a REFI-QDA .qdpx project.'),
    "quotes": ("findings_cmds", 'Every coded span or segment for a code across the study, with participant, transcript, position and rater(s).'),
    "remove": ("exclusion_cmds", 'Delete a transcript (or a participant and their transcripts) with its codings, memos and decisions; the audit log keeps all of it.'),
    "report": ("findings_cmds", 'One document: methods, numbered tables and figures, and an appendix of quotes.'),
    "resegment": ("transcript_cmds", 'Cut transcripts anew (all, or those named), carrying codings over by overlap.'),
    "restore": ("archive_cmds", "Rebuild an archived study in an empty database (--db), after checking every file's hash."),
    "saturation": ("findings_cmds", 'New and cumulative unique codes per participant in interview order, and where saturation came.'),
    "retrieve": ("search_cmds", "A code's definition and every segment and span a rater applied it to (done or not), each with its place: what the Code page's side panel shows while coding."),
    "search": ("search_cmds", 'Find every turn whose words match: words (all of them, any order), "a phrase", or a prefix*; case and accents do not matter.'),
    "segments": ("transcript_cmds", "List one transcript's segments with speaker, role, offsets and text."),
    "speakers": ("transcript_cmds", "List a transcript's speakers with role, turns and words; change a role with --set-role."),
    "suggest": ("exchange_cmds", "Suggest codes from the codebook's keywords, and measure suggestions against a human rater."),
    "table": ("findings_cmds", "The paper's tables: frequency, matrix, factors, demographics, co-occurrence, framework."),
    "transcripts": ("transcript_cmds", 'List the transcripts with participant, segments and words.'),
    "user": ("coding_cmds", 'Accounts for the browser app.'),
}
