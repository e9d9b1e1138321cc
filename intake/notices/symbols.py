"""Symbol fonts into Unicode: the check boxes and ticks Word draws with Wingdings.

A box ticked in an older form is often not "☒" but the letter "þ" (or the private
code point U+F0FE) in the Wingdings font, or a ``w:sym`` element naming the font
and code. Only boxes and ticks are kept; any other symbol-font character is a
picture, not a word, and is dropped rather than read as the letter it is stored as.
"""

from __future__ import annotations

from lxml.etree import _Element

W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
CHECKED, UNCHECKED, TICK, CROSS = "☒", "☐", "✓", "✗"

# Code points (the font's own byte) of boxes and ticks, from the fonts' published charts.
_FONTS: dict[str, dict[int, str]] = {
    "wingdings": {
        0x6F: UNCHECKED,
        0x70: UNCHECKED,
        0x71: UNCHECKED,
        0x72: UNCHECKED,
        0xA8: UNCHECKED,
        0x78: CHECKED,
        0xFD: CHECKED,
        0xFE: CHECKED,
        0xFB: CROSS,
        0xFC: TICK,
    },
    "wingdings 2": {
        0xA3: UNCHECKED,
        0x51: CHECKED,
        0x52: CHECKED,
        0x53: CHECKED,
        0x54: CHECKED,
        0x4F: CROSS,
        0x50: TICK,
    },
    "symbol": {0xD6: TICK},  # the radical sign √, a tick on many forms
}


def run_font(properties: _Element | None) -> str | None:
    """The symbol font a run is written in (its ``w:rFonts``), if it is one."""
    fonts = properties.find(W + "rFonts") if properties is not None else None
    if fonts is None:
        return None
    for name in ("ascii", "hAnsi"):
        font = (fonts.get(W + name) or "").strip().lower()
        if font in _FONTS:
            return font
    return None


def decode(text: str, font: str | None) -> str:
    """Text as shown: in a symbol font, its boxes and ticks, nothing else."""
    if font is None:
        return text
    return "".join(_FONTS[font].get(_code(char), "") for char in text)


def decode_sym(font: str | None, code: str | None) -> str:
    """A ``w:sym`` element (font name and hex code, e.g. Wingdings F0FE) as shown."""
    try:
        number = int(code or "", 16)
    except ValueError:
        return ""
    if not 0x20 <= number < 0x110000 or 0xD800 <= number <= 0xDFFF:
        return ""
    table = _FONTS.get((font or "").strip().lower())
    if table is not None:
        return table.get(_code(chr(number)), "")
    return "" if 0xE000 <= number <= 0xF8FF else chr(number)  # private use: a font's picture


def _code(char: str) -> int:
    """The font byte: Word stores symbol characters as U+F0xx or as the plain byte."""
    number = ord(char)
    return number - 0xF000 if 0xF000 <= number <= 0xF0FF else number
