"""Old and other word-processor formats (.doc, .odt, .rtf) into .docx, through LibreOffice, shut in.

LibreOffice fetches what a document links to while it opens it: a linked image,
an OLE object, a section or template on a web server (issue 12: a stranger's
.odt made the server GET the stranger's URL). So every conversion runs

- **without a network**: in a network namespace of its own (``unshare``), where
  not even loopback is up, whenever this machine allows one (checked once, at
  the first conversion); and always with a profile that blocks links from
  untrusted documents, never updates links, runs no macros and sends any
  internet request to a proxy that is not there: the only defence where
  ``unshare`` is refused, and a second one where it is not;
- **with a clean environment**: ``PATH``, ``LANG``, ``HOME`` and ``TMPDIR`` (its
  own folder), nothing of ours (the relay password, the database URL);
- **within limits**: address space, CPU seconds, size of any file it writes, no
  core file (``prlimit``), and a wall-clock time after which its whole process
  group is killed;
- with its **own throw-away profile and folder**, removed afterwards, the file
  under a name of ours (never the sender's).

Whether to convert at all is the caller's choice: the pipeline converts only
for a sender the directory knows (``reader.read_notice``'s ``convert``).
"""

from __future__ import annotations

import logging
import os
import resource
import shutil
import signal
import subprocess
import tempfile
import threading
from dataclasses import dataclass
from pathlib import Path

from escalations.intake.notices.formats import Format

log = logging.getLogger(__name__)

CONVERTIBLE = frozenset({Format.DOC, Format.ODT, Format.RTF})
SECONDS = 60.0  # LibreOffice's first start with a new profile takes a few seconds


@dataclass(frozen=True)
class Limits:
    seconds: float = SECONDS  # wall clock, then the process group is killed
    cpu_seconds: int = 60
    memory_bytes: int = 1024 * 1024 * 1024  # address space; a conversion needs about 250 MB
    file_bytes: int = 64 * 1024 * 1024  # any one file it writes (the .docx, its profile)
    max_bytes: int = 10_000_000  # the .docx we go on to read


class ConversionFailed(Exception):
    """LibreOffice could not make a .docx of the file; the message is safe to show the sender."""


@dataclass(frozen=True)
class Isolation:
    """How conversions are kept off the network on this machine."""

    prefix: tuple[str, ...]  # the command that runs soffice in a network namespace of its own; () when none
    description: str


def soffice() -> str | None:
    """The LibreOffice command, when it is installed."""
    return shutil.which("soffice") or shutil.which("libreoffice")


def to_docx(data: bytes, kind: Format, *, limits: Limits | None = None, isolation: Isolation | None = None) -> bytes:
    """The .docx LibreOffice makes of a .doc, .odt or .rtf file, made without network, secrets or profile of ours."""
    limits = limits or Limits()
    command = soffice()
    if command is None or kind not in CONVERTIBLE:
        raise ConversionFailed(f"{kind.value} files cannot be converted here.")
    isolation = isolation or network_isolation()
    with tempfile.TemporaryDirectory(prefix="escalations-convert-") as tmp:
        folder = Path(tmp)
        source = folder / f"notice{kind.value}"
        source.write_bytes(data)
        write_profile(folder / "profile")
        _run([*isolation.prefix, command, *_arguments(folder, source)], folder, limits, kind)
        converted = folder / "out" / "notice.docx"
        if not converted.is_file() or converted.stat().st_size > limits.max_bytes:
            raise ConversionFailed(_failed(kind))
        return converted.read_bytes()


def _arguments(folder: Path, source: Path) -> list[str]:
    return [
        f"-env:UserInstallation={(folder / 'profile').as_uri()}",
        "--headless",
        "--invisible",
        "--norestore",
        "--nologo",
        "--nolockcheck",
        "--nodefault",
        "--convert-to",
        "docx:MS Word 2007 XML",
        "--outdir",
        str(folder / "out"),
        str(source),
    ]


# --- the network ----------------------------------------------------------------------------------

_NAMESPACES = (
    ("--net",),  # as root
    ("--map-root-user", "--net"),  # as anyone, where user namespaces are allowed
)
_isolation: Isolation | None = None
_isolation_lock = threading.Lock()


def network_isolation() -> Isolation:
    """The way this machine takes the network away from a conversion, found once."""
    global _isolation
    with _isolation_lock:
        if _isolation is None:
            _isolation = detect_isolation()
            log.info("LibreOffice conversions: %s", _isolation.description)
        return _isolation


def detect_isolation() -> Isolation:
    """A network namespace where ``unshare`` works here; otherwise the profile alone keeps the network out."""
    unshare, true = shutil.which("unshare"), shutil.which("true")
    for flags in _NAMESPACES if unshare and true else ():
        prefix = (str(unshare), *flags, "--")
        if _starts(prefix, str(true)):
            return Isolation(prefix, f"in a network namespace of their own ({' '.join(prefix[1:-1])})")
    log.warning(
        "LibreOffice conversions run without a network namespace (unshare is missing or refused); "
        "only their profile blocks remote loading"
    )
    return Isolation((), "with remote loading blocked by their profile only (no network namespace here)")


def _starts(prefix: tuple[str, ...], true: str) -> bool:
    try:
        return (
            subprocess.run(
                [*prefix, true],
                env=_environment(Path(tempfile.gettempdir())),
                stdin=subprocess.DEVNULL,
                capture_output=True,
                timeout=10,
            ).returncode
            == 0
        )
    except (OSError, subprocess.SubprocessError):
        return False


# LibreOffice reads its settings from the profile's registrymodifications.xcu before it opens anything.
# A request it still makes goes to a proxy on loopback's discard port, which no conversion may reach.
_SETTINGS = {
    "/org.openoffice.Office.Common/Security/Scripting": {
        "BlockUntrustedRefererLinks": "true",  # links in a document outside the trusted locations: none here
        "DisableMacrosExecution": "true",
        "MacroSecurityLevel": "3",
    },
    "/org.openoffice.Office.Writer/Content/Update": {"Link": "0"},  # never update links
    "/org.openoffice.Inet/Settings": {
        "ooInetProxyType": "1",  # manual, with every scheme through the proxy below
        "ooInetNoProxy": "",
        **{
            f"ooInet{scheme}Proxy{part}": value
            for scheme in ("HTTP", "HTTPS", "FTP")
            for part, value in (("Name", "127.0.0.1"), ("Port", "9"))
        },
    },
}


def write_profile(profile: Path) -> None:
    """A new LibreOffice profile whose settings keep a document from reaching the network."""
    items = "".join(
        f'<item oor:path="{path}"><prop oor:name="{name}" oor:op="fuse"><value>{value}</value></prop></item>\n'
        for path, props in _SETTINGS.items()
        for name, value in props.items()
    )
    (profile / "user").mkdir(parents=True)
    (profile / "user" / "registrymodifications.xcu").write_text(
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        '<oor:items xmlns:oor="http://openoffice.org/2001/registry" xmlns:xs="http://www.w3.org/2001/XMLSchema" '
        f'xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">\n{items}</oor:items>\n',
        encoding="utf-8",
    )


# --- the process ----------------------------------------------------------------------------------


def _environment(folder: Path) -> dict[str, str]:
    """All soffice is given: no variable of ours (the relay password, the database URL) reaches it."""
    return {
        "PATH": os.environ.get("PATH") or os.defpath,
        "LANG": "C.UTF-8",
        "HOME": str(folder),
        "TMPDIR": str(folder),
    }


def _limited(command: list[str], limits: Limits) -> tuple[list[str], object]:
    """The command under ``prlimit`` where it is installed; otherwise the limits set in the child before exec."""
    wanted = {
        "as": (resource.RLIMIT_AS, limits.memory_bytes),
        "cpu": (resource.RLIMIT_CPU, limits.cpu_seconds),
        "fsize": (resource.RLIMIT_FSIZE, limits.file_bytes),
        "core": (resource.RLIMIT_CORE, 0),
    }
    values = {name: (which, _within_hard_limit(which, value)) for name, (which, value) in wanted.items()}
    found = shutil.which("prlimit")
    if found:
        return [found, *(f"--{name}={value}" for name, (_, value) in values.items()), "--", *command], None

    def lower() -> None:  # pragma: no cover - only where util-linux's prlimit is missing
        for which, value in values.values():
            resource.setrlimit(which, (value, value))

    return command, lower


def _within_hard_limit(which: int, value: int) -> int:
    """A limit may only be lowered: never ask for more than this process is allowed (or prlimit fails)."""
    hard = resource.getrlimit(which)[1]
    return value if hard == resource.RLIM_INFINITY else min(value, hard)


def _run(command: list[str], folder: Path, limits: Limits, kind: Format) -> None:
    command, preexec = _limited(command, limits)
    process = subprocess.Popen(
        command,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,  # its own process group: soffice and the soffice.bin it starts
        env=_environment(folder),
        cwd=folder,
        preexec_fn=preexec,  # type: ignore[arg-type]
    )
    try:
        process.wait(timeout=limits.seconds)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)  # the leader is alive until reaped, so the group is still ours
        process.wait()
        raise ConversionFailed(
            f"The {kind.value} file took too long to convert to Word format; "
            "please save it as a Word document (.docx) and send that."
        ) from None


def _failed(kind: Format) -> str:
    return (
        f"The {kind.value} file could not be converted to Word format (it may be damaged or "
        "password-protected); please save it as a Word document (.docx) and send that."
    )
