"""Every document is parsed in a child process, within a size, time, memory and page limit.

Whatever a document does to a parser (loops, balloons, crashes the
interpreter), the process that reads mail goes on: the child answers with the
labelled values it found or the problem to tell the sender, as JSON, and is
killed when it runs out of time.

Children come from a multiprocessing "forkserver": a clean, single-threaded
process started once (never a fork of ``serve``, which runs threads) that has
already imported the readers and the running script's own imports. A few
children (``ReaderPool``) live on and read document after document, so a
document costs a round trip on a pipe, not a fork, and each child keeps the
vocabularies it built. The limits stay per document: before reading one, the
child sets its address space (RLIMIT_AS) and the CPU time it may add; the
parent kills it at the wall time limit, and starts another for the next
document. A child is also replaced after it crashed or ran out of memory, after
``DOCUMENTS_PER_CHILD`` documents, or when its address space has grown. It
answers in JSON, never pickle: a process that has read hostile bytes is not
trusted to send objects. Python's XML is never used on a document; python-docx parses with lxml
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
import os
import resource
import sys
import threading
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass, field
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
POOL_SIZE = 2  # reader children at most; more readers at once wait for one
DOCUMENTS_PER_CHILD = 200  # then a child is replaced, whatever it has kept
MAX_CHILD_MEMORY = 192 * 1024 * 1024  # a child whose address space grew past this is replaced (one starts near 95 MB)


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


# --- the child ---------------------------------------------------------------------------------


def _serve_documents(connection: Connection) -> None:
    """A reader child's life: read one document a request, answer in JSON, until the parent goes.

    The limits are set afresh for each document before a byte of it is read: the
    address space (the soft RLIMIT_AS, which only this trusted code can raise again),
    and the CPU time it may add (a backstop: the parent kills the child at the wall
    time limit first). A child that ran out of memory answers and exits: what a
    failed allocation leaves behind is not worth reusing.
    """
    _lower(resource.RLIMIT_CORE, 0)  # a core file would hold the notice
    logging.getLogger("pdfminer").setLevel(logging.ERROR)  # damaged files are expected, not news
    while True:
        try:
            job = json.loads(connection.recv_bytes())
            data = connection.recv_bytes()
        except (EOFError, OSError):  # the parent has gone, or closed the pool
            return
        limits = Limits(**job["limits"])
        _limit_document(limits)
        try:
            answer = parse({**job, "limits": limits}, data)
            reply = json.dumps(answer).encode()
        except MemoryError:
            answer = {"values": [], "problems": [TOO_BIG_TO_READ]}
            reply = json.dumps(answer).encode()
        connection.send_bytes(reply)
        if answer["problems"] == [TOO_BIG_TO_READ]:
            return


def _limit_document(limits: Limits) -> None:
    _soft(resource.RLIMIT_AS, limits.memory_bytes)
    used = resource.getrusage(resource.RUSAGE_SELF)
    _soft(resource.RLIMIT_CPU, math.ceil(used.ru_utime + used.ru_stime + limits.seconds) + 1)


def _soft(which: int, value: int) -> None:
    """Set a soft limit, never above the hard one."""
    _, hard = resource.getrlimit(which)
    resource.setrlimit(which, (value if hard == resource.RLIM_INFINITY else min(value, hard), hard))


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
    its imports already made in the forkserver, that costs nothing per child.
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


@dataclass(eq=False)
class _Child:
    process: Any
    connection: Connection
    documents: int = 0


class ReaderPool:
    """At most ``size`` long-lived reader children, each reused for document after document.

    A child is replaced when it was killed at the time limit, stopped or crashed,
    ran out of memory, has read ``documents_per_child`` documents, or its address
    space grew past ``max_memory_bytes`` (or half a document's memory limit). A
    reader beyond ``size`` waits for a free child.
    """

    def __init__(
        self, size: int = POOL_SIZE, documents_per_child: int = DOCUMENTS_PER_CHILD, max_memory_bytes: int = MAX_CHILD_MEMORY
    ) -> None:
        self.size = size
        self.documents_per_child = documents_per_child
        self.max_memory_bytes = max_memory_bytes
        self._idle: list[_Child] = []
        self._busy: set[_Child] = set()
        self._starting = 0
        self._free = threading.Condition()
        self._closed = False

    def read(self, job: dict[str, Any], data: bytes) -> dict[str, Any]:
        """The child's answer to ``job`` on ``data`` (JSON-ready values, as ``parse`` gives)."""
        child = self._acquire()
        answered = False
        try:
            child.connection.send_bytes(json.dumps({**job, "limits": asdict(job["limits"])}).encode())
            child.connection.send_bytes(data)
            answer, answered = _answer(child.connection, child.process, job["limits"])
            answered = answered and isinstance(answer, dict) and answer.get("problems") != [TOO_BIG_TO_READ]  # it exits
            return answer
        except OSError:  # the child died before it took the document
            log.warning("reader process %s stopped before reading (exit code %s)", child.process.pid, child.process.exitcode)
            return {"values": [], "problems": [STOPPED]}
        finally:  # also on an interruption (the worker's budget): a child mid-document is never reused
            child.documents += 1
            self._release(child, answered, job["limits"])

    def children(self) -> list[int]:
        """The process ids of the children, idle and busy."""
        with self._free:
            return [child.process.pid for child in (*self._idle, *self._busy)]

    def close(self) -> None:
        """Stop the idle children now, and the busy ones as their documents are read."""
        with self._free:
            self._closed = True
            idle, self._idle = self._idle, []
            self._free.notify_all()
        for child in idle:
            _stop(child)

    def _acquire(self) -> _Child:
        with self._free:
            while not self._closed:
                while self._idle:
                    child = self._idle.pop()
                    if child.process.is_alive():
                        self._busy.add(child)
                        return child
                    _stop(child)  # died while idle: killed from outside, or the parent's pipe broke
                if len(self._busy) + self._starting < self.size:
                    self._starting += 1
                    break
                self._free.wait()
            else:
                raise ReaderUnavailable("the notice readers have been stopped")
        try:
            child = self._start()
        except BaseException:
            with self._free:
                self._starting -= 1
                self._free.notify()
            raise
        with self._free:
            self._starting -= 1
            self._busy.add(child)
        return child

    def _start(self) -> _Child:
        context = _forkserver()
        mine, theirs = context.Pipe(duplex=True)
        process = context.Process(target=_serve_documents, args=(theirs,), name="notice-reader", daemon=True)
        try:
            process.start()
        except OSError as exc:
            mine.close()
            raise ReaderUnavailable(f"could not start a reader process: {exc}") from exc
        finally:
            theirs.close()
        return _Child(process, mine)

    def _release(self, child: _Child, answered: bool, limits: Limits) -> None:
        keep = answered and child.process.is_alive() and not self._worn(child, limits)
        with self._free:
            self._busy.discard(child)
            keep = keep and not self._closed
            if keep:
                self._idle.append(child)
            self._free.notify()
        if not keep:
            _stop(child, idle=answered)

    def _worn(self, child: _Child, limits: Limits) -> bool:
        """Read enough documents, or grown: past our bound, or past half of what a document may use."""
        grown = _memory(child.process.pid) > min(self.max_memory_bytes, limits.memory_bytes // 2)
        return child.documents >= self.documents_per_child or grown


def _stop(child: _Child, idle: bool = True) -> None:
    """End a child: an idle one reads EOF and returns; one still reading a document is killed."""
    child.connection.close()
    if idle:
        child.process.join(1)
    if child.process.is_alive():
        child.process.kill()
        child.process.join(5)


def _memory(pid: int) -> int:
    """A child's address space, read by the parent (the child is not believed about itself).

    The address space, not the resident memory: it is what RLIMIT_AS limits, and a
    child grown near the next document's limit would fail that document.
    """
    try:
        with open(f"/proc/{pid}/status", encoding="ascii") as status:
            return next((int(line.split()[1]) * 1024 for line in status if line.startswith("VmSize:")), 0)
    except OSError:
        return 0


_pool_lock = threading.Lock()
_pool: ReaderPool | None = None
_pool_pid = 0


def readers() -> ReaderPool:
    """This process's pool of reader children, started with its first document."""
    global _pool, _pool_pid
    with _pool_lock:
        if _pool is None or _pool_pid != os.getpid():  # a forked process starts its own
            _pool, _pool_pid = ReaderPool(), os.getpid()
        return _pool


def close_readers() -> None:
    """Stop this process's reader children (at shutdown; the next document starts new ones)."""
    global _pool
    with _pool_lock:
        pool, _pool = (_pool, None) if _pool_pid == os.getpid() else (None, None)
    if pool is not None:
        pool.close()


def _in_child(job: dict[str, Any], data: bytes) -> dict[str, Any]:
    return readers().read(job, data)


def _answer(receiver: Connection, child: Any, limits: Limits) -> tuple[dict[str, Any], bool]:
    """The child's answer, and whether it gave one (if not, it is killed or has died)."""
    if not receiver.poll(limits.seconds):
        log.warning("reader process %s killed after %ss", child.pid, limits.seconds)
        child.kill()
        return {"values": [], "problems": [TOO_LONG]}, False
    try:
        return json.loads(receiver.recv_bytes(_RESULT_LIMIT)), True
    except (EOFError, OSError, ValueError):
        child.join(5)
        log.warning("reader process %s stopped without an answer (exit code %s)", child.pid, child.exitcode)
        return {"values": [], "problems": [STOPPED]}, False


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
