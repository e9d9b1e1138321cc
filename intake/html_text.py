"""HTML into the text a person wrote, by a real HTML parser (lxml's libxml2), in linear time.

A regular expression over markup backtracks on hostile input (an unclosed
``<script`` run cost minutes of CPU, issue 12); libxml2's HTML parser reads the
markup once, recovering from anything. Scripts, styles and comments are dropped;
``<br>``, and the end of a paragraph, block, table row or list item, are line
breaks; the end of a table cell is a tab (a label cell and its answer cell read
as "Label<tab>answer"); every other tag boundary is a space; the source's own
line breaks and runs of spaces are one space (Outlook wraps its HTML at 76
characters); entities come out decoded.
The caller caps the length (``mime.MAX_TEXT_CHARS``): libxml2 runs in C and
cannot be interrupted by the worker's time budget.
"""

from __future__ import annotations

import lxml.etree
import lxml.html

import re

_LINE_AFTER = frozenset({"p", "div", "tr", "li", "h1", "h2", "h3", "h4", "h5", "h6", "table"})
_TAB_AFTER = frozenset({"td", "th"})
_SPACES = re.compile(r"[ \t\r\n\f]+")  # one class, one quantifier: linear
_DROPPED = ("script", "style", lxml.etree.Comment, lxml.etree.ProcessingInstruction)


def html_to_text(markup: str) -> str:
    """The text of ``markup`` with line breaks where the page breaks lines; "" when there is none."""
    root = _parse(markup)
    if root is None:
        return ""
    lxml.etree.strip_elements(root, *_DROPPED, with_tail=False)
    pieces: list[str] = []
    for event, element in lxml.etree.iterwalk(root, events=("start", "end")):
        if event == "start":
            pieces.append("\n" if element.tag == "br" else " ")
            pieces.append(_SPACES.sub(" ", element.text or ""))
        else:
            pieces.append("\n" if element.tag in _LINE_AFTER else "\t" if element.tag in _TAB_AFTER else " ")
            pieces.append(_SPACES.sub(" ", element.tail or ""))
    lines = []
    for line in "".join(pieces).split("\n"):
        cells = (" ".join(cell.split()) for cell in line.split("\t"))
        lines.append("\t".join(cell for cell in cells if cell))
    return "\n".join(lines)


def _parse(markup: str) -> lxml.etree._Element | None:
    # Bytes, so that a page declaring its own encoding is still read (lxml refuses a str with one).
    data = markup.replace("\x00", "").encode("utf-8", "replace")
    if not data.strip():
        return None
    parser = lxml.html.HTMLParser(encoding="utf-8", remove_comments=True, remove_pis=True, no_network=True)
    try:
        return lxml.html.document_fromstring(data, parser=parser)
    except (lxml.etree.ParserError, ValueError):
        return None
