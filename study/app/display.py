"""Showing what users wrote (transcript text, memos, code, file and user names) as text only,
and reporting the outcome of an action calmly.

Streamlit reads Markdown in labels, captions, messages and headers: links, images, colour
directives, icons and LaTeX. Whatever a user typed goes through ``plain`` before it reaches
one of those, or is shown with ``st.text`` or in a dataframe, which never interpret it.
"""
from __future__ import annotations

import re
from collections.abc import Callable
from typing import TypeVar

import pandas as pd
import streamlit as st

from study import exports
from study.errors import StudyError, worded

T = TypeVar("T")
FLASH_KEY = "flash"

# CommonMark's backslash escapes cover these; ":" (Streamlit's icon and colour directives) and
# "$" (LaTeX) are escaped too. A leading "-+#>" or "1." would start a list, heading or quote.
_SPECIAL = re.compile(r"([\\`*_{}\[\]()<>#+\-.!|~:$&=])")


def plain(text: object) -> str:
    """``text`` escaped so that Streamlit's Markdown shows it literally, on one line."""
    return _SPECIAL.sub(r"\\\1", " ".join(str(text if text is not None else "").split()))


def plain_lines(text: object) -> str:
    """Like ``plain`` but keeping line breaks (each line escaped, joined with Markdown hard breaks)."""
    lines = str(text if text is not None else "").splitlines()
    return "  \n".join(plain(line) for line in lines if line.strip())


def labelled(label: str, text: str) -> None:
    """A quiet bold label over a user's text, shown literally; nothing when the text is empty."""
    if text and text.strip():
        st.markdown(f"**{label}**  \n{plain_lines(text)}")


# How the app words each remedy a library error names (study.errors): a button, a page, a person.
REMEDIES = {
    "replace": "tick 'Replace transcripts of the same name' to replace it (codings on unchanged text are kept)",
    "list_transcripts": "the Transcripts page lists them",
    "list_transcripts_and_participants": "the Transcripts page lists them",
    "show_codebook": "the Codebook page lists them",
    "load_codebook": "an admin imports one on the Codebook page",
    "import_transcripts": "an admin imports them on the Transcripts page",
    "add_user": "ask your study's admin to add them",
    "list_users": "{hint}raters are the users who coded",
    "name_raters": "choose at least two raters",
    "mark_done": "mark finished transcripts done on the Code page",
    "edit_decision": "choose 'Edit' to give the codes yourself",
    "choose_source": "adjudicate the raters' disagreements first, or choose a coder as the source",
    "participants_table": "give it as the participants CSV",
    "restore_code": "choose another code, or ask an admin to restore it on the Codebook page",
    "merge_speakers": "merge '{speaker}' into '{into}' instead (Fix after import, Speakers)",
    "move_transcript": "give the transcripts to them instead (Fix after import, Participant)",
}


def said(exc: BaseException) -> str:
    """A library error as the app says it (remedies as buttons and pages)."""
    return worded(exc, REMEDIES)


def error(exc: BaseException) -> None:
    """A library error as a calm message (its text is shown literally)."""
    st.error(plain_lines(said(exc)), icon=":material/error:")


def attempt(action: Callable[..., T], *args, **kwargs) -> T | None:
    """Run ``action``; on a StudyError show its message and return None."""
    try:
        return action(*args, **kwargs)
    except StudyError as exc:
        error(exc)
        return None


def flash(kind: str, text: str) -> None:
    """Keep a message for the next run of the page (from a widget callback, which draws nothing)."""
    st.session_state.setdefault(FLASH_KEY, []).append((kind, text))


def show_flash() -> None:
    """Show the messages kept by ``flash``: successes as toasts, problems in place."""
    for kind, text in st.session_state.pop(FLASH_KEY, []):
        if kind == "success":
            st.toast(plain(text), icon=":material/check_circle:")
        elif kind == "error":
            st.error(plain_lines(text), icon=":material/error:")
        else:
            st.warning(plain_lines(text), icon=":material/warning:")


def act(action: Callable[..., object], *args, done: str | Callable[[object], str] = "Saved.", **kwargs) -> None:
    """For ``on_click``: run ``action`` and flash its outcome (``done``, or its error's message)."""
    try:
        result = action(*args, **kwargs)
    except StudyError as exc:
        flash("error", said(exc))
    else:
        flash("success", done(result) if callable(done) else done)


def table_styler(table, colour: dict[str, Callable] | None = None):
    """A ``study.table.Table`` for ``st.dataframe`` as the CLI prints it, yet sortable: number
    columns hold the values (a page may colour them: ``colour`` maps a column key to a Styler
    function of the value) and show as the table's columns format them; other cells are text."""
    labels = _unique([c.label for c in table.columns])
    frame = pd.DataFrame({
        label: pd.Series([row.get(c.key) if c.numeric else c.text(row.get(c.key)) for row in table.rows],
                         dtype=object if c.numeric else str)
        for label, c in zip(labels, table.columns)
    }, columns=labels)
    styler = frame.style.format({label: _shown_as(c) for label, c in zip(labels, table.columns) if c.numeric})
    for key, paint in (colour or {}).items():
        styler = styler.map(paint, subset=[label for label, c in zip(labels, table.columns) if c.key == key])
    return styler


def _shown_as(column) -> Callable:
    return lambda value: column.text(None if value is None or pd.isna(value) else value)


def _unique(labels: list[str]) -> list[str]:
    seen: dict[str, int] = {}
    result = []
    for label in labels:
        seen[label] = seen.get(label, 0) + 1
        result.append(label if seen[label] == 1 else f"{label} ({seen[label]})")
    return result


TABLE_DOWNLOADS = (("docx", "Word"), ("latex", "LaTeX"), ("csv", "CSV"), ("xlsx", "Excel"), ("md", "Markdown"))


def table_downloads(table) -> None:
    """One download button per export format of a ``study.exports.Table``, in a row."""
    columns = st.columns(len(TABLE_DOWNLOADS) + 2)
    for column, (fmt, label) in zip(columns, TABLE_DOWNLOADS):
        column.download_button(
            label, data=lambda fmt=fmt: exports.to_bytes(table, fmt), file_name=f"{table.name}{exports.EXTENSIONS[fmt]}",
            mime=exports.MEDIA_TYPES[fmt], icon=":material/download:", on_click="ignore", key=f"dl-{table.name}-{fmt}",
            width="stretch",
        )
