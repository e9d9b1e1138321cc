"""What kind of document an attachment is, from its first bytes rather than its name.

A file's name and MIME type are what the sender's computer guessed; the bytes
say what it is. ``notice_format`` trusts the bytes wherever they are decisive
and falls back on the declared kind only where they are not (an empty or
damaged file, a zip or Office container we cannot tell apart), so the reader
named by the sender reports the damage in its own words.
"""

from __future__ import annotations

import struct
from enum import Enum
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from escalations.intake.notices.reader import Attachment


class Format(str, Enum):
    DOCX = ".docx"
    PDF = ".pdf"
    DOC = ".doc"  # Word 97-2003
    ENCRYPTED = "password-protected"  # an Office file inside an encryption container
    ODT = ".odt"
    RTF = ".rtf"
    TNEF = "winmail.dat"  # Outlook's Transport Neutral Encapsulation Format
    ZIP = "zip"  # some other zip package
    OLE = "ole"  # some other (or unreadable) Office 97-2003 container


NOTICE_FORMATS = frozenset(Format) - {Format.ZIP, Format.OLE}

_BY_CONTENT_TYPE = {
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document": Format.DOCX,
    "application/pdf": Format.PDF,
    "application/x-pdf": Format.PDF,
    "application/msword": Format.DOC,
    "application/vnd.oasis.opendocument.text": Format.ODT,
    "application/rtf": Format.RTF,
    "text/rtf": Format.RTF,
    "application/ms-tnef": Format.TNEF,
    "application/vnd.ms-tnef": Format.TNEF,
}
_BY_SUFFIX = {
    ".docx": Format.DOCX,
    ".pdf": Format.PDF,
    ".doc": Format.DOC,
    ".odt": Format.ODT,
    ".rtf": Format.RTF,
}

_OLE = bytes.fromhex("D0CF11E0A1B11AE1")
_TNEF = bytes.fromhex("789F3E22")
_ZIP = b"PK\x03\x04"
_ODT_MIMETYPE = b"mimetypeapplication/vnd.oasis.opendocument.text"
_PDF_SEARCH = 1024  # readers accept a header anywhere in the first kilobyte


def declared_format(filename: str | None, content_type: str) -> Format | None:
    """The kind the sender's mail program said the attachment is, if a notice kind."""
    name = (filename or "").strip().lower()
    if name == "winmail.dat":
        return Format.TNEF
    for suffix, kind in _BY_SUFFIX.items():
        if name.endswith(suffix):
            return kind
    return _BY_CONTENT_TYPE.get(content_type.split(";")[0].strip().lower())


def detect(data: bytes) -> Format | None:
    """The kind the bytes themselves show, or ``None`` when they show none we know."""
    if data.startswith(_ZIP):
        return _zip_kind(data)
    if data.startswith(_OLE):
        return _ole_kind(data)
    if data.startswith(b"{\\rtf"):
        return Format.RTF
    if data.startswith(_TNEF):
        return Format.TNEF
    if data.find(b"%PDF-", 0, _PDF_SEARCH) >= 0:
        return Format.PDF
    return None


def notice_format(filename: str | None, content_type: str, data: bytes) -> Format | None:
    """The kind to read an attachment as, or ``None`` when it is not a notice document."""
    found = detect(data)
    if found in NOTICE_FORMATS:
        return found
    return declared_format(filename, content_type)


def _zip_kind(data: bytes) -> Format:
    """An ODF text file names its kind in a first, uncompressed member; a .docx has word/document.xml."""
    if data[30:].startswith(_ODT_MIMETYPE):
        return Format.ODT
    if b"word/document.xml" in data:
        return Format.DOCX
    return Format.ZIP


# --- Office 97-2003 compound files ([MS-CFB]) -----------------------------------------------------

_END_OF_CHAIN = 0xFFFFFFFE
_FIB_ENCRYPTED = 0x0100  # [MS-DOC] FibBase: fEncrypted


def _ole_kind(data: bytes) -> Format:
    """A Word 97-2003 document, an encrypted Office file, or some other compound file."""
    try:
        compound = _CompoundFile(data)
        entries = compound.directory()
        if "EncryptedPackage" in entries:  # [MS-OFFCRYPTO]: a password-protected .docx
            return Format.ENCRYPTED
        if "WordDocument" in entries:
            (flags,) = struct.unpack_from("<H", compound.head(entries, "WordDocument"), 0x0A)
            return Format.ENCRYPTED if flags & _FIB_ENCRYPTED else Format.DOC
    except (struct.error, IndexError, ValueError):
        pass
    return Format.OLE


class _CompoundFile:
    """Just enough of a compound file to list its directory: header, FAT, directory chain."""

    def __init__(self, data: bytes) -> None:
        self.data = data
        shift = struct.unpack_from("<H", data, 0x1E)[0]
        if shift not in (9, 12):
            raise ValueError("sector size")
        self.size = 1 << shift
        self.limit = len(data) // self.size + 1  # no chain is longer than the file
        self.fat = self._fat()

    def directory(self) -> dict[str, tuple[int, int]]:
        """Stream and storage names -> (first sector, size)."""
        entries: dict[str, tuple[int, int]] = {}
        for sector in self._chain(struct.unpack_from("<I", self.data, 0x30)[0]):
            block = self.sector(sector)
            for at in range(0, self.size, 128):
                length = struct.unpack_from("<H", block, at + 0x40)[0]
                if 2 <= length <= 64 and block[at + 0x42] in (1, 2, 5):
                    name = block[at : at + length - 2].decode("utf-16-le", "replace")
                    start, size = struct.unpack_from("<IQ", block, at + 0x74)
                    entries[name] = (start, size if self.size == 4096 else size & 0xFFFFFFFF)
        return entries

    def head(self, entries: dict[str, tuple[int, int]], name: str) -> bytes:
        """The first bytes of a stream: its first sector, or, below the cutoff, its first
        64-byte mini sector, which lies in the mini stream held by the root entry."""
        start, size = entries[name]
        if size >= struct.unpack_from("<I", self.data, 0x38)[0]:
            return self.sector(start)
        offset = start * 64
        mini_stream = self._chain(entries["Root Entry"][0])
        block = self.sector(mini_stream[offset // self.size])
        return block[offset % self.size : offset % self.size + 64]

    def _fat(self) -> list[int]:
        sectors = [s for s in struct.unpack_from("<109I", self.data, 0x4C) if s < _END_OF_CHAIN]
        next_difat, count = struct.unpack_from("<II", self.data, 0x44)
        for _ in range(min(count, self.limit)):
            if next_difat >= _END_OF_CHAIN:
                break
            values = struct.unpack(f"<{self.size // 4}I", self.sector(next_difat))
            sectors += [s for s in values[:-1] if s < _END_OF_CHAIN]
            next_difat = values[-1]
        fat: list[int] = []
        for sector in sectors[: self.limit]:
            fat += struct.unpack(f"<{self.size // 4}I", self.sector(sector))
        return fat

    def _chain(self, sector: int) -> list[int]:
        chain: list[int] = []
        while sector < _END_OF_CHAIN:
            if len(chain) >= self.limit:
                raise ValueError("sector chain loops")
            chain.append(sector)
            sector = self.fat[sector]
        return chain

    def sector(self, number: int) -> bytes:
        start = (number + 1) * self.size
        block = self.data[start : start + self.size]
        if len(block) != self.size:
            raise ValueError("sector past the end of the file")
        return block


def is_notice_file(attachment: Attachment) -> bool:
    """A document a notice may be in, by its bytes or its name."""
    return notice_format(attachment.filename, attachment.content_type, attachment.data) is not None
