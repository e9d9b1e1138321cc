"""Read corpus notices as production does, and score each field against what the notice states.

A notice is an email message: parsed by ``intake.mime``, its notice attachments
and body given to ``read_notice`` (each .docx and .pdf read in the sandbox, as the
worker reads them) with the partnership's form profile, as ``escalations parse
--partnership`` does. A .doc, .odt or .rtf is converted to .docx by LibreOffice
with the service's own isolated profile and filter, all of them in one run
(``convert_legacy``): LibreOffice takes seconds to start, and a per-file run
would take most of a minute here; ``read_notice``'s own per-file conversion is
checked to give the same reading by the corpus test.
"""

from __future__ import annotations

import os
import subprocess
import tempfile
from concurrent.futures import ThreadPoolExecutor
from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from escalations.intake import mime
from escalations.intake.mime import body_text
from escalations.intake.notices import conversion
from escalations.intake.notices.formats import is_notice_file
from escalations.intake.notices.reader import DOCX_TYPE, Attachment, read_notice
from escalations.routing.policy import load_policies
from escalations.service.settings import load_settings
from tests.corpus.build import LIBREOFFICE_KINDS, CorpusNotice
from tests.corpus.cases import TODAY
from tests.corpus.design import SCORED

POLICIES = load_policies(load_settings(None).partnerships_dir)


def read(notice: CorpusNotice, converted: Mapping[str, bytes] | None = None) -> dict[str, Any]:
    """The canonical notice (JSON form) the reader makes of this corpus notice.

    ``converted``: the .docx LibreOffice made of a legacy attachment, by notice id; without it
    ``read_notice`` converts the file itself.
    """
    mail = mime.parse(notice.message)
    files = [a for a in mail.attachments if is_notice_file(a)]
    if converted and notice.id in converted:
        files = [Attachment("escalation-form.docx", DOCX_TYPE, converted[notice.id])]
    policy = POLICIES[notice.partnership]
    return read_notice(files, body_text(mail), today=TODAY, partnership=policy.id, form=policy.form).to_json()


def read_all(notices: Sequence[CorpusNotice], converted: Mapping[str, bytes] | None = None) -> list[dict[str, Any]]:
    """Every notice's reading, in order; several at once (each read waits on its sandbox child)."""
    with ThreadPoolExecutor(max_workers=max(2, os.cpu_count() or 2)) as pool:
        return list(pool.map(lambda notice: read(notice, converted), notices))


def convert_legacy(notices: Iterable[CorpusNotice]) -> dict[str, bytes]:
    """Every .doc, .odt and .rtf attachment as the .docx ``conversion.to_docx`` makes, in one LibreOffice run."""
    legacy = [n for n in notices if n.kind in LIBREOFFICE_KINDS]
    if not legacy or not conversion.soffice():
        return {}
    with tempfile.TemporaryDirectory(prefix="escalations-corpus-convert-") as tmp:
        folder = Path(tmp)
        (folder / "in").mkdir()
        for notice in legacy:
            attachment = next(a for a in mime.parse(notice.message).attachments if is_notice_file(a))
            (folder / "in" / f"{notice.id}.{notice.kind}").write_bytes(attachment.data)
        conversion.write_profile(folder / "profile")
        arguments = conversion._arguments(folder, folder / "in" / "x")[:-1]  # the service's own options
        subprocess.run(
            [
                *conversion.network_isolation().prefix,
                conversion.soffice(),
                *arguments,
                *(str(folder / "in" / f"{n.id}.{n.kind}") for n in legacy),
            ],
            check=True,
            capture_output=True,
            timeout=600,
            cwd=folder,
            env={"PATH": os.environ.get("PATH", os.defpath), "LANG": "C.UTF-8", "HOME": tmp, "TMPDIR": tmp},
        )
        return {n.id: (folder / "out" / f"{n.id}.docx").read_bytes() for n in legacy}


# --- scoring -----------------------------------------------------------------------------------------


def flatten(notice: Mapping[str, Any]) -> dict[str, Any]:
    """The scored fields of a canonical notice, by path."""
    return {path: _get(notice, path) for path in SCORED}


def _get(notice: Mapping[str, Any], path: str) -> Any:
    value: Any = notice
    for part in path.split("."):
        value = value.get(part) if isinstance(value, Mapping) else None
    return value


def _text(value: Any) -> str:
    return " ".join(str(value).replace("\u2019", "'").split()).casefold().rstrip(".,;")


def _digits(value: Any) -> str:
    digits = "".join(ch for ch in str(value) if ch.isdigit())
    return "0" + digits[2:] if digits.startswith("44") else digits


def same(path: str, expected: Any, got: Any, accepted: Sequence[str] = ()) -> bool:
    """Whether ``got`` is a right reading of ``expected`` (case, spacing and phone formatting aside)."""
    if got in (None, []) or expected in (None, []):
        return got in (None, []) and expected in (None, [])
    if path == "raised_by.phone":
        return _digits(got) == _digits(expected)
    if isinstance(expected, (bool, int, list)):
        return got == expected if not isinstance(expected, list) else sorted(got) == sorted(expected)
    return _text(got) in {_text(e) for e in (expected, *accepted)}


@dataclass(frozen=True)
class FieldResult:
    notice: str
    design: str
    part: str
    kind: str
    path: str
    printed: bool  # the notice states this field
    right: bool  # read as stated (printed), or left empty (not printed)
    expected: Any
    got: Any

    @property
    def invented(self) -> bool:
        return not self.printed and not self.right


def score(notice: CorpusNotice, reading: Mapping[str, Any]) -> list[FieldResult]:
    got = flatten(reading)
    return [
        FieldResult(
            notice.id,
            notice.design,
            notice.part,
            notice.kind,
            path,
            notice.expected[path] not in (None, []),
            same(path, notice.expected[path], got[path], notice.accepted.get(path, ())),
            notice.expected[path],
            got[path],
        )
        for path in SCORED
    ]


def accuracy(results: Iterable[FieldResult]) -> tuple[int, int]:
    """(right, stated): of the fields the notices state, how many were read right."""
    stated = [r for r in results if r.printed]
    return sum(r.right for r in stated), len(stated)


def percent(pair: tuple[int, int]) -> float:
    right, total = pair
    return 100.0 * right / total if total else 100.0


def by(results: Iterable[FieldResult], key: str) -> dict[str, tuple[int, int]]:
    groups: dict[str, list[FieldResult]] = defaultdict(list)
    for result in results:
        groups[getattr(result, key)].append(result)
    return {name: accuracy(group) for name, group in sorted(groups.items())}


def invented(results: Iterable[FieldResult]) -> Counter:
    return Counter((r.notice, r.path) for r in results if r.invented)
