"""Every document is parsed in a child process, within a size, time, memory and page limit.

Whatever a document does to a parser (loops, balloons, crashes the
interpreter), the process that reads mail goes on: the child answers with the
labelled values it found or the problem to tell the sender, as JSON, and is
killed when it runs out of time.

Children come from a multiprocessing "forkserver": a clean, single-threaded
process started once (never a fork of ``serve``, which runs threads) that has
already imported the readers and the running script's own imports, so a child
costs a fork rather than a new interpreter: about 20 ms a document, against
0.6 s for the first, which starts the server. The child limits its own address
space (RLIMIT_AS) and CPU time before it reads a byte, and answers in JSON,
never pickle: a process that has just read hostile bytes is not trusted to send
objects. Python's XML is never used on a document; python-docx parses with lxml
with entity resolution off and no network (``docx.oxml.parser``), which the
tests check against XXE and billion-laughs packages.

``ISOLATED = False`` parses in this process instead: only for unit tests of pure
parsing, which gain speed and lose every limit but the page limit.
"""

from __future__ import annotations

import json
import logging
import math
import multiprocessing
import resource
import sys
import threading
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from multiprocessing.connection import Connection
from multiprocessing.context import BaseContext
from types import ModuleType
from typing import Any

from escalations.intake.notices.docx_reader import UnreadableDocument, read_docx
from escalations.intake.notices.fields import LabelledValue
from escalations.intake.notices.formats import Format
from escalations.intake.notices.pdf_reader import read_pdf
from escalations.intake.notices.profile import reading_vocabulary

log = logging.getLogger(__name__)

ISOLATED = True

TOO_LONG = "The attachment took too long to read; please send the Word form or a PDF saved from Word."
TOO_BIG_TO_READ = "The attachment needed more memory to read than we allow; please send the Word form or a PDF saved from Word."
STOPPED = "The attachment could not be read; please send the Word form or a PDF saved from Word."
TOO_MANY = "The attachment has more answers than a notice has; please send the notice form on its own."
# The parent normalises every value; a notice has a few dozen (a ruled form of every theme, perhaps 200).
MAX_VALUES = 5000
_RESULT_LIMIT = 64 * 1024 * 1024


@dataclass(frozen=True)
class Limits:
    max_bytes: int = 10_000_000  # checked before any process starts
    max_pages: int = 20
    seconds: float = 30.0  # wall clock, from start to answer
    memory_bytes: int = 1024 * 1024 * 1024  # the child's address space (a child starts near 60 MB)


@dataclass(frozen=True)
class Reading:
    """What one document gave: its labelled values, and anything to tell the sender about it."""

    values: list[LabelledValue] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)


class ReaderUnavailable(Exception):
    """No child process could be started (temporary: the message is tried again later)."""


def too_large(limit: int) -> str:
    return f"The attachment is larger than the {limit / 1_000_000:g} MB we read; please send the notice on its own."


def read_document(
    kind: Format, data: bytes, labels: Mapping[str, Sequence[str]] | None = None, limits: Limits = Limits()
) -> Reading:
    """The labelled values in a .docx or .pdf, read within ``limits``; ``labels``: a form profile's own."""
    if kind not in (Format.DOCX, Format.PDF):
        raise ValueError(f"no reader for {kind.value} files")
    if len(data) > limits.max_bytes:
        return Reading(problems=[too_large(limits.max_bytes)])
    own = {path: list(words) for path, words in (labels or {}).items()}
    job = {"kind": kind.value, "labels": own, "limits": limits}
    answer = _in_child(job, data) if ISOLATED else parse(job, data)
    return _reading(answer)


def parse(job: dict[str, Any], data: bytes) -> dict[str, Any]:
    """The reading as JSON-ready values: what the child sends back."""
    limits: Limits = job["limits"]
    vocabulary = reading_vocabulary(job["labels"])
    try:
        if job["kind"] == Format.PDF.value:
            found = read_pdf(data, vocabulary=vocabulary, max_pages=limits.max_pages)
            values, notes = found.values, found.notes
        else:
            values, notes = read_docx(data, max_bytes=limits.max_bytes, vocabulary=vocabulary), []
    except UnreadableDocument as exc:
        return {"values": [], "problems": [str(exc)]}
    except MemoryError:
        return {"values": [], "problems": [TOO_BIG_TO_READ]}
    except Exception as exc:  # a reader's own fault: the sender hears "could not be read", the log its kind
        return {"values": [], "problems": [STOPPED], "error": type(exc).__name__}
    return {"values": [[v.label, v.value, v.source, v.path, v.rule] for v in values], "problems": notes}


# --- the child ----------------------------------------------------------------------------------


def _child(connection: Connection, job: dict[str, Any], data: bytes) -> None:
    limits: Limits = job["limits"]
    _lower(resource.RLIMIT_AS, limits.memory_bytes)
    _lower(resource.RLIMIT_CPU, math.ceil(limits.seconds) + 1)  # a backstop: the parent kills it first
    _lower(resource.RLIMIT_CORE, 0)  # a core file would hold the notice
    logging.getLogger("pdfminer").setLevel(logging.ERROR)  # damaged files are expected, not news
    try:
        answer = json.dumps(parse(job, data)).encode()
    except MemoryError:
        answer = json.dumps({"values": [], "problems": [TOO_BIG_TO_READ]}).encode()
    connection.send_bytes(answer)
    connection.close()


def _lower(which: int, value: int) -> None:
    """Lower a limit for good (soft and hard), never above what this machine already allows."""
    _, hard = resource.getrlimit(which)
    value = value if hard == resource.RLIM_INFINITY else min(value, hard)
    resource.setrlimit(which, (value, value))


# --- the parent ---------------------------------------------------------------------------------

_context_lock = threading.Lock()
_context: BaseContext | None = None


def _forkserver() -> BaseContext:
    """The forkserver context, its server to preload the readers when it first starts."""
    global _context
    with _context_lock:
        if _context is None:
            context = multiprocessing.get_context("forkserver")
            context.set_forkserver_preload([__name__, *_main_imports()])
            _context = context
        return _context


def _main_imports() -> list[str]:
    """The modules the running script's top-level names come from.

    multiprocessing runs a script's ``__main__`` again in every child (the
    ``escalations`` command's is one import of ``escalations.service.cli``); with
    its imports already made in the forkserver, that costs nothing per document.
    """
    main = sys.modules.get("__main__")
    found = set()
    for value in vars(main).values() if main else ():
        owner = str(getattr(value, "__module__", ""))
        module = value if isinstance(value, ModuleType) else sys.modules.get(owner)
        name = getattr(module, "__name__", "")
        if module is not None and module is not main and name not in ("__main__", "__mp_main__"):
            found.add(name)
    return sorted(found)


def _in_child(job: dict[str, Any], data: bytes) -> dict[str, Any]:
    context = _forkserver()
    receiver, sender = context.Pipe(duplex=False)
    child = context.Process(target=_child, args=(sender, job, data), name="notice-reader", daemon=True)
    try:
        child.start()
    except OSError as exc:
        raise ReaderUnavailable(f"could not start a reader process: {exc}") from exc
    finally:
        sender.close()
    try:
        return _answer(receiver, child, job["limits"])
    finally:
        receiver.close()
        if child.is_alive():
            child.kill()
        child.join(5)


def _answer(receiver: Connection, child: Any, limits: Limits) -> dict[str, Any]:
    if not receiver.poll(limits.seconds):
        log.warning("reader process %s killed after %ss", child.pid, limits.seconds)
        return {"values": [], "problems": [TOO_LONG]}
    try:
        return json.loads(receiver.recv_bytes(_RESULT_LIMIT))
    except (EOFError, OSError, ValueError):
        child.join(5)
        log.warning("reader process %s stopped without an answer (exit code %s)", child.pid, child.exitcode)
        return {"values": [], "problems": [STOPPED]}


def _reading(answer: dict[str, Any]) -> Reading:
    """The child's JSON, checked for shape: it came from a process that read hostile bytes."""
    if not isinstance(answer, dict):
        return Reading(problems=[STOPPED])
    if answer.get("error"):
        log.warning("a notice reader failed with %s", answer["error"])
    try:
        values = [_value(item) for item in answer.get("values", [])]
        problems = [str(p) for p in answer.get("problems", [])]
    except (TypeError, ValueError):
        return Reading(problems=[STOPPED])
    if len(values) > MAX_VALUES:
        return Reading(problems=[TOO_MANY])
    return Reading(values, problems)


def _value(item: list[Any]) -> LabelledValue:
    """A value as the child sent it: label, value, source, and the field and rule it was placed by."""
    if not isinstance(item, list):
        raise TypeError("a value is a list")
    label, value, source, *placed = item
    path, rule = (placed + [None, None])[:2]
    return LabelledValue(
        str(label),
        str(value),
        str(source),
        str(path) if path is not None else None,
        str(rule) if rule is not None else None,
    )
