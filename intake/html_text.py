"""HTML into the text a person wrote, by a real HTML parser (lxml's libxml2), in linear time.

A regular expression over markup backtracks on hostile input (an unclosed
``<script`` run cost minutes of CPU, issue 12); libxml2's HTML parser reads the
markup once, recovering from anything. Scripts, styles and comments are dropped;
``<br>``, and the end of a paragraph, block, table row or list item, are line
breaks, except at the end of a cell in a row of cells; the end of a table cell is a tab (a label
cell and its answer cell read as "Label<tab>answer", paragraphs in them or not); every other tag boundary is a space; the source's own
line breaks and runs of spaces are one space (Outlook wraps its HTML at 76
characters); entities come out decoded.
The caller caps the length (``mime.MAX_TEXT_CHARS``): libxml2 runs in C and
cannot be interrupted by the worker's time budget.
"""

from __future__ import annotations

import re
from itertools import islice

import lxml.etree
import lxml.html

_LINE_AFTER = frozenset(
    {"p", "div", "tr", "li", "h1", "h2", "h3", "h4", "h5", "h6", "table", "dt", "dd", "dl", "ul", "ol", "blockquote", "pre", "hr"}
    | {"section", "article", "header", "footer", "address"}
)
_BOLD_LABEL = "x-bold-label"  # a bold label opening a paragraph, its answer after it (made by ``_bold_labels``)
_TAB_AFTER = frozenset({"td", "th", _BOLD_LABEL})
_BOLD = re.compile(r"font-weight\s*:\s*(?:bold|[6-9]00)", re.IGNORECASE)
_LABEL_CHARS = 60  # a bold run longer than this is emphasis in prose, not a label
_LOOKED_AT = 12  # nodes looked at from a paragraph's start for its first words
_SPACES = re.compile(r"[ \t\r\n\f]+")  # one class, one quantifier: linear
_DROPPED = ("script", "style", lxml.etree.Comment, lxml.etree.ProcessingInstruction)


def html_to_text(markup: str) -> str:
    """The text of ``markup`` with line breaks where the page breaks lines; "" when there is none."""
    root = _parse(markup)
    if root is None:
        return ""
    lxml.etree.strip_elements(root, *_DROPPED, with_tail=False)
    _cells_on_one_line(root)
    _bold_labels(root)
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


def _cells_on_one_line(root: lxml.etree._Element) -> None:
    """In a row of two or more cells, the paragraph each cell ends with ends no line: Outlook puts
    every cell's text in a paragraph, and the row must stay one "Label<tab>answer" line.

    Only rows with no table inside them (the innermost), found in one pass up from each table,
    so that every element is visited a bounded number of times however deep tables nest.
    """
    holding: set[lxml.etree._Element] = set()  # elements with a table somewhere inside
    for table in root.iter("table"):
        parent = table.getparent()
        while parent is not None and parent not in holding:
            holding.add(parent)
            parent = parent.getparent()
    for row in root.iter("tr"):
        cells = [cell for cell in row if cell.tag in _TAB_AFTER]
        if len(cells) < 2 or row in holding:
            continue
        for cell in cells:
            _no_break_at_end(cell)


def _bold_labels(root: lxml.etree._Element) -> None:
    """ "<p><b>Name of worker</b> Al Smith</p>": a paragraph opening with a short bold run and going
    on in plain text reads as a label cell and its answer ("Name of worker<tab>Al Smith"), as a
    colon would have said; a bold run ending in punctuation already says where it ends."""
    for block in root.iter("p", "div", "li", "dd"):
        if (block.text or "").strip():
            continue
        first = next((el for _, el in zip(range(_LOOKED_AT), block.iterdescendants()) if isinstance(el.tag, str)), None)
        bold, steps = first, 0
        while bold is not None and not _is_bold(bold) and not (bold.text or "").strip() and len(bold) and steps < _LOOKED_AT:
            bold, steps = bold[0], steps + 1  # <span><b>…</b></span>: the bold run inside the first element
        if bold is None or not _is_bold(bold) or bold.getparent() is None:
            continue
        words = " ".join(islice(bold.itertext(), _LOOKED_AT)).strip()
        siblings = islice(bold.itersiblings(), _LOOKED_AT)
        after = (bold.tail or "").strip() or any((sibling.text or sibling.tail or "").strip() for sibling in siblings)
        if 0 < len(words) <= _LABEL_CHARS and words[-1] not in ":?.!-–|=" and after and "\n" not in words:
            bold.tag = _BOLD_LABEL


def _is_bold(element: lxml.etree._Element) -> bool:
    return element.tag in ("b", "strong") or bool(_BOLD.search(element.get("style") or ""))


def _no_break_at_end(cell: lxml.etree._Element) -> None:
    """The paragraph (or line break) a cell ends with ends no line; breaks inside the cell stay
    ("<p>Label</p><p>Answer</p>" in one cell is still a label over its answer)."""
    node = cell
    while True:
        children = [child for child in node if isinstance(child.tag, str)]
        if not children or (children[-1].tail or "").strip():
            return
        node = children[-1]
        if node.tag in _LINE_AFTER or node.tag == "br":
            node.tag = "span"


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
