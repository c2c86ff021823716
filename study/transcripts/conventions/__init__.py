"""The general reader: a convention learned from the document itself, for layouts no module names.

``slots`` finds where labels can stand on each line (after a line number or a time; in brackets of
any kind, bold or italic, tags; before a colon; alone on a line), ``unlabelled`` the turns no name
opens (dash and arrow lines, questions as headings or numbered items, an unlabelled question above
a labelled answer), ``cells`` the rows of a table inside a document, ``colours`` speakers told apart by the colour of
their words in Word, and ``choice`` tries each shape as the document's convention and keeps the one
that explains most of the text with few names that recur and alternate. It competes with the
named layouts (``registry``), which stay as priors: a tie goes to them.
"""
from .choice import NAME, propose

__all__ = ["NAME", "propose"]
