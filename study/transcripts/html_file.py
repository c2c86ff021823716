"""Web pages (.html, .htm): a transcript saved from an oral history site, a podcast's page or a
wiki. The page is turned into Markdown-like text and read like a .md file: each block element a
line (paragraphs, list items, headings as '#' lines, table rows as tab-separated cells), bold and
italics as '**' and '*', so the layouts and the learned conventions see the labels the page shows.
Scripts, styles, navigation and a form's controls are not the transcript; the page's title is its first line.
"""
from __future__ import annotations

from html.parser import HTMLParser
from typing import Collection, Sequence

from .limits import Deadline, check_text_size
from .model import ParsedTranscript, Unreadable
from .registry import read_layout
from .taught import Convention
from .text import decode_text

_BLOCKS = frozenset("p div li tr h1 h2 h3 h4 h5 h6 blockquote section article header dd dt pre textarea "
                    "table ul ol dl figure figcaption address main".split())
# Not the transcript: code, the site's own chrome around the page, and a form's controls (a form
# itself may hold the whole page, as web frameworks write them; a textarea shows its text, often a
# transcript to copy). The head is not hidden as a whole: what it holds is the title, code and
# text-less tags, and a head left open (no </head>) holds the page.
_HIDDEN = frozenset("script style nav noscript template button select svg iframe footer aside".split())
_PREFORMATTED = frozenset(("pre", "textarea"))  # a plain-text transcript shown for reading or copying
_EMPHASIS = {"b": "**", "strong": "**", "i": "*", "em": "*"}


def read_html(data: bytes, *, without: Collection[str] = (), taught: Sequence[Convention] = (),
              **_options) -> ParsedTranscript:
    page = _Page()
    try:
        page.feed(decode_text(data))
        page.finish()
    except (AssertionError, ValueError) as exc:  # html.parser's own complaints about a broken page
        raise Unreadable(f"could not be read as a web page ({exc}); save it as .txt or .docx") from None
    text = page.text()
    check_text_size(len(text))
    if not text.strip():
        raise Unreadable("holds no text outside its scripts and styles; save the transcript as .txt or .docx")
    return read_layout(text, by_line=True, without=without, taught=taught)


class _Page(HTMLParser):
    """The page's visible text, one line per block; the title first."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.lines: list[tuple[str, str]] = []  # (line, what ends it: a paragraph's blank line or a break)
        self.line: list[str] = []
        self.hidden = 0  # depth inside elements that are not the transcript
        self.title: list[str] = []
        self.in_title = False
        self.cells = 0  # cells written on the current table row
        self.preformatted = 0  # depth inside <pre>, whose line breaks are the page's lines

    def handle_starttag(self, tag: str, attrs) -> None:
        if tag == "title":
            self.in_title = True
        elif tag in _HIDDEN:
            self.hidden += 1
        elif self.hidden:
            return
        elif tag in ("br", "hr"):
            self._end_line("\n" if tag == "br" else "\n\n")
        elif tag in _BLOCKS:
            self._end_line()
            self.preformatted += tag in _PREFORMATTED
            if tag in ("h1", "h2", "h3", "h4", "h5", "h6"):
                self.line.append("#" * int(tag[1]) + " ")
            elif tag == "li":
                self.line.append("- ")
        elif tag in ("td", "th"):
            if self.cells:
                self.line.append("\t")
            self.cells += 1
        elif tag in _EMPHASIS:
            self.line.append(_EMPHASIS[tag])

    def handle_endtag(self, tag: str) -> None:
        if tag == "title":
            self.in_title = False
        elif tag in _HIDDEN:
            self.hidden = max(0, self.hidden - 1)
        elif self.hidden:
            return
        elif tag in _BLOCKS:
            self._end_line()
            self.preformatted = max(0, self.preformatted - (tag in _PREFORMATTED))
        elif tag in _EMPHASIS:
            self.line.append(_EMPHASIS[tag])

    def handle_startendtag(self, tag: str, attrs) -> None:
        if not self.hidden and tag in ("br", "hr"):
            self._end_line("\n" if tag == "br" else "\n\n")

    def handle_data(self, data: str) -> None:
        if self.in_title:
            self.title.append(data)
        elif self.hidden:
            return
        elif self.preformatted and "\n" in data:  # each line a line; a blank one ends a paragraph
            first, *others = data.split("\n")
            self._add_words(first)
            for line in others:
                self._end_line("\n" if "".join(self.line).strip() else "\n\n")
                self._add_words(line)
        else:
            self._add_words(data)

    def _add_words(self, data: str) -> None:
        """Runs of blanks as one space, kept at the edges ("<b>Ana:</b> Yes")."""
        words = " ".join(data.split())
        self.line.append((" " if data[:1].isspace() else "") + words + (" " if data[-1:].isspace() and words else ""))

    def _end_line(self, end: str = "\n\n") -> None:
        line = " ".join("".join(self.line).split(" ")).strip(" ")
        line = line.replace("** **", " ").replace("****", "")  # emphasis closed and reopened around a space
        if line and line.strip("*#- \t"):
            self.lines.append((line, end))
        elif self.lines and end == "\n\n":
            self.lines[-1] = (self.lines[-1][0], end)  # a paragraph ends after its last break
        self.line, self.cells = [], 0

    def finish(self) -> None:
        """``close()`` in time linear in the page: what ``feed`` left unparsed starts with something
        never closed ("<a" with no ">" after it, "<!--" with no "-->"), which html.parser before
        Python 3.13.4 reads at close() in time quadratic in its length. Its openers that nothing
        closes are read as text (as close() reads them), the rest parsed."""
        deadline = Deadline()
        while self.rawdata.startswith("<"):
            deadline.check()
            tail, self.rawdata = self.rawdata, ""
            self.feed(_unclosed_as_text(tail))
        self.close()

    def text(self) -> str:
        self._end_line()
        title = " ".join("".join(self.title).split())
        lines = [(title, "\n\n"), *self.lines] if title else self.lines
        return "".join(line + end for line, end in lines)


_OPENER_CLOSED_BY = (("<!--", "-->"), ("<![", "]]>"), ("<", ">"))


def _unclosed_as_text(tail: str) -> str:
    """``tail`` (starting with an opener never closed) with that opener, and every opener after the
    last of its closers, escaped as text: each is read once, not once per opener before it."""
    escaped = {0}
    for opener, closer in _OPENER_CLOSED_BY:
        at = tail.find(opener, tail.rfind(closer) + 1)
        while at >= 0:
            escaped.add(at)
            at = tail.find(opener, at + 1)
    pieces, start = [], 0
    for at in sorted(escaped):
        pieces += [tail[start:at], "&lt;"]
        start = at + 1
    return "".join(pieces) + tail[start:]
