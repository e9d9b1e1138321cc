"""Old and other word-processor formats (.doc, .odt, .rtf) into .docx, through LibreOffice.

Only where ``soffice`` is installed. It runs headless in a temporary directory
of its own, with its own throw-away profile (so conversions never share or
lock one), under a file name of ours (never the sender's), and is killed with
everything it started when it takes longer than the time limit.
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import tempfile
from pathlib import Path

from escalations.intake.notices.formats import Format

CONVERTIBLE = frozenset({Format.DOC, Format.ODT, Format.RTF})
SECONDS = 60.0  # LibreOffice's first start with a new profile takes a few seconds


class ConversionFailed(Exception):
    """LibreOffice could not make a .docx of the file; the message is safe to show the sender."""


def soffice() -> str | None:
    """The LibreOffice command, when it is installed."""
    return shutil.which("soffice") or shutil.which("libreoffice")


def to_docx(data: bytes, kind: Format, *, seconds: float = SECONDS, max_bytes: int = 10_000_000) -> bytes:
    """The .docx LibreOffice makes of a .doc, .odt or .rtf file."""
    command = soffice()
    if command is None or kind not in CONVERTIBLE:
        raise ConversionFailed(f"{kind.value} files cannot be converted here.")
    with tempfile.TemporaryDirectory(prefix="escalations-convert-") as tmp:
        folder = Path(tmp)
        source = folder / f"notice{kind.value}"
        source.write_bytes(data)
        _run(
            [
                command,
                f"-env:UserInstallation={(folder / 'profile').as_uri()}",
                "--headless", "--norestore", "--nologo", "--nolockcheck", "--nodefault",
                "--convert-to", "docx:MS Word 2007 XML",
                "--outdir", str(folder / "out"),
                str(source),
            ],
            seconds,
            kind,
            home=folder,
        )
        converted = folder / "out" / "notice.docx"
        if not converted.is_file() or converted.stat().st_size > max_bytes:
            raise ConversionFailed(_failed(kind))
        return converted.read_bytes()


def _run(command: list[str], seconds: float, kind: Format, *, home: Path) -> None:
    process = subprocess.Popen(
        command,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,  # its own process group: soffice and the soffice.bin it starts
        env={**os.environ, "HOME": str(home)},
    )
    try:
        process.wait(timeout=seconds)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
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
