"""Text as a database column holds it: PostgreSQL text refuses NUL, and no driver encodes a lone surrogate.

A value read from a stranger's mail (a header, a MAIL FROM, an error naming
one) with a NUL in it used to fail its transaction on every try. Every
session made by ``make_session_factory`` replaces such characters with
U+FFFD before a flush, whichever code set the value; the raw bytes of a
message are a binary column and never touched.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import inspect
from sqlalchemy.orm import Session


def storable(value: str) -> str:
    """``value`` with NUL and undecodable characters replaced by U+FFFD (unchanged when it has none)."""
    if value.isascii() and "\x00" not in value:
        return value
    try:
        data = value.encode("utf-8", "surrogateescape")
    except UnicodeEncodeError:  # a surrogate that never was a byte
        data = value.encode("utf-8", "replace")
    return data.decode("utf-8", "replace").replace("\x00", "\ufffd")


def make_text_storable(session: Session, _flush_context: Any, _instances: Any) -> None:
    """A ``before_flush`` hook: the loaded text attributes of new and changed rows, made storable."""
    for row in (*session.new, *session.dirty):
        state = inspect(row)
        for key, value in list(state.dict.items()):
            if isinstance(value, str) and key in state.mapper.column_attrs and (fixed := storable(value)) != value:
                setattr(row, key, fixed)
