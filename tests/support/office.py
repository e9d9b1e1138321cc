"""Word-processor files we do not read ourselves, built to their specifications.

A Word 97-2003 file is a compound file ([MS-CFB]) holding a "WordDocument"
stream that opens with a FIB ([MS-DOC]); ``compound_file`` writes one (checked
against olefile, an independent reader, in the tests). A password-protected
.docx is made by msoffcrypto-tool (ECMA-376 agile encryption). An .odt is a zip
whose first, uncompressed member is its mimetype; an .rtf is text; winmail.dat
opens with the TNEF signature.
"""

from __future__ import annotations

import io
import struct
import zipfile
from collections.abc import Sequence
from xml.sax.saxutils import escape

from msoffcrypto.format.ooxml import OOXMLFile

_SECTOR = 512
_FREE, _END, _FAT = 0xFFFFFFFF, 0xFFFFFFFE, 0xFFFFFFFD
_MINI_CUTOFF = 4096


def compound_file(streams: dict[str, bytes]) -> bytes:
    """A version 3 compound file: header, one FAT sector, one directory sector, the streams.

    Every stream is padded to the mini-stream cutoff, so all live in ordinary sectors.
    """
    if len(streams) > 3:
        raise ValueError("one directory sector holds the root and three streams")
    padded = {name: data.ljust(_MINI_CUTOFF, b"\0") for name, data in streams.items()}
    fat = [_FAT, _END]
    starts = {}
    for name, data in padded.items():
        count = -(-len(data) // _SECTOR)
        starts[name] = len(fat)
        fat += [len(fat) + i + 1 for i in range(count - 1)] + [_END]
    if len(fat) > _SECTOR // 4:
        raise ValueError("streams too large for one FAT sector")
    names = list(padded)
    entries = [_entry("Root Entry", 5, child=1 if names else _FREE, start=_END, size=0)]
    for i, name in enumerate(names, start=1):
        right = i + 1 if i < len(names) else _FREE
        entries.append(_entry(name, 2, right=right, start=starts[name], size=len(padded[name])))
    directory = b"".join(entries).ljust(_SECTOR, b"\0")
    body = b"".join(data.ljust(-(-len(data) // _SECTOR) * _SECTOR, b"\0") for data in padded.values())
    fat_sector = struct.pack(f"<{_SECTOR // 4}I", *(fat + [_FREE] * (_SECTOR // 4 - len(fat))))
    return _header() + fat_sector + directory + body


def _header() -> bytes:
    header = bytearray(_SECTOR)
    header[0:8] = bytes.fromhex("D0CF11E0A1B11AE1")
    struct.pack_into("<HHHHH", header, 0x18, 0x3E, 3, 0xFFFE, 9, 6)
    struct.pack_into("<IIII", header, 0x2C, 1, 1, 0, _MINI_CUTOFF)  # FAT sectors, directory, txn, cutoff
    struct.pack_into("<IIII", header, 0x3C, _END, 0, _END, 0)  # mini FAT, DIFAT: none
    struct.pack_into("<109I", header, 0x4C, 0, *([_FREE] * 108))
    return bytes(header)


def _entry(name: str, kind: int, *, start: int, size: int, child: int = _FREE, right: int = _FREE) -> bytes:
    encoded = name.encode("utf-16-le") + b"\0\0"
    entry = bytearray(128)
    entry[: len(encoded)] = encoded
    struct.pack_into("<HBB", entry, 0x40, len(encoded), kind, 1)  # length, type, black
    struct.pack_into("<III", entry, 0x44, _FREE, right, child)  # left, right, child
    struct.pack_into("<IQ", entry, 0x74, start, size)
    return bytes(entry)


def word97_document(*, encrypted: bool = False) -> bytes:
    """A Word 97-2003 .doc as far as its container and FIB: the WordDocument stream's header."""
    fib = bytearray(_MINI_CUTOFF)
    struct.pack_into("<HHHHH", fib, 0, 0xA5EC, 0x00C1, 0, 0x0409, 0)
    struct.pack_into("<H", fib, 0x0A, 0x0100 if encrypted else 0)  # fEncrypted
    return compound_file({"WordDocument": bytes(fib), "1Table": b"\0" * 64})


def excel97_workbook() -> bytes:
    """Another kind of compound file altogether: not a notice."""
    return compound_file({"Workbook": b"\x09\x08" + b"\0" * 64})


def encrypted_docx(document: bytes, password: str = "safeguarding") -> bytes:
    """A .docx protected with a password to open, as Word's "Encrypt with Password" saves it."""
    out = io.BytesIO()
    OOXMLFile(io.BytesIO(document)).encrypt(password, out)
    return out.getvalue()


def odt_document(lines: Sequence[str]) -> bytes:
    """An OpenDocument text file of one paragraph per line."""
    paragraphs = "".join(f"<text:p>{escape(line)}</text:p>" for line in lines)
    content = (
        '<?xml version="1.0" encoding="UTF-8"?>'
        '<office:document-content xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0" '
        'xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0" office:version="1.2">'
        f"<office:body><office:text>{paragraphs}</office:text></office:body></office:document-content>"
    )
    return odt_package(content)


def odt_package(content: str) -> bytes:
    """An OpenDocument text package around ``content.xml``: the mimetype first and stored, then the manifest."""
    manifest = (
        '<?xml version="1.0" encoding="UTF-8"?>'
        '<manifest:manifest xmlns:manifest="urn:oasis:names:tc:opendocument:xmlns:manifest:1.0" manifest:version="1.2">'
        '<manifest:file-entry manifest:full-path="/" manifest:media-type="application/vnd.oasis.opendocument.text"/>'
        '<manifest:file-entry manifest:full-path="content.xml" manifest:media-type="text/xml"/>'
        "</manifest:manifest>"
    )
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as package:
        package.writestr("mimetype", "application/vnd.oasis.opendocument.text", zipfile.ZIP_STORED)
        package.writestr("content.xml", content, zipfile.ZIP_DEFLATED)
        package.writestr("META-INF/manifest.xml", manifest, zipfile.ZIP_DEFLATED)
    return buffer.getvalue()


def rtf_document(lines: Sequence[str]) -> bytes:
    body = "".join(line.replace("\\", "\\\\").replace("{", "\\{").replace("}", "\\}") + "\\par\n" for line in lines)
    return ("{\\rtf1\\ansi\\deff0{\\fonttbl{\\f0 Arial;}}\\f0\\fs22\n" + body + "}").encode("ascii")


def winmail_dat() -> bytes:
    """Outlook's TNEF wrapping: the signature, a key, then attributes (here one, the version)."""
    version = struct.pack("<BIIIH", 1, 0x00089006, 4, 0x00010000, 0)
    return bytes.fromhex("789F3E22") + struct.pack("<H", 0x0100) + version
