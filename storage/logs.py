"""Logging a failure without its message: exception text can quote a notice, a name or SQL parameters.

Logs carry message ids, case references and where the code failed, never
content (DESIGN.md, invariant 6 and the logging rule). The full error text is
kept with the message in the database, where the rest of its content is.
"""

from __future__ import annotations

import logging
import traceback


def log_failure(logger: logging.Logger, what: str, exc: BaseException, *args: object, level: int = logging.ERROR) -> None:
    """``what % args``, the exception's type, and the frames it passed through (file, line, function)."""
    frames = "".join(f"\n  {frame.filename}:{frame.lineno} in {frame.name}" for frame in traceback.extract_tb(exc.__traceback__))
    logger.log(level, f"{what} ({type(exc).__module__}.{type(exc).__qualname__}){frames}", *args)
