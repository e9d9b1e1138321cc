"""An equivalence oracle for the format readers: the same notice in every format reads as its .docx does.

No held-out notice is needed to find where a format loses structure: every
development design's Word notice is converted by the real LibreOffice to .doc,
.rtf, .odt and .pdf (and every design written as Word's HTML or RTF to .docx and
to each of those), and each converted file is read as production reads it. The
.docx reading is the reference: a field read differently from another format is
structure that format's extractor lost (or invented). Printed PDFs made by
reportlab from the same label/answer content in several layouts
(``printed_layouts``) are held to the .docx of that content in the same way.

The figures are per format: fields (of the 18 scored) on which the two readings
agree, counted over the fields either reading fills in.
"""

from __future__ import annotations

import hashlib
import os
import random
import subprocess
import tempfile
from collections import defaultdict
from concurrent.futures import ThreadPoolExecutor
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from escalations.intake.notices import conversion
from escalations.intake.notices.formats import Format
from escalations.intake.notices.reader import DOCX_TYPE, Attachment, read_notice
from tests.corpus import layouts
from tests.corpus.build import DEVELOPMENT, seed
from tests.corpus.cases import TODAY, make_case
from tests.corpus.design import SCORED
from tests.corpus.reading import POLICIES, flatten, same

TARGETS = ("doc", "rtf", "odt", "pdf")  # what LibreOffice makes of a reference document
# LibreOffice's export filters, by target; a PDF as Writer prints it.
EXPORT = {
    "docx": "docx:MS Word 2007 XML",
    "doc": "doc:MS Word 97",
    "rtf": "rtf:Rich Text Format",
    "odt": "odt:writer8",
    "pdf": "pdf:writer_pdf_Export",
}
READ_AS = {"docx": DOCX_TYPE, "pdf": "application/pdf"}


@dataclass(frozen=True)
class Source:
    """One notice as its design made it: a .docx, or Word's HTML or RTF for LibreOffice to open."""

    id: str  # "<design>-<n>"
    design: str
    partnership: str
    kind: str  # "docx", "html" or "rtf"
    data: bytes


@dataclass(frozen=True)
class Comparison:
    """One field of one notice, in one format, against the reference reading."""

    notice: str
    design: str
    format: str  # the format read: "doc", "rtf", "odt", "pdf", "docx" (from HTML/RTF), "pdf-<layout>"
    path: str
    reference: Any
    got: Any

    @property
    def filled(self) -> bool:
        return self.reference not in (None, []) or self.got not in (None, [])

    @property
    def agrees(self) -> bool:
        return same(self.path, self.reference, self.got)


def sources(designs: Iterable = DEVELOPMENT, per_design: int | None = None) -> list[Source]:
    """Every development notice (or the first ``per_design`` of each design) that is a Word document or Word's
    HTML or RTF, as its design renders it."""
    found = []
    for design in designs:
        for number in range(1, min(design.count, per_design or design.count) + 1):
            case = make_case(seed(design.name, number), design.partnerships[(number - 1) % len(design.partnerships)])
            rendered = design.render(case, random.Random(case.seed))
            kind = _source_kind(rendered.kind, rendered.payload)
            if kind:
                data = rendered.payload if isinstance(rendered.payload, bytes) else rendered.payload.encode("utf-8")
                found.append(Source(f"{design.name}-{number}", design.name, case.partnership, kind, data))
    return found


def _source_kind(kind: str, payload: bytes | str) -> str | None:
    """A .docx as it is; a LibreOffice design's or an Outlook mail's HTML; Word's RTF."""
    if kind == "docx":
        return "docx"
    if isinstance(payload, str) and payload.startswith("{\\rtf"):
        return "rtf"
    if kind in ("odt", "doc", "rtf", "email-html") and isinstance(payload, str):
        return "html"
    return None


def soffice_convert(files: Mapping[str, tuple[str, bytes]], target: str, soffice: str) -> dict[str, bytes]:
    """``{name: (suffix, bytes)}`` converted to ``target`` by LibreOffice, one run per kind of source."""
    groups: dict[str, dict[str, bytes]] = defaultdict(dict)
    for name, (suffix, data) in files.items():
        groups[suffix][name] = data
    done: dict[str, bytes] = {}
    for suffix, batch in sorted(groups.items()):
        done |= _convert_batch(batch, suffix, target, soffice)
    return done


def _convert_batch(batch: Mapping[str, bytes], suffix: str, target: str, soffice: str) -> dict[str, bytes]:
    with tempfile.TemporaryDirectory(prefix="escalations-equivalence-") as tmp:
        folder = Path(tmp)
        (folder / "in").mkdir()
        for name, data in batch.items():
            (folder / "in" / f"{name}.{suffix}").write_bytes(data)
        conversion.write_profile(folder / "profile")
        subprocess.run(
            [
                soffice,
                f"-env:UserInstallation={(folder / 'profile').as_uri()}",
                "--headless",
                "--norestore",
                *(["--infilter=HTML (StarWriter)"] if suffix == "html" else []),
                "--convert-to",
                EXPORT[target],
                "--outdir",
                str(folder / "out"),
                *(str(folder / "in" / f"{name}.{suffix}") for name in batch),
            ],
            check=True,
            capture_output=True,
            timeout=900,
            env={"PATH": os.environ.get("PATH", os.defpath), "HOME": tmp, "TMPDIR": tmp, "LANG": "C.UTF-8"},
        )
        made = {name: folder / "out" / f"{name}.{target}" for name in batch}
        return {name: path.read_bytes() if path.is_file() else b"" for name, path in made.items()}


def back_to_docx(files: Mapping[str, tuple[str, bytes]], soffice: str) -> dict[str, bytes]:
    """Each .doc, .rtf and .odt as the reader's own conversion (``conversion.to_docx``'s options) makes it."""
    if not files:
        return {}  # LibreOffice given no file waits for one
    with tempfile.TemporaryDirectory(prefix="escalations-equivalence-back-") as tmp:
        folder = Path(tmp)
        (folder / "in").mkdir()
        for name, (suffix, data) in files.items():
            (folder / "in" / f"{name}.{suffix}").write_bytes(data)
        conversion.write_profile(folder / "profile")
        arguments = conversion._arguments(folder, folder / "in" / "x")[:-1]
        try:
            subprocess.run(
                [soffice, *arguments, *(str(folder / "in" / f"{name}.{suffix}") for name, (suffix, _) in files.items())],
                check=False,  # a batch LibreOffice gives up on is finished file by file below
                capture_output=True,
                timeout=300,
                cwd=folder,
                env={"PATH": os.environ.get("PATH", os.defpath), "HOME": tmp, "TMPDIR": tmp, "LANG": "C.UTF-8"},
            )
        except subprocess.TimeoutExpired:
            pass  # as above
        made = {name: (folder / "out" / f"{name}.docx") for name in files}
        left_out = [name for name, path in made.items() if not path.is_file()]
        with ThreadPoolExecutor(2) as pool:
            alone = dict(zip(left_out, pool.map(lambda name: _alone(*files[name]), left_out)))
        return {name: alone[name] if name in alone else path.read_bytes() for name, path in made.items()}


def _alone(suffix: str, data: bytes) -> bytes:
    """A file a batch run of LibreOffice left out (it gives up on the rest after some files),
    converted on its own as the reader converts: empty when that fails too (nothing is read)."""
    try:
        return conversion.to_docx(data, Format(f".{suffix}"))
    except conversion.ConversionFailed:
        return b""


def reading(kind: str, data: bytes, partnership: str) -> dict[str, Any]:
    """The scored fields of a .docx or .pdf read as production reads an attachment (no body)."""
    policy = POLICIES[partnership]
    attachment = Attachment(f"escalation-form.{kind}", READ_AS[kind], data)
    notice = read_notice([attachment], None, today=TODAY, partnership=policy.id, form=policy.form, convert=False)
    return flatten(notice.to_json())


def compare(source: Source, fmt: str, reference: Mapping[str, Any], got: Mapping[str, Any]) -> list[Comparison]:
    return [Comparison(source.id, source.design, fmt, path, reference[path], got[path]) for path in SCORED]


def libreoffice_comparisons(found: Sequence[Source], soffice: str) -> list[Comparison]:
    """Every source in every format LibreOffice writes, read, against its .docx's reading."""
    files = converted_files(found, soffice)
    by_id = {s.id: s for s in found}
    results: list[Comparison] = []
    for ident, source in by_id.items():
        reference = reading("docx", files[f"{ident}.docx"], source.partnership)
        for target in TARGETS:
            read = ("pdf", files[f"{ident}.pdf"]) if target == "pdf" else ("docx", files[f"{ident}.{target}.docx"])
            results += compare(source, target, reference, reading(*read, source.partnership))
    return results


def converted_files(found: Sequence[Source], soffice: str) -> dict[str, bytes]:
    """``<id>.docx`` (the reference), ``<id>.<target>`` (what LibreOffice wrote) and
    ``<id>.<legacy target>.docx`` (the reader's own conversion of it back), kept under the
    temporary directory by a hash of the sources: the files depend on the designs and
    LibreOffice, never on the reader, so each is made once."""
    folder = cache_folder(found, soffice)
    folder.mkdir(parents=True, exist_ok=True)
    originals = {s.id: (s.kind, s.data) for s in found}
    _make(folder, {f"{s.id}.docx": s.data for s in found if s.kind == "docx"})
    missing = {i: v for i, v in originals.items() if v[0] != "docx" and not (folder / f"{i}.docx").is_file()}
    _make(folder, {f"{i}.docx": data for i, data in soffice_convert(missing, "docx", soffice).items()})
    for target in TARGETS:
        missing = {i: v for i, v in originals.items() if not (folder / f"{i}.{target}").is_file()}
        _make(folder, {f"{i}.{target}": data for i, data in soffice_convert(missing, target, soffice).items()})
    for target in ("doc", "rtf", "odt"):
        missing = {i: (target, (folder / f"{i}.{target}").read_bytes()) for i in originals}
        missing = {i: v for i, v in missing.items() if not (folder / f"{i}.{target}.docx").is_file()}
        _make(folder, {f"{i}.{target}.docx": data for i, data in back_to_docx(missing, soffice).items()})
    return {path.name: path.read_bytes() for path in folder.iterdir()}


# What the converted files depend on: the development designs and the tools that make them.
_MADE_BY = ("cases.py", "design.py", "designs.py", "designs_more.py", "designs_legacy.py", "tools.py")


def cache_folder(found: Sequence[Source], soffice: str) -> Path:
    """Named by the designs' code, not the sources' bytes: python-docx stamps each .docx with the time."""
    digest = hashlib.sha256(soffice.encode() + " ".join(s.id for s in found).encode())
    for name in _MADE_BY:
        digest.update((Path(__file__).parent / name).read_bytes())
    return Path(tempfile.gettempdir()) / f"escalations-equivalence-{digest.hexdigest()[:16]}"


def _make(folder: Path, files: Mapping[str, bytes]) -> None:
    for name, data in files.items():
        if not (folder / name).is_file():
            (folder / name).write_bytes(data)


def agreement(results: Iterable[Comparison], key: str = "format") -> dict[str, tuple[int, int]]:
    """(agreeing, filled) fields by ``key``: of the fields either reading fills in, how many agree."""
    groups: dict[str, list[Comparison]] = defaultdict(list)
    for result in results:
        if result.filled:
            groups[getattr(result, key)].append(result)
    return {name: (sum(r.agrees for r in group), len(group)) for name, group in sorted(groups.items())}


def disagreements(results: Iterable[Comparison]) -> list[Comparison]:
    return [r for r in results if r.filled and not r.agrees]


# --- printed layouts ---------------------------------------------------------------------------------

LAYOUT_NOTICES = 10  # cases printed in every layout, across the five partnerships


def layout_comparisons(count: int = LAYOUT_NOTICES) -> list[Comparison]:
    """The same content as a .docx and as each reportlab layout; each PDF read against the .docx."""
    results: list[Comparison] = []
    partnerships = sorted(POLICIES)
    for number in range(1, count + 1):
        case = make_case(seed("printed-layouts", number), partnerships[(number - 1) % len(partnerships)])
        sections = layouts.content(case)
        source = Source(f"printed-layouts-{number}", "printed-layouts", case.partnership, "docx", layouts.word(sections))
        reference = reading("docx", source.data, case.partnership)
        for name, render in layouts.LAYOUTS.items():
            results += compare(source, f"pdf-{name}", reference, reading("pdf", render(sections), case.partnership))
    return results
