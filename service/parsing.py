"""`escalations parse`: a notice file (.docx, or an .eml with attachments) into the canonical notice."""

from __future__ import annotations

from datetime import date
from pathlib import Path

from escalations.intake import mime
from escalations.intake.notices.model import Notice
from escalations.intake.notices.reader import Attachment, read_notice
from escalations.service.pipeline import is_notice_file, body_text

DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
TYPES = {".docx": DOCX, ".pdf": "application/pdf", ".doc": "application/msword"}


def parse_file(path: Path, *, partnership: str | None, today: date) -> Notice:
    data = path.read_bytes()
    if path.suffix.lower() == ".eml":
        mail = mime.parse(data)
        files = [a for a in mail.attachments if is_notice_file(a)]
        notice = read_notice(files, body_text(mail), today=today, partnership=partnership)
    else:
        kind = TYPES.get(path.suffix.lower(), "application/octet-stream")
        notice = read_notice([Attachment(path.name, kind, data)], None, today=today, partnership=partnership)
    if partnership and notice.partnership is None:
        notice.partnership = partnership
    return notice
