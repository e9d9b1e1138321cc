"""Subject access and erasure: everything stored about one child or adult, found, exported or erased.

The person is found the way case matching finds them (``routing.matching``):
the same date of birth and a name that scores as the same name. Every notice
read is searched, so a case is found whichever of its notices named the
person, and a notice on no case too.

The export is a zip a data protection officer can hand over after redaction
(other people appear in it: practitioners, managers): a manifest, each case
as JSON (its notices, timeline and deadlines), each message as it came in or
went out (``.eml``), and each attachment on its own. Names inside the zip are
numbers (``case-001.json``, ``document-003.pdf``): a file name never carries
personal data. Both the export and an erasure are written to the access log.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import tempfile
import zipfile
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from escalations.intake import mime
from escalations.routing.matching import CONFIDENT_NAME, name_score
from escalations.service.anonymise import ERASURE, anonymise_case, scrub_inbound, scrub_notice
from escalations.service.retention import ENDED
from escalations.storage.models import (
    Anonymisation,
    Case,
    CaseEvent,
    ConsoleAccess,
    Deadline,
    InboundMessage,
    NoticeRecord,
    OutboxMessage,
)

_EXTENSION = re.compile(r"^[a-z0-9]{1,8}$")


class SubjectError(Exception):
    """A subject request that cannot be done as asked (an open case to erase, a file already there)."""


@dataclass
class Found:
    """What is stored about one person: their cases, and notices about them on no case."""

    cases: list[Case] = field(default_factory=list)
    loose_notices: list[NoticeRecord] = field(default_factory=list)


def same_person(name: str, dob: date, subject: dict[str, Any]) -> bool:
    """Case matching's rule: the same date of birth, and a name alike enough to be the same."""
    return str(subject.get("dob") or "") == dob.isoformat() and name_score(name, str(subject.get("name") or "")) >= CONFIDENT_NAME


def find(session: Session, name: str, dob: date) -> Found:
    found = Found()
    case_ids: list[int] = []
    for record in session.scalars(select(NoticeRecord).order_by(NoticeRecord.id)):
        if not same_person(name, dob, (record.data or {}).get("subject") or {}):
            continue
        if record.case_id is None:
            found.loose_notices.append(record)
        elif record.case_id not in case_ids:
            case_ids.append(record.case_id)
    found.cases = list(session.scalars(select(Case).where(Case.id.in_(case_ids)).order_by(Case.id))) if case_ids else []
    return found


# -- export ---------------------------------------------------------------------


@dataclass
class _Zip:
    """Files for the zip, by numbered name, with the manifest's line for each."""

    files: dict[str, bytes] = field(default_factory=dict)
    manifest: list[dict[str, Any]] = field(default_factory=list)
    counters: dict[str, int] = field(default_factory=dict)

    def add(self, folder: str, stem: str, extension: str, data: bytes, about: dict[str, Any]) -> str:
        number = self.counters[stem] = self.counters.get(stem, 0) + 1
        name = f"{folder}/{stem}-{number:03d}.{extension}"
        self.files[name] = data
        self.manifest.append({"file": name, "bytes": len(data), "sha256": hashlib.sha256(data).hexdigest(), **about})
        return name


def export(session: Session, name: str, dob: date, output: Path, now: datetime, by: str) -> dict[str, Any]:
    """Write the person's zip to ``output`` (never over an existing file) and log the access; returns the manifest."""
    if output.exists():
        raise SubjectError(f"{output} already exists; choose a new file name")
    found = find(session, name, dob)
    bundle = _Zip()
    for case in found.cases:
        _add_case(session, bundle, case)
    for record in found.loose_notices:
        _add_message(session, bundle, record.inbound_id, {"case": None, "notice": record.data})
    manifest = {
        "request": {"name": name, "dob": dob.isoformat(), "matched_by": f"same date of birth, name score >= {CONFIDENT_NAME}"},
        "generated_at": now.isoformat(),
        "by": by,
        "cases": [c.reference for c in found.cases],
        "notices_on_no_case": len(found.loose_notices),
        "files": bundle.manifest,
        "note": "Other people (practitioners, managers) are named in these files: redact before handing over.",
    }
    _write_zip(output, bundle.files, manifest, now)
    what = f"subject access export: {len(found.cases)} case(s), {len(bundle.manifest)} file(s)"
    _log(session, by, "subject_export", [c.id for c in found.cases] or [None], what, now)
    return manifest


def _add_case(session: Session, bundle: _Zip, case: Case) -> None:
    events = session.scalars(select(CaseEvent).where(CaseEvent.case_id == case.id).order_by(CaseEvent.id)).all()
    deadlines = session.scalars(select(Deadline).where(Deadline.case_id == case.id).order_by(Deadline.id)).all()
    notices = session.scalars(select(NoticeRecord).where(NoticeRecord.case_id == case.id).order_by(NoticeRecord.id)).all()
    record = {
        "reference": case.reference,
        "partnership": case.partnership,
        "state": case.state,
        "stage": case.stage,
        "immediate_risk": case.immediate_risk,
        "outcome": case.outcome,
        "raised_by_email": case.raised_by_email,
        "opened_at": _iso(case.opened_at),
        "closed_at": _iso(case.closed_at),
        "notices": [{"read_at": _iso(n.read_at), "form": n.form, "data": n.data} for n in notices],
        "timeline": [{"at": _iso(e.at), "kind": e.kind, "rule": e.rule, "reason": e.reason, "data": e.data} for e in events],
        "deadlines": [
            {"kind": d.kind, "stage": d.stage, "due": _iso(d.due), "met": d.met, "met_at": _iso(d.met_at)} for d in deadlines
        ],
    }
    bundle.add("cases", "case", "json", _json(record), {"what": "case", "case": case.reference})
    inbound = select(InboundMessage.id).where(InboundMessage.case_id == case.id).order_by(InboundMessage.id)
    for inbound_id in session.scalars(inbound):
        _add_message(session, bundle, inbound_id, {"case": case.reference})
    for row in session.scalars(select(OutboxMessage).where(OutboxMessage.case_id == case.id).order_by(OutboxMessage.id)):
        about = {"what": "message sent", "case": case.reference, "kind": row.kind, "created_at": _iso(row.created_at)}
        bundle.add("messages", "sent", "eml", row.raw, about)


def _add_message(session: Session, bundle: _Zip, inbound_id: int, about: dict[str, Any]) -> None:
    message = session.get(InboundMessage, inbound_id)
    if message is None:
        return
    received = {"what": "message received", "received_at": _iso(message.received_at), **about}
    received.pop("notice", None)
    eml = bundle.add("messages", "received", "eml", message.raw, received)
    if "notice" in about:
        bundle.add("notices", "notice", "json", _json(about["notice"]), {"what": "notice read", "from": eml})
    for attachment in _attachments(message.raw):
        extension = _extension(attachment.filename)
        document = {"what": "document", "from": eml, "content_type": attachment.content_type, "case": about.get("case")}
        bundle.add("documents", "document", extension, attachment.data, document)


def _attachments(raw: bytes) -> Sequence[mime.Attachment]:
    try:
        return mime.parse(raw).attachments
    except mime.MalformedMessage:
        return ()


def _extension(filename: str | None) -> str:
    """The file name's extension if it is a plain one (docx, pdf); the name itself is never used."""
    suffix = Path(filename or "").suffix.lower().lstrip(".")
    return suffix if _EXTENSION.match(suffix) else "bin"


def _write_zip(output: Path, files: dict[str, bytes], manifest: dict[str, Any], now: datetime) -> None:
    """All or nothing: written beside the target, readable by its owner only, then renamed into place."""
    stamp = now.timetuple()[:6]
    handle, temporary = tempfile.mkstemp(dir=output.parent or Path("."), prefix=".subject-", suffix=".zip")
    try:
        with os.fdopen(handle, "wb") as raw, zipfile.ZipFile(raw, "w", zipfile.ZIP_DEFLATED) as archive:
            archive.writestr(zipfile.ZipInfo("manifest.json", stamp), _json(manifest))
            for name, data in files.items():
                archive.writestr(zipfile.ZipInfo(name, stamp), data, zipfile.ZIP_DEFLATED)
        os.chmod(temporary, 0o600)
        os.link(temporary, output)  # fails, rather than replaces, if the file appeared meanwhile
    finally:
        os.unlink(temporary)


# -- erasure --------------------------------------------------------------------


def erase(session: Session, name: str, dob: date, decision: str, now: datetime, by: str) -> list[Anonymisation]:
    """Anonymise every case about the person (as retention would), recording the decision; refuse an open case."""
    if not decision.strip():
        raise SubjectError("an erasure needs --decision: what was decided, by whom, and on what grounds")
    found = find(session, name, dob)
    still_open = [c.reference for c in found.cases if c.state not in ENDED]
    if still_open:
        raise SubjectError(f"case(s) {', '.join(still_open)} are still open: close or withdraw them before erasure")
    records = [anonymise_case(session, case, now, ERASURE, decision=decision, by=by) for case in found.cases]
    for notice in found.loose_notices:
        records.append(_erase_loose(session, notice, decision, now, by))
    what = f"subject erasure: {len(found.cases)} case(s), {len(found.loose_notices)} notice(s) on no case"
    _log(session, by, "subject_erase", [c.id for c in found.cases] or [None], what, now)
    return records


def _erase_loose(session: Session, notice: NoticeRecord, decision: str, now: datetime, by: str) -> Anonymisation:
    notice.data = scrub_notice(notice.data or {})
    message = session.get(InboundMessage, notice.inbound_id)
    if message is not None:
        scrub_inbound(message, ERASURE)
    record = Anonymisation(
        case_id=None,
        reference=f"inbound {notice.inbound_id}",
        at=now,
        rule=ERASURE,
        decision=decision,
        by=by,
        removed={"inbound": 1},
    )
    session.add(record)
    return record


def _log(session: Session, by: str, action: str, case_ids: Sequence[int | None], what: str, now: datetime) -> None:
    """The access log (DESIGN.md invariant 12): one entry per case touched, none naming the person."""
    for case_id in case_ids:
        session.add(ConsoleAccess(at=now, email=by, action=action, case_id=case_id, what=what))


def _json(value: Any) -> bytes:
    return json.dumps(value, indent=2, ensure_ascii=False, default=str).encode("utf-8")


def _iso(moment: datetime | None) -> str | None:
    return moment.isoformat() if moment else None
