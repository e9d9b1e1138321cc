"""Building test emails: a notice attached to a message from a fictional practitioner."""

from __future__ import annotations

import uuid
from email.message import EmailMessage

DOCX = ("application", "vnd.openxmlformats-officedocument.wordprocessingml.document")


def notice_email(
    notice: bytes | None,
    *,
    sender: str = "a.khan@northside-health.example",
    to: str = "escalations@salford.example",
    subject: str = "Escalation notice",
    body: str = "Please find the escalation notice attached.",
    filename: str = "Jo Bloggs escalation notice.docx",
    message_id: str | None = None,
    headers: dict[str, str] | None = None,
) -> EmailMessage:
    message = EmailMessage()
    message["From"] = f"Practitioner <{sender}>"
    message["To"] = to
    message["Subject"] = subject
    message["Date"] = "Tue, 10 Mar 2026 10:00:00 +0000"
    message["Message-ID"] = message_id or f"<{uuid.uuid4().hex}@{sender.split('@')[1]}>"
    for name, value in (headers or {}).items():
        message[name] = value
    message.set_content(body)
    if notice is not None:
        message.add_attachment(notice, maintype=DOCX[0], subtype=DOCX[1], filename=filename)
    return message


def wire(message: EmailMessage) -> bytes:
    """The message as it travels over SMTP (CRLF line ends), serialised once so resends are identical."""
    return message.as_bytes(policy=message.policy.clone(linesep="\r\n"))
