"""Showing what users wrote (transcript text, memos, code, file and user names) as text only,
and reporting the outcome of an action calmly.

Streamlit reads Markdown in labels, captions, messages and headers: links, images, colour
directives, icons and LaTeX. Whatever a user typed goes through ``plain`` before it reaches
one of those, or is shown with ``st.text`` or in a dataframe, which never interpret it.
"""
from __future__ import annotations

import html
import math
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
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
    "add_rater": "{hint}ask your study's admin to add them as a user",
    "name_raters": "choose at least two raters",
    "mark_done": "mark finished transcripts done on the Code page",
    "edit_decision": "choose 'Edit' to give the codes yourself",
    "choose_source": "adjudicate the raters' disagreements first, or choose a coder as the source",
    "participants_table": "give it as the participants CSV",
    "restore_code": "choose another code, or ask an admin to restore it on the Codebook page",
    "mark_done_anyway": "when nothing more is to be coded there, choose 'Mark done anyway'",
    "merge_speakers": "merge '{speaker}' into '{into}' instead (Fix after import, Speakers)",
    "move_transcript": "give the transcripts to them instead (Fix after import, Participant)",
    "name_the_speaker": "write the speaker's name, as the line shows it, in 'By this speaker'",
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
    """Show the messages kept by ``flash``: successes as toasts, problems in place, inside a
    container every run draws, so that a message never moves what is below it (the browser would
    draw an open expander anew, closed, with the form the user was working in)."""
    slot = st.container()
    for kind, text in st.session_state.pop(FLASH_KEY, []):
        if kind == "success":
            st.toast(plain(text), icon=":material/check_circle:")
        elif kind == "error":
            slot.error(plain_lines(text), icon=":material/error:")
        else:
            slot.warning(plain_lines(text), icon=":material/warning:")


@dataclass(frozen=True)
class Typed:
    """An argument of ``act`` read from a widget's state when the click acts, not when the page was
    drawn: text typed and then a button clicked straight away reaches the action (the button's
    arguments were fixed at the last run, before the text was typed)."""

    key: str

    def value(self) -> object:
        return st.session_state.get(self.key)


def act(action: Callable[..., object], *args, done: str | Callable[[object], str] = "Saved.", **kwargs) -> None:
    """For ``on_click``: run ``action`` and flash its outcome (``done``, or its error's message).
    ``Typed`` arguments are read from their widgets now."""
    args = tuple(a.value() if isinstance(a, Typed) else a for a in args)
    kwargs = {k: v.value() if isinstance(v, Typed) else v for k, v in kwargs.items()}
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


# How st.dataframe is given room for long text. Streamlit wraps cell text only in rows taller than
# 4rem, and a table stretched to its container widens its columns in proportion. So each column
# gets a width meant for the main area at 1280 px (MAIN_PX, sidebar open): numbers what they need,
# names and lists at most NAME_PX (they wrap), long text (the table's wide columns: definitions,
# quotes, cells) the rest, never under WIDE_MIN_PX; the rows as many lines as the longest cell then
# needs, at most MAX_LINES. A wider window stretches the columns; a table with more columns than
# 1280 px holds scrolls sideways, but no cell is cut to one line.
MAIN_PX, CHAR_PX, LINE_PX, MAX_LINES, NAME_PX, WIDE_MIN_PX = 820, 7.2, 21, 8, 120, 190


def wrapped(table, max_height: int = 620, width: int = MAIN_PX, selectable: bool = False) -> dict:
    """Arguments for ``st.dataframe`` of ``table`` (as ``table_styler`` draws it) that let long
    text wrap within ``width`` pixels: ``column_config`` widths, ``row_height`` and ``height``
    (merge a page's own column settings into them). Empty when every cell fits on one line."""
    labels, cells = _unique([c.label for c in table.columns]), table.cells()
    longest = [max([len(label)] + [len(row[n]) for row in cells]) for n, label in enumerate(labels)]
    need = [int(chars * CHAR_PX) + 24 for chars in longest]
    wide = [n for n, c in enumerate(table.columns) if c.wide and not c.numeric and need[n] > NAME_PX]
    if not wide and all(need[n] <= NAME_PX or c.numeric for n, c in enumerate(table.columns)):
        return {}
    widths = {n: need[n] if c.numeric else min(need[n], NAME_PX)
              for n, c in enumerate(table.columns) if n not in wide}
    room = width - sum(widths.values()) - (36 if selectable else 0)
    widths |= {n: max(WIDE_MIN_PX, room // len(wide)) for n in wide}
    lines = max(min(MAX_LINES, math.ceil(longest[n] * CHAR_PX / (w - 18))) for n, w in widths.items())
    row_height = max(66, 14 + LINE_PX * lines) if lines > 1 else 35
    return {"row_height": row_height, "height": min(38 + row_height * len(cells), max_height),
            "column_config": {labels[n]: st.column_config.Column(width=w) for n, w in widths.items()}}


def merged_config(room: dict, config: dict) -> dict:
    """``room["column_config"]`` (``wrapped``) with a page's own column settings laid over it, label by label."""
    widths = room.get("column_config", {})
    return {**widths, **{label: {**widths.get(label, {}), **{k: v for k, v in settings.items() if v is not None}}
                         for label, settings in config.items()}}  # a page's unset width keeps the wrapping one


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


def table_downloads(table, whole: Callable | None = None) -> None:
    """One download button per export format of a ``study.exports.Table``, in a row; ``whole``
    (of a paged table) builds the whole table when a button is pressed: a ``Table``, or a table
    without rows and its rows, written as they come (``exports.to_bytes``)."""
    columns = st.columns(len(TABLE_DOWNLOADS))  # wide enough for "Markdown" at 1280 px
    for column, (fmt, label) in zip(columns, TABLE_DOWNLOADS):
        column.download_button(
            label, data=lambda fmt=fmt: _file(whole() if whole else table, fmt), file_name=f"{table.name}{exports.EXTENSIONS[fmt]}",
            mime=exports.MEDIA_TYPES[fmt], icon=":material/download:", on_click="ignore", key=f"dl-{table.name}-{fmt}",
            width="stretch",
        )


def _file(whole, fmt: str) -> bytes:
    table, rows = whole if isinstance(whole, tuple) else (whole, None)
    return exports.to_bytes(table, fmt, rows)


# -- raters' colours: the Adjudicate card marks each rater's codings in that rater's colour ------

# Okabe and Ito's palette: told apart with every common colour-vision deficiency.
RATER_COLOURS = ("#0072B2", "#D55E00", "#009E73", "#CC79A7", "#E69F00", "#56B4E9", "#000000")


def rater_colour(index: int) -> str:
    return RATER_COLOURS[index % len(RATER_COLOURS)]


def highlighted_turn(text: str, pieces: Sequence, colour: str, rater: str) -> str:
    """A turn's text as HTML (escaped), each run the rater coded marked in ``colour``: a solid line
    under a disputed code, a dotted one under codes both agreed on. ``pieces``: ``disputes.Piece``."""
    parts = []
    for piece in pieces:
        chunk = html.escape(text[piece.start:piece.end])
        if not piece.codes:
            parts.append(chunk)
            continue
        line = "solid" if piece.disputed else "dotted"
        parts.append(f'<mark class="rater-span" data-rater="{html.escape(rater)}" '
                     f'title="{html.escape("; ".join(piece.codes))}" style="background: {colour}2e; color: inherit; '
                     f'border-bottom: 3px {line} {colour}; padding: 0 1px">{chunk}</mark>')
    return '<div class="turn-text" style="white-space: pre-wrap; overflow-wrap: anywhere">' + "".join(parts) + "</div>"


def page_number(key: str) -> int:
    """The page (from 1) the pager ``key`` shows, as last chosen: read before the page is fetched."""
    return int(st.session_state.get(key) or 1)


def first_page(key: str) -> None:
    """Back to the first page (a callback for a filter or order that changes what the pages hold)."""
    st.session_state.pop(key, None)


def pager(key: str, page, noun: str) -> None:
    """Which rows a paged table (``study.table.TablePage``) shows, with Previous, the page number
    and Next when there is more than one page."""
    if page.pages <= 1:
        st.caption(page.describe(noun) + ".")
        return
    st.session_state[key] = page.number  # the page shown, when the one asked for is past the last
    shown, back, number, forward = st.columns([3, 1, 1, 1], vertical_alignment="bottom")
    shown.caption(f"{page.describe(noun)} · page {page.number} of {page.pages}")
    back.button("Previous", key=f"{key}:previous", icon=":material/chevron_left:", width="stretch",
                disabled=page.number <= 1, on_click=st.session_state.__setitem__, args=(key, page.number - 1))
    number.number_input("Page", min_value=1, max_value=page.pages, step=1, key=key, label_visibility="collapsed")
    forward.button("Next", key=f"{key}:next", icon=":material/chevron_right:", width="stretch",
                   disabled=page.number >= page.pages, on_click=st.session_state.__setitem__,
                   args=(key, page.number + 1))
