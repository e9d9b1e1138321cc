"""LibreOffice for the conversion tests: the binary, documents that link to a URL, and a listener for the fetch.

Each document is a notice (its name and date of birth read after conversion)
that also links something on a web server: an image, an OLE object, or, for
Word 97 and RTF, a picture field, a linked object and an attached template.
``Listener`` is a real HTTP server on loopback that records every request.
"""

from __future__ import annotations

import http.server
import os
import subprocess
import tempfile
import threading
from collections.abc import Sequence
from pathlib import Path
from xml.sax.saxutils import escape

import pytest

from escalations.intake.notices import conversion
from tests.support.office import odt_package

REQUIRE_SERVICES = os.environ.get("ESCALATIONS_REQUIRE_SERVICES") == "1"
PACKAGE = "libreoffice-writer-nogui"
LINES = ["Name of child: Jo Bloggs", "Date of birth: 14/02/2017"]


def soffice_binary() -> str:
    """LibreOffice's path; skips the test (fails it with ESCALATIONS_REQUIRE_SERVICES=1) if it is not installed."""
    found = conversion.soffice()
    if found:
        return found
    message = f"LibreOffice (soffice) is not installed: the conversion tests need the Debian package {PACKAGE}"
    if REQUIRE_SERVICES:
        pytest.fail(message)
    pytest.skip(message)


class Listener:
    """An HTTP server on 127.0.0.1 that answers 404 to everything and remembers what was asked."""

    def __init__(self) -> None:
        self.requests: list[str] = []
        seen = self.requests

        class Handler(http.server.BaseHTTPRequestHandler):
            def _any(self) -> None:
                seen.append(f"{self.command} {self.path}")
                self.send_response(404)
                self.send_header("Content-Length", "0")
                self.end_headers()

            do_GET = do_HEAD = do_POST = do_PUT = do_OPTIONS = do_PROPFIND = _any

            def log_message(self, *args: object) -> None:
                pass

        self._server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._thread = threading.Thread(target=self._server.serve_forever, name="fetch-listener", daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self._server.server_address[1]}"

    def __enter__(self) -> Listener:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(5)


_ODF = {
    "office": "urn:oasis:names:tc:opendocument:xmlns:office:1.0",
    "text": "urn:oasis:names:tc:opendocument:xmlns:text:1.0",
    "draw": "urn:oasis:names:tc:opendocument:xmlns:drawing:1.0",
    "svg": "urn:oasis:names:tc:opendocument:xmlns:svg-compatible:1.0",
    "xlink": "http://www.w3.org/1999/xlink",
}


def _frame(element: str, href: str) -> str:
    return (
        '<text:p><draw:frame svg:width="2cm" svg:height="2cm" text:anchor-type="as-char">'
        f'<draw:{element} xlink:href="{escape(href)}" xlink:type="simple" xlink:show="embed" xlink:actuate="onLoad"/>'
        "</draw:frame></text:p>"
    )


def linked_odt(url: str, element: str = "image", lines: Sequence[str] = LINES) -> bytes:
    """An OpenDocument notice with a linked (not embedded) image, or OLE object with ``element="object"``."""
    namespaces = " ".join(f'xmlns:{k}="{v}"' for k, v in _ODF.items())
    paragraphs = "".join(f"<text:p>{escape(line)}</text:p>" for line in lines)
    content = (
        f'<?xml version="1.0" encoding="UTF-8"?><office:document-content {namespaces} office:version="1.2">'
        f"<office:body><office:text>{paragraphs}{_frame(element, f'{url}/linked-{element}')}</office:text>"
        "</office:body></office:document-content>"
    )
    return odt_package(content)


def linked_rtf(url: str) -> bytes:
    """An RTF notice with an attached template, an INCLUDEPICTURE field and a linked object on ``url``.

    LibreOffice 7.4 fetches none of these even unprotected (the control test shows which kinds
    do); the file is here so a LibreOffice that learns to fetch them is caught.
    """
    lines = "".join(f"{line}\\par\n" for line in LINES)
    return (
        f"{{\\rtf1\\ansi\\deff0{{\\fonttbl{{\\f0 Arial;}}}}{{\\*\\template {url}/template.dot}}\\f0\\fs22\n{lines}"
        f'{{\\field{{\\*\\fldinst INCLUDEPICTURE "{url}/rtf-picture.png" \\\\d}}{{\\fldrslt }}}}\\par\n'
        f"{{\\object\\objautlink\\objw100\\objh100{{\\*\\objclass Word.Document.8}}{{\\*\\linkself {url}/rtf-object.doc}}"
        "{\\result x}}\\par\n}"
    ).encode("ascii")


def linked_doc(url: str) -> bytes:
    """A Word 97-2003 notice with a linked image: the linked .odt saved as .doc by LibreOffice itself,
    with its network taken away as the service takes it (so making it fetches nothing)."""
    with tempfile.TemporaryDirectory(prefix="escalations-test-doc-") as tmp:
        folder = Path(tmp)
        (folder / "notice.odt").write_bytes(linked_odt(url))
        conversion.write_profile(folder / "profile")
        subprocess.run(
            [
                *conversion.detect_isolation().prefix,
                soffice_binary(),
                f"-env:UserInstallation={(folder / 'profile').as_uri()}",
                "--headless",
                "--norestore",
                "--convert-to",
                "doc:MS Word 97",
                "--outdir",
                str(folder),
                str(folder / "notice.odt"),
            ],
            check=True,
            capture_output=True,
            timeout=120,
            env={"PATH": os.environ["PATH"], "HOME": tmp, "LANG": "C.UTF-8"},
        )
        data = (folder / "notice.doc").read_bytes()
    assert url.encode("utf-16-le") in data or url.encode() in data, "the .doc keeps the link"
    return data


def unprotected_conversion(data: bytes, suffix: str) -> None:
    """LibreOffice run as the service ran it before issue 12 (our environment, a default profile, the
    network): the control that shows a document's link is live."""
    with tempfile.TemporaryDirectory(prefix="escalations-test-control-") as tmp:
        folder = Path(tmp)
        (folder / f"notice{suffix}").write_bytes(data)
        subprocess.run(
            [
                soffice_binary(),
                f"-env:UserInstallation={(folder / 'profile').as_uri()}",
                "--headless",
                "--norestore",
                "--convert-to",
                "docx:MS Word 2007 XML",
                "--outdir",
                str(folder / "out"),
                str(folder / f"notice{suffix}"),
            ],
            check=True,
            capture_output=True,
            timeout=120,
            env={**os.environ, "HOME": tmp},
        )
