"""Text made safe for the markup languages files are written in: Markdown and LaTeX.

The one home of escaping: tables (``exports``), the report, the codebook's Markdown and the CLI's
``--format md`` listings all escape through here, so a name with ``*``, ``|`` or ``%`` in it reads
the same literal text wherever it lands.

Example::

    markdown_cell("Model_search | *fast*\\nsecond line")  # 'Model\\_search \\| \\*fast\\*<br>second line'
"""
from __future__ import annotations

import re

_MARKDOWN_SPECIAL = re.compile(r"([\\`*_\[\]<>|~#])")
_MARKDOWN_BULLET = re.compile(r"^(\s*)([-+=])")
_MARKDOWN_NUMBERED = re.compile(r"^(\s*\d+)([.)])")

_LATEX_SPECIALS = {
    "\\": r"\textbackslash{}", "&": r"\&", "%": r"\%", "$": r"\$", "#": r"\#", "_": r"\_",
    "{": r"\{", "}": r"\}", "~": r"\textasciitilde{}", "^": r"\textasciicircum{}",
    "<": r"\textless{}", ">": r"\textgreater{}", "|": r"\textbar{}",
}
_LATEX_PATTERN = re.compile("|".join(re.escape(k) for k in _LATEX_SPECIALS))


def markdown_escape(text: str) -> str:
    """``text`` with Markdown's special characters backslash-escaped, so it renders literally;
    line starts that Markdown would read as a list or a heading underline escaped too."""
    lines = _MARKDOWN_SPECIAL.sub(r"\\\1", text).split("\n")
    return "\n".join(_MARKDOWN_NUMBERED.sub(r"\1\\\2", _MARKDOWN_BULLET.sub(r"\1\\\2", line)) for line in lines)


def markdown_cell(text: str) -> str:
    """``text`` for one Markdown table cell (or one inline run): special characters escaped (no line
    starts there to mistake for a list), runs of spaces as one, lines joined by ``<br>``, empty ones dropped."""
    lines = (" ".join(line.split()) for line in text.splitlines())
    return "<br>".join(_MARKDOWN_SPECIAL.sub(r"\\\1", line) for line in lines if line)


def latex_escape(text: str) -> str:
    """Text with LaTeX's special characters escaped (in one pass, so escapes are not re-escaped)."""
    text = _LATEX_PATTERN.sub(lambda m: _LATEX_SPECIALS[m.group()], text)
    return re.sub(r"\s*\n\s*", r" \\newline ", text.strip())
