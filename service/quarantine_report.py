"""Quarantined messages in the business managers' daily summary: how many, their ids, what kind of failure.

A quarantined message used to be reported to nobody. It belongs to the
partnerships of the mailbox it came to (its envelope recipients, which for
IMAP are the watched mailbox's address; else the To/Cc of its header): a
mailbox with one partnership tells that partnership's business managers, a
shared mailbox (Bury's) tells every partnership on it, and a message no
mailbox claims is told to all, since someone must hear of it. Only the kind
of failure is reported, never its text, which can quote the message.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from email.parser import BytesHeaderParser
from email.policy import compat32
from email.utils import getaddresses

from escalations.routing.policy import Policy
from escalations.storage.models import InboundMessage

HEADER_BYTES = 65_536  # enough for any To/Cc a mail server passes on
CRASHED = "the worker stopped while processing it"


def failure_kind(last_error: str | None) -> str:
    """``ValueError`` from ``ValueError: <text that may quote the message>``; never the text itself."""
    error = last_error or ""
    if error.startswith(CRASHED):
        return "worker stopped"
    name = error.partition(":")[0].strip()
    return name if name and len(name) <= 80 and all(part.isidentifier() for part in name.split(".")) else "unknown"


def partnerships_of(message: InboundMessage, policies: Mapping[str, Policy]) -> set[str]:
    """The partnerships whose mailbox the message was sent to; every partnership when none is."""
    found = _served(message.envelope_to or [], policies)
    if not found:
        found = _served(_header_recipients(message.raw[:HEADER_BYTES]), policies)
    return found or set(policies)


def _served(addresses: Iterable[object], policies: Mapping[str, Policy]) -> set[str]:
    wanted = {str(a).strip().lower() for a in addresses}
    return {p.id for p in policies.values() if p.mailbox.lower() in wanted}


def _header_recipients(head: bytes) -> list[str]:
    try:
        headers = BytesHeaderParser(policy=compat32).parsebytes(head)
        values = [str(v) for name in ("to", "cc", "delivered-to") for v in headers.get_all(name, [])]
        return [address for _, address in getaddresses(values)]
    except Exception:  # a header too broken to read names no mailbox
        return []
